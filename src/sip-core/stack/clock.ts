/**
 * Time and randomness, injected (STYLE.md habit 4): the core never reads a clock, sets a timer or
 * draws a random number by itself. Times are integer **microseconds** everywhere in the stack.
 *
 * - {@link Clock} / {@link Scheduler}: what a transaction, a proxy or the simulator is given.
 * - {@link VirtualClock}: a deterministic discrete-event scheduler (simulator and tests).
 * - {@link IdSource} / {@link SeededIdSource}: branches (RFC 3261 §8.1.1.7), tags (§19.3) and
 *   Call-IDs (§8.1.1.4) from a seeded PRNG, so the same seed gives the same run.
 *
 * The real-time clock for live use is in `clock.node.ts`.
 */

/** Integer microseconds (virtual or epoch, depending on the clock). */
export type Micros = number;

/** Reads the current time. */
export interface Clock {
  /** Current time in integer microseconds. */
  now(): Micros;
}

/** Opaque handle of a scheduled callback. */
export type TimerHandle = number;

/** A clock that can also run callbacks later. */
export interface Scheduler extends Clock {
  /**
   * Runs `fn` once, `delay` µs from now (a negative delay counts as 0). `label` is free text for
   * tracing (e.g. `"Timer A"`).
   */
  schedule(delay: Micros, fn: () => void, label?: string): TimerHandle;
  /** Cancels a scheduled callback; returns false when it already ran or was cancelled. */
  cancel(handle: TimerHandle): boolean;
}

/** Microseconds in one millisecond / one second, to keep call sites readable. */
export const MS: Micros = 1000;
export const SECOND: Micros = 1_000_000;

interface VirtualEvent {
  time: Micros;
  seq: number;
  fn: () => void;
  label: string | undefined;
  live: boolean;
}

/** A scheduled event as seen from outside (for UIs listing running timers). */
export interface PendingEvent {
  handle: TimerHandle;
  time: Micros;
  label: string | undefined;
}

function earlier(a: VirtualEvent, b: VirtualEvent): boolean {
  return a.time < b.time || (a.time === b.time && a.seq < b.seq);
}

/**
 * Events scheduled with one delay: since the clock never goes back and `seq` grows, they arrive
 * in firing order, so a FIFO keeps them sorted (push O(1), no sifting through thousands of timers).
 */
class FifoLane {
  /** Events from `head` on; slots before it are cleared (a fired event must not keep its callback alive). */
  items: (VirtualEvent | undefined)[] = [];
  head = 0;
  /** Position in the clock's lane heap, -1 when empty (not in the heap). */
  pos = -1;
  peek(): VirtualEvent | undefined {
    return this.items[this.head];
  }
  push(ev: VirtualEvent): void {
    this.items.push(ev);
  }
  shift(): VirtualEvent {
    const ev = this.items[this.head]!;
    this.items[this.head++] = undefined;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head > this.items.length >> 1) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return ev;
  }
  get size(): number {
    return this.items.length - this.head;
  }
  compact(): number {
    const before = this.size;
    this.items = this.items.slice(this.head).filter((e) => e !== undefined && e.live);
    this.head = 0;
    return before - this.items.length;
  }
}

/** Events of any other delay (jitter makes many distinct ones): a binary heap on (time, seq). */
class HeapLane {
  items: VirtualEvent[] = [];
  pos = -1;
  peek(): VirtualEvent | undefined {
    return this.items[0];
  }
  push(ev: VirtualEvent): void {
    const h = this.items;
    let i = h.length;
    h.push(ev);
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = h[p]!;
      if (!earlier(ev, parent)) break;
      h[i] = parent;
      i = p;
    }
    h[i] = ev;
  }
  shift(): VirtualEvent {
    const h = this.items;
    const top = h[0]!;
    const last = h.pop()!;
    const n = h.length;
    if (n) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && earlier(h[r]!, h[l]!) ? r : l;
        if (!earlier(h[c]!, last)) break;
        h[i] = h[c]!;
        i = c;
      }
      h[i] = last;
    }
    return top;
  }
  get size(): number {
    return this.items.length;
  }
  compact(): number {
    const live = this.items.filter((e) => e.live);
    const removed = this.items.length - live.length;
    this.items = [];
    for (const e of live) this.push(e);
    return removed;
  }
}

