/**
 * Via — RFC 3261 §20.42, §18.2.1 (received), §25.1; RFC 3581 (rport); RFC 5118 §4.5 (IPv6
 * `received` with or without brackets).
 * `via-parm = sent-protocol LWS sent-by *( SEMI via-params )`; one header value may hold several
 * comma-separated via-parms.
 */
import type { Diagnostic, Span } from '../../diagnostic';
import { type Param, paramNameAt, paramsAt, scanParams, STOP_COMMA } from '../params';
import { checkIpv6, classifyHost, type HostType, isIpv4, parseIpv6Groups } from '../uri';
import {
  C_ALPHA,
  C_HOST,
  C_TOKEN,
  CHAR,
  CHAR256,
  hostEndAt,
  hostLetter,
  parseUint,
  S_HVALUE8,
  scanToken,
  skipWs,
  STOP256,
} from './chars';
import { bareOut, diag, NO_DIAGNOSTICS, type Decoded } from './decoded';
import { valueText } from '../text';

export interface Via {
  /** protocol-name, e.g. `SIP`. */
  protocolName: string;
  protocolVersion: string;
  /** Transport, upper-cased (`UDP`, `TCP`, `TLS`, `SCTP`, `WS`, `WSS`, or an extension). */
  transport: string;
  /** sent-by host; an IPv6 reference keeps its brackets. */
  host: string;
  hostType: HostType;
  port: number | null;
  /** Every via-param in order (branch, received... included). */
  readonly params: Param[];
  branch: string | null;
  received: string | null;
  /** RFC 3581: null when absent, true when present without a value, else the port number. */
  rport: number | true | null;
  maddr: string | null;
  ttl: number | null;
  /** Where this via-parm stands within the decoded value. */
  readonly span: Span;
}

/**
 * A decoded Via value. `span` and `params` are made on read from what the value keeps: the span's two
 * offsets, and (for a value the octet fast path read) the positions of its `;name=value` list in the
 * string it was read from, made into `Param` objects on the first read of `params` (then cached).
 * The broken-out fields (branch, received, rport, maddr, ttl) are decoded at once. `toJSON` gives the
 * plain object the decoders built before session 10.
 */
