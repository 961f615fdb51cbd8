/**
 * Link-layer stage: from a frame to the start of its network-layer packet.
 * Ethernet II (802.1Q, QinQ 802.1ad, MPLS, PPPoE session), Linux cooked v1/v2, BSD NULL and
 * OpenBSD LOOP, raw IPv4/IPv6. Unknown link types are reported by the caller and counted, not fatal.
 * @remarks Link type numbers: https://www.tcpdump.org/linktypes.html
 */

export const LINKTYPE = {
  NULL: 0,
  ETHERNET: 1,
  RAW_12: 12,
  RAW_14: 14,
  RAW: 101,
  LOOP: 108,
  LINUX_SLL: 113,
  IPV4: 228,
  IPV6: 229,
  LINUX_SLL2: 276,
} as const;

export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_IPV6 = 0x86dd;
/** Transparent Ethernet Bridging (GRE payload that is an Ethernet frame). */
export const ETHERTYPE_TEB = 0x6558;

/** Result of a link decode; reused between calls. */
export interface NetStart {
  /** ETHERTYPE_IPV4 / ETHERTYPE_IPV6, or another EtherType (not decoded further). */
  etherType: number;
  /** Offset of the network-layer header in the frame buffer. */
  offset: number;
  /** Number of VLAN tags popped (802.1Q / 802.1ad). */
  vlans: number;
}

/** Link type names for the summary. */
export const LINKTYPE_NAMES: Record<number, string> = {
  0: 'NULL (BSD loopback)',
  1: 'Ethernet',
  12: 'Raw IP',
  14: 'Raw IP',
  101: 'Raw IP',
  108: 'LOOP (OpenBSD loopback)',
  113: 'Linux cooked (SLL)',
  228: 'Raw IPv4',
  229: 'Raw IPv6',
  276: 'Linux cooked v2 (SLL2)',
};

export function linkTypeName(lt: number): string {
  return LINKTYPE_NAMES[lt] ?? `link type ${lt}`;
}

/** True when the link type is one this stage decodes. */
export function isKnownLinkType(lt: number): boolean {
  return lt in LINKTYPE_NAMES;
}

const ipByVersion = (buf: Uint8Array, o: number, end: number, out: NetStart): boolean => {
  if (o >= end) return false;
  const v = buf[o]! >> 4;
  out.offset = o;
  if (v === 4) out.etherType = ETHERTYPE_IPV4;
  else if (v === 6) out.etherType = ETHERTYPE_IPV6;
  else return false;
  return true;
};

/** Ethernet II from `start`: pops VLAN tags, MPLS labels and PPPoE. */
export function decodeEthernet(buf: Uint8Array, start: number, end: number, out: NetStart): boolean {
  let o = start + 12;
  out.vlans = 0;
  while (o + 2 <= end) {
    const t = (buf[o]! << 8) | buf[o + 1]!;
    o += 2;
    if (t === 0x8100 || t === 0x88a8 || t === 0x9100 || t === 0x9200) {
      o += 2; // TCI; the next two bytes are the inner EtherType
      out.vlans++;
      continue;
    }
    if (t === 0x8847 || t === 0x8848) {
      // MPLS: pop labels until bottom of stack, then guess IPv4/IPv6 by version nibble.
      while (o + 4 <= end) {
        const bos = buf[o + 2]! & 1;
        o += 4;
        if (bos) break;
      }
      return ipByVersion(buf, o, end, out);
    }
    if (t === 0x8864) {
      // PPPoE session: 6-byte header, then a 2-byte PPP protocol.
      if (o + 8 > end) return false;
      const ppp = (buf[o + 6]! << 8) | buf[o + 7]!;
      out.offset = o + 8;
      out.etherType = ppp === 0x0021 ? ETHERTYPE_IPV4 : ppp === 0x0057 ? ETHERTYPE_IPV6 : -1;
      return out.etherType > 0;
    }
    if (t <= 1500) return false; // 802.3 length field (LLC), not IP
    out.etherType = t;
    out.offset = o;
    return true;
  }
  return false;
}

/** Decodes the link header of `linkType`; false when the frame holds no network-layer packet. */
export function decodeLink(
  linkType: number,
  buf: Uint8Array,
  start: number,
  end: number,
  out: NetStart,
): boolean {
  out.vlans = 0;
  switch (linkType) {
    case LINKTYPE.ETHERNET:
      return decodeEthernet(buf, start, end, out);
    case LINKTYPE.RAW:
    case LINKTYPE.RAW_12:
    case LINKTYPE.RAW_14:
    case LINKTYPE.IPV4:
    case LINKTYPE.IPV6:
      return ipByVersion(buf, start, end, out);
    case LINKTYPE.LINUX_SLL: {
      if (start + 16 > end) return false;
      out.etherType = (buf[start + 14]! << 8) | buf[start + 15]!;
      out.offset = start + 16;
      if (out.etherType === 0x8100) return decodeEthernet(buf, start + 2, end, out); // VLAN in SLL: the tag follows
      return true;
    }
    case LINKTYPE.LINUX_SLL2: {
      if (start + 20 > end) return false;
      out.etherType = (buf[start]! << 8) | buf[start + 1]!;
      out.offset = start + 20;
      return true;
    }
    case LINKTYPE.NULL:
    case LINKTYPE.LOOP: {
      if (start + 4 > end) return false;
      // NULL: address family in the capturing host's byte order; LOOP: network order.
      let fam = buf[start]! | (buf[start + 1]! << 8) | (buf[start + 2]! << 16) | (buf[start + 3]! << 24);
      if (linkType === LINKTYPE.LOOP || fam > 0xffff || fam < 0) {
        fam =
          ((buf[start]! << 24) | (buf[start + 1]! << 16) | (buf[start + 2]! << 8) | buf[start + 3]!) >>> 0;
      }
      out.offset = start + 4;
      if (fam === 2) out.etherType = ETHERTYPE_IPV4;
      else if (fam === 10 || fam === 24 || fam === 28 || fam === 30) out.etherType = ETHERTYPE_IPV6;
      else return ipByVersion(buf, start + 4, end, out);
      return true;
    }
    default:
      return false;
  }
}
