/**
 * The parser's index ring (message/fast-scan.ts): `parseMessage`'s fast path leaves each message's
 * index where the scanner wrote it, in a ring in the scanner's memory, and the message reads it there
 * until the ring may have come round over it; then it is made again from the message's bytes. A
 * message must give the same index and fields whenever it is read: at once, after many other parses
 * (the ring written over), after the scanner's memory grew, with the scanner turned off in between.
 */
import { describe, expect, it } from 'vitest';
import { parseMessage, viaValues, type SipMessage } from '../../../src/sip-core/message';
import {
  fastScanAvailable,
  RING_SLOTS,
  scanArena,
  setFastScan,
} from '../../../src/sip-core/message/fast-scan';
import { HS, KEY_SLOTS, type ParsedMessage } from '../../../src/sip-core/message/sip-message';
import { INVITE_24_2, OK_200_RR } from '../../fixtures/sip-examples';

const OK = Buffer.from(OK_200_RR, 'utf8');
const INVITE = Buffer.from(INVITE_24_2, 'utf8');

/** Everything read through the index, as plain data. */
function observe(m: SipMessage): unknown {
  const p = m as ParsedMessage;
  return {
    index: Array.from(p.ix.subarray(p.base, p.base + KEY_SLOTS + HS * p.headerCount)),
    callId: m.callId,
    branch: m.branch,
    fromTag: m.fromTag,
    toTag: m.toTag,
    cseqMethod: m.cseqMethod,
    reason: m.reason,
    requestUri: m.requestUri,
    headers: m.headers.map((h) => [h.name, h.value()]),
    contact: m.header('contact'),
    vias: viaValues(m).map((v) => v.branch),
  };
}

/** Parses enough other messages that the ring comes round several times. */
function fill(): void {
  const laps = Math.ceil((3 * RING_SLOTS) / (KEY_SLOTS + HS * 9));
  for (let i = 0; i < laps; i++) parseMessage(INVITE);
}

describe('index ring', () => {
  it('is in use here: a fresh message reads its index in the ring', () => {
    expect(fastScanAvailable()).toBe(true);
    const m = parseMessage(OK) as ParsedMessage;
    expect(m.ixGen).toBeGreaterThanOrEqual(0);
    const fresh = observe(parseMessage(OK));
    for (let i = 0; i < 50; i++) parseMessage(INVITE); // well within the ring's reach
    expect(m.ixGen).toBeGreaterThanOrEqual(0);
    expect(observe(m)).toEqual(fresh);
  });

  it('a message read after the ring came round over it: the same index and fields (made again)', () => {
    const a = parseMessage(OK) as ParsedMessage;
    const b = parseMessage(INVITE) as ParsedMessage;
    fill(); // INVITEs written over a's and b's places
    expect(observe(a)).toEqual(observe(parseMessage(OK)));
    expect(observe(b)).toEqual(observe(parseMessage(INVITE)));
    // made again once, into a chunk, where it stays
    expect(a.ixGen).toBe(-1);
    fill();
    expect(observe(a)).toEqual(observe(parseMessage(OK)));
  });

  it('a message inside a larger buffer (offsets not from 0) after the ring came round', () => {
    const buf = new Uint8Array(OK.length + 300).fill(0x20);
    buf.set(OK, 123);
    const a = parseMessage(buf, 123, 123 + OK.length);
    const fresh = observe(parseMessage(buf, 123, 123 + OK.length));
    fill();
    expect(observe(a)).toEqual(fresh);
  });

  it('the scanner turned off before the index is made again: the full parser makes it', () => {
    const a = parseMessage(OK);
    const fresh = observe(parseMessage(OK));
    fill();
    setFastScan(false);
    try {
      expect(observe(a)).toEqual(fresh);
    } finally {
      setFastScan(true);
    }
  });

  it('the scanner memory grows (its views replaced): messages in the ring still read right', () => {
    const a = parseMessage(OK);
    const b = parseMessage(INVITE);
    const fresh = [observe(parseMessage(OK)), observe(parseMessage(INVITE))];
    const arena = scanArena(4 * 65536)!;
    expect(arena.length).toBe(4 * 65536);
    expect([observe(a), observe(b)]).toEqual(fresh);
    // messages in the arena (scanned in place) go through the ring too
    arena.set(OK, 1000);
    const c = parseMessage(arena, 1000, 1000 + OK.length) as ParsedMessage;
    expect(c.ixGen).toBeGreaterThanOrEqual(0);
    const inArena = observe(parseMessage(arena, 1000, 1000 + OK.length));
    expect(observe(c)).toEqual(inArena);
    fill();
    expect(observe(c)).toEqual(inArena);
  });
});
