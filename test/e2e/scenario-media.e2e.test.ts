/**
 * End to end, a simulated run's RTP in the scenario player: browser mode served for real, in headless
 * Debian Chromium. The phones' RTP bursts are drawn on the scenario's ladder once the player steps
 * past their first packet; a stream clicked shows its analysis where the message inspector is; a
 * stream the network dropped on its way (nat-fix-nated-contact: Bob's media to Alice's private
 * address, the one-way audio the scenario teaches) says so on its arrow and in its analysis; a relay's
 * streams (nat-media-relay) too. Screenshots (light and dark) under test-results/screenshots/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { requirePeer } from '../helpers/peers';
import { SHOTS_DIR, servePage, type ServedPage } from '../helpers/chromium';

const chromiumPath = requirePeer('chromium');

describe.skipIf(!chromiumPath)("a simulated run's RTP in the scenario player, in Chromium", () => {
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
  /** The ladder's RTP arrows (negative ids). */
  const mediaArrows = (): ReturnType<Page['locator']> =>
    page.getByTestId('scenario-ladder').locator('g.arrow[data-id^="-"]');
  /** The RTP arrows' hover texts (mediaTitle), in ladder order. */
  const titles = (): Promise<string[]> =>
    mediaArrows().evaluateAll((gs) => gs.map((g) => g.querySelector('title')?.textContent ?? ''));
  const pick = async (name: string): Promise<number> => {
    await page.getByRole('button', { name: new RegExp(`^${name}`) }).click();
    await expect.poll(() => counter().textContent(), { timeout: 20_000 }).toMatch(/^1 \/ \d+$/);
    return Number((await counter().textContent())?.split('/')[1]);
  };
  const stepTo = async (re: RegExp): Promise<void> => {
    const now = page.locator('.now');
    for (let i = 0; i < 60 && !re.test((await now.textContent()) ?? ''); i++)
      await page.getByRole('button', { name: 'Next message' }).click();
    expect(await now.textContent()).toMatch(re);
  };

  it('trapezoid: the two bursts appear once the player steps past their first packet; a click shows one', async () => {
    const total = await pick('trapezoid');
    expect(await mediaArrows().count()).toBe(0);
    // The 200 OK reaches Alice at 3.05 s; she sends the ACK and her first RTP packet at 3.06 s.
    await stepTo(/Step \d+: 200 OK\s*atlanta\.example\.com → Alice/);
    expect(await mediaArrows().count()).toBe(0);
    await page.getByRole('button', { name: 'Next message' }).click();
    await expect.poll(() => mediaArrows().count()).toBe(1);
    // Bob's starts at 3.09 s, after his ACK (3.08 s): drawn at the next step (the BYE at 10 s).
    await stepTo(/Step \d+: ACK\s*biloxi\.example\.com → Bob/);
    expect(await mediaArrows().count()).toBe(1);
    await page.getByRole('button', { name: 'Next message' }).click();
    await expect.poll(() => mediaArrows().count()).toBe(2);
    expect(await titles()).toEqual([
      expect.stringMatching(
        /^RTP g711U 192\.0\.2\.10:49170 → 192\.0\.2\.40:49170, SSRC 0x[0-9A-F]{8}\n5 packets of 5 expected: 0 lost/,
      ),
      expect.stringMatching(
        /^RTP g711U 192\.0\.2\.40:49170 → 192\.0\.2\.10:49170, SSRC 0x[0-9A-F]{8}\n5 packets of 5 expected: 0 lost/,
      ),
    ]);
    await mediaArrows().first().click();
    const inspector = page.getByTestId('stream-inspector');
    await expect.poll(() => inspector.count()).toBe(1);
    expect(await inspector.textContent()).toMatch(/192\.0\.2\.10:49170 → 192\.0\.2\.40:49170/);
    expect(await inspector.textContent()).toMatch(/Packets\s*5\s*of 5 expected/);
    expect(await page.getByTestId('stream-dropped').textContent()).toMatch(/^\s*0\s*$/);
    await page.screenshot({ path: join(SHOTS_DIR, 'scenario-media.png') });
    // A step goes back to the message on the wire; stepping back before the media hides it.
    await page.getByRole('button', { name: 'Previous message' }).click();
    await expect.poll(() => inspector.count()).toBe(0);
    await expect.poll(() => page.getByTestId('raw-message').count()).toBe(1);
    expect(await mediaArrows().count()).toBe(1);
    await page.getByRole('button', { name: 'To the end' }).click();
    expect(await counter().textContent()).toBe(`${total} / ${total}`);
    expect(await mediaArrows().count()).toBe(2);
  });

  it('hold-resume: the media follows the call — both ways, then only Alice’s while Bob is held, then both again', async () => {
    await pick('hold-resume');
    const runs = async (): Promise<string[]> =>
      (await titles()).map((t) => {
        const [head, run] = t.split('\n');
        const who = head!.startsWith('RTP g711U 192.0.2.10') ? 'Alice' : 'Bob';
        return `${who} ${/^this arrow, (run \d+)/.exec(run!)?.[1] ?? '?'}`;
      });
    // A student reads each message explained: a response's code says what it answers.
    await stepTo(/Step 3: 100 Trying\s*proxy\.example\.com → Alice/);
    await page.getByRole('tab', { name: 'Headers explained' }).click();
    expect(await page.getByTestId('start-meaning').textContent()).toMatch(
      /^\s*100 Trying\s*status code, to the INVITE\s*The next hop got the request .*RFC 3261 §21\.1\.1\s*$/,
    );
    await page.getByRole('tab', { name: 'Raw' }).click();
    // The call set up: each phone's first run of packets (2.04 s, 2.06 s).
    await stepTo(/Step 10: INVITE\s*Alice → proxy\.example\.com/);
    expect(await runs()).toEqual(['Alice run 1', 'Bob run 1']);
    // On hold (a=sendonly answered a=recvonly, 5.04 s): Alice's packets again, none of Bob's.
    await stepTo(/Step 16: ACK\s*proxy\.example\.com → Bob/);
    expect(await runs()).toEqual(['Alice run 1', 'Bob run 1', 'Alice run 2']);
    expect(await mediaArrows().locator('text.label').last().textContent()).toBe(
      'RTP · 5 pkts · again after 2.9 s',
    );
    // Inactive (10 s): nothing new; resumed (a=sendrecv, 15 s): both phones send again.
    await stepTo(/Step 23: ACK\s*proxy\.example\.com → Bob/);
    expect((await runs()).filter((r) => r.endsWith('run 3') || r === 'Bob run 2')).toEqual([]);
    await stepTo(/Step 30: ACK\s*proxy\.example\.com → Bob/);
    expect((await runs()).slice(-1)).toEqual(['Alice run 3']);
    // Bob's first packet after resuming (15.06 s) is drawn with the next message (his BYE at 20 s).
    await stepTo(/Step 31: BYE\s*Bob → proxy\.example\.com/);
    expect((await runs()).slice(-2)).toEqual(['Alice run 3', 'Bob run 2']);
    const last = await titles();
    expect(last.at(-1)).toContain('\nthis arrow, run 2: 5 packets over 0.08 s, after 12.92 s without any');
    // Its click selects Bob's stream (the whole of it) and keeps that arrow selected.
    await mediaArrows().last().click();
    await expect.poll(() => page.getByTestId('stream-inspector').count()).toBe(1);
    expect(await page.getByTestId('stream-inspector').textContent()).toMatch(/Packets\s*10\s*of 10 expected/);
    // The inspector lists the stream's two runs: the gap between them said where it is.
    expect(
      (await page.getByTestId('stream-runs').locator('li').allTextContents()).map((t) =>
        t.replace(/\s+/g, ' ').trim(),
      ),
    ).toEqual([
      expect.stringMatching(/^\S+ – \S+ · 5 pkts$/),
      expect.stringMatching(/^stopped 12\.9 s, then \S+ – \S+ · 5 pkts$/),
    ]);
    expect(await mediaArrows().last().getAttribute('aria-selected')).toBe('true');
    await page.screenshot({ path: join(SHOTS_DIR, 'scenario-media-hold.png') });
  });

  it('nat-fix-nated-contact: Bob’s stream to the private address is sent and dropped (one-way audio)', async () => {
    await pick('nat-fix-nated-contact');
    await page.getByRole('button', { name: 'To the end' }).click();
    await expect.poll(() => mediaArrows().count()).toBe(3);
    const labels = await mediaArrows().locator('text.label').allTextContents();
    expect(labels.filter((l) => l.startsWith('RTP g711U · 5 sent, 5 dropped'))).toHaveLength(1);
    // (a label is cut after a whole word to its arrow's length at the fitted zoom: 'RTP g711U · 5…';
    // the hover text is whole)
    expect(labels.filter((l) => /^RTP g711U · 5( p|…$)/.test(l))).toHaveLength(2);
    expect(
      (await titles()).filter((t) =>
        t.includes(
          '\n5 dropped by the network: unroutable: 192.168.1.10 is a private address behind Home NAT\n',
        ),
      ),
    ).toHaveLength(1);
    await mediaArrows().filter({ hasText: 'dropped' }).click();
    const inspector = page.getByTestId('stream-inspector');
    await expect.poll(() => inspector.count()).toBe(1);
    expect(await page.getByTestId('stream-dropped').textContent()).toMatch(
      /5\s*\(unroutable: 192\.168\.1\.10 is a private address behind Home NAT\)/,
    );
    await page.screenshot({ path: join(SHOTS_DIR, 'scenario-media-dropped.png') });
    await page.keyboard.press('t');
    expect(await page.locator('html').getAttribute('data-theme')).toBe('dark');
    await page.screenshot({ path: join(SHOTS_DIR, 'scenario-media-dropped-dark.png') });
    await page.keyboard.press('t');
  });

  it("nat-media-relay: the relay's streams, the first packets to the private address dropped", async () => {
    await pick('nat-media-relay');
    await page.getByRole('button', { name: 'To the end' }).click();
    await expect.poll(() => mediaArrows().count()).toBe(6);
    // Bob → relay → Alice's private address (3 dropped until the relay latches on her NAT's address,
    // 2 there), Alice → relay (inside and outside the NAT) → Bob.
    const t = await titles();
    expect(t.filter((x) => x.includes('\n3 dropped by the network: unroutable: 192.168.1.10'))).toHaveLength(
      1,
    );
    expect(t.filter((x) => x.includes('dropped by the network'))).toHaveLength(1);
    expect(t.map((x) => /^RTP g711U \S+ → [^,]+/.exec(x)?.[0])).toEqual([
      'RTP g711U 198.51.100.40:49170 → 198.51.100.10:30000',
      'RTP g711U 198.51.100.10:30002 → 192.168.1.10:49170',
      'RTP g711U 192.168.1.10:49170 → 198.51.100.10:30002',
      'RTP g711U 203.0.113.5:20001 → 198.51.100.10:30002',
      'RTP g711U 198.51.100.10:30000 → 198.51.100.40:49170',
      'RTP g711U 198.51.100.10:30002 → 203.0.113.5:20001',
    ]);
    await page.screenshot({ path: join(SHOTS_DIR, 'scenario-media-relay.png') });
  });
});
