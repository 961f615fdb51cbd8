/**
 * "Decrypt TLS… (key log file)": a capture whose SIP rides TLS opens with `tls-encrypted` and no
 * messages; `capture:decryptTls` with the session's key log opens the same file again decrypted (the
 * old capture closed, the file unchanged); a text without secrets, or an unknown capture, is refused.
 * The same with a server's RSA private key (`tlsKey`, PEM or DER in base64; TLS 1.2 with RSA key
 * exchange): decrypted; a wrong key is tls-decrypt-failed; a file that is no key, a bad address refused.
 * The fixtures are real openssl s_server/s_client sessions on loopback (test/fixtures/tls).
 */
import { createHash, createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createHost } from '../../src/main/service/create-host';
import { setDefaultKeylog } from '../../src/sip-core/capture/tls/keylog-file.node.js';
import { ApiError, Invoke } from '../../src/shared/api';
import { validateRequest } from '../../src/shared/validate';

// (no SSLKEYLOGFILE of the machine running the tests: the capture must open encrypted)
setDefaultKeylog(null);
const host = createHost({ mode: 'browser', recentFile: null });
afterAll(() => host.dispose());
const dir = resolve(__dirname, '../fixtures/tls');
const sha = (f: string): string => createHash('sha256').update(readFileSync(f)).digest('hex');

describe('capture:decryptTls', () => {
  it('opens a TLS capture again with its key log: the SIP inside, the old capture closed, the file unchanged', async () => {
    const file = resolve(dir, 'tls13-aes128gcm.pcapng');
    const before = sha(file);
    const enc = await host.invoke(Invoke.captureOpenPath, { path: file });
    expect(enc.messages).toBe(0);
    expect(enc.diagnostics.map((d) => d.code)).toContain('tls-encrypted');
    const keylog = readFileSync(resolve(dir, 'tls13-aes128gcm.keys'), 'utf8');
    const dec = await host.invoke(Invoke.captureDecryptTls, { captureId: enc.id, keylog });
    expect(dec.id).not.toBe(enc.id);
    expect(dec.name).toBe(enc.name);
    expect(dec.messages).toBe(2);
    expect(dec.diagnostics.map((d) => d.code)).not.toContain('tls-encrypted');
    const page = await host.invoke(Invoke.messagesPage, { captureId: dec.id, offset: 0, limit: 10 });
    expect(page.items.map((r) => [r.transport, r.method ?? r.status])).toEqual([
      ['TLS', 'INVITE'],
      ['TLS', 200],
    ]);
    const open = (await host.invoke(Invoke.captureList, null)).map((c) => c.id);
    expect(open).toContain(dec.id);
    expect(open).not.toContain(enc.id);
    expect(sha(file)).toBe(before);
  });

  it('refuses a text with no TLS secret, an unknown capture and a request that is not one', async () => {
    const enc = await host.invoke(Invoke.captureOpenPath, { path: resolve(dir, 'tls12-chacha20.pcap') });
    await expect(
      host.invoke(Invoke.captureDecryptTls, { captureId: enc.id, keylog: 'hello\nCLIENT_RANDOM zz 00\n' }),
    ).rejects.toThrow(/no TLS secrets in the key log \(1 malformed lines\)/);
    await expect(
      host.invoke(Invoke.captureDecryptTls, { captureId: 'cap999', keylog: 'x' }),
    ).rejects.toBeInstanceOf(ApiError);
    // still open, still encrypted
    expect((await host.invoke(Invoke.captureList, null)).map((c) => c.id)).toContain(enc.id);
    expect(() => validateRequest(Invoke.captureDecryptTls, { captureId: enc.id })).toThrow(/keylog/);
    expect(() => validateRequest(Invoke.captureDecryptTls, { captureId: enc.id, keylog: '' })).toThrow(
      /keylog/,
    );
    expect(() =>
      validateRequest(Invoke.captureDecryptTls, { captureId: enc.id, keylog: 'k', path: '/etc/passwd' }),
    ).toThrow(/unexpected field "path"/);
  });
});

