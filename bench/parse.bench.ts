/**
 * Parse benchmark: structural parse + key fields, and the full typed parse of every header, on the
 * RFC 3261 §24.2 example INVITE and on a 200 OK with Record-Route; compared in the same run with the
 * npm `sip` package's parser when it is installed. Every loop is bounded in count and in time.
 *
 * What each figure includes (every iteration parses the bytes again into a new message object, and a
 * result of it is consumed into a sink so nothing is dead code):
 * - "structural parse + key fields": `parseMessage(bytes)`: start line, every header line found and
 *   validated (name token, colon, folding, line endings), the header index (name/value spans of every
 *   field), body framing by Content-Length, the structural diagnostics, and the key fields located:
 *   Call-ID, CSeq number (parsed) and method, top Via transport/sent-by/branch/received/rport, From/To
 *   tags, Max-Forwards and Content-Length (parsed), Content-Type, counts of Via/Route/Record-Route
 *   values. Key-field strings are decoded on first access, which the next line measures. Since
 *   session 10 the index (key field spans and header index) stays where the scanner wrote it, in the
 *   index ring in its memory, and the message reads it there; a message read after the ring has come
 *   round over it (~600 later 200 OKs) has its bytes scanned again and the index copied into a chunk
 *   on that first read (message/fast-scan.ts): not measured here, where every message dies at once.
 * - "+ all key-field strings read": the same, then the 14 key fields read as strings.
 * - "full typed parse of every header": the same, then `decodeAllHeaders` (every header with a typed
 *   decoder decoded into its typed value and checked, its diagnostics returned: Via, name-addr + URI,
 *   CSeq, media type, ...). Since session 10 a Via, name-addr or SIP URI value keeps its span as two
 *   offsets and, when the octet fast path read it, its parameter list as the positions of
 *   `;name=value...` (the `Param` objects are made on the first read of `params`); every other field
 *   (host, port, branch, received, rport, tag, URI, display name...) is built here.
 * - "+ every typed value read": the same, then every typed accessor read (`viaValues`, `fromValue`,
 *   `toValue`, `contactValues`, `routeValues`, `recordRouteValues`, `cseqValue`, `contentTypeValue`):
 *   what a reader of all the typed values pays on top.
 * - "structural parse + lint": `lintMessage(parseMessage(bytes))`, the parse diagnostics and the
 *   message lint's checks (mandatory and single headers, CSeq method, branch cookie, From tag,
 *   Content-Type, the Request-URI and every name-addr value): what the message checks pass
 *   (trace/message-checks.ts) and `sipscope analyze`'s JSON pay per message.
 * - "trace index scan": `indexScanSpans` (capture/sip-index.ts), what trace ingest runs per message
 *   when nothing needs a full parse: kind, method/status, Call-ID and CSeq method spans, and (since
 *   session 5, for the tier-1 analysis) the top Via branch/sent-by and From/To tag hashes and the CSeq
 *   number, read by the same key-field scanner in its SCAN_KEYS mode (before: SCAN_INDEX, without
 *   the analysis keys); the message lies inside a larger buffer, as in a capture, so the figure
 *   includes copying it out of that buffer.
 * - "scanner SCAN_INDEX / SCAN_KEYS": `fastScan` alone in those two modes on the same buffer (the
 *   scanner's share of the line above, and what the analysis keys add to it).
 * - npm `sip` 0.0.6 `sip.parse(string)` on the same message text (it decodes every header it knows).
 *
 * Every function of both messages is measured in one interleaved round-robin (best of 5 slots each),
 * so the figures of the two messages, and each one's ratio to npm `sip`'s INVITE figure (the issue's
 * yardstick: structural >= 13.6x, typed >= 2.3x), come from the same moments of a machine whose speed
 * swings ~2x within minutes.
 *
 * The structural parse runs the WebAssembly key-field scanner (message/fast-scan.ts) where it loads;
 * `BENCH_NO_WASM=1` measures the JavaScript parser alone.
 */
