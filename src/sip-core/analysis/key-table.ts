/**
 * Numeric keys for the analysis indexes: transaction, dialog and response keys are hashed from the
 * key fields (strings and numbers) straight into a 52-bit number, without building the key string,
 * and looked up in an open-addressing table of typed arrays (no Map entry or boxed number per key).
 * @remarks 52 bits: the chance of any collision among n keys is about n²/2^53 (10 M keys: ~1%;
 * a collision merges two transactions, it never throws).
 */

import { decodeSpan } from '../message/text';

// Two 32-bit FNV-1a-style lanes, module state so that hashing several fields allocates nothing.
let h1 = 0;
let h2 = 0;

/** Starts a new key. */
export function keyStart(): void {
  h1 = 0x811c9dc5 | 0;
  h2 = (0x01000193 ^ 0x5bd1e995) | 0;
}

function mix(c: number): void {
  h1 = Math.imul(h1 ^ c, 0x01000193);
  h2 = Math.imul(h2 ^ c, 0x5bd1e995);
  h2 ^= h2 >>> 15;
}

/**
 * Adds a string field (null and '' differ), then a separator. Four characters per step (packed
 * little-endian, as `keyBytes` packs four octets, so an ASCII string and its bytes give the same
 * key); the lanes are kept in locals in the loop (module variables cost a check per access).
 */
export function keyStr(s: string | null): void {
  if (s === null) {
    mix(2);
    return;
  }
  const n = s.length;
  let x1 = h1;
  let x2 = h2;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const w =
      s.charCodeAt(i) |
      (s.charCodeAt(i + 1) << 8) |
      (s.charCodeAt(i + 2) << 16) |
      (s.charCodeAt(i + 3) << 24);
    x1 = Math.imul(x1 ^ w, 0x01000193);
    x2 = Math.imul(x2 ^ w, 0x5bd1e995);
    x2 ^= x2 >>> 15;
  }
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    x1 = Math.imul(x1 ^ c, 0x01000193);
    x2 = Math.imul(x2 ^ c, 0x5bd1e995);
    x2 ^= x2 >>> 15;
  }
  h1 = x1;
  h2 = x2;
  mix(1);
}

/** Adds the octets of `b[s,e)` as `keyStr` adds the characters of the same ASCII text, then a separator. */
export function keyBytes(b: Uint8Array, s: number, e: number): void {
  let x1 = h1;
  let x2 = h2;
  let i = s;
  for (; i + 4 <= e; i += 4) {
    const w = b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24);
    x1 = Math.imul(x1 ^ w, 0x01000193);
    x2 = Math.imul(x2 ^ w, 0x5bd1e995);
    x2 ^= x2 >>> 15;
  }
  for (; i < e; i++) {
    const c = b[i]!;
    x1 = Math.imul(x1 ^ c, 0x01000193);
    x2 = Math.imul(x2 ^ c, 0x5bd1e995);
    x2 ^= x2 >>> 15;
  }
  h1 = x1;
  h2 = x2;
  mix(1);
}

/**
 * `keyStr` of the text of `b[s,e)` (UTF-8): the octets are hashed as `keyBytes` does when they are all
 * ASCII (then the text's characters are the octets), else the decoded text is.
 */
export function keySpan(b: Uint8Array, s: number, e: number): void {
  let x1 = h1;
  let x2 = h2;
  let any = 0;
  let i = s;
  for (; i + 4 <= e; i += 4) {
    const w = b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24);
    any |= w;
    x1 = Math.imul(x1 ^ w, 0x01000193);
    x2 = Math.imul(x2 ^ w, 0x5bd1e995);
    x2 ^= x2 >>> 15;
  }
  for (; i < e; i++) {
    const c = b[i]!;
    any |= c;
    x1 = Math.imul(x1 ^ c, 0x01000193);
    x2 = Math.imul(x2 ^ c, 0x5bd1e995);
    x2 ^= x2 >>> 15;
  }
  if ((any & 0x80808080) !== 0) {
    keyStr(decodeSpan(b, s, e));
    return;
  }
  h1 = x1;
  h2 = x2;
  mix(1);
}

/** True when `b[s,e)` holds only ASCII octets. */
export function asciiSpan(b: Uint8Array, s: number, e: number): boolean {
  let x = 0;
  for (let i = s; i < e; i++) x |= b[i]!;
  return x < 0x80;
}

/** ASCII letters lower-cased. */
const low = (c: number): number => (c >= 65 && c <= 90 ? c + 32 : c);

/**
 * Adds the octets of `b[s,e)` lower-cased (ASCII letters), without a separator: `keyCharsLower` on
 * bytes. One octet per step, unlike `keyStr`: a field added in pieces (`host` then `:5060`) must hash
 * like the same text added at once.
 */
