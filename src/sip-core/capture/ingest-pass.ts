/**
 * The ingest pass: one WebAssembly call per run of pcap records (built from tools/wasm/ingest-pass.as)
 * that walks the records, takes the common frame — Ethernet II → IPv4 without options, not a fragment
 * → UDP → a datagram beginning with a SIP start line, captured whole (what `CapturePipeline`'s inline
 * path takes) — runs the message layer's key-field scanner on it (mode SCAN_KEYS, the scanner's own
 * code: this module imports `scanAt` from a scanner instance) and writes one row of a record table per
 * record: for a taken frame its place, times, addresses, ports, message span and the trace's index and
 * analysis keys; for any other record a "declined" row, which the JavaScript pipeline decodes as
 * before, in order. JavaScript then copies the rows into the trace's columns in tight loops
 * (`Trace.appendPassRows`). Where WebAssembly is missing the pass is not used.
 * @remarks pcap-savefile(5) records; RFC 791 / RFC 768 headers; RFC 3261 §7.1/§7.2 start lines. The
 * rows equal what the inline path emits: test/sip-core/capture/ingest-pass.test.ts compares traces
 * with the pass on and off on every fixture and public capture.
 */
import { INGEST_PASS_WASM } from './ingest-pass-wasm';
import { SIP_SCAN_WASM } from '../message/sip-scan-wasm';
import {
  R_CSEQ,
  R_HBRANCH,
  R_HFROMTAG,
  R_HSENTBY,
  R_HTOTAG,
  R_KEY,
  R_KIND,
  R_SLE,
  R_STATUS,
  SCAN_OUT,
} from '../message/fast-scan';
import {
  F_BRANCH,
  F_CALLID,
  F_CSEQM,
  F_METHOD,
  F_SENTBY,
  F_TRANSPORT,
  F_URI,
  F_VERSION,
} from '../message/sip-message';

/** Row stride (Int32 slots) and slots of the record table. */
export const P_STRIDE = 24;
/** 1: a taken frame (the slots below are set); 0: declined (only P_REC..P_FRAC are set). */
export const P_TYPE = 0;
/** Offset of the record header in the buffer passed. */
export const P_REC = 1;
export const P_CAPLEN = 2;
/** Record timestamp: seconds and fraction (µs, or ns in a pcap-ns file), unsigned 32-bit. */
export const P_SEC = 3;
export const P_FRAC = 4;
/** IPv4 source and destination as unsigned 32-bit numbers (the pipeline replaces them by address ids). */
export const P_SRC = 5;
export const P_DST = 6;
export const P_SPORT = 7;
export const P_DPORT = 8;
/** The message: `buf[P_START, P_END)`. */
export const P_START = 9;
export const P_END = 10;
/** `IndexSpans` (capture/sip-index.ts): kind 0/1, status, method (requests) or CSeq method (responses). */
export const P_KIND = 11;
export const P_STATUS = 12;
export const P_METHOD = 13;
export const P_METHOD_END = 14;
export const P_CALLID = 15;
export const P_CALLID_END = 16;
export const P_CSEQ = 17;
export const P_BRANCH_H = 18;
export const P_SENTBY_H = 19;
export const P_FROMTAG_H = 20;
export const P_TOTAG_H = 21;
export const P_KEYFLAGS = 22;
/**
 * The method's (request) or CSeq method's (response) code, 1-based in {@link PASS_METHODS}, 0 for any
 * other; plus 256 when the Call-ID's octets equal those of the last taken row of the same call that
 * had a Call-ID (so its id is that row's).
 */
export const P_AUX = 23;

/** The methods the pass names by a code (P_AUX): the octets equal the name exactly. */
export const PASS_METHODS = [
  '',
  'INVITE',
  'ACK',
  'BYE',
  'CANCEL',
  'REGISTER',
  'OPTIONS',
  'PRACK',
  'SUBSCRIBE',
  'NOTIFY',
  'PUBLISH',
  'INFO',
  'REFER',
  'MESSAGE',
  'UPDATE',
] as const;

/** Frames the pass took in this thread so far (tests check it ran). */
export const passCounters = { taken: 0 };

/** Capacity of the record table. */
export const PASS_ROWS = 2048;
/**
 * Rows per call (the table is read before the next call): few enough that the messages' octets are
 * still in the cache when JavaScript reads the rows (declined frames, new Call-IDs).
 */
let rowsPerCall = PASS_ROWS;

/** Sets the rows per call (1..PASS_ROWS; benchmarks compare sizes); returns the previous value. */
export function setPassRowsPerCall(n: number): number {
  const prev = rowsPerCall;
  rowsPerCall = Math.max(1, Math.min(PASS_ROWS, Math.floor(n)));
  return prev;
}

