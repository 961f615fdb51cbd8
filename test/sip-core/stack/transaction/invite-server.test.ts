import { describe, expect, it } from 'vitest';
import { buildResponseTo, parseMessage } from '../../../../src/sip-core/message';
import { INVITE_SERVER_FROM } from '../../../../src/sip-core/stack/transaction';
import type {
  InviteServerOptions,
  InviteServerTransaction,
} from '../../../../src/sip-core/stack/transaction';
import { TransactionLayer } from '../../../../src/sip-core/stack/transaction';
import { makeRequest, MS, SECOND, setup, T1, T2, T4, times } from './harness';

const PROVISIONAL = [180, 181, 182, 183];
const SUCCESS = [200, 202];
const FAILURE = [300, 302, 404, 486, 487, 500, 503, 603];

function receive(transport: 'UDP' | 'TCP', options: InviteServerOptions = { trying: 'never' }) {
  const h = setup(transport);
  // Rebuild the layer with the wanted INVITE server options (same transport endpoint).
  const layer = new TransactionLayer({
    clock: h.clock,
    transports: h.local,
    user: h.user,
    inviteServer: options,
    onEvent: (e) => h.events.push(e),
  });
  const bytes = makeRequest('INVITE', { transport, viaHost: '127.0.0.2:5060', branch: 'z9hG4bKist1' });
  h.peerSends(bytes);
  h.clock.advanceBy(0);
  const { tx, request } = h.user.newRequests[0]!;
  const ist = tx as InviteServerTransaction;
  const respond = (status: number) => ist.respond(buildResponseTo(request, status, { toTag: 'uas-tag' }));
  const ackBytes = makeRequest('ACK', {
    transport,
    viaHost: '127.0.0.2:5060',
    branch: 'z9hG4bKist1',
    callId: request.callId!,
    toTag: 'uas-tag',
  });
  return { ...h, layer, ist, request, bytes, respond, ackBytes };
}

