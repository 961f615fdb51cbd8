/**
 * Building message bytes without intermediate chunks: strings written as ASCII (other text through
 * `encodeInto`), spans of received bytes copied, one exact-size allocation per message.
 */

const enc = new TextEncoder();

/**
 * Writes a message into one growing scratch buffer (strings as ASCII, other text through
 * `encodeInto`; spans of received bytes copied) and hands out an exact-size copy: one allocation
 * per message, no chunk list.
 */
export class ByteWriter {
  private buf = new Uint8Array(4096);
  private o = 0;
  reset(): this {
    this.o = 0;
    return this;
  }
  private room(n: number): void {
    if (this.o + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.o + n));
    next.set(this.buf.subarray(0, this.o));
    this.buf = next;
  }
  str(s: string): void {
    const n = s.length;
    this.room(n * 3);
    const b = this.buf;
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
  bytes(src: Uint8Array): void {
    this.room(src.length);
    this.buf.set(src, this.o);
    this.o += src.length;
  }
  span(src: Uint8Array, start: number, end: number): void {
    const n = end - start;
    this.room(n);
    const b = this.buf;
    let o = this.o;
    if (n > 64) b.set(src.subarray(start, end), o);
    else for (let i = start; i < end; i++) b[o++] = src[i]!;
    this.o = this.o + n;
  }
  take(): Uint8Array {
    return this.buf.slice(0, this.o);
  }
}
/** Joins strings (ASCII written directly, other text through `encodeInto`) and byte chunks into one buffer. */
export function joinChunks(chunks: readonly (string | Uint8Array)[]): Uint8Array {
  let max = 0;
  for (const c of chunks) max += typeof c === 'string' ? c.length * 3 : c.length;
  const out = new Uint8Array(max);
  let o = 0;
  for (const c of chunks) {
    if (typeof c !== 'string') {
      out.set(c, o);
      o += c.length;
      continue;
    }
    const n = c.length;
    let i = 0;
    for (; i < n; i++) {
      const code = c.charCodeAt(i);
      if (code >= 0x80) break;
      out[o++] = code;
    }
    if (i < n) o += enc.encodeInto(c.slice(i), out.subarray(o)).written;
  }
  return o === max ? out : out.slice(0, o);
}
