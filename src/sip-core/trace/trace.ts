/**
 * The trace model (ARCHITECTURE.md "The trace model"): the append-only list of SIP messages every
 * source produces and every view reads. Per-message fixed fields live in typed-array columns; raw
 * bytes stay in the capture file (read back by offset) or in a byte arena; full headers are parsed
 * lazily when a view asks (`message(id)`).
 * @remarks Memory: about 64 bytes per message plus reassembled bytes, so a 1 GB capture with 2 M
 * messages needs ~130 MB, not the file size.
 */
import type { MediaCapture } from '../media/rtp-streams';
import type { Diagnostic } from '../diagnostic';
import { formatHostPort } from '../capture/address';
import {
  REASSEMBLY,
  TRANSPORTS,
  type FrameRef,
  type Reassembly,
  type TransportName,
} from '../capture/provenance';
import { parseMessage, type SipMessage } from '../message';
import {
  keysOfParse,
  newIndexSpans,
  spanText,
  type IndexFields,
  type IndexSpans,
} from '../capture/sip-index';
import type { ParsedMessage } from '../message/sip-message';
import { ByteInterner, SpanTable, type SpanTableState } from './byte-interner';
import { ByteArena, type ReadAt } from './raw-store';
import {
  PASS_METHODS,
  P_AUX,
  P_CALLID,
  P_CALLID_END,
  P_DST,
  P_END,
  P_FIX,
  P_METHOD,
  P_METHOD_END,
  P_MSG,
  P_SRC,
  P_START,
  P_STRIDE,
  P_TYPE,
  T_TCP_NONE,
  passCacheAddress,
  passCacheMethod,
  passStage,
} from '../capture/ingest-pass';

/** The `source` block of the trace JSON: what was read. */
export interface TraceSource {
  name: string;
  /** Size of the file (or upload) in bytes. */
  size: number;
  /** 'pcap', 'pcap-ns', 'pcapng', 'sip-text', 'simulation', 'live'... */
  format: string;
  compression: 'gzip' | null;
  linkTypes: string[];
  frames: number;
  /** Captured bytes of all frames. */
  bytes: number;
  /** Epoch seconds of the first and last frame (null without frames). */
  firstTime: number | null;
  lastTime: number | null;
  duration: number | null;
  /** Number of error-severity file/stream diagnostics (corrupt or truncated file...). */
  decodeErrors: number;
  /** What could not be decoded, by kind (see IngestStats). */
  undecoded: Record<string, number>;
}

/** The analysis layer's per-message fields (null until it is attached). */
export interface MessageAnalysisFields {
  transaction: string | null;
  dialog: string | null;
  call: string | null;
  retransmission: boolean;
  diagnostics: string[];
}

/**
 * The hook for the analysis layer ([analysis]): it indexes messages as they are appended
 * (`trace.onAppend`) and answers the trace JSON's transaction/dialog/call fields.
 */
export interface TraceAnalysis {
  messageFields(id: number): MessageAnalysisFields;
  transactions(): unknown[];
  dialogs(): unknown[];
  calls(): unknown[];
  diagnostics(): Diagnostic[];
  /** Counts for `analyze --format summary`, e.g. { transactions: {completed: 3}, dialogs: {...}, calls: {...} }. */
  summary(): Record<string, Record<string, number>>;
  /** Changes when legs join into calls or calls come apart (the user's join or split); absent: never. */
  readonly grouping?: number;
}

/** Called for each appended message; `msg` (and its raw bytes) is only valid during the call. */
export type AppendListener = (id: number, msg: SipMessage, trace: Trace) => void;

/**
 * Called for each appended message with its raw bytes `buf[start,end)` (valid only during the call),
 * parsed or not: a listener that reads what it needs from the bytes does not make ingest parse.
 * `msg` is the full parse when the ingest made one (then the listener need not parse again).
 */
export type BytesAppendListener = (
  id: number,
  buf: Uint8Array,
  start: number,
  end: number,
  trace: Trace,
  msg?: SipMessage | null,
) => void;

/** An AppendListener that also reads bytes: `onAppend` registers its `bytes` form (no parse needed). */
export type DualAppendListener = AppendListener & { bytes: BytesAppendListener };

/** Everything that describes where one message came from, as `append` takes it. */
export interface AppendInput {
  frameNo: number;
  timeUs: number;
  /** Address text ids (see `addresses`). */
  src: number;
  srcPort: number;
  dst: number;
  dstPort: number;
  transport: TransportName;
  reassembly: Reassembly;
  /** Capture-stream offset of the raw bytes when they can be read back from the file, else -1. */
  rawOffset: number;
  frames: readonly FrameRef[];
  diagnostics: Diagnostic[] | null;
  /** Frames the message depends on (WebSocket upgrade), exported along with its own. */
  contextFrames?: readonly FrameRef[] | null;
  hepCorrelationId?: string | null;
}

const KIND = ['request', 'response', 'invalid'] as const;

/** Most bytes `eachRaw` reads back in one region (messages that follow one another in the file). */
const RAW_RUN_BYTES = 256 * 1024;

/** Index in TRANSPORTS / REASSEMBLY (a switch: the ingest loop calls these for every message). */
function transportCode(t: TransportName): number {
  switch (t) {
    case 'UDP':
      return 0;
    case 'TCP':
      return 1;
    default:
      return TRANSPORTS.indexOf(t);
  }
}
function reassemblyCode(r: Reassembly): number {
  return r === 'none' ? 0 : REASSEMBLY.indexOf(r);
}

/** A growable set of typed columns. */
class Columns {
  cap: number;
  frame: Uint32Array;
  time: Float64Array;
  src: Uint32Array;
  dst: Uint32Array;
  sport: Uint16Array;
  dport: Uint16Array;
  /** transport (low 4 bits) | reassembly << 4 */
  tr: Uint8Array;
  /** kind (2 bits) | rawInArena << 2 | hasDiag << 3 | multiFrame << 4 | analysis key flags (KF_*) << 5 */
  flags: Uint8Array;
  method: Uint16Array;
  status: Uint16Array;
  callId: Uint32Array;
  rawOff: Float64Array;
  rawLen: Uint32Array;
  recOff: Float64Array;
  recLen: Uint32Array;
  /** Capture time and link type of the completing frame (the message time differs for HEP). */
  ftime: Float64Array;
  link: Uint16Array;
  /** Id of the message's set of parser+lint diagnostic codes computed at ingest (0 = not computed). */
  codes: Uint16Array;
  /**
   * The analysis keys (`IndexSpans`, capture/sip-index.ts): CSeq number, 32-bit hashes of the top Via
   * branch and sent-by, From tag and To tag (0: absent); their KF_* bits are in `flags`. Read by the
   * tiered analysis.
   */
  cseq: Uint32Array;
  branchH: Uint32Array;
  sentByH: Uint32Array;
  fromTagH: Uint32Array;
  toTagH: Uint32Array;

