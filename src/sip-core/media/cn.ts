/**
 * RFC 3389 comfort noise (payload type 13, or a dynamic `CN/8000`, `CN/16000` rtpmap) as a receiver
 * plays it: the noise level and the spectral envelope a sender transmits at the start of (and during) a
 * silence it does not send, held until its next audio or CN packet.
 *
 * Payload (RFC 3389 §3): one octet, the noise level in −dBov (0–127; the most significant bit unused,
 * always 0), then zero or more reflection coefficients, one octet each (§3.2: k = (octet − 127) / 128,
 * the quantizer of §A). The model (§3.1, the same as ITU-T G.711 Appendix II's): white noise through
 * the all-pole synthesis filter 1/A(z), A(z) = 1 + Σ aᵢ z⁻ⁱ the direct form of the reflection
 * coefficients (step-up recursion), the excitation scaled so the output power is the level's:
 * for an all-pole filter the output power is the excitation's / Π(1 − kᵢ²).
 *
 * Level: 0 dBov is the overload of the 16-bit linear output (a full-scale square wave, RMS 32,767;
 * RFC 3389 §3.1's µ-law example, ±8,031 in 14 bits, is the same point at G.711's scale). ffmpeg's
 * `comfortnoise` decoder plays 1.25 dB lower (it multiplies the power by 0.75).
 *
 * Deterministic: the noise comes from a 32-bit xorshift generator seeded the same for every stream,
 * so a WAV made twice is the same file. A new CN packet during noise moves the gain to its level over
 * {@link CN_RAMP_MS} (no step), the filter to its coefficients at once (its memory kept).
 */

/** Reflection coefficients used at most (a longer payload is counted malformed, the rest ignored). */
export const CN_MAX_ORDER = 32;
/** A new level is reached over this many ms of noise. */
export const CN_RAMP_MS = 10;
/** The 16-bit linear overload point (0 dBov): a full-scale square wave's RMS. */
const DBOV_0 = 32767;
/** A reflection coefficient of magnitude ≥ 1 (octet 255 gives exactly 1) is held just inside. */
const K_MAX = 0.995;

/** What a CN payload says. */
export interface CnParams {
  /** The noise level, −dBov (0–127). */
  level: number;
  /** The reflection coefficients k₁…kₚ (p ≤ {@link CN_MAX_ORDER}). */
  reflection: number[];
  /** Why the payload is not as RFC 3389 §3 writes it (what could be read is used), if it is not. */
  malformed?: string;
}

/**
 * Reads a CN payload `b[s, e)`: null when it has no octet at all (nothing to play), else its level
 * and coefficients, `malformed` set where the payload breaks §3 (the level octet's top bit set: the
 * low 7 bits used; more than {@link CN_MAX_ORDER} coefficients: the first ones used).
 */
export function parseCn(b: Uint8Array, s: number, e: number): CnParams | null {
  if (e <= s) return null;
  const first = b[s]!;
  const order = Math.min(e - s - 1, CN_MAX_ORDER);
  const reflection: number[] = [];
  for (let i = 0; i < order; i++) {
    const k = (b[s + 1 + i]! - 127) / 128;
    reflection.push(k > K_MAX ? K_MAX : k < -K_MAX ? -K_MAX : k);
  }
  const malformed =
    first & 0x80
      ? 'noise level octet with its top bit set'
      : e - s - 1 > CN_MAX_ORDER
        ? `${e - s - 1} reflection coefficients (at most ${CN_MAX_ORDER} read)`
        : undefined;
  return { level: first & 0x7f, reflection, ...(malformed && { malformed }) };
}

/**
 * The direct-form coefficients a₁…aₚ of A(z) = 1 + Σ aᵢ z⁻ⁱ from reflection coefficients (the step-up
 * recursion: aᵢ⁽ᵐ⁾ = aᵢ⁽ᵐ⁻¹⁾ + kₘ aₘ₋ᵢ⁽ᵐ⁻¹⁾, aₘ⁽ᵐ⁾ = kₘ; the same convention as ffmpeg's and RFC 3389 §A).
 */
