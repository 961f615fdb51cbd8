/**
 * A loaded script compiled to JavaScript source: one function per block (and one per function
 * call), instantiated with `new Function` where the platform allows it (see `interpreter.ts`).
 *
 * The source is made from the AST alone, never from script text: every string, number and regex
 * source of the script is written with `JSON.stringify` (numbers with {@link numLit}), and every
 * identifier in the output is one of this module's own (host method names from the fixed
 * {@link DIRECT} table, runtime helpers from {@link RUNTIME_NAMES}, numbered locals). A node this
 * module does not know (a hand-made AST, a function name missing from the catalogue) throws
 * {@link Unsupported}; the interpreter then runs the script with its closure compiler instead.
 *
 * The generated code does exactly what the closure compiler's closures do, statement for
 * statement: the same step counts and limits, the same execution records in the same order, the
 * same `exit`/`drop`/`return`/`break` flows (returned as the same numbers), the same exceptions.
 * Two variants of every block are made: one that records statements and one that does not.
 */
import type { Expr, RouteBlock, RouteKind, ScriptValue, Stmt } from './ast';
import { FUNCTIONS, argInt, argOpt, argStr } from './functions';
import type { LoadedScript } from './parser';

/** Thrown when a script cannot be compiled to JavaScript; the closure compiler takes it. */
export class Unsupported extends Error {}

/** The order in which blocks are generated (and the unit's block array is indexed). */
export const KIND_ORDER: readonly RouteKind[] = [
  'request',
  'failure',
  'onreply',
  'branch',
  'reply',
  'event',
  'onsend',
];

/**
 * The helpers the generated source reads from its runtime argument `rt` (bound once, in the
 * preamble): the interpreter supplies an object with exactly these members.
 */
export const RUNTIME_NAMES = [
  'lim',
  'nz',
  'truthy',
  'leq',
  'myself',
  'reTest',
  'dynRe',
  'lt',
  'gt',
  'le',
  'ge',
  'add',
  'toInt',
  'str',
  'opt',
  'int',
  'methodList',
  'relay',
  'runner',
  'noRoute',
  'depthLimit',
  'End',
  'END_EXIT',
  'END_DROP',
  'block',
] as const;

/** Label of a block as records and diagnostics write it (`request_route`, `route[RELAY]`...). */
export type RouteLabel = (kind: RouteKind, name: string) => string;

/** How the arguments of a directly called host method are converted (as `functions.ts` does). */
type Conv = 'str' | 'opt' | 'int';

/**
 * Catalogued functions whose catalogue `run` is one host method call with converted arguments:
 * the generated code calls the host method itself. Each entry mirrors `FUNCTIONS[name].run`
 * exactly (the tests run every one of them through both compilers).
 */
const DIRECT: Readonly<Record<string, { method: string; args: readonly Conv[]; result?: 'one' }>> = {
  has_totag: { method: 'hasTotag', args: [] },
  is_present_hf: { method: 'isPresentHf', args: ['str'] },
  uri_param: { method: 'uriParamMatches', args: ['str', 'opt'] },
  loose_route: { method: 'looseRoute', args: [] },
  record_route: { method: 'recordRoute', args: ['opt'] },
  mf_process_maxfwd_header: { method: 'mfProcessMaxfwdHeader', args: ['int'] },
  save: { method: 'save', args: ['str', 'opt', 'opt'] },
  lookup: { method: 'lookup', args: ['str', 'opt'] },
  sl_send_reply: { method: 'slSendReply', args: ['int', 'str'] },
  send_reply: { method: 'slSendReply', args: ['int', 'str'] },
  t_reply: { method: 'tReply', args: ['int', 'str'] },
  append_hf: { method: 'appendHf', args: ['str', 'opt'] },
  remove_hf: { method: 'removeHf', args: ['str'] },
  force_rport: { method: 'forceRport', args: [] },
  add_rport: { method: 'forceRport', args: [] },
  nat_uac_test: { method: 'natUacTest', args: ['int'] },
  fix_nated_contact: { method: 'fixNatedContact', args: [] },
  fix_nated_register: { method: 'fixNatedRegister', args: [] },
  www_authorize: { method: 'wwwAuthorize', args: ['str', 'str'] },
  www_challenge: { method: 'wwwChallenge', args: ['str', 'int'] },
  proxy_authorize: { method: 'proxyAuthorize', args: ['str', 'str'] },
  proxy_challenge: { method: 'proxyChallenge', args: ['str', 'int'] },
  t_load_contacts: { method: 'tLoadContacts', args: [] },
  t_next_contacts: { method: 'tNextContacts', args: [] },
  t_on_failure: { method: 'tOnFailure', args: ['str'], result: 'one' },
  t_on_reply: { method: 'tOnReply', args: ['str'], result: 'one' },
  t_on_branch: { method: 'tOnBranch', args: ['str'], result: 'one' },
};

