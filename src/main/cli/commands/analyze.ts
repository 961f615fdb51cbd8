/**
 * `sipscope analyze FILE [--format json|ndjson|text|summary] [--call CALL_ID] [--stream]
 * [--join C3,C7] [--split C5]`: reads a
 * pcap, pcapng (gzip too) or HEP-in-pcap capture, or a file of raw SIP text, and prints the trace
 * (ARCHITECTURE.md "Trace JSON"). Exit 0 whenever the file could be read, even when it is damaged
 * (the damage is in the diagnostics); 1 when it cannot be read at all.
 */
import { mediaDiagnostics, mediaJson, rtcpLine, streamLine } from '../../../sip-core/media/media-json';
import { dtmfText, eventsLine, traceDtmf } from '../../../sip-core/media/dtmf';
import { QUALITY_MIN_PACKETS } from '../../../sip-core/media/call-media';
import { POOR_MOS } from '../../../sip-core/media/quality';
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { InvalidArgumentError, Option } from 'commander';
import type { Diagnostic } from '../../../sip-core/diagnostic';
import { detectFormat } from '../../../sip-core/capture/reader/detect';
import { CaptureFile } from '../../../sip-core/capture/reader/file-source.node.js';
import { ingestCaptureFile } from '../../../sip-core/trace/ingest-file.node.js';
import { ingestSipText, type IngestResult } from '../../../sip-core/trace/trace-builder';
import type { Trace } from '../../../sip-core/trace/trace';
import { captureDiagnostics, isoMicros, timeNotices } from '../../../sip-core/trace/time-notices';
import { messageStats } from '../../../sip-core/analysis/stats';
import { messageJson, toTraceJson, writeTraceNdjson } from '../../../sip-core/trace/trace-json';
import { analysisOnAppend, analyzeTrace, filterMessages, TraceAnalyzer } from '../../../sip-core/analysis';
import { applyCallEdits, detachLeg, legCallId, type CallEdit } from '../../../sip-core/analysis/call/edits';
import {
  addMergeOptions,
  mergeOpenError,
  mergeOpenExitCode,
  openMergedCli,
  type MergeCliOptions,
} from '../merge-options';

export type AnalyzeFormat = 'json' | 'ndjson' | 'text' | 'summary';

export interface AnalyzeOptions extends MergeCliOptions {
  format: AnalyzeFormat;
  call?: string;
  stream: boolean;
  /** Display filter (docs/filters.md): only the matching messages. */
  filter?: string;
  /** Calls to join (`C3,C7` or Call-IDs; each list one call), as the app's "Join". */
  join?: string[];
  /** Links to split (`C3,C5`: the link between two legs; `C5`: every link of that leg), as the app's "Split". */
  split?: string[];
}

/**
 * Applies `--split` then `--join` to the analysis (the legs by `C<n>`, the number a Call-ID has as a
 * call of its own, or by Call-ID). Returns an error text for a reference the trace does not have.
 */
/** `--join <calls>` (repeatable), for the commands that take the user's call edits as the app does. */
export function joinOption(what: string): Option {
  return new Option('--join <calls>', `${what} (C3,C7 or Call-IDs; repeatable)`).argParser(
    (v: string, prev: string[] = []) => [...prev, v],
  );
}

/** `--split <legs>` (repeatable). */
export function splitOption(what: string): Option {
  return new Option('--split <legs>', `${what} (repeatable)`).argParser((v: string, prev: string[] = []) => [
    ...prev,
    v,
  ]);
}

