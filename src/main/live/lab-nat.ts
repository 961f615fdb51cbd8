/**
 * A NAT box for the lab, on real sockets: the elements' {@link NatBox} (RFC 4787 mapping and
 * filtering, binding timeouts, optional SIP ALG) decides; this class moves the packets. Nodes
 * `behind` the NAT send through it: a packet to the outside leaves from a real UDP socket bound to
 * the NAT's public address and the mapped port; packets arriving there are filtered by the
 * binding rules and handed to the inside node. Packets sent straight to an inside node's private
 * address from outside are dropped, as a real NAT would never route them — the classic
 * "the proxy sends the INVITE to the private Contact" failure is visible in the trace.
 */
import { createSocket, type Socket } from 'node:dgram';
import type { Scheduler } from '../../sip-core/stack/clock';
import type { EventSink } from '../../sip-core/elements/events';
import { NatBox, type NatConfig } from '../../sip-core/elements/nat';
import type {
  SendResult,
  Transport,
  TransportAddress,
  TransportListener,
} from '../../sip-core/stack/transport';
import { hostPort } from './source';
import { epochMicros } from './time';
import type { RealTransport, WireEvent } from './transport';

type Recorder = (node: string) => (ev: WireEvent) => void;

interface Inside {
  node: string;
  inner: RealTransport;
  listener: TransportListener | null;
  wrapped: Transport;
}

const key = (a: { host: string; port: number }): string => `${a.host.toLowerCase()}|${a.port}`;

export class LabNat {
  readonly box: NatBox;
  readonly #public = new Map<number, Socket>();
  readonly #inside = new Map<string, Inside>();
  #closed = false;

  constructor(
    readonly config: NatConfig,
    private readonly clock: Scheduler,
    private readonly events: EventSink,
    private readonly recorder: Recorder,
  ) {
    this.box = new NatBox(config, events);
  }

  get name(): string {
    return this.config.name;
  }

  /**
   * The transport an inside node uses: sends to the outside go through the NAT; `isOutside(dest)`
   * tells which destinations are outside the private realm.
   */
  wrap(node: string, inner: RealTransport, isOutside: (dest: TransportAddress) => boolean): Transport {
    const outbound = (e: Inside, b: Uint8Array, d: TransportAddress): SendResult => this.#outbound(e, b, d);
    const entry: Inside = {
      node,
      inner,
      listener: null,
      wrapped: {
        local: inner.local,
        reliable: false,
        send(bytes: Uint8Array, dest: TransportAddress): SendResult {
          if (!isOutside(dest)) return inner.send(bytes, dest);
          return outbound(entry, bytes, dest);
        },
        setListener(l: TransportListener | null): void {
          entry.listener = l;
        },
      },
    };
    this.#inside.set(key(inner.local), entry);
    // What reaches the inside node's real socket straight from outside never crossed the NAT: drop it.
    inner.setListener({
      onMessage: (bytes, source) => {
        if (isOutside(source)) {
          this.#drop(
            `${hostPort(source.host, source.port)} -> ${hostPort(inner.local.host, inner.local.port)} dropped: a private address is not reachable from outside the NAT`,
          );
          return;
        }
        entry.listener?.onMessage(bytes, source, entry.wrapped);
      },
      onTransportError: (d, e) => entry.listener?.onTransportError?.(d, e, entry.wrapped),
    });
    return entry.wrapped;
  }

  #drop(text: string): void {
    if (this.events.enabled)
      this.events.emit({ time: this.clock.now(), node: this.name, kind: 'nat-drop', text });
  }

  #outbound(entry: Inside, bytes: Uint8Array, dest: TransportAddress): SendResult {
    if (this.#closed) return { ok: false, error: 'NAT stopped' };
    const now = this.clock.now();
    const src = entry.inner.local;
    // Inside leg: the node's packet as it leaves the node.
    this.recorder(entry.node)({ direction: 'sent', bytes, local: src, remote: dest, timeUs: epochMicros() });
    const pub = this.box.outbound(src, dest, now);
    const out = this.box.algOutbound(bytes, src, pub, now);
    const sock = this.#socket(pub.port);
    if (!sock) return { ok: false, error: `NAT ${this.name}: cannot bind ${hostPort(pub.host, pub.port)}` };
    this.recorder(this.name)({
      direction: 'sent',
      bytes: out,
      local: { host: this.config.publicIp, port: pub.port, transport: 'UDP' },
      remote: dest,
      timeUs: epochMicros(),
    });
    sock.send(out, dest.port, dest.host);
    return { ok: true };
  }

  #socket(port: number): Socket | null {
    const existing = this.#public.get(port);
    if (existing) return existing;
    const sock = createSocket('udp4');
    sock.on('error', (err) => {
      this.#drop(`public socket ${hostPort(this.config.publicIp, port)}: ${err.message}`);
      this.#public.delete(port);
      sock.close();
    });
    sock.on('message', (msg, rinfo) =>
      this.#inbound(port, new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength), {
        host: rinfo.address,
        port: rinfo.port,
        transport: 'UDP',
      }),
    );
    // Sends issued before the bind completes are queued by Node.
    sock.bind({ address: this.config.publicIp, port, exclusive: true });
    this.#public.set(port, sock);
    return sock;
  }

  #inbound(port: number, bytes: Uint8Array, source: TransportAddress): void {
    const r = this.box.inbound(source, port, this.clock.now());
    if ('drop' in r) {
      this.#drop(
        `${hostPort(source.host, source.port)} -> ${hostPort(this.config.publicIp, port)} dropped: ${r.drop}`,
      );
      return;
    }
    const entry = this.#inside.get(key(r.to));
    if (!entry) return;
    const pub = { host: this.config.publicIp, port, transport: 'UDP' as const };
    const b = this.box.algInbound(bytes, r.to, pub);
    // Inside leg: from the outside sender to the inside node, after translation.
    this.recorder(this.name)({
      direction: 'sent',
      bytes: b,
      local: source,
      remote: entry.inner.local,
      timeUs: epochMicros(),
    });
    entry.listener?.onMessage(b, source, entry.wrapped);
  }

  /** Public `host:port`s in use (for the lab's endpoint table). */
  get publicPorts(): number[] {
    return [...this.#public.keys()];
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all(
      [...this.#public.values()].map((s) => new Promise<void>((res) => s.close(() => res()))),
    );
    this.#public.clear();
  }
}
