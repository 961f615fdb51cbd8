/**
 * The parsed SIP message: spans over the received bytes, key fields, lazily decoded strings.
 * @remarks RFC 3261 §7 (SIP messages). STYLE.md habit 5: keep the bytes, never mutate them, decode lazily.
 */
import type { Diagnostic, Span } from '../diagnostic';
import { canonicalHeaderName, headerNameInfo } from './header-names';
import { decodeSpan, decodeUnfolded, splitCommaSpans } from './text';
import { ringFloor } from './fast-scan';
import { TypedView } from './typed';

/** One header field as written in the message. */
export interface HeaderField {
  /** The name as written (`v`, `VIA`, `Via`). */
  readonly name: string;
  /** Lower-case full name, compact forms expanded (`via`). */
  readonly canonical: string;
  readonly nameSpan: Span;
  /** The value, from its first to its last non-whitespace octet; folded lines are included. */
  readonly valueSpan: Span;
  /** The value as a string, line folds replaced by one SP (RFC 3261 §7.3.1). */
  value(): string;
}

/** Whether a message carries an SDP body (a body whose Content-Type names SDP): the ladders' `(SDP)`. */
export function carriesSdp(m: Pick<SipMessage, 'bodyLength' | 'contentType'>): boolean {
  return m.bodyLength > 0 && (m.contentType ?? '').toLowerCase().includes('sdp');
}

/** A SIP request or response (or a message whose start line could not be read). */
export interface SipMessage {
  readonly raw: Uint8Array;
  readonly start: number;
  readonly end: number;
  readonly kind: 'request' | 'response' | 'invalid';
  readonly method: string | null;
  readonly requestUri: string | null;
  readonly status: number | null;
  readonly reason: string | null;
  readonly version: string | null;
  readonly callId: string | null;
  readonly cseq: number | null;
  readonly cseqMethod: string | null;
  /** Top Via branch. */
  readonly branch: string | null;
  readonly viaSentBy: string | null;
  readonly viaTransport: string | null;
  readonly viaReceived: string | null;
  /** Top Via rport: the value, `''` for a valueless rport, null when absent. */
  readonly viaRport: string | null;
  readonly fromTag: string | null;
  readonly toTag: string | null;
  readonly maxForwards: number | null;
  /** Counts of header field VALUES (a line "Via: a, b" counts 2). */
  readonly viaCount: number;
  readonly routeCount: number;
  readonly recordRouteCount: number;
  readonly contentType: string | null;
  /** Content-Length as declared (null when absent or unreadable). */
  readonly contentLength: number | null;
  /** The body actually framed: absolute offset in raw, and length. */
  readonly bodyStart: number;
  readonly bodyLength: number;
  readonly headers: readonly HeaderField[];
  readonly diagnostics: Diagnostic[];
  /** First value of the header, unfolded; any case or compact form of the name. */
  header(name: string): string | null;
  /** Every field value of that name, in order (not comma-split). */
  headerAll(name: string): string[];
  /**
   * Comma-split values across all fields of that name (quotes, <>, escapes respected). Headers known not
   * to be lists (Date, CSeq, Authorization...) are not split.
   */
  values(name: string): string[];
  /** The body: a subarray of raw, no copy. */
  body(): Uint8Array;
  /** Number of header fields (cheaper than `headers.length`). */
  readonly headerCount: number;
  /** Value span of every field of that name, in order. */
  headerSpans(name: string): Span[];
  /** Span of the start line (without its line ending). */
  readonly startLineSpan: Span;
  /** Span of the Request-URI in a request (null otherwise). */
  readonly requestUriSpan: Span | null;
  /** Typed header values and body, decoded lazily on first access and cached (see typed.ts). */
  readonly typed: TypedView;
}

