/**
 * SIP message framing: where messages begin and end in a datagram or a byte stream.
 * - Detection by content, on any port: a request line `Method SP Request-URI SP SIP/2.0` or a status
 *   line `SIP/2.0 SP 3DIGIT` (RFC 3261 §7.1, §7.2). HTTP on port 5060 is not SIP.
 * - Streams (TCP, TLS, SCTP without message boundaries): headers end at the empty line, the body is
 *   Content-Length bytes (RFC 3261 §18.3, §20.14; compact form `l`), CRLF keep-alives are skipped
 *   (RFC 5626 §3.5.1), junk is skipped up to the next start line (resynchronisation).
 */

/** Longest start line we look at before deciding "not SIP". */
const MAX_START_LINE = 64 * 1024;
/** Longest header section we wait for in a stream before declaring junk. */
const MAX_HEADER_BYTES = 512 * 1024;
/** Largest Content-Length we accept in a stream. */
export const MAX_STREAM_BODY = 16 * 1024 * 1024;

/** RFC 3261 §25.1 token characters. */
const TOKEN = new Uint8Array(256);
for (const c of "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.!%*_+`'~")
  TOKEN[c.charCodeAt(0)] = 1;

const CR = 13;
const LF = 10;
const SP = 32;

/** Bytes that end a Request-URI in a request line: SP, CR, LF. */
const URI_STOP = new Uint8Array(256);
URI_STOP[SP] = URI_STOP[CR] = URI_STOP[LF] = 1;

/** Case-insensitive "SIP/2.0" at `buf[o]`. */
function isSipVersion(buf: Uint8Array, o: number): boolean {
  return (
    (buf[o]! | 0x20) === 0x73 && // s
    (buf[o + 1]! | 0x20) === 0x69 && // i
    (buf[o + 2]! | 0x20) === 0x70 && // p
    buf[o + 3] === 0x2f && // /
    buf[o + 4] === 0x32 && // 2
    buf[o + 5] === 0x2e && // .
    buf[o + 6] === 0x30 // 0
  );
}

const isDigit = (c: number | undefined): boolean => c !== undefined && c >= 48 && c <= 57;

/** A DataView of the last buffer `uriEnd` read (capture chunks: the same buffer for many messages). */
let viewOf: Uint8Array | null = null;
let view: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));

/**
 * The first position in `buf[p, lim)` holding SP, CR or LF (URI_STOP), else `lim`. Four octets at a
 * time while none of them is below 0x21 (a word test), then octet by octet.
 */
