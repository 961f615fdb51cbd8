/**
 * Tier 1 of the tiered analysis: what the trace's columns alone decide, O(1) numeric work per message
 * as it is appended (no parse, no string, no object per message, transaction, dialog or call).
 * Transactions (RFC 3261 §17.1.3 / §17.2.3 matching by top-Via branch + sent-by + method, the ACK and
 * CANCEL rules, the RFC 2543 fallback), retransmissions, dialogs (Call-ID + tags, §12), Call-ID groups
 * with their state, final code, PDD, setup time and duration, and the diagnostics these tables decide.
 * @remarks It reads the analysis key columns the ingest fills (`Trace.cseqNumber/branchHash/
 * sentByHash/fromTagHash/toTagHash/keyFlags`, from the key-field scanner's SCAN_KEYS mode): CSeq and
 * 32-bit hashes of the branch, sent-by and tags. Its results are those of the full analyzer
 * (`TraceAnalyzer`, tier 2) for everything it produces (test/sip-core/analysis/tier1.test.ts compares
 * them on the fixtures, the public captures and the bench capture). A 32-bit branch hash match across
 * Call-IDs is confirmed on the octets (`#findTxn`). What needs other headers, the SDP or
 * several Call-IDs (NAT, loops, strict routing, auth loops, 2xx without Contact, offer/answer, B2BUA
 * legs) is tier 2: the full analyzer, run per call on demand or in one background pass (tiered.ts).
 */
import { CaptureClock, DUPLICATE_US, secs, TIMER_64T1_US, txnTimerRules } from './timer-rules';
import type { SipMessage } from '../message';
import {
  Trace,
  type BytesAppendListener,
  type DualAppendListener,
  type TraceKeyColumns,
} from '../trace/trace';
import { KF_COOKIE, KF_CSEQ } from '../capture/sip-index';
import {
  callTypeOf,
  classifyCall,
  preAnswered,
  requestMayPredateCapture,
  startsOpenCall,
  type CallFacts,
  type CallState,
  type CallType,
} from './call/call';
import {
  analysisDiagnostic,
  byeRejectedText,
  callStartNotCapturedText,
  type AnalysisDiagnostic,
} from './rules';
import { DIALOG_STATES, dialogId, type DialogState } from './dialog/dialog';
import {
  TF_2XX_RETRANS,
  TF_CONFLICT,
  TF_PROV_AFTER,
  TF_STORM,
  TF_UNMATCHED,
  TK_ACK,
  TK_INVITE,
  TK_NON_INVITE,
  TS_ACCEPTED,
  TS_CALLING,
  TS_COMPLETED,
  TS_CONFIRMED,
  TS_PROCEEDING,
  TS_TERMINATED,
  TS_TRYING,
  transactionId,
} from './transaction/transaction';
import {
  FIRST_WRITE_ROWS,
  firstWrite,
  Tier1KeyTable as KeyTable,
  Tier1TxnTable as TxnTable,
} from './tier1-tables';

const MAX_RETRANS_INVITE = 6;
const MAX_RETRANS_OTHER = 10;
const PDD_LONG_US = 10e6;
/** FNV-1a of no octets: an empty field (`keyHash` of a present, empty span). */
const FNV_EMPTY = 0x811c9dc5;

/** Method classes (by the trace's method key, `#mclass`). */
const M_OTHER = 1;
const M_INVITE = 2;
const M_ACK = 3;
const M_CANCEL = 4;
const M_BYE = 5;
/** SUBSCRIBE and REFER: create dialogs like INVITE (RFC 6665 §4.1.2.4, RFC 3515). */
const M_DLG = 6;

/** Call types in the order of `callTypeOf`'s answers. */
const CALL_TYPES: readonly CallType[] = [
  'call',
  'registration',
  'subscription',
  'options',
  'message',
  'other',
];
const CT_CALL = 0;
const CT_OTHER = CALL_TYPES.indexOf('other');

const DS_EARLY = 0;
const DS_CONFIRMED = 1;
const DS_TERMINATED = 2;

/** Diagnostic codes tier 1 decides (index = stored code). */
export const TIER1_CODES = [
  'cancel-unmatched',
  'cancel-after-final',
  'bye-outside-dialog',
  'cseq-not-increasing',
  'message-after-dialog-end',
  'unmatched-response',
  'retransmission-storm',
  'invite-2xx-retransmitted',
  'final-response-without-to-tag',
  'provisional-after-final',
  'conflicting-final-response',
  'call-leg-does-not-exist',
  'request-loop',
  'max-forwards-exhausted',
  'offer-rejected',
  'bye-rejected',
  'call-start-not-captured',
] as const;
/** Time-dependent codes tier 1 evaluates when asked (as the full analyzer does). */
export const TIER1_LAZY_CODES = [
  'invite-no-final-response',
  'non-invite-no-final-response',
  'ack-missing-2xx',
  'pdd-long',
] as const;
const D_CANCEL_UNMATCHED = 0;
const D_CANCEL_AFTER_FINAL = 1;
const D_BYE_OUTSIDE = 2;
const D_CSEQ = 3;
const D_AFTER_END = 4;
const D_UNMATCHED = 5;
const D_STORM = 6;
const D_2XX_RETRANS = 7;
const D_NO_TO_TAG = 8;
const D_PROV_AFTER = 9;
const D_CONFLICT = 10;
const D_481 = 11;
const D_482 = 12;
const D_483 = 13;
const D_OFFER_REJECTED = 14;
const D_BYE_REJECTED = 15;
const D_START_NOT_CAPTURED = 16;

/** Messages whose transaction-table slots `#prefetch` touches before they are indexed. */
const PREFETCH = 64;

/** Dialogs of a group compared in its list (`#findDialog`); a group with more is in the key table. */
const DIALOG_LIST_MAX = 8;

/** What `Tier1Analysis.#prefetch` read last (kept, so that its reads are not optimized away). */
let _prefetchSink = 0;

/** Messages indexed together when following a trace (`onAppendedBatched`). */
export const TIER1_BATCH = 512;

/**
 * 52-bit keys (KeyTable's) of up to eight 32-bit words: two multiplicative lanes, a word per step, in
 * locals (the key-table.ts helpers hash strings and 53-bit numbers, four steps per number).
 */
function key(n: number, a: number, b: number, c = 0, d = 0, e = 0, f = 0, g = 0, h = 0): number {
  let x = 0x811c9dc5 | 0;
  let y = 0x5bd1e995 | 0;
  x = Math.imul(x ^ a, 0x01000193);
  y = Math.imul(y ^ a, 0x5bd1e995);
  y ^= y >>> 15;
  x = Math.imul(x ^ b, 0x01000193);
  y = Math.imul(y ^ b, 0x5bd1e995);
  y ^= y >>> 15;
  if (n > 2) {
    x = Math.imul(x ^ c, 0x01000193);
    y = Math.imul(y ^ c, 0x5bd1e995);
    y ^= y >>> 15;
  }
  if (n > 3) {
    x = Math.imul(x ^ d, 0x01000193);
    y = Math.imul(y ^ d, 0x5bd1e995);
    y ^= y >>> 15;
  }
  if (n > 4) {
    x = Math.imul(x ^ e, 0x01000193);
    y = Math.imul(y ^ e, 0x5bd1e995);
    y ^= y >>> 15;
    x = Math.imul(x ^ f, 0x01000193);
    y = Math.imul(y ^ f, 0x5bd1e995);
    y ^= y >>> 15;
    x = Math.imul(x ^ g, 0x01000193);
    y = Math.imul(y ^ g, 0x5bd1e995);
    y ^= y >>> 15;
    x = Math.imul(x ^ h, 0x01000193);
    y = Math.imul(y ^ h, 0x5bd1e995);
    y ^= y >>> 15;
  }
  // the word count too, so that keys of different lengths differ
  x = Math.imul(x ^ n, 0x01000193);
  y = Math.imul(y ^ n, 0x5bd1e995);
  y ^= y >>> 15;
  return (x >>> 0) * 0x100000 + ((y >>> 0) & 0xfffff);
}

type I32 = Int32Array<ArrayBuffer>;
type F64 = Float64Array<ArrayBuffer>;
type U8 = Uint8Array<ArrayBuffer>;

function growI32(a: I32, n: number): I32 {
  if (n <= a.length) return a;
  const b = new Int32Array(Math.max(n, a.length * 2, 512));
  b.set(a);
  return b;
}
function growU32(a: Uint32Array<ArrayBuffer>, n: number): Uint32Array<ArrayBuffer> {
  if (n <= a.length) return a;
  const b = new Uint32Array(Math.max(n, a.length * 2, 512));
  b.set(a);
  return b;
}
function growF64(a: F64, n: number): F64 {
  if (n <= a.length) return a;
  const b = new Float64Array(Math.max(n, a.length * 2, 512));
  b.set(a);
  return b;
}
function growU8(a: U8, n: number): U8 {
  if (n <= a.length) return a;
  const b = new Uint8Array(Math.max(n, a.length * 2, 512));
  b.set(a);
  return b;
}

/**
 * One empty instance of tier 1's classes, alive for the process' lifetime: it keeps their hidden
 * classes (V8 maps) alive. Without it, once no tier-1 analysis is reachable (a capture closed, a
 * benchmark's earlier run), the next full GC collects those maps, and V8 deoptimizes every tier-1
 * function whose optimized code embeds them (`--trace-deopt`: "marking dependent code ... reason:
 * weak objects"): the next tier 1 ran as slowly as a cold first run (2.5-5x: 160-290 vs 45-65 ms on
 * the bench capture right after a forced GC; 48-60 ms with the anchor, same process, load 3).
 */
let shapeAnchor: Tier1Analysis | null = null;
// (The anchor is made once a first analysis has indexed messages, and the fields that hold doubles
// start as doubles (-0): a field that changes representation later (Smi to double) gets a new map,
// which the anchor would not hold; `--trace-generalization` shows none in tier 1's classes.)

/** One transaction as `Tier1Analysis.transaction` reads it (the full analyzer's columns, by name). */
export interface Tier1Transaction {
  kind: number;
  method: string;
  cseq: number;
  group: number;
  requestId: number;
  firstId: number;
  finalStatus: number;
  finalId: number;
  okId: number;
  dialog: number;
  peer: number;
  retransmissions: number;
  reqRetrans: number;
  responses: number;
  requests: number;
  startUs: number;
  lastUs: number;
  finalUs: number;
  reqLastUs: number;
  rfc2543: number;
  acked: number;
  inDialog: number;
  flags: number;
  /** State index and µs, alternating. */
  states: number[];
}

