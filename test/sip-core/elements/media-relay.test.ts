/**
 * The media relay's decisions (src/sip-core/elements/media-relay.ts), on a MemoryNetwork: the SDP
 * rewrite as rtpengine 10.5 writes it (c=, m=, a=rtcp, the direction, o= left alone; each expected
 * SDP below is what rtpengine answered to the same offer or answer over its ng protocol), sending to the SDP's address until a side's first packet and then to
 * where it came from (RTP and RTCP latched apart), the ports closed at the end, the bound (idle
 * sessions closed first, else the call refused), and ports the host cannot bind skipped.
 */
import { describe, expect, it } from 'vitest';
import { MediaRelay, relaySdp, sdpAddress, type RelayPort } from '../../../src/sip-core/elements/media-relay';
import { VirtualClock } from '../../../src/sip-core/stack/clock';
import { MemoryNetwork, type TransportAddress } from '../../../src/sip-core/stack/transport';

const RELAY = '10.0.0.1';
const udp = (host: string, port: number): TransportAddress => ({ host, port, transport: 'UDP' });
const sdp = (ip: string, port: number, extra = ''): string =>
  `v=0\r\no=- 1 1 IN IP4 ${ip}\r\ns=-\r\nc=IN IP4 ${ip}\r\nt=0 0\r\nm=audio ${port} RTP/AVP 0\r\n${extra}`;

function setup(opts: { maxSessions?: number; taken?: number[] } = {}) {
  const clock = new VirtualClock();
  const net = new MemoryNetwork(clock, 0, true);
  const logs: string[] = [];
  const open = new Set<number>();
  const relay = new MediaRelay(
    {
      address: RELAY,
      bind: (port): RelayPort | null => {
        if (opts.taken?.includes(port)) return null;
        const t = net.bind(udp(RELAY, port));
        open.add(port);
        return Object.assign(t, { close: () => open.delete(port) });
      },
      log: (t) => logs.push(t),
      now: () => clock.now(),
    },
    { maxSessions: opts.maxSessions ?? 8, logClose: true },
  );
  /** A phone's socket: what it received, from where. */
  const phone = (host: string, port: number) => {
    const t = net.bind(udp(host, port));
    const got: string[] = [];
    t.setListener({
      onMessage: (b, src) => got.push(`${new TextDecoder().decode(b)} from ${src.host}:${src.port}`),
    });
    return {
      t,
      got,
      send: (text: string, to: number) => t.send(new TextEncoder().encode(text), udp(RELAY, to)),
    };
  };
  return { clock, net, relay, logs, open, phone };
}