type Lane = FifoLane | HeapLane;

/** Largest handle table (live events whose handles are further apart go to a map). */
const MAX_SLOTS = 1 << 18;

/** Distinct delays given their own FIFO lane; further delays share the heap lane. */
const MAX_FIFO_LANES = 64;

/**
 * Deterministic discrete-event scheduler. Nothing runs by itself: the owner advances time with
 * {@link step}, {@link advanceTo}, {@link advanceBy} or {@link runUntilIdle}. Events at the same
 * time fire in the order they were scheduled (stable FIFO), including events scheduled at the
 * current time from inside a callback.
 *
 * @remarks Events are kept in lanes: one FIFO per frequent delay (timers and link latencies repeat
 * the same few delays), one binary heap for the rest, and a small heap of the lanes by their
 * earliest event. Cancelled events are flagged and dropped when they reach the front (or when a
 * compaction finds them outnumbering live ones).
 */
export class VirtualClock implements Scheduler {
  private current: Micros;
  private seq = 0;
  private readonly fifo = new Map<Micros, FifoLane>();
  private readonly misc = new HeapLane();
  /** Non-empty lanes, a binary heap on their front event. */
  private lanes: Lane[] = [];
  private queued = 0;
  private dead = 0;
  /**
   * Live events by handle: slot `handle & (length - 1)` (handles are consecutive, so live ones
   * rarely collide; on a collision the table doubles). Cheaper than a Map on the hot path.
   */
  private slots: (VirtualEvent | undefined)[] = new Array<VirtualEvent | undefined>(1024);
  private live = 0;
  /** Live events whose slot was taken when the table could not grow any more. */
  private readonly overflow = new Map<TimerHandle, VirtualEvent>();
  private fired = 0;

  constructor(start: Micros = 0) {
    this.current = Math.trunc(start);
  }

  now(): Micros {
    return this.current;
  }

  /** Number of callbacks run so far. */
  get firedCount(): number {
    return this.fired;
  }

  /** Number of scheduled callbacks not yet run or cancelled. */
  get pendingCount(): number {
    return this.live;
  }

  schedule(delay: Micros, fn: () => void, label?: string): TimerHandle {
    const d = delay > 0 ? Math.trunc(delay) : 0;
    const handle = ++this.seq;
    const ev: VirtualEvent = { time: this.current + d, seq: handle, fn, label, live: true };
    this.slotIn(ev);
    let lane: Lane | undefined = this.fifo.get(d);
    if (lane === undefined) {
      if (this.fifo.size < MAX_FIFO_LANES) {
        const f = new FifoLane();
        this.fifo.set(d, f);
        lane = f;
      } else lane = this.misc;
    }
    const wasFront = lane.peek();
    lane.push(ev);
    this.queued++;
    if (lane.pos < 0) this.laneInsert(lane);
    else if (wasFront !== lane.peek()) this.laneUp(lane.pos);
    return handle;
  }

  cancel(handle: TimerHandle): boolean {
    const slots = this.slots;
    const i = handle & (slots.length - 1);
    let ev = slots[i];
    if (ev !== undefined && ev.seq === handle) slots[i] = undefined;
    else {
      ev = this.overflow.get(handle);
      if (ev === undefined) return false;
      this.overflow.delete(handle);
    }
    this.live--;
    ev.live = false;
    if (++this.dead > 1024 && this.dead > this.queued >> 1) this.compact();
    return true;
  }

  /** Time of the next live event, or null when idle. */
  nextTime(): Micros | null {
    this.dropDead();
    return this.lanes.length ? this.lanes[0]!.peek()!.time : null;
  }

  /** Live events in firing order (a copy; for display). */
  pending(): PendingEvent[] {
    return [...this.slots.filter((e): e is VirtualEvent => e !== undefined), ...this.overflow.values()]
      .sort((a, b) => a.time - b.time || a.seq - b.seq)
      .map((e) => ({ handle: e.seq, time: e.time, label: e.label }));
  }

