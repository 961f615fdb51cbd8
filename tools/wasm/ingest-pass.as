// The ingest pass: AssemblyScript source of src/sip-core/capture/ingest-pass-wasm.ts (regenerate with
// `node tools/wasm/build-ingest-pass.js`; a test checks the checked-in bytes equal the output of this
// source).
//
// One call walks the classic-pcap records of a chunk (Ethernet link type) and, for each record,
// decides whether it is the common frame the pipeline's inline path takes (`CapturePipeline
// #fastUdp`: Ethernet II without VLAN tags -> IPv4 without options, not a fragment -> UDP -> a
// datagram that begins with a SIP start line, captured whole). For such a frame it runs the message
// layer's key-field scanner (`scanAt`, mode SCAN_KEYS, imported from the scanner's own instance:
// tools/wasm/sip-scan.as, not copied here) and writes one row of the record table: the record's place
// and times, addresses and ports, the message's span, and the trace index fields with the analysis
// keys (capture/sip-index.ts `indexScanSpans`). Any other record gets a "declined" row and the
// JavaScript pipeline decodes it exactly as before, in order: so what the pass accepts is a strict
// subset of what the inline path accepts, and its rows carry what that path would have emitted.
//
// TCP (`pass(..., tcp = 1)`): a segment of Ethernet II -> IPv4 without options, not a fragment -> TCP
// is taken when its connection is the pass's own (below) and the JavaScript reassembly would deliver
// it whole at once: in order, no SYN with data, no FIN/RST, and its payload exactly whole SIP messages
// framed by Content-Length (capture/sip-framing.ts `frameStream`), CRLF keep-alives between them. A
// taken segment writes one row per message (P_TYPE 2 for its first, 3 for the next ones) or one row
// without a message (4: SYN, pure ACK, keep-alives). The connection table (`tcpSetup`) keys each
// connection by its 4-tuple; a slot is the pass's (owner 1) from its first segment when the pass took
// that segment, and then holds what `TcpDirection`/`SipStreamConsumer` would hold for each direction
// (next sequence number, stream position, SIP mode). Any other segment of such a connection is
// declined and the slot released (owner 3): the pipeline then builds the connection from the slot
// when it first meets it (`CapturePipeline`, its reassembler's `miss`). A connection the JavaScript
// side met first (owner 2: registered by the pipeline, or a new connection whose first segment the
// pass declined) stays there. A declined record the pass cannot place (VLAN, IPv6, a fragment...) ends
// the call in TCP mode, so the JavaScript side decodes it before the pass reads any later record.
// Each message's fixed fields also go to message columns in the trace's types (`stageSetup`, see
// messageRow), with the address and method ids the JavaScript side put in the id caches
// (`cacheSetup`; a miss is flagged in P_FIX), and each taken row gets running counts (P_RIDX,
// P_UDP_CUM, P_BYTE_CUM): the trace copies a run of messages with TypedArray.set.
// Memory: the scanner instance's memory (imported). This module has no static data; it reads the
// scanner's output at the addresses `layout` gives and writes rows where `pass` is told to.
// RFC 3261 §7.1/§7.2 (start lines), §17.2.3 (the sent-by as a transaction key); RFC 791, RFC 768;
// pcap-savefile(5).

// @ts-ignore: decorator
@external("scan", "scanAt")
declare function scanAt(ptr: usize, len: i32, d: i32, mode: i32): i32;

/**
 * The address id of IPv4 `ip` from the ingest's address table (the JavaScript side interns it, as
 * Trace.appendPassRows would for a P_FIX row), or -1 when no table is set. Called for a UDP row the
 * id cache misses while every earlier row of the call was taken with both its addresses known
 * (`live`): interning then happens in the order the JavaScript side would intern, so ids are the same.
 */
// @ts-ignore: decorator
@external("env", "addrNew")
declare function addrNew(ip: i32): i32;

/** Row layout (i32 each): see src/sip-core/capture/ingest-pass.ts (P_* constants). */
const STRIDE: i32 = 29;
/** A record longer than this is corrupt (reader/pcap.ts MAX_RECORD): the JavaScript reader reports it. */
const MAX_RECORD: u32 = 16 * 1024 * 1024;
/** Longest start line looked at (sip-framing.ts MAX_START_LINE). */
const MAX_START_LINE: i32 = 64 * 1024;
const SCAN_KEYS: i32 = 2;
/** sip-framing.ts MAX_STREAM_BODY: a larger Content-Length is flagged invalid. */
const MAX_STREAM_BODY: i32 = 16 * 1024 * 1024;
/** Row kinds (P_TYPE, see ingest-pass.ts). */
const T_UDP: i32 = 1;
const T_TCP: i32 = 2;
const T_TCP_MORE: i32 = 3;
const T_TCP_NONE: i32 = 4;
/** Connection slot: 64 octets (see ingest-pass.ts TCP_*). */
const SLOT: i32 = 64;
const OWN_PASS: i32 = 1;
const OWN_JS: i32 = 2;
const OWN_RELEASED: i32 = 3;
/** Direction bits: a next sequence number is set; the stream is in SIP mode. */
const D_SEQ: i32 = 1;
const D_SIP: i32 = 2;
/** The direction's sequence numbers began with a SYN (its first sequence number is the SYN's). */
const D_SYN: i32 = 4;

let tcpBase: usize = 0;
let tcpMask: i32 = 0;
let tcpCount: i32 = 0;
/** Serial number of the next connection (first-sight order, shared with the JavaScript side). */
let tcpSerial: i32 = 0;

/** Sets the next connection serial number. */
export function tcpSerialSet(v: i32): void {
  tcpSerial = v;
}

/** The next connection serial number (taken). */
export function tcpSerialNext(): i32 {
  return tcpSerial++;
}
/** Slot of the last `tcpFind` and whether the 4-tuple was its second direction (b -> a). */
let foundRev: bool = false;

// The scanner's output layout, given by the JavaScript side from message/fast-scan.ts and
// message/sip-message.ts (so a change there reaches this pass without a rebuild).
let outBase: usize = 0;
let rKind: i32 = 0;
let rStatus: i32 = 0;
let rCseq: i32 = 0;
let rHBranch: i32 = 0;
let rHSentBy: i32 = 0;
let rHFromTag: i32 = 0;
let rHToTag: i32 = 0;
let rSle: i32 = 0;
let kMethod: i32 = 0; // R_KEY + 2 * F_METHOD
let kUri: i32 = 0;
let kVersion: i32 = 0;
let kCallId: i32 = 0;
let kCseqM: i32 = 0;
let kBranch: i32 = 0;
let kSentBy: i32 = 0;
let kTransport: i32 = 0;

/** Where the last `pass` stopped (an offset relative to `buf`): the first record it did not read. */
let stopAt: i32 = 0;

export function layout(
  out: usize,
  kind: i32,
  status: i32,
  cseq: i32,
  hBranch: i32,
  hSentBy: i32,
  hFromTag: i32,
  hToTag: i32,
  sle: i32,
  method: i32,
  uri: i32,
  version: i32,
  callId: i32,
  cseqM: i32,
  branch: i32,
  sentBy: i32,
  transport: i32,
): void {
  outBase = out;
  rKind = kind;
  rStatus = status;
  rCseq = cseq;
  rHBranch = hBranch;
  rHSentBy = hSentBy;
  rHFromTag = hFromTag;
  rHToTag = hToTag;
  rSle = sle;
  kMethod = method;
  kUri = uri;
  kVersion = version;
  kCallId = callId;
  kCseqM = cseqM;
  kBranch = branch;
  kSentBy = sentBy;
  kTransport = transport;
}

