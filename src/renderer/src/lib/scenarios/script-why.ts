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
import type {
  ScenarioNodeDto,
  ScriptRunView,
  ScriptStatement,
  ScriptWhy,
  SimEventDto,
} from '../../../../shared/api';
import { runMadeMessage, type MessageKey } from '../../../../shared/script-run';

export type { ScriptRunView, ScriptStatement, ScriptWhy } from '../../../../shared/api';

/** The message a step sent, as far as this needs it. */
export interface SentMessage extends MessageKey {
  src: string;
  time: number;
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
    const run = runMadeMessage(e, msg);
    if (run) runs.push(run);
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
