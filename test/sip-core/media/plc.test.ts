/**
 * Packet loss concealment by pitch repetition (media/plc.ts; G.722 uses it, g722.test.ts) against
 * spandsp's (Debian's libspandsp2, which sipp depends on): Steve Underwood's concealment in the manner
 * of G.711 Appendix I, which Asterisk-based and FreeSWITCH PBXs play. A small C program feeds it 20 ms
 * frames (`plc_rx`) and asks it to fill the lost ones (`plc_fillin`); the same signal with the same
 * frames lost goes through plc.ts at 8 kHz (the last pitch period repeated, the fade, the fade-in
 * after). Samples are not compared (the two join the repetition differently); the SNR of the lost
 * frames against the original is: on a steady vowel plc.ts 10.2 dB where spandsp gives 6.6 (two frames
 * lost together 6.0 / 4.2), on the speech-like signal whose pitch moves both below 0 dB (−2.0 / −1.1:
 * worse than silence by this measure); plc.ts is not worse than spandsp by more than 3 dB on any.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { conceal, crossFade, pitchPeriod } from '../../../src/sip-core/media/plc';
import { requirePeer } from '../../helpers/peers';
import { buildCReference } from './c-reference';
import { signals, snrDb } from './codec-capture';

const SOURCE = `#include <stdint.h>
#include <stdio.h>
typedef struct plc_state_s plc_state_t;
plc_state_t *plc_init(plc_state_t *s);
int plc_rx(plc_state_t *s, int16_t amp[], int len);
int plc_fillin(plc_state_t *s, int16_t amp[], int len);
int plc_free(plc_state_t *s);
/* Records on stdin: 1 and 160 samples (received) or 0 (lost) -> 160 samples out per record. */
int main(void) {
  plc_state_t *s = plc_init(NULL);
  int16_t amp[160];
  int c;
  while ((c = fgetc(stdin)) != EOF) {
    if (c == 1) {
      if (fread(amp, 2, 160, stdin) != 160) return 1;
      plc_rx(s, amp, 160);
    } else plc_fillin(s, amp, 160);
    fwrite(amp, 2, 160, stdout);
  }
  plc_free(s);
  return 0;
}
`;

const gcc = requirePeer('gcc');
const lib = requirePeer('libspandsp');
const spandsp = buildCReference('spandsp-plc', SOURCE, gcc, lib);

/** spandsp's playing of `x` (8 kHz) in 160-sample frames, the `lost` ones filled in. */
function spandspPlay(x: Int16Array, lost: (i: number) => boolean): Int16Array {
  const frames = Math.floor(x.length / 160);
  const input: number[] = [];
  for (let i = 0; i < frames; i++) {
    if (lost(i)) input.push(0);
    else {
      input.push(1);
      input.push(...new Uint8Array(x.buffer, x.byteOffset + i * 320, 320));
    }
  }
  const out = execFileSync(spandsp!, [], { input: Uint8Array.from(input), maxBuffer: 64 << 20 });
  return new Int16Array(out.buffer.slice(out.byteOffset, out.byteOffset + out.byteLength));
}

/** plc.ts's playing of the same: each lost frame concealed, the next received one faded in. */
function ourPlay(x: Int16Array, lost: (i: number) => boolean): Int16Array {
  const frames = Math.floor(x.length / 160);
  const out = new Int16Array(frames * 160);
  for (let i = 0; i < frames; i++) {
    if (!lost(i)) {
      out.set(x.subarray(i * 160, (i + 1) * 160), i * 160);
      continue;
    }
    let n = 1;
    while (i + n < frames && lost(i + n)) n++;
    const gap = n * 160;
    const c = conceal(out, i * 160, gap, 8000);
    if (c) {
      out.set(c.pcm.subarray(0, Math.min(gap, 480)), i * 160);
      if (i + n < frames) {
        out.set(x.subarray((i + n) * 160, (i + n + 1) * 160), (i + n) * 160);
        crossFade(out, (i + n) * 160, c.fade, c.pcm, gap);
      }
    }
    i += n - 1;
  }
  return out;
}

/** The SNR (dB) of `got` against `ref` over the lost frames only. */
function lostSnr(ref: Int16Array, got: Int16Array, lost: (i: number) => boolean): number {
  const r: number[] = [];
  const g: number[] = [];
  for (let i = 0; i < Math.floor(ref.length / 160); i++)
    if (lost(i))
      for (let j = 0; j < 160; j++) {
        r.push(ref[i * 160 + j]!);
        g.push(got[i * 160 + j]!);
      }
  return snrDb(Int16Array.from(r), Int16Array.from(g));
}

const vowel = (rate: number, hz: number): Int16Array =>
  Int16Array.from({ length: rate * 2 }, (_, i) => {
    let v = 0;
    for (let h = 1; h <= 15 && h * hz < rate / 2; h++)
      v += Math.sin((2 * Math.PI * h * hz * i) / rate + h) / h;
    return Math.round(6000 * v);
  });

describe('pitch repetition (plc.ts)', () => {
  it('finds the pitch period of a voiced sound, at 8 and 16 kHz', () => {
    expect(pitchPeriod(vowel(8000, 130), 8000, 8000)).toBeOneOf([61, 62]);
    expect(pitchPeriod(vowel(16000, 130), 16000, 16000)).toBeOneOf([123, 124]);
    expect(pitchPeriod(vowel(16000, 100), 16000, 16000)).toBe(160);
    // Under 35 ms of history: nothing to repeat.
    expect(pitchPeriod(vowel(8000, 130), 200, 8000)).toBeNull();
  });

  it('fades out from 10 ms to nothing at 60 ms; the fade-in after is a quarter period + 4 ms per further 10 ms (≤ 10 ms)', () => {
    const x = vowel(8000, 130);
    const c = conceal(x.slice(), 4000, 800, 8000)!;
    const rms = (a: Int16Array): number => Math.sqrt(a.reduce((e: number, v) => e + v * v, 0) / a.length);
    expect(rms(c.pcm.subarray(0, 80)) / rms(x.subarray(4000, 4080))).toBeGreaterThan(0.8);
    expect(rms(c.pcm.subarray(400, 480)) / rms(c.pcm.subarray(0, 80))).toBeLessThan(0.5);
    // 800 samples lost: 480 heard (60 ms), nothing continued past a gap that long.
    expect(c.pcm.length).toBe(480);
    expect(c.period).toBeOneOf([61, 62]);
    const q = c.period >> 2;
    expect([80, 160, 240, 1000].map((g) => conceal(x.slice(), 4000, g, 8000)!.fade)).toEqual([
      q,
      q + 32,
      Math.min(80, q + 64),
      80,
    ]);
    // A 20 ms gap: 160 samples heard, then the continuation for the fade at the level reached (0.8).
    expect(conceal(x.slice(), 4000, 160, 8000)!.pcm.length).toBe(160 + q + 32);
  });
});

describe.skipIf(!spandsp)('against spandsp’s concealment (G.711 Appendix I style)', () => {
  const every10 = (i: number): boolean => i > 2 && i % 10 === 3;
  const pairs = (i: number): boolean => i > 2 && (i % 10 === 3 || i % 10 === 4);
  const cases: [string, Int16Array, (i: number) => boolean, number][] = [
    ['a steady 130 Hz vowel, every 10th frame lost', vowel(8000, 130), every10, 8],
    ['a steady 130 Hz vowel, two frames in ten lost together', vowel(8000, 130), pairs, 4],
    [
      'the speech-like signal (moving pitch), every 10th frame lost',
      signals(8000).speech!,
      every10,
      -Infinity,
    ],
  ];
  for (const [name, x, lost, floor] of cases)
    it(`${name}: plc.ts within 3 dB of spandsp (or better)`, () => {
      const theirs = lostSnr(x, spandspPlay(x, lost), lost);
      const ours = lostSnr(x, ourPlay(x, lost), lost);
      console.log(
        `PLC, ${name}: SNR of the lost frames, spandsp ${theirs.toFixed(2)} dB, plc.ts ${ours.toFixed(2)} dB`,
      );
      expect(ours).toBeGreaterThan(theirs - 3);
      expect(ours).toBeGreaterThan(floor);
    });
});
