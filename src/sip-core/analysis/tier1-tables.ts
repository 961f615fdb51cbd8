/**
 * Tier 1's own transaction table (transaction/transaction.ts `TxnTable` in fewer columns: see
 * `Tier1TxnTable`) and copy of the key table (key-table.ts `KeyTable`, the same code under another
 * name).
 * @remarks Why a copy: V8 keeps type feedback per function in the source, so the full analyzer (tier
 * 2), running on the same thread, made these classes' methods polymorphic for both, and tier 1 then ran
 * 2.5-3x slower (bench capture, same process: 69-95 ms with copies vs 230-466 ms shared, after two
 * listener analyses; a class factory does not separate the feedback). Keep both in step: the tier-1
 * tests compare every transaction field (`Tier1Analysis.transaction`) with the full analyzer's.
 */
const growI32 = (a: Int32Array, n: number): Int32Array<ArrayBuffer> => {
  const b = new Int32Array(n);
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

/** A typed array of any element type (`firstWrite`'s columns). */
type Column = Int32Array | Uint32Array | Uint16Array | Uint8Array | Float64Array;

/** Rows whose pages `firstWrite` writes first, ahead of the rows being added. */
export const FIRST_WRITE_ROWS = 1024;

/**
 * Writes 0 to one element of every 4 KiB page that `col[from, to)` spans (a stride of one page from
 * `from`, and `to - 1`): rows not used yet, so zero is what they hold. A fresh page's first access
 * then is a write: one minor fault. A first read (`x[i]++`, `if (x[i] === 0)`) maps the zero page and
 * the write after it faults again (a fresh 32 MB column: 8.2k faults written, 16.4k read then
 * written). Tier 1's columns fill row by row, most read before written: calling this ahead of the
 * rows being added (`FIRST_WRITE_ROWS` at a time) halves their faults at a store per page.
 */
export function firstWrite(col: Column, from: number, to: number): void {
  const end = Math.min(to, col.length);
  if (end <= from) return;
  const step = 4096 / col.BYTES_PER_ELEMENT;
  for (let i = from; i < end; i += step) col[i] = 0;
  col[end - 1] = 0;
}

/**
 * The analysis' transactions as typed-array columns, one row per transaction (its index `ti`): no
 * object per transaction. Unlike the full analyzer's table, what a transaction's messages already hold
 * is not copied: its start time, CSeq, group and key are those of its first message (`firstId`), its
 * times are message ids (the final response's, the latest message's, the last request copy's: the
 * trace's time column gives the µs), and a column whose value is mostly "none" is stored + 1 (0: none),
 * so a fresh row is written only where it has something (a 1 GB capture's 0.9 M transactions touched
 * ~190 B each of fresh pages; what is read back is `Tier1Analysis.transaction`). The state sequence (at
 * most four states: calling/trying, proceeding, the final, confirmed) is kept in the row; the response
 * copies of each transaction are a linked list in a shared pool.
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
  /** Id of the first request copy (-1 when only responses were seen). */
  requestId = new Int32Array(0);
  /** Id of the first message of the transaction. */
  firstId = new Int32Array(0);
  /** Final status (0: none yet). */
  finalStatus = new Int32Array(0);
  /** The first copy of the final response + 1 (0: none yet). */
  finalId1 = new Int32Array(0);
  /** First 2xx to an INVITE + 1 (0: none). */
  okId1 = new Int32Array(0);
  /** First dialog this transaction created + 1 (0: none). */
  dialog1 = new Int32Array(0);
  /** INVITE: the CANCEL transaction that cancelled it; CANCEL: the INVITE transaction (-1: none). */
  peer = new Int32Array(0);
  retransmissions = new Int32Array(0);
  reqRetrans = new Int32Array(0);
  responses = new Int32Array(0);
  requests = new Int32Array(0);
  /** The message with the latest time + 1 (0: the first message). */
  lastId1 = new Int32Array(0);
  /** The last request copy + 1 (for retransmission intervals; 0: the first message). */
  reqLastId1 = new Int32Array(0);
  /** Matched by RFC 2543 rules (no magic cookie). */
  rfc2543 = new Uint8Array(0);
  /** The 2xx was ACKed. */
  acked = new Uint8Array(0);
  /** The request carried a To tag (in-dialog). */
  inDialog = new Uint8Array(0);

  // State sequence: per transaction the count (3 bits) and up to four states (3 bits each), and the
  // id of the message that entered each: the first state's is the transaction's first message (in
  // `#st0` when not), the others' are three words per row. A fifth state (none in RFC 3261's
  // machines as tier 1 follows them) goes to `#stMore`.
  #st = new Uint16Array(0);
  #stId = new Int32Array(0);
  readonly #st0 = new Map<number, number>();
  readonly #stMore = new Map<number, number[]>();

  // Response copies (and the ACK of a non-2xx final): id of the first copy (its status and To tag, or
  // that it is the ACK, are the entry's signature: read from the trace's columns), id of the last
  // copy + 1 (0: the first); per transaction a list, newest first (a copy matches one entry at most:
  // entries differ in signature or path).
  #rHead = new Int32Array(0);
  respId = new Int32Array(0);
  respLast1 = new Int32Array(0);
  /** Next entry + 1 (0: the end). */
  respNext1 = new Int32Array(0);
  #rN = 0;
  /** Rows (and pool entries) below these were written first (`firstWrite`). */
  #written = 0;
  #rWritten = 0;

  /** Writes the pages of rows `from..` (FIRST_WRITE_ROWS of them) before they are read (`firstWrite`). */
  #writeAhead(from: number): void {
    const to = from + FIRST_WRITE_ROWS;
    // (not the columns written for few transactions: flags, rfc2543, reqRetrans, reqLastId1 — their
    // pages are touched only where one is written)
    for (const c of [this.kind, this.acked, this.inDialog, this.mkey, this.#st]) firstWrite(c, from, to);
    for (const c of [
      this.requestId,
      this.firstId,
      this.finalStatus,
      this.finalId1,
      this.okId1,
      this.dialog1,
      this.peer,
      this.retransmissions,
      this.responses,
      this.requests,
      this.lastId1,
      this.#rHead,
    ])
      firstWrite(c, from, to);
    firstWrite(this.#stId, 3 * from, 3 * to);
    this.#written = Math.min(to, this.#cap);
  }

  /** `#writeAhead` of the response pool's entries. */
  #writeAheadResp(from: number): void {
    const to = from + FIRST_WRITE_ROWS;
    firstWrite(this.respId, from, to);
    firstWrite(this.respLast1, from, to);
    firstWrite(this.respNext1, from, to);
    this.#rWritten = Math.min(to, this.respId.length);
  }

  #grow(min: number): void {
    const c = Math.max(min + 1, this.#cap * 2, 1024);
    // (the rows copied are written; those after them are fresh)
    this.#written = Math.min(this.#written, this.#cap);
    this.kind = growU8(this.kind, c);
    this.mkey = growU16(this.mkey, c);
    this.flags = growU8(this.flags, c);
    this.rfc2543 = growU8(this.rfc2543, c);
    this.acked = growU8(this.acked, c);
    this.inDialog = growU8(this.inDialog, c);
    this.requestId = growI32(this.requestId, c);
    this.firstId = growI32(this.firstId, c);
    this.finalStatus = growI32(this.finalStatus, c);
    this.finalId1 = growI32(this.finalId1, c);
    this.okId1 = growI32(this.okId1, c);
    this.dialog1 = growI32(this.dialog1, c);
    this.peer = growI32(this.peer, c);
    this.retransmissions = growI32(this.retransmissions, c);
    this.reqRetrans = growI32(this.reqRetrans, c);
    this.responses = growI32(this.responses, c);
    this.requests = growI32(this.requests, c);
    this.lastId1 = growI32(this.lastId1, c);
    this.reqLastId1 = growI32(this.reqLastId1, c);
    this.#st = growU16(this.#st, c);
    this.#stId = growI32(this.#stId, 3 * c);
    this.#rHead = growI32(this.#rHead, c);
    this.#cap = c;
  }

  /** Makes room for `n` more transactions (a trace analysed at once: no doubling while it fills). */
  reserve(n: number): void {
    if (this.n + n > this.#cap) this.#grow(this.n + n);
    // and the pool: ~1.2 response copies per transaction (the 1 GB bench capture: 1.16; a pool grown
    // at the end of a read copied 20 MB in its last part)
    // (doubling: a trace indexed part by part as it is read reserves again for every part)
    const r = this.n + n + (n >> 2);
    if (r > this.respId.length) this.#growResp(Math.max(r, 2 * this.respId.length));
  }

  #growResp(c: number): void {
    this.#rWritten = Math.min(this.#rWritten, this.respId.length);
    this.respId = growI32(this.respId, c);
    this.respLast1 = growI32(this.respLast1, c);
    this.respNext1 = growI32(this.respNext1, c);
  }

  /** Adds a transaction; returns its index. (Rows are fresh: zero where not written.) */
  add(
    kind: number,
    mkey: number,
    method: string,
    rfc2543: boolean,
    requestId: number,
    firstId: number,
    inDialog: boolean,
  ): number {
    const ti = this.n;
    if (ti >= this.#cap) this.#grow(ti);
    if (ti >= this.#written) this.#writeAhead(ti);
    this.kind[ti] = kind;
    this.mkey[ti] = mkey;
    if (this.#names[mkey] === undefined) this.#names[mkey] = method;
    if (rfc2543) this.rfc2543[ti] = 1;
    this.requestId[ti] = requestId;
    this.firstId[ti] = firstId;
    this.peer[ti] = -1;
    if (inDialog) this.inDialog[ti] = 1;
    this.n = ti + 1;
    return ti;
  }

  /** Method name of transaction `ti`. */
  methodName(ti: number): string {
    return this.#names[this.mkey[ti]!] ?? '?';
  }

  /** The final response's first copy (-1: none yet). */
  finalId(ti: number): number {
    return this.finalId1[ti]! - 1;
  }
  /** The first 2xx to an INVITE (-1: none). */
  okId(ti: number): number {
    return this.okId1[ti]! - 1;
  }
  /** The first dialog this transaction created (-1: none). */
  dialog(ti: number): number {
    return this.dialog1[ti]! - 1;
  }
  /** The message with the latest time (the first of those with that time). */
  lastId(ti: number): number {
    const x = this.lastId1[ti]!;
    return x > 0 ? x - 1 : this.firstId[ti]!;
  }
  /** The last request copy (the first message when none came after it). */
  reqLastId(ti: number): number {
    const x = this.reqLastId1[ti]!;
    return x > 0 ? x - 1 : this.firstId[ti]!;
  }

  /** Appends a state (index in TRANSACTION_STATES), entered by message `id`, unless it is already the current one. */
  pushState(ti: number, state: number, id: number): void {
    const s = this.#st[ti]!;
    const k = s & 7;
    if (k > 0 && this.state(ti) === state) return;
    if (k >= 4) {
      // (never with RFC 3261's machines: kept exact all the same)
      const more = this.#stMore.get(ti) ?? [];
      more.push(state, id);
      this.#stMore.set(ti, more);
      if (k === 4) this.#st[ti] = s + 1;
      return;
    }
    this.#st[ti] = (s + 1) | (state << (3 + 3 * k));
    if (k > 0) this.#stId[3 * ti + k - 1] = id;
    else if (id !== this.firstId[ti]) this.#st0.set(ti, id);
  }

  /** The current state (index in TRANSACTION_STATES; `calling` before any). */
  state(ti: number): number {
    const s = this.#st[ti]!;
    const k = s & 7;
    if (k === 0) return 0;
    if (k > 4) {
      const more = this.#stMore.get(ti)!;
      return more[more.length - 2]!;
    }
    return (s >> (3 + 3 * (k - 1))) & 7;
  }

  /** The state sequence: state index and the id of the message that entered it, alternating. */
  stateIds(ti: number): number[] {
    const s = this.#st[ti]!;
    const out: number[] = [];
    for (let k = 0; k < Math.min(4, s & 7); k++)
      out.push(
        (s >> (3 + 3 * k)) & 7,
        k > 0 ? this.#stId[3 * ti + k - 1]! : (this.#st0.get(ti) ?? this.firstId[ti]!),
      );
    if ((s & 7) > 4) out.push(...this.#stMore.get(ti)!);
    return out;
  }

  /** Adds response copy (or ACK) `id` as transaction `ti`'s newest entry; returns its pool entry. */
  addResp(ti: number, id: number): number {
    const k = this.#rN++;
    if (k >= this.respId.length) this.#growResp(Math.max(256, this.respId.length * 2));
    if (k >= this.#rWritten) this.#writeAheadResp(k);
    this.respId[k] = id;
    const head = this.#rHead[ti]!;
    if (head > 0) this.respNext1[k] = head;
    this.#rHead[ti] = k + 1;
    return k;
  }

  /** First response copy of a transaction (-1: none); the next is `respNext1[k] - 1`. */
  respHead(ti: number): number {
    return this.#rHead[ti]! - 1;
  }

  /** The last copy of response entry `k`. */
  respLast(k: number): number {
    const x = this.respLast1[k]!;
    return x > 0 ? x - 1 : this.respId[k]!;
  }

  /** Approximate bytes held. */
  get bytes(): number {
    return this.#cap * 80 + this.respId.length * 12;
  }
}

/** An empty slot's value word (values are stored + 1, so a new table needs no fill). */
const EMPTY = 0;

/**
 * (tier 1's form of key-table.ts KeyTable, see the file's remarks) Open-addressing map from 52-bit
 * keys to non-negative int32 values; -1 means absent. One Int32Array of 4-word slots (key low, key
 * high, value, unused: written by `touchAll` alone): a probe reads one cache line, where three parallel arrays cost up to three
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
   * are independent, so they overlap; a lookup one at a time waits for each line in turn). Each slot's
   * unused word is written too: a page of a fresh table read first is mapped to the zero page and
   * faults again at the first write (a 2 M-message trace's table took ~8k faults more, read then
   * written); written here, it faults once.
   */
  touchAll(keys: Float64Array, n: number): number {
    const s = this.#slots;
    const shift = this.#shift;
    let x = 0;
    for (let i = 0; i < n; i++) {
      const k = keys[i]!;
      const w = ((Math.imul(k | 0, 0x9e3779b1) ^ Math.imul((k / 4294967296) | 0, 0x85ebca6b)) >>> shift) << 2;
      s[w + 3] = 0; // (before the read: a read first maps the zero page)
      x ^= s[w + 2]!;
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
