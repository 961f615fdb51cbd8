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
