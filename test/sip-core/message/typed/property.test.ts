/**
 * Properties: no decoder throws on arbitrary input (STYLE.md habit 6), and URIs survive
 * parse → format → parse (RFC 3261 §19.1).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseAuthorization, parseVia, TYPED_HEADERS } from '../../../../src/sip-core/message/headers';
import { parseMultipart } from '../../../../src/sip-core/message/multipart';
import {
  formatNameAddr,
  parseContact,
  parseNameAddr,
  parseNameAddrList,
} from '../../../../src/sip-core/message/name-addr';
import { parseParams } from '../../../../src/sip-core/message/params';
import { parseSdp } from '../../../../src/sip-core/message/sdp';
import { formatUri, parseUri, uriEquals } from '../../../../src/sip-core/message/uri';

/** Strings biased towards SIP's special characters, so scanners meet their edge cases. */
const sipish = fc.string({
  unit: fc.constantFrom(
    ...'abcXYZ019 \t\r\n;,:=@<>"\\%?&[]/*.+-_~!\'()#$'.split(''),
    '%4',
    '%41',
    'sip:',
    'tel:',
    'SIP/2.0/UDP ',
    'Digest ',
    '\u00e9',
    '\u0000',
  ),
  maxLength: 80,
});
const anything = fc.oneof(sipish, fc.string({ maxLength: 60 }), fc.string({ unit: 'binary', maxLength: 60 }));

describe('no decoder throws on arbitrary strings (and the result is well-formed)', () => {
  const decoders: Array<[string, (v: string) => { value: unknown; diagnostics: unknown[] }]> = [
    ...Object.entries(TYPED_HEADERS),
    ['parseUri', parseUri],
    ['parseNameAddr', parseNameAddr],
    ['parseNameAddrList', parseNameAddrList],
    ['parseContact', parseContact],
    ['parseParams', parseParams],
    ['parseSdp', parseSdp],
  ];
  for (const [name, fn] of decoders) {
    it(name, () => {
      fc.assert(
        fc.property(anything, (v) => {
          const d = fn(v);
          expect(Array.isArray(d.diagnostics)).toBe(true);
          expect(d.value).not.toBeUndefined();
          for (const x of d.diagnostics as Array<{ code: string; span?: { start: number; end: number } }>) {
            expect(x.code).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
            if (x.span) {
              expect(x.span.start).toBeGreaterThanOrEqual(0);
              expect(x.span.end).toBeGreaterThanOrEqual(x.span.start);
            }
          }
        }),
        { numRuns: 250 },
      );
    });
  }
  it('parseMultipart on arbitrary bytes', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 200 }),
        fc.constantFrom('b', 'xyz', '--', 'a b'),
        (bytes, boundary) => {
          const d = parseMultipart(bytes, boundary);
          for (const p of d.value?.parts ?? []) {
            expect(p.body.start).toBeLessThanOrEqual(p.body.end);
            expect(p.body.end).toBeLessThanOrEqual(bytes.length);
          }
        },
      ),
      { numRuns: 400 },
    );
  });
});

// Generators for well-formed SIP URIs.
const alnum = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const chars = (set: string, min: number, max: number) =>
  fc.string({ unit: fc.constantFrom(...set.split('')), minLength: min, maxLength: max });
const escaped = fc.constantFrom('%20', '%40', '%3A', '%3b', '%25', '%61');
const user = fc
  .array(fc.oneof(chars(alnum + "-_.!~*'()&=+$,;?/", 1, 4), escaped), { minLength: 1, maxLength: 5 })
  .map((a) => a.join(''));
const label = chars(alnum, 1, 6).filter((s) => /^[a-z]/i.test(s));
const domain = fc.array(label, { minLength: 1, maxLength: 3 }).map((a) => a.join('.'));
const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((a) => a.join('.'));
const ipv6 = fc
  .array(fc.nat(0xffff), { minLength: 8, maxLength: 8 })
  .map((g) => `[${g.map((x) => x.toString(16)).join(':')}]`);
const pname = chars('abcdefghijklmnopqrstuvwxyz-', 1, 8);
const pvalue = fc.option(chars(alnum + "-_.!~*'()[]/:&+$", 1, 8), { nil: null });
const params = fc.array(fc.tuple(pname, pvalue), { maxLength: 4 }).map((a) => {
  const seen = new Set<string>();
  return a.filter(([n]) => !seen.has(n) && seen.add(n));
});
const hdrs = fc.array(
  fc.tuple(
    chars(alnum, 1, 6),
    chars(alnum + '-_.%', 0, 8).filter((s) => !/%(?![0-9A-Fa-f]{2})/.test(s)),
  ),
  { maxLength: 3 },
);

