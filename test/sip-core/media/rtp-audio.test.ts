/**
 * Hearing a call (media/rtp-audio.ts, stream-audio.ts, stream-scan.ts): a generated capture whose
 * caller sends a 1 kHz tone in µ-law with 10% loss and one packet reordered, the callee a 500 Hz tone
 * 50 ms later. The WAV is as long as the timestamps span; with losses silent the lost packets are
 * silence at their offsets and every other sample is the tone's G.711 value; concealed (the default)
 * they are the tone again (G.711 Appendix I, plc.ts) and the counts are the same; the tone is 1 kHz
 * by its zero crossings, and the call's stereo WAV has each direction in its channel at its capture
 * time.
 */
import { describe, expect, it } from 'vitest';
import { analyzeTrace } from '../../../src/sip-core/analysis';
import { ULAW_TO_LINEAR, linearToUlaw } from '../../../src/sip-core/media/g711';
import { traceMedia } from '../../../src/sip-core/media/media-json';
import {
  DECODED_CODECS,
  RtpPacketList,
  decodeStream,
  payloadPlay,
  wavFile,
  type AudioLoss,
} from '../../../src/sip-core/media/rtp-audio';
import { planAudio, renderAudio, rtpmapOf, type AudioPlan } from '../../../src/sip-core/media/stream-audio';
import { ingestBytes } from '../../../src/sip-core/trace/trace-builder';
import { scanCapturePackets } from '../../../src/main/service/stream-audio';
import { FWD_SSRC, PACKETS, REORDERED, dropped, tone, toneCapture, toneFrames } from './tone-capture';
import { netmonOf } from '../../helpers/frames';

async function load(
  sel: { stream: number } | { call: string },
  timing: 'timestamp' | 'arrival' = 'timestamp',
  loss: AudioLoss = 'silence',
) {
  const { trace } = ingestBytes(toneCapture(), 'tone.pcap');
  analyzeTrace(trace);
  const media = traceMedia(trace)!;
  const plan = planAudio(trace, media, sel) as AudioPlan;
  expect(typeof plan).toBe('object');
  const lists = (await scanCapturePackets(trace, plan, null))!;
  const audio = renderAudio(plan, lists, timing, loss);
  if (typeof audio === 'string') throw new Error(audio);
  return { media, plan, lists, audio };
}

/** The WAV's samples (after the 44-octet header), interleaved. */
function samples(wav: Uint8Array): Int16Array {
  const copy = wav.slice(44);
  return new Int16Array(copy.buffer, 0, copy.length / 2);
}

/** What the caller's stream must sound like: the tone through G.711, silence where packets were lost. */
function expectedForward(): Int16Array {
  const out = new Int16Array(PACKETS * 160);
  for (let i = 0; i < PACKETS; i++)
    if (!dropped(i))
      for (let j = 0; j < 160; j++) out[i * 160 + j] = ULAW_TO_LINEAR[linearToUlaw(tone(1000, i * 160 + j))]!;
  return out;
}

describe('one stream by timestamp', () => {
  it('losses silent: as long as its timestamps span, silent where packets were lost, the tone elsewhere (the late packet in its place)', async () => {
    const { media, audio, lists } = await load({ stream: 0 });
    const s = media.streams[0]!;
    expect(s.record.ssrc).toBe(FWD_SSRC);
    expect(lists[0]!.count).toBe(90);
    expect(audio.rate).toBe(8000);
    expect(audio.channels).toBe(1);
    expect(audio.frames).toBe(PACKETS * 160); // (last ts − first ts) + one packet
    expect(audio.streams[0]).toMatchObject({
      codec: 'PCMU',
      played: 90,
      lost: 10,
      duplicates: 0,
      reordered: 1,
    });
    const pcm = samples(audio.wav);
    expect(pcm.length).toBe(PACKETS * 160);
    const want = expectedForward();
    for (let i = 0; i < PACKETS; i++) {
      const got = pcm.subarray(i * 160, (i + 1) * 160);
      if (dropped(i))
        expect(
          got.every((x) => x === 0),
          `packet ${i} lost: silence`,
        ).toBe(true);
      else expect([...got], `packet ${i}`).toEqual([...want.subarray(i * 160, (i + 1) * 160)]);
    }
  });

  it('losses concealed (the default): the same counts; each lost packet is the tone again (over 20 dB SNR; silence 0 dB), the rest within a few samples of the joins the tone', async () => {
    const silent = await load({ stream: 0 });
    const { audio } = await load({ stream: 0 }, 'timestamp', 'conceal');
    expect(audio.loss).toBe('conceal');
    const { concealed, ...counts } = audio.streams[0]!;
    expect(counts).toEqual(silent.audio.streams[0]);
    expect(concealed).toBe(10);
    const pcm = samples(audio.wav);
    const want = expectedForward();
    let s = 0;
    let e = 0;
    for (let i = 0; i < PACKETS; i++)
      for (let j = 0; j < 160; j++) {
        const o = i * 160 + j;
        const ref = dropped(i) ? tone(1000, o) : want[o]!;
        if (dropped(i)) {
          s += ref * ref;
          e += (ref - pcm[o]!) ** 2;
        } else if (!dropped(i + 1) && !dropped(i - 1)) expect(pcm[o], `sample ${o}`).toBe(want[o]);
      }
    expect(10 * Math.log10(s / e)).toBeGreaterThan(20);
  });

  it('is a 1 kHz tone (zero crossings over the first 0.1 s, no loss there)', async () => {
    const { audio } = await load({ stream: 0 });
    const pcm = samples(audio.wav).subarray(0, 800);
    let crossings = 0;
    for (let i = 1; i < pcm.length; i++) if (pcm[i - 1]! < 0 !== pcm[i]! < 0) crossings++;
    expect(crossings / 2 / 0.1).toBeGreaterThan(990);
    expect(crossings / 2 / 0.1).toBeLessThan(1010);
  });

  it('by arrival, the late packet sits 30 ms late (where it was heard)', async () => {
    const { audio } = await load({ stream: 0 }, 'arrival');
    const pcm = samples(audio.wav);
    const want = expectedForward();
    // Packet 42 arrived at 42×20 ms + 30 ms: its samples start at 1,080 ms × 8.
    const at = (REORDERED * 20 + 30) * 8;
    expect([...pcm.subarray(at, at + 160)]).toEqual([
      ...want.subarray(REORDERED * 160, (REORDERED + 1) * 160),
    ]);
  });
});

