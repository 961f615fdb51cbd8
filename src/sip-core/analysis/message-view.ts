/**
 * The message as the analysis reads it: the key fields of [message]'s parse (start line, top Via
 * branch/sent-by/transport/rport, From/To tags, CSeq, Via and Record-Route counts, Content-Type,
 * body framing) taken as byte spans from the parser's index, so no string is made unless a rule asks,
 * and keys are hashed straight from the bytes (key-table.ts), equal to the hashes of the strings.
 * @remarks Reads `ParsedMessage`'s index (sip-message.ts: key field spans `F_*`, then `HS` slots per
 * header field with its key id); any other SipMessage is read through the message's getters instead.
 * Key fields that are not ASCII (whose octets would not hash or sort like their UTF-16 strings) are
 * hashed and compared as text. Either way the fields and keys equal the getters'
 * (test/sip-core/analysis/message-view.test.ts).
 */
import { parseMessage, type SipMessage } from '../message';
import {
  fastScan,
  R_BODY,
  R_CLCOUNT,
  R_CLVALUE,
  R_CSEQ,
  R_KEY,
  R_KIND,
  R_NH,
  R_RR,
  R_STATUS,
  R_VIA,
} from '../message/fast-scan';
import {
  F_BRANCH,
  F_CALLID,
  F_CSEQM,
  F_CTYPE,
  F_FROMTAG,
  F_METHOD,
  F_REASON,
  F_RPORT,
  F_SENTBY,
  F_TOTAG,
  F_TRANSPORT,
  F_URI,
  FOLDED,
  HS,
  KEY_HEADER_CANONICAL,
  KEY_SLOTS,
  ParsedMessage,
} from '../message/sip-message';
import { decodeSpan } from '../message/text';
import { hasMagicCookie } from '../message/headers/chars';
import { asciiSpan, keyBytesLowerAscii, keyCharsLower, keySep, keySpan, keyStr } from './key-table';
import {
  AF_CONTACT,
  AF_KNOWN,
  AF_RR_LOOSE,
  AF_SDP,
  AF_SENTBY_SRC,
  AF_VIA1,
  AF_VIA2,
} from '../capture/ingest-pass';

/** Key ids of Contact and Record-Route in the parser's header index. */
const ID_CONTACT = KEY_HEADER_CANONICAL.indexOf('contact');
const ID_RR = KEY_HEADER_CANONICAL.indexOf('record-route');

const lc = (c: number): number => c | 0x20;

const EMPTY = new Uint8Array(0);
const EMPTY_IX = new Int32Array(0);

/** The method name in `b[s,e)`: one shared string for the RFC 3261 and extension methods, else decoded. */
function methodName(b: Uint8Array, s: number, e: number): string {
  const c = b[s];
  let m: string | null = null;
  switch (e - s) {
    case 3:
      m = c === 0x41 ? 'ACK' : c === 0x42 ? 'BYE' : null;
      break;
    case 4:
      m = c === 0x49 ? 'INFO' : null;
      break;
    case 5:
      m = c === 0x50 ? 'PRACK' : c === 0x52 ? 'REFER' : null;
      break;
    case 6:
      m =
        c === 0x49 ? 'INVITE' : c === 0x43 ? 'CANCEL' : c === 0x55 ? 'UPDATE' : c === 0x4e ? 'NOTIFY' : null;
      break;
    case 7:
      m = c === 0x4f ? 'OPTIONS' : c === 0x4d ? 'MESSAGE' : c === 0x50 ? 'PUBLISH' : null;
      break;
    case 8:
      m = c === 0x52 ? 'REGISTER' : null;
      break;
    case 9:
      m = c === 0x53 ? 'SUBSCRIBE' : null;
      break;
  }
  if (m !== null) {
    let i = 1;
    while (i < m.length && m.charCodeAt(i) === b[s + i]) i++;
    if (i === m.length) return m;
  }
  return decodeSpan(b, s, e);
}

