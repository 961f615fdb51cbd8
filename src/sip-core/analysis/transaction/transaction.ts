/**
 * Transactions as a capture sees them (RFC 3261 §17): matching keys for requests and responses
 * (§17.1.3 client side, §17.2.3 server side, with the RFC 2543 fallback of §17.2.3 for branches
 * without the magic cookie), the state names of the four state machines and the record the analysis
 * keeps per transaction.
 */
import type { AnalysisMessage } from '../message-view';
import { keyEnd, keyNum, keyStart, keyStr } from '../key-table';

/** Branch prefix of RFC 3261-compliant requests (§8.1.1.7). */
export const MAGIC_COOKIE = 'z9hG4bK';

/**
 * States of RFC 3261 §17 as seen from the wire: `calling`/`trying` (request sent), `proceeding`
 * (1xx), `completed` (non-2xx final / non-INVITE final), `confirmed` (ACK for the non-2xx final),
 * `accepted` (2xx to INVITE, RFC 6026 §7.1), `terminated` (ACK transaction, or end).
 */
export type TransactionState =
  'calling' | 'trying' | 'proceeding' | 'completed' | 'confirmed' | 'accepted' | 'terminated';
export const TRANSACTION_STATES: readonly TransactionState[] = [
  'calling',
  'trying',
  'proceeding',
  'completed',
  'confirmed',
  'accepted',
  'terminated',
];

/** INVITE (ICT/IST), non-INVITE (NICT/NIST), or the ACK for a 2xx, which is a transaction of its own (§17.1.1.3). */
export type TransactionKind = 'INVITE' | 'non-INVITE' | 'ACK';

/** Transaction kinds as stored (`TxnTable.kind`), in the order of {@link TRANSACTION_KINDS}. */
export const TK_INVITE = 0;
export const TK_NON_INVITE = 1;
export const TK_ACK = 2;
export const TRANSACTION_KINDS: readonly TransactionKind[] = ['INVITE', 'non-INVITE', 'ACK'];

/** State indexes in TRANSACTION_STATES. */
export const TS_CALLING = 0;
export const TS_TRYING = 1;
export const TS_PROCEEDING = 2;
export const TS_COMPLETED = 3;
export const TS_CONFIRMED = 4;
export const TS_ACCEPTED = 5;
export const TS_TERMINATED = 6;

/** The offer a request carried (voice codecs, connection address), for the offer/answer rules. */
export interface Offer {
  codecs: string[];
  address: string | null;
  /** The offer carries ICE candidates (RFC 8839 §5.1). */
  ice: boolean;
}

const growI32 = (a: Int32Array, n: number): Int32Array<ArrayBuffer> => {
  const b = new Int32Array(n);
  b.set(a);
  return b;
};
const growF64 = (a: Float64Array, n: number): Float64Array<ArrayBuffer> => {
  const b = new Float64Array(n);
  b.set(a);
  return b;
};
const growU8 = (a: Uint8Array, n: number): Uint8Array<ArrayBuffer> => {
  const b = new Uint8Array(n);
  b.set(a);
  return b;
};

/** A table whose state sequences name the message that entered each state (tier1-tables.ts `Tier1TxnTable`). */
export interface StateIdSource {
  /** The state sequence of transaction `ti`: state index and message id, alternating (a fresh array). */
  stateIds(ti: number): number[];
}

/**
 * The analysis' transactions as typed-array columns, one row per transaction (its index `ti`): no
 * object per transaction, times unboxed. The state sequence and the response copies of each
 * transaction are linked lists in shared pools (a transaction sees 1–4 states and a few copies).
 */
export class TxnTable {
  /** Number of transactions. */
  n = 0;
  #cap = 0;
  /** TK_INVITE / TK_NON_INVITE / TK_ACK. */
  kind = new Uint8Array(0);
  /** Diagnostics already emitted once for this transaction (TF_* bits). */
  flags = new Uint8Array(0);
  /** Method (one shared string per method name). */
  readonly method: string[] = [];
  cseq = new Float64Array(0);
  /** Call-ID group index (-1: none). */
  group = new Int32Array(0);
  /** The group's next transaction (-1: none; the group holds the first and last: CallGroup.txnHead). */
  next = new Int32Array(0);
  /** Id of the first request copy (-1 when only responses were seen). */
  requestId = new Int32Array(0);
  /** Id of the first message of the transaction. */
  firstId = new Int32Array(0);
  /** Final status (0: none yet), the id of its first copy and when it arrived (finalUs, -1: none). */
  finalStatus = new Int32Array(0);
  finalId = new Int32Array(0);
  /** First 2xx to an INVITE (id, -1: none). */
  okId = new Int32Array(0);
  /** First dialog this transaction created (-1: none). */
  dialog = new Int32Array(0);
  /** INVITE: the CANCEL transaction that cancelled it; CANCEL: the INVITE transaction (-1: none). */
  peer = new Int32Array(0);
  retransmissions = new Int32Array(0);
  reqRetrans = new Int32Array(0);
  responses = new Int32Array(0);
  requests = new Int32Array(0);
  startUs = new Float64Array(0);
  lastUs = new Float64Array(0);
  finalUs = new Float64Array(0);
  /** Time of the last request copy (for retransmission intervals). */
  reqLastUs = new Float64Array(0);
  /** Matched by RFC 2543 rules (no magic cookie). */
  rfc2543 = new Uint8Array(0);
  /** The 2xx was ACKed. */
  acked = new Uint8Array(0);
  /** The request carried a To tag (in-dialog). */
  inDialog = new Uint8Array(0);
  /** Offer of the request, until answered (null: none), by transaction. */
  readonly offer: (Offer | null)[] = [];

