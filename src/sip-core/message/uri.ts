/**
 * SIP, SIPS and tel URIs; every other scheme is kept opaque.
 * @remarks RFC 3261 §19.1 (SIP/SIPS URI components, §19.1.4 comparison, §25.1 ABNF),
 * RFC 3966 (tel URI: global and local numbers, parameters), RFC 5118 (IPv6 references, §4.10
 * three-colon tolerance), RFC 4475 §3.1.1.3/§3.1.1.4 (%-escapes are decoded for comparison only;
 * the raw text is kept).
 * https://www.rfc-editor.org/rfc/rfc3261#section-19.1
 */
import type { Diagnostic } from '../diagnostic';
import { diag, type Decoded } from './headers/decoded';
import { C_ALPHA, C_DIGIT, C_HEX, C_HOST, C_UNRESERVED, CHAR, lower } from './headers/chars';
import { EMPTY_PARAMS, type Param, paramsAt, scanParams, STOP_QMARK, URI_MODE } from './params';

export type HostType = 'domain' | 'ipv4' | 'ipv6';

/** A URI header (`?name=value&…`); name and value keep their %-escapes. */
export interface UriHeader {
  name: string;
  value: string;
}

/** SIP or SIPS URI — RFC 3261 §19.1.1. Strings keep their %-escapes as written. */
export interface SipUri {
  scheme: 'sip' | 'sips';
  user: string | null;
  password: string | null;
  /** Host as written; an IPv6 reference keeps its brackets (`[2001:db8::1]`). */
  host: string;
  hostType: HostType;
  port: number | null;
  readonly params: Param[];
  readonly headers: UriHeader[];
}

/** The empty URI header list every URI without `?headers` shares (frozen). */
export const EMPTY_URI_HEADERS: UriHeader[] = Object.freeze([]) as unknown as UriHeader[];

/**
 * A decoded SIP or SIPS URI. `params` is kept, for a URI an octet fast path read, as the positions of its
 * `;name=value` list in the string it was read from and made into `Param` objects on first read (then
 * cached); a URI without parameters or headers shares the frozen empty lists. `toJSON` gives the plain
 * object the decoders built before session 10.
 */
