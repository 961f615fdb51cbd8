/**
 * The message checks of a trace: every message's parser + lint diagnostic codes ([message]
 * `lintMessage`, RFC-cited, the codes the trace JSON lists per message), stored in the trace's codes
 * column (`Trace.setMessageCodes`) so the calls list's problems row, the filter and the JSON read them
 * without parsing again.
 * @remarks The app's open reads only the index (no parse), so these codes are not known until this
 * pass ran: it runs after the full analysis, in chunks, yielding between them, like tier 2. Messages
 * whose codes were stored at ingest (a trace built with `lint`) are skipped. Costs one structural parse
 * and the lint rules per message (measured in `npm run bench -- analysis`).
 */
import { lintMessage, parseMessage } from '../message';
import type { Trace } from './trace';

/**
 * How a background pass over a trace's messages runs (the message checks here, tier 2 in
 * analysis/tiered.ts): the yield between chunks, the chunk size, progress, cancellation.
 */
export interface BackgroundPassOptions {
  /** Resolves when the caller's event loop has had a turn (injected: the core sets no timers). */
  yield: () => Promise<void>;
  /** Messages per chunk (default 4096: a few ms each). */
  chunk?: number;
  /** Called after each chunk with the messages done and the trace's count at that moment. */
  onProgress?: (done: number, total: number) => void;
  /** Stops the pass (the promise then rejects with an AbortError-named Error). */
  signal?: { readonly aborted: boolean };
}

/** Checks messages `[from, to)` now and stores their codes; returns `min(to, count)`. */
export function checkMessagesNow(trace: Trace, from: number, to: number): number {
  const end = Math.min(to, trace.count);
  const codes: string[] = [];
  trace.eachRaw(from, end, (id, buf, start, stop) => {
    if (trace.storedMessageCodes(id) !== null) return;
    codes.length = 0;
    for (const d of lintMessage(parseMessage(buf, start, stop))) codes.push(d.code);
    trace.setMessageCodes(id, codes);
  });
  return end;
}

/**
 * Checks every message from `from` to the trace's end, a chunk at a time; resolves with the count
 * checked to (the trace's count when it ended: a growing trace's later messages are checked by the
 * next call).
 */
export async function checkMessages(trace: Trace, from: number, o: BackgroundPassOptions): Promise<number> {
  const chunk = Math.max(1, o.chunk ?? 4096);
  let done = from;
  for (;;) {
    if (o.signal?.aborted) {
      const e = new Error('the message checks were stopped');
      e.name = 'AbortError';
      throw e;
    }
    done = checkMessagesNow(trace, done, done + chunk);
    o.onProgress?.(done, trace.count);
    if (done >= trace.count) return done;
    await o.yield();
  }
}
