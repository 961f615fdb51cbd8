/**
 * RFC 3389 comfort noise (media/cn.ts) and how a stream plays it (rtp-audio.ts). Against ffmpeg (its
 * `comfortnoise` encoder and decoder): noise of two spectral shapes (low-pass and high-pass) encoded
 * by ffmpeg into CN packets (a level and 10 reflection coefficients per 80 ms) and played by sipscope
 * has the original's level (within the level octet's 1 dB step) and spectral shape (the first
 * normalised autocorrelations), and ffmpeg's decoding of the same packets has the same shape. Samples are not compared: the noise is random in both. (ffmpeg's decoder plays 6 dB under the level: see the test.) Through
 * RTP in a pcap: a µ-law talk spurt, one CN packet, a 400 ms DTX gap (no packets, no sequence gap),
 * then speech — the gap is noise at the level, the µ-law samples exactly theirs, the WAV the same on
 * every render, the stream's statistics without loss and without the gap in its deltas; a dynamic
 * CN/16000 beside G.722 fills at 16 kHz; malformed CN payloads are counted, never a throw.
 */
import { describe, expect, it } from 'vitest';
import { ComfortNoise, parseCn, reflectionToLpc } from '../../../src/sip-core/media/cn';
import { ULAW_TO_LINEAR, linearToUlaw } from '../../../src/sip-core/media/g711';
import { RtpPacketList, decodeStream, type RtpmapEntry } from '../../../src/sip-core/media/rtp-audio';
import { analyzeTrace } from '../../../src/sip-core/analysis';
import { traceMedia } from '../../../src/sip-core/media/media-json';
import { ingestBytes } from '../../../src/sip-core/trace/trace-builder';
import { codecCallCapture, ffDecode, ffEncode, ffmpeg } from './codec-capture';
import { renderCodecCall } from './codec-render';

const rmsDb = (x: Int16Array, from = 0, to = x.length): number => {
  let e = 0;
  for (let i = from; i < to; i++) e += x[i]! * x[i]!;
  return 10 * Math.log10(e / Math.max(1, to - from) / 32767 ** 2);
};
/** The normalised autocorrelation at lags 1…3 (the spectral shape a low-order model keeps). */
const shape = (x: Int16Array, from = 0, to = x.length): number[] => {
  const r = [0, 0, 0, 0];
  for (let i = from + 3; i < to; i++) for (let l = 0; l <= 3; l++) r[l]! += x[i]! * x[i - l]!;
  return [r[1]! / r[0]!, r[2]! / r[0]!, r[3]! / r[0]!];
};
/** Noise of −26 dBov RMS or so, low-pass (a one-pole filter) or high-pass (a first difference). */
function noise(kind: 'low' | 'high', n: number): Int16Array {
  let seed = 99;
  let y = 0;
  let prev = 0;
  const raw = Float64Array.from({ length: n }, () => {
    const w = ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1;
    const v = kind === 'low' ? (y = 0.85 * y + w) : w - 0.8 * prev;
    prev = w;
    return v;
  });
  let e = 0;
  for (const v of raw) e += v * v;
  const g = (32767 * 10 ** (-26 / 20)) / Math.sqrt(e / n);
  return Int16Array.from(raw, (v) => Math.round(v * g));
}

describe('CN payloads (RFC 3389 §3)', () => {
  it('reads the level and reflection coefficients; flags a set top bit and too many coefficients', () => {
    const b = Uint8Array.from([40, 127, 255, 0, 191]);
    expect(parseCn(b, 0, 1)).toEqual({ level: 40, reflection: [] });
    const p = parseCn(b, 0, 5)!;
    expect(p.level).toBe(40);
    expect(p.reflection[0]).toBe(0);
    expect(p.reflection[1]).toBeCloseTo(0.995, 6); // 255 → 1.0, held inside the unit circle
    expect(p.reflection[2]).toBeCloseTo(-127 / 128, 6);
    expect(p.reflection[3]).toBeCloseTo(0.5, 6);
    expect(p.malformed).toBeUndefined();
    expect(parseCn(Uint8Array.from([0xa8]), 0, 1)).toMatchObject({
      level: 40,
      malformed: expect.any(String),
    });
    expect(parseCn(new Uint8Array(40), 0, 40)).toMatchObject({ malformed: expect.stringContaining('39') });
    expect(parseCn(b, 2, 2)).toBeNull();
  });

  it('turns reflection coefficients into the direct form by the step-up recursion', () => {
    expect([...reflectionToLpc([0.5])]).toEqual([0.5]);
    const a = reflectionToLpc([0.5, -0.25]);
    expect(a[0]).toBeCloseTo(0.5 + -0.25 * 0.5, 12);
    expect(a[1]).toBeCloseTo(-0.25, 12);
  });

  it('makes noise at the level (white: a flat spectrum), the same every time', () => {
    const make = (): Int16Array => {
      const g = new ComfortNoise(8000);
      g.set({ level: 30, reflection: [] });
      const out = new Int16Array(16000);
      g.fill(out, 0, out.length);
      return out;
    };
    const x = make();
    expect(rmsDb(x)).toBeCloseTo(-30, 0);
    for (const r of shape(x)) expect(Math.abs(r)).toBeLessThan(0.05);
    expect(make()).toEqual(x);
  });

  it('ramps to a new level over 10 ms instead of stepping; level 127 is silence', () => {
    const g = new ComfortNoise(8000);
    g.set({ level: 20, reflection: [] });
    const out = new Int16Array(4000);
    g.fill(out, 0, 2000);
    g.set({ level: 127, reflection: [] });
    g.fill(out, 2000, 2000);
    expect(rmsDb(out, 0, 2000)).toBeCloseTo(-20, 0);
    expect(rmsDb(out, 2000, 2040)).toBeGreaterThan(-30); // still ramping down
    expect(out.subarray(2080).every((v) => v === 0)).toBe(true);
  });
});

