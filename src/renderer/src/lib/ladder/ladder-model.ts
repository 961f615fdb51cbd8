/**
 * Ladder layout: lanes (one per host:port, in order of first appearance) and one arrow per message.
 * Pure data; the component draws it with d3.
 */
import type { MessageRow } from '@shared/api';

export interface LadderArrow {
  id: number;
  from: number;
  to: number;
  label: string;
  kind: MessageRow['kind'];
  status: number | null;
  time: number;
  delta: number;
  hasBody: boolean;
  retransmission: boolean;
  transaction: string | null;
  dialog: string | null;
}

export interface LadderModel {
  lanes: string[];
  arrows: LadderArrow[];
}

/**
 * @param laneOrder addresses to put first, in this order (a scenario's nodes), when they appear.
 */
export function buildLadder(messages: readonly MessageRow[], laneOrder: readonly string[] = []): LadderModel {
  const seen = new Set<string>();
  for (const m of messages) seen.add(m.src).add(m.dst);
  const lanes: string[] = laneOrder.filter((a) => seen.has(a));
  const lane = (addr: string): number => {
    let i = lanes.indexOf(addr);
    if (i < 0) i = lanes.push(addr) - 1;
    return i;
  };
  let prev: number | null = null;
  const arrows = messages.map((m) => {
    const from = lane(m.src);
    const to = lane(m.dst);
    const delta = prev === null ? 0 : m.time - prev;
    prev = m.time;
    const label =
      m.kind === 'request'
        ? (m.method ?? '?')
        : m.kind === 'response'
          ? `${m.status ?? '?'} ${m.reason ?? ''}`.trim()
          : 'malformed';
    return {
      id: m.id,
      from,
      to,
      label,
      kind: m.kind,
      status: m.status,
      time: m.time,
      delta,
      hasBody: m.hasBody,
      retransmission: m.retransmission,
      transaction: m.transaction,
      dialog: m.dialog,
    };
  });
  return { lanes, arrows };
}
