/**
 * Interning by bytes: maps a byte span (a Call-ID, a method) to a small integer id without building a
 * string for spans seen before. The ingest fast path calls it once per message; a string is made only
 * for a new span (and handed to the caller's string table, so both agree on ids).
 * @remarks Open addressing over an Int32Array, FNV-1a hashes, keys kept in one growing byte pool:
 * no per-key objects.
 */

import { decodeSpan } from '../message/text';

const EMPTY = 0;

/** Whether the pool's octets from `o` equal `buf[s,e)` (the lengths already agree). */
function sameOctets(pool: Uint8Array, o: number, buf: Uint8Array, s: number, e: number): boolean {
  while (s < e && pool[o] === buf[s]) {
    o++;
    s++;
  }
  return s === e;
}

export class ByteInterner {
  #slots: Int32Array;
  #mask: number;
  /** Per entry: offset and length of the key in the pool, its hash, and the id it maps to. */
  #keyOff: Int32Array;
  #keyLen: Int32Array;
  #hash: Int32Array;
  #ids: Int32Array;
  #pool: Uint8Array;
  #poolUsed = 0;
  #n = 0;

  constructor(capacity = 1024) {
    let cap = 16;
    while (cap < capacity * 2) cap *= 2;
    this.#slots = new Int32Array(cap);
    this.#mask = cap - 1;
    this.#keyOff = new Int32Array(capacity);
    this.#keyLen = new Int32Array(capacity);
    this.#hash = new Int32Array(capacity);
    this.#ids = new Int32Array(capacity);
    this.#pool = new Uint8Array(capacity * 32);
  }

  /** Number of distinct spans held. */
  get size(): number {
    return this.#n;
  }

  /** Bytes held by the tables. */
  get bytes(): number {
    return this.#slots.byteLength + this.#keyOff.byteLength * 4 + this.#pool.byteLength;
  }