/** One Call-ID group as tier 1 summarises it (the calls list before tier 2). */
export interface Tier1Call {
  /** `C1`...: the same ids as the full analyzer's before legs are joined. */
  id: string;
  callId: string;
  type: CallType;
  state: CallState;
  finalStatus: number | null;
  start: number;
  end: number;
  pdd: number | null;
  setupTime: number | null;
  duration: number | null;
  /** Answered before the capture began: `duration` is a lower bound (as `CallSummary.startOpen`). */
  startOpen: boolean;
  messages: number;
  dialogs: string[];
  /** Diagnostics tier 1 raised in this group (tier 2 adds the rest). */
  diagnostics: number;
}

/**
 * Tier 1: follows a trace (`attach`) and keeps its tables as typed-array columns. Group, transaction
 * and dialog indexes equal the full analyzer's (same numbering: `C`, `T`, `D` ids). It indexes appended
 * messages in batches (`onAppendedBatched`); the methods index what is pending before they answer, the
 * public columns (`tx`, `ng`, `g*`, `nd`, `d*`) are current after `catchUp()` or any method call.
 */
export class Tier1Analysis {
  readonly trace: Trace;
  /** Transactions (the full analyzer's table in fewer columns, see tier1-tables.ts; `transaction` reads one). */
  readonly tx = new TxnTable();
  #txnByKey = new KeyTable(4096);
  #dlgByKey = new KeyTable(1024);

  // ---- per message, each + 1 (0: none; the columns need no fill when sized for a whole file)
  #txnCol = new Int32Array(0) as I32;
  #dlgCol = new Int32Array(0) as I32;
  /** Next message of the same group + 1 (0: the last). (A message's group is its Call-ID's, `#groupOfMsg`.) */
  #nextInGroup = new Int32Array(0) as I32;
  #n = 0;

  // ---- retransmissions (sparse, in order): message, first copy (-1 for responses/ACKs), interval µs
  #rtId = new Int32Array(0) as I32;
  #rtOf = new Int32Array(0) as I32;
  #rtUs = new Float64Array(0) as F64;
  #rtN = 0;
  /** Duplicate frames per transaction, key 2·transaction + 1 for responses (as `TraceAnalyzer`'s). */
  readonly #dups = new Map<number, number>();
  /** Per message: 1 retransmission, 2 has diagnostics. */
  #mflags = new Uint8Array(0) as U8;

  // ---- Call-ID groups (index = the full analyzer's group index)
  #groupOfKey = new Int32Array(0) as I32;
  ng = 0;
  gKey = new Int32Array(0) as I32;
  gType = new Uint8Array(0) as U8;
  gFirstMethod = new Int32Array(0) as I32;
  gOrigin = new Int32Array(0) as I32;
  gFirstRequest = new Int32Array(0) as I32;
  gFirstUs = new Float64Array(0) as F64;
  gLastUs = new Float64Array(0) as F64;
  gInviteUs = new Float64Array(0) as F64;
  gRingUs = new Float64Array(0) as F64;
  /** 1: a provisional response to the first initial INVITE reached the caller (`CallFacts.trying`). */
  gTrying = new Uint8Array(0) as U8;
  gAnswerUs = new Float64Array(0) as F64;
  /** A call whose start the capture missed, answered before it: the request that says so (`CallGroup.preAnswerId`), µs. */
  gPreAnswerUs = new Float64Array(0) as F64;
  gByeUs = new Float64Array(0) as F64;
  gEndUs = new Float64Array(0) as F64;
  gFinal = new Int32Array(0) as I32;
  gCancelled = new Uint8Array(0) as U8;
  gChallenges = new Int32Array(0) as I32;
  gCount = new Int32Array(0) as I32;
  gDiags = new Int32Array(0) as I32;
  #gHead = new Int32Array(0) as I32;
  #gTail = new Int32Array(0) as I32;
  #gTxnHead = new Int32Array(0) as I32;
  #gDlgHead = new Int32Array(0) as I32;
  #gDlgCount = new Int32Array(0) as I32;
  #gTxnCount = new Int32Array(0) as I32;
  /** Next transaction / dialog of the same group (-1: none), newest first. */
  #txnNext = new Int32Array(0) as I32;
  #dlgNext = new Int32Array(0) as I32;
  /** Each dialog's tag hashes, smaller and larger (0, 0: a tag missing). */
  #dTagLo = new Uint32Array(0) as Uint32Array<ArrayBuffer>;
  #dTagHi = new Uint32Array(0) as Uint32Array<ArrayBuffer>;

  // ---- dialogs (index = the full analyzer's dialog index)
  nd = 0;
  dGroup = new Int32Array(0) as I32;
  /** The From tag hash of the creating message (unsigned, as the trace's column). */
  dCallerTag = new Uint32Array(0) as Uint32Array<ArrayBuffer>;
  dMethod = new Int32Array(0) as I32;
  dState = new Uint8Array(0) as U8;
  /** State sequence: count (≤ 3) and codes packed 2 bits each; times in dUs0..2. */
  dStates = new Uint8Array(0) as U8;
  dUs = new Float64Array(0) as F64;
  dTxn = new Int32Array(0) as I32;
  dCseq = new Float64Array(0) as F64;
  dRequest = new Int32Array(0) as I32;
  dResponse = new Int32Array(0) as I32;
  dStartUs = new Float64Array(0) as F64;
  dEndUs = new Float64Array(0) as F64;
  dCallerCseq = new Float64Array(0) as F64;
  dCalleeCseq = new Float64Array(0) as F64;
  dCallerMethod = new Int32Array(0) as I32;
  dCalleeMethod = new Int32Array(0) as I32;
  dByeCseq = new Float64Array(0) as F64;
  dPartial = new Uint8Array(0) as U8;
  dRequests = new Int32Array(0) as I32;
  dCseqFlagged = new Float64Array(0) as F64;

  // ---- diagnostics: code, message, transaction, dialog, two numbers for the text
  #dgCode = new Uint8Array(0) as U8;
  #dgMsg = new Int32Array(0) as I32;
  #dgTxn = new Int32Array(0) as I32;
  #dgDlg = new Int32Array(0) as I32;
  #dgA = new Float64Array(0) as F64;
  #dgB = new Float64Array(0) as F64;
  #dgN = 0;
  /** Per message with diagnostics: its first entry in the diagnostics list. */
  readonly #msgFirst = new Map<number, number>();

  /** Method class by the trace's method key (0: not classified yet). */
  #mclass = new Uint8Array(64) as U8;
  #inviteKey = -1;
  /** Latest message time (µs). -0, not 0: a double from the start (see `shapeAnchor`). */
  #lastUs = -0;
  #unsubscribe: (() => void) | null = null;

  constructor(trace: Trace) {
    this.trace = trace;
    this.#col = trace.keyColumns();
    this.#clock = new CaptureClock(trace);
  }

  /** Indexes the messages already in `trace` and follows new ones. */
  static attach(trace: Trace): Tier1Analysis {
    const a = new Tier1Analysis(trace);
    a.follow();
    return a;
  }

  /**
   * Indexes what the trace holds and follows new messages (once). A tier 1 made with `new` on a
   * growing trace can index it part by part with `catchUp()` first (an ingest worker handing its
   * trace over while it reads, see `openCapture`'s `onRows`) and follow from here.
   */
  follow(): void {
    this.catchUp();
    this.#unsubscribe ??= this.trace.onAppendBytes((id) => this.onAppendedBatched(id));
  }

  /** Stops following the trace. */
  detach(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = null;
  }

