/** Interned addresses: one id per distinct IPv4 address, through the table's growth; text per RFC 5952. */
import { describe, expect, it } from 'vitest';
import { AddressTable, canonicalIpv4, formatIpv4, formatIpv6 } from '../../../src/sip-core/capture/address';

describe('AddressTable', () => {
  it('gives each IPv4 address one id, stable across growth, with its dotted text', () => {
    const t = new AddressTable();
    const ids = new Map<number, number>();
    for (let i = 0; i < 20000; i++) {
      const n = (0x0a000000 + i * 7919) >>> 0;
      ids.set(n, t.v4(n));
    }
    expect(new Set(ids.values()).size).toBe(20000);
    for (const [n, id] of ids) expect(t.v4(n)).toBe(id);
    expect(t.v4(0)).toBe(t.name('0.0.0.0'));
    expect(t.v4(0xffffffff)).toBe(t.name('255.255.255.255'));
    expect(t.names[t.v4(0x7f000001)]).toBe('127.0.0.1');
    expect(t.name('10.0.0.0')).toBe(ids.get(0x0a000000));
  });

  it('shares one id between an IPv4 address added as text first and by number later', () => {
    const t = new AddressTable();
    const a = t.name('192.0.2.7');
    const v6 = t.name('::ffff:192.0.2.7');
    expect(t.v4(0xc0000207)).toBe(a);
    expect(v6).not.toBe(a);
    expect(t.name('::ffff:192.0.2.7')).toBe(v6);
    // not the canonical dotted quad: kept as text of its own
    const odd = t.name('192.000.2.7');
    expect(odd).not.toBe(a);
    expect(t.names[odd]).toBe('192.000.2.7');
    expect(t.names.length).toBe(3);
  });

  it('reads back exactly the dotted quads formatIpv4 writes', () => {
    for (const n of [0, 1, 255, 256, 0x0a000001, 0x7f000001, 0xc0a80101, 0xffffffff])
      expect(canonicalIpv4(formatIpv4(n))).toBe(n);
    for (const s of [
      '',
      '1.2.3',
      '1.2.3.4.5',
      '1.2.3.256',
      '01.2.3.4',
      '1.2.3.4 ',
      'a.b.c.d',
      '1..3.4',
      '1.2.3.-4',
    ])
      expect(canonicalIpv4(s)).toBe(-1);
  });

  it('writes IPv6 per RFC 5952', () => {
    const b = new Uint8Array(16);
    b[15] = 1;
    expect(formatIpv6(b, 0)).toBe('::1');
  });
});
