/** Structural parse: start line, header spans, folding, compact forms, lists, body framing (RFC 3261 §7, §18.3). */
import { describe, expect, it } from 'vitest';
import { parseMessage } from '../../../src/sip-core/message/index';
import { INVITE_24_2, SDP_24_2 } from '../../fixtures/sip-examples';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const codes = (m: { diagnostics: { code: string }[] }): string[] => m.diagnostics.map((d) => d.code);

describe('RFC 3261 §24.2 example INVITE', () => {
  const m = parseMessage(enc(INVITE_24_2));
  it('has every key field', () => {
    expect(m.kind).toBe('request');
    expect(m.method).toBe('INVITE');
    expect(m.requestUri).toBe('sip:bob@biloxi.com');
    expect(m.version).toBe('SIP/2.0');
    expect(m.callId).toBe('a84b4c76e66710');
    expect(m.cseq).toBe(314159);
    expect(m.cseqMethod).toBe('INVITE');
    expect(m.branch).toBe('z9hG4bKnashds8');
    expect(m.viaSentBy).toBe('pc33.atlanta.com');
    expect(m.viaTransport).toBe('UDP');
    expect(m.viaReceived).toBeNull();
    expect(m.viaRport).toBeNull();
    expect(m.fromTag).toBe('1928301774');
    expect(m.toTag).toBeNull();
    expect(m.maxForwards).toBe(70);
    expect(m.viaCount).toBe(1);
    expect(m.routeCount).toBe(0);
    expect(m.recordRouteCount).toBe(0);
    expect(m.contentType).toBe('application/sdp');
    expect(m.contentLength).toBe(SDP_24_2.length);
    expect(m.bodyLength).toBe(SDP_24_2.length);
    expect(new TextDecoder().decode(m.body())).toMatch(/^v=0\r\n.*PCMU\/8000\r\n$/s);
    expect(m.diagnostics).toEqual([]);
  });
  it('keeps spans over the original bytes', () => {
    expect(m.headers.length).toBe(9);
    const via = m.headers[0]!;
    expect(via.name).toBe('Via');
    expect(via.canonical).toBe('via');
    expect(new TextDecoder().decode(m.raw.subarray(via.valueSpan.start, via.valueSpan.end))).toBe(
      'SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bKnashds8',
    );
    expect(m.body().buffer).toBe(m.raw.buffer);
  });
});

describe('header names', () => {
  it('are case-insensitive and compact forms expand (RFC 3261 §7.3.3)', () => {
    const m = parseMessage(
      enc(
        'OPTIONS sip:a@b SIP/2.0\r\nv: SIP/2.0/TCP h;branch=z9hG4bK1\r\nVIA: SIP/2.0/UDP g\r\nf: <sip:x@y>;tag=1\r\nt: sip:z@w\r\n' +
          'i: abc\r\nCSEQ: 2 OPTIONS\r\nmax-forwards: 5\r\nm: <sip:c@d>\r\nk: 100rel\r\nc: text/plain\r\nl: 2\r\n\r\nhi',
      ),
    );
    expect(m.viaCount).toBe(2);
    expect(m.viaTransport).toBe('TCP');
    expect(m.fromTag).toBe('1');
    expect(m.callId).toBe('abc');
    expect(m.header('Call-ID')).toBe('abc');
    expect(m.header('supported')).toBe('100rel');
    expect(m.header('CONTACT')).toBe('<sip:c@d>');
    expect(m.headerAll('via')).toEqual(['SIP/2.0/TCP h;branch=z9hG4bK1', 'SIP/2.0/UDP g']);
    expect(m.contentType).toBe('text/plain');
    expect(m.bodyLength).toBe(2);
    expect(m.headers.map((h) => h.canonical)).toContain('supported');
  });
});

