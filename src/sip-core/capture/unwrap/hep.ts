/**
 * HEP (Homer Encapsulation Protocol) v1/v2 and v3 (EEP): captured SIP sent to a collector. The
 * message's addresses, ports, time and transport come from the HEP header, not the carrying packet.
 * v3 chunks (vendor 0): 1 family, 2 ip proto, 3/4 IPv4 src/dst, 5/6 IPv6 src/dst, 7/8 ports,
 * 9/10 time s/µs, 11 protocol type (1 = SIP), 12 capture id, 15 payload, 16 compressed payload,
 * 17 correlation id. Spec: https://github.com/sipcapture/HEP (HEP3 Network Protocol Specification).
 */
import type { AddressTable } from '../address';

/**
 * A decompressor for compressed payload chunks (zlib/gzip/deflate); injected (node:zlib lives in a
 * *.node.ts adapter). Null when the data is none of these or inflates past {@link MAX_INFLATED}.
 */
export type Inflate = (data: Uint8Array) => Uint8Array | null;

/**
 * The most a compressed payload may inflate to (1 MiB, as SCTP's largest message): deflate reaches
 * 1,032:1, so a 64 KiB chunk could otherwise ask for 64 MiB (ten such datagrams took 1 GB).
 */
export const MAX_INFLATED = 1024 * 1024;

export interface HepPacket {
  version: 1 | 2 | 3;
  ipProto: number;
  src: number;
  dst: number;
  srcPort: number;
  dstPort: number;
  /** µs since the epoch, or -1 when the HEP header has no time (v1). */
  timeUs: number;
  /** 1 = SIP; other values (RTCP, logs, ...) are not SIP. */
  protoType: number;
  captureId: number;
  correlationId: string | null;
  /** The payload: `payload[payloadStart, payloadEnd)` (a new buffer when it was compressed). */
  payload: Uint8Array;
  payloadStart: number;
  payloadEnd: number;
  compressed: boolean;
  /** Problem found, for a diagnostic ('hep-inflate-failed', 'hep-no-payload'...), or null. */
  problem: string | null;
}

export function newHepPacket(): HepPacket {
  return {
    version: 3,
    ipProto: 17,
    src: 0,
    dst: 0,
    srcPort: 0,
    dstPort: 0,
    timeUs: -1,
    protoType: 1,
    captureId: 0,
    correlationId: null,
    payload: new Uint8Array(0),
    payloadStart: 0,
    payloadEnd: 0,
    compressed: false,
    problem: null,
  };
}

/** Is there a HEP header at `buf[start]`? Returns its version (1–3) or 0. */
export function hepVersion(buf: Uint8Array, start: number, end: number): 0 | 1 | 2 | 3 {
  if (
    end - start >= 6 &&
    buf[start] === 0x48 &&
    buf[start + 1] === 0x45 &&
    buf[start + 2] === 0x50 &&
    buf[start + 3] === 0x33
  )
    return 3;
  if (end - start >= 16) {
    const v = buf[start]!;
    const l = buf[start + 1]!;
    const f = buf[start + 2]!;
    if ((v === 1 || v === 2) && (f === 2 || f === 10) && ((f === 2 && l === 16) || (f === 10 && l === 40)))
      return v;
  }
  return 0;
}

/** Total length of the HEP3 packet at `buf[start]` (for stream framing), 0 when not enough bytes. */
export function hep3Length(buf: Uint8Array, start: number, end: number): number {
  if (end - start < 6) return 0;
  return (buf[start + 4]! << 8) | buf[start + 5]!;
}

const decoder = new TextDecoder('latin1');

