import { describe, expect, it } from 'vitest';
import { BRANCH_COOKIE, SeededIdSource, VirtualClock, Xoshiro128 } from '../../../src/sip-core/stack/clock';
import { RealClock, CryptoIdSource } from '../../../src/sip-core/stack/clock.node';

describe('VirtualClock', () => {
  it('fires events in time order and advances now() to each event', () => {
    const c = new VirtualClock();
    const log: string[] = [];
    c.schedule(300, () => log.push(`c@${c.now()}`));
    c.schedule(100, () => log.push(`a@${c.now()}`));
    c.schedule(200, () => log.push(`b@${c.now()}`));
    expect(c.runUntilIdle()).toBe(3);
    expect(log).toEqual(['a@100', 'b@200', 'c@300']);
  });

  it('keeps FIFO order for equal times, including events scheduled from a callback', () => {
    const c = new VirtualClock();
    const log: number[] = [];
    c.schedule(10, () => {
      log.push(1);
      c.schedule(0, () => log.push(4));
    });
    c.schedule(10, () => log.push(2));
    c.schedule(10, () => log.push(3));
    c.runUntilIdle();
    expect(log).toEqual([1, 2, 3, 4]);
    expect(c.now()).toBe(10);
  });

  it('cancel() removes an event and reports whether it was pending', () => {
    const c = new VirtualClock();
    let ran = false;
    const h = c.schedule(50, () => (ran = true));
    expect(c.pendingCount).toBe(1);
    expect(c.cancel(h)).toBe(true);
    expect(c.cancel(h)).toBe(false);
    expect(c.runUntilIdle()).toBe(0);
    expect(ran).toBe(false);
  });

  it('advanceTo() fires only due events, then sets the clock to the target time', () => {
    const c = new VirtualClock(1000);
    const log: number[] = [];
    c.schedule(500, () => log.push(c.now()));
    const later = c.schedule(1500, () => log.push(c.now()));
    expect(c.advanceTo(2000)).toBe(1);
    expect(c.now()).toBe(2000);
    expect(log).toEqual([1500]);
    expect(c.nextTime()).toBe(2500);
    expect(c.pending()).toEqual([{ handle: later, time: 2500, label: undefined }]);
    c.advanceBy(10_000);
    expect(log).toEqual([1500, 2500]);
    expect(c.now()).toBe(12_000);
  });

  it('step() fires exactly one event and returns false when idle', () => {
    const c = new VirtualClock();
    c.schedule(5, () => undefined);
    c.schedule(6, () => undefined);
    expect(c.step()).toBe(true);
    expect(c.now()).toBe(5);
    expect(c.step()).toBe(true);
    expect(c.step()).toBe(false);
    expect(c.firedCount).toBe(2);
  });

  it('runUntilIdle() is bounded for a schedule that never empties', () => {
    const c = new VirtualClock();
    const tick = (): void => void c.schedule(1000, tick);
    tick();
    expect(c.runUntilIdle(500)).toBe(500);
    expect(c.now()).toBe(500_000);
  });

  it('handles many events in heap order', () => {
    const c = new VirtualClock();
    const rnd = new Xoshiro128(7);
    const times: number[] = [];
    const seen: number[] = [];
    for (let i = 0; i < 2000; i++) {
      const t = rnd.int(10_000);
      times.push(t);
      c.schedule(t, () => seen.push(c.now()));
    }
    c.runUntilIdle();
    expect(seen).toEqual([...times].sort((a, b) => a - b));
  });
});

describe('Xoshiro128 (xoshiro128**)', () => {
  it('matches the reference output for state {1,2,3,4}', () => {
    const g = Xoshiro128.fromState(1, 2, 3, 4);
    expect([g.nextU32(), g.nextU32(), g.nextU32(), g.nextU32()]).toEqual([11520, 0, 5927040, 70819200]);
  });

  it('is deterministic per seed and differs across seeds', () => {
    const a = new Xoshiro128(42);
    const b = new Xoshiro128(42);
    const c = new Xoshiro128(43);
    const sa = Array.from({ length: 8 }, () => a.nextU32());
    expect(Array.from({ length: 8 }, () => b.nextU32())).toEqual(sa);
    expect(Array.from({ length: 8 }, () => c.nextU32())).not.toEqual(sa);
  });

  it('next() stays in [0,1) with a plausible mean', () => {
    const g = new Xoshiro128(0);
    let sum = 0;
    for (let i = 0; i < 20_000; i++) {
      const v = g.next();
      expect(v >= 0 && v < 1).toBe(true);
      sum += v;
    }
    expect(Math.abs(sum / 20_000 - 0.5)).toBeLessThan(0.02);
  });
});

