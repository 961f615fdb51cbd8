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

const LF = 10;
const CR = 13;
const SP = 32;
const HT = 9;

const lc = (c: number): number => c | 0x20;

/** `decodeSpan` with a fast path for ASCII (the usual Call-ID): same result, fewer allocations. */
function text(buf: Uint8Array, s: number, e: number): string {
  for (let i = s; i < e; i++) if (buf[i]! >= 0x80) return decodeSpan(buf, s, e);
  return String.fromCharCode.apply(null, buf.subarray(s, e) as unknown as number[]);
}

/** Scans `buf[start,end)`; fills and returns `out`. */
export function indexScan(buf: Uint8Array, start: number, end: number, out: IndexFields): IndexFields {
  out.kind = 'invalid';
  out.method = null;
  out.status = null;
  out.callId = null;
  out.cseqMethod = null;
  let lf = buf.indexOf(LF, start);
  if (lf < 0 || lf >= end) return out;
  if (lc(buf[start]!) === 0x73 && buf[start + 3] === 0x2f && buf[start + 7] === SP) {
    const d0 = buf[start + 8]! - 48;
    const d1 = buf[start + 9]! - 48;
    const d2 = buf[start + 10]! - 48;
    if (d0 >= 0 && d0 <= 9 && d1 >= 0 && d1 <= 9 && d2 >= 0 && d2 <= 9) {
      out.kind = 'response';
      out.status = d0 * 100 + d1 * 10 + d2;
    }
  } else {
    const sp = buf.indexOf(SP, start);
    if (sp > start && sp < lf) {
      out.kind = 'request';
      out.method = text(buf, start, sp);
    }
  }
  if (out.kind === 'invalid') return out;
  let p = lf + 1;
  let need = 2;
  while (p < end && need > 0) {
    const c = buf[p]!;
    if (c === CR || c === LF) break; // end of headers
    lf = buf.indexOf(LF, p);
    if (lf < 0 || lf > end) lf = end;
    const c0 = lc(c);
    // Call-ID / i
    if (c0 === 0x63 || c0 === 0x69) {
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
        out.cseqMethod === null
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
            out.cseqMethod = text(buf, r, e);
            need--;
          }
        }
      }
      if (q > 0 && out.callId === null) {
        while (q < lf && (buf[q] === SP || buf[q] === HT)) q++;
        if (buf[q] === 0x3a) {
          q++;
          while (q < lf && (buf[q] === SP || buf[q] === HT)) q++;
          let e = lf;
          while (e > q && (buf[e - 1] === CR || buf[e - 1] === SP || buf[e - 1] === HT || buf[e - 1] === LF))
            e--;
          out.callId = text(buf, q, e);
          need--;
        }
      }
    }
    p = lf + 1;
  }
  return out;
}
