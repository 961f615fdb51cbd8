/**
 * End to end, several captures opened as one: browser mode served for real, in headless Debian
 * Chromium. Two files of one call through a proxy (Alice's side, Bob's side with a copy of Alice's
 * INVITE) chosen together in the file picker are uploaded and opened as one capture: the top bar names
 * "a.pcap + b2.pcap", the notice says the shared packet was kept once, the ladder shows both legs.
 * Screenshots (light and dark) under test-results/screenshots/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { requirePeer } from '../helpers/peers';
import { appNav, servePage, type ServedPage, shootThemes } from '../helpers/chromium';
import { bobSideWithDuplicate, files } from '../helpers/merge-capture';

const chromiumPath = requirePeer('chromium');

describe.skipIf(!chromiumPath)('several captures opened as one, in Chromium', () => {
  let served: ServedPage;
  let page: Page;

  beforeAll(async () => {
    served = await servePage(chromiumPath as string);
    page = served.page;
    await page.goto(served.server.url);
  });

  afterAll(async () => {
    await served?.close();
  });

  const { showLadder, calls } = appNav(() => page);
  const shoot = (name: string): Promise<void> => shootThemes(page, name);

  it('two files picked together: one capture named after both, the shared packet kept once', async () => {
    const { dir, a } = files();
    const b2 = bobSideWithDuplicate(dir);
    await page.getByTestId('file-input').setInputFiles([a, b2]);
    await expect
      .poll(() => page.getByTestId('capture-title').textContent(), { timeout: 20_000 })
      .toContain('a.pcap + b2.pcap');
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
});
