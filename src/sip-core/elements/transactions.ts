/**
 * The four RFC 3261 §17 transaction state machines (INVITE/non-INVITE × client/server) as the
 * elements use them, with Timers A–K and RFC 6026's L and M, over the injected {@link Scheduler}
 * and a {@link Transport}.
 *
 * @remarks This is the elements' own compact engine, kept behind the small `ClientTU`/`ServerTU`
 * interfaces so it can be swapped for `stack/transaction` once that layer lands (it did not exist
 * when the simulator was written). Reliable transports get no retransmission timers and zero
 * D/I/J/K, as §17 requires.
 */
import { parseMessage, type SipMessage } from '../message';
import type { Micros, Scheduler, TimerHandle } from '../stack/clock';
import { MS, SECOND } from '../stack/clock';
import type { Transport, TransportAddress } from '../stack/transport';
import type { EventSink } from './events';
import { firstCommaValue } from './sip-util';

/** T1, T2, T4 of RFC 3261 §17.1.1.1 / Table 4, in µs. */
export interface TimerValues {
  t1: Micros;
  t2: Micros;
  t4: Micros;
}

export const DEFAULT_TIMERS: TimerValues = { t1: 500 * MS, t2: 4 * SECOND, t4: 5 * SECOND };

/** What a transaction needs from its element. */
export interface TransactionContext {
  readonly node: string;
  readonly clock: Scheduler;
  readonly transport: Transport;
  readonly events: EventSink;
  readonly timers: TimerValues;
}

export type ClientState = 'calling' | 'trying' | 'proceeding' | 'completed' | 'accepted' | 'terminated';
export type ServerState = 'trying' | 'proceeding' | 'completed' | 'confirmed' | 'accepted' | 'terminated';

/** The transaction user above a client transaction (RFC 3261 §17.1). */
export interface ClientTU {
  /** Every response the transaction passes up (1xx, finals; 2xx retransmissions in 'accepted'). */
  onResponse(msg: SipMessage, txn: ClientTransaction): void;
  /** Timer B or F fired (RFC 3261 §17.1.1.2, §17.1.2.2): treat as 408. */
  onTimeout(txn: ClientTransaction): void;
  /** The transport refused the request (§17.1.4). */
  onTransportError?(txn: ClientTransaction, error: string): void;
}

// RFC 3261 §17.1.1.2 + RFC 6026 §8.4 (ICT) and §17.1.2.2 (NICT): legal predecessors of each state.
const CLIENT_FROM: Record<ClientState, readonly ClientState[]> = {
  calling: [],
  trying: [],
  proceeding: ['calling', 'trying', 'proceeding'],
  completed: ['calling', 'trying', 'proceeding'],
  accepted: ['calling', 'proceeding'],
  terminated: ['calling', 'trying', 'proceeding', 'completed', 'accepted'],
};

// RFC 3261 §17.2.1 + RFC 6026 §8.5 (IST) and §17.2.2 (NIST).
const SERVER_FROM: Record<ServerState, readonly ServerState[]> = {
  trying: [],
  proceeding: ['trying', 'proceeding'],
  completed: ['trying', 'proceeding'],
  confirmed: ['completed'],
  accepted: ['proceeding'],
  terminated: ['trying', 'proceeding', 'completed', 'confirmed', 'accepted'],
};

/** What a timer event reports (the scenario player's panel of running timers). */
export type TimerAction = 'start' | 'cancel' | 'fire';

/**
 * Emits a `kind: 'timer'` event: `data: { timer, branch, action, due }`, `due` being the virtual
 * time (µs) at which the timer fires (for 'cancel', when it would have fired). Builds nothing when
 * no one listens.
 */
