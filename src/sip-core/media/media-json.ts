/**
 * The `media` block of the trace JSON (docs/trace-json-media.md): the capture's RTP streams joined to
 * their calls, per call a media verdict, the RTCP flows; and the text lines `analyze --format text`
 * prints under each call.
 */
import type { MediaStreamFigures } from '../../shared/media-stream';
import type { Trace } from '../trace/trace';
import type { AnalysisDiagnostic } from '../analysis/rules';
import {
  analyzeMedia,
  type MediaAnalysis,
  type MediaCallSource,
  type MediaStream,
  type MediaVerdict,
  worseStream,
} from './call-media';

/** One stream in the trace JSON (the same fields as the app's MediaStreamDto). */
export type MediaStreamJson = MediaStreamFigures;

export interface CallMediaJson {
  call: string;
  verdict: MediaVerdict;
  streams: number[];
  /**
   * E-model MOS of the worse direction (the rated stream of ≥ 50 expected packets with the lowest);
   * null when none is rated. Since session 20.
   */
  mos: number | null;
}

export interface RtcpFlowJson {
  src: string;
  srcPort: number;
  dst: string;
  dstPort: number;
  packets: number;
  start: number;
  end: number;
  /** Datagrams that are not a valid compound packet, and the first one's frame and error. Since session 20. */
  malformed?: number;
  error?: { frame: number; error: string } | null;
  /** RFC 5506 reduced-size datagrams (not starting with SR or RR). */
  reducedSize?: number;
  /**
   * Encrypted SRTCP datagrams (RFC 3711): their reports are read when the SDP gives the sender's key
   * (`srtcp`), as are SRTCP's with UNENCRYPTED_SRTCP.
   */
  encrypted?: number;
  /** SRTCP datagrams decrypted with the sender's SDP key, and those that failed with it. Since session 26. */
  srtcp?: { decrypted: number; failed: number };
}

