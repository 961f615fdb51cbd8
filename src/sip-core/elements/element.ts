/**
 * What every SIP element shares: its transport, transaction table, node identity, clock, ids and
 * event sink; message dispatch (responses to client transactions, retransmissions and ACKs to
 * server transactions, new requests to the element); Via and response building with RFC 3261
 * §18.2.1 `received` and RFC 3581 `rport`.
 *
 * Transactions are the stack's RFC 3261 §17 machines (`stack/transaction`); the element is their
 * transaction user and decides itself which requests get a server transaction (a stateless proxy
 * creates none). Their trace events become element events: `kind: 'transaction'` with
 * `{ role, method, branch, from, to }` and `kind: 'timer'` with `{ timer, branch, action, due }`.
 */
import { decodeUnfolded, parseMessage, reasonPhrase, type SipMessage } from '../message';
import type { IdSource, Scheduler } from '../stack/clock';
import type { Transport, TransportAddress, TransportListener } from '../stack/transport';
import type { EventSink } from './events';
import { firstCommaValue } from './sip-util';
import { ByteWriter, utf8Length } from './byte-writer';
import {
  FieldIndex,
  K_CALL_ID,
  K_CSEQ,
  K_FROM,
  K_OTHER,
  K_RECORD_ROUTE,
  K_TO,
  K_VIA,
  F_RECEIVED,
  F_RPORT,
  F_SENTBY,
  F_TOTAG,
  equalsIgnoreCase,
  hasKeyField,
  keyText,
  methodOf,
  sentByHostAt,
} from './msg-index';
import {
  type ClientTransaction,
  InviteClientTransaction,
  InviteServerTransaction,
  NonInviteClientTransaction,
  NonInviteServerTransaction,
  type ServerTransaction,
  type TimerConfig,
  type TimerName,
  type TransactionBase,
  type TransactionContext,
  type TransactionInfo,
  type TransactionEvent,
  type TransactionKind,
  TIMER_LABEL,
  TransactionTable,
  type TransactionUser,
} from '../stack/transaction';

export type { ClientTransaction, ServerTransaction } from '../stack/transaction';

/** Everything an element is given by whoever runs it (simulator, lab, test). */
export interface ElementEnv {
  node: string;
  clock: Scheduler;
  ids: IdSource;
  events: EventSink;
  /** T1/T2/T4 and the other RFC 3261 timer bases (stack's {@link TimerConfig}). */
  timers: TimerConfig;
  /** Name resolution (the simulator's DNS); identity when absent. */
  resolve?: (host: string) => string;
  /**
   * The port a name's SRV record gives (RFC 3263 §4.2: a URI with a domain name and no port), null
   * when it has none: a lab proxy on another port than 5060 is still reached as `sip:bob@its.domain`.
   * Absent: 5060 for every URI without a port.
   */
  resolvePort?: (host: string) => number | null;
}

const enc = new TextEncoder();

/** Serializes start line + header lines + body with a correct Content-Length. */
export function encodeMessage(startLine: string, headers: readonly string[], body = ''): Uint8Array {
  let head = startLine + '\r\n';
  for (const h of headers) head += h + '\r\n';
  head += `Content-Length: ${body.length ? utf8Length(body) : 0}\r\n\r\n`;
  const w = writer.reset();
  w.str(body.length ? head + body : head);
  return w.take();
}

/** A body written straight into the message (no bytes of its own): its length in octets, then its octets. */
export interface BodyWriter {
  readonly length: number;
  write(w: ByteWriter): void;
}

export interface ResponseOptions {
  reason?: string;
  toTag?: string | null;
  /** Copy Record-Route (RFC 3261 §12.1.1). */
  recordRoute?: boolean;
  headers?: readonly string[];
  /** Header lines already encoded (each ending in CRLF), written after `headers`. */
  headerBytes?: Uint8Array;
  /** The body: text, or a writer of it (written in place, see {@link BodyWriter}). */
  body?: string | BodyWriter;
  /** The body already encoded (instead of `body`). */
  bodyBytes?: Uint8Array;
  contentType?: string;
}

/**
 * A transaction user made of callbacks. Built with `new`, the callbacks are constructor arguments,
 * not properties of an object literal: under tsx (esbuild keepNames) every named arrow function
 * created on a hot path costs a `__name()` call.
 */