describe('the media relay', () => {
  it('rewrites both SDPs to its ports, sends to the SDP address until a side latches, RTCP apart', () => {
    const { clock, relay, logs, phone, open } = setup();
    const offer = relay.offer('c1', sdp('192.168.1.10', 4000, 'a=rtcp:4001\r\n'))!;
    expect(offer).toContain(`c=IN IP4 ${RELAY}`);
    expect(offer).toContain(`o=- 1 1 IN IP4 192.168.1.10`);
    expect(offer).toContain('m=audio 30002 RTP/AVP 0');
    expect(offer).toContain('a=rtcp:30003');
    const answer = relay.answer('c1', sdp('198.51.100.40', 5000))!;
    expect(answer).toContain('m=audio 30000 RTP/AVP 0');
    expect([...open].sort()).toEqual([30000, 30001, 30002, 30003]);
    // the caller is behind a NAT: its SDP says 192.168.1.10, its packets come from 203.0.113.5:20001
    const callerPriv = phone('192.168.1.10', 4000);
    const caller = phone('203.0.113.5', 20001);
    const callerRtcp = phone('203.0.113.5', 20002);
    const callee = phone('198.51.100.40', 5000);
    const calleeRtcp = phone('198.51.100.40', 5001);
    callee.send('b1', 30002); // before the caller's first packet: to its SDP's address
    clock.runUntilIdle();
    expect(callerPriv.got).toEqual([`b1 from ${RELAY}:30000`]);
    caller.send('a1', 30000);
    clock.runUntilIdle();
    expect(callee.got).toEqual([`a1 from ${RELAY}:30002`]);
    callee.send('b2', 30002);
    clock.runUntilIdle();
    expect(caller.got).toEqual([`b2 from ${RELAY}:30000`]);
    // RTCP: the callee's goes to the caller's SDP a=rtcp (on its SDP address, not where its RTP
    // latched: rtpengine's choice) until the caller's RTCP latches
    const callerPrivRtcp = phone('192.168.1.10', 4001);
    calleeRtcp.send('rb1', 30003);
    clock.runUntilIdle();
    expect(callerPrivRtcp.got).toEqual([`rb1 from ${RELAY}:30001`]);
    expect(callerPriv.got).toHaveLength(1);
    callerRtcp.send('ra1', 30001);
    calleeRtcp.send('rb2', 30003);
    clock.runUntilIdle();
    expect(calleeRtcp.got).toEqual([`ra1 from ${RELAY}:30003`]);
    expect(callerRtcp.got).toEqual([`rb2 from ${RELAY}:30001`]);
    expect(logs).toEqual([
      'media relay: callee latched at 198.51.100.40:5000',
      'media relay: caller latched at 203.0.113.5:20001',
      'media relay: callee RTCP latched at 198.51.100.40:5001',
      'media relay: caller RTCP latched at 203.0.113.5:20002',
    ]);
    expect(relay.info()).toEqual([
      {
        callId: 'c1',
        callerPort: `${RELAY}:30000`,
        calleePort: `${RELAY}:30002`,
        toCaller: '203.0.113.5:20001',
        toCallee: '198.51.100.40:5000',
        callerLatched: true,
        calleeLatched: true,
        fromCaller: 2,
        fromCallee: 4,
      },
    ]);
    relay.end('c1', 'BYE');
    expect(open.size).toBe(0);
    expect(relay.size).toBe(0);
    expect(logs.at(-1)).toBe(
      'media relay: call c1 closed (BYE): 2 packets from the caller, 4 from the callee relayed',
    );
    // a packet after the end goes nowhere
    const n = callee.got.length + caller.got.length;
    caller.send('late', 30000);
    clock.runUntilIdle();
    expect(callee.got.length + caller.got.length).toBe(n);
  });

  it("a re-INVITE from the callee: its offer goes to the caller with the caller side's port, the caller's answer back with the callee side's", () => {
    const { relay } = setup();
    // the call: the caller's offer (From-tag fa), the callee's answer (its response keeps From-tag fa)
    expect(relay.offer('c2', sdp('192.0.2.10', 4000), 'fa')).toContain('m=audio 30002 ');
    expect(relay.answer('c2', sdp('198.51.100.40', 5000), 'fa')).toContain('m=audio 30000 ');
    // the callee re-INVITEs (From-tag is its own, fb): it must keep sending to 30002, the caller to 30000
    expect(relay.offer('c2', sdp('198.51.100.40', 5002), 'fb')).toContain('m=audio 30000 ');
    expect(relay.answer('c2', sdp('192.0.2.10', 4002), 'fb')).toContain('m=audio 30002 ');
    // and where each side is sent to follows its own new SDP (neither has latched)
    expect(relay.info()[0]).toMatchObject({ toCaller: '192.0.2.10:4002', toCallee: '198.51.100.40:5002' });
    // the caller's own re-INVITE: as the first offer
    expect(relay.offer('c2', sdp('192.0.2.10', 4004), 'fa')).toContain('m=audio 30002 ');
  });

  it('is bounded: idle calls are closed first, else a call is refused; taken ports are skipped', () => {
    const { clock, relay, logs, open } = setup({ maxSessions: 2, taken: [30004] });
    expect(relay.offer('c1', sdp('192.0.2.1', 4000))).toContain('m=audio 30002 ');
    // 30004 cannot be bound and 30000 is c1's: within the bound (2 calls: ports 30000-30007) c2 has none
    expect(relay.offer('c2', sdp('192.0.2.2', 4000))).toBeNull();
    expect(logs.at(-1)).toBe('media relay: no free ports for call c2');
    const { relay: r2, logs: logs2, clock: clock2 } = setup({ maxSessions: 2 });
    expect(r2.offer('a', sdp('192.0.2.1', 4000))).toContain('m=audio 30002 ');
    expect(r2.offer('b', sdp('192.0.2.2', 4000))).toContain('m=audio 30006 ');
    expect(r2.offer('c', sdp('192.0.2.3', 4000))).toBeNull();
    expect(logs2.at(-1)).toBe('media relay: no ports for call c (2 calls relayed)');
    clock2.advanceBy(61_000_000);
    // past the idle time the old calls go, and the new one gets the ports (wrapped round)
    expect(r2.offer('c', sdp('192.0.2.3', 4000))).toContain('m=audio 30002 ');
    expect(
      logs2.filter((l) => l.endsWith('(idle): 0 packets from the caller, 0 from the callee relayed')),
    ).toHaveLength(2);
    expect(r2.size).toBe(1);
    r2.closeAll();
    expect(r2.size).toBe(0);
    expect(clock.now()).toBe(0);
    expect(open.size).toBe(4);
  });

  it('writes an IPv6 address as IP6 (c=) and reads an IPv6 SDP address', () => {
    const clock = new VirtualClock();
    const net = new MemoryNetwork(clock);
    const relay = new MediaRelay({
      address: 'fd00::1',
      bind: (port) => net.bind({ host: 'fd00::1', port, transport: 'UDP' }),
      log: () => undefined,
      now: () => clock.now(),
    });
    const v6 =
      'v=0\r\no=- 1 1 IN IP6 fd00::10\r\ns=-\r\nc=IN IP6 fd00::10\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\na=rtcp:4001 IN IP6 fd00::10\r\n';
    expect(relay.offer('c6', v6)).toBe(
      'v=0\r\no=- 1 1 IN IP6 fd00::10\r\ns=-\r\nc=IN IP6 fd00::1\r\nt=0 0\r\nm=audio 30002 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\na=rtcp:30003\r\n',
    );
    expect(relay.info()[0]!.toCaller).toBe('[fd00::10]:4000');
  });

  it('takes an SDP address only where packets can go: an IP literal and a port 1–65535', () => {
    const sdp = (c: string, m: string): string => `v=0\r\nc=IN ${c}\r\nm=audio ${m} RTP/AVP 0\r\n`;
    expect(sdpAddress(sdp('IP4 192.0.2.1', '4000'))).toEqual({
      host: '192.0.2.1',
      port: 4000,
      transport: 'UDP',
    });
    expect(sdpAddress(sdp('IP6 2001:db8::1', '65535'))?.host).toBe('2001:db8::1');
    // a declined stream (port 0, RFC 3264 §6), a port past 65535, a host name: nothing to send to
    expect(sdpAddress(sdp('IP4 192.0.2.1', '0'))).toBeNull();
    expect(sdpAddress(sdp('IP4 192.0.2.1', '70000'))).toBeNull();
    expect(sdpAddress(sdp('IP4 192.0.2.1', '123456'))).toBeNull();
    expect(sdpAddress(sdp('IP4 media.example.com', '4000'))).toBeNull();
    // hold the RFC 2543 way: no one to send to
    expect(sdpAddress(sdp('IP4 0.0.0.0', '4000'))).toBeNull();
  });

  it('learns as rtpengine: the latest source for 3 s after the first packet, then fixed; other sources still relayed', () => {
    const { clock, relay, logs, phone } = setup();
    relay.offer('c1', sdp('127.0.0.1', 47000));
    relay.answer('c1', sdp('127.0.0.1', 47100));
    const a1 = phone('127.0.0.1', 47000);
    const a2 = phone('127.0.0.1', 47010);
    const a3 = phone('127.0.0.1', 47020);
    const b = phone('127.0.0.1', 47100);
    const bSends = (): void => {
      b.send('b', 30002);
      clock.runUntilIdle();
    };
    const got = (): string => [a1, a2, a3].map((p) => p.got.splice(0).length).join('');
    // (the steps and outcomes of rtpengine 10.5 in the same test on real sockets)
    bSends();
    expect(got()).toBe('100'); // before the caller sent: its SDP's address
    a2.send('x', 30000);
    clock.runUntilIdle();
    bSends();
    expect(got()).toBe('010'); // latched on an unexpected source
    a1.send('x', 30000);
    clock.runUntilIdle();
    bSends();
    expect(got()).toBe('100'); // within 3 s: the latest source wins
    clock.advanceBy(3_500_000);
    a3.send('x', 30000);
    clock.runUntilIdle();
    expect(b.got.splice(0)).toHaveLength(3); // every packet relayed, from wherever it came
    bSends();
    expect(got()).toBe('001'); // the first packet after 3 s fixed the latch
    a1.send('x', 30000);
    clock.runUntilIdle();
    expect(b.got.splice(0)).toHaveLength(1); // still relayed…
    bSends();
    expect(got()).toBe('001'); // …but the latch stays
    expect(logs).toEqual([
      'media relay: callee latched at 127.0.0.1:47100',
      'media relay: caller latched at 127.0.0.1:47010',
      'media relay: caller re-latched at 127.0.0.1:47000 (was 127.0.0.1:47010)',
      'media relay: caller re-latched at 127.0.0.1:47020 (was 127.0.0.1:47000)',
    ]);
  });
});

