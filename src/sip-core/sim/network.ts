/**
 * The simulated network: made-up addresses, per-link latency, jitter and loss drawn from a seeded
 * PRNG (same seed, same run), NAT boxes between a private realm and the public one, and a record
 * of every packet on the wire. It implements {@link Transport} for the elements; no real socket
 * is ever opened.
 */
import type { Micros, RandomSource, Scheduler, TimerTarget } from '../stack/clock';
import { MS } from '../stack/clock';
import type {
  SendResult,
  Transport,
  TransportAddress,
  TransportListener,
  TransportProtocol,
} from '../stack/transport';
import { isReliable } from '../stack/transport';
import type { EventSink } from '../elements/events';
import type { NatBox } from '../elements/nat';

/** Conditions of one link (between two nodes, both directions). */
export interface LinkConditions {
  /** One-way latency, µs. */
  latency: Micros;
  /** Uniform jitter ±, µs. */
  jitter: Micros;
  /** Loss probability 0..1. */
  loss: number;
}

export const DEFAULT_LINK: LinkConditions = { latency: 10 * MS, jitter: 0, loss: 0 };

/** What kind of payload a packet carries (STUN and RTP are not SIP and stay out of the trace). */
export type PacketKind = 'sip' | 'stun' | 'rtp';

/** One packet on one wire leg (a packet crossing a NAT makes two legs). */
export interface WirePacket {
  seq: number;
  sentAt: Micros;
  /** Delivery time, null when dropped. */
  deliverAt: Micros | null;
  from: TransportAddress;
  to: TransportAddress;
  fromNode: string;
  toNode: string;
  kind: PacketKind;
  bytes: Uint8Array;
  /** Why it was dropped: `loss`, `rule`, `node-down`, `no-listener`, `nat: ...`. */
  dropped: string | null;
}

/** A deterministic drop rule: lose the `nth` (1-based) packet matching from/to/what. */
export interface DropRule {
  from?: string;
  to?: string;
  /** A method (`INVITE`) or status (`200`) at the start of the SIP message. */
  match?: string;
  nth?: number[];
  count: number;
}

export interface NetworkOptions {
  defaultLink?: LinkConditions;
  /** Keep every packet (default true; the benchmark turns it off). */
  record?: boolean;
}

function key(host: string, port: number, transport: TransportProtocol): string {
  return `${transport}|${host}|${port}`;
}

/** What a transport's send returns when the network took the packet (one shared object). */
const SENT: SendResult = Object.freeze({ ok: true }) as SendResult;

/** What sending toward a host needs, worked out once per host string (cleared when the topology changes). */
interface HostRoute {
  /** The address after name resolution. */
  host: string;
  /** 'public' or the NAT the host sits behind. */
  realm: string;
  /** The node owning the address (the address itself when unknown). */
  node: string;
  /** The NAT whose public address this is. */
  natIn: NatBox | undefined;
  /** The node that last sent toward this host and the link conditions between the two (a cache). */
  linkFrom: string | null;
  link: LinkConditions;
}

const dec = new TextDecoder();

/** Classifies a payload: SIP text starts with a letter, STUN with two zero bits (RFC 5389 §6). */
export function packetKind(bytes: Uint8Array): PacketKind {
  const b = bytes[0] ?? 0;
  if (b < 0x40) return 'stun';
  if (b >= 0x80 && b < 0xc0) return 'rtp';
  return 'sip';
}

export class SimNetwork implements TimerTarget {
  readonly packets: WirePacket[] = [];
  private seq = 0;
  private readonly endpoints = new Map<string, SimTransport>();
  private readonly hostNode = new Map<string, string>();
  private readonly hostRealm = new Map<string, string>();
  private readonly nats = new Map<string, NatBox>();
  private readonly natByPublic = new Map<string, NatBox>();
  /** Link conditions by node, then by the other node (both directions). */
  private readonly links = new Map<string, Map<string, LinkConditions>>();
  /** Bound transports by host (a host has a few: its SIP port, its media port). */
  private readonly byHost = new Map<string, SimTransport[]>();
  private readonly routes = new Map<string, HostRoute>();
  // Packets in flight: one slot each (bytes, source, destination, what happens on arrival), freed on arrival.
  private flBytes: (Uint8Array | null)[] = [];
  private flSrc: (TransportAddress | null)[] = [];
  private flTo: (TransportAddress | null)[] = [];
  private flArrive: (((b: Uint8Array) => void) | null)[] = [];
  private flFree: number[] = [];
  private readonly dns = new Map<string, string>();
  private readonly down = new Set<string>();
  private readonly rules: (DropRule & { seen: number; dropped: number })[] = [];
  private readonly defaultLink: LinkConditions;
  readonly record: boolean;