// Offsets of the key field spans in the parser's index, from the message's base (start, end; -1 = absent).
const S_URI = 2 * F_URI;
const S_REASON = 2 * F_REASON;
const S_BRANCH = 2 * F_BRANCH;
const S_SENTBY = 2 * F_SENTBY;
const S_TRANSPORT = 2 * F_TRANSPORT;
const S_RPORT = 2 * F_RPORT;
const S_FROMTAG = 2 * F_FROMTAG;
const S_TOTAG = 2 * F_TOTAG;
const S_CTYPE = 2 * F_CTYPE;

/**
 * Views of the scanner's output by length (a copy is one `set` of a view made once), for the output
 * array they were cut from (a new one after the scanner's memory grows, when the old views are detached).
 */
const scanViews: Int32Array[] = [];
let scanViewsOf: Int32Array | null = null;

/**
 * One message as the analysis reads it: reused for every message (valid only during the call that
 * filled it). Fields from the parse's index spans, or (`fallback`) from its getters.
 */
export class AnalysisMessage {
  raw: Uint8Array = new Uint8Array(0);
  start = 0;
  end = 0;
  kind: 'request' | 'response' | 'invalid' = 'invalid';
  method: string | null = null;
  status: number | null = null;
  cseq: number | null = null;
  #cseqMethod: string | null = null;
  /** The trace's interned Call-ID (or the parse's). */
  callId: string | null = null;
  #via = 0;
  #rr = 0;
  #bodyStart = 0;
  #bodyLength = 0;
  /**
   * `readDeferred`: the fields above came from the trace's columns and the bytes are not scanned yet;
   * the first read of anything else scans them (`#scan`). Tag presence from the columns meanwhile.
   */
  #deferred = false;
  #dFromTag = false;
  #dToTag = false;
  /** Deferred: the branch has the magic cookie (the trace's KF_COOKIE). */
  #dCookie = false;
  /**
   * Deferred: the message's analysis facts (capture/ingest-pass.ts AF_*; 0: none known) and, with
   * AF_SDP, the header section's length: the accessors they answer need no scan.
   */
  #facts = 0;
  #hlen = 0;
  /**
   * Where the analysis facts' walk found the first Route and Record-Route field lines
   * (capture/ingest-pass.ts `messageFactsRoutes`: each line's offset from `start` + 1, 0 when absent,
   * the Record-Route's in bits 16–31), for the route-set rule's `routeHashes`; -1 when not known.
   */
  routeLines = -1;

