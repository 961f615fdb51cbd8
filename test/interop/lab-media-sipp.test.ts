/**
 * Real RTP from the lab's phones (src/main/live/lab-media.ts), against real peers on loopback:
 * - SIPp's uac_pcap (G.711 A-law from SIPp's pcap, then an RFC 4733 DTMF) calls a lab phone in echo
 *   mode: the phone sends every packet back, and the lab's live trace shows the two streams with the
 *   packets and losses tshark reads from a parallel dumpcap of `lo` (and the lab's own pcapng has them);
 * - a lab phone in tone mode (600 Hz) calls SIPp's uas with -rtp_echo: the tone comes back to the
 *   phone's port, and decoded (the project's G.711 table) it is 600 Hz by its zero crossings;
 * - a call between two lab phones held and resumed: the stream stops (a gap of the hold's length),
 *   restarts with the marker bit, and garbage sent to a phone's media port changes nothing;
 * - early media: a callee with `earlyMedia` sends from its 183 (RFC 3960), before its 200.
 * Bounded: every peer has a time limit; each lab and dumpcap is stopped after its test.
 */
import { execFileSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseLab, startLab, type LabHandle } from '../../src/main/live';
import { TraceAdapter } from '../../src/main/service/capture-loader';
import { ULAW_TO_LINEAR } from '../../src/sip-core/media/g711';
import { requirePeer } from '../helpers/peers';
import { tsharkStreams } from '../helpers/rtp-tshark';
import {
  cleanupAfterEach,
  explainOnFailure,
  labTraceText,
  runSipp,
  sleep,
  startSippUas,
  until,
  workDir,
  captureLo,
  type LoCapture,
} from './helpers/run-peers';

const sipp = requirePeer('sipp');
const dumpcap = requirePeer('dumpcap');
const tshark = requirePeer('tshark');
/** SIPp's sample audio (Debian's sip-tester package). */
const AUDIO = '/usr/share/sip-tester';
const cleanup = cleanupAfterEach();

/** dumpcap on `lo` for one host, into `file`. */
const capture = (host: string, file: string): Promise<LoCapture> =>
  captureLo(dumpcap!, `host ${host}`, file, cleanup);

/** The lab's streams as tshark names them (ours: the live trace's media of its calls). */
function ourStreams(
  h: LabHandle,
): { src: string; dst: string; ssrc: string; packets: number; lost: number }[] {
  h.live.flushUpdates();
  const m = new TraceAdapter(h.live.trace, []).callMedia(null)!;
  return m.streams.map((s) => ({
    src: `${s.src}:${s.srcPort}`,
    dst: `${s.dst}:${s.dstPort}`,
    ssrc: s.ssrc,
    packets: s.packets,
    lost: s.lost,
  }));
}

function theirStreams(file: string): ReturnType<typeof ourStreams> {
  return tsharkStreams(tshark!, file).map((s) => ({
    src: `${s.src}:${s.srcPort}`,
    dst: `${s.dst}:${s.dstPort}`,
    ssrc: s.ssrc,
    packets: s.packets,
    lost: s.lost,
  }));
}

const byKey = (a: { src: string; dst: string; ssrc: string }, b: typeof a): number =>
  `${a.src}>${a.dst} ${a.ssrc}`.localeCompare(`${b.src}>${b.dst} ${b.ssrc}`);

