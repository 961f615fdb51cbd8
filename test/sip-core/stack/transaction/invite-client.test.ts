import { describe, expect, it } from 'vitest';
import { parseMessage } from '../../../../src/sip-core/message';
import {
  IllegalTransitionError,
  INVITE_CLIENT_FROM,
  InviteClientTransaction,
} from '../../../../src/sip-core/stack/transaction';
import type { TransactionContext } from '../../../../src/sip-core/stack/transaction';
import { makeRequest, SECOND, setup, T1, times } from './harness';

const PROVISIONAL = [100, 180, 181, 182, 183, 199];
const SUCCESS = [200, 202, 299];
const FAILURE = [300, 302, 400, 401, 404, 407, 408, 486, 487, 500, 503, 600, 603, 699];

function start(transport: 'UDP' | 'TCP', opts: { timerC?: boolean; timers?: Record<string, number> } = {}) {
  const h = setup(transport, opts.timers);
  const bytes = makeRequest('INVITE', { transport, routes: ['<sip:p1.example;lr>', '<sip:p2.example;lr>'] });
  const tx = h.layer.sendRequest(
    bytes,
    h.peerAddr,
    opts.timerC ? { timerC: true } : {},
  ) as InviteClientTransaction;
  h.clock.advanceBy(0);
  const invite = h.peerGot('INVITE')[0]!.msg;
  return { ...h, tx, invite };
}

