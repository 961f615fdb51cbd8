/**
 * Typed decoders over the RFC 4475 and RFC 5118 torture messages (shared/conformance).
 * Every header with a registered decoder is decoded; VALID messages must give no error-level
 * diagnostic, INVALID ones must give the diagnostic that names the RFC's reason.
 */
import { describe, expect, it } from 'vitest';
import { decodeHeader } from '../../../../src/sip-core/message/headers';
import { parseUri, type SipUri, unescapeUri } from '../../../../src/sip-core/message/uri';
import { haveConformance, readTorture } from './torture';

type Expect = Array<[string, string]>; // [header name | 'request-uri', diagnostic code]

/** Verdicts from rfc4475/INDEX.md and rfc5118/INDEX.md, restricted to what typed decoding can see. */
const TABLE: Array<[string, 'valid' | 'invalid', Expect]> = [
  ['rfc4475/wsinv.dat', 'valid', []],
  ['rfc4475/intmeth.dat', 'valid', []],
  ['rfc4475/esc01.dat', 'valid', []],
  ['rfc4475/escnull.dat', 'valid', []],
  ['rfc4475/esc02.dat', 'valid', []],
  ['rfc4475/lwsdisp.dat', 'valid', [['from', 'display-name-no-lws']]],
  ['rfc4475/longreq.dat', 'valid', []],
  ['rfc4475/dblreq.dat', 'valid', []],
  ['rfc4475/semiuri.dat', 'valid', []],
  ['rfc4475/transports.dat', 'valid', [['via', 'via-unknown-transport']]],
  ['rfc4475/mpart01.dat', 'valid', []],
  ['rfc4475/unreason.dat', 'valid', []],
  ['rfc4475/noreason.dat', 'valid', []],
  [
    'rfc4475/badinv01.dat',
    'invalid',
    [
      ['via', 'param-empty'],
      ['via', 'via-bad-sent-protocol'],
      ['contact', 'param-empty'],
    ],
  ],
  ['rfc4475/ncl.dat', 'invalid', [['content-length', 'content-length-negative']]],
  [
    'rfc4475/scalar02.dat',
    'invalid',
    [
      ['cseq', 'cseq-out-of-range'],
      ['max-forwards', 'max-forwards-out-of-range'],
      ['expires', 'expires-out-of-range'],
    ],
  ],
  [
    'rfc4475/scalarlg.dat',
    'invalid',
    [
      ['cseq', 'cseq-out-of-range'],
      ['retry-after', 'retry-after-out-of-range'],
      ['warning', 'warning-code-invalid'],
    ],
  ],
  ['rfc4475/quotbal.dat', 'invalid', [['to', 'quoted-string-unterminated']]],
  ['rfc4475/ltgtruri.dat', 'invalid', [['request-uri', 'uri-no-scheme']]],
  ['rfc4475/regbadct.dat', 'invalid', [['contact', 'addr-spec-needs-angle-brackets']]],
  ['rfc4475/badaspec.dat', 'invalid', [['to', 'addr-spec-whitespace']]],
  [
    'rfc4475/baddn.dat',
    'invalid',
    [
      ['from', 'display-name-invalid'],
      ['to', 'display-name-invalid'],
    ],
  ],
  ['rfc4475/badbranch.dat', 'valid', [['via', 'via-branch-cookie-only']]],
  ['rfc4475/unkscm.dat', 'valid', []],
  ['rfc4475/novelsc.dat', 'valid', []],
  ['rfc4475/unksm2.dat', 'valid', []],
  ['rfc4475/bext01.dat', 'valid', []],
  ['rfc4475/invut.dat', 'valid', []],
  ['rfc4475/regaut01.dat', 'valid', []],
  ['rfc4475/bcast.dat', 'valid', []],
  ['rfc4475/zeromf.dat', 'valid', []],
  ['rfc4475/cparam01.dat', 'valid', []],
  ['rfc4475/cparam02.dat', 'valid', []],
  ['rfc4475/regescrt.dat', 'valid', []],
  ['rfc4475/sdp01.dat', 'valid', []],
  ['rfc4475/inv2543.dat', 'valid', [['via', 'via-branch-missing']]],
  ['rfc5118/crlf/ipv6-good.dat', 'valid', []],
  ['rfc5118/crlf/ipv6-bad.dat', 'invalid', [['request-uri', 'uri-ipv6-without-brackets']]],
  ['rfc5118/crlf/port-ambiguous.dat', 'valid', []],
  ['rfc5118/crlf/port-unambiguous.dat', 'valid', []],
  ['rfc5118/crlf/via-received-param-with-delim.dat', 'valid', [['via', 'via-received-brackets']]],
  ['rfc5118/crlf/via-received-param-no-delim.dat', 'valid', []],
  ['rfc5118/crlf/ipv6-in-sdp.dat', 'valid', []],
  ['rfc5118/crlf/mult-ip-in-header.dat', 'valid', []],
  ['rfc5118/crlf/mult-ip-in-sdp.dat', 'valid', []],
  ['rfc5118/crlf/ipv4-mapped-ipv6.dat', 'valid', []],
  [
    'rfc5118/crlf/ipv6-bug-abnf-3-colons.dat',
    'valid',
    [
      ['request-uri', 'ipv6-three-colons'],
      ['to', 'ipv6-three-colons'],
    ],
  ],
  ['rfc5118/crlf/ipv6-correct-abnf-2-colons.dat', 'valid', []],
];

