/**
 * Trace.eachRaw, the read-back tier 2 uses (analysis/tiered.ts): the raw bytes of a range of messages
 * with no copy per message (file-backed messages a region at a time, arena messages as views). Every
 * message must get exactly the bytes `raw(id)` gives, for whole traces and for ranges that cut runs.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ingestCaptureFile } from '../../../src/sip-core/trace/ingest-file.node.js';
import type { Trace } from '../../../src/sip-core/trace/trace';

const repo = path.resolve(import.meta.dirname, '../../..');
const pub = path.resolve(repo, '../shared/captures/public');

function captures(): string[] {
  const out: string[] = [];
  const add = (dir: string): void => {
    if (!existsSync(dir)) return;
    for (const f of readdirSync(dir).sort())
      if (/\.(pcap|pcapng|cap)(\.gz)?$/.test(f)) out.push(path.join(dir, f));
  };
  add(path.join(repo, 'test/fixtures/capture'));
  add(path.join(repo, 'test/fixtures/analysis/sipp'));
  add(pub);
  out.push(path.join(repo, 'resources/samples/sample-call.pcap'));
  return out.filter((f) => existsSync(f));
}

/**
 * Checks eachRaw(from, to) against raw(id); returns how many messages came as spans of a shared
 * region. `buffers`: with `lend`, the buffers the file-backed regions came in (their ArrayBuffers).
 */
function check(
  t: Trace,
  from: number,
  to: number,
  name: string,
  lend = false,
  buffers?: Set<ArrayBufferLike>,
): number {
  let next = from;
  let shared = 0;
  t.eachRaw(
    from,
    to,
    (id, buf, start, end) => {
      expect(id, name).toBe(next++);
      expect(Buffer.from(buf.subarray(start, end)).equals(Buffer.from(t.raw(id))), `${name} #${id}`).toBe(
        true,
      );
      if (end - start < buf.length) shared++;
      if (buffers && buf.buffer.byteLength <= 256 * 1024) buffers.add(buf.buffer); // (not an arena chunk: 4 MiB)
    },
    lend,
  );
  expect(next, name).toBe(Math.max(from, Math.min(to, t.count)));
  return shared;
}

describe('Trace.eachRaw', () => {
  it('gives every message the bytes raw(id) gives, whole traces and cut ranges', async () => {
    let total = 0;
    let shared = 0;
    for (const f of captures()) {
      const r = await ingestCaptureFile(f, { parse: false });
      const t = r.trace;
      try {
        shared += check(t, 0, t.count, path.basename(f));
        for (let from = 0; from < t.count; from += 7) check(t, from, from + 7, path.basename(f));
        check(t, 3, t.count + 10, path.basename(f));
        total += t.count;
      } finally {
        r.file.close();
      }
    }
    expect(total).toBeGreaterThan(100);
    // The file-backed runs were read as regions (the point of the method), not one copy per message.
    expect(shared).toBeGreaterThan(total / 4);
  });

  it('with lend, gives the same bytes, every file-backed region read into one buffer', async () => {
    let total = 0;
    for (const f of captures()) {
      const r = await ingestCaptureFile(f, { parse: false });
      const t = r.trace;
      try {
        const buffers = new Set<ArrayBufferLike>();
        check(t, 0, t.count, path.basename(f), true, buffers);
        for (let from = 0; from < t.count; from += 7)
          check(t, from, from + 7, path.basename(f), true, buffers);
        // (a message over 256 KiB would come in a buffer of its own: none in these captures)
        expect(buffers.size, path.basename(f)).toBeLessThanOrEqual(1);
        total += t.count;
      } finally {
        r.file.close();
      }
    }
    expect(total).toBeGreaterThan(100);
  });
});