export class SipUriValue implements SipUri {
  scheme: 'sip' | 'sips';
  user: string | null;
  password: string | null;
  host: string;
  hostType: HostType;
  port: number | null;
  #params: Param[] | null;
  #headers: UriHeader[];
  #src: string | null;
  #ps: number;
  #pe: number;
  #base: number;
  constructor(
    scheme: 'sip' | 'sips',
    user: string | null,
    password: string | null,
    host: string,
    hostType: HostType,
    port: number | null,
    params: Param[] | null,
    headers: UriHeader[],
    src: string | null,
    ps: number,
    pe: number,
    base: number,
  ) {
    this.scheme = scheme;
    this.user = user;
    this.password = password;
    this.host = host;
    this.hostType = hostType;
    this.port = port;
    this.#params = params;
    this.#headers = headers;
    this.#src = src;
    this.#ps = ps;
    this.#pe = pe;
    this.#base = base;
  }
  get params(): Param[] {
    return (this.#params ??= paramsAt(this.#src!, this.#ps, this.#pe, this.#base));
  }
  get headers(): UriHeader[] {
    return this.#headers;
  }
  toJSON(): object {
    return {
      scheme: this.scheme,
      user: this.user,
      password: this.password,
      host: this.host,
      hostType: this.hostType,
      port: this.port,
      params: this.params,
      headers: this.headers,
    };
  }
}

/** tel URI — RFC 3966 §3. */
export interface TelUri {
  scheme: 'tel';
  /** The telephone-subscriber number as written (with visual separators), without parameters. */
  number: string;
  /** True for a global number (`+` followed by digits). */
  global: boolean;
  params: Param[];
}

/** Any other absolute URI (RFC 3261 §25.1 `absoluteURI`), kept as scheme plus opaque text. */
export interface OpaqueUri {
  scheme: string;
  opaque: string;
}

export type Uri = SipUri | TelUri | OpaqueUri;

export function isSipUri(u: Uri): u is SipUri {
  return u.scheme === 'sip' || u.scheme === 'sips';
}
export function isTelUri(u: Uri): u is TelUri {
  return u.scheme === 'tel';
}

const RFC_URI = '3261 §19.1.1';
const RFC_ABNF = '3261 §25.1';
const RFC_TEL = '3966 §3';

/** user-unreserved = "&" / "=" / "+" / "$" / "," / ";" / "?" / "/" */
const USER_EXTRA = '&=+$,;?/';
/** password chars beyond unreserved/escaped: "&" / "=" / "+" / "$" / "," */
const PASSWORD_EXTRA = '&=+$,';

/**
 * Parses a URI. Never throws: a result with `value: null` means no scheme could be found.
 * Spans in diagnostics are offsets within `text`.
 */
export function parseUri(text: string): Decoded<Uri> {
  const diags: Diagnostic[] = [];
  const end = text.length;
  // the common schemes, lower case as written: no slice, no case folding
  if (text.startsWith('sip:')) return { value: parseSipBody(text, 4, end, 'sip', diags), diagnostics: diags };
  if (text.startsWith('sips:'))
    return { value: parseSipBody(text, 5, end, 'sips', diags), diagnostics: diags };
  let i = 0;
  // scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )
  while (i < end) {
    const c = text.charCodeAt(i);
    if (c < 128 && (CHAR[c]! & (i === 0 ? C_ALPHA : C_ALPHA | C_DIGIT)) !== 0) i++;
    else if (i > 0 && (c === 43 || c === 45 || c === 46)) i++;
    else break;
  }
  if (i === 0 || i >= end || text.charCodeAt(i) !== 58) {
    diags.push(diag('uri-no-scheme', `No URI scheme in "${text}".`, RFC_ABNF, { start: 0, end }));
    return { value: null, diagnostics: diags };
  }
  const scheme = lower(text.slice(0, i));
  if (scheme === 'sip' || scheme === 'sips') {
    return { value: parseSipBody(text, i + 1, end, scheme, diags), diagnostics: diags };
  }
  if (scheme === 'tel') return { value: parseTelBody(text, i + 1, end, diags), diagnostics: diags };
  if (i + 1 >= end) {
    diags.push(
      diag(
        'uri-empty',
        `URI "${text}" has nothing after the scheme.`,
        RFC_ABNF,
        { start: 0, end },
        'warning',
      ),
    );
  }
  return { value: { scheme, opaque: text.slice(i + 1) }, diagnostics: diags };
}

function checkEscapes(
  s: string,
  start: number,
  end: number,
  extra: string,
  what: string,
  diags: Diagnostic[],
): void {
  let badChar = -1;
  let badEscape = -1;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c === 37) {
      // One diagnostic per component (the first bad escape), however many there are.
      if (i + 2 >= end || !isHex(s.charCodeAt(i + 1)) || !isHex(s.charCodeAt(i + 2))) {
        if (badEscape < 0) badEscape = i;
        continue;
      }
      i += 2;
      continue;
    }
    if (c < 128 && (CHAR[c]! & C_UNRESERVED) !== 0) continue;
    if (extra.indexOf(s[i]!) >= 0) continue;
    if (badChar < 0) badChar = i;
  }
  if (badEscape >= 0) {
    diags.push(
      diag(
        'uri-bad-escape',
        `"%" not followed by two hex digits in the ${what}.`,
        RFC_ABNF,
        { start: badEscape, end: Math.min(end, badEscape + 3) },
        'warning',
      ),
    );
  }
  if (badChar >= 0) {
    diags.push(
      diag(
        'uri-bad-char',
        `Character "${s[badChar]}" must be %-escaped in the ${what}.`,
        RFC_ABNF,
        { start: badChar, end: badChar + 1 },
        'warning',
      ),
    );
  }
}

function isHex(c: number): boolean {
  return c < 128 && (CHAR[c]! & C_HEX) !== 0;
}

