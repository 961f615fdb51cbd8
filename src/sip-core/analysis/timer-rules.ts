/**
 * The time-dependent transaction rules, evaluated against the trace's last time: a request with no
 * final response within Timer B / F (64·T1, RFC 3261 §17.1.1.2, §17.1.2.2) and a 2xx to INVITE never
 * ACKed within 64·T1 (§13.3.1.4). One evaluation for the full analyzer and tier 1, whose transaction
 * tables have the same columns (tier 1 keeps its own copy of the class, see tier1-tables.ts).
 */
import { TK_INVITE, TK_NON_INVITE } from './transaction/transaction';

/** 64·T1 with T1 = 500 ms, in µs. */
export const TIMER_64T1_US = 32e6;

/** Seconds from µs, truncated to the µs (as the trace JSON writes times). */
export const secs = (us: number): number => Math.floor(us) / 1e6;

/** The columns of a transaction table these rules read. */
export interface TxnTimerColumns {
  readonly n: number;
  readonly kind: ArrayLike<number>;
  /** Method name of transaction `t`. */
  methodName(t: number): string;
  readonly cseq: ArrayLike<number>;
  readonly requestId: ArrayLike<number>;
  readonly finalStatus: ArrayLike<number>;
  readonly okId: ArrayLike<number>;
  readonly startUs: ArrayLike<number>;
  readonly acked: ArrayLike<number>;
}

/**
 * Calls `add(code, message, messageId, transaction)` for every transaction of `X` that breaks one of
 * the rules at time `now` (µs). `timeUs(id)`: a message's time; `serverOf(t)`: the address the 2xx
 * came from, as the message text names it.
 */
export function txnTimerRules(
  X: TxnTimerColumns,
  now: number,
  timeUs: (id: number) => number,
  serverOf: (t: number) => string,
  add: (code: string, message: string, id: number, t: number) => void,
): void {
  for (let t = 0; t < X.n; t++) {
    const requestId = X.requestId[t]!;
    const startUs = X.startUs[t]!;
    if (requestId >= 0 && X.finalStatus[t] === 0 && now - startUs > TIMER_64T1_US) {
      if (X.kind[t] === TK_INVITE)
        add(
          'invite-no-final-response',
          `INVITE got no final response within Timer B (${secs(now - startUs).toFixed(1)} s without one)`,
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
    if (okId >= 0 && X.acked[t] === 0 && now - timeUs(okId) > TIMER_64T1_US)
      add(
        'ack-missing-2xx',
        `2xx to INVITE (CSeq ${X.cseq[t]}) from ${serverOf(t)} was never ACKed`,
        okId,
        t,
      );
  }
}
