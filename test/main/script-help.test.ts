/**
 * The script view's explanations: every function the built-in scripts, scenarios and labs call is
 * described, and a statement's text finds its function (an `if` head's too).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SCRIPT_HELP, scriptHelpFor } from '../../src/shared/script-help';
import { BUILTIN_SCRIPTS } from '../../src/sip-core/sim/scripts';
import { loadScript } from '../../src/sip-core/script';
import { loadScenario } from '../../src/sip-core/sim';

const root = resolve(import.meta.dirname, '../..');

/** Every script the app ships: the builtins and the inline scripts of the scenarios and labs. */
function shippedScripts(): [string, string][] {
  const out: [string, string][] = Object.entries(BUILTIN_SCRIPTS);
  for (const dir of ['resources/scenarios', 'resources/labs'])
    for (const f of readdirSync(join(root, dir))) {
      const sc = loadScenario(readFileSync(join(root, dir, f), 'utf8')).scenario;
      for (const n of sc?.nodes ?? [])
        if (typeof n.script === 'string') out.push([`${f} ${n.name}`, n.script]);
    }
  return out;
}

describe('script help', () => {
  it('describes every function a shipped script calls', () => {
    const scripts = shippedScripts();
    expect(scripts.length).toBeGreaterThan(6);
    const missing = new Set<string>();
    for (const [, text] of scripts) {
      expect(loadScript(text).script).not.toBeNull();
      for (const m of text.matchAll(/\b([a-z_][a-z0-9_]*)\s*\(/g))
        if (
          !['if', 'while', 'switch', 'route', 'avp', 'request_route', 'modparam', 'loadmodule'].includes(
            m[1],
          ) &&
          !Object.hasOwn(SCRIPT_HELP, m[1])
        )
          missing.add(m[1]);
    }
    expect([...missing]).toEqual([]);
  });

  it("finds a statement's function, an if head's, and uri == myself", () => {
    expect(scriptHelpFor('record_route()')?.name).toBe('record_route');
    expect(scriptHelpFor('if (!mf_process_maxfwd_header("70"))')?.name).toBe('mf_process_maxfwd_header');
    expect(scriptHelpFor('if (uri == myself)')?.name).toBe('uri == myself');
    expect(scriptHelpFor('if ($var(x) == 1)')).toBeNull();
    expect(scriptHelpFor('no_such_function()')).toBeNull();
  });
});
