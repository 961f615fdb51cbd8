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
import { FieldIndex, K_OTHER, K_VIA, keyIdOf } from './msg-index';

/** One field of the received message, located by its spans (offsets in `msg.raw`). */
interface PatchField {
  /** Start of the field's line (its name). */
  ls: number;
  /** Value span. */
  vs: number;
  ve: number;
  /** End of the field's line, after its line ending. */
  le: number;
  /** undefined: as received; null: removed; a string: the new value. */
  value: string | null | undefined;
}

/** A header field inserted by an edit. */
interface Inserted {
  /** Canonical name. */
  canonical: string;
  /** The line without its CRLF, or the line's bytes with their CRLF. */
  line: string | Uint8Array;
}

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

const NO_FIELDS: readonly PatchField[] = [];
const SMALL_NUMBERS: readonly string[] = Array.from({ length: 71 }, (_, i) => String(i));
const NO_NAMES: readonly string[] = [];

/** A splice of the output: bytes [start, end) of the received message replaced by `text`. */
interface Splice {
  start: number;
  end: number;
  text: string | Uint8Array;
  /** Order among splices at the same offset (see {@link MessagePatch.toBytes}). */
  rank: number;
}

/** Ranks at one offset: a new top Via, then inserted fields, then an added Content-Length, then changes. */
const R_TOP_VIA = 0;
const R_INSERT = 1;
const R_CONTENT_LENGTH = 2;
const R_CHANGE = 3;

/** The field whose value is raw[vs, ve): its line found around it. */
function locate(raw: Uint8Array, vs: number, ve: number): PatchField {
  let ls = vs;
  while (ls > 0 && raw[ls - 1] !== 10) ls--;
  let le = ve;
  while (le < raw.length && raw[le] !== 10) le++;
  if (le < raw.length) le++;
  return { ls, vs, ve, le, value: undefined };
}

/** The index reader of {@link MessagePatch} (used inside one call at a time). */
const patchFields = new FieldIndex();

export class MessagePatch {
  /** Located fields: canonical names and their fields, side by side (a few names per message). */
  private names: string[] | null = null;
  private located: PatchField[][] | null = null;
  /** Inserted fields by the offset they go before, in order. */
  private insertAts: number[] | null = null;
  private insertLists: Inserted[][] | null = null;
  private requestUri: string | null = null;
  private newBody: Uint8Array | null = null;
  private headStart = -1;
  private headEnd = -1;
  /** True once any change was recorded. */
  changed = false;

  constructor(readonly msg: SipMessage) {}

