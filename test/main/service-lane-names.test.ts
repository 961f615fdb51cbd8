/**
 * A simulation opened as a capture names its ladder's lanes by node, as the scenario player does
 * (one rule, src/shared/lane-names.ts): atlanta.example.com and biloxi.example.com instead of the
 * lane roles' "proxy" twice; a NAT's public side one lane per mapped port, named by the box.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Invoke } from '../../src/shared/api';
import { createHost } from '../../src/main/service/create-host';
import { laneNamesOf } from '../../src/shared/lane-names';

const host = createHost({ mode: 'browser', recentFile: null });
afterAll(() => host.dispose());

describe("a simulation's lanes named by node", () => {
  it('names the trapezoid capture lanes by node', async () => {
    const run = await host.invoke(Invoke.scenarioRun, { name: 'trapezoid' });
    expect(run.capture?.laneNames).toEqual({
      '192.0.2.10:5060': 'Alice',
      '192.0.2.20:5060': 'atlanta.example.com',
      '192.0.2.30:5060': 'biloxi.example.com',
      '192.0.2.40:5060': 'Bob',
    });
  });

  it("names a NAT's public side by the box, one lane per mapped port", async () => {
    const run = await host.invoke(Invoke.scenarioRun, { name: 'nat-no-rport' });
    const names = run.capture?.laneNames ?? {};
    const publicSide = Object.entries(names).filter(([, n]) => / :\d+$/.test(n));
    expect(publicSide.length).toBeGreaterThan(0);
    for (const [addr, name] of publicSide)
      expect(name).toBe(
        `${run.nodes.find((n) => n.public && addr.startsWith(n.public))?.name} :${addr.split(':').pop()}`,
      );
  });

  it('gives the default port to a node address without one, and leaves unknown addresses alone', () => {
    expect(
      laneNamesOf(
        [
          { name: 'P', address: '10.0.0.1', public: null },
          { name: 'Home NAT', address: '192.168.1.1', public: '203.0.113.5' },
        ],
        ['203.0.113.5:20001', '[2001:db8::9]:5060', '198.51.100.7:5060'],
      ),
    ).toEqual({
      '10.0.0.1': 'P',
      '10.0.0.1:5060': 'P',
      '192.168.1.1': 'Home NAT',
      '192.168.1.1:5060': 'Home NAT',
      '203.0.113.5:20001': 'Home NAT :20001',
    });
  });
});
