/**
 * The transaction layer: creates client and server transactions, matches incoming messages to
 * them (RFC 3261 §17.1.3, §17.2.3, with the RFC 2543 fallback), routes responses of server
 * transactions per §18.2.2, and hands what matches nothing to its user.
 * https://www.rfc-editor.org/rfc/rfc3261#section-17.1.3 https://www.rfc-editor.org/rfc/rfc3261#section-17.2.3
 */
import type { Diagnostic } from '../../diagnostic';
import type { SipMessage } from '../../message';
import { parseMessage } from '../../message';
import type { Scheduler } from '../clock';
import type {
  SendResult,
  Transport,
  TransportAddress,
  TransportListener,
  TransportProtocol,
} from '../transport';
import type { InviteClientOptions } from './invite-client';
import { InviteClientTransaction } from './invite-client';
import type { InviteServerOptions } from './invite-server';
import { InviteServerTransaction } from './invite-server';
import { NonInviteClientTransaction } from './non-invite-client';
import { NonInviteServerTransaction } from './non-invite-server';
import type { TransactionContext } from './transaction';
import { TransactionTable, serverTransactionKey } from './table';
import type { ClientTransaction, ServerTransaction } from './table';
import type { TimerConfig, TransactionEvent, TransactionUser } from './types';
import { timerConfig } from './types';

export type { ClientTransaction, ServerTransaction } from './table';
export { clientTransactionKey, serverTransactionKey } from './table';

/** The user of the whole layer: the element core (UA core, proxy core...). */
export interface TransactionLayerUser extends TransactionUser {
  /**
   * A new request created server transaction `tx` (every method but ACK). For CANCEL, the
   * INVITE server transaction it cancels is `layer.matchCancel(request)` (§9.2).
   */
  onNewRequest(tx: ServerTransaction, request: SipMessage, source: TransportAddress): void;
  /** An ACK that matches no server transaction: the ACK for a 2xx, end-to-end (§13.2.2.4, §17.2.3). */
  onStrayAck?(ack: SipMessage, source: TransportAddress): void;
  /** A response that matches no client transaction (§17.1.3), e.g. a 2xx retransmission after Timer M. */
  onStrayResponse?(response: SipMessage, source: TransportAddress): void;
  /** Bytes that are not a usable SIP message (no start line, no Via branch and no CSeq...). */
  onInvalidMessage?(bytes: Uint8Array, source: TransportAddress, diagnostics: readonly Diagnostic[]): void;
}

export interface TransactionLayerOptions {
  clock: Scheduler;
  /** One transport per protocol the element listens on; requests pick by destination transport. */
  transports: Transport | readonly Transport[];
  user: TransactionLayerUser;
  timers?: Partial<TimerConfig>;
  /** Receives every transaction event (state changes, timers, sends) for tracing. */
  onEvent?: (e: TransactionEvent) => void;
  /** Options for the INVITE server transactions the layer creates. */
  inviteServer?: InviteServerOptions;
  /** Register as the transports' listener (default true). */
  listen?: boolean;
}

/** Per-request options of {@link TransactionLayer.sendRequest}. */
export interface SendRequestOptions extends InviteClientOptions {
  /** A TU other than the layer user for this transaction (e.g. one proxy branch). */
  tu?: TransactionUser;
}

/**
 * Where a server transaction sends its responses (RFC 3261 §18.2.2 with RFC 3581 rport): over a
 * reliable transport, back to the source; otherwise to `received` (or the source address, when
 * sent-by names another host) at the `rport`/sent-by port, or to the sent-by host and port.
 */
export function responseDestination(req: SipMessage, source: TransportAddress): TransportAddress {
  if (source.transport !== 'UDP') return source;
  const { host: sentHost, port: sentPort } = splitHostPort(req.viaSentBy ?? '');
  if (req.viaRport !== null)
    return { host: req.viaReceived ?? source.host, port: source.port, transport: 'UDP' };
  const port = sentPort ?? 5060;
  if (req.viaReceived) return { host: req.viaReceived, port, transport: 'UDP' };
  // §18.2.1: a server adds `received` when sent-by's host differs from the packet's source address.
  if (sentHost && sentHost.toLowerCase() !== source.host.toLowerCase())
    return { host: source.host, port, transport: 'UDP' };
  return { host: sentHost || source.host, port, transport: 'UDP' };
}

/** `host[:port]`, `[v6][:port]` → parts. */
export function splitHostPort(s: string): { host: string; port: number | null } {
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(s);
  if (v6) return { host: v6[1]!, port: v6[2] ? Number(v6[2]) : null };
  const i = s.lastIndexOf(':');
  if (i > 0 && /^\d+$/.test(s.slice(i + 1))) return { host: s.slice(0, i), port: Number(s.slice(i + 1)) };
  return { host: s, port: null };
}

export class TransactionLayer implements TransportListener {
  readonly timers: TimerConfig;
  private readonly clock: Scheduler;
  private readonly transports: readonly Transport[];
  private readonly user: TransactionLayerUser;
  private readonly onEvent: ((e: TransactionEvent) => void) | undefined;
  private readonly inviteServerOptions: InviteServerOptions;
  private readonly table = new TransactionTable();
  private seq = 0;

  constructor(options: TransactionLayerOptions) {
    this.clock = options.clock;
    this.transports = Array.isArray(options.transports)
      ? options.transports
      : [options.transports as Transport];
    if (this.transports.length === 0) throw new TypeError('TransactionLayer needs at least one transport');
    this.user = options.user;
    this.timers = timerConfig(options.timers);
    this.onEvent = options.onEvent;
    this.inviteServerOptions = options.inviteServer ?? {};
    if (options.listen ?? true) for (const t of this.transports) t.setListener(this);
  }

