/**
 * Tier 1 of the tiered analysis (analysis/tier1.ts: transactions, retransmissions, dialogs, Call-ID
 * groups and the diagnostics these tables decide, from the trace's columns only) against the full
 * analyzer (tier 2) on every analysis fixture, the sample and SIPp captures, the public captures
 * (../shared/captures/public, skipped when absent) and the bench capture (bench/data's, else made by its generator):
 * every transaction, dialog, group, retransmission and tier-1 diagnostic must be the same.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TraceAnalyzer } from '../../../src/sip-core/analysis';
import { DIALOG_STATES, dialogEndUs, dialogStartUs } from '../../../src/sip-core/analysis/dialog/dialog';
import { Tier1Analysis, TIER1_CODES, TIER1_LAZY_CODES } from '../../../src/sip-core/analysis/tier1';
import { Trace } from '../../../src/sip-core/trace/trace';
import { ingestBytes } from '../../../src/sip-core/trace/trace-builder';
import { parseFixture, traceFromMessages } from '../../fixtures/analysis/load';
import { benchCapture } from '../../helpers/fill-ahead';

const repo = path.resolve(import.meta.dirname, '../../..');
const pub = path.resolve(repo, '../shared/captures/public');
const fixtures = path.join(repo, 'test/fixtures/analysis');

const TIER1 = new Set<string>([...TIER1_CODES, ...TIER1_LAZY_CODES]);
/** A code of tier 1 on message `id` (request-loop also comes from the Via stack check, tier 2's). */
const isTier1 = (trace: Trace, code: string, id: number): boolean =>
  TIER1.has(code) && !(code === 'request-loop' && trace.kind(id) === 'request');

