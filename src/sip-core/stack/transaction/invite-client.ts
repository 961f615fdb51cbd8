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
import { R_ICT_ACCEPTED, R_ICT_COMPLETED } from './linger';
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
const NO_BYTES = new Uint8Array(0);

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
  /** Set by {@link answer2xxWith}: the ACK sent again for every 2xx retransmission, and where. */
  private ack2xx: Uint8Array | null = null;
  private ack2xxDest: TransportAddress | null = null;

  /**
   * @param request the parsed INVITE (its top Via branch names the transaction), or only its
   *                branch when the TU built the bytes (parsed later, if an ACK must be built)
   * @param bytes   the INVITE as sent (retransmitted verbatim)
   */
  constructor(
    ctx: TransactionContext,
    tu: TransactionUser,
    request: SipMessage | RequestKey,
    private bytes: Uint8Array,
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
          this.linger(TIMER_CODE.M, 64 * this.ctx.timers.T1, R_ICT_ACCEPTED, null, this.destination, status);
        } else if (status >= 300 && status < 700) {
          this.stopTimers();
          this.transition('completed', ' received', status);
          // §17.1.1.2: "the client transaction MUST ... generate an ACK request ... and pass the response up to the TU."
          this.ack = buildAckForNonSuccess(this.request, response);
          if (!this.send(this.ack, this.destination, 'ack', false)) return;
          this.tu.onResponse?.(this, response);
          // "start timer D with a value of at least 32 seconds for unreliable transports, and ... zero seconds for reliable transports"
          this.linger(
            TIMER_CODE.D,
            this.reliable ? 0 : this.ctx.timers.D,
            R_ICT_COMPLETED,
            this.ack,
            this.destination,
            status,
          );
        }
        return;
      case 'completed':
        // "Any retransmissions of the final response that are received while in the Completed state MUST cause the ACK to be re-passed to the transport layer ... but the newly received response MUST NOT be passed up to the TU."
        if (status >= 300 && this.ack) this.send(this.ack, this.destination, 'ack', true);
        return;
      case 'accepted':
        // RFC 6026 §8.4: "any 2xx responses that match this client transaction ... MUST be passed up to the TU."
        if (status >= 200 && status < 300) {
          // (a TU that has forgotten the call left its ACK here: RFC 3261 §13.2.2.4, sent again)
          if (this.ack2xx !== null) this.ctx.transport.send(this.ack2xx, this.ack2xxDest!);
          else this.tu.onResponse?.(this, response);
        }
        return;
      case 'terminated':
        return;
    }
  }

  /**
   * The TU forgets the call of this accepted INVITE: from now on the transaction itself answers every
   * 2xx retransmission with `ack` sent to `dest` (RFC 3261 §13.2.2.4: the UAC core "MUST" ACK each
   * 2xx) instead of passing it up, for the rest of Timer M. A lingering record keeps its own copy of
   * the octets (the caller's view is not kept).
   */
  answer2xxWith(ack: Uint8Array, dest: TransportAddress): void {
    if (this.lingerRecord >= 0) {
      this.ctx.linger!.setAnswer(this.lingerRecord, this.lingerGeneration, ack, dest);
      return;
    }
    this.ack2xx = ack;
    this.ack2xxDest = dest;
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

  /** Retired to a lingering record: the INVITE, its parse and the ACK are not sent again from here. */
  protected override letGo(): void {
    this.bytes = NO_BYTES;
    this.parsed = null;
    this.ack = null;
  }

  private stopTimers(): void {
    this.stopTimer(TIMER_CODE.A);
    this.stopTimer(TIMER_CODE.B);
    this.stopTimer(TIMER_CODE.C);
  }
}