describe('the SDP as rtpengine 10.5 passes it on (relaySdp)', () => {
  const S = (...l: string[]): string => l.map((x) => `${x}\r\n`).join('');
  /** The session part of the caller's SDPs below (10.1.1.1). */
  const A = ['v=0', 'o=a 1 1 IN IP4 10.1.1.1', 's=-', 'c=IN IP4 10.1.1.1', 't=0 0'];
  it('c= and m= to the relay, o= left, rtpmap per payload type, a direction and a=rtcp added', () => {
    const offer = S(
      'v=0',
      'o=alice 123 456 IN IP4 10.1.1.1',
      's=-',
      'c=IN IP4 10.1.1.1',
      't=0 0',
      'm=audio 49170 RTP/AVP 8 101',
      'a=rtpmap:8 PCMA/8000',
      'a=rtpmap:101 telephone-event/8000',
      'a=fmtp:101 0-15',
    );
    expect(relaySdp(offer, '127.0.0.1', 40000, false)).toBe(
      S(
        'v=0',
        'o=alice 123 456 IN IP4 10.1.1.1',
        's=-',
        'c=IN IP4 127.0.0.1',
        't=0 0',
        'm=audio 40000 RTP/AVP 8 101',
        'a=rtpmap:8 PCMA/8000',
        'a=rtpmap:101 telephone-event/8000',
        'a=fmtp:101 0-15',
        'a=sendrecv',
        'a=rtcp:40001',
      ),
    );
  });

  it("rtpengine's order: other attributes, codecs, direction, a=rtcp, a=rtcp-mux, a=ptime", () => {
    const offer = S(
      'v=0',
      'o=a 1 1 IN IP4 10.1.1.1',
      's=-',
      'c=IN IP4 10.1.1.1',
      'b=AS:64',
      't=0 0',
      'a=tool:foo',
      'm=audio 5000 RTP/AVP 0 8 101',
      'i=voice',
      'b=AS:80',
      'a=ptime:20',
      'a=rtpmap:0 PCMU/8000',
      'a=x-foo:bar',
      'a=rtpmap:101 telephone-event/8000',
      'a=fmtp:101 0-15',
      'a=sendonly',
      'a=rtcp:5001',
      'a=maxptime:40',
    );
    expect(relaySdp(offer, '127.0.0.1', 40000, false)).toBe(
      S(
        'v=0',
        'o=a 1 1 IN IP4 10.1.1.1',
        's=-',
        'c=IN IP4 127.0.0.1',
        'b=AS:64',
        't=0 0',
        'a=tool:foo',
        'm=audio 40000 RTP/AVP 0 8 101',
        'i=voice',
        'b=AS:80',
        'a=x-foo:bar',
        'a=maxptime:40',
        'a=rtpmap:0 PCMU/8000',
        'a=rtpmap:8 PCMA/8000',
        'a=rtpmap:101 telephone-event/8000',
        'a=fmtp:101 0-15',
        'a=sendonly',
        'a=rtcp:40001',
        'a=ptime:20',
      ),
    );
  });

  it('rtcp-mux: offered with a=rtcp on the port above, answered with a=rtcp on the RTP port', () => {
    const body = (port: number): string =>
      S(
        'v=0',
        'o=b 1 1 IN IP4 10.2.2.2',
        's=-',
        'c=IN IP4 10.2.2.2',
        't=0 0',
        `m=audio ${port} RTP/AVP 0`,
        'a=rtcp-mux',
      );
    const head = ['v=0', 'o=b 1 1 IN IP4 10.2.2.2', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0'];
    expect(relaySdp(body(6000), '127.0.0.1', 40022, false)).toBe(
      S(
        ...head,
        'm=audio 40022 RTP/AVP 0',
        'a=rtpmap:0 PCMU/8000',
        'a=sendrecv',
        'a=rtcp:40023',
        'a=rtcp-mux',
      ),
    );
    expect(relaySdp(body(6000), '127.0.0.1', 40040, true)).toBe(
      S(
        ...head,
        'm=audio 40040 RTP/AVP 0',
        'a=rtpmap:0 PCMU/8000',
        'a=sendrecv',
        'a=rtcp:40040',
        'a=rtcp-mux',
      ),
    );
  });

  it('an a=rtcp with an address becomes the relay port alone; c=0.0.0.0 (hold) stays; a stream-level c= and a session direction', () => {
    expect(
      relaySdp(S(...A, 'm=audio 5000 RTP/AVP 0', 'a=rtcp:49999 IN IP4 10.0.0.9'), '127.0.0.1', 40060, false),
    ).toContain('a=sendrecv\r\na=rtcp:40061\r\n');
    expect(
      relaySdp(
        S(
          'v=0',
          'o=a 1 1 IN IP4 0.0.0.0',
          's=-',
          'c=IN IP4 0.0.0.0',
          't=0 0',
          'm=audio 5000 RTP/AVP 0',
          'a=sendonly',
        ),
        '127.0.0.1',
        40000,
        false,
      ),
    ).toBe(
      S(
        'v=0',
        'o=a 1 1 IN IP4 0.0.0.0',
        's=-',
        'c=IN IP4 0.0.0.0',
        't=0 0',
        'm=audio 40000 RTP/AVP 0',
        'a=rtpmap:0 PCMU/8000',
        'a=sendonly',
        'a=rtcp:40001',
      ),
    );
    expect(
      relaySdp(
        S(
          'v=0',
          'o=a 1 1 IN IP4 10.1.1.1',
          's=-',
          't=0 0',
          'a=recvonly',
          'm=audio 5000 RTP/AVP 0',
          'c=IN IP4 10.1.1.1',
        ),
        '127.0.0.1',
        40030,
        false,
      ),
    ).toBe(
      S(
        'v=0',
        'o=a 1 1 IN IP4 10.1.1.1',
        's=-',
        't=0 0',
        'm=audio 40030 RTP/AVP 0',
        'c=IN IP4 127.0.0.1',
        'a=rtpmap:0 PCMU/8000',
        'a=recvonly',
        'a=rtcp:40031',
      ),
    );
  });

  it('ICE attributes removed; a declined stream and an SDP without audio left as they were', () => {
    const ice = relaySdp(
      S(
        ...A,
        'm=audio 5000 RTP/AVP 0',
        'a=rtpmap:0 PCMU/8000',
        'a=ice-ufrag:abcd',
        'a=ice-pwd:abcdefghijklmnopqrstuvwx',
        'a=candidate:1 1 UDP 2130706431 10.1.1.1 5000 typ host',
      ),
      '127.0.0.1',
      40058,
      false,
    );
    expect(ice).not.toMatch(/ice-|candidate/);
    const declined = S(...A, 'm=audio 0 RTP/AVP 0');
    expect(relaySdp(declined, '127.0.0.1', 40000, false)).toBe(declined);
    expect(relaySdp('not an SDP', '127.0.0.1', 40000, false)).toBe('not an SDP');
    // a second stream (video) is not relayed: only the audio stream's lines change
    const av = relaySdp(
      S(
        'v=0',
        'o=a 1 1 IN IP4 10.1.1.1',
        's=-',
        't=0 0',
        'm=audio 5000 RTP/AVP 0',
        'c=IN IP4 10.1.1.1',
        'm=video 5002 RTP/AVP 96',
        'c=IN IP4 10.1.1.1',
        'a=rtpmap:96 H264/90000',
      ),
      '127.0.0.1',
      40000,
      false,
    );
    expect(av).toContain('m=video 5002 RTP/AVP 96\r\nc=IN IP4 10.1.1.1\r\na=rtpmap:96 H264/90000\r\n');
  });
});
