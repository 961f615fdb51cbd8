/**
 * What the host needs from an opened trace: page-sized, DTO-shaped access. The adapter from the
 * core's trace model lives in ./capture-loader.ts.
 */
import type { CallRow, CaptureSummary, MessageDetail, MessageRow } from '../../shared/api';

export interface LoadedTrace {
  /** Format, frames, messages, time span and file diagnostics. */
  summary(): Pick<
    CaptureSummary,
    'format' | 'frames' | 'messages' | 'firstTime' | 'lastTime' | 'diagnostics'
  >;
  count(): number;
  row(id: number): MessageRow;
  detail(id: number): MessageDetail;
  /** Message ids with this Call-ID, in trace order. */
  idsOfCall(callId: string): number[];
  calls(): CallRow[];
  close(): void;
}

export interface CaptureLoader {
  load(
    path: string,
    o: { signal: AbortSignal; onProgress: (done: number, total: number) => void },
  ): Promise<LoadedTrace>;
}
