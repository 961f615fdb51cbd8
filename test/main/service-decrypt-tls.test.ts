/**
 * "Decrypt TLS… (key log file)": a capture whose SIP rides TLS opens with `tls-encrypted` and no
 * messages; `capture:decryptTls` with the session's key log opens the same file again decrypted (the
 * old capture closed, the file unchanged); a text without secrets, or an unknown capture, is refused.
 * The fixtures are real openssl s_server/s_client sessions on loopback (test/fixtures/tls).
 */
import { createHash } from 'node:crypto';
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
