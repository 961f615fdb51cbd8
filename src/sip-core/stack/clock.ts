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

/**
 * Something that owns several timers and is told which one fired by a number: a transaction (its
 * timer codes), the simulated network (the slot of a packet in flight). Scheduling a target with a
 * code needs no closure per timer.
 */
export interface TimerTarget {
  onTimer(code: number): void;
}

/** A clock that can also run callbacks later. */
export interface Scheduler extends Clock {
  /**
   * Runs `fn` once, `delay` µs from now (a negative delay counts as 0). `label` is free text for
   * tracing (e.g. `"Timer A"`).
   */
  schedule(delay: Micros, fn: () => void, label?: string): TimerHandle;
  /**
   * Calls `target.onTimer(code)` once, `delay` µs from now: {@link schedule} without a closure.
   * `code` is an integer in [0, 2^31). Same order and handles as {@link schedule}.
   */
  scheduleTarget(delay: Micros, target: TimerTarget, code: number, label?: string): TimerHandle;
  /** Cancels a scheduled callback; returns false when it already ran or was cancelled. */
  cancel(handle: TimerHandle): boolean;
  /**
   * When a scheduled callback is due (µs, on this clock), or null when it already ran or was
   * cancelled: callers that show running timers ask here instead of keeping the time themselves.
   */
  dueOf(handle: TimerHandle): Micros | null;
}

/** Microseconds in one millisecond / one second, to keep call sites readable. */
export const MS: Micros = 1000;
export const SECOND: Micros = 1_000_000;

/** A scheduled event as seen from outside (for UIs listing running timers). */
export interface PendingEvent {
  handle: TimerHandle;
  time: Micros;
  label: string | undefined;
}

/** What runs when an event fires: a callback, or a target told a code. */
type Action = (() => void) | TimerTarget;

/**
 * Queued events are (time, seq) pairs of numbers; what they run lives in the clock's slot table by
 * seq. A queued pair whose seq no longer holds a slot was cancelled (or fired) and is skipped.
 */
interface Lane {
  /** Front event's time and handle (valid when size > 0; handles grow with the scheduling order). */
  ft: number;
  fs: number;
  /** Position in the clock's lane heap, -1 when empty (not in the heap). */
  pos: number;
  readonly size: number;
  push(time: number, seq: number): void;
  /** Drops the front event. */
  shift(): void;
  /** Keeps only the events `live(seq)` accepts; returns how many were dropped. */
  compact(live: (seq: number) => boolean): number;
}

/**
 * Events scheduled with one delay: since the clock never goes back and `seq` grows, they arrive
 * in firing order, so a FIFO keeps them sorted (push O(1), no sifting through thousands of timers).
 * A ring of two number columns.
 */
class FifoLane implements Lane {
  ft = 0;
  fs = 0;
  pos = -1;
  private t = new Float64Array(16);
  private s = new Float64Array(16);
  private head = 0;
  private n = 0;

  get size(): number {
    return this.n;
  }

  push(time: number, seq: number): void {
    let cap = this.t.length;
    if (this.n === cap) {
      this.grow(cap * 2);
      cap *= 2;
    }
    const i = (this.head + this.n) & (cap - 1);
    this.t[i] = time;
    this.s[i] = seq;
    if (this.n++ === 0) {
      this.ft = time;
      this.fs = seq;
    }
  }

  shift(): void {
    this.head = (this.head + 1) & (this.t.length - 1);
    if (--this.n > 0) {
      this.ft = this.t[this.head]!;
      this.fs = this.s[this.head]!;
    }
  }

  private grow(cap: number): void {
    const t = new Float64Array(cap);
    const s = new Float64Array(cap);
    const old = this.t.length;
    for (let k = 0; k < this.n; k++) {
      const i = (this.head + k) & (old - 1);
      t[k] = this.t[i]!;
      s[k] = this.s[i]!;
    }
    this.t = t;
    this.s = s;
    this.head = 0;
  }

  compact(live: (seq: number) => boolean): number {
    const cap = this.t.length;
    const before = this.n;
    let w = 0;
    for (let k = 0; k < before; k++) {
      const i = (this.head + k) & (cap - 1);
      const seq = this.s[i]!;
      if (!live(seq)) continue;
      // writing at or behind the read position of the same ring, in order
      const j = (this.head + w) & (cap - 1);
      this.t[j] = this.t[i]!;
      this.s[j] = seq;
      w++;
    }
    this.n = w;
    if (w > 0) {
      this.ft = this.t[this.head]!;
      this.fs = this.s[this.head]!;
    }
    return before - w;
  }
}

