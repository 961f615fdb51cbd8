/**
 * Interpreter of loaded routing scripts. It does no SIP itself: every pseudo-variable and core
 * function goes to the {@link ScriptHost} the element implements. Every executed statement is
 * recorded ({@link ExecutedStatement}), so the UI can show which script lines produced each
 * message. Execution is bounded: a step budget and a `route()` recursion limit.
 */
import type { Expr, RouteBlock, RouteKind, ScriptValue, Stmt } from './ast';
import { MAIN_ROUTE } from './ast';
import { KIND_ORDER, RUNTIME_NAMES, Unsupported, generateScript } from './codegen';
import type { CallContext, ScriptState } from './functions';
import {
  FUNCTIONS,
  argInt,
  argOpt,
  argStr,
  functionRunner,
  methodList,
  newScriptState,
  parseRelayTarget,
} from './functions';
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
  /**
   * A result object to fill and return instead of a new one (a caller that reads the result at
   * once and keeps none, such as a proxy running request_route without recording).
   */
  into?: ScriptRun;
}

/** Control flow out of a compiled statement: go on, `break`, `return`. */
const NORMAL = 0;
const BREAK = 1;
const RETURN = 2;
/** `exit` and `drop` as statements: returned up through the blocks (a throw costs far more). */
const EXIT = 3;
const DROP = 4;

/** Thrown by `exit`, `drop` and functions returning 0, anywhere; caught by {@link ScriptInterpreter.run}. */
class End {
  constructor(readonly outcome: 'exit' | 'drop') {}
}
const END_EXIT = new End('exit');
const END_DROP = new End('drop');

class Stop {
  constructor(
    readonly outcome: RunOutcome,
    readonly error: string,
  ) {}
}

const dynamicRegexCache = new Map<string, RegExp | string>();
const DYNAMIC_REGEX_CACHE_MAX = 256;
const NO_RECORDS: ExecutedStatement[] = [];

const routeLabel = (kind: RouteKind, name: string): string => {
  if (name === MAIN_ROUTE)
    return kind === 'request' ? 'request_route' : kind === 'reply' ? 'reply_route' : `${kind}_route`;
  return kind === 'request'
    ? `route[${name}]`
    : kind === 'reply'
      ? `onreply_route[${name}]`
      : `${kind}_route[${name}]`;
};

type At = { pos: { line: number; col: number } };

/**
 * The state of one run of a compiled block: message, host, script state, step counter, records.
 * Executions are pooled per interpreter (a run may start another one: `t_relay()` runs a
 * `branch_route`), so a run allocates only its result and, when recording, its records.
 */
class Exec<M> {
  records: ExecutedStatement[] = NO_RECORDS;
  steps = 0;
  returnCode = 1;
  depth = 0;
  routeName = '';
  state!: ScriptState;
  msg!: M;
  maxSteps = 10_000;
  maxDepth = 64;
  record = true;
  readonly notes: string[] = [];
  /** One call context per execution, re-filled for each call (avoids an allocation per call). */
  readonly ctx: { -readonly [K in keyof CallContext<M>]: CallContext<M>[K] };

  constructor(
    readonly host: ScriptHost<M>,
    readonly interp: ScriptInterpreter<M>,
  ) {
    this.ctx = {
      host,
      msg: undefined as unknown as M,
      args: [],
      state: undefined as unknown as ScriptState,
      note: noteInto(this.notes),
    };
  }

  rec(
    line: number,
    col: number,
    text: string,
    kind: ExecutedStatement['kind'],
    result: ScriptValue | boolean,
    note?: string,
  ): ExecutedStatement | null {
    if (!this.record) return null;
    const r: ExecutedStatement = {
      route: this.routeName,
      line,
      col,
      text,
      kind,
      result,
      depth: this.depth,
    };
    if (note) r.note = note;
    this.records.push(r);
    return r;
  }

  tick(at: At, text: string): void {
    if (++this.steps > this.maxSteps) stepLimit(this, at.pos.line, at.pos.col, text);
  }

