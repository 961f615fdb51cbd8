/**
 * A live trace keeps its media (live/media-spool.ts) so it can be heard and saved: the media sample
 * (SIPp through Kamailio, G.711 both ways) fed to a live trace in chunks, as dumpcap's stdout comes,
 * plays each call's audio sample-exact as the same file opened as a capture does, also before the
 * capture ends (what has come so far); saved, its pcapng has tshark's RTP streams of the file; a small
 * cap drops the oldest media and the player says what is missing instead of playing silence.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { liveFeed } from '../../../src/main/live/dumpcap';
import { LiveTrace } from '../../../src/main/live/live-trace';
import { newStats } from '../../../src/main/live/source';
import { TraceAdapter } from '../../../src/main/service/capture-loader';
import { createHost } from '../../../src/main/service/create-host';
import { liveCallsExport, traceStreamAudio } from '../../../src/main/service/stream-audio';
import { SAMPLES } from '../../../src/main/paths';
import { ApiError, Invoke, type StreamAudioDto } from '../../../src/shared/api';
import { requirePeer } from '../../helpers/peers';
import { tsharkStreams } from '../../helpers/rtp-tshark';

const sample = SAMPLES.find((s) => s.id === 'media')!.path;
const host = createHost({ mode: 'browser', recentFile: null });
const dir = mkdtempSync(join(tmpdir(), 'sipscope-live-audio-'));
const tshark = requirePeer('tshark');
afterAll(async () => {
  await host.dispose();
  rmSync(dir, { recursive: true, force: true });
});

/** The sample fed to a live trace in 4 KB chunks (up to `upTo` octets); not closed. */
function liveOf(opts: { mediaKeepBytes?: number; upTo?: number } = {}): LiveTrace {
  const bytes = readFileSync(sample);
  const live = new LiveTrace({
    name: 'capture lo',
    format: 'live-pcapng',
    mediaKeepBytes: opts.mediaKeepBytes,
  });
  const feed = liveFeed(live, newStats(), true);
  const end = Math.min(bytes.length, opts.upTo ?? bytes.length);
  for (let o = 0; o < end; o += 4096) feed.push(bytes.subarray(o, Math.min(end, o + 4096)));
  if (end === bytes.length) feed.finish();
  live.flushUpdates();
  return live;
}

async function liveAudio(live: LiveTrace, call: string): Promise<StreamAudioDto> {
  const a = new TraceAdapter(live.trace, []);
  await a.analyse();
  return traceStreamAudio(a.trace, { call }, 'timestamp', { kind: 'live', spool: live.spool });
}

