/**
 * Lingering records (LingerStore): a transaction that only waits out its last timer (D, J, K, L, M)
 * becomes a compact record of its table when its context asks for it. Every retransmission that
 * arrives during that wait must be absorbed or answered exactly as the transaction object would
 * have (RFC 3261 §17.1.1.2, §17.1.2.2, §17.2.2; RFC 6026 §8.4, §8.6, §8.7), and the record must go
 * when the timer fires. Each case runs twice, with and without records, and compares what the peer
 * received (times and octets) and what the transaction user was told.
 */
import { describe, expect, it } from 'vitest';
import { buildResponseTo, parseMessage, type SipMessage } from '../../../../src/sip-core/message';
import {
  InviteClientTransaction,
  InviteServerTransaction,
  NonInviteClientTransaction,
  NonInviteServerTransaction,
  TransactionTable,
  timerConfig,
} from '../../../../src/sip-core/stack/transaction';
import type {
  TransactionContext,
  TransactionInfo,
  TransactionUser,
} from '../../../../src/sip-core/stack/transaction';
import { makeRequest, MS, SECOND, setup, T1, T4 } from './harness';

type H = ReturnType<typeof setup>;

function context(h: H, table: TransactionTable, linger: boolean): TransactionContext {
  return {
    clock: h.clock,
    transport: h.local,
    timers: timerConfig(),
    id: '',
    seq: 1,
    onTerminated: table.forgetBound,
    linger: linger ? table.linger : undefined,
  };
}

/** What an element does with a received message (SipElement.onMessage): the table's match, then the machine. */
function dispatch(table: TransactionTable, bytes: Uint8Array): string {
  const msg = parseMessage(bytes);
  if (msg.kind === 'response') {
    const t = table.matchResponse(msg);
    if (!t) return 'stray';
    t.receiveResponse(msg);
    return 'matched';
  }
  const st = table.matchRequest(msg);
  if (!st) return 'new';
  if (msg.method === 'ACK') {
    if (st.kind === 'invite-server' && (st.state === 'completed' || st.state === 'confirmed')) {
      st.receiveAck(msg);
      return 'matched';
    }
    return 'to-element';
  }
  st.receiveRequest(msg);
  return 'matched';
}

class Tu implements TransactionUser {
  readonly log: string[] = [];
  constructor(private readonly h: H) {}
  onResponse(tx: TransactionInfo, r: SipMessage): void {
    this.log.push(
      `${this.h.clock.now()} response ${r.status} ${String((tx as { userData?: unknown }).userData)}`,
    );
  }
  onRequest(_tx: TransactionInfo, r: SipMessage): void {
    this.log.push(`${this.h.clock.now()} request ${r.method}`);
  }
  onTimeout(_tx: TransactionInfo, timer: string): void {
    this.log.push(`${this.h.clock.now()} timeout ${timer}`);
  }
  onTransportError(_tx: TransactionInfo, e: string): void {
    this.log.push(`${this.h.clock.now()} transport-error ${e}`);
  }
}

/**
 * A client transaction of `Cls` for a `method` request with `branch`, started on UDP (records on or
 * off), added to its table, with `userData` when given.
 */
function startClient<T extends InviteClientTransaction | NonInviteClientTransaction>(
  Cls: new (
    ctx: TransactionContext,
    tu: TransactionUser,
    key: { branch: string; method: string },
    bytes: Uint8Array,
    dest: H['peerAddr'],
  ) => T,
  method: string,
  branch: string,
  linger: boolean,
  userData?: string,
): { h: H; table: TransactionTable; tu: Tu; bytes: Uint8Array; tx: T } {
  const h = setup('UDP');
  const table = new TransactionTable();
  const tu = new Tu(h);
  const bytes = makeRequest(method, { branch });
  const tx = new Cls(context(h, table, linger), tu, { branch, method }, bytes, h.peerAddr);
  if (userData !== undefined) tx.userData = userData;
  table.addClient(tx);
  tx.start();
  return { h, table, tu, bytes, tx };
}

/** What the peer received: time and octets. */
function peerLog(h: H): string[] {
  return h.received.map((r) => `${r.at} ${new TextDecoder().decode(r.msg.raw)}`);
}

