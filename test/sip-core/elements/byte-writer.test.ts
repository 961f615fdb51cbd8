import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ByteWriter, utf8Length } from '../../../src/sip-core/elements/byte-writer';

const dec = new TextDecoder();

describe('ByteWriter', () => {
  it('writes integers as String() does', () => {
    const w = new ByteWriter();
    for (const n of [0, 1, 9, 10, 99, 100, 5060, 65535, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 1.5, -3, NaN]) {
      w.reset().uint(n);
      expect(dec.decode(w.take())).toBe(String(n));
    }
    fc.assert(
      fc.property(fc.nat(), (n) => {
        w.reset().uint(n);
        return dec.decode(w.take()) === String(n);
      }),
    );
  });

  it('writes strings, lines, bytes and spans one after the other, each message its own view', () => {
    const w = new ByteWriter();
    const src = new TextEncoder().encode('0123456789'.repeat(10));
    w.reset().str('Via: ');
    w.line('SIP/2.0/UDP h\u00e9.example.com');
    w.bytes(src.subarray(0, 40));
    w.span(src, 90, 100);
    const a = w.take();
    const b = w.reset();
    b.str('x'.repeat(70));
    const second = b.take();
    expect(dec.decode(a)).toBe(
      'Via: SIP/2.0/UDP h\u00e9.example.com\r\n' + '0123456789'.repeat(4) + '0123456789',
    );
    expect(dec.decode(second)).toBe('x'.repeat(70));
    expect(utf8Length('h\u00e9\u{1f600}')).toBe(1 + 2 + 4);
  });
});
