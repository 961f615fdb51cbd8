/**
 * Interface capture without a native module: runs Wireshark's `dumpcap` (Debian wireshark-common,
 * pulled in by tshark) with a capture filter, reads its pcapng stream from stdout in chunks and
 * feeds the capture pipeline (link → IP → UDP/TCP reassembly → SIP framing) into a live trace.
 * dumpcap needs root or CAP_NET_RAW; when it is missing or refused, the error says what to do.
 *
 * RTP: the pipeline's RTP tracker sees every UDP datagram that is not SIP, and the live trace shows
 * its streams (`trace.media`). The ports are the SDP's, unknown when dumpcap starts (its filter cannot
 * change while it runs), so a given filter is widened with {@link RTP_FILTER}: UDP between ports
 * ≥ 1024 whose payload starts with RTP version 2, what the tracker would take anyway.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { CaptureDecoder } from '../../sip-core/capture/capture-decoder';
import type { MessageMeta } from '../../sip-core/capture/pipeline';
import { zlibInflate } from '../../sip-core/capture/reader/file-source.node.js';
import { RtpTracker } from '../../sip-core/media/rtp-streams';
import { LiveTrace } from './live-trace';
import { newStats, type LiveSource, type LiveSourceStats, type LiveTraceChoice } from './source';

export interface DumpcapOptions extends LiveTraceChoice {
  /** Interface name (`lo`, `eth0`, `any`). */
  iface: string;
  /** libpcap capture filter, e.g. `udp port 5060 or tcp port 5060`. */
  filter?: string;
  /** Path of dumpcap; default: found in PATH or /usr/bin/dumpcap. */
  dumpcap?: string;
  /** Kernel buffer in MiB (dumpcap -B); default 16. */
  bufferMiB?: number;
  /** Also admit RTP and RTCP past `filter` ({@link captureFilter}); default true. */
  media?: boolean;
}

/**
 * libpcap filter for what the RTP tracker takes (media/rtp-streams.ts `looksLikeRtp`): UDP with both
 * ports ≥ 1024 and a payload of at least 8 octets starting with version 2 (RTP and RTCP alike). libpcap
 * indexes `udp[]` over IPv4 only, so IPv6 reads the UDP header at ip6[40] (no extension headers).
 * About one in four other UDP payloads starts with those two bits: the tracker drops them.
 */
export const RTP_FILTER =
  'udp and src portrange 1024-65535 and dst portrange 1024-65535 and ' +
  '((ip and udp[8] & 0xc0 = 0x80 and udp[4:2] >= 16) or (ip6[6] = 17 and ip6[48] & 0xc0 = 0x80 and ip6[44:2] >= 16))';

/** dumpcap's filter: `filter`, widened with {@link RTP_FILTER} unless `media` is false; none: everything. */
export function captureFilter(filter: string | undefined, media = true): string | undefined {
  const f = filter?.trim();
  if (!f) return undefined;
  return media ? `(${f}) or (${RTP_FILTER})` : f;
}

/** Where dumpcap is, or null. */
export function findDumpcap(): string | null {
  const dirs = (process.env.PATH ?? '').split(delimiter).concat(['/usr/bin', '/usr/sbin', '/usr/local/bin']);
  for (const d of dirs) {
    if (!d) continue;
    const p = join(d, 'dumpcap');
    if (existsSync(p)) return p;
  }
  return null;
}

