/**
 * capture:stats through the service on the sample capture (SIPp → Kamailio → SIPp, five calls): the
 * message figures of the whole capture, the call figures of the calls the filter keeps.
 */
import { describe, expect, it } from 'vitest';
import { Invoke } from '../../src/shared/api';
import { validateRequest } from '../../src/shared/validate';
import { sampleHost } from '../helpers/sample-host';

const sample = sampleHost();

describe('capture:stats', () => {
  it("gives the capture's messages by method and code, and every call's figures without a filter", async () => {
    const s = await sample.host.invoke(Invoke.captureStats, { captureId: sample.cap.id });
    expect(s.messages.messages).toBe(sample.cap.messages);
    expect(s.messages.byMethod.reduce((n, m) => n + m.count, 0)).toBe(s.messages.requests);
    expect(s.messages.byStatus.reduce((n, m) => n + m.count, 0)).toBe(s.messages.responses);
    // Most first, a tie by name.
    expect(s.messages.byMethod).toEqual([
      { method: 'ACK', count: 9 },
      { method: 'INVITE', count: 9 },
      { method: 'BYE', count: 6 },
    ]);
    expect(s.messages.retransmissions).toBe(0);
    expect(s.calls?.calls).toBe(5);
    expect(Object.fromEntries(s.calls!.byState.map((x) => [x.state, x.count]))).toEqual({
      completed: 3,
      busy: 1,
      rejected: 1,
    });
    expect(s.calls!.byFinal.map((f) => f.status)).toEqual([200, 404, 486]);
    expect(s.calls!.setupTime?.n).toBe(3);
    expect(s.filter).toBe('');
    expect(s.filterError).toBeNull();
  });

  it('gives the call figures of the filtered calls, as the calls list filters them', async () => {
    const filter = 'call.state == "completed"';
    const page = await sample.host.invoke(Invoke.callsQuery, {
      captureId: sample.cap.id,
      offset: 0,
      limit: 100,
      filter,
    });
    const s = await sample.host.invoke(Invoke.captureStats, { captureId: sample.cap.id, filter });
    expect(s.calls?.calls).toBe(page.total);
    expect(s.calls!.byState).toEqual([{ state: 'completed', count: 3 }]);
    // The message figures stay the whole capture's.
    expect(s.messages.messages).toBe(sample.cap.messages);
  });

  it('says where a filter does not compile, without call figures', async () => {
    const s = await sample.host.invoke(Invoke.captureStats, {
      captureId: sample.cap.id,
      filter: 'call.state = 1',
    });
    expect(s.calls).toBeNull();
    expect(s.filterError?.message).toMatch(/==/);
    expect(s.filterError?.column).toBeGreaterThan(0);
  });

  it('validates its request', () => {
    expect(() => validateRequest(Invoke.captureStats, { captureId: 'x', filter: 3 })).toThrow(/filter/);
    expect(() => validateRequest(Invoke.captureStats, { captureId: 'x', other: 1 })).toThrow(
      /unexpected field/,
    );
    expect(() => validateRequest(Invoke.captureStats, { captureId: 'x' })).not.toThrow();
  });
});
