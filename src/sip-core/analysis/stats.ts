/**
 * Capture statistics, as Wireshark's Telephony → SIP Statistics gives them and a little more: messages
 * by kind, transport, method and status code, retransmissions; for a set of calls their states, final
 * codes and the spread of post-dial delay, setup time and duration. Message counts come from the
 * trace's columns (no parse: a 2 M-message trace in milliseconds); call figures from the call
 * summaries the calls list already holds.
 */
import { reasonPhrase } from '../message/reason-phrases';
import type { Trace } from '../trace/trace';
import type { CallStats, MessageStats, Spread } from '../../shared/capture-stats';

export type { CallStats, MessageStats, Spread } from '../../shared/capture-stats';

/** The spread of these values, null when there are none (NaN and infinities are left out). */
export function spread(values: readonly number[]): Spread | null {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const rank = (p: number): number => v[Math.min(v.length - 1, Math.max(0, Math.ceil(p * v.length) - 1))]!;
  return { n: v.length, median: rank(0.5), p95: rank(0.95), max: v[v.length - 1]! };
}

function mostFirst<K extends string>(
  m: Map<string, number>,
  key: K,
): ({ count: number } & Record<K, string>)[] {
  return [...m]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .map(([k, count]) => ({ [key]: k, count }) as { count: number } & Record<K, string>);
}

/** Message counts of the whole trace, from its columns. */
export function messageStats(trace: Trace, retransmissions: number | null = null): MessageStats {
  let requests = 0;
  let responses = 0;
  let invalid = 0;
  const methods = new Map<number, number>();
  const statuses = new Map<number, number>();
  const transports = new Map<string, number>();
  for (let id = 0; id < trace.count; id++) {
    const kind = trace.kind(id);
    if (kind === 'request') {
      requests++;
      const k = trace.methodKey(id);
      methods.set(k, (methods.get(k) ?? 0) + 1);
    } else if (kind === 'response') {
      responses++;
      const s = trace.status(id) ?? 0;
      statuses.set(s, (statuses.get(s) ?? 0) + 1);
    } else invalid++;
    const tr = trace.transport(id);
    transports.set(tr, (transports.get(tr) ?? 0) + 1);
  }
  const byMethodName = new Map<string, number>();
  for (const [k, n] of methods) {
    const name = trace.methodName(k) ?? '?';
    byMethodName.set(name, (byMethodName.get(name) ?? 0) + n);
  }
  return {
    messages: trace.count,
    requests,
    responses,
    invalid,
    byTransport: mostFirst(transports, 'transport'),
    byMethod: mostFirst(byMethodName, 'method'),
    byStatus: [...statuses]
      .sort((a, b) => a[0] - b[0])
      .map(([status, count]) => ({ status, reason: reasonPhrase(status), count })),
    retransmissions,
  };
}

/** What call statistics read of a call (the calls list's row has it). */
export interface CallFigures {
  type: string;
  state: string;
  finalStatus: number | null;
  /** Seconds. */
  pdd: number | null;
  setupTime: number | null;
  duration: number | null;
}

export function callStats(calls: readonly CallFigures[]): CallStats {
  const states = new Map<string, number>();
  const types = new Map<string, number>();
  const finals = new Map<number, number>();
  const pdd: number[] = [];
  const setup: number[] = [];
  const duration: number[] = [];
  for (const c of calls) {
    states.set(c.state, (states.get(c.state) ?? 0) + 1);
    types.set(c.type, (types.get(c.type) ?? 0) + 1);
    if (c.type === 'call') {
      const f = c.finalStatus ?? -1;
      finals.set(f, (finals.get(f) ?? 0) + 1);
    }
    if (c.pdd !== null) pdd.push(c.pdd);
    if (c.setupTime !== null) setup.push(c.setupTime);
    if (c.duration !== null) duration.push(c.duration);
  }
  return {
    calls: calls.length,
    byState: mostFirst(states, 'state'),
    byType: mostFirst(types, 'type'),
    byFinal: [...finals]
      .sort((a, b) => a[0] - b[0])
      .map(([f, count]) =>
        f < 0
          ? { status: null, reason: 'no final response', count }
          : { status: f, reason: reasonPhrase(f), count },
      ),
    pdd: spread(pdd),
    setupTime: spread(setup),
    duration: spread(duration),
  };
}