export function applyCliCallEdits(
  an: TraceAnalyzer,
  o: Pick<AnalyzeOptions, 'join' | 'split'>,
): string | null {
  const legs = (opt: string, list: string): string[] | string => {
    const refs = list.split(',').map((x) => x.trim());
    const ids: string[] = [];
    for (const r of refs) {
      const id = r ? legCallId(an, r) : null;
      if (id === null) return `${opt}: no call or Call-ID "${r}" in this trace`;
      ids.push(id);
    }
    return ids;
  };
  const edits: CallEdit[] = [];
  for (const list of o.split ?? []) {
    const ids = legs('--split', list);
    if (typeof ids === 'string') return ids;
    if (ids.length === 1) edits.push(...detachLeg(an, ids[0]!));
    else if (ids.length === 2) edits.push({ op: 'split', a: ids[0]!, b: ids[1]! });
    else return `--split: give one leg (C5) or two (C3,C5), not "${list}"`;
  }
  for (const list of o.join ?? []) {
    const ids = legs('--join', list);
    if (typeof ids === 'string') return ids;
    if (ids.length < 2) return `--join: give two calls or more (C3,C7), not "${list}"`;
    for (const id of ids.slice(1)) edits.push({ op: 'join', a: ids[0]!, b: id });
  }
  applyCallEdits(an, edits);
  return null;
}

/** Where analyze writes; stdout by default, with back-pressure. */
export interface Output {
  write(s: string): void | Promise<void>;
}

const stdout: Output = {
  write: (s) =>
    process.stdout.write(s)
      ? undefined
      : new Promise<void>((res) => {
          process.stdout.once('drain', () => res());
        }),
};

/** Opens FILE as a capture, or as SIP text when it is not one. Throws only when it cannot be read. */
export async function openForAnalyze(
  path: string,
  o: { stream: boolean },
): Promise<{ result: IngestResult; close: () => void }> {
  const f = new CaptureFile(path);
  const head = f.head(16);
  f.close();
  const kind = detectFormat(head).kind;
  if (kind === 'unknown') {
    const bytes = new Uint8Array(readFileSync(path));
    return {
      result: ingestSipText(bytes, path.split(/[\\/]/).pop() ?? path, { stream: o.stream }),
      close: () => {},
    };
  }
  const r = await ingestCaptureFile(path, { lint: true, onAppend: analysisOnAppend() });
  return { result: r, close: () => r.file.close() };
}

const pad = (s: string, n: number): string => (s.length >= n ? s : s + ' '.repeat(n - s.length));

/** A readable table of messages. */
export async function writeText(
  trace: Trace,
  out: Output,
  call?: string,
  only?: readonly number[],
): Promise<void> {
  const all = call ? trace.idsOfCall(call) : Array.from({ length: trace.count }, (_, i) => i);
  const keep = only ? new Set(only) : null;
  const ids = keep ? all.filter((id) => keep.has(id)) : all;
  let buf = `${pad('frame', 7)} ${pad('time (UTC)', 28)} ${pad('source', 24)}    ${pad('destination', 24)} ${pad('proto', 5)} ${pad('message', 44)} call-id\n`;
  for (const id of ids) {
    const m = messageJson(trace, id);
    const info =
      m.kind === 'request'
        ? `${m.method} ${m.requestUri ?? ''}`
        : m.kind === 'response'
          ? `${m.status} ${m.reason ?? ''} (${m.cseqMethod ?? '?'})`
          : '(not a valid SIP start line)';
    const flags = m.diagnostics.length ? ` [${m.diagnostics.join(', ')}]` : '';
    buf += `${pad(String(m.frame), 7)} ${pad(isoMicros(trace.timeUs(id)), 28)} ${pad(m.src, 24)} -> ${pad(m.dst, 24)} ${pad(m.transport, 5)} ${pad(info.slice(0, 44), 44)} ${m.callId ?? '-'}${flags}\n`;
    if (buf.length > 65536) {
      await out.write(buf);
      buf = '';
    }
  }
  buf += `${ids.length} SIP message${ids.length === 1 ? '' : 's'}\n`;
  for (const d of captureDiagnostics(trace)) buf += `${d.severity}: ${d.code}: ${d.message}\n`;
  const calls = call ? new Set(ids.map((id) => trace.analysis?.messageFields(id).call ?? null)) : null;
  buf += mediaText(trace, calls);
  buf += dtmfText(trace, calls);
  await out.write(buf);
}

