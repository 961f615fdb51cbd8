/**
 * End to end, what a balancer believes, in headless Debian Chromium (browser mode served for real):
 * the scenario player's state panel follows dispatcher-failover's PBX 1 (AX → IP after the failed
 * call → AX after the probe's 200); the lab console's Dispatcher section follows a lab balancer on
 * random loopback ports (a destination listed inactive and probing becomes active after its OPTIONS
 * probe gets a 200). Screenshots (light and dark) under test-results/screenshots/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { requirePeer } from '../helpers/peers';
import { SHOTS_DIR, type ServedPage, openApp } from '../helpers/chromium';
import { freePort } from '../interop/helpers/run-peers';
import { probingLabYaml } from '../helpers/dispatcher-lab';

const chromiumPath = requirePeer('chromium');

describe.skipIf(!chromiumPath)("the dispatcher's destinations and their state, in Chromium", () => {
  let served: ServedPage;
  let page: Page;
  beforeAll(async () => ({ served, page } = await openApp(chromiumPath as string)));
  afterAll(() => served?.close());

  const dark = async (name: string): Promise<void> => {
    await page.keyboard.press('t');
    expect(await page.locator('html').getAttribute('data-theme')).toBe('dark');
    await page.screenshot({ path: join(SHOTS_DIR, name) });
    await page.keyboard.press('t');
  };

  it('scenario player: PBX 1 active, inactive and probing after the failed call, active again after the probe', async () => {
    await page.getByRole('navigation').getByRole('button', { name: 'Scenarios' }).click();
    await page.getByRole('button', { name: /^dispatcher-failover/ }).click();
    const counter = page.getByTestId('step-counter');
    await expect.poll(() => counter.textContent(), { timeout: 20_000 }).toMatch(/^1 \/ \d+$/);
    const rows = (): Promise<string[]> =>
      page
        .getByTestId('sim-dispatcher')
        .getByTestId('dispatcher-dest')
        .evaluateAll((li) => li.map((l) => (l.textContent ?? '').replace(/\s+/g, ' ').trim()));
    expect(await rows()).toEqual([
      'AX sip:192.0.2.51:5060 prio 10',
      'AX sip:192.0.2.52:5060 prio 5',
      'AX sip:192.0.2.53:5060 prio 1',
    ]);
    const now = page.locator('.now');
    const next = page.getByRole('button', { name: 'Next message' });
    // the INVITE relayed to PBX 2 (after the mark at 2.010 s)
    for (let i = 0; i < 60 && !(await rows())[0]!.startsWith('IP'); i++) await next.click();
    expect((await rows())[0]).toBe('IP sip:192.0.2.51:5060 prio 10 since 2.010 s');
    expect(await now.textContent()).toMatch(/192\.0\.2\.52|PBX 2/);
    await page.getByTestId('sim-dispatcher').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(SHOTS_DIR, 'dispatcher-player.png') });
    await dark('dispatcher-player-dark.png');
    for (let i = 0; i < 80 && !(await rows())[0]!.startsWith('AX'); i++) await next.click();
    expect((await rows())[0]).toMatch(/^AX sip:192\.0\.2\.51:5060 prio 10 probe 200 since 15\.0\d\d s$/);
  });

  it('lab console: the Dispatcher section follows the balancer as its probes are answered', async () => {
    const [pp, pm, pd] = [await freePort(), await freePort(), await freePort()];
    const yaml = probingLabYaml(pp, pm, pd, 'a balancer probing two destinations, one answers');
    const dir = mkdtempSync(join(tmpdir(), 'sipscope-ds-lab-'));
    writeFileSync(join(dir, 'ds-lab.yaml'), yaml);
    await page.getByRole('navigation').getByRole('button', { name: 'Lab' }).click();
    await page.getByTestId('lab-file').setInputFiles(join(dir, 'ds-lab.yaml'));
    const section = page.getByTestId('lab-dispatcher');
    await expect.poll(() => section.count(), { timeout: 15_000 }).toBe(1);
    const rows = (): Promise<string[]> =>
      section
        .getByTestId('dispatcher-dest')
        .evaluateAll((li) => li.map((l) => (l.textContent ?? '').replace(/\s+/g, ' ').trim()));
    await expect
      .poll(async () => (await rows())[0], { timeout: 10_000 })
      .toBe(`AX sip:127.0.0.1:${pm} prio 5 weight=50 probe 200`);
    expect((await rows())[1]).toMatch(new RegExp(`^IP sip:127\\.0\\.0\\.1:${pd} prio 1`));
    await page.screenshot({ path: join(SHOTS_DIR, 'dispatcher-lab.png') });
    await dark('dispatcher-lab-dark.png');
    await page.getByRole('button', { name: 'Stop' }).click();
  });
});
