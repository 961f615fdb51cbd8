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
// Memory: the scanner instance's memory (imported). This module has no static data; it reads the
// scanner's output at the addresses `layout` gives and writes rows where `pass` is told to.
// RFC 3261 §7.1/§7.2 (start lines), §17.2.3 (the sent-by as a transaction key); RFC 791, RFC 768;
// pcap-savefile(5).

// @ts-ignore: decorator
@external("scan", "scanAt")
declare function scanAt(ptr: usize, len: i32, d: i32, mode: i32): i32;

/** Row layout (i32 each): see src/sip-core/capture/ingest-pass.ts (P_* constants). */
const STRIDE: i32 = 24;
/** A record longer than this is corrupt (reader/pcap.ts MAX_RECORD): the JavaScript reader reports it. */
const MAX_RECORD: u32 = 16 * 1024 * 1024;
/** Longest start line looked at (sip-framing.ts MAX_START_LINE). */
const MAX_START_LINE: i32 = 64 * 1024;
const SCAN_KEYS: i32 = 2;

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

/**
 * Walks the records of `buf[start, end)` (`buf` an address in memory; offsets relative to it) and
 * writes one row per whole record at `table` (at most `cap` rows). Stops at the end, before a partial
 * record, before a record whose length is corrupt, or when the table is full; `stopped()` then gives
 * where. `le`: the file's byte order is little-endian. Returns the number of rows.
 */
export function pass(buf: usize, start: i32, end: i32, le: i32, table: usize, cap: i32): i32 {
  let p = start;
  let n = 0;
  const little = le != 0;
  let prevCs = -1; // the Call-ID of the last taken row of this call
  let prevCe = -1;
  while (n < cap && end - p >= 16) {
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
    n++;
    p = e;
    // CapturePipeline #fastUdp's conditions, in its order.
    const o = s + 14;
    if (o + 28 > e || load<u16>(buf + <usize>s + 12) != 0x0008 || u8at(buf, o) != 0x45) continue;
    if (u8at(buf, o + 9) != 17 || ((u8at(buf, o + 6) & 0x3f) | u8at(buf, o + 7)) != 0) continue;
    const total = be16(buf, o + 2);
    if (total < 28 || o + total > e || capLen < rec32(buf, s - 4, little)) continue;
    const u = o + 20;
    const ulen = be16(buf, u + 4);
    let pend = o + total;
    if (ulen >= 8 && u + ulen < pend) pend = u + ulen;
    const ps = u + 8;
    if (ps >= pend || scanAt(buf + <usize>ps, pend - ps, ps, SCAN_KEYS) != 1) continue;
    const kind = out(rKind);
    if (!startLine(buf, ps, kind)) continue;
    const cseq = out(rCseq);
    const ss = out(kSentBy);
    store<i32>(row, 1);
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
    store<i32>(row, out(rHToTag), 84);
    store<i32>(row, (cseq >= 0 ? 2 : 0) | (cookie(buf, out(kBranch), out(kBranch + 1)) ? 1 : 0), 88);
  }
  stopAt = p;
  return n;
}
