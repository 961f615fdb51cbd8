/**
 * What the user chose for a ladder: lane zoom, collapsed lanes, lanes merged by logical node, own
 * lane names. Kept outside the component so it survives switching areas (AppState holds one).
 */
import { zoomStep, type LaneMerge } from './ladder-model';

export class LadderViewState {
  zoom = $state(1);
  /**
   * Until the user zooms (buttons, keys, Ctrl+wheel, Fit), the ladder sets the zoom itself: the
   * lanes spread over the width it has (up to AUTO_ZOOM_MAX), so labels are not clipped needlessly.
   */
  auto = $state(true);
  merge = $state<LaneMerge>('none');
  /** Column keys (address, host or alias, by merge mode) of collapsed lanes. */
  collapsed = $state<string[]>([]);
  /** The user's names for addresses; lanes with one name merge in the 'alias' mode. */
  names = $state<Record<string, string>>({});

  zoomIn(): void {
    this.auto = false;
    this.zoom = zoomStep(this.zoom, 1);
  }

  zoomOut(): void {
    this.auto = false;
    this.zoom = zoomStep(this.zoom, -1);
  }

  resetZoom(): void {
    this.auto = false;
    this.zoom = 1;
  }

  isCollapsed(key: string): boolean {
    return this.collapsed.includes(key);
  }

  toggleCollapse(key: string): void {
    this.collapsed = this.isCollapsed(key)
      ? this.collapsed.filter((k) => k !== key)
      : [...this.collapsed, key];
  }

  expandAll(): void {
    this.collapsed = [];
  }

  setMerge(merge: LaneMerge): void {
    this.merge = merge;
  }

  /** Names `addr` (empty: removes the name). */
  rename(addr: string, name: string): void {
    const next = { ...this.names };
    if (name.trim()) next[addr] = name.trim();
    else delete next[addr];
    this.names = next;
  }
}
