/**
 * The trace model: compact columns that grow, raw bytes in the file or the arena, lazy parsing,
 * append listeners, transfer across threads, and the JSON / NDJSON contract.
 */
import { describe, expect, it } from 'vitest';
import { parseMessage, type SipMessage } from '../../../src/sip-core/message';
import { Trace, type AppendInput } from '../../../src/sip-core/trace/trace';
import { toTraceJson, writeTraceNdjson } from '../../../src/sip-core/trace/trace-json';
import { ingestBytes, ingestSipText } from '../../../src/sip-core/trace/trace-builder';
import { FIXTURES, ingestFile } from '../capture/tshark-compare';
import { readFileSync } from 'node:fs';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const sip = (i: number): string =>
  `${i % 2 ? 'SIP/2.0 200 OK' : 'OPTIONS sip:b.example SIP/2.0'}\r\nVia: SIP/2.0/UDP a;branch=z9hG4bK${i >> 1}\r\n` +
  `From: <sip:a@a>;tag=f\r\nTo: <sip:b@b>\r\nCall-ID: call-${i % 7}\r\nCSeq: ${i >> 1} OPTIONS\r\nContent-Length: 0\r\n\r\n`;

const input = (i: number, over: Partial<AppendInput> = {}): AppendInput => ({
  frameNo: i + 1,
  timeUs: 1_700_000_000_000_000 + i,
  src: i % 2,
  srcPort: 5060,
  dst: 1 - (i % 2),
  dstPort: 5061,
  transport: 'UDP',
  reassembly: 'none',
  rawOffset: -1,
  frames: [{ frameNo: i + 1, recordOffset: 24 + i * 100, recordLength: 100, timeUs: 0, linkType: 1 }],
  diagnostics: null,
  ...over,
});

describe('Trace', () => {
  it('grows past its first capacity; fixed fields without parsing; bytes from the arena', () => {
    const t = new Trace(null, ['10.0.0.1', '10.0.0.2']);
    for (let i = 0; i < 5000; i++) {
      const b = enc(sip(i));
      t.append(b, 0, b.length, parseMessage(b), input(i));
    }
    expect(t.count).toBe(5000);
    expect(t.entry(4999)).toMatchObject({
      frame: 5000,
      kind: 'response',
      status: 200,
      callId: 'call-1',
      src: '10.0.0.2:5060',
    });
    expect(t.methodOrCseqMethod(4999)).toBe('OPTIONS');
    expect(t.idsOfCall('call-3').slice(0, 3)).toEqual([3, 10, 17]);
    expect(t.callIdCount).toBe(7);
    expect(new TextDecoder().decode(t.raw(1234))).toBe(sip(1234));
    expect(t.message(1234).cseq).toBe(617);
    // Compact: the columns cost under 96 bytes per message slot (capacity doubles: 8192 slots here;
    // 20 of them the analysis keys: CSeq and four hashes).
    const perSlot = (t.memoryBytes() - 4 * 1024 * 1024) / 8192;
    expect(perSlot).toBeLessThan(96);
  });

  it('raw bytes stay in the file when they lie there (read back by offset)', () => {
    const file = enc(`HEADER-${sip(0)}`);
    let reads = 0;
    const t = new Trace((o, n) => {
      reads++;
      return file.subarray(o, o + n);
    });
    t.append(file, 7, file.length, parseMessage(file, 7), input(0, { rawOffset: 7 }));
    expect(new TextDecoder().decode(t.raw(0))).toBe(sip(0));
    expect(reads).toBe(1);
  });

  it('append listeners see each parsed message as it arrives', () => {
    const t = new Trace(null);
    const seen: [number, string | null][] = [];
    const off = t.onAppend((id, m: SipMessage) => seen.push([id, m.branch]));
    for (let i = 0; i < 3; i++) {
      const b = enc(sip(i));
      t.append(b, 0, b.length, parseMessage(b), input(i));
    }
    off();
    const b = enc(sip(3));
    t.append(b, 0, b.length, parseMessage(b), input(3));
    expect(seen).toEqual([
      [0, 'z9hG4bK0'],
      [1, 'z9hG4bK0'],
      [2, 'z9hG4bK1'],
    ]);
  });

  it('exportState / fromState (worker → main thread) keeps everything', () => {
    const r = ingestFile(`${FIXTURES}/websocket.pcap`);
    const before = toTraceJson(r.trace);
    const bytes = new Uint8Array(readFileSync(`${FIXTURES}/websocket.pcap`));
    const state = r.trace.exportState();
    expect(Trace.transferList(state).length).toBeGreaterThan(10);
    const t2 = Trace.fromState(structuredClone(state), (o, n) => bytes.subarray(o, o + n));
    expect(toTraceJson(t2)).toEqual(before);
    expect(t2.contextFrames(0)).toEqual(r.trace.contextFrames(0));
  });
});

describe('trace JSON and NDJSON', () => {
  it('NDJSON lines carry the same messages as the JSON', async () => {
    const r = ingestFile(`${FIXTURES}/tcp-segmentation.pcap`);
    let text = '';
    await writeTraceNdjson(r.trace, (s) => void (text += s));
    const lines = text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string });
    expect(lines[0]!.type).toBe('source');
    const msgs = lines.filter((l) => l.type === 'message').map(({ type: _t, ...m }) => m);
    expect(msgs).toEqual(toTraceJson(r.trace).messages);
  });

  it('source block: format, link types, frames, bytes, time span, undecoded counts', () => {
    const r = ingestFile(`${FIXTURES}/tls-and-tunnels.pcap`);
    expect(r.trace.source).toMatchObject({
      name: 'tls-and-tunnels.pcap',
      format: 'pcap',
      compression: null,
      linkTypes: ['Ethernet'],
      frames: 3,
      firstTime: 1700000000.001,
      lastTime: 1700000000.003,
      duration: 0.002,
      decodeErrors: 0,
    });
    expect(r.trace.source.undecoded.tlsConnections).toBe(1);
  });

  it('SIP text input: one datagram, or a Content-Length framed stream', () => {
    const text = enc(sip(0) + sip(1));
    expect(ingestSipText(text, 'x.sip').trace.count).toBe(1);
    const s = ingestSipText(text, 'x.sip', { stream: true });
    expect(toTraceJson(s.trace).messages.map((m) => m.kind)).toEqual(['request', 'response']);
    expect(ingestBytes(text, 'x.sip').isCapture).toBe(false);
  });
});
