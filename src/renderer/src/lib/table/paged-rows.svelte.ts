/**
 * Rows of a long list fetched page by page from the service as they scroll into view, so a
 * million-message trace never crosses to the renderer whole (ARCHITECTURE.md: pages, not traces).
 */
import { SvelteMap } from 'svelte/reactivity';

export type PageLoader<T> = (offset: number, limit: number) => Promise<{ total: number; items: T[] }>;

export class PagedRows<T> {
  readonly pageSize: number;
  total = $state(0);
  readonly #pages = new SvelteMap<number, T[]>();
  // Not reactive on purpose: which pages are in flight never changes what is shown.
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  readonly #loading = new Set<number>();
  readonly #load: PageLoader<T>;
  #generation = 0;

  constructor(load: PageLoader<T>, pageSize = 200) {
    this.#load = load;
    this.pageSize = pageSize;
  }

  /** Loads the first page (and the total). */
  async reset(): Promise<void> {
    this.#generation++;
    this.#pages.clear();
    this.#loading.clear();
    await this.#fetch(0);
  }

  /** The row at `index`, or undefined while its page is loading. */
  get(index: number): T | undefined {
    return this.#pages.get(Math.floor(index / this.pageSize))?.[index % this.pageSize];
  }

  /** Makes sure the pages covering [from, to) are loaded or loading. */
  ensure(from: number, to: number): void {
    const last = Math.min(to, this.total) - 1;
    for (let p = Math.floor(Math.max(0, from) / this.pageSize); p <= Math.floor(last / this.pageSize); p++) {
      if (!this.#pages.has(p) && !this.#loading.has(p)) void this.#fetch(p);
    }
  }

  /** Index of the first loaded row matching `pred`, searching loaded pages only. */
  indexWhere(pred: (row: T) => boolean): number {
    for (const [p, rows] of this.#pages) {
      const i = rows.findIndex(pred);
      if (i >= 0) return p * this.pageSize + i;
    }
    return -1;
  }

  async #fetch(page: number): Promise<void> {
    const gen = this.#generation;
    this.#loading.add(page);
    try {
      const r = await this.#load(page * this.pageSize, this.pageSize);
      if (gen !== this.#generation) return;
      this.total = r.total;
      this.#pages.set(page, r.items);
    } finally {
      this.#loading.delete(page);
    }
  }
}
