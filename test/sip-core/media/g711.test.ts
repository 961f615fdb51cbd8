/**
 * G.711 (media/g711.ts): every one of the 256 codes of each law decodes to what sox decodes it to
 * (`sox -t ul|al -r 8000 -c 1 in.raw -t s16 out.raw`), the values the recommendation gives, and the
 * encoders give back each code from its decoded value.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ALAW_TO_LINEAR, ULAW_TO_LINEAR, linearToAlaw, linearToUlaw } from '../../../src/sip-core/media/g711';
import { requirePeer } from '../../helpers/peers';

const sox = requirePeer('sox');
const dir = mkdtempSync(join(tmpdir(), 'sipscope-g711-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function soxDecode(type: 'ul' | 'al'): Int16Array {
  const codes = Uint8Array.from({ length: 256 }, (_, i) => i);
  const input = join(dir, `codes.${type}`);
  const output = join(dir, `codes-${type}.s16`);
  writeFileSync(input, codes);
  execFileSync(sox!, ['-t', type, '-r', '8000', '-c', '1', input, '-t', 's16', '-L', output]);
  const b = readFileSync(output);
  return new Int16Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

describe('G.711 decoding against sox', () => {
  it.skipIf(!sox)('µ-law: all 256 codes as sox decodes them', () => {
    expect([...ULAW_TO_LINEAR]).toEqual([...soxDecode('ul')]);
  });
  it.skipIf(!sox)('A-law: all 256 codes as sox decodes them', () => {
    expect([...ALAW_TO_LINEAR]).toEqual([...soxDecode('al')]);
  });
});

describe('G.711 values of the recommendation', () => {
  it('µ-law: 0xFF and 0x7F are the two zeros, 0x00 the most negative (-32,124), 0x80 the most positive', () => {
    expect(ULAW_TO_LINEAR[0xff]).toBe(0);
    expect(ULAW_TO_LINEAR[0x7f]).toBe(0);
    expect(ULAW_TO_LINEAR[0x00]).toBe(-32124);
    expect(ULAW_TO_LINEAR[0x80]).toBe(32124);
    // first segment: steps of 8 (2 in 14-bit units) from 0
    expect(ULAW_TO_LINEAR[0xfe]).toBe(8);
    expect(ULAW_TO_LINEAR[0xef]).toBe(132);
  });
  it('A-law: 0xD5 and 0x55 are the smallest magnitudes (±8), 0xAA the largest (32,256)', () => {
    expect(ALAW_TO_LINEAR[0xd5]).toBe(8);
    expect(ALAW_TO_LINEAR[0x55]).toBe(-8);
    expect(ALAW_TO_LINEAR[0xaa]).toBe(32256);
    expect(ALAW_TO_LINEAR[0x2a]).toBe(-32256);
  });
  it('encoders: silence and full scale', () => {
    expect(linearToUlaw(0)).toBe(0xff);
    expect(linearToUlaw(32767)).toBe(0x80);
    expect(linearToUlaw(-32768)).toBe(0x00);
    expect(linearToAlaw(0)).toBe(0xd5);
    expect(linearToAlaw(32767)).toBe(0xaa);
    expect(linearToAlaw(-32768)).toBe(0x2a);
  });
  it('encode(decode(code)) gives the code back (µ-law: but -0, 0x7F, which encodes as +0)', () => {
    for (let c = 0; c < 256; c++) {
      if (c !== 0x7f) expect(linearToUlaw(ULAW_TO_LINEAR[c]!), `µ-law ${c}`).toBe(c);
      expect(linearToAlaw(ALAW_TO_LINEAR[c]!), `A-law ${c}`).toBe(c);
    }
  });
  it('encoders are monotonic: a larger sample never decodes smaller', () => {
    let u = -Infinity;
    let a = -Infinity;
    for (let s = -32768; s <= 32767; s += 7) {
      const du = ULAW_TO_LINEAR[linearToUlaw(s)]!;
      const da = ALAW_TO_LINEAR[linearToAlaw(s)]!;
      expect(du).toBeGreaterThanOrEqual(u);
      expect(da).toBeGreaterThanOrEqual(a);
      u = du;
      a = da;
    }
  });
});