export class CallbackTu implements TransactionUser {
  constructor(
    readonly onResponse: (tx: TransactionInfo, response: SipMessage) => void,
    readonly onTimeout: (tx: TransactionInfo, timer: TimerName) => void = noop,
    readonly onTransportError: (tx: TransactionInfo, error: string) => void = noop,
  ) {}
}

function noop(): void {}

/** Role names of the four §17 machines in element events. */
const ROLE: Readonly<Record<TransactionKind, 'ICT' | 'NICT' | 'IST' | 'NIST'>> = {
  'invite-client': 'ICT',
  'non-invite-client': 'NICT',
  'invite-server': 'IST',
  'non-invite-server': 'NIST',
};

export abstract class SipElement implements TransportListener {
  readonly table = new TransactionTable();
  readonly node: string;
  readonly clock: Scheduler;
  readonly ids: IdSource;
  readonly events: EventSink;
  readonly timers: TimerConfig;
  private txSeq = 0;
  /** Add `;rport` to our own Via (RFC 3581 §3). */
  rportInVia = true;
  /** Fill `rport` even when the client did not ask (Kamailio's force_rport). */
  alwaysRport = false;

  constructor(
    env: ElementEnv,
    readonly transport: Transport,
  ) {
    this.node = env.node;
    this.clock = env.clock;
    this.ids = env.ids;
    this.events = env.events;
    this.timers = env.timers;
    this.resolveName = env.resolve ?? ((h) => h);
    this.#srvPort = env.resolvePort ?? null;
    transport.setListener(this);
  }

  protected readonly resolveName: (host: string) => string;
  readonly #srvPort: ((host: string) => number | null) | null;

  /** `host:port` others should use for us (the advertised address; a STUN-learned one when set). */
  advertised: { host: string; port: number } | null = null;

  get sentBy(): string {
    const a = this.advertised ?? this.transport.local;
    if (a !== this.sentByOf || a.host !== this.sentByHost || a.port !== this.sentByPort) {
      this.sentByOf = a;
      this.sentByHost = a.host;
      this.sentByPort = a.port;
      this.sentByText = `${a.host}:${a.port}`;
    }
    return this.sentByText;
  }
  private sentByOf: { host: string; port: number } | null = null;
  private sentByHost = '';
  private sentByPort = 0;
  private sentByText = '';

  /** Our Via value with a branch. */
  via(branch: string): string {
    return `SIP/2.0/${this.transport.local.transport} ${this.sentBy};branch=${branch}${this.rportInVia ? ';rport' : ''}`;
  }

  /** `Via: <our Via with branch>` and CRLF, as {@link via} writes it; the part before the branch kept as bytes. */
  writeVia(w: ByteWriter, branch: string): void {
    w.bytes(this.viaHeadBytes());
    w.str(branch);
    w.bytes(this.rportInVia ? RPORT_CRLF : CRLF);
  }

  /** `Via: SIP/2.0/<transport> <sentBy>;branch=` as bytes (made again when the address changes). */
  protected viaHeadBytes(): Uint8Array {
    const sb = this.sentBy;
    const tr = this.transport.local.transport;
    if (sb !== this.viaHeadSentBy || tr !== this.viaHeadTransport) {
      this.viaHeadSentBy = sb;
      this.viaHeadTransport = tr;
      this.viaHead = enc.encode(`Via: SIP/2.0/${tr} ${sb};branch=`);
    }
    return this.viaHead;
  }
  private viaHead: Uint8Array = CRLF;
  private viaHeadSentBy = '';
  private viaHeadTransport = '';

  log(
    text: string,
    data?: Record<string, unknown>,
    kind: 'log' | 'call' | 'dialog' | 'registration' = 'log',
  ): void {
    if (this.events.enabled)
      this.events.emit({ time: this.clock.now(), node: this.node, kind, text, ...(data ? { data } : {}) });
  }

