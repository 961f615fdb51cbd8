/**
 * Packet loss concealment by pitch repetition: ITU-T G.711 Appendix I ({@link conceal}), for the
 * decoders that have none of their own — G.711 itself (Appendix I is what the E-model's G.711 row
 * assumes), L16, G.722 (its Appendix III/IV are a receiver's option) and G.726 (no standard
 * concealment). GSM 06.10 substitutes parameters instead (gsm.ts, GSM 06.11); G.729 conceals in its
 * decoder (§4.4).
 *
 * A stateful decoder is re-synchronised on the concealment by the caller (rtp-audio.ts: G.722 and
 * G.726 re-encode it, `reencode`), so the next packet decodes from a state that followed the
 * concealed signal. With too little history before the gap (35 ms) there is nothing to repeat and
 * the gap stays silent.
 */

/** Concealment lasts at most this long (ms), then silence. */
export const PLC_MAX_MS = 60;
/** Full level for this long (ms), then the fade; also Appendix I's frame (the steps below). */
const PLC_HOLD_MS = 10;
/** The level lost per 10 ms after the first (Appendix I: 20%). */
const ATTENUATION = 0.2;
/** The correlation's energy floor (Appendix I's CORRMINPOWER): silence has no pitch to prefer. */
const CORR_MIN_POWER = 250;

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
    let e = 0;
    for (let j = end - len; j < end; j += step) {
      const y = x[j - t]!;
      c += x[j]! * y;
      e += y * y;
    }
    return c / Math.sqrt(Math.max(e, CORR_MIN_POWER));
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

/** One concealment: what fills a gap and how the next packet joins it. */
export interface Concealment {
  /**
   * From the gap's first sample: min(gap, {@link PLC_MAX_MS}) samples, then — when the gap is shorter
   * than that — the repetition continued past the gap for the fade, at the level it ended with.
   */
  pcm: Int16Array;
  /** Samples of the next packet to fade in from the continuation ({@link crossFade}). */
  fade: number;
  /** The pitch period repeated (samples). */
  period: number;
  /** The repetition at full level (no fade), `held` samples from the gap's start, when asked for. */
  held: Int16Array | null;
}

/**
 * ITU-T G.711 Appendix I's concealment of a gap of `gap` samples after `pcm[end)` (at `rate`; the
 * recommendation's 8 kHz figures scaled by time): the pitch period of the history ({@link pitchPeriod});
 * the last quarter period before `end` overlap-added with the quarter before the period (written back
 * to `pcm`, as the recommendation rewrites its history); that period repeated for the first 10 ms; at
 * 10 and 20 ms into the gap a second and a third period taken into the repeated buffer (each join
 * overlap-added over a quarter period, and the old buffer's continuation faded into the new one's);
 * from 10 ms on the level falls linearly by 20% per 10 ms, to nothing at {@link PLC_MAX_MS}; the rest
 * of a longer gap is silence. The fade into the next packet: a quarter period, + 4 ms per further
 * 10 ms lost, at most 10 ms, from the continuation at the level the gap ended with. null: under 35 ms
 * of history (the gap stays silent). With less history than three periods, fewer are used.
 * `held`: samples of the repetition wanted also at full level (a decoder's state re-encoded on the
 * signal as it went on, not as it fades).
 */
export function conceal(
  pcm: Int16Array,
  end: number,
  gap: number,
  rate: number,
  held = 0,
): Concealment | null {
  const t = pitchPeriod(pcm, end, rate);
  if (t === null || gap <= 0) return null;
  const q = t >> 2;
  const frame = Math.round((rate * PLC_HOLD_MS) / 1000);
  const stop = Math.round((rate * PLC_MAX_MS) / 1000);
  /** 10 ms frames the gap covers (Appendix I's erasure count when the next packet comes). */
  const frames = Math.ceil(gap / frame);
  const fade = Math.min(frame, q + (frames - 1) * Math.round(rate / 250));
  const periods = Math.min(3, Math.floor((end - q) / t));
  // The pitch buffer: the history's last `periods` periods and the quarter before them.
  const buf = Float64Array.from(pcm.subarray(end - periods * t - q, end));
  const bend = buf.length;
  const lastq = buf.slice(bend - q, bend);
  /** The buffer's last quarter period: the history's own, faded into the quarter before `start`. */
  const join = (start: number): void => {
    for (let j = 0; j < q; j++) {
      const w = (j + 1) / q;
      buf[bend - q + j] = lastq[j]! * (1 - w) + buf[start - q + j]! * w;
    }
  };
  let len = t;
  let start = bend - t;
  let off = 0;
  const next = (): number => {
    const v = buf[start + off]!;
    if (++off === len) off = 0;
    return v;
  };
  join(start);
  for (let j = 0; j < q; j++) pcm[end - q + j] = Math.round(buf[bend - q + j]!);
  const heard = Math.min(gap, stop);
  const endGain = Math.max(0, 1 - (frames - 1) * ATTENUATION);
  const out = new Int16Array(heard + (gap < stop ? fade : 0));
  const full = held > 0 ? new Int16Array(held) : null;
  let tail: Float64Array | null = null;
  let tailAt = 0;
  for (let j = 0; j < Math.max(out.length, held); j++) {
    if (j < heard && (j === frame || j === 2 * frame) && periods > j / frame) {
      // One more period in the buffer; the old buffer's next quarter period fades into the new one's.
      const saved = off;
      tail = Float64Array.from({ length: q }, next);
      off = saved;
      while (off > t) off -= t;
      len += t;
      start = bend - len;
      join(start);
      tailAt = j;
    }
    let v = next();
    const k = j - tailAt;
    if (tail && k < q) v = tail[k]! * (1 - (k + 1) / q) + v * ((k + 1) / q);
    if (full && j < held) full[j] = Math.round(v);
    if (j >= out.length) continue;
    const g = j >= heard ? endGain : j < frame ? 1 : 1 - (ATTENUATION * (j - frame)) / frame;
    out[j] = Math.round(v * g);
  }
  return { pcm: out, fade, period: t, held: full };
}

/**
 * Fades `pcm[at, at + len)` (the first samples after a gap) in from `cont` (the concealment continued
 * past the gap, `cont[from]` for sample `at`; zeros past its end): Appendix I's linear overlap-add.
 */
export function crossFade(pcm: Int16Array, at: number, len: number, cont: Int16Array, from: number): void {
  const n = Math.min(len, pcm.length - at);
  for (let j = 0; j < n; j++) {
    const w = (j + 1) / len;
    pcm[at + j] = Math.round((cont[from + j] ?? 0) * (1 - w) + pcm[at + j]! * w);
  }
}
