import { describe, expect, it } from 'vitest';
import {
  PANE_KEY_PREFIX,
  clampPane,
  loadPaneSize,
  paneKey,
  savePaneSize,
} from '../../../src/renderer/src/lib/shell/pane-sizes';
import { PaneSize } from '../../../src/renderer/src/lib/shell/pane-size.svelte';

function memoryStore(): Storage {
  const m = new Map<string, string>();
  return {
    get length() {
      return m.size;
    },
    clear: () => m.clear(),
    getItem: (k) => m.get(k) ?? null,
    key: (i) => [...m.keys()][i] ?? null,
    removeItem: (k) => void m.delete(k),
    setItem: (k, v) => void m.set(k, String(v)),
  };
}

describe('pane sizes', () => {
  it('keeps a size within its range; the minimum wins when there is no room', () => {
    expect(clampPane(500, 320, 900)).toBe(500);
    expect(clampPane(100, 320, 900)).toBe(320);
    expect(clampPane(1200, 320, 900)).toBe(900);
    expect(clampPane(500, 320, 200)).toBe(320);
  });

  it('steps with the arrow keys (Shift: larger), goes to the ends with Home/End, ignores other keys', () => {
    expect(paneKey('ArrowRight', false, 400, 320, 900)).toBe(416);
    expect(paneKey('ArrowLeft', true, 400, 320, 900)).toBe(336);
    expect(paneKey('ArrowUp', false, 330, 320, 900)).toBe(320);
    expect(paneKey('ArrowDown', true, 880, 320, 900)).toBe(900);
    expect(paneKey('Home', false, 400, 320, 900)).toBe(320);
    expect(paneKey('End', false, 400, 320, 900)).toBe(900);
    expect(paneKey('a', false, 400, 320, 900)).toBeNull();
  });

  it('remembers a size, forgets it on reset, and ignores what is not a size', () => {
    const store = memoryStore();
    expect(loadPaneSize(store, 'calls-width')).toBeNull();
    savePaneSize(store, 'calls-width', 412.6);
    expect(store.getItem(`${PANE_KEY_PREFIX}calls-width`)).toBe('413');
    expect(loadPaneSize(store, 'calls-width')).toBe(413);
    savePaneSize(store, 'calls-width', null);
    expect(loadPaneSize(store, 'calls-width')).toBeNull();
    for (const bad of ['x', '-5', '0', 'Infinity', '1e9']) {
      store.setItem(`${PANE_KEY_PREFIX}h`, bad);
      expect(loadPaneSize(store, 'h')).toBeNull();
    }
    expect(loadPaneSize(null, 'h')).toBeNull();
  });
});

describe('PaneSize', () => {
  it('is the layout until the user sizes it, then the user size clamped to the room; remembered', () => {
    const store = memoryStore();
    const p = new PaneSize(store, 'w', 320, 360);
    p.measured = 500;
    p.room = 1200;
    expect([p.size, p.css, p.max]).toEqual([500, null, 840]);
    p.set(1000);
    expect([p.size, p.css]).toEqual([840, '840px']);
    p.room = 600; // the window shrank: the minimum wins over the neighbour's room
    expect(p.size).toBe(320);
    expect(new PaneSize(store, 'w', 320, 360).user).toBe(1000);
    p.set(null);
    expect([p.size, p.css]).toEqual([500, null]);
    expect(new PaneSize(store, 'w', 320, 360).user).toBeNull();
    // Before the room is known (hidden view), the user's size waits.
    const q = new PaneSize(store, 'h', 120, 120);
    q.set(300);
    q.measured = 200;
    expect([q.size, q.css]).toEqual([200, null]);
  });
});
