/**
 * The calls list's media: each row carries its call's RTP verdict (`rtp`, a one-way call's direction,
 * the worst loss), sorts by it, and its Diag count is its message diagnostics plus its media rules'
 * (the problems row counts those: the two agree). A capture without RTP has none of it.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { mediaCapture } from '../helpers/rtp-capture';
import { TraceAdapter } from '../../src/main/service/capture-loader';
import { ingestCaptureFile } from '../../src/sip-core/trace/ingest-file.node.js';
import { MEDIA_RULES_BY_CODE } from '../../src/sip-core/media/call-media';
import { traceMedia } from '../../src/sip-core/media/media-json';
import type { Trace } from '../../src/sip-core/trace/trace';

/** Four calls: both ways, caller → callee only, callee → caller only, 10% of one direction lost. */
function fourCalls(): Uint8Array {
  return mediaCapture(
    { callId: 'fine', forward: { packets: 100 }, reverse: { packets: 100 } },
    { callId: 'to-callee', caller: 3, callee: 4, startUs: 4_000_000, forward: { packets: 100 } },
    { callId: 'to-caller', caller: 5, callee: 6, startUs: 8_000_000, reverse: { packets: 100 } },
    {
      callId: 'lossy',
      caller: 7,
      callee: 8,
      startUs: 12_000_000,
      forward: { packets: 100 },
      reverse: { packets: 100, drop: (i) => i % 10 === 3 },
    },
  );
}

async function open(file: string, withMedia: boolean): Promise<TraceAdapter> {
  return (await openTrace(file, withMedia)).adapter;
}

async function openTrace(file: string, withMedia: boolean): Promise<{ adapter: TraceAdapter; trace: Trace }> {
  const r = await ingestCaptureFile(file);
  if (!withMedia) r.trace.media = null;
  return { adapter: new TraceAdapter(r.trace, r.diagnostics, { background: false }), trace: r.trace };
}

describe('the calls list and media', () => {
  it("shows each call's verdict, direction and worst loss; Diag adds its media rules as the problems row counts them", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sipscope-calls-media-'));
    try {
      const file = join(dir, 'media.pcap');
      writeFileSync(file, fourCalls());
      const a = await open(file, true);
      const page = a.queryCalls({ offset: 0, limit: 100 });
      expect(page.items.map((c) => [c.callIds[0], c.rtp, c.rtpOneWay, c.rtpLoss])).toEqual([
        ['fine', 'two-way', null, 0],
        ['to-callee', 'one-way', 'forward', 0],
        ['to-caller', 'one-way', 'reverse', 0],
        ['lossy', 'two-way', null, 10],
      ]);
      // Diag: the same capture without its RTP gives each call's message diagnostics; with it, each
      // call adds exactly the media diagnostics `call:media` lists for it.
      const sipOnly = (await open(file, false)).queryCalls({ offset: 0, limit: 100 }).items;
      expect(sipOnly.every((c) => !('rtp' in c) && !('rtpOneWay' in c) && !('rtpLoss' in c))).toBe(true);
      const added = page.items.map((c, i) => c.diagnostics - sipOnly[i]!.diagnostics);
      expect(added).toEqual(page.items.map((c) => a.callMedia(c.id)!.diagnostics.length));
      expect(added).toEqual([0, 1, 1, 1]);
      // ...and a call counts a media rule exactly when the problems row's chip for it lists the call.
      for (const p of page.problems.filter((x) => MEDIA_RULES_BY_CODE.has(x.code))) {
        const listed = a.queryCalls({ offset: 0, limit: 100, filter: p.filter }).items.map((c) => c.id);
        for (const c of page.items)
          expect(listed.includes(c.id), `${p.code} ${c.id}`).toBe(
            a.callMedia(c.id)!.diagnostics.some((d) => d.code === p.code),
          );
      }
      // Sorted by media: one-way first, then two-way by loss (highest first); descending reverses it.
      const sorted = a.queryCalls({ offset: 0, limit: 100, sort: 'rtp' }).items.map((c) => c.callIds[0]);
      expect(sorted).toEqual(['to-callee', 'to-caller', 'lossy', 'fine']);
      const desc = a.queryCalls({ offset: 0, limit: 100, sort: 'rtp', desc: true }).items;
      expect(desc.map((c) => c.callIds[0])).toEqual([...sorted].reverse());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("follows the user's join and split: a joined call's row has the legs' media, a split leg its own again", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sipscope-calls-media-'));
    try {
      const file = join(dir, 'media.pcap');
      writeFileSync(file, fourCalls());
      const { adapter: a, trace } = await openTrace(file, true);
      const sipOnly = await open(file, false);
      const row = (x: TraceAdapter, cid: string) =>
        x.queryCalls({ offset: 0, limit: 100 }).items.find((c) => c.callIds.includes(cid))!;
      const before = a.queryCalls({ offset: 0, limit: 100 }).items;
      // The media analyses (rows, call:media, the player's) are made (and cached) before the edit.
      const leg = row(a, 'to-callee');
      expect(leg.rtp).toBe('one-way');
      expect(a.callMedia(leg.id)!.streams.length).toBe(1);
      expect(traceMedia(trace)!.calls.get(leg.id)!.streams.length).toBe(1);
      for (const x of [a, sipOnly]) x.joinCalls(['to-callee', 'to-caller']);
      const joined = row(a, 'to-callee');
      expect(joined.callIds).toEqual(['to-callee', 'to-caller']);
      const media = a.callMedia(joined.id)!;
      // The joined call has both legs' streams: its row says what call:media says of it.
      expect(media.streams.length).toBe(2);
      expect(media.verdict).toBe('two-way');
      expect(traceMedia(trace)!.calls.get(joined.id)!.streams.length).toBe(2);
      expect(joined.rtp).toBe(media.verdict);
      expect(joined.diagnostics - row(sipOnly, 'to-callee').diagnostics).toBe(media.diagnostics.length);
      for (const x of [a, sipOnly]) x.splitCall('to-callee', 'to-caller');
      const after = a.queryCalls({ offset: 0, limit: 100 }).items;
      expect(after.map((c) => [c.callIds, c.rtp, c.rtpOneWay, c.rtpLoss, c.diagnostics])).toEqual(
        before.map((c) => [c.callIds, c.rtp, c.rtpOneWay, c.rtpLoss, c.diagnostics]),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('leaves the fields empty in a capture without RTP', async () => {
    const a = await open(resolve(__dirname, '../fixtures/capture/multi-section.pcapng'), true);
    const items = a.queryCalls({ offset: 0, limit: 100 }).items;
    expect(items.length).toBeGreaterThan(0);
    // (no fields at all: the rows are the objects they were before the column)
    expect(items.every((c) => !('rtp' in c) && !('rtpOneWay' in c) && !('rtpLoss' in c))).toBe(true);
  });
});
