/**
 * G.726 (media/g726.ts) against ffmpeg's `adpcm_g726` decoder: ffmpeg's encodings of a chirp, noise,
 * a speech-like signal and a full-scale square wave at 16, 24, 32 and 40 kbit/s, in both packings
 * (`-f g726`: the first codeword in the most significant bits, AAL2; `-f g726le`: in the least, RFC
 * 3551), and random octets, decode to exactly ffmpeg's samples — except where ffmpeg's output wraps:
 * it clips SR × 4 to ±65,535 and stores it in 16 bits, so a reconstruction beyond full scale comes out
 * with the wrong sign; sipscope clips to 16 bits (checked: those samples are ffmpeg's value ± 65,536
 * clipped). Then as RTP: `G726-32/8000` (dynamic PT) with loss, and `AAL2-G726-32`.
 */
import { describe, expect, it } from 'vitest';
import { G726Decoder, type G726Packing } from '../../../src/sip-core/media/g726';
import { ffDecode, ffEncode, ffmpeg, signals } from './codec-capture';
import { renderCodecCall } from './codec-render';

const FORMAT: Record<G726Packing, string> = { aal2: 'g726', rfc3551: 'g726le' };

function decodeAll(bits: Uint8Array, size: number, packing: G726Packing): Int16Array {
  const d = new G726Decoder(size, packing);
  const out = new Int16Array(d.samplesIn(bits.length));
  expect(d.decode(bits, 0, bits.length, out, 0)).toBe(out.length);
  return out;
}
const ffG726 = (bits: Uint8Array, size: number, packing: G726Packing): Int16Array =>
  ffDecode(bits, ['-f', FORMAT[packing], '-code_size', String(size), '-ar', '8000']);

/** Samples that differ, other than where ffmpeg's 16-bit store wrapped a value beyond full scale. */
function differences(got: Int16Array, ref: Int16Array): { count: number; wrapped: number; first: number } {
  let count = 0;
  let wrapped = 0;
  let first = -1;
  if (got.length !== ref.length) return { count: Math.abs(got.length - ref.length), wrapped, first: 0 };
  for (let i = 0; i < got.length; i++) {
    if (got[i] === ref[i]) continue;
    const unwrapped = ref[i]! < 0 ? ref[i]! + 65536 : ref[i]! - 65536;
    if (Math.max(-32768, Math.min(32767, unwrapped)) === got[i]) wrapped++;
    else {
      count++;
      if (first < 0) first = i;
    }
  }
  return { count, wrapped, first };
}

describe.skipIf(!ffmpeg)('G.726 decoding against ffmpeg', () => {
  const sig = ffmpeg ? signals(8000) : {};
  for (const size of [2, 3, 4, 5])
    for (const packing of ['rfc3551', 'aal2'] as const)
      it(`G726-${size * 8} (${packing}): ffmpeg's encodings of 4 signals decode to ffmpeg's samples`, () => {
        for (const [name, pcm] of Object.entries(sig)) {
          const enc = ffEncode(pcm, 8000, FORMAT[packing], FORMAT[packing], ['-code_size', String(size)]);
          expect(enc.length).toBe(Math.ceil((pcm.length * size) / 8));
          const d = differences(decodeAll(enc, size, packing), ffG726(enc, size, packing));
          expect(d, name).toMatchObject({ count: 0 });
          if (name !== 'square') expect(d.wrapped, name).toBe(0);
        }
      });

  // The re-encoding that keeps a decoder's state on a concealed loss (rtp-audio.ts) is ffmpeg's
  // encoder: from a fresh state, re-encoding a signal decodes to what ffmpeg's encoding of it decodes to.
  for (const size of [2, 3, 4, 5])
    it(`G726-${size * 8}: reencode is ffmpeg's encoder (4 signals, every sample)`, () => {
      for (const [name, pcm] of Object.entries(sig)) {
        const enc = ffEncode(pcm, 8000, 'g726le', 'g726le', ['-code_size', String(size)]);
        const ref = ffG726(enc, size, 'rfc3551');
        const got = new Int16Array(ref.length);
        new G726Decoder(size, 'rfc3551').reencode(pcm, 0, got.length, got, 0);
        expect(differences(got, ref), name).toMatchObject({ count: 0 });
      }
    });

  it('random octets decode to ffmpeg’s samples (both packings, 32 kbit/s)', () => {
    let seed = 5;
    const bits = Uint8Array.from({ length: 4000 }, () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24);
    for (const packing of ['rfc3551', 'aal2'] as const)
      expect(differences(decodeAll(bits, 4, packing), ffG726(bits, 4, packing))).toMatchObject({ count: 0 });
  });
});

describe.skipIf(!ffmpeg)('G.726 over RTP', () => {
  const pcm = ffmpeg ? signals(8000).speech! : new Int16Array();
  const lost = (i: number): boolean => i % 10 === 4;
  for (const [packing, name] of [
    ['rfc3551', 'G726-32'],
    ['aal2', 'AAL2-G726-32'],
  ] as const)
    it(`${name}/8000 on a dynamic payload type: 80 octets a packet, a lost one (losses silent) 160 samples of silence`, async () => {
      const bits = ffEncode(pcm, 8000, FORMAT[packing], FORMAT[packing], ['-code_size', '4']);
      const payloads = Array.from({ length: bits.length / 80 }, (_, i) =>
        bits.subarray(i * 80, (i + 1) * 80),
      );
      const { audio, pcm: got } = await renderCodecCall(
        {
          payloads,
          pt: 97,
          step: 160,
          drop: lost,
          dynamic: [97, `${name}/8000`],
        },
        { stream: 0 },
        'silence',
      );
      expect(audio.rate).toBe(8000);
      expect(audio.streams[0]).toMatchObject({ codec: name, played: 90, lost: 10 });
      expect(got.length).toBe(payloads.length * 160);
      const kept = payloads.filter((_, i) => !lost(i));
      const cat = new Uint8Array(kept.length * 80);
      kept.forEach((p, k) => cat.set(p, k * 80));
      const ref = ffG726(cat, 4, packing);
      // After a loss the decoder's state no longer matches the encoder's (ADPCM has no resync), so its
      // output can overshoot: ffmpeg's wrap shows there too.
      let k = 0;
      for (let i = 0; i < payloads.length; i++) {
        const part = got.subarray(i * 160, (i + 1) * 160);
        if (lost(i))
          expect(
            part.every((x) => x === 0),
            `packet ${i}: silence`,
          ).toBe(true);
        else
          expect(differences(part, ref.subarray(k++ * 160, k * 160)), `packet ${i}`).toMatchObject({
            count: 0,
          });
      }
    });
});
