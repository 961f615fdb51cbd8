/**
 * ITU-T G.722 (09/2012) 7 kHz audio coding, the decoder of mode 1 (64 kbit/s): sub-band ADPCM, one
 * octet per pair of 16 kHz output samples — the 2 high bits the higher sub-band's code (IH), the 6
 * low bits the lower sub-band's (IL) — then the receive QMF (§4) merging the two 8 kHz sub-bands.
 *
 * Written from the block diagrams of G.722 §3–§4 (block names in the comments: INVQAL, LOGSCL, SCALEL,
 * UPPOL1, UPPOL2, UPZERO, FILTEP, FILTEZ, PARREC, RECONS, LIMIT), in integer arithmetic, so the output
 * is bit-exact: test/sip-core/media/g722.test.ts compares every sample with ffmpeg's `adpcm_g722`
 * decoder (which passes the ITU test sequences). The scale factor is kept as DETL/8 (the inverse
 * quantizer tables likewise /8), which gives the same products after the shift.
 * @remarks RTP: payload type 9, clock rate 8,000 although the audio is sampled at 16,000 Hz (RFC 3551
 * §4.5.2: an erratum kept for compatibility), so a packet of N octets covers N timestamp ticks and
 * 2N samples. The decoder itself has no packet-loss concealment (G.722 Appendix III/IV are a
 * receiver's option): rtp-audio.ts conceals a lost packet with plc.ts and re-synchronises the state
 * on the concealment with {@link G722Decoder.reencode}.
 */

/** Inverse log-base-2 table ILB (§3.5, Table 15): 2048·2^(i/32). */
const ILB = new Int32Array([
  2048, 2093, 2139, 2186, 2233, 2282, 2332, 2383, 2435, 2489, 2543, 2599, 2656, 2714, 2774, 2834, 2896, 2960,
  3025, 3091, 3158, 3228, 3298, 3371, 3444, 3520, 3597, 3676, 3756, 3838, 3922, 4008,
]);
/** Lower sub-band: the logarithmic scale factor's step WL per 4-bit code (Table 14, through RIL→IL4). */
const WL4 = new Int32Array([
  -60, 3042, 1198, 538, 334, 172, 58, -30, 3042, 1198, 538, 334, 172, 58, -30, -60,
]);
/** Lower sub-band: 4-bit inverse quantizer QQ4 (Table 11, ×1/8 with the sign of the code). */
const QQ4 = new Int32Array([
  0, -2557, -1612, -1121, -786, -530, -323, -150, 2557, 1612, 1121, 786, 530, 323, 150, 0,
]);
/** Lower sub-band: 6-bit inverse quantizer QQ6 (Table 12, ×1/8 with the sign of the code). */
const QQ6 = new Int32Array([
  -17, -17, -17, -17, -3101, -2738, -2376, -2088, -1873, -1689, -1535, -1399, -1279, -1170, -1072, -982, -899,
  -822, -750, -682, -618, -558, -501, -447, -396, -347, -300, -254, -211, -170, -130, -91, 3101, 2738, 2376,
  2088, 1873, 1689, 1535, 1399, 1279, 1170, 1072, 982, 899, 822, 750, 682, 618, 558, 501, 447, 396, 347, 300,
  254, 211, 170, 130, 91, 54, 17, -54, -17,
]);
/** Higher sub-band: 2-bit inverse quantizer QQ2 (Table 13, ×1/8) and the scale factor's step WH. */
const QQ2 = new Int32Array([-926, -202, 926, 202]);
const WH2 = new Int32Array([798, -214]);
// The receive QMF's 24 coefficients (Table 16) are symmetric, h0..h11 = 3, −11, 12, 32, −210, 951,
// 3876, −805, 362, −156, 53, −11 (h23..h12 the same): written out in decode().

/** Room for the QMF's history before it is moved back to the start (22 samples kept). */
const HIST = 22 + 2 * 512;

const clip = (x: number, lo: number, hi: number): number => (x < lo ? lo : x > hi ? hi : x);
const clip16 = (x: number): number => (x < -32768 ? -32768 : x > 32767 ? 32767 : x);

/**
 * One sub-band's adaptive predictor and quantizer scale (§3.6–§3.7). Fields: the scale factor (DET/8)
 * and its logarithm (NB), the pole section's coefficients A1, A2 and the signs of the last two partial
 * reconstructions P, the zero section's six coefficients B and quantized differences D, the last
 * reconstructed signal R (×2), and the predictor outputs SZ and S.
 */
class Band {
  det: number;
  nb = 0;
  a1 = 0;
  a2 = 0;
  p1 = 0;
  p2 = 0;
  r1 = 0;
  sz = 0;
  s = 0;
  readonly b = new Int32Array(6);
  readonly d = new Int32Array(6);

