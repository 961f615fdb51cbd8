/**
 * Typed header decoders — RFC 3261 §20 and the extension RFCs cited per header.
 */
import { describe, expect, it } from 'vitest';
import { headerInfo } from '../../../../src/sip-core/message/headers/info';
import {
  decodeHeader,
  HEADER_INFO,
  parseAccept,
  parseAllow,
  parseAuthorization,
  parseContentLength,
  parseContentType,
  parseCSeq,
  parseCallId,
  parseEvent,
  parseExpires,
  parseMaxForwards,
  parseMinSE,
  parsePrivacy,
  parseRAck,
  parseReason,
  parseReplaces,
  parseRetryAfter,
  parseRSeq,
  parseSessionExpires,
  parseSubscriptionState,
  parseTimestamp,
  parseVia,
  parseWarning,
  parseWwwAuthenticate,
  authParam,
  TYPED_HEADERS,
} from '../../../../src/sip-core/message/headers';

const codes = (d: { diagnostics: { code: string }[] }) => d.diagnostics.map((x) => x.code);

describe('Via — RFC 3261 §20.42', () => {
  it('decodes sent-protocol, sent-by and the RFC 3261 / RFC 3581 parameters', () => {
    const d = parseVia(
      'SIP/2.0/UDP pc33.atlanta.com:5066;branch=z9hG4bK776asdhds;received=192.0.2.1;rport=5070;maddr=224.2.0.1;ttl=16;x',
    );
    expect(d.diagnostics).toEqual([]);
    expect(d.value![0]).toMatchObject({
      protocolName: 'SIP',
      protocolVersion: '2.0',
      transport: 'UDP',
      host: 'pc33.atlanta.com',
      port: 5066,
      branch: 'z9hG4bK776asdhds',
      received: '192.0.2.1',
      rport: 5070,
      maddr: '224.2.0.1',
      ttl: 16,
    });
    expect(d.value![0]!.params.at(-1)).toMatchObject({ name: 'x', value: null });
  });
  it('reads a valueless rport as true (RFC 3581 §3)', () => {
    expect(parseVia('SIP/2.0/UDP h;rport;branch=z9hG4bK1').value![0]!.rport).toBe(true);
  });
  it('accepts LWS around "/" and after "=" (RFC 4475 §3.1.1.1)', () => {
    const d = parseVia(
      'SIP  / 2.0  / TCP     spindle.example.com   ;  branch  =   z9hG4bK9ikj8  , SIP  /    2.0   / UDP  192.168.255.111   ; branch= z9hG4bK30239',
    );
    expect(d.diagnostics).toEqual([]);
    expect(d.value!.map((v) => [v.transport, v.host, v.branch])).toEqual([
      ['TCP', 'spindle.example.com', 'z9hG4bK9ikj8'],
      ['UDP', '192.168.255.111', 'z9hG4bK30239'],
    ]);
  });
  it('decodes IPv6 sent-by references and received with or without brackets (RFC 5118 §4.5, §4.7)', () => {
    const d = parseVia(
      'SIP/2.0/UDP [2001:db8::9:1]:6050;branch=z9hG4bKas3-111, SIP/2.0/UDP [2001:db8::1];received=2001:db8::9:255;branch=z9hG4bK1',
    );
    expect(d.value!.map((v) => [v.host, v.hostType, v.port, v.received])).toEqual([
      ['[2001:db8::9:1]', 'ipv6', 6050, null],
      ['[2001:db8::1]', 'ipv6', null, '2001:db8::9:255'],
    ]);
    expect(d.diagnostics).toEqual([]);
    const w = parseVia('SIP/2.0/UDP [2001:db8::9:1];branch=z9hG4bKas3;received=[2001:db8::9:255]');
    expect(codes(w)).toEqual(['via-received-brackets']);
    expect(w.value![0]!.received).toBe('[2001:db8::9:255]');
  });
  const flagged: Array<[string, string, string]> = [
    ['SIP/2.0/UDP 192.0.2.15;;,;,,', 'param-empty', 'RFC 4475 §3.1.2.1 extraneous separators'],
    ['SIP/2.0/UDP 192.0.2.15;;,;,,', 'via-bad-sent-protocol', 'RFC 4475 §3.1.2.1 extraneous separators'],
    [
      'SIP/2.0/UDP host;branch=z9hG4bK',
      'via-branch-cookie-only',
      'RFC 4475 §3.2.1 missing transaction identifier',
    ],
    ['SIP/2.0/UDP host', 'via-branch-missing', 'RFC 4475 §3.4.1 RFC 2543 syntax'],
    ['SIP/2.0/UDP host;branch=390skdjuw', 'via-branch-missing-cookie', 'RFC 3261 §8.1.1.7 magic cookie'],
    [
      'SIP/2.0/UNKNOWN t4.example.com;branch=z9hG4bKasd0f3en',
      'via-unknown-transport',
      'RFC 4475 §3.1.1.10 (info only)',
    ],
    ['SIP/2.0/UDP host:70000;branch=z9hG4bK1', 'via-bad-port', 'port above 65535'],
    ['SIP/2.0/UDP host;branch=z9hG4bK1;ttl=300', 'via-bad-ttl', 'ttl above 255'],
    ['SIP/2.0/UDP host;branch=z9hG4bK1;rport=x', 'via-bad-rport', 'non-numeric rport'],
    ['SIP/2.0 host;branch=z9hG4bK1', 'via-bad-sent-protocol', 'no transport'],
    ['SIP/2.0/UDP 2001:db8::1;branch=z9hG4bK1', 'uri-ipv6-without-brackets', 'RFC 5118 §4.2'],
    ['', 'header-empty', 'empty value'],
  ];
  for (const [value, code, why] of flagged) {
    it(`flags "${value}" with ${code} (${why})`, () => expect(codes(parseVia(value))).toContain(code));
  }
  it('the transports of RFC 4475 §3.1.1.10 decode without errors', () => {
    for (const t of ['UDP', 'SCTP', 'TLS', 'UNKNOWN', 'TCP']) {
      const d = parseVia(`SIP/2.0/${t} t.example.com;branch=z9hG4bKkdjuw`);
      expect(d.value![0]!.transport).toBe(t);
      expect(d.diagnostics.filter((x) => x.severity !== 'info')).toEqual([]);
    }
  });
});