// Indices of the key string fields in ParsedMessage's index (two numbers each: start, end; -1 when absent).
export const F_METHOD = 0;
export const F_URI = 1;
export const F_VERSION = 2;
export const F_REASON = 3;
export const F_CALLID = 4;
export const F_CSEQM = 5;
export const F_BRANCH = 6;
export const F_SENTBY = 7;
export const F_TRANSPORT = 8;
export const F_RECEIVED = 9;
export const F_RPORT = 10;
export const F_FROMTAG = 11;
export const F_TOTAG = 12;
export const F_CTYPE = 13;
export const F_COUNT = 14;

/** Canonical names of the headers the structural pass recognises by id (index = id). */
export const KEY_HEADER_CANONICAL = [
  '',
  'via',
  'from',
  'to',
  'call-id',
  'cseq',
  'max-forwards',
  'content-length',
  'content-type',
  'route',
  'record-route',
  'contact',
] as const;

/** Header field stride in the index: nameStart, nameEnd, valueStart, valueEnd, key id | FOLDED. */
export const HS = 5;
/** Flag in the fifth slot: the field has continuation lines. */
export const FOLDED = 256;
const ID_MASK = 255;
/** Slots before the first header field: the key field spans (two per field, see F_*). */
export const KEY_SLOTS = 2 * F_COUNT;

/*
 * The index of every message (its key field spans, then HS numbers per header field) lives in a shared
 * Int32Array chunk: a message takes the next free slots of the current chunk, so parsing allocates no
 * per-message array and writes are plain typed-array stores. A chunk is not initialised: every message
 * writes all its slots (the full parser sets its key field spans to -1 = absent first), and it is freed
 * by the garbage collector once no message refers to it.
 */
const CHUNK = 16384;
let chunk = new Int32Array(CHUNK);
let chunkPos = 0;

/** Reserves the index of a new message with room for `headers` fields: [chunk, base]. */
export function reserveIndex(headers: number): void {
  const need = KEY_SLOTS + HS * headers;
  if (chunkPos + need > chunk.length) {
    chunk = new Int32Array(Math.max(CHUNK, need));
    chunkPos = 0;
  }
}
/** `Int32Array.prototype.set`, called with `.call` (a direct builtin call, no property load per call). */
const setI32 = Int32Array.prototype.set;
/**
 * Copies `src` (`n` slots: a message's whole index) into the current chunk, or into a fresh one when
 * it has no room; returns where it starts. `chunkOf()` is then the chunk it is in.
 */
export function storeIndex(src: Int32Array, n: number): number {
  let base = chunkPos;
  if (base + n > chunk.length) {
    newChunk(n);
    base = 0;
  }
  setI32.call(chunk, src, base);
  chunkPos = base + n;
  return base;
}
function newChunk(need: number): void {
  chunk = new Int32Array(Math.max(CHUNK, need));
  chunkPos = 0;
}
/**
 * Makes the index of a message whose index was in the scanner's ring again, once the ring may have
 * been written over (parse.ts: a new scan of its bytes, or the full parser). Set by parse.ts.
 */
// (`var`: parse.ts sets it while the modules load, which may be before this module's body has run
// (the two import each other through typed.ts), where a `let` would still be uninitialised)
// eslint-disable-next-line no-var
var reindex: (m: ParsedMessage) => void;
export function setReindex(f: (m: ParsedMessage) => void): void {
  reindex = f;
}
/** The current chunk (what {@link storeIndex} wrote to). */
export function chunkOf(): Int32Array {
  return chunk;
}
/** The chunk a new message's index goes to (after `reserveIndex`). */
export function indexChunk(): Int32Array {
  return chunk;
}
export function indexBase(): number {
  return chunkPos;
}
/** Marks `[base, end)` of the current chunk as used. */
export function commitIndex(end: number): void {
  chunkPos = end;
}
/**
 * Moves the index being written (`[base, used)` of `from`) to a fresh chunk with room for `more` further
 * slots; returns the new chunk (the index starts at 0 there).
 */
export function growIndex(from: Int32Array, base: number, used: number, more: number): Int32Array {
  const n = used - base;
  const next = new Int32Array(Math.max(CHUNK, 2 * (n + more)));
  next.set(from.subarray(base, used), 0);
  chunk = next;
  chunkPos = 0;
  return next;
}