function emitTimer(
  ctx: TransactionContext,
  branch: string,
  name: string,
  action: TimerAction,
  due: Micros,
  text?: string,
): void {
  const ev = ctx.events;
  if (!ev.enabled) return;
  ev.emit({
    time: ctx.clock.now(),
    node: ctx.node,
    kind: 'timer',
    text:
      text !== undefined
        ? `${name}: ${text}`
        : action === 'start'
          ? `${name} started (fires at ${(due / SECOND).toFixed(3)} s)`
          : `${name} cancelled`,
    data: { timer: name, branch, action, due },
  });
}

/** A scheduled transaction timer: its handle, name and due time. */
interface RunningTimer {
  handle: TimerHandle;
  name: string;
  due: Micros;
}

/** Schedules `fn` after `delay` and emits the 'start' event; the 'fire' event is the callback's. */
function startTimer(
  ctx: TransactionContext,
  branch: string,
  name: string,
  delay: Micros,
  fn: () => void,
): RunningTimer {
  const due = ctx.clock.now() + delay;
  const handle = ctx.clock.schedule(delay, fn, name);
  emitTimer(ctx, branch, name, 'start', due);
  return { handle, name, due };
}

/** Cancels a running timer (emitting 'cancel'); returns null for the caller's field. */
function cancelTimer(ctx: TransactionContext, branch: string, t: RunningTimer | null): null {
  if (t !== null) {
    ctx.clock.cancel(t.handle);
    emitTimer(ctx, branch, t.name, 'cancel', t.due);
  }
  return null;
}

/** Client transaction: INVITE (ICT) or non-INVITE (NICT). */
export class ClientTransaction {
  state: ClientState;
  readonly invite: boolean;
  /** Final or provisional status of the last response passed up (0: none). */
  lastStatus = 0;
  /** Free slot for the TU (e.g. the proxy branch this transaction belongs to). */
  userData: unknown = null;
  private timerA: RunningTimer | null = null;
  private timerB: RunningTimer | null = null;
  private timerEnd: RunningTimer | null = null;
  private interval: Micros;
  private ack: Uint8Array | null = null;

  constructor(
    private readonly ctx: TransactionContext,
    private readonly table: TransactionTable,
    readonly branch: string,
    readonly method: string,
    readonly request: Uint8Array,
    readonly dest: TransportAddress,
    private readonly tu: ClientTU,
  ) {
    this.invite = method === 'INVITE';
    this.state = this.invite ? 'calling' : 'trying';
    this.interval = ctx.timers.t1;
  }

  get key(): string {
    return `${this.branch}|${this.method}`;
  }

  /** Sends the request and arms A/B (ICT) or E/F (NICT). */
  start(): void {
    this.table.addClient(this);
    this.emitState(null);
    const r = this.ctx.transport.send(this.request, this.dest);
    if (!r.ok) {
      this.to('terminated');
      this.tu.onTransportError?.(this, r.error);
      return;
    }
    const t1 = this.ctx.timers.t1;
    if (!this.ctx.transport.reliable) this.armRetransmit();
    // RFC 3261 §17.1.1.2: Timer B = 64*T1; §17.1.2.2: Timer F = 64*T1.
    this.timerB = startTimer(this.ctx, this.branch, this.invite ? 'Timer B' : 'Timer F', 64 * t1, () =>
      this.onTimeoutTimer(),
    );
  }

  private armRetransmit(): void {
    const name = this.invite ? 'Timer A' : 'Timer E';
    this.timerA = startTimer(this.ctx, this.branch, name, this.interval, () => this.onRetransmitTimer());
  }

  private onRetransmitTimer(): void {
    this.timerA = null;
    const name = this.invite ? 'Timer A' : 'Timer E';
    if (this.invite ? this.state !== 'calling' : this.state !== 'trying' && this.state !== 'proceeding') {
      this.timer(name);
      return;
    }
    this.timer(name, `retransmit ${this.method} (interval ${this.interval / 1000} ms)`);
    this.ctx.transport.send(this.request, this.dest);
    // §17.1.1.2: A doubles each time; §17.1.2.2: E doubles up to T2, and stays at T2 in 'proceeding'.
    if (this.invite) this.interval *= 2;
    else
      this.interval =
        this.state === 'proceeding' ? this.ctx.timers.t2 : Math.min(2 * this.interval, this.ctx.timers.t2);
    this.armRetransmit();
  }

