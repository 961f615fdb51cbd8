/**
 * The calls list's problems: which diagnostics its calls have, by code — the analysis rules' and the
 * message checks' (parser, lint, capture pipeline) — with the rule's title and RFC section, so an
 * engineer sees at a glance what went wrong in a capture and, with one click, the calls it went wrong
 * in (`sip.diagnostic == "code"` selects exactly those calls: every diagnostic is on a message of its
 * call; a media rule's is the call's, `call.rtp.problem == "code"`).
 */
import type { AnalysisDiagnostic } from '../../sip-core/analysis';
import { RULES_BY_CODE } from '../../sip-core/analysis';
import { messageDiagnosticRule } from '../../sip-core/message/diagnostic-codes';
import { MEDIA_RULES_BY_CODE } from '../../sip-core/media/call-media';
import type { ProblemCount } from '../../shared/api';

const RANK = { error: 0, warning: 1, info: 2 } as const;

/** The diagnostic codes of each call (by call id, `C3`), each code once per call. */
export function codesByCall(diagnostics: readonly AnalysisDiagnostic[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const d of diagnostics) {
    if (!d.call) continue;
    const codes = out.get(d.call);
    if (!codes) out.set(d.call, [d.code]);
    else if (!codes.includes(d.code)) codes.push(d.code);
  }
  return out;
}

type ProblemRule = Pick<ProblemCount, 'severity' | 'title' | 'rfc'>;

/** The rule that names `code`: an analysis rule, a message check, a media rule or one of `others`. */
function ruleOf(code: string, others: ReadonlyMap<string, ProblemRule>): ProblemRule | undefined {
  return (
    RULES_BY_CODE.get(code) ??
    messageDiagnosticRule(code) ??
    MEDIA_RULES_BY_CODE.get(code) ??
    others.get(code)
  );
}

/**
 * The calls list's Diag order (`sort: 'diagnostics'`): a rank per call, its worst diagnostic's — 0 an
 * error, 1 a warning, 2 info — and 3 for a call without any; a call whose count says it has
 * diagnostics of no known code ranks as a warning. The list sorts by rank, then as it is by start,
 * so that its first row is the most broken call.
 */
export function severityRanks(
  byCall: ReadonlyMap<string, readonly string[]>,
  calls: readonly { readonly id: string; readonly diagnostics: number }[],
  others: ReadonlyMap<string, ProblemRule> = new Map(),
): Map<string, number> {
  const out = new Map<string, number>();
  for (const c of calls) {
    let rank: number = c.diagnostics > 0 ? RANK.warning : RANK.info + 1;
    const codes = byCall.get(c.id);
    if (codes?.length) {
      rank = RANK.info;
      for (const code of codes) rank = Math.min(rank, RANK[ruleOf(code, others)?.severity ?? 'warning']);
    }
    out.set(c.id, rank);
  }
  return out;
}

/** How many of `calls` have each code: errors first, then the most calls, then by code. */
export function countProblems(
  byCall: ReadonlyMap<string, readonly string[]>,
  calls: readonly { readonly id: string }[],
  /** Codes no catalogue lists (the capture pipeline's), as their first diagnostic described them. */
  others: ReadonlyMap<string, ProblemRule> = new Map(),
): ProblemCount[] {
  const n = new Map<string, number>();
  if (byCall.size > 0)
    for (const c of calls) for (const code of byCall.get(c.id) ?? []) n.set(code, (n.get(code) ?? 0) + 1);
  const out: ProblemCount[] = [];
  for (const [code, count] of n) {
    const media = MEDIA_RULES_BY_CODE.get(code);
    const rule = ruleOf(code, others);
    out.push({
      code,
      severity: rule?.severity ?? 'warning',
      title: rule?.title ?? code,
      rfc: rule?.rfc ?? null,
      calls: count,
      filter: media ? `call.rtp.problem == "${code}"` : `sip.diagnostic == "${code}"`,
    });
  }
  return out.sort(
    (a, b) => RANK[a.severity] - RANK[b.severity] || b.calls - a.calls || (a.code < b.code ? -1 : 1),
  );
}
