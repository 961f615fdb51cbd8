/**
 * pcapng reader: SHB, IDB (if_tsresol, if_tsoffset), EPB, SPB, obsolete PB; DSB (decryption secrets)
 * handed to the sink; NRB, ISB and unknown blocks are skipped. Several sections (each with its own byte order and interfaces) and interfaces
 * with different link types and timestamp resolutions.
 * @remarks Format: draft-ietf-opsawg-pcapng (IETF OPSAWG), §4. Streaming: `feed()` consumes whole
 * blocks and leaves a partial block for the next call.
 */
import { newFrameInfo, type FrameInfo, type FrameSink, type StreamReader } from './frame';
import { MAX_RECORD } from './pcap';

const SHB = 0x0a0d0d0a;
const IDB = 1;
const PB = 2;
const SPB = 3;
const EPB = 6;
const SJEB = 9;
/** Decryption Secrets Block: handed to the sink (TLS key log text), not a frame. */
const DSB = 10;
const CB = 0x00000bad;
const CB_NOCOPY = 0x40000bad;
const TWO32 = 4294967296;

interface Iface {
  linkType: number;
  snapLen: number;
  /** Timestamp units: 10^-pow10 s (pow10 >= 0) or 2^-pow2 s (pow2 >= 0, then pow10 = -1). */
  pow10: number;
  pow2: number;
  /** if_tsoffset, seconds. */
  offsetSec: number;
}

/** Converts a 64-bit timestamp (high, low) in the interface's units to integer µs, exactly for 10^-n. */
export function tsToMicros(high: number, low: number, pow10: number, pow2: number): number {
  if (pow10 >= 0) {
    if (pow10 === 6) return high * TWO32 + low;
    if (pow10 < 6) return (high * TWO32 + low) * 10 ** (6 - pow10);
    // µs = floor((high·2^32 + low) / d) without losing precision: 2^32 = q·d + r.
    const d = 10 ** (pow10 - 6);
    const q = Math.floor(TWO32 / d);
    const r = TWO32 - q * d;
    return high * q + Math.floor((high * r + low) / d);
  }
  return Math.floor(((high * TWO32 + low) / 2 ** pow2) * 1e6);
}

export class PcapngReader implements StreamReader {
  readonly linkTypes: number[] = [];
  frames = 0;
  stopped = false;
  need = 12;
  /** Number of sections (SHBs) read so far. */
  sections = 0;
  /** Block types seen that we skip, with counts (for the summary). */
  readonly skippedBlocks = new Map<number, number>();
  #le = true;
  #ifaces: Iface[] = [];
  #sectionStarted = false;
  readonly #sink: FrameSink;
  readonly #info: FrameInfo = newFrameInfo();
  #view: DataView | null = null;
  #viewBuf: Uint8Array | null = null;

  constructor(sink: FrameSink) {
    this.#sink = sink;
  }