export function keyBytesLower(b: Uint8Array, s: number, e: number): void {
  let x1 = h1;
  let x2 = h2;
  for (let i = s; i < e; i++) {
    const c = low(b[i]!);
    x1 = Math.imul(x1 ^ c, 0x01000193);
    x2 = Math.imul(x2 ^ c, 0x5bd1e995);
    x2 ^= x2 >>> 15;
  }
  h1 = x1;
  h2 = x2;
}

/**
 * `keyBytesLower(b, s, e)` when every octet of `b[s,e)` is ASCII (`asciiSpan`), in the same pass:
 * returns 1 when one of them is ':', else 0; adds nothing and returns -1 when one is not ASCII.
 */
export function keyBytesLowerAscii(b: Uint8Array, s: number, e: number): number {
  let x1 = h1;
  let x2 = h2;
  let or = 0;
  let colon = 0;
  for (let i = s; i < e; i++) {
    const o = b[i]!;
    or |= o;
    if (o === 58) colon = 1;
    const c = low(o);
    x1 = Math.imul(x1 ^ c, 0x01000193);
    x2 = Math.imul(x2 ^ c, 0x5bd1e995);
    x2 ^= x2 >>> 15;
  }
  if (or >= 0x80) return -1;
  h1 = x1;
  h2 = x2;
  return colon;
}

/** Adds the characters of `s` lower-cased (ASCII letters), without a separator (see `keySep`); one per step. */
export function keyCharsLower(s: string): void {
  for (let i = 0; i < s.length; i++) mix(low(s.charCodeAt(i)));
}

/** Ends a field added with `keyCharsLower` (the separator `keyStr` adds). */
export function keySep(): void {
  mix(1);
}

/** Adds a non-negative integer field (< 2^53), then a separator. */
export function keyNum(n: number): void {
  mix(n & 0xffff);
  mix((n >>> 16) & 0xffff);
  const hi = Math.floor(n / 4294967296);
  mix(hi & 0xffff);
  mix((hi >>> 16) & 0xffff);
  mix(3);
}

/** The key (52 bits, exact in a double). */
export function keyEnd(): number {
  return (h1 >>> 0) * 0x100000 + ((h2 >>> 0) & 0xfffff);
}

/** A 52-bit hash of a string (one field). */
export function hashString(s: string): number {
  keyStart();
  keyStr(s);
  return keyEnd();
}

const EMPTY = -1;

/** Open-addressing map from 52-bit keys to non-negative int32 values; -1 means absent. */
export class KeyTable {
  #lo: Int32Array;
  #hi: Int32Array;
  #val: Int32Array;
  #mask: number;
  #size = 0;

  constructor(capacity = 1024) {
    let cap = 16;
    while (cap < capacity * 2) cap *= 2;
    this.#lo = new Int32Array(cap);
    this.#hi = new Int32Array(cap);
    this.#val = new Int32Array(cap).fill(EMPTY);
    this.#mask = cap - 1;
  }

  get size(): number {
    return this.#size;
  }

  /** Bytes held by the table. */
  get bytes(): number {
    return this.#val.length * 12;
  }

  #slot(lo: number, hi: number): number {
    const mask = this.#mask;
    let i = (Math.imul(lo ^ hi, 0x9e3779b1) >>> 7) & mask;
    const val = this.#val;
    while (val[i] !== EMPTY) {
      if (this.#lo[i] === lo && this.#hi[i] === hi) return i;
      i = (i + 1) & mask;
    }
    return i;
  }

  /** Value of key `k`, or -1. */
  get(k: number): number {
    return this.#val[this.#slot(k | 0, (k / 4294967296) | 0)]!;
  }

  /** Sets key `k` to `v` (≥ 0). */
  set(k: number, v: number): void {
    const lo = k | 0;
    const hi = (k / 4294967296) | 0;
    const i = this.#slot(lo, hi);
    if (this.#val[i] === EMPTY) {
      this.#lo[i] = lo;
      this.#hi[i] = hi;
      this.#size++;
    }
    this.#val[i] = v;
    if (this.#size * 2 > this.#val.length) this.#grow();
  }

  #grow(): void {
    const lo = this.#lo;
    const hi = this.#hi;
    const val = this.#val;
    const cap = val.length * 2;
    this.#lo = new Int32Array(cap);
    this.#hi = new Int32Array(cap);
    this.#val = new Int32Array(cap).fill(EMPTY);
    this.#mask = cap - 1;
    for (let i = 0; i < val.length; i++) {
      if (val[i] === EMPTY) continue;
      const j = this.#slot(lo[i]!, hi[i]!);
      this.#lo[j] = lo[i]!;
      this.#hi[j] = hi[i]!;
      this.#val[j] = val[i]!;
    }
  }
}