export class ViaValue implements Via {
  protocolName: string;
  protocolVersion: string;
  transport: string;
  host: string;
  hostType: HostType;
  port: number | null;
  branch: string | null;
  received: string | null;
  rport: number | true | null;
  maddr: string | null;
  ttl: number | null;
  #params: Param[] | null;
  /**
   * The string the parameters stand in, from `#ps` to `#pe`, positions relative to `#base` (the value's
   * start: its span is 0 to `#pe - #base`, the list running to the value's end); null when `#params` was
   * given, and then `#ps` and `#pe` are the span.
   */
  #src: string | null;
  #ps: number;
  #pe: number;
  #base: number;
  constructor(
    protocolName: string,
    protocolVersion: string,
    transport: string,
    host: string,
    hostType: HostType,
    port: number | null,
    branch: string | null,
    received: string | null,
    rport: number | true | null,
    maddr: string | null,
    ttl: number | null,
    params: Param[] | null,
    src: string | null,
    ps: number,
    pe: number,
    base: number,
  ) {
    this.protocolName = protocolName;
    this.protocolVersion = protocolVersion;
    this.transport = transport;
    this.host = host;
    this.hostType = hostType;
    this.port = port;
    this.branch = branch;
    this.received = received;
    this.rport = rport;
    this.maddr = maddr;
    this.ttl = ttl;
    this.#params = params;
    this.#src = src;
    this.#ps = ps;
    this.#pe = pe;
    this.#base = base;
  }
  get params(): Param[] {
    return (this.#params ??= paramsAt(this.#src!, this.#ps, this.#pe, this.#base));
  }
  get span(): Span {
    return this.#src === null ? { start: this.#ps, end: this.#pe } : { start: 0, end: this.#pe - this.#base };
  }
  toJSON(): object {
    return {
      protocolName: this.protocolName,
      protocolVersion: this.protocolVersion,
      transport: this.transport,
      host: this.host,
      hostType: this.hostType,
      port: this.port,
      params: this.params,
      branch: this.branch,
      received: this.received,
      rport: this.rport,
      maddr: this.maddr,
      ttl: this.ttl,
      span: this.span,
    };
  }
}

const RFC_VIA = '3261 §20.42';
const RFC_ABNF = '3261 §25.1';
/** RFC 3261 §8.1.1.7: the branch of a compliant request begins with this magic cookie. */
export const BRANCH_MAGIC_COOKIE = 'z9hG4bK';
const KNOWN_TRANSPORTS = ['UDP', 'TCP', 'TLS', 'SCTP', 'TLS-SCTP', 'WS', 'WSS'];

function skipToComma(s: string, i: number, end: number): number {
  let inQuote = false;
  while (i < end) {
    const c = s.charCodeAt(i);
    if (c === 34) inQuote = !inQuote;
    else if (c === 44 && !inQuote) return i;
    i++;
  }
  return end;
}

function scanSlash(s: string, i: number, end: number): number {
  const j = skipWs(s, i, end);
  if (j < end && s.charCodeAt(j) === 47) return skipWs(s, j + 1, end);
  return -1;
}

function badVia(
  s: string,
  start: number,
  end: number,
  diags: Diagnostic[],
  msg: string,
  at: number,
): { via: null; next: number } {
  const next = skipToComma(s, at, end);
  diags.push(diag('via-bad-sent-protocol', msg, RFC_ABNF, { start, end: next }));
  return { via: null, next };
}

/** The transport token `s[i, end)` upper-cased; the usual ones as constants (no slice). */
function transportName(s: string, i: number, end: number): string {
  const n = end - i;
  if (n === 3) {
    if (s.startsWith('UDP', i)) return 'UDP';
    if (s.startsWith('TCP', i)) return 'TCP';
    if (s.startsWith('TLS', i)) return 'TLS';
  } else if (n === 2 && s.startsWith('WS', i)) return 'WS';
  return upper(s.slice(i, end));
}

function upper(t: string): string {
  for (let k = 0; k < t.length; k++) {
    const c = t.charCodeAt(k);
    if (c >= 97 && c <= 122) return t.toUpperCase();
  }
  return t;
}

function scanVia(
  s: string,
  start: number,
  end: number,
  diags: Diagnostic[],
): { via: Via | null; next: number } {
  let i = start;
  let protocolName: string;
  let protocolVersion: string;
  let transport: string;
  let tEnd: number;
  if (s.startsWith('SIP/2.0/', i)) {
    // the common form, written without LWS: constants instead of slices and case folding
    i = skipWs(s, i + 8, end);
    tEnd = scanToken(s, i, end);
    if (tEnd === i) return badVia(s, start, end, diags, 'Via sent-protocol lacks a transport.', i);
    protocolName = 'SIP';
    protocolVersion = '2.0';
    transport = transportName(s, i, tEnd);
  } else {
    const nEnd = scanToken(s, i, end);
    if (nEnd === i)
      return badVia(
        s,
        start,
        end,
        diags,
        `Via value "${s.slice(start, skipToComma(s, i, end))}" does not start with a sent-protocol.`,
        i,
      );
    protocolName = upper(s.slice(i, nEnd));
    i = scanSlash(s, nEnd, end);
    if (i < 0)
      return badVia(s, start, end, diags, 'Via sent-protocol lacks "/" after the protocol name.', nEnd);
    const verEnd = scanToken(s, i, end);
    if (verEnd === i) return badVia(s, start, end, diags, 'Via sent-protocol lacks a protocol version.', i);
    protocolVersion = s.slice(i, verEnd);
    i = scanSlash(s, verEnd, end);
    if (i < 0)
      return badVia(s, start, end, diags, 'Via sent-protocol lacks "/" before the transport.', verEnd);
    tEnd = scanToken(s, i, end);
    if (tEnd === i) return badVia(s, start, end, diags, 'Via sent-protocol lacks a transport.', i);
    transport = upper(s.slice(i, tEnd));
  }
  if (protocolName !== 'SIP' || protocolVersion !== '2.0') {
    diags.push(
      diag(
        'via-unknown-protocol',
        `Via protocol "${protocolName}/${protocolVersion}" is not SIP/2.0.`,
        RFC_VIA,
        { start, end: tEnd },
        'warning',
      ),
    );
  }
  if (!KNOWN_TRANSPORTS.includes(transport)) {
    diags.push(
      diag(
        'via-unknown-transport',
        `Via transport "${transport}" is not a registered SIP transport.`,
        RFC_VIA,
        { start: i, end: tEnd },
        'info',
      ),
    );
  }
  i = skipWs(s, tEnd, end);
  if (i === tEnd && i < end) {
    diags.push(
      diag(
        'via-missing-lws',
        'No LWS between sent-protocol and sent-by.',
        RFC_ABNF,
        { start: i, end: i + 1 },
        'warning',
      ),
    );
  }
  // sent-by = host [ COLON port ]
  const hStart = i;
  let host: string;
  let hostType: HostType = 'domain';
  if (i < end && s.charCodeAt(i) === 91) {
    let close = i + 1;
    while (
      close < end &&
      s.charCodeAt(close) !== 93 &&
      s.charCodeAt(close) !== 59 &&
      s.charCodeAt(close) !== 44
    )
      close++;
    if (close >= end || s.charCodeAt(close) !== 93) {
      diags.push(
        diag('via-bad-sent-by', 'IPv6 reference in sent-by has no closing "]".', RFC_ABNF, {
          start: i,
          end: close,
        }),
      );
      host = s.slice(i, close) + ']';
      checkIpv6(s, i + 1, close, diags);
      i = close;
    } else {
      host = s.slice(i, close + 1);
      checkIpv6(s, i + 1, close, diags);
      i = close + 1;
    }
    hostType = 'ipv6';
  } else {
    let k = i;
    let colons = 0;
    let firstColon = -1;
    // what the host octets are, so a plain domain name needs no second pass (classifyHost)
    let plainDomain = true;
    let letter = false;
    while (k < end) {
      const c = s.charCodeAt(k);
      if (c < 128) {
        const f = CHAR[c]!;
        if ((f & C_HOST) !== 0) {
          if ((f & C_ALPHA) !== 0 && firstColon < 0) letter = true;
          k++;
          continue;
        }
      }
      if (c === 59 || c === 44 || c === 32 || c === 9 || c === 13 || c === 10) break;
      if (c === 58) {
        colons++;
        if (firstColon < 0) firstColon = k;
      } else if (firstColon < 0) plainDomain = false;
      k++;
    }
    if (colons >= 2) {
      diags.push(
        diag(
          'uri-ipv6-without-brackets',
          `IPv6 sent-by "${s.slice(i, k)}" is not enclosed in "[ ]".`,
          '5118 §4.2',
          { start: i, end: k },
        ),
      );
      host = s.slice(i, k);
      hostType = 'ipv6';
      i = k;
    } else {
      const he = firstColon >= 0 ? firstColon : k;
      host = s.slice(i, he);
      // only host characters and at least one letter: a domain name, nothing to report (as classifyHost says)
      if (host.length && !(plainDomain && letter)) hostType = classifyHost(s, i, he, diags);
      i = he;
    }
  }
  if (host.length === 0) {
    diags.push(
      diag('via-bad-sent-by', 'Via has no sent-by host.', RFC_ABNF, {
        start: hStart,
        end: Math.max(hStart, i),
      }),
    );
  }
  let port: number | null = null;
  let j = skipWs(s, i, end);
  if (j < end && s.charCodeAt(j) === 58) {
    j = skipWs(s, j + 1, end);
    let k = j;
    while (k < end && s.charCodeAt(k) >= 48 && s.charCodeAt(k) <= 57) k++;
    const n = parseUint(s, j, k);
    if (Number.isNaN(n) || n > 65535) {
      diags.push(
        diag('via-bad-port', `Bad sent-by port "${s.slice(j, k)}".`, RFC_ABNF, { start: j, end: k }),
      );
    } else port = n;
    i = k;
  }
  const params: Param[] = [];
  i = scanParams(s, i, end, params, diags, STOP_COMMA);
  const via = finishVia(
    s,
    start,
    i,
    protocolName,
    protocolVersion,
    transport,
    host,
    hostType,
    port,
    params,
    diags,
  );
  return { via, next: i };
}

/**
 * The Via of a scanned via-parm `s[start, vEnd)`: the parameters RFC 3261 §20.42 / RFC 3581 give
 * meaning to, read and checked (shared by the general scan and {@link parseViaAt}'s fast path).
 */
function finishVia(
  s: string,
  start: number,
  vEnd: number,
  protocolName: string,
  protocolVersion: string,
  transport: string,
  host: string,
  hostType: HostType,
  port: number | null,
  params: Param[],
  diags: Diagnostic[],
): ViaValue {
  // One pass over the parameters for the ones RFC 3261 §20.42 / RFC 3581 give meaning to
  // (first occurrence wins, as with getParam). undefined = absent, null = valueless.
  let branch: string | null | undefined;
  let received: string | null | undefined;
  let rportRaw: string | null | undefined;
  let maddr: string | null | undefined;
  let ttlRaw: string | null | undefined;
  for (let k = 0; k < params.length; k++) {
    const p = params[k]!;
    switch (p.name) {
      case 'branch':
        if (branch === undefined) branch = p.value;
        break;
      case 'received':
        if (received === undefined) received = p.value;
        break;
      case 'rport':
        if (rportRaw === undefined) rportRaw = p.value;
        break;
      case 'maddr':
        if (maddr === undefined) maddr = p.value;
        break;
      case 'ttl':
        if (ttlRaw === undefined) ttlRaw = p.value;
        break;
    }
  }
  let rport: number | true | null = null;
  if (rportRaw === null) rport = true;
  else if (typeof rportRaw === 'string') {
    const n = parseUint(rportRaw, 0, rportRaw.length);
    if (Number.isNaN(n) || n > 65535) {
      diags.push(diag('via-bad-rport', `Bad rport value "${rportRaw}".`, '3581 §3', { start, end: vEnd }));
    } else rport = n;
  }
  let ttl: number | null = null;
  if (typeof ttlRaw === 'string') {
    const n = parseUint(ttlRaw, 0, ttlRaw.length);
    if (Number.isNaN(n) || n > 255)
      diags.push(diag('via-bad-ttl', `Bad ttl value "${ttlRaw}".`, RFC_ABNF, { start, end: vEnd }));
    else ttl = n;
  }
  if (branch === undefined) {
    diags.push(
      diag(
        'via-branch-missing',
        'Via has no branch parameter (RFC 2543 style transaction matching).',
        '3261 §8.1.1.7',
        { start, end: vEnd },
        'warning',
      ),
    );
  } else if (branch === null || branch.length === 0) {
    diags.push(
      diag('via-branch-empty', 'Via branch parameter has no value.', '3261 §8.1.1.7', { start, end: vEnd }),
    );
  } else if (branch === BRANCH_MAGIC_COOKIE) {
    diags.push(
      diag(
        'via-branch-cookie-only',
        'Via branch is only the magic cookie "z9hG4bK" with no transaction identifier (RFC 4475 §3.2.1).',
        '3261 §8.1.1.7',
        { start, end: vEnd },
        'warning',
      ),
    );
  } else if (!hasCookie(branch)) {
    diags.push(
      diag(
        'via-branch-missing-cookie',
        `Via branch "${branch}" does not begin with the magic cookie "z9hG4bK" (RFC 2543 peer).`,
        '3261 §8.1.1.7',
        { start, end: vEnd },
        'warning',
      ),
    );
  }
  let receivedOut: string | null = null;
  if (typeof received === 'string') {
    receivedOut = received;
    if (received.charCodeAt(0) === 91) {
      diags.push(
        diag(
          'via-received-brackets',
          `received="${received}" carries "[ ]" (not strict RFC 3261 ABNF; accepted per RFC 5118 §4.5).`,
          '5118 §4.5',
          { start, end: vEnd },
          'info',
        ),
      );
    } else if (!isIpv4(received) && parseIpv6Groups(received) === null) {
      diags.push(
        diag(
          'via-bad-received',
          `received="${received}" is not an IP address.`,
          '3261 §18.2.1',
          { start, end: vEnd },
          'warning',
        ),
      );
    }
  }
  return new ViaValue(
    protocolName,
    protocolVersion,
    transport,
    host,
    hostType,
    port,
    typeof branch === 'string' ? branch : null,
    receivedOut,
    rport,
    typeof maddr === 'string' ? maddr : null,
    ttl,
    params,
    null,
    start,
    vEnd,
    0,
  );
}

/** Whether `branch` begins with the magic cookie "z9hG4bK" (`startsWith` without the builtin call). */
function hasCookie(branch: string): boolean {
  if (branch.length < 7) return false;
  for (let k = 0; k < 7; k++) if (branch.charCodeAt(k) !== BRANCH_MAGIC_COOKIE.charCodeAt(k)) return false;
  return true;
}

/** Parses a Via header value (one or more comma-separated via-parms). */
export function parseVia(value: string): Decoded<Via[]> {
  const diags: Diagnostic[] = [];
  const out: Via[] = [];
  const end = value.length;
  let i = 0;
  while (true) {
    i = skipWs(value, i, end);
    if (i >= end) {
      if (out.length === 0)
        diags.push(diag('header-empty', 'Empty Via header value.', RFC_VIA, { start: 0, end }));
      break;
    }
    if (value.charCodeAt(i) === 44) {
      diags.push(
        diag('list-element-empty', 'Empty element in the Via list.', '3261 §7.3.1', { start: i, end: i + 1 }),
      );
      i++;
      continue;
    }
    const r = scanVia(value, i, end, diags);
    if (r.via) out.push(r.via);
    i = skipWs(value, r.next, end);
    if (i < end && value.charCodeAt(i) !== 44) {
      const k = skipToComma(value, i, end);
      diags.push(
        diag('via-trailing-garbage', `Unexpected text "${value.slice(i, k)}" in Via.`, RFC_ABNF, {
          start: i,
          end: k,
        }),
      );
      i = k;
    }
    if (i >= end) break;
    i++;
    if (skipWs(value, i, end) >= end) {
      diags.push(diag('list-element-empty', 'Trailing "," in Via.', '3261 §7.3.1', { start: i - 1, end }));
      break;
    }
  }
  return { value: out, diagnostics: diags };
}

/**
 * {@link parseVia} of a value that is the octets `raw[at, at + value.length)` read as ASCII (a header
 * value of a parsed message): the usual form, one via-parm `SIP/2.0/UDP|TCP|TLS host[:port]` followed by
 * `;name[=value]` parameters without LWS, quotes or commas, is read from the octets in one pass (an
 * element load costs a fraction of `charCodeAt` on the sliced string); anything else, and every value
 * with something to report on the way, goes to {@link parseVia}. The result is the same either way
 * (test/sip-core/message/typed/via-fast.test.ts).
 */
export function parseViaAt(value: string, raw: Uint8Array, at: number): Decoded<Via[]> {
  const v = viaFast(value, 0, value.length, raw, at);
  return v !== null ? { value: [v], diagnostics: bareOut.diags } : parseVia(value);
}

/**
 * {@link parseViaAt} of the value `s[so, so + len)` (a slice of a longer string, e.g. the message's
 * header section, so the value needs no string of its own unless the general decoder runs).
 */
export function parseViaSpan(
  s: string,
  so: number,
  len: number,
  raw: Uint8Array,
  at: number,
): Decoded<Via[]> {
  const v = viaFast(s, so, len, raw, at);
  return v !== null ? { value: [v], diagnostics: bareOut.diags } : parseVia(s.slice(so, so + len));
}

/**
 * {@link parseViaSpan} without the wrappers (the full typed parse keeps values per field): a single
 * {@link ViaValue} from the fast path, else the general decoder's list; the diagnostics in
 * {@link bareOut}.
 */
export function viaSpanValue(
  s: string,
  so: number,
  len: number,
  raw: Uint8Array,
  at: number,
): Via | Via[] | null {
  const v = viaFast(s, so, len, raw, at);
  if (v !== null) return v;
  const d = parseVia(valueText(s, so, len, raw, at));
  bareOut.diags = d.diagnostics;
  return d.value;
}

/** {@link parseViaAt}'s fast path alone: its result, or null where {@link parseVia} must run (tests). */
export function viaFastPath(s: string, b: Uint8Array, o: number): Decoded<Via[]> | null {
  const v = viaFast(s, 0, s.length, b, o);
  return v !== null ? { value: [v], diagnostics: bareOut.diags } : null;
}

/**
 * The fast path over the value `s[so, so + end)` = the octets `b[o, o + end)`: positions below are
 * relative to the value (the result's spans), `so` is added only to slice `s`. The value's
 * diagnostics are left in {@link bareOut}.
 */
function viaFast(s: string, so: number, end: number, b: Uint8Array, o: number): ViaValue | null {
  // (module constants in locals: the compiler reloads a module binding at every use, in every loop step)
  const ch = CHAR256;
  const stop = STOP256;
  const TOKEN = C_TOKEN;
  // (the stops of an unquoted value, and every octet above 127: the value is then declined, so what the
  // fast path slices is ASCII; see chars.ts S_HVALUE8)
  const HVALUE = S_HVALUE8;
  if (
    end < 13 ||
    b[o] !== 83 || // S
    b[o + 1] !== 73 || // I
    b[o + 2] !== 80 || // P
    b[o + 3] !== 47 || // /
    b[o + 4] !== 50 || // 2
    b[o + 5] !== 46 || // .
    b[o + 6] !== 48 || // 0
    b[o + 7] !== 47 || // /
    b[o + 11] !== 32 // one SP after a three-letter transport
  )
    return null;
  const t0 = b[o + 8];
  const t1 = b[o + 9];
  const t2 = b[o + 10];
  let transport: string;
  if (t0 === 85 && t1 === 68 && t2 === 80) transport = 'UDP';
  else if (t0 === 84 && t1 === 67 && t2 === 80) transport = 'TCP';
  else if (t0 === 84 && t1 === 76 && t2 === 83) transport = 'TLS';
  else return null;
  // sent-by host: host characters only (a domain name, or what classifyHost reads as an address)
  let i = hostEndAt(b, o + 12, o + end) - o;
  const letter = hostLetter;
  if (i === 12) return null;
  // (a list of its own only where something may be reported)
  let diags = NO_DIAGNOSTICS;
  const he = i;
  const host = s.slice(so + 12, so + he);
  let hostType: HostType = 'domain';
  if (!letter) {
    diags = [];
    hostType = classifyHost(s, so + 12, so + he, diags);
    for (const d of diags) if (d.span) d.span = { start: d.span.start - so, end: d.span.end - so };
  }
  let port: number | null = null;
  if (i < end && b[o + i] === 58) {
    let k = i + 1;
    let n = 0;
    while (k < end) {
      const c = b[o + k]!;
      if (c < 48 || c > 57) break;
      n = n * 10 + (c - 48);
      k++;
    }
    if (k === i + 1 || k - i > 6 || n > 65535) return null;
    port = n;
    i = k;
  }
  // parameters: ";" token [ "=" value ], nothing between them; the first branch / received / rport /
  // maddr / ttl noted on the way (as finishVia reads them: first occurrence wins; undefined = absent).
  // No Param objects: the value keeps where its parameter list stands (ps, end) and makes the list on
  // first read (ViaValue.params, paramsAt: the same names, values and spans).
  const ps = i;
  let branch: string | null | undefined;
  let received: string | null | undefined;
  let rport: number | true | null | undefined;
  let maddr: string | null | undefined;
  // whether everything finishVia checks is known to pass (else it runs, for the same result)
  let plain = true;
  while (i < end) {
    if (b[o + i] !== 59) return null;
    const nStart = i + 1;
    let j: number;
    let name: string;
    const c1 = b[o + nStart];
    if (
      c1 === 98 && // "branch=" (the usual names read as such: no token loop, no name lookup)
      b[o + i + 2] === 114 &&
      b[o + i + 3] === 97 &&
      b[o + i + 4] === 110 &&
      b[o + i + 5] === 99 &&
      b[o + i + 6] === 104 &&
      b[o + i + 7] === 61
    ) {
      j = i + 7;
      name = 'branch';
    } else if (
      c1 === 114 && // "received="
      b[o + i + 2] === 101 &&
      b[o + i + 3] === 99 &&
      b[o + i + 4] === 101 &&
      b[o + i + 5] === 105 &&
      b[o + i + 6] === 118 &&
      b[o + i + 7] === 101 &&
      b[o + i + 8] === 100 &&
      b[o + i + 9] === 61
    ) {
      j = i + 9;
      name = 'received';
    } else {
      j = nStart;
      while (j < end) {
        const c = b[o + j]!;
        if ((ch[c]! & TOKEN) === 0) break;
        j++;
      }
      if (j === nStart) return null;
      name = paramNameAt(s, b, o - so, so + nStart, so + j);
    }
    if (j < end && b[o + j] === 61) {
      const vStart = j + 1;
      let k = vStart;
      // a branch's magic cookie (seven octets, none of them a stop) is stepped over once seen
      const cookie = name === 'branch' && vStart + 7 <= end && hasCookieAt(b, o + vStart);
      if (cookie) k += 7;
      // the first received's IPv4 address read as one while its octets are stepped over (uri.ts isIpv4:
      // four parts of 1-3 digits, each at most 255); the value must end right after it
      let ipv4 = false;
      if (name === 'received' && received === undefined) {
        let parts = 0;
        let n = 0;
        let len = 0;
        let ok = true;
        while (k < end) {
          const c = b[o + k]!;
          if (c >= 48 && c <= 57) {
            n = n * 10 + (c - 48);
            len++;
          } else if (c === 46) {
            if (len === 0 || len > 3 || n > 255) ok = false;
            parts++;
            n = 0;
            len = 0;
          } else break;
          k++;
        }
        ipv4 =
          ok &&
          parts === 3 &&
          len !== 0 &&
          len <= 3 &&
          n <= 255 &&
          (k >= end || (stop[b[o + k]!]! & HVALUE) !== 0);
      }
      if (!ipv4) {
        // (host characters are no stop: stepped over four at a time first; an IPv4 received ends at
        // the end or at a stop, where both loops would stop at once)
        k = hostEndAt(b, o + k, o + end) - o;
        while (k < end) {
          const c = b[o + k]!;
          // what ends (or cannot be in) an unquoted value here: SP HT CR LF ";" "," DQUOTE, and an
          // octet above 127 (declined at the next step: not ";")
          if ((stop[c]! & HVALUE) !== 0) break;
          k++;
        }
      }
      if (k === vStart) return null;
      if (name === 'branch') {
        if (branch === undefined) {
          branch = s.slice(so + vStart, so + k);
          // RFC 3261 §8.1.1.7: the magic cookie and an identifier after it (else finishVia reports)
          if (!(cookie && k - vStart > 7)) plain = false;
        }
      } else if (name === 'received') {
        if (received === undefined) {
          received = s.slice(so + vStart, so + k);
          if (!ipv4) plain = false;
        }
      } else if (name === 'rport') {
        if (rport === undefined) {
          const n = k - vStart <= 5 ? digitsAt(b, o + vStart, o + k) : -1;
          if (n < 0 || n > 65535) plain = false;
          rport = n;
        }
      } else if (name === 'maddr') {
        if (maddr === undefined) maddr = s.slice(so + vStart, so + k);
      } else if (name === 'ttl') plain = false;
      i = k;
    } else {
      if (name === 'rport') {
        if (rport === undefined) rport = true;
      } else if (name === 'branch' || name === 'received' || name === 'maddr' || name === 'ttl')
        plain = false;
      i = j;
    }
  }
  if (!plain || branch === undefined) {
    if (diags === NO_DIAGNOSTICS) diags = [];
    const params = paramsAt(s, so + ps, so + end, so);
    const via = finishVia(s, 0, end, 'SIP', '2.0', transport, host, hostType, port, params, diags);
    bareOut.diags = diags;
    return via;
  }
  // finishVia's result, with nothing to report (the checks above passed)
  const via = new ViaValue(
    'SIP',
    '2.0',
    transport,
    host,
    hostType,
    port,
    branch,
    received ?? null,
    rport ?? null,
    maddr ?? null,
    null,
    null,
    s,
    so + ps,
    so + end,
    so,
  );
  bareOut.diags = diags;
  return via;
}

/** Whether the octets at `at` are the magic cookie "z9hG4bK" (the caller checks the length). */
function hasCookieAt(b: Uint8Array, at: number): boolean {
  return (
    b[at] === 122 && // z
    b[at + 1] === 57 && // 9
    b[at + 2] === 104 && // h
    b[at + 3] === 71 && // G
    b[at + 4] === 52 && // 4
    b[at + 5] === 98 && // b
    b[at + 6] === 75 // K
  );
}

/** The decimal number of the digits `b[s, e)`, or -1 (no digits, or another octet). */
function digitsAt(b: Uint8Array, s: number, e: number): number {
  if (s >= e) return -1;
  let n = 0;
  for (let k = s; k < e; k++) {
    const c = b[k]!;
    if (c < 48 || c > 57) return -1;
    n = n * 10 + (c - 48);
  }
  return n;
}

/** Serializes one via-parm. */
export function formatVia(v: Via): string {
  let out = `${v.protocolName}/${v.protocolVersion}/${v.transport} ${v.host}`;
  if (v.port !== null) out += ':' + v.port;
  for (const p of v.params) out += p.value === null ? ';' + p.name : ';' + p.name + '=' + p.value;
  return out;
}
