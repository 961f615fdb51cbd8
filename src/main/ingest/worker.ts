/**
 * The ingest worker thread: reads one capture (file path or uploaded bytes) into a trace, posting
 * progress, and transfers the trace's columns and arena back (no copy). Cancellation is a shared flag
 * the main thread sets; it is checked between 8 MB chunks. In a two-part ingest the tail worker sends
 * its trace to the head worker, which merges the two (the main thread only receives the result).
 */
import { parentPort, receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import { gunzipSync } from 'node:zlib';
import { ingestCaptureFile, type HandoffLink } from '../../sip-core/trace/ingest-file.node.js';
import { zlibInflate } from '../../sip-core/capture/reader/file-source.node.js';
import { ingestBytes } from '../../sip-core/trace/trace-builder';
import { Trace, type TraceRows, type TraceState } from '../../sip-core/trace/trace';
import type { IngestStats } from '../../sip-core/capture/pipeline';
import { mergeStats, mergeTraceStates } from '../../sip-core/trace/trace-merge';
import type { IngestJob, IngestReply } from './protocol';

const post = (m: IngestReply, transfer: ArrayBuffer[] = []): void => parentPort!.postMessage(m, transfer);

/** The buffers of a part of a growing trace (all its own copies: transferred, not cloned). */
function rowsTransferList(r: TraceRows): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  for (const a of Object.values(r.columns)) out.add(a.buffer as ArrayBuffer);
  for (const a of [r.arenaBytes, r.callIds.pool, r.callIds.off, r.callIds.len])
    out.add(a.buffer as ArrayBuffer);
  return [...out];
}

/** What the tail part sends the head part over their port after its last chunk and the null. */
interface TailResult {
  state: TraceState;
  stats: IngestStats | null;
  cancelled: boolean;
}

/**
 * The two-part ingest's channel seen from this worker: the tail posts each chunk (transferred), then
 * null, then its whole trace (TailResult), bumping the counter after each post; the head takes them off
 * the port synchronously (its ingest is one synchronous loop), waiting on the counter when nothing is
 * there yet, and gives up (null) when the ingest is cancelled.
 */
function channel(port: MessagePort, signal: SharedArrayBuffer, cancelled: () => boolean) {
  const sig = new Int32Array(signal);
  const send = (m: Uint8Array | TailResult | null, transfer: ArrayBuffer[] = []): void => {
    port.postMessage(m, transfer);
    Atomics.add(sig, 0, 1);
    Atomics.notify(sig, 0);
  };
  const receive = (): unknown => {
    for (;;) {
      const seen = Atomics.load(sig, 0);
      const m = receiveMessageOnPort(port);
      if (m !== undefined) return m.message;
      if (cancelled()) return null;
      Atomics.wait(sig, 0, seen, 200);
    }
  };
  const link: HandoffLink = {
    send: (chunk) => send(chunk, chunk ? [chunk.buffer as ArrayBuffer] : []),
    receive: () => receive() as Uint8Array | null,
  };
  return { send, receive, link };
}

async function run(job: IngestJob): Promise<void> {
  const flag = new Int32Array(job.cancel);
  const cancelled = (): boolean => Atomics.load(flag, 0) !== 0;
  let last = 0;
  const onProgress = (done: number, total: number): void => {
    const now = performance.now();
    if (now - last < 100 && done < total) return; // at most ~10 progress events per second
    last = now;
    post({ type: 'progress', done, total });
  };
  if (job.kind === 'path') {
    const ch = job.handoff ? channel(job.handoff.port, job.handoff.signal, cancelled) : null;
    // A growing trace: the new messages every ~100 ms of reading.
    let lastRows = performance.now();
    const sendRows = (t: Trace): void => {
      const rows = t.exportNewRows();
      if (rows) post({ type: 'rows', rows }, rowsTransferList(rows));
    };
    const r = await ingestCaptureFile(job.path, {
      onProgress,
      cancelled,
      parse: job.parse ?? true,
      split: job.split ?? null,
      handoff: ch?.link ?? null,
      onChunk:
        job.rows && !job.split
          ? (t) => {
              const now = performance.now();
              if (now - lastRows < 100) return;
              lastRows = now;
              sendRows(t);
            }
          : undefined,
    });
    r.file.close();
    if (job.rows && !job.split) sendRows(r.trace);
    let state = r.trace.exportState();
    let stats = r.stats;
    let merged = false;
    if (ch && job.split?.role === 'tail') {
      // The head merges: the trace goes to it, not to the main thread (which stays idle).
      ch.send({ state, stats, cancelled: r.cancelled }, Trace.transferList(state));
      job.handoff!.port.close();
      post({ type: 'handed-over', cancelled: r.cancelled });
      return;
    }
    if (ch && r.split?.atBoundary && r.split.framesBeforeSplit >= 0 && !r.cancelled) {
      const tail = ch.receive() as TailResult | null;
      if (tail !== null && !tail.cancelled) {
        state = mergeTraceStates(
          { state, emitted: r.split.emitted, framesBeforeSplit: r.split.framesBeforeSplit, stats },
          { state: tail.state, stats: tail.stats },
        );
        stats = mergeStats(stats, tail.stats);
        merged = true;
      }
    }
    job.handoff?.port.close();
    const cancelledNow = r.cancelled || (ch !== null && r.split?.atBoundary === true && !merged);
    post(
      {
        type: 'done',
        state,
        diagnostics: merged ? state.fileDiagnostics : r.diagnostics,
        stats,
        isCapture: r.isCapture,
        cancelled: cancelledNow,
        fileBacked: r.trace.source.compression === null,
        split: r.split ? { ...r.split, emitted: new Uint32Array(0), merged } : null,
      },
      Trace.transferList(state),
    );
  } else {
    // Raw bytes are referenced by offset into the upload, which the caller keeps (no arena copy),
    // unless it was gzip-compressed (then offsets are into the decompressed stream).
    const fileBacked = !(job.bytes[0] === 0x1f && job.bytes[1] === 0x8b);
    const r = ingestBytes(job.bytes, job.name, {
      inflate: zlibInflate,
      gunzip: (b) => new Uint8Array(gunzipSync(b)),
      ...(fileBacked ? {} : { readAt: null }),
    });
    onProgress(job.bytes.length, job.bytes.length);
    const state = r.trace.exportState();
    post(
      {
        type: 'done',
        state,
        diagnostics: r.diagnostics,
        stats: r.stats,
        isCapture: r.isCapture,
        cancelled: false,
        fileBacked,
      },
      Trace.transferList(state),
    );
  }
}

run(workerData as IngestJob).catch((e: unknown) => {
  const err = e as NodeJS.ErrnoException;
  post({ type: 'error', message: err?.message ?? String(e), code: err?.code ?? null });
});
