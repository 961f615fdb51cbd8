import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { paramOf } from '../../../src/sip-core/elements/sip-util';

/** The split-based reading paramOf had before it scanned in place: the reference it must equal. */
function paramOfBySplit(params: string, name: string): string | null {
  const lname = name.toLowerCase();
  for (const p of params.split(';')) {
    const eq = p.indexOf('=');
    const n = (eq >= 0 ? p.slice(0, eq) : p).trim().toLowerCase();
    if (n === lname)
      return eq >= 0
        ? p
            .slice(eq + 1)
            .trim()
            .replace(/^"|"$/g, '')
        : '';
  }
  return null;
}

describe('paramOf (header and URI parameters, RFC 3261 §19.1.1 / §20.42)', () => {
  it('reads valued, valueless and absent parameters in any case', () => {
    expect(paramOf(';lr', 'lr')).toBe('');
    expect(paramOf(';transport=udp;LR', 'lr')).toBe('');
    expect(paramOf(';branch=z9hG4bK1;Received=192.0.2.1', 'received')).toBe('192.0.2.1');
    expect(paramOf(' ; rport = 5062 ;x', 'rport')).toBe('5062');
    expect(paramOf(';tag="abc"', 'tag')).toBe('abc');
    expect(paramOf(';lrx;xlr', 'lr')).toBeNull();
    expect(paramOf('', 'lr')).toBeNull();
  });

  it('equals the split-based reading on arbitrary parameter strings', () => {
    const piece = fc.constantFrom(
      ';',
      '=',
      ' ',
      '\t',
      '"',
      'lr',
      'LR',
      'Lr',
      'rport',
      'x',
      '5060',
      '\u212a',
      '\u00a0',
      'K',
      'k',
      '\v',
    );
    const params = fc.array(piece, { maxLength: 14 }).map((a) => a.join(''));
    const name = fc.constantFrom('lr', 'rport', 'x', 'k', 'kr', 'K', '');
    fc.assert(
      fc.property(params, name, (p, n) => paramOf(p, n) === paramOfBySplit(p, n)),
      { numRuns: 3000 },
    );
  });
});
