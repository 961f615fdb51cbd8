/**
 * Recursive-descent parser of the routing-script language: tokens → {@link LoadedScript}.
 * Never throws: every problem becomes a located {@link ScriptDiagnostic} with a caret excerpt, and
 * the parser resynchronises at the next `;` or `}` so one load reports many errors.
 */
import type {
  BinaryOp,
  Expr,
  GlobalParam,
  ModParam,
  RouteBlock,
  RouteKind,
  ScriptValue,
  SourcePos,
  Stmt,
  SwitchCase,
} from './ast';
import { MAIN_ROUTE } from './ast';
import { FUNCTIONS, KNOWN_PVS } from './functions';
import type { Token } from './lexer';
import { tokenize } from './lexer';
import { compileScriptRegex } from './regex';

/** A load-time problem. `line`/`col` are 1-based; `excerpt` is the source line with a caret. */
export interface ScriptDiagnostic {
  /** Stable kebab-case code, e.g. `script-unknown-function`. */
  code: string;
  severity: 'error' | 'warning' | 'info';
  message: string;
  line: number;
  col: number;
  offset: number;
  excerpt: string;
}

export interface LoadedScript {
  source: string;
  routes: Record<RouteKind, Map<string, RouteBlock>>;
  globals: GlobalParam[];
  modules: { name: string; pos: SourcePos }[];
  modparams: ModParam[];
  defines: ReadonlyMap<string, string>;
}

export interface LoadOptions {
  /** Preprocessor defines, like `kamailio -A WITH_NAT` (value '' for a bare flag). */
  defines?: Record<string, string>;
  /** Deeper statement/expression nesting is a load error (protects the parser's stack). */
  maxNesting?: number;
}

export interface LoadResult {
  /** The loaded script, or null when there is at least one error. */
  script: LoadedScript | null;
  diagnostics: ScriptDiagnostic[];
}

/** Core keywords that read message fields, mapped to the equivalent pseudo-variable. */
const KEYWORD_PVS: Record<string, string> = {
  method: 'rm',
  uri: 'ru',
  from_uri: 'fu',
  to_uri: 'tu',
  src_ip: 'si',
  src_port: 'sp',
  dst_ip: 'Ri',
  dst_port: 'Rp',
  status: 'rs',
  proto: 'pr',
};

const ROUTE_KEYWORDS: Record<string, { kind: RouteKind; named: 'required' | 'optional' | 'none' }> = {
  route: { kind: 'request', named: 'optional' },
  request_route: { kind: 'request', named: 'none' },
  failure_route: { kind: 'failure', named: 'required' },
  onreply_route: { kind: 'onreply', named: 'optional' },
  reply_route: { kind: 'reply', named: 'none' },
  branch_route: { kind: 'branch', named: 'required' },
  event_route: { kind: 'event', named: 'required' },
  onsend_route: { kind: 'onsend', named: 'none' },
};

/** Value of the `max_len` keyword: Kamailio's BUF_SIZE. */
export const MAX_LEN = 65535;

/**
 * The module parameters the simulator's elements read (`module.param`: the proxy's timers,
 * sim/node-config.ts's use_domain); any other is reported ignored.
 */
export const HONORED_MODPARAMS: ReadonlySet<string> = new Set([
  'tm.fr_inv_timer',
  'tm.fr_timer',
  'usrloc.use_domain',
  'dispatcher.flags',
  'dispatcher.force_dst',
  'dispatcher.ds_ping_interval',
  'dispatcher.ds_ping_method',
  'dispatcher.ds_ping_from',
  'dispatcher.ds_probing_mode',
  'dispatcher.ds_probing_threshold',
  'dispatcher.ds_probing_threshhold',
  'dispatcher.ds_inactive_threshold',
  'dispatcher.ds_ping_reply_codes',
]);

const CMP_OPS: readonly string[] = ['==', '!=', '=~', '!~', '<', '>', '<=', '>='];
const MAX_ERRORS = 100;

class ParseError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly at: SourcePos,
  ) {
    super(message);
  }
}