const headDecoder = new TextDecoder('utf-8');

/**
 * A Node `Buffer`'s own UTF-8 decoder (`Buffer.prototype.utf8Slice`, the one `buf.toString()` calls:
 * no TextDecoder wrapper and no view to make), found on the bytes themselves: capture ingest and the
 * transports hand over Buffers; where the bytes are a plain Uint8Array (a browser, a worker) it is
 * absent and TextDecoder runs. Both replace invalid sequences as the WHATWG decoder does.
 */
interface NodeBytes extends Uint8Array {
  utf8Slice?: (start: number, end: number) => string;
  /** One character per octet (no UTF-8 decoding, no validation): `octetHead`. */
  latin1Slice?: (start: number, end: number) => string;
}

class Field implements HeaderField {
  readonly nameSpan: Span;
  readonly valueSpan: Span;
  constructor(
    private readonly raw: Uint8Array,
    readonly name: string,
    readonly canonical: string,
    ns: number,
    ne: number,
    vs: number,
    ve: number,
  ) {
    this.nameSpan = { start: ns, end: ne };
    this.valueSpan = { start: vs, end: ve };
  }
  value(): string {
    return decodeUnfolded(this.raw, this.valueSpan.start, this.valueSpan.end);
  }
}

/**
 * The parts of a parsed message computed on demand, in one object made on first need, so a message
 * that is parsed, looked at by its key numbers and dropped initialises and carries none of them.
 */
class Lazy {
  /** Structural diagnostics (most messages have none). */
  diags: Diagnostic[] | null = null;
  /** Decoded key string fields by F_* number. */
  sc: (string | null)[] | null = null;
  /** The header section decoded once (ASCII only), or null when it is not ASCII; undefined until needed. */
  head: string | null | undefined = undefined;
  /** The header section read as latin1 (`octetHead`), when it was asked for before `head`. */
  latin: string | undefined = undefined;
  fields: Field[] | null = null;
  canon: string[] | null = null;
  typedView: TypedView | null = null;
}

/** The implementation of SipMessage built by `parseMessage`. Fields are filled by the parser. */
export class ParsedMessage implements SipMessage {
  // (Fields are `declare`d and set in the constructor, not class fields with initialisers: those are
  // defined by a separate initialiser function, which makes the constructor too large for the compiler
  // to inline into the parser's fast path.)
  declare readonly raw: Uint8Array;
  declare readonly start: number;
  declare readonly end: number;
  declare kind: 'request' | 'response' | 'invalid';
  declare status: number | null;
  declare cseq: number | null;
  declare maxForwards: number | null;
  declare contentLength: number | null;
  declare viaCount: number;
  declare routeCount: number;
  declare recordRouteCount: number;
  declare bodyStart: number;
  declare bodyLength: number;
  declare startLineStart: number;
  declare startLineEnd: number;
  /**
   * The index (see {@link ix}) as the parser left it: a chunk, or the scanner's ring when
   * {@link ixGen} is not negative.
   */
  declare private ix0: Int32Array;
  declare private base0: number;
  /**
   * -1: the index is in a JavaScript chunk ({@link ix0}, for good). Else the index was written into the
   * scanner's index ring (fast-scan.ts) at generation `ixGen`: {@link ix} is the ring's view while the
   * ring still holds it, and the index is made again (a new scan of the same bytes) once it may not.
   */
  declare ixGen: number;
  /** Number of header fields in the index. */
  declare headerCount: number;
  /** What is computed on demand, in one object made on first need (see {@link Lazy}). */
  declare private lz: Lazy | null;
  /** Typed-value cache, owned by typed.ts. */
  declare typedCache: unknown;

  /** The structural diagnostics (an array made on first access, so clean messages allocate none). */
  get diagnostics(): Diagnostic[] {
    const l = (this.lz ??= new Lazy());
    return (l.diags ??= []);
  }

