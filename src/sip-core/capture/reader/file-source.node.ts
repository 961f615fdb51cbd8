/**
 * Node adapter: reads a capture file in ~8 MB chunks with `fs.readSync` into one reused buffer (so a
 * multi-GB file never sits in memory), gunzips `.gz` captures as a stream, reads raw bytes back by
 * offset, and inflates HEP compressed payloads with node:zlib.
 */
import { closeSync, createReadStream, fstatSync, openSync, readSync } from 'node:fs';
import { createGunzip, gunzipSync, inflateRawSync, inflateSync } from 'node:zlib';
import type { ReadAt } from '../../trace/raw-store';
import { MAX_INFLATED, type Inflate } from '../unwrap/hep';
import type { Gunzipped } from '../../trace/trace-builder';
import { Readable } from 'node:stream';
import { constants } from 'node:buffer';

export const CHUNK_SIZE = 8 * 1024 * 1024;
/** Size of the read-back window of `CaptureFile.readAt`. */
const READ_WINDOW = 256 * 1024;

/** zlib, gzip or raw deflate, whichever the data is; null when none fits or it inflates past MAX_INFLATED. */
export const zlibInflate: Inflate = (d) => {
  for (const f of [inflateSync, gunzipSync, inflateRawSync]) {
    try {
      return new Uint8Array(f(d, { maxOutputLength: MAX_INFLATED }));
    } catch {
      // not this format: try the next one
    }
  }
  return null;
};

/**
 * The most a gzip capture held in memory decompresses to (an upload; a file is read as a stream and
 * never held): a buffer's limit (4 GiB on 64-bit Node), past which the bytes could not be held at all.
 */
export const MAX_GUNZIPPED = constants.MAX_LENGTH;

/**
 * A gzip stream held in memory, decompressed as a stream: all of it, or what came before the damage
 * and why — or the first `max` bytes, when it decompresses to more (a gzip bomb: a few MB that
 * inflate past what memory holds), with that said.
 */
export async function gunzipBytes(b: Uint8Array, max = MAX_GUNZIPPED): Promise<Gunzipped> {
  const parts: Uint8Array[] = [];
  let n = 0;
  let error: string | null = null;
  let tooLarge = false;
  try {
    for await (const c of Readable.from([b]).pipe(createGunzip({ chunkSize: 1024 * 1024 }))) {
      const chunk = c as Uint8Array;
      if (n + chunk.length > max) {
        parts.push(chunk.subarray(0, max - n));
        n = max;
        error = `decompresses to more than ${max} bytes, more than can be held in memory: read up to there`;
        tooLarge = true;
        break;
      }
      parts.push(chunk);
      n += chunk.length;
    }
  } catch (e) {
    error = e instanceof Error ? e.message : String(e);
  }
  const data = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    data.set(p, o);
    o += p.length;
  }
  return tooLarge ? { data, error, tooLarge } : { data, error };
}

/** An open capture file: size, first bytes, chunked reading and read-back by offset. */
export class CaptureFile {
  readonly fd: number;
  readonly size: number;
  #closed = false;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'r');
    this.size = fstatSync(this.fd).size;
  }

  /** The first `n` bytes (for format detection). */
  head(n = 16): Uint8Array {
    const b = new Uint8Array(Math.min(n, this.size));
    readSync(this.fd, b, 0, b.length, 0);
    return b;
  }

  /** True when the file starts with the gzip magic (RFC 1952). */
  get gzip(): boolean {
    const h = this.head(2);
    return h.length === 2 && h[0] === 0x1f && h[1] === 0x8b;
  }

  /**
   * Yields consecutive chunks of the file. Each chunk is a view of one reused buffer: it is only
   * valid until the next iteration. `target(size)` gives that buffer (e.g. the message scanner's arena,
   * `scanArena`, so messages are scanned where they were read); it is asked again whenever the buffer it
   * gave has since been detached (length 0), and a buffer of its own is used when it answers null.
   * Reading stops at offset `to` (default: the end of the file).
   */
  *chunks(
    chunkSize = CHUNK_SIZE,
    from = 0,
    target?: (size: number) => Uint8Array | null,
    to = this.size,
  ): Generator<Uint8Array> {
    const end = Math.min(to, this.size);
    const size = Math.min(chunkSize, Math.max(end - from, 1));
    const own = (): Uint8Array => target?.(size) ?? new Uint8Array(size);
    let buf = own();
    let pos = from;
    while (pos < end) {
      if (buf.length < size) buf = own();
      const n = readSync(this.fd, buf, 0, Math.min(size, end - pos), pos);
      if (n <= 0) break;
      pos += n;
      yield buf.subarray(0, n);
    }
  }

  /** Decompressed chunks of a gzip file (streaming). */
  async *gunzipChunks(): AsyncGenerator<Uint8Array> {
    const s = createReadStream(this.path, { highWaterMark: 1024 * 1024 }).pipe(
      createGunzip({ chunkSize: 1024 * 1024 }),
    );
    for await (const c of s) yield c as Uint8Array;
  }

  /** Read-back window: views read message after message (ndjson, analysis), so one read serves many. */
  #win = new Uint8Array(0);
  #winStart = 0;
  #winLen = 0;

  /**
   * Reads bytes back by offset: a new buffer per call, the caller may keep it; or, with `into` (at
   * least `length` long), into that buffer, returning a view of it (no fresh pages per call).
   */
  readAt: ReadAt = (offset, length, into) => {
    if (into !== undefined && into.length >= length) {
      const got = readSync(this.fd, into, 0, length, offset);
      // A file cut short since it was opened: zeros past its end (as a fresh buffer), never the
      // bytes a previous read left in `into`.
      if (got < length) into.fill(0, got, length);
      return into.subarray(0, length);
    }
    if (offset >= this.#winStart && offset + length <= this.#winStart + this.#winLen) {
      const o = offset - this.#winStart;
      return this.#win.slice(o, o + length);
    }
    if (length <= READ_WINDOW / 4) {
      if (this.#win.length === 0) this.#win = new Uint8Array(READ_WINDOW);
      this.#winStart = offset;
      this.#winLen = Math.max(0, readSync(this.fd, this.#win, 0, READ_WINDOW, offset));
      if (length <= this.#winLen) return this.#win.slice(0, length);
    }
    const b = new Uint8Array(length);
    readSync(this.fd, b, 0, length, offset);
    return b;
  };

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    closeSync(this.fd);
  }
}