/** `t_relay`/`forward`: `parseRelayTarget(args)` (null without arguments) to a host method. */
const RELAY: Readonly<Record<string, string>> = { t_relay: 'tRelay', forward: 'forward' };

const CMP: Readonly<Record<string, string>> = { '<': 'lt', '>': 'gt', '<=': 'le', '>=': 'ge' };

/** Control flows, as the closure compiler returns them. */
const NORMAL = 0;
const BREAK = 1;
const RETURN = 2;
const EXIT = 3;
const DROP = 4;

/** A number as a JavaScript expression that evaluates to exactly that number. */
export function numLit(n: number): string {
  if (typeof n !== 'number') throw new Unsupported('not a number');
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return 'Infinity';
  if (n === -Infinity) return '(-Infinity)';
  if (Object.is(n, -0)) return '(-0)';
  return n < 0 ? `(${String(n)})` : String(n);
}

/** A string as a JavaScript string literal (JSON is a subset of ECMAScript 2019). */
function strLit(s: string): string {
  if (typeof s !== 'string') throw new Unsupported('not a string');
  return JSON.stringify(s);
}

type CallExpr = Extract<Expr, { type: 'call' }>;

/** Generates the unit's source: `new Function('rt', source)(runtime)` returns its blocks. */
export function generateScript(script: LoadedScript, label: RouteLabel): string {
  return new Gen(script, label).unit();
}

class Gen {
  private readonly pre: string[] = [];
  private readonly fns: string[] = [];
  private readonly consts = new Map<string, string>();
  private readonly blockVars = new Map<RouteBlock, string>();
  private n = 0;
  /** Generating the recording variant. */
  private rec = false;

  constructor(
    private readonly script: LoadedScript,
    private readonly label: RouteLabel,
  ) {}

  unit(): string {
    const blocks: RouteBlock[] = [];
    for (const kind of KIND_ORDER) for (const b of this.script.routes[kind].values()) blocks.push(b);
    blocks.forEach((b, i) => this.blockVars.set(b, `B${i}`));
    const out: string[] = [];
    blocks.forEach((b, i) => {
      this.rec = false;
      const q = this.blockFn(b.body, `bq${i}`);
      this.rec = true;
      const r = this.blockFn(b.body, `br${i}`);
      out.push(`const B${i} = block(${strLit(this.label(b.kind, b.name))}, ${q}, ${r});`);
    });
    const routes = [...this.script.routes.request.values()]
      .map((b) => `[${strLit(b.name)}, ${this.blockVars.get(b)!}]`)
      .join(', ');
    return [
      '"use strict";',
      `const { ${RUNTIME_NAMES.join(', ')} } = rt;`,
      ...this.pre,
      ...out,
      `const ROUTES = new Map([${routes}]);`,
      ...this.fns,
      `return [${blocks.map((_, i) => `B${i}`).join(', ')}];`,
    ].join('\n');
  }

  private id(prefix: string): string {
    return `${prefix}${this.n++}`;
  }

  /**
   * A constant hoisted into the preamble, deduplicated by its expression unless `own` (an array
   * handed to the host: one per call node, as the closure compiler has it).
   */
  private konst(expr: string, own = false): string {
    let v = own ? undefined : this.consts.get(expr);
    if (!v) {
      v = this.id('k');
      if (!own) this.consts.set(expr, v);
      this.pre.push(`const ${v} = ${expr};`);
    }
    return v;
  }

