/**
 * The transaction table matches messages by RFC 3261 §17.1.3 / §17.2.3 keys hashed from the
 * message's bytes; it must find exactly what the string keys (`clientTransactionKey`,
 * `serverTransactionKey`) name, for every form of key: cookie branches with sent-by in any case,
 * ACK and CANCEL, RFC 2543 requests without a cookie, non-ASCII bytes, replaced and forgotten
 * transactions, and many transactions at once (chains and growth).
 */
import { describe, expect, it } from 'vitest';
import { buildResponseTo, parseMessage } from '../../../../src/sip-core/message';
import type { SipMessage } from '../../../../src/sip-core/message';
import {
  InviteServerTransaction,
  NonInviteClientTransaction,
  NonInviteServerTransaction,
  TransactionTable,
  serverTransactionKey,
  timerConfig,
} from '../../../../src/sip-core/stack/transaction';
import type { ServerTransaction, TransactionContext } from '../../../../src/sip-core/stack/transaction';
import { requestBranch, requestMethod } from '../../../../src/sip-core/stack/transaction/table';
import { makeRequest, setup } from './harness';

function ctx(h: ReturnType<typeof setup>, table: TransactionTable): TransactionContext {
  return {
    clock: h.clock,
    transport: h.local,
    timers: timerConfig(),
    id: 'T',
    onTerminated: table.forgetBound,
  };
}

const enc = new TextEncoder();

type Add = (table: TransactionTable, msg: SipMessage, tx: ServerTransaction) => void;
/** The two ways to add a server transaction: under its string key, or keyed by its request's bytes. */
const ADD: [string, Add][] = [
  ['addServer(serverTransactionKey)', (table, msg, tx) => table.addServer(serverTransactionKey(msg)!, tx)],
  ['addServerFor(msg)', (table, msg, tx) => table.addServerFor(msg, tx)],
];

