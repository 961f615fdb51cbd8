/**
 * Lingering transactions as compact records. Once a transaction has reached the state in which it
 * only waits out its last timer — an INVITE client in "Accepted" (Timer M, RFC 6026 §8.4) or
 * "Completed" (Timer D, RFC 3261 §17.1.1.2), an INVITE server in "Accepted" (Timer L, RFC 6026
 * §8.7), a non-INVITE client in "Completed" (Timer K, §17.1.2.2), a non-INVITE server in
 * "Completed" (Timer J, §17.2.2) — all it still does is match retransmissions and absorb them,
 * answer them with bytes it already has (the final response, the ACK of a non-2xx), or pass a 2xx
 * up. For that it needs its key, those bytes, where they go, its user and the user's data, and its
 * deadline: a record here (numbers in typed arrays, the octets in a chunked arena) instead of the
 * transaction object, its request, its views and the slabs they pin. Every call keeps about eight
 * transactions for up to 64*T1, so this is most of what a long simulation keeps alive.
 *
 * Only a context that asks for it (`TransactionContext.linger`, set by an element without trace
 * events) retires transactions here; with events on every transaction stays an object to the end,
 * so traces show its timers as before. The record's deadline is a clock event scheduled exactly
 * where the transaction's own timer would have been (same delay, same order). The transaction
 * table finds records like transactions; a match returns a {@link LingeringTransaction} view that
 * behaves as the transaction would have in that state.
 */
import type { SipMessage } from '../../message';
import type { TimerTarget } from '../clock';
import type { TransportAddress } from '../transport';
import type { TransactionContext } from './transaction';
import { messageBytes, responseStatus } from './transaction';
import { matchBytes, sameBytes } from './key-bytes';
import type { TimerName, TransactionKind, TransactionUser } from './types';

/** Record states (0: free slot). */
export const R_ICT_ACCEPTED = 1;
export const R_ICT_COMPLETED = 2;
export const R_IST_ACCEPTED = 3;
export const R_NIST_COMPLETED = 4;
export const R_NICT_COMPLETED = 5;

const KIND_OF: readonly TransactionKind[] = [
  'invite-client',
  'invite-client',
  'invite-client',
  'invite-server',
  'non-invite-server',
  'non-invite-client',
];
const STATE_OF: readonly string[] = [
  'terminated',
  'accepted',
  'completed',
  'accepted',
  'completed',
  'completed',
];
const TIMER_OF: readonly TimerName[] = ['M', 'M', 'D', 'L', 'J', 'K'];

// Int32 fields of a record (stride F)
const F_STATE = 0;
const F_GEN = 1;
const F_CHUNK = 2;
const F_OFF = 3;
const F_BLEN = 4; // branch octets
const F_SLEN = 5; // sent-by octets (server records)
const F_ALEN = 6; // answer octets, -1 none
const F_METHOD = 7;
const F_HASH = 8;
const F_IN = 9; // 1 client table, 2 server table, 0 not in a table
const F_SEQ = 10;
const F_STATUS = 11;
const F = 12;
// references of a record (stride 5): context, user, user data, destination, where the answer goes
const R = 5;

/** Arena chunk size: records are copied in one after the other; a chunk goes when its last record does. */
const CHUNK = 64 * 1024;

/** Where a retired transaction's table entry lives (the table's open-addressing slots). */
export interface LingerSlots {
  /** Replaces `tx` (hash `hash`) by record `r`; false when `tx` is not there. */
  replace(tx: object, hash: number, r: number): boolean;
  /** Removes record `r` (hash `hash`). */
  removeRecord(r: number, hash: number): void;
}

/**
 * The records of one transaction table. Record numbers are what the table's slots hold in place
 * of a transaction (a small integer: no object per record).
 */
export class LingerStore implements TimerTarget {
  private f = new Int32Array(F * 256);
  private refs: unknown[] = new Array<unknown>(R * 256).fill(null);
  private handle = new Float64Array(256);
  private free: number[] = [];
  private used = 0;
  private chunks: (Uint8Array | null)[] = [];
  private chunkLive: number[] = [];
  private spare: Uint8Array[] = [];
  private cur = -1;
  private pos = CHUNK;
  private readonly methods: string[] = [];
  private readonly methodCode = new Map<string, number>();
  /** Live records. */
  count = 0;

