/**
 * What the four RFC 3261 §17 state machines share: one guarded `transition()` checked against a
 * legal-predecessor table, named timers on the injected {@link Scheduler}, sending through the
 * {@link Transport}, and trace events. Each machine lives in its own file with its table.
 */
import type { SipMessage } from '../../message';
import type { Micros, Scheduler } from '../clock';
import type { Transport, TransportAddress } from '../transport';
import type {
  TimerConfig,
  TimerName,
  TransactionEvent,
  TransactionInfo,
  TransactionKind,
  TransactionUser,
} from './types';
import { IllegalTransitionError } from './types';
import type { LingerStore } from './linger';

/** What a transaction is given by its layer (or directly, in tests). */
export interface TransactionContext {
  clock: Scheduler;
  transport: Transport;
  timers: TimerConfig;
  /** Layer-unique id; empty when {@link seq} gives it. */
  id: string;
  /**
   * When `id` is empty: the id is `T<seq>`, made only if someone reads it (an element without
   * events makes no id string for the transactions it keeps 64*T1).
   */
  seq?: number | undefined;
  /** Receives trace events; absent means no events are built (fast path). */
  emit?: ((e: TransactionEvent) => void) | undefined;
  /** Called once when the transaction reaches "Terminated" (the layer forgets it). */
  onTerminated?: ((tx: TransactionBase<string>) => void) | undefined;
  /**
   * The lingering records of the table that holds the transactions (with `emit` absent and
   * `onTerminated` that table's forget): a transaction that only waits out Timer D, J, K, L or M
   * moves there as a compact record ({@link LingerStore}) and lets its objects go.
   */
  linger?: LingerStore | undefined;
}

/**
 * Status code of a response given as bytes (read from the status line, RFC 3261 §7.2) or as a
 * parsed message, without a full parse; 0 when it is not a response.
 */
export function responseStatus(response: Uint8Array | SipMessage): number {
  if (!(response instanceof Uint8Array)) return response.status ?? 0;
  let i = 0;
  while (i < response.length && (response[i] === 13 || response[i] === 10)) i++;
  // "SIP/" then version up to SP, then three digits.
  if (
    response[i] !== 0x53 ||
    response[i + 1] !== 0x49 ||
    response[i + 2] !== 0x50 ||
    response[i + 3] !== 0x2f
  )
    return 0;
  let j = i + 4;
  while (j < response.length && j < i + 16 && response[j] !== 0x20) j++;
  const a = response[j + 1]! - 48;
  const b = response[j + 2]! - 48;
  const c = response[j + 3]! - 48;
  if (response[j] !== 0x20 || a < 1 || a > 6 || b < 0 || b > 9 || c < 0 || c > 9) return 0;
  return a * 100 + b * 10 + c;
}

/** The bytes of a message given as bytes or parsed (no copy). */
export function messageBytes(m: Uint8Array | SipMessage): Uint8Array {
  return m instanceof Uint8Array ? m : m.raw.subarray(m.start, m.end);
}

/** The RFC's names of the timers, used as scheduler labels and in element events (constant strings). */
export const TIMER_LABEL: Readonly<Record<TimerName, string>> = {
  A: 'Timer A',
  B: 'Timer B',
  C: 'Timer C',
  D: 'Timer D',
  E: 'Timer E',
  F: 'Timer F',
  G: 'Timer G',
  H: 'Timer H',
  I: 'Timer I',
  J: 'Timer J',
  K: 'Timer K',
  L: 'Timer L',
  M: 'Timer M',
  Trying: '100 Trying (200 ms)',
};

/** Timer codes: the index of each name (numbers travel through the scheduler, names in events). */
const TIMER_NAMES: readonly TimerName[] = [
  'A',
  'B',
  'C',
  'D',
  'E',
  'F',
  'G',
  'H',
  'I',
  'J',
  'K',
  'L',
  'M',
  'Trying',
];
/** Timer codes by name, for the machines' calls (`startTimer(TIMER_CODE.A, …)`: a constant load). */
export const TIMER_CODE: Readonly<Record<TimerName, number>> = {
  A: 0,
  B: 1,
  C: 2,
  D: 3,
  E: 4,
  F: 5,
  G: 6,
  H: 7,
  I: 8,
  J: 9,
  K: 10,
  L: 11,
  M: 12,
  Trying: 13,
};
/** Scheduler labels by timer code (an array read, not a keyed lookup per timer started). */
const LABEL_BY_CODE: readonly string[] = TIMER_NAMES.map((n) => TIMER_LABEL[n]);

