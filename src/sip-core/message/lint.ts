/**
 * Lint: the semantic checks of a parsed SIP message, each with a stable code, severity, RFC section and span.
 * @remarks RFC 3261 §8.1.1 (mandatory headers), §8.1.1.5 (CSeq), §8.1.1.7 (branch), §19.1 (URIs),
 * §20 (header fields); RFC 4475 and RFC 5118 describe the cases. The catalogue (`MESSAGE_DIAGNOSTICS`)
 * is the one of the whole message layer (structural parse, lint, typed decoders).
 */
import type { Diagnostic, Span } from '../diagnostic';
import {
  MESSAGE_DIAGNOSTICS,
  MESSAGE_DIAGNOSTIC_LIST,
  sipDiagnostic,
  type DiagnosticRule,
} from './diagnostic-codes';
import { HEADER_NAMES } from './header-names';
import { hasMagicCookie, isIpv4At } from './headers/chars';
import {
  F_BRANCH,
  F_CSEQM,
  F_CTYPE,
  F_FROMTAG,
  F_METHOD,
  F_URI,
  HS,
  KEY_HEADER_CANONICAL,
  KEY_SLOTS,
  ParsedMessage,
  type SipMessage,
} from './sip-message';
import { decodeAllHeaders } from './typed';
import { parseUri } from './uri';
import { decodeSpan, isLws, splitCommaSpans } from './text';
import { lintField, lintUriTo, scannerOffset } from './fast-scan';

export { MESSAGE_DIAGNOSTICS, type DiagnosticRule };

/**
 * The catalogue as a list, in a stable order (for the UI's "explain this code"): every message-layer
 * code, parse and lint first, then the typed decoders' own codes (`stage: 'typed'`).
 */
export function diagnosticCatalogue(): DiagnosticRule[] {
  return MESSAGE_DIAGNOSTIC_LIST.slice();
}

const REQUEST_MANDATORY = ['to', 'from', 'cseq', 'call-id', 'via'] as const;
const RESPONSE_MANDATORY = ['to', 'from', 'cseq', 'call-id', 'via'] as const;
const DISPLAY: Record<string, string> = Object.fromEntries(HEADER_NAMES.map((h) => [h.canonical, h.display]));
/** Headers whose values are name-addr / addr-spec (RFC 3261 §20.10, §20.20, §20.30, §20.34, §20.39). */
const NAME_ADDR_HEADERS = [
  'to',
  'from',
  'contact',
  'route',
  'record-route',
  'reply-to',
  'refer-to',
  'referred-by',
  'p-asserted-identity',
  'p-preferred-identity',
  'path',
] as const;
const LIST_NAME_ADDR = new Set([
  'contact',
  'route',
  'record-route',
  'p-asserted-identity',
  'p-preferred-identity',
  'path',
]);

const MAX32 = 4294967295;

/** Options of `lintMessage`. */
export interface LintOptions {
  /** Also run every typed header decoder and include its diagnostics. */
  typed?: boolean;
}

/**
 * Every diagnostic of the message: the structural ones found while parsing (`msg.diagnostics`) followed
 * by the lint checks, each from the shared catalogue. With `typed: true`, the typed header decoders'
 * findings (`decodeAllHeaders`, their own codes) are appended too.
 */
export function lintMessage(msg: SipMessage, opts: LintOptions = {}): Diagnostic[] {
  const out: Diagnostic[] = [...msg.diagnostics];
  if (msg.kind === 'invalid') return out;
  if (opts.typed) out.push(...decodeAllHeaders(msg));
  if (msg instanceof ParsedMessage) lintIndexed(msg, out);
  else lintGeneric(msg, out);
  return out;
}

/**
 * The checks through `SipMessage`'s general accessors (header objects, names, decoded strings): what
 * the lint was before session 11, kept for any other implementation of `SipMessage` and as the exact
 * answer {@link lintIndexed} falls back on wherever a check may report something.
 */
function lintGeneric(msg: SipMessage, out: Diagnostic[]): void {
  checkMandatory(msg, out);
  checkDuplicates(msg, out);
  checkCseqMethod(msg, out);
  checkBranch(msg, out);
  checkFromTag(msg, out);
  checkContentType(msg, out);
  checkRequestUri(msg, out);
  checkNameAddrs(msg, out);
  checkScalars(msg, out);
}

function headerIndices(msg: SipMessage): Map<string, number[]> {
  const map = new Map<string, number[]>();
  msg.headers.forEach((h, i) => {
    const a = map.get(h.canonical);
    if (a) a.push(i);
    else map.set(h.canonical, [i]);
  });
  return map;
}

function checkMandatory(msg: SipMessage, out: Diagnostic[]): void {
  const names = msg.kind === 'request' ? REQUEST_MANDATORY : RESPONSE_MANDATORY;
  const present = new Set(msg.headers.map((h) => h.canonical));
  const where: Span = { start: msg.start, end: msg.bodyStart };
  for (const n of names) {
    if (!present.has(n)) {
      out.push(sipDiagnostic('header-missing', `The mandatory header ${DISPLAY[n] ?? n} is missing.`, where));
    }
  }
  // DEVIATION(RFC 3261 §8.1.1): a request without Max-Forwards is a warning (max-forwards-missing), not
  // header-missing: RFC 2543 peers omit it, RFC 4475 §3.4.1 calls such a request valid, and a proxy
  // adds Max-Forwards: 70 (§16.6 step 3).
  if (msg.kind === 'request' && !present.has('max-forwards')) {
    out.push(sipDiagnostic('max-forwards-missing', 'The request has no Max-Forwards header.', where));
  }
}

function checkDuplicates(msg: SipMessage, out: Diagnostic[]): void {
  const idx = headerIndices(msg);
  for (const h of HEADER_NAMES) {
    if (!h.single) continue;
    const at = idx.get(h.canonical);
    if (!at || at.length < 2) continue;
    for (let k = 1; k < at.length; k++) {
      const f = msg.headers[at[k]!]!;
      out.push(
        sipDiagnostic(
          'header-duplicate',
          `${h.display} appears ${at.length} times; it takes a single value.`,
          { start: f.nameSpan.start, end: f.valueSpan.end },
        ),
      );
    }
  }
}

