/**
 * The VirtualClock keeps events in lanes (a FIFO per frequent delay, a heap for the rest): whatever
 * the mix of delays and cancellations, events must fire in (time, scheduling order), as one sorted
 * queue would fire them.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../src/sip-core/stack/clock';

interface Op {
  delay: number;
  cancelOf: number | null;
  nested: number | null;
}

const op = fc.record({
  // A few repeated delays (the common case: timers, link latency) and many distinct ones (jitter).
  delay: fc.oneof(fc.constantFrom(0, 1000, 500_000, 32_000_000), fc.integer({ min: 0, max: 5_000_000 })),
  cancelOf: fc.option(fc.nat(400), { nil: null }),
  nested: fc.option(fc.integer({ min: 0, max: 3_000_000 }), { nil: null }),
});

describe('VirtualClock lanes', () => {
  it('fires in (time, seq) order for any mix of delays, cancellations and events scheduled from callbacks', () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 400 }), (ops: Op[]) => {
        const clock = new VirtualClock(0);
        const fired: { time: number; seq: number }[] = [];
        const handles: number[] = [];
        const expected: { time: number; seq: number; live: boolean }[] = [];
        let seq = 0;
        const sched = (delay: number, nested: number | null): void => {
          const mySeq = ++seq;
          const rec = { time: clock.now() + delay, seq: mySeq, live: true };
          expected.push(rec);
          const h = clock.schedule(delay, () => {
            fired.push({ time: clock.now(), seq: mySeq });
            if (nested !== null) sched(nested, null);
          });
          handles.push(h);
          recByHandle.set(h, rec);
        };
        const recByHandle = new Map<number, { live: boolean }>();
        for (const o of ops) {
          sched(o.delay, o.nested);
          if (o.cancelOf !== null && o.cancelOf < handles.length) {
            const h = handles[o.cancelOf]!;
            if (clock.cancel(h)) recByHandle.get(h)!.live = false;
          }
        }
        clock.runUntilIdle();
        // Times never go back, and at equal times scheduling order holds.
        for (let i = 1; i < fired.length; i++) {
          const a = fired[i - 1]!;
          const b = fired[i]!;
          expect(a.time < b.time || (a.time === b.time && a.seq < b.seq)).toBe(true);
        }
        const want = expected.filter((e) => e.live).length;
        expect(fired.length).toBe(want);
        expect(clock.pendingCount).toBe(0);
      }),
      { numRuns: 200 },
    );
  });

  it('more distinct delays than FIFO lanes (jitter) still fire in order, across compactions', () => {
    const clock = new VirtualClock(0);
    const fired: number[] = [];
    const handles: number[] = [];
    for (let i = 0; i < 5000; i++) {
      const delay = (i * 7919) % 100_003; // 5000 distinct delays
      handles.push(clock.schedule(delay, () => fired.push(clock.now())));
    }
    // Cancel 3 of 4: several compactions.
    let cancelled = 0;
    handles.forEach((h, i) => {
      if (i % 4 !== 0 && clock.cancel(h)) cancelled++;
    });
    expect(cancelled).toBe(3750);
    expect(clock.pendingCount).toBe(1250);
    clock.runUntilIdle();
    expect(fired.length).toBe(1250);
    for (let i = 1; i < fired.length; i++) expect(fired[i]!).toBeGreaterThanOrEqual(fired[i - 1]!);
  });
});