describe('other capture formats', () => {
  it('a NetMon capture (frames indexed at its end) gives the same stream by timestamp', async () => {
    const frames = toneFrames()
      .map((f, i) => ({ ...f, i }))
      .sort((a, b) => a.us - b.us || a.i - b.i)
      .map((f) => f.bytes);
    const { trace } = ingestBytes(netmonOf(frames).bytes, 'tone.cap');
    analyzeTrace(trace);
    const media = traceMedia(trace)!;
    const plan = planAudio(trace, media, { stream: 0 }) as AudioPlan;
    const audio = renderAudio(plan, (await scanCapturePackets(trace, plan, null))!, 'timestamp', 'silence');
    if (typeof audio === 'string') throw new Error(audio);
    expect([...samples(audio.wav)]).toEqual([...expectedForward()]);
  });
});

describe("a call's two directions in stereo", () => {
  it('left the caller → callee stream, right the callee → caller one, 50 ms (400 samples) later as captured', async () => {
    const { audio } = await load({ call: 'C1' });
    expect(audio.channels).toBe(2);
    expect(audio.frames).toBe(PACKETS * 160 + 400);
    const st = samples(audio.wav);
    const want = expectedForward();
    for (let k = 0; k < PACKETS * 160; k += 37) expect(st[k * 2], `left ${k}`).toBe(want[k]);
    for (let k = 0; k < 400; k++) expect(st[k * 2 + 1]).toBe(0);
    for (let k = 0; k < PACKETS * 160; k += 41)
      expect(st[(k + 400) * 2 + 1], `right ${k}`).toBe(ULAW_TO_LINEAR[linearToUlaw(tone(500, k))]);
  });

  it('a call without streams, an unknown stream: a reason, no WAV', () => {
    const { trace } = ingestBytes(toneCapture(), 'tone.pcap');
    analyzeTrace(trace);
    const media = traceMedia(trace)!;
    expect(planAudio(trace, media, { stream: 9 })).toBe('no stream 9 in this capture');
    expect(planAudio(trace, media, { call: 'C7' })).toBe('C7 has no RTP stream in this capture');
  });
});