describe('TransactionTable', () => {
  it.each(ADD)(
    'a server transaction (%s) is found by its request, its ACK (as INVITE) and a CANCEL asked as INVITE; sent-by case does not matter',
    (_how, add) => {
      const h = setup('UDP');
      const table = new TransactionTable();
      const invite = parseMessage(
        makeRequest('INVITE', { branch: 'z9hG4bKabc', viaHost: 'PC33.Atlanta.example.com:5060' }),
      );
      const ist = new InviteServerTransaction(ctx(h, table), {}, invite, h.peerAddr, { trying: 'never' });
      add(table, invite, ist);
      expect(table.server(serverTransactionKey(invite)!)).toBe(ist);
      expect(table.server(serverTransactionKey(invite)! + 'x')).toBeUndefined();
      expect(table.matchRequest(invite)).toBe(ist);
      const retransmission = parseMessage(
        makeRequest('INVITE', { branch: 'z9hG4bKabc', viaHost: 'pc33.atlanta.example.com:5060' }),
      );
      expect(table.matchRequest(retransmission)).toBe(ist);
      const ack = parseMessage(
        makeRequest('ACK', { branch: 'z9hG4bKabc', viaHost: 'pc33.ATLANTA.example.com:5060' }),
      );
      expect(table.matchRequest(ack)).toBe(ist);
      const cancel = parseMessage(
        makeRequest('CANCEL', { branch: 'z9hG4bKabc', viaHost: 'pc33.atlanta.example.com:5060' }),
      );
      expect(table.matchRequest(cancel)).toBeUndefined();
      expect(table.matchRequest(cancel, 'INVITE')).toBe(ist);
      // other branch, other sent-by, other port: no match (§17.2.3)
      for (const [branch, viaHost] of [
        ['z9hG4bKabd', 'pc33.atlanta.example.com:5060'],
        ['z9hG4bKabc', 'pc34.atlanta.example.com:5060'],
        ['z9hG4bKabc', 'pc33.atlanta.example.com:5061'],
        ['z9hG4bKab', 'pc33.atlanta.example.com:5060'],
      ] as const)
        expect(table.matchRequest(parseMessage(makeRequest('INVITE', { branch, viaHost })))).toBeUndefined();
    },
  );

  it.each(ADD)(
    'asking again for the same request (%s) sees transactions added and forgotten in between',
    (_how, add) => {
      const h = setup('UDP');
      const table = new TransactionTable();
      const req = parseMessage(makeRequest('INVITE', { branch: 'z9hG4bKmemo' }));
      expect(table.matchRequest(req)).toBeUndefined();
      const ist = new InviteServerTransaction(ctx(h, table), {}, req, h.peerAddr, { trying: 'never' });
      add(table, req, ist);
      expect(table.matchRequest(req)).toBe(ist);
      expect(table.matchRequest(req, 'CANCEL')).toBeUndefined();
      expect(table.matchRequest(req)).toBe(ist);
      table.forget(ist);
      expect(table.matchRequest(req)).toBeUndefined();
    },
  );

  it('RFC 2543 requests (no cookie) and non-ASCII branches match through their string keys', () => {
    const h = setup('UDP');
    const table = new TransactionTable();
    const old = parseMessage(makeRequest('OPTIONS', { branch: 'legacy1', callId: 'x@y' }));
    const nist = new NonInviteServerTransaction(ctx(h, table), {}, old, h.peerAddr);
    table.addServer(serverTransactionKey(old)!, nist);
    expect(serverTransactionKey(old)!.startsWith('2543|')).toBe(true);
    expect(
      table.matchRequest(parseMessage(makeRequest('OPTIONS', { branch: 'legacy1', callId: 'x@y' }))),
    ).toBe(nist);
    const text = new TextDecoder().decode(makeRequest('MESSAGE', { branch: 'z9hG4bKé1' }));
    const utf8 = parseMessage(enc.encode(text));
    expect(utf8.branch).toBe('z9hG4bKé1');
    const st = new NonInviteServerTransaction(ctx(h, table), {}, utf8, h.peerAddr);
    table.addServer(serverTransactionKey(utf8)!, st);
    expect(table.matchRequest(parseMessage(enc.encode(text)))).toBe(st);
  });

  it('a client transaction is found by its responses (branch and CSeq method), including non-ASCII branches', () => {
    const h = setup('UDP');
    const table = new TransactionTable();
    for (const branch of ['z9hG4bKc1', 'z9hG4bKé2', 'plain3']) {
      const bytes = makeRequest('BYE', { branch });
      const req = parseMessage(bytes);
      const tx = new NonInviteClientTransaction(
        ctx(h, table),
        {},
        { branch, method: 'BYE' },
        bytes,
        h.peerAddr,
      );
      table.addClient(tx);
      expect(table.matchResponse(parseMessage(buildResponseTo(req, 200)))).toBe(tx);
      expect(table.client(branch, 'BYE')).toBe(tx);
      expect(table.client(branch, 'CANCEL')).toBeUndefined();
      const other = parseMessage(makeRequest('CANCEL', { branch }));
      expect(table.matchResponse(parseMessage(buildResponseTo(other, 200)))).toBeUndefined();
    }
  });

  it.each(ADD)(
    'keeps thousands of transactions (%s), replaces one added again under its key, forgets each once',
    (_how, add) => {
      const h = setup('UDP');
      const table = new TransactionTable();
      const servers: NonInviteServerTransaction[] = [];
      const reqs = [];
      for (let i = 0; i < 3000; i++) {
        const req = parseMessage(makeRequest('OPTIONS', { branch: `z9hG4bK${i}x` }));
        const st = new NonInviteServerTransaction(ctx(h, table), {}, req, h.peerAddr);
        add(table, req, st);
        servers.push(st);
        reqs.push(req);
      }
      expect(table.size.servers).toBe(3000);
      for (let i = 0; i < 3000; i += 7) expect(table.matchRequest(reqs[i]!)).toBe(servers[i]);
      const again = new NonInviteServerTransaction(ctx(h, table), {}, reqs[5]!, h.peerAddr);
      add(table, reqs[5]!, again);
      expect(table.size.servers).toBe(3000);
      expect(table.matchRequest(reqs[5]!)).toBe(again);
      table.forget(servers[5]!); // replaced: forgetting it leaves the new one
      expect(table.matchRequest(reqs[5]!)).toBe(again);
      for (let i = 0; i < 3000; i += 2) table.forget(servers[i]!);
      table.forget(servers[0]!);
      expect(table.size.servers).toBe(1500);
      // every survivor is still found after the deletions moved entries back
      for (let i = 0; i < 3000; i++)
        expect(table.matchRequest(reqs[i]!)).toBe(i % 2 === 0 ? undefined : i === 5 ? again : servers[i]);
      expect(table.serverList).toHaveLength(1500);
    },
  );

  it('lingering records and live transactions share the slots: each is found until it ends or is forgotten, in any order', () => {
    const h = setup('UDP');
    const table = new TransactionTable();
    const lingerCtx = (): TransactionContext => ({ ...ctx(h, table), id: '', seq: 1, linger: table.linger });
    const n = 2400;
    const servers: NonInviteServerTransaction[] = [];
    const reqs: SipMessage[] = [];
    for (let i = 0; i < n; i++) {
      const req = parseMessage(makeRequest('OPTIONS', { branch: `z9hG4bK${(i * 7919) % 100000}r` }));
      // the element's order: the request looked up first, then its transaction added
      expect(table.matchRequest(req)).toBeUndefined();
      const st = new NonInviteServerTransaction(lingerCtx(), {}, req, h.peerAddr);
      table.addServerFor(req, st);
      servers.push(st);
      reqs.push(req);
    }
    // a third answered now (records ending at 64*T1), a third 10 s later (ending then), a third stays live
    for (let i = 0; i < n; i += 3) servers[i]!.respond(buildResponseTo(reqs[i]!, 200));
    h.clock.advanceBy(10_000_000);
    for (let i = 1; i < n; i += 3) servers[i]!.respond(buildResponseTo(reqs[i]!, 200));
    expect(table.linger.count).toBe(1600);
    // half of the live ones forgotten (their slots emptied between records')
    for (let i = 2; i < n; i += 6) table.forget(servers[i]!);
    expect(table.size.servers).toBe(2000);
    const state = (i: number): string | undefined => table.matchRequest(reqs[i]!)?.state;
    for (let i = 0; i < n; i++)
      expect(state(i)).toBe(i % 3 !== 2 ? 'completed' : i % 6 === 2 ? undefined : 'trying');
    for (let i = 5; i < n; i += 6) expect(table.matchRequest(reqs[i]!)).toBe(servers[i]);
    // the first records end (Timer J), the others are still found, and so are the live transactions
    h.clock.advanceBy(64 * 500_000 - 10_000_000 + 1);
    expect(table.linger.count).toBe(800);
    for (let i = 0; i < n; i++)
      expect(state(i)).toBe(i % 3 === 1 ? 'completed' : i % 6 === 5 ? 'trying' : undefined);
    h.clock.advanceBy(10_000_000);
    expect(table.linger.count).toBe(0);
    expect(table.size.servers).toBe(400);
    for (let i = 0; i < n; i++)
      expect(table.matchRequest(reqs[i]!)).toBe(i % 6 === 5 ? servers[i] : undefined);
    expect(table.serverList).toHaveLength(400);
  });

  it('a transaction added for a request just looked up replaces the one its key named (the lookup is not stale)', () => {
    const h = setup('UDP');
    const table = new TransactionTable();
    const req = parseMessage(makeRequest('BYE', { branch: 'z9hG4bKsame' }));
    const first = new NonInviteServerTransaction(ctx(h, table), {}, req, h.peerAddr);
    table.addServerFor(req, first);
    expect(table.matchRequest(req)).toBe(first);
    const second = new NonInviteServerTransaction(ctx(h, table), {}, req, h.peerAddr);
    table.addServerFor(req, second);
    expect(table.size.servers).toBe(1);
    expect(table.matchRequest(req)).toBe(second);
    // the INVITE server transaction of an INVITE looked up without a method, added as 'INVITE'
    const invite = parseMessage(makeRequest('INVITE', { branch: 'z9hG4bKinv' }));
    const a = new InviteServerTransaction(ctx(h, table), {}, invite, h.peerAddr, { trying: 'never' });
    table.addServerFor(invite, a, 'INVITE');
    expect(table.matchRequest(invite)).toBe(a);
    const b = new InviteServerTransaction(ctx(h, table), {}, invite, h.peerAddr, { trying: 'never' });
    table.addServerFor(invite, b, 'INVITE');
    expect(table.size.servers).toBe(2);
    expect(table.matchRequest(invite)).toBe(b);
    table.forget(a);
    expect(table.matchRequest(invite, 'INVITE')).toBe(b);
  });

  it('a server transaction keyed by a string still knows its branch after letting its request go', () => {
    const h = setup('UDP');
    const table = new TransactionTable();
    const req = parseMessage(makeRequest('OPTIONS', { branch: 'z9hG4bKstr1' }));
    const tx = new NonInviteServerTransaction(ctx(h, table), {}, req, h.peerAddr);
    table.addServer(serverTransactionKey(req)!, tx);
    tx.respond(buildResponseTo(req, 200, { toTag: 't' }));
    expect(tx.request).toBeNull();
    expect(tx.branch).toBe('z9hG4bKstr1');
    expect(table.matchRequest(parseMessage(makeRequest('OPTIONS', { branch: 'z9hG4bKstr1' })))).toBe(tx);
  });

  it('requestBranch and requestMethod read from the octets what the getters decode (other forms through them)', () => {
    const forms: Uint8Array[] = [
      makeRequest('INVITE', { branch: 'z9hG4bKoct1' }),
      makeRequest('SUBSCRIBE', { branch: 'z9hG4bK.x-1' }),
      makeRequest('FOO', { branch: 'legacy-2' }),
      makeRequest('Invite', { branch: 'z9hG4bKcase' }), // methods are case-sensitive (RFC 3261 §7.1)
      enc.encode(new TextDecoder().decode(makeRequest('MESSAGE', { branch: 'z9hG4bKé3' }))),
      enc.encode(
        'OPTIONS sip:b@b.example SIP/2.0\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n',
      ),
    ];
    for (const bytes of forms) {
      const msg = parseMessage(bytes);
      expect(requestBranch(msg)).toBe(msg.branch ?? '');
      expect(requestMethod(msg)).toBe(msg.method ?? '');
    }
  });

  it.each(['INVITE', 'OPTIONS'])(
    'a %s server transaction lets its request go with its final response and is still matched by its retransmissions',
    (method) => {
      const h = setup('UDP');
      const table = new TransactionTable();
      const bytes = makeRequest(method, {
        branch: `z9hG4bKfinal${method}`,
        viaHost: 'Host.example.com:5060',
      });
      const req = parseMessage(bytes);
      const tx =
        method === 'INVITE'
          ? new InviteServerTransaction(ctx(h, table), {}, req, h.peerAddr, { trying: 'never' })
          : new NonInviteServerTransaction(ctx(h, table), {}, req, h.peerAddr);
      table.addServerFor(req, tx);
      expect(tx.request).toBe(req);
      tx.respond(buildResponseTo(req, 180, { toTag: 't' }));
      expect(tx.request).toBe(req); // a provisional response is not final
      tx.respond(buildResponseTo(req, 486, { toTag: 't' }));
      expect(tx.request).toBeNull();
      expect(tx.branch).toBe(`z9hG4bKfinal${method}`); // made from the table's octets
      expect(table.matchRequest(parseMessage(bytes))).toBe(tx);
      expect(table.server(serverTransactionKey(req)!)).toBe(tx);
      if (method === 'INVITE') {
        // matched by its octets, it keeps no response for the RFC 2543 To tag comparison
        expect((tx as InviteServerTransaction).sentToTag).toBeNull();
        const ack = parseMessage(
          makeRequest('ACK', { branch: 'z9hG4bKfinalINVITE', viaHost: 'host.example.com:5060' }),
        );
        expect(table.matchRequest(ack)).toBe(tx);
      }
    },
  );
});
