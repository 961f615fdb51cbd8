/** `sipscope serve`: browser mode — the app served to a browser, with the same API over a WebSocket. */
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { InvalidArgumentError } from 'commander';
import { startBrowserServer, type BrowserServer } from '../../server/browser-server';
import { createHost } from '../../service/create-host';
import { ensureBuilt } from '../../build-check';
import { RENDERER_DIR } from '../../paths';
import { openInDesktopBrowser } from '../../open-browser';
import { Events, type EventMap } from '../../../shared/api';
import type { MergeInput } from '../../service/merge-captures';
import { addMergeOptions, mergeInputs, type MergeCliOptions } from '../merge-options';

function parsePort(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError('must be a port number 0–65535');
  return n;
}

function parseKeep(v: string): number {
  const n = Number(v);
  if (!(n >= 0) || n > 1_048_576) throw new InvalidArgumentError('must be a size in MB, 0 or more');
  return n;
}

export interface ServeOptions extends MergeCliOptions {
  port: number;
  host: string;
  open: boolean;
  build: boolean;
  /** Lab files to start, their live traces shown in the page as traffic arrives. */
  lab?: string[];
  /** An interface to capture on (dumpcap), its live trace shown in the page with its RTP. */
  iface?: string;
  filter?: string;
  /** Commander's `--no-media`. */
  media?: boolean;
  /** MB of the capture's RTP/RTCP kept to play and save it (0: none). */
  keepMedia?: number;
  /** Open the FILEs as one capture (merged by time), not each on its own. */
  merge?: boolean;
}

/** Starts browser mode and resolves when it has stopped (Ctrl-C / SIGTERM). */
export async function serve(files: string[], o: ServeOptions): Promise<number> {
  if (o.build && !ensureBuilt()) return 1;
  let mergeWindowUs: number | undefined;
  let server: BrowserServer | null = null;
  const host = createHost({ mode: 'browser', resolveUpload: (t) => server?.resolveUpload(t) ?? null });
  server = await startBrowserServer({ host, webRoot: RENDERER_DIR, bindHost: o.host, port: o.port });
  console.log(
    `sipscope ${o.host === '127.0.0.1' ? '' : `(listening on ${o.host}) `}browser mode: ${server.url}`,
  );
  // The full analysis of each file opened here ends after it opened (it runs in the background).
  const ended = new Map<string, { calls: number; at: number }>();
  const opened = new Map<string, { name: string; at: number }>();
  const report = (name: string, calls: number, ms: number): void =>
    console.log(
      `analysed ${name}: ${calls} calls (full analysis ended ${Math.round(ms)} ms after it opened)`,
    );
  host.onEvent((event, payload) => {
    if (event !== Events.captureAnalysis) return;
    const p = payload as EventMap[typeof Events.captureAnalysis];
    if (!p.complete) return;
    const o = opened.get(p.captureId);
    if (o) report(o.name, p.calls, performance.now() - o.at);
    else ended.set(p.captureId, { calls: p.calls, at: performance.now() });
  });
  let toOpen: (string | MergeInput[])[] = files;
  if (o.merge && files.length > 1) {
    const m = mergeInputs(files, o);
    if (typeof m === 'string') {
      console.error(`sipscope serve: ${m}`);
      await host.dispose();
      await server.close();
      return 2;
    }
    toOpen = [m.inputs];
    mergeWindowUs = m.dedupWindowUs;
  }
  for (const f of toOpen) {
    try {
      const s =
        typeof f === 'string'
          ? await host.openPath(f)
          : await host.openMerged(f, { dedupWindowUs: mergeWindowUs });
      const at = performance.now();
      console.log(`opened ${s.name}: ${s.messages} SIP messages in ${s.frames} frames`);
      const e = ended.get(s.id);
      if (e) report(s.name, e.calls, 0);
      else if (s.analysis < 1) opened.set(s.id, { name: s.name, at });
    } catch (err) {
      console.error(
        `cannot open ${typeof f === 'string' ? f : files.join(' + ')}: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }
  for (const f of o.lab ?? []) {
    try {
      const lab = await host.startLab({ yaml: readFileSync(f, 'utf8'), fileName: basename(f) });
      console.log(`lab ${lab.name} running (its live trace is open in the page):`);
      for (const l of lab.listening)
        console.log(`  ${l.node.padEnd(24)} ${l.role.padEnd(10)} ${l.transport} ${l.address}`);
    } catch (err) {
      console.error(`cannot start lab ${f}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  if (o.iface) {
    try {
      const src = await host.startInterface({
        iface: o.iface,
        filter: o.filter,
        media: o.media !== false,
        keepMediaMB: o.keepMedia,
      });
      console.log(
        `capturing on ${o.iface} (its live trace is open in the page): ${src.listening.join(', ')}`,
      );
    } catch (err) {
      console.error(`cannot capture on ${o.iface}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  if (o.open) openInDesktopBrowser(server.url);
  console.log('Press Ctrl-C to stop.');
  await new Promise<void>((res) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      res();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  console.log('sipscope: stopping…');
  await host.dispose();
  await server.close();
  return 0;
}

export function registerServe(program: Command): void {
  const cmd = program
    .command('serve')
    .description('browser mode: serve the app and its API on http://127.0.0.1 (optionally opening FILEs)')
    .argument('[files...]', 'capture files to open at start (each on its own; with --merge as one)')
    .option('--merge', 'open the FILEs as one capture, merged by time (one capture point per file)', false)
    .option('-p, --port <n>', 'TCP port (0 picks a free one)', parsePort, 8787)
    .option('--host <addr>', 'address to bind (use 0.0.0.0 only on a network you trust)', '127.0.0.1')
    .option('--open', 'open the page in the desktop browser', false)
    .option('--no-build', 'do not rebuild the renderer when its sources changed')
    .option('--lab <file...>', 'start lab files and show their traffic live in the page')
    .option(
      '--iface <name>',
      'capture on an interface with dumpcap (e.g. lo), shown live in the page with its RTP',
    )
    .option(
      '--filter <expr>',
      "capture filter for --iface (e.g. 'udp port 5060'); RTP is admitted too unless --no-media",
    )
    .option('--no-media', 'with --iface and --filter: capture only what the filter says (no RTP)')
    .option(
      '--keep-media <MB>',
      'with --iface: the newest MB of RTP/RTCP kept (in the temp dir) to play and save calls; 0: none',
      parseKeep,
      256,
    );
  addMergeOptions(cmd).action(async (files: string[], opts: ServeOptions) => {
    process.exitCode = await serve(files, opts);
  });
}
