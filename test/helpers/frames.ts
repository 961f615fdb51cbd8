/**
 * Hand-built capture frames and classic pcap files for the capture tests: one Ethernet II frame
 * carrying IPv4 (TCP or UDP), optionally behind an 802.1Q tag or as the first of several IPv4
 * fragments, and a classic pcap file (Ethernet, µs stamps) of such frames, 1 ms apart.
 */

export interface IpFrame {
  src: number;
  dst: number;
  sp: number;
  dp: number;
  payload: string;
  tcp?: { seq: number; flags?: number };
  vlan?: boolean;
  /** IPv4 fragment: more fragments follow (offset 0). */
  fragment?: boolean;
}

/** One Ethernet II frame: IPv4 (TCP or UDP) `src → dst`. */
export function ipFrame(o: IpFrame): Uint8Array {
  const body = Buffer.from(o.payload, 'latin1');
  const l4 = o.tcp ? 20 : 8;
  const eth = o.vlan ? 18 : 14;
  const b = Buffer.alloc(eth + 20 + l4 + body.length);
  b.writeUInt32BE(0x02000000, 0);
  b.writeUInt16BE(2, 4);
  b.writeUInt32BE(0x02000000, 6);
  b.writeUInt16BE(1, 10);
  if (o.vlan) {
    b.writeUInt16BE(0x8100, 12);
    b.writeUInt16BE(7, 14);
  }
  b.writeUInt16BE(0x0800, eth - 2);
  let p = eth;
  b.writeUInt32BE(0x45000000 | (20 + l4 + body.length), p);
  if (o.fragment) b.writeUInt32BE(0x00012000, p + 4); // id 1, MF
  b.writeUInt32BE((64 << 24) | ((o.tcp ? 6 : 17) << 16), p + 8);
  b.writeUInt32BE(o.src >>> 0, p + 12);
  b.writeUInt32BE(o.dst >>> 0, p + 16);
  p += 20;
  b.writeUInt16BE(o.sp, p);
  b.writeUInt16BE(o.dp, p + 2);
  if (o.tcp) {
    b.writeUInt32BE(o.tcp.seq >>> 0, p + 4);
    b.writeUInt32BE(1, p + 8);
    b.writeUInt16BE((5 << 12) | (o.tcp.flags ?? 0x18), p + 12);
    b.writeUInt16BE(0xffff, p + 14);
  } else b.writeUInt16BE(8 + body.length, p + 4);
  body.copy(b, p + l4);
  return new Uint8Array(b);
}

/** A classic pcap file's global header: little-endian, version 2.4, µs, snap length 65535, Ethernet. */
export function pcapHeader(): Buffer {
  const h = Buffer.alloc(24);
  h.writeUInt32LE(0xa1b2c3d4, 0);
  h.writeUInt16LE(2, 4);
  h.writeUInt16LE(4, 6);
  h.writeUInt32LE(65535, 16);
  h.writeUInt32LE(1, 20);
  return h;
}

/**
 * A classic pcap file (Ethernet, µs) of `frames`, 1 ms apart (`snap` cuts a frame's capture), and the
 * file offset after each record.
 */
export function pcapOf(frames: readonly { bytes: Uint8Array; snap?: number }[]): {
  bytes: Uint8Array;
  after: number[];
} {
  const parts: Buffer[] = [pcapHeader()];
  const after: number[] = [];
  let at = 24;
  frames.forEach((f, i) => {
    const cap = f.snap ?? f.bytes.length;
    const r = Buffer.alloc(16);
    r.writeUInt32LE(1_700_000_000 + Math.floor(i / 1000), 0);
    r.writeUInt32LE((i % 1000) * 1000, 4);
    r.writeUInt32LE(cap, 8);
    r.writeUInt32LE(f.bytes.length, 12);
    parts.push(r, Buffer.from(f.bytes.subarray(0, cap)));
    at += 16 + cap;
    after.push(at);
  });
  return { bytes: new Uint8Array(Buffer.concat(parts)), after };
}

