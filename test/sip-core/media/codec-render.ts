/**
 * The codec tests' rendering: a call made by codec-capture.ts ingested, analysed and played as the app
 * plays it (apart from codec-capture.ts, which bench/tools/gen-codec-sample.ts runs outside vitest).
 */
import { expect } from 'vitest';
import { analyzeTrace } from '../../../src/sip-core/analysis';
import { traceMedia } from '../../../src/sip-core/media/media-json';
import { planAudio, renderAudio, type AudioPlan } from '../../../src/sip-core/media/stream-audio';
import { ingestBytes } from '../../../src/sip-core/trace/trace-builder';
import { scanCapturePackets } from '../../../src/main/service/stream-audio';
import type { AudioLoss } from '../../../src/sip-core/media/rtp-audio';
import { codecCallCapture, type CodecCallSpec } from './codec-capture';

/** The first sample where two signals differ (−1: none; the shorter length when the lengths differ). */
export function firstDiff(a: Int16Array, b: Int16Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

/**
 * A call made by {@link codecCallCapture}, ingested and analysed, and a stream's or the call's audio
 * rendered as the app does (the capture read again, `timestamp` timing, losses concealed unless
 * `loss` says silence): the result and its samples.
 */
export async function renderCodecCall(
  spec: CodecCallSpec,
  sel: { stream: number } | { call: string } = { stream: 0 },
  loss: AudioLoss = 'conceal',
) {
  const { trace } = ingestBytes(codecCallCapture(spec), 'codec.pcap');
  analyzeTrace(trace);
  const media = traceMedia(trace)!;
  const plan = planAudio(trace, media, sel) as AudioPlan;
  expect(typeof plan).toBe('object');
  const lists = (await scanCapturePackets(trace, plan, null))!;
  const audio = renderAudio(plan, lists, 'timestamp', loss);
  if (typeof audio === 'string') throw new Error(audio);
  const copy = audio.wav.slice(44);
  return { audio, pcm: new Int16Array(copy.buffer, 0, copy.length / 2) };
}
