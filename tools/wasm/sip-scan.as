// The SIP key-field scanner: AssemblyScript source of src/sip-core/message/sip-scan.wasm.ts
// (regenerate with `node tools/wasm/build-sip-scan.js`; a test checks the checked-in bytes equal the
// output of this source).
//
// It is the fast path of `parseMessage` (src/sip-core/message/parse.ts) for the well-formed common case:
// one call scans a whole message copied into this module's memory, 16 octets at a time for line ends
// (WebAssembly SIMD), and writes the same index the JavaScript parser writes (key field spans, then
// name/value spans and key id of every header field) plus the scalar key fields. On anything the
// JavaScript parser would flag with a diagnostic (bare LF, folding, junk, a malformed key header...) it
// returns 0 ("bail out") and the caller runs the full parser: so the two agree by construction, which
// test/sip-core/message/fast-scan.test.ts checks on every fixture, the public captures and generated
// messages. Every rule below names the parse.ts function it mirrors. RFC 3261 §7, §7.3, §20, §25.
//
// Memory layout (fixed; AssemblyScript's own static data starts at --memoryBase 131072):
//   [0, 256)           token-character table (RFC 3261 §25.1), filled by init()
//   [IN, IN + IN_CAP)   the message, followed by 16 zero octets (written by scan)
//   [OUT, ...)          results, i32: see R_* below; key spans at OUT + 4*KEY, headers after them
//   [196608, ...)       memory grown by the JS side: fast-scan.ts's index ring (where scanInto writes
//                       each message's index, read there by the message), then the arena: bytes a
//                       caller places there are scanned in place by scanAt, without a copy

const TOK: usize = 0;
const IN: usize = 1024;
const IN_CAP: i32 = 65536;
const OUT: usize = 66624;
const MAXH: i32 = 3000;

// result slots (i32 index from OUT)
const R_KIND = 1; // 0 request, 1 response
const R_STATUS = 2;
const R_NH = 3;
const R_BODY = 4;
const R_CLCOUNT = 5;
const R_CLVALUE = 6;
const R_CSEQ = 7;
const R_MAXF = 8;
const R_VIA = 9;
const R_ROUTE = 10;
const R_RR = 11;
const R_SLE = 12;
const KEY = 16; // 14 key fields x 2 (start, end), then 5 numbers per header field
const NKEY = 14;
const HS = 5;
// mode 2 ("analysis keys") writes no header index: these slots, right after the key spans, hold the
// 32-bit FNV-1a hash of the octets of the top Via branch, the top Via sent-by, the From tag and the To
// tag (0 when the field is absent)
const R_HBRANCH = KEY + 2 * NKEY;
const R_HSENTBY = R_HBRANCH + 1;
const R_HFROMTAG = R_HBRANCH + 2;
const R_HTOTAG = R_HBRANCH + 3;

// key field numbers (sip-message.ts F_*)
const F_METHOD = 0;
const F_URI = 1;
const F_VERSION = 2;
const F_REASON = 3;
const F_CALLID = 4;
const F_CSEQM = 5;
const F_BRANCH = 6;
const F_SENTBY = 7;
const F_TRANSPORT = 8;
const F_RECEIVED = 9;
const F_RPORT = 10;
const F_FROMTAG = 11;
const F_TOTAG = 12;
const F_CTYPE = 13;

// key header ids (parse.ts ID_*)
const ID_VIA = 1;
const ID_FROM = 2;
const ID_TO = 3;
const ID_CALLID = 4;
const ID_CSEQ = 5;
const ID_MAXF = 6;
const ID_CLEN = 7;
const ID_CTYPE = 8;
const ID_ROUTE = 9;
const ID_RR = 10;
const ID_CONTACT = 11;

// Character classes for 16-octet searches: 32 octets each (a "shufti" pair of nibble tables: octet c
// is in the class when lo[c & 15] & hi[c >> 4] is not 0; only ASCII classes, so hi[8..15] = 0).
const C_TOKEN: usize = 256; // RFC 3261 token characters (searched for the first octet NOT in it)
const C_VIASTOP: usize = 288; // ";" "," SP HT CR LF: end of a Via sent-by or parameter value
const C_TAGSTOP: usize = 320; // ";" SP HT CR LF: end of a From/To parameter value
const C_ADDR: usize = 352; // DQUOTE "<" ";": what findTag looks for first
const C_URISTOP: usize = 384; // CTL, SP, DEL: end of the Request-URI
// Constant vectors (16 equal octets each), filled by init(): loaded from memory where they are used,
// as V8 otherwise builds each splat anew on every use (three instructions) inside the loops.
const K_0F: usize = 512;
const K_0A: usize = 528; // LF
const K_2C: usize = 544; // ","
const K_20: usize = 560;
const K_61: usize = 576; // "a"
const K_19: usize = 592; // 25
const K_2D: usize = 608; // "-"
const K_3A: usize = 624; // ":"
const K_3B: usize = 768; // ";"
const K_22: usize = 784; // DQUOTE
const K_3C: usize = 800; // "<"
// Key header names by a perfect hash of (length, first two octets): KH_ID[h] the id (0: none), KH_LEN[h]
// the name's length, KH_NAME + 16 h its octets with bit 5 set (letters in lower case), zero-padded;
// KH_MASK + 16 n: n octets 0xff, the rest 0. (Above the scanner's output, below its static data.)
const KH_ID: usize = 640;
const KH_LEN: usize = 704;
const KH_NAME: usize = 127232;
const KH_MASK: usize = 128256;

function addClass(t: usize, c: i32): void {
  const bit: i32 = 1 << (c >> 4);
  const a = t + <usize>(c & 15);
  store<u8>(a, <i32>load<u8>(a) | bit);
}
/** The hash keyId uses: 6 bits from the name's length and its first two octets (any case). */
// @ts-ignore: decorator
@inline function keyHash6(n: i32, c0: i32, c1: i32): usize {
  return <usize>((n * 3 + (c0 & 31) + ((c1 & 31) << 2)) & 63);
}
function addKeyName(s: string, id: i32): void {
  const n = s.length;
  const c1 = n > 1 ? s.charCodeAt(1) : 58;
  const h = keyHash6(n, s.charCodeAt(0), c1);
  store<u8>(KH_ID + h, id);
  store<u8>(KH_LEN + h, n);
  for (let i = 0; i < n; i++) store<u8>(KH_NAME + (h << 4) + <usize>i, s.charCodeAt(i) | 0x20);
}
function initClass(t: usize): void {
  for (let h = 0; h < 8; h++) {
    const bit: i32 = 1 << h;
    store<u8>(t + 16 + <usize>h, bit);
  }
}

/** Where the message being scanned by scanAt starts in memory (a place in the arena). */
let base: usize = IN;
/**
 * Address of octet p of the message. Every function that reads the message takes a type parameter M
 * only to choose, at compile time, between the copy at IN (M = u8: a constant offset in each load)
 * and the arena (M = u16: `base`), so the copy path pays nothing for the arena.
 */
// @ts-ignore: decorator
@inline function ptr<M>(p: i32): usize {
  return sizeof<M>() == 1 ? IN + <usize>p : base + <usize>p;
}
let delta: i32 = 0; // added to every position written: the message's offset in the caller's buffer
/**
 * Where the key field spans (and, in mode 0, the header index after them) are written: the output's
 * slot KEY for {@link scan} and {@link scanAt}; a place the caller names for {@link scanInto} and
 * {@link scanAtInto} (the JavaScript side's index ring, fast-scan.ts).
 */
let kb: usize = OUT + (<usize>KEY << 2);
/** Most header fields mode 0 indexes (more: the full parser runs). */
let maxh: i32 = MAXH;

