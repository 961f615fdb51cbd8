/**
 * GSM 06.10 full-rate speech (ETSI EN 300 961, RPE-LTP), the decoder of §4.3: 33-octet frames of
 * 160 samples at 8 kHz — 8 log-area ratios, then per 40-sample sub-frame the long-term predictor's
 * lag and gain, the RPE grid position, the block maximum and 13 pulses.
 *
 * Written from the recommendation's fixed-point description (§4.2.8–§4.2.9 and §4.3: RPE decoding,
 * long-term synthesis, LAR decoding and interpolation, the short-term synthesis lattice,
 * de-emphasis, upscaling and truncation), in 16-bit saturating arithmetic (§4.1's `add`, `sub`,
 * `mult_r`, `asl`, `asr`), so the output is bit-exact: test/sip-core/media/gsm.test.ts compares every
 * sample with ffmpeg's decoders (its own and libgsm's).
 * @remarks RTP: payload type 3, 8,000 Hz, one or more 33-octet frames per packet, each starting with
 * the signature nibble 0xD (RFC 3551 §4.5.8); the nibble is not checked (as ffmpeg's decoder does
 * not). Octets after the last whole frame are ignored. A lost frame: {@link GsmDecoder.substitute}
 * (GSM 06.11's substitution and muting), or a caller skips it and the state goes on from the last frame.
 */

/** Octets and samples of one frame. */
export const GSM_FRAME_OCTETS = 33;
export const GSM_FRAME_SAMPLES = 160;

/** Table 4.1: B×2, MIC and 1/A (INVA) of the eight log-area ratios (§4.2.8). */
const LAR_B2 = new Int32Array([0, 0, 4096, -5120, 188, -3584, -682, -2288]);
const LAR_MIC = new Int32Array([-32, -32, -16, -16, -8, -8, -4, -4]);
const LAR_INVA = new Int32Array([13107, 13107, 13107, 13107, 19223, 17476, 31454, 29708]);
/** Bits of each coded LAR. */
const LAR_BITS = [6, 6, 5, 5, 4, 4, 3, 3];
/** Table 4.3b: the LTP gain's levels QLB; Table 4.6: the mantissas FAC of the block maximum. */
const QLB = new Int32Array([3277, 11469, 21299, 32767]);
const FAC = new Int32Array([18431, 20479, 22527, 24575, 26623, 28671, 30719, 32767]);

const sat = (x: number): number => (x > 32767 ? 32767 : x < -32768 ? -32768 : x);
/** §4.1 `mult_r`: rounded Q15 product (−32768 × −32768 saturates). */
const multR = (a: number, b: number): number =>
  a === -32768 && b === -32768 ? 32767 : (((a * b + 16384) >> 15) << 16) >> 16;
/** §4.1 `asr` (and `asl` with a negative shift). */
function asr(a: number, n: number): number {
  if (n >= 16) return a < 0 ? -1 : 0;
  if (n <= -16) return 0;
  return n < 0 ? ((a << -n) << 16) >> 16 : a >> n;
}

/**
 * GSM 06.11 §6 (the example solution): the silence frame's coded LARs and, per sub-frame, its RPE
 * pulses (LTP gain 0, lag 40, grid 1, block amplitude 0).
 */
const SILENCE_LAR = [42, 39, 21, 10, 9, 4, 3, 2];
const SILENCE_PULSES = [3, 4, 3, 4, 4, 3, 3, 3, 3, 4, 4, 3, 3];
/** Lost frames substituted at most in a row: 17 muting (320 ms after the first) + silence frames to settle. */
export const GSM_SUBSTITUTE_MAX = 25;

/** A GSM 06.10 decoder's state (one per stream: its frames in order, lost ones substituted or skipped). */
export class GsmDecoder {
  /** The reconstructed short-term residual, drp[−120..39] at [0..159]. */
  readonly #dp = new Int32Array(160);
  /** The short-term synthesis lattice's state v[0..8]. */
  readonly #v = new Int32Array(9);
  /** The decoded LARs of this frame and the last one (LARpp(j), LARpp(j−1)). */
  #larpp = new Int32Array(8);
  #larppPrev = new Int32Array(8);
  /** The last valid LTP lag and the de-emphasis filter's memory. */
  #nrp = 40;
  #msr = 0;
  // Per frame, reused.
  readonly #lar = new Int32Array(8);
  readonly #larp = new Int32Array(8);
  readonly #wt = new Int32Array(160);
  readonly #ep = new Int32Array(40);
  // The last frame's coded parameters (§4.2.x names): per sub-frame the LTP lag Nc and gain bc, the
  // grid Mc, the block amplitude xmaxc and the 13 pulses xMc. Kept for substitution.
  readonly #nc = new Int32Array(4);
  readonly #bc = new Int32Array(4);
  readonly #mc = new Int32Array(4);
  readonly #xmaxc = new Int32Array(4);
  readonly #xmc = new Int32Array(52);
  /** Frames substituted since the last good one; whether the muting reached the lowest amplitude. */
  #lost = 0;
  #muted = false;
  /** The random grid positions during muting (a fixed seed: the same capture plays the same). */
  #seed = 0x5eed;