/** Compares tier 1 with the full analyzer on one trace; returns the number of messages checked. */
function compare(trace: Trace, t1: Tier1Analysis, what: string): number {
  const full = TraceAnalyzer.attach(trace);
  full.detach();
  t1.catchUp();
  const n = trace.count;
  expect(t1.count, what).toBe(n);
  // Groups.
  expect(t1.ng, `${what}: groups`).toBe(full.groups.length);
  for (let g = 0; g < t1.ng; g++) {
    const x = full.groups[g]!;
    const w = `${what}: group C${g + 1}`;
    expect(
      {
        type: t1.callFacts(g).type,
        firstMethod: trace.methodName(t1.gFirstMethod[g]!) ?? '',
        origin: t1.gOrigin[g],
        firstRequest: t1.gFirstRequest[g],
        firstUs: t1.gFirstUs[g],
        lastUs: t1.gLastUs[g],
        inviteUs: t1.gInviteUs[g],
        ringUs: t1.gRingUs[g],
        trying: t1.gTrying[g] === 1,
        answerUs: t1.callFacts(g).answerUs,
        byeUs: t1.gByeUs[g],
        endUs: t1.gEndUs[g],
        final: t1.gFinal[g],
        cancelled: t1.gCancelled[g] === 1,
        challenges: t1.gChallenges[g],
        ids: t1.groupMessageIds(g),
        txns: t1.groupTransactions(g),
        dialogs: t1.groupDialogs(g),
        state: t1.callState(g),
      },
      w,
    ).toEqual({
      type: x.type,
      firstMethod: x.firstMethod,
      origin: x.originId,
      firstRequest: x.firstRequestId,
      firstUs: full.callFacts(g).firstUs,
      lastUs: full.groupTimes(g).lastUs,
      inviteUs: full.callFacts(g).inviteUs,
      ringUs: full.callFacts(g).ringUs,
      trying: full.callFacts(g).trying,
      answerUs: full.callFacts(g).answerUs,
      byeUs: full.callFacts(g).byeUs,
      endUs: full.groupTimes(g).endUs,
      final: x.finalStatus,
      cancelled: x.cancelled,
      challenges: x.challenges,
      ids: full.groupIds(g),
      txns: full.groupTxns(g),
      dialogs: full.groupDialogs(g),
      state: full.groupState(g),
    });
  }
  // Messages.
  for (let id = 0; id < n; id++) {
    const r = full.retransmission(id);
    expect(
      [t1.transactionOf(id), t1.dialogOf(id), t1.isRetransmission(id), t1.messageCodes(id)],
      `${what}: message ${id}`,
    ).toEqual([
      full.transactionOf(id),
      full.dialogOf(id),
      r !== null,
      full
        .messageDiagnostics(id)
        .filter((c) => isTier1(trace, c, id) && (TIER1_CODES as readonly string[]).includes(c)),
    ]);
  }
  const rt = t1.retransmissions();
  expect(rt.length, `${what}: retransmissions`).toBe(full.totals().retransmissions);
  for (const x of rt)
    expect({ of: x.of, intervalUs: x.intervalUs }, `${what}: retrans ${x.id}`).toEqual(
      full.retransmission(x.id),
    );
  // Transactions.
  const A = t1.tx;
  const B = full.tx;
  expect(A.n, `${what}: transactions`).toBe(B.n);
  const row = (t: number): unknown[] => [
    B.kind[t],
    B.methodName(t),
    B.cseq[t],
    B.group[t],
    B.requestId[t],
    B.firstId[t],
    B.finalStatus[t],
    B.finalId[t],
    B.okId[t],
    B.dialog[t],
    B.peer[t],
    B.retransmissions[t],
    B.reqRetrans[t],
    B.responses[t],
    B.requests[t],
    B.startUs[t],
    B.lastUs[t],
    B.finalUs[t],
    B.reqLastUs[t],
    B.rfc2543[t],
    B.acked[t],
    B.inDialog[t],
    B.flags[t]! & 31,
    B.states(t),
  ];
  // (tier 1 keeps fewer columns: `transaction` reads the same fields from them and the trace's)
  const row1 = (t: number): unknown[] => {
    const x = t1.transaction(t);
    return [
      x.kind,
      x.method,
      x.cseq,
      x.group,
      x.requestId,
      x.firstId,
      x.finalStatus,
      x.finalId,
      x.okId,
      x.dialog,
      x.peer,
      x.retransmissions,
      x.reqRetrans,
      x.responses,
      x.requests,
      x.startUs,
      x.lastUs,
      x.finalUs,
      x.reqLastUs,
      x.rfc2543,
      x.acked,
      x.inDialog,
      x.flags & 31,
      x.states,
    ];
  };
  for (let t = 0; t < A.n; t++) expect(row1(t), `${what}: T${t + 1}`).toEqual(row(t));
  // Dialogs.
  expect(t1.nd, `${what}: dialogs`).toBe(full.dialogList.length);
  for (let d = 0; d < t1.nd; d++) {
    const x = full.dialogList[d]!;
    const states: number[] = [];
    for (const s of t1.dialogStates(d)) states.push(DIALOG_STATES.indexOf(s.state), s.us);
    expect(
      [
        t1.dGroup[d],
        trace.methodName(t1.dMethod[d]!),
        t1.dialogState(d),
        states,
        t1.dTxn[d],
        t1.dCseq[d],
        t1.dRequest[d],
        t1.dResponse[d],
        t1.dStartUs[d],
        t1.dEndUs[d],
        t1.dCallerCseq[d],
        t1.dCalleeCseq[d],
        trace.methodName(t1.dCallerMethod[d]!) ?? '',
        trace.methodName(t1.dCalleeMethod[d]!) ?? '',
        t1.dByeCseq[d],
        t1.dPartial[d] === 1,
        t1.dRequests[d],
        t1.dCseqFlagged[d],
      ],
      `${what}: D${d + 1}`,
    ).toEqual([
      x.group,
      x.method,
      x.state,
      x.states,
      x.txn,
      x.cseq,
      x.requestId,
      x.responseId,
      dialogStartUs(x),
      dialogEndUs(x),
      x.callerCseq,
      x.calleeCseq,
      x.callerMethod,
      x.calleeMethod,
      x.byeCseq,
      x.partial,
      x.requests,
      x.cseqFlagged,
    ]);
  }
  // Diagnostics tier 1 decides (the full analyzer's `call` is the joined call: compared by group).
  const strip = ({ call: _c, ...d }: { call?: string }): object => d;
  const roots = new Set(full.callRoots());
  const mine = t1
    .diagnostics()
    .filter((d) => d.code !== 'pdd-long' || roots.has(t1.groupOf(d.messageId!)))
    .map(strip);
  const theirs = full
    .diagnostics()
    .filter((d) => isTier1(trace, d.code, d.messageId!))
    .map(strip);
  expect(mine, `${what}: diagnostics`).toEqual(theirs);
  return n;
}