/** Test address 10.9.0.`d` as an unsigned 32-bit number. */
export const testIp = (d: number): number => ((10 << 24) | (9 << 16) | d) >>> 0;

/** A TCP segment's options: flags (default ACK+PSH), its own sequence number, whether it advances the
 * direction's next one, a VLAN tag, an IPv4 fragment pair. */
export interface SegmentOptions {
  flags?: number;
  seq?: number;
  advance?: boolean;
  vlan?: boolean;
  fragment?: boolean;
}

/**
 * TCP segments between test hosts 10.9.0.`a`:`ap` → 10.9.0.`b`:`bp`, each direction's sequence
 * number kept: a segment starts where the previous one of its direction ended (SYN counts one)
 * unless `seq` says otherwise; `advance: false` leaves the next one where this one started.
 */
export class TcpSegments {
  readonly #seqs = new Map<string, number>();
  /** The sequence number the next segment `a`:`ap` → `b`:`bp` starts at. */
  next(a: number, ap: number, b: number, bp: number): number {
    return this.#seqs.get(`${a}:${ap}>${b}:${bp}`) ?? 1000 + a * 7;
  }
  segment(a: number, ap: number, b: number, bp: number, payload: string, o: SegmentOptions = {}): Uint8Array {
    const k = `${a}:${ap}>${b}:${bp}`;
    const seq = o.seq ?? this.next(a, ap, b, bp);
    const bytes = ipFrame({
      src: testIp(a),
      dst: testIp(b),
      sp: ap,
      dp: bp,
      payload,
      tcp: { seq, flags: o.flags },
      vlan: o.vlan,
      fragment: o.fragment,
    });
    const syn = ((o.flags ?? 0) & 2) !== 0 ? 1 : 0;
    if (o.advance !== false) this.#seqs.set(k, (seq + syn + Buffer.byteLength(payload, 'latin1')) >>> 0);
    return bytes;
  }
}

/**
 * A Microsoft Network Monitor 2.x file (version 2.`minor`, Ethernet) of `frames`, 1 ms apart from the
 * start time 2026-11-24 00:00:00.250, each record followed by its trailer (2.1: 2 bytes, 2.2: 6, 2.3: 15,
 * the network type first) and `gap` unused bytes, then the frame table (offsets, ascending).
 */
export function netmonOf(
  frames: readonly Uint8Array[],
  opts: { minor?: number; gap?: number } = {},
): { bytes: Uint8Array; offsets: number[] } {
  const minor = opts.minor ?? 0;
  const trailer = minor === 0 ? 0 : minor === 1 ? 2 : minor === 2 ? 6 : 15;
  const parts: Buffer[] = [];
  const h = Buffer.alloc(128);
  h.write('GMBU', 0, 'latin1');
  h.writeUInt8(minor, 4);
  h.writeUInt8(2, 5);
  h.writeUInt16LE(1, 6); // Ethernet
  [2026, 11, 2, 24, 0, 0, 0, 250].forEach((v, i) => h.writeUInt16LE(v, 8 + 2 * i));
  parts.push(h);
  const offsets: number[] = [];
  let at = 128;
  frames.forEach((f, i) => {
    offsets.push(at);
    const r = Buffer.alloc(16 + f.length + trailer + (opts.gap ?? 0));
    r.writeUInt32LE(i * 1000, 0); // µs since the start (low half; the high half 0)
    r.writeUInt32LE(f.length, 8);
    r.writeUInt32LE(f.length, 12);
    Buffer.from(f).copy(r, 16);
    if (trailer) r.writeUInt16LE(1, 16 + f.length);
    parts.push(r);
    at += r.length;
  });
  const table = Buffer.alloc(offsets.length * 4);
  offsets.forEach((o, i) => table.writeUInt32LE(o, i * 4));
  h.writeUInt32LE(at, 24);
  h.writeUInt32LE(table.length, 28);
  parts.push(table);
  return { bytes: new Uint8Array(Buffer.concat(parts)), offsets };
}
