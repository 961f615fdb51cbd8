/**
 * Non-INVITE client transaction.
 * @remarks RFC 3261 §17.1.2 (Figure 6): retransmission with Timer E capped at T2, timeout with
 * Timer F, absorption of final-response retransmissions for Timer K.
 * https://www.rfc-editor.org/rfc/rfc3261#section-17.1.2
 */
import type { SipMessage } from '../../message';
import { parseMessage } from '../../message';
import type { TransportAddress } from '../transport';
import type { TransactionContext } from './transaction';
import { TIMER_CODE, TransactionBase } from './transaction';
import { R_NICT_COMPLETED } from './linger';
import type { RequestKey, TimerName, TransactionUser } from './types';

const NO_BYTES = new Uint8Array(0);

export type NonInviteClientState = 'trying' | 'proceeding' | 'completed' | 'terminated';

/** Legal predecessors of each state — RFC 3261 Figure 6. */
export const NON_INVITE_CLIENT_FROM: Readonly<Record<NonInviteClientState, readonly NonInviteClientState[]>> =
  {
    // §17.1.2.2: "The Trying state is entered when the TU initiates a new client transaction with a request."
    trying: [],
    // "If a provisional response is received while in the Trying state, ... the client transaction SHOULD move to the Proceeding state."
    proceeding: ['trying'],
    // "If a final response (status codes 200-699) is received while the client transaction is in the Trying state, ... transition to the Completed state"; the same from Proceeding.
    completed: ['trying', 'proceeding'],
    // Timer F or transport error from Trying/Proceeding; Timer K from Completed.
    terminated: ['trying', 'proceeding', 'completed'],
  };

export class NonInviteClientTransaction extends TransactionBase<NonInviteClientState> {
  /** On the prototype: no field per transaction. */
  get kind(): 'non-invite-client' {
    return 'non-invite-client';
  }
  protected get legalFrom(): Readonly<Record<NonInviteClientState, readonly NonInviteClientState[]>> {
    return NON_INVITE_CLIENT_FROM;
  }
  private timerEInterval: number;
  private parsed: SipMessage | null;

  /** `request`: the parsed request, or its branch and method when the TU built the bytes. */
  constructor(
    ctx: TransactionContext,
    tu: TransactionUser,
    request: SipMessage | RequestKey,
    private bytes: Uint8Array,
    readonly destination: TransportAddress,
  ) {
    super(ctx, tu, 'trying', request.branch ?? '', request.method ?? '');
    this.parsed = 'raw' in request ? request : null;
    this.timerEInterval = ctx.timers.T1;
  }

  /** The request (parsed from the sent bytes on first use when created from a {@link RequestKey}). */
  get request(): SipMessage {
    return (this.parsed ??= parseMessage(this.bytes));
  }

  /** The request as sent. */
  get requestBytes(): Uint8Array {
    return this.bytes;
  }

  /** Sends the request; starts Timer F, and Timer E on unreliable transports (§17.1.2.2). */
  start(): void {
    this.ctx.emit?.({
      type: 'state',
      tx: this.id,
      kind: this.kind,
      at: this.ctx.clock.now(),
      from: '',
      to: 'trying',
      cause: `TU sent ${this.method}`,
    });
    if (!this.send(this.bytes, this.destination, 'request', false)) return;
    // "the client transaction MUST set timer F to fire in 64*T1 seconds."
    this.startTimer(TIMER_CODE.F, 64 * this.ctx.timers.T1);
    // "If an unreliable transport is in use, the client transaction MUST set timer E to fire in T1 seconds."
    if (!this.reliable) this.startTimer(TIMER_CODE.E, this.timerEInterval);
  }

  protected onTimerFired(name: TimerName): void {
    switch (name) {
      case 'E':
        return this.onTimerE();
      case 'F':
        return this.onTimerF();
      case 'K':
        return this.transition('terminated', 'Timer K fired');
    }
  }

  private onTimerE(): void {
    if (this.state !== 'trying' && this.state !== 'proceeding') return;
    if (!this.send(this.bytes, this.destination, 'request', true)) return;
    // Trying: "reset the timer, but this time with a value of MIN(2*T1, T2)" (doubling each time);
    // Proceeding: "... the timer is reset with a value of T2 seconds."
    this.timerEInterval =
      this.state === 'trying' ? Math.min(2 * this.timerEInterval, this.ctx.timers.T2) : this.ctx.timers.T2;
    this.startTimer(TIMER_CODE.E, this.timerEInterval);
  }

  private onTimerF(): void {
    if (this.state !== 'trying' && this.state !== 'proceeding') return;
    // "If Timer F fires while the client transaction is still in the Trying state, the client transaction SHOULD inform the TU about the timeout, and then it SHOULD enter the Terminated state." (same in Proceeding)
    this.stopTimer(TIMER_CODE.E);
    this.tu.onTimeout?.(this, 'F');
    this.transition('terminated', 'Timer F fired');
  }

  /** A response matched to this transaction by the layer (§17.1.3). */
  receiveResponse(response: SipMessage): void {
    const status = response.status ?? 0;
    if (this.state === 'trying' || this.state === 'proceeding') {
      if (status >= 100 && status < 200) {
        if (this.state === 'trying') this.transition('proceeding', ' received', status);
        this.tu.onResponse?.(this, response);
      } else if (status >= 200 && status < 700) {
        this.stopTimer(TIMER_CODE.E);
        this.stopTimer(TIMER_CODE.F);
        this.transition('completed', ' received', status);
        this.tu.onResponse?.(this, response);
        // "Once the client transaction enters the Completed state, it MUST set Timer K to fire in T4 seconds for unreliable transports, and zero seconds for reliable transports."
        this.linger(
          TIMER_CODE.K,
          this.reliable ? 0 : this.ctx.timers.T4,
          R_NICT_COMPLETED,
          null,
          this.destination,
          status,
        );
      }
    }
    // Completed: "buffer any additional response retransmissions that may be received" — absorbed.
  }

  /** Retired to a lingering record: the request and its parse are not used again. */
  protected override letGo(): void {
    this.bytes = NO_BYTES;
    this.parsed = null;
  }

  /** The TU abandons the transaction (a proxy's branch after its fr_timer): no more resends, no upcall. */
  terminate(cause = 'terminated by the TU'): void {
    if (this.state !== 'terminated') this.transition('terminated', cause);
  }

  onTransportFailure(error: string): void {
    if (this.state === 'terminated') return;
    this.tu.onTransportError?.(this, error);
    if (this.state === 'trying' || this.state === 'proceeding') {
      this.stopTimer(TIMER_CODE.E);
      this.stopTimer(TIMER_CODE.F);
      this.transition('terminated', `transport error: ${error}`);
    }
  }
}
