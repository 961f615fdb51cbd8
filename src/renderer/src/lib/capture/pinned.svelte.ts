/**
 * The message the user pinned to compare others with (sngrep's "compare two messages": an INVITE and
 * its re-INVITE, the 200s of two forks, a request before and after a proxy on another capture). One
 * per window, shared by the inspectors, the messages list and the ladder (which mark it and unpin
 * it). It outlives the selection and the capture (its text is kept), until unpinned.
 */
export interface PinnedMessage {
  id: number;
  frame: number;
  src: string;
  dst: string;
  time: number;
  text: string;
}

export class PinState {
  current = $state<PinnedMessage | null>(null);

  pin(m: PinnedMessage): void {
    this.current = m;
  }

  unpin(): void {
    this.current = null;
  }

  /** Whether a row of a list or an arrow of a ladder is the pinned message (same id, frame and time). */
  isRow(r: { id: number; frame?: number; time: number }): boolean {
    const p = this.current;
    return p !== null && p.id === r.id && p.time === r.time && (r.frame === undefined || p.frame === r.frame);
  }
}

/** The window's pinned message. */
export const pinned = new PinState();
