/**
 * openCapture with two workers: a classic pcap file cut in two, ingested by two worker threads and
 * merged, gives the trace one worker gives (TCP, fragments and WebSocket included), with progress to
 * the end and cancellation.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { openCapture } from '../../src/main/ingest';
import { toTraceJson } from '../../src/sip-core/trace/trace-json';
import { FIXTURES, PUBLIC_CAPTURES } from '../sip-core/capture/tshark-compare';

const files = [
  `${PUBLIC_CAPTURES}/heplify__sip_ipv4_tcp_fragmented.pcap`,
  `${PUBLIC_CAPTURES}/heplify__sip_tcp_websocket.pcap`,
  `${FIXTURES}/ipv4-fragments.pcap`,
  `${FIXTURES}/tcp-segmentation.pcap`,
].filter((f) => existsSync(f));

describe('openCapture({ workers: 2 })', () => {
  it('equals one worker, index only and full parse (TCP across the cut decoded by the tail)', async () => {
    expect(files.length).toBeGreaterThanOrEqual(2);
    for (const [i, f] of files.entries()) {
      for (const parse of i === 0 ? [false, true] : [false]) {
        const progress: number[] = [];
        const two = await openCapture(f, {
          workers: 2,
          splitMinBytes: 0,
          parse,
          onProgress: (d, t) => progress.push(d / t),
        });
        const one = await openCapture(f, { parse });
        try {
          const a = toTraceJson(two.trace);
          const b = toTraceJson(one.trace);
          expect(a.messages, f).toEqual(b.messages);
          expect(a.source, f).toEqual(b.source);
          expect([...two.trace.messageDiagnosticCounts].sort()).toEqual(
            [...one.trace.messageDiagnosticCounts].sort(),
          );
          expect(progress.at(-1)).toBe(1);
          expect(new TextDecoder().decode(two.trace.raw(two.trace.count - 1))).toEqual(
            new TextDecoder().decode(one.trace.raw(one.trace.count - 1)),
          );
        } finally {
          two.close();
          one.close();
        }
      }
    }
  }, 120_000);

  it("a tail worker that crashes rejects the open with the tail's error (the head does not wait on)", async () => {
    // The worker script: the real one (from sources, through tsx, as openCapture starts it), except
    // that the tail part of the split throws before it reads anything.
    const dir = mkdtempSync(join(tmpdir(), 'sipscope-tail-crash-'));
    const entry = join(dir, 'crashing-tail-worker.mjs');
    const tsxApi = pathToFileURL(
      createRequire(import.meta.url)
        .resolve('tsx/esm/api')
        .replace(/\.cjs$/, '.mjs'),
    ).href;
    const worker = pathToFileURL(join(import.meta.dirname, '../../src/main/ingest/worker.ts')).href;
    writeFileSync(
      entry,
      `import { workerData } from 'node:worker_threads';
if (workerData.split?.role === 'tail') throw new Error('tail worker crashed (test)');
const m = await import(${JSON.stringify(tsxApi)});
m.register();
await import(${JSON.stringify(worker)});
`,
    );
    try {
      const t0 = performance.now();
      await expect(
        openCapture(files[0]!, { workers: 2, splitMinBytes: 0, workerEntry: entry }),
      ).rejects.toMatchObject({ name: 'IngestError', message: 'tail worker crashed (test)' });
      expect(performance.now() - t0).toBeLessThan(20_000);
      // The same script opens the file with one worker (no tail): it is the real worker.
      const one = await openCapture(files[0]!, { workerEntry: entry });
      expect(one.trace.count).toBeGreaterThan(0);
      one.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('an abort rejects with ABORT_ERR', async () => {
    const ac = new AbortController();
    const p = openCapture(files[0]!, { workers: 2, splitMinBytes: 0, signal: ac.signal });
    ac.abort();
    await expect(p).rejects.toMatchObject({ name: 'IngestError', code: 'ABORT_ERR' });
  });
});
