/**
 * Synthesizes capture files for messages that were never captured from a wire (simulations, lab
 * sockets, HEP, UDP mirror): one IPv4/IPv6 + UDP/TCP packet per message (LINKTYPE_RAW, so no made-up
 * MAC addresses) with correct checksums; TCP flows get consecutive sequence numbers per direction
 * so Wireshark's reassembly follows the stream. Written as pcapng (SHB, IDB, EPB with optional
 * comments) or classic pcap (µs). Messages read from a capture file are exported with their
 * original frames instead (capture-writer.ts).
 * @remarks pcap-savefile(5); draft-ietf-opsawg-pcapng §4.1 SHB, §4.2 IDB, §4.3 EPB; checksums RFC 768,
 * RFC 793, RFC 8200 §8.1.
 */

/** LINKTYPE_RAW: the packet starts with an IPv4 or IPv6 header. */
export const LINKTYPE_RAW = 101;

/** One message to write. */
export interface PacketInput {
  timeUs: number;
  srcHost: string;
  srcPort: number;
  dstHost: string;
  dstPort: number;
  /** UDP, or a stream transport (TCP, TLS, WS, WSS are all written as TCP segments). */
  transport: string;
  payload: Uint8Array;
  /** Optional packet comment (pcapng only; shown by Wireshark), e.g. `proxy -> bob`. */
  comment?: string;
}

const enc = new TextEncoder();

function pad4(n: number): number {
  return (n + 3) & ~3;
}

/** A classic pcap file's global header (µs, little-endian, snaplen 262144) for `linkType`. */
export function pcapGlobalHeader(linkType: number): Uint8Array {
  const gh = new Uint8Array(24);
  const g = new DataView(gh.buffer);
  g.setUint32(0, 0xa1b2c3d4, true);
  g.setUint16(4, 2, true);
  g.setUint16(6, 4, true);
  g.setUint32(16, 262144, true);
  g.setUint32(20, linkType, true);
  return gh;
}

/** Section Header Block + Interface Description Block for one LINKTYPE_RAW interface. */
export function pcapngHeader(appName = 'sipscope', ifName = 'sipscope'): Uint8Array {
  const app = enc.encode(appName);
  const shbOpts = 4 + pad4(app.length) + 4; // shb_userappl + opt_endofopt
  const shbLen = 28 + shbOpts;
  const ifn = enc.encode(ifName);
  const idbOpts = 4 + pad4(ifn.length) + 4 + 4 + 4; // if_name, if_tsresol(1 byte padded), end
  const idbLen = 20 + idbOpts;
  const out = new Uint8Array(shbLen + idbLen);
  const dv = new DataView(out.buffer);
  let o = 0;
  dv.setUint32(o, 0x0a0d0d0a, true);
  dv.setUint32(o + 4, shbLen, true);
  dv.setUint32(o + 8, 0x1a2b3c4d, true);
  dv.setUint16(o + 12, 1, true);
  dv.setUint16(o + 14, 0, true);
  dv.setInt32(o + 16, -1, true); // section length unknown
  dv.setInt32(o + 20, -1, true);
  o += 24;
  dv.setUint16(o, 4, true); // shb_userappl
  dv.setUint16(o + 2, app.length, true);
  out.set(app, o + 4);
  o += 4 + pad4(app.length);
  o += 4; // opt_endofopt
  dv.setUint32(o, shbLen, true);
  o += 4;
  const idb = o;
  dv.setUint32(o, 1, true);
  dv.setUint32(o + 4, idbLen, true);
  dv.setUint16(o + 8, LINKTYPE_RAW, true);
  dv.setUint32(o + 12, 262144, true); // snaplen
  o += 16;
  dv.setUint16(o, 2, true); // if_name
  dv.setUint16(o + 2, ifn.length, true);
  out.set(ifn, o + 4);
  o += 4 + pad4(ifn.length);
  dv.setUint16(o, 9, true); // if_tsresol
  dv.setUint16(o + 2, 1, true);
  out[o + 4] = 6; // 10^-6
  o += 8;
  o += 4; // opt_endofopt
  dv.setUint32(o, idbLen, true);
  void idb;
  return out;
}

function parseIpv4(s: string): number[] | null {
  const p = s.split('.');
  if (p.length !== 4) return null;
  const b = p.map(Number);
  return b.every((x) => Number.isInteger(x) && x >= 0 && x <= 255) ? b : null;
}

