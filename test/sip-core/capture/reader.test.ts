/**
 * Reader stage: format detection by magic number, classic pcap (both byte orders, µs/ns), pcapng
 * (sections, interfaces, resolutions, block kinds), chunked streaming, truncated and corrupt files.
 * pcap-parser serves as an independent cross-check of the classic pcap reader.
 */
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../../src/sip-core/diagnostic';
import { detectFormat } from '../../../src/sip-core/capture/reader/detect';
import type { FrameInfo, FrameSink } from '../../../src/sip-core/capture/reader/frame';
import { PcapReader } from '../../../src/sip-core/capture/reader/pcap';
import { PcapngReader, tsToMicros } from '../../../src/sip-core/capture/reader/pcapng';
import { CaptureDecoder } from '../../../src/sip-core/capture/capture-decoder';
import { FIXTURES, havePublic, PUBLIC_CAPTURES } from './tshark-compare';

interface Seen {
  frames: { no: number; t: number; len: number; lt: number; rec: number; data: number; first: number }[];
  diags: Diagnostic[];
}

function collector(): FrameSink & Seen {
  const s: Seen = { frames: [], diags: [] };
  return {
    ...s,
    frame(buf: Uint8Array, start: number, end: number, i: FrameInfo) {
      s.frames.push({
        no: i.frameNo,
        t: i.timeUs,
        len: end - start,
        lt: i.linkType,
        rec: i.recordOffset,
        data: i.dataOffset,
        first: buf[start] ?? -1,
      });
    },
    diagnostic(d: Diagnostic) {
      s.diags.push(d);
    },
    get frames() {
      return s.frames;
    },
    get diags() {
      return s.diags;
    },
  };
}

/** Runs a reader over `bytes` fed in chunks of the given sizes (cycled), carrying the rest as the decoder does. */
function readChunked(bytes: Uint8Array, sizes: number[], ng: boolean): Seen {
  const sink = collector();
  const r = ng ? new PcapngReader(sink) : new PcapReader(sink);
  let pending = new Uint8Array(0);
  let offset = 0;
  let pos = 0;
  let k = 0;
  while (pos < bytes.length) {
    const n = Math.max(1, sizes[k++ % sizes.length]!);
    const chunk = bytes.subarray(pos, pos + n);
    pos += chunk.length;
    const buf = new Uint8Array(pending.length + chunk.length);
    buf.set(pending);
    buf.set(chunk, pending.length);
    const used = r.feed(buf, 0, buf.length, offset, pos >= bytes.length);
    offset += used;
    pending = buf.slice(used);
  }
  return sink;
}

describe('detectFormat (by magic number, never by extension)', () => {
  const b = (...x: number[]): Uint8Array => new Uint8Array([...x, ...new Array(16).fill(0)]);
  it.each([
    [[0xd4, 0xc3, 0xb2, 0xa1], { kind: 'pcap', littleEndian: true, nanoseconds: false }],
    [[0xa1, 0xb2, 0xc3, 0xd4], { kind: 'pcap', littleEndian: false, nanoseconds: false }],
    [[0x4d, 0x3c, 0xb2, 0xa1], { kind: 'pcap', littleEndian: true, nanoseconds: true }],
    [[0xa1, 0xb2, 0x3c, 0x4d], { kind: 'pcap', littleEndian: false, nanoseconds: true }],
    [[0x0a, 0x0d, 0x0d, 0x0a], { kind: 'pcapng' }],
    [[0x1f, 0x8b, 0x08, 0x00], { kind: 'gzip' }],
  ])('%j', (magic, want) => expect(detectFormat(b(...magic))).toEqual(want));

  it('refuses known other formats by name', () => {
    const txt = (s: string): Uint8Array => new TextEncoder().encode(s.padEnd(16, '\0'));
    expect(detectFormat(txt('GMBU'))).toEqual({ kind: 'netmon' });
    expect(detectFormat(txt('RTSS'))).toEqual({
      kind: 'refused',
      name: 'Microsoft Network Monitor 1.x (NetMon .cap)',
    });
    expect(detectFormat(txt('snoop\0\0\0'))).toMatchObject({ kind: 'refused', name: 'Sun snoop (RFC 1761)' });
    expect(detectFormat(txt('PK\x03\x04'))).toMatchObject({ kind: 'refused' });
    expect(detectFormat(txt('INVITE sip:a SIP/2.0'))).toEqual({ kind: 'unknown' });
  });
});

