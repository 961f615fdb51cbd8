/**
 * The index scan: the few fields the trace model keeps per message (kind, method or status, Call-ID,
 * CSeq method) as byte spans, without building a SipMessage. Ingest uses it when nothing listens for
 * full messages; views parse lazily. It reads them with the message layer's key-field scanner, so the
 * spans are those `parseMessage` finds (one scanner for ingest and parser).
 * @remarks RFC 3261 §7.1/§7.2 start lines; header names case-insensitive, compact `i` for Call-ID
 * (§7.3.3). Values are decoded like the parser decodes them (`decodeSpan`), so ids agree.
 */
import { R_KEY, R_KIND, R_STATUS, fastScan } from '../message/fast-scan';
import { parseMessage } from '../message/parse';
import { F_CALLID, F_CSEQM, F_METHOD, type ParsedMessage } from '../message/sip-message';
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

/** `decodeSpan` with a fast path for ASCII (the usual Call-ID): same result, fewer allocations. */
export function spanText(buf: Uint8Array, s: number, e: number): string {
  for (let i = s; i < e; i++) if (buf[i]! >= 0x80) return decodeSpan(buf, s, e);
  return String.fromCharCode.apply(null, buf.subarray(s, e) as unknown as number[]);
}

/**
 * Scans `buf[start,end)` for the index fields as spans; fills and returns `out`. This is the message
 * layer's key-field scanner (`message/fast-scan.ts`, one WebAssembly call), or the full parser when the
 * message is not in the scanner's common case: so the spans are exactly those of `parseMessage`.
 */
export function indexScanSpans(buf: Uint8Array, start: number, end: number, out: IndexSpans): IndexSpans {
  let ix: Int32Array | null = fastScan(buf, start, end, true);
  let b = R_KEY;
  if (ix !== null) {
    const kind = ix[R_KIND]!;
    out.kind = kind;
    out.status = kind === 1 ? ix[R_STATUS]! : 0;
  } else {
    const m = parseMessage(buf, start, end) as ParsedMessage;
    out.kind = m.kind === 'request' ? 0 : m.kind === 'response' ? 1 : 2;
    out.status = m.kind === 'response' ? (m.status ?? 0) : 0;
    ix = m.ix;
    b = m.base;
  }
  out.methodStart = ix[b + 2 * F_METHOD]!;
  out.methodEnd = ix[b + 2 * F_METHOD + 1]!;
  out.callIdStart = ix[b + 2 * F_CALLID]!;
  out.callIdEnd = ix[b + 2 * F_CALLID + 1]!;
  out.cseqMethodStart = ix[b + 2 * F_CSEQM]!;
  out.cseqMethodEnd = ix[b + 2 * F_CSEQM + 1]!;
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