export function init(): void {
  for (let c = 0x30; c <= 0x39; c++) store<u8>(TOK + c, 1);
  for (let c = 0x41; c <= 0x5a; c++) store<u8>(TOK + c, 1);
  for (let c = 0x61; c <= 0x7a; c++) store<u8>(TOK + c, 1);
  store<u8>(TOK + 0x2d, 1); // -
  store<u8>(TOK + 0x2e, 1); // .
  store<u8>(TOK + 0x21, 1); // !
  store<u8>(TOK + 0x25, 1); // %
  store<u8>(TOK + 0x2a, 1); // *
  store<u8>(TOK + 0x5f, 1); // _
  store<u8>(TOK + 0x2b, 1); // +
  store<u8>(TOK + 0x60, 1); // `
  store<u8>(TOK + 0x27, 1); // '
  store<u8>(TOK + 0x7e, 1); // ~
  for (let t = C_TOKEN; t <= C_URISTOP; t += 32) initClass(t);
  v128.store(K_0F, i8x16.splat(15));
  v128.store(K_0A, i8x16.splat(10));
  v128.store(K_2C, i8x16.splat(44));
  v128.store(K_20, i8x16.splat(0x20));
  v128.store(K_61, i8x16.splat(0x61));
  v128.store(K_19, i8x16.splat(25));
  v128.store(K_2D, i8x16.splat(0x2d));
  v128.store(K_3A, i8x16.splat(58));
  v128.store(K_3B, i8x16.splat(59));
  v128.store(K_22, i8x16.splat(34));
  v128.store(K_3C, i8x16.splat(60));
  for (let n = 0; n <= 16; n++) for (let i = 0; i < n; i++) store<u8>(KH_MASK + (<usize>n << 4) + <usize>i, 0xff);
  addKeyName('v', ID_VIA);
  addKeyName('f', ID_FROM);
  addKeyName('t', ID_TO);
  addKeyName('i', ID_CALLID);
  addKeyName('l', ID_CLEN);
  addKeyName('c', ID_CTYPE);
  addKeyName('m', ID_CONTACT);
  addKeyName('via', ID_VIA);
  addKeyName('from', ID_FROM);
  addKeyName('to', ID_TO);
  addKeyName('call-id', ID_CALLID);
  addKeyName('cseq', ID_CSEQ);
  addKeyName('max-forwards', ID_MAXF);
  addKeyName('content-length', ID_CLEN);
  addKeyName('content-type', ID_CTYPE);
  addKeyName('route', ID_ROUTE);
  addKeyName('record-route', ID_RR);
  addKeyName('contact', ID_CONTACT);
  for (let c = 0; c < 128; c++) {
    if (load<u8>(TOK + <usize>c) == 1) addClass(C_TOKEN, c);
    if (c == 59 || c == 44 || c == 32 || c == 9 || c == 13 || c == 10) addClass(C_VIASTOP, c);
    if (c == 59 || c == 32 || c == 9 || c == 13 || c == 10) addClass(C_TAGSTOP, c);
    if (c == 34 || c == 60 || c == 59) addClass(C_ADDR, c);
    if (c <= 32 || c == 0x7f) addClass(C_URISTOP, c);
  }
  initLint();
}

/** Bit i set when octet p + i is NOT in class t (see C_*). */
// @ts-ignore: decorator
@inline function notClassMask<M>(p: i32, t: usize): i32 {
  const v = v128.load(ptr<M>(p));
  const lo = i8x16.swizzle(v128.load(t), v128.and(v, v128.load(K_0F)));
  // (the high nibble by a 16-bit shift and the 0x0f mask from memory: V8 lowers i8x16.shr_u with a
  // mask it builds anew at every use)
  const hi = i8x16.swizzle(v128.load(t + 16), v128.and(i16x8.shr_u(v, 4), v128.load(K_0F)));
  return i8x16.bitmask(i8x16.eq(v128.and(lo, hi), i8x16.splat(0)));
}

/** Index of the first octet of [p, e) in class t, or e. */
function firstIn<M>(p: i32, e: i32, t: usize): i32 {
  while (p < e) {
    const m = notClassMask<M>(p, t) ^ 0xffff;
    if (m != 0) {
      const q = p + ctz<i32>(m);
      return q < e ? q : e;
    }
    p += 16;
  }
  return e;
}

/** Index of the first octet of [p, e) NOT in class t, or e. */
function firstNotIn<M>(p: i32, e: i32, t: usize): i32 {
  while (p < e) {
    const m = notClassMask<M>(p, t);
    if (m != 0) {
      const q = p + ctz<i32>(m);
      return q < e ? q : e;
    }
    p += 16;
  }
  return e;
}

/**
 * {@link firstIn} of C_VIASTOP (";" "," SP HT CR LF), by a wider test (";", ",", any octet up to SP)
 * that costs fewer instructions than the class tables; a control octet that is no stop, where the wider
 * test stops, takes the class search from past it.
 */
// @ts-ignore: decorator
@inline function firstViaStop<M>(p: i32, e: i32): i32 {
  while (p < e) {
    const v = v128.load(ptr<M>(p));
    const w = v128.or(v128.or(i8x16.eq(v, v128.load(K_3B)), i8x16.eq(v, v128.load(K_2C))), i8x16.le_u(v, v128.load(K_20)));
    const m = i8x16.bitmask(w);
    if (m != 0) {
      const q = p + ctz<i32>(m);
      if (q >= e) return e;
      const c = at<M>(q);
      if (c > 32) return q; // ";" or ","
      if (isLws(c)) return q;
      return firstIn<M>(q + 1, e, C_VIASTOP);
    }
    p += 16;
  }
  return e;
}

/** {@link firstIn} of C_TAGSTOP (";" SP HT CR LF), as {@link firstViaStop} reads C_VIASTOP. */
// @ts-ignore: decorator
@inline function firstTagStop<M>(p: i32, e: i32): i32 {
  while (p < e) {
    const v = v128.load(ptr<M>(p));
    const m = i8x16.bitmask(v128.or(i8x16.eq(v, v128.load(K_3B)), i8x16.le_u(v, v128.load(K_20))));
    if (m != 0) {
      const q = p + ctz<i32>(m);
      if (q >= e) return e;
      const c = at<M>(q);
      if (c > 32) return q; // ";"
      if (isLws(c)) return q;
      return firstIn<M>(q + 1, e, C_TAGSTOP);
    }
    p += 16;
  }
  return e;
}

/** {@link firstIn} of C_ADDR (DQUOTE "<" ";"), by three compares. */
// @ts-ignore: decorator
@inline function firstAddr<M>(p: i32, e: i32): i32 {
  while (p < e) {
    const v = v128.load(ptr<M>(p));
    const w = v128.or(v128.or(i8x16.eq(v, v128.load(K_3B)), i8x16.eq(v, v128.load(K_22))), i8x16.eq(v, v128.load(K_3C)));
    const m = i8x16.bitmask(w);
    if (m != 0) {
      const q = p + ctz<i32>(m);
      return q < e ? q : e;
    }
    p += 16;
  }
  return e;
}

// @ts-ignore: decorator
@inline function at<M>(p: i32): i32 {
  return <i32>load<u8>(ptr<M>(p));
}
/** The 4 octets at p with bit 5 set in each (parse.ts lw). */
// @ts-ignore: decorator
@inline function lw<M>(p: i32): u32 {
  return load<u32>(ptr<M>(p)) | 0x20202020;
}
// @ts-ignore: decorator
@inline function outSet(i: i32, v: i32): void {
  store<i32>(OUT + (<usize>i << 2), v);
}
// @ts-ignore: decorator
@inline function outGet(i: i32): i32 {
  return load<i32>(OUT + (<usize>i << 2));
}
// @ts-ignore: decorator
@inline function setKey(f: i32, s: i32, e: i32): void {
  store<i32>(kb + (<usize>f << 3), s + delta);
  store<i32>(kb + (<usize>f << 3), e + delta, 4);
}
// @ts-ignore: decorator
@inline function keySet(f: i32): bool {
  return load<i32>(kb + (<usize>f << 3)) >= 0;
}
// @ts-ignore: decorator
@inline function isWs(c: i32): bool {
  return c == 32 || c == 9;
}
// @ts-ignore: decorator
@inline function isLws(c: i32): bool {
  // most octets tested are above SP: one comparison rejects them
  return c <= 32 && (c == 32 || c == 9 || c == 13 || c == 10);
}

/** Index of the next LF in [p, end), or end: 16 octets per step. */
function findLF<M>(p: i32, end: i32): i32 {
  while (p < end) {
    const m = i8x16.bitmask(i8x16.eq(v128.load(ptr<M>(p)), v128.load(K_0A)));
    if (m != 0) {
      const q = p + ctz<i32>(m);
      return q < end ? q : end;
    }
    p += 16;
  }
  return end;
}

/** Set by {@link findLFComma}: a "," may come before the LF it found. */
let sawComma: bool = false;

/**
 * {@link findLF} that also sets `sawComma` when a "," comes first (or may: octets past `end` count
 * too, which only costs the list count a look it did not need).
 */
