/**
 * SDP — RFC 4566 / RFC 8866 §5, RFC 3264 direction rules, RFC 5118 §4.6/§4.8 IPv6 in SDP.
 */
import { describe, expect, it } from 'vitest';
import {
  effectiveConnection,
  effectiveDirection,
  isLegacyHold,
  mediaCodecs,
  parseSdp,
  parseSdpBytes,
} from '../../../../src/sip-core/message/sdp';
import { haveConformance, readTorture } from './torture';

const crlf = (lines: string[]) => lines.join('\r\n') + '\r\n';
const codes = (d: { diagnostics: { code: string }[] }) => d.diagnostics.map((x) => x.code);

/** RFC 8866 §5 example session description. */
const RFC_EXAMPLE = crlf([
  'v=0',
  'o=jdoe 3724394400 3724394405 IN IP4 198.51.100.1',
  's=Call to John Smith',
  'i=SDP Offer #1',
  'u=http://www.jdoe.example.com/home.html',
  'e=Jane Doe <jane@jdoe.example.com>',
  'p=+1 617 555-6011',
  'c=IN IP4 198.51.100.1',
  't=0 0',
  'm=audio 49170 RTP/AVP 0',
  'm=audio 49180 RTP/AVP 0',
  'm=video 51372 RTP/AVP 99',
  'c=IN IP6 2001:db8::2',
  'a=rtpmap:99 h263-1998/90000',
]);

/** A WebRTC-style offer. */
const WEBRTC = crlf([
  'v=0',
  'o=- 4611731400430051336 2 IN IP4 127.0.0.1',
  's=-',
  't=0 0',
  'a=group:BUNDLE 0 1',
  'a=fingerprint:sha-256 19:E2:1C:3B:4B:9F:81:E6:B8:5C:F4:A5:A8:D8:73:04:BB:05:2F:70:9F:04:A9:0E:05:E9:26:33:E8:70:88:A2',
  'a=ice-ufrag:ETEn',
  'a=ice-pwd:OtSK0WpNtpUjkY4+86js7ZQl',
  'm=audio 9 UDP/TLS/RTP/SAVPF 111 0 8 126',
  'c=IN IP4 0.0.0.0',
  'a=rtcp:9 IN IP4 0.0.0.0',
  'a=candidate:1467250027 1 udp 2122260223 192.168.0.196 46243 typ host generation 0',
  'a=candidate:435653019 1 tcp 1845501695 203.0.113.7 46243 typ srflx raddr 192.168.0.196 rport 46243 tcptype passive',
  'a=setup:actpass',
  'a=mid:0',
  'a=sendrecv',
  'a=rtcp-mux',
  'a=rtpmap:111 opus/48000/2',
  'a=fmtp:111 minptime=10;useinbandfec=1',
  'a=rtpmap:126 telephone-event/8000',
  'a=ssrc:3570614608 cname:4TOk42mSjXCkVIa6',
  'a=ssrc:3570614608 msid:lgsCFqt9kN2fVKw5wXltstrx4f0 35429d94',
  'a=ptime:20',
  'a=maxptime:60',
  'm=video 9 UDP/TLS/RTP/SAVPF 96',
  'c=IN IP4 0.0.0.0',
  'a=mid:1',
  'a=recvonly',
  'a=rtpmap:96 VP8/90000',
  'a=x-unknown-thing:42',
]);

