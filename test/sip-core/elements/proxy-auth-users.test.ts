/**
 * The proxy's digest users are its own entries only: a client naming itself `constructor` (or any
 * Object.prototype name) with the text of that function as its password must not authenticate.
 * Labs take real traffic, so this is reachable from the network.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Simulation, loadScenario } from '../../../src/sip-core/sim';

function invite407(alice: string): Simulation {
  const file = join(import.meta.dirname, '..', '..', '..', 'resources', 'scenarios', 'invite-407.yaml');
  const text = readFileSync(file, 'utf8').replace('      password: cheesecake,\n', alice);
  const l = loadScenario(text);
  expect(l.errors).toEqual([]);
  const sim = new Simulation(l.scenario!);
  sim.run();
  return sim;
}

describe("proxy_authorize's users", () => {
  it('authenticates a configured user (the scenario as shipped)', () => {
    const sim = invite407('      password: cheesecake,\n');
    expect(sim.ua('Alice')!.calls[0]!.status).toBe(200);
    expect(sim.sipPackets.filter((p) => p.toNode === 'Bob').length).toBeGreaterThan(0);
  });

  it('does not take Object.prototype names for users', () => {
    for (const [name, fn] of [
      ['constructor', Object],
      ['toString', Object.prototype.toString],
      ['hasOwnProperty', Object.prototype.hasOwnProperty],
    ] as const) {
      // The password an attacker would use if users[name] found the inherited function.
      const pw = JSON.stringify(String(fn));
      const sim = invite407(`      username: ${name},\n      password: ${pw},\n`);
      const call = sim.ua('Alice')!.calls[0]!;
      expect(call.status, name).toBe(407);
      // The proxy challenged twice and relayed nothing to Bob.
      const toBob = sim.sipPackets.filter((p) => p.toNode === 'Bob');
      expect(toBob, name).toEqual([]);
    }
  });
});
