/**
 * End to end, a call's digits in its summary: browser mode served for real, in headless Debian
 * Chromium. A call built in memory (test/helpers/dtmf-capture.ts) whose caller presses 1 2 as RFC 4733
 * events and whose callee answers 9 # by SIP INFO: the call summary lists them in order with the side,
 * the method and the call time, and the caller's stream in the inspector lists its events.
 * Screenshots (light and dark) under test-results/screenshots/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { requirePeer } from '../helpers/peers';
import { appNav, servePage, type ServedPage, shootThemes } from '../helpers/chromium';
import { digitPackets, dtmfCapture } from '../helpers/dtmf-capture';

const chromiumPath = requirePeer('chromium');

describe.skipIf(!chromiumPath)("a call's digits in its summary, in Chromium", () => {
  let served: ServedPage;
  let page: Page;
  const file = join(mkdtempSync(join(tmpdir(), 'sipscope-dtmf-e2e-')), 'dtmf.pcap');

  beforeAll(async () => {
    writeFileSync(
      file,
      dtmfCapture(
        [...digitPackets(1, 0, 8000), ...digitPackets(2, 300_000, 10400)],
        [
          { us: 700_000, digit: '9' },
          { us: 760_000, digit: '#' },
        ],
      ),
    );
    served = await servePage(chromiumPath as string);
    page = served.page;
    await page.goto(served.server.url);
  });

  afterAll(async () => {
    await served?.close();
  });

  const { showLadder, showCalls, calls } = appNav(() => page);
  const shoot = (name: string): Promise<void> => shootThemes(page, name);

  it('lists the digits each side sent, in order, with the method and the call time', async () => {
    await served.host.openPath(file, { remember: false });
    await expect.poll(() => calls().count(), { timeout: 20_000 }).toBe(1);
    await calls().first().click();
    await showLadder();
    const dtmf = page.getByTestId('call-dtmf');
    await expect.poll(() => dtmf.count(), { timeout: 10_000 }).toBe(1);
    expect(await dtmf.locator('.dtmf-run').allTextContents()).toEqual([
      'caller pressed 1 2 at 00:00.2 (RTP events (RFC 4733))',
      'callee pressed 9 # at 00:00.9 (SIP INFO)',
    ]);
    // The ladder marks the digits on the events' RTP arrow.
    const labels = await page.getByTestId('ladder').locator('g.arrow text.label').allTextContents();
    // (the digits before the counts: the label is cut after a whole word to the arrow's width)
    expect(labels.filter((l) => /^RTP telephone-event · DTMF 1 2 ·/.test(l))).toHaveLength(1);
    // The callee's INFOs name their digit (the retransmitted copy too).
    expect(labels.filter((l) => l.startsWith('INFO · DTMF 9'))).toHaveLength(2);
    expect(labels.filter((l) => l.startsWith('INFO · DTMF #'))).toHaveLength(2);
    await shoot('dtmf-summary');
  });

  it("lists the caller's stream's events in the stream inspector", async () => {
    await page.getByTestId('call-media').locator('button.stream', { hasText: 'telephone-event' }).click();
    const events = page.getByTestId('stream-events');
    await expect.poll(() => events.count(), { timeout: 10_000 }).toBe(1);
    expect(await events.locator('td.digit').allTextContents()).toEqual(['1', '2']);
    const text = (await events.textContent()) ?? '';
    expect(text).toContain('payload type 101');
    expect(text).toMatch(/frame \d+\s*200 ms\s*−10 dBm0\s*7\s\(3 end\)/);
    await events.scrollIntoViewIfNeeded();
    await shoot('dtmf-stream-events');
  });

  it("shows the digits in the calls list's DTMF column (off by default), filterable by call.dtmf", async () => {
    await showCalls();
    const headers = (): Promise<string[]> =>
      page.getByTestId('calls-table').locator('thead th').allTextContents();
    expect((await headers()).some((h) => h.trim().startsWith('DTMF'))).toBe(false);
    await page.getByTestId('columns-button').click();
    const panel = page.getByTestId('columns-panel');
    await panel.getByRole('checkbox', { name: 'DTMF', exact: true }).check();
    // (room for it in the pane of a 1400 px window)
    await panel.getByRole('checkbox', { name: 'PDD', exact: true }).uncheck();
    await panel.getByRole('checkbox', { name: 'Duration', exact: true }).uncheck();
    await page.keyboard.press('Escape');
    const i = (await headers()).findIndex((h) => h.trim().startsWith('DTMF'));
    expect(i).toBeGreaterThan(0);
    const cell = (): Promise<string> =>
      calls()
        .first()
        .evaluate((tr, n) => tr.children[n]?.textContent?.trim() ?? '', i);
    await expect.poll(cell, { timeout: 10_000 }).toBe('1 2 9 #');
    await shoot('dtmf-calls-column');
    // Leave the chooser as it was for the other tests (it is remembered).
    await page.getByTestId('columns-button').click();
    await panel.getByRole('checkbox', { name: 'DTMF', exact: true }).uncheck();
    await panel.getByRole('checkbox', { name: 'PDD', exact: true }).check();
    await panel.getByRole('checkbox', { name: 'Duration', exact: true }).check();
    await page.keyboard.press('Escape');
  });
});
