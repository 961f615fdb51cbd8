/**
 * Edits to a received message applied as byte splices when it is serialized, the way a proxy
 * forwards (RFC 3261 §16.6: Request-URI, Max-Forwards, Route, Record-Route, Via; §16.7 step 3: the
 * top Via of a response). Kamailio's `lump` lists, in short: the received bytes are never changed
 * or re-encoded; the output is the copied ranges of the received message with new bytes spliced in.
 * Fields are found through the parser's header index (`headerSpans`), so `msg.headers` is never
 * materialized.
 *
 * The semantics are those of the message layer's `MessageEditor` (same insertion points, same
 * first-value removal, Content-Length following the body), except that unchanged fields keep their
 * bytes as received (folds and line endings included) instead of being re-serialized canonically.
 * @remarks STYLE.md habit 5 (spans over the raw bytes; edits are patches applied at serialization).
 */
import { canonicalHeaderName, type SipMessage } from '../message';
import { ByteWriter } from './byte-writer';
import {
  F_URI,
  FieldIndex,
  K_CONTENT_LENGTH,
  K_MAX_FORWARDS,
  keyText,
  K_OTHER,
  K_RECORD_ROUTE,
  K_ROUTE,
  K_VIA,
  keyIdOf,
} from './msg-index';

const enc = new TextEncoder();
const writer = new ByteWriter();
const utf8 = new TextDecoder();
const latin1 = new TextDecoder('latin1');

/** Rejects CR/LF in a generated header name or value (header injection). */
function clean(s: string): string {
  return s.includes('\r') || s.includes('\n') ? s.replace(/[\r\n]+[ \t]*/g, ' ') : s;
}

/** Start offsets of the comma-separated values of `v` (quotes and <> respected). */
function commaValues(v: string): string[] {
  const out: string[] = [];
  let q = false;
  let a = 0;
  let from = 0;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c === 92 /* \ */ && q) i++;
    else if (c === 34 /* " */) q = !q;
    else if (!q && c === 60 /* < */) a++;
    else if (!q && c === 62 /* > */) a--;
    else if (!q && a === 0 && c === 44 /* , */) {
      out.push(v.slice(from, i).trim());
      from = i + 1;
    }
  }
  out.push(v.slice(from).trim());
  return out.filter((x) => x !== '');
}

const CRLF = enc.encode('\r\n');

/** Key header id of a header name as spelled by callers (`Via`, `route`...), filled on first use. */
const keyIdByName = new Map<string, number>();

const SMALL_NUMBERS: readonly string[] = Array.from({ length: 71 }, (_, i) => String(i));

/** Record kinds of a patch's flat edit list. */
const FIELD = 0;
const INSERT = 1;
const DEAD = 2;
/** Numbers per record: kind, name id, then FIELD: ls, vs, ve, le (line start, value span, line end after its LF); INSERT: at, seq. */
const STRIDE = 6;
/** Name ids of names the parser's index does not know start here (key header ids are below). */
const OTHER_BASE = 32;

/** Ranks at one offset: a new top Via, then inserted fields, then an added Content-Length, then changes. */
const R_TOP_VIA = 0;
const R_INSERT = 1;
const R_CONTENT_LENGTH = 2;
const R_CHANGE = 3;

/**
 * The splices of one {@link MessagePatch.toBytes} call, flat (start, end, rank per splice, and its
 * text): bytes [start, end) of the received message replaced by the text. Reused by every call.
 */
const spNum: number[] = [];
const spText: (string | Uint8Array)[] = [];
let spCount = 0;
function splice(start: number, end: number, rank: number, text: string | Uint8Array): void {
  const k = spCount++;
  spNum[3 * k] = start;
  spNum[3 * k + 1] = end;
  spNum[3 * k + 2] = rank;
  spText[k] = text;
}
/** Splice order (indices), sorted by offset then rank, stable. */
const spOrder: number[] = [];
/** Live insertions of one toBytes call (record indices), sorted by offset then sequence. */
const insOrder: number[] = [];