  runBlock(block: CompiledBlock<M>, depth: number): number {
    const saved = this.routeName;
    const savedDepth = this.depth;
    this.routeName = block.label;
    this.depth = depth;
    this.returnCode = 1;
    try {
      return this.record ? block.bodyRec(this) : block.body(this);
    } finally {
      this.routeName = saved;
      this.depth = savedDepth;
    }
  }

  getPvDynamic(name: string, arg: string | null): ScriptValue {
    return this.interp.pvReader(name, arg)(this);
  }

  /** Expands `$name` and `$name(arg)` in a format string (xlog, append_hf, reasons...). */
  expand(s: string): string {
    if (!s.includes('$')) return s;
    return s.replace(
      /\$([A-Za-z_][A-Za-z0-9_]*)(?:\(([^()]*)\))?/g,
      (m, name: string, arg: string | undefined) => {
        if (name === 'null') return '<null>';
        const v = this.getPvDynamic(name, arg ?? null);
        return v === null ? '<null>' : String(v);
      },
    );
  }
}

/**
 * A statement compiled to a closure: returns NORMAL, BREAK, RETURN, EXIT or DROP. An `exit` in a block
 * run by `route()`, or a function returning 0, throws {@link End} instead (it may sit inside an expression).
 */
type StmtFn<M> = (x: Exec<M>) => number;
type ValueFn<M> = (x: Exec<M>) => ScriptValue;
type TestFn<M> = (x: Exec<M>) => boolean;

/** A compiled block: `body` runs it without statement records, `bodyRec` with them. */
interface CompiledBlock<M> {
  label: string;
  body: StmtFn<M>;
  bodyRec: StmtFn<M>;
}

/** Throws the step-limit stop (after recording it when the run records). */
function stepLimit<M>(x: Exec<M>, line: number, col: number, text: string): never {
  x.rec(line, col, text, 'limit', null, `step limit ${x.maxSteps} reached`);
  throw new Stop('step-limit', `more than ${x.maxSteps} steps (an endless loop?)`);
}

/** Throws the route() depth-limit stop (after recording it when the run records). */
function depthLimit<M>(x: Exec<M>, line: number, col: number, text: string): never {
  x.rec(line, col, text, 'limit', null, `route() nesting limit ${x.maxDepth} reached`);
  throw new Stop('depth-limit', `route() nested more than ${x.maxDepth} deep (endless recursion?)`);
}

/** `=~`/`!~` with a pattern computed at run time (cached; refused patterns recorded as a limit). */
function dynamicRegex<M>(
  x: Exec<M>,
  v: ScriptValue,
  pattern: ScriptValue,
  line: number,
  col: number,
  want: boolean,
): number {
  const src = String(pattern ?? '');
  let re = dynamicRegexCache.get(src);
  if (re === undefined) {
    const c = compileScriptRegex(src);
    re = c.ok ? c.re : c.error;
    if (dynamicRegexCache.size >= DYNAMIC_REGEX_CACHE_MAX) dynamicRegexCache.clear();
    dynamicRegexCache.set(src, re);
  }
  if (typeof re === 'string') {
    x.rec(line, col, `=~ ${src}`, 'limit', false, `regex refused: ${re}`);
    return 0;
  }
  const m = v !== null && testScriptRegex(re, String(v));
  return m === want ? 1 : 0;
}

/** `<`, `>`, `<=`, `>=`: numeric, 0 when either side is not a number. */
function compare(op: '<' | '>' | '<=' | '>=', l: ScriptValue, r: ScriptValue): number {
  const a = Number(l);
  const b = Number(r);
  if (Number.isNaN(a) || Number.isNaN(b)) return 0;
  const res = op === '<' ? a < b : op === '>' ? a > b : op === '<=' ? a <= b : a >= b;
  return res ? 1 : 0;
}

/** `+`: numeric for two numbers, string concatenation otherwise. */
function plus(a: ScriptValue, b: ScriptValue): ScriptValue {
  if (typeof a === 'number' && typeof b === 'number') return a + b;
  return (a ?? '') + String(b ?? '');
}

