/** The column chooser: shown columns in order with move buttons, hidden ones to add, Escape closes. */
import { describe, expect, it, vi } from 'vitest';
import { fireEvent, render } from '@testing-library/svelte';
import ColumnChooser from '../../../src/renderer/src/lib/calls/ColumnChooser.svelte';

describe('ColumnChooser', () => {
  it('lists shown columns in order, then the hidden ones', async () => {
    const { getByRole, getAllByRole } = render(ColumnChooser, {
      columns: ['state', 'start'],
      onChange: () => {},
    });
    await fireEvent.click(getByRole('button', { name: 'Columns' }));
    const boxes = getAllByRole('checkbox') as HTMLInputElement[];
    expect(boxes.slice(0, 2).map((b) => [b.parentElement?.textContent?.trim(), b.checked])).toEqual([
      ['State', true],
      ['Start', true],
    ]);
    expect(boxes.length).toBe(17); // every column, DTMF among them
    expect(boxes.slice(2).every((b) => !b.checked)).toBe(true);
  });

  it('shows, hides and moves columns through onChange', async () => {
    const onChange = vi.fn();
    const { getByRole } = render(ColumnChooser, { columns: ['start', 'from', 'to'], onChange });
    await fireEvent.click(getByRole('button', { name: 'Columns' }));
    await fireEvent.click(getByRole('checkbox', { name: 'Source' }));
    expect(onChange).toHaveBeenLastCalledWith(['start', 'from', 'to', 'src']);
    await fireEvent.click(getByRole('checkbox', { name: 'From' }));
    expect(onChange).toHaveBeenLastCalledWith(['start', 'to']);
    await fireEvent.click(getByRole('button', { name: 'Move To earlier' }));
    expect(onChange).toHaveBeenLastCalledWith(['start', 'to', 'from']);
    expect((getByRole('button', { name: 'Move Start earlier' }) as HTMLButtonElement).disabled).toBe(true);
    expect((getByRole('button', { name: 'Move To later' }) as HTMLButtonElement).disabled).toBe(true);
  });

  it('closes on Escape', async () => {
    const { getByRole, queryByRole } = render(ColumnChooser, { columns: ['start'], onChange: () => {} });
    await fireEvent.click(getByRole('button', { name: 'Columns' }));
    expect(queryByRole('group', { name: 'Columns' })).not.toBeNull();
    // The last column cannot be hidden.
    expect((getByRole('checkbox', { name: 'Start' }) as HTMLInputElement).disabled).toBe(true);
    await fireEvent.keyDown(window, { key: 'Escape' });
    expect(queryByRole('group', { name: 'Columns' })).toBeNull();
  });
});
