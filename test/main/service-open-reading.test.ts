/**
 * The calls list while a large capture is still read (`CaptureLoader.load`'s `onReading`, the host's
 * `capture:progress` with `messages`/`calls`): pages answer during the read and grow; once the read and
 * the analysis end, the calls (every page, counts, states, problems), the rows and the summary's
 * diagnostics equal today's open of the same file (the trace handed over only when it is read).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { generate } from '../../bench/tools/gen-sip-capture';
import { CoreCaptureLoader, IN_THREAD_MAX_BYTES, TraceAdapter } from '../../src/main/service/capture-loader';
import { createHost } from '../../src/main/service/create-host';
import {
  Events,
  Invoke,
  type CallsPage,
  type ExportFile,
  type MessageDetail,
  type ProgressEvent,
} from '../../src/shared/api';

const PUBLIC = resolve(__dirname, '../../../shared/captures/public');

describe('the calls list while a capture is read', () => {
  let dir = '';
  const files: string[] = [];
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sipscope-open-reading-'));
    const big = join(dir, 'gen-96MB.pcap');
    generate(big, 96);
    files.push(big);
    // (public captures large enough to be read in a worker, when present)
    if (existsSync(PUBLIC)) {
      for (const f of readdirSync(PUBLIC).sort())
        if (/\.(pcap|pcapng|cap)$/.test(f) && statSync(join(PUBLIC, f)).size > IN_THREAD_MAX_BYTES)
          files.push(join(PUBLIC, f));
    } else console.warn(`[skip] public captures absent (${PUBLIC}): only the generated capture is checked`);
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('answers pages during the read, then equals the open after the read', async () => {
    const loader = new CoreCaptureLoader();
    for (const path of files) {
      const progress = (): void => {};
      // During the read: a page at each part the loader tells, read as the TUI and app read it.
      let during: TraceAdapter | null = null;
      const pages: { total: number; messages: number; reading: boolean }[] = [];
      const reading = await loader.load(path, {
        signal: new AbortController().signal,
        onProgress: () => {
          if (!during) return;
          const q = { offset: 0, limit: 50 };
          expect(during.callsQueryReady(q)).toBe(true);
          const p = during.queryCalls(q);
          expect(p.items.length).toBe(Math.min(50, p.total));
          // (the list may be the one built a moment ago: its build is not repeated more often than 4× its cost)
          expect(during.callCount()).toBeGreaterThanOrEqual(p.total);
          pages.push({ total: p.total, messages: during.count(), reading: during.reading });
        },
        onReading: (t) => {
          during = t as TraceAdapter;
          expect(during.reading).toBe(true);
          expect(during.analysisProgress()).toBe(0);
        },
      });
      const today = await loader.load(path, { signal: new AbortController().signal, onProgress: progress });
      try {
        expect(during, path).toBe(reading);
        expect(reading.reading).toBe(false);
        const whileReading = pages.filter((p) => p.reading);
        expect(whileReading.length, `${path}: pages during the read`).toBeGreaterThan(0);
        for (let i = 1; i < whileReading.length; i++) {
          expect(whileReading[i]!.total).toBeGreaterThanOrEqual(whileReading[i - 1]!.total);
          expect(whileReading[i]!.messages).toBeGreaterThanOrEqual(whileReading[i - 1]!.messages);
        }
        expect(whileReading[0]!.messages).toBeLessThan(reading.count());

        // Right after the read (tier 1), then after the analysis and the message checks.
        const all = { offset: 0, limit: 1_000_000 };
        expect(reading.queryCalls(all), path).toEqual(today.queryCalls(all));
        await Promise.all([reading.analyse(), today.analyse()]);
        await Promise.all([reading.checkMessages(), today.checkMessages()]);
        expect(reading.summary(), path).toEqual(today.summary());
        expect(reading.callCount()).toBe(today.callCount());
        for (const sort of ['start', 'state', 'duration'] as const)
          for (const desc of [false, true]) {
            const q = { ...all, sort, desc };
            expect(reading.queryCalls(q), `${path} ${sort} ${desc}`).toEqual(today.queryCalls(q));
          }
        const f = { ...all, filter: 'call.state == "completed"' };
        expect(reading.queryCalls(f)).toEqual(today.queryCalls(f));
        const n = reading.count();
        expect(n).toBe(today.count());
        for (let id = 0; id < n; id += Math.max(1, Math.floor(n / 3000)))
          expect(reading.row(id), `${path} #${id}`).toEqual(today.row(id));
      } finally {
        reading.close();
        today.close();
      }
    }
  }, 300_000);

  it('analyse() asked during the read answers after it; a cancelled read rejects it', async () => {
    const loader = new CoreCaptureLoader();
    const path = files[0]!;
    let waited: Promise<void> | null = null;
    let t: TraceAdapter | null = null;
    const done = await loader.load(path, {
      signal: new AbortController().signal,
      onProgress: () => {},
      onReading: (x) => {
        t = x as TraceAdapter;
        waited = t.analyse();
      },
    });
    expect(t).toBe(done);
    await waited;
    expect(done.analysisProgress()).toBe(1);
    done.close();

    const abort = new AbortController();
    let cancelled: Promise<string> | null = null;
    await expect(
      loader.load(path, {
        signal: abort.signal,
        onProgress: () => {},
        onReading: (x) => {
          cancelled = x.analyse().then(
            () => 'complete',
            () => 'rejected',
          );
          abort.abort();
        },
      }),
    ).rejects.toThrow();
    expect(await cancelled).toBe('rejected');
  }, 120_000);

  it("the host: progress events count the calls read so far, and calls:query answers before the open's end", async () => {
    const host = createHost({ mode: 'browser', recentFile: null });
    const path = files[0]!;
    const events: ProgressEvent[] = [];
    const pages: Promise<CallsPage>[] = [];
    // One call's ladder and a message's detail during the read: answered before the open ends.
    const order: string[] = [];
    let flow: Promise<[ExportFile, MessageDetail]> | null = null;
    const off = host.onEvent((e, p) => {
      if (e !== Events.captureProgress) return;
      const ev = p as ProgressEvent;
      events.push(ev);
      if (ev.calls !== undefined && pages.length < 3)
        pages.push(host.invoke(Invoke.callsQuery, { captureId: ev.captureId, offset: 0, limit: 20 }));
      if (ev.calls !== undefined && !flow) {
        const captureId = ev.captureId;
        flow = Promise.all([
          host.invoke(Invoke.exportLadder, { captureId, calls: ['C2'], format: 'text' }),
          host.invoke(Invoke.messageGet, { captureId, id: 0 }),
        ]).finally(() => order.push('flow'));
      }
    });
    try {
      const opening = host.openPath(path, { remember: false }).finally(() => order.push('opened'));
      const summary = await opening;
      const [ladder, detail] = await flow!;
      expect(order).toEqual(['flow', 'opened']);
      expect(ladder.text).toMatch(/^Call C2 /);
      expect(ladder.text).toContain('INVITE (SDP)');
      expect(detail.row.call).toBe('C1');
      expect(detail.path?.via.length).toBeGreaterThan(0);
      // The same call once analysed: its ladder is the one drawn during the read (a whole call then).
      const whole = await host.invoke(Invoke.exportLadder, {
        captureId: summary.id,
        calls: ['C2'],
        format: 'text',
      });
      expect(whole.text).toBe(ladder.text);
      const counted = events.filter((e) => e.calls !== undefined);
      expect(counted.length).toBeGreaterThan(0);
      expect(counted[0]!.calls!).toBeGreaterThan(0);
      expect(counted[0]!.messages!).toBeLessThan(summary.messages);
      const first = await pages[0]!;
      expect(first.items.length).toBeGreaterThan(0);
      expect(first.total).toBeLessThanOrEqual(summary.calls);
      expect(summary.state).toBe('ready');
    } finally {
      off();
      await host.dispose();
    }
  }, 120_000);
});
