/**
 * `decodeAllHeaders` takes the typed values of Content-Length (every field), the first Max-Forwards
 * and the first CSeq from what the WebAssembly scanner read of a message it took (typed.ts: no second
 * read of their octets). Whatever the message, the typed values and diagnostics are those of the same
 * message parsed by the JavaScript parser alone (where the octet decoders read every field).
 * RFC 3261 §20.14, §20.16, §20.22.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { shapeOf } from './shape';
import {
  decodeAllHeaders,
  parseMessage,
  typedFields,
  type SipMessage,
} from '../../../../src/sip-core/message/index';
import { fastScanAvailable, setFastScan } from '../../../../src/sip-core/message/fast-scan';

/** Every typed value and diagnostic of the fields the scanner's values stand in for (and the rest). */
function typedOf(m: SipMessage): unknown {
  const diagnostics = decodeAllHeaders(m);
  const names = ['cseq', 'content-length', 'max-forwards', 'call-id', 'content-type', 'via', 'to'];
  return shapeOf({ diagnostics, fields: names.map((n) => typedFields(m, n)) });
}

/** The message's typed values through the scanner (when it takes it) and through the JS parser alone. */
function bothWays(text: string): { scanned: boolean; fast: unknown; full: unknown } {
  const bytes = Buffer.from(text, 'latin1');
  setFastScan(true);
  const m = parseMessage(bytes);
  const scanned = (m as unknown as { ixGen: number }).ixGen >= 0;
  const fast = typedOf(m);
  setFastScan(false);
  const full = typedOf(parseMessage(Buffer.from(text, 'latin1')));
  setFastScan(true);
  return { scanned, fast, full };
}

const msg = (cseq: string[], cl: string[], maxf: string[], body = ''): string =>
  'INVITE sip:bob@biloxi.com SIP/2.0\r\n' +
  'Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bKnashds8\r\n' +
  maxf.map((v) => `Max-Forwards: ${v}\r\n`).join('') +
  'To: Bob <sip:bob@biloxi.com>\r\n' +
  'From: Alice <sip:alice@atlanta.com>;tag=1928301774\r\n' +
  'Call-ID: a84b4c76e66710\r\n' +
  cseq.map((v) => `CSeq: ${v}\r\n`).join('') +
  cl.map((v, i) => `${i % 2 ? 'l' : 'Content-Length'}: ${v}\r\n`).join('') +
  `\r\n${body}`;

afterEach(() => setFastScan(true));

describe('scalar values from the scanner = the octet decoders', () => {
  it('on the usual forms and their edges', () => {
    let scanned = 0;
    const cseqs = [
      '314159 INVITE',
      '1 BYE',
      '1 ACK',
      '1 CANCEL',
      '2147483647 OPTIONS',
      '2147483648 INVITE',
      '4294967296 INVITE',
      '0000000001 INVITE',
      '00000000001 INVITE',
      '1  INVITE',
      '1\tINVITE',
      '1 \tINVITE',
      '1INVITE',
      '1 INVITE ',
      '1 INV;ITE',
      "1 X-Y.z!%*_+`'~",
      '1 invite',
      '1 INVITEX',
      '1 INVIT',
      ' 1 INVITE',
      '1',
      '1 ',
      'x INVITE',
      '-1 INVITE',
      '1 INVITE x',
    ];
    const cls = ['0', '4', '000000004', '0000000004', '123456789', '1234567890', '', ' 4', '4 ', 'x', '-4'];
    const maxfs = ['70', '0', '255', '256', '000000070', '0000000070', '', '7x', ' 70'];
    for (const cseq of cseqs) {
      for (const r of [
        bothWays(msg([cseq], ['4'], ['70'], 'abcd')),
        bothWays(msg([cseq, '2 BYE'], [], [])),
      ]) {
        expect(r.fast, cseq).toEqual(r.full);
        if (r.scanned) scanned++;
      }
    }
    for (const cl of cls) {
      for (const r of [
        bothWays(msg(['1 INVITE'], [cl], ['70'], 'abcd')),
        bothWays(msg(['1 INVITE'], [cl, cl], ['70'], 'abcd')),
        bothWays(msg(['1 INVITE'], ['4', cl, '4'], ['70'], 'abcd')),
      ]) {
        expect(r.fast, cl).toEqual(r.full);
        if (r.scanned) scanned++;
      }
    }
    for (const mf of maxfs) {
      for (const r of [
        bothWays(msg(['1 INVITE'], ['0'], [mf])),
        bothWays(msg(['1 INVITE'], ['0'], [mf, mf])),
        bothWays(msg(['1 INVITE'], ['0'], ['70', mf])),
      ]) {
        expect(r.fast, mf).toEqual(r.full);
        if (r.scanned) scanned++;
      }
    }
    // (the scanner takes a good share of them, so the values it read are the ones compared)
    if (fastScanAvailable()) expect(scanned).toBeGreaterThan(60);
  });

  it('on generated values', () => {
    const digits = fc.array(fc.constantFrom('0', '1', '2', '5', '9'), { minLength: 0, maxLength: 12 });
    const ws = fc.constantFrom('', ' ', '  ', '\t', ' \t');
    const method = fc.constantFrom(
      'INVITE',
      'ACK',
      'BYE',
      'CANCEL',
      'REGISTER',
      'X',
      'in vite',
      '',
      'A;B',
      'é',
    );
    const cseq = fc
      .tuple(digits, ws, method, fc.constantFrom('', ' ', 'x'))
      .map(([d, w, m, t]) => d.join('') + w + m + t);
    const number = fc.tuple(digits, fc.constantFrom('', ' ', 'x')).map(([d, t]) => d.join('') + t);
    let scanned = 0;
    fc.assert(
      fc.property(
        fc.array(cseq, { minLength: 1, maxLength: 2 }),
        fc.array(number, { maxLength: 3 }),
        fc.array(number, { maxLength: 2 }),
        (cs, cl, mf) => {
          const r = bothWays(msg(cs, cl, mf));
          if (r.scanned) scanned++;
          expect(r.fast).toEqual(r.full);
        },
      ),
      { numRuns: 3000, seed: 0x5ca1 },
    );
    if (fastScanAvailable()) expect(scanned).toBeGreaterThan(150);
  });
});
