/**
 * The trace JSON contract (ARCHITECTURE.md "Trace JSON"): `toTraceJson()` for small traces and
 * `writeTraceNdjson()` which streams one line per message, so a 1 GB capture never becomes one
 * 1 GB string. Fields the analysis layer owns (transaction, dialog, call, retransmission) are null /
 * false until `trace.analysis` is attached. A message's `diagnostics` are the codes of the pipeline
 * (framing, reassembly), the parser and the lint rules ([message] `lintMessage`).
 */
import { mediaDiagnostics, mediaJson, type MediaJson } from '../media/media-json';
import { traceDtmf } from '../media/dtmf';
import { captureDiagnostics } from './time-notices';
import type { Diagnostic } from '../diagnostic';
import { lintMessage } from '../message';
import type { Trace, TraceSource } from './trace';

/** One message of the trace JSON. */
export interface TraceMessageJson {
  id: number;
  frame: number;
  time: number;
  src: string;
  dst: string;
  transport: string;
  kind: 'request' | 'response' | 'invalid';
  method: string | null;
  requestUri: string | null;
  status: number | null;
  reason: string | null;
  callId: string | null;
  cseq: number | null;
  cseqMethod: string | null;
  branch: string | null;
  fromTag: string | null;
  toTag: string | null;
  viaCount: number;
  recordRouteCount: number;
  routeCount: number;
  contentType: string | null;
  bodyLength: number;
  transaction: string | null;
  dialog: string | null;
  call: string | null;
  retransmission: boolean;
  diagnostics: string[];
  /** Provenance: how the message was reassembled and the frames it came from. */
  reassembly: string;
  frames: number[];
}

export interface TraceJson {
  source: TraceSource;
  messages: TraceMessageJson[];
  transactions: unknown[];
  dialogs: unknown[];
  calls: unknown[];
  diagnostics: Diagnostic[];
  /** RTP streams per call (docs/trace-json-media.md); absent when the capture holds no RTP/RTCP. */
  media?: MediaJson;
}

/** µs → epoch seconds with exactly µs precision. */
export function secondsFromMicros(us: number): number {
  return Math.floor(us) / 1e6;
}

/** The JSON object of message `id` (parses the message). */
export function messageJson(trace: Trace, id: number): TraceMessageJson {
  const m = trace.message(id);
  const codes = new Set<string>();
  for (const d of trace.pipelineDiagnostics(id)) codes.add(d.code);
  const stored = trace.storedMessageCodes(id);
  if (stored) for (const c of stored) codes.add(c);
  else for (const d of lintMessage(m)) codes.add(d.code);
  const a = trace.analysis?.messageFields(id) ?? null;
  if (a) for (const c of a.diagnostics) codes.add(c);
  return {
    id,
    frame: trace.frame(id),
    time: secondsFromMicros(trace.timeUs(id)),
    src: trace.src(id),
    dst: trace.dst(id),
    transport: trace.transport(id),
    kind: m.kind,
    method: m.kind === 'request' ? m.method : null,
    requestUri: m.kind === 'request' ? m.requestUri : null,
    status: m.kind === 'response' ? m.status : null,
    reason: m.kind === 'response' ? m.reason : null,
    callId: m.callId,
    cseq: m.cseq,
    cseqMethod: m.cseqMethod,
    branch: m.branch,
    fromTag: m.fromTag,
    toTag: m.toTag,
    viaCount: m.viaCount,
    recordRouteCount: m.recordRouteCount,
    routeCount: m.routeCount,
    contentType: m.contentType,
    bodyLength: m.bodyLength,
    transaction: a?.transaction ?? null,
    dialog: a?.dialog ?? null,
    call: a?.call ?? null,
    retransmission: a?.retransmission ?? false,
    diagnostics: [...codes],
    reassembly: trace.reassembly(id),
    frames: trace.frames(id).map((f) => f.frameNo),
  };
}

export interface TraceJsonOptions {
  /** Only the messages with this Call-ID. */
  callId?: string | null;
  /** Only these message ids, in this order (e.g. the result of an analysis filter). */
  ids?: readonly number[] | null;
}

