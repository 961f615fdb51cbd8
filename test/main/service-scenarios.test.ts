/**
 * The scenario player's state panel from a real simulation run (the trapezoid: Bob registers with
 * biloxi, Alice calls him through atlanta and biloxi), as the service sends its events.
 */
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../src/main/service/scenarios';
import { formatLeft, simStateAt } from '../../src/renderer/src/lib/scenarios/sim-state';
import type { SimEventDto } from '../../src/shared/api';

const run = runScenario({ name: 'trapezoid' });
const events = run.events;

describe('scenario player: transactions, timers, registrations at a step', () => {
  it("carries the scenario's story: title, description and what it teaches (none when the YAML is bad)", () => {
    expect(run.about).toEqual({
      title: 'The SIP trapezoid: two domains, record-routing proxies',
      description: expect.stringMatching(/^Alice \(atlanta\.example\.com\) calls Bob .*route sets\)\.$/s),
      teaches: expect.stringMatching(/^RFC 3261 §4 trapezoid/),
    });
    expect(runScenario({ yaml: 'name: x\ndescription: [' }).about).toBeNull();
  });

  it('the service carries the structured event data', () => {
    expect(run.errors).toEqual([]);
    const t = events.find((e) => e.kind === 'timer' && e.data?.action === 'start')!;
    expect(t.data).toMatchObject({
      timer: expect.stringMatching(/^Timer [A-M]$/),
      branch: expect.any(String),
    });
    expect(events.some((e) => e.kind === 'transaction' && e.data?.role === 'ICT')).toBe(true);
  });

  it('right after Alice sends the INVITE: her ICT is calling with Timer A (T1) and Timer B (64·T1) running', () => {
    const start = events.find(
      (e) => e.node === 'Alice' && e.kind === 'transaction' && e.data?.role === 'ICT',
    )!;
    const s = simStateAt(events, start.time);
    const ict = s.transactions.find((x) => x.node === 'Alice' && x.role === 'ICT')!;
    expect(ict).toMatchObject({ method: 'INVITE', state: 'calling', branch: start.data!.branch });
    expect(ict.timers.map((t) => [t.timer, Number(t.left.toFixed(3))])).toEqual([
      ['Timer A', 0.5],
      ['Timer B', 32],
    ]);
    // Time passes: the same timers with less time left.
    const later = simStateAt(events, start.time + 0.001);
    expect(later.transactions.find((x) => x.branch === ict.branch)!.timers[0]!.left).toBeCloseTo(0.499, 6);
  });

  it('once the 100 Trying arrives Timer A and B are cancelled and the ICT is proceeding', () => {
    const proceeding = events.find(
      (e) => e.node === 'Alice' && e.kind === 'transaction' && e.data?.to === 'proceeding',
    )!;
    const ict = simStateAt(events, proceeding.time).transactions.find(
      (x) => x.node === 'Alice' && x.role === 'ICT',
    )!;
    expect(ict.state).toBe('proceeding');
    expect(ict.timers).toEqual([]);
  });

  it("shows Bob's registration at biloxi with its expiry", () => {
    const reg = events.find((e) => e.kind === 'registration' && e.data?.aor)!;
    const s = simStateAt(events, reg.time + 10);
    expect(s.registrations).toEqual([
      {
        node: reg.node,
        aor: 'sip:bob@biloxi.example.com',
        contact: reg.data!.contact,
        expiresAt: reg.time + 3600,
        left: 3590,
        received: null,
      },
    ]);
  });

  it('at the end every transaction has terminated and no timer runs', () => {
    const end = events.at(-1)!.time;
    const s = simStateAt(events, end + 3600);
    expect(s.transactions).toEqual([]);
    expect(s.terminated).toBe(
      events.filter((e) => e.kind === 'transaction' && e.data?.to === 'terminated').length,
    );
    expect(s.terminated).toBeGreaterThan(5);
  });

  it('tracks NAT bindings created and removed, and skips events without data', () => {
    const ev = (time: number, data: Record<string, unknown> | undefined): SimEventDto => ({
      time,
      node: 'nat',
      kind: 'nat-binding',
      text: '',
      ...(data ? { data } : {}),
    });
    const list = [
      ev(1, { inside: '10.0.0.2:5060', public: '198.51.100.1:40000', remote: null, created: true }),
      ev(2, undefined),
      ev(3, { inside: '10.0.0.2:5060', public: '198.51.100.1:40000', removed: 'timeout' }),
    ];
    expect(simStateAt(list, 2).nat).toEqual([
      { node: 'nat', inside: '10.0.0.2:5060', public: '198.51.100.1:40000', remote: null, since: 1 },
    ]);
    expect(simStateAt(list, 3).nat).toEqual([]);
  });

  it('formats time left', () => {
    expect(formatLeft(0.5)).toBe('0.500 s');
    expect(formatLeft(31.96)).toBe('32.0 s');
    expect(formatLeft(3590)).toBe('60 min');
  });
});
