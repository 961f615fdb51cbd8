/**
 * Tier 1's tables (analysis/tier1-tables.ts): `firstWrite`, which writes the pages of rows about to be
 * used before they are read (a fresh page read first faults twice), and the transaction table that
 * calls it ahead of its rows: it may write only zeros, only where no row has been written yet.
 */
import { describe, expect, it } from 'vitest';
import { firstWrite, FIRST_WRITE_ROWS, Tier1TxnTable } from '../../../src/sip-core/analysis/tier1-tables';

describe('firstWrite', () => {
  const kinds = [Uint8Array, Uint16Array, Int32Array, Uint32Array, Float64Array] as const;
  for (const Kind of kinds)
    it(`writes 0 to an element of every 4 KiB of the range and nothing else (${Kind.name})`, () => {
      const n = 5 * 4096;
      for (const [from, to] of [
        [0, n],
        [7, 3000],
        [1000, 1001],
        [n - 10, n + 500],
        [300, 300],
        [400, 200],
      ] as const) {
        const a = new Kind(n).fill(7);
        firstWrite(a, from, to);
        const end = Math.min(to, n);
        const zeros: number[] = [];
        for (let i = 0; i < n; i++) if (a[i] === 0) zeros.push(i);
        if (end <= from) {
          expect(zeros, `${from}..${to}`).toEqual([]);
          continue;
        }
        // within the range, its first and last element, no two more than a page apart
        expect(zeros[0], `${from}..${to}`).toBe(from);
        expect(zeros[zeros.length - 1], `${from}..${to}`).toBe(end - 1);
        for (let k = 1; k < zeros.length; k++)
          expect((zeros[k]! - zeros[k - 1]!) * Kind.BYTES_PER_ELEMENT).toBeLessThanOrEqual(4096);
      }
    });
});

describe('Tier1TxnTable writes its pages ahead', () => {
  it('leaves every row after the last one added zero, across several blocks and a growth', () => {
    const X = new Tier1TxnTable();
    const rows = 3 * FIRST_WRITE_ROWS + 17;
    for (let i = 0; i < rows; i++) {
      const ti = X.add(i % 3, 1 + (i % 5), 'INVITE', false, i, i, i % 2 === 0);
      X.pushState(ti, 1, i);
      X.addResp(ti, i + 1);
    }
    expect(X.n).toBe(rows);
    const cols = {
      kind: X.kind,
      mkey: X.mkey,
      flags: X.flags,
      acked: X.acked,
      inDialog: X.inDialog,
      requestId: X.requestId,
      firstId: X.firstId,
      finalStatus: X.finalStatus,
      finalId1: X.finalId1,
      okId1: X.okId1,
      dialog1: X.dialog1,
      peer: X.peer,
      retransmissions: X.retransmissions,
      responses: X.responses,
      requests: X.requests,
      lastId1: X.lastId1,
    };
    for (const [name, c] of Object.entries(cols)) {
      let nonZero = -1;
      for (let i = rows; i < c.length; i++) if (c[i] !== 0) nonZero = i;
      expect(nonZero, name).toBe(-1);
    }
    for (const [name, c] of Object.entries({
      respId: X.respId,
      respNext1: X.respNext1,
    })) {
      let nonZero = -1;
      for (let i = rows; i < c.length; i++) if (c[i] !== 0) nonZero = i;
      expect(nonZero, name).toBe(-1);
    }
    // and the rows added hold what was written
    for (let i = 0; i < rows; i++) {
      expect([X.kind[i], X.mkey[i], X.requestId[i], X.peer[i], X.inDialog[i]]).toEqual([
        i % 3,
        1 + (i % 5),
        i,
        -1,
        i % 2 === 0 ? 1 : 0,
      ]);
      expect(X.stateIds(i)).toEqual([1, i]);
      expect(X.respId[X.respHead(i)]).toBe(i + 1);
    }
  });
});
