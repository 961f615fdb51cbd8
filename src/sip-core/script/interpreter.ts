/**
 * Interpreter of loaded routing scripts. It does no SIP itself: every pseudo-variable and core
 * function goes to the {@link ScriptHost} the element implements. Every executed statement is
 * recorded ({@link ExecutedStatement}), so the UI can show which script lines produced each
 * message. Execution is bounded: a step budget and a `route()` recursion limit.
 */
import type { Expr, RouteBlock, RouteKind, ScriptValue, Stmt } from './ast';
import { MAIN_ROUTE } from './ast';
import type { CallContext, ScriptState } from './functions';
import { FUNCTIONS, callFunction, newScriptState } from './functions';
import type { ScriptHost, ScriptResult } from './host';
import type { LoadedScript } from './parser';
import { compileScriptRegex, testScriptRegex } from './regex';

/** One executed statement (or function call inside a condition). */
export interface ExecutedStatement {
  /** Block it ran in, as written: `request_route`, `route[RELAY]`, `failure_route[MANAGE_FAILURE]`. */
  route: string;
  line: number;
  col: number;
  /** Source text of the statement (for `if`: the head `if (...)`). */
  text: string;
  kind: 'call' | 'if' | 'while' | 'switch' | 'assign' | 'exit' | 'drop' | 'break' | 'return' | 'limit';
  /** Call: its return code; if/while: the condition; assign: the value; switch: the subject. */
  result: ScriptValue | boolean;
  /** route() nesting depth (0 in the block that was run). */
  depth: number;
  note?: string;
}

/**
 * How a run ended. `end`: fell off the end or `return` in the top block; `exit`: `exit` or a
 * function returning 0; `drop`: `drop` (for replies: do not forward; for requests: stop).
 */
export type RunOutcome =
  'end' | 'exit' | 'drop' | 'step-limit' | 'depth-limit' | 'no-such-route' | 'host-error';

export interface ScriptRun {
  kind: RouteKind;
  name: string;
  outcome: RunOutcome;
  /** Value of the top-level `return` (1 when none). */
  returnCode: number;
  records: ExecutedStatement[];
  steps: number;
  /** Caller's identifier of the message the run was for (e.g. trace message id). */
  messageId?: string | number;
  /** Explanation for `host-error`, `step-limit`, `depth-limit`, `no-such-route`. */
  error?: string;
}

export interface RunOptions {
  /** Flags, `$var`, `$avp` to use (and keep) across runs; a fresh one otherwise. */
  state?: ScriptState;
  /** Maximum statements + calls per run (default 10,000). */
  maxSteps?: number;
  /** Maximum `route()` nesting (default 64). */
  maxDepth?: number;
  /** Set false to skip recording (benchmarks); default true. */
  record?: boolean;
  messageId?: string | number;
}

type Flow = 'normal' | 'break' | 'return';

/** Thrown by `exit`, `drop` and functions returning 0, anywhere; caught by {@link ScriptInterpreter.run}. */
class End {
  constructor(readonly outcome: 'exit' | 'drop') {}
}

class Stop {
  constructor(
    readonly outcome: RunOutcome,
    readonly error: string,
  ) {}
}

const dynamicRegexCache = new Map<string, RegExp | string>();
const DYNAMIC_REGEX_CACHE_MAX = 256;

const routeLabel = (kind: RouteKind, name: string): string => {
  if (name === MAIN_ROUTE)
    return kind === 'request' ? 'request_route' : kind === 'reply' ? 'reply_route' : `${kind}_route`;
  return kind === 'request'
    ? `route[${name}]`
    : kind === 'reply'
      ? `onreply_route[${name}]`
      : `${kind}_route[${name}]`;
};

/** Binds a loaded script to a host; one instance per element. */
export class ScriptInterpreter<M> {
  constructor(
    readonly script: LoadedScript,
    readonly host: ScriptHost<M>,
  ) {}

  /** True when the script has the given block. */
  has(kind: RouteKind, name: string = MAIN_ROUTE): boolean {
    return this.script.routes[kind].has(name);
  }

  /** Runs `request_route` for a request. */
  runRequest(msg: M, options?: RunOptions): ScriptRun {
    return this.run('request', MAIN_ROUTE, msg, options);
  }

  /** Runs `failure_route[name]` (armed by `t_on_failure`). */
  runFailure(name: string, msg: M, options?: RunOptions): ScriptRun {
    return this.run('failure', name, msg, options);
  }

