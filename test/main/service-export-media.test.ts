/**
 * `export:capture` of calls with RTP: each call goes out with its SIP messages and its RTP streams'
 * original frames (read again from the file, as for its audio), in frame order — what tshark then
 * reads of the export is what it reads of those calls in the original (the media sample: SIPp
 * through Kamailio with G.711 both ways, 12% lost one way, one-way audio).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createHost } from '../../src/main/service/create-host';
import { SAMPLES } from '../../src/main/paths';
import { Invoke } from '../../src/shared/api';
import { requirePeer } from '../helpers/peers';
import { tsharkStreams } from '../helpers/rtp-tshark';

const host = createHost({ mode: 'browser', recentFile: null });
const dir = mkdtempSync(join(tmpdir(), 'sipscope-export-media-'));
afterAll(async () => {
  await host.dispose();
  rmSync(dir, { recursive: true, force: true });
});
const tshark = requirePeer('tshark');
const sample = SAMPLES.find((s) => s.id === 'media')!.path;

/** Frame numbers (1-based) tshark lists for a display filter. */
const frames = (file: string, filter: string): number =>
  execFileSync(tshark!, ['-n', '-r', file, '-Y', filter, '-T', 'fields', '-e', 'frame.number'], {
    encoding: 'utf8',
  })
    .split('\n')
    .filter(Boolean).length;

describe('export:capture with the calls’ RTP', () => {
  it.each(['pcap', 'pcapng'] as const)(
    '%s: a call’s SIP and both its RTP streams, frame for frame as tshark reads them',
    async (format) => {
      const cap = await host.invoke(Invoke.captureOpenPath, { path: sample });
      const out = await host.invoke(Invoke.exportCapture, { captureId: cap.id, calls: ['C2'], format });
      const file = join(dir, `c2.${format}`);
      writeFileSync(file, Buffer.from(out.base64!, 'base64'));
      expect(out.fileName).toBe(`sample-media-C2.${format}`);
      // 13 SIP messages, 100 + 88 RTP packets: nothing of the other two calls.
      expect(frames(file, 'sip')).toBe(13);
      expect(frames(file, 'udp and not sip')).toBe(188);
      const strip = (f: string) =>
        tsharkStreams(tshark!, f).map(({ src, srcPort, dst, dstPort, ssrc, packets, lost, jitter }) => ({
          src,
          srcPort,
          dst,
          dstPort,
          ssrc,
          packets,
          lost,
          jitter,
        }));
      const theirs = strip(sample).filter((s) => s.srcPort === 6012 || s.dstPort === 6012);
      expect(theirs).toHaveLength(2);
      expect(strip(file)).toEqual(theirs);
    },
  );

  it('two calls at once: each one’s streams, the one-way call’s single stream', async () => {
    const cap = await host.invoke(Invoke.captureOpenPath, { path: sample });
    const out = await host.invoke(Invoke.exportCapture, {
      captureId: cap.id,
      calls: ['C1', 'C3'],
      format: 'pcap',
    });
    const file = join(dir, 'c1-c3.pcap');
    writeFileSync(file, Buffer.from(out.base64!, 'base64'));
    expect(frames(file, 'sip')).toBe(26);
    expect(frames(file, 'udp and not sip')).toBe(300);
  });
});
