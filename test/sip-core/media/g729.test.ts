/**
 * G.729 / G.729A (media/g729.ts) against two references:
 * - **bcg729** (Debian's libbcg729-0, an ITU-T G.729 Annex A codec; bcg729.ts builds a small program
 *   against it): its encodings of a chirp, noise, a speech-like signal and a full-scale square wave,
 *   with and without erased frames, decode to **every sample of bcg729's decoding**. 3,000 frames of
 *   random bits with erasures: at least 99.9% of the samples equal (measured: 188 of 258,480 differ,
 *   in two passages where the output is at full scale; not traced to one cause — bcg729 lets some
 *   32-bit sums overflow in C, where behaviour is the compiler's).
 * - **ffmpeg** (its `g729` decoder, the G.729 main-body decoder: the same bitstream, another
 *   post-filter): near, not equal — measured SNR 22.3–29.3 dB against ffmpeg's output on the four
 *   signals, maximum sample differences 2,139 (noise) to 9,282 (square wave); the test asks ≥ 20 dB.
 * - **Annex B**: bcg729's encodings with VAD/DTX (speech, SID and untransmitted frames) decode to every
 *   sample of bcg729's decoding, comfort noise included.
 * Then as RTP (PT 18): loss concealed by the decoder exactly as bcg729 conceals erased frames, a long
 * gap's concealment stopping after 60 ms, a DTX stream (one frame a packet, none sent in silence)
 * equal to bcg729's decoding with its comfort noise, malformed payloads counted and never a throw
 * (seeded fuzz).
 */
import { describe, expect, it } from 'vitest';
import {
  G729Decoder,
  G729_FRAME_SAMPLES,
  g729PayloadOk,
  g729Samples,
} from '../../../src/sip-core/media/g729';
import { G729_CONCEAL_FRAMES, RtpPacketList, decodeStream } from '../../../src/sip-core/media/rtp-audio';
import { bcg729, bcgDecode, bcgEncode, type BcgFrame } from './bcg729';
import { ffDecode, ffmpeg, signals, snrDb } from './codec-capture';
import { firstDiff, renderCodecCall } from './codec-render';

const reference = bcg729();

/** Our decoding of frames (an erased one concealed), 80 samples each. */
function decodeFrames(frames: readonly BcgFrame[]): Int16Array {
  const d = new G729Decoder();
  const out = new Int16Array(frames.length * G729_FRAME_SAMPLES);
  let o = 0;
  for (const f of frames) o += f === 'erased' ? d.conceal(1, out, o) : d.decode(f, 0, f.length, out, o);
  expect(o).toBe(out.length);
  return out;
}

/** A seeded generator of octets. */
function octets(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) >>> 0) >>> 24;
}

describe.skipIf(!reference)('G.729A decoding against bcg729 (libbcg729-0)', () => {
  const sig = reference ? signals(8000) : {};
  for (const [name, pcm] of Object.entries(sig))
    it(`${name}: bcg729's encoding decodes to bcg729's samples, every one — and with every 7th frame erased`, () => {
      const frames = bcgEncode(pcm);
      expect(frames.length).toBe(pcm.length / 80);
      expect(frames.every((f) => f.length === 10)).toBe(true);
      expect(firstDiff(decodeFrames(frames), bcgDecode(frames))).toBe(-1);
      const erased = frames.map((f, i): BcgFrame => (i % 7 === 3 ? 'erased' : f));
      expect(firstDiff(decodeFrames(erased), bcgDecode(erased))).toBe(-1);
    });

  it('3,000 frames of random bits with erasures: at least 99.9% of the samples equal', () => {
    const next = octets(99);
    const frames: BcgFrame[] = [];
    for (let f = 0; f < 3000; f++) {
      frames.push(Uint8Array.from({ length: 10 }, next));
      if (f % 13 === 5) frames.push('erased');
    }
    const got = decodeFrames(frames);
    const ref = bcgDecode(frames);
    expect(got.length).toBe(ref.length);
    let same = 0;
    for (let i = 0; i < ref.length; i++) if (got[i] === ref[i]) same++;
    expect(same / ref.length).toBeGreaterThanOrEqual(0.999);
  });

  it('decoding in packets of 1, 2, 3 or 6 frames gives the same samples as frame by frame', () => {
    const frames = bcgEncode(signals(8000).speech!);
    const whole = decodeFrames(frames);
    for (const per of [1, 2, 3, 6]) {
      const d = new G729Decoder();
      const out = new Int16Array(whole.length);
      for (let f = 0; f < frames.length; f += per) {
        const pkt = new Uint8Array(frames.slice(f, f + per).flatMap((x) => [...x]));
        d.decode(pkt, 0, pkt.length, out, f * 80);
      }
      expect(firstDiff(out, whole), `${per} a packet`).toBe(-1);
    }
  });
});

