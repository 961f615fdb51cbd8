/**
 * End to end, a large capture in the app while it is still read: browser mode served for real, in
 * headless Chromium. The calls list shows calls under the reading progress banner before the open
 * ends and grows; a call selected meanwhile shows its ladder; once read, every call is listed.
 * The capture (bench/tools/gen-sip-capture.ts, 768 MB: its read takes seconds, so a loaded machine's Chromium has time to draw) is written to a temp dir and removed.
 * Screenshots, light and dark, under test-results/screenshots/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { generate } from '../../bench/tools/gen-sip-capture';
import { requirePeer } from '../helpers/peers';
import { appNav, servePage, shootThemes, type ServedPage } from '../helpers/chromium';

const chromiumPath = requirePeer('chromium');

describe.skipIf(!chromiumPath)('a capture listed while it is read, in Chromium', () => {
  let served: ServedPage;
  let page: Page;
  let dir = '';
  let file = '';
  let calls = 0;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sipscope-open-reading-e2e-'));
    file = join(dir, 'big.pcap');
    calls = generate(file, 768).calls;
    served = await servePage(chromiumPath as string);
    page = served.page;
    await page.goto(served.server.url);
  }, 120_000);

  afterAll(async () => {
    await served?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const nav = appNav(() => page);
  const statusCalls = async (): Promise<number> => {
    const t = (await page.locator('footer.status').textContent()) ?? '';
    const m = /([\d,]+) calls?/.exec(t);
    return m ? Number(m[1]!.replace(/,/g, '')) : -1;
  };

  it('lists calls under the reading banner before the open ends, then every call', async () => {
    // The page's asks as the host answers them (a loaded machine's Chromium may draw late: what it
    // asked, and when the answer left, tells whether the list was served during the read).
    const answered: { channel: string; during: boolean }[] = [];
    let opened = false;
    const invoke = served.host.invoke.bind(served.host);
    served.host.invoke = (async (channel: never, req: unknown) => {
      const r = await invoke(channel, req);
      answered.push({ channel, during: !opened });
      return r;
    }) as typeof invoke;
    const opening = served.host.openPath(file, { remember: false }).then((s) => {
      opened = true;
      return s;
    });
    // Rows and the status bar's `reading…` on the page at the same moment (asked in one evaluate).
    const drawnWhileReading = (): Promise<number> =>
      page.evaluate<number>(
        `document.querySelector('[data-testid="reading"]')
          ? document.querySelectorAll('[data-testid="calls-table"] tr.msg').length
          : 0`,
      );
    let seen = 0;
    const until = performance.now() + 60_000;
    while (!opened && seen === 0 && performance.now() < until) {
      seen = await drawnWhileReading();
      if (seen === 0) await new Promise((r) => setTimeout(r, 100));
    }
    const served1 = answered.find((a) => a.channel === 'calls:query');
    expect(served1?.during, 'the first calls page was answered after the open ended').toBe(true);
    if (seen > 0) {
      const first = await statusCalls();
      expect(first).toBeGreaterThan(0);
      expect(first).toBeLessThanOrEqual(calls);
      if (!opened) await shootThemes(page, 'open-reading');
    } else console.warn('[note] Chromium drew the first rows after the read ended (a loaded machine)');
    await nav.calls().first().waitFor({ timeout: 60_000 });

    // A call selected while reading: its ladder (the call as read so far).
    await nav.calls().first().click();
    await nav.showLadder();
    await expect
      .poll(() => page.getByTestId('ladder').locator('g.arrow').count(), { timeout: 60_000 })
      .toBeGreaterThan(0);
    if (!opened) await shootThemes(page, 'open-reading-ladder');
    await nav.showCalls();

    // Once read, every call.
    const summary = await opening;
    expect(summary.calls).toBe(calls);
    await expect.poll(statusCalls, { timeout: 60_000 }).toBe(calls);
    await expect.poll(() => page.getByText(/Reading/).count(), { timeout: 30_000 }).toBe(0);
    expect(served.errors).toEqual([]);
  }, 240_000);
});
