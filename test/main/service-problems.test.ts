/**
 * The calls list's problems row: the analysis diagnostics of the (filtered) calls by code, each with
 * its rule's title and RFC section and the number of calls that have it; clicking one filters with
 * `sip.diagnostic == "code"`, which must select exactly those calls.
 */
import { describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import { TraceAdapter } from '../../src/main/service/capture-loader';
import { codesByCall, countProblems } from '../../src/main/service/problems';
import { ingestCaptureFile } from '../../src/sip-core/trace/ingest-file.node.js';
import { analysisDiagnostic, RULES_BY_CODE } from '../../src/sip-core/analysis';

const FIXTURE = resolve(__dirname, '../fixtures/capture/multi-section.pcapng');

async function adapter(background: boolean): Promise<TraceAdapter> {
  const r = await ingestCaptureFile(FIXTURE);
  return new TraceAdapter(r.trace, r.diagnostics, { background });
}

describe('problems of the calls list', () => {
  it('counts the calls with each code, errors first, and the filter on a code selects those calls', async () => {
    const a = await adapter(false);
    const all = a.queryCalls({ offset: 0, limit: 1000 });
    // multi-section.pcapng: five calls from private addresses without rport. One section's clock is
    // in 1970 (53.9 years before the rest): no time rule on such a clock, so no INVITE is called
    // unanswered (the 1970 one was, for the 53 years the capture "went on" after it).
    expect(all.problems.map((p) => [p.code, p.severity, p.calls])).toEqual([
      ['nat-no-rport', 'warning', 5],
      ['nat-private-via', 'info', 5],
    ]);
    for (const p of all.problems) {
      const rule = RULES_BY_CODE.get(p.code)!;
      expect([p.title, p.rfc]).toEqual([rule.title, rule.rfc]);
      const only = a.queryCalls({ offset: 0, limit: 1000, filter: `sip.diagnostic == "${p.code}"` });
      expect(only.filterError).toBeNull();
      expect(only.total).toBe(p.calls);
      // Within the filtered set the row counts that set: this code in every call.
      expect(only.problems.find((q) => q.code === p.code)!.calls).toBe(only.total);
    }
    // A filter narrows the row with the list: one call, its two codes once each.
    const one = a.queryCalls({ offset: 0, limit: 1000, filter: 'sip.call_id == "ng-3@a"' });
    expect(one.total).toBe(1);
    expect(one.problems.map((p) => [p.code, p.calls])).toEqual([
      ['nat-no-rport', 1],
      ['nat-private-via', 1],
    ]);
    // The caller gets a copy: changing it leaves the kept view as it was.
    all.problems[0]!.calls = 99;
    expect(a.queryCalls({ offset: 0, limit: 1 }).problems[0]!.calls).toBe(5);
  });

  it('lists nothing before the full analysis ends, then what the full analysis found', async () => {
    const quick = await adapter(true);
    expect(quick.queryCalls({ offset: 0, limit: 1000 }).problems).toEqual([]);
    await quick.analyse();
    const after = quick.queryCalls({ offset: 0, limit: 1000 }).problems;
    expect(after).toEqual((await adapter(false)).queryCalls({ offset: 0, limit: 1000 }).problems);
    expect(after.length).toBe(2);
  });

  it('counts a code once per call and leaves out diagnostics of no call', () => {
    const d = (code: string, call?: string) =>
      analysisDiagnostic(code, 'x', { messageId: 0, ...(call ? { call } : {}) });
    const byCall = codesByCall([
      d('nat-no-rport', 'C1'),
      d('nat-no-rport', 'C1'),
      d('sdp-hold', 'C2'),
      d('ack-missing-2xx', 'C2'),
      d('unmatched-response'),
    ]);
    expect([...byCall]).toEqual([
      ['C1', ['nat-no-rport']],
      ['C2', ['sdp-hold', 'ack-missing-2xx']],
    ]);
    const rows = countProblems(byCall, [{ id: 'C1' }, { id: 'C2' }, { id: 'C3' }]);
    // Errors, then warnings, then info (sdp-hold), whatever the order of the diagnostics.
    expect(rows.map((p) => [p.code, p.severity, p.calls])).toEqual([
      ['ack-missing-2xx', 'error', 1],
      ['nat-no-rport', 'warning', 1],
      ['sdp-hold', 'info', 1],
    ]);
    expect(countProblems(byCall, [{ id: 'C3' }])).toEqual([]);
  });
});
