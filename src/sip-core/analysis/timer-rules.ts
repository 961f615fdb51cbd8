/**
 * The time-dependent transaction rules, evaluated against the trace's last time: a request with no
 * final response within Timer B / F (64·T1, RFC 3261 §17.1.1.2, §17.1.2.2) and a 2xx to INVITE never
 * ACKed within 64·T1 (§13.3.1.4). One evaluation for the full analyzer and tier 1, whose transaction
 * tables have the same columns (tier 1 keeps its own copy of the class, see tier1-tables.ts).
 */
import { TIME_BACK_US, TIME_SPAN_MAX_US } from '../trace/time-notices';
import { TK_INVITE, TK_NON_INVITE, TS_CALLING } from './transaction/transaction';

/** 64·T1 with T1 = 500 ms, in µs. */
export const TIMER_64T1_US = 32e6;

/**
 * A copy of a message on the same path less than this after the previous copy is a duplicate frame of
 * the capture (a mirror port seeing the packet twice: same IP ID, a millisecond apart), not a timer's
 * retransmission: Timers A, E and G and the UAS core's 2xx retransmission start at T1 = 500 ms (RFC 3261
 * §17.1.1.2, §17.1.2.2, §17.2.1, §13.3.1.4). 20 ms, in µs.
 */
export const DUPLICATE_US = 20e3;

/** Seconds from µs, truncated to the µs (as the trace JSON writes times). */
export const secs = (us: number): number => Math.floor(us) / 1e6;

/** The columns of a transaction table these rules read. */
export interface TxnTimerColumns {
  readonly n: number;
  readonly kind: ArrayLike<number>;
  /** Method name of transaction `t`. */
  methodName(t: number): string;
  /** Transaction `t`'s state now (TS_CALLING: an INVITE that has seen no response). */
  state(t: number): number;
  readonly cseq: ArrayLike<number>;
  readonly requestId: ArrayLike<number>;
  readonly finalStatus: ArrayLike<number>;
  readonly okId: ArrayLike<number>;
  readonly startUs: ArrayLike<number>;
  readonly acked: ArrayLike<number>;
}

/**
 * What the time rules may take from a capture's clock (trace/time-notices.ts tells the reader the same
 * facts). Times spread over more than a year (`broken`): no delay means anything, so no time rule is
 * evaluated. Times that go back by more than a second (files merged out of order, a clock set back): a
 * message's "now" is the latest time the capture reached from that message on, in capture order, not the
 * capture's latest time overall (which may come from before the step back and make a request sent after
 * it look unanswered for hours). A capture whose clock never goes back: the tier's last time, as before.
 * Read when an answer is asked, never per message appended.
 */
export class CaptureClock {
  readonly #times: { readonly count: number; timeUs(id: number): number };
  #n = 0;
  #prev = 0;
  #min = Infinity;
  #max = -Infinity;
  #back = false;
  #suffix: Float64Array | null = null;
  #suffixN = -1;

  constructor(times: { readonly count: number; timeUs(id: number): number }) {
    this.#times = times;
  }

  #sync(): void {
    const T = this.#times;
    const n = T.count;
    for (let id = this.#n; id < n; id++) {
      const t = T.timeUs(id);
      if (id > 0 && this.#prev - t > TIME_BACK_US) this.#back = true;
      if (t < this.#min) this.#min = t;
      if (t > this.#max) this.#max = t;
      this.#prev = t;
    }
    this.#n = n;
  }

  /** The times span more than a year: the time rules say nothing. */
  get broken(): boolean {
    this.#sync();
    return this.#max - this.#min > TIME_SPAN_MAX_US;
  }

  /** "Now" for message `id` (µs): `lastUs` (the tier's last time) unless the clock goes back somewhere. */
  nowAfter(id: number, lastUs: number): number {
    this.#sync();
    if (!this.#back || id < 0) return lastUs;
    const n = this.#n;
    if (this.#suffixN !== n) {
      const s = (this.#suffix = new Float64Array(n));
      let m = -Infinity;
      for (let k = n - 1; k >= 0; k--) s[k] = m = Math.max(m, this.#times.timeUs(k));
      this.#suffixN = n;
    }
    return id < n ? this.#suffix![id]! : lastUs;
  }
}

/**
 * Calls `add(code, message, messageId, transaction)` for every transaction of `X` that breaks one of
 * the rules at time `now(id)` (µs; `id` the message the rule measures from, see `CaptureClock`).
 * `timeUs(id)`: a message's time; `serverOf(t)`: the address the 2xx came from, as the message text
 * names it.
 */
export function txnTimerRules(
  X: TxnTimerColumns,
  now: (id: number) => number,
  timeUs: (id: number) => number,
  serverOf: (t: number) => string,
  add: (code: string, message: string, id: number, t: number) => void,
): void {
  for (let t = 0; t < X.n; t++) {
    const requestId = X.requestId[t]!;
    const startUs = X.startUs[t]!;
    if (requestId >= 0 && X.finalStatus[t] === 0 && now(requestId) - startUs > TIMER_64T1_US) {
      // Timer B runs in the Calling state only (§17.1.1.2): an INVITE that got a provisional response
      // waits for its final as long as it takes (a phone rings; a proxy's Timer C is over 3 min).
      if (X.kind[t] === TK_INVITE && X.state(t) === TS_CALLING)
        add(
          'invite-no-final-response',
          `INVITE got no final response within Timer B (${secs(now(requestId) - startUs).toFixed(1)} s without one)`,
          requestId,
          t,
        );
      else if (X.kind[t] === TK_NON_INVITE)
        add(
          'non-invite-no-final-response',
          `${X.methodName(t)} got no final response within Timer F`,
          requestId,
          t,
        );
    }
    const okId = X.okId[t]!;
    if (okId >= 0 && X.acked[t] === 0 && now(okId) - timeUs(okId) > TIMER_64T1_US)
      add(
        'ack-missing-2xx',
        `2xx to INVITE (CSeq ${X.cseq[t]}) from ${serverOf(t)} was never ACKed`,
        okId,
        t,
      );
  }
}
