/**
 * The transport abstraction (RFC 3261 §18): what the transaction layer and the elements send
 * through and receive from. Independent of sockets: the simulator implements it with a simulated
 * network, the lab with real sockets (a `*.node.ts` adapter), tests with {@link MemoryNetwork}.
 */
import type { Micros, Scheduler } from './clock';

/** Transport protocols as written in a Via header (RFC 3261 §20.42) and in the trace contract. */
export type TransportProtocol = 'UDP' | 'TCP' | 'TLS' | 'SCTP' | 'WS' | 'WSS';

/** An address a message is sent to or received from. IPv6 hosts are written without brackets. */
export interface TransportAddress {
  host: string;
  port: number;
  transport: TransportProtocol;
}

/** Outcome of {@link Transport.send}; failures known at once (no route, refused...) are reported here. */
export type SendResult = { ok: true } | { ok: false; error: string };

/** Receives what a transport delivers. */
export interface TransportListener {
  /** One complete SIP message (datagram, or a message framed out of a stream). */
  onMessage(bytes: Uint8Array, source: TransportAddress, via: Transport): void;
  /** A failure noticed after `send` returned (ICMP unreachable, connection reset). */
  onTransportError?(dest: TransportAddress, error: string, via: Transport): void;
}

export interface Transport {
  /** The local address (used for Via sent-by and as the source of what is sent). */
  readonly local: TransportAddress;
  /**
   * Reliable transports (TCP, TLS, SCTP, WS) change the transaction timers: no retransmission
   * timers A/E/G, and D, I, J, K are zero (RFC 3261 §17.1.1.2, §17.1.2.2, §17.2.1, §17.2.2).
   */
  readonly reliable: boolean;
  send(bytes: Uint8Array, dest: TransportAddress): SendResult;
  /** Sets the receiver (one per transport; the transaction layer or an element's dispatcher). */
  setListener(listener: TransportListener | null): void;
}

/** True for the transports RFC 3261 calls reliable. */
export function isReliable(t: TransportProtocol): boolean {
  return t !== 'UDP';
}

/** `host:port` with IPv6 hosts in brackets, as the trace contract writes addresses. */
export function formatAddress(a: { host: string; port: number }): string {
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}

/** Same host, port and transport (hosts compared case-insensitively). */
export function sameAddress(a: TransportAddress, b: TransportAddress): boolean {
  return a.port === b.port && a.transport === b.transport && a.host.toLowerCase() === b.host.toLowerCase();
}

/** A message in flight inside a {@link MemoryNetwork}, as seen by its observer. */
export interface MemoryDelivery {
  bytes: Uint8Array;
  from: TransportAddress;
  to: TransportAddress;
  sentAt: Micros;
  /** Delivery time, or null when the message was dropped (`drop` hook or no such address). */
  deliverAt: Micros | null;
}

/**
 * A minimal in-memory network on a {@link Scheduler}: fixed one-way latency, an optional drop hook,
 * delivery in send order. Enough for transaction tests and small examples; the simulator's network
 * (latency, jitter, loss per link, NAT) is a separate, richer implementation of {@link Transport}.
 */
export class MemoryNetwork {
  private readonly endpoints = new Map<string, MemoryTransport>();
  /** Every send, in order (delivered or not), when constructed with `keepLog`. */
  readonly log: MemoryDelivery[] = [];
  /** Return true to drop a message (e.g. to lose the first INVITE). */
  drop: ((d: MemoryDelivery, index: number) => boolean) | null = null;

  constructor(
    readonly clock: Scheduler,
    readonly latency: Micros = 0,
    private readonly keepLog = false,
  ) {}

  /** Creates the endpoint bound to `local`. */
  bind(local: TransportAddress): MemoryTransport {
    const t = new MemoryTransport(this, local);
    this.endpoints.set(key(local), t);
    return t;
  }

  /** @internal used by MemoryTransport.send */
  deliver(from: MemoryTransport, bytes: Uint8Array, to: TransportAddress): SendResult {
    const target = this.endpoints.get(key(to));
    const d: MemoryDelivery = { bytes, from: from.local, to, sentAt: this.clock.now(), deliverAt: null };
    const index = this.log.length;
    if (this.keepLog) this.log.push(d);
    if (!target) return { ok: false, error: `no endpoint at ${formatAddress(to)}/${to.transport}` };
    if (this.drop?.(d, index)) return { ok: true };
    d.deliverAt = d.sentAt + this.latency;
    this.clock.schedule(
      this.latency,
      () => target.receive(bytes, from.local),
      `deliver to ${formatAddress(to)}`,
    );
    return { ok: true };
  }
}

function key(a: TransportAddress): string {
  return `${a.transport}|${a.host.toLowerCase()}|${a.port}`;
}

/** One endpoint of a {@link MemoryNetwork}. */
export class MemoryTransport implements Transport {
  readonly reliable: boolean;
  private listener: TransportListener | null = null;

  constructor(
    private readonly network: MemoryNetwork,
    readonly local: TransportAddress,
  ) {
    this.reliable = isReliable(local.transport);
  }

  send(bytes: Uint8Array, dest: TransportAddress): SendResult {
    return this.network.deliver(this, bytes, dest);
  }

  setListener(listener: TransportListener | null): void {
    this.listener = listener;
  }

  /** @internal called by the network on delivery */
  receive(bytes: Uint8Array, source: TransportAddress): void {
    this.listener?.onMessage(bytes, source, this);
  }
}
