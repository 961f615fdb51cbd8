/**
 * URI decoding, formatting and comparison — RFC 3261 §19.1, RFC 3966, RFC 5118, RFC 4475.
 */
import { describe, expect, it } from 'vitest';
import {
  canonicalEscapes,
  canonicalIpv6,
  formatUri,
  parseUri,
  type SipUri,
  type TelUri,
  unescapeUri,
  uriEquals,
} from '../../../../src/sip-core/message/uri';

const codes = (text: string) => parseUri(text).diagnostics.map((d) => d.code);

describe('RFC 3261 §19.1.1 SIP and SIPS URI components', () => {
  const cases: Array<[string, Partial<SipUri>]> = [
    [
      'sip:alice@atlanta.com',
      { scheme: 'sip', user: 'alice', host: 'atlanta.com', hostType: 'domain', port: null },
    ],
    ['SIPS:Alice@Atlanta.com:5061', { scheme: 'sips', user: 'Alice', host: 'Atlanta.com', port: 5061 }],
    ['sip:alice:secretword@atlanta.com;transport=tcp', { user: 'alice', password: 'secretword' }],
    [
      'sip:+1-212-555-1212:1234@gateway.com;user=phone',
      { user: '+1-212-555-1212', password: '1234', host: 'gateway.com' },
    ],
    ['sip:atlanta.com;method=REGISTER?to=alice%40atlanta.com', { user: null, host: 'atlanta.com' }],
    ['sip:192.0.2.4', { user: null, host: '192.0.2.4', hostType: 'ipv4' }],
    ['sip:[2001:db8::10]:5070', { host: '[2001:db8::10]', hostType: 'ipv6', port: 5070 }],
    ['sip:alice;day=tuesday@atlanta.com', { user: 'alice;day=tuesday', host: 'atlanta.com' }],
    // RFC 4475 §3.1.1.9: the user part is "user;par=u@example.net" (escaped "@").
    ['sip:user;par=u%40example.net@example.com', { user: 'user;par=u%40example.net', host: 'example.com' }],
    // RFC 4475 §3.1.1.2: a wide range of legal characters in user and password.
    [
      "sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*:&it+has=1,weird!*pas$wo~d_too.(doesn't-it)@example.com",
      {
        user: "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*",
        password: "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)",
        host: 'example.com',
      },
    ],
  ];
  for (const [text, expected] of cases) {
    it(`decodes ${text}`, () => {
      const d = parseUri(text);
      expect(d.value).toMatchObject(expected);
      expect(d.diagnostics.filter((x) => x.severity === 'error')).toEqual([]);
    });
  }

  it('keeps uri-parameters (names lower-cased, values as written) and headers', () => {
    const u = parseUri(
      'sip:alice@atlanta.com;Transport=TCP;lr;maddr=239.255.255.1;ttl=15?subject=project%20x&priority=urgent',
    ).value as SipUri;
    expect(u.params.map((p) => [p.name, p.value])).toEqual([
      ['transport', 'TCP'],
      ['lr', null],
      ['maddr', '239.255.255.1'],
      ['ttl', '15'],
    ]);
    expect(u.headers).toEqual([
      { name: 'subject', value: 'project%20x' },
      { name: 'priority', value: 'urgent' },
    ]);
  });

  it('keeps %-escapes raw and decodes them once for comparison (RFC 4475 §3.1.1.3)', () => {
    const u = parseUri('sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31').value as SipUri;
    expect(u.user).toBe('cal%6Cer');
    expect(unescapeUri(u.user!)).toBe('caller');
    expect(u.params[0]!.name).toBe('%6c%72');
    expect(unescapeUri(u.params[1]!.value!)).toBe('value%41');
  });

  const bad: Array<[string, string, string]> = [
    ['sip:2001:db8::10', 'uri-ipv6-without-brackets', 'RFC 5118 §4.2: an IPv6 address must be bracketed'],
    ['sip:alice@atlanta.com:99999', 'uri-bad-port', 'port above 65535'],
    ['sip:alice@atlanta.com:50x', 'uri-bad-port', 'port with a letter'],
    ['sip:alice@', 'uri-no-host', 'no host'],
    ['sip:al ice@atlanta.com', 'uri-bad-char', 'space in the user part'],
    ['sip:a%4@b.com', 'uri-bad-escape', '"%" not followed by two hex digits'],
    ['sip:[2001:db8::10', 'uri-bad-ipv6', 'unterminated IPv6 reference'],
    ['sip:[2001:db8::10::1]', 'uri-bad-ipv6', 'two "::"'],
    ['sip:256.1.1.1', 'uri-bad-ipv4', 'IPv4 octet above 255'],
    ['sip:a@b.com;lr;lr', 'uri-duplicate-param', 'RFC 3261 §19.1.1: a parameter name appears once'],
    ['alice@atlanta.com', 'uri-no-scheme', 'no scheme'],
    ['tel:7042', 'tel-missing-phone-context', 'RFC 3966 §5.1.5: local numbers need phone-context'],
    ['tel:+1-abc', 'tel-bad-number', 'letters in a global number'],
  ];
  for (const [text, code, why] of bad) {
    it(`flags ${text} with ${code} (${why}) and still returns a value`, () => {
      expect(codes(text)).toContain(code);
      if (code !== 'uri-no-scheme') expect(parseUri(text).value).not.toBeNull();
    });
  }

  it('tolerates the RFC 3261 three-colon IPv6 form with a warning (RFC 5118 §4.10)', () => {
    const d = parseUri('sip:[2001:db8:::192.0.2.1]');
    expect(d.value).toMatchObject({ hostType: 'ipv6' });
    expect(d.diagnostics.map((x) => [x.code, x.severity])).toEqual([['ipv6-three-colons', 'warning']]);
    expect(parseUri('sip:[2001:db8::192.0.2.1]').diagnostics).toEqual([]);
    expect(uriEquals('sip:[2001:db8:::192.0.2.1]', 'sip:[2001:db8::192.0.2.1]')).toBe(true);
  });

  it('parses sip:[2001:db8::10:5070] as an address without a port (RFC 5118 §4.3)', () => {
    expect(parseUri('sip:[2001:db8::10:5070]').value).toMatchObject({
      host: '[2001:db8::10:5070]',
      port: null,
    });
    expect(parseUri('sip:[2001:db8::10]:5070').value).toMatchObject({ host: '[2001:db8::10]', port: 5070 });
  });
});