describe('RFC 8866 §5 structure', () => {
  it('decodes every session-level field of the RFC example', () => {
    const d = parseSdp(RFC_EXAMPLE);
    expect(d.diagnostics).toEqual([]);
    const s = d.value!;
    expect(s.version).toBe(0);
    expect(s.origin).toEqual({
      username: 'jdoe',
      sessId: '3724394400',
      sessVersion: '3724394405',
      netType: 'IN',
      addrType: 'IP4',
      address: '198.51.100.1',
    });
    expect(s.sessionName).toBe('Call to John Smith');
    expect(s.information).toBe('SDP Offer #1');
    expect(s.uri).toBe('http://www.jdoe.example.com/home.html');
    expect(s.emails).toEqual(['Jane Doe <jane@jdoe.example.com>']);
    expect(s.phones).toEqual(['+1 617 555-6011']);
    expect(s.timings).toEqual([{ start: 0, stop: 0, repeats: [] }]);
    expect(s.media.map((m) => [m.media, m.port, m.proto, m.formats])).toEqual([
      ['audio', 49170, 'RTP/AVP', ['0']],
      ['audio', 49180, 'RTP/AVP', ['0']],
      ['video', 51372, 'RTP/AVP', ['99']],
    ]);
    expect(s.lines).toHaveLength(14);
  });
  it('media-level c= overrides the session-level one (RFC 8866 §5.7)', () => {
    const s = parseSdp(RFC_EXAMPLE).value!;
    expect(effectiveConnection(s, s.media[0]!)!.address).toBe('198.51.100.1');
    expect(effectiveConnection(s, s.media[2]!)).toMatchObject({ addrType: 'IP6', address: '2001:db8::2' });
  });
  it('codecs: static payload types from RFC 3551 and rtpmap', () => {
    const s = parseSdp(RFC_EXAMPLE).value!;
    expect(mediaCodecs(s.media[0]!)).toEqual([
      { payloadType: '0', encoding: 'PCMU', clockRate: 8000, channels: 1, fmtp: null, static: true },
    ]);
    expect(mediaCodecs(s.media[2]!)[0]).toMatchObject({
      encoding: 'h263-1998',
      clockRate: 90000,
      static: false,
    });
  });
  it('a format named like an object property is no static payload type (no crash)', () => {
    const d = parseSdp(
      'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nt=0 0\r\nm=audio 4000 RTP/AVP constructor toString 0\r\n',
    );
    expect(mediaCodecs(d.value!.media[0]!).map((c) => `${c.payloadType} ${c.encoding} ${c.static}`)).toEqual([
      'constructor constructor false',
      'toString toString false',
      '0 PCMU true',
    ]);
  });
  it('spans point at the lines in the text', () => {
    const s = parseSdp(RFC_EXAMPLE).value!;
    const l = s.lines[1]!;
    expect(RFC_EXAMPLE.slice(l.span.start, l.span.end)).toBe(
      'o=jdoe 3724394400 3724394405 IN IP4 198.51.100.1',
    );
    const m = s.media[2]!;
    expect(RFC_EXAMPLE.slice(m.span.start, m.span.end)).toBe(
      'm=video 51372 RTP/AVP 99\r\nc=IN IP6 2001:db8::2\r\na=rtpmap:99 h263-1998/90000',
    );
  });
});

