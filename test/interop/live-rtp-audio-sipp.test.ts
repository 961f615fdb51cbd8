/**
 * Hear a live call, with real peers: SIPp's uac_pcap (G.711 audio from SIPp's pcap) calls a SIPp UAS
 * that echoes it (-rtp_echo) on loopback, captured live by `startDumpcap` on `lo` (its live trace keeps
 * the media, live/media-spool.ts) and, in parallel, by a second dumpcap into a file. While the call
 * runs its audio plays what came so far; at its end the call's audio rendered from the live trace
 * equals, sample for sample, the audio rendered from the parallel file opened as a capture (both
 * timings), and the live trace saved (LiveTrace.save), its `--pcap` file written as it came and its
 * call exported as pcapng all give tshark's `rtp,streams` of the parallel file (its streams, payload
 * types, packets and losses; not the jitter, see below). Bounded: every
 * process has a time limit.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { captureFilter, startDumpcap } from '../../src/main/live/dumpcap';
import type { LiveSource } from '../../src/main/live/source';
import { TraceAdapter } from '../../src/main/service/capture-loader';
import { createHost } from '../../src/main/service/create-host';
import { liveCallsExport, traceStreamAudio } from '../../src/main/service/stream-audio';
import { Invoke, type StreamAudioDto } from '../../src/shared/api';
import { exited, sippEchoCall } from './helpers/run-peers';
import { requirePeer } from '../helpers/peers';
import { tsharkStreams } from '../helpers/rtp-tshark';

const sipp = requirePeer('sipp');
const dumpcap = requirePeer('dumpcap');
const tshark = requirePeer('tshark');
const AUDIO = '/usr/share/sip-tester';
const host = createHost({ mode: 'browser', recentFile: null });
afterAll(() => host.dispose());
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const SIP_UAS = 25390;
const SIP_UAC = 25391;
/** SIPp's media ports (-mp): RTP on the even one, RTCP above; the UAC plays from its own. */
const MEDIA = [26300, 26301, 26302, 26303, 27300, 27301, 27302, 27303];

describe.skipIf(!sipp || !dumpcap || !tshark || !existsSync(join(AUDIO, 'g711a.pcap')))(
  'hear a live SIPp call (dumpcap on lo)',
  () => {
    it('plays it while it runs; at its end sample-exact as the parallel file, and saves its RTP', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'sipscope-live-audio-'));
      symlinkSync(AUDIO, join(dir, 'pcap'));
      const file = join(dir, 'parallel.pcapng');
      const filter = `udp port ${SIP_UAS} or udp port ${SIP_UAC}`;
      const dc = spawn(dumpcap!, ['-q', '-i', 'lo', '-f', captureFilter(filter)!, '-w', file], {
        stdio: 'ignore',
      });
      let src: LiveSource | null = null;
      const procs: ChildProcess[] = [dc];
      const audio = async (call: string, timing: 'timestamp' | 'arrival'): Promise<StreamAudioDto> => {
        const a = new TraceAdapter(src!.live.trace, []);
        await a.analyse();
        return traceStreamAudio(a.trace, { call }, timing, { kind: 'live', spool: src!.live.spool });
      };
      try {
        src = await startDumpcap({ iface: 'lo', filter, pcap: { path: join(dir, 'as-it-came.pcapng') } });
        const live = src.live;
        await sleep(1500);
        const { uas, uac } = await sippEchoCall(sipp!, dir, {
          uas: SIP_UAS,
          uac: SIP_UAC,
          uasMedia: MEDIA[0]!,
          uacMedia: MEDIA[4]!,
        });
        procs.push(uas, uac);
        // While it runs (the audio plays ~7 s of the call's ~10): what came so far, both ways.
        let during: StreamAudioDto | null = null;
        for (let i = 0; i < 40 && !during; i++) {
          await sleep(250);
          live.flushUpdates();
          if (!live.trace.media) continue;
          try {
            const a = await audio('C1', 'timestamp');
            if (a.streams.length === 2 && a.streams.every((s) => s.played > 0)) during = a;
          } catch {
            // Not two streams yet.
          }
        }
        expect(await exited(uac, 40_000)).toBe(0);
        await exited(uas, 5000);
        await sleep(1000);
        expect(during).not.toBeNull();
        expect(during!.durationMs).toBeGreaterThan(0);
        await src.stop();
        dc.kill('SIGINT');
        await exited(dc, 5000);

        // The whole call: as the parallel file opened as a capture plays it, sample for sample.
        const cap = await host.invoke(Invoke.captureOpenPath, { path: file });
        for (const timing of ['timestamp', 'arrival'] as const) {
          const theirs = await host.invoke(Invoke.streamAudio, { captureId: cap.id, call: 'C1', timing });
          const ours = await audio('C1', timing);
          expect(ours.streams).toEqual(theirs.streams);
          // The G.711 both ways (SIPp's RFC 4733 DTMF goes in streams of their own, not played).
          expect(ours.streams.filter((s) => s.codec === 'PCMA' && s.played > 100)).toHaveLength(2);
          expect(ours.startTime).toBe(theirs.startTime);
          expect(ours.durationMs).toBe(theirs.durationMs);
          expect(ours.base64 === theirs.base64).toBe(true);
          expect(during!.durationMs).toBeLessThan(ours.durationMs);
        }

        // Saved, written as it came, exported: tshark reads the parallel file's streams in each.
        const key = (s: { src: string; srcPort: number; ssrc: string }): string =>
          `${s.src}:${s.srcPort} ${s.ssrc}`;
        const streams = (f: string) =>
          tsharkStreams(tshark!, f)
            .filter((s) => MEDIA.includes(s.srcPort) || MEDIA.includes(s.dstPort))
            // Not the jitter: dumpcap stamps nanoseconds, a live trace keeps microseconds (as sipscope
            // reads any capture), so tshark's jitter of the two may differ in its last digit.
            .map(({ src, srcPort, dst, dstPort, ssrc, payloads, packets, lost }) => ({
              src,
              srcPort,
              dst,
              dstPort,
              ssrc,
              payloads,
              packets,
              lost,
            }))
            .sort((a, b) => key(a).localeCompare(key(b)));
        const theirs = streams(file);
        expect(theirs.length).toBeGreaterThanOrEqual(2);
        const saved = join(dir, 'saved.pcapng');
        await live.save(saved);
        expect(streams(saved), 'saved').toEqual(theirs);
        expect(streams(join(dir, 'as-it-came.pcapng')), 'as it came').toEqual(theirs);
        const adapter = new TraceAdapter(live.trace, []);
        await adapter.analyse();
        const exported = join(dir, 'c1.pcapng');
        writeFileSync(
          exported,
          Buffer.from((await liveCallsExport(live, adapter, ['C1'], 'pcapng')).base64!, 'base64'),
        );
        expect(streams(exported), 'exported').toEqual(theirs);
        live.releaseMedia();
      } finally {
        await src?.stop();
        src?.live.releaseMedia();
        for (const p of procs) if (p.exitCode === null) p.kill('SIGKILL');
        rmSync(dir, { recursive: true, force: true });
      }
    }, 90_000);
  },
);
