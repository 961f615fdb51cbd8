/**
 * multipart bodies — RFC 2046 §5.1.1, RFC 4475 §3.1.1.11; message/sipfrag — RFC 3420.
 */
import { describe, expect, it } from 'vitest';
import { decodeBody, parseMultipart, parseMultipartBody } from '../../../../src/sip-core/message/multipart';
import { parseSipfrag } from '../../../../src/sip-core/message/sipfrag';
import { field, haveConformance, readTorture } from './torture';

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array, s: { start: number; end: number }) =>
  new TextDecoder('latin1').decode(b.subarray(s.start, s.end));
const codes = (d: { diagnostics: { code: string }[] }) => d.diagnostics.map((x) => x.code);

const MIXED =
  'This is the preamble.\r\n' +
  '--unique-boundary-1\r\n' +
  'Content-Type: application/sdp\r\n' +
  'Content-Disposition: session\r\n' +
  '\r\n' +
  'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\n' +
  '\r\n--unique-boundary-1   \r\n' +
  '\r\n' +
  'no headers: text/plain by default\r\n' +
  '--unique-boundary-1\r\n' +
  'Content-Type: application/resource-lists+xml\r\n' +
  ' ;charset=utf-8\r\n' +
  '\r\n' +
  '<list/>\r\n' +
  '--unique-boundary-1--\r\n' +
  'This is the epilogue.\r\n';

describe('RFC 2046 §5.1.1 multipart', () => {
  const bytes = enc(MIXED);
  const d = parseMultipart(bytes, 'unique-boundary-1');
  const m = d.value!;
  it('splits the parts, preamble and epilogue without diagnostics', () => {
    expect(d.diagnostics).toEqual([]);
    expect(m.closed).toBe(true);
    expect(m.parts).toHaveLength(3);
    expect(dec(bytes, m.preamble!)).toBe('This is the preamble.');
    expect(dec(bytes, m.epilogue!)).toBe('This is the epilogue.\r\n');
  });
  it('the CRLF before a delimiter belongs to the delimiter, not to the part', () => {
    expect(dec(bytes, m.parts[0]!.body)).toBe('v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\n');
    expect(dec(bytes, m.parts[2]!.body)).toBe('<list/>');
  });
  it('part headers, folded values and Content-Type', () => {
    expect(m.parts[0]!.headers.map((h) => [h.name, h.value])).toEqual([
      ['Content-Type', 'application/sdp'],
      ['Content-Disposition', 'session'],
    ]);
    expect(m.parts[0]!.contentType!.mediaType).toBe('application/sdp');
    expect(m.parts[2]!.contentType!.params).toMatchObject([{ name: 'charset', value: 'utf-8' }]);
    expect(dec(bytes, m.parts[0]!.headers[0]!.span)).toBe('Content-Type: application/sdp');
  });
  it('a part with no header section (starts with an empty line) and transport padding after the boundary', () => {
    expect(m.parts[1]!.headers).toEqual([]);
    expect(m.parts[1]!.contentType).toBeNull();
    expect(dec(bytes, m.parts[1]!.body)).toBe('no headers: text/plain by default');
  });
  it('spans are absolute within the buffer when a body span is given', () => {
    const prefix = 'INVITE sip:x SIP/2.0\r\nContent-Length: 9\r\n\r\n';
    const all = enc(prefix + MIXED);
    const r = parseMultipart(all, 'unique-boundary-1', { start: prefix.length, end: all.length });
    expect(dec(all, r.value!.parts[2]!.body)).toBe('<list/>');
    expect(r.diagnostics).toEqual([]);
  });
  it('takes the boundary from Content-Type (quoted or not)', () => {
    expect(
      parseMultipartBody(bytes, 'multipart/mixed; boundary="unique-boundary-1"').value!.parts,
    ).toHaveLength(3);
    expect(parseMultipartBody(bytes, 'multipart/mixed;boundary=unique-boundary-1').value!.parts).toHaveLength(
      3,
    );
  });
  const bad: Array<[string, string, string]> = [
    [
      'missing close delimiter',
      '--b\r\nContent-Type: text/plain\r\n\r\nhello\r\n',
      'multipart-missing-close-delimiter',
    ],
    ['no delimiter at all', 'just text\r\n', 'multipart-no-delimiter'],
    ['delimiter not at the start of a line', 'x--b\r\n\r\nhi\r\n', 'multipart-no-delimiter'],
    ['only a close delimiter', 'preamble\r\n--b--\r\n', 'multipart-no-parts'],
    ['text after the boundary', '--b junk\r\n\r\nhi\r\n--b--', 'multipart-bad-delimiter'],
    [
      'header line without colon',
      '--b\r\nContent-Type: text/plain\r\nbroken\r\n\r\nhi\r\n--b--',
      'multipart-bad-part-header',
    ],
    [
      'unterminated part headers',
      '--b\r\nContent-Type: text/plain\r\n--b--',
      'multipart-part-headers-unterminated',
    ],
    ['bad part Content-Type', '--b\r\nContent-Type: nonsense\r\n\r\nhi\r\n--b--', 'media-type-invalid'],
  ];
  for (const [why, body, code] of bad) {
    it(`${why} → ${code}`, () => expect(codes(parseMultipart(enc(body), 'b'))).toContain(code));
  }
  it('keeps the parts found before a missing close delimiter', () => {
    const r = parseMultipart(enc('--b\r\n\r\none\r\n--b\r\n\r\ntwo'), 'b');
    expect(r.value!.parts.map((p) => dec(enc('--b\r\n\r\none\r\n--b\r\n\r\ntwo'), p.body))).toEqual([
      'one',
      'two',
    ]);
    expect(r.value!.closed).toBe(false);
  });
  it('Content-Type problems: no boundary, not multipart, bad boundary', () => {
    expect(codes(parseMultipartBody(bytes, 'multipart/mixed'))).toEqual(['multipart-missing-boundary']);
    expect(codes(parseMultipartBody(enc('--b\r\n\r\nx\r\n--b--'), 'application/sdp;boundary=b'))).toEqual([
      'multipart-not-multipart',
    ]);
    expect(codes(parseMultipart(enc('--' + 'x'.repeat(80) + '--'), 'x'.repeat(80)))).toContain(
      'multipart-bad-boundary',
    );
    expect(parseMultipart(enc('x'), '').value).toBeNull();
  });
  it('tolerates bare-LF line endings', () => {
    const r = parseMultipart(enc('--b\nContent-Type: text/plain\n\nhi\n--b--\n'), 'b');
    expect(r.diagnostics).toEqual([]);
    expect(r.value!.parts[0]!.contentType!.mediaType).toBe('text/plain');
  });
});

