/**
 * A trace handed over in parts while it grows (`exportNewRows` → `appendRows`, or `handOverRows`,
 * which moves the rows out): the receiving trace ends equal to the sender's (messages, frames, raw
 * bytes, arena-backed TCP messages included), and its append listeners see every message once, in
 * order, with its bytes.
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CaptureFile } from '../../../src/sip-core/capture/reader/file-source.node.js';
import { ingestCaptureFile } from '../../../src/sip-core/trace/ingest-file.node.js';
import { Trace, type TraceRows } from '../../../src/sip-core/trace/trace';
import { parseMessage } from '../../../src/sip-core/message';
import type { IndexFields } from '../../../src/sip-core/capture/sip-index';
import { toTraceJson } from '../../../src/sip-core/trace/trace-json';
import { FIXTURES, PUBLIC_CAPTURES } from '../capture/tshark-compare';

const files = [
  `${FIXTURES}/tcp-segmentation.pcap`,
  `${FIXTURES}/ipv4-fragments.pcap`,
  `${PUBLIC_CAPTURES}/heplify__sip_tcp_websocket.pcap`,
  `${PUBLIC_CAPTURES}/heplify__sip_ipv4_tcp_fragmented.pcap`,
].filter((f) => existsSync(f));

describe('Trace.exportNewRows / appendRows', () => {
  it('a receiving trace fed part by part equals the sender, listeners called once per message', async () => {
    expect(files.length).toBeGreaterThanOrEqual(2);
    let total = 0;
    for (const f of files) {
      const file = new CaptureFile(f);
      const copy = new Trace(file.readAt, [], { name: 'copy' });
      const seen: [number, string][] = [];
      copy.onAppendBytes((id, buf, s, e) => seen.push([id, new TextDecoder().decode(buf.subarray(s, e))]));
      let parts = 0;
      const r = await ingestCaptureFile(f, {
        parse: false,
        chunkSize: 512, // many parts
        onChunk: (t) => {
          const rows = t.exportNewRows();
          if (rows) {
            expect(copy.appendRows(rows), f).toBe(true);
            parts++;
          }
        },
      });
      const last = r.trace.exportNewRows();
      if (last) expect(copy.appendRows(last)).toBe(true);
      expect(r.trace.exportNewRows()).toBeNull();
      copy.source = r.trace.source;
      copy.fileDiagnostics = r.trace.fileDiagnostics;
      total += parts;
      expect(toTraceJson(copy).messages, f).toEqual(toTraceJson(r.trace).messages);
      for (let id = 0; id < r.trace.count; id++) {
        expect(copy.frames(id), f).toEqual(r.trace.frames(id));
        expect(copy.raw(id), f).toEqual(r.trace.raw(id));
        expect(copy.callIdKey(id)).toBe(r.trace.callIdKey(id));
      }
      expect(seen.map(([id]) => id)).toEqual([...Array(r.trace.count).keys()]);
      expect(seen.map(([, t]) => t)).toEqual(
        Array.from({ length: r.trace.count }, (_, id) => new TextDecoder().decode(r.trace.raw(id))),
      );
      r.file.close();
      file.close();
    }
    expect(total).toBeGreaterThan(files.length * 2);
  });

  it('refuses a part that does not continue the trace', async () => {
    const r = await ingestCaptureFile(files[0]!, { parse: false });
    const rows = r.trace.exportNewRows()!;
    const copy = new Trace(null, []);
    expect(copy.appendRows({ ...rows, from: 1 })).toBe(false);
    expect(copy.count).toBe(0);
    expect(copy.appendRows(rows)).toBe(true);
    expect(copy.appendRows(rows)).toBe(false);
    expect(copy.count).toBe(r.trace.count);
    r.file.close();
  });

  it('handOverRows moves the rows out: the sender keeps none, the receiver equals a plain ingest', async () => {
    let total = 0;
    let reusedAll = 0;
    for (const f of files) {
      const plain = await ingestCaptureFile(f, { parse: false });
      const file = new CaptureFile(f);
      const copy = new Trace(file.readAt, [], { name: 'copy' });
      const seen: number[] = [];
      copy.onAppendBytes((id) => seen.push(id));
      let parts = 0;
      let sizes = 0;
      let reused = 0;
      // The receiver sends each part's columns back once copied (as openCapture's main thread does).
      let back: TraceRows['columns'] | null = null;
      const hand = (t: Trace): void => {
        const before = t.count;
        if (back) reused++;
        const rows = t.handOverRows(8, back);
        back = null;
        if (!rows) return;
        expect(rows.count, f).toBe(before);
        // What the sender still holds: no row, nothing in its side tables (exportState sees none).
        const held = t.exportState();
        expect(held.count).toBe(0);
        expect(held.frames.length + held.diagnostics.length + held.hep.length + held.context.length).toBe(0);
        expect(held.arena.chunks.length).toBe(0);
        expect(t.count).toBe(before);
        if (parts === 0) expect(rows.reserve).toBeGreaterThanOrEqual(plain.trace.count);
        else expect(rows.reserve).toBeUndefined();
        // The parts travel as another thread receives them (structured clone, buffers transferred).
        const moved = structuredClone(rows, { transfer: Trace.rowsTransferList(rows) });
        expect(Trace.adoptsRows(moved)).toBe(parts === 0);
        expect(copy.appendRows(moved), f).toBe(true);
        if (parts > 0) {
          const cols = Object.values(moved.columns).map((a) => a.buffer as ArrayBuffer);
          back = structuredClone(moved.columns, { transfer: cols });
        }
        parts++;
        sizes += rows.count - rows.from;
      };
      const r = await ingestCaptureFile(f, { parse: false, chunkSize: 512, onChunk: hand });
      hand(r.trace);
      expect(r.trace.handOverRows()).toBeNull();
      expect(sizes).toBe(plain.trace.count);
      copy.source = r.trace.source;
      copy.fileDiagnostics = r.trace.fileDiagnostics;
      total += parts;
      reusedAll += reused;
      expect(toTraceJson(copy).messages, f).toEqual(toTraceJson(plain.trace).messages);
      for (let id = 0; id < plain.trace.count; id++) {
        expect(copy.frames(id), f).toEqual(plain.trace.frames(id));
        expect(copy.raw(id), f).toEqual(plain.trace.raw(id));
        expect(copy.callIdKey(id)).toBe(plain.trace.callIdKey(id));
        expect(copy.pipelineDiagnostics(id)).toEqual(plain.trace.pipelineDiagnostics(id));
        expect(copy.contextFrames(id)).toEqual(plain.trace.contextFrames(id));
        expect(copy.hepCorrelationId(id)).toBe(plain.trace.hepCorrelationId(id));
      }
      expect(seen).toEqual([...Array(plain.trace.count).keys()]);
      r.file.close();
      plain.file.close();
      file.close();
    }
    expect(total).toBeGreaterThan(files.length * 2);
    expect(reusedAll).toBeGreaterThan(files.length);
  });

  it('a trace that handed rows over no longer exports copies, nor takes parts', async () => {
    const r = await ingestCaptureFile(files[0]!, { parse: false });
    const rows = r.trace.handOverRows()!;
    expect(() => r.trace.exportNewRows()).toThrow();
    expect(r.trace.appendRows(rows)).toBe(false);
    r.file.close();
  });

  it('columns sent back for reuse are cleared: nothing of an earlier part shows in a later one', () => {
    const enc = (x: string): Uint8Array => new TextEncoder().encode(x);
    const msg = (i: number): Uint8Array =>
      enc(
        `OPTIONS sip:b.example SIP/2.0\r\nVia: SIP/2.0/UDP a;branch=z9hG4bK${i}\r\nFrom: <sip:a@a>;tag=f${i}\r\n` +
          `To: <sip:b@b>\r\nCall-ID: c${i}\r\nCSeq: ${i + 1} OPTIONS\r\nContent-Length: 0\r\n\r\n`,
      );
    const input = (i: number, diagnostics: boolean) => ({
      frameNo: i + 1,
      timeUs: 1e15 + i,
      src: 0,
      srcPort: 5060,
      dst: 0,
      dstPort: 5060,
      transport: 'UDP' as const,
      reassembly: 'none' as const,
      rawOffset: -1,
      frames: [{ frameNo: i + 1, recordOffset: 24 + i * 100, recordLength: 100, timeUs: 0, linkType: 1 }],
      diagnostics: diagnostics
        ? [{ code: 'x', severity: 'info' as const, layer: 'tcp' as const, message: 'x' }]
        : null,
    });
    const sender = new Trace(null, ['10.0.0.1']);
    const copy = new Trace(null, []);
    // Parts 1 and 2: parsed messages with stored codes, key columns and diagnostics. Part 2's columns
    // go back to the sender at part 3's hand-over, so part 4 is written into them: index fields only
    // (no keys, no codes, no diagnostics), which a row left from part 2 would show.
    const parsed = (from: number, to: number): void => {
      for (let i = from; i < to; i++) {
        const b = msg(i);
        const id = sender.append(b, 0, b.length, parseMessage(b), input(i, true));
        sender.setMessageCodes(id, ['lint-code']);
      }
    };
    const indexed = (from: number, to: number): void => {
      for (let i = from; i < to; i++) {
        const b = msg(i);
        const f: IndexFields = {
          kind: 'request',
          method: 'OPTIONS',
          status: null,
          cseqMethod: 'OPTIONS',
          callId: `c${i}`,
        };
        sender.append(b, 0, b.length, f, input(i, false));
      }
    };
    parsed(0, 40);
    expect(copy.appendRows(structuredClone(sender.handOverRows(64)!))).toBe(true);
    expect(sender.handOverRows(64)).toBeNull(); // nothing new
    parsed(40, 80);
    const p2 = structuredClone(sender.handOverRows(64)!);
    expect(Trace.adoptsRows(p2)).toBe(false);
    expect(copy.appendRows(p2)).toBe(true);
    indexed(80, 100);
    expect(copy.appendRows(structuredClone(sender.handOverRows(64, p2.columns)!))).toBe(true);
    indexed(100, 130);
    expect(copy.appendRows(structuredClone(sender.handOverRows(64)!))).toBe(true);
    expect(copy.count).toBe(130);
    for (let id = 80; id < 130; id++) {
      expect(copy.storedMessageCodes(id)).toBeNull();
      expect(copy.cseqNumber(id)).toBe(0);
      expect(copy.branchHash(id)).toBe(0);
      expect(copy.fromTagHash(id)).toBe(0);
      expect(copy.keyFlags(id)).toBe(0);
      expect(copy.pipelineDiagnostics(id)).toEqual([]);
      expect(copy.frame(id)).toBe(id + 1);
      expect(copy.callId(id)).toBe(`c${id}`);
    }
    for (let id = 0; id < 80; id++) {
      expect(copy.cseqNumber(id)).toBe(id + 1);
      expect(copy.storedMessageCodes(id)).toEqual(['lint-code']);
      expect(copy.pipelineDiagnostics(id)).toHaveLength(1);
    }
  });

  it('shareRows: the receiver reads the rows in shared columns, through growth, arena bytes included', async () => {
    // Fixtures and captures, in many parts (file-backed; TCP and WebSocket messages in the arena).
    for (const f of files) {
      const plain = await ingestCaptureFile(f, { parse: false });
      const file = new CaptureFile(f);
      const copy = new Trace(file.readAt, [], { name: 'copy' });
      const seen: number[] = [];
      copy.onAppendBytes((id) => seen.push(id));
      const share = (t: Trace): void => {
        const rows = t.shareRows();
        if (rows) expect(copy.appendRows(structuredClone(rows)), f).toBe(true);
      };
      const r = await ingestCaptureFile(f, { parse: false, chunkSize: 512, onChunk: share });
      share(r.trace);
      expect(r.trace.shareRows()).toBeNull();
      expect(toTraceJson(copy).messages, f).toEqual(toTraceJson(plain.trace).messages);
      for (let id = 0; id < plain.trace.count; id++) {
        expect(copy.frames(id), f).toEqual(plain.trace.frames(id));
        expect(copy.raw(id), f).toEqual(plain.trace.raw(id));
        expect(copy.pipelineDiagnostics(id)).toEqual(plain.trace.pipelineDiagnostics(id));
      }
      expect(seen).toEqual([...Array(plain.trace.count).keys()]);
      r.file.close();
      plain.file.close();
      file.close();
    }
    // A trace of arena messages that grows past its columns between two parts: new shared columns.
    const enc = (x: string): Uint8Array => new TextEncoder().encode(x);
    const msg = (i: number): Uint8Array =>
      enc(
        `OPTIONS sip:b.example SIP/2.0\r\nVia: SIP/2.0/UDP a;branch=z9hG4bK${i}\r\nCall-ID: c${i % 5}\r\n` +
          `CSeq: ${i + 1} OPTIONS\r\nContent-Length: 0\r\n\r\n`,
      );
    const input = (i: number) => ({
      frameNo: i + 1,
      timeUs: 1e15 + i,
      src: 0,
      srcPort: 5060,
      dst: 0,
      dstPort: 5060,
      transport: 'UDP' as const,
      reassembly: 'none' as const,
      rawOffset: -1,
      frames: [{ frameNo: i + 1, recordOffset: -1, recordLength: 0, timeUs: 0, linkType: 1 }],
      diagnostics: null,
    });
    const sender = new Trace(null, ['10.0.0.1']);
    const copy = new Trace(null, []);
    const add = (from: number, to: number): void => {
      for (let i = from; i < to; i++) {
        const b = msg(i);
        sender.append(b, 0, b.length, parseMessage(b), input(i));
      }
    };
    add(0, 10);
    const first = sender.shareRows()!;
    expect(first.shared).not.toBeNull();
    expect(copy.appendRows(structuredClone(first))).toBe(true);
    add(10, 20);
    const second = sender.shareRows()!;
    expect(second.shared).toBeNull(); // the same columns
    expect(copy.appendRows(structuredClone(second))).toBe(true);
    add(20, 5000); // past the first columns' room
    const third = sender.shareRows()!;
    expect(third.shared).not.toBeNull();
    expect(copy.appendRows(structuredClone(third))).toBe(true);
    expect(copy.count).toBe(5000);
    for (const id of [0, 9, 10, 19, 20, 1023, 1024, 4999]) {
      expect(new TextDecoder().decode(copy.raw(id))).toBe(new TextDecoder().decode(msg(id)));
      expect(copy.frame(id)).toBe(id + 1);
      expect(copy.cseqNumber(id)).toBe(id + 1);
    }
    expect(copy.appendRows(structuredClone(second))).toBe(false); // (does not continue the trace)
  });
});