  /** Live client transactions (for UIs and tests). */
  get clientTransactions(): readonly ClientTransaction[] {
    return this.table.clientList;
  }

  /** Live server transactions. */
  get serverTransactions(): readonly ServerTransaction[] {
    return this.table.serverList;
  }

  /** The transport used for a destination protocol (the first one when none matches). */
  transportFor(protocol: TransportProtocol): Transport {
    return this.transports.find((t) => t.local.transport === protocol) ?? this.transports[0]!;
  }

  private context(transport: Transport): TransactionContext {
    return {
      clock: this.clock,
      transport,
      timers: this.timers,
      id: `T${++this.seq}`,
      emit: this.onEvent,
      onTerminated: this.table.forgetBound,
    };
  }

  /**
   * Starts a client transaction for a request built by the TU (§17.1): INVITE → INVITE client
   * transaction, anything else but ACK → non-INVITE. The request must carry a top Via branch.
   * Throws TypeError for an ACK (not a transaction: use {@link sendStateless}) or a request without
   * branch/CSeq (a TU bug, not wire input).
   */
  sendRequest(
    request: Uint8Array | SipMessage,
    destination: TransportAddress,
    options: SendRequestOptions = {},
  ): ClientTransaction {
    const msg = request instanceof Uint8Array ? parseMessage(request) : request;
    const bytes = request instanceof Uint8Array ? request : request.raw.subarray(request.start, request.end);
    if (msg.kind !== 'request' || !msg.method) throw new TypeError('sendRequest needs a request');
    if (msg.method === 'ACK')
      throw new TypeError(
        'ACK is not sent in a client transaction (RFC 3261 §17.1.1.3, §13.2.2.4): use sendStateless',
      );
    if (!msg.branch || !msg.cseqMethod)
      throw new TypeError('the request needs a top Via branch and a CSeq (RFC 3261 §8.1.1.7)');
    const tu = options.tu ?? this.user;
    const ctx = this.context(this.transportFor(destination.transport));
    const tx =
      msg.method === 'INVITE'
        ? new InviteClientTransaction(ctx, tu, msg, bytes, destination, options)
        : new NonInviteClientTransaction(ctx, tu, msg, bytes, destination);
    this.table.addClient(tx);
    tx.start();
    return tx;
  }

  /** Sends outside any transaction: ACK for 2xx, stateless proxy forwarding, stateless replies. */
  sendStateless(bytes: Uint8Array, destination: TransportAddress): SendResult {
    return this.transportFor(destination.transport).send(bytes, destination);
  }

  /** Transport entry point: parses and dispatches one message. */
  onMessage(bytes: Uint8Array, source: TransportAddress, via: Transport): void {
    const msg = parseMessage(bytes);
    this.receive(msg, source, via);
  }

  /** A failure reported later by the transport: tell the client transactions sending to `dest`. */
  onTransportError(dest: TransportAddress, error: string): void {
    for (const tx of this.table.clientList) {
      const d = tx.destination;
      if (d.host === dest.host && d.port === dest.port && d.transport === dest.transport)
        tx.onTransportFailure(error);
    }
  }

  /** Dispatches an already parsed message (the simulator may parse once and share). */
  receive(
    msg: SipMessage,
    source: TransportAddress,
    via: Transport = this.transportFor(source.transport),
  ): void {
    if (msg.kind === 'response') return this.receiveResponse(msg, source);
    if (msg.kind !== 'request' || !msg.method) {
      this.user.onInvalidMessage?.(msg.raw.subarray(msg.start, msg.end), source, msg.diagnostics);
      return;
    }
    const key = serverTransactionKey(msg);
    if (key === null) {
      this.user.onInvalidMessage?.(msg.raw.subarray(msg.start, msg.end), source, msg.diagnostics);
      return;
    }
    const existing = this.table.server(key);
    if (msg.method === 'ACK') {
      // §17.2.3: the ACK matches the INVITE server transaction; in RFC 2543 mode also by To tag of our response.
      if (
        existing instanceof InviteServerTransaction &&
        (key.startsWith('2543|') ? this.ackToTagMatches(existing, msg) : true)
      )
        existing.receiveAck(msg);
      else this.user.onStrayAck?.(msg, source);
      return;
    }
    if (existing) {
      existing.receiveRequest(msg);
      return;
    }
    const ctx = this.context(via);
    const dest = responseDestination(msg, source);
    const tx: ServerTransaction =
      msg.method === 'INVITE'
        ? new InviteServerTransaction(ctx, this.user, msg, dest, this.inviteServerOptions)
        : new NonInviteServerTransaction(ctx, this.user, msg, dest);
    this.table.addServer(key, tx);
    this.user.onNewRequest(tx, msg, source);
  }

  private ackToTagMatches(tx: InviteServerTransaction, ack: SipMessage): boolean {
    // The To tag the TU put in its response is in the sent bytes; compare with the ACK's To tag.
    return tx.sentToTag === null || tx.sentToTag === ack.toTag;
  }

  private receiveResponse(msg: SipMessage, source: TransportAddress): void {
    const tx = this.table.matchResponse(msg);
    if (tx) tx.receiveResponse(msg);
    else this.user.onStrayResponse?.(msg, source);
  }

  /** The INVITE server transaction a CANCEL cancels (§9.2: it "would match" the CANCEL with method INVITE). */
  matchCancel(cancel: SipMessage): InviteServerTransaction | null {
    const tx = this.table.matchRequest(cancel, 'INVITE');
    return tx instanceof InviteServerTransaction ? tx : null;
  }

  /** The live client transaction of a request branch and method, if any. */
  findClient(branch: string, method: string): ClientTransaction | null {
    return this.table.client(branch, method) ?? null;
  }
}
