/**
 * TLS on one TCP connection, both directions (RFC 2246, RFC 4346, RFC 5246, RFC 8446): whole records
 * from each direction's reassembled stream, the handshake read far enough for the client random, the
 * version (TLS 1.3's supported_versions) and the cipher suite, keys derived from a key log's secrets
 * (the TLS 1.0/1.1 or 1.2 PRF key block; TLS 1.3 HKDF-Expand-Label of the traffic secrets, KeyUpdate
 * followed), and records decrypted: AES-128/256-GCM and ChaCha20-Poly1305 (1.2 and 1.3), AES-CBC and
 * 3DES-EDE-CBC with HMAC-SHA1/SHA256/SHA384 (1.0 to 1.2, encrypt-then-MAC too; TLS 1.0's implicit IV
 * is the previous record's last ciphertext block, 1.1 and 1.2 send it in each record). Application
 * data goes to the host as plaintext with the stream positions of its record; what cannot be
 * decrypted is said once per connection. SSL 3.0 is not decrypted (its MAC and key derivation are its
 * own, RFC 6101).
 *
 * Without a key log, a TLS 1.0-1.2 connection with RSA key exchange is read with the server's RSA
 * private key: the ClientKeyExchange's pre-master secret decrypted (rsa.ts), the master secret
 * derived (RFC 5246 §8.1; extended master secret RFC 7627 over the handshake's session hash), and a
 * resumed session (session ID or ticket, RFC 5077) takes the master secret of the connection that made
 * it earlier in the capture.
 */
import { toHex, type TlsSecrets } from './keylog';
import { rsaesPkcs1Decrypt, type RsaPrivateKey } from './rsa';
import {
  cipherSuite,
  handshakeHash,
  hashLength,
  hkdfExpandLabel,
  tlsPrf,
  type CipherSuite,
  type TlsCrypto,
} from './tls-crypto';

/** Longest record body accepted (2^14 + 2048, RFC 5246 §6.2.3). */
const MAX_RECORD_BODY = 16384 + 2048;
const CT_CCS = 20;
const CT_ALERT = 21;
const CT_HANDSHAKE = 22;
const CT_APPDATA = 23;
/** How a notice names a suite's key exchange. */
const KX_NAME = { tls13: 'TLS 1.3 (always (EC)DHE)', dhe: 'DHE', ecdhe: 'ECDHE', rsa: 'RSA' } as const;
const HRR_RANDOM = 'cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c';

export type TlsProblem =
  /** No key for the connection (or no handshake to find one by): the connection stays encrypted. */
  | 'no-key'
  /** A record failed its authentication tag or MAC. */
  | 'decrypt-failed'
  /** Bytes that are not a TLS record, or a record cut by the end of the capture or a gap. */
  | 'record-invalid';

/** RSA private keys for a connection's server, and the master secrets of the capture's sessions. */
export interface TlsRsaHost {
  /** The server sending in direction `d`: its address (for messages) and the keys to try for it. */
  keys(d: 0 | 1): { server: string; keys: readonly RsaPrivateKey[] };
  /** Master secrets by `id:<session id hex>` and `ticket:<ticket hex>`, shared by a capture's connections. */
  sessions: Map<string, Uint8Array>;
}

/** Handshake messages kept for the extended master secret's session hash: at most this many bytes. */
const MAX_TRANSCRIPT = 1 << 20;

export interface TlsLinkHost {
  /** Application data of direction `d`, from the record at stream positions `[pos, end)`. */
  plaintext(d: 0 | 1, bytes: Uint8Array, pos: number, end: number): void;
  /** A problem on direction `d`, about the record at stream position `pos`. */
  problem(d: 0 | 1, what: TlsProblem, detail: string, pos: number): void;
}

