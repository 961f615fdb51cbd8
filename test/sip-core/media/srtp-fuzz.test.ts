/**
 * Fuzz SRTP (srtp.ts): seeded mutants of protected SRTP and SRTCP packets of every suite (with and
 * without an MKI, several key derivation rates) are unprotected — nothing throws, and no mutant that
 * differs from what was sent authenticates; mutants of a=crypto lines are parsed — a string naming
 * what is wrong, or keys of the suite's lengths, never a throw.
 */
import { describe, expect, it } from 'vitest';
import { fuzz, mutate, mutateText, Rng } from '../../helpers/mutate';
import { SRTP_SUITES, SrtpSession, parseSdesCrypto, type SdesCrypto } from '../../../src/sip-core/media/srtp';
import { nodeSrtpCrypto } from '../../../src/sip-core/media/srtp-crypto.node.js';

const lines: string[] = [];
for (const [name, s] of SRTP_SUITES) {
  const key = Buffer.alloc(s.keyLen + s.saltLen);
  for (let i = 0; i < key.length; i++) key[i] = (i * 53 + name.length) & 0xff;
  const k = key.toString('base64');
  lines.push(`a=crypto:1 ${name} inline:${k}`, `a=crypto:2 ${name} inline:${k}|2^20|7:2 KDR=4`);
}

const corpus = lines.map((line) => {
  const c = parseSdesCrypto(line) as SdesCrypto;
  const tx = new SrtpSession(c, nodeSrtpCrypto);
  const rtp = Array.from({ length: 6 }, (_, i) => {
    const p = new Uint8Array(12 + 40 + (i % 2) * 4);
    const v = new DataView(p.buffer);
    p[0] = 0x80 | (i % 2);
    v.setUint16(2, 65533 + i);
    v.setUint32(4, i * 160);
    v.setUint32(8, 0xabc);
    for (let j = 12; j < p.length; j++) p[j] = (i * j) & 0xff;
    return tx.protectRtp(p);
  });
  const sr = new Uint8Array(28);
  sr[0] = 0x80;
  sr[1] = 200;
  sr[3] = 6;
  sr[7] = 0xbc;
  const rtcp = tx.protectRtcp(sr);
  return { line, c, packets: [...rtp, rtcp] };
});

describe('SRTP fuzz', () => {
  it('mutated packets of every suite: no throw, no forgery authenticates', async () => {
    const n = await fuzz(
      'srtp-packets',
      (seed) => {
        const r = new Rng(seed);
        const e = r.pick(corpus);
        const which = r.next(e.packets.length);
        const src = e.packets[which]!;
        const m = mutate(src, seed, { maxOps: 3, donors: e.packets });
        return { name: `${e.line.slice(0, 40)} #${which}`, input: { e, which, bytes: m.bytes }, ops: m.ops };
      },
      ({ e, which, bytes }) => {
        const rx = new SrtpSession(e.c, nodeSrtpCrypto);
        const rtcp = which === e.packets.length - 1;
        // The packets before it, so the rollover counter is where the sender's was.
        if (!rtcp) for (let i = 0; i < which; i++) rx.unprotectRtp(e.packets[i]!, 0, e.packets[i]!.length);
        const res = rtcp ? rx.unprotectRtcp(bytes, 0, bytes.length) : rx.unprotectRtp(bytes, 0, bytes.length);
        if (res.status === 'ok') expect(Buffer.from(bytes).equals(Buffer.from(e.packets[which]!))).toBe(true);
        // Either way, also as the other kind.
        if (rtcp) rx.unprotectRtp(bytes, 0, bytes.length);
        else rx.unprotectRtcp(bytes, 0, bytes.length);
      },
      { seed: 0x5a7e0001, count: 3000 },
    );
    expect(n).toBe(3000);
  });

  it('mutated a=crypto lines: a reason or well-formed keys, no throw', async () => {
    await fuzz(
      'srtp-crypto-lines',
      (seed) => {
        const line = lines[new Rng(seed).next(lines.length)]!;
        const m = mutateText(line, seed, {
          maxOps: 3,
          tokens: ['|', ':', ';', '2^', 'inline:', ' ', '=', 'KDR='],
        });
        return { name: line.slice(0, 40), input: m.text, ops: m.ops };
      },
      (text) => {
        const c = parseSdesCrypto(text);
        if (typeof c === 'string') expect(c.length).toBeGreaterThan(0);
        else
          for (const k of c.keys) {
            expect(k.key.length).toBe(c.suite.keyLen);
            expect(k.salt.length).toBe(c.suite.saltLen);
          }
      },
      { seed: 0x5a7e1001, count: 3000 },
    );
  });
});
