/**
 * The TLS key schedule pieces a decoder needs, on an injected HMAC (the core has no node:crypto:
 * `crypto.node.ts` is the Node adapter): the TLS 1.2 PRF (RFC 5246 §5), the TLS 1.0/1.1 PRF (P_MD5 XOR
 * P_SHA1 over the halves of the secret, RFC 2246 §5, RFC 4346 §5), HKDF-Expand and HKDF-Expand-Label
 * (RFC 5869 §2.3, RFC 8446 §7.1), and the cipher suites sipscope decrypts.
 */
import type { RsaPrivateKey } from './rsa';

export type TlsHash = 'md5' | 'sha1' | 'sha256' | 'sha384';
export type TlsCipher =
  'aes-128-gcm' | 'aes-256-gcm' | 'chacha20-poly1305' | 'aes-128-cbc' | 'aes-256-cbc' | 'des-ede3-cbc';

/** The primitives, from node:crypto in `crypto.node.ts`. */
export interface TlsCrypto {
  hmac(hash: TlsHash, key: Uint8Array, parts: readonly Uint8Array[]): Uint8Array;
  /** AEAD decryption of `ct` with its 16-byte `tag`; null when the tag does not match. */
  open(
    cipher: TlsCipher,
    key: Uint8Array,
    nonce: Uint8Array,
    aad: Uint8Array,
    ct: Uint8Array,
    tag: Uint8Array,
  ): Uint8Array | null;
  /** AES-CBC or 3DES-CBC decryption without padding removal (`data` whole blocks: 16 or 8 bytes). */
  cbc(cipher: TlsCipher, key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array;
  /** The digest of `parts` (the extended master secret's session hash, RFC 7627). */
  hash(hash: TlsHash, parts: readonly Uint8Array[]): Uint8Array;
  /**
   * Raw RSADP (`c^d mod n`, RFC 8017 §5.1.2) with key `k`, as `k.bytes` bytes; null when `c` is not
   * below the modulus. Optional: without it rsa.ts does the operation in BigInt (~13× slower).
   */
  rsaDecryptRaw?(k: RsaPrivateKey, c: Uint8Array): Uint8Array | null;
}

/** How the suite agrees on its keys: RSA key transport (a server's private key decrypts it), or not. */
export type TlsKeyExchange = 'rsa' | 'ecdhe' | 'dhe' | 'tls13';

export interface CipherSuite {
  id: number;
  name: string;
  cipher: TlsCipher;
  keyLen: number;
  /** CBC suites: the cipher's block length (16 AES, 8 3DES), also the IV's; 0 for AEAD. */
  block: number;
  /** The PRF / HKDF hash (TLS 1.2 and 1.3; TLS 1.0/1.1 have their own MD5+SHA1 PRF). */
  hash: TlsHash;
  /** CBC suites: the record MAC's hash; null for AEAD. */
  mac: TlsHash | null;
  /** TLS 1.3 suite. */
  tls13: boolean;
  kx: TlsKeyExchange;
}

const HASH_LEN: Record<TlsHash, number> = { md5: 16, sha1: 20, sha256: 32, sha384: 48 };
export const hashLength = (h: TlsHash): number => HASH_LEN[h];

function suite(
  id: number,
  name: string,
  cipher: TlsCipher,
  hash: TlsHash,
  mac: TlsHash | null = null,
): CipherSuite {
  const keyLen =
    cipher === 'aes-128-gcm' || cipher === 'aes-128-cbc' ? 16 : cipher === 'des-ede3-cbc' ? 24 : 32;
  const block = mac === null ? 0 : cipher === 'des-ede3-cbc' ? 8 : 16;
  const tls13 = id >> 8 === 0x13;
  const kx: TlsKeyExchange = tls13
    ? 'tls13'
    : name.startsWith('TLS_RSA_')
      ? 'rsa'
      : name.startsWith('TLS_DHE_')
        ? 'dhe'
        : 'ecdhe';
  return { id, name, cipher, keyLen, block, hash, mac, tls13, kx };
}

const SUITES: CipherSuite[] = [
  suite(0x1301, 'TLS_AES_128_GCM_SHA256', 'aes-128-gcm', 'sha256'),
  suite(0x1302, 'TLS_AES_256_GCM_SHA384', 'aes-256-gcm', 'sha384'),
  suite(0x1303, 'TLS_CHACHA20_POLY1305_SHA256', 'chacha20-poly1305', 'sha256'),
  suite(0xc02b, 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', 'aes-128-gcm', 'sha256'),
  suite(0xc02f, 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'aes-128-gcm', 'sha256'),
  suite(0x009c, 'TLS_RSA_WITH_AES_128_GCM_SHA256', 'aes-128-gcm', 'sha256'),
  suite(0x009e, 'TLS_DHE_RSA_WITH_AES_128_GCM_SHA256', 'aes-128-gcm', 'sha256'),
  suite(0xc02c, 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', 'aes-256-gcm', 'sha384'),
  suite(0xc030, 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', 'aes-256-gcm', 'sha384'),
  suite(0x009d, 'TLS_RSA_WITH_AES_256_GCM_SHA384', 'aes-256-gcm', 'sha384'),
  suite(0x009f, 'TLS_DHE_RSA_WITH_AES_256_GCM_SHA384', 'aes-256-gcm', 'sha384'),
  suite(0xcca8, 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256', 'chacha20-poly1305', 'sha256'),
  suite(0xcca9, 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256', 'chacha20-poly1305', 'sha256'),
  suite(0xccaa, 'TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256', 'chacha20-poly1305', 'sha256'),
  suite(0xc013, 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA', 'aes-128-cbc', 'sha256', 'sha1'),
  suite(0xc014, 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA', 'aes-256-cbc', 'sha256', 'sha1'),
  suite(0xc009, 'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA', 'aes-128-cbc', 'sha256', 'sha1'),
  suite(0xc00a, 'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA', 'aes-256-cbc', 'sha256', 'sha1'),
  suite(0x002f, 'TLS_RSA_WITH_AES_128_CBC_SHA', 'aes-128-cbc', 'sha256', 'sha1'),
  suite(0x0035, 'TLS_RSA_WITH_AES_256_CBC_SHA', 'aes-256-cbc', 'sha256', 'sha1'),
  suite(0x0033, 'TLS_DHE_RSA_WITH_AES_128_CBC_SHA', 'aes-128-cbc', 'sha256', 'sha1'),
  suite(0x0039, 'TLS_DHE_RSA_WITH_AES_256_CBC_SHA', 'aes-256-cbc', 'sha256', 'sha1'),
  suite(0xc027, 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256', 'aes-128-cbc', 'sha256', 'sha256'),
  suite(0xc028, 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384', 'aes-256-cbc', 'sha384', 'sha384'),
  suite(0xc023, 'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256', 'aes-128-cbc', 'sha256', 'sha256'),
  suite(0xc024, 'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384', 'aes-256-cbc', 'sha384', 'sha384'),
  suite(0x003c, 'TLS_RSA_WITH_AES_128_CBC_SHA256', 'aes-128-cbc', 'sha256', 'sha256'),
  suite(0x003d, 'TLS_RSA_WITH_AES_256_CBC_SHA256', 'aes-256-cbc', 'sha256', 'sha256'),
  suite(0x0067, 'TLS_DHE_RSA_WITH_AES_128_CBC_SHA256', 'aes-128-cbc', 'sha256', 'sha256'),
  suite(0x006b, 'TLS_DHE_RSA_WITH_AES_256_CBC_SHA256', 'aes-256-cbc', 'sha256', 'sha256'),
  // 3DES-EDE-CBC (TLS 1.0 to 1.2; OpenSSL 3 keeps it out of DEFAULT). RC4 suites are not here: this
  // Node's OpenSSL 3 has RC4 only in its legacy provider, which node:crypto does not load.
  suite(0x000a, 'TLS_RSA_WITH_3DES_EDE_CBC_SHA', 'des-ede3-cbc', 'sha256', 'sha1'),
  suite(0x0016, 'TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA', 'des-ede3-cbc', 'sha256', 'sha1'),
  suite(0xc012, 'TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA', 'des-ede3-cbc', 'sha256', 'sha1'),
  suite(0xc008, 'TLS_ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA', 'des-ede3-cbc', 'sha256', 'sha1'),
];
const BY_ID = new Map(SUITES.map((s) => [s.id, s]));

export function cipherSuite(id: number): CipherSuite | null {
  return BY_ID.get(id) ?? null;
}

const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

function concat(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** P_hash(secret, labelSeed) (RFC 5246 §5) cut to `len` bytes, XORed into `out` when `xor`. */
function pHash(
  c: TlsCrypto,
  hash: TlsHash,
  secret: Uint8Array,
  labelSeed: Uint8Array,
  out: Uint8Array,
  xor: boolean,
): void {
  const len = out.length;
  let a = labelSeed;
  let o = 0;
  while (o < len) {
    a = c.hmac(hash, secret, [a]);
    const block = c.hmac(hash, secret, [a, labelSeed]);
    const n = Math.min(block.length, len - o);
    if (xor) for (let i = 0; i < n; i++) out[o + i]! ^= block[i]!;
    else out.set(block.subarray(0, n), o);
    o += block.length;
  }
}

/** TLS 1.2 PRF: P_hash(secret, label + seed) cut to `len` bytes. */
export function prf12(
  c: TlsCrypto,
  hash: TlsHash,
  secret: Uint8Array,
  label: string,
  seed: Uint8Array,
  len: number,
): Uint8Array {
  const out = new Uint8Array(len);
  pHash(c, hash, secret, concat([ascii(label), seed]), out, false);
  return out;
}

/**
 * The PRF of protocol `version` (0x0301 TLS 1.0 ... 0x0303 TLS 1.2): from 1.2 prf12 with the suite's
 * `hash`; before, TLS 1.0/1.1's (RFC 2246 §5): P_MD5 over the secret's first half XOR P_SHA1 over its
 * second half (the halves share the middle byte when the length is odd).
 */
export function tlsPrf(
  c: TlsCrypto,
  version: number,
  hash: TlsHash,
  secret: Uint8Array,
  label: string,
  seed: Uint8Array,
  len: number,
): Uint8Array {
  if (version >= 0x0303) return prf12(c, hash, secret, label, seed, len);
  const half = Math.ceil(secret.length / 2);
  const s = concat([ascii(label), seed]);
  const out = new Uint8Array(len);
  pHash(c, 'md5', secret.subarray(0, half), s, out, false);
  pHash(c, 'sha1', secret.subarray(secret.length - half), s, out, true);
  return out;
}

/**
 * The handshake hash of protocol `version` (the extended master secret's session hash, RFC 7627 §3):
 * MD5 || SHA-1 of the messages before TLS 1.2, the suite's PRF hash from 1.2.
 */
export function handshakeHash(
  c: TlsCrypto,
  version: number,
  hash: TlsHash,
  parts: readonly Uint8Array[],
): Uint8Array {
  return version < 0x0303 ? concat([c.hash('md5', parts), c.hash('sha1', parts)]) : c.hash(hash, parts);
}

/** HKDF-Expand(prk, info, len). */
export function hkdfExpand(
  c: TlsCrypto,
  hash: TlsHash,
  prk: Uint8Array,
  info: Uint8Array,
  len: number,
): Uint8Array {
  const out = new Uint8Array(len);
  let t = new Uint8Array(0);
  let o = 0;
  for (let i = 1; o < len; i++) {
    t = c.hmac(hash, prk, [t, info, Uint8Array.of(i)]) as Uint8Array<ArrayBuffer>;
    out.set(t.subarray(0, Math.min(t.length, len - o)), o);
    o += t.length;
  }
  return out;
}

/** HKDF-Expand-Label(secret, label, context, len) of TLS 1.3. */
export function hkdfExpandLabel(
  c: TlsCrypto,
  hash: TlsHash,
  secret: Uint8Array,
  label: string,
  context: Uint8Array,
  len: number,
): Uint8Array {
  const l = ascii('tls13 ' + label);
  const info = concat([
    Uint8Array.of(len >> 8, len & 0xff, l.length),
    l,
    Uint8Array.of(context.length),
    context,
  ]);
  return hkdfExpand(c, hash, secret, info, len);
}
