/**
 * The merge panel's shift fields: a merged input's time shift shown and typed in ms (to the µs).
 */

/** `+120`, `-40.5`, `0` (ms, to the µs; a plus sign on a shift forward). */
export function formatShiftMs(us: number): string {
  if (us === 0) return '0';
  const ms = (Math.abs(us) / 1000).toFixed(3).replace(/\.?0+$/, '');
  return `${us < 0 ? '-' : '+'}${ms}`;
}

/** A typed shift in ms (`+120`, `-40.5`, `−3`, empty: 0) to whole µs; null when it is not a number. */
export function parseShiftMs(text: string): number | null {
  const t = text.trim().replace('−', '-');
  if (t === '') return 0;
  if (!/^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(t)) return null;
  const us = Math.round(Number(t) * 1000);
  // A day either way, as the host allows.
  return Number.isSafeInteger(us) && Math.abs(us) <= 24 * 3600 * 1e6 ? us : null;
}
