/**
 * Classic libpcap reader: both byte orders, µs and ns timestamps, over a streaming chunk source.
 * @remarks File format: https://www.tcpdump.org/manpages/pcap-savefile.5.html (24-byte global header,
 * 16-byte record headers). Works on Uint8Array/DataView only, so it runs in a worker or the renderer.
 */
import { newFrameInfo, type FrameInfo, type FrameSink, type StreamReader } from './frame';
import {
  P_CAPLEN,
  P_FRAC,
  P_REC,
  P_SEC,
  P_STRIDE,
  P_TYPE,
  passDeclined,
  passReads,
  passStopped,
  passTable,
  runPass,
} from '../ingest-pass';

const GLOBAL_HEADER = 24;
const RECORD_HEADER = 16;
/** A record longer than this is taken as a corrupt length field, not a real frame. */
export const MAX_RECORD = 16 * 1024 * 1024;

export class PcapReader implements StreamReader {
  readonly linkTypes: number[] = [];
  frames = 0;
  stopped = false;
  need = GLOBAL_HEADER;
  #le = true;
  #ns = false;
  #headerDone = false;
  #linkType = 1;
  #snapLen = 0;
  readonly #sink: FrameSink;
  readonly #info: FrameInfo = newFrameInfo();
  #view: DataView | null = null;
  #viewBuf: Uint8Array | null = null;

  constructor(sink: FrameSink) {
    this.#sink = sink;
  }

  /** The global header's snapshot length and link type (after the header was read). */
  get snapLen(): number {
    return this.#snapLen;
  }

  #dv(buf: Uint8Array): DataView {
    if (this.#viewBuf !== buf || this.#view === null) {
      this.#view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
      this.#viewBuf = buf;
    }
    return this.#view;
  }

  feed(buf: Uint8Array, start: number, end: number, streamOffset: number, eof: boolean): number {
    if (this.stopped) return end - start;
    const dv = this.#dv(buf);
    let p = start;
    if (!this.#headerDone) {
      if (end - p < GLOBAL_HEADER) {
        if (eof) this.#truncated(streamOffset, 0, end - p, 'the pcap global header');
        return eof ? end - start : 0;
      }
      const magic = dv.getUint32(p, false);
      this.#le = magic === 0xd4c3b2a1 || magic === 0x4d3cb2a1;
      this.#ns = magic === 0xa1b23c4d || magic === 0x4d3cb2a1;
      this.#snapLen = dv.getUint32(p + 16, this.#le);
      // The link type is the low 16 bits; the upper bits may hold the FCS length (pcap-savefile(5)).
      this.#linkType = dv.getUint32(p + 20, this.#le) & 0xffff;
      this.linkTypes.push(this.#linkType);
      this.#info.linkType = this.#linkType;
      this.#headerDone = true;
      p += GLOBAL_HEADER;
    }
    const le = this.#le;
    const ns = this.#ns;
    const info = this.#info;
    const base = streamOffset - start;
    this.need = RECORD_HEADER;
    if (this.#linkType === 1 && passReads(buf) && this.#sink.takesPassRows?.()) {
      p = this.#passRecords(buf, p, end, base, dv);
    }
    while (end - p >= RECORD_HEADER) {
      const capLen = dv.getUint32(p + 8, le);
      if (capLen > MAX_RECORD) {
        this.stopped = true;
        this.#sink.diagnostic({
          code: 'capture-record-corrupt',
          severity: 'error',
          layer: 'file',
          message: `pcap record at byte ${base + p} claims ${capLen} captured bytes (more than ${MAX_RECORD}): the file is corrupt from here on`,
          offset: base + p,
        });
        return end - start;
      }
      if (end - p < RECORD_HEADER + capLen) {
        this.need = RECORD_HEADER + capLen;
        break;
      }
      const sec = dv.getUint32(p, le);
      const frac = dv.getUint32(p + 4, le);
      info.frameNo = ++this.frames;
      info.timeUs = sec * 1e6 + (ns ? Math.floor(frac / 1000) : frac);
      info.recordOffset = base + p;
      info.recordLength = RECORD_HEADER + capLen;
      info.dataOffset = base + p + RECORD_HEADER;
      info.capLen = capLen;
      info.origLen = dv.getUint32(p + 12, le);
      this.#sink.frame(buf, p + RECORD_HEADER, p + RECORD_HEADER + capLen, info);
      p += RECORD_HEADER + capLen;
    }
    if (eof && p < end) {
      this.#truncated(base + p, end - p, this.need, 'a pcap record');
      return end - start;
    }
    return p - start;
  }

  /**
   * The whole records of `buf[p, end)` through the ingest pass (Ethernet files whose chunks lie in the
   * pass's arena): runs of taken frames go to the sink's `passRows`, every declined record to `frame`
   * as in the loop of `feed`, in file order. Returns where the pass stopped (a partial or corrupt
   * record, or the end), from which `feed`'s own loop goes on.
   */
  #passRecords(buf: Uint8Array, p: number, end: number, base: number, dv: DataView): number {
    const sink = this.#sink;
    const info = this.#info;
    const le = this.#le;
    const ns = this.#ns;
    const tcp = sink.passTcp?.() ?? false;
    for (;;) {
      const rows = runPass(buf, p, end, le, tcp, base, ns, this.frames + 1);
      if (rows === 0) return p;
      const t = passTable();
      let r = 0;
      if (passDeclined() === 0) {
        this.frames += sink.passRows!(buf, t, 0, rows, base, ns, this.frames + 1, 1);
        r = rows;
      }
      while (r < rows) {
        let q = r;
        while (q < rows && t[q * P_STRIDE + P_TYPE] !== 0) q++;
        if (q > r) {
          this.frames += sink.passRows!(buf, t, r, q, base, ns, this.frames + 1, 1);
          r = q;
          continue;
        }
        const o = r * P_STRIDE;
        const rp = t[o + P_REC]!;
        const capLen = t[o + P_CAPLEN]!;
        const frac = t[o + P_FRAC]! >>> 0;
        info.frameNo = ++this.frames;
        info.timeUs = (t[o + P_SEC]! >>> 0) * 1e6 + (ns ? Math.floor(frac / 1000) : frac);
        info.recordOffset = base + rp;
        info.recordLength = RECORD_HEADER + capLen;
        info.dataOffset = base + rp + RECORD_HEADER;
        info.capLen = capLen;
        info.origLen = dv.getUint32(rp + 12, le);
        sink.frame(buf, rp + RECORD_HEADER, rp + RECORD_HEADER + capLen, info);
        r++;
      }
      // A call may end early (the end, a partial or corrupt record, a full table, or in TCP mode a
      // record the pipeline must decode first): the next call says which, by reading no record.
      p = passStopped();
    }
  }

  #truncated(offset: number, have: number, need: number, what: string): void {
    this.stopped = true;
    this.#sink.diagnostic({
      code: 'capture-truncated',
      severity: 'error',
      layer: 'file',
      message: `the file ends inside ${what} at byte ${offset}: ${have} of ${need} bytes present`,
      offset,
    });
  }
}
