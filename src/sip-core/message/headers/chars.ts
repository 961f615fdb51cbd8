/**
 * Character classes of the RFC 3261 §25.1 grammar, as a lookup table over char codes < 128.
 * @remarks Hand-written scanners index this table instead of running regular expressions
 * (speed: typed parsing runs on every header of every message).
 */

export const C_ALPHA = 1;
export const C_DIGIT = 2;
/** token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~") — RFC 3261 §25.1 */
export const C_TOKEN = 4;
/** SP / HTAB / CR / LF: LWS once the header is unfolded (CR/LF tolerated if a caller left them). */
export const C_WS = 8;
export const C_HEX = 16;
/** unreserved = alphanum / mark; mark = "-" / "_" / "." / "!" / "~" / "*" / "'" / "(" / ")" */
export const C_UNRESERVED = 32;
/** Characters allowed in a hostname (alphanum, "-", "."); "_" tolerated by callers with a warning. */
export const C_HOST = 64;
/** word = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~" / "(" / ")" / "<" / ">" / ":" / "\" / DQUOTE / "/" / "[" / "]" / "?" / "{" / "}") — Call-ID */
export const C_WORD = 128;

export const CHAR = new Uint8Array(128);
(() => {
  const set = (chars: string, flag: number) => {
    for (let i = 0; i < chars.length; i++) CHAR[chars.charCodeAt(i)] |= flag;
  };
  const alpha = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
  const digit = '0123456789';
  set(alpha, C_ALPHA | C_TOKEN | C_UNRESERVED | C_HOST | C_WORD);
  set(digit, C_DIGIT | C_TOKEN | C_UNRESERVED | C_HOST | C_HEX | C_WORD);
  set('ABCDEFabcdef', C_HEX);
  set("-.!%*_+`'~", C_TOKEN | C_WORD);
  set("-_.!~*'()", C_UNRESERVED);
  set('-.', C_HOST);
  set(' \t\r\n', C_WS);
  set('()<>:\\"/[]?{}', C_WORD);
})();

/**
 * {@link CHAR} over every octet value (0 for 128..255), for octet loops: `CHAR256[b[i]] & C_X` needs no
 * `c < 128` test first (a Uint8Array element is always below 256).
 */
export const CHAR256 = new Uint8Array(256);
CHAR256.set(CHAR);

/** {@link STOP256} bit: ends an unquoted header (or Via) parameter value: ";" "," SP HT CR LF DQUOTE. */
export const S_HVALUE = 1;
/** {@link STOP256} bit: ends a URI parameter value inside `< >`: ";" "?" SP HT CR LF. */
export const S_UVALUE = 2;
/** Octets that end a parameter value in the octet fast paths (S_* bits), over every octet value. */
export const STOP256 = new Uint8Array(256);
/**
 * {@link STOP256} bits for the octet fast paths: {@link S_HVALUE} / {@link S_UVALUE} and every octet above
 * 127. A fast path stops at such an octet and then declines the value (it is not the ";" it needs), so
 * every octet of what it slices is ASCII: its strings are the same whether the header section was read
 * as UTF-8 or as latin1 (text.ts `octetText`).
 */
export const S_HVALUE8 = 4;
/** (and ">" and "@": see below) */
export const S_UVALUE8 = 8;
for (const c of [59, 44, 32, 9, 13, 10, 34]) STOP256[c]! |= S_HVALUE | S_HVALUE8;
for (const c of [59, 63, 32, 9, 13, 10]) STOP256[c]! |= S_UVALUE | S_UVALUE8;
// (">" and "@" too: the name-addr fast path walks a URI's parameters up to its ">", and declines an "@")
STOP256[62]! |= S_UVALUE8;
STOP256[64]! |= S_UVALUE8;
for (let c = 128; c < 256; c++) STOP256[c]! |= S_HVALUE8 | S_UVALUE8;

export function isToken(c: number): boolean {
  return c < 128 && (CHAR[c]! & C_TOKEN) !== 0;
}
export function isWs(c: number): boolean {
  return c === 32 || c === 9 || c === 13 || c === 10;
}
export function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Skips LWS (SP, HTAB, CR, LF) forward from `i`, never past `end`. */
export function skipWs(s: string, i: number, end: number): number {
  while (i < end) {
    const c = s.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 13 && c !== 10) break;
    i++;
  }
  return i;
}

/** Index just after the last non-LWS char in `[start, end)`. */
export function trimEnd(s: string, start: number, end: number): number {
  while (end > start) {
    const c = s.charCodeAt(end - 1);
    if (c !== 32 && c !== 9 && c !== 13 && c !== 10) break;
    end--;
  }
  return end;
}

/** Scans a token from `i`; returns the index after it (== i when there is none). */
export function scanToken(s: string, i: number, end: number): number {
  while (i < end) {
    const c = s.charCodeAt(i);
    if (c >= 128 || (CHAR[c]! & C_TOKEN) === 0) break;
    i++;
  }
  return i;
}

/**
 * Scans a quoted-string starting at the opening DQUOTE at `i` (RFC 3261 §25.1: quoted-pair is
 * "\" followed by any octet except CR/LF, tolerated here). Returns the index after the closing
 * quote, or -1 if it is unterminated. `out.text` receives the unescaped content.
 */
export function scanQuoted(s: string, i: number, end: number, out: { text: string }): number {
  let j = i + 1;
  let segStart = j;
  let text = '';
  while (j < end) {
    const c = s.charCodeAt(j);
    if (c === 34) {
      out.text = text + s.slice(segStart, j);
      return j + 1;
    }
    if (c === 92 && j + 1 < end) {
      text += s.slice(segStart, j);
      segStart = j + 1;
      j += 2;
      continue;
    }
    j++;
  }
  out.text = text + s.slice(segStart, end);
  return -1;
}

