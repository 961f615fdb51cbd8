/**
 * The analysis' byte read of a message (message-view.ts) against the full parser: every field and every key
 * it hashes must equal what the parse gives, on the fixtures, the public captures (skipped when
 * absent), hand-made edge cases and generated messages; and the common form must take the fast path.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseMessage, type SipMessage } from '../../../src/sip-core/message';
import { AnalysisMessage } from '../../../src/sip-core/analysis/message-view';
import { transactionKey } from '../../../src/sip-core/analysis/transaction/transaction';
import { dialogKeyOf } from '../../../src/sip-core/analysis/dialog/dialog';
import { keyEnd, keyStart } from '../../../src/sip-core/analysis/key-table';
import { bareHost, isPrivateAddress } from '../../../src/sip-core/analysis/address';
import { ingestBytes, ingestSipText } from '../../../src/sip-core/trace/trace-builder';
import { parseFixture } from '../../fixtures/analysis/load';

const repo = path.resolve(import.meta.dirname, '../../..');
const pub = path.resolve(repo, '../shared/captures/public');

function fields(m: AnalysisMessage): unknown[] {
  // The prefilter never hides a private sent-by.
  const sb = m.viaSentBy;
  expect(m.viaSentByMayBePrivate || !(sb && isPrivateAddress(bareHost(sb)))).toBe(true);
  // "Loose" from the bytes only when every Record-Route value passes the strict-routing rule's test.
  if (m.recordRoutesLoose)
    for (const rr of m.values('record-route')) {
      const lt = rr.indexOf('<');
      const gt = rr.indexOf('>');
      expect(/;\s*lr(\s*[=;]|\s*$)/i.test(lt >= 0 && gt > lt ? rr.slice(lt + 1, gt) : rr)).toBe(true);
    }
  // The host comparison never says equal for another host.
  if (sb) expect(m.viaSentByHostIs(`${bareHost(sb)}.`)).toBe(false);
  // The Request-URI user from the octets is the analyzer's regex on the decoded URI.
  expect(m.requestUriUser()).toBe(/^sips?:([^@;>]+)@/i.exec(m.requestUri ?? '')?.[1] ?? null);
  const out: unknown[] = [
    m.kind,
    m.method,
    m.status,
    m.cseq,
    m.cseqMethod,
    m.callId,
    m.viaCount,
    m.recordRouteCount,
    m.bodyStart,
    m.bodyLength,
    m.requestUri,
    m.reason,
    m.branch,
    m.viaSentBy,
    m.viaTransport,
    m.viaRport,
    m.fromTag,
    m.toTag,
    m.contentType,
    m.contact,
    m.hasToTag,
    m.hasFromTag,
    m.hasContact,
    m.contentTypeIsSdp,
    m.branchHasCookie,
    transactionKey(m),
    transactionKey(m, 'ACK'),
  ];
  if (m.hasFromTag) {
    keyStart();
    m.keyFromTag();
    out.push(keyEnd());
  }
  if (m.hasFromTag && m.hasToTag) out.push(dialogKeyOf(m, 7), m.compareTags() < 0);
  return out;
}

const fast = new AnalysisMessage();
const slow = new AnalysisMessage();
const byText = new AnalysisMessage();

/** The parse seen only through its getters (not a ParsedMessage): the view then reads every field and key as text. */
function throughGetters(p: SipMessage): SipMessage {
  const o = {} as Record<string, unknown>;
  for (const k of [
    'raw',
    'start',
    'end',
    'kind',
    'method',
    'status',
    'cseq',
    'cseqMethod',
    'callId',
    'viaCount',
    'recordRouteCount',
    'bodyStart',
    'bodyLength',
    'requestUri',
    'reason',
    'branch',
    'viaSentBy',
    'viaTransport',
    'viaRport',
    'fromTag',
    'toTag',
    'contentType',
  ] as const)
    o[k] = p[k];
  o.header = (n: string) => p.header(n);
  o.values = (n: string) => p.values(n);
  return o as unknown as SipMessage;
}

