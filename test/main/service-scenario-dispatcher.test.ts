/**
 * The scenario player's Dispatcher state at the steps of dispatcher-failover, from the run's events as
 * the service sends them: PBX 1 active, then inactive and probing after the failed call (ds_mark_dst
 * "ip"), then active again after the OPTIONS probe that got a 200.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../src/main/service/scenarios';
import { simStateAt, type SimState } from '../../src/renderer/src/lib/scenarios/sim-state';
import { Simulation, loadScenario } from '../../src/sip-core/sim';
import type { Proxy } from '../../src/sip-core/elements/proxy';
import { RESOURCES_DIR } from '../../src/main/paths';
import type { SimEventDto } from '../../src/shared/api';

const run = runScenario({ name: 'dispatcher-failover' });
const events = run.events;

/** `uri state` of the Balancer's set 1 at `t`. */
const states = (s: SimState): string[] =>
  s.dispatcher
    .find((n) => n.node === 'Balancer')!
    .sets[0]!.destinations.map((d) => `${d.uri.replace('sip:192.0.2.', '').replace(':5060', '')} ${d.state}`);

describe('scenario player: dispatcher destinations at a step (dispatcher-failover)', () => {
  it('starts from the list as loaded: the three PBXs active, in priority order', () => {
    expect(run.errors).toEqual([]);
    const s = simStateAt(events, 0);
    expect(s.dispatcher.map((n) => n.node)).toEqual(['Balancer']);
    expect(s.dispatcher[0]!.sets.map((x) => x.set)).toEqual([1]);
    expect(states(s)).toEqual(['51 AX', '52 AX', '53 AX']);
    expect(s.dispatcher[0]!.sets[0]!.destinations[0]).toMatchObject({
      priority: 10,
      since: null,
      lastProbe: null,
    });
  });

  it('PBX 1 inactive and probing from the failure_route on (2 s fr_timer), while its probes go unanswered', () => {
    const mark = events.find((e) => e.kind === 'dispatcher' && e.data?.state === 'IP')!;
    expect(mark.text).toBe(
      'dispatcher: ds_mark_dst("ip"): sip:192.0.2.51:5060 is now IP (inactive, probing)',
    );
    expect(mark.time).toBeCloseTo(2.01, 3);
    expect(states(simStateAt(events, mark.time - 0.001))).toEqual(['51 AX', '52 AX', '53 AX']);
    const s = simStateAt(events, mark.time);
    expect(states(s)).toEqual(['51 IP', '52 AX', '53 AX']);
    expect(s.dispatcher[0]!.sets[0]!.destinations[0]!.since).toBe(mark.time);
    // PBX 1 is up again at 12 s, but the balancer only learns it from the next probe
    expect(states(simStateAt(events, 14.9))).toEqual(['51 IP', '52 AX', '53 AX']);
  });

  it('active again after the probe that got a 200 (15 s), and it stays so to the end', () => {
    const back = events.find((e) => e.kind === 'dispatcher' && e.data?.state === 'AX')!;
    expect(back.time).toBeGreaterThan(15);
    expect(back.time).toBeLessThan(15.1);
    const s = simStateAt(events, back.time);
    expect(states(s)).toEqual(['51 AX', '52 AX', '53 AX']);
    expect(s.dispatcher[0]!.sets[0]!.destinations[0]).toMatchObject({ lastProbe: 200, since: back.time });
    expect(states(simStateAt(events, 30))).toEqual(['51 AX', '52 AX', '53 AX']);
  });

  it("the state rebuilt from the events is the proxy's own at the end", () => {
    const text = readFileSync(join(RESOURCES_DIR, 'scenarios', 'dispatcher-failover.yaml'), 'utf8');
    const sim = new Simulation(loadScenario(text).scenario!, { seed: 3 });
    sim.run();
    const own = (sim.element('Balancer') as Proxy).dispatcher!.snapshot();
    const list: SimEventDto[] = sim.eventList.map((e) => ({ ...e, time: e.time / 1e6 }));
    const rebuilt = simStateAt(list, 1e9).dispatcher[0]!.sets;
    expect(rebuilt.map((x) => x.destinations.map((d) => [d.uri, d.state]))).toEqual(
      own.map((x) => x.destinations.map((d) => [d.uri, d.state])),
    );
  });

  it('bad dispatcher event data is ignored, never thrown on', () => {
    const bad: SimEventDto[] = [
      { time: 0, node: 'X', kind: 'dispatcher', text: '', data: { sets: [null] } },
      { time: 0, node: 'X', kind: 'dispatcher', text: '', data: { sets: [{ set: 1, destinations: [{}] }] } },
      { time: 1, node: 'X', kind: 'dispatcher', text: '', data: { set: 1, uri: 'sip:a', state: 'IP' } },
      { time: 1, node: 'Y', kind: 'dispatcher', text: '', data: { set: '1', uri: 5 } },
    ];
    expect(simStateAt(bad, 2).dispatcher).toEqual([]);
  });
});