const sipUri = fc
  .record({
    scheme: fc.constantFrom('sip', 'sips'),
    user: fc.option(user, { nil: null }),
    password: fc.option(chars(alnum + '&=+$,', 0, 6), { nil: null }),
    host: fc.oneof(domain, ipv4, ipv6),
    port: fc.option(fc.nat(65535), { nil: null }),
    params,
    headers: hdrs,
  })
  .map((r) => {
    let s = `${r.scheme}:`;
    if (r.user !== null) s += r.user + (r.password !== null ? ':' + r.password : '') + '@';
    s += r.host + (r.port !== null ? ':' + r.port : '');
    for (const [n, v] of r.params) s += v === null ? `;${n}` : `;${n}=${v}`;
    r.headers.forEach(([n, v], i) => (s += `${i ? '&' : '?'}${n}=${v}`));
    return s;
  });

function noSpans(v: unknown): unknown {
  return JSON.parse(JSON.stringify(v, (k, x: unknown) => (k === 'span' ? undefined : x)));
}

describe('URI round trip: parse → format → parse (RFC 3261 §19.1)', () => {
  it('well-formed sip/sips URIs parse without errors and format back to the same text', () => {
    fc.assert(
      fc.property(sipUri, (text) => {
        const d = parseUri(text);
        expect(d.diagnostics.filter((x) => x.severity === 'error')).toEqual([]);
        expect(formatUri(d.value!)).toBe(text);
        expect(uriEquals(text, formatUri(d.value!))).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });
  it('arbitrary strings that yield a URI give the same URI after formatting', () => {
    fc.assert(
      fc.property(anything, (text) => {
        const a = parseUri(text).value;
        if (!a) return;
        const b = parseUri(formatUri(a)).value;
        // Spans are offsets in the text, which formatting may normalise (e.g. "host:;p" → "host;p").
        expect(noSpans(b)).toEqual(noSpans(a));
      }),
      { numRuns: 1000 },
    );
  });
  it('name-addr values survive formatNameAddr', () => {
    fc.assert(
      fc.property(
        sipUri,
        fc.option(chars(alnum + ' "\\,;<>', 0, 10), { nil: null }),
        params,
        (uri, name, ps) => {
          let v = name === null ? `<${uri}>` : `"${name.replace(/["\\]/g, '\\$&')}" <${uri}>`;
          for (const [n, val] of ps) v += val === null ? `;${n}` : `;${n}=${val}`;
          const once = parseNameAddr(v).value!;
          const twice = parseNameAddr(formatNameAddr(once)).value!;
          expect(noSpans(twice)).toEqual(noSpans(once));
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('linear time on hostile input (no backtracking)', () => {
  it('100 kB values decode quickly', () => {
    const big = [
      ';'.repeat(100_000),
      '"'.repeat(100_000),
      '<'.repeat(100_000),
      'a,'.repeat(50_000),
      '%'.repeat(100_000),
      ':'.repeat(100_000),
    ];
    const t0 = performance.now();
    for (const v of big) {
      parseVia(v);
      parseNameAddrList(v);
      parseUri('sip:' + v);
      parseAuthorization('Digest ' + v);
      parseSdp(v);
    }
    expect(performance.now() - t0).toBeLessThan(3000);
  });
});

describe('hostile repetition stays bounded (no spread of huge arrays, one finding per component)', () => {
  it('100 000 bad escapes in a URI inside a name-addr: one diagnostic, no throw', () => {
    const d = parseNameAddr('<sip:' + '%'.repeat(100_000) + '@h>');
    expect(d.diagnostics.filter((x) => x.code === 'uri-bad-escape')).toHaveLength(1);
  });
  it('";" repeated 100 000 times: one param-empty', () => {
    expect(parseParams(';'.repeat(100_000)).diagnostics).toHaveLength(1);
  });
  it('unescapeUri of a 200 kB escaped string', async () => {
    const { unescapeUri } = await import('../../../../src/sip-core/message/uri');
    expect(unescapeUri('%41'.repeat(70_000))).toBe('A'.repeat(70_000));
    expect(unescapeUri('%C3%A9'.repeat(40_000))).toBe('é'.repeat(40_000));
  });
});