  constructor(
    readonly clock: Scheduler,
    private readonly rng: RandomSource,
    private readonly events: EventSink,
    opts: NetworkOptions = {},
  ) {
    this.defaultLink = opts.defaultLink ?? DEFAULT_LINK;
    this.record = opts.record ?? true;
  }

  /** Declares an address owned by a node; `realm` is 'public' or the name of the NAT it sits behind. */
  addHost(node: string, host: string, realm = 'public'): void {
    this.hostNode.set(host, node);
    this.hostRealm.set(host, realm);
    this.routes.clear();
    this.topologyGen++;
  }

  /** A DNS name (e.g. `biloxi.example.com`) resolving to an address. */
  addName(name: string, host: string): void {
    this.dns.set(name.toLowerCase(), host);
    this.routes.clear();
    this.topologyGen++;
  }

  resolve(host: string): string {
    return this.dns.get(host.toLowerCase()) ?? host;
  }

  addNat(nat: NatBox): void {
    this.nats.set(nat.name, nat);
    this.natByPublic.set(nat.config.publicIp, nat);
    this.routes.clear();
    this.topologyGen++;
    this.addHost(nat.name, nat.config.publicIp, 'public');
    this.addHost(nat.name, nat.config.insideIp, nat.name);
  }

  nat(name: string): NatBox | undefined {
    return this.nats.get(name);
  }

  setLink(a: string, b: string, c: LinkConditions): void {
    this.routes.clear(); // routes cache their links
    for (const [x, y] of [
      [a, b],
      [b, a],
    ] as const) {
      let m = this.links.get(x);
      if (m === undefined) this.links.set(x, (m = new Map()));
      m.set(y, c);
    }
  }

  setDown(node: string, isDown: boolean): void {
    if (isDown) this.down.add(node);
    else this.down.delete(node);
  }

  addDropRule(r: DropRule): void {
    this.rules.push({ ...r, seen: 0, dropped: 0 });
  }

  nodeOf(host: string): string {
    return this.hostNode.get(host) ?? host;
  }

  /** Binds a transport for a node at `local`. */
  bind(node: string, local: TransportAddress): SimTransport {
    if (!this.hostNode.has(local.host)) this.addHost(node, local.host);
    const t = new SimTransport(this, node, local);
    const k = key(local.host, local.port, local.transport);
    const old = this.endpoints.get(k);
    this.endpoints.set(k, t);
    let list = this.byHost.get(local.host);
    if (list === undefined) this.byHost.set(local.host, (list = []));
    const at = old === undefined ? -1 : list.indexOf(old);
    if (at >= 0) list[at] = t;
    else list.push(t);
    return t;
  }

  /** The transport bound at an address, if any. */
  private endpoint(host: string, port: number, transport: TransportProtocol): SimTransport | undefined {
    const list = this.byHost.get(host);
    if (list === undefined) return undefined;
    for (let i = 0; i < list.length; i++) {
      const t = list[i]!;
      if (t.local.port === port && t.local.transport === transport) return t;
    }
    return undefined;
  }

  /** Bumped when hosts, names or NATs change (cached routes and realms are then stale). */
  private topologyGen = 1;

  /** The realm a transport sends from, cached on it until the topology changes. */
  private realmOf(t: SimTransport): string {
    t.realm = this.hostRoute(t.local.host).realm;
    t.realmGen = this.topologyGen;
    return t.realm;
  }

  /** Resolution, realm, node and NAT of a destination host, cached by the host string. */
  private hostRoute(h: string): HostRoute {
    let r = this.routes.get(h);
    if (r === undefined) {
      const host = this.dns.size ? this.resolve(h) : h;
      r = {
        host,
        realm: this.hostRealm.get(host) ?? 'public',
        node: this.hostNode.get(host) ?? host,
        natIn: this.natByPublic.get(host),
        linkFrom: null,
        link: this.defaultLink,
      };
      if (this.routes.size > 4096) this.routes.clear();
      this.routes.set(h, r);
    }
    return r;
  }

