/** Where the app's files are, both when run from sources (tsx) and when bundled into out/main. */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findAppRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'sipscope') return dir;
      } catch {
        // keep walking up
      }
    }
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  throw new Error('cannot find the sipscope installation (package.json)');
}

export const APP_ROOT = findAppRoot();
export const RESOURCES_DIR = join(APP_ROOT, 'resources');
export const SAMPLE_CAPTURE = join(RESOURCES_DIR, 'samples', 'sample-call.pcap');
export const RENDERER_DIR = join(APP_ROOT, 'out', 'renderer');

/** Per-user settings folder (XDG on Linux). */
export function userConfigDir(): string {
  if (process.platform === 'win32' && process.env.APPDATA) return join(process.env.APPDATA, 'sipscope');
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'sipscope');
  return join(process.env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'sipscope');
}
