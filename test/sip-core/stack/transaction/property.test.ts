/**
 * Property tests: whatever responses arrive (any order, duplicates, any timing) and whatever the TU
 * answers, no transaction throws (no illegal transition from wire input), every one terminates
 * once the clock runs out, and the RFC's upcall rules hold.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildResponseTo } from '../../../../src/sip-core/message';
import type {
  InviteClientTransaction,
  NonInviteClientTransaction,
} from '../../../../src/sip-core/stack/transaction';
import { makeRequest, setup } from './harness';

const status = fc.constantFrom(100, 180, 183, 200, 202, 302, 404, 486, 487, 500, 603);
const step = fc.record({ status, delayMs: fc.integer({ min: 0, max: 40_000 }) });

describe.each(['UDP', 'TCP'] as const)('over %s', (transport) => {
  it('INVITE client: never throws; at most one non-2xx reaches the TU and never after a 2xx; terminates', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 12 }), (steps) => {
        const h = setup(transport);
        const tx = h.layer.sendRequest(
          makeRequest('INVITE', { transport }),
          h.peerAddr,
        ) as InviteClientTransaction;
        for (const s of steps) {
          h.clock.advanceBy(s.delayMs * 1000);
          h.peerReplies(tx.request, s.status);
        }
        h.clock.runUntilIdle(100_000);
        // With no final response, "proceeding" has no timer (the TU must CANCEL, §9.1); else it ends.
        const gotFinal = h.user.responses.some((r) => r.status! >= 200);
        const gotProvisional = h.user.responses.some((r) => r.status! < 200);
        expect(tx.state).toBe(!gotFinal && gotProvisional ? 'proceeding' : 'terminated');
        const finals = h.user.responses.map((r) => r.status!).filter((s) => s >= 200);
        const firstFinal = finals[0];
        if (firstFinal !== undefined && firstFinal >= 300) expect(finals).toEqual([firstFinal]);
        if (firstFinal !== undefined && firstFinal < 300) expect(finals.every((s) => s < 300)).toBe(true);
        expect(h.layer.clientTransactions).toHaveLength(tx.state === 'terminated' ? 0 : 1);
      }),
      { numRuns: 150 },
    );
  });

  it('non-INVITE client: never throws; at most one final response reaches the TU; terminates', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 12 }), (steps) => {
        const h = setup(transport);
        const tx = h.layer.sendRequest(
          makeRequest('MESSAGE', { transport }),
          h.peerAddr,
        ) as NonInviteClientTransaction;
        for (const s of steps) {
          h.clock.advanceBy(s.delayMs * 1000);
          h.peerReplies(tx.request, s.status);
        }
        h.clock.runUntilIdle(100_000);
        expect(tx.state).toBe('terminated');
        expect(h.user.responses.filter((r) => r.status! >= 200).length).toBeLessThanOrEqual(1);
      }),
      { numRuns: 150 },
    );
  });

  it('server transactions: any TU answers and request/ACK retransmissions never throw; all terminate', () => {
    const event = fc.oneof(
      fc.record({
        kind: fc.constant('respond' as const),
        status,
        delayMs: fc.integer({ min: 0, max: 40_000 }),
      }),
      fc.record({
        kind: fc.constantFrom('retransmit' as const, 'ack' as const),
        status: fc.constant(0),
        delayMs: fc.integer({ min: 0, max: 40_000 }),
      }),
    );
    fc.assert(
      fc.property(
        fc.constantFrom('INVITE', 'OPTIONS'),
        fc.array(event, { maxLength: 12 }),
        (method, events) => {
          const h = setup(transport);
          const bytes = makeRequest(method, { transport, viaHost: '127.0.0.2:5060', branch: 'z9hG4bKprop' });
          h.peerSends(bytes);
          h.clock.advanceBy(0);
          const { tx, request } = h.user.newRequests[0]!;
          for (const e of events) {
            h.clock.advanceBy(e.delayMs * 1000);
            if (e.kind === 'respond') tx.respond(buildResponseTo(request, e.status, { toTag: 't' }));
            else if (e.kind === 'retransmit') h.peerSends(bytes);
            else
              h.peerSends(
                makeRequest('ACK', {
                  transport,
                  viaHost: '127.0.0.2:5060',
                  branch: 'z9hG4bKprop',
                  callId: request.callId!,
                  toTag: 't',
                }),
              );
          }
          // A TU that never answers leaves a server transaction waiting (and a retransmission arriving
          // after the transaction ended starts a new one, §17.2.3): answer them all, then run out the clock.
          h.clock.advanceBy(0);
          for (const n of h.user.newRequests) n.tx.respond(buildResponseTo(n.request, 500, { toTag: 't' }));
          h.clock.runUntilIdle(100_000);
          expect(tx.state).toBe('terminated');
          expect(h.layer.serverTransactions).toEqual([]);
        },
      ),
      { numRuns: 150 },
    );
  });
});
