/**
 * What two threads at once slow each other down on, on this machine: each kind of work timed in one
 * worker thread, then in two at once (each its own copy of the work), over two rounds.
 *   node --import tsx bench/tools/thread-contention.ts [FILE]
 * Kinds: pure arithmetic; `Buffer.copy` of 1 GB (64 MB buffers); fresh memory touched once per page
 * (512 MB); a 512 MB array updated with a 64-octet stride four times (cache-missing accesses); and,
 * with FILE (e.g. bench/data/sip-1024MB.pcap, read once first so it is in the page cache), reading it
 * whole in one thread vs a half in each. Session 8 on the development machine: arithmetic 1.00–1.05×,
 * copies 1.0–1.15×, fresh pages 0.9–1.3×, the strided updates 1.7–2.0× per thread, the file 0.5× each
 * (its half) — the two-worker ingest's slowdown is of the strided kind (capture/README.md).
 * Work is fixed in size (a few seconds in all). Prints one line per kind and round.
 */
import { Worker } from 'node:worker_threads';
import { statSync } from 'node:fs';

type Job =
  | { kind: 'arith' | 'copy' | 'fresh' | 'strided' }
  | { kind: 'read'; file: string; start: number; len: number };

/**
 * The work each thread runs, as plain JavaScript (a worker started with `eval`: worker threads do not
 * take tsx's loader), one function per kind.
 */
const WORKER = `
const { parentPort, workerData: j } = require('node:worker_threads');
const fs = require('node:fs');
const kinds = {
  arith() { let x = 1; for (let i = 0; i < 200000000; i++) x = (Math.imul(x, 1664525) + 1013904223 + i) | 0; return x; },
  copy() { const a = Buffer.alloc(64 << 20, 1), b = Buffer.alloc(64 << 20); for (let i = 0; i < 16; i++) a.copy(b); return b[0]; },
  fresh() { let s = 0; for (let k = 0; k < 8; k++) { const a = new Uint8Array(64 << 20); for (let i = 0; i < a.length; i += 4096) a[i] = 1; s += a[4096]; } return s; },
  strided() { const a = new Uint32Array(128 << 20); let s = 0; for (let r = 0; r < 4; r++) for (let i = 0; i < a.length; i += 16) { a[i] += i; s += a[i]; } return s; },
  read() {
    const fd = fs.openSync(j.file, 'r'); const buf = Buffer.allocUnsafe(8 << 20); let s = 0;
    for (let p = j.start; p < j.start + j.len; ) { const n = fs.readSync(fd, buf, 0, Math.min(buf.length, j.start + j.len - p), p); if (n <= 0) break; p += n; s += buf[0]; }
    fs.closeSync(fd); return s;
  },
};
const t = performance.now();
kinds[j.kind]();
parentPort.postMessage(performance.now() - t);
`;

function inWorkers(jobs: Job[]): Promise<number[]> {
  return Promise.all(
    jobs.map(
      (j) =>
        new Promise<number>((resolve, reject) => {
          const w = new Worker(WORKER, { eval: true, workerData: j });
          w.once('message', (ms: number) => {
            resolve(ms);
            void w.terminate();
          });
          w.once('error', reject);
        }),
    ),
  );
}

{
  const file = process.argv[2];
  const kinds: Job['kind'][] = ['arith', 'copy', 'fresh', 'strided'];
  for (let round = 1; round <= 2; round++) {
    for (const kind of kinds) {
      const job = { kind } as Job;
      const [one] = await inWorkers([job]);
      const two = await inWorkers([job, job]);
      const worst = Math.max(...two);
      console.log(
        `${kind.padEnd(8)} one thread ${one!.toFixed(0)} ms; two at once ${two.map((x) => x.toFixed(0)).join(' / ')} ms → ${(worst / one!).toFixed(2)}× per thread (round ${round})`,
      );
    }
    if (file) {
      const size = statSync(file).size;
      const half = Math.floor(size / 2);
      const [whole] = await inWorkers([{ kind: 'read', file, start: 0, len: size }]);
      const halves = await inWorkers([
        { kind: 'read', file, start: 0, len: half },
        { kind: 'read', file, start: half, len: size - half },
      ]);
      console.log(
        `read     ${(size / 1e6).toFixed(0)} MB whole in one thread ${whole!.toFixed(0)} ms; a half in each of two at once ${halves.map((x) => x.toFixed(0)).join(' / ')} ms (round ${round})`,
      );
    }
  }
}
