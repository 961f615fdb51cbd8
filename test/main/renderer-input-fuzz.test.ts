/**
 * Fuzz the renderer's handling (its pure helpers, run in the core project: no DOM needed) of what the user types (test/helpers/mutate.ts, seeded): the filter
 * bar's completions at every caret position, a completion applied, the merge panel's shift field, the
 * TLS dialog's server address, and the message diff of two damaged messages. Nothing throws, every
 * completion replaces a range inside the text, and a keystroke's work stays small.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fuzz, mutateText, Rng } from '../helpers/mutate';
import { applyCompletion, completions } from '../../src/renderer/src/lib/calls/filter-completion';
import { parseShiftMs } from '../../src/renderer/src/lib/capture/merge-shift';
import { serverAddress } from '../../src/renderer/src/lib/capture/tls-secrets';
import { diffMessages } from '../../src/renderer/src/lib/capture/message-diff';

const ROOT = resolve(__dirname, '../..');
const filters = readFileSync(resolve(ROOT, 'docs/filters.md'), 'utf8')
  .split('## Examples')[1]!
  .split('```')[1]!
  .split('\n')
  .map((l) => l.replace(/#.*$/, '').trim())
  .filter(Boolean);
const INVITE = readFileSync(resolve(ROOT, 'test/fixtures/rfc4475/dblreq.dat'), 'latin1');

describe('fuzz: what the user types in the renderer', () => {
  it('2,000 mutated filters: completions at 8 caret positions each, applied; shift and server fields (seed 0xC0C0)', async () => {
    await fuzz(
      'filter-bar',
      (seed, i) => {
        const m = mutateText(filters[i % filters.length]!, seed, {
          tokens: ['==', '!=', ' eq ', '"', '(', '&&', 'sip.', 'call.state == ', ' ', '\\'],
        });
        return { name: filters[i % filters.length]!, input: m.text, ops: m.ops };
      },
      (text, c) => {
        const r = new Rng(c.seed);
        for (let k = 0; k < 8; k++) {
          const caret = k === 0 ? text.length : r.next(text.length + 1);
          const list = completions(text, caret);
          for (const x of list) {
            expect(x.from).toBeGreaterThanOrEqual(0);
            expect(x.from).toBeLessThanOrEqual(x.to);
            expect(x.to).toBeLessThanOrEqual(text.length);
          }
          if (list.length) {
            const a = applyCompletion(text, list[r.next(list.length)]!);
            expect(a.caret).toBeLessThanOrEqual(a.text.length);
          }
        }
        const us = parseShiftMs(text);
        expect(us === null || Number.isSafeInteger(us)).toBe(true);
        serverAddress(text);
      },
      { seed: 0xc0c0, count: 2000, slowMs: 1000 },
    );
  });

  it('a 20,000-character filter: completions at its end in well under a keystroke', () => {
    for (const text of [
      'a'.repeat(20_000),
      `sip.method == "INVITE" && ${'x.'.repeat(10_000)}`,
      ' '.repeat(20_000) + 'sip',
    ]) {
      const t0 = performance.now();
      completions(text, text.length);
      expect(performance.now() - t0).toBeLessThan(200);
    }
  });

  it('300 diffs of two damaged copies of a message (seed 0xD1FF)', async () => {
    await fuzz(
      'message-diff',
      (seed) => {
        const a = mutateText(INVITE, seed);
        const b = mutateText(INVITE, seed ^ 0x9e3779b9);
        return { name: 'dblreq.dat', input: [a.text, b.text] as const, ops: [...a.ops, '|', ...b.ops] };
      },
      ([a, b]) => {
        diffMessages(a, b);
      },
      { seed: 0xd1ff, count: 300, slowMs: 2000 },
    );
  });
});