  onMessage(bytes: Uint8Array, source: TransportAddress): void {
    const msg = parseMessage(bytes);
    if (msg.kind === 'response') {
      const t = this.table.matchResponse(msg);
      if (t) t.receiveResponse(msg);
      else this.onStrayResponse(msg, source);
      return;
    }
    if (msg.kind !== 'request') {
      if (this.events.enabled) this.log(`unparseable message from ${source.host}:${source.port} ignored`);
      return;
    }
    if (!hasKeyField(msg, F_SENTBY, true)) {
      // Via is mandatory (RFC 3261 §8.1.1.7) and the only place a response can go (§18.2.2): a
      // request without one is dropped, unanswered and unrouted, as Kamailio's core drops it ("no via
      // found in request").
      if (this.events.enabled)
        this.log(`${methodOf(msg) ?? 'request'} from ${source.host}:${source.port} without a Via dropped`);
      return;
    }
    const st = this.table.matchRequest(msg);
    if (st) {
      if (methodOf(msg) === 'ACK') {
        // (a lingering transaction's record answers for it: kind and state, not its class)
        if (st.kind === 'invite-server' && (st.state === 'completed' || st.state === 'confirmed')) {
          st.receiveAck(msg);
          return;
        }
        // ACK for a 2xx: a separate transaction, goes to the element (RFC 3261 §17.2.3 / RFC 6026).
      } else {
        st.receiveRequest(msg);
        return;
      }
    }
    this.onRequest(msg, source);
  }

  /** The TU of the element's server transactions: Timer H (§17.2.1) or a transport failure. */
  private readonly serverTu: TransactionUser = {
    onTimeout: (tx) => this.onServerTimeout(tx as ServerTransaction),
    onTransportError: (tx) => this.onServerTimeout(tx as ServerTransaction),
  };

  /** The context of a new transaction: its id, the element's clock/transport/timers, events when on. */
  private txContext(names: { branch: string | null; method: string | null }): TransactionContext {
    const on = this.events.enabled;
    if (!on) {
      // Without events every context of this element is the same but for the id, which a
      // transaction copies when it is made: one object serves them all. The id is given as a
      // number (the same `T<n>`, made as a string only if read).
      const shared = (this.quietContext ??= {
        clock: this.clock,
        transport: this.transport,
        timers: this.timers,
        id: '',
        seq: 0,
        emit: undefined,
        onTerminated: this.table.forgetBound,
        // a transaction that only waits out its last timer becomes a compact record of the table
        linger: this.table.linger,
      });
      shared.seq = ++this.txSeq;
      return shared;
    }
    const id = `T${++this.txSeq}`;
    this.txNames.set(id, { branch: names.branch ?? '', method: names.method ?? '', durations: {} });
    return {
      clock: this.clock,
      transport: this.transport,
      timers: this.timers,
      id,
      emit: on ? this.txEvents : undefined,
      onTerminated: on ? this.forgetNamed : this.table.forgetBound,
    };
  }

  private quietContext: TransactionContext | null = null;

  /**
   * Branch, method and last timer durations of each live transaction id, for the events (kept only
   * while events are on).
   */
  private readonly txNames = new Map<
    string,
    { branch: string; method: string; durations: Partial<Record<TimerName, number>> }
  >();

  private readonly forgetNamed = (tx: TransactionBase<string>): void => {
    this.table.forget(tx);
    this.txNames.delete(tx.id);
  };

  /** Transaction trace events → element events (the scenario player's panel of state machines). */
  private readonly txEvents = (e: TransactionEvent): void => {
    const names = this.txNames.get(e.tx);
    const branch = names?.branch ?? '';
    const method = names?.method ?? '';
    const role = ROLE[e.kind];
    const base = { time: e.at, node: this.node };
    switch (e.type) {
      case 'state': {
        const from = e.from === '' ? null : e.from;
        this.events.emit({
          ...base,
          kind: 'transaction',
          text:
            from === null
              ? `${role} ${method} ${branch} ${e.to}`
              : `${role} ${method} ${branch} ${from} -> ${e.to}`,
          data: { role, method, branch, from, to: e.to },
        });
        return;
      }
      case 'timer-start': {
        const timer = TIMER_LABEL[e.timer];
        if (names) names.durations[e.timer] = e.duration;
        this.events.emit({
          ...base,
          kind: 'timer',
          // "in", not "at": a lab's clock is the wall clock (epoch seconds), a simulation's starts at 0.
          text: `${timer} started for ${role} ${method} (fires in ${(e.duration / 1e6).toFixed(3)} s)`,
          data: { timer, branch, action: 'start', due: e.due },
        });
        return;
      }
      case 'timer-stop': {
        const timer = TIMER_LABEL[e.timer];
        this.events.emit({
          ...base,
          kind: 'timer',
          text: `${timer} cancelled for ${role} ${method}`,
          data: { timer, branch, action: 'cancel', due: e.due },
        });
        return;
      }
      case 'timer-fire': {
        const timer = TIMER_LABEL[e.timer];
        this.events.emit({
          ...base,
          kind: 'timer',
          text: `${timer}: ${timerEffect(e.timer, method, names?.durations[e.timer] ?? 0)}`,
          data: { timer, branch, action: 'fire', due: e.at },
        });
        return;
      }
      case 'send':
        return;
    }
  };

