/**
 * The display-filter language (Wireshark-like) — lexer and parser. Grammar:
 * ```
 * expr    := or
 * or      := and (("||" | "or") and)*
 * and     := not (("&&" | "and") not)*
 * not     := ("!" | "not") not | primary
 * primary := "(" expr ")" | field [op value]
 * op      := "==" | "eq" | "!=" | "ne" | "<" | "lt" | "<=" | "le" | ">" | "gt" | ">=" | "ge"
 *          | "contains" | "matches" | "~"
 * value   := "string" | number | bare word (IP address, CIDR, token)
 * ```
 * A field alone tests that it is present (and not false/0/empty). Errors carry the 1-based column.
 * Never throws: `parseFilter` returns the AST or an error.
 */

export type CompareOp = '==' | '!=' | '<' | '<=' | '>' | '>=' | 'contains' | 'matches';

export type FilterNode =
  | { type: 'or' | 'and'; left: FilterNode; right: FilterNode }
  | { type: 'not'; expr: FilterNode }
  | { type: 'exists'; field: string; column: number }
  | {
      type: 'compare';
      field: string;
      op: CompareOp;
      value: string | number;
      quoted: boolean;
      column: number;
    };

export interface FilterError {
  message: string;
  /** 1-based column of the offending token. */
  column: number;
}

export type ParseResult = { ok: true; ast: FilterNode } | { ok: false; error: FilterError };

type TokKind =
  'field' | 'string' | 'number' | 'word' | 'op' | 'and' | 'or' | 'not' | 'lparen' | 'rparen' | 'end';
interface Tok {
  kind: TokKind;
  text: string;
  value: string | number;
  column: number;
}

/** Field names without a dot (Wireshark's protocol fields: `sip contains "alice"`). */
const PROTOCOL_FIELDS: ReadonlySet<string> = new Set(['sip']);

const WORD_OPS: Record<string, CompareOp> = {
  eq: '==',
  ne: '!=',
  lt: '<',
  le: '<=',
  gt: '>',
  ge: '>=',
  contains: 'contains',
  matches: 'matches',
};

class Fail {
  constructor(readonly error: FilterError) {}
}

