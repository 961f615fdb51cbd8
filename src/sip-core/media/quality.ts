/**
 * Call quality of one RTP stream by the ITU-T G.107 E-model (06/2015), simplified as monitors commonly
 * do: every parameter at its G.107 default (Table 3) except the one-way delay Ta (the delay impairment
 * Idd, §7.3.2 eq. 7-27) and the equipment impairment Ie,eff (§7.5 eq. 7-29) from the codec's Ie and
 * Bpl (ITU-T G.113 Appendix I) and the stream's packet loss and burstiness. With the defaults,
 * Ro − Is − Idte − Idle + A = 93.2, so
 *
 *   R = 93.2 − Idd(Ta) − Ie,eff,   Ie,eff = Ie + (95 − Ie) · Ppl / (Ppl / BurstR + Bpl)
 *   MOS = 1 + 0.035 R + R (R − 60)(100 − R) · 7·10⁻⁶   (G.107 Annex B; 1 below R 0, 4.5 above R 100)
 *
 * Idd = 0 for Ta ≤ 100 ms, else 25 · ((1 + X⁶)^⅙ − 3 (1 + (X/3)⁶)^⅙ + 2) with X = log2(Ta / 100 ms).
 * Echo (Idte, Idle) stays at its default: a change of T with TELR 65 dB moves R by less than 1 up to
 * 300 ms. Jitter is not an E-model input (its cost shows as loss once the jitter buffer discards).
 * See src/sip-core/media/README.md ("Call quality").
 */

/** G.113 Appendix I (and Amendment 1) values for the codecs we recognise. */
export interface CodecImpairment {
  /** The row of G.113 Appendix I used. */
  codec: string;
  /** Equipment impairment factor without loss. */
  ie: number;
  /** Packet-loss robustness factor. */
  bpl: number;
  /** Bpl assumes packet loss concealment. */
  plc: boolean;
}

/**
 * The codec's Ie and Bpl by its SDP/static-table name (null: not in the table, no estimate).
 * G.711: Bpl 25.1 assumes packet loss concealment (G.711 Appendix I), as every current phone has;
 * without it G.113 gives 4.3. G.729 and G.729A: Ie 11, Bpl 19 (with its own concealment); G.723.1 at
 * 6.3 kbit/s: Ie 15, Bpl 16.1.
 */
export function codecImpairment(name: string): CodecImpairment | null {
  const n = name.toLowerCase().replace(/[^a-z0-9]/g, '');
  if (n === 'pcmu' || n === 'pcma' || n === 'g711u' || n === 'g711a' || n === 'g711')
    return { codec: 'G.711 (PLC)', ie: 0, bpl: 25.1, plc: true };
  if (n === 'g729' || n === 'g729a' || n === 'g729ab' || n === 'g729b')
    return { codec: 'G.729(A)', ie: 11, bpl: 19, plc: true };
  if (n === 'g723' || n === 'g7231') return { codec: 'G.723.1 6.3 kbit/s', ie: 15, bpl: 16.1, plc: true };
  return null;
}

/** G.107 §7.3.2: the delay impairment of the absolute one-way delay `taMs`. */
export function delayImpairment(taMs: number): number {
  if (!(taMs > 100)) return 0;
  const x = Math.log2(taMs / 100);
  return 25 * ((1 + x ** 6) ** (1 / 6) - 3 * (1 + (x / 3) ** 6) ** (1 / 6) + 2);
}

/** G.107 eq. 7-29: the effective equipment impairment at `ppl` percent loss and burst ratio `burstR`. */
export function effectiveIe(ie: number, bpl: number, ppl: number, burstR: number): number {
  if (!(ppl > 0)) return ie;
  return ie + ((95 - ie) * ppl) / (ppl / burstR + bpl);
}

/** G.107 Annex B: MOS (conversational quality, estimated) from R. */
export function mosFromR(r: number): number {
  if (r <= 0) return 1;
  if (r >= 100) return 4.5;
  return 1 + 0.035 * r + r * (r - 60) * (100 - r) * 7e-6;
}

/**
 * G.107 §7.5: BurstR = 1 / (p + q) of the two-state loss model, p the probability of a loss after a
 * received packet, q of a received packet after a loss; estimated from the stream's gaps (each gap one
 * loss burst): p = bursts / received, q = bursts / lost. 1 for random loss; kept ≥ 1 (fewer bursts
 * than random loss would give is counted as random).
 */
export function burstRatio(received: number, lost: number, bursts: number): number {
  if (bursts <= 0 || lost <= 0 || received <= 0) return 1;
  return Math.max(1, 1 / (bursts / received + bursts / lost));
}

export interface StreamQuality {
  /** The codec row assumed (G.113 Appendix I). */
  codec: string;
  ie: number;
  bpl: number;
  /** Packet loss, percent of the expected packets. */
  ppl: number;
  burstR: number;
  /** One-way delay assumed, ms (0: unknown, G.107's default T = Ta = 0). */
  delayMs: number;
  /** Whether `delayMs` comes from RTCP round trips (else the default). */
  delayMeasured: boolean;
  idd: number;
  ieEff: number;
  r: number;
  mos: number;
}

/** The E-model estimate for one stream (null: codec not in the table). */
export function streamQuality(o: {
  codec: string;
  expected: number;
  lost: number;
  received: number;
  bursts: number;
  /** One-way delay from RTCP, ms (null: not measured). */
  delayMs: number | null;
}): StreamQuality | null {
  const c = codecImpairment(o.codec);
  if (!c) return null;
  const ppl = o.expected > 0 ? (Math.max(0, o.lost) / o.expected) * 100 : 0;
  const burstR = burstRatio(o.received, Math.max(0, o.lost), o.bursts);
  const delayMs = o.delayMs !== null && o.delayMs > 0 ? o.delayMs : 0;
  const idd = delayImpairment(delayMs);
  const ieEff = effectiveIe(c.ie, c.bpl, ppl, burstR);
  const r = 93.2 - idd - ieEff;
  return {
    codec: c.codec,
    ie: c.ie,
    bpl: c.bpl,
    ppl,
    burstR,
    delayMs,
    delayMeasured: o.delayMs !== null,
    idd,
    ieEff,
    r,
    mos: mosFromR(r),
  };
}

/**
 * Below this MOS (R 60: G.107 Annex B / G.109 Table 1, "many users dissatisfied" ends and "nearly all
 * users dissatisfied" begins) the rule `poor-call-quality` reports the call.
 */
export const POOR_MOS = 3.1;
