/**
 * Generic `;name=value` parameters: URI parameters (RFC 3261 §19.1.1, §25.1 `uri-parameters`) and
 * header parameters (`generic-param = token [ EQUAL gen-value ]`, `gen-value = token / host /
 * quoted-string`).
 * @remarks Names are case-insensitive (RFC 3261 §7.3.1) and stored lower-cased; values are kept as
 * written (URI parameter values keep their %-escapes; quoted values are unescaped, `quoted: true`).
 */
import type { Diagnostic, Span } from '../diagnostic';
import { diag, type Decoded } from './headers/decoded';
import { C_TOKEN, CHAR, lower, scanQuoted, skipWs } from './headers/chars';

export interface Param {
  /** Lower-cased parameter name. */
  name: string;
  /** Value as written (unquoted and unescaped when `quoted`), or null for a valueless parameter. */
  value: string | null;
  /** True when the value was a quoted-string. */
  quoted?: boolean;
  /** Where `;name=value` stands, within the string passed to the decoder. */
  span?: Span;
}

/** Stop characters for {@link scanParams}. */
export const STOP_COMMA = 1;
export const STOP_QMARK = 2;
export const STOP_GT = 4;
/** URI mode: no LWS around `;`/`=`, no quoted strings, values keep %-escapes. */
export const URI_MODE = 8;

const RFC_PARAM = '3261 §25.1';

function isStop(c: number, flags: number): boolean {
  return (
    c === 59 ||
    ((flags & STOP_COMMA) !== 0 && c === 44) ||
    ((flags & STOP_QMARK) !== 0 && c === 63) ||
    ((flags & STOP_GT) !== 0 && c === 62)
  );
}

/**
 * The lower-cased name `s[start, end)`: the frequent lower-case names as constants (no slice, and
 * later comparisons with the same literal are pointer checks), any other through `lower`.
 */
export function paramName(s: string, start: number, end: number): string {
  switch (end - start) {
    case 2:
      if (s.startsWith('lr', start)) return 'lr';
      break;
    case 3:
      if (s.startsWith('tag', start)) return 'tag';
      if (s.startsWith('ttl', start)) return 'ttl';
      break;
    case 4:
      if (s.startsWith('user', start)) return 'user';
      break;
    case 5:
      if (s.startsWith('rport', start)) return 'rport';
      if (s.startsWith('maddr', start)) return 'maddr';
      break;
    case 6:
      if (s.startsWith('branch', start)) return 'branch';
      if (s.startsWith('method', start)) return 'method';
      break;
    case 7:
      if (s.startsWith('expires', start)) return 'expires';
      break;
    case 8:
      if (s.startsWith('received', start)) return 'received';
      break;
    case 9:
      if (s.startsWith('transport', start)) return 'transport';
      break;
  }
  return lower(s.slice(start, end));
}

/** The little-endian 32-bit word of the four octets at `at`. */
function w32(b: Uint8Array, at: number): number {
  return b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24);
}
/** The word of four ASCII characters of `s` from `i` (for comparison with {@link w32}). */
function word(s: string, i = 0): number {
  return (
    s.charCodeAt(i) | (s.charCodeAt(i + 1) << 8) | (s.charCodeAt(i + 2) << 16) | (s.charCodeAt(i + 3) << 24)
  );
}
const W_USER = word('user');
const W_RPOR = word('rpor');
const W_MADD = word('madd');
const W_BRAN = word('bran');
const W_METH = word('meth');
const W_EXPI = word('expi');
const W_RECE = word('rece');
const W_IVED = word('ived');
const W_TRAN = word('tran');
const W_SPOR = word('spor');

/**
 * {@link paramName} of a name whose octets are `b[o + start, o + end)` (`s` read as ASCII): the frequent
 * names compared as octets (four at a time), without the string calls.
 */