  private onTimeoutTimer(): void {
    this.timerB = null;
    // §17.1.1.2: "If the client transaction is still in the 'Calling' state when timer B fires, the
    // client transaction SHOULD inform the TU that a timeout has occurred." §17.1.2.2: F in trying/proceeding.
    const live = this.invite
      ? this.state === 'calling'
      : this.state === 'trying' || this.state === 'proceeding';
    const name = this.invite ? 'Timer B' : 'Timer F';
    if (!live) {
      this.timer(name);
      return;
    }
    this.timer(name, `${this.method} transaction timeout`);
    this.to('terminated');
    this.tu.onTimeout(this);
  }

  /** A response whose top Via branch and CSeq method match this transaction (§17.1.3). */
  receive(msg: SipMessage): void {
    const status = msg.status ?? 0;
    if (this.invite) this.receiveInvite(msg, status);
    else this.receiveNonInvite(msg, status);
  }

  private receiveInvite(msg: SipMessage, status: number): void {
    switch (this.state) {
      case 'calling':
      case 'proceeding':
        if (status < 200) {
          // §17.1.1.2: a provisional response moves to 'proceeding'; no more retransmissions.
          this.clearA();
          this.to('proceeding');
          this.pass(msg, status);
        } else if (status < 300) {
          // RFC 6026 §8.4: a 2xx moves to 'accepted' (Timer M) and is passed up.
          this.clearA();
          this.clearB();
          this.to('accepted');
          this.armEnd(64 * this.ctx.timers.t1, 'Timer M');
          this.pass(msg, status);
        } else {
          // §17.1.1.2: 300-699 → 'completed', ACK sent, Timer D (≥32 s unreliable, 0 reliable).
          this.clearA();
          this.clearB();
          this.to('completed');
          this.ack = buildAckForNon2xx(this.request, msg);
          this.ctx.transport.send(this.ack, this.dest);
          this.armEnd(this.ctx.transport.reliable ? 0 : 32 * SECOND, 'Timer D');
          this.pass(msg, status);
        }
        break;
      case 'completed':
        // §17.1.1.2: "Any retransmissions of the final response ... MUST cause the ACK to be re-passed".
        if (status >= 300 && this.ack) this.ctx.transport.send(this.ack, this.dest);
        break;
      case 'accepted':
        // RFC 6026 §8.4: 2xx retransmissions are passed to the TU (which re-sends its ACK).
        if (status >= 200 && status < 300) this.tu.onResponse(msg, this);
        break;
      default:
        break;
    }
  }

  private receiveNonInvite(msg: SipMessage, status: number): void {
    if (this.state !== 'trying' && this.state !== 'proceeding') return; // §17.1.2.2: absorbed in 'completed'
    if (status < 200) {
      this.to('proceeding');
      this.pass(msg, status);
      return;
    }
    this.clearA();
    this.clearB();
    this.to('completed');
    this.armEnd(this.ctx.transport.reliable ? 0 : this.ctx.timers.t4, 'Timer K');
    this.pass(msg, status);
  }

  private pass(msg: SipMessage, status: number): void {
    this.lastStatus = status;
    this.tu.onResponse(msg, this);
  }

  /** Ends the transaction at once (e.g. the TU gives up). */
  terminate(): void {
    this.clearA();
    this.clearB();
    this.timerEnd = cancelTimer(this.ctx, this.branch, this.timerEnd);
    if (this.state !== 'terminated') this.to('terminated');
  }

  private armEnd(delay: Micros, name: string): void {
    if (delay <= 0) {
      this.to('terminated');
      return;
    }
    this.timerEnd = startTimer(this.ctx, this.branch, name, delay, () => {
      this.timerEnd = null;
      this.timer(name, `${this.method} transaction ends`);
      this.to('terminated');
    });
  }

