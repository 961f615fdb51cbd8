/**
 * Small, allocation-light helpers the elements use on their hot path: URI host/port, name-addr
 * URI extraction, header parameters, Via sent-by. Full RFC parsing lives in `message/`; these only
 * read what routing needs and never throw.
 */
import type { SipMessage } from '../message';
import type { TransportAddress, TransportProtocol } from '../stack/transport';

/** host, port (null when absent), user, transport param of a sip/sips URI (lenient). */
export interface UriParts {
  scheme: string;
  user: string | null;
  host: string;
  port: number | null;
  params: string;
}

/** Recently split URIs: the same few Request-URIs, Routes and Contacts come back on every call. */
const uriCache = new Map<string, Readonly<UriParts>>();
const URI_CACHE_MAX = 512;

/**
 * Splits `sip:user@host:port;params?headers` (lenient). The result is shared with later calls for
 * the same text: read it, do not change it.
 */
export function uriParts(uri: string): Readonly<UriParts> {
  let r = uriCache.get(uri);
  if (r === undefined) {
    r = splitUri(uri);
    if (uriCache.size >= URI_CACHE_MAX) uriCache.clear();
    uriCache.set(uri, r);
  }
  return r;
}

function splitUri(uri: string): UriParts {
  let s = uri.trim();
  if (s.startsWith('<')) s = s.slice(1, s.indexOf('>') >= 0 ? s.indexOf('>') : undefined);
  const colon = s.indexOf(':');
  const scheme = colon > 0 ? s.slice(0, colon).toLowerCase() : 'sip';
  let rest = colon > 0 ? s.slice(colon + 1) : s;
  const q = rest.indexOf('?');
  if (q >= 0) rest = rest.slice(0, q);
  const at = rest.lastIndexOf('@');
  const user = at >= 0 ? rest.slice(0, at) : null;
  let hp = at >= 0 ? rest.slice(at + 1) : rest;
  let params = '';
  const semi = hp.indexOf(';');
  if (semi >= 0) {
    params = hp.slice(semi);
    hp = hp.slice(0, semi);
  }
  let host = hp;
  let port: number | null = null;
  if (hp.startsWith('[')) {
    const close = hp.indexOf(']');
    host = hp.slice(0, close + 1);
    if (hp[close + 1] === ':') port = Number(hp.slice(close + 2)) || null;
  } else {
    const c = hp.lastIndexOf(':');
    if (c >= 0) {
      host = hp.slice(0, c);
      port = Number(hp.slice(c + 1)) || null;
    }
  }
  return { scheme, user, host: host.toLowerCase(), port, params };
}

/** Value of a `;name=value` parameter in a parameter string (`''` when valueless, null when absent). */
export function paramOf(params: string, name: string): string | null {
  const lname = name.toLowerCase();
  const n = params.length;
  let i = 0;
  while (i <= n) {
    let end = params.indexOf(';', i);
    if (end < 0) end = n;
    // the parameter params[i, end): its name up to '=' (trimmed, any case)
    let eq = params.indexOf('=', i);
    if (eq < 0 || eq > end) eq = -1;
    let a = i;
    let b = eq >= 0 ? eq : end;
    while (a < b && isBlank(params.charCodeAt(a))) a++;
    while (b > a && isBlank(params.charCodeAt(b - 1))) b--;
    if (b - a === lname.length && sameIgnoreCase(params, a, lname)) {
      if (eq < 0) return '';
      return params
        .slice(eq + 1, end)
        .trim()
        .replace(/^"|"$/g, '');
    }
    i = end + 1;
  }
  return null;
}

/** What String.prototype.trim removes (ECMAScript WhiteSpace and LineTerminator). */
function isBlank(c: number): boolean {
  if (c < 0x80) return c === 32 || (c >= 9 && c <= 13);
  return (
    c === 0xa0 ||
    c === 0xfeff ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000
  );
}

/** params[a, a + lower.length) equals the lower-case `lower`, ignoring case. */
function sameIgnoreCase(params: string, a: number, lower: string): boolean {
  for (let k = 0; k < lower.length; k++) {
    const c = params.charCodeAt(a + k);
    if ((c >= 65 && c <= 90 ? c | 0x20 : c) !== lower.charCodeAt(k)) {
      // non-ASCII letters: compare as toLowerCase would
      if (c < 0x80) return false;
      return params.slice(a, a + lower.length).toLowerCase() === lower;
    }
  }
  return true;
}

