/**
 * The Via fast path of the full typed parse (headers/via.ts `parseViaAt`, which `decodeAllHeaders` runs
 * on a message's Via values) reads the octets instead of the string: wherever it answers, the answer
 * is `parseVia`'s, and it answers for the usual forms. RFC 3261 §20.42, RFC 3581.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { shapeOf } from './shape';
import {
  parseVia,
  parseViaAt,
  parseViaSpan,
  viaFastPath,
} from '../../../../src/sip-core/message/headers/via';
import { decodeAllHeaders, parseMessage, viaValues } from '../../../../src/sip-core/message/index';
import { paramName, paramNameAt } from '../../../../src/sip-core/message/params';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

/** The value inside a larger buffer (as in a message), at offset 7. */
function both(v: string): { fast: ReturnType<typeof viaFastPath>; full: ReturnType<typeof parseVia> } {
  const raw = enc(`Via: x${v}\r\n`);
  return { fast: viaFastPath(v, raw, 6), full: parseVia(v) };
}

/** Mostly the usual pieces, so the fast path answers for a good share of the values. */
const usual = <T>(common: T[], odd: T[]): fc.Arbitrary<T> =>
  fc.oneof(
    { arbitrary: fc.constantFrom(...common), weight: 4 },
    { arbitrary: fc.constantFrom(...odd), weight: 1 },
  );

const transport = usual(['UDP', 'TCP', 'TLS'], ['udp', 'WS', 'SCTP', 'TLS-SCTP', 'UDPX', '']);
const sep = usual([' '], ['  ', '\t', '']);
const host = usual(
  ['pc33.atlanta.com', 'server10.biloxi.com', 'a', '192.0.2.3'],
  [
    '192.0.2.300',
    '1.2.3',
    '[2001:db8::1]',
    '2001:db8::1',
    'host_name.example',
    '-bad-.example',
    'h..example',
    '',
  ],
);
const port = usual(['', ':5060', ':0', ':65535'], [':65536', ':005060', ':', ':50x', ' :5060']);
const param = usual(
  [';branch=z9hG4bK776asdhds', ';received=192.0.2.1', ';rport', ';lr', ';ttl=16', ';maddr=239.255.255.1'],
  [
    ';branch=z9hG4bK776asdhds',
    ';branch=z9hG4bK',
    ';branch=abc',
    ';branch=',
    ';branch',
    ';BRANCH=z9hG4bK1',
    ';received=192.0.2.1',
    ';received=[2001:db8::1]',
    ';received=host.example',
    ';rport',
    ';rport=5060',
    ';rport=x',
    // the fast path's own checks of branch, received and rport (read from the octets)
    ';rport=65536',
    ';rport=000005060',
    ';received=256.0.2.1',
    ';received=192.0.2',
    // the received IPv4 read while its octets are stepped over: each bound of uri.ts isIpv4
    ';received=192.0.2.256',
    ';received=192.0.2.1.5',
    ';received=192.0.2.1x',
    ';received=1.2.3.1234',
    ';received=1.2.3.0255',
    ';received=0001.2.3.4',
    ';received=1.2..3',
    ';received=.1.2.3',
    ';received=1.2.3.',
    ';received=0.0.0.0',
    ';received=2001:db8::1',
    ';branch=Z9hG4bK776',
    ';branch=z9hG4bKx',
    ';maddr',
    ';received',
    ';maddr=239.255.255.1',
    ';ttl=16',
    ';ttl=300',
    ';lr',
    ';x=y"z',
    ';x="q"',
    '; branch=z9hG4bK2',
    ';branch =z9hG4bK3',
    ';branch= z9hG4bK4',
    ';;',
    ';',
    ';tag=1,SIP/2.0/UDP b',
    ' ;x',
    ';é=1',
  ],
);
const value = fc
  .tuple(usual(['SIP/2.0/'], ['SIP / 2.0 / ', 'sip/2.0/', 'SIP/3.0/']), transport, sep, host, port)
  .chain(([p, t, s, h, po]) =>
    fc.array(param, { maxLength: 4 }).map((ps) => `${p}${t}${s}${h}${po}${ps.join('')}`),
  );