describe('a live trace’s kept media', () => {
  it('plays each call as the capture file does, sample for sample', async () => {
    const live = liveOf();
    const spoolDir = live.spool!.dir;
    expect(spoolDir.startsWith(tmpdir())).toBe(true);
    const cap = await host.invoke(Invoke.captureOpenPath, { path: sample });
    for (const call of ['C1', 'C2', 'C3']) {
      const file = await host.invoke(Invoke.streamAudio, { captureId: cap.id, call });
      const ours = await liveAudio(live, call);
      expect(ours.streams).toEqual(file.streams);
      expect(ours.startTime).toBe(file.startTime);
      expect(ours.durationMs).toBe(file.durationMs);
      expect(ours.base64).toBe(file.base64);
      expect(ours.note).toBeUndefined();
    }
    // Each stream alone (the stream inspector's player), mono, as the file's stream of the same SSRC.
    const fileMedia = await host.invoke(Invoke.callMedia, { captureId: cap.id });
    const a = new TraceAdapter(live.trace, []);
    await a.analyse();
    const liveMedia = a.callMedia(null)!;
    expect(liveMedia.streams.length).toBe(fileMedia.streams.length);
    for (const s of liveMedia.streams) {
      const f = fileMedia.streams.find(
        (x) => x.ssrc === s.ssrc && x.srcPort === s.srcPort && x.dstPort === s.dstPort && x.start === s.start,
      )!;
      const file = await host.invoke(Invoke.streamAudio, {
        captureId: cap.id,
        stream: f.index,
        timing: 'arrival',
      });
      const ours = await traceStreamAudio(a.trace, { stream: s.index }, 'arrival', {
        kind: 'live',
        spool: live.spool,
      });
      expect(ours.channels).toBe(1);
      expect({ ...ours.streams[0], index: f.index }).toEqual(file.streams[0]);
      expect(ours.base64 === file.base64).toBe(true);
    }
    live.releaseMedia();
    expect(existsSync(spoolDir)).toBe(false);
    await expect(liveAudio(live, 'C1')).rejects.toThrow(/does not keep its media/);
  });

  it('a source without RTP keeps nothing (no files)', () => {
    const live = liveOf({ upTo: 2000 });
    expect(live.trace.count).toBeGreaterThan(0);
    expect(live.spool).toBeNull();
  });

  it('a call in progress plays what has come so far', async () => {
    const size = readFileSync(sample).length;
    const live = liveOf({ upTo: Math.floor(size * 0.2) });
    const so = await liveAudio(live, 'C1');
    const whole = liveOf();
    const all = await liveAudio(whole, 'C1');
    expect(so.durationMs).toBeGreaterThan(0);
    expect(so.durationMs).toBeLessThan(all.durationMs);
    expect(so.startTime).toBe(all.startTime);
    live.releaseMedia();
    whole.releaseMedia();
  });

  it.skipIf(!tshark)(
    'saved: the pcapng holds the SIP and the RTP streams tshark reads in the file',
    async () => {
      const live = liveOf();
      const out = join(dir, 'saved.pcapng');
      await live.save(out);
      const key = (s: { src: string; srcPort: number; ssrc: string }): string =>
        `${s.src}:${s.srcPort} ${s.ssrc}`;
      const strip = (f: string) =>
        tsharkStreams(tshark!, f)
          .map(({ src, srcPort, dst, dstPort, ssrc, payloads, packets, lost, jitter }) => ({
            src,
            srcPort,
            dst,
            dstPort,
            ssrc,
            payloads,
            packets,
            lost,
            jitter,
          }))
          .sort((a, b) => key(a).localeCompare(key(b)));
      const theirs = strip(sample);
      expect(theirs.length).toBeGreaterThan(3);
      expect(strip(out)).toEqual(theirs);
      live.releaseMedia();
    },
  );

  it.skipIf(!tshark)('a call exported from it: its SIP and its RTP streams as in the file', async () => {
    const live = liveOf();
    const adapter = new TraceAdapter(live.trace, []);
    await adapter.analyse();
    for (const format of ['pcap', 'pcapng'] as const) {
      const out = await liveCallsExport(live, adapter, ['C2'], format);
      expect(out.fileName).toBe(`capture_lo-C2.${format}`);
      const file = join(dir, `c2.${format}`);
      writeFileSync(file, Buffer.from(out.base64!, 'base64'));
      const count = (filter: string): number =>
        execFileSync(tshark!, ['-n', '-r', file, '-Y', filter, '-T', 'fields', '-e', 'frame.number'], {
          encoding: 'utf8',
        })
          .split('\n')
          .filter(Boolean).length;
      // As the file's export of C2 (service-export-media.test.ts): 13 SIP, 100 + 88 RTP.
      expect(count('sip')).toBe(13);
      expect(count('udp and not sip')).toBe(188);
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
      expect(strip(file)).toEqual(strip(sample).filter((s) => s.srcPort === 6012 || s.dstPort === 6012));
    }
    live.releaseMedia();
  });

  it('a spool that cannot be written stops keeping, the capture goes on, the player says why', async () => {
    const bytes = readFileSync(sample);
    const live = new LiveTrace({ name: 'capture lo', format: 'live-pcapng', mediaKeepBytes: 64 * 1024 });
    const feed = liveFeed(live, newStats(), true);
    const half = bytes.length >> 1;
    for (let o = 0; o < half; o += 4096) feed.push(bytes.subarray(o, Math.min(half, o + 4096)));
    // The temp dir removed under it (a cleaner, a full disk): its next segment cannot be made.
    rmSync(live.spool!.dir, { recursive: true, force: true });
    expect(() => {
      for (let o = half; o < bytes.length; o += 4096)
        feed.push(bytes.subarray(o, Math.min(bytes.length, o + 4096)));
      feed.finish();
    }).not.toThrow();
    expect(live.trace.count).toBe(liveOf({ mediaKeepBytes: 0 }).trace.count);
    expect(live.mediaFailure).toMatch(/ENOENT/);
    const a = new TraceAdapter(live.trace, []);
    await a.analyse();
    await expect(
      traceStreamAudio(a.trace, { call: 'C3' }, 'timestamp', {
        kind: 'live',
        spool: live.spool,
        failure: live.mediaFailure,
      }),
    ).rejects.toThrow(/^this live capture could not keep its media \(ENOENT/);
  });

  it('a small cap keeps the newest media; what is gone is said, not played', async () => {
    const live = liveOf({ mediaKeepBytes: 64 * 1024 });
    const spool = live.spool!;
    expect(spool.dropped).toBeGreaterThan(0);
    expect(spool.bytes).toBeLessThanOrEqual(64 * 1024 + 16 * 1024);
    const starts = new Map<string, number>();
    const cap = await host.invoke(Invoke.captureOpenPath, { path: sample });
    for (const call of ['C1', 'C2', 'C3'])
      starts.set(call, (await host.invoke(Invoke.streamAudio, { captureId: cap.id, call })).startTime);
    const heard: string[] = [];
    for (const call of ['C1', 'C2', 'C3']) {
      try {
        const a = await liveAudio(live, call);
        if (a.note) {
          const m =
            /^the first (\d+\.\d) s are no longer kept \(this live capture keeps its last 64 KB of media\)$/.exec(
              a.note,
            );
          expect(m).not.toBeNull();
          // It starts where the kept media starts, that much later than the whole call's audio.
          expect(a.startTime - starts.get(call)!).toBeCloseTo(Number(m![1]), 0);
          heard.push(`${call} part`);
        } else heard.push(`${call} whole`);
      } catch (e) {
        expect(e).toBeInstanceOf(ApiError);
        expect((e as Error).message).toMatch(/^this audio is no longer kept/);
        heard.push(`${call} gone`);
      }
    }
    // The oldest call's media went first, the newest is whole.
    expect(heard).toEqual(['C1 gone', 'C2 part', 'C3 whole']);
    live.releaseMedia();
  });
});
