/**
 * End to end, several captures opened as one: browser mode served for real, in headless Debian
 * Chromium. Two files of one call through a proxy (Alice's side, Bob's side with a copy of Alice's
 * INVITE) chosen together in the file picker are uploaded and opened as one capture: the top bar says
 * "2 captures merged · a.pcap, b2.pcap", the notice says the shared packet was kept once, the ladder
 * shows both legs. Bob's side from a host whose clock is 120 ms behind: the notice suggests the shift,
 * one click merges again with it; a shift typed in the field merges again too.
 * Screenshots (light and dark) under test-results/screenshots/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { requirePeer } from '../helpers/peers';
import { appNav, type ServedPage, shootThemes, openApp } from '../helpers/chromium';
import { bobSideBehind, bobSideWithDuplicate, files } from '../helpers/merge-capture';

const chromiumPath = requirePeer('chromium');

describe.skipIf(!chromiumPath)('several captures opened as one, in Chromium', () => {
  let served: ServedPage;
  let page: Page;
  beforeAll(async () => ({ served, page } = await openApp(chromiumPath as string)));
  afterAll(() => served?.close());

  const { showLadder, showCalls, calls } = appNav(() => page);
  const shoot = (name: string): Promise<void> => shootThemes(page, name);

  it('two files picked together: one capture named after both, the shared packet kept once', async () => {
    const { dir, a } = files();
    const b2 = bobSideWithDuplicate(dir);
    await page.getByTestId('file-input').setInputFiles([a, b2]);
    await expect
      .poll(() => page.getByTestId('capture-title').textContent(), { timeout: 20_000 })
      .toMatch(/2 captures merged\s*a\.pcap, b2\.pcap/);
    expect(await page.getByTestId('capture-title').locator('strong').getAttribute('title')).toMatch(
      /^2 captures merged by time:\na\.pcap \(2 frames\)\nb2\.pcap \(3 frames\)$/,
    );
    await expect.poll(() => calls().count(), { timeout: 20_000 }).toBe(1);
    expect(await page.getByTestId('file-diagnostics').textContent()).toContain(
      '1 packet seen in both a.pcap and b2.pcap kept once',
    );
    await shoot('merged-calls');
    await calls().first().click();
    await showLadder();
    const labels = await page.getByTestId('ladder').locator('g.arrow text.label').allTextContents();
    expect(labels.filter((l) => l.includes('INVITE'))).toHaveLength(2);
    expect(labels.filter((l) => l.includes('200'))).toHaveLength(2);
    await shoot('merged-ladder');
  });

  it('a file from a host whose clock is behind: the notice suggests the shift, one click merges again with it', async () => {
    const { dir, a } = files();
    const late = bobSideBehind(dir, 120_000);
    await page.getByTestId('file-input').setInputFiles([a, late]);
    await expect
      .poll(() => page.getByTestId('capture-title').textContent(), { timeout: 20_000 })
      .toMatch(/a\.pcap, late\.pcap/);
    const suggestion = page.getByTestId('merge-suggestion');
    await expect
      .poll(() => suggestion.textContent(), { timeout: 20_000 })
      .toContain('late.pcap seems 119 ms behind a.pcap');
    await shoot('merged-suggestion');
    await suggestion.getByRole('button', { name: 'Shift late.pcap +120 ms' }).click();
    const field = page.getByRole('textbox', { name: 'Time shift of late.pcap (ms)' });
    await expect.poll(() => field.inputValue(), { timeout: 20_000 }).toBe('+120');
    expect(await page.getByTestId('file-diagnostics').textContent()).toContain(
      'late.pcap: times shifted +0.120000 s',
    );
    await expect.poll(() => suggestion.count(), { timeout: 20_000 }).toBe(0);
    await calls().first().click();
    await showLadder();
    const labels = await page.getByTestId('ladder').locator('g.arrow text.label').allTextContents();
    expect(labels.slice(0, 2).every((l) => l.includes('INVITE'))).toBe(true);
    await shoot('merged-shifted-ladder');
    await showCalls();
    // A shift typed in the field: Merge again (an invalid one cannot be sent).
    await field.fill('12x');
    expect(await page.getByTestId('merge-again').isDisabled()).toBe(true);
    await field.fill('-40.5');
    await page.getByTestId('merge-again').click();
    await expect
      .poll(() => page.getByTestId('file-diagnostics').textContent(), { timeout: 20_000 })
      .toContain('late.pcap: times shifted −0.040500 s');
  });
});
