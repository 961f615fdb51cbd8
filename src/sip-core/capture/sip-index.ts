/**
 * The index scan: the few fields the trace model keeps per message (kind, method or status, Call-ID,
 * CSeq method), read in one pass over the start line and header names without building a
 * SipMessage. Ingest uses it when nothing listens for full messages; views parse lazily.
 * @remarks RFC 3261 §7.1/§7.2 start lines; header names case-insensitive, compact `i` for Call-ID
 * (§7.3.3). Values are decoded like the parser decodes them (`decodeSpan`), so ids agree.
 */
import { decodeSpan } from '../message/text';

/** The fields `Trace.append` needs (a SipMessage has them too). */
export interface IndexFields {
  kind: 'request' | 'response' | 'invalid';
  method: string | null;
  status: number | null;
  callId: string | null;
  cseqMethod: string | null;
}

/**
 * The same fields as byte spans of the scanned buffer (no strings): what the trace interns by bytes
 * on the ingest fast path. A span is absent when its start is -1.
 */
export interface IndexSpans {
  /** 0 request, 1 response, 2 invalid. */
  kind: number;
  /** Status code, 0 when not a response. */
  status: number;
  methodStart: number;
  methodEnd: number;
  callIdStart: number;
  callIdEnd: number;
  cseqMethodStart: number;
  cseqMethodEnd: number;
}

export function newIndexSpans(): IndexSpans {
  return {
    kind: 2,
    status: 0,
    methodStart: -1,
    methodEnd: -1,
    callIdStart: -1,
    callIdEnd: -1,
    cseqMethodStart: -1,
    cseqMethodEnd: -1,
  };
}

const LF = 10;
const CR = 13;
const SP = 32;
const HT = 9;

const lc = (c: number): number => c | 0x20;

/** `decodeSpan` with a fast path for ASCII (the usual Call-ID): same result, fewer allocations. */
export function spanText(buf: Uint8Array, s: number, e: number): string {
  for (let i = s; i < e; i++) if (buf[i]! >= 0x80) return decodeSpan(buf, s, e);
  return String.fromCharCode.apply(null, buf.subarray(s, e) as unknown as number[]);
}

/** The last two buffers whose 32-bit word views are cached (see `words`): the capture chunk and a
 * reassembly buffer alternate. */
let wordsOf0: Uint8Array | null = null;
let wordsView0: Int32Array | null = null;
let wordsOf1: Uint8Array | null = null;
let wordsView1: Int32Array | null = null;

/** A 32-bit view of `buf` when it starts on a 4-byte boundary (capture chunks do), else null. */
function words(buf: Uint8Array): Int32Array | null {
  if (buf === wordsOf0) return wordsView0;
  if (buf === wordsOf1) {
    // Most recent first.
    const v = wordsView1;
    wordsOf1 = wordsOf0;
    wordsView1 = wordsView0;
    wordsOf0 = buf;
    wordsView0 = v;
    return v;
  }
  wordsOf1 = wordsOf0;
  wordsView1 = wordsView0;
  wordsOf0 = buf;
  wordsView0 =
    (buf.byteOffset & 3) === 0 && buf.byteLength >= 4
      ? new Int32Array(buf.buffer, buf.byteOffset, buf.byteLength >> 2)
      : null;
  return wordsView0;
}

/**
 * Index of the next LF in `buf[p, end)`, or `end`. With a word view, four bytes per step (the
 * "has a zero byte" test on `word ^ 0x0a0a0a0a`): header lines are 30–80 bytes, and this loop is
 * most of the index scan.
 */
function nextLf(buf: Uint8Array, w: Int32Array | null, p: number, end: number): number {
  if (w !== null) {
    while (p < end && (p & 3) !== 0) {
      if (buf[p] === LF) return p;
      p++;
    }
    while (p + 4 <= end) {
      const v = w[p >> 2]! ^ 0x0a0a0a0a;
      if (((v - 0x01010101) & ~v & 0x80808080) !== 0) break;
      p += 4;
    }
  }
  while (p < end && buf[p] !== LF) p++;
  return p;
}