function parseSipBody(
  s: string,
  i: number,
  end: number,
  scheme: 'sip' | 'sips',
  diags: Diagnostic[],
): SipUri {
  let user: string | null = null;
  let password: string | null = null;
  // userinfo ends at the first "@": user and password cannot contain an unescaped "@".
  let at = s.indexOf('@', i);
  if (at >= end) at = -1;
  if (at >= 0) {
    let colon = -1;
    for (let k = i; k < at; k++) {
      if (s.charCodeAt(k) === 58) {
        colon = k;
        break;
      }
    }
    const uEnd = colon >= 0 ? colon : at;
    user = s.slice(i, uEnd);
    if (uEnd === i) {
      diags.push(
        diag(
          'uri-empty-user',
          'The userinfo part has an empty user.',
          RFC_ABNF,
          { start: i, end: at },
          'warning',
        ),
      );
    } else checkEscapes(s, i, uEnd, USER_EXTRA, 'user part', diags);
    if (colon >= 0) {
      password = s.slice(colon + 1, at);
      checkEscapes(s, colon + 1, at, PASSWORD_EXTRA, 'password', diags);
    }
    i = at + 1;
  }
  // host
  const hStart = i;
  let host: string;
  let hostType: HostType;
  let port: number | null = null;
  if (i < end && s.charCodeAt(i) === 91) {
    let close = -1;
    for (let k = i + 1; k < end; k++) {
      const c = s.charCodeAt(k);
      if (c === 93) {
        close = k;
        break;
      }
      if (c === 59 || c === 63) break;
    }
    if (close < 0) {
      diags.push(
        diag('uri-bad-ipv6', 'IPv6 reference has no closing "]".', '5118 §4.1', { start: i, end }, 'error'),
      );
      let k = i + 1;
      while (k < end && s.charCodeAt(k) !== 59 && s.charCodeAt(k) !== 63) k++;
      host = s.slice(i, k) + ']';
      hostType = 'ipv6';
      i = k;
    } else {
      host = s.slice(i, close + 1);
      hostType = 'ipv6';
      checkIpv6(s, i + 1, close, diags);
      i = close + 1;
    }
  } else {
    let colons = 0;
    let k = i;
    let hEnd = -1;
    // what the host octets are, so a plain domain name needs no second pass (classifyHost)
    let plainDomain = true;
    let letter = false;
    while (k < end) {
      const c = s.charCodeAt(k);
      if (c < 128) {
        const f = CHAR[c]!;
        if ((f & C_HOST) !== 0) {
          if ((f & C_ALPHA) !== 0 && hEnd < 0) letter = true;
          k++;
          continue;
        }
      }
      if (c === 59 || c === 63) break;
      if (c === 58) {
        if (hEnd < 0) hEnd = k;
        colons++;
      } else if (hEnd < 0) plainDomain = false;
      k++;
    }
    if (colons >= 2) {
      // RFC 5118 §4.2: an IPv6 address in a SIP URI MUST be a bracketed reference.
      diags.push(
        diag(
          'uri-ipv6-without-brackets',
          `IPv6 address "${s.slice(i, k)}" is not enclosed in "[ ]".`,
          '5118 §4.2',
          { start: i, end: k },
        ),
      );
      host = s.slice(i, k);
      hostType = 'ipv6';
      checkIpv6(s, i, k, diags);
      i = k;
    } else {
      const he = hEnd >= 0 ? hEnd : k;
      host = s.slice(i, he);
      // only host characters and at least one letter: a domain name, nothing to report (as classifyHost says)
      hostType = plainDomain && letter ? 'domain' : classifyHost(s, i, he, diags);
      i = he;
    }
  }
  if (host.length === 0)
    diags.push(diag('uri-no-host', 'The URI has no host.', RFC_URI, { start: hStart, end: i }));
  if (i < end && s.charCodeAt(i) === 58) {
    const pStart = i + 1;
    let k = pStart;
    let n = 0;
    let ok = true;
    while (k < end) {
      const c = s.charCodeAt(k);
      if (c === 59 || c === 63) break;
      if (c < 48 || c > 57) ok = false;
      else n = n * 10 + (c - 48);
      k++;
    }
    if (!ok || k === pStart || n > 65535) {
      diags.push(
        diag('uri-bad-port', `Bad port "${s.slice(pStart, k)}".`, RFC_ABNF, { start: pStart, end: k }),
      );
      if (ok && k > pStart) port = n;
    } else port = n;
    i = k;
  }
  const params: Param[] = [];
  if (i < end && s.charCodeAt(i) === 59) {
    i = scanParams(s, i, end, params, diags, URI_MODE | STOP_QMARK);
    checkDuplicateParams(params, diags);
  }
  const headers: UriHeader[] = [];
  if (i < end && s.charCodeAt(i) === 63) {
    i = parseUriHeaders(s, i + 1, end, headers, diags);
  }
  if (i < end) {
    diags.push(
      diag('uri-trailing-garbage', `Unexpected text "${s.slice(i, end)}" in the URI.`, RFC_ABNF, {
        start: i,
        end,
      }),
    );
  }
  return new SipUriValue(
    scheme,
    user,
    password,
    host,
    hostType,
    port,
    params.length === 0 ? EMPTY_PARAMS : params,
    headers.length === 0 ? EMPTY_URI_HEADERS : headers,
    null,
    0,
    0,
    0,
  );
}