function fixtureFiles(): string[] {
  const out: string[] = [];
  for (const dir of ['rules', 'calls'])
    for (const f of readdirSync(path.join(fixtures, dir)).sort())
      if (f.endsWith('.sip')) out.push(path.join(fixtures, dir, f));
  return out;
}

describe('tier 1 equals the full analyzer', () => {
  it('on every analysis fixture (following the trace as messages are appended)', () => {
    let n = 0;
    let diags = 0;
    for (const f of fixtureFiles()) {
      const trace = new Trace(null, []);
      const t1 = Tier1Analysis.attach(trace);
      traceFromMessages(parseFixture(readFileSync(f, 'utf8')), trace);
      n += compare(trace, t1, path.basename(f));
      diags += t1.diagnostics().length;
    }
    expect(n).toBeGreaterThan(200);
    // Each tier-1 rule's fixture triggers it.
    expect(diags).toBeGreaterThan(20);
  });

  it('on the sample and SIPp captures, by the parsing and the index ingest', () => {
    for (const f of [
      path.join(repo, 'resources/samples/sample-call.pcap'),
      path.join(fixtures, 'sipp/timer-a.pcap'),
      path.join(fixtures, 'sipp/start-cut-3.pcap'),
      path.join(fixtures, 'sipp/start-cut-5.pcap'),
    ]) {
      for (const parse of [true, false]) {
        const r = ingestBytes(new Uint8Array(readFileSync(f)), path.basename(f), { parse });
        expect(
          compare(r.trace, Tier1Analysis.attach(r.trace), `${path.basename(f)} parse=${parse}`),
        ).toBeGreaterThan(5);
      }
    }
  });

  it.skipIf(!existsSync(pub))('on every public capture, by the parsing and the index ingest', () => {
    let n = 0;
    for (const f of readdirSync(pub).sort()) {
      if (!/\.(pcap|pcapng|cap)$/.test(f)) continue;
      for (const parse of [true, false]) {
        const r = ingestBytes(new Uint8Array(readFileSync(path.join(pub, f))), f, { parse });
        n += compare(r.trace, Tier1Analysis.attach(r.trace), `${f} parse=${parse}`);
      }
    }
    expect(n).toBeGreaterThan(1000);
  });

  // (bench/data's, else made by its generator: a clean clone checks it too)
  const bench = benchCapture();
  it('on the bench capture (40 MB, index ingest)', () => {
    const r = ingestBytes(new Uint8Array(readFileSync(bench)), 'sip-40MB.pcap', { parse: false });
    expect(compare(r.trace, Tier1Analysis.attach(r.trace), 'sip-40MB')).toBeGreaterThan(60_000);
  }, 120_000);
});

