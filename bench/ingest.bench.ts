/**
 * Ingest benchmark (issue #4): a generated realistic capture (bench/tools/gen-sip-capture.ts: calls
 * through a proxy seen at two capture points, 10% of the legs over TCP; BENCH_SIZE MB, default 1024)
 * read by sipscope — file → indexed trace in this thread, in one ingest worker, in two — and, on the
 * same file in the same run, by sngrep and tshark (with and without SDP conversation tracking).
 * `sipscope analyze --format summary` and `--format ndjson > /dev/null` (which add the full parse,
 * lint rules and the analysis layer to every message) run on a CLI_SIZE MB file (default 50; 0 = the
 * main file). Our ingest runs REPEAT times per mode (default 2; the fastest is kept). Every run is
 * bounded (PEER_TIMEOUT_S, default 180 s). Reports messages/s, MB/s, peak
 * RSS and ratios, the load average, and last one JSON object.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_OUT, generate } from './tools/gen-sip-capture';
import { generateTls, TLS_BASE_PORT, TLS_OUT, TLS_SUITES } from './tools/gen-tls-capture';
import { generateTlsRsa, TLS_RSA_OUT, TLS_RSA_PORT } from './tools/gen-tls-rsa-capture';
import { bundleForNode } from '../tools/bundle-node.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const sizeMb = Number(process.env.BENCH_SIZE || process.env.SIZE_MB || 1024);
const cliMb = Number(process.env.CLI_SIZE ?? 50);
const timeoutS = Number(process.env.PEER_TIMEOUT_S ?? 180);
const file = process.env.BENCH_FILE ?? DEFAULT_OUT(sizeMb);
const load = (): string =>
  loadavg()
    .map((x) => x.toFixed(1))
    .join(' ');

function ensure(path: string, mb: number): void {
  if (existsSync(path)) return;
  const t0 = performance.now();
  const g = generate(path, mb);
  console.log(
    `generated ${path}: ${g.messages} SIP messages, ${g.frames} frames, ${(g.bytes / 1e6).toFixed(0)} MB in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
}
ensure(file, sizeMb);
const cliFile = cliMb > 0 && cliMb !== sizeMb ? DEFAULT_OUT(cliMb) : file;
ensure(cliFile, cliMb > 0 ? cliMb : sizeMb);
/**
 * The bench's helper scripts run bundled like the benchmark itself (esbuild, as `npm run bench` does),
 * and their workers from the app's bundle (out/main/ingest-worker.js, refreshed by `npm run bench`);
 * BENCH_FROM_SOURCES=1 runs them through tsx.
 */
const fromSources = Boolean(process.env.BENCH_FROM_SOURCES);
const bundled: string[] = [];
async function helper(name: string): Promise<string[]> {
  const src = resolve(root, `bench/tools/${name}.ts`);
  if (fromSources) return ['--import', 'tsx', src];
  const outfile = await bundleForNode(src, resolve(root, `bench/.${name}.bench.mjs`)); // git-ignored
  bundled.push(outfile);
  return [outfile];
}
const runIngest = await helper('run-ingest');
const splitCost = await helper('split-cost');
const appWorker = resolve(root, 'out/main/ingest-worker.js');
const workerArgs = !fromSources && existsSync(appWorker) ? [appWorker] : [];
process.on('exit', () => {
  for (const f of bundled) rmSync(f, { force: true });
});

const bytes = statSync(file).size;
readFileSync(file); // warm the page cache, so every reader sees the same cached file
console.log(`file: ${file} (${(bytes / 1e6).toFixed(1)} MB); load average ${load()}`);

interface Run {
  mode: string;
  ms: number;
  cpuMs?: number;
  messages: number;
  maxRssKb: number;
  /** The whole process, Node and TypeScript loading included. */
  processMs?: number;
}

/** One sipscope ingest in its own process (bench/tools/run-ingest.ts), so peak RSS is its own. */
function ours(mode: string): Run | null {
  try {
    const t0 = performance.now();
    const out = execFileSync(process.execPath, [...runIngest, file, mode, ...workerArgs], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      timeout: timeoutS * 1000,
    });
    const r = JSON.parse(out.trim().split('\n').pop()!) as Run;
    r.processMs = performance.now() - t0;
    return r;
  } catch (e) {
    console.log(
      `sipscope ${mode}: failed or timed out (${e instanceof Error ? e.message.split('\n')[0] : e})`,
    );
    return null;
  }
}