function checkDuplicateParams(params: Param[], diags: Diagnostic[]): void {
  for (let a = 1; a < params.length; a++) {
    for (let b = 0; b < a; b++) {
      if (params[a]!.name === params[b]!.name) {
        diags.push(
          diag(
            'uri-duplicate-param',
            `URI parameter "${params[a]!.name}" appears more than once.`,
            RFC_URI,
            params[a]!.span,
            'warning',
          ),
        );
        break;
      }
    }
  }
}

function parseUriHeaders(s: string, i: number, end: number, out: UriHeader[], diags: Diagnostic[]): number {
  while (i <= end) {
    let k = i;
    let eq = -1;
    while (k < end) {
      const c = s.charCodeAt(k);
      if (c === 38) break;
      if (c === 61 && eq < 0) eq = k;
      k++;
    }
    if (eq < 0 || eq === i) {
      diags.push(
        diag(
          'uri-bad-header',
          `URI header "${s.slice(i, k)}" is not name=value.`,
          RFC_ABNF,
          { start: i, end: k },
          'warning',
        ),
      );
      if (k > i) out.push({ name: s.slice(i, eq < 0 ? k : eq), value: eq < 0 ? '' : s.slice(eq + 1, k) });
    } else {
      out.push({ name: s.slice(i, eq), value: s.slice(eq + 1, k) });
    }
    if (k >= end) return end;
    i = k + 1;
  }
  return end;
}

/**
 * Classifies `s[start, end)` as an IPv4 address or a domain name, pushing diagnostics for bad
 * characters (RFC 3261 §25.1 `hostname` / `IPv4address`).
 */
export function classifyHost(s: string, start: number, end: number, diags: Diagnostic[]): HostType {
  if (start >= end) return 'domain';
  let digitsDots = true;
  let bad = -1;
  let underscore = -1;
  for (let k = start; k < end; k++) {
    const c = s.charCodeAt(k);
    if (c !== 46 && (c < 48 || c > 57)) digitsDots = false;
    if (c < 128 && (CHAR[c]! & C_HOST) !== 0) continue;
    if (c === 95) {
      if (underscore < 0) underscore = k;
      continue;
    }
    if (bad < 0) bad = k;
  }
  if (digitsDots) {
    if (!isIpv4(s, start, end)) {
      diags.push(
        diag('uri-bad-ipv4', `"${s.slice(start, end)}" is not a valid IPv4 address.`, RFC_ABNF, {
          start,
          end,
        }),
      );
    }
    return 'ipv4';
  }
  if (bad >= 0) {
    diags.push(
      diag('uri-bad-host', `Character "${s[bad]}" is not allowed in a host name.`, RFC_ABNF, {
        start: bad,
        end: bad + 1,
      }),
    );
  } else if (underscore >= 0) {
    diags.push(
      diag(
        'uri-host-underscore',
        'Host name contains "_" (not in the hostname grammar).',
        RFC_ABNF,
        { start: underscore, end: underscore + 1 },
        'info',
      ),
    );
  }
  return 'domain';
}

/** True when `s[start, end)` is a dotted-quad IPv4 address (each part 0–255, 1–3 digits). */
export function isIpv4(s: string, start = 0, end = s.length): boolean {
  let parts = 0;
  let n = 0;
  let len = 0;
  for (let k = start; k <= end; k++) {
    const c = k < end ? s.charCodeAt(k) : 46;
    if (c === 46) {
      if (len === 0 || len > 3 || n > 255) return false;
      parts++;
      n = 0;
      len = 0;
    } else if (c >= 48 && c <= 57) {
      n = n * 10 + (c - 48);
      len++;
    } else return false;
  }
  return parts === 4;
}