describe.skipIf(!sipp || !dumpcap || !tshark || !existsSync(join(AUDIO, 'g711a.pcap')))(
  'lab phones send real RTP (SIPp, dumpcap and tshark on lo)',
  () => {
    it('a lab phone in echo mode sends SIPp’s uac_pcap audio back; the live trace’s streams are tshark’s', async () => {
      const dir = workDir('lab-media-echo');
      symlinkSync(AUDIO, join(dir, 'pcap'));
      const file = join(dir, 'lo.pcapng');
      const cap = await capture('127.0.33.2', file);
      const h = await startLab(
        parseLab(
          [
            'name: media-echo',
            'description: a phone that answers and echoes',
            'nodes:',
            '  - { name: Bob, role: ua, address: "127.0.33.2:5060", aor: "sip:bob@127.0.33.2", media: echo }',
          ].join('\n'),
        ),
        { steps: false, pcap: join(dir, 'lab.pcapng') },
      );
      cleanup.push(() => h.stop());
      const r = await runSipp(
        sipp!,
        [
          '-sn',
          'uac_pcap',
          '127.0.33.2:5060',
          '-s',
          'bob',
          '-i',
          '127.0.33.1',
          '-p',
          '5060',
          '-mp',
          '26200',
          '-m',
          '1',
          '-timeout',
          '40',
          '-timeout_error',
        ],
        dir,
        'uac',
        60_000,
      );
      await explainOnFailure(
        async () => {
          expect(r.code).toBe(0);
          await until(() => h.media().sessions.length === 0, 'the session closed at the BYE', 5000);
          await sleep(500);
          await cap.stop();
          const ours = ourStreams(h).sort(byKey);
          expect(ours).toEqual(theirStreams(file).sort(byKey));
          // SIPp → Bob: the audio, then the DTMF (its own SSRC); Bob → SIPp: every packet back, one SSRC
          const fromSipp = ours.filter((s) => s.src === '127.0.33.1:26200' && s.dst === '127.0.33.2:49170');
          const fromBob = ours.filter((s) => s.src === '127.0.33.2:49170' && s.dst === '127.0.33.1:26200');
          expect(fromSipp.length + fromBob.length).toBe(ours.length);
          expect(fromBob).toHaveLength(1);
          const sent = fromSipp.reduce((n, s) => n + s.packets, 0);
          expect(sent).toBeGreaterThan(200);
          expect(fromBob[0]!.packets).toBe(sent);
          expect(fromBob[0]!.lost).toBe(0);
          const media = new TraceAdapter(h.live.trace, []).callMedia(null)!;
          expect(new Set(media.streams.map((s) => s.direction))).toEqual(new Set(['forward', 'reverse']));
          // RTCP: Bob's sender reports (every ~5 s, the first within 2.5-7.5 s) and his BYE at the end
          const rtcp = execFileSync(
            tshark!,
            [
              '-n',
              '-r',
              file,
              '-d',
              'udp.port==49171,rtcp',
              '-Y',
              'ip.src == 127.0.33.2 && rtcp',
              '-T',
              'fields',
              '-e',
              'rtcp.pt',
            ],
            { encoding: 'utf8' },
          );
          expect(rtcp).toMatch(/\b200\b/);
          expect(rtcp).toMatch(/\b203\b/);
          // the lab's own pcapng has the same RTP
          await h.stop();
          expect(theirStreams(join(dir, 'lab.pcapng')).sort(byKey)).toEqual(ours);
        },
        () => ({ sipp: r.output, 'sipp messages': r.messages, lab: labTraceText(h) }),
      );
    }, 90_000);

    it('a lab phone’s tone comes back from SIPp’s uas -rtp_echo at its frequency (600 Hz)', async () => {
      const dir = workDir('lab-media-tone');
      const file = join(dir, 'lo.pcapng');
      const uas = startSippUas(
        sipp!,
        ['-sn', 'uas', '-i', '127.0.34.1', '-p', '5060', '-mp', '26300', '-rtp_echo', '-m', '1'],
        dir,
        'uas',
      );
      cleanup.push(() => uas.stop());
      const cap = await capture('127.0.34.2', file);
      const h = await startLab(
        parseLab(
          [
            'name: media-tone',
            'description: a phone that calls with a tone',
            'nodes:',
            '  - { name: Alice, role: ua, address: "127.0.34.2:5060", aor: "sip:alice@127.0.34.2", media: tone, toneHz: 600 }',
            'steps:',
            '  - { at: 0.3s, node: Alice, action: call, to: "sip:service@127.0.34.1:5060" }',
            '  - { at: 3.3s, node: Alice, action: hangup }',
          ].join('\n'),
        ),
      );
      cleanup.push(() => h.stop());
      await explainOnFailure(
        async () => {
          await until(
            () => h.events.some((e) => /media: RTP tone 600 Hz PCMU/.test(e.text)),
            'RTP starts',
            5000,
          );
          await until(() => h.media().sessions.length === 0, 'the session closed at the BYE', 8000);
          await sleep(500);
          await cap.stop();
          const ours = ourStreams(h).sort(byKey);
          expect(ours).toEqual(theirStreams(file).sort(byKey));
          expect(ours).toHaveLength(2);
          for (const s of ours) expect(s.packets).toBeGreaterThan(100); // ~3 s of 20 ms packets
          // What came back to Alice's port, decoded: 600 Hz by its zero crossings
          const hex = execFileSync(
            tshark!,
            ['-n', '-r', file, '-Y', 'rtp && ip.src == 127.0.34.1', '-T', 'fields', '-e', 'rtp.payload'],
            { encoding: 'utf8' },
          );
          const samples: number[] = [];
          for (const line of hex.split('\n')) {
            const h2 = line.replace(/[^0-9a-f]/gi, '');
            for (let i = 0; i + 1 < h2.length; i += 2)
              samples.push(ULAW_TO_LINEAR[parseInt(h2.slice(i, i + 2), 16)]!);
          }
          expect(samples.length).toBeGreaterThan(100 * 160);
          let crossings = 0;
          for (let i = 1; i < samples.length; i++) if (samples[i - 1]! < 0 !== samples[i]! < 0) crossings++;
          const hz = crossings / 2 / (samples.length / 8000);
          expect(hz).toBeGreaterThan(590);
          expect(hz).toBeLessThan(610);
        },
        () => ({ sipp: uas.output(), 'sipp messages': uas.messages(), lab: labTraceText(h) }),
      );
    }, 60_000);
  },
);

