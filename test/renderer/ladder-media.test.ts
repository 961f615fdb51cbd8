/**
 * RTP streams on the ladder: each stream an arrow at its first packet among the call's messages,
 * its ends on the lanes of the hosts' SIP addresses (a phone's media port is not its SIP port), a
 * lane of its own for a media-only host, a negative id a message never has.
 */
import { describe, expect, it } from 'vitest';
import type { MediaStreamDto, MessageRow } from '../../src/shared/api';
import {
  arrowClass,
  buildLadder,
  describeArrow,
  mediaAddress,
  mediaArrowId,
  mediaLabel,
  mediaStreamIndex,
  mediaTitle,
} from '../../src/renderer/src/lib/ladder/ladder-model';
import { mediaUntil } from '../../src/renderer/src/lib/scenarios/scenario-player.svelte';

function row(id: number, src: string, dst: string, time: number, p: Partial<MessageRow> = {}): MessageRow {
  return {
    id,
    frame: id + 1,
    time,
    src,
    dst,
    transport: 'UDP',
    kind: 'request',
    method: 'INVITE',
    requestUri: null,
    status: null,
    reason: null,
    callId: 'c1',
    cseq: 1,
    cseqMethod: 'INVITE',
    fromTag: null,
    toTag: null,
    body: null,
    diagnostics: 0,
    maxSeverity: null,
    transaction: null,
    dialog: null,
    call: 'C1',
    retransmission: false,
    ...p,
  };
}

function stream(
  index: number,
  src: string,
  srcPort: number,
  dst: string,
  dstPort: number,
  start: number,
  p: Partial<MediaStreamDto> = {},
): MediaStreamDto {
  return {
    index,
    call: 'C1',
    direction: 'forward',
    announced: true,
    src,
    srcPort,
    dst,
    dstPort,
    ssrc: '0x0000BEEF',
    payloadTypes: [0],
    codecs: ['PCMU'],
    packets: 500,
    expected: 500,
    lost: 0,
    lossPercent: 0,
    sequenceErrors: 0,
    lateOrDuplicate: 0,
    timestampErrors: 0,
    markers: 1,
    payloadBytes: 80_000,
    firstFrame: 10,
    lastFrame: 900,
    start,
    end: start + 10,
    delta: { min: 19.9, mean: 20, max: 20.1 },
    jitter: { min: 0.01, mean: 0.2, max: 0.6 },
    sdpMessage: 1,
    ...p,
  };
}

