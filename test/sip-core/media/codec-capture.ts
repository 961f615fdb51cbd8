/**
 * The codec tests' reference and captures: test signals encoded by ffmpeg's encoders (G.722, GSM),
 * the same bitstreams decoded by ffmpeg, and a call whose caller sends a bitstream as RTP packets of
 * a chosen size, payload type and timestamp step (the media helper's SIP around it, the packets made
 * here: their payload sizes differ from the G.711 helper's 160 octets).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ipFrame } from '../../helpers/frames';
import { requirePeer } from '../../helpers/peers';
import { mediaCallFrames, timedPcap } from '../../helpers/rtp-capture';

export const ffmpeg = requirePeer('ffmpeg');

/** Runs ffmpeg in a temporary folder with `input` as its input file; returns the output file's octets. */
function run(input: Uint8Array, args: (inFile: string, outFile: string) => string[]): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), 'sipscope-codec-'));
  try {
    const i = join(dir, 'in');
    const o = join(dir, 'out');
    writeFileSync(i, input);
    execFileSync(ffmpeg!, ['-hide_banner', '-loglevel', 'error', '-y', ...args(i, o)], { timeout: 60_000 });
    return new Uint8Array(readFileSync(o));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Test signals (16-bit mono at `rate`), deterministic. */
export function signals(rate: number): Record<string, Int16Array> {
  const n = rate * 2;
  const make = (f: (i: number, t: number) => number): Int16Array =>
    Int16Array.from({ length: n }, (_, i) => Math.max(-32768, Math.min(32767, Math.round(f(i, i / rate)))));
  let seed = 12345;
  const rnd = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1;
  return {
    // A chirp 100 Hz → the band's top, at −6 dBFS.
    chirp: make((_, t) => 16000 * Math.sin(2 * Math.PI * (100 * t + ((rate * 0.45 - 100) / 4) * t * t))),
    // White noise at −12 dBFS.
    noise: make(() => 8000 * rnd()),
    // Speech-like: a 120 Hz voice with harmonics, its loudness and pitch moving, pauses between words.
    speech: make((_, t) => {
      const env = Math.max(0, Math.sin(2 * Math.PI * 1.7 * t)) ** 2;
      let v = 0;
      for (let h = 1; h <= 20; h++)
        v += Math.sin(2 * Math.PI * h * (120 + 20 * Math.sin(2 * Math.PI * 3 * t)) * t) / h;
      return 9000 * env * v;
    }),
    // A full-scale square wave: the clipping paths.
    square: make((_, t) => (Math.sin(2 * Math.PI * 440 * t) >= 0 ? 32767 : -32768)),
  };
}

const bytesOf = (pcm: Int16Array): Uint8Array => new Uint8Array(pcm.buffer, pcm.byteOffset, pcm.byteLength);
const pcmOf = (b: Uint8Array): Int16Array => new Int16Array(b.slice().buffer);

/** ffmpeg's encoding of `pcm` (mono s16le at `rate`) as a raw `format` bitstream with `codec`. */
export function ffEncode(
  pcm: Int16Array,
  rate: number,
  codec: string,
  format: string,
  codecArgs: string[] = [],
): Uint8Array {
  return run(bytesOf(pcm), (i, o) => [
    '-f',
    's16le',
    '-ar',
    String(rate),
    '-ac',
    '1',
    '-i',
    i,
    '-c:a',
    codec,
    ...codecArgs,
    '-f',
    format,
    o,
  ]);
}

/** ffmpeg's decoding of a raw bitstream (`inArgs`: its format options) to s16le samples. */
export function ffDecode(bits: Uint8Array, inArgs: string[]): Int16Array {
  return pcmOf(run(bits, (i, o) => [...inArgs, '-i', i, '-f', 's16le', '-ac', '1', o]));
}

/** Peak signal (as |x| ≤ 32768) to the error between two equal-length signals, in dB. */
export function snrDb(ref: Int16Array, got: Int16Array): number {
  let s = 0;
  let e = 0;
  for (let i = 0; i < ref.length; i++) {
    s += ref[i]! * ref[i]!;
    e += (ref[i]! - got[i]!) ** 2;
  }
  return e === 0 ? Infinity : 10 * Math.log10(s / e);
}

export interface CodecCallSpec {
  /** The caller's payloads in order (one per packet). */
  payloads: Uint8Array[];
  pt: number;
  /** Packet i's payload type when not `pt` (comfort noise between audio packets). */
  ptOf?: (i: number) => number;
  /** Timestamp ticks per packet. */
  step: number;
  /** Packets not sent (by index). */
  drop?: (i: number) => boolean;
  /**
   * Packet i's RTP timestamp after the first's (default i × step) and its capture time after the
   * first's in µs (default i × 20 ms): a sender that leaves frames out (DTX) without a sequence gap.
   */
  tsOf?: (i: number) => number;
  usOf?: (i: number) => number;
  /** An rtpmap in both SDPs, e.g. [97, 'G726-32/8000']. */
  dynamic?: [number, string];
  /** The callee's stream: one payload per caller packet, of this type (160 timestamp ticks each). */
  reversePt?: number;
  reversePayload?: (i: number) => Uint8Array;
  /** Another call beside (the media helper's defaults: call-1, 10.9.0.1 → 10.9.0.2, from 0 µs). */
  callId?: string;
  caller?: number;
  callee?: number;
  startUs?: number;
}

const dotted = (d: number): number => ((10 << 24) | (9 << 16) | d) >>> 0;

function rtp(seq: number, ts: number, ssrc: number, pt: number, payload: Uint8Array): string {
  const b = Buffer.alloc(12 + payload.length);
  b[0] = 0x80;
  b[1] = pt;
  b.writeUInt16BE(seq & 0xffff, 2);
  b.writeUInt32BE(ts >>> 0, 4);
  b.writeUInt32BE(ssrc >>> 0, 8);
  b.set(payload, 12);
  return b.toString('latin1');
}

/** The frames of one call (caller:40000 ⇄ callee:50000): packets every 20 ms from 200 ms on. */
export function codecCallFrames(o: CodecCallSpec): { us: number; bytes: Uint8Array }[] {
  const n = o.payloads.length;
  const a = o.caller ?? 1;
  const b = o.callee ?? 2;
  const t0 = o.startUs ?? 0;
  const frames = mediaCallFrames({
    holdUs: 200_000 + (o.usOf ? o.usOf(n) : n * 20_000) + 50_000,
    dynamic: o.dynamic,
    caller: a,
    callee: b,
    ...(o.callId !== undefined && { callId: o.callId }),
    startUs: t0,
  });
  for (let i = 0; i < n; i++) {
    const us = t0 + 200_000 + (o.usOf ? o.usOf(i) : i * 20_000);
    if (!o.drop?.(i))
      frames.push({
        us,
        bytes: ipFrame({
          src: dotted(a),
          dst: dotted(b),
          sp: 40000,
          dp: 50000,
          payload: rtp(
            1000 + i,
            160000 + (o.tsOf ? o.tsOf(i) : i * o.step),
            0x11110000 + a,
            o.ptOf?.(i) ?? o.pt,
            o.payloads[i]!,
          ),
        }),
      });
    if (o.reversePt !== undefined)
      frames.push({
        us: us + 5_000,
        bytes: ipFrame({
          src: dotted(b),
          dst: dotted(a),
          sp: 50000,
          dp: 40000,
          payload: rtp(3000 + i, 80000 + i * 160, 0x22220000 + b, o.reversePt, o.reversePayload!(i)),
        }),
      });
  }
  return frames;
}

/** A capture of one call (see {@link codecCallFrames}). */
export function codecCallCapture(o: CodecCallSpec): Uint8Array {
  return timedPcap(codecCallFrames(o));
}
