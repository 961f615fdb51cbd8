/**
 * End to end for the calls list, the inspector and the scenario player's side panels: browser mode
 * served for real (a fresh vite build of the renderer, so others' out/ cannot be stale), driven in
 * headless Debian Chromium through playwright-core. Screenshots go to test-results/screenshots/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { requirePeer } from '../helpers/peers';
import {
  buildRenderer,
  listHeader,
  SHOTS_DIR,
  servePage,
  shootThemes,
  type ServedPage,
} from '../helpers/chromium';

const chromiumPath = requirePeer('chromium');
const root = resolve(import.meta.dirname, '..', '..');
const shots = SHOTS_DIR;

describe.skipIf(!chromiumPath)('calls list, inspector and scenario panels in Chromium', () => {
  let served: ServedPage;
  let page: Page;
  let pageErrors: string[] = [];

  beforeAll(async () => {
    served = await servePage(chromiumPath as string, { webRoot: buildRenderer('e2e-calls') });
    ({ page, errors: pageErrors } = served);
    await page.goto(served.server.url);
    await page.getByTestId('sample-calls').click();
    await page.getByTestId('calls-table').locator('tr.msg').nth(4).waitFor({ timeout: 20_000 });
  });

  afterAll(async () => {
    await served?.close();
  });

  const headers = (): Promise<string[]> =>
    page.getByTestId('calls-table').locator('thead th').allTextContents();

  it('fits both lists of the Calls area in the default 1400 px window, the side bar compact (and widens it on request)', async () => {
    // The window (1400 px, the app's default) is narrower than 1560: the rail shows icons and short
    // labels, its buttons keep their full names.
    const rail = page.getByRole('navigation', { name: 'Areas' });
    expect(Math.round((await rail.boundingBox())!.width)).toBe(64);
    await expect
      .poll(async () => (await rail.getByRole('button', { name: 'Captures & calls' }).textContent())?.trim())
      .toBe('Calls');
    // Every column of both lists shows, headers uncut, with room left for a classic 15 px scrollbar
    // (headless Chromium hides scrollbars; Electron on Linux shows them).
    for (const id of ['calls-table', 'messages-table']) {
      const t = await listHeader(page, id);
      expect(
        t.cells.filter((c) => c.cut || !c.inView),
        id,
      ).toEqual([]);
      expect(t.table + 15, id).toBeLessThanOrEqual(t.room);
    }
    await page.screenshot({ path: join(shots, 'calls-area-1400.png') });
    // Widened by hand: the labelled rail, remembered across a reload; narrowed back the same way.
    await rail.getByRole('button', { name: 'Widen the side bar' }).click();
    expect(Math.round((await rail.boundingBox())!.width)).toBe(176);
    await page.reload();
    await page.getByTestId('calls-table').locator('tr.msg').nth(4).waitFor({ timeout: 20_000 });
    expect(Math.round((await rail.boundingBox())!.width)).toBe(176);
    expect((await rail.getByRole('button', { name: 'Ladder' }).textContent())?.replace(/\s+/g, '')).toBe(
      'Ladder2',
    );
    await rail.getByRole('button', { name: 'Narrow the side bar' }).click();
    expect(Math.round((await rail.boundingBox())!.width)).toBe(64);
  });

  it('chooses, orders and remembers the calls list columns', async () => {
    expect((await headers()).map((h) => h.trim())).toEqual([
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
    await page.getByTestId('columns-button').click();
    const panel = page.getByTestId('columns-panel');
    await panel.getByRole('checkbox', { name: 'Source', exact: true }).check();
    await panel.getByRole('checkbox', { name: 'Destination', exact: true }).check();
    await panel.getByRole('checkbox', { name: 'Call-ID', exact: true }).check();
    await panel.getByRole('checkbox', { name: 'PDD', exact: true }).uncheck();
    await panel.getByRole('button', { name: 'Move Source earlier' }).click();
    await page.screenshot({ path: join(shots, 'calls-columns.png') });
    await page.keyboard.press('Escape');
    expect(await panel.count()).toBe(0);
    const h = (await headers()).map((x) => x.trim());
    expect(h).toEqual([
      'Start ▴',
      'From',
      'To',
      'State',
      'Final',
      'Duration',
      'Msgs',
      'Source',
      'Diag',
      'Destination',
      'Call-ID',
    ]);
    // The first row's source and destination are the first INVITE's (SIPp UAC → Kamailio).
    const first = page.getByTestId('calls-table').locator('tbody tr.msg').first().locator('td');
    // A flexible cell its column clips (the Call-ID at the least width) tells its whole text on
    // hover; one that shows whole (To: bob) gets no title.
    const callId = first.nth(h.indexOf('Call-ID'));
    await callId.hover();
    expect(await callId.getAttribute('title')).toBe(await callId.textContent());
    expect(await callId.evaluate((td) => td.scrollWidth > td.clientWidth)).toBe(true);
    await first.nth(h.indexOf('To')).hover();
    expect(await first.nth(h.indexOf('To')).getAttribute('title')).toBeNull();
    expect(await first.nth(h.indexOf('Source')).textContent()).toMatch(/^127\.0\.0\.\d+:\d+$/);
    expect(await first.nth(h.indexOf('Destination')).textContent()).toMatch(/^127\.0\.0\.\d+:\d+$/);
    // Sorted in the core by source, descending on a second click.
    await page.getByTestId('calls-table').getByRole('button', { name: 'Source' }).click();
    await expect.poll(async () => (await headers()).map((x) => x.trim())[7]).toBe('Source ▴');
    // Remembered: a reload shows the same columns in the same order.
    await page.reload();
    await expect
      .poll(() => page.getByTestId('calls-table').locator('tr.msg').count(), { timeout: 20_000 })
      .toBe(5);
    expect((await headers()).map((x) => x.replace(/[▴▾]/g, '').trim())).toEqual([
      'Start',
      'From',
      'To',
      'State',
      'Final',
      'Duration',
      'Msgs',
      'Source',
      'Diag',
      'Destination',
      'Call-ID',
    ]);
    await page.screenshot({ path: join(shots, 'calls-columns-chosen.png') });
  });

  it('sizes the calls list and the messages list with splitters (drag, keys, double-click) and remembers them', async () => {
    const calls = page.getByRole('region', { name: 'Calls' });
    const messages = page.getByRole('region', { name: 'Messages' });
    const width = async (): Promise<number> => (await calls.boundingBox())!.width;
    const height = async (): Promise<number> => (await messages.boundingBox())!.height;
    const w0 = await width();
    const h0 = await height();
    const v = page.getByRole('separator', { name: 'Calls list width' });
    const box = (await v.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + 200);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2 + 150, box.y + 200, { steps: 4 });
    await page.mouse.up();
    await expect.poll(async () => Math.abs((await width()) - (w0 + 150))).toBeLessThan(3);
    await expect
      .poll(async () => Number(await v.getAttribute('aria-valuenow')))
      .toBe(Math.round(await width()));
    await v.focus();
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('Shift+ArrowLeft');
    await expect.poll(async () => Math.abs((await width()) - (w0 + 150 - 80))).toBeLessThan(3);
    // Not narrower than its minimum, whatever the drag.
    await page.keyboard.press('Home');
    await expect.poll(async () => Math.round(await width())).toBe(320);
    const hz = page.getByRole('separator', { name: 'Messages list height' });
    const hb = (await hz.boundingBox())!;
    await page.mouse.move(hb.x + 200, hb.y + hb.height / 2);
    await page.mouse.down();
    await page.mouse.move(hb.x + 200, hb.y + hb.height / 2 - 100, { steps: 4 });
    await page.mouse.up();
    await expect.poll(async () => Math.abs((await height()) - (h0 - 100))).toBeLessThan(3);
    await page.screenshot({ path: join(shots, 'calls-panes-resized.png') });
    // Remembered across a reload; a double-click gives each pane its default size back.
    await page.reload();
    await expect
      .poll(() => page.getByTestId('calls-table').locator('tr.msg').count(), { timeout: 20_000 })
      .toBe(5);
    await expect.poll(async () => Math.round(await width())).toBe(320);
    await expect.poll(async () => Math.abs((await height()) - (h0 - 100))).toBeLessThan(3);
    await v.dblclick();
    await hz.dblclick();
    await expect.poll(async () => Math.abs((await width()) - w0)).toBeLessThan(2);
    await expect.poll(async () => Math.abs((await height()) - h0)).toBeLessThan(2);
  });

  it('completes field names and values in the filter bar with the keyboard', async () => {
    const input = page.getByTestId('filter-input');
    const list = page.getByTestId('filter-completions');
    await input.click();
    await input.pressSequentially('call.st');
    await expect
      .poll(() => list.getByRole('option').allTextContents())
      .toEqual([
        expect.stringMatching(/^call\.state.*setup, ringing, in-call/),
        expect.stringMatching(/^call\.start.*epoch seconds/),
      ]);
    await page.screenshot({ path: join(shots, 'filter-completion-fields.png') });
    await page.keyboard.press('Enter');
    expect(await input.inputValue()).toBe('call.state ');
    await input.pressSequentially('== ');
    await expect.poll(() => list.getByRole('option').count()).toBe(9);
    await input.pressSequentially('"b');
    await expect
      .poll(() => list.getByRole('option').allTextContents())
      .toEqual([expect.stringMatching(/^busy/)]);
    await page.keyboard.press('Tab');
    expect(await input.inputValue()).toBe('call.state == "busy"');
    await input.pressSequentially(' || call.state == "re');
    await page.keyboard.press('ArrowDown');
    expect(await list.getByRole('option', { selected: true }).textContent()).toMatch(/^redirected/);
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('Enter');
    expect(await input.inputValue()).toBe('call.state == "busy" || call.state == "rejected"');
    await page.screenshot({ path: join(shots, 'filter-completion-values.png') });
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByTestId('calls-table').locator('tr.msg').count()).toBe(2);
    // Escape closes the list; the text stays.
    await input.pressSequentially(' && sip');
    await expect.poll(() => list.count()).toBe(1);
    await page.keyboard.press('Escape');
    expect(await list.count()).toBe(0);
    await input.fill('');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByTestId('calls-table').locator('tr.msg').count()).toBe(5);
  });

  it('filters the calls by a header value from the Headers explained tab', async () => {
    const calls = page.getByTestId('calls-table').locator('tr.msg');
    await calls.nth(1).click();
    const rows = page.getByTestId('messages-table').locator('tr.msg');
    await expect.poll(() => rows.count()).toBe(13);
    await rows.first().click();
    await page.getByRole('tab', { name: 'Headers explained' }).click();
    const table = page.getByTestId('headers-explained');
    // Call-ID has a field of its own; Subject goes through sip.header.<name>.
    await table.getByRole('button', { name: /^Filter calls: sip\.call_id == / }).click();
    const input = page.getByTestId('filter-input');
    await expect.poll(() => input.inputValue()).toBe('sip.call_id == "2-9721@127.0.0.10"');
    await expect.poll(() => calls.count()).toBe(1);
    await table.getByRole('button', { name: 'Filter calls: sip.header.subject == "sample call"' }).click();
    await expect.poll(() => input.inputValue()).toBe('sip.header.subject == "sample call"');
    // The three calls of the first SIPp scenario (uac) carry a Subject; the busy and the 404 calls do not.
    await expect.poll(() => calls.count()).toBe(3);
    await input.fill('');
    await page.keyboard.press('Enter');
    await expect.poll(() => calls.count()).toBe(5);
  });

  it('selects several calls (Ctrl-click, Shift-click, Ctrl+A) and draws them in one ladder', async () => {
    const rows = page.getByTestId('calls-table').locator('tbody tr.msg');
    const selected = page.getByTestId('calls-table').locator('tbody tr.msg.sel');
    await rows.nth(0).click();
    await expect.poll(() => selected.count()).toBe(1);
    await rows.nth(2).click({ modifiers: ['Control'] });
    await expect.poll(() => selected.count()).toBe(2);
    expect(await page.getByTestId('calls-selected').textContent()).toBe('2 selected');
    await rows.nth(4).click({ modifiers: ['Shift'] });
    // The range from the anchor (row 3) to row 5.
    await expect
      .poll(() => rows.evaluateAll((rs) => rs.map((r) => r.classList.contains('sel'))))
      .toEqual([false, false, true, true, true]);
    await rows.nth(0).click({ modifiers: ['Control'] });
    await expect.poll(() => selected.count()).toBe(4);
    await page.screenshot({ path: join(shots, 'calls-multi-select.png') });
    // The ladder draws every message of the selected calls (7 + 3 + 13 + 13 of the sample's).
    const col = (await headers()).findIndex((h) => h.trim().startsWith('Msgs'));
    const msgs = await rows.evaluateAll(
      (rs, c) =>
        rs
          .filter((r) => r.classList.contains('sel'))
          .map((r) => parseInt(r.querySelectorAll('td')[c]?.textContent ?? '')),
      col,
    );
    await page.getByTestId('calls-table').click({ position: { x: 5, y: 400 } });
    await page.keyboard.press('Control+a');
    await expect.poll(() => selected.count()).toBe(5);
    expect(await page.getByTestId('calls-selected').textContent()).toBe('5 selected');
    await rows.nth(1).click({ modifiers: ['Control'] });
    await expect.poll(() => selected.count()).toBe(4);
    expect(msgs.length).toBe(4);
    await page.getByRole('button', { name: 'Ladder ›' }).first().click();
    const ladder = page.getByTestId('ladder');
    await ladder.waitFor();
    await expect
      .poll(() => ladder.getAttribute('data-messages'))
      .toBe(String(msgs.reduce((a, b) => a + b, 0)));
    await page.screenshot({ path: join(shots, 'ladder-multi-call.png') });
    await page.getByRole('navigation').getByRole('button', { name: 'Captures & calls' }).click();
    await rows.nth(0).click();
    await expect.poll(() => selected.count()).toBe(1);
  });

  it("diffs the proxied INVITE with Kamailio's incoming copy (Path tab and its own tab)", async () => {
    await page.getByTestId('calls-table').locator('tbody tr.msg').first().click();
    const msgs = page.getByTestId('messages-table').locator('tbody tr.msg');
    await expect.poll(() => msgs.count()).toBe(13);
    await msgs.nth(0).click();
    await expect.poll(() => page.getByTestId('raw-message').textContent()).toMatch(/^INVITE /);
    // The first copy has no previous hop: no diff tab.
    expect(await page.getByRole('tab', { name: 'Hop diff' }).count()).toBe(0);
    await msgs.nth(2).click();
    await page.getByRole('tab', { name: 'Path' }).click();
    await page.getByTestId('path-diff').click();
    const diff = page.getByTestId('hop-diff');
    await diff.waitFor();
    expect(await page.getByRole('tab', { name: 'Hop diff' }).getAttribute('aria-selected')).toBe('true');
    const text = (await diff.textContent()) ?? '';
    expect(text).toContain('Compared with the copy at the previous hop: #0');
    // What Kamailio changed: a Via and a Record-Route added, Max-Forwards decremented.
    expect(await diff.locator('tr.added').allTextContents()).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^\+Via: SIP\/2\.0\/UDP 127\.0\.0\.20/),
        expect.stringMatching(/^\+Record-Route:/),
      ]),
    );
    expect((await diff.locator('tr.changed.before').allTextContents()).join('\n')).toMatch(
      /Max-Forwards: 70/,
    );
    expect((await diff.locator('tr.changed.after').allTextContents()).join('\n')).toMatch(/Max-Forwards: 69/);
    // Unchanged lines are folded; a click unfolds them.
    const folds = diff.locator('tr.fold button');
    expect(await folds.count()).toBeGreaterThan(0);
    const before = await diff.locator('tr').count();
    await folds.first().click();
    await expect.poll(() => diff.locator('tr').count()).toBeGreaterThan(before);
    await shootThemes(page, 'inspector-hop-diff');
    await page.getByRole('tab', { name: 'Raw' }).click();
  });

  it('runs the trapezoid scenario, steps, and shows live transactions with running timers', async () => {
    await page.getByRole('navigation').getByRole('button', { name: 'Scenarios' }).click();
    await page.getByRole('button', { name: /^trapezoid/ }).click();
    const counter = page.getByTestId('step-counter');
    await expect.poll(() => counter.textContent(), { timeout: 20_000 }).toMatch(/^1 \/ \d+$/);
    const panel = page.getByTestId('sim-state');
    // Message 1: Bob's REGISTER is on the wire; his NICT is trying with Timer E and Timer F running.
    const bob = panel.getByTestId('sim-tx').filter({ hasText: 'REGISTER' });
    await expect.poll(() => bob.count()).toBe(1);
    expect(((await bob.textContent()) ?? '').replace(/\s+/g, ' ')).toMatch(
      /NICT REGISTER trying …\w+ ?E 0\.500 s ?F 32\.0 s/,
    );
    // Step to Alice's INVITE: an ICT calling with Timer A and Timer B.
    for (let i = 0; i < 6; i++) {
      if (
        (await panel
          .getByTestId('sim-tx')
          .filter({ hasText: /ICT\s*INVITE\s*calling/ })
          .count()) > 0
      )
        break;
      await page.getByRole('button', { name: 'Next message' }).click();
    }
    const ict = panel
      .getByTestId('sim-tx')
      .filter({ hasText: /ICT\s*INVITE\s*calling/ })
      .first();
    expect(await ict.getByTestId('sim-timer').allTextContents()).toEqual([
      expect.stringMatching(/^A 0\.\d{3} s$/),
      expect.stringMatching(/^B 3\d\.\d s$/),
    ]);
    expect(await panel.getByTestId('sim-registrations').textContent()).toContain(
      'sip:bob@biloxi.example.com',
    );
    await page.screenshot({ path: join(shots, 'scenario-transactions.png') });
    // At the last message the transactions that completed wait out their timers (K, D, I, J, L...).
    await page.getByRole('button', { name: 'To the end' }).click();
    await expect
      .poll(async () => (await panel.locator('h3').first().textContent())?.replace(/\s+/g, ' '))
      .toMatch(/\d+ live · [1-9]\d* terminated/);
    expect(
      await panel
        .getByTestId('sim-tx')
        .filter({ hasText: /completed|accepted|confirmed/ })
        .count(),
    ).toBeGreaterThan(0);
    await page.screenshot({ path: join(shots, 'scenario-transactions-end.png') });
    // The state panel's splitter sits on its left edge: a left arrow widens it, a double-click resets.
    const side = page.getByRole('complementary', { name: 'Simulation state' });
    const w0 = (await side.boundingBox())!.width;
    const sep = page.getByRole('separator', { name: 'Simulation state width' });
    await sep.focus();
    await page.keyboard.press('Shift+ArrowLeft');
    await expect.poll(async () => Math.round((await side.boundingBox())!.width - w0)).toBe(64);
    await sep.dblclick();
    await expect.poll(async () => Math.round((await side.boundingBox())!.width - w0)).toBe(0);
  });

  it("opening another capture drops the former one's rows at once (no stale call to click)", async () => {
    await page.getByRole('button', { name: 'Open sample', exact: true }).click();
    const rows = page.getByTestId('calls-table').locator('tr.msg');
    await rows.nth(4).waitFor({ timeout: 20_000 });
    const sampleRows = await rows.count();
    await rows.nth(2).locator('td').first().click();
    // Counts the calls table's rows in the very update that shows the new title (a DOM observer
    // runs after each of the page's synchronous updates): the sample's rows must be gone by then.
    // (a string: this file is type-checked without the DOM library)
    await page.evaluate(`new MutationObserver((_, obs) => {
      const title = document.querySelector('[data-testid=capture-title]')?.textContent ?? '';
      if (!title.includes('websocket.pcap')) return;
      window.rowsAtTitle = document.querySelectorAll('[data-testid=calls-table] tr.msg').length;
      obs.disconnect();
    }).observe(document.body, { subtree: true, childList: true, characterData: true })`);
    await page
      .getByTestId('file-input')
      .setInputFiles(join(root, 'test', 'fixtures', 'capture', 'websocket.pcap'));
    await page
      .getByTestId('capture-title')
      .filter({ hasText: 'websocket.pcap' })
      .waitFor({ timeout: 20_000 });
    expect(await page.evaluate('window.rowsAtTitle')).toBe(0);
    await rows.first().waitFor({ timeout: 20_000 });
    expect(await rows.count()).toBe(2); // its registration and its call
    expect(sampleRows).toBeGreaterThan(2);
    await rows.first().locator('td').first().click();
    await page
      .getByRole('region', { name: 'Messages' })
      .locator('h2')
      .filter({ hasText: /\b[12]\b/ })
      .waitFor({ timeout: 20_000 });
    expect(await page.getByRole('alert').count()).toBe(0);
  });

  it('shows the problems the analysis found, and one click lists the calls that have one', async () => {
    await page
      .getByTestId('file-input')
      .setInputFiles(join(root, 'test', 'fixtures', 'capture', 'multi-section.pcapng'));
    const problems = page.getByTestId('calls-problems');
    // Warnings before notices: the five calls' NAT warning, then their private Via. The capture's
    // clock is wrong (one section in 1970, 53.9 years before the rest): no time-based rule is
    // trusted on it, so the 1970 INVITE is not called unanswered (Timer B) for 53 years.
    await problems.locator('button').nth(1).waitFor({ timeout: 20_000 });
    const chips = (await problems.locator('button').allTextContents()).map((t) =>
      t.trim().replace(/\s+/g, ' '),
    );
    expect(chips).toEqual([expect.stringMatching(/ 5$/), expect.stringMatching(/ 5$/)]);
    expect(await problems.locator('button[data-code="invite-no-final-response"]').count()).toBe(0);
    const rows = page.getByTestId('calls-table').locator('tr.msg');
    expect(await rows.count()).toBe(5);
    const warning = problems.locator('button[data-code="nat-no-rport"]');
    expect(await warning.getAttribute('title')).toContain('RFC 3581');
    await warning.click();
    await expect
      .poll(() => page.getByRole('combobox', { name: 'Filter calls' }).inputValue(), { timeout: 20_000 })
      .toBe('sip.diagnostic == "nat-no-rport"');
    expect(await rows.count()).toBe(5);
    await page.screenshot({ path: join(shots, 'calls-problems.png') });
  });

  it('opens the problems sample from the top bar: the faults its script made, each one click from its call', async () => {
    await page.getByRole('button', { name: 'More samples' }).click();
    const menu = page.getByTestId('samples-menu');
    await page.screenshot({ path: join(shots, 'samples-menu.png') });
    expect((await menu.getByRole('menuitem').allTextContents()).map((t) => t.split(':')[0]!.trim())).toEqual([
      'Calls through a proxy sample-call.pcap',
      'Calls that go wrong sample-problems.pcap',
      'Calls with audio sample-media.pcap',
    ]);
    await menu.getByRole('menuitem').nth(1).click();
    await page
      .getByTestId('capture-title')
      .filter({ hasText: 'sample-problems.pcap' })
      .waitFor({ timeout: 20_000 });
    expect(await menu.count()).toBe(0);
    const filter = page.getByRole('combobox', { name: 'Filter calls' });
    if ((await filter.inputValue()) !== '') {
      await filter.fill('');
      await filter.press('Enter');
    }
    const problems = page.getByTestId('calls-problems');
    // The analysis' codes, then (once the message checks ended) the MESSAGE's bad Content-Length.
    await problems.locator('button').nth(7).waitFor({ timeout: 20_000 });
    const chips = (await problems.locator('button').allTextContents()).map((t) =>
      t.trim().replace(/\s+/g, ' '),
    );
    expect(chips).toEqual([
      '2xx never ACKed 1',
      'ACK not relayed by a proxy 1',
      'Content-Length larger than the body 1',
      'In-dialog request ignores the route set 1',
      'INVITE without final response 1',
      'Max-Forwards exhausted 1',
      'BYE answered with an error 1',
      '2xx to INVITE retransmitted 1',
    ]);
    const bad = problems.locator('button[data-code="content-length-exceeds-body"]');
    expect(await bad.getAttribute('title')).toContain('RFC 3261 §18.3');
    const route = problems.locator('button[data-code="in-dialog-request-without-route-set"]');
    expect(await route.getAttribute('title')).toContain('RFC 3261 §12.2.1.1');
    const died = problems.locator('button[data-code="ack-not-relayed"]');
    expect(await died.getAttribute('title')).toContain('RFC 3261 §16.7');
    await page.screenshot({ path: join(shots, 'sample-problems.png') });
    await problems.locator('button[data-code="ack-missing-2xx"]').click();
    const listed = page.getByTestId('calls-table').locator('tr.msg');
    await expect.poll(() => listed.count(), { timeout: 20_000 }).toBe(1);
    expect(await listed.first().textContent()).toContain('erin');
  });

  it('keeps the calls list scrolled sideways through a sort, and starts another capture at its first column', async () => {
    await page.setViewportSize({ width: 1000, height: 800 });
    try {
      const table = page.getByTestId('calls-table');
      const left = (): Promise<number> => table.evaluate((el) => el.scrollLeft);
      await table.evaluate((el) => {
        el.scrollLeft = 150;
      });
      expect(await left()).toBeGreaterThan(0);
      const scrolled = await left();
      await table.locator('thead th', { hasText: 'Msgs' }).click();
      await expect
        .poll(() => table.locator('thead th', { hasText: 'Msgs' }).getAttribute('aria-sort'))
        .not.toBe('none');
      expect(await left()).toBe(scrolled);
      await page.getByRole('button', { name: 'More samples' }).click();
      await page.getByTestId('samples-menu').getByRole('menuitem').nth(0).click();
      await page
        .getByTestId('capture-title')
        .filter({ hasText: 'sample-call.pcap' })
        .waitFor({ timeout: 20_000 });
      await expect.poll(left, { timeout: 10_000 }).toBe(0);
    } finally {
      await page.setViewportSize({ width: 1400, height: 900 });
    }
  });

  it('raised no page errors', () => {
    expect(pageErrors).toEqual([]);
  });
});