describe('codecs', () => {
  const list = (pt: number, payload: number[], n = 3): RtpPacketList => {
    const l = new RtpPacketList();
    const b = new Uint8Array(payload);
    for (let i = 0; i < n; i++)
      l.add(1000 + i, 8000 + i * (payload.length / 2), pt, false, i * 20_000, b, 0, b.length);
    return l;
  };

  it('a codec sipscope does not decode says so (never noise)', () => {
    expect(decodeStream(list(15, [1, 2, 3, 4]), null)).toEqual({
      ok: false,
      reason: `cannot play G.728 (sipscope decodes ${DECODED_CODECS})`,
    });
    const opus = new Map([[111, { name: 'opus', rate: 48000, channels: 2 }]]);
    expect(decodeStream(list(111, [1, 2]), opus)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^cannot play opus/),
    });
    expect(decodeStream(list(4, [1, 2]), null)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^cannot play G\.723/),
    });
    expect(decodeStream(list(13, [1]), null)).toEqual({
      ok: false,
      reason: 'nothing to play: the stream carries only CN',
    });
  });

  it('G.711, L16, G.722, GSM, G.726 and G.729 streams of random packets (any length, truncated frames, codecs switching, losses concealed or silent) decode without a throw', () => {
    let seed = 11;
    const rnd = (n: number): number => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) % n;
    const map = new Map([
      [97, { name: 'G726-24', rate: 8000 }],
      [98, { name: 'AAL2-G726-40', rate: 8000 }],
      [99, { name: 'L16', rate: 16000 }],
    ]);
    const pts = [2, 3, 9, 97, 98, 18, 8, 99, 0];
    let concealed = 0;
    for (let round = 0; round < 36; round++) {
      const l = new RtpPacketList();
      // Odd rounds: packets in order with runs lost (concealment at work); even: anything.
      const inOrder = round % 2 === 1;
      let seq = rnd(65536);
      for (let i = 0; i < 200; i++) {
        const b = Uint8Array.from({ length: inOrder && rnd(4) ? 160 : rnd(400) }, () => rnd(256));
        seq += inOrder ? 1 + (rnd(4) === 0 ? rnd(8) : 0) : rnd(65536);
        l.add(
          seq & 0xffff,
          inOrder ? seq * 160 : rnd(2 ** 31),
          pts[round % 9]! === 0 ? pts[rnd(9)]! : pts[round % 9]!,
          false,
          i * 20_000,
          b,
          0,
          b.length,
        );
      }
      for (const timing of ['timestamp', 'arrival'] as const)
        for (const loss of ['conceal', 'silence'] as const) {
          const d = decodeStream(l, map, timing, loss);
          expect(d.ok).toBe(true);
          if (d.ok) expect(d.audio.pcm.length).toBeLessThanOrEqual(3600 * 8000);
          if (d.ok && loss === 'conceal') concealed += d.audio.concealed ?? 0;
          if (d.ok && loss === 'silence') expect(d.audio.concealed).toBeUndefined();
        }
    }
    expect(concealed).toBeGreaterThan(100);
  });

  it('L16 by a dynamic rtpmap (big-endian; two channels mixed to one)', () => {
    const map = new Map([[97, { name: 'L16', rate: 16000, channels: 2 }]]);
    // one frame: left 1000, right 3000 → 2000; then -2 and -4 → -3
    const d = decodeStream(list(97, [0x03, 0xe8, 0x0b, 0xb8, 0xff, 0xfe, 0xff, 0xfc], 1), map);
    expect(d.ok && d.audio.rate).toBe(16000);
    expect(d.ok && [...d.audio.pcm]).toEqual([2000, -3]);
    expect(payloadPlay(11, undefined)).toEqual({ kind: 'audio', codec: 'L16', rate: 44100, channels: 1 });
  });

  it("the SDP's rtpmap of the announced m= line, channels included", () => {
    const sdp =
      'v=0\r\nc=IN IP4 10.0.0.1\r\nm=audio 4000 RTP/AVP 0\r\nm=audio 5000 RTP/AVP 97 101\r\n' +
      'a=rtpmap:97 L16/16000/2\r\na=rtpmap:101 telephone-event/8000\r\n';
    expect(rtpmapOf(sdp, '10.0.0.1', 5000)).toEqual(
      new Map([
        [97, { name: 'L16', rate: 16000, channels: 2 }],
        [101, { name: 'telephone-event', rate: 8000, channels: 1 }],
      ]),
    );
  });

  it('sequence numbers across the wrap stay in order, a duplicate is dropped', () => {
    const l = new RtpPacketList();
    const p = new Uint8Array(160).fill(0x80); // µ-law 0x80: +32124
    for (const [seq, ts] of [
      [65534, 0],
      [65535, 160],
      [1, 480],
      [0, 320],
      [1, 480],
    ] as const)
      l.add(seq, ts, 0, false, ts * 125, p, 0, 160);
    const d = decodeStream(l, null);
    expect(d.ok && d.audio).toMatchObject({ played: 4, duplicates: 1, reordered: 1, lost: 0 });
    expect(d.ok && d.audio.pcm.length).toBe(640);
  });

  it('a RIFF WAVE header: PCM, channels, rate, byte rate, data size', () => {
    const w = wavFile(new Int16Array([1, -1, 2, -2]), 8000, 2);
    const v = new DataView(w.buffer);
    expect(new TextDecoder().decode(w.subarray(0, 4))).toBe('RIFF');
    expect(v.getUint32(4, true)).toBe(36 + 8);
    expect(new TextDecoder().decode(w.subarray(8, 16))).toBe('WAVEfmt ');
    expect([
      v.getUint16(20, true),
      v.getUint16(22, true),
      v.getUint32(24, true),
      v.getUint32(28, true),
    ]).toEqual([1, 2, 8000, 32000]);
    expect(v.getUint32(40, true)).toBe(8);
    expect(v.getInt16(46, true)).toBe(-1);
  });
});