  /**
   * Decodes the whole frames in `b[s, e)` into `out` from `at` (160 samples per frame, as many as fit);
   * returns the samples written. Every frame advances the state.
   */
  decode(b: Uint8Array, s: number, e: number, out: Int16Array, at: number): number {
    let o = at;
    for (let f = s; f + GSM_FRAME_OCTETS <= e; f += GSM_FRAME_OCTETS) {
      this.#read(b, f);
      this.#lost = 0;
      this.#muted = false;
      this.#frame();
      const wt = this.#wt;
      const n = Math.min(GSM_FRAME_SAMPLES, out.length - o);
      for (let k = 0; k < n; k++) out[o + k] = wt[k]!;
      o += Math.max(0, n);
    }
    return o - at;
  }

  /**
   * `frames` lost frames in place of decoded ones, into `out` from `at` (as many as fit; returns the
   * samples written), by GSM 06.11 §6's example solution: the first lost frame is the last good
   * frame decoded again; in each further one every sub-frame's block amplitude is 4 lower (down to 0)
   * and the grid position random (0–3); once the amplitude reached 0, the silence frame (§6 Table 1).
   * The decoder's own state runs through them, so the next good frame decodes as after a real frame.
   */
  substitute(frames: number, out: Int16Array, at: number): number {
    let o = at;
    for (let k = 0; k < frames; k++) {
      if (this.#lost > 0) {
        if (this.#muted) {
          this.#lar.set(SILENCE_LAR);
          for (let j = 0; j < 4; j++) {
            this.#nc[j] = 40;
            this.#bc[j] = 0;
            this.#mc[j] = 1;
            this.#xmaxc[j] = 0;
            this.#xmc.set(SILENCE_PULSES, j * 13);
          }
        } else {
          let top = 0;
          for (let j = 0; j < 4; j++) {
            this.#xmaxc[j] = Math.max(0, this.#xmaxc[j]! - 4);
            top = Math.max(top, this.#xmaxc[j]!);
            this.#seed = (this.#seed * 1103515245 + 12345) >>> 0;
            this.#mc[j] = this.#seed >>> 30;
          }
          if (top === 0) this.#muted = true;
        }
      }
      this.#lost++;
      this.#frame();
      const n = Math.min(GSM_FRAME_SAMPLES, out.length - o);
      for (let i = 0; i < n; i++) out[o + i] = this.#wt[i]!;
      o += Math.max(0, n);
    }
    return o - at;
  }

  /** The coded parameters of the frame at `b[f]`. */
  #read(b: Uint8Array, f: number): void {
    // The bits, most significant first, after the 4-bit signature.
    let bit = f * 8 + 4;
    const read = (n: number): number => {
      let v = 0;
      for (let i = 0; i < n; i++, bit++) v = (v << 1) | ((b[bit >> 3]! >> (7 - (bit & 7))) & 1);
      return v;
    };
    const lar = this.#lar;
    for (let i = 0; i < 8; i++) lar[i] = read(LAR_BITS[i]!);
    const nc = this.#nc;
    const bc = this.#bc;
    const mc = this.#mc;
    const xmaxc = this.#xmaxc;
    const xmc = this.#xmc;
    for (let j = 0, k = 0; j < 4; j++) {
      nc[j] = read(7);
      bc[j] = read(2);
      mc[j] = read(2);
      xmaxc[j] = read(6);
      for (let i = 0; i < 13; i++, k++) xmc[k] = read(3);
    }
  }