function firstValueSpan(msg: SipMessage, name: string): Span | undefined {
  return msg.headerSpans(name)[0];
}

function checkCseqMethod(msg: SipMessage, out: Diagnostic[]): void {
  if (msg.kind !== 'request' || msg.cseqMethod === null || msg.method === null) return;
  if (msg.cseqMethod !== msg.method) {
    out.push(
      sipDiagnostic(
        'cseq-method-mismatch',
        `CSeq method ${msg.cseqMethod} differs from the request method ${msg.method}.`,
        firstValueSpan(msg, 'cseq'),
      ),
    );
  }
}

function checkBranch(msg: SipMessage, out: Diagnostic[]): void {
  if (msg.viaCount === 0) return;
  const where = firstValueSpan(msg, 'via');
  const b = msg.branch;
  if (b === null) {
    out.push(sipDiagnostic('via-branch-missing', 'The top Via has no branch parameter.', where));
  } else if (b === 'z9hG4bK') {
    out.push(sipDiagnostic('via-branch-cookie-only', 'The branch is only the magic cookie z9hG4bK.', where));
  } else if (!b.startsWith('z9hG4bK')) {
    out.push(
      sipDiagnostic('via-branch-missing-cookie', `The branch ${b} does not start with z9hG4bK.`, where),
    );
  }
}

function checkFromTag(msg: SipMessage, out: Diagnostic[]): void {
  const where = firstValueSpan(msg, 'from');
  if (where && msg.fromTag === null) {
    out.push(sipDiagnostic('from-tag-missing', 'The From header has no tag.', where));
  }
}

function checkContentType(msg: SipMessage, out: Diagnostic[]): void {
  if (msg.bodyLength > 0 && msg.contentType === null) {
    out.push(
      sipDiagnostic('content-type-missing', 'The message has a body but no Content-Type.', {
        start: msg.bodyStart,
        end: msg.bodyStart + msg.bodyLength,
      }),
    );
  }
}

/** Where the parts of a URI string are; offsets are string indices. */
interface UriParts {
  scheme: string;
  /** Index after "scheme:". */
  rest: number;
  hostStart: number;
  hostEnd: number;
  /** Index of "?" starting the headers, or -1. */
  headers: number;
}

/** Splits a URI string (no <>) into scheme / host / headers positions (RFC 3261 §19.1.1). */
export function uriParts(uri: string): UriParts | null {
  const colon = uri.indexOf(':');
  if (colon <= 0) return null;
  const scheme = uri.slice(0, colon).toLowerCase();
  const rest = colon + 1;
  const at = uri.indexOf('@', rest);
  const hostStart = at >= 0 ? at + 1 : rest;
  let hostEnd = hostStart;
  if (uri[hostStart] === '[') {
    const close = uri.indexOf(']', hostStart);
    hostEnd = close < 0 ? uri.length : close + 1;
  }
  while (hostEnd < uri.length && uri[hostEnd] !== ';' && uri[hostEnd] !== '?' && uri[hostEnd] !== ':')
    hostEnd++;
  // an unbracketed IPv6 address: take the colons into the host so the check below can see them
  if (uri[hostEnd] === ':' && uri[hostStart] !== '[') {
    let e = hostEnd;
    while (e < uri.length && uri[e] !== ';' && uri[e] !== '?') e++;
    const h = uri.slice(hostStart, e);
    if ((h.match(/:/g) ?? []).length > 1) hostEnd = e;
  }
  const headers = uri.indexOf('?', hostEnd);
  return { scheme, rest, hostStart, hostEnd, headers };
}

/** Characters allowed unescaped somewhere in a SIP URI (RFC 3261 §25.1 unreserved / reserved, plus [ ] and %). */
function isUriChar(c: number): boolean {
  return c < 128 && URI_CHAR[c] === 1;
}
const URI_CHAR = new Uint8Array(128);
for (const ch of "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_.!~*'()&=+$,;?/:@[]%")
  URI_CHAR[ch.charCodeAt(0)] = 1;

function checkUri(uri: string, where: Span | undefined, isRequestUri: boolean, out: Diagnostic[]): void {
  const parts = uriParts(uri);
  if (!parts) return;
  const { scheme } = parts;
  if (isRequestUri && scheme !== 'sip' && scheme !== 'sips' && scheme !== 'tel') {
    out.push(
      sipDiagnostic(
        'uri-scheme-unknown',
        `The Request-URI scheme "${scheme}" is not sip, sips or tel.`,
        where,
      ),
    );
  }
  if (scheme !== 'sip' && scheme !== 'sips') return;
  for (let i = 0; i < uri.length; i++) {
    const c = uri.charCodeAt(i);
    if (!isUriChar(c)) {
      out.push(sipDiagnostic('uri-reserved-unescaped', `The URI holds an unescaped "${uri[i]}".`, where));
      break;
    }
    if (c === 37 && !(isHex(uri.charCodeAt(i + 1)) && isHex(uri.charCodeAt(i + 2)))) {
      out.push(sipDiagnostic('uri-reserved-unescaped', 'A "%" in the URI does not start an escape.', where));
      break;
    }
  }
  if (isRequestUri && parts.headers >= 0) {
    out.push(
      sipDiagnostic('request-uri-headers', 'The Request-URI carries a headers component ("?...").', where),
    );
  }
  const host = uri.slice(parts.hostStart, parts.hostEnd);
  if (host.startsWith('[')) {
    const inner = host.slice(1, host.endsWith(']') ? -1 : undefined);
    const lastGroup = inner.slice(inner.lastIndexOf(':') + 1);
    const portAfter = uri[parts.hostEnd] === ':';
    if (!portAfter && inner.includes('::') && /^[0-9]{4,5}$/.test(lastGroup)) {
      out.push(
        sipDiagnostic(
          'uri-ipv6-port-ambiguous',
          `The last group of [${inner}] looks like a port inside the brackets.`,
          where,
        ),
      );
    }
  }
}

/**
 * The URI decoder's own findings (typed layer, `parseUri`): IPv6 references, hosts, ports, schemes.
 * Spans are rebased onto the message when the URI text maps 1:1 onto its bytes.
 */
