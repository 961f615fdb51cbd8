/** The TLS decoder's primitives from node:crypto (the core itself has none: tls-crypto.ts). */
import {
  constants,
  createDecipheriv,
  createHash,
  createHmac,
  createPrivateKey,
  privateDecrypt,
  type KeyObject,
} from 'node:crypto';
import type { TlsCipher, TlsCrypto, TlsHash } from './tls-crypto';
import { RSA_COMPONENTS, type RsaPrivateKey } from './rsa';

/** Each key's node:crypto object, made once from its components (a JWK). */
const keyObjects = new WeakMap<RsaPrivateKey, KeyObject>();

function keyObject(k: RsaPrivateKey): KeyObject {
  let o = keyObjects.get(k);
  if (!o) {
    const b64 = (x: bigint): string => {
      let hex = x.toString(16);
      if (hex.length % 2) hex = '0' + hex;
      return Buffer.from(hex, 'hex').toString('base64url');
    };
    const jwk: Record<string, string> = { kty: 'RSA' };
    for (const c of RSA_COMPONENTS) jwk[c] = b64(k[c]);
    o = createPrivateKey({ key: jwk, format: 'jwk' });
    keyObjects.set(k, o);
  }
  return o;
}

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
  // Raw RSA (no padding: Node 20 refuses PKCS#1 v1.5 here since the Marvin fix; rsa.ts checks the
  // padding itself): OpenSSL's RSADP, ~13x faster than rsa.ts's BigInt on a 2048-bit key.
  rsaDecryptRaw(k: RsaPrivateKey, c: Uint8Array): Uint8Array | null {
    try {
      const out = privateDecrypt({ key: keyObject(k), padding: constants.RSA_NO_PADDING }, c);
      return out.length === k.bytes ? new Uint8Array(out.buffer, out.byteOffset, out.length) : null;
    } catch {
      // Not below the modulus, or a key OpenSSL refuses: as rsa.ts would, no message.
      return null;
    }
  },
};
