/**
 * The message lint as it was before session 11's speed work (src/sip-core/message/lint.ts at 0362cf1,
 * only the imports changed and `lintMessage` renamed `referenceLint`): the reference the new lint is
 * compared with on generated and mutated messages (lint-diff.test.ts). Not used by the product.
 */
import type { Diagnostic, Span } from '../../../src/sip-core/diagnostic';
import {
  MESSAGE_DIAGNOSTICS,
  MESSAGE_DIAGNOSTIC_LIST,
  sipDiagnostic,
  type DiagnosticRule,
} from '../../../src/sip-core/message/diagnostic-codes';
import { HEADER_NAMES } from '../../../src/sip-core/message/header-names';
import type { SipMessage } from '../../../src/sip-core/message/sip-message';
import { decodeAllHeaders } from '../../../src/sip-core/message/typed';
import { parseUri } from '../../../src/sip-core/message/uri';
import { decodeSpan, splitCommaSpans } from '../../../src/sip-core/message/text';

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
export function referenceLint(msg: SipMessage, opts: LintOptions = {}): Diagnostic[] {
  const out: Diagnostic[] = [...msg.diagnostics];
  if (msg.kind === 'invalid') return out;
  if (opts.typed) out.push(...decodeAllHeaders(msg));
  checkMandatory(msg, out);
  checkDuplicates(msg, out);
  checkCseqMethod(msg, out);
  checkBranch(msg, out);
  checkFromTag(msg, out);
  checkContentType(msg, out);
  checkRequestUri(msg, out);
  checkNameAddrs(msg, out);
  checkScalars(msg, out);
  return out;
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
  if (c >= 0x30 && c <= 0x39) return true;
  if ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a) return true;
  return "-_.!~*'()&=+$,;?/:@[]%".includes(String.fromCharCode(c));
}

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