describe('lab phones on hold', () => {
  it('stop sending while held (inactive) and start again on resume; garbage on the media port changes nothing', async () => {
    const h = await startLab(
      parseLab(
        [
          'name: media-hold',
          'description: a call held and resumed',
          'nodes:',
          '  - { name: Alice, role: ua, address: "127.0.35.2:5060", aor: "sip:alice@127.0.35.2" }',
          '  - { name: Bob, role: ua, address: "127.0.35.3:5060", aor: "sip:bob@127.0.35.3" }',
          'steps:',
          '  - { at: 0.2s, node: Alice, action: call, to: "sip:bob@127.0.35.3" }',
          '  - { at: 1.5s, node: Alice, action: hold, direction: inactive }',
          '  - { at: 2.7s, node: Alice, action: resume }',
          '  - { at: 3.8s, node: Alice, action: hangup }',
        ].join('\n'),
      ),
    );
    cleanup.push(() => h.stop());
    await explainOnFailure(
      async () => {
        // the default: the caller plays its note, the callee echoes
        await until(
          () => h.media().sessions.filter((s) => s.state !== 'receiving').length === 2,
          'RTP both ways',
          3000,
        );
        expect(
          h
            .media()
            .sessions.map((s) => `${s.node} ${s.mode} ${s.state}`)
            .sort(),
        ).toEqual(['Alice tone sending', 'Bob echo echoing']);
        const bob = h.media().sessions.find((s) => s.node === 'Bob')!;
        // garbage and a truncated RTP header at Bob's RTP and RTCP ports
        const junk = createSocket('udp4');
        const [host, port] = [bob.local.split(':')[0]!, Number(bob.local.split(':')[1])];
        for (const b of [Buffer.from('hello'), Buffer.from([0x80, 0x00, 0x01]), Buffer.alloc(40, 0xff)]) {
          junk.send(b, port, host);
          junk.send(b, port + 1, host);
        }
        junk.close();
        await until(
          () => h.media().sessions.every((s) => s.state === 'held'),
          'both held (a=inactive)',
          3000,
        );
        const held = h.media().sessions.find((s) => s.node === 'Alice')!.sent;
        await sleep(500);
        expect(h.media().sessions.find((s) => s.node === 'Alice')!.sent).toBe(held);
        await until(() => h.media().sessions.some((s) => s.state === 'sending'), 'resumed', 2000);
        await until(() => h.media().sessions.length === 0, 'the sessions closed at the BYE', 3000);
        h.live.flushUpdates();
        const media = h.live.trace.media!;
        const alice = media.streams.find((s) => s.src === '127.0.35.2')!;
        // ~1.3 s before the hold and ~1.1 s after, 20 ms apart: the ~1.2 s of the hold had no packet
        // (the sequence goes on, no loss; the marker bit at the start and at the resume)
        const span = (alice.lastUs - alice.firstUs) / 1000;
        expect(span).toBeGreaterThan(3000);
        expect(alice.packets * 20).toBeLessThan(span - 900);
        expect(alice.packets).toBeGreaterThan(90);
        expect(alice.lost).toBe(0);
        expect(alice.markers).toBe(2);
        expect(media.streams.filter((s) => s.src === '127.0.35.3')).toHaveLength(1);
        // RTCP: at least the BYE of each side at the end
        expect(media.rtcp.length).toBeGreaterThanOrEqual(2);
        expect(h.events.filter((e) => /media: RTP stopped/.test(e.text)).length).toBeGreaterThanOrEqual(2);
      },
      () => ({ lab: labTraceText(h), events: h.events.map((e) => `${e.node}: ${e.text}`).join('\n') }),
    );
  }, 30_000);

  it('early media: a callee with earlyMedia sends from its 183, before the 200', async () => {
    const h = await startLab(
      parseLab(
        [
          'name: media-early',
          'description: a gateway-style callee',
          'nodes:',
          '  - { name: Alice, role: ua, address: "127.0.35.12:5060", aor: "sip:alice@127.0.35.12" }',
          '  - name: Bob',
          '    role: ua',
          '    address: "127.0.35.13:5060"',
          '    aor: "sip:bob@127.0.35.13"',
          '    earlyMedia: true',
          '    media: tone',
          '    answer: { after: 1.5s }',
          'steps:',
          '  - { at: 0.2s, node: Alice, action: call, to: "sip:bob@127.0.35.13" }',
          '  - { at: 2.5s, node: Alice, action: hangup }',
        ].join('\n'),
      ),
    );
    cleanup.push(() => h.stop());
    await explainOnFailure(
      async () => {
        await until(
          () => (h.media().sessions.find((s) => s.node === 'Alice')?.received ?? 0) >= 10,
          'early media at Alice',
          3000,
        );
        // still ringing: the 200 comes at 1.5 s
        expect(h.ua('Alice')!.calls.map((c) => c.state)).toEqual(['early']);
        expect(h.media().sessions.find((s) => s.node === 'Bob')!.state).toBe('sending');
        // Alice echoes once the call is answered (her default in the calls she makes is tone: she sends too)
        await until(() => h.ua('Alice')!.calls.some((c) => c.state === 'confirmed'), 'answered', 3000);
        await until(
          () => h.media().sessions.find((s) => s.node === 'Alice')?.state === 'sending',
          'Alice sends after the 200',
          2000,
        );
      },
      () => ({ lab: labTraceText(h), events: h.events.map((e) => `${e.node}: ${e.text}`).join('\n') }),
    );
  }, 20_000);
});
