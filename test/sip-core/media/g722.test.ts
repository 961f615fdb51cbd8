/**
 * G.722 (media/g722.ts) against ffmpeg: bitstreams made by ffmpeg's G.722 encoder from a chirp, noise,
 * a speech-like signal and a full-scale square wave, and 8,000 random octets (every code, in any
 * order), decode to exactly ffmpeg's samples (`-f g722`; G.722 is specified bit-exact and ffmpeg's
 * decoder passes the ITU sequences). Then as RTP (PT 9, 160 octets = 20 ms, 160 timestamp ticks):
 * the stream plays at 16 kHz, every sample ffmpeg's until the first loss; a lost packet is concealed
 * (media/plc.ts: the last pitch period repeated, fading from 10 ms to nothing at 60 ms, the decoder's
 * state re-encoded on it): a steady voiced sound's lost packets come back at over 15 dB SNR against the
 * original, where silence is 0 dB; a call mixing it with a µ-law stream is a 16 kHz WAV, the
 * µ-law side upsampled by a windowed sinc (its 500 Hz tone's image at 7.5 kHz over 50 dB down).
 */
import { describe, expect, it } from 'vitest';
import { G722Decoder } from '../../../src/sip-core/media/g722';
import { ULAW_TO_LINEAR, linearToUlaw } from '../../../src/sip-core/media/g711';
import { RtpPacketList, decodeStream } from '../../../src/sip-core/media/rtp-audio';
import { ffDecode, ffEncode, ffmpeg, signals, snrDb } from './codec-capture';
import { firstDiff, renderCodecCall } from './codec-render';

const decodeAll = (bits: Uint8Array): Int16Array => {
  const out = new Int16Array(bits.length * 2);
  expect(new G722Decoder().decode(bits, 0, bits.length, out, 0)).toBe(out.length);
  return out;
};
const ffG722 = (bits: Uint8Array): Int16Array => ffDecode(bits, ['-f', 'g722']);

const rms = (x: Int16Array): number => Math.sqrt(x.reduce((e, v) => e + v * v, 0) / Math.max(1, x.length));

