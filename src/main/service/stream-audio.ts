/**
 * The host's side of "hear the call" (`stream:audio`, `sipscope rtp`): the packets of the planned
 * streams read again from the capture file (media/stream-scan.ts; a gzip capture through gunzip), from
 * a live trace's kept media (live/media-spool.ts, scanned the same way), or taken from a simulated
 * run's RTP, then decoded to a WAV (media/stream-audio.ts).
 */
import { CaptureFile, zlibInflate } from '../../sip-core/capture/reader/file-source.node.js';
import type { MediaAnalysis } from '../../sip-core/media/call-media';
import { RtpPacketList, type AudioLoss, type AudioTiming } from '../../sip-core/media/rtp-audio';
import {
  planAudio,
  renderAudio,
  type AudioPlan,
  type AudioRendered,
  type AudioSelection,
} from '../../sip-core/media/stream-audio';
import { StreamScan } from '../../sip-core/media/stream-scan';
import { SrtpRekeyedSessions, SrtpSession, type SrtpRtpReader } from '../../sip-core/media/srtp';
import { nodeSrtpCrypto } from '../../sip-core/media/srtp-crypto.node.js';
import type { FrameRef } from '../../sip-core/capture/provenance';
import type { WirePacket } from '../../sip-core/sim/network';
import type { Trace } from '../../sip-core/trace/trace';
import { callId } from '../../sip-core/analysis/call/call';
import type { TraceAnalyzer } from '../../sip-core/analysis/analyzer';
import { sippMediaStreams, sippRtpPcap } from '../../sip-core/analysis/export/sipp';
import { traceMedia } from '../../sip-core/media/media-json';
import { ApiError, type ExportFile, type StreamAudioDto } from '../../shared/api';
import { SpoolView, type MediaSpool, type SpooledPacket } from '../live/media-spool';
import { writeCapture, type LiveTrace } from '../live/live-trace';
import type { TraceAdapter } from './capture-loader';

/** Bytes read per step of the scan. */
const SCAN_CHUNK = 1024 * 1024;

/** Per planned stream, the SRTP session that decrypts it (null: plain RTP or no key). */
export function planSessions(plan: AudioPlan): (SrtpRtpReader | null)[] {
  return plan.streams.map((s) => {
    if (!s.srtp || !('crypto' in s.srtp)) return null;
    const own = new SrtpSession(s.srtp.crypto, nodeSrtpCrypto);
    const later = s.srtp.later ?? [];
    return later.length === 0
      ? own
      : new SrtpRekeyedSessions([own, ...later.map((c) => new SrtpSession(c.crypto, nodeSrtpCrypto))]);
  });
}

/**
 * The plan's packets from the capture: read back through the trace (from the plan's start record
 * when the file is a classic pcap), else from `path` (a gzip capture is decompressed as a stream).
 * Null when neither can be read.
 */
export async function scanCapturePackets(
  trace: Trace,
  plan: AudioPlan,
  path: string | null,
  srtp: readonly (SrtpRtpReader | null)[] = [],
): Promise<RtpPacketList[] | null> {
  return (await scanCapture(trace, plan, path, srtp))?.finish() ?? null;
}

/** The scan of {@link scanCapturePackets}, pushed to the end of the plan's streams (not finished). */
async function scanCapture(
  trace: Trace,
  plan: AudioPlan,
  path: string | null,
  srtp: readonly (SrtpRtpReader | null)[] = [],
): Promise<StreamScan | null> {
  if (trace.canReadFile) {
    const scan = new StreamScan(
      plan.wanted,
      zlibInflate,
      (o, n) => trace.readBytes(o, n) ?? new Uint8Array(0),
      srtp,
    );
    const size = trace.source.size;
    let pos = 0;
    const head = trace.readBytes(0, Math.min(24, size));
    if (plan.startAt && head && scan.startAt(head, plan.startAt.offset, plan.startAt.frameNo))
      pos = plan.startAt.offset;
    while (pos < size && !scan.done) {
      const n = Math.min(SCAN_CHUNK, size - pos);
      const chunk = trace.readBytes(pos, n);
      if (!chunk || chunk.length === 0) break;
      pos += chunk.length;
      scan.push(chunk, pos >= size);
    }
    return scan;
  }
  if (path === null) return null;
  const file = new CaptureFile(path);
  const scan = new StreamScan(plan.wanted, zlibInflate, file.gzip ? null : file.readAt, srtp);
  try {
    if (file.gzip) {
      for await (const chunk of file.gunzipChunks()) {
        scan.push(chunk);
        if (scan.done) break;
      }
    } else
      for (const chunk of file.chunks(SCAN_CHUNK)) {
        scan.push(chunk);
        if (scan.done) break;
      }
  } finally {
    file.close();
  }
  return scan;
}