/** A value as a condition: non-zero numbers and non-empty strings are true. */
function truthy(y: ScriptValue): boolean {
  return typeof y === 'number' ? y !== 0 : y !== null && y !== '';
}

/**
 * How scripts are compiled. `js`: to JavaScript source, one function per block (where `new
 * Function` is allowed; otherwise, or for a script the code generator does not take, closures);
 * `closures`: to closures only; `auto` (the default): `js`.
 */
export type ScriptCompileMode = 'auto' | 'js' | 'closures';

let defaultCompileMode: ScriptCompileMode = 'auto';

/** Sets the mode of interpreters made without one (tests compare both); returns the previous mode. */
export function setScriptCompileDefault(mode: ScriptCompileMode): ScriptCompileMode {
  const prev = defaultCompileMode;
  defaultCompileMode = mode;
  return prev;
}

let functionAvailable: boolean | undefined;

/**
 * Whether this platform compiles JavaScript source at run time (checked once). A page whose
 * Content-Security-Policy has no `unsafe-eval` refuses `new Function`; scripts run as closures there.
 */
export function canCompileScriptsToJs(): boolean {
  if (functionAvailable === undefined) {
    try {
      // a constant source: the availability probe
      functionAvailable = (new Function('return 1') as () => unknown)() === 1;
    } catch {
      functionAvailable = false;
    }
  }
  return functionAvailable;
}

/** The helpers a generated unit reads (the names are codegen's {@link RUNTIME_NAMES}). */
const RUNTIME: Readonly<Record<(typeof RUNTIME_NAMES)[number], unknown>> = {
  lim: stepLimit,
  nz: (r: number) => (Number.isFinite(r) ? Math.trunc(r) : -1),
  truthy,
  leq: looseEquals,
  myself: <M>(x: Exec<M>, o: ScriptValue) => o !== null && o !== '' && x.host.isMyself(String(o), x.msg),
  reTest: (re: RegExp, v: ScriptValue) => v !== null && testScriptRegex(re, String(v)),
  dynRe: dynamicRegex,
  lt: (a: ScriptValue, b: ScriptValue) => compare('<', a, b),
  gt: (a: ScriptValue, b: ScriptValue) => compare('>', a, b),
  le: (a: ScriptValue, b: ScriptValue) => compare('<=', a, b),
  ge: (a: ScriptValue, b: ScriptValue) => compare('>=', a, b),
  add: plus,
  toInt,
  str: argStr,
  opt: argOpt,
  int: argInt,
  methodList,
  relay: (args: readonly ScriptValue[]) => parseRelayTarget(args),
  runner: functionRunner,
  noRoute: (name: string) => new Stop('no-such-route', `route[${name}] is not defined`),
  depthLimit,
  End,
  END_EXIT,
  END_DROP,
  block: <M>(label: string, body: StmtFn<M>, bodyRec: StmtFn<M>): CompiledBlock<M> => ({
    label,
    body,
    bodyRec,
  }),
};

/** Units already instantiated, by generated source (one set of functions per distinct script). */
const unitsBySource = new Map<string, CompiledBlock<unknown>[]>();
const UNITS_MAX = 64;
/** The unit of each loaded script (null: the code generator did not take it). */
const unitsByScript = new WeakMap<LoadedScript, CompiledBlock<unknown>[] | null>();

/** The script's blocks compiled to JavaScript, in codegen's {@link KIND_ORDER}, or null. */
function jsUnit(script: LoadedScript): CompiledBlock<unknown>[] | null {
  const known = unitsByScript.get(script);
  if (known !== undefined) return known;
  let unit: CompiledBlock<unknown>[] | null;
  try {
    const source = generateScript(script, routeLabel);
    unit = unitsBySource.get(source) ?? null;
    if (!unit) {
      // the source is made from the AST alone: literals through JSON.stringify, identifiers codegen's own
      const factory = new Function('rt', source) as (rt: typeof RUNTIME) => CompiledBlock<unknown>[];
      unit = factory(RUNTIME);
      if (unitsBySource.size >= UNITS_MAX) unitsBySource.clear();
      unitsBySource.set(source, unit);
    }
  } catch (e) {
    if (!(e instanceof Unsupported)) throw e;
    unit = null;
  }
  unitsByScript.set(script, unit);
  return unit;
}