describe.each(['UDP', 'TCP'] as const)(
  'INVITE server transaction over %s (RFC 3261 §17.2.1, RFC 6026)',
  (transport) => {
    const reliable = transport === 'TCP';

    describe("state 'proceeding'", () => {
      it('is entered on the INVITE, which is passed to the TU', () => {
        const { ist, user } = receive(transport);
        expect(ist.state).toBe('proceeding');
        expect(user.calls()).toEqual(['new-request INVITE']);
      });

      it('sends 100 Trying itself when the TU has not answered within 200 ms', () => {
        const { clock, peerGot } = receive(transport, {});
        clock.advanceTo(200 * MS - 1);
        expect(peerGot(100)).toEqual([]);
        clock.advanceTo(200 * MS);
        expect(times(peerGot(100))).toEqual([200 * MS]);
        expect(peerGot(100)[0]!.msg.toTag).toBeNull();
      });

      it('does not send 100 Trying when the TU answered within 200 ms; "immediate" sends it at once', () => {
        const a = receive(transport, {});
        a.clock.advanceTo(100 * MS);
        a.respond(180);
        a.clock.advanceTo(1 * SECOND);
        expect(a.peerGot(100)).toEqual([]);
        const b = receive(transport, { trying: 'immediate' });
        expect(times(b.peerGot(100))).toEqual([0]);
      });

      it.each(PROVISIONAL)('a %i from the TU is sent and the state stays', (status) => {
        const { clock, ist, respond, peerGot } = receive(transport);
        expect(respond(status)).toBe(true);
        clock.advanceBy(0);
        expect(ist.state).toBe('proceeding');
        expect(peerGot(status)).toHaveLength(1);
      });

      it('a retransmitted INVITE is answered with the most recent provisional response (none before one exists)', () => {
        const { clock, respond, peerSends, bytes, peerGot, user } = receive(transport);
        peerSends(bytes);
        clock.advanceBy(0);
        expect(peerGot()).toEqual([]);
        respond(180);
        respond(183);
        peerSends(bytes);
        clock.advanceBy(0);
        expect(peerGot().map((r) => r.msg.status)).toEqual([180, 183, 183]);
        expect(user.calls()).toEqual(['new-request INVITE']);
      });

      it.each(SUCCESS)("upon a %i from the TU it MUST enter 'accepted' (RFC 6026)", (status) => {
        const { clock, ist, respond } = receive(transport);
        respond(status);
        clock.advanceBy(0);
        expect(ist.state).toBe('accepted');
      });

      it.each(FAILURE)("upon a %i from the TU it MUST enter 'completed'", (status) => {
        const { clock, ist, respond } = receive(transport);
        respond(status);
        clock.advanceBy(0);
        expect(ist.state).toBe('completed');
      });

      it("a transport error sending a response is reported and the state becomes 'terminated' (§17.2.4)", () => {
        const h = setup(transport);
        h.peerSends(makeRequest('INVITE', { transport, viaHost: '127.0.0.77:5070' }));
        h.clock.advanceBy(0);
        const { tx, request } = h.user.newRequests[0]!;
        // UDP: responses go to sent-by's port at the source address (§18.2.2), where nothing listens.
        if (transport === 'UDP') {
          expect(tx.respond(buildResponseTo(request, 180, { toTag: 'x' }))).toBe(false);
          expect(tx.state).toBe('terminated');
          expect(h.user.calls().at(-1)).toMatch(/^transport-error/);
        } else {
          expect(tx.respond(buildResponseTo(request, 180, { toTag: 'x' }))).toBe(true);
        }
      });
    });

    describe("state 'completed'", () => {
      if (!reliable) {
        it('Timer G retransmits the final response at T1, doubling up to T2, until Timer H (64*T1)', () => {
          const { clock, respond, peerGot } = receive(transport);
          respond(486);
          clock.advanceTo(64 * T1);
          expect(times(peerGot(486))).toEqual(
            [0, 0.5, 1.5, 3.5, 7.5, 11.5, 15.5, 19.5, 23.5, 27.5, 31.5].map((s) => s * SECOND),
          );
          const gaps = times(peerGot(486))
            .slice(1)
            .map((t, i, a) => t - (i === 0 ? 0 : a[i - 1]!));
          expect(Math.max(...gaps)).toBe(T2);
        });
      } else {
        it('Timer G is not started on a reliable transport', () => {
          const { clock, respond, peerGot, ist } = receive(transport);
          respond(486);
          expect(ist.runningTimers).toEqual(['H']);
          clock.advanceTo(64 * T1);
          expect(peerGot(486)).toHaveLength(1);
        });
      }

      it("Timer H fires at 64*T1 without an ACK: the TU is told and the state becomes 'terminated'", () => {
        const { clock, ist, respond, user } = receive(transport);
        respond(603);
        clock.advanceTo(64 * T1 - 1);
        expect(ist.state).toBe('completed');
        clock.advanceTo(64 * T1);
        expect(ist.state).toBe('terminated');
        expect(user.calls().at(-1)).toBe('timeout H');
      });

      it('a retransmitted INVITE is answered with the final response again', () => {
        const { clock, respond, peerSends, bytes, peerGot } = receive(transport);
        respond(404);
        clock.advanceTo(0.1 * SECOND);
        peerSends(bytes);
        clock.advanceTo(0.2 * SECOND);
        expect(times(peerGot(404))).toEqual([0, 0.1 * SECOND]);
      });

      it("upon the ACK it MUST transition to 'confirmed' and stop retransmitting", () => {
        const { clock, ist, respond, peerSends, ackBytes, peerGot, user } = receive(transport);
        respond(486);
        clock.advanceTo(0.7 * SECOND);
        peerSends(ackBytes);
        clock.advanceBy(0);
        expect(ist.state === 'confirmed' || (reliable && ist.state === 'terminated')).toBe(true);
        clock.advanceTo(10 * SECOND);
        expect(peerGot(486)).toHaveLength(reliable ? 1 : 2);
        expect(user.calls()).toEqual(['new-request INVITE']);
      });

      it('further responses from the TU are refused', () => {
        const { respond, ist } = receive(transport);
        respond(486);
        expect(respond(500)).toBe(false);
        expect(respond(200)).toBe(false);
        expect(ist.lastStatus).toBe(486);
      });
    });

    describe("state 'confirmed'", () => {
      it(`Timer I is ${reliable ? 'zero' : 'T4'} and further ACKs are absorbed`, () => {
        const { clock, ist, respond, peerSends, ackBytes, user } = receive(transport);
        respond(486);
        clock.advanceTo(1 * SECOND);
        peerSends(ackBytes);
        clock.advanceBy(0);
        if (!reliable) {
          expect(ist.state).toBe('confirmed');
          peerSends(ackBytes);
          clock.advanceTo(1 * SECOND + T4 - 1);
          expect(ist.state).toBe('confirmed');
          clock.advanceTo(1 * SECOND + T4);
        }
        expect(ist.state).toBe('terminated');
        expect(user.calls()).toEqual(['new-request INVITE']);
        expect(user.states()).toEqual([
          'proceeding->completed',
          'completed->confirmed',
          'confirmed->terminated',
        ]);
      });
    });

    describe("state 'accepted' (RFC 6026)", () => {
      it('INVITE retransmissions are absorbed; 2xx retransmissions from the TU are sent; provisional responses are refused', () => {
        const { clock, respond, peerSends, bytes, peerGot, ist } = receive(transport);
        respond(200);
        peerSends(bytes);
        clock.advanceTo(T1);
        expect(respond(200)).toBe(true);
        expect(respond(180)).toBe(false);
        expect(respond(486)).toBe(false);
        clock.advanceBy(0);
        expect(peerGot().map((r) => r.msg.status)).toEqual([200, 200]);
        expect(ist.state).toBe('accepted');
      });

      it('an ACK matching the transaction is passed to the TU', () => {
        const { clock, respond, peerSends, ackBytes, user } = receive(transport);
        respond(200);
        peerSends(ackBytes);
        clock.advanceBy(0);
        expect(user.calls()).toEqual(['new-request INVITE', 'request ACK']);
      });

      it("Timer L fires at 64*T1 and the state becomes 'terminated'", () => {
        const { clock, respond, ist, layer } = receive(transport);
        clock.advanceTo(2 * SECOND);
        respond(200);
        clock.advanceTo(2 * SECOND + 64 * T1 - 1);
        expect(ist.state).toBe('accepted');
        clock.advanceTo(2 * SECOND + 64 * T1);
        expect(ist.state).toBe('terminated');
        expect(layer.serverTransactions).toEqual([]);
      });
    });
  },
);

describe('INVITE server transaction: table', () => {
  it('legal predecessors follow RFC 6026 Figure 7', () => {
    expect(INVITE_SERVER_FROM).toEqual({
      proceeding: [],
      completed: ['proceeding'],
      confirmed: ['completed'],
      accepted: ['proceeding'],
      terminated: ['proceeding', 'completed', 'confirmed', 'accepted'],
    });
  });

  it('a SipMessage response is accepted as well as bytes', () => {
    const { ist, request, peerGot, clock } = receive('UDP');
    expect(ist.respond(parseMessage(buildResponseTo(request, 180, { toTag: 't' })))).toBe(true);
    clock.advanceBy(0);
    expect(peerGot(180)).toHaveLength(1);
  });
});
