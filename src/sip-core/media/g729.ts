/**
 * ITU-T G.729 / G.729 Annex A speech decoder (CS-ACELP, 8 kbit/s): 10-octet frames of 80 samples at
 * 8 kHz, each two 5 ms subframes. Annex A's bitstream is G.729's, so one decoder plays both; this one
 * runs Annex A's decoder side (its simpler post-filter, §A.4.2).
 *
 * Per frame (G.729 §4.1, Table 8's 15 parameters): the LSFs from the two-stage VQ with the switched MA
 * predictor (§3.2.4), made stable, turned into LSPs and interpolated for the first subframe (§3.2.5),
 * then LP coefficients (§3.2.6). Per subframe: the pitch delay (P1 with its parity bit P0, P2 relative
 * to it, §4.1.3), the adaptive codebook vector through the 1/3-resolution interpolation filter b30
 * (§3.7.1), the algebraic codebook's four pulses with pitch sharpening (§3.8), the gains from the
 * conjugate VQ with MA-predicted fixed gain (§3.9), the excitation and the synthesis filter 1/Â(z)
 * (§4.1.6); then Annex A's post-filter — long-term (integer delay), tilt compensation, short-term
 * filter, adaptive gain control (§A.4.2) — and the 100 Hz high-pass with ×2 upscaling (§4.2.5).
 * Frame erasure (§4.4): the last good LSFs again, the pitch delay of the last subframe + 1, random
 * codebook indexes, gains attenuated (0.9 / 0.98 per subframe) — {@link G729Decoder.conceal}.
 *
 * The fixed-point arithmetic (where to round, the log2/exp2/sqrt/cos approximations) follows bcg729,
 * the G.729 Annex A decoder Debian ships (libbcg729, a Wireshark dependency), so the output can be
 * checked sample by sample: test/sip-core/media/g729.test.ts compares it with that library and with
 * ffmpeg's G.729 decoder (a G.729 main-body decoder, whose post-filter differs: near, not equal).
 * Where bcg729 departs from the Recommendation the Recommendation is followed (the LSF lower limit is
 * applied to the first LSF, §3.2.4; bcg729 applies it to the second).
 * Annex B (§B.4): a SID frame's noise LSFs and gain drive the comfort noise generator — a random
 * adaptive part, Gaussian noise and four pulses, through the same synthesis and post-filter — and the
 * frames a DTX sender leaves out are more comfort noise ({@link G729Decoder.conceal} after a SID frame).
 * @remarks RTP (RFC 3551 §4.5.6): payload type 18, zero or more 10-octet frames then at most one
 * 2-octet Annex B SID frame. A payload of another length decodes its whole frames and is counted as
 * malformed by the caller; the rest is ignored, never a throw.
 */
import * as T from './g729-tables';

// The tables as this module's own constants: under tsx (vitest) an imported binding is a getter
// (its CommonJS interop), which cost a sixth of the decoder's time in its inner loops there.
const GAIN_CB_A = T.GAIN_CB_A;
const GAIN_CB_B = T.GAIN_CB_B;
const GAIN_MAP_A = T.GAIN_MAP_A;
const GAIN_MAP_B = T.GAIN_MAP_B;
const GAIN_PRED = T.GAIN_PRED;
const INTERP_B30 = T.INTERP_B30;
const LSP_CB1 = T.LSP_CB1;
const LSP_CB2 = T.LSP_CB2;
const MA_PRED = T.MA_PRED;
const MA_PRED_SUM = T.MA_PRED_SUM;
const MA_PRED_SUM_INV = T.MA_PRED_SUM_INV;
const SID_CB1_INDEX = T.SID_CB1_INDEX;
const SID_CB2_INDEX = T.SID_CB2_INDEX;
const SID_CB3_INDEX = T.SID_CB3_INDEX;
const SID_MA_PRED = T.SID_MA_PRED;
const SID_MA_PRED_SUM = T.SID_MA_PRED_SUM;
const SID_GAIN = T.SID_GAIN;

/** Octets and samples of one speech frame; octets of an Annex B SID frame. */
export const G729_FRAME_OCTETS = 10;
export const G729_FRAME_SAMPLES = 80;
export const G729_SID_OCTETS = 2;

/** Whether a payload of `len` octets is whole G.729 frames (and at most one SID frame at the end). */
export function g729PayloadOk(len: number): boolean {
  const r = len % G729_FRAME_OCTETS;
  return r === 0 || r === G729_SID_OCTETS;
}

/** Samples a payload of `len` octets plays (80 per speech frame, 80 for a SID frame). */
export function g729Samples(len: number): number {
  const frames = Math.floor(len / G729_FRAME_OCTETS);
  return (frames + (len % G729_FRAME_OCTETS === G729_SID_OCTETS ? 1 : 0)) * G729_FRAME_SAMPLES;
}