function uriDecoderDiagnostics(
  uri: string,
  where: Span | undefined,
  offset: number,
  out: Diagnostic[],
): void {
  const d = parseUri(uri);
  const exact =
    offset >= 0 &&
    where !== undefined &&
    where.end - where.start - offset >= uri.length &&
    /^[\x20-\x7e]*$/.test(uri);
  for (const x of d.diagnostics) {
    const copy: Diagnostic = { ...x };
    if (where) {
      copy.span =
        exact && x.span
          ? { start: where.start + offset + x.span.start, end: where.start + offset + x.span.end }
          : { start: where.start, end: where.end };
    }
    out.push(copy);
  }
}

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x66);
}

function checkRequestUri(msg: SipMessage, out: Diagnostic[]): void {
  if (msg.kind !== 'request' || msg.requestUri === null) return;
  let uri = msg.requestUri;
  let offset = 0;
  if (uri.startsWith('<') && uri.endsWith('>')) {
    uri = uri.slice(1, -1);
    offset = 1;
  }
  const where = msg.requestUriSpan ?? undefined;
  checkUri(uri, where, true, out);
  uriDecoderDiagnostics(uri, where, offset, out);
}

function isTokenOrLws(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const ok =
      (c >= 0x30 && c <= 0x39) ||
      ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a) ||
      "-.!%*_+`'~ \t".includes(s[i]!) ||
      c >= 0x80;
    if (!ok) return false;
  }
  return true;
}

/** Checks one name-addr / addr-spec element (RFC 3261 §20.10). */
function checkNameAddr(text: string, where: Span, canonical: string, out: Diagnostic[]): void {
  if (canonical === 'contact' && text === '*') return;
  // find '<' outside quotes
  let i = 0;
  let lt = -1;
  while (i < text.length) {
    const ch = text[i];
    if (ch === '"') {
      i++;
      while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
      if (i >= text.length) return; // unterminated quote: reported by the structural pass for From/To
      i++;
      continue;
    }
    if (ch === '<') {
      lt = i;
      break;
    }
    if (ch === ';') break;
    i++;
  }
  let paramsFrom: number;
  if (lt >= 0) {
    const display = text.slice(0, lt).trim();
    if (display && !display.startsWith('"') && !isTokenOrLws(display)) {
      out.push(
        sipDiagnostic(
          'display-name-invalid',
          `The unquoted display name "${display}" is not a token.`,
          where,
        ),
      );
    }
    const gt = text.indexOf('>', lt);
    if (gt < 0) {
      if (canonical !== 'to' && canonical !== 'from') {
        out.push(sipDiagnostic('name-addr-unterminated', 'The "<" is never closed by ">".', where));
      }
      return;
    }
    const inner = text.slice(lt + 1, gt);
    if (inner !== inner.trim()) {
      out.push(sipDiagnostic('addr-spec-whitespace', 'Whitespace inside "<...>" around the URI.', where));
    }
    checkUri(inner.trim(), where, false, out);
    uriDecoderDiagnostics(inner.trim(), where, -1, out);
    paramsFrom = gt + 1;
  } else {
    const semi = text.indexOf(';');
    const uri = (semi < 0 ? text : text.slice(0, semi)).trim();
    if (/\s/.test(uri) && !uri.startsWith('"')) {
      out.push(
        sipDiagnostic(
          'display-name-invalid',
          `"${uri}" is neither an addr-spec nor a name-addr with "<...>".`,
          where,
        ),
      );
      return;
    }
    if (uri.includes('?') || uri.includes(',')) {
      out.push(
        sipDiagnostic(
          'addr-spec-needs-angle-brackets',
          'A URI with "?" or "," must be enclosed in "<...>".',
          where,
        ),
      );
    }
    checkUri(uri, where, false, out);
    if (uri.includes(':')) uriDecoderDiagnostics(uri, where, -1, out);
    paramsFrom = semi < 0 ? text.length : semi;
  }
  if (canonical !== 'to' && canonical !== 'from') {
    const params = text.slice(paramsFrom);
    if (/;\s*(;|$)/.test(params)) {
      out.push(sipDiagnostic('param-empty', 'An empty parameter (";;").', where));
    }
  }
  if (canonical === 'contact') {
    const m = /;\s*expires\s*=\s*([^;\s]*)/i.exec(text.slice(paramsFrom));
    if (m && !(/^[0-9]{1,10}$/.test(m[1]!) && Number(m[1]) <= MAX32)) {
      out.push(
        sipDiagnostic('expires-out-of-range', `The Contact expires "${m[1]}" is outside 0–(2**32)-1.`, where),
      );
    }
  }
}

function checkNameAddrs(msg: SipMessage, out: Diagnostic[]): void {
  const spans: number[] = [];
  for (const name of NAME_ADDR_HEADERS) {
    for (const vs of msg.headerSpans(name)) {
      spans.length = 0;
      if (LIST_NAME_ADDR.has(name)) splitCommaSpans(msg.raw, vs.start, vs.end, spans);
      else spans.push(vs.start, vs.end);
      for (let k = 0; k < spans.length; k += 2) {
        const s = spans[k]!;
        const e = spans[k + 1]!;
        if (e <= s) continue;
        checkNameAddr(
          decodeSpan(msg.raw, s, e).replace(/\r?\n[ \t]+/g, ' '),
          { start: s, end: e },
          name,
          out,
        );
      }
    }
  }
}

const DATE_RE =
  /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-9]{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} GMT$/;

