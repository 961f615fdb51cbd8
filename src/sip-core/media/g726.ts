/**
 * ITU-T G.726 (12/90) ADPCM at 16, 24, 32 and 40 kbit/s (2–5 bits per 8 kHz sample), the decoder of
 * §4: inverse adaptive quantizer, quantizer scale factor adaptation (fast and slow, with the speed
 * control AP), tone and transition detector, and the adaptive predictor (two poles, six zeros) whose
 * products use the recommendation's 11-bit floating-point multiply (FMULT).
 *
 * Output is the reconstructed signal SR as 16-bit linear PCM (SR × 4, clipped) — the recommendation's
 * own output is G.711 with the synchronous coding adjustment, which a listener does not need; ffmpeg's
 * `adpcm_g726` decoder makes the same choice, and test/sip-core/media/g726.test.ts compares every
 * sample with it.
 * @remarks RTP (RFC 3551 §4.5.4): `G726-32/8000` etc. pack the codewords from the least significant
 * bit of each octet (the first sample in the low bits: ffmpeg's `g726le`); `AAL2-G726-32` (ITU-T
 * I.366.2, RFC 3551 §4.5.4's other packing) from the most significant (ffmpeg's `g726`). G.726-32 is
 * G.721's successor, payload type 2 once but dynamic since RFC 3551. G.726 has no loss concealment of
 * its own: rtp-audio.ts repeats the pitch over a lost packet (plc.ts) and re-encodes that concealment
 * into this decoder's state ({@link G726Decoder.reencode}, the encoder's quantizer of §4.2.2), or
 * skips the packet (the state goes on from the last codeword).
 */

interface Tables {
  /** The quantizer's decision levels (§4.2.2, Tables 1–4: log2|d| − y, ×128), ascending. */
  quant: Int32Array;
  iquant: Int32Array;
  w: Int32Array;
  f: Int32Array;
}

const MIN = -32768;
/** Per code size (2–5 bits): the inverse quantizer's log levels, the scale factor's W(I) and F(I). */
const TABLES: Record<number, Tables> = {
  2: {
    quant: new Int32Array([260]),
    iquant: new Int32Array([116, 365, 365, 116]),
    w: new Int32Array([-22, 439, 439, -22]),
    f: new Int32Array([0, 7, 7, 0]),
  },
  3: {
    quant: new Int32Array([7, 217, 330]),
    iquant: new Int32Array([MIN, 135, 273, 373, 373, 273, 135, MIN]),
    w: new Int32Array([-4, 30, 137, 582, 582, 137, 30, -4]),
    f: new Int32Array([0, 1, 2, 7, 7, 2, 1, 0]),
  },
  4: {
    quant: new Int32Array([-125, 79, 177, 245, 299, 348, 399]),
    iquant: new Int32Array([MIN, 4, 135, 213, 273, 323, 373, 425, 425, 373, 323, 273, 213, 135, 4, MIN]),
    w: new Int32Array([-12, 18, 41, 64, 112, 198, 355, 1122, 1122, 355, 198, 112, 64, 41, 18, -12]),
    f: new Int32Array([0, 0, 0, 1, 1, 1, 3, 7, 7, 3, 1, 1, 1, 0, 0, 0]),
  },
  5: {
    quant: new Int32Array([-122, -16, 67, 138, 197, 249, 297, 338, 377, 412, 444, 474, 501, 527, 552]),
    iquant: new Int32Array([
      MIN,
      -66,
      28,
      104,
      169,
      224,
      274,
      318,
      358,
      395,
      429,
      459,
      488,
      514,
      539,
      566,
      566,
      539,
      514,
      488,
      459,
      429,
      395,
      358,
      318,
      274,
      224,
      169,
      104,
      28,
      -66,
      MIN,
    ]),
    w: new Int32Array([
      14, 14, 24, 39, 40, 41, 58, 100, 141, 179, 219, 280, 358, 440, 529, 696, 696, 529, 440, 358, 280, 219,
      179, 141, 100, 58, 41, 40, 39, 24, 14, 14,
    ]),
    f: new Int32Array([
      0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 3, 4, 5, 6, 6, 6, 6, 5, 4, 3, 2, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0,
    ]),
  },
};

const clip = (x: number, lo: number, hi: number): number => (x < lo ? lo : x > hi ? hi : x);
const i16 = (x: number): number => (x << 16) >> 16;
const log2 = (x: number): number => (x === 0 ? 0 : 31 - Math.clz32(x));

/** How the codewords sit in the octets. */
export type G726Packing = 'rfc3551' | 'aal2';

