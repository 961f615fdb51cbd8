/**
 * DTLS-SRTP (RFC 5763, RFC 5764): the DTLS handshakes on a capture's media ports, and the SRTP keys
 * they give when the user's key log (NSS SSLKEYLOGFILE: `CLIENT_RANDOM <client random> <master
 * secret>`, the same file SIP over TLS is decrypted with) holds the handshake's master secret.
 *
 * RTP, RTCP, STUN and DTLS share a WebRTC media port; the first octet tells them apart (RFC 7983 §7:
 * 0–3 STUN, 20–63 DTLS, 128–191 RTP/RTCP). Of DTLS, only the epoch-0 handshake records are read: the
 * ClientHello (its random, the `use_srtp` profiles offered, RFC 5764 §4.1.1) and the ServerHello
 * (its random, version, cipher suite and the profile chosen), reassembled when fragmented
 * (RFC 6347 §4.2.3). The side that sent the ClientHello is the DTLS client (a=setup:active or the
 * offerer's actpass, RFC 5763 §5).
 *
 * The keys (RFC 5764 §4.2): the TLS exporter (RFC 5705 §4) with label "EXTRACTOR-dtls_srtp" and no
 * context, PRF(master_secret, label, client_random + server_random) of 2 × (key + salt) octets, cut
 * into client_write_SRTP_master_key, server_write_SRTP_master_key, client_write_SRTP_master_salt,
 * server_write_SRTP_master_salt. The client's key protects what the client sends. The PRF is TLS 1.2's
 * with the suite's hash for DTLS 1.2, TLS 1.0/1.1's for DTLS 1.0 (tls-crypto.ts's, as for SIP over
 * TLS). The extended master secret (RFC 7627) changes the master secret only, which the log gives.
 * DTLS 1.3 (RFC 9147) keys SRTP from its exporter secret, which needs the encrypted handshake's
 * transcript: not supported (the stream says so).
 * @remarks Capture path: one comparison per datagram that is not RTP (the tracker's cold path); a
 * handshake costs a few hundred octets until its ServerHello. Keys are derived once, when the capture
 * has been read (the pcapng file's own Decryption Secrets Blocks may come anywhere before).
 */
import { toHex } from '../capture/tls/keylog';
import { cipherSuite, tlsPrf, type TlsCrypto } from '../capture/tls/tls-crypto';
import type { MediaStreamDtls } from '../../shared/media-stream';
import type { Diagnostic } from '../diagnostic';
import { SRTP_SUITES, type SrtpSuite } from './srtp';
import type { StreamSrtpKeys } from './srtp-keys';

/** The DTLS-SRTP protection profiles (RFC 5764 §4.1.2, RFC 7714 §14.2) and the SRTP suite of each. */
export const DTLS_SRTP_PROFILES: ReadonlyMap<number, { name: string; suite: string | null }> = new Map([
  [0x0001, { name: 'SRTP_AES128_CM_HMAC_SHA1_80', suite: 'AES_CM_128_HMAC_SHA1_80' }],
  [0x0002, { name: 'SRTP_AES128_CM_HMAC_SHA1_32', suite: 'AES_CM_128_HMAC_SHA1_32' }],
  [0x0005, { name: 'SRTP_NULL_HMAC_SHA1_80', suite: null }],
  [0x0006, { name: 'SRTP_NULL_HMAC_SHA1_32', suite: null }],
  [0x0007, { name: 'SRTP_AEAD_AES_128_GCM', suite: 'AEAD_AES_128_GCM' }],
  [0x0008, { name: 'SRTP_AEAD_AES_256_GCM', suite: 'AEAD_AES_256_GCM' }],
]);

/** A profile's name (`0x0009` when not one of RFC 5764's or RFC 7714's). */
export function dtlsSrtpProfileName(id: number): string {
  return DTLS_SRTP_PROFILES.get(id)?.name ?? `0x${id.toString(16).padStart(4, '0')}`;
}

