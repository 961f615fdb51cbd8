/**
 * The ingest worker thread: reads one capture (file path or uploaded bytes) into a trace, posting
 * progress, and transfers the trace's columns and arena back (no copy). Cancellation is a shared flag
 * the main thread sets; it is checked between 8 MB chunks.
 */
import { parentPort, receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import { gunzipSync } from 'node:zlib';
import { ingestCaptureFile, type HandoffLink } from '../../sip-core/trace/ingest-file.node.js';
import { zlibInflate } from '../../sip-core/capture/reader/file-source.node.js';
import { ingestBytes } from '../../sip-core/trace/trace-builder';
import { Trace } from '../../sip-core/trace/trace';
import type { IngestJob, IngestReply } from './protocol';

const post = (m: IngestReply, transfer: ArrayBuffer[] = []): void => parentPort!.postMessage(m, transfer);

/**
 * The two-part ingest's channel seen from this worker: the tail posts each chunk (transferred) and
 * bumps the counter; the head takes chunks off the port synchronously (its ingest is one synchronous
 * loop), waiting on the counter when none is there yet, and gives up when the ingest is cancelled.
 */
function handoffLink(port: MessagePort, signal: SharedArrayBuffer, cancelled: () => boolean): HandoffLink {
  const sig = new Int32Array(signal);
  return {
    send: (chunk) => {
      if (chunk) port.postMessage(chunk, [chunk.buffer as ArrayBuffer]);
      else port.postMessage(null);
      Atomics.add(sig, 0, 1);
      Atomics.notify(sig, 0);
    },
    receive: () => {
      for (;;) {
        const seen = Atomics.load(sig, 0);
        const m = receiveMessageOnPort(port);
        if (m !== undefined) return m.message as Uint8Array | null;
        if (cancelled()) return null;
        Atomics.wait(sig, 0, seen, 200);
      }
    },
  };
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
    const r = await ingestCaptureFile(job.path, {
      onProgress,
      cancelled,
      parse: job.parse ?? true,
      split: job.split ?? null,
      handoff: job.handoff ? handoffLink(job.handoff.port, job.handoff.signal, cancelled) : null,
    });
    job.handoff?.port.close();
    r.file.close();
    const state = r.trace.exportState();
    const transfer = Trace.transferList(state);
    if (r.split) transfer.push(r.split.emitted.buffer as ArrayBuffer);
    post(
      {
        type: 'done',
        state,
        diagnostics: r.diagnostics,
        stats: r.stats,
        isCapture: r.isCapture,
        cancelled: r.cancelled,
        fileBacked: r.trace.source.compression === null,
        split: r.split,
      },
      transfer,
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
