/**
 * SIP over TCP on real sockets (RFC 3261 §18): reliable, so the transaction layer runs no
 * retransmission timers. Messages are framed out of the byte stream by Content-Length
 * (RFC 3261 §18.3, the capture engineer's `frameStream`). Connections are reused in both
 * directions: a response goes back on the connection the request came in on (§18.2.2), and a
 * request to an address we already have a connection with (opened by either side) uses it.
 *
 * @remarks Connection reuse by Via: when a request arrives, the connection is also remembered
 * under the top Via's sent-by (like Kamailio's TCP aliases, RFC 5923's idea without the `alias`
 * parameter), so responses sent to the Via port without `rport` still use that connection.
 */
import { createServer, connect, isIP, type Server, type Socket } from 'node:net';
import { frameStream, type FrameFlag } from '../../../sip-core/capture/sip-framing';
import type {
  SendResult,
  Transport,
  TransportAddress,
  TransportListener,
} from '../../../sip-core/stack/transport';
import { epochMicros } from '../time';
import { DEFAULT_BIND_HOST, unmapAddress, type RealTransportOptions, type WireTap } from './wire';

export interface TcpTransportOptions extends RealTransportOptions {
  /** Close connections idle this long (ms); default 10 minutes (RFC 5626 keep-alives reset it). */
  idleMs?: number;
  /** Largest unframed backlog per connection before it is closed as broken (bytes). */
  maxBacklog?: number;
}

export interface TcpTransportStats {
  received: number;
  sent: number;
  accepted: number;
  connected: number;
  /** Messages framed without a valid Content-Length (delivered anyway; RFC 3261 §18.3 requires it). */
  framingProblems: number;
  junkBytes: number;
  errors: number;
}

const key = (host: string, port: number): string => `${host.toLowerCase()}|${port}`;

class Connection {
  buf = new Uint8Array(16 * 1024);
  len = 0;
  /** Keys this connection is registered under (remote address, Via aliases). */
  readonly keys = new Set<string>();
  /** Our end of the connection (the ephemeral port for connections we opened), once connected. */
  localEnd: TransportAddress | null = null;
  /** Messages sent before the connection was up: they reach the wire, and the tap, on connect. */
  pendingTaps: Uint8Array[] = [];
  constructor(
    readonly socket: Socket,
    readonly remote: TransportAddress,
  ) {}

  append(chunk: Uint8Array): void {
    if (this.len + chunk.length > this.buf.length) {
      const next = new Uint8Array(Math.max(this.buf.length * 2, this.len + chunk.length));
      next.set(this.buf.subarray(0, this.len));
      this.buf = next;
    }
    this.buf.set(chunk, this.len);
    this.len += chunk.length;
  }
}

const VIA_RE =
  /^(?:via|v)[ \t]*:[ \t]*SIP[ \t]*\/[ \t]*2\.0[ \t]*\/[ \t]*TCP[ \t]+(\[[^\]]+\]|[^\s:;,]+)(?::(\d+))?/im;
const latin1 = new TextDecoder('latin1');

export class TcpTransport implements Transport {
  readonly reliable = true;
  readonly stats: TcpTransportStats = {
    received: 0,
    sent: 0,
    accepted: 0,
    connected: 0,
    framingProblems: 0,
    junkBytes: 0,
    errors: 0,
  };
  #listener: TransportListener | null = null;
  readonly #conns = new Map<string, Connection>();
  readonly #all = new Set<Connection>();
  #closed = false;
  readonly #idleMs: number;
  readonly #maxBacklog: number;

