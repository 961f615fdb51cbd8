/**
 * Test harness for the transaction layer: a VirtualClock, a MemoryNetwork with two endpoints
 * (the layer under test at 127.0.0.1, a scripted peer at 127.0.0.2 — in-memory, no sockets), and
 * RecordingUser, the test double of TransactionLayerUser that logs every upcall with its time.
 */
import { buildRequest, buildResponseTo, parseMessage } from '../../../../src/sip-core/message';
import type { SipMessage } from '../../../../src/sip-core/message';
import { MS, SECOND, VirtualClock } from '../../../../src/sip-core/stack/clock';
import type { Micros } from '../../../../src/sip-core/stack/clock';
import { MemoryNetwork } from '../../../../src/sip-core/stack/transport';
import type { TransportAddress, TransportProtocol } from '../../../../src/sip-core/stack/transport';
import { TransactionLayer } from '../../../../src/sip-core/stack/transaction';
import type {
  ServerTransaction,
  TimerConfig,
  TimerName,
  TransactionEvent,
  TransactionInfo,
  TransactionLayerUser,
} from '../../../../src/sip-core/stack/transaction';

export { MS, SECOND };
export const T1 = 500 * MS;
export const T2 = 4 * SECOND;
export const T4 = 5 * SECOND;

export interface Upcall {
  at: Micros;
  what: string;
}

export class RecordingUser implements TransactionLayerUser {
  readonly log: Upcall[] = [];
  readonly newRequests: { tx: ServerTransaction; request: SipMessage }[] = [];
  readonly responses: SipMessage[] = [];
  readonly upRequests: SipMessage[] = [];
  constructor(private readonly clock: VirtualClock) {}
  private add(what: string): void {
    this.log.push({ at: this.clock.now(), what });
  }
  onNewRequest(tx: ServerTransaction, request: SipMessage): void {
    this.newRequests.push({ tx, request });
    this.add(`new-request ${request.method}`);
  }
  onRequest(_tx: TransactionInfo, request: SipMessage): void {
    this.upRequests.push(request);
    this.add(`request ${request.method}`);
  }
  onResponse(_tx: TransactionInfo, response: SipMessage): void {
    this.responses.push(response);
    this.add(`response ${response.status}`);
  }
  onTimeout(_tx: TransactionInfo, timer: TimerName): void {
    this.add(`timeout ${timer}`);
  }
  onTransportError(_tx: TransactionInfo, error: string): void {
    this.add(`transport-error ${error}`);
  }
  onStateChange(_tx: TransactionInfo, from: string, to: string): void {
    this.add(`${from}->${to}`);
  }
  onStrayAck(ack: SipMessage): void {
    this.add(`stray-ack ${ack.branch}`);
  }
  onStrayResponse(r: SipMessage): void {
    this.add(`stray-response ${r.status}`);
  }
  onInvalidMessage(): void {
    this.add('invalid');
  }
  /** Upcalls other than state changes, as `what` strings. */
  calls(): string[] {
    return this.log.filter((l) => !l.what.includes('->')).map((l) => l.what);
  }
  states(): string[] {
    return this.log.filter((l) => l.what.includes('->')).map((l) => l.what);
  }
}

export function setup(transport: TransportProtocol, timers: Partial<TimerConfig> = {}) {
  const clock = new VirtualClock();
  const net = new MemoryNetwork(clock, 0);
  const localAddr: TransportAddress = { host: '127.0.0.1', port: 5060, transport };
  const peerAddr: TransportAddress = { host: '127.0.0.2', port: 5060, transport };
  const local = net.bind(localAddr);
  const peer = net.bind(peerAddr);
  const received: { at: Micros; msg: SipMessage }[] = [];
  peer.setListener({ onMessage: (bytes) => received.push({ at: clock.now(), msg: parseMessage(bytes) }) });
  const user = new RecordingUser(clock);
  const events: TransactionEvent[] = [];
  const layer = new TransactionLayer({
    clock,
    transports: local,
    user,
    timers,
    onEvent: (e) => events.push(e),
  });
  /** What the peer received, optionally only one method or status. */
  const peerGot = (filter?: string | number) =>
    received.filter((r) => filter === undefined || r.msg.method === filter || r.msg.status === filter);
  /** The peer answers `request` with `status` (To tag `peer-tag` for >100). */
  const peerReplies = (request: SipMessage, status: number, toTag = 'peer-tag') =>
    peer.send(buildResponseTo(request, status, { toTag }), localAddr);
  const peerSends = (bytes: Uint8Array) => peer.send(bytes, localAddr);
  return {
    clock,
    net,
    local,
    peer,
    localAddr,
    peerAddr,
    received,
    peerGot,
    user,
    events,
    layer,
    peerReplies,
    peerSends,
  };
}

let n = 0;
/** A request from `viaHost` (default the layer at 127.0.0.1), with a fresh cookie branch unless given. */
export function makeRequest(
  method: string,
  opts: {
    transport?: TransportProtocol;
    branch?: string;
    viaHost?: string;
    cseq?: number;
    callId?: string;
    routes?: string[];
    toTag?: string;
    viaParams?: string;
  } = {},
): Uint8Array {
  const branch = opts.branch ?? `z9hG4bKtest${++n}`;
  const via = `SIP/2.0/${opts.transport ?? 'UDP'} ${opts.viaHost ?? '127.0.0.1:5060'};branch=${branch}${opts.viaParams ?? ''}`;
  const headers: [string, string][] = [['Via', via]];
  for (const r of opts.routes ?? []) headers.push(['Route', r]);
  headers.push(
    ['Max-Forwards', '70'],
    ['From', '<sip:alice@a.example>;tag=from1'],
    ['To', `<sip:bob@b.example>${opts.toTag ? `;tag=${opts.toTag}` : ''}`],
    ['Call-ID', opts.callId ?? `call-${n}@a.example`],
    ['CSeq', `${opts.cseq ?? 1} ${method}`],
    ['Contact', '<sip:alice@127.0.0.1:5060>'],
  );
  return buildRequest({ method, uri: 'sip:bob@b.example', headers });
}

/** Times (µs) of the peer's received messages matching `filter`. */
export function times(list: { at: Micros }[]): number[] {
  return list.map((r) => r.at);
}
