/**
 * A trace handed over in parts while it grows (`shareRows` → `appendRows`: the receiver reads the rows
 * in the sender's columns, shared): the receiving trace ends equal to the sender's (messages, frames,
 * raw bytes, arena-backed TCP and WebSocket messages included), and its append listeners see every
 * message once, in order, with its bytes.
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CaptureFile } from '../../../src/sip-core/capture/reader/file-source.node.js';
import { ingestCaptureFile } from '../../../src/sip-core/trace/ingest-file.node.js';
import { Trace } from '../../../src/sip-core/trace/trace';
import { parseMessage } from '../../../src/sip-core/message';
import { toTraceJson } from '../../../src/sip-core/trace/trace-json';
import { FIXTURES, PUBLIC_CAPTURES } from '../capture/tshark-compare';

const files = [
  `${FIXTURES}/tcp-segmentation.pcap`,
  `${FIXTURES}/ipv4-fragments.pcap`,
  `${PUBLIC_CAPTURES}/heplify__sip_tcp_websocket.pcap`,
  `${PUBLIC_CAPTURES}/heplify__sip_ipv4_tcp_fragmented.pcap`,
].filter((f) => existsSync(f));

describe('Trace.shareRows / appendRows', () => {
  it('a receiving trace fed part by part equals a plain ingest, listeners called once per message', async () => {
    expect(files.length).toBeGreaterThanOrEqual(2);
    let total = 0;
    for (const f of files) {
      const plain = await ingestCaptureFile(f, { parse: false });
      const file = new CaptureFile(f);
      const copy = new Trace(file.readAt, [], { name: 'copy' });
      const seen: [number, string][] = [];
      copy.onAppendBytes((id, buf, s, e) => seen.push([id, new TextDecoder().decode(buf.subarray(s, e))]));
      let parts = 0;
      // The parts travel as another thread receives them (structured clone, own buffers transferred).
      const share = (t: Trace): void => {
        const rows = t.shareRows();
        if (!rows) return;
        expect(copy.appendRows(structuredClone(rows, { transfer: Trace.rowsTransferList(rows) })), f).toBe(
          true,
        );
        parts++;
      };
      const r = await ingestCaptureFile(f, { parse: false, chunkSize: 512, onChunk: share }); // many parts
      share(r.trace);
      expect(r.trace.shareRows()).toBeNull();
      copy.source = r.trace.source;
      copy.fileDiagnostics = r.trace.fileDiagnostics;
      total += parts;
      expect(toTraceJson(copy).messages, f).toEqual(toTraceJson(plain.trace).messages);
      for (let id = 0; id < plain.trace.count; id++) {
        expect(copy.frames(id), f).toEqual(plain.trace.frames(id));
        expect(copy.raw(id), f).toEqual(plain.trace.raw(id));
        expect(copy.callIdKey(id)).toBe(plain.trace.callIdKey(id));
        expect(copy.pipelineDiagnostics(id)).toEqual(plain.trace.pipelineDiagnostics(id));
        expect(copy.contextFrames(id)).toEqual(plain.trace.contextFrames(id));
        expect(copy.hepCorrelationId(id)).toBe(plain.trace.hepCorrelationId(id));
      }
      expect(seen.map(([id]) => id)).toEqual([...Array(plain.trace.count).keys()]);
      expect(seen.map(([, t]) => t)).toEqual(
        Array.from({ length: plain.trace.count }, (_, id) => new TextDecoder().decode(plain.trace.raw(id))),
      );
      r.file.close();
      plain.file.close();
      file.close();
    }
    expect(total).toBeGreaterThan(files.length * 2);
  });

  it('refuses a part that does not continue the trace', async () => {
    const r = await ingestCaptureFile(files[0]!, { parse: false });
    const rows = r.trace.shareRows()!;
    const copy = new Trace(null, []);
    expect(copy.appendRows({ ...rows, from: 1 })).toBe(false);
    expect(copy.count).toBe(0);
    expect(copy.appendRows(rows)).toBe(true);
    expect(copy.appendRows(rows)).toBe(false);
    expect(copy.count).toBe(r.trace.count);
    r.file.close();
  });

  it('shareRows: a trace of arena messages that grows past its columns between two parts gives new shared columns', () => {
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
