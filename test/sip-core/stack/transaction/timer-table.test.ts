/**
 * RFC 3261 Table 4 (plus RFC 6026 L and M, and §16.6 Timer C) as data: each timer's first
 * duration, read from the timer-start events, on unreliable and reliable transports.
 */
import { describe, expect, it } from 'vitest';
import { buildResponseTo } from '../../../../src/sip-core/message';
import type {
  InviteClientTransaction,
  TimerName,
  TransactionEvent,
} from '../../../../src/sip-core/stack/transaction';
import { makeRequest, SECOND, setup, T1, T4 } from './harness';

/** [timer, meaning, UDP value, TCP value (null: not started)] */
const TABLE_4: [TimerName, string, number, number | null][] = [
  ['A', 'INVITE request retransmit interval, for UDP only', T1, null],
  ['B', 'INVITE transaction timeout timer', 64 * T1, 64 * T1],
  ['C', 'proxy INVITE transaction timeout', 180 * SECOND, 180 * SECOND],
  ['D', 'Wait time for response retransmits', 32 * SECOND, 0],
  ['E', 'non-INVITE request retransmit interval, UDP only', T1, null],
  ['F', 'non-INVITE transaction timeout timer', 64 * T1, 64 * T1],
  ['G', 'INVITE response retransmit interval', T1, null],
  ['H', 'Wait time for ACK receipt', 64 * T1, 64 * T1],
  ['I', 'Wait time for ACK retransmits', T4, 0],
  ['J', 'Wait time for non-INVITE request retransmits', 64 * T1, 0],
  ['K', 'Wait time for response retransmits', T4, 0],
  ['L', 'Wait time for accepted INVITE request retransmits (RFC 6026)', 64 * T1, 64 * T1],
  [
    'M',
    'Wait time for retransmission of 2xx to INVITE or additional 2xx from other branches (RFC 6026)',
    64 * T1,
    64 * T1,
  ],
];

/** Drives every machine through the states that start every timer, and collects the timer-start events. */
function firstDurations(transport: 'UDP' | 'TCP'): Map<TimerName, number> {
  const events: TransactionEvent[] = [];
  const run = (f: (h: ReturnType<typeof setup>) => void): void => {
    const h = setup(transport);
    f(h);
    h.clock.runUntilIdle(10_000);
    events.push(...h.events);
  };
  // INVITE client: A, B, C (proxy), D (after 486), and M (after 200) on a second one.
  run((h) => {
    const tx = h.layer.sendRequest(makeRequest('INVITE', { transport }), h.peerAddr, {
      timerC: true,
    }) as InviteClientTransaction;
    h.peerReplies(tx.request, 486);
  });
  run((h) => {
    const tx = h.layer.sendRequest(
      makeRequest('INVITE', { transport }),
      h.peerAddr,
    ) as InviteClientTransaction;
    h.peerReplies(tx.request, 200);
  });
  // Non-INVITE client: E, F, K.
  run((h) => {
    const tx = h.layer.sendRequest(makeRequest('OPTIONS', { transport }), h.peerAddr);
    h.peerReplies((tx as InviteClientTransaction).request, 200);
  });
  // INVITE server: G, H, I (486 + ACK), and L (200).
  for (const status of [486, 200]) {
    run((h) => {
      h.peerSends(
        makeRequest('INVITE', {
          transport,
          viaHost: '127.0.0.2:5060',
          branch: `z9hG4bKt4${status}`,
          callId: `t4-${status}`,
        }),
      );
      h.clock.advanceBy(0);
      const { tx, request } = h.user.newRequests[0]!;
      tx.respond(buildResponseTo(request, status, { toTag: 't' }));
      h.peerSends(
        makeRequest('ACK', {
          transport,
          viaHost: '127.0.0.2:5060',
          branch: `z9hG4bKt4${status}`,
          callId: `t4-${status}`,
          toTag: 't',
        }),
      );
    });
  }
  // Non-INVITE server: J.
  run((h) => {
    h.peerSends(makeRequest('OPTIONS', { transport, viaHost: '127.0.0.2:5060' }));
    h.clock.advanceBy(0);
    const { tx, request } = h.user.newRequests[0]!;
    tx.respond(buildResponseTo(request, 200, { toTag: 't' }));
  });
  const first = new Map<TimerName, number>();
  for (const e of events) if (e.type === 'timer-start' && !first.has(e.timer)) first.set(e.timer, e.duration);
  return first;
}

describe.each(['UDP', 'TCP'] as const)('RFC 3261 Table 4 over %s', (transport) => {
  const durations = firstDurations(transport);
  it.each(TABLE_4)('Timer %s (%s)', (timer, _meaning, udp, tcp) => {
    const expected = transport === 'UDP' ? udp : tcp;
    if (expected === null) expect(durations.has(timer)).toBe(false);
    else expect(durations.get(timer)).toBe(expected);
  });
});
