/** The simulator: network, scenario format, runner and outputs. */
export {
  SimNetwork,
  SimTransport,
  DEFAULT_LINK,
  type LinkConditions,
  type WirePacket,
  type DropRule,
} from './network';
export {
  loadScenario,
  parseDuration,
  formatScenarioErrors,
  SCENARIO_SCHEMA,
  type Scenario,
  type NodeSpec,
  type StepSpec,
  type ExpectSpec,
  type ScenarioError,
  type ScenarioLoad,
} from './scenario';
export { Simulation, ScenarioBuildError, type SimOptions, type SimNodeInfo } from './simulator';
export {
  flowLines,
  simulationTrace,
  simulationJson,
  textLadder,
  checkExpectations,
  packetLabel,
  type ExpectationResult,
  type SimulationJson,
} from './output';
export { BUILTIN_SCRIPTS } from './scripts';
