/**
 * name-addr / addr-spec — RFC 3261 §20.10, §25.1, with the RFC 4475 display-name torture cases.
 */
import { describe, expect, it } from 'vitest';
import {
  formatNameAddr,
  type NameAddr,
  parseContact,
  parseNameAddr,
  parseNameAddrList,
} from '../../../../src/sip-core/message/name-addr';
import { getParam, parseParams } from '../../../../src/sip-core/message/params';
import { formatUri, type SipUriValue } from '../../../../src/sip-core/message/uri';

const codes = (d: { diagnostics: { code: string }[] }) => d.diagnostics.map((x) => x.code);
const brief = (na: NameAddr) => ({
  displayName: na.displayName,
  uri: na.uri ? formatUri(na.uri) : null,
  angle: na.angle,
  params: na.params.map((p) => (p.value === null ? p.name : `${p.name}=${p.value}`)),
});

describe('RFC 3261 §25.1 name-addr and addr-spec', () => {
  const valid: Array<[string, ReturnType<typeof brief>, string]> = [
    [
      '"Bob" <sips:bob@biloxi.com> ;tag=a48s',
      { displayName: 'Bob', uri: 'sips:bob@biloxi.com', angle: true, params: ['tag=a48s'] },
      'quoted display name',
    ],
    [
      'Anonymous <sip:c8oqz84zk7z@privacy.org>;tag=hyh8',
      { displayName: 'Anonymous', uri: 'sip:c8oqz84zk7z@privacy.org', angle: true, params: ['tag=hyh8'] },
      'token display name',
    ],
    [
      '<sip:alice@atlanta.com;transport=tcp>;expires=60',
      { displayName: null, uri: 'sip:alice@atlanta.com;transport=tcp', angle: true, params: ['expires=60'] },
      'URI params stay in the URI',
    ],
    [
      'sip:+12125551212@phone2net.com;tag=887s',
      { displayName: null, uri: 'sip:+12125551212@phone2net.com', angle: false, params: ['tag=887s'] },
      'addr-spec params are header params (§20)',
    ],
    // RFC 4475 §3.3.12: unknownparam is a contact-param, §3.3.13: a url-parameter.
    [
      'sip:+19725552222@gw1.example.net;unknownparam',
      { displayName: null, uri: 'sip:+19725552222@gw1.example.net', angle: false, params: ['unknownparam'] },
      'RFC 4475 §3.3.12',
    ],
    [
      '<sip:+19725552222@gw1.example.net;unknownparam>',
      { displayName: null, uri: 'sip:+19725552222@gw1.example.net;unknownparam', angle: true, params: [] },
      'RFC 4475 §3.3.13',
    ],
    // RFC 4475 §3.1.1.1: escaped quotes and backslashes, LWS around ";" and "=".
    [
      '"J Rosenberg \\\\\\""       <sip:jdrosen@example.com>  ;  tag = 98asjd8',
      {
        displayName: 'J Rosenberg \\"',
        uri: 'sip:jdrosen@example.com',
        angle: true,
        params: ['tag=98asjd8'],
      },
      'RFC 4475 §3.1.1.1',
    ],
    [
      'sip:vivekg@chair-dnrc.example.com ;   tag    = 1918181833n',
      {
        displayName: null,
        uri: 'sip:vivekg@chair-dnrc.example.com',
        angle: false,
        params: ['tag=1918181833n'],
      },
      'RFC 4475 §3.1.1.1 To',
    ],
    // RFC 4475 §3.1.1.2: unusual token characters and a UTF-8 quoted param value.
    [
      "token1~` token2'+_ token3*%!.- <sip:mundane@example.com>;fromParam''~+*_!.-%=\"работающий\";tag=_token~1'+`*%!-.",
      {
        displayName: "token1~` token2'+_ token3*%!.-",
        uri: 'sip:mundane@example.com',
        angle: true,
        params: ["fromparam''~+*_!.-%=работающий", "tag=_token~1'+`*%!-."],
      },
      'RFC 4475 §3.1.1.2',
    ],
    [
      '"BEL:\\\u0007 NUL:\\\u0000 DEL:\\\u007f" <sip:1_unusual.URI~(to-be!sure)&isn\'t+it$/crazy?,/;;*@example.com>',
      {
        displayName: 'BEL:\u0007 NUL:\u0000 DEL:\u007f',
        uri: "sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*@example.com",
        angle: true,
        params: [],
      },
      'RFC 4475 §3.1.1.2 quoted-pairs',
    ],
    // RFC 4475 §3.1.1.5: "%Z%45" is a display name, not an escape.
    [
      '"%Z%45" <sip:resource@example.com>',
      { displayName: '%Z%45', uri: 'sip:resource@example.com', angle: true, params: [] },
      'RFC 4475 §3.1.1.5',
    ],
    [
      '<sip:user@example.com?Route=%3Csip:sip.example.com%3E>',
      {
        displayName: null,
        uri: 'sip:user@example.com?Route=%3Csip:sip.example.com%3E',
        angle: true,
        params: [],
      },
      'RFC 4475 §3.3.14 escaped header kept',
    ],
    [
      '<isbn:2983792873>;tag=1',
      { displayName: null, uri: 'isbn:2983792873', angle: true, params: ['tag=1'] },
      'RFC 4475 §3.3.4 unknown scheme',
    ],
    [
      '<sip:[2001:db8::10]:5070>',
      { displayName: null, uri: 'sip:[2001:db8::10]:5070', angle: true, params: [] },
      'RFC 5118 §4.4',
    ],
    [
      '"" <sip:a@b>',
      { displayName: '', uri: 'sip:a@b', angle: true, params: [] },
      'empty quoted display name',
    ],
  ];
  for (const [value, expected, why] of valid) {
    it(`decodes ${why}: ${value.slice(0, 50)}`, () => {
      const d = parseNameAddr(value);
      expect(brief(d.value!)).toEqual(expected);
      expect(d.diagnostics.filter((x) => x.severity !== 'info')).toEqual([]);
    });
  }

  it('accepts no LWS before "<" (RFC 4475 §3.1.1.6), with an info note', () => {
    const d = parseNameAddr('caller<sip:caller@example.com>;tag=323');
    expect(brief(d.value!)).toEqual({
      displayName: 'caller',
      uri: 'sip:caller@example.com',
      angle: true,
      params: ['tag=323'],
    });
    expect(d.diagnostics.map((x) => [x.code, x.severity])).toEqual([['display-name-no-lws', 'info']]);
  });

  const invalid: Array<[string, string, string]> = [
    ['"Mr. J. User <sip:j.user@example.com>', 'quoted-string-unterminated', 'RFC 4475 §3.1.2.6'],
    ['Bell, Alexander <sip:a.g.bell@example.com>;tag=43', 'display-name-invalid', 'RFC 4475 §3.1.2.15'],
    ['"Watson, Thomas" < sip:t.watson@example.org >', 'addr-spec-whitespace', 'RFC 4475 §3.1.2.14'],
    [
      'sip:user@example.com?Route=%3Csip:sip.example.com%3E',
      'addr-spec-needs-angle-brackets',
      'RFC 4475 §3.1.2.13',
    ],
    ['"Joe" <sip:joe@example.org>;;;;', 'param-empty', 'RFC 4475 §3.1.2.1'],
    ['<sip:a@b', 'name-addr-unterminated', 'no ">"'],
    ['"Joe" sip:joe@example.org', 'name-addr-missing-laquot', 'quoted name without "<"'],
    ['<>', 'name-addr-no-uri', 'empty URI'],
    ['<sip:a@b>, <sip:c@d>', 'multiple-values', 'two values in a single-valued header'],
    ['<sip:a@b>;tag=1 junk', 'name-addr-trailing-garbage', 'text after parameters'],
    ['', 'header-empty', 'empty value'],
    ['"a" <sip:a@b>;p="unterminated', 'quoted-string-unterminated', 'unterminated quoted param value'],
  ];
  for (const [value, code, why] of invalid) {
    it(`flags ${code} (${why})`, () => expect(codes(parseNameAddr(value))).toContain(code));
  }

  it('recovers the URI behind an unterminated display-name quote (RFC 4475 §3.1.2.6)', () => {
    const d = parseNameAddr('"Mr. J. User <sip:j.user@example.com>');
    expect(d.value).toMatchObject({ displayName: 'Mr. J. User', uriText: 'sip:j.user@example.com' });
  });
  it('reports spans within the value', () => {
    const v = '  "A" <sip:a@b>;tag=1';
    const d = parseNameAddr(v);
    expect(v.slice(d.value!.span.start, d.value!.span.end)).toBe('"A" <sip:a@b>;tag=1');
    expect(d.value!.tag).toBe('1');
    const bad = parseNameAddr('<sip:a@b:99999>');
    expect(bad.diagnostics[0]!.span).toEqual({ start: 9, end: 14 });
  });
});

