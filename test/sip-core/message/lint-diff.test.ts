/**
 * The lint on the parser's index (`lintMessage` on a parsed message, lint.ts `lintIndexed`) gives
 * exactly the diagnostics of the general path (`lintGeneric`, the lint before session 11's speed work,
 * which any `SipMessage` that is not the parser's takes; its own output on every fixture is pinned by
 * lint-snapshot.test.ts), compared as JSON (codes, severities, messages, RFC sections, spans, order, key
 * order): on every fixture and public capture message, on generated messages built from common and
 * awkward header values (URIs with escapes, IPv6, ports, duplicate parameters, display names, quotes,
 * folding, non-ASCII, compact and odd-case names, duplicated single headers), and on random octet
 * mutations of them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lintMessage, parseMessage, type SipMessage } from '../../../src/sip-core/message/index';
import { lintCertainty } from '../../../src/sip-core/message/lint';
import {
  fastScanAvailable,
  lintField,
  lintNameAddr,
  lintUriTo,
  scanArena,
  scannerOffset,
} from '../../../src/sip-core/message/fast-scan';
import { INVITE_24_2, OK_200_RR } from '../../fixtures/sip-examples';
import { FIXTURES, havePublic, ingestFile, PUBLIC_CAPTURES } from '../capture/tshark-compare';

const here = path.dirname(fileURLToPath(import.meta.url));
const fixtures = path.resolve(here, '../../fixtures');

/** A `SipMessage` that is not a `ParsedMessage` (every member read through to one): the general path. */
function wrapped(m: SipMessage): SipMessage {
  return new Proxy({} as SipMessage, {
    get: (_t, k) => {
      const v: unknown = Reflect.get(m, k, m);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(m) : v;
    },
  });
}

/**
 * `b` copied into the scanner's arena, 5 octets in (a message read there, as the worker's message
 * checks read theirs: the lint asks the scanner's certainty tests first), or null without the scanner.
 */
function inArena(b: Uint8Array): Uint8Array | null {
  const a = scanArena(b.length + 5);
  if (a === null) return null;
  const v = a.subarray(5);
  v.set(b);
  expect(scannerOffset(v)).toBe(v.byteOffset);
  return v;
}

let flagged = 0;
/** The lint on the parser's index = the general path's on `b`, in any buffer and in the scanner's arena. */
function same(b: Uint8Array, what: string): void {
  const want = JSON.stringify(lintMessage(wrapped(parseMessage(b, 0, b.length))));
  const got = JSON.stringify(lintMessage(parseMessage(b, 0, b.length)));
  if (got !== want) expect(got, what).toBe(want);
  const a = inArena(b);
  if (a !== null) {
    const there = JSON.stringify(lintMessage(parseMessage(a, 0, a.length)));
    if (there !== want) expect(there, `${what} (in the arena)`).toBe(want);
  }
  if (want !== '[]') flagged++;
}

const enc = (s: string): Uint8Array => Buffer.from(s, 'utf8');

