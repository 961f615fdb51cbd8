/**
 * `sipscope simulate <file|name> [--seed N] [--pcap out.pcap] [--format json|text] [--list]`:
 * runs a scenario on the virtual clock and prints the trace (JSON per the trace contract, with
 * srcNode/dstNode, nodes, events and expectation results) or a text ladder.
 */
import type { Command } from 'commander';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
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

/** The built-in library: name, title, description. */
export function listLibrary(): { name: string; title: string; description: string }[] {
  if (!existsSync(SCENARIO_DIR)) return [];
  return readdirSync(SCENARIO_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))
    .map((f) => {
      const l = loadScenario(readFileSync(join(SCENARIO_DIR, f), 'utf8'));
      return {
        name: basename(f, '.yaml'),
        title: l.scenario?.title ?? '',
        description: (l.scenario?.description ?? '').trim(),
      };
    });
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
    .option('--pcap <file>', 'also write the SIP messages as a pcap file')
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
          for (const s of listLibrary()) console.log(`${s.name.padEnd(34)} ${s.title}`);
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
        if (opts.pcap) writeFileSync(opts.pcap, simulationPcap(sim.sipPackets));
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
