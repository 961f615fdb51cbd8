/**
 * Multi-select in the calls list, as desktop lists do it: a click selects one row, Ctrl/Cmd-click
 * toggles a row, Shift-click selects the range from the anchor (Ctrl+Shift adds the range), Ctrl+A
 * selects every row (up to a cap: a ladder of thousands of calls helps nobody).
 */

export interface Selection<T> {
  /** Selected rows, in the order of the list. */
  rows: T[];
  /** Index of the row the next Shift-click ranges from. */
  anchor: number | null;
}

export interface Modifiers {
  /** Ctrl, or Cmd on macOS. */
  toggle: boolean;
  shift: boolean;
}

/** Most rows Ctrl+A or a Shift range selects. */
export const MAX_SELECTED = 500;

/** The selection after a click on row `index`; `rowAt` gives loaded rows (undefined while loading). */
export function clickSelect<T>(
  sel: Selection<T>,
  index: number,
  mods: Modifiers,
  rowAt: (i: number) => T | undefined,
  key: (row: T) => string,
): Selection<T> {
  const row = rowAt(index);
  if (row === undefined) return sel;
  if (mods.shift && sel.anchor !== null) {
    const lo = Math.min(sel.anchor, index);
    const hi = Math.min(Math.max(sel.anchor, index), lo + MAX_SELECTED - 1);
    const range: T[] = [];
    for (let i = lo; i <= hi; i++) {
      const r = rowAt(i);
      if (r !== undefined) range.push(r);
    }
    if (!mods.toggle) return { rows: range, anchor: sel.anchor };
    const have = new Set(sel.rows.map(key));
    return { rows: [...sel.rows, ...range.filter((r) => !have.has(key(r)))], anchor: sel.anchor };
  }
  if (mods.toggle) {
    const k = key(row);
    const rows = sel.rows.some((r) => key(r) === k)
      ? sel.rows.filter((r) => key(r) !== k)
      : [...sel.rows, row];
    return { rows, anchor: index };
  }
  return { rows: [row], anchor: index };
}

/** Every loaded row of the first `total` (at most MAX_SELECTED). */
export function selectAll<T>(total: number, rowAt: (i: number) => T | undefined): Selection<T> {
  const rows: T[] = [];
  for (let i = 0; i < total && rows.length < MAX_SELECTED; i++) {
    const r = rowAt(i);
    if (r !== undefined) rows.push(r);
  }
  return { rows, anchor: 0 };
}

/** Reads the modifiers of a mouse event (Cmd on macOS counts as Ctrl). */
export function modifiersOf(e: { ctrlKey: boolean; metaKey: boolean; shiftKey: boolean }): Modifiers {
  return { toggle: e.ctrlKey || e.metaKey, shift: e.shiftKey };
}