  /** Fires the next event (advancing time to it). Returns false when nothing is pending. */
  step(): boolean {
    this.dropDead();
    const ev = this.pop();
    if (!ev) return false;
    this.slotOut(ev);
    ev.live = false;
    if (ev.time > this.current) this.current = ev.time;
    this.fired++;
    ev.fn();
    return true;
  }

  /**
   * Fires every event due at or before `time`, in order, then sets the clock to `time` (never
   * backwards). Returns the number of events fired. `maxEvents` bounds runaway schedules.
   */
  advanceTo(time: Micros, maxEvents = 10_000_000): number {
    let n = 0;
    for (;;) {
      const next = this.nextTime();
      if (next === null || next > time || n >= maxEvents) break;
      this.step();
      n++;
    }
    if (time > this.current && n < maxEvents) this.current = Math.trunc(time);
    return n;
  }

  /** {@link advanceTo} `now() + delta`. */
  advanceBy(delta: Micros, maxEvents?: number): number {
    return this.advanceTo(this.current + delta, maxEvents);
  }

  /**
   * Fires events until none is pending or `maxEvents` have fired (protects against a schedule
   * that never empties, e.g. a periodic keep-alive). Returns the number fired.
   */
  runUntilIdle(maxEvents = 10_000_000): number {
    let n = 0;
    while (n < maxEvents && this.step()) n++;
    return n;
  }

  private dropDead(): void {
    const lanes = this.lanes;
    while (lanes.length && !lanes[0]!.peek()!.live) {
      this.pop();
      this.dead--;
    }
  }

  /** Removes and returns the earliest queued event (live or not). */
  private pop(): VirtualEvent | undefined {
    const lanes = this.lanes;
    if (!lanes.length) return undefined;
    const lane = lanes[0]!;
    const ev = lane.shift();
    this.queued--;
    if (lane.size === 0) this.laneRemoveTop();
    else this.laneDown(0);
    return ev;
  }

  private slotIn(ev: VirtualEvent): void {
    let slots = this.slots;
    let i = ev.seq & (slots.length - 1);
    if (slots[i] !== undefined && slots.length >= MAX_SLOTS) {
      // a long-lived event holds the slot and the table is as big as it gets: a map for this one
      this.overflow.set(ev.seq, ev);
      this.live++;
      return;
    }
    if (slots[i] !== undefined) {
      // a live event still holds the slot: a table twice as big (or more, until every live event
      // and this one have a slot of their own)
      let size = slots.length;
      for (;;) {
        size *= 2;
        const bigger = new Array<VirtualEvent | undefined>(size);
        const mask = size - 1;
        let ok = true;
        for (const e of slots) {
          if (e === undefined) continue;
          const k = e.seq & mask;
          if (bigger[k] !== undefined) {
            ok = false;
            break;
          }
          bigger[k] = e;
        }
        if (!ok || bigger[ev.seq & mask] !== undefined) continue;
        this.slots = slots = bigger;
        i = ev.seq & mask;
        break;
      }
    }
    slots[i] = ev;
    this.live++;
  }

  private slotOut(ev: VirtualEvent): void {
    const slots = this.slots;
    const i = ev.seq & (slots.length - 1);
    if (slots[i] === ev) {
      slots[i] = undefined;
      this.live--;
    } else if (this.overflow.delete(ev.seq)) this.live--;
  }

  private laneInsert(lane: Lane): void {
    lane.pos = this.lanes.length;
    this.lanes.push(lane);
    this.laneUp(lane.pos);
  }

  private laneRemoveTop(): void {
    const lanes = this.lanes;
    const top = lanes[0]!;
    top.pos = -1;
    const last = lanes.pop()!;
    if (last !== top) {
      lanes[0] = last;
      last.pos = 0;
      this.laneDown(0);
    }
  }

