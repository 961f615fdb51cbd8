/**
 * Reads a capture file into a trace in this thread (the CLI; the ingest worker calls it too):
 * chunked reads, gzip, progress and cancellation between chunks.
 */
import { CaptureFile, zlibInflate } from '../capture/reader/file-source.node.js';
import type { AppendListener } from './trace';
import { TraceIngest, type IngestResult } from './trace-builder';

export interface IngestFileOptions {
  onProgress?: (done: number, total: number) => void;
  /** Checked between chunks; when it returns true the ingest stops (result `cancelled`). */
  cancelled?: () => boolean;
  onAppend?: AppendListener;
  chunkSize?: number;
  /** Parse every message at ingest (default true); false = index scan only (see TraceBuilder). */
  parse?: boolean;
  lint?: boolean;
}

export interface IngestFileResult extends IngestResult {
  /** The open file (raw bytes are read back from it): close it when the trace is no longer used. */
  file: CaptureFile;
  cancelled: boolean;
}

/** Ingests a capture file; never throws for damaged content (only for a file that cannot be opened). */
export async function ingestCaptureFile(
  path: string,
  opts: IngestFileOptions = {},
): Promise<IngestFileResult> {
  const file = new CaptureFile(path);
  const gz = file.gzip;
  const ing = new TraceIngest({
    name: path.split(/[\\/]/).pop() ?? path,
    size: file.size,
    readAt: gz ? null : file.readAt,
    inflate: zlibInflate,
    compression: gz ? 'gzip' : null,
    onAppend: opts.onAppend,
    parse: opts.parse ?? true,
    lint: opts.lint ?? false,
  });
  let cancelled = false;
  let lastReport = 0;
  const report = (done: number): void => {
    if (!opts.onProgress) return;
    if (done - lastReport >= 4 * 1024 * 1024 || done === file.size) {
      lastReport = done;
      opts.onProgress(done, file.size);
    }
  };
  if (!gz) {
    let done = 0;
    for (const chunk of file.chunks(opts.chunkSize)) {
      if (opts.cancelled?.()) {
        cancelled = true;
        break;
      }
      done += chunk.length;
      ing.push(chunk, done >= file.size);
      report(done);
      if (ing.stopped) break;
    }
  } else {
    let inBytes = 0;
    try {
      for await (const chunk of file.gunzipChunks()) {
        if (opts.cancelled?.()) {
          cancelled = true;
          break;
        }
        ing.push(chunk);
        inBytes += chunk.length;
        report(Math.min(file.size, Math.round(inBytes / 4)));
        if (ing.stopped) break;
      }
    } catch (e) {
      ing.decoder.pipeline.diagnostic({
        code: 'gzip-corrupt',
        severity: 'error',
        layer: 'file',
        message: `the gzip stream is damaged after ${inBytes} decompressed bytes: ${e instanceof Error ? e.message : String(e)}`,
        offset: inBytes,
      });
    }
    report(file.size);
  }
  const r = ing.finish();
  r.trace.setCloser(() => file.close());
  return { ...r, file, cancelled };
}
