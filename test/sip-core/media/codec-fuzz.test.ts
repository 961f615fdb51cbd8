/**
 * Fuzz: RTP streams of garbage never crash, hang or blow up the audio decoding (rtp-audio.ts's
 * decodeStream, which drives every decoder: G.711 µ/A, G.722, GSM, G.726 16-40 in both packings,
 * G.729, L16, CN, RFC 4733 events) and the RTCP reader (test/helpers/mutate.ts, seeded). Each stream:
 * 1-60 packets with random payloads (0-400 octets), payload types mixed, sequence numbers and
 * timestamps that jump, wrap and go back, both timings and both loss modes; the PCM stays bounded by
 * the stream's own span.
 */
import { describe, expect, it } from 'vitest';
import { fuzz, mutate, Rng } from '../../helpers/mutate';
import { decodeStream, RtpPacketList } from '../../../src/sip-core/media/rtp-audio';
import type { RtpmapEntry } from '../../../src/sip-core/media/rtp-audio';
import { parseRtcp } from '../../../src/sip-core/media/rtcp';
import { EventDecoder } from '../../../src/sip-core/media/rtp-event';

const NAMES = [
  'PCMU',
  'PCMA',
  'G722',
  'GSM',
  'G729',
  'G726-16',
  'G726-24',
  'G726-32',
  'G726-40',
  'AAL2-G726-32',
  'L16',
  'CN',
  'telephone-event',
  'opus',
];

interface Stream {
  packets: { seq: number; ts: number; pt: number; marker: boolean; timeUs: number; payload: Uint8Array }[];
  rtpmap: Map<number, RtpmapEntry>;
  timing: 'timestamp' | 'arrival';
  loss: 'conceal' | 'silence';
}

function stream(seed: number): Stream {
  const r = new Rng(seed);
  const rtpmap = new Map<number, RtpmapEntry>();
  const dyn = [96, 97, 98, 101, 127];
  for (const pt of dyn) {
    if (r.next(2))
      rtpmap.set(pt, {
        name: r.pick(NAMES),
        rate: r.pick([8000, 16000, 48000, 0, 192_000, 1_000_000]),
        channels: r.pick([1, 2, 8, 0, 255]),
      });
  }
  const pts = [0, 2, 3, 8, 9, 10, 11, 13, 18, 19, 34, ...dyn];
  const main = r.pick(pts);
  const n = 1 + r.next(60);
  let seq = r.next(65536);
  let ts = r.next(2 ** 32);
  let t = 1_700_000_000_000_000;
  const packets: Stream['packets'] = [];
  // One stream in 40 jumps anywhere (the timeline then runs to its one-hour cap: a second of work);
  // the others by up to 10 s.
  const far = r.next(40) === 0;
  const tsJump = (): number => (far ? r.next(2 ** 32) : r.next(80_000));
  const usJump = (): number => (far ? r.next(3_600_000_000) : r.next(10_000_000));
  for (let i = 0; i < n; i++) {
    const len = r.next(4) === 0 ? r.next(400) : r.pick([0, 1, 10, 20, 33, 40, 80, 160, 161]);
    const payload = new Uint8Array(len);
    for (let k = 0; k < len; k++) payload[k] = r.next(256);
    packets.push({
      seq,
      ts,
      pt: r.next(5) === 0 ? r.pick(pts) : main,
      marker: r.next(8) === 0,
      timeUs: t,
      payload,
    });
    const jump = r.next(10);
    seq = (seq + (jump === 0 ? r.next(65536) : jump === 1 ? 0 : 1)) & 0xffff;
    ts = (ts + (jump === 2 ? tsJump() : jump === 3 ? 2 ** 32 - 160 : 160)) >>> 0;
    t += jump === 4 ? usJump() : 20_000;
  }
  return {
    packets,
    rtpmap,
    timing: r.next(3) === 0 ? 'arrival' : 'timestamp',
    loss: r.next(2) ? 'conceal' : 'silence',
  };
}