export function paramNameAt(s: string, b: Uint8Array, o: number, start: number, end: number): string {
  const at = o + start;
  switch (end - start) {
    case 2:
      if (b[at] === 108 && b[at + 1] === 114) return 'lr';
      break;
    case 3:
      if (b[at] === 116) {
        if (b[at + 1] === 97 && b[at + 2] === 103) return 'tag';
        if (b[at + 1] === 116 && b[at + 2] === 108) return 'ttl';
      }
      break;
    case 4:
      if (w32(b, at) === W_USER) return 'user';
      break;
    case 5:
      if (b[at + 4] === 116 && w32(b, at) === W_RPOR) return 'rport';
      if (b[at + 4] === 114 && w32(b, at) === W_MADD) return 'maddr';
      break;
    case 6: {
      const w = w32(b, at);
      if (w === W_BRAN && b[at + 4] === 99 && b[at + 5] === 104) return 'branch';
      if (w === W_METH && b[at + 4] === 111 && b[at + 5] === 100) return 'method';
      break;
    }
    case 7:
      if (w32(b, at) === W_EXPI && b[at + 4] === 114 && b[at + 5] === 101 && b[at + 6] === 115)
        return 'expires';
      break;
    case 8:
      if (w32(b, at) === W_RECE && w32(b, at + 4) === W_IVED) return 'received';
      break;
    case 9:
      if (w32(b, at) === W_TRAN && w32(b, at + 4) === W_SPOR && b[at + 8] === 116) return 'transport';
      break;
  }
  return paramName(s, start, end);
}

/**
 * Scans `*( ";" param )` in `s[i, end)` into `out`. Returns the index where scanning stopped: `end`,
 * a stop character (`,` / `?` / `>` according to `flags`) or, in header mode, the first character
 * that cannot continue the parameter list (the caller decides whether that is an error).
 */
export function scanParams(
  s: string,
  i: number,
  end: number,
  out: Param[],
  diags: Diagnostic[],
  flags: number,
): number {
  const uri = (flags & URI_MODE) !== 0;
  let q: { text: string } | null = null; // made on the first quoted value
  let reportedEmpty = false;
  while (true) {
    if (!uri) i = skipWs(s, i, end);
    if (i >= end) return i;
    const c0 = s.charCodeAt(i);
    if (c0 !== 59) return i;
    const pStart = i;
    i++;
    if (!uri) i = skipWs(s, i, end);
    const nStart = i;
    if (uri) {
      while (i < end) {
        const c = s.charCodeAt(i);
        if (c === 61 || c === 32 || c === 9 || isStop(c, flags)) break;
        i++;
      }
    } else {
      while (i < end) {
        const c = s.charCodeAt(i);
        if (c >= 128 || (CHAR[c]! & C_TOKEN) === 0) break;
        i++;
      }
    }
    const nEnd = i;
    if (nEnd === nStart) {
      // Reported once per list: ";;;;" is one finding, not four.
      if (!reportedEmpty) {
        diags.push(
          diag('param-empty', 'Empty parameter (";" with no name).', RFC_PARAM, { start: pStart, end: i }),
        );
        reportedEmpty = true;
      }
      // Skip anything unusable up to the next separator so one bad character does not stop the list.
      while (i < end) {
        const c = s.charCodeAt(i);
        if (isStop(c, flags) || (!uri && (c === 32 || c === 9))) break;
        i++;
      }
      continue;
    }
    const name = paramName(s, nStart, nEnd);
    let j = uri ? i : skipWs(s, i, end);
    if (j < end && s.charCodeAt(j) === 61) {
      j++;
      if (!uri) j = skipWs(s, j, end);
      if (!uri && j < end && s.charCodeAt(j) === 34) {
        q ??= { text: '' };
        const after = scanQuoted(s, j, end, q);
        if (after < 0) {
          diags.push(
            diag(
              'quoted-string-unterminated',
              `Parameter "${name}" has an unterminated quoted string.`,
              RFC_PARAM,
              {
                start: j,
                end,
              },
            ),
          );
          out.push({ name, value: q.text, quoted: true, span: { start: pStart, end } });
          return end;
        }
        out.push({ name, value: q.text, quoted: true, span: { start: pStart, end: after } });
        i = after;
        continue;
      }
      const vStart = j;
      while (j < end) {
        const c = s.charCodeAt(j);
        // the common value octets (letters, digits, ".", "-") cannot stop the value
        if (c > 0x3f || (c >= 0x2d && c <= 0x39 && c !== 0x2f)) {
          j++;
          continue;
        }
        if (c === 32 || c === 9 || c === 13 || c === 10 || isStop(c, flags)) break;
        j++;
      }
      if (j === vStart) {
        diags.push(
          diag(
            'param-empty-value',
            `Parameter "${name}" has "=" but no value.`,
            RFC_PARAM,
            { start: pStart, end: j },
            'warning',
          ),
        );
      }
      out.push({ name, value: s.slice(vStart, j), span: { start: pStart, end: j } });
      i = j;
    } else {
      out.push({ name, value: null, span: { start: pStart, end: nEnd } });
      i = nEnd;
    }
  }
}