  /**
   * The id of `buf[s,e)`; when the span is new, `make(buf, s, e)` gives the id to store (the caller
   * interns the decoded string) and it is remembered.
   */
  id(buf: Uint8Array, s: number, e: number, make: (buf: Uint8Array, s: number, e: number) => number): number {
    const len = e - s;
    // A few keys (methods) come again and again: a direct-mapped cache keyed by the length and three
    // bytes finds them without hashing every byte.
    let hk = 0;
    let hs = 0;
    if (len > 0) {
      hk = ((len << 24) | (buf[s]! << 16) | (buf[s + (len >> 1)]! << 8) | buf[e - 1]!) >>> 0;
      hs = (hk ^ (hk >>> 7) ^ (hk >>> 17)) & 63;
      const ent = this.#hotEnt[hs]! - 1;
      if (ent >= 0 && this.#hotKey[hs] === hk && this.#keyLen[ent] === len) {
        if (sameOctets(this.#pool, this.#keyOff[ent]!, buf, s, e)) return this.#ids[ent]!;
      }
    }
    const id = this.#find(buf, s, e, make);
    if (len > 0) {
      this.#hotKey[hs] = hk;
      this.#hotEnt[hs] = this.#lastEnt + 1;
    }
    return id;
  }

  /** Cache slots: key (length and three bytes) and entry + 1 (0 = empty). */
  readonly #hotKey = new Uint32Array(64);
  readonly #hotEnt = new Int32Array(64);
  /** Entry of the last `#find` result. */
  #lastEnt = 0;

  #find(
    buf: Uint8Array,
    s: number,
    e: number,
    make: (buf: Uint8Array, s: number, e: number) => number,
  ): number {
    let h = 0x811c9dc5 | 0;
    for (let i = s; i < e; i++) h = Math.imul(h ^ buf[i]!, 0x01000193);
    const len = e - s;
    const slots = this.#slots;
    const mask = this.#mask;
    let i = h & mask;
    for (;;) {
      const k = slots[i]!;
      if (k === EMPTY) break;
      const ent = k - 1;
      if (this.#hash[ent] === h && this.#keyLen[ent] === len) {
        if (sameOctets(this.#pool, this.#keyOff[ent]!, buf, s, e)) {
          this.#lastEnt = ent;
          return this.#ids[ent]!;
        }
      }
      i = (i + 1) & mask;
    }
    const id = make(buf, s, e);
    this.#lastEnt = this.#n;
    this.#insert(buf, s, e, h, id, i);
    return id;
  }

  #insert(buf: Uint8Array, s: number, e: number, h: number, id: number, slot: number): void {
    const ent = this.#n;
    if (ent >= this.#keyOff.length) {
      const cap = this.#keyOff.length * 2;
      const g = (a: Int32Array): Int32Array => {
        const b = new Int32Array(cap);
        b.set(a);
        return b;
      };
      this.#keyOff = g(this.#keyOff);
      this.#keyLen = g(this.#keyLen);
      this.#hash = g(this.#hash);
      this.#ids = g(this.#ids);
    }
    const len = e - s;
    if (this.#poolUsed + len > this.#pool.length) {
      const p = new Uint8Array(Math.max(this.#pool.length * 2, this.#poolUsed + len));
      p.set(this.#pool.subarray(0, this.#poolUsed));
      this.#pool = p;
    }
    this.#pool.set(buf.subarray(s, e), this.#poolUsed);
    this.#keyOff[ent] = this.#poolUsed;
    this.#keyLen[ent] = len;
    this.#hash[ent] = h;
    this.#ids[ent] = id;
    this.#poolUsed += len;
    this.#n = ent + 1;
    this.#slots[slot] = ent + 1;
    if (this.#n * 2 > this.#slots.length) this.#rehash();
  }

  #rehash(): void {
    const cap = this.#slots.length * 2;
    const slots = new Int32Array(cap);
    const mask = cap - 1;
    for (let ent = 0; ent < this.#n; ent++) {
      let i = this.#hash[ent]! & mask;
      while (slots[i] !== EMPTY) i = (i + 1) & mask;
      slots[i] = ent + 1;
    }
    this.#slots = slots;
    this.#mask = mask;
  }
}

/** The transferable form of a {@link SpanTable} (see `export`/`import`). */
export interface SpanTableState {
  /** Key bytes of every id, back to back; id k's key is `pool[off[k], off[k] + len[k])`. */
  pool: Uint8Array;
  off: Int32Array;
  len: Int32Array;
  /** Number of ids including id 0 ("absent"). */
  count: number;
  /** Ids whose key is text that is not ASCII (interned by string, never by bytes). */
  text: [number, string][];
  /** Per id the key's hash, when the table had them (saves rehashing every key on import). */
  hash?: Int32Array;
}

const decodeAscii = (pool: Uint8Array, s: number, e: number): string => {
  let out = '';
  // Short keys char by char; longer ones a chunk at a time (no arguments limit is near: 4096).
  for (let i = s; i < e; i += 4096)
    out += String.fromCharCode.apply(null, pool.subarray(i, Math.min(e, i + 4096)) as unknown as number[]);
  return out;
};

/**
 * A string table keyed by bytes (Call-IDs): id 0 is "absent". An ASCII byte span gets its id without
 * any string being made; its text is decoded the first time someone asks (`get`). Text that is not
 * ASCII is interned by its decoded string (so two byte spans that decode alike share an id, as they
 * would in a string table). Ids are dense, in order of first sight; the whole table moves between
 * threads as a few typed arrays, and its hash index is rebuilt only when a lookup needs it.
 * @remarks Open addressing over an Int32Array; the hash is FNV-1a over the first 32 and last 16 bytes
 * and the length (keys differing elsewhere only collide, then compare equal-or-not byte by byte).
 */
export class SpanTable {
  /** Key bytes back to back, and per id their offset and length (ASCII ids; -1 offset for text ids). */
  #pool: Uint8Array;
  #used = 0;
  #off: Int32Array;
  #len: Int32Array;
  #hash: Int32Array;
  #n = 1;
  /** Hash index (id per slot, 0 = empty); null until a lookup needs it after `import`. */
  #slots: Int32Array | null;
  #mask = 0;
  /** False after `import` until the index is built (per-id hashes not computed yet). */
  #hashed = true;
  /** Decoded text by id (filled lazily for ASCII ids). */
  #names: (string | null)[] = [null];
  /** Ids of keys that are not ASCII, by text. */
  readonly #textIds = new Map<string, number>();
  readonly #scratch = new Uint8Array(256);

  constructor(capacity = 1024) {
    this.#pool = new Uint8Array(Math.max(64, capacity * 32));
    this.#off = new Int32Array(Math.max(16, capacity));
    this.#len = new Int32Array(this.#off.length);
    this.#hash = new Int32Array(this.#off.length);
    this.#slots = null;
    this.#index(this.#off.length * 2);
  }

  /** Number of ids including 0. */
  get count(): number {
    return this.#n;
  }

  /** Bytes held. */
  get bytes(): number {
    return this.#pool.byteLength + this.#off.byteLength * 3 + (this.#slots?.byteLength ?? 0);
  }

  /** Hash of `buf[s,e)`: four bytes per multiply over the first 32 and last 16 bytes, and the length. */
  static #hashOf(buf: Uint8Array, s: number, e: number): number {
    let h = (0x811c9dc5 ^ (e - s)) | 0;
    const a = e - s > 48 ? s + 32 : e;
    let i = s;
    for (; i + 4 <= a; i += 4)
      h = Math.imul(
        h ^ (buf[i]! | (buf[i + 1]! << 8) | (buf[i + 2]! << 16) | (buf[i + 3]! << 24)),
        0x01000193,
      );
    for (; i < a; i++) h = Math.imul(h ^ buf[i]!, 0x01000193);
    if (a !== e)
      for (i = e - 16; i < e; i += 4)
        h = Math.imul(
          h ^ (buf[i]! | (buf[i + 1]! << 8) | (buf[i + 2]! << 16) | (buf[i + 3]! << 24)),
          0x01000193,
        );
    return h ^ (h >>> 15);
  }

  /** Rebuilds the hash index with room for `cap` keys: per slot two ints, the id (0 = empty) and its hash. */
  #index(cap: number): void {
    if (!this.#hashed) {
      for (let id = 1; id < this.#n; id++) {
        const o = this.#off[id]!;
        if (o >= 0) this.#hash[id] = SpanTable.#hashOf(this.#pool, o, o + this.#len[id]!);
      }
      this.#hashed = true;
    }
    let size = 16;
    while (size < cap) size *= 2;
    const slots = new Int32Array(size * 2);
    const mask = size - 1;
    for (let id = 1; id < this.#n; id++) {
      if (this.#off[id]! < 0) continue;
      const h = this.#hash[id]!;
      let i = h & mask;
      while (slots[2 * i] !== 0) i = (i + 1) & mask;
      slots[2 * i] = id;
      slots[2 * i + 1] = h;
    }
    this.#slots = slots;
    this.#mask = mask;
  }

  /** The id of `buf[s,e)` (hash `h`), or ~slot (negative) where it would go when absent. */
  #lookup(buf: Uint8Array, s: number, e: number, h: number): number {
    if (this.#slots === null) this.#index(this.#n * 2);
    const slots = this.#slots!;
    const mask = this.#mask;
    const len = e - s;
    let i = h & mask;
    for (;;) {
      const id = slots[2 * i]!;
      if (id === 0) return ~i;
      if (slots[2 * i + 1] === h && this.#len[id] === len) {
        if (sameOctets(this.#pool, this.#off[id]!, buf, s, e)) return id;
      }
      i = (i + 1) & mask;
    }
  }

  /** The last id returned by `idOfSpan` for an ASCII key (0 = none). */
  #last = 0;

  /** The id of the text in `buf[s,e)` (decoded like `spanText`), adding it when new. */
  idOfSpan(buf: Uint8Array, s: number, e: number): number {
    // A capture seen at two points, and a transaction's request and response, repeat the last key:
    // compare with it before hashing.
    const last = this.#last;
    if (last !== 0 && this.#len[last] === e - s && this.#same(buf, s, e, this.#off[last]!)) return last;
    const id = this.#idOfSpan(buf, s, e);
    if (this.#off[id]! >= 0) this.#last = id;
    return id;
  }

  /** DataViews of the last buffer compared and of the pool (rebuilt when either changes). */
  #bufOf: Uint8Array | null = null;
  #bufView: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));
  #poolOf: Uint8Array | null = null;
  #poolView: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));

  /** True when `buf[s,e)` equals the pool's bytes at `o` (four bytes per step). */
  #same(buf: Uint8Array, s: number, e: number, o: number): boolean {
    if (this.#bufOf !== buf) {
      this.#bufOf = buf;
      this.#bufView = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    }
    const pool = this.#pool;
    if (this.#poolOf !== pool) {
      this.#poolOf = pool;
      this.#poolView = new DataView(pool.buffer, pool.byteOffset, pool.byteLength);
    }
    const a = this.#bufView;
    const b = this.#poolView;
    let j = s;
    for (; j + 4 <= e; j += 4, o += 4) if (a.getInt32(j, true) !== b.getInt32(o, true)) return false;
    for (; j < e; j++, o++) if (buf[j] !== pool[o]) return false;
    return true;
  }

  #idOfSpan(buf: Uint8Array, s: number, e: number, h = SpanTable.#hashOf(buf, s, e)): number {
    const r = this.#lookup(buf, s, e, h);
    if (r > 0) return r;
    for (let j = s; j < e; j++) if (buf[j]! >= 0x80) return this.#textId(decodeSpan(buf, s, e));
    return this.#insert(buf, s, e, h, ~r);
  }

  /** The id of `text`, adding it when new. */
  idOf(text: string): number {
    const n = text.length;
    let ascii = true;
    for (let i = 0; i < n; i++)
      if (text.charCodeAt(i) >= 0x80) {
        ascii = false;
        break;
      }
    if (!ascii) return this.#textId(text);
    const b = n <= this.#scratch.length ? this.#scratch : new Uint8Array(n);
    for (let i = 0; i < n; i++) b[i] = text.charCodeAt(i);
    const id = this.idOfSpan(b, 0, n);
    if (this.#names[id] == null) this.#names[id] = text;
    return id;
  }

  /** The id of `text` (of its first `n` characters when given), or -1 when it was never added. */
  find(text: string, n = text.length): number {
    if (this.#textIds.size > 0) {
      const t = this.#textIds.get(n === text.length ? text : text.slice(0, n));
      if (t !== undefined) return t;
    }
    const b = n <= this.#scratch.length ? this.#scratch : new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c >= 0x80) return -1;
      b[i] = c;
    }
    const r = this.#lookup(b, 0, n, SpanTable.#hashOf(b, 0, n));
    return r > 0 ? r : -1;
  }

  /** The text of id (null for 0 or an unknown id). */
  get(id: number): string | null {
    if (id <= 0 || id >= this.#n) return null;
    let s = this.#names[id];
    if (s == null) {
      const o = this.#off[id]!;
      s = decodeAscii(this.#pool, o, o + this.#len[id]!);
      this.#names[id] = s;
    }
    return s;
  }

  #grow(): void {
    const cap = this.#off.length * 2;
    const g = (a: Int32Array): Int32Array => {
      const b = new Int32Array(cap);
      b.set(a);
      return b;
    };
    this.#off = g(this.#off);
    this.#len = g(this.#len);
    this.#hash = g(this.#hash);
  }

  #textId(text: string): number {
    let id = this.#textIds.get(text);
    if (id !== undefined) return id;
    id = this.#n++;
    if (id >= this.#off.length) this.#grow();
    this.#off[id] = -1;
    this.#len[id] = 0;
    this.#hash[id] = 0;
    this.#names[id] = text;
    this.#textIds.set(text, id);
    return id;
  }

  #insert(buf: Uint8Array, s: number, e: number, h: number, slot: number): number {
    const id = this.#n++;
    if (id >= this.#off.length) this.#grow();
    const len = e - s;
    if (this.#used + len > this.#pool.length) {
      const p = new Uint8Array(Math.max(this.#pool.length * 2, this.#used + len));
      p.set(this.#pool.subarray(0, this.#used));
      this.#pool = p;
    }
    this.#pool.set(buf.subarray(s, e), this.#used);
    this.#off[id] = this.#used;
    this.#len[id] = len;
    this.#hash[id] = h;
    this.#used += len;
    this.#slots![2 * slot] = id;
    this.#slots![2 * slot + 1] = h;
    if (this.#n * 4 > this.#slots!.length) this.#index(this.#slots!.length);
    return id;
  }

  /** The table as typed arrays (transferable) plus the non-ASCII texts. */
  export(): SpanTableState {
    const text: [number, string][] = [...this.#textIds].map(([s, id]) => [id, s]);
    return {
      pool: this.#pool.subarray(0, this.#used),
      off: this.#off.subarray(0, this.#n),
      len: this.#len.subarray(0, this.#n),
      count: this.#n,
      text,
      ...(this.#hashed ? { hash: this.#hash.subarray(0, this.#n) } : {}),
    };
  }

  /** Rebuilds a table from `export()` (no copy of the arrays; the hash index is rebuilt when needed). */
  static import(s: SpanTableState): SpanTable {
    const t = new SpanTable(1);
    t.#pool = s.pool;
    t.#used = s.pool.length;
    t.#off = s.off;
    t.#len = s.len;
    t.#n = s.count;
    // Hashes are computed with the index, when a lookup first needs them (reading ids back never
    // does), unless the state brings them.
    const known = s.hash !== undefined && s.hash.length >= s.count;
    const hash = new Int32Array(Math.max(16, s.count));
    if (known) hash.set(s.hash!.subarray(0, s.count));
    t.#hash = hash;
    t.#hashed = known;
    if (t.#off.length < hash.length) {
      const off = new Int32Array(hash.length);
      off.set(t.#off);
      const len = new Int32Array(hash.length);
      len.set(t.#len);
      t.#off = off;
      t.#len = len;
    }
    for (const [id, text] of s.text) {
      t.#names[id] = text;
      t.#textIds.set(text, id);
    }
    t.#slots = null;
    return t;
  }

  /**
   * The ids from `from` on, for a table that already holds the ids below it (a trace handed over in
   * parts while it grows): `off` of the delta is relative to its own `pool`, and `count` is this
   * table's count. See {@link SpanTable.appendDelta}.
   */
  exportFrom(from: number): SpanTableState & { from: number } {
    const f = Math.max(1, Math.min(from, this.#n));
    let p0 = this.#used;
    for (let id = f; id < this.#n; id++)
      if (this.#off[id]! >= 0) {
        p0 = this.#off[id]!;
        break;
      }
    const k = this.#n - f;
    const off = new Int32Array(k);
    const len = new Int32Array(k);
    for (let i = 0; i < k; i++) {
      const o = this.#off[f + i]!;
      off[i] = o >= 0 ? o - p0 : -1;
      len[i] = this.#len[f + i]!;
    }
    const text: [number, string][] = [];
    for (const [t, id] of this.#textIds) if (id >= f) text.push([id, t]);
    return { from: f, pool: this.#pool.slice(p0, this.#used), off, len, count: this.#n, text };
  }

  /**
   * Adds the ids of a delta from `exportFrom` made by a table this one mirrors (its ids continue
   * this table's). Returns false, adding nothing, when they do not (a delta missed or repeated).
   */
  appendDelta(d: SpanTableState & { from: number }): boolean {
    if (d.from !== this.#n) return d.count === this.#n && d.off.length === 0;
    if (this.#slots === null || this.#n === 1) {
      // No index yet (or nothing to index): the delta's keys are taken as they come, in order, and
      // hashed with the index when a lookup first needs one, as after `import` (a trace handed over in
      // parts: the receiving thread reads ids back, and looks keys up later if at all).
      this.#appendUnindexed(d);
      return true;
    }
    const text = new Map(d.text);
    for (let i = 0; i < d.off.length; i++) {
      const o = d.off[i]!;
      const id = o >= 0 ? this.#idOfSpan(d.pool, o, o + d.len[i]!) : this.#textId(text.get(d.from + i) ?? '');
      if (id !== d.from + i) return false;
    }
    return true;
  }

  /** `appendDelta` into a table without an index: the keys copied, the index dropped until needed. */
  #appendUnindexed(d: SpanTableState & { from: number }): void {
    const k = d.off.length;
    const n = d.from + k;
    while (n > this.#off.length) this.#grow();
    const base = this.#used;
    if (base + d.pool.length > this.#pool.length) {
      const p = new Uint8Array(Math.max(this.#pool.length * 2, base + d.pool.length));
      p.set(this.#pool.subarray(0, base));
      this.#pool = p;
    }
    this.#pool.set(d.pool, base);
    for (let i = 0; i < k; i++) {
      const o = d.off[i]!;
      this.#off[d.from + i] = o >= 0 ? base + o : -1;
      this.#len[d.from + i] = o >= 0 ? d.len[i]! : 0;
      this.#hash[d.from + i] = 0;
    }
    if (d.text.length > 0) {
      const text = new Map(d.text);
      for (let i = 0; i < k; i++) {
        if (d.off[i]! >= 0) continue;
        const t = text.get(d.from + i) ?? '';
        this.#names[d.from + i] = t;
        this.#textIds.set(t, d.from + i);
      }
    }
    this.#used = base + d.pool.length;
    this.#n = n;
    this.#slots = null;
    this.#hashed = false;
  }

  /**
   * Maps every id of `other` into this table (adding what it lacks): `map[otherId]` = id here.
   * Keys move as bytes (no strings are made for ASCII keys).
   */
  absorb(other: SpanTableState): Uint32Array {
    const map = new Uint32Array(Math.max(1, other.count));
    const text = new Map(other.text);
    const hash = other.hash !== undefined && other.hash.length >= other.count ? other.hash : null;
    for (let id = 1; id < other.count; id++) {
      const o = other.off[id]!;
      if (o < 0) map[id] = this.#textId(text.get(id)!);
      else if (hash !== null) map[id] = this.#idOfSpan(other.pool, o, o + other.len[id]!, hash[id]!);
      else map[id] = this.idOfSpan(other.pool, o, o + other.len[id]!);
    }
    return map;
  }
}
