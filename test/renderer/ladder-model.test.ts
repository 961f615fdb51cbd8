import { describe, expect, it } from 'vitest';
import type { MessageRow } from '../../src/shared/api';
import { buildLadder } from '../../src/renderer/src/lib/ladder/ladder-model';

function row(id: number, src: string, dst: string, p: Partial<MessageRow>): MessageRow {
  return {
    id,
    frame: id + 1,
    time: 100 + id * 0.01,
    src,
    dst,
    transport: 'UDP',
    kind: 'request',
    method: null,
    requestUri: null,
    status: null,
    reason: null,
    callId: 'c1',
    cseq: 1,
    cseqMethod: 'INVITE',
    fromTag: 'a',
    toTag: null,
    hasBody: false,
    diagnostics: 0,
    maxSeverity: null,
    transaction: null,
    dialog: null,
    call: null,
    retransmission: false,
    ...p,
  };
}

describe('buildLadder', () => {
  it('makes one lane per address in order of first appearance and one arrow per message', () => {
    const A = '127.0.0.10:5060',
      P = '127.0.0.20:5060',
      B = '127.0.0.30:5060';
    const m = buildLadder([
      row(0, A, P, { method: 'INVITE', hasBody: true }),
      row(1, P, A, { kind: 'response', status: 100, reason: 'Trying' }),
      row(2, P, B, { method: 'INVITE' }),
      row(3, B, P, { kind: 'response', status: 180, reason: 'Ringing' }),
    ]);
    expect(m.lanes).toEqual([A, P, B]);
    expect(m.arrows.map((a) => [a.from, a.to, a.label])).toEqual([
      [0, 1, 'INVITE'],
      [1, 0, '100 Trying'],
      [1, 2, 'INVITE'],
      [2, 1, '180 Ringing'],
    ]);
    expect(m.arrows[0].delta).toBe(0);
    expect(m.arrows[1].delta).toBeCloseTo(0.01, 6);
    expect(m.arrows[0].hasBody).toBe(true);
  });

  it("puts the given lane order first (a scenario's nodes), and skips nodes that sent nothing", () => {
    const A = '192.0.2.10:5060',
      P = '192.0.2.20:5060',
      B = '192.0.2.40:5060',
      X = '192.0.2.99:5060';
    const m = buildLadder(
      [row(0, B, P, { method: 'REGISTER' }), row(1, A, P, { method: 'INVITE' })],
      [A, P, X, B],
    );
    expect(m.lanes).toEqual([A, P, B]);
    expect(m.arrows.map((a) => [a.from, a.to])).toEqual([
      [2, 1],
      [0, 1],
    ]);
  });
});
