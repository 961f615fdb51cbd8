import { describe, expect, it } from 'vitest';
import { buildRequest, buildResponseTo, parseMessage } from '../../../../src/sip-core/message';
import { SeededIdSource } from '../../../../src/sip-core/stack/clock';
import {
  buildCancel,
  responseDestination,
  responseStatus,
  serverTransactionKey,
  splitHostPort,
} from '../../../../src/sip-core/stack/transaction';
import type {
  InviteClientTransaction,
  InviteServerTransaction,
} from '../../../../src/sip-core/stack/transaction';
import { makeRequest, SECOND, setup } from './harness';

describe('client transaction matching (RFC 3261 §17.1.3)', () => {
  it('a response matches by top Via branch AND CSeq method: the 200 for CANCEL does not reach the INVITE transaction', () => {
    const h = setup('UDP');
    const inviteBytes = makeRequest('INVITE');
    const ict = h.layer.sendRequest(inviteBytes, h.peerAddr) as InviteClientTransaction;
    h.peerReplies(ict.request, 180);
    h.clock.advanceBy(0);
    const cancel = h.layer.sendRequest(buildCancel(ict.request), h.peerAddr);
    expect(cancel.kind).toBe('non-invite-client');
    expect(cancel.branch).toBe(ict.branch);
    h.clock.advanceBy(0);
    const cancelAtPeer = h.peerGot('CANCEL')[0]!.msg;
    h.peerReplies(cancelAtPeer, 200);
    h.peerReplies(ict.request, 487);
    h.clock.advanceBy(0);
    expect(cancel.state).toBe('completed');
    expect(ict.state).toBe('completed');
    expect(h.user.responses.map((r) => `${r.status} ${r.cseqMethod}`)).toEqual([
      '180 INVITE',
      '200 CANCEL',
      '487 INVITE',
    ]);
  });

  it('a response with an unknown branch goes to onStrayResponse', () => {
    const h = setup('UDP');
    h.peerReplies(parseMessage(makeRequest('INVITE', { branch: 'z9hG4bKnobody' })), 200);
    h.clock.advanceBy(0);
    expect(h.user.calls()).toEqual(['stray-response 200']);
  });

  it('a 2xx retransmission after Timer M is a stray response for the TU core', () => {
    const h = setup('UDP');
    const ict = h.layer.sendRequest(makeRequest('INVITE'), h.peerAddr) as InviteClientTransaction;
    h.peerReplies(ict.request, 200);
    h.clock.advanceTo(40 * SECOND);
    h.peerReplies(ict.request, 200);
    h.clock.advanceBy(0);
    expect(h.user.calls()).toEqual(['response 200', 'stray-response 200']);
  });

  it('sendRequest refuses an ACK and a request without a branch (TU bugs, not wire input)', () => {
    const h = setup('UDP');
    expect(() => h.layer.sendRequest(makeRequest('ACK'), h.peerAddr)).toThrow(/sendStateless/);
    const noVia = buildRequest({
      method: 'OPTIONS',
      uri: 'sip:a@b',
      headers: [
        ['CSeq', '1 OPTIONS'],
        ['Call-ID', 'x'],
      ],
    });
    expect(() => h.layer.sendRequest(noVia, h.peerAddr)).toThrow(/branch/);
  });
});

