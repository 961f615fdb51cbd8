/**
 * Generates a capture of CALLS calls with RTP for bench/rtp.bench.ts: each call an INVITE with SDP, its
 * 200 with SDP, the ACK, then PACKETS G.711 packets each way (20 ms, 160 octets, a little arrival
 * noise, one packet in 200 lost), then BYE and its 200. The calls run side by side (packet slot by
 * slot), so streams interleave as on a media server's link. Classic pcap, Ethernet, µs, 8 MB blocks.
 *
 *   node --import tsx bench/tools/gen-rtp-capture.ts [OUT] [CALLS] [PACKETS]
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const benchDir = basename(here) === 'tools' ? dirname(here) : here;
export const DEFAULT_RTP_OUT = (calls: number, packets: number): string =>
  resolve(benchDir, `data/rtp-${calls}x${packets}.pcap`);

const BLOCK = 8 * 1024 * 1024;

export interface RtpCaptureInfo {
  frames: number;
  rtpPackets: number;
  bytes: number;
}

export function generateRtp(path: string, calls: number, packets: number): RtpCaptureInfo {
  mkdirSync(dirname(path), { recursive: true });
  const fd = openSync(path, 'w');
  const buf = Buffer.alloc(BLOCK + 4096);
  let n = 0;
  const info: RtpCaptureInfo = { frames: 0, rtpPackets: 0, bytes: 0 };
  const flush = (): void => {
    writeSync(fd, buf, 0, n);
    info.bytes += n;
    n = 0;
  };
  buf.writeUInt32LE(0xa1b2c3d4, 0);
  buf.writeUInt16LE(2, 4);
  buf.writeUInt16LE(4, 6);
  buf.writeUInt32LE(65535, 16);
  buf.writeUInt32LE(1, 20);
  n = 24;
  const t0 = 1_700_000_000_000_000;
  /** One UDP frame: Ethernet II, IPv4, UDP, `payload` written by `fill` at its offset. */
  const frame = (
    us: number,
    src: number,
    dst: number,
    sp: number,
    dp: number,
    len: number,
    fill: (o: number) => void,
  ): void => {
    if (n + 16 + 42 + len > BLOCK) flush();
    const cap = 42 + len;
    buf.writeUInt32LE(Math.floor(us / 1e6), n);
    buf.writeUInt32LE(us % 1e6, n + 4);
    buf.writeUInt32LE(cap, n + 8);
    buf.writeUInt32LE(cap, n + 12);
    const e = n + 16;
    buf.fill(0, e, e + 12);
    buf[e + 5] = 1;
    buf[e + 11] = 2;
    buf.writeUInt16BE(0x0800, e + 12);
    const ip = e + 14;
    buf.writeUInt32BE(0x45000000 | (28 + len), ip);
    buf.writeUInt32BE(0, ip + 4);
    buf.writeUInt32BE((64 << 24) | (17 << 16), ip + 8);
    buf.writeUInt32BE(src >>> 0, ip + 12);
    buf.writeUInt32BE(dst >>> 0, ip + 16);
    buf.writeUInt16BE(sp, ip + 20);
    buf.writeUInt16BE(dp, ip + 22);
    buf.writeUInt16BE(8 + len, ip + 24);
    buf.writeUInt16BE(0, ip + 26);
    fill(ip + 28);
    n = e + cap;
    info.frames++;
  };
  const addr = (c: number, side: number): number => ((10 << 24) | ((side + 1) << 16) | c) >>> 0;
  const dotted = (a: number): string => `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
  const port = (c: number, side: number): number => 20000 + side * 20000 + (c % 10000) * 2;
  const sip = (us: number, c: number, from: number, text: string): void => {
    const b = Buffer.from(text, 'latin1');
    frame(us, addr(c, from), addr(c, 1 - from), 5060, 5060, b.length, (o) => b.copy(buf, o));
  };
  const body = (c: number, side: number): string =>
    `v=0\r\no=- ${c} 1 IN IP4 ${dotted(addr(c, side))}\r\ns=-\r\nc=IN IP4 ${dotted(addr(c, side))}\r\nt=0 0\r\n` +
    `m=audio ${port(c, side)} RTP/AVP 8 101\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n`;
  const msg = (start: string, c: number, cseq: string, tag: boolean, sdp = ''): string =>
    `${start}\r\nVia: SIP/2.0/UDP 10.1.0.1:5060;branch=z9hG4bK-${c}-${cseq.length}\r\nFrom: <sip:a${c}@a.example>;tag=a${c}\r\n` +
    `To: <sip:b${c}@b.example>${tag ? `;tag=b${c}` : ''}\r\nCall-ID: rtp-bench-${c}\r\nCSeq: ${cseq}\r\n` +
    `Contact: <sip:x@10.1.0.1>\r\nMax-Forwards: 70\r\n${sdp ? 'Content-Type: application/sdp\r\n' : ''}Content-Length: ${sdp.length}\r\n\r\n${sdp}`;
  for (let c = 0; c < calls; c++) {
    const us = t0 + c * 100;
    sip(us, c, 0, msg('INVITE sip:b@b.example SIP/2.0', c, '1 INVITE', false, body(c, 0)));
    sip(us + 20, c, 1, msg('SIP/2.0 200 OK', c, '1 INVITE', true, body(c, 1)));
    sip(us + 40, c, 0, msg('ACK sip:b@b.example SIP/2.0', c, '1 ACK', true));
  }
  const mediaT0 = t0 + calls * 100 + 20_000;
  for (let i = 0; i < packets; i++) {
    for (let c = 0; c < calls; c++) {
      for (let side = 0; side < 2; side++) {
        if ((i * 31 + c * 7 + side) % 200 === 199) continue;
        const noise = ((i * 7919 + c * 104729 + side * 13) % 801) - 400;
        const us = mediaT0 + i * 20_000 + c * 3 + side + (noise > 0 ? noise : 0);
        frame(us, addr(c, side), addr(c, 1 - side), port(c, side), port(c, 1 - side), 172, (o) => {
          buf[o] = 0x80;
          buf[o + 1] = i === 0 ? 0x88 : 8;
          buf.writeUInt16BE((1000 + i) & 0xffff, o + 2);
          buf.writeUInt32BE((i * 160) >>> 0, o + 4);
          buf.writeUInt32BE(((c << 1) | side) >>> 0, o + 8);
          buf.fill(0xd5, o + 12, o + 172);
        });
        info.rtpPackets++;
      }
    }
  }
  const end = mediaT0 + packets * 20_000 + 1000;
  for (let c = 0; c < calls; c++) {
    sip(end + c * 100, c, 0, msg('BYE sip:b@b.example SIP/2.0', c, '2 BYE', true));
    sip(end + c * 100 + 20, c, 1, msg('SIP/2.0 200 OK', c, '2 BYE', true));
  }
  flush();
  closeSync(fd);
  return info;
}

// Run as a script (not when bundled into bench/.rtp.bench.mjs, whose argv[1] is the bundle).
if (
  process.argv[1]?.endsWith('gen-rtp-capture.ts') &&
  resolve(process.argv[1]) === fileURLToPath(import.meta.url)
) {
  const calls = Number(process.argv[3] ?? 200);
  const packets = Number(process.argv[4] ?? 1000);
  const out = process.argv[2] ?? DEFAULT_RTP_OUT(calls, packets);
  console.log(out, generateRtp(out, calls, packets));
}