  /** The CSeq method (for a deferred request: after the scan). */
  get cseqMethod(): string | null {
    if (this.#deferred && this.kind !== 'response') this.#scan();
    return this.#cseqMethod;
  }
  /** Via values (header fields and comma-separated values). */
  get viaCount(): number {
    if (this.#deferred) {
      const v = this.#facts & (AF_VIA1 | AF_VIA2);
      if (v !== 0) return v; // AF_VIA1 = 1, AF_VIA2 = 2
      this.#scan();
    }
    return this.#via;
  }
  get recordRouteCount(): number {
    if (this.#deferred) this.#scan();
    return this.#rr;
  }
  get bodyStart(): number {
    if (this.#deferred) {
      if ((this.#facts & AF_SDP) !== 0) return this.start + this.#hlen;
      this.#scan();
    }
    return this.#bodyStart;
  }
  get bodyLength(): number {
    if (this.#deferred) {
      if ((this.#facts & AF_SDP) !== 0) return this.end - this.start - this.#hlen;
      this.#scan();
    }
    return this.#bodyLength;
  }
  /** The message has an SDP body: `bodyLength > 0 && contentTypeIsSdp`. */
  get hasSdpBody(): boolean {
    if (this.#deferred && (this.#facts & AF_KNOWN) !== 0) return (this.#facts & AF_SDP) !== 0;
    return this.bodyLength > 0 && this.contentTypeIsSdp;
  }
  /** The strict-routing rule must read the Record-Route values: `recordRouteCount > 0 && !recordRoutesLoose`. */
  get strictCheckNeeded(): boolean {
    if (this.#deferred && (this.#facts & AF_RR_LOOSE) !== 0) return false;
    return this.recordRouteCount > 0 && !this.recordRoutesLoose;
  }
  /**
   * True when the facts say the top Via sent-by's host is the packet's source (then
   * `viaSentByHostIs(source host)` is true); false when not known so (ask `viaSentByHostIs`).
   */
  get viaSentByIsSource(): boolean {
    return this.#deferred && (this.#facts & AF_SENTBY_SRC) !== 0;
  }
  /**
   * The parse: its index gives the spans (`useMessage`); its getters every field in fallback mode and
   * other headers. Null after `read` took the scanner's output: made on first need (`full()`).
   */
  #full: SipMessage | null = null;
  #fallback = false;
  /** The parse's index (or the copy of the scanner's, `#own`) and the message's base in it (span mode). */
  #ix: Int32Array = new Int32Array(0);
  #base = 0;
  /** Header fields in `#ix` (the `HS` slots after the key slots). */
  #nh = 0;
  /** This view's copy of the scanner's key slots and header index (reused). */
  #own = new Int32Array(KEY_SLOTS + HS * 64);
  /** First Contact value span: -2 not looked up yet, -3 folded (read by the getter), -1 absent. */
  #cs = -2;
  #ce = -2;
  /** Incremented per message (memo keys). */
  serial = 0;

  /** True when the fields come from the parse's getters (not a ParsedMessage, or non-ASCII keys). */
  get fallback(): boolean {
    if (this.#deferred) this.#scan();
    return this.#fallback;
  }

  /**
   * Reads `buf[start,end)`. `callId` is the trace's Call-ID of the message (null: the message's). The
   * common form is read from the key-field scanner's output (`fastScan`, as `parseMessage` reads it,
   * without building the ParsedMessage: its index is copied here); anything else is parsed.
   */
  read(buf: Uint8Array, start: number, end: number, callId: string | null): this {
    const len = buf.length;
    start = start >= 0 ? Math.min(Math.floor(start), len) : 0;
    end = end <= len ? Math.floor(end) : len;
    if (!(end >= start)) end = start;
    this.#deferred = false;
    this.routeLines = -1;
    const r = fastScan(buf, start, end);
    if (r === null) return this.useMessage(parseMessage(buf, start, end), callId);
    this.#fromScan(r, buf, start, end, callId);
    return this;
  }

  /** Takes the fields of the scanner's output `r` for `buf[start,end)` (see `parseMessage`'s fromScan). */
  #fromScan(r: Int32Array, buf: Uint8Array, start: number, end: number, callId: string | null): void {
    const nh = r[R_NH]!;
    const n = KEY_SLOTS + HS * nh;
    let ix = this.#own;
    if (ix.length < n) ix = this.#own = new Int32Array(Math.max(n, ix.length * 2));
    if (r !== scanViewsOf) {
      scanViews.length = 0;
      scanViewsOf = r;
    }
    ix.set((scanViews[n] ??= r.subarray(R_KEY, R_KEY + n)));
    this.serial++;
    this.#full = null;
    this.#fallback = false;
    this.raw = buf;
    this.start = start;
    this.end = end;
    this.#ix = ix;
    this.#base = 0;
    this.#nh = nh;
    this.#cs = -2;
    const response = r[R_KIND] !== 0;
    this.kind = response ? 'response' : 'request';
    this.status = response ? r[R_STATUS]! : null;
    const cseq = r[R_CSEQ]!;
    this.cseq = cseq >= 0 ? cseq : null;
    this.#via = r[R_VIA]!;
    this.#rr = r[R_RR]!;
    // Body framing as parse.ts frameBody (datagram): Content-Length when it fits, else to the end.
    const bodyStart = r[R_BODY]!;
    const avail = end - bodyStart;
    const clValue = r[R_CLVALUE]!;
    this.#bodyStart = bodyStart;
    this.#bodyLength = r[R_CLCOUNT] === 0 || clValue < 0 || clValue > avail ? avail : clValue;
    let s = ix[2 * F_CALLID]!;
    this.callId = callId ?? (s >= 0 ? decodeSpan(buf, s, ix[2 * F_CALLID + 1]!) : null);
    s = ix[2 * F_METHOD]!;
    this.method = s >= 0 ? methodName(buf, s, ix[2 * F_METHOD + 1]!) : null;
    s = ix[2 * F_CSEQM]!;
    this.#cseqMethod = s >= 0 ? methodName(buf, s, ix[2 * F_CSEQM + 1]!) : null;
  }

  /**
   * Takes `buf[start,end)` with the fields the trace's columns hold (kind, method, status, CSeq,
   * the CSeq method of a response, whether the tags are present, the branch's magic cookie) and the
   * message's analysis facts (`facts`, capture/ingest-pass.ts AF_*, with `hlen` the header section's
   * length for AF_SDP; 0: none), without scanning the bytes: they are scanned (`read`) on the first
   * read of any field these do not answer. For a message whose handling may need nothing else (a
   * retransmission, as tier 1 saw it; a message whose facts answer the rules); the fields and facts
   * must be the scan's.
   */
  readDeferred(
    buf: Uint8Array,
    start: number,
    end: number,
    callId: string,
    kind: 'request' | 'response' | 'invalid',
    method: string | null,
    status: number | null,
    cseq: number | null,
    responseCseqMethod: string | null,
    hasFromTag: boolean,
    hasToTag: boolean,
    cookie: boolean,
    facts = 0,
    hlen = 0,
    routeLines = -1,
  ): this {
    this.serial++;
    this.#full = null;
    this.#fallback = false;
    this.#deferred = true;
    this.raw = buf;
    this.start = start;
    this.end = end;
    this.callId = callId;
    this.kind = kind;
    this.method = method;
    this.status = status;
    this.cseq = cseq;
    this.#cseqMethod = responseCseqMethod;
    this.#dFromTag = hasFromTag;
    this.#dToTag = hasToTag;
    this.#dCookie = cookie;
    this.#facts = (facts & AF_KNOWN) !== 0 ? facts : 0;
    this.#hlen = hlen;
    this.routeLines = this.#facts !== 0 ? routeLines : -1;
    this.#ix = EMPTY_IX;
    this.#nh = 0;
    return this;
  }

  /** Scans a deferred message's bytes (see `readDeferred`). */
  #scan(): void {
    const lines = this.routeLines; // (the same octets: the lines found stay where they are)
    this.read(this.raw, this.start, this.end, this.callId);
    this.routeLines = lines;
  }

  /** Reads a parsed message. */
  useMessage(m: SipMessage, callId: string | null = null): this {
    this.#deferred = false;
    this.routeLines = -1;
    this.serial++;
    this.#full = m;
    this.raw = m.raw;
    this.start = m.start;
    this.end = m.end;
    if (m instanceof ParsedMessage) {
      this.#fromParse(m, callId);
      this.#fallback = false;
      return this;
    }
    this.#fallback = true;
    this.kind = m.kind;
    this.method = m.method;
    this.status = m.status;
    this.cseq = m.cseq;
    this.#cseqMethod = m.cseqMethod;
    this.callId = callId ?? m.callId;
    this.#via = m.viaCount;
    this.#rr = m.recordRouteCount;
    this.#bodyStart = m.bodyStart;
    this.#bodyLength = m.bodyLength;
    return this;
  }

  /** Drops the references to the message (its buffer and parse), so the view pins nothing between messages. */
  release(): void {
    this.#deferred = false;
    this.#full = null;
    this.raw = EMPTY;
    this.#ix = EMPTY_IX;
  }

  /** The parse (for headers this view does not keep): made here on first need after `read`. */
  full(): SipMessage {
    if (this.#deferred) this.#scan();
    return (this.#full ??= parseMessage(this.raw, this.start, this.end));
  }

  #str(slot: number): string | null {
    if (this.#deferred) this.#scan();
    const s = this.#ix[this.#base + slot]!;
    return s < 0 ? null : decodeSpan(this.raw, s, this.#ix[this.#base + slot + 1]!);
  }
  #has(slot: number): boolean {
    if (this.#deferred) this.#scan();
    return this.#ix[this.#base + slot]! >= 0;
  }

  get requestUri(): string | null {
    return this.#fallback ? this.#full!.requestUri : this.#str(S_URI);
  }
  /**
   * The user part of a `sip:`/`sips:` Request-URI (`/^sips?:([^@;>]+)@/i` on `requestUri`), or null:
   * read from the octets (the delimiters are ASCII, so the user's octets decode to the same text).
   */
  requestUriUser(): string | null {
    if (this.#deferred) this.#scan();
    if (this.#fallback) return /^sips?:([^@;>]+)@/i.exec(this.requestUri ?? '')?.[1] ?? null;
    const s = this.#ix[this.#base + S_URI]!;
    if (s < 0) return null;
    const e = this.#ix[this.#base + S_URI + 1]!;
    const b = this.raw;
    if (e - s < 5 || lc(b[s]!) !== 0x73 || lc(b[s + 1]!) !== 0x69 || lc(b[s + 2]!) !== 0x70) return null;
    let i = s + 3;
    if (lc(b[i]!) === 0x73) i++;
    if (b[i] !== 0x3a) return null;
    const us = ++i;
    while (i < e && b[i] !== 0x40 && b[i] !== 0x3b && b[i] !== 0x3e) i++;
    return i > us && i < e && b[i] === 0x40 ? decodeSpan(b, us, i) : null;
  }
  get reason(): string | null {
    return this.#fallback ? this.#full!.reason : this.#str(S_REASON);
  }
  get branch(): string | null {
    return this.#fallback ? this.#full!.branch : this.#str(S_BRANCH);
  }
  get viaSentBy(): string | null {
    return this.#fallback ? this.#full!.viaSentBy : this.#str(S_SENTBY);
  }
  get viaTransport(): string | null {
    return this.#fallback ? this.#full!.viaTransport : this.#str(S_TRANSPORT);
  }
  get viaRport(): string | null {
    return this.#fallback ? this.#full!.viaRport : this.#str(S_RPORT);
  }
  /** False when the top Via sent-by cannot be a private address (see `isPrivateAddress`): its first octet is none of `1`, `0` (`010.x` reads as 10.x), `[`, `f`, `F`. */
  get viaSentByMayBePrivate(): boolean {
    if (this.#deferred) this.#scan();
    if (this.#fallback) return true;
    const s = this.#ix[this.#base + S_SENTBY]!;
    if (s < 0 || s >= this.#ix[this.#base + S_SENTBY + 1]!) return true;
    const c = this.raw[s]!;
    return c === 0x31 || c === 0x30 || c === 0x5b || c === 0x66 || c === 0x46 || c >= 0x80;
  }
  /**
   * True when the top Via sent-by's host (`bareHost(viaSentBy)`) is exactly `host`, decided from the
   * bytes for a host without brackets or IPv6 colons; false when it differs or cannot be decided so.
   */
  viaSentByHostIs(host: string): boolean {
    if (this.#deferred) this.#scan();
    if (this.#fallback) return false;
    const s = this.#ix[this.#base + S_SENTBY]!;
    let e = this.#ix[this.#base + S_SENTBY + 1]!;
    if (s < 0) return false;
    const b = this.raw;
    if (b[s] === 0x5b) return false;
    let colon = -1;
    for (let i = s; i < e; i++)
      if (b[i] === 0x3a) {
        if (colon >= 0) return false; // more than one colon: IPv6, decided by the string path
        colon = i;
      }
    if (colon >= 0) e = colon;
    if (e - s !== host.length) return false;
    for (let i = 0; i < host.length; i++)
      if (b[s + i] !== host.charCodeAt(i) || b[s + i]! >= 0x80) return false;
    return true;
  }

  get fromTag(): string | null {
    return this.#fallback ? this.#full!.fromTag : this.#str(S_FROMTAG);
  }
  get toTag(): string | null {
    return this.#fallback ? this.#full!.toTag : this.#str(S_TOTAG);
  }
  get contentType(): string | null {
    return this.#fallback ? this.#full!.contentType : this.#str(S_CTYPE);
  }
  get hasToTag(): boolean {
    if (this.#deferred) return this.#dToTag;
    return this.#fallback ? this.#full!.toTag !== null : this.#has(S_TOTAG);
  }
  get hasFromTag(): boolean {
    if (this.#deferred) return this.#dFromTag;
    return this.#fallback ? this.#full!.fromTag !== null : this.#has(S_FROMTAG);
  }
  /** The Content-Type names SDP (`application/sdp`, or any type containing "sdp", any case). */
  get contentTypeIsSdp(): boolean {
    if (this.#deferred) this.#scan();
    if (this.#fallback) {
      const ct = this.#full!.contentType;
      return ct !== null && (ct === 'application/sdp' || ct.toLowerCase().includes('sdp'));
    }
    const s = this.#ix[this.#base + S_CTYPE]!;
    if (s < 0) return false;
    const e = this.#ix[this.#base + S_CTYPE + 1]!;
    const b = this.raw;
    for (let i = s; i + 3 <= e; i++)
      if (lc(b[i]!) === 0x73 && lc(b[i + 1]!) === 0x64 && lc(b[i + 2]!) === 0x70) return true;
    return false;
  }
  /** The first Contact value (`header('contact')`). */
  get contact(): string | null {
    if (this.#deferred) {
      if ((this.#facts & (AF_KNOWN | AF_CONTACT)) === AF_KNOWN) return null;
      this.#scan();
    }
    if (!this.#fallback) {
      if (this.#cs === -2) this.#contactSlot();
      if (this.#cs !== -3) return this.#cs < 0 ? null : decodeSpan(this.raw, this.#cs, this.#ce);
    }
    return this.full().header('contact');
  }
  get hasContact(): boolean {
    if (this.#deferred) {
      if ((this.#facts & AF_KNOWN) !== 0) return (this.#facts & AF_CONTACT) !== 0;
      this.#scan();
    }
    if (!this.#fallback) {
      if (this.#cs === -2) this.#contactSlot();
      if (this.#cs !== -3) return this.#cs >= 0;
    }
    return this.full().header('contact') !== null;
  }

  /**
   * True when every Record-Route value is a single `<uri>` whose parameters hold `;lr` (followed by
   * `;`, `=` or the `>`): then the strict-routing rule has nothing to report. False when one is not,
   * or cannot be told from the bytes (lists, folding, whitespace): the rule then reads the values.
   */
  get recordRoutesLoose(): boolean {
    if (this.#deferred) this.#scan();
    if (this.#fallback) return false;
    const ix = this.#ix;
    const b = this.raw;
    for (let i = 0; i < this.#nh; i++) {
      const o = this.#base + KEY_SLOTS + i * HS;
      const id = ix[o + 4]!;
      if ((id & 255) !== ID_RR) continue;
      if ((id & FOLDED) !== 0) return false;
      const vs = ix[o + 2]!;
      const ve = ix[o + 3]!;
      let lt = -1;
      let gt = -1;
      for (let j = vs; j < ve; j++) {
        const c = b[j];
        if (c === 0x2c) return false;
        if (c === 0x3c && lt < 0) lt = j;
        else if (c === 0x3e && gt < 0) gt = j;
      }
      if (lt < 0 || gt < lt) return false;
      let lr = false;
      for (let j = lt + 1; j + 3 <= gt; j++) {
        if (b[j] !== 0x3b || lc(b[j + 1]!) !== 0x6c || lc(b[j + 2]!) !== 0x72) continue;
        const c = j + 3 === gt ? 0x3b : b[j + 3];
        if (c === 0x3b || c === 0x3d) {
          lr = true;
          break;
        }
      }
      if (!lr) return false;
    }
    return true;
  }

  /** Number of header fields in the index (span mode), or -1 in fallback mode (read the bytes instead). */
  get indexedHeaders(): number {
    if (this.#deferred) this.#scan();
    return this.#fallback ? -1 : this.#nh;
  }
  /** Start of header field `i`'s name (`i` below `indexedHeaders`), or -1 for a key header (Via, From, Contact...). */
  otherHeaderNameAt(i: number): number {
    if (this.#deferred) this.#scan();
    const o = this.#base + KEY_SLOTS + i * HS;
    return (this.#ix[o + 4]! & 255) === 0 ? this.#ix[o]! : -1;
  }

  header(name: string): string | null {
    return this.full().header(name);
  }
  values(name: string): string[] {
    return this.full().values(name);
  }
  body(): Uint8Array {
    if (this.#deferred) this.#scan();
    return this.raw.subarray(this.bodyStart, this.bodyStart + this.bodyLength);
  }

  // ---- keys (hashed from the bytes; the same hash as key-table's string functions on the parser's strings)

  /** `keyStr(branch)`. */
  keyBranch(): void {
    if (this.#deferred) this.#scan();
    if (this.#fallback) keyStr(this.#full!.branch);
    else this.#keySlot(S_BRANCH);
  }
  /** `keyStr(fromTag)`. */
  keyFromTag(): void {
    if (this.#deferred) this.#scan();
    if (this.#fallback) keyStr(this.#full!.fromTag);
    else this.#keySlot(S_FROMTAG);
  }
  /** `keyStr(toTag)`. */
  keyToTag(): void {
    if (this.#deferred) this.#scan();
    if (this.#fallback) keyStr(this.#full!.toTag);
    else this.#keySlot(S_TOTAG);
  }
  /** `keyStr(fromTag ?? '')`. */
  keyFromTagOrEmpty(): void {
    if (this.#deferred) this.#scan();
    if (this.#fallback) keyStr(this.#full!.fromTag ?? '');
    else if (this.#has(S_FROMTAG)) this.#keySlot(S_FROMTAG);
    else keyStr('');
  }
  /** `keyStr(branch ?? '')`. */
  keyBranchOrEmpty(): void {
    if (this.#deferred) this.#scan();
    if (this.#fallback) keyStr(this.#full!.branch ?? '');
    else if (this.#has(S_BRANCH)) this.#keySlot(S_BRANCH);
    else keyStr('');
  }
  #keySlot(slot: number): void {
    const s = this.#ix[this.#base + slot]!;
    if (s < 0) keyStr(null);
    else keySpan(this.raw, s, this.#ix[this.#base + slot + 1]!);
  }

  /** The branch starts with the RFC 3261 magic cookie `z9hG4bK`. */
  get branchHasCookie(): boolean {
    if (this.#deferred) return this.#dCookie;
    if (this.#fallback) return this.#full!.branch?.startsWith('z9hG4bK') ?? false;
    return hasMagicCookie(this.raw, this.#ix[this.#base + S_BRANCH]!, this.#ix[this.#base + S_BRANCH + 1]!);
  }

  /** Adds the top Via sent-by, normalized (lower case, default port added), then a separator. */
  keySentBy(): void {
    if (this.#deferred) this.#scan();
    const s = this.#fallback ? -1 : this.#ix[this.#base + S_SENTBY]!;
    const e = this.#fallback ? -1 : this.#ix[this.#base + S_SENTBY + 1]!;
    const b = this.raw;
    // The octets lower-cased into the key, the ASCII check and the ':' search in one pass.
    const colon = this.#fallback || s < 0 || e === s ? 0 : keyBytesLowerAscii(b, s, e);
    if (this.#fallback || colon < 0) {
      // From the text (its characters are not the octets when it is not ASCII).
      const sentBy = this.viaSentBy;
      if (!sentBy) {
        keyStr('');
        return;
      }
      keyCharsLower(sentBy);
      if (needsPort(sentBy)) keyCharsLower(defaultPort(this.viaTransport));
      keySep();
      return;
    }
    if (s < 0 || e === s) {
      keyStr('');
      return;
    }
    let port: boolean;
    if (b[s] === 91) {
      let rb = e - 1;
      while (rb >= s && b[rb] !== 93) rb--;
      port = rb >= s && b[rb + 1] === 58 && rb + 2 < e;
      for (let i = rb + 2; port && i < e; i++) if (b[i]! < 48 || b[i]! > 57) port = false;
    } else port = colon === 1;
    if (!port) {
      const ts = this.#ix[this.#base + S_TRANSPORT]!;
      const te = this.#ix[this.#base + S_TRANSPORT + 1]!;
      let tls = false;
      if (ts >= 0 && te - ts === 3) {
        const c0 = lc(b[ts]!);
        const c1 = lc(b[ts + 1]!);
        const c2 = lc(b[ts + 2]!);
        tls = (c0 === 0x74 && c1 === 0x6c && c2 === 0x73) || (c0 === 0x77 && c1 === 0x73 && c2 === 0x73);
      }
      keyCharsLower(tls ? ':5061' : ':5060');
    }
    keySep();
  }

  /**
   * Compares the From and To tags as strings (both present): negative when From sorts first, 0 when
   * equal, positive otherwise.
   */
  compareTags(): number {
    if (this.#deferred) this.#scan();
    const b = this.raw;
    let i = this.#fallback ? 0 : this.#ix[this.#base + S_FROMTAG]!;
    const ie = this.#fallback ? 0 : this.#ix[this.#base + S_FROMTAG + 1]!;
    let j = this.#fallback ? 0 : this.#ix[this.#base + S_TOTAG]!;
    const je = this.#fallback ? 0 : this.#ix[this.#base + S_TOTAG + 1]!;
    if (this.#fallback || !asciiSpan(b, i, ie) || !asciiSpan(b, j, je)) {
      // As strings (UTF-16 order differs from the octets' when the tags are not ASCII).
      const a = this.fromTag!;
      const c = this.toTag!;
      return a < c ? -1 : a === c ? 0 : 1;
    }
    while (i < ie && j < je) {
      const d = b[i]! - b[j]!;
      if (d !== 0) return d;
      i++;
      j++;
    }
    return ie - i - (je - j);
  }

  // ---------------------------------------------------------------- reading the parse

  /** Takes the fields of a parse from its index (see the file comment). */
  #fromParse(m: ParsedMessage, callId: string | null): void {
    const ix = m.ix;
    const base = m.base;
    const b = m.raw;
    this.#ix = ix;
    this.#base = base;
    this.#nh = m.headerCount;
    this.#cs = -2;
    this.kind = m.kind;
    this.status = m.status;
    this.cseq = m.cseq;
    this.callId = callId ?? m.callId;
    this.#via = m.viaCount;
    this.#rr = m.recordRouteCount;
    this.#bodyStart = m.bodyStart;
    this.#bodyLength = m.bodyLength;
    let s = ix[base + 2 * F_METHOD]!;
    this.method = s >= 0 ? methodName(b, s, ix[base + 2 * F_METHOD + 1]!) : null;
    s = ix[base + 2 * F_CSEQM]!;
    this.#cseqMethod = s >= 0 ? methodName(b, s, ix[base + 2 * F_CSEQM + 1]!) : null;
  }

  /** Span of the first Contact value in the parser's index (-1 when absent; the getter when folded). */
  #contactSlot(): void {
    const ix = this.#ix;
    this.#cs = -1;
    for (let i = 0; i < this.#nh; i++) {
      const o = this.#base + KEY_SLOTS + i * HS;
      const id = ix[o + 4]!;
      if ((id & 255) !== ID_CONTACT) continue;
      if ((id & FOLDED) !== 0) {
        this.#cs = -3; // folded: unfolded by the getter
        return;
      }
      this.#cs = ix[o + 2]!;
      this.#ce = ix[o + 3]!;
      return;
    }
  }
}

function needsPort(sentBy: string): boolean {
  if (sentBy.charCodeAt(0) === 91 /* [ */) {
    // `[v6]:port` has a port; `[v6]` does not.
    const rb = sentBy.lastIndexOf(']');
    return !(rb >= 0 && sentBy.charCodeAt(rb + 1) === 58 && allDigits(sentBy, rb + 2));
  }
  return sentBy.indexOf(':') < 0;
}

function allDigits(s: string, from: number): boolean {
  if (from >= s.length) return false;
  for (let i = from; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

function defaultPort(transport: string | null): string {
  const t = transport ?? 'UDP';
  return t.length === 3 && (/^tls$/i.test(t) || /^wss$/i.test(t)) ? ':5061' : ':5060';
}
