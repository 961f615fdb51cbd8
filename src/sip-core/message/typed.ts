/**
 * Typed header access for parsed messages: each header field is decoded by the typed-header registry
 * on first access and cached on the message.
 * @remarks RFC 3261 §20 (header fields); STYLE.md habit 5 (parse headers lazily, cache).
 * Unknown headers have no decoder and stay raw text (`header()` / `values()`).
 */
import type { Diagnostic } from '../diagnostic';
import { bareOut, NO_DIAGNOSTICS, type Decoded } from './headers/decoded';
import { asciiAt } from './headers/chars';
import { decoderOf, type TypedDecoder } from './headers/registry';
import { canonicalHeaderName } from './header-names';
import { parseVia, type Via, ViaValue, viaSpanValue } from './headers/via';
import { parseFrom, parseRecordRoute, parseRoute, parseTo } from './headers/address';
import {
  callIdSpanValue,
  contentLengthSpanValue,
  type CSeq,
  cseqSpanValue,
  maxForwardsSpanValue,
  methodAt,
  parseCallId,
  parseContentLength,
  parseCSeq,
  parseMaxForwards,
} from './headers/scalar';
import { contentTypeSpanValue, type MediaType, parseContentType } from './headers/media';
import {
  type ContactValue,
  contactSpanValue,
  type NameAddr,
  nameAddrListSpanValue,
  nameAddrSpanValue,
  parseContact,
} from './name-addr';
import type { SipMessage } from './sip-message';
import { octetText } from './text';

/**
 * What `ParsedMessage` offers beyond `SipMessage` (declared here structurally so this module needs no
 * runtime import of sip-message.ts, which imports this one for `msg.typed`).
 */
interface Internals {
  typedCache: unknown;
  /** The index chunk; field i's slots start at `slot(i)`: name start/end, value start/end, key id | FOLDED. */
  readonly ix: Int32Array;
  slot(i: number): number;
  readonly headerCount: number;
  canonicalAt(i: number): string;
  valueAt(i: number): string;
  readonly startLineStart: number;
  octetHead(): string | null;
  octetHeadLatin(): boolean;
  /**
   * Not negative while the index is the one the WebAssembly scanner wrote (fast-scan.ts, index ring):
   * the scanner then took the message, so it checked what {@link decodeAllHeaders} reuses (below).
   */
  readonly ixGen: number;
  readonly cseq: number | null;
  readonly contentLength: number | null;
  readonly maxForwards: number | null;
}
function internals(msg: SipMessage): Internals | null {
  return 'canonicalAt' in msg && 'typedCache' in msg ? (msg as unknown as Internals) : null;
}
import { parseUri, type Uri } from './uri';
import { parseSdpBytes, type SdpSession } from './sdp';
import { parseMultipartBody, type Multipart } from './multipart';
import { parseSipfrag, type SipFrag } from './sipfrag';

/** The decoded values of every field of `name` (cached per message); null entries for headers without a decoder. */
export function typedFields(msg: SipMessage, name: string): (Decoded<unknown> | null)[] {
  const cache = cacheOf(msg);
  const key = canonicalHeaderName(name);
  let v = cache.byName?.get(key);
  if (v === undefined) {
    const vals = cache.vals;
    if (vals !== null) {
      // decodeAllHeaders ran: this name's fields out of its per-field values
      v = [];
      const pm = internals(msg);
      const hs = pm ? null : msg.headers;
      for (let i = 0; i < vals.length; i++) {
        if ((pm ? pm.canonicalAt(i) : hs![i]!.canonical) === key) v.push(decodedAt(cache, i));
      }
    } else v = msg.headerAll(key).map((value) => safeDecode(key, value));
    (cache.byName ??= new Map()).set(key, v);
  }
  return v;
}

/** What a message caches of its typed values. */
export interface TypedCache {
  /** Decoded fields by canonical name, filled on demand (null until the first name is asked). */
  byName: Map<string, (Decoded<unknown> | null)[]> | null;
  /**
   * After {@link decodeAllHeaders}: the decoded value of every header field, in message order
   * (`undefined` for a field without a decoder). A Via field the fast path read holds its one
   * {@link ViaValue} (the field's decoded value is `[v]`); `typedFields` makes the `Decoded` of a field
   * from this and {@link TypedCache.diags} when asked.
   */
  vals: unknown[] | null;
  /** The decoders' own diagnostics (spans within the value) of the fields that have some; null when none has. */
  diags: (Diagnostic[] | undefined)[] | null;
  all: Diagnostic[] | null;
  requestUri: Decoded<Uri> | null;
  body: TypedBody | null;
}

