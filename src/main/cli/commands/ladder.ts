/**
 * `sipscope ladder FILE [--call ID]... [--format svg|mermaid|plantuml|text|csv|sipp] [--filter EXPR] [-o OUT]
 * [--pcap OUT]`: one call's ladder (ARCHITECTURE.md CLI contract). `--format sipp` writes one call as
 * a SIPp scenario of one endpoint (`--side caller|callee|ADDR`, `--keep-timing`) and, with
 * `--peer FILE`, the scenario of the other end of its messages (export/sipp.ts). `--call` takes a call id (`C3`) or
 * any Call-ID of the call; repeated, the calls are merged in one ladder (B2BUA legs side by side);
 * without it, the first INVITE call (or the first call). `--format csv` prints the calls list instead
 * (filtered by `--filter`). `--pcap OUT` also writes the calls' original frames.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { Option } from 'commander';
import {
  analysisOnAppend,
  analyzeTrace,
  callsCsv,
  ladderModel,
  queryCalls,
  renderLadder,
  type LadderFormat,
  type TraceAnalyzer,
} from '../../../sip-core/analysis';
import { detectFormat } from '../../../sip-core/capture/reader/detect';
import { writePcap } from '../../../sip-core/capture/writer/capture-writer';
import { CaptureFile } from '../../../sip-core/capture/reader/file-source.node.js';
import { ingestCaptureFile } from '../../../sip-core/trace/ingest-file.node.js';
import {
  addMergeOptions,
  mergeOpenError,
  mergeOpenExitCode,
  openMergedCli,
  type MergeCliOptions,
} from '../merge-options';
import { ingestSipText } from '../../../sip-core/trace/trace-builder';
import { applyCliCallEdits, joinOption, splitOption } from './analyze';
import { SippExportError, sippExport, type SippMedia } from '../../../sip-core/analysis/export/sipp';
import { sippMediaPcap } from '../../service/stream-audio';

export interface LadderOptions extends MergeCliOptions {
  /** One call, or several to merge in one ladder. */
  call?: string | readonly string[];
  format: LadderFormat | 'csv' | 'sipp';
  /** `--format sipp`: the endpoint to play (caller, callee or an address), gaps as pauses, the peer's file. */
  side?: string;
  keepTiming?: boolean;
  peer?: string;
  /** `--format sipp`: the RTP the endpoint (its peer) sent, written as a pcap its scenario plays. */
  media?: string;
  peerMedia?: string;
  filter?: string;
  output?: string;
  pcap?: string;
  stream?: boolean;
  /** As `analyze --join/--split`: the calls as the user corrected them in the app. */
  join?: string[];
  split?: string[];
}

/**
 * Reads FILE (capture or SIP text) and returns the analyzed trace plus a closer; several files are
 * read as one capture (cli/merge-options.ts).
 */
export async function openAnalyzed(
  files: string | readonly string[],
  stream = false,
  merge: MergeCliOptions = {},
): Promise<{ a: TraceAnalyzer; close: () => void }> {
  if (typeof files !== 'string' && files.length > 1) {
    const { result, close } = await openMergedCli(files, merge, { onAppend: analysisOnAppend() });
    const a = (result.trace.analysis as TraceAnalyzer | null) ?? analyzeTrace(result.trace);
    return { a, close };
  }
  const file = typeof files === 'string' ? files : files[0]!;
  const f = new CaptureFile(file);
  const head = f.head(16);
  f.close();
  if (detectFormat(head).kind === 'unknown') {
    const r = ingestSipText(new Uint8Array(readFileSync(file)), file.split(/[\\/]/).pop() ?? file, {
      stream,
    });
    return { a: analyzeTrace(r.trace), close: () => {} };
  }
  const r = await ingestCaptureFile(file, { onAppend: analysisOnAppend() });
  const a = (r.trace.analysis as TraceAnalyzer | null) ?? analyzeTrace(r.trace);
  return { a, close: () => r.file.close() };
}