function selectIds(trace: Trace, opts: TraceJsonOptions): Iterable<number> {
  if (opts.ids) return opts.ids.filter((id) => !opts.callId || trace.callId(id) === opts.callId);
  if (opts.callId) return trace.idsOfCall(opts.callId);
  return {
    *[Symbol.iterator]() {
      for (let i = 0; i < trace.count; i++) yield i;
    },
  };
}

/** The calls with their digits (`dtmf`: src/sip-core/media/dtmf.ts) where they have any. */
function withDtmf(trace: Trace, calls: unknown[]): unknown[] {
  const d = traceDtmf(trace);
  if (d.size === 0) return calls;
  return calls.map((c) => {
    const l = d.get((c as { id?: string }).id ?? '');
    return l ? { ...(c as object), dtmf: l } : c;
  });
}

/** The whole trace as one object (for small traces and tests). */
export function toTraceJson(trace: Trace, opts: TraceJsonOptions = {}): TraceJson {
  const messages: TraceMessageJson[] = [];
  for (const id of selectIds(trace, opts)) messages.push(messageJson(trace, id));
  const an = trace.analysis;
  const out: TraceJson = {
    source: trace.source,
    messages,
    transactions: an?.transactions() ?? [],
    dialogs: an?.dialogs() ?? [],
    calls: withDtmf(trace, an?.calls() ?? []),
    diagnostics: [...captureDiagnostics(trace), ...(an?.diagnostics() ?? []), ...mediaDiagnostics(trace)],
  };
  if (trace.media) {
    // With a Call-ID or a filter: the streams of the calls of the selected messages.
    const only = opts.callId || opts.ids ? new Set(messages.map((m) => m.call)) : null;
    const media = mediaJson(trace);
    if (media) {
      if (only) {
        media.streams = media.streams.filter((x) => x.call !== null && only.has(x.call));
        media.calls = media.calls.filter((x) => only.has(x.call));
      }
      out.media = media;
    }
  }
  return out;
}

/** A JSON value of a message field (flat: null, number, boolean, string, array of those). */
function jsonValue(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(jsonValue).join(',')}]`;
  return JSON.stringify(v);
}

/**
 * `JSON.stringify({ type: 'message', ...m })` and a newline, written field by field (the NDJSON hot
 * loop: no spread copy, no whole-object stringify).
 */
export function messageLine(m: TraceMessageJson): string {
  let s = '{"type":"message"';
  for (const k in m) s += `,"${k}":${jsonValue(m[k as keyof TraceMessageJson])}`;
  return `${s}}\n`;
}

/**
 * Streams the trace as NDJSON: `{"type":"source",...}`, one `{"type":"message",...}` line per message,
 * then transaction/dialog/call/diagnostic lines. `write` receives ~64 KB strings; when it returns a
 * promise (back-pressure), the writer awaits it.
 */
export async function writeTraceNdjson(
  trace: Trace,
  write: (chunk: string) => void | Promise<void>,
  opts: TraceJsonOptions = {},
): Promise<void> {
  let buf = `${JSON.stringify({ type: 'source', ...trace.source })}\n`;
  const flush = async (): Promise<void> => {
    if (buf.length === 0) return;
    const r = write(buf);
    buf = '';
    if (r) await r;
  };
  for (const id of selectIds(trace, opts)) {
    buf += messageLine(messageJson(trace, id));
    if (buf.length > 65536) await flush();
  }
  const an = trace.analysis;
  for (const [type, list] of [
    ['transaction', an?.transactions() ?? []],
    ['dialog', an?.dialogs() ?? []],
    ['call', withDtmf(trace, an?.calls() ?? [])],
    ['diagnostic', [...captureDiagnostics(trace), ...(an?.diagnostics() ?? []), ...mediaDiagnostics(trace)]],
    // Only with RTP/RTCP in the capture (docs/trace-json-media.md).
    ['rtp-stream', trace.media ? (mediaJson(trace)?.streams ?? []) : []],
    ['call-media', trace.media ? (mediaJson(trace)?.calls ?? []) : []],
  ] as const) {
    for (const x of list) {
      buf += `${JSON.stringify({ type, ...(x as object) })}\n`;
      if (buf.length > 65536) await flush();
    }
  }
  await flush();
}