/**
 * The RTP streams under their calls (one line per stream), the streams no SDP announced, and the media
 * diagnostics; empty when the capture holds no RTP or RTCP. `calls`: only these calls' streams.
 */
export function mediaText(trace: Trace, calls: ReadonlySet<string | null> | null): string {
  const m = mediaJson(trace);
  if (!m) return '';
  let buf = '';
  for (const c of m.calls) {
    if (calls && !calls.has(c.call)) continue;
    const rated = c.streams
      .filter((i) => m.streams[i]!.expected >= QUALITY_MIN_PACKETS)
      .map((i) => m.streams[i]!.quality)
      .filter((q) => q != null);
    const worst = rated.length ? Math.min(...rated.map((q) => q.mos)) : null;
    buf += `call ${c.call}: media ${c.verdict}${worst === null ? '' : `, MOS ${worst.toFixed(2)}`}\n`;
    for (const i of c.streams) {
      buf += `  ${streamLine(m.streams[i]!)}\n`;
      const rl = rtcpLine(m.streams[i]!);
      if (rl) buf += `    ${rl}\n`;
      const el = eventsLine(m.streams[i]!);
      if (el) buf += `    ${el}\n`;
    }
  }
  const loose = calls ? [] : m.streams.filter((s) => s.call === null);
  // Single datagrams that merely look like RTP (version 2 on high ports) are counted, not listed.
  const shown = loose.filter((s) => s.packets >= 2);
  if (loose.length) {
    const single = loose.length - shown.length;
    buf += `RTP streams no SDP announced (${loose.length}${single ? `; ${single} of a single packet not listed` : ''}):\n`;
    for (const s of shown) buf += `  ${streamLine(s)}\n`;
  }
  if (!calls && m.rtcp.length)
    buf += `RTCP flows: ${m.rtcp.map((f) => `${f.src}:${f.srcPort} → ${f.dst}:${f.dstPort} ${f.packets}`).join(', ')}\n`;
  for (const d of mediaDiagnostics(trace))
    if (!calls || calls.has(d.call ?? null)) buf += `${d.severity}: ${d.code}: ${d.message}\n`;
  return buf;
}

