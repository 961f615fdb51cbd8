/**
 * The key-field scanner: one WebAssembly call per message (built from tools/wasm/sip-scan.as) that
 * scans the message 16 octets at a time for line ends and writes the parser's whole index (key field
 * spans, then name/value spans and key id of every header field) and the scalar key fields.
 * @remarks It covers the well-formed common case only (CRLF lines, no folding, no junk, key headers
 * that read without a diagnostic); on anything else it answers null and `parseMessage` runs the full
 * parser, so both give the same result (test/sip-core/message/fast-scan.test.ts checks it on every
 * fixture, the public captures and generated messages). Also the ingest's index scan
 * (`capture/sip-index.ts` `indexScanSpans`) reads its spans here, so trace ingest and the parser share
 * one scanner. Where WebAssembly (with SIMD) is missing, or a synchronous compile is refused (a browser
 * main thread), `fastScan` always answers null: the JavaScript parser does the work.
 */
import { SIP_SCAN_WASM } from './sip-scan-wasm';

/** Result slots of the scan output (Int32Array index). */
export const R_KIND = 1; // 0 request, 1 response
export const R_STATUS = 2;
export const R_NH = 3;
export const R_BODY = 4;
export const R_CLCOUNT = 5;
export const R_CLVALUE = 6;
export const R_CSEQ = 7; // -1 absent
export const R_MAXF = 8; // -1 absent
export const R_VIA = 9;
export const R_ROUTE = 10;
export const R_RR = 11;
export const R_SLE = 12;
/** Where the key field spans start (two per F_* field), followed by HS numbers per header field. */
export const R_KEY = 16;
/**
 * Mode {@link SCAN_KEYS} only (it writes no header index): the 32-bit FNV-1a hash ({@link keyHash}) of
 * the octets of the top Via branch, top Via sent-by, From tag and To tag spans, as signed 32-bit
 * numbers; 0 when the field is absent (its span start is -1).
 */
export const R_HBRANCH = R_KEY + 28;
export const R_HSENTBY = R_KEY + 29;
export const R_HFROMTAG = R_KEY + 30;
export const R_HTOTAG = R_KEY + 31;

/** Scan modes ({@link fastScan}'s last argument). */
export type ScanMode = 0 | 1 | 2;
/** Everything: the parser's whole index and every key field (`parseMessage`'s fast path). */
export const SCAN_FULL = 0;
/** The trace index: kind, status, method, Call-ID, CSeq (number and method); stops once it has them. */
export const SCAN_INDEX = 1;
/**
 * "Analysis keys": what {@link SCAN_INDEX} reads plus the top Via (branch, sent-by, transport,
 * received, rport spans), the From tag and the To tag, and the hashes R_HBRANCH..R_HTOTAG; stops once
 * the first Via, From, To, Call-ID and CSeq fields are read. No header index.
 */
export const SCAN_KEYS = 2;

/** Largest message the scanner takes (its input buffer). */
const IN = 1024;
const IN_CAP = 65536;
const OUT = 66624;
const OUT_END = 131072;
/** Where the scanner writes its output slots (the ingest pass reads them there). */
export const SCAN_OUT = OUT;

/** The part of the WebAssembly API used here (the project's TypeScript lib has no WebAssembly types). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}
interface ScanExports {
  memory: { buffer: ArrayBuffer; grow(pages: number): number };
  init(): void;
  scan(len: number, delta: number, indexOnly: number): number;
  scanAt(ptr: number, len: number, delta: number, indexOnly: number): number;
  scanInto(len: number, delta: number, at: number, lim: number): number;
  scanAtInto(ptr: number, len: number, delta: number, at: number, lim: number): number;
  lintUriTo(u0: number, lim: number, term: number): number;
  lintNameAddr(s: number, e: number, kind: number): number;
  lintField(vs: number, ve: number, flags: number): number;
}

let scanFn: ((len: number, delta: number, indexOnly: number) => number) | null = null;
let scanAtFn: ((ptr: number, len: number, delta: number, indexOnly: number) => number) | null = null;
/** The scanner's `scanInto` while the scanner is on, else null (one test on the parser's path). */
let scanFull: ((len: number, delta: number, at: number, lim: number) => number) | null = null;
let scanIntoFn: ((len: number, delta: number, at: number, lim: number) => number) | null = null;
let scanAtIntoFn: ((ptr: number, len: number, delta: number, at: number, lim: number) => number) | null =
  null;
