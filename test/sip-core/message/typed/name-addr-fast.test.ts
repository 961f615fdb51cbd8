/**
 * The address fast path of the full typed parse (name-addr.ts `parseNameAddrAt`, `parseNameAddrListAt`,
 * `parseContactAt`, which `decodeAllHeaders` runs on a message's From, To, Contact, Route and
 * Record-Route values) reads the octets instead of the string: its answers are the general decoders'
 * (`parseNameAddr`, `parseNameAddrList`, `parseContact`), and it answers for the usual forms.
 * RFC 3261 §20.10, §20.20, §20.30, §20.34, §20.39, §25.1.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { shapeOf } from './shape';
import {
  nameAddrListFastPath,
  parseContact,
  parseContactAt,
  parseNameAddr,
  parseNameAddrAt,
  parseNameAddrList,
  parseNameAddrListAt,
  parseNameAddrListSpan,
  parseNameAddrSpan,
  parseContactSpan,
} from '../../../../src/sip-core/message/name-addr';
import {
  contactValues,
  decodeAllHeaders,
  fromValue,
  parseMessage,
  recordRouteValues,
  toValue,
} from '../../../../src/sip-core/message/index';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

/** Mostly the usual pieces, so the fast path answers for a good share of the values. */
const usual = <T>(common: T[], odd: T[]): fc.Arbitrary<T> =>
  fc.oneof(
    { arbitrary: fc.constantFrom(...common), weight: 4 },
    { arbitrary: fc.constantFrom(...odd), weight: 1 },
  );

const display = usual(
  ['', '', 'Bob ', 'Alice Smith '],
  ['"Bob" ', 'Bob', 'B@b ', '* ', 'Bob  ', ' ', 'Bob\t', 'sip:x ', 'a,b '],
);
const scheme = usual(['sip:'], ['sips:', 'SIP:', 'tel:', 'sip: ', 'mailto:']);
const user = usual(
  ['', 'bob@', 'alice@', '+1-212-555@'],
  ['@', 'a:pw@', 'a%41@', 'a b@', 'a;x@', 'é@', 'a_b@'],
);
const host = usual(
  ['biloxi.com', 'pc33.atlanta.com', '192.0.2.4', 'a'],
  ['192.0.2.400', '[2001:db8::1]', '2001:db8::1', 'host_x.com', '', 'a..b', '-a-'],
);
const port = usual(['', ':5060'], [':', ':65536', ':5x', ':005060', ':0']);
const uparam = usual(
  [';lr', ';transport=tcp', ';user=phone', ';maddr=239.1.1.1'],
  [';lr;lr', ';', ';=x', ';x=', ';x y', ';x?y', '?h=v', ';%61=1', ';x=a%20b', ' ', ';x=a>b'],
);
const close = usual(['>'], ['', ' >', '>>']);
const hparam = usual(
  [';tag=a6c85cf', ';tag=1928301774', ';expires=3600', ';q=0.7', ';lr'],
  [';tag=', ';tag="q"', ';tag=a,b', '; tag=1', ';tag =1', ';;', ' ;x', ';x=a>b', ';tag=1;tag=2', ';é'],
);
const element = fc
  .tuple(
    display,
    scheme,
    user,
    host,
    port,
    fc.array(uparam, { maxLength: 3 }),
    close,
    fc.array(hparam, { maxLength: 3 }),
  )
  .map(([d, s, u, h, p, ups, c, hps]) => `${d}<${s}${u}${h}${p}${ups.join('')}${c}${hps.join('')}`);
const sep = usual([', ', ','], [' , ', ',,', ', ,', ' ']);
const listValue = fc
  .tuple(fc.array(element, { minLength: 1, maxLength: 3 }), sep, usual([''], [',', ' ', '*', '* ']))
  .map(([els, s, extra]) => (extra.startsWith('*') ? extra + els.join(s) : els.join(s) + extra));