describe.skipIf(!havePublic)('classic pcap reader', () => {
  const file = `${PUBLIC_CAPTURES}/ws__aaa.pcap`;

  it('agrees with pcap-parser (independent reader) on every record', async () => {
    const require = createRequire(import.meta.url);
    const pcapp = require('pcap-parser') as {
      parse(p: string): {
        on(
          ev: 'packet',
          f: (p: {
            header: { timestampSeconds: number; timestampMicroseconds: number; capturedLength: number };
            data: Buffer;
          }) => void,
        ): void;
        on(ev: 'end', f: () => void): void;
      };
    };
    const theirs: { t: number; len: number; first: number }[] = [];
    await new Promise<void>((res) => {
      const p = pcapp.parse(file);
      p.on('packet', (pk) =>
        theirs.push({
          t: pk.header.timestampSeconds * 1e6 + pk.header.timestampMicroseconds,
          len: pk.header.capturedLength,
          first: pk.data[0]!,
        }),
      );
      p.on('end', () => res());
    });
    const ours = readChunked(new Uint8Array(readFileSync(file)), [1 << 20], false);
    expect(theirs.length).toBe(691);
    expect(ours.frames.map((f) => ({ t: f.t, len: f.len, first: f.first }))).toEqual(theirs);
    expect(ours.frames.map((f) => f.no)).toEqual(theirs.map((_, i) => i + 1));
  });

  it('gives the same frames whatever the chunk sizes (streaming carry)', () => {
    const bytes = new Uint8Array(readFileSync(file));
    const whole = readChunked(bytes, [bytes.length], false).frames;
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 5000 }), { minLength: 1, maxLength: 8 }), (sizes) => {
        expect(readChunked(bytes, sizes, false).frames).toEqual(whole);
      }),
      { numRuns: 30 },
    );
  });

  it('a file cut anywhere: every whole record before the cut, then capture-truncated naming the offset', () => {
    const bytes = new Uint8Array(readFileSync(file));
    const whole = readChunked(bytes, [bytes.length], false).frames;
    for (let cut = 10; cut < 20000; cut += 997) {
      const r = readChunked(bytes.subarray(0, cut), [4096], false);
      const complete = whole.filter((f) => f.data + f.len <= cut);
      expect(r.frames).toEqual(complete);
      const atRecordEnd =
        complete.length > 0 &&
        complete[complete.length - 1]!.data + complete[complete.length - 1]!.len === cut;
      if (!atRecordEnd) {
        expect(r.diags).toHaveLength(1);
        expect(r.diags[0]).toMatchObject({ code: 'capture-truncated', severity: 'error', layer: 'file' });
        const want = complete.length
          ? complete[complete.length - 1]!.data + complete[complete.length - 1]!.len
          : cut < 24
            ? 0
            : 24;
        expect(r.diags[0]!.offset).toBe(want);
        expect(r.diags[0]!.message).toContain(`at byte ${want}`);
      }
    }
  });

  it('a corrupt record length stops with capture-record-corrupt at that record', () => {
    const bytes = new Uint8Array(readFileSync(file));
    const frames = readChunked(bytes, [bytes.length], false).frames;
    const bad = bytes.slice();
    const rec = frames[10]!.rec;
    new DataView(bad.buffer).setUint32(rec + 8, 0x7fffffff, true);
    const r = readChunked(bad, [65536], false);
    expect(r.frames).toHaveLength(10);
    expect(r.diags[0]).toMatchObject({ code: 'capture-record-corrupt', offset: rec });
  });
});

