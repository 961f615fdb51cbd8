/**
 * Opening captures off the main thread: `openCapture(path)` runs the ingest in a worker thread with
 * progress and cancellation; `openCaptureBytes(bytes, name)` does the same for uploads.
 * @remarks Worker entry: from TypeScript sources (tsx, vitest) the worker is `./worker.ts` started
 * with `--import tsx`; in a bundle it is `ingest-worker.js` next to the bundled module (add
 * `src/main/ingest/worker.ts` as an `ingest-worker` entry to the main build).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Diagnostic } from '../../sip-core/diagnostic';
import type { IngestStats } from '../../sip-core/capture/pipeline';
import { CaptureFile } from '../../sip-core/capture/reader/file-source.node.js';
import { Trace } from '../../sip-core/trace/trace';
import type { ReadAt } from '../../sip-core/trace/raw-store';
import type { IngestJob, IngestReply } from './protocol';

export interface OpenOptions {
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

export interface OpenedCapture {
  trace: Trace;
  /** File- and stream-level diagnostics (also `trace.fileDiagnostics`). */
  diagnostics: Diagnostic[];
  stats: IngestStats | null;
  /** False when the file is not a pcap/pcapng capture (refused or unknown format). */
  isCapture: boolean;
  /** Releases the file handle used to read raw bytes back (same as `trace.close()`). */
  close(): void;
}

/** Thrown (rejected) when the file cannot be opened at all, or the open was cancelled. */
export class IngestError extends Error {
  constructor(
    message: string,
    readonly code: string | null,
  ) {
    super(message);
    this.name = 'IngestError';
  }
}

/** Starts the worker: a bundled `ingest-worker.js`, or `worker.ts` through tsx when running from sources. */
function startWorker(job: IngestJob): Worker {
  const self = import.meta.url;
  if (self.endsWith('.ts')) {
    // Loader hooks registered in this thread do not reach workers on Node 20: register tsx inside it.
    const tsxApi = pathToFileURL(
      createRequire(self)
        .resolve('tsx/esm/api')
        .replace(/\.cjs$/, '.mjs'),
    ).href;
    const entry = new URL('./worker.ts', self).href;
    const boot = `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`;
    return new Worker(boot, { eval: true, workerData: job });
  }
  const bundled = new URL('./ingest-worker.js', self);
  return new Worker(existsSync(bundled) ? bundled : new URL('./worker.js', self), { workerData: job });
}

function runJob(
  job: IngestJob,
  opts: OpenOptions,
  readBack: () => { readAt: ReadAt | null; close(): void },
): Promise<OpenedCapture> {
  return new Promise((resolve, reject) => {
    if (opts.signal?.aborted) {
      reject(new IngestError('cancelled', 'ABORT_ERR'));
      return;
    }
    const w = startWorker(job);
    const flag = new Int32Array(job.cancel);
    const onAbort = (): void => {
      Atomics.store(flag, 0, 1);
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    let settled = false;
    const finish = (): void => {
      settled = true;
      opts.signal?.removeEventListener('abort', onAbort);
    };
    w.on('message', (m: IngestReply) => {
      if (m.type === 'progress') opts.onProgress?.(m.done, m.total);
      else if (m.type === 'error') {
        finish();
        reject(new IngestError(m.message, m.code));
      } else {
        finish();
        if (m.cancelled || opts.signal?.aborted) {
          reject(new IngestError('cancelled', 'ABORT_ERR'));
          return;
        }
        const rb = m.fileBacked ? readBack() : { readAt: null, close: () => {} };
        const trace = Trace.fromState(m.state, rb.readAt);
        trace.setCloser(rb.close);
        resolve({
          trace,
          diagnostics: m.diagnostics,
          stats: m.stats,
          isCapture: m.isCapture,
          close: () => trace.close(),
        });
      }
      if (settled) void w.terminate();
    });
    w.on('error', (e) => {
      if (settled) return;
      finish();
      reject(new IngestError(e.message, null));
    });
    w.on('exit', (code) => {
      if (settled) return;
      finish();
      reject(new IngestError(`ingest worker exited with code ${code}`, null));
    });
  });
}

/** Opens a capture file in a worker thread. Rejects only when the file cannot be read at all or on abort. */
export function openCapture(path: string, opts: OpenOptions = {}): Promise<OpenedCapture> {
  const job: IngestJob = { kind: 'path', path, cancel: new SharedArrayBuffer(4) };
  return runJob(job, opts, () => {
    const f = new CaptureFile(path);
    return { readAt: f.readAt, close: () => f.close() };
  });
}

/**
 * Opens an uploaded capture held in memory (browser mode). The bytes are copied to the worker; the
 * trace reads raw bytes back from `bytes`, so keep it unchanged while the trace is used.
 */
export function openCaptureBytes(
  bytes: Uint8Array,
  name: string,
  opts: OpenOptions = {},
): Promise<OpenedCapture> {
  const job: IngestJob = { kind: 'bytes', name, bytes, cancel: new SharedArrayBuffer(4) };
  return runJob(job, opts, () => ({ readAt: (o, n) => bytes.subarray(o, o + n), close: () => {} }));
}