/** The body decoded by its Content-Type (RFC 4566 SDP, RFC 2046 multipart, RFC 3420 message/sipfrag). */
export type TypedBody =
  | { kind: 'none' }
  | { kind: 'sdp'; sdp: Decoded<SdpSession> }
  | { kind: 'multipart'; multipart: Decoded<Multipart> }
  | { kind: 'sipfrag'; sipfrag: SipFrag }
  | { kind: 'raw'; contentType: string | null };

/** The body, decoded by Content-Type on first access (cached); spans are absolute offsets in `msg.raw`. */
export function bodyValue(msg: SipMessage): TypedBody {
  const cache = cacheOf(msg);
  if (cache.body) return cache.body;
  let out: TypedBody;
  // the decoders take the whole buffer plus the body's span, so their spans come out absolute
  const raw = msg.raw;
  const span = { start: msg.bodyStart, end: msg.bodyStart + msg.bodyLength };
  const ct = contentTypeValue(msg);
  const type = ct ? `${ct.type}/${ct.subtype}`.toLowerCase() : null;
  try {
    if (msg.bodyLength === 0) out = { kind: 'none' };
    else if (type === 'application/sdp') out = { kind: 'sdp', sdp: parseSdpBytes(raw, span) };
    else if (type?.startsWith('multipart/'))
      out = { kind: 'multipart', multipart: parseMultipartBody(raw, msg.contentType ?? '', span) };
    else if (type === 'message/sipfrag') out = { kind: 'sipfrag', sipfrag: parseSipfrag(raw, span) };
    else out = { kind: 'raw', contentType: msg.contentType };
  } catch {
    // a body decoder bug must not cost the message (STYLE.md habit 6)
    out = { kind: 'raw', contentType: msg.contentType };
  }
  cache.body = out;
  return out;
}

function safeDecode(name: string, value: string): Decoded<unknown> | null {
  // `name` is canonical here (canonicalHeaderName / HeaderField.canonical)
  const fn = decoderOf(name);
  return fn ? safeRun(fn, value) : null;
}

function safeRun(fn: TypedDecoder, value: string): Decoded<unknown> {
  try {
    return fn(value);
  } catch (e) {
    // A decoder bug must never cost the message (STYLE.md habit 6); report it as a diagnostic.
    return {
      value: null,
      diagnostics: [{ code: 'typed-decoder-failed', severity: 'error', layer: 'sip', message: String(e) }],
    };
  }
}

/**
 * A decoder of the ASCII value `s[so, so + len)` whose octets are `raw[at, at + len)`: it reads the
 * octets, and slices `s` only for the strings of its result (the value gets no string of its own). It
 * returns the value itself (no `Decoded` per field) and leaves its diagnostics in `bareOut`.
 */
type OctetDecoder = (s: string, so: number, len: number, raw: Uint8Array, at: number) => unknown;

/** The decoder that reads a value's octets, for the decoders that have one (null for the others). */
function octetDecoderOf(fn: TypedDecoder): OctetDecoder | null {
  if (fn === parseVia) return viaSpanValue;
  if (fn === parseFrom || fn === parseTo) return nameAddrSpanValue;
  if (fn === parseContact) return contactSpanValue;
  if (fn === parseRoute || fn === parseRecordRoute) return nameAddrListSpanValue;
  if (fn === parseCSeq) return cseqSpanValue;
  if (fn === parseCallId) return callIdSpanValue;
  if (fn === parseContentType) return contentTypeSpanValue;
  if (fn === parseContentLength) return contentLengthSpanValue;
  if (fn === parseMaxForwards) return maxForwardsSpanValue;
  return null;
}

/** {@link safeRun} of an {@link OctetDecoder}: its value, its diagnostics in `bareOut`. */
function safeRunAt(
  fn: OctetDecoder,
  s: string,
  so: number,
  len: number,
  raw: Uint8Array,
  at: number,
): unknown {
  try {
    return fn(s, so, len, raw, at) ?? null;
  } catch (e) {
    bareOut.diags = [{ code: 'typed-decoder-failed', severity: 'error', layer: 'sip', message: String(e) }];
    return null;
  }
}

/** The `Decoded` of field i from what {@link decodeAllHeaders} kept (null: no decoder). */
function decodedAt(cache: TypedCache, i: number): Decoded<unknown> | null {
  const v = cache.vals![i];
  if (v === undefined) return null;
  return {
    value: v instanceof ViaValue ? [v] : v,
    diagnostics: cache.diags?.[i] ?? NO_DIAGNOSTICS,
  };
}

