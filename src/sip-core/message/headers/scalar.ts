/**
 * Numeric and identifier headers: CSeq, Call-ID, Max-Forwards, Expires, Min-Expires,
 * Content-Length, RSeq, RAck, Timestamp, Retry-After, Session-Expires, Min-SE.
 * @remarks RFC 3261 §20 and §25.1; RFC 3262 §7 (RSeq/RAck); RFC 4028 §4–5 (Session-Expires,
 * Min-SE). Overlarge values (RFC 4475 §3.1.2.4/§3.1.2.5) are kept and flagged.
 */
import type { Diagnostic } from '../../diagnostic';
import { getParam, type Param, scanParams } from '../params';
import {
  C_TOKEN,
  C_WORD,
  CHAR,
  CHAR256,
  hostEndAt,
  isToken,
  parseUint,
  scanToken,
  skipWs,
  trimEnd,
} from './chars';
import { bareOut, diag, NO_DIAGNOSTICS, type Decoded } from './decoded';
import { valueText } from '../text';

/** 2^32 − 1: CSeq, RSeq and delta-seconds limits (RFC 3261 §8.1.1.5, §20.19; RFC 3262 §7.1). */
export const UINT32_MAX = 4294967295;

interface Bounds {
  start: number;
  end: number;
}

function trimmed(value: string): Bounds {
  const start = skipWs(value, 0, value.length);
  return { start, end: trimEnd(value, start, value.length) };
}

function digitsEnd(s: string, i: number, end: number): number {
  while (i < end) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) break;
    i++;
  }
  return i;
}

function trailing(s: string, i: number, end: number, header: string, rfc: string, diags: Diagnostic[]): void {
  const j = skipWs(s, i, end);
  if (j < end) {
    diags.push(
      diag('header-trailing-garbage', `Unexpected text "${s.slice(j, end)}" in ${header}.`, rfc, {
        start: j,
        end,
      }),
    );
  }
}

// -------------------------------------------------------------------------------------------
/** CSeq — RFC 3261 §20.16: `1*DIGIT LWS Method`. */
export interface CSeq {
  /** Sequence number (may exceed 2^32−1 when flagged; precision is lost beyond 2^53). */
  seq: number;
  method: string;
}

export function parseCSeq(value: string): Decoded<CSeq> {
  const diags: Diagnostic[] = [];
  const { start, end } = trimmed(value);
  const dEnd = digitsEnd(value, start, end);
  if (dEnd === start) {
    diags.push(
      diag(
        'cseq-invalid',
        `CSeq "${value.slice(start, end)}" does not start with a sequence number.`,
        '3261 §20.16',
        { start, end },
      ),
    );
    return { value: null, diagnostics: diags };
  }
  const seq = parseUint(value, start, dEnd);
  if (seq > UINT32_MAX) {
    diags.push(
      diag('cseq-out-of-range', `CSeq number ${value.slice(start, dEnd)} exceeds 2^32-1.`, '3261 §8.1.1.5', {
        start,
        end: dEnd,
      }),
    );
  }
  const mStart = skipWs(value, dEnd, end);
  if (mStart === dEnd && mStart < end) {
    diags.push(
      diag('cseq-invalid', 'No LWS between the CSeq number and the method.', '3261 §20.16', {
        start: dEnd,
        end,
      }),
    );
  }
  const mEnd = scanToken(value, mStart, end);
  if (mEnd === mStart) {
    diags.push(diag('cseq-missing-method', 'CSeq has no method.', '3261 §20.16', { start, end }));
  }
  trailing(value, mEnd, end, 'CSeq', '3261 §20.16', diags);
  return { value: { seq, method: value.slice(mStart, mEnd) }, diagnostics: diags };
}

/**
 * {@link parseCSeq} of a message's ASCII header value, the octets `raw[at, ...)`: the usual
 * `number SP method` read from the octets, anything else by {@link parseCSeq} (same result).
 */
export function parseCSeqAt(value: string, raw: Uint8Array, at: number): Decoded<CSeq> {
  return parseCSeqSpan(value, 0, value.length, raw, at);
}

