/**
 * The ladder (sequence diagram) model of one call: lanes by host:port in order of appearance and
 * one arrow per message with its transaction/dialog ids, retransmission flag and times. Every export
 * (SVG, Mermaid, PlantUML, text) and the UI draw from this model.
 */
import type { TraceAnalyzer } from '../analyzer';

export interface LadderLane {
  /** `host:port` (IPv6 in brackets). */
  id: string;
  label: string;
}

export interface LadderArrow {
  /** Message id in the trace. */
  id: number;
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
  call: string;
  callIds: string[];
  lanes: LadderLane[];
  arrows: LadderArrow[];
}

/** Builds the ladder of a call (`C3` or a Call-ID); null when the call is unknown. Cost: the call's messages. */
export function ladderModel(a: TraceAnalyzer, call: string): LadderModel | null {
  const root = a.resolveCall(call);
  if (root < 0) return null;
  const t = a.trace;
  const ids = a.callMessageIds(root);
  const lanes: LadderLane[] = [];
  const laneIdx = new Map<string, number>();
  const lane = (hp: string): number => {
    let i = laneIdx.get(hp);
    if (i === undefined) {
      i = lanes.length;
      lanes.push({ id: hp, label: hp });
      laneIdx.set(hp, i);
    }
    return i;
  };
  const arrows: LadderArrow[] = [];
  const t0 = ids.length > 0 ? t.timeUs(ids[0]!) : 0;
  let prev = t0;
  for (const id of ids) {
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
      sdp: m.bodyLength > 0 && (m.contentType ?? '').toLowerCase().includes('sdp'),
      diagnostics: f.diagnostics,
    });
    prev = us;
  }
  const s = a.callSummary(root);
  return { call: s.id, callIds: s.callIds, lanes, arrows };
}