describe('lists and Contact', () => {
  it('splits on commas outside quotes and < >', () => {
    const d = parseNameAddrList('"Doe, John" <sip:j@d.com;a=1,b>, <sip:r1@x;lr>,sip:e@f;tag=1 , tel:+1234');
    expect(d.value!.map(brief)).toEqual([
      { displayName: 'Doe, John', uri: 'sip:j@d.com;a=1,b', angle: true, params: [] },
      { displayName: null, uri: 'sip:r1@x;lr', angle: true, params: [] },
      { displayName: null, uri: 'sip:e@f', angle: false, params: ['tag=1'] },
      { displayName: null, uri: 'tel:+1234', angle: false, params: [] },
    ]);
    expect(d.diagnostics).toEqual([]);
  });
  it('flags empty elements but keeps the others', () => {
    const d = parseNameAddrList('<sip:a@b>,,<sip:c@d>,');
    expect(d.value).toHaveLength(2);
    expect(codes(d)).toEqual(['list-element-empty', 'list-element-empty']);
  });
  it('Contact: * with expires (RFC 3261 §10.2.2)', () => {
    expect(parseContact('*')).toEqual({
      value: { wildcard: true, params: [], contacts: [] },
      diagnostics: [],
    });
    expect(parseContact(' * ;expires=0').value).toMatchObject({
      wildcard: true,
      params: [{ name: 'expires', value: '0' }],
    });
  });
  it('Contact with q and expires params (RFC 4475 §3.1.1.1)', () => {
    const d = parseContact(
      '"Quoted string \\"\\"" <sip:jdrosen@example.com> ; newparam = newvalue ; secondparam ; q = 0.33',
    );
    const c = d.value!.contacts[0]!;
    expect(c.displayName).toBe('Quoted string ""');
    expect(getParam(c.params, 'q')).toBe('0.33');
    expect(getParam(c.params, 'secondparam')).toBeNull();
    expect(getParam(c.params, 'absent')).toBeUndefined();
  });
  it('escaped-null Contacts are two distinct values (RFC 4475 §3.1.1.4)', () => {
    expect(
      parseContact('<sip:%00@host5.example.com>, <sip:%00%00@host5.example.com>').value!.contacts.map(
        (c) => c.uriText,
      ),
    ).toEqual(['sip:%00@host5.example.com', 'sip:%00%00@host5.example.com']);
  });
});