/** The power of `x` (16 kHz) at `hz` (Goertzel). */
function power(x: Int16Array, hz: number): number {
  const c = 2 * Math.cos((2 * Math.PI * hz) / 16000);
  let s1 = 0;
  let s2 = 0;
  for (const v of x) {
    const s0 = v + c * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return s1 * s1 + s2 * s2 - c * s1 * s2;
}

describe.skipIf(!ffmpeg)('G.722 decoding against ffmpeg (bit-exact)', () => {
  const sig = ffmpeg ? signals(16000) : {};
  for (const [name, pcm] of Object.entries(sig))
    it(`${name}: ffmpeg's encoding decodes to ffmpeg's samples, every one`, () => {
      const bits = ffEncode(pcm, 16000, 'g722', 'g722');
      expect(bits.length).toBe(pcm.length / 2);
      const ref = ffG722(bits);
      const got = decodeAll(bits);
      expect(firstDiff(got, ref)).toBe(-1);
    });

  it('8,000 random octets (all codes, saturating the predictors) decode to ffmpeg’s samples', () => {
    let seed = 7;
    const bits = Uint8Array.from({ length: 8000 }, () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24);
    expect(firstDiff(decodeAll(bits), ffG722(bits))).toBe(-1);
  });

  it('decoding in packets of any size gives the same samples as in one piece', () => {
    const bits = ffEncode(sig.speech!, 16000, 'g722', 'g722');
    const whole = decodeAll(bits);
    const d = new G722Decoder();
    const out = new Int16Array(bits.length * 2);
    for (let s = 0, k = 1; s < bits.length; s += k, k = (k * 7) % 331 || 1)
      d.decode(bits, s, Math.min(bits.length, s + k), out, s * 2);
    expect(firstDiff(out, whole)).toBe(-1);
  });
});

describe.skipIf(!ffmpeg)('G.722 over RTP (PT 9: 16 kHz audio, an 8 kHz clock)', () => {
  const bits = ffmpeg ? ffEncode(signals(16000).speech!, 16000, 'g722', 'g722') : new Uint8Array();
  const payloads = Array.from({ length: Math.floor(bits.length / 160) }, (_, i) =>
    bits.subarray(i * 160, (i + 1) * 160),
  );
  const lost = (i: number): boolean => i % 10 === 3;

  it('a stream plays at 16 kHz; until the first loss every sample is ffmpeg’s; a lost packet is concealed, not silence', async () => {
    const { audio, pcm } = await renderCodecCall({ payloads, pt: 9, step: 160, drop: lost }, { stream: 0 });
    expect(audio.rate).toBe(16000);
    expect(audio.streams[0]).toMatchObject({ codec: 'G722', played: 90, lost: 10 });
    expect(pcm.length).toBe(payloads.length * 320);
    // Before the first loss (packet 3; its last quarter pitch period is smoothed into the repetition):
    // ffmpeg's decoding of the same octets.
    const ref = ffG722(bits.subarray(0, 3 * 160));
    expect(firstDiff(pcm.subarray(0, 2 * 320), ref.subarray(0, 2 * 320))).toBe(-1);
    const x = signals(16000).speech!;
    const diffs: number[] = [];
    for (let i = 0; i < payloads.length; i++) {
      if (!lost(i)) continue;
      const got = pcm.subarray(i * 320, (i + 1) * 320);
      // The original at that time (the codec delays it by 22 samples).
      const orig = x.subarray(i * 320 - 22, (i + 1) * 320 - 22);
      // Where the speech-like signal sounds (its pauses are near silence anyway): its level carried
      // on, each within 10 dB of the original's and on average within 3 dB (silence: none).
      if (rms(orig) > 300) diffs.push(20 * Math.log10(rms(got) / rms(orig)));
    }
    console.log(
      `G.722 concealment, speech-like: level against the original ${diffs.map((d) => d.toFixed(1))} dB`,
    );
    expect(diffs.length).toBeGreaterThanOrEqual(5);
    for (const d of diffs) expect(Math.abs(d)).toBeLessThan(10);
    expect(Math.abs(diffs.reduce((m, d) => m + d, 0) / diffs.length)).toBeLessThan(3);
  });

  it('concealment: a steady voiced sound’s lost packets come back at over 15 dB SNR (silence: 0 dB); a long gap is 60 ms of it, then silence; reproducible', () => {
    // A 130 Hz vowel-like sound with 15 harmonics, ffmpeg's encoding; every 10th packet lost.
    const n = 32000;
    const x = Int16Array.from({ length: n }, (_, i) => {
      let v = 0;
      for (let h = 1; h <= 15; h++) v += Math.sin((2 * Math.PI * h * 130 * i) / 16000 + h) / h;
      return Math.round(6000 * v);
    });
    const enc = ffEncode(x, 16000, 'g722', 'g722');
    const count = Math.floor(enc.length / 160);
    // The codec delays the signal by the QMF pair's 22 samples.
    const ref = Int16Array.from({ length: count * 320 }, (_, i) => (i >= 22 ? x[i - 22]! : 0));
    const play = (drop: (i: number) => boolean): { pcm: Int16Array; concealed: number } => {
      const list = new RtpPacketList();
      for (let i = 0; i < count; i++)
        if (!drop(i)) list.add(i, i * 160, 9, false, i * 20_000, enc, i * 160, i * 160 + 160);
      const d = decodeStream(list, null, 'timestamp');
      if (!d.ok) throw new Error(d.reason);
      return { pcm: d.audio.pcm, concealed: d.audio.concealed ?? 0 };
    };
    const every10 = (i: number): boolean => i > 2 && i % 10 === 3;
    const a = play(every10);
    expect(a.concealed).toBe(10);
    const lostPart = (p: Int16Array): [Int16Array, Int16Array] => {
      const r: number[] = [];
      const g: number[] = [];
      for (let i = 0; i < count; i++)
        if (every10(i))
          for (let j = 0; j < 320; j++) {
            r.push(ref[i * 320 + j]!);
            g.push(p[i * 320 + j]!);
          }
      return [Int16Array.from(r), Int16Array.from(g)];
    };
    expect(snrDb(...lostPart(a.pcm))).toBeGreaterThan(15);
    expect(play(every10).pcm).toEqual(a.pcm);
    // 200 ms lost (packets 20–29): 60 ms concealed (fading from 10 ms on), then silence until the next
    // packet, which fades in.
    const long = play((i) => i >= 20 && i < 30).pcm;
    const g0 = 20 * 320;
    expect(rms(long.subarray(g0, g0 + 160))).toBeGreaterThan(0.5 * rms(ref.subarray(g0, g0 + 160)));
    expect(rms(long.subarray(g0 + 800, g0 + 960))).toBeLessThan(rms(long.subarray(g0, g0 + 160)) / 2);
    expect(long.subarray(g0 + 960, 30 * 320).every((v) => v === 0)).toBe(true);
    expect(Math.abs(long[30 * 320]!)).toBeLessThan(Math.abs(ref[30 * 320]!) / 2 + 200);
  });

  it('random streams (odd sizes, losses, reordering, CN between, random octets) never throw', () => {
    let seed = 11;
    const rnd = (n: number): number => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) % n;
    for (let k = 0; k < 200; k++) {
      const list = new RtpPacketList();
      let ts = 0;
      for (let i = 0; i < 60; i++) {
        const len = rnd(5) === 0 ? rnd(400) : 160;
        const b = Uint8Array.from({ length: len }, () => rnd(256));
        const seq = rnd(8) === 0 ? i + 2 : i;
        if (rnd(6) !== 0) list.add(seq, ts, rnd(10) === 0 ? 13 : 9, false, i * 20_000, b, 0, len);
        ts += rnd(10) === 0 ? 160 * rnd(20) : 160;
      }
      expect(() => decodeStream(list, null, 'timestamp')).not.toThrow();
      expect(() => decodeStream(list, null, 'arrival')).not.toThrow();
    }
  });

  it('a call of G.722 one way and µ-law the other is one 16 kHz stereo WAV, the µ-law side at its place', async () => {
    const ulaw = Uint8Array.from({ length: 160 }, (_, j) =>
      linearToUlaw(8000 * Math.sin((2 * Math.PI * 500 * j) / 8000)),
    );
    const { audio, pcm } = await renderCodecCall(
      { payloads, pt: 9, step: 160, reversePt: 0, reversePayload: () => ulaw },
      { call: 'C1' },
    );
    expect(audio.rate).toBe(16000);
    expect(audio.channels).toBe(2);
    expect(audio.streams.map((s) => s.codec)).toEqual(['G722', 'PCMU']);
    // Left: the G.722 stream whole; right: the 500 Hz tone, 5 ms later, at 16 kHz (1,000 zero
    // crossings a second).
    const left = Int16Array.from({ length: audio.frames }, (_, i) => pcm[2 * i]!);
    expect(
      firstDiff(left.subarray(0, payloads.length * 320), ffG722(bits.subarray(0, payloads.length * 160))),
    ).toBe(-1);
    const right = Int16Array.from({ length: 16000 }, (_, i) => pcm[2 * (i + 160) + 1]!);
    let crossings = 0;
    for (let i = 1; i < right.length; i++) if (right[i - 1]! < 0 !== right[i]! < 0) crossings++;
    expect(crossings).toBeGreaterThanOrEqual(998);
    expect(crossings).toBeLessThanOrEqual(1002);
    // Upsampled, not repeated: every other sample is the µ-law value, and the 500 Hz tone's image at
    // 7.5 kHz (−20 dB when each sample is repeated) is more than 50 dB down.
    const at = 2 * 80 + 1; // the first µ-law sample: 5 ms in
    for (let j = 0; j < 160; j++) expect(pcm[at + 2 * 2 * j]).toBe(ULAW_TO_LINEAR[ulaw[j]!]);
    expect(10 * Math.log10(power(right, 7500) / power(right, 500))).toBeLessThan(-50);
    expect(
      pcm
        .subarray(0, 2 * 80)
        .filter((_, i) => i % 2 === 1)
        .every((x) => x === 0),
    ).toBe(true);
  });
});
