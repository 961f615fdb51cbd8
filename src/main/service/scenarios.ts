/**
 * Scenarios for the UI: the built-in library and runs of the simulator. A run's trace is opened
 * like a capture, so the calls list, ladder and inspector all work on it.
 */
import { readFileSync } from 'node:fs';
import {
  ApiError,
  type MediaStreamDto,
  type ScenarioInfo,
  type ScenarioRunResult,
  type ScenarioStreamDto,
  type SimEventDto,
} from '../../shared/api';
import {
  Simulation,
  checkExpectations,
  loadScenario,
  simulationTrace,
  type Scenario,
} from '../../sip-core/sim';
import { routingScriptOf } from '../../sip-core/sim/scripts';
import type { WirePacket } from '../../sip-core/sim/network';
import { RtpTracker } from '../../sip-core/media/rtp-streams';
import type { Trace } from '../../sip-core/trace/trace';
import { listLibrary, resolveScenario } from '../cli/commands/simulate';

/** Most element events one run sends to the UI. */
const MAX_EVENTS = 20_000;

export function scenarioLibrary(): ScenarioInfo[] {
  return listLibrary();
}

/** The YAML of a built-in scenario. */
export function scenarioText(name: string): string {
  if (!/^[\w.-]+$/.test(name)) throw new ApiError('bad-request', `not a scenario name: ${name}`);
  const file = resolveScenario(name);
  if (!file) throw new ApiError('not-found', `no built-in scenario named "${name}"`);
  return readFileSync(file, 'utf8');
}

export interface ScenarioRun extends Omit<ScenarioRunResult, 'capture' | 'media'> {
  /** The run's SIP messages, with its RTP streams attached (`trace.media`) when there are any. */
  trace: Trace | null;
  name: string;
  /** The run's RTP packets in send order (dropped ones too), for {@link scenarioStreams}. */
  rtp: WirePacket[];
}

/** `a|port|b|port|ssrc`: one RTP stream (as the capture path keys them). */
function streamKey(src: string, srcPort: number, dst: string, dstPort: number, ssrc: number): string {
  return `${src}|${srcPort}|${dst}|${dstPort}|${ssrc}`;
}

const ssrcOf = (b: Uint8Array): number => ((b[8]! << 24) | (b[9]! << 16) | (b[10]! << 8) | b[11]!) >>> 0;

/**
 * Attaches the run's RTP to its trace as a capture's (`trace.media`, media/rtp-streams.ts), so the
 * calls' media verdicts, the media rules and the ladder's streams work on a simulated run as on a
 * capture. Every packet is counted at its send time, as on its sender's wire (a dropped one too: it
 * left the sender); frame numbers are those of `simulate --pcap` (SIP and RTP in send order).
 */
export function attachSimulatedMedia(trace: Trace, wire: readonly WirePacket[]): void {
  const tracker = new RtpTracker();
  const names: string[] = [];
  const ids = new Map<string, number>();
  const id = (h: string): number => {
    let i = ids.get(h);
    if (i === undefined) {
      i = names.length;
      names.push(h);
      ids.set(h, i);
    }
    return i;
  };
  let any = false;
  wire.forEach((p, i) => {
    if (p.kind !== 'rtp') return;
    any = true;
    const b = p.bytes;
    tracker.datagram(id(p.from.host), p.from.port, id(p.to.host), p.to.port, b, 0, b.length, p.sentAt, i + 1);
  });
  if (any) trace.media = tracker.snapshot(names);
}

/**
 * The run's streams (`streams`: the capture figures, joined to the calls) with how many of each
 * stream's packets the network dropped and why.
 */
export function scenarioStreams(
  streams: readonly MediaStreamDto[],
  rtp: readonly WirePacket[],
): ScenarioStreamDto[] {
  const drops = new Map<string, { dropped: number; reason: string }>();
  for (const p of rtp) {
    if (p.dropped === null || p.bytes.length < 12) continue;
    const k = streamKey(p.from.host, p.from.port, p.to.host, p.to.port, ssrcOf(p.bytes));
    const d = drops.get(k);
    if (d) d.dropped++;
    else drops.set(k, { dropped: 1, reason: p.dropped });
  }
  return streams.map((s) => {
    const d = drops.get(streamKey(s.src, s.srcPort, s.dst, s.dstPort, Number.parseInt(s.ssrc.slice(2), 16)));
    return { ...s, dropped: d?.dropped ?? 0, dropReason: d?.reason ?? null };
  });
}

/** Runs a scenario to its end on the virtual clock; never throws for a bad scenario (errors say where). */
export function runScenario(o: {
  name?: string;
  yaml?: string;
  fileName?: string;
  seed?: number;
}): ScenarioRun {
  const yaml = o.yaml ?? scenarioText(o.name ?? '');
  const name = o.name ?? o.fileName ?? 'scenario.yaml';
  const loaded = loadScenario(yaml);
  const empty = {
    nodes: [],
    events: [],
    expectations: [],
    stepErrors: [],
    seed: o.seed ?? 0,
    about: null,
    rtp: [],
  };
  if (!loaded.scenario) {
    return {
      ...empty,
      name,
      trace: null,
      errors: loaded.errors.map((e) => ({ message: e.message, line: e.line, col: e.col, path: e.path })),
    };
  }
  const sc = loaded.scenario;
  const about = {
    title: sc.title ?? '',
    description: sc.description.trim(),
    teaches: sc.teaches?.trim() || null,
  };
  let sim: Simulation;
  try {
    sim = new Simulation(loaded.scenario, o.seed !== undefined ? { seed: o.seed } : {});
    sim.run();
  } catch (err) {
    return {
      ...empty,
      about,
      name,
      trace: null,
      errors: [{ message: err instanceof Error ? err.message : String(err), line: 0, col: 0, path: '' }],
    };
  }
  const events: SimEventDto[] = sim.eventList.slice(0, MAX_EVENTS).map((e) => ({
    time: e.time / 1e6,
    node: e.node,
    kind: e.kind,
    text: e.text,
    ...(e.data ? { data: e.data } : {}),
  }));
  const trace = simulationTrace(sim);
  const wire = sim.wirePackets;
  attachSimulatedMedia(trace, wire);
  return {
    name: loaded.scenario.name ?? name,
    trace,
    rtp: wire.filter((p) => p.kind === 'rtp'),
    errors: [],
    about,
    nodes: sim.nodes.map((n) => ({
      name: n.name,
      role: n.role,
      address: n.address,
      public: n.public ?? null,
      script: routingScript(sc, n.name),
    })),
    events,
    expectations: checkExpectations(sim).map((r) => ({ what: r.what, ok: r.ok, detail: r.detail ?? null })),
    stepErrors: [...sim.stepErrors],
    seed: sim.seed,
  };
}

/** The routing script node `name` of `sc` runs (proxies and registrars), as its source text. */
export function routingScript(sc: Scenario, name: string): string | null {
  const spec = sc.nodes.find((n) => n.name === name);
  return spec ? routingScriptOf(spec) : null;
}
