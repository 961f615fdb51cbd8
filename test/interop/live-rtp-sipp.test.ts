/**
 * Live media with real peers: SIPp's uac_pcap (G.711 audio from SIPp's pcap, then an RFC 4733 DTMF)
 * calls a SIPp UAS that echoes the RTP (-rtp_echo), on loopback, captured live by `startDumpcap` on
 * `lo` with a filter naming only the SIP ports (widened with RTP_FILTER: the SDP's ports are not known
 * when dumpcap starts). While the call runs, the live trace's call shows RTP both ways; at the end its
 * streams have the packets and losses tshark reads from a second dumpcap with the same filter on `lo`
 * (two packet sockets see the same datagrams). Bounded: every process has a time limit.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { captureFilter, startDumpcap } from '../../src/main/live/dumpcap';
import type { LiveSource } from '../../src/main/live/source';
import { TraceAdapter } from '../../src/main/service/capture-loader';
import { exited, sippEchoCall } from './helpers/run-peers';
import { requirePeer } from '../helpers/peers';
import { tsharkStreams } from '../helpers/rtp-tshark';

const sipp = requirePeer('sipp');
const dumpcap = requirePeer('dumpcap');
const tshark = requirePeer('tshark');
/** SIPp's sample audio (Debian's sip-tester package). */
const AUDIO = '/usr/share/sip-tester';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const SIP_UAS = 25190;
const SIP_UAC = 25191;
/** SIPp's media ports (-mp): RTP on the even one, RTCP above; the UAC plays from its own. */
const MEDIA = [26100, 26101, 26102, 26103, 27100, 27101, 27102, 27103];

describe.skipIf(!sipp || !dumpcap || !tshark || !existsSync(join(AUDIO, 'g711a.pcap')))(
  'live capture of a SIPp call with RTP (dumpcap on lo)',
  () => {
    it('shows the RTP both ways while the call runs, and at its end the packets tshark counts', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'sipscope-live-rtp-'));
      symlinkSync(AUDIO, join(dir, 'pcap'));
      const file = join(dir, 'same.pcapng');
      const filter = `udp port ${SIP_UAS} or udp port ${SIP_UAC}`;
      // The second capture, for tshark: the filter startDumpcap gives dumpcap.
      const dc = spawn(dumpcap!, ['-q', '-i', 'lo', '-f', captureFilter(filter)!, '-w', file], {
        stdio: 'ignore',
      });
      let src: LiveSource | null = null;
      const procs: ChildProcess[] = [dc];
      try {
        src = await startDumpcap({ iface: 'lo', filter });
        const live = src.live;
        let during: { forward: number; reverse: number } | null = null;
        let uacRunning = false;
        // Like the app's host: an adapter per update (a compaction makes a new trace).
        live.onUpdate((u) => {
          if (!u.media || !uacRunning) return;
          const m = new TraceAdapter(u.trace, []).callMedia('C1');
          const by = (d: string): number =>
            (m?.streams ?? []).filter((s) => s.direction === d).reduce((n, s) => n + s.packets, 0);
          if (m?.verdict === 'two-way') during ??= { forward: by('forward'), reverse: by('reverse') };
        });
        await sleep(1500);
        const { uas, uac } = await sippEchoCall(sipp!, dir, {
          uas: SIP_UAS,
          uac: SIP_UAC,
          uasMedia: MEDIA[0]!,
          uacMedia: MEDIA[4]!,
        });
        procs.push(uas, uac);
        uacRunning = true;
        expect(await exited(uac, 40_000)).toBe(0);
        uacRunning = false;
        await exited(uas, 5000);
        await sleep(1000);
        // During the call (the audio plays for ~7 s of its ~10): RTP both ways already.
        expect(during).not.toBeNull();
        expect(during!.forward).toBeGreaterThan(0);
        expect(during!.reverse).toBeGreaterThan(0);
        await src.stop();
        dc.kill('SIGINT');
        await exited(dc, 5000);

        const m = new TraceAdapter(live.trace, []).callMedia('C1')!;
        expect(m.verdict).toBe('two-way');
        const ours = m.streams.map((s) => ({
          src: `${s.src}:${s.srcPort}`,
          dst: `${s.dst}:${s.dstPort}`,
          ssrc: s.ssrc,
          packets: s.packets,
          lost: s.lost,
          direction: s.direction,
        }));
        expect(new Set(ours.map((s) => s.direction))).toEqual(new Set(['forward', 'reverse']));
        expect(ours.every((s) => s.packets > 0)).toBe(true);
        // tshark's streams among SIPp's media ports (other tests may send UDP on lo meanwhile).
        const theirs = tsharkStreams(tshark!, file)
          .filter((s) => MEDIA.includes(s.srcPort) || MEDIA.includes(s.dstPort))
          .map((s) => ({
            src: `${s.src}:${s.srcPort}`,
            dst: `${s.dst}:${s.dstPort}`,
            ssrc: s.ssrc,
            packets: s.packets,
            lost: s.lost,
          }));
        const key = (s: { src: string; dst: string; ssrc: string }): string => `${s.src}>${s.dst} ${s.ssrc}`;
        expect(ours.map(({ direction: _, ...s }) => s).sort((a, b) => key(a).localeCompare(key(b)))).toEqual(
          theirs.sort((a, b) => key(a).localeCompare(key(b))),
        );
      } finally {
        await src?.stop();
        for (const p of procs) if (p.exitCode === null) p.kill('SIGKILL');
        rmSync(dir, { recursive: true, force: true });
      }
    }, 90_000);
  },
);