/** Events of any other delay (jitter makes many distinct ones): a binary heap on (time, seq). */
class HeapLane implements Lane {
  ft = 0;
  fs = 0;
  pos = -1;
  private t = new Float64Array(64);
  private s = new Float64Array(64);
  private n = 0;

  get size(): number {
    return this.n;
  }

  push(time: number, seq: number): void {
    if (this.n === this.t.length) {
      const t = new Float64Array(this.n * 2);
      const s = new Float64Array(this.n * 2);
      t.set(this.t);
      s.set(this.s);
      this.t = t;
      this.s = s;
    }
    const ts = this.t;
    const ss = this.s;
    let i = this.n++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pt = ts[p]!;
      if (!(time < pt || (time === pt && seq < ss[p]!))) break;
      ts[i] = pt;
      ss[i] = ss[p]!;
      i = p;
    }
    ts[i] = time;
    ss[i] = seq;
    this.ft = ts[0]!;
    this.fs = ss[0]!;
  }

  shift(): void {
    const ts = this.t;
    const ss = this.s;
    const n = --this.n;
    if (n === 0) return;
    const lt = ts[n]!;
    const ls = ss[n]!;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && (ts[r]! < ts[l]! || (ts[r] === ts[l] && ss[r]! < ss[l]!)) ? r : l;
      const ct = ts[c]!;
      if (!(ct < lt || (ct === lt && ss[c]! < ls))) break;
      ts[i] = ct;
      ss[i] = ss[c]!;
      i = c;
    }
    ts[i] = lt;
    ss[i] = ls;
    this.ft = ts[0]!;
    this.fs = ss[0]!;
  }

  compact(live: (seq: number) => boolean): number {
    const before = this.n;
    const t = this.t.slice(0, before);
    const s = this.s.slice(0, before);
    this.n = 0;
    for (let k = 0; k < before; k++) if (live(s[k]!)) this.push(t[k]!, s[k]!);
    return before - this.n;
  }
}

/** Lane `a`'s front fires before lane `b`'s. */
function laneEarlier(a: Lane, b: Lane): boolean {
  return a.ft < b.ft || (a.ft === b.ft && a.fs < b.fs);
}

/** Slots for live events at most (a handle is `seq * SLOTS + slot`, exact below 2^53). */
const SLOTS = 1 << 22;

/** Distinct delays given their own FIFO lane; further delays share the heap lane. */
const MAX_FIFO_LANES = 64;

/**
 * The slot of a handle: `handle % SLOTS` without the floating-point remainder (a handle is past
 * int32, and a double `%` is a call to fmod): multiplying by a power of two and flooring are exact.
 */
function slotOf(handle: number): number {
  return handle - Math.floor(handle * (1 / SLOTS)) * SLOTS;
}

/**
 * Deterministic discrete-event scheduler. Nothing runs by itself: the owner advances time with
 * {@link step}, {@link advanceTo}, {@link advanceBy} or {@link runUntilIdle}. Events at the same
 * time fire in the order they were scheduled (stable FIFO), including events scheduled at the
 * current time from inside a callback.
 *
 * @remarks Allocation-free per event: an event is a (time, handle) pair of numbers in a lane — one
 * FIFO per frequent delay (timers and link latencies repeat the same few delays), one binary heap
 * for the rest, and a small heap of the lanes by their earliest event — and its action in a slot
 * (from a free list) named by the handle: `handle = seq * SLOTS + slot`, so handles grow with the
 * scheduling order and ordering by handle is ordering by seq. Cancelling frees the slot at once;
 * the pair stays queued and is skipped when it reaches the front (or dropped when a compaction
 * finds such pairs outnumbering live ones). {@link scheduleTarget} schedules without a closure.
 */
