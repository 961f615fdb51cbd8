/**
 * A stream's audio (`sipscope rtp --wav`, `stream:audio`) against tshark and sox on the public
 * captures with G.711 RTP: tshark extracts each packet's sequence number, timestamp and payload
 * (`tshark -r F -Y "rtp.ssrc==0x…" -T fields -e rtp.seq -e rtp.timestamp -e rtp.payload`), sox decodes
 * the payload octets (`sox -t ul|al -r 8000 -c 1`), and every packet's samples must stand in our WAV at
 * its timestamp's offset, bit for bit (these streams lose no packet: their gaps are silence
 * suppression, timestamps jumping with the sequence numbers in a row, which concealment leaves alone).
 * The WAV's length and a checksum of its first second are noted here. Skipped without ../shared (the
 * public captures), tshark or sox.
 *
 * Losses concealed or silent, the counts are the same and what `tshark -z rtp,streams` says: generated
 * calls with loss (µ-law with 10% lost and one packet reordered; GSM and G.726-32 with every 10th
 * lost), each stream's packets played and lost in both modes against tshark's packets and lost.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { traceMedia } from '../../src/sip-core/media/media-json';
import { planAudio, renderAudio, type AudioPlan } from '../../src/sip-core/media/stream-audio';
import { scanCapturePackets } from '../../src/main/service/stream-audio';
import { havePublic, ingestFile, PUBLIC_CAPTURES } from '../sip-core/capture/tshark-compare';
import { analyzeTrace } from '../../src/sip-core/analysis';
import { requirePeer } from '../helpers/peers';
import { tsharkStreams } from '../helpers/rtp-tshark';
import { toneCapture } from '../sip-core/media/tone-capture';
import { codecCallCapture, ffEncode, ffmpeg, signals } from '../sip-core/media/codec-capture';
import { ingestBytes } from '../../src/sip-core/trace/trace-builder';

const tshark = requirePeer('tshark');
const sox = requirePeer('sox');
const dir = mkdtempSync(join(tmpdir(), 'sipscope-rtp-audio-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Case {
  file: string;
  stream: number;
  ssrc: string;
  law: 'ul' | 'al';
  /** Samples of the WAV and sha1 of its first second's samples (16-bit LE), noted from this test. */
  samples: number;
  firstSecondSha1: string;
}

const CASES: Case[] = [
  {
    file: 'ws__sip-rtp-g711.pcap',
    stream: 0,
    ssrc: '0x343da99b',
    law: 'ul',
    samples: 68_000,
    firstSecondSha1: '26e6fa47cf6e6c6649ba77e506be88514ea48f05',
  },
  {
    file: 'ws__sip-rtp-g711.pcap',
    stream: 1,
    ssrc: '0x343ffa34',
    law: 'al',
    samples: 66_240,
    firstSecondSha1: 'c463161220648582c518091e435aecaf409bfaae',
  },
  {
    file: 'heplify__rtp_rtcp_sip_ipv4_udp.pcap',
    stream: 3,
    ssrc: '0x58f33dea',
    law: 'al',
    // 891 packets over 26.4 s of timestamps: the gaps (silence suppression) stay silent
    samples: 211_200,
    firstSecondSha1: 'cee118d8dd2cdf09e497f1536988a5dd1f2708b3',
  },
];

async function ours(file: string, stream: number): Promise<Int16Array> {
  const r = ingestFile(join(PUBLIC_CAPTURES, file));
  analyzeTrace(r.trace);
  const media = traceMedia(r.trace)!;
  const plan = planAudio(r.trace, media, { stream }) as AudioPlan;
  const lists = (await scanCapturePackets(r.trace, plan, null))!;
  const audio = renderAudio(plan, lists, 'timestamp');
  if (typeof audio === 'string') throw new Error(audio);
  const pcm = audio.wav.slice(44);
  return new Int16Array(pcm.buffer, 0, pcm.length / 2);
}

