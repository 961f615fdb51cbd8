/**
 * Every test file's temporary files in a directory of its own, removed after the file ran: tests
 * (and the sipscope code and peers they start, which inherit `TMPDIR`) make their directories with
 * `os.tmpdir()`, and many never removed them (1,400+ `sipscope-*` directories left in /tmp after a
 * few runs on a developer's machine). `SIPSCOPE_KEEP_TEST_TMP=1` keeps them for a look.
 * @remarks A setup file runs before each test file in that file's process; the hook registered here
 * runs after the file's own `afterAll` hooks (Vitest runs after-hooks in reverse order), so a test's
 * own clean-up still finds its files.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

// The directory the machine gives (a process reused for another file must not nest inside the last one).
const base = (process.env.SIPSCOPE_TEST_TMP_BASE ??= tmpdir());
const dir = mkdtempSync(join(base, 'sipscope-test-'));
process.env.TMPDIR = dir;

afterAll(() => {
  process.env.TMPDIR = base;
  if (process.env.SIPSCOPE_KEEP_TEST_TMP === '1') return;
  rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
});
