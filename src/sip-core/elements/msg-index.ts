/**
 * Reading a received message through the parser's header index, without strings or span objects:
 * the elements' hot paths (responses built from the request's bytes, the proxy's byte patches)
 * walk the header fields once by their key id (the structural pass recognises Via, From, To,
 * Call-ID, CSeq, Max-Forwards, Content-Length, Content-Type, Route, Record-Route and Contact,
 * compact forms included) instead of looking each name up with `headerSpans(name)`.
 * @remarks STYLE.md habit 5 (spans over the raw bytes).
 */
import { type SipMessage, canonicalHeaderName, decodeUnfolded, splitCommaSpans } from '../message';
import {
  F_CALLID,
  F_FROMTAG,
  F_METHOD,
  F_TOTAG,
  F_URI,
  F_BRANCH,
  F_SENTBY,
  F_RECEIVED,
  F_RPORT,
  FOLDED,
  KEY_HEADER_CANONICAL,
  ParsedMessage,
} from '../message/sip-message';
import { requestMethod } from '../stack/transaction/table';
import { nameAddrUri } from './sip-util';

/** Key header ids of the parser's index (`KEY_HEADER_CANONICAL`). */
export const K_OTHER = 0;
export const K_VIA = 1;
export const K_FROM = 2;
export const K_TO = 3;
export const K_CALL_ID = 4;
export const K_CSEQ = 5;
export const K_MAX_FORWARDS = 6;
export const K_CONTENT_LENGTH = 7;
export const K_CONTENT_TYPE = 8;
export const K_ROUTE = 9;
export const K_RECORD_ROUTE = 10;
export const K_CONTACT = 11;

/** Key id of a canonical header name (K_OTHER for a name the index does not recognise). */
export function keyIdOf(canonical: string): number {
  const k = (KEY_HEADER_CANONICAL as readonly string[]).indexOf(canonical);
  return k > 0 ? k : K_OTHER;
}

/**
 * The header fields of a message as flat numbers: field i has key id `id(i)` and value span
 * `[vs(i), ve(i))`, name span `[ns(i), ne(i))`. A view over the parser's index (no copy) for the
 * messages `parseMessage` makes; any other {@link SipMessage} is read once through `headers`.
 */
export class FieldIndex {
  private pm: ParsedMessage | null = null;
  private ix: Int32Array = EMPTY;
  private o = 0;
  /** Fallback for a message that is not a ParsedMessage: [ns, ne, vs, ve, id] per field. */
  private flat: number[] = [];
  count = 0;
  private m: SipMessage | null = null;
  private raw: Uint8Array = EMPTY_BYTES;

  /** Points this reader at `m` (returns itself). */
  of(m: SipMessage): this {
    this.m = m;
    this.raw = m.raw;
    if (m instanceof ParsedMessage) {
      this.pm = m;
      this.ix = m.ix;
      this.o = m.headerCount > 0 ? m.slot(0) : 0;
      this.count = m.headerCount;
      return this;
    }
    this.pm = null;
    const flat = this.flat;
    flat.length = 0;
    for (const h of m.headers) {
      const id = keyIdOf(canonicalHeaderName(h.name));
      flat.push(h.nameSpan.start, h.nameSpan.end, h.valueSpan.start, h.valueSpan.end, id);
    }
    this.ix = Int32Array.from(flat);
    this.o = 0;
    this.count = m.headers.length;
    return this;
  }

