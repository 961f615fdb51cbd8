/**
 * The structural parser's storage and fast paths: the header index lives in shared Int32Array chunks
 * (one message after another), names are compared as 32-bit words, line ends and commas are found
 * four octets at a time. These tests pin what those must never change: every message keeps its own
 * fields however many follow it, an index larger than a chunk moves intact, the same bytes give the
 * same result from a Buffer at any byteOffset, and the word compares accept every case spelling and
 * nothing else.
 */
import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { decodeAllHeaders, parseMessage, type SipMessage } from '../../../src/sip-core/message/index';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

function request(i: number, extra = ''): string {
  return (
    `OPTIONS sip:u${i}@example.com SIP/2.0\r\n` +
    `Via: SIP/2.0/UDP h${i}.example.com;branch=z9hG4bK${i}, SIP/2.0/TCP b.example.com;branch=z9hG4bKx\r\n` +
    `From: <sip:a@example.com>;tag=f${i}\r\n` +
    `To: <sip:b@example.com>\r\n` +
    `Call-ID: c${i}\r\n` +
    `CSeq: ${i} OPTIONS\r\n` +
    `Max-Forwards: 70\r\n` +
    extra +
    `Content-Length: 0\r\n\r\n`
  );
}

function snapshot(m: SipMessage): unknown {
  return {
    kind: m.kind,
    method: m.method,
    uri: m.requestUri,
    callId: m.callId,
    cseq: m.cseq,
    branch: m.branch,
    sentBy: m.viaSentBy,
    transport: m.viaTransport,
    fromTag: m.fromTag,
    toTag: m.toTag,
    viaCount: m.viaCount,
    maxForwards: m.maxForwards,
    headers: m.headers.map((h) => [h.canonical, h.value()]),
    diagnostics: m.diagnostics.map((d) => d.code),
  };
}

describe('header index in shared chunks', () => {
  it('keeps each message intact while thousands more are parsed after it', () => {
    const kept: SipMessage[] = [];
    // strings are read only at the end, so every message's index must survive the later parses
    for (let i = 0; i < 3000; i++) kept.push(parseMessage(enc(request(i))));
    for (const i of [0, 1, 97, 1500, 2999]) {
      const m = kept[i]!;
      expect(m.callId).toBe(`c${i}`);
      expect(m.cseq).toBe(i);
      expect(m.branch).toBe(`z9hG4bK${i}`);
      expect(m.viaSentBy).toBe(`h${i}.example.com`);
      expect(m.fromTag).toBe(`f${i}`);
      expect(m.toTag).toBeNull();
      expect(m.viaCount).toBe(2);
      expect(m.headerCount).toBe(7);
      expect(m.header('call-id')).toBe(`c${i}`);
    }
  });

  it('moves an index larger than a chunk without losing the key fields found before the move', () => {
    let extra = '';
    for (let k = 0; k < 5000; k++) extra += `X-H${k}: v${k}\r\n`;
    const before = parseMessage(enc(request(1)));
    const m = parseMessage(enc(request(7, extra)));
    const after = parseMessage(enc(request(2)));
    expect(m.headerCount).toBe(5007);
    expect(m.callId).toBe('c7');
    expect(m.branch).toBe('z9hG4bK7');
    expect(m.header('x-h4999')).toBe('v4999');
    expect(m.headers[4000]!.name).toBe('X-H3994'); // six fields come before the extras
    expect(m.contentLength).toBe(0);
    expect(before.callId).toBe('c1');
    expect(after.callId).toBe('c2');
    expect(after.headerCount).toBe(7);
  });
});

describe('same result from any buffer', () => {
  it('a Buffer from the pool, a Uint8Array and a subarray at an odd offset agree', () => {
    const text = request(42, 'Record-Route: <sip:p1.example.com;lr>, <sip:p2.example.com;lr>\r\n');
    const a = parseMessage(enc(text));
    const b = parseMessage(Buffer.from(text, 'utf8'));
    const big = new Uint8Array(text.length + 7);
    big.set(enc(text), 3);
    const c = parseMessage(big.subarray(3, 3 + text.length));
    const d = parseMessage(big, 3, 3 + text.length);
    expect(snapshot(b)).toEqual(snapshot(a));
    expect(snapshot(c)).toEqual(snapshot(a));
    expect(snapshot(d)).toEqual(snapshot(a));
    expect(a.recordRouteCount).toBe(2);
    expect(decodeAllHeaders(b)).toEqual(decodeAllHeaders(a));
  });

  it('finds line ends at every position relative to a 4- and 8-octet word', () => {
    for (let pad = 0; pad < 9; pad++) {
      const text = request(pad, `X-Pad: ${'a'.repeat(pad)}\r\n`);
      for (let off = 0; off < 8; off++) {
        const buf = new Uint8Array(text.length + off);
        buf.set(enc(text), off);
        const m = parseMessage(buf, off);
        expect(m.diagnostics).toEqual([]);
        expect(m.header('x-pad')).toBe('a'.repeat(pad));
        expect(m.callId).toBe(`c${pad}`);
        expect(m.bodyStart).toBe(buf.length);
      }
    }
  });
});