describe('CSeq — RFC 3261 §20.16', () => {
  it('decodes number and method with leading zeros and folded LWS (RFC 4475 §3.1.1.1)', () => {
    expect(parseCSeq('0009 \r\n  INVITE')).toEqual({ value: { seq: 9, method: 'INVITE' }, diagnostics: [] });
  });
  it('keeps an unknown method as written (RFC 4475 §3.1.1.2)', () => {
    expect(parseCSeq("139122385 !interesting-Method0123456789_*+`.%indeed'~").value!.method).toBe(
      "!interesting-Method0123456789_*+`.%indeed'~",
    );
  });
  for (const [v, code] of [
    ['36893488147419103232 REGISTER', 'cseq-out-of-range'],
    ['4294967296 INVITE', 'cseq-out-of-range'],
    ['INVITE', 'cseq-invalid'],
    ['12', 'cseq-missing-method'],
    ['1 INVITE extra', 'header-trailing-garbage'],
  ] as const) {
    it(`flags "${v}" with ${code}`, () => expect(codes(parseCSeq(v))).toContain(code));
  }
  it('accepts 2^32-1 (RFC 3261 §8.1.1.5)', () => expect(parseCSeq('4294967295 ACK').diagnostics).toEqual([]));
});

describe('scalar headers', () => {
  const table: Array<[string, string, unknown, string[]]> = [
    ['max-forwards', '0068', 68, []],
    ['max-forwards', '300', 300, ['max-forwards-out-of-range']],
    ['max-forwards', 'abc', null, ['max-forwards-invalid']],
    ['expires', '3600', 3600, []],
    ['expires', '1' + '0'.repeat(100), 4294967295, ['expires-out-of-range']],
    ['content-length', '150', 150, []],
    ['content-length', '-999', null, ['content-length-negative']],
    ['content-length', '12a', 12, ['content-length-invalid']],
    ['rseq', '988789', 988789, []],
    ['rseq', '0', 0, ['rseq-out-of-range']],
    ['min-expires', '60', 60, []],
    ['call-id', ' a84b4c76e66710@pc33.atlanta.com ', 'a84b4c76e66710@pc33.atlanta.com', []],
    [
      'call-id',
      'intmeth.word%ZK-!.*_+\'@word`~)(><:\\/"][?}{',
      'intmeth.word%ZK-!.*_+\'@word`~)(><:\\/"][?}{',
      [],
    ],
    ['call-id', 'a b', 'a b', ['call-id-bad-char']],
    ['call-id', '', null, ['call-id-empty']],
  ];
  for (const [name, value, expected, diagCodes] of table) {
    it(`${name}: "${value.slice(0, 30)}" → ${String(expected)} ${diagCodes.join(',')}`, () => {
      const d = decodeHeader(name, value)!;
      expect(d.value).toEqual(expected);
      expect(codes(d)).toEqual(diagCodes);
    });
  }
  it('RAck — RFC 3262 §7.2', () => {
    expect(parseRAck('776656 1 INVITE')).toEqual({
      value: { rseq: 776656, cseq: 1, method: 'INVITE' },
      diagnostics: [],
    });
    expect(codes(parseRAck('776656 INVITE'))).toContain('rack-invalid');
  });
  it('Timestamp — RFC 3261 §20.38', () => {
    expect(parseTimestamp('54.20 0.5').value).toEqual({ time: '54.20', delay: '0.5' });
    expect(parseTimestamp('54').value).toEqual({ time: '54', delay: null });
    expect(codes(parseTimestamp('soon'))).toEqual(['timestamp-invalid']);
  });
  it('Retry-After — RFC 3261 §20.33: comment and duration', () => {
    expect(parseRetryAfter('18000;duration=3600').value).toMatchObject({
      seconds: 18000,
      duration: 3600,
      comment: null,
    });
    expect(parseRetryAfter("120 (I'm in a meeting)").value).toMatchObject({
      seconds: 120,
      comment: "I'm in a meeting",
    });
    expect(codes(parseRetryAfter('949302838503028349304023988'))).toEqual(['retry-after-out-of-range']);
  });
  it('Session-Expires and Min-SE — RFC 4028 §4–5', () => {
    expect(parseSessionExpires('4000;refresher=uac').value).toMatchObject({
      seconds: 4000,
      refresher: 'uac',
    });
    expect(codes(parseSessionExpires('4000;refresher=both'))).toEqual(['session-expires-bad-refresher']);
    expect(codes(parseSessionExpires('30'))).toEqual(['session-expires-too-small']);
    expect(parseMinSE('90').value).toMatchObject({ seconds: 90 });
  });
});