function findLFComma<M>(p: i32, end: i32): i32 {
  while (p < end) {
    const v = v128.load(ptr<M>(p));
    const m = i8x16.bitmask(i8x16.eq(v, v128.load(K_0A)));
    const c = i8x16.bitmask(i8x16.eq(v, v128.load(K_2C)));
    if (m != 0) {
      const k = ctz<i32>(m);
      if ((c & ((1 << k) - 1)) != 0) sawComma = true;
      const q = p + k;
      return q < end ? q : end;
    }
    if (c != 0) sawComma = true;
    p += 16;
  }
  return end;
}

function findByte<M>(p: i32, e: i32, x: i32): i32 {
  const k = i8x16.splat(<i8>x);
  while (p < e) {
    const m = i8x16.bitmask(i8x16.eq(v128.load(ptr<M>(p)), k));
    if (m != 0) {
      const q = p + ctz<i32>(m);
      return q < e ? q : e;
    }
    p += 16;
  }
  return e;
}

function scanToken<M>(p: i32, e: i32): i32 {
  return firstNotIn<M>(p, e, C_TOKEN);
}

function skipLws<M>(p: i32, e: i32): i32 {
  while (p < e && isLws(at<M>(p))) p++;
  return p;
}

/** parse.ts skipQuoted: index after the closing quote, or -1. */
function skipQuoted<M>(p: i32, e: i32): i32 {
  for (let i = p + 1; i < e; i++) {
    const c = at<M>(i);
    if (c == 92) i++;
    else if (c == 34) return i + 1;
  }
  return -1;
}

