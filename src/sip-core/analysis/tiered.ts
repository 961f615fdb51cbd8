/**
 * The tiered analysis: tier 1 (tier1.ts: transactions, dialogs, Call-ID groups and their states from
 * the trace's columns, O(1) numeric work per message) follows the trace as it is appended, so the
 * calls list exists as soon as the ingest ends; tier 2 (the full analyzer, `TraceAnalyzer`: SDP,
 * NAT/Contact checks, loops, strict routing, auth loops, B2BUA leg correlation, hops and paths) runs
 * in one background pass, in chunks, yielding between them, with progress; until it ends, one call can
 * be analysed in full on demand (`callAnalyzer`: the full analyzer over that call's messages only).
 * @remarks The core never sets a timer (STYLE.md habit 4): the caller passes the `yield` function
 * (`setImmediate` in Node, a `MessageChannel` turn in a browser, a resolved promise in tests). When
 * tier 2 ends it follows the trace's appends and becomes `trace.analysis`: everything that read the
 * full analyzer before (trace JSON, `sipscope analyze`, the loader) reads the same object, so their
 * output is byte-identical to a one-pass analysis (test/sip-core/analysis/tiered.test.ts).
 * While a file is still read (`whileReading`: the app's growing open), tier 2 can run in the turns
 * the read leaves idle (`step`), behind tier 1, over the messages read so far; `runTier2` then goes on
 * from there (test/main/tier2-while-reading.test.ts: the same output whatever the timing).
 */
import type { Trace } from '../trace/trace';
import type { BackgroundPassOptions } from '../trace/message-checks';
import { TraceAnalyzer } from './analyzer';
import { takeFactsAhead } from './facts-ahead';
import { Tier1Analysis } from './tier1';

/** How tier 2 runs: the yield between chunks, the chunk size, progress, cancellation. */
export type Tier2Options = BackgroundPassOptions;

export class TieredAnalysis {
  readonly trace: Trace;
  readonly tier1: Tier1Analysis;
  #tier2: TraceAnalyzer | null = null;
  #done = 0;
  #complete = false;
  #running: Promise<TraceAnalyzer> | null = null;
  /** Full analyzers of single calls made on demand before tier 2 ended (by Call-ID group). */
  readonly #perCall = new Map<number, { count: number; a: TraceAnalyzer }>();

  /** `follow`: tier 1 follows the trace's appends now (false: the reader indexes it, see `whileReading`). */
  constructor(trace: Trace, tier1?: Tier1Analysis, follow = true) {
    this.trace = trace;
    if (tier1 && tier1.trace !== trace) throw new Error('tier 1 of another trace');
    this.tier1 = tier1 ?? new Tier1Analysis(trace);
    if (follow) this.tier1.follow();
  }

  /**
   * While a file is read into `trace` (a growing trace: the reader indexes each part with
   * `tier1.catchUp` as it arrives; tier 1 does not follow the appends yet): tier 2 can analyse what
   * tier 1 has indexed in the turns the read leaves idle (`step`); `readEnded` then makes tier 1
   * follow, as `attach` does, and `runTier2` goes on from where `step` got.
   */
  static whileReading(trace: Trace, tier1: Tier1Analysis): TieredAnalysis {
    return new TieredAnalysis(trace, tier1, false);
  }

  /** The read ended (see `whileReading`): tier 1 indexes what is left and follows the trace. */
  readEnded(): void {
    this.tier1.follow();
  }

