/**
 * RTCP decoding (media/rtcp.ts) and the E-model (media/quality.ts): compound packets of every kind,
 * bad input flagged and never thrown, the round trip at the capture point, and the G.107 reference
 * points, the codec table and MOS monotonic in loss and delay.
 */
import { describe, expect, it } from 'vitest';
import { parseRtcp } from '../../../src/sip-core/media/rtcp';
import {
  burstRatio,
  codecImpairment,
  delayImpairment,
  mosFromR,
  POOR_MOS,
  streamQuality,
} from '../../../src/sip-core/media/quality';
import { RtpTracker } from '../../../src/sip-core/media/rtp-streams';

const sr = (ssrc: number, ntpSec: number, ntpFrac: number, blocks: number[][] = []): number[] => {
  const w = 7 + blocks.length * 6 - 1;
  const out = [0x80 | blocks.length, 200, w >> 8, w & 0xff, ...be32(ssrc), ...be32(ntpSec), ...be32(ntpFrac)];
  out.push(...be32(1234), ...be32(50), ...be32(8000));
  for (const b of blocks) out.push(...b);
  return out;
};
const be32 = (n: number): number[] => [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
/** A report block: ssrc, fraction, cumulative (24-bit two's complement), ext seq, jitter, lsr, dlsr. */
const block = (
  ssrc: number,
  fraction: number,
  cum: number,
  ext: number,
  jitter: number,
  lsr: number,
  dlsr: number,
) => [
  ...be32(ssrc),
  fraction,
  (cum >> 16) & 0xff,
  (cum >> 8) & 0xff,
  cum & 0xff,
  ...be32(ext),
  ...be32(jitter),
  ...be32(lsr),
  ...be32(dlsr),
];
const rr = (ssrc: number, blocks: number[][]): number[] => {
  const w = 1 + blocks.length * 6;
  return [0x80 | blocks.length, 201, w >> 8, w & 0xff, ...be32(ssrc), ...blocks.flat()];
};
const sdes = (ssrc: number, cname: string): number[] => {
  const body = [...be32(ssrc), 1, cname.length, ...Buffer.from(cname), 0];
  while (body.length % 4) body.push(0);
  return [0x81, 202, 0, body.length / 4, ...body];
};
const bye = (ssrc: number, reason: string): number[] => {
  const body = [...be32(ssrc), reason.length, ...Buffer.from(reason)];
  while (body.length % 4) body.push(0);
  return [0x81, 203, 0, body.length / 4, ...body];
};
const u8 = (a: number[]): Uint8Array => new Uint8Array(a);

describe('parseRtcp', () => {
  it('reads a compound SR + RR block + SDES + BYE', () => {
    const c = parseRtcp(
      u8([
        ...sr(0xaabbccdd, 3_900_000_000, 0x80000000, [
          block(0x11223344, 64, -3, 70_000, 40, 0x12345678, 65536),
        ]),
        ...sdes(0xaabbccdd, 'alice@host'),
        ...bye(0xaabbccdd, 'hung up'),
      ]),
      0,
      52 + 24 + 16,
    );
    expect(c.error).toBeNull();
    expect(c.reducedSize).toBe(false);
    expect(c.packets.map((p) => p.type)).toEqual([200, 202, 203]);
    expect(c.packets[0]!.sender).toEqual({
      ntpSec: 3_900_000_000,
      ntpFrac: 0x80000000,
      rtpTimestamp: 1234,
      packets: 50,
      octets: 8000,
    });
    expect(c.packets[0]!.reports).toEqual([
      {
        ssrc: 0x11223344,
        fractionLost: 64,
        cumulativeLost: -3,
        extendedHighestSeq: 70_000,
        jitter: 40,
        lsr: 0x12345678,
        dlsr: 65536,
      },
    ]);
    expect(c.packets[1]!.sdes).toEqual([{ ssrc: 0xaabbccdd, cname: 'alice@host' }]);
    expect(c.packets[2]!.bye).toEqual({ ssrcs: [0xaabbccdd], reason: 'hung up' });
  });

  it('bad input: flagged with what came before kept, never thrown', () => {
    const good = sr(1, 2, 3, [block(9, 1, 2, 3, 4, 5, 6)]);
    // Length past the datagram, a bad version, a truncated block, trailing octets, padding not last.
    const cases: number[][] = [
      [...good.slice(0, 20)],
      [...good, 0x40, 201, 0, 1, 0, 0, 0, 1],
      [0x82, 201, 0, 7, ...be32(1), ...block(1, 2, 3, 4, 5, 6, 7).slice(0, 20)],
      [...good, 0, 0],
      [0xa0, 201, 0, 1, 0, 0, 0, 1, ...good],
      [0x81, 202, 0, 2, 0, 0, 0, 1, 1, 200, 0, 0],
      [0x82, 203, 0, 1, 0, 0, 0, 1],
    ];
    for (const a of cases) {
      const c = parseRtcp(u8(a), 0, a.length);
      expect(c.error, JSON.stringify(a)).not.toBeNull();
    }
    expect(parseRtcp(u8([...good, 0, 0]), 0, good.length + 2).packets[0]!.reports).toHaveLength(1);
    // Random bytes: never throws.
    let x = 12345;
    for (let n = 0; n < 2000; n++) {
      const len = 4 + (n % 90);
      const a = new Uint8Array(len);
      for (let i = 0; i < len; i++) a[i] = (x = (x * 1103515245 + 12345) & 0x7fffffff) & 0xff;
      a[0] = 0x80 | (a[0]! & 0x3f);
      expect(() => parseRtcp(a, 0, len)).not.toThrow();
    }
  });

  it('RFC 5506 reduced-size (an RR-less PSFB) and encrypted SRTCP (E flag before the tag)', () => {
    const pli = [0x81, 206, 0, 2, ...be32(7), ...be32(8)];
    const c = parseRtcp(u8(pli), 0, pli.length);
    expect(c).toMatchObject({ reducedSize: true, error: null });
    // An SR whose length is right but the rest is ciphertext, then E|index and a 10-octet tag.
    const enc = [...sr(5, 1, 1), 0x3f, 0x11, 0x22, 0x33, 0x80, 0, 0, 1, ...new Array(10).fill(0xee)];
    const e = parseRtcp(u8(enc), 0, enc.length);
    expect(e).toMatchObject({ encrypted: true, error: null });
    expect(e.packets).toHaveLength(1);
    expect(e.packets[0]!.sender).toBeNull();
  });
});

describe('round trip at the capture point (RFC 3550 §6.4.1)', () => {
  it('A − LSR − DLSR from the capture times of the RR and the SR it answers', () => {
    const t = new RtpTracker();
    const ntpSec = 3_900_000_000;
    const frac = 0x40000000; // .25 s
    const mid = ((ntpSec & 0xffff) << 16) | (frac >>> 16);
    const s = u8(sr(0xa, ntpSec, frac));
    t.datagram(1, 40001, 2, 50001, s, 0, s.length, 1_000_000, 1);
    // 250 ms later the RR comes back with DLSR 200 ms: 50 ms round trip.
    const r = u8(rr(0xb, [block(0xa, 0, 0, 100, 8, mid >>> 0, Math.round(0.2 * 65536))]));
    t.datagram(2, 50001, 1, 40001, r, 0, r.length, 1_250_000, 2);
    const rep = t.snapshot(['', 'a', 'b']).rtcp.find((f) => f.src === 'b')!.reports.reported[0]!;
    expect(rep.rtts).toBe(1);
    expect(rep.rttMin / 1000).toBeCloseTo(50, 2);
    // An LSR that answers no SR seen: no round trip.
    const r2 = u8(rr(0xb, [block(0xa, 0, 0, 100, 8, 12345, 1)]));
    t.datagram(2, 50001, 1, 40001, r2, 0, r2.length, 1_300_000, 3);
    expect(t.snapshot(['', 'a', 'b']).rtcp.find((f) => f.src === 'b')!.reports.reported[0]!).toMatchObject({
      rtts: 1,
      reports: 2,
    });
  });

  it('memory per flow stays bounded (reported SSRCs, senders, SR history)', () => {
    const t = new RtpTracker();
    for (let i = 0; i < 500; i++) {
      const p = u8([
        ...sr(i, 3_900_000_000 + i, 0, [block(1000 + i, 0, 0, 1, 1, 0, 0)]),
        ...sdes(i, `c${i}`),
      ]);
      t.datagram(1, 40001, 2, 50001, p, 0, p.length, 1_000_000 + i, i + 1);
    }
    const f = t.snapshot(['', 'a', 'b']).rtcp[0]!;
    expect(f.packets).toBe(500);
    expect(f.reports.senders.length).toBeLessThanOrEqual(4);
    expect(f.reports.reported.length).toBeLessThanOrEqual(16);
  });
});

describe('E-model (ITU-T G.107)', () => {
  it('reference point: G.711, no loss, default delay → R 93.2, MOS 4.41', () => {
    const q = streamQuality({
      codec: 'PCMA',
      expected: 1000,
      lost: 0,
      received: 1000,
      bursts: 0,
      delayMs: null,
    })!;
    expect(q.r).toBeCloseTo(93.2, 5);
    expect(q.mos).toBeCloseTo(4.41, 2);
    expect(mosFromR(60)).toBeCloseTo(POOR_MOS, 10);
    expect(mosFromR(0)).toBe(1);
    expect(mosFromR(120)).toBe(4.5);
  });

  it('codec table (G.113 Appendix I): G.711 with PLC, G.729(A), G.723.1; others not rated', () => {
    expect(codecImpairment('g711U')).toMatchObject({ ie: 0, bpl: 25.1 });
    expect(codecImpairment('PCMU')).toMatchObject({ ie: 0, bpl: 25.1 });
    expect(codecImpairment('G729')).toMatchObject({ ie: 11, bpl: 19 });
    expect(codecImpairment('g729a')).toMatchObject({ ie: 11, bpl: 19 });
    expect(codecImpairment('G723')).toMatchObject({ ie: 15, bpl: 16.1 });
    expect(codecImpairment('opus')).toBeNull();
    expect(
      streamQuality({ codec: 'opus', expected: 10, lost: 0, received: 10, bursts: 0, delayMs: null }),
    ).toBeNull();
    const g729 = streamQuality({
      codec: 'G729',
      expected: 1000,
      lost: 0,
      received: 1000,
      bursts: 0,
      delayMs: null,
    })!;
    expect(g729.r).toBeCloseTo(82.2, 5);
  });

  it('MOS falls monotonically with loss, burstiness and delay', () => {
    let prev = 5;
    for (let lost = 0; lost <= 500; lost += 10) {
      const q = streamQuality({
        codec: 'PCMU',
        expected: 1000,
        lost,
        received: 1000 - lost,
        bursts: lost,
        delayMs: null,
      })!;
      expect(q.mos).toBeLessThanOrEqual(prev);
      prev = q.mos;
    }
    // The same 10% loss in bursts of 5 is worse than random.
    const random = streamQuality({
      codec: 'PCMU',
      expected: 1000,
      lost: 100,
      received: 900,
      bursts: 100,
      delayMs: null,
    })!;
    const bursty = streamQuality({
      codec: 'PCMU',
      expected: 1000,
      lost: 100,
      received: 900,
      bursts: 20,
      delayMs: null,
    })!;
    expect(bursty.burstR).toBeGreaterThan(1);
    expect(bursty.mos).toBeLessThan(random.mos);
    expect(burstRatio(900, 100, 100)).toBe(1);
    // G.107: no delay impairment up to 100 ms, then rising.
    expect(delayImpairment(100)).toBe(0);
    let d = 0;
    for (let ms = 150; ms <= 1000; ms += 50) {
      expect(delayImpairment(ms)).toBeGreaterThan(d);
      d = delayImpairment(ms);
    }
  });
});
