/**
 * The lab: the simulator's elements (UA, proxy, registrar, redirect, B2BUA, STUN) on real sockets
 * with the real clock. A lab file is a scenario file (same YAML, same schema, same node vocabulary)
 * whose addresses are real: each node binds its `address` (UDP or TCP). Everything the nodes send
 * and receive is recorded as a live trace (and, optionally, a pcapng file written as it goes).
 * Steps run in real time (`at` seconds after start); `expect` is ignored (a lab is interactive).
 *
 * @remarks What is recorded: every message a lab node sends, and every message it receives from
 * outside the lab (SIPp, softphones, Kamailio). A message between two lab nodes appears once, as
 * a capture on `lo` would show it. NAT nodes translate for real: see ./lab-nat.ts.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { CryptoIdSource, RealClock } from '../../sip-core/stack/clock.node.js';
import { SECOND } from '../../sip-core/stack/clock';
import type { TransportAddress } from '../../sip-core/stack/transport';
import type { ElementEvent, EventSink } from '../../sip-core/elements/events';
import type { SipElement } from '../../sip-core/elements/element';
import { LocationService } from '../../sip-core/elements/registrar';
import { type Call, UserAgent } from '../../sip-core/elements/ua/user-agent';
import { StunServer } from '../../sip-core/elements/stun';
import { dtmfHow, runUaStep, splitAddress } from '../../sip-core/sim/steps';
import { DTMF_DIGITS_RE } from '../../shared/dtmf';
import { buildElement, timerConfigOf } from '../../sip-core/sim/node-config';
import {
  formatScenarioErrors,
  loadScenario,
  parseDuration,
  type NodeSpec,
  type Scenario,
  type StepSpec,
} from '../../sip-core/sim/scenario';
import { LiveTrace } from './live-trace';
import { LabNat } from './lab-nat';
import { LAB_CODECS, LAB_TONES, LabMedia, type LabMediaInfo } from './lab-media';
import { LAB_RELAY_MAX_SESSIONS, LabRelayPorts } from './lab-relay';
import { Proxy } from '../../sip-core/elements/proxy';
import { hostPort } from './source';
import { openTcpTransport, openUdpTransport, type RealTransport, type WireEvent } from './transport';

/**
 * Ended calls a lab phone keeps in `calls` (the newest; its steps and the console read them): an
 * older one is forgotten and counted (UserAgent.endedCallsKept, callsForgotten), so a lab left up
 * under SIPp load for a class keeps its memory bounded.
 */
export const LAB_ENDED_CALLS_KEPT = 100;

export interface LabOptions {
  /** Write a pcapng file as it goes. */
  pcap?: string;
  /** Rotate the pcapng file past this many MB (default 100). */
  rotateMB?: number;
  /** Messages kept in the live trace window (default 200,000). */
  limit?: number;
  /** Element events (registrations, calls, transactions, script lines) as they happen. */
  onEvent?: (ev: ElementEvent) => void;
  /** Run the lab's `steps` (default true). */
  steps?: boolean;
}

/** How a lab phone sends digits (LabHandle.dtmf). */
export interface LabDtmfOptions {
  callId?: string;
  method?: 'auto' | 'rfc4733' | 'info';
  /** Per digit, ms (40–2000; default 100). */
  durationMs?: number;
  /** From a digit's end to the next digit, ms (60–10000; default 100). */
  pauseMs?: number;
}

/** One listening socket of the lab. */
export interface LabListen {
  node: string;
  role: NodeSpec['role'];
  transport: string;
  address: string;
  /** Extra notes (`media`, `NAT public side`). */
  note?: string;
}

export interface LabHandle {
  readonly name: string;
  readonly lab: Scenario;
  readonly listening: LabListen[];
  readonly live: LiveTrace;
  readonly elements: ReadonlyMap<string, SipElement | StunServer>;
  /** The newest element events (bounded to 10,000). */
  readonly events: ElementEvent[];
  /** Problems while running steps. */
  readonly stepErrors: string[];
  /**
   * The routing-script runs (`script` events with their statements) of the lab node that sent live
   * message `seq`, in the same handling of one datagram or one timer: the runs that can have made
   * it (narrow them to its Call-ID and request with `runMadeMessage`). Empty for a message from
   * outside the lab or sent with no run (a relayed response, a retransmission). The newest 20,000
   * sent messages are remembered.
   */
  scriptRunsOf(seq: number): readonly ElementEvent[];
  ua(name: string): UserAgent | undefined;
  /** The phones' real RTP (./lab-media.ts): what each sends, the calls' sockets now. */
  media(): LabMediaInfo;
  /**
   * Phone `node` presses `digits` (0-9, *, #, A-D) in its call `callId` (default: its newest
   * answered call): RFC 4733 telephone-events on its RTP when the call agreed telephone-event
   * (`auto`, the default, or `rfc4733`), else one SIP INFO per digit with an `application/dtmf-relay`
   * body (`info`, or `auto` without telephone-event). Throws a LabError when it cannot.
   */
  dtmf(node: string, digits: string, opts?: LabDtmfOptions): { method: 'rfc4733' | 'info'; callId: string };
  /**
   * The registrars' location tables now (`kamcmd ul.dump`): every unexpired binding with the seconds
   * it has left, per registrar node in file order.
   */
  locations(): LabBinding[];
  stop(): Promise<void>;
}

