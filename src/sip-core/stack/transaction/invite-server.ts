/**
 * INVITE server transaction.
 * @remarks RFC 3261 §17.2.1 as updated by RFC 6026 §7.1/§8.5-8.7 (the "Accepted" state and
 * Timer L): 2xx responses move the transaction to Accepted, where INVITE retransmissions are
 * absorbed and the ACK is passed up; 300-699 are retransmitted with Timer G until the ACK arrives
 * or Timer H fires; Timer I absorbs ACK retransmissions.
 * https://www.rfc-editor.org/rfc/rfc3261#section-17.2.1 https://www.rfc-editor.org/rfc/rfc6026#section-8.5
 */
import type { SipMessage } from '../../message';
import { buildResponseTo, parseMessage } from '../../message';
import type { TransportAddress } from '../transport';
import type { TransactionContext } from './transaction';
import { requestBranch, tableKeyBranch } from './table';
import { messageBytes, responseStatus, TIMER_CODE, TransactionBase } from './transaction';
import { R_IST_ACCEPTED } from './linger';
import type { TimerName, TransactionUser } from './types';

export type InviteServerState = 'proceeding' | 'completed' | 'confirmed' | 'accepted' | 'terminated';

/** Legal predecessors of each state — RFC 3261 Figure 7 as replaced by RFC 6026 Figure 7. */
export const INVITE_SERVER_FROM: Readonly<Record<InviteServerState, readonly InviteServerState[]>> = {
  // §17.2.1: "When a server transaction is constructed for a request, it enters the Proceeding state."
  proceeding: [],
  // "While in the Proceeding state, if the TU passes a response with status code from 300 to 699 to the server transaction, ... the state machine MUST enter the Completed state".
  completed: ['proceeding'],
  // "If an ACK is received while the server transaction is in the Completed state, the server transaction MUST transition to the Confirmed state."
  confirmed: ['completed'],
  // RFC 6026 §8.5: "If, while in the Proceeding state, the TU passes a 2xx response ... the server transaction MUST enter the Accepted state."
  accepted: ['proceeding'],
  // proceeding: transport error (§17.2.4); completed: Timer H or transport error; confirmed: Timer I; accepted: Timer L (RFC 6026 §8.7).
  terminated: ['proceeding', 'completed', 'confirmed', 'accepted'],
};

export interface InviteServerOptions {
  /**
   * 100 Trying (§17.2.1): `'auto'` (default) sends it after 200 ms unless the TU has responded,
   * `'immediate'` sends it at once (what Kamailio's t_relay does), `'never'` leaves it to the TU.
   */
  trying?: 'auto' | 'immediate' | 'never';
}

export class InviteServerTransaction extends TransactionBase<InviteServerState> {
  /** On the prototype: no field per transaction. */
  get kind(): 'invite-server' {
    return 'invite-server';
  }
  protected get legalFrom(): Readonly<Record<InviteServerState, readonly InviteServerState[]>> {
    return INVITE_SERVER_FROM;
  }
  private lastProvisional: Uint8Array | null = null;
  private finalResponse: Uint8Array | null = null;
  private timerGInterval: number;
  /** Builds the 100 Trying the transaction sends itself (default: a plain response to the request). */
  private makeTrying: (() => Uint8Array) | null = null;
  /** Status of the last response sent (null before any). */
  lastStatus: number | null = null;
  private lastSent: Uint8Array | null = null;

  /**
   * To tag of the last response sent (the RFC 2543 ACK matching of §17.2.3 compares it); parsed on
   * demand. Null before any response, and for a transaction keyed by its request's `z9hG4bK` octets
   * (`TransactionTable.addServerFor`): its ACK is matched by branch and sent-by, so it does not
   * keep its last response for this.
   */
  get sentToTag(): string | null {
    return this.lastSent ? parseMessage(this.lastSent).toTag : null;
  }

  private req: SipMessage | null;

  /**
   * The received INVITE, until the final response is sent: from then on the transaction only
   * retransmits that response's bytes or absorbs (RFC 3261 §17.2.1, RFC 6026 §8.6), so it lets the
   * request go for the 64*T1 it still lives (null then).
   */
  get request(): SipMessage | null {
    return this.req;
  }