  constructor(
    private readonly clients: LingerSlots,
    private readonly servers: LingerSlots,
  ) {}

  private methodOf(m: string): number {
    // the methods come as the same few constant strings: the last one first
    if (m === this.lastMethod) return this.lastMethodCode;
    let c = this.methodCode.get(m);
    if (c === undefined) {
      c = this.methods.length;
      this.methods.push(m);
      this.methodCode.set(m, c);
    }
    this.lastMethod = m;
    this.lastMethodCode = c;
    return c;
  }
  private lastMethod = '';
  private lastMethodCode = 0;

  /** Room for `n` octets in the arena: [chunk, offset]. */
  private alloc(n: number): number {
    if (this.pos + n > CHUNK || this.cur < 0) {
      // the chunk left behind goes now if its records are gone already
      const was = this.cur;
      if (was >= 0 && this.chunkLive[was] === 0) {
        const old = this.chunks[was]!;
        if (old.length === CHUNK && this.spare.length < 4) this.spare.push(old);
        this.chunks[was] = null;
      }
      const size = n > CHUNK ? n : CHUNK;
      let c: Uint8Array | undefined;
      if (size === CHUNK) c = this.spare.pop();
      c ??= new Uint8Array(size);
      let idx = this.chunks.indexOf(null);
      if (idx < 0) {
        idx = this.chunks.length;
        this.chunks.push(c);
        this.chunkLive.push(0);
      } else {
        this.chunks[idx] = c;
        this.chunkLive[idx] = 0;
      }
      this.cur = idx;
      this.pos = 0;
    }
    const off = this.pos;
    this.pos += n;
    this.chunkLive[this.cur]!++;
    return off;
  }

  /** Gives back the last {@link alloc} (nothing was allocated since). */
  private unalloc(n: number): void {
    this.pos -= n;
    this.chunkLive[this.cur]!--;
  }
  private newSlot(): number {
    const s = this.free.pop();
    if (s !== undefined) return s;
    if (this.used * F === this.f.length) {
      const n = this.used * 2;
      const f = new Int32Array(F * n);
      f.set(this.f);
      this.f = f;
      const h = new Float64Array(n);
      h.set(this.handle);
      this.handle = h;
      const refs = new Array<unknown>(R * n).fill(null);
      for (let i = 0; i < R * this.used; i++) refs[i] = this.refs[i];
      this.refs = refs;
    }
    return this.used++;
  }

