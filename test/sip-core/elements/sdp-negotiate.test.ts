/**
 * RFC 3264 §6.1 in the phones' SDP (src/sip-core/elements/ua/sdp.ts and the UA): an answer lists the
 * offered formats the phone has, in the offer's order with the offer's payload types; both sides
 * send its first codec; an offer with none of the phone's codecs gets 488 with Warning 305 (RFC 3261
 * §13.3.1.3). In the simulator: the SDP each phone sends and the payload type of its RTP burst.
 */
import { describe, expect, it } from 'vitest';
import { Simulation, type Scenario } from '../../../src/sip-core/sim';
import {
  PCMU_ONLY,
  buildSdp,
  negotiate,
  offerMedia,
  readSdp,
  type PhoneCodec,
} from '../../../src/sip-core/elements/ua/sdp';

const LAB = offerMedia(['PCMU', 'PCMA', 'telephone-event']);

function offer(m: string, attrs: string[] = []): string {
  return ['v=0', 'o=x 1 1 IN IP4 192.0.2.1', 's=-', 'c=IN IP4 192.0.2.1', 't=0 0', m, ...attrs, ''].join(
    '\r\n',
  );
}

describe('negotiate (RFC 3264 §6.1)', () => {
  it('answers a PCMA-first offer with PCMA first, the offer’s telephone-event type and fmtp', () => {
    const sdp = readSdp(
      offer('m=audio 6000 RTP/AVP 8 0 96', [
        'a=rtpmap:8 PCMA/8000',
        'a=rtpmap:96 telephone-event/8000',
        'a=fmtp:96 0-15',
      ]),
    );
    const a = negotiate(sdp, LAB);
    expect(a.fmt).toBe('8 0 96');
    expect(a.codec).toEqual({ pt: 8, name: 'PCMA', rate: 8000, fmtp: null });
    expect(a.dtmf).toBe(96);
    expect(a.attrs).toBe(
      'a=rtpmap:8 PCMA/8000\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:96 telephone-event/8000\r\na=fmtp:96 0-15\r\n',
    );
    expect(negotiate(sdp, LAB)).toBe(a); // remembered on the summary
    // a PCMU-only phone answers PCMU alone (its own offer's object: the UA's SDP cache keeps it)
    expect(negotiate(sdp, PCMU_ONLY)).toBe(PCMU_ONLY);
  });

  it('drops what it does not have, keeps dynamic G.711 types by name, and rejects when nothing is left', () => {
    const g729 = readSdp(
      offer('m=audio 6000 RTP/AVP 18 97 101', ['a=rtpmap:97 PCMA/8000', 'a=rtpmap:101 telephone-event/8000']),
    );
    const a = negotiate(g729, LAB);
    expect(a.fmt).toBe('97 101');
    expect(a.codec?.pt).toBe(97);
    expect(a.attrs).toContain('a=fmtp:101 0-15\r\n'); // (no fmtp offered: events 0-15, RFC 4733 §2.4.1)
    const none = negotiate(
      readSdp(offer('m=audio 6000 RTP/AVP 18 101', ['a=rtpmap:101 telephone-event/8000'])),
      LAB,
    );
    expect(none.rejected).toBe(true);
    expect(none.codec).toBeNull();
    expect(
      buildSdp({
        user: 'b',
        sessionId: 1,
        version: 1,
        ip: '192.0.2.2',
        port: 4000,
        direction: 'sendrecv',
        media: none,
      }),
    ).toMatch(/^m=audio 0 RTP\/AVP 18\r$/m);
    expect(negotiate(readSdp(offer('m=audio 6000 RTP/AVP 0', ['a=rtpmap:0 PCMU/16000'])), LAB).rejected).toBe(
      true,
    );
    expect(negotiate(readSdp('garbage'), LAB).rejected).toBe(true);
  });

  it('reads the formats of the audio section only, and ignores what is not a payload type', () => {
    const s = readSdp(
      offer('m=audio 6000 RTP/AVP 0 8 1234 8', [
        'a=rtpmap:8 PCMA/8000',
        'm=video 6002 RTP/AVP 96',
        'a=rtpmap:96 H264/90000',
        'a=rtcp-mux',
      ]),
    );
    expect(s.formats.map((f) => `${f.pt} ${f.name}/${f.rate}`)).toEqual(['0 PCMU/8000', '8 PCMA/8000']);
    expect(s.rtcpMux).toBe(false);
  });
});

function scenario(alice: PhoneCodec[], bob?: PhoneCodec[], lateOffer = false): Scenario {
  return {
    name: 'codecs',
    description: 'one call, the phones’ codecs',
    network: { latency: '1ms' },
    nodes: [
      {
        name: 'Alice',
        role: 'ua',
        address: '192.0.2.10',
        aor: 'sip:alice@192.0.2.10',
        codecs: alice,
        lateOffer,
      },
      {
        name: 'Bob',
        role: 'ua',
        address: '192.0.2.40',
        aor: 'sip:bob@192.0.2.40',
        answer: { after: 0 },
        ...(bob ? { codecs: bob } : {}),
      },
    ],
    steps: [
      { at: 0, node: 'Alice', action: 'call', to: 'sip:bob@192.0.2.40' },
      { at: '1s', node: 'Alice', action: 'hangup' },
    ],
  };
}