  /** The top Via branch, made on first use from the request (or the table's copy of its octets once it is let go). */
  protected override branchOfRequest(): string {
    return this.req ? requestBranch(this.req) : (tableKeyBranch(this) ?? '');
  }

  /**
   * @param request          the received INVITE
   * @param responseDestination where responses go (RFC 3261 §18.2.2, computed by the layer)
   */
  constructor(
    ctx: TransactionContext,
    tu: TransactionUser,
    request: SipMessage,
    readonly responseDestination: TransportAddress,
    options: InviteServerOptions = {},
  ) {
    super(ctx, tu, 'proceeding', null, 'INVITE');
    this.req = request;
    this.timerGInterval = ctx.timers.T1;
    const trying = options.trying ?? 'auto';
    ctx.emit?.({
      type: 'state',
      tx: this.id,
      kind: this.kind,
      at: ctx.clock.now(),
      from: '',
      to: 'proceeding',
      cause: 'INVITE received',
    });
    if (trying === 'immediate') this.sendTrying();
    // §17.2.1: "the server transaction MUST generate a 100 (Trying) response unless it knows that the TU will generate a provisional or final response within 200 ms"
    else if (trying === 'auto') this.startTimer(TIMER_CODE.Trying, ctx.timers.trying);
  }

  private sendTrying(): void {
    if (this.state !== 'proceeding' || this.lastStatus !== null) return;
    this.respond(this.makeTrying ? this.makeTrying() : buildResponseTo(this.req!, 100), 100);
  }

  /**
   * §17.2.1: "If there is a chance that the TU will not generate a provisional response within 200
   * ms, then it MUST generate a 100 (Trying) response". The TU that created the transaction with
   * `trying: 'never'` asks for it here; `make` builds the 100 only if the timer fires.
   */
  autoTrying(make?: () => Uint8Array): void {
    if (this.state !== 'proceeding' || this.lastStatus !== null) return;
    this.makeTrying = make ?? null;
    this.startTimer(TIMER_CODE.Trying, this.ctx.timers.trying);
  }

  /**
   * The TU passes a response down (§17.2.1). Returns false when the state does not allow it (e.g. a
   * provisional after the final) — the response is then not sent. `status` saves reading the
   * status line when the TU knows it.
   */
  respond(response: Uint8Array | SipMessage, status: number = responseStatus(response)): boolean {
    const bytes = messageBytes(response);
    if (status < 100 || status > 699) return false;
    if (this.state === 'accepted') {
      // RFC 6026 §8.6: "2xx from TU / send response" in Accepted (the TU retransmits its 2xx, §13.3.1.4).
      if (status < 200 || status >= 300) return false;
      this.lastStatus = status;
      return this.send(bytes, this.responseDestination, 'response', true);
    }
    if (this.state !== 'proceeding') return false;
    this.stopTimer(TIMER_CODE.Trying);
    this.lastStatus = status;
    // kept only for the RFC 2543 matching, which a transaction keyed by its octets never needs
    if (this.tableRaw === null) this.lastSent = bytes;
    if (status < 200) {
      // "The TU passes any number of provisional responses to the server transaction."
      this.lastProvisional = bytes;
      return this.send(bytes, this.responseDestination, 'response', false);
    }
    // A final response: the last provisional, the TU's 100 builder and the request are never used
    // again; the transaction lives on for 64*T1 (Timer H or L), so it lets them go (the table keeps
    // only the octets of its key).
    this.lastProvisional = null;
    this.makeTrying = null;
    // the branch is made now if nothing else will have the request's octets afterwards
    if (this.tableRaw === null) void this.branch;
    this.req = null;
    if (status < 300) {
      if (!this.send(bytes, this.responseDestination, 'response', false)) return false;
      this.transition('accepted', ' sent', status);
      // RFC 6026 §8.7: "When the INVITE server transaction enters the Accepted state, Timer L MUST be set to fire in 64*T1."
      this.linger(
        TIMER_CODE.L,
        64 * this.ctx.timers.T1,
        R_IST_ACCEPTED,
        null,
        this.responseDestination,
        status,
      );
      return true;
    }
    this.finalResponse = bytes;
    if (!this.send(bytes, this.responseDestination, 'response', false)) return false;
    this.transition('completed', ' sent', status);
    // "For unreliable transports, timer G is set to fire in T1 seconds, and is not set to fire for reliable transports."
    if (!this.reliable) this.startTimer(TIMER_CODE.G, this.timerGInterval);
    // "When the Completed state is entered, timer H MUST be set to fire in 64*T1 seconds for all transports."
    this.startTimer(TIMER_CODE.H, 64 * this.ctx.timers.T1);
    return true;
  }

