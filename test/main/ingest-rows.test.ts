/**
 * openCapture({ onTrace }): the worker hands its trace over in parts while it reads; the trace given
 * to onTrace grows, its listeners see every message once, in order, and it ends equal to the trace a
 * plain open gives (messages, source, counts, raw bytes).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { benchCapture } from '../helpers/fill-ahead';
import { openCapture } from '../../src/main/ingest';
import type { Trace } from '../../src/sip-core/trace/trace';
import { toTraceJson } from '../../src/sip-core/trace/trace-json';
import { FIXTURES, PUBLIC_CAPTURES } from '../sip-core/capture/tshark-compare';

const files = [
  `${PUBLIC_CAPTURES}/heplify__sip_tcp_websocket.pcap`,
  `${FIXTURES}/tcp-segmentation.pcap`,
  `${FIXTURES}/ipv4-fragments.pcap`,
].filter((f) => existsSync(f));

describe('openCapture({ onTrace })', () => {
  it('grows a trace that ends equal to a plain open, listeners once per message', async () => {
    expect(files.length).toBeGreaterThanOrEqual(2);
    for (const f of files) {
      let given: Trace | null = null;
      const seen: number[] = [];
      const bytes: string[] = [];
      const grown = await openCapture(f, {
        parse: false,
        workers: 2,
        onTrace: (t) => {
          expect(given).toBeNull();
          expect(t.count).toBe(0);
          given = t;
          t.onAppendBytes((id, buf, s, e) => {
            seen.push(id);
            bytes.push(new TextDecoder().decode(buf.subarray(s, e)));
          });
        },
      });
      const plain = await openCapture(f, { parse: false });
      try {
        expect(grown.trace).toBe(given);
        const a = toTraceJson(grown.trace);
        const b = toTraceJson(plain.trace);
        expect(a.messages, f).toEqual(b.messages);
        expect(a.source, f).toEqual(b.source);
        expect([...grown.trace.messageDiagnosticCounts].sort()).toEqual(
          [...plain.trace.messageDiagnosticCounts].sort(),
        );
        expect(seen).toEqual([...Array(plain.trace.count).keys()]);
        expect(bytes).toEqual(
          Array.from({ length: plain.trace.count }, (_, id) => new TextDecoder().decode(plain.trace.raw(id))),
        );
      } finally {
        grown.close();
        plain.close();
      }
    }
  }, 120_000);

  it('a gzip-compressed capture: bytes from the parts, the file not read back (as a plain open)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sipscope-rows-gz-'));
    const gz = join(dir, 'capture.pcap.gz');
    writeFileSync(gz, gzipSync(readFileSync(files[0]!)));
    try {
      const grown = await openCapture(gz, { parse: false, onTrace: () => {} });
      const plain = await openCapture(gz, { parse: false });
      try {
        expect(grown.trace.count).toBeGreaterThan(0);
        expect(toTraceJson(grown.trace).messages).toEqual(toTraceJson(plain.trace).messages);
        expect(grown.trace.canReadFile).toBe(plain.trace.canReadFile);
        for (let id = 0; id < plain.trace.count; id++)
          expect(grown.trace.raw(id)).toEqual(plain.trace.raw(id));
      } finally {
        grown.close();
        plain.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  // (bench/data's, else made by its generator: a clean clone checks it too)
  const bench = benchCapture();
  it('hands the last chunks of the file over one by one (the part left after the read is one chunk)', async () => {
    // (the 40 MB bench capture: five 8 MiB chunks, read in ~30-100 ms, all in the last 64 MiB:
    // before, the rows after the first chunk came in one part at the end when the read took less
    // than a part's 50 ms)
    const parts: number[] = [];
    let last = 0;
    const grown = await openCapture(bench, {
      parse: false,
      onTrace: () => {},
      onRows: (t) => {
        parts.push(t.count - last);
        last = t.count;
      },
    });
    try {
      const n = grown.trace.count;
      const perChunk = (n * 8 * 1024 * 1024) / statSync(bench).size;
      expect(parts.reduce((a, b) => a + b, 0)).toBe(n);
      expect(parts.length).toBeGreaterThanOrEqual(4);
      // (one chunk each, two when a chunk took less than the 5 ms between parts)
      for (const p of parts.slice(-2)) expect(p).toBeLessThan(2.5 * perChunk);
    } finally {
      grown.close();
    }
  }, 60_000);

  it('an abort rejects with ABORT_ERR', async () => {
    const ac = new AbortController();
    const p = openCapture(files[0]!, { signal: ac.signal, onTrace: () => {} });
    ac.abort();
    await expect(p).rejects.toMatchObject({ name: 'IngestError', code: 'ABORT_ERR' });
  });
});