  constructor(det: number) {
    this.det = det;
  }

  /** UPPOL1/UPPOL2, UPZERO, FILTEP, FILTEZ, PARREC, RECONS for the quantized difference `dq`. */
  adapt(dq: number): void {
    // PARREC: the sign of the partial reconstruction; UPPOL2, UPPOL1 (sg1 is −1 where it has the sign
    // of the last one, sg2 +1 where it has the sign of the one before).
    const p = this.sz + dq < 0 ? 1 : 0;
    const sg1 = p !== this.p1 ? 1 : -1;
    const sg2 = p === this.p2 ? 1 : -1;
    this.p2 = this.p1;
    this.p1 = p;
    this.a2 = clip(
      ((sg1 * clip(this.a1, -8191, 8191)) >> 5) + sg2 * 128 + ((this.a2 * 127) >> 7),
      -12288,
      12288,
    );
    const lim = 15360 - this.a2;
    this.a1 = clip(-192 * sg1 + ((this.a1 * 255) >> 8), -lim, lim);
    // UPZERO (the sign rule: +128 where D and the new difference agree, none when the difference is 0)
    // and FILTEZ, oldest first, the delay line shifted as it goes.
    const b = this.b;
    const d = this.d;
    let sz = 0;
    if (dq === 0)
      for (let k = 5; k >= 0; k--) {
        const x = k === 0 ? 0 : d[k - 1]!;
        const bk = (b[k] = (b[k]! * 255) >> 8);
        d[k] = x;
        sz += (x * bk) >> 15;
      }
    else
      for (let k = 5; k >= 0; k--) {
        const x = k === 0 ? dq * 2 : d[k - 1]!;
        const bk = (b[k] = ((b[k]! * 255) >> 8) + ((d[k]! ^ dq) < 0 ? -128 : 128));
        d[k] = x;
        sz += (x * bk) >> 15;
      }
    this.sz = sz;
    // RECONS and FILTEP: the new signal estimate.
    const r = clip16((this.s + dq) * 2);
    this.s = clip16(sz + ((this.a1 * r) >> 15) + ((this.a2 * this.r1) >> 15));
    this.r1 = r;
  }
}

/** A G.722 decoder's state (one per stream: the octets of its packets in order, lost ones skipped). */
export class G722Decoder {
  readonly #low = new Band(8);
  readonly #high = new Band(2);
  /** The receive QMF's input: the sums and differences of the sub-band signals, oldest first. */
  readonly #hist = new Int32Array(HIST);
  #pos = 22;
  /** Where {@link reencode} decodes to when its output is not wanted. */
  readonly #pair = new Int16Array(2);

  /**
   * Decodes octets `b[s, e)` into `out` from `at` (2 samples per octet, as many as fit); returns the
   * samples written. Every octet advances the state, even past the end of `out`.
   */
  decode(b: Uint8Array, s: number, e: number, out: Int16Array, at: number): number {
    const low = this.#low;
    const high = this.#high;
    const h = this.#hist;
    let o = at;
    const end = out.length;
    for (let i = s; i < e; i++) {
      const code = b[i]!;
      const il = code & 0x3f;
      const ih = code >> 6;
      // Lower sub-band: INVQBL (6-bit) → RL; INVQAL (4-bit) drives the adaptation; LOGSCL, SCALEL.
      const rl = clip(((low.det * QQ6[il]!) >> 10) + low.s, -16384, 16383);
      const il4 = il >> 2;
      low.adapt((low.det * QQ4[il4]!) >> 10);
      low.nb = clip(((low.nb * 127) >> 7) + WL4[il4]!, 0, 18432);
      low.det = scale(low.nb - (8 << 11));
      // Higher sub-band: INVQAH → DH, RH; LOGSCH, SCALEH.
      const dh = (high.det * QQ2[ih]!) >> 10;
      const rh = clip(dh + high.s, -16384, 16383);
      high.adapt(dh);
      high.nb = clip(((high.nb * 127) >> 7) + WH2[ih & 1]!, 0, 22528);
      high.det = scale(high.nb - (10 << 11));
      // Receive QMF (§4.4): two output samples from the last 24 inputs.
      let p = this.#pos;
      h[p++] = rl + rh;
      h[p++] = rl - rh;
      const q = p - 24;
      // Table 16's coefficients written out (the 24-tap filter's even and odd taps).
      const x1 =
        3 * h[q]! -
        11 * h[q + 2]! +
        12 * h[q + 4]! +
        32 * h[q + 6]! -
        210 * h[q + 8]! +
        951 * h[q + 10]! +
        3876 * h[q + 12]! -
        805 * h[q + 14]! +
        362 * h[q + 16]! -
        156 * h[q + 18]! +
        53 * h[q + 20]! -
        11 * h[q + 22]!;
      const x0 =
        -11 * h[q + 1]! +
        53 * h[q + 3]! -
        156 * h[q + 5]! +
        362 * h[q + 7]! -
        805 * h[q + 9]! +
        3876 * h[q + 11]! +
        951 * h[q + 13]! -
        210 * h[q + 15]! +
        32 * h[q + 17]! +
        12 * h[q + 19]! -
        11 * h[q + 21]! +
        3 * h[q + 23]!;
      if (o < end) out[o++] = clip16(x0 >> 11);
      if (o < end) out[o++] = clip16(x1 >> 11);
      if (p >= HIST) {
        h.copyWithin(0, p - 22, p);
        p = 22;
      }
      this.#pos = p;
    }
    return o - at;
  }

