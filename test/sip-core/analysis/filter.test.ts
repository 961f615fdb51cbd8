/**
 * The display-filter language: the examples, operators, multi-valued fields, call filters and
 * parse errors with their column.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  analyzeTrace,
  compileFilter,
  filterMessages,
  parseFilter,
  queryCalls,
} from '../../../src/sip-core/analysis';
import { ingestBytes } from '../../../src/sip-core/trace/trace-builder';
import { readFileSync } from 'node:fs';
import { loadFixture } from '../../fixtures/analysis/load';

const repo = path.resolve(import.meta.dirname, '../../..');
const sample = analyzeTrace(
  ingestBytes(
    new Uint8Array(readFileSync(path.join(repo, 'resources/samples/sample-call.pcap'))),
    'sample-call.pcap',
  ).trace,
);
const states = analyzeTrace(loadFixture(path.join(repo, 'test/fixtures/analysis/calls/states.sip')));

const frames = (expr: string, a = sample): number[] => {
  const r = filterMessages(a, expr);
  if (!r.ok) throw new Error(`${r.error.message} @${r.error.column}`);
  return r.ids.map((id) => a.trace.frame(id));
};

describe('filter expressions on sample-call.pcap', () => {
  it.each<[string, number[] | number]>([
    ['sip.method == "INVITE" && sip.status >= 400', []],
    ['sip.status >= 400', [43, 45, 48]],
    ['sip.method == "INVITE"', [1, 3, 10, 12, 19, 21, 40, 42, 47]],
    ['sip.method == INVITE and not ip.dst == 127.0.0.30', [1, 10, 19, 40, 42, 47]],
    ['ip.addr == 127.0.0.31', [42, 43, 44]],
    ['ip.src == 127.0.0.0/24 && sip.status == 486', [43, 45]],
    ['sip.call_id contains "9722"', 7],
    // matches is case-insensitive like Wireshark's: bob (3 calls × 13) and busy (7)
    ['sip.to.user matches "^b"', 46],
    ['sip.from.user == "alice"', 49],
    ['call.state == "busy"', [40, 41, 42, 43, 44, 45, 46]],
    ['call.state == "rejected" || call.final_code == 486', 10],
    ['sip.cseq.method == "BYE" && sip.is_response', [26, 27, 34, 35, 38, 39]],
    ['sip.reason contains "important"', 4],
    ['sip.transaction == "T1"', [1, 2, 5, 7]],
    // the offers (INVITE, both hops) list PCMA; the answers only PCMU
    ['sdp.codec == "PCMA"', 9],
    // counts agree with tshark -Y 'sip.User-Agent' and 'sip.Max-Forwards < 70 && sip.Request-Line'
    ['sip.header.user-agent', 9],
    ['sip.max_forwards < 70 && sip.is_request', 11],
    ['!(sip.is_request) && frame.number <= 5', [2, 4, 5]],
    ['sip.ruri.user eq "carol"', [47, 49]],
    ['sip.retransmission', []],
    // the whole message, as tshark -Y 'sip contains "…"' counts it: 9, 49, 5, 0, 9
    ['sip contains "PCMA"', 9],
    ['sip contains "alice"', 49],
    ['sip contains "kamailio"', 5],
    ['sip contains "Kamailio"', []],
    ['sip contains "INVITE sip:"', 9],
    ['SIP contains "PCMA" && sip.is_request', 9],
    // headers only (no body) and body only
    ['sip.headers contains "PCMA"', []],
    ['sip.headers contains "alice"', 49],
    ['sip.body contains "a=rtpmap:8"', 9],
    // tshark -Y 'sip contains "m=audio 6000 "' and -Y 'sip.msg_body' (15 frames each)
    ['sip.body matches "m=audio 6000 "', [1, 3, 6, 7, 10, 12, 15, 16, 19, 21, 28, 29, 40, 42, 47]],
    ['sip.body', 15],
  ])('%s', (expr, want) => {
    const got = frames(expr);
    if (typeof want === 'number') expect(got.length).toBe(want);
    else expect(got).toEqual(want);
  });

  it('matches the issue example on a From user with a + prefix', () => {
    const c = compileFilter('sip.from.user matches "^\\\\+49"');
    expect(c.ok).toBe(true);
  });
});

describe('parse errors carry the column', () => {
  it.each<[string, string, number]>([
    ['sip.method == ', 'value expected', 15],
    ['sip.method = "INVITE"', 'use "=="', 12],
    ['sip.status >= "abc"', 'needs a number', 15],
    ['(sip.status == 200', 'missing ")"', 19],
    ['sip.status == 200)', 'unbalanced', 18],
    ['sip.nope == 1', 'unknown field', 1],
    ['sip.method == "INVITE', 'unterminated string', 15],
    ['sip.status == 200 & sip.method', 'use "&&"', 19],
    ['== 3', 'expected a field name', 1],
    ['sip.to.user matches "(a+)+$"', 'bad regular expression', 1],
    // Object.prototype names are neither operators nor fields
    ['sip.method constructor 1', 'unexpected "constructor"', 12],
    ['constructor.x == 1', 'unknown field', 1],
    ['sip.nope', 'unknown field', 1],
  ])('%s → %s at column %d', (expr, msg, col) => {
    const r = compileFilter(expr);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.message).toContain(msg);
      expect(r.error.column).toBe(col);
    }
  });
  it('parses precedence: && binds tighter than ||', () => {
    const r = parseFilter('a.b || c.d && e.f');
    expect(r.ok && r.ast.type).toBe('or');
  });
});

describe('calls page (queryCalls)', () => {
  it('filters calls by state and by "any message" fields, sorts and pages in the core', () => {
    const failed = queryCalls(states, { filter: 'call.state == "failed"' });
    expect(failed.ok && failed.calls.map((c) => c.callIds[0])).toEqual(['st-failed']);
    const any503 = queryCalls(states, { filter: 'sip.status == 503' });
    expect(any503.ok && any503.calls.map((c) => c.callIds[0])).toEqual(['st-failed']);
    const calls = queryCalls(states, { filter: 'call.type == "call"', sort: '-start', offset: 1, limit: 3 });
    expect(calls.ok).toBe(true);
    if (calls.ok) {
      expect(calls.total).toBe(9);
      expect(calls.calls.map((c) => c.callIds[0])).toEqual(['st-ringing', 'st-cancelled', 'st-redirected']);
    }
    const byDur = queryCalls(states, { filter: 'call.duration > 0', sort: '-duration' });
    expect(byDur.ok && byDur.calls.map((c) => c.callIds[0])).toEqual(['st-completed', 'st-incall']);
    const bad = queryCalls(states, { filter: 'call.state ==' });
    expect(bad.ok).toBe(false);
  });
});

describe('docs/filters.md', () => {
  it('documents every field and every documented example compiles', async () => {
    const { FIELDS } = await import('../../../src/sip-core/analysis');
    const doc = readFileSync(path.join(repo, 'docs/filters.md'), 'utf8');
    for (const f of Object.keys(FIELDS)) expect(doc, f).toContain(`\`${f}\``);
    const block = doc.split('## Examples')[1]!.split('```')[1]!;
    for (const line of block
      .split('\n')
      .map((l) => l.replace(/#.*$/, '').trim())
      .filter(Boolean)) {
      const r = compileFilter(line);
      expect(r.ok, line).toBe(true);
    }
  });
});
