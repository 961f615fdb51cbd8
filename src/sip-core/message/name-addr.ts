/**
 * name-addr / addr-spec values: From, To, Contact, Route, Record-Route, Reply-To, Refer-To,
 * P-Asserted-Identity, Diversion, History-Info, …
 * @remarks RFC 3261 §20.10 and §25.1:
 * `name-addr = [ display-name ] LAQUOT addr-spec RAQUOT`, `display-name = *(token LWS) / quoted-string`.
 * "If the URI is not enclosed in angle brackets, any semicolon-delimited parameters are
 * header-parameters, not URI parameters" (§20). Lenient per RFC 4475: no LWS before `<`
 * (§3.1.1.6) is accepted; spaces inside `< >` (§3.1.2.14), an unterminated quote (§3.1.2.6),
 * non-token display names (§3.1.2.15) and unbracketed URIs with `?` (§3.1.2.13) are flagged.
 */
import type { Diagnostic, Span } from '../diagnostic';
import { bareOut, diag, NO_DIAGNOSTICS, rebase, type Decoded } from './headers/decoded';
import { valueText } from './text';
import {
  C_ALPHA,
  C_HOST,
  C_TOKEN,
  CHAR,
  CHAR256,
  hostEndAt,
  hostLetter,
  isIpv4At,
  S_HVALUE8,
  S_UVALUE8,
  scanQuoted,
  skipWs,
  STOP256,
  trimEnd,
} from './headers/chars';
import {
  EMPTY_PARAMS,
  getParam,
  type Param,
  paramNameAt,
  paramsAt,
  quote,
  scanParams,
  STOP_COMMA,
} from './params';
import {
  classifyHost,
  EMPTY_URI_HEADERS,
  formatUri,
  type HostType,
  isIpv4,
  parseUri,
  SipUriValue,
  type Uri,
} from './uri';

/** One name-addr or addr-spec with its header parameters. */
export interface NameAddr {
  /** Display name, unquoted and unescaped; null when absent. */
  displayName: string | null;
  displayNameQuoted: boolean;
  /** The parsed URI, or null when it could not be parsed (see diagnostics and `uriText`). */
  uri: Uri | null;
  /** The URI exactly as written (without the angle brackets). */
  uriText: string;
  /** True for the name-addr form `<…>`, false for a bare addr-spec. */
  angle: boolean;
  /** Header parameters after the address (tag, expires, q, …). */
  readonly params: Param[];
  /** Convenience: the `tag` parameter (From/To), null when absent or valueless. */
  tag: string | null;
  /** Where this value stands within the decoded string. */
  readonly span: Span;
}

/**
 * A decoded name-addr / addr-spec. `span` is made on read from its two offsets; `params`, for a value
 * the octet fast path read, from the positions of its `;name=value` list in the string it was read from
 * (on the first read, then cached). `uri`, for a value the octet fast path read, is made on its first
 * read (then cached) from the positions that path found and checked (user, host, port, parameters:
 * every check ran during the parse, so what is made then is what the parse would have made).
 * `toJSON` gives the plain object the decoders built before session 10.
 */
