/**
 * Network-layer stage: IPv4 (RFC 791) and IPv6 (RFC 8200, extension headers) header decoding.
 * Produces the upper-layer protocol, addresses (interned ids) and payload range, and flags fragments
 * for ./defrag.ts.
 */
import type { AddressTable } from '../address';

export const IPPROTO = {
  HOPOPTS: 0,
  IPIP: 4,
  TCP: 6,
  UDP: 17,
  IPV6: 41,
  ROUTING: 43,
  FRAGMENT: 44,
  GRE: 47,
  ESP: 50,
  AH: 51,
  NONE: 59,
  DSTOPTS: 60,
  MOBILITY: 135,
  SCTP: 132,
} as const;

/** One decoded IP header; reused between calls. */
export interface IpPacket {
  version: 4 | 6;
  src: number;
  dst: number;
  /** Upper-layer protocol (after IPv6 extension headers). */
  proto: number;
  payloadStart: number;
  payloadEnd: number;
  /** True when this packet is a fragment (IPv4 MF/offset, IPv6 Fragment header). */
  fragment: boolean;
  fragOffset: number;
  moreFragments: boolean;
  fragId: number;
  /** True when the frame holds fewer bytes than the IP length says (snap length). */
  truncated: boolean;
}

export function newIpPacket(): IpPacket {
  return {
    version: 4,
    src: 0,
    dst: 0,
    proto: 0,
    payloadStart: 0,
    payloadEnd: 0,
    fragment: false,
    fragOffset: 0,
    moreFragments: false,
    fragId: 0,
    truncated: false,
  };
}

/** IPv4 header at `buf[o]`; false when it is not a valid IPv4 header. */
export function decodeIpv4(
  buf: Uint8Array,
  o: number,
  end: number,
  addrs: AddressTable,
  out: IpPacket,
): boolean {
  if (o + 20 > end) return false;
  const vihl = buf[o]!;
  if (vihl >> 4 !== 4) return false;
  const ihl = (vihl & 15) * 4;
  if (ihl < 20 || o + ihl > end) return false;
  let total = (buf[o + 2]! << 8) | buf[o + 3]!;
  out.truncated = false;
  // Total length 0 happens with TCP segmentation offload captures: use what is there.
  if (total === 0) total = end - o;
  if (total < ihl) return false;
  if (o + total > end) {
    out.truncated = true;
    total = end - o;
  }
  const ff = (buf[o + 6]! << 8) | buf[o + 7]!;
  out.version = 4;
  out.fragId = (buf[o + 4]! << 8) | buf[o + 5]!;
  out.moreFragments = (ff & 0x2000) !== 0;
  out.fragOffset = (ff & 0x1fff) * 8;
  out.fragment = out.moreFragments || out.fragOffset !== 0;
  out.proto = buf[o + 9]!;
  out.src = addrs.v4(
    ((buf[o + 12]! << 24) | (buf[o + 13]! << 16) | (buf[o + 14]! << 8) | buf[o + 15]!) >>> 0,
  );
  out.dst = addrs.v4(
    ((buf[o + 16]! << 24) | (buf[o + 17]! << 16) | (buf[o + 18]! << 8) | buf[o + 19]!) >>> 0,
  );
  out.payloadStart = o + ihl;
  out.payloadEnd = o + total;
  return true;
}

/** IPv6 header and extension headers at `buf[o]`; false when it is not a valid IPv6 packet. */
export function decodeIpv6(
  buf: Uint8Array,
  o: number,
  end: number,
  addrs: AddressTable,
  out: IpPacket,
): boolean {
  if (o + 40 > end) return false;
  if (buf[o]! >> 4 !== 6) return false;
  let plen = (buf[o + 4]! << 8) | buf[o + 5]!;
  out.truncated = false;
  if (plen === 0) plen = end - o - 40; // jumbogram (RFC 2675) or TSO: use what is there
  let pend = o + 40 + plen;
  if (pend > end) {
    out.truncated = true;
    pend = end;
  }
  out.version = 6;
  out.src = addrs.v6(buf, o + 8);
  out.dst = addrs.v6(buf, o + 24);
  out.fragment = false;
  out.fragOffset = 0;
  out.moreFragments = false;
  out.fragId = 0;
  let nh = buf[o + 6]!;
  let p = o + 40;
  for (;;) {
    if (
      nh === IPPROTO.HOPOPTS ||
      nh === IPPROTO.ROUTING ||
      nh === IPPROTO.DSTOPTS ||
      nh === IPPROTO.MOBILITY
    ) {
      if (p + 8 > pend) return false;
      const next = buf[p]!;
      p += (buf[p + 1]! + 1) * 8;
      nh = next;
    } else if (nh === IPPROTO.AH) {
      if (p + 8 > pend) return false;
      const next = buf[p]!;
      p += (buf[p + 1]! + 2) * 4;
      nh = next;
    } else if (nh === IPPROTO.FRAGMENT) {
      if (p + 8 > pend) return false;
      const next = buf[p]!;
      const offm = (buf[p + 2]! << 8) | buf[p + 3]!;
      out.fragOffset = offm & 0xfff8;
      out.moreFragments = (offm & 1) !== 0;
      out.fragId = ((buf[p + 4]! << 24) | (buf[p + 5]! << 16) | (buf[p + 6]! << 8) | buf[p + 7]!) >>> 0;
      out.fragment = out.moreFragments || out.fragOffset !== 0;
      p += 8;
      nh = next;
    } else break;
  }
  if (p > pend) return false;
  out.proto = nh;
  out.payloadStart = p;
  out.payloadEnd = pend;
  return true;
}