  /** A new request (not a retransmission, not an ACK absorbed by a transaction). */
  protected abstract onRequest(msg: SipMessage, source: TransportAddress): void;

  /** A response no client transaction matched (2xx retransmissions after termination, stateless forwarding). */
  protected onStrayResponse(_msg: SipMessage, _source: TransportAddress): void {}

  onServerTimeout(_txn: ServerTransaction): void {}

  /** The top Via with `received`/`rport` filled as the server saw the request (RFC 3261 §18.2.1, RFC 3581 §4). */
  receivedVia(msg: SipMessage, source: TransportAddress): string {
    return this.receivedViaOf(msg, topViaValue(msg), source);
  }

  /** {@link receivedVia} of `top`, the request's top Via value; its parameters come from the parser's key fields. */
  protected receivedViaOf(msg: SipMessage, top: string, source: TransportAddress): string {
    let out = top;
    const rport = msg.viaRport;
    const wantRport = rport === '' || this.alwaysRport;
    if (wantRport || sentByHost(msg.viaSentBy) !== source.host) {
      if (msg.viaReceived === null) out += `;received=${source.host}`;
    }
    if (wantRport)
      out = rport === '' ? fillRport(out, source.port) : rport === null ? `${out};rport=${source.port}` : out;
    return out;
  }

  /**
   * The request's top Via with received/rport as it must be forwarded (RFC 3261 §18.2.1, RFC 3581 §4):
   * undefined when nothing changes, the `Via: ...` line's bytes (with CRLF) when the first Via field
   * is one plain value, null when the caller must use {@link receivedViaOf} on the decoded value.
   */
  protected receivedViaLine(req: SipMessage, source: TransportAddress): Uint8Array | null | undefined {
    // the top Via's parameters read from the octets (no header section decoded, no strings made)
    const rport = rportOf(req);
    const wantRport = rport === RPORT_EMPTY || this.alwaysRport;
    const addReceived = (wantRport || !viaHostIs(req, source.host)) && !hasKeyField(req, F_RECEIVED);
    if (!addReceived && rport !== RPORT_EMPTY && !(rport === RPORT_ABSENT && wantRport)) return undefined;
    const fx = topViaFields.of(req);
    const i = fx.first(K_VIA);
    if (i < 0) return null;
    const w = writer.reset();
    return this.topViaBytes(w, req, source, fx.vs(i), fx.ve(i)) ? w.take() : null;
  }

  /**
   * {@link receivedViaOf} written as bytes for the common field: one Via value (no comma), plain
   * ASCII on one line. False (nothing written) for any other, which takes the string path.
   */
  private topViaBytes(
    w: ByteWriter,
    req: SipMessage,
    source: TransportAddress,
    start: number,
    end: number,
  ): boolean {
    const raw = req.raw;
    let rportEnd = -1;
    for (let i = start; i < end; i++) {
      const c = raw[i]!;
      if (c === 44 /* , */ || c < 0x20 || c > 0x7e) return false;
      if (
        rportEnd < 0 &&
        c === 59 /* ; */ &&
        i + 6 <= end &&
        (raw[i + 1]! | 0x20) === 114 /* r */ &&
        (raw[i + 2]! | 0x20) === 112 /* p */ &&
        (raw[i + 3]! | 0x20) === 111 /* o */ &&
        (raw[i + 4]! | 0x20) === 114 /* r */ &&
        (raw[i + 5]! | 0x20) === 116 /* t */ &&
        (i + 6 === end || raw[i + 6] === 59)
      )
        rportEnd = i + 6;
    }
    const rport = rportOf(req);
    const wantRport = rport === RPORT_EMPTY || this.alwaysRport;
    if (rport === RPORT_EMPTY && rportEnd < 0) return false;
    const received = (wantRport || !viaHostIs(req, source.host)) && !hasKeyField(req, F_RECEIVED);
    w.bytes(P_VIA);
    if (rport === RPORT_EMPTY) {
      w.span(raw, start, rportEnd);
      w.bytes(EQ);
      w.uint(source.port);
      w.span(raw, rportEnd, end);
    } else w.span(raw, start, end);
    if (received) {
      w.bytes(RECEIVED_EQ);
      w.str(source.host);
    }
    if (rport === RPORT_ABSENT && wantRport) {
      w.bytes(RPORT_EQ);
      w.uint(source.port);
    }
    w.bytes(CRLF);
    return true;
  }

