/**
 * SRTP and SRTCP (RFC 3711) keyed by SDES (RFC 4568): the `a=crypto` attribute parsed, the session
 * keys derived (AES-CM PRF, key derivation rate), packets authenticated and decrypted (and, for the
 * tests' references and a simulated sender, protected).
 *
 * Suites: AES_CM_128_HMAC_SHA1_80/_32 (RFC 4568), AES_192_CM_HMAC_SHA1_80/_32 and
 * AES_256_CM_HMAC_SHA1_80/_32 (RFC 6188), AEAD_AES_128_GCM / AEAD_AES_256_GCM (RFC 7714). The key
 * parameters' lifetime (`|2^31`) and MKI (`|1:4`) are read, several keys told apart by the MKI in
 * the packet; the session parameters KDR, UNENCRYPTED_SRTP, UNENCRYPTED_SRTCP, UNAUTHENTICATED_SRTP.
 * The rollover counter is guessed per RFC 3711 §3.3.1 (Appendix A) from the highest sequence number
 * authenticated so far, so a sequence wrap and reordering around it decrypt; the state moves only on
 * a packet that authenticates. Nothing here throws on a packet: a short one, a wrong key, an unknown
 * MKI, a key past its lifetime each come back as a status the caller counts.
 * @remarks Node's crypto does the AES (CTR, GCM) and HMAC-SHA1; counter mode's keystream comes from
 * one AES-ECB cipher kept per session key (srtp-crypto.node.ts; µs per packet in `npm run bench --
 * rtp`). DTLS-SRTP (RFC 5764, `a=fingerprint`) is not here: its keys come out of the DTLS handshake.
 */
import { base64UrlBytes } from '../capture/tls/rsa';
import { rtpHeaderLength } from './rtp-header';