  /** Runs `onreply_route[name]`, or the global `reply_route` when name is omitted. */
  runReply(msg: M, name?: string, options?: RunOptions): ScriptRun {
    return name === undefined
      ? this.run('reply', MAIN_ROUTE, msg, options)
      : this.run('onreply', name, msg, options);
  }

  /** Runs `branch_route[name]` (armed by `t_on_branch`) for one outgoing branch. */
  runBranch(name: string, msg: M, options?: RunOptions): ScriptRun {
    return this.run('branch', name, msg, options);
  }

  /** Runs any block. Never throws: host exceptions end the run with outcome `host-error`. */
  run(kind: RouteKind, name: string, msg: M, options: RunOptions = {}): ScriptRun {
    const block = this.script.routes[kind].get(name);
    const exec = new Execution(this.host, msg, this.script, options);
    const result: ScriptRun = { kind, name, outcome: 'end', returnCode: 1, records: exec.records, steps: 0 };
    if (options.messageId !== undefined) result.messageId = options.messageId;
    if (!block) {
      result.outcome = 'no-such-route';
      result.error = `${routeLabel(kind, name)} is not defined`;
      return result;
    }
    try {
      exec.runBlock(block, 0);
      result.returnCode = exec.returnCode;
    } catch (e) {
      if (e instanceof End) result.outcome = e.outcome;
      else if (e instanceof Stop) {
        result.outcome = e.outcome;
        result.error = e.error;
      } else {
        result.outcome = 'host-error';
        result.error = e instanceof Error ? e.message : String(e);
      }
    }
    result.steps = exec.steps;
    return result;
  }
}

/** A `note` callback appending to `notes` (returned, not a named arrow: no `__name()` under tsx). */
function noteInto(notes: string[]): (t: string) => void {
  return (t) => void notes.push(t);
}

class Execution<M> {
  readonly records: ExecutedStatement[] = [];
  steps = 0;
  returnCode = 1;
  private depth = 0;
  private routeName = '';
  private readonly state: ScriptState;
  private readonly maxSteps: number;
  private readonly maxDepth: number;
  private readonly record: boolean;
  private readonly notes: string[] = [];
  /** One call context per run, re-filled for each call (avoids an allocation per call). */
  private readonly ctx: { -readonly [K in keyof CallContext<M>]: CallContext<M>[K] };

  constructor(
    private readonly host: ScriptHost<M>,
    private readonly msg: M,
    private readonly script: LoadedScript,
    options: RunOptions,
  ) {
    this.state = options.state ?? newScriptState();
    this.maxSteps = options.maxSteps ?? 10_000;
    this.maxDepth = options.maxDepth ?? 64;
    this.record = options.record ?? true;
    this.ctx = { host, msg, args: [], state: this.state, note: noteInto(this.notes) };
  }

  runBlock(block: RouteBlock, depth: number): Flow {
    const saved = this.routeName;
    const savedDepth = this.depth;
    this.routeName = routeLabel(block.kind, block.name);
    this.depth = depth;
    this.returnCode = 1;
    try {
      const flow = this.stmts(block.body);
      return flow;
    } finally {
      this.routeName = saved;
      this.depth = savedDepth;
    }
  }

  private rec(
    s: { pos: { line: number; col: number } },
    text: string,
    kind: ExecutedStatement['kind'],
    result: ScriptValue | boolean,
    note?: string,
  ): ExecutedStatement | null {
    if (!this.record) return null;
    const r: ExecutedStatement = {
      route: this.routeName,
      line: s.pos.line,
      col: s.pos.col,
      text,
      kind,
      result,
      depth: this.depth,
    };
    if (note) r.note = note;
    this.records.push(r);
    return r;
  }

  private tick(at: { pos: { line: number; col: number } }, text: string): void {
    if (++this.steps > this.maxSteps) {
      this.rec(at, text, 'limit', null, `step limit ${this.maxSteps} reached`);
      throw new Stop('step-limit', `more than ${this.maxSteps} steps (an endless loop?)`);
    }
  }

  private stmts(list: readonly Stmt[]): Flow {
    for (const s of list) {
      const flow = this.stmt(s);
      if (flow !== 'normal') return flow;
    }
    return 'normal';
  }

