/**
 * A/B of what keeping a live trace's media costs (src/main/live/media-spool.ts), on sipscope's side of
 * an interface capture: the media sample's shape at scale (calls of 2 G.711 streams, 172-octet RTP,
 * Ethernet pcap fed to `liveFeed` in 64 KB chunks, as dumpcap's stdout comes), CPU per RTP packet
 * (process.cpuUsage: user + system, so the spool's writes count) with the media
 *   A: not kept (mediaKeepBytes 0), B: kept in the spool (the default), C: kept in a payload ring in
 *   memory (a copy of each datagram into one preallocated ArrayBuffer: the alternative not taken),
 * alternating A/B/C in one process, ROUNDS times. dumpcap's own CPU is the same in all three.
 *
 *   npx esbuild bench/tools/live-spool-ab.ts --bundle --platform=node --format=esm \
 *     --outfile=/tmp/live-spool-ab.mjs && node /tmp/live-spool-ab.mjs [CALLS=40] [PACKETS=1500] [ROUNDS=7]
 *   (AB_MODES=A or AB_MODES=B: one mode, for fresh processes alternating)
 */
import { liveFeed } from '../../src/main/live/dumpcap';
import { LiveTrace } from '../../src/main/live/live-trace';
import { newStats } from '../../src/main/live/source';
import { mediaCapture } from '../../test/helpers/rtp-capture';

const [calls = 40, perWay = 1500, rounds = 7] = process.argv.slice(2).map(Number);
const specs = Array.from({ length: calls }, (_, i) => ({
  callId: `ab-${i}`,
  caller: 10 + (i % 200),
  callee: 210 + (i % 40),
  callerPort: 20000 + 2 * i,
  calleePort: 40000 + 2 * i,
  forward: { packets: perWay, ssrc: 0x1000 + i },
  reverse: { packets: perWay, ssrc: 0x8000 + i },
}));
const pcap = mediaCapture(...(specs as Parameters<typeof mediaCapture>));
const rtp = calls * perWay * 2;
const RING = 64 * 1024 * 1024;

function run(mode: 'A' | 'B' | 'C'): number {
  const live = new LiveTrace({
    name: 'ab',
    format: 'live-pcapng',
    mediaKeepBytes: mode === 'B' ? undefined : 0,
  });
  const feed = liveFeed(live, newStats(), true);
  if (mode === 'C') {
    // The in-memory alternative: each datagram the tracker takes, copied with a 16-octet header
    // (time, ports, length) into a preallocated ring, wrapped as LiveTrace.trackMedia wraps it.
    const ring = new Uint8Array(RING);
    const dv = new DataView(ring.buffer);
    let at = 0;
    const follow = live.trackMedia.bind(live);
    live.trackMedia = (tracker, names) => {
      follow(tracker, names);
      const take = tracker.datagram.bind(tracker);
      tracker.datagram = (src, sport, dst, dport, buf, ps, pend, timeUs, frameNo) => {
        if (!take(src, sport, dst, dport, buf, ps, pend, timeUs, frameNo)) return false;
        const n = pend - ps;
        if (at + 16 + n > ring.length) at = 0;
        dv.setFloat64(at, timeUs);
        dv.setUint16(at + 8, sport);
        dv.setUint16(at + 10, dport);
        dv.setUint32(at + 12, n);
        ring.set(buf.subarray(ps, pend), at + 16);
        at += 16 + n;
        return true;
      };
    };
  }
  const c0 = process.cpuUsage();
  for (let o = 0; o < pcap.length; o += 65536) feed.push(pcap.subarray(o, Math.min(pcap.length, o + 65536)));
  feed.finish();
  live.spool?.flush();
  const c = process.cpuUsage(c0);
  live.releaseMedia();
  return (c.user + c.system) / rtp;
}

// AB_MODES=A (or B, C): that mode only, for A/B in fresh processes.
const modes = (process.env.AB_MODES ?? 'ABC').split('') as ('A' | 'B' | 'C')[];
const res: Record<string, number[]> = { A: [], B: [], C: [] };
for (const m of modes) run(m);
for (let r = 0; r < rounds; r++) for (const m of modes) res[m]!.push(run(m));
const med = (a: number[]): number => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
const min = (a: number[]): number => Math.min(...a);
for (const m of modes)
  console.log(`${m}: min ${min(res[m]!).toFixed(3)} µs/pkt, median ${med(res[m]!).toFixed(3)} µs/pkt`);
for (const m of (['B', 'C'] as const).filter((x) => modes.includes(x) && modes.includes('A'))) {
  const pairs = res.A!.map((a, i) => res[m]![i]! / a);
  console.log(
    `${m}/A: ratio of mins ${(min(res[m]!) / min(res.A!)).toFixed(3)}, median of pair ratios ${med(pairs).toFixed(3)}, ` +
      `${m}-A of medians ${(med(res[m]!) - med(res.A!)).toFixed(3)} µs/pkt`,
  );
}
console.log(`${rtp} RTP packets per run (${(pcap.length / 1048576).toFixed(1)} MB pcap)`);
