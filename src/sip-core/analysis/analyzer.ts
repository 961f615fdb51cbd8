/**
 * The trace analyzer: indexes messages one by one as they are appended to a {@link Trace}
 * (transactions, retransmissions, dialogs, Call-ID groups joined into calls, diagnostics) and
 * answers the {@link TraceAnalysis} hook the trace JSON and the summary use.
 * @remarks Incremental: `onMessage` does O(1) work per message plus an SDP scan for a body not seen
 * just before (SdpCache); nothing is rebuilt. Keys are hashed from the key fields into numbers
 * (key-table.ts), the Call-ID is the trace's interned string, and addresses are formatted only when
 * a signature already matched (retransmission check) or a rule needs them. Messages are read from the
 * key-field scanner's output without a ParsedMessage (message-view.ts). Per message it keeps three
 * Int32 columns; transactions are typed-array columns (TxnTable: no object per transaction); per call
 * the message-id list, its transaction indexes and dialogs, and no string cut from a parsed message
 * (see bench/analysis.bench.ts for bytes per call). Rules that depend on time passing
 * (Timer B/F, 2xx never ACKed, PDD) are evaluated when asked, against the trace's last time: for one
 * message or one call alone (ladder, calls page), or for the whole trace (`diagnostics()`).
 */
import { CaptureClock, DUPLICATE_US, secs, TIMER_64T1_US, txnTimerRules } from './timer-rules';
import type { SipMessage } from '../message';
import { authParam, decodeHeader, type AuthValue } from '../message/headers';
import { isSipUri, parseUri } from '../message/uri';
import {
  type BytesAppendListener,
  type DualAppendListener,
  Trace,
  type TraceAnalysis,
  type MessageAnalysisFields,
} from '../trace/trace';
import { AnalysisMessage } from './message-view';
import {
  type CallFacts,
  type CallGroup,
  type CallLink,
  type CallState,
  type CallType,
  callId as callIdOf,
  callTypeOf,
  classifyCall,
  preAnswered,
  requestMayPredateCapture,
  startsOpenCall,
} from './call/call';
import { callParties } from './call/parties';
import { correlateNewLeg, type CorrelationIndex, newCorrelationIndex } from './call/correlate';
import {
  callerTagKeyOf,
  type Dialog,
  dialogEndUs,
  dialogStartUs,
  DIALOG_CREATING,
  DIALOG_STATES,
  dialogId,
  dialogKeyOf,
  setDialogState,
} from './dialog/dialog';
import { bareHost, isPrivateAddress, isPublicAddress } from './address';
import {
  analysisDiagnostic,
  byeRejectedText,
  callStartNotCapturedText,
  type AnalysisDiagnostic,
} from './rules';
import { SdpCache, type SdpFacts } from './sdp-summary';
import {
  hostHashOf,
  keysOfValues,
  requestUriKey,
  RK_FOUND,
  RK_HOST,
  RK_NONE,
  RK_UNKNOWN,
  routeHashes,
  routeOut,
} from './route-set';
import {
  type Offer,
  TF_2XX_RETRANS,
  TF_CONFLICT,
  TF_PROV_AFTER,
  TF_STORM,
  TF_UNMATCHED,
  TK_ACK,
  TK_INVITE,
  TK_NON_INVITE,
  TRANSACTION_KINDS,
  TRANSACTION_STATES,
  TS_ACCEPTED,
  TS_CALLING,
  TS_COMPLETED,
  TS_CONFIRMED,
  TS_PROCEEDING,
  TS_TERMINATED,
  TS_TRYING,
  transactionId,
  transactionKey,
  transactionKindCode,
  TxnTable,
  type StateIdSource,
} from './transaction/transaction';
import { keyEnd, keyNum, keyStart, KeyTable } from './key-table';
import { KF_COOKIE, KF_CSEQ } from '../capture/sip-index';
import {
  AF_KNOWN,
  AF_SDP,
  forgetFactsRegion,
  messageFacts,
  messageFactsHlen,
  messageFactsRoutes,
  regionFacts,
} from '../capture/ingest-pass';
import { canonicalIpv4 } from '../capture/address';
import { FA_DONE, FA_FACTS, FA_ROUTES, FA_SDP_KEY, FA_STRIDE } from './facts-ahead';

/** One string instance per method name, so records do not keep a decoded copy each. */
const METHODS = new Map<string, string>();
function intern(s: string): string {
  const v = METHODS.get(s);
  if (v !== undefined) return v;
  if (METHODS.size < 256) METHODS.set(s, s);
  return s;
}

/** Retransmissions a sender may make before its transaction times out (Timer A: 6; Timer E/G: 10). */
const MAX_RETRANS_INVITE = 6;
const MAX_RETRANS_OTHER = 10;
const PDD_LONG_US = 10e6;
const MAX_MEDIA_PER_GROUP = 8;
/**
 * The Call-ID filter's hash (see `mayBeCallId`): the length and up to eight first and eight last
 * characters of `s[0,n)`, a bit of `bits` (a power of two).
 */
