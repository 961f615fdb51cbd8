/** SRTP's primitives from node:crypto (the core itself has none: srtp.ts's {@link SrtpCrypto}). */
import { createCipheriv, createDecipheriv, createHmac } from 'node:crypto';
import type { SrtpCrypto } from './srtp';

const ctrName = (key: Uint8Array): string => `aes-${key.length * 8}-ctr`;
const gcmName = (key: Uint8Array): 'aes-128-gcm' | 'aes-256-gcm' =>
  key.length === 16 ? 'aes-128-gcm' : 'aes-256-gcm';

export const nodeSrtpCrypto: SrtpCrypto = {
  ctr(key, iv, data): Uint8Array {
    return new Uint8Array(createCipheriv(ctrName(key), key, iv).update(data));
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
