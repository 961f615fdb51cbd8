/**
 * What went wrong in one call, for the summary above its ladder: the diagnostics of its messages
 * (the analysis rules' and the message checks'), one line per code with how many messages have it
 * and the first of them, errors first. The diagnostics come with each message's detail, so only the
 * flagged messages are asked for, at most `MAX_FLAGGED` of them.
 */
import type { DiagnosticDto, MessageRow } from '@shared/api';

/** Most flagged messages whose diagnostics one summary asks for (a retransmission storm has many). */
export const MAX_FLAGGED = 60;

export interface CallProblem {
  code: string;
  severity: DiagnosticDto['severity'];
  /** The first message's text of it. */
  message: string;
  rfc: string | null;
  /** Messages that have it (of those asked). */
  count: number;
  /** The first message that has it. */
  firstId: number;
}

const RANK = { error: 0, warning: 1, info: 2 } as const;

/** The flagged messages of a call, in order, at most `MAX_FLAGGED`. */
export function flaggedIds(messages: readonly MessageRow[]): { ids: number[]; more: boolean } {
  const ids: number[] = [];
  let more = false;
  for (const m of messages) {
    if (m.diagnostics === 0) continue;
    if (ids.length === MAX_FLAGGED) {
      more = true;
      break;
    }
    ids.push(m.id);
  }
  return { ids, more };
}

/** One line per code, errors first, then the most messages, then in order of first appearance. */
export function groupProblems(
  found: readonly { id: number; diagnostics: readonly DiagnosticDto[] }[],
): CallProblem[] {
  const byCode = new Map<string, CallProblem>();
  /** The last message counted for each code (a message with a code twice counts once). */
  const lastId = new Map<string, number>();
  for (const { id, diagnostics } of found)
    for (const d of diagnostics) {
      if (lastId.get(d.code) === id) continue;
      lastId.set(d.code, id);
      const p = byCode.get(d.code);
      if (p) p.count++;
      else
        byCode.set(d.code, {
          code: d.code,
          severity: d.severity,
          message: d.message,
          rfc: d.rfc,
          count: 1,
          firstId: id,
        });
    }
  return [...byCode.values()].sort(
    (a, b) => RANK[a.severity] - RANK[b.severity] || b.count - a.count || a.firstId - b.firstId,
  );
}