  #dv(buf: Uint8Array): DataView {
    if (this.#viewBuf !== buf || this.#view === null) {
      this.#view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
      this.#viewBuf = buf;
    }
    return this.#view;
  }

  #corrupt(offset: number, what: string): void {
    this.stopped = true;
    this.#sink.diagnostic({
      code: 'capture-record-corrupt',
      severity: 'error',
      layer: 'file',
      message: `pcapng block at byte ${offset}: ${what}; the file is corrupt from here on`,
      offset,
    });
  }

  feed(buf: Uint8Array, start: number, end: number, streamOffset: number, eof: boolean): number {
    if (this.stopped) return end - start;
    const dv = this.#dv(buf);
    const base = streamOffset - start;
    let p = start;
    this.need = 12;
    while (end - p >= 12) {
      const type = dv.getUint32(p, this.#le);
      let le = this.#le;
      if (type === SHB || dv.getUint32(p, false) === SHB) {
        const bom = dv.getUint32(p + 8, true);
        if (bom === 0x1a2b3c4d) le = true;
        else if (bom === 0x4d3c2b1a) le = false;
        else {
          this.#corrupt(base + p, `section header with a bad byte-order magic 0x${bom.toString(16)}`);
          return end - start;
        }
      } else if (!this.#sectionStarted) {
        this.#corrupt(base + p, 'the file does not start with a section header block');
        return end - start;
      }
      const len = dv.getUint32(p + 4, le);
      if (len < 12 || len % 4 !== 0 || len > MAX_RECORD + 64) {
        this.#corrupt(base + p, `block length ${len} is invalid`);
        return end - start;
      }
      if (end - p < len) {
        this.need = len;
        break;
      }
      if (dv.getUint32(p + len - 4, le) !== len) {
        this.#corrupt(base + p, `trailing block length ${dv.getUint32(p + len - 4, le)} differs from ${len}`);
        return end - start;
      }
      const btype = dv.getUint32(p, le);
      if (btype === SHB) {
        this.#le = le;
        this.#ifaces = [];
        this.#sectionStarted = true;
        this.sections++;
      } else if (btype === IDB) {
        this.#readIdb(dv, p, len, le);
      } else if (btype === EPB || btype === PB) {
        const epb = btype === EPB;
        const ifId = epb ? dv.getUint32(p + 8, le) : dv.getUint16(p + 8, le);
        const capLen = dv.getUint32(p + 20, le);
        if (28 + capLen + 4 > len) {
          this.#corrupt(base + p, `captured length ${capLen} does not fit in the block (${len} bytes)`);
          return end - start;
        }
        const iface = this.#ifaces[ifId];
        if (!iface) {
          this.#sink.diagnostic({
            code: 'pcapng-unknown-interface',
            severity: 'warning',
            layer: 'file',
            message: `packet block at byte ${base + p} names interface ${ifId}, which has no interface description block`,
            offset: base + p,
          });
          this.frames++;
        } else {
          const high = dv.getUint32(p + 12, le);
          const low = dv.getUint32(p + 16, le);
          this.#emit(buf, p, len, p + 28, capLen, dv.getUint32(p + 24, le), ifId, iface, high, low, base);
        }
      } else if (btype === SPB) {
        const iface = this.#ifaces[0];
        const origLen = dv.getUint32(p + 8, le);
        const capLen = Math.min(origLen, len - 16);
        if (!iface) this.frames++;
        // SPB carries no timestamp (tshark shows time 0).
        else this.#emit(buf, p, len, p + 12, capLen, origLen, 0, iface, 0, 0, base);
      } else if (btype === DSB && len >= 20) {
        const slen = dv.getUint32(p + 12, le);
        if (16 + slen + 4 <= len)
          this.#sink.secrets?.(dv.getUint32(p + 8, le), buf.subarray(p + 16, p + 16 + slen));
        this.skippedBlocks.set(btype, (this.skippedBlocks.get(btype) ?? 0) + 1);
      } else {
        // Custom blocks and systemd journal export blocks have no packet, but tshark numbers them as
        // frames: count them so frame numbers agree.
        if (btype === CB || btype === CB_NOCOPY || btype === SJEB) this.frames++;
        this.skippedBlocks.set(btype, (this.skippedBlocks.get(btype) ?? 0) + 1);
      }
      p += len;
    }
    if (eof && p < end) {
      this.stopped = true;
      this.#sink.diagnostic({
        code: 'capture-truncated',
        severity: 'error',
        layer: 'file',
        message: `the file ends inside a pcapng block at byte ${base + p}: ${end - p} of ${this.need} bytes present`,
        offset: base + p,
      });
      return end - start;
    }
    return p - start;
  }

  #emit(
    buf: Uint8Array,
    p: number,
    len: number,
    data: number,
    capLen: number,
    origLen: number,
    ifId: number,
    iface: Iface,
    high: number,
    low: number,
    base: number,
  ): void {
    const info = this.#info;
    info.frameNo = ++this.frames;
    info.timeUs = tsToMicros(high, low, iface.pow10, iface.pow2) + iface.offsetSec * 1e6;
    info.linkType = iface.linkType;
    info.interfaceId = ifId;
    info.recordOffset = base + p;
    info.recordLength = len;
    info.dataOffset = base + data;
    info.capLen = capLen;
    info.origLen = origLen;
    this.#sink.frame(buf, data, data + capLen, info);
  }

  #readIdb(dv: DataView, p: number, len: number, le: boolean): void {
    const iface: Iface = {
      linkType: dv.getUint16(p + 8, le),
      snapLen: dv.getUint32(p + 12, le),
      pow10: 6,
      pow2: -1,
      offsetSec: 0,
    };
    let o = p + 16;
    const optEnd = p + len - 4;
    while (o + 4 <= optEnd) {
      const code = dv.getUint16(o, le);
      const olen = dv.getUint16(o + 2, le);
      if (code === 0) break;
      if (o + 4 + olen > optEnd) break;
      if (code === 9 && olen >= 1) {
        const v = dv.getUint8(o + 4);
        if (v & 0x80) {
          iface.pow10 = -1;
          iface.pow2 = v & 0x7f;
        } else iface.pow10 = v;
      } else if (code === 14 && olen >= 8) {
        const hi = dv.getInt32(le ? o + 8 : o + 4, le);
        const lo = dv.getUint32(le ? o + 4 : o + 8, le);
        iface.offsetSec = hi * TWO32 + lo;
      }
      o += 4 + ((olen + 3) & ~3);
    }
    this.#ifaces.push(iface);
    if (!this.linkTypes.includes(iface.linkType)) this.linkTypes.push(iface.linkType);
  }
}
