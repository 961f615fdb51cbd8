/**
 * Non-INVITE server transaction.
 * @remarks RFC 3261 §17.2.2 (Figure 8): responses come only from the TU; request retransmissions
 * are answered with the last response; Timer J keeps the Completed state for 64*T1 on unreliable
 * transports.
 * https://www.rfc-editor.org/rfc/rfc3261#section-17.2.2
 */
import type { SipMessage } from '../../message';
import type { TransportAddress } from '../transport';
import type { TransactionContext } from './transaction';
import { requestBranch, requestMethod, tableKeyBranch } from './table';
import { messageBytes, responseStatus, TIMER_CODE, TransactionBase } from './transaction';
import { R_NIST_COMPLETED } from './linger';
import type { TimerName, TransactionUser } from './types';

export type NonInviteServerState = 'trying' | 'proceeding' | 'completed' | 'terminated';

/** Legal predecessors of each state — RFC 3261 Figure 8. */
export const NON_INVITE_SERVER_FROM: Readonly<Record<NonInviteServerState, readonly NonInviteServerState[]>> =
  {
    // §17.2.2: "The state machine is initialized in the Trying state".
    trying: [],
    // "While in the Trying state, if the TU passes a provisional response to the server transaction, the server transaction MUST enter the Proceeding state."
    proceeding: ['trying'],
    // "If the TU passes a final response (status codes 200-699) to the server while in the Proceeding state, the transaction MUST enter the Completed state" (and likewise from Trying).
    completed: ['trying', 'proceeding'],
    // completed: Timer J; trying/proceeding: transport error (§17.2.4).
    terminated: ['trying', 'proceeding', 'completed'],
  };

export class NonInviteServerTransaction extends TransactionBase<NonInviteServerState> {
  /** On the prototype: no field per transaction. */
  get kind(): 'non-invite-server' {
    return 'non-invite-server';
  }
  protected get legalFrom(): Readonly<Record<NonInviteServerState, readonly NonInviteServerState[]>> {
    return NON_INVITE_SERVER_FROM;
  }
  private lastResponse: Uint8Array | null = null;
  lastStatus: number | null = null;

  private req: SipMessage | null;

  /**
   * The received request, until the final response is sent: from then on the transaction only
   * answers retransmissions with that response's bytes (RFC 3261 §17.2.2), so it lets the request go
   * for the 64*T1 it still lives (null then).
   */
  get request(): SipMessage | null {
    return this.req;
  }

  /** The top Via branch, made on first use from the request (or the table's copy of its octets once it is let go). */
  protected override branchOfRequest(): string {
    return this.req ? requestBranch(this.req) : (tableKeyBranch(this) ?? '');
  }

  constructor(
    ctx: TransactionContext,
    tu: TransactionUser,
    request: SipMessage,
    readonly responseDestination: TransportAddress,
  ) {
    super(ctx, tu, 'trying', null, requestMethod(request));
    this.req = request;
    ctx.emit?.({
      type: 'state',
      tx: this.id,
      kind: this.kind,
      at: ctx.clock.now(),
      from: '',
      to: 'trying',
      cause: `${this.method} received`,
    });
  }

  /** The TU passes a response down. Returns false when the transaction is past accepting responses. */
  respond(response: Uint8Array | SipMessage, status: number = responseStatus(response)): boolean {
    if (this.state !== 'trying' && this.state !== 'proceeding') return false; // "Any other final responses passed by the TU ... MUST be discarded while in the Completed state."
    const bytes = messageBytes(response);
    if (status < 100 || status > 699) return false;
    this.lastResponse = bytes;
    this.lastStatus = status;
    if (!this.send(bytes, this.responseDestination, 'response', false)) return false;
    if (status < 200) {
      if (this.state === 'trying') this.transition('proceeding', ' sent', status);
      return true;
    }
    // the branch is made now if nothing else will have the request's octets afterwards
    if (this.tableRaw === null) void this.branch;
    this.req = null;
    this.transition('completed', ' sent', status);
    // "When the server transaction enters the Completed state, it MUST set Timer J to fire in 64*T1 seconds for unreliable transports, and zero seconds for reliable transports."
    this.linger(
      TIMER_CODE.J,
      this.reliable ? 0 : 64 * this.ctx.timers.T1,
      R_NIST_COMPLETED,
      bytes,
      this.responseDestination,
      status,
    );
    return true;
  }

  /**
   * The TU ends the transaction without a final response (Trying or Proceeding → Terminated). RFC
   * 4320 §4.2: "A transaction-stateful SIP element MUST NOT send a response with Status-Code of 408
   * to a non-INVITE request. As a consequence, an element that can not respond before the
   * transaction expires will not send a final response at all." (a proxy whose branches all timed
   * out: its client's own Timer F, started earlier, has already ended the request upstream.)
   * Returns false when a final response was already sent.
   */
  end(cause = 'ended by the TU without a final response'): boolean {
    if (this.state !== 'trying' && this.state !== 'proceeding') return false;
    this.transition('terminated', cause);
    this.req = null;
    return true;
  }

  /** Retired to a lingering record: it answers retransmissions with its copy of the response. */
  protected override letGo(): void {
    this.lastResponse = null;
  }

  protected onTimerFired(name: TimerName): void {
    if (name === 'J') this.transition('terminated', 'Timer J fired');
  }

  /** A retransmission of the request, matched by the layer (§17.2.3). */
  receiveRequest(_request: SipMessage): void {
    // Trying: "Any retransmissions of the request received while in this state MUST be discarded" (lastResponse is null).
    // Proceeding / Completed: the last provisional / the final response "MUST be passed to the transport layer for retransmission."
    if ((this.state === 'proceeding' || this.state === 'completed') && this.lastResponse)
      this.send(this.lastResponse, this.responseDestination, 'response', true);
  }

  onTransportFailure(error: string): void {
    if (this.state === 'terminated') return;
    this.tu.onTransportError?.(this, error);
    this.transition('terminated', `transport error: ${error}`);
  }
}
