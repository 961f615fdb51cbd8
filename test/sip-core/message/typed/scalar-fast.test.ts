/**
 * The octet fast paths of CSeq, Call-ID and Content-Type (`parseCSeqAt`, `parseCallIdAt`,
 * `parseContentTypeAt`, run by `decodeAllHeaders` on a message's values) answer as `parseCSeq`,
 * `parseCallId` and `parseContentType` do. RFC 3261 §20.8, §20.15, §20.16.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  parseCallId,
  parseCallIdAt,
  parseCallIdSpan,
  parseCSeq,
  parseCSeqAt,
  parseCSeqSpan,
  parseContentLength,
  parseContentLengthSpan,
  parseMaxForwards,
  parseMaxForwardsSpan,
} from '../../../../src/sip-core/message/headers/scalar';
import {
  parseContentType,
  parseContentTypeAt,
  parseContentTypeSpan,
} from '../../../../src/sip-core/message/headers/media';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const pieces = (...p: string[]): fc.Arbitrary<string> =>
  fc.array(fc.constantFrom(...p), { maxLength: 6 }).map((a) => a.join(''));

describe('CSeq, Call-ID and Content-Type fast paths = the general decoders', () => {
  it('CSeq', () => {
    for (const v of [
      '314159 INVITE',
      '1 BYE',
      '4294967295 ACK',
      '4294967296 ACK',
      '00000000001 X',
      '1  INVITE',
      '1\tA',
    ]) {
      expect(parseCSeqAt(v, enc(`x${v}`), 1), v).toEqual(parseCSeq(v));
    }
    fc.assert(
      fc.property(
        pieces(
          '1',
          '0',
          '9',
          '4294967295',
          ' ',
          '\t',
          'INVITE',
          'BYE',
          'in-vite',
          '!',
          '@',
          'é',
          ',',
          '\u0000',
        ),
        (v) => {
          expect(parseCSeqAt(v, enc(`CSeq: ${v}`), 6), v).toEqual(parseCSeq(v));
          // the value as a slice of a longer string (decodeAllHeaders passes the header section)
          expect(parseCSeqSpan(`CSeq: ${v}\r\n`, 6, v.length, enc(`CSeq: ${v}`), 6), v).toEqual(parseCSeq(v));
        },
      ),
      { numRuns: 3000, seed: 0xc5e9 },
    );
  });

  it('Call-ID', () => {
    for (const v of ['a84b4c76e66710@pc33.atlanta.com', 'x', 'a@b@c', '', 'a b', '(x)<y>:"z"/[]?{}']) {
      expect(parseCallIdAt(v, enc(`x${v}`), 1), v).toEqual(parseCallId(v));
    }
    fc.assert(
      fc.property(pieces('a', '9', '@', '.', '-', ' ', '<', '"', ';', ',', 'é', '%', '~', '\u007f'), (v) => {
        expect(parseCallIdAt(v, enc(`i: ${v}`), 3), v).toEqual(parseCallId(v));
        expect(parseCallIdSpan(`i: ${v}\r\n`, 3, v.length, enc(`i: ${v}`), 3), v).toEqual(parseCallId(v));
      }),
      { numRuns: 3000, seed: 0xca11 },
    );
  });

  it('Content-Length and Max-Forwards', () => {
    const values = [
      '0',
      '70',
      '255',
      '256',
      '0070',
      '999999999',
      '1234567890',
      '',
      ' 1',
      '1 ',
      '-1',
      '1x',
      'x',
    ];
    for (const v of values) {
      const text = `l: ${v}\r\n`;
      const raw = enc(text);
      expect(parseContentLengthSpan(text, 3, v.length, raw, 3), v).toEqual(parseContentLength(v));
      expect(parseMaxForwardsSpan(text, 3, v.length, raw, 3), v).toEqual(parseMaxForwards(v));
    }
  });

  it('Content-Type', () => {
    for (const v of [
      'application/sdp',
      'Application/SDP',
      'application/sdq',
      'application/sdp;x=1',
      'text/plain',
      '',
    ]) {
      expect(parseContentTypeAt(v, enc(`c: ${v}`), 3), v).toEqual(parseContentType(v));
      expect(parseContentTypeSpan(`c: ${v}\r\n`, 3, v.length, enc(`c: ${v}`), 3), v).toEqual(
        parseContentType(v),
      );
    }
  });
});