/** {@link parseCSeqAt} of the value `s[so, so + end)` (a slice of a longer string). */
export function parseCSeqSpan(
  s: string,
  so: number,
  end: number,
  raw: Uint8Array,
  at: number,
): Decoded<CSeq> {
  lastDecoded = null;
  return decodedOf(cseqSpanValue(s, so, end, raw, at));
}

/**
 * The general decoder's result when a bare decoder (below) falls back to it: the span decoders above
 * return it as is (the same object the general decoder built).
 */
let lastDecoded: Decoded<unknown> | null = null;
function fallback<T>(d: Decoded<T>): T | null {
  lastDecoded = d;
  bareOut.diags = d.diagnostics;
  return d.value;
}
/** A span decoder's result from its bare form's value `v` (called with `lastDecoded` cleared first). */
function decodedOf<T>(v: T | null): Decoded<T> {
  return (lastDecoded as Decoded<T> | null) ?? { value: v, diagnostics: NO_DIAGNOSTICS };
}

/**
 * The bare forms of the span decoders here, for the full typed parse: the value itself (no `Decoded`
 * per field), the diagnostics in `bareOut` (`NO_DIAGNOSTICS` exactly when the fast path answered).
 */
export function cseqSpanValue(s: string, so: number, end: number, raw: Uint8Array, at: number): CSeq | null {
  let i = 0;
  let seq = 0;
  while (i < end) {
    const c = raw[at + i]!;
    if (c < 48 || c > 57) break;
    seq = seq * 10 + (c - 48);
    i++;
  }
  const dEnd = i;
  while (i < end && (raw[at + i] === 32 || raw[at + i] === 9)) i++;
  const mStart = i;
  // the usual methods as constants, read once (a method running to the end needs no token loop)
  let method = methodAt(raw, at + mStart, end - mStart);
  if (method !== null && dEnd !== 0 && dEnd <= 10 && seq <= UINT32_MAX && mStart !== dEnd) {
    bareOut.diags = NO_DIAGNOSTICS;
    return { seq, method };
  }
  const ch = CHAR256; // (a local: see parseCallIdSpan)
  const TOKEN = C_TOKEN;
  // (the letters of the method four at a time: host characters are token characters)
  if (i < end) i = hostEndAt(raw, at + i, at + end) - at;
  while (i < end) {
    const c = raw[at + i]!;
    if ((ch[c]! & TOKEN) === 0) break;
    i++;
  }
  if (dEnd === 0 || dEnd > 10 || seq > UINT32_MAX || mStart === dEnd || i === mStart || i !== end)
    return fallback(parseCSeq(valueText(s, so, end, raw, at)));
  method ??= s.slice(so + mStart, so + end);
  bareOut.diags = NO_DIAGNOSTICS;
  return { seq, method };
}

/** The usual methods of RFC 3261 as constants (no string made per CSeq), else null. */
export function methodAt(b: Uint8Array, at: number, n: number): string | null {
  const c = b[at];
  if (n === 6) {
    if (
      c === 73 &&
      b[at + 1] === 78 &&
      b[at + 2] === 86 &&
      b[at + 3] === 73 &&
      b[at + 4] === 84 &&
      b[at + 5] === 69
    )
      return 'INVITE';
    if (
      c === 67 &&
      b[at + 1] === 65 &&
      b[at + 2] === 78 &&
      b[at + 3] === 67 &&
      b[at + 4] === 69 &&
      b[at + 5] === 76
    )
      return 'CANCEL';
  } else if (n === 3) {
    if (c === 65 && b[at + 1] === 67 && b[at + 2] === 75) return 'ACK';
    if (c === 66 && b[at + 1] === 89 && b[at + 2] === 69) return 'BYE';
  }
  return null;
}

// -------------------------------------------------------------------------------------------
/** Call-ID — RFC 3261 §20.8: `callid = word [ "@" word ]`. The value is the trimmed text. */
export function parseCallId(value: string): Decoded<string> {
  const diags: Diagnostic[] = [];
  const { start, end } = trimmed(value);
  if (start >= end) {
    diags.push(diag('call-id-empty', 'Empty Call-ID.', '3261 §20.8', { start: 0, end: value.length }));
    return { value: null, diagnostics: diags };
  }
  let ats = 0;
  for (let i = start; i < end; i++) {
    const c = value.charCodeAt(i);
    if (c === 64) {
      ats++;
      continue;
    }
    if (c >= 128 || (CHAR[c]! & C_WORD) === 0) {
      diags.push(
        diag(
          'call-id-bad-char',
          `Call-ID contains "${value[i]}", which is not a word character.`,
          '3261 §25.1',
          { start: i, end: i + 1 },
          'warning',
        ),
      );
      break;
    }
  }
  if (ats > 1)
    diags.push(
      diag(
        'call-id-bad-char',
        'Call-ID contains more than one "@".',
        '3261 §25.1',
        { start, end },
        'warning',
      ),
    );
  return { value: value.slice(start, end), diagnostics: diags };
}

