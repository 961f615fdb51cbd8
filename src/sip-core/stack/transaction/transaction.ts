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

export abstract class TransactionBase<S extends string> implements TransactionInfo {
  abstract readonly kind: TransactionKind;
  readonly id: string;
  readonly reliable: boolean;
  private current: S;
  private readonly timerHandles = new Map<TimerName, TimerHandle>();

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
    return [...this.timerHandles.keys()];
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
      for (const name of [...this.timerHandles.keys()]) this.stopTimer(name);
    }
    this.tu.onStateChange?.(this, from, to);
    if (to === 'terminated') this.ctx.onTerminated?.(this);
  }

  protected startTimer(name: TimerName, duration: Micros, onFire: () => void): void {
    this.stopTimer(name, false);
    const handle = this.ctx.clock.schedule(
      duration,
      () => {
        this.timerHandles.delete(name);
        this.ctx.emit?.({
          type: 'timer-fire',
          tx: this.id,
          kind: this.kind,
          at: this.ctx.clock.now(),
          timer: name,
        });
        onFire();
      },
      `${this.id} Timer ${name}`,
    );
    this.timerHandles.set(name, handle);
    this.ctx.emit?.({
      type: 'timer-start',
      tx: this.id,
      kind: this.kind,
      at: this.ctx.clock.now(),
      timer: name,
      duration,
    });
  }

  protected stopTimer(name: TimerName, emit = true): void {
    const h = this.timerHandles.get(name);
    if (h === undefined) return;
    this.ctx.clock.cancel(h);
    this.timerHandles.delete(name);
    if (emit)
      this.ctx.emit?.({
        type: 'timer-stop',
        tx: this.id,
        kind: this.kind,
        at: this.ctx.clock.now(),
        timer: name,
      });
  }

  protected isRunning(name: TimerName): boolean {
    return this.timerHandles.has(name);
  }

  /** Sends through the transport; returns false (after handling the error) when the transport failed. */
  protected send(
    bytes: Uint8Array,
    dest: TransportAddress,
    what: 'request' | 'ack' | 'response',
    retransmission: boolean,
  ): boolean {
    const r = this.ctx.transport.send(bytes, dest);
    this.ctx.emit?.({
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
