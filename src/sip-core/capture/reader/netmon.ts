/**
 * Microsoft Network Monitor 2.x capture reader (NetMon `.cap`, magic `GMBU`), as Wireshark's wiretap
 * reads it: a header with the capture's start time and the offset of a frame table, the table listing
 * each frame record's offset in ascending order, and records of a 16-byte header (µs since the start
 * as a 64-bit number, original and captured lengths) followed by the frame and, from version 2.1 on,
 * a trailer (2, 6 or 15 bytes) whose first two bytes give the frame's network type.
 *
 * The frame table sits at the end of the file, so the reader is given a way to read it first
 * (`readAt`, the file's random access); then it streams like the other readers, skipping whatever
 * lies between records. Without random access (a gzip-compressed NetMon file) it says so and stops.
 * The header's start time is a calendar time without a zone: it is read as UTC (Wireshark reads it in
 * the local zone of the machine that opens the file).
 */
import { newFrameInfo, type FrameInfo, type FrameSink, type StreamReader } from './frame';
import { MAX_RECORD } from './pcap';

/** Reads `length` bytes of the capture file at `offset` (fewer at its end). */
export type ReadFileAt = (offset: number, length: number) => Uint8Array;

/** The header fields read (the table's offset and length end at byte 32). */
const HEADER = 32;
const RECORD_HEADER = 16;

/** NetMon network types → LINKTYPE_* (Ethernet, token ring, FDDI); others are kept out of that range. */
const LINK_TYPES: Record<number, number> = { 1: 1, 2: 6, 3: 10 };
/** A NetMon network type without a LINKTYPE_* equivalent (events, process info, 802.11 with NetMon's header...). */
export const NETMON_OTHER_LINK = 0x10000;

const linkTypeOf = (network: number): number => LINK_TYPES[network] ?? NETMON_OTHER_LINK + network;

export class NetmonReader implements StreamReader {
  readonly linkTypes: number[] = [];
  frames = 0;
  stopped = false;
  need = HEADER;
  /** Stream offsets of the frame records, ascending (from the frame table). */
  #table: Uint32Array | null = null;
  #next = 0;
  #trailer = 0;
  #startUs = 0;
  #network = 1;
  readonly #sink: FrameSink;
  readonly #readAt: ReadFileAt | null;
  readonly #info: FrameInfo = newFrameInfo();

  constructor(sink: FrameSink, readAt: ReadFileAt | null) {
    this.#sink = sink;
    this.#readAt = readAt;
  }

  feed(buf: Uint8Array, start: number, end: number, streamOffset: number, eof: boolean): number {
    if (this.stopped) return end - start;
    const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    const base = streamOffset - start;
    if (this.#table === null) {
      if (end - start < HEADER) {
        if (eof)
          this.#stop(
            'capture-truncated',
            0,
            `the file ends inside the NetMon header: ${end - start} of ${HEADER} bytes`,
          );
        return eof ? end - start : 0;
      }
      if (!this.#header(dv, start)) return end - start;
    }
    const table = this.#table!;
    const info = this.#info;
    let p = start;
    while (this.#next < table.length) {
      const at = table[this.#next]! - base;
      if (at < p) {
        // Offsets must ascend past the previous record: a corrupt table entry.
        this.#stop(
          'capture-record-corrupt',
          base + p,
          `NetMon frame table entry ${this.#next + 1} points at byte ${table[this.#next]}, inside an earlier record or the header`,
        );
        return end - start;
      }
      if (at > end) {
        p = end; // skip what lies between records
        break;
      }
      p = at;
      if (end - p < RECORD_HEADER) {
        this.need = RECORD_HEADER;
        break;
      }
      const capLen = dv.getUint32(p + 12, true);
      const origLen = dv.getUint32(p + 8, true);
      if (capLen > MAX_RECORD) {
        this.#stop(
          'capture-record-corrupt',
          base + p,
          `NetMon record at byte ${base + p} claims ${capLen} captured bytes (more than ${MAX_RECORD}): the file is corrupt from here on`,
        );
        return end - start;
      }
      const whole = RECORD_HEADER + capLen + this.#trailer;
      if (end - p < whole) {
        this.need = whole;
        break;
      }
      const deltaUs = dv.getUint32(p, true) + dv.getUint32(p + 4, true) * 2 ** 32;
      const network = this.#trailer >= 2 ? dv.getUint16(p + RECORD_HEADER + capLen, true) : this.#network;
      const linkType = linkTypeOf(network);
      if (!this.linkTypes.includes(linkType)) this.linkTypes.push(linkType);
      info.frameNo = ++this.frames;
      info.timeUs = this.#startUs + deltaUs;
      info.linkType = linkType;
      info.recordOffset = base + p;
      info.recordLength = whole;
      info.dataOffset = base + p + RECORD_HEADER;
      info.capLen = capLen;
      info.origLen = origLen;
      this.#sink.frame(buf, p + RECORD_HEADER, p + RECORD_HEADER + capLen, info);
      p += whole;
      this.#next++;
      this.need = RECORD_HEADER;
    }
    if (this.#next >= table.length) return end - start; // the frame table and what follows
    if (eof) {
      this.#stop(
        'capture-truncated',
        base + p,
        `the file ends inside NetMon frame ${this.#next + 1} at byte ${base + p} (${table.length - this.#next} of ${table.length} frames missing)`,
      );
      return end - start;
    }
    return p - start;
  }

  /** Reads the header and the frame table; false (and stopped, with a diagnostic) when it cannot. */
  #header(dv: DataView, p: number): boolean {
    const minor = dv.getUint8(p + 4);
    const major = dv.getUint8(p + 5);
    if (major !== 2) {
      this.#stop('capture-format-refused', 0, `NetMon version ${major}.${minor} is not read (only 2.x)`);
      return false;
    }
    this.#trailer = minor === 0 ? 0 : minor === 1 ? 2 : minor === 2 ? 6 : 15;
    this.#network = dv.getUint16(p + 6, true);
    const year = dv.getUint16(p + 8, true);
    const month = dv.getUint16(p + 10, true);
    const day = dv.getUint16(p + 14, true);
    const [h, m, s, ms] = [16, 18, 20, 22].map((o) => dv.getUint16(p + o, true)) as [
      number,
      number,
      number,
      number,
    ];
    this.#startUs = Date.UTC(year, month - 1, day, h, m, s, ms) * 1000;
    if (!Number.isFinite(this.#startUs)) this.#startUs = 0;
    const tableOffset = dv.getUint32(p + 24, true);
    const tableLength = dv.getUint32(p + 28, true);
    if (this.#readAt === null) {
      this.#stop(
        'capture-format-refused',
        0,
        'a compressed NetMon file cannot be read (its frame table is at its end): decompress it first',
      );
      return false;
    }
    const raw = this.#readAt(tableOffset, tableLength - (tableLength % 4));
    if (raw.length < tableLength - (tableLength % 4)) {
      this.#stop(
        'capture-truncated',
        tableOffset,
        `the NetMon frame table (${tableLength} bytes at byte ${tableOffset}) is past the end of the file`,
      );
      return false;
    }
    const tv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const table = new Uint32Array(raw.length / 4);
    for (let i = 0; i < table.length; i++) table[i] = tv.getUint32(i * 4, true);
    this.#table = table;
    this.linkTypes.push(linkTypeOf(this.#network));
    return true;
  }

  #stop(
    code: 'capture-truncated' | 'capture-record-corrupt' | 'capture-format-refused',
    offset: number,
    message: string,
  ): void {
    this.stopped = true;
    this.#sink.diagnostic({ code, severity: 'error', layer: 'file', message, offset });
  }
}