import { createRequire } from 'node:module';
import { cpus, loadavg } from 'node:os';
import {
  contactValues,
  contentTypeValue,
  cseqValue,
  decodeAllHeaders,
  fromValue,
  lintMessage,
  parseMessage,
  recordRouteValues,
  routeValues,
  toValue,
  viaValues,
  type SipMessage,
} from '../src/sip-core/message/index';
import {
  fastScan,
  fastScanAvailable,
  R_CSEQ,
  SCAN_INDEX,
  SCAN_KEYS,
  setFastScan,
} from '../src/sip-core/message/fast-scan';
import { indexScanSpans, newIndexSpans } from '../src/sip-core/capture/sip-index';
import { INVITE_24_2, OK_200_RR } from '../test/fixtures/sip-examples';

if (process.env.BENCH_NO_WASM) setFastScan(false);
const wasm = fastScanAvailable();
console.log(`key-field scanner: ${wasm ? 'WebAssembly (SIMD)' : 'JavaScript parser only'}`);

const INVITE = INVITE_24_2;

const SLOT_MS = Number(process.env.BENCH_MS ?? 100);
const ROUNDS = 5;
const MAX_ITERS = 5_000_000;

let sink = 0;
/**
 * Measures several functions in interleaved time slots (the machine is shared, so load changes from
 * second to second; interleaving keeps the comparison fair). Returns the best ops/s of each by the
 * wall clock and by this process's CPU time (`process.cpuUsage`, user + system): on a quiet machine
 * the two agree; under load the CPU-time figure is the steadier one (time spent descheduled is not
 * counted, though cache and core sharing still slow it).
 */
