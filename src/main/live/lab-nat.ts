/**
 * A NAT box for the lab, on real sockets: the elements' {@link NatBox} (RFC 4787 mapping and
 * filtering, binding timeouts, optional SIP ALG) decides; this class moves the packets. Nodes
 * `behind` the NAT send through it: a packet to the outside leaves from a real UDP socket bound to
 * the NAT's public address and the mapped port; packets arriving there are filtered by the
 * binding rules and handed to the inside node. Packets sent straight to an inside node's private
 * address from outside are dropped, as a real NAT would never route them — the classic
 * "the proxy sends the INVITE to the private Contact" failure is visible in the trace.
 *
 * Media too: a lab phone's RTP and RTCP sockets behind the box ({@link LabNat.mediaPort}) send to
 * the outside through a mapping of their own, as a real NAT maps every flow (the box's type rules:
 * a symmetric NAT maps each destination apart and lets in only that destination's packets), and
 * what comes back to the mapped port is filtered by the same rules; lab-media.ts drops what reaches
 * a phone's private media address straight from outside (one-way audio when the peer sends to the
 * SDP's private address; a peer that sends back to where the RTP came from — comedia, latching —
 * gets through). With the ALG the SDP's audio port gets a pinhole (NatBox.algOutbound) whose public
 * socket is opened here. Bounded: at most {@link LAB_NAT_MAX_PORTS} public ports (when full, the
 * ports whose binding is gone or idle past the timeout are closed first; else the packet is dropped).
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

/** Most public ports (bindings with a socket) one lab NAT box keeps open. */
export const LAB_NAT_MAX_PORTS = 1024;

/** A media socket of a phone behind the box: its sends to the outside go through a mapping. */
export interface NatMediaPort {
  /** Sends through the box; the public address it left from, or null when the box refused. */
  send(bytes: Uint8Array, dest: TransportAddress): TransportAddress | null;
  close(): void;
}

/** Hands a packet that came in through the box to a media socket (`pub`: the public address it came to). */
type MediaDeliver = (bytes: Uint8Array, source: TransportAddress, pub: TransportAddress) => void;

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
  readonly #media = new Map<string, MediaDeliver>();
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

  /** Drops said once (a stream of RTP dropped is one event, SIP retransmissions too). */
  readonly #dropped = new Set<string>();

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
    // the ALG's media pinholes get their public sockets (the peer's RTP comes to them)
    if (this.config.alg && out !== bytes)
      for (const b of this.box.bindings(now)) {
        const port = Number(b.public.slice(b.public.lastIndexOf(':') + 1));
        if (!this.#public.has(port)) this.#socket(port);
      }
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

  /**
   * A lab phone's media socket at `local` behind the box: `send` maps its packets to the outside
   * (a binding per flow, as the box's type says); packets the box lets in to its mapping go to
   * `deliver`.
   */
  mediaPort(local: TransportAddress, deliver: MediaDeliver): NatMediaPort {
    const k = key(local);
    this.#media.set(k, deliver);
    return {
      send: (bytes, dest) => {
        if (this.#closed) return null;
        const pub = this.box.outbound(local, dest, this.clock.now());
        const sock = this.#socket(pub.port);
        if (!sock) return null;
        sock.send(bytes, dest.port, dest.host);
        return pub;
      },
      close: () => {
        if (this.#media.get(k) === deliver) this.#media.delete(k);
      },
    };
  }

  #socket(port: number): Socket | null {
    const existing = this.#public.get(port);
    if (existing) return existing;
    if (this.#public.size >= LAB_NAT_MAX_PORTS && !this.#sweep()) {
      this.#drop(
        `no public port for ${hostPort(this.config.publicIp, port)}: the box has ${LAB_NAT_MAX_PORTS} open`,
      );
      return null;
    }
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

  /** Closes the public sockets whose binding is gone or idle past the timeout; true when one was. */
  #sweep(): boolean {
    const now = this.clock.now();
    const live = new Set<number>();
    for (const b of this.box.bindings(now))
      if (b.idle <= this.config.timeout) live.add(Number(b.public.slice(b.public.lastIndexOf(':') + 1)));
    let freed = false;
    for (const [port, sock] of this.#public)
      if (!live.has(port)) {
        this.#public.delete(port);
        sock.close();
        freed = true;
      }
    return freed;
  }

  #inbound(port: number, bytes: Uint8Array, source: TransportAddress): void {
    const r = this.box.inbound(source, port, this.clock.now());
    const pub = { host: this.config.publicIp, port, transport: 'UDP' as const };
    if ('drop' in r) {
      // (SIP: each message; media: once per source and port, not per packet)
      const what = `${hostPort(source.host, source.port)} -> ${hostPort(this.config.publicIp, port)}`;
      if ((bytes[0] ?? 0) >= 0x41 || !this.#dropped.has(what)) {
        if (this.#dropped.size >= 256) this.#dropped.clear();
        this.#dropped.add(what);
        this.#drop(`${what} dropped: ${r.drop}`);
      }
      return;
    }
    const entry = this.#inside.get(key(r.to));
    if (!entry) {
      this.#media.get(key(r.to))?.(bytes, source, pub);
      return;
    }
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
