/**
 * openCapture / openCaptureBytes: ingest in a worker thread, progress, cancellation, raw bytes read
 * back from the file (or the upload) in this thread, and the same trace as an in-thread ingest.
 */
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { IngestError, openCapture, openCaptureBytes } from '../../src/main/ingest';
import { toTraceJson } from '../../src/sip-core/trace/trace-json';
import { FIXTURES, havePublic, ingestFile, PUBLIC_CAPTURES } from '../sip-core/capture/tshark-compare';

describe.skipIf(!havePublic)('openCapture (worker thread)', () => {
  const file = `${PUBLIC_CAPTURES}/heplify__sip_ipv4_tcp_fragmented.pcap`;

  it('gives the same trace as an in-thread ingest, with progress, raw bytes read back by offset', async () => {
    const progress: [number, number][] = [];
    const o = await openCapture(file, { onProgress: (d, t) => progress.push([d, t]) });
    try {
      expect(o.trace.count).toBe(406);
      expect(o.isCapture).toBe(true);
      expect(progress.at(-1)).toEqual([408328, 408328]);
      const here = toTraceJson(ingestFile(file).trace);
      const there = toTraceJson(o.trace);
      expect(there.messages).toEqual(here.messages);
      expect(new TextDecoder().decode(o.trace.raw(0)).startsWith('INVITE sip:699818@')).toBe(true);
    } finally {
      o.close();
    }
  });

  it('an aborted open rejects with IngestError ABORT_ERR', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(openCapture(file, { signal: ac.signal })).rejects.toMatchObject({
      name: 'IngestError',
      code: 'ABORT_ERR',
    });
    const ac2 = new AbortController();
    const p = openCapture(file, { signal: ac2.signal });
    ac2.abort();
    await expect(p).rejects.toBeInstanceOf(IngestError);
  });

  it('a file that does not exist rejects (ENOENT)', async () => {
    await expect(openCapture(`${FIXTURES}/nope.pcap`)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('openCaptureBytes (uploads)', () => {
  it('plain and gzip uploads: messages and raw bytes', async () => {
    const bytes = new Uint8Array(readFileSync(`${FIXTURES}/websocket.pcap`));
    const a = await openCaptureBytes(bytes, 'websocket.pcap');
    expect(a.trace.count).toBe(4);
    expect(a.trace.transport(0)).toBe('WS');
    expect(new TextDecoder().decode(a.trace.raw(0))).toMatch(/^REGISTER sip:b\.example SIP\/2\.0\r\n/);
    const b = await openCaptureBytes(new Uint8Array(gzipSync(bytes)), 'websocket.pcap.gz');
    expect(b.trace.source.compression).toBe('gzip');
    expect(toTraceJson(b.trace).messages).toEqual(toTraceJson(a.trace).messages);
  });
});
