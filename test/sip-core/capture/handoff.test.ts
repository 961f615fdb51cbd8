/**
 * Frames handed from the tail part of a split ingest to the head: every field and byte comes back in
 * order, across chunk boundaries, with a frame larger than a chunk, and numbered after the head's frames.
 */
import { describe, expect, it } from 'vitest';
import type { FrameInfo } from '../../../src/sip-core/capture/reader/frame';
import { HandoffWriter, readHandoff } from '../../../src/sip-core/capture/reader/handoff';

const info = (i: number, len: number): FrameInfo => ({
  frameNo: i + 1,
  timeUs: 1_700_000_000_000_000 + i * 1234,
  linkType: i % 3 === 0 ? 113 : 1,
  interfaceId: i % 2,
  recordOffset: 2 ** 33 + i * 1000,
  recordLength: 16 + len,
  dataOffset: 2 ** 33 + i * 1000 + 16,
  capLen: len,
  origLen: len + (i % 5),
});

describe('HandoffWriter / readHandoff', () => {
  it('gives back every frame, in order, across chunks', () => {
    const chunks: Uint8Array[] = [];
    const w = new HandoffWriter((c) => chunks.push(c.slice()), 256);
    const lens = [0, 1, 7, 8, 9, 60, 200, 1000, 13, 255];
    const frames = lens.map((len, i) => {
      const bytes = Uint8Array.from({ length: len + 6 }, (_, k) => (k * 31 + i) & 255);
      w.add(bytes, 3, 3 + len, info(i, len));
      return { bytes: bytes.slice(3, 3 + len), info: info(i, len) };
    });
    w.finish();
    w.finish();
    expect(w.frames).toBe(lens.length);
    expect(chunks.length).toBeGreaterThan(2);
    const got: { bytes: Uint8Array; info: FrameInfo }[] = [];
    const into = info(0, 0);
    for (const c of chunks)
      readHandoff(c, 500, into, (buf, s, e, fi) => got.push({ bytes: buf.slice(s, e), info: { ...fi } }));
    expect(got.map((g) => g.bytes)).toEqual(frames.map((f) => f.bytes));
    expect(got.map((g) => g.info)).toEqual(frames.map((f) => ({ ...f.info, frameNo: f.info.frameNo + 500 })));
  });
});