  id(i: number): number {
    return this.pm ? this.pm.keyIdAt(i) : this.ix[this.o + i * 5 + 4]!;
  }
  ns(i: number): number {
    return this.ix[this.o + i * 5]!;
  }
  ne(i: number): number {
    return this.ix[this.o + i * 5 + 1]!;
  }
  vs(i: number): number {
    return this.ix[this.o + i * 5 + 2]!;
  }
  ve(i: number): number {
    return this.ix[this.o + i * 5 + 3]!;
  }
  /** Value of field i, unfolded (what `header(name)` returns for it). */
  value(i: number): string {
    const pm = this.pm;
    if (pm === null) return this.m!.headers[i]!.value();
    if ((this.ix[this.o + i * 5 + 4]! & FOLDED) === 0) {
      const t = asciiText(this.raw, this.vs(i), this.ve(i));
      if (t !== null) return t;
    }
    return pm.valueAt(i);
  }
  /**
   * The comma-separated values of field i appended to `out`, as `values(name)` gives them for a
   * list header (quotes, <> and [] respected; empty elements skipped).
   */
  listValues(i: number, out: string[]): void {
    const raw = this.raw;
    const spans = scratch;
    spans.length = SCRATCH_BASE;
    splitCommaSpans(raw, this.vs(i), this.ve(i), spans);
    for (let k = SCRATCH_BASE; k < spans.length; k += 2)
      if (spans[k + 1]! > spans[k]!) out.push(this.text(i, spans[k]!, spans[k + 1]!));
  }
  /** raw[s, e) inside field i, unfolded: a slice of the message's decoded header when the field has no fold. */
  private text(i: number, s: number, e: number): string {
    const pm = this.pm;
    if (pm && (this.ix[this.o + i * 5 + 4]! & FOLDED) === 0)
      return asciiText(this.raw, s, e) ?? pm.text(s, e);
    return decodeUnfolded(this.raw, s, e);
  }
  /** The first comma-separated value of field i (`values(name)[0]` when i is the first field), or null. */
  firstListValue(i: number): string | null {
    const raw = this.raw;
    const spans = scratch;
    spans.length = SCRATCH_BASE;
    splitCommaSpans(raw, this.vs(i), this.ve(i), spans);
    for (let k = SCRATCH_BASE; k < spans.length; k += 2)
      if (spans[k + 1]! > spans[k]!) return this.text(i, spans[k]!, spans[k + 1]!);
    return null;
  }
  /**
   * `nameAddrUri(value(i))`: the URI of a name-addr field (From, To) made from its own octets when
   * they are ASCII on one line, so a value's other parts (a tag that differs on every call) are
   * never decoded and the URI, the same on every call, comes from the text cache.
   */
  nameAddrUri(i: number): string {
    return this.uriIn(i, this.vs(i), this.ve(i)) ?? nameAddrUri(this.value(i));
  }
  /** `nameAddrUri(firstListValue(i))` (a Contact's URI), null when firstListValue is null; see {@link nameAddrUri}. */
  firstListUri(i: number): string | null {
    const spans = scratch;
    spans.length = SCRATCH_BASE;
    splitCommaSpans(this.raw, this.vs(i), this.ve(i), spans);
    for (let k = SCRATCH_BASE; k < spans.length; k += 2) {
      const s = spans[k]!;
      const e = spans[k + 1]!;
      if (e > s) return this.uriIn(i, s, e) ?? nameAddrUri(this.text(i, s, e));
    }
    return null;
  }
  /**
   * What nameAddrUri gives for raw[s, e) of field i (the text inside the first `<` and the next `>`,
   * else before the first `;`, trimmed), from the octets; null when field i is folded, not from the
   * parser's index, or holds a non-ASCII octet there.
   */
  private uriIn(i: number, s: number, e: number): string | null {
    if (this.pm === null || (this.ix[this.o + i * 5 + 4]! & FOLDED) !== 0) return null;
    const raw = this.raw;
    let lt = -1;
    let semi = -1;
    for (let k = s; k < e; k++) {
      const c = raw[k]!;
      if (c >= 0x80) return null;
      if (c === 60 /* < */ && lt < 0) lt = k;
      else if (c === 59 /* ; */ && semi < 0) semi = k;
    }
    let a = s;
    let b = e;
    if (lt >= 0) {
      a = lt + 1;
      for (let k = a; k < e; k++)
        if (raw[k] === 62 /* > */) {
          b = k;
          break;
        }
    } else if (semi >= 0) b = semi;
    // String.prototype.trim's ASCII white space
    while (a < b && isTrimmedAscii(raw[a]!)) a++;
    while (b > a && isTrimmedAscii(raw[b - 1]!)) b--;
    return asciiText(raw, a, b);
  }
  /** Index of the first field with key id `id` (-1 when none). */
  first(id: number): number {
    const n = this.count;
    for (let i = 0; i < n; i++) if (this.id(i) === id) return i;
    return -1;
  }
}

const EMPTY = new Int32Array(0);
const EMPTY_BYTES = new Uint8Array(0);
/**
 * Where the comma spans start in {@link scratch}: the list is cut back to this length before each
 * use, never to 0 (a length of 0 lets go of the array's storage, so every use allocated it again);
 * a cut to half or more of the storage keeps it.
 */
const SCRATCH_BASE = 64;
const scratch: number[] = new Array<number>(SCRATCH_BASE).fill(0);

