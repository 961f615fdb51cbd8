/**
 * INVITE client transaction.
 * @remarks RFC 3261 §17.1.1 as updated by RFC 6026 §7.2/§8.4 (the "Accepted" state and Timer M):
 * INVITE → provisional → final; the transaction ACKs 300-699 itself (§17.1.1.3) and passes every
 * 2xx up without ACKing it (the TU does, §13.2.2.4).
 * https://www.rfc-editor.org/rfc/rfc3261#section-17.1.1 https://www.rfc-editor.org/rfc/rfc6026#section-8.4
 */
import type { SipMessage } from '../../message';
import { parseMessage } from '../../message';
import type { TransportAddress } from '../transport';
import { buildAckForNonSuccess } from './requests';
import type { TransactionContext } from './transaction';
import { TIMER_CODE, TransactionBase } from './transaction';
import type { RequestKey, TimerName, TransactionUser } from './types';

export type InviteClientState = 'calling' | 'proceeding' | 'completed' | 'accepted' | 'terminated';

/** Legal predecessors of each state — RFC 3261 Figure 5 as replaced by RFC 6026 Figure 5. */
export const INVITE_CLIENT_FROM: Readonly<Record<InviteClientState, readonly InviteClientState[]>> = {
  // The initial state: entered when the TU initiates the transaction (§17.1.1.2).
  calling: [],
  // §17.1.1.2: "If the client transaction receives a provisional response while in the Calling state, it transitions to the Proceeding state."
  proceeding: ['calling'],
  // §17.1.1.2: "When in either the Calling or Proceeding states, reception of a response with status code from 300-699 MUST cause the client transaction to transition to Completed."
  completed: ['calling', 'proceeding'],
  // RFC 6026 §8.4: "a 2xx response ... MUST cause the client transaction to transition to the Accepted state".
  accepted: ['calling', 'proceeding'],
  // calling: Timer B or transport error (§17.1.1.2, §17.1.4); completed: Timer D; accepted: Timer M (RFC 6026);
  // proceeding: only when the TU abandons the transaction (proxy after Timer C, §16.8) via terminate().
  terminated: ['calling', 'proceeding', 'completed', 'accepted'],
};

export interface InviteClientOptions {
  /**
   * Run Timer C (proxy INVITE transactions, §16.6 step 11): started with the transaction, reset by
   * every provisional response other than 100 (§16.7 step 2), reported by `onTimeout('C')`.
   */
  timerC?: boolean;
}

/** Shared default options (no object per transaction). */
const NO_OPTIONS: InviteClientOptions = Object.freeze({});

export class InviteClientTransaction extends TransactionBase<InviteClientState> {
  /** On the prototype: no field per transaction. */
  get kind(): 'invite-client' {
    return 'invite-client';
  }
  protected get legalFrom(): Readonly<Record<InviteClientState, readonly InviteClientState[]>> {
    return INVITE_CLIENT_FROM;
  }
  private timerAInterval: number;
  private ack: Uint8Array | null = null;
  private parsed: SipMessage | null;

  /**
   * @param request the parsed INVITE (its top Via branch names the transaction), or only its
   *                branch when the TU built the bytes (parsed later, if an ACK must be built)
   * @param bytes   the INVITE as sent (retransmitted verbatim)
   */
  constructor(
    ctx: TransactionContext,
    tu: TransactionUser,
    request: SipMessage | RequestKey,
    private readonly bytes: Uint8Array,
    readonly destination: TransportAddress,
    private readonly options: InviteClientOptions = NO_OPTIONS,
  ) {
    super(ctx, tu, 'calling', request.branch ?? '', 'INVITE');
    this.parsed = 'raw' in request ? request : null;
    this.timerAInterval = ctx.timers.T1;
  }

  /** The INVITE (parsed from the sent bytes on first use when created from a {@link RequestKey}). */
  get request(): SipMessage {
    return (this.parsed ??= parseMessage(this.bytes));
  }

  /** The INVITE as sent. */
  get requestBytes(): Uint8Array {
    return this.bytes;
  }

  /** Sends the INVITE and starts Timers A (unreliable only), B and, for proxies, C (§17.1.1.2). */
  start(): void {
    this.ctx.emit?.({
      type: 'state',
      tx: this.id,
      kind: this.kind,
      at: this.ctx.clock.now(),
      from: '',
      to: 'calling',
      cause: 'TU sent INVITE',
    });
    if (!this.send(this.bytes, this.destination, 'request', false)) return;
    // §17.1.1.2: "If an unreliable transport is being used, the client transaction MUST start timer A with a value of T1."
    if (!this.reliable) this.startTimer(TIMER_CODE.A, this.timerAInterval);
    // "For any transport, the client transaction MUST start timer B with a value of 64*T1 seconds."
    this.startTimer(TIMER_CODE.B, 64 * this.ctx.timers.T1);
    if (this.options.timerC) this.startTimer(TIMER_CODE.C, this.ctx.timers.C);
  }

