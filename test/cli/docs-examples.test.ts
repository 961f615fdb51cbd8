/**
 * The examples in the user documentation work as printed: a trainer copies them into a file.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Simulation, checkExpectations, loadScenario } from '../../src/sip-core/sim';
import { loadScript } from '../../src/sip-core/script/parser';

const docs = join(import.meta.dirname, '..', '..', 'docs');

/** The fenced blocks of a Markdown file with the given info string ('' for a bare fence). */
function blocks(file: string, lang: string): string[] {
  const text = readFileSync(join(docs, file), 'utf8');
  const out: string[] = [];
  const re = /^```(\S*)\n([\s\S]*?)^```$/gm;
  for (let m = re.exec(text); m; m = re.exec(text)) if (m[1] === lang) out.push(m[2]!);
  return out;
}

describe('documentation examples', () => {
  it("docs/scenarios.md's complete example loads, runs and meets its expectations", () => {
    const [yaml] = blocks('scenarios.md', 'yaml');
    expect(yaml).toBeDefined();
    const loaded = loadScenario(yaml!);
    expect(loaded.errors).toEqual([]);
    const sim = new Simulation(loaded.scenario!);
    sim.run();
    const results = checkExpectations(sim);
    expect(results.length).toBeGreaterThanOrEqual(2);
    expect(results.filter((r) => !r.ok)).toEqual([]);
    expect(sim.stepErrors).toEqual([]);
  });

  it("docs/script.md's example script loads without a diagnostic", () => {
    const script = blocks('script.md', '').find((b) => b.includes('request_route'));
    expect(script).toBeDefined();
    const r = loadScript(script!);
    // loadmodule lines are noted (the simulator has the functions built in); nothing else is.
    expect(r.diagnostics.filter((d) => d.code !== 'script-loadmodule-ignored')).toEqual([]);
    expect(r.script).not.toBeNull();
  });
});