describe.skipIf(!haveConformance)(
  'RFC 4475 §3.1.1.11 mpart01: binary part with NUL and bare LF octets',
  () => {
    it('frames both parts by delimiter, byte-exact', () => {
      const msg = readTorture('rfc4475/mpart01.dat');
      const body = msg.body.subarray(0, 553); // Content-Length: 553
      const r = parseMultipartBody(body, field(msg.fields, 'Content-Type')[0]!);
      expect(r.diagnostics).toEqual([]);
      const parts = r.value!.parts;
      expect(parts.map((p) => p.contentType!.mediaType)).toEqual(['text/plain', 'application/octet-stream']);
      expect(dec(body, parts[0]!.body)).toBe('Hello');
      const bin = body.subarray(parts[1]!.body.start, parts[1]!.body.end);
      expect(bin.includes(0)).toBe(true);
      expect(bin[0]).toBe(0x30); // DER SEQUENCE
      expect(r.value!.closed).toBe(true);
    });
  },
);

describe('RFC 3420 message/sipfrag', () => {
  it('a status line alone (REFER NOTIFY progress, RFC 3515 §2.4.5)', () => {
    const f = parseSipfrag(enc('SIP/2.0 200 OK\r\n'));
    expect(f.status).toBe(200);
    expect(f.startLine).toBe(true);
    expect(f.message.diagnostics).toEqual([]);
  });
  it('a status line without CRLF', () => {
    expect(parseSipfrag(enc('SIP/2.0 100 Trying')).status).toBe(100);
  });
  it('a request line with headers', () => {
    const f = parseSipfrag(
      enc('INVITE sip:alice@atlanta.com SIP/2.0\r\nContact: <sip:alice@pc33.atlanta.com>\r\n'),
    );
    expect(f.message.method).toBe('INVITE');
    expect(f.message.header('contact')).toBe('<sip:alice@pc33.atlanta.com>');
    expect(f.status).toBeNull();
  });
  it('headers only, no start line (RFC 3420 §2)', () => {
    const f = parseSipfrag(enc('From: <sip:a@b>;tag=1\r\nTo : <sip:c@d>\r\n'));
    expect(f.startLine).toBe(false);
    expect(f.message.header('from')).toBe('<sip:a@b>;tag=1');
    expect(f.message.header('to')).toBe('<sip:c@d>');
  });
});

