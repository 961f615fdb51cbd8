/**
 * Tier 1's own copies of the transaction table (transaction/transaction.ts `TxnTable`) and the key
 * table (key-table.ts `KeyTable`): the same code under other names.
 * @remarks Why a copy: V8 keeps type feedback per function in the source, so the full analyzer (tier
 * 2), running on the same thread, made these classes' methods polymorphic for both, and tier 1 then ran
 * 2.5-3x slower (bench capture, same process: 69-95 ms with copies vs 230-466 ms shared, after two
 * listener analyses; a class factory does not separate the feedback). Keep both in step: the tier-1
 * tests compare every transaction field with the full analyzer's.
 */
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
const growU16 = (a: Uint16Array, n: number): Uint16Array<ArrayBuffer> => {
  const b = new Uint16Array(n);
  b.set(a);
  return b;
};
const growU8 = (a: Uint8Array, n: number): Uint8Array<ArrayBuffer> => {
  const b = new Uint8Array(n);
  b.set(a);
  return b;
};

/**
 * The analysis' transactions as typed-array columns, one row per transaction (its index `ti`): no
 * object per transaction, times unboxed. The state sequence and the response copies of each
 * transaction are linked lists in shared pools (a transaction sees 1–4 states and a few copies).
 */
export class Tier1TxnTable {
  /** Number of transactions. */
  n = 0;
  #cap = 0;
  /** TK_INVITE / TK_NON_INVITE / TK_ACK. */
  kind = new Uint8Array(0);
  /** Diagnostics already emitted once for this transaction (TF_* bits). */
  flags = new Uint8Array(0);
  /** Method: the trace's method key (`Trace.methodName`); its name by `methodName`. */
  mkey = new Uint16Array(0);
  /** Method names by method key (filled by `add`). */
  readonly #names: string[] = [];
  cseq = new Float64Array(0);
  /** Call-ID group index (-1: none). */
  group = new Int32Array(0);
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
    this.mkey = growU16(this.mkey, c);
    this.flags = growU8(this.flags, c);
    this.rfc2543 = growU8(this.rfc2543, c);
    this.acked = growU8(this.acked, c);
    this.inDialog = growU8(this.inDialog, c);
    this.cseq = growF64(this.cseq, c);
    this.group = growI32(this.group, c);
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

