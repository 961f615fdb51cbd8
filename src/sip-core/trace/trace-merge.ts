/**
 * Merges the two parts of a two-part ingest (see `SplitRole` in capture/pipeline.ts) into the trace
 * one pass gives: the tail part's messages (stateless UDP frames after the cut, numbered from 1 at
 * the cut) go between the head part's messages by the frame that was being read when each head
 * message was emitted, so messages completed at the end of the capture (TCP flush) stay last.
 * Address, method, Call-ID and code-set ids of the tail are mapped into the head's tables.
 */
import type { MediaCapture } from '../media/rtp-streams';
import type { IngestStats } from '../capture/pipeline';
import { canonicalIpv4, formatIpv4, type AddressTable } from '../capture/address';
import type { TraceSource, TraceState } from './trace';
import { SpanTable, type SpanTableState } from './byte-interner';
import { failedConnections, type Speculation, type SpeculationVerdict } from '../capture/split-tcp';

/** What the head part adds to its trace state for the merge. */
export interface HeadPart {
  state: TraceState;
  /** Per head message: the frame being read when it was emitted (0xffffffff: at the end of input). */
  emitted: Uint32Array;
  /** Frames before the cut. */
  framesBeforeSplit: number;
  stats: IngestStats | null;
  /**
   * The head's address table (its `names` are `state.addresses`), when at hand: the tail's addresses
   * are then looked up in it (IPv4 by number) and added to it, instead of a table made for the merge.
   */
  addressTable?: AddressTable | null;
}

export interface TailPart {
  state: TraceState;
  stats: IngestStats | null;
}

type Column = Uint8Array | Uint16Array | Uint32Array | Float64Array;

/**
 * Merges column `a` (head, `na` rows) and `b` (tail) into `out` (n rows) by `ord` (for rows k0..n-1:
 * a head row index, or ~tail row index). `out` may be `a` itself over a larger buffer: rows are
 * written from the last one down, and a head row only moves to a later position, so no row is
 * overwritten before it is read. One function per array type keeps each loop monomorphic.
 */
function mergeF64(out: Float64Array, a: Float64Array, b: Float64Array, ord: Int32Array, k0: number): void {
  if (out !== a) out.set(a.subarray(0, k0));
  for (let k = out.length - 1; k >= k0; k--) {
    const v = ord[k - k0]!;
    out[k] = v >= 0 ? a[v]! : b[~v]!;
  }
}
/**
 * The tail's values go through `map` (an id table, read at value + `shift`) or get `add`: the tail's
 * ids and frame numbers are translated while they are copied, not in passes of their own (each pass
 * is a loop the JIT may not have optimized yet on a busy machine).
 */
function mergeU32(
  out: Uint32Array,
  a: Uint32Array,
  b: Uint32Array,
  ord: Int32Array,
  k0: number,
  map: Uint32Array | null,
  shift: number,
  add: number,
): void {
  if (out !== a) out.set(a.subarray(0, k0));
  if (map !== null) {
    for (let k = out.length - 1; k >= k0; k--) {
      const v = ord[k - k0]!;
      out[k] = v >= 0 ? a[v]! : (map[b[~v]! + shift] ?? 0);
    }
  } else {
    for (let k = out.length - 1; k >= k0; k--) {
      const v = ord[k - k0]!;
      out[k] = v >= 0 ? a[v]! : b[~v]! + add;
    }
  }
}
function mergeU16(
  out: Uint16Array,
  a: Uint16Array,
  b: Uint16Array,
  ord: Int32Array,
  k0: number,
  map: Uint32Array | null,
): void {
  if (out !== a) out.set(a.subarray(0, k0));
  if (map !== null) {
    for (let k = out.length - 1; k >= k0; k--) {
      const v = ord[k - k0]!;
      out[k] = v >= 0 ? a[v]! : (map[b[~v]!] ?? 0);
    }
  } else {
    for (let k = out.length - 1; k >= k0; k--) {
      const v = ord[k - k0]!;
      out[k] = v >= 0 ? a[v]! : b[~v]!;
    }
  }
}
function mergeU8(out: Uint8Array, a: Uint8Array, b: Uint8Array, ord: Int32Array, k0: number): void {
  if (out !== a) out.set(a.subarray(0, k0));
  for (let k = out.length - 1; k >= k0; k--) {
    const v = ord[k - k0]!;
    out[k] = v >= 0 ? a[v]! : b[~v]!;
  }
}