/** Validates an IPv6 address in `s[start, end)` (no brackets), pushing diagnostics (RFC 5118). */
export function checkIpv6(s: string, start: number, end: number, diags: Diagnostic[]): void {
  const r = parseIpv6Groups(s.slice(start, end));
  if (r === null) {
    diags.push(
      diag('uri-bad-ipv6', `"${s.slice(start, end)}" is not a valid IPv6 address.`, '5118 §4.1', {
        start,
        end,
      }),
    );
  } else if (r.threeColons) {
    diags.push(
      diag(
        'ipv6-three-colons',
        `IPv6 reference "${s.slice(start, end)}" uses ":::" before an IPv4 part (RFC 3261 ABNF bug; tolerated).`,
        '5118 §4.10',
        { start, end },
        'warning',
      ),
    );
  }
}

/**
 * Parses an IPv6 address (no brackets) into its eight 16-bit groups, or null. Accepts a trailing
 * dotted IPv4 part and tolerates the RFC 3261 ":::" form (RFC 5118 §4.10).
 */
export function parseIpv6Groups(text: string): { groups: number[]; threeColons: boolean } | null {
  let t = text;
  let threeColons = false;
  const tri = t.indexOf(':::');
  if (tri >= 0) {
    if (t.indexOf(':::', tri + 1) >= 0 || t.indexOf('::::') >= 0) return null;
    threeColons = true;
    t = t.slice(0, tri) + '::' + t.slice(tri + 3);
  }
  const dbl = t.indexOf('::');
  if (dbl >= 0 && t.indexOf('::', dbl + 1) >= 0) return null;
  const head = dbl >= 0 ? t.slice(0, dbl) : t;
  const tail = dbl >= 0 ? t.slice(dbl + 2) : '';
  const hg = head.length ? head.split(':') : [];
  const tg = tail.length ? tail.split(':') : [];
  const out: number[] = [];
  const last = dbl >= 0 ? tg : hg;
  const v4: number[] = [];
  if (last.length > 0 && last[last.length - 1]!.indexOf('.') >= 0) {
    const p = last.pop()!;
    if (!isIpv4(p)) return null;
    const b = p.split('.').map(Number);
    v4.push((b[0]! << 8) | b[1]!, (b[2]! << 8) | b[3]!);
  }
  const conv = (g: string): number => {
    if (g.length === 0 || g.length > 4) return -1;
    let n = 0;
    for (let k = 0; k < g.length; k++) {
      const c = g.charCodeAt(k);
      if (!isHex(c)) return -1;
      n = n * 16 + parseInt(g[k]!, 16);
    }
    return n;
  };
  const hn = hg.map(conv);
  const tn = tg.map(conv);
  if (hn.some((n) => n < 0) || tn.some((n) => n < 0)) return null;
  const total = hn.length + tn.length + v4.length;
  if (dbl >= 0) {
    if (total > 7) return null;
    out.push(...hn);
    for (let k = 0; k < 8 - total; k++) out.push(0);
    out.push(...tn, ...v4);
  } else {
    if (total !== 8) return null;
    out.push(...hn, ...v4);
  }
  return { groups: out, threeColons };
}

/**
 * Canonical text of an IPv6 address or reference for comparison (RFC 5118 §4: `[::1]` equals
 * `[0:0:0:0:0:0:0:1]`): eight lower-case hex groups, no brackets. Null when not an IPv6 address.
 */
export function canonicalIpv6(text: string): string | null {
  let t = text;
  if (t.length >= 2 && t.charCodeAt(0) === 91 && t.charCodeAt(t.length - 1) === 93) t = t.slice(1, -1);
  const r = parseIpv6Groups(t);
  return r ? r.groups.map((g) => g.toString(16)).join(':') : null;
}