export interface MediaJson {
  streams: MediaStreamJson[];
  calls: CallMediaJson[];
  rtcp: RtcpFlowJson[];
  /** Streams not tracked: the table (8,192 streams) was full. */
  droppedStreams: number;
  /** RTP-looking datagrams too short for their header. */
  malformed: number;
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;
const round6 = (x: number): number => Math.round(x * 1e6) / 1e6;

export function streamJson(s: MediaStream): MediaStreamJson {
  const r = s.record;
  return {
    index: s.index,
    call: s.call,
    direction: s.direction,
    announced: s.announced,
    src: r.src,
    srcPort: r.srcPort,
    dst: r.dst,
    dstPort: r.dstPort,
    ssrc: `0x${r.ssrc.toString(16).toUpperCase().padStart(8, '0')}`,
    payloadTypes: r.pts,
    codecs: s.codecs,
    packets: r.packets,
    expected: r.expected,
    lost: r.lost,
    lossPercent: Math.round(s.lossFraction * 10000) / 100,
    sequenceErrors: r.sequenceErrors,
    lateOrDuplicate: r.lateOrDuplicate,
    timestampErrors: r.timestampErrors,
    markers: r.markers,
    payloadBytes: r.payloadBytes,
    firstFrame: r.firstFrame,
    lastFrame: r.lastFrame,
    start: r.firstUs / 1e6,
    end: r.lastUs / 1e6,
    ...(r.spans && {
      spans: r.spans.map((x) => ({ start: x.firstUs / 1e6, end: x.lastUs / 1e6, packets: x.packets })),
    }),
    delta: { min: round6(r.minDelta), mean: round6(r.meanDelta), max: round6(r.maxDelta) },
    jitter: { min: round6(s.jitter.min), mean: round6(s.jitter.mean), max: round6(s.jitter.max) },
    sdpMessage: s.sdpMessage,
    rtcp: s.rtcp,
    quality: s.quality && {
      codec: s.quality.codec,
      ie: s.quality.ie,
      bpl: s.quality.bpl,
      lossPercent: round3(s.quality.ppl),
      burstRatio: round3(s.quality.burstR),
      delayMs: round3(s.quality.delayMs),
      delayMeasured: s.quality.delayMeasured,
      rFactor: Math.round(s.quality.r * 100) / 100,
      mos: Math.round(s.quality.mos * 100) / 100,
    },
    ...(s.events && { events: s.events }),
    ...(s.srtp && {
      srtp: {
        keying: s.srtp.keying,
        suite: s.srtp.suite,
        tag: s.srtp.tag,
        keyMessage: s.srtp.keyMessage,
        keyFrame: s.srtp.keyFrame,
        problem: s.srtp.problem,
        ...(s.srtp.dtls && { dtls: s.srtp.dtls }),
      },
    }),
  };
}

/** The calls of the trace's analysis as the media analysis reads them (null: no analysis attached). */
export function mediaCallSource(trace: Trace): MediaCallSource | null {
  const an = trace.analysis;
  if (!an) return null;
  const calls = an.calls() as { id: string; type: string; state: string; start: number; end: number }[];
  const withIds = an as unknown as {
    resolveCall?: (c: string) => number;
    callMessageIds?: (r: number) => number[];
  };
  if (typeof withIds.resolveCall === 'function' && typeof withIds.callMessageIds === 'function') {
    const resolve = withIds.resolveCall.bind(an);
    const ids = withIds.callMessageIds.bind(an);
    return { calls, messageIds: (c) => (resolve(c) < 0 ? [] : ids(resolve(c))) };
  }
  // Any other analysis: its per-message call field, once over the trace.
  let byCall: Map<string, number[]> | null = null;
  return {
    calls,
    messageIds: (c) => {
      if (!byCall) {
        byCall = new Map();
        for (let id = 0; id < trace.count; id++) {
          const k = an.messageFields(id).call;
          if (k === null) continue;
          const l = byCall.get(k);
          if (l) l.push(id);
          else byCall.set(k, [id]);
        }
      }
      return byCall.get(c) ?? [];
    },
  };
}

const byAnalyzer = new WeakMap<
  object,
  { count: number; grouping: number; media: unknown; result: MediaAnalysis }
>();

/** The analyzer's view of its calls as the media analysis reads them. */
export interface AnalyzerCalls {
  readonly trace: Trace;
  /** Changes when legs join into calls or calls come apart (TraceAnalyzer.grouping). */
  readonly grouping: number;
  calls(): readonly { id: string; type: string; state: string; start: number; end: number }[];
  resolveCall(ref: string): number;
  callMessageIds(root: number): number[];
}

/**
 * The media analysis over `a`'s calls (the filter's `call.rtp` fields), once per trace length, call
 * grouping (the user's joins and splits) and media snapshot (a live trace's grows: live-trace.ts); null
 * when the trace holds no RTP or RTCP.
 */
export function analyzerMedia(a: AnalyzerCalls): MediaAnalysis | null {
  if (!a.trace.media) return null;
  const c = byAnalyzer.get(a);
  if (c && c.count === a.trace.count && c.grouping === a.grouping && c.media === a.trace.media)
    return c.result;
  const result = analyzeMedia(a.trace, {
    calls: a.calls(),
    messageIds: (id) => {
      const r = a.resolveCall(id);
      return r < 0 ? [] : a.callMessageIds(r);
    },
  });
  byAnalyzer.set(a, { count: a.trace.count, grouping: a.grouping, media: a.trace.media, result });
  return result;
}

/** The media rules' codes each call breaks, per analysis (the filter's `call.rtp.problem`). */
const problemsOf = new WeakMap<MediaAnalysis, Map<string, string[]>>();

/** Codes of the media rules call `id` breaks (each once), by the media analysis over `a`'s calls. */
export function callMediaProblems(a: AnalyzerCalls, id: string): readonly string[] {
  const m = analyzerMedia(a);
  if (!m) return [];
  let byCall = problemsOf.get(m);
  if (!byCall) {
    byCall = new Map();
    for (const d of m.diagnostics) {
      if (!d.call) continue;
      const l = byCall.get(d.call);
      if (!l) byCall.set(d.call, [d.code]);
      else if (!l.includes(d.code)) l.push(d.code);
    }
    problemsOf.set(m, byCall);
  }
  return byCall.get(id) ?? [];
}

/**
 * The filter's `call.rtp` (verdict), `call.rtp.loss` (highest stream loss, %), `call.rtp.mos` (the
 * worse direction's E-model MOS) and `call.rtp.problem` (the media rules it breaks) of call `id`.
 */
export function callRtpField(a: AnalyzerCalls, id: string, field: string): string | number | string[] | null {
  if (field === 'call.rtp.problem') {
    const codes = callMediaProblems(a, id);
    return codes.length === 0 ? null : codes.length === 1 ? codes[0]! : [...codes];
  }
  const m = analyzerMedia(a);
  const c = m?.calls.get(id);
  if (!m || !c) return null;
  if (field === 'call.rtp') return c.verdict;
  if (field === 'call.rtp.mos') {
    const w = worseStream(m.streams, c.streams);
    return w ? Math.round(w.quality!.mos * 100) / 100 : null;
  }
  if (c.streams.length === 0) return null;
  return Math.max(...c.streams.map((i) => Math.round(m.streams[i]!.lossFraction * 10000) / 100));
}

/** Per trace: the analysis, length and media snapshot (a live trace's grows) it was made for. */
const cache = new WeakMap<
  Trace,
  { analysis: unknown; grouping: number; count: number; media: unknown; result: MediaAnalysis }
>();

/**
 * The media analysis of `trace` with its attached call analysis (cached per trace, analysis, its call
 * grouping, length and media snapshot).
 */
export function traceMedia(trace: Trace): MediaAnalysis | null {
  if (!trace.media) return null;
  const c = cache.get(trace);
  const grouping = trace.analysis?.grouping ?? 0;
  if (
    c &&
    c.analysis === trace.analysis &&
    c.grouping === grouping &&
    c.count === trace.count &&
    c.media === trace.media
  )
    return c.result;
  const src = mediaCallSource(trace) ?? { calls: [], messageIds: () => [] };
  const result = analyzeMedia(trace, src);
  cache.set(trace, { analysis: trace.analysis, grouping, count: trace.count, media: trace.media, result });
  return result;
}

/** The trace JSON's `media` block (null when the capture held no RTP or RTCP). */
export function mediaJson(trace: Trace, onlyCall: string | null = null): MediaJson | null {
  const m = trace.media;
  const a = traceMedia(trace);
  if (!m || !a) return null;
  const streams = a.streams.filter((s) => onlyCall === null || s.call === onlyCall).map(streamJson);
  const calls = [...a.calls.values()]
    .filter((c) => onlyCall === null || c.call === onlyCall)
    .map((c) => {
      const w = worseStream(a.streams, c.streams);
      return {
        call: c.call,
        verdict: c.verdict,
        streams: c.streams,
        mos: w ? Math.round(w.quality!.mos * 100) / 100 : null,
      };
    });
  return {
    streams,
    calls,
    rtcp: (a.srtcp?.flows ?? m.rtcp).map((f, i) => ({
      src: f.src,
      srcPort: f.srcPort,
      dst: f.dst,
      dstPort: f.dstPort,
      packets: f.packets,
      start: f.firstUs / 1e6,
      end: f.lastUs / 1e6,
      malformed: f.reports.malformed,
      error: f.reports.firstError,
      reducedSize: f.reports.reducedSize,
      encrypted: f.reports.encrypted,
      ...(a.srtcp?.counts.has(i) && { srtcp: a.srtcp.counts.get(i) }),
    })),
    droppedStreams: m.droppedStreams,
    malformed: m.malformed,
  };
}

/** The media rules' diagnostics of `trace` (empty without media). */
export function mediaDiagnostics(trace: Trace): AnalysisDiagnostic[] {
  return traceMedia(trace)?.diagnostics ?? [];
}

/**
 * One text line per stream: `  RTP 1.2.3.4:5 → 6.7.8.9:10 0x1234ABCD g711A 425 pkts, lost 0 (0.0%), …`;
 * a negative loss (more packets than the sequence numbers span: RFC 3550 §6.4.1) says why:
 * `lost -2 (more than expected: 2 late or duplicate)`.
 */
export function streamLine(s: MediaStreamJson): string {
  const dir =
    s.direction === 'forward' ? 'caller→callee' : s.direction === 'reverse' ? 'callee→caller' : 'no call';
  return (
    `${s.srtp && s.srtp.keying !== 'unknown' ? 'SRTP' : 'RTP'} ${s.src}:${s.srcPort} → ${s.dst}:${s.dstPort} ${s.ssrc} ${s.codecs.join(', ')} [${dir}${s.announced || s.call === null ? '' : ', unannounced destination'}]: ` +
    `${s.packets} pkts, lost ${s.lost} (${s.lost < 0 ? `more than expected: ${s.lateOrDuplicate} late or duplicate` : `${s.lossPercent.toFixed(1)}%`}), delta ${round3(s.delta.min)}/${round3(s.delta.mean)}/${round3(s.delta.max)} ms, ` +
    `jitter ${round3(s.jitter.min)}/${round3(s.jitter.mean)}/${round3(s.jitter.max)} ms` +
    (s.quality ? `, MOS ${s.quality.mos.toFixed(2)} (R ${s.quality.rFactor.toFixed(1)})` : '')
  );
}

/** The RTCP line under a stream's line (null: no RTCP of it): what its receiver and sender reported. */
export function rtcpLine(s: MediaStreamJson): string | null {
  const x = s.rtcp;
  if (!x) return null;
  const parts: string[] = [];
  const r = x.receiver;
  if (r) {
    const l = r.last;
    parts.push(
      `${r.reports} receiver report${r.reports === 1 ? '' : 's'} (${r.reporter}): last ${(l.fractionLost * 100).toFixed(1)}% lost, cumulative ${l.cumulativeLost}, jitter ${l.jitterMs === null ? `${l.jitter} units` : `${l.jitterMs} ms`}` +
        `; max ${(r.maxFractionLost * 100).toFixed(1)}% lost${r.maxJitterMs === null ? '' : `, jitter ${r.maxJitterMs} ms`}` +
        (r.rttMs ? `; RTT ${r.rttMs.min}/${r.rttMs.mean}/${r.rttMs.max} ms` : '') +
        (r.xr && r.xr.mosLq !== null ? `; XR MOS-LQ ${r.xr.mosLq}` : ''),
    );
  }
  const t = x.sender;
  if (t) {
    const bits = [`${t.srs} SR${t.srs === 1 ? '' : 's'}`];
    if (t.lastSr) bits.push(`last says ${t.lastSr.packets} pkts, ${t.lastSr.octets} octets sent`);
    if (t.cname !== null) bits.push(`CNAME ${t.cname}`);
    if (t.bye) bits.push(`BYE${t.bye.reason ? ` "${t.bye.reason}"` : ''}`);
    parts.push(`sender: ${bits.join(', ')}`);
  }
  if (x.malformed) parts.push(`${x.malformed} malformed RTCP`);
  return `RTCP ${parts.join(' | ')}`;
}
