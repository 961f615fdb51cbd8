/**
 * The tiered analysis (analysis/tiered.ts): tier 1 follows the trace, tier 2 (the full analyzer) runs
 * in chunks with an injected yield and then follows appends. The trace JSON after both tiers must be
 * byte-identical to a one-pass analysis, also when messages arrive while tier 2 runs; one call can be
 * analysed in full on demand before tier 2 ends.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeTrace, ladderModel } from '../../../src/sip-core/analysis';
import { TieredAnalysis } from '../../../src/sip-core/analysis/tiered';
import { Tier1Analysis } from '../../../src/sip-core/analysis/tier1';
import { Trace } from '../../../src/sip-core/trace/trace';
import { toTraceJson } from '../../../src/sip-core/trace/trace-json';
import { ingestBytes } from '../../../src/sip-core/trace/trace-builder';
import { ingestCaptureFile } from '../../../src/sip-core/trace/ingest-file.node.js';
import { manyRegionsCapture } from '../../helpers/fill-ahead';
import { parseFixture, traceFromMessages } from '../../fixtures/analysis/load';

const repo = path.resolve(import.meta.dirname, '../../..');
const pub = path.resolve(repo, '../shared/captures/public');
const fixtures = path.join(repo, 'test/fixtures/analysis');
const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

function captures(): string[] {
  const out = [
    path.join(repo, 'resources/samples/sample-call.pcap'),
    path.join(fixtures, 'sipp/timer-a.pcap'),
  ];
  if (existsSync(pub))
    for (const f of readdirSync(pub).sort()) if (/\.(pcap|pcapng|cap)$/.test(f)) out.push(path.join(pub, f));
  return out;
}

const json = (t: Trace): string => JSON.stringify(toTraceJson(t));

describe('tiered analysis', () => {
  it('gives the trace JSON of a one-pass analysis after both tiers, on every capture', async () => {
    let n = 0;
    for (const f of captures()) {
      const bytes = new Uint8Array(readFileSync(f));
      const one = ingestBytes(bytes, path.basename(f), { parse: false }).trace;
      analyzeTrace(one);
      const two = ingestBytes(bytes, path.basename(f), { parse: false }).trace;
      const tiered = TieredAnalysis.attach(two);
      expect(tiered.tier1.count).toBe(two.count);
      const seen: number[] = [];
      const a = await tiered.runTier2({ yield: turn, chunk: 5, onProgress: (done) => seen.push(done) });
      expect(tiered.complete).toBe(true);
      expect(tiered.progress).toBe(1);
      expect(two.analysis).toBe(a);
      expect(seen).toEqual([...seen].sort((x, y) => x - y));
      expect(json(two), path.basename(f)).toBe(json(one));
      n += two.count;
    }
    expect(n).toBeGreaterThan(100);
  });

  it('takes over a tier 1 that indexed the trace part by part while it was read', async () => {
    for (const name of ['calls/states.sip', 'calls/proxied.sip', 'rules/retransmission-storm.sip']) {
      const msgs = parseFixture(readFileSync(path.join(fixtures, name), 'utf8'));
      const one = traceFromMessages(msgs);
      analyzeTrace(one);
      const two = traceFromMessages(msgs.slice(0, 2));
      const early = new Tier1Analysis(two);
      early.catchUp(); // (a part handed over, indexed before the next one)
      expect(early.tx.n, name).toBeGreaterThan(0);
      traceFromMessages(msgs.slice(2, -1), two);
      const tiered = TieredAnalysis.attach(two, early);
      expect(tiered.tier1).toBe(early);
      expect(early.tx.n, name).toBe(Tier1Analysis.attach(traceFromMessages(msgs.slice(0, -1))).tx.n);
      traceFromMessages(msgs.slice(-1), two); // followed from the handover on
      expect(early.count, name).toBe(msgs.length);
      tiered.runTier2Now();
      expect(json(two), name).toBe(json(one));
      expect(() => TieredAnalysis.attach(one, early)).toThrow(/another trace/);
    }
  });

  it('indexes part by part the same whatever the expected message count it is given', () => {
    // (the app's open passes the count the whole file will hold, estimated from the octets read:
    // tables sized once, hash tables made for it; an estimate too high or too low changes nothing)
    for (const name of ['calls/states.sip', 'calls/proxied.sip', 'rules/retransmission-storm.sip']) {
      const msgs = parseFixture(readFileSync(path.join(fixtures, name), 'utf8'));
      const one = traceFromMessages(msgs);
      analyzeTrace(one);
      for (const expected of [0, 1, msgs.length, 100_000]) {
        const two = traceFromMessages(msgs.slice(0, 2));
        const early = new Tier1Analysis(two);
        early.catchUp(expected);
        for (let i = 2; i < msgs.length; i += 3) {
          traceFromMessages(msgs.slice(i, i + 3), two);
          early.catchUp(expected);
        }
        expect(early.count, name).toBe(msgs.length);
        TieredAnalysis.attach(two, early).runTier2Now();
        expect(json(two), `${name}, expected ${expected}`).toBe(json(one));
      }
    }
  });

  it('runs tier 2 behind tier 1 while the trace is read (step), the same wherever it stops', async () => {
    // Every fixture: parts of 1-9 messages appended as a read hands them over, tier 1 indexing each,
    // tier 2 stepping 0-12 messages between parts (as far as the read's idle turns let it), then the
    // read's end (tier 1 follows) and tier 2 run to the end: the trace JSON of a one-pass analysis.
    let seed = 7;
    const rnd = (n: number): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) >>> 8) % n;
    let named = 0;
    let stepped = 0;
    for (const dir of ['calls', 'rules']) {
      for (const f of readdirSync(path.join(fixtures, dir)).sort()) {
        if (!f.endsWith('.sip')) continue;
        const name = `${dir}/${f}`;
        const msgs = parseFixture(readFileSync(path.join(fixtures, name), 'utf8'));
        if (msgs.length < 2) continue;
        const one = traceFromMessages(msgs);
        analyzeTrace(one);
        for (const run of [0, 1]) {
          const two = traceFromMessages(msgs.slice(0, 1));
          const t1 = new Tier1Analysis(two);
          t1.catchUp();
          const tiered = TieredAnalysis.whileReading(two, t1);
          for (let i = 1; i < msgs.length;) {
            const k = 1 + rnd(9);
            traceFromMessages(msgs.slice(i, i + k), two);
            i += k;
            t1.catchUp();
            // (run 0: tier 2 all the way behind tier 1 each time; run 1: a random way)
            const more = run === 0 ? tiered.step(Infinity) : tiered.step(rnd(13));
            if (run === 0) expect(more, name).toBe(false);
            expect(tiered.complete, name).toBe(false);
            expect(two.analysis, name).toBeNull();
          }
          stepped += tiered.progress > 0 ? 1 : 0;
          tiered.readEnded();
          if (run === 0) tiered.runTier2Now();
          else await tiered.runTier2({ yield: turn, chunk: 2 });
          expect(tiered.complete, name).toBe(true);
          expect(json(two), `${name}, run ${run}`).toBe(json(one));
        }
        named++;
      }
    }
    expect(named).toBeGreaterThan(40);
    expect(stepped).toBeGreaterThan(named);
  });

  it('drops what step did when the messages cannot be read back (the trace closed during the read)', async () => {
    // (a capture of many read-back windows: the file is read again past the first one)
    const r = await ingestCaptureFile(manyRegionsCapture(), { parse: false });
    const t1 = new Tier1Analysis(r.trace);
    t1.catchUp();
    const tiered = TieredAnalysis.whileReading(r.trace, t1);
    expect(tiered.step(10)).toBe(true);
    expect(tiered.progress).toBeGreaterThan(0);
    r.file.close();
    expect(() => tiered.step(Infinity)).toThrow();
    expect(tiered.progress).toBe(0);
    expect(tiered.complete).toBe(false);
  });

  it('follows messages appended while tier 2 runs and after it ended', async () => {
    for (const name of ['calls/states.sip', 'calls/proxied.sip', 'rules/retransmission-storm.sip']) {
      const msgs = parseFixture(readFileSync(path.join(fixtures, name), 'utf8'));
      const one = traceFromMessages(msgs);
      analyzeTrace(one);
      const half = Math.floor(msgs.length / 2);
      const two = traceFromMessages(msgs.slice(0, half));
      const tiered = TieredAnalysis.attach(two);
      let next = half;
      // every yield appends one message (a live trace growing while tier 2 catches up)
      const grow = async (): Promise<void> => {
        if (next < msgs.length - 2) traceFromMessages([msgs[next++]!], two);
        await turn();
      };
      await tiered.runTier2({ yield: grow, chunk: 1 });
      traceFromMessages(msgs.slice(next), two);
      expect(tiered.tier1.count, name).toBe(msgs.length);
      expect(json(two), name).toBe(json(one));
    }
  });

  it('runs at once (runTier2Now) with the same result, and stops when aborted', async () => {
    const bytes = new Uint8Array(readFileSync(path.join(repo, 'resources/samples/sample-call.pcap')));
    const one = ingestBytes(bytes, 's', { parse: false }).trace;
    analyzeTrace(one);
    const two = ingestBytes(bytes, 's', { parse: false }).trace;
    TieredAnalysis.attach(two).runTier2Now();
    expect(json(two)).toBe(json(one));
    const three = ingestBytes(bytes, 's', { parse: false }).trace;
    const t = TieredAnalysis.attach(three);
    const signal = { aborted: false };
    const p = t.runTier2({ yield: turn, chunk: 3, signal, onProgress: () => (signal.aborted = true) });
    await expect(p).rejects.toThrow(/aborted/);
    expect(t.complete).toBe(false);
    expect(t.progress).toBeGreaterThan(0);
    expect(t.progress).toBeLessThan(1);
  });

  it('analyses one call in full on demand before tier 2 ends (its ladder as the full analysis draws it)', () => {
    const bytes = new Uint8Array(readFileSync(path.join(repo, 'resources/samples/sample-call.pcap')));
    const one = ingestBytes(bytes, 's', { parse: false }).trace;
    const full = analyzeTrace(one);
    const two = ingestBytes(bytes, 's', { parse: false }).trace;
    const t = TieredAnalysis.attach(two);
    expect(t.tier2).toBeNull();
    for (const c of t.tier1.calls()) {
      const got = t.callAnalyzer(c.id)!;
      expect(got).not.toBeNull();
      const mine = ladderModel(got.analyzer, got.call)!;
      const theirs = ladderModel(full, c.id)!;
      expect(
        mine.arrows.map((a) => [a.id, a.from, a.to, a.label]),
        c.id,
      ).toEqual(theirs.arrows.map((a) => [a.id, a.from, a.to, a.label]));
      expect(t.callAnalyzer(c.callId)!.analyzer).toBe(got.analyzer);
    }
    expect(t.callAnalyzer('C999')).toBeNull();
  });
});