/** The ciphers SRTP needs (node:crypto in srtp-crypto.node.ts: the core has none). */
export interface SrtpCrypto {
  /** AES in counter mode (the key's length picks AES-128/192/256) from the 16-octet counter block `iv`. */
  ctr(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array;
  hmacSha1(key: Uint8Array, parts: readonly Uint8Array[]): Uint8Array;
  gcmSeal(
    key: Uint8Array,
    iv: Uint8Array,
    aad: Uint8Array,
    plain: Uint8Array,
  ): { ct: Uint8Array; tag: Uint8Array };
  /** The plaintext, or null when the tag does not match. */
  gcmOpen(
    key: Uint8Array,
    iv: Uint8Array,
    aad: Uint8Array,
    ct: Uint8Array,
    tag: Uint8Array,
  ): Uint8Array | null;
}

/** One SRTP crypto suite's parameters (lengths in octets). */
export interface SrtpSuite {
  name: string;
  aead: boolean;
  keyLen: number;
  saltLen: number;
  /** SRTP authentication tag (the AEAD's GCM tag). */
  rtpTag: number;
  /** SRTCP authentication tag: 10 octets for the _32 suites too (RFC 4568 §6.2.2, RFC 6188). */
  rtcpTag: number;
}

const suite = (name: string, aead: boolean, keyLen: number, rtpTag: number, rtcpTag: number): SrtpSuite => ({
  name,
  aead,
  keyLen,
  saltLen: aead ? 12 : 14,
  rtpTag,
  rtcpTag,
});

/** The suites sipscope decrypts, by their SDES name. */
export const SRTP_SUITES: ReadonlyMap<string, SrtpSuite> = new Map(
  [
    suite('AES_CM_128_HMAC_SHA1_80', false, 16, 10, 10),
    suite('AES_CM_128_HMAC_SHA1_32', false, 16, 4, 10),
    suite('AES_192_CM_HMAC_SHA1_80', false, 24, 10, 10),
    suite('AES_192_CM_HMAC_SHA1_32', false, 24, 4, 10),
    suite('AES_256_CM_HMAC_SHA1_80', false, 32, 10, 10),
    suite('AES_256_CM_HMAC_SHA1_32', false, 32, 4, 10),
    suite('AEAD_AES_128_GCM', true, 16, 16, 16),
    suite('AEAD_AES_256_GCM', true, 32, 16, 16),
  ].map((s) => [s.name, s]),
);

/** One master key of a crypto attribute. */
export interface SrtpMasterKey {
  key: Uint8Array;
  salt: Uint8Array;
  /** Packets it may protect (`|2^31`); null: the suite's default (2^48 SRTP, 2^31 SRTCP). */
  lifetime: number | null;
  /** Its MKI value (big-endian in `mkiLen` octets); null without MKI. */
  mki: number | null;
}

/** An `a=crypto` attribute (RFC 4568 §9.1) read. */
export interface SdesCrypto {
  tag: number | null;
  suite: SrtpSuite;
  keys: SrtpMasterKey[];
  /** MKI length in the packets (0: none). */
  mkiLen: number;
  /** Key derivation rate (0: derive once). */
  kdr: number;
  unencryptedSrtp: boolean;
  unencryptedSrtcp: boolean;
  unauthenticatedSrtp: boolean;
  /** The attribute as given (its suite and first key), for messages. */
  text: string;
}

const B64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * Parses `a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:KEY[|LIFETIME][|MKI:LEN][;inline:...] [PARAMS]`,
 * or the same without `a=crypto:TAG` (a key given by hand: `SUITE inline:KEY`). A string: what is wrong.
 */
export function parseSdesCrypto(text: string): SdesCrypto | string {
  let t = text.trim();
  let tag: number | null = null;
  const head = /^(?:a=)?crypto:(\S*)\s+/i.exec(t);
  if (head) {
    if (!/^\d{1,9}$/.test(head[1]!)) return `the crypto tag "${head[1]}" is not a number`;
    tag = Number(head[1]);
    t = t.slice(head[0].length);
  } else if (/^\d{1,9}\s/.test(t)) {
    tag = parseInt(t, 10);
    t = t.replace(/^\d+\s+/, '');
  }
  const f = t.split(/\s+/);
  const name = f[0] ?? '';
  if (!name) return 'no crypto suite (AES_CM_128_HMAC_SHA1_80 inline:KEY)';
  const s = SRTP_SUITES.get(name.toUpperCase());
  if (!s) return `crypto suite ${name} is not one sipscope decrypts (${[...SRTP_SUITES.keys()].join(', ')})`;
  const kp = f[1] ?? '';
  if (!kp) return `no key after ${name} (inline:KEY)`;
  const keys: SrtpMasterKey[] = [];
  let mkiLen = -1;
  for (const p of kp.split(';')) {
    if (!/^inline:/i.test(p))
      return `key parameter "${p}" is not inline:KEY (only inline keys exist, RFC 4568 §6.1)`;
    const parts = p.slice(7).split('|');
    const b64 = parts[0] ?? '';
    if (!B64.test(b64) || b64.length % 4 === 1) return `the key "${b64}" is not base64`;
    const raw = base64UrlBytes(b64.replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_'));
    if (!raw) return `the key "${b64}" is not base64`;
    const want = s.keyLen + s.saltLen;
    if (raw.length !== want)
      return `the key of ${s.name} is ${want} octets of key and salt (${Math.ceil(want / 3) * 4} base64 characters), this one ${raw.length}`;
    let lifetime: number | null = null;
    let mki: number | null = null;
    for (const x of parts.slice(1)) {
      const m = /^(\d+):(\d+)$/.exec(x);
      if (m) {
        const len = Number(m[2]);
        if (len < 1 || len > 4) return `MKI length ${len} not handled (1 to 4 octets)`;
        const v = Number(m[1]);
        if (v >= 2 ** (8 * len)) return `MKI ${v} does not fit in ${len} octets`;
        if (mkiLen >= 0 && mkiLen !== len) return 'the keys give different MKI lengths';
        mkiLen = len;
        mki = v;
        continue;
      }
      const l = /^2\^(\d+)$/.exec(x) ?? /^(\d+)$/.exec(x);
      if (l) {
        const v = x.startsWith('2^') ? 2 ** Number(l[1]) : Number(l[1]);
        if (!(v >= 1) || !Number.isFinite(v)) return `lifetime "${x}" is not a packet count`;
        lifetime = v;
        continue;
      }
      return `"|${x}" is neither a lifetime (2^31) nor an MKI (1:4)`;
    }
    keys.push({ key: raw.subarray(0, s.keyLen), salt: raw.subarray(s.keyLen), lifetime, mki });
  }
  if (keys.length > 1 && mkiLen < 0) return 'several keys without MKI';
  if (mkiLen >= 0 && keys.some((k) => k.mki === null)) return 'a key without MKI beside keys with one';
  let kdr = 0;
  let unencryptedSrtp = false;
  let unencryptedSrtcp = false;
  let unauthenticatedSrtp = false;
  for (const p of f.slice(2)) {
    const k = /^KDR=(\d{1,2})$/i.exec(p);
    if (k) {
      const n = Number(k[1]);
      if (n > 24) return `KDR=${n}: the rate is 2^0 to 2^24 (RFC 4568 §6.3.1)`;
      kdr = 2 ** n;
    } else if (/^UNENCRYPTED_SRTP$/i.test(p)) unencryptedSrtp = true;
    else if (/^UNENCRYPTED_SRTCP$/i.test(p)) unencryptedSrtcp = true;
    else if (/^UNAUTHENTICATED_SRTP$/i.test(p)) unauthenticatedSrtp = true;
    else if (/^FEC_ORDER=|^FEC_KEY=|^WSH=/i.test(p)) continue;
    else if (p) return `session parameter "${p}" not known`;
  }
  return {
    tag,
    suite: s,
    keys,
    mkiLen: Math.max(0, mkiLen),
    kdr,
    unencryptedSrtp,
    unencryptedSrtcp,
    unauthenticatedSrtp,
    text: `${s.name} inline:${kp.split('|')[0]!.slice(7, 15)}…`,
  };
}

/** AES-CM PRF (RFC 3711 §4.3.1, §4.3.3): `len` octets for `label` at `r` (index DIV kdr). */
export function srtpPrf(
  cr: SrtpCrypto,
  master: SrtpMasterKey,
  label: number,
  r: number,
  len: number,
): Uint8Array {
  const iv = new Uint8Array(16);
  iv.set(master.salt, 0); // a 12-octet GCM salt: the rest zero (RFC 7714 §11, as libsrtp)
  iv[7]! ^= label;
  xor48(iv, r);
  return cr.ctr(master.key, iv, new Uint8Array(len));
}

interface SessionKeys {
  r: number;
  enc: Uint8Array;
  auth: Uint8Array;
  salt: Uint8Array;
}

/** What became of one packet. */
export type SrtpStatus = 'ok' | 'short' | 'auth' | 'mki' | 'lifetime';

/** A packet unprotected: the plain packet (a copy, MKI and tag removed) or why not. */
export type SrtpResult =
  | {
      status: 'ok';
      packet: Uint8Array;
      index: number;
      /** SRTCP: its E flag (the compound was encrypted; RFC 3711 §3.4). */
      encrypted?: boolean;
    }
  | { status: Exclude<SrtpStatus, 'ok'> };

/** The counts a session keeps of what it was given. */
export interface SrtpCounts {
  decrypted: number;
  authFailed: number;
  short: number;
  unknownMki: number;
  lifetimeExceeded: number;
}

/** What a count means, for a stream's note: `3 failed authentication`. */
export function srtpCountsNote(c: SrtpCounts): string {
  const p: string[] = [];
  if (c.authFailed) p.push(`${c.authFailed} failed authentication (wrong key, or not this stream's)`);
  if (c.short) p.push(`${c.short} too short for SRTP`);
  if (c.unknownMki) p.push(`${c.unknownMki} with an MKI no key has`);
  if (c.lifetimeExceeded) p.push(`${c.lifetimeExceeded} past the key's lifetime`);
  return p.join(', ');
}

const MAX_RTP_LIFETIME = 2 ** 48;
const MAX_RTCP_LIFETIME = 2 ** 31;
/** The rollover counters tried for an SSRC's first packets (64 × 65,536 packets of 20 ms: 23 hours). */
const ROC_SEARCH = 64;
const ROC_SEARCH_PACKETS = 4;

/** Counts at zero. */
function noCounts(): SrtpCounts {
  return { decrypted: 0, authFailed: 0, short: 0, unknownMki: 0, lifetimeExceeded: 0 };
}

/**
 * One direction's SRTP/SRTCP crypto context (RFC 3711 §3.2): the master keys, the rollover counter
 * and highest sequence number per SSRC, the SRTCP index of a sender.
 */
export class SrtpSession {
  readonly counts: SrtpCounts = noCounts();
  readonly rtcpCounts: SrtpCounts = noCounts();
  readonly #c: SdesCrypto;
  /** Per master key: its RTP and RTCP session keys (the last r derived). */
  readonly #rtp = new Map<SrtpMasterKey, SessionKeys>();
  readonly #rtcp = new Map<SrtpMasterKey, SessionKeys>();
  /** Per SSRC: ROC and s_l (receiving), or the next index (sending). */
  readonly #state = new Map<number, { roc: number; sl: number }>();
  readonly #rtcpSent = new Map<number, number>();
  /** Packets whose rollover counter was searched for (see unprotectRtp). */
  #rocSearches = 0;

  readonly #cr: SrtpCrypto;

  constructor(crypto: SdesCrypto, cr: SrtpCrypto) {
    this.#c = crypto;
    this.#cr = cr;
  }

  get crypto(): SdesCrypto {
    return this.#c;
  }

  #keys(rtcp: boolean, m: SrtpMasterKey, index: number): SessionKeys {
    const cache = rtcp ? this.#rtcp : this.#rtp;
    const r = this.#c.kdr > 0 ? Math.floor(index / this.#c.kdr) : 0;
    let k = cache.get(m);
    if (!k || k.r !== r) {
      const s = this.#c.suite;
      const base = rtcp ? 3 : 0;
      k = {
        r,
        enc: srtpPrf(this.#cr, m, base, r, s.keyLen),
        auth: s.aead ? new Uint8Array(0) : srtpPrf(this.#cr, m, base + 1, r, 20),
        salt: srtpPrf(this.#cr, m, base + 2, r, s.saltLen),
      };
      cache.set(m, k);
    }
    return k;
  }

  /** The master key a packet's MKI names (the only one without MKI); null: none. */
  #master(buf: Uint8Array, at: number): SrtpMasterKey | null {
    const n = this.#c.mkiLen;
    if (n === 0) return this.#c.keys[0]!;
    let v = 0;
    for (let i = 0; i < n; i++) v = v * 256 + buf[at + i]!;
    return this.#c.keys.find((k) => k.mki === v) ?? null;
  }

  #mkiBytes(m: SrtpMasterKey): Uint8Array {
    const n = this.#c.mkiLen;
    const b = new Uint8Array(n);
    for (let i = n - 1, v = m.mki ?? 0; i >= 0; i--, v = Math.floor(v / 256)) b[i] = v & 0xff;
    return b;
  }

  /** Unprotects the SRTP packet `buf[start, end)` (not changed). */
  unprotectRtp(buf: Uint8Array, start: number, end: number): SrtpResult {
    const c = this.#c;
    const s = c.suite;
    const tagLen = c.unauthenticatedSrtp && !s.aead ? 0 : s.rtpTag;
    const hdr = rtpHeaderLength(buf, start, end);
    if (hdr < 0 || end - start < hdr + tagLen + c.mkiLen) return this.#count(false, 'short');
    // CTR: payload | MKI | tag; AEAD: payload+tag | MKI.
    const mkiAt = s.aead ? end - c.mkiLen : end - tagLen - c.mkiLen;
    const m = this.#master(buf, mkiAt);
    if (!m) return this.#count(false, 'mki');
    const ssrc = u32(buf, start + 8);
    const seq = (buf[start + 2]! << 8) | buf[start + 3]!;
    const st = this.#state.get(ssrc);
    let v = st ? estimateRoc(st, seq) : 0;
    const lifetime = m.lifetime ?? MAX_RTP_LIFETIME;
    if (v * 65536 + seq >= lifetime) return this.#count(false, 'lifetime');
    let out = this.#openRtp(buf, start, end, hdr, mkiAt, tagLen, m, ssrc, seq, v);
    // A capture that starts in the middle of a call may start after a sequence wrap: the first
    // packets of an SSRC that fail with ROC 0 are tried with ROC 1 to ROC_SEARCH (a day of 20 ms
    // packets), for at most ROC_SEARCH_PACKETS packets (a wrong key costs that many searches, once).
    if (!out && !st && tagLen > 0 && this.#rocSearches < ROC_SEARCH_PACKETS) {
      this.#rocSearches++;
      for (let g = 1; g <= ROC_SEARCH && !out && g * 65536 + seq < lifetime; g++) {
        out = this.#openRtp(buf, start, end, hdr, mkiAt, tagLen, m, ssrc, seq, g);
        if (out) v = g;
      }
    }
    if (!out) return this.#count(false, 'auth');
    // The state moves only now the packet is authentic.
    this.#advance(ssrc, st, v, seq);
    this.counts.decrypted++;
    return { status: 'ok', packet: out, index: v * 65536 + seq };
  }

  /** The plain packet if `buf[start, end)` authenticates with rollover counter `v`, else null. */
  #openRtp(
    buf: Uint8Array,
    start: number,
    end: number,
    hdr: number,
    mkiAt: number,
    tagLen: number,
    m: SrtpMasterKey,
    ssrc: number,
    seq: number,
    v: number,
  ): Uint8Array | null {
    const s = this.#c.suite;
    const index = v * 65536 + seq;
    const k = this.#keys(false, m, index);
    const payStart = start + hdr;
    if (s.aead) {
      const ctEnd = mkiAt - s.rtpTag;
      const plain = this.#cr.gcmOpen(
        k.enc,
        gcmIv(k.salt, ssrc, v, seq),
        buf.subarray(start, payStart),
        buf.subarray(payStart, ctEnd),
        buf.subarray(ctEnd, mkiAt),
      );
      if (!plain) return null;
      const out = new Uint8Array(hdr + plain.length);
      out.set(buf.subarray(start, payStart));
      out.set(plain, hdr);
      return out;
    }
    const authEnd = end - tagLen;
    if (tagLen > 0) {
      const t = this.#cr.hmacSha1(k.auth, [buf.subarray(start, mkiAt), roc4(v)]);
      for (let i = 0; i < tagLen; i++) if (t[i] !== buf[authEnd + i]) return null;
    }
    const out = new Uint8Array(mkiAt - start);
    out.set(buf.subarray(start, mkiAt));
    if (!this.#c.unencryptedSrtp)
      out.set(this.#cr.ctr(k.enc, ctrIv(k.salt, ssrc, index), buf.subarray(payStart, mkiAt)), hdr);
    return out;
  }

  /**
   * Unprotects the SRTCP compound packet `buf[start, end)` (not changed). The _32 suites' SRTCP tag
   * is 80 bits (RFC 4568 §6.2.2, libsrtp); ffmpeg's srtp protocol writes 32 bits there too, so a packet
   * that fails with 80 is tried with a 32-bit tag (its E|index word then elsewhere).
   */
  unprotectRtcp(buf: Uint8Array, start: number, end: number): SrtpResult {
    const s = this.#c.suite;
    const r = this.#unprotectRtcp(buf, start, end, s.rtcpTag);
    if (r.status !== 'auth' || s.aead || s.rtpTag >= s.rtcpTag) return r;
    this.rtcpCounts.authFailed--;
    return this.#unprotectRtcp(buf, start, end, s.rtpTag);
  }

  #unprotectRtcp(buf: Uint8Array, start: number, end: number, tagLen: number): SrtpResult {
    const c = this.#c;
    const s = c.suite;
    // CTR: header(8) | encrypted | E+index | MKI | tag; AEAD: header(8) | encrypted+tag | E+index | MKI.
    if (end - start < 8 + 4 + c.mkiLen + tagLen) return this.#count(true, 'short');
    const mkiAt = s.aead ? end - c.mkiLen : end - tagLen - c.mkiLen;
    const eAt = mkiAt - 4;
    const m = this.#master(buf, mkiAt);
    if (!m) return this.#count(true, 'mki');
    const ei = u32(buf, eAt);
    const encrypted = ei >>> 31 === 1;
    const index = ei & 0x7fffffff;
    if (index >= Math.min(m.lifetime ?? MAX_RTCP_LIFETIME, MAX_RTCP_LIFETIME))
      return this.#count(true, 'lifetime');
    const ssrc = u32(buf, start + 4);
    const k = this.#keys(true, m, index);
    let out: Uint8Array;
    if (s.aead) {
      const ctEnd = eAt - s.rtcpTag;
      if (ctEnd < start + 8) return this.#count(true, 'short');
      // RFC 7714 §9.2: AAD = the first 8 octets (all of the packet when E is 0) and E||index.
      const plain = this.#cr.gcmOpen(
        k.enc,
        gcmIv(k.salt, ssrc, 0, 0, index),
        concat(buf.subarray(start, encrypted ? start + 8 : ctEnd), buf.subarray(eAt, eAt + 4)),
        encrypted ? buf.subarray(start + 8, ctEnd) : new Uint8Array(0),
        buf.subarray(ctEnd, eAt),
      );
      if (!plain) return this.#count(true, 'auth');
      out = new Uint8Array(ctEnd - start);
      out.set(buf.subarray(start, encrypted ? start + 8 : ctEnd));
      if (encrypted) out.set(plain, 8);
    } else {
      const t = this.#cr.hmacSha1(k.auth, [buf.subarray(start, eAt + 4)]);
      const tagAt = end - tagLen;
      for (let i = 0; i < tagLen; i++) if (t[i] !== buf[tagAt + i]) return this.#count(true, 'auth');
      out = new Uint8Array(eAt - start);
      out.set(buf.subarray(start, eAt));
      if (encrypted)
        out.set(this.#cr.ctr(k.enc, ctrIv(k.salt, ssrc, index), buf.subarray(start + 8, eAt)), 8);
    }
    this.rtcpCounts.decrypted++;
    return { status: 'ok', packet: out, index, encrypted };
  }

  /**
   * Protects an RTP packet as its sender would (the index from `roc`, given or kept per SSRC as
   * unprotect does): the tests' check against libsrtp and ffmpeg, both ways. Uses the first key.
   */
  protectRtp(packet: Uint8Array, roc?: number): Uint8Array {
    const c = this.#c;
    const s = c.suite;
    const m = c.keys[0]!;
    const hdr = rtpHeaderLength(packet, 0, packet.length);
    if (hdr < 0) throw new Error('not an RTP packet');
    const ssrc = u32(packet, 8);
    const seq = (packet[2]! << 8) | packet[3]!;
    const st = this.#state.get(ssrc);
    const v = roc ?? (st ? estimateRoc(st, seq) : 0);
    this.#advance(ssrc, st, v, seq);
    const index = v * 65536 + seq;
    const k = this.#keys(false, m, index);
    const mki = this.#mkiBytes(m);
    if (s.aead) {
      const x = this.#cr.gcmSeal(
        k.enc,
        gcmIv(k.salt, ssrc, v, seq),
        packet.subarray(0, hdr),
        packet.subarray(hdr),
      );
      return concat(packet.subarray(0, hdr), x.ct, x.tag, mki);
    }
    const body = new Uint8Array(packet);
    if (!c.unencryptedSrtp)
      body.set(this.#cr.ctr(k.enc, ctrIv(k.salt, ssrc, index), packet.subarray(hdr)), hdr);
    const tagLen = c.unauthenticatedSrtp ? 0 : s.rtpTag;
    if (tagLen === 0) return concat(body, mki);
    const t = this.#cr.hmacSha1(k.auth, [body, roc4(v)]).subarray(0, tagLen);
    return concat(body, mki, t);
  }

  /** Protects an RTCP compound packet (encrypted unless UNENCRYPTED_SRTCP), the next index of its SSRC. */
  protectRtcp(packet: Uint8Array): Uint8Array {
    const c = this.#c;
    const s = c.suite;
    const m = c.keys[0]!;
    const ssrc = u32(packet, 4);
    const index = this.#rtcpSent.get(ssrc) ?? 0;
    this.#rtcpSent.set(ssrc, (index + 1) & 0x7fffffff);
    const k = this.#keys(true, m, index);
    const enc = !c.unencryptedSrtcp;
    const ei = new Uint8Array(4);
    const e = ((enc ? 0x80000000 : 0) | index) >>> 0;
    ei.set([e >>> 24, (e >>> 16) & 0xff, (e >>> 8) & 0xff, e & 0xff]);
    const mki = this.#mkiBytes(m);
    if (s.aead) {
      const head = packet.subarray(0, enc ? 8 : packet.length);
      const x = this.#cr.gcmSeal(
        k.enc,
        gcmIv(k.salt, ssrc, 0, 0, index),
        concat(head, ei),
        enc ? packet.subarray(8) : new Uint8Array(0),
      );
      return concat(head, x.ct, x.tag, ei, mki);
    }
    const body = new Uint8Array(packet);
    if (enc) body.set(this.#cr.ctr(k.enc, ctrIv(k.salt, ssrc, index), packet.subarray(8)), 8);
    const t = this.#cr.hmacSha1(k.auth, [body, ei]).subarray(0, s.rtcpTag);
    return concat(body, ei, mki, t);
  }

  /** The highest index seen moves on (RFC 3711 Appendix A). */
  #advance(ssrc: number, st: { roc: number; sl: number } | undefined, v: number, seq: number): void {
    if (!st) this.#state.set(ssrc, { roc: v, sl: seq });
    else if (v > st.roc) {
      st.roc = v;
      st.sl = seq;
    } else if (v === st.roc && seq > st.sl) st.sl = seq;
  }

