/**
 * Structural parse of one SIP message: start line, header field spans, key fields, body framing.
 * @remarks RFC 3261 §7 (message format), §7.3 (header fields, folding, compact forms), §7.5 (framing),
 * §18.3 (datagram framing by Content-Length), §20 (the key headers). One pass over the bytes, no
 * regular expressions, no copies: every position is an absolute offset into `buf`. Never throws on
 * wire input (STYLE.md habit 6): problems become diagnostics and the rest of the message still parses.
 */
import type { Span } from '../diagnostic';
import { sipDiagnostic } from './diagnostic-codes';
import {
  R_BODY,
  R_CLCOUNT,
  R_CLVALUE,
  R_CSEQ,
  R_KIND,
  R_MAXF,
  R_NH,
  R_ROUTE,
  R_RR,
  R_SLE,
  R_STATUS,
  R_VIA,
  ring32,
  ringAt,
  ringAtGen,
  scanMessage,
} from './fast-scan';
import {
  F_BRANCH,
  F_CALLID,
  F_CSEQM,
  F_CTYPE,
  F_FROMTAG,
  F_METHOD,
  F_REASON,
  F_RECEIVED,
  F_RPORT,
  F_SENTBY,
  F_TOTAG,
  F_TRANSPORT,
  F_URI,
  F_VERSION,
  FOLDED,
  HS,
  KEY_SLOTS,
  ParsedMessage,
  commitIndex,
  growIndex,
  indexBase,
  indexChunk,
  reserveIndex,
  setReindex,
  storeIndex,
  chunkOf,
  type SipMessage,
} from './sip-message';

const ID_VIA = 1;
const ID_FROM = 2;
const ID_TO = 3;
const ID_CALLID = 4;
const ID_CSEQ = 5;
const ID_MAXF = 6;
const ID_CLEN = 7;
const ID_CTYPE = 8;
const ID_ROUTE = 9;
const ID_RR = 10;
/** Contact: no key field, but named by id so its canonical name costs no string work later. */
const ID_CONTACT = 11;

/** RFC 3261 §25.1 token characters: alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~". */
const TOKEN = new Uint8Array(256);
for (let c = 0x30; c <= 0x39; c++) TOKEN[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) TOKEN[c] = 1;
for (let c = 0x61; c <= 0x7a; c++) TOKEN[c] = 1;
for (const ch of "-.!%*_+`'~") TOKEN[ch.charCodeAt(0)] = 1;

/** Whether `c` is an RFC 3261 token character. */
export function isTokenChar(c: number): boolean {
  return TOKEN[c] === 1;
}

function span(start: number, end: number): Span {
  return { start, end };
}

// Line ends are found four octets at a time through a DataView (SWAR "has a zero byte" on v ^ 0x0a0a0a0a),
// which measured faster here than Uint8Array.prototype.indexOf or a byte loop for header-sized lines. The
// view of the last buffer is kept so a capture buffer holding many messages builds it once.
let viewArray: Uint8Array | null = null;
let viewBuffer: ArrayBufferLike | null = null;
let view: DataView = new DataView(new ArrayBuffer(0));
let viewOffset = 0;

function useView(b: Uint8Array): void {
  if (b === viewArray) return; // the same array again (a capture buffer, a benchmark): nothing to do
  viewArray = b;
  if (b.buffer !== viewBuffer) {
    viewBuffer = b.buffer;
    view = new DataView(b.buffer);
  }
  viewOffset = b.byteOffset;
}

/** Index of the next LF in `[p, end)`, or `end`. `useView(b)` must have been called for `b`. */
function findLF(b: Uint8Array, p: number, end: number): number {
  const dv = view;
  const off = viewOffset;
  // eight octets per step (two words), then four, then octet by octet
  for (const lim = end - 8; p <= lim; p += 8) {
    const v = dv.getUint32(off + p, true) ^ 0x0a0a0a0a;
    const w = dv.getUint32(off + p + 4, true) ^ 0x0a0a0a0a;
    if (((((v - 0x01010101) & ~v) | ((w - 0x01010101) & ~w)) & 0x80808080) !== 0) break;
  }
  for (const lim = end - 4; p <= lim; p += 4) {
    const v = dv.getUint32(off + p, true) ^ 0x0a0a0a0a;
    const t = (v - 0x01010101) & ~v & 0x80808080;
    // the lowest flagged octet is the first LF (a borrow only ever flags octets above a zero one)
    if (t !== 0) return p + ((31 - Math.clz32(t & -t)) >> 3);
  }
  while (p < end && b[p] !== 10) p++;
  return p;
}

/** Set by {@link findLFComma}: a "," was seen before the LF. */
let sawComma = false;

/** {@link findLF} that also notes in `sawComma` whether a "," comes first (for list headers). */
function findLFComma(b: Uint8Array, p: number, end: number): number {
  const dv = view;
  const off = viewOffset;
  for (const lim = end - 4; p <= lim; p += 4) {
    const x = dv.getUint32(off + p, true);
    const v = x ^ 0x0a0a0a0a;
    const c = x ^ 0x2c2c2c2c;
    if (((((v - 0x01010101) & ~v) | ((c - 0x01010101) & ~c)) & 0x80808080) !== 0) break;
  }
  while (p < end) {
    const x = b[p];
    if (x === 10) break;
    if (x === 44) sawComma = true;
    p++;
  }
  return p;
}

