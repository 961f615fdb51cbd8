/**
 * End to end, SIP over TLS decrypted from the app: browser mode served for real, in headless Debian
 * Chromium. A capture of a real openssl TLS 1.3 session (test/fixtures/tls) opened by upload shows
 * `tls-encrypted` and no messages, with "Decrypt TLS… (key log or private key)"; picking the session's key log
 * opens it again with its INVITE and 200 over TLS. The same with a TLS 1.2 RSA key exchange capture and
 * the server's private key file (PEM) picked instead. Screenshots (light and dark) under
 * test-results/screenshots/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { requirePeer } from '../helpers/peers';
import { servePage, type ServedPage, shootThemes } from '../helpers/chromium';

const chromiumPath = requirePeer('chromium');
const dir = resolve(__dirname, '../fixtures/tls');

describe.skipIf(!chromiumPath)('Decrypt TLS… in Chromium', () => {
  let served: ServedPage;
  let page: Page;

  beforeAll(async () => {
    served = await servePage(chromiumPath as string);
    page = served.page;
    await page.goto(served.server.url);
  });

  afterAll(async () => {
    await served?.close();
  });

  const shoot = (name: string): Promise<void> => shootThemes(page, name);

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
});