/** The index reader of {@link MessagePatch} (used inside one call at a time). */
const patchFields = new FieldIndex();

/** raw[vs, ve)'s line: start (after the previous LF) and end (after its own LF), as [ls, le]. */
export function lineStart(raw: Uint8Array, vs: number): number {
  let ls = vs;
  while (ls > 0 && raw[ls - 1] !== 10) ls--;
  return ls;
}
export function lineEnd(raw: Uint8Array, ve: number): number {
  let le = ve;
  while (le < raw.length && raw[le] !== 10) le++;
  return le < raw.length ? le + 1 : le;
}

export class MessagePatch {
  /**
   * The edits as one flat list: located fields of the received message (FIELD records, in the
   * order their names were first asked for, each name's fields in message order) and inserted
   * fields (INSERT records; DEAD once removed). `obj` holds, per record, a field's new value
   * (undefined: as received; null: removed) or an insertion's line (without CRLF as a string, or
   * the line's bytes with their CRLF).
   */
  private num: number[] | null = null;
  private obj: (string | Uint8Array | null | undefined)[] | null = null;
  private count = 0;
  /** Key header ids whose fields are located (bit per id). */
  private locMask = 0;
  /** Canonical names the index does not know (name id OTHER_BASE + i), and which of them are located. */
  private others: string[] | null = null;
  private othersLocated: number[] | null = null;
  /** Insertion sequence: top insertions count down, bottom ones up (order among one offset). */
  private seq = 0;
  private inserts = 0;
  private requestUri: string | null = null;
  private newBody: Uint8Array | null = null;
  private headStart = -1;
  private headEnd = -1;
  /** True once any change was recorded. */
  changed = false;

  constructor(readonly msg: SipMessage) {}

  /** Name id of a header name as the caller spells it (`Via`, `record-route`...), see {@link nameId}. */
  private nameIdOf(name: string): number {
    const k = keyIdByName.get(name);
    if (k !== undefined) return k;
    const canonical = canonicalHeaderName(name);
    const id = this.nameId(canonical);
    // names of key headers are few (each spelling once): remembered; others depend on this patch
    if (id < OTHER_BASE && keyIdByName.size < 256) keyIdByName.set(name, id);
    return id;
  }

  /** Name id of a canonical name: its key header id, or one past the known names. */
  private nameId(canonical: string): number {
    const k = keyIdOf(canonical);
    if (k !== K_OTHER) return k;
    const others = (this.others ??= []);
    let i = others.indexOf(canonical);
    if (i < 0) {
      i = others.length;
      others.push(canonical);
    }
    return OTHER_BASE + i;
  }

  private add(
    kind: number,
    id: number,
    a: number,
    b: number,
    c: number,
    d: number,
    o: string | Uint8Array | null | undefined,
  ): void {
    // room for the four records a forwarded request usually needs (Max-Forwards, the received Via
    // and its replacement, Record-Route) in one allocation each, instead of growing from empty
    const num = (this.num ??= newRecords());
    const obj = (this.obj ??= [undefined, undefined, undefined, undefined]);
    const k = this.count++;
    const at = k * STRIDE;
    num[at] = kind;
    num[at + 1] = id;
    num[at + 2] = a;
    num[at + 3] = b;
    num[at + 4] = c;
    num[at + 5] = d;
    obj[k] = o;
  }

  private isLocated(id: number): boolean {
    return id < OTHER_BASE ? (this.locMask & (1 << id)) !== 0 : (this.othersLocated ?? NO_IDS).includes(id);
  }

  /** Locates the fields of that (canonical) name once; returns its name id. */
  private fields(canonical: string): number {
    return this.fieldsOf(this.nameId(canonical), canonical);
  }

  /** {@link fields} of a header name as spelled by the caller. */
  private fieldsByName(name: string): number {
    const id = this.nameIdOf(name);
    return this.fieldsOf(id, id < OTHER_BASE ? '' : this.others![id - OTHER_BASE]!);
  }

