/**
 * Pane sizes the user dragged (the splitters of the Calls area), kept across sessions like the
 * calls list's columns. A size is in CSS pixels; null means the layout's default.
 */
export type KeyValueStore = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

export const PANE_KEY_PREFIX = 'sipscope.pane.';

export function loadPaneSize(store: KeyValueStore | null, name: string): number | null {
  try {
    const raw = store?.getItem(PANE_KEY_PREFIX + name);
    if (!raw) return null;
    const n = Number(raw);
    return Number.isFinite(n) && n > 0 && n < 100_000 ? n : null;
  } catch {
    return null;
  }
}

export function savePaneSize(store: KeyValueStore | null, name: string, size: number | null): void {
  try {
    if (size === null) store?.removeItem(PANE_KEY_PREFIX + name);
    else store?.setItem(PANE_KEY_PREFIX + name, String(Math.round(size)));
  } catch {
    // Storage full or disabled: the size lasts for this session only.
  }
}

/** `size` kept within [min, max] (when the room is smaller than min, min wins). */
export function clampPane(size: number, min: number, max: number): number {
  return Math.round(Math.max(min, Math.min(Math.max(min, max), size)));
}

/** The size after a splitter key (arrows step 16 px, with Shift 64; Home/End go to the ends), or null. */
export function paneKey(key: string, shift: boolean, size: number, min: number, max: number): number | null {
  const step = shift ? 64 : 16;
  switch (key) {
    case 'ArrowLeft':
    case 'ArrowUp':
      return clampPane(size - step, min, max);
    case 'ArrowRight':
    case 'ArrowDown':
      return clampPane(size + step, min, max);
    case 'Home':
      return clampPane(min, min, max);
    case 'End':
      return clampPane(max, min, max);
    default:
      return null;
  }
}

/** A pane's open/closed choice (a details block the user closed), kept like the sizes. */
export function loadPaneOpen(store: KeyValueStore | null, name: string, dflt: boolean): boolean {
  try {
    const raw = store?.getItem(PANE_KEY_PREFIX + name + '.open');
    return raw === 'true' ? true : raw === 'false' ? false : dflt;
  } catch {
    return dflt;
  }
}

export function savePaneOpen(store: KeyValueStore | null, name: string, open: boolean): void {
  try {
    store?.setItem(PANE_KEY_PREFIX + name + '.open', String(open));
  } catch {
    // Storage full or disabled: the choice lasts for this session only.
  }
}