interface CipherState {
  suite: CipherSuite;
  key: Uint8Array;
  /**
   * GCM 1.2: the 4-byte salt; ChaCha20 and 1.3: the 12-byte IV; CBC in TLS 1.0: the next record's IV
   * (the key block's, then each record's last ciphertext block); CBC from 1.1: unused.
   */
  iv: Uint8Array;
  /** CBC in TLS 1.0: the IV is not in the record but chained from the previous one. */
  implicitIv: boolean;
  macKey: Uint8Array;
  seq: number;
  v13: boolean;
  etm: boolean;
  /** TLS 1.3: the traffic secret the key came from (KeyUpdate), and whether it is a handshake one. */
  secret: Uint8Array | null;
  handshake: boolean;
}

class Dir {
  enc: CipherState | null = null;
  hs = new Uint8Array(0);
  hsLen = 0;
  dead = false;
}

export class TlsLink {
  readonly #dirs: [Dir, Dir] = [new Dir(), new Dir()];
  #clientRandom: Uint8Array | null = null;
  #serverRandom: Uint8Array | null = null;
  #clientDir: 0 | 1 = 0;
  #suite: CipherSuite | null = null;
  #suiteId = -1;
  #v13 = false;
  /** The ServerHello's version (0 before it): 0x0300 SSL 3.0 (not decrypted) ... 0x0304 TLS 1.3. */
  #version = 0;
  #etm = false;
  #keyBlock: Uint8Array | null = null;
  #secrets: TlsSecrets | null | undefined = undefined;
  /** RSA key exchange: the handshake so far (for the session hash), session ids, ticket, EMS. */
  #transcript: Uint8Array[] | null = null;
  #transcriptLen = 0;
  #ems = false;
  #clientSession = '';
  #serverSession = '';
  #ticket = '';
  #serverDir: 0 | 1 = 1;
  /** The master secret found with an RSA key or a resumed session; why not, when that failed. */
  #rsaMaster: Uint8Array | null = null;
  #rsaWhy: string | null = null;
  /** The connection will not be decrypted (reported once). */
  #dead = false;
  /** Records decrypted, for the summary. */
  decrypted = 0;

  constructor(
    private readonly host: TlsLinkHost,
    /** The secrets for a client random (hex), from the key log and the capture's secrets blocks. */
    private readonly keys: ((clientRandom: string) => TlsSecrets | null) | null,
    private readonly crypto: TlsCrypto | null,
    /** RSA private keys (`--tls-key`) and the capture's sessions; null when no key was given. */
    private readonly rsa: TlsRsaHost | null = null,
  ) {}

  /** True once the connection is given up (no key, a failed tag...). */
  get dead(): boolean {
    return this.#dead;
  }

  /** Client random as hex (after the ClientHello), for messages. */
  get clientRandom(): string | null {
    return this.#clientRandom ? toHex(this.#clientRandom) : null;
  }

