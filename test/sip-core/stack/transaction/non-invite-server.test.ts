import { describe, expect, it } from 'vitest';
import { buildResponseTo } from '../../../../src/sip-core/message';
import {
  NON_INVITE_SERVER_FROM,
  NonInviteServerTransaction,
} from '../../../../src/sip-core/stack/transaction';
import { makeRequest, SECOND, setup, T1 } from './harness';

const FINAL = [200, 202, 401, 404, 407, 423, 481, 500, 503, 603];

function receive(transport: 'UDP' | 'TCP', method = 'REGISTER') {
  const h = setup(transport);
  const bytes = makeRequest(method, { transport, viaHost: '127.0.0.2:5060' });
  h.peerSends(bytes);
  h.clock.advanceBy(0);
  const { tx, request } = h.user.newRequests[0]!;
  const respond = (status: number) => tx.respond(buildResponseTo(request, status, { toTag: 'srv' }));
  return { ...h, tx, request, bytes, respond };
}

describe.each(['UDP', 'TCP'] as const)(
  'non-INVITE server transaction over %s (RFC 3261 §17.2.2)',
  (transport) => {
    const reliable = transport === 'TCP';

    describe("state 'trying'", () => {
      it('is entered on the request, which is passed to the TU; retransmissions are discarded', () => {
        const { tx, user, peerSends, bytes, clock, peerGot } = receive(transport);
        expect(tx.state).toBe('trying');
        peerSends(bytes);
        clock.advanceBy(0);
        expect(user.calls()).toEqual(['new-request REGISTER']);
        expect(peerGot()).toEqual([]);
      });

      it.each([100, 180])("upon a %i from the TU it MUST enter 'proceeding'", (status) => {
        const { tx, respond } = receive(transport, 'SUBSCRIBE');
        respond(status);
        expect(tx.state).toBe('proceeding');
      });

      it.each(FINAL)("upon a %i from the TU it MUST enter 'completed'", (status) => {
        const { tx, respond, user } = receive(transport);
        respond(status);
        expect(user.states()[0]).toBe('trying->completed');
        expect(tx.lastStatus).toBe(status);
      });
    });

    describe("state 'proceeding'", () => {
      it('a retransmitted request is answered with the last provisional response', () => {
        const { respond, peerSends, bytes, clock, peerGot } = receive(transport);
        respond(100);
        peerSends(bytes);
        clock.advanceBy(0);
        expect(peerGot().map((r) => r.msg.status)).toEqual([100, 100]);
      });

      it.each(FINAL)("upon a %i from the TU it MUST enter 'completed'", (status) => {
        const { respond, user } = receive(transport);
        respond(100);
        respond(status);
        expect(user.states().slice(0, 2)).toEqual(['trying->proceeding', 'proceeding->completed']);
      });
    });

    describe("state 'completed'", () => {
      it('a retransmitted request is answered with the final response; other TU responses are discarded', () => {
        const { respond, peerSends, bytes, clock, peerGot, tx } = receive(transport);
        respond(200);
        expect(respond(500)).toBe(false);
        peerSends(bytes);
        clock.advanceBy(0);
        if (!reliable) expect(peerGot().map((r) => r.msg.status)).toEqual([200, 200]);
        else expect(tx.state).toBe('terminated');
      });

      it(`Timer J is ${reliable ? 'zero' : '64*T1'}, then 'terminated'`, () => {
        const { respond, clock, tx, layer } = receive(transport);
        respond(200);
        clock.advanceBy(0);
        if (!reliable) {
          clock.advanceTo(64 * T1 - 1);
          expect(tx.state).toBe('completed');
          clock.advanceTo(64 * T1);
        }
        expect(tx.state).toBe('terminated');
        expect(layer.serverTransactions).toEqual([]);
      });
    });

    it.each([null, 100])(
      "the TU can end it without a final response (RFC 4320 §4.2), after a %s provisional: 'terminated', nothing sent, out of the table",
      (provisional) => {
        const { tx: t, respond, peerGot, layer, user } = receive(transport, 'OPTIONS');
        const tx = t as NonInviteServerTransaction;
        if (provisional !== null) respond(provisional);
        const before = peerGot().length;
        expect(tx.end()).toBe(true);
        expect(tx.state).toBe('terminated');
        expect(peerGot().length).toBe(before);
        expect(user.states().at(-1)).toBe(`${provisional === null ? 'trying' : 'proceeding'}->terminated`);
        expect(layer.serverTransactions).toEqual([]);
        expect(tx.end()).toBe(false);
        expect(respond(200)).toBe(false);
      },
    );

    it('a transaction that sent its final response cannot be ended without one', () => {
      const { tx, respond } = receive(transport, 'OPTIONS');
      respond(200);
      expect((tx as NonInviteServerTransaction).end()).toBe(false);
      expect(tx.state).toBe('completed');
    });

    it("a transport error sending a response is reported and the state becomes 'terminated'", () => {
      const h = setup(transport);
      h.peerSends(makeRequest('OPTIONS', { transport, viaHost: '127.0.0.2:5999' }));
      h.clock.advanceBy(0);
      const { tx, request } = h.user.newRequests[0]!;
      const ok = tx.respond(buildResponseTo(request, 200, { toTag: 'x' }));
      // Over TCP the response goes back on the connection (source address), which exists.
      expect(ok).toBe(reliable);
      expect(tx.state).toBe(reliable ? 'completed' : 'terminated');
    });
  },
);

describe('non-INVITE server transaction: table', () => {
  it('legal predecessors follow RFC 3261 Figure 8', () => {
    expect(NON_INVITE_SERVER_FROM).toEqual({
      trying: [],
      proceeding: ['trying'],
      completed: ['trying', 'proceeding'],
      terminated: ['trying', 'proceeding', 'completed'],
    });
    expect(SECOND).toBe(1_000_000);
  });
});