  /** The fields of that (canonical) name, located once. */
  private fields(canonical: string): PatchField[] {
    const names = (this.names ??= []);
    const located = (this.located ??= []);
    const k = names.indexOf(canonical);
    if (k >= 0) return located[k]!;
    const list: PatchField[] = [];
    const m = this.msg;
    const raw = m.raw;
    // the parser counted these: no search when there are none
    const none =
      (canonical === 'route' && m.routeCount === 0) ||
      (canonical === 'record-route' && m.recordRouteCount === 0);
    const id = none ? K_OTHER : keyIdOf(canonical);
    if (id !== K_OTHER) {
      // a key header: found by its id in the parser's index (no names decoded, no span objects)
      const fx = patchFields.of(m);
      const n = fx.count;
      for (let i = 0; i < n; i++) if (fx.id(i) === id) list.push(locate(raw, fx.vs(i), fx.ve(i)));
    } else if (!none) for (const sp of m.headerSpans(canonical)) list.push(locate(raw, sp.start, sp.end));
    names.push(canonical);
    located.push(list);
    return list;
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

  private live(canonical: string): PatchField[] {
    const all = this.fields(canonical);
    let any = false;
    for (const f of all) if (f.value === null) any = true;
    return any ? all.filter((f) => f.value !== null) : all;
  }

  private insertAt(at: number, canonical: string, line: string | Uint8Array, first: boolean): void {
    const ats = (this.insertAts ??= []);
    const lists = (this.insertLists ??= []);
    const k = ats.indexOf(at);
    let list: Inserted[];
    if (k >= 0) list = lists[k]!;
    else {
      list = [];
      ats.push(at);
      lists.push(list);
    }
    const e: Inserted = { canonical, line };
    if (first) list.unshift(e);
    else list.push(e);
  }

  private removeInserted(canonical: string): void {
    for (const list of this.insertLists ?? [])
      for (let k = list.length - 1; k >= 0; k--) if (list[k]!.canonical === canonical) list.splice(k, 1);
  }

  private valueOf(f: PatchField): string {
    return typeof f.value === 'string' ? f.value : this.text(f.vs, f.ve);
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

  /** True when bytes [s, e) hold a comma. */
  private hasComma(f: PatchField): boolean {
    if (typeof f.value === 'string') return f.value.includes(',');
    const raw = this.msg.raw;
    for (let i = f.vs; i < f.ve; i++) if (raw[i] === 44) return true;
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
    return this.requestUri ?? this.msg.requestUri;
  }

  /**
   * Insert a header field. `top` puts it before the first field of the same name, or first in the
   * header section when there is none (a proxy's Via and Record-Route, §16.6 steps 4 and 8);
   * `bottom` after the last field of that name, or at the end of the header section.
   */
  addHeader(name: string, value: string, where: 'top' | 'bottom' = 'top'): this {
    const c = canonicalHeaderName(name);
    const at = this.live(c);
    this.bounds();
    const line = `${clean(name)}: ${clean(value)}`;
    if (where === 'top') this.insertAt(at.length ? at[0]!.ls : this.headStart, c, line, true);
    else this.insertAt(at.length ? at[at.length - 1]!.le : this.headEnd, c, line, false);
    this.changed = true;
    return this;
  }

  /**
   * {@link addHeader} of a whole field line already encoded: `line` is `Name: value` and its CRLF,
   * with no other CR or LF (the caller wrote it).
   */
  addHeaderBytes(name: string, line: Uint8Array, where: 'top' | 'bottom' = 'top'): this {
    const c = canonicalHeaderName(name);
    const at = this.live(c);
    this.bounds();
    if (where === 'top') this.insertAt(at.length ? at[0]!.ls : this.headStart, c, line, true);
    else this.insertAt(at.length ? at[at.length - 1]!.le : this.headEnd, c, line, false);
    this.changed = true;
    return this;
  }

  /** Remove every field of that name (inserted ones included). */
  removeHeader(name: string): this {
    const c = canonicalHeaderName(name);
    for (const f of this.fields(c)) f.value = null;
    this.removeInserted(c);
    this.changed = true;
    return this;
  }

  /**
   * Remove the first comma-separated value of that header, in message order (an inserted field
   * before the received one it precedes): the top Via of a response (§16.7 step 3), the top Route
   * of a loose-routed request (§16.4).
   */
  removeFirstValue(name: string): this {
    const c = canonicalHeaderName(name);
    this.changed = true;
    let insAt = -1;
    let insList: Inserted[] | null = null;
    let insIdx = -1;
    const ats = this.insertAts ?? [];
    const lists = this.insertLists ?? [];
    for (let n = 0; n < ats.length; n++) {
      const at = ats[n]!;
      const list = lists[n]!;
      if (insAt >= 0 && at >= insAt) continue;
      const k = list.findIndex((e) => e.canonical === c);
      if (k >= 0) {
        insAt = at;
        insList = list;
        insIdx = k;
      }
    }
    const f = this.live(c)[0];
    if (insList && (!f || insAt <= f.ls)) {
      insList.splice(insIdx, 1);
      return this;
    }
    if (!f) return this;
    if (!this.hasComma(f)) {
      f.value = null;
      return this;
    }
    const rest = commaValues(this.valueOf(f)).slice(1);
    f.value = rest.length ? rest.join(', ') : null;
    return this;
  }

  /**
   * `removeFirstValue('via')` then {@link toBytes}, for an unchanged message whose first Via field is
   * one value and whose Content-Length is right: the received bytes around that line (how a proxy
   * forwards a response, RFC 3261 §16.7 step 3). Null for any other message (use the general path).
   */
  withoutFirstViaLine(): Uint8Array | null {
    const m = this.msg;
    if (this.changed || this.names !== null || this.insertAts !== null) return null;
    if (m.contentLength === null || m.contentLength !== m.bodyLength) return null;
    const fx = patchFields.of(m);
    const i = fx.first(K_VIA);
    if (i < 0) return null;
    const raw = m.raw;
    const vs = fx.vs(i);
    const ve = fx.ve(i);
    for (let k = vs; k < ve; k++) if (raw[k] === 44 /* , */) return null;
    const f = locate(raw, vs, ve);
    const w = writer.reset();
    w.span(raw, m.startLineSpan.start, f.ls);
    w.span(raw, f.le, m.bodyStart + m.bodyLength);
    return w.take();
  }

  /** Set a header to one value: replaces the first field and removes the others; appends when absent. */
  setHeader(name: string, value: string): this {
    const c = canonicalHeaderName(name);
    this.removeInserted(c);
    this.setQuiet(c, clean(name), clean(value));
    this.changed = true;
    return this;
  }

  private setQuiet(c: string, name: string, value: string): void {
    const at = this.live(c);
    if (at.length) {
      at[0]!.value = value;
      for (let i = 1; i < at.length; i++) at[i]!.value = null;
    } else {
      this.bounds();
      this.insertAt(this.headEnd, c, `${name}: ${value}`, false);
    }
  }

  /**
   * RFC 3261 §16.6 step 3: decrement Max-Forwards, or add `Max-Forwards: 70` when absent.
   * @returns the new value.
   */
  decrementMaxForwards(): number {
    const at = this.live('max-forwards');
    let next = 70;
    if (at.length) {
      const f = at[0]!;
      const cur = typeof f.value === 'string' ? Number.parseInt(f.value, 10) : this.digits(f.vs, f.ve);
      next = Number.isFinite(cur) ? Math.max(0, cur - 1) : 70;
    }
    this.setQuiet('max-forwards', 'Max-Forwards', next <= 70 ? SMALL_NUMBERS[next]! : String(next));
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
    else if (contentType !== undefined) this.setQuiet('content-type', 'Content-Type', clean(contentType));
    this.changed = true;
    return this;
  }

  /**
   * The message with the edits applied, plus `topVia` (when given) as a new first Via: where a
   * proxy's own Via goes (§16.6 step 8), without recording it. Unchanged: the received bytes
   * (a subarray, no copy).
   */
  toBytes(topVia?: string): Uint8Array {
    const msg = this.msg;
    if (!this.changed && topVia === undefined) return msg.raw.subarray(msg.start, msg.end);
    const raw = msg.raw;
    const splices: Splice[] = [];
    if (this.requestUri !== null && msg.kind === 'request') {
      const sp = msg.requestUriSpan;
      if (sp) splices.push({ start: sp.start, end: sp.end, text: this.requestUri, rank: R_CHANGE });
    }
    for (const list of this.located ?? [])
      for (const f of list) {
        if (f.value === null) splices.push({ start: f.ls, end: f.le, text: '', rank: R_CHANGE });
        else if (f.value !== undefined)
          splices.push({ start: f.vs, end: f.ve, text: f.value, rank: R_CHANGE });
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
      !(this.names ?? NO_NAMES).includes('content-length');
    const cl = clFine ? NO_FIELDS : this.fields('content-length');
    let clFirst = true;
    for (const f of cl) {
      if (f.value === null) continue;
      if (clFirst) {
        clFirst = false;
        if (!this.isNumber(f.vs, f.ve, body.length))
          splices.push({ start: f.vs, end: f.ve, text: String(body.length), rank: R_CHANGE });
      } else splices.push({ start: f.ls, end: f.le, text: '', rank: R_CHANGE });
    }
    const ats = this.insertAts ?? [];
    const lists = this.insertLists ?? [];
    for (let n = 0; n < ats.length; n++) {
      const at = ats[n]!;
      const list = lists[n]!;
      if (list.length === 0) continue;
      let t = '';
      for (const e of list) {
        if (e.canonical === 'content-length') continue;
        const line = e.line;
        if (typeof line === 'string') t += line + '\r\n';
        else {
          // an encoded line: the text so far, then its bytes (splices at one offset keep their order)
          if (t) splices.push({ start: at, end: at, text: t, rank: R_INSERT });
          splices.push({ start: at, end: at, text: line, rank: R_INSERT });
          t = '';
        }
      }
      if (t) splices.push({ start: at, end: at, text: t, rank: R_INSERT });
    }
    if (topVia !== undefined) {
      const v = this.live('via')[0];
      const at = v ? v.ls : this.headStart;
      splices.push({ start: at, end: at, text: `Via: ${clean(topVia)}\r\n`, rank: R_TOP_VIA });
    }
    if (clFirst && !clFine)
      splices.push({
        start: this.headEnd,
        end: this.headEnd,
        text: `Content-Length: ${body.length}\r\n`,
        rank: R_CONTENT_LENGTH,
      });
    if (this.newBody) splices.push({ start: bodyStart, end: bodyEnd, text: this.newBody, rank: R_CHANGE });
    // insertion sort (a handful of splices): by offset, then rank
    for (let i = 1; i < splices.length; i++) {
      const x = splices[i]!;
      let j = i - 1;
      while (
        j >= 0 &&
        (splices[j]!.start > x.start || (splices[j]!.start === x.start && splices[j]!.rank > x.rank))
      ) {
        splices[j + 1] = splices[j]!;
        j--;
      }
      splices[j + 1] = x;
    }
    const w = writer.reset();
    let pos = msg.startLineSpan.start;
    for (const s of splices) {
      if (s.start > pos) w.span(raw, pos, s.start);
      const t = s.text;
      if (typeof t === 'string') w.str(t);
      else w.bytes(t);
      if (s.end > pos) pos = s.end;
    }
    if (bodyEnd > pos) w.span(raw, pos, bodyEnd);
    return w.take();
  }
}
