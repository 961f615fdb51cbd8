/**
 * The message checks of a trace: every message's parser + lint diagnostic codes ([message]
 * `lintMessage`, RFC-cited, the codes the trace JSON lists per message), stored in the trace's codes
 * column (`Trace.setMessageCodes`) so the calls list's problems row, the filter and the JSON read them
 * without parsing again.
 * @remarks The app's open reads only the index (no parse), so these codes are not known until this
 * pass ran: it runs after the full analysis, in chunks, yielding between them, like tier 2. Messages
 * whose codes were stored at ingest (a trace built with `lint`) are skipped. Costs one structural parse
 * and the lint rules per message (measured in `npm run bench -- analysis`), except where the ingest
 * worker computed the codes ahead, concurrently with tier 2 (trace/checks-ahead.ts: the app's open of
 * a file handed over in parts); the pass then only stores them.
 */
import { checksReaderOf, messageCheckCodes, type ChecksReader } from './checks-ahead';
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

/** Messages whose codes the pass computed itself (not taken from a checks column): tests, figures. */
export const checksCounters = { computed: 0 };

/**
 * Checks messages `[from, to)` now and stores their codes; returns `min(to, count)`. Where another
 * thread computed a message's codes ahead (trace/checks-ahead.ts), they are taken from its column;
 * the others are computed here (their bytes read back a run at a time).
 */
export function checkMessagesNow(trace: Trace, from: number, to: number): number {
  const end = Math.min(to, trace.count);
  const compute = (id: number, buf: Uint8Array, start: number, stop: number): void => {
    if (trace.storedMessageCodes(id) !== null) return;
    checksCounters.computed++;
    trace.setMessageCodes(id, messageCheckCodes(buf, start, stop));
  };
  const ahead = checksReaderOf(trace);
  if (ahead === null) {
    trace.eachRaw(from, end, compute);
    return end;
  }
  // Runs of messages not in the column are read back and computed here, in id order (the trace's
  // code-set table then grows in the same order either way).
  let miss = -1;
  for (let id = from; id < end; id++) {
    const stored = trace.storedMessageCodes(id) !== null;
    const codes = stored ? null : ahead.codes(id);
    if (!stored && codes === null) {
      if (miss < 0) miss = id;
      continue;
    }
    if (miss >= 0) {
      trace.eachRaw(miss, id, compute);
      miss = -1;
    }
    if (codes !== null) trace.setMessageCodes(id, codes);
  }
  if (miss >= 0) trace.eachRaw(miss, end, compute);
  return end;
}

/**
 * Checks every message from `from` to the trace's end, a chunk at a time; resolves with the count
 * checked to (the trace's count when it ended: a growing trace's later messages are checked by the
 * next call). Where another thread fills a checks column (trace/checks-ahead.ts), each chunk takes
 * the codes it wrote from the bottom up, and where it has not got to yet, computes a chunk from the
 * top down (the other thread is told to stop there): the two meet instead of computing the same
 * messages. The codes are stored in id order either way.
 */
export async function checkMessages(trace: Trace, from: number, o: BackgroundPassOptions): Promise<number> {
  const chunk = Math.max(1, o.chunk ?? 4096);
  const ahead = checksReaderOf(trace);
  let done = from;
  if (ahead !== null && from < Math.min(trace.count, ahead.size))
    done = await meetAhead(trace, from, Math.min(trace.count, ahead.size), ahead, chunk, o);
  for (;;) {
    stopped(o);
    done = checkMessagesNow(trace, done, done + chunk);
    o.onProgress?.(done, trace.count);
    if (done >= trace.count) return done;
    await o.yield();
  }
}

function stopped(o: BackgroundPassOptions): void {
  if (o.signal?.aborted) {
    const e = new Error('the message checks were stopped');
    e.name = 'AbortError';
    throw e;
  }
}

/**
 * Checks messages `[from, to)` with a checks column another thread fills (see {@link checkMessages});
 * returns `to`.
 */
async function meetAhead(
  trace: Trace,
  from: number,
  to: number,
  ahead: ChecksReader,
  chunk: number,
  o: BackgroundPassOptions,
): Promise<number> {
  let lo = from;
  let hi = to;
  // The codes computed here from the top down, by id - from (null: stored at ingest).
  let top: (string[] | null)[] | null = null;
  const one = (id: number, buf: Uint8Array, start: number, stop: number): void => {
    if (trace.storedMessageCodes(id) !== null) return;
    checksCounters.computed++;
    trace.setMessageCodes(id, messageCheckCodes(buf, start, stop));
  };
  for (;;) {
    stopped(o);
    // From the bottom: what the other thread wrote (and, below where it went, what it left: arena
    // messages); it has not got to `lo` when neither.
    let budget = chunk;
    for (; lo < hi && budget > 0; lo++, budget--) {
      if (trace.storedMessageCodes(lo) !== null) continue;
      const codes = ahead.codes(lo);
      if (codes !== null) trace.setMessageCodes(lo, codes);
      else if (lo < ahead.done()) trace.eachRaw(lo, lo + 1, one);
      else break;
    }
    if (lo < hi && budget > 0) {
      // From the top: a chunk computed here, below which the other thread stops.
      const nh = Math.max(lo, hi - chunk);
      ahead.limit(nh);
      top ??= new Array<string[] | null>(to - from).fill(null);
      const t = top;
      trace.eachRaw(nh, hi, (id, buf, start, stop) => {
        if (trace.storedMessageCodes(id) !== null) return;
        checksCounters.computed++;
        t[id - from] = messageCheckCodes(buf, start, stop);
      });
      hi = nh;
    }
    if (lo >= hi) break;
    o.onProgress?.(lo + (to - hi), trace.count);
    await o.yield();
  }
  // (in id order: the trace's code-set table grows as when this thread computed every message)
  if (top !== null)
    for (let id = hi; id < to; id++) {
      const codes = top[id - from];
      if (codes) trace.setMessageCodes(id, codes);
    }
  o.onProgress?.(to, trace.count);
  return to;
}