const DTLS_1_0 = 0xfeff;
const DTLS_1_2 = 0xfefd;
const DTLS_1_3 = 0xfefc;

/** A DTLS version's name (`DTLS 1.2`). */
export function dtlsVersionName(v: number): string {
  return v === DTLS_1_2
    ? 'DTLS 1.2'
    : v === DTLS_1_0
      ? 'DTLS 1.0'
      : v === DTLS_1_3
        ? 'DTLS 1.3'
        : `DTLS 0x${v.toString(16)}`;
}

/** Why a handshake gave no keys (null: it did). */
export type DtlsKeyProblem =
  /** The ClientHello (and so the client random) is not in the capture. */
  | 'no-client-hello'
  /** The ServerHello (the server random, the profile) is not in the capture. */
  | 'no-server-hello'
  /** The server chose DTLS 1.3. */
  | 'dtls13'
  /** The ServerHello has no use_srtp: not DTLS-SRTP (a data channel's DTLS, or SRTP refused). */
  | 'no-srtp'
  /** A profile sipscope does not decrypt (NULL cipher, or unknown). */
  | 'profile'
  /** No key log was given. */
  | 'no-keylog'
  /** The key log has no CLIENT_RANDOM line for this handshake. */
  | 'no-secret'
  /** The use_srtp MKI is longer than 4 octets. */
  | 'mki'
  /** A DTLS 1.2 cipher suite sipscope does not know (its PRF hash, SHA-256 or SHA-384, unknown). */
  | 'suite';

/** One DTLS handshake seen on a media 5-tuple (plain data: it crosses threads). */
export interface DtlsHandshakeRecord {
  /** The DTLS client (the ClientHello's sender) and server. */
  client: string;
  clientPort: number;
  server: string;
  serverPort: number;
  /** Frames of the ClientHello (its first copy) and the ServerHello; 0 when not seen. */
  clientHelloFrame: number;
  serverHelloFrame: number;
  /** Capture time (µs) of the first of them. */
  timeUs: number;
  /** The ServerHello's version (0xfefd DTLS 1.2; supported_versions for 1.3); 0 without it. */
  version: number;
  cipherSuite: number;
  /** The use_srtp profile the server chose (null: none, or no ServerHello). */
  profile: number | null;
  /** The profiles the client offered. */
  offered: number[];
  /** Its client random in hex ('' without the ClientHello): names it in the key log. */
  clientRandom: string;
  /**
   * The SRTP keying material (client key, server key, client salt, server salt: RFC 5764 §4.2) when
   * it could be derived; it never leaves the process (not in the trace JSON).
   */
  keys: Uint8Array | null;
  /** The use_srtp MKI (RFC 5764 §4.1.1), empty when none. */
  mki: Uint8Array;
  problem: DtlsKeyProblem | null;
}

/** Where the master secrets come from: the capture pipeline's key log and the primitives. */
export interface DtlsKeySource {
  /** The master secret for a client random (hex), null when the log has none. */
  master(clientRandomHex: string): Uint8Array | null;
  /** False when no key log at all was given (nor found in the capture). */
  readonly hasKeys: boolean;
  readonly crypto: TlsCrypto | null;
}

/** Handshakes kept at most (a TURN relay's capture may hold many). */
const MAX_HANDSHAKES = 8192;
/** A handshake message is reassembled up to this many octets (a ClientHello is well under 2 KB). */
const MAX_MESSAGE = 16384;
/** Octets of messages being reassembled, all flows together (8,192 flows × 16 KiB would be 128 MB). */
const MAX_PENDING_OCTETS = 1024 * 1024;

/** A handshake message being reassembled from fragments. */
interface Pending {
  type: number;
  seq: number;
  body: Uint8Array;
  /** One bit per octet of `body` a fragment brought, and how many are set. */
  got: Uint8Array;
  covered: number;
  frame: number;
  timeUs: number;
}