  get typed(): TypedView {
    const l = (this.lz ??= new Lazy());
    return (l.typedView ??= new TypedView(this));
  }

  /**
   * The index: key field spans at {@link base} (two per field, see F_*), then HS numbers per header
   * field. Read it through these two getters each time (not kept across other parses): a message whose
   * index is in the scanner's ring may have it made again at another place.
   */
  get ix(): Int32Array {
    // (an index still in the ring: one test; one in a chunk has ixGen -1)
    if (this.ixGen < ringFloor && this.ixGen >= 0) reindex(this);
    return this.ix0;
  }
  set ix(v: Int32Array) {
    this.ix0 = v;
  }
  get base(): number {
    if (this.ixGen < ringFloor && this.ixGen >= 0) reindex(this);
    return this.base0;
  }
  set base(v: number) {
    this.base0 = v;
  }

  constructor(raw: Uint8Array, start: number, end: number, ix: Int32Array, base: number, ixGen: number) {
    this.raw = raw;
    this.start = start;
    this.end = end;
    this.kind = 'invalid';
    this.status = null;
    this.cseq = null;
    this.maxForwards = null;
    this.contentLength = null;
    this.viaCount = 0;
    this.routeCount = 0;
    this.recordRouteCount = 0;
    this.bodyStart = end;
    this.bodyLength = 0;
    this.startLineStart = start;
    this.startLineEnd = start;
    this.ix0 = ix;
    this.base0 = base;
    this.ixGen = ixGen;
    this.headerCount = 0;
    this.lz = null;
    this.typedCache = null;
  }

  /** Offset of header field i's slots in `ix`. */
  slot(i: number): number {
    return this.base + KEY_SLOTS + i * HS;
  }
  /** Value span of header field i. */
  valueStartAt(i: number): number {
    return this.ix[this.slot(i) + 2]!;
  }
  valueEndAt(i: number): number {
    return this.ix[this.slot(i) + 3]!;
  }
  /** Key header id of field i (index into {@link KEY_HEADER_CANONICAL}), 0 for any other header. */
  keyIdAt(i: number): number {
    return this.ix[this.slot(i) + 4]! & ID_MASK;
  }

  /** Decoded key string field `f` (cached), or null when absent. */
  str(f: number): string | null {
    const l = (this.lz ??= new Lazy());
    let sc = l.sc;
    if (sc === null) {
      sc = l.sc = [];
    }
    const v = sc[f];
    if (v !== undefined) return v;
    const s = this.ix[this.base + 2 * f]!;
    let out: string | null = null;
    if (s >= 0) {
      const e = this.ix[this.base + 2 * f + 1]!;
      // Decode the header section once and slice it: one TextDecoder call instead of one per field.
      out = this.text(s, e);
    }
    sc[f] = out;
    return out;
  }

  /**
   * `raw[s, e)` as a string: a slice of the header section decoded once when it is ASCII (every octet one
   * UTF-16 unit, checked by length), else a UTF-8 decode of the span.
   */
  text(s: number, e: number): string {
    const l = (this.lz ??= new Lazy());
    let head = l.head;
    if (head === undefined) {
      const hs = this.startLineStart;
      const he = Math.max(hs, this.bodyStart);
      // (a plain view: a Buffer's own subarray makes a Buffer, which costs more)
      const raw = this.raw;
      // (called as a method: a known target, which the compiler calls directly)
      const t =
        typeof (raw as NodeBytes).utf8Slice === 'function'
          ? (raw as NodeBytes).utf8Slice!(hs, he)
          : headDecoder.decode(new Uint8Array(raw.buffer, raw.byteOffset + hs, he - hs));
      head = l.head = t.length === he - hs ? t : null;
    }
    const base = this.startLineStart;
    if (head !== null && s >= base && e - base <= head.length) return head.slice(s - base, e - base);
    return decodeSpan(this.raw, s, e);
  }

