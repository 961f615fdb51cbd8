/**
 * The user's corrections of the calls (issue #5: "each link carries its reason and a confidence; the
 * user can split or join"): joins and splits named by the legs' Call-IDs, so that they stay true when
 * the same capture is analysed again (call numbers follow the links, Call-IDs do not).
 */
import type { TraceAnalyzer } from '../analyzer';

/** A join of two calls or a split of the link between two legs, by the legs' Call-IDs. */
export interface CallEdit {
  op: 'join' | 'split';
  a: string;
  b: string;
}

/**
 * The Call-ID of the leg `ref` names: `C3` (the third Call-ID group, the number it has as a call of
 * its own) or a Call-ID the trace has; null when there is none.
 */
export function legCallId(an: TraceAnalyzer, ref: string): string | null {
  const m = /^C(\d+)$/.exec(ref);
  if (m) {
    const g = an.groups[Number(m[1]) - 1];
    if (g) return g.callId;
  }
  return an.groupOf(ref) >= 0 ? ref : null;
}

/** The same pair of legs, in either order. */
export function samePair(x: CallEdit, a: string, b: string): boolean {
  return (x.a === a && x.b === b) || (x.a === b && x.b === a);
}

/**
 * Adds an edit to a list where the latest edit of a pair wins: the former edit of the same pair
 * goes. Returns the new list.
 */
export function withEdit(list: readonly CallEdit[], edit: CallEdit): CallEdit[] {
  return [...list.filter((x) => !samePair(x, edit.a, edit.b)), edit];
}

/** Applies edits in order (Call-IDs the trace does not have: a split is kept for them, a join is not). */
export function applyCallEdits(an: TraceAnalyzer, edits: readonly CallEdit[]): void {
  for (const e of edits) {
    if (e.op === 'join') an.join(e.a, e.b);
    else an.split(e.a, e.b);
  }
}

/**
 * The splits that detach leg `callId` from its call: one per link that touches it (by the other
 * leg's Call-ID), as the calls are now.
 */
export function detachLeg(an: TraceAnalyzer, callId: string): CallEdit[] {
  const root = an.resolveCall(callId);
  if (root < 0) return [];
  const out: CallEdit[] = [];
  for (const l of an.callSummary(root).links) {
    const other = l.a === callId ? l.b : l.b === callId ? l.a : null;
    if (other !== null && !out.some((x) => samePair(x, callId, other)))
      out.push({ op: 'split', a: callId, b: other });
  }
  return out;
}
