/**
 * SpanTable: Call-IDs interned by bytes, text made only when asked; ids agree between the byte path
 * (index scan) and the string path (full parse), survive export/import (thread hand-off) and map
 * between two tables (the two-worker merge).
 */
import { describe, expect, it } from 'vitest';
import { SpanTable } from '../../../src/sip-core/trace/byte-interner';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const span = (t: SpanTable, s: string): number => {
  const b = enc(`xx${s}yy`);
  return t.idOfSpan(b, 2, b.length - 2);
};

describe('SpanTable', () => {
  it('one id per distinct text, the same by bytes and by string, through growth', () => {
    const t = new SpanTable(4);
    const ids: number[] = [];
    for (let i = 0; i < 5000; i++) ids.push(span(t, `call-${i}@host.example`));
    expect(new Set(ids).size).toBe(5000);
    expect(ids[0]).toBe(1);
    expect(t.count).toBe(5001);
    for (let i = 0; i < 5000; i += 7) {
      expect(t.idOf(`call-${i}@host.example`)).toBe(ids[i]);
      expect(span(t, `call-${i}@host.example`)).toBe(ids[i]);
      expect(t.get(ids[i]!)).toBe(`call-${i}@host.example`);
    }
    expect(t.find('call-4999@host.example')).toBe(ids[4999]);
    expect(t.find('nope')).toBe(-1);
    expect(t.count).toBe(5001);
    expect(t.get(0)).toBeNull();
    // Long keys (hashed by their ends) that differ only in the middle stay apart.
    const a = span(t, `${'a'.repeat(40)}1${'b'.repeat(40)}`);
    const b = span(t, `${'a'.repeat(40)}2${'b'.repeat(40)}`);
    expect(a).not.toBe(b);
    expect(t.get(b)).toBe(`${'a'.repeat(40)}2${'b'.repeat(40)}`);
  });

  it('text that is not ASCII is interned by its decoded string', () => {
    const t = new SpanTable();
    const x = span(t, 'réunion@ex');
    expect(t.idOf('réunion@ex')).toBe(x);
    expect(t.get(x)).toBe('réunion@ex');
    expect(t.find('réunion@ex')).toBe(x);
    const y = t.idOf('ascii@ex');
    expect(span(t, 'ascii@ex')).toBe(y);
  });

  it('find by a prefix of a text: the id of those characters alone, no string cut', () => {
    const t = new SpanTable();
    const base = span(t, 'abc-1234@10.0.0.1');
    const u = t.idOf('réunion');
    const long = 'x'.repeat(300);
    const l = span(t, long);
    expect(t.find('abc-1234@10.0.0.1-leg2', 17)).toBe(base);
    expect(t.find('abc-1234@10.0.0.1-leg2', 16)).toBe(-1);
    expect(t.find('abc-1234@10.0.0.1', 17)).toBe(base);
    expect(t.find('réunion;b2b', 7)).toBe(u);
    expect(t.find('réunion;b2b', 6)).toBe(-1);
    // (longer than the scratch buffer)
    expect(t.find(`${long}-suffix`, 300)).toBe(l);
    expect(t.find(`${long}-suffix`, 299)).toBe(-1);
    expect(t.find('', 0)).toBe(-1);
  });

  it('export / import keeps ids and text; absorb maps another table into this one', () => {
    const t = new SpanTable();
    for (const s of ['a1', 'b2', 'ünï', 'c3']) span(t, s);
    const u = SpanTable.import(structuredClone(t.export()));
    expect([1, 2, 3, 4].map((i) => u.get(i))).toEqual(['a1', 'b2', 'ünï', 'c3']);
    expect(span(u, 'b2')).toBe(2);
    expect(u.idOf('ünï')).toBe(3);
    expect(span(u, 'd4')).toBe(5);
    const other = new SpanTable();
    for (const s of ['zz', 'c3', 'ünï', 'a1']) span(other, s);
    const map = u.absorb(other.export());
    expect([...map]).toEqual([0, 6, 4, 3, 1]);
    expect(u.get(6)).toBe('zz');
  });

  it('deltas (exportFrom / appendDelta) keep ids in a table that looks nothing up, then index on demand', () => {
    const sender = new SpanTable(4);
    const keys = Array.from({ length: 3000 }, (_, i) =>
      i % 97 === 5 ? `ünï-${i}` : `call-${i}@host.example`,
    );
    const copy = new SpanTable(4);
    const late = new SpanTable(4);
    let sent = 1;
    for (let part = 0; part < 3000; part += 700) {
      for (const k of keys.slice(part, part + 700)) span(sender, k);
      const d = sender.exportFrom(sent);
      sent = sender.count;
      expect(copy.appendDelta(structuredClone(d))).toBe(true);
      expect(copy.appendDelta(structuredClone(d))).toBe(false); // (a repeated delta does not continue it)
      // a table that has looked a key up (its index built) takes the deltas one key at a time
      if (part === 700) expect(late.find(keys[0]!)).toBe(1);
      expect(late.appendDelta(structuredClone(d))).toBe(true);
    }
    expect(copy.count).toBe(sender.count);
    for (let id = 1; id < sender.count; id++) expect(copy.get(id)).toBe(sender.get(id));
    // looked up by text and by bytes once all are in (the index is built then), new keys after them
    for (let i = 0; i < keys.length; i += 13) {
      expect(copy.find(keys[i]!)).toBe(sender.find(keys[i]!));
      expect(late.find(keys[i]!)).toBe(sender.find(keys[i]!));
      expect(copy.idOf(keys[i]!)).toBe(sender.idOf(keys[i]!));
    }
    expect(span(copy, 'new@x')).toBe(sender.count);
    expect(copy.find('nowhere')).toBe(-1);
  });
});