describe('server transaction matching (RFC 3261 §17.2.3)', () => {
  it('a retransmission (same branch, sent-by, method) matches; the same branch from another sent-by is a new transaction', () => {
    const h = setup('UDP');
    const a = makeRequest('OPTIONS', { branch: 'z9hG4bKsame', viaHost: '127.0.0.2:5060' });
    const b = makeRequest('OPTIONS', { branch: 'z9hG4bKsame', viaHost: '127.0.0.3:5060' });
    h.peerSends(a);
    h.peerSends(a);
    h.peerSends(b);
    h.clock.advanceBy(0);
    expect(h.user.calls()).toEqual(['new-request OPTIONS', 'new-request OPTIONS']);
    expect(h.layer.serverTransactions).toHaveLength(2);
  });

  it('sent-by is compared case-insensitively', () => {
    const h = setup('UDP');
    h.peerSends(makeRequest('OPTIONS', { branch: 'z9hG4bKcase', viaHost: 'PC33.Atlanta.COM' }));
    h.peerSends(makeRequest('OPTIONS', { branch: 'z9hG4bKcase', viaHost: 'pc33.atlanta.com' }));
    h.clock.advanceBy(0);
    expect(h.user.calls()).toEqual(['new-request OPTIONS']);
  });

  it('the ACK for a non-2xx matches the INVITE server transaction; the ACK for a 2xx (new branch) is a stray ACK', () => {
    const h = setup('UDP');
    h.peerSends(makeRequest('INVITE', { branch: 'z9hG4bKinv', viaHost: '127.0.0.2:5060', callId: 'c1' }));
    h.peerSends(makeRequest('INVITE', { branch: 'z9hG4bKinv2', viaHost: '127.0.0.2:5060', callId: 'c2' }));
    h.clock.advanceBy(0);
    const [first, second] = h.user.newRequests.map(
      (r) => r as { tx: InviteServerTransaction; request: ReturnType<typeof parseMessage> },
    );
    first!.tx.respond(buildResponseTo(first!.request, 486, { toTag: 't' }));
    second!.tx.respond(buildResponseTo(second!.request, 200, { toTag: 't2' }));
    h.peerSends(
      makeRequest('ACK', { branch: 'z9hG4bKinv', viaHost: '127.0.0.2:5060', callId: 'c1', toTag: 't' }),
    );
    h.peerSends(
      makeRequest('ACK', { branch: 'z9hG4bKack2xx', viaHost: '127.0.0.2:5060', callId: 'c2', toTag: 't2' }),
    );
    h.clock.advanceBy(0);
    expect(first!.tx.state).toBe('confirmed');
    expect(h.user.calls()).toEqual(['new-request INVITE', 'new-request INVITE', 'stray-ack z9hG4bKack2xx']);
  });

  it('a CANCEL creates its own non-INVITE server transaction and matchCancel finds the INVITE it cancels (§9.2)', () => {
    const h = setup('UDP');
    const invite = makeRequest('INVITE', { branch: 'z9hG4bKcan', viaHost: '127.0.0.2:5060' });
    h.peerSends(invite);
    h.clock.advanceBy(0);
    h.peerSends(buildCancel(parseMessage(invite)));
    h.peerSends(
      buildCancel(parseMessage(makeRequest('INVITE', { branch: 'z9hG4bKother', viaHost: '127.0.0.2:5060' }))),
    );
    h.clock.advanceBy(0);
    const [inv, cancel, orphan] = h.user.newRequests;
    expect(cancel!.tx.kind).toBe('non-invite-server');
    expect(h.layer.matchCancel(cancel!.request)).toBe(inv!.tx);
    expect(h.layer.matchCancel(orphan!.request)).toBeNull();
  });

  it('RFC 2543 fallback: without the magic cookie, requests match by Request-URI, From tag, Call-ID, CSeq and top Via; the ACK also by To tag', () => {
    const h = setup('UDP');
    const old = makeRequest('INVITE', { branch: 'oldstyle1', viaHost: '127.0.0.2:5060', callId: 'rfc2543' });
    h.peerSends(old);
    h.peerSends(old);
    h.clock.advanceBy(0);
    expect(h.user.calls()).toEqual(['new-request INVITE']);
    const { tx, request } = h.user.newRequests[0]!;
    expect(serverTransactionKey(request)).toMatch(
      /^2543\|sip:bob@b.example\|from1\|rfc2543\|1\|INVITE\|SIP\/2.0\/UDP 127.0.0.2:5060;branch=oldstyle1$/,
    );
    tx.respond(buildResponseTo(request, 404, { toTag: 'mine' }));
    h.peerSends(
      makeRequest('ACK', {
        branch: 'oldstyle1',
        viaHost: '127.0.0.2:5060',
        callId: 'rfc2543',
        toTag: 'other',
      }),
    );
    h.clock.advanceBy(0);
    expect(tx.state).toBe('completed');
    h.peerSends(
      makeRequest('ACK', {
        branch: 'oldstyle1',
        viaHost: '127.0.0.2:5060',
        callId: 'rfc2543',
        toTag: 'mine',
      }),
    );
    h.clock.advanceBy(0);
    expect(tx.state).toBe('confirmed');
    expect(h.user.calls()).toEqual(['new-request INVITE', 'stray-ack oldstyle1']);
  });

  it('bytes that are not a usable request go to onInvalidMessage, never throw', () => {
    const h = setup('UDP');
    h.peerSends(new TextEncoder().encode('garbage\r\n\r\n'));
    h.peerSends(
      buildRequest({
        method: 'OPTIONS',
        uri: 'sip:x@y',
        headers: [['Via', 'SIP/2.0/UDP h;branch=z9hG4bKq']],
      }),
    );
    h.peerSends(new Uint8Array(0));
    h.clock.advanceBy(0);
    expect(h.user.calls().every((c) => c === 'invalid' || c === 'new-request OPTIONS')).toBe(true);
    expect(h.user.calls()[0]).toBe('invalid');
  });

  it('terminated transactions are forgotten', () => {
    const h = setup('UDP');
    for (let i = 0; i < 5; i++) h.peerSends(makeRequest('OPTIONS', { viaHost: '127.0.0.2:5060' }));
    h.clock.advanceBy(0);
    for (const { tx, request } of h.user.newRequests)
      tx.respond(buildResponseTo(request, 200, { toTag: 'x' }));
    expect(h.layer.serverTransactions).toHaveLength(5);
    h.clock.advanceTo(33 * SECOND);
    expect(h.layer.serverTransactions).toHaveLength(0);
    expect(h.clock.pendingCount).toBe(0);
  });
});