/** Rows per call of {@link runPass}: fewer rows means it stopped early (end, partial or corrupt record). */
export function passRowsPerCall(): number {
  return rowsPerCall;
}

/** The table and the arena in the scanner instance's memory (above its input, output and data). */
const TABLE_AT = 3 * 65536;
const ARENA_AT = TABLE_AT + PASS_ROWS * P_STRIDE * 4;
/** Readable octets after the arena: the scanner's 16-octet searches may look past a message's end. */
const ARENA_SLACK = 64;

interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}
interface Memory {
  buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface PassExports {
  layout(...a: number[]): void;
  stopped(): number;
  pass(buf: number, start: number, end: number, le: number, table: number, cap: number): number;
}

let memory: Memory | null = null;
let passFn: PassExports['pass'] | null = null;
let stoppedFn: PassExports['stopped'] | null = null;
let memBuffer: ArrayBuffer | null = null;
let table: Int32Array = new Int32Array(0);
let arena: Uint8Array | null = null;
let enabled = true;

function bytesOf(b64: string): Uint8Array {
  const bin = atob(b64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
}

function views(): void {
  memBuffer = memory!.buffer;
  table = new Int32Array(memBuffer, TABLE_AT, PASS_ROWS * P_STRIDE);
}

function load(): void {
  try {
    const wasm = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
    if (wasm === undefined) return;
    // A scanner instance of its own: its memory holds the table and the arena the file is read into.
    const scanner = new wasm.Instance(new wasm.Module(bytesOf(SIP_SCAN_WASM)), {}).exports as {
      memory: Memory;
      init(): void;
      scanAt: unknown;
    };
    scanner.init();
    const x = new wasm.Instance(new wasm.Module(bytesOf(INGEST_PASS_WASM)), {
      env: { memory: scanner.memory },
      scan: { scanAt: scanner.scanAt },
    }).exports as unknown as PassExports;
    const k = (f: number): number => R_KEY + 2 * f;
    x.layout(
      SCAN_OUT,
      R_KIND,
      R_STATUS,
      R_CSEQ,
      R_HBRANCH,
      R_HSENTBY,
      R_HFROMTAG,
      R_HTOTAG,
      R_SLE,
      k(F_METHOD),
      k(F_URI),
      k(F_VERSION),
      k(F_CALLID),
      k(F_CSEQM),
      k(F_BRANCH),
      k(F_SENTBY),
      k(F_TRANSPORT),
    );
    memory = scanner.memory;
    const need = ARENA_AT + ARENA_SLACK;
    if (need > memory.buffer.byteLength) memory.grow(Math.ceil((need - memory.buffer.byteLength) / 65536));
    views();
    passFn = x.pass;
    stoppedFn = x.stopped;
  } catch {
    passFn = null; // no WebAssembly (SIMD) here, or a synchronous compile refused: the pipeline runs
  }
}
load();

/** Whether the pass is in use (false where it could not be loaded or was turned off). */
export function ingestPassAvailable(): boolean {
  return passFn !== null && enabled;
}

/** Turns the pass off or on (tests compare the two; it is on by default where it loads). */
export function setIngestPass(on: boolean): void {
  enabled = on;
}

/**
 * A buffer of `size` octets in the pass's memory, or null where the pass is not loaded: a capture
 * file read into it in chunks is walked by {@link runPass} in place. One arena per thread; a larger
 * size grows the memory, which detaches the previous arena and its views.
 */
export function ingestPassArena(size: number): Uint8Array | null {
  if (memory === null || !(size >= 0)) return null;
  if (arena !== null && arena.length >= size && arena.buffer === memory.buffer)
    return arena.subarray(0, size);
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

/** True when the pass can read `buf` (a view of its arena, the pass loaded and on). */
export function passReads(buf: Uint8Array): boolean {
  return passFn !== null && enabled && buf.buffer === memBuffer;
}

/** The record table of the last {@link runPass} (valid until the next call). */
export function passTable(): Int32Array {
  return table;
}

/** Where the last {@link runPass} stopped: the offset in `buf` of the first record it did not read. */
export function passStopped(): number {
  return stoppedFn!();
}

/**
 * Walks the whole records of `buf[start, end)` (`buf` must satisfy {@link passReads}), at most
 * {@link passRowsPerCall}; returns the number of rows written to {@link passTable}. It stops before a partial
 * record and before a record whose length is corrupt (the JavaScript reader reports those).
 */
export function runPass(buf: Uint8Array, start: number, end: number, littleEndian: boolean): number {
  return passFn!(buf.byteOffset, start, end, littleEndian ? 1 : 0, TABLE_AT, rowsPerCall);
}
