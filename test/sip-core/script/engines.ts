/**
 * The two ways a script runs: compiled to JavaScript (Node, the CLI, the main process) and the
 * closure compiler (where `new Function` is refused). Script tests run on both.
 */
import { expect } from 'vitest';
import { ScriptInterpreter } from '../../../src/sip-core/script';
import type { LoadedScript, ScriptHost } from '../../../src/sip-core/script';

export const ENGINES = ['js', 'closures'] as const;
export type Engine = (typeof ENGINES)[number];

/** An interpreter on the given engine; fails the test if it runs on the other one. */
export function make<M>(engine: Engine, script: LoadedScript, host: ScriptHost<M>): ScriptInterpreter<M> {
  const interp = new ScriptInterpreter(script, host, { compile: engine });
  expect(interp.engine).toBe(engine);
  return interp;
}

/**
 * Statements the generated-script property tests draw from (both engines, and compiled against the
 * closures): flow control, pseudo-variables, transactions, routes, failure routes.
 */
export const GENERATED_STATEMENTS: readonly string[] = [
  'xlog("L_INFO", "$rm $ru $si:$sp $var(x)\\n");',
  '$var(x) = $var(x) + 1;',
  '$var(s) = "a" + $rU + $var(x);',
  'if ($rU =~ "^[0-9]+$") { $var(x) = 0; }',
  'if (!is_method("INVITE|BYE")) { sl_send_reply("405", "Method Not Allowed"); }',
  'if (has_totag() && loose_route()) { t_relay(); }',
  'record_route();',
  'if (lookup("location")) { t_relay(); } else { sl_send_reply("404", "Not Found"); }',
  'route(SUB);',
  'if (route(SUB)) { $var(r) = $rc; }',
  'setflag(3); if (isflagset(3)) resetflag(3);',
  'while ($var(x) < 3) { $var(x) = $var(x) + 1; if ($var(x) == 2) break; }',
  'switch ($var(x)) { case 1: $var(y) = 1; break; case 2: $var(y) = 3; default: $var(y) = 2; }',
  'append_hf("X-Test: $ci\\r\\n");',
  'remove_hf("User-Agent");',
  '$ru = "sip:" + $rU + "@example.net";',
  'if ($du == $null) { $du = "sip:127.0.0.9"; }',
  'mf_process_maxfwd_header("10");',
  't_on_failure("F");',
  'if (uri == myself) { exit; }',
  'drop;',
  'break;',
  'return(-1);',
  'route(LOOP);',
  't_check_trans();',
];
