/**
 * Preprocessor and lexer of the routing-script language.
 *
 * The preprocessor handles Kamailio's `#!define`/`#!trydef`/`#!redefine`/`#!undef`,
 * `#!ifdef`/`#!ifndef`/`#!else`/`#!endif` (also spelled `!!`), keeping line numbers: inactive and
 * directive lines become blank lines of the same length, so offsets too stay those of the source. The lexer turns the result into tokens with positions and
 * replaces identifiers that name a define by the define's tokens.
 */
import type { SourcePos } from './ast';

export type TokenType = 'ident' | 'num' | 'str' | 'pv' | 'ip' | 'op' | 'eof';

export interface Token {
  type: TokenType;
  /** Identifier / operator text, unescaped string value, PV name, number text. */
  value: string;
  /** For `pv`: the raw argument inside `$name(...)`, else null. */
  arg: string | null;
  pos: SourcePos;
}

/** A problem found while preprocessing or lexing (positions are 1-based). */
export interface LexProblem {
  code: string;
  severity: 'error' | 'warning' | 'info';
  message: string;
  line: number;
  col: number;
  offset: number;
}

export interface Preprocessed {
  text: string;
  defines: Map<string, string>;
  problems: LexProblem[];
}

/** Same length as `line`, so offsets in the preprocessed text equal offsets in the source. */
function blank(line: string): string {
  return ' '.repeat(line.length);
}

const DIRECTIVE = /^[ \t]*(?:#!|!!)([A-Za-z_]+)[ \t]*(.*)$/;

/** Runs the `#!` preprocessor; `defines` are the `-D NAME[=value]` given on the command line. */
export function preprocess(source: string, defines: Record<string, string> = {}): Preprocessed {
  const lines = source.split('\n');
  const defs = new Map<string, string>(Object.entries(defines));
  const problems: LexProblem[] = [];
  // Stack of [active, seenElse, line]; a line is emitted when every level is active.
  const stack: { active: boolean; parentActive: boolean; seenElse: boolean; line: number }[] = [];
  let offset = 0;
  const active = (): boolean => stack.every((s) => s.active);
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    const lineNo = i + 1;
    const m = DIRECTIVE.exec(raw.replace(/\r$/, ''));
    const problem = (code: string, severity: LexProblem['severity'], message: string): void => {
      problems.push({ code, severity, message, line: lineNo, col: 1, offset });
    };
    if (m) {
      const dir = m[1]!.toLowerCase();
      const rest = m[2]!.trim();
      const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(rest)?.[0] ?? '';
      const isActive = active();
      switch (dir) {
        case 'ifdef':
        case 'ifndef': {
          const has = defs.has(name);
          stack.push({
            active: dir === 'ifdef' ? has : !has,
            parentActive: isActive,
            seenElse: false,
            line: lineNo,
          });
          break;
        }
        case 'else': {
          const top = stack[stack.length - 1];
          if (!top || top.seenElse)
            problem('script-preprocessor-else', 'error', '#!else without a matching #!ifdef');
          else {
            top.active = !top.active;
            top.seenElse = true;
          }
          break;
        }
        case 'endif':
          if (!stack.pop())
            problem('script-preprocessor-endif', 'error', '#!endif without a matching #!ifdef');
          break;
        case 'define':
        case 'trydef':
        case 'redefine':
          if (!isActive) break;
          if (!name) problem('script-preprocessor-define', 'error', `#!${dir} needs a name`);
          else if (dir === 'trydef' && defs.has(name)) break;
          else defs.set(name, rest.slice(name.length).trim());
          break;
        case 'undef':
          if (isActive) defs.delete(name);
          break;
        case 'kamailio':
        case 'ser':
        case 'openser':
        case 'sip-router':
        case 'all':
        case 'maxcompat':
          break;
        default:
          if (isActive)
            problem(
              'script-directive-ignored',
              'info',
              `preprocessor directive #!${m[1]} is not supported and was ignored`,
            );
      }
      out.push(blank(raw));
    } else {
      out.push(active() ? raw : blank(raw));
    }
    offset += raw.length + 1;
  }
  for (const s of stack)
    problems.push({
      code: 'script-preprocessor-unclosed',
      severity: 'error',
      message: '#!ifdef/#!ifndef is never closed by #!endif',
      line: s.line,
      col: 1,
      offset: 0,
    });
  return { text: out.join('\n'), defines: defs, problems };
}