/** Loads a routing script. Never throws. */
export function loadScript(source: string, options: LoadOptions = {}): LoadResult {
  const diagnostics: ScriptDiagnostic[] = [];
  try {
    const lx = tokenize(source, options.defines ?? {});
    const p = new Parser(source, lx.tokens, diagnostics, options.maxNesting ?? 64);
    for (const pr of lx.problems)
      p.diag(pr.code, pr.severity, pr.message, {
        line: pr.line,
        col: pr.col,
        offset: pr.offset,
        end: pr.offset,
      });
    const parsed = p.parseConfig();
    const script: LoadedScript = { source, ...parsed, defines: lx.defines };
    p.checkReferences(script);
    p.checkAckToTm(script);
    const failed = diagnostics.some((d) => d.severity === 'error');
    diagnostics.sort((a, b) => a.line - b.line || a.col - b.col);
    return { script: failed ? null : script, diagnostics };
  } catch (e) {
    // Defensive: a bug in the loader must not escape to the caller (STYLE.md habit 6).
    diagnostics.push({
      code: 'script-internal-error',
      severity: 'error',
      message: `internal loader error: ${(e as Error).message}`,
      line: 1,
      col: 1,
      offset: 0,
      excerpt: '',
    });
    return { script: null, diagnostics };
  }
}

/** The source line of `pos` with a caret under its column. */
export function caretExcerpt(source: string, line: number, col: number): string {
  let start = 0;
  for (let l = 1; l < line; l++) {
    const nl = source.indexOf('\n', start);
    if (nl < 0) {
      start = -1;
      break;
    }
    start = nl + 1;
  }
  const stop = start < 0 ? -1 : source.indexOf('\n', start);
  const raw = start < 0 ? '' : source.slice(start, stop < 0 ? source.length : stop);
  const text = raw.replace(/\r$/, '').replace(/\t/g, ' ');
  const num = String(line);
  return `${num} | ${text}\n${' '.repeat(num.length)} | ${' '.repeat(Math.max(0, col - 1))}^`;
}

class Parser {
  private i = 0;
  private depth = 0;
  private readonly routes: Record<RouteKind, Map<string, RouteBlock>> = {
    request: new Map(),
    failure: new Map(),
    onreply: new Map(),
    reply: new Map(),
    branch: new Map(),
    event: new Map(),
    onsend: new Map(),
  };
  private readonly globals: GlobalParam[] = [];
  private readonly modules: { name: string; pos: SourcePos }[] = [];
  private readonly modparams: ModParam[] = [];
  /** Route names used by route(...) / t_on_*(...), checked once every block is known. */
  private readonly routeRefs: { kind: RouteKind; name: string; pos: SourcePos }[] = [];

  constructor(
    private readonly source: string,
    private readonly toks: Token[],
    private readonly diagnostics: ScriptDiagnostic[],
    private readonly maxNesting: number,
  ) {}

  diag(code: string, severity: ScriptDiagnostic['severity'], message: string, at: SourcePos): void {
    if (this.diagnostics.length >= MAX_ERRORS) return;
    this.diagnostics.push({
      code,
      severity,
      message,
      line: at.line,
      col: at.col,
      offset: at.offset,
      excerpt: caretExcerpt(this.source, at.line, at.col),
    });
  }

  parseConfig(): Omit<LoadedScript, 'source' | 'defines'> {
    while (!this.atEof()) {
      const before = this.i;
      try {
        this.topLevel();
      } catch (e) {
        if (!(e instanceof ParseError)) throw e;
        this.diag(e.code, 'error', e.message, e.at);
        this.syncTopLevel(before);
      }
      if (this.diagnostics.length >= MAX_ERRORS) break;
    }
    return { routes: this.routes, globals: this.globals, modules: this.modules, modparams: this.modparams };
  }

  checkReferences(script: LoadedScript): void {
    for (const r of this.routeRefs) {
      if (!script.routes[r.kind].has(r.name)) {
        const what =
          r.kind === 'request'
            ? `route[${r.name}]`
            : `${r.kind === 'onreply' ? 'onreply' : r.kind}_route[${r.name}]`;
        this.diag('script-unknown-route', 'error', `${what} is not defined`, r.pos);
      }
    }
  }