  /** Locates the fields of name id `id` (canonical name `canonical` for a name the index does not key). */
  private fieldsOf(id: number, canonical: string): number {
    if (this.isLocated(id)) return id;
    if (id < OTHER_BASE) this.locMask |= 1 << id;
    else (this.othersLocated ??= []).push(id);
    const m = this.msg;
    const raw = m.raw;
    // the parser counted these: no search when there are none
    const none =
      (id === K_ROUTE && m.routeCount === 0) || (id === K_RECORD_ROUTE && m.recordRouteCount === 0);
    if (none) return id;
    if (id < OTHER_BASE) {
      // a key header: found by its id in the parser's index (no names decoded, no span objects)
      const fx = patchFields.of(m);
      const n = fx.count;
      for (let i = 0; i < n; i++)
        if (fx.id(i) === id) {
          const vs = fx.vs(i);
          const ve = fx.ve(i);
          this.add(FIELD, id, lineStart(raw, vs), vs, ve, lineEnd(raw, ve), undefined);
        }
    } else
      for (const sp of m.headerSpans(canonical))
        this.add(FIELD, id, lineStart(raw, sp.start), sp.start, sp.end, lineEnd(raw, sp.end), undefined);
    return id;
  }

  /** Record index of the first (or last) field of name `id` not removed, -1 when none. */
  private liveField(id: number, last: boolean): number {
    const num = this.num;
    const obj = this.obj;
    if (num === null || obj === null) return -1;
    let found = -1;
    for (let k = 0; k < this.count; k++) {
      const at = k * STRIDE;
      if (num[at] === FIELD && num[at + 1] === id && obj[k] !== null) {
        if (!last) return k;
        found = k;
      }
    }
    return found;
  }

  /** Offset of the first header line, and of the empty line ending the header section. */
  private bounds(): void {
    if (this.headStart >= 0) return;
    const m = this.msg;
    const raw = m.raw;
    let s = m.startLineSpan.end;
    while (s < raw.length && raw[s] !== 10) s++;
    this.headStart = Math.min(s + 1, m.bodyStart);
    let e = m.bodyStart;
    if (e > 0 && raw[e - 1] === 10) e--;
    if (e > 0 && raw[e - 1] === 13) e--;
    this.headEnd = Math.max(e, this.headStart);
  }

  private insertAt(at: number, id: number, line: string | Uint8Array, first: boolean): void {
    this.add(INSERT, id, at, first ? -++this.seq : ++this.seq, 0, 0, line);
    this.inserts++;
  }

  private removeInserted(id: number): void {
    const num = this.num;
    if (num === null || this.inserts === 0) return;
    for (let k = 0; k < this.count; k++) {
      const at = k * STRIDE;
      if (num[at] === INSERT && num[at + 1] === id) {
        num[at] = DEAD;
        this.inserts--;
      }
    }
  }

  private valueOf(k: number): string {
    const v = this.obj![k];
    if (typeof v === 'string') return v;
    const at = k * STRIDE;
    return this.text(this.num![at + 3]!, this.num![at + 4]!);
  }

  private text(s: number, e: number): string {
    const raw = this.msg.raw;
    let plain = true;
    for (let i = s; i < e; i++) {
      const c = raw[i]!;
      if (c < 0x20 || c > 0x7e) {
        plain = c === 9;
        if (!plain) break;
      }
    }
    // non-ASCII or folded: decode properly (folds become one SP, RFC 3261 §7.3.1)
    if (!plain) return utf8.decode(raw.subarray(s, e)).replace(/\r?\n[ \t]+/g, ' ');
    return latin1.decode(raw.subarray(s, e));
  }

  /** True when field record k's value holds a comma. */
  private hasComma(k: number): boolean {
    const v = this.obj![k];
    if (typeof v === 'string') return v.includes(',');
    const raw = this.msg.raw;
    const at = k * STRIDE;
    const e = this.num![at + 4]!;
    for (let i = this.num![at + 3]!; i < e; i++) if (raw[i] === 44) return true;
    return false;
  }