interface Hello {
  random: Uint8Array;
  version: number;
  suite: number;
  /** use_srtp profiles (the server's one), null without the extension. */
  profiles: number[] | null;
  mki: Uint8Array;
}

/** A handshake while reading (address ids, the randoms). */
type Seen = Omit<DtlsHandshakeRecord, 'client' | 'server'> & {
  clientId: number;
  serverId: number;
  serverRandom: Uint8Array | null;
  crandom: Uint8Array | null;
  /** The keys the last snapshot derived and what from (a live capture's snapshots come often). */
  derived?: { master: Uint8Array; inputs: unknown[]; keys: Uint8Array };
};

/**
 * A UDP payload the tracker reads as a DTLS record (RFC 7983 §7: first octet 20–63; here a content
 * type 20–25 with DTLS 1.0/1.2 framing, version 0xfeXX — DTLS 1.3's encrypted records have a unified
 * header, 0b001xxxxx, and are not read), both ports ≥ 1024 as for RTP.
 */
export function looksLikeDtls(
  buf: Uint8Array,
  ps: number,
  pend: number,
  sport: number,
  dport: number,
): boolean {
  const b = buf[ps]!;
  return pend - ps >= 13 && b >= 20 && b <= 25 && buf[ps + 1] === 0xfe && sport >= 1024 && dport >= 1024;
}

/**
 * Finds the DTLS handshakes among a capture's datagrams (the RTP tracker offers every datagram that
 * is not RTP). Address ids are the pipeline's.
 */
export class DtlsTracker {
  readonly #list: Seen[] = [];
  /** The flows' messages being reassembled (by `src|sport|dst|dport`). */
  readonly #pending = new Map<string, Pending>();
  /** The octets of the messages in #pending. */
  #pendingOctets = 0;

  get size(): number {
    return this.#list.length;
  }

  /** Offers a UDP payload that {@link looksLikeDtls}: its epoch-0 handshake records are read. */
  datagram(
    src: number,
    sport: number,
    dst: number,
    dport: number,
    buf: Uint8Array,
    ps: number,
    pend: number,
    timeUs: number,
    frameNo: number,
  ): void {
    let p = ps;
    while (p + 13 <= pend) {
      const type = buf[p]!;
      const epoch = (buf[p + 3]! << 8) | buf[p + 4]!;
      const len = (buf[p + 11]! << 8) | buf[p + 12]!;
      const body = p + 13;
      const end = Math.min(body + len, pend);
      if (type === 22 && epoch === 0)
        this.#handshake(src, sport, dst, dport, buf, body, end, timeUs, frameNo);
      p = body + len;
    }
  }

