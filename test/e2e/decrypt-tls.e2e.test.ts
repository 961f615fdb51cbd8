/**
 * End to end, SIP over TLS decrypted from the app: browser mode served for real, in headless Debian
 * Chromium. A capture of a real openssl TLS 1.3 session (test/fixtures/tls) opened by upload shows
 * `tls-encrypted` and no messages, with "Decrypt TLS… (key log or private key)"; picking the session's key log
 * opens it again with its INVITE and 200 over TLS. The same with a TLS 1.2 RSA key exchange capture and
 * the server's private key file (PEM) picked instead. Then a capture made here with real openssl peers
 * (dumpcap on lo) of three TLS servers — TLS 1.0 and TLS 1.1 with RSA key exchange, each its own key,
 * and one ECDHE — whose first notices name each suite: a private key is bound to the server it is for
 * (the app asks which server, or any; the ECDHE one cannot be chosen), a typed address is checked, and
 * the app says what each key decrypted. Screenshots (light and dark) under
 * test-results/screenshots/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { requirePeer } from '../helpers/peers';
import { type ServedPage, shootThemes, openApp } from '../helpers/chromium';
import { capturingLo, opensslExchange, selfSignedCert } from '../interop/helpers/openssl-tls';

const chromiumPath = requirePeer('chromium');
const openssl = requirePeer('openssl');
const dumpcap = requirePeer('dumpcap');
const dir = resolve(__dirname, '../fixtures/tls');
const PORT = 30100 + (process.pid % 50) * 4;

describe.skipIf(!chromiumPath)('Decrypt TLS… in Chromium', () => {
  let served: ServedPage;
  let page: Page;
  beforeAll(async () => ({ served, page } = await openApp(chromiumPath as string)));
  afterAll(() => served?.close());

  const shoot = async (name: string): Promise<void> => {
    // (a focused form field keeps the theme key to itself)
    await page.evaluate('document.activeElement?.blur()');
    await shootThemes(page, name);
  };

  it('offers the key log on an encrypted capture and shows the SIP inside once given', async () => {
    await page.getByTestId('file-input').setInputFiles(resolve(dir, 'tls13-aes128gcm.pcapng'));
    const notice = page.getByTestId('file-diagnostics');
    await expect.poll(() => notice.textContent(), { timeout: 20_000 }).toContain('tls-encrypted');
    const rows = page.getByTestId('messages-table').locator('tr.msg');
    expect(await rows.count()).toBe(0);
    await shoot('tls-encrypted');
    await page.getByTestId('keylog-input').setInputFiles(resolve(dir, 'tls13-aes128gcm.keys'));
    await expect.poll(() => rows.count(), { timeout: 20_000 }).toBe(2);
    expect(await page.getByTestId('decrypt-tls').count()).toBe(0);
    const text = (await rows.allTextContents()).join('\n');
    expect(text).toMatch(/TLS\s*INVITE/);
    expect(text).toMatch(/TLS\s*200 OK/);
    await shoot('tls-decrypted');
  });

  it("takes the server's RSA private key instead of a key log (TLS 1.2, RSA key exchange)", async () => {
    await page.getByTestId('file-input').setInputFiles(resolve(dir, 'tls12-rsa-aes128cbc.pcapng'));
    const notice = page.getByTestId('file-diagnostics');
    await expect.poll(() => notice.textContent(), { timeout: 20_000 }).toContain('tls-encrypted');
    expect(await page.getByTestId('decrypt-tls').textContent()).toContain(
      'Decrypt TLS… (key log or private key)',
    );
    await shoot('tls-rsa-encrypted');
    await page.getByTestId('keylog-input').setInputFiles(resolve(dir, 'tls12-rsa.key'));
    const rows = page.getByTestId('messages-table').locator('tr.msg');
    await expect.poll(() => rows.count(), { timeout: 20_000 }).toBe(4);
    expect(await page.getByTestId('decrypt-tls').count()).toBe(0);
    const text = (await rows.allTextContents()).join('\n');
    expect(text.match(/TLS\s*INVITE/g)).toHaveLength(2);
    await shoot('tls-rsa-decrypted');
  });

  it.skipIf(!openssl || !dumpcap)(
    'binds a private key to the server it is for: three servers (TLS 1.0 RSA, TLS 1.1 RSA, ECDHE), two keys, said what each decrypted',
    async () => {
      const tmp = mkdtempSync(join(tmpdir(), 'sipscope-e2e-tls-bind-'));
      try {
        const a = selfSignedCert(openssl!, tmp, 'a', ['rsa:2048']);
        const b = selfSignedCert(openssl!, tmp, 'b', ['rsa:2048']);
        const pcap = join(tmp, 'three-servers.pcapng');
        const servers: [string, string[], string][] = [
          ['tls10-rsa', ['-tls1', '-cipher', 'AES128-SHA:@SECLEVEL=0'], 'a'],
          ['tls11-rsa', ['-tls1_1', '-cipher', 'AES256-SHA:@SECLEVEL=0'], 'b'],
          ['ecdhe', ['-tls1_2', '-cipher', 'ECDHE-RSA-AES128-GCM-SHA256'], 'a'],
        ];
        await capturingLo(dumpcap!, `tcp portrange ${PORT}-${PORT + 2}`, pcap, 90_000, async () => {
          for (let i = 0; i < servers.length; i++) {
            const [name, args, k] = servers[i]!;
            const cert = k === 'a' ? a : b;
            await opensslExchange(
              openssl!,
              PORT + i,
              ['-cert', cert.cert, '-key', cert.key, ...args],
              [{ name, args }],
            );
          }
        });
        // (the key files as a user has them: PKCS#8 PEM)
        execFileSync(openssl!, ['pkey', '-in', a.key, '-out', join(tmp, 'sbc.key')]);
        execFileSync(openssl!, ['pkey', '-in', b.key, '-out', join(tmp, 'pbx.key')]);

        await page.getByTestId('file-input').setInputFiles(pcap);
        const notice = page.getByTestId('file-diagnostics');
        await expect
          .poll(() => notice.textContent(), { timeout: 20_000 })
          .toMatch(/tls-encrypted[^]*tls-encrypted[^]*tls-encrypted/);
        const rows = page.getByTestId('messages-table').locator('tr.msg');
        expect(await rows.count()).toBe(0);

        // The notices name each suite: two RSA servers, one ECDHE.
        const first = (await notice.textContent()) ?? '';
        expect(first.match(/uses RSA key exchange, the server's private key/g)).toHaveLength(2);
        expect(first).toContain(
          'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 uses ECDHE key exchange (forward secrecy)',
        );
        // The first key: two RSA servers: "any" chosen, the ECDHE one not choosable; the user picks the first.
        await page.getByTestId('keylog-input').setInputFiles(join(tmp, 'sbc.key'));
        const form = page.getByTestId('tls-key-server');
        await expect.poll(() => form.count(), { timeout: 10_000 }).toBe(1);
        const radio = (v: string) => form.locator(`input[type=radio][value="${v}"]`);
        expect(await radio('').isChecked()).toBe(true);
        for (let i = 0; i < 2; i++) expect(await radio(`127.0.0.1:${PORT + i}`).isEnabled()).toBe(true);
        expect(await radio(`127.0.0.1:${PORT + 2}`).isDisabled()).toBe(true);
        await radio(`127.0.0.1:${PORT}`).check();
        await shoot('tls-bind-choose');
        await form.getByRole('button', { name: 'Decrypt' }).click();
        await expect.poll(() => rows.count(), { timeout: 20_000 }).toBe(2);
        const said = page.getByTestId('tls-decrypted');
        expect(await said.textContent()).toBe(
          `sbc.key (for 127.0.0.1:${PORT}): 2 SIP messages decrypted (2 in all); 2 TLS notices left below (what is still encrypted, and why)`,
        );
        const left = (await notice.textContent()) ?? '';
        expect(left).toContain(
          `no RSA key given for server 127.0.0.1:${PORT + 1} (TLS_RSA_WITH_AES_256_CBC_SHA)`,
        );
        expect(left).toContain('uses ECDHE key exchange (forward secrecy)');
        await shoot('tls-bind-first');

        // The second key: the RSA server without a key is chosen, the ECDHE one cannot be; a typed address is checked.
        await page.getByTestId('keylog-input').setInputFiles(join(tmp, 'pbx.key'));
        await expect.poll(() => form.count(), { timeout: 10_000 }).toBe(1);
        expect(await radio(`127.0.0.1:${PORT + 1}`).isChecked()).toBe(true);
        expect(await radio(`127.0.0.1:${PORT + 2}`).isDisabled()).toBe(true);
        const typed = form.getByRole('textbox', { name: 'server address' });
        await typed.fill('127.0.0.1:99999');
        expect(await radio('*').isChecked()).toBe(true);
        await expect
          .poll(() => form.getByRole('alert').textContent())
          .toContain('"127.0.0.1:99999" is not a server address');
        expect(await form.getByRole('button', { name: 'Decrypt' }).isDisabled()).toBe(true);
        await shoot('tls-bind-invalid');
        await typed.fill(`127.0.0.1:${PORT + 1}`);
        await form.getByRole('button', { name: 'Decrypt' }).click();
        await expect.poll(() => rows.count(), { timeout: 20_000 }).toBe(4);
        expect(await said.textContent()).toBe(
          `pbx.key (for 127.0.0.1:${PORT + 1}): 2 SIP messages decrypted (4 in all); 1 TLS notice left below (what is still encrypted, and why)`,
        );
        const text = (await rows.allTextContents()).join('\n');
        expect(text.match(/TLS\s*INVITE/g)).toHaveLength(2);
        await shoot('tls-bind-second');
      } finally {
        rmSync(tmp, { recursive: true, force: true });
      }
    },
    180_000,
  );
});