/** The lint's certainty tests on octets in the scanner's memory (lint.ts; see {@link scannerOffset}). */
export let lintUriTo: ScanExports['lintUriTo'] = () => -1;
export let lintNameAddr: ScanExports['lintNameAddr'] = () => 0;
export let lintField: ScanExports['lintField'] = () => 0;
let memory: ScanExports['memory'] | null = null;
let memBuffer: ArrayBuffer | null = null;
/**
 * The last array {@link inMemory} found in the scanner's memory (`buf.buffer` is a builtin call; the
 * messages of a region read there share one array). Only such a view is kept (it holds no other
 * memory alive); forgotten when the memory grows.
 */
let lastInMemory: Uint8Array | null = null;
/** Whether the octets of `buf` lie in the scanner's memory. */
function inMemory(buf: Uint8Array): boolean {
  if (buf === lastInMemory) return true;
  if (buf.buffer !== memBuffer) return false;
  lastInMemory = buf;
  return true;
}
let mem8: Uint8Array = new Uint8Array(0);
let out32: Int32Array = new Int32Array(0);
let arena: Uint8Array | null = null;
let enabled = true;
/**
 * `Uint8Array.prototype.set`, called with `.call`: the compiler then calls the builtin directly, where
 * `mem8.set(...)` (on a module variable) was a generic property load per call.
 */
const setU8 = Uint8Array.prototype.set;

/*
 * The index ring: {@link scanMessage} (the parser's fast path) has the scanner write each message's
 * index (key field spans, then HS = 5 numbers per header field, as `ParsedMessage` reads them) straight
 * into this ring in the scanner's memory, where the message then reads it (`ParsedMessage.ix` is
 * {@link ring32} and `base` the place) instead of a copy in a fresh JavaScript chunk. Places are
 * taken in turn and reused once the ring comes round: a message whose place may have been written
 * again (its generation below {@link ringFloor}) has its index made again by a new scan of its
 * (unchanged) bytes.
 * `ringGen` counts every slot taken since the start (a place's generation); the place of generation g
 * is g % RING_SLOTS.
 */
const RING_AT = 3 * 65536;
/** Slots (i32) in the ring: 256 KiB, so it stays in the core's cache. */
export const RING_SLOTS = 65536;
/** Most header fields of a message whose index goes to the ring (more: the full parser runs). */
const RING_HEADERS = 3000;
/** The most slots one scan may write from its place on: 28 key slots, then 5 per header field. */
const RING_REACH = 28 + 5 * RING_HEADERS;
/** The ring's view (a new one after the memory grows; the contents stay). */
export let ring32: Int32Array = new Int32Array(0);
/** Slots taken since the start (see above); the next message's index goes to place ringGen % RING_SLOTS. */
export let ringGen = 0;
/** The place (slot in {@link ring32}) and generation of the index the last successful scanMessage wrote. */
export let ringAt = 0;
export let ringAtGen = 0;
let ringPos = 0;
/**
 * The oldest generation still in the ring: an index written at generation g >= ringFloor is there as
 * written (no scan since may have written over it: each writes at most RING_REACH slots from its
 * place on, and the memory has not grown since: growing skips a whole round, see `views`).
 */
export let ringFloor = RING_REACH - RING_SLOTS;

/** Where the arena starts in the scanner's memory (above its input, output, own data and the ring). */
const ARENA_AT = RING_AT + 4 * RING_SLOTS;
/** Readable octets after the arena: a 16-octet search may look past a message that ends there. */
const ARENA_SLACK = 64;

function views(): void {
  const b = memory!.buffer;
  memBuffer = b;
  lastInMemory = null;
  mem8 = new Uint8Array(b);
  out32 = new Int32Array(b, OUT, (OUT_END - OUT) >> 2);
  ring32 = new Int32Array(b, RING_AT, RING_SLOTS);
  // (messages keep the ring's view they were made with: after the memory grows that view is detached,
  // so every index written before is counted out, by skipping a whole round; places are unchanged)
  ringGen += RING_SLOTS;
  ringFloor = ringGen + RING_REACH - RING_SLOTS;
}