/** Declined rows of the last `pass` (0: its rows are one run of taken records). */
let declinedN: i32 = 0;
/** Taken UDP records and captured octets of taken records so far in this call (P_UDP_CUM, P_BYTE_CUM). */
let udpCum: i32 = 0;
let byteCum: i32 = 0;

export function declined(): i32 {
  return declinedN;
}

/** Writes the record's running counts (P_RIDX, P_UDP_CUM, P_BYTE_CUM) into rows `[r, r + k)`. */
function counts(table: usize, r: i32, k: i32, ridx: i32): void {
  for (let i = 0; i < k; i++) {
    const row = table + ((<usize>(r + i) * <usize>STRIDE) << 2);
    store<i32>(row, ridx, 100);
    store<i32>(row, udpCum, 104);
    store<i32>(row, byteCum, 108);
  }
}

export function stopped(): i32 {
  return stopAt;
}

// @ts-ignore: decorator
@inline function out(i: i32): i32 {
  return load<i32>(outBase + (<usize>i << 2));
}
// @ts-ignore: decorator
@inline function u8at(b: usize, p: i32): i32 {
  return <i32>load<u8>(b + <usize>p);
}
// @ts-ignore: decorator
@inline function be16(b: usize, p: i32): i32 {
  return (u8at(b, p) << 8) | u8at(b, p + 1);
}
// @ts-ignore: decorator
@inline function be32(b: usize, p: i32): i32 {
  return <i32>bswap<u32>(load<u32>(b + <usize>p));
}
// @ts-ignore: decorator
@inline function rec32(b: usize, p: i32, le: bool): u32 {
  const v = load<u32>(b + <usize>p);
  return le ? v : bswap<u32>(v);
}

/**
 * After a successful scan of the datagram at `ps` (kind 0 request, 1 response): true only when
 * `sipStartLine(buf, ps, pend) > 0` (sip-framing.ts), read from the scanner's spans — a status line
 * `SIP/2.0 DDD` then SP or CR, or a request line `Method SP Request-URI SP SIP/2.0 CRLF` (the scanner
 * has checked the method's token characters, a URI without controls or spaces and the CRLF), within
 * the start-line limit. Anything else (lower case, HT...) answers false and the JavaScript path
 * decides.
 */
function startLine(b: usize, ps: i32, kind: i32): bool {
  const sle = out(rSle); // the start line's CR
  if (sle + 2 - ps > MAX_START_LINE) return false;
  if (kind == 1) {
    if (load<u32>(b + <usize>ps) != 0x2f504953 /* "SIP/" */) return false;
    if (load<u32>(b + <usize>ps + 4) != 0x20302e32 /* "2.0 " */) return false;
    const d0 = u8at(b, ps + 8) - 48;
    const d1 = u8at(b, ps + 9) - 48;
    const d2 = u8at(b, ps + 10) - 48;
    if (<u32>d0 > 9 || <u32>d1 > 9 || <u32>d2 > 9) return false;
    const c = u8at(b, ps + 11);
    return c == 32 || c == 13;
  }
  const me = out(kMethod + 1);
  const us = out(kUri);
  const ue = out(kUri + 1);
  if (out(kMethod) != ps || me <= ps || u8at(b, me) != 32 || us != me + 1 || ue <= us) return false;
  if (u8at(b, ue) != 32 || out(kVersion) != ue + 1 || out(kVersion + 1) != sle || sle != ue + 8) return false;
  return load<u32>(b + <usize>ue + 1) == 0x2f504953 && (load<u32>(b + <usize>ue + 4) >>> 8) == 0x302e32;
}

// @ts-ignore: decorator
@inline function lower(c: i32): i32 {
  return <u32>(c - 65) < 26 ? c + 32 : c;
}
// @ts-ignore: decorator
@inline function fnv(h: i32, c: i32): i32 {
  return (h ^ c) * 16777619;
}

/** True when `[s,e)` is digits and dots, a colon, then at least one digit and only digits (sip-index.ts ipv4WithPort). */
function ipv4WithPort(b: usize, s: i32, e: i32): bool {
  let i = s;
  for (; i < e; i++) {
    const c = u8at(b, i);
    if (c == 0x3a) break;
    if (<u32>(c - 0x30) > 9 && c != 0x2e) return false;
  }
  if (i == s || i + 1 >= e) return false;
  for (i++; i < e; i++) if (<u32>(u8at(b, i) - 0x30) > 9) return false;
  return true;
}

/** sip-index.ts `sentByHash`: FNV-1a of the sent-by folded, with the default port when it has none. */
function sentByHash(b: usize): i32 {
  const s = out(kSentBy);
  const e = out(kSentBy + 1);
  if (s < 0 || e <= s) return 0;
  let h: i32 = <i32>0x811c9dc5;
  let colon = -1;
  let rb = -1;
  for (let i = s; i < e; i++) {
    const c = u8at(b, i);
    if (c == 0x3a) colon = i;
    else if (c == 0x5d) rb = i;
    h = fnv(h, lower(c));
  }
  let port: bool;
  if (u8at(b, s) == 0x5b) {
    port = rb >= s && u8at(b, rb + 1) == 0x3a && rb + 2 < e;
    for (let i = rb + 2; port && i < e; i++) if (<u32>(u8at(b, i) - 48) > 9) port = false;
  } else port = colon >= 0;
  if (!port) {
    const ts = out(kTransport);
    const te = out(kTransport + 1);
    let tls = false;
    if (ts >= 0 && te - ts == 3) {
      const c0 = lower(u8at(b, ts));
      const c1 = lower(u8at(b, ts + 1));
      const c2 = lower(u8at(b, ts + 2));
      tls = (c0 == 0x74 && c1 == 0x6c && c2 == 0x73) || (c0 == 0x77 && c1 == 0x73 && c2 == 0x73);
    }
    h = fnv(h, 0x3a);
    h = fnv(h, 0x35);
    h = fnv(h, 0x30);
    h = fnv(h, 0x36);
    h = fnv(h, tls ? 0x31 : 0x30);
  }
  return h;
}

/** True when `[s,e)` starts with the magic cookie `z9hG4bK` (RFC 3261 §8.1.1.7). */
function cookie(b: usize, s: i32, e: i32): bool {
  return (
    s >= 0 &&
    e - s >= 7 &&
    load<u32>(b + <usize>s) == 0x4768397a /* "z9hG" */ &&
    (load<u32>(b + <usize>s + 3) >>> 8) == 0x4b6234 /* "4bK" */
  );
}

/**
 * The method's code in the list of ingest-pass.ts `PASS_METHODS` (1-based: INVITE, ACK, BYE, CANCEL,
 * REGISTER, OPTIONS, PRACK, SUBSCRIBE, NOTIFY, PUBLISH, INFO, REFER, MESSAGE, UPDATE) when the octets
 * `[s, e)` are exactly that name (methods are case-sensitive, RFC 3261 §7.1), else 0. Reads 8 octets
 * from `s` (the message goes on after a method: a request line, or the CSeq line's CRLF and more).
 */
