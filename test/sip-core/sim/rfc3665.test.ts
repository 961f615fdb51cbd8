/**
 * RFC 3665 library: each `rfc3665-<section>.yaml` produces exactly the messages of
 * ../shared/conformance/rfc3665-flows.yaml, in order, between the same participants
 * (retransmissions and timeouts included).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { Simulation, flowLines, loadScenario } from '../../../src/sip-core/sim';

const root = join(import.meta.dirname, '..', '..', '..');
const flowsFile = join(root, '..', 'shared', 'conformance', 'rfc3665-flows.yaml');
const dir = join(root, 'resources', 'scenarios');

interface Flow {
  id: string;
  participants: string[];
  messages: { f: string; from: string; to: string; msg: string }[];
}

const flows: Flow[] = existsSync(flowsFile) ? (parse(readFileSync(flowsFile, 'utf8')) as Flow[]) : [];

describe.skipIf(flows.length === 0)('RFC 3665 flows', () => {
  it('the library has one scenario per flow (16)', () => {
    expect(flows.length).toBe(16);
    for (const f of flows) expect(existsSync(join(dir, `rfc3665-${f.id}.yaml`)), f.id).toBe(true);
  });
  for (const flow of flows) {
    it(`§${flow.id} matches message for message`, () => {
      const file = join(dir, `rfc3665-${flow.id}.yaml`);
      if (!existsSync(file)) throw new Error(`missing ${file}`);
      const l = loadScenario(readFileSync(file, 'utf8'));
      expect(l.errors).toEqual([]);
      expect(l.scenario!.expect?.rfc3665).toBe(flow.id);
      // participants are the RFC's names
      const names = l.scenario!.nodes.map((n) => n.name);
      for (const p of flow.participants) expect(names).toContain(p);
      const sim = new Simulation(l.scenario!);
      sim.run();
      const expected = flow.messages.map((m) => `${m.from} -> ${m.to}: ${m.msg}`);
      expect(flowLines(sim)).toEqual(expected);
    });
  }
});