describe('attributes', () => {
  const s = parseSdp(WEBRTC).value!;
  const [audio, video] = s.media as [NonNullable<(typeof s.media)[0]>, NonNullable<(typeof s.media)[0]>];
  it('decodes without diagnostics', () => expect(parseSdp(WEBRTC).diagnostics).toEqual([]));
  it('session-level group, fingerprint, ICE credentials', () => {
    expect(s.groups).toEqual([{ semantics: 'BUNDLE', mids: ['0', '1'] }]);
    expect(s.fingerprints[0]!.hash).toBe('sha-256');
    expect([s.iceUfrag, s.icePwd]).toEqual(['ETEn', 'OtSK0WpNtpUjkY4+86js7ZQl']);
  });
  it('rtpmap with channels, fmtp, ptime, maxptime', () => {
    expect(audio.rtpmaps[0]).toEqual({ payloadType: '111', encoding: 'opus', clockRate: 48000, channels: 2 });
    expect(audio.fmtps).toEqual([{ format: '111', params: 'minptime=10;useinbandfec=1' }]);
    expect([audio.ptime, audio.maxptime]).toEqual([20, 60]);
    expect(mediaCodecs(audio).map((c) => `${c.payloadType} ${c.encoding}/${c.clockRate}`)).toEqual([
      '111 opus/48000',
      '0 PCMU/8000',
      '8 PCMA/8000',
      '126 telephone-event/8000',
    ]);
  });
  it('rtcp (RFC 3605), rtcp-mux, mid, setup, ssrc (RFC 5576)', () => {
    expect(audio.rtcp).toEqual({ port: 9, netType: 'IN', addrType: 'IP4', address: '0.0.0.0' });
    expect(audio.rtcpMux).toBe(true);
    expect(audio.mid).toBe('0');
    expect(audio.setup).toBe('actpass');
    expect(audio.ssrcs.map((x) => [x.id, x.attribute])).toEqual([
      [3570614608, 'cname'],
      [3570614608, 'msid'],
    ]);
  });
  it('ICE candidates (RFC 8839 §5.1) with raddr/rport and extensions', () => {
    expect(audio.candidates[1]).toMatchObject({
      transport: 'tcp',
      address: '203.0.113.7',
      port: 46243,
      type: 'srflx',
      relAddr: '192.168.0.196',
      relPort: 46243,
    });
    expect(audio.candidates[1]!.extensions).toEqual([['tcptype', 'passive']]);
  });
  it('directions (RFC 3264 §5.1) and unknown attributes kept', () => {
    expect(effectiveDirection(s, audio)).toBe('sendrecv');
    expect(effectiveDirection(s, video)).toBe('recvonly');
    expect(video.attributes.at(-1)).toMatchObject({ name: 'x-unknown-thing', value: '42' });
  });
  it('crypto (RFC 4568 §9.1)', () => {
    const d = parseSdp(
      crlf([
        'v=0',
        'o=- 1 1 IN IP4 192.0.2.1',
        's=-',
        'c=IN IP4 192.0.2.1',
        't=0 0',
        'm=audio 4000 RTP/SAVP 0',
        'a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:32 KDR=1',
      ]),
    );
    expect(d.value!.media[0]!.crypto).toEqual([
      {
        tag: 1,
        suite: 'AES_CM_128_HMAC_SHA1_80',
        keyParams: 'inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:32',
        sessionParams: ['KDR=1'],
      },
    ]);
  });
});

describe('direction and hold', () => {
  const base = ['v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=-', 'c=IN IP4 192.0.2.1', 't=0 0'];
  it('session-level direction applies when the media has none', () => {
    const s = parseSdp(
      crlf([
        ...base.slice(0, 5),
        'a=sendonly',
        'm=audio 4000 RTP/AVP 0',
        'm=audio 4002 RTP/AVP 0',
        'a=inactive',
      ]),
    ).value!;
    expect(s.media.map((m) => effectiveDirection(s, m))).toEqual(['sendonly', 'inactive']);
  });
  it('port 0 means the stream is rejected → inactive (RFC 3264 §6)', () => {
    const s = parseSdp(crlf([...base, 'm=video 0 RTP/AVP 31'])).value!;
    expect(effectiveDirection(s, s.media[0]!)).toBe('inactive');
  });
  it('c=0.0.0.0 is the RFC 2543 hold convention', () => {
    const s = parseSdp(
      crlf(['v=0', 'o=- 1 2 IN IP4 192.0.2.1', 's=-', 'c=IN IP4 0.0.0.0', 't=0 0', 'm=audio 4000 RTP/AVP 0']),
    ).value!;
    expect(isLegacyHold(s, s.media[0]!)).toBe(true);
  });
  it('conflicting directions are flagged', () => {
    expect(codes(parseSdp(crlf([...base, 'm=audio 4000 RTP/AVP 0', 'a=sendonly', 'a=recvonly'])))).toEqual([
      'sdp-conflicting-direction',
    ]);
  });
});

