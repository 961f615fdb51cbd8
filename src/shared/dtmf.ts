/**
 * DTMF as sipscope reports it (the trace JSON and the app's `call:media` answer): the RFC 4733
 * events of a stream, and the digits of a call whichever way they were sent.
 */

/** One RFC 4733 event of a stream (all the packets of one RTP timestamp). */
export interface RtpEventJson {
  /** `0`–`9`, `*`, `#`, `A`–`D`, `flash`, else `event N` (RFC 4733 §3.2, RFC 4734). */
  event: string;
  code: number;
  /** Epoch seconds and frame of its first packet; its RTP timestamp. */
  time: number;
  frame: number;
  timestamp: number;
  /** Duration (timestamp units / clock rate), ms: the largest the packets reported. */
  durationMs: number;
  /** 0–63: −dBm0 (0 is loudest). */
  volume: number;
  /** An end packet (E bit) came; the end packets (3 by RFC 4733 §2.5.1.4) and all the packets. */
  ended: boolean;
  endPackets: number;
  packets: number;
  /** Segments of an event longer than 0xFFFF units (§2.5.1.3); absent when 1. */
  segments?: number;
}

/** A stream's telephone-event payload type (from the SDP rtpmap) and what it carried. */
export interface MediaStreamEvents {
  payloadType: number;
  clockRate: number;
  list: RtpEventJson[];
  /** Events not kept: more than 256 in the stream (the list is capped). */
  dropped: number;
  /** Packets of that type whose payload is not 4 octets, and the first one's frame (null: none). */
  malformed: number;
  malformedFrame: number | null;
}

/** How a digit was sent. */
export type DtmfMethod = 'rtp-event' | 'info' | 'kpml';

/** One digit (or other event) a side of a call sent. */
export interface DtmfDigitJson {
  /** As `RtpEventJson.event`. */
  digit: string;
  method: DtmfMethod;
  /** Epoch seconds (the first packet, the INFO's or NOTIFY's capture time). */
  time: number;
  frame: number;
  /** `forward`: the caller sent it; `reverse`: the callee; null: unknown. */
  direction: 'forward' | 'reverse' | null;
  /** ms; null when not said (KPML, an INFO without Duration). */
  durationMs: number | null;
  /** RTP events: the stream's index (`call:media`, the media block); INFO/KPML: the message's trace id. */
  stream?: number;
  messageId?: number;
}

/** The keys a phone can press (RFC 4733 §3.2 events 0–15), in event-code order. */
const KEYPAD = '0123456789*#ABCD';

/** 1–32 keys of 0-9 * # A-D: what a DTMF step, the lab's keypad and its API accept. */
export const DTMF_DIGITS_RE = /^[0-9*#A-Da-d]{1,32}$/;

/** The RFC 4733 event code of a key (`*` 10, `#` 11, `A`–`D` 12–15; case-insensitive), -1 for any other. */
export function dtmfEventCode(key: string): number {
  return key.length === 1 ? KEYPAD.indexOf(key.toUpperCase()) : -1;
}

/** `mm:ss.s` of `sec` seconds (call time). */
function clock(sec: number): string {
  const t = Math.max(0, sec);
  const m = Math.floor(t / 60);
  return `${String(m).padStart(2, '0')}:${(t - m * 60).toFixed(1).padStart(4, '0')}`;
}

const METHOD_TEXT: Record<DtmfMethod, string> = {
  'rtp-event': 'RTP events (RFC 4733)',
  info: 'SIP INFO',
  kpml: 'KPML NOTIFY',
};

/**
 * The digits as sentences, one per run of the same side and method: `caller pressed 1 2 3 # at
 * 00:05.2 (RTP events (RFC 4733))`, times from `start` (epoch s, the call's start).
 */
export function dtmfSentences(digits: readonly DtmfDigitJson[], start: number): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < digits.length) {
    const d = digits[i]!;
    let j = i + 1;
    while (j < digits.length && digits[j]!.direction === d.direction && digits[j]!.method === d.method) j++;
    const who = d.direction === 'forward' ? 'caller' : d.direction === 'reverse' ? 'callee' : 'unknown side';
    const keys = digits
      .slice(i, j)
      .map((x) => x.digit)
      .join(' ');
    out.push(`${who} pressed ${keys} at ${clock(d.time - start)} (${METHOD_TEXT[d.method]})`);
    i = j;
  }
  return out;
}
