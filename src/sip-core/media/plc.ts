/**
 * Packet loss concealment by pitch repetition, in the manner of ITU-T G.711 Appendix I, for a codec
 * whose decoder has none of its own (G.722 here: its Appendix III/IV are a receiver's option). The
 * decoded signal before the gap is searched for its pitch period (5–15 ms, the normalised
 * cross-correlation of its last 20 ms), its last quarter period is overlap-added with the one a
 * period earlier so the repeated period joins itself smoothly (Appendix I's OLA), and the last period
 * is repeated: at full level for the first 10 ms, then attenuated linearly (20% per 10 ms) to
 * nothing at {@link PLC_MAX_MS}; the rest of a longer gap is silence. The first samples after the gap
 * are overlap-added from the continued concealment ({@link resumeOla}: 4 ms, + 4 ms per 10 ms of
 * loss, at most 10 ms), so the next packet fades in instead of starting with a step.
 *
 * The caller re-synchronises a stateful decoder on the concealment (G.722: `G722Decoder.reencode`,
 * g722.ts); with too little history before the gap (35 ms), there is nothing to repeat
 * and the gap stays silent.
 */

/** Concealment lasts at most this long (ms), then silence. */
export const PLC_MAX_MS = 60;
/** Full level for this long (ms), then the fade. */
const PLC_HOLD_MS = 10;

/**
 * The pitch period (samples) of `x` just before `end`: the lag of 5–15 ms whose copy of the last
 * 20 ms correlates best (normalised), searched at 8 kHz lags on every other 8 kHz sample first, then
 * ± 2 samples around it in full. null when `x` has under 35 ms before `end`.
 */
export function pitchPeriod(x: Int16Array, end: number, rate: number): number | null {
  const minT = Math.round(rate / 200);
  const maxT = Math.round((rate * 3) / 200);
  const len = Math.round(rate / 50);
  if (end < len + maxT + 2 || end > x.length) return null;
  const score = (t: number, step: number): number => {
    let c = 0;
    let e = 1;
    for (let j = end - len; j < end; j += step) {
      const y = x[j - t]!;
      c += x[j]! * y;
      e += y * y;
    }
    return c / Math.sqrt(e);
  };
  // Coarse: every 8 kHz lag (2 samples at 16 kHz), on every other 8 kHz sample (G.711 Appendix I's
  // 2:1 decimated search).
  const per8k = Math.max(1, Math.round(rate / 8000));
  let best = minT;
  let bestScore = -Infinity;
  for (let t = minT; t <= maxT; t += per8k) {
    const s = score(t, 2 * per8k);
    if (s > bestScore) {
      bestScore = s;
      best = t;
    }
  }
  const coarse = best;
  bestScore = -Infinity;
  for (let t = Math.max(minT, coarse - 2); t <= Math.min(maxT, coarse + 2); t++) {
    const s = score(t, 1);
    if (s > bestScore) {
      bestScore = s;
      best = t;
    }
  }
  return best;
}

/**
 * The concealment of a gap starting at `end` in `pcm` (at `rate`), `n` samples long (zeros after
 * {@link PLC_MAX_MS}): the last pitch period repeated with the fade. The quarter period before `end`
 * is overlap-added in `pcm` itself (G.711 Appendix I smooths the join the same way). null: too
 * little history (see {@link pitchPeriod}).
 */
export function pitchRepeat(pcm: Int16Array, end: number, n: number, rate: number): Int16Array | null {
  const t = pitchPeriod(pcm, end, rate);
  if (t === null) return null;
  const q = t >> 2;
  for (let j = 0; j < q; j++) {
    const w = (j + 1) / (q + 1);
    const o = end - q + j;
    pcm[o] = Math.round(pcm[o]! * (1 - w) + pcm[o - t]! * w);
  }
  const hold = Math.round((rate * PLC_HOLD_MS) / 1000);
  const stop = Math.round((rate * PLC_MAX_MS) / 1000);
  const out = new Int16Array(n);
  const m = Math.min(n, stop);
  for (let j = 0; j < m; j++) {
    const g = j < hold ? 1 : (stop - j) / (stop - hold);
    out[j] = Math.round(pcm[end - t + (j % t)]! * g);
  }
  return out;
}

/** Samples overlap-added after a gap of `gap` samples (G.711 Appendix I: 4 ms + 4 ms per 10 ms lost, ≤ 10 ms). */
export function resumeOla(gap: number, rate: number): number {
  const tenMs = rate / 100;
  return Math.round(Math.min(rate / 100, (rate / 250) * (1 + Math.floor(Math.max(0, gap - 1) / tenMs))));
}

/**
 * Fades `pcm[at, at + len)` (the first samples after a gap) in from `cont` (the concealment continued
 * past the gap, `cont[0]` for sample `at`): a linear cross-fade.
 */
export function crossFade(pcm: Int16Array, at: number, len: number, cont: Int16Array, from: number): void {
  const n = Math.min(len, pcm.length - at);
  for (let j = 0; j < n; j++) {
    const w = (j + 1) / (len + 1);
    pcm[at + j] = Math.round((cont[from + j] ?? 0) * (1 - w) + pcm[at + j]! * w);
  }
}
