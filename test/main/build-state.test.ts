/**
 * bin/build-state.js decides whether bin/sipscope.js runs the bundled CLI (out/) or the TypeScript
 * sources: the bundle only when every output exists and is newer than every build input.
 */
import { mkdirSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUILD_INPUTS, BUILD_OUTPUTS, buildIsStale } from '../../bin/build-state.js';

function file(root: string, rel: string, mtimeS: number): void {
  const p = join(root, rel);
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, '');
  utimesSync(p, mtimeS, mtimeS);
}

describe('buildIsStale', () => {
  const root = mkdtempSync(join(tmpdir(), 'sipscope-build-'));
  file(root, 'src/sip-core/message/parse.ts', 1000);
  file(root, 'src/main/cli/index.ts', 1000);
  file(root, 'package.json', 1000);
  // Folders count too (a deleted source changes its folder's time): make them old.
  for (const d of ['src', 'src/sip-core', 'src/sip-core/message', 'src/main', 'src/main/cli'])
    utimesSync(join(root, d), 1000, 1000);

  it('is stale while an output is missing', () => {
    for (const out of BUILD_OUTPUTS.slice(1)) file(root, out, 2000);
    expect(buildIsStale(root)).toBe(true);
  });

  it('is fresh when every output is newer than every input', () => {
    for (const out of BUILD_OUTPUTS) file(root, out, 2000);
    expect(buildIsStale(root)).toBe(false);
  });

  it('is stale when a source deep in a folder changes after the build', () => {
    file(root, 'src/sip-core/message/parse.ts', 3000);
    expect(buildIsStale(root)).toBe(true);
  });

  it('watches the sources the bundles are built from', () => {
    expect(BUILD_INPUTS).toEqual(
      expect.arrayContaining(['src/main', 'src/sip-core', 'src/shared', 'src/renderer']),
    );
  });
});