/**
 * The runs of a merge order: [k, length, source] triples in order, rows `k0 + k` .. of the merged
 * trace coming from consecutive head rows (source ≥ 0: the first) or tail rows (~first). Null when the
 * runs are short (interleaved parts: the row loops above are then faster). Since the tail decodes TCP
 * itself (capture/split-tcp.ts) a merge is mostly one run of tail rows and a few head rows.
 */
/** The shortest average run {@link ordRuns} gives (else null): a setting for tests (0: always runs). */
export const MERGE_RUNS = { minAverage: 8 };

export function ordRuns(ord: Int32Array): Int32Array | null {
  const runs: number[] = [];
  const m = ord.length;
  for (let k = 0; k < m;) {
    const v = ord[k]!;
    let e = k + 1;
    if (v >= 0) while (e < m && ord[e] === v + (e - k)) e++;
    else while (e < m && ord[e] === v - (e - k)) e++;
    runs.push(k, e - k, v);
    if (runs.length * MERGE_RUNS.minAverage > 3 * m + 48) return null;
    k = e;
  }
  return Int32Array.from(runs);
}

/** Tail rows `j..j+len-1` mapped into `out` from `k` (one function per array type: monomorphic). */
function mapRunU32(
  out: Uint32Array,
  b: Uint32Array,
  k: number,
  j: number,
  len: number,
  map: Uint32Array,
): void {
  for (let i = 0; i < len; i++) out[k + i] = map[b[j + i]!] ?? 0;
}
function addRunU32(out: Uint32Array, b: Uint32Array, k: number, j: number, len: number, add: number): void {
  for (let i = 0; i < len; i++) out[k + i] = b[j + i]! + add;
}
function mapRunU16(
  out: Uint16Array,
  b: Uint16Array,
  k: number,
  j: number,
  len: number,
  map: Uint32Array,
): void {
  for (let i = 0; i < len; i++) out[k + i] = map[b[j + i]!] ?? 0;
}

/**
 * {@link mergeF64} and the others by runs ({@link ordRuns}): a run of head rows moves with one
 * `copyWithin` (in place: from the last run down, a head row only moves later) or `set`, a run of
 * tail rows with one `set`, or one loop when its values are mapped (`map`) or shifted (`add`).
 */
function mergeByRuns(
  out: Column,
  a: Column,
  b: Column,
  runs: Int32Array,
  k0: number,
  map: Uint32Array | null,
  add: number,
): void {
  const o = out as Uint8Array;
  if (out !== a) o.set((a as Uint8Array).subarray(0, k0));
  const inPlace = out.buffer === a.buffer && out.byteOffset === a.byteOffset;
  for (let r = runs.length - 3; r >= 0; r -= 3) {
    const k = k0 + runs[r]!;
    const len = runs[r + 1]!;
    const v = runs[r + 2]!;
    if (v >= 0) {
      if (inPlace) o.copyWithin(k, v, v + len);
      else o.set((a as Uint8Array).subarray(v, v + len), k);
      continue;
    }
    const j = ~v;
    if (map !== null && out instanceof Uint32Array) mapRunU32(out, b as Uint32Array, k, j, len, map);
    else if (map !== null && out instanceof Uint16Array) mapRunU16(out, b as Uint16Array, k, j, len, map);
    else if (add !== 0) addRunU32(out as Uint32Array, b as Uint32Array, k, j, len, add);
    else o.set((b as Uint8Array).subarray(j, j + len), k);
  }
}

/** {@link mergeRegion} by runs: `out` may be the tail's own buffer (a tail row only moves later). */
function regionByRuns(out: Column, h: Column, b: Column, runs: Int32Array, k0: number): void {
  const o = out as Uint8Array;
  const inPlace = out.buffer === b.buffer && out.byteOffset === b.byteOffset;
  for (let r = runs.length - 3; r >= 0; r -= 3) {
    const k = runs[r]!;
    const len = runs[r + 1]!;
    const v = runs[r + 2]!;
    if (v >= 0) o.set((h as Uint8Array).subarray(v - k0, v - k0 + len), k);
    else if (inPlace) o.copyWithin(k, ~v, ~v + len);
    else o.set((b as Uint8Array).subarray(~v, ~v + len), k);
  }
}

