#!/usr/bin/env node
// Runs benchmarks: every bench/*.bench.ts, or those named on the command line (npm run bench -- parse).
// Each benchmark is bundled first with esbuild the way the app ships its code (no keepNames helpers,
// which tsx adds to every named function), so the figures are those of the code users run; the
// app's own bundle (out/) is brought up to date too, for benchmarks that time the CLI.
// BENCH_FROM_SOURCES=1 runs the TypeScript through tsx instead.
import { readdirSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleForNode } from './bundle-node.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const all = readdirSync(join(root, 'bench'))
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => f.slice(0, -'.bench.ts'.length))
  .sort();
const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const unknown = wanted.filter((w) => !all.includes(w));
if (unknown.length) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')}; known: ${all.join(', ') || '(none)'}`);
  process.exit(2);
}
const run = wanted.length ? wanted : all;
const fromSources = Boolean(process.env.BENCH_FROM_SOURCES);

const build = spawnSync(process.execPath, [join(root, 'bin', 'sipscope.js'), 'build'], {
  cwd: root,
  stdio: 'inherit',
});
if (build.status !== 0) process.exit(build.status ?? 1);

// Bundles sit next to their sources (bench/.NAME.PID.bench.mjs) so paths relative to the file still
// hold; the process id keeps two runs of one bench apart (each removes its own bundle at its end, which
// took the other's from under its child processes). BENCH_KEEP=1 names it bench/.NAME.bench.mjs.
function bundle(name) {
  const out = process.env.BENCH_KEEP ? `.${name}.bench.mjs` : `.${name}.${process.pid}.bench.mjs`;
  return bundleForNode(join(root, 'bench', `${name}.bench.ts`), join(root, 'bench', out));
}

let failed = 0;
for (const name of run) {
  console.log(`\n=== bench: ${name} ===`);
  let argv;
  let outfile = null;
  if (fromSources) argv = ['--import', 'tsx', '--expose-gc', join(root, 'bench', `${name}.bench.ts`)];
  else {
    outfile = await bundle(name);
    argv = ['--expose-gc', outfile];
  }
  const r = spawnSync(process.execPath, argv, { stdio: 'inherit', cwd: root });
  // BENCH_KEEP=1 keeps the bundle for profiling: node --cpu-prof bench/.NAME.bench.mjs
  if (outfile && !process.env.BENCH_KEEP) rmSync(outfile, { force: true });
  if (r.status !== 0) {
    failed++;
    console.error(`bench ${name} exited with ${r.status}`);
  }
}
process.exit(failed ? 1 : 0);