  #count(rtcp: boolean, status: Exclude<SrtpStatus, 'ok'>): { status: Exclude<SrtpStatus, 'ok'> } {
    tally(rtcp ? this.rtcpCounts : this.counts, status);
    return { status };
  }
}

/** Counts a packet's status. */
function tally(c: SrtpCounts, status: SrtpStatus): void {
  if (status === 'ok') c.decrypted++;
  else if (status === 'auth') c.authFailed++;
  else if (status === 'short') c.short++;
  else if (status === 'mki') c.unknownMki++;
  else c.lifetimeExceeded++;
}

/** The host's SRTP primitives for the analysis (SRTCP's reports), null until one is given. */
let hostCrypto: SrtpCrypto | null = null;

/** Gives the analysis the host's SRTP primitives (srtp-crypto.node.ts gives node's when loaded). */
export function setSrtpCrypto(cr: SrtpCrypto | null): void {
  hostCrypto = cr;
}

/** The host's SRTP primitives (null: none given, SRTCP stays encrypted). */
export function srtpCrypto(): SrtpCrypto | null {
  return hostCrypto;
}

/** What the players use of a stream's SRTP: its RTP unprotected, and the counts. */
export interface SrtpRtpReader {
  unprotectRtp(buf: Uint8Array, start: number, end: number): SrtpResult;
  readonly counts: SrtpCounts;
}