/**
 * The one empty parameter list every value without parameters shares (frozen: a caller that adds to
 * it fails loudly instead of adding to every value's list). Also the empty URI `headers` list.
 */
export const EMPTY_PARAMS: Param[] = Object.freeze([]) as unknown as Param[];

/**
 * The parameters `;name[=value]` that stand in `s[ps, pe)`, as a fast path found them: every name a
 * token, every value free of ";" (so the list splits at each ";"), nothing else between them. Names
 * lower-cased as {@link paramName} gives them, values sliced as written, spans relative to `base`.
 * The octet fast paths keep these positions and make the list on first read (see `ViaValue.params`).
 * `ViaValue`, `NameAddrValue` and `SipUriValue` each hold their own copy of the fields and the
 * `params` getter on purpose: one shared base class (measured session 10, same process, alternating)
 * made the typed parse 0.80× (200 OK) and 0.45× (INVITE) — the shared getter and super constructor
 * see three receiver shapes instead of one.
 */
export function paramsAt(s: string, ps: number, pe: number, base: number): Param[] {
  if (ps >= pe) return EMPTY_PARAMS;
  const out: Param[] = [];
  let i = ps;
  while (i < pe) {
    // s[i] is ";"
    let e = i + 1;
    let eq = -1;
    while (e < pe) {
      const c = s.charCodeAt(e);
      if (c === 59) break;
      if (c === 61 && eq < 0) eq = e;
      e++;
    }
    out.push(
      eq < 0
        ? { name: paramName(s, i + 1, e), value: null, span: { start: i - base, end: e - base } }
        : {
            name: paramName(s, i + 1, eq),
            value: s.slice(eq + 1, e),
            span: { start: i - base, end: e - base },
          },
    );
    i = e;
  }
  return out;
}

/** Parses a header parameter list such as `;tag=1;lr;q=0.5` (a leading `;` is optional). */
export function parseParams(text: string): Decoded<Param[]> {
  const diags: Diagnostic[] = [];
  const out: Param[] = [];
  let i = skipWs(text, 0, text.length);
  const src = i < text.length && text.charCodeAt(i) !== 59 ? ';' + text : text;
  const delta = src === text ? 0 : -1;
  i = scanParams(src, 0, src.length, out, diags, 0);
  if (i < src.length) {
    diags.push(
      diag('param-trailing-garbage', `Unexpected text after parameters: "${src.slice(i)}".`, RFC_PARAM, {
        start: i + delta,
        end: src.length + delta,
      }),
    );
  }
  if (delta !== 0) {
    for (const p of out) if (p.span) p.span = { start: Math.max(0, p.span.start - 1), end: p.span.end - 1 };
    for (const d of diags) if (d.span) d.span = { start: Math.max(0, d.span.start - 1), end: d.span.end - 1 };
  }
  return { value: out, diagnostics: diags };
}

/**
 * The value of parameter `name` (lower case): a string, `null` when present without a value,
 * `undefined` when absent.
 */
export function getParam(params: readonly Param[], name: string): string | null | undefined {
  for (let k = 0; k < params.length; k++) {
    const p = params[k]!;
    if (p.name === name) return p.value;
  }
  return undefined;
}

export function hasParam(params: readonly Param[], name: string): boolean {
  for (let k = 0; k < params.length; k++) if (params[k]!.name === name) return true;
  return false;
}

/** Quotes a value for a quoted-string, escaping `"` and `\` (RFC 3261 §25.1 quoted-pair). */
export function quote(text: string): string {
  let needs = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34 || c === 92) {
      needs = true;
      break;
    }
  }
  return '"' + (needs ? text.replace(/["\\]/g, '\\$&') : text) + '"';
}

/** Formats parameters as `;name=value…` (quoted values re-quoted). */
export function formatParams(params: readonly Param[]): string {
  let out = '';
  for (const p of params) {
    out += ';' + p.name;
    if (p.value !== null) out += '=' + (p.quoted ? quote(p.value) : p.value);
  }
  return out;
}
