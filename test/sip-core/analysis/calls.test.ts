/**
 * Call states, forks, B2BUA leg correlation and incremental indexing, on the call fixtures.
 */
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { analyzeTrace } from '../../../src/sip-core/analysis';
import { Trace } from '../../../src/sip-core/trace/trace';
import { loadFixture, parseFixture, traceFromMessages } from '../../fixtures/analysis/load';

const dir = path.resolve(import.meta.dirname, '../../fixtures/analysis/calls');
const load = (name: string) => analyzeTrace(loadFixture(path.join(dir, `${name}.sip`)));

describe('call states', () => {
  const a = load('states');
  const byCid = new Map(a.calls().map((c) => [c.callIds[0], c]));
  it.each([
    ['st-completed', 'completed', 200],
    ['st-incall', 'in-call', 200],
    ['st-busy', 'busy', 486],
    ['st-rejected', 'rejected', 603],
    ['st-failed', 'failed', 503],
    ['st-redirected', 'redirected', 302],
    ['st-cancelled', 'cancelled', 487],
    ['st-ringing', 'ringing', null],
    ['st-setup', 'setup', null],
  ])('%s is %s (final %s)', (cid, state, final) => {
    const c = byCid.get(cid)!;
    expect(c.state).toBe(state);
    expect(c.finalStatus).toBe(final);
  });
  it('computes PDD, setup time and duration of the completed call', () => {
    const c = byCid.get('st-completed')!;
    expect(c.pdd).toBeCloseTo(0.05, 6);
    expect(c.setupTime).toBeCloseTo(2, 6);
    expect(c.duration).toBeCloseTo(3.01, 6);
    expect(c.fromUser).toBe('alice');
    expect(c.toUser).toBe('bob');
    expect(c.codecs).toEqual({ offer: ['PCMU', 'PCMA'], answer: ['PCMU'] });
    expect(c.media).toEqual(['198.51.100.10:6000', '198.51.100.30:7000']);
  });
  it('marks the duration of a call answered and never hung up within the capture as open', () => {
    // st-incall: 200 at 12 s, ACK, then nothing of it until the capture ends (the ping at 60 s): its
    // duration runs to its last message (the ACK), a lower bound; the completed call's is closed.
    const c = byCid.get('st-incall')!;
    expect([c.state, c.durationOpen]).toEqual(['in-call', true]);
    expect(c.duration).toBeCloseTo(0.01, 6);
    expect(byCid.get('st-completed')!.durationOpen).toBe(false);
    expect(byCid.get('st-ringing')!.durationOpen).toBe(false);
  });
  it('the ping is an options session, not a call', () => {
    expect(byCid.get('ping-9@198.51.100.10')!.type).toBe('options');
  });
});

describe('responses at the Via port (RFC 3261 §18.2.2)', () => {
  it('a caller sending from another port than its Via gets its 180 and 403 there: rejected, PDD 50 ms', () => {
    const a = load('via-port');
    const [c] = a.calls();
    expect(c).toMatchObject({ state: 'rejected', finalStatus: 403 });
    expect(c!.pdd).toBeCloseTo(0.05, 6);
  });
});

describe('a request without a Call-ID', () => {
  it('is a group of its own (the REGISTER of no-call-id.sip), the message in it', () => {
    const a = load('no-call-id');
    expect(a.calls().map((c) => [c.id, c.type, c.messages])).toEqual([
      ['C1', 'registration', 1],
      ['C2', 'options', 2],
    ]);
    expect(a.messageFields(0)).toMatchObject({ call: 'C1', transaction: 'T1' });
  });
});