describe('diagnostics (layer sdp)', () => {
  const ok = [
    'v=0',
    'o=- 1 1 IN IP4 192.0.2.1',
    's=-',
    'c=IN IP4 192.0.2.1',
    't=0 0',
    'm=audio 4000 RTP/AVP 0',
  ];
  const cases: Array<[string, string[], string]> = [
    ['missing v=', ok.slice(1), 'sdp-missing-version'],
    ['missing o=', [ok[0]!, ...ok.slice(2)], 'sdp-missing-origin'],
    ['missing s=', [...ok.slice(0, 2), ...ok.slice(3)], 'sdp-missing-session-name'],
    ['missing t=', [...ok.slice(0, 4), ok[5]!], 'sdp-missing-timing'],
    ['no c= anywhere', [...ok.slice(0, 3), ok[4]!, ok[5]!], 'sdp-missing-connection'],
    ['s= before o=', [ok[0]!, ok[2]!, ok[1]!, ...ok.slice(3)], 'sdp-bad-order'],
    [
      't= after c= in the wrong place (a= before c=)',
      [...ok.slice(0, 3), 'a=recvonly', ...ok.slice(3)],
      'sdp-bad-order',
    ],
    ['v=1', ['v=1', ...ok.slice(1)], 'sdp-bad-version'],
    ['o= with 5 fields', [ok[0]!, 'o=- 1 1 IN IP4', ...ok.slice(2)], 'sdp-bad-origin'],
    ['c= with 2 fields', [...ok.slice(0, 3), 'c=IN IP4', ...ok.slice(4)], 'sdp-bad-connection'],
    [
      'c= bad IPv4 literal',
      [...ok.slice(0, 3), 'c=IN IP4 300.1.1.1:5', ...ok.slice(4)],
      'sdp-bad-connection',
    ],
    [
      'IPv4 multicast without TTL',
      [...ok.slice(0, 3), 'c=IN IP4 224.2.1.1', ...ok.slice(4)],
      'sdp-multicast-no-ttl',
    ],
    [
      'bracketed IPv6 (RFC 5118 §4.6)',
      [...ok.slice(0, 3), 'c=IN IP6 [2001:db8::1]', ...ok.slice(4)],
      'sdp-ipv6-brackets',
    ],
    ['m= with bad port', [...ok.slice(0, 5), 'm=audio port RTP/AVP 0'], 'sdp-bad-media'],
    ['m= with no format', [...ok.slice(0, 5), 'm=audio 4000 RTP/AVP'], 'sdp-bad-media'],
    ['b= without value', [...ok.slice(0, 4), 'b=AS', ok[4]!, ok[5]!], 'sdp-bad-bandwidth'],
    ['t= with one field', [...ok.slice(0, 4), 't=0', ok[5]!], 'sdp-bad-timing'],
    ['not type=value', [...ok, 'garbage line'], 'sdp-bad-line'],
    ['space before "="', [...ok, 'a =rtpmap:0 PCMU/8000'], 'sdp-bad-line'],
    ['unknown type letter', [...ok, 'x=whatever'], 'sdp-unknown-line-type'],
    ['rtpmap without clock rate', [...ok, 'a=rtpmap:0 PCMU'], 'sdp-bad-attribute'],
    ['rtpmap without encoding', [...ok, 'a=rtpmap:0'], 'sdp-bad-attribute'],
    ['rtpmap for an absent payload type', [...ok, 'a=rtpmap:96 opus/48000/2'], 'sdp-rtpmap-unknown-format'],
    ['duplicate s=', [...ok.slice(0, 3), 's=again', ...ok.slice(3)], 'sdp-duplicate-line'],
    ['blank line inside', [...ok.slice(0, 3), '', ...ok.slice(3)], 'sdp-empty-line'],
    ['empty s=', [...ok.slice(0, 2), 's=', ...ok.slice(3)], 'sdp-empty-session-name'],
  ];
  for (const [why, lines, code] of cases) {
    it(`${why} → ${code}`, () => {
      const d = parseSdp(crlf(lines));
      expect(codes(d)).toContain(code);
      expect(d.value).not.toBeNull();
    });
  }
  it('an empty body gives sdp-empty and no value', () => {
    expect(parseSdp('')).toMatchObject({ value: null, diagnostics: [{ code: 'sdp-empty', layer: 'sdp' }] });
  });
  it('LF-only line endings are tolerated with an info note', () => {
    const d = parseSdp(ok.join('\n') + '\n');
    expect(d.diagnostics.map((x) => [x.code, x.severity])).toEqual([['sdp-lf-line-ending', 'info']]);
    expect(d.value!.media).toHaveLength(1);
  });
  it('every diagnostic carries layer "sdp" and an RFC reference', () => {
    const d = parseSdp('v=2\r\nm=audio x\r\nc=IN IP4\r\nfoo\r\n');
    expect(d.diagnostics.length).toBeGreaterThan(3);
    for (const x of d.diagnostics) {
      expect(x.layer).toBe('sdp');
      expect(x.rfc).toMatch(/^\d{4} §/);
    }
  });
  it('parseSdpBytes reports byte offsets within the buffer', () => {
    const prefix = 'HEADERS\r\n\r\n';
    const bytes = new TextEncoder().encode(prefix + crlf([...ok, 'x=1']));
    const d = parseSdpBytes(bytes, { start: prefix.length, end: bytes.length });
    const x = d.diagnostics.find((y) => y.code === 'sdp-unknown-line-type')!;
    expect(new TextDecoder().decode(bytes.subarray(x.span!.start, x.span!.end))).toBe('x=1');
  });
});