function lex(src: string): Tok[] | FilterError {
  const out: Tok[] = [];
  let i = 0;
  const n = src.length;
  while (i < n) {
    const c = src[i]!;
    const col = i + 1;
    // Any white space the bare-word scan below stops at (\v, \f, NBSP... too: else that scan reads an
    // empty word and never moves on).
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '(' || c === ')') {
      out.push({ kind: c === '(' ? 'lparen' : 'rparen', text: c, value: c, column: col });
      i++;
      continue;
    }
    if (c === '"') {
      let s = '';
      let j = i + 1;
      let closed = false;
      while (j < n) {
        const d = src[j]!;
        if (d === '\\' && j + 1 < n) {
          const e = src[j + 1]!;
          s += e === 'n' ? '\n' : e === 't' ? '\t' : e === 'r' ? '\r' : e;
          j += 2;
          continue;
        }
        if (d === '"') {
          closed = true;
          break;
        }
        s += d;
        j++;
      }
      if (!closed) return { message: 'unterminated string', column: col };
      out.push({ kind: 'string', text: src.slice(i, j + 1), value: s, column: col });
      i = j + 1;
      continue;
    }
    const two = src.slice(i, i + 2);
    if (two === '&&' || two === '||') {
      out.push({ kind: two === '&&' ? 'and' : 'or', text: two, value: two, column: col });
      i += 2;
      continue;
    }
    if (two === '==' || two === '!=' || two === '<=' || two === '>=') {
      out.push({ kind: 'op', text: two, value: two, column: col });
      i += 2;
      continue;
    }
    if (c === '<' || c === '>') {
      out.push({ kind: 'op', text: c, value: c, column: col });
      i++;
      continue;
    }
    if (c === '~') {
      out.push({ kind: 'op', text: c, value: 'matches', column: col });
      i++;
      continue;
    }
    if (c === '!') {
      out.push({ kind: 'not', text: c, value: c, column: col });
      i++;
      continue;
    }
    if (c === '=') return { message: 'use "==" to compare', column: col };
    if (c === '&' || c === '|') return { message: `use "${c}${c}"`, column: col };
    // A bare word: field name, number, keyword, address.
    let j = i;
    while (j < n && !/[\s()"!=<>~&|]/.test(src[j]!)) j++;
    const w = src.slice(i, j);
    const lw = w.toLowerCase();
    if (lw === 'and' || lw === 'or' || lw === 'not')
      out.push({ kind: lw as TokKind, text: w, value: w, column: col });
    else if (Object.hasOwn(WORD_OPS, lw))
      out.push({ kind: 'op', text: w, value: WORD_OPS[lw]!, column: col });
    else if (/^-?\d+(\.\d+)?$/.test(w)) out.push({ kind: 'number', text: w, value: Number(w), column: col });
    else if ((/^[a-z][a-z0-9_]*(\.[a-z0-9_-]+)+$/i.test(w) && !/^\d/.test(w)) || PROTOCOL_FIELDS.has(lw))
      out.push({ kind: 'field', text: w, value: w.toLowerCase(), column: col });
    else out.push({ kind: 'word', text: w, value: w, column: col });
    i = j;
  }
  out.push({ kind: 'end', text: '', value: '', column: n + 1 });
  return out;
}

/** Parses a filter expression. */
export function parseFilter(text: string): ParseResult {
  const toks = lex(text);
  if (!Array.isArray(toks)) return { ok: false, error: toks };
  let p = 0;
  const peek = (): Tok => toks[p]!;
  const next = (): Tok => toks[p++]!;
  const fail = (message: string, t: Tok): never => {
    throw new Fail({ message, column: t.column });
  };
  const orExpr = (): FilterNode => {
    let left = andExpr();
    while (peek().kind === 'or') {
      next();
      left = { type: 'or', left, right: andExpr() };
    }
    return left;
  };
  const andExpr = (): FilterNode => {
    let left = notExpr();
    while (peek().kind === 'and') {
      next();
      left = { type: 'and', left, right: notExpr() };
    }
    return left;
  };
  const notExpr = (): FilterNode => {
    if (peek().kind === 'not') {
      next();
      return { type: 'not', expr: notExpr() };
    }
    return primary();
  };
  const primary = (): FilterNode => {
    const t = next();
    if (t.kind === 'lparen') {
      const e = orExpr();
      const r = next();
      if (r.kind !== 'rparen')
        fail(r.kind === 'end' ? 'missing ")"' : `expected ")" but found "${r.text}"`, r);
      return e;
    }
    if (t.kind === 'end') fail('expression expected', t);
    if (t.kind !== 'field') fail(`expected a field name (like sip.method) but found "${t.text}"`, t);
    const field = t.value as string;
    if (peek().kind !== 'op') return { type: 'exists', field, column: t.column };
    const op = next();
    const v = next();
    if (v.kind !== 'string' && v.kind !== 'number' && v.kind !== 'word' && v.kind !== 'field') {
      fail(
        v.kind === 'end' ? `value expected after "${op.text}"` : `expected a value but found "${v.text}"`,
        v,
      );
    }
    const cop = op.value as CompareOp;
    if ((cop === '<' || cop === '<=' || cop === '>' || cop === '>=') && v.kind !== 'number') {
      fail(`"${op.text}" needs a number`, v);
    }
    return {
      type: 'compare',
      field,
      op: cop,
      value: v.kind === 'field' ? v.text : v.value,
      quoted: v.kind === 'string',
      column: t.column,
    };
  };
  try {
    const ast = orExpr();
    const rest = peek();
    if (rest.kind !== 'end')
      fail(rest.kind === 'rparen' ? 'unbalanced ")"' : `unexpected "${rest.text}"`, rest);
    return { ok: true, ast };
  } catch (e) {
    if (e instanceof Fail) return { ok: false, error: e.error };
    throw e;
  }
}