describe.skipIf(!reference)('Annex B against bcg729: VAD/DTX streams, comfort noise', () => {
  const sig = reference ? signals(8000) : {};
  for (const [name, pcm] of Object.entries(sig))
    it(`${name}: bcg729's encoding with VAD (speech, SID and untransmitted frames) decodes to bcg729's samples, every one`, () => {
      const enc = bcgEncode(pcm, true);
      // An untransmitted frame is what the decoder is given as erased (bcg729 then goes on with comfort noise).
      const frames = enc.map((f): BcgFrame => (f.length === 0 ? 'erased' : f));
      if (name !== 'chirp') expect(enc.some((f) => f.length === 2)).toBe(true);
      expect(firstDiff(decodeFrames(frames), bcgDecode(frames))).toBe(-1);
    });
});

describe.skipIf(!reference || !ffmpeg)('G.729 against ffmpeg (a G.729 main-body decoder: near)', () => {
  const sig = reference ? signals(8000) : {};
  for (const [name, pcm] of Object.entries(sig))
    it(`${name}: within 20 dB SNR of ffmpeg's decoding`, () => {
      const frames = bcgEncode(pcm);
      const bits = new Uint8Array(frames.flatMap((f) => [...f]));
      const ff = ffDecode(bits, ['-f', 'g729']);
      const got = decodeFrames(frames);
      expect(ff.length).toBe(got.length);
      expect(snrDb(ff, got)).toBeGreaterThanOrEqual(20);
    });
});

describe('payloads: SID frames, malformed lengths, fuzz', () => {
  it('lengths: whole 10-octet frames and at most one 2-octet SID frame last', () => {
    expect([0, 2, 10, 12, 20, 22, 60].map(g729PayloadOk)).toEqual([true, true, true, true, true, true, true]);
    expect([1, 3, 7, 9, 11, 19, 25].some(g729PayloadOk)).toBe(false);
    expect([0, 2, 10, 12, 20, 7, 15].map(g729Samples)).toEqual([0, 80, 80, 160, 160, 0, 80]);
  });

  it('a SID frame plays 80 samples of comfort noise, continued for missing frames; a truncated frame is ignored', () => {
    const d = new G729Decoder();
    const out = new Int16Array(400).fill(123);
    const frame = Uint8Array.from([0x6c, 0x31, 0x9a, 0x43, 0x10, 0x8e, 0xa5, 0x2d, 0x77, 0x01]);
    expect(d.decode(frame, 0, 10, out, 0)).toBe(80);
    expect(d.inComfortNoise).toBe(false);
    // SID gain index 29 (of 32): audible noise, not silence.
    expect(d.decode(Uint8Array.from([0x55, 0x3a]), 0, 2, out, 80)).toBe(80);
    expect(d.inComfortNoise).toBe(true);
    expect(out.subarray(80, 160).some((x) => x !== 0 && x !== 123)).toBe(true);
    expect(d.conceal(1, out, 160)).toBe(80);
    expect(out.subarray(160, 240).some((x) => x !== 0 && x !== 123)).toBe(true);
    const withSid = new Uint8Array([...frame, 0x55, 0x3a]);
    expect(d.decode(withSid, 0, withSid.length, out, 240)).toBe(160);
    expect(d.decode(frame, 0, 7, out, 400)).toBe(0);
    // Near the end of the output only what fits is written.
    expect(d.decode(frame, 0, 10, out, 390)).toBe(10);
  });

  it('2,000 seeded random payloads (0–64 octets) and concealments never throw and stay in bounds', () => {
    const next = octets(4242);
    const d = new G729Decoder();
    const out = new Int16Array(64 * 8 + 80);
    for (let k = 0; k < 2000; k++) {
      const len = next() % 65;
      const pay = Uint8Array.from({ length: len }, next);
      const n = d.decode(pay, 0, len, out, 0);
      expect(n).toBe(g729Samples(len));
      if (k % 17 === 0) expect(d.conceal(1 + (k % 3), out, 0)).toBe(80 * (1 + (k % 3)));
    }
  });

  it('a stream of malformed payloads (7 octets) plays what it can and counts them', () => {
    const l = new RtpPacketList();
    const b = Uint8Array.from({ length: 27 }, (_, i) => (i * 37) & 0xff);
    for (let i = 0; i < 5; i++)
      l.add(1000 + i, 8000 + i * 160, 18, false, i * 20_000, b, 0, i === 2 ? 7 : 27);
    const r = decodeStream(l, null);
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.audio).toMatchObject({ codec: 'G729', rate: 8000, played: 5, malformed: 5 });
  });

  it('a dynamic type named G729 in the rtpmap plays', () => {
    const l = new RtpPacketList();
    const b = new Uint8Array(20).fill(0x5a);
    for (let i = 0; i < 3; i++) l.add(1 + i, i * 160, 97, false, i * 20_000, b, 0, 20);
    const r = decodeStream(l, new Map([[97, { name: 'G729', rate: 8000 }]]));
    expect(r.ok && r.audio.pcm.length).toBe(480);
  });
});

