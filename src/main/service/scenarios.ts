/**
 * Scenarios for the UI: the built-in library and runs of the simulator. A run's trace is opened
 * like a capture, so the calls list, ladder and inspector all work on it.
 */
import { readFileSync } from 'node:fs';
import { ApiError, type ScenarioInfo, type ScenarioRunResult, type SimEventDto } from '../../shared/api';
import {
  Simulation,
  checkExpectations,
  loadScenario,
  simulationTrace,
  type Scenario,
} from '../../sip-core/sim';
import { routingScriptOf } from '../../sip-core/sim/scripts';
import type { Trace } from '../../sip-core/trace/trace';
import { listLibrary, resolveScenario } from '../cli/commands/simulate';

/** Most element events one run sends to the UI. */
const MAX_EVENTS = 20_000;

export function scenarioLibrary(): ScenarioInfo[] {
  return listLibrary();
}

/** The YAML of a built-in scenario. */
export function scenarioText(name: string): string {
  if (!/^[\w.-]+$/.test(name)) throw new ApiError('bad-request', `not a scenario name: ${name}`);
  const file = resolveScenario(name);
  if (!file) throw new ApiError('not-found', `no built-in scenario named "${name}"`);
  return readFileSync(file, 'utf8');
}

export interface ScenarioRun extends Omit<ScenarioRunResult, 'capture'> {
  trace: Trace | null;
  name: string;
}

/** Runs a scenario to its end on the virtual clock; never throws for a bad scenario (errors say where). */
export function runScenario(o: {
  name?: string;
  yaml?: string;
  fileName?: string;
  seed?: number;
}): ScenarioRun {
  const yaml = o.yaml ?? scenarioText(o.name ?? '');
  const name = o.name ?? o.fileName ?? 'scenario.yaml';
  const loaded = loadScenario(yaml);
  const empty = { nodes: [], events: [], expectations: [], stepErrors: [], seed: o.seed ?? 0, about: null };
  if (!loaded.scenario) {
    return {
      ...empty,
      name,
      trace: null,
      errors: loaded.errors.map((e) => ({ message: e.message, line: e.line, col: e.col, path: e.path })),
    };
  }
  const sc = loaded.scenario;
  const about = {
    title: sc.title ?? '',
    description: sc.description.trim(),
    teaches: sc.teaches?.trim() || null,
  };
  let sim: Simulation;
  try {
    sim = new Simulation(loaded.scenario, o.seed !== undefined ? { seed: o.seed } : {});
    sim.run();
  } catch (err) {
    return {
      ...empty,
      about,
      name,
      trace: null,
      errors: [{ message: err instanceof Error ? err.message : String(err), line: 0, col: 0, path: '' }],
    };
  }
  const events: SimEventDto[] = sim.eventList.slice(0, MAX_EVENTS).map((e) => ({
    time: e.time / 1e6,
    node: e.node,
    kind: e.kind,
    text: e.text,
    ...(e.data ? { data: e.data } : {}),
  }));
  return {
    name: loaded.scenario.name ?? name,
    trace: simulationTrace(sim),
    errors: [],
    about,
    nodes: sim.nodes.map((n) => ({
      name: n.name,
      role: n.role,
      address: n.address,
      public: n.public ?? null,
      script: routingScript(sc, n.name),
    })),
    events,
    expectations: checkExpectations(sim).map((r) => ({ what: r.what, ok: r.ok, detail: r.detail ?? null })),
    stepErrors: [...sim.stepErrors],
    seed: sim.seed,
  };
}

/** The routing script node `name` of `sc` runs (proxies and registrars), as its source text. */
export function routingScript(sc: Scenario, name: string): string | null {
  const spec = sc.nodes.find((n) => n.name === name);
  return spec ? routingScriptOf(spec) : null;
}
