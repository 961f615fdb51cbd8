/**
 * The RTP stream tracker (media/rtp-streams.ts) on hand-made packets: sequence-number wrap, the
 * extended sequence number, duplicates and reordering, jitter with a known clock, dynamic payload
 * types, RTCP, and corrupt input (never a throw).
 */
import { describe, expect, it } from 'vitest';
import {
  jitterFor,
  MAX_SPANS,
  RtpTracker,
  type RtpStreamRecord,
} from '../../../src/sip-core/media/rtp-streams';

function rtp(
  seq: number,
  ts: number,
  o: { pt?: number; ssrc?: number; marker?: boolean; len?: number } = {},
) {
  const b = new Uint8Array(o.len ?? 12 + 160);
  b[0] = 0x80;
  b[1] = (o.marker ? 0x80 : 0) | (o.pt ?? 0);
  b[2] = (seq >> 8) & 0xff;
  b[3] = seq & 0xff;
  new DataView(b.buffer).setUint32(4, ts >>> 0);
  new DataView(b.buffer).setUint32(8, o.ssrc ?? 0x1234);
  return b;
}

/** Feeds packets [seq, ts, arrival ms] of one stream and returns its record. */
function run(packets: [number, number, number][], pt = 0): RtpStreamRecord {
  const t = new RtpTracker();
  packets.forEach(([seq, ts, ms], i) => {
    const b = rtp(seq, ts, { pt });
    expect(t.datagram(1, 4000, 2, 5000, b, 0, b.length, 1_000_000 + ms * 1000, i + 1)).toBe(true);
  });
  const s = t.snapshot(['', 'a', 'b']).streams;
  expect(s).toHaveLength(1);
  return s[0]!;
}

/** n packets, 20 ms / 160 samples apart from `seq0`. */
const steady = (n: number, seq0: number, skew: (i: number) => number = () => 0): [number, number, number][] =>
  Array.from({ length: n }, (_, i) => [(seq0 + i) & 0xffff, 1000 + i * 160, i * 20 + skew(i)]);

