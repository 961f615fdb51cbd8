import { readdirSync } from 'node:fs';
import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SCENARIO_DIR, listLibrary, scenarioTopics } from '../../src/main/cli/commands/simulate';

describe('the scenario library by topic (resources/scenario-topics.yaml)', () => {
  const files = readdirSync(SCENARIO_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => basename(f, '.yaml'));
  const topics = scenarioTopics();

  it('lists every built-in scenario in exactly one topic, and no scenario that does not exist', () => {
    const listed = topics.flatMap((t) => t.scenarios);
    expect(new Set(listed).size).toBe(listed.length);
    expect([...listed].sort()).toEqual([...files].sort());
  });

  it('gives each topic a sentence about it', () => {
    expect(topics.length).toBeGreaterThanOrEqual(5);
    for (const t of topics) expect(t.about.length, t.topic).toBeGreaterThan(20);
  });

  it('orders the library by topic, each scenario carrying its topic', () => {
    const lib = listLibrary();
    expect(lib.map((s) => s.name)).toEqual(topics.flatMap((t) => t.scenarios));
    expect(lib[0]).toMatchObject({ name: 'rfc3665-2.1', topic: 'Registration' });
    expect(lib.find((s) => s.name === 'trapezoid')?.topic).toBe('A call');
    expect(lib.at(-1)?.topic).toBe('NAT');
  });
});