/** {@link parseCallId} of a message's ASCII header value, the octets `raw[at, ...)` (same result). */
export function parseCallIdAt(value: string, raw: Uint8Array, at: number): Decoded<string> {
  return parseCallIdSpan(value, 0, value.length, raw, at);
}

/** {@link parseCallIdAt} of the value `s[so, so + end)` (a slice of a longer string). */
export function parseCallIdSpan(
  s: string,
  so: number,
  end: number,
  raw: Uint8Array,
  at: number,
): Decoded<string> {
  lastDecoded = null;
  return decodedOf(callIdSpanValue(s, so, end, raw, at));
}
export function callIdSpanValue(
  s: string,
  so: number,
  end: number,
  raw: Uint8Array,
  at: number,
): string | null {
  // (module constants in locals: the compiler reloads a module binding at every use, in every loop step)
  const ch = CHAR256;
  const WORD = C_WORD;
  let ats = 0;
  let ok = end !== 0;
  for (let i = 0; i < end; i++) {
    // host characters (word characters all) four at a time, then the octet that ended them
    i = hostEndAt(raw, at + i, at + end) - at;
    if (i >= end) break;
    const c = raw[at + i]!;
    if (c === 64) ats++;
    else if ((ch[c]! & WORD) === 0) {
      ok = false;
      break;
    }
  }
  if (!ok || ats > 1) return fallback(parseCallId(valueText(s, so, end, raw, at)));
  const value = s.slice(so, so + end);
  bareOut.diags = NO_DIAGNOSTICS;
  return value;
}

// -------------------------------------------------------------------------------------------
/** Reads a lone `1*DIGIT` value, with diagnostics named after `code`. */
function parseNumber(
  value: string,
  code: string,
  header: string,
  rfc: string,
  diags: Diagnostic[],
): number | null {
  const { start, end } = trimmed(value);
  if (start < end && value.charCodeAt(start) === 45) {
    diags.push(
      diag(`${code}-negative`, `${header} "${value.slice(start, end)}" is negative.`, rfc, { start, end }),
    );
    return null;
  }
  const dEnd = digitsEnd(value, start, end);
  if (dEnd === start || skipWs(value, dEnd, end) < end) {
    diags.push(
      diag(`${code}-invalid`, `${header} "${value.slice(start, end)}" is not a decimal number.`, rfc, {
        start,
        end,
      }),
    );
    if (dEnd === start) return null;
  }
  return parseUint(value, start, dEnd);
}

/** Max-Forwards — RFC 3261 §20.22: 0–255 (RFC 4475 §3.1.2.4: 300 is flagged). */
export function parseMaxForwards(value: string): Decoded<number> {
  const diags: Diagnostic[] = [];
  const n = parseNumber(value, 'max-forwards', 'Max-Forwards', '3261 §20.22', diags);
  if (n !== null && n > 255) {
    diags.push(
      diag(
        'max-forwards-out-of-range',
        `Max-Forwards ${n} is above 255.`,
        '3261 §20.22',
        {
          start: 0,
          end: value.length,
        },
        'warning',
      ),
    );
  }
  return { value: n, diagnostics: diags };
}

function parseDeltaSeconds(value: string, code: string, header: string, rfc: string): Decoded<number> {
  const diags: Diagnostic[] = [];
  const n = parseNumber(value, code, header, rfc, diags);
  if (n !== null && n > UINT32_MAX) {
    diags.push(
      diag(
        `${code}-out-of-range`,
        `${header} value exceeds 2^32-1; treated as 2^32-1.`,
        rfc,
        { start: 0, end: value.length },
        'warning',
      ),
    );
    return { value: UINT32_MAX, diagnostics: diags };
  }
  return { value: n, diagnostics: diags };
}