describe('pcap byte orders and nanoseconds', () => {
  it('big-endian nanosecond pcap (fixture ns-big-endian.pcap)', () => {
    const r = readChunked(new Uint8Array(readFileSync(`${FIXTURES}/ns-big-endian.pcap`)), [100], false);
    expect(r.frames.map((f) => f.t)).toEqual([1700000000_123456, 1700000001_987654]);
    expect(r.diags).toEqual([]);
  });
});

describe('pcapng reader', () => {
  it('two sections (LE then BE), interfaces with different link types and resolutions, SPB/NRB/ISB/custom blocks', () => {
    const bytes = new Uint8Array(readFileSync(`${FIXTURES}/multi-section.pcapng`));
    const sink = collector();
    const r = new PcapngReader(sink);
    r.feed(bytes, 0, bytes.length, 0, true);
    // Frame 3 is a custom block: numbered (as tshark does) but not a packet.
    expect(sink.frames.map((f) => [f.no, f.lt, f.t])).toEqual([
      [1, 1, 1700000000_000100],
      [2, 101, 1700000000_000200],
      [4, 1, 1700000000_005000],
      [5, 1, 0],
      [6, 1, 1700000000_007000],
    ]);
    expect(r.sections).toBe(2);
    expect(r.linkTypes).toEqual([1, 101]);
    expect([...r.skippedBlocks.keys()].sort()).toEqual([4, 5, 0xbad, 0x0c0ffee0].sort());
    expect(sink.diags).toEqual([]);
    // Chunked reading gives the same frames.
    expect(readChunked(bytes, [7, 13, 64], true).frames).toEqual(sink.frames);
  });

  it('timestamp units: exact µs from 64-bit ns, ms and binary resolutions', () => {
    const ns = 1700000000_123456789n;
    const hi = Number(ns >> 32n);
    const lo = Number(ns & 0xffffffffn);
    expect(tsToMicros(hi, lo, 9, -1)).toBe(1700000000_123456);
    expect(tsToMicros(0, 1500, 3, -1)).toBe(1_500_000);
    expect(tsToMicros(0, 3, -1, 1)).toBe(1_500_000);
  });

  it('a damaged block length is reported with its offset; what came before is kept', () => {
    const bytes = new Uint8Array(readFileSync(`${FIXTURES}/multi-section.pcapng`));
    const sink = collector();
    new PcapngReader(sink).feed(bytes, 0, bytes.length, 0, true);
    const second = sink.frames[1]!;
    const bad = bytes.slice();
    new DataView(bad.buffer).setUint32(second.rec + 4, 13, true); // not a multiple of 4
    const s2 = collector();
    new PcapngReader(s2).feed(bad, 0, bad.length, 0, true);
    expect(s2.frames).toHaveLength(1);
    expect(s2.diags[0]).toMatchObject({ code: 'capture-record-corrupt', offset: second.rec });
  });
});

describe('CaptureDecoder', () => {
  it('detects the format from the first chunk whatever its size, and refuses non-captures', () => {
    const bytes = new Uint8Array(readFileSync(`${FIXTURES}/vlan-qinq.pcap`));
    let n = 0;
    const d = new CaptureDecoder({ message: () => void n++ });
    for (let i = 0; i < bytes.length; i += 3) d.push(bytes.subarray(i, i + 3), i + 3 >= bytes.length);
    d.finish();
    expect(n).toBe(2);
    expect(d.formatName).toBe('pcap');
    const e = new CaptureDecoder({ message: () => void n++ });
    e.push(new TextEncoder().encode('OPTIONS sip:a SIP/2.0\r\n\r\n'), true);
    e.finish();
    expect(e.pipeline.diagnostics.map((x) => x.code)).toEqual(['capture-format-unknown']);
    const empty = new CaptureDecoder({ message: () => {} });
    empty.finish();
    expect(empty.pipeline.diagnostics.map((x) => x.code)).toEqual(['capture-empty']);
  });
});
