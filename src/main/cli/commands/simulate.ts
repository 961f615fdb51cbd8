/**
 * `sipscope simulate <file|name> [--seed N] [--pcap out.pcap] [--format json|text] [--list]`:
 * runs a scenario on the virtual clock and prints the trace (JSON per the trace contract, with
 * srcNode/dstNode, nodes, events and expectation results) or a text ladder.
 */
import type { Command } from 'commander';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { ScenarioInfo } from '../../../shared/api';
import { RESOURCES_DIR } from '../../paths';
import {
  Simulation,
  checkExpectations,
  formatScenarioErrors,
  loadScenario,
  simulationJson,
  textLadder,
} from '../../../sip-core/sim';
import { simulationPcap } from '../../../sip-core/sim/pcap';

export const SCENARIO_DIR = join(RESOURCES_DIR, 'scenarios');

/** A topic of the library, in learning order (resources/scenario-topics.yaml). */
export interface ScenarioTopic {
  topic: string;
  about: string;
  scenarios: string[];
}

/** Heading of the scenarios that no topic lists. */
const OTHER_TOPIC = 'Other';

/**
 * The library's topics (resources/scenario-topics.yaml); entries that are not a topic with a list of
 * names are skipped, and an unreadable file gives no topics (the library is then listed by name).
 */
export function scenarioTopics(): ScenarioTopic[] {
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(join(RESOURCES_DIR, 'scenario-topics.yaml'), 'utf8'));
  } catch {
    return [];
  }
  if (!Array.isArray(doc)) return [];
  const out: ScenarioTopic[] = [];
  for (const t of doc as unknown[]) {
    if (typeof t !== 'object' || t === null) continue;
    const { topic, about, scenarios } = t as Record<string, unknown>;
    if (typeof topic !== 'string' || !Array.isArray(scenarios)) continue;
    out.push({
      topic,
      about: typeof about === 'string' ? about : '',
      scenarios: scenarios.filter((x): x is string => typeof x === 'string'),
    });
  }
  return out;
}

/**
 * The built-in library: name, title, description and topic, by topic in learning order (then the
 * scenarios no topic lists, by name).
 */
export function listLibrary(): (ScenarioInfo & { topic: string })[] {
  if (!existsSync(SCENARIO_DIR)) return [];
  const all: (ScenarioInfo & { topic: string })[] = readdirSync(SCENARIO_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))
    .map((f) => {
      const l = loadScenario(readFileSync(join(SCENARIO_DIR, f), 'utf8'));
      return {
        name: basename(f, '.yaml'),
        title: l.scenario?.title ?? '',
        description: (l.scenario?.description ?? '').trim(),
        topic: OTHER_TOPIC,
      };
    });
  const byName = new Map(all.map((s) => [s.name, s]));
  const out: typeof all = [];
  for (const t of scenarioTopics())
    for (const n of t.scenarios) {
      const s = byName.get(n);
      if (!s) continue;
      byName.delete(n);
      out.push({ ...s, topic: t.topic, topicAbout: t.about });
    }
  return [...out, ...byName.values()];
}

/** Resolves a path or a built-in name to the scenario file. */
export function resolveScenario(arg: string): string | null {
  if (existsSync(arg)) return arg;
  const f = join(SCENARIO_DIR, arg.endsWith('.yaml') ? arg : `${arg}.yaml`);
  return existsSync(f) ? f : null;
}

export function registerSimulate(program: Command): void {
  program
    .command('simulate')
    .description('run a scenario (YAML file or built-in name) on the virtual clock')
    .argument('[scenario]', 'scenario file or built-in name (see --list)')
    .option('--seed <n>', 'random seed (loss, jitter, ids)', (v) => Number.parseInt(v, 10))
    .option('--pcap <file>', "also write the SIP messages and the phones' RTP as a pcap file")
    .option('--format <fmt>', 'json or text', 'text')
    .option(
      '--events',
      'text format: show timers, losses, NAT bindings and drops and STUN results between the arrows',
    )
    .option('--list', 'list the built-in scenarios')
    .action(
      (
        arg: string | undefined,
        opts: { seed?: number; pcap?: string; format: string; list?: boolean; events?: boolean },
      ) => {
        if (opts.list || !arg) {
          let topic = '';
          for (const s of listLibrary()) {
            if (s.topic !== topic) console.log(`${topic ? '\n' : ''}${(topic = s.topic)}`);
            console.log(`  ${s.name.padEnd(32)} ${s.title}`);
          }
          process.exitCode = arg || opts.list ? 0 : 1;
          return;
        }
        if (opts.format !== 'json' && opts.format !== 'text') {
          console.error(`sipscope simulate: --format must be json or text`);
          process.exitCode = 2;
          return;
        }
        const file = resolveScenario(arg);
        if (!file) {
          console.error(
            `sipscope simulate: no scenario file or built-in scenario named "${arg}" (try --list)`,
          );
          process.exitCode = 1;
          return;
        }
        const loaded = loadScenario(readFileSync(file, 'utf8'));
        if (!loaded.scenario) {
          console.error(formatScenarioErrors(file, loaded.errors));
          process.exitCode = 1;
          return;
        }
        const sim = new Simulation(
          loaded.scenario,
          opts.seed !== undefined && Number.isFinite(opts.seed) ? { seed: opts.seed } : {},
        );
        sim.run();
        if (opts.pcap) writeFileSync(opts.pcap, simulationPcap(sim.wirePackets));
        if (opts.format === 'json') {
          process.stdout.write(`${JSON.stringify(simulationJson(sim), null, 1)}\n`);
        } else {
          console.log(textLadder(sim, { events: !!opts.events }));
          const res = checkExpectations(sim);
          if (res.length) {
            const bad = res.filter((r) => !r.ok);
            console.log(`\nexpectations: ${res.length - bad.length}/${res.length} met`);
            for (const b of bad) console.log(`  FAILED ${b.what}${b.detail ? `: ${b.detail}` : ''}`);
          }
        }
        if (checkExpectations(sim).some((r) => !r.ok)) process.exitCode = 3;
      },
    );
}
