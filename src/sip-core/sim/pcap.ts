/**
 * Writes the SIP messages of a simulation as a classic pcap (µs, LINKTYPE_RAW = 101: IPv4 + UDP),
 * so Wireshark/tshark open a simulated run like a capture. Times are the virtual send times,
 * starting at epoch 0 + the scenario time.
 */
import type { WirePacket } from './network';

function ipv4(host: string): number[] | null {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(host);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4])] : null;
}

/** The pcap bytes (IPv4 packets only; others are skipped). `baseUs` is added to every time. */
export function simulationPcap(packets: readonly WirePacket[], baseUs = 0): Uint8Array {
  const recs: Uint8Array[] = [];
  const gh = new Uint8Array(24);
  const g = new DataView(gh.buffer);
  g.setUint32(0, 0xa1b2c3d4, true);
  g.setUint16(4, 2, true);
  g.setUint16(6, 4, true);
  g.setUint32(16, 65535, true);
  g.setUint32(20, 101, true); // LINKTYPE_RAW
  recs.push(gh);
  let id = 1;
  for (const p of packets) {
    const s = ipv4(p.from.host);
    const d = ipv4(p.to.host);
    if (!s || !d) continue;
    const ulen = 8 + p.bytes.length;
    const tlen = 20 + ulen;
    const pkt = new Uint8Array(tlen);
    const v = new DataView(pkt.buffer);
    pkt[0] = 0x45;
    v.setUint16(2, tlen);
    v.setUint16(4, id++ & 0xffff);
    pkt[8] = 64;
    pkt[9] = 17;
    pkt.set(s, 12);
    pkt.set(d, 16);
    let sum = 0;
    for (let i = 0; i < 20; i += 2) sum += v.getUint16(i);
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
    v.setUint16(10, ~sum & 0xffff);
    v.setUint16(20, p.from.port);
    v.setUint16(22, p.to.port);
    v.setUint16(24, ulen);
    v.setUint16(26, 0); // UDP checksum optional over IPv4 (RFC 768)
    pkt.set(p.bytes, 28);
    const rh = new Uint8Array(16);
    const r = new DataView(rh.buffer);
    const t = baseUs + p.sentAt;
    r.setUint32(0, Math.floor(t / 1e6), true);
    r.setUint32(4, t % 1e6, true);
    r.setUint32(8, tlen, true);
    r.setUint32(12, tlen, true);
    recs.push(rh, pkt);
  }
  let n = 0;
  for (const x of recs) n += x.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const x of recs) {
    out.set(x, o);
    o += x.length;
  }
  return out;
}
