/**
 * End to end, the calls list's Media column: browser mode served for real, in headless Chromium. A
 * capture of three calls with RTP (test/helpers/rtp-capture.ts): both ways with 10% of one direction
 * lost, callee → caller only, caller → callee only. Chosen in the column chooser, the column says
 * each call's media in a few words, sorts the one-way calls first, and the Diag column counts the
 * media rules (the problems row lists the same calls). Screenshots, light and dark, under
 * test-results/screenshots/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { requirePeer } from '../helpers/peers';
import { SHOTS_DIR, servePage, type ServedPage } from '../helpers/chromium';
import { mediaCapture } from '../helpers/rtp-capture';

const chromiumPath = requirePeer('chromium');

describe.skipIf(!chromiumPath)("the calls list's Media column, in Chromium", () => {
  let served: ServedPage;
  let page: Page;
  const file = join(mkdtempSync(join(tmpdir(), 'sipscope-calls-media-e2e-')), 'media.pcap');

  beforeAll(async () => {
    writeFileSync(
      file,
      mediaCapture(
        {
          callId: 'both-ways',
          forward: { packets: 50 },
          reverse: { packets: 50, drop: (i) => i % 10 === 5 },
        },
        { callId: 'to-caller', caller: 3, callee: 4, startUs: 3_000_000, reverse: { packets: 60 } },
        { callId: 'to-callee', caller: 5, callee: 6, startUs: 6_000_000, forward: { packets: 60 } },
      ),
    );
    served = await servePage(chromiumPath as string);
    page = served.page;
    await page.goto(served.server.url);
  });

  afterAll(async () => {
    await served?.close();
  });

  const rows = (): ReturnType<Page['locator']> => page.getByTestId('calls-table').locator('tr.msg');
  const headers = (): Promise<string[]> => page.getByTestId('calls-table').locator('th').allTextContents();
  /** Column `name`'s cells, top to bottom. */
  const column = async (name: string): Promise<string[]> => {
    const i = (await headers()).findIndex((h) => h.trim().startsWith(name));
    return rows().evaluateAll((trs, n) => trs.map((tr) => tr.children[n]?.textContent?.trim() ?? ''), i);
  };

  it('says each call’s media, sorts by it, and Diag counts the media rules', async () => {
    await served.host.openPath(file, { remember: false });
    await expect.poll(() => rows().count(), { timeout: 20_000 }).toBe(3);
    await page.getByTestId('columns-button').click();
    const panel = page.getByTestId('columns-panel');
    await panel.getByRole('checkbox', { name: 'Media', exact: true }).check();
    // (room for it in the pane of a 1400 px window)
    await panel.getByRole('checkbox', { name: 'PDD', exact: true }).uncheck();
    await panel.getByRole('checkbox', { name: 'Duration', exact: true }).uncheck();
    await page.keyboard.press('Escape');
    await expect.poll(() => column('Media')).toEqual(['two-way 10%', 'one-way ←', 'one-way →']);
    // Each one-way call breaks one-way-media: Diag counts it beside its messages' (NAT rules here),
    // and the problems row lists the two calls.
    const diag = (await column('Diag')).map(Number);
    expect(diag[1]).toBeGreaterThan(0);
    expect(diag[2]).toBeGreaterThan(0);
    const problems = await page.getByTestId('calls-problems').textContent();
    expect(problems).toMatch(/one-way media\D*2/i);
    await page.screenshot({ path: join(SHOTS_DIR, 'calls-media-column.png') });
    await page.getByRole('button', { name: /^Media/ }).click();
    await expect.poll(() => column('Media')).toEqual(['one-way ←', 'one-way →', 'two-way 10%']);
    // The dark theme ('t').
    await page.locator('body').press('t');
    expect(await page.locator('html').getAttribute('data-theme')).toBe('dark');
    await page.screenshot({ path: join(SHOTS_DIR, 'calls-media-column-dark.png') });
    await page.locator('body').press('t');
    expect(served.errors).toEqual([]);
  });

  it('on a public capture with RTP (Asterisk, ZFONE, X-Lite)', async () => {
    const zfone = '/work/shared/captures/public/ws__Asterisk_ZFONE_XLITE.pcap';
    if (!existsSync(zfone)) return;
    await served.host.openPath(zfone, { remember: false });
    await expect
      .poll(() => page.getByTestId('capture-title').textContent(), { timeout: 20_000 })
      .toContain('ZFONE');
    await expect
      .poll(async () => (await column('Media')).some((t) => t !== ''), { timeout: 20_000 })
      .toBe(true);
    await page.screenshot({ path: join(SHOTS_DIR, 'calls-media-zfone.png') });
    await page.locator('body').press('t');
    await page.screenshot({ path: join(SHOTS_DIR, 'calls-media-zfone-dark.png') });
    await page.locator('body').press('t');
  });
});
