/**
 * A small capture to look at and listen to the codecs sipscope decodes besides G.711 (session 22):
 * five calls one after the other, each INVITE/200/ACK with SDP, 2 s of RTP each way, BYE/200 —
 *   C1 G.722 both ways (a speech-like signal one way, a chirp the other: desk phone to desk phone),
 *   C2 G.722 → A-law back (a desk phone to a trunk: the call's WAV is 16 kHz, the A-law side upsampled),
 *   C3 GSM 06.10 → µ-law, C4 G726-32 (dynamic PT 97) → µ-law with 5% loss,
 *   C5 G.729 (PT 18, random octets: since session 23 decoded — random frames sound like noise).
 * The audio is encoded by ffmpeg (Debian's: `g722`, `libgsm`, `g726le` encoders), so ffmpeg must be
 * installed; about 180 KiB.
 *
 *   node --import tsx bench/tools/gen-codec-sample.ts [OUT]   (default /tmp/sipscope-codecs.pcap)
 */
import { writeFileSync } from 'node:fs';
import { linearToAlaw, linearToUlaw } from '../../src/sip-core/media/g711';
import { timedPcap } from '../../test/helpers/rtp-capture';
import { codecCallFrames, ffEncode, ffmpeg, signals } from '../../test/sip-core/media/codec-capture';

if (!ffmpeg) throw new Error('ffmpeg is needed to encode the sample audio (apt-get install ffmpeg)');
const out = process.argv[2] ?? '/tmp/sipscope-codecs.pcap';
const wide = signals(16000);
const narrow = signals(8000);
const split = (bits: Uint8Array, size: number): Uint8Array[] =>
  Array.from({ length: Math.floor(bits.length / size) }, (_, i) => bits.subarray(i * size, (i + 1) * size));
const g722 = (pcm: Int16Array): Uint8Array[] => split(ffEncode(pcm, 16000, 'g722', 'g722'), 160);
const tone = (law: (x: number) => number, hz: number): Uint8Array =>
  Uint8Array.from({ length: 160 }, (_, j) => law(6000 * Math.sin((2 * Math.PI * hz * j) / 8000)));
const chirp722 = g722(wide.chirp!);
const ulaw = tone(linearToUlaw, 400);
const alaw = tone(linearToAlaw, 400);
let seed = 1;
const frames = [
  codecCallFrames({
    callId: 'g722-both-ways',
    caller: 11,
    callee: 12,
    startUs: 0,
    payloads: g722(wide.speech!),
    pt: 9,
    step: 160,
    reversePt: 9,
    reversePayload: (i) => chirp722[i]!,
  }),
  codecCallFrames({
    callId: 'g722-to-trunk',
    caller: 21,
    callee: 22,
    startUs: 3_000_000,
    payloads: g722(wide.speech!),
    pt: 9,
    step: 160,
    reversePt: 8,
    reversePayload: () => alaw,
  }),
  codecCallFrames({
    callId: 'gsm',
    caller: 31,
    callee: 32,
    startUs: 6_000_000,
    payloads: split(ffEncode(narrow.speech!, 8000, 'libgsm', 'gsm'), 33),
    pt: 3,
    step: 160,
    reversePt: 0,
    reversePayload: () => ulaw,
  }),
  codecCallFrames({
    callId: 'g726-32',
    caller: 41,
    callee: 42,
    startUs: 9_000_000,
    payloads: split(ffEncode(narrow.speech!, 8000, 'g726le', 'g726le', ['-code_size', '4']), 80),
    pt: 97,
    step: 160,
    dynamic: [97, 'G726-32/8000'],
    drop: (i) => i % 20 === 9,
    reversePt: 0,
    reversePayload: () => ulaw,
  }),
  codecCallFrames({
    callId: 'g729',
    caller: 51,
    callee: 52,
    startUs: 12_000_000,
    payloads: Array.from({ length: 100 }, () =>
      Uint8Array.from({ length: 20 }, () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24),
    ),
    pt: 18,
    step: 160,
  }),
].flat();
const pcap = timedPcap(frames);
writeFileSync(out, pcap);
console.log(`${out}: ${frames.length} frames, ${(pcap.length / 1024).toFixed(0)} KiB`);
