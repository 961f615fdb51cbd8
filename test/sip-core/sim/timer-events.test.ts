/**
 * The scenario player's panel of transaction state machines reads `kind: 'timer'` events with
 * `action: 'start' | 'cancel' | 'fire'` and `due` (µs virtual time), and `kind: 'transaction'`
 * state changes with `{ role, method, branch, from, to }`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Simulation, loadScenario } from '../../../src/sip-core/sim';
import type { ElementEvent } from '../../../src/sip-core/elements/events';

const dir = join(import.meta.dirname, '..', '..', '..', 'resources', 'scenarios');

function run(name: string): Simulation {
  const l = loadScenario(readFileSync(join(dir, `${name}.yaml`), 'utf8'));
  expect(l.errors).toEqual([]);
  const sim = new Simulation(l.scenario!);
  sim.run();
  return sim;
}

interface TimerData {
  timer: string;
  branch: string;
  action: 'start' | 'cancel' | 'fire';
  due: number;
}

function timerEvents(sim: Simulation): Array<ElementEvent & { data: TimerData }> {
  return sim.eventList.filter(
    (e): e is ElementEvent & { data: TimerData } =>
      e.kind === 'timer' && typeof e.data?.['action'] === 'string',
  );
}

/** Every start is closed by exactly one cancel or fire of the same timer and branch on the same node. */
function checkPairs(sim: Simulation): Map<string, number> {
  const open = new Map<string, number>();
  const fired = new Map<string, number>();
  for (const e of timerEvents(sim)) {
    const k = `${e.node}|${e.data.branch}|${e.data.timer}`;
    if (e.data.action === 'start') {
      expect(open.has(k), `${k} started twice`).toBe(false);
      expect(e.data.due).toBeGreaterThan(e.time);
      open.set(k, e.data.due);
    } else {
      const due = open.get(k);
      expect(due, `${k} ${e.data.action} without start`).toBeDefined();
      open.delete(k);
      if (e.data.action === 'fire') {
        // A timer fires exactly at its due time.
        expect(e.time).toBe(due);
        fired.set(e.data.timer, (fired.get(e.data.timer) ?? 0) + 1);
      } else {
        expect(e.time).toBeLessThanOrEqual(due!);
        expect(e.data.due).toBe(due);
      }
    }
  }
  expect([...open.keys()], 'timers still running at the end').toEqual([]);
  return fired;
}

describe('transaction timer events (start, cancel, fire with due time)', () => {
  it('a proxied basic call: Timer A/B/E/F started and cancelled by responses; K, J, L, M fire and end transactions', () => {
    const sim = run('trapezoid');
    const fired = checkPairs(sim);
    const ev = timerEvents(sim);
    // The INVITE's Timer A is started at T1 and cancelled by the 100 Trying (RFC 3261 §17.1.1.2).
    const a = ev.find((e) => e.data.timer === 'Timer A' && e.data.action === 'start')!;
    expect(a.data.due - a.time).toBe(500_000);
    expect(ev.some((e) => e.data.timer === 'Timer A' && e.data.action === 'cancel')).toBe(true);
    expect(ev.some((e) => e.data.timer === 'Timer B' && e.data.action === 'cancel')).toBe(true);
    // Timer K ends the BYE's client transactions (T4 over UDP), Timer M/L the accepted INVITE ones.
    expect(fired.get('Timer K')).toBeGreaterThan(0);
    expect(fired.get('Timer J')).toBeGreaterThan(0);
    expect((fired.get('Timer M') ?? 0) + (fired.get('Timer L') ?? 0)).toBeGreaterThan(0);
  });

  it('under loss, Timer A fires with doubling intervals (T1, 2*T1, ...)', () => {
    const sim = run('retransmission-under-loss');
    checkPairs(sim);
    const starts = timerEvents(sim).filter((e) => e.data.timer === 'Timer A' && e.data.action === 'start');
    const intervals = starts.map((e) => e.data.due - e.time);
    expect(intervals.slice(0, 3)).toEqual([500_000, 1_000_000, 2_000_000]);
    const fires = timerEvents(sim).filter((e) => e.data.timer === 'Timer A' && e.data.action === 'fire');
    expect(fires.length).toBeGreaterThan(0);
  });

  it('a timeout: Timer B fires at 64*T1 and the ICT goes calling -> terminated', () => {
    const sim = run('timeout-408');
    const fired = checkPairs(sim);
    expect((fired.get('Timer B') ?? 0) + (fired.get('Timer F') ?? 0)).toBeGreaterThan(0);
    const tx = sim.eventList.filter((e) => e.kind === 'transaction');
    expect(tx.length).toBeGreaterThan(0);
    for (const e of tx) {
      expect(['ICT', 'NICT', 'IST', 'NIST']).toContain(e.data?.['role']);
      expect(typeof e.data?.['method']).toBe('string');
      expect(typeof e.data?.['branch']).toBe('string');
      expect(typeof e.data?.['to']).toBe('string');
      expect('from' in (e.data ?? {})).toBe(true);
    }
  });
});

describe('text ladder with --events', () => {
  it('shows the timers that fired (each retransmission), not their starts and cancels', async () => {
    const { textLadder } = await import('../../../src/sip-core/sim/output');
    const sim = run('timeout-408');
    const lines = textLadder(sim, { events: true }).split('\n');
    const timerLines = lines.filter((l) => / ~ .*: Timer [A-M]:/.test(l));
    const fired = timerEvents(sim).filter((e) => e.data.action === 'fire').length;
    expect(timerLines.length).toBe(fired);
    expect(timerLines.some((l) => /Timer E: retransmit OPTIONS/.test(l))).toBe(true);
    expect(lines.some((l) => /started|cancelled/.test(l))).toBe(false);
  });
});