describe.skipIf(!reference)('G.729 over RTP (PT 18, two frames a packet)', () => {
  const frames = reference ? bcgEncode(signals(8000).speech!) : [];
  const payloads = Array.from({ length: frames.length / 2 }, (_, i) =>
    Uint8Array.from([...frames[2 * i]!, ...frames[2 * i + 1]!]),
  );

  it('lost packets are the decoder’s concealment, sample for sample bcg729’s for those erased frames', async () => {
    const lost = (i: number): boolean => i % 10 === 3;
    const { audio, pcm } = await renderCodecCall({ payloads, pt: 18, step: 160, drop: lost });
    expect(audio.rate).toBe(8000);
    expect(audio.streams[0]).toMatchObject({ codec: 'G729', played: 90, lost: 10 });
    expect(audio.streams[0]!.malformed).toBeUndefined();
    const ref = bcgDecode(frames.map((f, k): BcgFrame => (lost(k >> 1) ? 'erased' : f)));
    // The stream's last packet is not lost, so the WAV is the whole stream.
    expect(firstDiff(pcm, ref)).toBe(-1);
  });

  it('a gap of 10 packets (200 ms): 60 ms concealed, then silence until the next packet', async () => {
    const gap = (i: number): boolean => i >= 40 && i < 50;
    const { pcm } = await renderCodecCall({ payloads, pt: 18, step: 160, drop: gap });
    const from = 40 * 160;
    const ref = bcgDecode(frames.map((f, k): BcgFrame => (gap(k >> 1) ? 'erased' : f)));
    const concealed = G729_CONCEAL_FRAMES * 80;
    expect(firstDiff(pcm.subarray(0, from + concealed), ref.subarray(0, from + concealed))).toBe(-1);
    expect(pcm.subarray(from + concealed, 50 * 160).every((x) => x === 0)).toBe(true);
    expect(pcm.subarray(50 * 160).some((x) => x !== 0)).toBe(true);
  });

  it('Annex B: a DTX stream (one frame a packet, none sent in silence) is bcg729’s decoding, comfort noise in the gaps', async () => {
    const enc = bcgEncode(signals(8000).speech!, true);
    const sent = enc.map((f, k) => ({ f, k })).filter(({ f }) => f.length > 0);
    expect(sent.some(({ f }) => f.length === 2)).toBe(true);
    const { audio, pcm } = await renderCodecCall({
      payloads: sent.map(({ f }) => f),
      pt: 18,
      step: 80,
      tsOf: (i) => sent[i]!.k * 80,
      // (usOf(n), past the last packet, times the call's hang-up.)
      usOf: (i) => (sent[i]?.k ?? enc.length) * 10_000,
    });
    expect(audio.streams[0]).toMatchObject({ codec: 'G729', played: sent.length, lost: 0 });
    const ref = bcgDecode(enc.map((f): BcgFrame => (f.length === 0 ? 'erased' : f)));
    // The WAV ends with the last frame sent.
    const last = sent.at(-1)!.k;
    expect(pcm.length).toBe((last + 1) * 80);
    expect(firstDiff(pcm, ref.subarray(0, pcm.length))).toBe(-1);
  });
});
