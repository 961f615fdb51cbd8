/**
 * The routing-script language: a safe subset of the Kamailio/SER configuration language used by
 * simulated proxies. See docs/script.md for the supported language.
 */
export type { Expr, GlobalParam, ModParam, RouteBlock, RouteKind, ScriptValue, SourcePos, Stmt } from './ast';
export { MAIN_ROUTE } from './ast';
export type { LoadOptions, LoadResult, LoadedScript, ScriptDiagnostic } from './parser';
export { caretExcerpt, loadScript } from './parser';
export type { LogLevel, RelayTarget, ScriptHost, ScriptResult } from './host';
export type { CallContext, FunctionSpec, ScriptState } from './functions';
export { FUNCTIONS, KNOWN_PVS, newScriptState, parseRelayTarget } from './functions';
export type { ExecutedStatement, RunOptions, RunOutcome, ScriptCompileMode, ScriptRun } from './interpreter';
export {
  ScriptInterpreter,
  canCompileScriptsToJs,
  looseEquals,
  setScriptCompileDefault,
} from './interpreter';
export { MAX_REGEX_INPUT, compileScriptRegex, testScriptRegex } from './regex';
export { preprocess, tokenize } from './lexer';
