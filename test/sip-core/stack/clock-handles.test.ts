/**
 * VirtualClock's handles: an event of a FIFO lane is named by its lane and its absolute index in it
 * (never reused), an event of the heap lane by a slot from a free list and that slot's generation.
 * Cancel, pendingCount and pending() must stay exact through all of it, and the handle of a fired
 * or cancelled event must never reach the event that takes its place.
 */
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../src/sip-core/stack/clock';

describe('VirtualClock handles', () => {
  it('a stale handle does not cancel the event that reuses its slot', () => {
    const c = new VirtualClock(0);
    let ran = 0;
    const a = c.schedule(10, () => undefined);
    expect(c.cancel(a)).toBe(true);
    const b = c.schedule(10, () => ran++);
    expect(b).toBeGreaterThan(a);
    expect(c.cancel(a)).toBe(false);
    c.runUntilIdle();
    expect(ran).toBe(1);
    const d = c.schedule(5, () => ran++);
    expect(c.cancel(b)).toBe(false);
    expect(c.pending()).toEqual([{ handle: d, time: 15, label: undefined }]);
  });

  it('cancels an event scheduled 300,000 events earlier, with slots reused all along', () => {
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

  it('keeps every long-lived event cancellable and listed while short ones come and go', () => {
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

  it('dueOf tells when a pending event fires, and null once it fired, was cancelled or its slot was reused', () => {
    const c = new VirtualClock(100);
    const a = c.schedule(50, () => undefined);
    const b = c.schedule(-5, () => undefined);
    expect(c.dueOf(a)).toBe(150);
    expect(c.dueOf(b)).toBe(100); // a negative delay counts as 0
    expect(c.dueOf(0)).toBeNull();
    c.step();
    expect(c.dueOf(b)).toBeNull();
    expect(c.cancel(a)).toBe(true);
    expect(c.dueOf(a)).toBeNull();
    const d = c.schedule(7, () => undefined); // reuses a freed slot
    expect(c.dueOf(a)).toBeNull();
    expect(c.dueOf(d)).toBe(107);
  });
});
