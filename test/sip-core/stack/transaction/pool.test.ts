/**
 * Pooled transactions (TransactionPool, context `recycle`): a terminated transaction is released to
 * its pool (references dropped, generation bumped) and made again for a later request; made again,
 * it must behave exactly as a new one (same states, timers, sends, events), and a TU holding the old
 * reference can tell it is stale. Without `recycle` nothing changes.
 */
import { describe, expect, it } from 'vitest';
import { buildResponseTo, parseMessage } from '../../../../src/sip-core/message';
import type { SipMessage } from '../../../../src/sip-core/message';
import { VirtualClock } from '../../../../src/sip-core/stack/clock';
import { MemoryNetwork } from '../../../../src/sip-core/stack/transport';
import type { TransportAddress } from '../../../../src/sip-core/stack/transport';
import {
  DEFAULT_TIMERS,
  InviteServerTransaction,
  NonInviteClientTransaction,
  TransactionPool,
  isCurrent,
} from '../../../../src/sip-core/stack/transaction';
import type {
  TransactionContext,
  TransactionEvent,
  TransactionInfo,
  TransactionUser,
} from '../../../../src/sip-core/stack/transaction';
import { T1, T4, makeRequest } from './harness';

const here: TransportAddress = { host: '127.0.0.1', port: 5060, transport: 'UDP' };
const peer: TransportAddress = { host: '127.0.0.2', port: 5060, transport: 'UDP' };

function world(withPool: boolean) {
  const clock = new VirtualClock();
  const net = new MemoryNetwork(clock, 1000);
  const local = net.bind(here);
  const remote = net.bind(peer);
  const got: { at: number; msg: SipMessage }[] = [];
  remote.setListener({ onMessage: (b) => got.push({ at: clock.now(), msg: parseMessage(b) }) });
  const events: TransactionEvent[] = [];
  const pool = new TransactionPool();
  let seq = 0;
  const ctx = (): TransactionContext => ({
    clock,
    transport: local,
    timers: DEFAULT_TIMERS,
    id: `T${++seq}`,
    emit: (e) => events.push(e),
    recycle: withPool ? pool : undefined,
  });
  const upcalls: string[] = [];
  const tu: TransactionUser = {
    onResponse: (_t: TransactionInfo, r: SipMessage) => upcalls.push(`response ${r.status}`),
    onTimeout: (_t: TransactionInfo, timer) => upcalls.push(`timeout ${timer}`),
    onStateChange: (_t: TransactionInfo, from, to) => upcalls.push(`${from}->${to}`),
  };
  return { clock, net, local, remote, got, events, pool, ctx, tu, upcalls };
}

/** An INVITE server transaction's life: 180, 200, Timer L; returns the transaction. */
function istLife(w: ReturnType<typeof world>, branch: string): InviteServerTransaction {
  const req = parseMessage(makeRequest('INVITE', { branch }));
  const tx = w.pool.inviteServer(w.ctx(), w.tu, req, peer, { trying: 'auto' });
  w.clock.advanceBy(300_000); // the automatic 100 Trying fires at 200 ms
  tx.respond(buildResponseTo(req, 180, { toTag: 'b' }));
  tx.respond(buildResponseTo(req, 200, { toTag: 'b' }));
  w.clock.advanceBy(64 * T1 + 1);
  return tx;
}

/** A non-INVITE client transaction's life: sent, Timer E twice, 200, Timer K. */
function nictLife(w: ReturnType<typeof world>, branch: string): NonInviteClientTransaction {
  const bytes = makeRequest('BYE', { branch });
  const tx = w.pool.nonInviteClient(w.ctx(), w.tu, { branch, method: 'BYE' }, bytes, peer);
  tx.start();
  w.clock.advanceBy(T1 + 2 * T1 + 1000);
  w.remote.send(buildResponseTo(parseMessage(bytes), 200, { toTag: 'b' }), here);
  w.local.setListener({ onMessage: (b) => tx.receiveResponse(parseMessage(b)) });
  w.clock.advanceBy(T4 + 10_000);
  return tx;
}

/**
 * Events without the transaction ids (a reused object gets a new id, as a new one would), times from
 * `t0`, sent bytes by length (the branches differ).
 */
function shape(events: TransactionEvent[], t0: number): string[] {
  return events.map((e) =>
    JSON.stringify({
      ...e,
      tx: '',
      at: e.at - t0,
      ...('due' in e ? { due: e.due - t0 } : {}),
      ...('bytes' in e ? { bytes: e.bytes.length } : {}),
    }),
  );
}