/** Expires — RFC 3261 §20.19: delta-seconds (values above 2^32−1 are clamped and flagged). */
export function parseExpires(value: string): Decoded<number> {
  return parseDeltaSeconds(value, 'expires', 'Expires', '3261 §20.19');
}

/** Min-Expires — RFC 3261 §20.23. */
export function parseMinExpires(value: string): Decoded<number> {
  return parseDeltaSeconds(value, 'min-expires', 'Min-Expires', '3261 §20.23');
}

/** Content-Length — RFC 3261 §20.14: `1*DIGIT` (RFC 4475 §3.1.2.3: negative values are flagged). */
export function parseContentLength(value: string): Decoded<number> {
  const diags: Diagnostic[] = [];
  const n = parseNumber(value, 'content-length', 'Content-Length', '3261 §20.14', diags);
  return { value: n, diagnostics: diags };
}

/** The number written by the octets `raw[at, at + len)` when they are 1 to 9 digits, else -1. */
function digitsOnly(raw: Uint8Array, at: number, len: number): number {
  if (len < 1 || len > 9) return -1;
  let n = 0;
  for (let k = at; k < at + len; k++) {
    const c = raw[k]!;
    if (c < 48 || c > 57) return -1;
    n = n * 10 + (c - 48);
  }
  return n;
}

/**
 * {@link parseContentLength} of the value `s[so, so + len)` whose octets are `raw[at, at + len)`:
 * plain digits read from the octets, anything else by the general decoder (same result).
 */
export function parseContentLengthSpan(
  s: string,
  so: number,
  len: number,
  raw: Uint8Array,
  at: number,
): Decoded<number> {
  lastDecoded = null;
  return decodedOf(contentLengthSpanValue(s, so, len, raw, at));
}
export function contentLengthSpanValue(
  s: string,
  so: number,
  len: number,
  raw: Uint8Array,
  at: number,
): number | null {
  const n = digitsOnly(raw, at, len);
  if (n < 0) return fallback(parseContentLength(valueText(s, so, len, raw, at)));
  bareOut.diags = NO_DIAGNOSTICS;
  return n;
}

/** {@link parseMaxForwards} of the value `s[so, so + len)` (see {@link parseContentLengthSpan}). */
export function parseMaxForwardsSpan(
  s: string,
  so: number,
  len: number,
  raw: Uint8Array,
  at: number,
): Decoded<number> {
  lastDecoded = null;
  return decodedOf(maxForwardsSpanValue(s, so, len, raw, at));
}
export function maxForwardsSpanValue(
  s: string,
  so: number,
  len: number,
  raw: Uint8Array,
  at: number,
): number | null {
  const n = digitsOnly(raw, at, len);
  if (n < 0 || n > 255) return fallback(parseMaxForwards(valueText(s, so, len, raw, at)));
  bareOut.diags = NO_DIAGNOSTICS;
  return n;
}

/** RSeq — RFC 3262 §7.1: `1*DIGIT`, 1 to 2^32−1. */
export function parseRSeq(value: string): Decoded<number> {
  const diags: Diagnostic[] = [];
  const n = parseNumber(value, 'rseq', 'RSeq', '3262 §7.1', diags);
  if (n !== null && (n > UINT32_MAX || n === 0)) {
    diags.push(
      diag('rseq-out-of-range', `RSeq ${n} is outside 1..2^32-1.`, '3262 §7.1', {
        start: 0,
        end: value.length,
      }),
    );
  }
  return { value: n, diagnostics: diags };
}

/** RAck — RFC 3262 §7.2: `response-num LWS CSeq-num LWS Method`. */
export interface RAck {
  rseq: number;
  cseq: number;
  method: string;
}