/**
 * Each timer's group: a transaction runs at most one timer of a group at a time (retransmission
 * A/E/G; timeout B/F/H; C or the 100 Trying delay; the wait of the last state D/I/J/K/L/M), so four
 * fixed slots hold every running timer: no object or closure per timer.
 */
const TIMER_GROUP: readonly number[] = [0, 1, 2, 3, 0, 1, 0, 1, 3, 3, 3, 3, 3, 2];
/** No timer running in a group (a 4-bit code; the codes are 0..13). */
const NONE = 15;
/** No timer running, start order 0, 1, 2, 3 (any order: it only ranks running timers). */
const TM_IDLE = 0xffff | (0b11100100 << 16);

export abstract class TransactionBase<S extends string> implements TransactionInfo {
  abstract readonly kind: TransactionKind;
  /** Layer-unique id (`T<seq>` made on first read when the context gave a number). */
  get id(): string {
    if (this.idText === '') this.idText = `T${this.idSeq}`;
    return this.idText;
  }
  private idText: string;
  private readonly idSeq: number;
  /** Free slot for the transaction user (e.g. the proxy context or the call a transaction belongs to). */
  get userData(): unknown {
    return this.ud;
  }
  set userData(v: unknown) {
    this.ud = v;
    // a transaction retired to a lingering record: the record answers for it now
    if (this.lingerR >= 0) this.ctx.linger!.setUserData(this.lingerR, this.lingerGen, v);
  }
  private ud: unknown = null;
  /** The lingering record this transaction was retired to (-1: none) and its generation. */
  private lingerR = -1;
  private lingerGen = 0;
  protected get lingerRecord(): number {
    return this.lingerR;
  }
  protected get lingerGeneration(): number {
    return this.lingerGen;
  }
  /** Key under which a {@link TransactionTable} holds this transaction (set by the table). */
  tableKey: string | null = null;
  /** Hash of the table key, and whether a table holds it: 0 no, 1 as a client, 2 as a server (set by the table). */
  tableHash = 0;
  tableIn = 0;
  /**
   * The octets of the request whose key a table compares (added by `addServerFor`; no key string
   * then): its top Via branch at [tableB0, tableB1) and sent-by at [tableS0, tableS1).
   */
  tableRaw: Uint8Array | null = null;
  tableB0 = 0;
  tableB1 = 0;
  tableS0 = 0;
  tableS1 = 0;
  private current: S;
  /**
   * The four timer slots (see TIMER_GROUP) in one small integer: bits 4g..4g+3 the code running in
   * group g (15: none), bits 16..23 the groups in the order their timers were started (2 bits each,
   * oldest first; handles do not tell it). One field instead of five: every transaction lives 64*T1.
   */
  private tm = TM_IDLE;
  // each group's scheduler handle (the scheduler knows when it is due: Scheduler.dueOf)
  private h0 = 0;
  private h1 = 0;
  private h2 = 0;
  private h3 = 0;

  /** Legal predecessors of each state (the machine's table; on the prototype, not a field). */
  protected abstract get legalFrom(): Readonly<Record<S, readonly S[]>>;

  /** The branch, when known (a server transaction makes it from its request on first use). */
  private br: string | null;

  /**
   * @param branch the top Via branch, or null when the machine reads it from its request only if
   *               asked ({@link branchOfRequest})
   */
  protected constructor(
    protected readonly ctx: TransactionContext,
    protected tu: TransactionUser,
    initial: S,
    branch: string | null,
    readonly method: string,
  ) {
    this.br = branch;
    this.idText = ctx.id;
    this.idSeq = ctx.seq ?? 0;
    this.current = initial;
  }

  /** Whether the transport is reliable (RFC 3261 §17: no retransmission timers, zero waits). */
  get reliable(): boolean {
    return this.ctx.transport.reliable;
  }

  /** Top Via branch of the request that created the transaction. */
  get branch(): string {
    if (this.br !== null) return this.br;
    // retired to a record: the record has the key's octets (while it lives)
    if (this.lingerR >= 0) {
      const l = this.ctx.linger!;
      return l.alive(this.lingerR, this.lingerGen) ? (this.br = l.branchText(this.lingerR)) : '';
    }
    return (this.br = this.branchOfRequest());
  }

