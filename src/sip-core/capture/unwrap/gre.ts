/**
 * GRE (RFC 2784, RFC 2890 key/sequence) and ERSPAN type II/III headers: where the tunnelled packet
 * starts and what it is (IPv4, IPv6 or an Ethernet frame for Transparent Ethernet Bridging 0x6558).
 */
import { ETHERTYPE_TEB } from '../link/link-decode';

export const ETHERTYPE_ERSPAN2 = 0x88be;
export const ETHERTYPE_ERSPAN3 = 0x22eb;

export interface GreInner {
  /** EtherType of the payload (0x0800, 0x86dd, 0x6558 = Ethernet frame). */
  protocol: number;
  offset: number;
}

/** Decodes the GRE header at `buf[o]`; false when it is malformed or an unsupported version. */
export function decodeGre(buf: Uint8Array, o: number, end: number, out: GreInner): boolean {
  if (o + 4 > end) return false;
  const flags = buf[o]!;
  const version = buf[o + 1]! & 7;
  if (version !== 0) return false; // version 1 is PPTP's enhanced GRE
  let protocol = (buf[o + 2]! << 8) | buf[o + 3]!;
  let p = o + 4;
  if (flags & 0x80 || flags & 0x40) p += 4; // checksum (+reserved) or routing present
  if (flags & 0x20) p += 4; // key
  const seq = (flags & 0x10) !== 0;
  if (seq) p += 4;
  if (p > end) return false;
  if (protocol === ETHERTYPE_ERSPAN2) {
    // ERSPAN type II: 8-byte header, then the mirrored Ethernet frame (type I has no sequence and no header).
    if (seq) p += 8;
    protocol = ETHERTYPE_TEB;
  } else if (protocol === ETHERTYPE_ERSPAN3) {
    if (p + 12 > end) return false;
    const o8 = (buf[p + 11]! & 1) !== 0; // optional platform-specific sub-header
    p += 12 + (o8 ? 8 : 0);
    protocol = ETHERTYPE_TEB;
  }
  if (p > end) return false;
  out.protocol = protocol;
  out.offset = p;
  return true;
}