  /** Whole records of direction `d` in `buf[start,end)` (stream position `pos`); returns bytes consumed. */
  records(d: 0 | 1, buf: Uint8Array, start: number, end: number, pos: number): number {
    const dir = this.#dirs[d];
    let p = start;
    while (end - p >= 5) {
      if (this.#dead || dir.dead) return end - start;
      const type = buf[p]!;
      const len = (buf[p + 3]! << 8) | buf[p + 4]!;
      if (type < CT_CCS || type > 24 || buf[p + 1] !== 3 || len > MAX_RECORD_BODY) {
        dir.dead = true;
        this.host.problem(
          d,
          'record-invalid',
          `bytes at stream offset ${pos + (p - start)} are not a TLS record; the rest of this direction is not decoded`,
          pos + (p - start),
        );
        return end - start;
      }
      if (end - p - 5 < len) break;
      this.#record(d, dir, type, buf, p, p + 5 + len, pos + (p - start));
      p += 5 + len;
    }
    return p - start;
  }

  /** End of capture: a partial record left in direction `d`. */
  end(d: 0 | 1, start: number, end: number, pos: number): void {
    if (end <= start || this.#dead || this.#dirs[d].dead) return;
    this.host.problem(
      d,
      'record-invalid',
      `the capture ends inside a TLS record at stream offset ${pos}`,
      pos,
    );
  }

  /** Bytes lost in direction `d`: its record stream cannot be followed on. */
  gap(d: 0 | 1, pos: number): void {
    const dir = this.#dirs[d];
    if (dir.dead || this.#dead) return;
    dir.dead = true;
    this.host.problem(
      d,
      'record-invalid',
      `bytes never captured before stream offset ${pos}: the TLS records after them are not decoded`,
      pos,
    );
  }

  #record(d: 0 | 1, dir: Dir, type: number, buf: Uint8Array, p: number, e: number, pos: number): void {
    const body = buf.subarray(p + 5, e);
    if (type === CT_CCS) {
      // TLS 1.2: what this side sends from now on is encrypted. TLS 1.3: a compatibility no-op.
      if (!this.#v13 && this.#suiteId >= 0) this.#activate12(d, dir, pos);
      return;
    }
    if (dir.enc === null) {
      if (type === CT_HANDSHAKE) this.#handshake(d, dir, body, pos);
      else if (type === CT_APPDATA) this.#noKey(d, pos);
      return;
    }
    const plain = this.#decrypt(dir.enc, buf, p, e);
    if (plain === null) {
      this.#dead = true;
      this.host.problem(
        d,
        'decrypt-failed',
        `the record at stream offset ${pos} fails its ${dir.enc.suite.mac ? 'MAC' : 'authentication tag'} (${dir.enc.suite.name}): a wrong key for client random ${this.clientRandom ?? '?'}, or a damaged record; the connection is not decoded further`,
        pos,
      );
      return;
    }
    this.decrypted++;
    if (plain.type === CT_APPDATA) {
      if (plain.data.length > 0) this.host.plaintext(d, plain.data, pos, pos + 5 + body.length);
    } else if (plain.type === CT_HANDSHAKE) this.#handshake(d, dir, plain.data, pos);
    else if (plain.type !== CT_ALERT) void 0;
  }

  /** Stops reading the connection (its reason was said elsewhere). */
  giveUp(): void {
    this.#dead = true;
  }

  /** Why nothing was decrypted, at the end of the capture. */
  get idleReason(): string {
    if (this.#clientRandom === null)
      return 'no key, and the capture has no ClientHello to find one by (it began after the connection did)';
    if (this.keys && !this.keys(toHex(this.#clientRandom)) && !this.#rsaMaster) return this.#whyNoKey();
    return 'no application data in the capture';
  }

  #whyNoKey(): string {
    if (!this.crypto) return 'no decryption in this reader';
    if (this.#clientRandom === null)
      return 'no key, and the capture has no ClientHello to find one by (it began after the connection did)';
    if (this.#suiteId >= 0 && this.#suite === null)
      return `cipher suite 0x${this.#suiteId.toString(16).padStart(4, '0')} is not one sipscope decrypts`;
    const random = toHex(this.#clientRandom);
    if (this.#ssl3)
      return `SSL 3.0 (${this.#suite?.name ?? 'its cipher suite'}) is not decrypted by sipscope: its MAC and key derivation are its own (RFC 6101, prohibited since RFC 7568); TLS 1.0 to 1.3 are (client random ${random})`;
    if (this.#rsaWhy) return this.#rsaWhy;
    const s = this.#suite;
    if (this.rsa && s && s.kx !== 'rsa')
      return `cipher suite ${s.name} uses ${KX_NAME[s.kx]} key exchange (forward secrecy): the server's RSA private key cannot decrypt it, a key log is needed (--keylog FILE) for client random ${random}`;
    if (s?.kx === 'rsa')
      return `no key for client random ${random}; give a key log (--keylog FILE) or, as ${s.name} uses RSA key exchange, the server's private key (--tls-key FILE)`;
    if (s)
      return `no key for client random ${random}; give a key log (--keylog FILE): ${s.name} uses ${KX_NAME[s.kx]} key exchange (forward secrecy), which the server's private key cannot decrypt`;
    return `no key for client random ${random}; give a key log (--keylog FILE)`;
  }

  #noKey(d: 0 | 1, pos: number): void {
    if (this.#dead) return;
    this.#dead = true;
    this.host.problem(d, 'no-key', this.#whyNoKey(), pos);
  }

  /** The key log's secrets for this connection, or null (reported). */
  #lookup(d: 0 | 1, pos: number): TlsSecrets | null {
    if (this.#secrets === undefined) {
      let s =
        this.#clientRandom && this.#suite && this.crypto && this.keys
          ? this.keys(toHex(this.#clientRandom))
          : null;
      if (!s?.master && this.#rsaMaster && !this.#v13) s = { master: this.#rsaMaster };
      const ok =
        s !== null &&
        (this.#v13
          ? !!(s.clientHandshake && s.serverHandshake && s.clientTraffic0 && s.serverTraffic0)
          : !!s.master);
      this.#secrets = ok ? s : null;
      if (!ok) this.#noKey(d, pos);
    }
    return this.#secrets;
  }

  /** SSL 3.0 (or older): its own MAC and key derivation, not decrypted. */
  get #ssl3(): boolean {
    return this.#version !== 0 && this.#version < 0x0301;
  }

  #activate12(d: 0 | 1, dir: Dir, pos: number): void {
    if (this.#dead) return;
    if (this.#ssl3) {
      this.#noKey(d, pos);
      return;
    }
    const s = this.#lookup(d, pos);
    const suite = this.#suite;
    if (!s || !suite || !s.master || !this.#serverRandom || !this.#clientRandom) return;
    const c = this.crypto!;
    const macLen = suite.mac ? hashLength(suite.mac) : 0;
    const ivLen = suite.cipher === 'chacha20-poly1305' ? 12 : suite.mac ? suite.block : 4;
    if (!this.#keyBlock) {
      const seed = new Uint8Array(64);
      seed.set(this.#serverRandom, 0);
      seed.set(this.#clientRandom, 32);
      this.#keyBlock = tlsPrf(
        c,
        this.#version,
        suite.hash,
        s.master,
        'key expansion',
        seed,
        2 * (macLen + suite.keyLen + ivLen),
      );
    }
    const kb = this.#keyBlock;
    const client = d === this.#clientDir ? 0 : 1;
    const at = (o: number, n: number): Uint8Array => kb.slice(o, o + n);
    dir.enc = {
      suite,
      macKey: at(client * macLen, macLen),
      key: at(2 * macLen + client * suite.keyLen, suite.keyLen),
      iv: at(2 * macLen + 2 * suite.keyLen + client * ivLen, ivLen),
      implicitIv: this.#version === 0x0301 && suite.mac !== null,
      seq: 0,
      v13: false,
      etm: this.#etm && suite.mac !== null,
      secret: null,
      handshake: false,
    };
    dir.hsLen = 0;
  }

  #state13(secret: Uint8Array, handshake: boolean): CipherState {
    const suite = this.#suite!;
    const c = this.crypto!;
    const none = new Uint8Array(0);
    return {
      suite,
      key: hkdfExpandLabel(c, suite.hash, secret, 'key', none, suite.keyLen),
      iv: hkdfExpandLabel(c, suite.hash, secret, 'iv', none, 12),
      implicitIv: false,
      macKey: none,
      seq: 0,
      v13: true,
      etm: false,
      secret,
      handshake,
    };
  }

  /** The master secret known for this TLS 1.2 connection (key log or RSA key), or null. */
  #master(): Uint8Array | null {
    if (this.#rsaMaster) return this.#rsaMaster;
    const s = this.#clientRandom && this.keys ? this.keys(toHex(this.#clientRandom)) : null;
    return s?.master ?? null;
  }

  /** Keeps handshake message `type`/`m` for the session hash, while an RSA key exchange may need it. */
  #keep(type: number, m: Uint8Array): void {
    if (!this.#transcript) return;
    if (this.#transcriptLen + 4 + m.length > MAX_TRANSCRIPT) {
      this.#transcript = null;
      return;
    }
    this.#transcript.push(Uint8Array.of(type, m.length >> 16, (m.length >> 8) & 0xff, m.length & 0xff), m);
    this.#transcriptLen += 4 + m.length;
  }

  /** Session id or ticket of a ClientHello/ServerHello (`m` from its session id length byte at `o`). */
  static #sessionId(m: Uint8Array, o: number): string {
    const n = m[o]!;
    return n > 0 && n <= 32 && o + 1 + n <= m.length ? toHex(m.subarray(o + 1, o + 1 + n)) : '';
  }

  /** A ClientHello: its session id and session ticket, for resumption with an RSA key. */
  #clientHello(m: Uint8Array): void {
    this.#clientSession = TlsLink.#sessionId(m, 34);
    let o = 35 + m[34]!;
    if (o + 2 > m.length) return;
    o += 2 + ((m[o]! << 8) | m[o + 1]!);
    if (o + 1 > m.length) return;
    o += 1 + m[o]!;
    if (o + 2 > m.length) return;
    const extEnd = Math.min(m.length, o + 2 + ((m[o]! << 8) | m[o + 1]!));
    o += 2;
    while (o + 4 <= extEnd) {
      const et = (m[o]! << 8) | m[o + 1]!;
      const el = (m[o + 2]! << 8) | m[o + 3]!;
      if (et === 35 && el > 0 && o + 4 + el <= extEnd) this.#ticket = toHex(m.subarray(o + 4, o + 4 + el));
      o += 4 + el;
    }
  }

  /** The master secret, once known: kept for the sessions that resume this one. */
  #remember(): void {
    const master = this.#master();
    if (!this.rsa || !master) return;
    if (this.#serverSession) this.rsa.sessions.set(`id:${this.#serverSession}`, master);
  }

  /** After the ServerHello of a TLS 1.2 connection with an RSA key given: a resumed session? */
  #serverHello12(): void {
    if (this.#suite?.kx !== 'rsa') this.#transcript = null;
    if (!this.rsa || this.#v13 || !this.#clientRandom) return;
    const resumed = this.#serverSession !== '' && this.#serverSession === this.#clientSession;
    if (resumed) {
      this.#transcript = null;
      if (this.#master()) return;
      const m =
        this.rsa.sessions.get(`id:${this.#serverSession}`) ??
        (this.#ticket ? this.rsa.sessions.get(`ticket:${this.#ticket}`) : undefined);
      if (m) this.#rsaMaster = m;
      else
        this.#rsaWhy = `the connection resumes TLS session ${this.#serverSession.slice(0, 16)}… (${this.#ticket ? 'a session ticket' : 'its session ID'}), which no connection earlier in this capture set up with a key sipscope has; a key log is needed (--keylog FILE) for client random ${toHex(this.#clientRandom)}`;
    }
  }

  /** A ClientKeyExchange of an RSA suite: the pre-master secret with the server's key, the master secret. */
  #clientKeyExchange(d: 0 | 1, m: Uint8Array, pos: number): void {
    const suite = this.#suite;
    const rsa = this.rsa;
    if (!rsa || !suite || suite.kx !== 'rsa' || this.#v13 || this.#ssl3 || !this.crypto || this.#master())
      return;
    if (!this.#clientRandom || !this.#serverRandom) return;
    const { server, keys } = rsa.keys(this.#serverDir);
    const random = toHex(this.#clientRandom);
    if (keys.length === 0) {
      this.#rsaWhy = `no RSA key given for server ${server} (${suite.name}); give its key (--tls-key ${server}=FILE) or a key log (--keylog FILE) for client random ${random}`;
      return;
    }
    const len = m.length >= 2 ? (m[0]! << 8) | m[1]! : -1;
    const enc = len === m.length - 2 ? m.subarray(2) : null;
    let pms: Uint8Array | null = null;
    const raw = this.crypto?.rsaDecryptRaw?.bind(this.crypto);
    for (const k of enc ? keys : []) {
      const out = rsaesPkcs1Decrypt(k, enc!, raw);
      if (out && out.length === 48) {
        pms = out;
        break;
      }
    }
    if (!pms) {
      this.#dead = true;
      this.host.problem(
        d,
        'decrypt-failed',
        enc
          ? `the ClientKeyExchange's pre-master secret (${suite.name}, client random ${random}) does not decrypt with ${keys.length === 1 ? `the RSA key ${keys[0]!.label}` : `any of the ${keys.length} RSA keys`} given for server ${server}: a wrong key, or a damaged message; the connection is not decoded`
          : `the ClientKeyExchange (${suite.name}, client random ${random}) holds no encrypted pre-master secret that can be read (length ${len} for ${m.length - 2} bytes); the connection is not decoded`,
        pos,
      );
      return;
    }
    const c = this.crypto;
    if (this.#ems) {
      if (!this.#transcript) {
        this.#dead = true;
        this.host.problem(
          d,
          'decrypt-failed',
          `the handshake of client random ${random} (extended master secret) was not all seen or is over ${MAX_TRANSCRIPT} bytes: its session hash cannot be made; the connection is not decoded`,
          pos,
        );
        return;
      }
      const v = this.#version;
      const sessionHash = handshakeHash(c, v, suite.hash, this.#transcript);
      this.#rsaMaster = tlsPrf(c, v, suite.hash, pms, 'extended master secret', sessionHash, 48);
    } else {
      const seed = new Uint8Array(64);
      seed.set(this.#clientRandom, 0);
      seed.set(this.#serverRandom, 32);
      this.#rsaMaster = tlsPrf(c, this.#version, suite.hash, pms, 'master secret', seed, 48);
    }
    this.#transcript = null;
    this.#remember();
  }

  #handshake(d: 0 | 1, dir: Dir, data: Uint8Array, pos: number): void {
    const need = dir.hsLen + data.length;
    if (need > dir.hs.length) {
      const next = new Uint8Array(Math.max(need, 2 * dir.hs.length, 1024));
      next.set(dir.hs.subarray(0, dir.hsLen));
      dir.hs = next;
    }
    dir.hs.set(data, dir.hsLen);
    dir.hsLen = need;
    let o = 0;
    while (dir.hsLen - o >= 4) {
      const h = dir.hs;
      const len = (h[o + 1]! << 16) | (h[o + 2]! << 8) | h[o + 3]!;
      if (dir.hsLen - o - 4 < len) break;
      const type = h[o]!;
      const msg = h.slice(o + 4, o + 4 + len);
      o += 4 + len;
      this.#message(d, dir, type, msg, pos);
    }
    if (o > 0) {
      dir.hs.copyWithin(0, o, dir.hsLen);
      dir.hsLen -= o;
    }
    // A handshake message longer than 1 MB is not one we can use.
    if (dir.hsLen > 1 << 20) dir.hsLen = 0;
  }

  #message(d: 0 | 1, dir: Dir, type: number, m: Uint8Array, pos: number): void {
    if (dir.enc !== null && !this.#v13 && (type === 1 || type === 2)) {
      // A hello inside the encrypted connection: renegotiation (TLS 1.0-1.2), not followed.
      this.#dead = true;
      this.host.problem(
        d,
        'no-key',
        `the connection renegotiates at stream offset ${pos} (a new ${type === 1 ? 'ClientHello' : 'ServerHello'} inside the encrypted connection): sipscope does not follow TLS renegotiation, the records after it are not decrypted (the SIP before it was)`,
        pos,
      );
      return;
    }
    if (this.#transcript && dir.enc === null) this.#keep(type, m);
    if (type === 1 && m.length >= 35 && this.#clientRandom === null) {
      this.#clientRandom = m.slice(2, 34);
      this.#clientDir = d;
      if (this.rsa) {
        this.#transcript = [];
        this.#keep(type, m);
        this.#clientHello(m);
      }
    } else if (type === 2 && m.length >= 38 && dir.enc === null) {
      const random = m.slice(2, 34);
      if (toHex(random) === HRR_RANDOM) return;
      this.#serverRandom = random;
      this.#serverDir = d;
      this.#serverSession = TlsLink.#sessionId(m, 34);
      let o = 35 + m[34]!;
      if (o + 3 > m.length) return;
      this.#suiteId = (m[o]! << 8) | m[o + 1]!;
      this.#suite = cipherSuite(this.#suiteId);
      o += 3;
      let version = (m[0]! << 8) | m[1]!;
      if (o + 2 <= m.length) {
        const extEnd = Math.min(m.length, o + 2 + ((m[o]! << 8) | m[o + 1]!));
        o += 2;
        while (o + 4 <= extEnd) {
          const et = (m[o]! << 8) | m[o + 1]!;
          const el = (m[o + 2]! << 8) | m[o + 3]!;
          if (et === 43 && el === 2) version = (m[o + 4]! << 8) | m[o + 5]!;
          else if (et === 22) this.#etm = true;
          else if (et === 23) this.#ems = true;
          o += 4 + el;
        }
      }
      this.#v13 = version === 0x0304;
      this.#version = version;
      this.#serverHello12();
      if (this.#v13) {
        // Both sides encrypt every record after the ServerHello (but ChangeCipherSpec).
        if (!this.#suite) {
          this.#noKey(d, pos);
          return;
        }
        const s = this.#lookup(d, pos);
        if (!s) return;
        const server = this.#dirs[d];
        const client = this.#dirs[d === 0 ? 1 : 0];
        server.enc = this.#state13(s.serverHandshake!, true);
        client.enc = this.#state13(s.clientHandshake!, true);
      }
    } else if (type === 16 && d === this.#clientDir && dir.enc === null) {
      this.#clientKeyExchange(d, m, pos);
    } else if (type === 4 && !this.#v13 && d === this.#serverDir && this.rsa && m.length >= 6) {
      // NewSessionTicket (RFC 5077 §3.3): a later connection may resume with this ticket.
      const n = (m[4]! << 8) | m[5]!;
      const master = this.#master();
      if (n > 0 && 6 + n <= m.length && master)
        this.rsa.sessions.set(`ticket:${toHex(m.subarray(6, 6 + n))}`, master);
    } else if (type === 20 && dir.enc?.v13 && dir.enc.handshake) {
      // Finished: this side's application traffic keys from the next record.
      const s = this.#secrets!;
      dir.enc = this.#state13(d === this.#clientDir ? s.clientTraffic0! : s.serverTraffic0!, false);
    } else if (type === 24 && dir.enc?.v13 && !dir.enc.handshake && dir.enc.secret) {
      const e = dir.enc;
      const next = hkdfExpandLabel(
        this.crypto!,
        e.suite.hash,
        e.secret!,
        'traffic upd',
        new Uint8Array(0),
        hashLength(e.suite.hash),
      );
      dir.enc = this.#state13(next, false);
    }
  }

  /** Decrypts record `buf[p,e)` (header included) with `s`; null when its tag or MAC fails. */
  #decrypt(s: CipherState, buf: Uint8Array, p: number, e: number): { type: number; data: Uint8Array } | null {
    const c = this.crypto!;
    const type = buf[p]!;
    const body = buf.subarray(p + 5, e);
    const seq = s.seq++;
    if (s.v13) {
      if (body.length < 17) return null;
      const ct = body.subarray(0, body.length - 16);
      const out = c.open(
        s.suite.cipher,
        s.key,
        nonceXor(s.iv, seq),
        buf.subarray(p, p + 5),
        ct,
        body.subarray(body.length - 16),
      );
      if (!out) return null;
      let n = out.length;
      while (n > 0 && out[n - 1] === 0) n--;
      if (n === 0) return null;
      return { type: out[n - 1]!, data: out.subarray(0, n - 1) };
    }
    const ver = (buf[p + 1]! << 8) | buf[p + 2]!;
    if (s.suite.mac === null) {
      const chacha = s.suite.cipher === 'chacha20-poly1305';
      const explicit = chacha ? 0 : 8;
      if (body.length < explicit + 16) return null;
      const ptLen = body.length - explicit - 16;
      let nonce: Uint8Array;
      if (chacha) nonce = nonceXor(s.iv, seq);
      else {
        nonce = new Uint8Array(12);
        nonce.set(s.iv, 0);
        nonce.set(body.subarray(0, 8), 4);
      }
      const out = c.open(
        s.suite.cipher,
        s.key,
        nonce,
        aad12(seq, type, ver, ptLen),
        body.subarray(explicit, explicit + ptLen),
        body.subarray(body.length - 16),
      );
      return out ? { type, data: out } : null;
    }
    // CBC with HMAC (RFC 5246 §6.2.3.2, RFC 2246 §6.2.3.2; encrypt-then-MAC RFC 7366). TLS 1.1 and
    // 1.2 send each record's IV as its first block; TLS 1.0 chains: the previous record's last block.
    const macLen = hashLength(s.suite.mac);
    const b = s.suite.block;
    const ivIn = s.implicitIv ? 0 : b;
    let enc = body;
    if (s.etm) {
      const encLen = body.length - macLen;
      if (encLen < ivIn + b || encLen % b !== 0) return null;
      enc = body.subarray(0, encLen);
      const mac = c.hmac(s.suite.mac, s.macKey, [aad12(seq, type, ver, encLen), enc]);
      if (!equal(mac, body.subarray(encLen))) return null;
    } else if (body.length < ivIn + b || body.length % b !== 0) return null;
    const iv = s.implicitIv ? s.iv : enc.subarray(0, b);
    const pt = c.cbc(s.suite.cipher, s.key, iv, enc.subarray(ivIn));
    if (s.implicitIv) s.iv = enc.slice(enc.length - b);
    if (pt.length === 0) return null;
    const pad = pt[pt.length - 1]!;
    if (s.etm) {
      if (pad + 1 > pt.length) return null;
      return { type, data: pt.subarray(0, pt.length - pad - 1) };
    }
    const contentLen = pt.length - pad - 1 - macLen;
    if (contentLen < 0) return null;
    for (let i = pt.length - pad - 1; i < pt.length; i++) if (pt[i] !== pad) return null;
    const content = pt.subarray(0, contentLen);
    const mac = c.hmac(s.suite.mac, s.macKey, [aad12(seq, type, ver, contentLen), content]);
    if (!equal(mac, pt.subarray(contentLen, contentLen + macLen))) return null;
    return { type, data: content };
  }
}

function nonceXor(iv: Uint8Array, seq: number): Uint8Array {
  const n = iv.slice();
  let s = seq;
  for (let i = 11; i >= 4 && s > 0; i--) {
    n[i]! ^= s % 256;
    s = Math.floor(s / 256);
  }
  return n;
}

function aad12(seq: number, type: number, ver: number, len: number): Uint8Array {
  const a = new Uint8Array(13);
  let s = seq;
  for (let i = 7; i >= 0 && s > 0; i--) {
    a[i] = s % 256;
    s = Math.floor(s / 256);
  }
  a[8] = type;
  a[9] = ver >> 8;
  a[10] = ver & 0xff;
  a[11] = len >> 8;
  a[12] = len & 0xff;
  return a;
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let x = 0;
  for (let i = 0; i < a.length; i++) x |= a[i]! ^ b[i]!;
  return x === 0;
}