function methodCode(b: usize, s: i32, e: i32): i32 {
  const len = e - s;
  if (s < 0 || len < 3 || len > 9) return 0;
  const w = load<u64>(b + <usize>s);
  const v = len >= 8 ? w : w & ((<u64>1 << (<u64>len << 3)) - 1);
  switch (len) {
    case 3:
      return v == 0x4b4341 ? 2 : v == 0x455942 ? 3 : 0;
    case 4:
      return v == 0x4f464e49 ? 11 : 0;
    case 5:
      return v == 0x4b43415250 ? 7 : v == 0x5245464552 ? 12 : 0;
    case 6:
      if (v == 0x455449564e49) return 1;
      if (v == 0x4c45434e4143) return 4;
      if (v == 0x594649544f4e) return 9;
      return v == 0x455441445055 ? 14 : 0;
    case 7:
      if (v == 0x534e4f4954504f) return 6;
      if (v == 0x4853494c425550) return 10;
      return v == 0x4547415353454d ? 13 : 0;
    case 8:
      return v == 0x5245545349474552 ? 5 : 0;
    default:
      return v == 0x4249524353425553 && u8at(b, s + 8) == 0x45 ? 8 : 0;
  }
}

/** True when `[s, e)` and `[ps, pe)` hold the same octets. */
function sameOctets(b: usize, s: i32, e: i32, ps: i32, pe: i32): bool {
  const n = e - s;
  if (n != pe - ps) return false;
  let i = 0;
  for (; i + 8 <= n; i += 8) if (load<u64>(b + <usize>(s + i)) != load<u64>(b + <usize>(ps + i))) return false;
  for (; i < n; i++) if (u8at(b, s + i) != u8at(b, ps + i)) return false;
  return true;
}


/** Sets up the connection table at `at` with `slots` slots (a power of two), all empty. */
export function tcpSetup(at: usize, slots: i32): void {
  tcpBase = at;
  tcpMask = slots - 1;
  tcpCount = 0;
  memory.fill(at, 0, <usize>slots * <usize>SLOT);
}

// @ts-ignore: decorator
@inline function slotAt(i: i32): usize {
  return tcpBase + <usize>i * <usize>SLOT;
}

// @ts-ignore: decorator
@inline function tupleHash(src: i32, sp: i32, dst: i32, dp: i32): i32 {
  // Symmetric in the two ends: both directions of a connection land on the same slot.
  let h = (src ^ dst) * 0x85ebca6b + (sp ^ dp) * 0xc2b2ae35;
  h ^= h >>> 15;
  h *= 0x2c1b3c6d;
  h ^= h >>> 13;
  return h;
}

/**
 * The slot of connection `src:sp <-> dst:dp` (either direction), or -1. `foundRev` tells whether
 * `src` is the slot's second end.
 */
export function tcpFind(src: i32, sp: i32, dst: i32, dp: i32): i32 {
  if (tcpMask == 0) return -1;
  let i = tupleHash(src, sp, dst, dp) & tcpMask;
  const ports = (sp << 16) | dp;
  const rports = (dp << 16) | sp;
  while (load<i32>(slotAt(i)) != 0) {
    const a = slotAt(i);
    const x = load<i32>(a, 4);
    const y = load<i32>(a, 8);
    const pp = load<i32>(a, 12);
    if (x == src && y == dst && pp == ports) {
      foundRev = false;
      return i;
    }
    if (x == dst && y == src && pp == rports) {
      foundRev = true;
      return i;
    }
    i = (i + 1) & tcpMask;
  }
  return -1;
}

/** Whether the last `tcpFind` found the 4-tuple as the slot's second direction. */
export function tcpFoundRev(): i32 {
  return foundRev ? 1 : 0;
}

/**
 * A new slot for `src:sp -> dst:dp` (its first direction) with `owner`, or -1 when the table is half
 * full (then the connection is the JavaScript side's, unknown to the pass: it never takes it).
 */
export function tcpInsert(src: i32, sp: i32, dst: i32, dp: i32, owner: i32): i32 {
  if (tcpMask == 0 || (tcpCount + 1) * 2 > tcpMask + 1) return -1;
  let i = tupleHash(src, sp, dst, dp) & tcpMask;
  while (load<i32>(slotAt(i)) != 0) i = (i + 1) & tcpMask;
  const a = slotAt(i);
  store<i32>(a, owner);
  store<i32>(a, src, 4);
  store<i32>(a, dst, 8);
  store<i32>(a, (sp << 16) | dp, 12);
  store<i32>(a, tcpSerial++, 48);
  tcpCount++;
  return i;
}

/**
 * sip-framing.ts `scanContentLength` over one header line `[p, end)` (end after its LF): the value,
 * -2 when invalid, -1 when the line is not Content-Length / `l`.
 */
function lineContentLength(b: usize, p: i32, end: i32): i32 {
  const c0 = u8at(b, p) | 0x20;
  let q = -1;
  if (c0 == 0x6c) q = p + 1;
  else if (
    end - p >= 14 &&
    (u8at(b, p + 1) | 0x20) == 0x6f &&
    (u8at(b, p + 2) | 0x20) == 0x6e &&
    (u8at(b, p + 3) | 0x20) == 0x74 &&
    (u8at(b, p + 4) | 0x20) == 0x65 &&
    (u8at(b, p + 5) | 0x20) == 0x6e &&
    (u8at(b, p + 6) | 0x20) == 0x74 &&
    u8at(b, p + 7) == 0x2d &&
    (u8at(b, p + 8) | 0x20) == 0x6c &&
    (u8at(b, p + 9) | 0x20) == 0x65 &&
    (u8at(b, p + 10) | 0x20) == 0x6e &&
    (u8at(b, p + 11) | 0x20) == 0x67 &&
    (u8at(b, p + 12) | 0x20) == 0x74 &&
    (u8at(b, p + 13) | 0x20) == 0x68
  )
    q = p + 14;
  if (q < 0) return -1;
  while (q < end && (u8at(b, q) == 32 || u8at(b, q) == 9)) q++;
  if (u8at(b, q) != 0x3a) return -1;
  q++;
  while (q < end && (u8at(b, q) == 32 || u8at(b, q) == 9)) q++;
  let v = 0;
  let digits = 0;
  while (q < end && <u32>(u8at(b, q) - 48) <= 9) {
    if (digits < 10) v = v * 10 + u8at(b, q) - 48;
    digits++;
    q++;
  }
  while (q < end && (u8at(b, q) == 32 || u8at(b, q) == 9)) q++;
  if (digits == 0 || (q < end && u8at(b, q) != 13 && u8at(b, q) != 10) || digits > 9) return -2;
  return v;
}

/** The first LF in `[p, end)`, or -1. */
function lfFrom(b: usize, p: i32, end: i32): i32 {
  for (; p < end; p++) if (u8at(b, p) == 10) return p;
  return -1;
}

/**
 * Where the stream message whose start line ends at the LF `lf` ends (sip-framing.ts `scanHead`, then
 * the body by Content-Length), or -1 when `frameStream` would not emit it whole and unflagged from
 * `[.., end)`: header section or body incomplete, Content-Length missing, invalid or too large.
 */
