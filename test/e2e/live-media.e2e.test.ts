/**
 * End to end, a live call's RTP in the app: browser mode served for real, an interface capture on
 * `lo` opened in it (the host's startInterface, as `sipscope serve --iface lo` does), a SIPp call with
 * G.711 audio echoed back (uac_pcap ↔ -rtp_echo). While the call runs, its ladder draws the RTP
 * arrows and the summary says media flows both ways; their packet counts grow with the next updates,
 * and the stream shown in the inspector stays shown with its new figures; Play call audio plays what
 * has come so far (the live trace keeps its media), and with a small keep it says how much of the
 * start is no longer kept. Screenshots, light and
 * dark, under test-results/screenshots/. Bounded: every process has a time limit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { requirePeer } from '../helpers/peers';
import { Invoke } from '../../src/shared/api';
import { SHOTS_DIR, servePage, type ServedPage } from '../helpers/chromium';

const chromiumPath = requirePeer('chromium');
const sipp = requirePeer('sipp');
const dumpcap = requirePeer('dumpcap');
const tshark = requirePeer('tshark');
const AUDIO = '/usr/share/sip-tester';
const SIP_UAS = 25290;
const SIP_UAC = 25291;

describe.skipIf(!chromiumPath || !sipp || !dumpcap || !existsSync(join(AUDIO, 'g711a.pcap')))(
  "a live call's RTP in the app (dumpcap on lo, SIPp)",
  () => {
    let served: ServedPage;
    let page: Page;
    const dir = mkdtempSync(join(tmpdir(), 'sipscope-live-media-e2e-'));
    const procs: ChildProcess[] = [];

    beforeAll(async () => {
      symlinkSync(AUDIO, join(dir, 'pcap'));
      served = await servePage(chromiumPath as string);
      page = served.page;
      await page.goto(served.server.url);
      // The window is up (its start page drawn) before the host opens the interface capture: the
      // host's captureOpened must show it (the window's own start-up list cannot have it yet).
      await page.getByRole('heading', { name: 'Read, draw and simulate SIP' }).waitFor();
    });

    afterAll(async () => {
      for (const p of procs) if (p.exitCode === null) p.kill('SIGKILL');
      await served?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    const arrows = (): ReturnType<Page['locator']> =>
      page.getByTestId('ladder').locator('g.arrow[data-id^="-"] text.label');
    /** The packets of each RTP arrow's label ('RTP g711A · 120 pkts'), in ladder order. */
    const packets = async (): Promise<number[]> =>
      (await arrows().allTextContents()).map((t) => Number(/· (\d+) pkts/.exec(t)?.[1] ?? NaN));

    it('draws the RTP both ways while the call runs, and the counts grow', async () => {
      const src = await served.host.startInterface({
        iface: 'lo',
        filter: `udp port ${SIP_UAS} or udp port ${SIP_UAC}`,
      });
      await expect
        .poll(() => page.getByTestId('capture-title').textContent(), { timeout: 10_000 })
        .toContain('capture lo');
      await new Promise((r) => setTimeout(r, 1000));
      const common = ['-i', '127.0.0.1', '-m', '1', '-nostdin', '-timeout', '30', '-timeout_error'];
      procs.push(
        spawn(sipp!, ['-sn', 'uas', '-p', String(SIP_UAS), '-mp', '26200', '-rtp_echo', ...common], {
          cwd: dir,
          stdio: 'ignore',
        }),
      );
      await new Promise((r) => setTimeout(r, 500));
      procs.push(
        spawn(
          sipp!,
          ['-sn', 'uac_pcap', `127.0.0.1:${SIP_UAS}`, '-p', String(SIP_UAC), '-mp', '27200', ...common],
          { cwd: dir, stdio: 'ignore' },
        ),
      );
      const calls = page.getByTestId('calls-table').locator('tr.msg');
      await expect.poll(() => calls.count(), { timeout: 10_000 }).toBeGreaterThan(0);
      await calls.first().click();
      await page.getByRole('navigation').getByRole('button', { name: 'Ladder' }).click();
      // The audio plays ~7 s of the call's ~10: RTP arrows, both ways, while it runs.
      await expect.poll(() => arrows().count(), { timeout: 8_000 }).toBeGreaterThanOrEqual(2);
      await expect
        .poll(() => page.getByTestId('call-media').textContent(), { timeout: 5_000 })
        .toContain('media both ways');
      const first = await packets();
      await arrows().first().click();
      await page.screenshot({ path: join(SHOTS_DIR, 'live-media-ladder.png') });
      await page.locator('body').press('t');
      await page.screenshot({ path: join(SHOTS_DIR, 'live-media-ladder-dark.png') });
      await page.locator('body').press('t');
      // A second later (the next media snapshot): more packets on the same arrows.
      await expect.poll(async () => (await packets())[0]! > first[0]!, { timeout: 5_000 }).toBe(true);
      // Hear it while it runs: the live trace keeps its media, Play call audio plays what came so far.
      const play = page.getByTestId('call-audio-play');
      expect(await play.isEnabled()).toBe(true);
      await play.click();
      await expect
        .poll(() => page.getByTestId('call-audio-position').textContent(), { timeout: 10_000 })
        .toMatch(/ \/ 0:0[1-9]\.\d$/);
      expect(await page.getByTestId('call-audio-error').count()).toBe(0);
      expect(await page.getByTestId('call-audio').textContent()).toContain('stereo');
      await page.getByTestId('call-audio').scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(SHOTS_DIR, 'live-call-audio.png') });
      await page.locator('body').press('t');
      await page.screenshot({ path: join(SHOTS_DIR, 'live-call-audio-dark.png') });
      await page.locator('body').press('t');
      expect(served.errors).toEqual([]);
      const list = await served.host.invoke('live:list' as never, null as never);
      expect(JSON.stringify(list)).toContain(src.id);
    }, 60_000);

    it('says what a small keep no longer has, and plays the rest', async () => {
      // 64 KB of media kept: the call's ~480 RTP packets (~105 KB) do not fit, its start goes.
      await served.host.startInterface({
        iface: 'lo',
        filter: `udp port ${SIP_UAS + 2} or udp port ${SIP_UAC + 2}`,
        keepMediaMB: 1 / 16,
      });
      await expect
        .poll(() => page.getByTestId('capture-title').textContent(), { timeout: 10_000 })
        .toContain(`udp port ${SIP_UAS + 2}`);
      await new Promise((r) => setTimeout(r, 1000));
      const common = ['-i', '127.0.0.1', '-m', '1', '-nostdin', '-timeout', '30', '-timeout_error'];
      const uas = spawn(
        sipp!,
        ['-sn', 'uas', '-p', String(SIP_UAS + 2), '-mp', '26210', '-rtp_echo', ...common],
        { cwd: dir, stdio: 'ignore' },
      );
      procs.push(uas);
      await new Promise((r) => setTimeout(r, 500));
      const uac = spawn(
        sipp!,
        ['-sn', 'uac_pcap', `127.0.0.1:${SIP_UAS + 2}`, '-p', String(SIP_UAC + 2), '-mp', '27210', ...common],
        { cwd: dir, stdio: 'ignore' },
      );
      procs.push(uac);
      await new Promise<void>((r) => {
        const t = setTimeout(r, 30_000);
        uac.once('exit', () => (clearTimeout(t), r()));
      });
      await page.getByRole('navigation').getByRole('button', { name: 'Calls' }).click();
      const calls = page.getByTestId('calls-table').locator('tr.msg');
      await expect.poll(() => calls.count(), { timeout: 10_000 }).toBeGreaterThan(0);
      await calls.first().click();
      await page.getByRole('navigation').getByRole('button', { name: 'Ladder' }).click();
      await page.getByTestId('call-audio-play').click();
      await expect
        .poll(() => page.getByTestId('call-audio-note').textContent(), { timeout: 10_000 })
        .toMatch(
          /^the first \d+\.\d s are no longer kept \(this live capture keeps its last 64 KB of media\)$/,
        );
      expect(await page.getByTestId('call-audio-error').count()).toBe(0);
      await page.getByTestId('call-audio').scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(SHOTS_DIR, 'live-call-audio-kept.png') });
      await page.locator('body').press('t');
      await page.screenshot({ path: join(SHOTS_DIR, 'live-call-audio-kept-dark.png') });
      await page.locator('body').press('t');
      // Exported (the Ladder's pcapng): its SIP and the RTP still kept, tshark reads both.
      const caps = await served.host.invoke(Invoke.captureList, null);
      const cap = caps.find((c) => c.name.includes(`udp port ${SIP_UAS + 2}`))!;
      const out = await served.host.invoke(Invoke.exportCapture, {
        captureId: cap.id,
        calls: ['C1'],
        format: 'pcapng',
      });
      const file = join(dir, 'c1.pcapng');
      writeFileSync(file, Buffer.from(out.base64!, 'base64'));
      if (tshark) {
        const count = (filter: string): number =>
          execFileSync(tshark, ['-n', '-r', file, '-Y', filter, '-T', 'fields', '-e', 'frame.number'], {
            encoding: 'utf8',
          })
            .split('\n')
            .filter(Boolean).length;
        expect(count('sip')).toBe(6);
        expect(count('rtp')).toBeGreaterThan(100);
      }
      expect(served.errors).toEqual([]);
    }, 60_000);
  },
);