describe('RFC 3966 tel URI', () => {
  const cases: Array<[string, Partial<TelUri>]> = [
    ['tel:+1-201-555-0123', { number: '+1-201-555-0123', global: true }],
    ['tel:7042;phone-context=example.com', { number: '7042', global: false }],
    ['tel:863-1234;phone-context=+1-914-555', { number: '863-1234', global: false }],
    ['TEL:+358-555-1234567;postd=pp22', { scheme: 'tel', number: '+358-555-1234567' }],
  ];
  for (const [text, exp] of cases) {
    it(`decodes ${text}`, () => {
      const d = parseUri(text);
      expect(d.value).toMatchObject(exp);
      expect(d.diagnostics).toEqual([]);
    });
  }
  it('compares numbers without visual separators (RFC 3966 §4)', () => {
    expect(uriEquals('tel:+1-201-555-0123', 'tel:+1.201.555.0123')).toBe(true);
    expect(uriEquals('tel:+1-201-555-0123', 'tel:+1-201-555-0124')).toBe(false);
    expect(uriEquals('tel:7042;phone-context=example.com', 'tel:7042;phone-context=EXAMPLE.com')).toBe(true);
    expect(uriEquals('tel:7042;phone-context=example.com', 'tel:7042')).toBe(false);
  });
});

describe('other schemes are kept opaque (RFC 4475 §3.3.2–3.3.4)', () => {
  for (const [text, scheme, opaque] of [
    ['isbn:2983792873', 'isbn', '2983792873'],
    ['http://www.example.com', 'http', '//www.example.com'],
    ['name:John_Smith', 'name', 'John_Smith'],
    ['soap.beep://192.0.2.103:3002', 'soap.beep', '//192.0.2.103:3002'],
    ['urn:service:sos', 'urn', 'service:sos'],
  ] as const) {
    it(`keeps ${text}`, () => {
      expect(parseUri(text)).toEqual({ value: { scheme, opaque }, diagnostics: [] });
      expect(formatUri(parseUri(text).value!)).toBe(text);
    });
  }
});

