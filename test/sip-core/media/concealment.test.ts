/**
 * Hearing a lost packet, per codec (rtp-audio.ts `decodeStream`, losses `conceal` against `silence`):
 * G.711 µ-law and G.726-32 (pitch repetition, plc.ts, G.711 Appendix I; G.726's decoder re-encoded on
 * it), GSM 06.10 (GSM 06.11's substitution, gsm.ts) and G.722 (pitch repetition at 16 kHz) on three
 * signals — a steady vowel, two steady tones (350 + 440 Hz), the speech-like signal — encoded by
 * ffmpeg (G.711 here), sent as 20 ms RTP packets with every 10th lost. The SNR of the lost packets is
 * measured against the same stream decoded with nothing lost (what the phone would have played), so
 * the codec's own noise does not count; silence is 0 dB by this measure. Also the packet after each
 * loss (how the decoder comes back), and for G.711 spandsp's concealment of the same decoded signal.
 * Bounds: on the steady vowel each codec's concealment must beat silence by a margin (a version that
 * leaves the gap silent, or repeats the wrong period, fails); a stateful decoder re-synchronised on the
 * concealment must come back better after the loss than from its old state where that holds (G.726,
 * G.722 re-encoded; GSM substituted); G.711 within 3 dB of spandsp. A 600 ms loss: the concealment
 * gone by 60 ms (GSM: muted by 340 ms, nothing after 500), the talk after back at over 10 dB (GSM 3).
 * The counts are the same either way.
 */
import { describe, expect, it } from 'vitest';
import { linearToUlaw } from '../../../src/sip-core/media/g711';
import {
  RtpPacketList,
  decodeStream,
  type AudioLoss,
  type RtpmapEntry,
} from '../../../src/sip-core/media/rtp-audio';
import { ffEncode, ffmpeg } from './codec-capture';
import { packetsSnr, plcSignals, spandsp, spandspPlay } from './plc-reference';

interface Codec {
  name: string;
  rate: number;
  pt: number;
  map: Map<number, RtpmapEntry> | null;
  /** One payload per 20 ms packet. */
  encode: (x: Int16Array) => Uint8Array[];
  /** The steady vowel's concealed packets must reach this SNR (dB). */
  vowelBound: number;
  /**
   * A stateful decoder re-synchronised on the concealment: on these signals the packet after a loss
   * must come back better (by 3 dB) than from the state left before the gap (losses silent).
   */
  comesBack?: string[];
}

const split = (bits: Uint8Array, n: number): Uint8Array[] =>
  Array.from({ length: Math.floor(bits.length / n) }, (_, i) => bits.subarray(i * n, (i + 1) * n));

const CODECS: Codec[] = [
  {
    name: 'G.711 µ-law',
    rate: 8000,
    pt: 0,
    map: null,
    encode: (x) =>
      split(
        Uint8Array.from(x, (v) => linearToUlaw(v)),
        160,
      ),
    vowelBound: 8,
  },
  {
    name: 'G.726-32',
    rate: 8000,
    pt: 97,
    map: new Map([[97, { name: 'G726-32', rate: 8000 }]]),
    encode: (x) => split(ffEncode(x, 8000, 'g726le', 'g726le', ['-code_size', '4']), 80),
    vowelBound: 5,
    comesBack: ['steady vowel', 'speech-like'],
  },
  {
    name: 'GSM 06.10',
    rate: 8000,
    pt: 3,
    map: null,
    encode: (x) => split(ffEncode(x, 8000, 'libgsm', 'gsm'), 33),
    vowelBound: 3,
    comesBack: ['steady vowel'],
  },
  {
    name: 'G.722',
    rate: 16000,
    pt: 9,
    map: null,
    encode: (x) => split(ffEncode(x, 16000, 'g722', 'g722'), 160),
    vowelBound: 12,
    comesBack: ['steady vowel', 'two tones'],
  },
];

/** Every 10th packet from the 4th on. */
const lost = (i: number): boolean => i > 2 && i % 10 === 3;
const after = (i: number): boolean => i > 3 && i % 10 === 4;

function play(
  c: Codec,
  payloads: Uint8Array[],
  drop: (i: number) => boolean,
  loss: AudioLoss,
): { pcm: Int16Array; lost: number; concealed: number } {
  const list = new RtpPacketList();
  payloads.forEach((p, i) => {
    if (!drop(i)) list.add(i, i * 160, c.pt, false, i * 20_000, p, 0, p.length);
  });
  const d = decodeStream(list, c.map, 'timestamp', loss);
  if (!d.ok) throw new Error(d.reason);
  return { pcm: d.audio.pcm, lost: d.audio.lost, concealed: d.audio.concealed ?? 0 };
}

