/**
 * Loopback load for the live capture's RTP cost (README, Benchmarks: "live capture with RTP"):
 * CALLS calls, each two G.711 streams between two UDP sockets on 127.0.0.1 (ports 31000 up, 50
 * packets/s each way, 172-octet datagrams), and an OPTIONS every 60 ms to SIP_PORT, for SECONDS.
 * Bounded in time; the sockets receive (and drop) what they are sent.
 *
 *   node bench/tools/live-rtp-load.mjs [CALLS=100] [SECONDS=14] [SIP_PORT=25260]
 *   # meanwhile, once with and once without --no-media (CPU of sipscope and its dumpcap):
 *   /usr/bin/time -f '%U %S' node bin/sipscope.js capture --iface lo --filter 'udp port 25260' \
 *     [--no-media] --format none --duration 10
 */
import { createSocket } from 'node:dgram';

const [calls = 100, seconds = 14, sipPort = 25260] = process.argv.slice(2).map(Number);
const bind = (port) =>
  new Promise((resolve) => {
    const s = createSocket('udp4');
    s.on('message', () => {});
    s.on('error', () => {});
    s.bind(port, '127.0.0.1', () => resolve(s));
  });
const socks = [];
for (let i = 0; i < calls * 2; i++) socks.push(await bind(31000 + i));
const sipRx = await bind(sipPort);
const sipTx = await bind(0);
const packets = socks.map((_, i) => {
  const b = Buffer.alloc(172, 0xd5);
  b[0] = 0x80;
  b[1] = 8;
  b.writeUInt32BE(0x1000 + i, 8);
  return b;
});
let seq = 0;
let sent = 0;
const t0 = Date.now();
const timer = setInterval(() => {
  seq++;
  for (let i = 0; i < socks.length; i++) {
    const b = packets[i];
    b.writeUInt16BE(seq & 0xffff, 2);
    b.writeUInt32BE((seq * 160) >>> 0, 4);
    socks[i].send(b, 31000 + (i ^ 1), '127.0.0.1');
    sent++;
  }
  if (seq % 3 === 0)
    sipTx.send(
      `OPTIONS sip:x@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK${seq}\r\nFrom: <sip:a@a>;tag=1\r\n` +
        `To: <sip:x@b>\r\nCall-ID: load-${seq}\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n`,
      sipPort,
      '127.0.0.1',
    );
  if (Date.now() - t0 > seconds * 1000) {
    clearInterval(timer);
    console.log(`sent ${sent} RTP packets in ${(Date.now() - t0) / 1000} s`);
    for (const s of [...socks, sipRx, sipTx]) s.close();
  }
}, 20);
