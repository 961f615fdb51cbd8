/**
 * Media types: Content-Type, Accept, Content-Disposition.
 * @remarks RFC 3261 §20.15 (`media-type = m-type SLASH m-subtype *(SEMI m-parameter)`), §20.1
 * (Accept: `[ accept-range *(COMMA accept-range) ]`, media-range may use `*`), §20.11
 * Content-Disposition; RFC 2045 §5.1 (type and subtype are case-insensitive).
 */
import type { Diagnostic, Span } from '../../diagnostic';
import { getParam, type Param, scanParams, STOP_COMMA } from '../params';
import { lower, scanToken, skipWs, trimEnd } from './chars';
import { bareOut, diag, NO_DIAGNOSTICS, type Decoded } from './decoded';
import { valueText } from '../text';

export interface MediaType {
  /** Lower-cased type, e.g. `application`; `*` in an Accept media-range. */
  type: string;
  subtype: string;
  /** `type/subtype`, lower-cased — the key to compare on. */
  mediaType: string;
  params: Param[];
  span: Span;
}

function scanMediaType(
  s: string,
  i: number,
  end: number,
  list: boolean,
  header: string,
  rfc: string,
  diags: Diagnostic[],
): { mt: MediaType | null; next: number } {
  const start = i;
  const t = scanToken(s, i, end);
  let j = skipWs(s, t, end);
  if (t === i || j >= end || s.charCodeAt(j) !== 47) {
    let k = i;
    while (k < end && !(list && s.charCodeAt(k) === 44)) k++;
    diags.push(
      diag('media-type-invalid', `${header} "${s.slice(i, trimEnd(s, i, k))}" is not type/subtype.`, rfc, {
        start: i,
        end: k,
      }),
    );
    return { mt: null, next: k };
  }
  j = skipWs(s, j + 1, end);
  const st = scanToken(s, j, end);
  if (st === j) {
    diags.push(diag('media-type-invalid', `${header} has no subtype.`, rfc, { start, end: st }));
  }
  let type: string;
  let subtype: string;
  let mediaType: string;
  if (t - i === 11 && st - j === 3 && s.startsWith('application', i) && s.startsWith('sdp', j)) {
    // the usual SIP body type, as written in lower case: constants (no slices, no concatenation)
    type = 'application';
    subtype = 'sdp';
    mediaType = 'application/sdp';
  } else {
    type = lower(s.slice(i, t));
    subtype = lower(s.slice(j, st));
    mediaType = type + '/' + subtype;
  }
  const params: Param[] = [];
  const next = scanParams(s, st, end, params, diags, list ? STOP_COMMA : 0);
  return { mt: { type, subtype, mediaType, params, span: { start, end: next } }, next };
}

/** Content-Type — RFC 3261 §20.15. */
export function parseContentType(value: string): Decoded<MediaType> {
  const diags: Diagnostic[] = [];
  const start = skipWs(value, 0, value.length);
  if (start >= value.length) {
    diags.push(diag('header-empty', 'Empty Content-Type.', '3261 §20.15', { start: 0, end: value.length }));
    return { value: null, diagnostics: diags };
  }
  const r = scanMediaType(value, start, value.length, false, 'Content-Type', '3261 §20.15', diags);
  const j = skipWs(value, r.next, value.length);
  if (r.mt && j < value.length) {
    diags.push(
      diag('header-trailing-garbage', `Unexpected text "${value.slice(j)}" in Content-Type.`, '3261 §20.15', {
        start: j,
        end: value.length,
      }),
    );
  }
  if (r.mt && r.mt.type === 'multipart' && getParam(r.mt.params, 'boundary') == null) {
    diags.push(
      diag(
        'multipart-missing-boundary',
        'multipart Content-Type without a boundary parameter.',
        '2046 §5.1.1',
        { start, end: value.length },
      ),
    );
  }
  return { value: r.mt, diagnostics: diags };
}

/**
 * {@link parseContentType} of a message's ASCII header value, the octets `raw[at, ...)`: the usual
 * `application/sdp` recognised from the octets, anything else by {@link parseContentType} (same result).
 */
export function parseContentTypeAt(value: string, raw: Uint8Array, at: number): Decoded<MediaType> {
  return parseContentTypeSpan(value, 0, value.length, raw, at);
}

/** {@link parseContentTypeAt} of the value `s[so, so + len)` (a slice of a longer string). */
export function parseContentTypeSpan(
  s: string,
  so: number,
  len: number,
  raw: Uint8Array,
  at: number,
): Decoded<MediaType> {
  const v = contentTypeSpanValue(s, so, len, raw, at);
  return v === APPLICATION_SDP_VALUE
    ? { value: v, diagnostics: NO_DIAGNOSTICS }
    : parseContentType(s.slice(so, so + len));
}