  /**
   * `if (is_method("ACK")) { ... exit; }` in a request route with no tm call in its block: it works
   * here (the transaction layer takes the ACK of a non-2xx final response before the script, RFC
   * 3261 §17.2.1), but Kamailio's tm sees that ACK only through t_check_trans() or t_relay(), and
   * without them resends the final response (Kamailio 5.6.3 with such a script: the 480 again at
   * +0.5, +1.5, +3.5 s). An info diagnostic says so, once per such block.
   */
  checkAckToTm(script: LoadedScript): void {
    const TM = /^(t_check_trans|t_relay|t_relay_to_udp|t_relay_to_tcp|forward|route)$/;
    const exprCallsTm = (e: Expr): boolean =>
      e.type === 'call'
        ? TM.test(e.name) || e.args.some(exprCallsTm)
        : e.type === 'not'
          ? exprCallsTm(e.expr)
          : e.type === 'bin' && (exprCallsTm(e.left) || exprCallsTm(e.right));
    const callsTm = (body: readonly Stmt[]): boolean =>
      body.some((st) => {
        switch (st.type) {
          case 'call':
            return exprCallsTm(st.call);
          case 'if':
            return exprCallsTm(st.cond) || callsTm(st.then) || (st.else !== null && callsTm(st.else));
          case 'while':
            return exprCallsTm(st.cond) || callsTm(st.body);
          case 'switch':
            return st.cases.some((c) => callsTm(c.body));
          default:
            return false;
        }
      });
    const isAckTest = (e: Expr): boolean =>
      e.type === 'call' &&
      e.name === 'is_method' &&
      e.args[0]?.type === 'str' &&
      e.args[0].value.trim().toUpperCase() === 'ACK';
    const walk = (body: readonly Stmt[]): void => {
      for (const st of body) {
        if (st.type === 'if') {
          if (
            isAckTest(st.cond) &&
            st.then.some((x) => x.type === 'exit' || x.type === 'drop') &&
            !callsTm(st.then)
          )
            this.diag(
              'script-ack-not-to-tm',
              'info',
              "this ACK exits without t_check_trans(): sipscope takes the ACK of a negative final response before the script (RFC 3261 §17.2.1), but Kamailio's tm sees it only through t_check_trans() or t_relay() and would send that response again",
              st.pos,
            );
          walk(st.then);
          if (st.else !== null) walk(st.else);
        } else if (st.type === 'while') walk(st.body);
        else if (st.type === 'switch') for (const c of st.cases) walk(c.body);
      }
    };
    for (const block of script.routes.request.values()) walk(block.body);
  }

  // ---- token helpers
  private peek(k = 0): Token {
    return this.toks[Math.min(this.i + k, this.toks.length - 1)]!;
  }
  private next(): Token {
    const t = this.peek();
    if (t.type !== 'eof') this.i++;
    return t;
  }
  private atEof(): boolean {
    return this.peek().type === 'eof';
  }
  private atOp(op: string, k = 0): boolean {
    const t = this.peek(k);
    return t.type === 'op' && t.value === op;
  }
  private atIdent(word?: string): boolean {
    const t = this.peek();
    return t.type === 'ident' && (word === undefined || t.value === word);
  }
  private expectOp(op: string, what?: string): Token {
    const t = this.peek();
    if (t.type === 'op' && t.value === op) return this.next();
    throw new ParseError(
      'script-syntax-error',
      `expected '${op}'${what ? ` ${what}` : ''} but found ${describe(t)}`,
      t.pos,
    );
  }
  private expectString(what: string): Token {
    const t = this.peek();
    if (t.type === 'str') return this.next();
    throw new ParseError('script-syntax-error', `expected a string ${what} but found ${describe(t)}`, t.pos);
  }
  private span(from: Token, to: Token): SourcePos {
    return { ...from.pos, end: to.pos.end };
  }
  private textOf(pos: SourcePos): string {
    const t = this.source.slice(pos.offset, pos.end).replace(/\s+/g, ' ').trim();
    return t.length > 160 ? t.slice(0, 157) + '...' : t;
  }
  private prev(): Token {
    return this.toks[Math.max(0, this.i - 1)]!;
  }

  /** After a top-level error: skip to the next token on a later line that can start a top-level item. */
  private syncTopLevel(before: number): void {
    if (this.i === before) this.next();
    let braces = 0;
    while (!this.atEof()) {
      const t = this.peek();
      if (t.type === 'op' && t.value === '{') braces++;
      if (t.type === 'op' && t.value === '}') {
        braces--;
        this.next();
        if (braces <= 0) return;
        continue;
      }
      if (
        braces <= 0 &&
        t.type === 'ident' &&
        (t.value in ROUTE_KEYWORDS || t.value === 'loadmodule' || t.value === 'modparam') &&
        t.pos.col === 1
      )
        return;
      this.next();
    }
  }