  /**
   * Whether {@link valueAt}(i) is exactly the octets of field i's value span read as ASCII (the header
   * section is ASCII and the field is not folded), so a decoder may read the octets instead.
   */
  valueIsOctets(i: number): boolean {
    const l = (this.lz ??= new Lazy());
    if (l.head === undefined) this.text(this.startLineStart, this.startLineStart);
    return l.head !== null && (this.ix[this.slot(i) + 4]! & FOLDED) === 0;
  }

  /**
   * The header section (from `startLineStart`) decoded once as a string when it is ASCII, or null:
   * field i's value is then `asciiHead().slice(valueStartAt(i) - startLineStart, ...)` when not
   * {@link foldedAt}(i) (decoders can read it there without a string of its own).
   */
  asciiHead(): string | null {
    const l = (this.lz ??= new Lazy());
    if (l.head === undefined) this.text(this.startLineStart, this.startLineStart);
    return l.head ?? null;
  }

  /**
   * The header section as one string of one character per octet, for the octet decoders of the full
   * typed parse (typed.ts `decodeAllHeaders`): {@link asciiHead} when it was made already, else the
   * octets read as latin1 (a Node `Buffer`'s `latin1Slice`: a copy, without the UTF-8 decoder's
   * validation and its scan for non-ASCII octets), kept. `octetHeadLatin()` tells which. The octet
   * decoders slice only octets they have checked to be ASCII, where both readings agree, and hand
   * any other value to the general decoders decoded as UTF-8 (text.ts `valueText`), so the values are
   * the same whichever it is (and for a header section that is not ASCII, as the general decoders would
   * read every value). Null when neither is possible (a plain `Uint8Array` whose header section is not
   * ASCII).
   */
  octetHead(): string | null {
    const l = (this.lz ??= new Lazy());
    if (typeof l.head === 'string') return l.head;
    if (l.latin !== undefined) return l.latin;
    const raw = this.raw;
    if (typeof (raw as NodeBytes).latin1Slice === 'function') {
      const hs = this.startLineStart;
      return (l.latin = (raw as NodeBytes).latin1Slice!(hs, Math.max(hs, this.bodyStart)));
    }
    return this.asciiHead();
  }

  /** Whether {@link octetHead} is the latin1 reading (not the UTF-8 decode). */
  octetHeadLatin(): boolean {
    const l = this.lz;
    return l !== null && l.latin !== undefined && typeof l.head !== 'string';
  }

  /** Whether header field i's value is folded (its text is not its octets). */
  foldedAt(i: number): boolean {
    return (this.ix[this.slot(i) + 4]! & FOLDED) !== 0;
  }

  /** Value of header field i, unfolded. */
  valueAt(i: number): string {
    const o = this.slot(i);
    const ix = this.ix;
    const s = ix[o + 2]!;
    const e = ix[o + 3]!;
    return (ix[o + 4]! & FOLDED) !== 0 ? decodeUnfolded(this.raw, s, e) : this.text(s, e);
  }

  get method(): string | null {
    return this.str(F_METHOD);
  }
  get requestUri(): string | null {
    return this.str(F_URI);
  }
  get version(): string | null {
    return this.str(F_VERSION);
  }
  get reason(): string | null {
    return this.str(F_REASON);
  }
  get callId(): string | null {
    return this.str(F_CALLID);
  }
  get cseqMethod(): string | null {
    return this.str(F_CSEQM);
  }
  get branch(): string | null {
    return this.str(F_BRANCH);
  }
  get viaSentBy(): string | null {
    return this.str(F_SENTBY);
  }
  get viaTransport(): string | null {
    return this.str(F_TRANSPORT);
  }
  get viaReceived(): string | null {
    return this.str(F_RECEIVED);
  }
  get viaRport(): string | null {
    return this.str(F_RPORT);
  }
  get fromTag(): string | null {
    return this.str(F_FROMTAG);
  }
  get toTag(): string | null {
    return this.str(F_TOTAG);
  }
  get contentType(): string | null {
    return this.str(F_CTYPE);
  }

