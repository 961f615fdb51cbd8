/**
 * ITU-T G.711 (11/88) µ-law and A-law: the 256 codes of each law to 16-bit linear PCM, and back.
 *
 * Decoding is a table lookup (this runs once per audio sample). The tables are built here from the
 * law's segment rule, as the G.711 tables give them (§2, Tables 1a/1b and 2a/2b): µ-law has 8
 * segments of 16 steps over a 14-bit range (bias 33, scaled ×4 to 16 bits: 0xFF → 0, 0x00 → −32,124),
 * A-law 8 segments over a 13-bit range (even bits inverted on the wire: 0xD5 → 8, 0x55 → −8, scaled ×8).
 * The decoder's values are the ones sox and Wireshark's player produce (test/sip-core/media/g711.test.ts
 * checks every code against sox).
 * @remarks RTP payload types 0 (PCMU) and 8 (PCMA), 8,000 Hz, one octet per sample (RFC 3551 §4.5.14).
 */

const BIAS = 0x84;

function ulawToLinear(code: number): number {
  const u = ~code & 0xff;
  const t = (((u & 0x0f) << 3) + BIAS) << ((u & 0x70) >> 4);
  return u & 0x80 ? BIAS - t : t - BIAS;
}

function alawToLinear(code: number): number {
  const a = code ^ 0x55;
  const seg = (a & 0x70) >> 4;
  let t = (a & 0x0f) << 4;
  if (seg === 0) t += 8;
  else t = (t + 0x108) << (seg - 1);
  return a & 0x80 ? t : -t;
}

function table(f: (c: number) => number): Int16Array {
  const t = new Int16Array(256);
  for (let c = 0; c < 256; c++) t[c] = f(c);
  return t;
}

/** µ-law code → 16-bit linear sample. */
export const ULAW_TO_LINEAR: Int16Array = table(ulawToLinear);
/** A-law code → 16-bit linear sample. */
export const ALAW_TO_LINEAR: Int16Array = table(alawToLinear);

/** Segment end points of the µ-law encoder (14-bit magnitude + bias/4) and the A-law one (13-bit). */
const ULAW_SEG_END = [0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff, 0x1fff];
const ALAW_SEG_END = [0x1f, 0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff];

function segment(v: number, ends: readonly number[]): number {
  for (let i = 0; i < ends.length; i++) if (v <= ends[i]!) return i;
  return ends.length;
}

/** 16-bit linear sample → µ-law code (G.711 §2: the decision values of Table 2a). */
export function linearToUlaw(sample: number): number {
  let v = Math.max(-32768, Math.min(32767, Math.round(sample))) >> 2;
  let mask: number;
  if (v < 0) {
    v = -v;
    mask = 0x7f;
  } else mask = 0xff;
  v = Math.min(v, 8159) + (BIAS >> 2);
  const seg = segment(v, ULAW_SEG_END);
  if (seg >= 8) return 0x7f ^ mask;
  return ((seg << 4) | ((v >> (seg + 1)) & 0x0f)) ^ mask;
}

/** 16-bit linear sample → A-law code (G.711 §2: the decision values of Table 1a). */
export function linearToAlaw(sample: number): number {
  let v = Math.max(-32768, Math.min(32767, Math.round(sample))) >> 3;
  let mask: number;
  if (v >= 0) mask = 0xd5;
  else {
    mask = 0x55;
    v = -v - 1;
  }
  const seg = segment(v, ALAW_SEG_END);
  if (seg >= 8) return 0x7f ^ mask;
  const aval = (seg << 4) | (seg < 2 ? (v >> 1) & 0x0f : (v >> seg) & 0x0f);
  return aval ^ mask;
}
