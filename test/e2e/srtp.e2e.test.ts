/**
 * End to end, an SRTP call heard: browser mode served for real, in headless Chromium. A call whose
 * SDP offers/answers SDES keys (test/helpers/srtp-capture.ts); the caller's tone is SRTP with the
 * offer's key, the callee's with a key the SDP does not give (as when its SDP was missed). The stream
 * inspector says SRTP, the suite and the key's frame; Play decrypts and plays the caller's stream; the
 * callee's fails authentication and says so; its key typed in the inspector's SRTP key field plays it,
 * and a bad key is named. Screenshots light and dark under test-results/screenshots/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { requirePeer } from '../helpers/peers';
import { appNav, servePage, shootThemes, type ServedPage } from '../helpers/chromium';
import { srtpCallPcap, toneSrtp } from '../helpers/srtp-capture';

const chromiumPath = requirePeer('chromium');

const SUITE = 'AES_CM_128_HMAC_SHA1_80';
const OFFER_KEY = 'WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz';
const ANSWER_KEY = 'QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNk';
const CALLEE_SENDS = 'MDEyMzQ1Njc4OWFiY2RlZmdoaWprbG1ub3BxcnN0';

/** 100 packets of a µ-law tone, SRTP with `key` (the sequence wraps at packet 36). */
const tone = (key: string, hz: number, ssrc: number): Uint8Array[] =>
  toneSrtp(`${SUITE} inline:${key}`, hz, ssrc, 65500);

describe.skipIf(!chromiumPath)('an SRTP call heard, in Chromium', () => {
  let served: ServedPage;
  let page: Page;
  const dir = mkdtempSync(join(tmpdir(), 'sipscope-srtp-e2e-'));
  const file = join(dir, 'srtp-call.pcap');

  beforeAll(async () => {
    writeFileSync(
      file,
      srtpCallPcap({
        forward: tone(OFFER_KEY, 1000, 0x11110001),
        reverse: tone(CALLEE_SENDS, 500, 0x22220002),
        offerExtra: `a=crypto:1 ${SUITE} inline:${OFFER_KEY}\r\n`,
        answerExtra: `a=crypto:1 ${SUITE} inline:${ANSWER_KEY}\r\n`,
      }),
    );
    served = await servePage(chromiumPath as string);
    page = served.page;
    await page.goto(served.server.url);
  });

  afterAll(async () => {
    await served?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const { mediaArrows, calls, showLadder } = appNav(() => page);
  const inspector = (): ReturnType<Page['getByTestId']> => page.getByTestId('stream-inspector');

  it('says SRTP and the key, and plays the decrypted stream', async () => {
    await served.host.openPath(file, { remember: false });
    await expect.poll(() => calls().count(), { timeout: 20_000 }).toBe(1);
    await calls().first().click();
    await showLadder();
    await expect.poll(() => mediaArrows().count(), { timeout: 10_000 }).toBe(2);
    // The arrows and the call's stream chips say SRTP.
    expect(await mediaArrows().first().textContent()).toContain('SRTP g711U · 100 pkts');
    expect(await page.getByTestId('call-media').textContent()).toContain('→ SRTP g711U · 100 pkts');
    await mediaArrows().first().click();
    await expect
      .poll(() => inspector().getByTestId('stream-srtp').textContent())
      .toContain(`SRTP, ${SUITE}, keys from the SDP (frame 1)`);
    await inspector().getByTestId('stream-audio-play').click();
    await expect
      .poll(() => inspector().getByTestId('stream-audio-srtp').textContent(), { timeout: 15_000 })
      .toContain(`SRTP ${SUITE} (key from the SDP in frame 1): 100 decrypted`);
    await shootThemes(page, 'srtp-stream');
    await inspector().getByTestId('stream-audio-play').click(); // pause
  });

  it('the other way fails authentication; its key typed by hand plays it; a bad key is named', async () => {
    await mediaArrows().nth(1).click();
    await expect.poll(() => inspector().textContent()).toContain('0x22220002');
    await inspector().getByTestId('stream-audio-play').click();
    await expect
      .poll(() => inspector().getByTestId('stream-audio').textContent(), { timeout: 15_000 })
      .toContain('no packet decrypted (100 failed authentication');
    const key = inspector().getByTestId('srtp-key');
    await key.locator('summary').click();
    await key.getByRole('textbox').fill(`${SUITE} inline:${CALLEE_SENDS.slice(0, 20)}`);
    await key.getByRole('button', { name: 'Use' }).click();
    await inspector().getByTestId('stream-audio-play').click();
    await expect
      .poll(() => inspector().getByTestId('stream-audio').textContent(), { timeout: 15_000 })
      .toContain('the SRTP key given for stream 1: the key of AES_CM_128_HMAC_SHA1_80 is 30 octets');
    await shootThemes(page, 'srtp-key-wrong');
    await key.getByRole('textbox').fill(`${SUITE} inline:${CALLEE_SENDS}`);
    await key.getByRole('button', { name: 'Use' }).click();
    await inspector().getByTestId('stream-audio-play').click();
    await expect
      .poll(() => inspector().getByTestId('stream-audio-srtp').textContent(), { timeout: 15_000 })
      .toContain(`SRTP ${SUITE} (key given): 100 decrypted`);
    await shootThemes(page, 'srtp-key-given');
    // The key was for stream 1: another stream shown starts with none typed (the inspector stays).
    await mediaArrows().nth(0).click();
    await expect.poll(() => inspector().textContent()).toContain('0x11110001');
    expect(await key.locator('summary').textContent()).toBe('SRTP key…');
    expect(await key.getAttribute('open')).toBeNull();
    expect(await key.locator('input').inputValue()).toBe('');
    await shootThemes(page, 'srtp-key-other-stream');
    await mediaArrows().nth(1).click();
    await expect.poll(() => inspector().textContent()).toContain('0x22220002');
    expect(await key.locator('input').inputValue()).toBe('');
  });
});
