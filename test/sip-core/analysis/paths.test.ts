/**
 * The analysis gives the same answer whichever way it gets the messages: following an ingest that
 * parses every message (it reuses that parse), following the index-only ingest (it reads the bytes
 * itself), or attached to a finished trace (it reads the raw bytes back). Checked on the capture
 * fixtures and the public captures (skipped when absent).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { analysisOnAppend, TraceAnalyzer } from '../../../src/sip-core/analysis';
import { ingestBytes } from '../../../src/sip-core/trace/trace-builder';
import type { Trace } from '../../../src/sip-core/trace/trace';

const repo = path.resolve(import.meta.dirname, '../../..');
const pub = path.resolve(repo, '../shared/captures/public');

function dump(t: Trace): string {
  const a = t.analysis instanceof TraceAnalyzer ? t.analysis : TraceAnalyzer.attach(t);
  const fields: unknown[] = [];
  for (let i = 0; i < t.count; i++) fields.push(a.messageFields(i), a.retransmission(i));
  return JSON.stringify([
    a.transactions(),
    a.dialogs(),
    a.calls(),
    a.diagnostics(),
    a.summary(),
    a.totals(),
    fields,
  ]);
}

function check(file: string): number {
  const bytes = new Uint8Array(readFileSync(file));
  const name = path.basename(file);
  const parsed = ingestBytes(bytes, name, { onAppend: analysisOnAppend() }).trace;
  const indexed = ingestBytes(bytes, name, { parse: false, onAppend: analysisOnAppend() }).trace;
  const after = ingestBytes(bytes, name, { parse: false }).trace;
  const d = dump(parsed);
  expect(dump(indexed)).toBe(d);
  expect(dump(after)).toBe(d);
  return parsed.count;
}

describe('analysis by parse, by bytes, attached afterwards', () => {
  it('the sample call and the capture fixtures', () => {
    expect(check(path.join(repo, 'resources/samples/sample-call.pcap'))).toBe(49);
    const dir = path.join(repo, 'test/fixtures/capture');
    for (const f of readdirSync(dir)) if (/\.(pcap|pcapng)$/.test(f)) check(path.join(dir, f));
  });

  it.skipIf(!existsSync(pub))('every public capture', () => {
    let n = 0;
    for (const f of readdirSync(pub)) if (/\.(pcap|pcapng|cap)$/.test(f)) n += check(path.join(pub, f));
    expect(n).toBeGreaterThan(900);
  });
});