/** Decodes the HEP packet `buf[start,end)`; false when it is not valid HEP. */
export function decodeHep(
  buf: Uint8Array,
  start: number,
  end: number,
  addrs: AddressTable,
  inflate: Inflate | null,
  out: HepPacket,
): boolean {
  const v = hepVersion(buf, start, end);
  out.problem = null;
  out.correlationId = null;
  out.compressed = false;
  out.captureId = 0;
  out.protoType = 1;
  out.timeUs = -1;
  if (v === 0) return false;
  out.version = v;
  if (v !== 3) {
    const l = buf[start + 1]!;
    const fam = buf[start + 2]!;
    out.ipProto = buf[start + 3]!;
    out.srcPort = (buf[start + 4]! << 8) | buf[start + 5]!;
    out.dstPort = (buf[start + 6]! << 8) | buf[start + 7]!;
    const a = start + 8;
    if (fam === 2) {
      out.src = addrs.v4(((buf[a]! << 24) | (buf[a + 1]! << 16) | (buf[a + 2]! << 8) | buf[a + 3]!) >>> 0);
      out.dst = addrs.v4(
        ((buf[a + 4]! << 24) | (buf[a + 5]! << 16) | (buf[a + 6]! << 8) | buf[a + 7]!) >>> 0,
      );
    } else {
      if (start + 40 > end) return false;
      out.src = addrs.v6(buf, a);
      out.dst = addrs.v6(buf, a + 16);
    }
    let p = start + l;
    if (v === 2) {
      // struct hep_timehdr { u32 tv_sec; u32 tv_usec; u16 captid; } in the sender's (little-endian) order, padded to 12.
      if (p + 12 > end) return false;
      const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
      out.timeUs = dv.getUint32(p, true) * 1e6 + dv.getUint32(p + 4, true);
      out.captureId = dv.getUint16(p + 8, true);
      p += 12;
    }
    out.payload = buf;
    out.payloadStart = p;
    out.payloadEnd = end;
    return true;
  }
  const total = hep3Length(buf, start, end);
  const stop = Math.min(end, start + (total >= 6 ? total : end - start));
  let p = start + 6;
  let sec = -1;
  let usec = 0;
  let havePayload = false;
  while (p + 6 <= stop) {
    const vendor = (buf[p]! << 8) | buf[p + 1]!;
    const type = (buf[p + 2]! << 8) | buf[p + 3]!;
    const len = (buf[p + 4]! << 8) | buf[p + 5]!;
    if (len < 6 || p + len > stop) {
      out.problem = 'hep-chunk-malformed';
      break;
    }
    const d = p + 6;
    const n = len - 6;
    if (vendor === 0) {
      switch (type) {
        case 2:
          out.ipProto = buf[d]!;
          break;
        case 3:
          if (n >= 4)
            out.src = addrs.v4(
              ((buf[d]! << 24) | (buf[d + 1]! << 16) | (buf[d + 2]! << 8) | buf[d + 3]!) >>> 0,
            );
          break;
        case 4:
          if (n >= 4)
            out.dst = addrs.v4(
              ((buf[d]! << 24) | (buf[d + 1]! << 16) | (buf[d + 2]! << 8) | buf[d + 3]!) >>> 0,
            );
          break;
        case 5:
          if (n >= 16) out.src = addrs.v6(buf, d);
          break;
        case 6:
          if (n >= 16) out.dst = addrs.v6(buf, d);
          break;
        case 7:
          out.srcPort = (buf[d]! << 8) | buf[d + 1]!;
          break;
        case 8:
          out.dstPort = (buf[d]! << 8) | buf[d + 1]!;
          break;
        case 9:
          sec = ((buf[d]! << 24) | (buf[d + 1]! << 16) | (buf[d + 2]! << 8) | buf[d + 3]!) >>> 0;
          break;
        case 10:
          usec = ((buf[d]! << 24) | (buf[d + 1]! << 16) | (buf[d + 2]! << 8) | buf[d + 3]!) >>> 0;
          break;
        case 11:
          out.protoType = buf[d]!;
          break;
        case 12:
          out.captureId = ((buf[d]! << 24) | (buf[d + 1]! << 16) | (buf[d + 2]! << 8) | buf[d + 3]!) >>> 0;
          break;
        case 15:
          out.payload = buf;
          out.payloadStart = d;
          out.payloadEnd = d + n;
          havePayload = true;
          break;
        case 16: {
          const inflated = inflate ? inflate(buf.subarray(d, d + n)) : null;
          if (inflated) {
            out.payload = inflated;
            out.payloadStart = 0;
            out.payloadEnd = inflated.length;
            out.compressed = true;
            havePayload = true;
          } else out.problem = 'hep-inflate-failed';
          break;
        }
        case 17:
          out.correlationId = decoder.decode(buf.subarray(d, d + n));
          break;
      }
    }
    p += len;
  }
  if (sec >= 0) out.timeUs = sec * 1e6 + usec;
  if (!havePayload && out.problem === null) out.problem = 'hep-no-payload';
  return havePayload;
}