describe('address fast path = the general decoders', () => {
  it('on the usual forms, and it takes them', () => {
    for (const v of [
      'Bob <sip:bob@biloxi.com>;tag=a6c85cf',
      'Alice <sip:alice@atlanta.com>;tag=1928301774',
      '<sip:bob@192.0.2.4>',
      '<sip:server10.biloxi.com;lr>, <sip:bigbox3.site3.atlanta.com;lr>',
      '<sips:alice@pc33.atlanta.com:5061;transport=tcp>;expires=3600;q=0.7',
    ]) {
      const raw = enc(`X: ${v}\r\n`);
      expect(nameAddrListFastPath(v, raw, 3), v).not.toBeNull();
      expect(shapeOf(parseNameAddrListAt(v, raw, 3)), v).toEqual(shapeOf(parseNameAddrList(v)));
      expect(shapeOf(parseContactAt(v, raw, 3)), v).toEqual(shapeOf(parseContact(v)));
      if (!v.includes(',')) expect(shapeOf(parseNameAddrAt(v, raw, 3)), v).toEqual(shapeOf(parseNameAddr(v)));
    }
  });

  it('on values longer than 32 KiB (positions of any size)', () => {
    for (const n of [32_700, 32_768, 40_000]) {
      const v = `Bob <sip:bob@b.example;x=${'u'.repeat(n)};lr>;tag=1;y=${'h'.repeat(n)}, <sip:c.example>`;
      const raw = enc(`X: ${v}\r\n`);
      expect(nameAddrListFastPath(v, raw, 3), String(n)).not.toBeNull();
      expect(shapeOf(parseNameAddrListAt(v, raw, 3)), String(n)).toEqual(shapeOf(parseNameAddrList(v)));
    }
  });

  it('on generated values: single, list and Contact forms give the general answers', () => {
    let answered = 0;
    fc.assert(
      fc.property(fc.oneof(element, listValue), (v) => {
        const raw = enc(`Record-Route: ${v}\r\n`);
        const at = 14;
        if (nameAddrListFastPath(v, raw, at) !== null) answered++;
        expect(shapeOf(parseNameAddrAt(v, raw, at)), v).toEqual(shapeOf(parseNameAddr(v)));
        expect(shapeOf(parseNameAddrListAt(v, raw, at)), v).toEqual(shapeOf(parseNameAddrList(v)));
        expect(shapeOf(parseContactAt(v, raw, at)), v).toEqual(shapeOf(parseContact(v)));
        // the value as a slice of a longer string (decodeAllHeaders passes the header section)
        const text = `Record-Route: ${v}\r\n`;
        expect(shapeOf(parseNameAddrSpan(text, at, v.length, raw, at)), v).toEqual(shapeOf(parseNameAddr(v)));
        expect(shapeOf(parseNameAddrListSpan(text, at, v.length, raw, at)), v).toEqual(
          shapeOf(parseNameAddrList(v)),
        );
        expect(shapeOf(parseContactSpan(text, at, v.length, raw, at)), v).toEqual(shapeOf(parseContact(v)));
      }),
      { numRuns: 4000, seed: 0x4e41 },
    );
    expect(answered).toBeGreaterThan(300);
  });

  it('in a parsed message: decodeAllHeaders gives the general values and findings', () => {
    const msg =
      'SIP/2.0 200 OK\r\n' +
      'Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds\r\n' +
      'Record-Route: <sip:server10.biloxi.com;lr>, <sip:bigbox3.site3.atlanta.com;lr>\r\n' +
      'To: Bob <sip:bob@biloxi.com>;tag=a6c85cf\r\n' +
      'f: Alice<sip:alice@atlanta.com>;tag=1928301774\r\n' +
      'Call-ID: a@b\r\nCSeq: 1 INVITE\r\n' +
      'Contact: <sip:bob@192.0.2.4>, <sip:bob@192.0.2.400>\r\n' +
      'Content-Length: 0\r\n\r\n';
    const m = parseMessage(enc(msg));
    const diags = decodeAllHeaders(m);
    expect(shapeOf(toValue(m))).toEqual(shapeOf(parseNameAddr(m.header('to')!).value));
    expect(shapeOf(fromValue(m))).toEqual(shapeOf(parseNameAddr(m.header('from')!).value));
    expect(shapeOf(recordRouteValues(m))).toEqual(
      shapeOf(parseNameAddrList(m.header('record-route')!).value),
    );
    expect(shapeOf(contactValues(m))).toEqual(shapeOf([parseContact(m.header('contact')!).value]));
    // "Alice<" (no LWS) and the bad IPv4 address are reported as the general decoders report them
    expect(diags.map((d) => d.code).sort()).toEqual(['display-name-no-lws', 'uri-bad-ipv4']);
  });

  it('makes the URI of a value it read on the first read of `uri`: the same object after, replaceable', () => {
    const msg =
      'SIP/2.0 200 OK\r\n' +
      'Record-Route: <sip:server10.biloxi.com:5070;lr>, <sips:u@bigbox3.site3.atlanta.com;transport=tcp;lr>\r\n' +
      'To: Bob <sip:bob@192.0.2.4;user=phone>;tag=a6c85cf\r\n' +
      'From: <sip:alice@atlanta.com>;tag=19\r\n' +
      'Call-ID: a@b\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n';
    const m = parseMessage(enc(msg));
    expect(decodeAllHeaders(m)).toEqual([]);
    const rr = recordRouteValues(m);
    const to = toValue(m)!;
    const from = fromValue(m)!;
    const rrGeneral = parseNameAddrList(m.header('record-route')!).value!;
    for (const [v, general] of [
      [rr[0]!, rrGeneral[0]!],
      [rr[1]!, rrGeneral[1]!],
      [to, parseNameAddr(m.header('to')!).value!],
      [from, parseNameAddr(m.header('from')!).value!],
    ] as const) {
      const uri = v.uri;
      expect(shapeOf(uri), v.uriText).toEqual(shapeOf(general.uri));
      expect(v.uri, v.uriText).toBe(uri);
      expect(shapeOf(v), v.uriText).toEqual(shapeOf(general));
    }
    expect(rr[1]!.uri).toMatchObject({
      scheme: 'sips',
      user: 'u',
      host: 'bigbox3.site3.atlanta.com',
      port: null,
    });
    expect(rr[0]!.uri).toMatchObject({ scheme: 'sip', user: null, host: 'server10.biloxi.com', port: 5070 });
    expect(to.uri).toMatchObject({ user: 'bob', host: '192.0.2.4', hostType: 'ipv4' });
    // (made from where the URI stands, not from uriText, which a reader may have changed first)
    const m2 = parseMessage(enc(msg));
    decodeAllHeaders(m2);
    const to2 = toValue(m2)!;
    to2.uriText = 'x';
    expect(shapeOf(to2.uri)).toEqual(shapeOf(to.uri));
    const other = parseNameAddr('<sip:x@y>').value!.uri;
    from.uri = other;
    expect(from.uri).toBe(other);
  });
});
