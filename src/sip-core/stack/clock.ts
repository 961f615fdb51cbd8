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
 * A handle is `x * LANE_IDS + lane`: `lane` names the queue holding the event (1..MAX_FIFO_LANES a
 * FIFO lane, {@link MISC} the heap lane) and `x` where it is in that queue (see each lane).
 */
const LANE_IDS = 128;
/** Lane id of the heap lane. */
const MISC = 0;
/** Distinct delays given their own FIFO lane; further delays share the heap lane. */
const MAX_FIFO_LANES = 64;
/** Code of a plain callback, and of a cancelled entry still queued. */
const CALLBACK = -1;
const DEAD = -2;
/** Live events of the heap lane at most (a heap-lane `x` is `gen * MISC_SLOTS + slot`). */
const MISC_SLOTS = 1 << 21;
/** Heap-lane generations wrap here, so that handles stay exact integers (below 2^53). */
const MISC_GENS = 1 << 25;

/**
 * Events scheduled with one delay: since the clock never goes back and seq grows, they arrive in
 * firing order, so a FIFO keeps them sorted (push O(1), no sifting through thousands of timers).
 * Each entry is held inline, where the clock reads it when it fires (entries are read in order, so
 * the ring streams through the cache): `num` [time, seq, code, -] and `ref` [action, label] per
 * entry. An entry's `x` is its absolute index (pushes so far, never reused), its ring index
 * `x & mask`; a cancelled entry stays queued with code DEAD and is skipped when it reaches the front.
 */
class FifoLane {
  /** Front entry's time and seq (valid when n > 0). */
  ft = 0;
  fs = 0;
  /** Position in the clock's lane heap, -1 when empty (not in the heap). */
  pos = -1;
  // 256 entries to start: a simulation's busy lanes reach thousands (fewer doublings), idle ones cost 12 KB
  num = new Float64Array(4 * 256);
  ref: (Action | string | undefined)[] = new Array<Action | string | undefined>(2 * 256).fill(undefined);
  mask = 255;
  /** Absolute index of the front entry, and entries queued (live or dead). */
  head = 0;
  n = 0;

  constructor(
    readonly id: number,
    readonly delay: Micros,
  ) {}

  /** Queues an entry; returns its absolute index. */
  push(time: number, seq: number, code: number, action: Action, label: string | undefined): number {
    if (this.n > this.mask) this.grow();
    const x = this.head + this.n;
    const i = x & this.mask;
    const num = this.num;
    num[4 * i] = time;
    num[4 * i + 1] = seq;
    num[4 * i + 2] = code;
    this.ref[2 * i] = action;
    this.ref[2 * i + 1] = label;
    if (this.n++ === 0) {
      this.ft = time;
      this.fs = seq;
    }
    return x;
  }

  /** Drops the front entry (its references cleared). */
  shift(): void {
    const i = this.head & this.mask;
    this.ref[2 * i] = undefined;
    this.ref[2 * i + 1] = undefined;
    this.head++;
    if (--this.n > 0) {
      const j = this.head & this.mask;
      this.ft = this.num[4 * j]!;
      this.fs = this.num[4 * j + 1]!;
    }
  }

  /** Ring index of the queued entry `x`, or -1 when it is not queued. */
  at(x: number): number {
    return x >= this.head && x < this.head + this.n ? x & this.mask : -1;
  }

  /** Doubles the ring; each entry moves to `x & mask` of the new one. */
  private grow(): void {
    const cap = 2 * (this.mask + 1);
    const mask = cap - 1;
    const num = new Float64Array(4 * cap);
    const ref = new Array<Action | string | undefined>(2 * cap).fill(undefined);
    for (let k = 0; k < this.n; k++) {
      const x = this.head + k;
      const i = x & this.mask;
      const j = x & mask;
      num[4 * j] = this.num[4 * i]!;
      num[4 * j + 1] = this.num[4 * i + 1]!;
      num[4 * j + 2] = this.num[4 * i + 2]!;
      ref[2 * j] = this.ref[2 * i];
      ref[2 * j + 1] = this.ref[2 * i + 1];
    }
    this.num = num;
    this.ref = ref;
    this.mask = mask;
  }
}

/**
 * Events of any other delay (jitter makes many distinct ones): a binary heap on (time, seq) of
 * slot numbers; what the event runs lives in the clock's heap-lane slot table.
 */
class HeapLane {
  ft = 0;
  fs = 0;
  pos = -1;
  readonly id = MISC;
  private t = new Float64Array(64);
  private s = new Float64Array(64);
  private k = new Int32Array(64);
  n = 0;