function run(s: Scenario): { sip: string[]; rtp: { from: string; pt: number }[] } {
  const sim = new Simulation(s, { seed: 7 });
  sim.run();
  const text = (b: Uint8Array): string => Buffer.from(b).toString('latin1');
  return {
    sip: sim.sipPackets.map((p) => `${p.fromNode}: ${text(p.bytes)}`),
    rtp: sim.network.packets
      .filter((p) => p.kind === 'rtp')
      .map((p) => ({ from: p.fromNode, pt: p.bytes[1]! & 0x7f })),
  };
}

const mLine = (sip: string[], from: string, start: string): string | undefined =>
  sip
    .find((m) => m.startsWith(`${from}: ${start}`))
    ?.match(/^m=audio .*$/m)?.[0]
    .trimEnd();

describe('simulated phones’ codecs', () => {
  it('a phone of PCMU and PCMA answers a PCMA-first offer with PCMA first, and both send PCMA', () => {
    const r = run(scenario(['PCMA', 'PCMU'], ['PCMU', 'PCMA']));
    expect(mLine(r.sip, 'Alice', 'INVITE')).toBe('m=audio 49170 RTP/AVP 8 0');
    expect(mLine(r.sip, 'Bob', 'SIP/2.0 200 OK')).toBe('m=audio 49170 RTP/AVP 8 0');
    expect(r.rtp).toHaveLength(10);
    expect(new Set(r.rtp.map((p) => p.pt))).toEqual(new Set([8]));
  });

  it('a PCMU-only phone answers PCMU to a PCMA-first offer, and both send PCMU', () => {
    const r = run(scenario(['PCMA', 'PCMU']));
    expect(mLine(r.sip, 'Bob', 'SIP/2.0 200 OK')).toBe('m=audio 49170 RTP/AVP 0');
    expect(new Set(r.rtp.map((p) => p.pt))).toEqual(new Set([0]));
  });

  it('an offer of PCMA to a PCMU-only phone gets 488 with Warning 305, no ringing, no RTP', () => {
    const r = run(scenario(['PCMA']));
    const resp = r.sip.filter((m) => m.startsWith('Bob: SIP/2.0')).map((m) => m.slice(5, m.indexOf('\r')));
    expect(resp).toEqual(['SIP/2.0 488 Not Acceptable Here']);
    expect(r.sip.find((m) => m.startsWith('Bob: SIP/2.0 488'))).toMatch(
      /\r\nWarning: 305 192\.0\.2\.40(:5060)? "Incompatible media format"\r\n/,
    );
    expect(r.rtp).toHaveLength(0);
  });

  it('an offer in the 200 with none of the caller’s codecs: the ACK rejects the stream, then BYE', () => {
    const r = run(scenario(['PCMA'], ['PCMU'], true));
    expect(mLine(r.sip, 'Bob', 'SIP/2.0 200 OK')).toBe('m=audio 49170 RTP/AVP 0');
    expect(mLine(r.sip, 'Alice', 'ACK')).toBe('m=audio 0 RTP/AVP 0');
    expect(r.sip.some((m) => m.startsWith('Alice: BYE '))).toBe(true);
    expect(r.rtp).toHaveLength(0);
  });
});

describe('rtcp-mux in the phones’ SDP (RFC 5761 §5.1.1)', () => {
  const twoPhones = (alice: boolean, bob: boolean): Scenario => {
    const s = scenario(['PCMU'], ['PCMU']);
    s.nodes[0]!.rtcpMux = alice;
    s.nodes[1]!.rtcpMux = bob;
    return s;
  };
  const body = (sip: string[], from: string, start: string): string =>
    sip.find((m) => m.startsWith(`${from}: ${start}`))?.split('\r\n\r\n')[1] ?? '';

  it('offered by a phone that does it, answered by one that does too, not by one that does not', () => {
    const both = run(twoPhones(true, true)).sip;
    expect(body(both, 'Alice', 'INVITE')).toMatch(/^a=rtcp-mux\r$/m);
    expect(body(both, 'Bob', 'SIP/2.0 200 OK')).toMatch(/^a=rtcp-mux\r$/m);
    const bobNot = run(twoPhones(true, false)).sip;
    expect(body(bobNot, 'Alice', 'INVITE')).toMatch(/^a=rtcp-mux\r$/m);
    expect(body(bobNot, 'Bob', 'SIP/2.0 200 OK')).not.toMatch(/rtcp-mux/);
    const aliceNot = run(twoPhones(false, true)).sip;
    expect(body(aliceNot, 'Alice', 'INVITE')).not.toMatch(/rtcp-mux/);
    expect(body(aliceNot, 'Bob', 'SIP/2.0 200 OK')).not.toMatch(/rtcp-mux/);
  });
});
