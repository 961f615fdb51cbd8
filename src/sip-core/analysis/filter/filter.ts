/**
 * Compiles a filter expression and runs it on messages or calls. `compileFilter` never throws: a bad
 * expression gives `{ ok: false, error: { message, column } }`.
 * On a call, `call.*` fields read the call summary; any other comparison holds when some message of
 * the call satisfies it ("calls with a 503 somewhere": `sip.status == 503`).
 */
import { compileScriptRegex, testScriptRegex } from '../../script/regex';
import type { CallSummary, TraceAnalyzer } from '../analyzer';
import { inCidr } from '../address';
import { callField, type FieldValue, FIELDS, isKnownField, MessageFields } from './fields';
import { type FilterError, type FilterNode, parseFilter } from './parse';

export interface CompiledFilter {
  readonly text: string;
  readonly ast: FilterNode;
  /** Does message `id` match? */
  matchMessage(a: TraceAnalyzer, id: number): boolean;
  /** Does the call (root group) match? */
  matchCall(a: TraceAnalyzer, root: number): boolean;
}

export type CompileResult = { ok: true; filter: CompiledFilter } | { ok: false; error: FilterError };

type Pred = (v: FieldValue) => boolean;

function scalarMatch(v: FieldValue, p: (x: string | number | boolean) => boolean): boolean {
  if (v === null) return false;
  if (Array.isArray(v)) return v.some((x) => scalarMatch(x, p));
  return p(v);
}

function validate(node: FilterNode): FilterError | null {
  switch (node.type) {
    case 'or':
    case 'and':
      return validate(node.left) ?? validate(node.right);
    case 'not':
      return validate(node.expr);
    default:
      if (!isKnownField(node.field)) return { message: `unknown field "${node.field}"`, column: node.column };
      if (node.type === 'compare' && node.op === 'matches') {
        const r = compileScriptRegex(String(node.value));
        if (!r.ok) return { message: `bad regular expression: ${r.error}`, column: node.column };
      }
      if (
        node.type === 'compare' &&
        FIELDS[node.field]?.type === 'number' &&
        typeof node.value !== 'number' &&
        (node.op === '==' || node.op === '!=')
      ) {
        return { message: `"${node.field}" is a number`, column: node.column };
      }
      return null;
  }
}

function predicate(node: Extract<FilterNode, { type: 'compare' | 'exists' }>): Pred {
  if (node.type === 'exists') {
    return (v) => (Array.isArray(v) ? v.length > 0 : v !== null && v !== false && v !== 0 && v !== '');
  }
  const { op, value } = node;
  const isAddr = FIELDS[node.field]?.type === 'address';
  switch (op) {
    case '==':
      if (isAddr && typeof value === 'string' && value.includes('/'))
        return (v) => scalarMatch(v, (x) => inCidr(String(x), value));
      return (v) =>
        scalarMatch(v, (x) =>
          typeof value === 'number' && typeof x === 'number' ? x === value : String(x) === String(value),
        );
    case '!=':
      // Wireshark semantics for multi-valued fields ("!=" means no value equals): ip.addr != X excludes both directions.
      return (v) => v !== null && !scalarMatch(v, (x) => String(x) === String(value));
    case '<':
      return (v) => scalarMatch(v, (x) => typeof x === 'number' && x < (value as number));
    case '<=':
      return (v) => scalarMatch(v, (x) => typeof x === 'number' && x <= (value as number));
    case '>':
      return (v) => scalarMatch(v, (x) => typeof x === 'number' && x > (value as number));
    case '>=':
      return (v) => scalarMatch(v, (x) => typeof x === 'number' && x >= (value as number));
    case 'contains': {
      const needle = String(value);
      return (v) => scalarMatch(v, (x) => String(x).includes(needle));
    }
    case 'matches': {
      const r = compileScriptRegex(String(value));
      const re = r.ok ? r.re : /$^/;
      return (v) => scalarMatch(v, (x) => testScriptRegex(re, String(x)));
    }
  }
}

type Evaluator = (get: (field: string) => FieldValue, any: (field: string, p: Pred) => boolean) => boolean;

function build(node: FilterNode): Evaluator {
  switch (node.type) {
    case 'or': {
      const l = build(node.left);
      const r = build(node.right);
      return (g, a) => l(g, a) || r(g, a);
    }
    case 'and': {
      const l = build(node.left);
      const r = build(node.right);
      return (g, a) => l(g, a) && r(g, a);
    }
    case 'not': {
      const e = build(node.expr);
      return (g, a) => !e(g, a);
    }
    default: {
      const p = predicate(node);
      const field = node.field;
      return (_g, any) => any(field, p);
    }
  }
}

/** Compiles a filter; errors carry the 1-based column. */
export function compileFilter(text: string): CompileResult {
  const parsed = parseFilter(text);
  if (!parsed.ok) return parsed;
  const err = validate(parsed.ast);
  if (err) return { ok: false, error: err };
  const ev = build(parsed.ast);
  const summaries = new WeakMap<TraceAnalyzer, { n: number; map: Map<number, CallSummary> }>();
  const callOf = (a: TraceAnalyzer, root: number): CallSummary => {
    let c = summaries.get(a);
    if (!c || c.n !== a.trace.count) {
      c = { n: a.trace.count, map: new Map() };
      summaries.set(a, c);
    }
    let s = c.map.get(root);
    if (!s) {
      s = a.callSummary(root);
      c.map.set(root, s);
    }
    return s;
  };
  const filter: CompiledFilter = {
    text,
    ast: parsed.ast,
    matchMessage(a, id) {
      const mf = new MessageFields(a, id, (r) => callOf(a, r));
      const get = (f: string): FieldValue => mf.get(f);
      return ev(get, (f, p) => p(get(f)));
    },
    matchCall(a, root) {
      const s = callOf(a, root);
      let ids: number[] | null = null;
      const any = (f: string, p: Pred): boolean => {
        if (f.startsWith('call.')) return p(callField(s, f));
        ids ??= a.callMessageIds(root);
        for (const id of ids) {
          const mf = new MessageFields(a, id, (r) => callOf(a, r));
          if (p(mf.get(f))) return true;
        }
        return false;
      };
      return ev((f) => (f.startsWith('call.') ? callField(s, f) : null), any);
    },
  };
  return { ok: true, filter };
}

/** Ids of the messages that match `expr` (all of them for an empty expression). */
export function filterMessages(
  a: TraceAnalyzer,
  expr: string,
): { ok: true; ids: number[] } | { ok: false; error: FilterError } {
  const out: number[] = [];
  if (expr.trim() === '') {
    for (let i = 0; i < a.trace.count; i++) out.push(i);
    return { ok: true, ids: out };
  }
  const c = compileFilter(expr);
  if (!c.ok) return c;
  for (let i = 0; i < a.trace.count; i++) if (c.filter.matchMessage(a, i)) out.push(i);
  return { ok: true, ids: out };
}
