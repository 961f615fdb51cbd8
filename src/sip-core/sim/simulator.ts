/**
 * The simulator: builds the network and the elements of a scenario on a {@link VirtualClock},
 * schedules its steps, and runs it (all at once or one message at a time). Same scenario, same
 * seed → the same run, byte for byte.
 */
import { type Micros, SECOND, SeededIdSource, VirtualClock, Xoshiro128 } from '../stack/clock';
import type { TransportAddress } from '../stack/transport';
import { EventLog, type ElementEvent, type EventSink, NO_EVENTS } from '../elements/events';
import type { SipElement } from '../elements/element';
import { NatBox } from '../elements/nat';
import { LocationService } from '../elements/registrar';
import type { TimerConfig } from '../stack/transaction';
import { UserAgent } from '../elements/ua/user-agent';
import { StunServer, readStunMapped } from '../elements/stun';
import { type LinkConditions, SimNetwork, type WirePacket } from './network';
import { type NodeSpec, type Scenario, type StepSpec, parseDuration } from './scenario';
import { runUaStep, splitAddress } from './steps';
import { buildElement, timerConfigOf } from './node-config';

export interface SimOptions {
  seed?: number;
  /** Collect element events (default true). */
  events?: boolean;
  /** Keep every packet (default true). */
  record?: boolean;
}

/** A node as the output lists it. */
export interface SimNodeInfo {
  name: string;
  role: NodeSpec['role'];
  address: string;
  domains: string[];
  behind: string | null;
  /** NAT public address. */
  public?: string;
}

export class ScenarioBuildError extends Error {}

export class Simulation {
  readonly clock = new VirtualClock(0);
  readonly network: SimNetwork;
  readonly events: EventSink;
  readonly elements = new Map<string, SipElement | StunServer>();
  readonly nodes: SimNodeInfo[] = [];
  readonly seed: number;
  readonly timers: TimerConfig;
  readonly endTime: Micros;
  private readonly ids: SeededIdSource;
  private readonly locations = new Map<string, LocationService>();
  /** Step problems (unknown call to hang up...), as they happen. */
  readonly stepErrors: string[] = [];

  constructor(
    readonly scenario: Scenario,
    opts: SimOptions = {},
  ) {
    this.seed = opts.seed ?? scenario.seed ?? 1;
    this.events = opts.events === false ? NO_EVENTS : new EventLog();
    const rng = new Xoshiro128(this.seed);
    this.ids = new SeededIdSource(new Xoshiro128(this.seed ^ 0x5bd1e995));
    const net = scenario.network ?? {};
    const defaultLink: LinkConditions = {
      latency: parseDuration(net.latency, 10_000),
      jitter: parseDuration(net.jitter, 0),
      loss: net.loss ?? 0,
    };
    this.network = new SimNetwork(this.clock, rng, this.events, { defaultLink, record: opts.record ?? true });
    this.timers = timerConfigOf(scenario.timers);
    this.endTime = parseDuration(scenario.duration, 300 * SECOND);
    this.build();
  }

  private env(node: string): {
    node: string;
    clock: VirtualClock;
    ids: SeededIdSource;
    events: EventSink;
    timers: TimerConfig;
    resolve: (h: string) => string;
  } {
    return {
      node,
      clock: this.clock,
      ids: this.ids,
      events: this.events,
      timers: this.timers,
      resolve: (h) => this.network.resolve(h),
    };
  }

  private location(name: string): LocationService {
    let l = this.locations.get(name);
    if (!l) {
      l = new LocationService(name, this.events);
      this.locations.set(name, l);
    }
    return l;
  }

