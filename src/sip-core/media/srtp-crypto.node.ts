/** SRTP's primitives from node:crypto (the core itself has none: srtp.ts's {@link SrtpCrypto}). */
import { createCipheriv, createDecipheriv, createHmac } from 'node:crypto';
import { setSrtpCrypto, type SrtpCrypto } from './srtp';

const gcmName = (key: Uint8Array): 'aes-128-gcm' | 'aes-256-gcm' =>
  key.length === 16 ? 'aes-128-gcm' : 'aes-256-gcm';

/**
 * One AES-ECB cipher per session key, kept (never finished): counter mode's keystream is the counter
 * blocks encrypted by one `update` — a cipher object made per packet (`createCipheriv('aes-128-ctr')`)
 * cost about as much again as the rest of the packet's decryption.
 */
const ecbs = new WeakMap<Uint8Array, Cipher>();
type Cipher = ReturnType<typeof createCipheriv>;

function ecb(key: Uint8Array): Cipher {
  let c = ecbs.get(key);
  if (!c) {
    c = createCipheriv(`aes-${key.length * 8}-ecb`, key, null);
    c.setAutoPadding(false);
    ecbs.set(key, c);
  }
  return c;
}

export const nodeSrtpCrypto: SrtpCrypto = {
  ctr(key, iv, data): Uint8Array {
    const n = data.length;
    const blocks = (n + 15) >>> 4;
    const ctr = Buffer.allocUnsafe(blocks * 16);
    // The counter blocks: iv, iv + 1, ... (a 128-bit big-endian add; SRTP's low 16 bits start at 0).
    const c = Buffer.from(iv);
    for (let b = 0; b < blocks; b++) {
      c.copy(ctr, b * 16);
      for (let i = 15; i >= 0 && ++c[i]! === 256; i--) c[i] = 0;
    }
    const ks = ecb(key).update(ctr);
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = data[i]! ^ ks[i]!;
    return out;
  },
  hmacSha1(key, parts): Uint8Array {
    const h = createHmac('sha1', key);
    for (const p of parts) h.update(p);
    return new Uint8Array(h.digest());
  },
  gcmSeal(key, iv, aad, plain): { ct: Uint8Array; tag: Uint8Array } {
    const c = createCipheriv(gcmName(key), key, iv);
    c.setAAD(aad);
    const ct = c.update(plain);
    c.final();
    return { ct: new Uint8Array(ct), tag: new Uint8Array(c.getAuthTag()) };
  },
  gcmOpen(key, iv, aad, ct, tag): Uint8Array | null {
    try {
      const d = createDecipheriv(gcmName(key), key, iv);
      d.setAAD(aad);
      d.setAuthTag(tag);
      const p = d.update(ct);
      d.final();
      return new Uint8Array(p.buffer, p.byteOffset, p.length);
    } catch {
      // The tag did not match (a wrong key, a damaged packet) or the tag was not 16 octets.
      return null;
    }
  },
};

// The analysis decrypts SRTCP's reports with these once a host has loaded this module.
setSrtpCrypto(nodeSrtpCrypto);
