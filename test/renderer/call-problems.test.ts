/** The ladder's call summary: what went wrong, one line per code, from the flagged messages. */
import { describe, expect, it } from 'vitest';
import { MAX_FLAGGED, flaggedIds, groupProblems } from '../../src/renderer/src/lib/ladder/call-problems';
import type { DiagnosticDto, MessageRow } from '../../src/shared/api';

const d = (code: string, severity: DiagnosticDto['severity'], message = code): DiagnosticDto => ({
  code,
  severity,
  message,
  rfc: `3261 §${code.length}`,
  offset: null,
});

describe('call problems', () => {
  it('asks only for flagged messages, in order, at most MAX_FLAGGED', () => {
    const rows = Array.from({ length: 200 }, (_, i) => ({ id: i, diagnostics: i % 3 === 0 ? 1 : 0 }));
    const { ids, more } = flaggedIds(rows as MessageRow[]);
    expect(ids.slice(0, 3)).toEqual([0, 3, 6]);
    expect(ids).toHaveLength(MAX_FLAGGED);
    expect(more).toBe(true);
    expect(flaggedIds(rows.slice(0, 10) as MessageRow[])).toEqual({ ids: [0, 3, 6, 9], more: false });
  });

  it('gives each code once with its first message and how many messages have it, errors first', () => {
    const out = groupProblems([
      {
        id: 4,
        diagnostics: [
          d('retransmission-storm', 'warning', 'first text'),
          d('retransmission-storm', 'warning'),
        ],
      },
      {
        id: 7,
        diagnostics: [d('ack-missing-2xx', 'error'), d('retransmission-storm', 'warning', 'later text')],
      },
      { id: 9, diagnostics: [d('retransmission-storm', 'warning')] },
      { id: 11, diagnostics: [d('sdp-hold', 'info'), d('ack-not-relayed', 'error')] },
    ]);
    expect(out.map((p) => [p.code, p.count, p.firstId])).toEqual([
      ['ack-missing-2xx', 1, 7],
      ['ack-not-relayed', 1, 11],
      ['retransmission-storm', 3, 4],
      ['sdp-hold', 1, 11],
    ]);
    expect(out[2]).toMatchObject({ message: 'first text', severity: 'warning', rfc: '3261 §20' });
    expect(groupProblems([])).toEqual([]);
  });
});
