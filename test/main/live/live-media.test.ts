/**
 * RTP in a live trace: an interface capture's stream (here a pcap fed in chunks, as dumpcap's stdout
 * comes) tracks its streams incrementally; the window's `trace.media` is a new snapshot at most once
 * per `mediaMs` while RTP comes (RTP alone announces an update), and `call:media` and the calls list's
 * media grow with it while the SIP messages stay the same. Without media (`--no-media`) nothing is
 * tracked.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { liveFeed } from '../../../src/main/live/dumpcap';
import { LiveTrace, type LiveUpdate } from '../../../src/main/live/live-trace';
import { newStats } from '../../../src/main/live/source';
import { TraceAdapter } from '../../../src/main/service/capture-loader';
import { mediaJson } from '../../../src/sip-core/media/media-json';
import { RtpTracker } from '../../../src/sip-core/media/rtp-streams';
import { mediaCapture } from '../../helpers/rtp-capture';

/** The pcap cut after records `ends[0]`, `ends[1]`...: the chunks dumpcap's stdout would give. */
function cut(pcap: Uint8Array, ends: number[]): Uint8Array[] {
  const dv = new DataView(pcap.buffer, pcap.byteOffset, pcap.byteLength);
  const out: Uint8Array[] = [];
  let at = 0;
  let off = 24;
  let rec = 0;
  for (const end of [...ends, Infinity]) {
    while (rec < end && off < pcap.length) {
      off += 16 + dv.getUint32(off + 8, true);
      rec++;
    }
    out.push(pcap.subarray(at, off));
    at = off;
  }
  return out;
}

const packets = (t: LiveTrace): number[] => (t.trace.media?.streams ?? []).map((s) => s.packets);

describe('live trace media', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('grows call:media and the calls row as RTP comes, one snapshot per mediaMs at most', () => {
    vi.useFakeTimers({ now: 1_000_000 });
    // INVITE, 200, ACK; 100 RTP packets each way (20 ms apart, both ways at each instant); BYE, 200.
    const pcap = mediaCapture({ callId: 'live-1', forward: { packets: 100 }, reverse: { packets: 100 } });
    const [head, secondHalf, bye] = cut(pcap, [3 + 100, 3 + 200]);
    const live = new LiveTrace({ name: 'capture lo', format: 'live-pcapng', mediaMs: 1000 });
    const updates: LiveUpdate[] = [];
    live.onUpdate((u) => updates.push(u));
    const feed = liveFeed(live, newStats(), true);

    feed.push(head!);
    // The SIP comes in the next batch (100 ms), before the first media snapshot was due (1 s after
    // the last one: here at once, none was taken yet).
    vi.advanceTimersByTime(100);
    expect(updates.at(-1)).toMatchObject({ added: 3, media: true });
    expect(packets(live)).toEqual([50, 50]);
    const adapter = new TraceAdapter(live.trace, []);
    let m = adapter.callMedia('C1')!;
    expect(m.verdict).toBe('two-way');
    expect(m.streams.map((s) => s.packets)).toEqual([50, 50]);
    expect(mediaJson(live.trace)!.streams.map((s) => s.packets)).toEqual([50, 50]);
    expect(adapter.queryCalls({ offset: 0, limit: 10 }).items[0]).toMatchObject({
      rtp: 'two-way',
      rtpLoss: 0,
    });

    // RTP alone: no SIP message, one update when the next snapshot is due, not before.
    const n = updates.length;
    const count = live.trace.count;
    feed.push(secondHalf!);
    vi.advanceTimersByTime(500);
    expect(updates.length).toBe(n);
    expect(packets(live)).toEqual([50, 50]);
    vi.advanceTimersByTime(600);
    expect(updates.length).toBe(n + 1);
    expect(updates.at(-1)).toMatchObject({ added: 0, media: true, reset: false });
    expect(live.trace.count).toBe(count);
    expect(packets(live)).toEqual([100, 100]);
    // The same trace length, a new snapshot: the answers follow it.
    m = adapter.callMedia('C1')!;
    expect(m.streams.map((s) => s.packets)).toEqual([100, 100]);
    expect(m.streams.map((s) => s.lost)).toEqual([0, 0]);
    // (the trace JSON's media: media-json.ts's cache)
    expect(mediaJson(live.trace)!.streams.map((s) => s.packets)).toEqual([100, 100]);
    expect(adapter.queryCalls({ offset: 0, limit: 10 }).items[0]!.rtp).toBe('two-way');
    // Nothing new: no more updates.
    vi.advanceTimersByTime(5000);
    expect(updates.length).toBe(n + 1);

    feed.push(bye!);
    feed.finish();
    expect(live.trace.count).toBe(5);
    expect(packets(live)).toEqual([100, 100]);
  });

  it('one-way: the calls row says so as soon as the snapshot comes', () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const pcap = mediaCapture({ callId: 'live-2', forward: { packets: 60 } });
    const live = new LiveTrace({ name: 'capture lo', format: 'live-pcapng' });
    live.onUpdate(() => undefined);
    const feed = liveFeed(live, newStats(), true);
    feed.push(pcap.subarray(0, pcap.length - 1));
    vi.advanceTimersByTime(1000);
    const row = new TraceAdapter(live.trace, []).queryCalls({ offset: 0, limit: 10 }).items[0]!;
    expect([row.rtp, row.rtpOneWay]).toEqual(['one-way', 'forward']);
  });

  it('keeps at most maxStreams streams in a live capture, forgetting those idle longest (a ring)', () => {
    const rtp = (ssrc: number, seq: number): Uint8Array => {
      const b = new Uint8Array(12 + 160);
      b[0] = 0x80;
      b[1] = 8;
      new DataView(b.buffer).setUint16(2, seq);
      new DataView(b.buffer).setUint32(8, ssrc);
      return b;
    };
    const run = (evict: boolean): RtpTracker => {
      const t = new RtpTracker(8, evict);
      const send = (i: number, seq: number, us: number): void => {
        const b = rtp(0x100 + i, seq);
        t.datagram(1, 40000 + i, 2, 50000, b, 0, b.length, us, us / 1000);
      };
      for (let i = 0; i < 8; i++) send(i, 1, 1000 + i * 1000);
      send(0, 2, 100_000); // stream 0 goes on; 1 and 2 have been idle longest
      send(8, 1, 200_000); // a ninth stream
      send(0, 3, 300_000);
      send(3, 2, 300_000);
      return t;
    };
    const ring = run(true);
    const m = ring.snapshot(['', '10.0.0.1', '10.0.0.2']);
    expect(m.streams.map((s) => [s.srcPort - 40000, s.packets])).toEqual([
      [0, 3],
      [3, 2],
      [4, 1],
      [5, 1],
      [6, 1],
      [7, 1],
      [8, 1],
    ]);
    expect([ring.evicted, m.droppedStreams]).toEqual([2, 0]);
    // A capture file's tracker keeps the first ones and counts the rest.
    const capped = run(false).snapshot(['', '10.0.0.1', '10.0.0.2']);
    expect([capped.streams.length, capped.droppedStreams]).toEqual([8, 1]);
  });

  it('tracks nothing without media (--no-media)', () => {
    const pcap = mediaCapture({ callId: 'live-3', forward: { packets: 10 }, reverse: { packets: 10 } });
    const live = new LiveTrace({ name: 'capture lo', format: 'live-pcapng' });
    const feed = liveFeed(live, newStats(), false);
    feed.push(pcap);
    feed.finish();
    expect(live.trace.count).toBe(5);
    expect(live.trace.media).toBeNull();
  });
});
