/**
 * Which routing-script runs made a message, once the runs are narrowed to the sender's own at the
 * moment it sent it (the scenario player: the same virtual instant; the lab: the same handling of
 * one datagram or timer). Shared by the scenario player (renderer) and the lab (main process).
 */
import type { ScriptRunView, ScriptStatement } from './api';

/** A `script` event as elements emit it (element events and their DTOs both fit). */
export interface ScriptEventLike {
  kind: string;
  text: string;
  data?: Record<string, unknown> | null;
}

/** The message, as far as the match needs it. */
export interface MessageKey {
  callId: string | null;
  /** A request's method (null for a response). */
  method: string | null;
  /** The method in CSeq (a response's request). */
  cseqMethod: string | null;
}

/**
 * The run `e` as the Script tab shows it when it ran for `msg`'s Call-ID and its request, else null.
 * A run is about one request (its method in every route kind): it makes requests of that method and
 * replies to it — not, say, the hop-by-hop ACK tm sends for the 486 a failure_route runs on.
 */
export function runMadeMessage(e: ScriptEventLike, msg: MessageKey): ScriptRunView | null {
  const d = e.data;
  if (e.kind !== 'script' || !d || msg.callId === null || d.callId !== msg.callId) return null;
  if (!Array.isArray(d.statements)) return null;
  if (d.method !== (msg.method ?? msg.cseqMethod)) return null;
  return { label: e.text, statements: d.statements as ScriptStatement[] };
}