function load(): void {
  try {
    const bin = atob(SIP_SCAN_WASM);
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    const wasm = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
    if (wasm === undefined) return;
    const inst = new wasm.Instance(new wasm.Module(bytes), {});
    const x = inst.exports as unknown as ScanExports;
    x.init();
    memory = x.memory;
    const need = ARENA_AT + ARENA_SLACK;
    const have = memory.buffer.byteLength;
    if (need > have) memory.grow(Math.ceil((need - have) / 65536));
    views();
    scanFn = x.scan;
    scanAtFn = x.scanAt;
    scanIntoFn = x.scanInto;
    scanAtIntoFn = x.scanAtInto;
    lintUriTo = x.lintUriTo;
    lintNameAddr = x.lintNameAddr;
    lintField = x.lintField;
    scanFull = enabled ? scanIntoFn : null;
  } catch {
    scanFn = null; // no WebAssembly SIMD here, or a synchronous compile refused: the JS parser runs
  }
}
load();

/** Whether the WebAssembly scanner is in use (false where it could not be loaded or was turned off). */
export function fastScanAvailable(): boolean {
  return scanFn !== null && enabled;
}

/** Turns the fast path off or on (tests compare the two paths; it is on by default where it loads). */
export function setFastScan(on: boolean): void {
  enabled = on;
  scanFull = on && scanFn !== null ? scanIntoFn : null;
}

/**
 * Scans `buf[start, end)`. Returns the scanner's output (valid until the next call; positions are
 * absolute offsets in `buf`), or null when the message needs the full parser. `mode` (`true` = 1):
 * - {@link SCAN_FULL} (0, `false`): every R_* slot, every key field span (R_KEY + 2 * F_*, start and
 *   end, -1 when absent) and the header index: exactly what the full parser finds.
 * - {@link SCAN_INDEX} (1, `true`): only the fields the trace index keeps: R_KIND, R_STATUS, R_SLE,
 *   R_CSEQ and the spans F_METHOD, F_URI, F_VERSION, F_REASON, F_CALLID, F_CSEQM; other slots unset.
 * - {@link SCAN_KEYS} (2): what mode 1 fills, plus the spans F_BRANCH, F_SENTBY, F_TRANSPORT,
 *   F_RECEIVED, F_RPORT (top Via), F_FROMTAG, F_TOTAG, and their hashes R_HBRANCH, R_HSENTBY,
 *   R_HFROMTAG, R_HTOTAG. No header index (R_NH is 0 when set). It answers null where mode 1 does,
 *   and also where the first Via, From or To field is not in the common case (where mode 0 would
 *   answer null for it too; a {@link keyHash} of the parser's spans then gives the same hashes).
 * Every span and number a mode fills equals what `parseMessage` finds for the same message.
 */
export function fastScan(
  buf: Uint8Array,
  start: number,
  end: number,
  mode: boolean | ScanMode = false,
): Int32Array | null {
  const len = end - start;
  const scan = scanFn;
  if (scan === null || !enabled || len <= 0) return null;
  const m = mode === true ? 1 : mode === false ? 0 : mode;
  // (`buf.buffer` is a builtin call: asked only once an arena exists)
  if (arena !== null && buf.buffer === memBuffer) {
    // bytes in the arena: scanned where they lie
    return scanAtFn!(buf.byteOffset + start, len, start, m) === 1 ? out32 : null;
  }
  if (len > IN_CAP) return null;
  setU8.call(mem8, start === 0 && end === buf.length ? buf : buf.subarray(start, end), IN);
  return scan(len, start, m) === 1 ? out32 : null;
}

/**
 * {@link fastScan} in mode {@link SCAN_FULL} (what `parseMessage` asks), except that the index (key
 * field spans, then the header index) is written into the index ring: at {@link ringAt} of
 * {@link ring32}, generation {@link ringAtGen}, when the answer is not null. A function of its own,
 * small enough for the compiler to inline it with the rest of the parser's fast path into each caller.
 */
