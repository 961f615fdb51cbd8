/**
 * The ladder (sequence diagram) model of one call, or of several calls merged in trace order (e.g.
 * the legs of a B2BUA the user picked together): lanes by host:port in order of appearance and one
 * arrow per message with its call, transaction/dialog ids, retransmission flag and times. Every
 * export (SVG, Mermaid, PlantUML, text) draws from this model.
 */
import { roleLabel, type LaneRole } from '../../../shared/lane-roles';
import { carriesSdp } from '../../message';
import type { TraceAnalyzer } from '../analyzer';
import { laneRoles, traceProxies } from './roles';

export interface LadderLane {
  /** `host:port` (IPv6 in brackets). */
  id: string;
  label: string;
  /** What the lane is (caller, proxy, callee…: `laneRoles`), null when its messages do not tell. */
  role: LaneRole | null;
  /** The role as it reads (`caller · alice`), null without one. */
  caption: string | null;
}

export interface LadderArrow {
  /** Message id in the trace. */
  id: number;
  /** The call this message belongs to (`C3`): one of {@link LadderModel.calls}. */
  call: string;
  frame: number;
  from: number;
  to: number;
  /** `INVITE`, `180 Ringing`... */
  label: string;
  kind: 'request' | 'response' | 'invalid';
  method: string | null;
  status: number | null;
  /** Epoch seconds; seconds since the first arrow; seconds since the previous arrow. */
  time: number;
  relative: number;
  delta: number;
  transaction: string | null;
  dialog: string | null;
  retransmission: boolean;
  /** Seconds since the previous copy, for retransmissions. */
  retransmissionInterval: number | null;
  /** SDP in the body. */
  sdp: boolean;
  diagnostics: string[];
}

export interface LadderModel {
  /** The call (`C3`); for several calls, their ids joined with ` + `. */
  call: string;
  /** The calls drawn, in the order asked (one for a single-call ladder). */
  calls: string[];
  /** Every Call-ID of the calls drawn. */
  callIds: string[];
  lanes: LadderLane[];
  arrows: LadderArrow[];
}

/**
 * Builds the ladder of a call (`C3` or a Call-ID), or of several calls merged in trace order; null
 * when a call is unknown (or none is given). A call named twice is drawn once. Cost: the calls' messages.
 */
export function ladderModel(a: TraceAnalyzer, call: string | readonly string[]): LadderModel | null {
  const asked = typeof call === 'string' ? [call] : call;
  const roots: number[] = [];
  for (const c of asked) {
    const root = a.resolveCall(c);
    if (root < 0) return null;
    if (!roots.includes(root)) roots.push(root);
  }
  if (roots.length === 0) return null;
  const summaries = roots.map((r) => a.callSummary(r));
  const t = a.trace;
  // Each call's message ids are in trace order: merge them (a message belongs to one call).
  let ids: number[] = [];
  let owner: number[] = [];
  roots.forEach((root, k) => {
    const own = a.callMessageIds(root);
    const mergedIds: number[] = [];
    const mergedOwner: number[] = [];
    let i = 0;
    let j = 0;
    while (i < ids.length || j < own.length) {
      if (j >= own.length || (i < ids.length && ids[i]! < own[j]!)) {
        mergedIds.push(ids[i]!);
        mergedOwner.push(owner[i++]!);
      } else {
        mergedIds.push(own[j++]!);
        mergedOwner.push(k);
      }
    }
    ids = mergedIds;
    owner = mergedOwner;
  });
  const lanes: LadderLane[] = [];
  const laneIdx = new Map<string, number>();
  const lane = (hp: string): number => {
    let i = laneIdx.get(hp);
    if (i === undefined) {
      i = lanes.length;
      lanes.push({ id: hp, label: hp, role: null, caption: null });
      laneIdx.set(hp, i);
    }
    return i;
  };
  const arrows: LadderArrow[] = [];
  const t0 = ids.length > 0 ? t.timeUs(ids[0]!) : 0;
  let prev = t0;
  ids.forEach((id, k) => {
    const m = t.message(id);
    const us = t.timeUs(id);
    const f = a.messageFields(id);
    const r = a.retransmission(id);
    const label =
      m.kind === 'request'
        ? (m.method ?? '?')
        : m.kind === 'response'
          ? `${m.status} ${m.reason ?? ''}`.trim()
          : 'invalid';
    arrows.push({
      id,
      call: summaries[owner[k]!]!.id,
      frame: t.frame(id),
      from: lane(t.src(id)),
      to: lane(t.dst(id)),
      label,
      kind: m.kind,
      method: m.kind === 'request' ? m.method : m.cseqMethod,
      status: m.status,
      time: Math.floor(us) / 1e6,
      relative: (us - t0) / 1e6,
      delta: (us - prev) / 1e6,
      transaction: f.transaction,
      dialog: f.dialog,
      retransmission: f.retransmission,
      retransmissionInterval: r ? r.intervalUs / 1e6 : null,
      sdp: carriesSdp(m),
      diagnostics: f.diagnostics,
    });
    prev = us;
  });
  for (const r of laneRoles(t, ids, traceProxies(t))) {
    const l = lanes[laneIdx.get(r.address) ?? -1];
    if (l) {
      l.role = r;
      l.caption = roleLabel(r);
    }
  }
  const calls = summaries.map((s) => s.id);
  return { call: calls.join(' + '), calls, callIds: summaries.flatMap((s) => s.callIds), lanes, arrows };
}