  private laneUp(i: number): void {
    const lanes = this.lanes;
    const lane = lanes[i]!;
    const ev = lane.peek()!;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = lanes[p]!;
      if (!earlier(ev, parent.peek()!)) break;
      lanes[i] = parent;
      parent.pos = i;
      i = p;
    }
    lanes[i] = lane;
    lane.pos = i;
  }

  private laneDown(i: number): void {
    const lanes = this.lanes;
    const n = lanes.length;
    const lane = lanes[i]!;
    const ev = lane.peek()!;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && earlier(lanes[r]!.peek()!, lanes[l]!.peek()!) ? r : l;
      if (!earlier(lanes[c]!.peek()!, ev)) break;
      lanes[i] = lanes[c]!;
      lanes[i]!.pos = i;
      i = c;
    }
    lanes[i] = lane;
    lane.pos = i;
  }

  /** Cancelled events stay queued until they reach the front; drop them all when they outnumber live ones. */
  private compact(): void {
    let removed = 0;
    for (const lane of this.fifo.values()) removed += lane.compact();
    removed += this.misc.compact();
    this.queued -= removed;
    this.dead = 0;
    const all: Lane[] = [...this.fifo.values(), this.misc];
    this.lanes = [];
    for (const lane of all) {
      lane.pos = -1;
      if (lane.size > 0) this.laneInsert(lane);
    }
  }
}

/** A source of uniformly distributed 32-bit integers. */
export interface RandomSource {
  /** Uniform integer in [0, 2^32). */
  nextU32(): number;
  /** Uniform float in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
}

/**
 * xoshiro128** (Blackman & Vigna), 32-bit state words, seeded through splitmix32 so any integer
 * seed (including 0) gives a well-mixed state.
 */
export class Xoshiro128 implements RandomSource {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  constructor(seed: number) {
    let x = seed >>> 0;
    const split = (): number => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = split();
    this.s1 = split();
    this.s2 = split();
    this.s3 = split();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** A generator with an explicit 128-bit state (for reference vectors and snapshots). */
  static fromState(s0: number, s1: number, s2: number, s3: number): Xoshiro128 {
    const g = new Xoshiro128(0);
    g.s0 = s0 >>> 0;
    g.s1 = s1 >>> 0;
    g.s2 = s2 >>> 0;
    g.s3 = s3 >>> 0;
    return g;
  }

  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.s1 << 9) >>> 0;
    this.s2 = (this.s2 ^ this.s0) >>> 0;
    this.s3 = (this.s3 ^ this.s1) >>> 0;
    this.s1 = (this.s1 ^ this.s2) >>> 0;
    this.s0 = (this.s0 ^ this.s3) >>> 0;
    this.s2 = (this.s2 ^ t) >>> 0;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  next(): number {
    return this.nextU32() / 4294967296;
  }

  int(n: number): number {
    return Math.floor(this.next() * n);
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/**
 * Identifiers a SIP element needs. Implementations must make branches unique across space and
 * time (RFC 3261 §8.1.1.7) and start them with the magic cookie `z9hG4bK`.
 */
export interface IdSource {
  /** A Via branch: `z9hG4bK` + random token (RFC 3261 §8.1.1.7). */
  branch(): string;
  /** A From/To tag: at least 32 bits of randomness (RFC 3261 §19.3). */
  tag(): string;
  /** A Call-ID, `token@host` when host is given (RFC 3261 §8.1.1.4). */
  callId(host?: string): string;
  /** Random token of `length` lowercase hex characters (nonces, cnonces, instance ids). */
  token(length: number): string;
}

/** The RFC 3261 §8.1.1.7 magic cookie that starts every compliant branch. */
export const BRANCH_COOKIE = 'z9hG4bK';

const HEX = '0123456789abcdef';

/** Deterministic {@link IdSource}: the same seed yields the same sequence of ids. */
export class SeededIdSource implements IdSource {
  readonly random: RandomSource;

  constructor(seedOrRandom: number | RandomSource) {
    this.random = typeof seedOrRandom === 'number' ? new Xoshiro128(seedOrRandom) : seedOrRandom;
  }

  token(length: number): string {
    let s = '';
    while (s.length < length) {
      let w = this.random.nextU32();
      for (let i = 0; i < 8 && s.length < length; i++) {
        s += HEX[w & 15];
        w >>>= 4;
      }
    }
    return s;
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
