/**
 * End to end: browser mode served for real, driven in headless Debian Chromium through playwright-core.
 * Loads the app, sees the shell, opens the sample capture, draws a ladder, and saves screenshots
 * under test-results/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createSocket } from 'node:dgram';
import { LAB_DIR } from '../../src/main/service/labs';
import { hep3 } from '../main/live/hep-encode';

import { freeUdpPort, sendUdp } from '../helpers/udp';
import { dirname, join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { findPeer, requirePeer } from '../helpers/peers';
import { execFileSync } from 'node:child_process';
import type { BrowserServer } from '../../src/main/server/browser-server';
import { SAMPLE_CAPTURE } from '../../src/main/paths';
import { SHOTS_DIR, servePage, type ServedPage } from '../helpers/chromium';

const chromiumPath = requirePeer('chromium');
const shots = SHOTS_DIR;

describe.skipIf(!chromiumPath)('browser mode in Chromium', () => {
  let served: ServedPage;
  let server: BrowserServer;
  let page: Page;
  let consoleErrors: string[] = [];

  beforeAll(async () => {
    served = await servePage(chromiumPath as string);
    ({ server, page, errors: consoleErrors } = served);
  });

  afterAll(async () => {
    await served?.close();
  });

  it('shows the shell with its areas and the empty state', async () => {
    await page.goto(server.url);
    await expect.poll(() => page.getByTestId('mode').textContent()).toBe('Browser mode');
    for (const area of ['Captures & calls', 'Ladder', 'Scenarios', 'Lab']) {
      expect(await page.getByRole('navigation').getByRole('button', { name: area }).count()).toBe(1);
    }
    for (const action of ['Open sample: calls that go wrong', 'Run a scenario']) {
      await page.getByText(action, { exact: true }).waitFor();
    }
    // One action, one label: the top bar's buttons, the start page's cards and the shortcuts list
    // name opening a capture, a sample and the theme switch alike (before: 'Open capture…' and
    // 'Open a capture…', 'Open sample' and 'Open the sample', 'Toggle theme' and 'Toggle light/dark theme').
    const top = page.getByRole('banner');
    const start = page.getByRole('region', { name: 'Read, draw and simulate SIP' });
    const title = (card: Locator): Promise<string | null> => card.locator('.title').textContent();
    expect(await top.getByRole('button', { name: 'Open capture…', exact: true }).count()).toBe(1);
    expect(await title(start.getByRole('button', { name: /^Open capture…/ }))).toBe('Open capture…');
    expect(await top.getByRole('button', { name: 'Open sample', exact: true }).count()).toBe(1);
    expect(await title(page.getByTestId('sample-calls'))).toBe('Open sample');
    expect(await top.getByRole('button', { name: 'Toggle dark theme', exact: true }).count()).toBe(1);
    await page.locator('body').press('?');
    const shortcuts = page.getByRole('dialog');
    expect(await shortcuts.getByText('Open capture…', { exact: true }).count()).toBe(1);
    expect(await shortcuts.getByText('Toggle dark theme', { exact: true }).count()).toBe(1);
    await page.keyboard.press('Escape');
    await page.screenshot({ path: join(shots, 'shell-empty.png') });
  });

  it('shows version and build in About', async () => {
    await page.getByRole('button', { name: 'About sipscope' }).click();
    const about = page.getByTestId('about');
    await about.waitFor();
    expect(await about.textContent()).toContain('Browser mode');
    await page.screenshot({ path: join(shots, 'about.png') });
    await page.keyboard.press('Escape');
  });

  it('opens the sample capture and lists its calls and messages', async () => {
    await page.getByTestId('sample-calls').click();
    const calls = page.getByTestId('calls-table').locator('tr.msg');
    await expect.poll(() => calls.count(), { timeout: 20_000 }).toBe(5);
    expect(await page.getByTestId('capture-title').textContent()).toContain('sample-call.pcap');
    // What a SIP expert says of the sample: three answered and completed calls, one 486, one 404.
    const summary = (await page.getByTestId('calls-summary').textContent())?.replace(/\s+/g, ' ');
    expect(summary).toContain('completed 3');
    expect(summary).toContain('busy 1');
    expect(summary).toContain('rejected 1');
    await expect
      .poll(() => page.getByRole('region', { name: 'Messages' }).locator('h2').textContent())
      .toBe('Messages 49');
    expect(await page.getByTestId('messages-table').locator('tr.msg').count()).toBeGreaterThan(10);
    expect(await page.title()).toBe('sample-call.pcap — sipscope');
    await page.screenshot({ path: join(shots, 'sample-open.png') });
  });

  it("shows the capture's statistics: messages by method and code, calls by state, the delays' spread", async () => {
    await page.getByRole('button', { name: 'Stats', exact: true }).click();
    const stats = page.getByTestId('stats');
    await stats.waitFor();
    const methods = await page.getByTestId('stats-methods').locator('tbody td').allTextContents();
    expect(methods).toEqual(['ACK', '9', 'INVITE', '9', 'BYE', '6']);
    const codes = (await page.getByTestId('stats-codes').textContent()) ?? '';
    // The callee's 486 and the proxy's copy of it; the proxy's own 404.
    expect(codes).toMatch(/486\s*Busy Here\s*2/);
    expect(codes).toMatch(/404\s*Not Found\s*1/);
    const finals = (await page.getByTestId('stats-finals').textContent()) ?? '';
    expect(finals).toMatch(/200\s*OK\s*3/);
    const times = (await page.getByTestId('stats-times').textContent()) ?? '';
    expect(times).toMatch(/Setup time \(INVITE → 2xx\)\s*3\s*\d+ ms/);
    await page.screenshot({ path: join(shots, 'stats.png') });
    await page.getByRole('dialog', { name: 'Statistics' }).getByRole('button', { name: 'Close' }).click();
    await expect.poll(() => stats.count()).toBe(0);
  });

  it('selects a call, inspects a message and draws its ladder', async () => {
    await page.getByTestId('calls-table').locator('tr.msg').first().click();
    const rows = page.getByTestId('messages-table').locator('tr.msg');
    await expect.poll(() => rows.count()).toBeGreaterThan(5);
    await rows.first().click();
    await page.keyboard.press('j');
    await page.keyboard.press('k');
    await expect
      .poll(() => page.getByTestId('raw-message').textContent())
      .toMatch(/^INVITE sip:bob@127\.0\.0\.20:5060 SIP\/2\.0/);
    // Copy puts the message as captured on the clipboard (CRLF line ends, body included).
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
    await page.getByTestId('copy-message').click();
    await expect.poll(() => page.getByTestId('copy-message').textContent()).toBe('Copied');
    const copied = String(await page.evaluate('navigator.clipboard.readText()'));
    expect(copied).toMatch(/^INVITE sip:bob@127\.0\.0\.20:5060 SIP\/2\.0\r\nVia: /);
    expect(copied).toContain('\r\n\r\nv=0\r\n');
    await page.screenshot({ path: join(shots, 'call-inspector.png') });
    // Pin the INVITE, select the next message: the Compare tab opens with the two line by line
    // (sngrep's "compare two messages"); back on the pinned one, Unpin ends it.
    const pinnedId = (await rows.first().locator('td').first().textContent())!.trim();
    await page.getByTestId('pin-message').click();
    await expect.poll(() => page.getByTestId('pin-message').textContent()).toBe('Unpin');
    expect(await page.getByTestId('compare-tab').count()).toBe(0);
    await rows.nth(1).click();
    const diff = page.getByTestId('pinned-diff');
    await diff.waitFor();
    expect(await page.getByTestId('compare-tab').getAttribute('aria-selected')).toBe('true');
    const summary = (await diff.locator('.summary').textContent()) ?? '';
    expect(summary).toMatch(new RegExp(`Compared with the pinned message:\\s*#${pinnedId}\\b`));
    const [removed, added, changed] = /(\d+) removed · (\d+) added · (\d+) changed/
      .exec(summary)!
      .slice(1)
      .map(Number);
    expect(removed! + added! + changed!).toBeGreaterThan(0);
    expect(await diff.locator('tr.added, tr.removed, tr.changed').count()).toBe(
      removed! + added! + 2 * changed!,
    );
    await page.screenshot({ path: join(shots, 'compare-messages.png') });
    await rows.first().click();
    await expect.poll(() => page.getByTestId('compare-tab').count()).toBe(0);
    await page.getByTestId('pin-message').click();
    await expect.poll(() => page.getByTestId('pin-message').textContent()).toBe('Pin');
    await rows.nth(1).click();
    expect(await page.getByTestId('compare-tab').count()).toBe(0);
    await rows.first().click();
    await page.getByRole('tab', { name: 'Headers explained' }).click();
    expect(await page.getByTestId('headers-explained').textContent()).toContain('RFC 3261');
    // The method and the body type are explained too (src/shared/explain.ts).
    expect(await page.getByTestId('start-meaning').textContent()).toMatch(
      /^\s*INVITE\s*method\s*Sets up a session .*RFC 3261 §13\s*$/,
    );
    expect(await page.getByTestId('body-meaning').textContent()).toMatch(
      /application\/sdp\s*A session description.*RFC 3264 §5/,
    );
    // Under a header's general explanation, what its value says here: the INVITE's top Via is its
    // sender's, its To has no tag yet.
    const notes = await page.getByTestId('header-note').allTextContents();
    expect(notes[0]).toMatch(/^Top Via: the element that sent this request, 127\.0\.0\.10:\d+ over UDP/);
    expect(notes).toContain(
      'No tag yet: an initial request, outside any dialog; the UAS adds its tag in its response.',
    );
    await page.getByRole('tab', { name: 'Path' }).click();
    const path = (await page.getByTestId('path-view').textContent()) ?? '';
    // The INVITE seen before and after the Kamailio proxy: what the hop changed.
    expect(path).toContain('2 copies along the path');
    expect(path).toContain('Max-Forwards decremented');
    expect(path).toContain('Record-Route added');
    // The hop's element and the copies' ends are named by their roles in the call.
    await expect
      .poll(() => page.getByTestId('path-view').locator('.element .role').allTextContents())
      .toEqual(['proxy']);
    expect(await page.getByTestId('path-view').locator('.copy .role').allTextContents()).toEqual([
      'caller · alice',
      'proxy',
      'proxy',
      'callee · bob',
    ]);
    await page.screenshot({ path: join(shots, 'path-view.png') });
    await page.getByRole('tab', { name: 'SDP' }).click();
    const sdp = (await page.getByTestId('sdp-table').textContent()) ?? '';
    expect(sdp).toContain('0 PCMU/8000');
    expect(sdp).toContain('8 PCMA/8000');
    expect(sdp).toContain('sendrecv');
    // Each line of the body explained under the table.
    const lines = page.getByTestId('sdp-lines').locator('tr');
    expect(await lines.first().textContent()).toMatch(/^v=0\s*Protocol version: always 0\. RFC 4566 §5\.1$/);
    expect(await lines.filter({ hasText: /^m=audio / }).textContent()).toContain('RFC 4566 §5.14');
    expect(await lines.filter({ hasText: 'Not described by sipscope' }).count()).toBe(0);
    await page.getByRole('tab', { name: 'Raw' }).click();
    const n = await rows.count();
    await page.getByRole('navigation').getByRole('button', { name: 'Ladder' }).click();
    const arrows = page.getByTestId('ladder').locator('g.arrow');
    await expect.poll(() => arrows.count()).toBe(n);
    // Each lane says what it is (SIPp's alice → Kamailio → SIPp's bob), its address under it.
    await expect
      .poll(() => page.getByTestId('ladder').locator('text.lane-name').allTextContents())
      .toEqual(['caller · alice', 'proxy', 'callee · bob']);
    expect(await page.getByTestId('ladder').locator('text.lane-addr').allTextContents()).toEqual([
      '127.0.0.10:5060',
      '127.0.0.20:5060',
      '127.0.0.30:5060',
    ]);
    // Hovering an arrow highlights its transaction; the dialog's other messages are shown fainter.
    await arrows.nth(2).dispatchEvent('mouseenter');
    const faint = await page.getByTestId('ladder').locator('g.arrow.hl-dlg').count();
    const plain = await page.getByTestId('ladder').locator('g.arrow:not(.hl-dlg):not(.dim)').count();
    expect(faint).toBeGreaterThan(0);
    expect(plain).toBeGreaterThanOrEqual(2);
    expect(faint + plain).toBe(n);
    await arrows.nth(2).dispatchEvent('mouseleave');
    await page.screenshot({ path: join(shots, 'ladder.png') });
  });

  it('exports the ladder (SVG, PNG, Mermaid) and the call as pcap that tshark reads back', async () => {
    const save = async (label: string): Promise<Buffer> => {
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('button', { name: label, exact: true }).click(),
      ]);
      const file = join(shots, '..', 'exports', download.suggestedFilename());
      mkdirSync(dirname(file), { recursive: true });
      await download.saveAs(file);
      return readFileSync(file);
    };
    const svg = (await save('SVG')).toString('utf8');
    expect(svg).toMatch(/^<svg|^<\?xml/);
    for (const label of ['INVITE', '100', '180 Ringing', '200 OK', 'ACK', 'BYE'])
      expect(svg).toContain(label);
    const png = await save('PNG');
    expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
    expect((await save('Mermaid')).toString('utf8')).toMatch(/sequenceDiagram/);
    const pcap = await save('pcap');
    expect(pcap.readUInt32LE(0)).toBe(0xa1b2c3d4);
    const tshark = findPeer('tshark');
    if (tshark) {
      const file = join(shots, '..', 'exports', 'readback.pcap');
      writeFileSync(file, pcap);
      const out = execFileSync(tshark, ['-n', '-r', file, '-Y', 'sip', '-T', 'fields', '-e', 'sip.Call-ID'], {
        encoding: 'utf8',
      });
      const ids = out.trim().split('\n');
      expect(ids).toHaveLength(13);
      expect(new Set(ids).size).toBe(1);
    }
  });

  it('exports the ladder of two calls selected together as one SVG with a legend', async () => {
    await page.getByRole('navigation').getByRole('button', { name: 'Captures & calls' }).click();
    const calls = page.getByTestId('calls-table').locator('tr.msg');
    await calls.nth(0).click();
    await calls.nth(3).click({ modifiers: ['Control'] });
    await page.getByRole('navigation').getByRole('button', { name: 'Ladder' }).click();
    await page.getByTestId('ladder-calls').waitFor();
    const shown = await page.getByTestId('ladder').locator('g.arrow').count();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'SVG', exact: true }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/-C\d+\+C\d+\.svg$/);
    const file = join(shots, '..', 'exports', download.suggestedFilename());
    mkdirSync(dirname(file), { recursive: true });
    await download.saveAs(file);
    const svg = readFileSync(file, 'utf8');
    const arrowCalls = [...svg.matchAll(/<g class="arrow" [^>]*data-call="(C\d+)"/g)].map((m) => m[1]);
    expect(arrowCalls).toHaveLength(shown);
    expect(new Set(arrowCalls).size).toBe(2);
    expect(svg).toContain('<g class="legend">');
    await page.getByRole('navigation').getByRole('button', { name: 'Captures & calls' }).click();
    await calls.nth(0).click();
  });

  it('moves through the calls with ↑ ↓ after a click in the list, through the messages after a click there', async () => {
    const calls = page.getByTestId('calls-table').locator('tr.msg');
    const messages = page.getByTestId('messages-table').locator('tr.msg');
    const raw = page.getByTestId('raw-message');
    const selectedCall = (): Promise<number> =>
      calls.evaluateAll((rs) => rs.findIndex((r) => r.getAttribute('aria-selected') === 'true'));
    await calls.nth(0).click();
    await expect.poll(() => messages.count()).toBe(13);
    await page.keyboard.press('ArrowDown');
    await expect.poll(selectedCall).toBe(1);
    await page.keyboard.press('j');
    await expect.poll(selectedCall).toBe(2);
    // The messages list holds the call the keys moved to.
    const callId = await calls.nth(2).getAttribute('title');
    expect(callId).toBeTruthy();
    await messages.nth(0).click();
    await expect.poll(() => raw.textContent()).toContain(`Call-ID: ${callId}`);
    // A click in the messages list gave the keys to it: the message moves, the call stays.
    await page.keyboard.press('ArrowDown');
    await expect.poll(() => raw.textContent()).toMatch(/^SIP\/2\.0 100 /);
    expect(await selectedCall()).toBe(2);
    // Back in the calls list: up to the first call, and no further.
    await calls.nth(2).click();
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('k');
    await expect.poll(selectedCall).toBe(0);
    await page.keyboard.press('ArrowUp');
    await page.waitForTimeout(100);
    expect(await selectedCall()).toBe(0);
  });

  it('filters the calls list with the filter language and sorts it', async () => {
    await page.getByRole('navigation').getByRole('button', { name: 'Captures & calls' }).click();
    const input = page.getByTestId('filter-input');
    await input.fill('call.state == "busy"');
    await input.press('Enter');
    const calls = page.getByTestId('calls-table').locator('tr.msg');
    await expect.poll(() => calls.count()).toBe(1);
    expect(await calls.first().textContent()).toContain('486');
    await input.fill('sip.method ==');
    await input.press('Enter');
    await page.getByRole('alert').filter({ hasText: 'col' }).waitFor();
    await input.fill('');
    await input.press('Enter');
    await expect.poll(() => calls.count()).toBe(5);
    await page.screenshot({ path: join(shots, 'calls-filtered.png') });
  });

  it('uploads a capture chosen in the file picker (browser mode)', async () => {
    await page.getByTestId('file-input').setInputFiles(SAMPLE_CAPTURE);
    await expect
      .poll(() => page.getByTestId('capture-title').textContent(), { timeout: 20_000 })
      .toContain('sample-call.pcap');
    await page.getByRole('navigation').getByRole('button', { name: 'Captures & calls' }).click();
    await expect.poll(() => page.getByTestId('calls-table').locator('tr.msg').count()).toBe(5);
  });

  it('opens a truncated capture: what could be read, plus a diagnostic naming the byte offset', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sipscope-e2e-'));
    const cut = join(dir, 'truncated.pcap');
    const bytes = readFileSync(SAMPLE_CAPTURE);
    writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length / 2) + 7));
    await page.getByTestId('file-input').setInputFiles(cut);
    await expect
      .poll(() => page.getByTestId('capture-title').textContent(), { timeout: 20_000 })
      .toContain('truncated.pcap');
    const status = page.locator('footer');
    await expect.poll(() => status.textContent()).toMatch(/1 file diagnostic\b|[0-9] file diagnostics/);
    const n = Number(
      /([\d,]+) SIP messages/.exec((await status.textContent()) ?? '')?.[1]?.replace(/,/g, ''),
    );
    expect(n).toBeGreaterThan(10);
    expect(n).toBeLessThan(49);
    expect(await page.getByTestId('file-diagnostics').textContent()).toMatch(/at byte \d[\d,]*/);
    await page.screenshot({ path: join(shots, 'truncated.png') });
  });

  it('switches to the dark theme', async () => {
    await page.keyboard.press('t');
    expect(await page.locator('html').getAttribute('data-theme')).toBe('dark');
    await page.screenshot({ path: join(shots, 'dark.png') });
    await page.keyboard.press('t');
  });

  it('runs a built-in scenario and steps through it message by message', async () => {
    const title = (await page.getByTestId('capture-title').locator('strong').textContent())!;
    await page.getByRole('navigation').getByRole('button', { name: 'Scenarios' }).click();
    // The open capture is not what this area shows: the top bar says whose it is, one click back.
    expect(await page.getByTestId('capture-title').textContent()).toBe(`Calls: ${title} ›`);
    // Before a pick: where a newcomer starts (the library's first topic's first scenario).
    await expect
      .poll(() => page.getByTestId('scenario-start-here').textContent())
      .toBe('Start with RFC 3665 §2.1: Successful New Registration');
    await page.getByRole('button', { name: /^trapezoid/ }).click();
    const counter = page.getByTestId('step-counter');
    await expect.poll(() => counter.textContent(), { timeout: 20_000 }).toMatch(/^1 \/ \d+$/);
    const total = Number((await counter.textContent())?.split('/')[1]);
    expect(total).toBeGreaterThan(8);
    // The library by topic, in learning order: registration first, the trapezoid under "A call".
    const library = page.getByRole('complementary', { name: 'Scenarios library' });
    const topics = await library.locator('li.topic h3').allTextContents();
    expect(topics[0]).toBe('Registration');
    expect(topics).toContain('NAT');
    expect(
      await library
        .locator('li.topic:has(h3:text-is("A call")) ~ li')
        .filter({ hasText: /^trapezoid/ })
        .count(),
    ).toBe(1);
    // The scenario's story and what it teaches beside the ladder.
    const about = page.getByTestId('scenario-about');
    expect(await about.textContent()).toMatch(
      /Alice \(atlanta\.example\.com\) calls Bob.*Teaches\s*RFC 3261 §4/s,
    );
    const arrows = page.getByTestId('scenario-ladder').locator('g.arrow');
    expect(await arrows.count()).toBe(1);
    // The inspector follows the step: the message on the wire is shown raw at once.
    const raw = page.getByTestId('raw-message');
    await expect.poll(() => raw.textContent()).toMatch(/^(REGISTER|INVITE) sip:/);
    const firstRaw = await raw.textContent();
    // Every participant of the run has its lane from the first step (the trapezoid's four), so lanes
    // and zoom stay put as messages are revealed.
    const laneNames = page.getByTestId('scenario-ladder').locator('text.lane-name');
    expect(await laneNames.count()).toBe(4);
    // A name cut to its lane at the fitted zoom tells itself whole on hover; a whole one has no title.
    const names = await laneNames.allTextContents();
    const cut = names.findIndex((n) => n.endsWith('…'));
    expect(cut).toBeGreaterThanOrEqual(0);
    const titleOf = (i: number): Promise<string | null> =>
      laneNames
        .nth(i)
        .locator('xpath=../*[local-name()="title"]')
        .textContent({ timeout: 500 })
        .catch(() => null);
    expect(await titleOf(cut)).toMatch(/^\S+\.example\.com$/);
    expect(await titleOf(names.indexOf('Alice'))).toBeNull();
    const zoomAtStart = await page.locator('[data-testid=ladder-zoom]:visible').textContent();
    for (let i = 0; i < 3; i++) await page.getByRole('button', { name: 'Next message' }).click();
    await expect.poll(() => arrows.count()).toBe(4);
    expect(await counter.textContent()).toBe(`4 / ${total}`);
    // ...and after three steps it shows the fourth message (another one than the first).
    await expect.poll(() => raw.textContent()).not.toBe(firstRaw);
    // (the inspector loads each step's message in turn: the raw text above may be the second or third's)
    await expect.poll(() => page.locator('.inspector .pane-title').textContent()).toMatch(/frame 4 ·/);
    expect(await page.getByRole('complementary', { name: 'Simulation state' }).textContent()).toMatch(
      /Step 4:/,
    );
    expect(await page.getByTestId('scenario-ladder').locator('text.label').first().textContent()).toMatch(
      /^(REGISTER|INVITE)/,
    );
    expect(await page.getByTestId('sim-events').locator('li').count()).toBeGreaterThan(0);
    await page.screenshot({ path: join(shots, 'scenario-step.png') });
    // Step 4 is atlanta's forward of the INVITE: its Script tab shows the routing script with the
    // lines that made it, and what each statement returned.
    await page.locator('.inspector').getByRole('tab', { name: 'Script' }).click();
    const script = page.getByTestId('script-view');
    expect(await script.locator('.head').textContent()).toMatch(
      /atlanta\.example\.com's routing script\s*Edit this script\s*request_route on INVITE: end/,
    );
    const recordRoute = script.locator('li.ran').filter({ hasText: 'record_route();' });
    expect(await recordRoute.locator('.chip').allTextContents()).toContain('record_route()\u00a0→\u00a01');
    expect(await script.locator('li:not(.ran)').filter({ hasText: 'lookup("location")' }).count()).toBe(1);
    // A click on a statement says what the function does and where the RFC says so.
    await recordRoute.getByRole('button', { name: /^record_route\(\)/ }).click();
    expect(await page.getByTestId('script-explain').textContent()).toMatch(
      /record_route\(\)\s*returned 1\..*Record-Route.*RFC 3261 §16\.6 step 4/s,
    );
    await page.screenshot({ path: join(shots, 'scenario-script.png') });
    // A phone's message has no script: the tab goes, the message shows raw.
    await page.getByRole('button', { name: 'Previous message' }).click();
    await expect.poll(() => page.locator('.inspector').getByRole('tab', { name: 'Script' }).count()).toBe(0);
    await expect.poll(() => raw.textContent()).toMatch(/^INVITE sip:bob@biloxi/);
    await page.getByRole('button', { name: 'Next message' }).click();
    await page.locator('.inspector').getByRole('tab', { name: 'Raw' }).click();
    await page.getByRole('button', { name: 'To the end' }).click();
    expect(await counter.textContent()).toBe(`${total} / ${total}`);
    // Every message revealed; the ladder (shorter now the inspector shows the last message) draws
    // the rows in view, the last among them.
    await expect.poll(() => arrows.locator(`xpath=self::*[@aria-posinset="${total}"]`).count()).toBe(1);
    expect(await page.locator('.inspector .pane-title').textContent()).toMatch(
      new RegExp(`frame ${total} ·`),
    );
    expect(await laneNames.count()).toBe(4);
    expect(await page.locator('[data-testid=ladder-zoom]:visible').textContent()).toBe(zoomAtStart);
    const expectations = page.getByTestId('expectations').locator('li');
    expect(await expectations.count()).toBeGreaterThan(0);
    expect(await page.getByTestId('expectations').locator('li.bad').count()).toBe(0);
    await page.screenshot({ path: join(shots, 'scenario-end.png') });
  });

  it("edits a proxy's routing script from its Script tab and runs the scenario again", async () => {
    await page.getByRole('button', { name: /^trapezoid/ }).click();
    const counter = page.getByTestId('step-counter');
    await expect.poll(() => counter.textContent(), { timeout: 20_000 }).toMatch(/^1 \/ \d+$/);
    for (let i = 0; i < 3; i++) await page.getByRole('button', { name: 'Next message' }).click();
    await page.locator('.inspector').getByRole('tab', { name: 'Script' }).click();
    await page.getByRole('button', { name: 'Edit this script' }).click();
    // The builtin written into the scenario as atlanta's own script, the caret on it.
    const editor = page.getByTestId('scenario-yaml');
    await editor.waitFor();
    const yaml = await editor.inputValue();
    const atlanta = yaml.slice(yaml.indexOf('name: atlanta.example.com'));
    expect(atlanta).toMatch(
      /^name: atlanta\.example\.com\n(\s+\w+: .*\n)*\s+script: \|\n\s+request_route \{/,
    );
    // Without record_route() at atlanta, Alice's ACK goes straight to biloxi (its route set lacks atlanta).
    const rr = '        if (is_method("INVITE|SUBSCRIBE|REFER")) { record_route(); }\n';
    const at = yaml.indexOf(rr, yaml.indexOf('name: atlanta.example.com'));
    expect(at).toBeGreaterThan(0);
    await editor.fill(yaml.slice(0, at) + yaml.slice(at + rr.length));
    await page.getByRole('button', { name: 'Validate and run' }).click();
    await page.getByRole('tab', { name: 'Ladder' }).click();
    await expect.poll(() => counter.textContent(), { timeout: 20_000 }).toMatch(/^1 \/ \d+$/);
    const now = page.getByRole('complementary', { name: 'Simulation state' }).locator('.now');
    for (let i = 0; i < 40 && !/^\s*Step \d+: ACK/.test((await now.textContent()) ?? ''); i++)
      await page.getByRole('button', { name: 'Next message' }).click();
    expect(await now.textContent()).toMatch(/Step \d+: ACK\s*Alice → biloxi\.example\.com/);
  });

  it("names a NAT's public side in a scenario's lanes by the box and the mapped port", async () => {
    await page.getByRole('button', { name: /^nat-no-rport/ }).click();
    const counter = page.getByTestId('step-counter');
    await expect.poll(() => counter.textContent(), { timeout: 20_000 }).toMatch(/^1 \/ \d+$/);
    await page.getByRole('button', { name: 'To the end' }).click();
    const laneNames = page.getByTestId('scenario-ladder').locator('text.lane-name');
    // A name may be cut at the fitted zoom; then its group's title is the whole name.
    const whole = await laneNames.evaluateAll((ts) =>
      ts.map((t) => t.parentElement?.querySelector('title')?.textContent ?? t.textContent),
    );
    expect(whole).toEqual(expect.arrayContaining(['Home NAT :20000', 'Home NAT :5060']));
    expect(await page.getByTestId('scenario-about').textContent()).toMatch(/without rport/i);
  });

  it('shows a broken scenario file with line and column', async () => {
    await page.getByRole('tab', { name: /Scenario YAML/ }).click();
    const editor = page.getByTestId('scenario-yaml');
    const yaml = await editor.inputValue();
    await editor.fill(yaml.replace(/^nodes:/m, 'nodes: [oops\nbroken:'));
    await page.getByRole('button', { name: 'Validate and run' }).click();
    const errors = page.getByTestId('scenario-errors');
    await errors.waitFor();
    expect(await errors.textContent()).toMatch(/line \d+, col \d+/);
    await page.screenshot({ path: join(shots, 'scenario-error.png') });
  });

  it('starts a lab on a loopback socket, takes a real REGISTER and shows it live', async () => {
    const port = await freeUdpPort();
    const yaml = readFileSync(join(LAB_DIR, 'registrar-proxy.yaml'), 'utf8').replace(
      /127\.0\.0\.1:5060/g,
      `127.0.0.1:${port}`,
    );
    expect(yaml).toContain(`127.0.0.1:${port}`);
    const dir = mkdtempSync(join(tmpdir(), 'sipscope-lab-'));
    writeFileSync(join(dir, 'my-lab.yaml'), yaml);
    await page.getByRole('navigation').getByRole('button', { name: 'Lab' }).click();
    await page.getByTestId('lab-file').setInputFiles(join(dir, 'my-lab.yaml'));
    await expect
      .poll(() => page.getByTestId('lab-listening').textContent(), { timeout: 15_000 })
      .toContain(`127.0.0.1:${port}`);
    // How to join it: the softphone settings and three SIPp commands aimed at the lab's socket.
    expect(await page.getByTestId('lab-join').textContent()).toMatch(
      new RegExp(`127\\.0\\.0\\.1:${port}\\s*\\(UDP\\), domain\\s*lab\\.example`),
    );
    const commands = await page.getByTestId('lab-join-command').allTextContents();
    expect(commands).toHaveLength(3);
    expect(commands[2]).toMatch(new RegExp(`^sipp -sf \\S+/call\\.xml -s bob .* 127\\.0\\.0\\.1:${port}$`));
    const register = [
      `REGISTER sip:lab.example SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:${port + 1};branch=z9hG4bK-e2e-1;rport`,
      `Max-Forwards: 70`,
      `From: <sip:alice@lab.example>;tag=e2e1`,
      `To: <sip:alice@lab.example>`,
      `Call-ID: e2e-register-1@127.0.0.1`,
      `CSeq: 1 REGISTER`,
      `Contact: <sip:alice@127.0.0.1:${port + 1}>`,
      `Expires: 600`,
      `Content-Length: 0`,
      '',
      '',
    ].join('\r\n');
    const reply = await sendUdp(register, port, port + 1);
    expect(reply).toMatch(/^SIP\/2\.0 200 /);
    await expect
      .poll(() => page.getByTestId('lab-count').textContent(), { timeout: 10_000 })
      .toMatch(/^2 messages/);
    // The location table now (not the registration events): the binding and its 600 s counting down.
    const regs = page.getByTestId('lab-registrations');
    await expect
      .poll(() => regs.textContent(), { timeout: 10_000 })
      .toMatch(
        new RegExp(
          `sip:alice@lab\\.example → sip:alice@127\\.0\\.0\\.1:${port + 1} expires in (10 min 0 s|9 min 5\\d s)`,
        ),
      );
    await expect.poll(() => regs.textContent(), { timeout: 10_000 }).toMatch(/expires in 9 min 5[0-7] s/);
    await page.screenshot({ path: join(shots, 'lab.png') });
    // The proxy's script run for that REGISTER: a click shows the script with the lines it went through.
    await page
      .getByTestId('lab-events')
      .getByRole('button', { name: /request_route on REGISTER/ })
      .click();
    const script = page.getByTestId('script-view');
    expect(
      await script
        .locator('li.ran')
        .filter({ hasText: 'save("location")' })
        .locator('.chip')
        .allTextContents(),
    ).toContain('save("location")\u00a0→\u00a01');
    await page.screenshot({ path: join(shots, 'lab-script.png') });
    await page.getByRole('button', { name: 'Close the script' }).click();
    expect(await script.count()).toBe(0);
    // "Edit this script": the Lab file tab, with the builtin written into the file as the proxy's own.
    await page.getByRole('button', { name: 'script', exact: true }).click();
    await page.getByRole('button', { name: 'Edit this script' }).click();
    await expect.poll(() => page.getByRole('tab', { name: /^Lab file/ }).textContent()).toMatch(/edited/);
    await page.getByRole('tab', { name: 'Console' }).click();
    await page.getByTestId('script-view').waitFor();
    await page.getByRole('button', { name: 'Close the script' }).click();
    expect(await script.count()).toBe(0);
    // A second window (a browser tab, or this one reloaded) shows the running lab and can stop it,
    // instead of offering only to start it again on the sockets it holds.
    const otherContext = await page.context().browser()!.newContext();
    const other = await otherContext.newPage();
    try {
      await other.goto(server.url);
      await other.getByRole('navigation').getByRole('button', { name: 'Lab' }).click();
      await expect
        .poll(() => other.getByTestId('lab-listening').textContent(), { timeout: 10_000 })
        .toContain(`127.0.0.1:${port}`);
      expect(await other.getByTestId('lab-count').textContent()).toMatch(/^2 messages/);
      expect(await other.getByRole('button', { name: 'Stop' }).count()).toBe(1);
    } finally {
      await otherContext.close();
    }
    await page.getByRole('button', { name: 'Calls & ladder ›' }).click();
    const calls = page.getByTestId('calls-table').locator('tr.msg');
    await expect.poll(() => calls.count()).toBe(1);
    // A registration, not a call: its type tag before the state chip, the full type in the title.
    expect(await calls.first().locator('.type').textContent()).toBe('REG');
    expect(await calls.first().locator('.type').getAttribute('aria-label')).toBe('registration');
    await page.getByRole('navigation').getByRole('button', { name: 'Lab' }).click();
    await page.getByRole('button', { name: 'Stop' }).click();
    await page.getByText('stopped', { exact: true }).waitFor();
    // The lab file edited in the app: a mistake is shown at its line; the proxy's own script, inline,
    // answers the next REGISTER.
    await page.getByRole('tab', { name: 'Lab file' }).click();
    const file = page.getByTestId('lab-yaml');
    // (the copy "Edit this script" made above: the builtin written inline)
    expect(await file.inputValue()).toMatch(/ {4}script: \|\n {6}request_route \{\n/);
    const text = yaml;
    expect(text).toContain('script: { builtin: stateful-proxy }');
    await file.fill(text.replace('role: proxy', 'role: proxyy'));
    await page.getByRole('button', { name: 'Validate and start' }).click();
    const line = text.split('\n').findIndex((l) => l.includes('role: proxy')) + 1;
    await expect
      .poll(() => page.getByTestId('lab-errors').textContent())
      .toMatch(new RegExp(`^line ${line}, col \\d+`));
    await file.fill(
      text.replace(
        'script: { builtin: stateful-proxy }',
        'script: |\n      request_route {\n        sl_send_reply("403", "Closed for the exam");\n      }',
      ),
    );
    await page.getByRole('button', { name: 'Validate and start' }).click();
    await page.getByText('running', { exact: true }).waitFor();
    expect(await sendUdp(register.replace('e2e-1', 'e2e-2'), port, port + 1)).toMatch(
      /^SIP\/2\.0 403 Closed for the exam/,
    );
    await page.getByRole('tab', { name: 'Console' }).click();
    await page.getByRole('button', { name: 'Stop' }).click();
    await page.getByText('stopped', { exact: true }).waitFor();
  });

  it('collects HEP from the Lab area and shows the traced call live', async () => {
    const port = await freeUdpPort();
    await page.getByRole('navigation').getByRole('button', { name: 'Lab' }).click();
    await page.getByLabel('Live source kind').selectOption('hep');
    await page.getByLabel('Port').fill(String(port));
    await page.getByRole('button', { name: 'Start', exact: true }).click();
    const source = page.getByTestId('live-source').filter({ hasText: `${port}` });
    await source.waitFor();
    const invite = [
      'INVITE sip:bob@192.0.2.30 SIP/2.0',
      'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-hep-e2e',
      'Max-Forwards: 70',
      'From: <sip:alice@192.0.2.10>;tag=h1',
      'To: <sip:bob@192.0.2.30>',
      'Call-ID: hep-e2e-1@192.0.2.10',
      'CSeq: 1 INVITE',
      'Contact: <sip:alice@192.0.2.10>',
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n');
    const packet = hep3({
      src: '192.0.2.10',
      dst: '192.0.2.30',
      srcPort: 5060,
      dstPort: 5060,
      timeUs: 1_700_000_000_000_000,
      payload: invite,
    });
    const s = createSocket('udp4');
    await new Promise<void>((res) => s.send(packet, port, '127.0.0.1', () => res()));
    s.close();
    await expect.poll(() => source.textContent(), { timeout: 10_000 }).toMatch(/1 SIP message · /);
    await source.getByRole('button', { name: 'Calls & ladder ›' }).click();
    // The previous test's lab trace also had one call: wait for this trace's rows, not a count.
    const calls = page.getByTestId('calls-table').locator('tr.msg');
    await expect.poll(() => calls.first().textContent()).toContain('alice');
    expect(await calls.count()).toBe(1);
    await expect
      .poll(() => page.getByTestId('messages-table').locator('tr.msg').first().textContent())
      .toContain('192.0.2.10:5060');
    // A second call traced while the list shows: the list and the status bar's counts follow.
    const second = hep3({
      src: '192.0.2.10',
      dst: '192.0.2.30',
      srcPort: 5060,
      dstPort: 5060,
      timeUs: 1_700_000_001_000_000,
      payload: invite.replace('hep-e2e-1@', 'hep-e2e-2@').replace('-hep-e2e', '-hep-e2e-2'),
    });
    const s2 = createSocket('udp4');
    await new Promise<void>((res) => s2.send(second, port, '127.0.0.1', () => res()));
    s2.close();
    await expect.poll(() => calls.count(), { timeout: 10_000 }).toBe(2);
    await expect
      .poll(() => page.locator('footer.status').textContent())
      .toMatch(/2 frames\s*2 SIP messages\s*2 calls/);
    await page.getByRole('navigation').getByRole('button', { name: 'Lab' }).click();
    await source.getByRole('button', { name: 'Stop' }).click();
    await expect.poll(() => source.textContent()).toContain('stopped');
  });

  it('logged no errors in the page', () => {
    expect(consoleErrors).toEqual([]);
  });
});
