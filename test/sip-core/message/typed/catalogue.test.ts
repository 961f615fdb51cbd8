/**
 * The typed-decoder diagnostic catalogue: every code used in the decoders is listed, codes are
 * kebab-case and unique, and codes shared with the message catalogue agree on meaning (severity).
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { TYPED_DIAGNOSTICS, typedDiagnosticRule } from '../../../../src/sip-core/message/headers';

const here = path.dirname(fileURLToPath(import.meta.url));
const src = path.resolve(here, '../../../../src/sip-core/message');
const files = [
  ...readdirSync(path.join(src, 'headers')).map((f) => path.join('headers', f)),
  'uri.ts',
  'name-addr.ts',
  'params.ts',
  'sdp.ts',
  'multipart.ts',
  'digest.ts',
].filter((f) => f.endsWith('.ts') && !f.endsWith('diagnostic-codes.ts'));

function codesInSource(): Set<string> {
  const out = new Set<string>();
  for (const f of files) {
    const text = readFileSync(path.join(src, f), 'utf8');
    for (const m of text.matchAll(/diag\(\s*'([a-z0-9-]+)'/g)) out.add(m[1]!);
    // Codes built from a prefix: `${code}-invalid` etc. with code in the calls' literal prefixes.
    for (const m of text.matchAll(/(?:parseNumber|parseDeltaSeconds|deltaWithParams)\(value, '([a-z-]+)'/g)) {
      out.add(`${m[1]}-invalid`);
      out.add(`${m[1]}-negative`);
    }
  }
  return out;
}

describe('typed diagnostic catalogue', () => {
  it('lists every code the decoders use', () => {
    const missing = [...codesInSource()].filter((c) => !typedDiagnosticRule(c));
    expect(missing).toEqual([]);
  });
  it('codes are unique, kebab-case, with an RFC reference and a layer', () => {
    const seen = new Set<string>();
    for (const r of TYPED_DIAGNOSTICS) {
      expect(seen.has(r.code), r.code).toBe(false);
      seen.add(r.code);
      expect(r.code).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(r.rfc).toMatch(/^\d{4} §\d/);
      expect(['sip', 'sdp']).toContain(r.layer);
    }
    expect(TYPED_DIAGNOSTICS.length).toBeGreaterThan(100);
  });
});