  /** Makes room for `n` more transactions (a trace analysed at once: no doubling while it fills). */
  reserve(n: number): void {
    if (this.n + n > this.#cap) this.#grow(this.n + n);
    // and the pools: ~2-3 states and ~1 response copy per transaction
    // (doubling: a trace indexed part by part as it is read reserves again for every part)
    if (2 * (this.n + n) > this.#stState.length) {
      const states = Math.max(2 * (this.n + n), 2 * this.#stState.length);
      this.#stState = growU8(this.#stState, states);
      this.#stUs = growF64(this.#stUs, states);
      this.#stNext = growI32(this.#stNext, states);
    }
    if (this.n + n > this.respUs.length) {
      const c = Math.max(this.n + n, 2 * this.respUs.length);
      this.respSig = growF64(this.respSig, c);
      this.respUs = growF64(this.respUs, c);
      this.respId = growI32(this.respId, c);
      this.respNext = growI32(this.respNext, c);
    }
  }

  /** Adds a transaction; returns its index. */
  add(
    kind: number,
    mkey: number,
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
    this.mkey[ti] = mkey;
    if (this.#names[mkey] === undefined) this.#names[mkey] = method;
    this.rfc2543[ti] = rfc2543 ? 1 : 0;
    this.cseq[ti] = cseq;
    this.group[ti] = group;
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
    this.#stHead[ti] = -1;
    this.#stTail[ti] = -1;
    this.#rHead[ti] = -1;
    this.#rTail[ti] = -1;
    this.n = ti + 1;
    return ti;
  }

  /** Method name of transaction `ti`. */
  methodName(ti: number): string {
    return this.#names[this.mkey[ti]!] ?? '?';
  }

  /** Appends a state (index in TRANSACTION_STATES) unless it is already the current one. */
  pushState(ti: number, state: number, us: number): void {
    const tail = this.#stTail[ti]!;
    if (tail >= 0 && this.#stState[tail] === state) return;
    const k = this.#stN++;
    if (k >= this.#stState.length) {
      const c = Math.max(256, this.#stState.length * 2);
      this.#stState = growU8(this.#stState, c);
      this.#stUs = growF64(this.#stUs, c);
      this.#stNext = growI32(this.#stNext, c);
    }
    this.#stState[k] = state;
    this.#stUs[k] = us;
    this.#stNext[k] = -1;
    if (tail >= 0) this.#stNext[tail] = k;
    else this.#stHead[ti] = k;
    this.#stTail[ti] = k;
  }

  /** The current state (index in TRANSACTION_STATES; `calling` before any). */
  state(ti: number): number {
    const tail = this.#stTail[ti]!;
    return tail >= 0 ? this.#stState[tail]! : 0;
  }

  /** The state sequence: state index and time µs, alternating. */
  states(ti: number): number[] {
    const out: number[] = [];
    for (let k = this.#stHead[ti]!; k >= 0; k = this.#stNext[k]!) out.push(this.#stState[k]!, this.#stUs[k]!);
    return out;
  }

  /** Adds a response copy (see `respSig`); returns its pool entry. */
  addResp(ti: number, sig: number, us: number, id: number): number {
    const k = this.#rN++;
    if (k >= this.respUs.length) {
      const c = Math.max(256, this.respUs.length * 2);
      this.respSig = growF64(this.respSig, c);
      this.respUs = growF64(this.respUs, c);
      this.respId = growI32(this.respId, c);
      this.respNext = growI32(this.respNext, c);
    }
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
    return this.#cap * 126 + this.#stState.length * 13 + this.respUs.length * 24;
  }
}

/** An empty slot's value word (values are stored + 1, so a new table needs no fill). */
const EMPTY = 0;

/**
 * (tier 1's form of key-table.ts KeyTable, see the file's remarks) Open-addressing map from 52-bit
 * keys to non-negative int32 values; -1 means absent. One Int32Array of 4-word slots (key low, key
 * high, value, unused): a probe reads one cache line, where three parallel arrays cost up to three
 * misses per probe once the table outgrows the cache (a 2 M-message trace's: 24 MB). `get` remembers
 * its last slot, so `set` of the key just looked up does not probe again.
 */
export class Tier1KeyTable {
  #slots: Int32Array;
  #mask: number;
  /** 32 - log2(slots): a slot is the top bits of the multiplicative hash (the well-mixed ones). */
  #shift: number;
  #size = 0;
  /** The slot `get` found or stopped at, and the key it looked up. */
  #lastSlot = -1;
  #lastKey = -0;

  constructor(capacity = 1024) {
    let cap = 16;
    while (cap < capacity * 2) cap *= 2;
    this.#slots = new Int32Array(cap * 4);
    this.#mask = cap - 1;
    this.#shift = 32 - Math.log2(cap);
  }

  get size(): number {
    return this.#size;
  }

  /** Bytes held by the table. */
  get bytes(): number {
    return this.#slots.byteLength;
  }

  /** The slot (word index) of key (lo, hi): where it is, or the empty slot where it would go. */
  #slot(lo: number, hi: number): number {
    const mask = this.#mask;
    const s = this.#slots;
    let i = (Math.imul(lo, 0x9e3779b1) ^ Math.imul(hi, 0x85ebca6b)) >>> this.#shift;
    for (;;) {
      const w = i << 2;
      if (s[w + 2] === EMPTY || (s[w] === lo && s[w + 1] === hi)) return w;
      i = (i + 1) & mask;
    }
  }

  /**
   * Reads the words of keys `keys[0..n-1]`'s home slots (a hint, no answer): a pass over the next
   * messages' keys before they are looked up brings their slots' cache lines in together (the loads
   * are independent, so they overlap; a lookup one at a time waits for each line in turn).
   */
  touchAll(keys: Float64Array, n: number): number {
    const s = this.#slots;
    const shift = this.#shift;
    let x = 0;
    for (let i = 0; i < n; i++) {
      const k = keys[i]!;
      x ^=
        s[
          (((Math.imul(k | 0, 0x9e3779b1) ^ Math.imul((k / 4294967296) | 0, 0x85ebca6b)) >>> shift) << 2) + 2
        ]!;
    }
    return x;
  }

  /** Value of key `k`, or -1. */
  get(k: number): number {
    const w = this.#slot(k | 0, (k / 4294967296) | 0);
    this.#lastSlot = w;
    this.#lastKey = k;
    return this.#slots[w + 2]! - 1;
  }

  /** Sets key `k` to `v` (≥ 0). */
  set(k: number, v: number): void {
    const lo = k | 0;
    const hi = (k / 4294967296) | 0;
    const w = k === this.#lastKey && this.#lastSlot >= 0 ? this.#lastSlot : this.#slot(lo, hi);
    this.#lastSlot = -1;
    const s = this.#slots;
    if (s[w + 2] === EMPTY) {
      s[w] = lo;
      s[w + 1] = hi;
      this.#size++;
    }
    s[w + 2] = v + 1;
    if (this.#size * 2 > this.#mask + 1) this.#grow();
  }

  #grow(): void {
    const old = this.#slots;
    const cap = (this.#mask + 1) * 2;
    this.#slots = new Int32Array(cap * 4);
    this.#mask = cap - 1;
    this.#shift = 32 - Math.log2(cap);
    this.#lastSlot = -1;
    const s = this.#slots;
    for (let w = 0; w < old.length; w += 4) {
      if (old[w + 2] === EMPTY) continue;
      const x = this.#slot(old[w]!, old[w + 1]!);
      s[x] = old[w]!;
      s[x + 1] = old[w + 1]!;
      s[x + 2] = old[w + 2]!;
    }
  }
}
