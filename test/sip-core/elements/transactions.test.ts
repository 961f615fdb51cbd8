/**
 * The elements' transaction engine against RFC 3261 §17 (and RFC 6026), worded after the RFC.
 */
import { describe, expect, it } from 'vitest';
import { parseMessage, type SipMessage } from '../../../src/sip-core/message';
import { NO_EVENTS } from '../../../src/sip-core/elements/events';
import {
  ClientTransaction,
  DEFAULT_TIMERS,
  ServerTransaction,
  TransactionTable,
  type TransactionContext,
} from '../../../src/sip-core/elements/transactions';
import { VirtualClock } from '../../../src/sip-core/stack/clock';
import { MemoryNetwork, type TransportAddress } from '../../../src/sip-core/stack/transport';

const A: TransportAddress = { host: '192.0.2.1', port: 5060, transport: 'UDP' };
const B: TransportAddress = { host: '192.0.2.2', port: 5060, transport: 'UDP' };
const enc = new TextEncoder();

function request(method: string, branch = 'z9hG4bKabc'): Uint8Array {
  return enc.encode(
    `${method} sip:bob@192.0.2.2 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1:5060;branch=${branch}\r\nMax-Forwards: 70\r\n` +
      `From: <sip:alice@a.example>;tag=ft\r\nTo: <sip:bob@b.example>\r\nCall-ID: c1\r\nCSeq: 1 ${method}\r\nContent-Length: 0\r\n\r\n`,
  );
}
function response(status: number, method = 'INVITE', branch = 'z9hG4bKabc'): SipMessage {
  return parseMessage(
    enc.encode(
      `SIP/2.0 ${status} X\r\nVia: SIP/2.0/UDP 192.0.2.1:5060;branch=${branch}\r\nFrom: <sip:alice@a.example>;tag=ft\r\n` +
        `To: <sip:bob@b.example>;tag=tt\r\nCall-ID: c1\r\nCSeq: 1 ${method}\r\nContent-Length: 0\r\n\r\n`,
    ),
  );
}

function setup(transport: 'UDP' | 'TCP' = 'UDP') {
  const clock = new VirtualClock();
  const net = new MemoryNetwork(clock, 0);
  const a = net.bind({ ...A, transport });
  const b = net.bind({ ...B, transport });
  const got: string[] = [];
  b.setListener({
    onMessage: (bytes) =>
      got.push(`${clock.now() / 1000}:${parseMessage(bytes).method ?? parseMessage(bytes).status}`),
  });
  const ctx: TransactionContext = {
    node: 'A',
    clock,
    transport: a,
    events: NO_EVENTS,
    timers: DEFAULT_TIMERS,
  };
  const table = new TransactionTable();
  const up: string[] = [];
  const tu = {
    onResponse: (m: SipMessage) => up.push(`${clock.now() / 1000}:${m.status}`),
    onTimeout: () => up.push(`${clock.now() / 1000}:timeout`),
  };
  return { clock, net, a, b, got, ctx, table, up, tu };
}

describe('INVITE client transaction (RFC 3261 §17.1.1)', () => {
  it('over UDP retransmits on Timer A, doubling from T1, and reports a timeout when Timer B (64*T1) fires in Calling', () => {
    const s = setup();
    const t = new ClientTransaction(
      s.ctx,
      s.table,
      'z9hG4bKabc',
      'INVITE',
      request('INVITE'),
      { ...B },
      s.tu,
    );
    t.start();
    s.clock.runUntilIdle();
    expect(s.got).toEqual([
      '0:INVITE',
      '500:INVITE',
      '1500:INVITE',
      '3500:INVITE',
      '7500:INVITE',
      '15500:INVITE',
      '31500:INVITE',
    ]);
    expect(s.up).toEqual(['32000:timeout']);
    expect(t.state).toBe('terminated');
  });

  it('upon a provisional response in Calling it MUST move to Proceeding and stop retransmitting', () => {
    const s = setup();
    const t = new ClientTransaction(
      s.ctx,
      s.table,
      'z9hG4bKabc',
      'INVITE',
      request('INVITE'),
      { ...B },
      s.tu,
    );
    t.start();
    s.clock.advanceTo(600_000);
    t.receive(response(180));
    s.clock.advanceTo(40_000_000);
    expect(t.state).toBe('proceeding');
    expect(s.got).toEqual(['0:INVITE', '500:INVITE']);
    expect(s.up).toEqual(['600:180']);
  });

  it('upon a 300-699 it MUST go to Completed, send an ACK with the same branch, re-send it on a retransmitted final, and end after Timer D (32 s)', () => {
    const s = setup();
    const t = new ClientTransaction(
      s.ctx,
      s.table,
      'z9hG4bKabc',
      'INVITE',
      request('INVITE'),
      { ...B },
      s.tu,
    );
    const acks: SipMessage[] = [];
    s.b.setListener({ onMessage: (bytes) => acks.push(parseMessage(bytes)) });
    t.start();
    t.receive(response(486));
    expect(t.state).toBe('completed');
    t.receive(response(486));
    s.clock.advanceTo(31_999_000);
    expect(t.state).toBe('completed');
    s.clock.advanceTo(32_000_000);
    expect(t.state).toBe('terminated');
    const ack = acks.filter((m) => m.method === 'ACK');
    expect(ack.length).toBe(2);
    expect(ack[0]!.branch).toBe('z9hG4bKabc');
    expect(ack[0]!.toTag).toBe('tt');
    expect(ack[0]!.cseq).toBe(1);
    expect(ack[0]!.requestUri).toBe('sip:bob@192.0.2.2');
  });

  it('upon a 2xx it moves to Accepted (RFC 6026) and passes 2xx retransmissions up until Timer M', () => {
    const s = setup();
    const t = new ClientTransaction(
      s.ctx,
      s.table,
      'z9hG4bKabc',
      'INVITE',
      request('INVITE'),
      { ...B },
      s.tu,
    );
    t.start();
    t.receive(response(200));
    expect(t.state).toBe('accepted');
    t.receive(response(200));
    expect(s.up).toEqual(['0:200', '0:200']);
    s.clock.advanceTo(32_000_000);
    expect(t.state).toBe('terminated');
  });

  it('over a reliable transport it MUST NOT retransmit, and Timer D is 0', () => {
    const s = setup('TCP');
    const t = new ClientTransaction(
      s.ctx,
      s.table,
      'z9hG4bKabc',
      'INVITE',
      request('INVITE'),
      { ...B, transport: 'TCP' },
      s.tu,
    );
    t.start();
    s.clock.advanceTo(10_000_000);
    expect(s.got).toEqual(['0:INVITE']);
    t.receive(response(500));
    expect(t.state).toBe('terminated');
  });
});