  private s(text: string): string {
    return this.konst(strLit(text));
  }

  private lit(v: ScriptValue | undefined): string {
    if (v === undefined) return 'undefined';
    if (v === null) return 'null';
    if (typeof v === 'number') return numLit(v);
    return this.s(v);
  }

  private at(node: { pos: { line: number; col: number } }): string {
    return `${numLit(node.pos.line)}, ${numLit(node.pos.col)}`;
  }

  private tick(node: { pos: { line: number; col: number } }, text: string): string {
    return `if (++x.steps > x.maxSteps) lim(x, ${this.at(node)}, ${this.s(text)});`;
  }

  private record(node: Stmt, kind: string, result: string, note?: string): string {
    if (!this.rec) return '';
    return `x.rec(${this.at(node)}, ${this.s(node.text)}, ${strLit(kind)}, ${result}${note ? `, ${note}` : ''});`;
  }

  private blockFn(body: readonly Stmt[], name: string): string {
    this.fns.push(`function ${name}(x) {\n${this.list(body, null)}\nreturn ${NORMAL};\n}`);
    return name;
  }

  private list(stmts: readonly Stmt[], brk: string | null): string {
    return stmts.map((s) => this.stmt(s, brk)).join('\n');
  }

  /** One statement; `brk` is the label a `break` leaves (null: `break` ends the block). */
  private stmt(s: Stmt, brk: string | null): string {
    const tick = this.tick(s, s.text);
    switch (s.type) {
      case 'call':
        return `${tick}\n${this.callInline(s.call, null)}`;
      case 'if': {
        const c = this.id('c');
        return [
          tick,
          '{',
          `let ${c};`,
          this.testInto(s.cond, c),
          this.record(s, 'if', c),
          `if (${c}) {\n${this.list(s.then, brk)}\n}${s.else ? ` else {\n${this.list(s.else, brk)}\n}` : ''}`,
          '}',
        ].join('\n');
      }
      case 'while': {
        const l = this.id('L');
        const c = this.id('c');
        return [
          tick,
          `${l}: for (;;) {`,
          `let ${c};`,
          this.testInto(s.cond, c),
          this.record(s, 'while', c),
          `if (!${c}) break;`,
          this.list(s.body, l),
          tick,
          '}',
        ].join('\n');
      }
      case 'switch': {
        const l = this.id('L');
        const v = this.id('v');
        const st = this.id('i');
        const def = s.cases.findIndex((c) => c.values === null);
        const first: string[] = [];
        s.cases.forEach((c, i) => {
          if (c.values === null || c.values.length === 0) return;
          const eq = c.values.map((y) => `leq(${v}, ${this.lit(y)})`).join(' || ');
          first.push(`${first.length ? 'else ' : ''}if (${eq}) ${st} = ${i};`);
        });
        const bodies = s.cases.map((c, i) => `case ${i}: {\n${this.list(c.body, l)}\n}`).join('\n');
        return [
          tick,
          `${l}: {`,
          `const ${v} = ${this.value(s.subject)};`,
          this.record(s, 'switch', v),
          `let ${st} = ${def};`,
          ...first,
          `switch (${st}) {\n${bodies}\n}`,
          '}',
        ].join('\n');
      }
      case 'assign': {
        const v = this.id('v');
        const name = s.target.name;
        const arg = s.target.arg;
        const lines = [tick, '{', `const ${v} = ${this.value(s.value)};`];
        if (name === 'var') {
          lines.push(`x.state.vars.set(${this.s(arg ?? '')}, ${v});`, this.record(s, 'assign', v));
        } else if (name === 'avp' || name === 'xavp') {
          lines.push(
            `x.state.avps.set(${this.s(`${name}:${arg ?? ''}`)}, ${v});`,
            this.record(s, 'assign', v),
          );
        } else {
          const ok = this.id('ok');
          lines.push(
            `const ${ok} = x.host.setPv(${this.s(name)}, ${arg === null ? 'null' : this.s(arg)}, ${v}, x.msg);`,
            this.record(
              s,
              'assign',
              v,
              `${ok} ? undefined : ${this.s(`$${name} was not set by this element`)}`,
            ),
          );
        }
        lines.push('}');
        return lines.join('\n');
      }
      case 'return':
        return [
          tick,
          `x.returnCode = ${s.value ? `toInt(${this.value(s.value)})` : '1'};`,
          this.record(s, 'return', 'x.returnCode'),
          `return ${RETURN};`,
        ].join('\n');
      case 'exit':
      case 'drop':
        return [tick, this.record(s, s.type, 'null'), `return ${s.type === 'exit' ? EXIT : DROP};`].join(
          '\n',
        );
      case 'break':
        return [tick, this.record(s, 'break', 'null'), brk ? `break ${brk};` : `return ${BREAK};`].join('\n');
      default:
        throw new Unsupported('unknown statement');
    }
  }