  /** The coded parameters → the frame's 160 samples in #wt. */
  #frame(): void {
    const dp = this.#dp;
    const wt = this.#wt;
    const xm = this.#xmc;
    for (let j = 0; j < 4; j++) {
      const nc = this.#nc[j]!;
      const bc = this.#bc[j]!;
      const mc = this.#mc[j]!;
      const xmaxc = this.#xmaxc[j]!;
      // §4.2.15: the block maximum's exponent and mantissa.
      let exp = xmaxc > 15 ? (xmaxc >> 3) - 1 : 0;
      let mant = xmaxc - (exp << 3);
      if (mant === 0) {
        exp = -4;
        mant = 7;
      } else {
        while (mant <= 7) {
          mant = (mant << 1) | 1;
          exp--;
        }
        mant -= 8;
      }
      // §4.2.16 APCM inverse quantization and §4.2.17 grid positioning: erp at dp[120 + k], zeros
      // between the pulses; §4.3.2 long-term synthesis adds the lagged past into it.
      const fac = FAC[mant]!;
      const sh = 6 - exp;
      const round = asr(1, -(sh - 1));
      const ep = this.#ep;
      ep.fill(0);
      for (let i = 0; i < 13; i++) {
        const t = multR(fac, ((xm[j * 13 + i]! << 1) - 7) << 12);
        ep[mc + 3 * i] = asr(sat(t + round), sh);
      }
      const nr = nc < 40 || nc > 120 ? this.#nrp : nc;
      this.#nrp = nr;
      const brp = QLB[bc]!;
      for (let k = 0; k < 40; k++) {
        const v = sat(ep[k]! + multR(brp, dp[120 + k - nr]!));
        dp[120 + k] = v;
        wt[j * 40 + k] = v;
      }
      dp.copyWithin(0, 40, 160);
    }
    this.#shortTerm();
  }

  /** §4.2.8–§4.2.9 and §4.3: the LARs decoded and interpolated, the lattice, then post-processing. */
  #shortTerm(): void {
    const prev = this.#larpp;
    const cur = this.#larppPrev;
    this.#larpp = cur;
    this.#larppPrev = prev;
    const lar = this.#lar;
    for (let i = 0; i < 8; i++) {
      const t = sat(sat(lar[i]! + LAR_MIC[i]!) << 10) - LAR_B2[i]!;
      const m = multR(LAR_INVA[i]!, sat(t));
      cur[i] = sat(m + m);
    }
    const larp = this.#larp;
    const wt = this.#wt;
    // Four sets of coefficients: samples 0–12, 13–26, 27–39, 40–159 (§4.2.9.1).
    for (let part = 0; part < 4; part++) {
      for (let i = 0; i < 8; i++) {
        const a = prev[i]!;
        const c = cur[i]!;
        larp[i] =
          part === 0
            ? sat(sat((a >> 2) + (c >> 2)) + (a >> 1))
            : part === 1
              ? sat((a >> 1) + (c >> 1))
              : part === 2
                ? sat(sat((a >> 2) + (c >> 2)) + (c >> 1))
                : c;
        // §4.2.9.2: LAR → reflection coefficient.
        const x = larp[i]!;
        let t = x < 0 ? (x === -32768 ? 32767 : -x) : x;
        t = t < 11059 ? t << 1 : t < 20070 ? t + 11059 : sat((t >> 2) + 26112);
        larp[i] = x < 0 ? -t : t;
      }
      const from = part === 0 ? 0 : part === 1 ? 13 : part === 2 ? 27 : 40;
      const to = part === 0 ? 13 : part === 1 ? 27 : part === 2 ? 40 : 160;
      this.#lattice(from, to);
    }
    // §4.3.5 post-processing: de-emphasis, upscaling, truncation to 13 bits.
    let msr = this.#msr;
    for (let k = 0; k < 160; k++) {
      msr = sat(wt[k]! + multR(msr, 28180));
      wt[k] = ((sat(msr + msr) & 0xfff8) << 16) >> 16;
    }
    this.#msr = msr;
  }

  /** §4.3.4 short-term synthesis filtering of wt[from, to) in place, with the current coefficients. */
  #lattice(from: number, to: number): void {
    const rp = this.#larp;
    const v = this.#v;
    const wt = this.#wt;
    for (let k = from; k < to; k++) {
      let sri = wt[k]!;
      for (let i = 7; i >= 0; i--) {
        const r = rp[i]!;
        sri = sat(sri - multR(r, v[i]!));
        v[i + 1] = sat(v[i]! + multR(r, sri));
      }
      v[0] = sri;
      wt[k] = sri;
    }
  }
}