  // ---- top level
  private topLevel(): void {
    const t = this.peek();
    if (t.type === 'op' && t.value === ';') {
      this.next();
      return;
    }
    if (t.type !== 'ident')
      throw new ParseError(
        'script-syntax-error',
        `expected a route block, loadmodule, modparam or a global parameter but found ${describe(t)}`,
        t.pos,
      );
    const rk = Object.hasOwn(ROUTE_KEYWORDS, t.value) ? ROUTE_KEYWORDS[t.value] : undefined;
    if (rk && (this.atOp('{', 1) || this.atOp('[', 1))) return this.routeBlock(rk.kind, rk.named);
    switch (t.value) {
      case 'loadmodule':
      case 'loadmodulex': {
        this.next();
        const name = this.expectString('(module file name)');
        this.modules.push({ name: name.value, pos: this.span(t, name) });
        this.diag(
          'script-loadmodule-ignored',
          'info',
          `loadmodule "${name.value}" ignored: the simulator provides the functions itself`,
          t.pos,
        );
        return;
      }
      case 'modparam': {
        this.next();
        this.expectOp('(');
        const mod = this.expectString('(module name)');
        this.expectOp(',');
        const param = this.expectString('(parameter name)');
        this.expectOp(',');
        const value = this.constant();
        const close = this.expectOp(')');
        this.modparams.push({ module: mod.value, param: param.value, value, pos: this.span(t, close) });
        if (!HONORED_MODPARAMS.has(`${mod.value}.${param.value}`))
          this.diag(
            'script-modparam-ignored',
            'info',
            mod.value === 'dispatcher' && (param.value === 'list_file' || param.value === 'db_url')
              ? `modparam("dispatcher", "${param.value}") ignored: the simulator reads the destination list from the node's \`dispatcher:\` key (dispatcher.list lines)`
              : `modparam("${mod.value}", "${param.value}") ignored (the simulator reads ${[...HONORED_MODPARAMS].join(', ')})`,
            t.pos,
          );
        return;
      }
      case 'import_file':
      case 'include_file': {
        this.next();
        const f = this.expectString('(file name)');
        this.diag(
          'script-include-ignored',
          'info',
          `${t.value} "${f.value}" ignored: scripts cannot read files`,
          t.pos,
        );
        return;
      }
    }
    // Global parameter: name[.name] = value [desc "..."]  (value is the rest of the line)
    let j = 1;
    while (this.atOp('.', j) && this.peek(j + 1).type === 'ident') j += 2;
    if (this.atOp('=', j)) {
      const name = this.toks
        .slice(this.i, this.i + j)
        .map((x) => x.value)
        .join('');
      const eq = this.peek(j);
      const lineEnd = this.source.indexOf('\n', eq.pos.end);
      let raw = this.source.slice(eq.pos.end, lineEnd < 0 ? this.source.length : lineEnd);
      raw = stripLineComment(raw).trim();
      const single = /^"((?:[^"\\]|\\.)*)"$/.exec(raw);
      const desc = /^(.*?)\s+desc\s+"[^"]*"$/.exec(raw);
      const value = single ? single[1]! : desc ? desc[1]!.replace(/^"(.*)"$/, '$1') : raw;
      this.globals.push({ name, value, pos: { ...t.pos, end: eq.pos.end + raw.length } });
      // Past the name and '=' first: they may stand on other lines than the value (`fork\n=yes`), and
      // skipping only the tokens on '='s line left the parser on the name, reading it again for ever.
      for (let k = 0; k <= j; k++) this.next();
      while (!this.atEof() && this.peek().pos.line === eq.pos.line) this.next();
      return;
    }
    if (KEYWORD_LIKE_TOP.has(t.value))
      throw new ParseError(
        'script-syntax-error',
        `'${t.value}' must be followed by '{' or '[NAME]'`,
        this.peek(1).pos,
      );
    throw new ParseError(
      'script-syntax-error',
      `unexpected '${t.value}' at top level (expected a route block, loadmodule, modparam or name=value)`,
      t.pos,
    );
  }

  /** A modparam value: string(s) (adjacent strings concatenate), number, or identifier. */
  private constant(): ScriptValue {
    const t = this.peek();
    if (t.type === 'str') {
      let s = '';
      while (this.peek().type === 'str') s += this.next().value;
      return s;
    }
    if (t.type === 'num') return Number(this.next().value);
    if (t.type === 'op' && t.value === '-' && this.peek(1).type === 'num') {
      this.next();
      return -Number(this.next().value);
    }
    if (t.type === 'ident' || t.type === 'pv' || t.type === 'ip') return this.next().value;
    throw new ParseError('script-syntax-error', `expected a value but found ${describe(t)}`, t.pos);
  }

  private routeBlock(kind: RouteKind, named: 'required' | 'optional' | 'none'): void {
    const kw = this.next();
    let name = MAIN_ROUTE;
    if (this.atOp('[')) {
      if (named === 'none')
        throw new ParseError('script-syntax-error', `${kw.value} takes no [NAME]`, this.peek().pos);
      const open = this.next();
      let n = '';
      while (!this.atOp(']')) {
        const x = this.peek();
        if (x.type === 'eof' || x.pos.line !== open.pos.line)
          throw new ParseError('script-syntax-error', `'[' of ${kw.value} is not closed by ']'`, open.pos);
        n += this.next().value;
      }
      this.next();
      if (!n) throw new ParseError('script-syntax-error', `${kw.value} needs a name inside [ ]`, open.pos);
      name = n;
    } else if (named === 'required') {
      throw new ParseError(
        'script-syntax-error',
        `${kw.value} needs a name: ${kw.value}[NAME]`,
        this.peek().pos,
      );
    }
    let k = kind;
    // `route[0]`/`route[main]` is the main request route; an unnamed onreply_route is the global reply route.
    if (k === 'request' && (name === '0' || name === 'main' || name === 'DEFAULT_ROUTE')) name = MAIN_ROUTE;
    if (k === 'onreply' && (name === MAIN_ROUTE || name === '0')) {
      k = 'reply';
      name = MAIN_ROUTE;
    }
    const body = this.block();
    const block: RouteBlock = { kind: k, name, body, pos: this.span(kw, this.prev()) };
    if (this.routes[k].has(name))
      this.diag(
        'script-duplicate-route',
        'error',
        `${kw.value}${name === MAIN_ROUTE ? '' : `[${name}]`} is defined twice`,
        kw.pos,
      );
    else this.routes[k].set(name, block);
  }

  // ---- statements
  private block(): Stmt[] {
    const open = this.expectOp('{', 'to open a block');
    const out: Stmt[] = [];
    this.enter(open);
    try {
      while (!this.atOp('}')) {
        if (this.atEof())
          throw new ParseError('script-syntax-error', "block opened here is never closed by '}'", open.pos);
        const before = this.i;
        try {
          out.push(...this.statement());
        } catch (e) {
          if (!(e instanceof ParseError) || e.message.includes('never closed')) throw e;
          this.diag(e.code, 'error', e.message, e.at);
          this.syncStatement(before);
        }
      }
      this.next();
    } finally {
      this.depth--;
    }
    return out;
  }

  private enter(at: Token): void {
    if (++this.depth > this.maxNesting) {
      this.depth--;
      throw new ParseError(
        'script-nesting-too-deep',
        `nesting deeper than ${this.maxNesting} levels`,
        at.pos,
      );
    }
  }

  private syncStatement(before: number): void {
    if (this.i === before) this.next();
    let braces = 0;
    while (!this.atEof()) {
      const t = this.peek();
      if (t.type === 'op' && t.value === ';' && braces === 0) {
        this.next();
        return;
      }
      if (t.type === 'op' && t.value === '{') braces++;
      if (t.type === 'op' && t.value === '}') {
        if (braces === 0) return;
        braces--;
      }
      this.next();
    }
  }

  private bodyOrStatement(): Stmt[] {
    if (this.atOp('{')) return this.block();
    return this.statement();
  }

  private semicolon(after: string): void {
    if (this.atOp(';')) {
      this.next();
      return;
    }
    // Kamailio accepts a missing ';' before '}' after exit/drop/return/break, not after calls.
    const t = this.peek();
    throw new ParseError(
      'script-expected-semicolon',
      `expected ';' after ${after} but found ${describe(t)}`,
      t.pos,
    );
  }

  private statement(): Stmt[] {
    const t = this.peek();
    if (t.type === 'op' && t.value === ';') {
      this.next();
      return [];
    }
    if (t.type === 'op' && t.value === '{') return this.block();
    if (t.type === 'pv') return [this.assignment()];
    if (t.type !== 'ident')
      throw new ParseError('script-syntax-error', `expected a statement but found ${describe(t)}`, t.pos);
    switch (t.value) {
      case 'if': {
        this.next();
        this.expectOp('(', "after 'if'");
        const cond = this.expr();
        const close = this.expectOp(')', 'to close the condition');
        const head = this.span(t, close);
        this.enter(t);
        try {
          const then = this.bodyOrStatement();
          let els: Stmt[] | null = null;
          if (this.atIdent('else')) {
            this.next();
            els = this.bodyOrStatement();
          }
          return [{ type: 'if', cond, then, else: els, pos: head, text: this.textOf(head) }];
        } finally {
          this.depth--;
        }
      }
      case 'while': {
        this.next();
        this.expectOp('(', "after 'while'");
        const cond = this.expr();
        const close = this.expectOp(')', 'to close the condition');
        const head = this.span(t, close);
        const body = this.bodyOrStatement();
        return [{ type: 'while', cond, body, pos: head, text: this.textOf(head) }];
      }
      case 'switch':
        return [this.switchStatement()];
      case 'exit':
      case 'drop':
      case 'break': {
        this.next();
        if (t.value === 'exit' && this.atOp('(')) {
          this.next();
          if (!this.atOp(')')) this.expr();
          this.expectOp(')');
        }
        const pos = this.span(t, this.prev());
        if (!this.atOp('}')) this.semicolon(`'${t.value}'`);
        return [{ type: t.value as 'exit' | 'drop' | 'break', pos, text: t.value }];
      }
      case 'return': {
        this.next();
        let value: Expr | null = null;
        if (!this.atOp(';') && !this.atOp('}')) value = this.expr();
        const pos = this.span(t, this.prev());
        if (!this.atOp('}')) this.semicolon("'return'");
        return [{ type: 'return', value, pos, text: this.textOf(pos) }];
      }
      case 'else':
        throw new ParseError('script-syntax-error', "'else' without a matching 'if'", t.pos);
      case 'case':
      case 'default':
        throw new ParseError('script-syntax-error', `'${t.value}' outside a switch`, t.pos);
    }
    const call = this.callExpr(true);
    const pos = call.pos;
    this.semicolon(`${call.name}(...)`);
    return [{ type: 'call', call, pos, text: this.textOf(pos) }];
  }

  private assignment(): Stmt {
    const target = this.pvExpr(this.next());
    if (target.type !== 'pv')
      throw new ParseError('script-syntax-error', 'only a pseudo-variable can be assigned', target.pos);
    if (!(this.atOp('=') || this.atOp(':=')))
      throw new ParseError(
        'script-syntax-error',
        `expected '=' after ${this.textOf(target.pos)} but found ${describe(this.peek())}`,
        this.peek().pos,
      );
    if (READ_ONLY_PVS.has(target.name))
      this.diag('script-read-only-pseudo-variable', 'error', `$${target.name} is read-only`, target.pos);
    this.next();
    const value = this.expr();
    const pos = { ...target.pos, end: this.prev().pos.end };
    this.semicolon('the assignment');
    return { type: 'assign', target, value, pos, text: this.textOf(pos) };
  }

  private switchStatement(): Stmt {
    const t = this.next();
    this.expectOp('(', "after 'switch'");
    const subject = this.expr();
    const close = this.expectOp(')');
    const head = this.span(t, close);
    const open = this.expectOp('{', 'to open the switch body');
    const cases: SwitchCase[] = [];
    this.enter(open);
    try {
      while (!this.atOp('}')) {
        const c = this.peek();
        if (c.type === 'eof')
          throw new ParseError('script-syntax-error', "switch body is never closed by '}'", open.pos);
        let values: ScriptValue[] | null;
        if (this.atIdent('case')) {
          this.next();
          values = [this.constant()];
        } else if (this.atIdent('default')) {
          this.next();
          values = null;
        } else
          throw new ParseError(
            'script-syntax-error',
            `expected 'case' or 'default' but found ${describe(c)}`,
            c.pos,
          );
        this.expectOp(':');
        const body: Stmt[] = [];
        while (!this.atIdent('case') && !this.atIdent('default') && !this.atOp('}') && !this.atEof())
          body.push(...this.statement());
        cases.push({ values, body, pos: c.pos });
      }
      this.next();
    } finally {
      this.depth--;
    }
    // Adjacent `case -1: case -3:` with empty bodies fall through in the interpreter.
    return { type: 'switch', subject, cases, pos: head, text: this.textOf(head) };
  }

  // ---- expressions
  private expr(): Expr {
    const start = this.peek();
    this.enter(start);
    try {
      return this.orExpr();
    } finally {
      this.depth--;
    }
  }

  private orExpr(): Expr {
    let left = this.andExpr();
    while (this.atOp('||')) {
      this.next();
      const right = this.andExpr();
      left = { type: 'bin', op: '||', left, right, pos: { ...left.pos, end: right.pos.end } };
    }
    return left;
  }

  private andExpr(): Expr {
    let left = this.cmpExpr();
    while (this.atOp('&&')) {
      this.next();
      const right = this.cmpExpr();
      left = { type: 'bin', op: '&&', left, right, pos: { ...left.pos, end: right.pos.end } };
    }
    return left;
  }

  private cmpExpr(): Expr {
    const left = this.addExpr();
    const t = this.peek();
    if (t.type === 'op' && CMP_OPS.includes(t.value)) {
      this.next();
      const right = this.addExpr();
      const node: Expr = {
        type: 'bin',
        op: t.value as BinaryOp,
        left,
        right,
        pos: { ...left.pos, end: right.pos.end },
      };
      if ((t.value === '=~' || t.value === '!~') && right.type === 'str') {
        const r = compileScriptRegex(right.value);
        if (r.ok) node.regex = r.re;
        else
          this.diag(
            r.error.startsWith('invalid') ? 'script-invalid-regex' : 'script-unsafe-regex',
            'error',
            r.error,
            right.pos,
          );
      }
      return node;
    }
    return left;
  }

  private addExpr(): Expr {
    let left = this.unary();
    while (this.atOp('+') || this.atOp('-')) {
      const op = this.next().value as '+' | '-';
      const right = this.unary();
      left = { type: 'bin', op, left, right, pos: { ...left.pos, end: right.pos.end } };
    }
    return left;
  }

  private unary(): Expr {
    const t = this.peek();
    if (t.type === 'op' && t.value === '!') {
      this.next();
      this.enter(t);
      try {
        // SER/Kamailio keyword tests are atomic: `!uri==myself` is `!(uri==myself)`, `!method=="X"` likewise.
        const n = this.peek();
        const keywordTest =
          n.type === 'ident' &&
          (Object.hasOwn(KEYWORD_PVS, n.value) || n.value === 'msg') &&
          !this.atOp('(', 1);
        const e = keywordTest ? this.cmpExpr() : this.unary();
        return { type: 'not', expr: e, pos: { ...t.pos, end: e.pos.end } };
      } finally {
        this.depth--;
      }
    }
    if (t.type === 'op' && t.value === '-' && this.peek(1).type === 'num') {
      this.next();
      const n = this.next();
      return { type: 'num', value: -parseNum(n.value), pos: this.span(t, n) };
    }
    return this.primary();
  }

  private primary(): Expr {
    const t = this.peek();
    switch (t.type) {
      case 'num':
        this.next();
        return { type: 'num', value: parseNum(t.value), pos: t.pos };
      case 'str': {
        let s = '';
        const first = t;
        while (this.peek().type === 'str') s += this.next().value;
        return { type: 'str', value: s, pos: this.span(first, this.prev()) };
      }
      case 'ip':
        this.next();
        return { type: 'str', value: t.value, pos: t.pos };
      case 'pv':
        return this.pvExpr(this.next());
      case 'op':
        if (t.value === '(') {
          this.next();
          const e = this.expr();
          this.expectOp(')', 'to close the parenthesis');
          return e;
        }
        break;
      case 'ident': {
        if (t.value === 'myself') {
          this.next();
          return { type: 'myself', pos: t.pos };
        }
        // `msg:len` (message length, $ml) and `max_len` (Kamailio's BUF_SIZE, 65535).
        if (
          t.value === 'msg' &&
          this.atOp(':', 1) &&
          this.peek(2).type === 'ident' &&
          this.peek(2).value === 'len'
        ) {
          this.next();
          this.next();
          const len = this.next();
          return { type: 'pv', name: 'ml', arg: null, pos: this.span(t, len) };
        }
        if (t.value === 'max_len' && !this.atOp('(', 1)) {
          this.next();
          return { type: 'num', value: MAX_LEN, pos: t.pos };
        }
        const kw = Object.hasOwn(KEYWORD_PVS, t.value) ? KEYWORD_PVS[t.value] : undefined;
        if (kw && !this.atOp('(', 1)) {
          this.next();
          return { type: 'pv', name: kw, arg: null, pos: t.pos };
        }
        return this.callExpr(false);
      }
    }
    throw new ParseError('script-syntax-error', `expected a value but found ${describe(t)}`, t.pos);
  }

  private pvExpr(t: Token): Expr {
    if (t.value === '') {
      this.diag(
        'script-unsupported-transformation',
        'error',
        'pseudo-variable transformations $(...) are not supported',
        t.pos,
      );
    } else if (!KNOWN_PVS.has(t.value)) {
      this.diag('script-unknown-pseudo-variable', 'error', `unknown pseudo-variable $${t.value}`, t.pos);
    } else if (NEEDS_ARG.has(t.value) && t.arg === null) {
      this.diag('script-bad-pseudo-variable', 'error', `$${t.value} needs a name: $${t.value}(name)`, t.pos);
    }
    if (t.value === 'null') return { type: 'pv', name: 'null', arg: null, pos: t.pos };
    return { type: 'pv', name: t.value, arg: t.arg, pos: t.pos };
  }

  /** `name(args)` or, in statement position, a bare `name` for functions without arguments. */
  private callExpr(statement: boolean): Extract<Expr, { type: 'call' }> {
    const nameTok = this.next();
    if (nameTok.type !== 'ident')
      throw new ParseError(
        'script-syntax-error',
        `expected a function name but found ${describe(nameTok)}`,
        nameTok.pos,
      );
    const name = nameTok.value;
    const isRoute = name === 'route';
    // Own names only: `toString`, `constructor` … of Object.prototype are not catalogue entries.
    const spec = Object.hasOwn(FUNCTIONS, name) ? FUNCTIONS[name] : undefined;
    if (!this.atOp('(')) {
      if (!isRoute && statement && spec && spec.min === 0)
        return { type: 'call', name, args: [], pos: nameTok.pos, text: name };
      if (!spec && !isRoute)
        throw new ParseError(
          'script-unknown-function',
          `unknown function or identifier '${name}'`,
          nameTok.pos,
        );
      throw new ParseError('script-syntax-error', `expected '(' after ${name}`, this.peek().pos);
    }
    this.next();
    const args: Expr[] = [];
    const routeArgIndex = isRoute ? 0 : spec?.routeArg?.index;
    while (!this.atOp(')')) {
      if (args.length) this.expectOp(',', 'between arguments');
      const a = this.peek();
      if (
        args.length === routeArgIndex &&
        (a.type === 'ident' || a.type === 'num') &&
        (this.atOp(',', 1) || this.atOp(')', 1))
      ) {
        this.next();
        args.push({ type: 'str', value: a.value, pos: a.pos });
      } else args.push(this.expr());
      if (this.atEof()) break;
    }
    const close = this.expectOp(')', `to close ${name}(`);
    const pos = this.span(nameTok, close);
    if (isRoute) {
      if (args.length !== 1)
        this.diag('script-wrong-arity', 'error', 'route() takes exactly one route name', pos);
      else this.routeRef(args[0]!, 'request');
    } else if (!spec) {
      this.diag('script-unknown-function', 'error', `unknown function '${name}'`, nameTok.pos);
    } else {
      if (args.length < spec.min || args.length > spec.max) {
        const range = spec.min === spec.max ? `${spec.min}` : `${spec.min} to ${spec.max}`;
        this.diag(
          'script-wrong-arity',
          'error',
          `${name}() takes ${range} argument${spec.max === 1 ? '' : 's'}, got ${args.length}`,
          pos,
        );
      }
      if (spec.routeArg && args[spec.routeArg.index])
        this.routeRef(args[spec.routeArg.index]!, spec.routeArg.kind);
    }
    return { type: 'call', name, args, pos, text: this.textOf(pos) };
  }

  private routeRef(arg: Expr, kind: RouteKind): void {
    if (arg.type === 'str' || arg.type === 'num')
      this.routeRefs.push({ kind, name: String(arg.value), pos: arg.pos });
  }
}