  // ------------------------------------------------------------------ calls

  /** A function for one call node (in the current variant), for calls inside value expressions. */
  private callFn(c: CallExpr): string {
    const name = this.id(this.rec ? 'fr' : 'fq');
    this.fns.push([`function ${name}(x) {`, ...this.callLines(c), '}'].join('\n'));
    return name;
  }

  /**
   * A call written out where it stands (a statement, or a call in a condition), its result
   * assigned to `out`: the block's code calls the host method itself, so the optimizing compiler
   * can inline the host method into the block without spending its inlining budget on a wrapper.
   */
  private callInline(c: CallExpr, out: string | null): string {
    const lines = this.callLines(c);
    const last = lines.pop()!;
    if (last.startsWith('return ')) {
      if (out) lines.push(`${out} = ${last.slice('return '.length)}`);
    } else lines.push(last);
    return `{\n${lines.join('\n')}\n}`;
  }

  /** The statements of a call, ending with `return <result>;` (or a throw). */
  private callLines(c: CallExpr): string[] {
    if (typeof c.name !== 'string' || !Array.isArray(c.args)) throw new Unsupported('bad call');
    const head = [this.tick(c, c.text)];
    if (this.rec) head.push(`const rec = x.rec(${this.at(c)}, ${this.s(c.text)}, "call", null);`);
    return [...head, ...(c.name === 'route' ? this.routeCall(c) : this.functionCall(c))];
  }

  private routeCall(c: CallExpr): string[] {
    const a = c.args[0];
    if (!a) throw new Unsupported('route() without a name');
    const lines: string[] = [];
    if (a.type === 'str' || a.type === 'num') {
      const target = this.script.routes.request.get(String(a.value ?? ''));
      if (!target) lines.push(`throw noRoute(${this.s(String(a.value ?? ''))});`);
      else lines.push(`const b = ${this.blockVars.get(target)!};`);
    } else {
      lines.push(
        `const name = String(${this.value(a)} ?? '');`,
        'const b = ROUTES.get(name);',
        'if (b === undefined) throw noRoute(name);',
      );
    }
    if (lines[0]!.startsWith('throw')) return lines;
    lines.push(`if (x.depth + 1 > x.maxDepth) depthLimit(x, ${this.at(c)}, ${this.s(c.text)});`);
    if (this.rec)
      lines.push(
        'let flow;',
        'try {',
        'flow = x.runBlock(b, x.depth + 1);',
        '} catch (e) {',
        'if (e instanceof End) rec.result = e.outcome;',
        'throw e;',
        '}',
      );
    else lines.push('const flow = x.runBlock(b, x.depth + 1);');
    lines.push(
      `if (flow === ${EXIT} || flow === ${DROP}) {`,
      `const end = flow === ${EXIT} ? END_EXIT : END_DROP;`,
      this.rec ? 'rec.result = end.outcome;' : '',
      'throw end;',
      '}',
      'const rc = x.returnCode;',
      this.rec ? 'rec.result = rc;' : '',
      'x.state.rc = rc;',
      'return rc;',
    );
    return lines;
  }

