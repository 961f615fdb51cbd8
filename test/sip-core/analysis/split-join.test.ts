/**
 * The user's split and join of calls (issue #5: "the user can split or join in the UI"): the
 * analyzer's `split` undoes a link between two legs for good, `join` links two calls by hand.
 */
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { analyzeTrace } from '../../../src/sip-core/analysis';
import { Trace } from '../../../src/sip-core/trace/trace';
import { parseFixture, traceFromMessages, type FixtureMessage } from '../../fixtures/analysis/load';

const dir = path.resolve(import.meta.dirname, '../../fixtures/analysis/calls');
const messagesOf = (name: string): FixtureMessage[] =>
  parseFixture(readFileSync(path.join(dir, `${name}.sip`), 'utf8'));
const A = 'leg-a-7f3c9d21@198.51.100.10';
const B = 'leg-b-1@198.51.100.40';

/** The fixture's B-leg again as a third leg `leg-c-1`, 10 s later, naming the A-leg in X-CID too. */
function thirdLeg(): FixtureMessage[] {
  return messagesOf('b2bua-x-cid')
    .filter((m) => m.text.includes(B))
    .map((m) => ({
      ...m,
      time: m.time + 10,
      text: m.text.replaceAll(B, 'leg-c-1@198.51.100.40').replaceAll('z9hG4bK', 'z9hG4bKc'),
    }));
}

describe('split', () => {
  it('makes the legs of a B2BUA call two calls again, with their messages, states and counts', () => {
    const a = analyzeTrace(traceFromMessages(messagesOf('b2bua-x-cid')));
    const [joined] = a.calls();
    expect(joined!.callIds).toEqual([A, B]);
    expect(a.split(B, A)).toBe(true);
    const calls = a.calls();
    expect(calls.map((c) => [c.id, c.callIds, c.links.length])).toEqual([
      ['C1', [A], 0],
      ['C2', [B], 0],
    ]);
    expect(calls[0]!.messages + calls[1]!.messages).toBe(joined!.messages);
    // The same calls as an analysis that never linked them (split before the B-leg came).
    const fresh = analyzeTrace(new Trace(null, []));
    fresh.split(A, B);
    traceFromMessages(messagesOf('b2bua-x-cid'), fresh.trace);
    expect(JSON.stringify(calls)).toBe(JSON.stringify(fresh.calls()));
    expect(JSON.stringify(a.diagnostics())).toBe(JSON.stringify(fresh.diagnostics()));
    expect(a.totals().calls).toBe(2);
    const bIds = a.callMessageIds(a.resolveCall(B));
    expect(bIds.length).toBe(calls[1]!.messages);
    for (const id of bIds) expect(a.messageFields(id).call).toBe('C2');
    expect(a.split(A, B)).toBe(false); // nothing left to split
  });

  it('keeps the legs together when another link still holds them', () => {
    const t = traceFromMessages([...messagesOf('b2bua-x-cid'), ...thirdLeg()]);
    const a = analyzeTrace(t);
    expect(a.calls().map((c) => c.callIds.length)).toEqual([3]);
    expect(a.split(A, B)).toBe(true);
    // B has no link left: it goes; A and C stay one call (C's X-CID names A).
    expect(a.calls().map((c) => c.callIds)).toEqual([[A, 'leg-c-1@198.51.100.40'], [B]]);
    expect(a.calls()[0]!.links.map((l) => [l.a, l.b, l.reason])).toEqual([
      [A, 'leg-c-1@198.51.100.40', 'x-cid'],
    ]);
  });

  it('is kept as the trace grows: a split pair is never linked again, other legs still are', () => {
    const msgs = messagesOf('b2bua-x-cid');
    const live = new Trace(null, []);
    const a = analyzeTrace(live);
    // Split before the B-leg arrives (a remembered split, or the CLI's --split): never linked.
    expect(a.split(A, B)).toBe(false);
    for (const m of msgs) traceFromMessages([m], live);
    expect(a.calls().map((c) => c.callIds)).toEqual([[A], [B]]);
    // A new leg naming A in X-CID is still joined to A.
    traceFromMessages(thirdLeg(), live);
    expect(a.calls().map((c) => c.callIds)).toEqual([[A, 'leg-c-1@198.51.100.40'], [B]]);
  });

  it('is undone by a join of the same pair', () => {
    const a = analyzeTrace(traceFromMessages(messagesOf('b2bua-x-cid')));
    a.split(A, B);
    expect(a.join(A, B)).toBe(true);
    const [c] = a.calls();
    expect(c!.callIds).toEqual([A, B]);
    expect(c!.links.map((l) => [l.reason, l.confidence, l.detail])).toEqual([
      ['manual', 1, 'joined by the user'],
    ]);
    expect(a.join(B, A)).toBe(false); // one call already
  });
});