interface Timed {
  s: number;
  rssKb: number;
  out: string;
  timedOut: boolean;
}

/** Runs a command under /usr/bin/time (peak RSS) and `timeout`; null when it is missing. */
function timed(cmd: string, args: string[], stdoutTo: 'pipe' | 'null' = 'pipe'): Timed | null {
  if (!existsSync(cmd)) return null;
  const nul = stdoutTo === 'null' ? openSync('/dev/null', 'w') : null;
  const t0 = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', '%M', 'timeout', String(timeoutS), cmd, ...args], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 1024 * 1024 * 1024,
    stdio: ['ignore', nul ?? 'pipe', 'pipe'],
  });
  const s = (performance.now() - t0) / 1000;
  if (nul !== null) closeSync(nul);
  const rssKb = Number((r.stderr ?? '').trim().split('\n').pop());
  return { s, rssKb: Number.isFinite(rssKb) ? rssKb : 0, out: r.stdout ?? '', timedOut: r.status === 124 };
}

/** tshark's SIP messages in `path` (their Call-IDs, a line a frame) with options `extra`, timed. */
const tsharkCallIds = (path: string, extra: readonly string[]): Timed | null =>
  timed('/usr/bin/tshark', ['-n', '-r', path, ...extra, '-Y', 'sip', '-T', 'fields', '-e', 'sip.Call-ID']);

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const mb = (kb: number): string => `${(kb / 1024).toFixed(0)} MB`;
const results: Record<string, unknown> = { bench: 'ingest', fileBytes: bytes };

// --- sipscope: file → indexed trace ---
// Each mode runs REPEAT times (default 2, alternating) and keeps its fastest run: ours take seconds
// on a shared machine whose load changes from second to second; the peers' long runs average it out.
const repeat = Math.max(1, Number(process.env.REPEAT ?? 2));
const fastest = new Map<string, Run>();
for (let k = 0; k < repeat; k++)
  for (const m of ['index', 'worker1', 'worker2']) {
    const r = ours(m);
    const have = fastest.get(m);
    if (r && (!have || r.ms < have.ms)) fastest.set(m, r);
  }
const runs = [...fastest.values()];
console.log(`sipscope runs: fastest of ${repeat} per mode`);
const messages = runs[0]?.messages ?? 0;
results.messages = messages;
for (const r of runs) {
  const mps = (r.messages / r.ms) * 1000;
  const mbps = bytes / 1e6 / (r.ms / 1000);
  console.log(
    `sipscope ${r.mode.padEnd(8)} ${(r.ms / 1000).toFixed(2)} s (cpu ${((r.cpuMs ?? 0) / 1000).toFixed(2)} s; process ${((r.processMs ?? 0) / 1000).toFixed(2)} s)  ${fmt(mps)} msg/s  ${mbps.toFixed(0)} MB/s  peak RSS ${mb(r.maxRssKb)} (${((r.maxRssKb * 1024) / bytes).toFixed(2)}× file)`,
  );
  results[`${r.mode}ProcessSeconds`] = Number(((r.processMs ?? 0) / 1000).toFixed(2));
  results[`${r.mode}Seconds`] = Number((r.ms / 1000).toFixed(2));
  results[`${r.mode}MsgsPerSec`] = Math.round(mps);
  results[`${r.mode}MBps`] = Math.round(mbps);
  results[`${r.mode}PeakRssMB`] = Math.round(r.maxRssKb / 1024);
  results[`${r.mode}RssToFile`] = Number(((r.maxRssKb * 1024) / bytes).toFixed(2));
}
// CPU time of the split's pieces in one process: what two free cores give, whatever the load.
try {
  const sc = JSON.parse(
    execFileSync(process.execPath, [...splitCost, file], {
      cwd: root,
      encoding: 'utf8',
      timeout: timeoutS * 1000,
    })
      .trim()
      .split('\n')
      .pop()!,
  ) as Record<string, number>;
  const cpuRate = (sc.messages! / sc.onePassCpuMs!) * 1000;
  console.log(
    `CPU time, one process: one pass ${sc.onePassCpuMs} ms (${fmt(cpuRate)} msg per CPU-second); split at ${(sc.cutAt! * 100).toFixed(0)}%: head ${sc.headCpuMs} ms, tail ${sc.tailCpuMs} ms, merge ${sc.mergeCpuMs} ms in the head + ${sc.tailMergeCpuMs} ms in the tail → ${sc.twoCoreSpeedup}× on two free cores (${fmt(cpuRate * sc.twoCoreSpeedup!)} msg/s)`,
  );
  results.indexMsgsPerCpuSecond = Math.round(cpuRate);
  results.twoCoreSpeedup = sc.twoCoreSpeedup;
  results.mergeHeadCpuMs = sc.mergeCpuMs;
  results.mergeTailCpuMs = sc.tailMergeCpuMs;
  results.twoCoreMsgsPerSec = Math.round(cpuRate * sc.twoCoreSpeedup!);
} catch (e) {
  console.log(`split cost: failed (${e instanceof Error ? e.message.split('\n')[0] : e})`);
}
console.log(`load average ${load()}`);

