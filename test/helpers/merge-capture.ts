/**
 * Synthetic captures of one call through a proxy, one file per capture point (Alice's side: alice ↔
 * proxy; Bob's side: proxy ↔ bob), for the tests of several captures opened as one.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildPcap, buildPcapng, type PacketInput } from '../../src/sip-core/capture/writer/synthesize';

const enc = new TextEncoder();
const T0 = 1_700_000_000_000_000;
export const A = '192.0.2.10';
export const P = '192.0.2.1';
export const B = '192.0.2.20';

function invite(vias: string[], maxf: number, rr: boolean): string {
  return (
    `INVITE sip:bob@${B} SIP/2.0\r\n` +
    vias.map((v) => `Via: SIP/2.0/UDP ${v}\r\n`).join('') +
    `Max-Forwards: ${maxf}\r\n` +
    (rr ? `Record-Route: <sip:${P};lr>\r\n` : '') +
    `From: <sip:alice@${A}>;tag=a1\r\nTo: <sip:bob@${B}>\r\nCall-ID: merge-1@test\r\nCSeq: 1 INVITE\r\n` +
    `Contact: <sip:alice@${A}>\r\nContent-Length: 0\r\n\r\n`
  );
}

function response(code: string, vias: string[], rr: boolean): string {
  return (
    `SIP/2.0 ${code}\r\n` +
    vias.map((v) => `Via: SIP/2.0/UDP ${v}\r\n`).join('') +
    (rr ? `Record-Route: <sip:${P};lr>\r\n` : '') +
    `From: <sip:alice@${A}>;tag=a1\r\nTo: <sip:bob@${B}>;tag=b1\r\nCall-ID: merge-1@test\r\nCSeq: 1 INVITE\r\n` +
    `Content-Length: 0\r\n\r\n`
  );
}

const VA = `${A}:5060;branch=z9hG4bKa`;
const VP = `${P}:5060;branch=z9hG4bKp`;
const pkt = (t: number, src: string, dst: string, text: string): PacketInput => ({
  timeUs: T0 + t,
  srcHost: src,
  srcPort: 5060,
  dstHost: dst,
  dstPort: 5060,
  transport: 'UDP',
  payload: enc.encode(text),
});

/** Alice's side (alice ↔ proxy) and Bob's side (proxy ↔ bob) of one call. */
export const sideA = [
  pkt(0, A, P, invite([VA], 70, false)),
  pkt(30_000, P, A, response('200 OK', [VA], true)),
];
export const sideB = [
  pkt(1_000, P, B, invite([VP, VA], 69, true)),
  pkt(29_000, B, P, response('200 OK', [VP, VA], true)),
];

export function files(): { dir: string; a: string; b: string } {
  const dir = mkdtempSync(join(tmpdir(), 'sipscope-merge-test-'));
  const a = join(dir, 'a.pcap');
  const b = join(dir, 'b.pcapng');
  writeFileSync(a, buildPcap(sideA));
  writeFileSync(b, buildPcapng(sideB));
  return { dir, a, b };
}

/** Records of a classic little-endian pcap file. */
export function pcapRecords(b: Uint8Array): number {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let n = 0;
  for (let o = 24; o + 16 <= b.length; o += 16 + dv.getUint32(o + 8, true)) n++;
  return n;
}

/** Bob's side with a copy of Alice's INVITE 2 ms after it (its TTL changed on the way: the same packet). */
export function bobSideWithDuplicate(dir: string): string {
  const b2 = join(dir, 'b2.pcap');
  const bytes = buildPcap([sideB[0]!, { ...sideA[0]!, timeUs: sideA[0]!.timeUs + 2000 }, sideB[1]!]);
  const first = new DataView(bytes.buffer).getUint32(24 + 8, true);
  bytes[24 + 16 + first + 16 + 8] = 63; // the second record's IPv4 TTL
  writeFileSync(b2, bytes);
  return b2;
}

/** Bob's side captured on a host whose clock is `behindUs` behind Alice's side's (late.pcap). */
export function bobSideBehind(dir: string, behindUs: number): string {
  const late = join(dir, 'late.pcap');
  writeFileSync(late, buildPcap(sideB.map((p) => ({ ...p, timeUs: p.timeUs - behindUs }))));
  return late;
}
