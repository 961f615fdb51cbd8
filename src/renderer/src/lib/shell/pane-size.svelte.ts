/**
 * One pane's size that the user can drag (a Splitter sizes it): what they chose (kept across
 * sessions), what the layout gives, and the room the pane shares with its neighbour, so that the
 * size in force stays between the pane's minimum and what leaves the neighbour its own.
 */
import { clampPane, loadPaneSize, savePaneSize, type KeyValueStore } from './pane-sizes';

export class PaneSize {
  /** The user's size in px; null: the layout's default. */
  user = $state<number | null>(null);
  /** The pane's size as laid out (bind the pane's clientWidth or clientHeight here). */
  measured = $state(0);
  /** The room the pane and its neighbour share (bind the container's clientWidth or clientHeight here). */
  room = $state(0);

  constructor(
    private readonly store: KeyValueStore | null,
    private readonly name: string,
    readonly min: number,
    /** What the neighbour keeps at least. */
    private readonly otherMin: number,
  ) {
    this.user = loadPaneSize(store, name);
  }

  get max(): number {
    return this.room - this.otherMin;
  }

  /** Whether the user's size applies (set, and the room known). */
  get chosen(): boolean {
    return this.user !== null && this.room > 0;
  }

  /**
   * The size in force: the user's, clamped to the room; else as laid out (a splitter's keys step
   * from this, not from a measurement that can lag a drag by a frame).
   */
  get size(): number {
    return this.chosen ? clampPane(this.user!, this.min, this.max) : this.measured;
  }

  /** The size as a CSS length, or null to leave the layout's default. */
  get css(): string | null {
    return this.chosen ? `${this.size}px` : null;
  }

  /** Sets (and remembers) the user's size; null goes back to the default. */
  set(size: number | null): void {
    this.user = size;
    savePaneSize(this.store, this.name, size);
  }
}

/** The browser's storage when there is one (not in tests without a DOM). */
export const paneStore: KeyValueStore | null = typeof localStorage === 'undefined' ? null : localStorage;