  private clearA(): void {
    this.timerA = cancelTimer(this.ctx, this.branch, this.timerA);
  }
  private clearB(): void {
    this.timerB = cancelTimer(this.ctx, this.branch, this.timerB);
  }

  private to(next: ClientState): void {
    const prev = this.state;
    if (prev === next) return;
    if (!CLIENT_FROM[next].includes(prev)) return; // illegal: ignore (never reached by this engine)
    this.state = next;
    this.emitState(prev);
    if (next === 'terminated') {
      this.clearA();
      this.clearB();
      this.timerEnd = cancelTimer(this.ctx, this.branch, this.timerEnd);
      this.table.removeClient(this);
    }
  }

  private emitState(prev: ClientState | null): void {
    const ev = this.ctx.events;
    if (!ev.enabled) return;
    const kind = this.invite ? 'ICT' : 'NICT';
    ev.emit({
      time: this.ctx.clock.now(),
      node: this.ctx.node,
      kind: 'transaction',
      text:
        prev === null
          ? `${kind} ${this.method} ${this.branch} ${this.state}`
          : `${kind} ${this.method} ${this.branch} ${prev} -> ${this.state}`,
      data: { role: kind, method: this.method, branch: this.branch, from: prev, to: this.state },
    });
  }

  /** The 'fire' event of timer `name` (text: what it does; absent when the state made it moot). */
  private timer(name: string, text = 'fired (no effect in this state)'): void {
    emitTimer(this.ctx, this.branch, name, 'fire', this.ctx.clock.now(), text);
  }
}

/** The transaction user above server transactions. */
export interface ServerTU {
  /** Timer H fired without an ACK (§17.2.1), or the transport failed. */
  onServerTimeout?(txn: ServerTransaction): void;
}

/** Server transaction: INVITE (IST) or non-INVITE (NIST). */
export class ServerTransaction {
  state: ServerState;
  readonly invite: boolean;
  lastResponse: Uint8Array | null = null;
  lastStatus = 0;
  userData: unknown = null;
  private timerG: RunningTimer | null = null;
  private timerEnd: RunningTimer | null = null;
  private timer100: RunningTimer | null = null;
  private interval: Micros;
  /** Top Via branch of the request. */
  readonly branch: string;

  constructor(
    private readonly ctx: TransactionContext,
    private readonly table: TransactionTable,
    readonly key: string,
    readonly request: SipMessage,
    /** Where responses go (§18.2.2 with `received`/`rport` applied). */
    readonly replyTo: TransportAddress,
    private readonly tu: ServerTU | null,
  ) {
    this.invite = request.method === 'INVITE';
    this.state = this.invite ? 'proceeding' : 'trying';
    this.interval = ctx.timers.t1;
    this.branch = key.slice(0, key.indexOf('|'));
    table.addServer(this);
    this.emitState(null);
  }

  get method(): string {
    return this.request.method ?? '';
  }

  /**
   * §17.2.1: "If there is a chance that the TU will not generate a provisional response within 200
   * ms, then it MUST generate a 100 (Trying)". `make` builds it only when the timer fires.
   */
  autoTrying(make: () => Uint8Array, delay: Micros = 200 * MS): void {
    this.timer100 = startTimer(this.ctx, this.branch, TRYING_TIMER, delay, () => {
      this.timer100 = null;
      if (this.lastStatus === 0 && this.state === 'proceeding') {
        this.timer(TRYING_TIMER, 'no response from the TU within 200 ms: 100 Trying');
        this.respond(make(), 100);
      } else this.timer(TRYING_TIMER);
    });
  }

