/**
 * The messages list's columns: # and Frame as wide as the capture's numbers, and the columns a narrow
 * pane drops (Proto, then Frame, then #) so that the rest — CSeq included — show without a sideways
 * scroll.
 */
import { describe, expect, it } from 'vitest';
import {
  fitMessageColumns,
  messageColumnSet,
  messagesGrid,
  messagesMinWidth,
} from '../../../src/renderer/src/lib/calls/message-columns';

const ids = (cols: readonly { id: string }[]): string[] => cols.map((c) => c.id);

describe('messages list columns', () => {
  it('sizes # and Frame to the largest number of the capture', () => {
    const small = messageColumnSet(49, 49);
    const big = messageColumnSet(7_000_000, 9_500_000);
    const width = (cols: typeof small, id: string): number => cols.find((c) => c.id === id)!.width;
    // 2 digits: the header and the pin mark set the width; 7 digits: the numbers do (a 7-digit frame
    // number no longer clipped at the former 56 px).
    expect([width(small, 'id'), width(small, 'frame')]).toEqual([42, 56]);
    expect(width(big, 'id')).toBeGreaterThanOrEqual(12 + 15 + 7 * 7.3);
    expect(width(big, 'frame')).toBeGreaterThanOrEqual(12 + 7 * 7.3);
    expect(messagesGrid(small)).toBe(
      '42px 56px 120px minmax(121px, 1fr) minmax(121px, 1fr) 50px minmax(122px, 1.4fr) 80px',
    );
  });

  it('drops Proto, then Frame, then # when the pane is narrow; never Time, the addresses, the message or CSeq', () => {
    const set = messageColumnSet(49, 49);
    const full = messagesMinWidth(set);
    expect(ids(fitMessageColumns(set, full).shown)).toEqual(ids(set));
    expect(ids(fitMessageColumns(set, 0).shown)).toEqual(ids(set));
    const noProto = fitMessageColumns(set, full - 1);
    expect([ids(noProto.shown), ids(noProto.hidden)]).toEqual([
      ['id', 'frame', 'time', 'src', 'dst', 'message', 'cseq'],
      ['proto'],
    ]);
    // The messages pane at 1280×800 beside the calls list (626 px for the table): CSeq stays.
    const laptop = fitMessageColumns(set, 626);
    expect([ids(laptop.shown), ids(laptop.hidden)]).toEqual([
      ['id', 'time', 'src', 'dst', 'message', 'cseq'],
      ['proto', 'frame'],
    ]);
    expect(messagesMinWidth(laptop.shown)).toBeLessThanOrEqual(626);
    // Narrower than the columns that always stay: those, scrolled sideways.
    expect(ids(fitMessageColumns(set, 200).shown)).toEqual(['time', 'src', 'dst', 'message', 'cseq']);
  });
});
