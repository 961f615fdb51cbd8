/**
 * End to end, hearing a call: browser mode served for real, in headless Debian Chromium, on the tone
 * capture (test/sip-core/media/tone-capture.ts: a 1 kHz µ-law tone one way with 10% loss, 500 Hz the
 * other). A stream clicked on the ladder shows the player: Play decodes it in the host and the audio
 * element plays it from a blob: URL (the CSP's media-src allows it), its position advancing; Save WAV
 * downloads a RIFF/WAVE file; the call summary's "Play call audio" plays the call in stereo.
 * Screenshots light and dark under test-results/screenshots/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { requirePeer } from '../helpers/peers';
import { appNav, SHOTS_DIR, servePage, type ServedPage } from '../helpers/chromium';
import { toneCapture } from '../sip-core/media/tone-capture';

const chromiumPath = requirePeer('chromium');

describe.skipIf(!chromiumPath)('hearing a call, in Chromium', () => {
  let served: ServedPage;
  let page: Page;
  const dir = mkdtempSync(join(tmpdir(), 'sipscope-audio-e2e-'));
  const file = join(dir, 'tone.pcap');

  beforeAll(async () => {
    writeFileSync(file, toneCapture());
    served = await servePage(chromiumPath as string);
    page = served.page;
    await page.goto(served.server.url);
  });

  afterAll(async () => {
    await served?.close();
  });

  const { mediaArrows } = appNav(() => page);
  const audioTime = async (testId: string): Promise<{ t: number; ended: boolean; src: string }> =>
    (await page.evaluate(`(() => {
      const a = document.querySelector('[data-testid="${testId}"] audio');
      return { t: a ? a.currentTime : -1, ended: a ? a.ended : false, src: a ? a.src : '' };
    })()`)) as { t: number; ended: boolean; src: string };

  it('plays a stream clicked on the ladder: the audio element advances from a blob: URL', async () => {
    await served.host.openPath(file, { remember: false });
    await expect
      .poll(() => page.getByTestId('calls-table').locator('tr.msg').count(), { timeout: 20_000 })
      .toBe(1);
    await page.getByTestId('calls-table').locator('tr.msg').first().click();
    await page.getByRole('navigation').getByRole('button', { name: 'Ladder' }).click();
    await expect.poll(() => mediaArrows().count(), { timeout: 10_000 }).toBe(2);
    await mediaArrows().first().click();
    const player = page.getByTestId('stream-inspector').getByTestId('stream-audio');
    await expect.poll(() => player.count()).toBe(1);
    expect(await page.getByTestId('stream-audio-position').textContent()).toBe('0:00.0 / 0:00.0');
    await page.getByTestId('stream-audio-play').click();
    await expect
      .poll(
        async () => {
          const a = await audioTime('stream-audio');
          return a.t > 0.2 || a.ended;
        },
        { timeout: 15_000 },
      )
      .toBe(true);
    expect((await audioTime('stream-audio')).src).toMatch(/^blob:/);
    expect(await page.getByTestId('stream-audio-position').textContent()).toMatch(/ \/ 0:02\.0$/);
    expect(await player.textContent()).toContain('8,000 Hz mono');
    await page.screenshot({ path: join(SHOTS_DIR, 'stream-audio.png') });
    await page.keyboard.press('t');
    expect(await page.locator('html').getAttribute('data-theme')).toBe('dark');
    await page.screenshot({ path: join(SHOTS_DIR, 'stream-audio-dark.png') });
    await page.keyboard.press('t');
    await page.getByTestId('stream-audio-play').click(); // pause
    expect(served.errors.filter((e) => /Content Security Policy|media-src/i.test(e))).toEqual([]);
  });

  it('Save WAV downloads a RIFF/WAVE file of the stream', async () => {
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('stream-audio-save').click(),
    ]);
    expect(download.suggestedFilename()).toBe('tone-stream-0.wav');
    const saved = join(dir, 'saved.wav');
    await download.saveAs(saved);
    const b = readFileSync(saved);
    expect(b.subarray(0, 4).toString('latin1')).toBe('RIFF');
    expect(b.subarray(8, 12).toString('latin1')).toBe('WAVE');
    expect(b.length).toBe(44 + 16_000 * 2);
  });

  it('"Play call audio" in the call summary plays both directions in stereo', async () => {
    const play = page.getByTestId('call-audio-play');
    await expect.poll(() => play.count()).toBe(1);
    expect(await play.textContent()).toContain('Play call audio');
    await play.click();
    await expect
      .poll(
        async () => {
          const a = await audioTime('call-audio');
          return a.t > 0.2 || a.ended;
        },
        { timeout: 15_000 },
      )
      .toBe(true);
    expect(await page.getByTestId('call-audio').textContent()).toContain('stereo');
    await page.screenshot({ path: join(SHOTS_DIR, 'call-audio.png') });
    await play.click();
  });

  it("the scenario player's stream plays too: trapezoid's G.711 burst, from the run's own RTP", async () => {
    await page.getByRole('navigation').getByRole('button', { name: 'Scenarios' }).click();
    await page.getByRole('button', { name: /^trapezoid/ }).click();
    await expect
      .poll(() => page.getByTestId('step-counter').textContent(), { timeout: 20_000 })
      .toMatch(/^1 \//);
    await page.getByRole('button', { name: 'To the end' }).click();
    const arrows = page.getByTestId('scenario-ladder').locator('g.arrow[data-id^="-"]');
    await expect.poll(() => arrows.count()).toBe(2);
    await arrows.first().click();
    const player = page.getByTestId('stream-inspector').getByTestId('stream-audio');
    await expect.poll(() => player.count()).toBe(1);
    await page.getByTestId('stream-audio-play').click();
    await expect
      .poll(
        async () => {
          const a = await audioTime('stream-audio');
          return a.t > 0 || a.ended;
        },
        { timeout: 15_000 },
      )
      .toBe(true);
    expect(await player.textContent()).toContain('8,000 Hz mono');
    await page.screenshot({ path: join(SHOTS_DIR, 'scenario-stream-audio.png') });
    await page.keyboard.press('t');
    await page.screenshot({ path: join(SHOTS_DIR, 'scenario-stream-audio-dark.png') });
    await page.keyboard.press('t');
  });
});