function theirs(c: Case): { ts: number; samples: Int16Array }[] {
  const out = execFileSync(
    tshark!,
    [
      '-n',
      '-r',
      join(PUBLIC_CAPTURES, c.file),
      '-Y',
      `rtp.ssrc==${c.ssrc}`,
      '-T',
      'fields',
      '-e',
      'rtp.timestamp',
      '-e',
      'rtp.payload',
    ],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  const rows = out
    .trim()
    .split('\n')
    .map((l) => l.split('\t'))
    .map(([ts, hex]) => ({ ts: Number(ts), bytes: Buffer.from((hex ?? '').replace(/:/g, ''), 'hex') }));
  const raw = join(dir, `${c.ssrc}.${c.law}`);
  const pcm = join(dir, `${c.ssrc}.s16`);
  writeFileSync(raw, Buffer.concat(rows.map((r) => r.bytes)));
  execFileSync(sox!, ['-t', c.law, '-r', '8000', '-c', '1', raw, '-t', 's16', '-L', pcm]);
  const b = readFileSync(pcm);
  const all = new Int16Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
  let at = 0;
  return rows.map((r) => {
    const s = all.subarray(at, at + r.bytes.length);
    at += r.bytes.length;
    return { ts: r.ts, samples: s };
  });
}

describe.skipIf(!havePublic || !tshark || !sox)(
  'G.711 streams of the public captures against tshark + sox',
  () => {
    for (const c of CASES)
      it(`${c.file} stream ${c.stream} (${c.ssrc}, ${c.law === 'ul' ? 'µ-law' : 'A-law'})`, async () => {
        const pcm = await ours(c.file, c.stream);
        const packets = theirs(c);
        expect(packets.length).toBeGreaterThan(0);
        const ts0 = packets[0]!.ts;
        for (const p of packets) {
          const at = (p.ts - ts0) >>> 0;
          expect([...pcm.subarray(at, at + p.samples.length)], `packet at timestamp ${p.ts}`).toEqual([
            ...p.samples,
          ]);
        }
        const first = Buffer.from(pcm.buffer, pcm.byteOffset, Math.min(pcm.length, 8000) * 2);
        expect({
          samples: pcm.length,
          firstSecondSha1: createHash('sha1').update(first).digest('hex'),
        }).toEqual({
          samples: c.samples,
          firstSecondSha1: c.firstSecondSha1,
        });
      });
  },
);

describe.skipIf(!tshark || !ffmpeg)('packets lost: the same count concealed or silent, and tshark’s', () => {
  const speech = ffmpeg ? signals(8000).speech! : new Int16Array();
  const split = (b: Uint8Array, n: number): Uint8Array[] =>
    Array.from({ length: Math.floor(b.length / n) }, (_, i) => b.subarray(i * n, (i + 1) * n));
  const every10 = (i: number): boolean => i % 10 === 6;
  const cases: [string, () => Uint8Array][] = [
    ['µ-law, 10% lost, one reordered', toneCapture],
    [
      'GSM 06.10, every 10th lost',
      () =>
        codecCallCapture({
          payloads: split(ffEncode(speech, 8000, 'libgsm', 'gsm'), 33),
          pt: 3,
          step: 160,
          drop: every10,
        }),
    ],
    [
      'G.726-32, every 10th lost',
      () =>
        codecCallCapture({
          payloads: split(ffEncode(speech, 8000, 'g726le', 'g726le', ['-code_size', '4']), 80),
          pt: 97,
          step: 160,
          drop: every10,
          dynamic: [97, 'G726-32/8000'],
        }),
    ],
  ];
  for (const [name, make] of cases)
    it(name, async () => {
      const bytes = make();
      const file = join(dir, `lost-${name.replace(/\W+/g, '-')}.pcap`);
      writeFileSync(file, bytes);
      const { trace } = ingestBytes(bytes, 'lost.pcap');
      analyzeTrace(trace);
      const media = traceMedia(trace)!;
      const plan = planAudio(trace, media, { stream: 0 }) as AudioPlan;
      const lists = (await scanCapturePackets(trace, plan, null))!;
      const ssrc = `0x${media.streams[0]!.record.ssrc.toString(16).toUpperCase().padStart(8, '0')}`;
      const t = tsharkStreams(tshark!, file).find((x) => x.ssrc === ssrc)!;
      expect(t.lost).toBeGreaterThan(0);
      for (const loss of ['conceal', 'silence'] as const) {
        const a = renderAudio(plan, lists, 'timestamp', loss);
        if (typeof a === 'string') throw new Error(a);
        expect(a.streams[0], loss).toMatchObject({ played: t.packets, lost: t.lost });
        expect(a.streams[0]!.concealed ?? 0, loss).toBe(loss === 'conceal' ? t.lost : 0);
      }
    });
});
