/**
 * End to end, a lab's phones with real RTP, in headless Debian Chromium (browser mode served for
 * real): a lab of two phones on loopback (Alice calls Bob, the default media: her tone, his echo);
 * the console's Media section lists what each phone sends (and its calls) and the call's two sessions sending and
 * echoing (Bob echoes the keypad's RFC 4733 digit too, and the call's summary says it was echoed), and
 * the live ladder draws the two RTP streams between their lanes; Play call audio plays
 * them while the call runs. Screenshots (light and dark) under test-results/screenshots/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { requirePeer } from '../helpers/peers';
import { SHOTS_DIR, type ServedPage, openApp } from '../helpers/chromium';

const chromiumPath = requirePeer('chromium');

const LAB = [
  'name: media-e2e',
  'title: Two lab phones with real RTP',
  'description: Alice calls Bob; she plays her note, he echoes it back.',
  'nodes:',
  '  - { name: Alice, role: ua, address: "127.0.37.2:5060", aor: "sip:alice@127.0.37.2" }',
  '  - { name: Bob, role: ua, address: "127.0.37.3:5060", aor: "sip:bob@127.0.37.3" }',
  'steps:',
  '  - { at: 0.5s, node: Alice, action: call, to: "sip:bob@127.0.37.3" }',
  '  - { at: 30s, node: Alice, action: hangup }',
].join('\n');

describe.skipIf(!chromiumPath)('a lab with real RTP, in Chromium', () => {
  let served: ServedPage;
  let page: Page;
  beforeAll(async () => ({ served, page } = await openApp(chromiumPath as string)));
  afterAll(() => served?.close());

  const dark = async (name: string): Promise<void> => {
    await page.keyboard.press('t');
    expect(await page.locator('html').getAttribute('data-theme')).toBe('dark');
    await page.screenshot({ path: join(SHOTS_DIR, name) });
    await page.keyboard.press('t');
  };

  it('the console lists the phones’ media and the call’s sessions; the live ladder draws both streams', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sipscope-media-lab-'));
    writeFileSync(join(dir, 'media-lab.yaml'), LAB);
    await page.getByRole('navigation').getByRole('button', { name: 'Lab' }).click();
    await page.getByTestId('lab-file').setInputFiles(join(dir, 'media-lab.yaml'));
    const text = (id: string) => async (): Promise<string[]> =>
      page
        .getByTestId(id)
        .locator('li')
        .evaluateAll((li) => li.map((l) => (l.textContent ?? '').replace(/\s+/g, ' ').trim()));
    await expect.poll(text('lab-media-phones'), { timeout: 15_000 }).toEqual([
      // (and the phone's calls: a lab phone keeps its newest 100 ended ones, the rest counted)
      'Alice tone 440 Hz when calling, echo when called · 1 call: 1 now, 0 ended',
      'Bob tone 523 Hz when calling, echo when called · 1 call: 1 now, 0 ended',
    ]);
    await expect
      .poll(async () => (await text('lab-media-sessions')()).map((s) => s.replace(/ · .*/, '')), {
        timeout: 15_000,
      })
      .toEqual([
        // (lab phones offer rtcp-mux, RFC 5761: both sides agree)
        'Alice sending tone PCMU, rtcp-mux 127.0.37.2:49170 → 127.0.37.3:49170',
        'Bob echoing echo PCMU, rtcp-mux 127.0.37.3:49170 → 127.0.37.2:49170',
      ]);
    // the keypad: Alice presses 5 (RFC 4733, the call agreed telephone-event), then # as SIP INFO
    const alice = page.getByTestId('lab-media-sessions').locator('li').first();
    await alice.getByRole('button', { name: 'press 5' }).click();
    await expect.poll(() => alice.getByTestId('lab-dtmf-said').textContent()).toBe('5: RFC 4733 events');
    await page.getByTestId('lab-dtmf-method').selectOption('info');
    await alice.getByRole('button', { name: 'press #' }).click();
    await expect.poll(() => alice.getByTestId('lab-dtmf-said').textContent()).toBe('#: SIP INFO');
    await page.getByTestId('lab-dtmf-method').selectOption('auto');
    // Bob echoes the RFC 4733 event back, as an echo test does, and says so in the event log
    await expect
      .poll(() => page.getByText('media: echoing DTMF 5 back (RFC 4733 telephone-event/101').count(), {
        timeout: 10_000,
      })
      .toBe(1);
    await page.getByTestId('lab-media').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(SHOTS_DIR, 'lab-media-console.png') });
    await dark('lab-media-console-dark.png');

    await page.getByRole('button', { name: 'Calls & ladder ›' }).click();
    const calls = page.getByTestId('calls-table').locator('tr.msg');
    await expect.poll(() => calls.count(), { timeout: 10_000 }).toBeGreaterThan(0);
    await calls.last().click();
    await page.getByRole('navigation').getByRole('button', { name: 'Ladder' }).click();
    const arrows = page.getByTestId('ladder').locator('g.arrow[data-id^="-"] text.label');
    await expect.poll(() => arrows.count(), { timeout: 10_000 }).toBe(2);
    await expect
      .poll(() => page.getByTestId('call-media').textContent(), { timeout: 10_000 })
      .toMatch(/two-way|both ways/i);
    expect(await arrows.first().textContent()).toMatch(/^RTP (PCMU|g711U)/);
    // the call's digits: Alice's 5 echoed back by Bob (not "callee pressed 5"), then her # as INFO
    await expect
      .poll(() => page.getByTestId('call-dtmf').locator('.dtmf-run').allTextContents(), { timeout: 10_000 })
      .toEqual([
        expect.stringMatching(
          /^caller pressed 5 at 00:\d\d\.\d \(RTP events \(RFC 4733\)\), echoed back by the callee$/,
        ),
        expect.stringMatching(/^caller pressed # at 00:\d\d\.\d \(SIP INFO\)$/),
      ]);
    // Hear it while it runs: the lab's live trace keeps the phones' RTP like any live source's
    await page.getByTestId('call-audio-play').click();
    // (what came so far: its length is the call's age when Play was pressed, under a second on a
    // quiet machine — any audio, not a length)
    const length = async (): Promise<number> => {
      const m = / \/ (\d+):(\d\d\.\d)$/.exec(
        (await page.getByTestId('call-audio-position').textContent()) ?? '',
      );
      return m ? Number(m[1]) * 60 + Number(m[2]) : 0;
    };
    await expect.poll(length, { timeout: 10_000 }).toBeGreaterThan(0);
    expect(await page.getByTestId('call-audio-error').count()).toBe(0);
    expect(await page.getByTestId('call-audio').textContent()).toContain('stereo');
    await page.screenshot({ path: join(SHOTS_DIR, 'lab-media-ladder.png') });
    await dark('lab-media-ladder-dark.png');
    expect(served.errors).toEqual([]);
    await page.getByRole('navigation').getByRole('button', { name: 'Lab' }).click();
    await page.getByRole('button', { name: 'Stop' }).click();
  }, 60_000);
});
