/**
 * The header section is decoded once per message: with a Node Buffer's own UTF-8 decoder when the bytes
 * are a Buffer, with TextDecoder otherwise. Both must give the same strings, for ASCII, UTF-8 and
 * invalid UTF-8 (replaced as the WHATWG decoder replaces it).
 */
import { describe, expect, it } from 'vitest';
import { decodeAllHeaders, parseMessage, type SipMessage } from '../../../src/sip-core/message/index';

const CRLF = '\r\n';
function bytesOf(head: (string | number[])[]): Uint8Array {
  const parts = head.map((p) => (typeof p === 'string' ? [...Buffer.from(p, 'utf8')] : p));
  return Uint8Array.from(parts.flat());
}
function view(m: SipMessage): unknown {
  return {
    reason: m.reason,
    callId: m.callId,
    fromTag: m.fromTag,
    headers: m.headers.map((h) => [h.name, h.value()]),
    diagnostics: decodeAllHeaders(m).map((d) => [d.code, d.span]),
    from: m.typed.from,
    via: m.typed.via,
  };
}

const cases: [string, (string | number[])[]][] = [
  [
    'ASCII',
    [
      `SIP/2.0 200 OK${CRLF}Via: SIP/2.0/UDP a.example.com;branch=z9hG4bK1${CRLF}From: Bob <sip:bob@b.example.com>;tag=1${CRLF}Call-ID: x@y${CRLF}CSeq: 1 INVITE${CRLF}Content-Length: 0${CRLF}${CRLF}`,
    ],
  ],
  [
    'UTF-8 display name and reason',
    [
      `SIP/2.0 200 Très bien${CRLF}Via: SIP/2.0/UDP a.example.com;branch=z9hG4bK1${CRLF}From: "Zoë 𝄞" <sip:bob@b.example.com>;tag=1${CRLF}Call-ID: x@y${CRLF}CSeq: 1 INVITE${CRLF}Content-Length: 0${CRLF}${CRLF}`,
    ],
  ],
  [
    'invalid UTF-8 (lone continuation, truncated sequences, overlong, surrogate)',
    [
      'SIP/2.0 200 OK ',
      [0x80, 0x41, 0xe2, 0x82, 0x42, 0xf0, 0x9f, 0x43, 0xc0, 0xaf, 0xed, 0xa0, 0x80, 0xff],
      `${CRLF}Via: SIP/2.0/UDP a.example.com;branch=z9hG4bK1${CRLF}From: "`,
      [0xe2, 0x82],
      `" <sip:bob@b.example.com>;tag=1${CRLF}Call-ID: x`,
      [0xc3],
      `@y${CRLF}CSeq: 1 INVITE${CRLF}Content-Length: 0${CRLF}${CRLF}`,
    ],
  ],
];

describe('header section decode: Buffer and Uint8Array give the same strings', () => {
  for (const [name, head] of cases) {
    it(name, () => {
      const plain = bytesOf(head);
      const buf = Buffer.from(plain);
      const a = view(parseMessage(plain));
      const b = view(parseMessage(buf));
      expect(b).toEqual(a);
      // and the strings are what TextDecoder reads
      expect(parseMessage(buf).reason).toBe(new TextDecoder().decode(plain.subarray(12, plain.indexOf(13))));
    });
  }
});
