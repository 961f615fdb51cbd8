/**
 * Test helper: encodes HEP3 and HEP2 packets (HEP3 spec: github.com/sipcapture/HEP), so the
 * listener can be fed packets whose every field is known. Kamailio's real HEP is in test/interop.
 */
import { deflateSync } from 'node:zlib';

export interface HepFields {
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
  timeUs: number;
  ipProto?: number;
  protoType?: number;
  captureId?: number;
  correlationId?: string;
  payload: string;
  compress?: boolean;
}

function ip4(s: string): number[] {
  return s.split('.').map(Number);
}
function ip6(s: string): number[] {
  const [l, r = ''] = s.split('::');
  const L = l ? l.split(':') : [];
  const R = r ? r.split(':') : [];
  const g = [...L, ...new Array(8 - L.length - R.length).fill('0'), ...R].map((x) => parseInt(x, 16));
  return g.flatMap((x) => [x >> 8, x & 255]);
}

function chunk(type: number, data: number[] | Uint8Array): number[] {
  const len = 6 + data.length;
  return [0, 0, type >> 8, type & 255, len >> 8, len & 255, ...data];
}
const u16 = (n: number): number[] => [n >> 8, n & 255];
const u32 = (n: number): number[] => [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];

export function hep3(f: HepFields): Uint8Array {
  const v6 = f.src.includes(':');
  const body = new TextEncoder().encode(f.payload);
  const parts = [
    ...chunk(1, [v6 ? 10 : 2]),
    ...chunk(2, [f.ipProto ?? 17]),
    ...(v6 ? chunk(5, ip6(f.src)) : chunk(3, ip4(f.src))),
    ...(v6 ? chunk(6, ip6(f.dst)) : chunk(4, ip4(f.dst))),
    ...chunk(7, u16(f.srcPort)),
    ...chunk(8, u16(f.dstPort)),
    ...chunk(9, u32(Math.floor(f.timeUs / 1e6))),
    ...chunk(10, u32(f.timeUs % 1e6)),
    ...chunk(11, [f.protoType ?? 1]),
    ...chunk(12, u32(f.captureId ?? 2001)),
    ...(f.correlationId ? chunk(17, new TextEncoder().encode(f.correlationId)) : []),
    ...(f.compress ? chunk(16, new Uint8Array(deflateSync(body))) : chunk(15, body)),
  ];
  const total = 6 + parts.length;
  return new Uint8Array([0x48, 0x45, 0x50, 0x33, ...u16(total), ...parts]);
}

/** HEP v2, IPv4: 16-byte header, then the little-endian time header (12 bytes), then the payload. */
export function hep2(f: HepFields): Uint8Array {
  const body = new TextEncoder().encode(f.payload);
  const head = [
    2,
    16,
    2,
    f.ipProto ?? 17,
    ...u16(f.srcPort),
    ...u16(f.dstPort),
    ...ip4(f.src),
    ...ip4(f.dst),
  ];
  const t = new Uint8Array(12);
  const dv = new DataView(t.buffer);
  dv.setUint32(0, Math.floor(f.timeUs / 1e6), true);
  dv.setUint32(4, f.timeUs % 1e6, true);
  dv.setUint16(8, f.captureId ?? 7, true);
  const out = new Uint8Array(head.length + 12 + body.length);
  out.set(head);
  out.set(t, head.length);
  out.set(body, head.length + 12);
  return out;
}
