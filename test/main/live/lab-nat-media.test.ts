/**
 * RTP of a lab phone behind a lab NAT box goes through the box (src/main/live/lab-nat.ts mediaPort,
 * lab-media.ts): it leaves from the box's public address on a mapped port (a `nat-binding` event),
 * the trace's stream shows that address, and the peer's RTP to the SDP's private address is dropped
 * (one-way audio, said once), as a real NAT never routes it. A peer that sends back to where the
 * RTP came from (comedia) gets through: test/interop/lab-nat-media-sipp.test.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { parseLab, startLab, type LabHandle } from '../../../src/main/live';
import { TraceAdapter } from '../../../src/main/service/capture-loader';
import { freePort, until } from '../../interop/helpers/run-peers';

const handles: LabHandle[] = [];
afterEach(async () => {
  for (const h of handles.splice(0)) await h.stop();
});

describe('lab media through a NAT box', () => {
  it('a phone behind a port-restricted NAT: its RTP leaves from the public mapping; the peer’s RTP to the private address is dropped', async () => {
    const [pa, pb] = [await freePort('127.0.41.2'), await freePort('127.0.42.2')];
    const h = await startLab(
      parseLab(`
name: nat-media
description: Alice behind a NAT calls Bob outside
nodes:
  - { name: NAT, role: nat, type: port-restricted, public: 127.0.42.9, inside: 127.0.41.1, timeout: 60s }
  - { name: alice, role: ua, address: "127.0.41.2:${pa}", behind: NAT, aor: "sip:alice@127.0.41.2", media: tone, mediaPort: 41000 }
  - { name: bob, role: ua, address: "127.0.42.2:${pb}", aor: "sip:bob@127.0.42.2", answer: { after: 0.1s }, media: echo, mediaPort: 42000 }
steps:
  - { at: 0.1s, node: alice, action: call, to: "sip:bob@127.0.42.2:${pb}" }
  - { at: 1.6s, node: alice, action: hangup }
`),
    );
    handles.push(h);
    await until(
      () => h.media().sessions.some((s) => s.node === 'bob' && s.received >= 20),
      'Alice’s tone at Bob',
      10_000,
    );
    const alice = h.media().sessions.find((s) => s.node === 'alice')!;
    const bob = h.media().sessions.find((s) => s.node === 'bob')!;
    // Bob echoes to the SDP's address (Alice's private one): never arrives
    expect(bob.sent).toBeGreaterThan(10);
    expect(alice.received).toBe(0);
    await until(() => h.ua('alice')!.calls[0]?.state === 'terminated', 'the hangup', 10_000);
    const texts = h.events.map((e) => e.text);
    expect(
      texts.filter((t) => /dropped: behind NAT NAT, a private address is not reachable/.test(t)),
    ).toHaveLength(1);
    // the box mapped Alice's RTP port (and her RTCP port) to public ports
    const bindings = texts.filter((t) =>
      /^binding 127\.0\.41\.2:4100[01] -> 127\.0\.42\.9:\d+ created$/.test(t),
    );
    expect(bindings.length).toBeGreaterThanOrEqual(1);
    const mapped = /-> (127\.0\.42\.9:\d+)/.exec(bindings.find((t) => t.includes(':41000 '))!)![1];
    // the trace's streams: Alice's from the public mapping to Bob, Bob's to Alice's private address
    const flows = mediaFlows(h);
    expect(flows).toContain(`${mapped} > 127.0.42.2:42000`);
    expect(flows).toContain('127.0.42.2:42000 > 127.0.41.2:41000');
    expect(flows.some((f) => f.startsWith('127.0.41.2:41000 >'))).toBe(false);
  }, 30_000);
});

/** `src:port > dst:port` of the live trace's RTP streams. */
function mediaFlows(h: LabHandle): string[] {
  h.live.flushUpdates();
  const m = new TraceAdapter(h.live.trace, []).callMedia(null);
  return (m?.streams ?? []).map((s) => `${s.src}:${s.srcPort} > ${s.dst}:${s.dstPort}`);
}
