/**
 * The ingest pass: one WebAssembly call per run of pcap records (built from tools/wasm/ingest-pass.as)
 * that walks the records, takes the common frame — Ethernet II → IPv4 without options, not a fragment
 * → UDP → a datagram beginning with a SIP start line, captured whole (what `CapturePipeline`'s inline
 * path takes) — runs the message layer's key-field scanner on it (mode SCAN_KEYS, the scanner's own
 * code: this module imports `scanAt` from a scanner instance) and writes one row of a record table per
 * record: for a taken frame its place, times, addresses, ports, message span and the trace's index and
 * analysis keys; for any other record a "declined" row, which the JavaScript pipeline decodes as
 * before, in order. In TCP mode (`CapturePipeline.passTcp`) it also takes in-order TCP segments of
 * whole Content-Length-framed SIP messages on connections it holds in a table of its own (one row
 * per message; see tools/wasm/ingest-pass.as), handing a connection to the JavaScript reassembly,
 * with its state, at the first segment it does not take. The messages' fixed fields are also written
 * in the trace's column types (`passStage`), which `Trace.appendPassRows` copies a run at a time.
 * Where WebAssembly is missing the pass is not used.
 * @remarks pcap-savefile(5) records; RFC 791 / RFC 768 / RFC 9293 headers; RFC 3261 §7.1/§7.2 start
 * lines, §18.3 framing. The rows equal what the JavaScript pipeline emits:
 * test/sip-core/capture/ingest-pass.test.ts compares traces with the pass on and off on every
 * fixture and public capture and on generated TCP streams.
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
export const P_STRIDE = 29;
/**
 * The row's kind: 0 declined (only P_REC..P_FRAC are set), or one of T_UDP, T_TCP, T_TCP_MORE,
 * T_TCP_NONE (a taken record: the slots below are set; for T_TCP_NONE only up to P_DPORT).
 */
export const P_TYPE = 0;
/** A UDP datagram holding one SIP message (one frame, one message). */
export const T_UDP = 1;
/** A TCP segment's first SIP message (the row starts a frame). */
export const T_TCP = 2;
/** A further SIP message of the same TCP segment (same frame as the row before). */
export const T_TCP_MORE = 3;
/** A TCP segment without a message (SYN, pure ACK, CRLF keep-alives): a frame, no message. */
export const T_TCP_NONE = 4;
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
/**
 * The row's message index in the call's message columns ({@link passStage}); for a T_TCP_NONE row,
 * the index the next message gets.
 */
export const P_MSG = 24;
/**
 * Running counts of the call, for a taken row: its record's index in the call, then the UDP records
 * and the captured octets of the taken records up to and including its own (a run's counts are the
 * difference of its last and first rows').
 */
export const P_RIDX = 25;
export const P_UDP_CUM = 26;
export const P_BYTE_CUM = 27;
/**
 * What the JavaScript side must intern for this row (the pass's id caches did not have it, see
 * {@link passCacheOwner}): 1 the source address, 2 the destination address, 4 the method (its
 * message columns hold 0 there until then).
 */
export const P_FIX = 28;

/**
 * The messages of the last {@link runPass} call in the trace's column types, indexed by P_MSG:
 * frame number, capture time (µs, also the frame's), message and record place in the stream and
 * length, ports, status, transport code (0 UDP, 1 TCP; not reassembled), flags (kind | KF_* << 5),
 * CSeq and the four key hashes, and the address and method ids the pass's caches know (P_FIX tells
 * which are missing). The Call-ID needs the JavaScript side's table: it stays in the rows.
 */
export interface PassStage {
  frame: Uint32Array;
  rawLen: Uint32Array;
  recLen: Uint32Array;
  cseq: Uint32Array;
  branchH: Uint32Array;
  sentByH: Uint32Array;
  fromTagH: Uint32Array;
  toTagH: Uint32Array;
  /** Address ids and method id, or 0 where P_FIX says the JavaScript side interns them. */
  src: Uint32Array;
  dst: Uint32Array;
  method: Uint16Array;
  time: Float64Array;
  rawOff: Float64Array;
  recOff: Float64Array;
  sport: Uint16Array;
  dport: Uint16Array;
  status: Uint16Array;
  tr: Uint8Array;
  flags: Uint8Array;
}