  /**
   * Indexes every message of the trace not indexed yet. `expected`: how many messages the trace
   * will hold in all, when it is still growing (a capture read in parts): the tables are sized for
   * them at once, not grown (and their hash tables rehashed) part by part.
   */
  catchUp(expected = 0): void {
    const n = this.trace.count;
    if (n !== this.#colN) {
      this.#col = this.trace.keyColumns();
      this.#colN = n;
    }
    if (n > this.#txnCol.length) {
      const size = Math.max(n, expected);
      this.#room(size);
      const more = size - this.#n;
      this.tx.reserve(more >> 1);
      // (estimates from captures of calls: ~2.2 messages per transaction, 8-13 per Call-ID and dialog)
      this.#growTxnKeys(this.tx.n + (more >> 1));
      this.#growGroups(this.ng + (more >> 3));
      this.#growDialogs(this.nd + (more >> 3));
      // (tables sized for the messages at hand: no rehash while they fill)
      if (this.#txnByKey.size === 0 && size > 8192) this.#txnByKey = new KeyTable(size >> 1);
    }
    for (let id = this.#n; id < n;) {
      const end = Math.min(n, id + PREFETCH);
      this.#prefetch(id, end);
      for (; id < end; id++) this.onAppended(id);
    }
    if (shapeAnchor === null && this.#n > 0) shapeAnchor = new Tier1Analysis(new Trace(null));
  }

  /**
   * Touches the transaction table's slots that requests `from..to-1` will look up (`KeyTable.touch`):
   * at a 2 M-message trace the table is 32 MB, and each lookup of a new request's key (every INVITE,
   * ACK, BYE...) missed the caches on its own. Reads only: the answers are those of the lookups.
   */
  #prefetch(from: number, to: number): void {
    const flags = this.#col.flags;
    const method = this.#col.method;
    const status = this.#col.status;
    const inv = this.#inviteKey;
    const keys = this.#pfKeys;
    const dkeys = this.#pfDialogKeys;
    const gk = this.#groupOfKey;
    let k = 0;
    let dk = 0;
    // the keys first, then their slots in a loop of loads alone (many in flight at once)
    for (let id = from; id < to; id++) {
      const mk = method[id]!;
      const kind = flags[id]! & 3;
      if (kind === 1) {
        // a 1xx/2xx with both tags may make a dialog (keyed in the dialog table) in a known group
        const st = status[id]!;
        const ck = this.#cid(id);
        const a = this.#fth(id);
        const b = this.#tth(id);
        if (
          st > 100 &&
          st < 300 &&
          a !== 0 &&
          b !== 0 &&
          ck > 0 &&
          ck < gk.length &&
          gk[ck]! > 0 &&
          this.#gDlgCount[gk[ck]! - 1]! > DIALOG_LIST_MAX
        )
          dkeys[dk++] = this.#dialogKey(gk[ck]! - 1, a, b);
        continue;
      }
      if (kind !== 0 || mk === 0) continue;
      keys[k++] = this.#txnKey(id, mk, false);
      // (an ACK and a CANCEL look up the INVITE transaction too; `#mclass` as classified so far)
      const c = mk < this.#mclass.length ? this.#mclass[mk]! : 0;
      if (inv >= 0 && (c === M_ACK || c === M_CANCEL)) keys[k++] = this.#txnKey(id, inv, false);
    }
    _prefetchSink = this.#txnByKey.touchAll(keys, k) ^ this.#dlgByKey.touchAll(dkeys, dk);
  }
  /** `#prefetch`'s keys (two per message at most), and the dialog keys. */
  readonly #pfKeys = new Float64Array(2 * PREFETCH);
  readonly #pfDialogKeys = new Float64Array(PREFETCH);

  /** The trace's columns (`Trace.keyColumns`), asked again when the trace grows past them. */
  #col: TraceKeyColumns;
  #colN = -1;
  #time(id: number): number {
    return this.#col.time[id]!;
  }
  #cid(id: number): number {
    return this.#col.callId[id]!;
  }
  #mkey(id: number): number {
    return this.#col.method[id]!;
  }
  #kf(id: number): number {
    return this.#col.flags[id]! >> 5;
  }
  #brh(id: number): number {
    return this.#col.branchH[id]!;
  }
  #sbh(id: number): number {
    return this.#col.sentByH[id]!;
  }
  #fth(id: number): number {
    return this.#col.fromTagH[id]!;
  }
  #tth(id: number): number {
    return this.#col.toTagH[id]!;
  }
  #cseqN(id: number): number {
    return this.#col.cseq[id]!;
  }
  #sport(id: number): number {
    return this.#col.sport[id]!;
  }
  #dport(id: number): number {
    return this.#col.dport[id]!;
  }
  #src(id: number): number {
    return this.#col.src[id]!;
  }
  #dst(id: number): number {
    return this.#col.dst[id]!;
  }

  /** The group of indexed message `id` (its Call-ID's), or -1. */
  #groupOfMsg(id: number): number {
    const ck = this.#cid(id);
    return ck > 0 ? this.#groupOfKey[ck]! - 1 : (this.#noCallIdGroup.get(id) ?? -1);
  }

  /** The group of each request without a Call-ID (its own), by message id. */
  readonly #noCallIdGroup = new Map<number, number>();

  /** Makes room for `n` messages in the per-message columns. */
  #room(n: number): void {
    this.#mWritten = Math.min(this.#mWritten, this.#mflags.length);
    this.#txnCol = growI32(this.#txnCol, n);
    this.#dlgCol = growI32(this.#dlgCol, n);
    this.#nextInGroup = growI32(this.#nextInGroup, n);
    this.#mflags = growU8(this.#mflags, this.#txnCol.length);
  }

  /** Indexes what the trace holds beyond what was indexed (answers never miss a pending batch). */
  #sync(): void {
    if (this.#n < this.trace.count) this.catchUp();
  }

  /** Messages indexed (after indexing any pending batch). */
  get count(): number {
    this.#sync();
    return this.#n;
  }

  /**
   * Notes that message `id` was appended: indexes the messages since the last batch every
   * {@link TIER1_BATCH} messages (tables and freshly written columns stay in cache: about half the
   * cost of indexing each message as the ingest appends it). Every answer below first indexes what is
   * pending (`catchUp`), so readers always see the whole trace.
   */
  onAppendedBatched(id: number): void {
    if (id - this.#n >= TIER1_BATCH - 1) this.catchUp();
  }

  /** Indexes message `id` (in order; reads only the trace's columns). */
  onAppended(id: number): void {
    if (id !== this.#n) {
      if (id < this.#n) return;
      this.catchUp(); // (never: listeners are called in order)
      if (id !== this.#n) return;
    }
    if (id >= this.#txnCol.length) this.#room(id + 1);
    if (id >= this.#colN) {
      // appended since the columns were asked for: the trace may have replaced its arrays
      this.#col = this.trace.keyColumns();
      this.#colN = this.trace.count;
    }
    this.#n = id + 1;
    if (id >= this.#mWritten) {
      // (flags are or-ed in: read first)
      firstWrite(this.#mflags, id, id + 4 * FIRST_WRITE_ROWS);
      this.#mWritten = Math.min(id + 4 * FIRST_WRITE_ROWS, this.#mflags.length);
    }
    const us = this.#time(id);
    if (us > this.#lastUs) this.#lastUs = us;
    const ck = this.#cid(id);
    let g = -1;
    if (ck > 0) {
      if (ck >= this.#groupOfKey.length) this.#groupOfKey = growI32(this.#groupOfKey, ck + 1);
      g = this.#groupOfKey[ck]! - 1;
      if (g < 0) {
        g = this.#newGroup(ck, us);
        this.#groupOfKey[ck] = g + 1;
      }
      const tail = this.#gTail[g]!;
      if (tail >= 0) this.#nextInGroup[tail] = id + 1;
      else this.#gHead[g] = id;
      this.#gTail[g] = id;
      this.gCount[g]!++;
      if (us > this.gLastUs[g]!) this.gLastUs[g] = us;
    }
    const kind = this.#col.flags[id]! & 3;
    const mk = this.#mkey(id);
    if (ck === 0 && kind === 0 && mk !== 0) {
      // A request without a Call-ID (mandatory, RFC 3261 §8.1.1.4; a malformed REGISTER, a scanner's
      // probe) is a group of its own, so that it is listed with what it was (as the full analysis does).
      g = this.#newGroup(0, us);
      this.#gHead[g] = id;
      this.#gTail[g] = id;
      this.gCount[g] = 1;
      this.#noCallIdGroup.set(id, g);
    }
    if (kind === 0 && mk !== 0) this.#onRequest(id, mk, g, us);
    else if (kind === 1) this.#onResponse(id, mk, g, us);
  }

  // ---------------------------------------------------------------- keys

  /** Method name of key `mk` ('?' for none), one string per key. */
  #methodText(mk: number): string {
    let s = this.#names[mk];
    if (s === undefined) this.#names[mk] = s = this.trace.methodName(mk) ?? '?';
    return s;
  }
  readonly #names: string[] = [];

  #classOf(mk: number): number {
    if (mk >= this.#mclass.length) this.#mclass = growU8(this.#mclass, mk + 1);
    let c = this.#mclass[mk]!;
    if (c === 0) {
      const name = this.trace.methodName(mk);
      c =
        name === 'INVITE'
          ? M_INVITE
          : name === 'ACK'
            ? M_ACK
            : name === 'CANCEL'
              ? M_CANCEL
              : name === 'BYE'
                ? M_BYE
                : name === 'SUBSCRIBE' || name === 'REFER'
                  ? M_DLG
                  : M_OTHER;
      this.#mclass[mk] = c;
      if (c === M_INVITE) this.#inviteKey = mk;
    }
    return c;
  }

  /**
   * The transaction key of message `id` with method key `mk` (§17.1.3 / §17.2.3: top-Via branch,
   * sent-by and method; the RFC 2543 rule without the magic cookie: Call-ID, CSeq, From tag, sent-by
   * and branch). `salted` adds the Call-ID to a cookie key: where a transaction of another Call-ID
   * already holds the key and its Via is not this message's (a 32-bit hash collision), see `#findTxn`.
   */
  #txnKey(id: number, mk: number, salted: boolean): number {
    const f = this.#kf(id);
    if (f & KF_COOKIE) {
      const sb = this.#sbh(id) || FNV_EMPTY;
      return salted ? key(4, this.#brh(id), sb, mk + 1, this.#cid(id)) : key(3, this.#brh(id), sb, mk + 1);
    }
    return key(
      8,
      2543,
      this.#cid(id),
      this.#cseqN(id),
      f & KF_CSEQ,
      this.#fth(id) || FNV_EMPTY,
      this.#sbh(id) || FNV_EMPTY,
      this.#brh(id) || FNV_EMPTY,
      mk + 1,
    );
  }

  /**
   * The transaction of message `id` with method key `mk`, or -1. Like the full analyzer, a branch
   * matches across Call-IDs; a match whose Call-ID differs is confirmed on the Via octets (the hashes
   * are 32-bit), else the Call-ID-salted key is tried.
   */
  #findTxn(id: number, mk: number): number {
    const k = this.#txnKey(id, mk, false);
    this.#lastKey = k;
    const ti = this.#txnByKey.get(k);
    this.#lastFree = ti < 0;
    if (ti < 0 || !(this.#kf(id) & KF_COOKIE)) return ti;
    const first = this.tx.firstId[ti]!;
    if (this.#cid(first) === this.#cid(id) || this.#sameVia(first, id)) return ti;
    return this.#txnByKey.get(this.#txnKey(id, mk, true));
  }

  /** The plain key `#findTxn` computed last, and whether no transaction held it. */
  #lastKey = -0; // (a double from the start, see `shapeAnchor`)
  #lastFree = false;

  /**
   * The transaction of a response in its own Call-ID group, by its plain key's parts (the group's few
   * transactions compared: no hash, no probe), or -1 (then `#findTxn`). The same answer as `#findTxn`
   * where it finds one: a transaction of this group with this message's key is the one the key holds.
   */
  #inGroup(id: number, mk: number, g: number): number {
    if (g < 0 || this.#gTxnCount[g]! > 16) return -1;
    if (!(this.#kf(id) & KF_COOKIE)) return -1;
    const br = this.#brh(id);
    const sb = this.#sbh(id) || FNV_EMPTY;
    // (a transaction's key parts are those of its first message)
    const X = this.tx;
    for (let x = this.#gTxnHead[g]!; x >= 0; x = this.#txnNext[x]!) {
      if (X.mkey[x] !== mk) continue;
      const f = X.firstId[x]!;
      if (this.#brh(f) === br && this.#kf(f) & KF_COOKIE && (this.#sbh(f) || FNV_EMPTY) === sb) return x;
    }
    return -1;
  }

  /**
   * A response whose top Via sent-by is not its request's (rewritten by a broken UAS or an ALG): RFC
   * 3261 §17.1.3 matches a client transaction by the branch and the CSeq method alone. The transaction
   * of group `g` with this branch and method whose request went the other way on this path, or -1
   * (only for a response no key matched: as the full analyzer's `#byBranch`).
   */
  #byBranch(id: number, mk: number, g: number): number {
    const br = this.#brh(id);
    if (g < 0 || br === 0 || !(this.#kf(id) & KF_COOKIE)) return -1;
    const X = this.tx;
    for (let x = this.#gTxnHead[g]!; x >= 0; x = this.#txnNext[x]!) {
      const r = X.requestId[x]!;
      if (
        X.mkey[x] === mk &&
        r >= 0 &&
        this.#brh(r) === br &&
        this.#epEq(r, 1, id, 0) &&
        this.#epEq(r, 0, id, 1)
      )
        return x;
    }
    return -1;
  }

  /**
   * Keys new transaction `ti` by message `id` (the salted key when the plain one is taken); called
   * right after `#findTxn(id, mk)` found none.
   */
  #keyTxn(id: number, mk: number, ti: number): void {
    const k = this.#lastKey;
    if (this.#lastFree || !(this.#kf(id) & KF_COOKIE)) this.#txnByKey.set(k, ti);
    else this.#txnByKey.set(this.#txnKey(id, mk, true), ti);
  }

  /** Messages `a` and `b` have the same top-Via branch and sent-by (read from the messages: rare). */
  #sameVia(a: number, b: number): boolean {
    const x = this.trace.message(a);
    const y = this.trace.message(b);
    return x.branch === y.branch && this.#sbh(a) === this.#sbh(b);
  }

  /** The dialog key of a message with both tags in group `g` (the tags unordered). */
  #dialogKey(g: number, a: number, b: number): number {
    return a < b ? key(3, g, a, b) : key(3, g, b, a);
  }

  /** The dialog of message `id` (both tags) in group `g`, or -1. */
  #findDialog(id: number, g: number): number {
    if (g < 0) return -1;
    const a = this.#fth(id);
    const b = this.#tth(id);
    if (a === 0 || b === 0) return -1;
    const lo = a < b ? a : b;
    const hi = a < b ? b : a;
    // A group holds a dialog or two: compared in its list, the table only for a crowded group.
    if (this.#gDlgCount[g]! <= DIALOG_LIST_MAX) {
      for (let d = this.#gDlgHead[g]!; d >= 0; d = this.#dlgNext[d]!)
        if (this.#dTagLo[d] === lo && this.#dTagHi[d] === hi) return d;
      return -1;
    }
    return this.#dlgByKey.get(this.#dialogKey(g, a, b));
  }

  #cseqOf(id: number): number {
    return this.#kf(id) & KF_CSEQ ? this.#cseqN(id) : -1;
  }

  // ---------------------------------------------------------------- endpoints

  /** Endpoint `sa` (0 source, 1 destination) of `a` is endpoint `sb` of `b` (address text and port). */
  #epEq(a: number, sa: number, b: number, sb: number): boolean {
    const t = this.trace;
    if ((sa === 0 ? this.#sport(a) : this.#dport(a)) !== (sb === 0 ? this.#sport(b) : this.#dport(b)))
      return false;
    const xa = sa === 0 ? this.#src(a) : this.#dst(a);
    const xb = sb === 0 ? this.#src(b) : this.#dst(b);
    return xa === xb || (t.addresses[xa] ?? '?') === (t.addresses[xb] ?? '?');
  }
  /** Response `id` travels to the sender of request `o` (as the full analyzer's `#towards`). */
  #towards(id: number, o: number): boolean {
    if (this.#epEq(id, 1, o, 0)) return true;
    const sb = this.#sbh(id);
    if (sb === 0 || sb !== this.#sbh(o)) return false;
    const xa = this.#dst(id);
    const xb = this.#src(o);
    return xa === xb || (this.trace.addresses[xa] ?? '?') === (this.trace.addresses[xb] ?? '?');
  }
  #samePath(a: number, b: number): boolean {
    return a >= 0 && this.#epEq(a, 0, b, 0) && this.#epEq(a, 1, b, 1);
  }
  #serverIs(x: number, id: number, side: number): boolean {
    const r = this.tx.requestId[x]!;
    return r >= 0 ? this.#epEq(r, 1, id, side) : this.#epEq(this.tx.firstId[x]!, 0, id, side);
  }
  #clientIs(x: number, id: number, side: number): boolean {
    const r = this.tx.requestId[x]!;
    return r >= 0 ? this.#epEq(r, 0, id, side) : this.#epEq(this.tx.firstId[x]!, 1, id, side);
  }
  /**
   * The entry of transaction `ti`'s response copies that message `id` is a copy of (same status and
   * To tag, or both ACKs, on the same path), or -1.
   */
  #findCopy(ti: number, id: number): number {
    const X = this.tx;
    const { flags, status, toTagH } = this.#col;
    const response = (flags[id]! & 3) === 1;
    const st = status[id]!;
    const tag = toTagH[id]!;
    for (let k = X.respHead(ti); k >= 0; k = X.respNext1[k]! - 1) {
      const r = X.respId[k]!;
      if (
        ((flags[r]! & 3) === 1) === response &&
        (!response || (status[r] === st && toTagH[r] === tag)) &&
        this.#samePath(r, id)
      )
        return k;
    }
    return -1;
  }

  // ---------------------------------------------------------------- records

  /** Makes room for `n` groups. */
  #growGroups(n: number): void {
    // (the rows copied are written; those after them are fresh)
    this.#gWritten = Math.min(this.#gWritten, this.gKey.length);
    this.gKey = growI32(this.gKey, n);
    this.gType = growU8(this.gType, n);
    this.gFirstMethod = growI32(this.gFirstMethod, n);
    this.gOrigin = growI32(this.gOrigin, n);
    this.gFirstRequest = growI32(this.gFirstRequest, n);
    this.gFirstUs = growF64(this.gFirstUs, n);
    this.gLastUs = growF64(this.gLastUs, n);
    this.gInviteUs = growF64(this.gInviteUs, n);
    this.gRingUs = growF64(this.gRingUs, n);
    this.gTrying = growU8(this.gTrying, n);
    this.gAnswerUs = growF64(this.gAnswerUs, n);
    this.gPreAnswerUs = growF64(this.gPreAnswerUs, n);
    this.gByeUs = growF64(this.gByeUs, n);
    this.gEndUs = growF64(this.gEndUs, n);
    this.gFinal = growI32(this.gFinal, n);
    this.gCancelled = growU8(this.gCancelled, n);
    this.gChallenges = growI32(this.gChallenges, n);
    this.gCount = growI32(this.gCount, n);
    this.gDiags = growI32(this.gDiags, n);
    this.#gHead = growI32(this.#gHead, n);
    this.#gTail = growI32(this.#gTail, n);
    this.#gTxnHead = growI32(this.#gTxnHead, n);
    this.#gDlgHead = growI32(this.#gDlgHead, n);
    this.#gDlgCount = growI32(this.#gDlgCount, n);
    this.#gTxnCount = growI32(this.#gTxnCount, n);
  }

  /** Groups, dialogs and messages below these had their pages written first (`firstWrite`). */
  #gWritten = 0;
  #dWritten = 0;
  #mWritten = 0;

  /** Writes the pages of groups `from..` before they are read (`firstWrite`: one fault a page, not two). */
  #groupsWriteAhead(from: number): void {
    const to = from + FIRST_WRITE_ROWS;
    // (not the columns written for few groups: gCancelled, gChallenges, gDiags)
    for (const c of [this.gType, this.gTrying]) firstWrite(c, from, to);
    for (const c of [
      this.gKey,
      this.gFirstMethod,
      this.gOrigin,
      this.gFirstRequest,
      this.gFinal,
      this.gCount,
      this.#gHead,
      this.#gTail,
      this.#gTxnHead,
      this.#gDlgHead,
      this.#gDlgCount,
      this.#gTxnCount,
    ])
      firstWrite(c, from, to);
    for (const c of [
      this.gFirstUs,
      this.gLastUs,
      this.gInviteUs,
      this.gRingUs,
      this.gAnswerUs,
      this.gPreAnswerUs,
      this.gByeUs,
      this.gEndUs,
    ])
      firstWrite(c, from, to);
    this.#gWritten = Math.min(to, this.gKey.length);
  }

  /** `#groupsWriteAhead` for dialogs. */
  #dialogsWriteAhead(from: number): void {
    const to = from + FIRST_WRITE_ROWS;
    for (const c of [this.dState, this.dStates, this.dPartial]) firstWrite(c, from, to);
    for (const c of [
      this.dGroup,
      this.dMethod,
      this.dTxn,
      this.dRequest,
      this.dResponse,
      this.dCallerMethod,
      this.dCalleeMethod,
      this.dRequests,
      this.#dlgNext,
    ])
      firstWrite(c, from, to);
    for (const c of [this.dCallerTag, this.#dTagLo, this.#dTagHi]) firstWrite(c, from, to);
    for (const c of [
      this.dCseq,
      this.dStartUs,
      this.dEndUs,
      this.dCallerCseq,
      this.dCalleeCseq,
      this.dByeCseq,
      this.dCseqFlagged,
    ])
      firstWrite(c, from, to);
    firstWrite(this.dUs, 3 * from, 3 * to);
    this.#dWritten = Math.min(to, this.dGroup.length);
  }

  #newGroup(ck: number, us: number): number {
    const g = this.ng++;
    if (g >= this.gKey.length) this.#growGroups(g + 1);
    if (g >= this.#gWritten) this.#groupsWriteAhead(g);
    // (a fresh row: zero where not written)
    this.gKey[g] = ck;
    this.gType[g] = CT_OTHER;
    this.gOrigin[g] = -1;
    this.gFirstRequest[g] = -1;
    this.gFirstUs[g] = us;
    this.gLastUs[g] = us;
    this.gInviteUs[g] = -1;
    this.gRingUs[g] = -1;
    this.gTrying[g] = 0;
    this.gAnswerUs[g] = -1;
    this.gPreAnswerUs[g] = -1;
    this.gByeUs[g] = -1;
    this.gEndUs[g] = -1;
    this.#gHead[g] = -1;
    this.#gTail[g] = -1;
    this.#gTxnHead[g] = -1;
    this.#gDlgHead[g] = -1;
    return g;
  }

  /** Makes room for `n` transactions in tier 1's own per-transaction columns. */
  #growTxnKeys(n: number): void {
    this.#txnNext = growI32(this.#txnNext, n);
  }

  #newTxn(id: number, mk: number, g: number, isRequest: boolean): number {
    const mc = mk === 0 ? M_OTHER : this.#classOf(mk);
    // (its CSeq, group, start time and key parts are message `id`'s: not copied)
    const ti = this.tx.add(
      mc === M_INVITE ? TK_INVITE : mc === M_ACK ? TK_ACK : TK_NON_INVITE,
      mk,
      this.#methodText(mk),
      !(this.#kf(id) & KF_COOKIE),
      isRequest ? id : -1,
      id,
      isRequest && this.#tth(id) !== 0,
    );
    if (ti >= this.#txnNext.length) this.#growTxnKeys(ti + 1);
    if (g >= 0) this.#gTxnCount[g]!++;
    if (g >= 0) {
      this.#txnNext[ti] = this.#gTxnHead[g]!;
      this.#gTxnHead[g] = ti;
    } else this.#txnNext[ti] = -1;
    return ti;
  }

  /** Makes room for `n` dialogs. */
  #growDialogs(n: number): void {
    this.#dWritten = Math.min(this.#dWritten, this.dGroup.length);
    this.dGroup = growI32(this.dGroup, n);
    this.dCallerTag = growU32(this.dCallerTag, n);
    this.dMethod = growI32(this.dMethod, n);
    this.dState = growU8(this.dState, n);
    this.dStates = growU8(this.dStates, n);

    this.dTxn = growI32(this.dTxn, n);
    this.dCseq = growF64(this.dCseq, n);
    this.dRequest = growI32(this.dRequest, n);
    this.dResponse = growI32(this.dResponse, n);
    this.dStartUs = growF64(this.dStartUs, n);
    this.dEndUs = growF64(this.dEndUs, n);
    this.dCallerCseq = growF64(this.dCallerCseq, n);
    this.dCalleeCseq = growF64(this.dCalleeCseq, n);
    this.dCallerMethod = growI32(this.dCallerMethod, n);
    this.dCalleeMethod = growI32(this.dCalleeMethod, n);
    this.dByeCseq = growF64(this.dByeCseq, n);
    this.dPartial = growU8(this.dPartial, n);
    this.dRequests = growI32(this.dRequests, n);
    this.dCseqFlagged = growF64(this.dCseqFlagged, n);
    this.#dlgNext = growI32(this.#dlgNext, n);
    this.#dTagLo = growU32(this.#dTagLo, n);
    this.#dTagHi = growU32(this.#dTagHi, n);
    this.dUs = growF64(this.dUs, 3 * this.dGroup.length);
  }

  #newDialog(
    id: number,
    g: number,
    ti: number,
    requestId: number,
    responseId: number,
    us: number,
    state: number,
    partial: boolean,
  ): number {
    const d = this.nd++;
    if (d >= this.dGroup.length) this.#growDialogs(d + 1);
    if (d >= this.#dWritten) this.#dialogsWriteAhead(d);
    const cseq = this.#txnCseq(ti);
    this.dGroup[d] = g;
    this.dCallerTag[d] = this.#fth(id);
    // The creating transaction's method (its request's, or for a response its CSeq method).
    this.dMethod[d] = this.#txnMethodKey(ti);
    this.dState[d] = state;
    this.dStates[d] = 0;
    this.#pushDialogState(d, state, us);
    this.dTxn[d] = ti;
    this.dCseq[d] = cseq;
    this.dRequest[d] = requestId;
    this.dResponse[d] = responseId;
    this.dStartUs[d] = us;
    this.dEndUs[d] = -1;
    this.dCallerCseq[d] = partial ? -1 : cseq;
    this.dCalleeCseq[d] = -1;
    this.dCallerMethod[d] = partial ? 0 : this.dMethod[d]!;
    this.dCalleeMethod[d] = 0;
    this.dByeCseq[d] = -1;
    this.dPartial[d] = partial ? 1 : 0;
    this.dRequests[d] = 0;
    this.dCseqFlagged[d] = -1;
    const fa = this.#fth(id);
    const fb = this.#tth(id);
    // (a dialog without both tags is never found again: its pair matches no message's)
    if (fa !== 0 && fb !== 0) {
      this.#dTagLo[d] = fa < fb ? fa : fb;
      this.#dTagHi[d] = fa < fb ? fb : fa;
    }
    const count = ++this.#gDlgCount[g]!;
    this.#dlgNext[d] = this.#gDlgHead[g]!;
    this.#gDlgHead[g] = d;
    // The key table holds the dialogs of crowded groups only (`#findDialog` compares the others in
    // their group's list): all of a group's, oldest first, once it has more than DIALOG_LIST_MAX.
    if (count > DIALOG_LIST_MAX + 1) this.#keyDialog(g, d);
    else if (count === DIALOG_LIST_MAX + 1) {
      // (the list is newest first; not `groupDialogs`, which would index pending messages first)
      const all: number[] = [];
      for (let x = d; x >= 0; x = this.#dlgNext[x]!) all.push(x);
      for (let k = all.length - 1; k >= 0; k--) this.#keyDialog(g, all[k]!);
    }
    return d;
  }

  /** Puts dialog `d` of group `g` in the key table (by its tags; one without both is not looked up). */
  #keyDialog(g: number, d: number): void {
    const lo = this.#dTagLo[d]!;
    if (lo !== 0) this.#dlgByKey.set(this.#dialogKey(g, lo, this.#dTagHi[d]!), d);
  }

  /** The trace's method key of transaction `ti`'s method (that of its first message). */
  #txnMethodKey(ti: number): number {
    return this.#mkey(this.tx.firstId[ti]!);
  }

  /** Transaction `ti`'s CSeq (its first message's; -1: none). */
  #txnCseq(ti: number): number {
    return this.#cseqOf(this.tx.firstId[ti]!);
  }

  #pushDialogState(d: number, state: number, us: number): void {
    const k = this.dStates[d]! & 3;
    if (k >= 3) return;
    this.dStates[d] = (k + 1) | (this.dStates[d]! & 0xfc) | (state << (2 + 2 * k));
    this.dUs[3 * d + k] = us;
  }

  /** `setDialogState` of dialog/dialog.ts on the columns. */
  #setDialogState(d: number, state: number, us: number): void {
    if (this.dState[d] === state) return;
    if (this.dState[d] === DS_TERMINATED) return;
    this.dState[d] = state;
    this.#pushDialogState(d, state, us);
    if (state === DS_TERMINATED) this.dEndUs[d] = us;
  }

  #diag(code: number, id: number, a = 0, b = 0, dialog = -1): void {
    const k = this.#dgN++;
    if (k >= this.#dgCode.length) {
      const n = k + 1;
      this.#dgCode = growU8(this.#dgCode, n);
      this.#dgMsg = growI32(this.#dgMsg, n);
      this.#dgTxn = growI32(this.#dgTxn, n);
      this.#dgDlg = growI32(this.#dgDlg, n);
      this.#dgA = growF64(this.#dgA, n);
      this.#dgB = growF64(this.#dgB, n);
    }
    this.#dgCode[k] = code;
    this.#dgMsg[k] = id;
    this.#dgTxn[k] = this.#txnCol[id]! - 1;
    this.#dgDlg[k] = dialog;
    this.#dgA[k] = a;
    this.#dgB[k] = b;
    const g = this.#groupOfMsg(id);
    if (g >= 0) this.gDiags[g]!++;
    this.#mflags[id]! |= 2;
    if (!this.#msgFirst.has(id)) this.#msgFirst.set(id, k);
  }

  #markRetrans(id: number, of: number, intervalUs: number): void {
    const k = this.#rtN++;
    if (k >= this.#rtId.length) {
      this.#rtId = growI32(this.#rtId, k + 1);
      this.#rtOf = growI32(this.#rtOf, k + 1);
      this.#rtUs = growF64(this.#rtUs, k + 1);
    }
    this.#rtId[k] = id;
    this.#rtOf[k] = of;
    this.#rtUs[k] = intervalUs;
    this.#mflags[id]! |= 1;
  }

  /** Counts a duplicate frame of transaction `ti`'s request or responses; returns how many so far. */
  #dupCount(ti: number, response: boolean, gap: number): number {
    const k = 2 * ti + (response ? 1 : 0);
    if (gap >= DUPLICATE_US) return this.#dups.size === 0 ? 0 : (this.#dups.get(k) ?? 0);
    const n = (this.#dups.get(k) ?? 0) + 1;
    this.#dups.set(k, n);
    return n;
  }

  #stormCheck(ti: number, count: number, id: number, response: boolean): void {
    const X = this.tx;
    const max = X.kind[ti] === TK_INVITE && !response ? MAX_RETRANS_INVITE : MAX_RETRANS_OTHER;
    if (count > max && !(X.flags[ti]! & TF_STORM)) {
      X.flags[ti]! |= TF_STORM;
      this.#diag(D_STORM, id, count, 2 * ti + (response ? 1 : 0));
    }
  }

  // ---------------------------------------------------------------- requests

  #onRequest(id: number, mk: number, g: number, us: number): void {
    const X = this.tx;
    const t = this.trace;
    const mc = this.#classOf(mk);
    let ti: number;
    let retrans = false;
    if (mc === M_ACK) {
      const inv = this.#inviteKey >= 0 ? this.#findTxn(id, this.#inviteKey) : -1;
      if (inv >= 0 && X.finalStatus[inv]! >= 300) {
        // ACK for a non-2xx final: part of the INVITE transaction (§17.1.1.3).
        ti = inv;
        const k = this.#findCopy(inv, id);
        if (k >= 0) {
          retrans = true;
          this.#markRetrans(id, -1, us - this.#time(X.respLast(k)));
          X.respLast1[k] = id + 1;
          X.retransmissions[inv]!++;
        } else {
          X.addResp(inv, id);
          X.pushState(inv, TS_CONFIRMED, id);
        }
      } else {
        // ACK for a 2xx: a transaction of its own (§17.1.1.3, §13.2.2.4).
        const ai = this.#findTxn(id, mk);
        if (ai < 0) {
          ti = this.#newTxn(id, mk, g, true);
          this.#keyTxn(id, mk, ti);
          X.pushState(ti, TS_TERMINATED, id);
        } else {
          ti = ai;
          if (this.#samePath(X.requestId[ti]!, id)) {
            retrans = true;
            this.#markRetrans(id, X.requestId[ti]!, us - this.#time(X.reqLastId(ti)));
            X.retransmissions[ti]!++;
            X.reqRetrans[ti]!++;
          }
          X.reqLastId1[ti] = id + 1;
        }
      }
    } else {
      const found = this.#findTxn(id, mk);
      if (found < 0) {
        ti = this.#newTxn(id, mk, g, true);
        this.#keyTxn(id, mk, ti);
        X.pushState(ti, X.kind[ti] === TK_INVITE ? TS_CALLING : TS_TRYING, id);
      } else {
        ti = found;
        if (X.requestId[ti]! < 0) X.requestId[ti] = id;
        else if (this.#samePath(X.requestId[ti]!, id)) {
          retrans = true;
          X.retransmissions[ti]!++;
          X.reqRetrans[ti]!++;
          const gap = us - this.#time(X.reqLastId(ti));
          this.#markRetrans(id, X.requestId[ti]!, gap);
          this.#stormCheck(ti, X.reqRetrans[ti]! - this.#dupCount(ti, false, gap), id, false);
        }
        X.reqLastId1[ti] = id + 1;
      }
    }
    X.requests[ti]!++;
    if (us > this.#time(X.lastId(ti))) X.lastId1[ti] = id + 1;
    this.#txnCol[id] = ti + 1;
    if (retrans) {
      const d = this.#findDialog(id, g);
      if (d >= 0) this.#dlgCol[id] = d + 1;
      else if (X.dialog1[ti]! > 0) this.#dlgCol[id] = X.dialog1[ti]!;
      return;
    }
    // First copy of this request at this capture point.
    if (mc === M_CANCEL) this.#onCancel(id, ti, g, us);
    const hasToTag = this.#tth(id) !== 0;
    if (g >= 0) {
      if (this.gFirstRequest[g]! < 0) {
        this.gFirstRequest[g] = id;
        this.gFirstMethod[g] = mk;
        // (a call whose start the capture missed, seen first by a response, keeps its type and origin)
        if (this.gType[g] !== CT_CALL) {
          this.gOrigin[g] = id;
          const name = t.methodName(mk) ?? '';
          if (this.#gHead[g] === id && startsOpenCall(name, true, hasToTag)) {
            this.gType[g] = CT_CALL;
            this.#diag(D_START_NOT_CAPTURED, id);
          } else this.gType[g] = CALL_TYPES.indexOf(callTypeOf(name));
        }
      }
      if (mc === M_INVITE && !hasToTag && this.gInviteUs[g]! < 0) {
        this.gInviteUs[g] = us;
        this.gType[g] = CT_CALL;
        this.gOrigin[g] = id;
        this.gFirstRequest[g] = id;
      }
    }
    if (hasToTag) this.#onInDialogRequest(id, ti, g, us, mk, mc);
  }

  #onCancel(id: number, ti: number, g: number, us: number): void {
    const ii = this.#inviteKey >= 0 ? this.#findTxn(id, this.#inviteKey) : -1;
    if (ii < 0) {
      // (its INVITE may have been sent before the capture began: see requestMayPredateCapture)
      if (!requestMayPredateCapture(true, us, this.#time(0)))
        this.#diag(D_CANCEL_UNMATCHED, id, this.#cseqOf(id));
      return;
    }
    const X = this.tx;
    X.peer[ti] = ii;
    X.peer[ii] = ti;
    if (X.finalStatus[ii]! >= 200 && this.#time(X.finalId(ii)) < us)
      this.#diag(D_CANCEL_AFTER_FINAL, id, X.finalStatus[ii]!);
    else if (g >= 0) this.gCancelled[g] = 1;
  }

  #onInDialogRequest(id: number, ti: number, g: number, us: number, mk: number, mc: number): void {
    const X = this.tx;
    // A call whose start the capture missed: a request only a confirmed dialog sends says it was answered.
    if (
      g >= 0 &&
      this.gInviteUs[g]! < 0 &&
      this.gAnswerUs[g]! < 0 &&
      this.gPreAnswerUs[g]! < 0 &&
      this.gType[g] === CT_CALL &&
      preAnswered(this.trace.methodName(mk) ?? '')
    )
      this.gPreAnswerUs[g] = us;
    let d = this.#findDialog(id, g);
    if (d < 0) {
      if (g < 0) return;
      if (mc === M_BYE && this.gCount[g]! > 1) this.#diag(D_BYE_OUTSIDE, id);
      if (mc === M_ACK) return;
      d = this.#newDialog(id, g, ti, id, -1, us, DS_CONFIRMED, true);
    }
    this.#dlgCol[id] = d + 1;
    if (X.dialog1[ti] === 0) X.dialog1[ti] = d + 1;
    this.dRequests[d]!++;
    const cseq = this.#cseqOf(id);
    if (mc === M_ACK) {
      // The ACK for a 2xx acknowledges the INVITE transactions of this CSeq whose 2xx it answers.
      for (let x = this.#gTxnHead[this.dGroup[d]!]!; x >= 0; x = this.#txnNext[x]!) {
        if (
          X.kind[x] === TK_INVITE &&
          X.okId1[x]! > 0 &&
          this.#txnCseq(x) === cseq &&
          (this.#serverIs(x, id, 1) || this.#clientIs(x, id, 0)) &&
          // only the 2xx it answers (same To tag), as the full analysis
          (this.#tth(X.okId(x)) === 0 || this.#tth(X.okId(x)) === this.#tth(id))
        )
          X.acked[x] = 1;
      }
      return;
    }
    if (mc === M_CANCEL) return;
    const callerSide = this.#fth(id) === this.dCallerTag[d];
    const last = callerSide ? this.dCallerCseq[d]! : this.dCalleeCseq[d]!;
    const lastMethod = callerSide ? this.dCallerMethod[d]! : this.dCalleeMethod[d]!;
    if (
      this.dCseqFlagged[d] !== cseq &&
      last >= 0 &&
      cseq >= 0 &&
      (cseq < last || (cseq === last && mk !== lastMethod))
    ) {
      this.#diag(D_CSEQ, id, lastMethod, last, d);
      this.dCseqFlagged[d] = cseq;
    }
    if (cseq > last) {
      if (callerSide) {
        this.dCallerCseq[d] = cseq;
        this.dCallerMethod[d] = mk;
      } else {
        this.dCalleeCseq[d] = cseq;
        this.dCalleeMethod[d] = mk;
      }
    }
    if (this.dState[d] === DS_TERMINATED && !(mc === M_BYE && cseq === this.dByeCseq[d]))
      this.#diag(D_AFTER_END, id, 0, 0, d);
    if (mc === M_BYE) {
      if (this.dByeCseq[d]! < 0) this.dByeCseq[d] = cseq;
      if (g >= 0 && this.gByeUs[g]! < 0) this.gByeUs[g] = us;
    }
  }

  // ---------------------------------------------------------------- responses

  #onResponse(id: number, mk: number, g: number, us: number): void {
    const X = this.tx;
    const status = this.#col.status[id]!;
    let ti = this.#inGroup(id, mk, g);
    if (ti < 0) ti = this.#findTxn(id, mk);
    if (ti < 0) ti = this.#byBranch(id, mk, g);
    if (
      g >= 0 &&
      this.#gHead[g] === id &&
      startsOpenCall(this.trace.methodName(mk) ?? '', false, this.#tth(id) !== 0)
    ) {
      // A call whose start the capture missed: its INVITE's responses go to the caller (its origin).
      // (Whether or not it matched a transaction: a scanner's one branch for every Call-ID matches
      // another group's, heplify__ipip0.pcap's 403.)
      this.gType[g] = CT_CALL;
      this.gOrigin[g] = id;
      this.#diag(D_START_NOT_CAPTURED, id);
    }
    if (ti < 0) {
      ti = this.#newTxn(id, mk, g, false);
      this.#keyTxn(id, mk, ti);
      this.#txnCol[id] = ti + 1;
      X.flags[ti]! |= TF_UNMATCHED;
      // (not when its request may have been sent before the capture began: see requestMayPredateCapture)
      if (!requestMayPredateCapture(X.kind[ti] === TK_INVITE, us, this.#time(0)))
        this.#diag(D_UNMATCHED, id, this.#cseqOf(id));
    }
    this.#txnCol[id] = ti + 1;
    X.responses[ti]!++;
    if (us > this.#time(X.lastId(ti))) X.lastId1[ti] = id + 1;
    const toTag = this.#tth(id);
    const hasToTag = toTag !== 0;
    // (response copies compare status and To tag)
    const k = this.#findCopy(ti, id);
    const d0 = this.#findDialog(id, g);
    if (d0 >= 0) this.#dlgCol[id] = d0 + 1;
    const kind = X.kind[ti]!;
    if (k >= 0) {
      const gap = us - this.#time(X.respLast(k));
      this.#markRetrans(id, -1, gap);
      X.respLast1[k] = id + 1;
      X.retransmissions[ti]!++;
      this.#stormCheck(
        ti,
        X.retransmissions[ti]! - X.reqRetrans[ti]! - this.#dupCount(ti, true, gap),
        id,
        true,
      );
      // (a duplicate frame says nothing about the ACK)
      if (
        kind === TK_INVITE &&
        status >= 200 &&
        status < 300 &&
        gap >= DUPLICATE_US &&
        !(X.flags[ti]! & TF_2XX_RETRANS)
      ) {
        X.flags[ti]! |= TF_2XX_RETRANS;
        this.#diag(D_2XX_RETRANS, id);
      }
      return;
    }
    X.addResp(ti, id);
    const initialInvite = kind === TK_INVITE && X.inDialog[ti] === 0;
    if (status > 100 && !hasToTag) this.#diag(D_NO_TO_TAG, id);
    if (status < 200) {
      if (X.finalStatus[ti]! >= 200) {
        // (on the final's hop: the same transaction seen on both sides of a NAT has its own order per side)
        if (!(X.flags[ti]! & TF_PROV_AFTER) && this.#samePath(X.finalId1[ti]! - 1, id)) {
          X.flags[ti]! |= TF_PROV_AFTER;
          this.#diag(D_PROV_AFTER, id, X.finalStatus[ti]!);
        }
      } else X.pushState(ti, TS_PROCEEDING, id);
      if (g >= 0 && initialInvite && this.#towardsOrigin(id, g)) {
        if (status >= 180) {
          if (this.gRingUs[g]! < 0) this.gRingUs[g] = us;
        } else this.gTrying[g] = 1;
      }
    } else {
      const final = X.finalStatus[ti]!;
      if (final === 0) {
        X.finalStatus[ti] = status;
        X.finalId1[ti] = id + 1;
        X.pushState(ti, kind === TK_INVITE ? (status < 300 ? TS_ACCEPTED : TS_COMPLETED) : TS_COMPLETED, id);
      } else if (final !== status && !(final < 300 && status < 300) && !(X.flags[ti]! & TF_CONFLICT)) {
        X.flags[ti]! |= TF_CONFLICT;
        this.#diag(D_CONFLICT, id, final);
      }
      if (kind === TK_INVITE && status < 300 && X.okId1[ti] === 0) X.okId1[ti] = id + 1;
      if (g >= 0) this.#groupFinal(id, ti, g, status, us, initialInvite);
    }
    const tmc = this.#classOf(this.#txnMethodKey(ti));
    // Dialogs: created by 1xx/2xx with a To tag to INVITE/SUBSCRIBE/REFER outside a dialog.
    if (
      g >= 0 &&
      hasToTag &&
      this.#fth(id) !== 0 &&
      status > 100 &&
      status < 300 &&
      (tmc === M_INVITE || tmc === M_DLG) &&
      X.inDialog[ti] === 0
    ) {
      let d = d0;
      if (d < 0)
        d = this.#newDialog(
          id,
          g,
          ti,
          X.requestId[ti]!,
          id,
          us,
          status < 200 ? DS_EARLY : DS_CONFIRMED,
          false,
        );
      else if (status >= 200) {
        // As the full analysis: the 2xx confirming an early dialog is its response now (RFC 3261
        // §13.2.2.4: the route set is recomputed from it).
        if (this.dState[d] === DS_EARLY) this.dResponse[d] = id;
        this.#setDialogState(d, DS_CONFIRMED, us);
      }
      if (X.dialog1[ti] === 0) X.dialog1[ti] = d + 1;
      this.#dlgCol[id] = d + 1;
    }
    if (g >= 0 && status >= 300 && initialInvite) {
      const cseq = this.#txnCseq(ti);
      for (let d = this.#gDlgHead[g]!; d >= 0; d = this.#dlgNext[d]!)
        if (
          this.dState[d] === DS_EARLY &&
          this.dCseq[d] === cseq &&
          this.#classOf(this.dMethod[d]!) === M_INVITE
        )
          this.#setDialogState(d, DS_TERMINATED, us);
    }
    // (a 401/407 challenge leaves the dialog up: the UAC sends the BYE again with credentials, §22.2)
    if (tmc === M_BYE && status >= 200 && status !== 401 && status !== 407 && d0 >= 0) {
      this.#setDialogState(d0, DS_TERMINATED, us);
      if (g >= 0 && this.gEndUs[g]! < 0) this.gEndUs[g] = us;
    }
  }

  /**
   * Response `id` of group `g` travels towards the group's origin: its first request — or its initial
   * INVITE, then its first request too —, or, for a call whose start the capture missed, its first
   * response (see the full analyzer's `#towardsOrigin`). Asked only where the answer is used (most
   * responses of a call need not compare endpoints).
   */
  #towardsOrigin(id: number, g: number): boolean {
    const o = this.gOrigin[g]!;
    return o >= 0 && (o === this.gFirstRequest[g] ? this.#towards(id, o) : this.#epEq(id, 1, o, 1));
  }

  #groupFinal(id: number, ti: number, g: number, status: number, us: number, initialInvite: boolean): void {
    const X = this.tx;
    const requestId = X.requestId[ti]!;
    const isCall = this.gType[g] === CT_CALL;
    // The final of the group's first transaction (its initial INVITE for a call), or of another with
    // its first method outside a dialog (not a call), when it travels towards the origin.
    const first = isCall ? initialInvite : requestId === this.gFirstRequest[g];
    if (
      (first ||
        (!isCall &&
          X.inDialog[ti] === 0 &&
          this.gFirstMethod[g] !== 0 &&
          X.mkey[ti] === this.gFirstMethod[g])) &&
      this.#towardsOrigin(id, g)
    ) {
      this.gFinal[g] = status;
      if (first && status < 300 && this.gAnswerUs[g]! < 0 && initialInvite) this.gAnswerUs[g] = us;
    }
    if (status === 401 || status === 407) this.gChallenges[g]!++;
    if (status === 481) this.#diag(D_481, id);
    else if (status === 482) this.#diag(D_482, id);
    else if (status === 483) this.#diag(D_483, id);
    else if (status === 488 || status === 606) this.#diag(D_OFFER_REJECTED, id);
    else if (
      status >= 300 &&
      status !== 401 &&
      status !== 407 &&
      this.#classOf(this.#txnMethodKey(ti)) === M_BYE
    )
      this.#diag(D_BYE_REJECTED, id);
  }

  // ---------------------------------------------------------------- answers

  /** Resolves a call reference: `C3` or a Call-ID. Returns the group or -1. */
  resolveGroup(ref: string): number {
    this.#sync();
    const m = /^C(\d+)$/.exec(ref);
    if (m) {
      const g = Number(m[1]) - 1;
      if (g >= 0 && g < this.ng) return g;
    }
    for (let g = 0; g < this.ng; g++) if (this.trace.callId(this.#gHead[g]!) === ref) return g;
    return -1;
  }

  /** Group (Call-ID) of message `id`, or -1. */
  groupOf(id: number): number {
    this.#sync();
    return id < this.#n ? this.#groupOfMsg(id) : -1;
  }
  transactionOf(id: number): number {
    this.#sync();
    return id < this.#n ? this.#txnCol[id]! - 1 : -1;
  }
  /**
   * The dialog whose tags (both, unordered) and Call-ID group are message `id`'s, or -1: the full
   * analyzer's dialog lookup, answered from tier 1's tables (tier 2 takes it: see analyzer.ts
   * `TransactionSource`). Tier 1 has indexed the whole trace by then: a dialog made after message `id`
   * is returned too (dialogs are numbered as they start).
   */
  dialogOfTags(id: number): number {
    this.#sync();
    return id < this.#n ? this.#findDialog(id, this.#groupOfMsg(id)) : -1;
  }
  dialogOf(id: number): number {
    this.#sync();
    if (id >= this.#n) return -1;
    const d = this.#dlgCol[id]! - 1;
    if (d >= 0) return d;
    const t = this.#txnCol[id]! - 1;
    return t >= 0 ? this.tx.dialog(t) : -1;
  }
  /** Whether message `id` is a retransmission. */
  isRetransmission(id: number): boolean {
    this.#sync();
    return id < this.#n && (this.#mflags[id]! & 1) !== 0;
  }
  /** Retransmissions: message id, the first copy (-1 for responses and ACKs of non-2xx), interval µs. */
  retransmissions(): { id: number; of: number; intervalUs: number }[] {
    this.#sync();
    const out: { id: number; of: number; intervalUs: number }[] = [];
    for (let k = 0; k < this.#rtN; k++)
      out.push({ id: this.#rtId[k]!, of: this.#rtOf[k]!, intervalUs: this.#rtUs[k]! });
    return out;
  }
  /** Message ids of group `g`, in trace order. */
  groupMessageIds(g: number): number[] {
    this.#sync();
    const out: number[] = [];
    for (let id = this.#gHead[g]!; id >= 0; id = this.#nextInGroup[id]! - 1) out.push(id);
    return out;
  }
  /** Transactions of group `g`, in order. */
  groupTransactions(g: number): number[] {
    this.#sync();
    const out: number[] = [];
    for (let x = this.#gTxnHead[g]!; x >= 0; x = this.#txnNext[x]!) out.push(x);
    return out.reverse();
  }
  /** Dialogs of group `g`, in order. */
  groupDialogs(g: number): number[] {
    this.#sync();
    const out: number[] = [];
    for (let d = this.#gDlgHead[g]!; d >= 0; d = this.#dlgNext[d]!) out.push(d);
    return out.reverse();
  }
  /** Dialog `d`'s state sequence: state name and time µs, in order. */
  dialogStates(d: number): { state: DialogState; us: number }[] {
    const s = this.dStates[d]!;
    const out: { state: DialogState; us: number }[] = [];
    for (let k = 0; k < (s & 3); k++)
      out.push({ state: DIALOG_STATES[(s >> (2 + 2 * k)) & 3]!, us: this.dUs[3 * d + k]! });
    return out;
  }
  dialogState(d: number): DialogState {
    return DIALOG_STATES[this.dState[d]!]!;
  }

  /** The facts `classifyCall` reads, for group `g`. */
  callFacts(g: number): CallFacts {
    return {
      type: CALL_TYPES[this.gType[g]!]!,
      finalStatus: this.gFinal[g]!,
      firstUs: this.gFirstUs[g]!,
      answerUs: this.#answerUs(g),
      byeUs: this.gByeUs[g]!,
      cancelled: this.gCancelled[g] === 1,
      inviteUs: this.gInviteUs[g]!,
      ringUs: this.gRingUs[g]!,
      trying: this.gTrying[g] === 1,
    };
  }

  /**
   * Per group `0..n-1`, the message whose From and To name its parties, as the full analyzer's summary
   * reads them: its first request, or, for a call whose start the capture missed seen by responses only,
   * its first message (a response carries its request's From and To); -1: none.
   */
  partyMessages(n: number): Int32Array<ArrayBuffer> {
    this.#sync();
    const out = Int32Array.from(this.gFirstRequest.subarray(0, n));
    for (let g = 0; g < n; g++) if (out[g]! < 0 && this.gType[g] === CT_CALL) out[g] = this.#gHead[g]!;
    return out;
  }

  /** Group `g`'s answer (its 2xx, or, answered before the capture began, `gPreAnswerUs`), µs; -1: none. */
  #answerUs(g: number): number {
    return this.gAnswerUs[g]! >= 0 ? this.gAnswerUs[g]! : this.gPreAnswerUs[g]!;
  }

  /** State of group `g` now (the trace's last time), as the full analyzer classifies it. */
  callState(g: number): CallState {
    this.#sync();
    return classifyCall(this.callFacts(g), this.#nowAfter(this.#gHead[g]!));
  }

  /** Group `g` as the calls list shows it before tier 2 (no From/To, codecs or joined legs yet). */
  call(g: number): Tier1Call {
    this.#sync();
    const inv = this.gInviteUs[g]!;
    const ring = this.gRingUs[g]!;
    const ans = this.#answerUs(g);
    const end =
      this.gEndUs[g]! >= 0 ? this.gEndUs[g]! : this.gByeUs[g]! >= 0 ? this.gByeUs[g]! : this.gLastUs[g]!;
    return {
      id: `C${g + 1}`,
      callId: this.trace.callId(this.gFirstRequest[g]! >= 0 ? this.gFirstRequest[g]! : this.#gHead[g]!) ?? '',
      type: CALL_TYPES[this.gType[g]!]!,
      state: this.callState(g),
      finalStatus: this.gFinal[g] || null,
      start: secs(this.gFirstUs[g]!),
      end: secs(this.gLastUs[g]!),
      pdd: inv >= 0 && ring >= 0 ? secs(ring - inv) : null,
      setupTime: inv >= 0 && ans >= 0 ? secs(ans - inv) : null,
      duration: ans >= 0 ? secs(end - ans) : null,
      startOpen: this.gAnswerUs[g]! < 0 && ans >= 0,
      messages: this.gCount[g]!,
      dialogs: this.groupDialogs(g).map(dialogId),
      diagnostics: this.gDiags[g]! + this.#lazyCount(g),
    };
  }

  /** Every group, in order of first message. */
  calls(): Tier1Call[] {
    this.#sync();
    const out: Tier1Call[] = [];
    for (let g = 0; g < this.ng; g++) out.push(this.call(g));
    return out;
  }

  /** Counts of call states over the INVITE groups (`summary().calls` of the full analyzer, before joins). */
  callStateCounts(): Record<string, number> {
    this.#sync();
    const out: Record<string, number> = {};
    for (let g = 0; g < this.ng; g++)
      if (this.gType[g] === CT_CALL) {
        const s = this.callState(g);
        out[s] = (out[s] ?? 0) + 1;
      }
    return out;
  }

  // ---------------------------------------------------------------- diagnostics

  /** The capture's clock as the time rules read it (as the full analyzer's, see `CaptureClock`). */
  readonly #clock: CaptureClock;

  /** "Now" for a time rule measured from message `id`: the last time unless the clock goes back. */
  #nowAfter(id: number): number {
    return this.#clock.nowAfter(id, this.#lastUs);
  }

  #lazyCount(g: number): number {
    if (this.#clock.broken) return 0;
    const X = this.tx;
    let n = 0;
    for (let t = this.#gTxnHead[g]!; t >= 0; t = this.#txnNext[t]!) {
      const r = X.requestId[t]!;
      if (
        r >= 0 &&
        X.finalStatus[t] === 0 &&
        this.#nowAfter(r) - this.#time(X.firstId[t]!) > TIMER_64T1_US &&
        X.kind[t] !== TK_ACK &&
        (X.kind[t] !== TK_INVITE || X.state(t) === TS_CALLING)
      )
        n++;
      const ok = X.okId(t);
      if (ok >= 0 && X.acked[t] === 0 && this.#nowAfter(ok) - this.#time(ok) > TIMER_64T1_US) n++;
    }
    if (this.#pddLong(g)) n++;
    return n;
  }

  #pddLong(g: number): boolean {
    if (this.gType[g] !== CT_CALL || this.gInviteUs[g]! < 0) return false;
    const ring = this.gRingUs[g]!;
    const first = ring >= 0 ? ring : this.gFinal[g]! > 0 && this.gAnswerUs[g]! >= 0 ? this.gAnswerUs[g]! : -1;
    return first >= 0 && first - this.gInviteUs[g]! > PDD_LONG_US;
  }

  /** Codes tier 1 raised on message `id` (as they arrived; the time-dependent ones not included). */
  messageCodes(id: number): string[] {
    this.#sync();
    // A message's diagnostics are raised while it is indexed: they stand together in the list.
    const first = this.#msgFirst.get(id);
    if (first === undefined) return [];
    const out: string[] = [];
    for (let k = first; k < this.#dgN && this.#dgMsg[k] === id; k++) {
      const c = TIER1_CODES[this.#dgCode[k]!]!;
      if (!out.includes(c)) out.push(c);
    }
    return out;
  }

  #callOf(id: number): { call?: string } {
    const g = this.#groupOfMsg(id);
    return g >= 0 ? { call: `C${g + 1}` } : {};
  }

  /** The text of stored diagnostic `k` (built now: what it names is read from the columns or the message). */
  #text(k: number): string {
    const id = this.#dgMsg[k]!;
    const t = this.trace;
    const a = this.#dgA[k]!;
    const b = this.#dgB[k]!;
    const status = t.status(id);
    const ti = this.#dgTxn[k]!;
    const tm = ti >= 0 ? this.tx.methodName(ti) : '?';
    const cseq = this.#kf(id) & KF_CSEQ ? this.#cseqN(id) : null;
    switch (this.#dgCode[k]!) {
      case D_CANCEL_UNMATCHED:
        return `CANCEL (CSeq ${cseq}) matches no INVITE transaction seen`;
      case D_CANCEL_AFTER_FINAL:
        return `CANCEL sent after the INVITE already received ${a}`;
      case D_BYE_OUTSIDE: {
        const m = t.message(id);
        return `BYE for a dialog (tags ${m.fromTag}/${m.toTag}) that was never established`;
      }
      case D_CSEQ:
        return `${t.methodName(this.#mkey(id))} CSeq ${cseq ?? -1} is not above the previous ${t.methodName(a) ?? ''} CSeq ${b} from the same side`;
      case D_AFTER_END:
        return `${t.methodName(this.#mkey(id))} sent in dialog ${dialogId(this.#dgDlg[k]!)} after it ended`;
      case D_UNMATCHED:
        return `${status} to ${t.methodName(this.#mkey(id)) ?? '?'} (CSeq ${cseq}) matches no request seen`;
      case D_STORM: {
        // (raised before the message joins its transaction: b = 2 × transaction + response)
        const x = b >> 1;
        const response = (b & 1) === 1;
        const max = this.tx.kind[x] === TK_INVITE && !response ? MAX_RETRANS_INVITE : MAX_RETRANS_OTHER;
        return `${this.tx.methodName(x)} ${response ? 'response' : 'request'} retransmitted ${a} times (the timers allow at most ${max})`;
      }
      case D_2XX_RETRANS:
        return `${status} to INVITE retransmitted: the ACK was lost or late`;
      case D_NO_TO_TAG:
        return `${status} response has no To tag`;
      case D_PROV_AFTER:
        return `${status} arrived after the final ${a}`;
      case D_CONFLICT:
        return `${status} after the final ${a} in the same transaction`;
      case D_481:
        return `481 to ${tm}: the UAS knows no such dialog or transaction`;
      case D_482:
        return `482 Loop Detected to ${tm}`;
      case D_483:
        return `483 Too Many Hops to ${tm}`;
      case D_BYE_REJECTED:
        return byeRejectedText(status ?? 0);
      case D_START_NOT_CAPTURED: {
        const m = t.methodName(this.#mkey(id)) ?? '?';
        return callStartNotCapturedText(
          status !== null ? `${status} to ${m} (CSeq ${cseq})` : `${m} (CSeq ${cseq})`,
        );
      }
      default:
        return `${status} ${t.message(id).reason ?? ''}: the session offer was refused`.trim();
    }
  }

  /**
   * The diagnostics tier 1 decides, as the full analyzer reports them (same codes, texts, message,
   * frame, transaction, dialog; `call` is the Call-ID group's, before tier 2 joins legs), the
   * time-dependent ones evaluated against the trace's last time; sorted by message.
   */
  diagnostics(): AnalysisDiagnostic[] {
    this.#sync();
    const t = this.trace;
    const out: AnalysisDiagnostic[] = [];
    for (let k = 0; k < this.#dgN; k++) {
      const id = this.#dgMsg[k]!;
      const code = this.#dgCode[k]!;
      const where: Partial<AnalysisDiagnostic> = { messageId: id, frame: t.frame(id), ...this.#callOf(id) };
      if (code === D_CSEQ || code === D_AFTER_END) where.dialog = dialogId(this.#dgDlg[k]!);
      const ti = this.#dgTxn[k]!;
      if (ti >= 0) where.transaction = transactionId(ti);
      out.push(analysisDiagnostic(TIER1_CODES[code]!, this.#text(k), where));
    }
    if (this.#clock.broken) return out.sort((x, y) => (x.messageId ?? 0) - (y.messageId ?? 0));
    const X = this.tx;
    const add = (code: string, message: string, id: number, ti: number): void => {
      out.push(
        analysisDiagnostic(code, message, {
          messageId: id,
          frame: t.frame(id),
          ...this.#callOf(id),
          ...(ti >= 0 ? { transaction: transactionId(ti) } : {}),
        }),
      );
    };
    // The rules' columns for the transactions they can name (no final, or a 2xx not ACKed), in order.
    const cand: number[] = [];
    for (let x = 0; x < X.n; x++)
      if ((X.requestId[x]! >= 0 && X.finalStatus[x] === 0) || (X.okId1[x]! > 0 && X.acked[x] === 0))
        cand.push(x);
    const m = cand.length;
    const cols = {
      n: m,
      kind: new Uint8Array(m),
      methodName: (k: number): string => X.methodName(cand[k]!),
      state: (k: number): number => X.state(cand[k]!),
      cseq: new Float64Array(m),
      requestId: new Int32Array(m),
      finalStatus: new Int32Array(m),
      okId: new Int32Array(m),
      startUs: new Float64Array(m),
      acked: new Uint8Array(m),
    };
    for (let k = 0; k < m; k++) {
      const x = cand[k]!;
      cols.kind[k] = X.kind[x]!;
      cols.cseq[k] = this.#txnCseq(x);
      cols.requestId[k] = X.requestId[x]!;
      cols.finalStatus[k] = X.finalStatus[x]!;
      cols.okId[k] = X.okId(x);
      cols.startUs[k] = this.#time(X.firstId[x]!);
      cols.acked[k] = X.acked[x]!;
    }
    txnTimerRules(
      cols,
      (id) => this.#nowAfter(id),
      (id) => this.#time(id),
      (k) => {
        const ti = cand[k]!;
        const r = X.requestId[ti]!;
        return r >= 0 ? t.dst(r) : t.src(X.firstId[ti]!);
      },
      (code, message, id, k) => add(code, message, id, cand[k]!),
    );
    for (let g = 0; g < this.ng; g++) {
      if (!this.#pddLong(g)) continue;
      const ring = this.gRingUs[g]!;
      const first = ring >= 0 ? ring : this.gAnswerUs[g]!;
      add(
        'pdd-long',
        `post-dial delay ${secs(first - this.gInviteUs[g]!).toFixed(1)} s`,
        this.gFirstRequest[g]!,
        -1,
      );
    }
    return out.sort((x, y) => (x.messageId ?? 0) - (y.messageId ?? 0));
  }

  /**
   * Transaction `ti` as the full analyzer's table holds it (its columns there: the times in µs, the
   * state sequence as state index and µs alternating), read from tier 1's columns and the trace's.
   */
  transaction(ti: number): Tier1Transaction {
    this.#sync();
    const X = this.tx;
    const first = X.firstId[ti]!;
    const finalId = X.finalId(ti);
    const ids = X.stateIds(ti);
    for (let k = 1; k < ids.length; k += 2) ids[k] = this.#time(ids[k]!);
    return {
      kind: X.kind[ti]!,
      method: X.methodName(ti),
      cseq: this.#txnCseq(ti),
      group: this.#groupOfMsg(first),
      requestId: X.requestId[ti]!,
      firstId: first,
      finalStatus: X.finalStatus[ti]!,
      finalId,
      okId: X.okId(ti),
      dialog: X.dialog(ti),
      peer: X.peer[ti]!,
      retransmissions: X.retransmissions[ti]!,
      reqRetrans: X.reqRetrans[ti]!,
      responses: X.responses[ti]!,
      requests: X.requests[ti]!,
      startUs: this.#time(first),
      lastUs: this.#time(X.lastId(ti)),
      finalUs: finalId >= 0 ? this.#time(finalId) : -1,
      reqLastUs: this.#time(X.reqLastId(ti)),
      rfc2543: X.rfc2543[ti]!,
      acked: X.acked[ti]!,
      inDialog: X.inDialog[ti]!,
      flags: X.flags[ti]!,
      states: ids,
    };
  }

  /** Bytes held by tier 1's tables (typed arrays; the trace's columns not counted). */
  memoryBytes(): number {
    let b = this.#txnCol.byteLength * 3 + this.#mflags.byteLength + this.#groupOfKey.byteLength;
    b += this.tx.bytes + this.#txnByKey.bytes + this.#dlgByKey.bytes + this.#txnNext.byteLength;
    b += this.gKey.length * (4 * 12 + 8 * 7 + 3) + this.dGroup.length * (4 * 12 + 8 * 10 + 3);
    b += this.#rtId.length * 16 + this.#dgCode.length * 29 + (this.#msgFirst.size + this.#dups.size) * 40;
    return b;
  }
}

/**
 * A listener to pass as an ingest's `onAppend`: creates tier 1 on the first message and indexes each
 * one from the trace's columns (registered by its bytes form: the ingest need not parse for it).
 * `tier1()` answers the analysis (null before the first message).
 */
export function tier1OnAppend(): DualAppendListener & { tier1(): Tier1Analysis | null } {
  let a: Tier1Analysis | null = null;
  const of = (trace: Trace): Tier1Analysis => {
    if (a === null || a.trace !== trace) a = new Tier1Analysis(trace);
    return a;
  };
  const listener = (id: number, _msg: SipMessage, trace: Trace): void => of(trace).onAppendedBatched(id);
  const bytes: BytesAppendListener = (id, _buf, _start, _end, trace) => of(trace).onAppendedBatched(id);
  return Object.assign(listener, { bytes, tier1: () => a });
}
