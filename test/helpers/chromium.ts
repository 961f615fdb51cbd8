/**
 * Browser mode in headless Debian Chromium for the end-to-end tests (and the UI benchmark): one set
 * of launch flags, and one way to serve the app and open a page on it.
 */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
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
