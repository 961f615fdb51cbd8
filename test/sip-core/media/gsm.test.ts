/**
 * GSM 06.10 (media/gsm.ts) against ffmpeg: bitstreams made by ffmpeg's libgsm encoder from a chirp,
 * noise, a speech-like signal and a full-scale square wave, and 300 frames of random bits (any lag,
 * gain, grid and pulse, the signature nibble kept), decode to exactly the samples of libgsm (ffmpeg
 * `-c:a libgsm`: the reference implementation, from the recommendation's fixed-point C; GSM 06.10 is
 * specified bit-exact). ffmpeg's own `gsm` decoder agrees on the signals that never saturate but
 * not where the 16-bit arithmetic saturates (the square wave, random frames): there it is not
 * bit-exact, and libgsm is the reference. Then as RTP (PT 3, one
 * 33-octet frame = 20 ms per packet): lost packets are silence of their length and the decoder goes
 * on from the frame before; two frames per packet play the same.
 */
import { describe, expect, it } from 'vitest';
import { GsmDecoder } from '../../../src/sip-core/media/gsm';
import { ffDecode, ffEncode, ffmpeg, signals } from './codec-capture';
import { firstDiff, renderCodecCall } from './codec-render';

const decodeAll = (bits: Uint8Array): Int16Array => {
  const out = new Int16Array((bits.length / 33) * 160);
  expect(new GsmDecoder().decode(bits, 0, bits.length, out, 0)).toBe(out.length);
  return out;
};
const ffGsm = (bits: Uint8Array): Int16Array => ffDecode(bits, ['-f', 'gsm']);
const libGsm = (bits: Uint8Array): Int16Array => ffDecode(bits, ['-c:a', 'libgsm', '-f', 'gsm']);

describe.skipIf(!ffmpeg)('GSM 06.10 decoding against ffmpeg (bit-exact)', () => {
  const sig = ffmpeg ? signals(8000) : {};
  for (const [name, pcm] of Object.entries(sig))
    it(`${name}: libgsm's encoding decodes to libgsm's samples, every one`, () => {
      const bits = ffEncode(pcm, 8000, 'libgsm', 'gsm');
      expect(bits.length).toBe((pcm.length / 160) * 33);
      const got = decodeAll(bits);
      expect(firstDiff(got, libGsm(bits))).toBe(-1);
      // ffmpeg's own decoder where nothing saturates.
      if (name !== 'square') expect(firstDiff(got, ffGsm(bits))).toBe(-1);
    });

  it('300 frames of random bits decode to libgsm’s samples', () => {
    let seed = 99;
    const bits = Uint8Array.from({ length: 300 * 33 }, (_, i) => {
      const r = (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
      return i % 33 === 0 ? 0xd0 | (r & 0x0f) : r;
    });
    expect(firstDiff(decodeAll(bits), libGsm(bits))).toBe(-1);
  });
});

describe.skipIf(!ffmpeg)('GSM over RTP (PT 3)', () => {
  const bits = ffmpeg ? ffEncode(signals(8000).speech!, 8000, 'libgsm', 'gsm') : new Uint8Array();
  const frames = Array.from({ length: bits.length / 33 }, (_, i) => bits.subarray(i * 33, (i + 1) * 33));
  const lost = (i: number): boolean => i % 10 === 7;

  it('losses silent: a lost packet is 160 samples of silence, the decoder going on from the frame before', async () => {
    const { audio, pcm } = await renderCodecCall(
      { payloads: frames, pt: 3, step: 160, drop: lost },
      { stream: 0 },
      'silence',
    );
    expect(audio.rate).toBe(8000);
    expect(audio.streams[0]).toMatchObject({ codec: 'GSM', played: 90, lost: 10 });
    expect(pcm.length).toBe(frames.length * 160);
    const kept = frames.filter((_, i) => !lost(i));
    const cat = new Uint8Array(kept.length * 33);
    kept.forEach((f, k) => cat.set(f, k * 33));
    const ref = libGsm(cat);
    let k = 0;
    for (let i = 0; i < frames.length; i++) {
      const got = pcm.subarray(i * 160, (i + 1) * 160);
      if (lost(i))
        expect(
          got.every((x) => x === 0),
          `packet ${i}: silence`,
        ).toBe(true);
      else expect(firstDiff(got, ref.subarray(k++ * 160, k * 160)), `packet ${i}`).toBe(-1);
    }
  });

  it('two frames per packet (40 ms, 320 ticks) play as the frames in one piece', async () => {
    const pairs = Array.from({ length: frames.length / 2 }, (_, i) => bits.subarray(i * 66, (i + 1) * 66));
    const { audio, pcm } = await renderCodecCall({ payloads: pairs, pt: 3, step: 320 });
    expect(audio.streams[0]).toMatchObject({ codec: 'GSM', played: pairs.length, lost: 0 });
    expect(firstDiff(pcm, libGsm(bits))).toBe(-1);
  });
});
