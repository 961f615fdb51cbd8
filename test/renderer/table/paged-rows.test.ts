/**
 * PagedRows: pages of a long list loaded as they scroll into view, one request at a time, a new
 * query superseding every older answer, and a bounded number of pages kept.
 */
import { describe, expect, it } from 'vitest';
import { PagedRows } from '../../../src/renderer/src/lib/table/paged-rows.svelte';

/** A service whose answers the test releases by hand, in any order. */
function slowService(total: number) {
  const asked: { offset: number; limit: number; query: number; release: () => void; fail: () => void }[] = [];
  let query = 0;
  const load = (offset: number, limit: number) =>
    new Promise<{ total: number; items: string[] }>((resolve, reject) => {
      const q = query;
      asked.push({
        offset,
        limit,
        query: q,
        release: () =>
          resolve({
            total,
            items: Array.from(
              { length: Math.max(0, Math.min(limit, total - offset)) },
              (_, i) => `q${q}:${offset + i}`,
            ),
          }),
        fail: () => reject(new Error('service down')),
      });
    });
  return {
    asked,
    load,
    newQuery: () => ++query,
  };
}

const settle = () => new Promise((r) => setTimeout(r, 0));

describe('PagedRows', () => {
  it('loads the first page and the total on reset, then the pages in view one request at a time', async () => {
    const s = slowService(10_000);
    const rows = new PagedRows(s.load, { pageSize: 100 });
    const ready = rows.reset();
    s.asked[0]!.release();
    await ready;
    expect(rows.total).toBe(10_000);
    expect(rows.get(5)).toBe('q0:5');
    rows.ensure(250, 480); // pages 2, 3, 4
    expect(s.asked.length).toBe(2);
    expect(s.asked[1]!.offset).toBe(200);
    expect(rows.get(250)).toBeUndefined();
    s.asked[1]!.release();
    await settle();
    expect(rows.get(250)).toBe('q0:250');
    expect(s.asked.length).toBe(3);
    expect(s.asked[2]!.offset).toBe(300);
  });

  it('a fling asks only for the pages of the window it ends on, not for every page it crossed', async () => {
    const s = slowService(100_000);
    const rows = new PagedRows(s.load, { pageSize: 100 });
    const ready = rows.reset();
    s.asked[0]!.release();
    await ready;
    // 60 frames of 40 rows: the window moves across 24 pages while the first answer is awaited.
    for (let f = 1; f <= 60; f++) rows.ensure(f * 40, f * 40 + 50);
    expect(s.asked.length).toBe(2); // the reset's page, and one in flight
    s.asked[1]!.release();
    await settle();
    // The next request is for the window as it is now (rows 2400-2450), skipping what was crossed.
    expect(s.asked.length).toBe(3);
    expect(s.asked[2]!.offset).toBe(2400);
    s.asked[2]!.release();
    await settle();
    expect(rows.get(2420)).toBe('q0:2420');
    expect(s.asked.length).toBe(3);
  });

  it('loads the rows in view first, then those ahead each side', async () => {
    const s = slowService(100_000);
    const rows = new PagedRows(s.load, { pageSize: 100 });
    const ready = rows.reset();
    s.asked[0]!.release();
    await ready;
    rows.ensure(1010, 1090, 50); // in view: page 10; ahead: pages 9 and 11
    const order: number[] = [];
    for (let k = 0; k < 3; k++) {
      const req = s.asked.at(-1)!;
      order.push(req.offset / 100);
      req.release();
      await settle();
    }
    expect(order).toEqual([10, 9, 11]);
    expect(s.asked.length).toBe(4);
  });

  it('a reset supersedes answers still on their way and does not wait for them', async () => {
    const s = slowService(5_000);
    const rows = new PagedRows(s.load, { pageSize: 100 });
    const first = rows.reset();
    s.asked[0]!.release();
    await first;
    rows.ensure(1000, 1050);
    expect(s.asked.length).toBe(2);
    s.newQuery();
    const second = rows.reset({ top: true });
    expect(s.asked.length).toBe(3); // sent at once, not behind the stale page
    s.asked[2]!.release();
    await second;
    expect(rows.tops).toBe(1);
    expect(rows.get(0)).toBe('q1:0');
    // The stale answer lands late: dropped.
    s.asked[1]!.release();
    await settle();
    expect(rows.get(1000)).toBeUndefined();
    // The view was sent back to the top: nothing else is asked for.
    expect(s.asked.length).toBe(3);
  });

  it('keeps the old rows until the new query answers (no flash of placeholders)', async () => {
    const s = slowService(500);
    const rows = new PagedRows(s.load, { pageSize: 100 });
    const first = rows.reset();
    s.asked[0]!.release();
    await first;
    s.newQuery();
    const second = rows.reset();
    expect(rows.get(3)).toBe('q0:3');
    s.asked[1]!.release();
    await second;
    expect(rows.get(3)).toBe('q1:3');
  });

  it('clear forgets the rows at once and drops answers still on their way (another list replaces it)', async () => {
    const s = slowService(500);
    const rows = new PagedRows(s.load, { pageSize: 100 });
    const first = rows.reset();
    s.asked[0]!.release();
    await first;
    rows.ensure(150, 160);
    expect(s.asked.length).toBe(2); // page 1 on its way
    rows.clear();
    expect(rows.total).toBe(0);
    expect(rows.get(3)).toBeUndefined();
    s.asked[1]!.release(); // the old list's page lands after the clear: dropped
    await settle();
    expect(rows.get(150)).toBeUndefined();
    s.newQuery();
    const next = rows.reset();
    s.asked[2]!.release();
    await next;
    expect(rows.get(3)).toBe('q1:3');
    expect(rows.total).toBe(500);
  });

  it('of two resets in flight, only the last one is shown', async () => {
    const s = slowService(500);
    const rows = new PagedRows(s.load, { pageSize: 100 });
    const a = rows.reset();
    s.newQuery();
    const b = rows.reset();
    s.asked[1]!.release();
    await b;
    s.asked[0]!.release();
    await a;
    expect(rows.get(0)).toBe('q1:0');
  });

  it('keeps at most maxPages pages, forgetting the farthest from the window', async () => {
    const s = slowService(100_000);
    const rows = new PagedRows(s.load, { pageSize: 100, maxPages: 5 });
    const ready = rows.reset();
    s.asked[0]!.release();
    await ready;
    for (let p = 1; p < 30; p++) {
      rows.ensure(p * 100, p * 100 + 50);
      s.asked.at(-1)!.release();
      await settle();
      expect(rows.pagesHeld).toBeLessThanOrEqual(5);
    }
    expect(rows.get(2910)).toBe('q0:2910');
    expect(rows.get(0)).toBeUndefined();
  });

  it('a failed page is not asked for again in a loop, only when the view asks again', async () => {
    const s = slowService(1_000);
    const rows = new PagedRows(s.load, { pageSize: 100 });
    const ready = rows.reset();
    s.asked[0]!.release();
    await ready;
    rows.ensure(500, 550);
    s.asked[1]!.fail();
    await settle();
    expect(s.asked.length).toBe(2);
    rows.ensure(500, 551);
    expect(s.asked.length).toBe(3);
    s.asked[2]!.release();
    await settle();
    expect(rows.get(520)).toBe('q0:520');
  });

  it('a failed reset rejects (the caller shows the error) and a later one works', async () => {
    const s = slowService(100);
    const rows = new PagedRows(s.load, { pageSize: 100 });
    const bad = rows.reset();
    s.asked[0]!.fail();
    await expect(bad).rejects.toThrow('service down');
    const good = rows.reset();
    s.asked[1]!.release();
    await good;
    expect(rows.total).toBe(100);
  });
});