describe('B2BUA leg correlation (zero setup)', () => {
  it.each([
    ['b2bua-x-cid', 'x-cid', 0.95],
    ['b2bua-xcall-id', 'x-cid', 0.95],
    ['b2bua-icid', 'icid', 0.9],
    ['b2bua-suffix', 'call-id-suffix', 0.8],
    ['b2bua-media', 'sdp-media', 0.6],
    ['b2bua-diversion', 'diversion', 0.5],
    ['b2bua-history-info', 'history-info', 0.5],
    ['b2bua-hep', 'hep-correlation-id', 0.85],
  ])('%s joins the legs by %s', (name, reason, confidence) => {
    const a = load(name);
    const calls = a.calls();
    expect(calls).toHaveLength(1);
    const c = calls[0]!;
    expect(c.callIds).toHaveLength(2);
    expect(c.links.map((l) => l.reason)).toContain(reason);
    expect(c.links.find((l) => l.reason === reason)!.confidence).toBe(confidence);
    expect(c.state).toBe('in-call');
    // Every message of both legs belongs to the one call.
    for (let i = 0; i < a.trace.count; i++) expect(a.messageFields(i).call).toBe('C1');
    expect(a.callMessageIds(a.resolveCall(c.callIds[1]!))).toHaveLength(a.trace.count);
  });
  it('does not join two unrelated overlapping calls', () => {
    const calls = load('b2bua-none').calls();
    expect(calls).toHaveLength(2);
    expect(calls.every((c) => c.links.length === 0)).toBe(true);
  });
  it('join() links two calls by hand', () => {
    const a = load('b2bua-none');
    const [c1, c2] = a.calls();
    expect(a.join(c1!.callIds[0]!, c2!.callIds[0]!)).toBe(true);
    expect(a.calls()).toHaveLength(1);
    expect(a.calls()[0]!.links[0]!.reason).toBe('manual');
  });
});

describe('forking proxy', () => {
  const a = load('fork');
  it('creates one early dialog per To tag; the answered one is confirmed, the cancelled one terminated', () => {
    const d = a.dialogs();
    expect(d.map((x) => [x.calleeTag, x.state])).toEqual([
      ['t-b1', 'confirmed'],
      ['t-b2', 'terminated'],
    ]);
    expect(d[1]!.states.map((s) => s.state)).toEqual(['early', 'terminated']);
  });
  it('one call, answered, with the CANCEL and 487 of the losing branch in it', () => {
    const [c] = a.calls();
    expect(c!.state).toBe('in-call');
    expect(c!.finalStatus).toBe(200);
    expect(a.diagnostics()).toEqual([]);
  });
});

describe('transactions and retransmissions', () => {
  it('flags Timer A retransmissions with doubling intervals', () => {
    const a = analyzeTrace(loadFixture(path.resolve(dir, '../rules/clean-retrans.sip')));
    const re: number[] = [];
    for (let i = 0; i < a.trace.count; i++) {
      const r = a.retransmission(i);
      if (r) re.push(r.intervalUs / 1e6);
    }
    expect(re).toEqual([0.5, 1]);
    const t1 = a.transactions()[0]!;
    expect(t1.retransmissions).toBe(2);
    expect(t1.requests).toBe(3);
  });
  it('matches RFC 2543 transactions (no magic cookie) by Call-ID, CSeq, From tag and Via', () => {
    const text = readFileSync(path.resolve(dir, '../rules/clean-call.sip'), 'utf8').replace(
      /branch=z9hG4bK-/g,
      'branch=old-',
    );
    const a = analyzeTrace(traceFromMessages(parseFixture(text)));
    const t = a.transactions();
    expect(t[0]!.rfc2543).toBe(true);
    expect(t.map((x) => x.method)).toEqual(['INVITE', 'ACK', 'BYE', 'OPTIONS']);
    expect(a.diagnostics()).toEqual([]);
  });
});

describe('incremental indexing', () => {
  it('gives the same result when messages arrive one by one after attach as when analyzed at once', () => {
    for (const f of ['states', 'fork', 'b2bua-x-cid']) {
      const msgs = parseFixture(readFileSync(path.join(dir, `${f}.sip`), 'utf8'));
      const batch = analyzeTrace(traceFromMessages(msgs));
      const live = new Trace(null, []);
      const a = analyzeTrace(live);
      const seen: number[] = [];
      for (const m of msgs) {
        traceFromMessages([m], live);
        seen.push(a.calls().length);
      }
      expect(JSON.stringify(a.calls())).toBe(JSON.stringify(batch.calls()));
      expect(JSON.stringify(a.transactions())).toBe(JSON.stringify(batch.transactions()));
      expect(a.summary()).toEqual(batch.summary());
      expect(seen[0]).toBe(1);
    }
  });
});