const L_SUB = 40;
/** Past excitation kept: the longest delay (143, +1 for the fraction) and the filter's 10 taps. */
const PAST_EXC = 154;
const MAX_PITCH = 143;
/** Post-filter weights γn^i (0.55) and γd^i (0.70), i = 1..10, Q15 (§A.4.2). */
const GAMMA_N = new Int32Array([18022, 9912, 5452, 2998, 1649, 907, 499, 274, 151, 83]);
const GAMMA_D = new Int32Array([22938, 16056, 11239, 7868, 5507, 3855, 2699, 1889, 1322, 926]);
/** The initial LSPs (Q15) and LSF codewords (π/11 steps, Q13) of §3.2.4 / the reference decoder. */
const LSP_INIT = [30000, 26000, 21000, 15000, 8000, 0, -8000, -15000, -21000, -26000];
const LSF_INIT = [2339, 4679, 7018, 9358, 11698, 14037, 16377, 18717, 21056, 23396];
/** Annex B: the comfort noise LSPs before any SID frame (Q15), the generator's seed at each speech frame. */
const SID_LSP_INIT = [31441, 27566, 21458, 13612, 4663, -4663, -13612, -21458, -27566, -31441];
const CNG_SEED = 11111;

/** §4.4.4 eq. 96 (and Annex B's generator): the 16-bit linear congruential random numbers. */
const nextRandom = (x: number): number => (13849 + x * 31821) & 0xffff;

// ---- fixed-point helpers (16-bit values in JS numbers, 32-bit accumulators wrap as in C) ----
const t16 = (x: number): number => (x << 16) >> 16;
const sat16 = (x: number): number => (x > 32767 ? 32767 : x < -32768 ? -32768 : x);
/** Shift right with rounding. */
const pshr = (a: number, s: number): number => ((a + (1 << (s - 1))) | 0) >> s;
/** 16 × 32-bit products kept in 32 bits, rounded (P) or truncated (Q). */
const m32q = (a: number, b: number, s: number): number =>
  (a * (b >> s) + ((a * (b & ((1 << s) - 1))) >> s)) | 0;
const m32p = (a: number, b: number, s: number): number =>
  (a * (b >> s) + pshr(a * (b & ((1 << s) - 1)), s)) | 0;
/** 16 × 16 rounded products. */
const mp = (a: number, b: number, s: number): number => (((1 << (s - 1)) + a * b) | 0) >> s;
/** A shift right by `s`, left when `s` is negative. */
const vshr = (a: number, s: number): number => (s > 0 ? a >> s : a << -s);
/** Leading zeros of a non-negative 32-bit value, the sign bit not counted (0 → 31). */
const clzSigned = (x: number): number => (x === 0 ? 31 : Math.clz32(x) - 1);

/** log2(x) in Q16 for x > 0 in Q0 (a cubic on the normalized mantissa). */
function log2q16(x: number): number {
  const lz = clzSigned(x);
  const ret = (30 - lz) << 16;
  const acc = t16(vshr(x, 16 - lz));
  return (ret + (-135003 + m32q(acc, 378194 + m32q(acc, -252129 + m32q(acc, 74705, 15), 15), 15))) | 0;
}

/** 2^x for x in Q11, result in Q16. */
function exp2q16(x: number): number {
  const int = x >> 11;
  if (int > 14) return 0x7fffffff;
  if (int < -15) return 0;
  let f = t16((x - (int << 11)) << 3);
  f = t16(16384 + ((f * t16(11356 + ((f * t16(3726 + ((1301 * f) >> 14))) >> 14))) >> 14));
  return vshr(f, -int - 2);
}

/** √x for an unsigned 32-bit x in Q0, result in Q7. */
function sqrtq7(x: number): number {
  if (x === 0) return 0;
  const k = (19 - Math.clz32(x)) >> 1;
  const s = k << 1;
  const y = s > 0 ? x >>> s : (x << -s) >>> 0;
  const rt = t16(3634 + ((y * t16(21173 + ((y * t16(-12627 + ((y * 4204) >> 14))) >> 14))) >> 14));
  return vshr(rt, -k);
}

/** 1/√x in Q31 for x ≥ 1 in Q0 (√x in Q7 shifted by 24, divided by x; 64-bit in the original). */
function invSqrtQ31(x: number): number {
  if (x <= 1) return 0x7fffffff;
  return Number((BigInt(sqrtq7(x)) << 24n) / BigInt(x)) | 0;
}

/** The cosine's and the sine's polynomials in x² (Q15) about 0, for |x| ≤ π/4. */
const cosPoly = (x2: number): number => 32768 + mp(x2, -16384 + mp(x2, 1365 + mp(-46, x2, 15), 15), 15);
const sinPoly = (x2: number): number => 32768 + mp(x2, -5461 + mp(x2, 273 + mp(-7, x2, 15), 15), 15);

/** cos(x) for x in [0, π] in Q13, result in Q15. */
function cosq15(x: number): number {
  if (x < 12868) {
    if (x < 6434) return sat16(cosPoly(t16(mp(x, x, 11))));
    const y = 12868 - x;
    return t16(mp(y, sinPoly(t16(mp(y, y, 11))), 13));
  }
  const xs = 25736 - x;
  if (x < 19302) {
    const y = t16(12868 - xs);
    return t16(mp(-y, sinPoly(t16(mp(y, y, 11))), 13));
  }
  return t16(-cosPoly(t16(mp(xs, xs, 11))));
}

/** The LP polynomial F1 or F2 of §3.2.6 from every other LSP, from `q[o]` (Q15), into f[0..5] (Q24). */
function lspPoly(q: Int16Array, o: number, f: Int32Array): void {
  f[0] = 16777216;
  f[1] = q[o]! * -1024;
  for (let i = 2; i < 6; i++) {
    const c = q[o + 2 * i - 2]!;
    f[i] = ((f[i - 2]! - m32p(c, f[i - 1]!, 15)) << 1) | 0;
    for (let j = i - 1; j > 1; j--) f[j] = (f[j]! + ((f[j - 2]! - m32p(c, f[j - 1]!, 14)) | 0)) | 0;
    f[1] = (f[1]! - (c << 10)) | 0;
  }
}

