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
  F_TOTAG,
  F_URI,
  FOLDED,
  KEY_HEADER_CANONICAL,
  ParsedMessage,
} from '../message/sip-message';

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
    return this.pm ? this.pm.valueAt(i) : this.m!.headers[i]!.value();
  }
  /**
   * The comma-separated values of field i appended to `out`, as `values(name)` gives them for a
   * list header (quotes, <> and [] respected; empty elements skipped).
   */
  listValues(i: number, out: string[]): void {
    const raw = this.raw;
    const spans = scratch;
    spans.length = 0;
    splitCommaSpans(raw, this.vs(i), this.ve(i), spans);
    for (let k = 0; k < spans.length; k += 2)
      if (spans[k + 1]! > spans[k]!) out.push(this.text(i, spans[k]!, spans[k + 1]!));
  }
  /** raw[s, e) inside field i, unfolded: a slice of the message's decoded header when the field has no fold. */
  private text(i: number, s: number, e: number): string {
    const pm = this.pm;
    if (pm && (this.ix[this.o + i * 5 + 4]! & FOLDED) === 0) return pm.text(s, e);
    return decodeUnfolded(this.raw, s, e);
  }
  /** The first comma-separated value of field i (`values(name)[0]` when i is the first field), or null. */
  firstListValue(i: number): string | null {
    const raw = this.raw;
    const spans = scratch;
    spans.length = 0;
    splitCommaSpans(raw, this.vs(i), this.ve(i), spans);
    for (let k = 0; k < spans.length; k += 2)
      if (spans[k + 1]! > spans[k]!) return this.text(i, spans[k]!, spans[k + 1]!);
    return null;
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
const scratch: number[] = [];

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
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
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
    let h = FNV_BASIS;
    let ok = true;
    const fields = KEY_HASH_FIELDS;
    for (let k = 0; k < fields.length && ok; k++) {
      if (k > 0) h = Math.imul(h ^ PIPE, 0x01000193) >>> 0;
      const s = ix[base + 2 * fields[k]!]!;
      if (s < 0) {
        h = fnvStr(h, 'null');
        continue;
      }
      const e = ix[base + 2 * fields[k]! + 1]!;
      for (let i = s; i < e; i++) {
        const c = raw[i]!;
        if (c >= 0x80) {
          ok = false;
          break;
        }
        h = Math.imul(h ^ c, 0x01000193) >>> 0;
      }
    }
    if (ok) {
      h = Math.imul(h ^ PIPE, 0x01000193) >>> 0;
      return fnvStr(h, String(m.cseq));
    }
  }
  return fnvStr(FNV_BASIS, `${m.requestUri}|${m.fromTag}|${m.toTag}|${m.callId}|${m.cseq}`);
}
const KEY_HASH_FIELDS = [F_URI, F_FROMTAG, F_TOTAG, F_CALLID] as const;
