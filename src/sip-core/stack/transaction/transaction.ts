/**
 * What the four RFC 3261 §17 state machines share: one guarded `transition()` checked against a
 * legal-predecessor table, named timers on the injected {@link Scheduler}, sending through the
 * {@link Transport}, and trace events. Each machine lives in its own file with its table.
 */
import type { SipMessage } from '../../message';
import type { Micros, Scheduler, TimerHandle } from '../clock';
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

/** What a transaction is given by its layer (or directly, in tests). */
export interface TransactionContext {
  clock: Scheduler;
  transport: Transport;
  timers: TimerConfig;
  /** Layer-unique id. */
  id: string;
  /** Receives trace events; absent means no events are built (fast path). */
  emit?: ((e: TransactionEvent) => void) | undefined;
  /** Called once when the transaction reaches "Terminated" (the layer forgets it). */
  onTerminated?: ((tx: TransactionBase<string>) => void) | undefined;
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

/** A running timer: its scheduler handle and the virtual time it fires at. */
interface RunningTimer {
  name: TimerName;
  handle: TimerHandle;
  due: Micros;
}

export abstract class TransactionBase<S extends string> implements TransactionInfo {
  abstract readonly kind: TransactionKind;
  readonly id: string;
  readonly reliable: boolean;
  /** Free slot for the transaction user (e.g. the proxy context or the call a transaction belongs to). */
  userData: unknown = null;
  /** Key under which a {@link TransactionTable} holds this transaction (set by the table). */
  tableKey: string | null = null;
  private current: S;
  /** Running timers; a transaction has at most four at once, so a small array beats a Map. */
  private readonly timerList: RunningTimer[] = [];

  protected constructor(
    protected readonly ctx: TransactionContext,
    protected tu: TransactionUser,
    initial: S,
    private readonly legalFrom: Readonly<Record<S, readonly S[]>>,
    readonly branch: string,
    readonly method: string,
  ) {
    this.id = ctx.id;
    this.current = initial;
    this.reliable = ctx.transport.reliable;
  }

  get state(): S {
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
    return this.current === 'terminated';
  }

  /** Timers currently running (for UIs). */
  get runningTimers(): TimerName[] {
    return this.timerList.map((t) => t.name);
  }

  /** Running timers with the virtual time each fires at (for the UI's transaction panel). */
  get runningTimerDues(): { timer: TimerName; due: Micros }[] {
    return this.timerList.map((t) => ({ timer: t.name, due: t.due }));
  }

  /**
   * The single guarded state change. Throws {@link IllegalTransitionError} when `to` does not list
   * the current state as a legal predecessor (a programming error; wire input cannot cause it).
   * Entering "terminated" stops every timer and tells the layer.
   */
  protected transition(to: S, cause: string): void {
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
      cause,
    });
    if (to === 'terminated') {
      while (this.timerList.length) this.stopTimer(this.timerList[this.timerList.length - 1]!.name);
    }
    this.tu.onStateChange?.(this, from, to);
    if (to === 'terminated') this.ctx.onTerminated?.(this);
  }

  /**
   * Starts (or restarts: the running one is stopped first, with its 'timer-stop' event) timer
   * `name`. A zero duration still goes through the scheduler, so the state change it causes
   * happens after the current event, as with any other timer.
   */
  protected startTimer(name: TimerName, duration: Micros, onFire: () => void): void {
    this.stopTimer(name);
    const clock = this.ctx.clock;
    const at = clock.now();
    const t: RunningTimer = { name, handle: 0, due: at + (duration > 0 ? duration : 0) };
    t.handle = clock.schedule(
      duration,
      () => {
        this.removeTimer(t);
        this.ctx.emit?.({ type: 'timer-fire', tx: this.id, kind: this.kind, at: clock.now(), timer: name });
        onFire();
      },
      TIMER_LABEL[name],
    );
    this.timerList.push(t);
    this.ctx.emit?.({
      type: 'timer-start',
      tx: this.id,
      kind: this.kind,
      at,
      timer: name,
      duration,
      due: t.due,
    });
  }

  private removeTimer(t: RunningTimer): void {
    const list = this.timerList;
    const i = list.indexOf(t);
    if (i >= 0) list.splice(i, 1);
  }

  protected stopTimer(name: TimerName): void {
    const list = this.timerList;
    let t: RunningTimer | undefined;
    for (let i = 0; i < list.length; i++)
      if (list[i]!.name === name) {
        t = list[i]!;
        list.splice(i, 1);
        break;
      }
    if (t === undefined) return;
    this.ctx.clock.cancel(t.handle);
    this.ctx.emit?.({
      type: 'timer-stop',
      tx: this.id,
      kind: this.kind,
      at: this.ctx.clock.now(),
      timer: name,
      due: t.due,
    });
  }

  protected isRunning(name: TimerName): boolean {
    for (const t of this.timerList) if (t.name === name) return true;
    return false;
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