// --- sipscope CLI: analyze --format summary / ndjson (full parse + lint + analysis) ---
const cliBytes = statSync(cliFile).size;
const cliMessages =
  cliFile === file
    ? messages
    : (
        JSON.parse(
          execFileSync(process.execPath, [...runIngest, cliFile, 'index'], { cwd: root, encoding: 'utf8' })
            .trim()
            .split('\n')
            .pop()!,
        ) as Run
      ).messages;
for (const format of ['summary', 'ndjson'] as const) {
  const r = timed(
    process.execPath,
    [resolve(root, 'bin/sipscope.js'), 'analyze', cliFile, '--format', format],
    format === 'ndjson' ? 'null' : 'pipe',
  );
  if (!r) continue;
  const mps = cliMessages / r.s;
  console.log(
    `sipscope analyze --format ${format.padEnd(7)} ${r.s.toFixed(2)} s  ${fmt(mps)} msg/s  ${(cliBytes / 1e6 / r.s).toFixed(0)} MB/s  peak RSS ${mb(r.rssKb)} (${((r.rssKb * 1024) / cliBytes).toFixed(2)}× file)  [${(cliBytes / 1e6).toFixed(0)} MB file, ${fmt(cliMessages)} msgs]${r.timedOut ? ' (TIMED OUT)' : ''}`,
  );
  results[`cli${format}MsgsPerSec`] = Math.round(mps);
  results[`cli${format}PeakRssMB`] = Math.round(r.rssKb / 1024);
  results[`cli${format}FileBytes`] = cliBytes;
}

