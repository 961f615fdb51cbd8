/**
 * What the elements (UA, proxy, B2BUA, redirect, registrar) need from the §17 machines besides the
 * layer: a TU-requested 100 Trying with the TU's own bytes, client transactions created from the
 * bytes the TU built (parsed only when an ACK must be built), the transaction table, and timer
 * events carrying the virtual time a timer fires at (the scenario player's panel).
 */
import { describe, expect, it } from 'vitest';
import { buildResponseTo, parseMessage } from '../../../../src/sip-core/message';
import {
  InviteClientTransaction,
  InviteServerTransaction,
  NonInviteClientTransaction,
  TransactionTable,
  serverTransactionKey,
  timerConfig,
} from '../../../../src/sip-core/stack/transaction';
import type { TransactionContext, TransactionEvent } from '../../../../src/sip-core/stack/transaction';
import { makeRequest, MS, setup, T1 } from './harness';

function context(
  h: ReturnType<typeof setup>,
  table: TransactionTable,
  events: TransactionEvent[],
): TransactionContext {
  return {
    clock: h.clock,
    transport: h.local,
    timers: timerConfig(),
    id: 'T1',
    emit: (e) => events.push(e),
    onTerminated: table.forgetBound,
  };
}

describe.each(['UDP', 'TCP'] as const)('the machines as the elements use them, over %s', (transport) => {
  it("an INVITE server transaction created with trying 'never' sends the TU's 100 when asked by autoTrying() and the TU stays silent 200 ms", () => {
    const h = setup(transport);
    const table = new TransactionTable();
    const events: TransactionEvent[] = [];
    const invite = parseMessage(makeRequest('INVITE', { transport, viaHost: '127.0.0.2:5060' }));
    const ist = new InviteServerTransaction(context(h, table, events), {}, invite, h.peerAddr, {
      trying: 'never',
    });
    table.addServer(serverTransactionKey(invite)!, ist);
    expect(table.matchRequest(invite)).toBe(ist);
    let built = 0;
    ist.autoTrying(() => {
      built++;
      return buildResponseTo(invite, 100, { headers: [['X-Built-By', 'TU']] });
    });
    h.clock.advanceTo(200 * MS - 1);
    expect(built).toBe(0);
    h.clock.advanceTo(200 * MS);
    expect(built).toBe(1);
    const got = h.peerGot(100);
    expect(got.map((g) => g.at)).toEqual([200 * MS]);
    expect(got[0]!.msg.header('x-built-by')).toBe('TU');
    expect(events.find((e) => e.type === 'timer-start' && e.timer === 'Trying')).toMatchObject({
      due: 200 * MS,
    });
  });

  it('autoTrying() is cancelled by a response from the TU (timer-stop carries the due time)', () => {
    const h = setup(transport);
    const table = new TransactionTable();
    const events: TransactionEvent[] = [];
    const invite = parseMessage(makeRequest('INVITE', { transport, viaHost: '127.0.0.2:5060' }));
    const ist = new InviteServerTransaction(context(h, table, events), {}, invite, h.peerAddr, {
      trying: 'never',
    });
    ist.autoTrying(() => buildResponseTo(invite, 100));
    h.clock.advanceTo(50 * MS);
    expect(ist.respond(buildResponseTo(invite, 180, { toTag: 't' }), 180)).toBe(true);
    h.clock.advanceTo(1000 * MS);
    expect(h.peerGot(100)).toEqual([]);
    expect(events.find((e) => e.type === 'timer-stop' && e.timer === 'Trying')).toMatchObject({
      at: 50 * MS,
      due: 200 * MS,
    });
  });

  it('an INVITE client transaction made from bytes and a {branch, method} key builds its ACK for a 486 from those bytes (§17.1.1.3)', () => {
    const h = setup(transport);
    const table = new TransactionTable();
    const events: TransactionEvent[] = [];
    const bytes = makeRequest('INVITE', {
      transport,
      branch: 'z9hG4bKkey1',
      routes: ['<sip:p1.example;lr>'],
    });
    const ict = new InviteClientTransaction(
      context(h, table, events),
      {},
      { branch: 'z9hG4bKkey1', method: 'INVITE' },
      bytes,
      h.peerAddr,
    );
    table.addClient(ict);
    ict.start();
    h.clock.advanceBy(0);
    const sent = h.peerGot('INVITE')[0]!.msg;
    const resp = parseMessage(buildResponseTo(sent, 486, { toTag: 'busy' }));
    expect(table.matchResponse(resp)).toBe(ict);
    ict.receiveResponse(resp);
    h.clock.advanceBy(0);
    const ack = h.peerGot('ACK')[0]!.msg;
    expect(ack.branch).toBe('z9hG4bKkey1');
    expect(ack.toTag).toBe('busy');
    expect(ack.values('route')).toEqual(['<sip:p1.example;lr>']);
    expect(ict.request.callId).toBe(sent.callId);
    // Timer D ends it and the table forgets it.
    h.clock.advanceBy(64 * T1);
    expect(ict.state).toBe('terminated');
    expect(table.matchResponse(resp)).toBeUndefined();
  });

  it('a non-INVITE client transaction made from a key retransmits the exact bytes and is matched by branch and method', () => {
    const h = setup(transport);
    const table = new TransactionTable();
    const bytes = makeRequest('OPTIONS', { transport, branch: 'z9hG4bKkey2' });
    const nict = new NonInviteClientTransaction(
      context(h, table, []),
      {},
      { branch: 'z9hG4bKkey2', method: 'OPTIONS' },
      bytes,
      h.peerAddr,
    );
    table.addClient(nict);
    nict.start();
    h.clock.advanceBy(3 * T1); // sent at 0, T1, 3*T1 (Timer E doubling)
    const got = h.peerGot('OPTIONS');
    expect(got.length).toBe(transport === 'UDP' ? 3 : 1);
    expect(table.client('z9hG4bKkey2', 'OPTIONS')).toBe(nict);
    expect(table.client('z9hG4bKkey2', 'CANCEL')).toBeUndefined();
    expect(nict.requestBytes).toBe(bytes);
  });
});

describe('transaction ids given as a number (an element without events)', () => {
  it('a context with an empty id and seq n gives transactions the id T<n>, each its own', () => {
    const h = setup('UDP');
    const table = new TransactionTable();
    const shared: TransactionContext = {
      clock: h.clock,
      transport: h.local,
      timers: timerConfig(),
      id: '',
      seq: 41,
      onTerminated: table.forgetBound,
    };
    const invite = parseMessage(makeRequest('INVITE', { transport: 'UDP', viaHost: '127.0.0.2:5060' }));
    const a = new InviteServerTransaction(shared, {}, invite, h.peerAddr, { trying: 'never' });
    shared.seq = 42;
    const b = new NonInviteClientTransaction(
      shared,
      {},
      { branch: 'z9hG4bK-b', method: 'OPTIONS' },
      new Uint8Array(0),
      h.peerAddr,
    );
    expect(a.id).toBe('T41');
    expect(b.id).toBe('T42');
    // an id given as text is kept as it is
    const c = new InviteServerTransaction({ ...shared, id: 'X7', seq: 3 }, {}, invite, h.peerAddr, {
      trying: 'never',
    });
    expect(c.id).toBe('X7');
  });
});