export function reflectionToLpc(k: readonly number[]): Float64Array {
  const p = k.length;
  let cur = new Float64Array(p);
  let next = new Float64Array(p);
  for (let m = 0; m < p; m++) {
    next[m] = k[m]!;
    for (let i = 0; i < m; i++) next[i] = cur[i]! + k[m]! * cur[m - i - 1]!;
    [cur, next] = [next, cur];
  }
  return cur;
}

/** A comfort noise generator (one per stream and CN rate): parameters from CN packets, noise on demand. */
export class ComfortNoise {
  /**
   * Filter coefficients a₁…aₚ and the last outputs: a ring of {@link CN_MAX_ORDER} written twice (at
   * `#pos` and `#pos + CN_MAX_ORDER`), so the newest p are read in one run from `#pos + CN_MAX_ORDER − 1` down.
   */
  #a: Float64Array = new Float64Array(0);
  #mem = new Float64Array(2 * CN_MAX_ORDER);
  #pos = 0;
  /** The excitation's scale now and the one being ramped to; NaN before the first CN packet. */
  #gain = Number.NaN;
  #target = 0;
  #step = 0;
  #seed = 0x2545f491;
  readonly #ramp: number;

  /** `rate`: the samples per second made (the CN payload type's clock rate). */
  constructor(readonly rate: number) {
    this.#ramp = Math.max(1, Math.round((rate * CN_RAMP_MS) / 1000));
  }

  /** Whether a CN packet has given the noise its parameters. */
  get ready(): boolean {
    return !Number.isNaN(this.#gain);
  }

  /** Takes one CN packet's parameters (from its first sample on). */
  set(p: CnParams): void {
    this.#a = reflectionToLpc(p.reflection);
    let e = 1;
    for (const k of p.reflection) e *= 1 - k * k;
    // Uniform excitation in [−1, 1) has power 1/3: scale = rms · √(3·Π(1 − k²)).
    const rms = p.level >= 127 ? 0 : DBOV_0 * 10 ** (-p.level / 20);
    this.#target = rms * Math.sqrt(3 * e);
    if (Number.isNaN(this.#gain)) {
      this.#gain = this.#target;
      this.#step = 0;
    } else this.#step = (this.#target - this.#gain) / this.#ramp;
  }

  /**
   * Adds `n` samples of noise to `out` from `at` (clipped to 16 bits; what falls past the end of
   * `out` is made and dropped, so the noise goes on the same). Nothing before the first {@link set}.
   */
  fill(out: Int16Array, at: number, n: number): void {
    if (Number.isNaN(this.#gain)) return;
    const a = this.#a;
    const p = a.length;
    const mem = this.#mem;
    const M = CN_MAX_ORDER;
    let pos = this.#pos;
    let seed = this.#seed;
    let gain = this.#gain;
    const target = this.#target;
    let step = this.#step;
    for (let j = 0; j < n; j++) {
      // xorshift32: a full-period 32-bit generator, its top bits as a uniform number in [−1, 1).
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      if (step !== 0) {
        gain += step;
        if ((step > 0 && gain >= target) || (step < 0 && gain <= target)) {
          gain = target;
          step = 0;
        }
      }
      let y = (gain * (seed | 0)) / 2147483648;
      const newest = pos + M - 1;
      for (let i = 0; i < p; i++) y -= a[i]! * mem[newest - i]!;
      mem[pos] = mem[pos + M] = y;
      if (++pos === M) pos = 0;
      const o = at + j;
      if (o >= 0 && o < out.length) {
        const v = Math.round(out[o]! + y);
        out[o] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
      }
    }
    this.#pos = pos;
    this.#seed = seed;
    this.#gain = gain;
    this.#step = step;
  }
}