/** A G.726 decoder's state (one per stream: its packets in order, lost ones skipped). */
export class G726Decoder {
  readonly bits: number;
  readonly #t: Tables;
  readonly #lsbFirst: boolean;
  // The 11-bit floats of the last two reconstructed signals and six quantized differences (sign,
  // exponent, mantissa; the differences in a ring, the newest at #head), and the predictor's
  // coefficients.
  readonly #srS = new Int32Array(2);
  readonly #srE = new Int32Array(2);
  readonly #srM = new Int32Array([32, 32]);
  readonly #dqS = new Int32Array(6);
  readonly #dqE = new Int32Array(6);
  readonly #dqM = new Int32Array([32, 32, 32, 32, 32, 32]);
  #head = 0;
  readonly #a = new Int32Array(2);
  readonly #b = new Int32Array(6);
  #pk0 = 1;
  #pk1 = 1;
  #ap = 0;
  #yu = 544;
  #yl = 34816;
  #dms = 0;
  #dml = 0;
  #td = 0;
  #se = 0;
  #sez = 0;
  #y = 544;

  /** `bits`: 2–5 (G726-16 … G726-40). */
  constructor(bits: number, packing: G726Packing) {
    this.bits = clip(Math.round(bits), 2, 5);
    this.#t = TABLES[this.bits]!;
    this.#lsbFirst = packing === 'rfc3551';
  }

  /** Samples a payload of `octets` carries. */
  samplesIn(octets: number): number {
    return Math.floor((octets * 8) / this.bits);
  }