/** The keys and orders the analysis derives (hashed from octets in span mode, from text otherwise). */
function keys(m: AnalysisMessage): unknown[] {
  const out: unknown[] = [m.branchHasCookie, transactionKey(m), transactionKey(m, 'ACK')];
  if (m.hasFromTag) {
    keyStart();
    m.keyFromTag();
    out.push(keyEnd());
  }
  if (m.hasFromTag && m.hasToTag) out.push(dialogKeyOf(m, 7), Math.sign(m.compareTags()));
  return out;
}

/** Checks one message; returns true when it took the fast path. */
function check(buf: Uint8Array, start: number, end: number, callId: string | null): boolean {
  fast.read(buf, start, end, callId);
  const p = parseMessage(buf, start, end);
  slow.useMessage(p, callId);
  expect(fields(fast)).toEqual(fields(slow));
  // Keys from the octets equal the keys of the text (non-ASCII fields included).
  byText.useMessage(throughGetters(p), callId);
  expect(byText.fallback).toBe(true);
  expect(keys(fast)).toEqual(keys(byText));
  // The fields `read` takes from the scanner's output (no ParsedMessage) equal the parse's getters,
  // and headers it does not keep come from a parse made on demand.
  expect([
    fast.kind,
    fast.method,
    fast.status,
    fast.cseq,
    fast.cseqMethod,
    fast.callId,
    fast.viaCount,
    fast.recordRouteCount,
    fast.bodyStart,
    fast.bodyLength,
    fast.contact,
    fast.values('via'),
  ]).toEqual([
    p.kind,
    p.method,
    p.status,
    p.cseq,
    p.cseqMethod,
    callId ?? p.callId,
    p.viaCount,
    p.recordRouteCount,
    p.bodyStart,
    p.bodyLength,
    p.header('contact'),
    p.values('via'),
  ]);
  return !fast.fallback;
}

function checkTrace(file: string): { n: number; fastPath: number } {
  const bytes = new Uint8Array(readFileSync(file));
  const r = ingestBytes(bytes, path.basename(file));
  const t = r.trace;
  let fastPath = 0;
  for (let i = 0; i < t.count; i++) {
    const raw = t.raw(i);
    // Offset inside a larger buffer, as the ingest passes it.
    const big = new Uint8Array(raw.length + 7);
    big.set(raw, 3);
    if (check(big, 3, 3 + raw.length, t.callId(i))) fastPath++;
  }
  return { n: t.count, fastPath };
}

const enc = new TextEncoder();

