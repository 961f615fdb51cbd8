/**
 * Compiles a filter expression and runs it on messages or calls. `compileFilter` never throws: a bad
 * expression gives `{ ok: false, error: { message, column } }`.
 * On a call, `call.*` fields read the call summary; any other comparison holds when some message of
 * the call satisfies it ("calls with a 503 somewhere": `sip.status == 503`).
 */
import { callRtpField } from '../../media/media-json';
import { analyzerDtmf, callDtmfField } from '../../media/dtmf';
import { callId } from '../call/call';
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

/** What a filter is tested on (one message, or one call): does some value of `field` satisfy `p`? */
interface Subject {
  any(field: string, isCall: boolean, p: Pred): boolean;
}

type Evaluator = (s: Subject) => boolean;

function build(node: FilterNode): Evaluator {
  switch (node.type) {
    case 'or': {
      const l = build(node.left);
      const r = build(node.right);
      return (s) => l(s) || r(s);
    }
    case 'and': {
      const l = build(node.left);
      const r = build(node.right);
      return (s) => l(s) && r(s);
    }
    case 'not': {
      const e = build(node.expr);
      return (s) => !e(s);
    }
    default: {
      const p = predicate(node);
      const field = node.field;
      const isCall = field.startsWith('call.');
      return (s) => s.any(field, isCall, p);
    }
  }
}

/** One message: its fields read once each, through {@link MessageFields}. */
class MessageSubject implements Subject {
  a: TraceAnalyzer | null = null;
  id = 0;
  #fields: MessageFields | null = null;
  readonly #callOf = (root: number): CallSummary => this.a!.callSummary(root);
  reset(a: TraceAnalyzer, id: number): this {
    this.a = a;
    this.id = id;
    this.#fields = null;
    return this;
  }
  any(field: string, _isCall: boolean, p: Pred): boolean {
    this.#fields ??= new MessageFields(this.a!, this.id, this.#callOf);
    return p(this.#fields.get(field));
  }
}

/**
 * One call: `call.*` fields from its summary (the analyzer caches summaries), other fields hold when
 * some message of the call satisfies them. Nothing is allocated per call unless a message field is read.
 */
class CallSubject implements Subject {
  a: TraceAnalyzer | null = null;
  root = 0;
  #summary: CallSummary | null = null;
  #ids: number[] | null = null;
  readonly #callOf = (root: number): CallSummary => this.a!.callSummary(root);
  reset(a: TraceAnalyzer, root: number): this {
    this.a = a;
    this.root = root;
    this.#summary = null;
    this.#ids = null;
    return this;
  }
  any(field: string, isCall: boolean, p: Pred): boolean {
    const a = this.a!;
    if (isCall) {
      if (field.startsWith('call.rtp')) return p(callRtpField(a, callId(this.root), field));
      if (field.startsWith('call.dtmf'))
        return p(callDtmfField(analyzerDtmf(a, callId).get(callId(this.root)), field));
      return p(callField((this.#summary ??= a.callSummary(this.root)), field));
    }
    this.#ids ??= a.callMessageIds(this.root);
    for (const id of this.#ids) if (p(new MessageFields(a, id, this.#callOf).get(field))) return true;
    return false;
  }
}

/** Compiles a filter; errors carry the 1-based column. */
export function compileFilter(text: string): CompileResult {
  const parsed = parseFilter(text);
  if (!parsed.ok) return parsed;
  const err = validate(parsed.ast);
  if (err) return { ok: false, error: err };
  const ev = build(parsed.ast);
  // One subject of each kind per compiled filter, reset for each test (evaluation never re-enters).
  const message = new MessageSubject();
  const call = new CallSubject();
  const filter: CompiledFilter = {
    text,
    ast: parsed.ast,
    matchMessage: (a, id) => ev(message.reset(a, id)),
    matchCall: (a, root) => ev(call.reset(a, root)),
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