interface Run {
  peer: string[];
  tu: string[];
  dispatched: string[];
  /** Records held during the wait, and after it. */
  during: number;
  after: number;
  /** The state the transaction object reads at the end. */
  finalState: string;
}

/** What a run ends with: the peer's log, the user's, the dispatch outcomes, records during and after. */
function outcome(
  h: H,
  tu: Tu,
  table: TransactionTable,
  tx: { readonly state: string },
  dispatched: string[],
  during: number,
): Run {
  return {
    peer: peerLog(h),
    tu: tu.log,
    dispatched,
    during,
    after: table.linger.count,
    finalState: tx.state,
  };
}

/**
 * Runs a scenario with lingering records on and then off (objects all along): what the peer
 * received, what the user was told, how each dispatch went and the end state must not differ, and
 * without records none is held. Returns both runs (records first).
 */
function recordsAndObjects<R extends Run>(run: (linger: boolean) => R): [R, R] {
  const a = run(true);
  const b = run(false);
  expect(b.peer).toEqual(a.peer);
  expect(b.tu).toEqual(a.tu);
  expect(b.dispatched).toEqual(a.dispatched);
  expect(b.finalState).toBe(a.finalState);
  expect(b.during).toBe(0);
  return [a, b];
}

describe('lingering records answer for their transactions (UDP)', () => {
  it('non-INVITE server, Timer J: a retransmitted request gets the final response again, until 64*T1', () => {
    const run = (linger: boolean): Run => {
      const h = setup('UDP');
      const table = new TransactionTable();
      const tu = new Tu(h);
      const bye = makeRequest('BYE', { viaHost: '127.0.0.2:5060', branch: 'z9hG4bKbye1' });
      const req = parseMessage(bye);
      const tx = new NonInviteServerTransaction(context(h, table, linger), tu, req, h.peerAddr);
      table.addServerFor(req, tx);
      tx.respond(buildResponseTo(req, 200, { toTag: 'b' }), 200);
      const dispatched: string[] = [];
      h.clock.advanceTo(1 * SECOND);
      dispatched.push(dispatch(table, bye));
      h.clock.advanceTo(20 * SECOND);
      dispatched.push(dispatch(table, bye));
      const during = table.linger.count;
      h.clock.advanceTo(64 * T1);
      dispatched.push(dispatch(table, bye));
      return outcome(h, tu, table, tx, dispatched, during);
    };
    const [a] = recordsAndObjects(run);
    expect(a.during).toBe(1);
    expect(a.after).toBe(0);
    expect(a.peer).toHaveLength(3); // the 200, and again for each retransmission during Timer J
    expect(a.dispatched).toEqual(['matched', 'matched', 'new']);
    expect(a.finalState).toBe('terminated');
  });

  it('a client whose branch is not ASCII stays a transaction (no record); the next one still retires', () => {
    const { h, table, tu, bytes, tx } = startClient(NonInviteClientTransaction, 'BYE', 'z9hG4bKé1', true);
    const ok = buildResponseTo(parseMessage(bytes), 200, { toTag: 'b' });
    expect(dispatch(table, ok)).toBe('matched');
    expect(table.linger.count).toBe(0);
    expect(tx.state).toBe('completed');
    // a second transaction of the same table retires into the store the first one gave back
    const bytes2 = makeRequest('BYE', { branch: 'z9hG4bKascii2' });
    const tx2 = new NonInviteClientTransaction(
      context(h, table, true),
      tu,
      { branch: 'z9hG4bKascii2', method: 'BYE' },
      bytes2,
      h.peerAddr,
    );
    table.addClient(tx2);
    tx2.start();
    const ok2 = buildResponseTo(parseMessage(bytes2), 200, { toTag: 'c' });
    expect(dispatch(table, ok2)).toBe('matched');
    expect(table.linger.count).toBe(1);
    expect(dispatch(table, ok2)).toBe('matched'); // absorbed by the record (Timer K)
    expect(dispatch(table, ok)).toBe('matched'); // absorbed by the first, still an object
    expect(tu.log.filter((l) => l.includes('response 200'))).toHaveLength(2);
    h.clock.advanceTo(T4 + 1);
    expect(table.linger.count).toBe(0);
    expect(tx.state).toBe('terminated');
    expect(tx2.state).toBe('terminated');
  });

  it('non-INVITE client, Timer K: a retransmitted final response is absorbed (not passed up), until T4', () => {
    const run = (linger: boolean): Run => {
      const { h, table, tu, bytes, tx } = startClient(
        NonInviteClientTransaction,
        'BYE',
        'z9hG4bKnict1',
        linger,
        'pending',
      );
      const ok = buildResponseTo(parseMessage(bytes), 200, { toTag: 'b' });
      const dispatched = [dispatch(table, ok)];
      h.clock.advanceTo(1 * SECOND);
      dispatched.push(dispatch(table, ok));
      const during = table.linger.count;
      h.clock.advanceTo(T4);
      dispatched.push(dispatch(table, ok));
      return outcome(h, tu, table, tx, dispatched, during);
    };
    const [a] = recordsAndObjects(run);
    expect(a.during).toBe(1);
    expect(a.after).toBe(0);
    expect(a.tu).toEqual(['0 response 200 pending']);
    expect(a.dispatched).toEqual(['matched', 'matched', 'stray']);
    expect(a.finalState).toBe('terminated');
  });

  it('INVITE server, Timer L: a retransmitted INVITE is absorbed, a CANCEL finds the user data, the ACK goes to the element', () => {
    const run = (linger: boolean): Run & { cancelData: unknown[] } => {
      const h = setup('UDP');
      const table = new TransactionTable();
      const tu = new Tu(h);
      const inviteBytes = makeRequest('INVITE', { viaHost: '127.0.0.2:5060', branch: 'z9hG4bKist1' });
      const invite = parseMessage(inviteBytes);
      const tx = new InviteServerTransaction(context(h, table, linger), tu, invite, h.peerAddr, {
        trying: 'never',
      });
      table.addServerFor(invite, tx, 'INVITE');
      tx.userData = 'call';
      tx.respond(buildResponseTo(invite, 200, { toTag: 'b' }), 200);
      // the user data changes after the transaction lingers (the UA forgets the call)
      tx.userData = 'tag-b';
      const dispatched: string[] = [];
      h.clock.advanceTo(1 * SECOND);
      dispatched.push(dispatch(table, inviteBytes));
      const cancel = parseMessage(
        makeRequest('CANCEL', { viaHost: '127.0.0.2:5060', branch: 'z9hG4bKist1' }),
      );
      const cancelData = [table.matchRequest(cancel, 'INVITE')?.userData];
      // an ACK with the INVITE's branch (RFC 6026 §8.7): not absorbed here in "Accepted"
      dispatched.push(
        dispatch(table, makeRequest('ACK', { viaHost: '127.0.0.2:5060', branch: 'z9hG4bKist1' })),
      );
      // the TU sends its 2xx again through the transaction (RFC 6026 §8.6)
      const again = table.matchRequest(invite);
      const resent = again?.respond(buildResponseTo(invite, 200, { toTag: 'b' }), 200);
      dispatched.push(String(resent));
      const during = table.linger.count;
      h.clock.advanceTo(64 * T1);
      cancelData.push(table.matchRequest(cancel, 'INVITE')?.userData);
      dispatched.push(dispatch(table, inviteBytes));
      return {
        peer: peerLog(h),
        tu: tu.log,
        dispatched,
        during,
        after: table.linger.count,
        finalState: tx.state,
        cancelData,
      };
    };
    const [a, b] = recordsAndObjects(run);
    expect(a.during).toBe(1);
    expect(a.after).toBe(0);
    expect(a.peer).toHaveLength(2); // the 200 and the TU's retransmission; the INVITE retransmission absorbed
    expect(a.dispatched).toEqual(['matched', 'to-element', 'true', 'new']);
    expect(a.cancelData).toEqual(['tag-b', undefined]);
    expect(b.cancelData).toEqual(a.cancelData);
    expect(a.finalState).toBe('terminated');
  });

  it('INVITE client, Timer M: a retransmitted 2xx goes up to the user, or, once the user left its ACK, gets that ACK', () => {
    const run = (linger: boolean): Run => {
      const { h, table, tu, bytes, tx } = startClient(
        InviteClientTransaction,
        'INVITE',
        'z9hG4bKict1',
        linger,
        'call',
      );
      const ok = buildResponseTo(parseMessage(bytes), 200, { toTag: 'b' });
      const dispatched = [dispatch(table, ok)];
      h.clock.advanceTo(1 * SECOND);
      dispatched.push(dispatch(table, ok));
      // the user forgets the call and leaves its ACK with the transaction
      tx.answer2xxWith(
        new TextEncoder().encode('ACK sip:bob@b.example SIP/2.0\r\nContent-Length: 0\r\n\r\n'),
        h.peerAddr,
      );
      tx.userData = 'ended';
      h.clock.advanceTo(2 * SECOND);
      dispatched.push(dispatch(table, ok));
      const during = table.linger.count;
      h.clock.advanceTo(64 * T1);
      dispatched.push(dispatch(table, ok));
      return outcome(h, tu, table, tx, dispatched, during);
    };
    const [a] = recordsAndObjects(run);
    expect(a.during).toBe(1);
    expect(a.after).toBe(0);
    expect(a.peer.map((p) => p.split(' ')[0])).toEqual(['0', '2000000']); // the INVITE, then the ACK again at 2 s
    expect(a.tu).toEqual(['0 response 200 call', `${SECOND} response 200 call`]);
    expect(a.dispatched).toEqual(['matched', 'matched', 'matched', 'stray']);
    expect(a.finalState).toBe('terminated');
  });

  it('INVITE client, Timer D: a retransmitted non-2xx final response gets the same ACK again, until Timer D', () => {
    const run = (linger: boolean): Run => {
      const { h, table, tu, bytes, tx } = startClient(
        InviteClientTransaction,
        'INVITE',
        'z9hG4bKict2',
        linger,
      );
      h.clock.advanceTo(10 * MS);
      const busy = buildResponseTo(parseMessage(bytes), 486, { toTag: 'b' });
      const dispatched = [dispatch(table, busy)];
      h.clock.advanceTo(1 * SECOND);
      dispatched.push(dispatch(table, busy));
      h.clock.advanceTo(31 * SECOND);
      dispatched.push(dispatch(table, busy));
      const during = table.linger.count;
      h.clock.advanceTo(10 * MS + 32 * SECOND);
      dispatched.push(dispatch(table, busy));
      return outcome(h, tu, table, tx, dispatched, during);
    };
    const [a] = recordsAndObjects(run);
    expect(a.during).toBe(1);
    expect(a.after).toBe(0);
    // the INVITE, its ACK, the ACK again for each retransmitted 486
    expect(a.peer.map((p) => p.split(' ').slice(0, 2).join(' '))).toEqual([
      '0 INVITE',
      '10000 ACK',
      '1000000 ACK',
      '31000000 ACK',
    ]);
    expect(a.tu).toEqual(['10000 response 486 null']);
    expect(a.dispatched).toEqual(['matched', 'matched', 'matched', 'stray']);
    expect(a.finalState).toBe('terminated');
  });

  it('a non-INVITE server whose answer cannot be sent again tells its user and ends, as the object would', () => {
    const run = (linger: boolean): Run => {
      const h = setup('UDP');
      const table = new TransactionTable();
      const tu = new Tu(h);
      const bye = makeRequest('BYE', { viaHost: '127.0.0.2:5060', branch: 'z9hG4bKbye2' });
      const req = parseMessage(bye);
      // responses go to an address with no endpoint after the first one
      const dest = { host: '127.0.0.2', port: 5060, transport: 'UDP' as const };
      const tx = new NonInviteServerTransaction(context(h, table, linger), tu, req, dest);
      table.addServerFor(req, tx);
      tx.respond(buildResponseTo(req, 200, { toTag: 'b' }), 200);
      h.peer.setListener(null);
      (dest as { port: number }).port = 5999;
      h.clock.advanceTo(1 * SECOND);
      const dispatched = [dispatch(table, bye), dispatch(table, bye)];
      return {
        peer: peerLog(h),
        tu: tu.log,
        dispatched,
        during: 0,
        after: table.linger.count,
        finalState: tx.state,
      };
    };
    const [a] = recordsAndObjects(run);
    expect(a.tu).toEqual([`${SECOND} transport-error no endpoint at 127.0.0.2:5999/UDP`]);
    expect(a.dispatched).toEqual(['matched', 'new']);
    expect(a.after).toBe(0);
    expect(a.finalState).toBe('terminated');
  });
});
