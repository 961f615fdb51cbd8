/** Builds the renderer when its output is missing or older than its sources ("builds if needed"). */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { buildIsStale as bundleIsStale } from '../../bin/build-state.js';
import { APP_ROOT } from './paths';

/** True when out/ is missing or older than any source the app bundles. */
export function buildIsStale(): boolean {
  return bundleIsStale(APP_ROOT);
}

/** Runs `electron-vite build` when needed; returns false (after printing why) when the build failed. */
export function ensureBuilt(log: (line: string) => void = console.log): boolean {
  if (!buildIsStale()) return true;
  log('sipscope: building the app (electron-vite build)…');
  const bin = join(
    APP_ROOT,
    'node_modules',
    '.bin',
    process.platform === 'win32' ? 'electron-vite.cmd' : 'electron-vite',
  );
  const r = spawnSync(bin, ['build'], { cwd: APP_ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) {
    log(`sipscope: the build failed (exit ${r.status ?? r.signal})`);
    return false;
  }
  return true;
}
