/**
 * What the route-set rule (`in-dialog-request-without-route-set`, RFC 3261 §12.2.1.1) reads from a
 * message's octets, in two ways:
 * - fast (`routeHashes`, every dialog-creating response and every in-dialog request a user agent
 *   sends): the URI of the first Route value of a request, or of the first and last Record-Route
 *   values of a response, as a hash of its octets between `<` and `>`, found by a walk over the line
 *   starts that stops at the field (most often the line after the Via fields). A request whose first
 *   Route is the very URI of its route set's first entry (what a user agent copies) is cleared by it;
 * - exact (`keysOfValues`, `requestUriKey`, on the parse's values; only for a request the fast way did
 *   not clear): each URI as keys of its host (a hash of the lower-cased octets), port (0 when absent)
 *   and whether it has `;lr`, compared as the rule states (a port absent on one side matches any; a
 *   strict router named by the Request-URI). The rule reports only what this way finds.
 */

/** Slots of the exact reading's keys: the first value's URI (host hash, port, lr), then the last value's. */
export const RK_HOST = 0;
export const RK_PORT = 1;
export const RK_LR = 2;
export const RK_LAST_HOST = 3;
export const RK_LAST_PORT = 4;
export const RK_LAST_LR = 5;

/** The hashes or keys of the last {@link routeHashes}, {@link requestUriKey} or {@link keysOfValues} answer. */
export const routeOut = new Int32Array(6);

/** Answers of {@link routeHashes} and {@link keysOfValues}. */
export const RK_NONE = 0;
export const RK_FOUND = 1;
export const RK_UNKNOWN = -1;

const lc = (c: number): number => c | 0x20;

/** FNV-1a of the lower-cased octets `b[s,e)` (a host: letters lower-cased, other octets as they are). */
function hostHash(b: Uint8Array, s: number, e: number): number {
  let h = 0x811c9dc5;
  for (let i = s; i < e; i++) {
    let c = b[i]!;
    if (c >= 0x41 && c <= 0x5a) c |= 0x20;
    h = Math.imul(h ^ c, 0x01000193);
  }
  return h | 0;
}

const utf8 = new TextEncoder();

/** {@link hostHash} of a host given as text (brackets removed; other characters as their UTF-8 octets). */
export function hostHashOf(host: string): number {
  const b = utf8.encode(host);
  return b[0] === 0x5b && b[b.length - 1] === 0x5d ? hostHash(b, 1, b.length - 1) : hostHash(b, 0, b.length);
}

/**
 * Keys of the URI `b[s,e)`: host (after the scheme and any userinfo), port, and `;lr` among its
 * parameters — for an addr-spec (`bare`) anywhere up to `ve`, the value's end, as the strict-routing
 * rule reads it. False without a scheme.
 */
function uriKey(b: Uint8Array, s: number, e: number, bare: boolean, ve: number, o: number): boolean {
  while (s < e && (b[s] === 0x20 || b[s] === 0x09)) s++;
  let i = s;
  while (i < e && b[i] !== 0x3a) i++;
  if (i >= e || i === s) return false;
  let hs = i + 1;
  // userinfo: an '@' before the parameters or headers
  for (let j = hs; j < e; j++) {
    const c = b[j];
    if (c === 0x40) {
      hs = j + 1;
      break;
    }
    if (c === 0x3b || c === 0x3f) break;
  }
  let he = hs;
  if (b[hs] === 0x5b) {
    while (he < e && b[he] !== 0x5d) he++;
    if (he < e) he++;
  } else {
    while (he < e) {
      const c = b[he];
      if (c === 0x3a || c === 0x3b || c === 0x3f || c === 0x20 || c === 0x09 || c === 0x2c) break;
      he++;
    }
  }
  let port = 0;
  let p = he;
  if (b[p] === 0x3a) {
    p++;
    while (p < e && b[p]! >= 0x30 && b[p]! <= 0x39 && port < 100000) port = port * 10 + b[p++]! - 0x30;
  }
  const pe = bare ? ve : e;
  let lr = 0;
  for (let j = p; j + 3 <= pe; j++) {
    if (b[j] !== 0x3b || lc(b[j + 1]!) !== 0x6c || lc(b[j + 2]!) !== 0x72) continue;
    const c = j + 3 === pe ? 0x3b : b[j + 3];
    if (c === 0x3b || c === 0x3d || c === 0x20 || c === 0x09 || (bare && c === 0x2c)) {
      lr = 1;
      break;
    }
  }
  // (an IPv6 reference hashed without its brackets, as a packet's source host is named)
  routeOut[o] = b[hs] === 0x5b && b[he - 1] === 0x5d ? hostHash(b, hs + 1, he - 1) : hostHash(b, hs, he);
  routeOut[o + 1] = port;
  routeOut[o + 2] = lr;
  return true;
}