describe('response destination (RFC 3261 §18.2.2, RFC 3581)', () => {
  const src = { host: '198.51.100.7', port: 40000, transport: 'UDP' as const };
  const req = (via: string) =>
    parseMessage(
      buildRequest({
        method: 'OPTIONS',
        uri: 'sip:x@y',
        headers: [
          ['Via', via],
          ['CSeq', '1 OPTIONS'],
          ['Call-ID', 'c'],
        ],
      }),
    );
  it.each([
    ['SIP/2.0/UDP 198.51.100.7:5062;branch=z9hG4bK1', '198.51.100.7', 5062],
    ['SIP/2.0/UDP 198.51.100.7;branch=z9hG4bK1', '198.51.100.7', 5060],
    ['SIP/2.0/UDP 10.0.0.5:5062;branch=z9hG4bK1', '198.51.100.7', 5062],
    ['SIP/2.0/UDP 10.0.0.5:5062;branch=z9hG4bK1;rport', '198.51.100.7', 40000],
    ['SIP/2.0/UDP 10.0.0.5:5062;branch=z9hG4bK1;received=203.0.113.1', '203.0.113.1', 5062],
    ['SIP/2.0/UDP [2001:db8::1]:5070;branch=z9hG4bK1', '198.51.100.7', 5070],
  ])('Via %s → %s:%i', (via, host, port) => {
    expect(responseDestination(req(via), src)).toEqual({ host, port, transport: 'UDP' });
  });

  it('over a reliable transport the response goes back to the source (the connection)', () => {
    const tcp = { ...src, transport: 'TCP' as const };
    expect(responseDestination(req('SIP/2.0/TCP 10.0.0.5:5062;branch=z9hG4bK1'), tcp)).toEqual(tcp);
  });

  it('splitHostPort handles names, IPv4 and bracketed IPv6', () => {
    expect(splitHostPort('a.example:5061')).toEqual({ host: 'a.example', port: 5061 });
    expect(splitHostPort('[::1]:5060')).toEqual({ host: '::1', port: 5060 });
    expect(splitHostPort('[::1]')).toEqual({ host: '::1', port: null });
    expect(splitHostPort('host')).toEqual({ host: 'host', port: null });
  });
});