  /** Slot of the front entry (valid when n > 0). */
  get fk(): number {
    return this.k[0]!;
  }

  push(time: number, seq: number, slot: number): void {
    if (this.n === this.t.length) {
      const t = new Float64Array(this.n * 2);
      const s = new Float64Array(this.n * 2);
      const k = new Int32Array(this.n * 2);
      t.set(this.t);
      s.set(this.s);
      k.set(this.k);
      this.t = t;
      this.s = s;
      this.k = k;
    }
    const ts = this.t;
    const ss = this.s;
    const ks = this.k;
    let i = this.n++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pt = ts[p]!;
      if (!(time < pt || (time === pt && seq < ss[p]!))) break;
      ts[i] = pt;
      ss[i] = ss[p]!;
      ks[i] = ks[p]!;
      i = p;
    }
    ts[i] = time;
    ss[i] = seq;
    ks[i] = slot;
    this.ft = ts[0]!;
    this.fs = ss[0]!;
  }

  shift(): void {
    const ts = this.t;
    const ss = this.s;
    const ks = this.k;
    const n = --this.n;
    if (n === 0) return;
    const lt = ts[n]!;
    const ls = ss[n]!;
    const lk = ks[n]!;
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
      ks[i] = ks[c]!;
      i = c;
    }
    ts[i] = lt;
    ss[i] = ls;
    ks[i] = lk;
    this.ft = ts[0]!;
    this.fs = ss[0]!;
  }

  /** Keeps only the entries whose slot `live` accepts; returns how many were dropped. */
  compact(live: (slot: number, seq: number) => boolean): number {
    const before = this.n;
    const t = this.t.slice(0, before);
    const s = this.s.slice(0, before);
    const k = this.k.slice(0, before);
    this.n = 0;
    for (let j = 0; j < before; j++) if (live(k[j]!, s[j]!)) this.push(t[j]!, s[j]!, k[j]!);
    return before - this.n;
  }
}

type Lane = FifoLane | HeapLane;

/** Lane `a`'s front fires before lane `b`'s. */
function laneEarlier(a: Lane, b: Lane): boolean {
  return a.ft < b.ft || (a.ft === b.ft && a.fs < b.fs);
}

/**
 * Deterministic discrete-event scheduler. Nothing runs by itself: the owner advances time with
 * {@link step}, {@link advanceTo}, {@link advanceBy} or {@link runUntilIdle}. Events at the same
 * time fire in the order they were scheduled (stable FIFO), including events scheduled at the
 * current time from inside a callback.
 *
 * @remarks Allocation-free per event. Events are queued in lanes — one FIFO per frequent delay
 * (timers and link latencies repeat the same few delays), one binary heap for the rest, and a small
 * heap of the lanes by their earliest event. A FIFO lane holds each event inline (time, seq, code,
 * action, label), so firing reads the lane's ring in order and touches no other table; its handle
 * names the lane and the entry's absolute index, so cancelling marks the entry dead in place (it is
 * skipped when it reaches the front). Heap-lane events live in a slot table from a free list.
 * Handles are opaque: unique, positive, never reused for another event (a heap-lane slot's
 * generation wraps after 2^25 reuses of that slot). {@link scheduleTarget} schedules without a closure.
 */