  /** The TU sends a response through the transaction. */
  respond(bytes: Uint8Array, status: number): void {
    if (this.state === 'terminated' || this.state === 'completed' || this.state === 'confirmed') return;
    if (this.timer100 !== null && status > 100)
      this.timer100 = cancelTimer(this.ctx, this.branch, this.timer100);
    this.lastResponse = bytes;
    this.lastStatus = status;
    this.ctx.transport.send(bytes, this.replyTo);
    const unreliable = !this.ctx.transport.reliable;
    const t1 = this.ctx.timers.t1;
    if (this.invite) {
      if (status < 200) return;
      if (status < 300) {
        // RFC 6026 §8.5: 2xx → 'accepted', Timer L = 64*T1 (the TU retransmits the 2xx itself).
        this.to('accepted');
        this.armEnd(64 * t1, 'Timer L');
        return;
      }
      // §17.2.1: 300-699 → 'completed'; Timer G retransmits (unreliable), Timer H waits for the ACK.
      this.to('completed');
      if (unreliable) this.armG();
      this.timerEnd = startTimer(this.ctx, this.branch, 'Timer H', 64 * t1, () => this.onTimerH());
      return;
    }
    if (status < 200) {
      this.to('proceeding');
      return;
    }
    // §17.2.2: final → 'completed', Timer J = 64*T1 unreliable, 0 reliable.
    this.to('completed');
    this.armEnd(unreliable ? 64 * t1 : 0, 'Timer J');
  }

  private armG(): void {
    this.timerG = startTimer(this.ctx, this.branch, 'Timer G', this.interval, () => {
      this.timerG = null;
      if (this.state !== 'completed' || !this.lastResponse) {
        this.timer('Timer G');
        return;
      }
      this.timer('Timer G', `retransmit ${this.lastStatus} (interval ${this.interval / 1000} ms)`);
      this.ctx.transport.send(this.lastResponse, this.replyTo);
      this.interval = Math.min(2 * this.interval, this.ctx.timers.t2);
      this.armG();
    });
  }

  private onTimerH(): void {
    this.timerEnd = null;
    if (this.state !== 'completed') {
      this.timer('Timer H');
      return;
    }
    this.timer('Timer H', 'no ACK for the final response');
    this.clearG();
    this.to('terminated');
    this.tu?.onServerTimeout?.(this);
  }

  /** A retransmission of the request arrived: re-send the last response (§17.2.1, §17.2.2). */
  retransmission(): void {
    if (this.lastResponse && this.state !== 'confirmed' && this.state !== 'terminated')
      this.ctx.transport.send(this.lastResponse, this.replyTo);
  }

  /** An ACK matching this IST (non-2xx final): 'confirmed', Timer I = T4 (0 reliable). */
  ack(): void {
    if (this.state !== 'completed') return;
    this.clearG();
    this.timerEnd = cancelTimer(this.ctx, this.branch, this.timerEnd);
    this.to('confirmed');
    this.armEnd(this.ctx.transport.reliable ? 0 : this.ctx.timers.t4, 'Timer I');
  }

  private armEnd(delay: Micros, name: string): void {
    if (delay <= 0) {
      this.to('terminated');
      return;
    }
    this.timerEnd = startTimer(this.ctx, this.branch, name, delay, () => {
      this.timerEnd = null;
      this.timer(name, `${this.method} server transaction ends`);
      this.to('terminated');
    });
  }

  private clearG(): void {
    this.timerG = cancelTimer(this.ctx, this.branch, this.timerG);
  }

  private to(next: ServerState): void {
    const prev = this.state;
    if (prev === next) return;
    if (!SERVER_FROM[next].includes(prev)) return;
    this.state = next;
    this.emitState(prev);
    if (next === 'terminated') {
      this.timer100 = cancelTimer(this.ctx, this.branch, this.timer100);
      this.clearG();
      this.timerEnd = cancelTimer(this.ctx, this.branch, this.timerEnd);
      this.table.removeServer(this);
    }
  }