/**
 * Binds a loaded script to a host; one instance per element. Where the platform compiles
 * JavaScript at run time (Node: the CLI, the main process, workers, the bench), the whole script is
 * compiled at construction to JavaScript source (codegen.ts: one function per block, host methods
 * called directly, shared by every interpreter of the same script); elsewhere (a page whose
 * Content-Security-Policy has no `unsafe-eval`; the renderer runs no scripts today) each block is
 * compiled once, on its first run, into closures. Both: no AST walk per message, pseudo-variables
 * resolved to readers and constant arguments evaluated at compile time, the same records, steps,
 * limits and errors. Statement records ("why did the proxy do this?") are made only when the run
 * asks for them.
 */
export class ScriptInterpreter<M> {
  private readonly compiled = new Map<RouteBlock, CompiledBlock<M>>();
  private readonly pool: Exec<M>[] = [];
  private readonly pvReaders = new Map<string, ValueFn<M>>();
  /** How this interpreter runs its blocks: generated JavaScript or closures. */
  readonly engine: 'js' | 'closures';

  constructor(
    readonly script: LoadedScript,
    readonly host: ScriptHost<M>,
    options: { compile?: ScriptCompileMode } = {},
  ) {
    const mode = options.compile ?? defaultCompileMode;
    const unit = mode !== 'closures' && canCompileScriptsToJs() ? jsUnit(script) : null;
    if (unit) {
      let i = 0;
      for (const kind of KIND_ORDER)
        for (const b of script.routes[kind].values()) this.compiled.set(b, unit[i++] as CompiledBlock<M>);
    }
    this.engine = unit ? 'js' : 'closures';
  }

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
    const record = options.record ?? true;
    const into = options.into;
    let result: ScriptRun;
    if (into) {
      result = into;
      result.kind = kind;
      result.name = name;
      result.outcome = 'end';
      result.returnCode = 1;
      result.records = record ? [] : NO_RECORDS;
      result.steps = 0;
      if (result.messageId !== undefined) result.messageId = undefined;
      if (result.error !== undefined) result.error = undefined;
    } else
      result = {
        kind,
        name,
        outcome: 'end',
        returnCode: 1,
        records: record ? [] : NO_RECORDS,
        steps: 0,
      };
    if (options.messageId !== undefined) result.messageId = options.messageId;
    if (!block) {
      result.outcome = 'no-such-route';
      result.error = `${routeLabel(kind, name)} is not defined`;
      return result;
    }
    const x = this.pool.pop() ?? new Exec(this.host, this);
    x.records = result.records;
    x.steps = 0;
    x.returnCode = 1;
    x.depth = 0;
    x.routeName = '';
    x.state = options.state ?? newScriptState();
    x.msg = msg;
    x.ctx.msg = msg;
    x.ctx.state = x.state;
    x.maxSteps = options.maxSteps ?? 10_000;
    x.maxDepth = options.maxDepth ?? 64;
    x.record = record;
    try {
      const flow = x.runBlock(this.compile(block), 0);
      if (flow === EXIT) result.outcome = 'exit';
      else if (flow === DROP) result.outcome = 'drop';
      else result.returnCode = x.returnCode;
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
    result.steps = x.steps;
    x.records = NO_RECORDS;
    x.msg = undefined as unknown as M;
    x.ctx.msg = undefined as unknown as M;
    this.pool.push(x);
    return result;
  }

  private compile(block: RouteBlock): CompiledBlock<M> {
    let c = this.compiled.get(block);
    if (!c) {
      // Registered before its body is compiled: a block that calls itself through route() finds it.
      c = { label: routeLabel(block.kind, block.name), body: () => NORMAL, bodyRec: () => NORMAL };
      this.compiled.set(block, c);
      c.body = c.bodyRec = this.list(block.body);
    }
    return c;
  }