describe("lintMessage on the parser's index = the general lint", () => {
  it('on every fixture, capture fixture and public capture message', () => {
    flagged = 0;
    let n = 0;
    for (const b of [INVITE_24_2, OK_200_RR]) {
      same(enc(b), 'example');
      n++;
    }
    for (const dir of ['rfc4475', 'rfc5118', 'rfc5118/crlf']) {
      for (const f of readdirSync(path.join(fixtures, dir)).filter((x) => x.endsWith('.dat'))) {
        same(readFileSync(path.join(fixtures, dir, f)), `${dir}/${f}`);
        n++;
      }
    }
    const dirs = havePublic ? [FIXTURES, PUBLIC_CAPTURES] : [FIXTURES];
    for (const d of dirs) {
      for (const f of readdirSync(d).filter((x) => /\.(pcap|pcapng|cap|gz)$/.test(x))) {
        const t = ingestFile(`${d}/${f}`).trace;
        for (let i = 0; i < t.count; i++, n++) same(t.raw(i), `${f} #${i}`);
      }
    }
    expect(n).toBeGreaterThan(havePublic ? 1000 : 80);
    expect(flagged).toBeGreaterThan(40);
  });

  // IPv6 references: groups of every kind joined by ":" (so "::", ":::", too many or too few groups)
  const ipv6 = fc
    .array(
      fc.constantFrom('', '0', '1', 'ffff', 'FfFf', '12345', 'db8', '1.2.3.4', '1.2.3', '5070', '10', 'g'),
      {
        minLength: 1,
        maxLength: 10,
      },
    )
    .chain((g) =>
      fc
        .tuple(fc.constantFrom('sip:', 'sip:a@', 'sips:u%41@'), fc.constantFrom(']', ']:5070', '];lr', ''))
        .map(([pre, post]) => `${pre}[${g.join(':')}${post}`),
    );
  const uri0 = fc.constantFrom(
    'sip:[::1]',
    'sip:a@[::ffff:192.0.2.2]',
    'sip:[2001:db8:::192.0.2.1]',
    'sip:[2001:db8::10:5070]',
    'sip:[2001:db8::10]:5070',
    'sip:[1:2:3:4:5:6:7:8]',
    'sip:[1:2:3:4:5:6:7]',
    'sip:[1::2::3]',
    'sip:[::]',
    'sip:[1::]',
    'sip:[:1::2]',
    'sip:[1:2:3:4:5:6:1.2.3.4]',
    'sip:[::1;x]',
    'sip:[::1]x',
    'sip:[::1];maddr=[::2]',
    'sip:a%41@h',
    'sip:h:5060;x=a@b',
    'sip:[::1]:5;maddr=u@h',
    'sip:u@h:5060;x=a@b',
    'sip:a%4@h',
    'sip:a%@h',
    'sip:h;%6C%72;n%61me=v%25%34%31',
    'sip:h;x=%4',
    'sip:null-%00-null@h',
    'sip:h%41',
    'sip:bob@biloxi.com',
    'sip:+31201000000@b.example.com',
    'sip:alice0@10.1.0.1:5060',
    'sips:a@b.example;transport=tls',
    'sip:10.0.0.10;lr',
    'sip:h;lr;LR',
    'sip:h;lr;x=1;X=2',
    'sip:h;x=;y',
    'sip:h;;y',
    'sip:h;=v',
    'sip:a%20b@h',
    'sip:a%2@h',
    'sip:a@h%41',
    'sip:user:pass@h',
    'sip::pass@h',
    'sip:@h',
    'sip:a@',
    'sip:a@h:',
    'sip:a@h:65535',
    'sip:a@h:65536',
    'sip:a@h:0005060',
    'sip:a@h:50x',
    'sip:a@1.2.3.4',
    'sip:a@1.2.3.256',
    'sip:a@1.2.3',
    'sip:a@01.002.3.4',
    'sip:a@1-2.3',
    'sip:a@h_x.example',
    'sip:a@h!x',
    'sip:a@[2001:db8::1]:5060',
    'sip:a@[2001:db8::5060]',
    'sip:a@2001:db8::1',
    'sip:a@h?subject=x',
    'sip:a@h;x=a@b',
    'sip:a;b=c@h',
    'sip:a@h/path',
    'sip:a@h;a=b=c',
    'sip:a@h;p=<x>',
    'sip:a b@h',
    'sip:ä@h',
    'sip:a@h,b',
    'SIP:a@h',
    'sip:a@H.Example',
    'tel:+1-201-555-0123',
    'tel:+1;phone-context=x',
    'mailto:a@h',
    'http://h/',
    'urn:service:sos',
    'sip:',
    'sips:a@h;maddr=[::1]',
    'sip:a@h;expires=5',
    'sip:a@h:5060;user=phone;transport=udp',
  );
  const uri = fc.oneof(uri0, ipv6);
  const display = fc.constantFrom(
    '',
    'Bob ',
    '"Caller 0" ',
    '"A, \\"B\\"" ',
    '"unterminated ',
    'Bad@Name ',
    '  Spaced  Out  ',
    '"quoted"x ',
    'ä ',
    '"\\',
    'a\tb ',
  );
  const params = fc.constantFrom(
    '',
    ';tag=f0',
    ';tag=1;x',
    ';;tag=1',
    ';tag=1;',
    '; ;x',
    ';expires=3',
    ';EXPIRES = 4294967296',
    ';expires=x',
    ';q=0.7;expires=60',
    ';lr',
    ';x="a;b"',
    ';x=<y>',
    ';tag=a\r\n b',
  );
  const nameAddr = fc
    .tuple(display, fc.boolean(), uri, params)
    .map(([d, angle, u, p]) => (angle ? `${d}<${u}>${p}` : `${u}${p}`));
  const nameAddrList = fc
    .array(fc.oneof(nameAddr, fc.constantFrom('*', '', ' ', '<sip:a@h', 'sip:a@h,', '<sip:a,b@h>')), {
      minLength: 1,
      maxLength: 3,
    })
    .map((a) => a.join(', '));
  const name = (n: string): fc.Arbitrary<string> =>
    fc.constantFrom(
      n,
      n.toUpperCase(),
      n.toLowerCase(),
      n.replace(/^./, (c) => c.toLowerCase()),
    );
  const header = fc.oneof(
    fc.tuple(fc.constantFrom('To', 't', 'TO'), nameAddr).map(([n, v]) => `${n}: ${v}`),
    fc.tuple(fc.constantFrom('From', 'f', 'fROM'), nameAddr).map(([n, v]) => `${n}: ${v}`),
    fc
      .tuple(
        fc.constantFrom(
          'Contact',
          'm',
          'Route',
          'Record-Route',
          'Reply-To',
          'Refer-To',
          'r',
          'Referred-By',
          'b',
          'P-Asserted-Identity',
          'P-Preferred-Identity',
          'Path',
        ),
        nameAddrList,
      )
      .chain(([n, v]) => name(n).map((nn) => `${nn}: ${v}`)),
    fc.constantFrom(
      'Via: SIP/2.0/UDP h;branch=z9hG4bK1',
      'Via: SIP/2.0/UDP h;branch=abc',
      'Via: SIP/2.0/UDP h;branch=z9hG4bK',
      'Via: SIP/2.0/UDP h',
      'v: SIP/2.0/UDP h;branch=z9hG4bKä',
      'Call-ID: c1',
      'i: c2',
      'CSeq: 1 OPTIONS',
      'CSeq: 1 INVITE',
      'CSeq: 2 BYE',
      'cseq: 1 OPTIONZ',
      'Max-Forwards: 70',
      'Content-Type: text/plain',
      'User-Agent: x',
      'user-agent: y',
      'Server: s',
      'Subject: a',
      's: b',
      'Session-Expires: 90',
      'x: 90',
      'Date: Sat, 13 Nov 2010 23:29:00 GMT',
      'Date: yesterday',
      'Expires: 60',
      'Expires: 4294967296',
      'Retry-After: 18000;duration=3600',
      'Retry-After: soon',
      'Warning: 370 devnull "Choose a bigger pipe"',
      'Warning: 37 x "y", 399 h "z"',
      'Allow: INVITE, ACK',
      'X-Odd: ä',
      'Tö: <sip:a@h>',
      'Contact: <sip:a@h>;\r\n expires=5',
      'To: <sip:a@h>\r\n ;tag=x',
    ),
  );
  const startLine = fc.oneof(
    fc
      .tuple(fc.constantFrom('OPTIONS', 'INVITE', 'BYE', 'ACK', 'FOO'), uri)
      .map(([m, u]) => `${m} ${u} SIP/2.0`),
    fc.constantFrom('INVITE <sip:a@h> SIP/2.0', 'SIP/2.0 200 OK', 'SIP/2.0 180 Ringing'),
  );
  const message = fc
    .tuple(startLine, fc.array(header, { minLength: 0, maxLength: 12 }), fc.constantFrom('', 'v=0\r\n'))
    .map(
      ([s, hs, body]) =>
        `${s}\r\n${hs.join('\r\n')}${hs.length ? '\r\n' : ''}Content-Length: ${body.length}\r\n\r\n${body}`,
    );

  it('on generated messages', () => {
    flagged = 0;
    fc.assert(
      fc.property(message, (m) => {
        same(enc(m), m);
      }),
      { numRuns: 4000, seed: 11 },
    );
    expect(flagged).toBeGreaterThan(1000);
  });

  const octet = fc.constantFrom(
    ...[
      ';',
      ',',
      '<',
      '>',
      '"',
      '\\',
      '@',
      ':',
      '%',
      '?',
      '[',
      ']',
      ' ',
      '\t',
      '\r',
      '\n',
      '=',
      '*',
      'z',
      'Z',
      '0',
      '.',
      '-',
    ].map((c) => c.charCodeAt(0)),
    0xc3,
    0x80,
    0,
  );
  it("the scanner's certainty tests answer as the JavaScript ones (name-addr elements, URIs, their mutations)", () => {
    expect(fastScanAvailable()).toBe(true);
    let clean = 0;
    let total = 0;
    /** Every test on `text` (and on it with one octet changed): the scanner's answer = the JavaScript one. */
    const agree = (b: Uint8Array): void => {
      const a = inArena(b)!;
      const at = scannerOffset(a);
      const n = a.length;
      for (const kind of [0, 1, 2]) {
        const js = lintCertainty.nameAddrClean(a, 0, n, kind) ? 1 : 0;
        const got = lintNameAddr(at, at + n, kind);
        if (got !== js) expect(got, `${Buffer.from(b).toString('latin1')} kind ${kind}`).toBe(js);
        clean += js;
        total++;
      }
      // a whole field value (a list: split at commas where there is one, which only the JavaScript does)
      const comma = b.includes(44);
      for (const flags of [0, 1, 2, 4, 5, 6]) {
        const js = lintCertainty.fieldClean(a, 0, n, flags) ? 1 : 0;
        const got = lintField(at, at + n, flags);
        const want = (flags & 4) !== 0 && comma ? 0 : js;
        if (got !== want) expect(got, `${Buffer.from(b).toString('latin1')} field ${flags}`).toBe(want);
      }
      for (const [from, term] of [
        [0, -1],
        [1, 62],
        [0, 62],
      ] as const) {
        if (from > n) continue;
        const js = lintCertainty.uriCleanTo(a, from, n, term);
        const got = lintUriTo(at + from, at + n, term);
        const want = js < 0 ? -1 : at + js;
        if (got !== want) expect(got, `${Buffer.from(b).toString('latin1')} uri ${from} ${term}`).toBe(want);
      }
    };
    const piece = fc.oneof(nameAddr, uri, nameAddrList);
    fc.assert(
      fc.property(piece, fc.nat(), octet, (t, at, o) => {
        const b = enc(t);
        agree(b);
        if (b.length > 0) {
          const m = b.slice();
          m[at % m.length] = o;
          agree(m);
        }
      }),
      { numRuns: 6000, seed: 26 },
    );
    // (both answers occur often: the property compares more than "not certain" with itself)
    expect(clean).toBeGreaterThan(total / 10);
    expect(clean).toBeLessThan(total * 0.9);
  });

  it('on octet mutations of generated and bench-like messages', () => {
    const bases = fc.oneof(
      message,
      fc.constantFrom(
        INVITE_24_2,
        OK_200_RR,
        'INVITE sip:+31201000000@b.example.com SIP/2.0\r\nVia: SIP/2.0/UDP 10.1.0.1:5060;branch=z9hG4bK-a0;rport\r\n' +
          'Max-Forwards: 70\r\nFrom: "Caller 0" <sip:alice0@a.example.com>;tag=f0\r\nTo: <sip:+31201000000@b.example.com>\r\n' +
          'Call-ID: 0-0@10.1.0.1\r\nCSeq: 1 INVITE\r\nUser-Agent: sipscope-bench/1.0\r\nContact: <sip:alice0@10.1.0.1:5060>\r\n' +
          'Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, UPDATE\r\nRecord-Route: <sip:10.0.0.10;lr>\r\nContent-Length: 0\r\n\r\n',
      ),
    );
    fc.assert(
      fc.property(
        bases,
        fc.array(fc.tuple(fc.nat(), octet, fc.constantFrom('set', 'insert', 'delete')), {
          minLength: 1,
          maxLength: 4,
        }),
        (m, edits) => {
          const b = [...enc(m)];
          for (const [at, c, op] of edits) {
            const k = at % Math.max(1, b.length);
            if (op === 'set') b[k] = c;
            else if (op === 'insert') b.splice(k, 0, c);
            else b.splice(k, 1);
          }
          same(Uint8Array.from(b), JSON.stringify(Buffer.from(b).toString('latin1')));
        },
      ),
      { numRuns: 6000, seed: 12 },
    );
  });
});
