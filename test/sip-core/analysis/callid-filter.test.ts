/**
 * The analyzer's Call-ID filter (`TraceAnalyzer.mayBeCallId`), asked by the Call-ID suffix rule
 * (call/correlate.ts) before each lookup of a prefix: it must never answer false for a group's
 * Call-ID, also while it grows with the groups (one-pass analysis) and when sized from the trace
 * (tier 2), so every B-leg named by a suffix is still linked; and it must filter (most prefixes that
 * name no group answer false, or it saves no lookup).
 */
import { describe, expect, it } from 'vitest';
import { analyzeTrace, type TraceAnalyzer } from '../../../src/sip-core/analysis';
import { TieredAnalysis } from '../../../src/sip-core/analysis/tiered';
import type { FixtureMessage } from '../../fixtures/analysis/load';
import { traceFromMessages } from '../../fixtures/analysis/load';

const LEGS = 1500;

const invite = (cid: string, time: number, from: string, to: string, n: number): FixtureMessage => ({
  time,
  src: `${from}:5060`,
  dst: `${to}:5060`,
  transport: 'UDP',
  hep: null,
  text:
    `INVITE sip:bob${n}@198.51.100.30:5060 SIP/2.0\r\n` +
    `Via: SIP/2.0/UDP ${from}:5060;branch=z9hG4bK-${n}-${from}\r\n` +
    `Max-Forwards: 70\r\nFrom: <sip:alice${n}@example.com>;tag=t${n}\r\nTo: <sip:bob${n}@example.com>\r\n` +
    `Call-ID: ${cid}\r\nCSeq: 1 INVITE\r\nContact: <sip:alice@${from}:5060>\r\nContent-Length: 0\r\n\r\n`,
});

/** A-legs `a<i>-<hash>@198.51.100.10`, each followed by its B-leg `<A's Call-ID>-b2b_<i>` from the B2BUA. */
function legs(): FixtureMessage[] {
  const out: FixtureMessage[] = [];
  for (let i = 0; i < LEGS; i++) {
    const a = `a${i}-${((i * 2654435761) >>> 0).toString(16)}@198.51.100.10`;
    out.push(invite(a, i * 0.01, '198.51.100.10', '198.51.100.40', i));
    out.push(invite(`${a}-b2b_${i}`, i * 0.01 + 0.005, '198.51.100.40', '198.51.100.30', i));
  }
  return out;
}

function check(a: TraceAnalyzer): void {
  // every B-leg joined to its A-leg by the suffix rule
  const calls = a.calls();
  expect(calls.length).toBe(LEGS);
  for (const c of calls) {
    expect(c.callIds.length).toBe(2);
    expect(c.links.map((l) => l.reason)).toEqual(['call-id-suffix']);
  }
  // never false for a group's Call-ID
  let prefixes = 0;
  let maybe = 0;
  for (const g of a.groups) {
    expect(a.mayBeCallId(g.callId, g.callId.length), g.callId).toBe(true);
    for (let pos = g.callId.length - 2; pos >= 6; pos--) {
      if (g.callId[pos] !== '.' || a.groupOf(g.callId, pos) >= 0) continue;
      prefixes++;
      if (a.mayBeCallId(g.callId, pos)) maybe++;
    }
  }
  // (the B-legs' prefixes at their dots name no group: most must be filtered out)
  expect(prefixes).toBeGreaterThan(LEGS);
  expect(maybe / prefixes).toBeLessThan(0.2);
}

describe('the Call-ID filter of the suffix rule', () => {
  it('grows with the groups in a one-pass analysis and still finds every B-leg', () => {
    check(analyzeTrace(traceFromMessages(legs())));
  });

  it('sized from the trace for tier 2, finds every B-leg', () => {
    const t = traceFromMessages(legs());
    check(TieredAnalysis.attach(t).runTier2Now());
  });
});
