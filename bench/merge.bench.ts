/**
 * Merge benchmark: several captures as one (src/main/service/merge-captures.ts) against `mergecap`.
 * bench/data/sip-40MB.pcap is split in two (records alternately in runs of 64, so both halves stay in
 * time order and the merge interleaves them all the way; written once to bench/data/sip-40MB.part1/2
 * .pcap) and merged back: ours in this process (read both halves, k-way merge by time, write pcapng to
 * the temp dir), with the duplicate check (the default) and without it (`--dedup-window 0`), and
 * `mergecap -w` (pcapng out) in a child process, alternating REPEAT rounds (default 5). Reports input
 * MB/s min and median per mode, the ratio to mergecap's, the load average, and last one JSON object.
 * Every run is bounded (mergecap: 120 s).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mergeCaptures } from '../src/main/service/merge-captures';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const src = resolve(root, 'bench/data/sip-40MB.pcap');
const parts = [1, 2].map((i) => resolve(root, `bench/data/sip-40MB.part${i}.pcap`));
const rounds = Number(process.env.REPEAT ?? 5);
const load = (): string =>
  loadavg()
    .map((x) => x.toFixed(1))
    .join(' ');

if (!existsSync(src)) {
  console.error(`${src} is missing: run npm run bench -- ingest once (it generates it with BENCH_SIZE=40)`);
  process.exit(1);
}

/** Splits a classic little-endian µs pcap into two by runs of 64 records. */
function split(): void {
  if (parts.every((p) => existsSync(p))) return;
  const b = readFileSync(src);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (dv.getUint32(0, true) !== 0xa1b2c3d4) throw new Error(`${src}: not a little-endian µs pcap`);
  const fds = parts.map((p) => openSync(p, 'w'));
  for (const fd of fds) writeSync(fd, b, 0, 24);
  let n = 0;
  for (let o = 24; o + 16 <= b.length;) {
    const len = 16 + dv.getUint32(o + 8, true);
    writeSync(fds[(n++ >> 6) & 1]!, b, o, len);
    o += len;
  }
  for (const fd of fds) closeSync(fd);
}
split();
const bytes = parts.reduce((s, p) => s + statSync(p).size, 0);
for (const p of parts) readFileSync(p); // warm the page cache
const dir = mkdtempSync(join(tmpdir(), 'sipscope-merge-bench-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const mergecap = spawnSync('mergecap', ['-v']).status === 0 ? 'mergecap' : null;

console.log(`inputs: ${parts.join(', ')} (${(bytes / 1e6).toFixed(1)} MB); load average ${load()}`);

const times: Record<string, number[]> = { dedup: [], 'no-dedup': [], mergecap: [] };
let frames = 0;
let outBytes = 0;
for (let r = 0; r < rounds; r++) {
  for (const mode of ['dedup', 'no-dedup', 'mergecap'] as const) {
    const out = join(dir, `${mode}-${r}.pcapng`);
    const t0 = performance.now();
    if (mode === 'mergecap') {
      if (!mergecap) continue;
      execFileSync(mergecap, ['-w', out, ...parts], { timeout: 120_000 });
    } else {
      const m = await mergeCaptures(
        parts.map((path) => ({ path })),
        out,
        mode === 'no-dedup' ? { dedupWindowUs: 0 } : {},
      );
      frames = m.frames;
      outBytes = m.bytes;
    }
    times[mode]!.push(performance.now() - t0);
    rmSync(out, { force: true });
  }
  console.log(
    `round ${r + 1}: ${Object.entries(times)
      .map(([k, v]) => `${k} ${v.at(-1)?.toFixed(0) ?? '-'} ms`)
      .join(', ')}; load ${load()}`,
  );
}

const min = (v: number[]): number => Math.min(...v);
const median = (v: number[]): number => [...v].sort((a, b) => a - b)[v.length >> 1]!;
const mbps = (ms: number): number => bytes / 1e6 / (ms / 1000);
const result: Record<string, unknown> = { bench: 'merge', inputMB: +(bytes / 1e6).toFixed(1), frames };
for (const [k, v] of Object.entries(times)) {
  if (!v.length) continue;
  console.log(
    `${k.padEnd(9)} min ${min(v).toFixed(0)} ms (${mbps(min(v)).toFixed(0)} MB/s), median ${median(v).toFixed(0)} ms (${mbps(median(v)).toFixed(0)} MB/s)`,
  );
  result[`${k}MBps`] = +mbps(min(v)).toFixed(1);
  result[`${k}MedianMBps`] = +mbps(median(v)).toFixed(1);
}
console.log(`${frames} frames, ${(outBytes / 1e6).toFixed(1)} MB pcapng written per merge`);
if (times.mergecap!.length) {
  result.peer = 'mergecap';
  result.ratio = +(min(times.mergecap!) / min(times.dedup!)).toFixed(2);
  console.log(
    `sipscope (with the duplicate check) / mergecap speed: ${result.ratio as number}× (min over min)`,
  );
}
result.load = load();
console.log(JSON.stringify(result));