  /**
   * Retires `tx` (in table `tableIn` under `hash`) to a record in `state`: its key is `branch` (a
   * string, client records) or raw[b0, b1) and sent-by raw[s0, s1) (server records), `answer` the
   * octets it sends again (or null), and its deadline timer `code` fires `delay` from now. Returns
   * the record (its generation in {@link genOf}), or -1 when it cannot be retired (it stays as is).
   */
  retire(
    tx: object,
    ctx: TransactionContext,
    tu: TransactionUser,
    userData: unknown,
    state: number,
    tableIn: number,
    hash: number,
    method: string,
    seq: number,
    status: number,
    branch: string | null,
    raw: Uint8Array | null,
    b0: number,
    b1: number,
    s0: number,
    s1: number,
    answer: Uint8Array | null,
    dest: TransportAddress,
    code: number,
    delay: number,
    label: string | undefined,
  ): number {
    if (tableIn === 0) return -1;
    const blen = branch !== null ? branch.length : b1 - b0;
    const slen = branch !== null ? 0 : s1 - s0;
    const alen = answer !== null ? answer.length : -1;
    const size = blen + slen + (alen > 0 ? alen : 0);
    const off = this.alloc(size);
    const chunk = this.chunks[this.cur]!;
    if (branch !== null) {
      // copied and checked in one pass (a branch that is not ASCII stays a transaction)
      let or = 0;
      for (let i = 0; i < blen; i++) {
        const c = branch.charCodeAt(i);
        or |= c;
        chunk[off + i] = c;
      }
      if (or > 0x7f) {
        this.unalloc(size);
        return -1;
      }
    }
    const r = this.newSlot();
    const slots = tableIn === 1 ? this.clients : this.servers;
    if (!slots.replace(tx, hash, r)) {
      this.free.push(r);
      this.unalloc(size);
      return -1;
    }
    if (branch === null) {
      for (let i = 0; i < blen; i++) chunk[off + i] = raw![b0 + i]!;
      for (let i = 0; i < slen; i++) chunk[off + blen + i] = raw![s0 + i]!;
    }
    if (alen > 0) {
      const at = off + blen + slen;
      if (alen > 64) chunk.set(answer!, at);
      else for (let i = 0; i < alen; i++) chunk[at + i] = answer![i]!;
    }
    const f = this.f;
    const k = F * r;
    f[k + F_STATE] = state;
    f[k + F_GEN] = (f[k + F_GEN]! + 1) | 0 || 1;
    f[k + F_CHUNK] = this.cur;
    f[k + F_OFF] = off;
    f[k + F_BLEN] = blen;
    f[k + F_SLEN] = slen;
    f[k + F_ALEN] = alen;
    f[k + F_METHOD] = this.methodOf(method);
    f[k + F_HASH] = hash;
    f[k + F_IN] = tableIn;
    f[k + F_SEQ] = seq;
    f[k + F_STATUS] = status;
    const q = R * r;
    this.refs[q] = ctx;
    this.refs[q + 1] = tu;
    // a non-INVITE client in "Completed" only absorbs (§17.1.2.2): its user is never called again,
    // so its data (a request's whole context: dialog, callbacks) is not kept for Timer K
    this.refs[q + 2] = state === R_NICT_COMPLETED ? null : userData;
    this.refs[q + 3] = dest;
    this.refs[q + 4] = dest;
    this.handle[r] = ctx.clock.scheduleTarget(delay, this, r, label);
    this.count++;
    return r;
  }

  /** Generation of record `r` (a retired transaction keeps it to know whether its record lives). */
  genOf(r: number): number {
    return this.f[F * r + F_GEN]!;
  }

  /** Record `r` of generation `gen` still lives. */
  alive(r: number, gen: number): boolean {
    const k = F * r;
    return this.f[k + F_STATE] !== 0 && this.f[k + F_GEN] === gen;
  }

  /** Sets the user data of a live record (the retired transaction's `userData` writes through). */
  setUserData(r: number, gen: number, v: unknown): void {
    if (this.alive(r, gen) && this.f[F * r + F_STATE] !== R_NICT_COMPLETED) this.refs[R * r + 2] = v;
  }

  /**
   * A live record answers from now on with `bytes` sent to `dest` (an INVITE client in "Accepted"
   * whose user forgot the call: its ACK for every 2xx), and lets its user data go.
   */
  setAnswer(r: number, gen: number, bytes: Uint8Array, dest: TransportAddress): void {
    if (!this.alive(r, gen)) return;
    const f = this.f;
    const k = F * r;
    const n = bytes.length;
    const blen = f[k + F_BLEN]!;
    const slen = f[k + F_SLEN]!;
    // the key and the answer together in the current chunk; the old copy goes with its chunk
    const off = this.alloc(blen + slen + n);
    const chunk = this.chunks[this.cur]!;
    const from = this.chunks[f[k + F_CHUNK]!]!;
    const old = f[k + F_OFF]!;
    for (let i = 0; i < blen + slen; i++) chunk[off + i] = from[old + i]!;
    chunk.set(bytes, off + blen + slen);
    this.releaseChunkOf(r);
    f[k + F_CHUNK] = this.cur;
    f[k + F_OFF] = off;
    f[k + F_ALEN] = n;
    this.refs[R * r + 2] = null;
    this.refs[R * r + 4] = dest;
  }

  /** One record less in record `r`'s chunk (the chunk goes when none is left and it is not the current one). */
  private releaseChunkOf(r: number): void {
    const c = this.f[F * r + F_CHUNK]!;
    if (--this.chunkLive[c]! === 0 && c !== this.cur) {
      const chunk = this.chunks[c]!;
      if (chunk.length === CHUNK && this.spare.length < 4) this.spare.push(chunk);
      this.chunks[c] = null;
    }
  }

  /** The clock: record `r`'s deadline (Timer D, J, K, L or M) fired. */
  onTimer(r: number): void {
    if (this.f[F * r + F_STATE] === 0) return;
    this.handle[r] = 0;
    this.end(r);
  }

