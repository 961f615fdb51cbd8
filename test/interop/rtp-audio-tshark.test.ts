/**
 * A stream's audio (`sipscope rtp --wav`, `stream:audio`) against tshark and sox on the public
 * captures with G.711 RTP: tshark extracts each packet's sequence number, timestamp and payload
 * (`tshark -r F -Y "rtp.ssrc==0x…" -T fields -e rtp.seq -e rtp.timestamp -e rtp.payload`), sox decodes
 * the payload octets (`sox -t ul|al -r 8000 -c 1`), and every packet's samples must stand in our WAV at
 * its timestamp's offset, bit for bit. The WAV's length and a checksum of its first second are noted
 * here. Skipped without ../shared (the public captures), tshark or sox.
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