// --- peers on the main file ---
const best = (m: string): number => {
  const r = runs.find((x) => x.mode === m);
  return r ? r.ms / 1000 : NaN;
};
const sng = timed('/usr/bin/sngrep', ['-I', file, '-N', '-q', '-l', '10000000', '-O', '/dev/null']);
if (sng) {
  console.log(
    `sngrep           ${sng.timedOut ? '> ' : ''}${sng.s.toFixed(2)} s  ${sng.timedOut ? '< ' : ''}${fmt(messages / sng.s)} msg/s  peak RSS ${mb(sng.rssKb)}${sng.timedOut ? ` (TIMED OUT at ${timeoutS} s: ratios are lower bounds)` : ''}`,
  );
  results.sngrepSeconds = Number(sng.s.toFixed(2));
  results.sngrepTimedOut = sng.timedOut;
  results.sngrepPeakRssMB = Math.round(sng.rssKb / 1024);
  for (const m of ['index', 'worker1', 'worker2'])
    results[`ratioVsSngrep_${m}`] = Number((sng.s / best(m)).toFixed(1));
}
for (const [name, extra] of [
  ['tshark', [] as string[]],
  ['tshark-nosdp', ['-o', 'sdp.establish_conversation:FALSE']],
] as const) {
  const ts = tsharkCallIds(file, extra);
  if (!ts) continue;
  const lines = ts.out.split('\n').filter(Boolean).length;
  console.log(
    `${name.padEnd(16)} ${ts.timedOut ? '> ' : ''}${ts.s.toFixed(2)} s  ${fmt(lines / ts.s)} frames/s (${fmt(lines)} SIP frames${ts.timedOut ? ' before the timeout' : ''})  peak RSS ${mb(ts.rssKb)}${ts.timedOut ? ` (TIMED OUT at ${timeoutS} s: ratios are lower bounds)` : ''}`,
  );
  results[`${name}Seconds`] = Number(ts.s.toFixed(2));
  results[`${name}TimedOut`] = ts.timedOut;
  results[`${name}PeakRssMB`] = Math.round(ts.rssKb / 1024);
  results[`ratioVs_${name}_worker1`] = Number((ts.s / best('worker1')).toFixed(1));
}
/** Makes `path` with `gen` when it is not there (null from `gen`: its peers are missing). */
async function generated(path: string, gen: () => Promise<unknown>): Promise<void> {
  if (existsSync(path)) return;
  const t0 = performance.now();
  if (await gen()) console.log(`generated ${path} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

/** One index ingest of `path` in its own process (run-ingest) with `env` added; null when it failed. */
function indexRun(path: string, env: Record<string, string>): Run | null {
  try {
    const out = execFileSync(process.execPath, [...runIngest, path, 'index'], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      timeout: timeoutS * 1000,
      env: { ...process.env, ...env },
    });
    return JSON.parse(out.trim().split('\n').pop()!) as Run;
  } catch {
    return null;
  }
}

// --- SIP over TLS, decrypted with the peers' key log (bench/tools/gen-tls-capture.ts) ---
// sipscope's index ingest of the TLS capture with its key log (SSLKEYLOGFILE, as a user would), the
// same without keys (TLS reported, not decrypted), and tshark with the key log, on the same file.
const tlsMb = Number(process.env.TLS_SIZE ?? 40);
const tlsFile = TLS_OUT(tlsMb);
if (tlsMb > 0) await generated(tlsFile, () => generateTls(tlsFile, tlsMb));
if (tlsMb > 0 && existsSync(tlsFile) && existsSync(`${tlsFile}.keys`)) {
  const tlsBytes = statSync(tlsFile).size;
  readFileSync(tlsFile);
  const tlsRun = (keys: string): Run | null => indexRun(tlsFile, { SSLKEYLOGFILE: keys });
  let withKeys: Run | null = null;
  let without: Run | null = null;
  for (let k = 0; k < repeat; k++) {
    const a = tlsRun(`${tlsFile}.keys`);
    if (a && (!withKeys || a.ms < withKeys.ms)) withKeys = a;
    const b = tlsRun('');
    if (b && (!without || b.ms < without.ms)) without = b;
  }
  const decodeAs = TLS_SUITES.flatMap((_, i) => [
    '-d',
    `tcp.port==${TLS_BASE_PORT + i},tls`,
    '-d',
    `tls.port==${TLS_BASE_PORT + i},sip`,
  ]);
  const ts = tsharkCallIds(tlsFile, ['-o', `tls.keylog_file:${tlsFile}.keys`, ...decodeAs]);
  if (withKeys) {
    const s = withKeys.ms / 1000;
    const tsMsgs = ts ? ts.out.split(/[\n,]/).filter(Boolean).length : 0;
    console.log(
      `TLS decrypted    ${s.toFixed(2)} s  ${(tlsBytes / 1e6 / s).toFixed(0)} MB/s  ${fmt(withKeys.messages / s)} msg/s  [${(tlsBytes / 1e6).toFixed(0)} MB file, ${fmt(withKeys.messages)} msgs, ${TLS_SUITES.length} suites]` +
        (without ? `; without keys ${(without.ms / 1000).toFixed(2)} s` : '') +
        (ts
          ? `; tshark with the key log ${ts.s.toFixed(2)} s (${fmt(tsMsgs)} msgs): ${(ts.s / s).toFixed(1)}×`
          : ''),
    );
    results.tlsFileBytes = tlsBytes;
    results.tlsMessages = withKeys.messages;
    results.tlsBytesPerSec = Math.round(tlsBytes / s);
    if (without) results.tlsNoKeysSeconds = Number((without.ms / 1000).toFixed(2));
    if (ts) {
      results.tlsTsharkSeconds = Number(ts.s.toFixed(2));
      results.tlsTsharkMessages = tsMsgs;
      results.ratioVs_tshark_tls = Number((ts.s / s).toFixed(1));
    }
  } else console.log('TLS decrypted: failed');
}

// --- TLS 1.2 with RSA key exchange, decrypted with the server's key (bench/tools/gen-tls-rsa-capture.ts) ---
// TLS_RSA_HANDSHAKES short connections, one INVITE each: sipscope's index ingest with the key
// (`--tls-key`, through run-ingest's TLS_KEY) and without (TLS reported, not decrypted), alternating;
// the difference per connection is a handshake's cost (its RSA-2048 private operation in BigInt, the
// master secret, the key block). tshark with the same key (its RSA keys list) on the same file.
const rsaN = Number(process.env.TLS_RSA_HANDSHAKES ?? 500);
const rsaFile = TLS_RSA_OUT(rsaN);
if (rsaN > 0) await generated(rsaFile, () => generateTlsRsa(rsaFile, rsaN));
if (rsaN > 0 && existsSync(rsaFile) && existsSync(`${rsaFile}.key`)) {
  const rsaRun = (key: string): Run | null => indexRun(rsaFile, { SSLKEYLOGFILE: '', TLS_KEY: key });
  const withKey: Run[] = [];
  const without: Run[] = [];
  for (let k = 0; k < Math.max(3, repeat); k++) {
    const a = rsaRun(`${rsaFile}.key`);
    if (a) withKey.push(a);
    const b = rsaRun('');
    if (b) without.push(b);
  }
  const min = (rs: Run[], f: (r: Run) => number): number => Math.min(...rs.map(f));
  const ts = tsharkCallIds(rsaFile, [
    '-o',
    `uat:rsa_keys:"${rsaFile}.key",""`,
    '-d',
    `tcp.port==${TLS_RSA_PORT},tls`,
    '-d',
    `tls.port==${TLS_RSA_PORT},sip`,
  ]);
  if (withKey.length && without.length) {
    const ms = min(withKey, (r) => r.ms);
    const perHs = (ms - min(without, (r) => r.ms)) / rsaN;
    const cpuPerHs = (min(withKey, (r) => r.cpuMs ?? 0) - min(without, (r) => r.cpuMs ?? 0)) / rsaN;
    const tsMsgs = ts ? ts.out.split('\n').filter(Boolean).length : 0;
    console.log(
      `TLS RSA key      ${(ms / 1000).toFixed(2)} s  ${perHs.toFixed(2)} ms (CPU ${cpuPerHs.toFixed(2)} ms) per handshake decrypted  [${fmt(rsaN)} connections, ${fmt(withKey[0]!.messages)} msgs; without the key ${(min(without, (r) => r.ms) / 1000).toFixed(2)} s]` +
        (ts
          ? `; tshark with the key ${ts.s.toFixed(2)} s (${fmt(tsMsgs)} msgs): ${(ts.s / (ms / 1000)).toFixed(2)}×`
          : ''),
    );
    results.tlsRsaHandshakes = rsaN;
    results.tlsRsaMessages = withKey[0]!.messages;
    results.tlsRsaSeconds = Number((ms / 1000).toFixed(2));
    results.tlsRsaMsPerHandshake = Number(perHs.toFixed(2));
    results.tlsRsaCpuMsPerHandshake = Number(cpuPerHs.toFixed(2));
    if (ts) {
      results.tlsRsaTsharkSeconds = Number(ts.s.toFixed(2));
      results.tlsRsaTsharkMessages = tsMsgs;
      results.ratioVs_tshark_tlsRsa = Number((ts.s / (ms / 1000)).toFixed(2));
    }
  } else console.log('TLS RSA key: failed');
}

results.loadAverage = Number(loadavg()[0]!.toFixed(1));
results.msgsPerSec = results.worker1MsgsPerSec;
console.log(`load average ${load()}`);
console.log(JSON.stringify(results));
