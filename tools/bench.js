#!/usr/bin/env node
// Runs benchmarks: every bench/*.bench.ts, or those named on the command line (npm run bench -- parse).
import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

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
let failed = 0;
for (const name of run) {
  console.log(`\n=== bench: ${name} ===`);
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--expose-gc', join(root, 'bench', `${name}.bench.ts`)],
    {
      stdio: 'inherit',
      cwd: root,
    },
  );
  if (r.status !== 0) {
    failed++;
    console.error(`bench ${name} exited with ${r.status}`);
  }
}
process.exit(failed ? 1 : 0);