/** Parses an unsigned decimal in `[start, end)`; NaN if empty or not all digits. May exceed 2^53. */
export function parseUint(s: string, start: number, end: number): number {
  if (start >= end) return NaN;
  let n = 0;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return NaN;
    n = n * 10 + (c - 48);
  }
  return n;
}

/** Case-insensitive ASCII comparison of `s[start..start+word.length)` with lowercase `word`. */
export function matchWordCI(s: string, start: number, word: string): boolean {
  if (start + word.length > s.length) return false;
  for (let k = 0; k < word.length; k++) {
    let c = s.charCodeAt(start + k);
    if (c >= 65 && c <= 90) c += 32;
    if (c !== word.charCodeAt(k)) return false;
  }
  return true;
}

/** ASCII lower-casing that avoids allocating when the string is already lower case. */
export function lower(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 65 && c <= 90) return s.toLowerCase();
  }
  return s;
}

/** uri.ts `isIpv4` of the octets `b[s, e)`: a dotted quad, each part 1–3 digits, 0–255. */
export function isIpv4At(b: Uint8Array, s: number, e: number): boolean {
  let parts = 0;
  let n = 0;
  let len = 0;
  for (let k = s; k <= e; k++) {
    const c = k < e ? b[k]! : 46;
    if (c === 46) {
      if (len === 0 || len > 3 || n > 255) return false;
      parts++;
      n = 0;
      len = 0;
    } else if (c >= 48 && c <= 57) {
      n = n * 10 + (c - 48);
      len++;
    } else return false;
  }
  return parts === 4;
}

/** Set by {@link hostEndAt}: whether the host octets it stepped over hold a letter. */
export let hostLetter = false;
/** The DataView of the last array {@link hostEndAt} read (kept: a message's values share one array). */
let hostArr: Uint8Array | null = null;
let hostView: DataView = new DataView(new ArrayBuffer(0));
let hostOff = 0;

/**
 * The end of the host characters (alphanum, "-", ".": {@link C_HOST}) of `b[s, e)`: the index of the
 * first other octet, or `e`; {@link hostLetter} tells whether they hold a letter. Four octets per step
 * (one 32-bit load, SWAR range tests), the rest octet by octet: the octet loops of the typed fast paths
 * cost about the same per octet whatever they test, so fewer steps is what makes them cheaper.
 */
export function hostEndAt(b: Uint8Array, s: number, e: number): number {
  if (b !== hostArr) {
    hostArr = b;
    if (hostView.buffer !== b.buffer) hostView = new DataView(b.buffer);
    hostOff = b.byteOffset;
  }
  const dv = hostView;
  const off = hostOff;
  let p = s;
  let letters = 0;
  for (const lim = e - 4; p <= lim; p += 4) {
    const x = dv.getUint32(off + p, true);
    if ((x & 0x80808080) !== 0) break; // an octet above 127: octet by octet below
    // per octet, its top bit set when it is in the range (no octet above 127, so no carry across):
    // (x + (0x80 - lo)) & ~(x + (0x7f - hi))
    const l = x | 0x20202020;
    const alpha = (l + 0x1f1f1f1f) & ~(l + 0x05050505) & 0x80808080; // a-z after | 0x20
    const digit = (x + 0x50505050) & ~(x + 0x46464646); // 0-9
    const mark = (x + 0x53535353) & ~(x + 0x51515151); // "-" "."
    const host = (alpha | digit | mark) & 0x80808080;
    if (host !== (0x80808080 | 0)) {
      const m = ~host & 0x80808080;
      const k = (31 - Math.clz32(m & -m)) >> 3; // the first octet not in the class
      letters |= alpha & ((1 << (8 * k)) - 1);
      hostLetter = letters !== 0;
      return p + k;
    }
    letters |= alpha;
  }
  const ch = CHAR256;
  let acc = 0;
  while (p < e) {
    const f = ch[b[p]!]!;
    if ((f & C_HOST) === 0) break;
    acc |= f;
    p++;
  }
  hostLetter = letters !== 0 || (acc & C_ALPHA) !== 0;
  return p;
}

/**
 * Whether the octets `b[s, e)` are all ASCII (below 128): four per step (one 32-bit load), the rest
 * octet by octet. (The full typed parse's test before it slices a value of the latin1 header section.)
 */
export function asciiAt(b: Uint8Array, s: number, e: number): boolean {
  if (b !== hostArr) {
    hostArr = b;
    if (hostView.buffer !== b.buffer) hostView = new DataView(b.buffer);
    hostOff = b.byteOffset;
  }
  const dv = hostView;
  const off = hostOff;
  let p = s;
  for (const lim = e - 4; p <= lim; p += 4)
    if ((dv.getUint32(off + p, true) & 0x80808080) !== 0) return false;
  for (; p < e; p++) if (b[p]! >= 128) return false;
  return true;
}

/** True when `buf[s, e)` starts with the magic cookie `z9hG4bK` (RFC 3261 §8.1.1.7); `s < 0`: no value. */
export function hasMagicCookie(buf: Uint8Array, s: number, e: number): boolean {
  return (
    s >= 0 &&
    e - s >= 7 &&
    buf[s] === 0x7a &&
    buf[s + 1] === 0x39 &&
    buf[s + 2] === 0x68 &&
    buf[s + 3] === 0x47 &&
    buf[s + 4] === 0x34 &&
    buf[s + 5] === 0x62 &&
    buf[s + 6] === 0x4b
  );
}
