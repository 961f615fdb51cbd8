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

describe('a lab file presses digits (dtmf steps, on real sockets)', () => {
  /** The times (ms from the call's first digit) and digits the trace reads, the caller's. */
  function timed(h: LabHandle, callId: string): { digit: string; method: string; ms: number }[] {
    h.live.flushUpdates();
    const d = (new TraceAdapter(h.live.trace, []).callMedia(callId)?.dtmf ?? []).filter(
      (x) => x.direction === 'forward',
    );
    return d.map((x) => ({ digit: x.digit, method: x.method, ms: Math.round((x.time - d[0]!.time) * 1000) }));
  }

  it('RFC 4733 keys, then INFO keys, each a duration and a pause apart; the trace reads them back', async () => {
    const [pa, pb] = [await freePort('127.0.46.4'), await freePort('127.0.46.5')];
    const h = await startLab(
      parseLab(`
name: dtmf-steps
description: Alice calls the voicemail, types her PIN as RFC 4733 events, then presses 9 and # as SIP INFO
nodes:
  - { name: alice, role: ua, address: "127.0.46.4:${pa}", aor: "sip:alice@127.0.46.4", mediaPort: 46200 }
  - { name: vm, role: ua, address: "127.0.46.5:${pb}", aor: "sip:vm@127.0.46.5", answer: { after: 0.05s }, mediaPort: 46300 }
steps:
  - { at: 0.05s, node: alice, action: call, to: "sip:vm@127.0.46.5:${pb}" }
  - { at: 0.6s, node: alice, action: dtmf, digits: '12', method: rfc4733, duration: 100ms, pause: 200ms }
  - { at: 1.5s, node: alice, action: dtmf, digits: '9#', method: info, duration: 160ms, pause: 240ms }
  - { at: 1.6s, node: vm, action: dtmf, digits: '5' }
`),
    );
    handles.push(h);
    await until(() => h.ua('alice')!.calls[0]?.state === 'confirmed', 'the call answered', 10_000);
    const callId = h.ua('alice')!.calls[0]!.callId;
    await until(() => timed(h, callId).length === 4, 'four digits', 10_000);
    const got = timed(h, callId);
    expect(got.map((d) => [d.digit, d.method])).toEqual([
      ['1', 'rtp-event'],
      ['2', 'rtp-event'],
      ['9', 'info'],
      ['#', 'info'],
    ]);
    // a key every duration + pause (real time: within 60 ms; RTP on the 20 ms packet grid)
    expect(Math.abs(got[1]!.ms - 300)).toBeLessThanOrEqual(60);
    expect(Math.abs(got[3]!.ms - got[2]!.ms - 400)).toBeLessThanOrEqual(60);
    expect(Math.abs(got[2]!.ms - 900)).toBeLessThanOrEqual(120);
    // the callee's step went out too (RFC 4733: lab phones offer and accept telephone-event)
    await until(
      () => {
        h.live.flushUpdates();
        return (new TraceAdapter(h.live.trace, []).callMedia(callId)?.dtmf ?? []).some(
          (x) => x.direction === 'reverse' && x.digit === '5',
        );
      },
      "the callee's digit",
      5000,
    );
    expect(h.stepErrors).toEqual([]);
    expect(h.events.map((e) => `${e.node}: ${e.text}`)).toEqual(
      expect.arrayContaining([
        'alice: step: dtmf 12',
        'alice: media: DTMF 12 (RFC 4733 telephone-event/101, 100 ms each)',
        'alice: media: DTMF 9# (SIP INFO application/dtmf-relay)',
      ]),
    );
  }, 30_000);

  it('a step that cannot be done is a step error saying why', async () => {
    const [pa, pb] = [await freePort('127.0.46.6'), await freePort('127.0.46.7')];
    const h = await startLab(
      parseLab(`
name: dtmf-refused
description: RFC 4733 in a call without telephone-event, and a key before any call
nodes:
  - { name: alice, role: ua, address: "127.0.46.6:${pa}", aor: "sip:alice@127.0.46.6", mediaPort: 46400 }
  - { name: vm, role: ua, address: "127.0.46.7:${pb}", aor: "sip:vm@127.0.46.7", answer: { after: 0.05s }, mediaPort: 46500, codecs: [PCMU] }
steps:
  - { at: 0.01s, node: alice, action: dtmf, digits: '1' }
  - { at: 0.05s, node: alice, action: call, to: "sip:vm@127.0.46.7:${pb}" }
  - { at: 0.5s, node: alice, action: dtmf, digits: '2', method: rfc4733 }
`),
    );
    handles.push(h);
    await until(() => h.stepErrors.length === 2, 'two step errors', 10_000);
    expect(h.stepErrors[0]).toBe('alice: dtmf: alice has no answered call');
    expect(h.stepErrors[1]).toMatch(
      /^alice: dtmf: the call \S+ did not agree telephone-event \(RFC 4733\): send SIP INFO$/,
    );
  }, 30_000);
});
