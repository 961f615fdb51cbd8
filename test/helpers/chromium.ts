/**
 * Browser mode in headless Debian Chromium for the end-to-end tests (and the UI benchmark): one set
 * of launch flags, and one way to serve the app and open a page on it.
 */
import { mkdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { startBrowserServer, type BrowserServer } from '../../src/main/server/browser-server';
import { createHost } from '../../src/main/service/create-host';
import { RENDERER_DIR } from '../../src/main/paths';
import type { ServiceHost } from '../../src/main/service/host';
import { CHROMIUM_ARGS } from './chromium-args';

export { CHROMIUM_ARGS };

/** Where the e2e tests save their screenshots (CI keeps them as artifacts). */
export const SHOTS_DIR = resolve(import.meta.dirname, '..', '..', 'test-results', 'screenshots');

/**
 * Screenshots of the page as it is, light and dark (`NAME.png`, `NAME-dark.png` under SHOTS_DIR):
 * the 't' key switches the theme and back; fails when the dark theme did not come.
 */
export async function shootThemes(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: resolve(SHOTS_DIR, `${name}.png`) });
  await page.locator('body').press('t');
  if ((await page.locator('html').getAttribute('data-theme')) !== 'dark')
    throw new Error(`shootThemes(${name}): the 't' key did not switch to the dark theme`);
  await page.screenshot({ path: resolve(SHOTS_DIR, `${name}-dark.png`) });
  await page.locator('body').press('t');
}

export interface ServedPage {
  server: BrowserServer;
  host: ServiceHost;
  browser: Browser;
  page: Page;
  /** Console errors and uncaught exceptions of the page. */
  errors: string[];
  close(): Promise<void>;
}

/**
 * Serves browser mode on a loopback port (no recent-files list) and opens a 1400×860 page on it.
 * `webRoot`: the built renderer (default out/renderer).
 */
export async function servePage(chromiumPath: string, opts: { webRoot?: string } = {}): Promise<ServedPage> {
  mkdirSync(SHOTS_DIR, { recursive: true });
  // eslint-disable-next-line prefer-const -- assigned after the host, which needs it for uploads
  let server: BrowserServer;
  const host = createHost({
    mode: 'browser',
    recentFile: null,
    resolveUpload: (t) => server.resolveUpload(t),
  });
  server = await startBrowserServer({ host, webRoot: opts.webRoot ?? RENDERER_DIR, port: 0 });
  const browser = await chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_ARGS });
  const page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  return {
    server,
    host,
    browser,
    page,
    errors,
    async close() {
      await browser.close();
      await host.dispose();
      await server.close();
    },
  };
}

/** {@link servePage} with the app opened on it: what most suites do in their beforeAll. */
export async function openApp(chromiumPath: string): Promise<{ served: ServedPage; page: Page }> {
  const served = await servePage(chromiumPath);
  await served.page.goto(served.server.url);
  return { served, page: served.page };
}

/**
 * The app's places an e2e test goes to and reads, on the page `page()` gives (the page is opened in a
 * beforeAll, so it is asked for when used): the Ladder and Calls areas, the calls list's rows, the
 * ladder's RTP arrows (negative ids, in their order on the ladder).
 */
export function appNav(page: () => Page): {
  showLadder(): Promise<void>;
  showCalls(): Promise<void>;
  calls(): Locator;
  mediaArrows(): Locator;
} {
  return {
    showLadder: () => page().getByRole('navigation').getByRole('button', { name: 'Ladder' }).click(),
    showCalls: () => page().getByRole('navigation').getByRole('button', { name: 'Captures & calls' }).click(),
    calls: () => page().getByTestId('calls-table').locator('tr.msg'),
    mediaArrows: () => page().getByTestId('ladder').locator('g.arrow[data-id^="-"]'),
  };
}

const ROOT = resolve(import.meta.dirname, '..', '..');

/**
 * A fresh vite build of the renderer in `.tmp/NAME/web` (so that another person's out/ cannot be
 * stale for the suite): the web root to serve.
 */
export function buildRenderer(name: string): string {
  const webDir = join(ROOT, '.tmp', name, 'web');
  const vite = spawnSync(
    join(ROOT, 'node_modules', '.bin', 'vite'),
    ['build', '-c', 'vite.web.config.ts', '--outDir', webDir, '--emptyOutDir', '--logLevel', 'error'],
    { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'], timeout: 120_000 },
  );
  if (vite.status !== 0) throw new Error(`vite build failed (${vite.status ?? vite.signal})`);
  return webDir;
}

/** One list's header cell as laid out: its text, cut by its column or not, inside the list's view or not. */
export interface HeaderCell {
  text: string;
  cut: boolean;
  inView: boolean;
}

/**
 * The header cells of the list `testid` (a VirtualRows), the list's room (its client width) and its
 * table's least width.
 */
export function listHeader(
  page: Page,
  testid: string,
): Promise<{ cells: HeaderCell[]; room: number; table: number }> {
  // (an expression string: the node tsconfig has no DOM lib)
  return page.evaluate(`(() => {
    const v = document.querySelector('[data-testid="${testid}"]');
    const box = v.getBoundingClientRect();
    const cells = [...v.querySelectorAll('th')].map((th) => {
      const r = th.getBoundingClientRect();
      // The label's own width against the cell's content box: an overflow under a pixel ends in an
      // ellipsis too, which scrollWidth (whole pixels) does not see ("Fra…" in a 54 px Frame column).
      const walk = document.createTreeWalker(th, NodeFilter.SHOW_TEXT);
      let label = walk.nextNode();
      while (label && !label.textContent.trim()) label = walk.nextNode();
      let over = false;
      if (label) {
        const range = document.createRange();
        range.selectNodeContents(label);
        const cs = getComputedStyle(th);
        const inner = th.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
        over = range.getBoundingClientRect().width > inner + 0.01;
      }
      return {
        text: th.textContent.trim(),
        cut: th.scrollWidth > th.clientWidth || over,
        inView: r.left >= box.left - 0.5 && r.right <= box.left + v.clientWidth + 0.5,
      };
    });
    return { cells, room: v.clientWidth, table: parseFloat(v.querySelector('table').style.minWidth) };
  })()`);
}

/** Opens built-in sample `index` (0: the basic one) from the top bar's samples menu; waits for its title. */
export async function openSampleFromMenu(page: Page, index: number, fileName: string): Promise<void> {
  await page.getByRole('button', { name: 'More samples' }).click();
  await page.getByTestId('samples-menu').getByRole('menuitem').nth(index).click();
  await page.getByTestId('capture-title').filter({ hasText: fileName }).waitFor({ timeout: 20_000 });
}