  // ---------------------------------------------------------------- statements

  private list(stmts: readonly Stmt[]): StmtFn<M> {
    const fns = stmts.map((s) => this.stmt(s));
    const n = fns.length;
    if (n === 0) return () => NORMAL;
    if (n === 1) return fns[0]!;
    return (x) => {
      for (let i = 0; i < n; i++) {
        const flow = fns[i]!(x);
        if (flow !== NORMAL) return flow;
      }
      return NORMAL;
    };
  }

  private stmt(s: Stmt): StmtFn<M> {
    const text = s.text;
    switch (s.type) {
      case 'call': {
        const call = this.call(s.call);
        return (x) => {
          x.tick(s, text);
          call(x);
          return NORMAL;
        };
      }
      case 'if': {
        const cond = this.test(s.cond);
        const then = this.list(s.then);
        const otherwise = s.else ? this.list(s.else) : null;
        return (x) => {
          x.tick(s, text);
          const c = cond(x);
          if (x.record) x.rec(s.pos.line, s.pos.col, text, 'if', c);
          if (c) return then(x);
          return otherwise ? otherwise(x) : NORMAL;
        };
      }
      case 'while': {
        const cond = this.test(s.cond);
        const body = this.list(s.body);
        return (x) => {
          x.tick(s, text);
          for (;;) {
            const c = cond(x);
            if (x.record) x.rec(s.pos.line, s.pos.col, text, 'while', c);
            if (!c) return NORMAL;
            const flow = body(x);
            if (flow === BREAK) return NORMAL;
            if (flow !== NORMAL) return flow;
            x.tick(s, text);
          }
        };
      }
      case 'switch': {
        const subject = this.value(s.subject);
        const cases = s.cases.map((c) => ({ values: c.values, body: this.list(c.body) }));
        const def = s.cases.findIndex((c) => c.values === null);
        return (x) => {
          x.tick(s, text);
          const v = subject(x);
          if (x.record) x.rec(s.pos.line, s.pos.col, text, 'switch', v);
          let matched = false;
          for (const c of cases) {
            if (!matched) matched = c.values === null ? false : c.values.some((y) => looseEquals(v, y));
            if (matched) {
              const flow = c.body(x);
              if (flow === BREAK) return NORMAL;
              if (flow !== NORMAL) return flow;
            }
          }
          if (!matched && def >= 0)
            for (let i = def; i < cases.length; i++) {
              const flow = cases[i]!.body(x);
              if (flow === BREAK) return NORMAL;
              if (flow !== NORMAL) return flow;
            }
          return NORMAL;
        };
      }
      case 'assign': {
        const value = this.value(s.value);
        const name = s.target.name;
        const arg = s.target.arg;
        const key = name === 'var' ? (arg ?? '') : `${name}:${arg ?? ''}`;
        return (x) => {
          x.tick(s, text);
          const v = value(x);
          let ok = true;
          if (name === 'var') x.state.vars.set(key, v);
          else if (name === 'avp' || name === 'xavp') x.state.avps.set(key, v);
          else ok = x.host.setPv(name, arg, v, x.msg);
          if (x.record)
            x.rec(
              s.pos.line,
              s.pos.col,
              text,
              'assign',
              v,
              ok ? undefined : `$${name} was not set by this element`,
            );
          return NORMAL;
        };
      }
      case 'return': {
        const value = s.value ? this.value(s.value) : null;
        return (x) => {
          x.tick(s, text);
          const v = value ? value(x) : 1;
          x.returnCode = toInt(v);
          if (x.record) x.rec(s.pos.line, s.pos.col, text, 'return', x.returnCode);
          return RETURN;
        };
      }
      case 'exit':
      case 'drop': {
        const flow = s.type === 'exit' ? EXIT : DROP;
        const kind = s.type;
        return (x) => {
          x.tick(s, text);
          if (x.record) x.rec(s.pos.line, s.pos.col, text, kind, null);
          return flow;
        };
      }
      case 'break':
        return (x) => {
          x.tick(s, text);
          if (x.record) x.rec(s.pos.line, s.pos.col, text, 'break', null);
          return BREAK;
        };
    }
  }

