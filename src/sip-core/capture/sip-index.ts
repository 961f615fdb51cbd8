/**
 * The index scan: the few fields the trace model keeps per message (kind, method or status, Call-ID,
 * CSeq method) as byte spans, without building a SipMessage. Ingest uses it when nothing listens for
 * full messages; views parse lazily. It reads them with the message layer's key-field scanner, so the
 * spans are those `parseMessage` finds (one scanner for ingest and parser).
 * @remarks RFC 3261 §7.1/§7.2 start lines; header names case-insensitive, compact `i` for Call-ID
 * (§7.3.3). Values are decoded like the parser decodes them (`decodeSpan`), so ids agree.
 */
import {
  R_CSEQ,
  R_HBRANCH,
  R_HFROMTAG,
  R_HSENTBY,
  R_HTOTAG,
  R_KEY,
  R_KIND,
  R_STATUS,
  SCAN_KEYS,
  fastScan,
  keyHash,
} from '../message/fast-scan';
import { parseMessage } from '../message/parse';
import {
  F_BRANCH,
  F_CALLID,
  F_CSEQM,
  F_FROMTAG,
  F_METHOD,
  F_SENTBY,
  F_TOTAG,
  F_TRANSPORT,
  type ParsedMessage,
} from '../message/sip-message';
import { decodeSpan } from '../message/text';
import { hasMagicCookie } from '../message/headers/chars';

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
  /**
   * The transaction and dialog keys the tiered analysis matches on (analysis/tier1.ts), as numbers:
   * CSeq number (0 when absent, see `keyFlags`), and the 32-bit FNV-1a hashes (`keyHash`) of the
   * octets of the top Via branch, the From tag and the To tag (0: absent), and of the sent-by as the
   * transaction key compares it (`sentByHash`).
   */
  cseq: number;
  branchH: number;
  sentByH: number;
  fromTagH: number;
  toTagH: number;
  /** KF_* bits: the branch has the RFC 3261 magic cookie, a CSeq number was read. */
  keyFlags: number;
}

/** `IndexSpans.keyFlags`: the top Via branch starts with `z9hG4bK` (RFC 3261 §8.1.1.7). */
export const KF_COOKIE = 1;
/** `IndexSpans.keyFlags`: the message has a CSeq number. */
export const KF_CSEQ = 2;

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
    cseq: 0,
    branchH: 0,
    sentByH: 0,
    fromTagH: 0,
    toTagH: 0,
    keyFlags: 0,
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
  let ix: Int32Array | null = fastScan(buf, start, end, SCAN_KEYS);
  let b = R_KEY;
  if (ix !== null) {
    const kind = ix[R_KIND]!;
    out.kind = kind;
    out.status = kind === 1 ? ix[R_STATUS]! : 0;
    const cseq = ix[R_CSEQ]!;
    out.cseq = cseq >= 0 ? cseq : 0;
    out.branchH = ix[R_HBRANCH]!;
    // The scanner's octet hash is the compared form when the sent-by reads `digits/dots:port` (IPv4,
    // the usual case: no letters to fold, a port given); anything else is hashed here.
    const ss = ix[R_KEY + 2 * F_SENTBY]!;
    out.sentByH =
      ss >= 0 && ipv4WithPort(buf, ss, ix[R_KEY + 2 * F_SENTBY + 1]!)
        ? ix[R_HSENTBY]!
        : sentByHash(buf, ix, R_KEY);
    out.fromTagH = ix[R_HFROMTAG]!;
    out.toTagH = ix[R_HTOTAG]!;
    out.keyFlags =
      (cseq >= 0 ? KF_CSEQ : 0) |
      (hasMagicCookie(buf, ix[R_KEY + 2 * F_BRANCH]!, ix[R_KEY + 2 * F_BRANCH + 1]!) ? KF_COOKIE : 0);
  } else {
    const m = parseMessage(buf, start, end) as ParsedMessage;
    out.kind = m.kind === 'request' ? 0 : m.kind === 'response' ? 1 : 2;
    out.status = m.kind === 'response' ? (m.status ?? 0) : 0;
    ix = m.ix;
    b = m.base;
    keysOfParse(buf, m, out);
  }
  out.methodStart = ix[b + 2 * F_METHOD]!;
  out.methodEnd = ix[b + 2 * F_METHOD + 1]!;
  out.callIdStart = ix[b + 2 * F_CALLID]!;
  out.callIdEnd = ix[b + 2 * F_CALLID + 1]!;
  out.cseqMethodStart = ix[b + 2 * F_CSEQM]!;
  out.cseqMethodEnd = ix[b + 2 * F_CSEQM + 1]!;
  return out;
}

