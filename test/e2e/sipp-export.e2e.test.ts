/**
 * End to end, a call exported as SIPp scenarios from the ladder's Export row: browser mode served
 * for real, in headless Debian Chromium. The sample's first call: "SIPp caller" and "SIPp callee"
 * download the XML of each end (export:sipp), with the capture's gaps as pauses when "keep timing"
 * is checked; the buttons are not offered for a ladder of several calls. Screenshots (light and
 * dark) under test-results/screenshots/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Download, Page } from 'playwright-core';
import { requirePeer } from '../helpers/peers';
import { appNav, SHOTS_DIR, shootThemes, type ServedPage, openApp } from '../helpers/chromium';

const chromiumPath = requirePeer('chromium');

describe.skipIf(!chromiumPath)('SIPp scenarios from the ladder in Chromium', () => {
  let served: ServedPage;
  let page: Page;
  beforeAll(async () => ({ served, page } = await openApp(chromiumPath as string)));
  afterAll(() => served?.close());

  const { showLadder, showCalls, calls } = appNav(() => page);

  async function download(name: string): Promise<{ file: string; text: string }> {
    const [d] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name, exact: true }).click(),
    ]);
    const file = join(SHOTS_DIR, '..', 'exports', d.suggestedFilename());
    await d.saveAs(file);
    return { file: d.suggestedFilename(), text: readFileSync(file, 'utf8') };
  }

  it("downloads the caller's and the callee's scenario of the selected call", async () => {
    await page.getByTestId('sample-calls').click();
    await expect.poll(() => calls().count(), { timeout: 20_000 }).toBe(5);
    await calls().first().click();
    await showLadder();
    await expect.poll(() => page.getByTestId('ladder').locator('g.arrow').count()).toBe(13);
    const caller = await download('SIPp caller');
    expect(caller.file).toBe('sample-call-C1-sipp-caller.xml');
    expect(caller.text).toContain('127.0.0.10:5060 (caller · alice); 127.0.0.10:5060 as a SIPp client');
    expect(caller.text).toContain('<recv response="200" rrs="true">');
    const callee = await download('SIPp callee');
    expect(callee.file).toBe('sample-call-C1-sipp-callee.xml');
    expect(callee.text).toContain('127.0.0.30:5060 (callee · bob); 127.0.0.30:5060 as a SIPp server');
    expect(await page.getByRole('button', { name: 'SIPp caller' }).getAttribute('title')).toMatch(
      /^SIPp scenario \(caller side\)/,
    );
    await shootThemes(page, 'ladder-export-sipp');
    expect(served.errors).toEqual([]);
  });

  it("keep timing: the scenario pauses as long as the capture's gaps (the CLI's --keep-timing)", async () => {
    const box = page.getByRole('checkbox', { name: 'keep timing' });
    expect(await box.isChecked()).toBe(false);
    // without it: no pause in the caller's scenario of the sample's first call
    expect((await download('SIPp caller')).text).not.toContain('<pause');
    await box.check();
    const caller = await download('SIPp caller');
    // the BYE 808 ms after the ACK, as captured
    expect(caller.text).toMatch(/<pause milliseconds="808"\/>\s*<!-- BYE to the peer/);
    await shootThemes(page, 'ladder-export-sipp-timing');
    await box.uncheck();
    expect(served.errors).toEqual([]);
  });

  it('offers no SIPp export for a ladder of several calls', async () => {
    await showCalls();
    await calls().nth(0).click();
    await calls()
      .nth(3)
      .click({ modifiers: ['Control'] });
    await showLadder();
    await page.getByTestId('ladder-calls').waitFor();
    expect(await page.getByRole('button', { name: 'SVG', exact: true }).count()).toBe(1);
    expect(await page.getByRole('button', { name: 'SIPp caller' }).count()).toBe(0);
  });

  it("with the call's audio: the caller's RTP as a pcap next to its scenario, which plays it", async () => {
    await showCalls();
    await page.getByRole('button', { name: 'More samples' }).click();
    await page.getByTestId('samples-menu').getByRole('menuitem').nth(2).click();
    await page
      .getByTestId('capture-title')
      .filter({ hasText: 'sample-media.pcap' })
      .waitFor({ timeout: 20_000 });
    await expect.poll(() => calls().count(), { timeout: 20_000 }).toBe(3);
    await calls().nth(1).click();
    await showLadder();
    await expect.poll(() => page.getByTestId('ladder').locator('g.arrow').count()).toBeGreaterThan(13);
    const got: Download[] = [];
    const onDownload = (d: Download): void => void got.push(d);
    page.on('download', onDownload);
    await page.getByRole('button', { name: 'SIPp caller', exact: true }).click();
    await expect.poll(() => got.length, { timeout: 20_000 }).toBe(2);
    page.off('download', onDownload);
    expect(got.map((d) => d.suggestedFilename())).toEqual([
      'sample-media-C2-sipp-caller.xml',
      'sample-media-C2-sipp-caller-rtp.pcap',
    ]);
    const dir = join(SHOTS_DIR, '..', 'exports');
    const [xml, pcap] = await Promise.all(
      got.map(async (d) => {
        const file = join(dir, d.suggestedFilename());
        await d.saveAs(file);
        return readFileSync(file);
      }),
    );
    expect(xml!.toString('utf8')).toContain('<exec play_pcap_audio="sample-media-C2-sipp-caller-rtp.pcap"/>');
    // a classic pcap of Ethernet frames: 88 RTP packets (12 + 240 octets: 30 ms of G.711) in UDP/IPv4
    expect(pcap!.readUInt32LE(0)).toBe(0xa1b2c3d4);
    expect(pcap!.readUInt32LE(20)).toBe(1);
    expect(pcap!.length).toBe(24 + 88 * (16 + 14 + 20 + 8 + 12 + 240));
    expect(await page.getByRole('button', { name: 'SIPp caller' }).getAttribute('title')).toMatch(
      /with the RTP it sent as a pcap the scenario plays/,
    );
    expect(served.errors).toEqual([]);
  });
});
