/**
 * Capture statistics: message counts from the trace's columns checked against tshark's own count of
 * the same capture (SIPp through Kamailio: the problems sample); call figures and their spread.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeTrace } from '../../../src/sip-core/analysis';
import { callStats, messageStats, spread } from '../../../src/sip-core/analysis/stats';
import { ingestBytes } from '../../../src/sip-core/trace/trace-builder';
import { requirePeer } from '../../helpers/peers';

const repo = path.resolve(import.meta.dirname, '../../..');
const file = path.join(repo, 'resources/samples/sample-problems.pcap');
const trace = ingestBytes(new Uint8Array(readFileSync(file)), 'sample-problems.pcap').trace;
const a = analyzeTrace(trace);

/** tshark's `value → count` of one field over the SIP packets a display filter keeps. */
function tsharkCounts(tshark: string, filter: string, field: string): Record<string, number> {
  const out = execFileSync(tshark, ['-r', file, '-Y', filter, '-T', 'fields', '-e', field], {
    encoding: 'utf8',
  });
  const counts: Record<string, number> = {};
  for (const v of out.split('\n').filter(Boolean)) counts[v] = (counts[v] ?? 0) + 1;
  return counts;
}

describe('spread', () => {
  it('gives the nearest-rank median, 95th percentile and largest; null without values', () => {
    expect(spread([])).toBeNull();
    expect(spread([Number.NaN, Infinity])).toBeNull();
    expect(spread([3])).toEqual({ n: 1, median: 3, p95: 3, max: 3 });
    expect(spread([5, 1, 4, 2, 3])).toEqual({ n: 5, median: 3, p95: 5, max: 5 });
    const hundred = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(spread(hundred)).toEqual({ n: 100, median: 50, p95: 95, max: 100 });
  });
});

describe('messageStats', () => {
  const s = messageStats(trace, a.retransmissionCount);

  it('counts requests by method and responses by code as tshark does', () => {
    expect(s.messages).toBe(69);
    expect(s.requests + s.responses + s.invalid).toBe(69);
    expect(s.byTransport).toEqual([{ transport: 'UDP', count: 69 }]);
    const tshark = requirePeer('tshark');
    if (!tshark) return;
    const methods = tsharkCounts(tshark, 'sip.Request-Line', 'sip.Method');
    expect(Object.fromEntries(s.byMethod.map((m) => [m.method, m.count]))).toEqual(methods);
    const codes = tsharkCounts(tshark, 'sip.Status-Line', 'sip.Status-Code');
    expect(Object.fromEntries(s.byStatus.map((x) => [String(x.status), x.count]))).toEqual(codes);
  });

  it('orders methods most first and codes by code, with the reason phrase, and counts retransmissions', () => {
    expect(s.byMethod.map((m) => m.method)).toEqual(['INVITE', 'ACK', 'BYE', 'MESSAGE']);
    expect(s.byStatus.map((x) => x.status)).toEqual([100, 180, 200, 404, 408, 483]);
    expect(s.byStatus.find((x) => x.status === 483)?.reason).toBe('Too Many Hops');
    // erin's unacknowledged 200 is retransmitted on both sides of the proxy.
    expect(s.retransmissions).toBeGreaterThan(10);
    expect(s.retransmissions).toBe(
      [...Array(69).keys()].filter((id) => a.retransmission(id) !== null).length,
    );
    expect(messageStats(trace).retransmissions).toBeNull();
  });
});

describe('callStats', () => {
  const calls = a.calls();
  const c = callStats(calls);

  it('counts calls by state, type and final code', () => {
    expect(c.calls).toBe(calls.length);
    expect(Object.fromEntries(c.byState.map((x) => [x.state, x.count]))).toEqual(
      Object.fromEntries(
        [...new Set(calls.map((x) => x.state))].map((st) => [st, calls.filter((x) => x.state === st).length]),
      ),
    );
    expect(c.byType).toEqual([
      { type: 'call', count: 5 },
      { type: 'message', count: 1 },
    ]);
    // The MESSAGE is not an INVITE call: its 404 is not among the calls' final codes.
    expect(c.byFinal.map((f) => [f.status, f.count])).toEqual([
      [200, 3],
      [408, 1],
      [483, 1],
    ]);
  });

  it('spreads post-dial delay, setup time and duration over the calls that have them', () => {
    const pdd = calls.map((x) => x.pdd).filter((x): x is number => x !== null);
    expect(c.pdd?.n).toBe(pdd.length);
    expect(c.pdd?.max).toBe(Math.max(...pdd));
    expect(c.setupTime?.n).toBe(3);
    expect(c.duration?.n).toBe(calls.filter((x) => x.duration !== null).length);
    expect(callStats([]).pdd).toBeNull();
  });
});
