/** Interned addresses: one id per distinct IPv4 address, through the table's growth; text per RFC 5952. */
import { describe, expect, it } from 'vitest';
import { AddressTable, formatIpv6 } from '../../../src/sip-core/capture/address';

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

  it('writes IPv6 per RFC 5952', () => {
    const b = new Uint8Array(16);
    b[15] = 1;
    expect(formatIpv6(b, 0)).toBe('::1');
  });
});
