/**
 * What a simulation produces: the flow lines (`A -> B: INVITE`), a trace of the same shape as a
 * capture (trace contract) with `srcNode`/`dstNode` per message, a readable text ladder, and the
 * expectation checks that turn a scenario into a test.
 */
import { carriesSdp, parseMessage } from '../message';
import { Trace } from '../trace/trace';
import { toTraceJson, type TraceJson, type TraceMessageJson } from '../trace/trace-json';
import type { ElementEvent } from '../elements/events';
import { UserAgent } from '../elements/ua/user-agent';
import type { WirePacket } from './network';
import type { Simulation, SimNodeInfo } from './simulator';

const dec = new TextDecoder();

/** `INVITE` for requests, `200` for responses. */
export function packetLabel(p: WirePacket): string {
  const head = dec.decode(p.bytes.subarray(0, Math.min(64, p.bytes.length)));
  if (head.startsWith('SIP/2.0 ')) return head.slice(8, 11);
  return head.slice(0, head.indexOf(' '));
}

/** Full first line without `SIP/2.0` (for ladders): `INVITE sip:bob@b` / `180 Ringing`. */
function firstLine(p: WirePacket): string {
  const head = dec.decode(p.bytes.subarray(0, Math.min(200, p.bytes.length)));
  const l = head.slice(0, head.indexOf('\r\n'));
  return l.startsWith('SIP/2.0 ') ? l.slice(8) : l.replace(/ SIP\/2\.0$/, '');
}

/** `text` wrapped at `width` columns, each line indented by `indent`. */
function wrap(text: string, width: number, indent: string): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && indent.length + line.length + 1 + word.length > width) {
      out.push(indent + line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) out.push(indent + line);
  return out;
}

export function flowLines(sim: Simulation): string[] {
  return sim.sipPackets.map((p) => `${p.fromNode} -> ${p.toNode}: ${packetLabel(p)}`);
}

/** The trace (same model as captures); messages in send order, frame numbers 1..n. */
export function simulationTrace(sim: Simulation): Trace {
  const addresses: string[] = [''];
  const ids = new Map<string, number>();
  const addr = (h: string): number => {
    let i = ids.get(h);
    if (i === undefined) {
      i = addresses.length;
      addresses.push(h);
      ids.set(h, i);
    }
    return i;
  };
  const packets = sim.sipPackets;
  const last = packets[packets.length - 1];
  const trace = new Trace(null, addresses, {
    name: sim.scenario.name,
    format: 'simulation',
    frames: packets.length,
    bytes: packets.reduce((n, p) => n + p.bytes.length, 0),
    firstTime: packets.length ? packets[0]!.sentAt / 1e6 : null,
    lastTime: last ? last.sentAt / 1e6 : null,
    duration: last ? (last.sentAt - packets[0]!.sentAt) / 1e6 : null,
  });
  packets.forEach((p, i) => {
    const msg = parseMessage(p.bytes);
    trace.append(p.bytes, 0, p.bytes.length, msg, {
      frameNo: i + 1,
      timeUs: p.sentAt,
      src: addr(p.from.host),
      srcPort: p.from.port,
      dst: addr(p.to.host),
      dstPort: p.to.port,
      transport: p.from.transport,
      reassembly: 'none',
      rawOffset: -1,
      frames: [{ frameNo: i + 1, recordOffset: -1, recordLength: 0 }],
      diagnostics: null,
    });
  });
  return trace;
}

export interface SimulationJson extends Omit<TraceJson, 'messages'> {
  messages: (TraceMessageJson & { srcNode: string; dstNode: string; dropped: string | null })[];
  nodes: SimNodeInfo[];
  seed: number;
  events: ElementEvent[];
  expectations: ExpectationResult[];
}

export function simulationJson(sim: Simulation): SimulationJson {
  const trace = simulationTrace(sim);
  const j = toTraceJson(trace);
  const packets = sim.sipPackets;
  return {
    ...j,
    messages: j.messages.map((m, i) => ({
      ...m,
      srcNode: packets[i]!.fromNode,
      dstNode: packets[i]!.toNode,
      dropped: packets[i]!.dropped,
    })),
    nodes: sim.nodes,
    seed: sim.seed,
    events: sim.eventList,
    expectations: checkExpectations(sim),
  };
}