describe.skipIf(!haveConformance)('SDP bodies of the torture messages', () => {
  it('RFC 4475 §3.1.1.1 wsinv: two media, session-level c=', () => {
    const s = parseSdp(new TextDecoder('latin1').decode(readTorture('rfc4475/wsinv.dat').body));
    // "a=rtpmap:31 LPC" has no clock rate: kept, flagged as a warning only.
    expect(s.diagnostics.map((x) => [x.code, x.severity])).toEqual([['sdp-bad-attribute', 'warning']]);
    expect(s.value!.media.map((m) => [m.media, m.port, m.formats.join(' ')])).toEqual([
      ['audio', 49217, '0 12'],
      ['video', 3227, '31'],
    ]);
    expect(mediaCodecs(s.value!.media[1]!)[0]).toMatchObject({ encoding: 'LPC', clockRate: null });
  });
  it('RFC 5118 §4.6 ipv6-in-sdp: unbracketed IPv6 in o= and c=', () => {
    const d = parseSdp(new TextDecoder('latin1').decode(readTorture('rfc5118/crlf/ipv6-in-sdp.dat').body));
    expect(d.diagnostics).toEqual([]);
    expect(d.value!.origin!.addrType).toBe('IP6');
    expect(effectiveConnection(d.value!, d.value!.media[0]!)).toMatchObject({
      addrType: 'IP6',
      address: '2001:db8::20',
    });
  });
  it('RFC 5118 §4.8 mult-ip-in-sdp: per-media c= with IP4 and IP6, no session c=', () => {
    const d = parseSdp(new TextDecoder('latin1').decode(readTorture('rfc5118/crlf/mult-ip-in-sdp.dat').body));
    // "s=" is empty in the RFC's message: RFC 8866 §5.3 says it MUST NOT be (warning only).
    expect(d.diagnostics.map((x) => [x.code, x.severity])).toEqual([['sdp-empty-session-name', 'warning']]);
    expect(d.value!.connections).toEqual([]);
    expect(d.value!.media.map((m) => effectiveConnection(d.value!, m)!.addrType)).toEqual(['IP4', 'IP6']);
  });
  it('RFC 5118 §4.9 ipv4-mapped-ipv6 in SDP', () => {
    const d = parseSdp(
      new TextDecoder('latin1').decode(readTorture('rfc5118/crlf/ipv4-mapped-ipv6.dat').body),
    );
    expect(d.diagnostics.filter((x) => x.severity === 'error')).toEqual([]);
  });
});
