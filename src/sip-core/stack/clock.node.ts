/**
 * Real-time {@link Scheduler} and crypto-backed {@link IdSource} for live use (lab, live capture).
 * Node-only: the portable core receives these through injection and never imports this file.
 */
import { randomBytes } from 'node:crypto';
import type { IdSource, Micros, Scheduler, TimerHandle, TimerTarget } from './clock';
import { BRANCH_COOKIE } from './clock';

/**
 * Wall-clock scheduler. `now()` is epoch microseconds, monotonic within the process (it is the
 * start epoch plus `process.hrtime`, so it never jumps back when the system clock is adjusted).
 */
export class RealClock implements Scheduler {
  private readonly originEpochUs = Date.now() * 1000;
  private readonly originHr = process.hrtime.bigint();
  private readonly timers = new Map<TimerHandle, NodeJS.Timeout>();
  /** Due time of each pending timer (µs, on this clock). */
  private readonly dues = new Map<TimerHandle, Micros>();
  private seq = 0;

  now(): Micros {
    return this.originEpochUs + Number((process.hrtime.bigint() - this.originHr) / 1000n);
  }

  schedule(delay: Micros, fn: () => void, _label?: string): TimerHandle {
    const handle = ++this.seq;
    const t = setTimeout(
      () => {
        this.timers.delete(handle);
        this.dues.delete(handle);
        fn();
      },
      Math.max(0, delay) / 1000,
    );
    t.unref?.();
    this.timers.set(handle, t);
    this.dues.set(handle, this.now() + Math.max(0, delay));
    return handle;
  }

  scheduleTarget(delay: Micros, target: TimerTarget, code: number, label?: string): TimerHandle {
    return this.schedule(delay, () => target.onTimer(code), label);
  }

  cancel(handle: TimerHandle): boolean {
    const t = this.timers.get(handle);
    if (!t) return false;
    clearTimeout(t);
    this.timers.delete(handle);
    this.dues.delete(handle);
    return true;
  }

  dueOf(handle: TimerHandle): Micros | null {
    return this.dues.get(handle) ?? null;
  }

  /** Cancels every pending timer (on shutdown). */
  cancelAll(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.dues.clear();
  }
}

/** {@link IdSource} from the OS CSPRNG, for live elements talking to real peers. */
export class CryptoIdSource implements IdSource {
  token(length: number): string {
    return randomBytes(Math.ceil(length / 2))
      .toString('hex')
      .slice(0, length);
  }
  branch(): string {
    return BRANCH_COOKIE + this.token(16);
  }
  tag(): string {
    return this.token(10);
  }
  callId(host?: string): string {
    const id = this.token(20);
    return host ? `${id}@${host}` : id;
  }
}
