/**
 * A trace's file-backed messages read back from the capture file by another thread (the ingest
 * worker's fills ahead: analysis/facts-ahead.ts, trace/checks-ahead.ts): runs of messages that follow
 * one another in the file, a region at a time, as `Trace.eachRaw` reads them on the main thread.
 * Messages whose bytes live in the trace's arena are skipped (their offset is the receiving thread's).
 */

/** What a fill reads: the trace's columns as another thread shares them, and the file by offset. */
export interface FileMessages {
  /** Messages to go through (0 to count - 1). */
  count: number;
  flags: Uint8Array;
  rawOff: Float64Array;
  rawLen: Uint32Array;
  /** Reads `length` octets at file offset `offset` into `buf` from 0; returns the octets read. */
  read(buf: Uint8Array, offset: number, length: number): number;
}

/** Options of a fill. */
export interface FileRunOptions {
  /** Checked between runs of messages: true stops the fill. */
  cancelled?: () => boolean;
  /** Called before each region is read (tests slow the fill down here). */
  beforeRun?: () => void;
  /**
   * A buffer of at least `size` octets to read regions into (default: a fresh `Uint8Array`, kept for
   * the next region). The message checks read into the scanner's arena (message/fast-scan.ts
   * `scanArena`), where each message is scanned in place instead of copied into the scanner first.
   */
  buffer?: (size: number) => Uint8Array;
}

/** Most octets read at once (messages that follow one another in the file). */
const REGION = 256 * 1024;
/** A message's raw bytes live in the trace's arena (`flags` bit 2, trace.ts). */
const IN_ARENA = 4;

/**
 * Calls `each(id, buf, start, end)` with the octets of each file-backed message from 0 up to
 * `min(n, limit())` (`limit` is read again before each run: the other side may lower it), in id
 * order, a run of consecutive messages within one region at a time; a message a short read left out
 * is skipped. `progress(id)` is told the id gone to after each run and at the end. Returns that id
 * (less than `n` when cancelled or limited).
 */
export function eachFileMessage(
  s: FileMessages,
  n: number,
  o: FileRunOptions,
  limit: () => number,
  each: (id: number, buf: Uint8Array, start: number, end: number) => void,
  progress: (id: number) => void,
): number {
  const { flags, rawOff, rawLen } = s;
  const alloc = o.buffer ?? ((size: number) => new Uint8Array(size));
  let buf = alloc(REGION);
  let id = 0;
  while (id < n) {
    if (o.cancelled?.()) break;
    const lim = Math.min(n, limit());
    if (id >= lim) break;
    if (flags[id]! & IN_ARENA) {
      id++;
      continue;
    }
    // A run of file-backed messages in ascending, non-overlapping order within REGION octets.
    const base = rawOff[id]!;
    let end = base + rawLen[id]!;
    let k = id + 1;
    while (k < lim && !(flags[k]! & IN_ARENA)) {
      const e = rawOff[k]! + rawLen[k]!;
      if (rawOff[k]! < end || e - base > REGION) break;
      end = e;
      k++;
    }
    if (end - base > buf.length) buf = alloc(end - base);
    o.beforeRun?.();
    const got = s.read(buf, base, end - base);
    for (; id < k; id++) {
      const at = rawOff[id]! - base;
      const stop = at + rawLen[id]!;
      if (stop <= got) each(id, buf, at, stop); // (else a short read: left to the main thread)
    }
    progress(id);
  }
  progress(id); // (arena messages at the end)
  return id;
}