  /** Retired to a lingering record (from "Accepted"): nothing it holds is sent again from here. */
  protected override letGo(): void {
    this.lastSent = null;
    this.finalResponse = null;
  }

  protected onTimerFired(name: TimerName): void {
    switch (name) {
      case 'Trying':
        return this.sendTrying();
      case 'G':
        return this.onTimerG();
      case 'H':
        return this.onTimerH();
      case 'I':
        return this.transition('terminated', 'Timer I fired');
      case 'L':
        return this.transition('terminated', 'Timer L fired');
    }
  }

  private onTimerG(): void {
    if (this.state !== 'completed' || !this.finalResponse) return;
    // "If timer G fires, the response is passed to the transport layer once more for retransmission, and timer G is set to fire in MIN(2*T1, T2) seconds."
    if (!this.send(this.finalResponse, this.responseDestination, 'response', true)) return;
    this.timerGInterval = Math.min(2 * this.timerGInterval, this.ctx.timers.T2);
    this.startTimer(TIMER_CODE.G, this.timerGInterval);
  }

  private onTimerH(): void {
    if (this.state !== 'completed') return;
    // "If timer H fires while in the Completed state, it implies that the ACK was never received. In this case, the server transaction MUST transition to the Terminated state, and MUST indicate to the TU that a transaction failure has occurred."
    this.stopTimer(TIMER_CODE.G);
    this.tu.onTimeout?.(this, 'H');
    this.transition('terminated', 'Timer H fired');
  }

  /** A retransmission of the INVITE, matched by the layer (§17.2.3). */
  receiveRequest(_request: SipMessage): void {
    switch (this.state) {
      case 'proceeding':
        // "If a request retransmission is received while in the Proceeding state, the most recent provisional response that was received from the TU MUST be passed to the transport layer for retransmission."
        if (this.lastProvisional) this.send(this.lastProvisional, this.responseDestination, 'response', true);
        return;
      case 'completed':
        // "while in the Completed state, if a request retransmission is received, the server SHOULD pass the response to the transport for retransmission."
        if (this.finalResponse) this.send(this.finalResponse, this.responseDestination, 'response', true);
        return;
      default:
        // Accepted (RFC 6026 §8.6: "absorbed"), Confirmed, Terminated.
        return;
    }
  }

  /** An ACK matched to this transaction (§17.2.3). */
  receiveAck(ack: SipMessage): void {
    if (this.state === 'completed') {
      this.stopTimer(TIMER_CODE.G);
      this.stopTimer(TIMER_CODE.H);
      this.transition('confirmed', 'ACK received');
      // "When this state is entered, timer I is set to fire in T4 seconds for unreliable transports, and zero seconds for reliable transports."
      this.startTimer(TIMER_CODE.I, this.reliable ? 0 : this.ctx.timers.T4);
    } else if (this.state === 'accepted') {
      // RFC 6026 §8.7: an ACK matching the transaction in the Accepted state is passed to the TU.
      this.tu.onRequest?.(this, ack);
    }
    // Confirmed: "absorb any additional ACK messages".
  }

  onTransportFailure(error: string): void {
    if (this.state === 'terminated') return;
    // §17.2.4: "the server transaction ... SHOULD inform the TU that a failure has occurred, and SHOULD transition to the terminated state."
    this.tu.onTransportError?.(this, error);
    this.transition('terminated', `transport error: ${error}`);
  }
}