/** parse.ts parseDigits: the decimal value of [s, e), or -1 (also past 9 digits: the caller bails). */
function parseDigits<M>(s: i32, e: i32): i32 {
  if (s >= e || e - s > 9) return -1;
  let v = 0;
  for (let i = s; i < e; i++) {
    const c = at<M>(i) - 0x30;
    if (<u32>c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/** parse.ts keyHeaderId. */
// @ts-ignore: decorator
@inline function keyHeaderId<M>(s: i32, n: i32): i32 {
  const c0 = at<M>(s) | 0x20;
  switch (n) {
    case 1:
      if (c0 == 0x76) return ID_VIA;
      if (c0 == 0x66) return ID_FROM;
      if (c0 == 0x74) return ID_TO;
      if (c0 == 0x69) return ID_CALLID;
      if (c0 == 0x6c) return ID_CLEN;
      if (c0 == 0x63) return ID_CTYPE;
      if (c0 == 0x6d) return ID_CONTACT;
      return 0;
    case 2:
      return c0 == 0x74 && (at<M>(s + 1) | 0x20) == 0x6f ? ID_TO : 0;
    case 3:
      return c0 == 0x76 && (at<M>(s + 1) | 0x20) == 0x69 && (at<M>(s + 2) | 0x20) == 0x61 ? ID_VIA : 0;
    case 4: {
      const x = lw<M>(s);
      return x == 0x6d6f7266 ? ID_FROM : x == 0x71657363 ? ID_CSEQ : 0; // from, cseq
    }
    case 5:
      return lw<M>(s) == 0x74756f72 && lw<M>(s + 1) == 0x6574756f ? ID_ROUTE : 0; // rout, oute
    case 7: {
      const x = lw<M>(s);
      if (x == 0x6c6c6163) return lw<M>(s + 3) == 0x64692d6c ? ID_CALLID : 0; // call, l-id
      return x == 0x746e6f63 && lw<M>(s + 3) == 0x74636174 ? ID_CONTACT : 0; // cont, tact
    }
    case 12: {
      const x = lw<M>(s);
      if (x == 0x2d78616d) return lw<M>(s + 4) == 0x77726f66 && lw<M>(s + 8) == 0x73647261 ? ID_MAXF : 0; // max- forw ards
      if (x == 0x746e6f63) return lw<M>(s + 4) == 0x2d746e65 && lw<M>(s + 8) == 0x65707974 ? ID_CTYPE : 0; // cont ent- type
      if (x == 0x6f636572) return lw<M>(s + 4) == 0x722d6472 && lw<M>(s + 8) == 0x6574756f ? ID_RR : 0; // reco rd-r oute
      return 0;
    }
    case 14:
      return lw<M>(s) == 0x746e6f63 && lw<M>(s + 4) == 0x2d746e65 && lw<M>(s + 8) == 0x676e656c && lw<M>(s + 10) == 0x6874676e
        ? ID_CLEN
        : 0; // cont ent- leng ngth
  }
  return 0;
}

/** parse.ts countList: non-empty comma-separated elements; -1 (bail) when one is empty. */
function countList<M>(s: i32, e: i32): i32 {
  if (s < e && findByte<M>(s, e, 44) >= e) return 1;
  let count = 0;
  let empty = 0;
  let nonWs = false;
  for (let i = s; i < e; i++) {
    const c = at<M>(i);
    if (c == 34) {
      const q = skipQuoted<M>(i, e);
      if (q < 0) {
        nonWs = true;
        break;
      }
      i = q - 1;
      nonWs = true;
    } else if (c == 60) {
      i = findByte<M>(i + 1, e, 62);
      nonWs = true;
    } else if (c == 44) {
      if (nonWs) count++;
      else empty++;
      nonWs = false;
    } else if (!isLws(c)) {
      nonWs = true;
    }
  }
  if (nonWs) count++;
  else empty++;
  return empty > 0 ? -1 : count;
}

/**
 * {@link countList} of a Route / Record-Route value in its usual form, elements "<...>" separated by
 * "," and SP: counted "<" to ">" with one search each; anything else (parameters after ">", quotes,
 * other whitespace, an empty element) takes countList from the start, so the count is countList's.
 */
// @ts-ignore: decorator
@inline function countAngles<M>(s: i32, e: i32): i32 {
  let p = s;
  let n = 0;
  while (p < e) {
    if (at<M>(p) != 60) break;
    const q = findByte<M>(p + 1, e, 62);
    if (q >= e) break;
    n++;
    p = q + 1;
    if (p == e) return n;
    if (at<M>(p) != 44) break;
    p++;
    while (p < e && at<M>(p) == 32) p++;
  }
  return countList<M>(s, e);
}

/** parse.ts parseTopVia, "SIP/2.0/" form only: index of the comma ending the first value (or e), or -1. */
// (Conditions are written as nested ifs: a compound one makes the compiler build and test a boolean.)
// @ts-ignore: decorator
@inline function parseTopVia<M>(s: i32, e: i32): i32 {
  if (e - s <= 8) return -1;
  if (lw<M>(s) != 0x2f706973) return -1; // "sip/"
  if (at<M>(s + 3) != 0x2f) return -1;
  if (load<u32>(ptr<M>(s + 4)) != 0x2f302e32) return -1; // "2.0/"
  const ts = s + 8;
  // the transport: usually three token octets ("UDP", "TCP", "TLS") and a non-token octet
  let t3 = ts + 3;
  if (
    t3 > e ||
    load<u8>(TOK + <usize>at<M>(ts)) == 0 ||
    load<u8>(TOK + <usize>at<M>(ts + 1)) == 0 ||
    load<u8>(TOK + <usize>at<M>(ts + 2)) == 0 ||
    (t3 < e && load<u8>(TOK + <usize>at<M>(t3)) != 0)
  ) {
    t3 = scanToken<M>(ts, e);
    if (t3 == ts) return -1;
  }
  setKey(F_TRANSPORT, ts, t3);
  let p = t3;
  if (p < e) {
    if (at<M>(p) == 32) {
      p++;
      if (p < e && at<M>(p) <= 32) p = skipLws<M>(p, e);
    } else p = skipLws<M>(p, e);
  }
  const hs = p;
  if (at<M>(p) == 91) {
    while (p < e && at<M>(p) != 93) p++;
    if (p < e) p++;
  }
  p = firstViaStop<M>(p, e);
  if (p == hs) return -1;
  let hostEnd = p;
  while (p < e) {
    let c = at<M>(p);
    if (c <= 32) {
      p = skipLws<M>(p, e);
      if (p >= e) break;
      c = at<M>(p);
    }
    if (c == 44) break;
    if (c == 58) {
      p = skipLws<M>(p + 1, e);
      while (p < e && <u32>(at<M>(p) - 0x30) <= 9) p++;
      hostEnd = p;
      continue;
    }
    if (c != 59) return -1;
    // ";branch=" and ";received=" without LWS (the usual form): the name known without a token scan
    const q = p + 1;
    const w = lw<M>(q);
    let kf = -1;
    let kv = 0;
    if (w == 0x6e617262) {
      if (lw<M>(q + 2) == 0x68636e61) {
        if (at<M>(q + 6) == 61) {
          kf = F_BRANCH; // bran, anch
          kv = q + 7;
        }
      }
    } else if (w == 0x65636572) {
      if (lw<M>(q + 4) == 0x64657669) {
        if (at<M>(q + 8) == 61) {
          kf = F_RECEIVED; // rece, ived
          kv = q + 9;
        }
      }
    }
    if (kf >= 0) {
      if (kv < e) {
        const c = at<M>(kv);
        if (c > 32 && c != 34 && c != 91) {
          p = firstViaStop<M>(kv, e);
          if (!keySet(kf)) setKey(kf, kv, p);
          continue;
        }
      }
    }
    p = skipLws<M>(p + 1, e);
    const pn = p;
    const pne = scanToken<M>(p, e);
    if (pne == pn) return -1; // empty parameter: the parser flags it
    p = skipLws<M>(pne, e);
    let vs = pne;
    let ve = pne;
    if (at<M>(p) == 61) {
      p = skipLws<M>(p + 1, e);
      vs = p;
      if (at<M>(p) == 34) {
        const q = skipQuoted<M>(p, e);
        p = q < 0 ? e : q;
      } else if (at<M>(p) == 91) {
        while (p < e && at<M>(p) != 93) p++;
        if (p < e) p++;
      } else {
        p = firstViaStop<M>(p, e);
      }
      ve = p;
    }
    const n = pne - pn;
    let f = -1;
    if (n == 6) {
      if (lw<M>(pn) == 0x6e617262 && lw<M>(pn + 2) == 0x68636e61) f = F_BRANCH; // bran, anch
    } else if (n == 8) {
      if (lw<M>(pn) == 0x65636572 && lw<M>(pn + 4) == 0x64657669) f = F_RECEIVED; // rece, ived
    } else if (n == 5 && lw<M>(pn) == 0x726f7072 && lw<M>(pn + 1) == 0x74726f70) f = F_RPORT; // rpor, port
    if (f >= 0 && !keySet(f)) setKey(f, vs, ve);
  }
  setKey(F_SENTBY, hs, hostEnd);
  return p;
}

/** parse.ts findTag: false (bail) where the parser would add a diagnostic. */
// @ts-ignore: decorator
@inline function findTag<M>(s: i32, e: i32, f: i32): bool {
  let p = s;
  let params = -1;
  while (p < e) {
    p = firstAddr<M>(p, e);
    if (p >= e) break;
    const c = at<M>(p);
    if (c == 34) {
      const q = skipQuoted<M>(p, e);
      if (q < 0) return false;
      p = q;
      continue;
    }
    if (c == 60) {
      const j = findByte<M>(p + 1, e, 62);
      if (j >= e) return false;
      // the parameters: usually right after the ">" (or none: the value ends there)
      const k = j + 1;
      if (k >= e) p = e;
      else if (at<M>(k) == 59) p = k;
      else p = findByte<M>(k, e, 59);
      params = p;
      break;
    }
    params = p; // ";"
    break;
  }
  if (params < 0) return true;
  p = params;
  // the usual first parameter ";tag=" (lower case, no LWS): its value read directly
  if (p + 5 < e) {
    if ((load<u32>(ptr<M>(p + 1)) | 0x202020) == 0x3d676174) {
      // "tag=", the name in any case
      const c = at<M>(p + 5);
      if (c != 34) {
        if (!isLws(c)) {
          const ve = firstTagStop<M>(p + 5, e);
          if (!keySet(f)) setKey(f, p + 5, ve);
          p = ve;
        }
      }
    }
  }
  while (p < e) {
    if (at<M>(p) != 59) {
      p = findByte<M>(p + 1, e, 59);
      continue;
    }
    p = skipLws<M>(p + 1, e);
    const pn = p;
    const pne = scanToken<M>(p, e);
    if (pne == pn) return false;
    p = skipLws<M>(pne, e);
    let vs = pne;
    let ve = pne;
    if (at<M>(p) == 61) {
      p = skipLws<M>(p + 1, e);
      vs = p;
      if (at<M>(p) == 34) {
        const q = skipQuoted<M>(p, e);
        p = q < 0 ? e : q;
      } else {
        p = firstTagStop<M>(p, e);
      }
      ve = p;
    }
    if (
      pne - pn == 3 &&
      (at<M>(pn) | 0x20) == 0x74 &&
      (at<M>(pn + 1) | 0x20) == 0x61 &&
      (at<M>(pn + 2) | 0x20) == 0x67 &&
      !keySet(f)
    ) {
      setKey(f, vs, ve);
    }
  }
  return true;
}

/** parse.ts parseCseq: false (bail) where the parser would add a diagnostic. */
// @ts-ignore: decorator
@inline function parseCseq<M>(s: i32, e: i32): bool {
  // byte loops: the number and the method are a few octets, shorter than a 16-octet search pays for
  let p = s;
  let v: i64 = 0;
  while (p < e) {
    const d = at<M>(p) - 0x30;
    if (<u32>d > 9) break;
    v = v * 10 + <i64>d;
    p++;
  }
  if (p == s) return false;
  if (p - s > 10) return false;
  if (v >= 2147483648) return false;
  const digitsEnd = p;
  // usually one SP, then the method up to the value's end
  if (p < e && at<M>(p) == 32) p++;
  if (p < e && isLws(at<M>(p))) p = skipLws<M>(p, e);
  if (p == digitsEnd) return false;
  const ms = p;
  if (ms == e) return false;
  if (scanToken<M>(ms, e) != e) return false;
  const me = e;
  outSet(R_CSEQ, <i32>v);
  setKey(F_CSEQM, ms, me);
  return true;
}

/** 32-bit FNV-1a of the octets of key field f (0 when the field is absent). */
function keyHash<M>(f: i32): i32 {
  const s = outGet(KEY + 2 * f);
  if (s < 0) return 0;
  const e = outGet(KEY + 2 * f + 1) - delta;
  let h: u32 = 2166136261;
  for (let i = s - delta; i < e; i++) h = (h ^ <u32>at<M>(i)) * 16777619;
  return <i32>h;
}

// @ts-ignore: decorator
@inline function fnv<M>(h: u32, p: i32): u32 {
  return (h ^ <u32>at<M>(p)) * 16777619;
}

/**
 * Mode 2's end: the hashes of its four key fields into R_H* (32-bit FNV-1a of each field's octets, 0
 * when the field is absent); 1 (the scan succeeded). The four hashes are computed side by side (each is
 * a chain of dependent multiplications, so four chains run about as fast as the longest one).
 */
function finishKeys<M>(): i32 {
  const s0 = outGet(KEY + 2 * F_BRANCH) - delta;
  const s1 = outGet(KEY + 2 * F_SENTBY) - delta;
  const s2 = outGet(KEY + 2 * F_FROMTAG) - delta;
  const s3 = outGet(KEY + 2 * F_TOTAG) - delta;
  // lengths (0 for an absent field: its start is -1 before the delta is taken off)
  const n0 = s0 + delta < 0 ? 0 : outGet(KEY + 2 * F_BRANCH + 1) - delta - s0;
  const n1 = s1 + delta < 0 ? 0 : outGet(KEY + 2 * F_SENTBY + 1) - delta - s1;
  const n2 = s2 + delta < 0 ? 0 : outGet(KEY + 2 * F_FROMTAG + 1) - delta - s2;
  const n3 = s3 + delta < 0 ? 0 : outGet(KEY + 2 * F_TOTAG + 1) - delta - s3;
  let h0: u32 = 2166136261;
  let h1: u32 = 2166136261;
  let h2: u32 = 2166136261;
  let h3: u32 = 2166136261;
  const m4 = min<i32>(min<i32>(n0, n1), min<i32>(n2, n3));
  let i = 0;
  for (; i < m4; i++) {
    h0 = fnv<M>(h0, s0 + i);
    h1 = fnv<M>(h1, s1 + i);
    h2 = fnv<M>(h2, s2 + i);
    h3 = fnv<M>(h3, s3 + i);
  }
  // the two Via fields (usually the longer ones) side by side, then each one's rest
  let j = i;
  const m2 = min<i32>(n0, n1);
  for (; j < m2; j++) {
    h0 = fnv<M>(h0, s0 + j);
    h1 = fnv<M>(h1, s1 + j);
  }
  for (let k = j; k < n0; k++) h0 = fnv<M>(h0, s0 + k);
  for (let k = j; k < n1; k++) h1 = fnv<M>(h1, s1 + k);
  for (let k = i; k < n2; k++) h2 = fnv<M>(h2, s2 + k);
  for (let k = i; k < n3; k++) h3 = fnv<M>(h3, s3 + k);
  outSet(R_HBRANCH, n0 == 0 && s0 + delta < 0 ? 0 : <i32>h0);
  outSet(R_HSENTBY, n1 == 0 && s1 + delta < 0 ? 0 : <i32>h1);
  outSet(R_HFROMTAG, n2 == 0 && s2 + delta < 0 ? 0 : <i32>h2);
  outSet(R_HTOTAG, n3 == 0 && s3 + delta < 0 ? 0 : <i32>h3);
  return 1;
}

/**
 * A header line read for its structure only (indexOnly modes): p after its LF, or -1 (bail: the line
 * is unterminated, ends in a bare LF or is folded).
 */
// @ts-ignore: decorator
@inline function skipLine<M>(p: i32, end: i32): i32 {
  const lf = findLF<M>(p, end);
  if (lf + 1 >= end || at<M>(lf - 1) != 13 || isWs(at<M>(lf + 1))) return -1;
  return lf + 1;
}

/**
 * Scans the message at IN, `len` octets; positions written are offset by `d`. Returns 1 when the
 * message is in the common case and every result is written, 0 when the full parser must run.
 * `indexOnly` (the mode): 0 everything; 1 only kind, status, method, Call-ID and CSeq (the trace's
 * index: the scan ends once the first Call-ID and CSeq are read); 2 ("analysis keys") those and the
 * top Via (branch, sent-by, transport, received, rport), the From tag and the To tag, ending once the
 * first Via, From, To, Call-ID and CSeq are read, with their hashes in R_H* and no header index.
 */
export function scan(len: i32, d: i32, indexOnly: i32): i32 {
  if (len <= 0 || len > IN_CAP) return 0;
  kb = OUT + (<usize>KEY << 2);
  maxh = MAXH;
  v128.store(IN + <usize>len, i8x16.splat(0)); // the octets after the message read as 0 (JS: undefined)
  return indexOnly == 0 ? scanBody<u8>(len, d) : scanIndex<u8>(len, d, indexOnly);
}

/**
 * {@link scan} of the `len` octets at `ptr` (in the arena), in place. Whatever follows them is never
 * taken for part of the message (every search stops at the message's end); the caller leaves 16
 * readable octets after the arena's end.
 */
export function scanAt(ptr: usize, len: i32, d: i32, indexOnly: i32): i32 {
  if (len <= 0) return 0;
  base = ptr;
  kb = OUT + (<usize>KEY << 2);
  maxh = MAXH;
  return indexOnly == 0 ? scanBody<u16>(len, d) : scanIndex<u16>(len, d, indexOnly);
}

/**
 * {@link scan} in mode 0 with the key field spans and the header index written at `at` (an address in
 * this memory: the JavaScript side's index ring) instead of the output's slot KEY, and at most `lim`
 * header fields (more: 0, the full parser runs), so the caller knows how far the write may reach.
 * The R_* numbers are written to the output as {@link scan} writes them.
 */
export function scanInto(len: i32, d: i32, at: usize, lim: i32): i32 {
  if (len <= 0 || len > IN_CAP) return 0;
  v128.store(IN + <usize>len, i8x16.splat(0));
  kb = at;
  maxh = lim;
  return scanBody<u8>(len, d);
}

/** {@link scanInto} of the `len` octets at `ptr` (in the arena), in place (see {@link scanAt}). */
export function scanAtInto(ptr: usize, len: i32, d: i32, at: usize, lim: i32): i32 {
  if (len <= 0) return 0;
  base = ptr;
  kb = at;
  maxh = lim;
  return scanBody<u16>(len, d);
}

/**
 * Every mode's start: the result slots reset and the start line read (parse.ts parseStartLine).
 * Returns the index of the start line's LF, or -1 (the full parser must run).
 */
// @ts-ignore: decorator
@inline function startLine<M>(len: i32, d: i32): i32 {
  delta = d;
  // every key span -1 (absent): slots KEY .. KEY + 2 * NKEY, 16 octets per store (a loop of 28 stores
  // cost more than the rest of a short start line)
  const none = i8x16.splat(-1);
  const k = kb;
  v128.store(k, none);
  v128.store(k, none, 16);
  v128.store(k, none, 32);
  v128.store(k, none, 48);
  v128.store(k, none, 64);
  v128.store(k, none, 80);
  v128.store(k, none, 96);
  outSet(R_CSEQ, -1);
  outSet(R_MAXF, -1);
  outSet(R_CLCOUNT, 0);
  outSet(R_CLVALUE, -1);
  const end = len;
  // parse.ts parseInto: leading whitespace (keep-alives, junk) takes the full parser
  const c0 = at<M>(0);
  if (isLws(c0)) return -1;
  const lf = findLF<M>(0, end);
  if (lf >= end || lf == 0 || at<M>(lf - 1) != 13) return -1;
  const e = lf - 1;
  outSet(R_SLE, e + d);
  // parse.ts parseStartLine
  if (
    e >= 12 &&
    lw<M>(0) == 0x2f706973 &&
    at<M>(3) == 0x2f &&
    load<u32>(ptr<M>(4)) == 0x20302e32 // "sip/" "2.0 "
  ) {
    // Status-Line: "SIP/2.0" SP 3DIGIT SP Reason-Phrase
    const d0 = at<M>(8) - 0x30;
    const d1 = at<M>(9) - 0x30;
    const d2 = at<M>(10) - 0x30;
    if (<u32>d0 > 9 || <u32>d1 > 9 || <u32>d2 > 9 || !isWs(at<M>(11))) return -1;
    const code = d0 * 100 + d1 * 10 + d2;
    if (code < 100 || code > 699) return -1;
    outSet(R_KIND, 1);
    outSet(R_STATUS, code);
    setKey(F_VERSION, 0, 7);
    setKey(F_REASON, 12, e);
  } else {
    // Request-Line: Method SP Request-URI SP "SIP/2.0", no other whitespace
    const me = scanToken<M>(0, e);
    if (me == 0 || at<M>(me) != 32) return -1;
    const us = me + 1;
    if (at<M>(us) == 60) return -1;
    const ue = firstIn<M>(us, e, C_URISTOP);
    if (ue == us || at<M>(ue) != 32 || e - ue != 8) return -1;
    const vs = ue + 1;
    if (!(lw<M>(vs) == 0x2f706973 && at<M>(vs + 3) == 0x2f && at<M>(vs + 4) == 0x32 && at<M>(vs + 5) == 0x2e && at<M>(vs + 6) == 0x30))
      return -1;
    outSet(R_KIND, 0);
    outSet(R_STATUS, 0);
    setKey(F_METHOD, 0, me);
    setKey(F_URI, us, ue);
    setKey(F_VERSION, vs, e);
  }
  return lf;
}

function scanBody<M>(len: i32, d: i32): i32 {
  const lf = startLine<M>(len, d);
  if (lf < 0) return 0;
  const end = len;

  // header section
  let p = lf + 1;
  const ob = kb; // the index: key spans, then HS numbers per header field
  let a = ob + (<usize>(2 * NKEY) << 2); // where the next header field's HS numbers go
  const aLim = a + <usize>maxh * (HS << 2); // (one more field would be too many: the full parser runs)
  let body = -1;
  let viaCount = 0;
  let routeCount = 0;
  let rrCount = 0;
  let clCount = 0;
  let clValue = -1;
  let seen = 0; // bit per key header id: its first field was read
  // the constant vectors, loaded once (kept in registers across the loop)
  const k20 = v128.load(K_20);
  const k61 = v128.load(K_61);
  const k19 = v128.load(K_19);
  const k2d = v128.load(K_2D);
  const k3a = v128.load(K_3A);
  const k0a = v128.load(K_0A);
  const k2c = v128.load(K_2C);
  while (p < end) {
    const c = at<M>(p);
    if (c <= 32) {
      // the empty line ending the header section; SP or HT: a folded line; any other octet is no name
      // (each of those is the full parser's to read, with body left at -1)
      if (c == 13 && p + 1 < end && at<M>(p + 1) == 10) body = p + 2;
      break;
    }
    const ns = p;
    // The name: letters and "-" (every common name) checked 16 octets at a time; else the token class.
    const v = v128.load(ptr<M>(p));
    const alpha = i8x16.le_u(i8x16.sub(v128.or(v, k20), k61), k19);
    const nonAlpha = i8x16.bitmask(v128.or(alpha, i8x16.eq(v, k2d))) ^ 0xffff;
    const colons = i8x16.bitmask(i8x16.eq(v, k3a));
    const k = ctz<i32>(nonAlpha);
    let q = p + k;
    if (((colons >> k) & 1) == 0) {
      q = scanToken<M>(p, end);
      if (q == ns) return 0; // bad name
      if (q >= end) return 0;
      if (at<M>(q) != 58) return 0; // space before ":"...
    } else {
      if (k == 0) return 0;
      if (q >= end) return 0;
    }
    // the line end: in these 16 octets (after the colon, as LF is no name octet), else searched on
    // (and whether a "," comes before it: a list header without one holds one value)
    const lfs = i8x16.bitmask(i8x16.eq(v, k0a));
    let comma: bool;
    let flf: i32;
    if (lfs != 0) {
      const kl = ctz<i32>(lfs);
      flf = min<i32>(p + kl, end);
      comma = (i8x16.bitmask(i8x16.eq(v, k2c)) & ((1 << kl) - 1)) != 0;
    } else {
      sawComma = i8x16.bitmask(i8x16.eq(v, k2c)) != 0;
      flf = findLFComma<M>(p + 16, end);
      comma = sawComma;
    }
    // a bare LF: the full parser's (an unterminated section, or a folded next line, ends the loop above
    // with body unset)
    if (at<M>(flf - 1) != 13) return 0;
    let vs = q + 1;
    let ve = flf - 1; // the CR
    // the usual value: one SP (or none) after the colon, no whitespace before the CR; else the trims
    const c1 = at<M>(vs);
    let usual = false;
    if (at<M>(ve - 1) > 32) {
      if (c1 > 32) usual = true;
      else if (c1 == 32) {
        if (at<M>(vs + 1) > 32) {
          vs++;
          usual = true;
        }
      }
    }
    if (!usual) {
      while (ve > vs && isLws(at<M>(ve - 1))) ve--;
      if (vs < ve && at<M>(vs) == 32) vs++;
      while (vs < ve && isLws(at<M>(vs))) vs++;
    }
    // the key header id: a perfect hash of the length and first two octets, then the name compared 16
    // octets at once (bit 5 set, as keyHeaderId compares). A slot without a name has length 0, and
    // every name here has at least one octet.
    const nlen = q - ns;
    let id = 0;
    const h = keyHash6(nlen, c, at<M>(ns + 1));
    if (<i32>load<u8>(KH_LEN + h) == nlen) {
      const nm = v128.and(v128.or(v, k20), v128.load(KH_MASK + (<usize>nlen << 4)));
      if (i8x16.bitmask(i8x16.eq(nm, v128.load(KH_NAME + (h << 4)))) == 0xffff) id = <i32>load<u8>(KH_ID + h);
    }
    if (a >= aLim) return 0;
    store<i32>(a, ns + d);
    store<i32>(a, q + d, 4);
    store<i32>(a, vs + d, 8);
    store<i32>(a, ve + d, 12);
    store<i32>(a, id, 16);
    a += HS << 2;
    if (id != 0) {
      const bit = 1 << id;
      const first = (seen & bit) == 0;
      seen |= bit;
      switch (id) {
        case ID_VIA: {
          if (first) {
            const after = parseTopVia<M>(vs, ve);
            if (after < 0) return 0;
            if (after >= ve) viaCount += 1;
            else {
              const n = countList<M>(after + 1, ve);
              if (n < 0) return 0;
              viaCount += 1 + n;
            }
          } else {
            const n = comma || vs >= ve ? countList<M>(vs, ve) : 1;
            if (n < 0) return 0;
            viaCount += n;
          }
          break;
        }
        case ID_FROM:
          if (first && !findTag<M>(vs, ve, F_FROMTAG)) return 0;
          break;
        case ID_TO:
          if (first && !findTag<M>(vs, ve, F_TOTAG)) return 0;
          break;
        case ID_CALLID:
          if (first) setKey(F_CALLID, vs, ve);
          break;
        case ID_CSEQ:
          if (first && !parseCseq<M>(vs, ve)) return 0;
          break;
        case ID_MAXF:
          if (first) {
            const v = parseDigits<M>(vs, ve);
            if (v < 0 || v > 255) return 0;
            outSet(R_MAXF, v);
          }
          break;
        case ID_CLEN: {
          const v = parseDigits<M>(vs, ve);
          if (v < 0) return 0;
          clCount++;
          if (clCount == 1) clValue = v;
          else if (v != clValue) return 0;
          break;
        }
        case ID_CTYPE:
          if (first) setKey(F_CTYPE, vs, ve);
          break;
        case ID_ROUTE: {
          const n = comma || vs >= ve ? countAngles<M>(vs, ve) : 1;
          if (n < 0) return 0;
          routeCount += n;
          break;
        }
        case ID_RR: {
          const n = comma || vs >= ve ? countAngles<M>(vs, ve) : 1;
          if (n < 0) return 0;
          rrCount += n;
          break;
        }
        default:
          break;
      }
    }
    p = flf + 1;
  }
  if (body < 0) return 0;
  outSet(R_NH, (<i32>((a - ob) >> 2) - 2 * NKEY) / HS);
  outSet(R_BODY, body + d);
  outSet(R_CLCOUNT, clCount);
  outSet(R_CLVALUE, clValue);
  outSet(R_VIA, viaCount);
  outSet(R_ROUTE, routeCount);
  outSet(R_RR, rrCount);
  return 1;
}

/** Set by {@link indexName}: the key header id of the name it recognised. */
let fastId: i32 = 0;

/**
 * The names modes 1 and 2 read, in their usual forms: "Call-ID:" / "i:" / "CSeq:" (and "Via:" / "v:",
 * "From:" / "f:", "To:" / "t:"), letters in any case, the colon right after the name. Returns the
 * colon's index (and the id in `fastId`), or -1 (the general path reads the name). `lc` is the first
 * octet with bit 5 set. Letters are compared with bit 5 set, every other octet exactly.
 */
// @ts-ignore: decorator
@inline function indexName<M>(p: i32, lc: i32): i32 {
  const w = load<u32>(ptr<M>(p));
  if (((w >> 8) & 0xff) == 58) {
    // a compact form "x:"
    fastId = lc == 0x69 ? ID_CALLID : lc == 0x76 ? ID_VIA : lc == 0x66 ? ID_FROM : lc == 0x74 ? ID_TO : 0;
    return fastId != 0 ? p + 1 : -1;
  }
  const x = w | 0x20202020;
  if (x == 0x6c6c6163) {
    // "call" "-id:"
    fastId = ID_CALLID;
    return (load<u32>(ptr<M>(p + 4)) | 0x00202000) == 0x3a64692d ? p + 7 : -1;
  }
  if (x == 0x71657363) {
    fastId = ID_CSEQ; // "cseq:"
    return at<M>(p + 4) == 58 ? p + 4 : -1;
  }
  if ((w | 0x00202020) == 0x3a616976) {
    fastId = ID_VIA; // "via:"
    return p + 3;
  }
  if (x == 0x6d6f7266) {
    fastId = ID_FROM; // "from:"
    return at<M>(p + 4) == 58 ? p + 4 : -1;
  }
  if (((w | 0x00002020) & 0x00ffffff) == 0x003a6f74) {
    fastId = ID_TO; // "to:"
    return p + 2;
  }
  return -1;
}

/**
 * Modes 1 and 2 ({@link scan}'s `indexOnly`): the lines before the fields they read are read for their
 * structure only (a search for the line end), and the scan ends once those fields are read.
 */
function scanIndex<M>(len: i32, d: i32, mode: i32): i32 {
  const lf = startLine<M>(len, d);
  if (lf < 0) return 0;
  const end = len;
  let p = lf + 1;
  let o = KEY + 2 * NKEY;
  let nh = 0;
  let body = -1;
  let seen = 0; // bit per key header id: its first field was read
  // what ends the scan: the first Call-ID and CSeq (mode 1); and the first Via, From, To (mode 2)
  const want = mode == 1 ? (1 << ID_CALLID) | (1 << ID_CSEQ) : (1 << ID_CALLID) | (1 << ID_CSEQ) | (1 << ID_VIA) | (1 << ID_FROM) | (1 << ID_TO);
  // the first octets of the names still to read, with bit 5 set: "c" and "i" (Call-ID, CSeq), in mode 2
  // "v", "f", "t" until the first Via, From, To has been read
  while (p < end) {
    const c = at<M>(p);
    if (c == 13) {
      if (p + 1 < end && at<M>(p + 1) == 10) body = p + 2;
      break;
    }
    const lc = c | 0x20;
    const keyLine = lc == 0x63 || lc == 0x69;
    if (
      !keyLine &&
      (mode != 2 ||
        (lc == 0x76 ? (seen & (1 << ID_VIA)) != 0 : lc == 0x66 ? (seen & (1 << ID_FROM)) != 0 : lc != 0x74 || (seen & (1 << ID_TO)) != 0))
    ) {
      // nothing to read on this line (mode 2: a "v", "f" or "t" line once the first Via, From or To
      // has been read): only the line structure matters
      p = skipLine<M>(p, end);
      if (p < 0) return 0;
      continue;
    }
    const ns = p;
    let id: i32;
    let q = indexName<M>(p, lc);
    if (q >= 0) id = fastId;
    else {
      q = scanToken<M>(p, end);
      if (q == ns || q >= end || at<M>(q) != 58) {
        // bad name, space before ":", continuation...: on a "v", "f" or "t" line (mode 2) the
        // structure is read only, as mode 1 reads it (it is no Via, From or To field)
        if (keyLine) return 0;
        p = skipLine<M>(p, end);
        if (p < 0) return 0;
        continue;
      }
      const nlen = q - ns;
      id = nlen <= 14 ? keyHeaderId<M>(ns, nlen) : 0;
    }
    // (no LF in the name: the line end is after the colon)
    const flf = findLF<M>(q + 1, end);
    if (flf + 1 >= end || at<M>(flf - 1) != 13) return 0; // unterminated, bare LF
    if (isWs(at<M>(flf + 1))) return 0; // folded
    let vs = q + 1;
    let ve = flf - 1; // the CR
    while (ve > vs && isLws(at<M>(ve - 1))) ve--;
    // usually one SP after the colon
    if (vs < ve && at<M>(vs) == 32) vs++;
    while (vs < ve && isLws(at<M>(vs))) vs++;
    if (keyLine) {
      // (the lines mode 1 indexes; mode 2 counts them only, to bail where mode 1 does)
      if (nh >= MAXH) return 0;
      if (mode == 1) {
        outSet(o, ns + d);
        outSet(o + 1, q + d);
        outSet(o + 2, vs + d);
        outSet(o + 3, ve + d);
        outSet(o + 4, id);
        o += HS;
      }
      nh++;
    }
    // only the fields these modes keep are read; they depend on no other header, so the scan ends once
    // the first of each of those headers is read (what follows can add diagnostics, never change them)
    if (id != 0) {
      const bit = 1 << id;
      if ((seen & bit) == 0) {
        if (id == ID_CALLID) {
          seen |= bit;
          setKey(F_CALLID, vs, ve);
        } else if (id == ID_CSEQ) {
          seen |= bit;
          if (!parseCseq<M>(vs, ve)) return 0;
        } else if (mode == 2) {
          if (id == ID_VIA) {
            seen |= bit;
            if (parseTopVia<M>(vs, ve) < 0) return 0;
          } else if (id == ID_FROM) {
            seen |= bit;
            if (!findTag<M>(vs, ve, F_FROMTAG)) return 0;
          } else if (id == ID_TO) {
            seen |= bit;
            if (!findTag<M>(vs, ve, F_TOTAG)) return 0;
          }
        }
        if (seen == want) return mode == 1 ? 1 : finishKeys<M>();
      }
    }
    p = flf + 1;
  }
  if (body < 0) return 0;
  outSet(R_BODY, body + d);
  if (mode == 2) {
    outSet(R_NH, 0);
    return finishKeys<M>();
  }
  outSet(R_NH, nh);
  outSet(R_VIA, 0);
  outSet(R_ROUTE, 0);
  outSet(R_RR, 0);
  return 1;
}

// ---- The lint's certainty tests (message/lint.ts `uriCleanTo`, `nameAddrClean`) on octets in this
// memory: the same octet classes and the same steps, at absolute addresses (a message in the arena).
// The lint asks here first for a message that lies in the arena; an answer of "not certain" is asked
// again of the JavaScript test, so only "certain" has to be exact (test/sip-core/message/lint-diff.test.ts
// lints every message in the arena and out of it).

const L_URI: i32 = 1; // isUriChar, less "%" and "?"
const L_USER: i32 = 2; // unreserved / "&" "=" "+" "$" "," ";" "/" / "%"
const L_ALPHA: i32 = 4;
const L_DIGITDOT: i32 = 8;
const L_TOKENLWS: i32 = 16;
const L_TRIM: i32 = 32;
const L_SPACE: i32 = 64;
const L_ODD: i32 = 128; // CR, LF and every octet above 127
const L_HEX: i32 = 256;
/** The octet classes (u16 per octet), filled by {@link initLint}. */
const LOCT: usize = memory.data(512, 16);
/** A URI's parameter names (start, end address pairs): at most LPARAMS names, else "not certain". */
const LPARAMS: i32 = 64;
const LPARAM: usize = memory.data(LPARAMS * 8, 16);

function lintSet(chars: string, bit: i32): void {
  for (let i = 0; i < chars.length; i++) {
    const a = LOCT + (<usize>chars.charCodeAt(i) << 1);
    store<u16>(a, <i32>load<u16>(a) | bit);
  }
}
function initLint(): void {
  // (no string concatenation: the stub runtime would place the results in memory the scanner uses)
  const alnum = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  lintSet(alnum, L_URI | L_USER | L_TOKENLWS);
  lintSet("-_.!~*'()&=+$,;/:@[]", L_URI);
  lintSet("-_.!~*'()&=+$,;/%", L_USER);
  lintSet('0123456789ABCDEFabcdef', L_HEX);
  lintSet('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz', L_ALPHA);
  lintSet('0123456789.', L_DIGITDOT);
  lintSet("-.!%*_+`'~ \t", L_TOKENLWS);
  lintSet('\t\n\v\f\r ', L_TRIM | L_SPACE);
  lintSet('\r\n', L_ODD);
  for (let c = 128; c < 256; c++) {
    const a = LOCT + (<usize>c << 1);
    store<u16>(a, <i32>load<u16>(a) | L_ODD);
  }
}

// @ts-ignore: decorator
@inline function loct(a: usize): i32 {
  return <i32>load<u16>(LOCT + (<usize>load<u8>(a) << 1));
}
// @ts-ignore: decorator
@inline function lat(a: usize): i32 {
  return <i32>load<u8>(a);
}

/** Whether the "%" at `k` starts an escape: two hex digits before `lim`. */
function lEscapeAt(k: usize, lim: usize): bool {
  return k + 2 < lim && (loct(k + 1) & loct(k + 2) & L_HEX) != 0;
}

/** chars.ts `isIpv4At`: a dotted quad, each part 1–3 digits, 0–255. */
function lIpv4(s: usize, e: usize): bool {
  let parts = 0;
  let n = 0;
  let len = 0;
  for (let k = s; k <= e; k++) {
    const c = k < e ? lat(k) : 46;
    if (c == 46) {
      if (len == 0 || len > 3 || n > 255) return false;
      parts++;
      n = 0;
      len = 0;
    } else if (c >= 48 && c <= 57) {
      if (len < 4) n = n * 10 + (c - 48); // (more than 3 digits fail at the part's end anyway)
      len++;
    } else return false;
  }
  return parts == 4;
}

/** lint.ts `ipv6Clean`. */
function lIpv6(s: usize, e: usize): bool {
  let groups = 0;
  let dbl = false;
  let k = s;
  if (e - s >= 2 && lat(s) == 58 && lat(s + 1) == 58) {
    dbl = true;
    k = s + 2;
    if (k == e) return true;
    if (lat(k) == 58) return false;
  }
  for (;;) {
    const g0 = k;
    while (k < e && (loct(k) & L_HEX) != 0) k++;
    if (k < e && lat(k) == 46) {
      if (!lIpv4(g0, e)) return false;
      groups += 2;
      break;
    }
    if (k == g0 || k - g0 > 4) return false;
    groups++;
    if (k == e) break;
    if (lat(k) != 58) return false;
    k++;
    if (k == e) return false;
    if (lat(k) == 58) {
      if (dbl) return false;
      dbl = true;
      k++;
      if (k == e) break;
      if (lat(k) == 58) return false;
    }
  }
  return dbl ? groups <= 7 : groups == 8;
}

function lDigitsOnly(s: usize, e: usize): bool {
  for (let k = s; k < e; k++) if (lat(k) < 48 || lat(k) > 57) return false;
  return true;
}

function lDoubleColon(s: usize, e: usize): bool {
  for (let k = s; k + 1 < e; k++) if (lat(k) == 58 && lat(k + 1) == 58) return true;
  return false;
}

function lSameFolded(as: usize, ae: usize, bs: usize, be: usize): bool {
  if (ae - as != be - bs) return false;
  for (let k: usize = 0; k < ae - as; k++) {
    let x = lat(as + k);
    let y = lat(bs + k);
    if (x >= 65 && x <= 90) x |= 32;
    if (y >= 65 && y <= 90) y |= 32;
    if (x != y) return false;
  }
  return true;
}

/**
 * lint.ts `uriCleanTo` of the URI at `u0` (addresses): where it ends (at the first octet `term`, or
 * at `lim` when `term` is -1) when it is certain to draw nothing from the URI checks, else -1.
 */
export function lintUriTo(u0: usize, lim: usize, term: i32): i32 {
  if (lim - u0 < 5 || lim < u0 || lat(u0) != 115 || lat(u0 + 1) != 105 || lat(u0 + 2) != 112) return -1;
  let p: usize;
  if (lat(u0 + 3) == 58) p = u0 + 4;
  else if (lat(u0 + 3) == 115 && lat(u0 + 4) == 58) p = u0 + 5;
  else return -1;
  let k = p;
  for (; k < lim; k++) {
    const c = lat(k);
    if ((loct(k) & L_USER) == 0) break;
    if (c == 37 && !lEscapeAt(k, lim)) return -1;
  }
  const hasUser = k < lim && lat(k) == 64;
  let h = p;
  if (hasUser) {
    if (k == p) return -1;
    h = k + 1;
  }
  k = h;
  if (k < lim && lat(k) == 91) {
    let close: isize = -1;
    for (let j = k + 1; j < lim; j++) {
      const c = lat(j);
      if (c == 93) {
        close = <isize>j;
        break;
      }
      if (c == 59 || c == term) break;
    }
    if (close < 0 || !lIpv6(h + 1, <usize>close)) return -1;
    const cl = <usize>close;
    k = cl + 1;
    if (k >= lim || lat(k) != 58) {
      let g = cl;
      while (lat(g - 1) != 58) g--;
      if (cl - g >= 4 && cl - g <= 5 && lDigitsOnly(g, cl) && lDoubleColon(h + 1, cl)) return -1;
    }
  } else {
    let letter = false;
    let digitsDots = true;
    for (; k < lim; k++) {
      const f = loct(k);
      if ((f & L_ALPHA) != 0) letter = true;
      else if ((f & L_DIGITDOT) == 0) {
        if (lat(k) == 45) digitsDots = false;
        else break;
      }
    }
    if (k == h) return -1;
    if (!letter && !(digitsDots && lIpv4(h, k))) return -1;
  }
  if (k < lim && lat(k) == 58) {
    const d0 = ++k;
    let port = 0;
    while (k < lim && lat(k) >= 48 && lat(k) <= 57) {
      if (port <= 65535) port = port * 10 + lat(k) - 48; // (saturates: above 65535 stays above)
      k++;
    }
    if (k == d0 || port > 65535) return -1;
  }
  let np = 0;
  while (k < lim) {
    const c0 = lat(k);
    if (c0 == term) return <i32>k;
    if (c0 != 59) return -1;
    const ns = ++k;
    let ne: usize = 0;
    let vs: usize = 0;
    let eq = false;
    for (; k < lim; k++) {
      const c = lat(k);
      if (c == 59 || c == term) break;
      if (c == 61) {
        if (!eq) {
          eq = true;
          ne = k;
          vs = k + 1;
        }
        continue;
      }
      if ((loct(k) & L_URI) == 0) {
        if (c != 37 || !lEscapeAt(k, lim)) return -1;
      } else if (c == 64 && !hasUser) return -1;
    }
    if (!eq) ne = k;
    if (ne == ns || (eq && k == vs)) return -1;
    for (let j = 0; j < np; j++) {
      const a = LPARAM + (<usize>j << 3);
      if (lSameFolded(<usize>load<i32>(a), <usize>load<i32>(a + 4), ns, ne)) return -1;
    }
    if (np == LPARAMS) return -1;
    const a = LPARAM + (<usize>np << 3);
    store<i32>(a, <i32>ns);
    store<i32>(a + 4, <i32>ne);
    np++;
  }
  return term < 0 ? <i32>k : -1;
}

/** Whether "expires" (any letter case) is at `k` (before `e`). */
function lExpiresAt(k: usize, e: usize): bool {
  if (k + 7 > e) return false;
  return (
    (lat(k + 1) | 32) == 120 &&
    (lat(k + 2) | 32) == 112 &&
    (lat(k + 3) | 32) == 105 &&
    (lat(k + 4) | 32) == 114 &&
    (lat(k + 5) | 32) == 101 &&
    (lat(k + 6) | 32) == 115
  );
}

/**
 * lint.ts `nameAddrClean` of the element at addresses [s, e) of a header of kind `kind` (1: To or
 * From, 2: Contact, 0: another name-addr header): 1 when the checks are certain to report nothing.
 */
export function lintNameAddr(s: usize, e: usize, kind: i32): i32 {
  if (kind == 2 && e - s == 1 && lat(s) == 42) return 1;
  let i = s;
  let lt: isize = -1;
  let quoted = false;
  while (i < e) {
    const ch = lat(i);
    if ((loct(i) & L_ODD) != 0) return 0;
    if (ch == 34) {
      quoted = true;
      i++;
      while (i < e && lat(i) != 34) {
        if ((loct(i) & L_ODD) != 0) return 0;
        if (lat(i) == 92) {
          if (i + 1 < e && (loct(i + 1) & L_ODD) != 0) return 0;
          i += 2;
        } else i++;
      }
      if (i >= e) return 1;
      i++;
      continue;
    }
    if (ch == 60) {
      lt = <isize>i;
      break;
    }
    if (ch == 59) break;
    i++;
  }
  let paramsFrom: usize;
  if (lt >= 0) {
    const l = <usize>lt;
    let ds = s;
    let de = l;
    while (ds < de && (loct(ds) & L_TRIM) != 0) ds++;
    while (de > ds && (loct(de - 1) & L_TRIM) != 0) de--;
    if (de > ds && lat(ds) != 34) {
      for (let k = ds; k < de; k++) if ((loct(k) & L_TOKENLWS) == 0) return 0;
    }
    const gt = lintUriTo(l + 1, e, 62);
    if (gt < 0) return 0;
    paramsFrom = <usize>gt + 1;
  } else {
    if (quoted) return 0;
    let semi = s;
    while (semi < e && lat(semi) != 59) semi++;
    for (let k = s; k < semi; k++) if (lat(k) == 44) return 0;
    if (lintUriTo(s, semi, -1) != <i32>semi) return 0;
    paramsFrom = semi;
  }
  if (kind == 1) return 1;
  const contact = kind == 2;
  for (let k = paramsFrom; k < e; k++) {
    const b = lat(k);
    if ((loct(k) & L_ODD) != 0) return 0;
    if (b == 59) {
      let j = k + 1;
      while (j < e && (loct(j) & L_SPACE) != 0) j++;
      if (j >= e || lat(j) == 59) return 0;
    } else if (contact && (b | 32) == 101 && lExpiresAt(k, e)) return 0;
  }
  return 1;
}

/**
 * lint.ts `fieldClean` of the name-addr field value at addresses [vs, ve): 1 when the checks are
 * certain to report nothing; 0 also for a list value with a comma (the JavaScript side splits it).
 * `flags`: 4 for a list header, and the kind {@link lintNameAddr} takes in the low two bits.
 */
export function lintField(vs: usize, ve: usize, flags: i32): i32 {
  const kind = flags & 3;
  if ((flags & 4) == 0) return ve > vs ? lintNameAddr(vs, ve, kind) : 1;
  for (let k = vs; k < ve; k++) if (lat(k) == 44) return 0;
  let s = vs;
  let e = ve;
  while (s < e && lLws(lat(s))) s++;
  while (e > s && lLws(lat(e - 1))) e--;
  return e > s ? lintNameAddr(s, e, kind) : 1;
}

// @ts-ignore: decorator
@inline function lLws(c: i32): bool {
  return c == 32 || c == 9 || c == 13 || c == 10;
}
