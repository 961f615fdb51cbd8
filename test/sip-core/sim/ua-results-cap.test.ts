/**
 * A phone's `results` (final statuses of its requests, read by scenario expectations) is bounded: a
 * lab phone under load for hours placed one entry per BYE before (100,000 in the sim bench's run).
 */
import { describe, expect, it } from 'vitest';
import { Simulation } from '../../../src/sip-core/sim/simulator';
import type { Scenario } from '../../../src/sip-core/sim/scenario';
import { UA_RESULTS_KEPT } from '../../../src/sip-core/elements/ua/user-agent';
import { checkExpectations } from '../../../src/sip-core/sim/output';
import { basicCall, BOB_URI } from '../../helpers/basic-call';

const scenario: Scenario = {
  ...basicCall('many-calls', { rtp: false }),
  expect: {
    results: [
      { node: 'Alice', includes: 'BYE 200' },
      { node: 'Alice', includes: 'BYE 481' },
    ],
  },
};

describe('UserAgent.results', () => {
  it('keeps the first UA_RESULTS_KEPT, counts the rest, and still answers hasResult', () => {
    const sim = new Simulation(scenario, { events: false, record: false, seed: 1 });
    const alice = sim.ua('Alice')!;
    alice.retainEndedCalls = false;
    sim.ua('Bob')!.retainEndedCalls = false;
    const n = UA_RESULTS_KEPT + 50;
    let placed = 0;
    const place = (): void => {
      if (placed >= n) return;
      placed++;
      const call = alice.call(BOB_URI);
      sim.clock.schedule(200_000, () => {
        alice.hangup(call);
      });
      sim.clock.schedule(10_000, place);
    };
    sim.clock.schedule(0, place);
    for (let i = 0; i < 10_000 && sim.clock.nextTime() !== null; i++) sim.clock.runUntilIdle(200_000);
    expect(alice.results.length).toBe(UA_RESULTS_KEPT);
    expect(alice.resultsDropped).toBe(50);
    expect(alice.results.every((r) => r === 'BYE 200')).toBe(true);
    expect(alice.hasResult('BYE 200')).toBe(true);
    expect(alice.hasResult('BYE 481')).toBe(false);
    const [bye200, bye481] = checkExpectations(sim).filter((r) => r.what.startsWith('result'));
    expect(bye200!.ok).toBe(true);
    expect(bye200!.detail).toMatch(/^BYE 200, BYE 200, .*BYE 200, and 50 more$/);
    expect(bye481!.ok).toBe(false);
  });
});