const caches = new WeakMap<SipMessage, TypedCache>();
const newCache = (): TypedCache => ({
  byName: null,
  vals: null,
  diags: null,
  all: null,
  requestUri: null,
  body: null,
});
function cacheOf(msg: SipMessage): TypedCache {
  const pm = internals(msg);
  if (pm) return (pm.typedCache ??= newCache()) as TypedCache;
  let c = caches.get(msg);
  if (!c) {
    c = newCache();
    caches.set(msg, c);
  }
  return c;
}

/**
 * Key header ids of the structural parse (sip-message.ts `KEY_HEADER_CANONICAL`; written here because
 * sip-message.ts imports this module; test/sip-core/message/typed-access.test.ts checks them).
 */
export const KEY_ID = {
  via: 1,
  from: 2,
  to: 3,
  cseq: 5,
  'content-type': 8,
  route: 9,
  'record-route': 10,
  contact: 11,
} as const;

/**
 * Field i's decoded value when {@link decodeAllHeaders} kept it and field i is header `name` (key id
 * `id`): the key id compared in the index, the canonical name only for a field without one. `undefined`
 * otherwise (another header, or no decoder).
 */
function keptAt(
  pm: Internals,
  ix: Int32Array,
  o: number,
  vals: unknown[],
  i: number,
  name: string,
  id: number,
): unknown {
  const w = ix[o + 4]! & 255;
  if (w !== id && (w !== 0 || pm.canonicalAt(i) !== name)) return undefined;
  return vals[i];
}

function values<T>(msg: SipMessage, name: string, id: number): T[] {
  const out: T[] = [];
  const pm = internals(msg);
  const vals = pm ? cacheOf(msg).vals : null;
  if (pm !== null && vals !== null) {
    // after decodeAllHeaders: the kept values by key id (no per-name list, no Decoded); the index read
    // once (field i's slots at o0 + i * stride; nothing here parses another message)
    const ix = pm.ix;
    const o0 = pm.slot(0);
    const stride = pm.slot(1) - o0;
    for (let i = 0; i < vals.length; i++) {
      const v = keptAt(pm, ix, o0 + i * stride, vals, i, name, id);
      if (v === null || v === undefined) continue;
      if (Array.isArray(v)) for (let k = 0; k < v.length; k++) out.push(v[k] as T);
      else out.push(v as T);
    }
    return out;
  }
  for (const d of typedFields(msg, name)) {
    const v = d?.value;
    if (v === null || v === undefined) continue;
    if (Array.isArray(v)) out.push(...(v as T[]));
    else out.push(v as T);
  }
  return out;
}

function first<T>(msg: SipMessage, name: string, id: number): T | null {
  const pm = internals(msg);
  const vals = pm ? cacheOf(msg).vals : null;
  if (pm !== null && vals !== null) {
    const ix = pm.ix;
    const o0 = pm.slot(0);
    const stride = pm.slot(1) - o0;
    for (let i = 0; i < vals.length; i++) {
      const w = ix[o0 + i * stride + 4]! & 255;
      if (w !== id && (w !== 0 || pm.canonicalAt(i) !== name)) continue;
      // the first field of that name (typedFields(...)[0]): its value, null without a decoder
      const v = vals[i];
      return v === undefined ? null : v instanceof ViaValue ? ([v] as T) : (v as T | null);
    }
    return null;
  }
  const d = typedFields(msg, name)[0];
  return (d?.value as T | null | undefined) ?? null;
}

/** Every Via value, top first (RFC 3261 §20.42). */
export function viaValues(msg: SipMessage): Via[] {
  return values<Via>(msg, 'via', KEY_ID.via);
}
/** From (RFC 3261 §20.20). */
export function fromValue(msg: SipMessage): NameAddr | null {
  return first<NameAddr>(msg, 'from', KEY_ID.from);
}
/** To (RFC 3261 §20.39). */
export function toValue(msg: SipMessage): NameAddr | null {
  return first<NameAddr>(msg, 'to', KEY_ID.to);
}
/** Contact fields (RFC 3261 §20.10); `*` is `{wildcard: true}`. */
export function contactValues(msg: SipMessage): ContactValue[] {
  return values<ContactValue>(msg, 'contact', KEY_ID.contact);
}
/** Route values, in order (RFC 3261 §20.34). */
export function routeValues(msg: SipMessage): NameAddr[] {
  return values<NameAddr>(msg, 'route', KEY_ID.route);
}
/** Record-Route values, in order (RFC 3261 §20.30). */
export function recordRouteValues(msg: SipMessage): NameAddr[] {
  return values<NameAddr>(msg, 'record-route', KEY_ID['record-route']);
}
/** CSeq (RFC 3261 §20.16). */
export function cseqValue(msg: SipMessage): CSeq | null {
  return first<CSeq>(msg, 'cseq', KEY_ID.cseq);
}
/** Content-Type with parameters (RFC 3261 §20.15). */
export function contentTypeValue(msg: SipMessage): MediaType | null {
  return first<MediaType>(msg, 'content-type', KEY_ID['content-type']);
}