  private stmt(s: Stmt): Flow {
    this.tick(s, s.text);
    switch (s.type) {
      case 'call':
        this.call(s.call);
        return 'normal';
      case 'if': {
        const c = this.truthy(s.cond);
        this.rec(s, s.text, 'if', c);
        if (c) return this.stmts(s.then);
        return s.else ? this.stmts(s.else) : 'normal';
      }
      case 'while': {
        for (;;) {
          const c = this.truthy(s.cond);
          this.rec(s, s.text, 'while', c);
          if (!c) return 'normal';
          const flow = this.stmts(s.body);
          if (flow === 'break') return 'normal';
          if (flow !== 'normal') return flow;
          this.tick(s, s.text);
        }
      }
      case 'switch': {
        const v = this.value(s.subject);
        this.rec(s, s.text, 'switch', v);
        let matched = false;
        for (const c of s.cases) {
          if (!matched) matched = c.values === null ? false : c.values.some((x) => looseEquals(v, x));
          if (matched) {
            const flow = this.stmts(c.body);
            if (flow === 'break') return 'normal';
            if (flow !== 'normal') return flow;
          }
        }
        if (!matched) {
          const def = s.cases.findIndex((c) => c.values === null);
          if (def >= 0)
            for (const c of s.cases.slice(def)) {
              const flow = this.stmts(c.body);
              if (flow === 'break') return 'normal';
              if (flow !== 'normal') return flow;
            }
        }
        return 'normal';
      }
      case 'assign': {
        const v = this.value(s.value);
        const ok = this.setPv(s.target.name, s.target.arg, v);
        this.rec(s, s.text, 'assign', v, ok ? undefined : `$${s.target.name} was not set by this element`);
        return 'normal';
      }
      case 'return': {
        const v = s.value ? this.value(s.value) : 1;
        this.returnCode = toInt(v);
        this.rec(s, s.text, 'return', this.returnCode);
        return 'return';
      }
      case 'exit':
      case 'drop':
        this.rec(s, s.text, s.type, null);
        throw new End(s.type);
      case 'break':
        this.rec(s, s.text, s.type, null);
        return 'break';
    }
  }

  /** Runs a call and returns its integer result; a result of 0 ends the script (Kamailio rule). */
  private call(c: Extract<Expr, { type: 'call' }>): number {
    const text = c.text;
    this.tick(c, text);
    const record = this.rec(c, text, 'call', null);
    if (c.name === 'route') {
      const name = String(this.value(c.args[0]!) ?? '');
      const block = this.script.routes.request.get(name);
      if (!block) throw new Stop('no-such-route', `route[${name}] is not defined`);
      if (this.depth + 1 > this.maxDepth) {
        this.rec(c, text, 'limit', null, `route() nesting limit ${this.maxDepth} reached`);
        throw new Stop('depth-limit', `route() nested more than ${this.maxDepth} deep (endless recursion?)`);
      }
      try {
        this.runBlock(block, this.depth + 1);
      } catch (e) {
        if (record && e instanceof End) record.result = e.outcome;
        throw e;
      }
      const rc = this.returnCode;
      if (record) record.result = rc;
      this.state.vars.set('\u0000rc', rc);
      return rc;
    }
    const spec = FUNCTIONS[c.name]!;
    const args: ScriptValue[] = c.args.map((a, i) => {
      const v = this.value(a);
      return spec.format?.includes(i) && a.type === 'str' ? this.expand(a.value) : v;
    });
    const notes = this.notes;
    notes.length = 0;
    const ctx = this.ctx;
    ctx.args = args;
    const r = normalize(callFunction(c.name, ctx));
    if (record) {
      record.result = r;
      if (notes.length) record.note = notes.join('; ');
      if (r === 0) record.note = (record.note ? record.note + '; ' : '') + 'returned 0: script stops';
    }
    this.state.vars.set('\u0000rc', r);
    if (r === 0) throw new End('exit');
    return r;
  }

  private truthy(e: Expr): boolean {
    if (e.type === 'call') return this.call(e) > 0;
    if (e.type === 'not') return !this.truthy(e.expr);
    if (e.type === 'bin' && (e.op === '&&' || e.op === '||')) {
      const l = this.truthy(e.left);
      if (e.op === '&&' ? !l : l) return l;
      return this.truthy(e.right);
    }
    const v = this.value(e);
    return typeof v === 'number' ? v !== 0 : v !== null && v !== '';
  }

  private value(e: Expr): ScriptValue {
    switch (e.type) {
      case 'str':
      case 'num':
        return e.value;
      case 'pv':
        return this.getPv(e.name, e.arg);
      case 'myself':
        return null;
      case 'call':
        return this.call(e);
      case 'not':
        return this.truthy(e.expr) ? 0 : 1;
      case 'bin':
        return this.binary(e);
    }
  }

