import { describe, expect, it } from 'vitest';
import { initialWindowSize, WINDOW_MAX, WINDOW_MIN } from '../../src/main/window-size';

describe('the desktop window’s first size', () => {
  it('takes 92% of the work area, at most 1680×1050, never under the minimum', () => {
    // A 1920×1080 screen (work area without a 40 px panel): capped, larger than the old 1400×900.
    expect(initialWindowSize({ width: 1920, height: 1040 })).toEqual({ width: 1680, height: 956 });
    // A 1366×768 laptop: inside its work area (1400×900 was not).
    expect(initialWindowSize({ width: 1366, height: 728 })).toEqual({ width: 1256, height: 669 });
    expect(initialWindowSize({ width: 3840, height: 2160 })).toEqual(WINDOW_MAX);
    expect(initialWindowSize({ width: 800, height: 500 })).toEqual(WINDOW_MIN);
  });
});