describe('media types — RFC 3261 §20.15, §20.1', () => {
  it('Content-Type with parameters, case-insensitive type', () => {
    const d = parseContentType(
      'Multipart/Signed;protocol="application/pkcs7-signature";micalg=sha1;boundary=boundary42',
    );
    expect(d.value).toMatchObject({ type: 'multipart', subtype: 'signed', mediaType: 'multipart/signed' });
    expect(d.value!.params.map((p) => [p.name, p.value])).toEqual([
      ['protocol', 'application/pkcs7-signature'],
      ['micalg', 'sha1'],
      ['boundary', 'boundary42'],
    ]);
  });
  it('flags a multipart type without boundary (RFC 2046 §5.1.1) and a type without subtype', () => {
    expect(codes(parseContentType('multipart/mixed'))).toEqual(['multipart-missing-boundary']);
    expect(codes(parseContentType('application'))).toEqual(['media-type-invalid']);
  });
  it('Accept: folded list (RFC 4475 §3.1.1.9), ranges and q', () => {
    const d = parseAccept(
      'application/sdp, application/pkcs7-mime,  multipart/mixed, multipart/signed, message/sip, message/sipfrag',
    );
    expect(d.value!.map((m) => m.mediaType)).toEqual([
      'application/sdp',
      'application/pkcs7-mime',
      'multipart/mixed',
      'multipart/signed',
      'message/sip',
      'message/sipfrag',
    ]);
    expect(parseAccept('*/*;q=0.1, text/*').value!.map((m) => m.mediaType)).toEqual(['*/*', 'text/*']);
    expect(parseAccept('').value).toEqual([]);
  });
});

describe('token lists', () => {
  it('Allow, Supported (may be empty), Require', () => {
    expect(parseAllow('INVITE, ACK,OPTIONS ,BYE').value).toEqual(['INVITE', 'ACK', 'OPTIONS', 'BYE']);
    expect(decodeHeader('supported', '')!.value).toEqual([]);
    expect(codes(decodeHeader('require', '')!)).toEqual(['header-empty']);
    expect(decodeHeader('proxy-require', 'noProxyExtension, foo')!.value).toEqual([
      'noProxyExtension',
      'foo',
    ]);
  });
  it('flags empty elements and non-tokens', () => {
    expect(codes(parseAllow('INVITE,,BYE'))).toEqual(['list-element-empty']);
    expect(codes(parseAllow('INVITE, <BYE>'))).toEqual(['list-bad-element']);
  });
  it('Privacy is ";"-separated (RFC 3323 §4.2)', () => {
    expect(parsePrivacy('id;header').value).toEqual(['id', 'header']);
  });
});