export function parseRAck(value: string): Decoded<RAck> {
  const diags: Diagnostic[] = [];
  const { start, end } = trimmed(value);
  const a = digitsEnd(value, start, end);
  const bStart = skipWs(value, a, end);
  const b = digitsEnd(value, bStart, end);
  const mStart = skipWs(value, b, end);
  const m = scanToken(value, mStart, end);
  if (a === start || bStart === a || b === bStart || mStart === b || m === mStart) {
    diags.push(
      diag(
        'rack-invalid',
        `RAck "${value.slice(start, end)}" is not "response-num CSeq-num Method".`,
        '3262 §7.2',
        { start, end },
      ),
    );
    if (a === start || b === bStart) return { value: null, diagnostics: diags };
  }
  trailing(value, m, end, 'RAck', '3262 §7.2', diags);
  const rseq = parseUint(value, start, a);
  const cseq = parseUint(value, bStart, b);
  if (rseq > UINT32_MAX || cseq > UINT32_MAX) {
    diags.push(diag('rack-out-of-range', 'RAck number exceeds 2^32-1.', '3262 §7.2', { start, end }));
  }
  return { value: { rseq, cseq, method: value.slice(mStart, m) }, diagnostics: diags };
}

// -------------------------------------------------------------------------------------------
/** Timestamp — RFC 3261 §20.38: `1*(DIGIT) [ "." *(DIGIT) ] [ LWS delay ]`. */
export interface Timestamp {
  time: string;
  delay: string | null;
}

function decimalEnd(s: string, i: number, end: number): number {
  i = digitsEnd(s, i, end);
  if (i < end && s.charCodeAt(i) === 46) i = digitsEnd(s, i + 1, end);
  return i;
}

export function parseTimestamp(value: string): Decoded<Timestamp> {
  const diags: Diagnostic[] = [];
  const { start, end } = trimmed(value);
  const t = decimalEnd(value, start, end);
  if (t === start) {
    diags.push(
      diag('timestamp-invalid', `Timestamp "${value.slice(start, end)}" is not a number.`, '3261 §20.38', {
        start,
        end,
      }),
    );
    return { value: null, diagnostics: diags };
  }
  const dStart = skipWs(value, t, end);
  const d = decimalEnd(value, dStart, end);
  trailing(value, d, end, 'Timestamp', '3261 §20.38', diags);
  return {
    value: { time: value.slice(start, t), delay: d > dStart ? value.slice(dStart, d) : null },
    diagnostics: diags,
  };
}

// -------------------------------------------------------------------------------------------
/** Retry-After — RFC 3261 §20.33: `delta-seconds [ comment ] *( SEMI retry-param )`. */
export interface RetryAfter {
  seconds: number;
  comment: string | null;
  /** The `duration` parameter, null when absent. */
  duration: number | null;
  params: Param[];
}

export function parseRetryAfter(value: string): Decoded<RetryAfter> {
  const diags: Diagnostic[] = [];
  const { start, end } = trimmed(value);
  const dEnd = digitsEnd(value, start, end);
  if (dEnd === start) {
    diags.push(
      diag(
        'retry-after-invalid',
        `Retry-After "${value.slice(start, end)}" does not start with delta-seconds.`,
        '3261 §20.33',
        { start, end },
      ),
    );
    return { value: null, diagnostics: diags };
  }
  let seconds = parseUint(value, start, dEnd);
  if (seconds > UINT32_MAX) {
    diags.push(
      diag(
        'retry-after-out-of-range',
        'Retry-After exceeds 2^32-1.',
        '3261 §20.33',
        { start, end: dEnd },
        'warning',
      ),
    );
    seconds = UINT32_MAX;
  }
  let i = skipWs(value, dEnd, end);
  let comment: string | null = null;
  if (i < end && value.charCodeAt(i) === 40) {
    // comment = LPAREN *(ctext / quoted-pair / comment) RPAREN — nested parentheses allowed.
    let depth = 0;
    let k = i;
    for (; k < end; k++) {
      const c = value.charCodeAt(k);
      if (c === 92) k++;
      else if (c === 40) depth++;
      else if (c === 41 && --depth === 0) break;
    }
    if (k >= end) {
      diags.push(
        diag('retry-after-invalid', 'Unterminated comment in Retry-After.', '3261 §20.33', { start: i, end }),
      );
      comment = value.slice(i + 1, end);
      i = end;
    } else {
      comment = value.slice(i + 1, k);
      i = k + 1;
    }
  }
  const params: Param[] = [];
  i = scanParams(value, i, end, params, diags, 0);
  trailing(value, i, end, 'Retry-After', '3261 §20.33', diags);
  const dur = getParam(params, 'duration');
  let duration: number | null = null;
  if (typeof dur === 'string') {
    const n = parseUint(dur, 0, dur.length);
    if (Number.isNaN(n))
      diags.push(diag('retry-after-invalid', `Bad duration "${dur}".`, '3261 §20.33', { start, end }));
    else duration = n;
  }
  return { value: { seconds, comment, duration, params }, diagnostics: diags };
}