  /** Terminates record `r`: out of its table, its octets released, the user told of the state change. */
  private end(r: number): void {
    const f = this.f;
    const k = F * r;
    const state = f[k + F_STATE]!;
    const tu = this.refs[R * r + 1] as TransactionUser;
    const view = tu.onStateChange ? new LingeringTransaction(this, r, f[k + F_GEN]!) : null;
    this.drop(r);
    if (view !== null) tu.onStateChange!(view, STATE_OF[state]!, 'terminated');
  }

  /** Removes record `r` from its table (when replaced under its key, or at its end). */
  drop(r: number): void {
    const f = this.f;
    const k = F * r;
    if (f[k + F_STATE] === 0) return;
    const h = this.handle[r]!;
    if (h !== 0) {
      (this.refs[R * r] as TransactionContext).clock.cancel(h);
      this.handle[r] = 0;
    }
    const tin = f[k + F_IN]!;
    if (tin !== 0) (tin === 1 ? this.clients : this.servers).removeRecord(r, f[k + F_HASH]!);
    f[k + F_STATE] = 0;
    f[k + F_IN] = 0;
    this.releaseChunkOf(r);
    const q = R * r;
    this.refs[q] = null;
    this.refs[q + 1] = null;
    this.refs[q + 2] = null;
    this.refs[q + 3] = null;
    this.refs[q + 4] = null;
    this.free.push(r);
    this.count--;
  }

  // ---------------------------------------------------------------- matching (the table's lookups)

  /** Record `r` is a client record with branch raw[bs, be) and method raw[ms, me). */
  clientMatchesBytes(r: number, raw: Uint8Array, bs: number, be: number, ms: number, me: number): boolean {
    const f = this.f;
    const k = F * r;
    if (f[k + F_IN] !== 1 || f[k + F_BLEN] !== be - bs) return false;
    const m = this.methods[f[k + F_METHOD]!]!;
    if (m.length !== me - ms || matchBytes(m, 0, raw, ms, me, false) < 0) return false;
    const off = f[k + F_OFF]!;
    return sameBytes(this.chunks[f[k + F_CHUNK]!]!, off, off + (be - bs), raw, bs, be, false);
  }

  /** Record `r` is a client record with `branch` and `method`. */
  clientMatches(r: number, branch: string, method: string): boolean {
    const f = this.f;
    const k = F * r;
    if (f[k + F_IN] !== 1 || f[k + F_BLEN] !== branch.length) return false;
    if (this.methods[f[k + F_METHOD]!] !== method) return false;
    const c = this.chunks[f[k + F_CHUNK]!]!;
    const off = f[k + F_OFF]!;
    for (let i = 0; i < branch.length; i++) if (c[off + i] !== branch.charCodeAt(i)) return false;
    return true;
  }

  /**
   * Record `r` is a server record with branch raw[bs, be), sent-by raw[ss, se) (ASCII case folded)
   * and method `m`, or raw[ms, me) when `m` is null.
   */
  serverMatchesBytes(
    r: number,
    raw: Uint8Array,
    bs: number,
    be: number,
    ss: number,
    se: number,
    m: string | null,
    ms: number,
    me: number,
  ): boolean {
    const f = this.f;
    const k = F * r;
    if (f[k + F_IN] !== 2 || f[k + F_BLEN] !== be - bs || f[k + F_SLEN] !== se - ss) return false;
    const method = this.methods[f[k + F_METHOD]!]!;
    if (
      m !== null ? method !== m : method.length !== me - ms || matchBytes(method, 0, raw, ms, me, false) < 0
    )
      return false;
    const c = this.chunks[f[k + F_CHUNK]!]!;
    const off = f[k + F_OFF]!;
    const b1 = off + (be - bs);
    return sameBytes(c, off, b1, raw, bs, be, false) && sameBytes(c, b1, b1 + (se - ss), raw, ss, se, true);
  }

