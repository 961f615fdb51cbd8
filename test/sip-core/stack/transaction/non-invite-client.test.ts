import { describe, expect, it } from 'vitest';
import { NON_INVITE_CLIENT_FROM } from '../../../../src/sip-core/stack/transaction';
import type { NonInviteClientTransaction } from '../../../../src/sip-core/stack/transaction';
import { makeRequest, SECOND, setup, T1, T4, times } from './harness';

const FINAL = [200, 202, 302, 401, 404, 407, 408, 480, 500, 503, 603, 699];

function start(transport: 'UDP' | 'TCP', method = 'REGISTER', timers = {}) {
  const h = setup(transport, timers);
  const tx = h.layer.sendRequest(
    makeRequest(method, { transport }),
    h.peerAddr,
  ) as NonInviteClientTransaction;
  h.clock.advanceBy(0);
  const request = h.peerGot(method)[0]!.msg;
  return { ...h, tx, request };
}

describe.each(['UDP', 'TCP'] as const)(
  'non-INVITE client transaction over %s (RFC 3261 §17.1.2)',
  (transport) => {
    const reliable = transport === 'TCP';

    describe("state 'trying'", () => {
      it("starts in 'trying' having sent the request", () => {
        const { tx, peerGot } = start(transport);
        expect(tx.state).toBe('trying');
        expect(tx.method).toBe('REGISTER');
        expect(peerGot('REGISTER')).toHaveLength(1);
      });

      if (!reliable) {
        it('Timer E retransmits at T1 and doubles up to T2 (0.5, 1, 2, 4, 4 ... s) until Timer F', () => {
          const { clock, peerGot } = start(transport);
          clock.advanceTo(64 * T1);
          expect(times(peerGot('REGISTER'))).toEqual(
            [0, 0.5, 1.5, 3.5, 7.5, 11.5, 15.5, 19.5, 23.5, 27.5, 31.5].map((s) => s * SECOND),
          );
        });
      } else {
        it('Timer E is not started on a reliable transport', () => {
          const { clock, tx, peerGot } = start(transport);
          expect(tx.runningTimers).toEqual(['F']);
          clock.advanceTo(64 * T1);
          expect(peerGot('REGISTER')).toHaveLength(1);
        });
      }

      it("Timer F fires at 64*T1: the TU is told of the timeout and the state becomes 'terminated'", () => {
        const { clock, tx, user, layer } = start(transport);
        clock.advanceTo(64 * T1);
        expect(tx.state).toBe('terminated');
        expect(user.log.filter((l) => l.what === 'timeout F').map((l) => l.at)).toEqual([32 * SECOND]);
        expect(layer.clientTransactions).toEqual([]);
      });

      it.each([100, 180, 183])(
        "upon a %i in 'trying' it SHOULD move to 'proceeding' and pass it up",
        (status) => {
          const { clock, tx, user, peerReplies, request } = start(transport, 'OPTIONS');
          peerReplies(request, status);
          clock.advanceBy(0);
          expect(tx.state).toBe('proceeding');
          expect(user.calls()).toEqual([`response ${status}`]);
        },
      );

      it.each(FINAL)("upon a %i in 'trying' it MUST transition to 'completed' and pass it up", (status) => {
        const { clock, user, peerReplies, request } = start(transport);
        peerReplies(request, status);
        clock.advanceBy(0);
        expect(user.states()[0]).toBe('trying->completed');
        expect(user.calls()).toEqual([`response ${status}`]);
      });

      it("a transport error in 'trying' is reported and the state becomes 'terminated'", () => {
        const h = setup(transport);
        const tx = h.layer.sendRequest(makeRequest('OPTIONS', { transport }), {
          host: '127.0.0.98',
          port: 5060,
          transport,
        });
        expect(tx.state).toBe('terminated');
        expect(h.user.calls()[0]).toMatch(/^transport-error/);
      });
    });

    describe("state 'proceeding'", () => {
      if (!reliable) {
        it('Timer E retransmits every T2 once a provisional response arrived', () => {
          const { clock, peerReplies, request, peerGot } = start(transport);
          clock.advanceTo(0.2 * SECOND);
          peerReplies(request, 100);
          clock.advanceTo(20 * SECOND);
          // 0.5 s: the Timer E already running fires; from then on it is reset to T2 = 4 s.
          expect(times(peerGot('REGISTER'))).toEqual([0, 0.5, 4.5, 8.5, 12.5, 16.5].map((s) => s * SECOND));
        });
      }

      it("Timer F still applies in 'proceeding'", () => {
        const { clock, tx, user, peerReplies, request } = start(transport);
        peerReplies(request, 100);
        clock.advanceTo(64 * T1);
        expect(tx.state).toBe('terminated');
        expect(user.calls()).toEqual(['response 100', 'timeout F']);
      });

      it.each(FINAL)("upon a %i in 'proceeding' it MUST transition to 'completed'", (status) => {
        const { clock, user, peerReplies, request } = start(transport);
        peerReplies(request, 100);
        peerReplies(request, status);
        clock.advanceBy(0);
        expect(user.states().slice(0, 2)).toEqual(['trying->proceeding', 'proceeding->completed']);
      });
    });

    describe("state 'completed'", () => {
      it(`Timer K is ${reliable ? 'zero' : 'T4'}; response retransmissions are absorbed meanwhile`, () => {
        const { clock, tx, user, peerReplies, request, peerGot } = start(transport);
        peerReplies(request, 200);
        clock.advanceBy(0);
        if (!reliable) {
          peerReplies(request, 200);
          clock.advanceTo(T4 - 1);
          expect(tx.state).toBe('completed');
          expect(user.calls()).toEqual(['response 200']);
          expect(peerGot('REGISTER')).toHaveLength(1);
          clock.advanceTo(T4);
        }
        expect(tx.state).toBe('terminated');
        expect(user.states()).toEqual(['trying->completed', 'completed->terminated']);
      });
    });
  },
);

describe('non-INVITE client transaction: table and configuration', () => {
  it('legal predecessors follow RFC 3261 Figure 6', () => {
    expect(NON_INVITE_CLIENT_FROM).toEqual({
      trying: [],
      proceeding: ['trying'],
      completed: ['trying', 'proceeding'],
      terminated: ['trying', 'proceeding', 'completed'],
    });
  });

  it('T2 and T4 are configurable (E capped at T2 = 1 s, K = T4 = 2 s)', () => {
    const { clock, peerGot, peerReplies, request, tx } = start('UDP', 'MESSAGE', {
      T2: 1 * SECOND,
      T4: 2 * SECOND,
    });
    clock.advanceTo(4 * SECOND);
    expect(times(peerGot('MESSAGE'))).toEqual([0, 0.5, 1.5, 2.5, 3.5].map((s) => s * SECOND));
    peerReplies(request, 200);
    clock.advanceTo(6 * SECOND - 1);
    expect(tx.state).toBe('completed');
    clock.advanceTo(6 * SECOND);
    expect(tx.state).toBe('terminated');
  });
});