describe('RTP streams on the ladder', () => {
  const messages = [
    row(0, '10.0.0.1:5060', '10.0.0.2:5060', 1.0),
    row(1, '10.0.0.2:5060', '10.0.0.1:5060', 1.5, {
      kind: 'response',
      method: null,
      status: 200,
      reason: 'OK',
    }),
    row(2, '10.0.0.1:5060', '10.0.0.2:5060', 1.6, { method: 'ACK' }),
  ];

  it('puts each stream at its first packet, between the lanes of its hosts, with a negative id', () => {
    const m = buildLadder(messages, [], messages, [
      stream(1, '10.0.0.2', 40000, '10.0.0.1', 30000, 1.55, { direction: 'reverse' }),
      stream(0, '10.0.0.1', 30000, '10.0.0.2', 40000, 1.6),
    ]);
    expect(m.lanes).toEqual(['10.0.0.1:5060', '10.0.0.2:5060']);
    expect(m.arrows.map((a) => a.id)).toEqual([0, 1, mediaArrowId(1), 2, mediaArrowId(0)]);
    const back = m.arrows[2]!;
    expect([back.from, back.to, back.kind, arrowClass(back)]).toEqual([1, 0, 'media', 'media']);
    expect(back.stream?.index).toBe(1);
    // Deltas follow the merged order: the stream 50 ms after the 200, the ACK 50 ms after it.
    expect(m.arrows.map((a) => Math.round(a.delta * 1000))).toEqual([0, 500, 50, 50, 0]);
    expect(new Set(m.arrows.map((a) => a.id)).size).toBe(5);
    expect(m.arrows.every((a) => a.kind !== 'media' || a.id < 0)).toBe(true);
  });

  it('gives a media-only host (a media server, a relay) a lane of its own, one per host', () => {
    const m = buildLadder(messages, [], messages, [
      stream(0, '10.0.0.1', 30000, '10.0.0.9', 16000, 2),
      stream(1, '10.0.0.9', 16002, '10.0.0.1', 30000, 2.1),
    ]);
    expect(m.lanes).toEqual(['10.0.0.1:5060', '10.0.0.2:5060', '10.0.0.9:16000']);
    expect(m.arrows.filter((a) => a.kind === 'media').map((a) => [a.from, a.to])).toEqual([
      [0, 2],
      [2, 0],
    ]);
  });

  it('on one host (phones on loopback, a proxy between them), puts each end on its party’s lane', () => {
    // caller 127.0.0.1:5061 → proxy 127.0.0.1:5060 → callee 127.0.0.1:5062, all on one address
    const lo = [
      row(0, '127.0.0.1:5061', '127.0.0.1:5060', 1.0, { body: 'SDP' }),
      row(1, '127.0.0.1:5060', '127.0.0.1:5062', 1.01, { body: 'SDP' }),
      row(2, '127.0.0.1:5062', '127.0.0.1:5060', 1.5, {
        kind: 'response',
        method: null,
        status: 200,
        reason: 'OK',
        body: 'SDP',
      }),
      row(3, '127.0.0.1:5060', '127.0.0.1:5061', 1.51, {
        kind: 'response',
        method: null,
        status: 200,
        reason: 'OK',
        body: 'SDP',
      }),
    ];
    const m = buildLadder(lo, [], lo, [
      stream(0, '127.0.0.1', 30000, '127.0.0.1', 40000, 1.6),
      stream(1, '127.0.0.1', 40000, '127.0.0.1', 30000, 1.61, { direction: 'reverse' }),
      // a stream no SDP placed (no direction): the host's first lane, as before
      stream(2, '127.0.0.1', 50000, '127.0.0.1', 50002, 1.62, { direction: null }),
    ]);
    expect(m.lanes).toEqual(['127.0.0.1:5061', '127.0.0.1:5060', '127.0.0.1:5062']);
    expect(m.arrows.filter((a) => a.kind === 'media').map((a) => [a.from, a.to])).toEqual([
      [0, 2],
      [2, 0],
      [0, 0],
    ]);
  });

  it('matches IPv6 hosts to their bracketed SIP lanes', () => {
    const v6 = [row(0, '[2001:db8::1]:5060', '[2001:db8::2]:5060', 1)];
    expect(mediaAddress('2001:db8::1', 4000)).toBe('[2001:db8::1]:4000');
    const m = buildLadder(v6, [], v6, [stream(0, '2001:db8::1', 4000, '2001:db8::2', 4002, 1.2)]);
    expect(m.lanes).toEqual(['[2001:db8::1]:5060', '[2001:db8::2]:5060']);
    expect([m.arrows[1]!.from, m.arrows[1]!.to]).toEqual([0, 1]);
  });

  it('says what a stream is in its label, hover text and accessible name', () => {
    const lossy = stream(0, '10.0.0.1', 30000, '10.0.0.2', 40000, 1.6, {
      packets: 205,
      expected: 574,
      lost: 369,
      lossPercent: 64.29,
      codecs: ['g711U'],
    });
    expect(mediaLabel(lossy)).toBe('RTP g711U · 205 pkts · 64.3% lost');
    expect(mediaLabel(stream(0, 'a', 1, 'b', 2, 0))).toBe('RTP PCMU · 500 pkts');
    expect(mediaLabel(stream(0, 'a', 1, 'b', 2, 0, { lost: 1, lossPercent: 0.02, packets: 4999 }))).toBe(
      'RTP PCMU · 4,999 pkts · <0.1% lost',
    );
    const title = mediaTitle(lossy);
    expect(title).toContain('10.0.0.1:30000 → 10.0.0.2:40000, SSRC 0x0000BEEF');
    expect(title).toContain('205 packets of 574 expected: 369 lost (64.3%) over 10.00 s');
    expect(title).toContain('jitter mean 0.20 ms, max 0.60 ms');
    const m = buildLadder(messages, [], messages, [lossy]);
    const a = m.arrows.find((x) => x.stream)!;
    expect(describeArrow(a, 'alice', 'bob', '00:00:01')).toBe(
      'RTP g711U · 205 pkts · 64.3% lost, from alice to bob, first packet at 00:00:01, 10000 ms, SSRC 0x0000BEEF',
    );
  });

  it('a stream that stopped and started again (a hold): one arrow per run of packets, each at its first packet', () => {
    // Alice's stream: 5 packets at 1.6 s, then none until 2.0 s... (runs as the tracker splits them).
    const held = stream(0, '10.0.0.1', 30000, '10.0.0.2', 40000, 1.55, {
      codecs: ['g711U'],
      packets: 10,
      end: 12.08,
      spans: [
        { start: 1.55, end: 1.63, packets: 5 },
        { start: 12, end: 12.08, packets: 5 },
      ],
    });
    const late = [...messages, row(3, '10.0.0.1:5060', '10.0.0.2:5060', 11.9, { body: 'SDP' })];
    const m = buildLadder(late, [], late, [held]);
    expect(m.arrows.map((a) => a.id)).toEqual([0, 1, mediaArrowId(0), 2, 3, mediaArrowId(0, 1)]);
    const [first, again] = m.arrows.filter((a) => a.stream);
    expect([first!.label, again!.label]).toEqual(['RTP g711U · 5 pkts', 'RTP · 5 pkts · again after 10.4 s']);
    expect([first!.time, again!.time]).toEqual([1.55, 12]);
    expect([again!.from, again!.to]).toEqual([first!.from, first!.to]);
    expect(mediaTitle(held, again!.span)).toContain(
      'this arrow, run 2: 5 packets over 0.08 s, after 10.37 s without any',
    );
    expect(describeArrow(again!, 'alice', 'bob', '00:00:12')).toBe(
      'RTP · 5 pkts · again after 10.4 s, from alice to bob, first packet at 00:00:12, 80 ms, SSRC 0x0000BEEF',
    );
    // Both runs' arrows lead back to the stream (the selection, the inspector).
    expect([first!.id, again!.id].map(mediaStreamIndex)).toEqual([0, 0]);
    expect(mediaStreamIndex(mediaArrowId(8191, 3))).toBe(8191);
    // The scenario player steps: before 12 s only the first run is drawn.
    const now = mediaUntil([held], 11.9);
    expect(now[0]!.spans).toEqual([{ start: 1.55, end: 1.63, packets: 5 }]);
    expect(
      buildLadder(late, [], late, now)
        .arrows.filter((a) => a.stream)
        .map((a) => a.label),
    ).toEqual(['RTP g711U · 5 pkts']);
    expect(mediaUntil([held], 1.5)).toEqual([]);
  });

  it('without streams, the messages alone as before', () => {
    const a = buildLadder(messages);
    const b = buildLadder(messages, [], messages, []);
    expect(b).toEqual(a);
  });
});
