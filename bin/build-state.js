// Whether the built app in out/ is older than its sources. Shared by bin/sipscope.js (which runs the
// bundled CLI when it is fresh, else the TypeScript sources through tsx) and `sipscope build`.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Source folders and files the main and renderer bundles are built from. */
export const BUILD_INPUTS = [
  'src/renderer',
  'src/shared',
  'src/preload',
  'src/main',
  'src/sip-core',
  'electron.vite.config.ts',
  'package.json',
];

function newestMtime(p) {
  if (!existsSync(p)) return 0;
  const st = statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const entry of readdirSync(p)) newest = Math.max(newest, newestMtime(join(p, entry)));
  return newest;
}

/** The bundle files the app needs: main process (with the CLI and the ingest worker) and the page. */
export const BUILD_OUTPUTS = [
  'out/main/index.js',
  'out/main/cli.js',
  'out/main/ingest-worker.js',
  'out/renderer/index.html',
];

/** True when an output is missing or older than any build input. */
export function buildIsStale(root) {
  let built = Infinity;
  for (const f of BUILD_OUTPUTS) {
    const p = join(root, f);
    if (!existsSync(p)) return true;
    built = Math.min(built, statSync(p).mtimeMs);
  }
  return BUILD_INPUTS.some((d) => newestMtime(join(root, d)) > built);
}