function uriEnd(buf: Uint8Array, p: number, lim: number): number {
  if (viewOf !== buf) {
    viewOf = buf;
    view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  const v = view;
  while (p + 4 <= lim) {
    const w = v.getUint32(p, true);
    // some octet < 0x21 (exact for this test's purpose: it may only err towards the octet loop)
    if (((w - 0x21212121) & ~w & 0x80808080) !== 0) break;
    p += 4;
  }
  while (p < lim && !URI_STOP[buf[p]!]) p++;
  return p;
}

/**
 * The first LF in `buf[p, lim)`, else `lim`: four octets at a time (a word test for the octet 0x0A,
 * exact when it says none), then octet by octet. Header lines are tens of octets long.
 */
function lfEnd(buf: Uint8Array, p: number, lim: number): number {
  if (viewOf !== buf) {
    viewOf = buf;
    view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  const v = view;
  while (p + 4 <= lim) {
    const x = v.getUint32(p, true) ^ 0x0a0a0a0a;
    if (((x - 0x01010101) & ~x & 0x80808080) !== 0) break;
    p += 4;
  }
  while (p < lim && buf[p] !== LF) p++;
  return p;
}

/**
 * Is there a SIP start line at `buf[start]`? Returns the length of the line including its LF when it
 * is one, 0 when more bytes are needed to tell, -1 when it is not a SIP start line.
 */
export function sipStartLine(buf: Uint8Array, start: number, end: number): number {
  const avail = end - start;
  if (avail <= 0) return 0;
  // Status line: "SIP/2.0 NNN"
  if ((buf[start]! | 0x20) === 0x73 && avail >= 3 && buf[start + 3] === 0x2f) {
    if (avail < 12) {
      // Decide early on what is there.
      for (let i = 0; i < Math.min(avail, 7); i++)
        if ((buf[start + i]! | 0x20) !== ('sip/2.0'.charCodeAt(i) | 0x20)) return -1;
      return 0;
    }
    if (isSipVersion(buf, start) && buf[start + 7] === SP) {
      if (!isDigit(buf[start + 8]) || !isDigit(buf[start + 9]) || !isDigit(buf[start + 10])) return -1;
      const c = buf[start + 11];
      if (c !== SP && c !== CR && c !== LF) return -1;
      const lim = Math.min(end, start + MAX_START_LINE);
      // The reason phrase is short: a loop beats a call into indexOf.
      let lf = start + 11;
      while (lf < lim && buf[lf] !== LF) lf++;
      if (lf >= lim) return end - start >= MAX_START_LINE ? -1 : 0;
      return lf + 1 - start;
    }
  }
  // Request line: token SP uri SP SIP/2.0 CRLF
  let p = start;
  const lim = Math.min(end, start + MAX_START_LINE);
  while (p < lim && TOKEN[buf[p]!]) p++;
  if (p === start) return -1;
  if (p === lim) return lim === end && avail < MAX_START_LINE ? 0 : -1;
  if (buf[p] !== SP) return -1;
  const uriStart = ++p;
  p = uriEnd(buf, p, lim);
  if (p === lim) return lim === end && avail < MAX_START_LINE ? 0 : -1;
  if (buf[p] !== SP || p === uriStart) return -1;
  p++;
  if (lim - p < 8) {
    // Compare what we have against "SIP/2.0\r"/"SIP/2.0\n".
    for (let i = 0; p + i < lim && i < 7; i++)
      if ((buf[p + i]! | 0x20) !== ('sip/2.0'.charCodeAt(i) | 0x20)) return -1;
    return lim === end ? 0 : -1;
  }
  if (!isSipVersion(buf, p)) return -1;
  p += 7;
  if (buf[p] === CR) p++;
  if (p >= end) return 0;
  if (buf[p] !== LF) return -1;
  return p + 1 - start;
}

/** Content heuristic: does `buf[start,end)` begin (after CRLF keep-alives) with a complete SIP start line? */
export function looksLikeSip(buf: Uint8Array, start = 0, end = buf.length): boolean {
  let p = start;
  while (p < end && (buf[p] === CR || buf[p] === LF)) p++;
  return sipStartLine(buf, p, end) > 0;
}

/** Where the SIP message of a datagram lies, after keep-alives and junk. */
export interface DatagramFrame {
  start: number;
  end: number;
  /** Bytes skipped before the start line that were neither CR nor LF. */
  junk: number;
}

/**
 * Frames one datagram (UDP, WebSocket message, SCTP DATA): one message from the first start line to
 * the end. Returns null when there is no SIP start line (a keep-alive, or not SIP).
 */
export function frameDatagram(buf: Uint8Array, start: number, end: number): DatagramFrame | null {
  const out: DatagramFrame = { start: 0, end: 0, junk: 0 };
  return frameDatagramInto(buf, start, end, out) ? out : null;
}

/** {@link frameDatagram} into a reused result (the ingest loop): false when there is no SIP start line. */
export function frameDatagramInto(buf: Uint8Array, start: number, end: number, out: DatagramFrame): boolean {
  let p = start;
  while (p < end && (buf[p] === CR || buf[p] === LF)) p++;
  if (p >= end) return false;
  out.end = end;
  if (sipStartLine(buf, p, end) > 0) {
    out.start = p;
    out.junk = 0;
    return true;
  }
  // Junk before the start line (e.g. zeek sip-junk-before-request): look for a later line start,
  // and for a start line right after a few junk bytes on the same line.
  const limit = Math.min(end, start + 64);
  for (let q = p + 1; q < limit; q++) {
    if (TOKEN[buf[q]!] && !TOKEN[buf[q - 1]!] && sipStartLine(buf, q, end) > 0) {
      out.start = q;
      out.junk = q - start;
      return true;
    }
  }
  let lf = buf.indexOf(LF, p);
  while (lf >= 0 && lf + 1 < end) {
    if (sipStartLine(buf, lf + 1, end) > 0) {
      out.start = lf + 1;
      out.junk = lf + 1 - start;
      return true;
    }
    lf = buf.indexOf(LF, lf + 1);
  }
  return false;
}

/**
 * Finds Content-Length in the header lines of `buf[start, end)` (start = after the start line).
 * Returns -1 when absent, -2 when not a valid non-negative integer.
 */
export function scanContentLength(buf: Uint8Array, start: number, end: number): number {
  let p = start;
  while (p < end) {
    const c0 = buf[p]! | 0x20;
    if (c0 === 0x6c || c0 === 0x63) {
      // 'l' or 'c'
      let q: number;
      if (c0 === 0x6c) {
        q = p + 1;
      } else if (
        end - p >= 14 &&
        (buf[p + 1]! | 0x20) === 0x6f &&
        (buf[p + 2]! | 0x20) === 0x6e &&
        (buf[p + 3]! | 0x20) === 0x74 &&
        (buf[p + 4]! | 0x20) === 0x65 &&
        (buf[p + 5]! | 0x20) === 0x6e &&
        (buf[p + 6]! | 0x20) === 0x74 &&
        buf[p + 7] === 0x2d &&
        (buf[p + 8]! | 0x20) === 0x6c &&
        (buf[p + 9]! | 0x20) === 0x65 &&
        (buf[p + 10]! | 0x20) === 0x6e &&
        (buf[p + 11]! | 0x20) === 0x67 &&
        (buf[p + 12]! | 0x20) === 0x74 &&
        (buf[p + 13]! | 0x20) === 0x68
      ) {
        q = p + 14;
      } else q = -1;
      if (q > 0) {
        while (q < end && (buf[q] === SP || buf[q] === 9)) q++;
        if (buf[q] === 0x3a) {
          q++;
          while (q < end && (buf[q] === SP || buf[q] === 9)) q++;
          let v = 0;
          let digits = 0;
          while (q < end && isDigit(buf[q])) {
            v = v * 10 + (buf[q]! - 48);
            digits++;
            q++;
          }
          while (q < end && (buf[q] === SP || buf[q] === 9)) q++;
          if (digits === 0 || (q < end && buf[q] !== CR && buf[q] !== LF) || digits > 9) return -2;
          return v;
        }
      }
    }
    const lf = buf.indexOf(LF, p);
    if (lf < 0 || lf >= end) break;
    p = lf + 1;
  }
  return -1;
}

/** End of the header section (index after the empty line) searching from `from`, or -1. */
/** Result of {@link scanHead}; reused. */
const head = { end: -1, contentLength: -1 };

/**
 * One pass over a message head, from the LF that ends the start line: `out.end` as
 * {@link headersEnd} gives it, and `out.contentLength` as {@link scanContentLength} gives it for the
 * header lines (the first Content-Length / `l` line decides). Lines are walked by a loop (a stream
 * message has a dozen header lines: a call into indexOf per line costs more than the bytes).
 */
function scanHead(
  buf: Uint8Array,
  lf: number,
  end: number,
  out: { end: number; contentLength: number },
): void {
  let cl = -1;
  let found = false;
  for (;;) {
    const ls = lf + 1;
    if (ls < end && buf[ls] === LF) {
      out.end = ls + 1;
      out.contentLength = cl;
      return;
    }
    if (ls + 1 < end && buf[ls] === CR && buf[ls + 1] === LF) {
      out.end = ls + 2;
      out.contentLength = cl;
      return;
    }
    if (ls + 1 >= end) break;
    const q = lfEnd(buf, ls, end);
    if (q >= end) break;
    if (!found) {
      const c0 = buf[ls]! | 0x20;
      if (c0 === 0x6c || c0 === 0x63) {
        const v = scanContentLength(buf, ls, q + 1);
        if (v !== -1) {
          cl = v;
          found = true;
        }
      }
    }
    lf = q;
  }
  out.end = -1;
  out.contentLength = -1;
}

export function headersEnd(buf: Uint8Array, from: number, end: number): number {
  let p = from;
  for (;;) {
    const lf = buf.indexOf(LF, p);
    if (lf < 0 || lf >= end) return -1;
    // Empty line: LF directly followed by CRLF or LF.
    if (lf + 1 < end && buf[lf + 1] === LF) return lf + 2;
    if (lf + 2 < end && buf[lf + 1] === CR && buf[lf + 2] === LF) return lf + 3;
    if (lf + 2 >= end) return -1;
    p = lf + 1;
  }
}

/** Why a framed message is suspect: Content-Length missing or invalid, or the stream ended inside it. */
export type FrameFlag = 'content-length-missing' | 'content-length-invalid' | 'truncated' | null;

/** Callbacks of {@link frameStream}. */
export interface StreamFramerSink {
  /** One complete message `buf[start, end)`; `flag` tells when Content-Length was missing or invalid. */
  message(buf: Uint8Array, start: number, end: number, flag: FrameFlag): void;
  /** Bytes skipped that were not SIP (`count` bytes starting at `start`). */
  junk(buf: Uint8Array, start: number, count: number): void;
}

/**
 * Frames as many complete SIP messages as `buf[start,end)` holds; returns the index up to which the
 * bytes were consumed (the rest is an incomplete message: pass it again with more bytes). With `eof`,
 * a trailing incomplete message is emitted flagged `truncated` (or reported as junk without a start line).
 */
export function frameStream(
  buf: Uint8Array,
  start: number,
  end: number,
  sink: StreamFramerSink,
  eof = false,
): number {
  let p = start;
  while (p < end) {
    // CRLF keep-alives (RFC 5626 §3.5.1) and stray line ends between messages.
    if (buf[p] === CR || buf[p] === LF) {
      p++;
      continue;
    }
    const sl = sipStartLine(buf, p, end);
    if (sl === 0) break;
    if (sl < 0) {
      // Resync: skip to the next line that can be a start line.
      let q = buf.indexOf(LF, p);
      let next = -1;
      while (q >= 0 && q + 1 < end) {
        const r = sipStartLine(buf, q + 1, end);
        if (r !== -1) {
          next = q + 1;
          break;
        }
        q = buf.indexOf(LF, q + 1);
      }
      if (next < 0) {
        // Keep an unterminated last line: it may become a start line.
        const lastLf = buf.lastIndexOf(LF, end - 1);
        const stop = eof || lastLf < p ? (eof || end - p > MAX_START_LINE ? end : p) : lastLf + 1;
        if (stop > p) sink.junk(buf, p, stop - p);
        p = stop;
        break;
      }
      sink.junk(buf, p, next - p);
      p = next;
      continue;
    }
    scanHead(buf, p + sl - 1, end, head);
    const he = head.end;
    if (he < 0) {
      if (end - p > MAX_HEADER_BYTES) {
        sink.junk(buf, p, sl);
        p += sl;
        continue;
      }
      break;
    }
    const cl = head.contentLength;
    let flag: FrameFlag = null;
    let body = cl;
    if (cl === -1) {
      flag = 'content-length-missing';
      body = 0;
    } else if (cl === -2 || cl > MAX_STREAM_BODY) {
      flag = 'content-length-invalid';
      body = 0;
    }
    if (he + body > end) break;
    sink.message(buf, p, he + body, flag);
    p = he + body;
  }
  if (eof && p < end) {
    if (sipStartLine(buf, p, end) > 0) sink.message(buf, p, end, 'truncated');
    else sink.junk(buf, p, end - p);
    p = end;
  }
  return p;
}