  // ---------------------------------------------------------------- calls

  /** A call returning its integer result; a result of 0 ends the script (Kamailio rule). */
  private call(c: Extract<Expr, { type: 'call' }>): (x: Exec<M>) => number {
    const text = c.text;
    if (c.name === 'route') {
      const nameOf = this.value(c.args[0]!);
      const script = this.script;
      return (x) => {
        x.tick(c, text);
        const record = x.record ? x.rec(c.pos.line, c.pos.col, text, 'call', null) : null;
        const name = String(nameOf(x) ?? '');
        const block = script.routes.request.get(name);
        if (!block) throw new Stop('no-such-route', `route[${name}] is not defined`);
        if (x.depth + 1 > x.maxDepth) depthLimit(x, c.pos.line, c.pos.col, text);
        let flow: number;
        try {
          flow = x.runBlock(this.compile(block), x.depth + 1);
        } catch (e) {
          if (record && e instanceof End) record.result = e.outcome;
          throw e;
        }
        if (flow === EXIT || flow === DROP) {
          // the whole script ends, from inside an expression: thrown up to run()
          const end = flow === EXIT ? END_EXIT : END_DROP;
          if (record) record.result = end.outcome;
          throw end;
        }
        const rc = x.returnCode;
        if (record) record.result = rc;
        x.state.rc = rc;
        return rc;
      };
    }
    const name = c.name;
    const spec = FUNCTIONS[name]!;
    // Arguments: literals (and format strings without `$`) are evaluated once, here.
    const argFns: (ValueFn<M> | null)[] = [];
    const constArgs: ScriptValue[] = [];
    let allConst = true;
    c.args.forEach((a, i) => {
      if (a.type === 'str' && spec.format?.includes(i) && a.value.includes('$')) {
        const src = a.value;
        argFns.push((x) => x.expand(src));
        constArgs.push(null);
        allConst = false;
      } else if (a.type === 'str' || a.type === 'num') {
        argFns.push(null);
        constArgs.push(a.value);
      } else {
        argFns.push(this.value(a));
        constArgs.push(null);
        allConst = false;
      }
    });
    const nargs = argFns.length;
    let run: (ctx: CallContext<M>) => ScriptResult;
    if (name === 'is_method' && allConst) {
      // The method list is split once.
      const list = String(constArgs[0] ?? '')
        .split('|')
        .map((m) => m.trim().toUpperCase());
      run = (ctx) => ctx.host.isMethod(ctx.msg, list);
    } else run = functionRunner<M>(name);
    return (x) => {
      x.tick(c, text);
      const record = x.record ? x.rec(c.pos.line, c.pos.col, text, 'call', null) : null;
      let args: ScriptValue[] = constArgs;
      if (!allConst) {
        args = new Array<ScriptValue>(nargs);
        for (let i = 0; i < nargs; i++) {
          const f = argFns[i];
          args[i] = f ? f(x) : constArgs[i]!;
        }
      }
      const notes = x.notes;
      if (notes.length !== 0) notes.length = 0;
      const ctx = x.ctx;
      ctx.args = args;
      const r = normalize(run(ctx));
      if (record) {
        record.result = r;
        if (notes.length) record.note = notes.join('; ');
        if (r === 0) record.note = (record.note ? record.note + '; ' : '') + 'returned 0: script stops';
      }
      x.state.rc = r;
      if (r === 0) throw END_EXIT;
      return r;
    };
  }

  // ---------------------------------------------------------------- expressions

  private test(e: Expr): TestFn<M> {
    if (e.type === 'call') {
      const call = this.call(e);
      return (x) => call(x) > 0;
    }
    if (e.type === 'not') {
      const inner = this.test(e.expr);
      return (x) => !inner(x);
    }
    if (e.type === 'bin' && (e.op === '&&' || e.op === '||')) {
      const l = this.test(e.left);
      const r = this.test(e.right);
      return e.op === '&&' ? (x) => l(x) && r(x) : (x) => l(x) || r(x);
    }
    const v = this.value(e);
    return (x) => truthy(v(x));
  }

