/**
 * VirtualRows: only the rows in view exist, their elements are recycled as the list scrolls, the
 * window always lies within the rows there are, and a new query goes back to the top.
 */
import { describe, expect, it } from 'vitest';
import { render } from '@testing-library/svelte';
import { tick } from 'svelte';
import { PagedRows } from '../../../src/renderer/src/lib/table/paged-rows.svelte';
import Harness from './VirtualRowsHarness.svelte';

const ROW_H = 22;

function list(total: () => number) {
  let queries = 0;
  const rows = new PagedRows<string>(
    async (offset, limit) => {
      const n = total();
      const q = queries;
      return {
        total: n,
        items: Array.from(
          { length: Math.max(0, Math.min(limit, n - offset)) },
          (_, k) => `v${q}:${offset + k}`,
        ),
      };
    },
    { pageSize: 100 },
  );
  return { rows, newQuery: () => queries++ };
}

/** Lets page answers land and the view update. */
async function settle(): Promise<void> {
  for (let k = 0; k < 5; k++) {
    await new Promise((r) => setTimeout(r, 0));
    await tick();
  }
}

function scrollTo(el: HTMLElement, top: number): void {
  el.scrollTop = top;
  el.dispatchEvent(new Event('scroll'));
}

const shown = (c: HTMLElement): string[] =>
  [...c.querySelectorAll('tbody tr.msg')].map((tr) => tr.querySelector('td')?.textContent ?? '');

describe('VirtualRows', () => {
  it('renders only a window of rows, and reuses the same row elements while scrolling', async () => {
    let n = 100_000;
    const { rows } = list(() => n);
    const { container, getByTestId } = render(Harness, { rows });
    await rows.reset();
    await settle();
    const before = [...container.querySelectorAll('tbody tr.msg')];
    expect(before.length).toBeGreaterThan(5);
    expect(before.length).toBeLessThan(60);
    expect(shown(container)[0]).toBe('0');
    scrollTo(getByTestId('vr'), 5_000 * ROW_H);
    await settle();
    const after = [...container.querySelectorAll('tbody tr.msg')];
    const labels = shown(container);
    expect(labels).toContain('5000');
    // In order, consecutive, and every element is one of those there were: moved, not created.
    expect(labels.map(Number)).toEqual(labels.map((_, k) => Number(labels[0]) + k));
    expect(after.length).toBe(before.length);
    expect(after.every((tr) => before.includes(tr))).toBe(true);
    n = 0;
  });

  it('shows the rows there are when the list shrinks under a scrolled view (no empty window)', async () => {
    let n = 10_000;
    const { rows, newQuery } = list(() => n);
    const { container, getByTestId } = render(Harness, { rows });
    await rows.reset();
    await settle();
    scrollTo(getByTestId('vr'), 6_000 * ROW_H);
    await settle();
    expect(shown(container)).toContain('6000');
    // A live refresh (keeps the position) now answers one row.
    n = 1;
    newQuery();
    await rows.reset();
    await settle();
    expect(shown(container)).toEqual(['0']);
  });

  it('goes back to the first row on a new query (a filter or sort)', async () => {
    const { rows, newQuery } = list(() => 50_000);
    const { container, getByTestId } = render(Harness, { rows });
    await rows.reset();
    await settle();
    const vp = getByTestId('vr');
    scrollTo(vp, 20_000 * ROW_H);
    await settle();
    newQuery();
    await rows.reset({ top: true });
    await settle();
    expect(vp.scrollTop).toBe(0);
    expect(shown(container)[0]).toBe('0');
    expect(container.querySelector('tbody tr.msg td:nth-child(2)')?.textContent).toBe('v1:0');
  });
});