function checkScalars(msg: SipMessage, out: Diagnostic[]): void {
  const date = msg.header('date');
  if (date !== null && !DATE_RE.test(date)) {
    out.push(
      sipDiagnostic(
        'date-invalid',
        `Date "${date}" is not an RFC 1123 date in GMT.`,
        firstValueSpan(msg, 'date'),
      ),
    );
  }
  const expires = msg.header('expires');
  if (expires !== null && !(/^[0-9]{1,10}$/.test(expires) && Number(expires) <= MAX32)) {
    out.push(
      sipDiagnostic(
        'expires-out-of-range',
        `Expires "${expires.slice(0, 40)}" is outside 0–(2**32)-1.`,
        firstValueSpan(msg, 'expires'),
      ),
    );
  }
  const ra = msg.header('retry-after');
  if (ra !== null) {
    const m = /^[0-9]+/.exec(ra);
    if (!m || m[0].length > 10 || Number(m[0]) > MAX32) {
      out.push(
        sipDiagnostic(
          'retry-after-out-of-range',
          `Retry-After "${ra.slice(0, 40)}" is outside 0–(2**32)-1.`,
          firstValueSpan(msg, 'retry-after'),
        ),
      );
    }
  }
  const spans: number[] = [];
  for (const vs of msg.headerSpans('warning')) {
    spans.length = 0;
    splitCommaSpans(msg.raw, vs.start, vs.end, spans);
    for (let k = 0; k < spans.length; k += 2) {
      const v = decodeSpan(msg.raw, spans[k]!, spans[k + 1]!);
      if (!/^[0-9]{3} /.test(v)) {
        out.push(
          sipDiagnostic(
            'warning-code-invalid',
            `Warning "${v.slice(0, 40)}" does not start with a 3-digit code.`,
            {
              start: spans[k]!,
              end: spans[k + 1]!,
            },
          ),
        );
      }
    }
  }
}

/*
 * The checks on the parser's index (session 11): one pass over the header fields' index slots finds
 * which fields the checks read (by key id, or by the octets of the name), then each check reads
 * octets: the key field spans, the Request-URI and the name-addr values. Where an octet check cannot
 * say for certain that the general check reports nothing (anything unusual: a missing or duplicated
 * header, a URI that is not the plain `sip:user@host:port;params` form, a folded or non-ASCII value,
 * `%` escapes, IPv6 references, ...), the general check itself runs on that part (the functions
 * above), so the diagnostics, their order and their spans are exactly those of {@link lintGeneric}.
 */

/** The canonical names the checks read: the mandatory headers, name-addr headers, scalars, single headers. */
const WATCHED: readonly string[] = [
  ...new Set<string>([
    ...REQUEST_MANDATORY,
    ...RESPONSE_MANDATORY,
    'max-forwards',
    ...NAME_ADDR_HEADERS,
    'date',
    'expires',
    'retry-after',
    'warning',
    ...HEADER_NAMES.filter((h) => h.single).map((h) => h.canonical),
  ]),
];
/** Canonical name → class (1 + its index in {@link WATCHED}); 0 for any other header. */
const CLASS_OF = new Map<string, number>(WATCHED.map((n, i) => [n, i + 1]));
const NCLASS = WATCHED.length + 1;
const cls = (name: string): number => CLASS_OF.get(name)!;
const K_TO = cls('to');
const K_FROM = cls('from');
const K_CSEQ = cls('cseq');
const K_CALLID = cls('call-id');
const K_VIA = cls('via');
const K_MAXF = cls('max-forwards');
const K_CONTACT = cls('contact');
const K_DATE = cls('date');
const K_EXPIRES = cls('expires');
const K_RETRY = cls('retry-after');
const K_WARNING = cls('warning');
/** Whether a class takes a single value (RFC 3261 §7.3.1; `HEADER_NAMES` `single`). */
const SINGLE_CLASS = new Uint8Array(NCLASS);
for (const h of HEADER_NAMES) if (h.single) SINGLE_CLASS[cls(h.canonical)] = 1;
/** The name-addr headers' classes in {@link NAME_ADDR_HEADERS} order, and whether each is a list. */
const NAME_ADDR_CLASSES = NAME_ADDR_HEADERS.map((n) => cls(n));
const NAME_ADDR_LIST = NAME_ADDR_HEADERS.map((n) => LIST_NAME_ADDR.has(n));
/**
 * By class, 0 for a class that is not a name-addr header, else NA_HEADER, NA_LIST for a list, and the
 * kind the scanner's `lintNameAddr` takes (1: To or From, 2: Contact, 0: another): the flags its
 * `lintField` takes.
 */
const NAME_ADDR_KIND = new Uint8Array(NCLASS);
const NA_LIST = 4;
const NA_HEADER = 8;
NAME_ADDR_CLASSES.forEach((c, h) => {
  const kind = c === K_TO || c === K_FROM ? 1 : c === K_CONTACT ? 2 : 0;
  NAME_ADDR_KIND[c] = NA_HEADER | (NAME_ADDR_LIST[h] ? NA_LIST : 0) | kind;
});
/** Class of each key header id (`KEY_HEADER_CANONICAL`, the structural parse's ids). */
const KEY_CLASS = KEY_HEADER_CANONICAL.map((n) => (n === '' ? 0 : (CLASS_OF.get(n) ?? 0)));
/** The watched names as lower-case octets, and the classes by name length (names of 2+ octets). */
const NAME_OCTETS = WATCHED.map((n) => Uint8Array.from(n, (c) => c.charCodeAt(0)));
const BY_LENGTH: number[][] = [];
WATCHED.forEach((n, i) => {
  if (n.length < 2) return;
  (BY_LENGTH[n.length] ??= []).push(i + 1);
});

/** Octet classes of the octet checks (bits). */
const O_URI = 1; // isUriChar, less "%" (checked with its two hex digits) and "?" (a URI with headers)
const O_USER = 2; // unreserved / "&" "=" "+" "$" "," ";" "/" / "%" (RFC 3261 §25.1 user, no "?")
const O_ALPHA = 4;
const O_DIGITDOT = 8; // 0-9 "."
const O_TOKENLWS = 16; // isTokenOrLws's ASCII characters
const O_TRIM = 32; // what String.prototype.trim removes, in ASCII
const O_SPACE = 64; // what a regular expression's \s matches, in ASCII
const O_ODD = 128; // CR, LF, and every octet above 127: the value's text is not its octets
const O_HEX = 256;
const OCT = new Uint16Array(256);
{
  const set = (chars: string, bit: number): void => {
    for (let i = 0; i < chars.length; i++) OCT[chars.charCodeAt(i)]! |= bit;
  };
  const alnum = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  set(alnum + "-_.!~*'()&=+$,;/:@[]", O_URI);
  set(alnum + "-_.!~*'()&=+$,;/%", O_USER);
  set('0123456789ABCDEFabcdef', O_HEX);
  set('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz', O_ALPHA);
  set('0123456789.', O_DIGITDOT);
  set(alnum + "-.!%*_+`'~ \t", O_TOKENLWS);
  set('\t\n\v\f\r ', O_TRIM | O_SPACE);
  set('\r\n', O_ODD);
  for (let c = 128; c < 256; c++) OCT[c]! |= O_ODD;
}