describe('RFC 3261 §19.1.4 URI comparison', () => {
  // The RFC's own examples: "The URIs within each of the following sets are equivalent".
  const equivalent: Array<[string, string]> = [
    ['sip:%61lice@atlanta.com;transport=TCP', 'sip:alice@AtLanTa.CoM;Transport=tcp'],
    ['sip:carol@chicago.com', 'sip:carol@chicago.com;newparam=5'],
    ['sip:carol@chicago.com', 'sip:carol@chicago.com;security=on'],
    ['sip:carol@chicago.com;newparam=5', 'sip:carol@chicago.com;security=on'],
    [
      'sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com',
      'sip:biloxi.com;method=REGISTER;transport=tcp?to=sip:bob%40biloxi.com',
    ],
    [
      'sip:alice@atlanta.com?subject=project%20x&priority=urgent',
      'sip:alice@atlanta.com?priority=urgent&subject=project%20x',
    ],
    // RFC 5118 §4: IPv6 references compare by address, not text.
    ['sip:[::1]', 'sip:[0:0:0:0:0:0:0:1]'],
    ['sip:[2001:DB8::10]:5070', 'sip:[2001:db8:0:0:0:0:0:10]:5070'],
  ];
  // "The URIs within each of the following sets are not equivalent".
  const different: Array<[string, string, string]> = [
    ['SIP:ALICE@AtLanTa.CoM;Transport=udp', 'sip:alice@AtLanTa.CoM;Transport=UDP', 'different usernames'],
    ['sip:bob@biloxi.com', 'sip:bob@biloxi.com:5060', 'can resolve to different ports'],
    ['sip:bob@biloxi.com', 'sip:bob@biloxi.com;transport=udp', 'can resolve to different transports'],
    ['sip:bob@biloxi.com', 'sip:bob@biloxi.com:6000;transport=tcp', 'different port and transport'],
    ['sip:carol@chicago.com', 'sip:carol@chicago.com?Subject=next%20meeting', 'different header component'],
    ['sip:bob@phone21.boxesbybob.com', 'sip:bob@192.0.2.4', 'even though that is what phone21 resolves to'],
    ['sip:alice@atlanta.com', 'sips:alice@atlanta.com', 'SIP and SIPS are never equivalent'],
    ['sip:alice@atlanta.com;user=phone', 'sip:alice@atlanta.com', 'user parameter in one only'],
    ['sip:alice@atlanta.com;maddr=1.2.3.4', 'sip:alice@atlanta.com', 'maddr parameter in one only'],
    ['sip:alice@atlanta.com;ttl=1', 'sip:alice@atlanta.com', 'ttl parameter in one only'],
    ['sip:alice@atlanta.com;method=INVITE', 'sip:alice@atlanta.com', 'method parameter in one only'],
    [
      'sip:alice@atlanta.com;foo=1',
      'sip:alice@atlanta.com;foo=2',
      'a parameter in both with different values',
    ],
    ['sip:alice:a@atlanta.com', 'sip:alice:b@atlanta.com', 'different passwords'],
    [
      'sip:%00@host5.example.com',
      'sip:%00%00@host5.example.com',
      'RFC 4475 §3.1.1.4: distinct escaped-null users',
    ],
    [
      'sip:user%3bx@h.com',
      'sip:user;x@h.com',
      'an escaped reserved character is not equivalent to the character',
    ],
  ];
  for (const [a, b] of equivalent) {
    it(`${a} equals ${b}`, () => {
      expect(uriEquals(a, b)).toBe(true);
      expect(uriEquals(b, a)).toBe(true);
    });
  }
  for (const [a, b, why] of different) {
    it(`${a} differs from ${b} (${why})`, () => {
      expect(uriEquals(a, b)).toBe(false);
      expect(uriEquals(b, a)).toBe(false);
    });
  }
  it('never equates unparseable input', () => {
    expect(uriEquals('nonsense', 'nonsense')).toBe(false);
  });
});

describe('formatting and helpers', () => {
  for (const text of [
    'sip:alice@atlanta.com',
    'sips:alice:pw@[2001:db8::1]:5061;transport=tls;lr?subject=x&h=y',
    'tel:+1-201-555-0123;ext=1',
    'sip:user;par=u%40example.net@example.com',
  ]) {
    it(`formats ${text} back to itself`, () => {
      expect(formatUri(parseUri(text).value!)).toBe(text);
    });
  }
  it('canonicalEscapes decodes unreserved escapes and upper-cases reserved ones', () => {
    expect(canonicalEscapes('%61lice%3b%2F')).toBe('alice%3B%2F');
  });
  it('canonicalIpv6 expands compressed and IPv4-mapped forms', () => {
    expect(canonicalIpv6('[::ffff:192.0.2.10]')).toBe('0:0:0:0:0:ffff:c000:20a');
    expect(canonicalIpv6('2001:db8::9:255')).toBe('2001:db8:0:0:0:0:9:255');
    expect(canonicalIpv6('1:2:3:4:5:6:7:8:9')).toBeNull();
  });
});
