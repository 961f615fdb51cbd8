/**
 * A phone keeps its live calls and only its newest `endedCallsKept` ended ones in `calls` (a lab's
 * phones: 100, so a lab under SIPp load stays bounded); the earlier ones are counted
 * (`callsForgotten`, `callCounts()`). `calls` stays in the order the calls began whatever ends
 * when (no swap-remove reordering), also for a phone that keeps no ended call, so "the newest
 * call" a step picks is the newest.
 */
import { describe, expect, it } from 'vitest';
import { Simulation } from '../../../src/sip-core/sim';
import { BOB_URI, basicCall } from '../../helpers/basic-call';
import type { Call, UserAgent } from '../../../src/sip-core/elements/ua/user-agent';

const scenario = basicCall('ended-kept', { rtp: false });

/** The calls' creation order (their SDP session ids) is increasing. */
function inOrder(calls: readonly Call[]): boolean {
  for (let i = 1; i < calls.length; i++) if (calls[i - 1]!.seq >= calls[i]!.seq) return false;
  return true;
}

/**
 * 60 calls from Alice, one every 200 ms; every third lasts 3 s, the others 0.5 s, so they end in
 * another order than they began. `check` runs every 100 ms.
 */
function run(
  setup: (alice: UserAgent, bob: UserAgent) => void,
  check: (alice: UserAgent, bob: UserAgent) => void,
) {
  const sim = new Simulation(scenario, { events: false, record: false, seed: 7 });
  const alice = sim.ua('Alice')!;
  const bob = sim.ua('Bob')!;
  setup(alice, bob);
  const clock = sim.clock;
  const placed: Call[] = [];
  for (let i = 0; i < 60; i++)
    clock.schedule(i * 200_000, () => {
      const call = alice.call(BOB_URI);
      placed.push(call);
      clock.schedule(i % 3 === 0 ? 3_000_000 : 500_000, () => alice.hangup(call));
    });
  for (let t = 100_000; t <= 16_000_000; t += 100_000) {
    clock.advanceTo(t);
    check(alice, bob);
  }
  clock.runUntilIdle();
  return { alice, bob, placed };
}

describe('UA: the newest ended calls kept (endedCallsKept), in order', () => {
  it('keeps at most endedCallsKept ended calls plus the live ones, in the order they began, and counts the rest', () => {
    const { alice, bob, placed } = run(
      (alice, bob) => {
        alice.endedCallsKept = 5;
        bob.endedCallsKept = 5;
      },
      (alice, bob) => {
        for (const ua of [alice, bob]) {
          const calls = ua.calls;
          const ended = calls.filter((c) => c.state === 'terminated' || c.state === 'failed');
          expect(ended.length).toBeLessThanOrEqual(5);
          expect(inOrder(calls)).toBe(true);
          const n = ua.callCounts();
          expect(n.ended).toBe(ended.length);
          expect(n.live).toBe(calls.length - ended.length);
          expect(n.forgotten + n.ended + n.live).toBe(n.total);
          expect(ua.callsForgotten).toBe(n.forgotten);
        }
        // every call of Alice's still going on is there
        const live = alice.calls.filter((c) => c.state !== 'terminated' && c.state !== 'failed');
        expect(live.length).toBe(alice.callCounts().live);
        // the newest answered call, as the lab's dtmf step and findCall pick it
        const newest = alice.calls.findLast((c) => c.state === 'confirmed');
        expect(alice.findCall(undefined, ['confirmed'])).toBe(newest);
      },
    );
    expect(placed).toHaveLength(60);
    for (const c of placed) expect(c.state).toBe('terminated');
    expect(alice.calls).toHaveLength(5);
    expect(alice.callsForgotten).toBe(55);
    expect(alice.callCounts()).toEqual({ total: 60, live: 0, ended: 5, forgotten: 55 });
    expect(bob.callCounts()).toEqual({ total: 60, live: 0, ended: 5, forgotten: 55 });
    // the five that ended last (the 3 s calls 48, 51, 54, 57 at 12.6-14.4 s; 59 at 12.3 s), in the
    // order they began
    expect(alice.calls.map((c) => placed.indexOf(c))).toEqual([48, 51, 54, 57, 59]);
  });

  it('keeps every call by default (the simulator: its expectations index the calls)', () => {
    const { alice } = run(
      () => {},
      () => {},
    );
    expect(alice.calls).toHaveLength(60);
    expect(alice.callCounts()).toEqual({ total: 60, live: 0, ended: 60, forgotten: 0 });
    expect(inOrder(alice.calls)).toBe(true);
  });

  it('keeps the live calls in order when ended calls are not retained (no swap-remove)', () => {
    let most = 0;
    run(
      (alice, bob) => {
        alice.retainEndedCalls = false;
        bob.retainEndedCalls = false;
      },
      (alice, bob) => {
        for (const ua of [alice, bob]) {
          expect(inOrder(ua.calls)).toBe(true);
          for (const c of ua.calls) expect(c.state === 'terminated' || c.state === 'failed').toBe(false);
        }
        most = Math.max(most, alice.calls.length);
        expect(alice.findCall(undefined, ['confirmed'])).toBe(
          alice.calls.findLast((c) => c.state === 'confirmed'),
        );
      },
    );
    // (up to 5 3 s calls and 2-3 short ones at once: the list really had calls to reorder)
    expect(most).toBeGreaterThanOrEqual(6);
  });
});