function parseIpv6(s: string): number[] | null {
  let text = s;
  // A dotted IPv4 tail (`::ffff:192.0.2.1`) becomes two hex groups.
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    const v4 = parseIpv4(text.slice(lastColon + 1));
    if (!v4) return null;
    text = `${text.slice(0, lastColon + 1)}${((v4[0]! << 8) | v4[1]!).toString(16)}:${((v4[2]! << 8) | v4[3]!).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const part = (h: string): number[] => (h === '' ? [] : h.split(':').map((x) => parseInt(x, 16)));
  const left = part(halves[0]!);
  const right = halves.length === 2 ? part(halves[1]!) : [];
  const groups = [...left];
  if (halves.length === 2) for (let i = left.length + right.length; i < 8; i++) groups.push(0);
  groups.push(...right);
  if (groups.length !== 8 || groups.some((g) => !(g >= 0 && g <= 0xffff))) return null;
  const out: number[] = [];
  for (const g of groups) out.push(g >> 8, g & 255);
  return out;
}

/** Address bytes of an IPv4/IPv6 text address (hosts that are not IP addresses become 0.0.0.0 / ::). */
export function addressBytes(host: string, v6: boolean): number[] {
  const h = host.replace(/^\[|\]$/g, '');
  if (v6)
    return (
      parseIpv6(h) ??
      (parseIpv4(h)
        ? [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255, 255, ...parseIpv4(h)!]
        : new Array<number>(16).fill(0))
    );
  return parseIpv4(h) ?? [0, 0, 0, 0];
}

function sum16(buf: Uint8Array, start: number, end: number, acc: number): number {
  let s = acc;
  let i = start;
  for (; i + 1 < end; i += 2) s += (buf[i]! << 8) | buf[i + 1]!;
  if (i < end) s += buf[i]! << 8;
  return s;
}

function fold(s: number): number {
  let x = s;
  while (x > 0xffff) x = (x & 0xffff) + Math.floor(x / 0x10000);
  return ~x & 0xffff;
}

/** Per-flow TCP sequence numbers, so Wireshark sees each direction as one continuous stream. */
export class TcpSequencer {
  readonly #next = new Map<string, number>();
  /** Returns [seq, ack] for a segment of `len` bytes on the flow and advances it. */
  take(src: string, sp: number, dst: string, dp: number, len: number): [number, number] {
    const k = `${src}|${sp}|${dst}|${dp}`;
    const r = `${dst}|${dp}|${src}|${sp}`;
    const seq = this.#next.get(k) ?? 1;
    this.#next.set(k, (seq + len) >>> 0);
    return [seq, this.#next.get(r) ?? 1];
  }
}

/** The IP packet (v4 or v6, by the addresses) carrying `p.payload` over UDP or TCP. */
export function synthesizePacket(p: PacketInput, seqs: TcpSequencer): Uint8Array {
  const v6 = p.srcHost.includes(':') || p.dstHost.includes(':');
  const tcp = p.transport !== 'UDP';
  const src = addressBytes(p.srcHost, v6);
  const dst = addressBytes(p.dstHost, v6);
  const ipLen = v6 ? 40 : 20;
  const l4Len = tcp ? 20 : 8;
  const maxPayload = 65535 - (v6 ? 0 : ipLen) - l4Len;
  const payload = p.payload.length > maxPayload ? p.payload.subarray(0, maxPayload) : p.payload;
  const l4Total = l4Len + payload.length;
  const out = new Uint8Array(ipLen + l4Total);
  const dv = new DataView(out.buffer);
  const proto = tcp ? 6 : 17;
  if (v6) {
    dv.setUint32(0, 0x60000000);
    dv.setUint16(4, l4Total);
    out[6] = proto;
    out[7] = 64;
    out.set(src, 8);
    out.set(dst, 24);
  } else {
    out[0] = 0x45;
    dv.setUint16(2, ipLen + l4Total);
    dv.setUint16(6, 0x4000); // DF
    out[8] = 64;
    out[9] = proto;
    out.set(src, 12);
    out.set(dst, 16);
    dv.setUint16(10, fold(sum16(out, 0, 20, 0)));
  }
  const l = ipLen;
  dv.setUint16(l, p.srcPort);
  dv.setUint16(l + 2, p.dstPort);
  if (tcp) {
    const [seq, ack] = seqs.take(p.srcHost, p.srcPort, p.dstHost, p.dstPort, payload.length);
    dv.setUint32(l + 4, seq);
    dv.setUint32(l + 8, ack);
    out[l + 12] = 5 << 4;
    out[l + 13] = 0x18; // PSH, ACK
    dv.setUint16(l + 14, 65535);
  } else dv.setUint16(l + 4, l4Total);
  out.set(payload, l + l4Len);
  // Pseudo-header checksum (RFC 768, RFC 793, RFC 8200 §8.1).
  let s = 0;
  for (let i = 0; i < src.length; i += 2) s += (src[i]! << 8) | src[i + 1]!;
  for (let i = 0; i < dst.length; i += 2) s += (dst[i]! << 8) | dst[i + 1]!;
  s += proto + l4Total;
  let c = fold(sum16(out, l, out.length, s));
  if (!tcp && c === 0) c = 0xffff;
  dv.setUint16(l + (tcp ? 16 : 6), c);
  return out;
}

/** One Enhanced Packet Block (interface 0) holding `data`. */
export function enhancedPacketBlock(timeUs: number, data: Uint8Array, comment?: string): Uint8Array {
  const c = comment ? enc.encode(comment) : null;
  const optLen = c ? 4 + pad4(c.length) + 4 : 0;
  const len = 28 + pad4(data.length) + optLen + 4;
  const out = new Uint8Array(len);
  const dv = new DataView(out.buffer);
  const ts = BigInt(Math.max(0, Math.trunc(timeUs)));
  dv.setUint32(0, 6, true);
  dv.setUint32(4, len, true);
  dv.setUint32(8, 0, true);
  dv.setUint32(12, Number(ts >> 32n), true);
  dv.setUint32(16, Number(ts & 0xffffffffn), true);
  dv.setUint32(20, data.length, true);
  dv.setUint32(24, data.length, true);
  out.set(data, 28);
  let o = 28 + pad4(data.length);
  if (c) {
    dv.setUint16(o, 1, true); // opt_comment
    dv.setUint16(o + 2, c.length, true);
    out.set(c, o + 4);
    o += 4 + pad4(c.length) + 4;
  }
  dv.setUint32(o, len, true);
  return out;
}

/** A whole pcapng file holding `packets` (for "save as" of a live trace). */
export function buildPcapng(packets: Iterable<PacketInput>, ifName = 'sipscope'): Uint8Array {
  const seqs = new TcpSequencer();
  const parts: Uint8Array[] = [pcapngHeader('sipscope', ifName)];
  for (const p of packets) parts.push(enhancedPacketBlock(p.timeUs, synthesizePacket(p, seqs), p.comment));
  return concat(parts);
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const b of parts) n += b.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const b of parts) {
    out.set(b, o);
    o += b.length;
  }
  return out;
}

/** LINKTYPE_ETHERNET: for readers that take Ethernet frames only (SIPp's `play_pcap_audio`). */
export const LINKTYPE_ETHERNET = 1;

/** An Ethernet II frame around an IP packet: zero MAC addresses (none is known), type from the IP version. */
function ethernetFrame(ip: Uint8Array): Uint8Array {
  const out = new Uint8Array(14 + ip.length);
  const v6 = ip[0]! >> 4 === 6;
  out[12] = v6 ? 0x86 : 0x08;
  out[13] = v6 ? 0xdd : 0x00;
  out.set(ip, 14);
  return out;
}

/**
 * A classic pcap file (µs, little-endian) holding `packets`: LINKTYPE_RAW, or LINKTYPE_ETHERNET
 * (each IP packet in an Ethernet II frame) for readers that need it.
 */
export function buildPcap(
  packets: Iterable<PacketInput>,
  linkType: typeof LINKTYPE_RAW | typeof LINKTYPE_ETHERNET = LINKTYPE_RAW,
): Uint8Array {
  const seqs = new TcpSequencer();
  const parts: Uint8Array[] = [pcapGlobalHeader(linkType)];
  for (const p of packets) {
    const ip = synthesizePacket(p, seqs);
    const pkt = linkType === LINKTYPE_ETHERNET ? ethernetFrame(ip) : ip;
    const rh = new Uint8Array(16);
    const r = new DataView(rh.buffer);
    const t = Math.max(0, Math.trunc(p.timeUs));
    r.setUint32(0, Math.floor(t / 1e6), true);
    r.setUint32(4, t % 1e6, true);
    r.setUint32(8, pkt.length, true);
    r.setUint32(12, pkt.length, true);
    parts.push(rh, pkt);
  }
  return concat(parts);
}
