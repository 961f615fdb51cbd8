/**
 * Every built-in scenario in resources/scenarios runs with its expectations, and runs the same way
 * twice with the same seed.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Simulation, checkExpectations, flowLines, loadScenario } from '../../../src/sip-core/sim';

const dir = join(import.meta.dirname, '..', '..', '..', 'resources', 'scenarios');
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.yaml'))
  .sort();

describe('built-in scenario library', () => {
  it('has the scenarios the issue asks for', () => {
    const names = files.map((f) => f.replace(/\.yaml$/, ''));
    expect(names).toContain('trapezoid');
    expect(names.length).toBeGreaterThan(0);
  });
  for (const f of files) {
    it(`${f} meets its expectations`, () => {
      const l = loadScenario(readFileSync(join(dir, f), 'utf8'));
      expect(l.errors).toEqual([]);
      const sim = new Simulation(l.scenario!);
      sim.run();
      const res = checkExpectations(sim);
      expect(res.length, 'a scenario must have expectations').toBeGreaterThan(0);
      expect(res.filter((r) => !r.ok)).toEqual([]);
      const again = new Simulation(l.scenario!);
      again.run();
      expect(flowLines(again)).toEqual(flowLines(sim));
    });
  }
});
