/** The TLS decoder's primitives from node:crypto (the core itself has none: tls-crypto.ts). */
import { createDecipheriv, createHash, createHmac } from 'node:crypto';
import type { TlsCipher, TlsCrypto, TlsHash } from './tls-crypto';

export const nodeTlsCrypto: TlsCrypto = {
  hmac(hash: TlsHash, key: Uint8Array, parts: readonly Uint8Array[]): Uint8Array {
    const h = createHmac(hash, key);
    for (const p of parts) h.update(p);
    return new Uint8Array(h.digest());
  },
  open(cipher: TlsCipher, key, nonce, aad, ct, tag): Uint8Array | null {
    try {
      if (cipher === 'chacha20-poly1305') {
        const d = createDecipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
        d.setAAD(aad, { plaintextLength: ct.length });
        d.setAuthTag(tag);
        const a = d.update(ct);
        const b = d.final();
        return b.length === 0
          ? new Uint8Array(a.buffer, a.byteOffset, a.length)
          : new Uint8Array(Buffer.concat([a, b]));
      }
      const d = createDecipheriv(cipher as 'aes-128-gcm', key, nonce);
      d.setAAD(aad);
      d.setAuthTag(tag);
      const a = d.update(ct);
      const b = d.final();
      return b.length === 0
        ? new Uint8Array(a.buffer, a.byteOffset, a.length)
        : new Uint8Array(Buffer.concat([a, b]));
    } catch {
      // The tag did not match (a wrong key or a damaged record).
      return null;
    }
  },
  cbc(cipher: TlsCipher, key, iv, data): Uint8Array {
    try {
      const d = createDecipheriv(cipher, key, iv);
      d.setAutoPadding(false);
      const a = d.update(data);
      const b = d.final();
      return new Uint8Array(Buffer.concat([a, b]));
    } catch {
      // Not whole blocks (a damaged record): nothing, which fails the MAC.
      return new Uint8Array(0);
    }
  },
  hash(hash: TlsHash, parts: readonly Uint8Array[]): Uint8Array {
    const h = createHash(hash);
    for (const p of parts) h.update(p);
    return new Uint8Array(h.digest());
  },
};