/** Per message scratch (the lint is not re-entered): each field's class, each class's first field. */
let fieldClass = new Uint8Array(64);
const firstOf = new Int32Array(NCLASS);
/**
 * Where the message's octets lie in the scanner's memory (fast-scan.ts `scannerOffset`: a message read
 * into the arena), or -1: there the name-addr and URI tests are asked of the scanner first.
 */
let memAt = -1;
/** Element spans of a list value (start, end pairs), and a URI's parameter names. */
let elemAt: Int32Array = new Int32Array(64);
let paramAt: Int32Array = new Int32Array(32);

/** The class of a header field whose name is `raw[ns, ne)` and that has no key id. */
function classOfName(msg: ParsedMessage, i: number, raw: Uint8Array, ns: number, ne: number): number {
  const n = ne - ns;
  let or = 0;
  for (let k = ns; k < ne; k++) or |= raw[k]!;
  // a compact form, or a name that is not ASCII (lower-cased as a string): as canonicalAt says
  if (n < 2 || or >= 128) return CLASS_OF.get(msg.canonicalAt(i)) ?? 0;
  const cands = BY_LENGTH[n];
  if (cands === undefined) return 0;
  for (let j = 0; j < cands.length; j++) {
    const c = cands[j]!;
    const want = NAME_OCTETS[c - 1]!;
    let k = 0;
    for (; k < n; k++) {
      let b = raw[ns + k]!;
      if (b >= 65 && b <= 90) b |= 32;
      if (b !== want[k]) break;
    }
    if (k === n) return c;
  }
  return 0;
}

function lintIndexed(msg: ParsedMessage, out: Diagnostic[]): void {
  const raw = msg.raw;
  const n = msg.headerCount;
  const ix = msg.ix;
  const base = msg.base;
  const o0 = base + KEY_SLOTS;
  if (fieldClass.length < n) fieldClass = new Uint8Array(2 * n);
  const fc = fieldClass;
  memAt = scannerOffset(raw);
  firstOf.fill(-1);
  let dup = false;
  // (the name-addr fields tested as met, in field order: the class-ordered loop below only where one
  // may report something)
  let nameAddrsClean = true;
  for (let i = 0, o = o0; i < n; i++, o += HS) {
    const id = ix[o + 4]! & 255;
    const c = id > 0 ? KEY_CLASS[id]! : classOfName(msg, i, raw, ix[o]!, ix[o + 1]!);
    fc[i] = c;
    if (c === 0) continue;
    if (firstOf[c]! < 0) firstOf[c] = i;
    else if (SINGLE_CLASS[c] === 1) dup = true;
    const na = NAME_ADDR_KIND[c]!;
    if (na !== 0 && nameAddrsClean && !fieldClean(raw, ix[o + 2]!, ix[o + 3]!, c, na)) nameAddrsClean = false;
  }
  const request = msg.kind === 'request';
  if (
    firstOf[K_TO]! < 0 ||
    firstOf[K_FROM]! < 0 ||
    firstOf[K_CSEQ]! < 0 ||
    firstOf[K_CALLID]! < 0 ||
    firstOf[K_VIA]! < 0 ||
    (request && firstOf[K_MAXF]! < 0)
  )
    mandatoryIndexed(msg, request, out);
  if (dup) duplicatesIndexed(ix, o0, n, out);
  // CSeq method = request method: the same octets (else the strings decide)
  if (
    request &&
    !sameOctets(
      raw,
      ix[base + 2 * F_CSEQM]!,
      ix[base + 2 * F_CSEQM + 1]!,
      ix[base + 2 * F_METHOD]!,
      ix[base + 2 * F_METHOD + 1]!,
    )
  )
    checkCseqMethod(msg, out);
  // the top Via's branch: z9hG4bK and more
  if (msg.viaCount !== 0 && !cookieBranch(raw, ix[base + 2 * F_BRANCH]!, ix[base + 2 * F_BRANCH + 1]!))
    checkBranch(msg, out);
  if (firstOf[K_FROM]! >= 0 && ix[base + 2 * F_FROMTAG]! < 0) checkFromTag(msg, out);
  if (msg.bodyLength > 0 && ix[base + 2 * F_CTYPE]! < 0) checkContentType(msg, out);
  if (request) {
    const us = ix[base + 2 * F_URI]!;
    const ue = ix[base + 2 * F_URI + 1]!;
    if (
      us < 0 ||
      !((memAt >= 0 && lintUriTo(memAt + us, memAt + ue, -1) === memAt + ue) || uriClean(raw, us, ue))
    )
      checkRequestUri(msg, out);
  }
  // (where a name-addr field may report something: the reports in the general check's order, by
  // header, then field)
  if (!nameAddrsClean)
    for (let h = 0; h < NAME_ADDR_CLASSES.length; h++) {
      const c = NAME_ADDR_CLASSES[h]!;
      const first = firstOf[c]!;
      if (first < 0) continue;
      const list = NAME_ADDR_LIST[h]!;
      const name = NAME_ADDR_HEADERS[h]!;
      for (let i = first, o = o0 + first * HS; i < n; i++, o += HS) {
        if (fc[i] !== c) continue;
        nameAddrField(raw, ix[o + 2]!, ix[o + 3]!, c, list, name, out);
      }
    }
  if (firstOf[K_DATE]! >= 0 || firstOf[K_EXPIRES]! >= 0 || firstOf[K_RETRY]! >= 0 || firstOf[K_WARNING]! >= 0)
    checkScalars(msg, out);
}

/**
 * Whether the name-addr field value `raw[vs, ve)` of class `c` (`na`: its {@link NAME_ADDR_KIND}) may
 * report nothing: each element {@link nameAddrClean}, as {@link nameAddrField} reads them; asked of
 * the scanner first where the message lies in its memory ({@link memAt}).
 */