describe('tier 1 with a crowded group', () => {
  it('finds the early dialogs of an INVITE forked to twelve branches, before and after the group fills the list', () => {
    // (a group's dialogs are compared in its list up to 8, then looked up in the key table, which
    // gets the first nine at once: the 2xx to branches 2 and 11 and their ACKs must find theirs)
    const msg = (
      t: number,
      from: string,
      to: string,
      start: string,
      via: string,
      toTag: string,
      cseq: string,
    ) =>
      `@ ${t.toFixed(6)} ${from} > ${to}\n${start}\nVia: SIP/2.0/UDP 198.51.100.10:5060;branch=${via}\n` +
      `From: <sip:alice@example.com>;tag=a1\nTo: <sip:bob@example.com>${toTag ? `;tag=${toTag}` : ''}\n` +
      `Call-ID: crowded-fork\nCSeq: ${cseq}\nContact: <sip:x@198.51.100.10>\nContent-Length: 0\n\n`;
    const A = '198.51.100.10:5060';
    const P = '198.51.100.20:5060';
    let text = msg(0, A, P, 'INVITE sip:bob@example.com SIP/2.0', 'z9hG4bK-inv', '', '1 INVITE');
    for (let k = 1; k <= 12; k++)
      text += msg(0.1 * k, P, A, 'SIP/2.0 180 Ringing', 'z9hG4bK-inv', `b${k}`, '1 INVITE');
    for (const k of [2, 11]) {
      text += msg(2 + k / 100, P, A, 'SIP/2.0 200 OK', 'z9hG4bK-inv', `b${k}`, '1 INVITE');
      text += msg(
        2.5 + k / 100,
        A,
        P,
        'ACK sip:bob@example.com SIP/2.0',
        `z9hG4bK-ack${k}`,
        `b${k}`,
        '1 ACK',
      );
    }
    text += msg(3, A, P, 'BYE sip:bob@example.com SIP/2.0', 'z9hG4bK-bye', 'b2', '2 BYE');
    text += msg(3.1, P, A, 'SIP/2.0 200 OK', 'z9hG4bK-bye', 'b2', '2 BYE');
    const trace = traceFromMessages(parseFixture(text));
    const t1 = Tier1Analysis.attach(trace);
    compare(trace, t1, 'crowded-fork');
    expect(t1.nd).toBe(12);
    expect(t1.groupDialogs(0).length).toBe(12);
    // the 2xx of branch 2 (message 13) and its ACK, the BYE: branch 2's dialog (D2); branch 11's 2xx: D11
    expect([t1.dialogOf(13), t1.dialogOf(14), t1.dialogOf(17), t1.dialogOf(15)]).toEqual([1, 1, 1, 10]);
    expect([t1.dialogState(1), t1.dialogState(10), t1.dialogState(0)]).toEqual([
      'terminated',
      'confirmed',
      'early',
    ]);
  });
});

describe('tier 1 calls list', () => {
  it('gives each Call-ID group its state, final code and timings', () => {
    const trace = traceFromMessages(
      parseFixture(readFileSync(path.join(fixtures, 'calls/states.sip'), 'utf8')),
    );
    const t1 = Tier1Analysis.attach(trace);
    const full = TraceAnalyzer.attach(trace);
    const calls = t1.calls();
    expect(calls.length).toBe(full.groups.length);
    for (const c of calls) {
      const g = Number(c.id.slice(1)) - 1;
      const s = full.callSummary(full.resolveCall(c.id));
      if (full.members(g).length !== 1 || full.resolveCall(c.id) !== g) continue;
      expect(c, c.id).toMatchObject({
        state: s.state,
        finalStatus: s.finalStatus,
        start: s.start,
        end: s.end,
        pdd: s.pdd,
        setupTime: s.setupTime,
        duration: s.duration,
        messages: s.messages,
        dialogs: s.dialogs,
      });
    }
    expect(new Set(calls.map((c) => c.state)).size).toBeGreaterThan(4);
  });
});

describe("tier 1's group final", () => {
  it('comes from the responses that travel towards the group origin, on every hop of a proxied registration', () => {
    // (tier 1 compares endpoints only for the responses that can set a group's final: the first
    // transaction's, and, outside a call, a transaction of the same method outside a dialog)
    const A = '198.51.100.10:5060';
    const P = '198.51.100.20:5060';
    const R = '198.51.100.30:5060';
    const msg = (
      t: number,
      from: string,
      to: string,
      start: string,
      vias: string[],
      cseq: string,
      tag = '',
    ) =>
      `@ ${t.toFixed(6)} ${from} > ${to}\n${start}\n${vias.map((v) => `Via: SIP/2.0/UDP ${v}\n`).join('')}` +
      `From: <sip:alice@example.com>;tag=a1\nTo: <sip:alice@example.com>${tag ? `;tag=${tag}` : ''}\n` +
      `Call-ID: reg-hops\nCSeq: ${cseq}\nContact: <sip:alice@198.51.100.10>\nContent-Length: 0\n\n`;
    const reg = 'REGISTER sip:example.com SIP/2.0';
    const viaA = (b: string): string => `${A};branch=z9hG4bK-${b}`;
    const viaP = (b: string): string => `${P};branch=z9hG4bK-${b}`;
    const text =
      msg(0, A, P, reg, [viaA('r1')], '1 REGISTER') +
      msg(0.01, P, A, 'SIP/2.0 401 Unauthorized', [viaA('r1')], '1 REGISTER', 'p1') +
      msg(0.1, A, P, reg, [viaA('r2')], '2 REGISTER') +
      msg(0.11, P, R, reg, [viaP('p2'), viaA('r2')], '2 REGISTER') +
      msg(0.2, P, A, 'SIP/2.0 503 Service Unavailable', [viaA('r2')], '2 REGISTER', 'p2') +
      // the registrar's late answer travels to the proxy (away from the origin): not the group's final
      msg(0.25, R, P, 'SIP/2.0 500 Server Internal Error', [viaP('p2'), viaA('r2')], '2 REGISTER', 'r9') +
      // an OPTIONS in the same group (another method): never its final
      msg(0.3, A, P, 'OPTIONS sip:example.com SIP/2.0', [viaA('o1')], '3 OPTIONS') +
      msg(0.31, P, A, 'SIP/2.0 200 OK', [viaA('o1')], '3 OPTIONS', 'p3');
    const trace = traceFromMessages(parseFixture(text));
    const t1 = Tier1Analysis.attach(trace);
    compare(trace, t1, 'reg-hops');
    expect(t1.ng).toBe(1);
    expect(t1.gFinal[0]).toBe(503);
    expect(t1.gChallenges[0]).toBe(1);
    expect(t1.call(0)).toMatchObject({ type: 'registration', finalStatus: 503 });
  });
});

