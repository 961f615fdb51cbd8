/**
 * What the host needs from an opened trace: page-sized, DTO-shaped access. The adapter from the
 * core's trace model lives in ./capture-loader.ts.
 */
import type { FrameRef } from '../../sip-core/capture/provenance';
import type {
  CallMediaDto,
  CallEditDto,
  CallEditResult,
  CallsPage,
  CallsQuery,
  CaptureStatsDto,
  CaptureSummary,
  ExportFile,
  LadderExportFormat,
  LaneRoleDto,
  MessageDetail,
  MessageRow,
} from '../../shared/api';

export interface LoadedTrace {
  /**
   * Format, frames, messages, time span and file diagnostics. Methods other than `row`, `count`,
   * `callCount`, `callMessageIds`, `laneRoles` and `queryCalls` as `callsQueryReady` allows need the full analysis:
   * the host awaits `analyse()` before calling them.
   */
  summary(): Pick<
    CaptureSummary,
    'format' | 'frames' | 'messages' | 'firstTime' | 'lastTime' | 'diagnostics'
  >;
  count(): number;
  row(id: number): MessageRow;
  detail(id: number): MessageDetail;
  /** Message ids of a call (`C3` or any of its Call-IDs), in trace order; null when unknown. */
  callMessageIds(call: string): number[] | null;
  /**
   * Ids of the messages of the calls `filter` keeps, in trace order; null: every message (no filter,
   * or one that does not parse). Needs the full analysis when `filter` is not empty.
   */
  filteredMessageIds(filter: string): Int32Array | null;
  /** Number of calls. */
  callCount(): number;
  /** A page of calls, sorted and filtered in the core. */
  queryCalls(q: Omit<CallsQuery, 'captureId'>): CallsPage;
  /** One call's ladder, or several calls merged in one, as SVG, Mermaid, PlantUML or text. */
  /** Message statistics of the trace and call statistics of the calls `filter` keeps. */
  stats(filter: string): CaptureStatsDto;
  /** RTP streams of call `call` (`C3` or a Call-ID) with its verdict, or of the capture (null: unknown call). */
  callMedia(call: string | null): CallMediaDto | null;
  /** The roles of the lanes of these calls' ladder (unknown calls add nothing). */
  laneRoles(calls: readonly string[]): LaneRoleDto[];
  exportLadder(calls: readonly string[], format: LadderExportFormat): ExportFile;
  /** One call as a SIPp scenario of endpoint `side` (caller, callee or an address): export/sipp.ts. */
  exportSipp(call: string, side: string, keepTiming: boolean): ExportFile;
  /** The (filtered) calls list as CSV. */
  exportCalls(filter: string | undefined): ExportFile;
  /** The selected calls' original frames as pcap or pcapng, with `extra` frames (their RTP). */
  exportCapture(calls: string[], format: 'pcap' | 'pcapng', extra?: readonly FrameRef[]): ExportFile;
  close(): void;
  /** Share of the full analysis done (1 when complete). */
  analysisProgress(): number;
  /** Runs the full analysis to its end in the background; resolves when complete (same promise each call). */
  analyse(onProgress?: (done: number, total: number) => void): Promise<void>;
  /**
   * Runs the message checks (every message's parser + lint codes) after the full analysis, in the
   * background; resolves when complete. Until then the problems row lists the analysis' codes only.
   */
  checkMessages(onProgress?: (done: number, total: number) => void): Promise<void>;
  /**
   * Whether one call's ladder and a message's detail answer now, before the full analysis (while the
   * file is read: from the call's Call-ID group read so far).
   */
  answersWhileReading?(): boolean;
  /** Whether `queryCalls(q)` can answer before the full analysis is complete. */
  callsQueryReady(q: Omit<CallsQuery, 'captureId'>): boolean;
  /** Joins calls (`C3` or Call-IDs) into one (needs the full analysis). */
  joinCalls(refs: readonly string[]): CallEditResult;
  /** Splits the link between two legs (Call-IDs or `C5`) for good (needs the full analysis). */
  splitCall(a: string, b?: string): CallEditResult;
  /** Takes back the edit of legs `a` and `b` (Call-IDs), or every edit (needs the full analysis). */
  uneditCalls(a?: string, b?: string): CallEditResult;
  /** The joins and splits made so far (by Call-ID), to remember for the capture file. */
  callEdits(): CallEditDto[];
  /** Joins and splits remembered for the capture file: applied once the full analysis is there. */
  setCallEdits(edits: readonly CallEditDto[]): void;
  /**
   * Hop steps whose outgoing copy was seen more than `slackUs` before the incoming one (several
   * captures merged, their clocks apart), by frame number (needs the full analysis).
   */
  hopInversions?(slackUs: number): { fromFrame: number; toFrame: number; gapUs: number }[];
}

export interface CaptureLoader {
  load(
    path: string,
    o: {
      signal: AbortSignal;
      onProgress: (done: number, total: number) => void;
      /** A TLS key log's text to decrypt with, on top of the process's (--keylog, SSLKEYLOGFILE). */
      keylog?: string;
      /**
       * Called once, while the file is still read, with the trace the read fills: its calls list
       * (`queryCalls` as `callsQueryReady` allows), rows and counts answer as it grows, `analyse()`
       * waits for the read's end; the same trace is what the load resolves to.
       */
      onReading?: (trace: LoadedTrace) => void;
    },
  ): Promise<LoadedTrace>;
}
