/**
 * VirtualClock's handle table: handles are consecutive and live events are looked up by
 * `handle & mask`; a collision grows the table, and past its largest size a long-lived event
 * goes to a map. Cancel, pendingCount and pending() must stay exact through all of it.
 */
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../src/sip-core/stack/clock';

describe('VirtualClock handles', () => {
  it('cancels an event scheduled 300,000 handles earlier (table grown, then the overflow map)', () => {
    const c = new VirtualClock(0);
    let longFired = 0;
    const long = c.schedule(10_000_000_000, () => longFired++, 'long');
    const mid: number[] = [];
    let fired = 0;
    let cancelled = 0;
    for (let i = 0; i < 300_000; i++) {
      const h = c.schedule(1000, () => fired++);
      if (i % 50_000 === 0) mid.push(c.schedule(5_000_000_000, () => longFired++, 'mid'));
      if (i % 2 === 0) c.step();
      else if (c.cancel(h)) cancelled++;
    }
    c.runUntilIdle(1_000_000);
    expect(c.pendingCount).toBe(0);
    expect(fired).toBe(150_000);
    expect(cancelled).toBe(150_000);
    expect(longFired).toBe(1 + mid.length);
    // handles of events that ran cannot be cancelled, nor can unknown ones
    expect(c.cancel(long)).toBe(false);
    expect(c.cancel(123_456_789)).toBe(false);
  });

  it('keeps every long-lived event (slot, grown table or map) cancellable and listed', () => {
    const c = new VirtualClock(0);
    const keep: number[] = [];
    for (let i = 0; i < 400_000; i++) {
      const h = c.schedule(i % 1000 === 0 ? 1_000_000_000 : 10, () => undefined);
      if (i % 1000 === 0) keep.push(h);
      else c.cancel(h);
    }
    expect(c.pendingCount).toBe(keep.length);
    expect(c.pending().map((p) => p.handle)).toEqual(keep);
    expect(keep.filter((h) => c.cancel(h))).toEqual(keep);
    expect(c.pendingCount).toBe(0);
    expect(c.nextTime()).toBe(null);
  });
});
