/**
 * Analysis facts computed ahead of tier 2 by another thread (the ingest worker, after its read): the
 * same pure function of a message's octets and its packet's IPv4 source that tier 2 calls
 * (`messageFacts`, capture/ingest-pass.ts: the Via count, SDP body, Contact, Record-Route and sent-by
 * facts), written to a column over a SharedArrayBuffer. Tier 2 (`TraceAnalyzer.factsAhead`) reads a
 * message's entry where it is written and computes the facts itself where it is not, so its output
 * does not depend on how far the other thread got (test/main/facts-ahead.test.ts).
 * Beside them, the SDP body's cache key (`sdpBodyHash`, sdp-summary.ts: another pure function of
 * the octets tier 2 would compute).
 * @remarks Message `id` has FA_STRIDE elements from `id * FA_STRIDE`: the entry, 0 until written, then
 * `FA_DONE | facts | hlen << 8` (hlen: the header section's length, `messageFactsHlen`, when the facts
 * say AF_SDP; a message is at most 64 KiB, so it fits in 16 bits), then with AF_SDP `sdpHashOut[0..1]`
 * of the body after the header section (FA_SDP_KEY), then with AF_KNOWN where the walk found the
 * first Route and Record-Route lines (FA_ROUTES: `messageFactsRoutes`, where the route-set rule's
 * `routeHashes` starts). Those are written before the entry, which is then stored with
 * `Atomics.store`: a reader that sees it with `Atomics.load` sees them (a plain read of the entry
 * alone, an aligned Int32 element, is tear-free: 0 or the complete entry). The last
 * element counts the messages written so far (Atomics: progress for tests and figures only; tier 2
 * does not wait for it). (The route-set rule's `routeHashes` was computed here too for a while: it
 * doubled the fill's cost and so delayed the message checks the same worker computes next.)
 */
import { canonicalIpv4 } from '../capture/address';
import {
  AF_KNOWN,
  AF_SDP,
  forgetFactsRegion,
  messageFactsHlen,
  messageFactsRoutes,
  regionBodyHash,
  regionFacts,
} from '../capture/ingest-pass';
import type { Trace } from '../trace/trace';
import { eachFileMessage, type FileMessages, type FileRunOptions } from '../trace/file-runs';
import { sdpBodyHash, sdpHashOut } from './sdp-summary';

/** Set in every written entry (the facts themselves may be 0: nothing known). */
export const FA_DONE = 128;
/** The facts bits of an entry (AF_* of capture/ingest-pass.ts). */
export const FA_FACTS = 127;
/** Elements per message. */
export const FA_STRIDE = 4;
/** Offset (from the entry) of the two words of the SDP body's `sdpBodyHash`. */
export const FA_SDP_KEY = 1;
/** Offset (from the entry) of the Route / Record-Route lines (`messageFactsRoutes`) of an AF_KNOWN entry. */
export const FA_ROUTES = 3;

/** A column of `count` messages and the counter after them, over a SharedArrayBuffer. */
export function newFactsColumn(count: number): Int32Array {
  return new Int32Array(new SharedArrayBuffer(4 * (count * FA_STRIDE + 1)));
}

/** Messages `col` has room for. */
export function factsColumnCount(col: Int32Array): number {
  return (col.length - 1) / FA_STRIDE;
}

/** Entries of `col` written so far (its last element). */
export function factsAheadDone(col: Int32Array): number {
  return Atomics.load(col, col.length - 1);
}

/**
 * What {@link fillFactsAhead} reads: a trace's columns as another thread shares them
 * (`TraceRows.shared`), its address texts, and the capture file's bytes by offset. Only messages whose
 * bytes lie in the file are read: an arena message's offset is the receiving thread's (its
 * `appendRows` rewrites it), so its entry stays 0 and tier 2 computes it.
 */
export interface FactsSource extends FileMessages {
  /** Source address id of each message (`Trace.srcAddress`). */
  src: Uint32Array;
  addresses: readonly string[];
}

/** Options of {@link fillFactsAhead}. */
export type FillOptions = FileRunOptions;

