/**
 * DTMF from lab phones (LabHandle.dtmf, src/main/live/lab-media.ts): RFC 4733 telephone-events on
 * the call's RTP when the call agreed telephone-event, else SIP INFO with application/dtmf-relay;
 * the lab's live trace reads the digits back (src/sip-core/media/dtmf.ts, rtp-event.ts): the digits
 * in order, 100 ms each, three end packets, the payload type of the offer.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { parseLab, startLab, type LabHandle } from '../../../src/main/live';
import { TraceAdapter } from '../../../src/main/service/capture-loader';
import { freePort, until } from '../../interop/helpers/run-peers';

const handles: LabHandle[] = [];
afterEach(async () => {
  for (const h of handles.splice(0)) await h.stop();
});

async function twoPhones(bobCodecs: string): Promise<LabHandle> {
  const [pa, pb] = [await freePort('127.0.46.2'), await freePort('127.0.46.3')];
  const h = await startLab(
    parseLab(`
name: dtmf
description: Alice presses digits in a call to Bob
nodes:
  - { name: alice, role: ua, address: "127.0.46.2:${pa}", aor: "sip:alice@127.0.46.2", mediaPort: 46000 }
  - { name: bob, role: ua, address: "127.0.46.3:${pb}", aor: "sip:bob@127.0.46.3", answer: { after: 0.05s }, mediaPort: 46100, codecs: ${bobCodecs} }
steps:
  - { at: 0.05s, node: alice, action: call, to: "sip:bob@127.0.46.3:${pb}" }
`),
  );
  handles.push(h);
  await until(() => h.ua('alice')!.calls[0]?.state === 'confirmed', 'the call answered', 10_000);
  return h;
}

/** The digits the trace reads in the call, the caller's (Bob, in echo mode, sends the events back too). */
function digits(
  h: LabHandle,
  callId: string,
): { digit: string; method: string; durationMs: number | null }[] {
  h.live.flushUpdates();
  const m = new TraceAdapter(h.live.trace, []).callMedia(callId);
  return (m?.dtmf ?? [])
    .filter((d) => d.direction === 'forward')
    .map((d) => ({ digit: d.digit, method: d.method, durationMs: d.durationMs }));
}

describe('lab phones press digits', () => {
  it('RFC 4733 events when the call agreed telephone-event; the trace reads them back', async () => {
    const h = await twoPhones('[PCMU, telephone-event]');
    const r = h.dtmf('alice', '1#9');
    expect(r.method).toBe('rfc4733');
    await until(
      () => digits(h, r.callId).length === 3 && h.media().sessions.length > 0,
      'three digits',
      5000,
    );
    await new Promise((res) => setTimeout(res, 300));
    expect(digits(h, r.callId)).toEqual([
      { digit: '1', method: 'rtp-event', durationMs: 100 },
      { digit: '#', method: 'rtp-event', durationMs: 100 },
      { digit: '9', method: 'rtp-event', durationMs: 100 },
    ]);
    // the stream's events: the offer's type (101), three end packets each, volume 10
    const m = new TraceAdapter(h.live.trace, []).callMedia(r.callId)!;
    const ev = m.streams.flatMap((s) => (s.events && s.src === '127.0.46.2' ? [s.events] : []));
    expect(ev).toHaveLength(1);
    expect(ev[0]!.payloadType).toBe(101);
    expect(ev[0]!.list.map((e) => [e.event, e.endPackets, e.packets, e.volume, e.ended])).toEqual([
      ['1', 3, 8, 10, true],
      ['#', 3, 8, 10, true],
      ['9', 3, 8, 10, true],
    ]);
    expect(() => h.dtmf('alice', '12x')).toThrow(/digits must be/);
    expect(() => h.dtmf('nobody', '1')).toThrow(/no phone/);
  }, 30_000);

  it('SIP INFO (application/dtmf-relay) when the call did not agree telephone-event', async () => {
    const h = await twoPhones('[PCMU]');
    expect(() => h.dtmf('alice', '5', { method: 'rfc4733' })).toThrow(/did not agree telephone-event/);
    const r = h.dtmf('alice', '5*', { durationMs: 160 });
    expect(r.method).toBe('info');
    await until(() => digits(h, r.callId).length === 2, 'two INFO digits', 5000);
    expect(digits(h, r.callId)).toEqual([
      { digit: '5', method: 'info', durationMs: 160 },
      { digit: '*', method: 'info', durationMs: 160 },
    ]);
    // each INFO got its 200 (the messages of the trace)
    const t = h.live.trace;
    const rows = Array.from({ length: t.count }, (_, i) => t.entry(i));
    expect(rows.filter((e) => e.method === 'INFO')).toHaveLength(2);
  }, 30_000);
});