  /** The handshake messages of one epoch-0 record. */
  #handshake(
    src: number,
    sport: number,
    dst: number,
    dport: number,
    buf: Uint8Array,
    p: number,
    end: number,
    timeUs: number,
    frameNo: number,
  ): void {
    while (p + 12 <= end) {
      const type = buf[p]!;
      const length = (buf[p + 1]! << 16) | (buf[p + 2]! << 8) | buf[p + 3]!;
      const seq = (buf[p + 4]! << 8) | buf[p + 5]!;
      const off = (buf[p + 6]! << 16) | (buf[p + 7]! << 8) | buf[p + 8]!;
      const flen = (buf[p + 9]! << 16) | (buf[p + 10]! << 8) | buf[p + 11]!;
      const f = p + 12;
      const fend = Math.min(f + flen, end);
      p = f + flen;
      if (type !== 1 && type !== 2) continue;
      let msg: Uint8Array | null = null;
      let at = { frame: frameNo, timeUs };
      if (off === 0 && flen >= length && fend - f >= length) msg = buf.subarray(f, f + length);
      else if (length <= MAX_MESSAGE && fend > f && off + (fend - f) <= length) {
        const k = `${src}|${sport}|${dst}|${dport}`;
        let pm = this.#pending.get(k);
        if (!pm || pm.type !== type || pm.seq !== seq || pm.body.length !== length) {
          if (pm) this.#drop(k, pm);
          // Past the caps, the messages pending longest give way (each at least one octet).
          for (const [ok, o] of this.#pending) {
            if (this.#pending.size < MAX_HANDSHAKES && this.#pendingOctets + length <= MAX_PENDING_OCTETS)
              break;
            this.#drop(ok, o);
          }
          this.#pendingOctets += length;
          const got = new Uint8Array((length + 7) >> 3);
          pm = { type, seq, body: new Uint8Array(length), got, covered: 0, frame: frameNo, timeUs };
          this.#pending.set(k, pm);
        }
        pm.body.set(buf.subarray(f, fend), off);
        pm.covered += cover(pm.got, off, off + (fend - f));
        if (pm.covered === length) {
          msg = pm.body;
          at = { frame: pm.frame, timeUs: pm.timeUs };
          this.#drop(k, pm);
        }
      }
      if (!msg) continue;
      const h = parseHello(msg, type === 1);
      if (!h) continue;
      if (type === 1) this.#clientHello(src, sport, dst, dport, h, at.frame, at.timeUs);
      else this.#serverHello(src, sport, dst, dport, h, at.frame, at.timeUs);
    }
  }

  #drop(k: string, pm: Pending): void {
    this.#pending.delete(k);
    this.#pendingOctets -= pm.body.length;
  }

  #find(client: number, cport: number, server: number, sport: number): Seen | null {
    for (let i = this.#list.length - 1; i >= 0; i--) {
      const x = this.#list[i]!;
      if (x.clientId === client && x.clientPort === cport && x.serverId === server && x.serverPort === sport)
        return x;
    }
    return null;
  }

  #clientHello(
    src: number,
    sport: number,
    dst: number,
    dport: number,
    h: Hello,
    frame: number,
    us: number,
  ): void {
    const last = this.#find(src, sport, dst, dport);
    // A ClientHello sent again (lost, or after a HelloVerifyRequest) has the same random (RFC 6347 §4.2.1).
    if (last && last.crandom && equal(last.crandom, h.random)) return;
    const x = this.#add(src, sport, dst, dport, us);
    if (!x) return;
    x.clientHelloFrame = frame;
    x.offered = h.profiles ?? [];
    x.crandom = h.random;
  }

  /** A new handshake between a client and a server (null: the list is full). */
  #add(client: number, cport: number, server: number, sport: number, us: number): Seen | null {
    if (this.#list.length >= MAX_HANDSHAKES) return null;
    const x: Seen = {
      clientId: client,
      clientPort: cport,
      serverId: server,
      serverPort: sport,
      clientHelloFrame: 0,
      serverHelloFrame: 0,
      timeUs: us,
      version: 0,
      cipherSuite: 0,
      profile: null,
      offered: [],
      clientRandom: '',
      keys: null,
      mki: new Uint8Array(0),
      problem: null,
      serverRandom: null,
      crandom: null,
    };
    this.#list.push(x);
    return x;
  }

  #serverHello(
    src: number,
    sport: number,
    dst: number,
    dport: number,
    h: Hello,
    frame: number,
    us: number,
  ): void {
    let x = this.#find(dst, dport, src, sport);
    if (x && x.serverHelloFrame !== 0) {
      // The same ServerHello again (a retransmission), or one without its ClientHello.
      if (x.serverRandom && equal(x.serverRandom, h.random)) return;
      x = null;
    }
    x ??= this.#add(dst, dport, src, sport, us);
    if (!x) return;
    x.serverHelloFrame = frame;
    x.serverRandom = h.random;
    x.version = h.version;
    x.cipherSuite = h.suite;
    x.profile = h.profiles?.[0] ?? null;
    x.mki = h.mki;
  }

  /** The handshakes so far, named through `names`, with their keys when `keys` holds their secrets. */
  snapshot(names: readonly string[], keys: DtlsKeySource | null): DtlsHandshakeRecord[] {
    const name = (id: number): string => names[id] ?? '?';
    return this.#list.map((x) => {
      const r: DtlsHandshakeRecord = {
        client: name(x.clientId),
        clientPort: x.clientPort,
        server: name(x.serverId),
        serverPort: x.serverPort,
        clientHelloFrame: x.clientHelloFrame,
        serverHelloFrame: x.serverHelloFrame,
        timeUs: x.timeUs,
        version: x.version,
        cipherSuite: x.cipherSuite,
        profile: x.profile,
        offered: [...x.offered],
        clientRandom: x.crandom ? toHex(x.crandom) : '',
        keys: null,
        mki: x.mki,
        problem: null,
      };
      const d = derived(x, r, keys);
      if (d instanceof Uint8Array) r.keys = d;
      else r.problem = d;
      return r;
    });
  }
}

