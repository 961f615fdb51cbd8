/**
 * The app's open with tier 2 (the full analysis) run while the file is read (off by default,
 * `SIPSCOPE_TIER2_READING=1` or `tier2WhileReading`): in the turns the read leaves idle on the main
 * thread (no part waiting), tier 2 follows tier 1 over the messages read so far
 * (`openCaptureWithTier1`'s `tiered`, `TieredAnalysis.step`), and the adapter's `analyse()` goes on
 * from there; the worker's facts fill then starts at tier 2's position. The service's output (calls,
 * rows, trace JSON, after the analysis and the message checks) is the same as with tier 2 after the
 * read, through `openCaptureWithTier1` and through the loader (the host's path, the calls list
 * answering during the read).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { benchCapture, manyRegionsCapture } from '../helpers/fill-ahead';
import {
  CoreCaptureLoader,
  IN_THREAD_MAX_BYTES,
  openCaptureWithTier1,
  TraceAdapter,
} from '../../src/main/service/capture-loader';
import { SAMPLE_CAPTURE } from '../../src/main/paths';
import {
  FA_STRIDE,
  factsAheadDone,
  factsAheadOf,
  factsColumnCount,
} from '../../src/sip-core/analysis/facts-ahead';
import { ingestPassAvailable } from '../../src/sip-core/capture/ingest-pass';
import { toTraceJson } from '../../src/sip-core/trace/trace-json';

const PUBLIC = resolve(__dirname, '../../../shared/captures/public');
const files = [SAMPLE_CAPTURE];
if (existsSync(PUBLIC)) {
  for (const f of readdirSync(PUBLIC).sort())
    if (
      /\.(pcap|pcapng|cap)$/.test(f) &&
      (/^(heplify__sip_ipv4_tcp_fragmented|heplify__sip_tcp_websocket|sngrep__|ws__)/.test(f) ||
        statSync(join(PUBLIC, f)).size > IN_THREAD_MAX_BYTES)
    )
      files.push(join(PUBLIC, f));
} else console.warn(`[skip] public captures absent (${PUBLIC}): the sample and the bench capture only`);
// (several parts and ~65k messages: the bench capture, bench/data's or made by its generator)
files.push(benchCapture());

const ENV = 'SIPSCOPE_TIER2_READING';
afterEach(() => {
  delete process.env[ENV];
});

/** What the service answers once the analysis and the message checks are complete. */
async function answers(a: TraceAdapter) {
  await a.analyse();
  await a.checkMessages();
  const n = a.count();
  const rows = [];
  for (let id = 0; id < n; id += Math.max(1, Math.floor(n / 3000))) rows.push(a.row(id));
  return {
    n,
    calls: JSON.stringify(a.queryCalls({ offset: 0, limit: 1_000_000 })),
    rows: JSON.stringify(rows),
    json: JSON.stringify(toTraceJson(a.trace)),
  };
}

type Answers = Awaited<ReturnType<typeof answers>>;

/** The same answers (messages, every call, the rows, the trace JSON). */
function expectSame(on: Answers, off: Answers, path: string): void {
  expect(on.n, path).toBe(off.n);
  expect(on.calls, path).toBe(off.calls);
  expect(on.rows, path).toBe(off.rows);
  expect(on.json, path).toBe(off.json);
}

/** `openCaptureWithTier1` then the adapter, as the bench and the loader build it. */
async function viaOpen(path: string, early: boolean) {
  const { opened, tier1, tiered } = await openCaptureWithTier1(path, {
    parse: false,
    tier2WhileReading: early,
  });
  if (!early) expect(tiered).toBeNull();
  // Messages tier 2 analysed while the file was read.
  const before = tiered ? Math.round(tiered.progress * opened.trace.count) : 0;
  const a = new TraceAdapter(opened.trace, opened.diagnostics, { background: true, tier1, tiered });
  try {
    const out = await answers(a);
    // The worker's facts fill started where tier 2 was (the entries before stay 0).
    const col = factsAheadOf(opened.trace);
    let beforeFilled = -1;
    let afterFilled = -1;
    if (col) {
      const t0 = Date.now();
      while (factsAheadDone(col) < factsColumnCount(col) && Date.now() - t0 < 60_000)
        await new Promise((r) => setTimeout(r, 5));
      beforeFilled = afterFilled = 0;
      for (let id = 0; id < factsColumnCount(col); id++)
        if (col[id * FA_STRIDE] !== 0) {
          if (id < before) beforeFilled++;
          else afterFilled++;
        }
    }
    return { ...out, before, col: col !== null, beforeFilled, afterFilled };
  } finally {
    a.close();
  }
}

/** The loader's open (the host's path: the calls list answers during the read). */
async function viaLoader(path: string, early: boolean) {
  if (early) process.env[ENV] = '1';
  let during: TraceAdapter | null = null;
  const a = await new CoreCaptureLoader().load(path, {
    signal: new AbortController().signal,
    onProgress: () => {
      if (during) expect(during.queryCalls({ offset: 0, limit: 20 }).items.length).toBeGreaterThanOrEqual(0);
    },
    onReading: (t) => void (during = t),
  });
  delete process.env[ENV];
  try {
    if (statSync(path).size > IN_THREAD_MAX_BYTES) expect(during, path).toBe(a);
    return await answers(a);
  } finally {
    a.close();
  }
}

describe.skipIf(!ingestPassAvailable())("the app's open with tier 2 run while the file is read", () => {
  it('gives the same calls, rows and trace JSON as tier 2 after the read', async () => {
    let early = 0;
    for (const path of files) {
      const off = await viaOpen(path, false);
      const on = await viaOpen(path, true);
      expectSame(on, off, path);
      expect(on.before, path).toBeLessThanOrEqual(on.n);
      if (on.col) {
        // (the fill began at tier 2's message: none before it, the file-backed ones after it)
        expect(on.beforeFilled, path).toBe(0);
        if (on.before < on.n) expect(on.afterFilled, path).toBeGreaterThan(0);
      }
      early += on.before;
    }
    // Tier 2 got somewhere during the reads (the bench capture's parts leave the main thread idle).
    expect(early).toBeGreaterThan(0);
  }, 600_000);

  it('is off unless asked (SIPSCOPE_TIER2_READING=1 or the option)', async () => {
    const { opened, tiered } = await openCaptureWithTier1(SAMPLE_CAPTURE, { parse: false });
    expect(tiered).toBeNull();
    opened.close();
    process.env[ENV] = '1';
    const on = await openCaptureWithTier1(SAMPLE_CAPTURE, { parse: false });
    expect(on.tiered).not.toBeNull();
    on.opened.close();
    const off = await openCaptureWithTier1(SAMPLE_CAPTURE, { parse: false, tier2WhileReading: false });
    expect(off.tiered).toBeNull();
    off.opened.close();
  });

  it('gives the same answers through the loader (the host) with it on and off', async () => {
    const big = [manyRegionsCapture(), ...files.filter((f) => statSync(f).size > IN_THREAD_MAX_BYTES)];
    for (const path of [...new Set(big)]) {
      expectSame(await viaLoader(path, true), await viaLoader(path, false), path);
    }
  }, 600_000);
});
