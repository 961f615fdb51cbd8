/**
 * RTP benchmark (issue #5, media): a generated capture of CALLS calls with G.711 both ways
 * (bench/tools/gen-rtp-capture.ts; RTP_CALLS default 200, RTP_PACKETS per direction default 1000:
 * ~400,000 RTP packets, 95 MB) read by sipscope — the index ingest, which now counts every RTP
 * stream (media/rtp-streams.ts), best of RUNS (default 3) — reported as µs of CPU per RTP packet;
 * then the media analysis (streams joined to calls through the SDP, rules) on the built trace; and
 * `tshark -n -q -z rtp,streams` on the same file in the same run (wall time, bounded by
 * PEER_TIMEOUT_S, default 180 s); then, apart (the capture holds no RTCP), RTCP compound packets fed
 * to a tracker: µs per RTCP packet. Last line: one JSON object.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { DEFAULT_RTP_OUT, generateRtp } from './tools/gen-rtp-capture';
import { ingestCaptureFile } from '../src/sip-core/trace/ingest-file.node';
import { analyzeTrace } from '../src/sip-core/analysis';
import { mediaJson } from '../src/sip-core/media/media-json';
import { codecDecodeBench, rtpDecodeBench } from './rtp-decode';
import { srtpDecryptBench } from './srtp-decrypt';
import { RtpTracker } from '../src/sip-core/media/rtp-streams';

const calls = Number(process.env.RTP_CALLS ?? 200);
const packets = Number(process.env.RTP_PACKETS ?? 1000);
const runs = Math.max(1, Number(process.env.RUNS ?? 3));
const timeoutS = Number(process.env.PEER_TIMEOUT_S ?? 180);
const file = DEFAULT_RTP_OUT(calls, packets);
const load = (): string =>
  loadavg()
    .map((x) => x.toFixed(1))
    .join(' ');

if (!existsSync(file)) {
  const g = generateRtp(file, calls, packets);
  console.log(
    `generated ${file}: ${g.frames} frames, ${g.rtpPackets} RTP packets, ${(g.bytes / 1e6).toFixed(0)} MB`,
  );
}

let best = Infinity;
let bestWall = Infinity;
let rtpPackets = 0;
let streams = 0;
for (let i = 0; i < runs; i++) {
  const c0 = process.cpuUsage();
  const w0 = performance.now();
  const r = await ingestCaptureFile(file, { parse: false });
  const wall = performance.now() - w0;
  const c = process.cpuUsage(c0);
  const cpu = (c.user + c.system) / 1000;
  if (cpu < best) best = cpu;
  if (wall < bestWall) bestWall = wall;
  const m = r.trace.media;
  streams = m?.streams.length ?? 0;
  rtpPackets = m?.streams.reduce((n, s) => n + s.packets, 0) ?? 0;
  if (i === runs - 1) {
    const a0 = performance.now();
    analyzeTrace(r.trace);
    const j = mediaJson(r.trace);
    const am = performance.now() - a0;
    console.log(
      `media analysis (calls + streams joined + rules): ${am.toFixed(0)} ms for ${j?.calls.length ?? 0} calls, ${j?.streams.length ?? 0} streams`,
    );
  }
  r.trace.close();
}
const usPerPacket = (best * 1000) / Math.max(1, rtpPackets);
console.log(
  `sipscope index ingest: ${rtpPackets} RTP packets in ${streams} streams, best CPU ${best.toFixed(0)} ms (wall ${bestWall.toFixed(0)} ms): ${usPerPacket.toFixed(3)} µs per RTP packet (frame decode + stream statistics)`,
);

let tsharkMs: number | null = null;
const t0 = performance.now();
const ts = spawnSync('tshark', ['-n', '-r', file, '-q', '-z', 'rtp,streams'], {
  stdio: ['ignore', 'ignore', 'ignore'],
  timeout: timeoutS * 1000,
});
if (ts.status === 0) {
  tsharkMs = performance.now() - t0;
  console.log(
    `tshark -z rtp,streams (same file): ${tsharkMs.toFixed(0)} ms wall, ${((tsharkMs * 1000) / Math.max(1, rtpPackets)).toFixed(3)} µs per RTP packet; sipscope ${(tsharkMs / bestWall).toFixed(1)}× faster (wall)`,
  );
} else console.log(`tshark: not run (${ts.error ? ts.error.message : `exit ${ts.status}`})`);
// Hearing a call (session 20): calls played as the app plays them, read again from the file.
const heard = await rtpDecodeBench(file, runs);
console.log(
  `hear a call (stream:audio, stereo WAV): ${heard.calls} calls, ${heard.packets} packets; read again from the file ${heard.scanMsPerCall.toFixed(0)} ms CPU per call, decode + WAV ${heard.usPerDecodedPacket.toFixed(3)} µs per packet`,
);
// Session 22: the codecs' decoders apart (in memory, one stream of 20 ms packets each, mono WAV).
const codecs = codecDecodeBench(runs);
for (const c of codecs)
  console.log(
    `decode ${c.codec} (${c.octetsPerPacket} octets / 20 ms, ${c.packets} packets, mono WAV): ${c.usPerPacket.toFixed(2)} µs per packet`,
  );
// Session 25: SRTP authenticated and decrypted per packet (in memory, 20 ms G.711 packets).
const srtp = srtpDecryptBench(runs);
for (const x of srtp)
  console.log(
    `SRTP ${x.suite} unprotect (${x.packets} packets of 160 octets): ${x.usPerPacket.toFixed(2)} µs per packet`,
  );
// RTCP (session 20): the capture above has none, so its figure is RTP only as before. Apart, on the
// same tracker: RTCP_FLOWS flow pairs (default 400, as the streams above), each end sending
// RTCP_REPORTS (default 50) compound packets SR + one report block (answering the other end's last SR:
// a round trip each) + SDES CNAME, 92 octets; µs of CPU per RTCP datagram, best of RUNS.
const rtcpFlows = Number(process.env.RTCP_FLOWS ?? 400);
const rtcpReports = Number(process.env.RTCP_REPORTS ?? 50);
const rtcpDatagrams: { src: number; sp: number; dst: number; dp: number; us: number; b: Uint8Array }[] = [];
{
  const be = (v: DataView, o: number, n: number): void => v.setUint32(o, n >>> 0);
  const lastSr = new Map<number, number>();
  for (let k = 0; k < rtcpReports; k++)
    for (let f = 0; f < rtcpFlows; f++)
      for (const side of [0, 1]) {
        const b = new Uint8Array(92);
        const v = new DataView(b.buffer);
        const us = 1_700_000_000_000_000 + k * 5_000_000 + f * 1_000 + side * 300_000;
        const ssrc = 0x10000000 + f * 2 + side;
        const peer = 0x10000000 + f * 2 + (1 - side);
        b[0] = 0x81;
        b[1] = 200;
        v.setUint16(2, 12);
        be(v, 4, ssrc);
        const ntp = Math.floor(us / 1e6) + 2_208_988_800;
        be(v, 8, ntp);
        be(v, 12, (us % 1e6) * 4294.967296);
        be(v, 16, k * 8000);
        be(v, 20, k * 250);
        be(v, 24, k * 40_000);
        // Report block (28–51): about the peer, answering its last SR 0.3 s ago.
        be(v, 28, peer);
        be(v, 36, 1000 + k * 250);
        be(v, 40, 24);
        const lsr = lastSr.get(peer);
        if (lsr !== undefined) {
          be(v, 44, lsr);
          be(v, 48, 0.3 * 65536);
        }
        lastSr.set(ssrc, (((ntp & 0xffff) << 16) | (v.getUint32(12) >>> 16)) >>> 0);
        // SDES (52–91): one chunk, CNAME of 24 octets, the end octet, padding.
        b[52] = 0x81;
        b[53] = 202;
        v.setUint16(54, 9);
        be(v, 56, ssrc);
        b[60] = 1;
        b[61] = 24;
        b.set(new TextEncoder().encode(`user${f}-${side}@10.0.0.1`.padEnd(24, 'x')), 62);
        rtcpDatagrams.push(
          side === 0
            ? { src: 1 + f, sp: 40001, dst: 10_000 + f, dp: 50001, us, b }
            : { src: 10_000 + f, sp: 50001, dst: 1 + f, dp: 40001, us, b },
        );
      }
}
let bestRtcp = Infinity;
let rtts = 0;
let malformedRtcp = 0;
for (let i = 0; i < runs; i++) {
  const t = new RtpTracker();
  const c0 = process.cpuUsage();
  let n = 0;
  for (const d of rtcpDatagrams) t.datagram(d.src, d.sp, d.dst, d.dp, d.b, 0, d.b.length, d.us, ++n);
  const c = process.cpuUsage(c0);
  bestRtcp = Math.min(bestRtcp, (c.user + c.system) / 1000);
  const flows = t.snapshot([]).rtcp;
  rtts = flows.reduce((x, f) => x + f.reports.reported.reduce((y, r) => y + r.rtts, 0), 0);
  malformedRtcp = flows.reduce((x, f) => x + f.reports.malformed, 0);
}
const usPerRtcp = (bestRtcp * 1000) / Math.max(1, rtcpDatagrams.length);
console.log(
  `RTCP (apart, not in the capture above): ${rtcpDatagrams.length} compound packets (SR + report block + SDES) on ${rtcpFlows * 2} flows, best CPU ${bestRtcp.toFixed(0)} ms: ${usPerRtcp.toFixed(3)} µs per RTCP packet (${rtts} round trips, ${malformedRtcp} malformed)`,
);
console.log(`load average: ${load()}`);
console.log(
  JSON.stringify({
    bench: 'rtp',
    rtpPackets,
    streams,
    cpuMs: Math.round(best),
    wallMs: Math.round(bestWall),
    usPerRtpPacket: Number(usPerPacket.toFixed(3)),
    scanMsPerHeardCall: Math.round(heard.scanMsPerCall),
    usPerDecodedPacket: Number(heard.usPerDecodedPacket.toFixed(3)),
    usPerRtcpPacket: Number(usPerRtcp.toFixed(3)),
    usPerCodecPacket: Object.fromEntries(codecs.map((c) => [c.codec, Number(c.usPerPacket.toFixed(2))])),
    usPerSrtpPacket: Object.fromEntries(srtp.map((x) => [x.suite, Number(x.usPerPacket.toFixed(2))])),
    tsharkMs: tsharkMs === null ? null : Math.round(tsharkMs),
    load: load(),
  }),
);