/**
 * The plan's packets from a live trace's kept media: the spool's segments scanned as one pcapng stream
 * (to their end: a call still in progress plays what has come so far).
 */
export async function scanSpool(
  plan: AudioPlan,
  spool: MediaSpool | SpoolView,
  srtp: readonly (SrtpRtpReader | null)[] = [],
): Promise<StreamScan> {
  // The live trace's frame numbers are the source's, not the spool's: no stop after a last frame.
  const scan = new StreamScan(
    plan.wanted.map((w) => ({ ...w, lastFrame: 0 })),
    null,
    null,
    srtp,
  );
  const view = spool instanceof SpoolView ? spool : spool.view();
  try {
    for (const chunk of view.chunks(SCAN_CHUNK)) {
      scan.push(chunk);
      // The capture goes on meanwhile (its sockets, dumpcap's pipe): the event loop turns between chunks.
      await new Promise<void>((r) => setImmediate(r));
    }
  } finally {
    if (view !== spool) view.close();
  }
  scan.finish();
  return scan;
}

/** What the spool no longer keeps of the plan's streams: null when it has them whole, else a sentence. */
export function spoolGap(plan: AudioPlan, spool: MediaSpool): { note: string; none: boolean } | null {
  if (spool.dropped === 0) return null;
  const kept = spool.keptFromUs || Infinity;
  const first = Math.min(...plan.streams.map((s) => s.stream.record.firstUs));
  const last = Math.max(...plan.streams.map((s) => s.stream.record.lastUs));
  if (first >= kept) return null;
  const m = spool.maxBytes;
  const size = m >= 1048576 ? `${Math.round(m / 1048576)} MB` : `${Math.round(m / 1024)} KB`;
  const cap = `this live capture keeps its last ${size} of media`;
  if (last < kept) return { none: true, note: `this audio is no longer kept (${cap})` };
  const s = (kept - first) / 1e6;
  return { none: false, note: `the first ${s.toFixed(1)} s are no longer kept (${cap})` };
}

/**
 * The plan's packets from a simulated run: what reached each stream's receiver (a packet the network
 * dropped is lost there), at its delivery time.
 */
export function simulatedPackets(plan: AudioPlan, rtp: readonly WirePacket[]): RtpPacketList[] {
  const lists = plan.wanted.map(() => new RtpPacketList());
  for (const p of rtp) {
    if (p.deliverAt === null || p.bytes.length < 12) continue;
    const b = p.bytes;
    const ssrc = ((b[8]! << 24) | (b[9]! << 16) | (b[10]! << 8) | b[11]!) >>> 0;
    plan.wanted.forEach((w, i) => {
      if (
        w.ssrc === ssrc &&
        w.src === p.from.host &&
        w.srcPort === p.from.port &&
        w.dst === p.to.host &&
        w.dstPort === p.to.port
      )
        lists[i]!.addPacket(b, p.deliverAt!);
    });
  }
  return lists;
}

/**
 * The frames of calls' RTP streams in the capture (a call exported with its media): the streams the
 * media analysis joined to each call, read again from the file as for their audio. Empty without RTP.
 */
