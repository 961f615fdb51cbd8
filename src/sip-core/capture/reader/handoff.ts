/**
 * Frames handed from the tail part of a two-part ingest to the head part (see `SplitRole` in
 * capture/pipeline.ts): the tail walks the records after the cut anyway, decodes the stateless UDP
 * frames and copies every other frame (TCP, IP fragments, tunnels, SCTP, other link layers) into
 * chunks for the head, which decodes them after its own records, in frame order. So the head never
 * reads nor walks the file after the cut.
 * @remarks A chunk is a sequence of entries, each a 48-octet header (little-endian; frame number
 * counted from 1 at the cut, link type, record offset, time, record length, data offset within the
 * record, captured and original length, interface) and the frame's captured bytes, padded to 8.
 */
import type { FrameInfo } from './frame';

/** Size of a chunk (a larger frame gets a chunk of its own size). */
export const HANDOFF_CHUNK = 1024 * 1024;
const HEAD = 48;

/** Collects handed-off frames into chunks and gives each full chunk to `flush` (the last by `finish`). */
export class HandoffWriter {
  #buf: Uint8Array;
  #dv: DataView;
  #used = 0;
  /** Frames written. */
  frames = 0;

  constructor(
    private readonly flush: (chunk: Uint8Array) => void,
    private readonly chunkSize = HANDOFF_CHUNK,
  ) {
    this.#buf = new Uint8Array(chunkSize);
    this.#dv = new DataView(this.#buf.buffer);
  }

  /** Copies one frame `buf[start,end)` described by `info`. */
  add(buf: Uint8Array, start: number, end: number, info: FrameInfo): void {
    const len = end - start;
    const need = HEAD + ((len + 7) & ~7);
    if (this.#used + need > this.#buf.length) {
      this.#send();
      this.#buf = new Uint8Array(Math.max(this.chunkSize, need));
      this.#dv = new DataView(this.#buf.buffer);
    }
    const dv = this.#dv;
    const u = this.#used;
    dv.setUint32(u, info.frameNo, true);
    dv.setUint32(u + 4, info.linkType, true);
    dv.setFloat64(u + 8, info.recordOffset, true);
    dv.setFloat64(u + 16, info.timeUs, true);
    dv.setUint32(u + 24, info.recordLength, true);
    dv.setUint32(u + 28, info.dataOffset - info.recordOffset, true);
    dv.setUint32(u + 32, len, true);
    dv.setUint32(u + 36, info.origLen, true);
    dv.setUint32(u + 40, info.interfaceId, true);
    dv.setUint32(u + 44, info.capLen, true);
    this.#buf.set(buf.subarray(start, end), u + HEAD);
    this.#used = u + need;
    this.frames++;
  }

  #send(): void {
    if (this.#used === 0) return;
    this.flush(this.#buf.subarray(0, this.#used));
    this.#used = 0;
  }

  /** Hands over what is left. */
  finish(): void {
    this.#send();
  }
}

/**
 * Calls `frame` for every entry of `chunk` with `info` filled in (frame numbers plus `frameBase`, the
 * frames before the cut); the bytes are `chunk[start,end)`.
 */
export function readHandoff(
  chunk: Uint8Array,
  frameBase: number,
  info: FrameInfo,
  frame: (buf: Uint8Array, start: number, end: number, info: FrameInfo) => void,
): void {
  const dv = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  let u = 0;
  while (u + HEAD <= chunk.length) {
    const len = dv.getUint32(u + 32, true);
    info.frameNo = frameBase + dv.getUint32(u, true);
    info.linkType = dv.getUint32(u + 4, true);
    info.recordOffset = dv.getFloat64(u + 8, true);
    info.timeUs = dv.getFloat64(u + 16, true);
    info.recordLength = dv.getUint32(u + 24, true);
    info.dataOffset = info.recordOffset + dv.getUint32(u + 28, true);
    info.origLen = dv.getUint32(u + 36, true);
    info.interfaceId = dv.getUint32(u + 40, true);
    info.capLen = dv.getUint32(u + 44, true);
    frame(chunk, u + HEAD, u + HEAD + len, info);
    u += HEAD + ((len + 7) & ~7);
  }
}

/**
 * The entries of two sequences of chunks, each in frame order, as one sequence in frame order (`a`'s
 * entry first on equal frame numbers): the frames a tail handed over and those of its connections a
 * head decodes again (capture/split-tcp.ts).
 */
export function mergeHandoffChunks(a: Uint8Array[], b: Uint8Array[]): Uint8Array[] {
  if (b.length === 0) return a;
  if (a.length === 0) return b;
  const out: Uint8Array[] = [];
  let buf = new Uint8Array(HANDOFF_CHUNK);
  let used = 0;
  const cursor = (list: Uint8Array[]) => {
    let c = 0;
    let u = 0;
    const at = (): { chunk: Uint8Array; u: number; frame: number; size: number } | null => {
      while (c < list.length && u + HEAD > list[c]!.length) {
        c++;
        u = 0;
      }
      if (c >= list.length) return null;
      const chunk = list[c]!;
      const dv = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      const len = dv.getUint32(u + 32, true);
      return { chunk, u, frame: dv.getUint32(u, true), size: HEAD + ((len + 7) & ~7) };
    };
    return {
      at,
      next: (size: number): void => {
        u += size;
      },
    };
  };
  const x = cursor(a);
  const y = cursor(b);
  for (;;) {
    const ea = x.at();
    const eb = y.at();
    if (ea === null && eb === null) break;
    const take = ea !== null && (eb === null || ea.frame <= eb.frame) ? ea : eb!;
    if (take === ea) x.next(ea.size);
    else y.next(eb!.size);
    if (used + take.size > buf.length) {
      if (used > 0) out.push(buf.subarray(0, used));
      buf = new Uint8Array(Math.max(HANDOFF_CHUNK, take.size));
      used = 0;
    }
    buf.set(take.chunk.subarray(take.u, take.u + take.size), used);
    used += take.size;
  }
  if (used > 0) out.push(buf.subarray(0, used));
  return out;
}