describe("tier 1's response copies", () => {
  it('tells a copy by its status and To tag (or the ACK), on the same path', () => {
    // (an entry's signature is read from its first copy's columns)
    const A = '198.51.100.10:5060';
    const B = '198.51.100.40:5060';
    const msg = (t: number, from: string, to: string, start: string, cseq: string, tag = '') =>
      `@ ${t.toFixed(6)} ${from} > ${to}\n${start}\nVia: SIP/2.0/UDP ${A};branch=z9hG4bK-copies\n` +
      `From: <sip:alice@example.com>;tag=a1\nTo: <sip:bob@example.com>${tag ? `;tag=${tag}` : ''}\n` +
      `Call-ID: copies\nCSeq: ${cseq}\nContact: <sip:x@198.51.100.10>\nContent-Length: 0\n\n`;
    const text =
      msg(0, A, B, 'INVITE sip:bob@example.com SIP/2.0', '1 INVITE') + // 0
      msg(0.1, B, A, 'SIP/2.0 180 Ringing', '1 INVITE', 'b1') + // 1
      msg(0.2, B, A, 'SIP/2.0 180 Ringing', '1 INVITE', 'b2') + // 2: another To tag, not a copy
      msg(0.3, B, A, 'SIP/2.0 180 Ringing', '1 INVITE', 'b1') + // 3: a copy of 1
      msg(0.4, B, A, 'SIP/2.0 183 Session Progress', '1 INVITE', 'b1') + // 4: another status
      msg(1, B, A, 'SIP/2.0 486 Busy Here', '1 INVITE', 'b1') + // 5
      msg(1.01, A, B, 'ACK sip:bob@example.com SIP/2.0', '1 ACK', 'b1') + // 6
      msg(1.5, B, A, 'SIP/2.0 486 Busy Here', '1 INVITE', 'b1') + // 7: a copy of 5
      msg(1.51, A, B, 'ACK sip:bob@example.com SIP/2.0', '1 ACK', 'b1'); // 8: a copy of 6
    const trace = traceFromMessages(parseFixture(text));
    const t1 = Tier1Analysis.attach(trace);
    compare(trace, t1, 'copies');
    expect(t1.retransmissions().map((r) => [r.id, r.of, Math.round(r.intervalUs)])).toEqual([
      [3, -1, 200_000],
      [7, -1, 500_000],
      [8, -1, 500_000],
    ]);
    expect(t1.transaction(0)).toMatchObject({ responses: 6, retransmissions: 3, finalStatus: 486 });
    // a UA talking to itself: its ACK takes the 486's path, and is still no copy of it
    const self = [0, 5, 6, 8]
      .map((i) => text.split('\n\n')[i]!.replace(/^@ (\S+) \S+ > \S+/, `@ $1 ${A} > ${A}`))
      .join('\n\n');
    const trace2 = traceFromMessages(parseFixture(`${self}\n\n`));
    const t2 = Tier1Analysis.attach(trace2);
    compare(trace2, t2, 'copies-self');
    expect(t2.retransmissions().map((r) => r.id)).toEqual([3]);
  });
});
