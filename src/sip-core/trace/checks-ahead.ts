/**
 * The message checks computed ahead by another thread (the ingest worker, after its read and its
 * facts ahead): the same pure function of a message's octets the main thread's pass calls (parse +
 * `lintMessage`, trace/message-checks.ts), written to a column over a SharedArrayBuffer as the id of
 * the message's code set in a table the two threads share. The pass (`checkMessagesNow`) stores a
 * message's codes from its entry where it is written and computes them itself where it is not, so its
 * output does not depend on how far the other thread got (test/main/checks-ahead.test.ts).
 * @remarks Column entry `id` is 0 until written, then the 1-based number of its code set in the table.
 * A set is published before any entry names it: its text and end offset are written, then the table's
 * count is raised (Atomics.store); the reader decodes set `k` only when the count it loads (Atomics)
 * covers `k`, else treats the entry as not written. An aligned Int32 element is read and written whole,
 * so a plain read sees 0 or the complete entry. The column's last element counts the entries gone
 * through (Atomics: progress for tests and figures only; the pass does not wait for it). The code sets
 * are few (tens in the bench captures): past the table's capacity an entry stays 0.
 */
import { lintMessage, parseMessage } from '../message';
import { scanArena } from '../message/fast-scan';
import type { Trace } from './trace';
import { eachFileMessage, type FileMessages, type FileRunOptions } from './file-runs';

/** Most code sets the table holds, and octets of their text. */
const MAX_SETS = 4096;
const MAX_TEXT = 256 * 1024;
/**
 * Table header: [sets published, text octets used, limit], then the end offset of each set's text.
 * The limit (set by the reading side, Atomics) is the id the fill stops before: the reading side
 * computes the messages from there up itself (the two meet instead of computing the same messages).
 */
const HEAD = 3;
const LIMIT = 2;

/** A checks column and the code-set table it refers to (both shared between threads). */
export interface ChecksColumn {
  /** `count` entries and the counter after them. */
  col: Int32Array;
  /** Header and end offsets (see HEAD). */
  meta: Int32Array;
  /** The sets' text: each the message's distinct codes joined with ','. */
  text: Uint8Array;
}

/** A checks column for `count` messages, over SharedArrayBuffers. */
export function newChecksColumn(count: number): ChecksColumn {
  const meta = new Int32Array(new SharedArrayBuffer(4 * (HEAD + MAX_SETS)));
  meta[LIMIT] = count;
  return {
    col: new Int32Array(new SharedArrayBuffer(4 * (count + 1))),
    meta,
    text: new Uint8Array(new SharedArrayBuffer(MAX_TEXT)),
  };
}

/** Entries of the column gone through so far (its last element). */
export function checksAheadDone(c: ChecksColumn): number {
  return Atomics.load(c.col, c.col.length - 1);
}

/** A message's code set as the column stores it: its distinct codes, in order, joined with ','. */
export function codeSetKey(codes: readonly string[]): string {
  return [...new Set(codes)].join(',');
}

/** The codes of message bytes `buf[start, end)`: what the main thread's pass computes. */
export function messageCheckCodes(buf: Uint8Array, start: number, end: number): string[] {
  const codes: string[] = [];
  for (const d of lintMessage(parseMessage(buf, start, end))) codes.push(d.code);
  return codes;
}

/**
 * What {@link fillChecksAhead} reads: a trace's columns as another thread shares them
 * (`TraceRows.shared`) and the capture file's bytes by offset (trace/file-runs.ts).
 */
export type ChecksSource = FileMessages;

/** Options of {@link fillChecksAhead}. */
export type ChecksFillOptions = FileRunOptions;

/**
 * Fills `c` (from {@link newChecksColumn}) with the code sets of messages 0 to
 * `min(src.count, entries) - 1`, in id order, reading the file a region of consecutive messages at a
 * time (as `Trace.eachRaw`). Returns the messages gone through (fewer when cancelled).
 */