  /** True when bytes [s, e) are the decimal digits of `n`. */
  private isNumber(s: number, e: number, n: number): boolean {
    const t = String(n);
    if (e - s !== t.length) return false;
    const raw = this.msg.raw;
    for (let i = 0; i < t.length; i++) if (raw[s + i] !== t.charCodeAt(i)) return false;
    return true;
  }

  /** RFC 3261 §16.5/§16.6 step 6: rewrite the Request-URI. */
  setRequestUri(uri: string): this {
    this.requestUri = clean(uri);
    this.changed = true;
    return this;
  }

  /** The Request-URI as it will be sent. */
  get currentRequestUri(): string | null {
    return this.requestUri ?? keyText(this.msg, F_URI);
  }

  /** Where a field of name `id` goes: before its first live field (top) or after its last, else the header section's start or end. */
  private placeOf(id: number, where: 'top' | 'bottom'): number {
    const k = this.liveField(id, where !== 'top');
    this.bounds();
    if (k < 0) return where === 'top' ? this.headStart : this.headEnd;
    return this.num![k * STRIDE + (where === 'top' ? 2 : 5)]!;
  }

  /**
   * Insert a header field. `top` puts it before the first field of the same name, or first in the
   * header section when there is none (a proxy's Via and Record-Route, §16.6 steps 4 and 8);
   * `bottom` after the last field of that name, or at the end of the header section.
   */
  addHeader(name: string, value: string, where: 'top' | 'bottom' = 'top'): this {
    const id = this.fieldsByName(name);
    this.insertAt(this.placeOf(id, where), id, `${clean(name)}: ${clean(value)}`, where === 'top');
    this.changed = true;
    return this;
  }

  /**
   * {@link addHeader} of a whole field line already encoded: `line` is `Name: value` and its CRLF,
   * with no other CR or LF (the caller wrote it).
   */
  addHeaderBytes(name: string, line: Uint8Array, where: 'top' | 'bottom' = 'top'): this {
    const id = this.fieldsByName(name);
    this.insertAt(this.placeOf(id, where), id, line, where === 'top');
    this.changed = true;
    return this;
  }

  /** Remove every field of that name (inserted ones included). */
  removeHeader(name: string): this {
    const id = this.fieldsByName(name);
    const num = this.num;
    const obj = this.obj;
    if (num !== null && obj !== null)
      for (let k = 0; k < this.count; k++)
        if (num[k * STRIDE] === FIELD && num[k * STRIDE + 1] === id) obj[k] = null;
    this.removeInserted(id);
    this.changed = true;
    return this;
  }

  /**
   * Remove the first comma-separated value of that header, in message order (an inserted field
   * before the received one it precedes): the top Via of a response (§16.7 step 3), the top Route
   * of a loose-routed request (§16.4).
   */
  removeFirstValue(name: string): this {
    const id = this.fieldsByName(name);
    this.changed = true;
    const num = this.num;
    const obj = this.obj;
    if (num === null || obj === null) return this;
    // the inserted field of that name at the smallest offset, first in its order there
    let ins = -1;
    if (this.inserts > 0)
      for (let k = 0; k < this.count; k++) {
        const at = k * STRIDE;
        if (num[at] !== INSERT || num[at + 1] !== id) continue;
        if (ins < 0) ins = k;
        else {
          const b = ins * STRIDE;
          if (num[at + 2]! < num[b + 2]! || (num[at + 2] === num[b + 2] && num[at + 3]! < num[b + 3]!))
            ins = k;
        }
      }
    const f = this.liveField(id, false);
    if (ins >= 0 && (f < 0 || num[ins * STRIDE + 2]! <= num[f * STRIDE + 2]!)) {
      num[ins * STRIDE] = DEAD;
      this.inserts--;
      return this;
    }
    if (f < 0) return this;
    if (!this.hasComma(f)) {
      obj[f] = null;
      return this;
    }
    const rest = commaValues(this.valueOf(f)).slice(1);
    obj[f] = rest.length ? rest.join(', ') : null;
    return this;
  }

