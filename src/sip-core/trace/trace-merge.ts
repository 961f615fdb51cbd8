/**
 * Merges the two parts of a two-part ingest (see `SplitRole` in capture/pipeline.ts) into the trace
 * one pass gives: the tail part's messages (stateless UDP frames after the cut, numbered from 1 at
 * the cut) go between the head part's messages by the frame that was being read when each head
 * message was emitted, so messages completed at the end of the capture (TCP flush) stay last.
 * Address, method, Call-ID and code-set ids of the tail are mapped into the head's tables.
 */
import type { IngestStats } from '../capture/pipeline';
import type { TraceSource, TraceState } from './trace';
import { SpanTable } from './byte-interner';

/** What the head part adds to its trace state for the merge. */
export interface HeadPart {
  state: TraceState;
  /** Per head message: the frame being read when it was emitted (0xffffffff: at the end of input). */
  emitted: Uint32Array;
  /** Frames before the cut. */
  framesBeforeSplit: number;
  stats: IngestStats | null;
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
function mergeSource(a: TraceSource, b: TraceSource): TraceSource {
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

/** The merged trace state (head's tables extended; the inputs must not be used afterwards). */
export function mergeTraceStates(head: HeadPart, tail: TailPart): TraceState {
  const a = head.state;
  const b = tail.state;
  const na = a.count;
  const nb = b.count;
  const off = head.framesBeforeSplit;
  const n = na + nb;
  // Order: a[i] before b[j] when a[i] was emitted while reading an earlier frame than b[j]'s. The
  // head's messages emitted before the first tail message form one block (k0 rows) that stays put.
  const bFrame = b.columns.frame as Uint32Array;
  const em = head.emitted;
  let k0 = 0;
  while (k0 < na && (nb === 0 || em[k0]! < bFrame[0]! + off)) k0++;
  const ord = new Int32Array(n - k0);
  const newIdA = new Uint32Array(na);
  const newIdB = new Uint32Array(nb);
  for (let i = 0; i < k0; i++) newIdA[i] = i;
  {
    let i = k0;
    let j = 0;
    for (let k = k0; k < n; k++) {
      if (j >= nb || (i < na && em[i]! < bFrame[j]! + off)) {
        newIdA[i] = k;
        ord[k - k0] = i++;
      } else {
        newIdB[j] = k;
        ord[k - k0] = ~j++;
      }
    }
  }

  const addresses = a.addresses.slice();
  const addrMap = mapNames(addresses, [null as unknown as string, ...b.addresses]);
  const methods = a.methods.slice();
  const methodMap = mapNames(methods, b.methods);
  const callIdTable = SpanTable.import(a.callIds);
  const callIdMap = callIdTable.absorb(b.callIds);
  const codeSets = a.codeSets.slice();
  const codeMap = mapNames(codeSets, b.codeSets);
  const chunkShift = a.arena.chunks.length * 2 ** 32;

  // Every column merged in order by a loop of its own array type (monomorphic: the merge's hot loop),
  // the tail's ids mapped into the head's id spaces and its frame numbers shifted on the way.
  const bc = b.columns;
  if (chunkShift > 0) {
    // Tail bytes kept in its arena (not read back from the file): their arena addresses move past the head's chunks.
    const bFlags = bc.flags as Uint8Array;
    const bRaw = bc.rawOff as Float64Array;
    for (let j = 0; j < nb; j++) if (bFlags[j]! & 4) bRaw[j] = bRaw[j]! + chunkShift;
  }
  const u32Map: Record<string, [Uint32Array | null, number, number]> = {
    src: [addrMap, 1, 0],
    dst: [addrMap, 1, 0],
    callId: [callIdMap, 0, 0],
    frame: [null, 0, off],
  };
  const u16Map: Record<string, Uint32Array | null> = { method: methodMap, codes: codeMap };
  const columns: Record<string, Column> = {};
  for (const [name, ca] of Object.entries(a.columns)) {
    const cb = bc[name]!;
    const { out } = room(ca, n);
    if (ca instanceof Float64Array) mergeF64(out as Float64Array, ca, cb as Float64Array, ord, k0);
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
  const remap = <T>(list: [number, T][], ids: Uint32Array, f: (x: T) => T = (x) => x): [number, T][] =>
    list.map(([id, x]) => [ids[id]!, f(x)]);
  const shiftFrames = (fr: { frameNo: number }[]): typeof fr =>
    fr.map((f) => ({ ...f, frameNo: f.frameNo + off }));
  const sumCounts = new Map(a.messageDiagnosticCounts);
  for (const [code, c] of b.messageDiagnosticCounts) sumCounts.set(code, (sumCounts.get(code) ?? 0) + c);
  return {
    count: n,
    columns,
    addresses,
    methods,
    callIds: callIdTable.export(),
    codeSets,
    arena: {
      chunks: [...a.arena.chunks, ...b.arena.chunks],
      used: b.arena.chunks.length > 0 ? b.arena.used : a.arena.used,
    },
    frames: [
      ...remap(a.frames, newIdA),
      ...remap(b.frames, newIdB, (fr) => shiftFrames(fr) as typeof fr),
    ].sort((x, y) => x[0] - y[0]),
    diagnostics: [...remap(a.diagnostics, newIdA), ...remap(b.diagnostics, newIdB)].sort(
      (x, y) => x[0] - y[0],
    ),
    hep: [...remap(a.hep, newIdA), ...remap(b.hep, newIdB)].sort((x, y) => x[0] - y[0]),
    context: [
      ...remap(a.context, newIdA),
      ...remap(b.context, newIdB, (fr) => shiftFrames(fr) as typeof fr),
    ].sort((x, y) => x[0] - y[0]),
    messageDiagnosticCounts: [...sumCounts],
    source: mergeSource(a.source, b.source),
    // The head reads up to the cut, the tail from it: file-layer problems after the cut are the tail's.
    fileDiagnostics: [...a.fileDiagnostics, ...b.fileDiagnostics],
  };
}
