/**
 * Tier 2 takes tier 1's transactions and dialogs (analyzer.ts `TransactionSource`): the full analyzer
 * given tier 1 must give the trace JSON of the analyzer that matches every key itself, on every
 * fixture and capture, and actually use tier 1's answers; a tier 1 that disagrees (a source that lies
 * from some message on) makes it match the keys itself from there, with the same result.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TraceAnalyzer, type TransactionSource } from '../../../src/sip-core/analysis/analyzer';
import { Tier1Analysis } from '../../../src/sip-core/analysis/tier1';
import type { Trace } from '../../../src/sip-core/trace/trace';
import { toTraceJson } from '../../../src/sip-core/trace/trace-json';
import { ingestBytes } from '../../../src/sip-core/trace/trace-builder';
import { parseFixture, traceFromMessages } from '../../fixtures/analysis/load';

const repo = path.resolve(import.meta.dirname, '../../..');
const pub = path.resolve(repo, '../shared/captures/public');
const fixtures = path.join(repo, 'test/fixtures/analysis');

/** Every analysis fixture and capture, as traces made fresh on each call. */
function traces(): { name: string; make: () => Trace }[] {
  const out: { name: string; make: () => Trace }[] = [];
  for (const dir of ['calls', 'rules'])
    for (const f of readdirSync(path.join(fixtures, dir)).sort())
      if (f.endsWith('.sip')) {
        const msgs = parseFixture(readFileSync(path.join(fixtures, dir, f), 'utf8'));
        out.push({ name: `${dir}/${f}`, make: () => traceFromMessages(msgs) });
      }
  const caps = [
    path.join(repo, 'resources/samples/sample-call.pcap'),
    path.join(fixtures, 'sipp/timer-a.pcap'),
  ];
  if (existsSync(pub))
    for (const f of readdirSync(pub).sort()) if (/\.(pcap|pcapng|cap)$/.test(f)) caps.push(path.join(pub, f));
  for (const f of caps) {
    const bytes = new Uint8Array(readFileSync(f));
    out.push({
      name: path.basename(f),
      make: () => ingestBytes(bytes, path.basename(f), { parse: false }).trace,
    });
  }
  return out;
}

const json = (t: Trace): string => JSON.stringify(toTraceJson(t));

/**
 * Tier 1's answers, counted; from message `lieFrom` on, -1 (no transaction): a disagreement.
 * `retrans`: which messages it calls retransmissions (default tier 1's; `all`: every message, so
 * every message's bytes are read deferred and scanned only when a rule asks).
 */
function source(
  t1: Tier1Analysis,
  lieFrom = Infinity,
  retrans: 'tier1' | 'all' | 'none' = 'tier1',
): TransactionSource & { asked: number; deferred: number } {
  return {
    asked: 0,
    deferred: 0,
    tx: t1.tx,
    dialogOfTags: (id: number): number => t1.dialogOfTags(id),
    isRetransmission(id: number): boolean {
      const r = retrans === 'all' || (retrans === 'tier1' && t1.isRetransmission(id));
      if (r) this.deferred++;
      return r;
    },
    transactionOf(id: number): number {
      this.asked++;
      return id >= lieFrom ? -1 : t1.transactionOf(id);
    },
  };
}

function analyse(t: Trace, tier1: TransactionSource | null): string {
  const a = new TraceAnalyzer(t, tier1);
  t.eachRaw(0, t.count, (id, buf, s, e) => a.onBytes(id, buf, s, e));
  t.analysis = a;
  return json(t);
}

describe("tier 2 with tier 1's transactions", () => {
  it('gives the trace JSON of the analyzer that matches the keys itself, asking tier 1 for every message', () => {
    let messages = 0;
    for (const { name, make } of traces()) {
      const own = analyse(make(), null);
      const t = make();
      const src = source(Tier1Analysis.attach(t));
      expect(analyse(t, src), name).toBe(own);
      // One answer per request and response indexed (a CANCEL's INVITE is read from tx.peer), so
      // tier 1 was used throughout: the analyzer never left it.
      let indexed = 0;
      for (let id = 0; id < t.count; id++) if (t.kind(id) !== 'invalid') indexed++;
      expect(src.asked, name).toBe(indexed);
      messages += t.count;
    }
    expect(messages).toBeGreaterThan(500);
  });

  it('reads the bytes of the messages tier 1 calls retransmissions only when a rule asks: same result, whichever messages it names', () => {
    let deferred = 0;
    for (const { name, make } of traces()) {
      const own = analyse(make(), null);
      for (const retrans of ['tier1', 'all', 'none'] as const) {
        const t = make();
        const src = source(Tier1Analysis.attach(t), Infinity, retrans);
        expect(analyse(t, src), `${name} ${retrans}`).toBe(own);
        if (retrans === 'tier1') deferred += src.deferred;
      }
    }
    // (the public captures and fixtures hold retransmissions)
    expect(deferred).toBeGreaterThan(10);
  });

  it("reads tier 1's state sequences only as far as it indexed: stopped part way, the transactions and their timer rules of the analyzer that saw only that part", () => {
    let compared = 0;
    for (const { name, make } of traces()) {
      const t0 = make();
      if (t0.count < 4) continue;
      for (const upTo of [1, t0.count >> 1, t0.count - 1]) {
        const own = new TraceAnalyzer(t0);
        t0.eachRaw(0, upTo, (id, buf, s, e) => own.onBytes(id, buf, s, e));
        const t = make();
        // (tier 1 indexed the whole trace: its states past `upTo` must not count yet)
        const a = new TraceAnalyzer(t, source(Tier1Analysis.attach(t)));
        t.eachRaw(0, upTo, (id, buf, s, e) => a.onBytes(id, buf, s, e));
        expect(a.tx.n, `${name} to ${upTo}`).toBe(own.tx.n);
        for (let x = 0; x < own.tx.n; x++) {
          expect(a.transactionJson(x), `${name} to ${upTo} T${x + 1}`).toEqual(own.transactionJson(x));
          compared++;
        }
        expect(a.diagnostics(), `${name} to ${upTo}`).toEqual(own.diagnostics());
      }
    }
    expect(compared).toBeGreaterThan(500);
  });

  it('matches the keys itself from a disagreement on, with the same result', () => {
    let left = 0;
    for (const { name, make } of traces()) {
      const t0 = make();
      if (t0.count < 4) continue;
      const own = analyse(t0, null);
      for (const lieFrom of [0, t0.count >> 1, t0.count - 1]) {
        const t = make();
        const src = source(Tier1Analysis.attach(t), lieFrom);
        expect(analyse(t, src), `${name} from ${lieFrom}`).toBe(own);
        // Asked until the first lie, then never again.
        let indexed = 0;
        for (let id = 0; id < t.count && id <= lieFrom; id++) if (t.kind(id) !== 'invalid') indexed++;
        expect(src.asked, `${name} from ${lieFrom}`).toBeLessThanOrEqual(indexed);
        left++;
      }
    }
    expect(left).toBeGreaterThan(30);
  });
});