/** Counts and diagnostics without printing every message. */
export function summaryText(r: IngestResult): string {
  const t = r.trace;
  const s = t.source;
  const lines: string[] = [];
  // A fuzzing capture's "methods" can be thousands of characters long (PROTOS: 'aaaa…').
  const shortMethod = (m: string): string => (m.length <= 24 ? m : `${m.slice(0, 16)}… (${m.length} chars)`);
  lines.push(`file: ${s.name} (${s.size} bytes, ${s.format}${s.compression ? `, ${s.compression}` : ''})`);
  if (s.linkTypes.length) lines.push(`link types: ${s.linkTypes.join(', ')}`);
  lines.push(`frames: ${s.frames} (${s.bytes} bytes captured)`);
  if (s.firstTime !== null && s.lastTime !== null) {
    lines.push(
      `time span: ${isoMicros(s.firstTime * 1e6)} – ${isoMicros(s.lastTime * 1e6)} (${(s.duration ?? 0).toFixed(6)} s)`,
    );
  }
  const ms = messageStats(t, t.analysis instanceof TraceAnalyzer ? t.analysis.retransmissionCount : null);
  lines.push(
    `SIP messages: ${ms.messages} (${ms.requests} requests, ${ms.responses} responses${ms.invalid ? `, ${ms.invalid} invalid` : ''})`,
  );
  if (ms.byTransport.length)
    lines.push(`  by transport: ${ms.byTransport.map((x) => `${x.transport} ${x.count}`).join(', ')}`);
  if (ms.byMethod.length)
    lines.push(
      `  requests by method: ${ms.byMethod.map((x) => `${shortMethod(x.method)} ${x.count}`).join(', ')}`,
    );
  if (ms.byStatus.length)
    lines.push(`  responses by code: ${ms.byStatus.map((x) => `${x.status} ${x.count}`).join(', ')}`);
  if (ms.retransmissions !== null) lines.push(`  retransmissions: ${ms.retransmissions}`);
  lines.push(`Call-IDs: ${t.callIdCount}`);
  const an = t.analysis;
  if (an) {
    const summary = an.summary();
    for (const [what, counts] of Object.entries(summary)) {
      const total = Object.values(counts).reduce((a, b) => a + b, 0);
      lines.push(
        `${what}: ${total} (${Object.entries(counts)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')})`,
      );
      const open = what === 'calls' ? (counts['in-call'] ?? 0) : 0;
      if (open > 0)
        lines.push(
          `  in-call ${open}: answered, no BYE when the capture ends (duration open: measured to the call's last message)`,
        );
      const missed = what === 'calls' ? (summary.diagnostics?.['call-start-not-captured'] ?? 0) : 0;
      if (missed > 0)
        lines.push(
          `  start not captured ${missed}: their INVITE is not in the capture (state from what was seen, no PDD or setup time; answered before the capture: duration open, measured from its first in-dialog request)`,
        );
    }
  } else lines.push('transactions, dialogs, calls: not computed (the analysis layer is not attached)');
  const fileCodes = new Map<string, { n: number; d: Diagnostic }>();
  for (const d of [...r.diagnostics, ...timeNotices(t)]) {
    const e = fileCodes.get(d.code);
    if (e) e.n++;
    else fileCodes.set(d.code, { n: 1, d });
  }
  if (fileCodes.size || t.messageDiagnosticCounts.size) {
    lines.push('diagnostics by code:');
    for (const [code, { n, d }] of fileCodes)
      lines.push(`  ${code} (${d.severity}, ${d.layer}): ${n} — ${d.message}`);
    for (const [code, n] of [...t.messageDiagnosticCounts].sort((a, b) => b[1] - a[1]))
      lines.push(`  ${code}: ${n} message${n === 1 ? '' : 's'}`);
  } else lines.push('diagnostics: none');
  const media = mediaJson(t);
  if (media) {
    const joined = media.streams.filter((x) => x.call !== null).length;
    const verdicts = new Map<string, number>();
    for (const c of media.calls) verdicts.set(c.verdict, (verdicts.get(c.verdict) ?? 0) + 1);
    const codes = new Map<string, number>();
    for (const d of mediaDiagnostics(t)) codes.set(d.code, (codes.get(d.code) ?? 0) + 1);
    const list = (m: Map<string, number>): string => [...m].map(([k, v]) => `${k} ${v}`).join(', ');
    lines.push(
      `RTP streams: ${media.streams.length} (${joined} in calls, ${media.streams.length - joined} no SDP announced), RTCP flows: ${media.rtcp.length}`,
    );
    if (verdicts.size) lines.push(`  calls' media: ${list(verdicts)}`);
    const mos = media.streams
      .filter((x) => x.call !== null && x.quality && x.expected >= QUALITY_MIN_PACKETS)
      .map((x) => x.quality!.mos);
    if (mos.length)
      lines.push(
        `  quality (E-model MOS, ${mos.length} stream${mos.length === 1 ? '' : 's'} rated): min ${Math.min(...mos).toFixed(2)}, below ${POOR_MOS} ${mos.filter((x) => x < POOR_MOS).length}`,
      );
    const rtcpStreams = media.streams.filter((x) => x.rtcp).length;
    if (media.rtcp.length)
      lines.push(
        `  RTCP: ${media.rtcp.reduce((n, f) => n + f.packets, 0)} packets, ${rtcpStreams} stream${rtcpStreams === 1 ? '' : 's'} reported on, ${media.rtcp.reduce((n, f) => n + (f.malformed ?? 0), 0)} malformed`,
      );
    if (codes.size) lines.push(`  media diagnostics: ${list(codes)}`);
  }
  const dtmf = [...traceDtmf(t).values()];
  if (dtmf.length) {
    // the keys pressed: a digit the other side sent straight back (an echo test's) is counted apart
    const by = new Map<string, number>();
    let pressed = 0;
    let echoed = 0;
    for (const l of dtmf)
      for (const d of l)
        if (d.echo) echoed++;
        else {
          pressed++;
          by.set(d.method, (by.get(d.method) ?? 0) + 1);
        }
    lines.push(
      `DTMF: ${pressed} digits in ${dtmf.length} call${dtmf.length === 1 ? '' : 's'} (${[...by].map(([k, v]) => `${k} ${v}`).join(', ')})` +
        (echoed ? `; ${echoed} echoed back` : ''),
    );
  }
  const und = Object.entries(s.undecoded).filter(([, v]) => v > 0);
  if (und.length) lines.push(`not decoded: ${und.map(([k, v]) => `${k} ${v}`).join(', ')}`);
  return `${lines.join('\n')}\n`;
}

