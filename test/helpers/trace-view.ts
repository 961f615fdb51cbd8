/**
 * What two ingests of one capture must agree on (e.g. one pass vs the two-part split): the trace
 * JSON's messages, each message's frames, the source, the file diagnostics (by `code`, or by full
 * `message` where the byte offsets must agree too) and the per-code message diagnostic counts.
 */
import type { Trace } from '../../src/sip-core/trace/trace';
import { toTraceJson } from '../../src/sip-core/trace/trace-json';

export function traceView(t: Trace, fileDiagnostics: 'code' | 'message') {
  const j = toTraceJson(t);
  return {
    messages: j.messages,
    frames: Array.from({ length: t.count }, (_, i) => t.frames(i)),
    source: t.source,
    fileDiagnostics: t.fileDiagnostics.map((d) => d[fileDiagnostics]).sort(),
    counts: [...t.messageDiagnosticCounts].sort(),
  };
}
