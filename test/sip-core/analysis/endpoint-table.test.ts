/**
 * The SDP media endpoint index of leg correlation (call/correlate.ts): `endpointNumber` turns exactly the
 * canonical `a.b.c.d:port` texts into numbers (equal texts, equal numbers; others -1, kept by text), and
 * `EndpointTable` answers as a Map of those numbers does through sets, overwrites and deletions.
 */
import { describe, expect, it } from 'vitest';
import { EndpointTable, endpointNumber } from '../../../src/sip-core/analysis/call/correlate';

type Entry = Parameters<EndpointTable['set']>[1];
const entry = (g: number): Entry => ({ key: '', g, us: 0, live: true, num: 0 });

describe('endpointNumber', () => {
  it('numbers canonical IPv4 endpoints, one number per text', () => {
    expect(endpointNumber('10.0.0.1:5060')).toBe((((10 * 256 + 0) * 256 + 0) * 256 + 1) * 65536 + 5060);
    expect(endpointNumber('0.0.0.0:0')).toBe(0);
    expect(endpointNumber('255.255.255.255:65535')).toBe(2 ** 48 - 1);
    const seen = new Map<number, string>();
    for (let i = 0; i < 3000; i++) {
      const t = `${i % 7}.${(i * 37) % 256}.${i % 3 === 0 ? 0 : 100 + (i % 9)}.${(i * 11) % 256}:${(i * 13) % 70000}`;
      const n = endpointNumber(t);
      if ((i * 13) % 70000 > 65535) expect(n).toBe(-1);
      else {
        expect(n).toBeGreaterThanOrEqual(0);
        if (seen.has(n)) expect(seen.get(n)).toBe(t);
        seen.set(n, t);
      }
    }
  });

  it('leaves every other text to the Map (-1)', () => {
    for (const t of [
      '',
      '10.0.0.1',
      '10.0.0.1:',
      '010.0.0.1:5060',
      '10.0.0.01:5060',
      '10.0.0.1:05060',
      '256.0.0.1:5060',
      '10.0.0.1:65536',
      '10.0.0:5060',
      '10.0.0.1.2:5060',
      '10..0.1:5060',
      '10.0.0.1:50:60',
      '[2001:db8::1]:5060',
      'host.example:5060',
      ' 10.0.0.1:5060',
      '10.0.0.1:5060 ',
      '1000.0.0.1:5060',
      '10.0.0.1:123456',
    ])
      expect(endpointNumber(t), t).toBe(-1);
  });
});

describe('EndpointTable', () => {
  it('answers as a Map through sets, overwrites and deletions (colliding keys, growth)', () => {
    const t = new EndpointTable();
    const m = new Map<number, Entry>();
    let seed = 12345;
    const rnd = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    // Keys from a small pool so that probes collide and deletions shift entries back.
    const pool = Array.from({ length: 600 }, (_, i) => (i % 3 === 0 ? i : i * 65536 + 5060 + i * 2 ** 40));
    for (let step = 0; step < 40000; step++) {
      const k = pool[rnd(pool.length)]!;
      const op = rnd(10);
      if (op < 4) {
        const e = entry(step);
        t.set(k, e);
        m.set(k, e);
      } else if (op < 7) {
        t.delete(k);
        m.delete(k);
      } else expect(t.get(k)).toBe(m.get(k));
      if (step % 997 === 0) {
        expect(t.size).toBe(m.size);
        for (const p of pool) expect(t.get(p)).toBe(m.get(p));
      }
    }
    for (const p of pool) expect(t.get(p)).toBe(m.get(p));
  });
});
