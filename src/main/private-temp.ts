/**
 * Private directories under the OS temp dir for files a process writes for itself (a live trace's kept
 * media, a merge of several captures): named `<prefix><pid>-XXXXXX`, removed when the process exits,
 * and one a killed process left behind is removed by the next process that makes one with that prefix.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const atExit = new Set<() => void>();
let exitHook = false;
const swept = new Set<string>();

/** Runs `fn` when the process exits (once; {@link cancelAtExit} forgets it). */
export function runAtExit(fn: () => void): void {
  if (!exitHook) {
    exitHook = true;
    process.once('exit', () => {
      for (const f of [...atExit]) {
        try {
          f();
        } catch {
          // best effort at exit: a file already gone, a directory in use
        }
      }
    });
  }
  atExit.add(fn);
}

export function cancelAtExit(fn: () => void): void {
  atExit.delete(fn);
}

/** Removes the `<prefix><pid>-*` directories of processes that are gone (killed before they could). */
export function sweepOrphans(prefix: string): void {
  let names: string[];
  try {
    names = readdirSync(tmpdir());
  } catch {
    return;
  }
  for (const n of names) {
    if (!n.startsWith(prefix)) continue;
    const m = /^(\d+)-/.exec(n.slice(prefix.length));
    if (!m || Number(m[1]) === process.pid) continue;
    try {
      process.kill(Number(m[1]), 0);
    } catch (e) {
      // ESRCH: no such process (EPERM: alive, another user's).
      if ((e as NodeJS.ErrnoException).code === 'ESRCH')
        rmSync(join(tmpdir(), n), { recursive: true, force: true });
    }
  }
}

/**
 * Makes a private directory `<tmpdir>/<prefix><pid>-XXXXXX` (mode 0700, mkdtemp) and sweeps the
 * prefix's orphans the first time. The caller removes it ({@link removePrivateDir}); at process exit it
 * is removed anyway.
 */
export function makePrivateDir(prefix: string): string {
  if (!swept.has(prefix)) {
    swept.add(prefix);
    sweepOrphans(prefix);
  }
  const dir = mkdtempSync(join(tmpdir(), `${prefix}${process.pid}-`));
  const rm = (): void => rmSync(dir, { recursive: true, force: true });
  dirs.set(dir, rm);
  runAtExit(rm);
  return dir;
}

const dirs = new Map<string, () => void>();

/** Removes a directory {@link makePrivateDir} made (and forgets its exit hook). */
export function removePrivateDir(dir: string): void {
  const rm = dirs.get(dir);
  dirs.delete(dir);
  if (rm) cancelAtExit(rm);
  rmSync(dir, { recursive: true, force: true });
}
