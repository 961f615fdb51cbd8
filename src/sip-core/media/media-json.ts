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
} from './call-media';

/** One stream in the trace JSON (the same fields as the app's MediaStreamDto). */
export type MediaStreamJson = MediaStreamFigures;

export interface CallMediaJson {
  call: string;
  verdict: MediaVerdict;
  streams: number[];
}

export interface RtcpFlowJson {
  src: string;
  srcPort: number;
  dst: string;
  dstPort: number;
  packets: number;
  start: number;
  end: number;
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
    delta: { min: round6(r.minDelta), mean: round6(r.meanDelta), max: round6(r.maxDelta) },
    jitter: { min: round6(s.jitter.min), mean: round6(s.jitter.mean), max: round6(s.jitter.max) },
    sdpMessage: s.sdpMessage,
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

const byAnalyzer = new WeakMap<object, { count: number; result: MediaAnalysis }>();

/** The analyzer's view of its calls as the media analysis reads them. */
export interface AnalyzerCalls {
  readonly trace: Trace;
  calls(): readonly { id: string; type: string; state: string; start: number; end: number }[];
  resolveCall(ref: string): number;
  callMessageIds(root: number): number[];
}

/**
 * The media analysis over `a`'s calls (the filter's `call.rtp` fields), once per trace length; null
 * when the trace holds no RTP or RTCP.
 */
export function analyzerMedia(a: AnalyzerCalls): MediaAnalysis | null {
  if (!a.trace.media) return null;
  const c = byAnalyzer.get(a);
  if (c && c.count === a.trace.count) return c.result;
  const result = analyzeMedia(a.trace, {
    calls: a.calls(),
    messageIds: (id) => {
      const r = a.resolveCall(id);
      return r < 0 ? [] : a.callMessageIds(r);
    },
  });
  byAnalyzer.set(a, { count: a.trace.count, result });
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
 * The filter's `call.rtp` (verdict), `call.rtp.loss` (highest stream loss, %) and `call.rtp.problem`
 * (the media rules it breaks) of call `id`.
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
  if (c.streams.length === 0) return null;
  return Math.max(...c.streams.map((i) => Math.round(m.streams[i]!.lossFraction * 10000) / 100));
}

const cache = new WeakMap<Trace, { analysis: unknown; count: number; result: MediaAnalysis }>();

/** The media analysis of `trace` with its attached call analysis (cached per trace, analysis and length). */
export function traceMedia(trace: Trace): MediaAnalysis | null {
  if (!trace.media) return null;
  const c = cache.get(trace);
  if (c && c.analysis === trace.analysis && c.count === trace.count) return c.result;
  const src = mediaCallSource(trace) ?? { calls: [], messageIds: () => [] };
  const result = analyzeMedia(trace, src);
  cache.set(trace, { analysis: trace.analysis, count: trace.count, result });
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
    .map((c) => ({ call: c.call, verdict: c.verdict, streams: c.streams }));
  return {
    streams,
    calls,
    rtcp: m.rtcp.map((f) => ({
      src: f.src,
      srcPort: f.srcPort,
      dst: f.dst,
      dstPort: f.dstPort,
      packets: f.packets,
      start: f.firstUs / 1e6,
      end: f.lastUs / 1e6,
    })),
    droppedStreams: m.droppedStreams,
    malformed: m.malformed,
  };
}

/** The media rules' diagnostics of `trace` (empty without media). */
export function mediaDiagnostics(trace: Trace): AnalysisDiagnostic[] {
  return traceMedia(trace)?.diagnostics ?? [];
}

/** One text line per stream: `  RTP 1.2.3.4:5 → 6.7.8.9:10 0x1234ABCD g711A 425 pkts, lost 0 (0.0%), …`. */
export function streamLine(s: MediaStreamJson): string {
  const dir =
    s.direction === 'forward' ? 'caller→callee' : s.direction === 'reverse' ? 'callee→caller' : 'no call';
  return (
    `RTP ${s.src}:${s.srcPort} → ${s.dst}:${s.dstPort} ${s.ssrc} ${s.codecs.join(', ')} [${dir}${s.announced || s.call === null ? '' : ', unannounced destination'}]: ` +
    `${s.packets} pkts, lost ${s.lost} (${s.lossPercent.toFixed(1)}%), delta ${round3(s.delta.min)}/${round3(s.delta.mean)}/${round3(s.delta.max)} ms, ` +
    `jitter ${round3(s.jitter.min)}/${round3(s.jitter.mean)}/${round3(s.jitter.max)} ms`
  );
}