function cidBit(s: string, n: number, bits: number): number {
  let h = Math.imul(n, 0x9e3779b1);
  const a = n < 8 ? n : 8;
  for (let i = 0; i < a; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  for (let i = n - 8 > a ? n - 8 : a; i < n; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return (h ^ (h >>> 15)) & (bits - 1);
}

/** A retransmitted message: the first copy it repeats and the time since the previous copy. */
/** A media-unreachable report on a response, as a later copy of that response is compared with it. */
interface MediaReport {
  /** The response reported. */
  id: number;
  cseq: number;
  status: number;
  /** The trace's To-tag hash of the response. */
  toTag: number;
  /** Its live audio address, and the offer's address it was compared with. */
  answer: string;
  offer: string;
}

export interface Retransmission {
  of: number;
  intervalUs: number;
}

/** One transaction as the trace JSON shows it. */
export interface TransactionJson {
  id: string;
  kind: string;
  method: string;
  callId: string;
  cseq: number;
  branch: string | null;
  rfc2543: boolean;
  client: string;
  server: string;
  start: number;
  end: number;
  duration: number;
  state: string;
  states: { state: string; time: number }[];
  finalStatus: number | null;
  requests: number;
  responses: number;
  retransmissions: number;
  dialog: string | null;
  call: string | null;
  messages: number[];
}

export interface DialogJson {
  id: string;
  callId: string;
  callerTag: string;
  calleeTag: string;
  method: string;
  state: string;
  states: { state: string; time: number }[];
  start: number;
  end: number | null;
  caller: string | null;
  callee: string | null;
  /** Route set each side learned (RFC 3261 §12.1.1 UAS: Record-Route in order; §12.1.2 UAC: reversed). */
  routeSet: { caller: string[]; callee: string[] };
  /** Remote target each side learned: the caller's is the callee's Contact and vice versa. */
  remoteTarget: { caller: string | null; callee: string | null };
  strictRouting: boolean;
  partial: boolean;
  requests: number;
  transaction: string;
  call: string | null;
  messages: number[];
}

/** One call (a root Call-ID group and the legs joined to it). */
export interface CallSummary {
  id: string;
  callIds: string[];
  type: CallType;
  state: CallState;
  from: string | null;
  to: string | null;
  fromUser: string | null;
  toUser: string | null;
  /** Final response code of the A-leg's INVITE (or first request), null when none. */
  finalStatus: number | null;
  start: number;
  end: number;
  /** Post-dial delay INVITE→first 18x (s), setup time INVITE→2xx (s), duration 2xx→BYE or last message (s). */
  pdd: number | null;
  setupTime: number | null;
  duration: number | null;
  /**
   * The call was answered and not hung up within the capture (state `in-call`): `duration` runs to its
   * last message seen and the call went on after the capture ended, so it is a lower bound. (Wireshark's
   * VoIP Calls show such a call IN CALL with the time to its last packet; sngrep leaves its conversation
   * duration empty.)
   */
  durationOpen: boolean;
  /**
   * The call was answered before the capture began (its INVITE and 2xx not in it; an in-dialog request
   * such as a BYE or a re-INVITE says the dialog was confirmed): `duration` runs from the first such
   * request, a lower bound, as `durationOpen` says at the end. A call whose INVITE is missing but whose
   * 2xx is seen has its exact duration (and no PDD or setup time): the diagnostic
   * `call-start-not-captured` names both.
   */
  startOpen: boolean;
  codecs: { offer: string[]; answer: string[] };
  media: string[];
  messages: number;
  dialogs: string[];
  links: CallLink[];
  hold: boolean;
  diagnostics: number;
}

/**
 * The route set of each dialog as the route-set rule reads it first (`#noteRouteSet`, route-set.ts
 * `routeHashes`): RS numbers per dialog, its state (RS_*), then the hash of the URI of the Record-Route's
 * first value (the callee's first route, RFC 3261 §12.1.1) and of its last value (the caller's first
 * route, §12.1.2).
 */
const RS = 3;
// (0: not read — a dialog seen from an in-dialog request, with no creating response)
const RS_EMPTY = 1;
const RS_KNOWN = 2;
/** Record-Route present but not in the simple form: every request is checked the exact way. */
const RS_EXACT = 3;

/**
 * True when request `msg`, whose first Route value's keys are in `routeOut` (`r`: RK_FOUND, else it has
 * no Route), names the route set's first entry (keys `host`, `port`, `lr`): as its first Route (a port
 * absent on one side matches any), or, when that entry is a strict router (no `lr`), as its
 * Request-URI (RFC 3261 §12.2.1.1).
 */
function routeSetHonoured(msg: AnalysisMessage, r: number, host: number, port: number, lr: number): boolean {
  if (r === RK_FOUND && sameRoute(host, port)) return true;
  return lr === 0 && requestUriKey(msg.raw, msg.start, msg.end) && sameRoute(host, port);
}

/** The URI keys in `routeOut` name `host` and `port` (a port absent on one side matches any). */
function sameRoute(host: number, port: number): boolean {
  const p = routeOut[RK_HOST + 1]!;
  return routeOut[RK_HOST] === host && (p === port || p === 0 || port === 0);
}

/** The key of a pair of legs' Call-IDs, in either order (Call-IDs hold no line feed). */
function legPair(a: string, b: string): string {
  return a < b ? `${a}\n${b}` : `${b}\n${a}`;
}

/** Endpoint sides of a message (`#epEq`). */
const SRC = 0;
const DST = 1;

/** Signature of the ACK for a non-2xx final among a transaction's response copies (see `#findCopy`). */
const ACK_SIG = -1;

/** A copy of `a` with `x` appended, exactly sized (push() would reserve 16 slots for a list of 1–3). */
function appendOne<T>(a: T[], x: T): T[] {
  const n = a.length;
  const b = new Array<T>(n + 1);
  for (let i = 0; i < n; i++) b[i] = a[i]!;
  b[n] = x;
  return b;
}

/**
 * A copy of a string that does not keep its source alive: strings cut from a parsed message are
 * views of the message's whole header text, which a record kept for the trace's life would retain.
 */
function ownString(s: string | null): string | null {
  if (s === null || s.length < 13) return s; // V8 copies short substrings anyway
  return (' ' + s).slice(1);
}

/** Grows an Int32Array column (filled with -1). */
function growCol(a: Int32Array<ArrayBuffer>, min: number): Int32Array<ArrayBuffer> {
  if (min < a.length) return a;
  const b = new Int32Array(Math.max(min + 1, a.length * 2)).fill(-1);
  b.set(a);
  return b;
}

function hasSdp(msg: AnalysisMessage): boolean {
  return msg.hasSdpBody;
}

/**
 * An analyzer kept alive once one has indexed messages, holding the V8 maps of the analyzer's
 * classes (the analyzer, its tables, its message view): as for tier 1 (see `shapeAnchor` in tier1.ts),
 * once no analyzer was reachable a full GC collected those maps and deoptimized every analyzer
 * function whose optimized code embeds them (`--trace-deopt`: "marking dependent code ... reason: weak
 * objects"), so the next capture's tier 2 started cold again.
 */
let shapeAnchor: TraceAnalyzer | null = null;

/**
 * What tier 2 takes from tier 1 (tier1.ts, `Tier1Analysis`) of the same trace: the transaction of
 * each message, for a CANCEL's transaction the INVITE transaction it matched (`tx.peer`), and the
 * dialog of a message's tags. Both number transactions and dialogs in the order they start, by the
 * same RFC 3261 §17 and §12 rules (tier-1 tests compare every transaction and dialog with this
 * analyzer's), so tier 2 need not hash and look up the keys again.
 */
export interface TransactionSource {
  transactionOf(id: number): number;
  /** `n`: transactions so far (the analyzer sizes its tables for them). */
  readonly tx: { readonly peer: Int32Array; readonly n: number } & StateIdSource;
  /** The dialog of message `id`'s tags and group (made at or after `id` included), or -1. */
  dialogOfTags(id: number): number;
  /** Message `id` repeats an earlier copy (tier 1's retransmission rule, the analyzer's). */
  isRetransmission(id: number): boolean;
}

export class TraceAnalyzer implements TraceAnalysis {
  readonly trace: Trace;
  #txnCol = new Int32Array(1024).fill(-1);
  #dlgCol = new Int32Array(1024).fill(-1);
  #grpCol = new Int32Array(1024).fill(-1);
  /** Per message, the next message of its Call-ID group (-1: none; see CallGroup.firstId). */
  #nextId = new Int32Array(1024).fill(-1);
  readonly #retrans = new Map<number, Retransmission>();
  /**
   * Per transaction, its copies that came under DUPLICATE_US after the previous copy on the same path
   * (the capture saw one packet twice: a mirror port), key 2·transaction + 1 for responses: marked as
   * retransmissions, but no timer sent them, so `retransmission-storm` does not count them. Empty
   * unless the capture has such copies.
   */
  readonly #dups = new Map<number, number>();
  /**
   * media-unreachable reports on a response that a later copy of the same response may withdraw
   * (`#mediaFixedDownstream`), by Call-ID group. Empty unless the rule fired.
   */
  readonly #mediaReported = new Map<number, MediaReport[]>();
  readonly #msgDiags = new Map<number, string[]>();
  readonly #diags: AnalysisDiagnostic[] = [];
  /** Transactions, as columns (transaction/transaction.ts). */
  readonly tx = new TxnTable();
  readonly #txnByKey = new KeyTable();
  readonly dialogList: Dialog[] = [];
  /** Per dialog, its route set's keys (RS numbers each, see `RS`). */
  #rs = new Int32Array(RS * 64);
  readonly #dlgByKey = new KeyTable();
  readonly groups: CallGroup[] = [];
  /**
   * Group index by Call-ID text, only for a group whose messages have no trace Call-ID id (never seen:
   * a message's Call-ID text and its id come from the same table); the others are found by that id
   * (`#grpOfKey`, and `trace.callIdKeyOf` for a text), with no string hashed into a Map per group.
   */
  readonly #grpByCid = new Map<string, number>();
  /** Group index + 1 by the trace's Call-ID id (`callIdKey`); 0: not seen. */
  #grpOfKey = new Int32Array(1024);
  /** Root group → member groups (roots of joined calls only; a lone group is its own member list). */
  readonly #members = new Map<number, number[]>();

  readonly #corr: CorrelationIndex = newCorrelationIndex();
  readonly #sdpCache = new SdpCache();
  /** Latest message time (µs). -0, not 0: a double from the start (see `shapeAnchor`). */
  #lastUs = -0;
  #lazyAt = -1;
  #lazy: AnalysisDiagnostic[] = [];
  /**
   * The ack-not-relayed rule's marks: downstream INVITE transaction (the element's copy of the
   * INVITE, whose 2xx it relayed) → the first ACK for that 2xx the element received, while no copy of
   * the ACK left it (a mark is removed when one does). Reported by `#ackNotRelayed`.
   */
  readonly #unrelayed = new Map<number, number>();
  /** Per mark of `#unrelayed`, the checks made on the parses when it is first reported (`#ackRelayCase`). */
  readonly #unrelayedChecked = new Map<number, boolean>();
  #unsubscribe: (() => void) | null = null;

  /**
   * `tier1`: tier 1 of the same trace, which already matched every message to its transaction
   * (tiered.ts): the analysis then takes that assignment instead of matching the keys again. Only for
   * an analyzer that indexes every message of the trace in order (not one call's messages).
   */
  constructor(trace: Trace, tier1: TransactionSource | null = null) {
    this.trace = trace;
    this.#t1 = tier1;
    this.#clock = new CaptureClock(trace);
    if (tier1 !== null) {
      // The state sequences are tier 1's (the same states entered by the same messages): not kept twice.
      this.tx.borrowStates(tier1.tx, (id) => trace.timeUs(id));
      // Sized once for what the trace holds (tier 1 counted its transactions): no doubling while it fills.
      this.tx.reserve(tier1.tx.n);
      // (and the Call-ID filter: a group per Call-ID at most, at least 8 bits each)
      const words = 1 << (32 - Math.clz32(trace.callIdCount >>> 2));
      if (words > this.#cidFilter.length) this.#cidFilter = new Int32Array(words);
      const n = trace.count;
      if (n >= this.#txnCol.length) {
        this.#txnCol = growCol(this.#txnCol, n);
        this.#dlgCol = growCol(this.#dlgCol, n);
        this.#grpCol = growCol(this.#grpCol, n);
        this.#nextId = growCol(this.#nextId, n);
      }
    }
  }

  /** Tier 1's transactions (see the constructor), or null: matched here by their keys. */
  #t1: TransactionSource | null = null;

  /**
   * Transaction of message `id` by tier 1 when it exists here already, else -1 (tier 1 started it
   * with this message). `method`: the transaction's method it must have (null: not checked); a
   * disagreement (never seen: tier 1 is equal to this analyzer on every test capture) makes the
   * analyzer match keys itself from here (`#leaveTier1`) and returns -2.
   */
  #t1Txn(id: number, method: string | null): number {
    const x = this.#t1!.transactionOf(id);
    const n = this.tx.n;
    if (x < 0 || x > n || (x < n && method !== null && this.tx.method[x] !== method))
      return this.#leaveTier1();
    return x < n ? x : -1;
  }

  /**
   * Stops taking tier 1's transactions and dialogs: the key of every transaction and dialog made so
   * far (from the message that made it, as it was keyed then) goes into the key tables, and keys are
   * matched here from now on. Returns -2 (see `#t1Txn`).
   */
  #leaveTier1(): -2 {
    this.#t1 = null;
    const X = this.tx;
    X.keepStates();
    const m = new AnalysisMessage();
    for (let t = 0; t < X.n; t++) {
      const first = X.firstId[t]!;
      const raw = this.trace.raw(first);
      m.read(raw, 0, raw.length, this.trace.callId(first));
      const method = X.method[t]!;
      // The creating message's key: its method (ACK's own transaction: ACK), a response's CSeq method.
      const key = transactionKey(m, method === '?' ? '' : method);
      if (this.#txnByKey.get(key) < 0) this.#txnByKey.set(key, t);
      m.release();
    }
    for (const d of this.dialogList) {
      const by = d.responseId >= 0 ? d.responseId : d.requestId; // (see #newDialog's callers)
      const raw = this.trace.raw(by);
      m.read(raw, 0, raw.length, this.trace.callId(by));
      const key = dialogKeyOf(m, d.group);
      if (this.#dlgByKey.get(key) < 0) this.#dlgByKey.set(key, d.idx);
      m.release();
    }
    return -2;
  }

  /** Analyzes the messages already in `trace`, follows new ones, and sets `trace.analysis`. */
  static attach(trace: Trace): TraceAnalyzer {
    const a = new TraceAnalyzer(trace);
    a.indexStored(0, trace.count);
    a.#unsubscribe = trace.onAppendBytes((id, buf, start, end, _t, msg) =>
      a.onBytes(id, buf, start, end, msg ?? null),
    );
    trace.analysis = a;
    a.#anchor();
    return a;
  }

  #anchor(): void {
    if (shapeAnchor === null && this.trace.count > 0) shapeAnchor = new TraceAnalyzer(new Trace(null));
  }

  /**
   * Follows the trace's appends from now on (the messages before must have been indexed, in order)
   * and sets `trace.analysis`: what `attach` does after its catch-up (the tiered analysis' tier 2).
   */
  follow(): void {
    if (this.#unsubscribe !== null) return;
    this.#unsubscribe = this.trace.onAppendBytes((id, buf, start, end, _t, msg) =>
      this.onBytes(id, buf, start, end, msg ?? null),
    );
    this.trace.analysis = this;
    this.#anchor();
  }

  /** Stops following the trace. */
  detach(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = null;
  }

  // ---------------------------------------------------------------- ingest

  /** The message being indexed (one object, refilled per message). */
  readonly #m = new AnalysisMessage();

  /** True while `indexStored` runs: `#facts` reads a message where its read-back region lies. */
  #regions = false;

  /**
   * Indexes messages `from` to `to - 1` (the next ones in id order) from the trace's stored bytes,
   * read back a region of consecutive messages at a time (`Trace.eachRaw`: no copy per message);
   * their analysis facts are read where they lie in the region (`regionFacts`: the region copied into
   * the facts walk's module once, not each message). The regions are read into one buffer the trace
   * lends (`eachRaw`'s `lend`: nothing here keeps a message's buffer past `onBytes`; each region is a
   * new view, so `regionFacts` copies each one in).
   */
  indexStored(from: number, to: number): void {
    forgetFactsRegion();
    this.#regions = true;
    try {
      this.trace.eachRaw(from, to, (id, buf, start, end) => this.onBytes(id, buf, start, end), true);
    } finally {
      this.#regions = false;
      forgetFactsRegion(); // (nor is the last region kept alive)
    }
  }

  /** Indexes message `id` (must be called in id order; `msg` is its parse). */
  onMessage(id: number, msg: SipMessage): void {
    this.#index(id, this.#m.useMessage(msg, this.trace.callId(id)));
    this.#m.release();
  }

  /**
   * Indexes message `id` from its raw bytes `buf[start,end)` (must be called in id order): the fields
   * are read from the bytes (message-view.ts); the message is parsed only when it is not in the common form or
   * a rule needs a header the read does not keep.
   */
  onBytes(id: number, buf: Uint8Array, start: number, end: number, msg: SipMessage | null = null): void {
    const m = this.#m;
    const t = this.trace;
    const cid = t.callId(id);
    let facts = 0;
    if (
      msg === null &&
      cid !== null &&
      ((this.#t1 !== null && this.#t1.isRetransmission(id)) ||
        (!this.#startsGroup(id) && ((facts = this.#facts(id, buf, start, end)) & AF_KNOWN) !== 0))
    ) {
      // A retransmission (tier 1): its handling reads only what the trace's columns hold; any other
      // message with its analysis facts (the Via count, SDP body, Contact, Record-Route, sent-by
      // facts of one walk over its header lines: capture/ingest-pass.ts messageFacts) reads those too.
      // Its bytes are scanned only if a rule asks for more (message-view.ts, readDeferred).
      const kind = t.kind(id);
      const method = t.methodOrCseqMethod(id);
      const status = t.status(id);
      m.readDeferred(
        buf,
        start,
        end,
        cid,
        kind,
        kind === 'request' ? method : null,
        kind === 'response' ? status : null,
        (t.keyFlags(id) & KF_CSEQ) !== 0 ? t.cseqNumber(id) : null,
        kind === 'response' ? method : null,
        t.fromTagHash(id) !== 0,
        t.toTagHash(id) !== 0,
        (t.keyFlags(id) & KF_COOKIE) !== 0,
        facts,
        (facts & AF_SDP) !== 0 ? this.#factsHlen : 0,
        this.#factsRoutes,
      );
      this.#index(id, m);
    } else this.#index(id, msg ? m.useMessage(msg, cid) : m.read(buf, start, end, cid));
    m.release(); // the buffer (a capture chunk) and the parse's index chunk are not kept alive
  }

  /**
   * Analysis facts computed ahead by another thread (facts-ahead.ts: the same function of the same
   * octets), or null: an entry not written yet is computed here, so the result never depends on it.
   */
  factsAhead: Int32Array | null = null;
  /** The header section's length that came with the last `#facts` answer with AF_SDP. */
  #factsHlen = 0;
  /** The Route / Record-Route lines of the last `#facts` answer (`messageFactsRoutes`; -1: not known). */
  #factsRoutes = -1;

  /** Message `id`'s analysis facts (`messageFacts`), from `factsAhead` where it holds them. */
  #facts(id: number, buf: Uint8Array, start: number, end: number): number {
    const ahead = this.factsAhead;
    if (ahead !== null && id * FA_STRIDE < ahead.length - 1) {
      const e = id * FA_STRIDE;
      const v = Atomics.load(ahead, e); // (then the lines written before it are seen)
      if (v !== 0) {
        this.#factsHlen = (v >>> 8) & 0xffff;
        this.#factsRoutes = (v & AF_KNOWN) !== 0 ? ahead[e + FA_ROUTES]! : -1;
        return v & FA_FACTS;
      }
    }
    const src = this.#srcV4(id);
    // (eachRaw's regions hold their octets while indexStored reads them: each is copied in once)
    const f = this.#regions ? regionFacts(buf, start, end, src) : messageFacts(buf, start, end, src);
    this.#factsHlen = (f & AF_SDP) !== 0 ? messageFactsHlen() : 0;
    this.#factsRoutes = (f & AF_KNOWN) !== 0 ? messageFactsRoutes() : -1;
    return f;
  }

  /**
   * The SDP facts of message `id`'s body `msg.raw[bs,be)`, by the body's cache key from `factsAhead`
   * where it holds it for that very span (the octets after the header section), else hashed here.
   */
  #sdpFacts(id: number, msg: AnalysisMessage, bs: number, be: number): SdpFacts | null {
    const ahead = this.factsAhead;
    if (ahead !== null && id * FA_STRIDE < ahead.length - 1) {
      const e = id * FA_STRIDE;
      const v = Atomics.load(ahead, e);
      if (
        (v & (FA_DONE | AF_SDP)) === (FA_DONE | AF_SDP) &&
        bs - msg.start === ((v >>> 8) & 0xffff) &&
        be === msg.end
      )
        return this.#sdpCache.factsKeyed(ahead[e + FA_SDP_KEY]!, ahead[e + FA_SDP_KEY + 1]!, msg.raw, bs, be);
    }
    return this.#sdpCache.factsAt(msg.raw, bs, be);
  }

  /**
   * True when message `id` starts a Call-ID group here (by the trace's Call-ID id): its handling (the
   * call's first request: Request-URI user, leg correlation, NAT checks) reads its bytes anyway, so its
   * analysis facts are not read first.
   */
  #startsGroup(id: number): boolean {
    const ck = this.trace.callIdKey(id);
    return ck > 0 && ck < this.#grpOfKey.length ? this.#grpOfKey[ck] === 0 : ck >= this.#grpOfKey.length;
  }

  #index(id: number, msg: AnalysisMessage): void {
    if (id >= this.#txnCol.length) {
      this.#txnCol = growCol(this.#txnCol, id);
      this.#dlgCol = growCol(this.#dlgCol, id);
      this.#grpCol = growCol(this.#grpCol, id);
      this.#nextId = growCol(this.#nextId, id);
    }
    const t = this.trace;
    const us = t.timeUs(id);
    if (us > this.#lastUs) this.#lastUs = us;
    if (id >= this.tx.stUntil) this.tx.stUntil = id + 1;
    // The trace's interned Call-ID (one string per Call-ID) rather than a copy from the message.
    const cid = msg.callId;
    let g: CallGroup | null = null;
    if (cid !== null) {
      // By the trace's Call-ID id (a typed-array lookup), else by the string.
      const ck = t.callIdKey(id);
      let gi = ck > 0 && ck < this.#grpOfKey.length ? this.#grpOfKey[ck]! - 1 : -1;
      if (gi < 0) {
        // (A Call-ID id names one text, one text one id: an id without a group here is a new group.)
        gi = ck > 0 ? -1 : (this.#grpByCid.get(cid) ?? -1);
        if (gi < 0) {
          gi = this.groups.length;
          this.groups.push(this.#newGroup(gi, cid));
          if (ck <= 0) this.#grpByCid.set(cid, gi);
          this.#cidFilterAdd(cid);
        }
        if (ck > 0) {
          if (ck >= this.#grpOfKey.length) {
            const k = new Int32Array(Math.max(ck + 1, this.#grpOfKey.length * 2));
            k.set(this.#grpOfKey);
            this.#grpOfKey = k;
          }
          this.#grpOfKey[ck] = gi + 1;
        }
      }
      g = this.groups[gi]!;
      if (g.lastId >= 0) this.#nextId[g.lastId] = id;
      else g.firstId = id;
      g.lastId = id;
      g.count++;
      if (g.latestId < 0 || us > t.timeUs(g.latestId)) g.latestId = id;
      this.#grpCol[id] = gi;
    } else if (msg.kind === 'request' && msg.method !== null) {
      // A request without a Call-ID (mandatory, RFC 3261 §8.1.1.4; a malformed REGISTER, a scanner's
      // probe) is a group of its own, so that it is listed with what it was.
      const gi = this.groups.length;
      g = this.#newGroup(gi, '');
      this.groups.push(g);
      g.firstId = g.lastId = g.latestId = id;
      g.count = 1;
      this.#grpCol[id] = gi;
    }
    if (msg.kind === 'request' && msg.method !== null) this.#onRequest(id, msg, g, us);
    else if (msg.kind === 'response' && msg.status !== null) this.#onResponse(id, msg, g, us);
  }

  /**
   * True when endpoint `sa` (SRC/DST) of message `a` is endpoint `sb` of message `b` (same address
   * text and port: what `trace.src`/`dst` strings compare, without formatting them).
   */
  #epEq(a: number, sa: number, b: number, sb: number): boolean {
    const t = this.trace;
    if ((sa === SRC ? t.srcPort(a) : t.dstPort(a)) !== (sb === SRC ? t.srcPort(b) : t.dstPort(b)))
      return false;
    const xa = sa === SRC ? t.srcAddress(a) : t.dstAddress(a);
    const xb = sb === SRC ? t.srcAddress(b) : t.dstAddress(b);
    return xa === xb || (t.addresses[xa] ?? '?') === (t.addresses[xb] ?? '?');
  }

  /**
   * Response `id` travels to the sender of request `o`: to its source address and port, or (§18.2.2: a
   * UA that sent from another port than its Via's, without rport, gets its responses at the Via port)
   * to its source host with `o`'s top-Via sent-by on top (the Via a proxy's own hop would not carry).
   */
  #towards(id: number, o: number): boolean {
    if (this.#epEq(id, DST, o, SRC)) return true;
    const t = this.trace;
    const sb = t.sentByHash(id);
    if (sb === 0 || sb !== t.sentByHash(o)) return false;
    const xa = t.dstAddress(id);
    const xb = t.srcAddress(o);
    return xa === xb || (t.addresses[xa] ?? '?') === (t.addresses[xb] ?? '?');
  }

  /**
   * A response whose top Via sent-by is not its request's (rewritten by a broken UAS or an ALG): RFC
   * 3261 §17.1.3 matches a client transaction by the branch and the CSeq method alone. The transaction
   * of group `g` with this branch and method whose request went the other way on this path, or -1
   * (only for a response no key matched).
   */
  #byBranch(id: number, method: string, g: CallGroup | null): number {
    const T = this.trace;
    const br = T.branchHash(id);
    if (g === null || br === 0 || !(T.keyFlags(id) & KF_COOKIE)) return -1;
    const X = this.tx;
    for (let x = g.txnHead; x >= 0; x = X.next[x]!) {
      const r = X.requestId[x]!;
      if (
        X.method[x] === method &&
        r >= 0 &&
        T.branchHash(r) === br &&
        this.#epEq(r, DST, id, SRC) &&
        this.#epEq(r, SRC, id, DST)
      )
        return x;
    }
    return -1;
  }

  /** The server endpoint of transaction `x` (see `serverOf`) is endpoint `side` of message `id`. */
  #serverIs(x: number, id: number, side: number): boolean {
    const r = this.tx.requestId[x]!;
    return r >= 0 ? this.#epEq(r, DST, id, side) : this.#epEq(this.tx.firstId[x]!, SRC, id, side);
  }
  /** The client endpoint of transaction `x` (see `clientOf`) is endpoint `side` of message `id`. */
  #clientIs(x: number, id: number, side: number): boolean {
    const r = this.tx.requestId[x]!;
    return r >= 0 ? this.#epEq(r, SRC, id, side) : this.#epEq(this.tx.firstId[x]!, DST, id, side);
  }

  /**
   * The client host of transaction `x` is the host of endpoint `side` of message `id`, whatever the
   * ports: a proxy may receive on one port (5060, or the port its Record-Route names) and send its
   * forwarded requests from another (a socket per interface or transport, an ephemeral TCP port).
   */
  #clientHostIs(x: number, id: number, side: number): boolean {
    const t = this.trace;
    const r = this.tx.requestId[x]!;
    const xa = r >= 0 ? t.srcAddress(r) : t.dstAddress(this.tx.firstId[x]!);
    const xb = side === SRC ? t.srcAddress(id) : t.dstAddress(id);
    return xa === xb || (t.addresses[xa] ?? '?') === (t.addresses[xb] ?? '?');
  }

  /** True when messages `a` and `b` went from the same source to the same destination. */
  #samePath(a: number, b: number): boolean {
    return a >= 0 && this.#epEq(a, SRC, b, SRC) && this.#epEq(a, DST, b, DST);
  }

  /**
   * The response-copy entry of transaction `ti` (see TxnTable.respSig) of an earlier copy of message
   * `id` (same signature — status and To tag, or the ACK — and same path), or -1. Paths are compared
   * only when a signature matches.
   */
  #findCopy(ti: number, sig: number, id: number): number {
    const X = this.tx;
    for (let k = X.respHead(ti); k >= 0; k = X.respNext[k]!)
      if (X.respSig[k] === sig && this.#samePath(X.respId[k]!, id)) return k;
    return -1;
  }

  #newGroup(idx: number, callId: string): CallGroup {
    return {
      idx,
      callId,
      parent: idx,
      firstId: -1,
      lastId: -1,
      count: 0,
      latestId: -1,
      type: 'other',
      firstMethod: '',
      originId: -1,
      firstRequestId: -1,
      inviteId: -1,
      ringId: -1,
      trying: false,
      answerId: -1,
      preAnswerId: -1,
      byeId: -1,
      endId: -1,
      finalStatus: 0,
      cancelled: false,
      challenges: 0,
      credChallenges: 0,
      authFlagged: false,
      ruriUser: null,
      offerCodecs: null,
      answerCodecs: null,
      media: [],
      dlgHead: -1,
      dlgTail: -1,
      txnHead: -1,
      txnTail: -1,
      links: null,
      hold: false,
      diags: 0,
    };
  }

  #diag(code: string, message: string, id: number, extra: Partial<AnalysisDiagnostic> = {}): void {
    const where: Partial<AnalysisDiagnostic> = { messageId: id, frame: this.trace.frame(id), ...extra };
    const gi = this.#grpCol[id]!;
    if (gi >= 0) {
      where.call = callIdOf(this.#root(gi));
      this.groups[gi]!.diags++;
    }
    const ti = this.#txnCol[id]!;
    if (ti >= 0 && where.transaction === undefined) where.transaction = transactionId(ti);
    this.#diags.push(analysisDiagnostic(code, message, where));
    const list = this.#msgDiags.get(id);
    if (list) {
      if (!list.includes(code)) list.push(code);
    } else this.#msgDiags.set(id, [code]);
  }

  #newTxn(
    msg: AnalysisMessage,
    method: string,
    g: CallGroup | null,
    id: number,
    us: number,
    isRequest: boolean,
  ): number {
    const ti = this.tx.add(
      transactionKindCode(method),
      intern(method),
      !msg.branchHasCookie,
      msg.cseq ?? -1,
      g ? g.idx : -1,
      isRequest ? id : -1,
      id,
      us,
      msg.hasToTag && isRequest,
    );
    if (g) {
      if (g.txnTail >= 0) this.tx.next[g.txnTail] = ti;
      else g.txnHead = ti;
      g.txnTail = ti;
    }
    return ti;
  }

  #markRetrans(id: number, of: number, intervalUs: number): void {
    this.#retrans.set(id, { of, intervalUs });
  }

  /** Counts a duplicate frame of transaction `t`'s request or responses (see `#dups`); returns how many so far. */
  #dupCount(t: number, response: boolean, gap: number): number {
    const k = 2 * t + (response ? 1 : 0);
    if (gap >= DUPLICATE_US) return this.#dups.size === 0 ? 0 : (this.#dups.get(k) ?? 0);
    const n = (this.#dups.get(k) ?? 0) + 1;
    this.#dups.set(k, n);
    return n;
  }

  #stormCheck(t: number, count: number, id: number, what: string): void {
    const X = this.tx;
    const max = X.kind[t] === TK_INVITE && what === 'request' ? MAX_RETRANS_INVITE : MAX_RETRANS_OTHER;
    if (count > max && !(X.flags[t]! & TF_STORM)) {
      X.flags[t]! |= TF_STORM;
      this.#diag(
        'retransmission-storm',
        `${X.method[t]} ${what} retransmitted ${count} times (the timers allow at most ${max})`,
        id,
      );
    }
  }

  #onRequest(id: number, msg: AnalysisMessage, g: CallGroup | null, us: number): void {
    const method = msg.method!;
    const X = this.tx;
    let t: number;
    let retrans = false;

    // With tier 1 (see `#t1Txn`): -1 new, -2 tier 1 left (matched by key below), else the transaction.
    let t1 = this.#t1 !== null ? this.#t1Txn(id, null) : -2;
    if (method === 'ACK') {
      if (t1 >= 0 && X.kind[t1] === TK_NON_INVITE) t1 = this.#leaveTier1();
      const inv =
        t1 === -2 ? this.#txnByKey.get(transactionKey(msg)) : t1 >= 0 && X.kind[t1] === TK_INVITE ? t1 : -1;
      if (inv >= 0 && X.finalStatus[inv]! >= 300) {
        // ACK for a non-2xx final: part of the INVITE transaction (§17.1.1.3).
        t = inv;
        const k = this.#findCopy(inv, ACK_SIG, id);
        if (k >= 0) {
          retrans = true;
          this.#markRetrans(id, -1, us - X.respUs[k]!);
          X.respUs[k] = us;
          X.retransmissions[inv]!++;
        } else {
          X.addResp(inv, ACK_SIG, us, id);
          X.pushState(inv, TS_CONFIRMED, us);
        }
      } else {
        // ACK for a 2xx: a transaction of its own (§17.1.1.3, §13.2.2.4).
        // (Tier 1 took it into the INVITE's transaction, whose final is not ≥ 300 here: disagreement.)
        if (t1 >= 0 && X.kind[t1] === TK_INVITE) t1 = this.#leaveTier1();
        let key = -1;
        let ai = t1;
        if (t1 === -2) {
          key = transactionKey(msg, 'ACK');
          ai = this.#txnByKey.get(key);
        }
        if (ai < 0) {
          t = this.#newTxn(msg, 'ACK', g, id, us, true);
          if (this.#t1 === null) this.#txnByKey.set(key, t);
          X.pushState(t, TS_TERMINATED, us);
        } else {
          t = ai;
          if (this.#samePath(X.requestId[t]!, id)) {
            retrans = true;
            this.#markRetrans(id, X.requestId[t]!, us - X.reqLastUs[t]!);
            X.retransmissions[t]!++;
            X.reqRetrans[t]!++;
          }
          X.reqLastUs[t] = us;
        }
      }
    } else {
      if (t1 >= 0 && X.method[t1] !== method) t1 = this.#leaveTier1();
      let key = -1;
      let ti = t1;
      if (t1 === -2) {
        key = transactionKey(msg);
        ti = this.#txnByKey.get(key);
      }
      if (ti < 0) {
        t = this.#newTxn(msg, method, g, id, us, true);
        if (this.#t1 === null) this.#txnByKey.set(key, t);
        X.pushState(t, X.kind[t] === TK_INVITE ? TS_CALLING : TS_TRYING, us);
      } else {
        t = ti;
        if (X.requestId[t]! < 0) {
          X.requestId[t] = id;
        } else if (this.#samePath(X.requestId[t]!, id)) {
          retrans = true;
          X.retransmissions[t]!++;
          X.reqRetrans[t]!++;
          const gap = us - X.reqLastUs[t]!;
          this.#markRetrans(id, X.requestId[t]!, gap);
          this.#stormCheck(t, X.reqRetrans[t]! - this.#dupCount(t, false, gap), id, 'request');
        }
        X.reqLastUs[t] = us;
      }
    }
    X.requests[t]!++;
    if (us > X.lastUs[t]!) X.lastUs[t] = us;
    this.#txnCol[id] = t;
    if (retrans) {
      const d = this.#findDialog(id, msg, g);
      if (d) this.#dlgCol[id] = d.idx;
      else if (X.dialog[t]! >= 0) this.#dlgCol[id] = X.dialog[t]!;
      return;
    }

    // First copy of this request at this capture point.
    if (method === 'CANCEL') this.#onCancel(id, msg, t, g, us);
    if (g) {
      if (g.firstRequestId < 0) {
        g.firstRequestId = id;
        g.firstMethod = intern(method);
        // (a call whose start the capture missed, seen first by a response, keeps its type and origin)
        if (g.type !== 'call') {
          g.originId = id;
          if (g.firstId === id && startsOpenCall(method, true, msg.hasToTag)) {
            g.type = 'call';
            this.#startNotCaptured(id, `${method} (CSeq ${msg.cseq})`);
          } else g.type = callTypeOf(method);
        }
      }
      if (method === 'INVITE' && !msg.hasToTag && g.inviteId < 0) {
        g.inviteId = id;
        g.type = 'call';
        g.originId = id;
        if (g.firstRequestId !== id) g.firstRequestId = id;
        g.ruriUser = ownString(msg.requestUriUser());
      }
    }
    if (msg.hasToTag) this.#onInDialogRequest(id, msg, t, g, us, method);
    // A looped request has crossed the same element twice: at least three Via values.
    if (msg.viaCount >= 3) this.#loopCheck(id, msg, t);
    this.#natCheck(id, msg, true);
    let sdp: SdpFacts | null = null;
    if (hasSdp(msg)) sdp = this.#onSdp(id, msg, g);
    if (sdp && (method === 'INVITE' || method === 'UPDATE' || method === 'PRACK')) {
      const offer: Offer = { codecs: sdp.voice, address: sdp.audioAddress, ice: sdp.ice };
      X.offer[t] = offer;
      if (g && g.offerCodecs === null) g.offerCodecs = offer.codecs;
    }
    if (sdp && method === 'ACK') {
      const d = this.#findDialog(id, msg, g);
      if (d?.lateOffer) this.#offerAnswer(id, d.lateOffer, sdp, g);
    }
    // B2BUA leg correlation, once per group, on its first initial INVITE (zero setup: see correlate.ts).
    if (g && method === 'INVITE' && !msg.hasToTag && g.firstRequestId === id) {
      for (const link of correlateNewLeg(this.#corr, this, id, msg, g, sdp, us)) this.#link(link);
    }
  }

  /**
   * Group of message `id` is a call whose start the capture missed: its first message (`what`) is not
   * its INVITE. A notice, so that its state from what was seen is not taken for a failure.
   */
  #startNotCaptured(id: number, what: string): void {
    this.#diag('call-start-not-captured', callStartNotCapturedText(what), id);
  }

  /**
   * Response `id` travels to group `g`'s origin: the sender of its first request (`#towards`), or, for a
   * call whose start the capture missed first seen by a response, where that response went.
   */
  #towardsOrigin(id: number, g: CallGroup): boolean {
    const o = g.originId;
    if (o < 0) return false;
    // (the origin is the first request, or the initial INVITE, which is then the first request too;
    // else it is that first response)
    return o === g.firstRequestId ? this.#towards(id, o) : this.#epEq(id, DST, o, DST);
  }

  #onCancel(id: number, msg: AnalysisMessage, t: number, g: CallGroup | null, us: number): void {
    let ii: number;
    if (this.#t1 !== null) {
      // The INVITE transaction tier 1 matched this CANCEL's to, if it exists by now (transactions are
      // numbered as they start; a CANCEL's INVITE key names one transaction forever).
      const p = this.#t1.tx.peer[t] ?? -1;
      ii = p >= 0 && p < this.tx.n ? p : -1;
      if (ii >= 0 && this.tx.kind[ii] !== TK_INVITE) {
        this.#leaveTier1();
        ii = this.#txnByKey.get(transactionKey(msg, 'INVITE'));
      }
    } else ii = this.#txnByKey.get(transactionKey(msg, 'INVITE'));
    if (ii < 0) {
      // (its INVITE may have been sent before the capture began: see requestMayPredateCapture)
      if (!requestMayPredateCapture(true, us, this.trace.timeUs(0)))
        this.#diag('cancel-unmatched', `CANCEL (CSeq ${msg.cseq}) matches no INVITE transaction seen`, id);
      return;
    }
    const X = this.tx;
    X.peer[t] = ii;
    X.peer[ii] = t;
    if (X.finalStatus[ii]! >= 200 && X.finalUs[ii]! < us) {
      this.#diag(
        'cancel-after-final',
        `CANCEL sent after the INVITE already received ${X.finalStatus[ii]}`,
        id,
      );
    } else if (g) g.cancelled = true;
  }

  /** The dialog of a message with both tags in Call-ID group `g` (the last lookup is remembered until a dialog is created). */
  #findDialog(id: number, msg: AnalysisMessage, g: CallGroup | null): Dialog | null {
    if (this.#dlgMemoSerial === msg.serial) return this.#dlgMemo;
    let d: Dialog | null = null;
    if (g !== null && msg.hasFromTag && msg.hasToTag) {
      let di = -1;
      if (this.#t1 !== null) {
        // Tier 1's dialog of these tags, if it exists here by now (dialogs are numbered as they start).
        di = this.#t1.dialogOfTags(id);
        if (di >= this.dialogList.length) di = -1;
        else if (di >= 0 && this.dialogList[di]!.group !== g.idx) this.#leaveTier1();
      }
      if (this.#t1 === null) di = this.#dlgByKey.get(dialogKeyOf(msg, g.idx));
      d = di < 0 ? null : this.dialogList[di]!;
    }
    this.#dlgMemoSerial = msg.serial;
    this.#dlgMemo = d;
    return d;
  }
  #dlgMemoSerial = -1;
  #dlgMemo: Dialog | null = null;

  #newDialog(
    msg: AnalysisMessage,
    g: CallGroup,
    t: number,
    requestId: number,
    responseId: number,
    us: number,
    state: 'early' | 'confirmed',
    partial: boolean,
  ): Dialog {
    const idx = this.dialogList.length;
    const method = this.tx.method[t]!;
    const cseq = this.tx.cseq[t]!;
    const d: Dialog = {
      idx,
      group: g.idx,
      next: -1,
      callId: g.callId,
      callerTagKey: callerTagKeyOf(this.trace.fromTagHash(responseId >= 0 ? responseId : requestId)),
      method: intern(method),
      state,
      states: [],
      txn: t,
      cseq,
      requestId,
      responseId,
      callerCseq: partial ? -1 : cseq,
      calleeCseq: -1,
      callerMethod: partial ? '' : intern(method),
      calleeMethod: '',
      byeCseq: -1,
      partial,
      lateOffer: null,
      requests: 0,
      cseqFlagged: -1,
      strict: false,
    };
    d.states.push(DIALOG_STATES.indexOf(state), us);
    this.#dlgMemoSerial = -1;
    this.dialogList.push(d);
    if (this.#t1 === null) this.#dlgByKey.set(dialogKeyOf(msg, g.idx), idx);
    if (g.dlgTail >= 0) this.dialogList[g.dlgTail]!.next = idx;
    else g.dlgHead = idx;
    g.dlgTail = idx;
    return d;
  }

  #onInDialogRequest(
    id: number,
    msg: AnalysisMessage,
    t: number,
    g: CallGroup | null,
    us: number,
    method: string,
  ): void {
    const X = this.tx;
    // A call whose start the capture missed: a request only a confirmed dialog sends says it was answered.
    if (
      g &&
      g.inviteId < 0 &&
      g.answerId < 0 &&
      g.preAnswerId < 0 &&
      g.type === 'call' &&
      preAnswered(method)
    )
      g.preAnswerId = id;
    let d = this.#findDialog(id, msg, g);
    if (!d) {
      if (!g) return;
      if (method === 'BYE' && g.count > 1) {
        this.#diag(
          'bye-outside-dialog',
          `BYE for a dialog (tags ${msg.fromTag}/${msg.toTag}) that was never established`,
          id,
        );
      }
      if (method === 'ACK') return;
      d = this.#newDialog(msg, g, t, id, -1, us, 'confirmed', true);
    }
    this.#dlgCol[id] = d.idx;
    if (X.dialog[t]! < 0) X.dialog[t] = d.idx;
    d.requests++;
    const cseq = msg.cseq ?? -1;
    // (not an ACK for a non-2xx final: part of the INVITE transaction, routed as the INVITE was, §17.1.1.3)
    if (
      d.idx * RS < this.#rs.length &&
      this.#rs[d.idx * RS]! >= RS_KNOWN &&
      method !== 'CANCEL' &&
      !(method === 'ACK' && X.kind[t] === TK_INVITE)
    )
      this.#routeSetCheck(id, msg, d, method);
    if (method === 'ACK') {
      // The ACK for a 2xx acknowledges the INVITE transactions of this CSeq whose 2xx it answers.
      const g2 = this.groups[d.group]!;
      // ack-not-relayed: the ACK reached the server of one of them (`received`) and the client of
      // another one, not yet ACKed, whose 2xx has this ACK's To tag (`down`: the element forwarded the
      // INVITE and relayed that 2xx): a copy of this ACK must leave it (which ACKs `down`).
      let received = false;
      let down = -1;
      const ack2xx = X.kind[t] !== TK_INVITE;
      const U = this.#unrelayed;
      for (let x = g2.txnHead; x >= 0; x = X.next[x]!) {
        if (X.kind[x] !== TK_INVITE || X.cseq[x] !== cseq || X.okId[x]! < 0) continue;
        const s = this.#serverIs(x, id, DST);
        if (s || this.#clientIs(x, id, SRC)) {
          received ||= s;
          // Only the 2xx it answers is ACKed (same To tag): a forked INVITE's other branches keep theirs.
          if (!this.#answers(id, X.okId[x]!)) continue;
          X.acked[x] = 1;
          if (U.size > 0 && U.delete(x)) this.#unrelayedChecked.delete(x);
        } else if (
          ack2xx &&
          X.acked[x] === 0 &&
          this.#clientHostIs(x, id, DST) &&
          this.trace.toTagHash(X.okId[x]!) === this.trace.toTagHash(id)
        )
          down = x;
      }
      if (received && down >= 0 && !U.has(down)) U.set(down, id);
      return;
    }
    if (method === 'CANCEL') return;
    const callerSide = callerTagKeyOf(this.trace.fromTagHash(id)) === d.callerTagKey;
    const last = callerSide ? d.callerCseq : d.calleeCseq;
    const lastMethod = callerSide ? d.callerMethod : d.calleeMethod;
    if (
      d.cseqFlagged !== cseq &&
      last >= 0 &&
      cseq >= 0 &&
      (cseq < last || (cseq === last && method !== lastMethod))
    ) {
      this.#diag(
        'cseq-not-increasing',
        `${method} CSeq ${cseq} is not above the previous ${lastMethod} CSeq ${last} from the same side`,
        id,
        { dialog: dialogId(d.idx) },
      );
      d.cseqFlagged = cseq;
    }
    if (cseq > last) {
      if (callerSide) {
        d.callerCseq = cseq;
        d.callerMethod = intern(method);
      } else {
        d.calleeCseq = cseq;
        d.calleeMethod = intern(method);
      }
    }
    if (d.state === 'terminated' && !(method === 'BYE' && cseq === d.byeCseq)) {
      this.#diag(
        'message-after-dialog-end',
        `${method} sent in dialog ${dialogId(d.idx)} after it ended`,
        id,
        { dialog: dialogId(d.idx) },
      );
    }
    if (method === 'BYE') {
      if (d.byeCseq < 0) d.byeCseq = cseq;
      if (g && g.byeId < 0) g.byeId = id;
    }
  }

  #onResponse(id: number, msg: AnalysisMessage, g: CallGroup | null, us: number): void {
    const status = msg.status!;
    const X = this.tx;
    let key = -1;
    let ti = this.#t1 !== null ? this.#t1Txn(id, msg.cseqMethod ?? '?') : -2;
    if (ti === -2) {
      key = transactionKey(msg);
      ti = this.#txnByKey.get(key);
      if (ti < 0) ti = this.#byBranch(id, msg.cseqMethod ?? '?', g);
    }
    let t: number;
    if (g !== null && g.firstId === id && startsOpenCall(msg.cseqMethod ?? '', false, msg.hasToTag)) {
      // A call whose start the capture missed: its INVITE's responses go to the caller (its origin).
      // (Whether or not it matched a transaction: a scanner's one branch for every Call-ID matches
      // another group's, heplify__ipip0.pcap's 403.)
      g.type = 'call';
      g.originId = id;
      this.#startNotCaptured(id, `${status} to ${msg.cseqMethod ?? '?'} (CSeq ${msg.cseq})`);
    }
    if (ti < 0) {
      t = this.#newTxn(msg, msg.cseqMethod ?? '?', g, id, us, false);
      if (this.#t1 === null) this.#txnByKey.set(key, t);
      this.#txnCol[id] = t;
      X.flags[t]! |= TF_UNMATCHED;
      // (not when its request may have been sent before the capture began: see requestMayPredateCapture)
      if (!requestMayPredateCapture(X.kind[t] === TK_INVITE, us, this.trace.timeUs(0)))
        this.#diag(
          'unmatched-response',
          `${status} to ${msg.cseqMethod ?? '?'} (CSeq ${msg.cseq}) matches no request seen`,
          id,
        );
    } else t = ti;
    this.#txnCol[id] = t;
    X.responses[t]!++;
    if (us > X.lastUs[t]!) X.lastUs[t] = us;
    const hasToTag = msg.hasToTag;
    // Response copies compared by status and To tag (the trace's hash of its octets: no scan needed).
    keyStart();
    keyNum(status);
    keyNum(this.trace.toTagHash(id));
    const sig = keyEnd();
    const k = this.#findCopy(t, sig, id);
    const d0 = this.#findDialog(id, msg, g);
    if (d0) this.#dlgCol[id] = d0.idx;
    const kind = X.kind[t]!;
    if (k >= 0) {
      const gap = us - X.respUs[k]!;
      this.#markRetrans(id, -1, gap);
      X.respUs[k] = us;
      X.retransmissions[t]!++;
      const n = X.retransmissions[t]! - X.reqRetrans[t]! - this.#dupCount(t, true, gap);
      this.#stormCheck(t, n, id, 'response');
      // (a duplicate frame of the capture says nothing about the ACK)
      if (
        kind === TK_INVITE &&
        status >= 200 &&
        status < 300 &&
        gap >= DUPLICATE_US &&
        !(X.flags[t]! & TF_2XX_RETRANS)
      ) {
        X.flags[t]! |= TF_2XX_RETRANS;
        this.#diag(
          'invite-2xx-retransmitted',
          `${status} to INVITE retransmitted: the ACK was lost or late`,
          id,
        );
      }
      return;
    }
    X.addResp(t, sig, us, id);

    const initialInvite = kind === TK_INVITE && X.inDialog[t] === 0;
    const towardsOrigin = g !== null && this.#towardsOrigin(id, g);
    if (status > 100 && !hasToTag) {
      this.#diag('final-response-without-to-tag', `${status} response has no To tag`, id);
    }
    if (status < 200) {
      if (X.finalStatus[t]! >= 200) {
        // (on the final's hop: the same transaction seen on both sides of a NAT has its own order per side)
        if (!(X.flags[t]! & TF_PROV_AFTER) && this.#samePath(X.finalId[t]!, id)) {
          X.flags[t]! |= TF_PROV_AFTER;
          this.#diag('provisional-after-final', `${status} arrived after the final ${X.finalStatus[t]}`, id);
        }
      } else X.pushState(t, TS_PROCEEDING, us);
      if (g && initialInvite && towardsOrigin) {
        if (status >= 180) {
          if (g.ringId < 0) g.ringId = id;
        } else g.trying = true;
      }
    } else {
      const final = X.finalStatus[t]!;
      if (final === 0) {
        X.finalStatus[t] = status;
        X.finalUs[t] = us;
        X.finalId[t] = id;
        X.pushState(t, kind === TK_INVITE ? (status < 300 ? TS_ACCEPTED : TS_COMPLETED) : TS_COMPLETED, us);
      } else if (final !== status && !(final < 300 && status < 300) && !(X.flags[t]! & TF_CONFLICT)) {
        X.flags[t]! |= TF_CONFLICT;
        this.#diag(
          'conflicting-final-response',
          `${status} after the final ${final} in the same transaction`,
          id,
        );
      }
      if (kind === TK_INVITE && status < 300) {
        if (X.okId[t]! < 0) X.okId[t] = id;
        if (!msg.hasContact) this.#diag('invite-2xx-no-contact', `${status} to INVITE has no Contact`, id);
      }
      if (g) this.#groupFinal(id, msg, t, g, status, us, towardsOrigin, initialInvite);
    }
    const method = X.method[t]!;
    // Dialogs: created by 1xx/2xx with a To tag to INVITE/SUBSCRIBE/REFER outside a dialog.
    if (
      g &&
      hasToTag &&
      msg.hasFromTag &&
      status > 100 &&
      status < 300 &&
      DIALOG_CREATING.has(method) &&
      X.inDialog[t] === 0
    ) {
      let d = d0;
      if (!d) {
        d = this.#newDialog(msg, g, t, X.requestId[t]!, id, us, status < 200 ? 'early' : 'confirmed', false);
        if (msg.strictCheckNeeded) this.#strictCheck(id, msg, d);
        this.#noteRouteSet(d.idx, msg);
      } else if (status >= 200) {
        // The 2xx confirming an early dialog recomputes its route set (RFC 3261 §13.2.2.4) and names
        // the remote target: the dialog's response is now the 2xx.
        if (d.state === 'early') {
          d.responseId = id;
          this.#noteRouteSet(d.idx, msg);
        }
        setDialogState(d, 'confirmed', us);
      }
      if (X.dialog[t]! < 0) X.dialog[t] = d.idx;
      this.#dlgCol[id] = d.idx;
    }
    if (g && status >= 300 && initialInvite) {
      const cseq = X.cseq[t]!;
      for (let di = g.dlgHead; di >= 0;) {
        const d = this.dialogList[di]!;
        di = d.next;
        if (d.state === 'early' && d.cseq === cseq && d.method === 'INVITE')
          setDialogState(d, 'terminated', us);
      }
    }
    // (a 401/407 challenge leaves the dialog up: the UAC sends the BYE again with credentials, §22.2)
    if (method === 'BYE' && status >= 200 && status !== 401 && status !== 407 && d0) {
      setDialogState(d0, 'terminated', us);
      if (g && g.endId < 0) g.endId = id;
    }
    const direct = !this.#proxied(t);
    if (direct) this.#natCheck(id, msg, false);
    if (hasSdp(msg)) {
      const sdp = this.#onSdp(id, msg, g, direct);
      if (sdp) {
        if (g && this.#mediaReported.size > 0) this.#mediaFixedDownstream(id, g, t, status, sdp);
        const offer = X.offer[t]!;
        if (offer !== null && !(X.flags[t]! & 32)) {
          X.flags[t]! |= 32;
          if (this.#offerAnswer(id, offer, sdp, g) && g) {
            const r: MediaReport = {
              id,
              cseq: X.cseq[t]!,
              status,
              toTag: this.trace.toTagHash(id),
              answer: sdp.liveAudioAddress ?? '',
              offer: offer.address ?? '',
            };
            const list = this.#mediaReported.get(g.idx);
            if (list) list.push(r);
            else this.#mediaReported.set(g.idx, [r]);
          }
          if (g && g.answerCodecs === null && initialInvite) g.answerCodecs = sdp.voice;
          X.offer[t] = null; // answered: nothing more to compare
        } else if (X.flags[t]! & 32) {
          // a later SDP copy in an answered transaction (18x then 2xx): already compared
        } else if (kind === TK_INVITE && status < 300 && d0) {
          d0.lateOffer = { codecs: sdp.voice, address: sdp.audioAddress, ice: sdp.ice };
        } else if (kind === TK_INVITE && status < 300 && this.#dlgCol[id]! >= 0) {
          this.dialogList[this.#dlgCol[id]!]!.lateOffer = {
            codecs: sdp.voice,
            address: sdp.address,
            ice: sdp.ice,
          };
        }
      }
    }
  }

  #groupFinal(
    id: number,
    msg: AnalysisMessage,
    t: number,
    g: CallGroup,
    status: number,
    us: number,
    towardsOrigin: boolean,
    initialInvite: boolean,
  ): void {
    const X = this.tx;
    const requestId = X.requestId[t]!;
    const method = X.method[t]!;
    if (
      towardsOrigin &&
      ((g.type === 'call' && initialInvite) || (g.type !== 'call' && requestId === g.firstRequestId))
    ) {
      g.finalStatus = status;
      if (status < 300 && g.answerId < 0 && initialInvite) g.answerId = id;
    } else if (towardsOrigin && g.type !== 'call' && X.inDialog[t] === 0 && method === g.firstMethod) {
      g.finalStatus = status;
    }
    if (status === 401 || status === 407) {
      g.challenges++;
      if (requestId >= 0) {
        const req = this.trace.message(requestId);
        const creds = req.headerAll(status === 401 ? 'authorization' : 'proxy-authorization');
        // Counted when the challenge names a realm the request already answered (a wrong password,
        // a stale-nonce loop): a challenge from another realm is the next proxy asking for its own
        // credentials (RFC 3665 §3.3: two proxies, two realms, each challenging once).
        if (creds.length && challengesAnsweredRealm(this.trace.message(id), status, creds))
          g.credChallenges++;
      }
      if (!g.authFlagged && (g.credChallenges >= 2 || g.challenges >= 4)) {
        g.authFlagged = true;
        this.#diag(
          'auth-loop',
          `${g.challenges} challenges (${g.credChallenges} to requests that carried credentials) in Call-ID ${g.callId}`,
          id,
        );
      }
    }
    if (status === 481)
      this.#diag(
        'call-leg-does-not-exist',
        `481 to ${method}: the UAS knows no such dialog or transaction`,
        id,
      );
    else if (status === 482) this.#diag('request-loop', `482 Loop Detected to ${method}`, id);
    else if (status === 483) this.#diag('max-forwards-exhausted', `483 Too Many Hops to ${method}`, id);
    else if (status === 488 || status === 606)
      this.#diag('offer-rejected', `${status} ${msg.reason ?? ''}: the session offer was refused`.trim(), id);
    else if (method === 'BYE' && status >= 300 && status !== 401 && status !== 407)
      this.#diag('bye-rejected', byeRejectedText(status), id);
  }

  #loopCheck(id: number, msg: AnalysisMessage, t: number): void {
    const vias = msg.values('via');
    const seen = new Set<string>();
    for (const v of vias) {
      const b = /;\s*branch\s*=\s*([^;,\s]+)/i.exec(v)?.[1];
      if (!b) continue;
      const sentBy = v
        .replace(/^\s*\S+\s+/, '')
        .split(';')[0]!
        .trim()
        .toLowerCase();
      const k = `${sentBy};${b}`;
      if (seen.has(k)) {
        this.#diag(
          'request-loop',
          `Via stack holds ${sentBy} with branch ${b} twice: the request came back to an element it had crossed`,
          id,
          { transaction: transactionId(t) },
        );
        return;
      }
      seen.add(k);
    }
  }

  #strictCheck(id: number, msg: AnalysisMessage, d: Dialog): void {
    for (const rr of msg.values('record-route')) {
      const lt = rr.indexOf('<');
      const gt = rr.indexOf('>');
      const uri = lt >= 0 && gt > lt ? rr.slice(lt + 1, gt) : rr.split(';')[0]!;
      const params = lt >= 0 && gt > lt ? rr.slice(lt + 1, gt) : rr;
      if (!/;\s*lr(\s*[=;]|\s*$)/i.test(params)) {
        d.strict = true;
        this.#diag('strict-routing', `Record-Route ${uri} has no ;lr: a strict router (RFC 2543)`, id, {
          dialog: dialogId(d.idx),
        });
        return;
      }
    }
  }

  /** Whether ACK `ack` answers 2xx `ok`: the same To tag (a 2xx without one: any ACK of the transaction). */
  #answers(ack: number, ok: number): boolean {
    const t = this.trace.toTagHash(ok);
    return t === 0 || t === this.trace.toTagHash(ack);
  }

  /**
   * Reads the route set of dialog `di` from its creating response `msg` (its Record-Route, the fast way:
   * route-set.ts) for the route-set rule.
   */
  #noteRouteSet(di: number, msg: AnalysisMessage): void {
    const o = di * RS;
    if (o + RS > this.#rs.length) {
      const x = new Int32Array(Math.max(o + RS, this.#rs.length * 2));
      x.set(this.#rs);
      this.#rs = x;
    }
    const r = routeHashes(msg.raw, msg.start, msg.end, true, msg.routeLines);
    const rs = this.#rs;
    rs[o] = r === RK_FOUND ? RS_KNOWN : r === RK_NONE ? RS_EMPTY : RS_EXACT;
    rs[o + 1] = routeOut[0]!;
    rs[o + 2] = routeOut[1]!;
  }

  /**
   * The route-set rule (RFC 3261 §12.2.1.1) on an in-dialog request `id` of dialog `d`, whose route set
   * is not empty: a request sent by a user agent (one Via: not a proxy's copy, which has consumed its
   * own Route entry) must name the route set's first entry — the first Route value (loose routing), or
   * for a strict router (no `lr`) the Request-URI. The caller's route set is the Record-Route reversed
   * (its first entry the last value), the callee's the Record-Route in order. A request whose first
   * Route is that entry's URI as the response wrote it passes at once; any other is decided on the
   * parses of the response and the request (route-set.ts: the exact way).
   */
  #routeSetCheck(id: number, msg: AnalysisMessage, d: Dialog, method: string): void {
    if (msg.viaCount !== 1) return;
    const caller = callerTagKeyOf(this.trace.fromTagHash(id)) === d.callerTagKey;
    const o = d.idx * RS;
    if (
      this.#rs[o] === RS_KNOWN &&
      routeHashes(msg.raw, msg.start, msg.end, false, msg.routeLines) === RK_FOUND &&
      routeOut[0] === this.#rs[o + (caller ? 2 : 1)]
    )
      return;
    const rr = this.trace.message(d.responseId);
    const set = rr.values('record-route');
    if (caller) set.reverse();
    if (keysOfValues(set) !== RK_FOUND) return;
    const host = routeOut[RK_HOST]!;
    const port = routeOut[RK_HOST + 1]!;
    const lr = routeOut[RK_HOST + 2]!;
    const carried = msg.values('route');
    const r = keysOfValues(carried);
    if (r === RK_UNKNOWN || routeSetHonoured(msg, r, host, port, lr)) return;
    // Sent by the route set's first element itself (a proxy acting as a UA, e.g. ending the call).
    if (hostHashOf(this.#srcHost(id)) === host) return;
    this.#diag(
      'in-dialog-request-without-route-set',
      `${method} (CSeq ${msg.cseq ?? '?'}) from the ${caller ? 'caller' : 'callee'} ${
        carried.length === 0 ? 'carries no Route' : `carries Route ${carried.join(', ')}`
      }, but the dialog's route set is ${set.join(', ')} (the Record-Route of its ${rr.status ?? '?'}${
        caller ? ', reversed' : ''
      }): the request must start with ${set[0]}`,
      id,
      { dialog: dialogId(d.idx) },
    );
  }

  /**
   * True when the transaction's request was also seen on another hop (same CSeq and method, another
   * branch): its responses with one Via were relayed by a proxy, so their Contact/SDP are not the sender's.
   */
  #proxied(t: number): boolean {
    const X = this.tx;
    const gi = X.group[t]!;
    if (gi < 0) return false;
    const cseq = X.cseq[t]!;
    const method = X.method[t]!;
    for (let x = this.groups[gi]!.txnHead; x >= 0; x = X.next[x]!)
      if (x !== t && X.cseq[x] === cseq && X.method[x] === method) return true;
    return false;
  }

  /** NAT rules for messages sent directly by a user agent (one Via). */
  #natCheck(id: number, msg: AnalysisMessage, isRequest: boolean): void {
    if (msg.viaCount !== 1) return;
    // A private sent-by starts with 1 or 0 (10., 172., 192.168., 100.64/10, 169.254.), [ or f (fc00::/7, fe80::/10).
    // Nothing to report either when the sent-by is the packet's source host (no NAT: the usual case).
    if (
      isRequest &&
      !msg.viaSentByIsSource &&
      msg.viaSentByMayBePrivate &&
      !msg.viaSentByHostIs(this.#srcHost(id))
    ) {
      const sb = msg.viaSentBy;
      if (sb) {
        const h = bareHost(sb);
        let srcHost: string;
        if (isPrivateAddress(h) && h !== (srcHost = this.#srcHost(id)) && !this.#srcLoopback(id)) {
          this.#diag(
            'nat-private-via',
            `Via sent-by ${h} is private but the packet came from ${srcHost}`,
            id,
          );
          // Over TCP, TLS, SCTP or WebSocket the response goes back over the request's connection
          // (§18.2.2): rport matters on UDP only (RFC 3581 §1).
          if (msg.viaRport === null && this.trace.transport(id) === 'UDP')
            this.#diag(
              'nat-no-rport',
              `request from behind a NAT (Via ${h}, source ${srcHost}) without rport`,
              id,
            );
        }
      }
    }
    const method = isRequest ? msg.method : msg.cseqMethod;
    // (a response to REGISTER lists the registered bindings in its Contact, §10.3 step 8: not the
    // registrar's own address)
    if (
      method === 'INVITE' ||
      (method === 'REGISTER' && isRequest) ||
      method === 'SUBSCRIBE' ||
      method === 'UPDATE'
    ) {
      const c = msg.contact;
      if (c) {
        const h = /sips?:(?:[^@;>]*@)?(\[[^\]]+\]|[^:;>]+)/i.exec(c)?.[1];
        if (h) {
          const hh = bareHost(h);
          let srcHost: string;
          if (isPrivateAddress(hh) && hh !== (srcHost = this.#srcHost(id)) && !this.#srcLoopback(id))
            this.#diag(
              'nat-private-contact',
              `Contact ${hh} is private but the packet came from ${srcHost}`,
              id,
            );
        }
      }
    }
  }

  /** Bare host of each address id (see `#srcHost`). */
  readonly #hostOfAddr: (string | undefined)[] = [];

  /** IPv4 number of each address id (+1; 0: not known yet; -1 + 1: not IPv4), see `#srcV4`. */
  #v4OfAddr = new Float64Array(0);

  /** Message `id`'s source address as an unsigned IPv4 number, or -1 when it is not IPv4. */
  #srcV4(id: number): number {
    const a = this.trace.srcAddress(id);
    if (a >= this.#v4OfAddr.length) {
      const x = new Float64Array(Math.max(a + 1, this.#v4OfAddr.length * 2, 64));
      x.set(this.#v4OfAddr);
      this.#v4OfAddr = x;
    }
    let v = this.#v4OfAddr[a]!;
    if (v === 0) this.#v4OfAddr[a] = v = canonicalIpv4(this.trace.addresses[a] ?? '') + 1;
    return v - 1;
  }

  /**
   * Message `id` came from a loopback address: sent and captured on one host, so no NAT stands between
   * the sender and the capture, whatever its Via, Contact or SDP say (asked only before a NAT diagnostic).
   */
  #srcLoopback(id: number): boolean {
    const v = this.#srcV4(id);
    return v >= 0 ? v >>> 24 === 127 : this.#srcHost(id) === '::1';
  }

  /** Host of message `id`'s source address (brackets removed; `bareHost(hostOf(trace.src(id)))`). */
  #srcHost(id: number): string {
    const a = this.trace.srcAddress(id);
    let h = this.#hostOfAddr[a];
    if (h === undefined) this.#hostOfAddr[a] = h = bareHost(this.trace.addresses[a] ?? '?');
    return h;
  }

  #onSdp(id: number, msg: AnalysisMessage, g: CallGroup | null, direct = true): SdpFacts | null {
    const bs = msg.bodyStart;
    const sdp = this.#sdpFacts(id, msg, bs, bs + msg.bodyLength);
    if (!sdp) return null;
    if (g) {
      for (const e of sdp.endpoints)
        if (g.media.length < MAX_MEDIA_PER_GROUP && !g.media.includes(e)) g.media = appendOne(g.media, e);
    }
    // Hold is an offer that makes the streams sendonly/inactive (RFC 3264 §8.4), or c=0.0.0.0 (RFC 2543).
    const offer = msg.kind === 'request' && (msg.method === 'INVITE' || msg.method === 'UPDATE');
    if (offer ? sdp.hold : sdp.zeroAddress) {
      if (g) g.hold = true;
      this.#diag('sdp-hold', 'SDP puts the media on hold (sendonly/inactive or c=0.0.0.0)', id);
    }
    if (msg.viaCount === 1 && direct) {
      const a = sdp.firstAddress;
      let srcHost: string;
      if (a && isPrivateAddress(a) && bareHost(a) !== (srcHost = this.#srcHost(id)) && !this.#srcLoopback(id))
        this.#diag(
          'nat-private-sdp',
          `SDP connection address ${a} is private but the packet came from ${srcHost}`,
          id,
        );
    }
    return sdp;
  }

  /** Compares an answer with its offer; true when it reported media-unreachable. */
  #offerAnswer(id: number, offer: Offer, answer: SdpFacts, g: CallGroup | null): boolean {
    const ans = answer.voice;
    if (offer.codecs.length > 0 && answer.hasLiveAudio) {
      if (!ans.some((c) => offer.codecs.includes(c))) {
        this.#diag(
          'sdp-no-common-codec',
          `answer codecs [${ans.join(', ')}] share none with the offer [${offer.codecs.join(', ')}]`,
          id,
        );
      }
    }
    const aAddr = answer.liveAudioAddress;
    const oAddr = offer.address;
    void g;
    // (both sides gather ICE candidates: the c= addresses are the default candidates only, and the
    // connectivity checks find the pair that works, RFC 8445 §2, RFC 8839 §5.1)
    if (aAddr && oAddr && !answer.hold && !(offer.ice && answer.ice)) {
      const priv = isPrivateAddress(aAddr) ? aAddr : isPrivateAddress(oAddr) ? oAddr : null;
      const pub = isPublicAddress(aAddr) ? aAddr : isPublicAddress(oAddr) ? oAddr : null;
      if (priv && pub) {
        this.#diag(
          'media-unreachable',
          `one side's media is on private ${priv}, the other on public ${pub}: one-way audio risk`,
          id,
        );
        return true;
      }
    }
    return false;
  }

  /**
   * A response reported media-unreachable (`#mediaReported`) whose later copy — the same response
   * (CSeq, status, To tag) further along its path, here response `id` in transaction `t` — carries
   * another media address that the offer can reach: an element on the way rewrote the answer's SDP (a
   * NAT's ALG putting its public address in, a media relay putting its own: it anchors the media and
   * learns the inside address from the packets it receives, symmetric RTP, RFC 4961). The offerer gets
   * the rewritten answer, so the report on the inside copy is withdrawn (nat-alg, nat-media-relay).
   */
  #mediaFixedDownstream(id: number, g: CallGroup, t: number, status: number, sdp: SdpFacts): void {
    const list = this.#mediaReported.get(g.idx);
    const a2 = sdp.liveAudioAddress;
    if (!list || !a2 || sdp.hold) return;
    const cseq = this.tx.cseq[t]!;
    const toTag = this.trace.toTagHash(id);
    for (let k = list.length - 1; k >= 0; k--) {
      const r = list[k]!;
      if (r.id === id || r.cseq !== cseq || r.status !== status || r.toTag !== toTag || r.answer === a2)
        continue;
      const priv = isPrivateAddress(a2) || isPrivateAddress(r.offer);
      const pub = isPublicAddress(a2) || isPublicAddress(r.offer);
      if (priv && pub) continue;
      list.splice(k, 1);
      if (list.length === 0) this.#mediaReported.delete(g.idx);
      this.#undiag('media-unreachable', r.id);
    }
  }

  /** Withdraws diagnostic `code` of message `id` (raised by `#diag`). */
  #undiag(code: string, id: number): void {
    const D = this.#diags;
    for (let k = D.length - 1; k >= 0; k--) {
      if (D[k]!.code !== code || D[k]!.messageId !== id) continue;
      D.splice(k, 1);
      const gi = this.#grpCol[id]!;
      if (gi >= 0) this.groups[gi]!.diags--;
      const list = this.#msgDiags.get(id);
      if (list) {
        const rest = list.filter((c) => c !== code);
        if (rest.length > 0) this.#msgDiags.set(id, rest);
        else this.#msgDiags.delete(id);
      }
      return;
    }
  }

  // ---------------------------------------------------------------- calls (union-find)

  #root(gi: number): number {
    let r = gi;
    while (this.groups[r]!.parent !== r) r = this.groups[r]!.parent;
    // path compression
    let x = gi;
    while (this.groups[x]!.parent !== r) {
      const p = this.groups[x]!.parent;
      this.groups[x]!.parent = r;
      x = p;
    }
    return r;
  }

  /** Joins two Call-ID groups into one call (the earlier group stays the root). */
  #link(link: CallLink): void {
    // A pair the user split is never linked again, whatever rule finds it (a live trace grows); the
    // link is kept for `unedit`.
    if (this.#splitPairs.size > 0 && this.#splitPairs.has(legPair(link.a, link.b))) {
      this.#keepSplitLinks(legPair(link.a, link.b), [link]);
      return;
    }
    const a = this.groupOf(link.a);
    const b = this.groupOf(link.b);
    if (a < 0 || b < 0) return;
    const gb = this.groups[b]!;
    (gb.links ??= []).push(link);
    this.#forgetSummaries([this.#root(a), this.#root(b)]);
    this.#union(a, b);
  }

  #grouping = 0;

  /**
   * Changes each time legs join into a call or a call comes apart (a rule's link, the user's join,
   * split or unedit): what is cached per call grouping (the media analysis' calls) keys on it.
   */
  get grouping(): number {
    return this.#grouping;
  }

  /** Puts groups `a` and `b` in one call (the earlier root stays the root). */
  #union(a: number, b: number): void {
    const ra = this.#root(a);
    const rb = this.#root(b);
    if (ra === rb) return;
    this.#grouping++;
    const [root, child] = ra < rb ? [ra, rb] : [rb, ra];
    this.groups[child]!.parent = root;
    let m = this.#members.get(root);
    if (!m) this.#members.set(root, (m = [root]));
    for (const x of this.#members.get(child) ?? [child]) m.push(x);
    this.#members.delete(child);
  }

  /**
   * Joins two calls by hand (the UI's "join"; a link with reason `manual`), and forgets a split of
   * that pair. Returns false when a Call-ID is unknown or both are in one call already.
   */
  join(callIdA: string, callIdB: string): boolean {
    const a = this.groupOf(callIdA);
    const b = this.groupOf(callIdB);
    if (a < 0 || b < 0 || this.#root(a) === this.#root(b)) return false;
    const [first, second] = a < b ? [callIdA, callIdB] : [callIdB, callIdA];
    this.#splitPairs.delete(legPair(first, second));
    this.#link({ a: first, b: second, reason: 'manual', confidence: 1, detail: 'joined by the user' });
    return true;
  }

  /** Call-ID pairs the user split (`legPair`): `#link` makes no link between them again. */
  readonly #splitPairs = new Set<string>();

  /**
   * Splits the link between two legs by hand (the UI's "split"): every link between Call-IDs `callIdA`
   * and `callIdB` goes, whatever its reason, and none is made again as the trace grows; the call
   * becomes two calls unless other links still hold the legs together. A Call-ID not seen yet is
   * split all the same (a live trace, or the CLI before the analysis): its leg will not be linked
   * to the other. Returns true when a link went.
   */
  split(callIdA: string, callIdB: string): boolean {
    if (callIdA === callIdB) return false;
    const pair = legPair(callIdA, callIdB);
    this.#splitPairs.add(pair);
    const removed = this.#unlink(callIdA, callIdB, () => true);
    // (the analysis' own links, for `unedit`; a manual link is the user's and goes for good)
    this.#keepSplitLinks(
      pair,
      removed.filter((l) => l.reason !== 'manual'),
    );
    return removed.length > 0;
  }

  /** Links of pairs the user split (by `legPair`): those a split removed and those it kept from being made. */
  readonly #splitLinks = new Map<string, CallLink[]>();

  #keepSplitLinks(pair: string, links: readonly CallLink[]): void {
    if (!links.length) return;
    const kept = this.#splitLinks.get(pair);
    if (kept) kept.push(...links);
    else this.#splitLinks.set(pair, [...links]);
  }

  /**
   * Takes back the user's edit of two legs, a join or a split: the pair has the links the analysis
   * made again (the manual link goes, the links a split removed or kept from being made come back)
   * and the rules may link it as the trace grows. Returns true when a link went or came back.
   */
  unedit(callIdA: string, callIdB: string): boolean {
    if (callIdA === callIdB) return false;
    const pair = legPair(callIdA, callIdB);
    this.#splitPairs.delete(pair);
    const back = this.#splitLinks.get(pair) ?? [];
    this.#splitLinks.delete(pair);
    const changed = this.#unlink(callIdA, callIdB, (l) => l.reason === 'manual').length > 0;
    const linked = this.groupOf(callIdA) >= 0 && this.groupOf(callIdB) >= 0;
    for (const l of back) this.#link(l);
    return changed || (linked && back.length > 0);
  }

  /**
   * Removes the links between Call-IDs `callIdA` and `callIdB` that `which` picks and, when one went,
   * rebuilds their call's union-find from the links left. Returns the links removed.
   */
  #unlink(callIdA: string, callIdB: string, which: (l: CallLink) => boolean): CallLink[] {
    const pair = legPair(callIdA, callIdB);
    const a = this.groupOf(callIdA);
    const b = this.groupOf(callIdB);
    const removed: CallLink[] = [];
    if (a < 0 || b < 0) return removed;
    for (const gi of [a, b]) {
      const g = this.groups[gi]!;
      if (!g.links) continue;
      const kept = g.links.filter((l) => legPair(l.a, l.b) !== pair || !which(l));
      if (kept.length === g.links.length) continue;
      for (const l of g.links) if (!kept.includes(l)) removed.push(l);
      g.links = kept.length ? kept : null;
    }
    if (!removed.length) return removed;
    // The call's groups start over as calls of their own, then the links left join them again.
    this.#grouping++;
    const root = this.#root(a);
    const members = this.members(root);
    this.#forgetSummaries(members);
    this.#members.delete(root);
    for (const gi of members) this.groups[gi]!.parent = gi;
    for (const gi of members)
      for (const l of this.groups[gi]!.links ?? []) this.#union(this.groupOf(l.a), this.groupOf(l.b));
    return removed;
  }

  /**
   * A bit per `cidBit` hash of each group's Call-ID (at least 8 bits per group: the table doubles,
   * filled again from the groups, as they grow).
   */
  #cidFilter = new Int32Array(64);
  #cidFiltered = 0;

  #cidFilterAdd(cid: string): void {
    if (++this.#cidFiltered * 8 > this.#cidFilter.length * 32) {
      this.#cidFilter = new Int32Array(this.#cidFilter.length * 2);
      for (const g of this.groups) if (g.callId !== '' && g.callId !== cid) this.#cidBitSet(g.callId);
    }
    this.#cidBitSet(cid);
  }

  #cidBitSet(cid: string): void {
    const f = this.#cidFilter;
    const b = cidBit(cid, cid.length, f.length * 32);
    f[b >>> 5]! |= 1 << (b & 31);
  }

  /**
   * False when no group's Call-ID is `text[0,n)` (then `groupOf(text, n)` is -1): a filter over the
   * groups' Call-IDs asked before the lookup, which at scale is a cache miss in the trace's Call-ID table.
   */
  mayBeCallId(text: string, n: number): boolean {
    const f = this.#cidFilter;
    const b = cidBit(text, n, f.length * 32);
    return (f[b >>> 5]! & (1 << (b & 31))) !== 0;
  }

  /** Group index of a Call-ID (or -1). */
  groupOf(callId: string, length = callId.length): number {
    const ck = this.trace.callIdKeyOf(callId, length);
    if (ck > 0) return ck < this.#grpOfKey.length ? this.#grpOfKey[ck]! - 1 : -1;
    if (this.#grpByCid.size === 0) return -1;
    return this.#grpByCid.get(length === callId.length ? callId : callId.slice(0, length)) ?? -1;
  }

  /** Root group of a message's call, or -1. */
  rootOfMessage(id: number): number {
    const gi = this.#grpCol[id] ?? -1;
    return gi >= 0 ? this.#root(gi) : -1;
  }

  /** Resolves a call reference: `C3`, or any Call-ID of the call. Returns the root group or -1. */
  resolveCall(ref: string): number {
    const m = /^C(\d+)$/.exec(ref);
    if (m) {
      const gi = Number(m[1]) - 1;
      if (gi >= 0 && gi < this.groups.length) return this.#root(gi);
    }
    const gi = this.groupOf(ref);
    return gi < 0 ? -1 : this.#root(gi);
  }

  /** Roots of all calls, in order of first message. */
  callRoots(): number[] {
    const out: number[] = [];
    for (const g of this.groups) if (g.parent === g.idx) out.push(g.idx);
    return out;
  }

  /** Member groups of a root. */
  members(root: number): number[] {
    return this.#members.get(root) ?? [root];
  }

  /** Message ids of a call (all its legs), in trace order. Cost: the call's size, not the trace's. */
  callMessageIds(root: number): number[] {
    const ms = this.members(root);
    if (ms.length === 1) return this.groupIds(ms[0]!);
    const out: number[] = [];
    for (const gi of ms)
      for (let id = this.groups[gi]!.firstId; id >= 0; id = this.#nextId[id]!) out.push(id);
    return out.sort((a, b) => a - b);
  }

  /** Message ids of Call-ID group `gi`, in trace order. */
  groupIds(gi: number): number[] {
    const g = this.groups[gi]!;
    const out = new Array<number>(g.count);
    let k = 0;
    for (let id = g.firstId; id >= 0; id = this.#nextId[id]!) out[k++] = id;
    return out;
  }

  /** Transactions of Call-ID group `gi`, in the order they were made. */
  groupTxns(gi: number): number[] {
    const out: number[] = [];
    for (let x = this.groups[gi]!.txnHead; x >= 0; x = this.tx.next[x]!) out.push(x);
    return out;
  }

  /** Dialogs of Call-ID group `gi` (indexes), in the order they were made. */
  groupDialogs(gi: number): number[] {
    const out: number[] = [];
    for (let d = this.groups[gi]!.dlgHead; d >= 0; d = this.dialogList[d]!.next) out.push(d);
    return out;
  }

  // ---------------------------------------------------------------- per message

  /** Client of transaction `t` (request source; the response destination when the request was not seen). */
  clientOf(t: number): string {
    const r = this.tx.requestId[t]!;
    return r >= 0 ? this.trace.src(r) : this.trace.dst(this.tx.firstId[t]!);
  }
  /** Server of transaction `t` (request destination). */
  serverOf(t: number): string {
    const r = this.tx.requestId[t]!;
    return r >= 0 ? this.trace.dst(r) : this.trace.src(this.tx.firstId[t]!);
  }

  transactionOf(id: number): number {
    return this.#txnCol[id] ?? -1;
  }
  dialogOf(id: number): number {
    const d = this.#dlgCol[id] ?? -1;
    if (d >= 0) return d;
    const t = this.#txnCol[id] ?? -1;
    return t >= 0 ? this.tx.dialog[t]! : -1;
  }
  retransmission(id: number): Retransmission | null {
    return this.#retrans.get(id) ?? null;
  }
  /** How many messages are retransmissions (of a request or a response, same capture point). */
  get retransmissionCount(): number {
    return this.#retrans.size;
  }
  /** Codes of the diagnostics on message `id` (incremental and time-dependent ones). */
  messageDiagnostics(id: number): string[] {
    const a = this.#msgDiags.get(id);
    const b = this.#lazyCodes(id);
    if (!b) return a ? a.slice() : [];
    return [...(a ?? []), ...b.filter((c) => !a?.includes(c))];
  }

  messageFields(id: number): MessageAnalysisFields {
    const t = this.transactionOf(id);
    const d = this.dialogOf(id);
    const r = this.rootOfMessage(id);
    return {
      transaction: t >= 0 ? transactionId(t) : null,
      dialog: d >= 0 ? dialogId(d) : null,
      call: r >= 0 ? callIdOf(r) : null,
      retransmission: this.#retrans.has(id),
      diagnostics: this.messageDiagnostics(id),
    };
  }

  // ---------------------------------------------------------------- time-dependent rules

  /** Evaluates Timer B/F, 2xx-never-ACKed and PDD rules against the trace's last time (cached per count). */
  #evalLazy(): void {
    const n = this.trace.count;
    if (this.#lazyAt === n) return;
    this.#lazyAt = n;
    const out: AnalysisDiagnostic[] = [];
    this.#lazy = out;
    if (this.#clock.broken) return;
    const add = (code: string, message: string, id: number, t: number): void => {
      const gi = this.#grpCol[id]!;
      out.push(
        analysisDiagnostic(code, message, {
          messageId: id,
          frame: this.trace.frame(id),
          ...(gi >= 0 ? { call: callIdOf(this.#root(gi)) } : {}),
          ...(t >= 0 ? { transaction: transactionId(t) } : {}),
        }),
      );
    };
    txnTimerRules(
      this.tx,
      (id) => this.#nowAfter(id),
      (id) => this.trace.timeUs(id),
      (t) => this.serverOf(t),
      add,
    );
    for (const [y, a] of this.#unrelayed) {
      const now = this.#nowAfter(a);
      if (this.#ackNotRelayed(a, y, now))
        add('ack-not-relayed', this.#ackNotRelayedText(a, y, now), a, this.#txnCol[a] ?? -1);
    }
    for (const g of this.groups) {
      const pdd = this.#pdd(g);
      if (pdd > PDD_LONG_US)
        add('pdd-long', `post-dial delay ${secs(pdd).toFixed(1)} s`, g.firstRequestId, -1);
    }
  }

  /** The capture's clock as the time rules read it (see `CaptureClock`). */
  readonly #clock: CaptureClock;

  /** "Now" for a time rule measured from message `id`: the trace's last time unless the clock goes back. */
  #nowAfter(id: number): number {
    return this.#clock.nowAfter(id, this.#lastUs);
  }

  /** The state of Call-ID group `gi` now (its facts against the capture's time after its first message). */
  groupState(gi: number): CallState {
    return classifyCall(this.callFacts(gi), this.#nowAfter(this.groups[gi]!.firstId));
  }

  /**
   * Codes of the time-dependent diagnostics on message `id` (the rules of `#evalLazy`, evaluated for
   * this message alone: its transaction and, for a call's first INVITE, the call), or null.
   */
  #lazyCodes(id: number): string[] | null {
    if (this.#clock.broken) return null;
    const now = this.#nowAfter(id);
    let out: string[] | null = null;
    const t = this.#txnCol[id] ?? -1;
    if (t >= 0) {
      const X = this.tx;
      if (X.requestId[t] === id && X.finalStatus[t] === 0 && now - X.startUs[t]! > TIMER_64T1_US) {
        if (X.kind[t] === TK_INVITE) {
          if (X.state(t) === TS_CALLING) out = ['invite-no-final-response'];
        } else if (X.kind[t] === TK_NON_INVITE) out = ['non-invite-no-final-response'];
      }
      if (X.okId[t] === id && X.acked[t] === 0 && now - this.trace.timeUs(id) > TIMER_64T1_US)
        (out ??= []).push('ack-missing-2xx');
    }
    if (this.#unrelayed.size > 0)
      for (const [y, a] of this.#unrelayed)
        if (a === id && this.#ackNotRelayed(a, y, now)) (out ??= []).push('ack-not-relayed');
    const gi = this.#grpCol[id] ?? -1;
    if (gi >= 0) {
      const g = this.groups[gi]!;
      if (g.firstRequestId === id && this.#pddLong(g)) (out ??= []).push('pdd-long');
    }
    return out;
  }

  /**
   * The ack-not-relayed rule (RFC 3261 §16.6/§16.7: a proxy forwards the ACK for a 2xx like any
   * request, that ACK being end to end, §13.2.2.4, §17.1.1.3) on the mark of `#unrelayed` for ACK `a`
   * and the element's downstream INVITE transaction `y`: still no copy of the ACK left the element
   * (nor reached `y`'s server) 64·T1 after it arrived — the UAS has given up retransmitting its 2xx
   * by then (§13.3.1.4), so a copy after that would be of no use; a shorter trace says nothing.
   */
  #ackNotRelayed(a: number, y: number, now: number): boolean {
    if (this.tx.acked[y] !== 0 || now - this.trace.timeUs(a) <= TIMER_64T1_US) return false;
    let ok = this.#unrelayedChecked.get(y);
    if (ok === undefined) this.#unrelayedChecked.set(y, (ok = this.#ackRelayCase(a, y)));
    return ok;
  }

  /**
   * What the mark's endpoint comparisons cannot tell, read on the parses (once per mark, when it is
   * first due): the element is a proxy — its copy of the INVITE (`y`'s request) carries one Via more
   * than the INVITE it received (a B2BUA keeping the Call-ID starts its own Via stack) — and not the
   * ACK's final destination (its Request-URI, the dialog's remote target, is not the element).
   */
  #ackRelayCase(a: number, y: number): boolean {
    const X = this.tx;
    const out = X.requestId[y]!;
    if (out < 0) return false;
    const T = this.trace;
    const ack = T.message(a);
    const ruri = ack.requestUri ? parseUri(ack.requestUri).value : null;
    if (ruri && isSipUri(ruri)) {
      const at = T.addresses[T.dstAddress(a)] ?? '?';
      const port = ruri.port ?? (ruri.scheme === 'sips' ? 5061 : 5060);
      if (bareHost(ruri.host) === bareHost(at) && port === T.dstPort(a)) return false;
    }
    const vias = T.message(out).viaCount;
    const gi = X.group[y]!;
    if (gi < 0) return false;
    for (let x = this.groups[gi]!.txnHead; x >= 0; x = X.next[x]!) {
      const r = X.requestId[x]!;
      if (X.kind[x] === TK_INVITE && X.cseq[x] === X.cseq[y] && r >= 0 && this.#epEq(r, DST, a, DST))
        if (T.message(r).viaCount + 1 === vias) return true;
    }
    return false;
  }

  /** The ack-not-relayed diagnostic's text for a mark (`#ackNotRelayed`). */
  #ackNotRelayedText(a: number, y: number, now: number): string {
    const at = this.trace.dst(a);
    return `ACK (CSeq ${this.tx.cseq[y]}) for the 2xx from ${this.serverOf(y)} reached ${at}, which forwarded the INVITE there and relayed that 2xx, but no copy of the ACK left ${at} (${secs(now - this.trace.timeUs(a)).toFixed(1)} s of the trace after it): ${this.serverOf(y)} never got it`;
  }

  /** The pdd-long rule for a group (a root call whose first 18x, or answer, came after PDD_LONG_US). */
  #pddLong(g: CallGroup): boolean {
    return this.#pdd(g) > PDD_LONG_US;
  }

  /** A root call's post-dial delay for pdd-long (INVITE to first 18x, else to its answer), µs; -1: none. */
  #pdd(g: CallGroup): number {
    if (g.type !== 'call' || g.inviteId < 0 || g.parent !== g.idx) return -1;
    const first = g.ringId >= 0 ? g.ringId : g.finalStatus > 0 && g.answerId >= 0 ? g.answerId : -1;
    return first >= 0 ? this.trace.timeUs(first) - this.trace.timeUs(g.inviteId) : -1;
  }

  /** Time of message `id` (µs), or -1 for -1. */
  #usOf(id: number): number {
    return id >= 0 ? this.trace.timeUs(id) : -1;
  }

  /** The facts `classifyCall` reads, for Call-ID group `gi`. */
  callFacts(gi: number): CallFacts {
    const g = this.groups[gi]!;
    return {
      type: g.type,
      finalStatus: g.finalStatus,
      cancelled: g.cancelled,
      firstUs: this.trace.timeUs(g.firstId),
      inviteUs: this.#usOf(g.inviteId),
      ringUs: this.#usOf(g.ringId),
      trying: g.trying,
      // (answered before the capture began: from the request that says so, `preAnswerId`)
      answerUs: this.#usOf(g.answerId >= 0 ? g.answerId : g.preAnswerId),
      byeUs: this.#usOf(g.byeId),
    };
  }

  /** The group's last time and its call's end (the first BYE's 2xx), µs (-1: none). */
  groupTimes(gi: number): { lastUs: number; endUs: number } {
    const g = this.groups[gi]!;
    return { lastUs: this.trace.timeUs(g.latestId), endUs: this.#usOf(g.endId) };
  }

  /** Number of time-dependent diagnostics in a group's transactions (and, for a root call, pdd-long). */
  #lazyCountOf(g: CallGroup): number {
    if (this.#clock.broken) return 0;
    let n = 0;
    const X = this.tx;
    for (let t = g.txnHead; t >= 0; t = X.next[t]!) {
      const r = X.requestId[t]!;
      if (
        r >= 0 &&
        X.finalStatus[t] === 0 &&
        this.#nowAfter(r) - X.startUs[t]! > TIMER_64T1_US &&
        X.kind[t] !== TK_ACK &&
        (X.kind[t] !== TK_INVITE || X.state(t) === TS_CALLING)
      )
        n++;
      const okId = X.okId[t]!;
      if (okId >= 0 && X.acked[t] === 0 && this.#nowAfter(okId) - this.trace.timeUs(okId) > TIMER_64T1_US)
        n++;
      if (this.#unrelayed.size > 0) {
        const a = this.#unrelayed.get(t);
        if (a !== undefined && this.#ackNotRelayed(a, t, this.#nowAfter(a))) n++;
      }
    }
    if (this.#pddLong(g)) n++;
    return n;
  }

  /** The call of a diagnostic now (legs may have been joined since it was raised). */
  #callOfDiag(d: AnalysisDiagnostic): string | undefined {
    if (d.messageId === undefined) return d.call;
    const r = this.rootOfMessage(d.messageId);
    return r >= 0 ? callIdOf(r) : undefined;
  }

  /** Number of diagnostics of a call: per-group counts plus the time-dependent rules over its transactions. */
  #diagCountOf(root: number): number {
    let n = 0;
    for (const gi of this.members(root)) {
      const g = this.groups[gi]!;
      n += g.diags + this.#lazyCountOf(g);
    }
    return n;
  }

  diagnostics(): AnalysisDiagnostic[] {
    this.#evalLazy();
    return [...this.#diags, ...this.#lazy]
      .map((d) => {
        const c = this.#callOfDiag(d);
        return c === d.call ? d : { ...d, ...(c ? { call: c } : {}) };
      })
      .sort((a, b) => (a.messageId ?? 0) - (b.messageId ?? 0));
  }

  // ---------------------------------------------------------------- JSON views

  #txnMessages(t: number): number[] {
    const X = this.tx;
    const gi = X.group[t]!;
    if (gi < 0) return X.requestId[t]! >= 0 ? [X.requestId[t]!] : [X.firstId[t]!];
    const out: number[] = [];
    for (let id = this.groups[gi]!.firstId; id >= 0; id = this.#nextId[id]!)
      if (this.#txnCol[id] === t) out.push(id);
    return out;
  }

  /** Transaction `t` (index) as the trace JSON shows it. */
  transactionJson(t: number): TransactionJson {
    const X = this.tx;
    const st = X.states(t);
    const states: { state: string; time: number }[] = [];
    for (let i = 0; i < st.length; i += 2)
      states.push({ state: TRANSACTION_STATES[st[i]!]!, time: secs(st[i + 1]!) });
    const gi = X.group[t]!;
    const requestId = X.requestId[t]!;
    const dialog = X.dialog[t]!;
    return {
      id: transactionId(t),
      kind: TRANSACTION_KINDS[X.kind[t]!]!,
      method: X.method[t]!,
      callId: gi >= 0 ? this.groups[gi]!.callId : '',
      cseq: X.cseq[t]!,
      branch: this.trace.message(requestId >= 0 ? requestId : X.firstId[t]!).branch,
      rfc2543: X.rfc2543[t] === 1,
      client: this.clientOf(t),
      server: this.serverOf(t),
      start: secs(X.startUs[t]!),
      end: secs(X.lastUs[t]!),
      duration: secs(X.lastUs[t]! - X.startUs[t]!),
      state: TRANSACTION_STATES[X.state(t)]!,
      states,
      finalStatus: X.finalStatus[t] || null,
      requests: X.requests[t]!,
      responses: X.responses[t]!,
      retransmissions: X.retransmissions[t]!,
      dialog: dialog >= 0 ? dialogId(dialog) : null,
      call: gi >= 0 ? callIdOf(this.#root(gi)) : null,
      messages: this.#txnMessages(t),
    };
  }

  transactions(): TransactionJson[] {
    const out: TransactionJson[] = [];
    for (let t = 0; t < this.tx.n; t++) out.push(this.transactionJson(t));
    return out;
  }

  dialogJson(d: Dialog): DialogJson {
    const states: { state: string; time: number }[] = [];
    for (let i = 0; i < d.states.length; i += 2)
      states.push({ state: DIALOG_STATES[d.states[i]!]!, time: secs(d.states[i + 1]!) });
    let callerRs: string[] = [];
    let calleeRs: string[] = [];
    let callerTarget: string | null = null;
    let calleeTarget: string | null = null;
    if (d.responseId >= 0) {
      const resp = this.trace.message(d.responseId);
      const rr = resp.values('record-route');
      calleeRs = rr; // §12.1.1: the UAS's route set is the Record-Route in order
      callerRs = [...rr].reverse(); // §12.1.2: the UAC's is reversed
      callerTarget = resp.header('contact');
    }
    if (d.requestId >= 0) calleeTarget = this.trace.message(d.requestId).header('contact');
    // The tags are those of the creating response (or, for a dialog seen only from the middle, request).
    const tagMsg = this.trace.message(d.responseId >= 0 ? d.responseId : d.requestId);
    const g = this.groups[d.group]!;
    const ids: number[] = [];
    for (let id = g.firstId; id >= 0; id = this.#nextId[id]!)
      if (this.#dlgCol[id] === d.idx || (this.#dlgCol[id] === -1 && this.#txnCol[id] === d.txn)) ids.push(id);
    return {
      id: dialogId(d.idx),
      callId: d.callId,
      callerTag: tagMsg.fromTag ?? '',
      calleeTag: tagMsg.toTag ?? '',
      method: d.method,
      state: d.state,
      states,
      start: secs(dialogStartUs(d)),
      end: dialogEndUs(d) >= 0 ? secs(dialogEndUs(d)) : null,
      caller: d.requestId >= 0 ? this.trace.src(d.requestId) : null,
      callee: d.requestId >= 0 ? this.trace.dst(d.requestId) : null,
      routeSet: { caller: callerRs, callee: calleeRs },
      remoteTarget: { caller: callerTarget, callee: calleeTarget },
      strictRouting: d.strict,
      partial: d.partial,
      requests: d.requests,
      transaction: transactionId(d.txn),
      call: callIdOf(this.#root(d.group)),
      messages: ids,
    };
  }

  dialogs(): DialogJson[] {
    return this.dialogList.map((d) => this.dialogJson(d));
  }

  #summaries: { n: number; map: Map<number, CallSummary> } = { n: -1, map: new Map() };

  /** Forgets the cached summaries of calls `roots` (legs joined or split: the other calls keep theirs). */
  #forgetSummaries(roots: readonly number[]): void {
    for (const r of roots) this.#summaries.map.delete(r);
  }

  /** Summary of one call (root group index); cached until the trace grows or its legs change. */
  callSummary(root: number): CallSummary {
    if (this.#summaries.n !== this.trace.count) this.#summaries = { n: this.trace.count, map: new Map() };
    let s = this.#summaries.map.get(root);
    if (!s) {
      s = this.#buildSummary(root);
      this.#summaries.map.set(root, s);
    }
    return s;
  }

  #buildSummary(root: number): CallSummary {
    const g = this.groups[root]!;
    const members = this.members(root);
    // (a call whose start the capture missed, seen by responses only: theirs are its INVITE's From and To)
    const partiesId = g.firstRequestId >= 0 ? g.firstRequestId : g.type === 'call' ? g.firstId : -1;
    const { from, to, fromUser, toUser } = callParties(partiesId >= 0 ? this.trace.message(partiesId) : null);
    const T = this.trace;
    let start = T.timeUs(g.firstId);
    let end = T.timeUs(g.latestId);
    let messages = 0;
    const links: CallLink[] = [];
    const dialogs: string[] = [];
    const media: string[] = [];
    let hold = false;
    for (const gi of members) {
      const x = this.groups[gi]!;
      if (T.timeUs(x.firstId) < start) start = T.timeUs(x.firstId);
      if (T.timeUs(x.latestId) > end) end = T.timeUs(x.latestId);
      messages += x.count;
      if (x.links) links.push(...x.links);
      for (let di = x.dlgHead; di >= 0; di = this.dialogList[di]!.next) dialogs.push(dialogId(di));
      for (const e of x.media) if (!media.includes(e)) media.push(e);
      hold ||= x.hold;
    }
    const cid = callIdOf(root);
    const diagCount = this.#diagCountOf(root);
    const f = this.callFacts(root);
    const answerEnd = g.endId >= 0 ? T.timeUs(g.endId) : f.byeUs >= 0 ? f.byeUs : T.timeUs(g.latestId);
    return {
      id: cid,
      callIds: members.map((gi) => this.groups[gi]!.callId),
      type: g.type,
      state: this.groupState(root),
      from,
      to,
      fromUser,
      toUser,
      finalStatus: g.finalStatus || null,
      start: secs(start),
      end: secs(end),
      pdd: f.inviteUs >= 0 && f.ringUs >= 0 ? secs(f.ringUs - f.inviteUs) : null,
      setupTime: f.inviteUs >= 0 && f.answerUs >= 0 ? secs(f.answerUs - f.inviteUs) : null,
      duration: f.answerUs >= 0 ? secs(answerEnd - f.answerUs) : null,
      durationOpen: f.answerUs >= 0 && g.endId < 0 && f.byeUs < 0,
      startOpen: g.answerId < 0 && g.preAnswerId >= 0,
      codecs: { offer: g.offerCodecs ?? [], answer: g.answerCodecs ?? [] },
      media,
      messages,
      dialogs,
      links,
      hold,
      diagnostics: diagCount,
    };
  }

  calls(): CallSummary[] {
    return this.callRoots().map((r) => this.callSummary(r));
  }

  /** Totals: messages, transactions, dialogs, calls, retransmissions. */
  totals(): {
    messages: number;
    transactions: number;
    dialogs: number;
    calls: number;
    retransmissions: number;
  } {
    return {
      messages: this.trace.count,
      transactions: this.tx.n,
      dialogs: this.dialogList.length,
      calls: this.callRoots().length,
      retransmissions: this.#retrans.size,
    };
  }

  /** Counts by state/code for `analyze --format summary`: transactions, dialogs, calls (INVITE calls by state), callTypes, diagnostics. */
  summary(): Record<string, Record<string, number>> {
    const count = (o: Record<string, number>, k: string): void => {
      o[k] = (o[k] ?? 0) + 1;
    };
    const transactions: Record<string, number> = {};
    for (let t = 0; t < this.tx.n; t++) count(transactions, TRANSACTION_STATES[this.tx.state(t)]!);
    const dialogs: Record<string, number> = {};
    for (const d of this.dialogList) count(dialogs, d.state);
    const calls: Record<string, number> = {};
    const callTypes: Record<string, number> = {};
    for (const r of this.callRoots()) {
      const g = this.groups[r]!;
      count(callTypes, g.type);
      if (g.type === 'call') count(calls, this.groupState(r));
    }
    const diagnostics: Record<string, number> = {};
    for (const d of this.diagnostics()) count(diagnostics, d.code);
    return {
      transactions,
      dialogs,
      calls,
      callTypes,
      diagnostics,
    };
  }

  /** Approximate bytes held by the analysis (columns, records, maps). */
  memoryBytes(): number {
    let b = this.#txnCol.byteLength * 4;
    b += this.tx.bytes + this.#txnByKey.bytes;
    b += this.dialogList.length * 300 + this.#dlgByKey.bytes + this.#rs.byteLength;
    b +=
      (this.#unrelayed.size + this.#unrelayedChecked.size + this.#dups.size + this.#mediaReported.size) * 40;
    // The Call-ID string is the trace's (shared), not counted here.
    for (const g of this.groups) b += 450 + g.media.length * 48;
    b += this.#retrans.size * 80 + this.#msgDiags.size * 80 + this.#diags.length * 300;
    return b;
  }
}

/** Attaches an analyzer to a trace (analyzes what it holds and follows appends). */
export function analyzeTrace(trace: Trace): TraceAnalyzer {
  return TraceAnalyzer.attach(trace);
}

/**
 * A listener to pass as an ingest's `onAppend`: creates the analyzer on the first message, sets
 * `trace.analysis`, and indexes each message. The trace registers it by its bytes form, so the ingest
 * need not parse for it (the analysis reads what it needs from the bytes, message-view.ts); called as an
 * AppendListener it takes the parse it is given.
 */
export function analysisOnAppend(): DualAppendListener {
  let a: TraceAnalyzer | null = null;
  const of = (trace: Trace): TraceAnalyzer => {
    if (a === null || a.trace !== trace) {
      a = new TraceAnalyzer(trace);
      trace.analysis = a;
    }
    return a;
  };
  const listener = (id: number, msg: SipMessage, trace: Trace): void => of(trace).onMessage(id, msg);
  const bytes: BytesAppendListener = (id, buf, start, end, trace, msg) =>
    of(trace).onBytes(id, buf, start, end, msg ?? null);
  return Object.assign(listener, { bytes });
}

/** The realm of a challenge or credentials value (the header decoders' auth-params), lower-cased. */
function realmOf(name: string, value: string): string | undefined {
  const v = decodeHeader(name, value)?.value as AuthValue | null | undefined;
  return v ? authParam(v, 'realm')?.toLowerCase() : undefined;
}

/**
 * True when the 401/407 `resp` challenges a realm one of `creds` (the request's Authorization or
 * Proxy-Authorization values) answered, or when a realm cannot be read from either side.
 */
function challengesAnsweredRealm(resp: SipMessage, status: number, creds: readonly string[]): boolean {
  const [challenge, credential] =
    status === 401 ? ['www-authenticate', 'authorization'] : ['proxy-authenticate', 'proxy-authorization'];
  const challenges = resp.headerAll(challenge);
  const answered = new Set<string>();
  for (const c of creds) {
    const r = realmOf(credential, c);
    if (r === undefined) return true;
    answered.add(r);
  }
  if (!challenges.length) return true;
  for (const c of challenges) {
    const r = realmOf(challenge, c);
    if (r === undefined || answered.has(r)) return true;
  }
  return false;
}
