/**
 * End to end for the user's split and join of calls (issue #5) in headless Chromium, browser mode
 * served for real (a fresh vite build of the renderer): a capture with a B2BUA call of two legs
 * (X-CID) and an unrelated call; the legs panel with each link's reason, confidence and detail; a
 * link split, two calls joined, the calls list, its chips and the ladder updated at once; the edits
 * applied again when the file is opened again. Screenshots (light and dark) in test-results/screenshots/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { requirePeer } from '../helpers/peers';
import { appNav, buildRenderer, servePage, type ServedPage, shootThemes } from '../helpers/chromium';
import { LEG_A, LEG_B, UNRELATED, writeB2buaCapture } from '../helpers/b2bua-capture';

const chromiumPath = requirePeer('chromium');

describe.skipIf(!chromiumPath)('split and join calls in Chromium', () => {
  let served: ServedPage;
  let page: Page;
  let pageErrors: string[] = [];
  const file = writeB2buaCapture(join(mkdtempSync(join(tmpdir(), 'sipscope-call-edits-e2e-')), 'b2bua.pcap'));

  beforeAll(async () => {
    served = await servePage(chromiumPath as string, { webRoot: buildRenderer('e2e-call-edits') });
    ({ page, errors: pageErrors } = served);
    await page.goto(served.server.url);
  });

  afterAll(async () => {
    await served?.close();
  });

  const rows = (): ReturnType<Page['locator']> => page.getByTestId('calls-table').locator('tr.msg');
  /** Each row's legs (its Call-IDs, from the row's title). */
  const rowIds = async (): Promise<string[][]> => {
    const out: string[][] = [];
    for (let i = 0; i < (await rows().count()); i++)
      out.push(((await rows().nth(i).getAttribute('title')) ?? '').split('\n'));
    return out;
  };
  const chipTotal = async (): Promise<number> =>
    (await page.getByTestId('calls-summary').locator('b').allTextContents()).reduce(
      (n, t) => n + Number(t),
      0,
    );
  const legs = (): ReturnType<Page['getByTestId']> => page.getByTestId('call-legs');
  const { showLadder, showCalls } = appNav(() => page);
  const shoot = (name: string): Promise<void> => shootThemes(page, name);
  /** The Call-IDs of the ladder's legs legend (empty when it has one leg). */
  const ladderLegs = async (): Promise<string[]> => {
    const legend = page.getByTestId('ladder-legs');
    return (await legend.count()) ? legend.locator('.cid').allTextContents() : [];
  };

  it('shows the legs of a B2BUA call and why they are one call', async () => {
    await served.host.openPath(file);
    await expect
      .poll(() => page.getByTestId('capture-title').textContent(), { timeout: 30_000 })
      .toContain('b2bua.pcap');
    // After the full analysis: the two legs are one call (C1), the unrelated call is C3.
    await expect.poll(rowIds, { timeout: 30_000 }).toEqual([[LEG_A, LEG_B], [UNRELATED]]);
    expect(await legs().count()).toBe(0);
    await rows().first().click();
    await legs().waitFor();
    expect(await legs().locator('.cid').allTextContents()).toEqual([LEG_A, LEG_B]);
    const link = legs().getByTestId('call-link');
    expect(await link.count()).toBe(1);
    expect((await link.locator('td').allTextContents()).map((t) => t.trim())).toEqual([
      'A ⟷ B',
      'X-CID header',
      '95%',
      `x-cid: ${LEG_A}`,
      'Split',
    ]);
    await shoot('call-legs');
    await showLadder();
    await expect.poll(ladderLegs).toEqual([LEG_A, LEG_B]);
    await showCalls();
  });

  it('splits the link: two calls at once in the list, its chips and the ladder', async () => {
    expect(await chipTotal()).toBe(2);
    await legs().getByRole('button', { name: 'Split', exact: true }).click();
    await expect.poll(rowIds).toEqual([[LEG_A], [LEG_B], [UNRELATED]]);
    await expect.poll(chipTotal).toBe(3);
    expect(await legs().count()).toBe(0);
    // The split call stays selected: its ladder has its own leg only.
    expect(await rows().nth(0).getAttribute('aria-selected')).toBe('true');
    await showLadder();
    await expect.poll(() => page.getByTestId('ladder').getAttribute('data-ladder-rows')).toBe('5');
    expect(await ladderLegs()).toEqual([]);
    await showCalls();
  });

  it('joins two calls selected in the list (reason: the user), the ladder shows every leg', async () => {
    await rows().nth(1).click();
    await rows()
      .nth(2)
      .click({ modifiers: ['Control'] });
    await expect.poll(() => page.getByTestId('calls-selected').textContent()).toBe('2 selected');
    await shoot('calls-join-selected');
    await page.getByTestId('calls-join').click();
    await expect.poll(rowIds).toEqual([[LEG_A], [LEG_B, UNRELATED]]);
    await expect.poll(chipTotal).toBe(2);
    await legs().waitFor();
    expect(await legs().locator('.cid').allTextContents()).toEqual([LEG_B, UNRELATED]);
    const link = legs().getByTestId('call-link');
    expect(await link.getAttribute('data-reason')).toBe('manual');
    expect((await link.locator('td').nth(1).textContent())?.trim()).toBe('joined by you');
    await shoot('call-legs-joined');
    await showLadder();
    await expect.poll(ladderLegs).toEqual([LEG_B, UNRELATED]);
    await expect.poll(() => page.getByTestId('ladder').getAttribute('data-ladder-rows')).toBe('8');
    await showCalls();
  });

  it('applies the edits again when the file is opened again', async () => {
    const again = await served.host.openPath(file);
    await expect.poll(() => page.getByTestId('capture-title').textContent()).toContain('b2bua.pcap');
    await served.host.invoke('capture:stats', { captureId: again.id }); // the full analysis ended
    await expect.poll(rowIds, { timeout: 30_000 }).toEqual([[LEG_A], [LEG_B, UNRELATED]]);
    await rows().nth(1).click();
    await legs().waitFor();
    expect(await legs().locator('.cid').allTextContents()).toEqual([LEG_B, UNRELATED]);
    expect(pageErrors).toEqual([]);
  });

  const chip = (): ReturnType<Page['getByTestId']> => page.getByTestId('call-edits');
  const recentMark = async (): Promise<string | null> => {
    const rail = page.getByRole('navigation');
    const menu = rail.getByRole('button', { name: 'Recent captures' });
    if (await menu.count()) {
      await menu.click();
      const m = page.getByTestId('recent-menu').getByTestId('recent-edits');
      const t = (await m.count()) ? await m.first().textContent() : null;
      await menu.click();
      return t;
    }
    const m = rail.getByTestId('recent-edits');
    return (await m.count()) ? await m.first().textContent() : null;
  };

  it("says the calls carry the user's edits: a chip beside the title, each edit on hover", async () => {
    await chip().waitFor();
    expect(await chip().textContent()).toBe('2 edits');
    const title = (await chip().getAttribute('title')) ?? '';
    expect(title.split('\n').slice(1)).toEqual([
      `split ${LEG_A} / ${LEG_B}`,
      `joined ${LEG_B} + ${UNRELATED}`,
    ]);
  });

  it('splits one leg off its call in one click (Split off), the list at once', async () => {
    await legs().getByTestId('call-leg').nth(1).getByRole('button', { name: 'Split off' }).click();
    await expect.poll(rowIds).toEqual([[LEG_A], [LEG_B], [UNRELATED]]);
    await expect.poll(chipTotal).toBe(3);
    // The pair's split replaced its join: still two edits.
    await expect.poll(() => chip().textContent()).toBe('2 edits');
    await expect.poll(recentMark).toBe('2 edits');
  });

  it('takes one edit back (Undo): those legs as the analysis linked them, the other edit kept', async () => {
    await chip().click();
    const panel = page.getByTestId('call-edits-panel');
    await panel.waitFor();
    expect(await panel.getByTestId('call-edit').allTextContents()).toHaveLength(2);
    await shoot('call-edits-panel');
    await panel.getByTestId('call-edit').first().getByRole('button', { name: 'Undo' }).click();
    await expect.poll(rowIds).toEqual([[LEG_A, LEG_B], [UNRELATED]]);
    await expect.poll(() => chip().textContent()).toBe('1 edit');
    await expect.poll(() => panel.getByTestId('call-edit').count()).toBe(1);
    await expect.poll(recentMark).toBe('1 edit');
  });

  it('takes every edit back (Undo all): no chip, no mark in the recent list', async () => {
    if (!(await page.getByTestId('call-edits-panel').count())) await chip().click();
    await page.getByTestId('call-edits-undo-all').click();
    await expect.poll(() => chip().count()).toBe(0);
    await expect.poll(rowIds).toEqual([[LEG_A, LEG_B], [UNRELATED]]);
    await expect.poll(recentMark).toBe(null);
    expect(pageErrors).toEqual([]);
  });
});