  /**
   * Takes a signal the decoder did not receive (a lost packet's concealment): each pair of 16 kHz
   * samples `x[xs + 22 + 2j]`, `x[xs + 23 + 2j]` (j < `codes`; `x[xs, xs + 22)` the transmit QMF's
   * history) through a G.722 encoder that shares this decoder's state — the transmit QMF (§3.1), the
   * lower sub-band's 6-bit and the higher's 2-bit code whose reconstruction is nearest the prediction
   * error — and decodes the octets into `out` from `at` (as {@link decode}). So the sub-band
   * predictors, scale factors and the receive QMF follow the concealed signal, as an encoder's did the
   * real one, and the next packet does not start from a state 60 ms old (G.722 Appendix III/IV's
   * re-synchronisation, here by re-encoding). Returns the samples written (`out` null: the state
   * only, nothing written).
   */
  reencode(x: Int16Array, xs: number, codes: number, out: Int16Array | null, at: number): number {
    const one = new Uint8Array(1);
    let o = at;
    for (let j = 0; j < codes; j++) {
      // Transmit QMF (Table 16's coefficients): the odd and even taps over the last 24 inputs.
      const q = xs + 2 * j;
      let odd = 0;
      let even = 0;
      for (let i = 0; i < 12; i++) {
        even += (x[q + 2 * i] ?? 0) * QMF[i]!;
        odd += (x[q + 2 * i + 1] ?? 0) * QMF[11 - i]!;
      }
      const xl = (odd + even) >> 14;
      const xh = (odd - even) >> 14;
      const low = this.#low;
      const high = this.#high;
      // The lower code: a binary search of the reconstructions in ascending order (monotonic in
      // QQ6, the scale factor being positive), then the nearer of the two around the difference.
      const dl = clip16(xl - low.s);
      const det = low.det;
      let lo = 0;
      let hi = Q6_SORTED.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if ((det * Q6_SORTED[mid]!) >> 10 < dl) lo = mid + 1;
        else hi = mid;
      }
      if (lo > 0 && dl - ((det * Q6_SORTED[lo - 1]!) >> 10) < ((det * Q6_SORTED[lo]!) >> 10) - dl) lo--;
      const il = Q6_CODE[lo]!;
      const dh = clip16(xh - high.s);
      let ih = 0;
      let best = Infinity;
      for (let c = 0; c < 4; c++) {
        const e = Math.abs(((high.det * QQ2[c]!) >> 10) - dh);
        if (e < best) {
          best = e;
          ih = c;
        }
      }
      one[0] = (ih << 6) | il;
      if (out) o += this.decode(one, 0, 1, out, o);
      else this.decode(one, 0, 1, this.#pair, 0);
    }
    return o - at;
  }
}

/** The lower sub-band's codes 4–63 (0–3 are not sent) by their reconstruction QQ6, ascending, for {@link G722Decoder.reencode}. */
const Q6_CODE = Int32Array.from({ length: 60 }, (_, i) => i + 4).sort((x, y) => QQ6[x]! - QQ6[y]! || x - y);
const Q6_SORTED = Int32Array.from(Q6_CODE, (c) => QQ6[c]!);

/** Table 16: the QMF's coefficients h0…h11 (h23…h12 the same), for the transmit QMF of {@link G722Decoder.reencode}. */
const QMF = new Int32Array([3, -11, 12, 32, -210, 951, 3876, -805, 362, -156, 53, -11]);

/** SCALEL/SCALEH: the linear scale factor (÷8) of a logarithmic one, already offset by the band's bias. */
function scale(nb: number): number {
  const w = ILB[(nb >> 6) & 31]!;
  const sh = nb >> 11;
  return sh < 0 ? w >> -sh : w << sh;
}
