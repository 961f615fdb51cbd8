/**
 * A small C program built against a system library the tests use as a reference (bcg729 for G.729,
 * spandsp for packet loss concealment): Debian ships these libraries without -dev packages in what
 * the project installs, so each program declares the few functions it calls itself. Built once per
 * test process with gcc into a folder of the temp folder named by the source's and the library's
 * hash, which later runs and parallel test files reuse (built beside it, then renamed into place).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The built program's path (`name`: its folder's prefix); null when gcc or the library is missing. */
export function buildCReference(
  name: string,
  source: string,
  gcc: string | null,
  lib: string | null,
): string | null {
  if (!gcc || !lib) return null;
  const key = createHash('sha256').update(source).update(lib).digest('hex').slice(0, 16);
  const dir = join(tmpdir(), `sipscope-${name}-${key}`);
  const bin = join(dir, name);
  if (!existsSync(bin)) {
    const work = mkdtempSync(join(tmpdir(), `sipscope-${name}-build-`));
    try {
      writeFileSync(join(work, `${name}.c`), source);
      execFileSync(gcc, ['-O2', '-o', join(work, name), join(work, `${name}.c`), lib], { timeout: 60_000 });
      try {
        renameSync(work, dir);
      } catch {
        // Another test process put it there first.
      }
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
  return bin;
}