/** tel URI body — RFC 3966 §3: global-number-digits / local-number-digits, then parameters. */
function parseTelBody(s: string, i: number, end: number, diags: Diagnostic[]): TelUri {
  const nStart = i;
  while (i < end && s.charCodeAt(i) !== 59) i++;
  const number = s.slice(nStart, i);
  const global = number.charCodeAt(0) === 43;
  let digits = 0;
  let bad = -1;
  for (let k = global ? 1 : 0; k < number.length; k++) {
    const c = number.charCodeAt(k);
    if (c >= 48 && c <= 57) digits++;
    else if (!global && (isHex(c) || c === 42 || c === 35)) digits++;
    else if (c === 45 || c === 46 || c === 40 || c === 41) continue;
    else if (bad < 0) bad = k;
  }
  if (digits === 0 || bad >= 0) {
    diags.push(
      diag('tel-bad-number', `"${number}" is not a valid telephone-subscriber number.`, RFC_TEL, {
        start: nStart,
        end: i,
      }),
    );
  }
  const params: Param[] = [];
  i = scanParams(s, i, end, params, diags, URI_MODE);
  if (i < end) {
    diags.push(
      diag('uri-trailing-garbage', `Unexpected text "${s.slice(i, end)}" in the tel URI.`, RFC_TEL, {
        start: i,
        end,
      }),
    );
  }
  if (!global && !params.some((p) => p.name === 'phone-context')) {
    diags.push(
      diag(
        'tel-missing-phone-context',
        `Local number "${number}" has no phone-context parameter.`,
        '3966 §5.1.5',
        { start: nStart, end: i },
        'warning',
      ),
    );
  }
  return { scheme: 'tel', number, global, params };
}

// ---------------------------------------------------------------------------------------------
// Escapes and comparison

const RESERVED = ';/?:@&=+$,';

/**
 * Canonical form of %-escaped text for comparison (RFC 3261 §19.1.4: characters other than
 * "reserved" are equivalent to their escaped form): escapes of non-reserved characters are
 * decoded, escapes of reserved characters stay as `%HH` with upper-case hex. Decodes once, never
 * recursively (RFC 4475 §3.1.1.3).
 */
export function canonicalEscapes(s: string): string {
  if (s.indexOf('%') < 0) return s;
  let out = '';
  let seg = 0;
  for (let i = 0; i < s.length; i++) {
    if (
      s.charCodeAt(i) !== 37 ||
      i + 2 >= s.length ||
      !isHex(s.charCodeAt(i + 1)) ||
      !isHex(s.charCodeAt(i + 2))
    )
      continue;
    const code = parseInt(s.slice(i + 1, i + 3), 16);
    const ch = String.fromCharCode(code);
    out += s.slice(seg, i) + (RESERVED.indexOf(ch) >= 0 ? '%' + s.slice(i + 1, i + 3).toUpperCase() : ch);
    i += 2;
    seg = i + 1;
  }
  return out + s.slice(seg);
}

const ENCODER = new TextEncoder();

function latin1(bytes: number[]): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 8192) out += String.fromCharCode(...bytes.slice(i, i + 8192));
  return out;
}

/**
 * Decodes every valid `%HH` escape once (RFC 4475 §3.1.1.3: `v%61lue%25%34%31` → `value%41`).
 * Decoded octets are read as UTF-8 when they form valid UTF-8, else as Latin-1. For display.
 */
export function unescapeUri(s: string): string {
  if (s.indexOf('%') < 0) return s;
  const bytes: number[] = [];
  let high = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 37 && i + 2 < s.length && isHex(s.charCodeAt(i + 1)) && isHex(s.charCodeAt(i + 2))) {
      const b = parseInt(s.slice(i + 1, i + 3), 16);
      if (b >= 128) high = true;
      bytes.push(b);
      i += 2;
    } else if (c < 128) bytes.push(c);
    else {
      // Keep non-ASCII characters of the input as UTF-8 so one decoder handles both.
      const enc = ENCODER.encode(s[i]!);
      for (const b of enc) bytes.push(b);
      high = true;
    }
  }
  if (!high) return latin1(bytes);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(bytes));
  } catch {
    return latin1(bytes);
  }
}

function canonCI(s: string | null): string | null {
  return s === null ? null : lower(canonicalEscapes(s));
}

const SPECIAL_PARAMS = ['user', 'ttl', 'method', 'maddr', 'transport'];

function hostKey(u: SipUri): string {
  if (u.hostType === 'ipv6') return canonicalIpv6(u.host) ?? lower(u.host);
  return lower(u.host);
}

function paramValue(params: readonly Param[], name: string): string | null | undefined {
  for (const p of params) if (p.name === name) return p.value;
  return undefined;
}

/**
 * URI equality — RFC 3261 §19.1.4 for sip/sips (user and password case-sensitive, escapes
 * equivalent, host case-insensitive, IPv6 references compared canonically per RFC 5118,
 * `user`/`ttl`/`method`/`maddr`/`transport` must appear in both or neither, other parameters only
 * compared when in both, headers must all match, an absent port is NOT equal to 5060);
 * RFC 3966 §4 for tel (visual separators ignored, parameters order-independent); other schemes
 * compare scheme and text. Unparseable strings are never equal to anything.
 */
