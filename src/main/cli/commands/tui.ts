/**
 * `sipscope tui FILE… [--filter EXPR] | --hep [PORT] | --iface IF [--capture-filter F] | --mirror PORT
 * [--no-color] [--ascii]`: read SIP in a terminal (over SSH, where there is no browser): the calls
 * list, a call's flow with the message and its diagnostics (docs/tui.md). Files as `analyze` reads
 * them (pcap, pcapng, gzip, HEP, SIP text; several merged by time; `--keylog`); live sources as
 * `capture` starts them, the list growing as calls come.
 */
import type { Command } from 'commander';
import { InvalidArgumentError, Option } from 'commander';
import { runTui } from '../../tui/app';

export interface TuiCliOptions {
  filter?: string;
  hep?: number | true;
  iface?: string;
  captureFilter?: string;
  media?: boolean;
  mirror?: number;
  /** Commander's `--no-color`. */
  color?: boolean;
  ascii?: boolean;
  stream?: boolean;
}

function parsePort(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError('must be a port number 0–65535');
  return n;
}

export async function tui(files: string[], o: TuiCliOptions): Promise<number> {
  const live = [o.hep !== undefined, o.iface !== undefined, o.mirror !== undefined].filter(Boolean).length;
  if (live > 1 || (live === 1 && files.length > 0) || (live === 0 && files.length === 0)) {
    console.error(
      'sipscope tui: give capture files, or one live source: --hep [PORT], --iface IF or --mirror PORT',
    );
    return 2;
  }
  if (!process.stdout.isTTY || !process.stdin.isTTY) {
    console.error(
      'sipscope tui: needs a terminal (use `sipscope analyze` or `ladder --format text` in a pipe)',
    );
    return 2;
  }
  // NO_COLOR (no-color.org): any non-empty value turns colour off.
  const color = o.color !== false && !process.env.NO_COLOR;
  return runTui(
    {
      files,
      ...(o.filter !== undefined ? { filter: o.filter } : {}),
      ...(o.hep !== undefined ? { hep: o.hep === true ? 9060 : o.hep } : {}),
      ...(o.mirror !== undefined ? { mirror: o.mirror } : {}),
      ...(o.iface !== undefined ? { iface: o.iface } : {}),
      ...(o.captureFilter !== undefined ? { captureFilter: o.captureFilter } : {}),
      media: o.media !== false,
      stream: o.stream === true,
      color,
      ascii: o.ascii === true,
    },
    { input: process.stdin, output: process.stdout },
  );
}

export function registerTui(program: Command): void {
  program
    .command('tui')
    .description('read SIP in the terminal: calls list, call flow, messages and diagnostics (like sngrep)')
    .argument('[files...]', 'capture files (several: read as one, merged by time), or a file of SIP text')
    .option('--filter <expr>', 'start with this calls filter (docs/filters.md), e.g. call.state == "failed"')
    .addOption(
      new Option(
        '--hep [port]',
        'live: a HEP v2/v3 collector on 127.0.0.1 UDP and TCP (default port 9060)',
      ).argParser(parsePort),
    )
    .option('--iface <name>', 'live: capture on an interface with dumpcap (e.g. lo, eth0, any)')
    .option('--capture-filter <expr>', "live: capture filter for --iface (e.g. 'udp port 5060')")
    .option('--no-media', 'with --iface: capture only what the capture filter says (no RTP)')
    .addOption(
      new Option(
        '--mirror <port>',
        'live: receive mirrored SIP datagrams on a UDP port of 127.0.0.1',
      ).argParser(parsePort),
    )
    .option('--stream', 'SIP text: several messages framed by Content-Length', false)
    .option('--no-color', 'no colours (as NO_COLOR does)')
    .option('--ascii', 'ASCII lines and marks instead of Unicode box drawing', false)
    .action(async (files: string[], opts: TuiCliOptions) => {
      process.exitCode = await tui(files, opts);
    });
}