  constructor(cap: number) {
    this.cap = cap;
    this.frame = new Uint32Array(cap);
    this.time = new Float64Array(cap);
    this.src = new Uint32Array(cap);
    this.dst = new Uint32Array(cap);
    this.sport = new Uint16Array(cap);
    this.dport = new Uint16Array(cap);
    this.tr = new Uint8Array(cap);
    this.flags = new Uint8Array(cap);
    this.method = new Uint16Array(cap);
    this.status = new Uint16Array(cap);
    this.callId = new Uint32Array(cap);
    this.rawOff = new Float64Array(cap);
    this.rawLen = new Uint32Array(cap);
    this.recOff = new Float64Array(cap);
    this.recLen = new Uint32Array(cap);
    this.ftime = new Float64Array(cap);
    this.link = new Uint16Array(cap);
    this.codes = new Uint16Array(cap);
    this.cseq = new Uint32Array(cap);
    this.branchH = new Uint32Array(cap);
    this.sentByH = new Uint32Array(cap);
    this.fromTagH = new Uint32Array(cap);
    this.toTagH = new Uint32Array(cap);
  }

  grow(min: number, exact = false): void {
    const cap = exact ? min : Math.max(min, this.cap * 2, 16);
    const g = <T extends Uint8Array | Uint16Array | Uint32Array | Float64Array>(
      a: T,
      make: (n: number) => T,
    ): T => {
      const b = make(cap);
      b.set(a as never);
      return b;
    };
    this.frame = g(this.frame, (n) => new Uint32Array(n));
    this.time = g(this.time, (n) => new Float64Array(n));
    this.src = g(this.src, (n) => new Uint32Array(n));
    this.dst = g(this.dst, (n) => new Uint32Array(n));
    this.sport = g(this.sport, (n) => new Uint16Array(n));
    this.dport = g(this.dport, (n) => new Uint16Array(n));
    this.tr = g(this.tr, (n) => new Uint8Array(n));
    this.flags = g(this.flags, (n) => new Uint8Array(n));
    this.method = g(this.method, (n) => new Uint16Array(n));
    this.status = g(this.status, (n) => new Uint16Array(n));
    this.callId = g(this.callId, (n) => new Uint32Array(n));
    this.rawOff = g(this.rawOff, (n) => new Float64Array(n));
    this.rawLen = g(this.rawLen, (n) => new Uint32Array(n));
    this.recOff = g(this.recOff, (n) => new Float64Array(n));
    this.recLen = g(this.recLen, (n) => new Uint32Array(n));
    this.ftime = g(this.ftime, (n) => new Float64Array(n));
    this.link = g(this.link, (n) => new Uint16Array(n));
    this.codes = g(this.codes, (n) => new Uint16Array(n));
    this.cseq = g(this.cseq, (n) => new Uint32Array(n));
    this.branchH = g(this.branchH, (n) => new Uint32Array(n));
    this.sentByH = g(this.sentByH, (n) => new Uint32Array(n));
    this.fromTagH = g(this.fromTagH, (n) => new Uint32Array(n));
    this.toTagH = g(this.toTagH, (n) => new Uint32Array(n));
    this.cap = cap;
  }

  bytes(): number {
    return this.cap * (4 + 8 + 4 + 4 + 2 + 2 + 1 + 1 + 2 + 2 + 4 + 8 + 4 + 8 + 4 + 8 + 2 + 2 + 5 * 4);
  }
}

/** A string table: id 0 is "absent". */
class Interner {
  readonly names: (string | null)[] = [null];
  readonly #ids = new Map<string, number>();
  id(s: string | null): number {
    if (s === null) return 0;
    let id = this.#ids.get(s);
    if (id === undefined) {
      id = this.names.length;
      this.names.push(s);
      this.#ids.set(s, id);
    }
    return id;
  }
  get(id: number): string | null {
    return this.names[id] ?? null;
  }
  find(s: string): number {
    return this.#ids.get(s) ?? -1;
  }
  static from(names: (string | null)[]): Interner {
    const t = new Interner();
    for (let i = 1; i < names.length; i++) t.id(names[i]!);
    return t;
  }
}

/** A structured-cloneable snapshot (typed arrays transferable) used to hand a trace across threads. */
export interface TraceState {
  count: number;
  columns: Record<string, Uint8Array | Uint16Array | Uint32Array | Float64Array>;
  addresses: string[];
  methods: (string | null)[];
  callIds: SpanTableState;
  arena: { chunks: Uint8Array[]; used: number };
  frames: [number, FrameRef[]][];
  diagnostics: [number, Diagnostic[]][];
  hep: [number, string][];
  context: [number, FrameRef[]][];
  codeSets: (string | null)[];
  messageDiagnosticCounts: [string, number][];
  source: TraceSource;
  fileDiagnostics: Diagnostic[];
  /** RTP streams and RTCP flows of the capture (null: none seen, or not a capture). */
  media?: MediaCapture | null;
}

type ColumnName = Exclude<keyof Columns, 'cap' | 'grow' | 'bytes'>;
/** Every column, in the order `exportState` lists them. */
const COLUMN_NAMES: readonly ColumnName[] = [
  'frame',
  'time',
  'src',
  'dst',
  'sport',
  'dport',
  'tr',
  'flags',
  'method',
  'status',
  'callId',
  'rawOff',
  'rawLen',
  'recOff',
  'recLen',
  'ftime',
  'link',
  'codes',
  'cseq',
  'branchH',
  'sentByH',
  'fromTagH',
  'toTagH',
];

/**
 * A part of a growing trace (`Trace.shareRows`): messages `from` to `count - 1`, which the receiver
 * reads where the sender wrote them (columns over SharedArrayBuffers), what the trace's tables gained
 * since the last part, and the bytes of the part's messages that live in the sender's arena.
 */
export interface TraceRows {
  from: number;
  count: number;
  /** The bytes of the part's messages kept in the sender's arena, back to back. */
  arenaBytes: Uint8Array;
  /** First part only: room the sender reserved for the whole trace. */
  reserve?: number;
  /**
   * The sender's columns over SharedArrayBuffers: given with the first part and again after the
   * sender's columns grew (null in between).
   */
  shared: Record<string, Uint8Array | Uint16Array | Uint32Array | Float64Array> | null;
  /** The offsets into `arenaBytes` of the part's rows kept in the arena, in row order. */
  arenaOff: Float64Array;
  addresses: { from: number; names: string[] };
  methods: { from: number; names: (string | null)[] };
  codeSets: { from: number; names: (string | null)[] };
  callIds: SpanTableState & { from: number };
  frames: [number, FrameRef[]][];
  diagnostics: [number, Diagnostic[]][];
  hep: [number, string][];
  context: [number, FrameRef[]][];
}

type AnyColumn = Uint8Array | Uint16Array | Uint32Array | Float64Array;