export class VirtualClock implements Scheduler {
  private current: Micros;
  private seq = 0;
  private readonly fifo = new Map<Micros, FifoLane>();
  /** FIFO lanes by id (1..MAX_FIFO_LANES). */
  private readonly fifoById: (FifoLane | undefined)[] = [undefined];
  /** A direct-mapped cache of the delay → lane map (delays alternate: a Map lookup per event cost more). */
  private readonly cacheDelay = new Float64Array(64).fill(-1);
  private readonly cacheLane: (FifoLane | undefined)[] = new Array<FifoLane | undefined>(64).fill(undefined);
  private readonly misc = new HeapLane();
  /** Non-empty lanes, a binary heap on their front event. */
  private lanes: Lane[] = [];
  /** Queued entries, live or cancelled (all lanes), and the cancelled ones among them. */
  private queued = 0;
  private dead = 0;
  /** Heap-lane slot table: `mNum` [handle (0 = free), time, code, seq] per slot, `mRef` [action, label]. */
  private mNum = new Float64Array(4 * 64);
  private mRef: (Action | string | undefined)[] = new Array<Action | string | undefined>(2 * 64).fill(
    undefined,
  );
  private mFree: number[] = [];
  private mUsed = 0;
  private mGen = 1;
  private mDead = 0;
  private live = 0;
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
    return this.add(delay, fn, CALLBACK, label);
  }

  scheduleTarget(delay: Micros, target: TimerTarget, code: number, label?: string): TimerHandle {
    return this.add(delay, target, code | 0, label);
  }

  /** The FIFO lane of delay `d`, or null when every FIFO lane is taken (the heap lane then). */
  private laneOf(d: number): FifoLane | null {
    const c = (Math.imul(d | 0, 0x9e3779b1) ^ ((d / 4294967296) | 0)) >>> 26;
    if (this.cacheDelay[c] === d) return this.cacheLane[c]!;
    let f = this.fifo.get(d);
    if (f === undefined) {
      if (this.fifo.size >= MAX_FIFO_LANES) return null;
      f = new FifoLane(this.fifo.size + 1, d);
      this.fifo.set(d, f);
      this.fifoById.push(f);
    }
    this.cacheDelay[c] = d;
    this.cacheLane[c] = f;
    return f;
  }

  private add(delay: Micros, action: Action, code: number, label: string | undefined): TimerHandle {
    const d = delay > 0 ? Math.trunc(delay) : 0;
    const time = this.current + d;
    const seq = ++this.seq;
    this.live++;
    this.queued++;
    const f = this.laneOf(d);
    let handle: number;
    let lane: Lane;
    let wasFront: number;
    if (f !== null) {
      wasFront = f.n > 0 ? f.fs : -1;
      handle = f.push(time, seq, code, action, label) * LANE_IDS + f.id;
      lane = f;
    } else {
      const slot = this.mFree.length > 0 ? this.mFree.pop()! : this.newMiscSlot();
      const gen = this.mGen;
      this.mGen = gen + 1 < MISC_GENS ? gen + 1 : 1;
      handle = (gen * MISC_SLOTS + slot) * LANE_IDS + MISC;
      const k = 4 * slot;
      this.mNum[k] = handle;
      this.mNum[k + 1] = time;
      this.mNum[k + 2] = code;
      this.mNum[k + 3] = seq;
      this.mRef[2 * slot] = action;
      this.mRef[2 * slot + 1] = label;
      const m = this.misc;
      wasFront = m.n > 0 ? m.fs : -1;
      m.push(time, seq, slot);
      lane = m;
    }
    if (lane.pos < 0) this.laneInsert(lane);
    else if (wasFront !== lane.fs) this.laneUp(lane.pos);
    return handle;
  }

  /** A heap-lane slot never used before (the table doubles when full). */
  private newMiscSlot(): number {
    const n = this.mNum.length >> 2;
    if (this.mUsed === n) {
      if (n >= MISC_SLOTS) throw new RangeError(`VirtualClock: more than ${MISC_SLOTS} events pending`);
      const num = new Float64Array(8 * n);
      num.set(this.mNum);
      this.mNum = num;
      const ref = new Array<Action | string | undefined>(4 * n).fill(undefined);
      for (let i = 0; i < 2 * n; i++) ref[i] = this.mRef[i];
      this.mRef = ref;
    }
    return this.mUsed++;
  }

  /** Frees a heap-lane slot. */
  private releaseMisc(slot: number): void {
    this.mNum[4 * slot] = 0;
    this.mRef[2 * slot] = undefined;
    this.mRef[2 * slot + 1] = undefined;
    this.mFree.push(slot);
  }

  /** The FIFO lane and ring index of a handle's queued entry, or -1 (lane in `foundLane`). */
  private locate(handle: TimerHandle): number {
    if (!(handle > 0)) return -1;
    const x = Math.floor(handle / LANE_IDS);
    const id = handle - x * LANE_IDS;
    if (id === MISC) {
      const slot = x % MISC_SLOTS;
      this.foundLane = null;
      return slot < this.mUsed && this.mNum[4 * slot] === handle ? slot : -1;
    }
    const f = this.fifoById[id];
    if (f === undefined) return -1;
    const i = f.at(x);
    if (i < 0 || f.num[4 * i + 2] === DEAD) return -1;
    this.foundLane = f;
    return i;
  }
  private foundLane: FifoLane | null = null;

  cancel(handle: TimerHandle): boolean {
    const i = this.locate(handle);
    if (i < 0) return false;
    const f = this.foundLane;
    this.live--;
    this.dead++;
    if (f !== null) {
      f.num[4 * i + 2] = DEAD;
      f.ref[2 * i] = undefined;
      f.ref[2 * i + 1] = undefined;
      return true;
    }
    this.releaseMisc(i);
    // cancelled heap entries stay queued until they reach the front: drop them all when they outnumber live ones
    if (++this.mDead > 1024 && this.mDead > this.misc.n >> 1) this.compactMisc();
    return true;
  }

  dueOf(handle: TimerHandle): Micros | null {
    const i = this.locate(handle);
    if (i < 0) return null;
    const f = this.foundLane;
    return f !== null ? f.num[4 * i]! : this.mNum[4 * i + 1]!;
  }

  /** Time of the next live event, or null when idle. */
  nextTime(): Micros | null {
    this.dropDead();
    return this.lanes.length ? this.lanes[0]!.ft : null;
  }

  /** Live events in firing order (a copy; for display). */
  pending(): PendingEvent[] {
    const out: (PendingEvent & { seq: number })[] = [];
    for (const f of this.fifo.values()) {
      for (let k = 0; k < f.n; k++) {
        const x = f.head + k;
        const i = x & f.mask;
        if (f.num[4 * i + 2] === DEAD) continue;
        out.push({
          handle: x * LANE_IDS + f.id,
          time: f.num[4 * i]!,
          label: f.ref[2 * i + 1] as string | undefined,
          seq: f.num[4 * i + 1]!,
        });
      }
    }
    for (let slot = 0; slot < this.mUsed; slot++) {
      const h = this.mNum[4 * slot]!;
      if (h !== 0)
        out.push({
          handle: h,
          time: this.mNum[4 * slot + 1]!,
          label: this.mRef[2 * slot + 1] as string | undefined,
          seq: this.mNum[4 * slot + 3]!,
        });
    }
    out.sort((a, b) => a.time - b.time || a.seq - b.seq);
    return out.map(({ handle, time, label }) => ({ handle, time, label }));
  }

  /** Fires the next event (advancing time to it). Returns false when nothing is pending. */
  step(): boolean {
    const lanes = this.lanes;
    for (;;) {
      if (lanes.length === 0) return false;
      const lane = lanes[0]!;
      const time = lane.ft;
      let action: Action;
      let code: number;
      if (lane.id !== MISC) {
        const f = lane as FifoLane;
        const i = f.head & f.mask;
        code = f.num[4 * i + 2]!;
        action = f.ref[2 * i] as Action;
        f.shift();
      } else {
        const m = lane as HeapLane;
        const slot = m.fk;
        const seq = m.fs;
        m.shift();
        // a freed slot (0), or one taken again by a later event: this entry was cancelled
        if (this.mNum[4 * slot] === 0 || this.mNum[4 * slot + 3] !== seq) {
          code = DEAD;
          action = noAction;
        } else {
          code = this.mNum[4 * slot + 2]!;
          action = this.mRef[2 * slot] as Action;
          this.releaseMisc(slot);
        }
      }
      this.queued--;
      if (lane.n === 0) this.laneRemoveTop();
      else this.laneDown(0);
      if (code === DEAD) {
        this.dead--;
        if (lane.id === MISC) this.mDead--;
        continue;
      }
      this.live--;
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

  /** The lane's front entry is a cancelled one. */
  private frontDead(lane: Lane): boolean {
    if (lane.id !== MISC) {
      const f = lane as FifoLane;
      return f.num[4 * (f.head & f.mask) + 2] === DEAD;
    }
    const slot = (lane as HeapLane).fk;
    return this.mNum[4 * slot] === 0 || this.mNum[4 * slot + 3] !== lane.fs;
  }

  /** Pops queued entries at the front that were cancelled. */
  private dropDead(): void {
    const lanes = this.lanes;
    while (lanes.length) {
      const lane = lanes[0]!;
      if (!this.frontDead(lane)) return;
      lane.shift();
      this.queued--;
      this.dead--;
      if (lane.id === MISC) this.mDead--;
      if (lane.n === 0) this.laneRemoveTop();
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

  /** Drops the heap lane's cancelled entries (they outnumber its live ones). */
  private compactMisc(): void {
    const m = this.misc;
    const removed = m.compact((slot, seq) => this.mNum[4 * slot] !== 0 && this.mNum[4 * slot + 3] === seq);
    this.queued -= removed;
    this.dead -= removed;
    this.mDead = 0;
    if (m.pos >= 0) {
      // its front may have changed: take it out of the lane heap and put it back
      const lanes = this.lanes;
      const i = m.pos;
      const last = lanes.pop()!;
      if (last !== m) {
        lanes[i] = last;
        last.pos = i;
        this.laneUp(i);
        this.laneDown(last.pos);
      }
      m.pos = -1;
    }
    if (m.n > 0) this.laneInsert(m);
  }
}

/** The action read for a cancelled entry (never run). */
function noAction(): void {}

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