function fieldClean(raw: Uint8Array, vs: number, ve: number, c: number, na: number): boolean {
  if (memAt >= 0 && lintField(memAt + vs, memAt + ve, na) === 1) return true;
  return nameAddrField(raw, vs, ve, c, (na & NA_LIST) !== 0, null, null);
}

/**
 * The name-addr checks of the field value `raw[vs, ve)` of class `c` (a list: its elements), as
 * {@link checkNameAddrs} reads it: with `out`, each element that may report something is checked
 * ({@link checkNameAddrAt} as `name`); without, whether every element is {@link nameAddrClean}.
 */
function nameAddrField(
  raw: Uint8Array,
  vs: number,
  ve: number,
  c: number,
  list: boolean,
  name: string | null,
  out: Diagnostic[] | null,
): boolean {
  if (!list) {
    if (ve > vs && !nameAddrClean(raw, vs, ve, c)) {
      if (out === null) return false;
      checkNameAddrAt(raw, vs, ve, name!, out);
    }
    return true;
  }
  // (a value without a comma is one element: splitCommaSpans' trim of the whole)
  let comma = vs;
  while (comma < ve && raw[comma] !== 44) comma++;
  if (comma === ve) {
    let s = vs;
    let e = ve;
    while (s < e && isLws(raw[s])) s++;
    while (e > s && isLws(raw[e - 1])) e--;
    if (e > s && !nameAddrClean(raw, s, e, c)) {
      if (out === null) return false;
      checkNameAddrAt(raw, s, e, name!, out);
    }
    return true;
  }
  const ne = splitElements(raw, vs, ve);
  for (let k = 0; k < ne; k += 2) {
    const s = elemAt[k]!;
    const e = elemAt[k + 1]!;
    if (e > s && !nameAddrClean(raw, s, e, c)) {
      if (out === null) return false;
      checkNameAddrAt(raw, s, e, name!, out);
    }
  }
  return true;
}

/**
 * The certainty tests in JavaScript (tests compare the scanner's `lintNameAddr` / `lintUriTo` with
 * them); `kind` as the scanner takes it (1: To or From, 2: Contact, 0: another name-addr header).
 * @internal
 */
export const lintCertainty = {
  nameAddrClean: (raw: Uint8Array, s: number, e: number, kind: number): boolean =>
    nameAddrClean(raw, s, e, kind === 1 ? K_TO : kind === 2 ? K_CONTACT : cls('route')),
  uriCleanTo,
  /** {@link nameAddrField}'s test of a whole field value, `flags` as the scanner's `lintField` takes them. */
  fieldClean: (raw: Uint8Array, vs: number, ve: number, flags: number): boolean => {
    const kind = flags & 3;
    const c = kind === 1 ? K_TO : kind === 2 ? K_CONTACT : cls('route');
    return nameAddrField(raw, vs, ve, c, (flags & NA_LIST) !== 0, null, null);
  },
};

/**
 * text.ts `splitCommaSpans` into {@link elemAt}: the elements of `raw[s, e)` split at commas outside
 * quotes, `<>` and `[]`, trimmed of LWS; returns the number of slots written (two per element).
 */
function splitElements(raw: Uint8Array, s: number, e: number): number {
  let n = 0;
  let elemStart = s;
  let inQuote = false;
  let angle = false;
  let bracket = false;
  for (let i = s; i < e; i++) {
    const c = raw[i]!;
    if (inQuote) {
      if (c === 92) i++;
      else if (c === 34) inQuote = false;
      continue;
    }
    if (c === 34) inQuote = true;
    else if (c === 60) angle = true;
    else if (c === 62) angle = false;
    else if (c === 91) bracket = true;
    else if (c === 93) bracket = false;
    else if (c === 44 && !angle && !bracket) {
      n = pushElement(raw, elemStart, i, n);
      elemStart = i + 1;
    }
  }
  return pushElement(raw, elemStart, e, n);
}

function pushElement(raw: Uint8Array, a: number, b: number, n: number): number {
  while (a < b && isLws(raw[a])) a++;
  while (b > a && isLws(raw[b - 1])) b--;
  if (n + 2 > elemAt.length) elemAt = grow(elemAt, n + 2);
  elemAt[n] = a;
  elemAt[n + 1] = b;
  return n + 2;
}

/** {@link checkMandatory} from the classes of the fields ({@link firstOf}). */
function mandatoryIndexed(msg: ParsedMessage, request: boolean, out: Diagnostic[]): void {
  const where: Span = { start: msg.start, end: msg.bodyStart };
  for (const n of request ? REQUEST_MANDATORY : RESPONSE_MANDATORY) {
    if (firstOf[CLASS_OF.get(n)!]! < 0) {
      out.push(sipDiagnostic('header-missing', `The mandatory header ${DISPLAY[n] ?? n} is missing.`, where));
    }
  }
  if (request && firstOf[K_MAXF]! < 0) {
    out.push(sipDiagnostic('max-forwards-missing', 'The request has no Max-Forwards header.', where));
  }
}

/** {@link checkDuplicates} from the classes of the fields ({@link fieldClass}) and the index. */
function duplicatesIndexed(ix: Int32Array, o0: number, n: number, out: Diagnostic[]): void {
  const fc = fieldClass;
  for (const h of HEADER_NAMES) {
    if (!h.single) continue;
    const c = CLASS_OF.get(h.canonical)!;
    const first = firstOf[c]!;
    if (first < 0) continue;
    let count = 0;
    for (let i = first; i < n; i++) if (fc[i] === c) count++;
    if (count < 2) continue;
    for (let i = first + 1; i < n; i++) {
      if (fc[i] !== c) continue;
      const o = o0 + i * HS;
      out.push(
        sipDiagnostic('header-duplicate', `${h.display} appears ${count} times; it takes a single value.`, {
          start: ix[o]!,
          end: ix[o + 3]!,
        }),
      );
    }
  }
}