/** One binding of a lab registrar's location table (RFC 3261 §10.3). */
export interface LabBinding {
  node: string;
  aor: string;
  contact: string;
  /** Seconds until it expires. */
  expires: number;
  q: number;
  /** Where the REGISTER came from, when fix_nated_register stored it (`host:port`). */
  received: string | null;
}

export class LabError extends Error {}

/** Parses and validates a lab file (scenario schema); throws a LabError with `file:line:col` lines. */
export function parseLab(text: string, name = 'lab.yaml'): Scenario {
  const r = loadScenario(text);
  if (!r.scenario) throw new LabError(`invalid lab file:\n${formatScenarioErrors(name, r.errors)}`);
  return r.scenario;
}

/** Starts a lab from a file path. */
export async function startLabFile(path: string, opts: LabOptions = {}): Promise<LabHandle> {
  const text = await readFile(path, 'utf8');
  return startLab(parseLab(text, basename(path)), opts);
}

/** Starts the elements of a lab on real sockets; resolves once every node listens. */
export async function startLab(lab: Scenario, opts: LabOptions = {}): Promise<LabHandle> {
  const clock = new RealClock();
  const ids = new CryptoIdSource();
  const events: ElementEvent[] = [];
  // What one handling (a datagram's or a timer's callback: Node drains microtasks after each) sent
  // and which script runs it made, paired when it ends.
  const runsBySeq = new Map<number, ElementEvent[]>();
  let turn: { sent: { seq: number; node: string }[]; runs: ElementEvent[] } | null = null;
  const endTurn = (): void => {
    const t = turn!;
    turn = null;
    if (!t.runs.length) return;
    for (const s of t.sent) {
      const runs = t.runs.filter((r) => r.node === s.node);
      if (runs.length) runsBySeq.set(s.seq, runs);
    }
    if (runsBySeq.size > 20_000) {
      let drop = runsBySeq.size - 18_000;
      for (const k of runsBySeq.keys()) {
        if (drop-- <= 0) break;
        runsBySeq.delete(k);
      }
    }
  };
  const thisTurn = (): NonNullable<typeof turn> => {
    if (!turn) {
      turn = { sent: [], runs: [] };
      queueMicrotask(endTurn);
    }
    return turn;
  };
  const sink: EventSink = {
    enabled: true,
    emit(ev) {
      if (ev.kind === 'script' && ev.data?.statements) thisTurn().runs.push(ev);
      events.push(ev);
      if (events.length > 12_000) events.splice(0, 2_000);
      opts.onEvent?.(ev);
    },
  };
  const timers = timerConfigOf(lab.timers);
  const live = new LiveTrace({
    name: `lab ${lab.name}`,
    format: 'live-lab',
    limit: opts.limit,
    pcap: opts.pcap ? { path: opts.pcap, maxBytes: (opts.rotateMB ?? 100) * 1024 * 1024 } : null,
  });
  const dns = new Map<string, string>();
  /** A domain's port, as its SRV record would give it (RFC 3263 §4.2): the node's own port. */
  const srv = new Map<string, number>();
  const nodeOfEndpoint = new Map<string, string>();
  const transports: RealTransport[] = [];
  const listening: LabListen[] = [];
  const elements = new Map<string, SipElement | StunServer>();
  const locations = new Map<string, LocationService>();
  const nats = new Map<string, LabNat>();
  const stepErrors: string[] = [];
  const timersSet: NodeJS.Timeout[] = [];
  let phones = 0;

  const ep = (host: string, port: number): string => `${host.toLowerCase()}|${port}`;
  const natPublic = new Map<string, string>();
  /** The hosts of the nodes behind the NAT box `nat` (and its inside address): its private realm. */
  const hostsBehind = (nat: string): Set<string> => {
    let set = realms.get(nat);
    if (!set) {
      set = new Set(
        lab.nodes
          .filter((x) => x.behind === nat && x.address)
          .map((x) => splitAddress(x.address!, 5060).host.toLowerCase()),
      );
      const box = lab.nodes.find((x) => x.name === nat);
      if (box?.inside) set.add(box.inside.toLowerCase());
      realms.set(nat, set);
    }
    return set;
  };
  const realms = new Map<string, Set<string>>();
  const nodeNameOf = (a: TransportAddress): string | null =>
    nodeOfEndpoint.get(ep(a.host, a.port)) ?? natPublic.get(a.host.toLowerCase()) ?? null;

  const record = (node: string) => (ev: WireEvent) => {
    // Only SIP goes into the trace (it starts with a letter); STUN on the SIP port does not.
    const b0 = ev.bytes[0] ?? 0;
    if (!((b0 >= 0x41 && b0 <= 0x5a) || (b0 >= 0x61 && b0 <= 0x7a))) return;
    // A TCP connection a lab node opened: its ephemeral port is that node's too (the tap reports
    // the first send when the connection is up, before the peer can read anything from it).
    if (ev.direction === 'sent' && ev.local.transport === 'TCP')
      nodeOfEndpoint.set(ep(ev.local.host, ev.local.port), node);
    const remoteNode = nodeNameOf(ev.remote);
    if (ev.direction === 'received' && remoteNode) return; // recorded when the lab node sent it
    const sent = ev.direction === 'sent';
    const from = sent ? ev.local : ev.remote;
    const to = sent ? ev.remote : ev.local;
    const seq = live.add({
      buf: ev.bytes,
      timeUs: ev.timeUs,
      srcHost: from.host,
      srcPort: from.port,
      dstHost: to.host,
      dstPort: to.port,
      transport: ev.local.transport,
      comment: sent ? `${node} -> ${remoteNode ?? 'outside'}` : `outside -> ${node}`,
    });
    if (sent) thisTurn().sent.push({ seq, node });
  };

  const location = (name: string): LocationService => {
    let l = locations.get(name);
    if (!l) {
      l = new LocationService(name, sink);
      locations.set(name, l);
    }
    return l;
  };

  // (media events are the call's: the CLI prints them with the call states)
  const media = new LabMedia(live, (node, text) =>
    sink.emit({ time: clock.now(), node, kind: 'call', text }),
  );
  /** The proxies' media relay ports (lab-relay.ts), per proxy node. */
  const relayPorts = new Map<string, LabRelayPorts>();
  const stopAll = async (): Promise<void> => {
    for (const t of timersSet) clearTimeout(t);
    clock.cancelAll();
    for (const e of elements.values()) if (e instanceof Proxy) e.closeMediaRelay();
    await Promise.all([...relayPorts.values()].map((r) => r.close()));
    await media.close();
    await Promise.all(transports.map((t) => t.close()));
    await Promise.all([...nats.values()].map((n) => n.close()));
  };

  try {
    for (const n of lab.nodes) {
      if (n.role === 'nat') continue;
      const { host, port } = splitAddress(n.address!, n.role === 'stun' ? 3478 : 5060);
      for (const d of n.domains ?? []) {
        dns.set(d.toLowerCase(), host);
        srv.set(d.toLowerCase(), port);
      }
      nodeOfEndpoint.set(ep(host, port), n.name);
    }
    // NAT boxes: real UDP relays (public side sockets opened on demand).
    for (const n of lab.nodes) {
      if (n.role !== 'nat') continue;
      const nat = new LabNat(
        {
          name: n.name,
          type: n.type ?? 'port-restricted',
          publicIp: n.public!,
          insideIp: n.inside!,
          timeout: parseDuration(n.timeout, 30 * SECOND),
          hairpin: n.hairpin ?? false,
          alg: n.alg ?? false,
          portBase: 20000 + Math.floor(Math.random() * 20000),
        },
        clock,
        sink,
        (node) => record(node),
      );
      nats.set(n.name, nat);
      natPublic.set(n.public!.toLowerCase(), n.name);
      listening.push({
        node: n.name,
        role: 'nat',
        transport: 'UDP',
        address: `${n.inside} → ${n.public}`,
        note: `${n.type ?? 'port-restricted'} NAT`,
      });
    }
    const resolve = (h: string): string => dns.get(h.toLowerCase()) ?? h;
    const resolvePort = (h: string): number | null => srv.get(h.toLowerCase()) ?? null;
    for (const n of lab.nodes) {
      if (n.role === 'nat') continue;
      const { host, port } = splitAddress(n.address!, n.role === 'stun' ? 3478 : 5060);
      const kind = n.transport ?? 'UDP';
      const tap = record(n.name);
      let tr: RealTransport;
      try {
        tr =
          kind === 'TCP'
            ? await openTcpTransport({ host, port, tap })
            : await openUdpTransport({ host, port, tap, passNonSip: n.role === 'ua' || n.role === 'stun' });
      } catch (err) {
        throw new LabError(
          `node "${n.name}": ${(err as Error).message}` +
            (/EADDRNOTAVAIL/.test((err as Error).message)
              ? ` (the address ${host} is not configured on this machine; on Linux every 127.x.y.z works, elsewhere add a loopback alias)`
              : ''),
          { cause: err },
        );
      }
      transports.push(tr);
      const behind = n.behind ? nats.get(n.behind) : undefined;
      const wired = behind
        ? behind.wrap(n.name, tr, (a) => nodeNameOf(a) === null || !isBehind(a, behind))
        : tr;
      listening.push({
        node: n.name,
        role: n.role,
        transport: kind,
        address: hostPort(host, tr.local.port),
        ...(behind ? { note: `behind NAT ${n.behind}` } : {}),
      });
      const env = { node: n.name, clock, ids, events: sink, timers, resolve, resolvePort };
      // a lab phone offers what a softphone does: PCMU, PCMA and telephone-event, rtcp-mux (lab-media.ts)
      const spec =
        n.role === 'ua' ? { ...n, codecs: n.codecs ?? [...LAB_CODECS], rtcpMux: n.rtcpMux ?? true } : n;
      // a proxy's media relay (rtpproxy_manage() in its script): real ports on its address
      const relay =
        n.role === 'proxy' || n.role === 'registrar'
          ? new LabRelayPorts(media, host, (text) =>
              sink.emit({ time: clock.now(), node: n.name, kind: 'call', text }),
            )
          : null;
      if (relay) relayPorts.set(n.name, relay);
      const el = buildElement(spec, host, env, wired, {
        location,
        ...(relay
          ? {
              bindMedia: (p: number) => relay.bind(p),
              mediaRelay: { maxSessions: LAB_RELAY_MAX_SESSIONS, logClose: true, callEvents: true },
            }
          : {}),
        fail: (message) => {
          throw new LabError(message);
        },
      });
      elements.set(n.name, el);
      if (el instanceof UserAgent) el.endedCallsKept = LAB_ENDED_CALLS_KEPT;
      if (el instanceof UserAgent)
        media.attach(
          el,
          {
            node: n.name,
            mode: n.media ?? (n.rtp === false ? 'none' : 'auto'),
            toneHz: n.toneHz ?? LAB_TONES[phones++ % LAB_TONES.length]!,
            rtcpMux: n.rtcpMux ?? true,
            ...(n.comedia ? { comedia: true } : {}),
          },
          host,
          n.mediaPort ?? 49170,
          behind
            ? {
                name: behind.name,
                port: (local, deliver) => behind.mediaPort(local, deliver),
                outside: (h) => !hostsBehind(behind.name).has(h.toLowerCase()),
              }
            : undefined,
        );
    }
  } catch (err) {
    await stopAll();
    live.close();
    throw err;
  }

  function isBehind(a: TransportAddress, nat: LabNat): boolean {
    const name = nodeNameOf(a);
    const spec = lab.nodes.find((x) => x.name === name);
    return spec?.behind === nat.name;
  }

  /** Phone `node` presses `digits` in `call` (LabHandle.dtmf, a lab file's `dtmf` step). */
  const pressKeys = (
    node: string,
    ua: UserAgent,
    call: Call | undefined,
    digits: string,
    o: LabDtmfOptions,
  ): { method: 'rfc4733' | 'info'; callId: string } => {
    if (!DTMF_DIGITS_RE.test(digits)) throw new LabError(`digits must be 1–32 of 0-9 * # A-D`);
    if (!call || !call.dialog)
      throw new LabError(`${node} has no answered call${o.callId ? ` ${o.callId}` : ''}`);
    const dur = Math.max(40, Math.min(2000, o.durationMs ?? 100));
    const pause = Math.max(60, Math.min(10_000, o.pauseMs ?? 100));
    const te = ua.negotiated(call)?.dtmf ?? null;
    const method = o.method ?? 'auto';
    if (method === 'rfc4733' && te === null)
      throw new LabError(`the call ${call.callId} did not agree telephone-event (RFC 4733): send SIP INFO`);
    if (method !== 'info' && te !== null && media.dtmf(call, digits, te, dur, pause))
      return { method: 'rfc4733', callId: call.callId };
    if (method === 'rfc4733')
      throw new LabError(
        `${node} cannot send RTP in call ${call.callId} now (no media session, held, or too many digits queued)`,
      );
    // SIP INFO, one per digit, a digit's duration and a pause apart (the de-facto dtmf-relay body)
    const dialog = call.dialog;
    [...digits.toUpperCase()].forEach((d, i) => {
      const t = setTimeout(
        () => {
          timersSet.splice(timersSet.indexOf(t), 1);
          if (!stopped && call.state === 'confirmed')
            ua.inDialog(dialog, 'INFO', [], `Signal=${d}\r\nDuration=${dur}\r\n`, 'application/dtmf-relay');
        },
        i * (dur + pause),
      );
      timersSet.push(t);
    });
    sink.emit({
      time: clock.now(),
      node,
      kind: 'call',
      text: `media: DTMF ${digits} (SIP INFO application/dtmf-relay)`,
    });
    return { method: 'info', callId: call.callId };
  };

  const runStep = (s: StepSpec): void => {
    const e = elements.get(s.node);
    sink.emit({
      time: clock.now(),
      node: s.node,
      kind: 'log',
      text: `step: ${s.action}${s.to ? ` ${s.to}` : ''}${s.digits ? ` ${s.digits}` : ''}`,
    });
    if (!(e instanceof UserAgent)) {
      stepErrors.push(`${s.node}: ${s.action} needs a user agent in the lab`);
      return;
    }
    if (s.action === 'dtmf') {
      // the lab's phones send real RTP (lab-media.ts): its keys, not the simulator's packets
      const how = dtmfHow(s);
      try {
        pressKeys(
          s.node,
          e,
          s.id ? e.findCall(s.id, []) : e.calls.findLast((c) => c.state === 'confirmed'),
          s.digits ?? '',
          {
            method: how.method,
            durationMs: how.durationMs,
            pauseMs: how.pauseMs,
          },
        );
      } catch (err) {
        if (!(err instanceof LabError)) throw err;
        stepErrors.push(`${s.node}: dtmf: ${err.message}`);
      }
      return;
    }
    const r = runUaStep(e, s, ids);
    if (r === 'unsupported')
      stepErrors.push(
        `${s.node}: ${s.action} is not available in the lab (it changes the simulated network)`,
      );
    else if (r === 'nothing') stepErrors.push(`${s.node}: ${s.action} had nothing to act on`);
  };

  if (opts.steps ?? true)
    for (const s of lab.steps ?? []) {
      const t = setTimeout(() => runStep(s), parseDuration(s.at, 0) / 1000);
      timersSet.push(t);
    }

  let stopped = false;
  return {
    name: lab.name,
    lab,
    listening,
    live,
    elements,
    events,
    stepErrors,
    scriptRunsOf: (seq) => runsBySeq.get(seq) ?? [],
    media: () => {
      const info = media.info();
      for (const p of info.phones) {
        const ua = elements.get(p.node);
        if (ua instanceof UserAgent) p.calls = ua.callCounts();
      }
      const relays = [...elements]
        .filter((x): x is [string, Proxy] => x[1] instanceof Proxy)
        .flatMap(([node, p]) => p.relayInfo().map((r) => ({ node, ...r })));
      return relays.length ? { ...info, relays } : info;
    },
    dtmf: (node, digits, o = {}) => {
      const ua = elements.get(node);
      if (!(ua instanceof UserAgent)) throw new LabError(`no phone "${node}" in the lab`);
      const call = o.callId
        ? ua.calls.find((c) => c.callId === o.callId && c.state === 'confirmed')
        : ua.calls.findLast((c) => c.state === 'confirmed');
      return pressKeys(node, ua, call, digits, o);
    },
    ua: (name) => {
      const e = elements.get(name);
      return e instanceof UserAgent ? e : undefined;
    },
    locations: () => {
      const now = clock.now();
      const out: LabBinding[] = [];
      for (const [node, l] of locations)
        for (const b of l.all(now))
          out.push({
            node,
            aor: b.aor,
            contact: b.contact,
            expires: Math.max(0, Math.ceil((b.expiresAt - now) / SECOND)),
            q: b.q,
            received: b.received ? `${b.received.host}:${b.received.port}` : null,
          });
      return out;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await stopAll();
      live.close();
    },
  };
}