export class NameAddrValue implements NameAddr {
  displayName: string | null;
  displayNameQuoted: boolean;
  uriText: string;
  angle: boolean;
  tag: string | null;
  #start: number;
  #end: number;
  #params: Param[] | null;
  #src: string | null;
  #ps: number;
  #pe: number;
  #base: number;
  /** The URI; undefined until the first read of a URI the fast path read (see {@link NameAddrValue.uri}). */
  #uri: Uri | null | undefined;
  /** Where the fast path's URI starts in `#src` (after "<"); it ends just before the header parameters. */
  #us: number;
  constructor(
    displayName: string | null,
    displayNameQuoted: boolean,
    uri: Uri | null | undefined,
    uriText: string,
    angle: boolean,
    tag: string | null,
    start: number,
    end: number,
    params: Param[] | null,
    src: string | null,
    ps: number,
    pe: number,
    base: number,
    us: number,
  ) {
    this.displayName = displayName;
    this.displayNameQuoted = displayNameQuoted;
    this.uriText = uriText;
    this.angle = angle;
    this.tag = tag;
    this.#start = start;
    this.#end = end;
    this.#params = params;
    this.#src = src;
    this.#ps = ps;
    this.#pe = pe;
    this.#base = base;
    this.#uri = uri;
    this.#us = us;
  }
  /**
   * The parsed URI. For a value the octet fast path read, the `SipUriValue` is made here on the first
   * read from the URI's text `#src[us, gt)` (`gt` just before the header parameters), which that path
   * checked during the parse: `sip:` or `sips:`, [user "@"] host of host characters, [":" port], then
   * distinct `;name[=value]` parameters up to `>`. So this walk finds the same user, host, port and
   * parameter list, and the host type that path told (a letter: a domain name; else an IPv4 address
   * or what `classifyHost` says, with nothing to report).
   */
  get uri(): Uri | null {
    const u = this.#uri;
    if (u !== undefined) return u;
    const s = this.#src!;
    const gt = this.#ps - 1;
    const us = this.#us;
    const sips = s.charCodeAt(us + 3) !== 58;
    const p = us + (sips ? 5 : 4);
    const ch = CHAR;
    let k = p;
    let acc = 0;
    let c: number;
    while (k < gt && ((c = ch[s.charCodeAt(k)]!) & C_HOST) !== 0) {
      acc |= c;
      k++;
    }
    let user: string | null = null;
    let hs = p;
    if (k < gt && s.charCodeAt(k) === 64) {
      user = s.slice(p, k);
      hs = ++k;
      acc = 0;
      while (k < gt && ((c = ch[s.charCodeAt(k)]!) & C_HOST) !== 0) {
        acc |= c;
        k++;
      }
    }
    const host = s.slice(hs, k);
    let hostType: HostType = 'domain';
    if ((acc & C_ALPHA) === 0) {
      hostType = isIpv4(s, hs, k) ? 'ipv4' : classifyHost(s, hs, k, []);
    }
    let port: number | null = null;
    if (k < gt && s.charCodeAt(k) === 58) {
      let n = 0;
      for (k++; k < gt; k++) {
        const d = s.charCodeAt(k) - 48;
        if (d < 0 || d > 9) break;
        n = n * 10 + d;
      }
      port = n;
    }
    return (this.#uri = new SipUriValue(
      sips ? 'sips' : 'sip',
      user,
      null,
      host,
      hostType,
      port,
      k === gt ? EMPTY_PARAMS : null,
      EMPTY_URI_HEADERS,
      s,
      k,
      gt,
      us,
    ));
  }
  set uri(v: Uri | null) {
    this.#uri = v;
  }
  get params(): Param[] {
    return (this.#params ??= paramsAt(this.#src!, this.#ps, this.#pe, this.#base));
  }
  get span(): Span {
    return { start: this.#start, end: this.#end };
  }
  toJSON(): object {
    return {
      displayName: this.displayName,
      displayNameQuoted: this.displayNameQuoted,
      uri: this.uri,
      uriText: this.uriText,
      angle: this.angle,
      params: this.params,
      tag: this.tag,
      span: this.span,
    };
  }
}

/** Contact header value: either the wildcard `*` (REGISTER, RFC 3261 §10.2.2) or a list. */
export interface ContactValue {
  wildcard: boolean;
  /** Parameters after `*` (e.g. `;expires=0`), empty otherwise. */
  params: Param[];
  contacts: NameAddr[];
}

const RFC_NA = '3261 §25.1';
/** Where RFC 3261 says how a URI sits in an address header (the `<...>` rules). */
const RFC_ADDR = '3261 §20.10';

/**
 * Parses one element starting at `i`. Returns the index after it (at a top-level `,` in list
 * mode, or at `end`). `out.v` is null when nothing usable was found.
 */
function scanNameAddr(
  s: string,
  i: number,
  end: number,
  list: boolean,
  diags: Diagnostic[],
  out: { v: NameAddr | null },
): number {
  const start = skipWs(s, i, end);
  i = start;
  let displayName: string | null = null;
  let quoted = false;
  let angleAt = -1;
  out.v = null;
  if (i >= end) return i;
  const c0 = s.charCodeAt(i);
  if (c0 === 34) {
    const q = { text: '' };
    const after = scanQuoted(s, i, end, q);
    quoted = true;
    if (after < 0) {
      // RFC 4475 §3.1.2.6: the closing quote may be inferred, carefully: before the first "<".
      const lt = s.indexOf('<', i);
      diags.push(
        diag('quoted-string-unterminated', 'Display name has no closing quote.', RFC_NA, {
          start: i,
          end,
        }),
      );
      if (lt < 0 || lt >= end) return end;
      displayName = s.slice(i + 1, trimEnd(s, i + 1, lt));
      angleAt = lt;
    } else {
      displayName = q.text;
      i = skipWs(s, after, end);
      if (i < end && s.charCodeAt(i) === 60) angleAt = i;
      else {
        diags.push(
          diag('name-addr-missing-laquot', 'A quoted display name must be followed by "<".', RFC_NA, {
            start: i,
            end: Math.min(end, i + 1),
          }),
        );
        // Fall through as an addr-spec after the display name.
      }
    }
  } else if (c0 === 60) {
    angleAt = i;
  } else {
    // Either an unquoted display name followed by "<", or an addr-spec ("scheme:").
    let k = i;
    let bad = -1;
    let sawWs = false;
    let lastNonWs = i;
    while (k < end) {
      const c = s.charCodeAt(k);
      if (c === 60 || c === 58 || c === 59 || c === 34 || (list && c === 44)) break;
      if (c === 32 || c === 9 || c === 13 || c === 10) sawWs = true;
      else {
        lastNonWs = k + 1;
        if ((c >= 128 || (CHAR[c]! & C_TOKEN) === 0) && bad < 0) bad = k;
      }
      k++;
    }
    if (k < end && s.charCodeAt(k) === 60) {
      displayName = s.slice(i, lastNonWs);
      angleAt = k;
      if (bad >= 0) {
        diags.push(
          diag(
            'display-name-invalid',
            `Unquoted display name "${displayName}" contains "${s[bad]}", which is not a token character; it must be quoted.`,
            RFC_NA,
            { start: i, end: lastNonWs },
          ),
        );
      } else if (!sawWs && lastNonWs === k && k > i) {
        diags.push(
          diag(
            'display-name-no-lws',
            'No LWS between the display name and "<" (accepted, RFC 4475 §3.1.1.6).',
            RFC_NA,
            { start: i, end: k + 1 },
            'info',
          ),
        );
      }
    }
  }
  let uriStart: number;
  let uriEnd: number;
  let angle = false;
  if (angleAt >= 0) {
    angle = true;
    const gt = s.indexOf('>', angleAt + 1);
    if (gt < 0 || gt >= end) {
      diags.push(
        diag('name-addr-unterminated', 'No closing ">" after "<".', RFC_NA, { start: angleAt, end }),
      );
      uriStart = angleAt + 1;
      uriEnd = end;
      i = end;
    } else {
      uriStart = angleAt + 1;
      uriEnd = gt;
      i = gt + 1;
    }
    const ts = skipWs(s, uriStart, uriEnd);
    const te = trimEnd(s, ts, uriEnd);
    if (ts !== uriStart || te !== uriEnd) {
      diags.push(
        diag('addr-spec-whitespace', 'Spaces inside "< >" around the URI (RFC 4475 §3.1.2.14).', RFC_ADDR, {
          start: angleAt,
          end: i,
        }),
      );
    }
    uriStart = ts;
    uriEnd = te;
  } else {
    // addr-spec: the URI ends at LWS, at "," (list) or at the first ";" after the userinfo.
    uriStart = i;
    let stop = i;
    while (stop < end) {
      const c = s.charCodeAt(stop);
      if (c === 32 || c === 9 || c === 13 || c === 10 || (list && c === 44)) break;
      stop++;
    }
    let from = uriStart;
    for (let k = uriStart; k < stop; k++) {
      if (s.charCodeAt(k) === 64) {
        from = k;
        break;
      }
    }
    uriEnd = stop;
    for (let k = from; k < stop; k++) {
      const c = s.charCodeAt(k);
      if (c === 59 || (!list && c === 44)) {
        uriEnd = k;
        break;
      }
    }
    for (let k = from; k < uriEnd; k++) {
      if (s.charCodeAt(k) === 63) {
        diags.push(
          diag(
            'addr-spec-needs-angle-brackets',
            'A URI with "?" headers must be enclosed in "< >" (RFC 4475 §3.1.2.13).',
            RFC_ADDR,
            { start: uriStart, end: uriEnd },
          ),
        );
        break;
      }
    }
    i = uriEnd;
  }
  const uriText = s.slice(uriStart, uriEnd);
  let uri: Uri | null = null;
  if (uriText.length === 0) {
    diags.push(
      diag('name-addr-no-uri', 'No URI in the address.', RFC_NA, { start, end: Math.max(i, start) }),
    );
  } else {
    const d = parseUri(uriText);
    uri = d.value;
    if (d.diagnostics.length) for (const x of rebase(d.diagnostics, uriStart)) diags.push(x);
  }
  const params: Param[] = [];
  i = scanParams(s, i, end, params, diags, list ? STOP_COMMA : 0);
  const vEnd = trimEnd(s, start, i);
  i = skipWs(s, i, end);
  if (i < end && !(list && s.charCodeAt(i) === 44)) {
    let k = i;
    if (list) while (k < end && s.charCodeAt(k) !== 44) k++;
    else k = end;
    const code = !list && s.charCodeAt(i) === 44 ? 'multiple-values' : 'name-addr-trailing-garbage';
    diags.push(
      diag(
        code,
        code === 'multiple-values'
          ? 'A single-valued header carries more than one value.'
          : `Unexpected text "${s.slice(i, k)}" after the address.`,
        code === 'multiple-values' ? '3261 §7.3.1' : RFC_NA,
        { start: i, end: k },
      ),
    );
    i = k;
  }
  const tag = getParam(params, 'tag');
  out.v = new NameAddrValue(
    displayName,
    quoted,
    uri,
    uriText,
    angle,
    typeof tag === 'string' ? tag : null,
    start,
    vEnd,
    params.length === 0 ? EMPTY_PARAMS : params,
    null,
    0,
    0,
    0,
    0,
  );
  return i;
}

/** Parses a single name-addr or addr-spec with header parameters (From, To, Refer-To, …). */
export function parseNameAddr(value: string): Decoded<NameAddr> {
  const diags: Diagnostic[] = [];
  const out: { v: NameAddr | null } = { v: null };
  scanNameAddr(value, 0, value.length, false, diags, out);
  if (out.v === null && diags.length === 0) {
    diags.push(
      diag('header-empty', 'Empty header value where an address is required.', RFC_NA, {
        start: 0,
        end: value.length,
      }),
    );
  }
  return { value: out.v, diagnostics: diags };
}

/**
 * Parses a comma-separated list of name-addr / addr-spec values (Contact, Route, Record-Route,
 * P-Asserted-Identity, …); commas inside quotes and `< >` do not split.
 */
export function parseNameAddrList(value: string): Decoded<NameAddr[]> {
  const diags: Diagnostic[] = [];
  const list: NameAddr[] = [];
  const end = value.length;
  const out: { v: NameAddr | null } = { v: null };
  let i = 0;
  while (true) {
    const before = skipWs(value, i, end);
    if (before >= end) {
      if (list.length === 0) {
        diags.push(
          diag('header-empty', 'Empty header value where an address list is required.', RFC_NA, {
            start: 0,
            end,
          }),
        );
      } else {
        diags.push(
          diag('list-element-empty', 'Trailing "," with no value after it.', '3261 §7.3.1', {
            start: Math.max(0, i - 1),
            end,
          }),
        );
      }
      break;
    }
    if (value.charCodeAt(before) === 44) {
      diags.push(
        diag('list-element-empty', 'Empty element in a comma-separated list.', '3261 §7.3.1', {
          start: before,
          end: before + 1,
        }),
      );
      i = before + 1;
      continue;
    }
    const next = scanNameAddr(value, before, end, true, diags, out);
    if (out.v) list.push(out.v);
    if (next >= end) break;
    i = next + 1; // past ","
    if (next <= before) i = before + 1; // guarantee progress
  }
  return { value: list, diagnostics: diags };
}

/** Contact — RFC 3261 §20.10: `"*"` or a list of name-addr/addr-spec with contact-params. */
export function parseContact(value: string): Decoded<ContactValue> {
  const s = skipWs(value, 0, value.length);
  if (s < value.length && value.charCodeAt(s) === 42) {
    const diags: Diagnostic[] = [];
    const params: Param[] = [];
    const i = scanParams(value, s + 1, value.length, params, diags, 0);
    if (skipWs(value, i, value.length) < value.length) {
      diags.push(
        diag('contact-wildcard-garbage', 'Unexpected text after "Contact: *".', '3261 §20.10', {
          start: i,
          end: value.length,
        }),
      );
    }
    return { value: { wildcard: true, params, contacts: [] }, diagnostics: diags };
  }
  const d = parseNameAddrList(value);
  return { value: { wildcard: false, params: [], contacts: d.value ?? [] }, diagnostics: d.diagnostics };
}

/*
 * The fast path of the full typed parse for a message's address headers (From, To, Contact, Route,
 * Record-Route): the value is read from the received octets `b[o + k]` (= `s.charCodeAt(k)`, an ASCII
 * header value), in one pass, for the usual form `[display name SP] <sip:[user@]host[:port][;param]>
 * [;param]` (lists: such elements separated by ","). Anything else, and anything the general decoder
 * would report, answers null and the general decoder runs: the results are the same
 * (test/sip-core/message/typed/name-addr-fast.test.ts).
 */

/** Where {@link fastElement} stopped: the end of the value, or the "," after a list element. */
let fastNext = 0;
/** Diagnostics classifyHost might write (the fast path gives up when there are any). */
const scratchDiags: Diagnostic[] = [];

function isSp(c: number): boolean {
  return c === 32 || c === 9;
}

/**
 * One name-addr at `s[i, end)` (after its leading LWS) in the usual form, or null. Positions are
 * positions in `s`, whose octet is `b[o + position]`; the value starts at `so` in `s` (the spans of
 * the result are relative to it).
 */
function fastElement(
  s: string,
  b: Uint8Array,
  o: number,
  i: number,
  end: number,
  list: boolean,
  so: number,
): NameAddr | null {
  // (module constants in locals: the compiler reloads a module binding at every use, in every loop step)
  const ch = CHAR256;
  const stop = STOP256;
  const TOKEN = C_TOKEN;
  // (the stops of a value, and every octet above 127, which then declines the value: what this fast path
  // slices is ASCII; see chars.ts S_HVALUE8)
  const UVALUE = S_UVALUE8;
  const HVALUE = S_HVALUE8;
  const start = i;
  let displayName: string | null = null;
  if (b[o + i] !== 60) {
    // an unquoted display name: token characters and SP, a SP before "<"
    let k = i;
    let lastNonWs = i;
    while (k < end) {
      const c = b[o + k]!;
      if (c === 60) break;
      if (c !== 32) {
        if ((ch[c]! & TOKEN) === 0) return null;
        lastNonWs = k + 1;
      }
      k++;
    }
    if (k >= end || b[o + k - 1] !== 32 || lastNonWs === i) return null;
    displayName = s.slice(i, lastNonWs);
    i = k;
  }
  // "<sip:" or "<sips:"
  const us = i + 1;
  // (the scheme is told again by the octet after "sip" when the URI is made: NameAddrValue.uri)
  let p: number;
  if (b[o + us] !== 115 || b[o + us + 1] !== 105 || b[o + us + 2] !== 112) return null;
  if (b[o + us + 3] === 58) p = us + 4;
  else if (b[o + us + 3] === 115 && b[o + us + 4] === 58) p = us + 5;
  else return null;
  // The usual URI in plain loops (one table test per octet, the class bits OR-ed for "a letter?"): host
  // characters from the start, then either "@" and host characters again (user, host) or the host's end.
  // The first ">" after the host closes the URI. A user of other characters (unreserved or not), or an
  // "@" after other characters, is declined (the general decoder reads it).
  // (hostEndAt: four octets per step; octets above 127 end the host, and the value is declined)
  let k = hostEndAt(b, o + p, o + end) - o;
  let at = -1;
  if (k < end && b[o + k] === 64) {
    at = k;
    k = hostEndAt(b, o + k + 1, o + end) - o;
  }
  const letter = hostLetter;
  let hs = p;
  if (at >= 0) {
    if (at === p) return null;
    hs = at + 1;
  }
  if (k === hs) return null;
  // A host without a letter: an IPv4 address read on the octets (classifyHost's answer for one, with
  // nothing to report), else what classifyHost says of it, declined when it has something to report.
  // (The host type itself is told again when the URI is made: NameAddrValue.uri.)
  if (!letter && !isIpv4At(b, o + hs, o + k)) {
    classifyHost(s, hs, k, scratchDiags);
    if (scratchDiags.length !== 0) {
      // (emptied here, so it is empty at every call: no length store, a builtin call, per address)
      scratchDiags.length = 0;
      return null;
    }
  }
  // The rest of the URI up to its ">" in one walk (no search for the ">" first): [":" port], then
  // ";" token ["=" value] until ">". Anything else where ":", ";" or ">" is due (SP before ">", "?",
  // "@" after the host, an octet above 127...) declines the value, as the search did. A value stops at
  // ">" and "@" too (S_UVALUE8): the first ">" ends the URI, and an "@" there is declined.
  // (the port checked here, read again when the URI is made)
  if (k < end && b[o + k] === 58) {
    const ps = k + 1;
    let n = 0;
    k = ps;
    while (k < end) {
      const c = b[o + k]!;
      if (c < 48 || c > 57) break;
      n = n * 10 + (c - 48);
      k++;
    }
    if (k === ps || k - ps > 5 || n > 65535) return null;
  }
  // URI parameters: ";" token [ "=" value ]. No Param objects: the URI made on first read keeps where
  // the list stands and makes it on its first read (SipUriValue.params, paramsAt: the same names, values
  // and spans). A name seen twice is declined (the general decoder reports it): the first name in a local.
  let n0: string | null = null;
  let nMore: string[] | null = null;
  while (k < end && b[o + k] === 59) {
    const pStart = k;
    let j = k + 1;
    let name: string;
    const c2 = b[o + j + 2];
    if (b[o + j] === 108 && b[o + j + 1] === 114 && (c2 === 62 || c2 === 59) && j + 2 < end) {
      // ";lr" (RFC 3261 §19.1.1, every Route and Record-Route of a loose router): no token loop
      j += 2;
      name = 'lr';
    } else {
      while (j < end) {
        const c = b[o + j]!;
        if ((ch[c]! & TOKEN) === 0) break;
        j++;
      }
      if (j === pStart + 1) return null;
      name = paramNameAt(s, b, o, pStart + 1, j);
    }
    if (n0 === null) n0 = name;
    else {
      if (n0 === name) return null;
      if (nMore !== null) for (let q = 0; q < nMore.length; q++) if (nMore[q] === name) return null;
      (nMore ??= []).push(name);
    }
    if (j < end && b[o + j] === 61) {
      const vs = j + 1;
      // (host characters are no stop: stepped over four at a time first)
      let v = hostEndAt(b, o + vs, o + end) - o;
      while (v < end) {
        const c = b[o + v]!;
        if ((stop[c]! & UVALUE) !== 0) break;
        v++;
      }
      if (v === vs) return null;
      k = v;
    } else k = j;
  }
  // (">" closes the URI; a SP before it, or anything else here, is the general decoder's)
  if (k >= end || b[o + k] !== 62) return null;
  const gt = k;
  // (the SipUriValue, with its user and host strings, is made on the first read of `uri` from these
  // positions: NameAddrValue.uri)
  const uriText = s.slice(us, gt);
  // header parameters, kept as the URI's (positions hps, vEnd); the first tag noted (getParam's answer)
  i = gt + 1;
  const hps = i;
  let tag: string | null | undefined;
  while (i < end && b[o + i] === 59) {
    const pStart = i;
    let j = i + 1;
    let name: string;
    if (b[o + j] === 116 && b[o + j + 1] === 97 && b[o + j + 2] === 103 && b[o + j + 3] === 61) {
      // ";tag=" (From and To): no token loop, no name lookup
      j += 3;
      name = 'tag';
    } else {
      while (j < end) {
        const c = b[o + j]!;
        if ((ch[c]! & TOKEN) === 0) break;
        j++;
      }
      if (j === pStart + 1) return null;
      name = paramNameAt(s, b, o, pStart + 1, j);
    }
    if (j < end && b[o + j] === 61) {
      const vs = j + 1;
      // (host characters are no stop: stepped over four at a time first)
      let v = hostEndAt(b, o + vs, o + end) - o;
      while (v < end) {
        const c = b[o + v]!;
        if ((stop[c]! & HVALUE) !== 0) break;
        v++;
      }
      if (v === vs || (v < end && (b[o + v] === 34 || (b[o + v] === 44 && !list)))) return null;
      if (tag === undefined && name === 'tag') tag = s.slice(vs, v);
      i = v;
    } else {
      if (tag === undefined && name === 'tag') tag = null;
      i = j;
    }
  }
  const vEnd = i;
  while (i < end && isSp(b[o + i]!)) i++;
  if (i < end && !(list && b[o + i] === 44)) return null;
  fastNext = i;
  return new NameAddrValue(
    displayName,
    false,
    undefined,
    uriText,
    true,
    typeof tag === 'string' ? tag : null,
    start - so,
    vEnd - so,
    hps === vEnd ? EMPTY_PARAMS : null,
    s,
    hps,
    vEnd,
    so,
    us,
  );
}

/** {@link parseNameAddr} of a message's ASCII header value `value` = the octets `raw[at, ...)`. */
export function parseNameAddrAt(value: string, raw: Uint8Array, at: number): Decoded<NameAddr> {
  return parseNameAddrSpan(value, 0, value.length, raw, at);
}

/**
 * {@link parseNameAddrAt} of the value `s[so, so + len)` (a slice of a longer string, e.g. the
 * message's header section: the value needs no string of its own unless the general decoder runs).
 */
export function parseNameAddrSpan(
  s: string,
  so: number,
  len: number,
  raw: Uint8Array,
  at: number,
): Decoded<NameAddr> {
  const o = at - so;
  const end = so + len;
  let i = so;
  while (i < end && isSp(raw[o + i]!)) i++;
  const v = i < end ? fastElement(s, raw, o, i, end, false, so) : null;
  return v !== null && fastNext >= end
    ? { value: v, diagnostics: NO_DIAGNOSTICS }
    : parseNameAddr(s.slice(so, end));
}

/**
 * The bare forms of {@link parseNameAddrSpan}, {@link parseNameAddrListSpan} and
 * {@link parseContactSpan} for the full typed parse (the value itself, no `Decoded` per field; the
 * diagnostics in {@link bareOut}).
 */
export function nameAddrSpanValue(
  s: string,
  so: number,
  len: number,
  raw: Uint8Array,
  at: number,
): NameAddr | null {
  const o = at - so;
  const end = so + len;
  let i = so;
  while (i < end && isSp(raw[o + i]!)) i++;
  const v = i < end ? fastElement(s, raw, o, i, end, false, so) : null;
  if (v !== null && fastNext >= end) {
    bareOut.diags = NO_DIAGNOSTICS;
    return v;
  }
  const d = parseNameAddr(valueText(s, so, len, raw, at));
  bareOut.diags = d.diagnostics;
  return d.value;
}
export function nameAddrListSpanValue(
  s: string,
  so: number,
  len: number,
  raw: Uint8Array,
  at: number,
): NameAddr[] | null {
  const list = fastList(s, so, len, raw, at);
  if (list !== null) {
    bareOut.diags = NO_DIAGNOSTICS;
    return list;
  }
  const d = parseNameAddrList(valueText(s, so, len, raw, at));
  bareOut.diags = d.diagnostics;
  return d.value;
}
export function contactSpanValue(
  s: string,
  so: number,
  len: number,
  raw: Uint8Array,
  at: number,
): ContactValue | null {
  let i = 0;
  while (i < len && isSp(raw[at + i]!)) i++;
  const list = raw[at + i] === 42 ? null : fastList(s, so, len, raw, at);
  if (list !== null) {
    bareOut.diags = NO_DIAGNOSTICS;
    return { wildcard: false, params: EMPTY_PARAMS, contacts: list };
  }
  const d = parseContact(valueText(s, so, len, raw, at));
  bareOut.diags = d.diagnostics;
  return d.value;
}

/** The list fast path alone: its result, or null where the general decoder must run (tests). */
export function nameAddrListFastPath(value: string, raw: Uint8Array, at: number): NameAddr[] | null {
  return fastList(value, 0, value.length, raw, at);
}

function fastList(s: string, so: number, len: number, raw: Uint8Array, at: number): NameAddr[] | null {
  const o = at - so;
  const end = so + len;
  // the first two elements held in locals, the list made at its size (push grows a 17-slot store)
  let e0: NameAddr | null = null;
  let e1: NameAddr | null = null;
  let list: NameAddr[] | null = null;
  let i = so;
  while (true) {
    while (i < end && isSp(raw[o + i]!)) i++;
    if (i >= end || raw[o + i] === 44) return null; // empty value or element: reported by the general path
    const v = fastElement(s, raw, o, i, end, true, so);
    if (v === null) return null;
    if (e0 === null) e0 = v;
    else if (e1 === null) e1 = v;
    else (list ??= [e0, e1]).push(v);
    if (fastNext >= end) return list ?? (e1 === null ? [e0] : [e0, e1]);
    i = fastNext + 1;
  }
}

/** {@link parseNameAddrList} of a message's ASCII header value (see {@link parseNameAddrAt}). */
export function parseNameAddrListAt(value: string, raw: Uint8Array, at: number): Decoded<NameAddr[]> {
  return parseNameAddrListSpan(value, 0, value.length, raw, at);
}

/** {@link parseNameAddrListAt} of the value `s[so, so + len)` (see {@link parseNameAddrSpan}). */
export function parseNameAddrListSpan(
  s: string,
  so: number,
  len: number,
  raw: Uint8Array,
  at: number,
): Decoded<NameAddr[]> {
  const list = fastList(s, so, len, raw, at);
  return list !== null
    ? { value: list, diagnostics: NO_DIAGNOSTICS }
    : parseNameAddrList(s.slice(so, so + len));
}

/** {@link parseContact} of a message's ASCII header value (see {@link parseNameAddrAt}). */
export function parseContactAt(value: string, raw: Uint8Array, at: number): Decoded<ContactValue> {
  return parseContactSpan(value, 0, value.length, raw, at);
}

/** {@link parseContactAt} of the value `s[so, so + len)` (see {@link parseNameAddrSpan}). */
export function parseContactSpan(
  s: string,
  so: number,
  len: number,
  raw: Uint8Array,
  at: number,
): Decoded<ContactValue> {
  let i = 0;
  while (i < len && isSp(raw[at + i]!)) i++;
  // "*" (a token character, which the fast path would read as a display name) is the general path's
  const list = raw[at + i] === 42 ? null : fastList(s, so, len, raw, at);
  return list !== null
    ? { value: { wildcard: false, params: [], contacts: list }, diagnostics: NO_DIAGNOSTICS }
    : parseContact(s.slice(so, so + len));
}

/** Serializes a name-addr (always with `< >` when there is a display name or URI parameters/headers). */
export function formatNameAddr(na: NameAddr): string {
  const uriText = na.uri ? formatUri(na.uri) : na.uriText;
  let out = '';
  if (na.displayName !== null) out += (na.displayNameQuoted ? quote(na.displayName) : na.displayName) + ' ';
  if (na.angle || na.displayName !== null || /[;,?]/.test(uriText)) out += '<' + uriText + '>';
  else out += uriText;
  for (const p of na.params)
    out += p.value === null ? ';' + p.name : ';' + p.name + '=' + (p.quoted ? quote(p.value) : p.value);
  return out;
}
