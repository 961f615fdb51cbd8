/**
 * The one message-layer diagnostic catalogue (src/sip-core/message/diagnostic-codes.ts): every code the
 * structural parse, lint and the typed decoders use is listed once, with a stage that matches where the
 * source raises it, and every entry has a human title, a description and an RFC section.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  MESSAGE_DIAGNOSTICS,
  MESSAGE_DIAGNOSTIC_LIST,
  diagnosticCatalogue,
  lintMessage,
  messageDiagnosticRule,
  parseMessage,
} from '../../../src/sip-core/message/index';

const here = path.dirname(fileURLToPath(import.meta.url));
const src = path.resolve(here, '../../../src/sip-core/message');
const fixtures = path.resolve(here, '../../fixtures');

/** The typed decoders' sources (those that build diagnostics with `diag(...)`). */
const TYPED_FILES = [
  ...readdirSync(path.join(src, 'headers')).map((f) => path.join('headers', f)),
  'uri.ts',
  'name-addr.ts',
  'params.ts',
  'sdp.ts',
  'multipart.ts',
  'digest.ts',
].filter((f) => f.endsWith('.ts'));

function read(f: string): string {
  return readFileSync(path.join(src, f), 'utf8');
}

/** Codes named as literals in `fn('code'` calls of `text`. */
function literalCodes(text: string, fn: string): Set<string> {
  const out = new Set<string>();
  for (const m of text.matchAll(new RegExp(`\\b${fn}\\(\\s*'([a-z0-9-]+)'`, 'g'))) out.add(m[1]!);
  return out;
}

/** Codes the typed decoders use: `diag('code'`, and codes built from a prefix (`${code}-invalid`...). */
function typedCodes(): Set<string> {
  const out = new Set<string>();
  for (const f of TYPED_FILES) {
    const text = read(f);
    for (const c of literalCodes(text, 'diag')) out.add(c);
    // `const code = cond ? 'a' : 'b'; diag(code, ...)` (name-addr.ts)
    for (const m of text.matchAll(/const code =[^;]*?'([a-z0-9-]+)'\s*:\s*'([a-z0-9-]+)'/g)) {
      out.add(m[1]!);
      out.add(m[2]!);
    }
    for (const m of text.matchAll(/(parseNumber|parseDeltaSeconds|deltaWithParams)\(value, '([a-z-]+)'/g)) {
      out.add(`${m[2]}-invalid`);
      out.add(`${m[2]}-negative`);
      if (m[1] !== 'parseNumber') out.add(`${m[2]}-out-of-range`);
    }
  }
  return out;
}

const parseCodes = literalCodes(read('parse.ts'), 'sipDiagnostic');
const lintCodes = literalCodes(read('lint.ts'), 'sipDiagnostic');
const decoderCodes = typedCodes();
const uriCodes = literalCodes(read('uri.ts') + read('params.ts'), 'diag');

describe('message diagnostic catalogue', () => {
  it('lists every code the structural parse, lint and the typed decoders use', () => {
    const used = [...parseCodes, ...lintCodes, ...decoderCodes];
    expect(used.length).toBeGreaterThan(150);
    expect(used.filter((c) => !messageDiagnosticRule(c))).toEqual([]);
  });

  it('lists no code twice, and every entry has a code, title, description, RFC, layer and stage', () => {
    const seen = new Set<string>();
    for (const r of MESSAGE_DIAGNOSTIC_LIST) {
      expect(seen.has(r.code), `${r.code} listed twice`).toBe(false);
      seen.add(r.code);
      expect(r.code).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(['error', 'warning', 'info'], r.code).toContain(r.severity);
      expect(['sip', 'sdp'], r.code).toContain(r.layer);
      expect(['parse', 'lint', 'typed'], r.code).toContain(r.stage);
      expect(r.rfc, r.code).toMatch(/^\d{4} §\d[\d.]*$/);
      expect(r.title.trim(), r.code).not.toBe('');
      expect(r.description.trim().length, r.code).toBeGreaterThan(20);
      expect(r.description, r.code).toMatch(/[.)]$/);
      // The description cites its RFC section, so a student can look it up.
      expect(r.description, r.code).toMatch(/RFC \d{4} §\d/);
    }
    expect(Object.keys(MESSAGE_DIAGNOSTICS)).toEqual(MESSAGE_DIAGNOSTIC_LIST.map((r) => r.code));
    expect(diagnosticCatalogue().map((r) => r.code)).toEqual(MESSAGE_DIAGNOSTIC_LIST.map((r) => r.code));
  });

  it('titles are written for people, not derived from the code', () => {
    const machine = (code: string): string => {
      const words = code.split('-').join(' ');
      return words[0]!.toUpperCase() + words.slice(1);
    };
    const derived = MESSAGE_DIAGNOSTIC_LIST.filter(
      (r) => r.title.toLowerCase() === machine(r.code).toLowerCase(),
    );
    expect(derived.map((r) => r.code)).toEqual([]);
  });

  it('each code is filed under the first stage that raises it', () => {
    for (const r of MESSAGE_DIAGNOSTIC_LIST) {
      if (r.stage === 'parse') expect(parseCodes.has(r.code), `${r.code} raised by parse.ts`).toBe(true);
      if (r.stage === 'lint') {
        expect(parseCodes.has(r.code), `${r.code} not raised by parse.ts`).toBe(false);
        expect(lintCodes.has(r.code) || uriCodes.has(r.code), `${r.code} raised by lint.ts or parseUri`).toBe(
          true,
        );
      }
      if (r.stage === 'typed') {
        expect(parseCodes.has(r.code) || lintCodes.has(r.code), `${r.code} not raised by parse/lint`).toBe(
          false,
        );
        expect(decoderCodes.has(r.code), `${r.code} raised by a typed decoder`).toBe(true);
      }
    }
  });

  it('SDP codes are on the sdp layer, the others on the sip layer', () => {
    for (const r of MESSAGE_DIAGNOSTIC_LIST)
      expect(r.layer, r.code).toBe(r.code.startsWith('sdp-') ? 'sdp' : 'sip');
  });

  it('every code raised on the RFC 4475 / RFC 5118 messages, typed decoders included, is catalogued, with its severity, layer and RFC section', () => {
    const dirs = [path.join(fixtures, 'rfc4475'), path.join(fixtures, 'rfc5118/crlf')];
    const raised = new Set<string>();
    for (const dir of dirs) {
      for (const f of readdirSync(dir)) {
        const m = parseMessage(new Uint8Array(readFileSync(path.join(dir, f))));
        for (const d of lintMessage(m, { typed: true })) {
          raised.add(d.code);
          const rule = messageDiagnosticRule(d.code);
          expect(rule, `${d.code} (${f}) is in the catalogue`).toBeDefined();
          expect(d.layer, d.code).toBe(rule!.layer);
          expect(d.severity, d.code).toBe(rule!.severity);
          expect(d.rfc, `${d.code} (${f}) cites the catalogue's RFC section`).toBe(rule!.rfc);
        }
      }
    }
    expect(raised.size).toBeGreaterThan(30);
  });
});