/** Runs the command; resolves to the exit code. `out` receives the text (stdout by default). */
export async function ladder(
  files: string | readonly string[],
  o: LadderOptions,
  out: (s: string) => void = (s) => void process.stdout.write(s),
): Promise<number> {
  const file = typeof files === 'string' ? files : files.join(' + ');
  let opened: Awaited<ReturnType<typeof openAnalyzed>>;
  try {
    opened = await openAnalyzed(files, o.stream, o);
  } catch (e) {
    console.error(mergeOpenError('ladder', file, e));
    return mergeOpenExitCode(e);
  }
  const { a, close } = opened;
  try {
    const editError = applyCliCallEdits(a, o);
    if (editError) {
      console.error(`sipscope ladder: ${editError}`);
      return 2;
    }
    const emit = (s: string): void => {
      if (o.output) writeFileSync(o.output, s);
      else out(s);
    };
    if (o.format === 'csv') {
      const page = queryCalls(a, { filter: o.filter, limit: Number.MAX_SAFE_INTEGER });
      if (!page.ok) {
        console.error(`sipscope ladder: --filter: ${page.error.message} (column ${page.error.column})`);
        return 2;
      }
      emit(callsCsv(page.calls));
      return 0;
    }
    const calls = o.call === undefined ? [] : typeof o.call === 'string' ? [o.call] : [...o.call];
    if (calls.length === 0) {
      const page = queryCalls(a, { filter: o.filter ?? 'call.type == "call"', limit: 1 });
      const first = (page.ok ? page.calls[0] : undefined)?.id ?? a.calls()[0]?.id;
      if (first) calls.push(first);
    }
    if (o.format === 'sipp') {
      if (calls.length !== 1) {
        console.error(
          `sipscope ladder: --format sipp takes one call (${calls.length === 0 ? 'none in ' + file : calls.join(', ')})`,
        );
        return calls.length === 0 ? 1 : 2;
      }
      try {
        if (o.peerMedia && !o.peer) {
          console.error('sipscope ladder: --peer-media needs --peer (the scenario that plays it)');
          return 2;
        }
        const media = new Map<string, SippMedia>();
        const pcaps: [string, Uint8Array][] = [];
        if (o.media || o.peerMedia) {
          const ends = sippExport(a, calls[0]!, { side: o.side });
          const want: [string, string, string | undefined][] = [
            [ends.scenario.side, ends.peer.side, o.media],
            [ends.peer.side, ends.scenario.side, o.peerMedia],
          ];
          for (const [who, peer, to] of want) {
            if (!to) continue;
            const path = typeof files === 'string' ? files : files.length === 1 ? files[0]! : null;
            const m = await sippMediaPcap(a, calls[0]!, who, peer, path);
            if (!m) {
              console.error(
                `sipscope ladder: --${to === o.media ? 'media' : 'peer-media'}: this capture holds no RTP that ${who} sent in call ${ends.call}`,
              );
              return 1;
            }
            media.set(who, { file: to, firstUs: m.firstUs, lastUs: m.lastUs, packets: m.packets });
            pcaps.push([to, m.pcap]);
          }
        }
        const x = sippExport(a, calls[0]!, { side: o.side, keepTiming: o.keepTiming, media });
        emit(x.scenario.xml);
        if (o.peer) writeFileSync(o.peer, x.peer.xml);
        for (const [to, pcap] of pcaps) writeFileSync(to, pcap);
        return 0;
      } catch (e) {
        if (!(e instanceof SippExportError)) throw e;
        console.error(`sipscope ladder: --format sipp: ${e.message}`);
        return 1;
      }
    }
    const model = calls.length > 0 ? ladderModel(a, calls) : null;
    if (!model) {
      const unknown = calls.find((c) => a.resolveCall(c) < 0);
      console.error(
        `sipscope ladder: ${unknown ? `no call "${unknown}" in ${file}` : `no calls in ${file}`}`,
      );
      return 1;
    }
    emit(renderLadder(model, o.format));
    if (o.pcap) {
      const chunks: Uint8Array[] = [];
      const ids = model.arrows.map((x) => x.id);
      const res = writePcap(a.trace, ids, (c) => chunks.push(c.slice()));
      if (res.frames === 0 || res.skippedMessages > 0) {
        console.error(
          'sipscope ladder: --pcap: the source frames cannot be read back (compressed or not a capture file)',
        );
        return 1;
      }
      writeFileSync(o.pcap, Buffer.concat(chunks));
    }
    return 0;
  } finally {
    close();
  }
}

export function registerLadder(program: Command): void {
  const cmd = program
    .command('ladder')
    .description(
      "print a call's ladder (sequence diagram; several calls merged) as SVG, Mermaid, PlantUML or text; or the calls list as CSV; or one call as a SIPp scenario (replay it)",
    )
    .argument('<files...>', 'capture file (several: read as one, merged by time), or a file of SIP text')
    .option(
      '--call <id>',
      'call id (C3) or any Call-ID of the call (default: the first INVITE call); repeat to merge several calls',
      (v: string, acc: string[]) => [...acc, v],
      [] as string[],
    )
    .addOption(
      new Option('-f, --format <format>', 'output format')
        .choices(['svg', 'mermaid', 'plantuml', 'text', 'csv', 'sipp'])
        .default('text'),
    )
    .option(
      '--filter <expr>',
      'filter (docs/filters.md): picks the calls for csv, or the first matching call',
    )
    .option('-o, --output <file>', 'write to a file instead of stdout')
    .option('--pcap <file>', "also write the call's original frames (pcap or pcapng, as the source)")
    .option(
      '--side <who>',
      "sipp: the endpoint to play: caller, callee or one of the call's addresses (host:port)",
      'caller',
    )
    .option('--keep-timing', 'sipp: a <pause> for each gap the capture shows before a message sent', false)
    .option('--peer <file>', 'sipp: also write the scenario of the other end of its messages')
    .option(
      '--media <file>',
      'sipp: also write the RTP the endpoint sent as a pcap its scenario plays (play_pcap_audio), named as given',
    )
    .option('--peer-media <file>', "sipp: the same for --peer's scenario")
    .option('--stream', 'SIP text: several messages framed by Content-Length', false)
    .addOption(joinOption('first join calls into one, as the app does'))
    .addOption(splitOption('first split the link between two legs (C3,C5) or every link of one leg (C5)'));
  addMergeOptions(cmd);
  cmd.action(async (files: string[], opts: LadderOptions) => {
    process.exitCode = await ladder(files, opts);
  });
}