/** An ASCII code String.prototype.trim removes (tab, line feed, vertical tab, form feed, carriage return, space). */
function isTrimmedAscii(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/** True when raw[s, e) equals the lower-case ASCII `lower`, ignoring case. */
export function equalsIgnoreCase(raw: Uint8Array, s: number, e: number, lower: string): boolean {
  if (e - s !== lower.length) return false;
  for (let i = 0; i < lower.length; i++) {
    const c = raw[s + i]!;
    if ((c >= 65 && c <= 90 ? c | 0x20 : c) !== lower.charCodeAt(i)) return false;
  }
  return true;
}

/** True when raw[s, e) equals the ASCII string `t` exactly. */
export function equalsAscii(raw: Uint8Array, s: number, e: number, t: string): boolean {
  if (e - s !== t.length) return false;
  for (let i = 0; i < t.length; i++) if (raw[s + i] !== t.charCodeAt(i)) return false;
  return true;
}

/** FNV-1a 32-bit offset basis. */
export const FNV_BASIS = 0x811c9dc5;

/** FNV-1a of the UTF-16 units of `s`, continuing from `h`. */
export function fnvStr(h: number, s: string): number {
  // an int32 in the loop, unsigned once at the end: a uint32 state can leave the 31-bit small
  // integers, and where the compiler keeps it tagged every step allocates a heap number
  let x = h | 0;
  for (let i = 0; i < s.length; i++) x = Math.imul(x ^ s.charCodeAt(i), 0x01000193);
  return x >>> 0;
}

/** 32-bit hash as 8 lower-case hex digits. */
export function hex8(h: number): string {
  // one flat string from eight char codes (toString(16) + padStart costs several times more)
  return String.fromCharCode(
    HEX_CODES[(h >>> 28) & 15]!,
    HEX_CODES[(h >>> 24) & 15]!,
    HEX_CODES[(h >>> 20) & 15]!,
    HEX_CODES[(h >>> 16) & 15]!,
    HEX_CODES[(h >>> 12) & 15]!,
    HEX_CODES[(h >>> 8) & 15]!,
    HEX_CODES[(h >>> 4) & 15]!,
    HEX_CODES[h & 15]!,
  );
}
const HEX_CODES = Array.from('0123456789abcdef', (c) => c.charCodeAt(0));

/** `z9hG4bK` + {@link hex8}(h) + `.` as one flat string (one call, no concatenation). */
export function loopMarkOf(h: number): string {
  return String.fromCharCode(
    0x7a,
    0x39,
    0x68,
    0x47,
    0x34,
    0x62,
    0x4b,
    HEX_CODES[(h >>> 28) & 15]!,
    HEX_CODES[(h >>> 24) & 15]!,
    HEX_CODES[(h >>> 20) & 15]!,
    HEX_CODES[(h >>> 16) & 15]!,
    HEX_CODES[(h >>> 12) & 15]!,
    HEX_CODES[(h >>> 8) & 15]!,
    HEX_CODES[(h >>> 4) & 15]!,
    HEX_CODES[h & 15]!,
    0x2e,
  );
}

/**
 * `a + b + c` as one flat string when short: a concatenation is a tree of its parts, and a branch
 * is read unit by unit afterwards (hashed and compared by the transaction table, written into the
 * Via, copied when its transaction lingers), each read going through the tree or flattening it.
 */
export function flatConcat(a: string, b: string, c: string): string {
  const n = a.length + b.length + c.length;
  if (n > 64) return a + b + c;
  const codes = (flatCodes[n] ??= new Array<number>(n).fill(0));
  let k = 0;
  for (let i = 0; i < a.length; i++) codes[k++] = a.charCodeAt(i);
  for (let i = 0; i < b.length; i++) codes[k++] = b.charCodeAt(i);
  for (let i = 0; i < c.length; i++) codes[k++] = c.charCodeAt(i);
  return String.fromCharCode.apply(null, codes);
}
const flatCodes: number[][] = [];

const PIPE = 124;

/**
 * FNV-1a of `${requestUri}|${fromTag}|${toTag}|${callId}|${cseq}` (a proxy's loop-detection hash,
 * RFC 3261 §16.6 step 8), read from the key field spans of the parser's index when they are ASCII:
 * the same number as hashing that string, without building it.
 */
export function keyFieldsHash(m: SipMessage): number {
  if (m instanceof ParsedMessage) {
    const ix = m.ix;
    const base = m.base;
    const raw = m.raw;
    // FNV-1a kept as an int32 in the loop (the same bits; `>>> 0` once at the end) and the
    // non-ASCII test as an OR of the octets checked per field, not per octet
    let h = FNV_BASIS | 0;
    const fields = KEY_HASH_FIELDS;
    for (let k = 0; k < fields.length; k++) {
      if (k > 0) h = Math.imul(h ^ PIPE, 0x01000193);
      const s = ix[base + 2 * fields[k]!]!;
      if (s < 0) {
        h = fnvStr(h, 'null');
        continue;
      }
      const e = ix[base + 2 * fields[k]! + 1]!;
      let or = 0;
      for (let i = s; i < e; i++) {
        const c = raw[i]!;
        or |= c;
        h = Math.imul(h ^ c, 0x01000193);
      }
      if (or >= 0x80) return keyFieldsHashText(m);
    }
    h = Math.imul(h ^ PIPE, 0x01000193);
    const n = m.cseq;
    if (n !== null && n >= 0 && n <= 0xffffffff && n === Math.floor(n)) {
      // the decimal digits of the CSeq number, as String(n) writes them
      let d = 1;
      while (d * 10 <= n) d *= 10;
      let r = n;
      for (; d >= 1; d = Math.floor(d / 10)) {
        const q = Math.floor(r / d);
        h = Math.imul(h ^ (48 + q), 0x01000193);
        r -= q * d;
      }
      return h >>> 0;
    }
    return fnvStr(h >>> 0, String(n));
  }
  return keyFieldsHashText(m);
}
/** {@link keyFieldsHash} through the string it hashes (any message; non-ASCII key fields). */
function keyFieldsHashText(m: SipMessage): number {
  return fnvStr(FNV_BASIS, `${m.requestUri}|${m.fromTag}|${m.toTag}|${m.callId}|${m.cseq}`);
}
const KEY_HASH_FIELDS = [F_URI, F_FROMTAG, F_TOTAG, F_CALLID] as const;

/**
 * `m.method`, read from the parser's index without decoding the header section: the common
 * methods compared as octets (case-sensitive, RFC 3261 §7.1) and returned as constants; any other
 * method, or a message that is not a ParsedMessage, through the getter. Null for a response.
 */
export function methodOf(m: SipMessage): string | null {
  if (!(m instanceof ParsedMessage)) return m.method;
  return m.ix[m.base + 2 * F_METHOD]! < 0 ? null : requestMethod(m);
}

/**
 * Whether key field `f` (F_TOTAG, F_FROMTAG, F_CALLID... of the parser's index) is present: what
 * `m.toTag !== null` and the like say, without decoding anything. `nonEmpty` asks for what
 * `Boolean(m.toTag)` says.
 */
export function hasKeyField(m: SipMessage, f: number, nonEmpty = false): boolean {
  if (!(m instanceof ParsedMessage)) {
    const v = keyGetter(m, f);
    return nonEmpty ? Boolean(v) : v !== null;
  }
  const s = m.ix[m.base + 2 * f]!;
  return s >= 0 && (!nonEmpty || m.ix[m.base + 2 * f + 1]! > s);
}

/**
 * Key field `f` compared with `t` (the getter's value === t, null meaning absent), from the
 * octets: no header section decoded. Non-ASCII text on either side goes through the getter.
 */
export function keyFieldIs(m: SipMessage, f: number, t: string | null): boolean {
  if (m instanceof ParsedMessage) {
    const s = m.ix[m.base + 2 * f]!;
    if (s < 0) return t === null;
    if (t === null) return false;
    const e = m.ix[m.base + 2 * f + 1]!;
    if (e - s !== t.length) return utf8LengthMayMatch(m.raw, s, e) ? keyGetter(m, f) === t : false;
    const raw = m.raw;
    for (let i = 0; i < t.length; i++) {
      const c = raw[s + i]!;
      if (c >= 0x80 || t.charCodeAt(i) >= 0x80) return keyGetter(m, f) === t;
      if (c !== t.charCodeAt(i)) return false;
    }
    return true;
  }
  return keyGetter(m, f) === t;
}

/** True when raw[s, e) holds a non-ASCII octet (its decoded length may differ from its octet count). */
function utf8LengthMayMatch(raw: Uint8Array, s: number, e: number): boolean {
  for (let i = s; i < e; i++) if (raw[i]! >= 0x80) return true;
  return false;
}

/**
 * Whether the host of the top Via's sent-by (`host[:port]`, `[v6]:port`; key field F_SENTBY) equals
 * `host`, the sent-by's ASCII letters compared in lower case (what comparing the lower-cased host
 * text says), read from the octets; null when they cannot tell (no parser index, no sent-by, a
 * non-ASCII octet, an unclosed '['): the caller then compares the text.
 */
export function sentByHostAt(m: SipMessage, host: string): boolean | null {
  if (!(m instanceof ParsedMessage)) return null;
  const s = m.ix[m.base + 2 * F_SENTBY]!;
  if (s < 0) return null;
  const e = m.ix[m.base + 2 * F_SENTBY + 1]!;
  const raw = m.raw;
  let end = -1;
  if (raw[s] === 91 /* [ */) {
    for (let i = s; i < e; i++)
      if (raw[i] === 93 /* ] */) {
        end = i + 1;
        break;
      }
    if (end < 0) return null;
  } else {
    end = e;
    for (let i = e - 1; i >= s; i--)
      if (raw[i] === 58 /* : */) {
        end = i;
        break;
      }
  }
  for (let i = s; i < e; i++) if (raw[i]! >= 0x80) return null;
  if (end - s !== host.length) return false;
  for (let i = 0; i < host.length; i++) {
    const a = raw[s + i]!;
    if ((a >= 65 && a <= 90 ? a | 0x20 : a) !== host.charCodeAt(i)) return false;
  }
  return true;
}

/**
 * Key field `f` as a string equal to the getter's (null when absent), made from its own octets
 * when they are ASCII: no header section decoded, and the string is not a slice of one (a value
 * kept for long, such as a dialog's tag, does not hold the whole decoded header alive).
 */
export function keyText(m: SipMessage, f: number): string | null {
  if (!(m instanceof ParsedMessage)) return keyGetter(m, f);
  const s = m.ix[m.base + 2 * f]!;
  if (s < 0) return null;
  const e = m.ix[m.base + 2 * f + 1]!;
  return asciiText(m.raw, s, e) ?? keyGetter(m, f);
}

/**
 * {@link keyText} for a field whose text differs on every call (a Call-ID, a tag): made from its
 * octets without the text cache (hashing it there would only evict a value that comes back).
 */
export function keyTextOnce(m: SipMessage, f: number): string | null {
  if (!(m instanceof ParsedMessage)) return keyGetter(m, f);
  const s = m.ix[m.base + 2 * f]!;
  if (s < 0) return null;
  const e = m.ix[m.base + 2 * f + 1]!;
  const n = e - s;
  if (n > 64) return asciiText(m.raw, s, e) ?? keyGetter(m, f);
  const raw = m.raw;
  const codes = (codesBySize[n] ??= new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    const c = raw[s + i]!;
    if (c >= 0x80) return keyGetter(m, f);
    codes[i] = c;
  }
  return String.fromCharCode.apply(null, codes);
}

/** `keyText(m, f)?.startsWith(prefix) === true` for an ASCII `prefix`, from the octets when they tell. */
export function keyFieldStartsWith(m: SipMessage, f: number, prefix: string): boolean {
  if (m instanceof ParsedMessage) {
    const s = m.ix[m.base + 2 * f]!;
    if (s < 0) return false;
    const e = m.ix[m.base + 2 * f + 1]!;
    const raw = m.raw;
    let i = 0;
    for (; i < prefix.length && s + i < e; i++) {
      const c = raw[s + i]!;
      if (c >= 0x80) break;
      if (c !== prefix.charCodeAt(i)) return false;
    }
    if (i === prefix.length) return true;
    if (s + i === e) return false; // all ASCII and shorter than the prefix
  }
  return keyText(m, f)?.startsWith(prefix) === true;
}

/**
 * raw[s, e) as a flat string when every octet is ASCII, else null. The values a proxy or phone
 * reads again and again (sent-by hosts, Route and Request-URIs, rport) come from a small cache
 * keyed by a hash of the octets (checked octet by octet), the others are made once.
 */
export function asciiText(raw: Uint8Array, s: number, e: number): string | null {
  const n = e - s;
  if (n > 64) {
    for (let i = s; i < e; i++) if (raw[i]! >= 0x80) return null;
    return latin1.decode(raw.subarray(s, e));
  }
  let h = FNV_BASIS | 0;
  for (let i = s; i < e; i++) {
    const c = raw[i]!;
    if (c >= 0x80) return null;
    h = Math.imul(h ^ c, 0x01000193);
  }
  const slot = (h ^ (h >>> 16)) & (TEXT_CACHE_SIZE - 1);
  const hit = textCache[slot]!;
  if (hit.length === n) {
    let same = true;
    for (let i = 0; i < n && same; i++) same = hit.charCodeAt(i) === raw[s + i];
    if (same) return hit;
  }
  // an array of exactly n codes for String.fromCharCode (no length change, one per size)
  const codes = (codesBySize[n] ??= new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) codes[i] = raw[s + i]!;
  const t = String.fromCharCode.apply(null, codes);
  textCache[slot] = t;
  return t;
}
const TEXT_CACHE_SIZE = 512;
const textCache: string[] = new Array<string>(TEXT_CACHE_SIZE).fill('\u0000');
const codesBySize: number[][] = [];
const latin1 = new TextDecoder('latin1');

/** The getter of key field f. */
function keyGetter(m: SipMessage, f: number): string | null {
  switch (f) {
    case F_METHOD:
      return m.method;
    case F_URI:
      return m.requestUri;
    case F_CALLID:
      return m.callId;
    case F_FROMTAG:
      return m.fromTag;
    case F_TOTAG:
      return m.toTag;
    case F_BRANCH:
      return m.branch;
    case F_SENTBY:
      return m.viaSentBy;
    case F_RECEIVED:
      return m.viaReceived;
    case F_RPORT:
      return m.viaRport;
    default:
      throw new RangeError(`key field ${f} has no reader here`);
  }
}

/** FNV-1a of key field f's octets (equal to {@link fnvStr} of its text when ASCII); 0 when absent. */
export function keyFieldHash(m: SipMessage, f: number): number {
  if (m instanceof ParsedMessage) {
    const s = m.ix[m.base + 2 * f]!;
    if (s < 0) return 0;
    const e = m.ix[m.base + 2 * f + 1]!;
    const raw = m.raw;
    let h = FNV_BASIS | 0; // int32 in the loop (see fnvStr)
    for (let i = s; i < e; i++) {
      const c = raw[i]!;
      if (c >= 0x80) return utf8Hash(keyGetter(m, f)!); // the decoded text's octets, as stored ones are hashed
      h = Math.imul(h ^ c, 0x01000193);
    }
    return h >>> 0;
  }
  const v = keyGetter(m, f);
  return v === null ? 0 : utf8Hash(v);
}

/**
 * Whether the message has a header field of that name (`m.header(lower) !== null`) for a name the
 * parser's index does not key (RSeq, Require...): names compared as octets, nothing decoded.
 */
export function hasOtherField(m: SipMessage, lower: string): boolean {
  if (!(m instanceof ParsedMessage)) return m.header(lower) !== null;
  const fx = otherFields.of(m);
  const raw = m.raw;
  const n = fx.count;
  for (let i = 0; i < n; i++)
    if (fx.id(i) === K_OTHER && equalsIgnoreCase(raw, fx.ns(i), fx.ne(i), lower)) return true;
  return false;
}
const otherFields = new FieldIndex();

/** FNV-1a of the UTF-8 octets of `t` (what {@link keyFieldHash} gives for a field holding t). */
export function utf8Hash(t: string): number {
  // fnvStr's loop, left at the first non-ASCII unit (one pass over an ASCII text, not two)
  let x = FNV_BASIS | 0;
  let i = 0;
  for (; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c >= 0x80) break;
    x = Math.imul(x ^ c, 0x01000193);
  }
  if (i === t.length) return x >>> 0;
  const b = new TextEncoder().encode(t);
  let h = FNV_BASIS | 0;
  for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
  return h >>> 0;
}

export { F_CALLID, F_FROMTAG, F_METHOD, F_TOTAG, F_URI, F_BRANCH, F_SENTBY, F_RECEIVED, F_RPORT };

/**
 * {@link fnvStr} from the basis over `${getter}` of key field f ('null' when absent), read from the
 * octets when they are ASCII (the same number, no string).
 */
export function keyFieldFnv(m: SipMessage, f: number): number {
  if (m instanceof ParsedMessage) {
    const s = m.ix[m.base + 2 * f]!;
    if (s < 0) return fnvStr(FNV_BASIS, 'null');
    const e = m.ix[m.base + 2 * f + 1]!;
    const raw = m.raw;
    let h = FNV_BASIS | 0; // int32 in the loop (see fnvStr)
    for (let i = s; i < e; i++) {
      const c = raw[i]!;
      if (c >= 0x80) return fnvStr(FNV_BASIS, `${keyGetter(m, f)}`);
      h = Math.imul(h ^ c, 0x01000193);
    }
    return h >>> 0;
  }
  return fnvStr(FNV_BASIS, `${keyGetter(m, f)}`);
}
