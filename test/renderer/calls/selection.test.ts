import { describe, expect, it } from 'vitest';
import {
  clickSelect,
  MAX_SELECTED,
  modifiersOf,
  selectAll,
  type Selection,
} from '../../../src/renderer/src/lib/calls/selection';

const rows = Array.from({ length: 1000 }, (_, i) => `C${i + 1}`);
const at = (i: number): string | undefined => rows[i];
const id = (r: string): string => r;
const none = { toggle: false, shift: false };
const ctrl = { toggle: true, shift: false };
const shift = { toggle: false, shift: true };
const both = { toggle: true, shift: true };
const empty: Selection<string> = { rows: [], anchor: null };

describe('calls list multi-select', () => {
  it('a click selects one row and sets the anchor', () => {
    expect(clickSelect({ rows: ['C1', 'C2'], anchor: 0 }, 4, none, at, id)).toEqual({
      rows: ['C5'],
      anchor: 4,
    });
  });

  it('Ctrl/Cmd-click toggles a row', () => {
    let s = clickSelect(empty, 1, none, at, id);
    s = clickSelect(s, 3, ctrl, at, id);
    expect(s).toEqual({ rows: ['C2', 'C4'], anchor: 3 });
    s = clickSelect(s, 1, ctrl, at, id);
    expect(s).toEqual({ rows: ['C4'], anchor: 1 });
  });

  it('Shift-click selects the range from the anchor, either way; Ctrl+Shift adds it', () => {
    let s = clickSelect(empty, 5, none, at, id);
    s = clickSelect(s, 2, shift, at, id);
    expect(s).toEqual({ rows: ['C3', 'C4', 'C5', 'C6'], anchor: 5 });
    s = clickSelect(s, 7, shift, at, id);
    expect(s.rows).toEqual(['C6', 'C7', 'C8']);
    s = clickSelect({ rows: ['C1'], anchor: 9 }, 10, both, at, id);
    expect(s.rows).toEqual(['C1', 'C10', 'C11']);
    // Shift without an anchor is a plain click.
    expect(clickSelect(empty, 3, shift, at, id)).toEqual({ rows: ['C4'], anchor: 3 });
  });

  it('skips rows still loading, ignores a click on one, and caps ranges', () => {
    const holes = (i: number): string | undefined => (i % 2 ? undefined : rows[i]);
    expect(clickSelect({ rows: ['C1'], anchor: 0 }, 4, shift, holes, id).rows).toEqual(['C1', 'C3', 'C5']);
    const s = { rows: ['C1'], anchor: 0 };
    expect(clickSelect(s, 3, none, holes, id)).toBe(s);
    expect(clickSelect({ rows: [], anchor: 0 }, 999, shift, at, id).rows.length).toBe(MAX_SELECTED);
  });

  it('selects all loaded rows up to the cap', () => {
    expect(selectAll(3, at)).toEqual({ rows: ['C1', 'C2', 'C3'], anchor: 0 });
    expect(selectAll(1000, at).rows.length).toBe(MAX_SELECTED);
  });

  it('Cmd counts as Ctrl', () => {
    expect(modifiersOf({ ctrlKey: false, metaKey: true, shiftKey: false })).toEqual(ctrl);
    expect(modifiersOf({ ctrlKey: false, metaKey: false, shiftKey: true })).toEqual(shift);
  });
});