describe('decodeBody: dispatch by media type (RFC 3261 §20.15, RFC 2046, RFC 3420)', () => {
  const SDP =
    'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n';
  const whole = (s: string) => ({ bytes: enc(s), span: { start: 0, end: enc(s).length } });
  it('application/sdp', () => {
    const { bytes, span } = whole(SDP);
    const b = decodeBody(bytes, span, 'application/sdp');
    expect(b.kind).toBe('sdp');
    expect(b.kind === 'sdp' && b.sdp!.media[0]!.port).toBe(4000);
    expect(b.diagnostics).toEqual([]);
  });
  it('multipart/mixed with SDP and a nested multipart/alternative, decoded recursively', () => {
    const body =
      '--outer\r\nContent-Type: application/sdp\r\n\r\n' +
      SDP +
      '\r\n--outer\r\nContent-Type: multipart/alternative; boundary=inner\r\n\r\n' +
      '--inner\r\nContent-Type: text/plain\r\n\r\nhello\r\n--inner\r\nContent-Type: text/html\r\n\r\n<b>hello</b>\r\n--inner--\r\n' +
      '\r\n--outer\r\n\r\nno content-type\r\n--outer--\r\n';
    const { bytes, span } = whole(body);
    const b = decodeBody(bytes, span, 'multipart/mixed;boundary=outer');
    expect(b.diagnostics).toEqual([]);
    if (b.kind !== 'multipart') throw new Error('not multipart');
    expect(b.parts.map((p) => [p.kind, p.mediaType])).toEqual([
      ['sdp', 'application/sdp'],
      ['multipart', 'multipart/alternative'],
      ['opaque', 'text/plain'],
    ]);
    const inner = b.parts[1]!;
    expect(inner.kind === 'multipart' && inner.parts.map((p) => dec(bytes, p.span))).toEqual([
      'hello',
      '<b>hello</b>',
    ]);
  });
  it('message/sipfrag and message/sip', () => {
    const f = whole('SIP/2.0 180 Ringing\r\n');
    const frag = decodeBody(f.bytes, f.span, 'message/sipfrag;version=2.0');
    expect(frag.kind === 'sipfrag' && frag.frag.status).toBe(180);
    const m = whole('OPTIONS sip:a@b SIP/2.0\r\nCall-ID: x\r\nContent-Length: 0\r\n\r\n');
    const sip = decodeBody(m.bytes, m.span, 'message/sip');
    expect(sip.kind === 'sip' && sip.message.method).toBe('OPTIONS');
  });
  it('unknown types stay opaque; a body without Content-Type is flagged', () => {
    const { bytes, span } = whole('data');
    expect(decodeBody(bytes, span, 'application/unknownformat').kind).toBe('opaque');
    expect(codes(decodeBody(bytes, span, null))).toEqual(['content-type-missing']);
    expect(decodeBody(bytes, { start: 0, end: 0 }, null).diagnostics).toEqual([]);
    expect(codes(decodeBody(bytes, span, 'multipart/mixed'))).toEqual(['multipart-missing-boundary']);
  });
  it('deeply nested multipart stops at a fixed depth without throwing', () => {
    let body = 'leaf';
    for (let i = 20; i >= 0; i--)
      body = `--b${i}\r\nContent-Type: multipart/mixed;boundary=b${i + 1}\r\n\r\n${body}\r\n--b${i}--`;
    const { bytes, span } = whole(body);
    let b = decodeBody(bytes, span, 'multipart/mixed;boundary=b0');
    let depth = 0;
    while (b.kind === 'multipart' && b.parts.length) {
      b = b.parts[0]!;
      depth++;
    }
    expect(depth).toBeLessThanOrEqual(9);
  });
});

describe.skipIf(!haveConformance)('decodeBody on RFC 4475 mpart01 (multipart/mixed, text + binary)', () => {
  it('gives one text/plain and one opaque application/octet-stream part', () => {
    const msg = readTorture('rfc4475/mpart01.dat');
    const body = msg.body.subarray(0, 553);
    const b = decodeBody(body, { start: 0, end: body.length }, field(msg.fields, 'Content-Type')[0]!);
    expect(b.kind === 'multipart' && b.parts.map((p) => p.mediaType)).toEqual([
      'text/plain',
      'application/octet-stream',
    ]);
  });
});
