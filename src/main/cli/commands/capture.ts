/**
 * `sipscope capture --hep [PORT] | --iface IFACE [--filter F] [--no-media] | --mirror PORT
 * [--pcap out.pcapng] [--format ndjson|text]`: live ingest from a HEP collector (Kamailio siptrace,
 * OpenSIPS, FreeSWITCH, Asterisk, heplify), an interface (through dumpcap) or a UDP mirror port.
 * Prints each SIP message as it arrives (text lines or trace-JSON lines); Ctrl-C stops, prints the
 * counts and closes the pcapng file. Binds 127.0.0.1 unless --bind names another address. An
 * interface capture also follows RTP (--filter is widened to admit it, unless --no-media) and ends
 * with a line per stream.
 */
import type { Command } from 'commander';
import { InvalidArgumentError, Option } from 'commander';
import { messageJson } from '../../../sip-core/trace/trace-json';
import { mediaJson, streamLine } from '../../../sip-core/media/media-json';
import type { Trace } from '../../../sip-core/trace/trace';
import { isoMicros } from '../../../sip-core/trace/time-notices';
import { startDumpcap, startHepListener, startUdpMirror, type LiveSource } from '../../live';

export interface CaptureOptions {
  hep?: number | true;
  iface?: string;
  filter?: string;
  /** Commander's `--no-media`: false keeps --filter as given (SIP only). */
  media?: boolean;
  mirror?: number;
  bind: string;
  pcap?: string;
  rotate: number;
  format: 'ndjson' | 'text' | 'none';
  limit: number;
  count?: number;
  duration?: number;
}

function parsePort(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError('must be a port number 0–65535');
  return n;
}

function parsePositive(v: string): number {
  const n = Number(v);
  if (!(n > 0)) throw new InvalidArgumentError('must be a positive number');
  return n;
}

const pad = (s: string, n: number): string => (s.length >= n ? s : s + ' '.repeat(n - s.length));

/** One readable line for message `id` of a live trace. */
export function textLine(t: Trace, id: number): string {
  const m = messageJson(t, id);
  const info =
    m.kind === 'request'
      ? `${m.method} ${m.requestUri ?? ''}`
      : m.kind === 'response'
        ? `${m.status} ${m.reason ?? ''} (${m.cseqMethod ?? '?'})`
        : '(not a valid SIP start line)';
  return `${pad(isoMicros(t.timeUs(id), 'time'), 15)} ${pad(m.src, 22)} -> ${pad(m.dst, 22)} ${pad(m.transport, 4)} ${pad(info.slice(0, 50), 50)} ${m.callId ?? '-'}`;
}

/** Starts the chosen source. */
export async function startCaptureSource(o: CaptureOptions): Promise<LiveSource> {
  const chosen = [o.hep !== undefined, o.iface !== undefined, o.mirror !== undefined].filter(Boolean).length;
  if (chosen !== 1)
    throw new Error('choose exactly one source: --hep [PORT], --iface IFACE or --mirror PORT');
  const common = {
    limit: o.limit,
    pcap: o.pcap ? { path: o.pcap, maxBytes: o.rotate * 1024 * 1024 } : null,
  };
  if (o.hep !== undefined)
    return startHepListener({ host: o.bind, port: o.hep === true ? 9060 : o.hep, ...common });
  if (o.mirror !== undefined) return startUdpMirror({ host: o.bind, port: o.mirror, ...common });
  // Nothing plays the RTP here: it is not kept (--pcap writes it as it comes).
  return startDumpcap({
    iface: o.iface!,
    filter: o.filter,
    media: o.media !== false,
    mediaKeepBytes: 0,
    ...common,
  });
}

