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
import { buildSdp, negotiate, offerMedia, readSdp } from '../../../src/sip-core/elements/ua/sdp';
import { until } from '../../interop/helpers/run-peers';

const open: { media: LabMedia; live: LiveTrace }[] = [];
afterEach(async () => {
  for (const o of open.splice(0)) {
    await o.media.close();
    o.live.close();
  }
});

function setup(
  max: number,
  rtcpMux = false,
  mode: 'auto' | 'tone' = 'auto',
): { media: LabMedia; ua: UserAgent; log: string[] } {
  const live = new LiveTrace({ name: 'lab test', format: 'live-lab' });
  const log: string[] = [];
  const media = new LabMedia(live, (node, text) => log.push(`${node}: ${text}`), max);
  open.push({ media, live });
  const ua = {} as UserAgent; // (the hook is all the lab sets on it)
  media.attach(ua, { node: 'Alice', mode, toneHz: 440, rtcpMux }, '127.0.38.2', 40000);
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

function sdp(ip: string, port: number, direction: 'sendrecv' | 'sendonly', rtcpMux = false): string {
  const media = offerMedia(['PCMU'], rtcpMux);
  return buildSdp({ user: 'peer', sessionId: 1, version: 1, ip, port, direction, media });
}

/** A UDP socket on `host:port` (null when the port is taken), and what it received. */
async function listen(host: string, port: number): Promise<{ got: Buffer[]; close(): void } | null> {
  const sock = createSocket('udp4');
  const got: Buffer[] = [];
  sock.on('message', (b) => got.push(b));
  const ok = await new Promise<boolean>((res) => {
    sock.once('error', () => res(false));
    sock.bind({ address: host, port, exclusive: true }, () => res(true));
  });
  if (!ok) sock.close();
  return ok ? { got, close: () => sock.close() } : null;
}

const isRtcp = (b: Buffer): boolean => b.length >= 8 && b[1]! >= 200 && b[1]! <= 204;

describe('rtcp-mux (RFC 5761)', () => {
  const LAB = offerMedia(['PCMU', 'PCMA', 'telephone-event'], true);

  it('answering an offer with rtcp-mux: no RTCP socket, RTCP to and from the peer’s one RTP port', async () => {
    const { media, ua } = setup(8, true, 'tone');
    // the peer muxes: one socket for its RTP and RTCP; nothing may come to the port above
    const peer = (await listen('127.0.38.9', 41000))!;
    const above = (await listen('127.0.38.9', 41001))!;
    const offer = sdp('127.0.38.9', 41000, 'sendrecv', true);
    const c = call('M', { direction: 'in', state: 'early', remoteSdp: offer });
    expect(ua.liveMedia!.port(c)).toBe(40000);
    c.state = 'confirmed';
    ua.liveMedia!.changed(c, negotiate(readSdp(offer), LAB));
    await until(() => peer.got.length >= 5, 'RTP at the peer', 3000);
    // our port above is free: the phone never opened it
    const ours = await listen('127.0.38.2', 40001);
    expect(ours).not.toBeNull();
    ours!.close();
    expect(media.info().sessions[0]!.rtcpMux).toBe(true);
    // the peer's sender report on our RTP port is RTCP, not an RTP packet received
    const sr = Buffer.alloc(28);
    sr[0] = 0x80;
    sr[1] = 200;
    sr.writeUInt16BE(6, 2);
    sr.writeUInt32BE(0x1234, 4);
    const from = createSocket('udp4');
    await new Promise<void>((r) => from.send(sr, 40000, '127.0.38.2', () => r()));
    from.close();
    await new Promise((r) => setTimeout(r, 100));
    expect(media.info().sessions[0]!.received).toBe(0);
    // the call ends: the RTCP BYE comes to the peer's RTP port (SR, SDES, BYE in one compound packet)
    c.state = 'terminated';
    ua.liveMedia!.changed(c, null);
    await until(() => media.size === 0, 'closed', 3000);
    await until(() => peer.got.some(isRtcp), 'RTCP at the peer’s RTP port', 3000);
    const bye = peer.got.find(isRtcp)!;
    expect([bye[1], bye.includes(203)]).toEqual([200, true]);
    expect(above.got).toHaveLength(0);
    peer.close();
    above.close();
  });

  it('offering it: the RTCP port is open until the answer; closed when the answer muxes, kept when not', async () => {
    const { media, ua } = setup(8, true);
    const a = call('A', { direction: 'out', state: 'calling' });
    const b = call('B', { direction: 'out', state: 'calling' });
    expect(ua.liveMedia!.port(a)).toBe(40000);
    expect(ua.liveMedia!.port(b)).toBe(40002);
    await new Promise((r) => setTimeout(r, 50));
    expect(await listen('127.0.38.2', 40001)).toBeNull(); // (the fallback, RFC 5761 §5.1.1)
    // A's answer muxes, B's does not (a peer without RFC 5761)
    const muxed = sdp('127.0.38.9', 41010, 'sendrecv', true);
    const plain = sdp('127.0.38.9', 41012, 'sendrecv');
    Object.assign(a, { state: 'confirmed', remoteSdp: muxed });
    Object.assign(b, { state: 'confirmed', remoteSdp: plain });
    ua.liveMedia!.changed(a, negotiate(readSdp(muxed), LAB));
    ua.liveMedia!.changed(b, negotiate(readSdp(plain), LAB));
    // A's RTCP port closes (bounded wait: the close is asynchronous)
    let freed: Awaited<ReturnType<typeof listen>> = null;
    for (let i = 0; i < 100 && !freed; i++) {
      freed = await listen('127.0.38.2', 40001);
      if (!freed) await new Promise((r) => setTimeout(r, 30));
    }
    expect(freed).not.toBeNull();
    freed!.close();
    expect(await listen('127.0.38.2', 40003)).toBeNull();
    expect(Object.fromEntries(media.info().sessions.map((s) => [s.callId, s.rtcpMux]))).toEqual({
      'A@test': true,
      'B@test': false,
    });
  });
});