  private emitState(prev: ServerState | null): void {
    const ev = this.ctx.events;
    if (!ev.enabled) return;
    const kind = this.invite ? 'IST' : 'NIST';
    const branch = this.branch;
    ev.emit({
      time: this.ctx.clock.now(),
      node: this.ctx.node,
      kind: 'transaction',
      text:
        prev === null
          ? `${kind} ${this.method} ${branch} ${this.state}`
          : `${kind} ${this.method} ${branch} ${prev} -> ${this.state}`,
      data: { role: kind, method: this.method, branch, from: prev, to: this.state },
    });
  }

  /** The 'fire' event of timer `name` (text: what it does; absent when the state made it moot). */
  private timer(name: string, text = 'fired (no effect in this state)'): void {
    emitTimer(this.ctx, this.branch, name, 'fire', this.ctx.clock.now(), text);
  }
}

/** The §17.2.1 automatic 100 Trying of an INVITE server transaction, shown as a timer. */
const TRYING_TIMER = '100 Trying (200 ms)';

/** The element's transactions, matched per RFC 3261 §17.1.3 (client) and §17.2.3 (server). */
export class TransactionTable {
  private readonly clients = new Map<string, ClientTransaction>();
  private readonly servers = new Map<string, ServerTransaction>();

  addClient(t: ClientTransaction): void {
    this.clients.set(t.key, t);
  }
  removeClient(t: ClientTransaction): void {
    if (this.clients.get(t.key) === t) this.clients.delete(t.key);
  }
  addServer(t: ServerTransaction): void {
    this.servers.set(t.key, t);
  }
  removeServer(t: ServerTransaction): void {
    if (this.servers.get(t.key) === t) this.servers.delete(t.key);
  }

  /** §17.1.3: the response's top Via branch and CSeq method. */
  matchResponse(msg: SipMessage): ClientTransaction | undefined {
    if (!msg.branch || !msg.cseqMethod) return undefined;
    return this.clients.get(`${msg.branch}|${msg.cseqMethod}`);
  }

  client(branch: string, method: string): ClientTransaction | undefined {
    return this.clients.get(`${branch}|${method}`);
  }

  /** §17.2.3 key: branch, sent-by and method (ACK matches the INVITE). */
  static serverKey(msg: SipMessage, methodOverride?: string): string {
    const m = methodOverride ?? (msg.method === 'ACK' ? 'INVITE' : (msg.method ?? ''));
    return `${msg.branch ?? ''}|${msg.viaSentBy ?? ''}|${m}`;
  }

  server(key: string): ServerTransaction | undefined {
    return this.servers.get(key);
  }

  get size(): { clients: number; servers: number } {
    return { clients: this.clients.size, servers: this.servers.size };
  }
}

/**
 * The ACK a client INVITE transaction sends for a 300-699 response (RFC 3261 §17.1.1.3): same
 * Request-URI, Call-ID, From, CSeq number and top Via as the INVITE; To from the response; Route
 * headers of the INVITE.
 */
export function buildAckForNon2xx(inviteBytes: Uint8Array, response: SipMessage): Uint8Array {
  const inv = parseMessage(inviteBytes);
  const lines: string[] = [`ACK ${inv.requestUri ?? ''} SIP/2.0`];
  const topVia = inv.headerAll('via')[0];
  if (topVia !== undefined) lines.push(`Via: ${firstCommaValue(topVia)}`);
  for (const r of inv.headerAll('route')) lines.push(`Route: ${r}`);
  lines.push(`Max-Forwards: 70`);
  lines.push(`From: ${inv.header('from') ?? ''}`);
  lines.push(`To: ${response.header('to') ?? inv.header('to') ?? ''}`);
  lines.push(`Call-ID: ${inv.callId ?? ''}`);
  lines.push(`CSeq: ${inv.cseq ?? 0} ACK`);
  lines.push('Content-Length: 0');
  return encoder.encode(lines.join('\r\n') + '\r\n\r\n');
}

const encoder = new TextEncoder();