describe.skipIf(!ffmpeg)('comfort noise against ffmpeg (levels and spectra)', () => {
  for (const kind of ['low', 'high'] as const)
    it(`${kind}-pass noise: ffmpeg's CN packets play at its level and shape; ffmpeg's decoder agrees`, () => {
      const x = noise(kind, 8000 * 4);
      const packets = ffEncode(x, 8000, 'comfortnoise', 'data', ['-map', '0:a']);
      // ffmpeg's encoder: 640 samples a packet, a level and 10 coefficients (11 octets).
      expect(packets.length % 11).toBe(0);
      const count = packets.length / 11;
      expect(count).toBeGreaterThanOrEqual(40);
      const ours = new Int16Array(count * 640);
      const g = new ComfortNoise(8000);
      for (let k = 0; k < count; k++) {
        const p = parseCn(packets, k * 11, k * 11 + 11)!;
        expect(p.malformed).toBeUndefined();
        g.set(p);
        g.fill(ours, k * 640, 640);
      }
      const theirs = ffDecode(ffEncode(x, 8000, 'comfortnoise', 'nut'), ['-f', 'nut']);
      expect(theirs.length).toBeGreaterThanOrEqual(ours.length - 640);
      // Level: the octet is ⌈−dBov⌉ of ffmpeg's measure, so ours is at most ~1 dB below the original.
      const orig = rmsDb(x);
      expect(rmsDb(ours, 640)).toBeGreaterThan(orig - 1.6);
      expect(rmsDb(ours, 640)).toBeLessThan(orig + 0.6);
      // ffmpeg's decoder plays 6.0 dB under the level (its power × 0.75, and uniform excitation whose
      // power, a third of its peak's, is not made up for): 10·log10(3 / 0.75).
      expect(rmsDb(ours, 640) - rmsDb(theirs, 640, ours.length)).toBeCloseTo(6.02, 0);
      console.log(
        `CN ${kind}-pass: original ${orig.toFixed(2)} dBov, sipscope ${rmsDb(ours, 640).toFixed(2)}, ffmpeg ${rmsDb(theirs, 640, ours.length).toFixed(2)}; r1..r3 original ${shape(x).map((v) => v.toFixed(3))}, sipscope ${shape(ours, 640).map((v) => v.toFixed(3))}, ffmpeg ${shape(theirs, 640, ours.length).map((v) => v.toFixed(3))}`,
      );
      // Shape: the first autocorrelations of ours, ffmpeg's and the original within 0.1.
      const so = shape(x);
      const sm = shape(ours, 640);
      const st = shape(theirs, 640, ours.length);
      for (let l = 0; l < 3; l++) {
        expect(Math.abs(sm[l]! - so[l]!), `lag ${l + 1}: ${sm[l]} vs original ${so[l]}`).toBeLessThan(0.1);
        expect(Math.abs(sm[l]! - st[l]!), `lag ${l + 1}: ${sm[l]} vs ffmpeg ${st[l]}`).toBeLessThan(0.1);
      }
      // The two shapes are told apart (a sign error in the filter would swap them).
      expect(kind === 'low' ? sm[0]! > 0.6 : sm[0]! < -0.3).toBe(true);
    });
});