/** The Request-URI, parsed (RFC 3261 §19.1); null for responses. Cached. */
export function requestUriValue(msg: SipMessage): Decoded<Uri> | null {
  if (msg.requestUri === null) return null;
  const cache = cacheOf(msg);
  return (cache.requestUri ??= parseUri(msg.requestUri));
}

/**
 * Where the CSeq method's key span (sip-message.ts F_CSEQM = 5; two slots per key field, 28 key slots
 * before field 0's slots) starts, relative to field 0's first slot.
 */
const CSEQM_AT = 2 * 5 - 28;

/** Decoders of the structural parser's key headers, by key id (filled on first use). */
const decoderById: (TypedDecoder | null)[] = [];
/** Their octet-reading fast paths (see {@link octetDecoderOf}), by key id, set with `decoderById`. */
const octetById: (OctetDecoder | null)[] = [];

/**
 * Decodes every header field that has a typed decoder (the "full typed parse"), fills the per-name
 * cache, and returns the decoders' diagnostics. Spans are rebased onto the message when the field is
 * not folded; otherwise they point at the whole field value.
 */
export function decodeAllHeaders(msg: SipMessage): Diagnostic[] {
  const pm = internals(msg);
  const cache = pm ? ((pm.typedCache ??= newCache()) as TypedCache) : cacheOf(msg);
  if (cache.all) return cache.all;
  // (NO_DIAGNOSTICS until the first finding: a clean message allocates no list)
  let out: Diagnostic[] = NO_DIAGNOSTICS;
  const n = pm ? pm.headerCount : msg.headers.length;
  // one slot per field; `typedFields` groups them by name when asked (no Map built here)
  const vals = new Array<unknown>(n);
  let diags: (Diagnostic[] | undefined)[] | null = null;
  const raw = msg.raw;
  // the header section as one string of one character per octet: the octet decoders read values where
  // they lie in it (sip-message.ts octetHead: the latin1 reading unless the UTF-8 decode was made; the
  // octet decoders then hand a value they decline to the general decoder decoded as UTF-8, text.ts)
  const head = pm ? pm.octetHead() : null;
  const latin = head !== null && pm!.octetHeadLatin();
  octetText.latin1 = latin;
  const hb = pm ? pm.startLineStart : 0;
  // the index read once per message (nothing here parses another message, so it stays where it is):
  // field i's slots at o0 + i * stride
  const ix = pm ? pm.ix : null;
  const o0 = pm ? pm.slot(0) : 0;
  const stride = pm ? pm.slot(1) - o0 : 0;
  // The scanner took this message (its index is the scanner's, read just above): it read every
  // Content-Length value as 1-9 digits, all equal (R_CLVALUE: contentLength), the first Max-Forwards
  // as 1-9 digits up to 255 (maxForwards), and the first CSeq as 1-10 digits below 2^31, SP/HT, then a
  // method of token octets up to the value's end (cseq, the F_CSEQM span), values not folded
  // (tools/wasm/sip-scan.as parseDigits, parseCseq): exactly what the octet decoders of those fields
  // accept with nothing to report, and the values they would give. So those fields' values are taken
  // from there instead of reading their octets again (fast-scan.test.ts: both parsers give the same
  // spans; typed/scanned-scalars.test.ts: the same typed values with and without the scanner).
  const scanned = pm !== null && pm.ixGen >= 0 && head !== null;
  const csm = scanned ? ix![o0 + CSEQM_AT]! : -1;
  let maxfSeen = false;
  for (let i = 0; i < n; i++) {
    let vs: number;
    let ve: number;
    let v: unknown = undefined;
    let dg: Diagnostic[] = NO_DIAGNOSTICS;
    if (pm) {
      // the key headers' decoders by id (no name lookup); the value is decoded only when a decoder wants it.
      // The field's slots read once here (sip-message.ts: key id in the low 8 bits, FOLDED = 256)
      const o = o0 + i * stride;
      const w = ix![o + 4]!;
      const id = w & 255;
      let fn: TypedDecoder | null | undefined;
      let at: OctetDecoder | null;
      if (id > 0) {
        fn = decoderById[id];
        if (fn === undefined) {
          fn = decoderById[id] = decoderOf(pm.canonicalAt(i)) ?? null;
          octetById[id] = fn ? octetDecoderOf(fn) : null;
        }
        at = octetById[id]!;
      } else {
        fn = decoderOf(pm.canonicalAt(i));
        at = fn ? octetDecoderOf(fn) : null;
      }
      vs = ix![o + 2]!;
      ve = ix![o + 3]!;
      if (scanned && id === 7) {
        // Content-Length (every field: the scanner read each one and found them equal)
        v = pm.contentLength;
      } else if (scanned && id === 5 && csm >= vs && csm < ve) {
        // the first CSeq (its method's key span lies in this value): method as cseqSpanValue makes it
        v = { seq: pm.cseq, method: methodAt(raw, csm, ve - csm) ?? head!.slice(csm - hb, ve - hb) };
      } else if (scanned && id === 6 && !maxfSeen) {
        // the first Max-Forwards
        maxfSeen = true;
        v = pm.maxForwards;
      } else if (at !== null && head !== null && ve - hb <= head.length && (w & 256) === 0) {
        // Via and the address headers, most of every message: read from the octets (same results)
        v = safeRunAt(at, head, vs - hb, ve - vs, raw, vs);
        dg = bareOut.diags;
      } else if (fn) {
        // (a value of the latin1 header section is its text when its octets are ASCII: the UTF-8
        // decode of the header section, which valueAt would make, is not needed for it)
        const text =
          latin && (w & 256) === 0 && ve - hb <= head!.length && asciiAt(raw, vs, ve)
            ? head!.slice(vs - hb, ve - hb)
            : pm.valueAt(i);
        const d = safeRun(fn, text);
        v = d.value ?? null;
        dg = d.diagnostics;
      }
    } else {
      const h = msg.headers[i]!;
      vs = h.valueSpan.start;
      ve = h.valueSpan.end;
      const fn = decoderOf(h.canonical);
      if (fn) {
        const d = safeRun(fn, h.value());
        v = d.value ?? null;
        dg = d.diagnostics;
      }
    }
    vals[i] = v;
    if (dg.length === 0) continue;
    (diags ??= new Array<Diagnostic[] | undefined>(n))[i] = dg;
    let folded = false;
    for (let k = vs; k < ve; k++) {
      if (raw[k] === 10 || raw[k] === 13) {
        folded = true;
        break;
      }
    }
    if (out === NO_DIAGNOSTICS) out = [];
    for (const diag of dg) {
      const copy: Diagnostic = { ...diag };
      copy.span =
        diag.span && !folded
          ? { start: vs + diag.span.start, end: Math.min(ve, vs + diag.span.end) }
          : { start: vs, end: ve };
      out.push(copy);
    }
  }
  bareOut.diags = NO_DIAGNOSTICS;
  octetText.latin1 = false;
  cache.vals = vals;
  cache.diags = diags;
  cache.all = out;
  return out;
}

