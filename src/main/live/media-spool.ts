/**
 * What a live trace keeps of its media, so its streams can be heard and saved while the capture runs:
 * the RTP and RTCP datagrams its RTP tracker took (any live source: interface capture, lab), written as
 * they come as raw-IP pcapng packets to segment files in a private directory under the OS temp dir.
 * Bounded: past `maxBytes` the oldest segment is deleted (a ring of segments); `droppedUntilUs` says
 * up to when the media is no longer kept, so the player can say so instead of playing silence.
 * The directory (named with the process id) is removed on {@link MediaSpool.close} and when the process
 * exits; one a killed process left behind is removed by the next process that keeps media.
 *
 * Why a file and not a payload ring in memory: both cost about the same CPU per packet (one copy of
 * the datagram into a buffer; measured in live/README.md), but the file keeps the memory of a capture
 * that runs for hours constant (≈ 230 octets per G.711 packet: 1.6 MB/s at 7,000 packets/s), and its
 * segments are pcapng that the existing stream scan (media/stream-scan.ts) reads like any capture.
 */
import { closeSync, openSync, readSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { makePrivateDir, removePrivateDir } from '../private-temp';
import { addressBytes, pcapngHeader, synthesizePacket, TcpSequencer } from './pcapng-writer';

/** Default cap of a live trace's kept media (octets on disk). */
export const MEDIA_SPOOL_BYTES = 256 * 1024 * 1024;

export interface MediaSpoolOptions {
  /** Most octets kept on disk (default {@link MEDIA_SPOOL_BYTES}); the oldest segment goes past it. */
  maxBytes?: number;
  /** Segments the cap is cut into (default 8): what a rotation deletes at once. */
  segments?: number;
  /** Flush buffered packets at least this often (ms); default 200. */
  flushMs?: number;
}

interface Segment {
  path: string;
  fd: number;
  /** Octets in the file (header included; buffered ones not yet). */
  bytes: number;
  packets: number;
  firstUs: number;
  lastUs: number;
}

/** One kept packet: its capture time and its IP packet (LINKTYPE_RAW). */
export interface SpooledPacket {
  timeUs: number;
  data: Uint8Array;
}

const BUFFER = 256 * 1024;
const HEADER = pcapngHeader('sipscope', 'live media');
const PREFIX = 'sipscope-live-media-';

function pad4(n: number): number {
  return (n + 3) & ~3;
}

export class MediaSpool {
  readonly dir: string;
  readonly maxBytes: number;
  readonly #segMax: number;
  readonly #flushMs: number;
  #segs: Segment[] = [];
  #next = 0;
  #buf = new Uint8Array(BUFFER);
  #dv = new DataView(this.#buf.buffer);
  #len = 0;
  #timer: NodeJS.Timeout | null = null;
  /** Per address id: its 4 octets (IPv4), or null (IPv6 or not an IP address: the slow path). */
  #v4: (Uint8Array | null)[] = [];
  #v4Of: string[] = [];
  #closed = false;
  /** Why the spool stopped keeping (a write failed: the temp dir full, removed...), or null. */
  failure: string | null = null;
  /** Packets written, ever. */
  packets = 0;
  /** Packets the cap let go, and the capture time (µs) of the last of them (0: none yet). */
  dropped = 0;
  droppedUntilUs = 0;

  constructor(opts: MediaSpoolOptions = {}) {
    this.maxBytes = Math.max(64 * 1024, opts.maxBytes ?? MEDIA_SPOOL_BYTES);
    this.#segMax = Math.max(16 * 1024, Math.floor(this.maxBytes / Math.max(2, opts.segments ?? 8)));
    this.#flushMs = opts.flushMs ?? 200;
    // Removed on close and at process exit; one a killed process left is swept (main/private-temp.ts).
    this.dir = makePrivateDir(PREFIX);
    this.#open();
  }

  #open(): void {
    const path = join(this.dir, `media-${this.#next++}.pcapng`);
    const fd = openSync(path, 'w+');
    writeSync(fd, HEADER);
    this.#segs.push({ path, fd, bytes: HEADER.length, packets: 0, firstUs: 0, lastUs: 0 });
  }

  /** Octets on disk and buffered. */
  get bytes(): number {
    let n = this.#len;
    for (const s of this.#segs) n += s.bytes;
    return n;
  }

  /** Capture time (µs) of the oldest packet still kept (0 when none). */
  get keptFromUs(): number {
    for (const s of this.#segs) if (s.packets > 0) return s.firstUs;
    return 0;
  }

  #addr(names: readonly string[], id: number): Uint8Array | null {
    const name = names[id] ?? '';
    if (this.#v4Of[id] === name) return this.#v4[id]!;
    const v4 = name.includes(':') ? null : Uint8Array.from(addressBytes(name, false));
    this.#v4[id] = v4;
    this.#v4Of[id] = name;
    return v4;
  }

  /**
   * Keeps one datagram: `buf[ps, pend)` from address ids `src`:`sport` to `dst`:`dport` (named by
   * `names`), captured at `timeUs`.
   */
  write(
    names: readonly string[],
    src: number,
    sport: number,
    dst: number,
    dport: number,
    buf: Uint8Array,
    ps: number,
    pend: number,
    timeUs: number,
  ): void {
    if (this.#closed) return;
    try {
      this.#write(names, src, sport, dst, dport, buf, ps, pend, timeUs);
    } catch (e) {
      this.#fail(e);
    }
  }

  /** A write failed: nothing more is kept, and the files go (a capture never stops for its spool). */
  #fail(e: unknown): void {
    this.failure ??= e instanceof Error ? e.message : String(e);
    this.close();
  }

  #write(
    names: readonly string[],
    src: number,
    sport: number,
    dst: number,
    dport: number,
    buf: Uint8Array,
    ps: number,
    pend: number,
    timeUs: number,
  ): void {
    const a = this.#addr(names, src);
    const b = this.#addr(names, dst);
    const n = Math.min(pend - ps, 65507);
    if (a === null || b === null) {
      // IPv6 (or a name that is no address): the general writer.
      const ip = synthesizePacket(
        {
          timeUs,
          srcHost: names[src] ?? '::',
          srcPort: sport,
          dstHost: names[dst] ?? '::',
          dstPort: dport,
          transport: 'UDP',
          payload: buf.subarray(ps, ps + n),
        },
        new TcpSequencer(),
      );
      this.#buf.set(ip, this.#reserve(timeUs, ip.length));
      return;
    }
    const o = this.#reserve(timeUs, 28 + n);
    const out = this.#buf;
    const dv = this.#dv;
    out[o] = 0x45;
    out[o + 1] = 0;
    dv.setUint32(o + 2, (28 + n) << 16, false); // total length, identification 0
    dv.setUint32(o + 6, 0x40004011, false); // DF, TTL 64, UDP, checksum below
    out.set(a, o + 12);
    out.set(b, o + 16);
    // The header checksum: the fixed words, the length and the addresses (RFC 791, RFC 1071).
    let s = 0x4500 + 28 + n + 0x4000 + 0x4011;
    s += ((a[0]! << 8) | a[1]!) + ((a[2]! << 8) | a[3]!) + ((b[0]! << 8) | b[1]!) + ((b[2]! << 8) | b[3]!);
    s = (s & 0xffff) + (s >>> 16);
    s = (s & 0xffff) + (s >>> 16);
    dv.setUint16(o + 10, ~s & 0xffff);
    dv.setUint32(o + 20, (sport << 16) | dport, false);
    dv.setUint32(o + 24, (8 + n) << 16, false); // length; IPv4 UDP: no checksum (RFC 768)
    out.set(buf.subarray(ps, ps + n), o + 28);
  }

  /** Appends one EPB (interface 0) of `len` packet octets; returns where they go in the buffer. */
  #reserve(timeUs: number, len: number): number {
    const total = 32 + pad4(len);
    let seg = this.#segs[this.#segs.length - 1]!;
    if (seg.packets > 0 && seg.bytes + this.#len + total > this.#segMax) {
      this.flush();
      seg = this.#rotate();
    }
    if (this.#len + total > this.#buf.length) {
      this.flush();
      if (total > this.#buf.length) {
        this.#buf = new Uint8Array(pad4(total));
        this.#dv = new DataView(this.#buf.buffer);
      }
    }
    const out = this.#buf;
    const dv = this.#dv;
    const o = this.#len;
    const t = Math.max(0, Math.trunc(timeUs));
    dv.setUint32(o, 6, true);
    dv.setUint32(o + 4, total, true);
    dv.setUint32(o + 8, 0, true);
    dv.setUint32(o + 12, Math.floor(t / 4294967296), true);
    dv.setUint32(o + 16, t >>> 0, true);
    dv.setUint32(o + 20, len, true);
    dv.setUint32(o + 24, len, true);
    for (let i = o + 28 + len; i < o + total - 4; i++) out[i] = 0;
    dv.setUint32(o + total - 4, total, true);
    this.#len += total;
    if (seg.packets === 0) seg.firstUs = t;
    seg.lastUs = t;
    seg.packets++;
    this.packets++;
    if (!this.#timer) {
      this.#timer = setTimeout(() => this.flush(), this.#flushMs);
      this.#timer.unref();
    }
    return o + 28;
  }

  /** Starts a new segment; deletes the oldest ones past the cap. */
  #rotate(): Segment {
    closeSync(this.#segs[this.#segs.length - 1]!.fd);
    this.#segs[this.#segs.length - 1]!.fd = -1;
    this.#open();
    let total = 0;
    for (const s of this.#segs) total += s.bytes;
    while (this.#segs.length > 1 && total > this.maxBytes) {
      const old = this.#segs.shift()!;
      total -= old.bytes;
      this.dropped += old.packets;
      this.droppedUntilUs = Math.max(this.droppedUntilUs, old.lastUs);
      try {
        unlinkSync(old.path);
      } catch {
        // Already gone (the temp dir was cleaned): nothing to keep.
      }
    }
    return this.#segs[this.#segs.length - 1]!;
  }

  /** Writes buffered packets to the current segment. */
  flush(): void {
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    if (this.#len === 0 || this.#closed) return;
    const seg = this.#segs[this.#segs.length - 1]!;
    try {
      writeSync(seg.fd, this.#buf, 0, this.#len);
    } catch (e) {
      this.#fail(e);
      return;
    }
    seg.bytes += this.#len;
    this.#len = 0;
  }

  /**
   * The kept segments as they are now, held open (a segment the ring deletes meanwhile stays readable
   * through its descriptor): read as one pcapng stream, and its blocks read back by their offsets in it.
   * Close it when done.
   */
  view(): SpoolView {
    return new SpoolView(this.#openAll());
  }

  /** Read-only descriptors of the kept segments and their sizes now (after a flush). */
  #openAll(): { fd: number; size: number }[] {
    this.flush();
    const out: { fd: number; size: number }[] = [];
    for (const s of this.#segs) {
      try {
        out.push({ fd: openSync(s.path, 'r'), size: s.bytes });
      } catch {
        // Deleted under us (temp dir cleaned): what is left is read.
      }
    }
    return out;
  }

  /** Every kept packet, oldest first. */
  *all(): Generator<SpooledPacket> {
    for (const { fd, size } of this.#openAll()) {
      try {
        const file = new Uint8Array(size);
        readSync(fd, file, 0, size, 0);
        const dv = new DataView(file.buffer);
        for (let o = HEADER.length; o + 32 <= size;) {
          const total = dv.getUint32(o + 4, true);
          if (total < 32 || o + total > size) break;
          const p = packetOfBlock(file.subarray(o, o + total));
          if (p) yield p;
          o += total;
        }
      } finally {
        closeSync(fd);
      }
    }
  }

  /** Stops keeping and deletes the files. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    for (const s of this.#segs)
      if (s.fd >= 0)
        try {
          closeSync(s.fd);
        } catch {
          // Already closed: nothing to do.
        }
    this.#segs = [];
    try {
      removePrivateDir(this.dir);
    } catch {
      // Not removable (permissions changed under us): the next process's sweep tries again.
    }
  }

  get closed(): boolean {
    return this.#closed;
  }
}

/** A spool's segments held open at one moment ({@link MediaSpool.view}). */
export class SpoolView {
  constructor(readonly segments: readonly { fd: number; size: number }[]) {}

  /** The segments as one pcapng stream (one section per segment), in chunks of one reused buffer. */
  *chunks(chunkSize = 1024 * 1024): Generator<Uint8Array> {
    const buf = new Uint8Array(chunkSize);
    for (const { fd, size } of this.segments)
      for (let pos = 0; pos < size;) {
        const n = readSync(fd, buf, 0, Math.min(buf.length, size - pos), pos);
        if (n <= 0) break;
        pos += n;
        yield buf.subarray(0, n);
      }
  }

  /** The blocks at `[recordOffset, + recordLength)` of {@link chunks}' stream (a scan's frames), as packets. */
  records(refs: readonly { recordOffset: number; recordLength: number }[]): SpooledPacket[] {
    const segs = this.segments;
    const out: SpooledPacket[] = [];
    const sorted = [...refs].sort((x, y) => x.recordOffset - y.recordOffset);
    let si = 0;
    let base = 0;
    for (const r of sorted) {
      while (si < segs.length && r.recordOffset >= base + segs[si]!.size) base += segs[si++]!.size;
      if (si >= segs.length) break;
      const b = new Uint8Array(r.recordLength);
      readSync(segs[si]!.fd, b, 0, b.length, r.recordOffset - base);
      const p = packetOfBlock(b);
      if (p) out.push(p);
    }
    return out;
  }

  close(): void {
    for (const s of this.segments)
      try {
        closeSync(s.fd);
      } catch {
        // Closed already.
      }
  }
}

/** The time and IP packet of one of our EPBs (little-endian, interface 0). */
function packetOfBlock(b: Uint8Array): SpooledPacket | null {
  if (b.length < 32) return null;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (dv.getUint32(0, true) !== 6) return null;
  const cap = dv.getUint32(20, true);
  if (28 + cap > b.length) return null;
  const timeUs = dv.getUint32(12, true) * 4294967296 + dv.getUint32(16, true);
  return { timeUs, data: b.slice(28, 28 + cap) };
}
