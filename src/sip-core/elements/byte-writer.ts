/**
 * Building message bytes without intermediate chunks: strings written as ASCII (other text through
 * `encodeInto`), spans of received bytes copied, one exact-size allocation per message.
 */

const enc = new TextEncoder();

/** Size of the shared buffers messages are written into. */
const SLAB = 256 * 1024;

/**
 * Writes messages one after the other into a shared slab (strings as ASCII, other text through
 * `encodeInto`; spans of received bytes copied) and hands out each as a view of the slab: no
 * ArrayBuffer per message (allocating one costs more than writing a whole message), no chunk
 * list. A full slab is left to the views that still point into it; the next message starts a new
 * one. The views are never written again once taken.
 */
export class ByteWriter {
  private buf = new Uint8Array(SLAB);
  /** Start of the message being written, and the write position. */
  private s = 0;
  private o = 0;
  reset(): this {
    this.o = this.s;
    return this;
  }
  private room(n: number): void {
    if (this.o + n <= this.buf.length) return;
    // a new slab (bigger when one message does not fit), the part written so far moved to it
    const used = this.o - this.s;
    const next = new Uint8Array(Math.max(SLAB, 2 * (used + n)));
    next.set(this.buf.subarray(this.s, this.o));
    this.buf = next;
    this.s = 0;
    this.o = used;
  }
  str(s: string): void {
    const n = s.length;
    this.room(n * 3);
    const b = this.buf;
    if (n > 64) {
      // the native encoder flattens a concatenated string once and copies it far faster than a loop;
      // below that, its call and the subarray it needs cost more than the loop (Call-IDs, URIs, tags)
      this.o += enc.encodeInto(s, b.subarray(this.o)).written;
      return;
    }
    let o = this.o;
    let i = 0;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) break;
      b[o++] = c;
    }
    if (i < n) o += enc.encodeInto(s.slice(i), b.subarray(o)).written;
    this.o = o;
  }
  /** A non-negative integer in decimal (what String(n) writes). */
  uint(n: number): void {
    if (!(n >= 0 && n <= 0xffffffff && n === Math.floor(n))) {
      this.str(String(n));
      return;
    }
    this.room(10);
    const b = this.buf;
    let o = this.o;
    let d = 1;
    while (d * 10 <= n) d *= 10;
    for (; d >= 1; d = Math.floor(d / 10)) {
      const q = Math.floor(n / d);
      b[o++] = 48 + q;
      n -= q * d;
    }
    this.o = o;
  }
  /** `s` then CRLF. */
  line(s: string): void {
    this.str(s);
    this.room(2);
    this.buf[this.o++] = 13;
    this.buf[this.o++] = 10;
  }
  bytes(src: Uint8Array): void {
    const n = src.length;
    this.room(n);
    const b = this.buf;
    const o = this.o;
    // a loop copies the short constant parts faster than TypedArray.set's call
    if (n > 32) b.set(src, o);
    else for (let i = 0; i < n; i++) b[o + i] = src[i]!;
    this.o = o + n;
  }
  span(src: Uint8Array, start: number, end: number): void {
    const n = end - start;
    this.room(n);
    const b = this.buf;
    let o = this.o;
    if (n > 160) b.set(src.subarray(start, end), o);
    else for (let i = start; i < end; i++) b[o++] = src[i]!;
    this.o = this.o + n;
  }
  /** Octets written since {@link reset}. */
  get size(): number {
    return this.o - this.s;
  }
  /** The message written since {@link reset}, as a view of the slab. */
  take(): Uint8Array {
    const out = this.buf.subarray(this.s, this.o);
    this.s = this.o;
    return out;
  }
}

/** UTF-8 length of a string (its length when ASCII). */
export function utf8Length(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) n += 1;
    else if (c >= 0xd800 && c <= 0xdbff) {
      n += 2; // a surrogate pair: 4 bytes for 2 units
      i++;
    } else n += 2;
  }
  return n;
}
