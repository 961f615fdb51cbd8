/**
 * `sipscope lab <lab.yaml> [--pcap out.pcapng] [--rotate MB] [--format text|ndjson|none]
 * [--events] [--duration S]`: starts the elements a lab file describes on real sockets, prints
 * what listens where, then every SIP message as it is sent or received; Ctrl-C stops cleanly
 * (sockets closed, pcapng flushed).
 */
import type { Command } from 'commander';
import { InvalidArgumentError, Option } from 'commander';
import { messageJson } from '../../../sip-core/trace/trace-json';
import { LabError, startLabFile, type LabHandle } from '../../live';
import { textLine } from './capture';
import { joinText, labJoin } from '../../live/join';
import { SIPP_DIR } from '../../paths';
import { mediaJson, streamLine } from '../../../sip-core/media/media-json';
import { UserAgent } from '../../../sip-core/elements/ua/user-agent';

export interface LabCliOptions {
  pcap?: string;
  rotate: number;
  format: 'text' | 'ndjson' | 'none';
  events: boolean;
  duration?: number;
  limit: number;
}

function parsePositive(v: string): number {
  const n = Number(v);
  if (!(n > 0)) throw new InvalidArgumentError('must be a positive number');
  return n;
}

const pad = (s: string, n: number): string => (s.length >= n ? s : s + ' '.repeat(n - s.length));

/** The "what listens where" table. */
export function listeningTable(h: LabHandle): string {
  const rows = h.listening.map((l) => [l.node, l.role, l.transport, l.address, l.note ?? '']);
  const w = [4, 4, 9, 7].map((min, i) => Math.max(min, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]): string =>
    r
      .map((c, i) => (i < 4 ? pad(c, w[i]!) : c))
      .join('  ')
      .trimEnd();
  return [line(['node', 'role', 'transport', 'address', '']), ...rows.map(line)].join('\n');
}

/** Runs a lab until Ctrl-C or --duration; resolves to the exit code. */
/** Element events printed without --events: what a trainer watches (a dispatcher's failovers too). */
const SHOWN: ReadonlySet<string> = new Set(['registration', 'call', 'nat-drop', 'dispatcher']);

export async function runLab(
  file: string,
  o: LabCliOptions,
  write: (s: string) => void = (s) => process.stdout.write(s),
): Promise<number> {
  let h: LabHandle;
  try {
    h = await startLabFile(file, {
      pcap: o.pcap,
      rotateMB: o.rotate,
      limit: o.limit,
      onEvent: (ev) => {
        if (o.events || SHOWN.has(ev.kind)) console.error(`  [${ev.node}] ${ev.text}`);
      },
    });
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    console.error(`sipscope lab: ${err instanceof LabError ? '' : 'cannot start: '}${msg}`);
    return 1;
  }
  console.error(`lab ${h.name}: listening`);
  console.error(listeningTable(h));
  const join = joinText(labJoin(h.lab, h.listening, SIPP_DIR));
  if (join) console.error(join);
  if (o.pcap) console.error(`writing ${o.pcap} as it goes (new file every ${o.rotate} MB)`);
  console.error('Press Ctrl-C to stop.');
  h.live.onMessage((trace, id, seq) => {
    if (o.format === 'ndjson') write(`${JSON.stringify({ ...messageJson(trace, id), id: seq })}\n`);
    else if (o.format === 'text') write(`${textLine(trace, id)}\n`);
  });
  await new Promise<void>((resolve) => {
    const finish = (): void => {
      process.off('SIGINT', finish);
      process.off('SIGTERM', finish);
      if (timer) clearTimeout(timer);
      resolve();
    };
    process.on('SIGINT', finish);
    process.on('SIGTERM', finish);
    const timer = o.duration ? setTimeout(finish, o.duration * 1000) : null;
  });
  await h.stop();
  for (const e of h.stepErrors) console.error(`step problem: ${e}`);
  console.error(
    `sipscope lab: stopped; ${h.live.total} SIP messages recorded` +
      (h.live.pcap ? ` to ${h.live.pcap.files.join(', ')}` : ''),
  );
  // the phones' calls (a lab phone keeps its newest 100 ended ones: the earlier are counted only)
  for (const [node, e] of h.elements)
    if (e instanceof UserAgent) {
      const c = e.callCounts();
      if (c.total)
        console.error(
          `${node}: ${c.total} call${c.total === 1 ? '' : 's'}` +
            (c.forgotten
              ? ` (${c.forgotten} earlier ended calls not kept: a lab phone keeps its newest ${e.endedCallsKept})`
              : ''),
        );
    }
  // the phones' RTP (and what came from outside), a line per stream as `sipscope capture` prints them
  if (h.live.trace.media)
    for (const s of mediaJson(h.live.trace)?.streams ?? []) console.error(streamLine(s));
  return 0;
}

export function registerLab(program: Command): void {
  program
    .command('lab')
    .description(
      'run the elements of a lab file on real sockets (loopback by default) and show the traffic live',
    )
    .argument(
      '<lab.yaml>',
      'lab file (scenario vocabulary with real addresses), e.g. resources/labs/trapezoid.yaml',
    )
    .option('--pcap <file>', 'write everything sent and received to a pcapng file as it goes')
    .addOption(
      new Option('--rotate <MB>', 'start a new pcapng file past this size')
        .argParser(parsePositive)
        .default(100),
    )
    .addOption(
      new Option('--format <format>', 'message output').choices(['text', 'ndjson', 'none']).default('text'),
    )
    .option('--events', 'print every element event (transactions, timers, script lines)', false)
    .addOption(new Option('--duration <seconds>', 'stop after this long').argParser(parsePositive))
    .addOption(
      new Option('--limit <n>', 'messages kept in memory (ring)').argParser(parsePositive).default(200000),
    )
    .action(async (file: string, opts: LabCliOptions) => {
      process.exitCode = await runLab(file, opts);
    });
}