export function uriEquals(a: Uri | string, b: Uri | string): boolean {
  const ua = typeof a === 'string' ? parseUri(a).value : a;
  const ub = typeof b === 'string' ? parseUri(b).value : b;
  if (!ua || !ub || ua.scheme !== ub.scheme) return false;
  if (isSipUri(ua) && isSipUri(ub)) {
    if ((ua.user === null) !== (ub.user === null)) return false;
    if (ua.user !== null && canonicalEscapes(ua.user) !== canonicalEscapes(ub.user!)) return false;
    const pa = ua.password === null ? null : canonicalEscapes(ua.password);
    const pb = ub.password === null ? null : canonicalEscapes(ub.password);
    if (pa !== pb) return false;
    if (hostKey(ua) !== hostKey(ub)) return false;
    if (ua.port !== ub.port) return false;
    for (const name of SPECIAL_PARAMS) {
      const va = paramValue(ua.params, name);
      const vb = paramValue(ub.params, name);
      if ((va === undefined) !== (vb === undefined)) return false;
    }
    for (const p of ua.params) {
      const vb = paramValue(ub.params, p.name);
      if (vb === undefined) continue;
      if (canonCI(p.value) !== canonCI(vb)) return false;
    }
    if (ua.headers.length !== ub.headers.length) return false;
    for (const h of ua.headers) {
      const n = canonCI(h.name);
      const v = canonCI(h.value);
      if (!ub.headers.some((g) => canonCI(g.name) === n && canonCI(g.value) === v)) return false;
    }
    return true;
  }
  if (isTelUri(ua) && isTelUri(ub)) {
    if (ua.global !== ub.global) return false;
    if (telDigits(ua.number) !== telDigits(ub.number)) return false;
    if (ua.params.length !== ub.params.length) return false;
    for (const p of ua.params) {
      const vb = paramValue(ub.params, p.name);
      if (vb === undefined) return false;
      let va = canonCI(p.value);
      let vbb = canonCI(vb);
      if (p.name === 'phone-context' && va !== null && vbb !== null) {
        va = telDigits(va);
        vbb = telDigits(vbb);
      }
      if (va !== vbb) return false;
    }
    return true;
  }
  const oa = ua as OpaqueUri;
  const ob = ub as OpaqueUri;
  return canonicalEscapes(oa.opaque) === canonicalEscapes(ob.opaque);
}

/** The number without visual separators (`-`, `.`, `(`, `)`), lower-cased — RFC 3966 §4. */
export function telDigits(number: string): string {
  let out = '';
  let seg = 0;
  for (let i = 0; i < number.length; i++) {
    const c = number.charCodeAt(i);
    if (c === 45 || c === 46 || c === 40 || c === 41) {
      out += number.slice(seg, i);
      seg = i + 1;
    }
  }
  return lower(out + number.slice(seg));
}

/** Serializes a URI (escapes kept as stored). */
export function formatUri(uri: Uri): string {
  if (isSipUri(uri)) {
    let out = uri.scheme + ':';
    if (uri.user !== null) {
      out += uri.user;
      if (uri.password !== null) out += ':' + uri.password;
      out += '@';
    }
    out += uri.host;
    if (uri.port !== null) out += ':' + uri.port;
    for (const p of uri.params) out += p.value === null ? ';' + p.name : ';' + p.name + '=' + p.value;
    for (let k = 0; k < uri.headers.length; k++) {
      const h = uri.headers[k]!;
      out += (k === 0 ? '?' : '&') + h.name + '=' + h.value;
    }
    return out;
  }
  if (isTelUri(uri)) {
    let out = 'tel:' + uri.number;
    for (const p of uri.params) out += p.value === null ? ';' + p.name : ';' + p.name + '=' + p.value;
    return out;
  }
  const o = uri as OpaqueUri;
  return o.scheme + ':' + o.opaque;
}

/** The value of URI parameter `name` (lower case): string, null (valueless) or undefined (absent). */
export function uriParam(uri: Uri, name: string): string | null | undefined {
  return 'params' in uri ? paramValue(uri.params, name) : undefined;
}
