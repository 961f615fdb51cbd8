/**
 * DTMF: RFC 4733 events in RTP (rtp-event.ts) against tshark's `rtpevent.*` fields on the public
 * captures, the edge cases on built captures (redundant end packets, volume, a long event whose
 * timestamp wraps, a malformed payload, the cap, reordering, an audio codec on a dynamic type), and
 * the INFO/KPML bodies (dtmf.ts).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeTrace, compileFilter, filterMessages } from '../../../src/sip-core/analysis';
import { mediaJson } from '../../../src/sip-core/media/media-json';
import { bodyDigits, messageDigits, traceDtmf } from '../../../src/sip-core/media/dtmf';
import { parseMessage } from '../../../src/sip-core/message';
import { dtmfSentences } from '../../../src/shared/dtmf';
import { dtmfFrequencies, eventName, MAX_EVENTS } from '../../../src/sip-core/media/rtp-event';
import { decodeStream, RtpPacketList } from '../../../src/sip-core/media/rtp-audio';
import { ingestBytes } from '../../../src/sip-core/trace/trace-builder';
import { toTraceJson } from '../../../src/sip-core/trace/trace-json';
import { requirePeer } from '../../helpers/peers';
import { tsharkEvents } from '../../helpers/rtp-tshark';
import { mediaCallFrames, timedPcap } from '../../helpers/rtp-capture';
import { digitPackets, dtmfCapture, eventPayload, type EventPacket } from '../../helpers/dtmf-capture';
import { havePublic, ingestFile, PUBLIC_CAPTURES } from '../capture/tshark-compare';

const tshark = requirePeer('tshark');

const dtmfCall = (p: EventPacket[], pt = 101): Uint8Array => dtmfCapture(p, [], pt);
const ev = eventPayload;
const digit = digitPackets;

function events(bytes: Uint8Array) {
  const r = ingestBytes(bytes, 'dtmf.pcap');
  analyzeTrace(r.trace);
  const m = mediaJson(r.trace)!;
  return { trace: r.trace, streams: m.streams, ev: m.streams.find((s) => s.events)?.events };
}

describe('RFC 4733 events in RTP (built captures)', () => {
  it('folds updates and the three redundant end packets into one event per digit', () => {
    const { ev: e, streams } = events(
      dtmfCall([...digit(1, 0, 8000), ...digit(11, 400_000, 16000, 20), ...digit(16, 800_000, 24000)]),
    );
    expect(e).toBeDefined();
    expect(e!.payloadType).toBe(101);
    expect(e!.list.map((x) => x.event)).toEqual(['1', '#', 'flash']);
    const first = e!.list[0]!;
    expect(first).toMatchObject({ code: 1, timestamp: 8000, durationMs: 200, volume: 10, ended: true });
    expect(first.packets).toBe(7);
    expect(first.endPackets).toBe(3);
    expect(e!.list[1]!.volume).toBe(20);
    expect(e!.malformed).toBe(0);
    // The PCMA stream of the callee has no events.
    expect(streams.filter((s) => s.events).length).toBe(1);
  });

  it('joins a long event across its segments, the timestamp wrapping (§2.5.1.3)', () => {
    const ts0 = 0xffff_0000;
    const pk: EventPacket[] = [
      { us: 0, ts: ts0, payload: ev(5, false, 0, 0), marker: true },
      { us: 4_000_000, ts: ts0, payload: ev(5, false, 0, 32000) },
      { us: 8_190_000, ts: ts0, payload: ev(5, false, 0, 0xffff) },
      // The next segment: timestamp + 0xFFFF, past 2^32.
      { us: 8_200_000, ts: (ts0 + 0xffff) >>> 0, payload: ev(5, false, 0, 800) },
      { us: 8_300_000, ts: (ts0 + 0xffff) >>> 0, payload: ev(5, true, 0, 1600) },
      { us: 8_301_000, ts: (ts0 + 0xffff) >>> 0, payload: ev(5, true, 0, 1600) },
    ];
    const { ev: e } = events(dtmfCall(pk));
    expect(e!.list).toHaveLength(1);
    expect(e!.list[0]).toMatchObject({ event: '5', segments: 2, ended: true, packets: 6, endPackets: 2 });
    expect(e!.list[0]!.durationMs).toBe(((0xffff + 1600) / 8000) * 1000);
  });

  it('flags a malformed event payload, never throws, and counts a late packet in its event', () => {
    const pk = [
      ...digit(2, 0, 8000),
      { us: 300_000, ts: 12000, payload: Buffer.from([3, 0, 0]) },
      ...digit(3, 400_000, 16000),
    ];
    // A late update of the first digit after the second started.
    pk.push({ us: 450_000, ts: 8000, payload: ev(2, true, 10, 1600) });
    const { ev: e } = events(dtmfCall(pk));
    expect(e!.list.map((x) => x.event)).toEqual(['2', '3']);
    expect(e!.list[0]!.packets).toBe(8);
    expect(e!.malformed).toBe(1);
    expect(e!.malformedFrame).toBeGreaterThan(0);
  });

  it(`keeps at most ${MAX_EVENTS} events per stream and counts the rest`, () => {
    const pk: EventPacket[] = [];
    for (let i = 0; i < MAX_EVENTS + 10; i++)
      pk.push({ us: i * 1000, ts: 1000 + i * 2000, payload: ev(i % 16, true, 5, 800), marker: true });
    const { ev: e } = events(dtmfCall(pk));
    expect(e!.list).toHaveLength(MAX_EVENTS);
    expect(e!.dropped).toBe(10);
  });

  it('reports no events for a dynamic audio codec (the SDP does not say telephone-event)', () => {
    const bytes = timedPcap(
      mediaCallFrames({
        dynamic: [111, 'opus/48000/2'],
        forward: { packets: 60, pt: 111, step: 960 },
        reverse: { packets: 60, pt: 111, step: 960 },
      }),
    );
    const { streams, trace } = events(bytes);
    expect(streams.some((s) => s.events)).toBe(false);
    // The tracker gave up decoding the 160-octet payloads as events.
    expect(trace.media!.streams.some((s) => s.events)).toBe(false);
  });

  it('puts the digits in the call: JSON calls[].dtmf and the sentence', () => {
    const { trace } = events(dtmfCall([...digit(1, 0, 8000), ...digit(2, 400_000, 16000)]));
    const j = toTraceJson(trace);
    const call = j.calls[0] as { id: string; start: number; dtmf?: { digit: string; direction: string }[] };
    expect(call.dtmf?.map((d) => d.digit)).toEqual(['1', '2']);
    expect(call.dtmf?.[0]?.direction).toBe('forward');
    const d = traceDtmf(trace).get(call.id)!;
    expect(dtmfSentences(d, call.start)).toEqual(['caller pressed 1 2 at 00:00.2 (RTP events (RFC 4733))']);
  });
});

describe('SIP INFO digits in a call', () => {
  it("places the callee's INFO digits among the caller's RTP events, a retransmitted INFO once", () => {
    const r = ingestBytes(
      dtmfCapture(
        [...digitPackets(1, 0, 8000), ...digitPackets(2, 600_000, 16000)],
        [
          { us: 300_000, digit: '9' },
          { us: 900_000, digit: '#' },
        ],
      ),
      'dtmf-info.pcap',
    );
    analyzeTrace(r.trace);
    const [call] = [...traceDtmf(r.trace).values()];
    expect(call!.map((d) => `${d.digit} ${d.method} ${d.direction}`)).toEqual([
      '1 rtp-event forward',
      '9 info reverse',
      '2 rtp-event forward',
      '# info reverse',
    ]);
    expect(call![1]!.durationMs).toBe(160);
    expect(call![1]!.messageId).toBeGreaterThan(0);
  });
});

describe('filter fields call.dtmf, call.dtmf.method', () => {
  it('finds the call by its digits, for its messages and as a call', () => {
    const r = ingestBytes(
      dtmfCapture(
        [...digitPackets(1, 0, 8000), ...digitPackets(2, 600_000, 16000)],
        [{ us: 300_000, digit: '9' }],
      ),
      'dtmf-filter.pcap',
    );
    const a = analyzeTrace(r.trace);
    const ids = (expr: string): number[] => {
      const f = filterMessages(a, expr);
      if (!f.ok) throw new Error(f.error.message);
      return f.ids;
    };
    expect(ids('call.dtmf == "192"')).toHaveLength(r.trace.count);
    expect(ids('call.dtmf contains "92"')).toHaveLength(r.trace.count);
    expect(ids('call.dtmf contains "3"')).toEqual([]);
    expect(ids('call.dtmf.method == "info"')).toHaveLength(r.trace.count);
    const c = compileFilter('call.dtmf contains "19" && call.dtmf.method == "rtp-event"');
    expect(c.ok && c.filter.matchCall(a, a.callRoots()[0]!)).toBe(true);
  });
});

describe('event names and tones', () => {
  it('names the RFC 4733 §3.2 codes and gives the Q.23 pairs', () => {
    expect([0, 9, 10, 11, 12, 15, 16, 32].map(eventName)).toEqual([
      '0',
      '9',
      '*',
      '#',
      'A',
      'D',
      'flash',
      'event 32',
    ]);
    expect(dtmfFrequencies(1)).toEqual([697, 1209]);
    expect(dtmfFrequencies(0)).toEqual([941, 1336]);
    expect(dtmfFrequencies(11)).toEqual([941, 1477]);
    expect(dtmfFrequencies(15)).toEqual([941, 1633]);
    expect(dtmfFrequencies(16)).toBeNull();
  });
});

describe('INFO and KPML bodies', () => {
  const b = (s: string): Uint8Array => new TextEncoder().encode(s);
  it('reads application/dtmf-relay, application/dtmf and KPML digits', () => {
    expect(bodyDigits('application/dtmf-relay', b('Signal= 1\r\nDuration= 180\r\n'))).toEqual({
      method: 'info',
      digits: [{ digit: '1', durationMs: 180 }],
    });
    expect(bodyDigits('Application/DTMF-Relay; x=y', b('Signal=#\r\n'))!.digits[0]).toEqual({
      digit: '#',
      durationMs: null,
    });
    expect(bodyDigits('application/dtmf-relay', b('Signal=10\r\nDuration=100\r\n'))!.digits[0]!.digit).toBe(
      '*',
    );
    expect(bodyDigits('application/dtmf', b('5'))!.digits[0]!.digit).toBe('5');
    expect(
      bodyDigits(
        'application/kpml-response+xml',
        b('<?xml version="1.0"?><kpml-response version="1.0" code="200" text="OK" digits="12#" tag="x"/>'),
      ),
    ).toEqual({
      method: 'kpml',
      digits: ['1', '2', '#'].map((digit) => ({ digit, durationMs: null })),
    });
  });
  it('says nothing of other or broken bodies', () => {
    expect(bodyDigits('application/sdp', b('v=0\r\n'))).toBeNull();
    expect(bodyDigits('application/dtmf-relay', b('Signal=\r\n'))).toBeNull();
    expect(bodyDigits('application/dtmf-relay', b('Signal=xyz'))).toBeNull();
    expect(bodyDigits('application/dtmf', new Uint8Array(0))).toBeNull();
    expect(bodyDigits(null, b('Signal=1'))).toBeNull();
    expect(bodyDigits('application/kpml-response+xml', b('<kpml-response code="487"/>'))).toBeNull();
  });
});

describe('the digits of one message (the rows of the lists and the ladder)', () => {
  const msg = (start: string, type: string | null, body: string) =>
    parseMessage(
      new TextEncoder().encode(
        `${start}\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKx\r\nFrom: <sip:a@x>;tag=1\r\nTo: <sip:b@x>;tag=2\r\n` +
          `Call-ID: c\r\nCSeq: 2 ${start.split(' ')[0]}\r\n${type ? `Content-Type: ${type}\r\n` : ''}` +
          `Content-Length: ${body.length}\r\n\r\n${body}`,
      ),
    );
  it("names an INFO's digit and a KPML NOTIFY's digits", () => {
    expect(
      messageDigits(msg('INFO sip:b@x SIP/2.0', 'application/dtmf-relay', 'Signal=5\r\nDuration=160\r\n')),
    ).toBe('5');
    expect(messageDigits(msg('INFO sip:b@x SIP/2.0', 'application/dtmf', '#'))).toBe('#');
    expect(
      messageDigits(
        msg(
          'NOTIFY sip:b@x SIP/2.0',
          'application/kpml-response+xml',
          '<kpml-response version="1.0" code="200" digits="12*"/>',
        ),
      ),
    ).toBe('1 2 *');
  });
  it('is null for other messages, and does not read their bodies', () => {
    expect(messageDigits(msg('INFO sip:b@x SIP/2.0', 'application/dtmf-relay', ''))).toBeNull();
    expect(messageDigits(msg('INFO sip:b@x SIP/2.0', 'application/broadsoft', 'event flashhook'))).toBeNull();
    expect(messageDigits(msg('MESSAGE sip:b@x SIP/2.0', 'application/dtmf', '5'))).toBeNull();
    expect(messageDigits(msg('SIP/2.0 200 OK', 'application/dtmf', '5'))).toBeNull();
  });
});

describe.skipIf(!havePublic)('public captures', () => {
  it('ws__DTMFsipinfo: the four INFO digits, caller to callee', () => {
    const r = ingestFile(join(PUBLIC_CAPTURES, 'ws__DTMFsipinfo.pcap'));
    analyzeTrace(r.trace);
    const all = [...traceDtmf(r.trace).values()].flat();
    expect(all.map((d) => d.digit).join('')).toBe('1342');
    expect(all.every((d) => d.method === 'info' && d.direction === 'forward' && d.durationMs === 180)).toBe(
      true,
    );
  });
});

describe.skipIf(!tshark || !havePublic)('RFC 4733 events = tshark rtpevent.* (public captures)', () => {
  // The FAX capture's telephone-event is PT 102, which tshark decodes as events only when told (its
  // default is 101 and 96 through the SDP it saw; it names 102 "RTPType-102": rtp-tshark.test.ts).
  it.each([
    ['ws__SIP_DTMF2.cap', 7, []],
    ['ndpi__FAX-Call-t38-CA-TDM-SIP-FB-1.pcap', 1, ['-o', 'rtpevent.event_payload_type_value:102']],
  ])('%s (%i events on the telephone-event type)', (name, n, extra) => {
    const file = join(PUBLIC_CAPTURES, name);
    const r = ingestFile(file);
    analyzeTrace(r.trace);
    const theirs = tsharkEvents(tshark!, file, extra as string[]);
    let compared = 0;
    for (const s of mediaJson(r.trace)!.streams) {
      if (!s.events) continue;
      for (const e of s.events.list) {
        const t = theirs.get(`${Number(s.ssrc)}|${e.timestamp}`);
        expect(t, `${s.ssrc} ${e.timestamp}`).toBeDefined();
        expect(e.code).toBe(t!.code);
        expect(e.ended).toBe(t!.end);
        expect(Math.round((e.durationMs * s.events.clockRate) / 1000)).toBe(t!.duration);
        expect(e.packets).toBe(t!.packets);
        compared++;
      }
    }
    expect(compared).toBe(n);
  });
});

/** Goertzel power of `f` Hz in `x` (normalised), to tell which tones a stretch of samples holds. */
function power(x: Int16Array, f: number, rate: number): number {
  const w = (2 * Math.PI * f) / rate;
  const c = 2 * Math.cos(w);
  let s1 = 0;
  let s2 = 0;
  for (const v of x) {
    const s0 = v / 32768 + c * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return (s1 * s1 + s2 * s2 - c * s1 * s2) / (x.length * x.length);
}

describe('hearing the events: DTMF tones in the decoded audio', () => {
  const map = new Map([
    [0, { name: 'PCMU', rate: 8000 }],
    [101, { name: 'telephone-event', rate: 8000 }],
  ]);
  const silence = new Uint8Array(160).fill(0xff); // µ-law 0xFF: 0
  /** PCMU packets at ts 0..(n-1)×160, minus those in `gap`, and one event (5, 800 units) at ts `at`. */
  function stream(gap: (i: number) => boolean, at: number): RtpPacketList {
    const l = new RtpPacketList();
    let seq = 1;
    for (let i = 0; i < 20; i++) {
      if (i * 160 === at)
        for (const [dur, end] of [
          [400, false],
          [800, true],
          [800, true],
          [800, true],
        ] as const) {
          const p = eventPayload(5, end, 6, dur);
          l.add(seq++, at, 101, dur === 400, i * 20_000, p, 0, 4);
        }
      if (!gap(i)) l.add(seq++, i * 160, 0, false, i * 20_000, silence, 0, 160);
    }
    return l;
  }

  it('plays the event as 770 + 1336 Hz (digit 5) where the sender paused its audio, silence elsewhere', () => {
    // Audio paused for packets 5..9 (800 samples from ts 800): the event fills that time.
    const d = decodeStream(
      stream((i) => i >= 5 && i < 10, 800),
      map,
    );
    expect(d.ok).toBe(true);
    if (!d.ok) return;
    expect(d.audio.tones).toBe(1);
    const tone = d.audio.pcm.subarray(800, 1600);
    expect(power(tone, 770, 8000)).toBeGreaterThan(0.01);
    expect(power(tone, 1336, 8000)).toBeGreaterThan(0.01);
    expect(power(tone, 697, 8000)).toBeLessThan(0.001);
    expect(power(tone, 1209, 8000)).toBeLessThan(0.001);
    expect(d.audio.pcm.subarray(0, 800).every((v) => v === 0)).toBe(true);
    expect(d.audio.pcm.subarray(1600).every((v) => v === 0)).toBe(true);
  });

  it('does not add a tone where the audio packets go on (their content wins: no doubled DTMF)', () => {
    const d = decodeStream(
      stream(() => false, 800),
      map,
    );
    expect(d.ok && d.audio.pcm.every((v) => v === 0)).toBe(true);
  });

  it('plays a stream of events alone (SIPp sends its DTMF on a stream of its own)', () => {
    const l = new RtpPacketList();
    digitPackets(1, 0, 8000).forEach((p, i) => l.add(100 + i, p.ts, 101, !!p.marker, p.us, p.payload, 0, 4));
    const d = decodeStream(l, map);
    expect(d.ok).toBe(true);
    if (!d.ok) return;
    expect(d.audio.codec).toBe('telephone-event');
    expect(d.audio.pcm.length).toBe(1600);
    expect(power(d.audio.pcm, 697, 8000)).toBeGreaterThan(0.01);
    expect(power(d.audio.pcm, 1209, 8000)).toBeGreaterThan(0.01);
  });
});