function messageEnd(b: usize, lf: i32, end: i32): i32 {
  let cl = -1;
  let found = false;
  let he = -1;
  for (;;) {
    const ls = lf + 1;
    if (ls < end && u8at(b, ls) == 10) {
      he = ls + 1;
      break;
    }
    if (ls + 1 < end && u8at(b, ls) == 13 && u8at(b, ls + 1) == 10) {
      he = ls + 2;
      break;
    }
    if (ls + 1 >= end) return -1;
    const q = lfFrom(b, ls, end);
    if (q < 0) return -1;
    if (!found) {
      const c0 = u8at(b, ls) | 0x20;
      if (c0 == 0x6c || c0 == 0x63) {
        const v = lineContentLength(b, ls, q + 1);
        if (v != -1) {
          cl = v;
          found = true;
        }
      }
    }
    lf = q;
  }
  if (cl < 0 || cl > MAX_STREAM_BODY || he + cl > end) return -1;
  return he + cl;
}

/**
 * The messages of a call in column form (ingest-pass.ts S_*: the trace's column types), indexed by
 * message (P_MSG), so the trace copies runs of them with `TypedArray.set`.
 */
let stBase: usize = 0;
const SN: usize = 2048; // PASS_ROWS
/** Messages written in this call; the call's frame number base, stream offset base, ns fractions. */
let msgN: i32 = 0;
let frameBase: i32 = 0;
let recIdx: i32 = 0;
let streamBase: f64 = 0;
let nsFrac: bool = false;

export function stageSetup(at: usize): void {
  stBase = at;
}

/**
 * Ids the JavaScript side gave (ingest-pass.ts `passCacheOwner`): IPv4 address → address id in a
 * direct-mapped cache of 16,384 (address, id + 1) pairs, and the PASS_METHODS code → method id (0:
 * none yet). A message whose id is not there is flagged in P_FIX and the JavaScript side interns it.
 */
let addrBase: usize = 0;
let methBase: usize = 0;

export function cacheSetup(addr: usize, meth: usize): void {
  addrBase = addr;
  methBase = meth;
}

// @ts-ignore: decorator
@inline function addrSlot(ip: i32): usize {
  return addrBase + (<usize>(((ip * <i32>0x9e3779b1) >>> 18) & 16383) << 3);
}

/** The address id of IPv4 `ip`, or -1 when the cache does not have it. */
// @ts-ignore: decorator
@inline function addrId(ip: i32): i32 {
  const a = addrSlot(ip);
  return load<i32>(a) == ip ? load<i32>(a, 4) - 1 : -1;
}

/**
 * `live`: every row of this call so far was taken with both addresses' ids known (none left to the
 * JavaScript side), so a miss may be interned at once (`addrNew`) instead of flagged. `resolveOk`:
 * the row being written may do so (a UDP row of a live call).
 */
let live: bool = false;
let resolveOk: bool = false;

/** The address id of IPv4 `ip` the cache misses: interned now when `resolveOk` (-1: flagged). */
function addrMiss(ip: i32): i32 {
  if (!resolveOk) return -1;
  const a = addrSlot(ip);
  const id = addrNew(ip);
  if (id >= 0) {
    store<i32>(a, ip);
    store<i32>(a, id + 1, 4);
  }
  return id;
}

/** Rows of the TCP segment being read (`tcpSegment` writes them from `rowN`; at most `rowCap`). */
let rowTable: usize = 0;
let rowN: i32 = 0;
let rowCap: i32 = 0;
/** The Call-ID of the last taken row of this call (P_AUX's "same Call-ID" flag). */
let prevCs: i32 = -1;
let prevCe: i32 = -1;

/**
 * Scans the message `buf[ps, pend)` and writes its row fields from P_SRC on at `row` (addresses and
 * ports included); false (nothing decided) when the scan fails or the start line is not one
 * `sipStartLine` accepts (then the JavaScript path decides). `lf`: the start line's LF when the
 * caller framed the message (-1 for a datagram).
 */
function messageRow(buf: usize, row: usize, ps: i32, pend: i32, lf: i32, o: i32, u: i32): bool {
  if (scanAt(buf + <usize>ps, pend - ps, ps, SCAN_KEYS) != 1) return false;
  const kind = out(rKind);
  if (!startLine(buf, ps, kind)) return false;
  if (lf >= 0 && (out(rSle) + 1 != lf || u8at(buf, lf - 1) != 13)) return false;
  const cseq = out(rCseq);
  const ss = out(kSentBy);
  store<i32>(row, be32(buf, o + 12), 20);
  store<i32>(row, be32(buf, o + 16), 24);
  store<i32>(row, be16(buf, u), 28);
  store<i32>(row, be16(buf, u + 2), 32);
  store<i32>(row, ps, 36);
  store<i32>(row, pend, 40);
  store<i32>(row, kind, 44);
  store<i32>(row, kind == 1 ? out(rStatus) : 0, 48);
  const m = kind == 0 ? kMethod : kCseqM;
  const ms = out(m);
  const me = out(m + 1);
  const cs = out(kCallId);
  const ce = out(kCallId + 1);
  store<i32>(row, ms, 52);
  store<i32>(row, me, 56);
  store<i32>(row, cs, 60);
  store<i32>(row, ce, 64);
  // P_AUX: the method's code; 256 when the Call-ID is the previous taken row's (octet for octet)
  const same = cs >= 0 && prevCs >= 0 && sameOctets(buf, cs, ce, prevCs, prevCe);
  store<i32>(row, methodCode(buf, ms, me) | (same ? 256 : 0), 92);
  if (cs >= 0) {
    prevCs = cs;
    prevCe = ce;
  }
  store<i32>(row, cseq >= 0 ? cseq : 0, 68);
  store<i32>(row, out(rHBranch), 72);
  store<i32>(row, ss >= 0 && ipv4WithPort(buf, ss, out(kSentBy + 1)) ? out(rHSentBy) : sentByHash(buf), 76);
  store<i32>(row, out(rHFromTag), 80);
  const toTag = out(rHToTag);
  const kf = (cseq >= 0 ? 2 : 0) | (cookie(buf, out(kBranch), out(kBranch + 1)) ? 1 : 0);
  store<i32>(row, toTag, 84);
  store<i32>(row, kf, 88);
  // The message's columns (Trace.appendPassRows copies them as they are).
  const mi = <usize>msgN;
  const sip = be32(buf, o + 12);
  const dip = be32(buf, o + 16);
  let sid = addrId(sip);
  if (sid < 0) sid = addrMiss(sip);
  let did = addrId(dip);
  if (did < 0) did = addrMiss(dip);
  if (sid < 0 || did < 0) live = false;
  const code = load<i32>(row, 92) & 255;
  const mid = code != 0 ? load<i32>(methBase + (<usize>code << 2)) : 0;
  store<i32>(row, (sid < 0 ? 1 : 0) | (did < 0 ? 2 : 0) | (mid == 0 && ms >= 0 ? 4 : 0), 112);
  store<u32>(stBase + SN * 32 + (mi << 2), <u32>(sid < 0 ? 0 : sid));
  store<u32>(stBase + SN * 36 + (mi << 2), <u32>(did < 0 ? 0 : did));
  store<u16>(stBase + SN * 70 + (mi << 1), <u16>mid);
  store<i32>(row, msgN, 96);
  msgN++;
  const sec = <u32>load<i32>(row, 12);
  const frac = <u32>load<i32>(row, 16);
  const capLen = load<i32>(row, 8);
  const rec = load<i32>(row, 4);
  store<u32>(stBase + (mi << 2), <u32>(frameBase + recIdx));
  store<u32>(stBase + (SN << 2) + (mi << 2), <u32>(pend - ps));
  store<u32>(stBase + (SN << 3) + (mi << 2), <u32>(16 + capLen));
  store<u32>(stBase + SN * 12 + (mi << 2), <u32>load<i32>(row, 68));
  store<u32>(stBase + (SN << 4) + (mi << 2), <u32>load<i32>(row, 72));
  store<u32>(stBase + SN * 20 + (mi << 2), <u32>load<i32>(row, 76));
  store<u32>(stBase + SN * 24 + (mi << 2), <u32>load<i32>(row, 80));
  store<u32>(stBase + SN * 28 + (mi << 2), <u32>toTag);
  store<f64>(stBase + SN * 40 + (mi << 3), <f64>sec * 1e6 + <f64>(nsFrac ? frac / 1000 : frac));
  store<f64>(stBase + SN * 48 + (mi << 3), streamBase + <f64>ps);
  store<f64>(stBase + SN * 56 + (mi << 3), streamBase + <f64>rec);
  store<u16>(stBase + SN * 64 + (mi << 1), <u16>be16(buf, u));
  store<u16>(stBase + SN * 66 + (mi << 1), <u16>be16(buf, u + 2));
  store<u16>(stBase + SN * 68 + (mi << 1), <u16>load<i32>(row, 48));
  store<u8>(stBase + SN * 72 + mi, <u8>(lf >= 0 ? 1 : 0));
  store<u8>(stBase + SN * 73 + mi, <u8>(kind | (kf << 5)));
  return true;
}

