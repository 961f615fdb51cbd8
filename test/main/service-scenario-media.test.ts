/**
 * A scenario run's RTP through the service (what the scenario player draws): the phones' streams
 * counted as a capture counts them (media/rtp-streams.ts), joined to their call through the SDP, with
 * what the simulated network dropped; the run's capture gets them too (call:media), so "Open as
 * capture" gives the call's media verdict.
 */
import { describe, expect, it } from 'vitest';
import { createHost } from '../../src/main/service/create-host';
import { Invoke } from '../../src/shared/api';

const host = createHost({ mode: 'browser', recentFile: null });
const run = (name: string): ReturnType<typeof host.invoke<typeof Invoke.scenarioRun>> =>
  host.invoke(Invoke.scenarioRun, { name });
const brief = (s: {
  src: string;
  srcPort: number;
  dst: string;
  dstPort: number;
  call: string | null;
  direction: string | null;
  packets: number;
  dropped: number;
  dropReason: string | null;
}): string =>
  `${s.call} ${s.direction} ${s.src}:${s.srcPort} > ${s.dst}:${s.dstPort} ${s.packets} sent, ${s.dropped} dropped${s.dropReason ? ` (${s.dropReason})` : ''}`;

describe('scenario runs carry their RTP streams', () => {
  it('trapezoid: one stream each way, 5 packets of 20 ms, PCMU, own SSRCs, nothing dropped', async () => {
    const r = await run('trapezoid');
    expect(r.media.map(brief)).toEqual([
      'C2 forward 192.0.2.10:49170 > 192.0.2.40:49170 5 sent, 0 dropped',
      'C2 reverse 192.0.2.40:49170 > 192.0.2.10:49170 5 sent, 0 dropped',
    ]);
    for (const s of r.media) {
      expect(s).toMatchObject({
        payloadTypes: [0],
        expected: 5,
        lost: 0,
        payloadBytes: 800,
        announced: true,
      });
      expect(s.delta).toEqual({ min: 20, mean: 20, max: 20 });
      expect(s.jitter).toEqual({ min: 0, mean: 0, max: 0 });
      expect(s.end - s.start).toBeCloseTo(0.08, 9);
    }
    expect(r.media[0]!.ssrc).not.toBe(r.media[1]!.ssrc);
    const m = await host.invoke(Invoke.callMedia, { captureId: r.capture!.id, call: 'C2' });
    expect(m.verdict).toBe('two-way');
  });

  it('nat-fix-nated-contact: Bob’s media to the private address of the SDP is sent and dropped', async () => {
    const r = await run('nat-fix-nated-contact');
    expect(r.media.map(brief)).toEqual([
      'C2 forward 198.51.100.40:49170 > 192.168.1.10:49170 5 sent, 5 dropped (unroutable: 192.168.1.10 is a private address behind Home NAT)',
      'C2 reverse 192.168.1.10:49170 > 198.51.100.40:49170 5 sent, 0 dropped',
      'C2 reverse 203.0.113.5:20001 > 198.51.100.40:49170 5 sent, 0 dropped',
    ]);
  });

  it('nat-contact-unreachable: the call never connects, no media; a bad scenario has none', async () => {
    expect((await run('nat-contact-unreachable')).media).toEqual([]);
    const bad = await host.invoke(Invoke.scenarioRun, { yaml: 'name: x\ndescription: [' });
    expect(bad.media).toEqual([]);
  });
});
