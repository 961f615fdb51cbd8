/**
 * The checked-in WebAssembly scanner (src/sip-core/message/sip-scan-wasm.ts) is what its source
 * (tools/wasm/sip-scan.as) compiles to with the pinned AssemblyScript: no opaque bytes in the tree.
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const REPO = resolve(import.meta.dirname, '../../..');

describe('sip-scan-wasm.ts', () => {
  it('equals the output of tools/wasm/build-sip-scan.js on tools/wasm/sip-scan.as', () => {
    const r = spawnSync(process.execPath, [`${REPO}/tools/wasm/build-sip-scan.js`, '--check'], {
      cwd: REPO,
      encoding: 'utf8',
    });
    expect(r.stdout + r.stderr).toContain('sip-scan-wasm.ts is up to date');
    expect(r.status).toBe(0);
  }, 180_000);
});
