/**
 * What real transports report to an observer (the lab's recorder): every SIP message sent or
 * received, with both ends and the time. Shared by the UDP and TCP transports.
 */
import type { TransportAddress } from '../../../sip-core/stack/transport';

export interface WireEvent {
  direction: 'sent' | 'received';
  /** One whole SIP message (valid only during the call; copy what you keep). */
  bytes: Uint8Array;
  /** Our end as on the wire (for TCP: the connection's local address and port, which is the
   * listening port only for connections the peer opened). */
  local: TransportAddress;
  /** The other end (for TCP: the connection's remote address and port). */
  remote: TransportAddress;
  /** Epoch microseconds. */
  timeUs: number;
}

export type WireTap = (ev: WireEvent) => void;

/** Common options of {@link openUdpTransport} and {@link openTcpTransport}. */
export interface RealTransportOptions {
  /** Address to bind; 127.0.0.1 unless the user names another (RFC 3261 says nothing; we stay local). */
  host?: string;
  /** Port to bind; 0 picks a free one (read it back from `local.port`). */
  port?: number;
  /** Observer of every message sent and received. */
  tap?: WireTap;
  /** Clock for the tap's times (epoch µs); defaults to the process clock. */
  now?: () => number;
}

/** `::ffff:127.0.0.1` → `127.0.0.1` (IPv4-mapped addresses from dual-stack sockets). */
export function unmapAddress(a: string): string {
  return a.startsWith('::ffff:') && a.includes('.') ? a.slice(7) : a;
}

export const DEFAULT_BIND_HOST = '127.0.0.1';