  /** True once a provisional response arrived: a CANCEL may now be sent (§9.1). */
  get cancellable(): boolean {
    return this.state === 'proceeding';
  }

  protected onTimerFired(name: TimerName): void {
    switch (name) {
      case 'A':
        return this.onTimerA();
      case 'B':
        return this.onTimerB();
      case 'C':
        this.tu.onTimeout?.(this, 'C');
        return;
      case 'D':
        return this.transition('terminated', 'Timer D fired');
      case 'M':
        return this.transition('terminated', 'Timer M fired');
    }
  }

  private onTimerA(): void {
    if (this.state !== 'calling') return;
    // "When timer A fires, the client transaction MUST retransmit the request ... and reset the timer with a value of 2*T1."
    if (!this.send(this.bytes, this.destination, 'request', true)) return;
    this.timerAInterval *= 2;
    this.startTimer(TIMER_CODE.A, this.timerAInterval);
  }

  private onTimerB(): void {
    // "If the client transaction is still in the Calling state when timer B fires, ... inform the TU that a timeout has occurred."
    if (this.state !== 'calling') return;
    this.tu.onTimeout?.(this, 'B');
    this.transition('terminated', 'Timer B fired');
  }

  /** A response matched to this transaction by the layer (§17.1.3). */
  receiveResponse(response: SipMessage): void {
    const status = response.status ?? 0;
    switch (this.state) {
      case 'calling':
      case 'proceeding':
        if (status >= 100 && status < 200) {
          if (this.state === 'calling') {
            this.stopTimer(TIMER_CODE.A);
            this.stopTimer(TIMER_CODE.B);
            this.transition('proceeding', ' received', status);
          }
          // §16.7 step 2: "If the response is provisional other than 100, the proxy MUST reset Timer C."
          if (this.options.timerC && status > 100) this.startTimer(TIMER_CODE.C, this.ctx.timers.C);
          this.tu.onResponse?.(this, response);
        } else if (status >= 200 && status < 300) {
          this.stopTimers();
          this.transition('accepted', ' received', status);
          this.tu.onResponse?.(this, response);
          // RFC 6026 §8.4: "The client transaction MUST start Timer M with a value of 64*T1."
          this.startTimer(TIMER_CODE.M, 64 * this.ctx.timers.T1);
        } else if (status >= 300 && status < 700) {
          this.stopTimers();
          this.transition('completed', ' received', status);
          // §17.1.1.2: "the client transaction MUST ... generate an ACK request ... and pass the response up to the TU."
          this.ack = buildAckForNonSuccess(this.request, response);
          if (!this.send(this.ack, this.destination, 'ack', false)) return;
          this.tu.onResponse?.(this, response);
          // "start timer D with a value of at least 32 seconds for unreliable transports, and ... zero seconds for reliable transports"
          this.startTimer(TIMER_CODE.D, this.reliable ? 0 : this.ctx.timers.D);
        }
        return;
      case 'completed':
        // "Any retransmissions of the final response that are received while in the Completed state MUST cause the ACK to be re-passed to the transport layer ... but the newly received response MUST NOT be passed up to the TU."
        if (status >= 300 && this.ack) this.send(this.ack, this.destination, 'ack', true);
        return;
      case 'accepted':
        // RFC 6026 §8.4: "any 2xx responses that match this client transaction ... MUST be passed up to the TU."
        if (status >= 200 && status < 300) this.tu.onResponse?.(this, response);
        return;
      case 'terminated':
        return;
    }
  }

  /** The TU abandons the transaction (a proxy after Timer C and an unanswered CANCEL, §16.8). */
  terminate(cause = 'terminated by the TU'): void {
    if (this.state !== 'terminated') this.transition('terminated', cause);
  }

  onTransportFailure(error: string): void {
    // §17.1.4: "the client transaction SHOULD inform the TU that a transport failure has occurred, and ... transition to the terminated state."
    if (this.state === 'terminated') return;
    this.tu.onTransportError?.(this, error);
    if (this.state === 'calling' || this.state === 'proceeding')
      this.transition('terminated', `transport error: ${error}`);
  }

  private stopTimers(): void {
    this.stopTimer(TIMER_CODE.A);
    this.stopTimer(TIMER_CODE.B);
    this.stopTimer(TIMER_CODE.C);
  }
}
