/**
 * What every SIP element shares: its transport, transaction table, node identity, clock, ids and
 * event sink; message dispatch (responses to client transactions, retransmissions and ACKs to
 * server transactions, new requests to the element); Via and response building with RFC 3261
 * §18.2.1 `received` and RFC 3581 `rport`.
 */
import { parseMessage, reasonPhrase, type SipMessage } from '../message';
import type { IdSource, Scheduler } from '../stack/clock';
import type { Transport, TransportAddress, TransportListener } from '../stack/transport';
import type { EventSink } from './events';
import { firstCommaValue, paramOf, viaParts } from './sip-util';
import {
  ClientTransaction,
  type ClientTU,
  ServerTransaction,
  type ServerTU,
  type TimerValues,
  type TransactionContext,
  TransactionTable,
} from './transactions';

/** Everything an element is given by whoever runs it (simulator, lab, test). */
export interface ElementEnv {
  node: string;
  clock: Scheduler;
  ids: IdSource;
  events: EventSink;
  timers: TimerValues;
  /** Name resolution (the simulator's DNS); identity when absent. */
  resolve?: (host: string) => string;
}

const enc = new TextEncoder();

/** Serializes start line + header lines + body with a correct Content-Length. */
export function encodeMessage(startLine: string, headers: readonly string[], body = ''): Uint8Array {
  const b = body.length ? enc.encode(body) : null;
  let s = startLine + '\r\n';
  for (const h of headers) s += h + '\r\n';
  s += `Content-Length: ${b ? b.length : 0}\r\n\r\n`;
  if (!b) return enc.encode(s);
  const head = enc.encode(s);
  const out = new Uint8Array(head.length + b.length);
  out.set(head);
  out.set(b, head.length);
  return out;
}

export interface ResponseOptions {
  reason?: string;
  toTag?: string | null;
  /** Copy Record-Route (RFC 3261 §12.1.1). */
  recordRoute?: boolean;
  headers?: readonly string[];
  body?: string;
  contentType?: string;
}

