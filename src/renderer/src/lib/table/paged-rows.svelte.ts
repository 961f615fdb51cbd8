/**
 * Rows of a long list fetched page by page from the service as they scroll into view, so a
 * million-message trace never crosses to the renderer whole (ARCHITECTURE.md: pages, not traces).
 *
 * The cost of scrolling and of a new query does not depend on what came before:
 * - one page request in flight at a time: a fling asks for the pages of the window it ends on,
 *   not for every page it crossed (the service answers requests in order, so a queue of stale
 *   pages would delay the next query's answer);
 * - a new query (`reset`) supersedes everything: answers of an older generation are dropped;
 * - at most `maxPages` pages are kept (the farthest from the window are forgotten), so the
 *   reactive state stays the same size however far the list was scrolled.
 */
import { SvelteMap } from 'svelte/reactivity';

export type PageLoader<T> = (offset: number, limit: number) => Promise<{ total: number; items: T[] }>;

export interface PagedRowsOptions {
  pageSize?: number;
  /** Pages kept in memory; the farthest from the rows in view go first. */
  maxPages?: number;
}

export class PagedRows<T> {
  readonly pageSize: number;
  readonly maxPages: number;
  total = $state(0);
  /**
   * Counts the resets that asked for the top (`reset({ top: true })`) once their first page landed:
   * a list view scrolls back to its first row when it changes.
   */
  tops = $state(0);
  /** Counts the lists that replaced this one (`clear`: another capture): a view scrolls back to its first column. */
  lists = $state(0);
  readonly #pages = new SvelteMap<number, T[]>();
  readonly #load: PageLoader<T>;
  #generation = 0;
  /** A reset's first page is on its way: nothing else is asked for until it lands. */
  #resetting = false;
  /** Generation of the page request in flight (null: none). */
  #busy: number | null = null;
  /** Rows [from, to) the view wants, as last told by `ensure`, and rows to load ahead each side. */
  #from = 0;
  #to = 0;
  #margin = 0;
  /** A page request failed: no retry until the view asks again (`ensure`). */
  #failed = false;
  /** Page requests sent (tests and benchmarks watch it). */
  requests = 0;

  constructor(load: PageLoader<T>, opts: PagedRowsOptions | number = {}) {
    const o = typeof opts === 'number' ? { pageSize: opts } : opts;
    this.#load = load;
    this.pageSize = o.pageSize ?? 200;
    this.maxPages = Math.max(2, o.maxPages ?? 40);
  }

  /**
   * Starts a new query: loads its first page (and the total), then the pages of the rows in view.
   * The rows shown until then stay (no flash of placeholders); answers to older requests are
   * dropped. `top`: the view should scroll back to the first row (a new filter or sort; a live
   * refresh keeps the position).
   */
  async reset(opts: { top?: boolean } = {}): Promise<void> {
    const gen = ++this.#generation;
    this.#resetting = true;
    this.#failed = false;
    let r: { total: number; items: T[] };
    try {
      this.requests++;
      r = await this.#load(0, this.pageSize);
    } finally {
      if (gen === this.#generation) this.#resetting = false;
    }
    if (gen !== this.#generation) return;
    this.#pages.clear();
    this.#pages.set(0, r.items);
    this.total = r.total;
    if (opts.top) {
      const rows = this.#to - this.#from;
      this.#from = 0;
      this.#to = rows;
      this.tops++;
    }
    this.#pump();
  }

  /**
   * Forgets every row at once, and every answer still on its way: another list replaces this one
   * (another capture), so its rows must not stay on screen, where a click would act on a row of a
   * list that is gone. A `reset` follows to load the new list.
   */
  clear(): void {
    this.#generation++;
    this.#resetting = false;
    this.#busy = null;
    this.#pages.clear();
    this.total = 0;
    this.lists++;
  }

  /** The row at `index`, or undefined while its page is loading. */
  get(index: number): T | undefined {
    return this.#pages.get(Math.floor(index / this.pageSize))?.[index % this.pageSize];
  }

  /** Whether the page holding row `index` is loaded (not reactive to later loads). */
  has(index: number): boolean {
    return this.#pages.has(Math.floor(index / this.pageSize));
  }

  /**
   * The view shows rows [from, to): their pages are loaded one request at a time, then those of
   * `margin` rows each side (so that rows scrolled into view are there already).
   */
  ensure(from: number, to: number, margin = 0): void {
    this.#from = Math.max(0, from);
    this.#to = Math.max(this.#from, to);
    this.#margin = Math.max(0, margin);
    this.#failed = false;
    this.#pump();
  }

  /** Index of the first loaded row matching `pred`, searching loaded pages only. */
  indexWhere(pred: (row: T) => boolean): number {
    for (const [p, rows] of this.#pages) {
      const i = rows.findIndex(pred);
      if (i >= 0) return p * this.pageSize + i;
    }
    return -1;
  }

  /** Pages held now (at most maxPages). */
  get pagesHeld(): number {
    return this.#pages.size;
  }

  /** The first page of the wanted rows not loaded yet (those in view first), or null. */
  #missing(): number | null {
    return (
      this.#firstMissing(this.#from, this.#to) ??
      this.#firstMissing(this.#from - this.#margin, this.#to + this.#margin)
    );
  }

  #firstMissing(from: number, to: number): number | null {
    const last = Math.min(to, this.total) - 1;
    const first = Math.max(0, from);
    if (last < first) return null;
    for (let p = Math.floor(first / this.pageSize); p <= Math.floor(last / this.pageSize); p++)
      if (!this.#pages.has(p)) return p;
    return null;
  }

  #pump(): void {
    const gen = this.#generation;
    if (this.#resetting || this.#failed || this.#busy === gen) return;
    const page = this.#missing();
    if (page === null) return;
    this.#busy = gen;
    this.requests++;
    this.#load(page * this.pageSize, this.pageSize).then(
      (r) => {
        if (this.#busy === gen) this.#busy = null;
        if (gen !== this.#generation) return;
        this.total = r.total;
        this.#pages.set(page, r.items);
        this.#evict();
        this.#pump();
      },
      () => {
        if (this.#busy === gen) this.#busy = null;
        // Asked again when the view moves (ensure), not in a loop against a failing service.
        if (gen === this.#generation) this.#failed = true;
      },
    );
  }

  /** Forgets the pages farthest from the wanted rows beyond maxPages. */
  #evict(): void {
    if (this.#pages.size <= this.maxPages) return;
    const lo = Math.floor(Math.max(0, this.#from - this.#margin) / this.pageSize);
    const hi = Math.floor(Math.max(this.#from, this.#to + this.#margin - 1) / this.pageSize);
    const dist = (p: number): number => (p < lo ? lo - p : p > hi ? p - hi : 0);
    const far = [...this.#pages.keys()].sort((a, b) => dist(b) - dist(a));
    for (const p of far.slice(0, this.#pages.size - this.maxPages)) this.#pages.delete(p);
  }
}