/** A G.729 / G.729A decoder's state (one per stream: its frames in order). */
export class G729Decoder {
  readonly #prevLsp = Int16Array.from(LSP_INIT);
  /** The last four frames' LSF codewords (Q13), [k][i]. */
  readonly #codeword = Array.from({ length: 4 }, () => Int16Array.from(LSF_INIT));
  readonly #lastLsf = Int16Array.from(LSF_INIT);
  #lastL0 = 0;
  /** Past excitation [0, 154) then the frame's [154, 234). */
  readonly #exc = new Int16Array(PAST_EXC + 80);
  /** Reconstructed speech: the last 10 samples, then the frame. */
  readonly #syn = new Int16Array(10 + 80);
  #beta = 3277;
  #seed = 21845;
  #gainPitch = 0;
  #gainCode = 0;
  #prevT = 60;
  readonly #gainErr = new Int32Array([-14336, -14336, -14336, -14336]);
  /** Whether the last frame was speech (not SID): an erased or missing frame after SID is comfort noise. */
  #active = true;
  // Annex B comfort noise: the SID frame's LSPs, its gain and the smoothed gain (Q3), the generator.
  readonly #cngLsp = Int16Array.from(SID_LSP_INIT);
  #sidGain = 0;
  #cngGain = 0;
  #cngSeed = CNG_SEED;
  readonly #gauss = new Int16Array(L_SUB);
  readonly #cngPos = new Int32Array(4);
  readonly #cngSign = new Int32Array(4);
  // Post-filter state.
  readonly #res = new Int16Array(MAX_PITCH + 80);
  readonly #resScaled = new Int16Array(MAX_PITCH + 80);
  /** Long-term filtered residual, [0] the last sample of the previous subframe. */
  readonly #ltf = new Int16Array(1 + L_SUB);
  /** Short-term filtered signal: 10 of memory, then the subframe. */
  readonly #stf = new Int16Array(10 + L_SUB);
  #agcGain = 4096;
  // High-pass state.
  #y1 = 0;
  #y2 = 0;
  #x0 = 0;
  #x1 = 0;
  // Per frame, reused.
  readonly #prm = new Int32Array(15);
  readonly #lsf = new Int16Array(10);
  readonly #lsp = new Int16Array(10);
  readonly #lspMid = new Int16Array(10);
  readonly #lp = new Int16Array(20);
  readonly #f1 = new Int32Array(6);
  readonly #f2 = new Int32Array(6);
  readonly #code = new Int16Array(L_SUB);
  readonly #gN = new Int16Array(10);
  readonly #gD = new Int16Array(10);
  readonly #hf = new Int16Array(22);
  readonly #tilt = new Int16Array(L_SUB);
  readonly #pcm = new Int16Array(80);

  /**
   * Decodes the payload `b[s, e)` (speech frames, then a SID frame or not) into `out` from `at`, as
   * many samples as fit; returns the samples written (80 per frame). Octets after the last whole frame
   * that are not a SID frame are ignored (the caller flags the payload).
   */
  decode(b: Uint8Array, s: number, e: number, out: Int16Array, at: number): number {
    let o = at;
    let f = s;
    for (; f + G729_FRAME_OCTETS <= e; f += G729_FRAME_OCTETS) {
      this.#unpack(b, f);
      this.#frame(false);
      o += this.#emit(out, o);
    }
    if (e - f === G729_SID_OCTETS) {
      this.#comfortNoise(b, f);
      o += this.#emit(out, o);
    }
    return o - at;
  }

  /** Whether the last frame was a SID frame (Annex B): the sender is silent, comfort noise plays. */
  get inComfortNoise(): boolean {
    return !this.#active;
  }

  /**
   * Plays `frames` lost or untransmitted frames into `out` from `at`: the decoder's concealment after
   * speech (§4.4), comfort noise from the last SID frame's parameters after a SID frame (Annex B §B.4);
   * returns the samples written.
   */
  conceal(frames: number, out: Int16Array, at: number): number {
    let o = at;
    for (let k = 0; k < frames; k++) {
      if (this.#active) this.#frame(true);
      else this.#comfortNoise(null, 0);
      o += this.#emit(out, o);
    }
    return o - at;
  }

  #emit(out: Int16Array, o: number): number {
    const n = Math.max(0, Math.min(80, out.length - o));
    for (let k = 0; k < n; k++) out[o + k] = this.#pcm[k]!;
    return n;
  }

