/**
 * What the proxy and the transactions tell in their element events, read by people in the
 * scenario player and the lab: the routing-script lines a run went through, and when a timer fires
 * (as a delay: a lab's clock is the wall clock, so "fires at 1795419843.042 s" told nobody anything).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lineList } from '../../../src/sip-core/elements/proxy';
import { Simulation, loadScenario } from '../../../src/sip-core/sim';

function trapezoid(): Simulation {
  const file = join(import.meta.dirname, '..', '..', '..', 'resources', 'scenarios', 'trapezoid.yaml');
  const l = loadScenario(readFileSync(file, 'utf8'));
  expect(l.errors).toEqual([]);
  const sim = new Simulation(l.scenario!);
  sim.run();
  return sim;
}

describe('proxy and transaction events', () => {
  it('lists the script lines of a run once each, consecutive ones as ranges, in the order run', () => {
    expect(lineList([3, 3, 4, 4, 10, 10, 11, 11, 12, 12, 12, 13, 14, 14, 16])).toBe('3-4,10-14,16');
    expect(lineList([5])).toBe('5');
    expect(lineList([5, 5])).toBe('5');
    expect(lineList([7, 8, 2, 3, 7])).toBe('7-8,2-3,7');
    expect(lineList([])).toBe('');
  });

  it("says how long until a timer fires and which lines a proxy's script ran", () => {
    const sim = trapezoid();
    const starts = sim.eventList.filter((e) => e.kind === 'timer' && e.data?.['action'] === 'start');
    expect(starts.length).toBeGreaterThan(5);
    for (const e of starts) {
      const m = / \(fires in (\d+\.\d{3}) s\)$/.exec(e.text);
      expect(m, e.text).not.toBeNull();
      expect(Number(m![1])).toBeCloseTo(((e.data!['due'] as number) - e.time) / 1e6, 3);
    }
    const runs = sim.eventList.filter((e) => e.kind === 'script');
    expect(runs.length).toBeGreaterThan(0);
    for (const e of runs) {
      const m = /, lines ([\d,-]+)$/.exec(e.text);
      expect(m, e.text).not.toBeNull();
      const recorded = (e.data!['statements'] as { line: number }[]).map((s) => s.line);
      expect(m![1]).toBe(lineList(recorded));
      expect(m![1].split(',').length).toBeLessThan(recorded.length);
    }
  });
});
