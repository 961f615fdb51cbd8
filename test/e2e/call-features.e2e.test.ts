/**
 * End to end, the call features library in the scenario player (browser mode served for real, in
 * headless Debian Chromium): the "Call features" topic lists its ten scenarios in learning order;
 * each plays to its end, the ladder reading as a student expects (the hold's re-INVITEs, the glare's
 * 491s, the REFER and NOTIFYs, the reliable 183 lost and sent again with its PRACK, the 422 and the
 * refresh, the DTMF scenario's RFC 4733 events on Alice's stream and its INFOs, the presence
 * NOTIFYs); the messages' inspector shows the header the scenario is about.
 * Screenshots (light and dark) under test-results/screenshots/call-features-*.png.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { requirePeer } from '../helpers/peers';
import { SHOTS_DIR, servePage, type ServedPage } from '../helpers/chromium';

const chromiumPath = requirePeer('chromium');

const FEATURES = [
  'hold-resume',
  'reinvite-glare',
  'transfer-blind',
  'transfer-attended',
  'early-media',
  'prack-100rel',
  'session-timer',
  'dtmf',
  'instant-message',
  'presence',
];

describe.skipIf(!chromiumPath)('the call features library in the scenario player, in Chromium', () => {
  let served: ServedPage;
  let page: Page;

  beforeAll(async () => {
    served = await servePage(chromiumPath as string);
    page = served.page;
    await page.goto(served.server.url);
    await page.getByRole('navigation').getByRole('button', { name: 'Scenarios' }).click();
  });

  afterAll(async () => {
    await served?.close();
  });

  const counter = (): ReturnType<Page['getByTestId']> => page.getByTestId('step-counter');
  const pick = async (name: string): Promise<number> => {
    await page.getByRole('button', { name: new RegExp(`^${name}`) }).click();
    await expect.poll(() => counter().textContent(), { timeout: 20_000 }).toMatch(/^1 \/ \d+$/);
    return Number((await counter().textContent())?.split('/')[1]);
  };
  /** Steps until the message on the wire matches `re` (at most `max` steps). */
  const stepTo = async (re: RegExp, max = 80): Promise<void> => {
    const now = page.locator('.now');
    for (let i = 0; i < max && !re.test((await now.textContent()) ?? ''); i++)
      await page.getByRole('button', { name: 'Next message' }).click();
    expect(await now.textContent()).toMatch(re);
  };
  const raw = (): Promise<string | null> => page.getByTestId('raw-message').textContent();
  const shots = async (name: string): Promise<void> => {
    await page.screenshot({ path: join(SHOTS_DIR, `call-features-${name}.png`) });
    await page.keyboard.press('t');
    expect(await page.locator('html').getAttribute('data-theme')).toBe('dark');
    await page.screenshot({ path: join(SHOTS_DIR, `call-features-${name}-dark.png`) });
    await page.keyboard.press('t');
  };

  it('lists the ten under "Call features", in learning order, after forking and forwarding', async () => {
    const library = page.getByRole('complementary', { name: 'Scenarios library' });
    const topics = await library.locator('li.topic h3').allTextContents();
    expect(topics.indexOf('Call features')).toBe(topics.indexOf('Forking and call forwarding') + 1);
    const names = await library
      .locator('li:not(.topic) button')
      .evaluateAll((bs) => bs.map((b) => (b.textContent ?? '').trim().split(/\s/)[0]));
    const at = names.indexOf(FEATURES[0]!);
    expect(names.slice(at, at + FEATURES.length)).toEqual(FEATURES);
  });

  it('hold-resume: the hold is a re-INVITE offering sendonly, answered recvonly', async () => {
    await pick('hold-resume');
    // step 1 is the call's INVITE; the next one from Alice is the hold, at 5 s
    await page.getByRole('button', { name: 'Next message' }).click();
    await stepTo(/Step \d+: INVITE[^]*Alice → proxy\.example\.com/, 20);
    await expect.poll(raw).toMatch(/a=sendonly/);
    await stepTo(/Step \d+: 200 OK[^]*Bob → proxy\.example\.com/);
    await expect.poll(raw).toMatch(/a=recvonly/);
    await shots('hold');
  });

  it('reinvite-glare: both re-INVITEs cross, both get 491 Request Pending', async () => {
    await pick('reinvite-glare');
    await stepTo(/Step \d+: 491 Request Pending/);
    await stepTo(/Step \d+: 491 Request Pending/, 3);
    await shots('glare');
  });

  it('transfer-blind and transfer-attended: the REFER, and the INVITE to Carol with Referred-By / Replaces', async () => {
    await pick('transfer-blind');
    await stepTo(/Step \d+: REFER[^]*Bob → proxy\.example\.com/);
    await expect.poll(raw).toMatch(/Refer-To: <sip:carol@example\.com>/);
    await stepTo(/Step \d+: INVITE[^]*proxy\.example\.com → Carol/);
    await expect.poll(raw).toMatch(/Referred-By: <sip:bob@example\.com>/);
    await shots('transfer-blind');
    await pick('transfer-attended');
    await stepTo(/Step \d+: REFER[^]*Bob → proxy\.example\.com/);
    await expect.poll(raw).toMatch(/Refer-To: <sip:carol@example\.com\?Replaces=[^>]*%3Bto-tag%3D/);
    await stepTo(/Step \d+: INVITE[^]*proxy\.example\.com → Carol/);
    await stepTo(/Step \d+: INVITE[^]*proxy\.example\.com → Carol/, 30); // the transferee's
    await expect.poll(raw).toMatch(/Replaces: [^\r\n]*;to-tag=[^;]+;from-tag=/);
    await stepTo(/Step \d+: BYE[^]*Carol → proxy\.example\.com/, 6);
    await shots('transfer-attended');
  });

  it('prack-100rel: the 183 lost, sent again, PRACKed with RAck', async () => {
    await pick('prack-100rel');
    await stepTo(/Step \d+: 183[^]*proxy\.example\.com → Alice/);
    await stepTo(/Step \d+: 183[^]*Bob → proxy\.example\.com/, 3); // the retransmission at T1
    await stepTo(/Step \d+: PRACK[^]*Alice → proxy\.example\.com/, 4);
    await expect.poll(raw).toMatch(/RAck: 1 1 INVITE/);
    await shots('prack');
  });

  it('session-timer: 422 with Min-SE, the retry, the refresh with refresher=uac', async () => {
    await pick('session-timer');
    await stepTo(/Step \d+: 422/);
    await expect.poll(raw).toMatch(/Min-SE: 600/);
    await stepTo(/Step \d+: 200 OK/);
    await expect.poll(raw).toMatch(/Session-Expires: 600;refresher=uac/);
    await shots('session-timer');
  });

  it("dtmf: the PIN as RFC 4733 events on Alice's stream, then 9 and # as INFO with application/dtmf-relay", async () => {
    await pick('dtmf');
    await stepTo(/Step \d+: INFO[^]*Alice → proxy\.example\.com/);
    await expect.poll(raw).toMatch(/Content-Type: application\/dtmf-relay[^]*Signal=9\s*Duration=160/);
    // by 4 s both phones' streams are on the ladder; Alice's (her first packet first) carries the events
    const arrows = page.locator('g.arrow[data-id^="-"]');
    await expect.poll(() => arrows.count(), { timeout: 10_000 }).toBe(2);
    await arrows.first().click();
    const events = page.getByTestId('stream-events');
    await expect.poll(() => events.count(), { timeout: 10_000 }).toBe(1);
    expect(await events.locator('td.digit').allTextContents()).toEqual(['1', '2', '3', '4']);
    expect(await events.textContent()).toMatch(/frame \d+\s*100 ms\s*−10 dBm0\s*7\s\(3 end\)/);
    await shots('dtmf');
  });

  it('early-media, instant-message and presence play to their end', async () => {
    for (const name of ['early-media', 'instant-message', 'presence']) {
      const total = await pick(name);
      await page.getByRole('button', { name: 'To the end' }).click();
      await expect.poll(() => counter().textContent()).toBe(`${total} / ${total}`);
    }
    await pick('presence');
    await stepTo(/Step \d+: NOTIFY[^]*proxy\.example\.com → Alice/);
    await expect.poll(raw).toMatch(/<basic>open<\/basic>/);
    await shots('presence');
  });
});