/**
 * Analysis facts of a message ({@link messageFacts}: one walk over its header lines in the pass's
 * module, tools/wasm/ingest-pass.as `facts`), what the tiered analysis' tier 2 reads instead of
 * scanning the message in full. Each holds only with {@link AF_KNOWN}; a message the walk cannot read
 * as the parser does (a bare LF, a folded line, whitespace before the colon of a header it reads, a
 * list in a Via, two Content-Length fields...) gets 0: nothing known (tier 2 scans it).
 */
/** Exactly one Via value (Via/v fields, no comma in them). */
export const AF_VIA1 = 1;
/** Exactly two Via values. */
export const AF_VIA2 = 2;
/**
 * The body is SDP (the first Content-Type names "sdp", any case) and not empty, and runs from the end
 * of the header section (the `hlen` column: its length) to the end of the message.
 */
export const AF_SDP = 4;
/** A Contact field is present. */
export const AF_CONTACT = 8;
/** No Record-Route field, or each is one `<uri>` with `;lr` (message-view.ts `recordRoutesLoose`). */
export const AF_RR_LOOSE = 16;
/** The top Via sent-by's host is the packet's IPv4 source address (canonical dotted quad). */
export const AF_SENTBY_SRC = 32;
/** The facts above were read (else none is known). */
export const AF_KNOWN = 64;

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

/** Frames the pass took in this thread so far, and TCP segments among them (tests check it ran). */
export const passCounters = { taken: 0, tcp: 0 };

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

/**
 * The pass's TCP connection table (tools/wasm/ingest-pass.as): slots of 16 Int32 (64 octets), at most
 * half of them used. TCP_OWNER: 0 empty, {@link OWN_PASS}, {@link OWN_JS}, {@link OWN_RELEASED};
 * TCP_A/TCP_B: the IPv4 addresses of the first direction's source and destination, TCP_PORTS their
 * ports (source << 16 | destination); per direction (0: a → b, 1: b → a) TCP_BITS + 2·d (D_SEQ, D_SIP),
 * TCP_NEXT + 2·d (next sequence number, unsigned 32-bit) and the stream position as a Float64 at
 * Float64 index 4 + d of the slot; TCP_SERIAL the connection's serial number (first-sight order).
 */
export const TCP_SLOT = 16;
export const TCP_SERIAL = 12;
export const TCP_OWNER = 0;
export const TCP_A = 1;
export const TCP_B = 2;
export const TCP_PORTS = 3;
export const TCP_BITS = 4;
export const TCP_NEXT = 5;
/**
 * TCP_FIRST + d: the sequence number that began direction d's numbering in the pass (a SYN's, or the
 * first data segment's), when TCP_BITS + 2·d has D_SEQ (a split's check: capture/pipeline.ts).
 */
export const TCP_FIRST = 13;
/** The connection is the pass's: its state is in the slot. */
export const OWN_PASS = 1;
/** The connection is the JavaScript reassembly's. */
export const OWN_JS = 2;
/** The pass declined a segment of its connection: the JavaScript side takes it over from the slot. */
export const OWN_RELEASED = 3;
/** Direction bits: a next sequence number is set; the stream is SIP (`SipStreamConsumer` mode 'sip'). */
export const D_SEQ = 1;
export const D_SIP = 2;
/** Direction bit: its numbering began with a SYN seen by the pass. */
export const D_SYN = 4;
/** Slots of the connection table (a power of two; at most half are used: 32,768 connections). */
const TCP_SLOTS = 65536;

/** The table and the arena in the scanner instance's memory (above its input, output and data). */
const TABLE_AT = 3 * 65536;
const TCP_AT = TABLE_AT + PASS_ROWS * P_STRIDE * 4;
/** The message columns (tools/wasm/ingest-pass.as `messageRow`: 74 octets per message, see views). */
const STAGE_AT = TCP_AT + TCP_SLOTS * TCP_SLOT * 4;
/** The id caches: 16,384 (IPv4 address, id + 1) pairs, then method ids by PASS_METHODS code. */
const ADDR_AT = STAGE_AT + PASS_ROWS * 80;
const ADDR_SLOTS = 16384;
const METH_AT = ADDR_AT + ADDR_SLOTS * 8;
/**
 * Where {@link messageFacts} copies a message (at most FACTS_CAP octets), or {@link regionFacts} a
 * region of messages (at most FACTS_REGION octets); then 64 readable ones.
 */