/** `a` over its whole buffer when that holds `n` rows (the head reserved room for the file), else a new array. */
function room<T extends Column>(a: T, n: number): { out: T; inPlace: boolean } {
  const C = a.constructor as new (buf: ArrayBufferLike, off: number, len: number) => T;
  const fits = (a.buffer.byteLength - a.byteOffset) / a.BYTES_PER_ELEMENT >= n;
  if (fits) return { out: new C(a.buffer, a.byteOffset, n), inPlace: true };
  return { out: new (a.constructor as new (len: number) => T)(n), inPlace: false };
}

/** Ids of `names` (id 0 = null) in `into`, adding the ones it lacks. */
function mapNames<T extends string | null>(into: T[], names: readonly T[]): Uint32Array {
  const ids = new Map<T, number>();
  into.forEach((n, i) => {
    if (n !== null && !ids.has(n)) ids.set(n, i);
  });
  const out = new Uint32Array(Math.max(1, names.length));
  for (let i = 1; i < names.length; i++) {
    const n = names[i]!;
    let id = ids.get(n);
    if (id === undefined) {
      id = into.length;
      into.push(n);
      ids.set(n, id);
    }
    out[i] = id;
  }
  return out;
}

/**
 * Ids of the tail's addresses (`map[tailId]`) in `into` (the head's address texts), adding the ones it
 * lacks. Dotted-quad IPv4 text is looked up by its number in an open-addressing table (the bench's
 * capture has ~100,000 distinct addresses: a Map hashes each text); anything else by text.
 */
function mapAddresses(into: string[], names: readonly string[]): Uint32Array {
  let size = 16;
  while (size < 2 * (into.length + names.length)) size *= 2;
  const keys = new Float64Array(size); // address + 1 (0 = empty)
  const ids = new Int32Array(size);
  const mask = size - 1;
  let other: Map<string, number> | null = null;
  const slot = (v: number): number => {
    let i = Math.imul(v ^ (v >>> 16), 0x45d9f3b) & mask;
    for (;;) {
      const k = keys[i]!;
      if (k === v + 1 || k === 0) return i;
      i = (i + 1) & mask;
    }
  };
  for (let i = 0; i < into.length; i++) {
    const text = into[i]!;
    const v = canonicalIpv4(text);
    if (v < 0) {
      other ??= new Map();
      if (!other.has(text)) other.set(text, i);
      continue;
    }
    const at = slot(v);
    if (keys[at] === 0) {
      keys[at] = v + 1;
      ids[at] = i;
    }
  }
  const out = new Uint32Array(Math.max(1, names.length));
  for (let i = 0; i < names.length; i++) {
    const text = names[i]!;
    const v = canonicalIpv4(text);
    let id: number | undefined;
    if (v < 0) {
      other ??= new Map();
      id = other.get(text);
      if (id === undefined) {
        id = into.length;
        into.push(text);
        other.set(text, id);
      }
    } else {
      const at = slot(v);
      if (keys[at] === 0) {
        id = into.length;
        into.push(text);
        keys[at] = v + 1;
        ids[at] = id;
      } else id = ids[at]!;
    }
    out[i] = id;
  }
  return out;
}

/**
 * The tail part's side of the head's verdict on its TCP speculation (capture/split-tcp.ts): the rows
 * of the connections that failed leave its trace state (the head decoded their frames again), and its
 * counters become the standing connections' (segments and messages of the failed ones out; the
 * connections the head did not know counted here). Returns the rows dropped.
 */
