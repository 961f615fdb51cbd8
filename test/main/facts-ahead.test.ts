/**
 * The app's open with the analysis facts computed ahead: after its read, the ingest worker fills a
 * shared column with the facts tier 2 reads (analysis/facts-ahead.ts) while tier 2 runs here. The
 * service's output (calls, rows, trace JSON) is the same with the worker's facts off, on, and slowed
 * down so that tier 2 overtakes it; with the column full before tier 2 starts, tier 2 computes no facts
 * of a file-backed message itself.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { benchCapture, expectFillStartsAndStops, manyRegionsCapture } from '../helpers/fill-ahead';
import { openCaptureWithTier1, TraceAdapter } from '../../src/main/service/capture-loader';
import { SAMPLE_CAPTURE } from '../../src/main/paths';
import {
  factsAheadDone,
  factsAheadOf,
  factsColumnCount,
  takeFactsAhead,
} from '../../src/sip-core/analysis/facts-ahead';
import { factsCounters, ingestPassAvailable } from '../../src/sip-core/capture/ingest-pass';
import { toTraceJson } from '../../src/sip-core/trace/trace-json';

const PUBLIC = resolve(__dirname, '../../../shared/captures/public');
const BENCH = benchCapture();
const files = [SAMPLE_CAPTURE];
if (existsSync(PUBLIC))
  for (const f of readdirSync(PUBLIC).sort())
    if (
      /^(heplify__sip_ipv4_tcp_fragmented|heplify__sip_tcp_websocket|sngrep__|ws__)/.test(f) &&
      /\.(pcap|pcapng|cap)$/.test(f)
    )
      files.push(join(PUBLIC, f));
// (several parts and ~65k messages: the bench capture, bench/data's or made by its generator)
files.push(BENCH);

type Mode = 'off' | 'on' | 'slow';

async function serviceOutput(path: string, mode: Mode) {
  const { opened, tier1 } = await openCaptureWithTier1(path, {
    parse: false,
    factsAhead: mode === 'off' ? false : mode === 'on' ? true : { slowMs: 100 },
  });
  const col = factsAheadOf(opened.trace);
  if (mode === 'on' && col) {
    // (the fill started before tier 2 and the column full when it starts: bounded wait)
    expect(takeFactsAhead(opened.trace)).toBe(col);
    const t0 = Date.now();
    while (factsAheadDone(col) < factsColumnCount(col) && Date.now() - t0 < 60_000)
      await new Promise((r) => setTimeout(r, 5));
  }
  const a = new TraceAdapter(opened.trace, opened.diagnostics, { background: true, tier1 });
  try {
    const asked = factsCounters.asked;
    await a.analyse();
    const computedHere = factsCounters.asked - asked;
    const doneAtEnd = col ? factsAheadDone(col) : -1;
    await a.checkMessages();
    const n = opened.trace.count;
    const rows = [];
    for (let id = 0; id < Math.min(n, 3000); id++) rows.push(a.row(id));
    return {
      n,
      col,
      doneAtEnd,
      computedHere,
      calls: JSON.stringify(a.queryCalls({ offset: 0, limit: 100_000 })),
      rows: JSON.stringify(rows),
      json: JSON.stringify(toTraceJson(opened.trace)),
    };
  } finally {
    a.close();
  }
}

describe.skipIf(!ingestPassAvailable())("the app's open with the facts computed ahead", () => {
  it('gives the same calls, rows and trace JSON with the worker off, on and slowed', async () => {
    let slowBehind = 0;
    for (const path of files) {
      const off = await serviceOutput(path, 'off');
      if (off.n === 0) continue;
      expect(off.col, path).toBeNull();
      const on = await serviceOutput(path, 'on');
      const slow = await serviceOutput(path, 'slow');
      for (const r of [on, slow]) {
        expect(r.col, path).not.toBeNull();
        expect(r.calls, path).toBe(off.calls);
        expect(r.rows, path).toBe(off.rows);
        expect(r.json, path).toBe(off.json);
      }
      // With the column full, tier 2 computed only the facts of arena messages (reassembled ones).
      expect(on.computedHere, path).toBeLessThan(off.computedHere || 1);
      if (path === SAMPLE_CAPTURE || path === BENCH) expect(on.computedHere, path).toBe(0);
      if (slow.doneAtEnd < slow.n) slowBehind++;
    }
    // (the slowed worker was still behind when tier 2 ended: it computed the rest itself)
    expect(slowBehind).toBeGreaterThan(0);
  }, 300_000);

  it('the worker fills the column once tier 2 takes it, and stops when the trace is closed', async () => {
    const { opened } = await openCaptureWithTier1(manyRegionsCapture(), {
      parse: false,
      factsAhead: { slowMs: 50 },
    });
    const col = factsAheadOf(opened.trace)!;
    expect(col).not.toBeNull();
    await expectFillStartsAndStops({
      done: () => factsAheadDone(col),
      start: () => void takeFactsAhead(opened.trace),
      close: () => opened.close(),
      total: factsColumnCount(col),
    });
  }, 60_000);
});