/**
 * Analysis facts of a message (ingest-pass.ts AF_*, the trace's `af` column): what the tiered
 * analysis' tier 2 would otherwise scan the message again for. Read by one walk over the header lines
 * (RFC 3261 §7.3: CRLF lines, no folding); a message this walk cannot read as the parser reads it
 * (a bare LF, a folded line, whitespace before a colon of a header it looks at, a list in a Via, two
 * Content-Length fields, a Content-Length shorter than an SDP body...) gets 0: nothing known.
 */
const AF_VIA1: i32 = 1; // exactly one Via value
const AF_VIA2: i32 = 2; // exactly two Via values
const AF_SDP: i32 = 4; // an SDP body (Content-Type names sdp, body not empty) that runs to the message end
const AF_CONTACT: i32 = 8; // a Contact field is present
const AF_RR_LOOSE: i32 = 16; // no Record-Route, or each one a single <uri> with ;lr (no strict-routing check)
const AF_SENTBY_SRC: i32 = 32; // the top Via sent-by host is the packet's IPv4 source (dotted quad)
const AF_KNOWN: i32 = 64; // the facts were read
/** The header section's length (the body's offset in the message), set by `facts` with AF_SDP. */
let factHlen: i32 = 0;
/**
 * Where `facts` found the first Route and the first Record-Route field line (its offset from the
 * message start, + 1; 0: no such line), as the route-set rule's walk (analysis/route-set.ts
 * `routeHashes`, `isField`) finds them: the name in any case (every octet or-ed with 0x20, the
 * hyphen's too), SP/HT, then a colon. Read with {@link factsRoutes}; meaningful when AF_KNOWN.
 */
let factRoute: i32 = 0;
let factRecordRoute: i32 = 0;

/** After the name (`n` octets) of the line at `p`: SP/HT, then a colon (`routeHashes`' `isField`). */
// @ts-ignore: decorator
@inline function routeField(b: usize, p: i32, pend: i32, n: i32): bool {
  let c = p + n;
  while (c < pend && (u8at(b, c) == 32 || u8at(b, c) == 9)) c++;
  return c < pend && u8at(b, c) == 58;
}

/** Set by {@link lfSimd}: a "," comes before the LF it found (or may: octets past `end` count too). */
let lineComma: bool = false;

/**
 * The first LF in `[p, end)` (16 octets at a time; octets past `end` may be read), or `end`; sets
 * `lineComma` when a "," comes first.
 */
function lfSimd(b: usize, p: i32, end: i32): i32 {
  const k = i8x16.splat(10);
  const kc = i8x16.splat(44);
  lineComma = false;
  while (p < end) {
    const v = v128.load(b + <usize>p);
    const m = i8x16.bitmask(i8x16.eq(v, k));
    const c = i8x16.bitmask(i8x16.eq(v, kc));
    if (m != 0) {
      const z = ctz<i32>(m);
      if ((c & ((1 << z) - 1)) != 0) lineComma = true;
      const q = p + z;
      return q < end ? q : end;
    }
    if (c != 0) lineComma = true;
    p += 16;
  }
  return end;
}

/** {@link lfSimd} without the comma. */
// @ts-ignore: decorator
@inline function lfOnly(b: usize, p: i32, end: i32): i32 {
  const k = i8x16.splat(10);
  while (p < end) {
    const m = i8x16.bitmask(i8x16.eq(v128.load(b + <usize>p), k));
    if (m != 0) {
      const q = p + ctz<i32>(m);
      return q < end ? q : end;
    }
    p += 16;
  }
  return end;
}

/** The octets `[p, p + 8)` or-ed with `mask` equal `w` (a name's letters in lower case). */
// @ts-ignore: decorator
@inline function w8(b: usize, p: i32, mask: u64, w: u64): bool {
  return (load<u64>(b + <usize>p) | mask) == w;
}

/** After a matched name at `q`: 1 a colon follows, -1 SP or HT (the parser allows it: not read here), 0 another octet. */
// @ts-ignore: decorator
@inline function afterName(b: usize, q: i32): i32 {
  const c = u8at(b, q);
  return c == 58 ? 1 : c == 32 || c == 9 ? -1 : 0;
}

/** The IPv4 dotted quad `[s, e)` in canonical form (no leading zero, each part 0..255), or -1 (as u32: the address). */
function dottedQuad(b: usize, s: i32, e: i32): i64 {
  let v: u32 = 0;
  let parts = 0;
  let i = s;
  while (parts < 4) {
    const ps = i;
    let x = 0;
    while (i < e && <u32>(u8at(b, i) - 48) <= 9 && i - ps < 3) {
      x = x * 10 + u8at(b, i) - 48;
      i++;
    }
    if (i == ps || x > 255 || (i - ps > 1 && u8at(b, ps) == 48)) return -1;
    v = (v << 8) | <u32>x;
    parts++;
    if (parts < 4) {
      if (i >= e || u8at(b, i) != 46) return -1;
      i++;
    }
  }
  return i == e ? <i64>v : -1;
}

/**
 * The facts of the message `[ps, pend)` (after a successful SCAN_KEYS scan: the start line's CR at
 * R_SLE, the top Via sent-by span), `src` its IPv4 source. See AF_*.
 */
