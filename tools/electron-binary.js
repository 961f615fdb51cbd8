// Finds the Electron binary without requiring 'electron' (which, in Electron >= 42, tries to download it).
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

/** @returns {{ path: string | null, reason: string }} */
export function findElectronBinary() {
  if (process.env.ELECTRON_EXEC_PATH) {
    return existsSync(process.env.ELECTRON_EXEC_PATH)
      ? { path: process.env.ELECTRON_EXEC_PATH, reason: 'ELECTRON_EXEC_PATH' }
      : { path: null, reason: `ELECTRON_EXEC_PATH=${process.env.ELECTRON_EXEC_PATH} does not exist` };
  }
  let dir;
  try {
    dir = dirname(require.resolve('electron/package.json'));
  } catch {
    return { path: null, reason: 'the electron package is not installed' };
  }
  const pathTxt = join(dir, 'path.txt');
  if (!existsSync(pathTxt)) {
    return {
      path: null,
      reason: 'the Electron binary was never downloaded (node_modules/electron/path.txt is missing)',
    };
  }
  const exe = join(
    process.env.ELECTRON_OVERRIDE_DIST_PATH || join(dir, 'dist'),
    readFileSync(pathTxt, 'utf8').trim(),
  );
  return existsSync(exe) ? { path: exe, reason: 'installed' } : { path: null, reason: `${exe} is missing` };
}