export function applyVerdict(
  state: TraceState,
  stats: IngestStats | null,
  spec: Speculation,
  v: SpeculationVerdict,
): number {
  if (stats) stats.tcpConnections = v.standingNew;
  if (v.failed.length === 0) return 0;
  const failed = failedConnections(v);
  if (stats) {
    let redone = 0;
    for (let i = 0; i < spec.frame.length; i++)
      if (failed(spec.src[i]!, spec.dst[i]!, spec.ports[i]!)) redone++;
    stats.tcpSegments -= redone;
  }
  const c = state.columns;
  const tr = c.tr as Uint8Array;
  const src = c.src as Uint32Array;
  const dst = c.dst as Uint32Array;
  const sport = c.sport as Uint16Array;
  const dport = c.dport as Uint16Array;
  // The address ids of the failed connections' ends (a row of theirs has one as its source).
  const ends = new Set<string>();
  for (let i = 0; i < v.failed.length; i += 3) {
    ends.add(formatIpv4(v.failed[i]! >>> 0));
    ends.add(formatIpv4(v.failed[i + 1]! >>> 0));
  }
  const mark = new Uint8Array(state.addresses.length);
  state.addresses.forEach((a, id) => {
    if (ends.has(a)) mark[id] = 1;
  });
  const n = state.count;
  const newId = new Int32Array(n);
  let k = 0;
  for (let i = 0; i < n; i++) {
    // (the tail decodes TCP only in its pass: every TCP row of the tail is a speculated one)
    const drop =
      mark[src[i]!] === 1 &&
      (tr[i]! & 15) === 1 &&
      failed(
        canonicalIpv4(state.addresses[src[i]!]!) | 0,
        canonicalIpv4(state.addresses[dst[i]!]!) | 0,
        (sport[i]! << 16) | dport[i]!,
      );
    newId[i] = drop ? -1 : k++;
  }
  if (k === n) return 0;
  // The kept rows move down by runs (a few dropped rows: a few copies of long runs per column).
  const runs: number[] = [];
  for (let i = 0; i < n;) {
    while (i < n && newId[i]! < 0) i++;
    const r0 = i;
    while (i < n && newId[i]! >= 0) i++;
    if (i > r0 && newId[r0] !== r0) runs.push(newId[r0]!, r0, i);
  }
  for (const [name, col] of Object.entries(c)) {
    for (let r = 0; r < runs.length; r += 3) col.copyWithin(runs[r]!, runs[r + 1]!, runs[r + 2]!);
    c[name] = col.subarray(0, k);
  }
  const counts = new Map(state.messageDiagnosticCounts);
  const keep = <T>(list: [number, T][], dropped?: (x: T) => void): [number, T][] => {
    const out: [number, T][] = [];
    for (const [id, x] of list) {
      const j = newId[id]!;
      if (j >= 0) out.push([j, x]);
      else dropped?.(x);
    }
    return out;
  };
  state.frames = keep(state.frames);
  state.diagnostics = keep(state.diagnostics, (ds) => {
    for (const d of ds) counts.set(d.code, (counts.get(d.code) ?? 0) - 1);
  });
  state.hep = keep(state.hep);
  state.context = keep(state.context);
  state.messageDiagnosticCounts = [...counts].filter(([, x]) => x > 0);
  state.count = k;
  if (stats) stats.sipMessages -= n - k;
  return n - k;
}

/** The two parts' counters as one pass counts them. */
export function mergeStats(head: IngestStats | null, tail: IngestStats | null): IngestStats | null {
  if (!head || !tail) return head;
  // The head counted the frames before the cut, the tail those after it (it reads them all, and
  // hands the ones it does not decode to the head, which does not count them again): every counter
  // is a sum, and the time span runs from the head's first frame to the tail's last.
  const out = structuredClone(head) as unknown as Record<string, unknown>;
  const add = (o: Record<string, unknown>, t: Record<string, unknown>): void => {
    for (const [k, v] of Object.entries(t)) {
      if (typeof v === 'number') o[k] = ((o[k] as number | undefined) ?? 0) + v;
      else if (v && typeof v === 'object')
        add((o[k] ??= {}) as Record<string, unknown>, v as Record<string, unknown>);
    }
  };
  for (const [k, v] of Object.entries(tail)) {
    if (k === 'firstTimeUs' || k === 'lastTimeUs') continue;
    add(out, { [k]: v });
  }
  const r = out as unknown as IngestStats;
  if (r.firstTimeUs < 0) r.firstTimeUs = tail.firstTimeUs;
  if (tail.lastTimeUs >= 0) r.lastTimeUs = tail.lastTimeUs;
  return r;
}