  /** The branch of a transaction created without it (server transactions: from the request). */
  protected branchOfRequest(): string {
    return '';
  }

  get state(): S {
    // retired to a record: terminated when the record is
    if (this.lingerR >= 0 && !this.ctx.linger!.alive(this.lingerR, this.lingerGen)) return 'terminated' as S;
    return this.current;
  }

  /**
   * Hands the transaction to another TU (e.g. a proxy's per-call context takes over a server
   * transaction the layer created for its user). Later upcalls go to `tu`.
   */
  bindUser(tu: TransactionUser): void {
    this.tu = tu;
  }

  get terminated(): boolean {
    return this.state === 'terminated';
  }

  /**
   * Enters the wait of the last state: starts timer `code` (D, J, K, L or M) for `duration`, or,
   * when the context keeps lingering records, moves the transaction to one ({@link LingerStore}):
   * `state` its record state, `answer` what it sends again on a retransmission (or null), `dest`
   * where. The transaction object then leaves its table and lets go of its messages
   * ({@link letGo}); its `state` still reads right while someone holds it.
   */
  protected linger(
    code: number,
    duration: Micros,
    state: number,
    answer: Uint8Array | null,
    dest: TransportAddress,
    status: number,
  ): void {
    const ctx = this.ctx;
    const l = ctx.linger;
    if (
      l !== undefined &&
      duration > 0 &&
      ctx.emit === undefined &&
      this.idText === '' &&
      (this.tm & 0xffff) === 0xffff &&
      (this.tableIn === 1 || (this.tableIn === 2 && this.tableRaw !== null))
    ) {
      const server = this.tableIn === 2;
      const r = l.retire(
        this,
        ctx,
        this.tu,
        this.ud,
        state,
        this.tableIn,
        this.tableHash,
        this.method,
        this.idSeq,
        status,
        server ? null : this.branch,
        this.tableRaw,
        this.tableB0,
        this.tableB1,
        this.tableS0,
        this.tableS1,
        answer,
        dest,
        code,
        duration,
        LABEL_BY_CODE[code],
      );
      if (r >= 0) {
        this.lingerR = r;
        this.lingerGen = l.genOf(r);
        this.tableIn = 0;
        this.tableRaw = null;
        this.letGo();
        return;
      }
    }
    this.startTimer(code, duration);
  }

  /** Drops what only the states before the last wait used (the transaction was retired to a record). */
  protected letGo(): void {}

  /** Running timers as [code, handle, due], in the order they were started. */
  private running(): [number, number, number][] {
    const out: [number, number, number][] = [];
    const clock = this.ctx.clock;
    const tm = this.tm;
    for (let k = 0; k < 4; k++) {
      const g = (tm >> (16 + 2 * k)) & 3;
      const code = (tm >> (4 * g)) & 15;
      if (code === NONE) continue;
      const h = g === 0 ? this.h0 : g === 1 ? this.h1 : g === 2 ? this.h2 : this.h3;
      out.push([code, h, clock.dueOf(h) ?? NaN]);
    }
    return out;
  }

  /** Timers currently running (for UIs). */
  get runningTimers(): TimerName[] {
    return this.running().map((t) => TIMER_NAMES[t[0]]!);
  }

  /** Running timers with the virtual time each fires at (for the UI's transaction panel). */
  get runningTimerDues(): { timer: TimerName; due: Micros }[] {
    return this.running().map((t) => ({ timer: TIMER_NAMES[t[0]]!, due: t[2] }));
  }

  /**
   * The single guarded state change. Throws {@link IllegalTransitionError} when `to` does not list
   * the current state as a legal predecessor (a programming error; wire input cannot cause it).
   * Entering "terminated" stops every timer and tells the layer. The cause of the event is `cause`,
   * or `${status}${cause}` when a status is given (built only when events are on).
   */
  protected transition(to: S, cause: string, status = -1): void {
    const from = this.current;
    if (!this.legalFrom[to].includes(from)) throw new IllegalTransitionError(this.kind, from, to);
    this.current = to;
    this.ctx.emit?.({
      type: 'state',
      tx: this.id,
      kind: this.kind,
      at: this.ctx.clock.now(),
      from,
      to,
      // a status cause ("180 received") is made only when someone reads it
      cause: status >= 0 ? `${status}${cause}` : cause,
    });
    if (to === 'terminated' && (this.tm & 0xffff) !== 0xffff) {
      // latest started first
      const r = this.running();
      for (let i = r.length - 1; i >= 0; i--) this.stopCode(r[i]![0]);
    }
    this.tu.onStateChange?.(this, from, to);
    if (to === 'terminated') this.ctx.onTerminated?.(this);
  }

