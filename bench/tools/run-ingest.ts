/**
 * One measured ingest, in its own process so peak RSS is its own:
 *   node --import tsx bench/tools/run-ingest.ts FILE MODE [WORKER_JS]
 * (bench/ingest.bench.ts runs it bundled, as bench/.run-ingest.mjs, with the app's bundled worker
 * out/main/ingest-worker.js as WORKER_JS, so the workers run the code the app ships).
 * index: file → indexed trace in this thread (index scan); worker1 / worker2: the same in one / two
 * ingest worker threads (openCapture, the trace transferred back and merged); parse: + full parse of
 * every message; lint: + lint rules.
 * TLS_KEY=[IP:PORT=]FILE: a server's RSA private key, as `--tls-key` gives it (SSLKEYLOGFILE: a key log).
 * Prints one JSON line: {mode, ms, cpuMs, messages, frames, bytes, maxRssKb}.
 */
import { ingestCaptureFile } from '../../src/sip-core/trace/ingest-file.node.js';
import { addDefaultRsaKeys, readTlsKeyArg } from '../../src/sip-core/capture/tls/keylog-file.node.js';
import { openCapture } from '../../src/main/ingest';
import type { Trace } from '../../src/sip-core/trace/trace';

const [file, mode = 'index', workerEntry] = process.argv.slice(2);
if (!file) throw new Error('usage: run-ingest.ts FILE index|worker1|worker2|parse|lint');
if (process.env.TLS_KEY) addDefaultRsaKeys([readTlsKeyArg(process.env.TLS_KEY)]);
const c0 = process.cpuUsage();
const t0 = performance.now();
let trace: Trace;
let close: () => void;
if (mode === 'worker1' || mode === 'worker2') {
  const o = await openCapture(file, {
    parse: false,
    workers: mode === 'worker2' ? 2 : 1,
    ...(workerEntry ? { workerEntry } : {}),
  });
  trace = o.trace;
  close = o.close;
} else {
  const r = await ingestCaptureFile(file, {
    parse: mode !== 'index',
    lint: mode === 'lint',
  });
  trace = r.trace;
  close = () => r.file.close();
}
const ms = performance.now() - t0;
const cpu = process.cpuUsage(c0);
close();
console.log(
  JSON.stringify({
    mode,
    ms: Math.round(ms),
    cpuMs: Math.round((cpu.user + cpu.system) / 1000),
    messages: trace.count,
    frames: trace.source.frames,
    bytes: trace.source.size,
    traceBytes: trace.memoryBytes(),
    maxRssKb: process.resourceUsage().maxRSS,
  }),
);
