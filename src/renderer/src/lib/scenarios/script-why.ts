/**
 * Why an element sent a message: the routing script runs that made it. In a simulation an element
 * handles a message at the instant it arrives and sends what it decides at that same virtual
 * instant, so the runs of the sender's script at the message's time, for its Call-ID, are the
 * ones that produced it (a request forwarded by `t_relay()`, a reply by `sl_send_reply()` or
 * `save()`, a new branch from a `failure_route`), if they ran for the request the message is or
 * answers (not tm's hop-by-hop ACK for the 486 a failure_route runs on at that instant). A
 * response a stateful proxy merely relays has no run at its instant (unless an `onreply_route`
 * ran): then there is nothing to show.
 */
import type { ScenarioNodeDto, SimEventDto } from '../../../../shared/api';

/** One statement the script ran, as the proxy's `script` event carries it. */
export interface ScriptStatement {
  line: number;
  text: string;
  /** A call's return code, an `if`'s condition, an assignment's value; null for exit/drop/break. */
  result: unknown;
}

export interface ScriptRunView {
  /** `request_route on INVITE: end`. */
  label: string;
  statements: ScriptStatement[];
}

export interface ScriptWhy {
  node: string;
  /** The script's source text. */
  text: string;
  runs: ScriptRunView[];
}

/** The message a step sent, as far as this needs it. */
export interface SentMessage {
  src: string;
  time: number;
  callId: string | null;
  /** A request's method (null for a response). */
  method: string | null;
  /** The method in CSeq (a response's request). */
  cseqMethod: string | null;
}

/** Events and message times are virtual seconds; equal instants can differ by float rounding. */
const SAME_INSTANT = 1e-7;

export function scriptWhy(
  nodes: readonly ScenarioNodeDto[],
  events: readonly SimEventDto[],
  msg: SentMessage,
): ScriptWhy | null {
  const node = nodes.find((n) => n.address === msg.src || n.public === msg.src);
  if (!node?.script || msg.callId === null) return null;
  const runs: ScriptRunView[] = [];
  for (const e of events) {
    if (e.time > msg.time + SAME_INSTANT) break;
    if (e.kind !== 'script' || e.node !== node.name || msg.time - e.time > SAME_INSTANT) continue;
    const d = e.data;
    if (!d || d.callId !== msg.callId || !Array.isArray(d.statements)) continue;
    // A run is about one request (its method in every route kind): it makes requests of that
    // method and replies to it — not, say, the hop-by-hop ACK tm sends for the 486 a failure_route
    // runs on at the same instant.
    if (d.method !== (msg.method ?? msg.cseqMethod)) continue;
    runs.push({ label: e.text, statements: d.statements as ScriptStatement[] });
  }
  return runs.length ? { node: node.name, text: node.script, runs } : null;
}

/** A statement's result as the script language writes it: `1`, `-1`, `true`, `"text"`; '' for none. */
export function resultText(r: unknown): string {
  if (r === null || r === undefined) return '';
  if (typeof r === 'string') return JSON.stringify(r.length > 40 ? `${r.slice(0, 39)}…` : r);
  return String(r);
}

/**
 * Kamailio's reading of a result: a positive return code (or a true condition) is success, a
 * negative one (or false) failure; 0 ends the script (`exit`). Null when the statement has none.
 */
export function resultSense(r: unknown): 'ok' | 'fail' | 'stop' | null {
  if (typeof r === 'boolean') return r ? 'ok' : 'fail';
  if (typeof r === 'number') return r > 0 ? 'ok' : r < 0 ? 'fail' : 'stop';
  return null;
}

/** Per script line, the statements run on it, in the order they ran (a line may run several). */
export function statementsByLine(run: ScriptRunView): Map<number, ScriptStatement[]> {
  const m = new Map<number, ScriptStatement[]>();
  for (const s of run.statements) {
    const list = m.get(s.line);
    if (list) list.push(s);
    else m.set(s.line, [s]);
  }
  return m;
}