  /** Where responses to `msg` go (RFC 3261 §18.2.2; RFC 3581 §4 when rport is used). */
  replyAddress(msg: SipMessage, source: TransportAddress): TransportAddress {
    const rport = rportOf(msg);
    const port =
      rport === RPORT_EMPTY || this.alwaysRport
        ? source.port
        : rport === RPORT_VALUE
          ? Number(keyText(msg, F_RPORT))
          : sentByPort(keyText(msg, F_SENTBY));
    // `received` is always honoured: the response goes to the source IP.
    const transport = this.transport.local.transport;
    // the same peer again (addresses are never changed once made): the same object, not one more
    // per server transaction kept for its 64*T1
    const last = this.lastReply;
    if (
      last !== null &&
      this.lastReplySource === source &&
      last.port === port &&
      last.transport === transport
    )
      return last;
    const a = { host: source.host, port, transport };
    this.lastReply = a;
    this.lastReplySource = source;
    return a;
  }
  private lastReply: TransportAddress | null = null;
  private lastReplySource: TransportAddress | null = null;

  /**
   * A response to `req` (RFC 3261 §8.2.6.2), with our received/rport on the top Via: Via, From, To
   * (plus our tag), Call-ID, CSeq (and Record-Route, Timestamp in a 100) copied in the request's
   * order, their values as bytes straight from the request (no header objects, no decoding).
   */
  makeResponse(
    req: SipMessage,
    source: TransportAddress,
    status: number,
    o: ResponseOptions = {},
  ): Uint8Array {
    const w = writer.reset();
    w.bytes(statusLine(status, o.reason));
    const rr = o.recordRoute === true;
    const toTag = o.toTag && status > 100 && !hasKeyField(req, F_TOTAG) ? o.toTag : null;
    const e = this.echo;
    if (
      e.req === req &&
      e.source === source &&
      e.toTag === toTag &&
      e.rr === rr &&
      e.alwaysRport === this.alwaysRport &&
      status !== 100
    ) {
      // the fields a provisional response with this tag copied: the same octets again
      w.bytes(e.bytes);
      e.req = null;
      return this.endResponse(w, o);
    }
    const echoStart = w.size;
    this.echoFields(w, req, source, status, rr, toTag);
    if (toTag !== null && status < 200) {
      // a provisional response with our tag: its final response copies the same fields (kept
      // until then as a view of this message)
      const echoEnd = w.size;
      const out = this.endResponse(w, o);
      e.req = req;
      e.source = source;
      e.toTag = toTag;
      e.rr = rr;
      e.alwaysRport = this.alwaysRport;
      e.bytes = out.subarray(echoStart, echoEnd);
      return out;
    }
    return this.endResponse(w, o);
  }

  /**
   * The fields a response to `req` copies (provisional with a To tag → the final response to the
   * same request copies the same ones, see makeResponse), and their octets: one request at a time.
   */
  private readonly echo: {
    req: SipMessage | null;
    source: TransportAddress | null;
    toTag: string | null;
    rr: boolean;
    alwaysRport: boolean;
    bytes: Uint8Array;
  } = { req: null, source: null, toTag: null, rr: false, alwaysRport: false, bytes: CRLF };