/** The URI inside a name-addr (`"A" <sip:a@x>;tag=1` → `sip:a@x`) or an addr-spec. */
export function nameAddrUri(value: string): string {
  const lt = value.indexOf('<');
  if (lt >= 0) {
    const gt = value.indexOf('>', lt);
    return value.slice(lt + 1, gt >= 0 ? gt : undefined).trim();
  }
  const semi = value.indexOf(';');
  return (semi >= 0 ? value.slice(0, semi) : value).trim();
}

/** Header parameters after a name-addr (`;tag=1;expires=60`), as a string starting with `;`. */
export function nameAddrParams(value: string): string {
  const gt = value.lastIndexOf('>');
  const from = gt >= 0 ? gt + 1 : value.indexOf(';') >= 0 ? value.indexOf(';') : value.length;
  return value.slice(from).trim();
}

/** Sent-by, transport and params of one Via value (`SIP/2.0/UDP host:port;branch=...`). */
export interface ViaParts {
  transport: string;
  host: string;
  port: number | null;
  params: string;
}

export function viaParts(value: string): ViaParts {
  const v = value.trim();
  const sp = v.search(/\s/);
  const proto = sp >= 0 ? v.slice(0, sp) : v;
  const transport = (proto.split('/')[2] ?? 'UDP').toUpperCase();
  const rest = sp >= 0 ? v.slice(sp).trim() : '';
  const semi = rest.indexOf(';');
  const sentBy = semi >= 0 ? rest.slice(0, semi).trim() : rest;
  const params = semi >= 0 ? rest.slice(semi) : '';
  const u = uriParts(`sip:${sentBy}`);
  return { transport, host: u.host, port: u.port, params };
}

/** IPv4 literal test. */
export function isIpv4Literal(host: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(host);
}

/** RFC 1918 / RFC 6598 private or shared address (what nathelper's `nat_uac_test` flag 1 tests). */
export function isPrivateIpv4(host: string): boolean {
  if (!isIpv4Literal(host)) return false;
  const [a, b] = host.split('.').map(Number) as [number, number];
  return (
    a === 10 ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 100 && b >= 64 && b <= 127)
  );
}

/**
 * Where a response goes back to (RFC 3261 §18.2.2, RFC 3581 §4): the top Via's `received` (or
 * sent-by host), and its `rport` value when present, else the sent-by port (default 5060).
 */
export function responseDestination(msg: SipMessage, transport: TransportProtocol): TransportAddress | null {
  const top = msg.headerAll('via')[0];
  if (top === undefined) return null;
  const first = firstCommaValue(top);
  const v = viaParts(first);
  const received = paramOf(v.params, 'received');
  const rport = paramOf(v.params, 'rport');
  const host = received && received !== '' ? received : v.host;
  const port = rport && rport !== '' ? Number(rport) : (v.port ?? 5060);
  return { host, port, transport };
}

/** First comma-separated value of a header value (quotes and <> respected). */
export function firstCommaValue(value: string): string {
  let q = false;
  let a = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 34 /* " */) q = !q;
    else if (!q && c === 60 /* < */) a++;
    else if (!q && c === 62 /* > */) a--;
    else if (!q && a === 0 && c === 44 /* , */) return value.slice(0, i).trim();
  }
  return value.trim();
}

/** `host:port` (brackets kept for IPv6 references). */
export function hostPort(host: string, port: number): string {
  return `${host}:${port}`;
}

/** A deterministic 32-bit FNV-1a hash rendered as 8 hex digits (stateless proxy branches, loop detection). */
export function fnv1aHex(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

/** Response class precedence for best-response selection (RFC 3261 §16.7 step 6). */
export function responseRank(status: number): number {
  if (status >= 600) return 0;
  if (status >= 200 && status < 300) return -1;
  // 6xx best; then 4xx/5xx/3xx by the RFC's preference: 401/407/415/420/484 favoured among 4xx
  if (status === 401 || status === 407) return 1;
  if (status >= 400 && status < 500) return 2;
  if (status >= 300 && status < 400) return 3;
  if (status === 503) return 5;
  return 4;
}