const KEYWORD_LIKE_TOP = new Set(Object.keys(ROUTE_KEYWORDS));
/** Pseudo-variables that cannot be assigned. */
const READ_ONLY_PVS = new Set([
  'rm',
  'si',
  'sp',
  'ci',
  'rs',
  'rr',
  'ua',
  'ft',
  'tt',
  'fu',
  'tu',
  'cs',
  'mt',
  'ml',
  'rc',
  'retcode',
  'null',
  'Ri',
  'Rp',
  'pr',
  'proto',
  'T_reply_code',
  'T_branch_idx',
]);
/** Pseudo-variables that must name something: `$var(x)`, `$hdr(Name)`, ... */
const NEEDS_ARG = new Set(['var', 'avp', 'xavp', 'hdr', 'hdrc']);

function parseNum(s: string): number {
  return s.startsWith('0x') ? Number.parseInt(s.slice(2), 16) : Number(s);
}

function describe(t: Token): string {
  switch (t.type) {
    case 'eof':
      return 'the end of the script';
    case 'str':
      return `string "${t.value.length > 20 ? t.value.slice(0, 20) + '...' : t.value}"`;
    case 'pv':
      return `$${t.value}`;
    default:
      return `'${t.value}'`;
  }
}

/** Removes a trailing `# comment` that is not inside quotes. */
function stripLineComment(s: string): string {
  let q: string | null = null;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (q) {
      if (c === '\\') i++;
      else if (c === q) q = null;
    } else if (c === '"' || c === "'") q = c;
    else if (c === '#' || (c === '/' && (s[i + 1] === '/' || s[i + 1] === '*'))) return s.slice(0, i);
  }
  return s;
}
