/**
 * Part of `npm run bench -- rtp` (session 20, "hear the call"): on the RTP bench capture, CALLS_HEARD
 * calls (default 8, spread over the file) each played as the app plays them — `stream:audio` with the
 * call: its two streams read again from the file (media/stream-scan.ts: from the call's INVITE record
 * to its last packet; the calls run side by side, so that is nearly the whole 92 MB file each time),
 * decoded from G.711 and mixed into a stereo WAV. Reported: ms per call (read again + decode), and
 * the decode alone (packets → PCM placed by timestamp → stereo WAV) in µs per packet, best of RUNS.
 */
import { analyzeTrace } from '../src/sip-core/analysis';
import { traceMedia } from '../src/sip-core/media/media-json';
import { planAudio, renderAudio, type AudioPlan } from '../src/sip-core/media/stream-audio';
import { scanCapturePackets } from '../src/main/service/stream-audio';
import { ingestCaptureFile } from '../src/sip-core/trace/ingest-file.node.js';
import type { RtpPacketList } from '../src/sip-core/media/rtp-audio';

export interface DecodeFigures {
  calls: number;
  packets: number;
  /** Best per call: reading the streams back from the file, and decoding them to the WAV. */
  scanMsPerCall: number;
  usPerDecodedPacket: number;
}

export async function rtpDecodeBench(file: string, runs: number): Promise<DecodeFigures> {
  const r = await ingestCaptureFile(file, { parse: false });
  analyzeTrace(r.trace);
  const media = traceMedia(r.trace);
  const ids = [...(media?.calls.keys() ?? [])];
  const want = Math.min(ids.length, Math.max(1, Number(process.env.CALLS_HEARD ?? 8)));
  const picked = Array.from({ length: want }, (_, i) => ids[Math.floor((i * ids.length) / want)]!);
  let bestScan = Infinity;
  let bestDecode = Infinity;
  let packets = 0;
  for (let run = 0; run < runs; run++) {
    let scan = 0;
    let decode = 0;
    packets = 0;
    for (const call of picked) {
      const plan = planAudio(r.trace, media!, { call }) as AudioPlan;
      const c0 = process.cpuUsage();
      const lists = (await scanCapturePackets(r.trace, plan, null)) as RtpPacketList[];
      const c1 = process.cpuUsage(c0);
      const audio = renderAudio(plan, lists, 'timestamp');
      const c2 = process.cpuUsage(c0);
      if (typeof audio === 'string') throw new Error(`${call}: ${audio}`);
      scan += (c1.user + c1.system) / 1000;
      decode += (c2.user + c2.system - c1.user - c1.system) / 1000;
      packets += lists.reduce((n, l) => n + l.count, 0);
    }
    bestScan = Math.min(bestScan, scan / picked.length);
    bestDecode = Math.min(bestDecode, decode);
  }
  r.trace.close();
  return {
    calls: picked.length,
    packets,
    scanMsPerCall: bestScan,
    usPerDecodedPacket: (bestDecode * 1000) / Math.max(1, packets),
  };
}
