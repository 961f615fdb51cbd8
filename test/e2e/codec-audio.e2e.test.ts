/**
 * End to end, hearing a desk phone's G.722 call: browser mode in headless Debian Chromium on a capture
 * made here (test/sip-core/media/codec-capture.ts: ffmpeg's G.722 encoding of a speech-like signal as
 * PT 9 one way, µ-law the other). The stream player names the codec and its rate ("G.722 · 16 kHz")
 * and plays 16 kHz mono; "Play call audio" lists both codecs and plays 16 kHz stereo (the µ-law side
 * resampled up). A G.729 call (bcg729's encoding of the same kind of signal, two frames a packet, as
 * PT 18) plays: the player says "G.729 · 8 kHz" and plays 8 kHz mono. A G.723.1 stream's player says
 * it has no decoder. The loss switch (session 25): "conceal losses" (the default) counts the gaps
 * concealed; "losses silent" asks again and says the lost packets are silent, the same length and
 * counts. Screenshots light and dark.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { requirePeer } from '../helpers/peers';
import { appNav, servePage, shootThemes, type ServedPage } from '../helpers/chromium';
import { linearToUlaw } from '../../src/sip-core/media/g711';
import { codecCallCapture, ffEncode, ffmpeg, signals } from '../sip-core/media/codec-capture';
import { bcg729, bcgEncode } from '../sip-core/media/bcg729';

const chromiumPath = requirePeer('chromium');

const reference = bcg729();

describe.skipIf(!chromiumPath || !ffmpeg || !reference)('hearing G.722 and G.729, in Chromium', () => {
  let served: ServedPage;
  let page: Page;
  const dir = mkdtempSync(join(tmpdir(), 'sipscope-codec-e2e-'));
  const g722 = join(dir, 'g722.pcap');
  const g729 = join(dir, 'g729.pcap');
  const g723 = join(dir, 'g723.pcap');
  const g722cn = join(dir, 'g722-cn.pcap');

  beforeAll(async () => {
    const bits = ffEncode(signals(16000).speech!, 16000, 'g722', 'g722');
    const payloads = Array.from({ length: bits.length / 160 }, (_, i) =>
      bits.subarray(i * 160, (i + 1) * 160),
    );
    const ulaw = Uint8Array.from({ length: 160 }, (_, j) =>
      linearToUlaw(6000 * Math.sin((2 * Math.PI * 400 * j) / 8000)),
    );
    writeFileSync(
      g722,
      codecCallCapture({ payloads, pt: 9, step: 160, reversePt: 0, reversePayload: () => ulaw }),
    );
    const frames = bcgEncode(signals(8000).speech!);
    const g729Payloads = Array.from({ length: frames.length / 2 }, (_, i) =>
      Uint8Array.from([...frames[2 * i]!, ...frames[2 * i + 1]!]),
    );
    writeFileSync(g729, codecCallCapture({ payloads: g729Payloads, pt: 18, step: 160 }));
    // G.723.1 (PT 4): 24-octet frames of 240 samples, not decoded.
    const g723Frames = Array.from({ length: 50 }, (_, i) =>
      Uint8Array.from({ length: 24 }, (_, j) => (i * 31 + j * 7) & 0xff),
    );
    writeFileSync(g723, codecCallCapture({ payloads: g723Frames, pt: 4, step: 240 }));
    // Session 24: G.722 with every 10th packet lost (concealed) and one RFC 3389 CN packet (PT 13)
    // after packet 39, then 200 ms not sent (DTX) before the talk resumes.
    const cn = Uint8Array.from([40, 127 - 50]);
    const dtx = (i: number): number => (i < 40 ? i : i + 10);
    writeFileSync(
      g722cn,
      codecCallCapture({
        payloads: payloads.map((p, i) => (i === 40 ? cn : p)),
        pt: 9,
        ptOf: (i) => (i === 40 ? 13 : 9),
        drop: (i) => i % 10 === 3 && i < 90,
        step: 160,
        tsOf: (i) => dtx(i) * 160,
        usOf: (i) => dtx(i) * 20_000,
      }),
    );
    served = await servePage(chromiumPath as string);
    page = served.page;
    await page.goto(served.server.url);
  });

  afterAll(async () => {
    await served?.close();
  });

  const { mediaArrows } = appNav(() => page);
  const audioTime = async (testId: string): Promise<number> =>
    (await page.evaluate(`(() => {
      const a = document.querySelector('[data-testid="${testId}"] audio');
      return a ? (a.ended ? 99 : a.currentTime) : -1;
    })()`)) as number;

  async function openLadder(file: string): Promise<void> {
    await served.host.openPath(file, { remember: false });
    await expect
      .poll(() => page.getByTestId('calls-table').locator('tr.msg').count(), { timeout: 20_000 })
      .toBe(1);
    await page.getByTestId('calls-table').locator('tr.msg').first().click();
    await page.getByRole('navigation').getByRole('button', { name: 'Ladder' }).click();
  }

  /**
   * Opens `file`'s call (`streams` RTP arrows), its first stream's player: it names `codec`, plays
   * (`rate` in its text, `length` long), then is paused.
   */
  async function streamPlays(
    file: string,
    streams: number,
    codec: string,
    rate: string,
    length = '0:02.0',
  ): Promise<void> {
    await openLadder(file);
    await expect.poll(() => mediaArrows().count(), { timeout: 10_000 }).toBe(streams);
    await mediaArrows().first().click();
    const player = page.getByTestId('stream-inspector').getByTestId('stream-audio');
    await expect.poll(() => player.count()).toBe(1);
    expect(await player.getByTestId('stream-audio-codec').allTextContents()).toEqual([codec]);
    await page.getByTestId('stream-audio-play').click();
    await expect.poll(() => audioTime('stream-audio'), { timeout: 15_000 }).toBeGreaterThan(0.2);
    expect(await player.textContent()).toContain(rate);
    expect((await page.getByTestId('stream-audio-position').textContent())?.split(' / ')[1]).toBe(length);
    await page.getByTestId('stream-audio-play').click(); // pause
  }

  it('a G.722 stream: the player says "G.722 · 16 kHz" and plays 16,000 Hz mono', async () => {
    await streamPlays(g722, 2, 'G.722 · 16 kHz', '16,000 Hz mono');
    await shootThemes(page, 'codec-g722-stream');
  });

  it('"Play call audio": G.722 and G.711 µ-law, one 16 kHz stereo WAV', async () => {
    const call = page.getByTestId('call-audio');
    await expect.poll(() => call.count()).toBe(1);
    expect(await call.getByTestId('call-audio-codec').allTextContents()).toEqual([
      'G.722 · 16 kHz',
      'G.711 µ-law · 8 kHz',
    ]);
    await page.getByTestId('call-audio-play').click();
    await expect.poll(() => audioTime('call-audio'), { timeout: 15_000 }).toBeGreaterThan(0.2);
    expect(await call.textContent()).toContain('16,000 Hz stereo');
    await page.getByTestId('call-audio-play').click();
    await shootThemes(page, 'codec-g722-call');
  });

  it('a G.729 stream: the player says "G.729 · 8 kHz" and plays 8,000 Hz mono; so does the call', async () => {
    await streamPlays(g729, 1, 'G.729 · 8 kHz', '8,000 Hz mono');
    const call = page.getByTestId('call-audio');
    await expect.poll(() => call.count()).toBe(1);
    expect(await call.getByTestId('call-audio-codec').allTextContents()).toEqual(['G.729 · 8 kHz']);
    await shootThemes(page, 'codec-g729-stream');
  });

  it('a G.722 stream with loss and comfort noise: the player’s note counts the gaps concealed and the CN packet', async () => {
    await streamPlays(g722cn, 1, 'G.722 · 16 kHz', '16,000 Hz mono', '0:02.2');
    const note = page.getByTestId('stream-inspector').getByTestId('stream-audio').locator('.note');
    expect(await note.getAttribute('title')).toBe(
      'stream 0: G.722 · 16 kHz, 90 packets, 9 lost (9 gaps concealed), 1 comfort noise',
    );
    await shootThemes(page, 'codec-g722-cn-stream');
  });

  it('the loss switch: "losses silent" plays the same stream again, its note saying the lost packets are silent; back to "conceal losses"', async () => {
    const player = page.getByTestId('stream-inspector').getByTestId('stream-audio');
    const note = player.locator('.note');
    const select = player.getByTestId('stream-audio-losses');
    expect(await select.inputValue()).toBe('conceal');
    await select.selectOption('silence');
    // A new choice drops the WAV until the next Play.
    await expect.poll(() => note.count()).toBe(0);
    await page.getByTestId('stream-audio-play').click();
    await expect.poll(() => audioTime('stream-audio'), { timeout: 15_000 }).toBeGreaterThan(0.2);
    await page.getByTestId('stream-audio-play').click();
    expect(await note.getAttribute('title')).toBe(
      'stream 0: G.722 · 16 kHz, 90 packets, 9 lost (silent), 1 comfort noise',
    );
    expect((await page.getByTestId('stream-audio-position').textContent())?.split(' / ')[1]).toBe('0:02.2');
    await shootThemes(page, 'codec-losses-silent');
    await select.selectOption('conceal');
    await page.getByTestId('stream-audio-play').click();
    await expect.poll(() => audioTime('stream-audio'), { timeout: 15_000 }).toBeGreaterThan(0.2);
    await page.getByTestId('stream-audio-play').click();
    await expect
      .poll(() => note.getAttribute('title'), { timeout: 15_000 })
      .toBe('stream 0: G.722 · 16 kHz, 90 packets, 9 lost (9 gaps concealed), 1 comfort noise');
  });

  it('a G.723.1 stream: the player names the codec and says it has no decoder; Play says why', async () => {
    await openLadder(g723);
    await expect.poll(() => mediaArrows().count(), { timeout: 10_000 }).toBe(1);
    await mediaArrows().first().click();
    const player = page.getByTestId('stream-inspector').getByTestId('stream-audio');
    await expect.poll(() => player.count()).toBe(1);
    expect(await player.getByTestId('stream-audio-codec').allTextContents()).toEqual([
      'G.723.1 · no decoder',
    ]);
    await page.getByTestId('stream-audio-play').click();
    await expect
      .poll(() => page.getByTestId('stream-audio-error').textContent(), { timeout: 15_000 })
      .toMatch(
        /^cannot play G\.723 \(sipscope decodes G\.711 µ-law\/A-law, G\.722, GSM 06\.10, G\.726, G\.729 and L16\)/,
      );
    // No call audio: nothing the call's streams carry can be played.
    expect(await page.getByTestId('call-audio').count()).toBe(0);
    await shootThemes(page, 'codec-g723-stream');
  });
});