function facts(b: usize, ps: i32, pend: i32, src: i32, sle: i32, ss: i32, se0: i32): i32 {
  factRoute = 0;
  factRecordRoute = 0;
  let p = sle;
  if (p + 1 >= pend || u8at(b, p + 1) != 10) return 0;
  p += 2;
  let via = 0;
  let f = AF_RR_LOOSE;
  let ctSeen = false;
  let sdp = false;
  let clN = 0;
  let cl = -1;
  let he = -1;
  let firstVia = -1;
  while (p < pend) {
    const c = u8at(b, p);
    if (c == 13) {
      if (p + 1 < pend && u8at(b, p + 1) == 10) he = p + 2;
      break;
    }
    if (c == 32 || c == 9 || c == 10) return 0; // folded, bare LF
    const lc = c | 0x20;
    // (commas matter on Via and Record-Route lines only)
    const lf = lc == 0x76 || lc == 0x72 ? lfSimd(b, p, pend) : lfOnly(b, p, pend);
    if (lf + 1 >= pend || u8at(b, lf - 1) != 13) return 0; // unterminated, bare LF
    if (lc == 0x76) {
      // "v:" / "via:"
      let a = afterName(b, p + 1);
      let q = p + 1;
      if (a == 0 && ((load<u32>(b + <usize>p) | 0x00202020) & 0x00ffffff) == 0x616976) {
        a = afterName(b, p + 3);
        q = p + 3;
      }
      if (a < 0) return 0;
      if (a > 0) {
        if (via == 0) firstVia = q + 1;
        // one value: no comma, not empty
        if (lineComma) return 0;
        let i = q + 1;
        while (i < lf - 1 && (u8at(b, i) == 32 || u8at(b, i) == 9)) i++;
        if (i >= lf - 1) return 0;
        via++;
      }
    } else if (lc == 0x63 || lc == 0x6d || lc == 0x6c) {
      // "m:" / "contact:", "c:" / "content-type:", "l:" / "content-length:"
      let kind = 0; // 1 Contact, 2 Content-Type, 3 Content-Length
      let q = p + 1;
      let a = afterName(b, q);
      if (a != 0) kind = lc == 0x6d ? 1 : lc == 0x63 ? 2 : 3;
      else if (lc == 0x63 && ((load<u64>(b + <usize>p) | 0x0020202020202020) & 0x00ffffffffffffff) == 0x746361746e6f63) {
        q = p + 7; // "contact"
        kind = 1;
        a = afterName(b, q);
      } else if (lc == 0x63 && w8(b, p, 0x0020202020202020, 0x2d746e65746e6f63)) {
        // "content-"
        if ((load<u32>(b + <usize>p + 8) | 0x20202020) == 0x65707974) {
          q = p + 12;
          kind = 2;
        } else if (
          (load<u32>(b + <usize>p + 8) | 0x20202020) == 0x676e656c &&
          (load<u16>(b + <usize>p + 12) | 0x2020) == 0x6874
        ) {
          q = p + 14;
          kind = 3;
        }
        if (kind != 0) a = afterName(b, q);
      }
      if (a < 0) return 0;
      if (a > 0) {
        if (kind == 1) f |= AF_CONTACT;
        else if (kind == 2) {
          if (!ctSeen) {
            // the first Content-Type: does it name sdp (any case)?
            ctSeen = true;
            for (let i = q + 1; i + 3 <= lf - 1; i++)
              if ((u8at(b, i) | 0x20) == 0x73 && (u8at(b, i + 1) | 0x20) == 0x64 && (u8at(b, i + 2) | 0x20) == 0x70) {
                sdp = true;
                break;
              }
          }
        } else if (kind == 3) {
          if (++clN > 1) return 0;
          let i = q + 1;
          while (u8at(b, i) == 32 || u8at(b, i) == 9) i++;
          const ds = i;
          let v = 0;
          while (<u32>(u8at(b, i) - 48) <= 9 && i - ds < 9) {
            v = v * 10 + u8at(b, i) - 48;
            i++;
          }
          while (u8at(b, i) == 32 || u8at(b, i) == 9) i++;
          if (i == ds || i != lf - 1) return 0;
          cl = v;
        }
      }
    } else if (lc == 0x72) {
      // the route-set rule's lines (see factRoute): "route", "record-route" (`isField`'s match)
      if (factRoute == 0 && (load<u32>(b + <usize>p) | 0x20202020) == 0x74756f72 && (u8at(b, p + 4) | 0x20) == 0x65) {
        if (routeField(b, p, pend, 5)) factRoute = p - ps + 1;
      } else if (
        factRecordRoute == 0 &&
        (load<u64>(b + <usize>p) | 0x2020202020202020) == 0x722d64726f636572 &&
        (load<u32>(b + <usize>p + 8) | 0x20202020) == 0x6574756f &&
        routeField(b, p, pend, 12)
      )
        factRecordRoute = p - ps + 1;
      // "record-route:"
      if (
        w8(b, p, 0x2000202020202020, 0x722d64726f636572) &&
        (load<u32>(b + <usize>p + 8) | 0x20202020) == 0x6574756f
      ) {
        const a = afterName(b, p + 12);
        if (a < 0) return 0;
        if (a > 0 && (f & AF_RR_LOOSE) != 0) {
          // analysis/message-view.ts recordRoutesLoose: one <uri> holding ;lr then ";", "=" or ">"
          // (the first "<" and the first ">" of the value; no comma in the line)
          let lt = -1;
          let gt = -1;
          let loose = !lineComma;
          for (let i = p + 13; loose && i < lf - 1; i++) {
            const x = u8at(b, i);
            if (x == 60 && lt < 0) lt = i;
            else if (x == 62) {
              gt = i;
              break;
            }
          }
          if (loose && (lt < 0 || gt < lt)) loose = false;
          if (loose) {
            loose = false;
            for (let j = lt + 1; j + 3 <= gt; j++) {
              if (u8at(b, j) != 59 || (u8at(b, j + 1) | 0x20) != 0x6c || (u8at(b, j + 2) | 0x20) != 0x72) continue;
              const x = j + 3 == gt ? 59 : u8at(b, j + 3);
              if (x == 59 || x == 61) {
                loose = true;
                break;
              }
            }
          }
          if (!loose) f &= ~AF_RR_LOOSE;
        }
      }
    }
    p = lf + 1;
  }
  if (he < 0) return 0;
  if (via == 1) f |= AF_VIA1;
  else if (via == 2) f |= AF_VIA2;
  // body framing as parse.ts frameBody: Content-Length when it fits, else to the end
  const avail = pend - he;
  const blen = clN == 0 || cl > avail ? avail : cl;
  if (sdp && blen > 0) {
    if (blen != avail || he - ps > 65535) return 0;
    f |= AF_SDP;
    factHlen = he - ps;
  }
  // the top Via sent-by host (no brackets, at most one colon) as the source's dotted quad
  let se = se0;
  if (ss == -2) {
    // the top Via's sent-by read here: "SIP/2.0/" transport SP sent-by, then ";" or the CR
    ss = -1;
    if (firstVia >= 0 && via > 0) {
      let i = firstVia;
      while (u8at(b, i) == 32 || u8at(b, i) == 9) i++;
      if (load<u64>(b + <usize>i) == 0x2f302e322f504953 /* "SIP/2.0/" */) {
        i += 8;
        const ts = i;
        while (<u32>((u8at(b, i) | 0x20) - 0x61) < 26) i++;
        if (i > ts && u8at(b, i) == 32) {
          i++;
          const s0 = i;
          while (<u32>(u8at(b, i) - 48) <= 9 || u8at(b, i) == 46 || u8at(b, i) == 58) i++;
          if (i > s0 && (u8at(b, i) == 59 || u8at(b, i) == 13)) {
            ss = s0;
            se = i;
          }
        }
      }
    }
  }
  if (ss >= 0 && se > ss) {
    let colon = -1;
    let many = false;
    for (let i = ss; i < se; i++)
      if (u8at(b, i) == 58) {
        if (colon >= 0) many = true;
        colon = i;
      }
    if (!many) {
      if (colon >= 0) se = colon;
      const v = dottedQuad(b, ss, se);
      if (v >= 0 && <u32>v == <u32>src) f |= AF_SENTBY_SRC;
    }
  }
  return f | AF_KNOWN;
}