  /** Record `r` is a server record whose string key (`branch|sent-by|method`) is `key`. */
  serverKeyIs(r: number, key: string): boolean {
    const f = this.f;
    const k = F * r;
    if (f[k + F_IN] !== 2) return false;
    const blen = f[k + F_BLEN]!;
    const slen = f[k + F_SLEN]!;
    const method = this.methods[f[k + F_METHOD]!]!;
    if (key.length !== blen + 1 + slen + 1 + method.length) return false;
    const c = this.chunks[f[k + F_CHUNK]!]!;
    const off = f[k + F_OFF]!;
    for (let i = 0; i < blen; i++) if (key.charCodeAt(i) !== c[off + i]) return false;
    if (key.charCodeAt(blen) !== 0x7c) return false;
    for (let i = 0; i < slen; i++) {
      let x = c[off + blen + i]!;
      if (x >= 0x41 && x <= 0x5a) x |= 0x20;
      if (key.charCodeAt(blen + 1 + i) !== x) return false;
    }
    return key.charCodeAt(blen + 1 + slen) === 0x7c && key.endsWith(method);
  }

  /** A view of record `r` (made on a match: retransmissions, late CANCELs). */
  view(r: number): LingeringTransaction {
    return new LingeringTransaction(this, r, this.f[F * r + F_GEN]!);
  }

  // ---------------------------------------------------------------- what a view reads and does

  /** @internal */ stateCode(r: number, gen: number): number {
    return this.alive(r, gen) ? this.f[F * r + F_STATE]! : 0;
  }
  /** @internal */ field(r: number, which: 'seq' | 'status' | 'in'): number {
    const k = F * r;
    return this.f[k + (which === 'seq' ? F_SEQ : which === 'status' ? F_STATUS : F_IN)]!;
  }
  /** @internal */ methodName(r: number): string {
    return this.methods[this.f[F * r + F_METHOD]!]!;
  }
  /** @internal */ ref(r: number, i: number): unknown {
    return this.refs[R * r + i];
  }
  /** @internal */ branchText(r: number): string {
    const k = F * r;
    const c = this.chunks[this.f[k + F_CHUNK]!]!;
    const off = this.f[k + F_OFF]!;
    let s = '';
    for (let i = 0; i < this.f[k + F_BLEN]!; i++) s += String.fromCharCode(c[off + i]!);
    return s;
  }
  /** @internal The octets a record sends again (a copy: the arena is reused), or null. */
  answer(r: number): Uint8Array | null {
    const k = F * r;
    const alen = this.f[k + F_ALEN]!;
    if (alen < 0) return null;
    const at = this.f[k + F_OFF]! + this.f[k + F_BLEN]! + this.f[k + F_SLEN]!;
    return this.chunks[this.f[k + F_CHUNK]!]!.slice(at, at + alen);
  }
  /** @internal Terminates a live record now (transport error, or the user abandons it). */
  terminate(r: number, gen: number): void {
    if (this.alive(r, gen)) this.end(r);
  }
  /** @internal The virtual time the record's deadline fires at. */
  due(r: number): number | null {
    const h = this.handle[r]!;
    return h === 0 ? null : (this.refs[R * r] as TransactionContext).clock.dueOf(h);
  }
  /** @internal Timer name of a state. */
  static timerOf(state: number): TimerName {
    return TIMER_OF[state]!;
  }
}

/**
 * A lingering transaction as its table's lookups return it: what the transaction object did in
 * its last state, read from and done through its record (RFC 3261 §17, RFC 6026). Made on a
 * match only; it reads "terminated" once the record has ended.
 */
export class LingeringTransaction {
  private readonly kindCode: number;
  private readonly seq: number;
  readonly method: string;
  readonly branch: string;
  private readonly ctx: TransactionContext;
  private tu: TransactionUser;
  /** Where the transaction sends (responses for a server, requests for a client). */
  readonly responseDestination: TransportAddress;
  lastStatus: number | null;
  private lastUserData: unknown;

  constructor(
    private readonly store: LingerStore,
    private readonly r: number,
    private readonly gen: number,
  ) {
    this.kindCode = store.stateCode(r, gen);
    this.seq = store.field(r, 'seq');
    this.method = store.methodName(r);
    this.branch = store.branchText(r);
    this.ctx = store.ref(r, 0) as TransactionContext;
    this.tu = store.ref(r, 1) as TransactionUser;
    this.responseDestination = store.ref(r, 3) as TransportAddress;
    this.lastStatus = store.field(r, 'status') || null;
    this.lastUserData = store.ref(r, 2);
  }