/**
 * Lazy typed view of a message (`msg.typed`): each property decodes on first access and is cached on
 * the message. `msg.typed.via[0].received`, `msg.typed.from?.tag`, `msg.typed.body.kind`...
 */
export class TypedView {
  constructor(private readonly msg: SipMessage) {}
  get via(): Via[] {
    return viaValues(this.msg);
  }
  get from(): NameAddr | null {
    return fromValue(this.msg);
  }
  get to(): NameAddr | null {
    return toValue(this.msg);
  }
  get contacts(): ContactValue[] {
    return contactValues(this.msg);
  }
  get route(): NameAddr[] {
    return routeValues(this.msg);
  }
  get recordRoute(): NameAddr[] {
    return recordRouteValues(this.msg);
  }
  get cseq(): CSeq | null {
    return cseqValue(this.msg);
  }
  get contentType(): MediaType | null {
    return contentTypeValue(this.msg);
  }
  get requestUri(): Uri | null {
    return requestUriValue(this.msg)?.value ?? null;
  }
  get body(): TypedBody {
    return bodyValue(this.msg);
  }
  /** Decoded values of every field of that header (null for headers without a decoder). */
  field(name: string): (Decoded<unknown> | null)[] {
    return typedFields(this.msg, name);
  }
  /** Decodes every header; the typed decoders' diagnostics, spans absolute. */
  diagnostics(): Diagnostic[] {
    return decodeAllHeaders(this.msg);
  }
}