export class VirtualClock implements Scheduler {
  private current: Micros;
  private seq = 0;
  private readonly fifo = new Map<Micros, FifoLane>();
  private lastDelay = -1;
  private lastLane: Lane | null = null;
  private readonly misc = new HeapLane();
  /** Non-empty lanes, a binary heap on their front event. */
  private lanes: Lane[] = [];
  private queued = 0;
  private dead = 0;
  /**
   * Slot table, interleaved so that an event's numbers share a cache line and its references
   * another (events fire in time order, their slots come in any order: one table per field cost a
   * cache miss per field): `sNum` holds [handle of the live event (0 = free), time, code (-1: a
   * plain callback), unused] per slot, `sRef` [action, label].
   */
  private sNum = new Float64Array(4 * 1024);
  private sRef: (Action | string | undefined)[] = new Array<Action | string | undefined>(2 * 1024);
  /** Free slots (a stack) and how many. */
  private free = new Int32Array(1024);
  private nFree = 0;
  /** Slots ever used (the rest of the table is free). */
  private used = 0;
  private live = 0;
  private fired = 0;
  private readonly isLive = (handle: number): boolean => this.sNum[4 * slotOf(handle)] === handle;

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
    return this.add(delay, fn, -1, label);
  }

  scheduleTarget(delay: Micros, target: TimerTarget, code: number, label?: string): TimerHandle {
    return this.add(delay, target, code | 0, label);
  }

  private add(delay: Micros, action: Action, code: number, label: string | undefined): TimerHandle {
    const d = delay > 0 ? Math.trunc(delay) : 0;
    const time = this.current + d;
    const slot = this.nFree > 0 ? this.free[--this.nFree]! : this.newSlot();
    const handle = ++this.seq * SLOTS + slot;
    const sn = this.sNum;
    const k = 4 * slot;
    sn[k] = handle;
    sn[k + 1] = time;
    sn[k + 2] = code;
    const sr = this.sRef;
    sr[2 * slot] = action;
    sr[2 * slot + 1] = label;
    this.live++;
    let lane: Lane;
    if (d === this.lastDelay) lane = this.lastLane!;
    else {
      let f: Lane | undefined = this.fifo.get(d);
      if (f === undefined) {
        if (this.fifo.size < MAX_FIFO_LANES) {
          const nf = new FifoLane();
          this.fifo.set(d, nf);
          f = nf;
        } else f = this.misc;
      }
      lane = f;
      this.lastDelay = d;
      this.lastLane = lane;
    }
    const wasFront = lane.size > 0 ? lane.fs : -1;
    lane.push(time, handle);
    this.queued++;
    if (lane.pos < 0) this.laneInsert(lane);
    else if (wasFront !== lane.fs) this.laneUp(lane.pos);
    return handle;
  }

  /** A slot never used before (the table doubles when full). */
  private newSlot(): number {
    const n = this.free.length;
    if (this.used === n) {
      if (n >= SLOTS) throw new RangeError(`VirtualClock: more than ${SLOTS} events pending`);
      const num = new Float64Array(8 * n);
      num.set(this.sNum);
      this.sNum = num;
      const free = new Int32Array(2 * n);
      free.set(this.free);
      this.free = free;
      this.sRef.length = 4 * n;
    }
    return this.used++;
  }

  /** Frees the slot of a live event. */
  private release(slot: number): void {
    this.sNum[4 * slot] = 0;
    this.sRef[2 * slot] = undefined;
    this.sRef[2 * slot + 1] = undefined;
    this.free[this.nFree++] = slot;
    this.live--;
  }

  cancel(handle: TimerHandle): boolean {
    if (!(handle > 0)) return false;
    const slot = slotOf(handle);
    if (this.sNum[4 * slot] !== handle) return false;
    this.release(slot);
    if (++this.dead > 1024 && this.dead > this.queued >> 1) this.compact();
    return true;
  }

  dueOf(handle: TimerHandle): Micros | null {
    if (!(handle > 0)) return null;
    const slot = slotOf(handle);
    return this.sNum[4 * slot] === handle ? this.sNum[4 * slot + 1]! : null;
  }

  /** Time of the next live event, or null when idle. */
  nextTime(): Micros | null {
    this.dropDead();
    return this.lanes.length ? this.lanes[0]!.ft : null;
  }

  /** Live events in firing order (a copy; for display). */
  pending(): PendingEvent[] {
    const out: PendingEvent[] = [];
    for (let i = 0; i < this.used; i++) {
      const h = this.sNum[4 * i]!;
      if (h !== 0)
        out.push({
          handle: h,
          time: this.sNum[4 * i + 1]!,
          label: this.sRef[2 * i + 1] as string | undefined,
        });
    }
    return out.sort((a, b) => a.time - b.time || a.handle - b.handle);
  }

  /** Fires the next event (advancing time to it). Returns false when nothing is pending. */
  step(): boolean {
    const lanes = this.lanes;
    for (;;) {
      if (lanes.length === 0) return false;
      const lane = lanes[0]!;
      const time = lane.ft;
      const handle = lane.fs;
      lane.shift();
      this.queued--;
      if (lane.size === 0) this.laneRemoveTop();
      else this.laneDown(0);
      const slot = slotOf(handle);
      const sn = this.sNum;
      const k = 4 * slot;
      if (sn[k] !== handle) {
        this.dead--;
        continue;
      }
      const action = this.sRef[2 * slot] as Action;
      const code = sn[k + 2]! | 0;
      this.release(slot);
      if (time > this.current) this.current = time;
      this.fired++;
      if (code < 0) (action as () => void)();
      else (action as TimerTarget).onTimer(code);
      return true;
    }
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

  /** Pops queued pairs at the front that are no longer live. */
  private dropDead(): void {
    const lanes = this.lanes;
    while (lanes.length) {
      const lane = lanes[0]!;
      if (this.isLive(lane.fs)) return;
      lane.shift();
      this.queued--;
      this.dead--;
      if (lane.size === 0) this.laneRemoveTop();
      else this.laneDown(0);
    }
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
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = lanes[p]!;
      if (!laneEarlier(lane, parent)) break;
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
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && laneEarlier(lanes[r]!, lanes[l]!) ? r : l;
      if (!laneEarlier(lanes[c]!, lane)) break;
      lanes[i] = lanes[c]!;
      lanes[i]!.pos = i;
      i = c;
    }
    lanes[i] = lane;
    lane.pos = i;
  }

  /** Cancelled pairs stay queued until they reach the front; drop them all when they outnumber live ones. */
  private compact(): void {
    let removed = 0;
    for (const lane of this.fifo.values()) removed += lane.compact(this.isLive);
    removed += this.misc.compact(this.isLive);
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

/** Char codes of `0123456789abcdef`. */
const HEX_CODES: readonly number[] = [48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 97, 98, 99, 100, 101, 102];

/** Deterministic {@link IdSource}: the same seed yields the same sequence of ids. */
export class SeededIdSource implements IdSource {
  readonly random: RandomSource;
  /** Char codes of the digits being made (ids of the usual lengths are made from them in one call). */
  private readonly d = new Uint8Array(64);
  /** Char codes of an id of another length (one flat string from them, no concatenation per character). */
  private readonly codes: number[] = [];

  constructor(seedOrRandom: number | RandomSource) {
    this.random = typeof seedOrRandom === 'number' ? new Xoshiro128(seedOrRandom) : seedOrRandom;
  }

  /** `length` hex digits into `d`, four bits at a time from each 32-bit draw, low bits first. */
  private digits(length: number): Uint8Array {
    const d = length <= this.d.length ? this.d : new Uint8Array(length);
    let n = 0;
    while (n < length) {
      let w = this.random.nextU32();
      for (let i = 0; i < 8 && n < length; i++, n++) {
        d[n] = HEX_CODES[w & 15]!;
        w >>>= 4;
      }
    }
    return d;
  }

  /** `prefix` then `length` hex digits (see {@link digits}). */
  private hex(prefix: readonly number[], length: number): string {
    const d = this.digits(length);
    const a = this.codes;
    a.length = prefix.length + length;
    for (let i = 0; i < prefix.length; i++) a[i] = prefix[i]!;
    for (let i = 0; i < length; i++) a[prefix.length + i] = d[i]!;
    return String.fromCharCode.apply(null, a);
  }

  token(length: number): string {
    if (length === 8) {
      const d = this.digits(8);
      return String.fromCharCode(d[0]!, d[1]!, d[2]!, d[3]!, d[4]!, d[5]!, d[6]!, d[7]!);
    }
    if (length === 20) {
      const d = this.digits(20);
      return String.fromCharCode(
        d[0]!,
        d[1]!,
        d[2]!,
        d[3]!,
        d[4]!,
        d[5]!,
        d[6]!,
        d[7]!,
        d[8]!,
        d[9]!,
        d[10]!,
        d[11]!,
        d[12]!,
        d[13]!,
        d[14]!,
        d[15]!,
        d[16]!,
        d[17]!,
        d[18]!,
        d[19]!,
      );
    }
    return this.hex([], length);
  }

  branch(): string {
    // z9hG4bK and 16 digits, in one call (no array, no concatenation)
    const d = this.digits(16);
    return String.fromCharCode(
      0x7a,
      0x39,
      0x68,
      0x47,
      0x34,
      0x62,
      0x4b,
      d[0]!,
      d[1]!,
      d[2]!,
      d[3]!,
      d[4]!,
      d[5]!,
      d[6]!,
      d[7]!,
      d[8]!,
      d[9]!,
      d[10]!,
      d[11]!,
      d[12]!,
      d[13]!,
      d[14]!,
      d[15]!,
    );
  }

  tag(): string {
    const d = this.digits(10);
    return String.fromCharCode(d[0]!, d[1]!, d[2]!, d[3]!, d[4]!, d[5]!, d[6]!, d[7]!, d[8]!, d[9]!);
  }

  callId(host?: string): string {
    const id = this.token(20);
    return host ? `${id}@${host}` : id;
  }
}