  private build(): void {
    const sc = this.scenario;
    // NATs first: hosts behind them need their realm.
    for (const n of sc.nodes) {
      if (n.role !== 'nat') continue;
      const nat = new NatBox(
        {
          name: n.name,
          type: n.type ?? 'port-restricted',
          publicIp: n.public!,
          insideIp: n.inside!,
          timeout: parseDuration(n.timeout, 30 * SECOND),
          hairpin: n.hairpin ?? false,
          alg: n.alg ?? false,
          portBase: 20000,
        },
        this.events,
      );
      this.network.addNat(nat);
      this.nodes.push({
        name: n.name,
        role: 'nat',
        address: n.inside!,
        public: n.public!,
        domains: [],
        behind: null,
      });
    }
    for (const n of sc.nodes) {
      if (n.role === 'nat') continue;
      const { host, port } = splitAddress(n.address!, n.role === 'stun' ? 3478 : 5060);
      this.network.addHost(n.name, host, n.behind ?? 'public');
      for (const d of n.domains ?? []) this.network.addName(d, host);
      if (n.down) this.network.setDown(n.name, true);
      this.nodes.push({
        name: n.name,
        role: n.role,
        address: `${host}:${port}`,
        domains: n.domains ?? [],
        behind: n.behind ?? null,
      });
    }
    for (const n of sc.nodes) {
      if (n.role === 'nat') continue;
      const { host, port } = splitAddress(n.address!, n.role === 'stun' ? 3478 : 5060);
      const local: TransportAddress = { host, port, transport: n.transport ?? 'UDP' };
      const tr = this.network.bind(n.name, local);
      const env = this.env(n.name);
      const el = buildElement(n, host, env, tr, {
        location: (name) => this.location(name),
        bindMedia: (p) => this.network.bind(n.name, { host, port: p, transport: 'UDP' }),
        fail: (message) => {
          throw new ScenarioBuildError(message);
        },
      });
      if (el instanceof UserAgent) {
        // The phone's media port: RTP bursts (the media check) and STUN for it.
        const ua = el;
        const media = this.network.bind(n.name, { host, port: n.mediaPort ?? 49170, transport: 'UDP' });
        media.setListener({
          onMessage: (b, src) => {
            if ((b[0] ?? 0x80) < 0x40) {
              const m = readStunMapped(b);
              if (m) {
                ua.mediaAdvertised = m;
                ua.log(`STUN: public address of the media port is ${m.host}:${m.port}`, {
                  mapped: `${m.host}:${m.port}`,
                });
              }
              return;
            }
            ua.onMedia(src);
          },
        });
        ua.media = media;
      }
      this.elements.set(n.name, el);
    }
    for (const l of sc.links ?? []) {
      this.network.setLink(l.between[0], l.between[1], {
        latency: parseDuration(l.latency, 10_000),
        jitter: parseDuration(l.jitter, 0),
        loss: l.loss ?? 0,
      });
    }
    for (const d of sc.drop ?? []) this.network.addDropRule({ ...d, count: d.count ?? 1 });
    for (const s of sc.steps ?? [])
      this.clock.schedule(parseDuration(s.at, 0), () => this.runStep(s), `step ${s.action} ${s.node}`);
  }

  element(name: string): SipElement | StunServer | undefined {
    return this.elements.get(name);
  }

  ua(name: string): UserAgent | undefined {
    const e = this.elements.get(name);
    return e instanceof UserAgent ? e : undefined;
  }

  private runStep(s: StepSpec): void {
    const e = this.elements.get(s.node);
    if (this.events.enabled)
      this.events.emit({
        time: this.clock.now(),
        node: s.node,
        kind: 'log',
        text: `step: ${s.action}${s.to ? ` ${s.to}` : ''}${s.code ? ` ${s.code}` : ''}${s.digits ? ` ${s.digits}` : ''}`,
      });
    if (s.action === 'down' || s.action === 'up') {
      this.network.setDown(s.node, s.action === 'down');
      return;
    }
    if (!(e instanceof UserAgent)) {
      this.stepErrors.push(`${s.node}: ${s.action} needs a user agent`);
      return;
    }
    const r = runUaStep(e, s, this.ids);
    if (r === 'unsupported') this.stepErrors.push(`${s.node}: ${s.action} is not a user agent's action`);
    else if (r === 'nothing')
      this.stepErrors.push(`${s.node}: ${s.action} had nothing to act on at ${this.clock.now() / SECOND}s`);
  }

  /** Runs until nothing is pending or the scenario's duration is reached. */
  run(maxEvents = 5_000_000): void {
    this.clock.advanceTo(this.endTime, maxEvents);
  }

  /**
   * Advances to the next SIP message on the wire (stepping): runs events until at least one more
   * message was sent; one event may send several (a proxy's INVITE and its 100). False when over.
   */
  stepMessage(): boolean {
    const before = this.network.packets.length;
    for (;;) {
      const next = this.clock.nextTime();
      if (next === null || next > this.endTime) return false;
      this.clock.step();
      if (this.network.packets.slice(before).some((p) => p.kind === 'sip')) return true;
    }
  }

  get sipPackets(): WirePacket[] {
    return this.network.packets.filter((p) => p.kind === 'sip');
  }

  /** The phones' RTP packets, in send order (dropped ones too: `dropped` says why). */
  get rtpPackets(): WirePacket[] {
    return this.network.packets.filter((p) => p.kind === 'rtp');
  }

  /** SIP and RTP packets in send order: what a capture on the senders' wires holds (`--pcap`). */
  get wirePackets(): WirePacket[] {
    return this.network.packets.filter((p) => p.kind === 'sip' || p.kind === 'rtp');
  }

  get eventList(): ElementEvent[] {
    return this.events instanceof EventLog ? this.events.events : [];
  }
}