/** {@link checkNameAddr} of the element `raw[s, e)`, as {@link checkNameAddrs} calls it. */
function checkNameAddrAt(raw: Uint8Array, s: number, e: number, name: string, out: Diagnostic[]): void {
  checkNameAddr(decodeSpan(raw, s, e).replace(/\r?\n[ \t]+/g, ' '), { start: s, end: e }, name, out);
}

/** Whether two spans (either may be absent, -1) are both present with the same octets. */
function sameOctets(raw: Uint8Array, as: number, ae: number, bs: number, be: number): boolean {
  if (as < 0 || bs < 0) return true; // a null side: checkCseqMethod reports nothing
  if (ae - as !== be - bs) return false;
  for (let k = 0; k < ae - as; k++) if (raw[as + k] !== raw[bs + k]) return false;
  return true;
}

/** Whether the branch `raw[s, e)` is present and is "z9hG4bK" followed by at least one octet. */
function cookieBranch(raw: Uint8Array, s: number, e: number): boolean {
  return e - s > 7 && hasMagicCookie(raw, s, e);
}

/**
 * Whether the URI `raw[u0, u1)` is certain to draw nothing from {@link checkUri} and the URI decoder
 * (`parseUri`): {@link uriCleanTo} with no terminator.
 */
function uriClean(raw: Uint8Array, u0: number, u1: number): boolean {
  return uriCleanTo(raw, u0, u1, -1) === u1;
}

/**
 * Where the URI that starts at `raw[u0]` ends, when it is certain to draw nothing from
 * {@link checkUri} and the URI decoder (`parseUri`), else -1 (only "not certain"). It ends at the
 * first octet `term` (">" for a URI in "<...>", which no URI octet is) or at `lim`. Certain means:
 * `sip:` or `sips:` as written, an optional user of unreserved / user characters and `%` escapes (no
 * password), a host name with a letter, a valid IPv4 address or a valid bracketed IPv6 reference (no
 * `:::`, no last group that looks like a port), an optional port of digits up to 65535, then
 * `;name[=value]` parameters with distinct names (case-insensitive) of URI characters other than "?";
 * every "%" followed by two hex digits, no "@" after the host when there is no user (the decoder
 * would take it as the user's end). One pass over the octets (a URI without a user: its host twice).
 */
function uriCleanTo(raw: Uint8Array, u0: number, lim: number, term: number): number {
  if (lim - u0 < 5 || raw[u0] !== 115 || raw[u0 + 1] !== 105 || raw[u0 + 2] !== 112) return -1;
  let p: number;
  if (raw[u0 + 3] === 58) p = u0 + 4;
  else if (raw[u0 + 3] === 115 && raw[u0 + 4] === 58) p = u0 + 5;
  else return -1;
  // the user: O_USER octets up to the first "@" (parseUri's userinfo), escapes whole
  let k = p;
  for (; k < lim; k++) {
    const c = raw[k]!;
    if ((OCT[c]! & O_USER) === 0) break;
    if (c === 37 && !escapeAt(raw, k, lim)) return -1;
  }
  const hasUser = k < lim && raw[k] === 64;
  let h = p;
  if (hasUser) {
    if (k === p) return -1;
    h = k + 1;
  }
  k = h;
  if (k < lim && raw[k] === 91) {
    // an IPv6 reference: "]" before any ";", a valid address, no port-like last group (checkUri)
    let close = -1;
    for (let j = k + 1; j < lim; j++) {
      const c = raw[j]!;
      if (c === 93) {
        close = j;
        break;
      }
      if (c === 59 || c === term) break;
    }
    if (close < 0 || !ipv6Clean(raw, h + 1, close)) return -1;
    k = close + 1;
    if (k >= lim || raw[k] !== 58) {
      let g = close;
      while (raw[g - 1] !== 58) g--;
      if (close - g >= 4 && close - g <= 5 && digitsOnly(raw, g, close) && hasDoubleColon(raw, h + 1, close))
        return -1;
    }
  } else {
    let letter = false;
    let digitsDots = true;
    for (; k < lim; k++) {
      const f = OCT[raw[k]!]!;
      if ((f & O_ALPHA) !== 0) letter = true;
      else if ((f & O_DIGITDOT) === 0) {
        if (raw[k] === 45) digitsDots = false;
        else break;
      }
    }
    if (k === h) return -1;
    if (!letter && !(digitsDots && isIpv4At(raw, h, k))) return -1;
  }
  if (k < lim && raw[k] === 58) {
    const d0 = ++k;
    let port = 0;
    while (k < lim && raw[k]! >= 48 && raw[k]! <= 57) port = port * 10 + raw[k++]! - 48;
    if (k === d0 || port > 65535) return -1;
  }
  let np = 0;
  while (k < lim) {
    const c0 = raw[k]!;
    if (c0 === term) return k;
    if (c0 !== 59) return -1;
    const ns = ++k;
    let ne = -1;
    let vs = -1;
    for (; k < lim; k++) {
      const c = raw[k]!;
      if (c === 59 || c === term) break;
      if (c === 61) {
        if (ne < 0) {
          ne = k;
          vs = k + 1;
        }
        continue;
      }
      if ((OCT[c]! & O_URI) === 0) {
        if (c !== 37 || !escapeAt(raw, k, lim)) return -1;
      } else if (c === 64 && !hasUser) return -1;
    }
    if (ne < 0) ne = k;
    if (ne === ns || k === vs) return -1;
    for (let j = 0; j < np; j += 2) {
      if (sameNameFolded(raw, paramAt[j]!, paramAt[j + 1]!, ns, ne)) return -1;
    }
    if (np + 2 > paramAt.length) paramAt = grow(paramAt, np + 2);
    paramAt[np++] = ns;
    paramAt[np++] = ne;
  }
  return term < 0 ? k : -1;
}

/** Whether the "%" at `raw[k]` starts an escape: two hex digits before `lim`. */
function escapeAt(raw: Uint8Array, k: number, lim: number): boolean {
  return k + 2 < lim && (OCT[raw[k + 1]!]! & OCT[raw[k + 2]!]! & O_HEX) !== 0;
}