  /**
   * `removeFirstValue('via')` then {@link toBytes}, for an unchanged message whose first Via field is
   * one value and whose Content-Length is right: the received bytes around that line (how a proxy
   * forwards a response, RFC 3261 §16.7 step 3). Null for any other message (use the general path).
   */
  withoutFirstViaLine(): Uint8Array | null {
    if (this.changed || this.count !== 0 || this.locMask !== 0 || this.others !== null) return null;
    return withoutFirstViaLine(this.msg);
  }

  /** Set a header to one value: replaces the first field and removes the others; appends when absent. */
  setHeader(name: string, value: string): this {
    const id = this.fieldsByName(name);
    this.removeInserted(id);
    this.setQuiet(id, clean(name), clean(value));
    this.changed = true;
    return this;
  }

  private setQuiet(id: number, name: string, value: string): void {
    const first = this.liveField(id, false);
    if (first >= 0) {
      const num = this.num!;
      const obj = this.obj!;
      obj[first] = value;
      for (let k = first + 1; k < this.count; k++)
        if (num[k * STRIDE] === FIELD && num[k * STRIDE + 1] === id && obj[k] !== null) obj[k] = null;
    } else {
      this.bounds();
      this.insertAt(this.headEnd, id, `${name}: ${value}`, false);
    }
  }

  /**
   * RFC 3261 §16.6 step 3: decrement Max-Forwards, or add `Max-Forwards: 70` when absent.
   * @returns the new value.
   */
  decrementMaxForwards(): number {
    const id = this.fieldsOf(K_MAX_FORWARDS, '');
    const k = this.liveField(id, false);
    let next = 70;
    if (k >= 0) {
      const v = this.obj![k];
      const at = k * STRIDE;
      const cur =
        typeof v === 'string' ? Number.parseInt(v, 10) : this.digits(this.num![at + 3]!, this.num![at + 4]!);
      next = Number.isFinite(cur) ? Math.max(0, cur - 1) : 70;
    }
    this.setQuiet(id, 'Max-Forwards', next <= 70 ? SMALL_NUMBERS[next]! : String(next));
    this.changed = true;
    return next;
  }

  /** `Number.parseInt` of raw[s, e) (leading blanks and sign, then digits; NaN without digits). */
  private digits(s: number, e: number): number {
    const raw = this.msg.raw;
    let i = s;
    while (i < e && (raw[i] === 32 || raw[i] === 9)) i++;
    let neg = false;
    if (i < e && (raw[i] === 43 || raw[i] === 45)) neg = raw[i++] === 45;
    let v = 0;
    let any = false;
    for (; i < e; i++) {
      const c = raw[i]! - 48;
      if (c < 0 || c > 9) break;
      v = v * 10 + c;
      any = true;
    }
    if (!any || v > Number.MAX_SAFE_INTEGER) return any ? Number.parseInt(this.text(s, e), 10) : NaN;
    return neg ? -v : v;
  }

  /** Replace the body (and Content-Type when given; `null` removes Content-Type). Content-Length follows. */
  setBody(body: Uint8Array | string, contentType?: string | null): this {
    this.newBody = typeof body === 'string' ? enc.encode(body) : body;
    if (contentType === null) this.removeHeader('content-type');
    else if (contentType !== undefined)
      this.setQuiet(this.fields('content-type'), 'Content-Type', clean(contentType));
    this.changed = true;
    return this;
  }