// -------------------------------------------------------------------------------------------
/** Session-Expires — RFC 4028 §4: `delta-seconds *(SEMI se-params)`, `refresher = "uas" / "uac"`. */
export interface SessionExpires {
  seconds: number;
  refresher: 'uac' | 'uas' | null;
  params: Param[];
}

function deltaWithParams(
  value: string,
  code: string,
  header: string,
  rfc: string,
  diags: Diagnostic[],
): { seconds: number; params: Param[] } | null {
  const { start, end } = trimmed(value);
  const dEnd = digitsEnd(value, start, end);
  if (dEnd === start) {
    diags.push(
      diag(
        `${code}-invalid`,
        `${header} "${value.slice(start, end)}" does not start with delta-seconds.`,
        rfc,
        { start, end },
      ),
    );
    return null;
  }
  let seconds = parseUint(value, start, dEnd);
  if (seconds > UINT32_MAX) {
    diags.push(
      diag(`${code}-out-of-range`, `${header} exceeds 2^32-1.`, rfc, { start, end: dEnd }, 'warning'),
    );
    seconds = UINT32_MAX;
  }
  const params: Param[] = [];
  const i = scanParams(value, dEnd, end, params, diags, 0);
  trailing(value, i, end, header, rfc, diags);
  return { seconds, params };
}

export function parseSessionExpires(value: string): Decoded<SessionExpires> {
  const diags: Diagnostic[] = [];
  const r = deltaWithParams(value, 'session-expires', 'Session-Expires', '4028 §4', diags);
  if (!r) return { value: null, diagnostics: diags };
  const ref = getParam(r.params, 'refresher');
  let refresher: 'uac' | 'uas' | null = null;
  if (typeof ref === 'string') {
    const l = ref.toLowerCase();
    if (l === 'uac' || l === 'uas') refresher = l;
    else
      diags.push(
        diag('session-expires-bad-refresher', `refresher="${ref}" is neither uac nor uas.`, '4028 §4', {
          start: 0,
          end: value.length,
        }),
      );
  }
  if (r.seconds < 90) {
    diags.push(
      diag(
        'session-expires-too-small',
        `Session-Expires ${r.seconds} is below the 90 s minimum.`,
        '4028 §4',
        { start: 0, end: value.length },
        'warning',
      ),
    );
  }
  return { value: { seconds: r.seconds, refresher, params: r.params }, diagnostics: diags };
}

/** Min-SE — RFC 4028 §5: `delta-seconds *(SEMI generic-param)`. */
export interface MinSE {
  seconds: number;
  params: Param[];
}

export function parseMinSE(value: string): Decoded<MinSE> {
  const diags: Diagnostic[] = [];
  const r = deltaWithParams(value, 'min-se', 'Min-SE', '4028 §5', diags);
  return { value: r, diagnostics: diags };
}

// -------------------------------------------------------------------------------------------
/** A lone token value (Priority, …); flagged when it is not a token. */
export function parseSingleToken(value: string, header: string, rfc: string): Decoded<string> {
  const diags: Diagnostic[] = [];
  const { start, end } = trimmed(value);
  let bad = -1;
  for (let i = start; i < end; i++) {
    if (!isToken(value.charCodeAt(i))) {
      bad = i;
      break;
    }
  }
  if (start >= end)
    diags.push(diag('header-empty', `Empty ${header} value.`, rfc, { start: 0, end: value.length }));
  else if (bad >= 0)
    diags.push(
      diag('header-not-token', `${header} "${value.slice(start, end)}" is not a token.`, rfc, {
        start: bad,
        end,
      }),
    );
  return { value: start < end ? value.slice(start, end) : null, diagnostics: diags };
}

/** Free text (Subject, User-Agent, Server, Organization, …): the trimmed value, never a diagnostic. */
export function parseText(value: string): Decoded<string> {
  const { start, end } = trimmed(value);
  return { value: value.slice(start, end), diagnostics: [] };
}