  private get code(): number {
    return this.store.stateCode(this.r, this.gen);
  }
  get kind(): TransactionKind {
    return KIND_OF[this.kindCode]!;
  }
  get state(): string {
    return STATE_OF[this.code]!;
  }
  get terminated(): boolean {
    return this.code === 0;
  }
  get id(): string {
    return `T${this.seq}`;
  }
  get destination(): TransportAddress {
    return this.responseDestination;
  }
  get reliable(): boolean {
    return this.ctx.transport.reliable;
  }
  get userData(): unknown {
    return this.code !== 0 ? this.store.ref(this.r, 2) : this.lastUserData;
  }
  set userData(v: unknown) {
    this.lastUserData = v;
    this.store.setUserData(this.r, this.gen, v);
  }
  /** A lingering transaction has let its request go. */
  get request(): SipMessage | null {
    return null;
  }
  get sentToTag(): string | null {
    return null;
  }
  get cancellable(): boolean {
    return false;
  }
  get runningTimers(): TimerName[] {
    return this.code !== 0 ? [LingerStore.timerOf(this.code)] : [];
  }
  get runningTimerDues(): { timer: TimerName; due: number }[] {
    const due = this.code !== 0 ? this.store.due(this.r) : null;
    return due === null ? [] : [{ timer: LingerStore.timerOf(this.code), due }];
  }
  bindUser(tu: TransactionUser): void {
    this.tu = tu;
  }

  private sendAnswer(): void {
    const bytes = this.store.answer(this.r);
    if (bytes === null) return;
    const res = this.ctx.transport.send(bytes, this.store.ref(this.r, 4) as TransportAddress);
    if (!res.ok) this.onTransportFailure(res.error);
  }

  /** Server: a retransmission of the request (§17.2.2: the final response again; RFC 6026 §8.6: absorbed). */
  receiveRequest(_request: SipMessage): void {
    if (this.code === R_NIST_COMPLETED) this.sendAnswer();
  }

  /** INVITE server: an ACK matched in "Accepted" goes to the user (RFC 6026 §8.7). */
  receiveAck(ack: SipMessage): void {
    if (this.code === R_IST_ACCEPTED) this.tu.onRequest?.(this, ack);
  }

  /** Client: a response (§17.1.1.2 the ACK again; RFC 6026 §8.4 a 2xx up; §17.1.2.2 absorbed). */
  receiveResponse(response: SipMessage): void {
    const status = response.status ?? 0;
    const code = this.code;
    if (code === R_ICT_ACCEPTED) {
      if (status < 200 || status >= 300) return;
      // the user forgot the call and left its ACK (InviteClientTransaction.answer2xxWith): sent again
      const ack = this.store.answer(this.r);
      if (ack !== null) this.ctx.transport.send(ack, this.store.ref(this.r, 4) as TransportAddress);
      else this.tu.onResponse?.(this, response);
    } else if (code === R_ICT_COMPLETED && status >= 300) this.sendAnswer();
  }

  /** INVITE server in "Accepted": the user retransmits its 2xx (RFC 6026 §8.6); anything else is refused. */
  respond(response: Uint8Array | SipMessage, status: number = responseStatus(response)): boolean {
    if (this.code !== R_IST_ACCEPTED || status < 200 || status >= 300) return false;
    this.lastStatus = status;
    const res = this.ctx.transport.send(messageBytes(response), this.responseDestination);
    if (!res.ok) this.onTransportFailure(res.error);
    return res.ok;
  }

  /** @internal The table drops the record (another transaction took its key). */
  dropRecord(): void {
    if (this.code !== 0) this.store.drop(this.r);
  }

  /** The user abandons the transaction. */
  terminate(): void {
    this.store.terminate(this.r, this.gen);
  }

  /** A send failed: the user is told; a server transaction terminates (§17.2.4), a client in "Completed"/"Accepted" stays. */
  onTransportFailure(error: string): void {
    const code = this.code;
    if (code === 0) return;
    this.tu.onTransportError?.(this, error);
    if (code === R_IST_ACCEPTED || code === R_NIST_COMPLETED) this.store.terminate(this.r, this.gen);
  }
}
