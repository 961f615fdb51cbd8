/**
 * Reason (RFC 3326 §2) and Warning (RFC 3261 §20.43).
 * `Reason = reason-value *(COMMA reason-value)`, `reason-value = protocol *(SEMI reason-params)`;
 * `warning-value = warn-code SP warn-agent SP warn-text` with a 3-digit warn-code.
 */
import type { Diagnostic, Span } from '../../diagnostic';
import { getParam, type Param } from '../params';
import { lower, parseUint, scanQuoted, skipWs } from './chars';
import { diag, type Decoded } from './decoded';
import { scanTokenItems } from './list';

export interface ReasonValue {
  /** `SIP`, `Q.850`, or an extension (as written). */
  protocol: string;
  cause: number | null;
  text: string | null;
  params: Param[];
  span: Span;
}

/** Reason — RFC 3326 §2. */
export function parseReason(value: string): Decoded<ReasonValue[]> {
  const diags: Diagnostic[] = [];
  const items = scanTokenItems(value, 'Reason', '3326 §2', diags, false);
  const out: ReasonValue[] = [];
  for (const it of items) {
    const c = getParam(it.params, 'cause');
    let cause: number | null = null;
    if (typeof c === 'string') {
      const n = parseUint(c, 0, c.length);
      if (Number.isNaN(n))
        diags.push(diag('reason-bad-cause', `Reason cause "${c}" is not a number.`, '3326 §2', it.span));
      else cause = n;
    } else {
      diags.push(
        diag(
          'reason-missing-cause',
          `Reason "${it.value}" has no cause parameter.`,
          '3326 §2',
          it.span,
          'warning',
        ),
      );
    }
    const t = getParam(it.params, 'text');
    out.push({
      protocol: it.value,
      cause,
      text: typeof t === 'string' ? t : null,
      params: it.params,
      span: it.span,
    });
  }
  return { value: out, diagnostics: diags };
}

export interface WarningValue {
  code: number;
  /** warn-agent: hostport or pseudonym. */
  agent: string;
  text: string;
  span: Span;
}

/** Warning — RFC 3261 §20.43 (RFC 4475 §3.1.2.5: a 4-digit code is flagged). */
export function parseWarning(value: string): Decoded<WarningValue[]> {
  const diags: Diagnostic[] = [];
  const out: WarningValue[] = [];
  const end = value.length;
  const q = { text: '' };
  let i = 0;
  while (true) {
    i = skipWs(value, i, end);
    if (i >= end) break;
    const start = i;
    let k = i;
    while (k < end && value.charCodeAt(k) >= 48 && value.charCodeAt(k) <= 57) k++;
    const code = parseUint(value, i, k);
    if (k - i !== 3) {
      diags.push(
        diag('warning-code-invalid', `warn-code "${value.slice(i, k)}" is not 3 digits.`, '3261 §20.43', {
          start: i,
          end: k,
        }),
      );
    }
    let a = skipWs(value, k, end);
    const aStart = a;
    while (a < end) {
      const c = value.charCodeAt(a);
      if (c === 32 || c === 9 || c === 34 || c === 44) break;
      a++;
    }
    const agent = value.slice(aStart, a);
    a = skipWs(value, a, end);
    let text = '';
    if (a < end && value.charCodeAt(a) === 34) {
      const after = scanQuoted(value, a, end, q);
      text = q.text;
      if (after < 0) {
        diags.push(diag('warning-bad-text', 'Unterminated warn-text.', '3261 §20.43', { start: a, end }));
        a = end;
      } else a = after;
    } else {
      diags.push(
        diag('warning-bad-text', 'warn-text must be a quoted string.', '3261 §20.43', {
          start: a,
          end: Math.min(end, a + 1),
        }),
      );
    }
    if (agent.length === 0)
      diags.push(diag('warning-bad-agent', 'Warning has no warn-agent.', '3261 §20.43', { start, end: a }));
    if (!Number.isNaN(code)) out.push({ code, agent, text, span: { start, end: a } });
    a = skipWs(value, a, end);
    if (a < end && value.charCodeAt(a) !== 44) {
      let m = a;
      while (m < end && value.charCodeAt(m) !== 44) m++;
      diags.push(
        diag('header-trailing-garbage', `Unexpected text "${value.slice(a, m)}" in Warning.`, '3261 §20.43', {
          start: a,
          end: m,
        }),
      );
      a = m;
    }
    if (a >= end) break;
    i = a + 1;
  }
  if (out.length === 0 && diags.length === 0)
    diags.push(diag('header-empty', 'Empty Warning.', '3261 §20.43', { start: 0, end }));
  return { value: out, diagnostics: diags };
}

/** Priority — RFC 3261 §20.26: emergency / urgent / normal / non-urgent / other-priority. */
export function parsePriority(value: string): Decoded<string> {
  const diags: Diagnostic[] = [];
  const items = scanTokenItems(value, 'Priority', '3261 §20.26', diags, false);
  if (items.length > 1)
    diags.push(diag('multiple-values', 'Priority carries more than one value.', '3261 §20.26'));
  return { value: items.length ? lower(items[0]!.value) : null, diagnostics: diags };
}