describe('capture:decryptTls with a server RSA private key (tlsKey)', () => {
  const file = resolve(dir, 'tls12-rsa-aes128cbc.pcapng');
  const pem = readFileSync(resolve(dir, 'tls12-rsa.key'));
  const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64');
  const der = new Uint8Array(createPrivateKey(pem).export({ format: 'der', type: 'pkcs1' }));

  it('PEM unbound, or PKCS#1 DER bound to the server: both connections (one resumed by ticket) decrypted, the file unchanged', async () => {
    const before = sha(file);
    for (const tlsKey of [{ data: b64(pem) }, { data: b64(der), server: '127.0.0.1:5061' }]) {
      const enc = await host.invoke(Invoke.captureOpenPath, { path: file });
      expect(enc.messages).toBe(0);
      expect(enc.diagnostics.map((d) => d.code)).toEqual(['tls-encrypted', 'tls-encrypted']);
      const dec = await host.invoke(Invoke.captureDecryptTls, { captureId: enc.id, tlsKey });
      expect(dec.messages).toBe(4);
      expect(dec.diagnostics).toEqual([]);
      const page = await host.invoke(Invoke.messagesPage, { captureId: dec.id, offset: 0, limit: 10 });
      expect(page.items.map((r) => [r.transport, r.method ?? r.status])).toEqual([
        ['TLS', 'INVITE'],
        ['TLS', 200],
        ['TLS', 'INVITE'],
        ['TLS', 200],
      ]);
      await host.invoke(Invoke.captureClose, { captureId: dec.id });
    }
    expect(sha(file)).toBe(before);
  });

  it('a wrong key: tls-decrypt-failed naming the ClientKeyExchange; no key, an EC key, a bad address or field: refused', async () => {
    const enc = await host.invoke(Invoke.captureOpenPath, { path: file });
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const wrong = await host.invoke(Invoke.captureDecryptTls, {
      captureId: enc.id,
      tlsKey: { data: b64(new Uint8Array(other.export({ format: 'der', type: 'pkcs8' }))) },
    });
    expect(wrong.messages).toBe(0);
    expect(wrong.diagnostics.map((d) => d.code)).toEqual(['tls-decrypt-failed', 'tls-encrypted']);
    expect(wrong.diagnostics[0]!.message).toMatch(
      /the ClientKeyExchange's pre-master secret \(TLS_RSA_WITH_AES_128_CBC_SHA, client random [0-9a-f]{64}\) does not decrypt with the RSA key the_private_key_file given for server 127\.0\.0\.1:5061/,
    );
    const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
    await expect(
      host.invoke(Invoke.captureDecryptTls, {
        captureId: wrong.id,
        tlsKey: { data: b64(Buffer.from('hello')) },
      }),
    ).rejects.toThrow(/the private key file: not an RSA private key that can be read/);
    await expect(
      host.invoke(Invoke.captureDecryptTls, {
        captureId: wrong.id,
        tlsKey: { data: b64(Buffer.from(ec.export({ format: 'pem', type: 'pkcs8' }) as string)) },
      }),
    ).rejects.toThrow(/a ec key; only RSA keys/);
    await expect(
      host.invoke(Invoke.captureDecryptTls, {
        captureId: wrong.id,
        tlsKey: { data: b64(pem), server: '999.1.1.1:5061' },
      }),
    ).rejects.toThrow(/"999\.1\.1\.1:5061" is not a server address/);
    expect((await host.invoke(Invoke.captureList, null)).map((c) => c.id)).toContain(wrong.id);
    const v = (req: unknown): void => validateRequest(Invoke.captureDecryptTls, req as never);
    expect(() => v({ captureId: wrong.id, tlsKey: { data: 'a b' } })).toThrow(/tlsKey\.data/);
    expect(() => v({ captureId: wrong.id, tlsKey: 'x' })).toThrow(/tlsKey/);
    expect(() => v({ captureId: wrong.id, tlsKey: { data: 'AAAA', server: 'host:1' } })).toThrow(
      /tlsKey\.server/,
    );
    expect(() => v({ captureId: wrong.id, tlsKey: { data: 'AAAA', path: '/etc' } })).toThrow(
      /unexpected field "tlsKey\.path"/,
    );
    expect(() => v({ captureId: wrong.id, tlsKey: { data: 'AAAA' } })).not.toThrow();
  });
});