/** The merged source block: frame counts and undecoded counters summed, the time span end to end. */
export function mergeSource(a: TraceSource, b: TraceSource): TraceSource {
  const undecoded = { ...a.undecoded };
  for (const [k, v] of Object.entries(b.undecoded)) undecoded[k] = (undecoded[k] ?? 0) + v;
  const first = a.firstTime ?? b.firstTime;
  const last = b.lastTime ?? a.lastTime;
  return {
    ...a,
    frames: a.frames + b.frames,
    bytes: a.bytes + b.bytes,
    firstTime: first,
    lastTime: last,
    // as TraceIngest.finish computes it
    duration: first !== null && last !== null ? Math.round((last - first) * 1e6) / 1e6 : null,
    decodeErrors: a.decodeErrors + b.decodeErrors,
    undecoded,
  };
}

/**
 * The order of a merge: rows below `k0` are the head's first rows, in place; row k ≥ k0 of the merged
 * trace is head row `ord[k - k0]` when that is ≥ 0, else tail row `~ord[k - k0]`. `newId` holds the
 * new ids of the rows that move: head row i ≥ k0 at [i - k0], tail row j at [na - k0 + j].
 */
export interface MergeOrder {
  k0: number;
  na: number;
  n: number;
  ord: Int32Array;
  newId: Int32Array;
  /** {@link ordRuns} of `ord` (null: interleaved, merged row by row). */
  runs: Int32Array | null;
}

/**
 * The merge order of a head part (`emitted`: per message, the frame being read when it was emitted;
 * `framesBeforeSplit`) and a tail part (its messages' frame numbers, from 1 at the cut): a head
 * message goes before a tail message when it was emitted while reading an earlier frame.
 */
export function mergeOrder(
  emitted: Uint32Array,
  framesBeforeSplit: number,
  na: number,
  tailFrame: Uint32Array,
  nb: number,
): MergeOrder {
  const off = framesBeforeSplit;
  const n = na + nb;
  const em = emitted;
  // The head's first messages, emitted before the first tail message, stay put (k0 rows); the
  // emission frames never decrease: found by a binary search.
  let k0 = na;
  if (nb > 0) {
    const first = tailFrame[0]! + off;
    let lo = 0;
    while (lo < k0) {
      const mid = (lo + k0) >>> 1;
      if (em[mid]! < first) lo = mid + 1;
      else k0 = mid;
    }
  }
  // One allocation for the order and the new ids (each typed array allocated while the parts'
  // columns are alive may start a garbage collection: external memory is large here).
  const m = n - k0;
  const scratch = new Int32Array(2 * m);
  const ord = scratch.subarray(0, m);
  const newId = scratch.subarray(m, 2 * m);
  let i = k0;
  let j = 0;
  for (let k = k0; k < n; k++) {
    if (j >= nb || (i < na && em[i]! < tailFrame[j]! + off)) {
      newId[i - k0] = k;
      ord[k - k0] = i++;
    } else {
      newId[na - k0 + j] = k;
      ord[k - k0] = ~j++;
    }
  }
  return { k0, na, n, ord, newId, runs: ordRuns(ord) };
}

/**
 * Columns whose tail values go into the merge unchanged (no id of the tail's tables in them, no
 * frame number): in two workers the tail part merges these itself ({@link mergeRegion}) while the
 * head merges the others, so the merge's work is shared by both cores. `rawOff` needs
 * {@link shiftTailArena} first.
 */
export function tailSideColumns(columns: Record<string, unknown>): string[] {
  return Object.keys(columns).filter((c) => !HEAD_SIDE.has(c));
}
const HEAD_SIDE = new Set(['frame', 'src', 'dst', 'callId', 'method', 'codes']);

/** Tail messages whose bytes stay in the tail's arena: their arena addresses move past the head's `headChunks` chunks. */
export function shiftTailArena(columns: Record<string, Column>, headChunks: number): void {
  const shift = headChunks * 2 ** 32;
  if (shift === 0 || !columns.flags || !columns.rawOff) return;
  const flags = columns.flags as Uint8Array;
  const raw = columns.rawOff as Float64Array;
  for (let j = 0; j < raw.length; j++) if (flags[j]! & 4) raw[j] = raw[j]! + shift;
}

