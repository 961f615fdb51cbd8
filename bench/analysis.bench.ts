/**
 * Analysis benchmark (issue 5 targets): on the generated capture of bench/tools/gen-sip-capture.ts
 * (calls through a proxy seen on both sides, SDP, some TCP; SIZE_MB env, default 40):
 * - ingest time with the analysis attached vs without (target: at most +25%),
 * - memory the analysis holds per call (target: ≤ 8 KiB beyond the raw bytes),
 * - time to open one call's ladder (target: < 50 ms; the cost is the call's messages, not the trace's).
 * Runs are bounded (RUNS env, default 3, best kept). Last line: one JSON object.
 */
import { existsSync, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { analysisOnAppend, ladderModel, queryCalls, TraceAnalyzer } from '../src/sip-core/analysis';
import { ingestCaptureFile } from '../src/sip-core/trace/ingest-file.node.js';
import { DEFAULT_OUT, generate } from './tools/gen-sip-capture';

const sizeMb = Number(process.env.SIZE_MB ?? 40);
const runs = Math.max(1, Math.min(5, Number(process.env.RUNS ?? 3)));
const file = process.env.BENCH_FILE ?? DEFAULT_OUT(sizeMb);
if (!existsSync(file)) {
  const g = generate(file, sizeMb);
  console.log(`generated ${file}: ${g.messages} SIP messages, ${g.calls} calls`);
}
console.log(
  `file: ${file} (${(statSync(file).size / 1e6).toFixed(1)} MB); load average ${loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')}`,
);

const gc = (globalThis as { gc?: () => void }).gc ?? ((): void => {});
const deadline = Date.now() + 120_000;

async function ingest(withAnalysis: boolean): Promise<{ ms: number; count: number }> {
  let best = Infinity;
  let count = 0;
  for (let i = 0; i < runs && Date.now() < deadline; i++) {
    gc();
    const t0 = performance.now();
    const r = await ingestCaptureFile(file, withAnalysis ? { onAppend: analysisOnAppend() } : {});
    const ms = performance.now() - t0;
    count = r.trace.count;
    r.file.close();
    best = Math.min(best, ms);
  }
  return { ms: best, count };
}

const plain = await ingest(false);
const analyzed = await ingest(true);
const overhead = (analyzed.ms - plain.ms) / plain.ms;
console.log(
  `ingest (parse, no analysis): ${plain.ms.toFixed(0)} ms for ${plain.count} messages (${((plain.count / plain.ms) * 1000).toFixed(0)} msg/s)`,
);
console.log(
  `ingest with analysis:        ${analyzed.ms.toFixed(0)} ms  → analysis adds ${(overhead * 100).toFixed(1)}% (target ≤ 25%)`,
);

// Memory: heap held by the analyzer alone (the trace is built first, then analyzed).
const r = await ingestCaptureFile(file);
gc();
gc();
const h0 = process.memoryUsage().heapUsed;
const a = TraceAnalyzer.attach(r.trace);
gc();
gc();
const h1 = process.memoryUsage().heapUsed;
const calls = a.callRoots().length;
const perCall = (h1 - h0) / calls;
const perMessage = (h1 - h0) / r.trace.count;
console.log(
  `analysis heap: ${((h1 - h0) / 1e6).toFixed(1)} MB for ${calls} calls, ${r.trace.count} messages → ${(perCall / 1024).toFixed(2)} KiB per call, ${perMessage.toFixed(0)} B per message (target ≤ 8 KiB per call); estimate ${(a.memoryBytes() / calls / 1024).toFixed(2)} KiB`,
);

// Ladder open: 200 calls spread over the trace.
const roots = a.callRoots();
const times: number[] = [];
for (let i = 0; i < 200; i++) {
  const root = roots[Math.floor((i * roots.length) / 200)]!;
  const t0 = performance.now();
  const m = ladderModel(a, `C${root + 1}`);
  times.push(performance.now() - t0);
  if (!m || m.arrows.length === 0) throw new Error('empty ladder');
}
times.sort((x, y) => x - y);
const p50 = times[100]!;
const max = times[times.length - 1]!;
console.log(
  `ladder open (200 calls): median ${p50.toFixed(3)} ms, max ${max.toFixed(3)} ms (target < 50 ms; independent of trace size: reads the call's own message-id list)`,
);

// Calls page: first page sorted by duration with a filter.
const t0 = performance.now();
const page = queryCalls(a, { filter: 'call.state == "completed"', sort: '-duration', limit: 100 });
const pageMs = performance.now() - t0;
console.log(
  `calls page (filter + sort over ${calls} calls): ${pageMs.toFixed(0)} ms, ${page.ok ? page.total : 0} matching`,
);
r.file.close();

console.log(
  JSON.stringify({
    bench: 'analysis',
    messages: plain.count,
    calls,
    ingestMs: Math.round(plain.ms),
    ingestWithAnalysisMs: Math.round(analyzed.ms),
    overheadPct: Math.round(overhead * 1000) / 10,
    bytesPerCall: Math.round(perCall),
    ladderOpenMsP50: Math.round(p50 * 1000) / 1000,
    ladderOpenMsMax: Math.round(max * 1000) / 1000,
    callsPageMs: Math.round(pageMs),
  }),
);