export async function callsRtpFrames(
  trace: Trace,
  calls: readonly string[],
  path: string | null,
): Promise<FrameRef[]> {
  const media = traceMedia(trace);
  const an = trace.analysis as { resolveCall?: (ref: string) => number } | null;
  if (!media || !an?.resolveCall) return [];
  const out: FrameRef[] = [];
  for (const c of calls) {
    const root = an.resolveCall(c);
    if (root < 0) continue;
    const plan = planAudio(trace, media, { call: callId(root) });
    if (typeof plan === 'string') continue;
    const scan = await scanCapture(trace, plan, path);
    if (!scan) continue;
    scan.finish();
    out.push(...scan.frames);
  }
  return out;
}

/**
 * The RTP endpoint `side` sent `peer` in `call`, as the pcap a SIPp scenario plays (export/sipp.ts
 * sippMediaStreams, sippRtpPcap): read again from the capture as for its audio. Null when the call
 * has no RTP of that endpoint in the capture (or the capture cannot be read back).
 */
export async function sippMediaPcap(
  an: TraceAnalyzer,
  call: string,
  side: string,
  peer: string,
  path: string | null,
): Promise<{ pcap: Uint8Array; firstUs: number; lastUs: number; packets: number } | null> {
  const trace = an.trace;
  const media = traceMedia(trace);
  if (!media) return null;
  const streams = sippMediaStreams(an, media, call, side, peer);
  if (streams.length === 0) return null;
  const plan = planAudio(trace, media, { call: callId(an.resolveCall(call)) });
  if (typeof plan === 'string') return null;
  const lists = await scanCapturePackets(trace, plan, path);
  if (!lists) return null;
  const mine = streams.map((s) => plan.streams.findIndex((p) => p.stream.index === s.index));
  if (mine.some((i) => i < 0)) return null;
  const r = sippRtpPcap(
    mine.map((i) => lists[i]!),
    streams,
  );
  return r.packets > 0 ? r : null;
}

/**
 * The kept media packets of calls' RTP streams in a live trace (a live call exported with its media):
 * the streams the media analysis joined to each call, found in the spool as for their audio.
 */
export async function callsSpoolPackets(
  trace: Trace,
  calls: readonly string[],
  spool: MediaSpool,
): Promise<SpooledPacket[]> {
  const media = traceMedia(trace);
  const an = trace.analysis as { resolveCall?: (ref: string) => number } | null;
  if (!media || !an?.resolveCall) return [];
  const refs: FrameRef[] = [];
  // One view for every call's scan and the read-back: the offsets the scans note are in it.
  const view = spool.view();
  try {
    for (const c of calls) {
      const root = an.resolveCall(c);
      if (root < 0) continue;
      const plan = planAudio(trace, media, { call: callId(root) });
      if (typeof plan !== 'string') refs.push(...(await scanSpool(plan, view)).frames);
    }
    const seen = new Set<number>();
    return view.records(refs.filter((r) => !seen.has(r.recordOffset) && seen.add(r.recordOffset)));
  } finally {
    view.close();
  }
}

/**
 * `export:capture` of a live trace's calls: their SIP messages as synthesized packets (a live trace has
 * no capture frames) and their streams' kept RTP/RTCP, in time order (pcap or pcapng, LINKTYPE_RAW).
 */
export async function liveCallsExport(
  live: LiveTrace,
  adapter: TraceAdapter,
  calls: readonly string[],
  format: 'pcap' | 'pcapng',
): Promise<ExportFile> {
  if (adapter.trace !== live.trace) throw new ApiError('not-found', 'the live trace moved on: try again');
  const ids = new Set<number>();
  for (const c of calls) for (const id of adapter.callMessageIds(c) ?? []) ids.add(id);
  if (!ids.size) throw new ApiError('not-found', 'none of these calls is in this trace');
  const spool = live.spool;
  const media = spool && !spool.closed ? await callsSpoolPackets(live.trace, calls, spool) : [];
  const chunks: Uint8Array[] = [];
  writeCapture(
    format,
    [...ids].sort((a, b) => a - b).map((id) => live.packet(id)),
    media.sort((a, b) => a.timeUs - b.timeUs),
    (b) => chunks.push(b),
  );
  const name = live.trace.source.name.replace(/[^\w.-]+/g, '_') || 'live';
  return {
    fileName: `${name}-${calls.length === 1 ? calls[0] : `${calls.length}-calls`}.${format}`,
    mime: 'application/vnd.tcpdump.pcap',
    base64: Buffer.concat(chunks).toString('base64'),
  };
}