/**
 * {@link parseContentTypeSpan} for the full typed parse: `application/sdp` as one shared, frozen value
 * (the same fields as the general decoder's), anything else by the general decoder; the diagnostics in
 * `bareOut`.
 */
export function contentTypeSpanValue(
  s: string,
  so: number,
  len: number,
  raw: Uint8Array,
  at: number,
): MediaType | null {
  // "application/sdp" compared octet by octet (constants in the code: no string read per octet)
  if (
    len !== 15 ||
    raw[at] !== 97 || // a
    raw[at + 1] !== 112 || // p
    raw[at + 2] !== 112 || // p
    raw[at + 3] !== 108 || // l
    raw[at + 4] !== 105 || // i
    raw[at + 5] !== 99 || // c
    raw[at + 6] !== 97 || // a
    raw[at + 7] !== 116 || // t
    raw[at + 8] !== 105 || // i
    raw[at + 9] !== 111 || // o
    raw[at + 10] !== 110 || // n
    raw[at + 11] !== 47 || // /
    raw[at + 12] !== 115 || // s
    raw[at + 13] !== 100 || // d
    raw[at + 14] !== 112 // p
  ) {
    const d = parseContentType(valueText(s, so, len, raw, at));
    bareOut.diags = d.diagnostics;
    return d.value;
  }
  bareOut.diags = NO_DIAGNOSTICS;
  return APPLICATION_SDP_VALUE;
}
const APPLICATION_SDP = 'application/sdp';
/** `application/sdp` as the general decoder reads it, shared (frozen, its lists too). */
const APPLICATION_SDP_VALUE: MediaType = Object.freeze({
  type: 'application',
  subtype: 'sdp',
  mediaType: APPLICATION_SDP,
  params: Object.freeze([]) as unknown as MediaType['params'],
  span: Object.freeze({ start: 0, end: 15 }),
});

/** Accept — RFC 3261 §20.1: list of media-ranges with accept-params (q); may be empty. */
export function parseAccept(value: string): Decoded<MediaType[]> {
  const diags: Diagnostic[] = [];
  const out: MediaType[] = [];
  const end = value.length;
  let i = 0;
  while (true) {
    i = skipWs(value, i, end);
    if (i >= end) break;
    if (value.charCodeAt(i) === 44) {
      diags.push(
        diag('list-element-empty', 'Empty element in Accept.', '3261 §7.3.1', { start: i, end: i + 1 }),
      );
      i++;
      continue;
    }
    const r = scanMediaType(value, i, end, true, 'Accept', '3261 §20.1', diags);
    if (r.mt) out.push(r.mt);
    let j = skipWs(value, r.next, end);
    if (j < end && value.charCodeAt(j) !== 44) {
      let k = j;
      while (k < end && value.charCodeAt(k) !== 44) k++;
      diags.push(
        diag('list-bad-element', `Unexpected text "${value.slice(j, k)}" in Accept.`, '3261 §20.1', {
          start: j,
          end: k,
        }),
      );
      j = k;
    }
    if (j >= end) break;
    i = j + 1;
  }
  return { value: out, diagnostics: diags };
}

/** Content-Disposition — RFC 3261 §20.11: `disp-type *( SEMI disp-param )` (handling=optional/required). */
export interface ContentDisposition {
  /** Lower-cased disposition type: render, session, icon, alert, or an extension. */
  type: string;
  params: Param[];
}

export function parseContentDisposition(value: string): Decoded<ContentDisposition> {
  const diags: Diagnostic[] = [];
  const start = skipWs(value, 0, value.length);
  const t = scanToken(value, start, value.length);
  if (t === start) {
    diags.push(
      diag('content-disposition-invalid', 'Content-Disposition has no disposition type.', '3261 §20.11', {
        start: 0,
        end: value.length,
      }),
    );
    return { value: null, diagnostics: diags };
  }
  const params: Param[] = [];
  const i = skipWs(value, scanParams(value, t, value.length, params, diags, 0), value.length);
  if (i < value.length) {
    diags.push(
      diag(
        'header-trailing-garbage',
        `Unexpected text "${value.slice(i)}" in Content-Disposition.`,
        '3261 §20.11',
        { start: i, end: value.length },
      ),
    );
  }
  return { value: { type: lower(value.slice(start, t)), params }, diagnostics: diags };
}