  /** @internal SimTransport.send */
  send(from: SimTransport, bytes: Uint8Array, dest: TransportAddress): SendResult {
    const r = this.hostRoute(dest.host);
    // the caller's address is kept as is when no name needs resolving (no copy per packet)
    const to: TransportAddress =
      r.host === dest.host ? dest : { host: r.host, port: dest.port, transport: dest.transport };
    const realm = from.realmGen === this.topologyGen ? from.realm : this.realmOf(from);
    if (realm === 'public' && r.realm === 'public' && r.natIn === undefined) {
      // the common case of route(); the link toward this host is cached per sending node
      if (r.linkFrom !== from.node) {
        r.link = this.link(from.node, r.node);
        r.linkFrom = from.node;
      }
      this.leg(from.node, r.node, from.local, to, bytes, null, null, r.link);
    } else this.route(from.node, from.local, bytes, to, realm);
    return SENT;
  }

  private link(a: string, b: string): LinkConditions {
    return this.links.get(a)?.get(b) ?? this.defaultLink;
  }

  /** @internal The scheduler: the packet in flight in `slot` arrives. */
  onTimer(slot: number): void {
    const bytes = this.flBytes[slot]!;
    const src = this.flSrc[slot]!;
    const to = this.flTo[slot]!;
    const arrive = this.flArrive[slot]!;
    this.flBytes[slot] = null;
    this.flSrc[slot] = null;
    this.flTo[slot] = null;
    this.flArrive[slot] = null;
    this.flFree.push(slot);
    if (arrive === null) this.arrive(to, bytes, src);
    else arrive(bytes);
  }

  /** One leg: from a node to the next hop (a NAT or the destination). */
  private route(
    fromNode: string,
    src: TransportAddress,
    bytes: Uint8Array,
    to: TransportAddress,
    realm: string,
  ): void {
    const destRealm = this.hostRealm.get(to.host) ?? 'public';
    const natOut = realm !== 'public' ? this.nats.get(realm) : undefined;
    // Leaving a private realm: first hop is the NAT.
    if (natOut && destRealm !== realm) {
      this.leg(fromNode, natOut.name, src, to, bytes, (b) => {
        const now = this.clock.now();
        const pub = natOut.outbound(src, to, now);
        const out = natOut.algOutbound(b, src, pub, now);
        this.route(natOut.name, pub, out, to, 'public');
      });
      return;
    }
    // Arriving at a NAT's public address: the NAT filters and forwards inside.
    const natIn = this.natByPublic.get(to.host);
    if (natIn && fromNode !== natIn.name) {
      this.leg(fromNode, natIn.name, src, to, bytes, (b) => this.natInbound(natIn, src, to, b));
      return;
    }
    if (natIn && fromNode === natIn.name) {
      // hairpin: a packet translated by this NAT toward its own public address
      if (!natIn.config.hairpin) {
        this.dropEvent(
          natIn.name,
          `hairpin not supported: ${src.host}:${src.port} -> ${to.host}:${to.port} dropped`,
        );
        return;
      }
      this.natInbound(natIn, src, to, bytes);
      return;
    }
    const toNode = this.hostNode.get(to.host) ?? to.host;
    if (destRealm !== realm && destRealm !== 'public') {
      // A private address behind a NAT, seen from outside: nothing routes it (RFC 1918 §3).
      this.leg(
        fromNode,
        toNode,
        src,
        to,
        bytes,
        () => undefined,
        `unroutable: ${to.host} is a private address behind ${destRealm}`,
      );
      return;
    }
    this.leg(fromNode, toNode, src, to, bytes, null);
  }

  /** Delivery at the destination's bound endpoint (looked up on arrival: it may have been rebound). */
  private arrive(to: TransportAddress, bytes: Uint8Array, src: TransportAddress): void {
    this.endpoint(to.host, to.port, to.transport)?.deliver(bytes, src);
  }

