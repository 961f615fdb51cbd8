/**
 * The desktop window's first size from the screen's work area: 92% of it, at most 1680×1050 (room
 * for the calls list's From/To and the messages list's addresses whole), never under the window's
 * minimum (900×560). A fixed 1400×900 was too small on large screens and larger than a 1366×768
 * laptop's work area.
 */
export const WINDOW_MIN = { width: 900, height: 560 } as const;
export const WINDOW_MAX = { width: 1680, height: 1050 } as const;

export function initialWindowSize(work: { width: number; height: number }): {
  width: number;
  height: number;
} {
  const fit = (avail: number, min: number, max: number): number =>
    Math.max(min, Math.min(max, Math.floor(avail * 0.92)));
  return {
    width: fit(work.width, WINDOW_MIN.width, WINDOW_MAX.width),
    height: fit(work.height, WINDOW_MIN.height, WINDOW_MAX.height),
  };
}