describe('TransactionPool', () => {
  it('releases a terminated INVITE server transaction and makes it again like a new one', () => {
    const w = world(true);
    const first = istLife(w, 'z9hG4bKpool1');
    expect(first.state).toBe('terminated');
    expect(first.generation).toBe(1);
    expect(first.request).toBeNull();
    expect(first.userData).toBeNull();
    expect(w.pool.free).toBe(1);
    const firstEvents = shape(w.events.splice(0), 0);
    const sentFirst = w.got.splice(0).map((g) => [g.at, g.msg.status]);

    const t0 = w.clock.now();
    const second = istLife(w, 'z9hG4bKpool2');
    expect(second).toBe(first); // the same object, made again
    expect(w.pool.reused).toBe(1);
    expect(isCurrent(second, 1)).toBe(false); // terminated again, released again
    expect(second.generation).toBe(2);
    expect(shape(w.events, t0)).toEqual(firstEvents);
    expect(w.got.map((g) => [g.at - t0, g.msg.status])).toEqual(sentFirst);
  });

  it('a reused object ends the same as a new one (events, sends, upcalls), for a client transaction with retransmissions', () => {
    const fresh = world(false);
    nictLife(fresh, 'z9hG4bKa');
    const pooled = world(true);
    const warm = nictLife(pooled, 'z9hG4bKb'); // released, then made again for the same life
    pooled.events.length = 0;
    pooled.upcalls.length = 0;
    pooled.got.length = 0;
    const start = pooled.clock.now();
    const again = nictLife(pooled, 'z9hG4bKa');
    expect(again).toBe(warm);
    expect(shape(pooled.events, start)).toEqual(shape(fresh.events, 0));
    expect(pooled.upcalls).toEqual(fresh.upcalls);
    expect(pooled.got.map((g) => [g.at - start, g.msg.method, g.msg.branch])).toEqual(
      fresh.got.map((g) => [g.at, g.msg.method, g.msg.branch]),
    );
  });

  it('the generation tells a TU that its reference now serves another request', () => {
    const w = world(true);
    const bytes = makeRequest('OPTIONS', { branch: 'z9hG4bKg1' });
    const tx = w.pool.nonInviteClient(w.ctx(), w.tu, { branch: 'z9hG4bKg1', method: 'OPTIONS' }, bytes, peer);
    tx.start();
    const gen = tx.generation;
    expect(isCurrent(tx, gen)).toBe(true);
    w.clock.advanceBy(64 * T1 + 1); // Timer F: terminated, released
    expect(w.upcalls).toContain('timeout F');
    expect(isCurrent(tx, gen)).toBe(false);
    const next = w.pool.nonInviteClient(
      w.ctx(),
      w.tu,
      { branch: 'z9hG4bKg2', method: 'OPTIONS' },
      makeRequest('OPTIONS', { branch: 'z9hG4bKg2' }),
      peer,
    );
    expect(next).toBe(tx);
    expect(next.branch).toBe('z9hG4bKg2');
    expect(next.state).toBe('trying');
    expect(next.runningTimers).toEqual([]);
    expect(isCurrent(tx, gen)).toBe(false); // same object, another generation
    expect(isCurrent(next, next.generation)).toBe(true);
  });

  it('without recycle a terminated transaction is not released (generation 0, references kept)', () => {
    const w = world(false);
    const tx = istLife(w, 'z9hG4bKnopool');
    expect(tx.state).toBe('terminated');
    expect(tx.generation).toBe(0);
    expect(w.pool.free).toBe(0);
    expect(tx.branch).toBe('z9hG4bKnopool');
  });

  it('timers of the released transaction never reach the one made again from it', () => {
    const w = world(true);
    const req = parseMessage(makeRequest('INVITE', { branch: 'z9hG4bKt1' }));
    const tx = w.pool.inviteServer(w.ctx(), w.tu, req, peer, { trying: 'auto' });
    // a transport error terminates it while its 100 Trying timer runs
    tx.onTransportFailure('unreachable');
    expect(tx.generation).toBe(1);
    const again = w.pool.inviteServer(
      w.ctx(),
      w.tu,
      parseMessage(makeRequest('INVITE', { branch: 'z9hG4bKt2' })),
      peer,
      { trying: 'never' },
    );
    expect(again).toBe(tx);
    w.clock.advanceBy(1_000_000);
    expect(w.got).toHaveLength(0); // no 100 Trying: the old timer was stopped, the new one never started
    expect(again.state).toBe('proceeding');
  });
});

void InviteServerTransaction;