describe('Via fast path = parseVia', () => {
  it('names parameters as paramName does (paramNameAt)', () => {
    const names = [
      'lr',
      'tag',
      'ttl',
      'user',
      'rport',
      'maddr',
      'branch',
      'method',
      'expires',
      'received',
      'transport',
    ];
    const variants = names.flatMap((n) => [
      n,
      n.toUpperCase(),
      n.slice(0, -1) + 'x',
      'x' + n.slice(1),
      n + 'x',
    ]);
    for (const n of [...variants, 'tAg', 'lR', 'q', 'x-y', 'receivex']) {
      const s = `;${n}=1`;
      expect(paramNameAt(s, enc(s), 0, 1, 1 + n.length), n).toBe(paramName(s, 1, 1 + n.length));
      expect(paramNameAt(s, enc(`ab${s}`), 2, 1, 1 + n.length), n).toBe(paramName(s, 1, 1 + n.length));
    }
  });

  it('on the usual forms, and it takes them', () => {
    for (const v of [
      'SIP/2.0/UDP server10.biloxi.com;branch=z9hG4bK4b43c2ff8.1;received=192.0.2.3',
      'SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds',
      'SIP/2.0/TCP client.atlanta.example.com:5060;branch=z9hG4bK74bf9;rport;received=192.0.2.101',
      'SIP/2.0/TLS 192.0.2.4:5061;branch=z9hG4bKnashds8',
    ]) {
      const { fast, full } = both(v);
      expect(fast, v).not.toBeNull();
      expect(shapeOf(fast), v).toEqual(shapeOf(full));
    }
  });

  it('on values longer than 32 KiB (positions of any size)', () => {
    for (const n of [32_700, 32_768, 40_000]) {
      const v = `SIP/2.0/UDP h.example;x=${'a'.repeat(n)};branch=z9hG4bK1;received=192.0.2.1`;
      const { fast, full } = both(v);
      expect(fast, String(n)).not.toBeNull();
      expect(shapeOf(fast), String(n)).toEqual(shapeOf(full));
    }
  });

  it('on generated values: the same answer wherever it answers, and it answers often', () => {
    let answered = 0;
    fc.assert(
      fc.property(value, (v) => {
        const { fast, full } = both(v);
        if (fast !== null) {
          answered++;
          expect(shapeOf(fast), v).toEqual(shapeOf(full));
        }
        expect(shapeOf(parseViaAt(v, enc(v), 0)), v).toEqual(shapeOf(full));
        // the value as a slice of a longer string (decodeAllHeaders passes the header section)
        expect(shapeOf(parseViaSpan(`Via: x${v}\r\n`, 6, v.length, enc(`Via: x${v}\r\n`), 6)), v).toEqual(
          shapeOf(full),
        );
      }),
      { numRuns: 4000, seed: 0x7f1a },
    );
    expect(answered).toBeGreaterThan(400);
  });

  it('in a parsed message: decodeAllHeaders and viaValues give parseVia values', () => {
    const msg =
      'SIP/2.0 200 OK\r\n' +
      'Via: SIP/2.0/UDP server10.biloxi.com;branch=z9hG4bK4b43c2ff8.1;received=192.0.2.3\r\n' +
      'Via: SIP/2.0/UDP bigbox3.site3.atlanta.com;branch=z9hG4bK77ef4c2312983.1;received=192.0.2.2\r\n' +
      'v: SIP/2.0/UDP 192.0.2.300;branch=abc;ttl=300\r\n' +
      'Via: SIP/2.0/UDP a.example;branch=z9hG4bK1, SIP/2.0/TCP b.example;branch=z9hG4bK2\r\n' +
      'Call-ID: a@b\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n';
    const m = parseMessage(enc(msg));
    const diags = decodeAllHeaders(m);
    const values = m.headerAll('via');
    expect(shapeOf(viaValues(m))).toEqual(shapeOf(values.flatMap((v) => parseVia(v).value ?? [])));
    // the decoders' findings, rebased onto the message, as the general path reports them
    expect(diags.map((d) => d.code)).toEqual(
      values.flatMap((v) => parseVia(v).diagnostics.map((d) => d.code)),
    );
    expect(diags.length).toBeGreaterThan(0);
  });
});