const lower = (c: number): number => (c >= 65 && c <= 90 ? c + 32 : c);

/**
 * 32-bit FNV-1a of the top Via sent-by as RFC 3261 §17.2.3 compares it: ASCII letters lower-cased
 * and the default port added when it has none (`:5061` over TLS/WSS, else `:5060`), so `HOST` and
 * `host:5060` agree (the full analyzer's `keySentBy`); 0 when absent or empty. `ix[b + 2 * F_*]` are
 * the spans (scanner output or a parse's index).
 */
export function sentByHash(buf: Uint8Array, ix: Int32Array, b: number): number {
  const s = ix[b + 2 * F_SENTBY]!;
  const e = ix[b + 2 * F_SENTBY + 1]!;
  if (s < 0 || e <= s) return 0;
  let h = 0x811c9dc5;
  let colon = -1;
  let rb = -1;
  for (let i = s; i < e; i++) {
    const c = buf[i]!;
    if (c === 0x3a) colon = i;
    else if (c === 0x5d) rb = i;
    h = Math.imul(h ^ lower(c), 16777619);
  }
  let port: boolean;
  if (buf[s] === 0x5b) {
    // `[v6]:port` has a port; `[v6]` does not
    port = rb >= s && buf[rb + 1] === 0x3a && rb + 2 < e;
    for (let i = rb + 2; port && i < e; i++) if (buf[i]! < 48 || buf[i]! > 57) port = false;
  } else port = colon >= 0;
  if (!port) {
    const ts = ix[b + 2 * F_TRANSPORT]!;
    const te = ix[b + 2 * F_TRANSPORT + 1]!;
    let tls = false;
    if (ts >= 0 && te - ts === 3) {
      const c0 = lower(buf[ts]!);
      const c1 = lower(buf[ts + 1]!);
      const c2 = lower(buf[ts + 2]!);
      tls = (c0 === 0x74 && c1 === 0x6c && c2 === 0x73) || (c0 === 0x77 && c1 === 0x73 && c2 === 0x73);
    }
    h = Math.imul(h ^ 0x3a, 16777619);
    h = Math.imul(h ^ 0x35, 16777619);
    h = Math.imul(h ^ 0x30, 16777619);
    h = Math.imul(h ^ 0x36, 16777619);
    h = Math.imul(h ^ (tls ? 0x31 : 0x30), 16777619);
  }
  return h | 0;
}

/** True when `buf[s,e)` is digits and dots, a colon, then at least one digit and only digits. */
function ipv4WithPort(buf: Uint8Array, s: number, e: number): boolean {
  let i = s;
  for (; i < e; i++) {
    const c = buf[i]!;
    if (c === 0x3a) break;
    if ((c < 0x30 || c > 0x39) && c !== 0x2e) return false;
  }
  if (i === s || i + 1 >= e) return false;
  for (i++; i < e; i++) if (buf[i]! < 0x30 || buf[i]! > 0x39) return false;
  return true;
}

/** The key numbers of {@link IndexSpans} from a full parse of `buf` (same values as the scanner's). */
export function keysOfParse(buf: Uint8Array, m: ParsedMessage, out: IndexSpans): IndexSpans {
  const ix = m.ix;
  const b = m.base;
  const h = (f: number): number => keyHash(buf, ix[b + 2 * f]!, ix[b + 2 * f + 1]!);
  const cseq = m.cseq;
  out.cseq = cseq ?? 0;
  out.branchH = h(F_BRANCH);
  out.sentByH = sentByHash(buf, ix, b);
  out.fromTagH = h(F_FROMTAG);
  out.toTagH = h(F_TOTAG);
  out.keyFlags =
    (cseq !== null ? KF_CSEQ : 0) |
    (hasMagicCookie(buf, ix[b + 2 * F_BRANCH]!, ix[b + 2 * F_BRANCH + 1]!) ? KF_COOKIE : 0);
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