describe('non-INVITE client transaction (RFC 3261 §17.1.2)', () => {
  it('retransmits on Timer E doubling up to T2, then every T2, and times out on Timer F', () => {
    const s = setup();
    const t = new ClientTransaction(
      s.ctx,
      s.table,
      'z9hG4bKn',
      'OPTIONS',
      request('OPTIONS', 'z9hG4bKn'),
      { ...B },
      s.tu,
    );
    t.start();
    s.clock.runUntilIdle();
    expect(s.got.map((g) => Number(g.split(':')[0]))).toEqual([
      0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500,
    ]);
    expect(s.up).toEqual(['32000:timeout']);
  });

  it('in Proceeding Timer E fires every T2; a final response moves it to Completed and Timer K (T4) ends it', () => {
    const s = setup();
    const t = new ClientTransaction(
      s.ctx,
      s.table,
      'z9hG4bKn',
      'OPTIONS',
      request('OPTIONS', 'z9hG4bKn'),
      { ...B },
      s.tu,
    );
    t.start();
    t.receive(response(100, 'OPTIONS', 'z9hG4bKn'));
    s.clock.advanceTo(5_000_000);
    expect(t.state).toBe('proceeding');
    t.receive(response(200, 'OPTIONS', 'z9hG4bKn'));
    expect(t.state).toBe('completed');
    s.clock.advanceBy(5_000_000);
    expect(t.state).toBe('terminated');
  });
});

describe('server transactions (RFC 3261 §17.2)', () => {
  function server(method: string, s: ReturnType<typeof setup>): ServerTransaction {
    const msg = parseMessage(request(method));
    return new ServerTransaction(
      s.ctx,
      s.table,
      TransactionTable.serverKey(msg),
      msg,
      { ...B },
      { onServerTimeout: () => s.up.push('H') },
    );
  }

  it('an INVITE server transaction sends 100 Trying when the TU is silent for 200 ms', () => {
    const s = setup();
    const st = server('INVITE', s);
    st.autoTrying(() => enc.encode('SIP/2.0 100 Trying\r\nContent-Length: 0\r\n\r\n'));
    s.clock.advanceTo(300_000);
    expect(s.got).toEqual(['200:100']);
  });

  it('a 300-699 is retransmitted on Timer G (T1 doubling to T2) until the ACK; the ACK moves it to Confirmed, Timer I ends it', () => {
    const s = setup();
    const st = server('INVITE', s);
    st.respond(enc.encode('SIP/2.0 486 Busy Here\r\nContent-Length: 0\r\n\r\n'), 486);
    s.clock.advanceTo(8_000_000);
    expect(s.got.map((g) => Number(g.split(':')[0]))).toEqual([0, 500, 1500, 3500, 7500]);
    st.ack();
    expect(st.state).toBe('confirmed');
    s.clock.advanceBy(5_000_000);
    expect(st.state).toBe('terminated');
  });

  it('without an ACK, Timer H (64*T1) ends the transaction and tells the TU', () => {
    const s = setup();
    const st = server('INVITE', s);
    st.respond(enc.encode('SIP/2.0 486 Busy Here\r\nContent-Length: 0\r\n\r\n'), 486);
    s.clock.runUntilIdle();
    expect(st.state).toBe('terminated');
    expect(s.up).toEqual(['H']);
  });

  it('a 2xx moves the INVITE server transaction to Accepted and Timer L ends it (RFC 6026)', () => {
    const s = setup();
    const st = server('INVITE', s);
    st.respond(enc.encode('SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n'), 200);
    expect(st.state).toBe('accepted');
    s.clock.advanceTo(32_000_000);
    expect(st.state).toBe('terminated');
  });

  it('a non-INVITE server transaction re-sends its final response on a retransmission and ends after Timer J', () => {
    const s = setup();
    const st = server('OPTIONS', s);
    st.respond(enc.encode('SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n'), 200);
    st.retransmission();
    s.clock.advanceBy(1);
    expect(s.got.length).toBe(2);
    s.clock.advanceTo(31_999_000);
    expect(st.state).toBe('completed');
    s.clock.advanceTo(32_000_000);
    expect(st.state).toBe('terminated');
  });
});
