/**
 * End to end, the pinned message marked where it is listed: browser mode served for real, in headless
 * Debian Chromium. The sample's INVITE pinned in the inspector shows a push-pin (named "Unpin message
 * #0 …") in the messages list and on its ladder arrow; a click on either unpins it (the inspector's
 * button reads Pin again, the marks go). Screenshots (light and dark) under test-results/screenshots/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { requirePeer } from '../helpers/peers';
import { appNav, servePage, type ServedPage, shootThemes } from '../helpers/chromium';

const chromiumPath = requirePeer('chromium');

describe.skipIf(!chromiumPath)('the pinned message marked in the lists, in Chromium', () => {
  let served: ServedPage;
  let page: Page;

  beforeAll(async () => {
    served = await servePage(chromiumPath as string);
    page = served.page;
    await page.goto(served.server.url);
    await page.getByTestId('sample-calls').click();
    await page.getByTestId('calls-table').locator('tr.msg').nth(4).waitFor({ timeout: 20_000 });
  });

  afterAll(async () => {
    await served?.close();
  });

  const { showLadder, showCalls, calls } = appNav(() => page);
  const msgs = (): ReturnType<Page['locator']> => page.getByTestId('messages-table').locator('tbody tr.msg');

  it('marks the pinned row in the messages list and on the ladder; a click there unpins it', async () => {
    await calls().first().click();
    await expect.poll(() => msgs().count(), { timeout: 20_000 }).toBe(13);
    await msgs().nth(0).click();
    await expect.poll(() => page.getByTestId('raw-message').textContent()).toMatch(/^INVITE /);
    expect(await page.getByTestId('pinned-mark').count()).toBe(0);
    await page.getByTestId('pin-message').click();
    const rowMark = msgs()
      .nth(0)
      .getByRole('button', { name: /^Unpin message #0\b/ });
    await expect.poll(() => rowMark.count()).toBe(1);
    expect(await msgs().locator('[data-testid="pinned-mark"]').count()).toBe(1);
    await msgs().nth(2).click();
    await page.getByTestId('pinned-diff').waitFor();
    await shootThemes(page, 'pinned-messages-list');
    // On the ladder: the INVITE's arrow carries the mark (a picture: not a control nested in the
    // arrow's option), and its name says it is pinned.
    await showLadder();
    const ladderMark = page.getByTestId('ladder').getByTestId('pinned-mark');
    await expect.poll(() => ladderMark.count(), { timeout: 10_000 }).toBe(1);
    expect(await ladderMark.locator('xpath=..').getAttribute('data-id')).toBe('0');
    const pinnedArrow = page.getByTestId('ladder').getByRole('option', { name: /, pinned to compare with$/ });
    expect(await pinnedArrow.getAttribute('data-id')).toBe('0');
    await shootThemes(page, 'pinned-ladder');
    await ladderMark.click();
    await expect.poll(() => ladderMark.count()).toBe(0);
    await showCalls();
    expect(await page.getByTestId('pinned-mark').count()).toBe(0);
    // Pinned again, unpinned from the list.
    await msgs().nth(0).click();
    await page.getByTestId('pin-message').click();
    await expect.poll(() => rowMark.count()).toBe(1);
    await rowMark.click();
    await expect.poll(() => page.getByTestId('pin-message').textContent()).toBe('Pin');
    expect(await page.getByTestId('pinned-mark').count()).toBe(0);
  });
});
