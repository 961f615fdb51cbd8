/**
 * `hostEndAt` (headers/chars.ts), the four-octets-per-step host scan of the typed fast paths: the same
 * end and the same "holds a letter" answer as the octet loop over CHAR256 & C_HOST it replaces, for
 * every octet value at every position (RFC 3261 §25.1 hostname characters: alphanum, "-", ".").
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as chars from '../../../../src/sip-core/message/headers/chars';

const { C_ALPHA, C_HOST, CHAR256, hostEndAt } = chars;

/** The octet loop the fast paths ran before. */
function reference(b: Uint8Array, s: number, e: number): { end: number; letter: boolean } {
  let p = s;
  let acc = 0;
  while (p < e) {
    const f = CHAR256[b[p]!]!;
    if ((f & C_HOST) === 0) break;
    acc |= f;
    p++;
  }
  return { end: p, letter: (acc & C_ALPHA) !== 0 };
}

function check(b: Uint8Array, s: number, e: number): void {
  const end = hostEndAt(b, s, e);
  expect({ end, letter: chars.hostLetter }).toEqual(reference(b, s, e));
}

describe('hostEndAt = the host octet loop', () => {
  it('every octet value after host octets of every kind, at every offset and alignment', () => {
    const prefixes = ['', 'a', 'Z9', '0.-', 'pc33.atlanta.com', '192.0.2.1', '-', '...', 'x-y.z0'];
    for (const pre of prefixes) {
      for (let c = 0; c < 256; c++) {
        for (let shift = 0; shift < 4; shift++) {
          const b = new Uint8Array(shift + pre.length + 8).fill(0x61);
          for (let k = 0; k < pre.length; k++) b[shift + k] = pre.charCodeAt(k);
          b[shift + pre.length] = c;
          check(b, shift, b.length);
          check(b, shift, shift + pre.length + 1);
          check(b, shift, shift + pre.length);
        }
      }
    }
  });

  it('on random octets, inside larger buffers and subarrays (byteOffset not 0)', () => {
    const hostish = fc.constantFrom(
      0x61,
      0x7a,
      0x41,
      0x5a,
      0x30,
      0x39,
      0x2d,
      0x2e,
      0x40,
      0x3a,
      0x2f,
      0x60,
      0x7b,
      0x5b,
    );
    fc.assert(
      fc.property(
        fc.array(fc.oneof(hostish, fc.integer({ min: 0, max: 255 })), { maxLength: 40 }),
        fc.nat(8),
        fc.nat(40),
        (octets, off, cut) => {
          const big = new Uint8Array(off + octets.length + 4);
          big.set(octets, off);
          const b = big.subarray(off % 3);
          const s = off - (off % 3);
          check(b, s, s + Math.min(cut, octets.length));
          check(b, s, s + octets.length);
        },
      ),
      { numRuns: 3000 },
    );
  });
});
