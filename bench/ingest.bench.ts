/**
 * Ingest benchmark: a generated realistic capture (bench/tools/gen-sip-capture.ts, SIZE_MB env,
 * default 200) read by sipscope — file → indexed trace, + full parse, + lint (= `analyze --format
 * summary`), and `--format ndjson` to /dev/null — and, in the same run on the same file, by sngrep and
 * tshark. Reports messages/s, MB/s, peak RSS and ratios. Every peer run is bounded (PEER_TIMEOUT_S,
 * default 120 s). Last line: one JSON object.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_OUT, generate } from './tools/gen-sip-capture';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const sizeMb = Number(process.env.SIZE_MB ?? 200);
const timeoutS = Number(process.env.PEER_TIMEOUT_S ?? 120);
const file = process.env.BENCH_FILE ?? DEFAULT_OUT(sizeMb);

if (!existsSync(file)) {
  const t0 = performance.now();
  const g = generate(file, sizeMb);
  console.log(
    `generated ${file}: ${g.messages} SIP messages, ${g.frames} frames, ${(g.bytes / 1e6).toFixed(0)} MB in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
}
const bytes = statSync(file).size;
readFileSync(file); // warm the page cache, so every reader sees the same cached file
console.log(
  `file: ${file} (${(bytes / 1e6).toFixed(1)} MB); load average ${loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')}`,
);

interface Run {
  mode: string;
  ms: number;
  messages: number;
  maxRssKb: number;
  ingestMs?: number;
  outputMs?: number;
}

function ours(mode: string): Run {
  const out = execFileSync(
    process.execPath,
    ['--import', 'tsx', resolve(root, 'bench/tools/run-ingest.ts'), file, mode],
    {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      timeout: timeoutS * 5 * 1000,
    },
  );
  return JSON.parse(out.trim().split('\n').pop()!) as Run;
}

/** Runs a peer under /usr/bin/time; null when it is missing or timed out. */
function peer(
  cmd: string,
  args: string[],
): { s: number; rssKb: number; out: string; timedOut: boolean } | null {
  if (!existsSync(cmd)) return null;
  const t0 = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', '%M', 'timeout', String(timeoutS), cmd, ...args], {
    encoding: 'utf8',
    maxBuffer: 1024 * 1024 * 1024,
  });
  const s = (performance.now() - t0) / 1000;
  const rssKb = Number((r.stderr ?? '').trim().split('\n').pop());
  return { s, rssKb: Number.isFinite(rssKb) ? rssKb : 0, out: r.stdout ?? '', timedOut: r.status === 124 };
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const results: Record<string, unknown> = { bench: 'ingest', fileBytes: bytes };

const runs = ['index', 'parse', 'lint', 'ndjson'].map((m) => ours(m));
const index = runs[0]!;
const messages = index.messages;
results.messages = messages;
for (const r of runs) {
  const mps = (r.messages / r.ms) * 1000;
  const mbps = bytes / 1e6 / (r.ms / 1000);
  console.log(
    `sipscope ${r.mode.padEnd(7)} ${(r.ms / 1000).toFixed(2)} s  ${fmt(mps)} msg/s  ${mbps.toFixed(0)} MB/s  peak RSS ${(r.maxRssKb / 1024).toFixed(0)} MB (${((r.maxRssKb * 1024) / bytes).toFixed(2)}× file)`,
  );
  results[`${r.mode}MsgsPerSec`] = Math.round(mps);
  results[`${r.mode}MBps`] = Math.round(mbps);
  results[`${r.mode}PeakRssMB`] = Math.round(r.maxRssKb / 1024);
}

const sng = peer('/usr/bin/sngrep', ['-I', file, '-N', '-q', '-l', '10000000', '-O', '/dev/null']);
if (sng) {
  const mps = messages / sng.s;
  console.log(
    `sngrep          ${sng.s.toFixed(2)} s  ${fmt(mps)} msg/s  peak RSS ${(sng.rssKb / 1024).toFixed(0)} MB${sng.timedOut ? ' (TIMED OUT)' : ''}`,
  );
  results.sngrepSeconds = Number(sng.s.toFixed(2));
  results.sngrepPeakRssMB = Math.round(sng.rssKb / 1024);
  results.ratioVsSngrepIndex = Number((sng.s / (index.ms / 1000)).toFixed(1));
  results.ratioVsSngrepSummary = Number((sng.s / (runs[2]!.ms / 1000)).toFixed(1));
}
for (const [name, extra] of [
  ['tshark', [] as string[]],
  ['tshark-nosdp', ['-o', 'sdp.establish_conversation:FALSE']],
] as const) {
  const ts = peer('/usr/bin/tshark', [
    '-n',
    '-r',
    file,
    ...extra,
    '-Y',
    'sip',
    '-T',
    'fields',
    '-e',
    'sip.Call-ID',
  ]);
  if (!ts) continue;
  const lines = ts.out.split('\n').filter(Boolean).length;
  const mps = lines / ts.s;
  console.log(
    `${name.padEnd(15)} ${ts.s.toFixed(2)} s  ${fmt(mps)} frames/s  peak RSS ${(ts.rssKb / 1024).toFixed(0)} MB${ts.timedOut ? ' (TIMED OUT)' : ''}`,
  );
  results[`${name}Seconds`] = Number(ts.s.toFixed(2));
  results[`${name}PeakRssMB`] = Math.round(ts.rssKb / 1024);
  results[`ratioVs_${name}`] = Number((ts.s / (index.ms / 1000)).toFixed(1));
}
results.loadAverage = Number(loadavg()[0]!.toFixed(1));
results.msgsPerSec = results.indexMsgsPerSec;
console.log(JSON.stringify(results));