describe('RtpTracker', () => {
  it('a stream that stopped for over a second (a hold) and started again: its runs of packets', () => {
    // 10 packets from 0 ms, none for 2.82 s, 5 from 3,000 ms, none for exactly 1 s (not a stop), 2 more.
    const pkts = [
      ...steady(10, 100),
      ...steady(5, 110).map(([q, t, ms]): [number, number, number] => [q, t, ms + 3000]),
      ...steady(2, 115).map(([q, t, ms]): [number, number, number] => [q, t, ms + 3000 + 80 + 1000]),
    ];
    const s = run(pkts);
    expect(s.packets).toBe(17);
    expect(s.spans).toEqual([
      { firstUs: 1_000_000, lastUs: 1_180_000, packets: 10 },
      { firstUs: 4_000_000, lastUs: 5_100_000, packets: 7 },
    ]);
    // In one piece: no spans at all (the record as before).
    expect(run(steady(50, 100))).not.toHaveProperty('spans');
    // At most MAX_SPANS runs: the last takes in the rest (a live capture's stream talking in spurts for days).
    const spurts = Array.from({ length: MAX_SPANS + 5 }, (_, i): [number, number, number] => [
      i,
      i * 160,
      i * 1500,
    ]);
    const capped = run(spurts).spans!;
    expect(capped).toHaveLength(MAX_SPANS);
    expect(capped.at(-1)).toEqual({
      firstUs: 1_000_000 + (MAX_SPANS - 1) * 1_500_000,
      lastUs: 1_000_000 + (MAX_SPANS + 4) * 1_500_000,
      packets: 6,
    });
    expect(capped.reduce((n, x) => n + x.packets, 0)).toBe(MAX_SPANS + 5);
  });

  it('counts a steady stream: no loss, 20 ms deltas, zero jitter', () => {
    const s = run(steady(50, 100));
    expect(s).toMatchObject({ packets: 50, expected: 50, lost: 0, rfcExpected: 50, sequenceErrors: 0 });
    expect([s.minDelta, s.meanDelta, s.maxDelta]).toEqual([20, 20, 20]);
    expect(s.jitter).toEqual([{ rates: [], min: 0, mean: 0, max: 0 }]);
    expect(s.payloadBytes).toBe(50 * 160);
  });

  it('follows the sequence number across its wrap (65,530 → 69): extended sequence, no loss', () => {
    const s = run(steady(100, 65_530));
    expect(s).toMatchObject({ firstSeq: 65_530, lastSeq: 93, expected: 100, lost: 0, rfcExpected: 100 });
    // Through the wrap with two packets lost on either side of it.
    const lossy = run(steady(100, 65_530).filter(([seq]) => seq !== 65_535 && seq !== 1));
    expect(lossy).toMatchObject({ packets: 98, expected: 100, lost: 2, rfcExpected: 100 });
  });

  it('counts duplicates and reordering (lost may go negative, as tshark says)', () => {
    const p = steady(10, 500);
    const dup = run([...p.slice(0, 5), p[4]!, ...p.slice(5)]);
    expect(dup).toMatchObject({ packets: 11, expected: 10, lost: -1, lateOrDuplicate: 1, sequenceErrors: 1 });
    const swapped = run([...p.slice(0, 4), p[5]!, p[4]!, ...p.slice(6)]);
    expect(swapped).toMatchObject({ packets: 10, lost: 0, lateOrDuplicate: 1 });
    expect(swapped.sequenceErrors).toBe(2);
  });

  it('jitter with a known clock: one packet 8 ms late (PCMU, 8 kHz)', () => {
    // D = 8 ms for the late packet and 8 ms again for the next (on time): J = 8/16, then (15·0.5 + 8)/16.
    const s = run(steady(4, 0, (i) => (i === 2 ? 8 : 0)));
    const j1 = 8 / 16;
    const j2 = (15 * j1 + 8) / 16;
    expect(s.jitter[0]!.max).toBeCloseTo(j2, 9);
    expect(s.jitter[0]!.min).toBe(0);
    expect(s.jitter[0]!.mean).toBeCloseTo((0 + j1 + j2) / 3, 9);
    expect(s.maxDelta).toBeCloseTo(28, 9);
    expect(s.minDelta).toBeCloseTo(12, 9);
  });

  it('a dynamic payload type keeps one estimator per candidate clock rate; the SDP picks', () => {
    // opus at 48 kHz: 960 samples per 20 ms; one packet 4 ms late.
    const pk: [number, number, number][] = Array.from({ length: 6 }, (_, i) => [
      i,
      i * 960,
      i * 20 + (i === 3 ? 4 : 0),
    ]);
    const s = run(pk, 111);
    expect(s.dynamicPts).toEqual([111]);
    expect(s.jitter.map((j) => j.rates[0])).toEqual([0, 8000, 16000, 48000, 90000]);
    const at48 = jitterFor(s, () => 48000);
    expect(at48.max).toBeCloseTo((15 * (4 / 16) + 4) / 16, 9);
    expect(jitterFor(s, () => 0)).toMatchObject({ min: -1, max: 0 });
    // A rate outside the candidates has no estimator: no jitter.
    expect(jitterFor(s, () => 44100).min).toBe(-1);
  });

  it('one stream per (source, destination, SSRC); RTCP counted per flow, not as RTP', () => {
    const t = new RtpTracker();
    const a = rtp(1, 0, { ssrc: 1 });
    const b = rtp(1, 0, { ssrc: 2 });
    const sr = new Uint8Array([0x80, 200, 0, 6, 0, 0, 0, 1, ...new Array<number>(20).fill(0)]);
    t.datagram(1, 4000, 2, 5000, a, 0, a.length, 1, 1);
    t.datagram(1, 4000, 2, 5000, b, 0, b.length, 2, 2);
    t.datagram(1, 4001, 2, 5001, sr, 0, sr.length, 3, 3);
    t.datagram(1, 4001, 2, 5001, sr, 0, sr.length, 4, 4);
    const m = t.snapshot(['', 'a', 'b']);
    expect(m.streams.map((s) => s.ssrc)).toEqual([1, 2]);
    expect(m.rtcp).toEqual([
      {
        src: 'a',
        srcPort: 4001,
        dst: 'b',
        dstPort: 5001,
        packets: 2,
        firstUs: 3,
        lastUs: 4,
        // The reports are read too (rtcp.ts; test/sip-core/media/rtcp-quality.test.ts).
        reports: expect.objectContaining({ malformed: 0 }) as unknown,
      },
    ]);
  });

  it('corrupt or truncated input never throws and is not a stream', () => {
    const t = new RtpTracker();
    const three = new Uint8Array([0x80, 0, 1]);
    expect(t.datagram(1, 4000, 2, 5000, three, 0, 3, 1, 1)).toBe(false);
    const v1 = rtp(1, 0);
    v1[0] = 0x40;
    expect(t.datagram(1, 4000, 2, 5000, v1, 0, v1.length, 1, 2)).toBe(false);
    // Version 2 but cut inside the header, the CSRC list, the extension or the padding.
    const cuts = [
      new Uint8Array([0x80, 0, 0, 1, 0, 0, 0, 0, 0]),
      Object.assign(rtp(1, 0, { len: 14 }), { 0: 0x8f }),
      Object.assign(rtp(1, 0, { len: 13 }), { 0: 0x90 }),
      Object.assign(rtp(1, 0, { len: 13 }), { 0: 0xa0, 12: 200 }),
    ];
    for (const c of cuts) expect(() => t.datagram(1, 4000, 2, 5000, c, 0, c.length, 1, 3)).not.toThrow();
    // Well-known ports are not media.
    const ok = rtp(1, 0);
    expect(t.datagram(1, 53, 2, 5000, ok, 0, ok.length, 1, 4)).toBe(false);
    const m = t.snapshot(['', 'a', 'b']);
    expect(m.streams).toHaveLength(0);
    expect(m.malformed).toBe(4);
  });

  it('a padded SRTP stream whose first packet ends in a large auth-tag octet: a stream, none malformed', () => {
    // P=1 and the last octet (the auth tag's in SRTP) past the payload, on the stream's first packet
    // and its fifth; a lone packet like that from another SSRC is malformed, not a stream.
    const t = new RtpTracker();
    for (let i = 0; i < 10; i++) {
      const b = rtp(100 + i, i * 160, { ssrc: 0x5151 });
      b[0] = 0xa0;
      b[b.length - 1] = i === 0 || i === 4 ? 0xf0 : 4;
      t.datagram(1, 4000, 2, 5000, b, 0, b.length, 1_000_000 + i * 20_000, i + 1);
    }
    const lone = rtp(7, 0, { ssrc: 0x7777 });
    lone[0] = 0xa0;
    lone[lone.length - 1] = 0xff;
    t.datagram(1, 4002, 2, 5002, lone, 0, lone.length, 1_300_000, 11);
    const m = t.snapshot(['', 'a', 'b']);
    expect(m.streams.map((s) => [s.ssrc, s.packets, s.firstSeq, s.lost])).toEqual([[0x5151, 10, 100, 0]]);
    expect(m.malformed).toBe(1);
  });

  it('stops adding streams at its cap and counts the rest', () => {
    const t = new RtpTracker(3);
    for (let i = 0; i < 5; i++) {
      const b = rtp(1, 0, { ssrc: i });
      t.datagram(1, 4000, 2, 5000, b, 0, b.length, 1, i + 1);
    }
    const m = t.snapshot(['', 'a', 'b']);
    expect(m.streams).toHaveLength(3);
    expect(m.droppedStreams).toBe(2);
  });
});