  /**
   * The message with the edits applied, plus `topVia` (when given) as a new first Via: where a
   * proxy's own Via goes (§16.6 step 8), without recording it. With `viaHead` (that line's bytes up
   * to its value's end but for `topVia`, e.g. `Via: SIP/2.0/UDP host:port;branch=`), `topVia` is
   * only the rest (the branch) and the line is written from both. Unchanged: the received bytes
   * (a subarray, no copy).
   */
  toBytes(topVia?: string, viaHead: Uint8Array | null = null): Uint8Array {
    const msg = this.msg;
    if (!this.changed && topVia === undefined) return msg.raw.subarray(msg.start, msg.end);
    spCount = 0;
    if (this.requestUri !== null && msg.kind === 'request') {
      const sp = msg.requestUriSpan;
      if (sp) splice(sp.start, sp.end, R_CHANGE, this.requestUri);
    }
    const num = this.num ?? NO_IDS;
    const obj = this.obj ?? NO_OBJ;
    const n = this.count;
    for (let k = 0; k < n; k++) {
      const at = k * STRIDE;
      if (num[at] !== FIELD) continue;
      const v = obj[k];
      if (v === null) splice(num[at + 2]!, num[at + 5]!, R_CHANGE, '');
      else if (v !== undefined) splice(num[at + 3]!, num[at + 4]!, R_CHANGE, v);
    }
    this.bounds();
    const body = this.newBody ?? msg.body();
    const bodyStart = msg.bodyStart;
    const bodyEnd = bodyStart + msg.bodyLength;
    // Content-Length follows the body: the first field rewritten when it differs, the others removed.
    // Content-Length as received and equal to the body (the common case): nothing to locate. (A
    // duplicate Content-Length is then kept as received; the editor would drop it.)
    const clFine =
      !this.newBody &&
      msg.contentLength !== null &&
      msg.contentLength === msg.bodyLength &&
      !this.isLocated(K_CONTENT_LENGTH);
    let clFirst = true;
    if (!clFine) {
      this.fieldsOf(K_CONTENT_LENGTH, '');
      const cn = this.num ?? NO_IDS;
      const co = this.obj ?? NO_OBJ;
      for (let k = 0; k < this.count; k++) {
        const at = k * STRIDE;
        if (cn[at] !== FIELD || cn[at + 1] !== K_CONTENT_LENGTH || co[k] === null) continue;
        if (clFirst) {
          clFirst = false;
          if (!this.isNumber(cn[at + 3]!, cn[at + 4]!, body.length))
            splice(cn[at + 3]!, cn[at + 4]!, R_CHANGE, String(body.length));
        } else splice(cn[at + 2]!, cn[at + 5]!, R_CHANGE, '');
      }
    }
    if (this.inserts > 0) {
      // live insertions by offset, then by their order there (top ones first, newest first)
      const io = insOrder;
      io.length = 0;
      const nn = this.num!;
      for (let k = 0; k < this.count; k++) {
        const at = k * STRIDE;
        if (nn[at] !== INSERT || nn[at + 1] === K_CONTENT_LENGTH) continue;
        let j = io.length - 1;
        while (j >= 0 && insBefore(nn, k, io[j]!)) {
          io[j + 1] = io[j]!;
          j--;
        }
        io[j + 1] = k;
      }
      const oo = this.obj!;
      for (const k of io) {
        const line = oo[k]!;
        const at = nn[k * STRIDE + 2]!;
        splice(at, at, R_INSERT, typeof line === 'string' ? line + '\r\n' : line);
      }
    }
    if (topVia !== undefined) {
      const v = this.liveField(this.fieldsOf(K_VIA, ''), false);
      this.bounds();
      const at = v >= 0 ? this.num![v * STRIDE + 2]! : this.headStart;
      if (viaHead !== null) {
        // `Via: <value up to branch=>`, the branch, CRLF: three splices at one offset and rank
        // (the sort is stable), no line made as a string
        splice(at, at, R_TOP_VIA, viaHead);
        splice(at, at, R_TOP_VIA, clean(topVia));
        splice(at, at, R_TOP_VIA, CRLF);
      } else splice(at, at, R_TOP_VIA, `Via: ${clean(topVia)}\r\n`);
    }
    if (clFirst && !clFine)
      splice(this.headEnd, this.headEnd, R_CONTENT_LENGTH, `Content-Length: ${body.length}\r\n`);
    if (this.newBody) splice(bodyStart, bodyEnd, R_CHANGE, this.newBody);
    return writeSplices(msg, bodyEnd);
  }
}

