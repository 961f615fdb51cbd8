/**
 * SIP over UDP on a real socket (RFC 3261 §18.1.1, §18.2.1): one datagram per message, unreliable,
 * so the transaction layer keeps its retransmission timers. IPv4 and IPv6 (`udp6` when the bound
 * host is an IPv6 address).
 */
import { createSocket, type Socket } from 'node:dgram';
import { isIP } from 'node:net';
import { frameDatagram } from '../../../sip-core/capture/sip-framing';
import type {
  SendResult,
  Transport,
  TransportAddress,
  TransportListener,
} from '../../../sip-core/stack/transport';
import { epochMicros } from '../time';
import { DEFAULT_BIND_HOST, unmapAddress, type RealTransportOptions, type WireTap } from './wire';

/** Counters for the lab panel and tests. */
export interface UdpTransportStats {
  received: number;
  sent: number;
  /** Datagrams without a SIP start line (CRLF keep-alives, STUN, junk): not delivered. */
  ignored: number;
  sendErrors: number;
}

export class UdpTransport implements Transport {
  readonly reliable = false;
  readonly stats: UdpTransportStats = { received: 0, sent: 0, ignored: 0, sendErrors: 0 };
  #listener: TransportListener | null = null;
  #closed = false;
  readonly #family: 4 | 6;

  /** Use {@link openUdpTransport}. */
  constructor(
    private readonly socket: Socket,
    readonly local: TransportAddress,
    private readonly tap: WireTap | null,
    private readonly now: () => number,
    private readonly passNonSip = false,
  ) {
    this.#family = isIP(local.host) === 6 ? 6 : 4;
    socket.on('message', (msg, rinfo) => this.#receive(msg, rinfo.address, rinfo.port));
    // Errors after bind (e.g. ICMP-driven ECONNREFUSED on some systems) must not crash the process.
    socket.on('error', () => undefined);
  }

  setListener(listener: TransportListener | null): void {
    this.#listener = listener;
  }

  send(bytes: Uint8Array, dest: TransportAddress): SendResult {
    if (this.#closed) return { ok: false, error: 'transport closed' };
    const fam = isIP(dest.host);
    if (fam !== 0 && fam !== this.#family)
      return { ok: false, error: `cannot send to ${dest.host} from an IPv${this.#family} socket` };
    if (!(dest.port > 0 && dest.port < 65536)) return { ok: false, error: `invalid port ${dest.port}` };
    this.stats.sent++;
    this.tap?.({ direction: 'sent', bytes, local: this.local, remote: dest, timeUs: this.now() });
    this.socket.send(bytes, dest.port, dest.host, (err) => {
      if (!err) return;
      this.stats.sendErrors++;
      this.#listener?.onTransportError?.(dest, err.message, this);
    });
    return { ok: true };
  }

  #receive(msg: Buffer, host: string, port: number): void {
    const bytes = new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength);
    const f = frameDatagram(bytes, 0, bytes.length);
    if (!f) {
      // STUN (RFC 5389: first two bits zero) on the SIP port, for elements that handle it.
      if (this.passNonSip && bytes.length >= 20 && bytes[0]! < 0x40) {
        const source: TransportAddress = { host: unmapAddress(host), port, transport: 'UDP' };
        this.#listener?.onMessage(bytes, source, this);
        return;
      }
      this.stats.ignored++;
      return;
    }
    this.stats.received++;
    const body = f.start === 0 ? bytes : bytes.subarray(f.start, f.end);
    const source: TransportAddress = { host: unmapAddress(host), port, transport: 'UDP' };
    this.tap?.({ direction: 'received', bytes: body, local: this.local, remote: source, timeUs: this.now() });
    this.#listener?.onMessage(body, source, this);
  }

  /** Closes the socket; idempotent. */
  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    return new Promise((res) => this.socket.close(() => res()));
  }
}

/** Binds a UDP socket (127.0.0.1 and a free port unless given) and returns the transport. */
export function openUdpTransport(
  opts: RealTransportOptions & { passNonSip?: boolean } = {},
): Promise<UdpTransport> {
  const host = opts.host ?? DEFAULT_BIND_HOST;
  const fam = isIP(host);
  if (fam === 0) return Promise.reject(new Error(`bind address must be an IP address, not "${host}"`));
  const socket = createSocket({ type: fam === 6 ? 'udp6' : 'udp4', ipv6Only: fam === 6 });
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => {
      socket.close();
      reject(new Error(`cannot bind UDP ${host}:${opts.port ?? 0}: ${err.message}`));
    };
    socket.once('error', onError);
    socket.bind({ address: host, port: opts.port ?? 0, exclusive: true }, () => {
      socket.off('error', onError);
      // Large receive buffer: bursts from SIPp at thousands of calls/s.
      try {
        socket.setRecvBufferSize(4 * 1024 * 1024);
        socket.setSendBufferSize(4 * 1024 * 1024);
      } catch {
        // not permitted on this system: keep the defaults
      }
      const a = socket.address();
      resolve(
        new UdpTransport(
          socket,
          { host, port: a.port, transport: 'UDP' },
          opts.tap ?? null,
          opts.now ?? epochMicros,
          opts.passNonSip ?? false,
        ),
      );
    });
  });
}