  private functionCall(c: CallExpr): string[] {
    const fname = c.name;
    if (!Object.prototype.hasOwnProperty.call(FUNCTIONS, fname)) throw new Unsupported('unknown function');
    const spec = FUNCTIONS[fname]!;
    // Arguments as the closure compiler takes them: literals (and format strings without `$`) are
    // constants; everything else is evaluated, in order, before the call.
    const lines: string[] = [];
    const consts: (ScriptValue | undefined)[] = [];
    const exprs: (string | null)[] = [];
    c.args.forEach((a, i) => {
      if (a.type === 'str' && spec.format?.includes(i) && a.value.includes('$')) {
        const t = this.id('a');
        lines.push(`const ${t} = x.expand(${this.s(a.value)});`);
        exprs.push(t);
        consts.push(null);
      } else if (a.type === 'str' || a.type === 'num') {
        exprs.push(null);
        consts.push(a.value);
      } else {
        const t = this.id('a');
        lines.push(`const ${t} = ${this.value(a)};`);
        exprs.push(t);
        consts.push(null);
      }
    });
    const allConst = exprs.every((e) => e === null);
    const argExpr = (i: number): string => exprs[i] ?? this.lit(consts[i]);
    const argArray = (): string =>
      allConst
        ? this.konst(`[${consts.map((v) => this.lit(v)).join(', ')}]`, true)
        : `[${exprs.map((_, i) => argExpr(i)).join(', ')}]`;
    const conv = (k: Conv, i: number): string => {
      if (i >= exprs.length) return this.convConst(k, undefined);
      const e = exprs[i];
      return e === null ? this.convConst(k, consts[i]) : `${k}(${e})`;
    };
    let call: string;
    let direct = true;
    const d = DIRECT[fname];
    if (fname === 'is_method') {
      if (allConst) {
        const list = String(consts[0] ?? '')
          .split('|')
          .map((m) => m.trim().toUpperCase());
        call = `x.host.isMethod(x.msg, ${this.konst(`[${list.map((m) => strLit(m)).join(', ')}]`, true)})`;
      } else call = `x.host.isMethod(x.msg, methodList(${conv('str', 0)}))`;
    } else if (d) {
      const args = d.args.map((k, i) => conv(k, i));
      call = `x.host.${d.method}(${['x.msg', ...args].join(', ')})`;
      if (d.result === 'one') call = `(${call}, 1)`;
    } else if (RELAY[fname]) {
      call = `x.host.${RELAY[fname]}(x.msg, ${exprs.length === 0 ? 'null' : `relay(${argArray()})`})`;
    } else {
      direct = false;
      const run = this.konst(`runner(${strLit(fname)})`);
      lines.push(
        'const notes = x.notes;',
        'if (notes.length !== 0) notes.length = 0;',
        'const ctx = x.ctx;',
        `ctx.args = ${argArray()};`,
      );
      call = `${run}(ctx)`;
    }
    lines.push(`const r = ${call};`, 'const n = r === true ? 1 : r === false ? -1 : nz(r);');
    if (this.rec) {
      lines.push('rec.result = n;');
      if (!direct) lines.push("if (notes.length) rec.note = notes.join('; ');");
      lines.push(`if (n === 0) rec.note = (rec.note ? rec.note + '; ' : '') + 'returned 0: script stops';`);
    }
    lines.push('x.state.rc = n;', 'if (n === 0) throw END_EXIT;', 'return n;');
    return lines;
  }

  private convConst(k: Conv, v: ScriptValue | undefined): string {
    if (k === 'int') return numLit(argInt(v));
    if (k === 'str') return this.s(argStr(v));
    const o = argOpt(v);
    return o === null ? 'null' : this.s(o);
  }

  // ------------------------------------------------------------------ expressions

