/**
 * Parse benchmark: structural parse + key fields, and the full typed parse of every header, on the
 * RFC 3261 §24.2 example INVITE and on a 200 OK with Record-Route; compared in the same run with the
 * npm `sip` package's parser when it is installed. Every loop is bounded in count and in time.
 */
import { createRequire } from 'node:module';
import { decodeAllHeaders, parseMessage, type SipMessage } from '../src/sip-core/message/index';

const SDP =
  'v=0\r\no=alice 2890844526 2890844526 IN IP4 pc33.atlanta.com\r\ns=-\r\nc=IN IP4 pc33.atlanta.com\r\nt=0 0\r\nm=audio 49172 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n';
const INVITE =
  'INVITE sip:bob@biloxi.com SIP/2.0\r\n' +
  'Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bKnashds8\r\n' +
  'Max-Forwards: 70\r\n' +
  'To: Bob <sip:bob@biloxi.com>\r\n' +
  'From: Alice <sip:alice@atlanta.com>;tag=1928301774\r\n' +
  'Call-ID: a84b4c76e66710\r\n' +
  'CSeq: 314159 INVITE\r\n' +
  'Contact: <sip:alice@pc33.atlanta.com>\r\n' +
  'Content-Type: application/sdp\r\n' +
  `Content-Length: ${SDP.length}\r\n\r\n${SDP}`;
const OK_RR =
  'SIP/2.0 200 OK\r\n' +
  'Via: SIP/2.0/UDP server10.biloxi.com;branch=z9hG4bK4b43c2ff8.1;received=192.0.2.3\r\n' +
  'Via: SIP/2.0/UDP bigbox3.site3.atlanta.com;branch=z9hG4bK77ef4c2312983.1;received=192.0.2.2\r\n' +
  'Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds;received=192.0.2.1\r\n' +
  'Record-Route: <sip:server10.biloxi.com;lr>, <sip:bigbox3.site3.atlanta.com;lr>\r\n' +
  'To: Bob <sip:bob@biloxi.com>;tag=a6c85cf\r\n' +
  'From: Alice <sip:alice@atlanta.com>;tag=1928301774\r\n' +
  'Call-ID: a84b4c76e66710@pc33.atlanta.com\r\n' +
  'CSeq: 314159 INVITE\r\n' +
  'Contact: <sip:bob@192.0.2.4>\r\n' +
  'Content-Type: application/sdp\r\n' +
  `Content-Length: ${SDP.length}\r\n\r\n${SDP}`;

const SLOT_MS = Number(process.env.BENCH_MS ?? 100);
const ROUNDS = 5;
const MAX_ITERS = 5_000_000;

let sink = 0;
/**
 * Measures several functions in interleaved time slots (the machine is shared, so load changes from
 * second to second; interleaving keeps the comparison fair). Returns the best ops/s of each.
 */
function measureAll(fns: (() => void)[]): number[] {
  for (const fn of fns) for (let i = 0; i < 5_000; i++) fn(); // warm-up
  const best = fns.map(() => 0);
  for (let round = 0; round < ROUNDS; round++) {
    fns.forEach((fn, k) => {
      let n = 0;
      const t0 = performance.now();
      let t = t0;
      while (t - t0 < SLOT_MS && n < MAX_ITERS) {
        for (let i = 0; i < 1000; i++) fn();
        n += 1000;
        t = performance.now();
      }
      best[k] = Math.max(best[k]!, (n * 1000) / (t - t0));
    });
  }
  return best;
}

function readKeyFields(m: SipMessage): void {
  sink +=
    (m.method?.length ?? 0) +
    (m.requestUri?.length ?? 0) +
    (m.status ?? 0) +
    (m.callId?.length ?? 0) +
    (m.cseq ?? 0) +
    (m.cseqMethod?.length ?? 0) +
    (m.branch?.length ?? 0) +
    (m.viaSentBy?.length ?? 0) +
    (m.viaTransport?.length ?? 0) +
    (m.fromTag?.length ?? 0) +
    (m.toTag?.length ?? 0) +
    (m.maxForwards ?? 0) +
    (m.contentType?.length ?? 0) +
    m.viaCount +
    m.recordRouteCount +
    m.bodyLength;
}

interface SipPeer {
  parse(s: string): unknown;
}
let peer: SipPeer | null = null;
try {
  peer = createRequire(import.meta.url)('sip') as SipPeer;
} catch {
  console.log(
    'npm "sip" is not installed: no peer comparison (npm install --save-dev --save-exact sip@0.0.6)',
  );
}

const fmt = (x: number): string => Math.round(x).toLocaleString('en-US');
const results: Record<string, number> = {};
let minParse = Infinity;
let minKeys = Infinity;
let minTyped = Infinity;
let minRatio = Infinity;
let mbMin = Infinity;
for (const [name, text] of [
  ['RFC 3261 §24.2 INVITE', INVITE],
  ['200 OK with Record-Route', OK_RR],
] as const) {
  const bytes = new TextEncoder().encode(text);
  const p = peer;
  const fns: (() => void)[] = [
    () => {
      sink += parseMessage(bytes).viaCount;
    },
    () => readKeyFields(parseMessage(bytes)),
    () => {
      sink += decodeAllHeaders(parseMessage(bytes)).length;
    },
  ];
  if (p) {
    fns.push(() => {
      sink += p.parse(text) ? 1 : 0;
    });
  }
  const [parseOnly = 0, withKeys = 0, typed = 0, peerRate = 0] = measureAll(fns);
  const mb = (withKeys * bytes.length) / 1e6;
  console.log(`\n${name} (${bytes.length} bytes)`);
  console.log(`  structural parse (key fields located, numbers parsed): ${fmt(parseOnly)} msg/s`);
  console.log(
    `  structural parse + all key-field strings read:        ${fmt(withKeys)} msg/s, ${mb.toFixed(1)} MB/s`,
  );
  console.log(`  full typed parse of every header:                     ${fmt(typed)} msg/s`);
  if (p) {
    console.log(`  npm sip 0.0.6 sip.parse(string):                      ${fmt(peerRate)} msg/s`);
    console.log(
      `  ratio (key fields / npm sip):                         ${(withKeys / peerRate).toFixed(1)}x`,
    );
    minRatio = Math.min(minRatio, withKeys / peerRate);
  }
  results[name] = withKeys;
  minParse = Math.min(minParse, parseOnly);
  minKeys = Math.min(minKeys, withKeys);
  minTyped = Math.min(minTyped, typed);
  mbMin = Math.min(mbMin, mb);
}
console.log(`\n(sink ${sink % 10})`);
console.log(
  JSON.stringify({
    bench: 'parse',
    msgsPerSec: Math.round(minKeys),
    structuralOnlyMsgsPerSec: Math.round(minParse),
    mbPerSec: Number(mbMin.toFixed(1)),
    typedMsgsPerSec: Math.round(minTyped),
    peer: peer ? 'npm sip' : null,
    ratio: peer ? Number(minRatio.toFixed(1)) : null,
  }),
);