/** A handshake's keys as {@link deriveDtlsSrtp} gives them, its PRF run again only when what it takes changed. */
function derived(x: Seen, r: DtlsHandshakeRecord, keys: DtlsKeySource | null): Uint8Array | DtlsKeyProblem {
  const master = x.crandom && keys?.hasKeys ? keys.master(toHex(x.crandom)) : null;
  const inputs = [keys?.crypto, x.crandom, x.serverRandom, x.version, x.cipherSuite, x.profile, x.mki];
  const c = x.derived;
  if (c && master && c.master === master && c.inputs.every((v, i) => v === inputs[i])) return c.keys;
  const d = deriveDtlsSrtp(r, x.crandom, x.serverRandom, keys);
  if (d instanceof Uint8Array && master) x.derived = { master, inputs, keys: d };
  return d;
}

/** Sets the bits of octets [a, b) in `got`; returns how many were not set before. */
function cover(got: Uint8Array, a: number, b: number): number {
  let added = 0;
  for (let i = a; i < b; i++) {
    const m = 1 << (i & 7);
    if ((got[i >> 3]! & m) === 0) {
      got[i >> 3] = got[i >> 3]! | m;
      added++;
    }
  }
  return added;
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * A ClientHello's or ServerHello's body (RFC 6347 §4.3.2: the ClientHello has a cookie after the
 * session id); null when cut short. Extensions read: use_srtp (14), supported_versions (43).
 */
function parseHello(b: Uint8Array, client: boolean): Hello | null {
  if (b.length < 35) return null;
  let version = (b[0]! << 8) | b[1]!;
  const random = b.slice(2, 34);
  let p = 34;
  const skip8 = (): boolean => {
    if (p >= b.length) return false;
    p += 1 + b[p]!;
    return p <= b.length;
  };
  if (!skip8()) return null; // session_id
  if (client && !skip8()) return null; // cookie
  let suite = 0;
  if (client) {
    if (p + 2 > b.length) return null;
    p += 2 + ((b[p]! << 8) | b[p + 1]!);
    if (!skip8()) return null; // compression methods
  } else {
    if (p + 3 > b.length) return null;
    suite = (b[p]! << 8) | b[p + 1]!;
    p += 3;
  }
  let profiles: number[] | null = null;
  let mki = new Uint8Array(0);
  if (p + 2 <= b.length) {
    const end = Math.min(b.length, p + 2 + ((b[p]! << 8) | b[p + 1]!));
    p += 2;
    while (p + 4 <= end) {
      const t = (b[p]! << 8) | b[p + 1]!;
      const l = (b[p + 2]! << 8) | b[p + 3]!;
      const d = p + 4;
      p = d + l;
      if (p > end) break;
      if (t === 14 && l >= 3) {
        // use_srtp: SRTPProtectionProfiles (2-octet length, 2 octets each), srtp_mki<0..255>.
        const n = (b[d]! << 8) | b[d + 1]!;
        profiles = [];
        for (let i = 0; i + 1 < n && d + 2 + i + 1 < p; i += 2)
          profiles.push((b[d + 2 + i]! << 8) | b[d + 3 + i]!);
        const m = d + 2 + n;
        if (m < p) mki = b.slice(m + 1, Math.min(p, m + 1 + b[m]!));
      } else if (t === 43 && !client && l === 2) version = (b[d]! << 8) | b[d + 1]!;
    }
  }
  return { random, version, suite, profiles, mki };
}

/**
 * The SRTP keying material of a handshake (RFC 5764 §4.2; client key, server key, client salt,
 * server salt), or why there is none.
 */
export function deriveDtlsSrtp(
  r: Pick<DtlsHandshakeRecord, 'version' | 'cipherSuite' | 'profile' | 'mki'>,
  clientRandom: Uint8Array | null,
  serverRandom: Uint8Array | null,
  keys: DtlsKeySource | null,
): Uint8Array | DtlsKeyProblem {
  if (!serverRandom) return 'no-server-hello';
  if (r.version === DTLS_1_3) return 'dtls13';
  if (r.profile === null) return 'no-srtp';
  if (!clientRandom) return 'no-client-hello';
  const suite = srtpSuiteOfProfile(r.profile);
  if (!suite) return 'profile';
  if (r.mki.length > 4) return 'mki';
  // DTLS 1.0 is TLS 1.1's PRF (RFC 4347 §4.2.2), DTLS 1.2 TLS 1.2's with the suite's hash.
  const cs = cipherSuite(r.cipherSuite);
  if (r.version !== DTLS_1_0 && !cs) return 'suite';
  if (!keys || !keys.hasKeys || !keys.crypto) return 'no-keylog';
  const master = keys.master(toHex(clientRandom));
  if (!master) return 'no-secret';
  const seed = new Uint8Array(64);
  seed.set(clientRandom);
  seed.set(serverRandom, 32);
  return tlsPrf(
    keys.crypto,
    r.version === DTLS_1_0 ? 0x0302 : 0x0303,
    cs?.hash ?? 'sha256',
    master,
    'EXTRACTOR-dtls_srtp',
    seed,
    2 * (suite.keyLen + suite.saltLen),
  );
}

/** The SRTP suite a profile keys (null: one sipscope does not decrypt). */
export function srtpSuiteOfProfile(profile: number): SrtpSuite | null {
  const s = DTLS_SRTP_PROFILES.get(profile)?.suite;
  return s ? (SRTP_SUITES.get(s) ?? null) : null;
}

/**
 * The master key and salt of what `sender` (`address`, `port`) sends, from a handshake's keying
 * material: the client's write key when the sender is the DTLS client, else the server's.
 */
export function dtlsSenderKey(
  h: DtlsHandshakeRecord,
  address: string,
  port: number,
): { suite: SrtpSuite; key: Uint8Array; salt: Uint8Array } | null {
  if (!h.keys || h.profile === null) return null;
  const suite = srtpSuiteOfProfile(h.profile);
  if (!suite) return null;
  const k = suite.keyLen;
  const s = suite.saltLen;
  const client = h.client === address && h.clientPort === port;
  const key = h.keys.subarray(client ? 0 : k, client ? k : 2 * k);
  const salt = h.keys.subarray(2 * k + (client ? 0 : s), 2 * k + (client ? s : 2 * s));
  return { suite, key, salt };
}

/** The stream a DTLS-SRTP key is wanted for (its 5-tuple, its first packet's time). */
interface StreamEnds {
  src: string;
  srcPort: number;
  dst: string;
  dstPort: number;
  firstUs: number;
}

/** The handshakes between the stream's two ends (either way), the latest at or before its first packet first. */
function handshakesOf(r: StreamEnds, all: readonly DtlsHandshakeRecord[]): DtlsHandshakeRecord[] {
  const on = all.filter(
    (h) =>
      (h.client === r.src &&
        h.clientPort === r.srcPort &&
        h.server === r.dst &&
        h.serverPort === r.dstPort) ||
      (h.client === r.dst && h.clientPort === r.dstPort && h.server === r.src && h.serverPort === r.srcPort),
  );
  const before = on.filter((h) => h.timeUs <= r.firstUs);
  const after = on.filter((h) => h.timeUs > r.firstUs);
  return [...before.reverse(), ...after];
}

/** What a handshake's problem means, for the stream's line (after `DTLS-SRTP: `). */
function problemText(h: DtlsHandshakeRecord, p: DtlsKeyProblem): string {
  const at = (f: number): string => (f > 0 ? ` (frame ${f})` : '');
  switch (p) {
    case 'no-client-hello':
      return `the capture missed the DTLS ClientHello (the ServerHello is frame ${h.serverHelloFrame}): its client random names the key log’s master secret`;
    case 'no-server-hello':
      return `the capture missed the DTLS ServerHello (the ClientHello is frame ${h.clientHelloFrame}): its random and SRTP profile are needed`;
    case 'dtls13':
      return `DTLS 1.3: not supported (the ServerHello is frame ${h.serverHelloFrame})`;
    case 'no-srtp':
      return `the DTLS handshake${at(h.serverHelloFrame)} negotiated no SRTP profile (no use_srtp in the ServerHello)`;
    case 'profile':
      return `SRTP profile ${dtlsSrtpProfileName(h.profile ?? 0)} is not one sipscope decrypts${at(h.serverHelloFrame)}`;
    case 'mki':
      return `the use_srtp MKI is ${h.mki.length} octets (at most 4 handled)`;
    case 'suite':
      return `the DTLS cipher suite 0x${h.cipherSuite.toString(16).padStart(4, '0')} is unknown to sipscope (its PRF hash)${at(h.serverHelloFrame)}`;
    case 'no-keylog':
      return `keyed by the DTLS handshake${at(h.serverHelloFrame)}: give the key log of one of its ends (SSLKEYLOGFILE; --keylog FILE, or Decrypt TLS… in the app)`;
    case 'no-secret':
      return `the key log has no master secret for the DTLS handshake${at(h.serverHelloFrame)} (CLIENT_RANDOM ${h.clientRandom.slice(0, 16)}…)`;
  }
}

/** What the JSON says of a handshake (never its keys). */
function dtlsJson(h: DtlsHandshakeRecord): MediaStreamDtls {
  return {
    version: h.serverHelloFrame > 0 ? dtlsVersionName(h.version) : null,
    profile: h.profile !== null ? dtlsSrtpProfileName(h.profile) : null,
    client: `${h.client.includes(':') ? `[${h.client}]` : h.client}:${h.clientPort}`,
    clientHelloFrame: h.clientHelloFrame || null,
    serverHelloFrame: h.serverHelloFrame || null,
  };
}

const b64 = (b: Uint8Array): string => btoa(String.fromCharCode(...b));

/**
 * A stream's DTLS-SRTP keying: `signalled` when its SDP says DTLS (a=fingerprint without a=crypto);
 * otherwise only a handshake with use_srtp on its ports makes it DTLS-SRTP (WebRTC signalled outside
 * SIP, or an SDP offering both). The key is written as an a=crypto line (`crypto`, which stays inside
 * sipscope) so the SRTP decryption takes it as an SDES key. Null: not DTLS-SRTP.
 */
export function dtlsStreamKeys(
  r: StreamEnds,
  handshakes: readonly DtlsHandshakeRecord[] | undefined,
  signalled: boolean,
): StreamSrtpKeys | null {
  const base = {
    keying: 'dtls' as const,
    suite: null,
    tag: null,
    keyMessage: null,
    keyFrame: null,
    crypto: null,
  };
  const on = handshakesOf(r, handshakes ?? []);
  // The handshake that gave keys, else the first with a profile (the latest before the stream), else any.
  const h = on.find((x) => x.keys) ?? on.find((x) => x.profile !== null) ?? (signalled ? on[0] : undefined);
  if (!h) {
    if (!signalled) return null;
    return {
      ...base,
      problem:
        'keyed by DTLS (a=fingerprint), but the capture holds no DTLS handshake on this stream’s ports (it started before the capture?)',
    };
  }
  const dtls = dtlsJson(h);
  const frame = frameOf(h);
  const k = dtlsSenderKey(h, r.src, r.srcPort);
  if (!k || h.problem)
    return { ...base, keyFrame: frame, dtls, problem: problemText(h, h.problem ?? 'profile') };
  // A DTLS restart on the same ports (a later handshake): its keys are tried in order after these
  // once a packet fails authentication, as a re-INVITE's new a=crypto.
  const rekeys: { crypto: string; frame: number | null }[] = [];
  for (const x of on.filter((y) => y.timeUs > h.timeUs).sort((a, b) => a.timeUs - b.timeUs)) {
    const xk = x.problem ? null : dtlsSenderKey(x, r.src, r.srcPort);
    if (xk) rekeys.push({ crypto: cryptoLine(x, xk), frame: frameOf(x) });
  }
  return {
    ...base,
    suite: k.suite.name,
    keyFrame: frame,
    crypto: cryptoLine(h, k),
    ...(rekeys.length > 0 && { rekeys }),
    dtls,
    problem: null,
  };
}

/** A handshake's first frame read: its ServerHello's, else its ClientHello's. */
const frameOf = (h: DtlsHandshakeRecord): number | null => h.serverHelloFrame || h.clientHelloFrame || null;

/** The a=crypto text of a sender's DTLS-SRTP key (the handshake's MKI as `|value:length`). */
function cryptoLine(h: DtlsHandshakeRecord, k: NonNullable<ReturnType<typeof dtlsSenderKey>>): string {
  const key = new Uint8Array(k.key.length + k.salt.length);
  key.set(k.key);
  key.set(k.salt, k.key.length);
  let mki = '';
  if (h.mki.length > 0) mki = `|${h.mki.reduce((v, x) => v * 256 + x, 0)}:${h.mki.length}`;
  return `${k.suite.name} inline:${b64(key)}${mki}`;
}

/** Notices listed at most (the rest counted). */
const MAX_NOTICES = 50;

/**
 * The capture's notices for DTLS-SRTP handshakes a key log would open (`dtls-srtp-encrypted`, info:
 * the app's Decrypt TLS… takes the key log for them as for SIP over TLS), one per handshake.
 */
export function dtlsCaptureDiagnostics(handshakes: readonly DtlsHandshakeRecord[] | undefined): Diagnostic[] {
  const out: Diagnostic[] = [];
  const open = (handshakes ?? []).filter((h) => h.problem === 'no-keylog' || h.problem === 'no-secret');
  for (const h of open.slice(0, MAX_NOTICES)) {
    const ends = `${dtlsJson(h).client} → ${h.server.includes(':') ? `[${h.server}]` : h.server}:${h.serverPort}`;
    out.push({
      code: 'dtls-srtp-encrypted',
      severity: 'info',
      layer: 'udp',
      message: `DTLS-SRTP ${ends} (ServerHello frame ${h.serverHelloFrame}): its media is SRTP keyed by the handshake, ${
        h.problem === 'no-keylog'
          ? 'no key log given'
          : `the key log has no master secret for client random ${h.clientRandom}`
      }: a key log of one of its ends (SSLKEYLOGFILE) decrypts it`,
    });
  }
  if (open.length > MAX_NOTICES)
    out.push({
      code: 'diagnostics-capped',
      severity: 'info',
      layer: 'file',
      message: `${open.length - MAX_NOTICES} more "dtls-srtp-encrypted" diagnostics were counted but not listed`,
    });
  return out;
}
