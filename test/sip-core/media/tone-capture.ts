/**
 * The tone capture of the audio tests: the media helper's call (test/helpers/rtp-capture.ts) with the
 * payloads replaced by tones in µ-law (PT 0) — the caller a 1 kHz tone with 10% loss and one packet
 * reordered, the callee a 500 Hz tone whose packets are all captured 50 ms later.
 */
import { linearToUlaw } from '../../../src/sip-core/media/g711';
import { mediaCallFrames, timedPcap } from '../../helpers/rtp-capture';

export const PACKETS = 100;
export const FWD_SSRC = 0x11110001;
export const REV_SSRC = 0x22220002;
/** Caller → callee loses packets 5, 15, 25...: 10%. */
export const dropped = (i: number): boolean => i % 10 === 5;
/** Packet 42 arrives 30 ms late, after 43. */
export const REORDERED = 42;

export const tone = (hz: number, n: number): number =>
  Math.round(12000 * Math.sin((2 * Math.PI * hz * n) / 8000 + 0.3));

/** The capture: the helper's call with the payloads replaced by the tones (µ-law, PT 0). */
export function toneCapture(): Uint8Array {
  return timedPcap(toneFrames());
}

/** The capture's frames (SIP and RTP) with their times, in the order they were made. */
export function toneFrames(): { us: number; bytes: Uint8Array }[] {
  const frames = mediaCallFrames({
    forward: {
      packets: PACKETS,
      pt: 0,
      drop: dropped,
      skewUs: (i) => (i === REORDERED ? 30_000 : 0),
    },
    reverse: { packets: PACKETS, pt: 0, skewUs: () => 50_000 },
  });
  for (const f of frames) {
    const b = f.bytes;
    const r = 42;
    if (b.length !== r + 172 || b[r] !== 0x80) continue;
    const ssrc = ((b[r + 8]! << 24) | (b[r + 9]! << 16) | (b[r + 10]! << 8) | b[r + 11]!) >>> 0;
    const ts = ((b[r + 4]! << 24) | (b[r + 5]! << 16) | (b[r + 6]! << 8) | b[r + 7]!) >>> 0;
    const hz = ssrc === FWD_SSRC ? 1000 : ssrc === REV_SSRC ? 500 : 0;
    for (let j = 0; j < 160; j++) b[r + 12 + j] = linearToUlaw(tone(hz, ts - 160000 + j));
  }
  return frames;
}