/** A readable ladder: one column per node that sends or receives, one row per message. */
export function textLadder(sim: Simulation, opts: { events?: boolean } = {}): string {
  const packets = sim.sipPackets;
  const used = new Set<string>();
  for (const p of packets) {
    used.add(p.fromNode);
    used.add(p.toNode);
  }
  const cols = sim.scenario.nodes.map((n) => n.name).filter((n) => used.has(n));
  for (const n of used) if (!cols.includes(n)) cols.push(n);
  const W = Math.max(24, ...cols.map((c) => c.length + 2));
  const x = (i: number): number => 10 + i * W + Math.floor(W / 2);
  const width = 10 + cols.length * W;
  const lines: string[] = [];
  const header = ' '.repeat(10).split('');
  const hdr = new Array<string>(width).fill(' ');
  cols.forEach((c, i) => {
    const s = x(i) - Math.floor(c.length / 2);
    for (let k = 0; k < c.length; k++) hdr[s + k] = c[k]!;
  });
  lines.push(`${sim.scenario.title ?? sim.scenario.name}  (seed ${sim.seed})`);
  // The story and what it teaches, so a student reads the ladder knowing what to look for.
  const storyWidth = Math.max(72, Math.min(width, 100));
  lines.push(...wrap(sim.scenario.description, storyWidth, '  '));
  if (sim.scenario.teaches) lines.push(...wrap(`Teaches: ${sim.scenario.teaches}`, storyWidth, '  '));
  lines.push('');
  lines.push(hdr.join('').trimEnd());
  const addrs = new Array<string>(width).fill(' ');
  cols.forEach((c, i) => {
    const info = sim.nodes.find((n) => n.name === c);
    const a = info ? (info.public ? `${info.public}` : info.address) : '';
    const s = x(i) - Math.floor(a.length / 2);
    for (let k = 0; k < a.length; k++) if (s + k >= 0) addrs[s + k] = a[k]!;
  });
  lines.push(addrs.join('').trimEnd());
  void header;
  const bar = (): string[] => {
    const row = new Array<string>(width).fill(' ');
    cols.forEach((_, i) => (row[x(i)] = '|'));
    return row;
  };
  const events = opts.events
    ? sim.eventList.filter(
        (e) =>
          // Timers that fired (starts and cancels are in the JSON and the player, not the text ladder).
          (e.kind === 'timer' && (e.data?.action ?? 'fire') === 'fire') ||
          e.kind === 'nat-drop' ||
          e.kind === 'lost' ||
          // the NAT and STUN stories: which public address a binding got (and for whom, behind a
          // symmetric NAT), and what STUN told the phone; neither is a SIP message of the ladder
          e.kind === 'nat-binding' ||
          e.kind === 'stun' ||
          (e.kind === 'dispatcher' && e.data?.['ladder'] === true) ||
          (e.kind === 'log' && (e.text.startsWith('STUN: ') || e.data?.['ladder'] === true)),
      )
    : [];
  let ei = 0;
  const eventsUpTo = (t: number): void => {
    while (ei < events.length && events[ei]!.time <= t) {
      const e = events[ei++]!;
      lines.push(`${(e.time / 1e6).toFixed(3).padStart(8)}  ~ ${e.node}: ${e.text}`);
    }
  };
  for (const p of packets) {
    eventsUpTo(p.sentAt);
    const a = cols.indexOf(p.fromNode);
    const b = cols.indexOf(p.toNode);
    const row = bar();
    const lo = Math.min(x(a), x(b));
    const hi = Math.max(x(a), x(b));
    for (let k = lo + 1; k < hi; k++) row[k] = '-';
    if (b > a) row[hi - 1] = '>';
    else row[lo + 1] = '<';
    let label = firstLine(p);
    if (p.dropped) label += ` (lost: ${p.dropped})`;
    const room = hi - lo - 4;
    if (label.length > room) label = label.split(' ')[0]!;
    if (!p.dropped && carriesSdp(parseMessage(p.bytes)) && label.length + 6 <= room) label += ' (SDP)';
    if (p.dropped && label.length + 8 <= room) label += ' (lost)';
    if (label.length > room) label = label.slice(0, Math.max(0, room - 1)) + '…';
    const s = lo + 2 + Math.max(0, Math.floor((room - label.length) / 2));
    for (let k = 0; k < label.length; k++) row[s + k] = label[k]!;
    if (p.dropped) row[b > a ? hi - 1 : lo + 1] = 'x';
    const t = (p.sentAt / 1e6).toFixed(3).padStart(8);
    lines.push(`${t}  ${row.join('').slice(10).trimEnd()}`);
  }
  eventsUpTo(Infinity); // timers that fire after the last message (Timer K, J, D...)
  return lines.join('\n');
}

