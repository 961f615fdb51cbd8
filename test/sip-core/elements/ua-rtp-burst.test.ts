/**
 * The phones' RTP burst and its `rtp` node option: by default each phone sends 5 RTP packets once a
 * call is set up (the media check of the NAT scenarios); `rtp: false` sends none and leaves the SIP
 * exchange byte for byte as it was. The packets look like a phone's: per call side its own SSRC,
 * sequence numbers and timestamps from per-call starts (timestamp +160 per 20 ms), the payload type
 * of the peer's SDP and 160 octets of G.711 silence.
 */
import { describe, expect, it } from 'vitest';
import { Simulation, loadScenario, type Scenario } from '../../../src/sip-core/sim';
import { readSdp } from '../../../src/sip-core/elements/ua/sdp';
import { basicCall } from '../../helpers/basic-call';

const scenario = (rtp: boolean | undefined): Scenario => ({
  ...basicCall('rtp', rtp === undefined ? {} : { rtp }),
  steps: [
    { at: 0, node: 'Alice', action: 'call', to: 'sip:bob@biloxi.example.com' },
    { at: '1s', node: 'Alice', action: 'hangup' },
  ],
});

function run(rtp: boolean | undefined): Simulation {
  const sim = new Simulation(scenario(rtp), { seed: 7 });
  sim.run();
  return sim;
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('UA rtp burst option', () => {
  it('sends 5 RTP packets per phone by default, and none with rtp: false', () => {
    const on = run(undefined).network.packets.filter((p) => p.kind === 'rtp');
    expect(on.filter((p) => p.fromNode === 'Alice')).toHaveLength(5);
    expect(on.filter((p) => p.fromNode === 'Bob')).toHaveLength(5);
    expect(run(true).network.packets.filter((p) => p.kind === 'rtp')).toHaveLength(10);
    expect(run(false).network.packets.filter((p) => p.kind === 'rtp')).toHaveLength(0);
  });

  it('leaves the SIP messages as they were (same bytes, same order, same times)', () => {
    const sip = (s: Simulation): string[] =>
      s.sipPackets.map((p) => `${p.sentAt} ${p.fromNode}>${p.toNode} ${hex(p.bytes)}`);
    const on = sip(run(undefined));
    expect(on).toHaveLength(13); // INVITE x2, 100, 180 x2, 200 x2, ACK x2, BYE x2, 200 x2
    expect(sip(run(false))).toEqual(on);
  });

  it('sends G.711 packets: own SSRC per call side, sequence +1 and timestamp +160 per 20 ms packet', () => {
    const rtp = (s: Simulation): { from: string; at: number; b: Uint8Array }[] =>
      s.network.packets
        .filter((p) => p.kind === 'rtp')
        .map((p) => ({ from: p.fromNode, at: p.sentAt, b: p.bytes }));
    const u16 = (b: Uint8Array, i: number): number => (b[i]! << 8) | b[i + 1]!;
    const u32 = (b: Uint8Array, i: number): number => ((u16(b, i) << 16) | u16(b, i + 2)) >>> 0;
    const sim = new Simulation(
      {
        ...scenario(undefined),
        steps: [
          { at: 0, node: 'Alice', action: 'call', to: 'sip:bob@biloxi.example.com' },
          { at: '1s', node: 'Alice', action: 'hangup' },
          { at: '2s', node: 'Alice', action: 'call', to: 'sip:bob@biloxi.example.com' },
          { at: '3s', node: 'Alice', action: 'hangup' },
        ],
      },
      { seed: 7 },
    );
    sim.run();
    const all = rtp(sim);
    expect(all).toHaveLength(20);
    // per call (first and second) and side: 5 packets
    const groups = new Map<number, typeof all>();
    for (const p of all) {
      expect(p.b.length).toBe(12 + 160);
      expect(p.b[0]).toBe(0x80); // version 2, no padding, extension nor CSRC
      expect(p.b[1]).toBe(0); // PCMU, no marker
      expect(p.b.subarray(12).every((x) => x === 0xff)).toBe(true); // μ-law silence
      const ssrc = u32(p.b, 8);
      groups.set(ssrc, [...(groups.get(ssrc) ?? []), p]);
    }
    expect(groups.size).toBe(4); // two calls between the same phones: four streams, not two
    for (const g of groups.values()) {
      expect(g).toHaveLength(5);
      expect(new Set(g.map((p) => p.from)).size).toBe(1);
      g.forEach((p, i) => {
        expect(u16(p.b, 2)).toBe((u16(g[0]!.b, 2) + i) & 0xffff);
        expect(u32(p.b, 4)).toBe((u32(g[0]!.b, 4) + 160 * i) >>> 0);
        expect(p.at - g[0]!.at).toBe(20_000 * i);
      });
    }
    // different starts per stream, and the same run again gives the same bytes
    expect(new Set([...groups.values()].map((g) => u16(g[0]!.b, 2))).size).toBe(4);
    const again = new Simulation(sim.scenario, { seed: 7 });
    again.run();
    expect(rtp(again).map((p) => hex(p.b))).toEqual(all.map((p) => hex(p.b)));
  });

  it("takes the payload type the peer's SDP names first (PCMU 0 when it names none)", () => {
    const sdp = (m: string): string => `v=0\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n${m}\r\n`;
    expect(readSdp(sdp('m=audio 4000 RTP/AVP 8 0 101')).pt).toBe(8);
    expect(readSdp(sdp('m=audio 4000 RTP/AVP 0')).pt).toBe(0);
    expect(readSdp(sdp('m=audio 4000 RTP/AVP 96')).pt).toBe(96);
    expect(readSdp(sdp('m=audio 4000 RTP/AVP')).pt).toBe(0);
    expect(readSdp(sdp('m=audio 4000 RTP/AVP 300')).pt).toBe(0);
    expect(readSdp(sdp('m=audio 4000 RTP/AVP 8')).port).toBe(4000);
  });

  it('is a boolean node option of the scenario schema', () => {
    const yaml = (v: string): string =>
      `name: t\ndescription: t\nnodes:\n  - name: Alice\n    role: ua\n    address: 192.0.2.10\n    rtp: ${v}\n`;
    expect(loadScenario(yaml('false')).errors).toEqual([]);
    expect(loadScenario(yaml('false')).scenario?.nodes[0]?.rtp).toBe(false);
    expect(loadScenario(yaml('"no"')).errors.length).toBeGreaterThan(0);
  });
});
