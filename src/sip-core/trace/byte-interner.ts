/**
 * Interning by bytes: maps a byte span (a Call-ID, a method) to a small integer id without building a
 * string for spans seen before. The ingest fast path calls it once per message; a string is made only
 * for a new span (and handed to the caller's string table, so both agree on ids).
 * @remarks Open addressing over an Int32Array, FNV-1a hashes, keys kept in one growing byte pool:
 * no per-key objects.
 */

const EMPTY = 0;

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
        const pool = this.#pool;
        let o = this.#keyOff[ent]!;
        let j = s;
        while (j < e && pool[o] === buf[j]) {
          o++;
          j++;
        }
        if (j === e) return this.#ids[ent]!;
      }
      i = (i + 1) & mask;
    }
    const id = make(buf, s, e);
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
