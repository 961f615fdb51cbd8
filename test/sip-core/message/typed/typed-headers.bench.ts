/**
 * Benchmark: typed decoding of every header of a typical INVITE (plus the Request-URI and the SDP
 * body). Run: `npx tsx test/sip-core/message/typed/typed-headers.bench.ts` (meant to move to
 * bench/typed.bench.ts). Every loop is bounded in count and time; the last line is one JSON object.
 */
import { decodeHeader } from '../../../../src/sip-core/message/headers';
import { parseSdp } from '../../../../src/sip-core/message/sdp';
import { parseUri } from '../../../../src/sip-core/message/uri';

const HEADERS: Array<[string, string]> = [
  ['Via', 'SIP/2.0/UDP pc33.atlanta.com:5060;branch=z9hG4bK776asdhds;rport'],
  ['Via', 'SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKnashds8;received=192.0.2.1'],
  ['Max-Forwards', '70'],
  ['To', 'Bob <sip:bob@biloxi.com>'],
  ['From', 'Alice <sip:alice@atlanta.com>;tag=1928301774'],
  ['Call-ID', 'a84b4c76e66710@pc33.atlanta.com'],
  ['CSeq', '314159 INVITE'],
  ['Contact', '<sip:alice@pc33.atlanta.com;transport=udp>;expires=3600'],
  ['Record-Route', '<sip:p1.example.com;lr>, <sip:p2.example.com;lr>'],
  ['Allow', 'INVITE, ACK, CANCEL, OPTIONS, BYE, REFER, NOTIFY, INFO'],
  ['Supported', 'replaces, timer, 100rel'],
  ['User-Agent', 'SIPp/3.7'],
  ['Content-Type', 'application/sdp'],
  ['Content-Length', '142'],
];
const RURI = 'sip:bob@biloxi.com';
const SDP =
  'v=0\r\no=alice 2890844526 2890844526 IN IP4 pc33.atlanta.com\r\ns=-\r\nc=IN IP4 192.0.2.101\r\nt=0 0\r\n' +
  'm=audio 49172 RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n' +
  'a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\na=ptime:20\r\na=sendrecv\r\n';

let sink = 0;
function headersOnly(): void {
  sink += parseUri(RURI).diagnostics.length;
  for (const [n, v] of HEADERS) sink += decodeHeader(n, v)!.diagnostics.length;
}
function withSdp(): void {
  headersOnly();
  sink += parseSdp(SDP).diagnostics.length;
}

/**
 * Best rate over `rounds` runs of at most `ms` milliseconds and `maxIter` iterations each, per
 * second of this process's CPU time (process.cpuUsage), so that a machine shared with other
 * jobs does not skew the figure as much as wall time would. Wall-clock rate is returned too.
 */
function rate(fn: () => void, rounds = 5, ms = 300, maxIter = 5_000_000): { cpu: number; wall: number } {
  for (let i = 0; i < 2000; i++) fn();
  let cpu = 0;
  let wall = 0;
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    let n = 0;
    let t = t0;
    while (n < maxIter) {
      for (let k = 0; k < 100; k++) fn();
      n += 100;
      t = performance.now();
      if (t - t0 >= ms) break;
    }
    const c = process.cpuUsage(c0);
    cpu = Math.max(cpu, n / ((c.user + c.system) / 1e6));
    wall = Math.max(wall, n / ((t - t0) / 1000));
  }
  return { cpu: Math.round(cpu), wall: Math.round(wall) };
}

const a = rate(headersOnly);
const b = rate(withSdp);
const perHeader = rate(() => {
  sink += decodeHeader('via', HEADERS[0]![1])!.diagnostics.length;
});
const f = (x: { cpu: number; wall: number }) =>
  `${x.cpu.toLocaleString('en')}/s per CPU-second (${x.wall.toLocaleString('en')}/s wall)`;
console.log(`typed headers + R-URI (15 decodes per message): ${f(a)}`);
console.log(`... plus the SDP body:                           ${f(b)}`);
console.log(`one Via value:                                   ${f(perHeader)}`);
if (sink < 0) console.log('unreachable');
console.log(
  JSON.stringify({
    bench: 'typed',
    msgsPerSec: a.cpu,
    msgsPerSecWithSdp: b.cpu,
    viaPerSec: perHeader.cpu,
    wallMsgsPerSec: a.wall,
  }),
);
