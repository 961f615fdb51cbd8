/**
 * Where a trace keeps its messages' raw bytes: in the capture file (read back by offset when a view
 * asks) or, for bytes that are not contiguous in the file (TCP/IP reassembly, WebSocket unmasking,
 * HEP inflation, compressed files), in an append-only arena of large chunks — never one small object
 * per message.
 */

/**
 * Reads `length` bytes at `offset` of the capture stream (a *.node.ts adapter over the file, or a
 * buffer). `into`: a buffer the caller lends (at least `length` long, its octets the caller's to
 * overwrite): an adapter that copies may read into it and return a view of it, one that holds the
 * bytes may ignore it and return its own view.
 */
export type ReadAt = (offset: number, length: number, into?: Uint8Array) => Uint8Array;

const CHUNK = 4 * 1024 * 1024;

/** Append-only byte arena in 4 MB chunks; a message never spans two chunks. */
export class ByteArena {
  readonly #chunks: Uint8Array[] = [];
  #cur: Uint8Array | null = null;
  #used = 0;
  /** Bytes held (capacity of all chunks). */
  capacity = 0;

  /** Copies `buf[start,end)` in and returns its arena address. */
  append(buf: Uint8Array, start: number, end: number): number {
    const len = end - start;
    if (this.#cur === null || this.#used + len > this.#cur.length) {
      this.#cur = new Uint8Array(Math.max(CHUNK, len));
      this.#chunks.push(this.#cur);
      this.#used = 0;
      this.capacity += this.#cur.length;
    }
    const addr = (this.#chunks.length - 1) * 2 ** 32 + this.#used;
    this.#cur.set(buf.subarray(start, end), this.#used);
    this.#used += len;
    return addr;
  }

  /** The bytes at an address returned by `append` (a view, no copy). */
  read(addr: number, length: number): Uint8Array {
    const chunk = Math.floor(addr / 2 ** 32);
    const off = addr - chunk * 2 ** 32;
    return this.#chunks[chunk]!.subarray(off, off + length);
  }

  /** The chunks (for transfer to another thread) and the fill of the last one. */
  export(): { chunks: Uint8Array[]; used: number } {
    return { chunks: this.#chunks, used: this.#used };
  }

  static import(data: { chunks: Uint8Array[]; used: number }): ByteArena {
    const a = new ByteArena();
    for (const c of data.chunks) {
      a.#chunks.push(c);
      a.capacity += c.length;
    }
    a.#cur = a.#chunks[a.#chunks.length - 1] ?? null;
    a.#used = data.used;
    return a;
  }
}