const FACTS_AT = METH_AT + 64;
const FACTS_CAP = 65536;
/** Most octets {@link regionFacts} copies at once: a read-back region of `Trace.eachRaw` (RAW_RUN_BYTES). */
export const FACTS_REGION = 256 * 1024;
const ARENA_AT = FACTS_AT + FACTS_REGION + 64;
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
  pass(
    buf: number,
    start: number,
    end: number,
    le: number,
    table: number,
    cap: number,
    tcp: number,
    base: number,
    ns: number,
    frame0: number,
  ): number;
  stageSetup(at: number): void;
  cacheSetup(addr: number, meth: number): void;
  declined(): number;
  tcpSetup(at: number, slots: number): void;
  tcpFind(src: number, sp: number, dst: number, dp: number): number;
  tcpFoundRev(): number;
  tcpInsert(src: number, sp: number, dst: number, dp: number, owner: number): number;
  tcpSerialSet(v: number): void;
  tcpSerialNext(): number;
  messageFacts(ptr: number, len: number, src: number): number;
  factsHlen(): number;
  factsRoutes(): number;
  bodyHash(ptr: number, len: number): number;
  bodyHash2(): number;
}

let memory: Memory | null = null;
let passFn: PassExports['pass'] | null = null;
let stoppedFn: PassExports['stopped'] | null = null;
let tcpX: PassExports | null = null;
let tcpSlots: Int32Array = new Int32Array(0);
let tcpPos: Float64Array = new Float64Array(0);
/** Who holds the TCP connection table (one ingest at a time per thread), or null. */
let tcpOwner: object | null = null;
let stage: PassStage | null = null;
let addrCache: Int32Array = new Int32Array(0);
let methCache: Int32Array = new Int32Array(0);
/** Whose ids the caches hold (an ingest's pipeline), or null. */
let cacheOwner: object | null = null;
/** The cache owner's address table (see {@link passCacheOwner}), or null. */
let addrTable: { v4(n: number): number } | null = null;
let memBuffer: ArrayBuffer | null = null;
let table: Int32Array = new Int32Array(0);
let factsIn: Uint8Array = new Uint8Array(0);
let factsFn: PassExports['messageFacts'] | null = null;
let factsHlenFn: PassExports['factsHlen'] | null = null;
let factsRoutesFn: PassExports['factsRoutes'] | null = null;
let bodyHashFn: PassExports['bodyHash'] | null = null;
let bodyHash2Fn: PassExports['bodyHash2'] | null = null;
/**
 * `Uint8Array.prototype.set`, called with `.call` (the builtin called directly, see fast-scan.ts).
 */
const setU8 = Uint8Array.prototype.set;
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
  tcpSlots = new Int32Array(memBuffer, TCP_AT, TCP_SLOTS * TCP_SLOT);
  tcpPos = new Float64Array(memBuffer, TCP_AT, (TCP_SLOTS * TCP_SLOT) / 2);
  const b = memBuffer;
  const n = PASS_ROWS;
  const u32 = (k: number): Uint32Array => new Uint32Array(b, STAGE_AT + k * n * 4, n);
  const f64 = (at: number): Float64Array => new Float64Array(b, STAGE_AT + at * n, n);
  const u16 = (at: number): Uint16Array => new Uint16Array(b, STAGE_AT + at * n, n);
  stage = {
    frame: u32(0),
    rawLen: u32(1),
    recLen: u32(2),
    cseq: u32(3),
    branchH: u32(4),
    sentByH: u32(5),
    fromTagH: u32(6),
    toTagH: u32(7),
    src: u32(8),
    dst: u32(9),
    time: f64(40),
    rawOff: f64(48),
    recOff: f64(56),
    sport: u16(64),
    dport: u16(66),
    status: u16(68),
    method: u16(70),
    tr: new Uint8Array(b, STAGE_AT + 72 * n, n),
    flags: new Uint8Array(b, STAGE_AT + 73 * n, n),
  };
  factsIn = new Uint8Array(b, FACTS_AT, FACTS_REGION);
  addrCache = new Int32Array(b, ADDR_AT, ADDR_SLOTS * 2);
  methCache = new Int32Array(b, METH_AT, 16);
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
      env: {
        memory: scanner.memory,
        addrNew: (ip: number): number => (addrTable === null ? -1 : addrTable.v4(ip >>> 0)),
      },
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
    x.stageSetup(STAGE_AT);
    x.cacheSetup(ADDR_AT, METH_AT);
    passFn = x.pass;
    stoppedFn = x.stopped;
    factsFn = x.messageFacts;
    factsHlenFn = x.factsHlen;
    factsRoutesFn = x.factsRoutes;
    bodyHashFn = x.bodyHash;
    bodyHash2Fn = x.bodyHash2;
    tcpX = x;
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
 * {@link passRowsPerCall}; returns the number of rows written to {@link passTable} (and the messages'
 * columns to {@link passStage}). It stops before a partial record and before a record whose length is
 * corrupt (the JavaScript reader reports those). `tcp`: TCP segments too (see CapturePipeline.passTcp);
 * `base`: the stream offset of `buf[0]`; `ns`: the record fractions are nanoseconds; `frame0`: the
 * frame number of the first record.
 */