/** Scans `buf[start,end)` for the index fields as spans; fills and returns `out`. */
export function indexScanSpans(buf: Uint8Array, start: number, end: number, out: IndexSpans): IndexSpans {
  out.kind = 2;
  out.status = 0;
  out.methodStart = out.methodEnd = -1;
  out.callIdStart = out.callIdEnd = -1;
  out.cseqMethodStart = out.cseqMethodEnd = -1;
  const w = words(buf);
  let lf = nextLf(buf, w, start, end);
  if (lf >= end) return out;
  if (lc(buf[start]!) === 0x73 && buf[start + 3] === 0x2f && buf[start + 7] === SP) {
    const d0 = buf[start + 8]! - 48;
    const d1 = buf[start + 9]! - 48;
    const d2 = buf[start + 10]! - 48;
    if (d0 >= 0 && d0 <= 9 && d1 >= 0 && d1 <= 9 && d2 >= 0 && d2 <= 9) {
      out.kind = 1;
      out.status = d0 * 100 + d1 * 10 + d2;
    }
  } else {
    let sp = start;
    while (sp < lf && buf[sp] !== SP) sp++;
    if (sp > start && sp < lf) {
      out.kind = 0;
      out.methodStart = start;
      out.methodEnd = sp;
    }
  }
  if (out.kind === 2) return out;
  let p = lf + 1;
  let need = 2;
  while (p < end && need > 0) {
    const c = buf[p]!;
    if (c === CR || c === LF) break; // end of headers
    const c0 = lc(c);
    // Only Call-ID / i / CSeq lines are read; other lines are skipped to their LF.
    if (c0 !== 0x63 && c0 !== 0x69) {
      p = nextLf(buf, w, p, end) + 1;
      continue;
    }
    lf = nextLf(buf, w, p, end);
    let q = -1;
    if (c0 === 0x69) q = p + 1;
    else if (
      lc(buf[p + 1]!) === 0x61 &&
      lc(buf[p + 2]!) === 0x6c &&
      lc(buf[p + 3]!) === 0x6c &&
      buf[p + 4] === 0x2d &&
      lc(buf[p + 5]!) === 0x69 &&
      lc(buf[p + 6]!) === 0x64
    )
      q = p + 7;
    else if (
      lc(buf[p + 1]!) === 0x73 &&
      lc(buf[p + 2]!) === 0x65 &&
      lc(buf[p + 3]!) === 0x71 &&
      out.cseqMethodStart < 0
    ) {
      // CSeq: number SP method
      let r = p + 4;
      while (r < lf && (buf[r] === SP || buf[r] === HT)) r++;
      if (buf[r] === 0x3a) {
        r++;
        while (r < lf && (buf[r] === SP || buf[r] === HT)) r++;
        while (r < lf && buf[r]! >= 48 && buf[r]! <= 57) r++;
        while (r < lf && (buf[r] === SP || buf[r] === HT)) r++;
        let e = r;
        while (e < lf && buf[e] !== SP && buf[e] !== HT && buf[e] !== CR) e++;
        if (e > r) {
          out.cseqMethodStart = r;
          out.cseqMethodEnd = e;
          need--;
        }
      }
    }
    if (q > 0 && out.callIdStart < 0) {
      while (q < lf && (buf[q] === SP || buf[q] === HT)) q++;
      if (buf[q] === 0x3a) {
        q++;
        while (q < lf && (buf[q] === SP || buf[q] === HT)) q++;
        let e = lf;
        while (e > q && (buf[e - 1] === CR || buf[e - 1] === SP || buf[e - 1] === HT || buf[e - 1] === LF))
          e--;
        out.callIdStart = q;
        out.callIdEnd = e;
        need--;
      }
    }
    p = lf + 1;
  }
  return out;
}

const scratch = newIndexSpans();

/** Scans `buf[start,end)`; fills and returns `out` (the string form of {@link indexScanSpans}). */
export function indexScan(buf: Uint8Array, start: number, end: number, out: IndexFields): IndexFields {
  const s = indexScanSpans(buf, start, end, scratch);
  out.kind = s.kind === 0 ? 'request' : s.kind === 1 ? 'response' : 'invalid';
  out.status = s.kind === 1 ? s.status : null;
  out.method = s.methodStart >= 0 ? spanText(buf, s.methodStart, s.methodEnd) : null;
  out.callId = s.callIdStart >= 0 ? spanText(buf, s.callIdStart, s.callIdEnd) : null;
  out.cseqMethod = s.cseqMethodStart >= 0 ? spanText(buf, s.cseqMethodStart, s.cseqMethodEnd) : null;
  return out;
}
