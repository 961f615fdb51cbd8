/**
 * The media spool (src/main/live/media-spool.ts) on its own: a view holds the segments of one moment
 * open, so what a scan of it noted is read back right even after the ring deleted those segments; the
 * cap drops whole segments, oldest first, and says until when; close removes the directory.
 */
import { existsSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MediaSpool } from '../../../src/main/live/media-spool';
import { StreamScan } from '../../../src/sip-core/media/stream-scan';

const names = ['10.0.0.1', '10.0.0.2'];
/** RTP packet `seq` of SSRC 0x1234 (PCMU, 160 octets of payload whose first two carry `seq`). */
function rtp(seq: number): Uint8Array {
  const b = new Uint8Array(172);
  b[0] = 0x80;
  b[2] = seq >> 8;
  b[3] = seq & 255;
  b[10] = 0x12;
  b[11] = 0x34;
  b[12] = seq >> 8;
  b[13] = seq & 255;
  return b;
}
const put = (s: MediaSpool, from: number, to: number): void => {
  for (let q = from; q < to; q++) {
    const b = rtp(q);
    s.write(names, 0, 4000, 1, 5000, b, 0, b.length, 1_700_000_000_000_000 + q * 20_000);
  }
};

describe('media spool', () => {
  it('a view reads back what its scan noted, though the ring deleted those segments since', () => {
    const s = new MediaSpool({ maxBytes: 64 * 1024 });
    put(s, 0, 200);
    const view = s.view();
    const scan = new StreamScan([
      { src: '10.0.0.1', srcPort: 4000, dst: '10.0.0.2', dstPort: 5000, ssrc: 0x1234, lastFrame: 0 },
    ]);
    for (const c of view.chunks(4096)) scan.push(c);
    scan.finish();
    expect(scan.lists[0]!.count).toBe(200 - s.dropped);
    const firstKept = s.dropped;
    // Much more comes: every segment the view holds is deleted from the directory.
    put(s, 200, 2000);
    expect(s.dropped).toBeGreaterThan(200);
    const back = view.records(scan.frames);
    view.close();
    expect(back.map((p) => (p.data[28 + 12]! << 8) | p.data[28 + 13]!)).toEqual(
      Array.from({ length: 200 - firstKept }, (_, i) => firstKept + i),
    );
    expect(back[0]!.timeUs).toBe(1_700_000_000_000_000 + firstKept * 20_000);
    s.close();
  });

  it('drops whole segments past the cap, oldest first, and says until when', () => {
    const s = new MediaSpool({ maxBytes: 64 * 1024 });
    put(s, 0, 1000);
    s.flush();
    expect(s.bytes).toBeLessThanOrEqual(64 * 1024 + 16 * 1024);
    expect(s.dropped + [...s.all()].length).toBe(1000);
    expect(s.keptFromUs).toBe(1_700_000_000_000_000 + s.dropped * 20_000);
    expect(s.droppedUntilUs).toBe(s.keptFromUs - 20_000);
    const dir = s.dir;
    expect(readdirSync(dir).length).toBeGreaterThan(1);
    s.close();
    expect(existsSync(dir)).toBe(false);
    put(s, 1000, 1010);
    expect(s.packets).toBe(1000);
  });
});