describe.skipIf(!ffmpeg)('concealment per codec against silence (SNR of the lost packets)', () => {
  const rows: string[] = [];
  for (const c of CODECS)
    for (const [signal, x] of plcSignals(c.rate))
      it(`${c.name}, ${signal}`, () => {
        const payloads = c.encode(x);
        const n = (c.rate / 1000) * 20;
        const whole = play(c, payloads, () => false, 'conceal').pcm;
        const conc = play(c, payloads, lost, 'conceal');
        const sil = play(c, payloads, lost, 'silence');
        const lostCount = payloads.filter((_, i) => lost(i)).length;
        expect([conc.lost, sil.lost, conc.concealed, sil.concealed]).toEqual([
          lostCount,
          lostCount,
          lostCount,
          0,
        ]);
        const concealed = packetsSnr(whole, conc.pcm, lost, n);
        const silent = packetsSnr(whole, sil.pcm, lost, n);
        const nextConcealed = packetsSnr(whole, conc.pcm, after, n);
        const nextSilent = packetsSnr(whole, sil.pcm, after, n);
        // spandsp conceals the same decoded µ-law signal with the same frames lost.
        const theirs = c.pt === 0 && spandsp ? packetsSnr(whole, spandspPlay(whole, lost), lost) : null;
        rows.push(
          `${c.name}, ${signal}: lost packets concealed ${concealed.toFixed(2)} dB, silent ${silent.toFixed(2)} dB${theirs === null ? '' : `, spandsp ${theirs.toFixed(2)} dB`}; the packet after: ${nextConcealed.toFixed(2)} / ${nextSilent.toFixed(2)} dB`,
        );
        console.log(rows.at(-1));
        expect(silent).toBeCloseTo(0, 5);
        if (signal === 'steady vowel') expect(concealed).toBeGreaterThan(c.vowelBound);
        if (c.comesBack?.includes(signal)) expect(nextConcealed).toBeGreaterThan(nextSilent + 3);
        // Not worse than spandsp's by more than 3 dB (on the speech-like signal both are below 0 dB).
        if (theirs !== null) expect(concealed).toBeGreaterThan(theirs - 3);
      });
});

describe.skipIf(!ffmpeg)('a long loss (600 ms): concealed, then muted, then silent', () => {
  const rms = (a: Int16Array): number =>
    Math.sqrt(a.reduce((e: number, v) => e + v * v, 0) / Math.max(1, a.length));
  const gap = (i: number): boolean => i >= 20 && i < 50;
  const L16: Codec = {
    name: 'L16/8000',
    rate: 8000,
    pt: 96,
    map: new Map([[96, { name: 'L16', rate: 8000 }]]),
    encode: (v) =>
      split(
        new Uint8Array(Buffer.from(Uint16Array.from(v, (s) => ((s & 0xff) << 8) | ((s >> 8) & 0xff)).buffer)),
        320,
      ),
    vowelBound: 0,
  };
  for (const c of [...CODECS, L16])
    it(`${c.name}: ${c.pt === 3 ? 'GSM 06.11 mutes by 340 ms (17 frames), then its silence frame, nothing after 500 ms' : 'pitch repetition fades out by 60 ms, then zeros'}; the talk after comes back`, () => {
      const payloads = c.encode(plcSignals(c.rate)[0]![1]);
      const whole = play(c, payloads, () => false, 'conceal').pcm;
      const got = play(c, payloads, gap, 'conceal');
      expect(got.concealed).toBe(1);
      /** Samples per packet (20 ms). */
      const n = c.rate / 50;
      const g0 = 20 * n;
      const level = rms(whole.subarray(g0, g0 + n));
      expect(rms(got.pcm.subarray(g0, g0 + n))).toBeGreaterThan(level / 4);
      if (c.pt === 3) {
        // Frame 17 on (after the first frame and 16 of -4): at most the silence frame's murmur.
        expect(rms(got.pcm.subarray(g0 + 17 * 160, g0 + 25 * 160))).toBeLessThan(level / 100);
        expect(got.pcm.subarray(g0 + 25 * 160, 50 * 160).every((v) => v === 0)).toBe(true);
      } else expect(got.pcm.subarray(g0 + 3 * n, 50 * n).every((v) => v === 0)).toBe(true);
      // The packets after the gap: back to the stream (the first one fades in; a decoder's state settles).
      const after = (i: number): boolean => i >= 51 && i < 70;
      const back = packetsSnr(whole, got.pcm, after, n);
      const silent = packetsSnr(whole, play(c, payloads, gap, 'silence').pcm, after, n);
      console.log(
        `${c.name}, 600 ms lost: the 380 ms after ${back.toFixed(2)} dB (losses silent: ${silent.toFixed(2)} dB)`,
      );
      expect(back).toBeGreaterThan(c.pt === 3 ? 3 : 10);
    });
});