describe('comfort noise in a stream', () => {
  /** 1 s of a 440 Hz tone in µ-law packets (0–24), one CN packet (25), 400 ms of DTX, 25 more tone packets. */
  const tone = (i: number): Uint8Array =>
    Uint8Array.from({ length: 160 }, (_, j) =>
      linearToUlaw(6000 * Math.sin((2 * Math.PI * 440 * (i * 160 + j)) / 8000)),
    );
  const CN = Uint8Array.from([35, 127 - 60, 127 + 20]); // −35 dBov, a low-pass shape (k₁ < 0)
  const payloads = Array.from({ length: 51 }, (_, i) => (i === 25 ? CN : tone(i)));
  const dtx = (i: number): number => (i <= 25 ? i : i + 20); // 20 packets' time not sent after the CN
  const spec = {
    payloads,
    pt: 0,
    ptOf: (i: number) => (i === 25 ? 13 : 0),
    step: 160,
    tsOf: (i: number) => dtx(i) * 160,
    usOf: (i: number) => dtx(i) * 20_000,
  };

  it('fills the DTX gap with noise at the level until the next packet; audio packets exactly theirs; reproducible', async () => {
    const { audio, pcm } = await renderCodecCall(spec, { stream: 0 });
    expect(audio.rate).toBe(8000);
    expect(audio.streams[0]).toMatchObject({ codec: 'PCMU', played: 50, lost: 0 });
    expect(pcm.length).toBe(71 * 160);
    for (let i = 0; i < 25; i++)
      for (let j = 0; j < 160; j++) expect(pcm[i * 160 + j]).toBe(ULAW_TO_LINEAR[payloads[i]![j]!]);
    // The CN packet's place (25) to the next audio packet's (46): noise at −35 dBov, low-pass.
    expect(rmsDb(pcm, 25 * 160 + 80, 46 * 160)).toBeCloseTo(-35, 0);
    expect(shape(pcm, 25 * 160, 46 * 160)[0]).toBeGreaterThan(0.3);
    for (let j = 0; j < 160; j++) expect(pcm[46 * 160 + j]).toBe(ULAW_TO_LINEAR[payloads[26]![j]!]);
    const again = await renderCodecCall(spec, { stream: 0 });
    expect(again.pcm).toEqual(pcm);
  });

  it('the statistics: no loss, the gap after the CN packet not in the deltas (tshark’s rule)', () => {
    const { trace } = ingestBytes(codecCallCapture(spec), 'cn.pcap');
    analyzeTrace(trace);
    const s = traceMedia(trace)!.streams[0]!.record;
    expect(s.packets).toBe(51);
    expect(s.lost).toBe(0);
    expect(s.maxDelta).toBeLessThan(25);
  });

  /**
   * G.722 (PT 9) for `before` packets, a CN packet of −30 dBov on `cnPt` after them, then one more
   * G.722 packet `gap` packets' time later; decoded by timestamp.
   */
  const g722WithCn = (before: number, cnPt: number, gap: number, rtpmap: Map<number, RtpmapEntry> | null) => {
    const list = new RtpPacketList();
    const g722 = new Uint8Array(160).fill(0xfa);
    for (let i = 0; i < before; i++) list.add(i, i * 160, 9, false, i * 20_000, g722, 0, 160);
    list.add(before, before * 160, cnPt, false, before * 20_000, Uint8Array.from([30]), 0, 1);
    list.add(before + 1, (before + gap) * 160, 9, true, (before + gap) * 20_000, g722, 0, 160);
    const d = decodeStream(list, rtpmap, 'timestamp');
    if (!d.ok) throw new Error(d.reason);
    expect(d.audio.rate).toBe(16000);
    expect(d.audio.comfortNoise).toBe(1);
    return d.audio.pcm;
  };

  it('a dynamic CN/16000 beside G.722 plays its noise at 16 kHz', () => {
    const pcm = g722WithCn(10, 98, 8, new Map([[98, { name: 'CN', rate: 16000 }]]));
    // Placed by arrival (its clock is not G.722's 8 kHz): 200 ms → 360 ms is noise at −30 dBov.
    expect(rmsDb(pcm, 3200 + 160, 5760)).toBeCloseTo(-30, 0);
  });

  it('PT 13 (CN/8000) beside G.722: the noise below 4 kHz, upsampled', () => {
    const x = g722WithCn(5, 13, 25, null).subarray(1600 + 100, 1600 + 7900);
    expect(rmsDb(x)).toBeCloseTo(-30, 0);
    // Band-limited to 4 kHz: neighbouring samples at 16 kHz are strongly correlated (white would be ~0).
    expect(shape(x)[0]).toBeGreaterThan(0.5);
  });

  it('malformed CN payloads are counted and never throw; random payloads neither', () => {
    const list = new RtpPacketList();
    const pay = new Uint8Array(160).fill(0xff);
    list.add(0, 0, 0, false, 0, pay, 0, 160);
    list.add(1, 160, 13, false, 20_000, pay, 0, 0); // empty
    list.add(2, 320, 13, false, 40_000, Uint8Array.from([0x90, 1, 2]), 0, 3); // top bit set
    list.add(3, 480, 13, false, 60_000, new Uint8Array(60), 0, 60); // 59 coefficients
    list.add(4, 800, 0, false, 100_000, pay, 0, 160);
    const d = decodeStream(list, null, 'timestamp');
    if (!d.ok) throw new Error(d.reason);
    expect(d.audio.malformed).toBe(3);
    expect(d.audio.comfortNoise).toBe(2);
    let seed = 5;
    const rnd = (): number => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
    for (let k = 0; k < 300; k++) {
      const l = new RtpPacketList();
      for (let i = 0; i < 20; i++) {
        const n = rnd() % 40;
        const b = Uint8Array.from({ length: n }, rnd);
        l.add(i, i * 160 + (rnd() % 3) * 160, rnd() & 1 ? 13 : 0, false, i * 20_000, b, 0, n);
      }
      expect(() => decodeStream(l, null, 'timestamp')).not.toThrow();
    }
  });
});
