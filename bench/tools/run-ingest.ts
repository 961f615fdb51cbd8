/**
 * One measured ingest, in its own process so peak RSS is its own:
 *   node --import tsx bench/tools/run-ingest.ts FILE index|parse|lint|ndjson
 * index: file → trace (index scan); parse: + full parse of every message; lint: + lint rules (what
 * `analyze --format summary` does); ndjson: `analyze --format ndjson` written to /dev/null.
 * Prints one JSON line: {mode, ms, messages, frames, bytes, maxRssKb}.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { ingestCaptureFile } from '../../src/sip-core/trace/ingest-file.node.js';
import { writeTraceNdjson } from '../../src/sip-core/trace/trace-json';

const [file, mode = 'index'] = process.argv.slice(2);
if (!file) throw new Error('usage: run-ingest.ts FILE index|parse|lint|ndjson');
const c0 = process.cpuUsage();
const t0 = performance.now();
const r = await ingestCaptureFile(file, {
  parse: mode !== 'index',
  lint: mode === 'lint' || mode === 'ndjson',
});
const tIngest = performance.now() - t0;
let tOut = 0;
if (mode === 'ndjson') {
  const fd = openSync('/dev/null', 'w');
  const t1 = performance.now();
  await writeTraceNdjson(r.trace, (s) => {
    writeSync(fd, s);
  });
  tOut = performance.now() - t1;
  closeSync(fd);
}
r.file.close();
console.log(
  JSON.stringify({
    mode,
    ms: Math.round(tIngest + tOut),
    ingestMs: Math.round(tIngest),
    outputMs: Math.round(tOut),
    cpuMs: Math.round((process.cpuUsage(c0).user + process.cpuUsage(c0).system) / 1000),
    messages: r.trace.count,
    frames: r.trace.source.frames,
    bytes: r.trace.source.size,
    traceBytes: r.trace.memoryBytes(),
    maxRssKb: process.resourceUsage().maxRSS,
  }),
);