describe('authentication headers — RFC 3261 §20.7, §20.44, RFC 2617, RFC 7616', () => {
  it('decodes Digest credentials of RFC 2617 §3.5', () => {
    const d = parseAuthorization(
      'Digest username="Mufasa", realm="testrealm@host.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", uri="/dir/index.html", qop=auth, nc=00000001, cnonce="0a4f113b", response="6629fae49393a05397450978507c4ef1", opaque="5ccc069c403ebaf9f0171e9517f40e41"',
    );
    expect(d.diagnostics).toEqual([]);
    expect(d.value!.scheme).toBe('Digest');
    expect(authParam(d.value!, 'username')).toBe('Mufasa');
    expect(authParam(d.value!, 'qop')).toBe('auth');
    expect(authParam(d.value!, 'nc')).toBe('00000001');
  });
  it('decodes a challenge with a quoted qop list and unquoted algorithm', () => {
    const d = parseWwwAuthenticate(
      'Digest realm="atlanta.com", domain="sip:boxesbybob.com", qop="auth,auth-int", nonce="f84f1cec41e6cbe5aea9c8e88d359", opaque="", stale=FALSE, algorithm=MD5',
    );
    expect(d.diagnostics).toEqual([]);
    expect(authParam(d.value!, 'qop')).toBe('auth,auth-int');
    expect(authParam(d.value!, 'opaque')).toBe('');
    expect(authParam(d.value!, 'algorithm')).toBe('MD5');
  });
  it('keeps an unknown scheme (RFC 4475 §3.3.7) and a token68 (RFC 7235 §2.1)', () => {
    expect(parseAuthorization('NoOneKnowsThisScheme opaque-data=here')).toMatchObject({
      value: { scheme: 'NoOneKnowsThisScheme', params: [{ name: 'opaque-data', value: 'here' }] },
      diagnostics: [],
    });
    expect(parseAuthorization('Bearer mF_9.B5f-4.1JqM').value).toMatchObject({
      scheme: 'Bearer',
      token68: 'mF_9.B5f-4.1JqM',
    });
  });
  it('escaped quotes inside quoted values', () => {
    const d = parseAuthorization('Digest username="a\\"b", realm="r", nonce="n", uri="sip:x", response="00"');
    expect(authParam(d.value!, 'username')).toBe('a"b');
  });
  for (const [v, code] of [
    ['Digest realm="r"', 'digest-missing-param'],
    [
      'Digest username="u", realm="r", nonce="n", uri="sip:x", response="1", qop=auth',
      'digest-missing-param',
    ],
    ['Digest username=u, realm="r", nonce="n", uri="sip:x", response="1"', 'digest-unquoted-param'],
    ['Digest realm="r", username="u', 'quoted-string-unterminated'],
    [
      'Digest username="u", username="v", realm="r", nonce="n", uri="sip:x", response="1"',
      'auth-duplicate-param',
    ],
    ['', 'auth-missing-scheme'],
  ] as const) {
    it(`flags ${code}: ${v}`, () => expect(codes(parseAuthorization(v))).toContain(code));
  }
  it('stops at a second challenge in one value (RFC 7235 §4.1)', () => {
    const d = parseWwwAuthenticate('Digest realm="a", nonce="b", Basic realm="c"');
    expect(d.value!.params.map((p) => p.name)).toEqual(['realm', 'nonce']);
    expect(codes(d)).toEqual(['auth-multiple-challenges']);
  });
});

describe('event headers — RFC 6665', () => {
  it('Event with template and id', () => {
    expect(parseEvent('presence.winfo;id=7').value).toMatchObject({
      package: 'presence',
      templates: ['winfo'],
      id: '7',
    });
    expect(parseEvent('refer').value).toMatchObject({ package: 'refer', templates: [], id: null });
  });
  it('Subscription-State', () => {
    expect(parseSubscriptionState('active;expires=600').value).toMatchObject({
      state: 'active',
      expires: 600,
    });
    expect(parseSubscriptionState('terminated;reason=timeout;retry-after=30').value).toMatchObject({
      state: 'terminated',
      reason: 'timeout',
      retryAfter: 30,
    });
    expect(codes(parseSubscriptionState('dormant'))).toEqual(['subscription-state-unknown']);
  });
});