/**
 * {@link MessagePatch.withoutFirstViaLine} of a message with no edits: the received bytes around
 * its first Via line (null when that field holds several values or Content-Length is off).
 */
export function withoutFirstViaLine(m: SipMessage): Uint8Array | null {
  if (m.contentLength === null || m.contentLength !== m.bodyLength) return null;
  const fx = patchFields.of(m);
  const i = fx.first(K_VIA);
  if (i < 0) return null;
  const raw = m.raw;
  const vs = fx.vs(i);
  const ve = fx.ve(i);
  for (let k = vs; k < ve; k++) if (raw[k] === 44 /* , */) return null;
  const w = writer.reset();
  w.span(raw, m.startLineSpan.start, lineStart(raw, vs));
  w.span(raw, lineEnd(raw, ve), m.bodyStart + m.bodyLength);
  return w.take();
}

/** Starts a new list of splices (see {@link addSplice}, {@link writeSplices}). */
export function beginSplices(): void {
  spCount = 0;
}

/** Splice ranks at one offset (see R_TOP_VIA...): a new top Via, inserted fields, changes. */
export const SPLICE_TOP_VIA = R_TOP_VIA;
export const SPLICE_INSERT = R_INSERT;
export const SPLICE_CHANGE = R_CHANGE;

/**
 * Adds a splice to the list begun by {@link beginSplices}: bytes [start, end) of the message
 * replaced by `text`, placed by offset, then rank, then the order splices were added.
 */
export function addSplice(start: number, end: number, rank: number, text: string | Uint8Array): void {
  splice(start, end, rank, text);
}

/**
 * The message from its start line to `bodyEnd` with the splices applied, written once into the
 * shared writer: what {@link MessagePatch.toBytes} ends with, for a caller that made the splices
 * itself (a proxy forwarding a request with its usual edits, no patch object).
 */
export function writeSplices(msg: SipMessage, bodyEnd: number): Uint8Array {
  const raw = msg.raw;
  // insertion sort (a handful of splices): by offset, then rank, stable
  // (ord is only read below spCount, each entry written first: its length is never cut, which
  // would let go of its storage)
  const ord = spOrder;
  for (let i = 0; i < spCount; i++) {
    let j = i - 1;
    const s = spNum[3 * i]!;
    const r = spNum[3 * i + 2]!;
    while (j >= 0) {
      const o = ord[j]!;
      const os = spNum[3 * o]!;
      if (os > s || (os === s && spNum[3 * o + 2]! > r)) {
        ord[j + 1] = o;
        j--;
      } else break;
    }
    ord[j + 1] = i;
  }
  const w = writer.reset();
  let pos = msg.startLineSpan.start;
  for (let i = 0; i < spCount; i++) {
    const k = ord[i]!;
    const s = spNum[3 * k]!;
    const e = spNum[3 * k + 1]!;
    if (s > pos) w.span(raw, pos, s);
    const t = spText[k]!;
    if (typeof t === 'string') w.str(t);
    else w.bytes(t);
    if (e > pos) pos = e;
  }
  for (let i = 0; i < spCount; i++) spText[i] = '';
  if (bodyEnd > pos) w.span(raw, pos, bodyEnd);
  return w.take();
}

const NO_IDS: number[] = [];

/** A record list with room for four records (STRIDE numbers each), as one array literal. */
function newRecords(): number[] {
  // prettier-ignore
  return [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
}
const NO_OBJ: (string | Uint8Array | null | undefined)[] = [];

/** Insertion record a goes before b: smaller offset, or the same offset and a smaller sequence. */
function insBefore(num: readonly number[], a: number, b: number): boolean {
  const aa = num[a * STRIDE + 2]!;
  const ba = num[b * STRIDE + 2]!;
  return ba > aa || (ba === aa && num[b * STRIDE + 3]! > num[a * STRIDE + 3]!);
}