  private value(e: Expr): ValueFn<M> {
    switch (e.type) {
      case 'str':
      case 'num': {
        const v = e.value;
        return () => v;
      }
      case 'pv':
        return this.pvReader(e.name, e.arg);
      case 'myself':
        return () => null;
      case 'call':
        return this.call(e);
      case 'not': {
        const t = this.test(e.expr);
        return (x) => (t(x) ? 0 : 1);
      }
      case 'bin':
        return this.binary(e);
    }
  }

  private binary(e: Extract<Expr, { type: 'bin' }>): ValueFn<M> {
    switch (e.op) {
      case '&&':
      case '||': {
        const t = this.test(e);
        return (x) => (t(x) ? 1 : 0);
      }
      case '==':
      case '!=': {
        const want = e.op === '==';
        if (e.right.type === 'myself' || e.left.type === 'myself') {
          const other = this.value(e.right.type === 'myself' ? e.left : e.right);
          return (x) => {
            const o = other(x);
            const eq = o !== null && o !== '' && x.host.isMyself(String(o), x.msg);
            return eq === want ? 1 : 0;
          };
        }
        const l = this.value(e.left);
        const r = this.value(e.right);
        return (x) => (looseEquals(l(x), r(x)) === want ? 1 : 0);
      }
      case '=~':
      case '!~': {
        const want = e.op === '=~';
        const l = this.value(e.left);
        const literal = e.regex;
        if (literal) {
          return (x) => {
            const v = l(x);
            const m = v !== null && testScriptRegex(literal, String(v));
            return m === want ? 1 : 0;
          };
        }
        const r = this.value(e.right);
        const { line, col } = e.pos;
        return (x) => {
          const v = l(x);
          return dynamicRegex(x, v, r(x), line, col, want);
        };
      }
      case '<':
      case '>':
      case '<=':
      case '>=': {
        const op = e.op;
        const l = this.value(e.left);
        const r = this.value(e.right);
        return (x) => {
          const a = l(x);
          return compare(op, a, r(x));
        };
      }
      case '+': {
        const l = this.value(e.left);
        const r = this.value(e.right);
        return (x) => {
          const a = l(x);
          return plus(a, r(x));
        };
      }
      case '-': {
        const l = this.value(e.left);
        const r = this.value(e.right);
        return (x) => toInt(l(x)) - toInt(r(x));
      }
    }
  }

  /** The reader of a pseudo-variable, made once per (name, arg). */
  pvReader(name: string, arg: string | null): ValueFn<M> {
    const key = `${name}\u0000${arg ?? ''}\u0000${arg === null ? 0 : 1}`;
    let f = this.pvReaders.get(key);
    if (f) return f;
    switch (name) {
      case 'null':
        f = () => null;
        break;
      case 'var': {
        const k = arg ?? '';
        f = (x) => x.state.vars.get(k) ?? null;
        break;
      }
      case 'avp':
      case 'xavp': {
        const k = `${name}:${arg ?? ''}`;
        f = (x) => x.state.avps.get(k) ?? null;
        break;
      }
      case 'rc':
      case 'retcode':
        f = (x) => x.state.rc ?? null;
        break;
      default:
        // $sel(cfg_get.group.name) reads a `group.name = value desc "..."` global; other selects go to the host.
        if (name === 'sel' && arg?.startsWith('cfg_get.')) {
          const g = this.script.globals.find((x) => x.name === arg.slice('cfg_get.'.length));
          const v = g ? g.value : null;
          f = () => v;
        } else f = (x) => x.host.getPv(name, arg, x.msg);
    }
    this.pvReaders.set(key, f);
    return f;
  }
}

/** A `note` callback appending to `notes` (returned, not a named arrow: no `__name()` under tsx). */
function noteInto(notes: string[]): (t: string) => void {
  return (t) => void notes.push(t);
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