  /** The fields of a response copied from its request (makeResponse), in the request's order. */
  private echoFields(
    w: ByteWriter,
    req: SipMessage,
    source: TransportAddress,
    status: number,
    rr: boolean,
    toTag: string | null,
  ): void {
    const raw = req.raw;
    const fx = responseFields.of(req);
    let firstVia = true;
    const n = fx.count;
    // the copied fields in the request's order, read from the parser's index by key id
    for (let i = 0; i < n; i++) {
      const id = fx.id(i);
      let prefix: Uint8Array;
      switch (id) {
        case K_VIA:
          if (firstVia) {
            firstVia = false;
            this.receivedViaField(w, req, source, fx.vs(i), fx.ve(i));
            continue;
          }
          prefix = P_VIA;
          break;
        case K_FROM:
          prefix = P_FROM;
          break;
        case K_TO:
          w.bytes(P_TO);
          w.span(raw, fx.vs(i), fx.ve(i));
          if (toTag !== null) {
            w.bytes(TAG_PARAM);
            w.str(toTag);
          }
          w.bytes(CRLF);
          continue;
        case K_CALL_ID:
          prefix = P_CALL_ID;
          break;
        case K_CSEQ:
          prefix = P_CSEQ;
          break;
        case K_RECORD_ROUTE:
          if (!rr) continue;
          prefix = P_RECORD_ROUTE;
          break;
        case K_OTHER:
          if (status !== 100 || !equalsIgnoreCase(raw, fx.ns(i), fx.ne(i), 'timestamp')) continue;
          prefix = P_TIMESTAMP;
          break;
        default:
          continue;
      }
      w.bytes(prefix);
      w.span(raw, fx.vs(i), fx.ve(i));
      w.bytes(CRLF);
    }
  }

  /** makeResponse's header fields from its options, the body, and the message taken. */
  private endResponse(w: ByteWriter, o: ResponseOptions): Uint8Array {
    if (o.headers) for (const h of o.headers) w.line(h);
    if (o.headerBytes) w.bytes(o.headerBytes);
    const body = o.body;
    const bodyBytes = o.bodyBytes;
    if (body !== undefined && typeof body !== 'string') {
      const n = body.length;
      if (n > 0) {
        w.bytes(P_CONTENT_TYPE);
        w.line(o.contentType ?? 'application/sdp');
        w.bytes(P_CONTENT_LENGTH);
        w.uint(n);
        w.bytes(CRLF2);
        body.write(w);
      } else w.bytes(CONTENT_LENGTH_0);
    } else if (body || (bodyBytes && bodyBytes.length)) {
      w.bytes(P_CONTENT_TYPE);
      w.line(o.contentType ?? 'application/sdp');
      w.bytes(P_CONTENT_LENGTH);
      if (body) {
        w.uint(utf8Length(body));
        w.bytes(CRLF2);
        w.str(body);
      } else {
        w.uint(bodyBytes!.length);
        w.bytes(CRLF2);
        w.bytes(bodyBytes!);
      }
    } else w.bytes(CONTENT_LENGTH_0);
    return w.take();
  }

  /** The request's first Via field with our received/rport on its top value (RFC 3261 §18.2.1, RFC 3581 §4). */
  private receivedViaField(
    w: ByteWriter,
    req: SipMessage,
    source: TransportAddress,
    start: number,
    end: number,
  ): void {
    if (this.topViaBytes(w, req, source, start, end)) return;
    const all = decodeUnfolded(req.raw, start, end);
    const topVal = firstCommaValue(all);
    const rest = all.slice(all.indexOf(topVal) + topVal.length).replace(/^\s*,\s*/, '');
    w.str(`Via: ${this.receivedViaOf(req, topVal, source)}\r\n`);
    if (rest) w.str(`Via: ${rest}\r\n`);
  }

  /**
   * Creates the server transaction for a new request (the element is its TU). An INVITE server
   * transaction sends no 100 Trying by itself: the TU sends one or asks `autoTrying()`.
   */
  serverTransaction(msg: SipMessage, source: TransportAddress): ServerTransaction {
    if (methodOf(msg) === 'INVITE') return this.inviteServerTransaction(msg, source);
    const ctx = this.txContext(msg);
    const tx = new NonInviteServerTransaction(ctx, this.serverTu, msg, this.replyAddress(msg, source));
    this.table.addServerFor(msg, tx);
    return tx;
  }

  /** The INVITE server transaction of a new INVITE (see {@link serverTransaction}). */
  inviteServerTransaction(msg: SipMessage, source: TransportAddress): InviteServerTransaction {
    const ctx = this.txContext(msg);
    const tx = new InviteServerTransaction(ctx, this.serverTu, msg, this.replyAddress(msg, source), {
      trying: 'never',
    });
    this.table.addServerFor(msg, tx, 'INVITE');
    return tx;
  }

  /** Sends a request (built by the element, with `branch` in its top Via) in a new client transaction. */
  clientTransaction(
    bytes: Uint8Array,
    branch: string,
    method: string,
    dest: TransportAddress,
    tu: TransactionUser,
    userData: unknown = null,
  ): ClientTransaction {
    const key = { branch, method };
    const ctx = this.txContext(key);
    const t =
      method === 'INVITE'
        ? new InviteClientTransaction(ctx, tu, key, bytes, dest)
        : new NonInviteClientTransaction(ctx, tu, key, bytes, dest);
    t.userData = userData;
    this.table.addClient(t);
    t.start();
    return t;
  }

