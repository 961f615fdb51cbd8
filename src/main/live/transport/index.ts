/** Real transports for the stack's {@link Transport} interface: UDP and TCP, IPv4 and IPv6. */
import type { Transport } from '../../../sip-core/stack/transport';
import { openTcpTransport, type TcpTransportOptions } from './tcp';
import { openUdpTransport } from './udp';

export * from './wire';
export * from './udp';
export * from './tcp';

/** A real transport that can be closed. */
export type RealTransport = Transport & { close(): Promise<void> };

/** Opens a UDP or TCP transport bound to `opts.host` (default 127.0.0.1) and `opts.port` (default: free). */
export function openTransport(
  transport: 'UDP' | 'TCP',
  opts: TcpTransportOptions = {},
): Promise<RealTransport> {
  return transport === 'TCP' ? openTcpTransport(opts) : openUdpTransport(opts);
}