/**
 * Rows `k0`..n-1 of one merged column that needs no id mapping (see {@link tailSideColumns}): the
 * head's rows from k0 on (`headRows[0]` is head row k0) and the tail's column, in `ord` order. Written
 * over the tail's own buffer when it has room for `ord.length` rows (a tail row only moves to a later
 * position: rows are written from the last one down, none is overwritten before it is read), so the
 * merge adds no memory; else a new array. `tail` must not be used afterwards.
 */
export function mergeRegion<T extends Column>(
  headRows: T,
  tail: T,
  ord: Int32Array,
  k0: number,
  runs: Int32Array | null = null,
): T {
  const { out } = room(tail, ord.length);
  if (runs !== null) regionByRuns(out, headRows, tail, runs, k0);
  else if (out instanceof Float64Array)
    regionF64(out, headRows as Float64Array, tail as Float64Array, ord, k0);
  else if (out instanceof Uint32Array) regionU32(out, headRows as Uint32Array, tail as Uint32Array, ord, k0);
  else if (out instanceof Uint16Array) regionU16(out, headRows as Uint16Array, tail as Uint16Array, ord, k0);
  else regionU8(out as Uint8Array, headRows as Uint8Array, tail as Uint8Array, ord, k0);
  return out;
}
function regionF64(out: Float64Array, h: Float64Array, b: Float64Array, ord: Int32Array, k0: number): void {
  for (let k = out.length - 1; k >= 0; k--) {
    const v = ord[k]!;
    out[k] = v >= 0 ? h[v - k0]! : b[~v]!;
  }
}
function regionU32(out: Uint32Array, h: Uint32Array, b: Uint32Array, ord: Int32Array, k0: number): void {
  for (let k = out.length - 1; k >= 0; k--) {
    const v = ord[k]!;
    out[k] = v >= 0 ? h[v - k0]! : b[~v]!;
  }
}
function regionU16(out: Uint16Array, h: Uint16Array, b: Uint16Array, ord: Int32Array, k0: number): void {
  for (let k = out.length - 1; k >= 0; k--) {
    const v = ord[k]!;
    out[k] = v >= 0 ? h[v - k0]! : b[~v]!;
  }
}
function regionU8(out: Uint8Array, h: Uint8Array, b: Uint8Array, ord: Int32Array, k0: number): void {
  for (let k = out.length - 1; k >= 0; k--) {
    const v = ord[k]!;
    out[k] = v >= 0 ? h[v - k0]! : b[~v]!;
  }
}

/** The merged trace state (head's tables extended; the inputs must not be used afterwards). */
export function mergeTraceStates(head: HeadPart, tail: TailPart): TraceState {
  const b = tail.state;
  const order = mergeOrder(
    head.emitted,
    head.framesBeforeSplit,
    head.state.count,
    b.columns.frame as Uint32Array,
    b.count,
  );
  return mergeTraceStatesWith(head, tail, order, null)!;
}

/**
 * {@link mergeTraceStates} as two workers share it, in one thread: the tail-side columns
 * ({@link tailSideColumns}) merged from the head's rows k0.. and the tail's column by
 * {@link mergeRegion} (what the tail worker does), the rest by {@link mergeTraceStatesWith} (the
 * head worker). Same result; tests run the workers' path through it.
 */
export function mergeTraceStatesShared(head: HeadPart, tail: TailPart): TraceState {
  const a = head.state;
  const b = tail.state;
  const kept: Record<string, Column> = {};
  for (const name of tailSideColumns(b.columns)) {
    kept[name] = b.columns[name]!;
    delete b.columns[name];
  }
  const order = mergeOrder(
    head.emitted,
    head.framesBeforeSplit,
    a.count,
    b.columns.frame as Uint32Array,
    b.count,
  );
  shiftTailArena(kept, a.arena.chunks.length);
  const region = (name: string): Column | null => {
    const c = a.columns[name];
    const t = kept[name];
    return c && t ? mergeRegion(c.slice(order.k0, a.count), t, order.ord, order.k0, order.runs) : null;
  };
  return mergeTraceStatesWith(head, tail, order, region)!;
}

