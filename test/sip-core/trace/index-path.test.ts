/**
 * The ingest fast path (index scan by byte spans, Call-ID and method interned by bytes) gives the
 * same trace as the full-parse path, on every fixture and public capture; the byte interner and the
 * word-at-a-time line scan agree with the plain forms on aligned and unaligned buffers.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { parseMessage } from '../../../src/sip-core/message';
import { indexScan, indexScanSpans, newIndexSpans } from '../../../src/sip-core/capture/sip-index';
import { ByteInterner } from '../../../src/sip-core/trace/byte-interner';
import { ingestBytes } from '../../../src/sip-core/trace/trace-builder';
import type { Trace } from '../../../src/sip-core/trace/trace';
import { FIXTURES, havePublic, PUBLIC_CAPTURES, zlibInflate } from '../capture/tshark-compare';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

function ingest(file: string, parse: boolean): Trace {
  return ingestBytes(new Uint8Array(readFileSync(file)), file.split('/').pop()!, {
    inflate: zlibInflate,
    gunzip: (b) => new Uint8Array(gunzipSync(b)),
    parse,
  }).trace;
}

function sameTrace(a: Trace, b: Trace, what: string): void {
  expect(a.count, what).toBe(b.count);
  expect(a.callIdCount, what).toBe(b.callIdCount);
  for (let i = 0; i < a.count; i++) {
    expect(a.entry(i), `${what} #${i}`).toEqual(b.entry(i));
    expect(a.methodOrCseqMethod(i), `${what} #${i}`).toBe(b.methodOrCseqMethod(i));
    expect(a.frames(i), `${what} #${i}`).toEqual(b.frames(i));
    expect(a.raw(i), `${what} #${i}`).toEqual(b.raw(i));
  }
}

const files = (dir: string): string[] =>
  existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => /\.(pcap|pcapng|gz|cap)$/.test(f))
        .map((f) => `${dir}/${f}`)
    : [];

describe('index path = full-parse path', () => {
  it('on every capture fixture', () => {
    const list = files(FIXTURES);
    expect(list.length).toBeGreaterThan(5);
    let n = 0;
    for (const f of list) {
      const idx = ingest(f, false);
      sameTrace(idx, ingest(f, true), f);
      n += idx.count;
    }
    expect(n).toBeGreaterThan(20);
  });

  it.skipIf(!havePublic)('on every public capture', () => {
    let n = 0;
    for (const f of files(PUBLIC_CAPTURES)) {
      const idx = ingest(f, false);
      sameTrace(idx, ingest(f, true), f);
      n += idx.count;
    }
    expect(n).toBeGreaterThan(900);
  });
});

describe('indexScanSpans', () => {
  const msgs = [
    'INVITE sip:b@b.example SIP/2.0\r\nVia: SIP/2.0/UDP a;branch=z9hG4bK1\r\nFrom: <sip:a@a>;tag=1\r\nTo: <sip:b@b>\r\nCall-ID: abc-123@host\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n',
    'SIP/2.0 180 Ringing\ni:x\ncseq:2  BYE\n\n',
    'SIP/2.0 200 OK\r\nIn-Reply-To: q\r\nCall-Info: <http://x>\r\ncall-id : \t spaced \r\nCSeq: 9 OPTIONS\r\n\r\n',
    'MESSAGE sip:b SIP/2.0\r\nCall-ID: ünï-cödé\r\n\r\n',
    'not sip at all',
  ];
  it('finds the same fields at every alignment of the buffer (word and byte loops)', () => {
    const out = newIndexSpans();
    for (const m of msgs) {
      const b = enc(m);
      const want = parseMessage(b);
      for (let shift = 0; shift < 8; shift++) {
        const backing = new Uint8Array(b.length + 16);
        backing.set(b, shift);
        // Both an aligned buffer with the message at an offset, and an unaligned view.
        for (const [buf, s] of [
          [backing, shift],
          [backing.subarray(shift), 0],
        ] as const) {
          const f = indexScan(buf, s, s + b.length, {
            kind: 'invalid',
            method: null,
            status: null,
            callId: null,
            cseqMethod: null,
          });
          if (want.kind === 'invalid') expect(f.kind).toBe('invalid');
          else {
            expect([f.kind, f.method, f.status, f.callId, f.cseqMethod], m).toEqual([
              want.kind,
              want.method,
              want.status,
              want.callId,
              want.cseqMethod,
            ]);
          }
          const sp = indexScanSpans(buf, s, s + b.length, out);
          expect(sp.kind).toBe(['request', 'response', 'invalid'].indexOf(f.kind));
        }
      }
    }
  });
});

describe('ByteInterner', () => {
  it('gives one id per distinct byte string, through growth and rehash, and asks for new ones only', () => {
    const t = new ByteInterner(4);
    const made: string[] = [];
    const make = (b: Uint8Array, s: number, e: number): number => {
      made.push(new TextDecoder().decode(b.subarray(s, e)));
      return made.length;
    };
    const keys = Array.from({ length: 5000 }, (_, i) => `call-${i * 7919}@h${i % 13}`);
    for (let round = 0; round < 2; round++) {
      keys.forEach((k, i) => {
        const b = enc(`xx${k}yy`);
        expect(t.id(b, 2, b.length - 2, make)).toBe(i + 1);
      });
    }
    expect(made).toEqual(keys);
    expect(t.size).toBe(5000);
    const empty = new Uint8Array(0);
    expect(t.id(empty, 0, 0, make)).toBe(5001);
    expect(t.id(empty, 0, 0, make)).toBe(5001);
  });

  it('tells apart keys its cache of repeated keys cannot (same length, first, middle and last byte; lengths 256 apart)', () => {
    const t = new ByteInterner(4);
    let n = 0;
    const make = (): number => ++n;
    const long = 'A' + 'x'.repeat(254) + 'Z';
    const keys = [
      'INVITE',
      'IxVxTE',
      'INVxTE',
      'I',
      long,
      long + 'x'.repeat(256),
      'A' + 'x'.repeat(510) + 'Z',
    ];
    const ids = keys.map((k) => t.id(enc(k), 0, k.length, make));
    expect(new Set(ids).size).toBe(keys.length);
    for (let round = 0; round < 3; round++)
      keys.forEach((k, i) => expect(t.id(enc(k), 0, k.length, make)).toBe(ids[i]));
    expect(n).toBe(keys.length);
  });
});