describe.each(['UDP', 'TCP'] as const)(
  'INVITE client transaction over %s (RFC 3261 §17.1.1, RFC 6026)',
  (transport) => {
    const reliable = transport === 'TCP';

    describe("state 'calling'", () => {
      it("starts in 'calling' and sends the INVITE at once", () => {
        const { tx, peerGot } = start(transport);
        expect(tx.state).toBe('calling');
        expect(times(peerGot('INVITE'))).toEqual([0]);
      });

      if (!reliable) {
        it('Timer A retransmits the INVITE at T1, then doubles (2*T1, 4*T1, ... no T2 cap) until Timer B', () => {
          const { clock, peerGot } = start(transport);
          clock.advanceTo(64 * T1);
          const t = times(peerGot('INVITE'));
          expect(t).toEqual([0, 0.5, 1.5, 3.5, 7.5, 15.5, 31.5].map((s) => s * SECOND));
          expect(peerGot('INVITE').every((r) => r.msg.branch === peerGot('INVITE')[0]!.msg.branch)).toBe(
            true,
          );
        });
      } else {
        it('Timer A is not started on a reliable transport: the INVITE is sent once', () => {
          const { clock, tx, peerGot } = start(transport);
          expect(tx.runningTimers).toEqual(['B']);
          expect(tx.runningTimerDues).toEqual([{ timer: 'B', due: clock.now() + 64 * T1 }]);
          clock.advanceTo(64 * T1);
          expect(peerGot('INVITE')).toHaveLength(1);
        });
      }

      it("Timer B fires at 64*T1: the TU is told of the timeout and the state MUST become 'terminated'", () => {
        const { clock, tx, user } = start(transport);
        clock.advanceTo(64 * T1 - 1);
        expect(tx.state).toBe('calling');
        clock.advanceTo(64 * T1);
        expect(tx.state).toBe('terminated');
        expect(user.calls()).toEqual(['timeout B']);
        expect(user.log.find((l) => l.what === 'timeout B')!.at).toBe(32 * SECOND);
      });

      it.each(PROVISIONAL)(
        "upon a %i in 'calling' it MUST transition to 'proceeding' and pass it to the TU",
        (status) => {
          const { clock, tx, user, peerReplies, invite } = start(transport);
          peerReplies(invite, status);
          clock.advanceBy(0);
          expect(tx.state).toBe('proceeding');
          expect(user.calls()).toEqual([`response ${status}`]);
          expect(user.states()).toEqual(['calling->proceeding']);
        },
      );

      it.each(SUCCESS)(
        "upon a %i in 'calling' it MUST transition to 'accepted' and pass it up, without ACKing it",
        (status) => {
          const { clock, tx, user, peerReplies, invite, peerGot } = start(transport);
          peerReplies(invite, status);
          clock.advanceBy(0);
          expect(tx.state).toBe('accepted');
          expect(user.calls()).toEqual([`response ${status}`]);
          expect(peerGot('ACK')).toEqual([]);
        },
      );

      it.each(FAILURE)(
        "upon a %i in 'calling' it MUST transition to 'completed', send an ACK and pass the response up",
        (status) => {
          const { clock, tx, user, peerReplies, invite, peerGot } = start(transport);
          peerReplies(invite, status);
          clock.advanceBy(0);
          expect(tx.state === 'completed' || (reliable && tx.state === 'terminated')).toBe(true);
          expect(user.calls()).toEqual([`response ${status}`]);
          expect(peerGot('ACK')).toHaveLength(1);
        },
      );

      it("a transport error in 'calling' is reported to the TU and the state becomes 'terminated' (§17.1.4)", () => {
        const h = setup(transport);
        const tx = h.layer.sendRequest(makeRequest('INVITE', { transport }), {
          host: '127.0.0.99',
          port: 5060,
          transport,
        });
        expect(tx.state).toBe('terminated');
        expect(h.user.calls()[0]).toMatch(/^transport-error no endpoint at 127.0.0.99:5060/);
      });
    });

    describe("state 'proceeding'", () => {
      it('the INVITE is no longer retransmitted and Timer B no longer applies', () => {
        const { clock, tx, peerReplies, invite, peerGot } = start(transport);
        peerReplies(invite, 100);
        clock.advanceTo(5 * 64 * T1);
        expect(peerGot('INVITE')).toHaveLength(1);
        expect(tx.state).toBe('proceeding');
        expect(tx.cancellable).toBe(true);
      });

      it('further provisional responses are passed up and the state stays', () => {
        const { clock, tx, user, peerReplies, invite } = start(transport);
        for (const s of [100, 180, 180, 183]) peerReplies(invite, s);
        clock.advanceBy(0);
        expect(tx.state).toBe('proceeding');
        expect(user.calls()).toEqual(['response 100', 'response 180', 'response 180', 'response 183']);
      });

      it.each(SUCCESS)("upon a %i in 'proceeding' it MUST transition to 'accepted'", (status) => {
        const { clock, tx, peerReplies, invite } = start(transport);
        peerReplies(invite, 180);
        peerReplies(invite, status);
        clock.advanceBy(0);
        expect(tx.state).toBe('accepted');
      });

      it.each(FAILURE)("upon a %i in 'proceeding' it MUST transition to 'completed' and ACK", (status) => {
        const { clock, user, peerReplies, invite, peerGot } = start(transport);
        peerReplies(invite, 183);
        peerReplies(invite, status);
        clock.advanceBy(0);
        expect(user.states().slice(0, 2)).toEqual(['calling->proceeding', 'proceeding->completed']);
        expect(peerGot('ACK')).toHaveLength(1);
      });

      it('Timer C (proxy) fires 3 minutes after the INVITE; a 100 does not reset it (§16.6 step 11)', () => {
        const { clock, user, peerReplies, invite } = start(transport, { timerC: true });
        clock.advanceTo(10 * SECOND);
        peerReplies(invite, 100);
        clock.advanceTo(180 * SECOND - 1);
        expect(user.calls()).toEqual(['response 100']);
        clock.advanceTo(180 * SECOND);
        expect(user.log.at(-1)).toEqual({ at: 180 * SECOND, what: 'timeout C' });
      });

      it('provisional responses other than 100 reset Timer C (§16.7 step 2)', () => {
        const { clock, user, peerReplies, invite } = start(transport, { timerC: true });
        peerReplies(invite, 100);
        clock.advanceTo(100 * SECOND);
        peerReplies(invite, 180);
        clock.advanceTo(280 * SECOND - 1);
        expect(user.calls()).toEqual(['response 100', 'response 180']);
        clock.advanceTo(280 * SECOND);
        expect(user.log.at(-1)).toEqual({ at: 280 * SECOND, what: 'timeout C' });
      });

      it('the TU may abandon the transaction (proxy after Timer C, §16.8)', () => {
        const { clock, tx, peerReplies, invite } = start(transport);
        peerReplies(invite, 180);
        clock.advanceBy(0);
        tx.terminate();
        expect(tx.state).toBe('terminated');
      });
    });

    describe("state 'completed'", () => {
      it('the ACK (§17.1.1.3) copies Request-URI, Call-ID, From, CSeq number, the top Via and the Routes, with the To of the response', () => {
        const { clock, peerReplies, invite, peerGot } = start(transport);
        peerReplies(invite, 486, 'callee-tag');
        clock.advanceBy(0);
        const ack = peerGot('ACK')[0]!.msg;
        expect(ack.requestUri).toBe(invite.requestUri);
        expect(ack.callId).toBe(invite.callId);
        expect(ack.header('from')).toBe(invite.header('from'));
        expect([ack.cseq, ack.cseqMethod]).toEqual([invite.cseq, 'ACK']);
        expect(ack.values('via')).toEqual([invite.values('via')[0]]);
        expect(ack.branch).toBe(invite.branch);
        expect(ack.headerAll('route')).toEqual(['<sip:p1.example;lr>', '<sip:p2.example;lr>']);
        expect(ack.toTag).toBe('callee-tag');
        expect(ack.contentLength).toBe(0);
      });

      if (!reliable) {
        it('retransmissions of the final response are ACKed again and not passed to the TU; Timer D (32 s) then terminates', () => {
          const { clock, tx, user, peerReplies, invite, peerGot } = start(transport);
          peerReplies(invite, 404);
          clock.advanceTo(1 * SECOND);
          peerReplies(invite, 404);
          peerReplies(invite, 404);
          clock.advanceTo(2 * SECOND);
          expect(peerGot('ACK')).toHaveLength(3);
          expect(peerGot('ACK')[2]!.msg.branch).toBe(invite.branch);
          expect(user.calls()).toEqual(['response 404']);
          clock.advanceTo(32 * SECOND - 1);
          expect(tx.state).toBe('completed');
          clock.advanceTo(32 * SECOND);
          expect(tx.state).toBe('terminated');
        });
      } else {
        it("Timer D is zero on a reliable transport: 'terminated' at once", () => {
          const { clock, tx, peerReplies, invite, events } = start(transport);
          peerReplies(invite, 404);
          clock.advanceBy(0);
          expect(tx.state).toBe('terminated');
          expect(events.find((e) => e.type === 'timer-start' && e.timer === 'D')).toMatchObject({
            duration: 0,
          });
        });
      }

      it('a configurable Timer D is honoured on unreliable transports', () => {
        const { clock, tx, peerReplies, invite } = start(transport, { timers: { D: 40 * SECOND } });
        peerReplies(invite, 500);
        clock.advanceTo(39 * SECOND);
        expect(tx.state).toBe(reliable ? 'terminated' : 'completed');
        clock.advanceTo(40 * SECOND);
        expect(tx.state).toBe('terminated');
      });
    });

    describe("state 'accepted' (RFC 6026)", () => {
      it('every further 2xx (retransmission or another fork) is passed to the TU and never ACKed by the transaction', () => {
        const { clock, tx, user, peerReplies, invite, peerGot } = start(transport);
        peerReplies(invite, 200, 'fork1');
        peerReplies(invite, 200, 'fork2');
        peerReplies(invite, 200, 'fork1');
        peerReplies(invite, 180);
        peerReplies(invite, 486);
        clock.advanceBy(0);
        expect(tx.state).toBe('accepted');
        expect(user.responses.map((r) => [r.status, r.toTag])).toEqual([
          [200, 'fork1'],
          [200, 'fork2'],
          [200, 'fork1'],
        ]);
        expect(peerGot('ACK')).toEqual([]);
      });

      it("Timer M fires at 64*T1 after entering 'accepted' and the state becomes 'terminated'", () => {
        const { clock, tx, peerReplies, invite, layer } = start(transport);
        clock.advanceTo(1 * SECOND);
        peerReplies(invite, 200);
        clock.advanceTo(1 * SECOND + 64 * T1 - 1);
        expect(tx.state).toBe('accepted');
        clock.advanceTo(1 * SECOND + 64 * T1);
        expect(tx.state).toBe('terminated');
        expect(layer.clientTransactions).toEqual([]);
      });
    });
  },
);