/**
 * The head's Call-ID table with the tail's absorbed, and the map of the tail's ids into it; with the
 * head's address table, the map of the tail's addresses (added to it).
 */
export interface AbsorbedCallIds {
  table: SpanTable;
  map: Uint32Array;
  addrMap?: Uint32Array;
}

/** Ids in the head's address `table` of the tail's `addresses` (added to it when new). */
function addressMap(table: AddressTable, addresses: readonly string[]): Uint32Array {
  const addrMap = new Uint32Array(Math.max(1, addresses.length));
  for (let i = 0; i < addresses.length; i++) addrMap[i] = table.name(addresses[i]!);
  return addrMap;
}

/**
 * The tail's Call-IDs absorbed into the head's (`head`: the head's exported table, not used
 * afterwards): the merge's table work, which two workers do as soon as the tail's table arrives (it
 * comes with the tail's speculation, before the rest of its trace).
 */
export function absorbCallIds(
  head: SpanTableState,
  tail: SpanTableState,
  addresses: { table: AddressTable; tail: readonly string[] } | null = null,
): AbsorbedCallIds {
  const table = SpanTable.import(head);
  const map = table.absorb(tail);
  return addresses ? { table, map, addrMap: addressMap(addresses.table, addresses.tail) } : { table, map };
}

/**
 * {@link mergeTraceStates} with the order made and, in two workers, the tail-side columns merged by
 * the tail part: `regions(name)` gives the rows k0..n-1 of such a column ({@link mergeRegion}), or
 * null when the tail could not (then the merge is abandoned: null). It is asked once the head's own
 * columns are merged (the tail works meanwhile). Columns without a region are merged here.
 */
