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
  /**
   * The other side's digit sent back: the same digit by the same method from the other side, at
   * most {@link DTMF_ECHO_WINDOW_S} after it — what an echo test does (Asterisk's Echo(),
   * FreeSWITCH's echo, a lab phone in echo mode, SIPp's -rtp_echo). Absent: a key pressed.
   */
  echo?: true;
  /** This digit came back from the other side (the digit's `echo` is there). */
  echoed?: true;
}

/** An echo's digit starts at most this long (s) after the digit it repeats (round trip and jitter buffer). */
export const DTMF_ECHO_WINDOW_S = 1;

/**
 * Marks the digits a side sent back (`echo`) and the ones they repeat (`echoed`) in a call's digits
 * in time order: each digit repeats the latest one not yet repeated of the other side with the same
 * digit and method within {@link DTMF_ECHO_WINDOW_S} before it.
 */
export function markDtmfEchoes(digits: DtmfDigitJson[]): void {
  // Per side, method and digit, the digits not repeated yet (in time order: the last is the latest),
  // so each digit looks at one list, not back over every digit of the window (a call with thousands
  // of INFO digits from one side was quadratic).
  const open = new Map<string, DtmfDigitJson[]>();
  for (const d of digits) {
    if (d.direction === null) continue;
    const other = open.get(`${d.direction === 'forward' ? 'reverse' : 'forward'} ${d.method} ${d.digit}`);
    const o = other?.at(-1);
    if (o && d.time - o.time <= DTMF_ECHO_WINDOW_S) {
      d.echo = true;
      o.echoed = true;
      other!.pop();
      continue;
    }
    const key = `${d.direction} ${d.method} ${d.digit}`;
    const mine = open.get(key);
    if (mine) mine.push(d);
    else open.set(key, [d]);
  }
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

const SIDE = { forward: 'caller', reverse: 'callee' } as const;

/**
 * The digits as sentences, one per run of the same side and method: `caller pressed 1 2 3 # at
 * 00:05.2 (RTP events (RFC 4733))`, times from `start` (epoch s, the call's start). Digits the
 * other side sent back (`echo`) are said with the ones they repeat: `…, echoed back by the callee`
 * (`…, the callee echoed 1 3 back` when only some were).
 */
export function dtmfSentences(digits: readonly DtmfDigitJson[], start: number): string[] {
  const out: string[] = [];
  const pressed = digits.filter((x) => !x.echo);
  let i = 0;
  while (i < pressed.length) {
    const d = pressed[i]!;
    let j = i + 1;
    while (j < pressed.length && pressed[j]!.direction === d.direction && pressed[j]!.method === d.method)
      j++;
    const run = pressed.slice(i, j);
    const who = d.direction === null ? 'unknown side' : SIDE[d.direction];
    const keys = run.map((x) => x.digit).join(' ');
    const back = run.filter((x) => x.echoed);
    const other = d.direction === 'forward' ? 'callee' : 'caller';
    const echo = !back.length
      ? ''
      : back.length === run.length
        ? `, echoed back by the ${other}`
        : `, the ${other} echoed ${back.map((x) => x.digit).join(' ')} back`;
    out.push(`${who} pressed ${keys} at ${clock(d.time - start)} (${METHOD_TEXT[d.method]})${echo}`);
    i = j;
  }
  return out;
}