describe('header names compared as words', () => {
  it('accepts every case spelling of the key headers and their compact forms', () => {
    const text =
      'SIP/2.0 180 Ringing\r\n' +
      'vIA: SIP/2.0/UDP a.example.com;BRANCH=z9hG4bK1;Received=192.0.2.1;RPORT=5060\r\n' +
      'V: SIP/2.0/UDP b.example.com;branch=z9hG4bK2\r\n' +
      'FROM: <sip:a@example.com>;TAG=x\r\n' +
      't: <sip:b@example.com>;tag=y\r\n' +
      'CALL-ID: abc\r\n' +
      'cSeQ: 5 INVITE\r\n' +
      'MAX-FORWARDS: 9\r\n' +
      'RECORD-ROUTE: <sip:p@example.com;lr>\r\n' +
      'rOuTe: <sip:q@example.com;lr>\r\n' +
      'CONTACT: <sip:c@example.com>\r\n' +
      'm: <sip:d@example.com>\r\n' +
      'CONTENT-TYPE: text/plain\r\n' +
      'CONTENT-LENGTH: 0\r\n\r\n';
    const m = parseMessage(enc(text));
    expect(m.diagnostics).toEqual([]);
    expect(m.branch).toBe('z9hG4bK1');
    expect(m.viaReceived).toBe('192.0.2.1');
    expect(m.viaRport).toBe('5060');
    expect(m.viaCount).toBe(2);
    expect(m.fromTag).toBe('x');
    expect(m.toTag).toBe('y');
    expect(m.callId).toBe('abc');
    expect(m.cseq).toBe(5);
    expect(m.maxForwards).toBe(9);
    expect(m.recordRouteCount).toBe(1);
    expect(m.routeCount).toBe(1);
    expect(m.contentType).toBe('text/plain');
    expect(m.contentLength).toBe(0);
    expect(m.headers.map((h) => h.canonical)).toEqual([
      'via',
      'via',
      'from',
      'to',
      'call-id',
      'cseq',
      'max-forwards',
      'record-route',
      'route',
      'contact',
      'contact',
      'content-type',
      'content-length',
    ]);
    expect(m.values('contact')).toEqual(['<sip:c@example.com>', '<sip:d@example.com>']);
  });

  it('does not take names that differ by one octet or by length for key headers', () => {
    const text =
      'OPTIONS sip:x@example.com SIP/2.0\r\n' +
      'Via: SIP/2.0/UDP a.example.com;branch=z9hG4bK1\r\n' +
      'Vib: SIP/2.0/UDP b.example.com\r\n' +
      'Call-IDs: nope\r\n' +
      'Call-Ie: nope\r\n' +
      'Call-ID: yes\r\n' +
      'Froms: <sip:z@example.com>;tag=bad\r\n' +
      'From: <sip:a@example.com>;tagx=1;tag=good\r\n' +
      'Contacts: <sip:z@example.com>\r\n' +
      'Content-Lengths: 99\r\n' +
      'Content-Length: 0\r\n' +
      'Record-Routes: <sip:z@example.com>\r\n' +
      'CSeq: 1 OPTIONS\r\n\r\n';
    const m = parseMessage(enc(text));
    expect(m.viaCount).toBe(1);
    expect(m.callId).toBe('yes');
    expect(m.fromTag).toBe('good');
    expect(m.contentLength).toBe(0);
    expect(m.recordRouteCount).toBe(0);
    expect(m.values('contact')).toEqual([]);
    expect(m.header('contacts')).toBe('<sip:z@example.com>');
  });

  it('reads the top Via without the "SIP/2.0/" fast path when it is spaced or another protocol', () => {
    for (const [via, transport, sentBy] of [
      ['SIP / 2.0 / TCP h.example.com;branch=z9hG4bK1', 'TCP', 'h.example.com'],
      ['sip/2.0/tls h.example.com:5061;branch=z9hG4bK1', 'tls', 'h.example.com:5061'],
      ['FOO/1.0/UDP h.example.com;branch=z9hG4bK1', 'UDP', 'h.example.com'],
    ] as const) {
      const m = parseMessage(
        enc(`OPTIONS sip:x@example.com SIP/2.0\r\nVia: ${via}\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\n\r\n`),
      );
      expect(m.viaTransport).toBe(transport);
      expect(m.viaSentBy).toBe(sentBy);
      expect(m.branch).toBe('z9hG4bK1');
    }
    const bad = parseMessage(
      enc('OPTIONS sip:x@example.com SIP/2.0\r\nVia: SIP\u000f2.0/UDP h.example.com\r\n\r\n'),
    );
    expect(bad.diagnostics.map((d) => d.code)).toContain('via-invalid');
    expect(bad.viaTransport).toBeNull();
  });

  it('counts list values whether the comma comes early, late or inside <> or quotes', () => {
    const long = 'x'.repeat(37);
    const m = parseMessage(
      enc(
        'OPTIONS sip:x@example.com SIP/2.0\r\n' +
          'Via: SIP/2.0/UDP a.example.com;branch=z9hG4bK1\r\n' +
          `Via: SIP/2.0/UDP ${long}.example.com;branch=z9hG4bK2,SIP/2.0/UDP c.example.com;branch=z9hG4bK3\r\n` +
          'Route: <sip:a@example.com;x=",">, "A, B" <sip:b@example.com>\r\n' +
          'Record-Route: <sip:r1@example.com;lr,x>\r\n' +
          'Call-ID: c\r\nCSeq: 1 OPTIONS\r\n\r\n',
      ),
    );
    expect(m.viaCount).toBe(3);
    expect(m.routeCount).toBe(2);
    expect(m.recordRouteCount).toBe(1);
  });
});
