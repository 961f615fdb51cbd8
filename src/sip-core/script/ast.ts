/**
 * AST of the routing-script language (a Kamailio/SER subset; see docs/script.md).
 * Every node carries its source position so diagnostics and execution records can point at it.
 */

/** 1-based line and column, 0-based offset of the first character, and end offset (exclusive). */
export interface SourcePos {
  line: number;
  col: number;
  offset: number;
  end: number;
}

/** Values the language computes with. `null` is `$null` (absent). */
export type ScriptValue = string | number | null;

export type BinaryOp = '||' | '&&' | '==' | '!=' | '=~' | '!~' | '<' | '>' | '<=' | '>=' | '+' | '-';

export type Expr =
  | { type: 'str'; value: string; pos: SourcePos }
  | { type: 'num'; value: number; pos: SourcePos }
  /** `$name` or `$name(arg)`; `arg` is the raw text between the parentheses. */
  | { type: 'pv'; name: string; arg: string | null; pos: SourcePos }
  /** The `myself` keyword: compares equal to any address or URI of this element. */
  | { type: 'myself'; pos: SourcePos }
  /** `text` is the call's source text, whitespace collapsed (for execution records). */
  | { type: 'call'; name: string; args: Expr[]; pos: SourcePos; text: string }
  | { type: 'not'; expr: Expr; pos: SourcePos }
  /** `regex` is the compiled right-hand side of `=~`/`!~` when it is a literal (compiled once). */
  | { type: 'bin'; op: BinaryOp; left: Expr; right: Expr; pos: SourcePos; regex?: RegExp };

/** A `case` of a `switch`; `values` null means `default`. */
export interface SwitchCase {
  values: ScriptValue[] | null;
  body: Stmt[];
  pos: SourcePos;
}

interface StmtBase {
  pos: SourcePos;
  /** The statement's source text, whitespace collapsed (for execution records). */
  text: string;
}

export type Stmt =
  | (StmtBase & { type: 'call'; call: Extract<Expr, { type: 'call' }> })
  | (StmtBase & { type: 'if'; cond: Expr; then: Stmt[]; else: Stmt[] | null })
  | (StmtBase & { type: 'while'; cond: Expr; body: Stmt[] })
  | (StmtBase & { type: 'switch'; subject: Expr; cases: SwitchCase[] })
  | (StmtBase & { type: 'assign'; target: Extract<Expr, { type: 'pv' }>; value: Expr })
  | (StmtBase & { type: 'exit' | 'drop' | 'break' })
  | (StmtBase & { type: 'return'; value: Expr | null });

/**
 * Kinds of route blocks. `request` covers `request_route`, `route` and `route[NAME]` (named
 * sub-routes live in the same table); `reply` is the global `reply_route`/unnamed `onreply_route`.
 */
export type RouteKind = 'request' | 'failure' | 'onreply' | 'branch' | 'reply' | 'event' | 'onsend';

/** Name of the main block of a kind (`request_route`, `route {}`, `route[0]`, `reply_route`). */
export const MAIN_ROUTE = 'main';

export interface RouteBlock {
  kind: RouteKind;
  name: string;
  body: Stmt[];
  pos: SourcePos;
}

/** A global parameter line such as `listen=udp:127.0.0.1:5060` or `alias="a.example"`. */
export interface GlobalParam {
  name: string;
  /** Raw value text, comments stripped; strings unquoted when the whole value is one string. */
  value: string;
  pos: SourcePos;
}

export interface ModParam {
  module: string;
  param: string;
  value: ScriptValue;
  pos: SourcePos;
}
