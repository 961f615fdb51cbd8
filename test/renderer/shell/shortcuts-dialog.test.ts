/** The `?` overlay lists the keys of every area, grouped, including the ladder's navigation and zoom. */
import { describe, expect, it, vi } from 'vitest';
import { fireEvent, render } from '@testing-library/svelte';
import ShortcutsDialog from '../../../src/renderer/src/lib/shell/ShortcutsDialog.svelte';

describe('ShortcutsDialog', () => {
  it('groups the shortcuts by area', () => {
    const { getAllByRole } = render(ShortcutsDialog, { onClose: () => undefined });
    expect(getAllByRole('heading', { level: 3 }).map((h) => h.textContent)).toEqual([
      'Everywhere',
      'Calls list',
      'Filter bar',
      'Ladder and messages',
      'Scenario player',
      'Pane splitters (drag, or Tab to one)',
    ]);
  });

  it('lists the ladder keys and the calls multi-select', () => {
    const { container } = render(ShortcutsDialog, { onClose: () => undefined });
    const keys = [...container.querySelectorAll('kbd')].map((k) => k.textContent);
    for (const k of [
      'Home / End',
      'PgUp / PgDn',
      '+ / − / 0',
      'Shift+click',
      'Ctrl/⌘+A',
      '?',
      'n / →',
      'Space',
    ])
      expect(keys).toContain(k);
  });

  it('closes on Escape in the dialog and on its Close button', async () => {
    const onClose = vi.fn();
    const { getByRole } = render(ShortcutsDialog, { onClose });
    await fireEvent.keyDown(getByRole('dialog'), { key: 'Escape' });
    expect(onClose).toHaveBeenCalledTimes(1);
    await fireEvent.click(getByRole('button', { name: 'Close' }));
    expect(onClose).toHaveBeenCalledTimes(2);
  });
});