const OPS3 = [':=='];
const OPS2 = ['==', '!=', '=~', '!~', '<=', '>=', '&&', '||', ':=', '+=', '=>'];
const OPS1 = '(){}[];,:=<>!+-.|&*/%';

const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isIdentStart = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
const isIdentChar = (c: number): boolean => isIdentStart(c) || isDigit(c);

/** Maximum depth of define expansion (a define referring to another define...). */
const MAX_DEFINE_DEPTH = 16;

export class Lexer {
  readonly tokens: Token[] = [];
  readonly problems: LexProblem[] = [];
  private i = 0;
  private line = 1;
  private lineStart = 0;

  constructor(
    private readonly src: string,
    private readonly defines: Map<string, string> = new Map(),
  ) {}

  run(): Token[] {
    const s = this.src;
    while (this.i < s.length) {
      const c = s[this.i]!;
      if (c === '\n') {
        this.i++;
        this.line++;
        this.lineStart = this.i;
        continue;
      }
      if (c === ' ' || c === '\t' || c === '\r') {
        this.i++;
        continue;
      }
      if (c === '#' || (c === '/' && s[this.i + 1] === '/')) {
        while (this.i < s.length && s[this.i] !== '\n') this.i++;
        continue;
      }
      if (c === '/' && s[this.i + 1] === '*') {
        const start = this.here();
        const close = s.indexOf('*/', this.i + 2);
        const stop = close < 0 ? s.length : close + 2;
        this.advanceTo(stop);
        if (close < 0) this.problem('script-unclosed-comment', 'a /* comment is never closed', start);
        continue;
      }
      const start = this.here();
      if (c === '"' || c === "'") {
        this.string(c, start);
      } else if (c === '$') {
        this.pv(start);
      } else if (isDigit(c.charCodeAt(0))) {
        this.number(start);
      } else if (isIdentStart(c.charCodeAt(0))) {
        let j = this.i + 1;
        while (j < s.length && isIdentChar(s.charCodeAt(j))) j++;
        const word = s.slice(this.i, j);
        this.i = j;
        this.ident(word, start, this.expandDepth);
      } else {
        const three = s.slice(this.i, this.i + 3);
        const two = s.slice(this.i, this.i + 2);
        const op = OPS3.includes(three) ? three : OPS2.includes(two) ? two : OPS1.includes(c) ? c : null;
        if (!op) {
          this.problem('script-unexpected-character', `unexpected character '${c}'`, start);
          this.i++;
          continue;
        }
        this.i += op.length;
        this.push('op', op, null, start);
      }
    }
    this.push('eof', '', null, this.here());
    return this.tokens;
  }

  private here(): { line: number; col: number; offset: number } {
    return { line: this.line, col: this.i - this.lineStart + 1, offset: this.i };
  }

  private advanceTo(stop: number): void {
    while (this.i < stop) {
      if (this.src[this.i] === '\n') {
        this.line++;
        this.lineStart = this.i + 1;
      }
      this.i++;
    }
  }

  private push(
    type: TokenType,
    value: string,
    arg: string | null,
    start: { line: number; col: number; offset: number },
  ): void {
    this.tokens.push({ type, value, arg, pos: { ...start, end: this.i } });
  }

  private problem(code: string, message: string, at: { line: number; col: number; offset: number }): void {
    this.problems.push({ code, severity: 'error', message, ...at });
  }