/** A readable explanation of a dumpcap failure from its stderr. */
export function explainDumpcapError(stderr: string, iface: string, filter: string | undefined): string {
  const s = stderr.trim();
  if (/permission|not permitted|operation not permitted|you don't have/i.test(s))
    return (
      `dumpcap lacks permission to capture on "${iface}": run sipscope as root, or allow capture for your user ` +
      `(Debian: sudo dpkg-reconfigure wireshark-common, answer yes, then sudo usermod -aG wireshark $USER and log in again). ` +
      `dumpcap said: ${s}`
    );
  if (/no (such )?device|there is no device named/i.test(s))
    return `there is no interface named "${iface}" (list them with: dumpcap -D). dumpcap said: ${s}`;
  if (/filter/i.test(s) && /invalid|syntax|can't parse|parse error/i.test(s))
    return `the capture filter "${filter ?? ''}" is not valid libpcap filter syntax (e.g. "udp port 5060"). dumpcap said: ${s}`;
  return `dumpcap failed: ${s || 'no message'}`;
}

/** Most RTP streams and RTCP flows a live capture keeps (≈ 0.8 KB each; the idle ones go first). */
export const LIVE_MAX_STREAMS = 8192;

/**
 * What reads a live pcap/pcapng stream into `live`: the capture pipeline, its SIP messages appended,
 * its RTP tracker followed by the trace's media (when `media`), a snapshot asked for after each chunk
 * that offered the tracker datagrams (the trace takes one at most every `mediaMs`).
 */
export function liveFeed(
  live: LiveTrace,
  stats: LiveSourceStats,
  media: boolean,
): { push(chunk: Uint8Array): void; finish(): void } {
  let decoder: CaptureDecoder | null = null;
  decoder = new CaptureDecoder(
    {
      message(buf: Uint8Array, start: number, end: number, meta: MessageMeta) {
        const names = decoder!.pipeline.addresses.names;
        stats.messages++;
        live.add({
          buf,
          start,
          end,
          timeUs: meta.timeUs,
          srcHost: names[meta.src] ?? '?',
          srcPort: meta.srcPort,
          dstHost: names[meta.dst] ?? '?',
          dstPort: meta.dstPort,
          transport: meta.transport,
          reassembly: meta.reassembly,
          frameNo: meta.frameNo,
          diagnostics: meta.diagnostics,
          hepCorrelationId: meta.hepCorrelationId,
        });
      },
    },
    // A capture that runs for days: the streams idle longest go when the table is full (a ring).
    { inflate: zlibInflate, media: new RtpTracker(LIVE_MAX_STREAMS, true) },
  );
  const pipeline = decoder.pipeline;
  if (media) live.trackMedia(pipeline.media, pipeline.addresses.names);
  let offered = 0;
  const offer = (): void => {
    // Datagrams that are not SIP went to the RTP tracker: a media snapshot is due.
    if (pipeline.stats.udpNonSip === offered) return;
    offered = pipeline.stats.udpNonSip;
    live.mediaChanged();
  };
  return {
    push(chunk) {
      decoder!.push(chunk);
      stats.packets = pipeline.stats.frames;
      offer();
    },
    finish() {
      decoder!.finish();
      stats.packets = pipeline.stats.frames;
      offer();
      for (const d of pipeline.diagnostics) live.diagnostic(d);
      live.close();
    },
  };
}

/** Starts capturing; resolves once dumpcap has started writing (or rejects with a clear message). */
export async function startDumpcap(opts: DumpcapOptions): Promise<LiveSource> {
  const bin = opts.dumpcap ?? findDumpcap();
  if (!bin || !existsSync(bin))
    throw new Error(
      "dumpcap is not installed: interface capture runs Wireshark's dumpcap (Debian/Ubuntu: sudo apt install tshark, " +
        'or wireshark-common). Alternatives without it: a HEP listener (--hep) or a UDP mirror (--mirror).',
    );
  const args = ['-q', '-i', opts.iface, '-B', String(opts.bufferMiB ?? 16), '-w', '-'];
  const filter = captureFilter(opts.filter, opts.media);
  if (filter) args.splice(3, 0, '-f', filter);
  const name = `${opts.iface}${opts.filter ? ` (${opts.filter}${filter !== opts.filter?.trim() ? ' + RTP' : ''})` : ''}`;
  const live = new LiveTrace({
    name: `capture ${name}`,
    format: 'live-pcapng',
    limit: opts.limit,
    batchMs: opts.batchMs,
    pcap: opts.pcap,
    mediaKeepBytes: opts.mediaKeepBytes,
  });
  const stats = newStats();
  const feed = liveFeed(live, stats, opts.media !== false);
  const child: ChildProcess = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (d: string) => {
    if (stderr.length < 8192) stderr += d;
  });
  let started = false;
  let exited = false;
  let resolveDone: (r: string) => void = () => undefined;
  const done = new Promise<string>((res) => (resolveDone = res));
  const ready = new Promise<void>((resolve, reject) => {
    child.once('error', (err: NodeJS.ErrnoException) => {
      exited = true;
      reject(
        new Error(
          err.code === 'ENOENT'
            ? `dumpcap is not installed at ${bin}`
            : err.code === 'EACCES'
              ? `dumpcap at ${bin} cannot be run (EACCES): check its permissions`
              : `cannot run dumpcap: ${err.message}`,
        ),
      );
    });
    child.stdout!.on('data', (chunk: Buffer) => {
      if (!started) {
        started = true;
        resolve();
      }
      feed.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    });
    child.once('exit', (code, signal) => {
      exited = true;
      feed.finish();
      if (!started) reject(new Error(explainDumpcapError(stderr, opts.iface, opts.filter)));
      resolveDone(
        signal || code === 0
          ? 'stopped'
          : `dumpcap exited with code ${code}: ${explainDumpcapError(stderr, opts.iface, opts.filter)}`,
      );
    });
  });
  await ready;
  return {
    name: `capture ${name}`,
    listening: [`dumpcap -i ${opts.iface}${filter ? ` -f '${filter}'` : ''}`],
    live,
    stats,
    done,
    async stop() {
      if (exited) return;
      child.kill('SIGINT');
      const t = setTimeout(() => child.kill('SIGKILL'), 3000);
      await done;
      clearTimeout(t);
    },
  };
}