/** Start of the last comma-separated value of `b[s,e)`. */
function lastValueStart(b: Uint8Array, s: number, e: number): number {
  let angle = false;
  let at = s;
  for (let i = s; i < e; i++) {
    const c = b[i];
    if (c === 0x3c) angle = true;
    else if (c === 0x3e) angle = false;
    else if (c === 0x2c && !angle) at = i + 1;
  }
  return at;
}

/** "\n" and a field name in lower case: what a field line of that name starts with after the LF. */
const ROUTE = new Uint8Array([0x0a, 0x72, 0x6f, 0x75, 0x74, 0x65]); // "\nroute"
const RECORD_ROUTE = new Uint8Array([
  0x0a, 0x72, 0x65, 0x63, 0x6f, 0x72, 0x64, 0x2d, 0x72, 0x6f, 0x75, 0x74, 0x65,
]); // "\nrecord-route"

/** The first LF in `b[q,end)`, or `end`. */
function lf(b: Uint8Array, q: number, end: number): number {
  while (q < end && b[q] !== 0x0a) q++;
  return q;
}

/** FNV-1a of the octets `b[s,e)`. */
function octetsHash(b: Uint8Array, s: number, e: number): number {
  let h = 0x811c9dc5;
  for (let i = s; i < e; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
  return h | 0;
}

/**
 * Slot `o` of `routeOut` := the hash of the URI of the value `b[v,le)` when it is the simple form
 * `<uri>` (after optional whitespace: no display name), and the position after its `>`; -1 otherwise.
 */
function simpleUri(b: Uint8Array, v: number, le: number, o: number): number {
  while (v < le && (b[v] === 0x20 || b[v] === 0x09)) v++;
  if (b[v] !== 0x3c) return -1;
  const s = v + 1;
  let e = s;
  while (e < le && b[e] !== 0x3e) e++;
  if (e >= le) return -1;
  routeOut[o] = octetsHash(b, s, e);
  return e + 1;
}

/**
 * The fast reading (see the file comment) of the message `b[start,end)`: for a request (`record`
 * false) the hash of its first Route value's URI (`routeOut[0]`), for a response (`record` true) those
 * of its first Record-Route value and of the last value of the run of adjacent Record-Route fields it
 * starts (`routeOut[0]`, `routeOut[1]`). RK_FOUND; RK_NONE: no such field; RK_UNKNOWN: present but
 * not in the simple form (`<uri>` values, no folding), read it the exact way.
 * @remarks Not exact, and not meant to be: a Record-Route field after other fields that follow the
 * first run is not read (never seen: proxies and UASs write them together), and a line the parser
 * would not take as a field (a bare CR...) is not told apart. Such a message at worst goes the exact
 * way, or a request naming the URI read is not reported. The walk looks at the first octet of each
 * line and stops at the field: most often the line after the Via fields. `lines` (≥ 0), where the
 * analysis facts' walk over the same octets found the first Route and Record-Route lines
 * (capture/ingest-pass.ts `messageFactsRoutes`, by this walk's own test of a field line), starts the
 * walk at that line, or answers RK_NONE without one: the same answer without the walk.
 */
export function routeHashes(b: Uint8Array, start: number, end: number, record: boolean, lines = -1): number {
  if (!fastOn) return RK_UNKNOWN;
  // Offsets as small integers: the trace hands them over as doubles (V8 deoptimized the walk, "not a
  // Smi", and went on with double indices). The line ends are found by loops: TypedArray indexOf, a
  // native call per line, cost more (callgrind, 40 MB capture, per tier-2 run: +142 M instructions
  // with indexOf, +29 M with the loops).
  start |= 0;
  end |= 0;
  const p = record ? RECORD_ROUTE : ROUTE;
  const n = p.length;
  let q: number;
  if (lines >= 0 && linesOn) {
    // The facts walk found the field's first line (or that there is none): the walk starts at the LF
    // before it.
    const at = record ? lines >>> 16 : lines & 0xffff;
    if (at === 0) return RK_NONE;
    q = start + at - 2;
  } else q = lf(b, start, end);
  for (;;) {
    if (q + n >= end) return RK_NONE;
    const c = b[q + 1]!;
    if (c === 0x0d || c === 0x0a) return RK_NONE; // the empty line: the end of the header section
    if ((c | 0x20) === 0x72 && isField(b, q, end, p)) break;
    q = lf(b, q + 1, end);
  }
  for (let first = true; ; first = false) {
    let v = q + n;
    while (b[v] !== 0x3a) v++; // (isField saw the colon)
    v++;
    q = lf(b, v, end);
    const le = q > v && b[q - 1] === 0x0d ? q - 1 : q;
    if (q + 1 < end && (b[q + 1] === 0x20 || b[q + 1] === 0x09)) return RK_UNKNOWN; // folded
    let a = simpleUri(b, v, le, first ? 0 : 1);
    if (a < 0) return RK_UNKNOWN;
    if (!record) return RK_FOUND;
    if (first) routeOut[1] = routeOut[0]!;
    // More values in this field: the last one.
    while (a < le && b[a] !== 0x2c) a++;
    if (a < le && simpleUri(b, lastValueStart(b, a, le), le, 1) < 0) return RK_UNKNOWN;
    // The run goes on while the next line is another field of this name.
    if (!isField(b, q, end, p)) return RK_FOUND;
  }
}

let fastOn = true;
let linesOn = true;

/**
 * Makes {@link routeHashes} ignore (`on` false) or take its `lines` argument: tests compare the walk
 * from the facts' lines with the walk from the start line.
 */
export function setRouteLines(on: boolean): void {
  linesOn = on;
}

/**
 * Turns the fast reading off ({@link routeHashes} answers RK_UNKNOWN: every request is decided the exact
 * way) or on: tests compare the two.
 */
export function setRouteHashes(on: boolean): void {
  fastOn = on;
}

/** The line after the LF at `q` is a field named `p` (its LF and name, any case; whitespace, colon). */
function isField(b: Uint8Array, q: number, end: number, p: Uint8Array): boolean {
  const n = p.length;
  if (q + n >= end) return false;
  for (let k = 1; k < n; k++) if ((b[q + k]! | 0x20) !== p[k]) return false;
  let c = q + n;
  while (c < end && (b[c] === 0x20 || b[c] === 0x09)) c++;
  return b[c] === 0x3a;
}

/**
 * The exact reading (see the file comment) of a Route or Record-Route: keys of the first value's URI
 * (RK_HOST..RK_LR) and of the last one's (RK_LAST_*) from the parse's values (`values('route')` / `values('record-route')`: each value
 * on its own, unfolded): RK_FOUND, RK_NONE, or RK_UNKNOWN when a value has no URI the keys can take.
 */
export function keysOfValues(values: readonly string[]): number {
  if (values.length === 0) return RK_NONE;
  const first = utf8.encode(values[0]!);
  if (!valueKeyOfText(first, RK_HOST)) return RK_UNKNOWN;
  const last = utf8.encode(values[values.length - 1]!);
  return valueKeyOfText(last, RK_LAST_HOST) ? RK_FOUND : RK_UNKNOWN;
}

/** Keys (`uriKey`) of the URI of one value decoded by the parse: a name-addr (display name, quoted or not) or an addr-spec. */
function valueKeyOfText(b: Uint8Array, o: number): boolean {
  let lt = -1;
  let inQuote = false;
  for (let i = 0; i < b.length; i++) {
    const c = b[i];
    if (c === 0x22) inQuote = !inQuote;
    else if (c === 0x5c && inQuote) i++;
    else if (c === 0x3c && !inQuote) {
      lt = i;
      break;
    }
  }
  if (lt < 0) return uriKey(b, 0, b.length, true, b.length, o);
  let gt = lt + 1;
  while (gt < b.length && b[gt] !== 0x3e) gt++;
  if (gt >= b.length) return false;
  return uriKey(b, lt + 1, gt, false, b.length, o);
}

/** Keys of the Request-URI of the request `b[start,end)` into RK_HOST..RK_LR; false when not read. */
export function requestUriKey(b: Uint8Array, start: number, end: number): boolean {
  let s = start;
  while (s < end && b[s] !== 0x20 && b[s] !== 0x0a) s++;
  s++;
  let e = s;
  while (e < end && b[e] !== 0x20 && b[e] !== 0x0d && b[e] !== 0x0a) e++;
  return e > s && uriKey(b, s, e, false, e, RK_HOST);
}
