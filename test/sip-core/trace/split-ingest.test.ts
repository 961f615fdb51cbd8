/**
 * Two-part ingest (two workers): cut at a record boundary, the tail part decodes only stateless UDP
 * frames after the cut, the head part everything else; merged, they equal one pass — messages in
 * the same order with the same fields, frames, counters and diagnostics — on every classic pcap
 * fixture and public capture, cut at several places (TCP streams, fragments and WebSocket across the
 * cut included). A cut that is not a record boundary leaves the head alone (still the one-pass result).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isStatelessUdp } from '../../../src/sip-core/capture/pipeline';
import { findPcapSplit, splitFraction, statefulShare } from '../../../src/sip-core/capture/reader/split';
import {
  ingestCaptureFile,
  ingestSplitInThread,
  planSplit,
} from '../../../src/sip-core/trace/ingest-file.node.js';
import {
  mergeOrder,
  mergeTraceStates,
  mergeTraceStatesShared,
  tailSideColumns,
} from '../../../src/sip-core/trace/trace-merge';
import { FIXTURES, havePublic, PUBLIC_CAPTURES } from '../capture/tshark-compare';
import { traceView } from '../../helpers/trace-view';

const isPcap = (f: string): boolean => {
  const b = readFileSync(f).subarray(0, 4);
  const m = b.length === 4 ? b.readUInt32BE(0) : 0;
  return [0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1].includes(m);
};
const pcaps = (dir: string): string[] =>
  existsSync(dir)
    ? readdirSync(dir)
        .map((f) => `${dir}/${f}`)
        .filter((f) => /\.(pcap|cap)$/.test(f) && isPcap(f))
    : [];

async function check(file: string, cuts: number[]): Promise<number> {
  const one = await ingestCaptureFile(file, { parse: false });
  const want = traceView(one.trace, 'code');
  let merged = 0;
  const seen = new Set<number>();
  for (const near of cuts) {
    const at = planSplit(file, { minBytes: 0, near });
    if (at === null || seen.has(at)) continue;
    seen.add(at);
    // Merged after both parts, as the two workers do.
    const two = await ingestSplitInThread(file, at, { parse: false });
    if (two.merged) merged++;
    const got = traceView(two.trace, 'code');
    const what = `${file} cut at ${at}`;
    expect(got.messages, what).toEqual(want.messages);
    expect(got.frames, what).toEqual(want.frames);
    expect(got.source, what).toEqual(want.source);
    expect(got.fileDiagnostics, what).toEqual(want.fileDiagnostics);
    expect(got.counts, what).toEqual(want.counts);
    for (let id = 0; id < one.trace.count; id += 7)
      expect(two.trace.raw(id), what).toEqual(one.trace.raw(id));
    two.trace.close();
  }
  one.file.close();
  return merged;
}

const fractions = [0.13, 0.3, 0.5, 0.71, 0.9];

describe('split ingest = one pass', () => {
  it('on every classic pcap fixture, cut at five places', async () => {
    let merged = 0;
    for (const f of pcaps(FIXTURES)) {
      const size = readFileSync(f).length;
      merged += await check(
        f,
        fractions.map((x) => size * x),
      );
    }
    expect(merged).toBeGreaterThan(10);
  });

  it.skipIf(!havePublic)(
    'on every classic pcap public capture, cut at five places',
    async () => {
      let merged = 0;
      for (const f of pcaps(PUBLIC_CAPTURES)) {
        const size = readFileSync(f).length;
        merged += await check(
          f,
          fractions.map((x) => size * x),
        );
      }
      expect(merged).toBeGreaterThan(40);
    },
    120_000,
  );

  it('the merge shared by the two parts (tail-side columns merged by the tail) equals the head merging alone', async () => {
    let compared = 0;
    let interleaved = 0;
    for (const f of [...pcaps(FIXTURES), ...pcaps(PUBLIC_CAPTURES)]) {
      const size = readFileSync(f).length;
      for (const x of fractions) {
        const at = planSplit(f, { minBytes: 0, near: size * x });
        if (at === null) continue;
        const parts = async () => {
          const chunks: Uint8Array[] = [];
          const tail = await ingestCaptureFile(f, {
            parse: false,
            split: { role: 'tail', offset: at },
            handoff: { send: (c) => void (c && chunks.push(c.slice())) },
          });
          let next = 0;
          const head = await ingestCaptureFile(f, {
            parse: false,
            split: { role: 'head', offset: at },
            handoff: { receive: () => chunks[next++] ?? null },
          });
          tail.file.close();
          head.file.close();
          const hs = head.split!;
          if (!hs.atBoundary || tail.trace.count === 0) return null;
          const state = head.trace.exportState();
          const h = {
            state,
            emitted: hs.emitted,
            framesBeforeSplit: hs.framesBeforeSplit,
            stats: head.stats,
          };
          return { h, t: { state: tail.trace.exportState(), stats: tail.stats }, table: hs.addressTable };
        };
        const p1 = await parts();
        const p2 = await parts();
        if (!p1 || !p2) continue;
        expect(tailSideColumns(p1.t.state.columns).length).toBeGreaterThan(5);
        const o = mergeOrder(
          p1.h.emitted,
          p1.h.framesBeforeSplit,
          p1.h.state.count,
          p1.t.state.columns.frame as Uint32Array,
          p1.t.state.count,
        );
        // head messages after the first tail message (TCP after the cut): they go into the tail's regions
        if (o.k0 < p1.h.state.count) interleaved++;
        const alone = mergeTraceStates(p1.h, p1.t);
        const shared = mergeTraceStatesShared({ ...p2.h, addressTable: p2.table }, p2.t);
        // (the arena's chunks are MBs: compared as bytes)
        const used = (s: typeof alone) =>
          s.arena.chunks.map((c, k) =>
            Buffer.from(c.subarray(0, k === s.arena.chunks.length - 1 ? s.arena.used : c.length)),
          );
        expect(Buffer.concat(used(shared)).equals(Buffer.concat(used(alone))), `${f} cut at ${at}`).toBe(
          true,
        );
        expect({ ...shared, arena: null }, `${f} cut at ${at}`).toEqual({ ...alone, arena: null });
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(10);
    if (havePublic) expect(interleaved).toBeGreaterThan(3);
  }, 120_000);

  it('a head part with no tail to hand it frames reads the whole file: nothing to merge, one pass', async () => {
    const f = `${FIXTURES}/tcp-segmentation.pcap`;
    const at = planSplit(f, { minBytes: 0 })!;
    const head = await ingestCaptureFile(f, { parse: false, split: { role: 'head', offset: at } });
    expect(head.split?.atBoundary).toBe(false);
    const one = await ingestCaptureFile(f, { parse: false });
    expect(traceView(head.trace, 'code')).toEqual(traceView(one.trace, 'code'));
    one.file.close();
    head.file.close();
  });

  it('a cut that is not a record boundary: the head alone, equal to one pass', async () => {
    const f = `${FIXTURES}/tcp-segmentation.pcap`;
    const at = planSplit(f, { minBytes: 0 })!;
    const two = await ingestSplitInThread(f, at + 1, { parse: false });
    expect(two.merged).toBe(false);
    const one = await ingestCaptureFile(f, { parse: false });
    expect(traceView(two.trace, 'code').messages).toEqual(traceView(one.trace, 'code').messages);
    one.file.close();
    two.trace.close();
  });
});

describe('findPcapSplit', () => {
  it('finds the record boundary after a point, both byte orders, and refuses what is not pcap', () => {
    const rec = (le: boolean, sec: number, len: number): Buffer => {
      const b = Buffer.alloc(16 + len, 0x41);
      const w = (v: number, o: number): number => (le ? b.writeUInt32LE(v, o) : b.writeUInt32BE(v, o));
      w(sec, 0);
      w(1234, 4);
      w(len, 8);
      w(len, 12);
      return b;
    };
    for (const le of [true, false]) {
      const h = Buffer.alloc(24);
      if (le) h.writeUInt32LE(0xa1b2c3d4, 0);
      else h.writeUInt32BE(0xa1b2c3d4, 0);
      const recs = Array.from({ length: 40 }, (_, i) => rec(le, 1_700_000_000 + i, 60 + ((i * 37) % 200)));
      const file = Buffer.concat([h, ...recs]);
      const starts: number[] = [];
      let o = 24;
      for (const r of recs) {
        starts.push(o);
        o += r.length;
      }
      const near = starts[10]! + 5;
      const at = findPcapSplit(h, file.subarray(near), near, file.length);
      expect(at).toBe(starts[11]);
    }
    expect(findPcapSplit(new Uint8Array(24), new Uint8Array(100), 24, 124)).toBe(-1);
  });
});

describe('where to cut (balanced work)', () => {
  it('cuts later for UDP only, earlier as the head has more stateful frames to decode after the cut', () => {
    expect(splitFraction(0)).toBe(0.5);
    expect(splitFraction(0.05)).toBeCloseTo(0.36, 3);
    let prev = 1;
    for (let t = 0; t <= 1; t += 0.05) {
      const x = splitFraction(t);
      expect(x).toBeLessThanOrEqual(prev);
      expect(x).toBeGreaterThanOrEqual(0.2);
      prev = x;
    }
    expect(splitFraction(1)).toBe(0.2);
  });

  it('samples the share of frames that are not stateless UDP from whole records', () => {
    const f = readFileSync(`${FIXTURES}/tcp-segmentation.pcap`);
    const net = { etherType: 0, offset: 0, vlans: 0 };
    const udp = (b: Uint8Array, s: number, e: number): boolean => isStatelessUdp(1, b, s, e, net);
    expect(statefulShare(f.subarray(0, 24), f.subarray(24), udp)).toBe(1);
    expect(statefulShare(f.subarray(0, 24), f.subarray(24), () => true)).toBe(0);
    expect(statefulShare(f.subarray(0, 24), f.subarray(24, 30), udp)).toBeNull();
  });
});