export function runPass(
  buf: Uint8Array,
  start: number,
  end: number,
  littleEndian: boolean,
  tcp: boolean,
  base: number,
  ns: boolean,
  frame0: number,
): number {
  return passFn!(
    buf.byteOffset,
    start,
    end,
    littleEndian ? 1 : 0,
    TABLE_AT,
    rowsPerCall,
    tcp ? 1 : 0,
    base,
    ns ? 1 : 0,
    frame0,
  );
}

/**
 * Makes the pass's id caches `owner`'s (one ingest's address and method ids): emptied when another
 * owner used them. Call before each {@link runPass} of an ingest. `addresses`: the ingest's address
 * table, which the pass then asks for the id of an address its cache misses while nothing of the call
 * is left to the JavaScript side yet (interned in row order, as `Trace.appendPassRows` would for a
 * P_FIX row; see tools/wasm/ingest-pass.as `addrNew`); without it, every miss is flagged in P_FIX.
 */
export function passCacheOwner(owner: object, addresses: { v4(n: number): number } | null = null): void {
  addrTable = addresses;
  if (cacheOwner === owner) return;
  cacheOwner = owner;
  if (memory !== null && memBuffer !== memory.buffer) views();
  addrCache.fill(0);
  methCache.fill(0);
}

/** Remembers address id `id` of IPv4 `ip` in the pass's cache (direct-mapped: may replace another). */
export function passCacheAddress(ip: number, id: number): void {
  const i = ((Math.imul(ip | 0, 0x9e3779b1) >>> 18) & (ADDR_SLOTS - 1)) << 1;
  addrCache[i] = ip | 0;
  addrCache[i + 1] = id + 1;
}

/** Remembers method id `id` of PASS_METHODS code `code`. */
export function passCacheMethod(code: number, id: number): void {
  methCache[code] = id;
}

/** Declined rows of the last {@link runPass} (0: its rows are one run of taken records). */
export function passDeclined(): number {
  return tcpX!.declined();
}

/** The message columns of the last {@link runPass} (valid until the next call). */
export function passStage(): PassStage {
  return stage!;
}

/**
 * Takes the pass's TCP connection table for `owner` (an ingest), emptied; false when another ingest
 * holds it (then `owner` reads TCP in JavaScript only). Release it with {@link releasePassTcp}.
 */
export function claimPassTcp(owner: object, nextSerial: number): boolean {
  if (tcpX === null || !enabled) return false;
  if (tcpOwner === owner) return true;
  if (tcpOwner !== null) return false;
  tcpOwner = owner;
  tcpX.tcpSetup(TCP_AT, TCP_SLOTS);
  tcpX.tcpSerialSet(nextSerial);
  return true;
}

/** The next connection serial number of the table's owner (taken). */
export function passTcpSerial(): number {
  return tcpX!.tcpSerialNext();
}

/** Gives the table back (`owner` must have taken over every connection of the pass first). */
export function releasePassTcp(owner: object): void {
  if (tcpOwner === owner) tcpOwner = null;
}

/** The slot of connection `src:sp ↔ dst:dp` (IPv4 numbers; either direction), or -1. */
export function passTcpFind(src: number, sp: number, dst: number, dp: number): number {
  return tcpX!.tcpFind(src | 0, sp, dst | 0, dp);
}

/** Whether the last {@link passTcpFind} found `src:sp → dst:dp` as the slot's second direction. */
export function passTcpFoundRev(): boolean {
  return tcpX!.tcpFoundRev() !== 0;
}

/** A new slot for the connection whose first direction is `src:sp → dst:dp`, or -1 when full. */
export function passTcpInsert(src: number, sp: number, dst: number, dp: number, owner: number): number {
  return tcpX!.tcpInsert(src | 0, sp, dst | 0, dp, owner);
}