  /**
   * Analyses up to `max` more messages with tier 2 now, behind tier 1 (a turn the read leaves idle,
   * see `whileReading`); returns whether messages are left to analyse. The analysis facts another
   * thread computes after the read are not taken here (none exist yet: see `runTier2`). When reading
   * the messages back fails (the trace was closed meanwhile), what tier 2 did is dropped (`runTier2`
   * would start over) and the error thrown.
   */
  step(max: number): boolean {
    if (this.#complete || this.#running) return false;
    const a = (this.#tier2 ??= this.#newTier2());
    try {
      this.#step(a, max);
    } catch (e) {
      this.#tier2 = null;
      this.#done = 0;
      throw e;
    }
    return this.#done < this.trace.count;
  }

  /**
   * Attaches tier 1 now (it indexes what the trace holds and follows appends); tier 2 waits for
   * `runTier2`. `tier1`: a tier 1 that already indexed (part of) this trace, e.g. while it was read.
   */
  static attach(trace: Trace, tier1?: Tier1Analysis): TieredAnalysis {
    return new TieredAnalysis(trace, tier1);
  }

  /** Tier 2 once it has analysed every message (then it follows appends), else null. */
  get tier2(): TraceAnalyzer | null {
    return this.#complete ? this.#tier2 : null;
  }

  /** True once tier 2 caught up with the trace. */
  get complete(): boolean {
    return this.#complete;
  }

  /** Share of the trace tier 2 has analysed (1 when complete). */
  get progress(): number {
    if (this.#complete) return 1;
    const n = this.trace.count;
    return n === 0 ? 0 : this.#done / n;
  }

  /**
   * Runs tier 2 over the trace in chunks (`opts.chunk` messages, then `opts.yield()`), following
   * messages appended meanwhile; resolves with the full analyzer once it caught up (it then follows
   * appends and is `trace.analysis`). Calling it again returns the same promise.
   */
  runTier2(opts: Tier2Options): Promise<TraceAnalyzer> {
    this.#running ??= this.#run(opts);
    return this.#running;
  }

  /** Runs tier 2 at once, without yielding (the CLI, tests): same result as `runTier2`. */
  runTier2Now(): TraceAnalyzer {
    if (this.#complete) return this.#tier2!;
    const a = this.#takeAhead((this.#tier2 ??= this.#newTier2()));
    this.#step(a, Infinity);
    this.#finish(a);
    return a;
  }

  async #run(opts: Tier2Options): Promise<TraceAnalyzer> {
    const chunk = Math.max(1, opts.chunk ?? 4096);
    const a = this.#takeAhead((this.#tier2 ??= this.#newTier2()));
    for (;;) {
      if (this.#complete) return a;
      if (opts.signal?.aborted) {
        const e = new Error('tier 2 analysis aborted');
        e.name = 'AbortError';
        throw e;
      }
      this.#step(a, chunk);
      opts.onProgress?.(this.#done, this.trace.count);
      if (this.#done >= this.trace.count) {
        this.#finish(a);
        return a;
      }
      await opts.yield();
    }
  }

  /**
   * Tier 2's analyzer: it takes tier 1's transactions (TraceAnalyzer's `tier1`: no keys matched
   * twice); the analysis facts come with `#takeAhead`.
   */
  #newTier2(): TraceAnalyzer {
    return new TraceAnalyzer(this.trace, this.tier1);
  }

  /**
   * Gives `a` the analysis facts another thread computes ahead for this trace, if any (facts-ahead.ts:
   * taking them starts that thread, from the first message tier 2 has not analysed yet: those before
   * were analysed by `step` while the file was read).
   */
  #takeAhead(a: TraceAnalyzer): TraceAnalyzer {
    a.factsAhead ??= takeFactsAhead(this.trace, this.#done);
    return a;
  }

  /** Analyses up to `max` more messages with the full analyzer. */
  #step(a: TraceAnalyzer, max: number): void {
    const t = this.trace;
    const end = Math.min(t.count, this.#done + max);
    // Messages read back a region at a time (Trace.eachRaw: no copy per message).
    a.indexStored(this.#done, end);
    this.#done = end;
  }

  /** Tier 2 caught up: it follows the trace from here (same tick: no message can slip between). */
  #finish(a: TraceAnalyzer): void {
    if (this.#complete) return;
    this.#step(a, Infinity);
    a.follow();
    this.trace.analysis = a;
    this.#complete = true;
    this.#perCall.clear();
  }

  /**
   * The full analysis of one call, now: tier 2 once complete, else a full analyzer over the messages
   * of that Call-ID group alone (its ladder, transactions, dialogs, hops and diagnostics; legs of other
   * Call-IDs are joined only by tier 2). Cached until the trace grows. `ref`: `C3` or a Call-ID.
   * Returns the analyzer and the call's reference in it, or null when the call is unknown.
   */
  callAnalyzer(ref: string): { analyzer: TraceAnalyzer; call: string } | null {
    if (this.#complete)
      return this.#tier2!.resolveCall(ref) < 0 ? null : { analyzer: this.#tier2!, call: ref };
    const g = this.tier1.resolveGroup(ref);
    if (g < 0) return null;
    const n = this.trace.count;
    let c = this.#perCall.get(g);
    if (!c || c.count !== n) {
      c = { count: n, a: groupAnalyzer(this.tier1, g) };
      if (this.#perCall.size >= 64) this.#perCall.clear();
      this.#perCall.set(g, c);
    }
    return { analyzer: c.a, call: 'C1' };
  }

  /** Stops following the trace (both tiers). */
  detach(): void {
    this.tier1.detach();
    this.#tier2?.detach();
  }
}

/**
 * A full analyzer over the messages of tier 1's Call-ID group `g` alone, so far (its call is `C1`):
 * one call's ladder, transactions, dialogs, hops and diagnostics before tier 2 ran (legs of other
 * Call-IDs are joined only by tier 2).
 */
export function groupAnalyzer(tier1: Tier1Analysis, g: number): TraceAnalyzer {
  const t = tier1.trace;
  const a = new TraceAnalyzer(t);
  for (const id of tier1.groupMessageIds(g)) {
    const raw = t.raw(id);
    a.onBytes(id, raw, 0, raw.length);
  }
  return a;
}
