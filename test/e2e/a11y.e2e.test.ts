/**
 * Accessibility end to end: axe-core (the engine of Lighthouse's and Deque's checks) run in headless
 * Chromium on 29 screens of the three areas, each in the light and the dark theme — the empty shell,
 * a capture's calls and messages with a message inspected (raw, headers explained, path, SDP), a
 * pinned message in the messages list and on the ladder, the column chooser, the filter's
 * completions, the shortcuts, About and statistics dialogs, the samples menu, the problems sample's
 * row and broken call in the ladder, a filter that hides every call, a stream's inspector, its SRTP
 * key field and player, the scenario library, a scenario stepped, its YAML and Predict, a lab idle
 * and running, its file and its live trace, an encrypted capture's TLS notice and Decrypt TLS…'s
 * question of which server a private key is for (a capture of two openssl servers made here). A
 * moderate, serious or critical violation (a button or input without a name, text under 4.5:1
 * contrast, a bad role, a heading level skipped, two landmarks of one name…) fails the test and
 * names the rule, the screen and the elements. Beside axe, what it cannot see: the calls list, the
 * samples menu, a dialog and the pinned message used by keyboard only, and the ladder's export row
 * at 1280 px. `A11Y_REPORT=FILE` writes every violation, minor too, as JSON to FILE.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { requirePeer } from '../helpers/peers';
import { freeUdpPort } from '../helpers/udp';
import { appNav, servePage, shootThemes, type ServedPage } from '../helpers/chromium';
import { LAB_DIR } from '../../src/main/service/labs';
import { capturingLo, opensslExchange, selfSignedCert } from '../interop/helpers/openssl-tls';

const chromiumPath = requirePeer('chromium');
const openssl = requirePeer('openssl');
const dumpcap = requirePeer('dumpcap');
const TLS_DIR = join(import.meta.dirname, '..', 'fixtures', 'tls');
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface AxeNode {
  target: string[];
  failureSummary?: string;
}
interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: AxeNode[];
}

/** axe's violations on the page as it is now (axe injected once per document). */
async function axeViolations(page: Page): Promise<AxeViolation[]> {
  // evaluated, not a script tag: the app's CSP forbids inline scripts
  if (!(await page.evaluate(() => 'axe' in globalThis))) await page.evaluate(AXE);
  return page.evaluate(async () => {
    // axe's own global, injected above (the test's types know neither it nor the DOM)
    const axe = (
      globalThis as unknown as { axe: { run(c: string, o: object): Promise<{ violations: unknown }> } }
    ).axe;
    const r = await axe.run('html', { resultTypes: ['violations'] });
    return r.violations as AxeViolation[];
  });
}

function describeViolations(screen: string, vs: AxeViolation[]): string[] {
  return vs.map(
    (v) =>
      `${screen}: [${v.impact}] ${v.id} — ${v.help}\n` +
      v.nodes
        .slice(0, 6)
        .map((n) => `    ${n.target.join(' ')}\n      ${(n.failureSummary ?? '').replace(/\n/g, '\n      ')}`)
        .join('\n') +
      (v.nodes.length > 6 ? `\n    … ${v.nodes.length - 6} more` : ''),
  );
}

