/**
 * The lab's media sessions without SIP (src/main/live/lab-media.ts through the UA's LiveMedia hook):
 * bounded (a call past the limit gets no socket and port 0 in its SDP), a port per call (even,
 * RTCP above), closed when the call ends, and a peer's garbage SDP, port 0 or an unreachable
 * address never throws.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createSocket } from 'node:dgram';
import { LabMedia } from '../../../src/main/live/lab-media';
import { LiveTrace } from '../../../src/main/live/live-trace';
import type { Call, UserAgent } from '../../../src/sip-core/elements/ua/user-agent';
import { buildSdp } from '../../../src/sip-core/elements/ua/sdp';
import { until } from '../../interop/helpers/run-peers';

const open: { media: LabMedia; live: LiveTrace }[] = [];
afterEach(async () => {
  for (const o of open.splice(0)) {
    await o.media.close();
    o.live.close();
  }
});

function setup(max: number): { media: LabMedia; ua: UserAgent; log: string[] } {
  const live = new LiveTrace({ name: 'lab test', format: 'live-lab' });
  const log: string[] = [];
  const media = new LabMedia(live, (node, text) => log.push(`${node}: ${text}`), max);
  open.push({ media, live });
  const ua = {} as UserAgent; // (the hook is all the lab sets on it)
  media.attach(ua, { node: 'Alice', mode: 'auto', toneHz: 440 }, '127.0.38.2', 40000);
  return { media, ua, log };
}

function call(id: string, over: Partial<Call> = {}): Call {
  return {
    id,
    callId: `${id}@test`,
    direction: 'out',
    state: 'calling',
    remoteSdp: null,
    localDirection: 'sendrecv',
    ...over,
  } as Call;
}

describe('lab media sessions', () => {
  it('give each call its own even port, at most `max` at once, and free it when the call ends', async () => {
    const { media, ua, log } = setup(2);
    const [a, b, c] = [call('A'), call('B'), call('C')];
    expect(ua.liveMedia!.port(a)).toBe(40000);
    expect(ua.liveMedia!.port(a)).toBe(40000); // asked again: the same session
    expect(ua.liveMedia!.port(b)).toBe(40002);
    // past the limit: no socket, and port 0 in the SDP (the stream refused, RFC 3264 §6)
    expect(ua.liveMedia!.port(c)).toBe(0);
    expect(ua.liveMedia!.port(c)).toBe(0);
    expect(media.size).toBe(2);
    expect(media.info().refused).toBe(1);
    expect(log.some((l) => /no RTP socket for call C \(the lab has 2 open\)/.test(l))).toBe(true);
    a.state = 'terminated';
    ua.liveMedia!.changed(a);
    await until(() => media.size === 1, 'A closed');
    expect(ua.liveMedia!.port(call('D'))).toBe(40004);
  });

  it('take garbage SDP, port 0 and an unreachable peer without throwing; a held call sends nothing', async () => {
    const { media, ua } = setup(8);
    const bad = call('A', { state: 'confirmed', remoteSdp: 'v=0\r\nm=audio banana\r\n' });
    ua.liveMedia!.port(bad);
    ua.liveMedia!.changed(bad);
    const zero = call('B', { state: 'confirmed', remoteSdp: sdp('127.0.38.9', 0, 'sendrecv') });
    ua.liveMedia!.port(zero);
    ua.liveMedia!.changed(zero);
    // a peer that is not there (ICMP port unreachable on loopback)
    const gone = call('C', { state: 'confirmed', remoteSdp: sdp('127.0.38.9', 40990, 'sendrecv') });
    ua.liveMedia!.port(gone);
    ua.liveMedia!.changed(gone);
    // a peer that holds us (its offer sendonly, we answer recvonly)
    const held = call('D', {
      state: 'confirmed',
      localDirection: 'recvonly',
      remoteSdp: sdp('127.0.38.9', 40992, 'sendonly'),
    });
    ua.liveMedia!.port(held);
    ua.liveMedia!.changed(held);
    // a peer that listens
    const peer = createSocket('udp4');
    let got = 0;
    peer.on('message', () => got++);
    await new Promise<void>((r) => peer.bind(40994, '127.0.38.9', r));
    const good = call('E', { state: 'confirmed', remoteSdp: sdp('127.0.38.9', 40994, 'sendrecv') });
    ua.liveMedia!.port(good);
    ua.liveMedia!.changed(good);
    await until(() => got >= 10, 'ten packets at the listening peer', 3000);
    peer.close();
    const state = Object.fromEntries(media.info().sessions.map((s) => [s.callId, s.state]));
    expect(state).toEqual({
      'A@test': 'receiving',
      'B@test': 'receiving',
      'C@test': 'sending',
      'D@test': 'held',
      'E@test': 'sending',
    });
    expect(media.info().sessions.find((s) => s.callId === 'D@test')!.sent).toBe(0);
  });
});

function sdp(ip: string, port: number, direction: 'sendrecv' | 'sendonly'): string {
  return buildSdp({ user: 'peer', sessionId: 1, version: 1, ip, port, direction });
}