/** Runs analyze; resolves to the exit code. */
export async function analyze(
  files: string | readonly string[],
  o: AnalyzeOptions,
  out: Output = stdout,
): Promise<number> {
  const file = typeof files === 'string' ? files : files.join(' + ');
  let opened: Awaited<ReturnType<typeof openForAnalyze>>;
  try {
    // Several captures: read as one, merged by time (cli/merge-options.ts).
    opened =
      typeof files !== 'string' && files.length > 1
        ? await openMergedCli(files, o, { lint: true, onAppend: analysisOnAppend() })
        : await openForAnalyze(typeof files === 'string' ? files : files[0]!, o);
  } catch (e) {
    console.error(mergeOpenError('analyze', file, e));
    return mergeOpenExitCode(e);
  }
  const { result, close } = opened;
  try {
    const t = result.trace;
    const analysis = (t.analysis as TraceAnalyzer | null) ?? analyzeTrace(t);
    const editError = applyCliCallEdits(analysis, o);
    if (editError) {
      console.error(`sipscope analyze: ${editError}`);
      return 2;
    }
    let ids: number[] | null = null;
    if (o.filter) {
      const f = filterMessages(analysis, o.filter);
      if (!f.ok) {
        console.error(`sipscope analyze: --filter: ${f.error.message} at column ${f.error.column}`);
        return 2;
      }
      ids = f.ids;
    }
    switch (o.format) {
      case 'json':
        await out.write(`${JSON.stringify(toTraceJson(t, { callId: o.call ?? null, ids }), null, 2)}\n`);
        break;
      case 'ndjson':
        await writeTraceNdjson(t, (s) => out.write(s), { callId: o.call ?? null, ids });
        break;
      case 'text':
        await writeText(t, out, o.call, ids ?? undefined);
        break;
      case 'summary':
        await out.write(summaryText(result));
        break;
    }
  } finally {
    close();
  }
  return 0;
}

export function registerAnalyze(program: Command): void {
  const cmd = program
    .command('analyze')
    .description('read a capture (pcap, pcapng, gzip, HEP) or SIP text file and print its SIP messages')
    .argument('<files...>', 'capture file (several: read as one, merged by time), or a file of SIP text')
    .addOption(
      new Option('-f, --format <format>', 'output format')
        .choices(['json', 'ndjson', 'text', 'summary'])
        .default('json'),
    )
    .option('--call <call-id>', 'only the messages with this Call-ID', (v: string) => {
      if (!v) throw new InvalidArgumentError('must not be empty');
      return v;
    })
    .option('--filter <expr>', 'only the messages matching this display filter (docs/filters.md)')
    .addOption(joinOption('join calls into one, as the app does'))
    .addOption(
      splitOption('split the link between two legs (C3,C5), or every link of one leg (C5), as the app does'),
    )
    .option(
      '--stream',
      'SIP text: several messages framed by Content-Length (default: the file is one message)',
      false,
    );
  addMergeOptions(cmd).action(async (files: string[], opts: AnalyzeOptions) => {
    process.exitCode = await analyze(files, opts);
  });
}
