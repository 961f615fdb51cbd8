/**
 * multipart bodies (multipart/mixed, multipart/alternative, multipart/related, multipart/signed …).
 * @remarks RFC 2046 §5.1.1: `dash-boundary := "--" boundary`; the CRLF before each delimiter
 * belongs to the delimiter, not to the preceding part; `close-delimiter := delimiter "--"`; text
 * before the first delimiter is the preamble and text after the close delimiter the epilogue (both
 * ignored). Works on bytes: part bodies may hold NUL and bare LF octets (RFC 4475 §3.1.1.11).
 * All spans are absolute offsets in the buffer passed in.
 */
import type { Diagnostic, Span } from '../diagnostic';
import { diag, type Decoded } from './headers/decoded';
import { type MediaType, parseContentType } from './headers/media';
import { getParam } from './params';
import { parseMessage } from './parse';
import { parseSdpBytes, type SdpSession } from './sdp';
import { parseSipfrag, type SipFrag } from './sipfrag';
import type { SipMessage } from './sip-message';

export interface PartHeader {
  name: string;
  /** Unfolded value (Latin-1 decoded). */
  value: string;
  /** Span of the whole header field (name to end of last continuation line). */
  span: Span;
}

export interface MultipartPart {
  headers: PartHeader[];
  /** Parsed Content-Type of the part; null when absent (RFC 2046 §5.1: default text/plain). */
  contentType: MediaType | null;
  /** The part's header section (may be empty). */
  headerSpan: Span;
  /** The part's body. */
  body: Span;
  /** The whole part between delimiters. */
  span: Span;
}

export interface Multipart {
  boundary: string;
  preamble: Span | null;
  parts: MultipartPart[];
  epilogue: Span | null;
  /** True when the close delimiter `--boundary--` was found. */
  closed: boolean;
}

const RFC = '2046 §5.1.1';

function indexOfBytes(b: Uint8Array, pat: Uint8Array, from: number, end: number): number {
  const first = pat[0]!;
  const last = end - pat.length;
  let i = from;
  while (i <= last) {
    i = b.indexOf(first, i);
    if (i < 0 || i > last) return -1;
    let k = 1;
    while (k < pat.length && b[i + k] === pat[k]) k++;
    if (k === pat.length) return i;
    i++;
  }
  return -1;
}

/** bcharsnospace = DIGIT / ALPHA / "'" / "(" / ")" / "+" / "_" / "," / "-" / "." / "/" / ":" / "=" / "?" — RFC 2046 §5.1.1 */
function boundaryOk(s: string): boolean {
  if (s.length === 0 || s.length > 70 || s.endsWith(' ')) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const alnum = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
    if (!alnum && "'()+_,-./:=? ".indexOf(s[i]!) < 0) return false;
  }
  return true;
}

function latin1(b: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end; i += 8192) s += String.fromCharCode(...b.subarray(i, Math.min(end, i + 8192)));
  return s;
}

/** Position after the line ending at or after `i` (CRLF or bare LF), or -1. */
function lineAfter(b: Uint8Array, i: number, end: number): number {
  const lf = b.indexOf(10, i);
  return lf < 0 || lf >= end ? -1 : lf + 1;
}

function parsePartHeaders(
  b: Uint8Array,
  start: number,
  end: number,
  diags: Diagnostic[],
): { headers: PartHeader[]; bodyStart: number } {
  const headers: PartHeader[] = [];
  let p = start;
  while (p < end) {
    // An empty line ends the header section; a part may start with it (no headers).
    if (b[p] === 13 && b[p + 1] === 10) return { headers, bodyStart: p + 2 };
    if (b[p] === 10) return { headers, bodyStart: p + 1 };
    let lineEnd = lineAfter(b, p, end);
    if (lineEnd < 0) lineEnd = end;
    const text = latin1(b, p, lineEnd).replace(/\r?\n$/, '');
    if ((b[p] === 32 || b[p] === 9) && headers.length) {
      const h = headers[headers.length - 1]!;
      h.value += ' ' + text.trim();
      h.span = { start: h.span.start, end: p + text.length };
    } else {
      const colon = text.indexOf(':');
      if (colon <= 0) {
        // RFC 2046: "the absence of a header section ... is indicated by an empty line" — a line
        // without a colon here means the part has no header section and this is body text.
        if (headers.length === 0) return { headers, bodyStart: start };
        diags.push(
          diag(
            'multipart-bad-part-header',
            `Part header line "${text.slice(0, 40)}" has no ":".`,
            '2045 §3',
            { start: p, end: p + text.length },
            'warning',
          ),
        );
      } else {
        headers.push({
          name: text.slice(0, colon).trim(),
          value: text.slice(colon + 1).trim(),
          span: { start: p, end: p + text.length },
        });
      }
    }
    p = lineEnd;
  }
  diags.push(
    diag(
      'multipart-part-headers-unterminated',
      'Part header section has no terminating empty line.',
      RFC,
      { start, end },
      'warning',
    ),
  );
  return { headers, bodyStart: end };
}