/**
 * The analysis facts (AF_*) of the message at `ptr`, `len` octets (copied there by the JavaScript
 * side: capture/ingest-pass.ts `messageFacts`), whose packet came from IPv4 `src` (-1: not IPv4): the
 * start line's CRLF and the top Via's sent-by are read here. With AF_SDP, {@link factsHlen} is the
 * header section's length.
 */
export function messageFacts(ptr: usize, len: i32, src: i32): i32 {
  factHlen = 0;
  if (len <= 0) return 0;
  const lf = lfSimd(ptr, 0, len);
  if (lf >= len || lf < 1 || u8at(ptr, lf - 1) != 13) return 0;
  const f = facts(ptr, 0, len, src, lf - 1, -2, -1);
  if (src == -1) return f & ~AF_SENTBY_SRC;
  return f;
}

/** The header section's length of the last {@link messageFacts} with AF_SDP. */
export function factsHlen(): i32 {
  return factHlen;
}

/**
 * Where the last {@link messageFacts} with AF_KNOWN found the first Route and the first Record-Route
 * field line (`factRoute | factRecordRoute << 16`: each the line's offset in the message + 1, 0 when
 * absent; a message the walk reads is at most 64 KiB, so each fits in 16 bits).
 */
export function factsRoutes(): i32 {
  return factRoute | (factRecordRoute << 16);
}

/** `tcpSegment`'s answers besides a row count. */
const SEG_DECLINE: i32 = -1;
const SEG_FULL: i32 = -2;

/**
 * One TCP segment of a direction in state `bits`/`next` (D_*): the rows it gives from `rowN` (the
 * record's fields P_REC..P_FRAC copied from `first`), or SEG_DECLINE when the JavaScript reassembly
 * must read it, SEG_FULL when its messages do not fit in the table. On success the direction's new
 * state is in `segBits`/`segNext` and its bytes in `segLen`.
 */
let segBits: i32 = 0;
let segNext: i32 = 0;
let segLen: i32 = 0;
/** The sequence number that set D_SEQ (kept in the slot when this segment set it: a split's check). */
let segFirst: i32 = 0;
function tcpSegment(buf: usize, first: usize, o: i32, u: i32, hl: i32, pe: i32, bits: i32, next: i32): i32 {
  const flags = u8at(buf, u + 13);
  if ((flags & 5) != 0) return SEG_DECLINE; // FIN or RST
  const seq = be32(buf, u + 4);
  const ps = u + hl;
  const len = pe - ps;
  segLen = 0;
  if ((flags & 2) != 0) {
    // SYN: the next sequence number is seq + 1 (RFC 9293 §3.4); with data or again, JavaScript's.
    if (len != 0 || (bits & D_SEQ) != 0) return SEG_DECLINE;
    segBits = bits | D_SEQ | D_SYN;
    segNext = seq + 1;
    segFirst = seq;
    store<i32>(first, T_TCP_NONE);
    store<i32>(first, msgN, 96);
    return 1;
  }
  segBits = bits;
  segNext = next;
  segLen = 0;
  if (len == 0) {
    store<i32>(first, T_TCP_NONE);
    store<i32>(first, msgN, 96);
    return 1;
  }
  if ((bits & D_SEQ) != 0 && seq != next) return SEG_DECLINE;
  segFirst = seq;
  segBits = bits | D_SEQ;
  segNext = seq + len;
  segLen = len;
  let p = ps;
  let sip = (bits & D_SIP) != 0;
  let k = 0;
  while (p < pe) {
    const c = u8at(buf, p);
    if (c == 13 || c == 10) {
      p++;
      continue;
    }
    // Detection (SipStreamConsumer 'detect'): HEPv3 would be taken as HEP; the rest must be SIP.
    if (!sip && pe - p >= 6 && load<u32>(buf + <usize>p) == 0x33504548 /* "HEP3" */) return SEG_DECLINE;
    const lf = lfFrom(buf, p, pe);
    if (lf < 0) return SEG_DECLINE;
    const me = messageEnd(buf, lf, pe);
    if (me < 0) return SEG_DECLINE;
    if (rowN + k >= rowCap) return SEG_FULL;
    const row = rowTable + ((<usize>(rowN + k) * <usize>STRIDE) << 2);
    if (row != first) memory.copy(row + 4, first + 4, 16);
    if (!messageRow(buf, row, p, me, lf, o, u)) return SEG_DECLINE;
    store<i32>(row, k == 0 ? T_TCP : T_TCP_MORE);
    sip = true;
    k++;
    p = me;
  }
  if (sip) segBits |= D_SIP;
  if (k == 0) {
    store<i32>(first, T_TCP_NONE);
    store<i32>(first, msgN, 96);
    return 1;
  }
  return k;
}

/**
 * True when a record the pass declines cannot reach the JavaScript TCP reassembly (so the pass may
 * read on past it in TCP mode): too short for Ethernet, an EtherType that carries no IP, or IPv4 UDP.
 */
function harmless(buf: usize, s: i32, e: i32): bool {
  if (e - s < 14) return true;
  const t = be16(buf, s + 12);
  if (t == 0x0800) {
    const o = s + 14;
    if (o + 20 > e) return true;
    // UDP (fragments too: reassembled, they reach the UDP stage only)
    return (u8at(buf, o) >> 4) == 4 && u8at(buf, o + 9) == 17;
  }
  return t <= 1500 || !(t == 0x86dd || t == 0x8100 || t == 0x88a8 || t == 0x9100 || t == 0x9200 || t == 0x8847 || t == 0x8848 || t == 0x8864);
}

/**
 * Walks the records of `buf[start, end)` (`buf` an address in memory; offsets relative to it) and
 * writes one row per whole record at `table` (at most `cap` rows; a TCP segment one per message, see
 * above). Stops at the end, before a partial record, before a record whose length is corrupt, when
 * the table is full, and in TCP mode (`tcp` = 1) after a record it declines without knowing it cannot
 * touch a TCP connection; `stopped()` then gives where. `le`: the file's byte order is little-endian.
 * Returns the number of rows.
 */