/** The connection table's slots (TCP_* layout; valid until the memory grows: read it at once). */
export function passTcpSlots(): Int32Array {
  if (memory !== null && memBuffer !== memory.buffer) views();
  return tcpSlots;
}

/** The stream position of direction `d` (0/1) of `slot`. */
export function passTcpPos(slot: number, d: number): number {
  return tcpPos[slot * (TCP_SLOT / 2) + 4 + d]!;
}

/** Number of slots of the connection table. */
export const PASS_TCP_SLOTS = TCP_SLOTS;

/**
 * The analysis facts (AF_* bits; 0: nothing known) of the SIP message `buf[start, end)`, whose packet
 * came from IPv4 `src` (unsigned 32-bit; -1 when not IPv4: no AF_SENTBY_SRC), read by one walk over
 * its header lines in the pass's module (a copy of the message in its memory; 0 where the module is
 * not loaded or the message is longer than 64 KiB). With AF_SDP, {@link messageFactsHlen} is the
 * header section's length until the next call.
 */
export function messageFacts(buf: Uint8Array, start: number, end: number, src: number): number {
  const len = end - start;
  if (factsFn === null || !factsOn || len <= 0 || len > FACTS_CAP) return 0;
  factsCounters.asked++;
  factsRegion = null;
  // (`factsIn` stays valid: the memory grows only where `views` is called again)
  setU8.call(factsIn, start === 0 && end === buf.length ? buf : buf.subarray(start, end));
  return factsFn(FACTS_AT, len, src | 0);
}

let factsOn = true;

/** Turns {@link messageFacts} off (it answers 0: nothing known) or on (tests compare the two). */
export function setMessageFacts(on: boolean): void {
  factsOn = on;
}

/** Messages {@link messageFacts} read so far in this thread (tests check it ran). */
export const factsCounters = { asked: 0 };

/** The buffer whose octets lie at FACTS_AT (see {@link regionFacts}), or null. */
let factsRegion: Uint8Array | null = null;

/**
 * {@link messageFacts} of the message `buf[start, end)`, where `buf` holds a region of consecutive
 * messages (`Trace.eachRaw`'s, at most {@link FACTS_REGION} octets): the region is copied into the
 * module once, when it is not the one copied last, and each message's facts are read where they lie
 * (no copy and no view per message). The same answer as `messageFacts`. The caller must not change a
 * buffer's octets while it passes it here (a new region, a new buffer), or must call
 * {@link forgetFactsRegion} first.
 */
export function regionFacts(buf: Uint8Array, start: number, end: number, src: number): number {
  if (buf !== factsRegion) {
    if (factsFn === null || buf.length > FACTS_REGION) return messageFacts(buf, start, end, src);
    setU8.call(factsIn, buf);
    factsRegion = buf;
  }
  const len = end - start;
  if (!factsOn || len <= 0 || len > FACTS_CAP) return 0;
  factsCounters.asked++;
  return factsFn!(FACTS_AT + start, len, src | 0);
}

/**
 * analysis/sdp-summary.ts `sdpBodyHash` of `buf[start, end)` into `out[0..1]`, computed in the module
 * where `buf` is the region {@link regionFacts} copied last (its octets are there already); false
 * (`out` untouched) for any other buffer: the caller hashes it itself.
 */
export function regionBodyHash(buf: Uint8Array, start: number, end: number, out: Int32Array): boolean {
  if (buf !== factsRegion || bodyHashFn === null) return false;
  out[0] = bodyHashFn(FACTS_AT + start, end - start);
  out[1] = bodyHash2Fn!();
  return true;
}

/** Drops the region {@link regionFacts} copied last (its buffer's octets are about to change). */
export function forgetFactsRegion(): void {
  factsRegion = null;
}

/** The header section's length of the last {@link messageFacts} answer with AF_SDP. */
export function messageFactsHlen(): number {
  return factsHlenFn!();
}

/**
 * Where the last {@link messageFacts} (or {@link regionFacts}) answer with AF_KNOWN found the first
 * Route and the first Record-Route field line, as the route-set rule's walk finds them
 * (analysis/route-set.ts `routeHashes`): `route | recordRoute << 16`, each the line's offset from the
 * message start + 1, or 0 when the message has no such line.
 */
export function messageFactsRoutes(): number {
  return factsRoutesFn!();
}