  /**
   * Where the state sequences are read while they are not kept here (`borrowStates`): tier 1's table
   * of the same trace, whose entries name the message that entered each state; only the states
   * entered by messages below `stUntil` (those the analysis indexed so far) count. null: kept here.
   */
  #stFrom: StateIdSource | null = null;
  #stTime: (id: number) => number = () => 0;
  /** Messages below this id were indexed (see `#stFrom`; the analyzer sets it as it indexes). */
  stUntil = 0;

  // State sequence: per transaction the first and last pool entry (-1: none); pool entries linked.
  #stHead = new Int32Array(0);
  #stTail = new Int32Array(0);
  #stState = new Uint8Array(0);
  #stUs = new Float64Array(0);
  #stNext = new Int32Array(0);
  #stN = 0;

  // Response copies (and the ACK of a non-2xx final): signature (hash of status and To tag; -1 for
  // the ACK), time of the last copy, id of the first copy; per transaction a linked list in order.
  #rHead = new Int32Array(0);
  #rTail = new Int32Array(0);
  respSig = new Float64Array(0);
  respUs = new Float64Array(0);
  respId = new Int32Array(0);
  respNext = new Int32Array(0);
  #rN = 0;

  #grow(min: number): void {
    const c = Math.max(min + 1, this.#cap * 2, 1024);
    this.kind = growU8(this.kind, c);
    this.flags = growU8(this.flags, c);
    this.rfc2543 = growU8(this.rfc2543, c);
    this.acked = growU8(this.acked, c);
    this.inDialog = growU8(this.inDialog, c);
    this.cseq = growF64(this.cseq, c);
    this.group = growI32(this.group, c);
    this.next = growI32(this.next, c);
    this.requestId = growI32(this.requestId, c);
    this.firstId = growI32(this.firstId, c);
    this.finalStatus = growI32(this.finalStatus, c);
    this.finalId = growI32(this.finalId, c);
    this.okId = growI32(this.okId, c);
    this.dialog = growI32(this.dialog, c);
    this.peer = growI32(this.peer, c);
    this.retransmissions = growI32(this.retransmissions, c);
    this.reqRetrans = growI32(this.reqRetrans, c);
    this.responses = growI32(this.responses, c);
    this.requests = growI32(this.requests, c);
    this.startUs = growF64(this.startUs, c);
    this.lastUs = growF64(this.lastUs, c);
    this.finalUs = growF64(this.finalUs, c);
    this.reqLastUs = growF64(this.reqLastUs, c);
    this.#stHead = growI32(this.#stHead, c);
    this.#stTail = growI32(this.#stTail, c);
    this.#rHead = growI32(this.#rHead, c);
    this.#rTail = growI32(this.#rTail, c);
    this.#cap = c;
  }

