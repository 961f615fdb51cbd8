/** The merge panel's shift fields: ms typed and shown, to the µs. */
import { describe, expect, it } from 'vitest';
import { formatShiftMs, parseShiftMs } from '../../../src/renderer/src/lib/capture/merge-shift';

describe('a merged input shift in ms', () => {
  it('is shown signed, to the µs', () => {
    expect([0, 120_000, -40_500, 1, -1_000_000].map(formatShiftMs)).toEqual([
      '0',
      '+120',
      '-40.5',
      '+0.001',
      '-1000',
    ]);
  });
  it('is read back to whole µs; an empty field is 0, anything else not a number', () => {
    expect(['+120', '-40.5', '−3', ' 7 ', '', '.5', '0.0004'].map(parseShiftMs)).toEqual([
      120_000, -40_500, -3000, 7000, 0, 500, 0,
    ]);
    for (const bad of ['12x', '1e3', '--1', '+', 'NaN', '86400001']) expect(parseShiftMs(bad)).toBeNull();
    for (const us of [120_000, -40_500, 1]) expect(parseShiftMs(formatShiftMs(us))).toBe(us);
  });
});