  /**
   * Decodes the codewords in `b[s, e)` into `out` from `at` (as many as fit); returns the samples
   * written. Every codeword advances the state.
   */
  decode(b: Uint8Array, s: number, e: number, out: Int16Array, at: number): number {
    const n = this.samplesIn(e - s);
    const bits = this.bits;
    const mask = (1 << bits) - 1;
    let o = at;
    for (let k = 0; k < n; k++) {
      const bit = k * bits;
      const i = bit >> 3;
      const sh = bit & 7;
      // Two octets hold any codeword of ≤ 5 bits.
      let code: number;
      if (this.#lsbFirst) code = (((b[s + i]! | ((b[s + i + 1] ?? 0) << 8)) >> sh) & mask) >>> 0;
      else code = ((((b[s + i]! << 8) | (b[s + i + 1] ?? 0)) >> (16 - sh - bits)) & mask) >>> 0;
      const v = this.#step(code);
      if (o < out.length) out[o++] = v;
    }
    return o - at;
  }

  /**
   * Encodes `n` samples of `x` from `xs` (16-bit linear, as {@link decode} gives them) with this
   * decoder's state as the encoder's (§4.2.2 QUANTIZER: the difference from the estimate on the
   * log scale against the decision levels; as ffmpeg's `adpcm_g726` encoder does) and decodes each
   * code, writing the decoded samples into `out` from `at` (as many as fit; null: not written). Past
   * `x`'s end: zeros.
   * After it the state is that of a decoder that heard `x` coded.
   */
  reencode(x: Int16Array, xs: number, n: number, out: Int16Array | null, at: number): void {
    const q = this.#t.quant;
    const mask = (1 << this.bits) - 1;
    for (let k = 0; k < n; k++) {
      let d = Math.trunc((x[xs + k] ?? 0) / 4) - this.#se;
      const neg = d < 0;
      if (neg) d = -d;
      const exp = log2(d);
      const dln = (exp << 7) + (((d << 7) >> exp) & 0x7f) - (this.#y >> 2);
      let i = 0;
      while (i < q.length && q[i]! < dln) i++;
      if (neg) i = ~i;
      if (this.bits !== 2 && i === 0) i = 0xff;
      const v = this.#step(i & mask);
      if (out && at + k < out.length) out[at + k] = v;
    }
  }

  /** One codeword I → one sample (§4.2). */
  #step(code: number): number {
    const t = this.#t;
    const sign = code >> (this.bits - 1);
    // INVERSE QUANTIZER (§4.2.3): log → linear.
    const dql = t.iquant[code]! + (this.#y >> 2);
    let dq = dql < 0 ? 0 : i16(((128 + (dql & 0x7f)) << ((dql >> 7) & 0xf)) >> 7);
    // TONE AND TRANSITION DETECTOR (§4.2.8).
    const ylint = this.#yl >> 15;
    const ylfrac = (this.#yl >> 10) & 0x1f;
    const thr2 = ylint > 9 ? 0x1f << 10 : (0x20 + ylfrac) << ylint;
    const tr = this.#td === 1 && dq > (3 * thr2) >> 2;
    if (sign) dq = -dq;
    const sr = this.#se + dq;
    // ADAPTIVE PREDICTOR (§4.2.6).
    const p = this.#sez + dq;
    const pk0 = p === 0 ? 0 : p < 0 ? -1 : 1;
    const dq0 = dq === 0 ? 0 : dq < 0 ? -1 : 1;
    const a = this.#a;
    const bz = this.#b;
    if (tr) {
      a.fill(0);
      bz.fill(0);
    } else {
      const fa1 = clip((-a[0]! * this.#pk0 * pk0) >> 5, -256, 255);
      a[1] = clip(a[1]! + 128 * pk0 * this.#pk1 + fa1 - (a[1]! >> 7), -12288, 12288);
      const lim = 15360 - a[1]!;
      a[0] = clip(a[0]! + 192 * pk0 * this.#pk0 - (a[0]! >> 8), -lim, lim);
      for (let i = 0, r = this.#head; i < 6; i++, r = r === 5 ? 0 : r + 1)
        bz[i] = bz[i]! + 128 * dq0 * (this.#dqS[r] ? -1 : 1) - (bz[i]! >> 8);
    }
    this.#pk1 = this.#pk0;
    this.#pk0 = pk0 === 0 ? 1 : pk0;
    this.#srS[1] = this.#srS[0]!;
    this.#srE[1] = this.#srE[0]!;
    this.#srM[1] = this.#srM[0]!;
    float11(sr, this.#srS, this.#srE, this.#srM, 0);
    // The oldest difference drops out: the newest takes its slot.
    const h = (this.#head = this.#head === 0 ? 5 : this.#head - 1);
    float11(dq, this.#dqS, this.#dqE, this.#dqM, h);
    this.#dqS[h] = sign; // the codeword's sign, even for a zero difference
    this.#td = a[1]! < -11776 ? 1 : 0;
    // ADAPTATION SPEED CONTROL (§4.2.7).
    const f = t.f[code]!;
    this.#dms += (f << 4) + (-this.#dms >> 5);
    this.#dml += (f << 4) + (-this.#dml >> 7);
    if (tr) this.#ap = 256;
    else {
      this.#ap += -this.#ap >> 4;
      if (this.#y <= 1535 || this.#td || Math.abs((this.#dms << 2) - this.#dml) >= this.#dml >> 3)
        this.#ap += 0x20;
    }
    // QUANTIZER SCALE FACTOR ADAPTATION (§4.2.4–§4.2.5).
    this.#yu = clip(this.#y + t.w[code]! + (-this.#y >> 5), 544, 5120);
    this.#yl += this.#yu + (-this.#yl >> 6);
    const al = this.#ap >= 256 ? 64 : this.#ap >> 2;
    this.#y = (this.#yl + (this.#yu - (this.#yl >> 6)) * al) >> 6;
    // The next estimate (FMULT, ACCUM).
    let se = 0;
    for (let i = 0, r = h; i < 6; i++, r = r === 5 ? 0 : r + 1)
      se += fmult(bz[i]! >> 2, this.#dqS[r]!, this.#dqE[r]!, this.#dqM[r]!);
    this.#sez = se >> 1;
    for (let i = 0; i < 2; i++) se += fmult(a[i]! >> 2, this.#srS[i]!, this.#srE[i]!, this.#srM[i]!);
    this.#se = se >> 1;
    return clip(sr << 2, -32768, 32767);
  }
}

/** A value as the recommendation's 11-bit float (sign, 4-bit exponent, 6-bit mantissa) into slot k. */
function float11(v: number, s: Int32Array, e: Int32Array, m: Int32Array, k: number): void {
  const neg = v < 0 ? 1 : 0;
  const x = neg ? -v : v;
  const exp = log2(x) + (x ? 1 : 0);
  s[k] = neg;
  e[k] = exp;
  m[k] = x ? (x << 6) >> exp : 32;
}

/** FMULT: a coefficient (as an integer, turned to an 11-bit float) times a stored float, 16 bits. */
function fmult(coef: number, s2: number, e2: number, m2: number): number {
  const neg = coef < 0 ? 1 : 0;
  const x = neg ? -coef : coef;
  const e1 = log2(x) + (x ? 1 : 0);
  const m1 = x ? (x << 6) >> e1 : 32;
  const exp = e1 + e2;
  let r = (m1 * m2 + 0x30) >> 4;
  r = exp > 19 ? r << (exp - 19) : r >> (19 - exp);
  return i16(neg ^ s2 ? -r : r);
}
