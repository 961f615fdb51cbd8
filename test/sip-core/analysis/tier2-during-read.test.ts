/**
 * Tier 2 during the read (TieredAnalysis.during + runTier2's `wait`): the app's open hands a capture
 * over in parts; tier 1 is caught up after each part by the reader, and tier 2 runs right behind it,
 * waiting for the next part when it has caught up, completing only once the read ended. The trace JSON
 * must be byte-identical to a one-pass analysis whatever the parts and chunks.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeTrace } from '../../../src/sip-core/analysis';
import { TieredAnalysis } from '../../../src/sip-core/analysis/tiered';
import { Tier1Analysis } from '../../../src/sip-core/analysis/tier1';
import type { Trace } from '../../../src/sip-core/trace/trace';
import { toTraceJson } from '../../../src/sip-core/trace/trace-json';
import { parseFixture, traceFromMessages } from '../../fixtures/analysis/load';

const repo = path.resolve(import.meta.dirname, '../../..');
const fixtures = path.join(repo, 'test/fixtures/analysis');
const turn = (): Promise<void> => new Promise((r) => setImmediate(r));
const json = (t: Trace): string => JSON.stringify(toTraceJson(t));
const NAMES = [
  'calls/states.sip',
  'calls/proxied.sip',
  'rules/retransmission-storm.sip',
  'calls/b2bua-media.sip',
  'calls/fork.sip',
];

/** Reads `msgs` into a trace in parts of `part` messages, a few event-loop turns apart. */
async function readInParts(
  name: string,
  part: number,
  chunk: number,
): Promise<{ trace: Trace; tiered: TieredAnalysis; waits: number; onRows: number[] }> {
  const msgs = parseFixture(readFileSync(path.join(fixtures, name), 'utf8'));
  const trace = traceFromMessages(msgs.slice(0, part));
  const early = new Tier1Analysis(trace);
  early.catchUp();
  const tiered = TieredAnalysis.during(trace, early);
  let readDone = false;
  let wake: (() => void) | null = null;
  let waits = 0;
  const onRows: number[] = [];
  const run = tiered.runTier2({
    yield: turn,
    chunk,
    onProgress: (done) => {
      // never ahead of what the reader handed over and tier 1 indexed
      expect(done).toBeLessThanOrEqual(trace.count);
    },
    wait: () => {
      if (readDone) return null;
      waits++;
      return new Promise<void>((r) => (wake = r));
    },
  });
  for (let i = part; i < msgs.length; i += part) {
    await turn();
    await turn();
    traceFromMessages(msgs.slice(i, i + part), trace);
    early.catchUp(); // (as the loader's onRows)
    onRows.push(trace.count);
    const w = wake as (() => void) | null;
    wake = null;
    w?.();
  }
  expect(tiered.complete, name).toBe(false); // (not before the read ended)
  readDone = true;
  (wake as (() => void) | null)?.();
  await run;
  tiered.follow();
  return { trace, tiered, waits, onRows };
}

describe('tier 2 during the read', () => {
  it('gives the one-pass trace JSON whatever the part and chunk sizes, waiting for parts when caught up', async () => {
    let waited = 0;
    for (const name of NAMES) {
      const msgs = parseFixture(readFileSync(path.join(fixtures, name), 'utf8'));
      const one = traceFromMessages(msgs);
      analyzeTrace(one);
      for (const [part, chunk] of [
        [1, 1],
        [2, 5],
        [3, 2],
        [5, 4096],
      ] as const) {
        const { trace, tiered, waits } = await readInParts(name, part, chunk);
        expect(tiered.complete).toBe(true);
        expect(trace.analysis).toBe(tiered.tier2);
        expect(json(trace), `${name} parts of ${part}, chunks of ${chunk}`).toBe(json(one));
        waited += waits;
      }
    }
    expect(waited).toBeGreaterThan(0); // it did catch up with the read and wait
  });

  it('follows appends once the read ended (tier 1 then tier 2), as after an attach', async () => {
    const name = 'calls/proxied.sip';
    const msgs = parseFixture(readFileSync(path.join(fixtures, name), 'utf8'));
    const one = traceFromMessages(msgs);
    analyzeTrace(one);
    const last = msgs.length - 2;
    const trace = traceFromMessages(msgs.slice(0, 2));
    const early = new Tier1Analysis(trace);
    early.catchUp();
    const tiered = TieredAnalysis.during(trace, early);
    let readDone = false;
    const run = tiered.runTier2({ yield: turn, chunk: 3, wait: () => (readDone ? null : turn()) });
    traceFromMessages(msgs.slice(2, last), trace);
    early.catchUp();
    readDone = true;
    await run;
    tiered.follow();
    traceFromMessages(msgs.slice(last), trace); // a live trace growing after the read
    expect(early.count).toBe(msgs.length);
    expect(json(trace)).toBe(json(one));
  });

  it('stops when aborted while it waits for the next part', async () => {
    const msgs = parseFixture(readFileSync(path.join(fixtures, 'calls/states.sip'), 'utf8'));
    const trace = traceFromMessages(msgs.slice(0, 3));
    const early = new Tier1Analysis(trace);
    early.catchUp();
    const tiered = TieredAnalysis.during(trace, early);
    const signal = { aborted: false };
    let wake: (() => void) | null = null;
    const p = tiered.runTier2({ yield: turn, signal, wait: () => new Promise<void>((r) => (wake = r)) });
    await turn();
    expect(wake).not.toBeNull(); // caught up: waiting for the next part
    signal.aborted = true;
    (wake as unknown as () => void)();
    await expect(p).rejects.toThrow(/aborted/);
    expect(tiered.complete).toBe(false);
  });
});
