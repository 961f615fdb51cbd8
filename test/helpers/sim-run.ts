/**
 * Test helper: a scenario's YAML loaded (no errors expected) and run in the simulator to its end.
 */
import { expect } from 'vitest';
import { Simulation, loadScenario, type Scenario } from '../../src/sip-core/sim';

/** The scenario of `yaml`, failing the test on any error in it. */
export function loadOk(yaml: string): Scenario {
  const l = loadScenario(yaml);
  expect(l.errors).toEqual([]);
  return l.scenario!;
}

/** `sc` run to its end (its own seed, or `seed`). */
export function runSim(sc: Scenario, seed?: number): Simulation {
  const sim = new Simulation(sc, seed !== undefined ? { seed } : {});
  sim.run();
  return sim;
}
