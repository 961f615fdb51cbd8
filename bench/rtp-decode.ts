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
import {
  RtpPacketList,
  decodeStream,
  mixChannels,
  wavFile,
  type AudioLoss,
  type DecodedAudio,
  type RtpmapEntry,
} from '../src/sip-core/media/rtp-audio';

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

/** Per codec: µs of CPU per packet (20 ms) decoded, placed and made into a mono WAV, best of RUNS. */
export interface CodecFigures {
  codec: string;
  packets: number;
  octetsPerPacket: number;
  usPerPacket: number;
}

/**
 * Apart from the capture (it holds only G.711): one stream of CODEC_PACKETS (default 30,000: 10 min)
 * 20 ms packets per codec — G.711 µ-law (160 octets), G.722 (PT 9, 160 octets → 320 samples), GSM
 * 06.10 (PT 3, 33 octets), G.726-32 (80 octets), G.729 (PT 18, two 10-octet frames) — of
 * pseudo-random payload octets (the decoders' work does not depend on the values), in memory:
 * decode + timeline + mono WAV, as `stream:audio` renders a stream. The G.711 row is the same work for the stateless table lookup, for comparison.
 */
export function codecDecodeBench(runs: number): CodecFigures[] {
  const packets = Math.max(1, Number(process.env.CODEC_PACKETS ?? 30_000));
  const codecs: {
    codec: string;
    pt: number;
    octets: number;
    map: Map<number, RtpmapEntry> | null;
    /** Session 24: packets not sent (concealed), and a payload type per packet with its payload. */
    drop?: (i: number) => boolean;
    /** Session 25: how the lost packets play (default: concealed). */
    loss?: AudioLoss;
    ptOf?: (i: number) => number;
    payloadOf?: (i: number, random: Uint8Array) => Uint8Array;
  }[] = [
    { codec: 'G.711 µ-law', pt: 0, octets: 160, map: null },
    { codec: 'G.722', pt: 9, octets: 160, map: null },
    { codec: 'GSM 06.10', pt: 3, octets: 33, map: null },
    { codec: 'G.726-32', pt: 97, octets: 80, map: new Map([[97, { name: 'G726-32', rate: 8000 }]]) },
    // Session 23: two 10-octet frames a packet (what phones send at 20 ms).
    { codec: 'G.729', pt: 18, octets: 20, map: null },
    // Session 24: G.722 with every other packet lost, each loss concealed (pitch repetition, the
    // decoder re-encoded on it); µs per packet sent. And comfort noise: a µ-law packet, then CN
    // packets (RFC 3389, PT 13: a level and 10 reflection coefficients, as ffmpeg's encoder sends)
    // every 20 ms, each playing 20 ms of noise; µs per packet.
    {
      codec: 'G.722 every other packet lost, concealed',
      pt: 9,
      octets: 160,
      map: null,
      drop: (i) => i % 2 === 1,
    },
    // Session 25: every other packet lost, concealed (G.711 Appendix I pitch repetition; G.726 with
    // its decoder re-encoded on it; GSM 06.11's substitution) and, for the difference, silent; µs per
    // packet sent.
    ...(
      [
        ['G.711 µ-law', 0, 160, null],
        ['GSM 06.10', 3, 33, null],
        ['G.726-32', 97, 80, new Map([[97, { name: 'G726-32', rate: 8000 }]])],
      ] as const
    ).flatMap(([codec, pt, octets, map]) =>
      (['conceal', 'silence'] as const).map((loss) => ({
        codec: `${codec} every other packet lost, ${loss === 'conceal' ? 'concealed' : 'silent'}`,
        pt,
        octets,
        map,
        loss,
        drop: (i: number) => i % 2 === 1,
      })),
    ),
    {
      codec: 'CN (PT 13, 10 coefficients)',
      pt: 13,
      octets: 11,
      map: null,
      ptOf: (i) => (i === 0 ? 0 : 13),
      payloadOf: (i, random) =>
        i === 0
          ? new Uint8Array(160).fill(0xff)
          : Uint8Array.from(random, (v, k) => (k === 0 ? 30 + (v & 15) : 127 + ((v - 128) >> 2))),
    },
  ];
  let seed = 1;
  const out: CodecFigures[] = [];
  for (const c of codecs) {
    const list = new RtpPacketList();
    const payload = new Uint8Array(c.octets);
    for (let i = 0; i < packets; i++) {
      for (let k = 0; k < c.octets; k++) payload[k] = (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
      if (c.pt === 3) payload[0] = 0xd0 | (payload[0]! & 0x0f);
      if (c.drop?.(i)) continue;
      const p = c.payloadOf?.(i, payload) ?? payload;
      list.add(1000 + i, 160 * i, c.ptOf?.(i) ?? c.pt, i === 0, i * 20_000, p, 0, p.length);
    }
    let best = Infinity;
    for (let r = 0; r < runs; r++) {
      const c0 = process.cpuUsage();
      const d = decodeStream(list, c.map, 'timestamp', c.loss ?? 'conceal');
      if (!d.ok) throw new Error(`${c.codec}: ${d.reason}`);
      const audio: DecodedAudio = d.audio;
      const mix = mixChannels([[audio]]);
      wavFile(mix.interleaved, mix.rate, 1);
      const c1 = process.cpuUsage(c0);
      best = Math.min(best, (c1.user + c1.system) / packets);
    }
    out.push({ codec: c.codec, packets, octetsPerPacket: c.octets, usPerPacket: best });
  }
  return out;
}
