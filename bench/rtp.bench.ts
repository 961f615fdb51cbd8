/**
 * RTP benchmark (issue #5, media): a generated capture of CALLS calls with G.711 both ways
 * (bench/tools/gen-rtp-capture.ts; RTP_CALLS default 200, RTP_PACKETS per direction default 1000:
 * ~400,000 RTP packets, 95 MB) read by sipscope — the index ingest, which now counts every RTP
 * stream (media/rtp-streams.ts), best of RUNS (default 3) — reported as µs of CPU per RTP packet;
 * then the media analysis (streams joined to calls through the SDP, rules) on the built trace; and
 * `tshark -n -q -z rtp,streams` on the same file in the same run (wall time, bounded by
 * PEER_TIMEOUT_S, default 180 s). Last line: one JSON object.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { DEFAULT_RTP_OUT, generateRtp } from './tools/gen-rtp-capture';
import { ingestCaptureFile } from '../src/sip-core/trace/ingest-file.node';
import { analyzeTrace } from '../src/sip-core/analysis';
import { mediaJson } from '../src/sip-core/media/media-json';

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
console.log(`load average: ${load()}`);
console.log(
  JSON.stringify({
    bench: 'rtp',
    rtpPackets,
    streams,
    cpuMs: Math.round(best),
    wallMs: Math.round(bestWall),
    usPerRtpPacket: Number(usPerPacket.toFixed(3)),
    tsharkMs: tsharkMs === null ? null : Math.round(tsharkMs),
    load: load(),
  }),
);