describe('folding (RFC 3261 §7.3.1)', () => {
  const m = parseMessage(
    enc(
      "INVITE sip:a@b SIP/2.0\r\nSubject: I know you're there,\r\n   pick up the phone\r\n\tand talk to me!\r\n" +
        'Via: SIP/2.0/UDP\r\n h.example.com\r\n ;branch=z9hG4bKx\r\nCSeq:\r\n 7\r\n  INVITE\r\nContent-Length: 0\r\n\r\n',
    ),
  );
  it('unfolds values with one SP per fold', () => {
    expect(m.header('subject')).toBe("I know you're there, pick up the phone and talk to me!");
    expect(m.branch).toBe('z9hG4bKx');
    expect(m.viaSentBy).toBe('h.example.com');
    expect(m.cseq).toBe(7);
    expect(m.cseqMethod).toBe('INVITE');
  });
  it('keeps the folds inside the value span', () => {
    const s = m.headers[0]!.valueSpan;
    expect(m.raw.subarray(s.start, s.end)).toContain(13);
  });
});

describe('comma-separated values', () => {
  const m = parseMessage(
    enc(
      'SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP a;branch=z9hG4bK1, SIP/2.0/UDP b;branch=z9hG4bK2\r\nVia: SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bK3\r\n' +
        'Record-Route: <sip:p1;lr>, "Proxy, Two" <sip:p2;lr>\r\nRecord-Route: <sip:p3;lr?x=a,b>\r\n' +
        'Contact: "A \\"quoted, name\\"" <sip:a@b>, <sip:c@d>;q=0.5\r\nCall-ID: x\r\nContent-Length: 0\r\n\r\n',
    ),
  );
  it('counts field values, not lines', () => {
    expect(m.viaCount).toBe(3);
    expect(m.recordRouteCount).toBe(3);
  });
  it('splits respecting quotes, escapes and <>', () => {
    expect(m.values('record-route')).toEqual([
      '<sip:p1;lr>',
      '"Proxy, Two" <sip:p2;lr>',
      '<sip:p3;lr?x=a,b>',
    ]);
    expect(m.values('contact')).toEqual(['"A \\"quoted, name\\"" <sip:a@b>', '<sip:c@d>;q=0.5']);
    expect(m.values('via').length).toBe(3);
  });
  it('does not split headers that are not lists', () => {
    const d = parseMessage(enc('OPTIONS sip:a@b SIP/2.0\r\nDate: Sat, 13 Nov 2010 23:29:00 GMT\r\n\r\n'));
    expect(d.values('date')).toEqual(['Sat, 13 Nov 2010 23:29:00 GMT']);
  });
});

describe('top Via parameters', () => {
  it('reads received, rport (valued and valueless) and IPv6 sent-by', () => {
    const a = parseMessage(
      enc(
        'SIP/2.0 100 Trying\r\nVia: SIP/2.0/UDP [::1]:5070;rport=5071;received=10.0.0.1;branch=z9hG4bKa\r\n\r\n',
      ),
    );
    expect(a.viaSentBy).toBe('[::1]:5070');
    expect(a.viaRport).toBe('5071');
    expect(a.viaReceived).toBe('10.0.0.1');
    const b = parseMessage(enc('SIP/2.0 100 Trying\r\nVia: SIP/2.0/UDP h;rport;branch=z9hG4bKb\r\n\r\n'));
    expect(b.viaRport).toBe('');
    expect(b.branch).toBe('z9hG4bKb');
  });
});