/**
 * Whether uri.ts `parseIpv6Groups` reads `raw[s, e)` as an IPv6 address without ":::" (so `checkIpv6`
 * reports nothing): hex groups of 1–4 digits, at most one "::", a dotted IPv4 address only as the
 * last part (two groups), eight groups in all, or at most seven with "::".
 */
function ipv6Clean(raw: Uint8Array, s: number, e: number): boolean {
  let groups = 0;
  let dbl = false;
  let k = s;
  if (e - s >= 2 && raw[s] === 58 && raw[s + 1] === 58) {
    dbl = true;
    k = s + 2;
    if (k === e) return true;
    if (raw[k] === 58) return false;
  }
  for (;;) {
    const g0 = k;
    while (k < e && (OCT[raw[k]!]! & O_HEX) !== 0) k++;
    if (k < e && raw[k] === 46) {
      if (!isIpv4At(raw, g0, e)) return false;
      groups += 2;
      break;
    }
    if (k === g0 || k - g0 > 4) return false;
    groups++;
    if (k === e) break;
    if (raw[k] !== 58) return false;
    k++;
    if (k === e) return false;
    if (raw[k] === 58) {
      if (dbl) return false;
      dbl = true;
      k++;
      if (k === e) break;
      if (raw[k] === 58) return false;
    }
  }
  return dbl ? groups <= 7 : groups === 8;
}

function digitsOnly(raw: Uint8Array, s: number, e: number): boolean {
  for (let k = s; k < e; k++) if (raw[k]! < 48 || raw[k]! > 57) return false;
  return true;
}

function hasDoubleColon(raw: Uint8Array, s: number, e: number): boolean {
  for (let k = s; k + 1 < e; k++) if (raw[k] === 58 && raw[k + 1] === 58) return true;
  return false;
}

function grow(a: Int32Array, need: number): Int32Array {
  const b = new Int32Array(Math.max(need, 2 * a.length));
  b.set(a);
  return b;
}

/** Whether `raw[as, ae)` and `raw[bs, be)` are the same ASCII name ignoring letter case. */
function sameNameFolded(raw: Uint8Array, as: number, ae: number, bs: number, be: number): boolean {
  if (ae - as !== be - bs) return false;
  for (let k = 0; k < ae - as; k++) {
    let x = raw[as + k]!;
    let y = raw[bs + k]!;
    if (x >= 65 && x <= 90) x |= 32;
    if (y >= 65 && y <= 90) y |= 32;
    if (x !== y) return false;
  }
  return true;
}

/**
 * Whether {@link checkNameAddr} is certain to report nothing for the element `raw[s, e)` of a header
 * of class `c`: its text is its octets (ASCII, no line break), and it is `[display] <URI> params` with a
 * quoted or token display name, or `URI params` without one, where {@link uriClean} holds for the URI
 * and, outside To and From, no parameter is empty and no Contact `expires` is written.
 */
function nameAddrClean(raw: Uint8Array, s: number, e: number, c: number): boolean {
  if (c === K_CONTACT && e - s === 1 && raw[s] === 42) return true;
  // "<" outside quotes, before any ";" (checkNameAddr's loop); every octet it passes is ASCII and no
  // line break (O_ODD), so the text checkNameAddr reads is these octets
  let i = s;
  let lt = -1;
  let quoted = false;
  while (i < e) {
    const ch = raw[i]!;
    if ((OCT[ch]! & O_ODD) !== 0) return false;
    if (ch === 34) {
      quoted = true;
      i++;
      while (i < e && raw[i] !== 34) {
        if ((OCT[raw[i]!]! & O_ODD) !== 0) return false;
        if (raw[i] === 92) {
          if (i + 1 < e && (OCT[raw[i + 1]!]! & O_ODD) !== 0) return false;
          i += 2;
        } else i++;
      }
      if (i >= e) return true; // an unterminated quote: checkNameAddr reports nothing
      i++;
      continue;
    }
    if (ch === 60) {
      lt = i;
      break;
    }
    if (ch === 59) break;
    i++;
  }
  let paramsFrom: number;
  if (lt >= 0) {
    let ds = s;
    let de = lt;
    while (ds < de && (OCT[raw[ds]!]! & O_TRIM) !== 0) ds++;
    while (de > ds && (OCT[raw[de - 1]!]! & O_TRIM) !== 0) de--;
    if (de > ds && raw[ds] !== 34) {
      for (let k = ds; k < de; k++) if ((OCT[raw[k]!]! & O_TOKENLWS) === 0) return false;
    }
    // the URI up to the first ">" (uriCleanTo takes no octet O_ODD marks)
    const gt = uriCleanTo(raw, lt + 1, e, 62);
    if (gt < 0) return false;
    paramsFrom = gt + 1;
  } else {
    if (quoted) return false;
    let semi = s;
    while (semi < e && raw[semi] !== 59) semi++;
    for (let k = s; k < semi; k++) if (raw[k] === 44) return false;
    if (!uriClean(raw, s, semi)) return false;
    paramsFrom = semi;
  }
  // To and From: checkNameAddr reads nothing after the URI (so the octets there may be anything)
  if (c === K_TO || c === K_FROM) return true;
  // no ";" followed (after \s*) by ";" or the end (/;\s*(;|$)/); no "expires" (any case) in a Contact's
  // parameters (the general check reads it); the octets ASCII, no line break
  const contact = c === K_CONTACT;
  for (let k = paramsFrom; k < e; k++) {
    const b = raw[k]!;
    if ((OCT[b]! & O_ODD) !== 0) return false;
    if (b === 59) {
      let j = k + 1;
      while (j < e && (OCT[raw[j]!]! & O_SPACE) !== 0) j++;
      if (j >= e || raw[j] === 59) return false;
    } else if (contact && (b | 32) === 101 && expiresAt(raw, k, e)) return false;
  }
  return true;
}

/** Whether "expires" (any letter case) is at `raw[k]` (before `e`). */
function expiresAt(raw: Uint8Array, k: number, e: number): boolean {
  if (k + 7 > e) return false;
  for (let j = 1; j < 7; j++) if ((raw[k + j]! | 32) !== EXPIRES[j]) return false;
  return true;
}
const EXPIRES = Uint8Array.from('expires', (c) => c.charCodeAt(0));