export function scanMessage(buf: Uint8Array, start: number, end: number): Int32Array | null {
  const len = end - start;
  const scan = scanFull;
  if (scan === null || len <= 0) return null;
  if (arena !== null) return scanInArena(buf, start, end);
  if (len > IN_CAP) return null;
  setU8.call(mem8, start === 0 && end === buf.length ? buf : buf.subarray(start, end), IN);
  const pos = ringPos <= RING_SLOTS - RING_REACH ? ringPos : ringTurn();
  if (scan(len, start, RING_AT + 4 * pos, RING_HEADERS) !== 1) return null;
  ringTake(pos);
  return out32;
}

/** The ring's next round: the places left at its end are skipped (their generations counted). */
function ringTurn(): number {
  ringGen += RING_SLOTS - ringPos;
  ringFloor = ringGen + RING_REACH - RING_SLOTS;
  ringPos = 0;
  return 0;
}

/** A scan wrote a message's index at `pos`: its place and generation noted, the places taken. */
function ringTake(pos: number): void {
  const n = 28 + 5 * out32[R_NH]!;
  ringAt = pos;
  ringAtGen = ringGen;
  ringPos = pos + n;
  ringGen += n;
  ringFloor = ringGen + RING_REACH - RING_SLOTS;
}

/** {@link scanMessage} once an arena exists: bytes in it are scanned where they lie. */
function scanInArena(buf: Uint8Array, start: number, end: number): Int32Array | null {
  const len = end - start;
  const inArena = inMemory(buf);
  if (!inArena && len > IN_CAP) return null;
  if (!inArena) setU8.call(mem8, start === 0 && end === buf.length ? buf : buf.subarray(start, end), IN);
  const pos = ringPos <= RING_SLOTS - RING_REACH ? ringPos : ringTurn();
  const at = RING_AT + 4 * pos;
  const ok = inArena
    ? scanAtIntoFn!(buf.byteOffset + start, len, start, at, RING_HEADERS)
    : scanIntoFn!(len, start, at, RING_HEADERS);
  if (ok !== 1) return null;
  ringTake(pos);
  return out32;
}

/**
 * Where the octets of `buf` lie in the scanner's memory (its offset there: `buf[i]` is at
 * `scannerOffset(buf) + i`, as {@link lintUriTo}, {@link lintNameAddr} and {@link lintField} take
 * addresses), or -1 where
 * they do not (no arena, another buffer, the scanner off).
 */
export function scannerOffset(buf: Uint8Array): number {
  return arena !== null && scanFull !== null && inMemory(buf) ? buf.byteOffset : -1;
}

/**
 * The hash {@link SCAN_KEYS} writes into R_HBRANCH..R_HTOTAG: 32-bit FNV-1a of the octets
 * `buf[s, e)`, as a signed 32-bit number; 0 when `s` is negative (an absent field).
 */
export function keyHash(buf: Uint8Array, s: number, e: number): number {
  if (s < 0) return 0;
  let h = 0x811c9dc5;
  for (let i = s; i < e; i++) h = Math.imul(h ^ buf[i]!, 16777619);
  return h | 0;
}

/**
 * A buffer of `size` octets inside the scanner's memory, or null where the scanner is not loaded. Bytes
 * a reader places there (a capture file read into it in chunks) are scanned in place by
 * {@link fastScan} (and so by `parseMessage` and the trace's `indexScanSpans`), without the copy every
 * other buffer costs. One arena per thread: a call with a larger size than the current arena's grows
 * the memory, which detaches the previous arena (its length becomes 0) and every view of it.
 */
export function scanArena(size: number): Uint8Array | null {
  if (memory === null || !(size >= 0)) return null;
  if (arena !== null && arena.length >= size && arena.buffer === memory.buffer) {
    return arena.subarray(0, size);
  }
  const need = ARENA_AT + size + ARENA_SLACK;
  const have = memory.buffer.byteLength;
  try {
    if (need > have) memory.grow(Math.ceil((need - have) / 65536));
  } catch {
    return null; // no address space for it
  }
  views();
  arena = new Uint8Array(memory.buffer, ARENA_AT, size);
  return arena;
}