describe('fuzz: RTP audio decoding', () => {
  it('1,000 garbage streams over every codec: decode or refuse, never throw; PCM bounded (seed 0xA0D1)', async () => {
    await fuzz(
      'rtp-audio',
      (seed) => ({ name: 'stream', input: stream(seed), ops: [] }),
      (s) => {
        const l = new RtpPacketList();
        for (const p of s.packets)
          l.add(p.seq, p.ts, p.pt, p.marker, p.timeUs, p.payload, 0, p.payload.length);
        const r = decodeStream(l, s.rtpmap, s.timing, s.loss);
        if (!r.ok) {
          expect(r.reason.length).toBeGreaterThan(0);
          return;
        }
        // At most a minute of audio at the highest rate for a minute-long (or jumping) stream: gaps are capped.
        expect(r.audio.pcm.length).toBeLessThanOrEqual(192_000 * 2 * 600);
      },
      { seed: 0xa0d1, count: 1000, slowMs: 5000 },
    );
  }, 60_000);

  it('2,000 RTCP compounds (a real SR+SDES+BYE, mutated) and RFC 4733 payloads: never throw (seed 0x7C70)', async () => {
    // SR (1 report block) + SDES (CNAME) + BYE with a reason, as a phone sends them.
    const sr = [
      0x81,
      200,
      0,
      12,
      0,
      0,
      0,
      1,
      ...new Array<number>(20).fill(7),
      0,
      0,
      0,
      2,
      ...new Array<number>(20).fill(3),
    ];
    const sdes = [0x81, 202, 0, 3, 0, 0, 0, 1, 1, 5, 0x61, 0x40, 0x62, 0x2e, 0x63, 0, 0, 0];
    const bye = [0x81, 203, 0, 3, 0, 0, 0, 1, 4, 0x62, 0x79, 0x65, 0x21, 0, 0, 0];
    sdes.length = 16;
    const compound = Uint8Array.from([...sr, ...sdes, ...bye]);
    await fuzz(
      'rtcp',
      (seed) => {
        const m = mutate(compound, seed);
        return { name: 'sr-sdes-bye', input: m.bytes, ops: m.ops };
      },
      (b, c) => {
        const r = parseRtcp(b, 0, b.length);
        expect(Array.isArray(r.packets)).toBe(true);
        const e = new EventDecoder(101);
        const g = new Rng(c.seed);
        for (let i = 0; i < 8; i++) {
          const at = g.next(b.length + 1);
          e.packet(b, at, Math.min(b.length - at, g.next(12)), g.next(2 ** 32), i * 20_000, i + 1);
        }
      },
      { seed: 0x7c70, count: 2000 },
    );
  });
});

describe('found by the fuzz', () => {
  it('CN/192000 beside PCMU (a case of seed 0xA0D1 when it ran 2,500 streams that all jumped far): a 20-minute DTX gap fills with noise for the work CN/8000 takes, not 24 times the 8 kHz noise filtered and dropped (it took 38 s for an hour)', () => {
    const l = new RtpPacketList();
    const ulaw = new Uint8Array(160).fill(0xff);
    const gap = 20 * 60 * 8000;
    l.add(1, 0, 0, false, 0, ulaw, 0, 160);
    l.add(2, 160, 96, false, 20_000, Uint8Array.of(40), 0, 1); // CN at -40 dBov
    l.add(3, 160 + gap, 0, true, 20_000 + gap * 125, ulaw, 0, 160);
    const time = (rate: number): { r: ReturnType<typeof decodeStream>; ms: number } => {
      const t0 = performance.now();
      const r = decodeStream(l, new Map([[96, { name: 'CN', rate }]]), 'timestamp');
      return { r, ms: performance.now() - t0 };
    };
    const same = time(8000);
    const { r, ms } = time(192_000);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.audio.comfortNoise).toBe(1);
    expect(r.audio.pcm.length).toBe(gap + 320);
    // The noise is there at its level (-40 dBov: rms ~ 32768 * 10^-2 = 328), in the middle of the gap.
    let e = 0;
    for (let i = gap / 2; i < gap / 2 + 8000; i++) e += r.audio.pcm[i]! ** 2;
    expect(Math.sqrt(e / 8000)).toBeGreaterThan(150);
    expect(Math.sqrt(e / 8000)).toBeLessThan(700);
    // As much work as CN at the stream's own rate (it was 24 times as much).
    expect(ms).toBeLessThan(same.ms * 4 + 100);
  });
});
