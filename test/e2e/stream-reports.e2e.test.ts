/**
 * End to end, a stream's RTCP reports and call quality in Chromium: a capture of two calls (made in
 * memory, test/helpers/rtp-capture.ts): one with RTCP both ways (SR, RR, SDES CNAME, BYE, the callee's
 * XR VoIP metrics; 20 ms each way to the callee, so a 40 ms round trip), one without RTCP whose callee
 * loses every 5th packet. A stream clicked on the ladder shows, under its figures, the "Quality"
 * section (E-model MOS and R, codec, loss, delay) and the "Reports (RTCP)" section (the receiver's
 * fraction lost, jitter, round trip; the sender's CNAME, SR and BYE). Screenshots, light and dark,
 * under test-results/screenshots/ (stream-reports*.png). A simulated stream the network dropped
 * (nat-fix-nated-contact) says its quality counts the packets as sent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { requirePeer } from '../helpers/peers';
import { appNav, SHOTS_DIR, servePage, type ServedPage } from '../helpers/chromium';
import { mediaCallFrames, mediaCallWithRtcp, timedPcap } from '../helpers/rtp-capture';

const chromiumPath = requirePeer('chromium');

describe.skipIf(!chromiumPath)("a stream's RTCP reports and quality, in Chromium", () => {
  let served: ServedPage;
  let page: Page;
  const file = join(mkdtempSync(join(tmpdir(), 'sipscope-rtcp-e2e-')), 'rtcp.pcap');

  beforeAll(async () => {
    writeFileSync(
      file,
      timedPcap([
        ...mediaCallWithRtcp(
          { callId: 'with-rtcp', forward: { packets: 200 }, reverse: { packets: 200 } },
          { delayUs: 20_000, xr: true, byeReason: 'call ended' },
        ),
        ...mediaCallFrames({
          callId: 'lossy',
          caller: 3,
          callee: 4,
          startUs: 6_000_000,
          forward: { packets: 100 },
          reverse: { packets: 100, drop: (i) => i % 5 === 2 },
        }),
      ]),
    );
    served = await servePage(chromiumPath as string);
    page = served.page;
    await page.goto(served.server.url);
  });

  afterAll(async () => {
    await served?.close();
  });

  const { showLadder, showCalls, calls, mediaArrows } = appNav(() => page);
  const shoot = async (name: string): Promise<void> => {
    await page.screenshot({ path: join(SHOTS_DIR, `${name}.png`) });
    await page.locator('body').press('t');
    expect(await page.locator('html').getAttribute('data-theme')).toBe('dark');
    await page.screenshot({ path: join(SHOTS_DIR, `${name}-dark.png`) });
    await page.locator('body').press('t');
  };
  /** Clicks the ladder's stream whose label has `text` and returns the reports section. */
  const openStream = async (n: number): Promise<ReturnType<Page['getByTestId']>> => {
    await mediaArrows().nth(n).click();
    const reports = page.getByTestId('stream-reports');
    await expect.poll(() => reports.count()).toBe(1);
    return reports;
  };

  it("shows the receiver's reports, the sender's SR, CNAME and BYE, the round trip and the MOS", async () => {
    await served.host.openPath(file, { remember: false });
    await expect.poll(() => calls().count(), { timeout: 20_000 }).toBe(2);
    await calls().first().click();
    await showLadder();
    await expect.poll(() => mediaArrows().count(), { timeout: 10_000 }).toBe(2);
    // The caller's stream (caller → callee): the callee reports on it with a 40 ms round trip.
    let text = '';
    for (let i = 0; i < 2 && !text.includes('caller@'); i++) {
      const reports = await openStream(i);
      text = (await reports.textContent()) ?? '';
    }
    expect(text).toContain('Quality');
    expect(text).toMatch(/MOS 4\.41/);
    expect(text).toMatch(/R 93\.2/);
    expect(text).toMatch(/G\.711 \(PLC\)/);
    expect(text).toMatch(/One-way delay\s*20 ms/);
    expect(text).toContain('Reports (RTCP)');
    expect(text).toMatch(/Fraction lost\s*0\.0%\s*0\.0%/);
    expect(text).toMatch(/Jitter\s*5\.00 ms\s*5\.00 ms/);
    expect(await page.getByTestId('stream-rtt').textContent()).toMatch(/40 ms \/ 40 ms \/ 40 ms/);
    expect(text).toMatch(/MOS-LQ 4\.1/);
    expect(text).toMatch(/CNAME\s*caller@10\.9\.0\.1/);
    expect(text).toMatch(/BYE\s*call ended/);
    // The call summary gives the worse direction's MOS beside the verdict.
    expect(await page.getByTestId('call-mos').textContent()).toBe('MOS 4.41');
    await shoot('stream-reports');
  });

  it('a stream without RTCP still gets its quality: 20% lost is a poor MOS', async () => {
    await showCalls();
    await calls().nth(1).click();
    await showLadder();
    await expect.poll(() => mediaArrows().count(), { timeout: 10_000 }).toBe(2);
    let text = '';
    for (let i = 0; i < 2 && !text.includes('20.0%'); i++) {
      const reports = await openStream(i);
      text = (await reports.textContent()) ?? '';
    }
    expect(text).toMatch(/MOS 2\.\d\d/);
    expect(text).toMatch(/poor: nearly all users dissatisfied|not recommended/);
    expect(text).toMatch(/Packet loss\s*20\.0%/);
    expect(text).toContain('No RTCP about this stream in the capture.');
    const mos = page.getByTestId('call-mos');
    expect(await mos.textContent()).toMatch(/^MOS 2\.\d\d$/);
    expect(await mos.getAttribute('class')).toContain('poor');
    await shoot('stream-reports-poor');
  });

  it('a simulated stream the network dropped: the quality says it counts the packets as sent', async () => {
    await page.getByRole('navigation').getByRole('button', { name: 'Scenarios' }).click();
    await page.getByRole('button', { name: /^nat-fix-nated-contact/ }).click();
    await expect
      .poll(() => page.getByTestId('step-counter').textContent(), { timeout: 20_000 })
      .toMatch(/^1 \/ \d+$/);
    await page.getByRole('button', { name: 'To the end' }).click();
    const arrows = page.getByTestId('scenario-ladder').locator('g.arrow[data-id^="-"]');
    await expect.poll(() => arrows.count()).toBe(3);
    await arrows.filter({ hasText: 'dropped' }).click();
    const reports = page.getByTestId('stream-reports');
    await expect.poll(() => reports.count()).toBe(1);
    expect(await page.getByTestId('stream-quality-dropped').textContent()).toMatch(
      /the network dropped 5 of these packets/,
    );
    expect(await reports.textContent()).toMatch(/Only 5 packets: too few for the poor-call-quality rule/);
    await reports.scrollIntoViewIfNeeded();
    await shoot('stream-reports-dropped');
  });

  it('logged no errors in the page', () => {
    expect(served.errors).toEqual([]);
  });
});