  /** Sends a stateless reply (Kamailio `sl_send_reply`). */
  replyStateless(req: SipMessage, source: TransportAddress, status: number, o: ResponseOptions = {}): void {
    this.transport.send(this.makeResponse(req, source, status, o), this.replyAddress(req, source));
  }

  /** Address of a URI's host:port after name resolution (RFC 3263 reduced to the simulator's DNS). */
  uriDestination(host: string, port: number | null): TransportAddress {
    const name =
      host.charCodeAt(0) === 91 || host.charCodeAt(host.length - 1) === 93
        ? host.replace(/^\[|\]$/g, '')
        : host;
    const resolved = this.resolveName(name);
    const p = port ?? this.#srvPort?.(name) ?? 5060;
    const transport = this.transport.local.transport;
    // the same destination as the last one (the name resolved again: names may move): the same
    // object (addresses are never changed once made), not one more per transaction kept 64*T1
    const last = this.lastDest;
    if (last !== null && last.host === resolved && last.port === p && last.transport === transport)
      return last;
    return (this.lastDest = { host: resolved, port: p, transport });
  }
  private lastDest: TransportAddress | null = null;
}

const P_VIA = enc.encode('Via: ');
const P_FROM = enc.encode('From: ');
const P_TO = enc.encode('To: ');
const P_CALL_ID = enc.encode('Call-ID: ');
const P_CSEQ = enc.encode('CSeq: ');
const P_RECORD_ROUTE = enc.encode('Record-Route: ');
const P_TIMESTAMP = enc.encode('Timestamp: ');
const P_CONTENT_TYPE = enc.encode('Content-Type: ');
const P_CONTENT_LENGTH = enc.encode('Content-Length: ');
const TAG_PARAM = enc.encode(';tag=');
const CRLF = enc.encode('\r\n');
const RPORT_CRLF = enc.encode(';rport\r\n');
const EQ = enc.encode('=');
const RECEIVED_EQ = enc.encode(';received=');
const RPORT_EQ = enc.encode(';rport=');
const CRLF2 = enc.encode('\r\n\r\n');
const CONTENT_LENGTH_0 = enc.encode('Content-Length: 0\r\n\r\n');

/** The shared writer, reset for a new message (take it before starting another one). */
export function messageWriter(): ByteWriter {
  return writer.reset();
}

/** `Content-Length: <n>` with the blank line, then the body (encodeMessage's ending). */
export function writeBody(w: ByteWriter, body: string): void {
  if (!body) {
    w.bytes(CONTENT_LENGTH_0);
    return;
  }
  w.bytes(P_CONTENT_LENGTH);
  w.uint(utf8Length(body));
  w.bytes(CRLF2);
  w.str(body);
}

/** `Content-Length: <n>` and the blank line, for a body of n octets written next (n > 0). */
export function writeBodyLength(w: ByteWriter, n: number): void {
  w.bytes(P_CONTENT_LENGTH);
  w.uint(n);
  w.bytes(CRLF2);
}

/** {@link writeBody} of a body already encoded (null or empty: no body). */
export function writeBodyBytes(w: ByteWriter, body: Uint8Array | null): void {
  if (!body || body.length === 0) {
    w.bytes(CONTENT_LENGTH_0);
    return;
  }
  w.bytes(P_CONTENT_LENGTH);
  w.uint(body.length);
  w.bytes(CRLF2);
  w.bytes(body);
}

/** The index reader of makeResponse (one at a time: makeResponse calls nothing that builds another). */
const responseFields = new FieldIndex();

/** `SIP/2.0 <status> <reason>\r\n` as bytes, kept per status for the default reason phrase. */
const statusLines: (Uint8Array | undefined)[] = [];
function statusLine(status: number, reason: string | undefined): Uint8Array {
  const def = reason === undefined || reason === reasonFor(status);
  if (def && status >= 100 && status < 700) {
    const hit = statusLines[status];
    if (hit) return hit;
    return (statusLines[status] = enc.encode(`SIP/2.0 ${status} ${reasonFor(status)}\r\n`));
  }
  return enc.encode(`SIP/2.0 ${status} ${reason ?? reasonFor(status)}\r\n`);
}

