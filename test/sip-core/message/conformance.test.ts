/**
 * RFC 4475 and RFC 5118 torture messages, table-driven from test/fixtures/rfc{4475,5118}/expected.json
 * (verdicts taken from each suite's INDEX.md). Bytes are loaded as bytes.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { lintMessage, parseMessage, serializeMessage } from '../../../src/sip-core/message/index';
import type { SipMessage } from '../../../src/sip-core/message/index';

interface Row {
  file: string;
  section: string;
  verdict: 'VALID' | 'INVALID' | 'UNCLASSIFIED';
  errors?: string[];
  warnings?: string[];
  infos?: string[];
  allowErrors?: string[];
  fields?: Record<string, string | number | null>;
  headers?: Record<string, string>;
  valueCounts?: Record<string, number>;
}

const fixtures = fileURLToPath(new URL('../../fixtures/', import.meta.url));
const load = (p: string): Uint8Array => new Uint8Array(readFileSync(fixtures + p));
const table = (suite: string): Row[] =>
  (JSON.parse(readFileSync(`${fixtures}${suite}/expected.json`, 'utf8')) as { rows: Row[] }).rows;

function checkRow(row: Row, bytes: Uint8Array): void {
  let msg: SipMessage | undefined;
  expect(() => {
    msg = parseMessage(bytes);
  }).not.toThrow();
  const m = msg!;
  const diags = lintMessage(m);
  const errors = diags.filter((d) => d.severity === 'error');
  for (const d of diags) {
    expect(d.layer).toBe('sip');
    expect(d.rfc, d.code).toBeTruthy();
    if (d.span) {
      expect(d.span.start).toBeGreaterThanOrEqual(m.start);
      expect(d.span.end).toBeLessThanOrEqual(m.end);
    }
  }
  if (row.verdict === 'VALID') {
    const unexpected = errors.filter((d) => !(row.allowErrors ?? []).includes(d.code));
    expect(unexpected.map((d) => `${d.code}: ${d.message}`)).toEqual([]);
    expect(m.kind).not.toBe('invalid');
    // the typed header decoders accept it too
    const typedErrors = lintMessage(m, { typed: true }).filter(
      (d) => d.severity === 'error' && !(row.allowErrors ?? []).includes(d.code),
    );
    expect(typedErrors.map((d) => `${d.code}: ${d.message}`)).toEqual([]);
  }
  if (row.verdict === 'INVALID') {
    expect(errors.length).toBeGreaterThan(0);
    for (const code of row.errors ?? []) {
      expect(
        errors.map((d) => d.code),
        `${row.file} should be flagged ${code}`,
      ).toContain(code);
    }
  }
  for (const code of row.warnings ?? []) {
    expect(diags.filter((d) => d.severity === 'warning').map((d) => d.code)).toContain(code);
  }
  for (const code of row.infos ?? []) {
    expect(diags.filter((d) => d.severity === 'info').map((d) => d.code)).toContain(code);
  }
  for (const [k, v] of Object.entries(row.fields ?? {})) {
    expect((m as unknown as Record<string, unknown>)[k], `${row.file} ${k}`).toEqual(v);
  }
  for (const [k, v] of Object.entries(row.headers ?? {})) {
    expect(m.header(k), `${row.file} header ${k}`).toBe(v);
  }
  for (const [k, v] of Object.entries(row.valueCounts ?? {})) {
    expect(m.values(k).length, `${row.file} values(${k})`).toBe(v);
  }
}

describe('RFC 4475 torture messages', () => {
  const rows = table('rfc4475');
  it('the table covers every .dat file of the suite', () => {
    const files = readdirSync(fixtures + 'rfc4475').filter((f) => f.endsWith('.dat'));
    expect(rows.map((r) => r.file).sort()).toEqual(files.sort());
    expect(rows.length).toBe(50);
  });
  for (const row of rows) {
    it(`§${row.section || '?'} ${row.file}: ${row.verdict}`, () =>
      checkRow(row, load(`rfc4475/${row.file}`)));
  }
  it('every VALID message serializes back byte-identically', () => {
    for (const row of rows.filter((r) => r.verdict === 'VALID')) {
      const bytes = load(`rfc4475/${row.file}`);
      expect(Buffer.from(serializeMessage(parseMessage(bytes))).equals(Buffer.from(bytes)), row.file).toBe(
        true,
      );
    }
  });
});

describe('RFC 5118 IPv6 torture messages (crlf/ wire forms)', () => {
  const rows = table('rfc5118');
  it('the table covers every .dat file of the suite', () => {
    const files = readdirSync(fixtures + 'rfc5118/crlf').filter((f) => f.endsWith('.dat'));
    expect(rows.map((r) => r.file).sort()).toEqual(files.sort());
  });
  for (const row of rows) {
    it(`§${row.section} ${row.file}: ${row.verdict}`, () => checkRow(row, load(`rfc5118/crlf/${row.file}`)));
  }
  it('every message serializes back byte-identically (wire and verbatim forms)', () => {
    for (const row of rows) {
      for (const f of [`rfc5118/crlf/${row.file}`, `rfc5118/${row.file}`]) {
        const bytes = load(f);
        expect(Buffer.from(serializeMessage(parseMessage(bytes))).equals(Buffer.from(bytes)), f).toBe(true);
      }
    }
  });
  it('the verbatim LF-only archive parses to the same key fields, flagged line-ending-lf', () => {
    for (const row of rows) {
      const lf = parseMessage(load(`rfc5118/${row.file}`));
      const crlf = parseMessage(load(`rfc5118/crlf/${row.file}`));
      expect(lf.diagnostics.map((d) => d.code)).toContain('line-ending-lf');
      for (const k of [
        'kind',
        'method',
        'requestUri',
        'callId',
        'cseq',
        'branch',
        'viaCount',
        'fromTag',
        'toTag',
      ] as const) {
        expect(lf[k], `${row.file} ${k}`).toEqual(crlf[k]);
      }
    }
  });
});