describe('INVITE client transaction: configuration and events', () => {
  it('T1 is configurable: Timer A starts at T1 = 100 ms and Timer B is 64*T1 = 6.4 s', () => {
    const { clock, peerGot, user } = start('UDP', { timers: { T1: 100_000 } });
    clock.advanceTo(10 * SECOND);
    expect(times(peerGot('INVITE'))).toEqual(
      [0, 0.1, 0.3, 0.7, 1.5, 3.1, 6.3].map((s) => Math.round(s * SECOND)),
    );
    expect(user.log.find((l) => l.what === 'timeout B')!.at).toBe(6_400_000);
  });

  it('emits state changes and timer start/fire/stop events with virtual times (for the UI)', () => {
    const { clock, events, peerReplies, invite, tx } = start('UDP');
    clock.advanceTo(T1);
    peerReplies(invite, 180);
    clock.advanceBy(0);
    const summary = events.map((e) =>
      e.type === 'state'
        ? `${e.at} ${e.from}->${e.to}`
        : e.type === 'send'
          ? `${e.at} send ${e.what}${e.retransmission ? ' (re)' : ''}`
          : `${e.at} ${e.type} ${e.timer}`,
    );
    expect(summary).toEqual([
      '0 ->calling',
      '0 send request',
      '0 timer-start A',
      '0 timer-start B',
      '500000 timer-fire A',
      '500000 send request (re)',
      '500000 timer-start A',
      '500000 timer-stop A',
      '500000 timer-stop B',
      '500000 calling->proceeding',
    ]);
    expect(events.every((e) => e.tx === tx.id && e.kind === 'invite-client')).toBe(true);
  });

  it('the legal-predecessor table follows RFC 6026: accepted only from calling/proceeding, and an illegal transition throws', () => {
    expect(INVITE_CLIENT_FROM.accepted).toEqual(['calling', 'proceeding']);
    expect(INVITE_CLIENT_FROM.completed).toEqual(['calling', 'proceeding']);
    expect(INVITE_CLIENT_FROM.calling).toEqual([]);
    class Probe extends InviteClientTransaction {
      force(to: 'accepted' | 'calling'): void {
        this.transition(to, 'test');
      }
    }
    const h = setup('UDP');
    const ctx: TransactionContext = { clock: h.clock, transport: h.local, timers: h.layer.timers, id: 'P1' };
    const p = new Probe(ctx, h.user, parseMessage(makeRequest('INVITE')), makeRequest('INVITE'), h.peerAddr);
    p.start();
    p.terminate();
    expect(() => p.force('accepted')).toThrow(IllegalTransitionError);
    expect(() => p.force('calling')).toThrow(/illegal transition terminated -> calling/);
  });
});
