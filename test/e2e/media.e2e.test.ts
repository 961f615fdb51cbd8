/**
 * End to end, a call's RTP on its ladder: browser mode served for real, in headless Debian Chromium.
 * A capture of two calls with RTP beside their SIP (made in memory, test/helpers/rtp-capture.ts):
 * one with media both ways and 10% of one direction lost, one with media one way only. The ladder
 * draws each stream at its first packet between its hosts' lanes, the call summary gives the verdict
 * and each stream in a chip, a stream clicked shows its analysis under the ladder (packets, lost,
 * jitter), and the one-way call names its problem with the RFC. Screenshots under
 * test-results/screenshots/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { requirePeer } from '../helpers/peers';
import { appNav, SHOTS_DIR, servePage, type ServedPage } from '../helpers/chromium';
import { mediaCapture } from '../helpers/rtp-capture';

const chromiumPath = requirePeer('chromium');

describe.skipIf(!chromiumPath)("a call's RTP on its ladder, in Chromium", () => {
  let served: ServedPage;
  let page: Page;
  const file = join(mkdtempSync(join(tmpdir(), 'sipscope-media-e2e-')), 'media.pcap');

  beforeAll(async () => {
    writeFileSync(
      file,
      mediaCapture(
        {
          callId: 'both-ways',
          forward: { packets: 50 },
          reverse: { packets: 50, drop: (i) => i % 10 === 5 },
        },
        { callId: 'one-way', caller: 3, callee: 4, startUs: 3_000_000, forward: { packets: 60 } },
      ),
    );
    served = await servePage(chromiumPath as string);
    page = served.page;
    await page.goto(served.server.url);
  });

  afterAll(async () => {
    await served?.close();
  });

  const { showLadder, showCalls, calls, mediaArrows } = appNav(() => page);

  it('draws both streams of a call at their first packets, and the summary says media flowed both ways', async () => {
    await served.host.openPath(file, { remember: false });
    await expect
      .poll(() => page.getByTestId('capture-title').textContent(), { timeout: 20_000 })
      .toContain('media.pcap');
    await expect.poll(() => calls().count(), { timeout: 20_000 }).toBe(2);
    await calls().first().click();
    await showLadder();
    await expect.poll(() => mediaArrows().count(), { timeout: 10_000 }).toBe(2);
    // Each stream after the ACK and before the BYE, between the two phones' lanes (no lane of its own).
    const labels = await page.getByTestId('ladder').locator('g.arrow text.label').allTextContents();
    // (payload type 8: PCMA in the SDP's rtpmap; g711A as Wireshark names it)
    expect(
      labels.map((l) =>
        l
          .replace(/●$/, '')
          .trim()
          .replace(/PCMA|g711A/, 'G.711 A'),
      ),
    ).toEqual([
      'INVITE (SDP)',
      '200 OK (SDP)',
      'ACK',
      'RTP G.711 A · 50 pkts',
      'RTP G.711 A · 45 pkts · 10.0% lost',
      'BYE',
      '200 OK',
    ]);
    expect(await page.getByTestId('ladder').locator('text.lane-name').count()).toBe(2);
    expect(await page.getByTestId('ladder-count').textContent()).toBe(
      '5 messages · 2 addresses · 2 RTP streams',
    );
    const media = page.getByTestId('call-media');
    await expect.poll(() => media.textContent()).toMatch(/media both ways/);
    expect(
      (await media.locator('button.stream').allTextContents()).map((t) => t.replace(/PCMA|g711A/, 'G.711 A')),
    ).toEqual([
      '→ G.711 A · 50 pkts · jitter ≤ 0.0 ms',
      '← G.711 A · 45 pkts · 10.0% lost · jitter ≤ 0.0 ms',
    ]);
  });

  it('shows a stream clicked on the ladder under it: packets against expected, lost, delta and jitter', async () => {
    await mediaArrows().nth(1).click();
    const inspector = page.getByTestId('stream-inspector');
    await expect.poll(() => inspector.count()).toBe(1);
    const text = (await inspector.textContent()) ?? '';
    expect(text).toContain('10.9.0.2:50000 → 10.9.0.1:40000');
    expect(text).toMatch(/Packets\s*45 of 50 expected/);
    expect(text).toMatch(/Lost\s*5 \(10\.0%\)/);
    expect(text).toMatch(/(PCMA|g711A)\s*\(payload type 8\)/);
    // 20 ms apart, 40 ms across each lost packet; no jitter (the packets keep their timestamps' pace)
    expect(text).toMatch(/Delta\s*20\.0+ ms\s*22\.\d+ ms\s*40\.0+ ms/);
    expect(text).toMatch(/Jitter\s*0\.000 ms\s*0\.000 ms\s*0\.000 ms/);
    await page.screenshot({ path: join(SHOTS_DIR, 'media-ladder.png') });
    // A message clicked brings the message inspector back; the SDP link leads to the answer.
    await inspector.getByRole('button', { name: /the SDP of message/ }).click();
    await expect.poll(() => page.getByTestId('stream-inspector').count()).toBe(0);
    await expect
      .poll(() => page.locator('.ladder-view .inspector').textContent())
      .toContain('m=audio 40000 RTP/AVP');
  });

  it('names a call whose media went one way only, with the RFC', async () => {
    await showCalls();
    await calls().nth(1).click();
    await showLadder();
    await expect.poll(() => mediaArrows().count(), { timeout: 10_000 }).toBe(1);
    const summary = page.getByTestId('call-summary');
    await expect.poll(() => summary.getByTestId('call-media').textContent()).toMatch(/one-way media/);
    await expect
      .poll(() => summary.getByRole('list', { name: "What went wrong with this call's media" }).textContent())
      .toMatch(/one-way-media.*RFC 3264/s);
    await page.screenshot({ path: join(SHOTS_DIR, 'media-one-way.png') });
  });

  it('logged no errors in the page', () => {
    expect(served.errors).toEqual([]);
  });
});
