/**
 * End to end, the NAT media lab (resources/labs/nat-media.yaml) with the proxy's media relay on, in
 * headless Debian Chromium (browser mode served for real), as a trainer shows it: the lab file with
 * the rtpproxy_manage() line uncommented (addresses moved, the call shortened to ~12 s); the console's
 * Media section lists the relayed call with both sides latched, and the live ladder draws the four
 * RTP legs (Alice's NAT mapping → proxy → Bob, Bob → proxy → the mapping) between the lanes. Screenshots (light and dark)
 * under test-results/screenshots/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { requirePeer } from '../helpers/peers';
import { shootThemes, type ServedPage, openApp } from '../helpers/chromium';

const chromiumPath = requirePeer('chromium');

const LAB = readFileSync(join(import.meta.dirname, '../../resources/labs/nat-media.yaml'), 'utf8')
  .replace(
    '# if (is_method("INVITE")) { rtpproxy_manage(); }',
    'if (is_method("INVITE")) { rtpproxy_manage(); }',
  )
  .replaceAll('127.0.3.', '127.0.73.')
  .replaceAll('127.0.4.1', '127.0.74.1')
  .replaceAll('127.0.0.50', '127.0.72.50')
  .replaceAll('127.0.0.60', '127.0.72.60')
  .replace('at: 2s, node: Alice, action: call', 'at: 0.5s, node: Alice, action: call')
  .replace('at: 14s, node: Alice, action: hangup', 'at: 12s, node: Alice, action: hangup');

describe.skipIf(!chromiumPath)('the NAT media lab’s relay, in Chromium', () => {
  let served: ServedPage;
  let page: Page;
  beforeAll(async () => ({ served, page } = await openApp(chromiumPath as string)));
  afterAll(() => served?.close());

  it('the Media section shows the relayed call latched on both sides; the ladder draws four RTP legs', async () => {
    expect(LAB).toContain('if (is_method("INVITE")) { rtpproxy_manage(); }');
    const dir = mkdtempSync(join(tmpdir(), 'sipscope-relay-lab-'));
    writeFileSync(join(dir, 'nat-media.yaml'), LAB);
    await page.getByRole('navigation').getByRole('button', { name: 'Lab' }).click();
    await page.getByTestId('lab-file').setInputFiles(join(dir, 'nat-media.yaml'));
    const row = async (): Promise<string> =>
      (
        await page
          .getByTestId('lab-media')
          .locator('[data-testid="lab-media-relays"] li')
          .evaluateAll((li) => li.map((l) => (l.textContent ?? '').replace(/\s+/g, ' ').trim()))
      ).join('\n');
    await expect
      .poll(row, { timeout: 15_000 })
      .toMatch(
        /^proxy media relay caller → 127\.0\.72\.50:\d+ → callee 127\.0\.72\.60:49170 \(latched\); callee → 127\.0\.72\.50:\d+ → caller 127\.0\.74\.1:\d+ \(latched\) · \d+ from the caller, \d+ from the callee$/,
      );
    // the long description: three whole lines and More…, then all of it (no inner scroll box)
    const about = page.getByTestId('lab-about');
    const text = about.locator('p').first();
    const clamped = (await text.boundingBox())!.height;
    expect(clamped).toBeLessThan(60);
    await about.getByRole('button', { name: 'More…' }).click();
    expect(await about.getByRole('button', { name: 'Less' }).getAttribute('aria-expanded')).toBe('true');
    expect((await text.boundingBox())!.height).toBeGreaterThan(clamped * 2);
    expect(await about.textContent()).toContain('Fix 2, comedia');
    await about.getByRole('button', { name: 'Less' }).click();
    await page.getByTestId('lab-media').scrollIntoViewIfNeeded();
    await shootThemes(page, 'lab-relay-console');

    await page.getByRole('button', { name: 'Calls & ladder ›' }).click();
    const calls = page.getByTestId('calls-table').locator('tr.msg');
    await expect.poll(() => calls.count(), { timeout: 10_000 }).toBeGreaterThan(0);
    await calls.last().click();
    await page.getByRole('navigation').getByRole('button', { name: 'Ladder' }).click();
    const arrows = page.getByTestId('ladder').locator('g.arrow[data-id^="-"] text.label');
    // the four legs (and, when Bob's first packet reached the relay before Alice's, the one or two
    // it sent to her private SDP address before latching on her NAT mapping)
    const legs = async (): Promise<number> =>
      (await arrows.allTextContents()).filter((t) => Number(/· (\d+) pkts/.exec(t)?.[1] ?? 0) >= 10).length;
    await expect.poll(legs, { timeout: 10_000 }).toBe(4);
    expect(await arrows.count()).toBeLessThanOrEqual(5);
    expect(await arrows.first().textContent()).toMatch(/^RTP (PCMU|g711U)/);
    await shootThemes(page, 'lab-relay-ladder');
    expect(served.errors).toEqual([]);
    await page.getByRole('navigation').getByRole('button', { name: 'Lab' }).click();
    await page.getByRole('button', { name: 'Stop' }).click();
  }, 60_000);
});
