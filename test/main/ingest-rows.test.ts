/**
 * openCapture({ onTrace }): the worker hands its trace over in parts while it reads; the trace given
 * to onTrace grows, its listeners see every message once, in order, and it ends equal to the trace a
 * plain open gives (messages, source, counts, raw bytes).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
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

  it('an abort rejects with ABORT_ERR', async () => {
    const ac = new AbortController();
    const p = openCapture(files[0]!, { signal: ac.signal, onTrace: () => {} });
    ac.abort();
    await expect(p).rejects.toMatchObject({ name: 'IngestError', code: 'ABORT_ERR' });
  });
});
