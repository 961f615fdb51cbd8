/**
 * The transaction columns (TxnTable): rows keep their fields through growth, each transaction's state
 * sequence and response copies stay in its own order when transactions interleave (linked pool
 * entries), and a repeated current state is not appended twice.
 */
import { describe, expect, it } from 'vitest';
import {
  TK_ACK,
  TK_INVITE,
  TK_NON_INVITE,
  TS_ACCEPTED,
  TS_CALLING,
  TS_COMPLETED,
  TS_PROCEEDING,
  TS_TRYING,
  TxnTable,
} from '../../../src/sip-core/analysis/transaction/transaction';

describe('TxnTable', () => {
  it('keeps every row and its lists through growth, with interleaved transactions', () => {
    const X = new TxnTable();
    const n = 1000; // several doublings of the columns and the pools
    for (let i = 0; i < n; i++) {
      const kind = i % 3 === 0 ? TK_INVITE : i % 3 === 1 ? TK_NON_INVITE : TK_ACK;
      const ti = X.add(
        kind,
        i % 2 ? 'BYE' : 'INVITE',
        i % 5 === 0,
        i + 1,
        i >> 1,
        i * 10,
        i * 10 - 1,
        1.7e15 + i,
        i % 7 === 0,
      );
      expect(ti).toBe(i);
      X.pushState(ti, kind === TK_INVITE ? TS_CALLING : TS_TRYING, 1.7e15 + i);
    }
    // Interleave: every transaction gets a proceeding state and two response copies, round by round.
    for (let round = 0; round < 2; round++)
      for (let i = 0; i < n; i++) {
        X.pushState(
          i,
          round === 0 ? TS_PROCEEDING : i % 2 ? TS_COMPLETED : TS_ACCEPTED,
          2e15 + round * n + i,
        );
        X.addResp(i, i * 100 + round, 3e15 + round, i * 10 + round);
      }
    expect(X.n).toBe(n);
    for (const i of [0, 1, 2, 255, 256, 511, 999]) {
      expect(X.kind[i]).toBe(i % 3 === 0 ? TK_INVITE : i % 3 === 1 ? TK_NON_INVITE : TK_ACK);
      expect(X.method[i]).toBe(i % 2 ? 'BYE' : 'INVITE');
      expect([X.rfc2543[i], X.inDialog[i]]).toEqual([i % 5 === 0 ? 1 : 0, i % 7 === 0 ? 1 : 0]);
      expect([X.cseq[i], X.group[i], X.requestId[i], X.firstId[i]]).toEqual([
        i + 1,
        i >> 1,
        i * 10,
        i * 10 - 1,
      ]);
      // Times are kept exactly (µs since 1970 need 51 bits).
      expect(X.startUs[i]).toBe(1.7e15 + i);
      expect([X.finalStatus[i], X.finalUs[i], X.okId[i], X.dialog[i], X.peer[i], X.offer[i]]).toEqual([
        0,
        -1,
        -1,
        -1,
        -1,
        null,
      ]);
      const first = X.kind[i] === TK_INVITE ? TS_CALLING : TS_TRYING;
      const last = i % 2 ? TS_COMPLETED : TS_ACCEPTED;
      expect(X.states(i)).toEqual([first, 1.7e15 + i, TS_PROCEEDING, 2e15 + i, last, 2e15 + n + i]);
      expect(X.state(i)).toBe(last);
      const copies: number[] = [];
      for (let k = X.respHead(i); k >= 0; k = X.respNext[k]!)
        copies.push(X.respSig[k]!, X.respUs[k]!, X.respId[k]!);
      expect(copies).toEqual([i * 100, 3e15, i * 10, i * 100 + 1, 3e15 + 1, i * 10 + 1]);
    }
  });

  it('does not append the current state again, and starts in calling', () => {
    const X = new TxnTable();
    const t = X.add(TK_INVITE, 'INVITE', false, 1, 0, 0, 0, 5, false);
    expect(X.state(t)).toBe(TS_CALLING);
    expect(X.states(t)).toEqual([]);
    expect(X.respHead(t)).toBe(-1);
    X.pushState(t, TS_PROCEEDING, 6);
    X.pushState(t, TS_PROCEEDING, 7);
    X.pushState(t, TS_ACCEPTED, 8);
    expect(X.states(t)).toEqual([TS_PROCEEDING, 6, TS_ACCEPTED, 8]);
  });
});