function scanToken(b: Uint8Array, p: number, e: number): number {
  const tok = TOKEN;
  while (p < e) {
    const c = b[p]!;
    // letters, digits and "-" first: most token octets, cheaper than the table
    if (((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2d || tok[c] === 1)
      p++;
    else break;
  }
  return p;
}

function skipLws(b: Uint8Array, p: number, e: number): number {
  while (p < e) {
    const c = b[p];
    if (c !== 32 && c !== 9 && c !== 13 && c !== 10) break;
    p++;
  }
  return p;
}

/** Skips a quoted-string starting at the opening quote `p`; returns the index after the closing quote, or -1. */
function skipQuoted(b: Uint8Array, p: number, e: number): number {
  for (let i = p + 1; i < e; i++) {
    const c = b[i];
    if (c === 92) i++;
    else if (c === 34) return i + 1;
  }
  return -1;
}

/**
 * Index of the first octet `x` in `[p, end)`, or `end`; `pattern` is `x * 0x01010101`. Four octets at a
 * time through the DataView (SWAR "has a zero byte" on `v ^ pattern`). `useView(b)` must have been called.
 */
function findByte(b: Uint8Array, p: number, end: number, x: number, pattern: number): number {
  const lim = end - 4;
  const dv = view;
  const off = viewOffset;
  while (p <= lim) {
    const v = dv.getUint32(off + p, true) ^ pattern;
    if (((v - 0x01010101) & ~v & 0x80808080) !== 0) break;
    p += 4;
  }
  while (p < end && b[p] !== x) p++;
  return p;
}

/** The int32 little-endian word of 4 characters of `s` from `i` (to compare with {@link lw}). */
function word(s: string, i = 0): number {
  return (
    s.charCodeAt(i) | (s.charCodeAt(i + 1) << 8) | (s.charCodeAt(i + 2) << 16) | (s.charCodeAt(i + 3) << 24)
  );
}
/**
 * The 4 octets at `p` as a word with bit 5 set in each (A–Z → a–z; "-", digits and "/" unchanged). Only
 * used on token octets compared with lower-case letters and "-", where nothing else aliases.
 */
function lw(p: number): number {
  return view.getUint32(viewOffset + p, true) | 0x20202020;
}
const W_FROM = word('from');
const W_SIP_ = word('sip/');
const W_2_0_ = word('2.0/');
const W_CSEQ = word('cseq');
const W_ROUT = word('rout');
const W_OUTE = word('oute');
const W_CALL = word('call');
const W_L_ID = word('l-id');
const W_MAX_ = word('max-');
const W_FORW = word('forw');
const W_ARDS = word('ards');
const W_CONT = word('cont');
const W_TACT = word('tact');
const W_ENT_ = word('ent-');
const W_TYPE = word('type');
const W_RECO = word('reco');
const W_RD_R = word('rd-r');
const W_LENG = word('leng');
const W_NGTH = word('ngth');
const W_BRAN = word('bran');
const W_ANCH = word('anch');
const W_RECE = word('rece');
const W_IVED = word('ived');
const W_RPOR = word('rpor');
const W_PORT = word('port');

/**
 * Id of a key header (compact forms included) from the name octets (token characters), or 0: by length,
 * then whole 4-octet words lower-cased with `| 0x20` (overlapping words cover lengths that are not a
 * multiple of 4).
 */
function keyHeaderId(b: Uint8Array, s: number, n: number): number {
  const c0 = b[s]! | 0x20;
  switch (n) {
    case 1:
      switch (c0) {
        case 0x76: // v
          return ID_VIA;
        case 0x66: // f
          return ID_FROM;
        case 0x74: // t
          return ID_TO;
        case 0x69: // i
          return ID_CALLID;
        case 0x6c: // l
          return ID_CLEN;
        case 0x63: // c
          return ID_CTYPE;
        case 0x6d: // m
          return ID_CONTACT;
      }
      return 0;
    case 2:
      return c0 === 0x74 && (b[s + 1]! | 0x20) === 0x6f ? ID_TO : 0;
    case 3:
      return c0 === 0x76 && (b[s + 1]! | 0x20) === 0x69 && (b[s + 2]! | 0x20) === 0x61 ? ID_VIA : 0;
    case 4: {
      const x = lw(s);
      return x === W_FROM ? ID_FROM : x === W_CSEQ ? ID_CSEQ : 0;
    }
    case 5:
      return lw(s) === W_ROUT && lw(s + 1) === W_OUTE ? ID_ROUTE : 0;
    case 7: {
      const x = lw(s);
      if (x === W_CALL) return lw(s + 3) === W_L_ID ? ID_CALLID : 0;
      return x === W_CONT && lw(s + 3) === W_TACT ? ID_CONTACT : 0;
    }
    case 12: {
      const x = lw(s);
      if (x === W_MAX_) return lw(s + 4) === W_FORW && lw(s + 8) === W_ARDS ? ID_MAXF : 0;
      if (x === W_CONT) return lw(s + 4) === W_ENT_ && lw(s + 8) === W_TYPE ? ID_CTYPE : 0;
      if (x === W_RECO) return lw(s + 4) === W_RD_R && lw(s + 8) === W_OUTE ? ID_RR : 0;
      return 0;
    }
    case 14:
      return lw(s) === W_CONT && lw(s + 4) === W_ENT_ && lw(s + 8) === W_LENG && lw(s + 10) === W_NGTH
        ? ID_CLEN
        : 0;
  }
  return 0;
}

/** True when `b[s, e)` is exactly `SIP/2.0` (case-insensitive "SIP", RFC 3261 §7.1). */
function isSip20(b: Uint8Array, s: number, e: number): boolean {
  return (
    e - s === 7 &&
    (b[s]! | 0x20) === 0x73 &&
    (b[s + 1]! | 0x20) === 0x69 &&
    (b[s + 2]! | 0x20) === 0x70 &&
    b[s + 3] === 0x2f &&
    b[s + 4] === 0x32 &&
    b[s + 5] === 0x2e &&
    b[s + 6] === 0x30
  );
}

/** Length of a SIP-Version (`SIP/1*DIGIT.1*DIGIT`) at `s`, or 0. */
function versionLength(b: Uint8Array, s: number, e: number): number {
  if (e - s < 7) return 0;
  if (
    (b[s]! | 0x20) !== 0x73 ||
    (b[s + 1]! | 0x20) !== 0x69 ||
    (b[s + 2]! | 0x20) !== 0x70 ||
    b[s + 3] !== 0x2f
  ) {
    return 0;
  }
  let p = s + 4;
  const d1 = p;
  while (p < e && b[p]! >= 0x30 && b[p]! <= 0x39) p++;
  if (p === d1 || b[p] !== 0x2e) return 0;
  p++;
  const d2 = p;
  while (p < e && b[p]! >= 0x30 && b[p]! <= 0x39) p++;
  if (p === d2) return 0;
  return p - s;
}

/** Whether the line `b[s, e)` (no line ending) looks like a Request-Line or a Status-Line. */
function looksLikeStartLine(b: Uint8Array, s: number, e: number): boolean {
  while (e > s && (b[e - 1] === 32 || b[e - 1] === 9)) e--;
  const vl = versionLength(b, s, e);
  if (vl > 0) return s + vl === e || b[s + vl] === 32 || b[s + vl] === 9;
  // Request-Line: token SP ... SP SIP-Version
  const t = scanToken(b, s, e);
  if (t === s || (b[t] !== 32 && b[t] !== 9)) return false;
  let v = e;
  while (v > t && b[v - 1] !== 32 && b[v - 1] !== 9) v--;
  return v > t + 1 && versionLength(b, v, e) === e - v;
}

/**
 * Parses ONE SIP message occupying `buf[start, end)`: a UDP datagram, or a message already framed out
 * of a stream. Never throws and never copies: the result keeps `raw = buf` and absolute offsets.
 * @remarks RFC 3261 §7; body framing per §18.3 (datagram: Content-Length, else to the end).
 */
export function parseMessage(buf: Uint8Array, start = 0, end: number = buf.length): SipMessage {
  const len = buf.length;
  if (start !== 0 || end !== len) {
    start = start >= 0 ? Math.min(Math.floor(start), len) : 0;
    end = end <= len ? Math.floor(end) : len;
    if (!(end >= start)) end = start;
  }
  // The common case in one WebAssembly call (fast-scan.ts); the full parser otherwise. (This function
  // and fromScan are kept small: the compiler then inlines the whole fast path into each caller.)
  const r = scanMessage(buf, start, end);
  return r !== null ? fromScan(buf, start, end, r) : parseFull(buf, start, end);
}

/** The JavaScript parser: every message the scanner does not take (anything it would not read as is). */
function parseFull(buf: Uint8Array, start: number, end: number): ParsedMessage {
  reserveIndex(24);
  const base = indexBase();
  const m = new ParsedMessage(buf, start, end, indexChunk().fill(-1, base, base + KEY_SLOTS), base, -1);
  useView(buf);
  parseInto(m, buf, start, end);
  commitIndex(m.base + KEY_SLOTS + HS * m.headerCount);
  return m;
}

/**
 * The message from the scanner's output `r` (see fast-scan.ts): its index is where the scanner wrote
 * it, in the index ring (read there, no copy: `ParsedMessage.ix`), the key numbers set.
 */
function fromScan(buf: Uint8Array, start: number, end: number, r: Int32Array): ParsedMessage {
  const nh = r[R_NH]!;
  const clCount = r[R_CLCOUNT]!;
  const clValue = r[R_CLVALUE]!;
  const body = r[R_BODY]!;
  const cseq = r[R_CSEQ]!;
  const maxf = r[R_MAXF]!;
  const m = new ParsedMessage(buf, start, end, ring32, ringAt, ringAtGen);
  if (r[R_KIND] === 0) m.kind = 'request';
  else {
    m.kind = 'response';
    m.status = r[R_STATUS]!;
  }
  m.startLineEnd = r[R_SLE]!;
  m.headerCount = nh;
  if (cseq >= 0) m.cseq = cseq;
  if (maxf >= 0) m.maxForwards = maxf;
  m.viaCount = r[R_VIA]!;
  m.routeCount = r[R_ROUTE]!;
  m.recordRouteCount = r[R_RR]!;
  // the body as Content-Length frames it, the usual case; else frameBody (to the end, diagnostics)
  if (clCount > 0) m.contentLength = clValue;
  if (clCount > 0 && clValue === end - body) {
    m.bodyStart = body;
    m.bodyLength = clValue;
  } else frameBody(m, body, end, clCount, clValue, false);
  return m;
}

/**
 * A message whose index was in the scanner's ring, once the ring may have been written over: its
 * bytes scanned again and the index (the same) copied into a chunk, where it stays (a message read
 * long after its parse pays this once); where the scanner does not take them now (turned off), the
 * full parser's index.
 */
function reindex(m: ParsedMessage): void {
  m.ixGen = -1;
  if (scanMessage(m.raw, m.start, m.end) !== null) {
    const n = KEY_SLOTS + HS * m.headerCount;
    m.base = storeIndex(ring32.subarray(ringAt, ringAt + n), n);
    m.ix = chunkOf();
    return;
  }
  const f = parseFull(m.raw, m.start, m.end);
  m.ix = f.ix;
  m.base = f.base;
}
setReindex(reindex);

function parseInto(m: ParsedMessage, b: Uint8Array, start: number, end: number): void {
  const d = m.diagnostics;
  let p = start;
  while (p < end && (b[p] === 13 || b[p] === 10 || b[p] === 32 || b[p] === 9)) p++;
  if (p > start) {
    if (p >= end) {
      d.push(sipDiagnostic('message-empty', 'The datagram holds only whitespace.', span(start, end)));
      return;
    }
    d.push(sipDiagnostic('leading-crlf', 'Empty lines before the start line were ignored.', span(start, p)));
  }
  if (p >= end) {
    d.push(sipDiagnostic('message-empty', 'The message is empty.', span(start, end)));
    return;
  }

  let firstBareLf = -1;
  let lf = findLF(b, p, end);
  let le = lf > p && b[lf - 1] === 13 ? lf - 1 : lf;
  const before = d.length;
  parseStartLine(m, b, p, le);
  if (m.kind === 'invalid') {
    // Junk before the start line? Look for a start line further on, within the header section, and
    // parse from there (the first attempt's diagnostics and fields are dropped).
    let q = lf + 1;
    while (q < end) {
      const lf2 = findLF(b, q, end);
      const le2 = lf2 > q && b[lf2 - 1] === 13 ? lf2 - 1 : lf2;
      if (le2 === q) break;
      if (looksLikeStartLine(b, q, le2)) {
        d.length = before;
        for (let i = 0; i < 8; i++) m.ix[m.base + i] = -1; // method, uri, version, reason
        d.push(
          sipDiagnostic('leading-junk', `${q - p} octets before the start line were skipped.`, span(p, q)),
        );
        p = q;
        lf = lf2;
        le = le2;
        parseStartLine(m, b, p, le);
        break;
      }
      q = lf2 + 1;
    }
  }
  if (lf < end && le === lf) firstBareLf = lf;

  // Header section.
  let ix = m.ix;
  let o = m.base + KEY_SLOTS;
  p = lf + 1;
  let bodyStart = -1;
  let clCount = 0;
  let clValue = -1; // -1 unknown, -2 invalid
  let clConflict = false;
  let seenVia = false;
  let seenFrom = false;
  let seenTo = false;
  let seenCallId = false;
  let seenCseq = false;
  let seenMaxf = false;
  let seenCtype = false;
  let nh = 0;
  const tok = TOKEN;
  while (p < end) {
    const c = b[p];
    if (c === 13 && p + 1 < end && b[p + 1] === 10) {
      bodyStart = p + 2;
      break;
    }
    if (c === 10) {
      if (firstBareLf < 0) firstBareLf = p;
      bodyStart = p + 1;
      break;
    }
    if (c === 13 && p + 1 === end) break;
    // Header field: name, optional whitespace, colon, value with folded continuation lines.
    const ns = p;
    let q = p;
    // token characters first (the common case), then anything up to ":" / whitespace marks a bad name
    while (q < end && tok[b[q]!] === 1) q++;
    let badName = false;
    let ne = q;
    if (q >= end || b[q] !== 58) {
      while (q < end) {
        const x = b[q];
        if (x === 58 || x === 32 || x === 9 || x === 13 || x === 10) break;
        badName = true;
        q++;
      }
      ne = q;
      while (q < end && (b[q] === 32 || b[q] === 9)) q++;
    }
    const nlen = ne - ns;
    const id = nlen <= 14 && !badName && nlen > 0 ? keyHeaderId(b, ns, nlen) : 0;
    // Find the end of the field: the first line break not followed by SP/HTAB. For the list headers the
    // search also notes a comma, so a single-value line needs no second pass to be counted.
    const list = id === ID_VIA || id === ID_ROUTE || id === ID_RR;
    sawComma = false;
    let flf = list ? findLFComma(b, q, end) : findLF(b, q, end);
    let folded = 0;
    while (flf + 1 < end && (b[flf + 1] === 32 || b[flf + 1] === 9)) {
      if (b[flf - 1] !== 13 && firstBareLf < 0) firstBareLf = flf;
      flf = findLF(b, flf + 1, end);
      folded = FOLDED;
    }
    if (flf < end && b[flf - 1] !== 13 && firstBareLf < 0) firstBareLf = flf;
    const lineEnd = flf;
    if (ns === ne || b[q] !== 58) {
      if (c === 32 || c === 9) {
        d.push(
          sipDiagnostic(
            'header-continuation-invalid',
            'A folded line follows no header field.',
            span(ns, lineEnd),
          ),
        );
      } else if (ns === ne) {
        d.push(sipDiagnostic('header-name-invalid', 'Header line with an empty name.', span(ns, lineEnd)));
      } else {
        d.push(
          sipDiagnostic('header-missing-colon', 'Header line without ":" was skipped.', span(ns, lineEnd)),
        );
      }
      p = lineEnd + 1;
      continue;
    }
    // value: trim leading LWS after the colon and trailing LWS before the line end
    let vs = q + 1;
    let ve = lineEnd;
    while (ve > vs && (b[ve - 1] === 13 || b[ve - 1] === 32 || b[ve - 1] === 9 || b[ve - 1] === 10)) ve--;
    while (vs < ve && (b[vs] === 32 || b[vs] === 9 || b[vs] === 13 || b[vs] === 10)) vs++;
    if (badName) {
      d.push(sipDiagnostic('header-name-invalid', 'The header name is not a token.', span(ns, ne)));
    }
    if (o + HS > ix.length) {
      ix = growIndex(ix, m.base, o, 16 * HS);
      o -= m.base;
      m.ix = ix;
      m.base = 0;
    }
    ix[o] = ns;
    ix[o + 1] = ne;
    ix[o + 2] = vs;
    ix[o + 3] = ve;
    ix[o + 4] = id | folded;
    o += HS;
    nh++;
    switch (id) {
      case ID_VIA:
        if (!seenVia) {
          seenVia = true;
          // the top Via value is read once; only what follows its comma is counted separately
          const after = parseTopVia(m, b, vs, ve);
          if (after < 0) m.viaCount += countList(m, b, vs, ve);
          else if (after >= ve) m.viaCount += 1;
          else m.viaCount += 1 + countList(m, b, after + 1, ve);
        } else {
          m.viaCount += sawComma || folded !== 0 || vs === ve ? countList(m, b, vs, ve) : 1;
        }
        break;
      case ID_FROM:
        if (!seenFrom) {
          seenFrom = true;
          findTag(m, b, vs, ve, F_FROMTAG);
        }
        break;
      case ID_TO:
        if (!seenTo) {
          seenTo = true;
          findTag(m, b, vs, ve, F_TOTAG);
        }
        break;
      case ID_CALLID:
        if (!seenCallId) {
          seenCallId = true;
          ix[m.base + 2 * F_CALLID] = vs;
          ix[m.base + 2 * F_CALLID + 1] = ve;
        }
        break;
      case ID_CSEQ:
        if (!seenCseq) {
          seenCseq = true;
          parseCseq(m, b, vs, ve);
        }
        break;
      case ID_MAXF:
        if (!seenMaxf) {
          seenMaxf = true;
          parseMaxForwards(m, b, vs, ve);
        }
        break;
      case ID_CLEN: {
        const v = parseDigits(b, vs, ve);
        clCount++;
        if (v < 0) {
          d.push(
            sipDiagnostic('content-length-invalid', 'Content-Length is not a decimal number.', span(vs, ve)),
          );
          if (clCount === 1) clValue = -2;
          else clConflict = true;
        } else if (clCount === 1) {
          clValue = v;
          m.contentLength = v;
        } else if (v !== clValue) {
          clConflict = true;
          d.push(
            sipDiagnostic(
              'content-length-conflict',
              `Content-Length ${v} disagrees with an earlier Content-Length.`,
              span(vs, ve),
            ),
          );
        }
        break;
      }
      case ID_CTYPE:
        if (!seenCtype) {
          seenCtype = true;
          ix[m.base + 2 * F_CTYPE] = vs;
          ix[m.base + 2 * F_CTYPE + 1] = ve;
        }
        break;
      case ID_ROUTE:
        m.routeCount += sawComma || folded !== 0 || vs === ve ? countList(m, b, vs, ve) : 1;
        break;
      case ID_RR:
        m.recordRouteCount += sawComma || folded !== 0 || vs === ve ? countList(m, b, vs, ve) : 1;
        break;
    }
    p = lineEnd + 1;
  }
  m.headerCount = nh;
  if (firstBareLf >= 0) {
    d.push(
      sipDiagnostic(
        'line-ending-lf',
        'Lines end in a bare LF instead of CRLF.',
        span(firstBareLf, firstBareLf + 1),
      ),
    );
  }

  // Body (RFC 3261 §18.3).
  if (bodyStart < 0) {
    d.push(
      sipDiagnostic(
        'header-section-unterminated',
        'The message ends before the empty line that closes the header section.',
        span(Math.max(start, end - 1), end),
      ),
    );
    m.bodyStart = end;
    m.bodyLength = 0;
    return;
  }
  frameBody(m, bodyStart, end, clCount, clValue, clConflict);
}

/**
 * Frames the body after the header section (RFC 3261 §18.3): by Content-Length when there is one
 * readable value (`clCount` fields, first value `clValue`, -2 unreadable), else to the end.
 */
function frameBody(
  m: ParsedMessage,
  bodyStart: number,
  end: number,
  clCount: number,
  clValue: number,
  clConflict: boolean,
): void {
  m.bodyStart = bodyStart;
  const avail = end - bodyStart;
  if (clCount === 0) {
    m.bodyLength = avail;
    if (avail > 0) {
      m.diagnostics.push(
        sipDiagnostic(
          'content-length-missing',
          'No Content-Length: the body runs to the end of the datagram.',
          span(bodyStart, end),
        ),
      );
    }
  } else if (clValue < 0 || clConflict) {
    m.bodyLength = avail;
  } else if (clValue <= avail) {
    m.bodyLength = clValue;
    if (clValue < avail) {
      m.diagnostics.push(
        sipDiagnostic(
          'content-length-trailing-octets',
          `${avail - clValue} octets after the body (Content-Length ${clValue}) were ignored.`,
          span(bodyStart + clValue, end),
        ),
      );
    }
  } else {
    m.bodyLength = avail;
    m.diagnostics.push(
      sipDiagnostic(
        'content-length-exceeds-body',
        `Content-Length is ${clValue} but only ${avail} octets follow the header section.`,
        span(bodyStart, end),
      ),
    );
  }
}

/** Records the span of key field `f`. */
function setKey(m: ParsedMessage, f: number, s: number, e: number): void {
  const o = m.base + 2 * f;
  m.ix[o] = s;
  m.ix[o + 1] = e;
}

function parseStartLine(m: ParsedMessage, b: Uint8Array, s: number, e: number): void {
  const d = m.diagnostics;
  m.startLineStart = s;
  m.startLineEnd = e;
  let te = e;
  while (te > s && (b[te - 1] === 32 || b[te - 1] === 9)) te--;
  const vl = versionLength(b, s, te);
  if (vl > 0 && (s + vl === te || b[s + vl] === 32 || b[s + vl] === 9)) {
    // Status-Line = SIP-Version SP Status-Code SP Reason-Phrase
    m.kind = 'response';
    const ve = s + vl;
    setKey(m, F_VERSION, s, ve);
    if (!isSip20(b, s, ve)) {
      d.push(sipDiagnostic('sip-version-unsupported', 'The protocol version is not SIP/2.0.', span(s, ve)));
    }
    let p = ve;
    while (p < e && (b[p] === 32 || b[p] === 9)) p++;
    if (p - ve > 1) {
      d.push(
        sipDiagnostic('start-line-extra-whitespace', 'More than one SP after the version.', span(ve, p)),
      );
    }
    const cs = p;
    let code = 0;
    while (p < e && b[p]! >= 0x30 && b[p]! <= 0x39) {
      code = code * 10 + (b[p]! - 0x30);
      p++;
    }
    const digits = p - cs;
    const after = b[p];
    if (digits === 3 && code >= 100 && code <= 699 && (p === e || after === 32 || after === 9)) {
      m.status = code;
    } else {
      if (digits > 0 && digits <= 3) m.status = code;
      d.push(
        sipDiagnostic(
          'status-code-invalid',
          'The status code is not three digits in 100–699.',
          span(cs, Math.max(p, cs + 1)),
        ),
      );
      while (p < e && b[p] !== 32 && b[p] !== 9) p++;
    }
    if (p < e) {
      setKey(m, F_REASON, p + 1, e);
    } else {
      setKey(m, F_REASON, e, e);
      if (digits > 0) {
        d.push(
          sipDiagnostic(
            'status-line-reason-missing',
            'No SP after the status code.',
            span(Math.max(s, e - 1), e),
          ),
        );
      }
    }
    return;
  }
  // Request-Line = Method SP Request-URI SP SIP-Version
  const me = scanToken(b, s, te);
  let p = me;
  while (p < te && b[p] !== 32 && b[p] !== 9) p++;
  if (p > me || me === s) {
    d.push(sipDiagnostic('method-invalid', 'The method is not a token.', span(s, p)));
  }
  setKey(m, F_METHOD, s, p);
  const afterMethod = p;
  while (p < te && (b[p] === 32 || b[p] === 9)) p++;
  if (p === afterMethod || p >= te) {
    m.kind = 'invalid';
    d.push(
      sipDiagnostic(
        'start-line-invalid',
        'The start line is neither a Request-Line nor a Status-Line.',
        span(s, e),
      ),
    );
    return;
  }
  if (p - afterMethod > 1) {
    d.push(
      sipDiagnostic(
        'start-line-extra-whitespace',
        'More than one SP after the method.',
        span(afterMethod, p),
      ),
    );
  }
  const us = p;
  let vs = te;
  while (vs > us && b[vs - 1] !== 32 && b[vs - 1] !== 9) vs--;
  const vlen = versionLength(b, vs, te);
  if (vs === us || vlen !== te - vs) {
    m.kind = 'invalid';
    setKey(m, F_URI, us, te);
    d.push(
      sipDiagnostic('start-line-invalid', 'The Request-Line has no SIP-Version at its end.', span(s, e)),
    );
    return;
  }
  m.kind = 'request';
  setKey(m, F_VERSION, vs, te);
  if (!isSip20(b, vs, te)) {
    d.push(sipDiagnostic('sip-version-unsupported', 'The protocol version is not SIP/2.0.', span(vs, te)));
  }
  let ue = vs;
  while (ue > us && (b[ue - 1] === 32 || b[ue - 1] === 9)) ue--;
  if (vs - ue > 1) {
    d.push(
      sipDiagnostic('start-line-extra-whitespace', 'More than one SP before the version.', span(ue, vs)),
    );
  }
  setKey(m, F_URI, us, ue);
  for (let i = us; i < ue; i++) {
    const c = b[i]!;
    if (c === 32 || c === 9 || c < 0x20 || c === 0x7f) {
      d.push(
        sipDiagnostic(
          'request-uri-whitespace',
          'The Request-URI contains unescaped whitespace.',
          span(us, ue),
        ),
      );
      break;
    }
  }
  if (b[us] === 60) {
    d.push(sipDiagnostic('request-uri-angle-brackets', 'The Request-URI is enclosed in "<>".', span(us, ue)));
  }
  if (te < e) {
    d.push(
      sipDiagnostic(
        'start-line-trailing-whitespace',
        'Whitespace at the end of the Request-Line.',
        span(te, e),
      ),
    );
  }
}

/** Counts the non-empty comma-separated elements of a list value; flags empty elements. */
function countList(m: ParsedMessage, b: Uint8Array, s: number, e: number): number {
  if (s < e) {
    // no comma at all: one value (the common case; indexOf is native)
    if (findByte(b, s, e, 44, 0x2c2c2c2c) >= e) return 1;
  }
  let count = 0;
  let empty = 0;
  let nonWs = false;
  for (let i = s; i < e; i++) {
    const c = b[i];
    if (c === 34) {
      const q = skipQuoted(b, i, e);
      if (q < 0) {
        nonWs = true;
        break;
      }
      i = q - 1;
      nonWs = true;
    } else if (c === 60) {
      const j = findByte(b, i + 1, e, 62, 0x3e3e3e3e);
      i = j;
      nonWs = true;
    } else if (c === 44) {
      if (nonWs) count++;
      else empty++;
      nonWs = false;
    } else if (c !== 32 && c !== 9 && c !== 13 && c !== 10) {
      nonWs = true;
    }
  }
  if (nonWs) count++;
  else empty++;
  if (empty > 0) {
    m.diagnostics.push(
      sipDiagnostic('list-element-empty', 'The header value list has an empty element.', span(s, e)),
    );
  }
  return count;
}

/**
 * Reads the top Via value (sent-protocol, sent-by, branch/received/rport).
 * @returns the index of the comma that ends the first value (or `e`), or -1 when the value is malformed.
 */
function parseTopVia(m: ParsedMessage, b: Uint8Array, s: number, e: number): number {
  const d = m.diagnostics;
  // sent-protocol = protocol-name SLASH protocol-version SLASH transport
  let p = s;
  let ok: boolean;
  let ts = -1;
  let t3 = -1;
  if (
    e - s > 8 &&
    lw(s) === W_SIP_ &&
    b[s + 3] === 0x2f &&
    view.getUint32(viewOffset + s + 4, true) === W_2_0_
  ) {
    // "SIP/2.0/" written without whitespace (the usual form), compared as two words
    ts = s + 8;
    t3 = scanToken(b, ts, e);
    ok = t3 > ts;
  } else {
    const t1 = scanToken(b, p, e);
    p = skipLws(b, t1, e);
    ok = t1 > s && b[p] === 47;
  }
  if (ok && ts < 0) {
    p = skipLws(b, p + 1, e);
    const t2 = scanToken(b, p, e);
    ok = t2 > p;
    p = skipLws(b, t2, e);
    ok = ok && b[p] === 47;
    if (ok) {
      ts = skipLws(b, p + 1, e);
      t3 = scanToken(b, ts, e);
      ok = t3 > ts;
    }
  }
  if (!ok) {
    d.push(sipDiagnostic('via-invalid', 'The Via value does not start with SIP/2.0/transport.', span(s, e)));
    return -1;
  }
  setKey(m, F_TRANSPORT, ts, t3);
  p = skipLws(b, t3, e);
  const hs = p;
  if (b[p] === 91) {
    while (p < e && b[p] !== 93) p++;
    if (p < e) p++;
  }
  while (p < e) {
    const c = b[p];
    if (c === 59 || c === 44 || c === 32 || c === 9 || c === 13 || c === 10) break;
    p++;
  }
  if (p === hs) {
    d.push(sipDiagnostic('via-invalid', 'The Via value has no sent-by.', span(s, e)));
    return -1;
  }
  let hostEnd = p;
  let paramEmpty = false;
  while (true) {
    p = skipLws(b, p, e);
    if (p >= e || b[p] === 44) break;
    if (b[p] === 58) {
      // "host : port" with whitespace around the colon (COLON = SWS ":" SWS)
      p = skipLws(b, p + 1, e);
      while (p < e && b[p]! >= 0x30 && b[p]! <= 0x39) p++;
      hostEnd = p;
      continue;
    }
    if (b[p] !== 59) {
      d.push(sipDiagnostic('via-invalid', 'Unexpected character in the Via parameters.', span(p, p + 1)));
      p = -1;
      break;
    }
    p = skipLws(b, p + 1, e);
    const pn = p;
    const pne = scanToken(b, p, e);
    if (pne === pn) {
      paramEmpty = true;
      continue;
    }
    p = skipLws(b, pne, e);
    let vs = pne;
    let ve = pne;
    if (b[p] === 61) {
      p = skipLws(b, p + 1, e);
      vs = p;
      if (b[p] === 34) {
        const q = skipQuoted(b, p, e);
        p = q < 0 ? e : q;
      } else if (b[p] === 91) {
        while (p < e && b[p] !== 93) p++;
        if (p < e) p++;
      } else {
        while (p < e) {
          const c = b[p];
          if (c === 59 || c === 44 || c === 32 || c === 9 || c === 13 || c === 10) break;
          p++;
        }
      }
      ve = p;
    }
    const n = pne - pn;
    let f = -1;
    if (n === 6) {
      if (lw(pn) === W_BRAN && lw(pn + 2) === W_ANCH) f = F_BRANCH;
    } else if (n === 8) {
      if (lw(pn) === W_RECE && lw(pn + 4) === W_IVED) f = F_RECEIVED;
    } else if (n === 5 && lw(pn) === W_RPOR && lw(pn + 1) === W_PORT) f = F_RPORT;
    if (f >= 0 && m.ix[m.base + 2 * f]! < 0) setKey(m, f, vs, ve);
  }
  setKey(m, F_SENTBY, hs, hostEnd);
  if (paramEmpty) {
    d.push(sipDiagnostic('param-empty', 'The Via value has an empty parameter (";;").', span(s, e)));
  }
  return p;
}

/**
 * Finds the `tag` parameter of a From/To value (name-addr or addr-spec, RFC 3261 §20.20, §20.39) and
 * stores its span in field `f`.
 */
function findTag(m: ParsedMessage, b: Uint8Array, s: number, e: number, f: number): void {
  const d = m.diagnostics;
  let p = s;
  let params = -1;
  while (p < e) {
    const c = b[p];
    if (c === 34) {
      const q = skipQuoted(b, p, e);
      if (q < 0) {
        d.push(
          sipDiagnostic('quoted-string-unterminated', 'The display name quote is never closed.', span(p, e)),
        );
        return;
      }
      p = q;
      continue;
    }
    if (c === 60) {
      const j = findByte(b, p + 1, e, 62, 0x3e3e3e3e);
      if (j >= e) {
        d.push(sipDiagnostic('name-addr-unterminated', 'The "<" is never closed by ">".', span(p, e)));
        return;
      }
      p = j + 1;
      while (p < e && b[p] !== 59) p++;
      params = p;
      break;
    }
    if (c === 59) {
      params = p;
      break;
    }
    p++;
  }
  if (params < 0) return;
  p = params;
  while (p < e) {
    if (b[p] !== 59) {
      p++;
      continue;
    }
    p = skipLws(b, p + 1, e);
    const pn = p;
    const pne = scanToken(b, p, e);
    if (pne === pn) {
      d.push(sipDiagnostic('param-empty', 'An empty parameter (";;").', span(pn - 1, pn)));
      continue;
    }
    p = skipLws(b, pne, e);
    let vs = pne;
    let ve = pne;
    if (b[p] === 61) {
      p = skipLws(b, p + 1, e);
      vs = p;
      if (b[p] === 34) {
        const q = skipQuoted(b, p, e);
        p = q < 0 ? e : q;
      } else {
        while (p < e && b[p] !== 59 && b[p] !== 32 && b[p] !== 9 && b[p] !== 13 && b[p] !== 10) p++;
      }
      ve = p;
    }
    if (
      pne - pn === 3 &&
      (b[pn]! | 0x20) === 0x74 &&
      (b[pn + 1]! | 0x20) === 0x61 &&
      (b[pn + 2]! | 0x20) === 0x67 &&
      m.ix[m.base + 2 * f]! < 0
    ) {
      setKey(m, f, vs, ve);
    }
  }
}

/** Non-negative decimal value of `b[s, e)` (digits only), or -1. Values past 2^53 lose precision. */
function parseDigits(b: Uint8Array, s: number, e: number): number {
  if (s >= e) return -1;
  let v = 0;
  for (let i = s; i < e; i++) {
    const c = b[i]! - 0x30;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

function parseCseq(m: ParsedMessage, b: Uint8Array, s: number, e: number): void {
  let p = s;
  let v = 0;
  while (p < e && b[p]! >= 0x30 && b[p]! <= 0x39) {
    v = v * 10 + (b[p]! - 0x30);
    p++;
  }
  const digitsEnd = p;
  p = skipLws(b, p, e);
  const ms = p;
  const me = scanToken(b, p, e);
  if (digitsEnd === s || me === ms || me !== e || p === digitsEnd) {
    m.diagnostics.push(sipDiagnostic('cseq-invalid', 'CSeq is not "number method".', span(s, e)));
  }
  if (digitsEnd > s) {
    if (v >= 2147483648) {
      m.diagnostics.push(
        sipDiagnostic('cseq-out-of-range', 'The CSeq number is not less than 2**31.', span(s, digitsEnd)),
      );
      if (v <= 4294967295) m.cseq = v;
    } else {
      m.cseq = v;
    }
  }
  if (me > ms) {
    setKey(m, F_CSEQM, ms, me);
  }
}

function parseMaxForwards(m: ParsedMessage, b: Uint8Array, s: number, e: number): void {
  const v = parseDigits(b, s, e);
  if (v < 0) {
    m.diagnostics.push(
      sipDiagnostic('max-forwards-invalid', 'Max-Forwards is not a decimal number.', span(s, e)),
    );
    return;
  }
  if (v > 255) {
    m.diagnostics.push(
      sipDiagnostic('max-forwards-out-of-range', `Max-Forwards ${v} is outside 0–255.`, span(s, e)),
    );
  }
  m.maxForwards = v;
}
