/** Builds the renderer when its output is missing or older than its sources ("builds if needed"). */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { APP_ROOT, RENDERER_DIR } from './paths';

function newestMtime(dir: string): number {
  let newest = 0;
  if (!existsSync(dir)) return 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** True when out/ is missing or older than any source the app bundles. */
export function buildIsStale(): boolean {
  const marker = join(RENDERER_DIR, 'index.html');
  if (!existsSync(marker) || !existsSync(join(APP_ROOT, 'out', 'main', 'index.js'))) return true;
  const built = statSync(marker).mtimeMs;
  const sources = ['src/renderer', 'src/shared', 'src/preload', 'src/main', 'src/sip-core'].map((d) =>
    newestMtime(join(APP_ROOT, d)),
  );
  return Math.max(...sources, statSync(join(APP_ROOT, 'electron.vite.config.ts')).mtimeMs) > built;
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
