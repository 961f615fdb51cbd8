/**
 * Milliseconds as the stream reports show them: two decimals under 10 ms (either sign), whole above;
 * a round trip a hair below zero (DLSR counts 1/65536 s) reads 0.00, not -0.00; null is a dash.
 */
export function reportMs(v: number | null): string {
  if (v === null) return '–';
  return `${v.toFixed(Math.abs(v) < 10 ? 2 : 0).replace(/^-(0(\.0+)?)$/, '$1')} ms`;
}