  private binary(e: Extract<Expr, { type: 'bin' }>): ScriptValue {
    switch (e.op) {
      case '&&':
      case '||':
        return this.truthy(e) ? 1 : 0;
      case '==':
      case '!=': {
        let eq: boolean;
        if (e.right.type === 'myself' || e.left.type === 'myself') {
          const other = this.value(e.right.type === 'myself' ? e.left : e.right);
          eq = other !== null && other !== '' && this.host.isMyself(String(other), this.msg);
        } else eq = looseEquals(this.value(e.left), this.value(e.right));
        return (e.op === '==' ? eq : !eq) ? 1 : 0;
      }
      case '=~':
      case '!~': {
        const l = this.value(e.left);
        let re: RegExp | string | undefined = e.regex;
        if (!re) {
          const src = String(this.value(e.right) ?? '');
          re = dynamicRegexCache.get(src);
          if (re === undefined) {
            const r = compileScriptRegex(src);
            re = r.ok ? r.re : r.error;
            if (dynamicRegexCache.size >= DYNAMIC_REGEX_CACHE_MAX) dynamicRegexCache.clear();
            dynamicRegexCache.set(src, re);
          }
          if (typeof re === 'string') {
            this.rec(e, `=~ ${src}`, 'limit', false, `regex refused: ${re}`);
            return 0;
          }
        }
        const m = l !== null && testScriptRegex(re, String(l));
        return (e.op === '=~' ? m : !m) ? 1 : 0;
      }
      case '<':
      case '>':
      case '<=':
      case '>=': {
        const a = Number(this.value(e.left));
        const b = Number(this.value(e.right));
        if (Number.isNaN(a) || Number.isNaN(b)) return 0;
        const r = e.op === '<' ? a < b : e.op === '>' ? a > b : e.op === '<=' ? a <= b : a >= b;
        return r ? 1 : 0;
      }
      case '+': {
        const a = this.value(e.left);
        const b = this.value(e.right);
        if (typeof a === 'number' && typeof b === 'number') return a + b;
        return (a ?? '') + String(b ?? '');
      }
      case '-':
        return toInt(this.value(e.left)) - toInt(this.value(e.right));
    }
  }

  private getPv(name: string, arg: string | null): ScriptValue {
    switch (name) {
      case 'null':
        return null;
      case 'var':
        return this.state.vars.get(arg ?? '') ?? null;
      case 'avp':
      case 'xavp':
        return this.state.avps.get(`${name}:${arg ?? ''}`) ?? null;
      case 'rc':
      case 'retcode':
        return this.state.vars.get('\u0000rc') ?? null;
      case 'sel':
        // $sel(cfg_get.group.name) reads a `group.name = value desc "..."` global; other selects go to the host.
        if (arg?.startsWith('cfg_get.')) {
          const key = arg.slice('cfg_get.'.length);
          const g = this.script.globals.find((x) => x.name === key);
          return g ? g.value : null;
        }
        return this.host.getPv(name, arg, this.msg);
      default:
        return this.host.getPv(name, arg, this.msg);
    }
  }

  private setPv(name: string, arg: string | null, v: ScriptValue): boolean {
    switch (name) {
      case 'var':
        this.state.vars.set(arg ?? '', v);
        return true;
      case 'avp':
      case 'xavp':
        this.state.avps.set(`${name}:${arg ?? ''}`, v);
        return true;
      default:
        return this.host.setPv(name, arg, v, this.msg);
    }
  }

  /** Expands `$name` and `$name(arg)` in a format string (xlog, append_hf, reasons...). */
  private expand(s: string): string {
    if (!s.includes('$')) return s;
    return s.replace(
      /\$([A-Za-z_][A-Za-z0-9_]*)(?:\(([^()]*)\))?/g,
      (m, name: string, arg: string | undefined) => {
        if (name === 'null') return '<null>';
        const v = this.getPv(name, arg ?? null);
        return v === null ? '<null>' : String(v);
      },
    );
  }
}

function normalize(r: ScriptResult): number {
  if (r === true) return 1;
  if (r === false) return -1;
  return Number.isFinite(r) ? Math.trunc(r) : -1;
}

function toInt(v: ScriptValue): number {
  if (typeof v === 'number') return Math.trunc(v);
  const n = Number.parseInt(v ?? '', 10);
  return Number.isFinite(n) ? n : 0;
}

/** Kamailio-like equality: numeric when both sides read as numbers, `$null` equals null or ''. */
export function looseEquals(a: ScriptValue, b: ScriptValue): boolean {
  if (a === null || b === null) return (a ?? '') === (b ?? '');
  if (typeof a === 'number' || typeof b === 'number') {
    const x = Number(a);
    const y = Number(b);
    if (!Number.isNaN(x) && !Number.isNaN(y) && String(a).trim() !== '' && String(b).trim() !== '')
      return x === y;
  }
  return String(a) === String(b);
}