/** Runs the capture until Ctrl-C, --count or --duration; resolves to the exit code. */
export async function capture(
  o: CaptureOptions,
  write: (s: string) => void = (s) => process.stdout.write(s),
): Promise<number> {
  let src: LiveSource;
  try {
    src = await startCaptureSource(o);
  } catch (err) {
    console.error(`sipscope capture: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
  for (const l of src.listening) console.error(`listening: ${l}`);
  if (o.pcap) console.error(`writing: ${o.pcap} (new file every ${o.rotate} MB)`);
  console.error('Press Ctrl-C to stop.');
  let stopReason = '';
  await new Promise<void>((resolve) => {
    let finished = false;
    const finish = (why: string): void => {
      if (finished) return;
      finished = true;
      stopReason = why;
      process.off('SIGINT', onSig);
      process.off('SIGTERM', onSig);
      if (timer) clearTimeout(timer);
      resolve();
    };
    const onSig = (): void => finish('interrupted');
    process.on('SIGINT', onSig);
    process.on('SIGTERM', onSig);
    const timer = o.duration ? setTimeout(() => finish('duration reached'), o.duration * 1000) : null;
    src.live.onMessage((trace, id, seq) => {
      if (o.format === 'ndjson') write(`${JSON.stringify({ ...messageJson(trace, id), id: seq })}\n`);
      else if (o.format === 'text') write(`${textLine(trace, id)}\n`);
      if (o.count && seq + 1 >= o.count) finish('count reached');
    });
    void src.done.then((r) => finish(r));
  });
  await src.stop();
  const reason = await src.done;
  const st = src.stats;
  const live = src.live;
  console.error(
    `sipscope capture: ${stopReason === 'stopped' ? reason : stopReason}; ${st.messages} SIP messages from ${st.packets} packets` +
      `${st.ignored ? `, ${st.ignored} not SIP` : ''}${st.malformed ? `, ${st.malformed} malformed` : ''}` +
      `${live.dropped ? `, ${live.dropped} dropped from the window (limit ${live.limit})` : ''}`,
  );
  const media = live.trace.media;
  if (media) {
    const m = mediaJson(live.trace);
    for (const s of m?.streams ?? []) console.error(streamLine(s));
    if (media.droppedStreams) console.error(`${media.droppedStreams} RTP streams not tracked (table full)`);
  }
  if (live.pcap) console.error(`wrote ${live.pcap.packets} messages to ${live.pcap.files.join(', ')}`);
  return reason.startsWith('dumpcap exited') ? 1 : 0;
}

export function registerCapture(program: Command): void {
  program
    .command('capture')
    .description(
      'live capture: HEP collector, interface (via dumpcap) or UDP mirror; prints SIP messages as they come',
    )
    .addOption(
      new Option('--hep [port]', 'HEP v2/v3 collector on UDP and TCP (default port 9060)').argParser(
        parsePort,
      ),
    )
    .option('--iface <name>', 'capture on an interface with dumpcap (e.g. lo, eth0, any)')
    .option(
      '--filter <expr>',
      "capture filter for --iface (e.g. 'udp port 5060'); RTP and RTCP are admitted too unless --no-media",
    )
    .option('--no-media', 'with --iface and --filter: capture only what the filter says (no RTP)')
    .addOption(
      new Option('--mirror <port>', 'receive mirrored SIP datagrams on a UDP port').argParser(parsePort),
    )
    .option('--bind <addr>', 'address to listen on for --hep and --mirror', '127.0.0.1')
    .option('--pcap <file>', 'also write a pcapng file as messages come')
    .addOption(
      new Option('--rotate <MB>', 'start a new pcapng file past this size')
        .argParser(parsePositive)
        .default(100),
    )
    .addOption(new Option('--format <format>', 'output').choices(['text', 'ndjson', 'none']).default('text'))
    .addOption(
      new Option('--limit <n>', 'messages kept in memory (ring)').argParser(parsePositive).default(200000),
    )
    .addOption(new Option('--count <n>', 'stop after this many messages').argParser(parsePositive))
    .addOption(new Option('--duration <seconds>', 'stop after this long').argParser(parsePositive))
    .action(async (opts: CaptureOptions) => {
      process.exitCode = await capture(opts);
    });
}
