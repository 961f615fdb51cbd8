/**
 * Packet loss concealment by pitch repetition (media/plc.ts, ITU-T G.711 Appendix I): the pitch
 * period found at 8 and 16 kHz, the level held 10 ms then falling to nothing at 60 ms, the fade into
 * the next packet a quarter period + 4 ms per further 10 ms lost (at most 10 ms). The concealment as
 * played, per codec and against spandsp's: concealment.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { conceal, pitchPeriod } from '../../../src/sip-core/media/plc';
import { vowel } from './plc-reference';

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
