/**
 * Adapter from the core's capture ingest and trace model to the host's page-shaped LoadedTrace.
 * Rows and details are computed per page from the trace (the raw bytes are read back by offset and
 * parsed on demand), so memory stays with the trace's compact columns.
 */
import type { Diagnostic } from '../../sip-core/diagnostic';
import type { Trace } from '../../sip-core/trace/trace';
import { decodeUnfolded, type SipMessage } from '../../sip-core/message';
import { HEADER_INFO } from '../../sip-core/message/headers/info';
import type { CallRow, DiagnosticDto, MessageDetail, MessageRow } from '../../shared/api';
import { stat } from 'node:fs/promises';
import { IngestError, openCapture } from '../ingest';
import { ingestCaptureFile } from '../../sip-core/trace/ingest-file.node.js';
import type { CaptureLoader, LoadedTrace } from './trace-source';

const SEVERITY_RANK = { info: 1, warning: 2, error: 3 } as const;

export function toDiagnosticDto(d: Diagnostic): DiagnosticDto {
  return {
    code: d.code,
    severity: d.severity,
    message: d.message,
    rfc: d.rfc ?? null,
    offset: d.offset ?? null,
  };
}

const utf8 = new TextDecoder('utf-8', { fatal: false });

export class TraceAdapter implements LoadedTrace {
  readonly #trace: Trace;
  readonly #fileDiagnostics: Diagnostic[];
  #closed = false;

  constructor(trace: Trace, fileDiagnostics: Diagnostic[]) {
    this.#trace = trace;
    this.#fileDiagnostics = fileDiagnostics;
  }

  get trace(): Trace {
    return this.#trace;
  }

  summary(): ReturnType<LoadedTrace['summary']> {
    const t = this.#trace;
    const n = t.count;
    return {
      format: t.source.compression ? `${t.source.format} (${t.source.compression})` : t.source.format,
      frames: t.source.frames,
      messages: n,
      firstTime: n ? t.timeUs(0) / 1e6 : null,
      lastTime: n ? t.timeUs(n - 1) / 1e6 : null,
      diagnostics: this.#fileDiagnostics.map(toDiagnosticDto),
    };
  }

  count(): number {
    return this.#trace.count;
  }

  #diagnostics(id: number, msg: SipMessage): Diagnostic[] {
    return [...this.#trace.pipelineDiagnostics(id), ...msg.diagnostics];
  }

  #row(id: number, msg: SipMessage): MessageRow {
    const t = this.#trace;
    const e = t.entry(id);
    const diags = this.#diagnostics(id, msg);
    let max: MessageRow['maxSeverity'] = null;
    for (const d of diags) if (!max || SEVERITY_RANK[d.severity] > SEVERITY_RANK[max]) max = d.severity;
    return {
      id,
      frame: e.frame,
      time: e.timeUs / 1e6,
      src: e.src,
      dst: e.dst,
      transport: e.transport,
      kind: msg.kind,
      method: msg.method,
      requestUri: msg.requestUri,
      status: msg.status,
      reason: msg.reason,
      callId: msg.callId,
      cseq: msg.cseq,
      cseqMethod: msg.cseqMethod,
      fromTag: msg.fromTag,
      toTag: msg.toTag,
      hasBody: msg.bodyLength > 0,
      diagnostics: diags.length,
      maxSeverity: max,
    };
  }

  row(id: number): MessageRow {
    return this.#row(id, this.#trace.message(id));
  }

  detail(id: number): MessageDetail {
    const msg = this.#trace.message(id);
    const bytes = msg.raw.subarray(msg.start, msg.end);
    return {
      row: this.#row(id, msg),
      text: utf8.decode(bytes),
      bytes: bytes.length,
      headers: msg.headers.map((h) => ({
        name: h.name,
        canonical: h.canonical,
        value: decodeUnfolded(msg.raw, h.valueSpan.start, h.valueSpan.end),
        info: HEADER_INFO[h.canonical] ?? null,
      })),
      diagnostics: this.#diagnostics(id, msg).map(toDiagnosticDto),
    };
  }

  idsOfCall(callId: string): number[] {
    return this.#trace.idsOfCall(callId);
  }

  calls(): CallRow[] {
    const t = this.#trace;
    const byCall = new Map<string, number[]>();
    for (let i = 0; i < t.count; i++) {
      const c = t.callId(i);
      if (c === null) continue;
      let ids = byCall.get(c);
      if (!ids) byCall.set(c, (ids = []));
      ids.push(i);
    }
    const rows: CallRow[] = [];
    for (const [callId, ids] of byCall) {
      const first = t.message(ids[0]);
      let finalStatus: number | null = null;
      for (const id of ids) {
        const s = t.status(id);
        if (s !== null && s >= 200 && t.methodOrCseqMethod(id) === first.cseqMethod) {
          finalStatus = s;
          break;
        }
      }
      rows.push({
        callId,
        first: t.timeUs(ids[0]) / 1e6,
        last: t.timeUs(ids[ids.length - 1]) / 1e6,
        messages: ids.length,
        method: first.kind === 'request' ? first.method : first.cseqMethod,
        from: addressOf(first.header('from')),
        to: addressOf(first.header('to')),
        finalStatus,
      });
    }
    rows.sort((a, b) => a.first - b.first);
    return rows;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#trace.close();
  }
}

/** `"Alice" <sip:alice@host>;tag=x` → `sip:alice@host` (display only). */
function addressOf(v: string | null): string | null {
  if (!v) return null;
  const lt = v.indexOf('<');
  if (lt >= 0) {
    const gt = v.indexOf('>', lt);
    return v.slice(lt + 1, gt > lt ? gt : undefined);
  }
  const semi = v.indexOf(';');
  return (semi >= 0 ? v.slice(0, semi) : v).trim();
}

/**
 * Files up to this size are read on the calling thread: starting a worker costs more than reading
 * them (measured: ~3 s to boot a worker from TypeScript sources, vs ~20 ms to read the 23 KB sample).
 */
export const IN_THREAD_MAX_BYTES = 4 * 1024 * 1024;

export class CoreCaptureLoader implements CaptureLoader {
  async load(
    path: string,
    o: { signal: AbortSignal; onProgress: (done: number, total: number) => void },
  ): Promise<TraceAdapter> {
    if ((await stat(path)).size <= IN_THREAD_MAX_BYTES) {
      const r = await ingestCaptureFile(path, {
        onProgress: o.onProgress,
        cancelled: () => o.signal.aborted,
      });
      if (r.cancelled || o.signal.aborted) {
        r.file.close();
        throw new IngestError('cancelled', 'ABORT_ERR');
      }
      if (r.trace.source.compression !== null) r.file.close();
      else r.trace.setCloser(() => r.file.close());
      return new TraceAdapter(r.trace, r.diagnostics);
    }
    const { trace, diagnostics } = await openCapture(path, { signal: o.signal, onProgress: o.onProgress });
    return new TraceAdapter(trace, diagnostics);
  }
}
