/**
 * End to end, what a user tripped over in the capture screens (session 26's list), in headless
 * Chromium on browser mode served for real (a fresh vite build of the renderer):
 * - on a 1280×800 laptop screen the calls list shows every default column (Diag included) and the
 *   messages list its CSeq, dropping Proto and Frame instead and saying so; at 1366 and 1440 px both
 *   lists show every column;
 * - the messages list follows the calls list's filter (the messages of the calls it keeps) and says
 *   so in its header: a filter that keeps no call lists no message;
 * - the problems sample opens with its most broken call first (Diag order: errors first), the sorted
 *   column's header whole;
 * - a lab's description reads whole when it fits in its three lines (no "More…", no ellipsis glued
 *   to its last word, "lookup.…"), what the lab teaches on its own line.
 * Screenshots (light and dark) under test-results/screenshots/ux-*.png.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { requirePeer } from '../helpers/peers';
import { freeUdpPort } from '../helpers/udp';
import {
  buildRenderer,
  listHeader,
  openSampleFromMenu,
  SHOTS_DIR,
  servePage,
  shootThemes,
  type ServedPage,
} from '../helpers/chromium';
import { LAB_DIR } from '../../src/main/service/labs';

const chromiumPath = requirePeer('chromium');

describe.skipIf(!chromiumPath)(
  'the capture screens at laptop sizes, the filter, the problems sample, a lab',
  () => {
    let served: ServedPage;
    let page: Page;
    let labDir: string;

    beforeAll(async () => {
      served = await servePage(chromiumPath as string, { webRoot: buildRenderer('e2e-ux-list') });
      page = served.page;
      labDir = mkdtempSync(join(tmpdir(), 'sipscope-ux-lab-'));
      await page.setViewportSize({ width: 1280, height: 800 });
      await page.goto(served.server.url);
      await page.getByTestId('sample-calls').click();
      await page.getByTestId('calls-table').locator('tr.msg').nth(4).waitFor({ timeout: 20_000 });
    });

    afterAll(async () => {
      await served?.close();
      if (labDir) rmSync(labDir, { recursive: true, force: true });
    });

    const headerCells = (id: string): ReturnType<typeof listHeader> => listHeader(page, id);

    const calls = (): Locator => page.getByTestId('calls-table').locator('tr.msg');
    const messages = (): Locator => page.getByTestId('messages-table').locator('tr.msg');
    const heading = (name: string): Promise<string> =>
      page
        .getByRole('heading', { name: new RegExp(`^${name}`) })
        .textContent()
        .then((t) => (t ?? '').replace(/\s+/g, ' ').trim());

    it('at 1280×800 shows every calls column and the messages list with its CSeq (Proto and Frame dropped, said)', async () => {
      const list = await headerCells('calls-table');
      expect(list.cells.map((c) => c.text)).toEqual([
        'Start ▴',
        'From',
        'To',
        'State',
        'Final',
        'PDD',
        'Duration',
        'Msgs',
        'Diag',
      ]);
      expect(list.cells.filter((c) => !c.inView || c.cut)).toEqual([]);
      // (with room for a classic 15 px scrollbar: Electron on Linux shows them)
      expect(list.table + 15).toBeLessThanOrEqual(list.room);
      const msgs = await headerCells('messages-table');
      expect(msgs.cells.map((c) => c.text)).toEqual([
        '#',
        'Time',
        'Source',
        'Destination',
        'Message',
        'CSeq',
      ]);
      expect(msgs.cells.filter((c) => !c.inView || c.cut)).toEqual([]);
      expect(msgs.table + 15).toBeLessThanOrEqual(msgs.room);
      expect(await page.getByTestId('messages-hidden').textContent()).toBe('Proto, Frame hidden');
      // A row's CSeq reads whole in view.
      expect((await messages().first().locator('td').last().textContent())?.trim()).toBe('1 INVITE');
      await shootThemes(page, 'ux-calls-1280');
    });

    it('at 1366×768 and 1440×900 shows every column of both lists', async () => {
      try {
        for (const [width, height] of [
          [1366, 768],
          [1440, 900],
        ] as const) {
          await page.setViewportSize({ width, height });
          await expect
            .poll(async () => (await headerCells('messages-table')).cells.length, { timeout: 5_000 })
            .toBe(8);
          for (const id of ['calls-table', 'messages-table']) {
            const l = await headerCells(id);
            expect(
              l.cells.filter((c) => !c.inView || c.cut),
              `${id} at ${width}`,
            ).toEqual([]);
            expect(l.table + 15, `${id} at ${width}`).toBeLessThanOrEqual(l.room);
          }
          expect(await page.getByTestId('messages-hidden').count()).toBe(0);
          await page.screenshot({ path: join(SHOTS_DIR, `ux-calls-${width}.png`) });
        }
      } finally {
        await page.setViewportSize({ width: 1280, height: 800 });
      }
    });

    it('lists the messages of the calls the filter keeps, and says so; none when it keeps none', async () => {
      expect(await heading('Messages')).toBe('Messages 49');
      const filter = page.getByRole('combobox', { name: 'Filter calls' });
      await filter.fill('call.state == "busy"');
      await filter.press('Enter');
      await expect.poll(() => calls().count(), { timeout: 10_000 }).toBe(1);
      // the busy call's 7 messages, all of them its own
      await expect.poll(() => heading('Messages'), { timeout: 10_000 }).toBe('Messages 7');
      expect(await page.getByTestId('messages-scope').textContent()).toMatch(
        /^\s*of the 1 filtered call\s*$/,
      );
      expect(await messages().count()).toBe(7);
      const busyCall = (await calls().first().textContent()) ?? '';
      expect(busyCall).toContain('486');
      // (the 't' key switches the theme: not typed into the filter)
      await filter.blur();
      await shootThemes(page, 'ux-messages-filtered');
      // A filter that keeps no call: "Calls 0", and no message either (before: all 49 still listed).
      await filter.fill('call.state == "cancelled"');
      await filter.press('Enter');
      await expect.poll(() => heading('Calls'), { timeout: 10_000 }).toBe('Calls 0');
      await expect.poll(() => heading('Messages'), { timeout: 10_000 }).toBe('Messages 0');
      expect(await messages().count()).toBe(0);
      expect(await page.getByTestId('messages-scope').textContent()).toMatch(/of the 0 filtered calls/);
      // A call selected: its messages (the header names it); cleared: every message again.
      await page.getByRole('button', { name: 'Clear the filter' }).click();
      await expect.poll(() => heading('Messages'), { timeout: 10_000 }).toBe('Messages 49');
      expect(await page.getByTestId('messages-scope').count()).toBe(0);
      await calls().nth(3).click();
      await expect.poll(() => heading('Messages'), { timeout: 10_000 }).toBe('Messages 7');
      expect((await page.getByTestId('messages-scope').textContent())?.replace(/\s+/g, ' ').trim()).toMatch(
        /^of call C\d+$/,
      );
      await page.getByRole('button', { name: 'Show all messages' }).click();
      await expect.poll(() => heading('Messages'), { timeout: 10_000 }).toBe('Messages 49');
    });

    it('opens the problems sample with its most broken call first, the Diag header whole', async () => {
      // (a filter kept from the test before would hide its calls)
      const filter = page.getByRole('combobox', { name: 'Filter calls' });
      if ((await filter.inputValue()) !== '') {
        await filter.fill('');
        await filter.press('Enter');
        await filter.blur();
      }
      await openSampleFromMenu(page, 1, 'sample-problems.pcap');
      await expect.poll(() => calls().count(), { timeout: 20_000 }).toBe(6);
      const list = await headerCells('calls-table');
      expect(list.cells.map((c) => c.text).at(-1)).toBe('Diag ▴');
      expect(list.cells.filter((c) => !c.inView || c.cut)).toEqual([]);
      // erin's call (2xx never ACKed, errors) first; the two clean calls last.
      const diag = async (i: number): Promise<string> =>
        ((await calls().nth(i).locator('td').last().textContent()) ?? '').trim();
      await expect.poll(() => diag(0), { timeout: 20_000 }).toBe('7');
      expect(await calls().first().textContent()).toContain('erin');
      expect([await diag(4), await diag(5)]).toEqual(['', '']);
      await shootThemes(page, 'ux-problems-sample');
    });

    it("shows a lab's description whole when it fits its three lines, what it teaches below", async () => {
      const port = await freeUdpPort();
      const yaml = readFileSync(join(LAB_DIR, 'registrar-proxy.yaml'), 'utf8').replace(
        /127\.0\.0\.1:5060/g,
        `127.0.0.1:${port}`,
      );
      writeFileSync(join(labDir, 'registrar-proxy.yaml'), yaml);
      await page.getByRole('navigation').getByRole('button', { name: 'Lab' }).click();
      await page.getByTestId('lab-file').setInputFiles(join(labDir, 'registrar-proxy.yaml'));
      const about = page.getByTestId('lab-about');
      await about.waitFor({ timeout: 15_000 });
      try {
        const text = about.locator('p').first();
        const whole = (): Promise<boolean> => text.evaluate((p) => p.scrollHeight <= p.clientHeight + 1);
        // 1280 px: the description takes three lines: all of it shows, no More…
        await expect.poll(whole, { timeout: 5_000 }).toBe(true);
        expect(await about.getByRole('button', { name: 'More…' }).count()).toBe(0);
        expect((await text.textContent())?.trim()).toMatch(/404 from the location lookup\.$/);
        const teaches = about.locator('p.teaches');
        expect(await teaches.textContent()).toMatch(/^Teaches: RFC 3261 §10/);
        expect(await teaches.isVisible()).toBe(true);
        await shootThemes(page, 'ux-lab-about-1280');
        // Narrower: three lines hold less; More… opens the rest, Less closes it.
        await page.setViewportSize({ width: 1000, height: 800 });
        await expect.poll(whole, { timeout: 5_000 }).toBe(false);
        await about.getByRole('button', { name: 'More…' }).click();
        await expect.poll(whole).toBe(true);
        expect(await about.getByRole('button', { name: 'Less' }).getAttribute('aria-expanded')).toBe('true');
        await about.getByRole('button', { name: 'Less' }).click();
        await expect.poll(whole).toBe(false);
      } finally {
        await page.setViewportSize({ width: 1280, height: 800 });
        await page.getByRole('button', { name: /^Stop/ }).first().click();
      }
    });

    it('raised no page errors', () => {
      expect(served.errors).toEqual([]);
    });
  },
);