/** Where a trace's RTP payloads come from. */
export type PacketSource =
  | { kind: 'capture'; path: string | null }
  | { kind: 'simulation'; rtp: readonly WirePacket[] }
  | { kind: 'live'; spool: MediaSpool | null; failure?: string | null };

/**
 * The selection's audio as a WAV (lost packets concealed or silent), or why there is none (a sentence
 * for the user). SRTP streams are decrypted with their sender's SDP key, or `srtpKeys`' (stream index →
 * `SUITE inline:KEY`, given by hand).
 */
export async function streamAudio(
  trace: Trace,
  media: MediaAnalysis,
  sel: AudioSelection,
  timing: AudioTiming,
  source: PacketSource,
  loss: AudioLoss = 'conceal',
  srtpKeys: ReadonlyMap<number, string> = new Map(),
): Promise<{ plan: AudioPlan; audio: AudioRendered; note?: string } | string> {
  const plan = planAudio(trace, media, sel, srtpKeys);
  if (typeof plan === 'string') return plan;
  const sessions = planSessions(plan);
  let note: string | undefined;
  let lists: RtpPacketList[] | null;
  if (source.kind === 'live') {
    const spool = source.spool;
    if (source.failure) return `this live capture could not keep its media (${source.failure})`;
    if (!spool || spool.closed) return 'this live capture does not keep its media (nothing to play)';
    const gap = spoolGap(plan, spool);
    if (gap?.none) return gap.note;
    note = gap?.note;
    lists = (await scanSpool(plan, spool, sessions)).lists;
  } else
    lists =
      source.kind === 'simulation'
        ? simulatedPackets(plan, source.rtp)
        : await scanCapturePackets(trace, plan, source.path, sessions);
  if (lists === null) return 'the capture file cannot be read again (it was closed or is not a file)';
  const audio = renderAudio(plan, lists, timing, loss, source.kind === 'simulation' ? [] : sessions);
  if (typeof audio === 'string') return audio;
  return note ? { plan, audio, note } : { plan, audio };
}

/**
 * `stream:audio`: the selection's WAV as the API returns it (ApiError `not-found` for an unknown call,
 * `unplayable` with the reason when there is nothing to hear). The trace's full analysis must be attached.
 */
export async function traceStreamAudio(
  trace: Trace,
  sel: AudioSelection,
  timing: AudioTiming,
  source: PacketSource,
  loss: AudioLoss = 'conceal',
  srtpKeys: ReadonlyMap<number, string> = new Map(),
): Promise<StreamAudioDto> {
  let pick = sel;
  if ('call' in sel) {
    const an = trace.analysis as { resolveCall?: (ref: string) => number } | null;
    const root = an?.resolveCall?.(sel.call) ?? -1;
    if (root < 0) throw new ApiError('not-found', `no call ${sel.call} in this capture`);
    pick = { call: callId(root) };
  }
  const media = traceMedia(trace);
  if (!media) throw new ApiError('unplayable', 'this capture holds no RTP');
  const r = await streamAudio(trace, media, pick, timing, source, loss, srtpKeys);
  if (typeof r === 'string') throw new ApiError('unplayable', r);
  const au = r.audio;
  const base = trace.source.name.replace(/\.[^.]*$/, '').replace(/[^\w.-]+/g, '_') || 'capture';
  return {
    fileName: `${base}-${r.plan.label}.wav`,
    base64: Buffer.from(au.wav.buffer, au.wav.byteOffset, au.wav.byteLength).toString('base64'),
    rate: au.rate,
    channels: au.channels,
    durationMs: Math.round((au.frames / au.rate) * 1000),
    startTime: au.startUs / 1e6,
    timing,
    losses: loss,
    streams: au.streams,
    ...(r.note ? { note: r.note } : {}),
  };
}