/**
 * Fills `col` (from {@link newFactsColumn}) with the analysis facts of messages `from` to
 * `min(src.count, factsColumnCount(col)) - 1`, in id order, reading the file a region of consecutive
 * messages at a time (as `Trace.eachRaw`); the entries before `from` stay 0 (tier 2 analysed those
 * messages while the file was read). Returns the id gone to (less than the count when cancelled).
 */
export function fillFactsAhead(s: FactsSource, col: Int32Array, o: FillOptions = {}, from = 0): number {
  const n = Math.min(factsColumnCount(col), s.count);
  const base = Math.max(0, Math.min(from, n));
  // The analyzer's `#srcV4`: the canonical IPv4 number of each source address id, -1 when not IPv4.
  const v4 = new Float64Array(s.addresses.length).fill(NaN);
  const srcV4 = (id: number): number => {
    const a = s.src[id]!;
    if (a >= v4.length) return canonicalIpv4(s.addresses[a] ?? '');
    let v = v4[a]!;
    if (v !== v) v4[a] = v = canonicalIpv4(s.addresses[a] ?? '');
    return v;
  };
  // The run's buffer is read into again for the next run: the region copied for `regionFacts` is
  // dropped before each (and after the last, so that it is not kept alive).
  const runs: FillOptions = {
    ...o,
    beforeRun: () => {
      forgetFactsRegion();
      o.beforeRun?.();
    },
  };
  const key = new Int32Array(2);
  // (the messages from `base`, as the columns seen from there: ids shifted back by `base`)
  const rest = {
    count: s.count - base,
    flags: s.flags.subarray(base),
    rawOff: s.rawOff.subarray(base),
    rawLen: s.rawLen.subarray(base),
    read: s.read,
  };
  const done = eachFileMessage(
    rest,
    n - base,
    runs,
    () => n - base,
    (k, buf, at, stop) => {
      const id = k + base;
      const f = regionFacts(buf, at, stop, srcV4(id));
      const e = id * FA_STRIDE;
      if ((f & AF_KNOWN) !== 0) col[e + FA_ROUTES] = messageFactsRoutes();
      if ((f & AF_SDP) !== 0) {
        const hlen = messageFactsHlen();
        // (hashed in the facts module, where the region lies already; else here)
        if (!regionBodyHash(buf, at + hlen, stop, key)) {
          sdpBodyHash(buf, at + hlen, stop);
          key[0] = sdpHashOut[0]!;
          key[1] = sdpHashOut[1]!;
        }
        col[e + FA_SDP_KEY] = key[0]!;
        col[e + FA_SDP_KEY + 1] = key[1]!;
        Atomics.store(col, e, FA_DONE | f | (hlen << 8)); // (after the key: see the file comment)
      } else Atomics.store(col, e, FA_DONE | f); // (after the lines)
    },
    (k) => Atomics.store(col, col.length - 1, k + base),
  );
  forgetFactsRegion();
  return done + base;
}

/** The facts columns handed to tier 2, by trace (set where the trace was opened), and their start. */
const byTrace = new WeakMap<Trace, { col: Int32Array; start: ((from: number) => void) | null }>();

/**
 * Hands tier 2 of `trace` the column another thread fills (`fillFactsAhead`); `start(from)` tells that
 * thread to begin at message `from` (called once, when tier 2 takes the column: until then the open
 * may still be busy on this thread, and the fill would only take CPU from it).
 */
export function setFactsAhead(
  trace: Trace,
  col: Int32Array,
  start: ((from: number) => void) | null = null,
): void {
  byTrace.set(trace, { col, start });
}

/** The facts column another thread fills for `trace`, or null, without starting the fill. */
export function factsAheadOf(trace: Trace): Int32Array | null {
  return byTrace.get(trace)?.col ?? null;
}

/**
 * The facts column another thread fills for `trace`, or null; the first call starts the fill at
 * message `from` (tier 2's next message: the entries before it would never be read).
 */
export function takeFactsAhead(trace: Trace, from = 0): Int32Array | null {
  const e = byTrace.get(trace);
  if (!e) return null;
  const start = e.start;
  e.start = null;
  start?.(from);
  return e.col;
}
