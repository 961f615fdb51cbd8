/**
 * A phone that does not retain ended calls (long runs) forgets each one 64*T1 after it ended (RFC
 * 3261 §17: no retransmission of its transactions can arrive later), not before; the calls still
 * going on stay, and every call placed completes.
 */
import { describe, expect, it } from 'vitest';
import { Simulation, type Scenario } from '../../../src/sip-core/sim';
import type { Call } from '../../../src/sip-core/elements/ua/user-agent';

const scenario: Scenario = {
  name: 'forget',
  description: 'calls through a stateful proxy',
  network: { latency: '1ms' },
  nodes: [
    {
      name: 'Alice',
      role: 'ua',
      address: '192.0.2.10',
      aor: 'sip:alice@atlanta.example.com',
      proxies: ['biloxi.example.com'],
      rtp: false,
    },
    {
      name: 'Proxy',
      role: 'proxy',
      address: '192.0.2.30',
      domains: ['biloxi.example.com'],
      script: { builtin: 'stateful-proxy' },
      locations: { 'sip:bob@biloxi.example.com': ['sip:bob@192.0.2.40'] },
    },
    {
      name: 'Bob',
      role: 'ua',
      address: '192.0.2.40',
      aor: 'sip:bob@biloxi.example.com',
      answer: { after: 0 },
      rtp: false,
    },
  ],
};

describe('UA: ended calls forgotten 64*T1 after they end', () => {
  it('keeps each ended call exactly 64*T1 (32 s with T1 = 500 ms), then forgets it', () => {
    const sim = new Simulation(scenario, { events: false, record: false, seed: 1 });
    const alice = sim.ua('Alice')!;
    const bob = sim.ua('Bob')!;
    alice.retainEndedCalls = false;
    bob.retainEndedCalls = false;
    const clock = sim.clock;
    const ended: { call: Call; at: number }[] = [];
    // 30 calls, one every 700 ms, each hung up 1 s after it starts (hang-ups interleave with starts)
    for (let i = 0; i < 30; i++)
      clock.schedule(i * 700_000, () => {
        const call = alice.call('sip:bob@biloxi.example.com');
        clock.schedule(1_000_000, () => {
          expect(alice.hangup(call)).toBe(true);
          ended.push({ call, at: clock.now() });
        });
      });
    const T64 = 64 * 500_000;
    // just before and just after each call's forget time
    for (let i = 0; i < 30; i++) {
      const at = i * 700_000 + 1_000_000 + T64;
      clock.advanceTo(at - 1);
      const e = ended[i]!;
      expect(e.at).toBe(i * 700_000 + 1_000_000);
      expect(alice.calls).toContain(e.call);
      clock.advanceTo(at);
      expect(alice.calls).not.toContain(e.call);
      // the calls that ended later are still there
      for (const later of ended.slice(i + 1)) expect(alice.calls).toContain(later.call);
    }
    clock.runUntilIdle();
    expect(alice.calls).toHaveLength(0);
    expect(bob.calls).toHaveLength(0);
    expect(ended).toHaveLength(30);
  });
});