describe('framing (RFC 3261 §18.3)', () => {
  it('datagram without Content-Length: the body runs to the end', () => {
    const m = parseMessage(enc('MESSAGE sip:a@b SIP/2.0\r\nContent-Type: text/plain\r\n\r\nhello'));
    expect(m.bodyLength).toBe(5);
    expect(codes(m)).toEqual(['content-length-missing']);
  });
  it('trailing octets beyond Content-Length are ignored and flagged', () => {
    const m = parseMessage(enc('MESSAGE sip:a@b SIP/2.0\r\nContent-Length: 2\r\n\r\nhello'));
    expect(m.bodyLength).toBe(2);
    const d = m.diagnostics.find((x) => x.code === 'content-length-trailing-octets')!;
    expect(d.severity).toBe('warning');
    expect(d.span).toEqual({ start: m.bodyStart + 2, end: m.end });
  });
  it('Content-Length larger than the datagram is an error', () => {
    const m = parseMessage(enc('MESSAGE sip:a@b SIP/2.0\r\nContent-Length: 20\r\n\r\nhello'));
    expect(m.bodyLength).toBe(5);
    expect(m.diagnostics.find((x) => x.code === 'content-length-exceeds-body')?.severity).toBe('error');
  });
  it('parses one message inside a larger buffer, with absolute offsets', () => {
    const text = 'xxxxOPTIONS sip:a@b SIP/2.0\r\nCall-ID: q\r\nContent-Length: 0\r\n\r\nyyyy';
    const buf = enc(text);
    const m = parseMessage(buf, 4, text.length - 4);
    expect(m.raw).toBe(buf);
    expect(m.start).toBe(4);
    expect(m.callId).toBe('q');
    expect(m.headers[0]!.nameSpan.start).toBe(text.indexOf('Call-ID'));
    expect(m.diagnostics).toEqual([]);
  });
});

describe('leniency: accepted and flagged', () => {
  it('LF-only line endings', () => {
    const m = parseMessage(
      enc('OPTIONS sip:a@b SIP/2.0\nCall-ID: lf\nCSeq: 1 OPTIONS\nContent-Length: 2\n\nok'),
    );
    expect(m.callId).toBe('lf');
    expect(m.cseq).toBe(1);
    expect(new TextDecoder().decode(m.body())).toBe('ok');
    expect(codes(m)).toEqual(['line-ending-lf']);
  });
  it('leading CRLF keep-alives', () => {
    const m = parseMessage(enc('\r\n\r\nOPTIONS sip:a@b SIP/2.0\r\nContent-Length: 0\r\n\r\n'));
    expect(m.method).toBe('OPTIONS');
    expect(codes(m)).toEqual(['leading-crlf']);
    expect(m.diagnostics[0]!.severity).toBe('info');
  });
  it('junk before the start line', () => {
    const m = parseMessage(
      enc('GARBAGE\x01\x02 here\r\nmore junk\r\nSIP/2.0 180 Ringing\r\nCall-ID: j\r\n\r\n'),
    );
    expect(m.kind).toBe('response');
    expect(m.status).toBe(180);
    expect(m.callId).toBe('j');
    expect(codes(m)).toEqual(['leading-junk']);
  });
  it('a broken header costs nothing else', () => {
    const m = parseMessage(enc('OPTIONS sip:a@b SIP/2.0\r\nthis line has no colon\r\nCall-ID: ok\r\n\r\n'));
    expect(m.callId).toBe('ok');
    expect(codes(m)).toEqual(['header-missing-colon']);
  });
  it('an invalid start line still yields the headers', () => {
    const m = parseMessage(enc('HELLO\r\nCall-ID: still\r\n\r\n'));
    expect(m.kind).toBe('invalid');
    expect(m.callId).toBe('still');
    expect(codes(m)).toContain('start-line-invalid');
  });
  it('an empty datagram', () => {
    expect(codes(parseMessage(new Uint8Array(0)))).toEqual(['message-empty']);
    expect(codes(parseMessage(enc('\r\n\r\n')))).toEqual(['message-empty']);
  });
  it('out-of-range start/end arguments are clamped', () => {
    const b = enc('OPTIONS sip:a@b SIP/2.0\r\n\r\n');
    expect(parseMessage(b, -5, 1e9).method).toBe('OPTIONS');
    expect(parseMessage(b, 10, 2).kind).toBe('invalid');
  });
});

describe('status line', () => {
  it('reads code and reason', () => {
    const m = parseMessage(enc('SIP/2.0 486 Busy Here\r\n\r\n'));
    expect([m.kind, m.status, m.reason, m.method]).toEqual(['response', 486, 'Busy Here', null]);
  });
  it('flags codes outside 100–699', () => {
    for (const c of ['099', '700', '1000', '20']) {
      expect(codes(parseMessage(enc(`SIP/2.0 ${c} X\r\n\r\n`)))).toContain('status-code-invalid');
    }
  });
});