export function mergeTraceStatesWith(
  head: HeadPart,
  tail: TailPart,
  order: MergeOrder,
  regions: ((name: string) => Column | null) | null,
  callIds: AbsorbedCallIds | null = null,
): TraceState | null {
  const a = head.state;
  const b = tail.state;
  const na = a.count;
  const off = head.framesBeforeSplit;
  const { k0, n, ord, newId } = order;
  const headId = (id: number): number => (id < k0 ? id : newId[id - k0]!);
  const tailId = (id: number): number => newId[na - k0 + id]!;

  let addresses: string[];
  let addrMap: Uint32Array;
  const table = head.addressTable;
  if (table && table.names === a.addresses) {
    addresses = a.addresses;
    addrMap = callIds?.addrMap ?? addressMap(table, b.addresses);
  } else {
    addresses = a.addresses.slice();
    addrMap = mapAddresses(addresses, b.addresses);
  }
  const methods = a.methods.slice();
  const methodMap = mapNames(methods, b.methods);
  const { table: callIdTable, map: callIdMap } = callIds ?? absorbCallIds(a.callIds, b.callIds);
  const codeSets = a.codeSets.slice();
  const codeMap = mapNames(codeSets, b.codeSets);

  // Every column merged in order by a loop of its own array type (monomorphic: the merge's hot loop),
  // the tail's ids mapped into the head's id spaces and its frame numbers shifted on the way.
  const bc = b.columns;
  shiftTailArena(bc, a.arena.chunks.length);
  const u32Map: Record<string, [Uint32Array | null, number, number]> = {
    src: [addrMap, 0, 0],
    dst: [addrMap, 0, 0],
    callId: [callIdMap, 0, 0],
    frame: [null, 0, off],
  };
  const u16Map: Record<string, Uint32Array | null> = { method: methodMap, codes: codeMap };
  const columns: Record<string, Column> = {};
  const names = Object.keys(a.columns);
  const later: string[] = [];
  for (const [name, ca] of Object.entries(a.columns)) {
    const cb = bc[name];
    if (cb === undefined) {
      later.push(name); // the tail merges it
      continue;
    }
    const { out } = room(ca, n);
    if (order.runs) {
      const u32 = u32Map[name];
      mergeByRuns(out, ca, cb, order.runs, k0, u32 ? u32[0] : (u16Map[name] ?? null), u32 ? u32[2] : 0);
    } else if (ca instanceof Float64Array) mergeF64(out as Float64Array, ca, cb as Float64Array, ord, k0);
    else if (ca instanceof Uint32Array) {
      const [map, shift, add] = u32Map[name] ?? [null, 0, 0];
      mergeU32(out as Uint32Array, ca, cb as Uint32Array, ord, k0, map, shift, add);
    } else if (ca instanceof Uint16Array)
      mergeU16(out as Uint16Array, ca, cb as Uint16Array, ord, k0, u16Map[name] ?? null);
    else mergeU8(out as Uint8Array, ca as Uint8Array, cb as Uint8Array, ord, k0);
    columns[name] = out;
    // The parts' arrays are no longer needed: let them go column by column (peak ≈ one trace).
    delete a.columns[name];
    delete bc[name];
  }
  for (const name of later) {
    const ca = a.columns[name]!;
    const region = regions?.(name) ?? null;
    if (region === null || region.length !== n - k0) return null;
    const { out, inPlace } = room(ca, n);
    if (!inPlace) (out as Uint8Array).set(ca.subarray(0, k0) as Uint8Array);
    (out as Uint8Array).set(region as Uint8Array, k0);
    columns[name] = out;
    delete a.columns[name];
  }
  // Columns in the head's order (exportState's), whichever part merged them.
  const ordered: Record<string, Column> = {};
  for (const name of names) ordered[name] = columns[name]!;
  const remap = <T>(
    list: [number, T][],
    ids: (id: number) => number,
    f: (x: T) => T = (x) => x,
  ): [number, T][] => list.map(([id, x]) => [ids(id), f(x)]);
  const shiftFrames = (fr: { frameNo: number }[]): typeof fr =>
    fr.map((f) => ({ ...f, frameNo: f.frameNo + off }));
  const sumCounts = new Map(a.messageDiagnosticCounts);
  for (const [code, c] of b.messageDiagnosticCounts) sumCounts.set(code, (sumCounts.get(code) ?? 0) + c);
  return {
    count: n,
    columns: ordered,
    addresses,
    methods,
    callIds: callIdTable.export(),
    codeSets,
    arena: {
      chunks: [...a.arena.chunks, ...b.arena.chunks],
      used: b.arena.chunks.length > 0 ? b.arena.used : a.arena.used,
    },
    frames: [
      ...remap(a.frames, headId),
      ...remap(b.frames, tailId, (fr) => shiftFrames(fr) as typeof fr),
    ].sort((x, y) => x[0] - y[0]),
    diagnostics: [...remap(a.diagnostics, headId), ...remap(b.diagnostics, tailId)].sort(
      (x, y) => x[0] - y[0],
    ),
    hep: [...remap(a.hep, headId), ...remap(b.hep, tailId)].sort((x, y) => x[0] - y[0]),
    context: [
      ...remap(a.context, headId),
      ...remap(b.context, tailId, (fr) => shiftFrames(fr) as typeof fr),
    ].sort((x, y) => x[0] - y[0]),
    messageDiagnosticCounts: [...sumCounts],
    source: mergeSource(a.source, b.source),
    // The head reads up to the cut, the tail from it: file-layer problems after the cut are the tail's.
    fileDiagnostics: [...a.fileDiagnostics, ...b.fileDiagnostics],
    // The tail hands its RTP frames to the head (pipeline.ts), so the head holds every stream.
    media: mergeMedia(a.media ?? null, b.media ?? null),
  };
}

/** The two parts' media (the tail normally has none: it hands RTP frames to the head). */
function mergeMedia(a: MediaCapture | null, b: MediaCapture | null): MediaCapture | null {
  if (a === null || b === null) return a ?? b;
  return {
    streams: [...a.streams, ...b.streams],
    rtcp: [...a.rtcp, ...b.rtcp],
    droppedStreams: a.droppedStreams + b.droppedStreams,
    malformed: a.malformed + b.malformed,
    ...((a.dtls || b.dtls) && { dtls: [...(a.dtls ?? []), ...(b.dtls ?? [])] }),
  };
}