export function fillChecksAhead(s: ChecksSource, c: ChecksColumn, o: ChecksFillOptions = {}): number {
  const { col, meta, text } = c;
  const n = Math.min(col.length - 1, s.count);
  const sets = new Map<string, number>();
  const enc = new TextEncoder();
  /** The set's 1-based number, published first when new; 0 when the table is full. */
  const setOf = (key: string): number => {
    let k = sets.get(key);
    if (k !== undefined) return k;
    const count = meta[0]!;
    const bytes = enc.encode(key);
    const used = meta[1]!;
    if (count >= MAX_SETS || used + bytes.length > MAX_TEXT) k = 0;
    else {
      text.set(bytes, used);
      meta[1] = used + bytes.length;
      meta[HEAD + count] = used + bytes.length;
      Atomics.store(meta, 0, count + 1);
      k = count + 1;
    }
    sets.set(key, k);
    return k;
  };
  // (a message with no diagnostics, nearly all of them: its set without the arrays and the key)
  let none = -1;
  return eachFileMessage(
    s,
    n,
    // Read into the scanner's arena where it loads: each message is scanned where it lies (no copy
    // into the scanner per message); elsewhere a buffer of the fill's own.
    { ...o, buffer: (size) => scanArena(size) ?? new Uint8Array(size) },
    () => Atomics.load(meta, LIMIT),
    (id, buf, at, stop) => {
      const ds = lintMessage(parseMessage(buf, at, stop));
      if (ds.length === 0) col[id] = none >= 0 ? none : (none = setOf(''));
      else col[id] = setOf(codeSetKey(ds.map((d) => d.code)));
    },
    (id) => Atomics.store(col, col.length - 1, id),
  );
}

/** The reading side of a checks column: each set decoded once. */
export class ChecksReader {
  readonly #c: ChecksColumn;
  readonly #decoded: (string[] | undefined)[] = [];
  #published = 0;

  constructor(c: ChecksColumn) {
    this.#c = c;
  }

  /** Messages the column has entries for. */
  get size(): number {
    return this.#c.col.length - 1;
  }

  /** Messages the other thread went through (those below it that have no entry were left to this one). */
  done(): number {
    return checksAheadDone(this.#c);
  }

  /** Stops the other thread's fill before message `id` (this thread computes those from `id` up). */
  limit(id: number): void {
    const { meta } = this.#c;
    if (id < Atomics.load(meta, LIMIT)) Atomics.store(meta, LIMIT, id);
  }

  /** The codes the other thread stored for message `id`, or null where it has not (yet). */
  codes(id: number): string[] | null {
    const { col } = this.#c;
    if (id >= col.length - 1) return null;
    const k = col[id]!;
    if (k === 0) return null;
    return this.#decoded[k] ?? this.#decode(k);
  }

  #decode(k: number): string[] | null {
    const { meta, text } = this.#c;
    if (k > this.#published) this.#published = Atomics.load(meta, 0);
    if (k > this.#published) return null; // (not published yet as this thread sees it)
    const from = k === 1 ? 0 : meta[HEAD + k - 2]!;
    const key = new TextDecoder().decode(text.slice(from, meta[HEAD + k - 1]!));
    const codes = key === '' ? [] : key.split(',');
    this.#decoded[k] = codes;
    return codes;
  }
}

/** The checks handed to the message checks of a trace (set where it was opened), and their start. */
const byTrace = new WeakMap<Trace, { reader: ChecksReader; c: ChecksColumn; start: (() => void) | null }>();

/**
 * Hands the message checks of `trace` the column another thread fills (`fillChecksAhead`); `start`
 * tells that thread to begin (called once, by {@link startChecksAhead}: until then the open may still
 * be busy on this thread, and the fill would only take CPU from it).
 */
export function setChecksAhead(trace: Trace, c: ChecksColumn, start: (() => void) | null = null): void {
  byTrace.set(trace, { reader: new ChecksReader(c), c, start });
}

/** The checks column another thread fills for `trace`, or null. */
export function checksAheadOf(trace: Trace): ChecksColumn | null {
  return byTrace.get(trace)?.c ?? null;
}

/** The reader of the checks column of `trace`, or null (the pass computes every message). */
export function checksReaderOf(trace: Trace): ChecksReader | null {
  return byTrace.get(trace)?.reader ?? null;
}

/** Tells the other thread to begin filling the checks of `trace` (once; nothing without a column). */
export function startChecksAhead(trace: Trace): void {
  const e = byTrace.get(trace);
  if (!e) return;
  const start = e.start;
  e.start = null;
  start?.();
}