describe('join', () => {
  it('joins two calls into one whose messages, counts and state summary change at once', () => {
    const a = analyzeTrace(traceFromMessages(messagesOf('b2bua-none')));
    const before = a.calls();
    expect(before).toHaveLength(2);
    expect(a.join(before[1]!.callIds[0]!, before[0]!.callIds[0]!)).toBe(true);
    const [c] = a.calls();
    expect(c!.id).toBe('C1');
    expect(c!.callIds).toEqual([before[0]!.callIds[0], before[1]!.callIds[0]]);
    expect(c!.messages).toBe(before[0]!.messages + before[1]!.messages);
    expect(c!.links[0]).toMatchObject({
      a: before[0]!.callIds[0],
      b: before[1]!.callIds[0],
      reason: 'manual',
    });
    expect(a.callMessageIds(a.resolveCall('C2'))).toHaveLength(a.trace.count);
    expect(a.join('no-such-call', before[0]!.callIds[0]!)).toBe(false);
  });
});

describe('unedit (the user takes an edit back)', () => {
  const auto = (a: ReturnType<typeof analyzeTrace>): string => JSON.stringify(a.calls());

  it('gives a split pair its links back: the calls as the analysis made them', () => {
    const a = analyzeTrace(traceFromMessages(messagesOf('b2bua-x-cid')));
    const before = auto(a);
    a.split(A, B);
    expect(a.unedit(B, A)).toBe(true);
    expect(auto(a)).toBe(before);
    expect(a.unedit(A, B)).toBe(false); // nothing left to take back
  });

  it('takes a join back (its manual link goes), also a join made after a split of the pair', () => {
    const none = analyzeTrace(traceFromMessages(messagesOf('b2bua-none')));
    const [c1, c2] = none.calls();
    const before = auto(none);
    none.join(c1!.callIds[0]!, c2!.callIds[0]!);
    expect(none.unedit(c1!.callIds[0]!, c2!.callIds[0]!)).toBe(true);
    expect(auto(none)).toBe(before);

    const a = analyzeTrace(traceFromMessages(messagesOf('b2bua-x-cid')));
    const linked = auto(a);
    a.split(A, B);
    a.join(A, B); // the x-cid link is gone, a manual one holds the legs
    expect(a.unedit(A, B)).toBe(true);
    expect(auto(a)).toBe(linked);
    expect(a.calls()[0]!.links.map((l) => l.reason)).toEqual(['x-cid']);
  });

  it('lets a pair split before its leg came be linked after all (a live trace)', () => {
    const live = new Trace(null, []);
    const a = analyzeTrace(live);
    a.split(A, B);
    traceFromMessages(messagesOf('b2bua-x-cid'), live);
    expect(a.calls().map((c) => c.callIds)).toEqual([[A], [B]]);
    expect(a.unedit(A, B)).toBe(true);
    expect(a.calls().map((c) => c.callIds)).toEqual([[A, B]]);
    expect(a.calls()[0]!.links.map((l) => l.reason)).toEqual(['x-cid']);
  });

  it('keeps the other legs: taking back a split of A-B leaves A-C as it was', () => {
    const t = traceFromMessages([...messagesOf('b2bua-x-cid'), ...thirdLeg()]);
    const a = analyzeTrace(t);
    const before = auto(a);
    a.split(A, B);
    a.split(A, 'leg-c-1@198.51.100.40');
    expect(a.calls()).toHaveLength(3);
    expect(a.unedit(A, B)).toBe(true);
    expect(a.calls().map((c) => c.callIds)).toEqual([[A, B], ['leg-c-1@198.51.100.40']]);
    expect(a.unedit('leg-c-1@198.51.100.40', A)).toBe(true);
    expect(auto(a)).toBe(before);
  });
});