/**
 * Splits a multipart body `bytes[span]` on `boundary`. Never throws. Missing close delimiter,
 * absent first delimiter, bad boundaries and malformed part headers are diagnosed.
 */
export function parseMultipart(bytes: Uint8Array, boundary: string, span?: Span): Decoded<Multipart> {
  const start = span?.start ?? 0;
  const end = span?.end ?? bytes.length;
  const diags: Diagnostic[] = [];
  if (!boundaryOk(boundary)) {
    diags.push(
      diag('multipart-bad-boundary', `Boundary "${boundary}" is not 1–70 bchars.`, RFC, undefined, 'warning'),
    );
    if (boundary.length === 0) return { value: null, diagnostics: diags };
  }
  const dash = new Uint8Array(boundary.length + 2);
  dash[0] = 45;
  dash[1] = 45;
  for (let i = 0; i < boundary.length; i++) dash[i + 2] = boundary.charCodeAt(i) & 0xff;
  // The first dash-boundary: at the very start, or at the start of a line.
  let d = start;
  while (true) {
    d = indexOfBytes(bytes, dash, d, end);
    if (d < 0 || d === start || bytes[d - 1] === 10) break;
    d++;
  }
  const out: Multipart = { boundary, preamble: null, parts: [], epilogue: null, closed: false };
  if (d < 0) {
    diags.push(
      diag('multipart-no-delimiter', `The body has no "--${boundary}" delimiter.`, RFC, { start, end }),
    );
    return { value: out, diagnostics: diags };
  }
  if (d > start) out.preamble = { start, end: d >= start + 2 && bytes[d - 2] === 13 ? d - 2 : d - 1 };
  while (true) {
    let p = d + dash.length;
    if (bytes[p] === 45 && bytes[p + 1] === 45) {
      out.closed = true;
      p += 2;
      const after = lineAfter(bytes, p, end);
      if (after >= 0 && after < end) out.epilogue = { start: after, end };
      break;
    }
    // transport-padding := *LWSP-char, then CRLF
    while (p < end && (bytes[p] === 32 || bytes[p] === 9)) p++;
    if (p < end && bytes[p] !== 13 && bytes[p] !== 10) {
      diags.push(
        diag(
          'multipart-bad-delimiter',
          'Text after a boundary delimiter on the same line.',
          RFC,
          { start: d, end: Math.min(end, p + 1) },
          'warning',
        ),
      );
    }
    const partStart = lineAfter(bytes, p, end);
    if (partStart < 0) {
      diags.push(
        diag('multipart-missing-close-delimiter', `No close delimiter "--${boundary}--".`, RFC, {
          start: d,
          end,
        }),
      );
      break;
    }
    // The next delimiter: CRLF (or bare LF, tolerated) + dash-boundary.
    let next = partStart;
    let delimStart = -1;
    while (true) {
      const k = indexOfBytes(bytes, dash, next, end);
      if (k < 0) break;
      if (bytes[k - 1] === 10) {
        delimStart = k;
        break;
      }
      next = k + 1;
    }
    const partEnd =
      delimStart < 0
        ? end
        : bytes[delimStart - 2] === 13 && delimStart - 2 >= partStart
          ? delimStart - 2
          : delimStart - 1;
    const h = parsePartHeaders(bytes, partStart, Math.max(partStart, partEnd), diags);
    const headerSpan = { start: partStart, end: h.bodyStart };
    let contentType: MediaType | null = null;
    const ct = h.headers.find((x) => x.name.toLowerCase() === 'content-type' || x.name.toLowerCase() === 'c');
    if (ct) {
      const cd = parseContentType(ct.value);
      contentType = cd.value;
      // Offsets inside an unfolded value do not map 1:1 onto bytes: point at the header field.
      for (const x of cd.diagnostics) {
        x.span = ct.span;
        diags.push(x);
      }
    }
    out.parts.push({
      headers: h.headers,
      contentType,
      headerSpan,
      body: { start: Math.min(h.bodyStart, Math.max(partStart, partEnd)), end: Math.max(partStart, partEnd) },
      span: { start: partStart, end: Math.max(partStart, partEnd) },
    });
    if (delimStart < 0) {
      diags.push(
        diag('multipart-missing-close-delimiter', `No close delimiter "--${boundary}--".`, RFC, {
          start: partStart,
          end,
        }),
      );
      break;
    }
    d = delimStart;
  }
  if (out.parts.length === 0 && diags.length === 0) {
    diags.push(
      diag('multipart-no-parts', 'The multipart body has no body part.', RFC, { start, end }, 'warning'),
    );
  }
  return { value: out, diagnostics: diags };
}

/**
 * Parses a multipart body given the message's Content-Type value (the boundary comes from its
 * `boundary` parameter, RFC 2046 §5.1.1).
 */