  /** Table 8's parameters, most significant bit first: L0 L1 L2 L3 P1 P0 C1 S1 GA1 GB1 P2 C2 S2 GA2 GB2. */
  #unpack(b: Uint8Array, f: number): void {
    // The 80 bits as three words: 32 + 32 + 16.
    const w0 = ((b[f]! << 24) | (b[f + 1]! << 16) | (b[f + 2]! << 8) | b[f + 3]!) >>> 0;
    const w1 = ((b[f + 4]! << 24) | (b[f + 5]! << 16) | (b[f + 6]! << 8) | b[f + 7]!) >>> 0;
    const w2 = (b[f + 8]! << 8) | b[f + 9]!;
    const p = this.#prm;
    p[0] = w0 >>> 31;
    p[1] = (w0 >>> 24) & 0x7f;
    p[2] = (w0 >>> 19) & 0x1f;
    p[3] = (w0 >>> 14) & 0x1f;
    p[4] = (w0 >>> 6) & 0xff;
    p[5] = (w0 >>> 5) & 1;
    p[6] = ((w0 & 0x1f) << 8) | (w1 >>> 24);
    p[7] = (w1 >>> 20) & 0xf;
    p[8] = (w1 >>> 17) & 7;
    p[9] = (w1 >>> 13) & 0xf;
    p[10] = (w1 >>> 8) & 0x1f;
    p[11] = ((w1 & 0xff) << 5) | (w2 >>> 11);
    p[12] = (w2 >>> 7) & 0xf;
    p[13] = (w2 >>> 4) & 7;
    p[14] = w2 & 0xf;
  }

  /** One frame from #prm (or erased) → 80 samples in #pcm. */
  #frame(erased: boolean): void {
    this.#active = true;
    this.#cngSeed = CNG_SEED;
    const p = this.#prm;
    this.#decodeLsf(erased);
    this.#interpolate(this.#lsp);
    // Parity of P1's six most significant bits (§3.7.2), checked against P0.
    let parity = 1;
    for (let v = p[4]! >> 2, i = 0; i < 6; i++, v >>= 1) parity ^= v & 1;
    const parityError = (parity ^ p[5]!) !== 0;
    const exc = this.#exc;
    let t = 0;
    for (let sub = 0; sub < 2; sub++) {
      const base = PAST_EXC + sub * L_SUB;
      // §4.1.3 the pitch delay.
      let frac = 0;
      if (sub === 0) {
        if (parityError || erased) {
          t = this.#prevT;
          this.#prevT = Math.min(MAX_PITCH, this.#prevT + 1);
        } else {
          const p1 = p[4]!;
          if (p1 < 197) {
            t = (((p1 + 2) * 10923) >> 15) + 19;
            frac = p1 - t * 3 + 58;
          } else t = p1 - 112;
          this.#prevT = t;
        }
      } else if (erased) {
        t = this.#prevT;
        this.#prevT = Math.min(MAX_PITCH, this.#prevT + 1);
      } else {
        const tMin = Math.min(134, Math.max(20, t - 5));
        const p2 = p[10]!;
        const q = (((p2 + 2) * 10923) >> 15) - 1;
        frac = p2 - q * 3 - 2;
        t = q + tMin;
        this.#prevT = t;
      }
      this.#adaptive(base, t, frac);
      // §3.8 the fixed codebook: four signed pulses, then pitch sharpening with last subframe's β.
      const ci = sub === 0 ? 6 : 11;
      let pos = p[ci]!;
      let signs = p[ci + 1]!;
      if (erased) {
        pos = (this.#seed = (13849 + this.#seed * 31821) & 0xffff) & 0x1fff;
        signs = (this.#seed = (13849 + this.#seed * 31821) & 0xffff) & 0x000f;
      }
      const code = this.#code;
      for (let i = 0; i < L_SUB; i++) code[i] = 0;
      const m0 = (pos & 7) * 5;
      const m1 = ((pos >> 3) & 7) * 5 + 1;
      const m2 = ((pos >> 6) & 7) * 5 + 2;
      const m3 = ((pos >> 10) & 7) * 5 + 3 + ((pos >> 9) & 1);
      code[m0] = signs & 1 ? 8192 : -8192;
      code[m1] = signs & 2 ? 8192 : -8192;
      code[m2] = signs & 4 ? 8192 : -8192;
      code[m3] = signs & 8 ? 8192 : -8192;
      for (let i = t; i < L_SUB; i++) code[i] = t16(code[i]! + mp(code[i - t]!, this.#beta, 14));
      // §3.9 / §4.4.2 the gains.
      this.#decodeGains(erased, p[ci + 2]!, p[ci + 3]!);
      const gp = this.#gainPitch;
      const gc = this.#gainCode;
      this.#beta = Math.min(13107, Math.max(3277, gp));
      for (let i = 0; i < L_SUB; i++)
        exc[base + i] = sat16(pshr((exc[base + i]! * gp + code[i]! * gc) | 0, 14));
      // §4.1.6 synthesis, then Annex A's post-filter and the high-pass for this subframe.
      this.#synthesize(exc, base, this.#lp, sub * 10, this.#syn, 10 + sub * L_SUB);
      this.#postFilter(sub, t);
    }
    this.#endFrame();
  }

  /** The frame's past for the next one: the excitation and the synthesis memory shifted by 80. */
  #endFrame(): void {
    this.#exc.copyWithin(0, 80, PAST_EXC + 80);
    this.#syn.copyWithin(0, 80, 90);
  }

  /** §3.2.5–3.2.6: this frame's LSPs and the last frame's → the two subframes' LP coefficients. */
  #interpolate(lsp: Int16Array): void {
    const mid = this.#lspMid;
    const prev = this.#prevLsp;
    for (let i = 0; i < 10; i++) {
      mid[i] = t16(pshr(prev[i]! + lsp[i]!, 1));
      prev[i] = lsp[i]!;
    }
    this.#lspToLp(mid, 0);
    this.#lspToLp(lsp, 10);
  }

  /** Eq. 19: the codeword in #lsf from L1's row at c1 and L2's rows at c2 (first half), c3 (second). */
  #fromCodebooks(c1: number, c2: number, c3: number): void {
    const q = this.#lsf;
    for (let i = 0; i < 5; i++) q[i] = t16(LSP_CB1[c1 + i]! + LSP_CB2[c2 + i]!);
    for (let i = 5; i < 10; i++) q[i] = t16(LSP_CB1[c1 + i]! + LSP_CB2[c3 + i]!);
  }

  /** §3.7.1 the adaptive codebook vector at #exc[base..+39]: the past excitation at delay t + frac/3. */
  #adaptive(base: number, t: number, frac: number): void {
    const exc = this.#exc;
    let k0: number;
    let fr: number;
    if (frac === 1) {
      k0 = base - (t + 1);
      fr = 2;
    } else {
      k0 = base - t;
      fr = -frac;
    }
    for (let n = 0; n < L_SUB; n++) {
      let acc = 0;
      for (let i = 0, j = 0; i < 10; i++, j += 3)
        acc += exc[k0 + n - i]! * INTERP_B30[fr + j]! + exc[k0 + n + 1 + i]! * INTERP_B30[3 - fr + j]!;
      exc[base + n] = sat16(pshr(acc | 0, 15));
    }
  }

  /**
   * §3.2.4: the codewords in #lsf (Q13) → the quantized LSFs in place: neighbours apart, the MA
   * prediction with `pred`/`predSum` over the last four codewords (shifting this one in), stability.
   */
  #predictLsf(l0: number, pred: Int16Array, predSum: Int16Array): void {
    const q = this.#lsf;
    const cw = this.#codeword;
    // Minimum distances of 0.0012 then 0.0006 between neighbours.
    for (let gap = 10; gap >= 5; gap -= 5)
      for (let i = 1; i < 10; i++) {
        const d = Math.trunc(t16(q[i - 1]! - q[i]! + gap) / 2);
        if (d > 0) {
          q[i - 1] = t16(q[i - 1]! - d);
          q[i] = t16(q[i]! + d);
        }
      }
    // Eq. 20: the MA prediction over the last four codewords (which shift in this one).
    for (let i = 0; i < 10; i++) {
      let acc = predSum[l0 * 10 + i]! * q[i]!;
      for (let j = 3; j >= 0; j--) {
        acc += pred[l0 * 40 + j * 10 + i]! * cw[j]![i]!;
        cw[j]![i] = j > 0 ? cw[j - 1]![i]! : q[i]!;
      }
      q[i] = t16(pshr(acc | 0, 15));
    }
    // Stability: ordered, the first at least 0.005, neighbours 0.0391 apart, the last at most 3.135.
    for (let i = 1; i < 10; i++) {
      const v = q[i]!;
      let j = i - 1;
      for (; j >= 0 && q[j]! > v; j--) q[j + 1] = q[j]!;
      q[j + 1] = v;
    }
    if (q[0]! < 40) q[0] = 40;
    for (let i = 0; i < 9; i++) if (q[i + 1]! - q[i]! < 321) q[i + 1] = q[i]! + 321;
    if (q[9]! > 25681) q[9] = 25681;
  }

  /** §3.2.4 (or §4.4.1 when erased): the LSFs → the frame's LSPs in #lsp. */
  #decodeLsf(erased: boolean): void {
    const q = this.#lsf;
    const cw = this.#codeword;
    if (!erased) {
      const p = this.#prm;
      const l0 = p[0]!;
      const c1 = p[1]! * 10;
      const c2 = p[2]! * 10;
      const c3 = p[3]! * 10;
      this.#fromCodebooks(c1, c2, c3);
      this.#predictLsf(l0, MA_PRED, MA_PRED_SUM);
      this.#lastLsf.set(q);
      this.#lastL0 = l0;
    } else {
      const l0 = this.#lastL0;
      q.set(this.#lastLsf);
      for (let i = 0; i < 10; i++) {
        let acc = q[i]! << 15;
        for (let j = 0; j < 4; j++) acc = (acc - MA_PRED[l0 * 40 + j * 10 + i]! * cw[j]![i]!) | 0;
        acc = m32q(MA_PRED_SUM_INV[l0 * 10 + i]!, acc, 12);
        for (let j = 3; j > 0; j--) cw[j]![i] = cw[j - 1]![i]!;
        cw[0]![i] = t16(pshr(acc, 15));
      }
    }
    for (let i = 0; i < 10; i++) this.#lsp[i] = cosq15(q[i]!);
  }

  /** §3.2.6: LSPs (Q15) → 10 LP coefficients (Q12) at #lp[o..o+9] (A(z) = 1 + Σ a_i z^−i). */
  #lspToLp(q: Int16Array, o: number): void {
    const f1 = this.#f1;
    const f2 = this.#f2;
    lspPoly(q, 0, f1);
    lspPoly(q, 1, f2);
    for (let i = 5; i > 0; i--) {
      f1[i] = (f1[i]! + f1[i - 1]!) | 0;
      f2[i] = (f2[i]! - f2[i - 1]!) | 0;
    }
    const lp = this.#lp;
    for (let i = 0; i < 5; i++) {
      lp[o + i] = t16(pshr((f1[i + 1]! + f2[i + 1]!) | 0, 13));
      lp[o + 9 - i] = t16(pshr((f1[i + 1]! - f2[i + 1]!) | 0, 13));
    }
  }

  /** §3.9.1–3.9.2 (or §4.4.2 when erased): the pitch gain (Q14) and the fixed codebook gain (Q1). */
  #decodeGains(erased: boolean, ga: number, gb: number): void {
    const err = this.#gainErr;
    if (erased) {
      this.#gainPitch = this.#gainPitch < 16384 ? (this.#gainPitch * 29491) >> 15 : 14746;
      this.#gainCode = (this.#gainCode * 32113) >> 15;
      let sum = pshr(err[0]! + err[1]! + err[2]! + err[3]!, 2);
      sum = sum < -10240 ? -14336 : sum - 4096;
      err[3] = err[2]!;
      err[2] = err[1]!;
      err[1] = err[0]!;
      err[0] = t16(sum);
      return;
    }
    const a = GAIN_MAP_A[ga]! * 2;
    const b = GAIN_MAP_B[gb]! * 2;
    this.#gainPitch = t16(GAIN_CB_A[a]! + GAIN_CB_B[b]!);
    // Eq. 66–71: the predicted gain from the codevector's energy and the past errors.
    const code = this.#code;
    let energy = 0;
    for (let i = 0; i < L_SUB; i++) {
      const c = code[i]!;
      if (c !== 0) energy = (energy + c * c) | 0;
    }
    let acc = (8145364 + m32q(-24660, log2q16(energy), 13)) | 0;
    acc = (acc << 8) | 0;
    for (let i = 0; i < 4; i++) acc = (acc + err[i]! * GAIN_PRED[i]!) | 0;
    acc >>= 2;
    acc = m32q(5442, acc, 15);
    acc = pshr(acc, 11);
    const predicted = exp2q16(t16(acc));
    const corr = t16(GAIN_CB_A[a + 1]! + GAIN_CB_B[b + 1]!);
    this.#gainCode = t16(pshr(m32q(corr, predicted, 12), 15));
    // Eq. 72: this subframe's prediction error, 20·log10(γ), Q10.
    const e = (log2q16(corr) - 786432) | 0;
    err[3] = err[2]!;
    err[2] = err[1]!;
    err[1] = err[0]!;
    err[0] = t16(pshr(m32q(24660, e, 12), 6));
  }

  /**
   * Annex B §B.4: comfort noise for one frame into #pcm — from the SID frame at `b[f]` (its LSFs by
   * the SID quantizer, its gain), or with no frame (untransmitted or erased during silence) from the
   * last SID frame's parameters again. The target gain is smoothed (eq. B.19), the excitation a random
   * adaptive part, a Gaussian part and four pulses solving eq. B.21; then synthesis and post-filter as
   * for speech, the post-filter at the last speech frame's pitch delay.
   */
  #comfortNoise(b: Uint8Array | null, f: number): void {
    const wasActive = this.#active;
    this.#active = false;
    const cl = this.#cngLsp;
    if (b) {
      const b0 = b[f]!;
      const b1 = b[f + 1]!;
      const l0 = (b0 >> 7) & 1;
      const c1 = SID_CB1_INDEX[(b0 >> 2) & 0x1f]! * 10;
      const i2 = ((b0 & 3) << 2) | ((b1 >> 6) & 3);
      const c2 = SID_CB2_INDEX[i2]! * 10;
      const c3 = SID_CB3_INDEX[i2]! * 10;
      this.#sidGain = SID_GAIN[(b1 >> 1) & 0x1f]!;
      this.#fromCodebooks(c1, c2, c3);
      this.#predictLsf(l0, SID_MA_PRED, SID_MA_PRED_SUM);
      for (let i = 0; i < 10; i++) cl[i] = cosq15(this.#lsf[i]!);
    }
    this.#interpolate(cl);
    if (wasActive) this.#cngGain = this.#sidGain;
    else {
      const g = t16(this.#cngGain - (this.#cngGain >> 3));
      this.#cngGain = t16(g + (this.#sidGain >> 3));
    }
    this.#cngExcitation(PAST_EXC, this.#cngGain);
    this.#cngExcitation(PAST_EXC + L_SUB, this.#cngGain);
    for (let sub = 0; sub < 2; sub++) {
      this.#synthesize(this.#exc, PAST_EXC + sub * L_SUB, this.#lp, sub * 10, this.#syn, 10 + sub * L_SUB);
      this.#postFilter(sub, this.#prevT);
    }
    this.#beta = 3277;
    this.#endFrame();
  }

  /** §B.4.4: one subframe's comfort noise excitation at #exc[base..+39] for the target gain (Q3). */
  #cngExcitation(base: number, gain: number): void {
    const exc = this.#exc;
    // A random pitch delay (40–103, a third's fraction), four pulses and an adaptive gain below 0.5.
    let r = (this.#cngSeed = nextRandom(this.#cngSeed));
    let frac = (r & 3) - 1;
    if (frac === 2) frac = 0;
    r >>= 2;
    const t = (r & 0x3f) + 40;
    r >>= 6;
    const pos = this.#cngPos;
    const sign = this.#cngSign;
    pos[0] = (r & 7) * 5;
    r >>= 3;
    sign[0] = r & 1;
    r >>= 1;
    pos[1] = (r & 7) * 5 + 1;
    r >>= 3;
    sign[1] = r & 1;
    r = this.#cngSeed = nextRandom(this.#cngSeed);
    pos[2] = (r & 7) * 5 + 2;
    r >>= 3;
    sign[2] = r & 1;
    r >>= 1;
    pos[3] = (r & 1) + 3;
    r >>= 1;
    pos[3] += (r & 7) * 5;
    r >>= 3;
    sign[3] = r & 1;
    const ga = ((this.#cngSeed = nextRandom(this.#cngSeed)) & 0x1fff) << 1;
    // A Gaussian excitation (sums of 12 uniform numbers), scaled to the target gain.
    const g = this.#gauss;
    let eg = 0;
    for (let i = 0; i < L_SUB; i++) {
      let sum = 0;
      for (let j = 0; j < 12; j++) sum += t16((this.#cngSeed = nextRandom(this.#cngSeed)));
      g[i] = t16(sum >> 7);
      eg = (eg + g[i]! * g[i]!) | 0;
    }
    let gg = m32q(25905, invSqrtQ31(eg), 15);
    gg = m32q(gain, gg, 15);
    for (let i = 0; i < L_SUB; i++) {
      const v = g[i]!;
      g[i] = v < 0 ? t16(-sat16(pshr(m32q(-v, gg, 15), 2))) : t16(pshr(m32q(v, gg, 15), 2));
    }
    this.#adaptive(base, t, frac);
    for (let i = 0; i < L_SUB; i++) exc[base + i] = sat16(sat16(mp(exc[base + i]!, ga, 15)) + g[i]!);
    // Eq. B.21: the pulses' gain Gf, the smaller root of 4·Gf² + 2·Ei·Gf + Ea − K = 0.
    let ea = 0;
    for (let i = 0; i < L_SUB; i++) ea = (ea + exc[base + i]! * exc[base + i]!) | 0;
    let ei = 0;
    for (let k = 0; k < 4; k++) ei = (sign[k] ? ei + exc[base + pos[k]!]! : ei - exc[base + pos[k]!]!) | 0;
    const k40 = gain * ((40 * gain) >> 3);
    let delta = ei * ei + Math.floor((k40 - ((ea * 8) | 0)) / 2);
    if (delta < 0) {
      // The adaptive part dropped; Ei goes on from its value (as bcg729 does).
      for (let i = 0; i < L_SUB; i++) exc[base + i] = g[i]!;
      for (let k = 0; k < 4; k++) ei = (sign[k] ? ei + exc[base + pos[k]!]! : ei - exc[base + pos[k]!]!) | 0;
      delta = ei * ei + m32p(24576, k40, 15);
    }
    let scale = 0;
    while (delta >= 2147483648) {
      delta = Math.floor(delta / 2);
      scale++;
    }
    if (scale % 2 === 1) {
      delta = Math.floor(delta / 2);
      scale++;
    }
    const root = sqrtq7(delta);
    const sh = scale / 2 - 7;
    ei = sh > 0 ? ei >> sh : (ei << -sh) | 0;
    let gf = (root - ei) | 0;
    const x2 = -((root + ei) | 0) | 0;
    if (Math.abs(x2) < Math.abs(gf)) gf = x2;
    gf = vshr(gf, 2 + 7 - scale / 2);
    for (let k = 0; k < 4; k++) {
      const at = base + pos[k]!;
      exc[at] = t16(sign[k] ? exc[at]! + gf : exc[at]! - gf);
    }
  }

  /** 1/A(z): x[xo..xo+39] filtered by a[ao..ao+9] into y[yo..yo+39], y[yo−10..yo−1] the memory. */
  #synthesize(x: Int16Array, xo: number, a: Int16Array, ao: number, y: Int16Array, yo: number): void {
    for (let i = 0; i < L_SUB; i++) {
      let acc = x[xo + i]! << 12;
      for (let j = 0; j < 10; j++) acc = (acc - a[ao + j]! * y[yo + i - j - 1]!) | 0;
      y[yo + i] = sat16(pshr(acc, 12));
    }
  }

  /** §A.4.2 the post-filter of subframe `sub` (pitch delay t), then §4.2.5's high-pass → #pcm. */
  #postFilter(sub: number, t: number): void {
    const lp = this.#lp;
    const ao = sub * 10;
    const syn = this.#syn;
    const so = 10 + sub * L_SUB;
    const gN = this.#gN;
    const gD = this.#gD;
    for (let j = 0; j < 10; j++) {
      gN[j] = t16(mp(lp[ao + j]!, GAMMA_N[j]!, 15));
      gD[j] = t16(mp(lp[ao + j]!, GAMMA_D[j]!, 15));
    }
    // The residual through Â(z/γn), and a copy scaled by 1/4 for the correlations.
    const res = this.#res;
    const rs = this.#resScaled;
    const ro = MAX_PITCH + sub * L_SUB;
    for (let i = 0; i < L_SUB; i++) {
      let acc = syn[so + i]! << 12;
      for (let j = 0; j < 10; j++) acc = (acc + gN[j]! * syn[so + i - j - 1]!) | 0;
      const r = sat16(pshr(acc, 12));
      res[ro + i] = r;
      rs[ro + i] = pshr(r, 2);
    }
    // Long-term: the integer delay within t ± 3 of highest correlation (§A.4.2.1).
    const tMax = Math.min(MAX_PITCH, t + 3);
    let corrMax = -2147483648;
    let best = 0;
    for (let d = t - 3; d <= tMax; d++) {
      let c = 0;
      for (let j = 0; j < L_SUB; j++) c = (c + rs[ro - d + j]! * rs[ro + j]!) | 0;
      if (c > corrMax) {
        corrMax = c;
        best = d;
      }
    }
    if (corrMax < 0) corrMax = 0;
    let en = 0;
    let enDelayed = 0;
    for (let i = 0; i < L_SUB; i++) {
      en = (en + rs[ro + i]! * rs[ro + i]!) | 0;
      enDelayed = (enDelayed + rs[ro - best + i]! * rs[ro - best + i]!) | 0;
    }
    const max3 = Math.max(corrMax, en, enDelayed);
    let c16 = 0;
    let e16 = 0;
    let d16 = 0;
    if (max3 > 0) {
      const lz = clzSigned(max3);
      const sh = lz < 16 ? 16 - lz : 0;
      c16 = t16(corrMax >> sh);
      e16 = t16(en >> sh);
      d16 = t16(enDelayed >> sh);
    }
    const ltf = this.#ltf;
    if (c16 * c16 < (e16 * d16) >> 1 || (c16 === 0 && d16 === 0))
      for (let i = 0; i < L_SUB; i++) ltf[1 + i] = res[ro + i]!;
    else {
      let g0: number;
      let g1: number;
      if (corrMax > enDelayed) {
        g0 = 21845;
        g1 = 10923;
      } else {
        g1 = t16(Math.trunc((c16 << 15) / ((d16 << 1) + c16)));
        g0 = t16(32767 - g1);
      }
      for (let i = 0; i < L_SUB; i++)
        ltf[1 + i] = t16(sat16(pshr((g0 * res[ro + i]! + g1 * res[ro - best + i]!) | 0, 15)));
    }
    // Tilt compensation (§A.4.2.3): the first reflection coefficient of Â(z/γn)/Â(z/γd)'s response.
    const hf = this.#hf;
    hf[0] = 4096;
    for (let i = 1; i < 22; i++) {
      let acc = i < 11 ? gN[i - 1]! << 12 : 0;
      for (let j = 0; j < 10 && j < i; j++) acc = (acc - gD[j]! * hf[i - j - 1]!) | 0;
      hf[i] = sat16(pshr(acc, 12));
    }
    let rh1 = 0;
    for (let i = 0; i < 21; i++) rh1 = (rh1 + hf[i]! * hf[i + 1]!) | 0;
    const tilt = this.#tilt;
    if (rh1 < 0) for (let i = 0; i < L_SUB; i++) tilt[i] = ltf[1 + i]!;
    else {
      let rh0 = 0;
      for (let i = 0; i < 22; i++) rh0 = (rh0 + hf[i]! * hf[i]!) | 0;
      rh1 = m32q(26214, rh1, 15);
      const g = sat16(Math.trunc(rh1 / pshr(rh0, 12)));
      for (let i = 0; i < L_SUB; i++) tilt[i] = t16(ltf[1 + i]! - ((g * ltf[i]!) >> 12));
    }
    ltf[0] = ltf[L_SUB]!;
    // Short-term: 1/Â(z/γd).
    const stf = this.#stf;
    this.#synthesize(tilt, 0, gD, 0, stf, 10);
    // Adaptive gain control (§A.4.2.4): the output's energy follows the synthesis's, smoothed.
    let sumF = 0;
    for (let i = 0; i < L_SUB; i++) sumF = (sumF + ((stf[10 + i]! * stf[10 + i]!) >>> 4)) >>> 0;
    const pcm = this.#pcm;
    const po = sub * L_SUB;
    if (sumF === 0) {
      this.#agcGain = 0;
      for (let i = 0; i < L_SUB; i++) pcm[po + i] = stf[10 + i]!;
    } else {
      let sumS = 0;
      for (let i = 0; i < L_SUB; i++) sumS = (sumS + ((syn[so + i]! * syn[so + i]!) >>> 4)) >>> 0;
      let gsf = 0;
      if (sumS !== 0) {
        const ns = Math.clz32(sumS);
        const num = (sumS << ns) >>> 0;
        const sh = 10 - ns;
        const den = sh > 0 ? sumF >>> sh : (sumF << -sh) >>> 0;
        let frac: number;
        if (den === 0) {
          frac = Math.floor(num / sumF);
          frac = ns - 10 > 0 ? frac >>> (ns - 10) : (frac << (10 - ns)) >>> 0;
        } else frac = Math.floor(num / den) >>> 0;
        gsf = t16(sat16(sqrtq7(frac)));
        gsf = t16(mp(gsf, 3277, 15));
      }
      let g = this.#agcGain;
      for (let i = 0; i < L_SUB; i++) {
        g = t16(gsf + mp(g, 29491, 15));
        pcm[po + i] = t16((g * stf[10 + i]!) >> 12);
      }
      this.#agcGain = g;
    }
    stf.copyWithin(0, L_SUB, L_SUB + 10);
    if (sub === 1) {
      res.copyWithin(0, 80, MAX_PITCH + 80);
      rs.copyWithin(0, 80, MAX_PITCH + 80);
    }
    // §4.2.5: high-pass at 100 Hz and ×2.
    for (let i = 0; i < L_SUB; i++) {
      const x2 = this.#x1;
      this.#x1 = this.#x0;
      this.#x0 = pcm[po + i]!;
      // The sum exact (no 32-bit wrap), then saturated to 29 bits.
      let acc = m32q(15836, this.#y1, 13) + m32q(-7667, this.#y2, 13);
      acc += this.#x0 * 7699 + this.#x1 * -15398 + x2 * 7699;
      acc = acc > 536870911 ? 536870911 : acc < -536870912 ? -536870912 : acc;
      pcm[po + i] = sat16(pshr(acc, 12));
      this.#y2 = this.#y1;
      this.#y1 = acc;
    }
  }
}