describe('CANCEL construction (RFC 3261 §9.1)', () => {
  it('copies Request-URI, Call-ID, To, From, CSeq number, the top Via only and the Routes', () => {
    const ids = new SeededIdSource(3);
    const invite = parseMessage(
      buildRequest({
        method: 'INVITE',
        uri: 'sip:bob@b.example',
        headers: [
          ['Via', `SIP/2.0/UDP 127.0.0.1:5060;branch=${ids.branch()}`],
          ['Via', 'SIP/2.0/UDP 127.0.0.9:5060;branch=z9hG4bKlower'],
          ['Route', '<sip:p.example;lr>'],
          ['Max-Forwards', '69'],
          ['From', '<sip:a@a.example>;tag=1'],
          ['To', '<sip:bob@b.example>'],
          ['Call-ID', 'cid'],
          ['CSeq', '314 INVITE'],
        ],
        body: 'v=0\r\n',
      }),
    );
    const c = parseMessage(buildCancel(invite));
    expect([c.method, c.requestUri, c.callId, c.cseq, c.cseqMethod]).toEqual([
      'CANCEL',
      'sip:bob@b.example',
      'cid',
      314,
      'CANCEL',
    ]);
    expect(c.values('via')).toEqual([invite.values('via')[0]]);
    expect(c.headerAll('route')).toEqual(['<sip:p.example;lr>']);
    expect([c.header('from'), c.header('to'), c.maxForwards, c.bodyLength]).toEqual([
      '<sip:a@a.example>;tag=1',
      '<sip:bob@b.example>',
      70,
      0,
    ]);
  });
});

describe('helpers', () => {
  it('responseStatus reads the status line without parsing the message', () => {
    const req = parseMessage(makeRequest('OPTIONS'));
    expect(responseStatus(buildResponseTo(req, 486))).toBe(486);
    expect(responseStatus(buildResponseTo(req, 100))).toBe(100);
    expect(responseStatus(new TextEncoder().encode('\r\nSIP/2.0 699 X\r\n\r\n'))).toBe(699);
    expect(responseStatus(new TextEncoder().encode('SIP/2.0 099 X\r\n'))).toBe(0);
    expect(responseStatus(makeRequest('OPTIONS'))).toBe(0);
    expect(responseStatus(new Uint8Array(0))).toBe(0);
    expect(responseStatus(parseMessage(buildResponseTo(req, 183)))).toBe(183);
  });

  it('a transport failure reported after sending terminates the client transactions towards that destination (§17.1.4)', () => {
    const h = setup('UDP');
    const tx = h.layer.sendRequest(makeRequest('OPTIONS'), h.peerAddr);
    const other = h.layer.sendRequest(makeRequest('OPTIONS'), { ...h.peerAddr, port: 5070 });
    h.layer.onTransportError(h.peerAddr, 'ICMP port unreachable');
    expect(tx.state).toBe('terminated');
    expect(other.state).toBe('terminated'); // no endpoint at :5070 failed at once
    expect(h.user.calls().filter((c) => c.includes('ICMP'))).toEqual([
      'transport-error ICMP port unreachable',
    ]);
  });
});

describe('bindUser', () => {
  it('later upcalls of a server transaction go to the TU it was handed to', () => {
    const h = setup('UDP');
    h.peerSends(makeRequest('INVITE', { viaHost: '127.0.0.2:5060', branch: 'z9hG4bKbind' }));
    h.clock.advanceBy(0);
    const { tx, request } = h.user.newRequests[0]!;
    const other: string[] = [];
    tx.bindUser({
      onTimeout: (_t, timer) => void other.push(`timeout ${timer}`),
      onStateChange: (_t, a, b) => void other.push(`${a}->${b}`),
    });
    tx.respond(buildResponseTo(request, 486, { toTag: 'x' }));
    h.clock.advanceTo(64 * 500_000);
    expect(other).toEqual(['proceeding->completed', 'timeout H', 'completed->terminated']);
    expect(h.user.calls()).toEqual(['new-request INVITE']);
  });
});