describe('formatNameAddr', () => {
  for (const v of [
    '"A \\"B\\"" <sip:a@b>;tag=1',
    '<sip:a@b;lr>',
    'sip:a@b;tag=x',
    'Bob <sip:bob@b.com>;q=0.5;x="y z"',
  ]) {
    it(`round-trips ${v}`, () => {
      const once = parseNameAddr(v).value!;
      const text = formatNameAddr(once);
      expect(brief(parseNameAddr(text).value!)).toEqual(brief(once));
    });
  }
  it('adds < > when an addr-spec would be ambiguous', () => {
    const na = parseNameAddr('sip:a@b').value!;
    // a plain copy of the URI with a parameter added (the decoded URI's params is a getter: toJSON reads it)
    na.uri = { ...(na.uri as SipUriValue).toJSON(), params: [{ name: 'lr', value: null }] } as typeof na.uri;
    expect(formatNameAddr(na)).toBe('<sip:a@b;lr>');
  });
});

describe('generic params — RFC 3261 §25.1 generic-param', () => {
  it('parses valueless, quoted and host values, names case-insensitive', () => {
    const d = parseParams(';Tag=abc;LR;received=[2001:db8::1];x="a;b\\"c"');
    expect(d.value!.map((p) => [p.name, p.value, p.quoted ?? false])).toEqual([
      ['tag', 'abc', false],
      ['lr', null, false],
      ['received', '[2001:db8::1]', false],
      ['x', 'a;b"c', true],
    ]);
    expect(d.diagnostics).toEqual([]);
  });
  it('accepts a missing leading ";" and reports spans in the original text', () => {
    const d = parseParams('a=1;b');
    expect(d.value!.map((p) => p.span)).toEqual([
      { start: 0, end: 3 },
      { start: 3, end: 5 },
    ]);
  });
  it('flags empty names, empty values and garbage', () => {
    expect(codes(parseParams(';;a'))).toEqual(['param-empty']);
    expect(codes(parseParams(';a='))).toEqual(['param-empty-value']);
    expect(codes(parseParams(';a=1 b'))).toEqual(['param-trailing-garbage']);
  });
});
