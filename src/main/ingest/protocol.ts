/** Messages between `openCapture()` and the ingest worker thread. */
import type { MediaCapture } from '../../sip-core/media/rtp-streams';
import type { Diagnostic } from '../../sip-core/diagnostic';
import type { IngestStats, SplitRole } from '../../sip-core/capture/pipeline';
import type { MessagePort } from 'node:worker_threads';
import type { TraceRows, TraceSource, TraceState } from '../../sip-core/trace/trace';
import type { ChecksColumn } from '../../sip-core/trace/checks-ahead';

/** An ingest job's `factsAhead`: compute the analysis facts after the read (null: no). */
export type FactsAheadJob = {
  /** Set (Int32 0 → 1, notified) by the main thread when tier 2 takes the column: the fill starts. */
  start: SharedArrayBuffer;
  slowMs?: number;
} | null;

/**
 * An ingest job's `checksAhead`: compute the message checks after the read (and the facts ahead) into
 * a shared column (null: no).
 */
export type ChecksAheadJob = {
  /** Set (Int32 0 → 1, notified) by the main thread when tier 2 starts: the fill may begin. */
  start: SharedArrayBuffer;
  slowMs?: number;
  /** Run the fill at the lowest priority (nice 19, this thread only; Linux). */
  nice?: boolean;
} | null;

export type IngestJob =
  | {
      kind: 'path';
      path: string;
      cancel: SharedArrayBuffer;
      /** Parse every message (default true) or index only. */
      parse?: boolean;
      /** This worker's part of a two-part ingest. */
      split?: SplitRole | null;
      /**
       * Two-part ingest: the port between the two workers (the tail posts chunks of the frames it
       * leaves to the head, then null) and a counter the tail bumps after each post (the head waits on it).
       */
      handoff?: { port: MessagePort; signal: SharedArrayBuffer } | null;
      /** Hand the trace over in parts while reading ('rows' replies), not only at the end. */
      rows?: boolean;
      /**
       * With `rows`: after the read, compute every file-backed message's analysis facts into a shared
       * column (`rows-done`'s `factsAhead`) for tier 2 (analysis/facts-ahead.ts). `slowMs`: a pause
       * before each region read (tests).
       */
      factsAhead?: FactsAheadJob;
      /**
       * With `rows`: after the read and the facts ahead, compute every file-backed message's parser +
       * lint codes into a shared column (`rows-done`'s `checksAhead`) for the message checks
       * (trace/checks-ahead.ts). `slowMs`: a pause before each region read (tests).
       */
      checksAhead?: ChecksAheadJob;
      /** A TLS key log's text to decrypt with (capture/tls/keylog.ts); null = none. */
      keylog?: string | null;
    }
  | { kind: 'bytes'; name: string; bytes: Uint8Array; cancel: SharedArrayBuffer; keylog?: string | null };

export type IngestReply =
  | { type: 'progress'; done: number; total: number }
  /**
   * The messages read since the last part (jobs with `rows`: one worker's, `Trace.shareRows`; all of
   * them have come before 'rows-done').
   */
  | { type: 'rows'; rows: TraceRows | null }
  | {
      type: 'done';
      state: TraceState;
      diagnostics: Diagnostic[];
      stats: IngestStats | null;
      isCapture: boolean;
      cancelled: boolean;
      /** Bytes stayed in the file (read back by offset) rather than in the transferred arena. */
      fileBacked: boolean;
      /**
       * Head part of a two-part ingest: whether the cut was a record boundary and the tail's trace was
       * merged into `state` (in the head worker); when not merged, `state` is the head's alone.
       */
      split?: {
        emitted: Uint32Array;
        framesBeforeSplit: number;
        atBoundary: boolean;
        merged?: boolean;
      } | null;
    }
  /**
   * The end of a job with `rows`: every message came in 'rows' parts before it; this carries only
   * what the receiving trace does not have (no columns: the worker kept none).
   */
  | {
      type: 'rows-done';
      /** Messages in all parts. */
      count: number;
      source: TraceSource;
      fileDiagnostics: Diagnostic[];
      /** RTP streams and RTCP flows (media/rtp-streams.ts). */
      media: MediaCapture | null;
      messageDiagnosticCounts: [string, number][];
      diagnostics: Diagnostic[];
      stats: IngestStats | null;
      isCapture: boolean;
      cancelled: boolean;
      /**
       * The analysis facts column this worker fills after the read (`factsAhead` jobs; null when it
       * does not: no rows, a compressed file, cancelled); the worker runs on until it is full.
       */
      factsAhead?: Int32Array | null;
      /**
       * The message checks column this worker fills after the facts (`checksAhead` jobs; null when it
       * does not, as `factsAhead`).
       */
      checksAhead?: ChecksColumn | null;
    }
  /** Tail part of a two-part ingest: its trace went to the head worker. */
  | { type: 'handed-over'; cancelled: boolean }
  | { type: 'error'; message: string; code: string | null };