export abstract class SipElement implements TransportListener, TransactionContext, ServerTU {
  readonly table = new TransactionTable();
  readonly node: string;
  readonly clock: Scheduler;
  readonly ids: IdSource;
  readonly events: EventSink;
  readonly timers: TimerValues;
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
    transport.setListener(this);
  }

  protected readonly resolveName: (host: string) => string;

  /** `host:port` others should use for us (the advertised address; a STUN-learned one when set). */
  advertised: { host: string; port: number } | null = null;

  get sentBy(): string {
    const a = this.advertised ?? this.transport.local;
    return `${a.host}:${a.port}`;
  }

  /** Our Via value with a branch. */
  via(branch: string): string {
    return `SIP/2.0/${this.transport.local.transport} ${this.sentBy};branch=${branch}${this.rportInVia ? ';rport' : ''}`;
  }

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
      if (t) t.receive(msg);
      else this.onStrayResponse(msg, source);
      return;
    }
    if (msg.kind !== 'request') {
      this.log(`unparseable message from ${source.host}:${source.port} ignored`);
      return;
    }
    const key = TransactionTable.serverKey(msg);
    const st = this.table.server(key);
    if (st) {
      if (msg.method === 'ACK') {
        if (st.state === 'completed' || st.state === 'confirmed') {
          st.ack();
          return;
        }
        // ACK for a 2xx: a separate transaction, goes to the element (RFC 3261 §17.2.3 / RFC 6026).
      } else {
        st.retransmission();
        return;
      }
    }
    this.onRequest(msg, source);
  }

  /** A new request (not a retransmission, not an ACK absorbed by a transaction). */
  protected abstract onRequest(msg: SipMessage, source: TransportAddress): void;

  /** A response no client transaction matched (2xx retransmissions after termination, stateless forwarding). */
  protected onStrayResponse(_msg: SipMessage, _source: TransportAddress): void {}

  onServerTimeout(_txn: ServerTransaction): void {}

  /** The top Via with `received`/`rport` filled as the server saw the request (RFC 3261 §18.2.1, RFC 3581 §4). */
  receivedVia(msg: SipMessage, source: TransportAddress): string {
    const top = firstCommaValue(msg.headerAll('via')[0] ?? '');
    const v = viaParts(top);
    let out = top;
    const rport = paramOf(v.params, 'rport');
    const wantRport = rport === '' || this.alwaysRport;
    if (v.host !== source.host || wantRport) {
      if (paramOf(v.params, 'received') === null) out += `;received=${source.host}`;
    }
    if (wantRport)
      out =
        rport === ''
          ? out.replace(/;rport(?=;|$)/i, `;rport=${source.port}`)
          : rport === null
            ? `${out};rport=${source.port}`
            : out;
    return out;
  }

  /** Where responses to `msg` go (RFC 3261 §18.2.2; RFC 3581 §4 when rport is used). */
  replyAddress(msg: SipMessage, source: TransportAddress): TransportAddress {
    const top = firstCommaValue(msg.headerAll('via')[0] ?? '');
    const v = viaParts(top);
    const rport = paramOf(v.params, 'rport');
    const port = rport === '' || this.alwaysRport ? source.port : rport ? Number(rport) : (v.port ?? 5060);
    // `received` is always honoured: the response goes to the source IP.
    return { host: source.host, port, transport: this.transport.local.transport };
  }

  /** A response to `req` (RFC 3261 §8.2.6.2), with our received/rport on the top Via. */
  makeResponse(
    req: SipMessage,
    source: TransportAddress,
    status: number,
    o: ResponseOptions = {},
  ): Uint8Array {
    const h: string[] = [];
    let first = true;
    for (const f of req.headers) {
      switch (f.canonical) {
        case 'via':
          if (first) {
            first = false;
            const all = f.value();
            const topVal = firstCommaValue(all);
            const rest = all.slice(all.indexOf(topVal) + topVal.length).replace(/^\s*,\s*/, '');
            h.push(`Via: ${this.receivedVia(req, source)}`);
            if (rest) h.push(`Via: ${rest}`);
          } else h.push(`Via: ${f.value()}`);
          break;
        case 'from':
          h.push(`From: ${f.value()}`);
          break;
        case 'to': {
          let v = f.value();
          if (o.toTag && status > 100 && req.toTag === null) v += `;tag=${o.toTag}`;
          h.push(`To: ${v}`);
          break;
        }
        case 'call-id':
          h.push(`Call-ID: ${f.value()}`);
          break;
        case 'cseq':
          h.push(`CSeq: ${f.value()}`);
          break;
        case 'record-route':
          if (o.recordRoute) h.push(`Record-Route: ${f.value()}`);
          break;
        case 'timestamp':
          if (status === 100) h.push(`Timestamp: ${f.value()}`);
          break;
      }
    }
    if (o.headers) h.push(...o.headers);
    if (o.body) h.push(`Content-Type: ${o.contentType ?? 'application/sdp'}`);
    return encodeMessage(`SIP/2.0 ${status} ${o.reason ?? reasonFor(status)}`, h, o.body ?? '');
  }

  /** Creates the server transaction for a new request. */
  serverTransaction(msg: SipMessage, source: TransportAddress): ServerTransaction {
    return new ServerTransaction(
      this,
      this.table,
      TransactionTable.serverKey(msg),
      msg,
      this.replyAddress(msg, source),
      this,
    );
  }

  /** Sends a request in a new client transaction. */
  clientTransaction(
    bytes: Uint8Array,
    branch: string,
    method: string,
    dest: TransportAddress,
    tu: ClientTU,
  ): ClientTransaction {
    const t = new ClientTransaction(this, this.table, branch, method, bytes, dest, tu);
    t.start();
    return t;
  }

  /** Sends a stateless reply (Kamailio `sl_send_reply`). */
  replyStateless(req: SipMessage, source: TransportAddress, status: number, o: ResponseOptions = {}): void {
    this.transport.send(this.makeResponse(req, source, status, o), this.replyAddress(req, source));
  }

  /** Address of a URI's host:port after name resolution (RFC 3263 reduced to the simulator's DNS). */
  uriDestination(host: string, port: number | null): TransportAddress {
    return {
      host: this.resolveName(host.replace(/^\[|\]$/g, '')),
      port: port ?? 5060,
      transport: this.transport.local.transport,
    };
  }
}

/** RFC 3261 §21 reason phrase (the message layer's table). */
export function reasonFor(status: number): string {
  return reasonPhrase(status);
}
