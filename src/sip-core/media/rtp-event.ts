/**
 * RFC 4733 telephone events (DTMF digits, flash, the named tones) carried in RTP: the 4-octet payload
 * (§2.3: event code, E bit, R bit, 6-bit volume, 16-bit duration in timestamp units) read per packet
 * and folded into events, per stream and dynamic payload type, with constant memory per stream.
 *
 * One event is all the packets of one RTP timestamp (§2.5.1.1: the timestamp is the event's start;
 * each update carries the duration so far); the three redundant end packets (§2.5.1.4) and
 * retransmitted updates count once. An event longer than the 16-bit duration goes on in a new
 * "segment" whose timestamp is the previous one's plus its 0xFFFF units, the previous one not ended
 * (§2.5.1.3): joined into one event (timestamps wrap mod 2^32).
 *
 * The capture path does not know which dynamic payload type the SDP maps to telephone-event (the SDP
 * may be in another worker's part), so the tracker decodes the first two dynamic types of each stream
 * as events (rtp-streams.ts) until one's payloads plainly are not (more than {@link GIVE_UP} packets
 * not of 4 octets and more of those than of 4): an audio codec, forgotten. The analysis keeps the log
 * of the type the SDP rtpmap names `telephone-event` (call-media.ts); the others are dropped.
 */
import type { MediaStreamEvents, RtpEventJson } from '../../shared/dtmf';

/** Events kept per stream and payload type; the rest are counted in `dropped`. */
export const MAX_EVENTS = 256;
/** An event log gives up after this many payloads that are not 4 octets, when they outnumber the 4-octet ones. */
const GIVE_UP = 8;

/** One RFC 4733 event as the capture saw it. */
export interface RtpEventRecord {
  /** Event code (§3.2: 0–9 digits, 10 `*`, 11 `#`, 12–15 A–D, 16 flash; others by number). */
  code: number;
  /** RTP timestamp of its (first segment's) start. */
  timestamp: number;
  /** Capture time (µs since the epoch) and frame of its first packet. */
  firstUs: number;
  firstFrame: number;
  /** Capture time of its last packet. */
  lastUs: number;
  /** Duration in timestamp units (the largest reported; long events: the segments summed). */
  duration: number;
  /** Volume of its last packet (0–63, −dBm0; §2.3.4). */
  volume: number;
  /** A packet with the E bit came (§2.5.1.4). */
  ended: boolean;
  /** Packets (updates and end packets, retransmissions included) and of those the end packets. */
  packets: number;
  endPackets: number;
  /** Segments of a long event (§2.5.1.3), 1 normally. */
  segments: number;
}

/** What one stream's one dynamic payload type held of events. */
export interface RtpEventLog {
  pt: number;
  events: RtpEventRecord[];
  /** Events not kept: more than {@link MAX_EVENTS}. */
  dropped: number;
  /** Packets of 4 octets (events) and of any other length (malformed event payloads). */
  eventPackets: number;
  malformed: number;
  /** Frame of the first malformed one (0: none). */
  malformedFrame: number;
}

/** The running state of one stream's one dynamic payload type (numbers only between packets). */
export class EventDecoder {
  readonly events: RtpEventRecord[] = [];
  dropped = 0;
  eventPackets = 0;
  malformed = 0;
  malformedFrame = 0;
  /** Not events (an audio codec): stop decoding. */
  off = false;
  /** The event open for updates (the last one started), null before the first. */
  #cur: RtpEventRecord | null = null;
  /** Timestamp of the current segment and the units of the segments before it. */
  #segTs = 0;
  #segBase = 0;
  /** Whether the current event is kept in `events` (false: counted in `dropped`). */
  #kept = false;

  constructor(readonly pt: number) {}