function decodeAll(rel: string) {
  const msg = readTorture(rel);
  const found: Array<{ header: string; code: string; severity: string }> = [];
  const parts = msg.startLine.split(' ');
  if (!msg.startLine.startsWith('SIP/')) {
    for (const d of parseUri(parts[1] ?? '').diagnostics)
      found.push({ header: 'request-uri', code: d.code, severity: d.severity });
  }
  for (const f of msg.fields) {
    const d = decodeHeader(f.name, f.value);
    if (!d) continue;
    const name =
      f.name.length === 1
        ? ((
            {
              v: 'via',
              f: 'from',
              t: 'to',
              m: 'contact',
              i: 'call-id',
              l: 'content-length',
              c: 'content-type',
            } as Record<string, string>
          )[f.name.toLowerCase()] ?? f.name)
        : f.name.toLowerCase();
    for (const x of d.diagnostics) found.push({ header: name, code: x.code, severity: x.severity });
  }
  return { msg, found };
}

describe.skipIf(!haveConformance)('RFC 4475 / RFC 5118 torture messages, typed headers', () => {
  for (const [rel, verdict, expected] of TABLE) {
    it(`${rel}: ${verdict}${expected.length ? ' — ' + expected.map((e) => e.join(':')).join(', ') : ''}`, () => {
      const { found } = decodeAll(rel);
      for (const [header, code] of expected) {
        expect(
          found.some((f) => f.header === header && f.code === code),
          `${header} ${code} in ${JSON.stringify(found)}`,
        ).toBe(true);
      }
      if (verdict === 'valid') {
        const errors = found.filter((f) => f.severity === 'error');
        expect(errors).toEqual([]);
      }
    });
  }

  it('esc01: %-escapes decode once, never recursively (RFC 4475 §3.1.1.3)', () => {
    const { msg } = decodeAll('rfc4475/esc01.dat');
    const ruri = parseUri(msg.startLine.split(' ')[1]!).value as SipUri;
    expect(unescapeUri(ruri.user!)).toBe('sips:user@example.com');
    const contact = decodeHeader('contact', msg.fields.find((f) => f.name === 'Contact')!.value)!.value as {
      contacts: Array<{ uri: SipUri }>;
    };
    const p = contact.contacts[0]!.uri.params;
    expect(unescapeUri(p[0]!.name)).toBe('lr');
    expect(unescapeUri(p[1]!.name)).toBe('name');
    expect(unescapeUri(p[1]!.value!)).toBe('value%41');
  });
  it('escruri: the Request-URI carries an escaped Route header that must not become a real header (RFC 4475 §3.1.2.11)', () => {
    const { msg } = decodeAll('rfc4475/escruri.dat');
    const u = parseUri(msg.startLine.split(' ')[1]!).value as SipUri;
    expect(u.headers).toEqual([{ name: 'Route', value: '%3Csip:example.com%3E' }]);
  });
  it('longreq: 34 Via values across header lines, all decoded', () => {
    const { msg } = decodeAll('rfc4475/longreq.dat');
    let n = 0;
    for (const f of msg.fields)
      if (/^(via|v)$/i.test(f.name)) n += (decodeHeader('via', f.value)!.value as unknown[]).length;
    expect(n).toBe(34);
  });
  it('mult-ip-in-header: Via list mixes IPv6 with port, IPv4, and IPv6 with received IPv4 (RFC 5118 §4.7)', () => {
    const { msg } = decodeAll('rfc5118/crlf/mult-ip-in-header.dat');
    const vias = msg.fields
      .filter((f) => f.name === 'Via')
      .flatMap(
        (f) =>
          decodeHeader('via', f.value)!.value as Array<{
            host: string;
            port: number | null;
            received: string | null;
          }>,
      );
    expect(vias.map((v) => [v.host, v.port, v.received])).toEqual([
      ['[2001:db8::9:1]', 6050, null],
      ['192.0.2.1', null, null],
      ['[2001:db8::9:255]', null, '192.0.2.200'],
    ]);
  });
});
