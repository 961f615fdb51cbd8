/**
 * capture:stats through the service on the sample capture (SIPp → Kamailio → SIPp, five calls): the
 * message figures of the whole capture, the call figures of the calls the filter keeps.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHost } from '../../src/main/service/create-host';
import type { ServiceHost } from '../../src/main/service/host';
import { SAMPLE_CAPTURE } from '../../src/main/paths';
import { Invoke, type CaptureSummary } from '../../src/shared/api';
import { validateRequest } from '../../src/shared/validate';

let host: ServiceHost;
let cap: CaptureSummary;

beforeAll(async () => {
  host = createHost({ mode: 'browser', recentFile: null });
  cap = await host.openPath(SAMPLE_CAPTURE, { remember: false });
});
afterAll(async () => {
  await host.dispose();
});

describe('capture:stats', () => {
  it("gives the capture's messages by method and code, and every call's figures without a filter", async () => {
    const s = await host.invoke(Invoke.captureStats, { captureId: cap.id });
    expect(s.messages.messages).toBe(cap.messages);
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
    const page = await host.invoke(Invoke.callsQuery, { captureId: cap.id, offset: 0, limit: 100, filter });
    const s = await host.invoke(Invoke.captureStats, { captureId: cap.id, filter });
    expect(s.calls?.calls).toBe(page.total);
    expect(s.calls!.byState).toEqual([{ state: 'completed', count: 3 }]);
    // The message figures stay the whole capture's.
    expect(s.messages.messages).toBe(cap.messages);
  });

  it('says where a filter does not compile, without call figures', async () => {
    const s = await host.invoke(Invoke.captureStats, { captureId: cap.id, filter: 'call.state = 1' });
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
