/**
 * A real-peer media fixture: SIPp's uac_pcap scenario (INVITE with SDP, then G.711 audio and an RFC
 * 4733 DTMF from SIPp's own pcap files) against a SIPp UAS echoing the RTP (-rtp_echo), on loopback,
 * captured with dumpcap. One call, media both ways, its DTMF events (and the one media diagnostic they
 * earn: the UAS's answer does not map telephone-event); with tshark, every stream
 * equals tshark's (test/helpers/rtp-tshark.ts). Bounded: each process has a time limit.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeTrace } from '../../src/sip-core/analysis';
import { mediaDiagnostics, mediaJson } from '../../src/sip-core/media/media-json';
import { ingestFile } from '../sip-core/capture/tshark-compare';
import { requirePeer } from '../helpers/peers';
import { compareWithTshark } from '../helpers/rtp-tshark';

const sipp = requirePeer('sipp');
const tshark = requirePeer('tshark');
const dumpcap = existsSync('/usr/bin/dumpcap') ? '/usr/bin/dumpcap' : null;
/** SIPp's sample audio (Debian's sip-tester package). */
const AUDIO = '/usr/share/sip-tester';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!sipp || !dumpcap || !existsSync(join(AUDIO, 'g711a.pcap')))(
  'SIPp call with RTP (uac_pcap ↔ -rtp_echo)',
  () => {
    it('one call, media two-way, four streams, the DTMF events, as tshark counts them', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'sipscope-sipp-rtp-'));
      symlinkSync(AUDIO, join(dir, 'pcap'));
      const cap = join(dir, 'rtp.pcap');
      const dc = spawn(
        dumpcap!,
        [
          '-q',
          '-i',
          'lo',
          '-f',
          'udp and (portrange 25090-25091 or portrange 26000-26003 or portrange 27000-27003)',
          '-P',
          '-w',
          cap,
        ],
        {
          stdio: 'ignore',
        },
      );
      try {
        await sleep(1500);
        const uas = spawn(
          sipp!,
          [
            '-sn',
            'uas',
            '-i',
            '127.0.0.1',
            '-p',
            '25090',
            '-mp',
            '26000',
            '-rtp_echo',
            '-m',
            '1',
            '-nostdin',
            '-timeout',
            '30',
            '-timeout_error',
          ],
          {
            cwd: dir,
            stdio: 'ignore',
          },
        );
        await sleep(500);
        const uac = spawnSync(
          sipp!,
          [
            '-sn',
            'uac_pcap',
            '127.0.0.1:25090',
            '-i',
            '127.0.0.1',
            '-p',
            '25091',
            '-mp',
            '27000',
            '-m',
            '1',
            '-nostdin',
            '-timeout',
            '30',
            '-timeout_error',
          ],
          { cwd: dir, stdio: 'ignore', timeout: 40_000 },
        );
        expect(uac.status).toBe(0);
        await new Promise<void>((r) => {
          const t = setTimeout(() => {
            uas.kill();
            r();
          }, 5000);
          uas.on('exit', () => {
            clearTimeout(t);
            r();
          });
        });
        await sleep(1000);
      } finally {
        dc.kill('SIGTERM');
        await new Promise((r) => dc.on('exit', r));
      }
      const r = ingestFile(cap);
      analyzeTrace(r.trace);
      const m = mediaJson(r.trace)!;
      expect(m.calls).toEqual([{ call: 'C1', verdict: 'two-way', streams: [0, 1, 2, 3], mos: 4.41 }]);
      expect(m.streams.map((s) => [s.direction, s.codecs.length, s.announced])).toEqual([
        ['forward', 1, true],
        ['reverse', 1, true],
        ['forward', 1, true],
        ['reverse', 1, true],
      ]);
      expect(m.streams.filter((s) => s.payloadTypes[0] === 8).map((s) => s.lost)).toEqual([0, 0]);
      // SIPp's uac_pcap offers PCMA 8 and telephone-event 101, its uas answers PCMU 0 only, yet the UAC
      // sends dtmf_2833_1.pcap's events on 101: the UAS's SDP does not map them (dtmf-not-negotiated);
      // echoed back to the UAC, whose SDP does, they read as digit 1 for 2,240 units, its end three times.
      expect(mediaDiagnostics(r.trace).map((d) => [d.code, d.message])).toEqual([
        [
          'dtmf-not-negotiated',
          expect.stringMatching(/127\.0\.0\.1:27000 → 127\.0\.0\.1:26000 .* DTMF \(1\) .* payload type 101/),
        ],
      ]);
      const ev = m.streams.filter((s) => s.events);
      expect(ev.map((s) => s.direction)).toEqual(['reverse']);
      expect(
        ev[0]!.events!.list.map((e) => [e.event, e.durationMs, e.ended, e.endPackets, e.packets]),
      ).toEqual([['1', 280, true, 3, 10]]);
      if (tshark)
        expect(compareWithTshark(tshark, 'sipp', cap, m.streams, r.trace.source.firstTime!)).toBe(4);
      rmSync(dir, { recursive: true, force: true });
    }, 60_000);
  },
);