/** `a` over its whole buffer from its start. */
function wholeOf<T extends AnyColumn>(a: T): T {
  const C = a.constructor as new (buf: ArrayBufferLike, off: number, len: number) => T;
  return new C(a.buffer, a.byteOffset, (a.buffer.byteLength - a.byteOffset) / a.BYTES_PER_ELEMENT);
}

/** True when every column of `cols` (views) has room for `rows` rows in its buffer, none shared. */
function columnsFit(cols: Record<string, AnyColumn>, rows: number): boolean {
  const seen = new Set<ArrayBufferLike>();
  for (const name of COLUMN_NAMES) {
    const a = cols[name];
    if (a === undefined || seen.has(a.buffer)) return false;
    seen.add(a.buffer);
    if ((a.buffer.byteLength - a.byteOffset) / a.BYTES_PER_ELEMENT < rows) return false;
  }
  return true;
}

/**
 * Columns over the buffers of `cols` (views, each of its own buffer, as `shareRows` gives them) when
 * each holds `rows` rows. Null when they do not fit.
 */
function columnsOver(cols: Record<string, AnyColumn>, rows: number): Columns | null {
  if (!columnsFit(cols, rows)) return null;
  const c = new Columns(0);
  let cap = Infinity;
  for (const name of COLUMN_NAMES) {
    const w = wholeOf(cols[name]!);
    cap = Math.min(cap, w.length);
    (c as unknown as Record<string, AnyColumn>)[name] = w;
  }
  c.cap = cap;
  return c;
}

/**
 * Per-message columns for the tiered analysis (`Trace.keyColumns`): `flags & 3` is the kind (0 request,
 * 1 response, 2 invalid), `flags >> 5` the KF_* bits; `method` the method key (`methodName`).
 */
export interface TraceKeyColumns {
  readonly time: Float64Array;
  readonly callId: Uint32Array;
  readonly flags: Uint8Array;
  readonly method: Uint16Array;
  readonly status: Uint16Array;
  readonly cseq: Uint32Array;
  readonly branchH: Uint32Array;
  readonly sentByH: Uint32Array;
  readonly fromTagH: Uint32Array;
  readonly toTagH: Uint32Array;
  readonly src: Uint32Array;
  readonly dst: Uint32Array;
  readonly sport: Uint16Array;
  readonly dport: Uint16Array;
}

/** One message's fixed fields, cheap to read (no parse). */
export interface MessageEntry {
  id: number;
  frame: number;
  timeUs: number;
  src: string;
  dst: string;
  transport: TransportName;
  reassembly: Reassembly;
  kind: 'request' | 'response' | 'invalid';
  method: string | null;
  status: number | null;
  callId: string | null;
}

export class Trace {
  #c = new Columns(1024);
  #n = 0;
  /** Address text by id, shared with the capture pipeline's AddressTable. */
  addresses: string[];
  #methods = new Interner();
  /** Call-IDs by bytes (text made when asked). */
  #callIds = new SpanTable(4096);
  #arena = new ByteArena();
  /** Frames of messages that came from more than one frame (sparse). */
  #frames = new Map<number, FrameRef[]>();
  /** Pipeline diagnostics attached to messages (sparse). */
  #diags = new Map<number, Diagnostic[]>();
  #hep = new Map<number, string>();
  #context = new Map<number, FrameRef[]>();
  /** Distinct sets of diagnostic codes (joined by ','), id 1 = the empty set. */
  #codeSets = new Interner();
  #listeners: AppendListener[] = [];
  #bytesListeners: BytesAppendListener[] = [];
  #readAt: ReadAt | null;
  /** The buffer `eachRaw` lends its reads (`lend`), made at its first use. */
  #region: Uint8Array | null = null;
  #closer: (() => void) | null = null;
  /** What was read; filled by the ingest when it finishes. */
  source: TraceSource;
  /** File- and stream-level diagnostics (corrupt file, TCP gaps, TLS...). */
  fileDiagnostics: Diagnostic[] = [];
  /** RTP streams and RTCP flows the capture path found (media/rtp-streams.ts); null when none. */
  media: MediaCapture | null = null;
  /** The analysis layer, once attached (null: transaction/dialog/call fields are null). */
  analysis: TraceAnalysis | null = null;
  /** Message-level diagnostics counted at ingest (pipeline + parser [+ lint]), by code. */
  messageDiagnosticCounts = new Map<string, number>();

  /**
   * @param readAt reads raw bytes back from the capture stream by offset; null keeps every message's
   * bytes in the arena (uploads, compressed files, live sources).
   */
  constructor(readAt: ReadAt | null, addresses: string[] = [], source?: Partial<TraceSource>) {
    this.#readAt = readAt;
    this.addresses = addresses;
    this.source = {
      name: '',
      size: 0,
      format: 'unknown',
      compression: null,
      linkTypes: [],
      frames: 0,
      bytes: 0,
      firstTime: null,
      lastTime: null,
      duration: null,
      decodeErrors: 0,
      undecoded: {},
      ...source,
    };
  }

  /** Messages appended so far. */
  get count(): number {
    return this.#n;
  }