describe('SeededIdSource', () => {
  it('branches start with the RFC 3261 §8.1.1.7 magic cookie and are unique', () => {
    const ids = new SeededIdSource(1);
    const set = new Set<string>();
    for (let i = 0; i < 5000; i++) {
      const b = ids.branch();
      expect(b.startsWith(BRANCH_COOKIE)).toBe(true);
      expect(b).toMatch(/^z9hG4bK[0-9a-f]{16}$/);
      set.add(b);
    }
    expect(set.size).toBe(5000);
  });

  it('the same seed gives the same tags and Call-IDs', () => {
    const a = new SeededIdSource(99);
    const b = new SeededIdSource(99);
    expect([a.tag(), a.callId('a.example'), a.token(5)]).toEqual([
      b.tag(),
      b.callId('a.example'),
      b.token(5),
    ]);
    expect(new SeededIdSource(100).tag()).not.toEqual(new SeededIdSource(99).tag());
    expect(a.callId('h')).toMatch(/^[0-9a-f]{20}@h$/);
  });

  it('ids of a seed stay the same across versions (scenario outputs depend on them)', () => {
    const ids = new SeededIdSource(7);
    expect([ids.branch(), ids.tag(), ids.callId('h.example'), ids.token(3)]).toEqual([
      'z9hG4bK0222cdb3fe9a1238',
      '9e01ce2749',
      '73abfc091d759397943d@h.example',
      expect.stringMatching(/^[0-9a-f]{3}$/),
    ]);
  });
});

describe('RealClock / CryptoIdSource (node adapters)', () => {
  it('RealClock runs a scheduled callback after the delay and cancel() stops another', async () => {
    const c = new RealClock();
    const t0 = c.now();
    const fired = await new Promise<number>((resolve) => {
      const h = c.schedule(5_000, () => {
        throw new Error('cancelled timer ran');
      });
      expect(c.cancel(h)).toBe(true);
      c.schedule(20_000, () => resolve(c.now()));
    });
    expect(fired - t0).toBeGreaterThanOrEqual(15_000);
    expect(Math.abs(t0 / 1000 - Date.now())).toBeLessThan(5_000);
  });

  it('CryptoIdSource makes cookie branches', () => {
    expect(new CryptoIdSource().branch()).toMatch(/^z9hG4bK[0-9a-f]{16}$/);
  });
});

describe('VirtualClock.scheduleTarget', () => {
  it('tells the target its code, in (time, scheduling) order with plain callbacks, and cancels like schedule()', () => {
    const c = new VirtualClock();
    const log: string[] = [];
    const target = { onTimer: (code: number) => log.push(`t${code}@${c.now()}`) };
    const h1 = c.scheduleTarget(10, target, 1, 'one');
    const h2 = c.schedule(10, () => log.push(`f@${c.now()}`));
    const h3 = c.scheduleTarget(5, target, 3);
    const h4 = c.scheduleTarget(10, target, 4);
    // handles are opaque: unique and positive (pending() lists events in firing order)
    expect(new Set([h1, h2, h3, h4]).size).toBe(4);
    expect(Math.min(h1, h2, h3, h4)).toBeGreaterThan(0);
    expect(c.pending()).toEqual([
      { handle: h3, time: 5, label: undefined },
      { handle: h1, time: 10, label: 'one' },
      { handle: h2, time: 10, label: undefined },
      { handle: h4, time: 10, label: undefined },
    ]);
    expect(c.cancel(h4)).toBe(true);
    expect(c.cancel(h4)).toBe(false);
    expect(c.runUntilIdle()).toBe(3);
    expect(log).toEqual(['t3@5', 't1@10', 'f@10']);
    expect(c.cancel(h1)).toBe(false);
  });
});

describe('VirtualClock with many cancelled timers', () => {
  it('keeps order and counts after the heap compacts cancelled entries', () => {
    const c = new VirtualClock();
    const fired: number[] = [];
    const keep: number[] = [];
    for (let i = 0; i < 5000; i++) {
      const h = c.schedule(10_000 + i, () => fired.push(i));
      if (i % 5 === 0) keep.push(i);
      else c.cancel(h);
    }
    expect(c.pendingCount).toBe(1000);
    expect(c.pending()).toHaveLength(1000);
    c.runUntilIdle();
    expect(fired).toEqual(keep);
    expect(c.now()).toBe(10_000 + 4995);
  });
});
