#!/usr/bin/env node
// `npm test`: build the app if needed (the end-to-end tests serve it), run the whole vitest suite,
// and end with one line `tests: N passed, M failed[, K skipped]` computed from vitest's JSON report.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const report = join(root, 'test-results', 'vitest.json');
mkdirSync(dirname(report), { recursive: true });
rmSync(report, { force: true });

const build = spawnSync(process.execPath, [join(root, 'bin', 'sipscope.js'), 'build'], {
  cwd: root,
  stdio: 'inherit',
});
if (build.status !== 0) {
  console.log('tests: 0 passed, 1 failed (the build failed)');
  process.exit(1);
}

const vitest = join(root, 'node_modules', 'vitest', 'vitest.mjs');
const r = spawnSync(
  process.execPath,
  [
    vitest,
    'run',
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${report}`,
    ...process.argv.slice(2),
  ],
  { cwd: root, stdio: 'inherit' },
);

let passed, failed, skipped;
if (existsSync(report)) {
  const j = JSON.parse(readFileSync(report, 'utf8'));
  passed = j.numPassedTests ?? 0;
  failed = (j.numFailedTests ?? 0) + (j.numRuntimeErrorTestSuites ?? 0);
  skipped = (j.numPendingTests ?? 0) + (j.numTodoTests ?? 0);
  // A suite that failed to load counts as a failure even though it ran no test.
  for (const s of j.testResults ?? [])
    if (s.status === 'failed' && (s.assertionResults ?? []).length === 0) failed++;
} else {
  [passed, failed, skipped] = [0, 1, 0];
}
if (r.status !== 0 && failed === 0) failed = 1;
console.log(`tests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed === 0 && r.status === 0 && passed > 0 ? 0 : 1);