  /** One packet of this payload type: `len` payload octets at `buf[p]`, RTP timestamp `ts`. */
  packet(buf: Uint8Array, p: number, len: number, ts: number, timeUs: number, frameNo: number): void {
    if (len !== 4) {
      if (this.malformed === 0) this.malformedFrame = frameNo;
      this.malformed++;
      if (this.malformed > GIVE_UP && this.malformed > this.eventPackets) {
        this.off = true;
        this.events.length = 0;
        this.#cur = null;
      }
      return;
    }
    this.eventPackets++;
    const code = buf[p]!;
    const b1 = buf[p + 1]!;
    const end = (b1 & 0x80) !== 0;
    const volume = b1 & 0x3f;
    const dur = (buf[p + 2]! << 8) | buf[p + 3]!;
    const c = this.#cur;
    if (c !== null && code === c.code && ts === this.#segTs) {
      this.#update(c, this.#segBase + dur, volume, end, timeUs);
      return;
    }
    // §2.5.1.3: the next segment of a long event starts where the previous reached 0xFFFF units.
    if (
      c !== null &&
      code === c.code &&
      !c.ended &&
      c.duration - this.#segBase === 0xffff &&
      ts === (this.#segTs + 0xffff) >>> 0
    ) {
      this.#segBase += 0xffff;
      this.#segTs = ts;
      c.segments++;
      this.#update(c, this.#segBase + dur, volume, end, timeUs);
      return;
    }
    // A late packet of the event before (reordered): counted there, not a new event.
    const prev = this.#kept ? this.events.at(-2) : this.events.at(-1);
    if (prev !== undefined && prev.code === code && prev.timestamp === ts && prev.segments === 1) {
      this.#update(prev, dur, volume, end, timeUs);
      return;
    }
    const e: RtpEventRecord = {
      code,
      timestamp: ts,
      firstUs: timeUs,
      firstFrame: frameNo,
      lastUs: timeUs,
      duration: dur,
      volume,
      ended: end,
      packets: 1,
      endPackets: end ? 1 : 0,
      segments: 1,
    };
    this.#cur = e;
    this.#segTs = ts;
    this.#segBase = 0;
    this.#kept = this.events.length < MAX_EVENTS;
    if (this.#kept) this.events.push(e);
    else this.dropped++;
  }

  #update(e: RtpEventRecord, duration: number, volume: number, end: boolean, timeUs: number): void {
    e.packets++;
    if (end) {
      e.endPackets++;
      e.ended = true;
    }
    if (duration > e.duration) e.duration = duration;
    e.volume = volume;
    if (timeUs > e.lastUs) e.lastUs = timeUs;
  }

  /** The log as plain data (it crosses threads). */
  record(): RtpEventLog {
    return {
      pt: this.pt,
      events: this.events.map((e) => ({ ...e })),
      dropped: this.dropped,
      eventPackets: this.eventPackets,
      malformed: this.malformed,
      malformedFrame: this.malformedFrame,
    };
  }
}

const NAMES = '0123456789*#ABCD';

/** The name of event code `code` (RFC 4733 §3.2): `0`–`9`, `*`, `#`, `A`–`D`, `flash`, else `event N`. */
export function eventName(code: number): string {
  if (code < 16) return NAMES[code]!;
  if (code === 16) return 'flash';
  return `event ${code}`;
}

/** A DTMF digit (codes 0–15). */
export function isDtmf(code: number): boolean {
  return code < 16;
}

/** The two ITU-T Q.23 frequencies (Hz) of DTMF event `code` (0–15), null for other events. */
export function dtmfFrequencies(code: number): [number, number] | null {
  if (code >= 16) return null;
  const c = NAMES[code]!;
  const rows = ['123A', '456B', '789C', '*0#D'];
  const low = [697, 770, 852, 941];
  const high = [1209, 1336, 1477, 1633];
  for (let r = 0; r < 4; r++) {
    const i = rows[r]!.indexOf(c);
    if (i >= 0) return [low[r]!, high[i]!];
  }
  return null;
}

/**
 * The events of the stream's payload type `rtpmap` names telephone-event (RFC 4733 §7.1.1, the
 * receiver's SDP), as the JSON has them; null when it has none or none came.
 */
export function telephoneEvents(
  logs: readonly RtpEventLog[] | undefined,
  rtpmap: ReadonlyMap<number, { name: string; rate: number }> | null,
): MediaStreamEvents | null {
  if (!logs || !rtpmap) return null;
  for (const l of logs) {
    const e = rtpmap.get(l.pt);
    if (!e || !/^telephone-event$/i.test(e.name)) continue;
    const rate = e.rate > 0 ? e.rate : 8000;
    return {
      payloadType: l.pt,
      clockRate: rate,
      list: l.events.map((x): RtpEventJson => {
        const j: RtpEventJson = {
          event: eventName(x.code),
          code: x.code,
          time: x.firstUs / 1e6,
          frame: x.firstFrame,
          timestamp: x.timestamp,
          durationMs: Math.round((x.duration * 1e6) / rate) / 1000,
          volume: x.volume,
          ended: x.ended,
          endPackets: x.endPackets,
          packets: x.packets,
        };
        if (x.segments > 1) j.segments = x.segments;
        return j;
      }),
      dropped: l.dropped,
      malformed: l.malformed,
      malformedFrame: l.malformed > 0 ? l.malformedFrame : null,
    };
  }
  return null;
}

/** One event to be heard: where its tone starts in a stream's samples, for how many, which digit how loud. */
export interface EventTone {
  at: number;
  samples: number;
  code: number;
  volume: number;
}

/**
 * Adds DTMF event `t`'s two ITU-T Q.23 sines into `pcm` (clipped), each at −`volume` dBm0 (RFC 4733
 * §2.3.4; G.711's full-scale sine is +3.17 dBm0), `rate` samples per second. Events other than the
 * 16 digits (flash, the named tones) stay silent.
 */
export function addDtmfTone(pcm: Int16Array, t: EventTone, rate: number): void {
  const f = dtmfFrequencies(t.code);
  if (!f) return;
  const amp = 32767 * 10 ** ((-t.volume - 3.17) / 20);
  const w1 = (2 * Math.PI * f[0]) / rate;
  const w2 = (2 * Math.PI * f[1]) / rate;
  const end = Math.min(pcm.length, t.at + t.samples);
  for (let i = Math.max(0, t.at); i < end; i++) {
    const k = i - t.at;
    const v = pcm[i]! + Math.round(amp * (Math.sin(w1 * k) + Math.sin(w2 * k)));
    pcm[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
  }
}