export interface ExpectationResult {
  what: string;
  ok: boolean;
  detail?: string;
}

/** Checks the scenario's `expect:` block. */
export function checkExpectations(sim: Simulation): ExpectationResult[] {
  const ex = sim.scenario.expect;
  const out: ExpectationResult[] = [];
  if (!ex) return out;
  const flow = flowLines(sim);
  if (ex.flow) {
    const ok = ex.flow.length === flow.length && ex.flow.every((l, i) => l === flow[i]);
    let detail: string | undefined;
    if (!ok) {
      const i = ex.flow.findIndex((l, k) => l !== flow[k]);
      const at = i < 0 ? Math.min(ex.flow.length, flow.length) : i;
      detail = `first difference at message ${at + 1}: expected "${ex.flow[at] ?? '(end)'}", got "${flow[at] ?? '(end)'}" (${flow.length} messages, expected ${ex.flow.length})`;
    }
    out.push({ what: 'flow', ok, ...(detail ? { detail } : {}) });
  }
  if (ex.contains) {
    let k = 0;
    for (const l of flow) if (k < ex.contains.length && l === ex.contains[k]) k++;
    out.push({
      what: 'contains',
      ok: k === ex.contains.length,
      ...(k < ex.contains.length ? { detail: `missing (in order): "${ex.contains[k]}"` } : {}),
    });
  }
  for (const a of ex.absent ?? []) out.push({ what: `absent ${a}`, ok: !flow.includes(a) });
  if (ex.messages !== undefined)
    out.push({ what: 'messages', ok: flow.length === ex.messages, detail: `${flow.length} messages` });
  for (const c of ex.calls ?? []) {
    const ua = sim.ua(c.node);
    const call = ua ? ua.calls[c.index ?? ua.calls.length - 1] : undefined;
    const probs: string[] = [];
    if (!call) probs.push('no call');
    else {
      if (c.state !== undefined && call.state !== c.state)
        probs.push(`state ${call.state}, expected ${c.state}`);
      if (c.status !== undefined && call.status !== c.status)
        probs.push(`status ${call.status}, expected ${c.status}`);
      if (c.media !== undefined && call.mediaReceived > 0 !== c.media)
        probs.push(`media received ${call.mediaReceived > 0}, expected ${c.media}`);
    }
    out.push({
      what: `call ${c.node}#${c.index ?? 'last'}`,
      ok: probs.length === 0,
      ...(probs.length ? { detail: probs.join('; ') } : {}),
    });
  }
  for (const r of ex.registrations ?? []) {
    const ua = sim.ua(r.node);
    const reg = ua?.registration;
    const probs: string[] = [];
    if (!reg) probs.push('not a UA');
    else {
      if (r.state !== undefined && reg.state !== r.state)
        probs.push(`state ${reg.state}, expected ${r.state}`);
      if (r.status !== undefined && reg.status !== r.status)
        probs.push(`status ${reg.status}, expected ${r.status}`);
    }
    out.push({
      what: `registration ${r.node}`,
      ok: probs.length === 0,
      ...(probs.length ? { detail: probs.join('; ') } : {}),
    });
  }
  for (const r of ex.results ?? []) {
    const el = sim.element(r.node);
    const ua = el instanceof UserAgent ? el : null;
    const more = ua?.resultsDropped ? `, and ${ua.resultsDropped} more` : '';
    out.push({
      what: `result ${r.node} ${r.includes}`,
      ok: ua?.hasResult(r.includes) ?? false,
      detail: (ua?.results ?? []).join(', ') + more,
    });
  }
  const texts = sim.eventList.map((e) => `${e.node}: ${e.text}`);
  for (const re of ex.events ?? []) {
    const rx = new RegExp(re);
    out.push({ what: `event /${re}/`, ok: texts.some((t) => rx.test(t)) });
  }
  for (const re of ex.noEvents ?? []) {
    const rx = new RegExp(re);
    out.push({ what: `no event /${re}/`, ok: !texts.some((t) => rx.test(t)) });
  }
  if (sim.stepErrors.length) out.push({ what: 'steps', ok: false, detail: sim.stepErrors.join('; ') });
  return out;
}