  get startLineSpan(): Span {
    return { start: this.startLineStart, end: this.startLineEnd };
  }

  get requestUriSpan(): Span | null {
    const s = this.ix[this.base + 2 * F_URI]!;
    return s < 0 ? null : { start: s, end: this.ix[this.base + 2 * F_URI + 1]! };
  }

  /** Canonical name of header field i. */
  canonicalAt(i: number): string {
    const l = (this.lz ??= new Lazy());
    let c = l.canon;
    if (c === null) {
      c = l.canon = new Array<string>(this.headerCount);
    }
    let v = c[i];
    if (v === undefined) {
      const o = this.slot(i);
      const ix = this.ix;
      const id = ix[o + 4]! & ID_MASK;
      v = id > 0 ? KEY_HEADER_CANONICAL[id]! : canonicalHeaderName(decodeSpan(this.raw, ix[o]!, ix[o + 1]!));
      c[i] = v;
    }
    return v;
  }

  get headers(): readonly HeaderField[] {
    const l = (this.lz ??= new Lazy());
    let f = l.fields;
    if (f === null) {
      const hs = this.ix;
      const n = this.headerCount;
      f = new Array<Field>(n);
      for (let i = 0; i < n; i++) {
        const o = this.slot(i);
        f[i] = new Field(
          this.raw,
          decodeSpan(this.raw, hs[o]!, hs[o + 1]!),
          this.canonicalAt(i),
          hs[o]!,
          hs[o + 1]!,
          hs[o + 2]!,
          hs[o + 3]!,
        );
      }
      l.fields = f;
    }
    return f;
  }

  /** Indices of the header fields with this canonical name. */
  indicesOf(name: string): number[] {
    const c = canonicalHeaderName(name);
    const out: number[] = [];
    const n = this.headerCount;
    for (let i = 0; i < n; i++) if (this.canonicalAt(i) === c) out.push(i);
    return out;
  }

  header(name: string): string | null {
    const c = canonicalHeaderName(name);
    const n = this.headerCount;
    for (let i = 0; i < n; i++) {
      if (this.canonicalAt(i) === c) return this.valueAt(i);
    }
    return null;
  }

  headerAll(name: string): string[] {
    return this.indicesOf(name).map((i) =>
      decodeUnfolded(this.raw, this.valueStartAt(i), this.valueEndAt(i)),
    );
  }

  headerSpans(name: string): Span[] {
    return this.indicesOf(name).map((i) => ({ start: this.valueStartAt(i), end: this.valueEndAt(i) }));
  }

  values(name: string): string[] {
    const out: string[] = [];
    const spans: number[] = [];
    // Known single-value headers (Date, CSeq, auth credentials...) contain commas that do not separate values.
    const info = headerNameInfo(name);
    const list = info ? info.list : true;
    for (const i of this.indicesOf(name)) {
      const s = this.valueStartAt(i);
      const e = this.valueEndAt(i);
      if (!list) {
        out.push(decodeUnfolded(this.raw, s, e));
        continue;
      }
      spans.length = 0;
      splitCommaSpans(this.raw, s, e, spans);
      for (let k = 0; k < spans.length; k += 2) {
        if (spans[k + 1]! > spans[k]!) out.push(decodeUnfolded(this.raw, spans[k]!, spans[k + 1]!));
      }
    }
    return out;
  }

  /** Value spans of every comma-separated element of every field of that name. */
  valueSpans(name: string): Span[] {
    const out: Span[] = [];
    const spans: number[] = [];
    for (const i of this.indicesOf(name)) {
      spans.length = 0;
      splitCommaSpans(this.raw, this.valueStartAt(i), this.valueEndAt(i), spans);
      for (let k = 0; k < spans.length; k += 2) {
        if (spans[k + 1]! > spans[k]!) out.push({ start: spans[k]!, end: spans[k + 1]! });
      }
    }
    return out;
  }

  body(): Uint8Array {
    return this.raw.subarray(this.bodyStart, this.bodyStart + this.bodyLength);
  }
}