export function parseMultipartBody(bytes: Uint8Array, contentType: string, span?: Span): Decoded<Multipart> {
  const ct = parseContentType(contentType);
  const diags = ct.diagnostics.map((x) => ({ ...x, span: undefined }) as Diagnostic);
  const b = ct.value ? getParam(ct.value.params, 'boundary') : undefined;
  if (ct.value && ct.value.type !== 'multipart') {
    diags.push(
      diag(
        'multipart-not-multipart',
        `Content-Type ${ct.value.mediaType} is not multipart.`,
        RFC,
        undefined,
        'warning',
      ),
    );
  }
  if (typeof b !== 'string' || b.length === 0) {
    if (!diags.some((x) => x.code === 'multipart-missing-boundary')) {
      diags.push(
        diag('multipart-missing-boundary', 'Content-Type has no boundary parameter.', RFC, undefined),
      );
    }
    return { value: null, diagnostics: diags.map(stripUndefinedSpan) };
  }
  const r = parseMultipart(bytes, b, span);
  return { value: r.value, diagnostics: [...diags.map(stripUndefinedSpan), ...r.diagnostics] };
}

function stripUndefinedSpan(d: Diagnostic): Diagnostic {
  if (d.span === undefined) delete d.span;
  return d;
}

// ---------------------------------------------------------------------------------------------
// Body dispatch by media type (STYLE.md habit 9: registries, e.g. `media_type=message/sip`).

/** A decoded message body, by media type; multipart bodies decode their parts recursively. */
export type DecodedBody =
  | { kind: 'sdp'; mediaType: string; span: Span; sdp: SdpSession | null; diagnostics: Diagnostic[] }
  | {
      kind: 'multipart';
      mediaType: string;
      span: Span;
      multipart: Multipart | null;
      /** The decoded parts, in order (same length as `multipart.parts`). */
      parts: DecodedBody[];
      diagnostics: Diagnostic[];
    }
  | { kind: 'sipfrag'; mediaType: string; span: Span; frag: SipFrag; diagnostics: Diagnostic[] }
  | { kind: 'sip'; mediaType: string; span: Span; message: SipMessage; diagnostics: Diagnostic[] }
  | { kind: 'opaque'; mediaType: string | null; span: Span; diagnostics: Diagnostic[] };

/** Nested multipart deeper than this is left opaque (hostile input). */
const MAX_DEPTH = 8;

/**
 * Decodes a body `bytes[span]` according to its Content-Type value: application/sdp (RFC 4566),
 * multipart/* (RFC 2046, parts decoded recursively), message/sipfrag (RFC 3420), message/sip
 * (RFC 3261 §27.5); anything else is `opaque`. An absent Content-Type with a non-empty body is
 * flagged (RFC 3261 §20.15). Never throws. Spans are absolute in `bytes`.
 */
export function decodeBody(
  bytes: Uint8Array,
  span: Span,
  contentType: string | null,
  depth = 0,
): DecodedBody {
  const diags: Diagnostic[] = [];
  if (contentType === null) {
    if (span.end > span.start) {
      diags.push(diag('content-type-missing', 'A non-empty body has no Content-Type.', '3261 §20.15', span));
    }
    return { kind: 'opaque', mediaType: null, span, diagnostics: diags };
  }
  const ct = parseContentType(contentType);
  const mt = ct.value;
  for (const x of ct.diagnostics) {
    delete x.span; // offsets within the header value, not the body
    diags.push(x);
  }
  if (!mt) return { kind: 'opaque', mediaType: null, span, diagnostics: diags };
  const mediaType = mt.mediaType;
  if (mediaType === 'application/sdp') {
    const d = parseSdpBytes(bytes, span);
    for (const x of d.diagnostics) diags.push(x);
    return { kind: 'sdp', mediaType, span, sdp: d.value, diagnostics: diags };
  }
  if (mt.type === 'multipart' && depth < MAX_DEPTH) {
    const b = getParam(mt.params, 'boundary');
    if (typeof b !== 'string' || b.length === 0) {
      if (!diags.some((x) => x.code === 'multipart-missing-boundary')) {
        diags.push(diag('multipart-missing-boundary', 'Content-Type has no boundary parameter.', RFC));
      }
      return { kind: 'multipart', mediaType, span, multipart: null, parts: [], diagnostics: diags };
    }
    const m = parseMultipart(bytes, b, span);
    for (const x of m.diagnostics) diags.push(x);
    const parts: DecodedBody[] = [];
    for (const p of m.value?.parts ?? []) {
      // RFC 2046 §5.1: a part without Content-Type is text/plain.
      const pct = p.headers.find(
        (h) => h.name.toLowerCase() === 'content-type' || h.name.toLowerCase() === 'c',
      );
      parts.push(decodeBody(bytes, p.body, pct ? pct.value : 'text/plain', depth + 1));
    }
    return { kind: 'multipart', mediaType, span, multipart: m.value, parts, diagnostics: diags };
  }
  if (mediaType === 'message/sipfrag') {
    const frag = parseSipfrag(bytes, span);
    return { kind: 'sipfrag', mediaType, span, frag, diagnostics: diags };
  }
  if (mediaType === 'message/sip') {
    const message = parseMessage(bytes, span.start, span.end);
    return { kind: 'sip', mediaType, span, message, diagnostics: diags };
  }
  return { kind: 'opaque', mediaType, span, diagnostics: diags };
}
