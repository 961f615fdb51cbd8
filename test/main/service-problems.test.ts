/**
 * The calls list's problems row: the analysis diagnostics of the (filtered) calls by code, each with
 * its rule's title and RFC section and the number of calls that have it; clicking one filters with
 * `sip.diagnostic == "code"` (a media rule's: `call.rtp.problem == "code"`), which must select exactly
 * those calls.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { mediaCapture } from '../helpers/rtp-capture';
import { MEDIA_RULES_BY_CODE } from '../../src/sip-core/media/call-media';
import { TraceAdapter } from '../../src/main/service/capture-loader';
import { codesByCall, countProblems, severityRanks } from '../../src/main/service/problems';
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

  it("counts the media rules' calls too, and each one's filter lists exactly those calls", async () => {
    // Three calls: media both ways, one way only (one-way-media), 10% of one direction lost (media-loss).
    const dir = mkdtempSync(join(tmpdir(), 'sipscope-problems-media-'));
    try {
      const file = join(dir, 'media.pcap');
      writeFileSync(
        file,
        mediaCapture(
          { callId: 'fine', forward: { packets: 100 }, reverse: { packets: 100 } },
          { callId: 'one-way', caller: 3, callee: 4, startUs: 4_000_000, forward: { packets: 100 } },
          {
            callId: 'lossy',
            caller: 5,
            callee: 6,
            startUs: 8_000_000,
            forward: { packets: 100 },
            reverse: { packets: 100, drop: (i) => i % 10 === 3 },
          },
        ),
      );
      const r = await ingestCaptureFile(file);
      const a = new TraceAdapter(r.trace, r.diagnostics, { background: false });
      const all = a.queryCalls({ offset: 0, limit: 100 });
      expect(all.total).toBe(3);
      const media = all.problems.filter((p) => p.code === 'one-way-media' || p.code === 'media-loss');
      expect(media.map((p) => [p.code, p.calls, p.filter])).toEqual([
        ['media-loss', 1, 'call.rtp.problem == "media-loss"'],
        ['one-way-media', 1, 'call.rtp.problem == "one-way-media"'],
      ]);
      expect(media[1]!.title).toBe(MEDIA_RULES_BY_CODE.get('one-way-media')!.title);
      expect(media[1]!.rfc).toBe(MEDIA_RULES_BY_CODE.get('one-way-media')!.rfc);
      for (const p of all.problems) {
        const only = a.queryCalls({ offset: 0, limit: 100, filter: p.filter });
        expect(only.filterError).toBeNull();
        expect(only.total, p.code).toBe(p.calls);
      }
      const oneWay = a.queryCalls({ offset: 0, limit: 100, filter: media[1]!.filter });
      expect(oneWay.items.map((c) => c.callIds)).toEqual([['one-way']]);
      const lossy = a.queryCalls({ offset: 0, limit: 100, filter: media[0]!.filter });
      expect(lossy.items.map((c) => c.callIds)).toEqual([['lossy']]);
      // A message's code keeps its message filter.
      expect(
        all.problems
          .filter((p) => !media.includes(p))
          .every((p) => p.filter === `sip.diagnostic == "${p.code}"`),
      ).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
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

describe("the calls list's Diag order", () => {
  it('ranks a call by its worst diagnostic: error, warning, info, none; an unknown code as a warning', () => {
    // Severities from the catalogues the problems row reads (no hand-written copy of them here).
    const sev = (code: string): string => RULES_BY_CODE.get(code)?.severity ?? '';
    expect([sev('ack-missing-2xx'), sev('nat-no-rport'), sev('nat-private-via')]).toEqual([
      'error',
      'warning',
      'info',
    ]);
    const byCall = new Map<string, string[]>([
      ['C1', ['nat-private-via']],
      ['C2', ['nat-private-via', 'ack-missing-2xx']],
      ['C3', ['nat-no-rport', 'nat-private-via']],
      ['C5', ['pcap-bad-thing']],
      ['C6', ['pcap-bad-thing']],
    ]);
    const calls = ['C1', 'C2', 'C3', 'C4', 'C5', 'C6', 'C7'].map((id) => ({
      id,
      diagnostics: id === 'C4' ? 0 : id === 'C7' ? 2 : 1,
    }));
    // C5 and C6's code is one the capture pipeline described (as info); C7 counts diagnostics of no code.
    const others = new Map([['pcap-bad-thing', { severity: 'info' as const, title: 'x', rfc: null }]]);
    const ranks = severityRanks(byCall, calls, others);
    expect(Object.fromEntries(ranks)).toEqual({ C1: 2, C2: 0, C3: 1, C4: 3, C5: 2, C6: 2, C7: 1 });
    expect(severityRanks(new Map([['C5', ['never-heard-of']]]), calls.slice(4, 5)).get('C5')).toBe(1);
  });

  it('sorts the calls with the worst first, then by start (the CLI keeps its own order)', async () => {
    const a = await adapter(false);
    const bySeverity = a.queryCalls({ offset: 0, limit: 1000, sort: 'diagnostics' });
    // multi-section.pcapng: every call has the nat-no-rport warning: in the default order (by start
    // as the list has it, the 1970 section's call where its messages are).
    const byStart = a.queryCalls({ offset: 0, limit: 1000 });
    expect(bySeverity.items.map((c) => c.id)).toEqual(byStart.items.map((c) => c.id));
  });
});