  /** Statements evaluating a condition into the variable `t`, calls written out (see {@link callInline}). */
  private testInto(e: Expr, t: string): string {
    if (e.type === 'call') {
      const n = this.id('n');
      return `let ${n};\n${this.callInline(e, n)}\n${t} = ${n} > 0;`;
    }
    if (e.type === 'not') return `${this.testInto(e.expr, t)}\n${t} = !${t};`;
    if (e.type === 'bin' && (e.op === '&&' || e.op === '||'))
      return `${this.testInto(e.left, t)}\nif (${e.op === '&&' ? '' : '!'}${t}) {\n${this.testInto(e.right, t)}\n}`;
    return `${t} = ${this.test(e)};`;
  }

  private test(e: Expr): string {
    switch (e.type) {
      case 'call':
        return `(${this.callFn(e)}(x) > 0)`;
      case 'not':
        return `(!${this.test(e.expr)})`;
      case 'bin':
        if (e.op === '&&' || e.op === '||') return `(${this.test(e.left)} ${e.op} ${this.test(e.right)})`;
        return `truthy(${this.value(e)})`;
      default:
        return `truthy(${this.value(e)})`;
    }
  }

  private value(e: Expr): string {
    switch (e.type) {
      case 'str':
      case 'num':
        return this.lit(e.value);
      case 'pv':
        return this.pv(e.name, e.arg);
      case 'myself':
        return 'null';
      case 'call':
        return `${this.callFn(e)}(x)`;
      case 'not':
        return `(${this.test(e.expr)} ? 0 : 1)`;
      case 'bin':
        return this.binary(e);
      default:
        throw new Unsupported('unknown expression');
    }
  }

  private binary(e: Extract<Expr, { type: 'bin' }>): string {
    switch (e.op) {
      case '&&':
      case '||':
        return `(${this.test(e)} ? 1 : 0)`;
      case '==':
      case '!=': {
        const want = e.op === '==' ? 'true' : 'false';
        if (e.right.type === 'myself' || e.left.type === 'myself') {
          const other = this.value(e.right.type === 'myself' ? e.left : e.right);
          return `(myself(x, ${other}) === ${want} ? 1 : 0)`;
        }
        return `(leq(${this.value(e.left)}, ${this.value(e.right)}) === ${want} ? 1 : 0)`;
      }
      case '=~':
      case '!~': {
        const want = e.op === '=~' ? 'true' : 'false';
        const l = this.value(e.left);
        const re = e.regex;
        if (re) {
          if (!(re instanceof RegExp) || re.global || re.sticky) throw new Unsupported('stateful regex');
          const k = this.konst(`new RegExp(${strLit(re.source)}, ${strLit(re.flags)})`);
          return `(reTest(${k}, ${l}) === ${want} ? 1 : 0)`;
        }
        return `dynRe(x, ${l}, ${this.value(e.right)}, ${this.at(e)}, ${want})`;
      }
      case '<':
      case '>':
      case '<=':
      case '>=':
        return `${CMP[e.op]!}(${this.value(e.left)}, ${this.value(e.right)})`;
      case '+':
        return `add(${this.value(e.left)}, ${this.value(e.right)})`;
      case '-':
        return `(toInt(${this.value(e.left)}) - toInt(${this.value(e.right)}))`;
      default:
        throw new Unsupported('unknown operator');
    }
  }

  /** A pseudo-variable read, as the interpreter's `pvReader` makes it. */
  private pv(name: string, arg: string | null): string {
    if (typeof name !== 'string' || (arg !== null && typeof arg !== 'string'))
      throw new Unsupported('bad pv');
    switch (name) {
      case 'null':
        return 'null';
      case 'var':
        return `(x.state.vars.get(${this.s(arg ?? '')}) ?? null)`;
      case 'avp':
      case 'xavp':
        return `(x.state.avps.get(${this.s(`${name}:${arg ?? ''}`)}) ?? null)`;
      case 'rc':
      case 'retcode':
        return '(x.state.rc ?? null)';
      default:
        if (name === 'sel' && arg?.startsWith('cfg_get.')) {
          const key = arg.slice('cfg_get.'.length);
          const g = this.script.globals.find((x) => x.name === key);
          return this.lit(g ? g.value : null);
        }
        return `x.host.getPv(${this.s(name)}, ${arg === null ? 'null' : this.s(arg)}, x.msg)`;
    }
  }
}