function measureAll(fns: (() => void)[]): { wall: number[]; cpu: number[] } {
  for (const fn of fns) for (let i = 0; i < 5_000; i++) fn(); // warm-up
  const wall = fns.map(() => 0);
  const cpu = fns.map(() => 0);
  for (let round = 0; round < ROUNDS; round++) {
    fns.forEach((fn, k) => {
      let n = 0;
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      let t = t0;
      while (t - t0 < SLOT_MS && n < MAX_ITERS) {
        for (let i = 0; i < 1000; i++) fn();
        n += 1000;
        t = performance.now();
      }
      const c = process.cpuUsage(c0);
      wall[k] = Math.max(wall[k]!, (n * 1000) / (t - t0));
      const cpuMs = (c.user + c.system) / 1000;
      if (cpuMs > 0) cpu[k] = Math.max(cpu[k]!, (n * 1000) / cpuMs);
    });
  }
  return { wall, cpu };
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

/** The full typed parse, then every typed value read (each is built by then). */
function readTyped(m: SipMessage): void {
  sink +=
    decodeAllHeaders(m).length +
    viaValues(m).length +
    (fromValue(m)?.span.end ?? 0) +
    (toValue(m)?.span.end ?? 0) +
    contactValues(m).length +
    routeValues(m).length +
    recordRouteValues(m).length +
    (cseqValue(m)?.seq ?? 0) +
    (contentTypeValue(m)?.type.length ?? 0);
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
const load0 = loadavg()[0]!;
let minParse = Infinity;
let minKeys = Infinity;
let minTyped = Infinity;
let minRatio = Infinity;
let minStructRatio = Infinity;
let mbMin = Infinity;
let mbStructMin = Infinity;
let mbTypedMin = Infinity;
const perMessage: Record<string, Record<string, number>> = {};
const MESSAGES = [
  ['RFC 3261 §24.2 INVITE', INVITE],
  ['200 OK with Record-Route', OK_200_RR],
] as const;
// Both messages' functions are measured in ONE interleaved round (INVITE lines, 200 OK lines, INVITE
// lines...), so every figure, and each message's ratio to npm sip's INVITE figure, comes from the same
// moments of the machine (it swings ~2x within minutes: measured one after the other, the second
// message's figures could come from a slower phase than the first's).
const setups = MESSAGES.map(([, text]) => {
  // A Buffer, as capture ingest and the transports hand over (a slice of Node's pool, so not at offset 0).
  const bytes = Buffer.from(text, 'utf8');
  // the same message inside a capture-like buffer (between other octets), for the index scan
  const capture = new Uint8Array(bytes.length + 200).fill(0x20);
  capture.set(bytes, 100);
  const spans = newIndexSpans();
  const p = peer;
  const fns: (() => void)[] = [
    () => {
      sink += parseMessage(bytes).viaCount;
    },
    () => readKeyFields(parseMessage(bytes)),
    () => {
      sink += decodeAllHeaders(parseMessage(bytes)).length;
    },
    () => {
      sink += indexScanSpans(capture, 100, 100 + bytes.length, spans).callIdEnd;
    },
    () => {
      sink += fastScan(capture, 100, 100 + bytes.length, SCAN_INDEX)?.[R_CSEQ] ?? 1;
    },
    () => {
      sink += fastScan(capture, 100, 100 + bytes.length, SCAN_KEYS)?.[R_CSEQ] ?? 1;
    },
    () => readTyped(parseMessage(bytes)),
    () => {
      sink += lintMessage(parseMessage(bytes)).length;
    },
  ];
  if (p) {
    fns.push(() => {
      sink += p.parse(text) ? 1 : 0;
    });
  }
  return { bytes, fns };
});
const all = measureAll(setups.flatMap((x) => x.fns));
/** npm sip's figures on the INVITE (wall, CPU): the yardstick the targets are judged by. */
let peerInvite = 0;
let cpuPeerInvite = 0;
let at = 0;
for (const [mi, [name]] of MESSAGES.entries()) {
  const { bytes, fns } = setups[mi]!;
  const p = peer;
  const wallOf = all.wall.slice(at, at + fns.length);
  const cpuOf = all.cpu.slice(at, at + fns.length);
  at += fns.length;
  const [
    parseOnly = 0,
    withKeys = 0,
    typed = 0,
    indexRate = 0,
    mode1 = 0,
    mode2 = 0,
    typedRead = 0,
    lintRate = 0,
    peerRate = 0,
  ] = wallOf;
  const [
    cpuParse = 0,
    cpuKeys = 0,
    cpuTyped = 0,
    cpuIndex = 0,
    cpuMode1 = 0,
    cpuMode2 = 0,
    cpuTypedRead = 0,
    cpuLint = 0,
    cpuPeer = 0,
  ] = cpuOf;
  if (mi === 0) {
    peerInvite = peerRate;
    cpuPeerInvite = cpuPeer;
  }
  const mbs = (rate: number): string => ((rate * bytes.length) / 1e6).toFixed(1);
  console.log(`\n${name} (${bytes.length} bytes)`);
  console.log(`  structural parse + key fields:        ${fmt(parseOnly)} msg/s, ${mbs(parseOnly)} MB/s`);
  console.log(`  + all key-field strings read:         ${fmt(withKeys)} msg/s, ${mbs(withKeys)} MB/s`);
  console.log(`  full typed parse of every header:     ${fmt(typed)} msg/s, ${mbs(typed)} MB/s`);
  console.log(
    `  + every typed value read:             ${fmt(typedRead)} msg/s, ${mbs(typedRead)} MB/s (by CPU ${fmt(cpuTypedRead)})`,
  );
  console.log(
    `  structural parse + lint (lintMessage): ${fmt(lintRate)} msg/s, ${mbs(lintRate)} MB/s (by CPU ${fmt(cpuLint)})`,
  );
  console.log(`  trace index scan (ingest):            ${fmt(indexRate)} msg/s, ${mbs(indexRate)} MB/s`);
  console.log(
    `  scanner alone SCAN_INDEX / SCAN_KEYS:  ${fmt(mode1)} / ${fmt(mode2)} msg/s (by CPU ${fmt(cpuMode1)} / ${fmt(cpuMode2)})`,
  );
  if (p) {
    console.log(`  npm sip 0.0.6 sip.parse(string):      ${fmt(peerRate)} msg/s, ${mbs(peerRate)} MB/s`);
    console.log(
      `  ratio to npm sip: structural ${(parseOnly / peerRate).toFixed(1)}x, with strings ${(withKeys / peerRate).toFixed(1)}x, typed ${(typed / peerRate).toFixed(1)}x`,
    );
    // the yardstick: npm sip ~110k msg/s on the INVITE where the targets were set, so structural
    // >= 1.5 M is >= 13.6x and typed >= 250k is >= 2.3x npm sip's INVITE figure of the same run
    console.log(
      `  ratio to npm sip's INVITE figure (targets 13.6x / 2.3x): structural ${(parseOnly / peerInvite).toFixed(1)}x, typed ${(typed / peerInvite).toFixed(2)}x` +
        ` (by CPU ${(cpuParse / cpuPeerInvite).toFixed(1)}x / ${(cpuTyped / cpuPeerInvite).toFixed(2)}x)` +
        `; typed + every value read ${(typedRead / peerInvite).toFixed(2)}x (by CPU ${(cpuTypedRead / cpuPeerInvite).toFixed(2)}x)`,
    );
    minRatio = Math.min(minRatio, withKeys / peerRate);
    minStructRatio = Math.min(minStructRatio, parseOnly / peerRate);
  }
  console.log(
    `  by CPU time: structural ${fmt(cpuParse)}, with strings ${fmt(cpuKeys)}, typed ${fmt(cpuTyped)}, index scan ${fmt(cpuIndex)}` +
      (p ? `, npm sip ${fmt(cpuPeer)} msg/s (structural/npm sip ${(cpuParse / cpuPeer).toFixed(1)}x)` : ''),
  );
  perMessage[name] = {
    structural: Math.round(parseOnly),
    withStrings: Math.round(withKeys),
    typed: Math.round(typed),
    indexScan: Math.round(indexRate),
    ...(p ? { npmSip: Math.round(peerRate) } : {}),
    ...(p
      ? {
          structuralPerNpmSipInvite: Number((parseOnly / peerInvite).toFixed(2)),
          typedPerNpmSipInvite: Number((typed / peerInvite).toFixed(2)),
          typedReadPerNpmSipInvite: Number((typedRead / peerInvite).toFixed(2)),
        }
      : {}),
    cpuStructural: Math.round(cpuParse),
    cpuWithStrings: Math.round(cpuKeys),
    cpuTyped: Math.round(cpuTyped),
    typedRead: Math.round(typedRead),
    cpuTypedRead: Math.round(cpuTypedRead),
    cpuIndexScan: Math.round(cpuIndex),
    lint: Math.round(lintRate),
    cpuLint: Math.round(cpuLint),
    scanIndexMode: Math.round(mode1),
    scanKeysMode: Math.round(mode2),
    ...(p ? { cpuNpmSip: Math.round(cpuPeer) } : {}),
  };
  minParse = Math.min(minParse, parseOnly);
  minKeys = Math.min(minKeys, withKeys);
  minTyped = Math.min(minTyped, typed);
  mbMin = Math.min(mbMin, (withKeys * bytes.length) / 1e6);
  mbStructMin = Math.min(mbStructMin, (parseOnly * bytes.length) / 1e6);
  mbTypedMin = Math.min(mbTypedMin, (typed * bytes.length) / 1e6);
}
const load1 = loadavg()[0]!;
console.log(
  `\nload average (1 min) ${load0.toFixed(2)} → ${load1.toFixed(2)} on ${cpus().length} cores; ` +
    'targets: structural ≥ 1,500,000 msg/s and ≥ 10x npm sip, typed ≥ 250,000 msg/s',
);
console.log(`(sink ${sink % 10})`);
console.log(
  JSON.stringify({
    bench: 'parse',
    msgsPerSec: Math.round(minKeys),
    structuralOnlyMsgsPerSec: Math.round(minParse),
    mbPerSec: Number(mbMin.toFixed(1)),
    structuralMbPerSec: Number(mbStructMin.toFixed(1)),
    typedMsgsPerSec: Math.round(minTyped),
    typedMbPerSec: Number(mbTypedMin.toFixed(1)),
    peer: peer ? 'npm sip' : null,
    ratio: peer ? Number(minRatio.toFixed(1)) : null,
    structuralRatio: peer ? Number(minStructRatio.toFixed(1)) : null,
    loadAvg: Number(Math.max(load0, load1).toFixed(2)),
    scanner: wasm ? 'wasm' : 'js',
    perMessage,
  }),
);