describe('Replaces — RFC 3891 §6.1, Reason — RFC 3326, Warning — RFC 3261 §20.43', () => {
  it('Replaces', () => {
    expect(
      parseReplaces('98732@sip.example.com;from-tag=r33th4x0r;to-tag=ff87ff;early-only').value,
    ).toMatchObject({
      callId: '98732@sip.example.com',
      fromTag: 'r33th4x0r',
      toTag: 'ff87ff',
      earlyOnly: true,
    });
    expect(codes(parseReplaces('98732@sip.example.com;to-tag=1'))).toEqual(['dialog-ref-missing-tag']);
  });
  it('Reason with several values', () => {
    const d = parseReason('Q.850;cause=16;text="Terminated", SIP ;cause=200;text="Call completed elsewhere"');
    expect(d.value!.map((r) => [r.protocol, r.cause, r.text])).toEqual([
      ['Q.850', 16, 'Terminated'],
      ['SIP', 200, 'Call completed elsewhere'],
    ]);
    expect(d.diagnostics).toEqual([]);
  });
  it('Warning values; a 4-digit code is flagged (RFC 4475 §3.1.2.5)', () => {
    expect(
      parseWarning(
        '307 isi.edu "Session parameter \'foo\' not understood", 301 [2001:db8::1]:5060 "x"',
      ).value!.map((w) => [w.code, w.agent, w.text]),
    ).toEqual([
      [307, 'isi.edu', "Session parameter 'foo' not understood"],
      [301, '[2001:db8::1]:5060', 'x'],
    ]);
    expect(codes(parseWarning('1812 overture "In Progress"'))).toEqual(['warning-code-invalid']);
    expect(codes(parseWarning('399 host unquoted'))).toContain('warning-bad-text');
  });
});

describe('registry', () => {
  it('resolves compact forms and is case-insensitive', () => {
    expect(decodeHeader('v', 'SIP/2.0/UDP h;branch=z9hG4bK1')!.value).toHaveLength(1);
    expect(decodeHeader('I', 'abc')!.value).toBe('abc');
    expect(decodeHeader('X-Unknown', 'x')).toBeNull();
  });
  it('explains own entries only: headers named constructor or __proto__ have no explanation', () => {
    expect(headerInfo('via')!.title).toBe('Via');
    expect(headerInfo('constructor')).toBeNull();
    expect(headerInfo('__proto__')).toBeNull();
    expect(headerInfo('tostring')).toBeNull();
  });
  it('every registered header has an explanation for the inspector', () => {
    for (const name of Object.keys(TYPED_HEADERS)) expect(HEADER_INFO[name], name).toBeDefined();
    expect(Object.keys(HEADER_INFO).length).toBeGreaterThanOrEqual(60);
    for (const [k, info] of Object.entries(HEADER_INFO)) {
      expect(info.title.toLowerCase()).toBe(k);
      expect(info.rfc).toMatch(/^\d{4} §\d/);
    }
  });
  it('decoders never throw and never return undefined', () => {
    for (const fn of Object.values(TYPED_HEADERS)) {
      for (const v of ['', ' ', ';;,,;;,;', '"', '<', '\\', 'a=b,c', '\u0000\u00ff大']) {
        const d = fn(v);
        expect(d).toHaveProperty('diagnostics');
        expect(d.value).not.toBeUndefined();
      }
    }
  });
});

describe('Expires', () => {
  it('plain delta-seconds', () => expect(parseExpires('7200')).toEqual({ value: 7200, diagnostics: [] }));
  it('max-forwards 0 is legal (RFC 4475 §3.3.11)', () =>
    expect(parseMaxForwards('0')).toEqual({ value: 0, diagnostics: [] }));
  it('content-length 0', () => expect(parseContentLength('0')).toEqual({ value: 0, diagnostics: [] }));
  it('rseq 1', () => expect(parseRSeq('1').diagnostics).toEqual([]));
  it('call-id', () => expect(parseCallId('x@y').value).toBe('x@y'));
});

describe('token-list edge cases (fast and slow paths agree)', () => {
  const table: Array<[string, string[], string[]]> = [
    ['INVITE', ['INVITE'], []],
    [' INVITE , BYE ', ['INVITE', 'BYE'], []],
    ['INVITE,', ['INVITE'], ['list-element-empty']],
    [',INVITE', ['INVITE'], ['list-element-empty']],
    ['INVITE BYE', ['INVITE'], ['list-bad-element']],
    ['INVITE;x=1', ['INVITE'], ['list-unexpected-param']],
    ['   ', [], []],
  ];
  for (const [v, values, diagCodes] of table) {
    it(`Allow: "${v}"`, () => {
      const d = parseAllow(v);
      expect(d.value).toEqual(values);
      expect(codes(d)).toEqual(diagCodes);
    });
  }
});