/**
 * A stream whose sender changed its key during the call (a hold/resume re-INVITE's new a=crypto with
 * the same SSRC and ports): one session per key, in the order the SDP gave them. A packet the current
 * key fails to authenticate is tried with the later keys; the first that authenticates becomes the
 * current one (keys never go back). The counts are the stream's: a packet counts once.
 */
export class SrtpRekeyedSessions implements SrtpRtpReader {
  readonly counts: SrtpCounts = noCounts();
  readonly rtcpCounts: SrtpCounts = noCounts();
  #at = 0;
  #atRtcp = 0;
  constructor(readonly sessions: readonly SrtpSession[]) {
    if (sessions.length === 0) throw new Error('SrtpRekeyedSessions: no session');
  }

  unprotectRtp(buf: Uint8Array, start: number, end: number): SrtpResult {
    return this.#first(false, buf, start, end);
  }

  /** The SRTCP compound packet `buf[start, end)` unprotected, the keys tried as for RTP (their own place). */
  unprotectRtcp(buf: Uint8Array, start: number, end: number): SrtpResult {
    return this.#first(true, buf, start, end);
  }

  /** The current key's result, else the first later key's that authenticates (it becomes current). */
  #first(rtcp: boolean, buf: Uint8Array, start: number, end: number): SrtpResult {
    const all = this.sessions;
    const at = rtcp ? this.#atRtcp : this.#at;
    const open = (x: SrtpSession): SrtpResult =>
      rtcp ? x.unprotectRtcp(buf, start, end) : x.unprotectRtp(buf, start, end);
    let r = open(all[at]!);
    for (let i = at + 1; r.status !== 'ok' && r.status !== 'short' && i < all.length; i++) {
      const t = open(all[i]!);
      if (t.status === 'ok') {
        if (rtcp) this.#atRtcp = i;
        else this.#at = i;
        r = t;
      }
    }
    tally(rtcp ? this.rtcpCounts : this.counts, r.status);
    return r;
  }
}