  /**
   * Makes room for `n` more transactions (a trace analysed at once: no doubling while it fills), and
   * for their states and response copies (four and two each: rows never used cost no memory, pages
   * not touched are not mapped; the pools still grow past that).
   */
  reserve(n: number): void {
    if (this.n + n > this.#cap) this.#grow(this.n + n);
    if (this.#stFrom === null && this.#stN + 4 * n > this.#stState.length)
      this.#growStates(this.#stN + 4 * n);
    if (this.#rN + 2 * n > this.respUs.length) this.#growResps(this.#rN + 2 * n);
  }

  #growStates(c: number): void {
    this.#stState = growU8(this.#stState, c);
    this.#stUs = growF64(this.#stUs, c);
    this.#stNext = growI32(this.#stNext, c);
  }

  #growResps(c: number): void {
    this.respSig = growF64(this.respSig, c);
    this.respUs = growF64(this.respUs, c);
    this.respId = growI32(this.respId, c);
    this.respNext = growI32(this.respNext, c);
  }

  /** Adds a transaction; returns its index. */
  add(
    kind: number,
    method: string,
    rfc2543: boolean,
    cseq: number,
    group: number,
    requestId: number,
    firstId: number,
    us: number,
    inDialog: boolean,
  ): number {
    const ti = this.n;
    if (ti >= this.#cap) this.#grow(ti);
    this.kind[ti] = kind;
    this.method.push(method);
    this.offer.push(null);
    this.rfc2543[ti] = rfc2543 ? 1 : 0;
    this.cseq[ti] = cseq;
    this.group[ti] = group;
    this.next[ti] = -1;
    this.requestId[ti] = requestId;
    this.firstId[ti] = firstId;
    this.startUs[ti] = us;
    this.lastUs[ti] = us;
    this.reqLastUs[ti] = us;
    this.finalStatus[ti] = 0;
    this.finalUs[ti] = -1;
    this.finalId[ti] = -1;
    this.okId[ti] = -1;
    this.dialog[ti] = -1;
    this.peer[ti] = -1;
    this.inDialog[ti] = inDialog ? 1 : 0;
    if (this.#stFrom === null) {
      this.#stHead[ti] = -1;
      this.#stTail[ti] = -1;
    }
    this.#rHead[ti] = -1;
    this.#rTail[ti] = -1;
    this.n = ti + 1;
    return ti;
  }

  /** Method name of transaction `t` (`method[t]`). */
  methodName(t: number): string {
    return this.method[t]!;
  }

  /**
   * Reads the state sequences from `from` (tier 1's table of the same trace, which enters the same
   * states by the same messages: RFC 3261 §17 as both follow it) instead of keeping them: `pushState`
   * does nothing until `keepStates`. `timeUs`: a message's time. Called before any transaction.
   */
  borrowStates(from: StateIdSource, timeUs: (id: number) => number): void {
    this.#stFrom = from;
    this.#stTime = timeUs;
  }

  /**
   * Keeps the state sequences here from now on: the borrowed ones (as far as `stUntil`) are copied
   * into this table first. (The analyzer stops taking tier 1's transactions: `#leaveTier1`.)
   */
  keepStates(): void {
    const from = this.#stFrom;
    if (from === null) return;
    this.#stFrom = null;
    this.#stHead.fill(-1, 0, this.n);
    this.#stTail.fill(-1, 0, this.n);
    for (let t = 0; t < this.n; t++) {
      const ids = from.stateIds(t);
      for (let i = 0; i < ids.length && ids[i + 1]! < this.stUntil; i += 2)
        this.pushState(t, ids[i]!, this.#stTime(ids[i + 1]!));
    }
  }

  /** The borrowed state sequence of `ti` as far as `stUntil`: state index and message id, alternating. */
  #borrowed(ti: number): number[] {
    const ids = this.#stFrom!.stateIds(ti);
    let n = 0;
    while (n < ids.length && ids[n + 1]! < this.stUntil) n += 2;
    if (n < ids.length) ids.length = n;
    return ids;
  }

  /** Appends a state (index in TRANSACTION_STATES) unless it is already the current one. */
  pushState(ti: number, state: number, us: number): void {
    if (this.#stFrom !== null) return;
    const tail = this.#stTail[ti]!;
    if (tail >= 0 && this.#stState[tail] === state) return;
    const k = this.#stN++;
    if (k >= this.#stState.length) this.#growStates(Math.max(256, this.#stState.length * 2));
    this.#stState[k] = state;
    this.#stUs[k] = us;
    this.#stNext[k] = -1;
    if (tail >= 0) this.#stNext[tail] = k;
    else this.#stHead[ti] = k;
    this.#stTail[ti] = k;
  }

  /** The current state (index in TRANSACTION_STATES; `calling` before any). */
  state(ti: number): number {
    if (this.#stFrom !== null) {
      const ids = this.#borrowed(ti);
      return ids.length > 0 ? ids[ids.length - 2]! : 0;
    }
    const tail = this.#stTail[ti]!;
    return tail >= 0 ? this.#stState[tail]! : 0;
  }

  /** The state sequence: state index and time µs, alternating. */
  states(ti: number): number[] {
    if (this.#stFrom !== null) {
      const ids = this.#borrowed(ti);
      for (let i = 1; i < ids.length; i += 2) ids[i] = this.#stTime(ids[i]!);
      return ids;
    }
    const out: number[] = [];
    for (let k = this.#stHead[ti]!; k >= 0; k = this.#stNext[k]!) out.push(this.#stState[k]!, this.#stUs[k]!);
    return out;
  }

  /** Adds a response copy (see `respSig`); returns its pool entry. */
  addResp(ti: number, sig: number, us: number, id: number): number {
    const k = this.#rN++;
    if (k >= this.respUs.length) this.#growResps(Math.max(256, this.respUs.length * 2));
    this.respSig[k] = sig;
    this.respUs[k] = us;
    this.respId[k] = id;
    this.respNext[k] = -1;
    const tail = this.#rTail[ti]!;
    if (tail >= 0) this.respNext[tail] = k;
    else this.#rHead[ti] = k;
    this.#rTail[ti] = k;
    return k;
  }

  /** First response copy of a transaction (-1: none); the next is `respNext[k]`. */
  respHead(ti: number): number {
    return this.#rHead[ti]!;
  }

  /** Approximate bytes held. */
  get bytes(): number {
    return this.#cap * 124 + this.#stState.length * 13 + this.respUs.length * 24 + this.offer.length * 8;
  }
}

/** Transaction flags. */
export const TF_STORM = 1;
export const TF_PROV_AFTER = 2;
export const TF_CONFLICT = 4;
export const TF_2XX_RETRANS = 8;
export const TF_UNMATCHED = 16;

/**
 * The matching key of a message's transaction (§17.1.3 / §17.2.3). ACK is matched to the INVITE
 * (the caller decides whether it is the ACK for a non-2xx); CANCEL has its own transaction (§9.2).
 * Responses use their CSeq method. Without the magic cookie, the RFC 2543 rule is: Call-ID, CSeq
 * number, From tag and the top Via (sent-by and whatever branch there is). The key is hashed from
 * the fields directly (see key-table.ts), from the message's bytes: no key string is built.
 */
export function transactionKey(msg: AnalysisMessage, methodOverride?: string): number {
  const method =
    methodOverride ??
    (msg.kind === 'request' ? (msg.method === 'ACK' ? 'INVITE' : msg.method) : msg.cseqMethod) ??
    '';
  keyStart();
  if (msg.branchHasCookie) {
    msg.keyBranch();
    msg.keySentBy();
    keyStr(method);
    return keyEnd();
  }
  keyStr('2543');
  keyStr(msg.callId ?? '');
  keyNum(msg.cseq ?? 0);
  keyNum(msg.cseq === null ? 0 : 1);
  msg.keyFromTagOrEmpty();
  msg.keySentBy();
  msg.keyBranchOrEmpty();
  keyStr(method);
  return keyEnd();
}

export function transactionKind(method: string): TransactionKind {
  return method === 'INVITE' ? 'INVITE' : method === 'ACK' ? 'ACK' : 'non-INVITE';
}

/** `transactionKind` as stored (TK_*). */
export function transactionKindCode(method: string): number {
  return method === 'INVITE' ? TK_INVITE : method === 'ACK' ? TK_ACK : TK_NON_INVITE;
}

/** Transaction id as it appears in the trace JSON (`T1`, `T2`...). */
export function transactionId(idx: number): string {
  return `T${idx + 1}`;
}

/**
 * A copy of `a` with two more numbers, exactly sized: a transaction sees 1–4 states and a few
 * response copies; push() would reserve 16 more slots per array.
 */
export function append2(a: number[], x: number, y: number): number[] {
  const n = a.length;
  const b = new Array<number>(n + 2);
  for (let i = 0; i < n; i++) b[i] = a[i]!;
  b[n] = x;
  b[n + 1] = y;
  return b;
}

/** sent-by with the default port made explicit (§18.1: 5060, 5061 for TLS) and the host lower-cased, so `h` and `h:5060` match. */
export function normalizeSentBy(sentBy: string | null, transport: string | null): string {
  if (!sentBy) return '';
  const s = sentBy.toLowerCase();
  const hasPort = s.startsWith('[') ? /\]:\d+$/.test(s) : /^[^:]+:\d+$/.test(s);
  if (hasPort || (!s.startsWith('[') && s.includes(':'))) return s;
  const t = (transport ?? 'UDP').toUpperCase();
  return `${s}:${t === 'TLS' || t === 'WSS' ? 5061 : 5060}`;
}

/**
 * A 52-bit hash of a string (two FNV-1a 32-bit hashes), used as Map key instead of the string so an
 * index does not keep one key string per transaction or dialog. Collisions: ~n²/2^53, negligible at 10^7.
 */
export function hash52(s: string): number {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995);
    h2 ^= h2 >>> 15;
  }
  return (h1 >>> 0) * 0x100000 + ((h2 >>> 0) & 0xfffff);
}
