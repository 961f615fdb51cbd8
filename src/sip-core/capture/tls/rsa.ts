/**
 * The RSA private-key operation a TLS 1.2 RSA key exchange needs to read its pre-master secret
 * (RFC 5246 §7.4.7.1): RSADP with the Chinese remainder theorem over the key's components (RFC 8017
 * §5.1.2) in BigInt — or by the injected crypto's raw RSA (TlsCrypto.rsaDecryptRaw, ~13× faster) —
 * and a strict RSAES-PKCS1-v1_5 padding check (§7.2.2) here either way. Node 20 refuses
 * `privateDecrypt` with PKCS#1 v1.5 padding since the Marvin attack fix, and this core has no
 * node:crypto: the components come from the key's JWK export (keylog-file.node.ts). Nothing here is
 * constant-time: it reads captures with keys the user owns, it is not a TLS server.
 */

/** An RSA private key's components (a JWK's n, e, d, p, q, dp, dq, qi). */
export interface RsaPrivateKey {
  n: bigint;
  e: bigint;
  d: bigint;
  p: bigint;
  q: bigint;
  dp: bigint;
  dq: bigint;
  qi: bigint;
  /** The modulus length in bytes. */
  bytes: number;
  /** The key's name for messages (its file, or the first bytes of its modulus). */
  label: string;
}

export const RSA_COMPONENTS = ['n', 'e', 'd', 'p', 'q', 'dp', 'dq', 'qi'] as const;

/** The big-endian unsigned integer in `b`. */
export function bytesToBigInt(b: Uint8Array): bigint {
  let hex = '';
  for (const x of b) hex += x.toString(16).padStart(2, '0');
  return hex === '' ? 0n : BigInt('0x' + hex);
}

/** `x` as `len` big-endian bytes, or null when it does not fit. */
export function bigIntToBytes(x: bigint, len: number): Uint8Array | null {
  let hex = x.toString(16);
  if (hex.length % 2) hex = '0' + hex;
  if (hex.length / 2 > len) return null;
  const out = new Uint8Array(len);
  const off = len - hex.length / 2;
  for (let i = 0; i < hex.length / 2; i++) out[off + i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** base64url (no padding, as in a JWK) to bytes; null when it is not base64url. */
export function base64UrlBytes(s: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]*$/.test(s) || s.length % 4 === 1) return null;
  const map = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const out = new Uint8Array(Math.floor((s.length * 3) / 4));
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < s.length; i++) {
    acc = (acc << 6) | map.indexOf(s[i]!);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  return out.subarray(0, o);
}

/**
 * A key from its base64url components in {@link RSA_COMPONENTS} order; null when one is missing or
 * they do not make an RSA key (n ≠ p·q, or a modulus under 512 or over 16384 bits).
 */
export function rsaKeyFromComponents(parts: readonly string[], label: string): RsaPrivateKey | null {
  if (parts.length !== RSA_COMPONENTS.length) return null;
  const v: bigint[] = [];
  let bytes = 0;
  for (let i = 0; i < parts.length; i++) {
    const b = base64UrlBytes(parts[i]!);
    if (!b || b.length === 0) return null;
    if (i === 0) {
      let z = 0;
      while (z < b.length && b[z] === 0) z++;
      bytes = b.length - z;
    }
    v.push(bytesToBigInt(b));
  }
  const [n, e, d, p, q, dp, dq, qi] = v as [bigint, bigint, bigint, bigint, bigint, bigint, bigint, bigint];
  if (bytes < 64 || bytes > 2048 || p * q !== n || p < 3n || q < 3n) return null;
  return { n, e, d, p, q, dp, dq, qi, bytes, label };
}

/** `b^e mod m`: left to right, a hex digit of the exponent at a time (four squarings, one multiply). */
export function modPow(b: bigint, e: bigint, m: bigint): bigint {
  if (m === 1n) return 0n;
  const x = b % m;
  const t: bigint[] = [1n, x];
  for (let i = 2; i < 16; i++) t.push((t[i - 1]! * x) % m);
  const hex = e.toString(16);
  let r = 1n;
  for (let i = 0; i < hex.length; i++) {
    if (i > 0) {
      r = (r * r) % m;
      r = (r * r) % m;
      r = (r * r) % m;
      r = (r * r) % m;
    }
    const d = parseInt(hex[i]!, 16);
    if (d !== 0) r = (r * t[d]!) % m;
  }
  return r;
}

/** RSADP with CRT (RFC 8017 §5.1.2, the second form): `c^d mod n` from p, q, dp, dq, qi. */
export function rsaPrivate(k: RsaPrivateKey, c: bigint): bigint {
  const m1 = modPow(c % k.p, k.dp, k.p);
  const m2 = modPow(c % k.q, k.dq, k.q);
  let h = ((m1 - m2) * k.qi) % k.p;
  if (h < 0n) h += k.p;
  return m2 + h * k.q;
}

/**
 * RSAES-PKCS1-v1_5 decryption (RFC 8017 §7.2.2) of `ct` with `k`: the message, or null when `ct` is
 * not `k`'s length, is not below the modulus, or its padding is not 0x00 0x02, at least eight non-zero
 * bytes and a 0x00 (a wrong key, a damaged message). `raw`: the RSADP step done by a crypto library
 * (TlsCrypto.rsaDecryptRaw; the padding is still checked here), else in BigInt.
 */
export function rsaesPkcs1Decrypt(
  k: RsaPrivateKey,
  ct: Uint8Array,
  raw?: (k: RsaPrivateKey, c: Uint8Array) => Uint8Array | null,
): Uint8Array | null {
  if (ct.length !== k.bytes) return null;
  let em: Uint8Array | null;
  if (raw) em = raw(k, ct);
  else {
    const c = bytesToBigInt(ct);
    if (c >= k.n) return null;
    em = bigIntToBytes(rsaPrivate(k, c), k.bytes);
  }
  if (!em || em[0] !== 0 || em[1] !== 2) return null;
  let i = 2;
  while (i < em.length && em[i] !== 0) i++;
  if (i >= em.length || i - 2 < 8) return null;
  return em.slice(i + 1);
}