  private string(quote: string, start: { line: number; col: number; offset: number }): void {
    const s = this.src;
    let out = '';
    let j = this.i + 1;
    for (;;) {
      if (j >= s.length || s[j] === '\n') {
        this.advanceTo(j);
        this.problem('script-unterminated-string', 'string is not terminated on this line', start);
        this.push('str', out, null, start);
        return;
      }
      const ch = s[j]!;
      if (ch === quote) {
        j++;
        break;
      }
      if (ch === '\\' && j + 1 < s.length) {
        const e = s[j + 1]!;
        out +=
          e === 'n'
            ? '\n'
            : e === 'r'
              ? '\r'
              : e === 't'
                ? '\t'
                : e === '\\' || e === '"' || e === "'"
                  ? e
                  : '\\' + e;
        j += 2;
        continue;
      }
      out += ch;
      j++;
    }
    this.i = j;
    this.push('str', out, null, start);
  }

  private number(start: { line: number; col: number; offset: number }): void {
    const s = this.src;
    const ip = /^(?:[0-9]{1,3}\.){3}[0-9]{1,3}(?![0-9.])/.exec(s.slice(this.i, this.i + 16));
    if (ip) {
      this.i += ip[0].length;
      this.push('ip', ip[0], null, start);
      return;
    }
    const m = /^(?:0x[0-9a-fA-F]+|[0-9]+)/.exec(s.slice(this.i, this.i + 24))!;
    this.i += m[0].length;
    this.push('num', m[0], null, start);
  }

  /** `$name`, `$name(arg)`, `$(name...)`, `${...}`; the argument may nest parentheses. */
  private pv(start: { line: number; col: number; offset: number }): void {
    const s = this.src;
    let j = this.i + 1;
    if (s[j] === '(' || s[j] === '{') {
      const end = this.balanced(j);
      const inner = s.slice(j + 1, end - 1);
      this.i = end;
      this.push('pv', '', inner, start);
      return;
    }
    while (j < s.length && (isIdentChar(s.charCodeAt(j)) || s.charCodeAt(j) === 46)) j++;
    const name = s.slice(this.i + 1, j);
    if (!name) {
      this.i = j;
      this.problem('script-bad-pseudo-variable', "'$' must be followed by a pseudo-variable name", start);
      return;
    }
    let arg: string | null = null;
    if (s[j] === '(') {
      const end = this.balanced(j);
      arg = s.slice(j + 1, end - 1);
      j = end;
    }
    this.i = j;
    this.push('pv', name, arg, start);
  }

  /** Index just after the bracket that closes the one at `open` (or end of line when unclosed). */
  private balanced(open: number): number {
    const s = this.src;
    const o = s[open]!;
    const c = o === '(' ? ')' : '}';
    let depth = 0;
    for (let j = open; j < s.length; j++) {
      const ch = s[j]!;
      if (ch === '\n') break;
      if (ch === o) depth++;
      else if (ch === c && --depth === 0) return j + 1;
    }
    const eol = s.indexOf('\n', open);
    this.problem('script-bad-pseudo-variable', `'${o}' in a pseudo-variable is never closed`, this.here());
    return eol < 0 ? s.length : eol;
  }

  private ident(word: string, start: { line: number; col: number; offset: number }, depth: number): void {
    const def = this.defines.get(word);
    if (def === undefined) {
      this.push('ident', word, null, start);
      return;
    }
    if (depth >= MAX_DEFINE_DEPTH) {
      this.problem('script-define-recursion', `define ${word} expands too deeply`, start);
      return;
    }
    // Lex the define's body in isolation, then re-position its tokens at the use site.
    const sub = new Lexer(def, this.defines);
    sub.expandDepth = depth + 1;
    const toks = sub.run();
    for (const t of toks) {
      if (t.type === 'eof') break;
      this.tokens.push({ ...t, pos: { ...start, end: this.i } });
    }
    for (const p of sub.problems) this.problems.push({ ...p, ...start });
  }

  /** Set on nested lexers used for define expansion. */
  expandDepth = 0;
}

/** Preprocesses and lexes `source`. */
export function tokenize(
  source: string,
  defines: Record<string, string> = {},
): { tokens: Token[]; problems: LexProblem[]; text: string; defines: Map<string, string> } {
  const pre = preprocess(source, defines);
  const lx = new Lexer(pre.text, pre.defines);
  const tokens = lx.run();
  return { tokens, problems: [...pre.problems, ...lx.problems], text: pre.text, defines: pre.defines };
}