const writer = new ByteWriter();

/** `sentByHost(sentBy) === host`, without making the lower-cased string. */
function sentByHostIs(sentBy: string | null, host: string): boolean {
  if (sentBy === null) return host === '';
  let end: number;
  if (sentBy.charCodeAt(0) === 91 /* [ */) {
    const close = sentBy.indexOf(']');
    end = close + 1;
    if (close < 0) return sentByHost(sentBy) === host; // no ']': what slice(0, 0) gives
  } else {
    const c = sentBy.lastIndexOf(':');
    end = c >= 0 ? c : sentBy.length;
  }
  if (end !== host.length) return sentByHost(sentBy) === host;
  for (let i = 0; i < end; i++) {
    const a = sentBy.charCodeAt(i);
    if (a >= 0x80) return sentByHost(sentBy) === host;
    if ((a >= 65 && a <= 90 ? a | 0x20 : a) !== host.charCodeAt(i)) return false;
  }
  return true;
}

/** `sentByHost(keyText(m, F_SENTBY)) === host`, from the octets when they tell. */
function viaHostIs(m: SipMessage, host: string): boolean {
  return sentByHostAt(m, host) ?? sentByHostIs(keyText(m, F_SENTBY), host);
}

/** What `keyText(m, F_RPORT)` is: null, '' (RFC 3581's request for the port) or a value. */
const RPORT_ABSENT = 0;
const RPORT_EMPTY = 1;
const RPORT_VALUE = 2;
function rportOf(m: SipMessage): number {
  if (!hasKeyField(m, F_RPORT)) return RPORT_ABSENT;
  return hasKeyField(m, F_RPORT, true) ? RPORT_VALUE : RPORT_EMPTY;
}

/** Host of a Via sent-by (`host[:port]`, `[v6]:port`), lower-cased as {@link viaParts} gives it. */
function sentByHost(sentBy: string | null): string {
  if (sentBy === null) return '';
  if (sentBy.startsWith('[')) {
    const close = sentBy.indexOf(']');
    return sentBy.slice(0, close + 1).toLowerCase();
  }
  const c = sentBy.lastIndexOf(':');
  return (c >= 0 ? sentBy.slice(0, c) : sentBy).toLowerCase();
}

/** The top Via value of a message (its first Via field only is decoded). */
export function topViaValue(msg: SipMessage): string {
  const fx = topViaFields.of(msg);
  const i = fx.first(K_VIA);
  return i >= 0 ? firstCommaValue(fx.value(i)) : '';
}
const topViaFields = new FieldIndex();

/** `;rport` (valueless, RFC 3581 §4) given the port: the first `;rport` followed by `;` or the end. */
function fillRport(via: string, port: number): string {
  const lower = via.includes('RPORT') || via.includes('Rport') ? via.toLowerCase() : via;
  let i = lower.indexOf(';rport');
  while (i >= 0) {
    const after = i + 6;
    if (after === via.length || via.charCodeAt(after) === 59 /* ; */)
      return `${via.slice(0, after)}=${port}${via.slice(after)}`;
    i = lower.indexOf(';rport', after);
  }
  return via.replace(/;rport(?=;|$)/i, `;rport=${port}`);
}

/** Port of a Via sent-by, 5060 when absent. */
function sentByPort(sentBy: string | null): number {
  if (sentBy === null) return 5060;
  const close = sentBy.startsWith('[') ? sentBy.indexOf(']') : -1;
  const c = sentBy.lastIndexOf(':');
  if (c <= close) return 5060;
  return Number(sentBy.slice(c + 1)) || 5060;
}

/** What a firing timer does, for the event text. */
function timerEffect(timer: TimerName, method: string, interval: number): string {
  switch (timer) {
    case 'A':
    case 'E':
      return `retransmit ${method} (interval ${interval / 1000} ms)`;
    case 'G':
      return `retransmit the final response to ${method} (interval ${interval / 1000} ms)`;
    case 'B':
    case 'F':
      return `${method} transaction timeout`;
    case 'H':
      return 'no ACK for the final response';
    case 'Trying':
      return 'no response from the TU within 200 ms: 100 Trying';
    case 'C':
      return 'proxy INVITE timeout';
    default:
      return `${method} transaction ends`;
  }
}

/** RFC 3261 §21 reason phrase (the message layer's table). */
export function reasonFor(status: number): string {
  return reasonPhrase(status);
}