export function pass(
  buf: usize,
  start: i32,
  end: i32,
  le: i32,
  table: usize,
  cap: i32,
  tcp: i32,
  base: f64,
  ns: i32,
  frame0: i32,
): i32 {
  let p = start;
  let n = 0;
  const little = le != 0;
  streamBase = base;
  nsFrac = ns != 0;
  frameBase = frame0;
  recIdx = -1;
  msgN = 0;
  declinedN = 0;
  udpCum = 0;
  byteCum = 0;
  let takenN = 0;
  rowTable = table;
  rowCap = cap;
  prevCs = -1;
  prevCe = -1;
  live = true;
  while (n < cap && end - p >= 16) {
    if (n != takenN) live = false; // a declined row: the JavaScript side decodes it after this call
    const capLen = rec32(buf, p + 8, little);
    if (capLen > MAX_RECORD || <u32>(end - p - 16) < capLen) break;
    const row = table + ((<usize>n * <usize>STRIDE) << 2);
    const s = p + 16;
    const e = s + <i32>capLen;
    store<i32>(row, 0);
    store<i32>(row, p, 4);
    store<i32>(row, <i32>capLen, 8);
    store<i32>(row, <i32>rec32(buf, p, little), 12);
    store<i32>(row, <i32>rec32(buf, p + 4, little), 16);
    const rec = p;
    n++;
    recIdx++;
    p = e;
    // CapturePipeline #fastUdp's conditions, in its order.
    const o = s + 14;
    if (o + 28 > e || load<u16>(buf + <usize>s + 12) != 0x0008 || u8at(buf, o) != 0x45) {
      if (tcp != 0 && !harmless(buf, s, e)) break;
      continue;
    }
    const proto = u8at(buf, o + 9);
    const total = be16(buf, o + 2);
    if (proto == 6 && tcp != 0) {
      if (((u8at(buf, o + 6) & 0x3f) | u8at(buf, o + 7)) != 0 || total < 40 || o + total > e) break;
      const u = o + 20;
      const hl = (u8at(buf, u + 12) >> 4) << 2;
      if (hl < 20 || u + hl > o + total) break;
      const src = be32(buf, o + 12);
      const dst = be32(buf, o + 16);
      const sp = be16(buf, u);
      const dp = be16(buf, u + 2);
      if (src == dst && sp == dp) continue; // one 4-tuple for both directions: JavaScript's
      const slot = tcpFind(src, sp, dst, dp);
      let a: usize = 0;
      let d = 0;
      let bits = 0;
      let next = 0;
      if (slot >= 0) {
        a = slotAt(slot);
        if (load<i32>(a) != OWN_PASS) continue;
        d = foundRev ? 8 : 0;
        bits = load<i32>(a + <usize>d, 16);
        next = load<i32>(a + <usize>d, 20);
      }
      let k = SEG_DECLINE;
      const cs0 = prevCs;
      const ce0 = prevCe;
      const m0 = msgN;
      if (capLen >= rec32(buf, s - 4, little)) {
        store<i32>(row, src, 20);
        store<i32>(row, dst, 24);
        store<i32>(row, sp, 28);
        store<i32>(row, dp, 32);
        rowN = n - 1;
        resolveOk = false;
        k = tcpSegment(buf, row, o, u, hl, o + total, bits, next);
      }
      if (k < 0) {
        prevCs = cs0;
        prevCe = ce0;
        msgN = m0;
      }
      if (k == SEG_FULL) {
        n--;
        p = rec;
        break;
      }
      if (k == SEG_DECLINE) {
        store<i32>(row, 0);
        if (slot >= 0) store<i32>(a, OWN_RELEASED);
        else tcpInsert(src, sp, dst, dp, OWN_JS);
        continue;
      }
      if (slot < 0) {
        const i = tcpInsert(src, sp, dst, dp, OWN_PASS);
        if (i < 0) {
          // No room: the connection is JavaScript's (it decodes this segment again, as declined).
          prevCs = cs0;
          prevCe = ce0;
          msgN = m0;
          store<i32>(row, 0);
          n = rowN + 1;
          continue;
        }
        a = slotAt(i);
      }
      // The first sequence number of the direction (slot Int32 13 + d): a split's tail part reads
      // from the cut, and its head part checks its streams continue there (capture/pipeline.ts).
      if ((bits & D_SEQ) == 0 && (segBits & D_SEQ) != 0) store<i32>(a + <usize>(d >> 1), segFirst, 52);
      store<i32>(a + <usize>d, segBits, 16);
      store<i32>(a + <usize>d, segNext, 20);
      if (segLen > 0) store<f64>(a + <usize>d, load<f64>(a + <usize>d, 32) + <f64>segLen, 32);
      byteCum += <i32>capLen;
      counts(table, rowN, k, recIdx);
      if (load<i32>(row) == T_TCP_NONE) {
        const fix = (addrId(src) < 0 ? 1 : 0) | (addrId(dst) < 0 ? 2 : 0);
        store<i32>(row, fix, 112);
        if (fix != 0) live = false;
      }
      takenN += k;
      n = rowN + k;
      continue;
    }
    if (proto != 17 || ((u8at(buf, o + 6) & 0x3f) | u8at(buf, o + 7)) != 0) {
      if (tcp != 0 && !harmless(buf, s, e)) break;
      continue;
    }
    if (total < 28 || o + total > e || capLen < rec32(buf, s - 4, little)) continue;
    const u = o + 20;
    const ulen = be16(buf, u + 4);
    let pend = o + total;
    if (ulen >= 8 && u + ulen < pend) pend = u + ulen;
    const ps = u + 8;
    if (ps >= pend) continue;
    resolveOk = live;
    if (!messageRow(buf, row, ps, pend, -1, o, u)) continue;
    store<i32>(row, T_UDP);
    udpCum++;
    takenN++;
    byteCum += <i32>capLen;
    counts(table, n - 1, 1, recIdx);
  }
  stopAt = p;
  declinedN = n - takenN;
  return n;
}

/** The second word of the last {@link bodyHash}. */
let bodyH2: i32 = 0;

/**
 * analysis/sdp-summary.ts `sdpBodyHash` of the octets at [p, p + len) (their first 64 KiB, the
 * length included): the first word, {@link bodyHash2} the second. The same steps: each little-endian
 * 32-bit word, then the tail octet by octet (the facts ahead hash a body the walk found in the region
 * copied here, instead of in JavaScript).
 */
export function bodyHash(p: usize, len: i32): i32 {
  const n = len < 65536 ? len : 65536;
  let h1: i32 = <i32>0x811c9dc5 ^ n;
  let h2: i32 = <i32>0x5bd1e995 ^ n;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const w = load<i32>(p + <usize>i);
    h1 = (h1 ^ w) * 0x01000193;
    h2 = (h2 ^ w) * 0x5bd1e995;
    h2 ^= h2 >>> 15;
  }
  for (; i < n; i++) {
    const c = <i32>load<u8>(p + <usize>i);
    h1 = (h1 ^ c) * 0x01000193;
    h2 = (h2 ^ c) * 0x5bd1e995;
    h2 ^= h2 >>> 15;
  }
  bodyH2 = h2;
  return h1;
}

export function bodyHash2(): i32 {
  return bodyH2;
}