  /**
   * Starts (or restarts: the running one is stopped first, with its 'timer-stop' event) the timer
   * of `code` ({@link TIMER_CODE}); when it fires, {@link onTimerFired} is called with its name. A zero duration still goes
   * through the scheduler, so the state change it causes happens after the current event, as with
   * any other timer.
   */
  protected startTimer(code: number, duration: Micros): void {
    const g = TIMER_GROUP[code]!;
    const runningCode = (this.tm >> (4 * g)) & 15;
    if (runningCode !== NONE) this.stopCode(runningCode);
    const clock = this.ctx.clock;
    const h = clock.scheduleTarget(duration, this, code, LABEL_BY_CODE[code]);
    // the code in its group, and the group moved to the end of the start order
    const tm = this.tm;
    let order = 0;
    let n = 0;
    for (let k = 0; k < 4; k++) {
      const x = (tm >> (16 + 2 * k)) & 3;
      if (x !== g) order |= x << (2 * n++);
    }
    order |= g << 6;
    this.tm = (tm & 0xffff & ~(15 << (4 * g))) | (code << (4 * g)) | (order << 16);
    switch (g) {
      case 0:
        this.h0 = h;
        break;
      case 1:
        this.h1 = h;
        break;
      case 2:
        this.h2 = h;
        break;
      default:
        this.h3 = h;
    }
    const emit = this.ctx.emit;
    if (emit) {
      const at = clock.now();
      emit({
        type: 'timer-start',
        tx: this.id,
        kind: this.kind,
        at,
        timer: TIMER_NAMES[code]!,
        duration,
        due: at + (duration > 0 ? duration : 0),
      });
    }
  }

  /** @internal The scheduler: timer `code` fired. */
  onTimer(code: number): void {
    const g = TIMER_GROUP[code]!;
    // the slot is cleared before the handler runs (it may start the same timer again)
    if (((this.tm >> (4 * g)) & 15) !== code) return;
    this.tm |= 15 << (4 * g);
    const name = TIMER_NAMES[code]!;
    this.ctx.emit?.({
      type: 'timer-fire',
      tx: this.id,
      kind: this.kind,
      at: this.ctx.clock.now(),
      timer: name,
    });
    this.onTimerFired(name);
  }

  /** What a machine does when its timer `name` fires (RFC 3261 §17: one branch per timer). */
  protected abstract onTimerFired(name: TimerName): void;

  protected stopTimer(code: number): void {
    if (((this.tm >> (4 * TIMER_GROUP[code]!)) & 15) === code) this.stopCode(code);
  }

  /** Stops running timer `code` (its group slot holds it). */
  private stopCode(code: number): void {
    const g = TIMER_GROUP[code]!;
    const h = g === 0 ? this.h0 : g === 1 ? this.h1 : g === 2 ? this.h2 : this.h3;
    this.tm |= 15 << (4 * g);
    const clock = this.ctx.clock;
    const emit = this.ctx.emit;
    // the due time of the event (for the stop event) is read before it is cancelled
    const due = emit ? (clock.dueOf(h) ?? clock.now()) : 0;
    clock.cancel(h);
    if (emit)
      emit({
        type: 'timer-stop',
        tx: this.id,
        kind: this.kind,
        at: clock.now(),
        timer: TIMER_NAMES[code]!,
        due,
      });
  }

  protected isRunning(code: number): boolean {
    return ((this.tm >> (4 * TIMER_GROUP[code]!)) & 15) === code;
  }

  /** Sends through the transport; returns false (after handling the error) when the transport failed. */
  protected send(
    bytes: Uint8Array,
    dest: TransportAddress,
    what: 'request' | 'ack' | 'response',
    retransmission: boolean,
  ): boolean {
    const r = this.ctx.transport.send(bytes, dest);
    if (this.ctx.emit)
      this.ctx.emit({
        type: 'send',
        tx: this.id,
        kind: this.kind,
        at: this.ctx.clock.now(),
        what,
        dest,
        retransmission,
        bytes,
      });
    if (!r.ok) this.onTransportFailure(r.error);
    return r.ok;
  }

  /** A send failed now or the transport reported a later failure for this transaction. */
  abstract onTransportFailure(error: string): void;
}