  private natInbound(nat: NatBox, src: TransportAddress, to: TransportAddress, bytes: Uint8Array): void {
    const now = this.clock.now();
    const r = nat.inbound(src, to.port, now);
    if ('drop' in r) {
      this.dropEvent(nat.name, `${src.host}:${src.port} -> ${to.host}:${to.port} dropped: ${r.drop}`);
      return;
    }
    const inside = { ...r.to, transport: to.transport };
    const b = nat.algInbound(bytes, inside, to);
    const toNode = this.hostNode.get(inside.host) ?? inside.host;
    this.leg(nat.name, toNode, src, inside, b, (bb) => {
      this.endpoints.get(key(inside.host, inside.port, inside.transport))?.deliver(bb, src);
    });
  }

  private dropEvent(node: string, text: string): void {
    if (this.events.enabled) this.events.emit({ time: this.clock.now(), node, kind: 'nat-drop', text });
  }

  private ruleDrops(fromNode: string, toNode: string, bytes: Uint8Array): boolean {
    if (this.rules.length === 0) return false;
    let start: string | null = null;
    for (const r of this.rules) {
      if (r.from !== undefined && r.from !== fromNode) continue;
      if (r.to !== undefined && r.to !== toNode) continue;
      if (r.match !== undefined) {
        start ??= dec.decode(bytes.subarray(0, 24));
        const first = start.startsWith('SIP/2.0 ') ? start.slice(8, 11) : start.slice(0, start.indexOf(' '));
        if (first !== r.match) continue;
      }
      r.seen++;
      const hit = r.nth ? r.nth.includes(r.seen) : r.dropped < r.count;
      if (hit) {
        r.dropped++;
        return true;
      }
    }
    return false;
  }

  private leg(
    fromNode: string,
    toNode: string,
    src: TransportAddress,
    to: TransportAddress,
    bytes: Uint8Array,
    /** What happens on arrival; null: delivery to the endpoint bound at `to`. */
    arrive: ((b: Uint8Array) => void) | null,
    unroutable: string | null = null,
    /** The link's conditions when the caller has them. */
    link: LinkConditions | null = null,
  ): void {
    const now = this.clock.now();
    const kind = packetKind(bytes);
    const l = link ?? this.link(fromNode, toNode);
    let dropped: string | null = null;
    if (unroutable) dropped = unroutable;
    else if (this.down.size > 0 && this.down.has(toNode)) dropped = 'node-down';
    else if (kind === 'sip' && this.rules.length > 0 && this.ruleDrops(fromNode, toNode, bytes))
      dropped = 'rule';
    else if (l.loss > 0 && this.rng.next() < l.loss) dropped = 'loss';
    let delay = l.latency;
    if (l.jitter > 0) delay += Math.round((this.rng.next() * 2 - 1) * l.jitter);
    if (delay < 0) delay = 0;
    if (this.record) {
      this.packets.push({
        seq: this.seq++,
        sentAt: now,
        deliverAt: dropped ? null : now + delay,
        from: src,
        to,
        fromNode,
        toNode,
        kind,
        bytes,
        dropped,
      });
    }
    if (dropped) {
      if (this.events.enabled && dropped !== 'node-down')
        this.events.emit({
          time: now,
          node: fromNode,
          kind: 'lost',
          text: `packet to ${toNode} lost (${dropped})`,
        });
      return;
    }
    const slot = this.flFree.length > 0 ? this.flFree.pop()! : this.flBytes.length;
    this.flBytes[slot] = bytes;
    this.flSrc[slot] = src;
    this.flTo[slot] = to;
    this.flArrive[slot] = arrive;
    this.clock.scheduleTarget(delay, this, slot);
  }
}

/** A node's bound address on the simulated network. */
export class SimTransport implements Transport {
  readonly reliable: boolean;
  private listener: TransportListener | null = null;
  /** @internal The network's cache of this transport's realm and the topology it was read in. */
  realm = 'public';
  realmGen = 0;

  constructor(
    private readonly net: SimNetwork,
    readonly node: string,
    readonly local: TransportAddress,
  ) {
    this.reliable = isReliable(local.transport);
  }

  send(bytes: Uint8Array, dest: TransportAddress): SendResult {
    return this.net.send(this, bytes, dest);
  }

  setListener(listener: TransportListener | null): void {
    this.listener = listener;
  }

  /** @internal called by the network on delivery */
  deliver(bytes: Uint8Array, source: TransportAddress): void {
    this.listener?.onMessage(bytes, source, this);
  }
}
