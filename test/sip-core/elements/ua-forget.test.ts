/**
 * A phone that does not retain ended calls (long runs) forgets a call ended by a BYE at once (its
 * dialog is over; the BYE's and the INVITE's transactions absorb or pass on what can still arrive:
 * a retransmitted 2xx is still ACKed again), and any other ended call 64*T1 after it ended (RFC
 * 3261 §17: no retransmission of its transactions can arrive later), not before; the calls still
 * going on stay, and every call placed completes.
 */
import { describe, expect, it } from 'vitest';
import { Simulation, type Scenario } from '../../../src/sip-core/sim';
import { basicCall } from '../../helpers/basic-call';
import type { Call } from '../../../src/sip-core/elements/ua/user-agent';

const scenario = basicCall('forget', { rtp: false });

describe('UA: ended calls forgotten at once after a BYE, otherwise 64*T1 after they end', () => {
  it('forgets a call ended by a BYE at once on both phones; the calls still going on stay', () => {
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
    for (let i = 0; i < 30; i++) {
      const at = i * 700_000 + 1_000_000;
      clock.advanceTo(at - 1);
      expect(alice.calls.map((c) => c.state)).toContain('confirmed');
      clock.advanceTo(at);
      const e = ended[i]!;
      expect(e.at).toBe(at);
      // Alice forgets it when she sends the BYE, Bob when he answers it (1 ms later through the proxy: 2 ms)
      expect(alice.calls).not.toContain(e.call);
      clock.advanceTo(at + 2_000);
      expect(bob.calls.filter((c) => c.callId === e.call.callId)).toHaveLength(0);
      // the calls started later are still there (at most one: one starts every 700 ms, each lasts 1 s)
      for (const c of alice.calls) expect(c.state).toBe('confirmed');
      expect(alice.calls.length).toBe(i < 29 ? 1 : 0);
      expect(bob.calls.length).toBe(alice.calls.length);
    }
    clock.runUntilIdle();
    expect(alice.calls).toHaveLength(0);
    expect(bob.calls).toHaveLength(0);
    expect(ended).toHaveLength(30);
  });

  it('ACKs a retransmitted 2xx again (through the INVITE client transaction) and still forgets the call at once', () => {
    // Bob's 200 reaches Alice twice: its first ACK is lost on the way to Bob, who retransmits (T1)
    const lossy: Scenario = { ...scenario, drop: [{ from: 'Proxy', to: 'Bob', match: 'ACK', nth: [1] }] };
    const sim = new Simulation(lossy, { events: false, record: true, seed: 1 });
    const alice = sim.ua('Alice')!;
    const bob = sim.ua('Bob')!;
    alice.retainEndedCalls = false;
    bob.retainEndedCalls = false;
    const clock = sim.clock;
    const call = alice.call('sip:bob@biloxi.example.com');
    clock.advanceTo(2_000_000);
    expect(call.state).toBe('confirmed');
    const acks = sim.sipPackets.filter((p) => p.fromNode === 'Alice' && textOf(p.bytes).startsWith('ACK '));
    expect(acks).toHaveLength(2);
    const oks = sim.sipPackets.filter(
      (p) => p.fromNode === 'Bob' && textOf(p.bytes).startsWith('SIP/2.0 200'),
    );
    expect(oks).toHaveLength(2);
    expect(bob.calls[0]!.state).toBe('confirmed');
    expect(alice.hangup(call)).toBe(true);
    expect(alice.calls).toHaveLength(0);
    clock.advanceTo(2_010_000);
    expect(bob.calls).toHaveLength(0);
    // the BYE was answered 200 (Bob's dialog matched it)
    const byeOk = sim.sipPackets.filter(
      (p) => p.fromNode === 'Bob' && /^SIP\/2\.0 200[^]*CSeq: \d+ BYE/.test(textOf(p.bytes)),
    );
    expect(byeOk).toHaveLength(1);
    clock.runUntilIdle();
  });

  it('ACKs a 2xx retransmitted after the call was forgotten with the same ACK, and the call stays ended', () => {
    // Alice's ACK is lost on the way to Bob; she hangs up just before Bob retransmits his 200 (T1
    // after he sent it), so the retransmission reaches her after she forgot the call
    const lossy: Scenario = { ...scenario, drop: [{ from: 'Proxy', to: 'Bob', match: 'ACK', nth: [1] }] };
    const sim = new Simulation(lossy, { events: false, record: true, seed: 1 });
    const alice = sim.ua('Alice')!;
    sim.ua('Bob')!.retainEndedCalls = false;
    alice.retainEndedCalls = false;
    const clock = sim.clock;
    const call = alice.call('sip:bob@biloxi.example.com');
    const okAt = (): number =>
      sim.sipPackets.find((p) => p.fromNode === 'Bob' && textOf(p.bytes).startsWith('SIP/2.0 200'))!.sentAt;
    clock.advanceTo(100_000);
    expect(call.state).toBe('confirmed');
    clock.advanceTo(okAt() + 500_000 - 1_000);
    expect(alice.hangup(call)).toBe(true);
    expect(alice.calls).toHaveLength(0);
    clock.advanceTo(okAt() + 500_000 + 10_000);
    const oks = sim.sipPackets.filter(
      (p) => p.fromNode === 'Bob' && textOf(p.bytes).startsWith('SIP/2.0 200'),
    );
    expect(oks.length).toBeGreaterThanOrEqual(2);
    const acks = sim.sipPackets.filter((p) => p.fromNode === 'Alice' && textOf(p.bytes).startsWith('ACK '));
    expect(acks).toHaveLength(2);
    expect(acks[1]!.sentAt).toBeGreaterThan(acks[0]!.sentAt + 400_000);
    expect(textOf(acks[1]!.bytes)).toBe(textOf(acks[0]!.bytes));
    // the call is not brought back by the 2xx
    expect(call.state).toBe('terminated');
    expect(alice.calls).toHaveLength(0);
    clock.runUntilIdle();
  });

  it('keeps a call that ended otherwise (rejected) exactly 64*T1 (32 s with T1 = 500 ms), then forgets it', () => {
    const rejecting: Scenario = {
      ...scenario,
      nodes: scenario.nodes.map((n) => (n.name === 'Bob' ? { ...n, answer: { reject: 486 } } : n)),
    };
    const sim = new Simulation(rejecting, { events: false, record: false, seed: 1 });
    const alice = sim.ua('Alice')!;
    const bob = sim.ua('Bob')!;
    alice.retainEndedCalls = false;
    bob.retainEndedCalls = false;
    const clock = sim.clock;
    const call = alice.call('sip:bob@biloxi.example.com');
    let endedAt = -1;
    for (let t = 1_000; t < 1_000_000 && endedAt < 0; t += 1_000) {
      clock.advanceTo(t);
      if (call.state === 'failed') endedAt = t;
    }
    expect(call.status).toBe(486);
    const T64 = 64 * 500_000;
    clock.advanceTo(endedAt + T64 - 5_000); // Bob ended it a few ms earlier (he rejected it)
    expect(alice.calls).toContain(call);
    expect(bob.calls).toHaveLength(1);
    clock.advanceTo(endedAt + T64);
    expect(alice.calls).not.toContain(call);
    clock.runUntilIdle();
    expect(alice.calls).toHaveLength(0);
    expect(bob.calls).toHaveLength(0);
  });
});

function textOf(b: Uint8Array): string {
  return new TextDecoder().decode(b);
}