describe.skipIf(!chromiumPath)('accessibility (axe-core) of the main screens, light and dark', () => {
  let served: ServedPage;
  let page: Page;
  const failures: string[] = [];
  const report: { screen: string; violations: AxeViolation[] }[] = [];
  const labDir = mkdtempSync(join(tmpdir(), 'sipscope-a11y-'));

  /** Runs axe in both themes; records the moderate, serious and critical violations. */
  async function check(screen: string): Promise<string[]> {
    const found: string[] = [];
    // (the theme set as the app's 't' sets it, without a key press that would close a menu)
    const setTheme = (t: string): Promise<void> =>
      page.evaluate((v) => {
        (
          globalThis as unknown as { document: { documentElement: { dataset: Record<string, string> } } }
        ).document.documentElement.dataset.theme = v;
      }, t);
    for (const theme of ['light', 'dark']) {
      if (theme === 'dark') await setTheme('dark');
      expect(await page.locator('html').getAttribute('data-theme')).toBe(theme);
      const vs = await axeViolations(page);
      const bad = vs.filter((v) => ['moderate', 'serious', 'critical'].includes(v.impact ?? ''));
      if (process.env.A11Y_REPORT) report.push({ screen: `${screen} (${theme})`, violations: vs });
      found.push(...describeViolations(`${screen} (${theme})`, bad));
      if (theme === 'dark') await setTheme('light');
    }
    failures.push(...found);
    return found;
  }

  beforeAll(async () => {
    served = await servePage(chromiumPath as string);
    page = served.page;
    await page.goto(served.server.url);
    await page.getByTestId('mode').waitFor();
  });

  afterAll(async () => {
    await served?.close();
    rmSync(labDir, { recursive: true, force: true });
    if (failures.length) console.log(failures.join('\n'));
    // every violation, moderate and minor too, as JSON in the file A11Y_REPORT names
    if (process.env.A11Y_REPORT) writeFileSync(process.env.A11Y_REPORT, JSON.stringify(report, null, 1));
  });

  const { showLadder, showCalls, calls, mediaArrows } = appNav(() => page);

  it('the empty shell', async () => {
    await page.getByTestId('sample-calls').waitFor();
    expect.soft(await check('empty shell')).toEqual([]);
  });

  it("a capture's calls, messages and a message inspected", async () => {
    await page.getByTestId('sample-calls').click();
    await expect.poll(() => calls().count(), { timeout: 20_000 }).toBe(5);
    // Keyboard only: Tab reaches the calls list (a named region), and ↓ selects its first call, ↓ the next.
    const list = page.getByRole('region', { name: /^Call rows/ });
    await list.focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await expect
      .poll(() => calls().evaluateAll((rows) => rows.map((r) => r.getAttribute('aria-selected'))))
      .toEqual(['false', 'true', 'false', 'false', 'false']);
    await calls().first().click();
    const rows = page.getByTestId('messages-table').locator('tr.msg');
    await expect.poll(() => rows.count()).toBeGreaterThan(5);
    await rows.first().click();
    expect.soft(await check('calls + inspector')).toEqual([]);
    await shootThemes(page, 'a11y-calls');
  });

  it("the inspector's other tabs, the column chooser, the filter's completions, the shortcuts", async () => {
    const inspector = page.getByRole('tablist').first();
    for (const tab of ['Headers explained', 'Path', 'SDP']) {
      await inspector.getByRole('tab', { name: tab }).click();
      expect.soft(await check(`inspector ${tab}`)).toEqual([]);
    }
    await inspector.getByRole('tab', { name: 'Raw' }).click();
    await page.getByRole('button', { name: 'Columns', exact: true }).click();
    expect.soft(await check('column chooser')).toEqual([]);
    await page.keyboard.press('Escape');
    const filter = page.getByRole('combobox').first();
    await filter.fill('call.');
    await page.getByTestId('filter-completions').waitFor();
    expect.soft(await check('filter completions')).toEqual([]);
    await filter.fill('');
    await filter.press('Escape');
    const shortcuts = page.getByRole('button', { name: 'Keyboard shortcuts' });
    await shortcuts.click();
    await page.getByRole('dialog').waitFor();
    // The dialog takes the focus, and gives it back to its button when it closes.
    expect(await page.getByRole('dialog').evaluate((d) => d.contains(d.ownerDocument.activeElement))).toBe(
      true,
    );
    expect.soft(await check('shortcuts dialog')).toEqual([]);
    // Tab and Shift+Tab stay in the modal (its Close button is its one control): never the page behind.
    const inDialog = (): Promise<boolean> =>
      page.getByRole('dialog').evaluate((d) => d.contains(d.ownerDocument.activeElement));
    for (const key of ['Tab', 'Tab', 'Shift+Tab', 'Shift+Tab', 'Shift+Tab']) {
      await page.keyboard.press(key);
      expect(await inDialog(), key).toBe(true);
    }
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByRole('dialog').count()).toBe(0);
    expect(await shortcuts.evaluate((b) => b === b.ownerDocument.activeElement)).toBe(true);
    await page.getByRole('button', { name: 'About sipscope' }).click();
    await page.getByTestId('about').waitFor();
    expect.soft(await check('about dialog')).toEqual([]);
    await page.keyboard.press('Escape');
  });

  it('a pinned message, in the messages list and on the ladder', async () => {
    const rows = page.getByTestId('messages-table').locator('tr.msg');
    await rows.first().click();
    await page.getByTestId('pin-message').click();
    await expect.poll(() => page.getByTestId('messages-table').getByTestId('pinned-mark').count()).toBe(1);
    await rows.nth(2).click();
    await page.getByTestId('pinned-diff').waitFor();
    expect.soft(await check('pinned message')).toEqual([]);
    await showLadder();
    await expect.poll(() => page.getByTestId('ladder').getByTestId('pinned-mark').count()).toBe(1);
    expect.soft(await check('pinned message on the ladder')).toEqual([]);
    // (the mark is no control nested in the arrow's option: the arrow's name says it is pinned)
    expect(
      await page
        .getByTestId('ladder')
        .getByRole('option', { name: /, pinned to compare with$/ })
        .count(),
    ).toBe(1);
    // Keyboard only: the pinned arrow selected, the inspector's Unpin unpins it.
    const unpin = page.getByTestId('pin-message');
    await page
      .getByTestId('ladder')
      .getByRole('option', { name: /, pinned to compare with$/ })
      .click();
    await expect.poll(() => unpin.textContent()).toBe('Unpin');
    await unpin.focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByTestId('pinned-mark').count()).toBe(0);
    await showCalls();
  });

  it('the statistics dialog', async () => {
    await page.getByRole('button', { name: 'Stats', exact: true }).click();
    await page.getByTestId('stats').waitFor();
    expect.soft(await check('stats dialog')).toEqual([]);
    await page.getByRole('dialog', { name: 'Statistics' }).getByRole('button', { name: 'Close' }).click();
  });

  it("the problems sample: the problems row, a broken call's ladder and a stream", async () => {
    // Keyboard only: Enter opens the menu on its first entry, ↓ moves, Escape closes it back on its button.
    const more = page.getByRole('button', { name: 'More samples' });
    await more.focus();
    await page.keyboard.press('Enter');
    const entries = page.getByRole('menuitem');
    const focused = (): Promise<boolean[]> =>
      entries.evaluateAll((es) => es.map((e) => e === e.ownerDocument.activeElement));
    await expect.poll(focused).toEqual([true, false, false]);
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    expect(await focused()).toEqual([true, false, false]);
    await page.keyboard.press('ArrowUp');
    expect(await focused()).toEqual([false, false, true]);
    await page.keyboard.press('Escape');
    await expect.poll(() => entries.count()).toBe(0);
    expect(await more.evaluate((b) => b === b.ownerDocument.activeElement)).toBe(true);
    await more.click();
    expect.soft(await check('samples menu')).toEqual([]);
    await page.getByRole('menuitem', { name: /go wrong/ }).click();
    await expect.poll(() => calls().count(), { timeout: 20_000 }).toBeGreaterThan(3);
    await calls().first().click();
    expect.soft(await check('problems sample calls')).toEqual([]);
    await showLadder();
    await page.getByTestId('ladder').locator('g.arrow').first().waitFor();
    expect.soft(await check('ladder')).toEqual([]);
    await shootThemes(page, 'a11y-ladder');
    await showCalls();
    await page.getByTestId('calls-problems').getByRole('button').first().click();
    expect.soft(await check('a problem chosen')).toEqual([]);
  });

  it('a call with audio: its streams, the stream inspector and its player', async () => {
    await page.getByRole('button', { name: 'More samples' }).click();
    await page.getByRole('menuitem', { name: /audio/ }).click();
    await expect.poll(() => page.getByTestId('capture-title').textContent()).toContain('sample-media');
    // The problem's filter stays for the next capture, where no call has it: the list says so.
    const none = page.getByTestId('calls-none-match');
    await expect
      .poll(() => none.textContent())
      .toMatch(/No call matches the filter; the capture has 3\s+calls\./);
    expect.soft(await check('no call matches')).toEqual([]);
    await none.getByRole('button', { name: 'Clear the filter' }).click();
    await expect.poll(() => calls().count()).toBe(3);
    expect(await none.count()).toBe(0);
    await calls().first().click();
    await showLadder();
    await expect.poll(() => mediaArrows().count(), { timeout: 10_000 }).toBeGreaterThan(0);
    await mediaArrows().first().click();
    await page.getByTestId('stream-inspector').waitFor();
    expect.soft(await check('stream inspector')).toEqual([]);
    await shootThemes(page, 'a11y-stream');
    await page.getByTestId('srtp-key').locator('summary').click();
    await page.getByRole('textbox', { name: /^SRTP key for this stream/ }).waitFor();
    expect.soft(await check("stream inspector's SRTP key")).toEqual([]);
    await page.getByTestId('srtp-key').locator('summary').click();
    // A 1280 px laptop: the export buttons keep their words on one line (before, 'SIPp caller' took two).
    await page.setViewportSize({ width: 1280, height: 720 });
    const exportsRow = page.getByRole('group', { name: 'Export' });
    const heights = await exportsRow
      .getByRole('button')
      .evaluateAll((bs) => bs.map((b) => Math.round(b.getBoundingClientRect().height)));
    expect(new Set(heights).size).toBe(1);
    await page.setViewportSize({ width: 1400, height: 860 });
    await showCalls();
  });

  it('a scenario stepped', async () => {
    await page.getByRole('navigation').getByRole('button', { name: 'Scenarios' }).click();
    await page.getByTestId('scenario-start-here').waitFor();
    expect.soft(await check('scenarios (none picked)')).toEqual([]);
    await page.getByRole('button', { name: /^trapezoid/ }).click();
    await expect
      .poll(() => page.getByTestId('step-counter').textContent(), { timeout: 20_000 })
      .toMatch(/^1 \//);
    await page.getByRole('button', { name: 'Next message' }).click();
    await page.getByRole('button', { name: 'Next message' }).click();
    expect.soft(await check('scenario trapezoid')).toEqual([]);
    await shootThemes(page, 'a11y-scenario');
    await page.getByRole('tab', { name: 'Scenario YAML' }).click();
    expect.soft(await check('scenario YAML')).toEqual([]);
    await page.getByRole('tab', { name: 'Ladder' }).click();
    await page.getByTestId('predict-toggle').click();
    await page.getByTestId('predict-choices').waitFor({ timeout: 10_000 });
    expect.soft(await check('predict')).toEqual([]);
    await page.getByTestId('predict-toggle').click();
  });

  it('a lab running', async () => {
    await page.getByRole('navigation').getByRole('button', { name: 'Lab' }).click();
    expect.soft(await check('lab (idle)')).toEqual([]);
    const port = await freeUdpPort();
    const yaml = readFileSync(join(LAB_DIR, 'registrar-proxy.yaml'), 'utf8').replace(
      /127\.0\.0\.1:5060/g,
      `127.0.0.1:${port}`,
    );
    writeFileSync(join(labDir, 'a11y-lab.yaml'), yaml);
    await page.getByTestId('lab-file').setInputFiles(join(labDir, 'a11y-lab.yaml'));
    await expect
      .poll(() => page.getByTestId('lab-listening').textContent(), { timeout: 15_000 })
      .toContain(`127.0.0.1:${port}`);
    // (nothing has reached the lab yet: its events column says what will come there)
    expect(await page.getByTestId('lab-events-none').textContent()).toMatch(/None yet: what the elements do/);
    expect.soft(await check('lab running')).toEqual([]);
    await shootThemes(page, 'a11y-lab');
    await page.getByRole('tab', { name: 'Lab file' }).click();
    expect.soft(await check('lab file')).toEqual([]);
    await page.getByRole('tab', { name: 'Console' }).click();
    await page.getByRole('button', { name: /Calls & ladder/ }).click();
    expect.soft(await check('live trace')).toEqual([]);
    await page.getByRole('navigation').getByRole('button', { name: 'Lab' }).click();
    await page.getByRole('button', { name: /^Stop/ }).first().click();
  });

  it('an encrypted capture: the TLS notice and its Decrypt TLS…', async () => {
    await page.getByTestId('file-input').setInputFiles(join(TLS_DIR, 'tls12-rsa-aes128cbc.pcapng'));
    const notice = page.getByTestId('file-diagnostics');
    await expect.poll(() => notice.textContent(), { timeout: 20_000 }).toContain('tls-encrypted');
    await page.getByTestId('decrypt-tls').waitFor();
    expect.soft(await check('TLS notice')).toEqual([]);
  });

  it.skipIf(!openssl || !dumpcap)(
    "Decrypt TLS…'s question: which of two servers a private key is for",
    async () => {
      const tmp = mkdtempSync(join(tmpdir(), 'sipscope-a11y-tls-'));
      try {
        const cert = selfSignedCert(openssl!, tmp, 'a', ['rsa:2048']);
        const pcap = join(tmp, 'two-servers.pcapng');
        // (as the decrypt-tls e2e picks its ports, in a range of its own)
        const base = 30400 + (process.pid % 50) * 2;
        const ports = [base, base + 1];
        await capturingLo(
          dumpcap!,
          `tcp port ${ports[0]} or tcp port ${ports[1]}`,
          pcap,
          60_000,
          async () => {
            for (const port of ports) {
              const args = ['-tls1_2', '-cipher', 'AES128-SHA:@SECLEVEL=0'];
              await opensslExchange(
                openssl!,
                port,
                ['-cert', cert.cert, '-key', cert.key, ...args],
                [{ name: `rsa-${port}`, args }],
              );
            }
          },
        );
        await page.getByTestId('file-input').setInputFiles(pcap);
        const notice = page.getByTestId('file-diagnostics');
        await expect
          .poll(() => notice.textContent(), { timeout: 20_000 })
          .toMatch(new RegExp(`→ 127\\.0\\.0\\.1:${ports[0]}[^]*→ 127\\.0\\.0\\.1:${ports[1]}`));
        // (the key file as a user has it: PKCS#8 PEM)
        execFileSync(openssl!, ['pkey', '-in', cert.key, '-out', join(tmp, 'server.key')]);
        await page.getByTestId('keylog-input').setInputFiles(join(tmp, 'server.key'));
        await page.getByTestId('tls-key-server').waitFor({ timeout: 10_000 });
        expect.soft(await check('Decrypt TLS: which server')).toEqual([]);
        await shootThemes(page, 'a11y-tls-server');
      } finally {
        rmSync(tmp, { recursive: true, force: true });
      }
    },
  );
});
