/**
 * DTMF in the lists: an INFO's row names its digit (the ladder's "INFO · DTMF 9"), and each call's
 * row its digits in order ("1 9 2 #", the calls list's DTMF column), sortable, as the filter's
 * call.dtmf finds them. A call without digits has none (and sorts last).
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHost } from '../../src/main/service/create-host';
import { Invoke } from '../../src/shared/api';
import { validateRequest } from '../../src/shared/validate';
import { digitPackets, dtmfCapture } from '../helpers/dtmf-capture';
import { mediaCapture } from '../helpers/rtp-capture';

describe('DTMF in the messages and calls lists', () => {
  it('rows name the digits: an INFO its digit, a call all of them in order; sortable, filterable', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sipscope-dtmf-rows-'));
    const digits = join(dir, 'digits.pcap');
    writeFileSync(
      digits,
      dtmfCapture(
        [...digitPackets(1, 0, 8000), ...digitPackets(2, 600_000, 16000)],
        [
          { us: 300_000, digit: '9' },
          { us: 900_000, digit: '#' },
        ],
      ),
    );
    const quiet = join(dir, 'quiet.pcap');
    writeFileSync(
      quiet,
      mediaCapture({ callId: 'quiet', caller: 3, callee: 4, startUs: 0, forward: { packets: 10 } }),
    );
    const host = createHost({ mode: 'browser', recentFile: null });
    try {
      const s = await host.openMerged([{ path: quiet }, { path: digits, shiftUs: 60_000_000 }]);
      const page = await host.invoke(Invoke.messagesPage, { captureId: s.id, offset: 0, limit: 100 });
      const infos = page.items.filter((m) => m.method === 'INFO');
      expect(infos.map((m) => m.dtmf)).toEqual(['9', '9', '#', '#']);
      expect(page.items.filter((m) => m.method !== 'INFO').every((m) => m.dtmf === undefined)).toBe(true);
      expect(() =>
        validateRequest(Invoke.callsQuery, { captureId: s.id, offset: 0, limit: 10, sort: 'dtmf' }),
      ).not.toThrow();
      const byStart = await host.invoke(Invoke.callsQuery, { captureId: s.id, offset: 0, limit: 10 });
      expect(byStart.items.map((c) => c.dtmf)).toEqual([undefined, '1 9 2 #']);
      const byDigits = await host.invoke(Invoke.callsQuery, {
        captureId: s.id,
        offset: 0,
        limit: 10,
        sort: 'dtmf',
      });
      expect(byDigits.items.map((c) => c.dtmf)).toEqual(['1 9 2 #', undefined]);
      const found = await host.invoke(Invoke.callsQuery, {
        captureId: s.id,
        offset: 0,
        limit: 10,
        filter: 'call.dtmf contains "92"',
      });
      expect(found.items.map((c) => c.dtmf)).toEqual(['1 9 2 #']);
    } finally {
      await host.dispose();
    }
  });
});