  /** Use {@link openTcpTransport}. */
  constructor(
    private readonly server: Server,
    readonly local: TransportAddress,
    private readonly tap: WireTap | null,
    private readonly now: () => number,
    opts: TcpTransportOptions,
  ) {
    this.#idleMs = opts.idleMs ?? 600_000;
    this.#maxBacklog = opts.maxBacklog ?? 20 * 1024 * 1024;
    server.on('connection', (s) => {
      this.stats.accepted++;
      this.#adopt(s, {
        host: unmapAddress(s.remoteAddress ?? '?'),
        port: s.remotePort ?? 0,
        transport: 'TCP',
      });
    });
  }

  /** Number of open connections. */
  get connections(): number {
    return this.#all.size;
  }

  setListener(listener: TransportListener | null): void {
    this.#listener = listener;
  }

  send(bytes: Uint8Array, dest: TransportAddress): SendResult {
    if (this.#closed) return { ok: false, error: 'transport closed' };
    if (!(dest.port > 0 && dest.port < 65536)) return { ok: false, error: `invalid port ${dest.port}` };
    let c = this.#conns.get(key(dest.host, dest.port));
    if (c && c.socket.destroyed) {
      this.#drop(c);
      c = undefined;
    }
    if (!c) {
      const fam = isIP(dest.host);
      const localFam = isIP(this.local.host);
      if (fam !== 0 && fam !== localFam)
        return { ok: false, error: `cannot reach ${dest.host} from an IPv${localFam} address` };
      // Bind the source address to ours so peers see the lab's address (not 127.0.0.1 for 127.0.0.x).
      const s = connect({ host: dest.host, port: dest.port, localAddress: this.local.host, noDelay: true });
      this.stats.connected++;
      c = this.#adopt(s, { host: dest.host, port: dest.port, transport: 'TCP' });
    }
    this.stats.sent++;
    if (this.tap) {
      if (c.localEnd)
        this.tap({ direction: 'sent', bytes, local: c.localEnd, remote: c.remote, timeUs: this.now() });
      else c.pendingTaps.push(bytes);
    }
    // Writes before 'connect' are queued by Node.
    c.socket.write(bytes);
    return { ok: true };
  }

  #adopt(s: Socket, remote: TransportAddress): Connection {
    const c = new Connection(s, remote);
    this.#all.add(c);
    this.#register(c, key(remote.host, remote.port));
    s.setNoDelay(true);
    s.setTimeout(this.#idleMs, () => s.destroy());
    const learnLocal = (): void => {
      c.localEnd = {
        host: unmapAddress(s.localAddress ?? this.local.host),
        port: s.localPort ?? 0,
        transport: 'TCP',
      };
      const t = this.now();
      for (const bytes of c.pendingTaps.splice(0))
        this.tap?.({ direction: 'sent', bytes, local: c.localEnd, remote: c.remote, timeUs: t });
    };
    if (s.localPort) learnLocal();
    else s.once('connect', learnLocal);
    s.on('data', (chunk: Buffer) => this.#data(c, chunk));
    s.on('error', (err) => {
      this.stats.errors++;
      this.#listener?.onTransportError?.(c.remote, err.message, this);
    });
    s.on('close', () => this.#drop(c));
    return c;
  }

  #register(c: Connection, k: string): void {
    const old = this.#conns.get(k);
    if (old && old !== c && !old.socket.destroyed) return;
    this.#conns.set(k, c);
    c.keys.add(k);
  }

  #drop(c: Connection): void {
    this.#all.delete(c);
    for (const k of c.keys) if (this.#conns.get(k) === c) this.#conns.delete(k);
    c.keys.clear();
  }

  #data(c: Connection, chunk: Buffer): void {
    c.append(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    const used = frameStream(c.buf, 0, c.len, {
      message: (buf, start, end, flag) => this.#message(c, buf.slice(start, end), flag),
      junk: (_b, _s, count) => {
        this.stats.junkBytes += count;
      },
    });
    if (used > 0) {
      c.buf.copyWithin(0, used, c.len);
      c.len -= used;
    }
    if (c.len > this.#maxBacklog) {
      this.stats.errors++;
      c.socket.destroy();
    }
  }

  #message(c: Connection, bytes: Uint8Array, flag: FrameFlag): void {
    if (flag) this.stats.framingProblems++;
    this.stats.received++;
    // Requests: remember the connection under the top Via's sent-by too (see the module note).
    if (bytes[0] !== 0x53 || bytes[1] !== 0x49 || bytes[2] !== 0x50 || bytes[3] !== 0x2f) {
      const head = latin1.decode(bytes.subarray(0, Math.min(bytes.length, 2048)));
      const m = VIA_RE.exec(head);
      if (m) {
        const h = m[1]!.replace(/^\[|\]$/g, '');
        this.#register(c, key(h, m[2] ? Number(m[2]) : 5060));
      }
    }
    this.tap?.({
      direction: 'received',
      bytes,
      local: c.localEnd ?? this.local,
      remote: c.remote,
      timeUs: this.now(),
    });
    this.#listener?.onMessage(bytes, c.remote, this);
  }

  /** Stops listening and closes every connection; idempotent. */
  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    for (const c of this.#all) c.socket.destroy();
    this.#all.clear();
    this.#conns.clear();
    return new Promise((res) => this.server.close(() => res()));
  }
}

/** Listens on TCP (127.0.0.1 and a free port unless given) and returns the transport. */
export function openTcpTransport(opts: TcpTransportOptions = {}): Promise<TcpTransport> {
  const host = opts.host ?? DEFAULT_BIND_HOST;
  if (isIP(host) === 0) return Promise.reject(new Error(`bind address must be an IP address, not "${host}"`));
  const server = createServer({ noDelay: true });
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => {
      server.close();
      reject(new Error(`cannot listen on TCP ${host}:${opts.port ?? 0}: ${err.message}`));
    };
    server.once('error', onError);
    server.listen({ host, port: opts.port ?? 0, exclusive: true, ipv6Only: isIP(host) === 6 }, () => {
      server.off('error', onError);
      server.on('error', () => undefined);
      const a = server.address();
      const port = typeof a === 'object' && a ? a.port : (opts.port ?? 0);
      resolve(
        new TcpTransport(
          server,
          { host, port, transport: 'TCP' },
          opts.tap ?? null,
          opts.now ?? epochMicros,
          opts,
        ),
      );
    });
  });
}
