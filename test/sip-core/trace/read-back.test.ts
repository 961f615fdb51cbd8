/**
 * Reading messages back for views: the file read-back window returns exactly the file's bytes (in
 * order, backwards, across the window's end, past the end of the file) and a fresh buffer each time;
 * the NDJSON message line is exactly `JSON.stringify({ type: 'message', ...m })`.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CaptureFile } from '../../../src/sip-core/capture/reader/file-source.node.js';
import { messageJson, messageLine } from '../../../src/sip-core/trace/trace-json';
import { FIXTURES, havePublic, ingestFile, PUBLIC_CAPTURES } from '../capture/tshark-compare';

describe('CaptureFile.readAt', () => {
  it('into a lent buffer: the bytes read, and zeros past the end of a file cut short since it was opened', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sipscope-readat-'));
    const name = join(dir, 'f.bin');
    const bytes = new Uint8Array(4096).map((_, i) => (i * 7 + 1) & 0xff);
    writeFileSync(name, bytes);
    const f = new CaptureFile(name);
    try {
      const into = new Uint8Array(1024).fill(0xee);
      expect(Buffer.compare(f.readAt(100, 500, into), bytes.subarray(100, 600))).toBe(0);
      truncateSync(name, 300);
      into.fill(0xee);
      const got = f.readAt(100, 500, into);
      expect(got.length).toBe(500);
      expect(Buffer.compare(got.subarray(0, 200), bytes.subarray(100, 300))).toBe(0);
      // Not the 0xee a previous read left there.
      expect(got.subarray(200).every((b) => b === 0)).toBe(true);
    } finally {
      f.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('returns the file bytes at any offset and length, each call a new buffer', () => {
    const dir = havePublic ? PUBLIC_CAPTURES : FIXTURES;
    const name = readdirSync(dir)
      .filter((f) => /\.pcap$/.test(f))
      .map((f) => `${dir}/${f}`)
      .sort((a, b) => readFileSync(b).length - readFileSync(a).length)[0]!;
    const whole = new Uint8Array(readFileSync(name));
    const f = new CaptureFile(name);
    try {
      const reads: [number, number][] = [];
      for (let o = 0; o < whole.length; o += 997) reads.push([o, 1 + (o % 1500)]);
      for (let o = whole.length - 1; o >= 0; o -= 50_021) reads.push([o, 700]);
      reads.push([whole.length - 10, 10], [0, whole.length], [Math.floor(whole.length / 2), 300_000]);
      for (const [o, n] of reads) {
        const want = new Uint8Array(n);
        want.set(whole.subarray(o, o + n));
        const got = f.readAt(o, n);
        expect(got.length).toBe(n);
        expect(Buffer.compare(got, want), `${o}+${n}`).toBe(0);
      }
      const a = f.readAt(100, 10);
      const b = f.readAt(100, 10);
      a[0] = a[0]! ^ 0xff;
      expect(b[0]).toBe(whole[100]);
    } finally {
      f.close();
    }
  });
});

describe('messageLine', () => {
  it('equals JSON.stringify of the message object, on every fixture message', () => {
    let n = 0;
    const files = readdirSync(FIXTURES)
      .filter((f) => /\.(pcap|pcapng)$/.test(f))
      .map((f) => `${FIXTURES}/${f}`);
    if (havePublic)
      files.push(
        ...readdirSync(PUBLIC_CAPTURES)
          .filter((f) => /\.pcap$/.test(f))
          .slice(0, 8)
          .map((f) => `${PUBLIC_CAPTURES}/${f}`),
      );
    for (const file of files) {
      const t = ingestFile(file).trace;
      for (let i = 0; i < t.count; i++) {
        const m = messageJson(t, i);
        expect(messageLine(m)).toBe(`${JSON.stringify({ type: 'message', ...m })}\n`);
        n++;
      }
    }
    expect(n).toBeGreaterThan(20);
  });
});