describe('AnalysisMessage.read equals the parser', () => {
  it('on the sample call (SIPp → Kamailio → SIPp): every message on the fast path', () => {
    const { n, fastPath } = checkTrace(path.join(repo, 'resources/samples/sample-call.pcap'));
    expect(n).toBe(49);
    expect(fastPath).toBe(n);
  });

  it('on the capture fixtures', () => {
    const dir = path.join(repo, 'test/fixtures/capture');
    let total = 0;
    for (const f of readdirSync(dir)) {
      if (!/\.(pcap|pcapng)$/.test(f)) continue;
      total += checkTrace(path.join(dir, f)).n;
    }
    expect(total).toBeGreaterThan(0);
  });

  it('on the analysis fixtures (.sip)', () => {
    let n = 0;
    let fastPath = 0;
    for (const sub of ['calls', 'rules']) {
      const dir = path.join(repo, 'test/fixtures/analysis', sub);
      for (const f of readdirSync(dir)) {
        for (const m of parseFixture(readFileSync(path.join(dir, f), 'utf8'))) {
          const b = enc.encode(m.text);
          n++;
          if (check(b, 0, b.length, parseMessage(b).callId)) fastPath++;
        }
      }
    }
    expect(n).toBeGreaterThan(200);
    expect(fastPath / n).toBeGreaterThan(0.9);
  });

  it('on the RFC 4475 / RFC 5118 torture messages', () => {
    for (const sub of ['rfc4475', 'rfc5118']) {
      const dir = path.join(repo, 'test/fixtures', sub);
      for (const f of readdirSync(dir)) {
        if (!/\.(dat|sip)$/.test(f)) continue;
        const b = new Uint8Array(readFileSync(path.join(dir, f)));
        const t = ingestSipText(b, f).trace;
        for (let i = 0; i < t.count; i++) {
          const raw = t.raw(i);
          check(raw, 0, raw.length, t.callId(i));
        }
      }
    }
  });

  it.skipIf(!existsSync(pub))('on every public capture', () => {
    for (const f of readdirSync(pub)) {
      if (!/\.(pcap|pcapng|cap)$/.test(f)) continue;
      checkTrace(path.join(pub, f));
    }
  });

  const base = [
    'INVITE sip:bob@example.com SIP/2.0',
    'Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK776asdhds;rport',
    'Max-Forwards: 70',
    'To: Bob <sip:bob@example.com>',
    'From: "Alice \\"A\\"" <sip:alice@example.com>;tag=1928301774',
    'Call-ID: a84b4c76e66710@pc33.example.com',
    'CSeq: 314159 INVITE',
    'Contact: <sip:alice@10.0.0.1>',
    'Content-Type: application/sdp',
    'Content-Length: 4',
    '',
    'v=0\r\n',
  ];
  const variants: [string, (l: string[]) => string[]][] = [
    ['as is', (l) => l],
    [
      'compact forms',
      (l) =>
        l.map((x) =>
          x
            .replace(/^Via:/, 'v:')
            .replace(/^To:/, 't:')
            .replace(/^From:/, 'f:'),
        ),
    ],
    ['folded Via', (l) => l.map((x) => x.replace(';branch', '\r\n ;branch'))],
    [
      'two Via values on a line',
      (l) => l.map((x) => (x.startsWith('Via') ? `${x}, SIP/2.0/TCP b.example.com` : x)),
    ],
    ['Via without cookie', (l) => l.map((x) => x.replace('z9hG4bK', 'xx'))],
    ['Via with IPv6 and no port', (l) => l.map((x) => x.replace('10.0.0.1:5060', '[2001:db8::1]'))],
    ['Via private with leading zero', (l) => l.map((x) => x.replace('10.0.0.1:5060', '010.0.0.1'))],
    ['Via private IPv6', (l) => l.map((x) => x.replace('10.0.0.1:5060', '[FD00::1]:5060'))],
    ['Via TLS without port', (l) => l.map((x) => x.replace('UDP 10.0.0.1:5060', 'tls Host.Example.COM'))],
    ['Via with spaces around ;', (l) => l.map((x) => x.replace(';branch=', ' ; branch = '))],
    ['quoted tag', (l) => l.map((x) => x.replace('tag=1928301774', 'tag="q"'))],
    [
      'To tag',
      (l) => l.map((x) => x.replace('Bob <sip:bob@example.com>', 'Bob <sip:bob@example.com>;TAG=abc')),
    ],
    ['tags equal', (l) => l.map((x) => x.replace('Bob <sip:bob@example.com>', '<sip:b@x>;tag=1928301774'))],
    ['non-ASCII tag', (l) => l.map((x) => x.replace('1928301774', 'tägg'))],
    [
      'non-ASCII tags that sort differently as octets',
      (l) =>
        l.map((x) =>
          x
            .replace('1928301774', 'a\u{1F600}')
            .replace('Bob <sip:bob@example.com>', 'Bob <sip:bob@example.com>;tag=a\uFFFD'),
        ),
    ],
    ['non-ASCII branch', (l) => l.map((x) => x.replace('776asdhds', '776äsdhds'))],
    ['non-ASCII sent-by', (l) => l.map((x) => x.replace('10.0.0.1:5060', 'hösti.example'))],
    ['bare LF', (l) => l],
    ['no Content-Length', (l) => l.filter((x) => !x.startsWith('Content-Length'))],
    ['Content-Length too big', (l) => l.map((x) => x.replace('Length: 4', 'Length: 400'))],
    ['two Content-Length', (l) => [...l.slice(0, 9), 'l: 3', ...l.slice(9)]],
    ['bad Content-Length', (l) => l.map((x) => x.replace('Length: 4', 'Length: x4'))],
    ['leading CRLF', (l) => ['', ...l]],
    ['space before colon', (l) => l.map((x) => x.replace('Via:', 'Via :'))],
    [
      'Record-Route strict',
      (l) => [...l.slice(0, 2), 'Record-Route: <sip:p1;lr>', 'Record-Route: <sip:p2;lrx>', ...l.slice(2)],
    ],
    [
      'Record-Route lr=on, spaces',
      (l) => [
        ...l.slice(0, 2),
        'Record-Route: "a" <sip:p1;lr=on>',
        'Record-Route: <sip:p2; lr>',
        ...l.slice(2),
      ],
    ],
    ['Record-Route list', (l) => [...l.slice(0, 2), 'Record-Route: <sip:p1;lr>, <sip:p2;lr>', ...l.slice(2)]],
    [
      'Record-Route lines',
      (l) => [...l.slice(0, 2), 'Record-Route: <sip:p1;lr>', 'record-route: <sip:p2>', ...l.slice(2)],
    ],
    ['response', (l) => ['SIP/2.0 180 Ringing', ...l.slice(1)]],
    ['response, no reason', (l) => ['SIP/2.0 200', ...l.slice(1)]],
    ['response, two SP', (l) => ['SIP/2.0  200 OK', ...l.slice(1)]],
    ['lower-case version', (l) => ['INVITE sip:b@x sip/2.0', ...l.slice(1)]],
    ['trailing space on the request line', (l) => ['INVITE sip:b@x SIP/2.0 ', ...l.slice(1)]],
    ['no header end', (l) => l.slice(0, 10)],
    ['empty Via', (l) => l.map((x) => (x.startsWith('Via') ? 'Via:' : x))],
    ['CSeq huge', (l) => l.map((x) => x.replace('314159', '4294967296'))],
    ['CSeq 2^31', (l) => l.map((x) => x.replace('314159', '2147483648'))],
    ['content type SDP upper', (l) => l.map((x) => x.replace('application/sdp', 'Application/SDP'))],
    [
      'Contact compact, trailing spaces',
      (l) => l.map((x) => (x.startsWith('Contact') ? 'm:  <sip:a@b>  ' : x)),
    ],
    ['rport with value', (l) => l.map((x) => x.replace(';rport', ';rport=1234;received=1.2.3.4'))],
    ['CR inside a value', (l) => l.map((x) => x.replace('Max-Forwards: 70', 'Max-Forwards: 70\r'))],
    ['Via branch twice', (l) => l.map((x) => x.replace(';rport', ';branch=z9hG4bKother'))],
    ['unknown method', (l) => ['FOO sip:b@x SIP/2.0', ...l.slice(1)]],
  ];
  for (const [name, f] of variants) {
    it(`edge case: ${name}`, () => {
      const text = name === 'bare LF' ? f(base).join('\n') : f(base).join('\r\n');
      const b = enc.encode(text);
      check(b, 0, b.length, 'a84b4c76e66710@pc33.example.com');
    });
  }

  it('a sent-by without port keys like the same host with the default port (CANCEL vs INVITE, §17.2.3)', () => {
    const key = (via: string, method: string): number => {
      const b = enc.encode(
        `${method} sip:b@x SIP/2.0\r\nVia: SIP/2.0/UDP ${via};branch=z9hG4bKabc\r\nCSeq: 1 ${method}\r\n\r\n`,
      );
      return transactionKey(new AnalysisMessage().read(b, 0, b.length, 'c'), 'INVITE');
    };
    expect(key('192.168.1.2', 'CANCEL')).toBe(key('192.168.1.2:5060', 'INVITE'));
    expect(key('Host.Example.COM', 'CANCEL')).toBe(key('host.example.com:5060', 'INVITE'));
    expect(key('[2001:db8::1]', 'CANCEL')).toBe(key('[2001:db8::1]:5060', 'INVITE'));
    expect(key('192.168.1.2:5061', 'CANCEL')).not.toBe(key('192.168.1.2', 'INVITE'));
  });

  it('the Request-URI user read from the octets equals the regex on the decoded URI', () => {
    const uris = [
      'sip:alice@a.example',
      'SIPS:Bob@b.example;transport=tls',
      'sIp:+4930123@gw',
      'sip:user;x=1@host',
      'sip:host.example',
      'sip:@host',
      'tel:+4930123',
      'sipx:alice@host',
      'sips:ä-ö@host',
      'sip:a>b@host',
      'sip:a%40b@host',
    ];
    for (const uri of uris) {
      const b = enc.encode(
        `INVITE ${uri} SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKa\r\nCSeq: 1 INVITE\r\n\r\n`,
      );
      const m = new AnalysisMessage().read(b, 0, b.length, 'c');
      expect(m.requestUriUser(), uri).toBe(/^sips?:([^@;>]+)@/i.exec(m.requestUri ?? '')?.[1] ?? null);
      expect(m.requestUri, uri).toBe(uri);
    }
    const b = enc.encode('INVITE sip:carol@c SIP/2.0\r\nCSeq: 1 INVITE\r\n\r\n');
    expect(new AnalysisMessage().read(b, 0, b.length, 'c').requestUriUser()).toBe('carol');
  });

  it('the common form takes the fast path', () => {
    const b = enc.encode(base.join('\r\n'));
    expect(check(b, 0, b.length, 'x')).toBe(true);
    fast.read(b, 0, b.length, 'x');
    expect(fast.viaSentByHostIs('10.0.0.1')).toBe(true);
    expect(fast.viaSentByHostIs('10.0.0.10')).toBe(false);
    const rr = enc.encode(
      [
        ...base.slice(0, 2),
        'Record-Route: <sip:p1;lr>',
        'Record-Route: <sip:p2;LR;x=1>',
        ...base.slice(2),
      ].join('\r\n'),
    );
    expect(fast.read(rr, 0, rr.length, 'x').recordRoutesLoose).toBe(true);
  });

  it('generated header lines: same fields as the parser', () => {
    const token = fc.stringMatching(/^[A-Za-z0-9.!%*_+`'~-]{1,8}$/);
    const junk = fc.constantFrom(' ', '\t', ';', ',', '"', '<', '>', '=', ':', '[', ']', '\\', '\r', 'ä', '');
    const part = fc.oneof(token, junk);
    const value = fc.array(part, { maxLength: 10 }).map((a) => a.join(''));
    const name = fc.constantFrom(
      'Via',
      'v',
      'From',
      'f',
      'To',
      't',
      'CSeq',
      'Contact',
      'm',
      'Record-Route',
      'Content-Length',
      'l',
      'c',
      'X-Y',
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(name, value), { maxLength: 6 }), fc.boolean(), (hs, resp) => {
        const lines = [
          resp ? 'SIP/2.0 200 OK' : 'BYE sip:a@b SIP/2.0',
          'Via: SIP/2.0/UDP h:1;branch=z9hG4bKa',
          ...hs.map(([n, v]) => `${n}: ${v}`),
          'From: <sip:a@b>;tag=x',
          'To: <sip:c@d>;tag=y',
          'CSeq: 1 BYE',
          '',
          '',
        ];
        const b = enc.encode(lines.join('\r\n'));
        check(b, 0, b.length, 'cid');
      }),
      { numRuns: 400 },
    );
  });
});