  /**
   * Makes room for `n` messages at once (an ingest that can estimate the count from the file size),
   * so the columns are not copied while they grow. Untouched capacity costs address space, not memory.
   */
  reserve(n: number): void {
    if (n > this.#c.cap) this.#c.grow(n, true);
  }

  /**
   * Adds a listener called for every message appended from now on; returns the unsubscribe function.
   * A {@link DualAppendListener} is registered by its bytes form (see `onAppendBytes`).
   */
  onAppend(listener: AppendListener): () => void {
    const bytes = (listener as Partial<DualAppendListener>).bytes;
    if (typeof bytes === 'function') return this.onAppendBytes(bytes);
    this.#listeners.push(listener);
    return () => {
      this.#listeners = this.#listeners.filter((l) => l !== listener);
    };
  }

  /** Adds a listener called with the raw bytes of every message appended from now on (parsed or not). */
  onAppendBytes(listener: BytesAppendListener): () => void {
    this.#bytesListeners.push(listener);
    return () => {
      this.#bytesListeners = this.#bytesListeners.filter((l) => l !== listener);
    };
  }

  /** True when someone listens for full messages (then ingest must parse each one). */
  get hasListeners(): boolean {
    return this.#listeners.length > 0;
  }

  /**
   * Appends one message. `msg` is the parse (or the index scan) of `buf[start,end)`; listeners are
   * called only with a full parse, so pass a SipMessage when `hasListeners`. The bytes are copied into the
   * arena unless `input.rawOffset` says they can be read back from the file. Returns the id.
   */
  append(
    buf: Uint8Array,
    start: number,
    end: number,
    msg: IndexFields | SipMessage,
    input: AppendInput,
  ): number {
    const kind = msg.kind === 'request' ? 0 : msg.kind === 'response' ? 1 : 2;
    const id = this.#place(buf, start, end, kind, input);
    const c = this.#c;
    c.method[id] =
      kind === 0 ? this.#methods.id(msg.method) : kind === 1 ? this.#methods.id(msg.cseqMethod) : 0;
    c.status[id] = msg.status ?? 0;
    c.callId[id] = msg.callId === null ? 0 : this.#callIds.idOf(msg.callId);
    const full = typeof (msg as Partial<SipMessage>).header === 'function' ? (msg as SipMessage) : null;
    if (full !== null) this.#keysOf(buf, start, end, full, id);
    this.#n = id + 1;
    if (this.#listeners.length > 0) for (const l of this.#listeners) l(id, msg as SipMessage, this);
    if (this.#bytesListeners.length > 0) {
      for (const l of this.#bytesListeners) l(id, buf, start, end, this, full);
    }
    return id;
  }

  /**
   * The ingest fast path: appends one message from its index scan ({@link indexScanSpans} of
   * `buf[start,end)`), interning method and Call-ID by their bytes (a string is made only for a new
   * one). Same result as `append` with the string fields; append listeners are not called (they need a full
   * parse: use `append` when `hasListeners`).
   */
  appendIndexed(buf: Uint8Array, start: number, end: number, s: IndexSpans, input: AppendInput): number {
    const kind = s.kind;
    const id = this.#place(buf, start, end, kind, input);
    const c = this.#c;
    if (kind === 0) c.method[id] = this.#methodBytes.id(buf, s.methodStart, s.methodEnd, this.#newMethod);
    else if (kind === 1)
      c.method[id] =
        s.cseqMethodStart >= 0
          ? this.#methodBytes.id(buf, s.cseqMethodStart, s.cseqMethodEnd, this.#newMethod)
          : 0;
    else c.method[id] = 0;
    c.status[id] = kind === 1 ? s.status : 0;
    c.callId[id] =
      kind !== 2 && s.callIdStart >= 0 ? this.#callIds.idOfSpan(buf, s.callIdStart, s.callIdEnd) : 0;
    c.cseq[id] = s.cseq;
    c.branchH[id] = s.branchH;
    c.sentByH[id] = s.sentByH;
    c.fromTagH[id] = s.fromTagH;
    c.toTagH[id] = s.toTagH;
    c.flags[id]! |= s.keyFlags << 5;
    this.#n = id + 1;
    if (this.#bytesListeners.length > 0) for (const l of this.#bytesListeners) l(id, buf, start, end, this);
    return id;
  }

  /**
   * The ingest pass's fast path (capture/ingest-pass.ts): appends the messages of rows `r0..r1` of its
   * record table — what `appendIndexed` appends for each with the meta the pipeline's inline path or
   * its TCP path gives (UDP or TCP, not reassembled, in the file, one frame each — a TCP segment's
   * messages share theirs —, of link type `linkType`, no diagnostics). The pass wrote the messages'
   * fields in column form (`passStage`, indexed by P_MSG), address and method ids from its caches
   * included: a run of them is copied with `TypedArray.set`; what the caches lacked (P_FIX: IPv4
   * numbers in P_SRC/P_DST interned with `addrs`, methods) and the Call-ID are interned per row, in
   * order. Needs `canReadFile`. Returns the first id.
   */
  appendPassRows(
    buf: Uint8Array,
    t: Int32Array,
    r0: number,
    r1: number,
    linkType: number,
    addrs: { v4(n: number): number },
  ): number {
    const first = this.#n;
    const last = (r1 - 1) * P_STRIDE;
    const m0 = t[r0 * P_STRIDE + P_MSG]!;
    const n = t[last + P_MSG]! + (t[last + P_TYPE] === T_TCP_NONE ? 0 : 1) - m0;
    if (first + n > this.#c.cap) this.#c.grow(first + n);
    const c = this.#c;
    const s = passStage();
    const end = first + n;
    if (n >= 16) {
      const m1 = m0 + n;
      c.frame.set(s.frame.subarray(m0, m1), first);
      c.time.set(s.time.subarray(m0, m1), first);
      c.ftime.set(s.time.subarray(m0, m1), first);
      c.sport.set(s.sport.subarray(m0, m1), first);
      c.dport.set(s.dport.subarray(m0, m1), first);
      c.tr.set(s.tr.subarray(m0, m1), first);
      c.flags.set(s.flags.subarray(m0, m1), first);
      c.rawOff.set(s.rawOff.subarray(m0, m1), first);
      c.rawLen.set(s.rawLen.subarray(m0, m1), first);
      c.recOff.set(s.recOff.subarray(m0, m1), first);
      c.recLen.set(s.recLen.subarray(m0, m1), first);
      c.status.set(s.status.subarray(m0, m1), first);
      c.cseq.set(s.cseq.subarray(m0, m1), first);
      c.branchH.set(s.branchH.subarray(m0, m1), first);
      c.sentByH.set(s.sentByH.subarray(m0, m1), first);
      c.fromTagH.set(s.fromTagH.subarray(m0, m1), first);
      c.toTagH.set(s.toTagH.subarray(m0, m1), first);
      c.src.set(s.src.subarray(m0, m1), first);
      c.dst.set(s.dst.subarray(m0, m1), first);
      c.method.set(s.method.subarray(m0, m1), first);
      c.link.fill(linkType, first, end);
    } else {
      for (let id = first, m = m0; id < end; id++, m++) {
        c.frame[id] = s.frame[m]!;
        c.time[id] = s.time[m]!;
        c.ftime[id] = s.time[m]!;
        c.sport[id] = s.sport[m]!;
        c.dport[id] = s.dport[m]!;
        c.tr[id] = s.tr[m]!;
        c.flags[id] = s.flags[m]!;
        c.rawOff[id] = s.rawOff[m]!;
        c.rawLen[id] = s.rawLen[m]!;
        c.recOff[id] = s.recOff[m]!;
        c.recLen[id] = s.recLen[m]!;
        c.status[id] = s.status[m]!;
        c.cseq[id] = s.cseq[m]!;
        c.branchH[id] = s.branchH[m]!;
        c.sentByH[id] = s.sentByH[m]!;
        c.fromTagH[id] = s.fromTagH[m]!;
        c.toTagH[id] = s.toTagH[m]!;
        c.src[id] = s.src[m]!;
        c.dst[id] = s.dst[m]!;
        c.method[id] = s.method[m]!;
        c.link[id] = linkType;
      }
    }
    const callId = c.callId;
    const callIds = this.#callIds;
    let lastCallId = this.#passCallId;
    let id = first;
    for (let o = r0 * P_STRIDE, e = r1 * P_STRIDE; o < e; o += P_STRIDE) {
      // What the pass's id caches lacked, interned in row order (a frame without a message's
      // addresses too: ids in first-sight order)
      if (t[o + P_FIX] !== 0) this.#passFix(buf, t, o, id, addrs);
      if (t[o + P_TYPE] === T_TCP_NONE) continue;
      const cs = t[o + P_CALLID]!;
      if (cs >= 0) {
        if ((t[o + P_AUX]! & 256) === 0) lastCallId = callIds.idOfSpan(buf, cs, t[o + P_CALLID_END]!);
        callId[id] = lastCallId;
      } else callId[id] = 0;
      id++;
    }
    this.#n = end;
    this.#passCallId = lastCallId;
    if (this.#bytesListeners.length > 0) {
      for (let k = first, o = r0 * P_STRIDE; k < end; o += P_STRIDE) {
        if (t[o + P_TYPE] === T_TCP_NONE) continue;
        for (const l of this.#bytesListeners) l(k, buf, t[o + P_START]!, t[o + P_END]!, this);
        k++;
      }
    }
    return first;
  }

  /** Interns what row `o` of the pass's table has flagged in P_FIX (message `id`, unless T_TCP_NONE). */
  #passFix(buf: Uint8Array, t: Int32Array, o: number, id: number, addrs: { v4(n: number): number }): void {
    const fix = t[o + P_FIX]!;
    const none = t[o + P_TYPE] === T_TCP_NONE;
    const c = this.#c;
    if ((fix & 1) !== 0) {
      const ip = t[o + P_SRC]! >>> 0;
      const a = addrs.v4(ip);
      passCacheAddress(ip, a);
      if (!none) c.src[id] = a;
    }
    if ((fix & 2) !== 0) {
      const ip = t[o + P_DST]! >>> 0;
      const a = addrs.v4(ip);
      passCacheAddress(ip, a);
      if (!none) c.dst[id] = a;
    }
    if ((fix & 4) !== 0 && !none) {
      const code = t[o + P_AUX]! & 255;
      if (code !== 0) {
        // A method the pass named by its code is interned by name (no read of the message's octets).
        const m = this.#methods.id(PASS_METHODS[code]!);
        passCacheMethod(code, m);
        c.method[id] = m;
      } else
        c.method[id] = this.#methodBytes.id(buf, t[o + P_METHOD]!, t[o + P_METHOD_END]!, this.#newMethod);
    }
  }

  /** The Call-ID id of the last row `appendPassRows` appended with a Call-ID (see P_AUX). */
  #passCallId = 0;

  /** The analysis key columns of message `id` from its parse (live and simulated traces append parses). */
  #keysOf(buf: Uint8Array, start: number, end: number, msg: SipMessage, id: number): void {
    // A parse keeps its spans in `ix` over `raw`: the same numbers as the ingest's scan of the bytes.
    const p =
      (msg as Partial<ParsedMessage>).ix !== undefined
        ? (msg as ParsedMessage)
        : (parseMessage(buf, start, end) as ParsedMessage);
    const s = keysOfParse(p.raw, p, this.#keys);
    const c = this.#c;
    c.cseq[id] = s.cseq;
    c.branchH[id] = s.branchH;
    c.sentByH[id] = s.sentByH;
    c.fromTagH[id] = s.fromTagH;
    c.toTagH[id] = s.toTagH;
    c.flags[id]! |= s.keyFlags << 5;
  }
  readonly #keys = newIndexSpans();

  readonly #methodBytes = new ByteInterner(64);
  readonly #newMethod = (buf: Uint8Array, s: number, e: number): number =>
    this.#methods.id(spanText(buf, s, e));

  /** Fills the fields every append shares; returns the new id (not yet counted). */
  #place(buf: Uint8Array, start: number, end: number, kind: number, input: AppendInput): number {
    const id = this.#n;
    if (id >= this.#c.cap) this.#c.grow(id + 1);
    const c = this.#c;
    c.frame[id] = input.frameNo;
    c.time[id] = input.timeUs;
    c.src[id] = input.src;
    c.dst[id] = input.dst;
    c.sport[id] = input.srcPort;
    c.dport[id] = input.dstPort;
    c.tr[id] = transportCode(input.transport) | (reassemblyCode(input.reassembly) << 4);
    let flags = kind;
    const inFile = input.rawOffset >= 0 && this.#readAt !== null;
    if (inFile) c.rawOff[id] = input.rawOffset;
    else {
      c.rawOff[id] = this.#arena.append(buf, start, end);
      flags |= 4;
    }
    c.rawLen[id] = end - start;
    const fr = input.frames;
    const last = fr[fr.length - 1];
    c.recOff[id] = last ? last.recordOffset : -1;
    c.recLen[id] = last ? last.recordLength : 0;
    c.ftime[id] = last?.timeUs ?? input.timeUs;
    c.link[id] = last?.linkType ?? 0;
    if (fr.length > 1) {
      this.#frames.set(
        id,
        fr.map((f) => ({ ...f })),
      );
      flags |= 16;
    }
    if (input.diagnostics && input.diagnostics.length > 0) {
      this.#diags.set(id, input.diagnostics.slice());
      flags |= 8;
    }
    if (input.hepCorrelationId) this.#hep.set(id, input.hepCorrelationId);
    if (input.contextFrames && input.contextFrames.length > 0)
      this.#context.set(
        id,
        input.contextFrames.map((f) => ({ ...f })),
      );
    c.flags[id] = flags;
    return id;
  }

  // ---- cheap fixed fields ----
  frame(id: number): number {
    return this.#c.frame[id]!;
  }
  timeUs(id: number): number {
    return this.#c.time[id]!;
  }
  /** `addr:port`, IPv6 in brackets. */
  src(id: number): string {
    return formatHostPort(this.addresses[this.#c.src[id]!] ?? '?', this.#c.sport[id]!);
  }
  dst(id: number): string {
    return formatHostPort(this.addresses[this.#c.dst[id]!] ?? '?', this.#c.dport[id]!);
  }
  /** Source address id (text in `addresses`) and port, without formatting. */
  srcAddress(id: number): number {
    return this.#c.src[id]!;
  }
  srcPort(id: number): number {
    return this.#c.sport[id]!;
  }
  /** Destination address id (text in `addresses`) and port, without formatting. */
  dstAddress(id: number): number {
    return this.#c.dst[id]!;
  }
  dstPort(id: number): number {
    return this.#c.dport[id]!;
  }
  transport(id: number): TransportName {
    return TRANSPORTS[this.#c.tr[id]! & 15]!;
  }
  reassembly(id: number): Reassembly {
    return REASSEMBLY[this.#c.tr[id]! >> 4]!;
  }
  kind(id: number): 'request' | 'response' | 'invalid' {
    return KIND[this.#c.flags[id]! & 3]!;
  }
  /** Request method, or for responses the CSeq method. */
  methodOrCseqMethod(id: number): string | null {
    return this.#methods.get(this.#c.method[id]!);
  }
  status(id: number): number | null {
    return this.#c.status[id] || null;
  }
  callId(id: number): string | null {
    return this.#callIds.get(this.#c.callId[id]!);
  }
  /**
   * The interned id of message `id`'s Call-ID (0: none): equal ids, equal Call-IDs; dense, in order of
   * first sight, below `callIdCount + 1`. No string is made.
   */
  callIdKey(id: number): number {
    return this.#c.callId[id]!;
  }
  /** The interned id of message `id`'s method (requests) or CSeq method (responses); 0: none. Text: `methodName`. */
  methodKey(id: number): number {
    return this.#c.method[id]!;
  }
  /** The method name of a `methodKey` (null for 0). */
  methodName(key: number): string | null {
    return this.#methods.get(key);
  }
  /** CSeq number of message `id` (0 when it has none: see `keyFlags`). */
  cseqNumber(id: number): number {
    return this.#c.cseq[id]!;
  }
  /** 32-bit hash of the top Via branch octets (0: no branch); equal branches, equal hashes. */
  branchHash(id: number): number {
    return this.#c.branchH[id]!;
  }
  /** 32-bit hash of the top Via sent-by as transactions compare it (`sentByHash` of capture/sip-index.ts; 0: none). */
  sentByHash(id: number): number {
    return this.#c.sentByH[id]!;
  }
  /** 32-bit hash of the From tag (0: no tag). */
  fromTagHash(id: number): number {
    return this.#c.fromTagH[id]!;
  }
  /** 32-bit hash of the To tag (0: no tag). */
  toTagHash(id: number): number {
    return this.#c.toTagH[id]!;
  }
  /** KF_* bits of message `id` (capture/sip-index.ts): magic cookie, CSeq present. */
  keyFlags(id: number): number {
    return this.#c.flags[id]! >> 5;
  }
  /**
   * The columns the tiered analysis reads per message, as the arrays themselves (valid until the trace
   * grows: ask again after appends). Reading them directly keeps its hot loop free of calls shared
   * with other readers of the trace (V8 then optimizes those calls for every caller at once).
   */
  keyColumns(): TraceKeyColumns {
    const c = this.#c;
    return {
      time: c.time,
      callId: c.callId,
      flags: c.flags,
      method: c.method,
      status: c.status,
      cseq: c.cseq,
      branchH: c.branchH,
      sentByH: c.sentByH,
      fromTagH: c.fromTagH,
      toTagH: c.toTagH,
      src: c.src,
      dst: c.dst,
      sport: c.sport,
      dport: c.dport,
    };
  }
  /**
   * The interned id of a Call-ID's text (as `callIdKey` gives it for a message carrying it), or 0 when
   * no message of the trace carries it. No string is made; the first `length` characters of `text`
   * when given (a prefix, without cutting it).
   */
  callIdKeyOf(text: string, length = text.length): number {
    const k = this.#callIds.find(text, length);
    return k > 0 ? k : 0;
  }
  /** Number of distinct Call-IDs. */
  get callIdCount(): number {
    return this.#callIds.count - 1;
  }
  /** Ids of the messages with this Call-ID, in trace order. */
  idsOfCall(callId: string): number[] {
    const k = this.#callIds.find(callId);
    const out: number[] = [];
    if (k < 0) return out;
    const col = this.#c.callId;
    for (let i = 0; i < this.#n; i++) if (col[i] === k) out.push(i);
    return out;
  }
  entry(id: number): MessageEntry {
    const kind = this.kind(id);
    return {
      id,
      frame: this.frame(id),
      timeUs: this.timeUs(id),
      src: this.src(id),
      dst: this.dst(id),
      transport: this.transport(id),
      reassembly: this.reassembly(id),
      kind,
      method: kind === 'request' ? this.methodOrCseqMethod(id) : null,
      status: this.status(id),
      callId: this.callId(id),
    };
  }

  /** Provenance: the frames the message came from (the last completed it). */
  frames(id: number): FrameRef[] {
    const many = this.#frames.get(id);
    if (many) return many.map((f) => ({ ...f }));
    const c = this.#c;
    return [
      {
        frameNo: c.frame[id]!,
        recordOffset: c.recOff[id]!,
        recordLength: c.recLen[id]!,
        timeUs: c.ftime[id]!,
        linkType: c.link[id]!,
      },
    ];
  }

  /** Frames the message depends on without coming from them (the WebSocket upgrade); exported with it. */
  contextFrames(id: number): FrameRef[] {
    return (this.#context.get(id) ?? []).map((f) => ({ ...f }));
  }

  /** Pipeline diagnostics attached to the message (framing, fragments, junk). */
  pipelineDiagnostics(id: number): Diagnostic[] {
    return this.#diags.get(id) ?? [];
  }

  hepCorrelationId(id: number): string | null {
    return this.#hep.get(id) ?? null;
  }

  /** The message's raw bytes (read back from the file or the arena). */
  raw(id: number): Uint8Array {
    const c = this.#c;
    const len = c.rawLen[id]!;
    if (c.flags[id]! & 4) return this.#arena.read(c.rawOff[id]!, len);
    return this.#readAt!(c.rawOff[id]!, len);
  }

  /**
   * Calls `fn(id, buf, start, end)` with the raw bytes of messages `[from, to)`, in id order, with no
   * copy per message: messages that follow one another in the capture file are read with one `readAt`
   * of their region (up to 256 KiB) and handed over as spans of it; arena messages as views of their
   * chunk. Same bytes as `raw(id)`. `buf` may be kept but not written (a region is never reused),
   * unless `lend`: then the regions are read into one buffer the trace keeps (no fresh pages per
   * region: the kernel's page faults and zeroing of a new 256 KiB buffer cost about three times the
   * read itself), and `fn` must not keep `buf` (each region is a new view of it, which the next
   * region overwrites).
   */
  eachRaw(
    from: number,
    to: number,
    fn: (id: number, buf: Uint8Array, start: number, end: number) => void,
    lend = false,
  ): void {
    const c = this.#c;
    const { flags, rawOff, rawLen } = c;
    const last = Math.min(to, this.count);
    let id = Math.max(0, from);
    while (id < last) {
      if (flags[id]! & 4 || this.#readAt === null) {
        const b = this.raw(id);
        fn(id, b, 0, b.length);
        id++;
        continue;
      }
      // A run of file-backed messages in ascending, non-overlapping order within RUN_BYTES.
      const base = rawOff[id]!;
      let end = base + rawLen[id]!;
      let k = id + 1;
      while (k < last && !(flags[k]! & 4)) {
        const o = rawOff[k]!;
        const e = o + rawLen[k]!;
        if (o < end || e - base > RAW_RUN_BYTES) break;
        end = e;
        k++;
      }
      const into =
        lend && end - base <= RAW_RUN_BYTES ? (this.#region ??= new Uint8Array(RAW_RUN_BYTES)) : undefined;
      if (k === id + 1) {
        const b = this.#readAt(base, rawLen[id]!, into);
        fn(id, b, 0, b.length);
        id++;
        continue;
      }
      const region = this.#readAt(base, end - base, into);
      for (; id < k; id++) {
        const s = rawOff[id]! - base;
        fn(id, region, s, s + rawLen[id]!);
      }
    }
  }

  /** The full parse of message `id` (lazy: parsed on each call, from the raw bytes). */
  message(id: number): SipMessage {
    return parseMessage(this.raw(id));
  }

  /** The capture record bytes of a frame (for pcap export), when the file can be read back. */
  readRecord(ref: FrameRef): Uint8Array | null {
    if (!this.#readAt || ref.recordOffset < 0) return null;
    return this.#readAt(ref.recordOffset, ref.recordLength);
  }

  /** `length` bytes of the capture stream at `offset` (re-reading the file, e.g. RTP payloads); null when it cannot be read back. */
  readBytes(offset: number, length: number): Uint8Array | null {
    return this.#readAt ? this.#readAt(offset, length) : null;
  }

  /** Registers what `close()` releases (the file handle behind `readAt`). */
  setCloser(fn: () => void): void {
    this.#closer = fn;
  }

  /** Releases the file handle used to read raw bytes back; the trace's fixed fields stay usable. */
  close(): void {
    const c = this.#closer;
    this.#closer = null;
    c?.();
  }

  get canReadFile(): boolean {
    return this.#readAt !== null;
  }

  /**
   * Stores the codes of the parser + lint diagnostics of message `id` computed at ingest, so output
   * does not lint again. At most 65534 distinct code sets; beyond that they are recomputed on output.
   */
  setMessageCodes(id: number, codes: readonly string[]): void {
    if (this.#codeSets.names.length === 1) this.#codeSets.id('');
    // (no codes, nearly every message: the empty set without a Set, a copy and a join)
    const k = this.#codeSets.id(codes.length === 0 ? '' : [...new Set(codes)].join(','));
    if (k < 65535) this.#c.codes[id] = k;
  }

  /** The codes stored by `setMessageCodes`, or null when they were not computed at ingest. */
  storedMessageCodes(id: number): string[] | null {
    const k = this.#c.codes[id]!;
    if (k === 0) return null;
    const s = this.#codeSets.get(k)!;
    return s === '' ? [] : s.split(',');
  }

  /** Counts one message-level diagnostic code (ingest calls this). */
  countDiagnostic(code: string): void {
    this.messageDiagnosticCounts.set(code, (this.messageDiagnosticCounts.get(code) ?? 0) + 1);
  }

  /** Approximate bytes held by the model (columns, arena, side tables). */
  memoryBytes(): number {
    return this.#c.bytes() + this.#arena.capacity + this.#frames.size * 64 + this.#diags.size * 200;
  }

  /** A transferable snapshot (see `Trace.fromState`); the trace must not be used afterwards. */
  exportState(): TraceState {
    const c = this.#c;
    const n = this.#n;
    // Views, not copies: the buffers are transferred (the trace is not used afterwards).
    const cut = <T extends Uint8Array | Uint16Array | Uint32Array | Float64Array>(a: T): T =>
      a.subarray(0, n) as T;
    return {
      count: n,
      columns: {
        frame: cut(c.frame),
        time: cut(c.time),
        src: cut(c.src),
        dst: cut(c.dst),
        sport: cut(c.sport),
        dport: cut(c.dport),
        tr: cut(c.tr),
        flags: cut(c.flags),
        method: cut(c.method),
        status: cut(c.status),
        callId: cut(c.callId),
        rawOff: cut(c.rawOff),
        rawLen: cut(c.rawLen),
        recOff: cut(c.recOff),
        recLen: cut(c.recLen),
        ftime: cut(c.ftime),
        link: cut(c.link),
        codes: cut(c.codes),
        cseq: cut(c.cseq),
        branchH: cut(c.branchH),
        sentByH: cut(c.sentByH),
        fromTagH: cut(c.fromTagH),
        toTagH: cut(c.toTagH),
      },
      codeSets: this.#codeSets.names,
      addresses: this.addresses,
      methods: this.#methods.names,
      callIds: this.#callIds.export(),
      arena: this.#arena.export(),
      frames: [...this.#frames],
      diagnostics: [...this.#diags],
      hep: [...this.#hep],
      context: [...this.#context],
      messageDiagnosticCounts: [...this.messageDiagnosticCounts],
      source: this.source,
      fileDiagnostics: this.fileDiagnostics,
      media: this.media,
    };
  }

  /** What `shareRows` has handed out so far (rows and table sizes). */
  #sent = { rows: 0, addresses: 0, methods: 1, callIds: 1, codeSets: 1 };

  /** The part of `TraceRows` that is not the rows themselves: what the tables gained since the last part. */
  #tablesSince(): Pick<TraceRows, 'addresses' | 'methods' | 'codeSets' | 'callIds'> {
    const sent = this.#sent;
    const out = {
      addresses: { from: sent.addresses, names: this.addresses.slice(sent.addresses) },
      methods: { from: sent.methods, names: this.#methods.names.slice(sent.methods) },
      codeSets: { from: sent.codeSets, names: this.#codeSets.names.slice(sent.codeSets) },
      callIds: this.#callIds.exportFrom(sent.callIds),
    };
    this.#sent = {
      rows: this.count,
      addresses: this.addresses.length,
      methods: this.#methods.names.length,
      callIds: this.#callIds.count,
      codeSets: this.#codeSets.names.length,
    };
    return out;
  }

  /** A column `shareRows` gave out last (null before): growth replaces it (`Columns.grow`). */
  #sharedFrame: Uint32Array | null = null;

  /**
   * The messages appended since the last call, for a receiver that reads them where they lie: the
   * trace's columns move once to SharedArrayBuffers (given in the first part, and again when they
   * grew), and each part then carries only what is not in them (table additions, provenance and
   * diagnostics, the bytes of arena messages); the receiving trace follows with `appendRows`. Null
   * when there is nothing new. The trace stays usable.
   */
  shareRows(): TraceRows | null {
    const from = this.#sent.rows;
    const n = this.#n;
    let shared: Record<string, AnyColumn> | null = null;
    if (this.#c.frame !== this.#sharedFrame) {
      // (the first part, or the columns grew since): the same columns over SharedArrayBuffers
      const old = this.#c;
      const c = new Columns(0);
      shared = {};
      for (const name of COLUMN_NAMES) {
        const a = old[name];
        const C = a.constructor as new (b: SharedArrayBuffer) => AnyColumn;
        const b = new C(new SharedArrayBuffer(old.cap * a.BYTES_PER_ELEMENT));
        (b as Uint8Array).set(a.subarray(0, n) as Uint8Array);
        (c as unknown as Record<string, AnyColumn>)[name] = b;
        shared[name] = b;
      }
      c.cap = old.cap;
      this.#c = c;
      this.#sharedFrame = c.frame;
    }
    if (n === from && shared === null) return null;
    const c = this.#c;
    let arenaLen = 0;
    let arenaRows = 0;
    for (let i = from; i < n; i++)
      if (c.flags[i]! & 4) {
        arenaLen += c.rawLen[i]!;
        arenaRows++;
      }
    const arenaBytes = new Uint8Array(arenaLen);
    const arenaOff = new Float64Array(arenaRows);
    for (let i = from, at = 0, k = 0; k < arenaRows; i++) {
      if (!(c.flags[i]! & 4)) continue;
      arenaBytes.set(this.#arena.read(c.rawOff[i]!, c.rawLen[i]!), at);
      arenaOff[k++] = at;
      at += c.rawLen[i]!;
    }
    // (the side tables hold nothing below `from`: what was sent is dropped)
    const taken = <T>(m: Map<number, T>): [number, T][] => {
      const out = [...m];
      m.clear();
      return out;
    };
    return {
      from,
      count: n,
      shared,
      arenaBytes,
      arenaOff,
      ...(from === 0 ? { reserve: c.cap } : {}),
      ...this.#tablesSince(),
      frames: taken(this.#frames),
      diagnostics: taken(this.#diags),
      hep: taken(this.#hep),
      context: taken(this.#context),
    };
  }

  /** The buffers of a part from `shareRows` that are its own (transferred, not cloned). */
  static rowsTransferList(r: TraceRows): ArrayBuffer[] {
    const out = new Set<ArrayBuffer>();
    for (const a of [r.arenaBytes, r.callIds.pool, r.callIds.off, r.callIds.len])
      out.add(a.buffer as ArrayBuffer);
    return [...out];
  }

  /**
   * Appends the rows another thread's trace handed out (`shareRows`, in order) and calls the
   * append listeners for each new message (bytes listeners with its raw bytes; full listeners with a
   * parse of them). Returns false, appending nothing, when `rows` does not continue this trace.
   */
  appendRows(rows: TraceRows): boolean {
    // New shared columns must hold the part's rows, or the current ones must.
    const shared = rows.shared ? columnsOver(rows.shared, rows.count) : null;
    if (
      rows.from !== this.#n ||
      rows.addresses.from !== this.addresses.length ||
      rows.methods.from !== this.#methods.names.length ||
      rows.codeSets.from !== this.#codeSets.names.length ||
      rows.callIds.from !== this.#callIds.count ||
      (rows.shared && shared === null) ||
      (rows.shared === null && this.#c.cap < rows.count)
    )
      return false;
    for (const a of rows.addresses.names) this.addresses.push(a);
    for (const m of rows.methods.names) if (m !== null) this.#methods.id(m);
    for (const k of rows.codeSets.names) if (k !== null) this.#codeSets.id(k);
    this.#callIds.appendDelta(rows.callIds);
    // The rows are already where this trace reads them: only the arena's bytes are copied here.
    if (shared) {
      // (new columns, the sender's grew: the rows here, arena addresses included, carry over)
      const old = this.#c;
      if (this.#n > 0)
        for (const name of COLUMN_NAMES)
          (shared[name] as Uint8Array).set(old[name].subarray(0, this.#n) as Uint8Array);
      this.#c = shared;
    }
    const c = this.#c;
    const off = rows.arenaOff;
    for (let id = rows.from, a = 0; a < off.length && id < rows.count; id++) {
      if (!(c.flags[id]! & 4)) continue;
      const o = off[a++]!;
      c.rawOff[id] = this.#arena.append(rows.arenaBytes, o, o + c.rawLen[id]!);
    }
    for (const [id, f] of rows.frames) this.#frames.set(id, f);
    for (const [id, d] of rows.diagnostics) this.#diags.set(id, d);
    for (const [id, h] of rows.hep) this.#hep.set(id, h);
    for (const [id, f] of rows.context) this.#context.set(id, f);
    const from = rows.from;
    this.#n = rows.count;
    this.#sent.rows = rows.count;
    if (this.#listeners.length > 0 || this.#bytesListeners.length > 0) this.#announce(from, rows.count);
    return true;
  }

  /** Calls the append listeners for messages `from..to-1` (appended from another trace's rows). */
  #announce(from: number, to: number): void {
    for (let id = from; id < to; id++) {
      const raw = this.raw(id);
      if (this.#listeners.length > 0) {
        const msg = parseMessage(raw);
        for (const l of this.#listeners) l(id, msg, this);
        for (const l of this.#bytesListeners) l(id, raw, 0, raw.length, this, msg);
      } else for (const l of this.#bytesListeners) l(id, raw, 0, raw.length, this);
    }
  }

  /** Rebuilds a trace from `exportState()` (e.g. in the main thread, from the ingest worker). */
  static fromState(s: TraceState, readAt: ReadAt | null): Trace {
    const t = new Trace(readAt, s.addresses, s.source);
    const c = new Columns(0);
    const col = s.columns;
    // The state's arrays become the columns (no copy); the first append grows them.
    c.cap = s.count;
    c.frame = col.frame as Uint32Array;
    c.time = col.time as Float64Array;
    c.src = col.src as Uint32Array;
    c.dst = col.dst as Uint32Array;
    c.sport = col.sport as Uint16Array;
    c.dport = col.dport as Uint16Array;
    c.tr = col.tr as Uint8Array;
    c.flags = col.flags as Uint8Array;
    c.method = col.method as Uint16Array;
    c.status = col.status as Uint16Array;
    c.callId = col.callId as Uint32Array;
    c.rawOff = col.rawOff as Float64Array;
    c.rawLen = col.rawLen as Uint32Array;
    c.recOff = col.recOff as Float64Array;
    c.recLen = col.recLen as Uint32Array;
    c.ftime = col.ftime as Float64Array;
    c.link = col.link as Uint16Array;
    c.codes = col.codes as Uint16Array;
    c.cseq = col.cseq as Uint32Array;
    c.branchH = col.branchH as Uint32Array;
    c.sentByH = col.sentByH as Uint32Array;
    c.fromTagH = col.fromTagH as Uint32Array;
    c.toTagH = col.toTagH as Uint32Array;
    if (c.cap === 0) c.grow(1);
    t.#c = c;
    t.#codeSets = Interner.from(s.codeSets);
    t.#n = s.count;
    t.#methods = Interner.from(s.methods);
    t.#callIds = SpanTable.import(s.callIds);
    t.#arena = ByteArena.import(s.arena);
    t.#frames = new Map(s.frames);
    t.#diags = new Map(s.diagnostics);
    t.#hep = new Map(s.hep);
    t.#context = new Map(s.context);
    t.messageDiagnosticCounts = new Map(s.messageDiagnosticCounts);
    t.fileDiagnostics = s.fileDiagnostics;
    t.media = s.media ?? null;
    return t;
  }

  /** Buffers of `exportState()` that can be transferred instead of copied. */
  static transferList(s: TraceState): ArrayBuffer[] {
    const out = new Set<ArrayBuffer>();
    for (const a of Object.values(s.columns)) out.add(a.buffer as ArrayBuffer);
    for (const ch of s.arena.chunks) out.add(ch.buffer as ArrayBuffer);
    for (const a of [s.callIds.pool, s.callIds.off, s.callIds.len, s.callIds.hash])
      if (a) out.add(a.buffer as ArrayBuffer);
    return [...out];
  }
}