/** RFC 3711 §3.3.1, Appendix A: the ROC that puts `seq` nearest to s_l. */
function estimateRoc(st: { roc: number; sl: number }, seq: number): number {
  if (st.sl < 32768) return seq - st.sl > 32768 ? Math.max(0, st.roc - 1) : st.roc;
  return st.sl - 32768 > seq ? st.roc + 1 : st.roc;
}

function u32(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}

function roc4(v: number): Uint8Array {
  return new Uint8Array([(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff]);
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** AES-CM's IV (RFC 3711 §4.1.1): (salt · 2^16) ⊕ (SSRC · 2^64) ⊕ (index · 2^16). */
function ctrIv(salt: Uint8Array, ssrc: number, index: number): Uint8Array {
  const iv = new Uint8Array(16);
  iv.set(salt.subarray(0, 14));
  iv[4]! ^= ssrc >>> 24;
  iv[5]! ^= (ssrc >>> 16) & 0xff;
  iv[6]! ^= (ssrc >>> 8) & 0xff;
  iv[7]! ^= ssrc & 0xff;
  xor48(iv, index);
  return iv;
}

/** XORs the 48-bit `v` (a packet index, or the PRF's r) into octets 8..13 of a counter block. */
function xor48(iv: Uint8Array, v: number): void {
  const hi = Math.floor(v / 2 ** 32);
  iv[8]! ^= (hi >>> 8) & 0xff;
  iv[9]! ^= hi & 0xff;
  iv[10]! ^= (v >>> 24) & 0xff;
  iv[11]! ^= (v >>> 16) & 0xff;
  iv[12]! ^= (v >>> 8) & 0xff;
  iv[13]! ^= v & 0xff;
}

/**
 * AES-GCM's 12-octet IV (RFC 7714 §8.1 SRTP: 00 00 ‖ SSRC ‖ ROC ‖ SEQ; §9.1 SRTCP: 00 00 ‖ SSRC ‖
 * 00 00 ‖ 0 ‖ index) ⊕ salt.
 */
function gcmIv(salt: Uint8Array, ssrc: number, roc: number, seq: number, rtcpIndex = -1): Uint8Array {
  const iv = new Uint8Array(12);
  const v = new DataView(iv.buffer);
  v.setUint32(2, ssrc >>> 0);
  if (rtcpIndex >= 0) v.setUint32(8, rtcpIndex >>> 0);
  else {
    v.setUint32(6, roc >>> 0);
    v.setUint16(10, seq);
  }
  for (let i = 0; i < 12; i++) iv[i]! ^= salt[i]!;
  return iv;
}
