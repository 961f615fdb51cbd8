/**
 * RTP audio as a receiver plays it: one stream's packets decoded to 16-bit PCM and placed on its
 * timeline, and a call's two directions as one stereo WAV (what Wireshark's RTP player does).
 *
 * Timing (`timestamp`, the default): packets are put in sequence-number order (RFC 3550 §A.1: the
 * 16-bit number extended across wraps; a duplicate — the same extended number again — is dropped, a
 * reordered packet lands in its place) and each one's samples start at its RTP timestamp's offset from
 * the first packet's (RFC 3550 §5.1: the sampling instant of its first octet). So a lost packet leaves
 * silence of exactly its length and a talkspurt after silence suppression (marker bit, RFC 3551 §4.1)
 * starts where its timestamp says. Where the timestamp disagrees with the capture clock by more than
 * {@link RESYNC_SECONDS} (a sender that restarted its clock), the packet is placed by its arrival
 * instead. `arrival`: each packet at its capture time (what the capture point heard, network jitter
 * included), duplicates dropped.
 *
 * Codecs: G.711 µ-law (PT 0, `PCMU/8000`), A-law (PT 8, `PCMA/8000`), L16 (PT 10 stereo and 11 mono at
 * 44,100 Hz, RFC 3551 §4.5.11; a dynamic `L16/rate[/channels]` rtpmap), big-endian, a stereo L16 stream
 * mixed to mono; G.722 (PT 9, g722.ts: 16,000 samples per second on the 8,000 Hz RTP clock) and GSM
 * 06.10 (PT 3, gsm.ts), G.726 (`G726-16/24/32/40`, `AAL2-G726-…`, PT 2: g726.ts), whose decoders
 * keep state from packet to packet: they are fed the packets in the order played. A lost packet
 * ({@link AudioLoss}): by default concealed as a phone would — G.711, L16, G.722 and G.726 by
 * pitch repetition (plc.ts, ITU-T G.711 Appendix I: fading out by 60 ms, the next packet faded in;
 * G.722's and G.726's decoder state re-encoded on it), GSM by GSM 06.11's substitution (the last
 * good frame repeated, muted within 320 ms; gsm.ts), G.729 / G.729A (PT 18, `G729`: g729.ts) by the
 * decoder's own frame erasure concealment (G.729 §4.4) for up to {@link G729_CONCEAL_FRAMES} frames
 * of the gap, then silence; or (`silence`) left silent, the decoder skipping it. After an Annex B
 * SID frame the gap until the next G.729 packet (DTX) is the decoder's comfort noise either way. RFC 3389 comfort noise (PT 13, 19, `CN/rate`: cn.ts) plays its noise
 * from its packet's place until the next audio or CN packet; the last CN packet of a stream plays
 * nothing (nothing says how long the silence lasted). Anything else is
 * not decoded: "cannot play G.723" — never noise. RFC 4733 `telephone-event` packets (DTMF) are heard as their two ITU-T
 * Q.23 tones, from the event's start (its RTP timestamp) for its duration, at its volume, laid under
 * the audio: where an audio packet of the stream covers the same instant it wins, so a sender that
 * kept sending audio (in-band DTMF too) is not heard twice; a stream of events alone plays its tones
 * (Wireshark's RTP player leaves events silent; a listener checking "did the digits go through"
 * wants to hear them).
 * @remarks Payload types 96–127 mean what the receiver's SDP rtpmap says (RFC 3264 §5.1); the call's
 * media analysis (call-media.ts) hands that map over.
 */
import { ALAW_TO_LINEAR, ULAW_TO_LINEAR } from './g711';
import { G722Decoder } from './g722';
import { GSM_FRAME_OCTETS, GSM_FRAME_SAMPLES, GSM_SUBSTITUTE_MAX, GsmDecoder } from './gsm';
import { G726Decoder, type G726Packing } from './g726';
import { G729Decoder, G729_FRAME_SAMPLES, g729PayloadOk, g729Samples } from './g729';
import { addDtmfTone, type EventTone } from './rtp-event';
import { ComfortNoise, parseCn } from './cn';
import { PLC_MAX_MS, conceal, crossFade, type Concealment } from './plc';
import { rtpHeaderLength } from './rtp-header';

/** Where the timestamp and the capture clock disagree by more than this (s), arrival places the packet. */
export const RESYNC_SECONDS = 1;
/**
 * Longest audio made (samples per channel): an hour at 8 kHz (a stereo WAV of 115 MB); the rest is
 * cut (`truncated`).
 */
export const MAX_SAMPLES = 3600 * 8000;

export type AudioTiming = 'timestamp' | 'arrival';

/**
 * What a lost packet sounds like (timestamp timing; by arrival a loss is only a later packet):
 * `conceal` (the default) as a phone plays it — G.711, L16, G.722 and G.726 by pitch repetition
 * (plc.ts, G.711 Appendix I), GSM by GSM 06.11's substitution, G.729 by its decoder (§4.4);
 * `silence`: the packet's time silent, the gaps heard where they are (a stateful decoder goes on from
 * its last packet). Comfort noise after a CN or SID packet is not a loss and plays either way.
 */
export type AudioLoss = 'conceal' | 'silence';

/** One rtpmap entry (a=rtpmap:<pt> <name>/<rate>[/<channels>]). */
export interface RtpmapEntry {
  name: string;
  rate: number;
  channels?: number;
}

/**
 * The codecs decoded here; G722, GSM and G726 are stateful (one decoder per stream, fed the packets in
 * order).
 */
export type AudioCodec = 'PCMU' | 'PCMA' | 'L16' | 'G722' | 'GSM' | 'G726' | 'G729';

/**
 * How the packets of one payload type are played: `rate` the samples per second made, `clock` the RTP
 * timestamp's ticks per second when it differs (G.722: 16,000 samples, an 8,000 Hz clock).
 */
export type PayloadPlay =
  | {
      kind: 'audio';
      codec: AudioCodec;
      rate: number;
      channels: number;
      clock?: number;
      /** G.726: bits per codeword (2–5) and the packing, and the name it goes by (`AAL2-G726-32`). */
      g726?: { bits: number; packing: G726Packing; name: string };
    }
  /** RFC 3389 comfort noise on a clock of `rate` (cn.ts). */
  | { kind: 'cn'; rate: number }
  | { kind: 'silence'; name: string }
  | { kind: 'cannot'; name: string };

/** Names of the static types this module does not decode (RFC 3551 §6), for "cannot play …". */
const STATIC_OTHER: Record<number, string> = {
  4: 'G.723',
  5: 'DVI4',
  6: 'DVI4',
  7: 'LPC',
  12: 'QCELP',
  14: 'MPA',
  15: 'G.728',
};

/** What the decoders here play, for "cannot play X (…)". */
export const DECODED_CODECS = 'G.711 µ-law/A-law, G.722, GSM 06.10, G.726, G.729 and L16';

/** G.722 (RFC 3551 §4.5.2): 16,000 samples per second on an 8,000 Hz RTP clock. */
const G722_PLAY: PayloadPlay = { kind: 'audio', codec: 'G722', rate: 16000, channels: 1, clock: 8000 };
/** GSM 06.10 full rate (RFC 3551 §4.5.8): 8,000 Hz, 33-octet frames of 160 samples. */
const GSM_PLAY: PayloadPlay = { kind: 'audio', codec: 'GSM', rate: 8000, channels: 1 };
/** G.729 / G.729A (RFC 3551 §4.5.6): 8,000 Hz, 10-octet frames of 80 samples, a 2-octet SID frame last. */
const G729_PLAY: PayloadPlay = { kind: 'audio', codec: 'G729', rate: 8000, channels: 1 };
/**
 * Lost G.729 frames played by the decoder's concealment (60 ms), the rest of a gap silence: G.729
 * §4.4 attenuates the fixed codebook gain by only 0.98 per subframe, so a long outage would
 * otherwise be filled with slowly fading noise.
 */
export const G729_CONCEAL_FRAMES = 6;

const G721 = { bits: 4, packing: 'rfc3551', name: 'G726-32' } as const;

/** What payload type `pt` is, given the receiver's rtpmap entry for it (if any). */
export function payloadPlay(pt: number, map: RtpmapEntry | undefined): PayloadPlay {
  if (map && pt > 34) {
    const n = map.name.toUpperCase();
    if (n === 'PCMU') return { kind: 'audio', codec: 'PCMU', rate: 8000, channels: 1 };
    if (n === 'PCMA') return { kind: 'audio', codec: 'PCMA', rate: 8000, channels: 1 };
    if (n === 'G722') return G722_PLAY;
    if (n === 'GSM') return GSM_PLAY;
    if (n === 'G729' || n === 'G729A') return G729_PLAY;
    const g726 = /^(AAL2-)?G726-(16|24|32|40)$/.exec(n);
    if (g726)
      return {
        kind: 'audio',
        codec: 'G726',
        rate: 8000,
        channels: 1,
        g726: { bits: Number(g726[2]) / 8, packing: g726[1] ? 'aal2' : 'rfc3551', name: n },
      };
    if (n === 'L16' && map.rate > 0 && map.rate <= 192_000)
      return { kind: 'audio', codec: 'L16', rate: map.rate, channels: Math.max(1, map.channels ?? 1) };
    if (n === 'CN') return { kind: 'cn', rate: map.rate > 0 && map.rate <= 192_000 ? map.rate : 8000 };
    if (n === 'TELEPHONE-EVENT') return { kind: 'silence', name: map.name };
    return { kind: 'cannot', name: map.name };
  }
  switch (pt) {
    case 0:
      return { kind: 'audio', codec: 'PCMU', rate: 8000, channels: 1 };
    case 2:
      // RFC 1890's G721, the same bitstream as G726-32 (RFC 3551 §4.5.4).
      return { kind: 'audio', codec: 'G726', rate: 8000, channels: 1, g726: G721 };
    case 3:
      return GSM_PLAY;
    case 8:
      return { kind: 'audio', codec: 'PCMA', rate: 8000, channels: 1 };
    case 9:
      return G722_PLAY;
    case 10:
      return { kind: 'audio', codec: 'L16', rate: 44100, channels: 2 };
    case 11:
      return { kind: 'audio', codec: 'L16', rate: 44100, channels: 1 };
    case 13:
    case 19:
      // 19: CN before RFC 3389 gave it 13 (tshark's PT_CN_OLD), the same payload.
      return { kind: 'cn', rate: 8000 };
    case 18:
      return G729_PLAY;
  }
  return { kind: 'cannot', name: STATIC_OTHER[pt] ?? (map ? map.name : `PT ${pt}`) };
}

/**
 * The packets of one stream in arrival order: header fields in typed arrays and the payload octets in
 * one growing buffer (no object per packet).
 */
export class RtpPacketList {
  count = 0;
  seq = new Uint16Array(64);
  ts = new Uint32Array(64);
  pt = new Uint8Array(64);
  marker = new Uint8Array(64);
  timeUs = new Float64Array(64);
  payStart = new Uint32Array(64);
  payEnd = new Uint32Array(64);
  bytes = new Uint8Array(4096);
  #used = 0;

  add(
    seq: number,
    ts: number,
    pt: number,
    marker: boolean,
    timeUs: number,
    buf: Uint8Array,
    ps: number,
    pe: number,
  ): void {
    const i = this.count;
    if (i === this.seq.length) this.#grow();
    const len = Math.max(0, pe - ps);
    if (this.#used + len > this.bytes.length) {
      const b = new Uint8Array(Math.max(this.bytes.length * 2, this.#used + len));
      b.set(this.bytes.subarray(0, this.#used));
      this.bytes = b;
    }
    this.bytes.set(buf.subarray(ps, ps + len), this.#used);
    this.seq[i] = seq;
    this.ts[i] = ts >>> 0;
    this.pt[i] = pt;
    this.marker[i] = marker ? 1 : 0;
    this.timeUs[i] = timeUs;
    this.payStart[i] = this.#used;
    this.#used += len;
    this.payEnd[i] = this.#used;
    this.count++;
  }

  /** Adds a whole RTP packet (header parsed here); false when it is not one. */
  addPacket(b: Uint8Array, timeUs: number): boolean {
    const p = rtpPayloadSpan(b, 0, b.length);
    if (!p) return false;
    this.add(
      (b[2]! << 8) | b[3]!,
      ((b[4]! << 24) | (b[5]! << 16) | (b[6]! << 8) | b[7]!) >>> 0,
      b[1]! & 0x7f,
      (b[1]! & 0x80) !== 0,
      timeUs,
      b,
      p.start,
      p.end,
    );
    return true;
  }

  #grow(): void {
    const n = this.seq.length * 2;
    const g = <T extends Uint16Array | Uint32Array | Uint8Array | Float64Array>(
      a: T,
      make: (n: number) => T,
    ): T => {
      const x = make(n);
      x.set(a as never);
      return x;
    };
    this.seq = g(this.seq, (k) => new Uint16Array(k));
    this.ts = g(this.ts, (k) => new Uint32Array(k));
    this.pt = g(this.pt, (k) => new Uint8Array(k));
    this.marker = g(this.marker, (k) => new Uint8Array(k));
    this.timeUs = g(this.timeUs, (k) => new Float64Array(k));
    this.payStart = g(this.payStart, (k) => new Uint32Array(k));
    this.payEnd = g(this.payEnd, (k) => new Uint32Array(k));
  }
}

/**
 * The payload of an RTP packet `buf[ps, pend)`: after the fixed header, the CSRCs, the header
 * extension, and before the padding (RFC 3550 §5.1, §5.3.1); null when it is not version 2 or too short.
 */
export function rtpPayloadSpan(
  buf: Uint8Array,
  ps: number,
  pend: number,
): { start: number; end: number } | null {
  const hdr = rtpHeaderLength(buf, ps, pend);
  if (hdr < 0) return null;
  let end = pend;
  if (buf[ps]! & 0x20 && end > ps + hdr) end -= buf[pend - 1]!;
  if (end < ps + hdr) return null;
  return { start: ps + hdr, end };
}

/** One stream decoded. */
export interface DecodedAudio {
  rate: number;
  /** Mono samples. */
  pcm: Int16Array;
  /** Capture time (µs) of sample 0. */
  startUs: number;
  codec: string;
  /** Packets played, lost (sequence gaps), dropped as duplicates, arrived out of order. */
  played: number;
  lost: number;
  duplicates: number;
  reordered: number;
  /** Packets of other payload types played as silence (telephone-event, a second codec). */
  silent: number;
  /** RFC 3389 comfort noise packets played (cn.ts): their noise fills the time until the next packet. */
  comfortNoise?: number;
  /**
   * Losses (runs of lost packets) concealed ({@link AudioLoss} `conceal`): G.729 by its decoder (§4.4),
   * GSM by substitution (GSM 06.11), the others by pitch repetition (plc.ts); a loss with too little
   * audio before it (35 ms) stays silent and is not counted.
   */
  concealed?: number;
  /** Places where the timestamp jumped against the capture clock and arrival placed the packet. */
  resyncs: number;
  /** RFC 4733 events heard as their tones (their packets count in `silent` too). */
  tones?: number;
  /**
   * Packets whose payload is not whole frames of the codec (G.729: 10-octet frames and at most one
   * 2-octet SID frame): their whole frames played, the rest ignored; CN payloads that are empty (not
   * played) or break RFC 3389 §3 (what could be read played).
   */
  malformed?: number;
  truncated: boolean;
}

export type DecodeResult = { ok: true; audio: DecodedAudio } | { ok: false; reason: string };

const s16 = (x: number): number => (x << 16) >> 16;
const s32 = (x: number): number => x | 0;

type AudioPlay = Extract<PayloadPlay, { kind: 'audio' }>;

/** Samples (per channel) a payload of `len` octets carries. */
function samplesOf(p: AudioPlay, len: number): number {
  if (p.codec === 'L16') return Math.floor(len / (2 * p.channels));
  if (p.codec === 'G722') return len * 2;
  if (p.codec === 'GSM') return Math.floor(len / GSM_FRAME_OCTETS) * GSM_FRAME_SAMPLES;
  if (p.codec === 'G726') return Math.floor((len * 8) / p.g726!.bits);
  if (p.codec === 'G729') return g729Samples(len);
  return len;
}

/** The decoders' state of one stream (created on its first packet of that codec). */
interface CodecState {
  g722?: G722Decoder;
  gsm?: GsmDecoder;
  /** By name (a stream may switch between G.726 rates). */
  g726?: Map<string, G726Decoder>;
  g729?: G729Decoder;
}

function decodeInto(
  p: AudioPlay,
  b: Uint8Array,
  s: number,
  e: number,
  out: Int16Array,
  at: number,
  state: CodecState,
): void {
  const room = out.length - at;
  if (p.codec === 'PCMU' || p.codec === 'PCMA') {
    const t = p.codec === 'PCMU' ? ULAW_TO_LINEAR : ALAW_TO_LINEAR;
    const n = Math.min(e - s, room);
    for (let i = 0; i < n; i++) out[at + i] = t[b[s + i]!]!;
    return;
  }
  if (p.codec === 'G722') {
    (state.g722 ??= new G722Decoder()).decode(b, s, e, out, at);
    return;
  }
  if (p.codec === 'GSM') {
    (state.gsm ??= new GsmDecoder()).decode(b, s, e, out, at);
    return;
  }
  if (p.codec === 'G726') {
    const g = p.g726!;
    const decoders = (state.g726 ??= new Map());
    let d = decoders.get(g.name);
    if (!d) decoders.set(g.name, (d = new G726Decoder(g.bits, g.packing)));
    d.decode(b, s, e, out, at);
    return;
  }
  if (p.codec === 'G729') {
    (state.g729 ??= new G729Decoder()).decode(b, s, e, out, at);
    return;
  }
  const ch = p.channels;
  const n = Math.min(Math.floor((e - s) / (2 * ch)), room);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let c = 0; c < ch; c++) {
      const o = s + (i * ch + c) * 2;
      sum += s16((b[o]! << 8) | b[o + 1]!);
    }
    out[at + i] = ch === 1 ? sum : Math.round(sum / ch);
  }
}

/**
 * Decodes one stream's packets (arrival order) to mono PCM on its timeline. `rtpmap`: the receiver's
 * SDP map (payload type → entry).
 */
export function decodeStream(
  pk: RtpPacketList,
  rtpmap: ReadonlyMap<number, RtpmapEntry> | null,
  timing: AudioTiming = 'timestamp',
  loss: AudioLoss = 'conceal',
): DecodeResult {
  const n = pk.count;
  if (n === 0)
    return {
      ok: false,
      reason:
        'no packet of this stream to play (none read from the capture; in a simulation, none reached its receiver)',
    };
  const plays = new Map<number, PayloadPlay>();
  const playOf = (pt: number): PayloadPlay => {
    let p = plays.get(pt);
    if (!p) plays.set(pt, (p = payloadPlay(pt, rtpmap?.get(pt))));
    return p;
  };
  let main: AudioPlay | null = null;
  let mainPt = -1;
  for (let i = 0; i < n && !main; i++) {
    const p = playOf(pk.pt[i]!);
    if (p.kind === 'audio') {
      main = p;
      mainPt = pk.pt[i]!;
    }
  }
  // RFC 4733 events are heard as their DTMF tones; a stream of events only plays them at their rate.
  const eventPt = [...(rtpmap ?? [])].find(([, e]) => /^telephone-event$/i.test(e.name));
  const eventRate = eventPt ? eventPt[1].rate || 8000 : 0;
  let eventsOnly: string | null = null;
  if (!main && eventPt && pk.pt.subarray(0, n).includes(eventPt[0])) {
    main = { kind: 'audio', codec: 'PCMU', rate: eventRate, channels: 1 };
    eventsOnly = 'telephone-event';
  }
  if (!main) {
    const names = [
      ...new Set(
        [...plays.values()].map((p) => (p.kind === 'audio' ? p.codec : p.kind === 'cn' ? 'CN' : p.name)),
      ),
    ];
    const cannot = [...plays.values()].filter((p) => p.kind === 'cannot').map((p) => p.name);
    return {
      ok: false,
      reason: cannot.length
        ? `cannot play ${[...new Set(cannot)].join(', ')} (sipscope decodes ${DECODED_CODECS})`
        : `nothing to play: the stream carries only ${names.join(', ')}`,
    };
  }
  const rate = main.rate;
  /** The RTP clock, and the samples per tick (G.722: 2). */
  const clock = main.clock ?? rate;
  const perTick = rate / clock;
  /** Whether a packet of this payload type plays on the main codec's timeline. */
  const sameTimeline = (p: PayloadPlay): p is AudioPlay =>
    p.kind === 'audio' && p.rate === rate && (p.clock ?? p.rate) === clock;
  /** Whether a packet's timestamp counts on the main clock (comfort noise may have its own: CN/16000). */
  const onClock = (p: PayloadPlay): boolean =>
    p.kind === 'audio' ? (p.clock ?? p.rate) === clock : p.kind === 'cn' ? p.rate === clock : true;
  // Extended sequence numbers in arrival order (RFC 3550 §A.1: a wrap when the number steps back
  // across 0 by a small amount).
  const ext = new Float64Array(n);
  ext[0] = pk.seq[0]!;
  for (let i = 1; i < n; i++) ext[i] = ext[i - 1]! + s16(pk.seq[i]! - pk.seq[i - 1]!);
  // Order: sequence order (timestamp) or arrival; duplicates (same extended number) dropped.
  let reordered = 0;
  let dup = false;
  for (let i = 1; i < n; i++) {
    if (ext[i]! < ext[i - 1]!) reordered++;
    else if (ext[i] === ext[i - 1]) dup = true;
  }
  let keep: number[];
  if (reordered === 0 && !dup) keep = Array.from({ length: n }, (_, i) => i);
  else if (timing === 'timestamp') {
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => ext[a]! - ext[b]! || a - b);
    keep = order.filter((i, k) => k === 0 || ext[i] !== ext[order[k - 1]!]);
  } else {
    const seen = new Set<number>();
    keep = [];
    for (let i = 0; i < n; i++) {
      if (seen.has(ext[i]!)) continue;
      seen.add(ext[i]!);
      keep.push(i);
    }
  }
  const duplicates = n - keep.length;
  let minExt = Infinity;
  let maxExt = -Infinity;
  for (const i of keep) {
    minExt = Math.min(minExt, ext[i]!);
    maxExt = Math.max(maxExt, ext[i]!);
  }
  const lost = maxExt - minExt + 1 - keep.length;
  // Sample offset of each kept packet.
  const off = new Float64Array(keep.length);
  const first = keep[0]!;
  let resyncs = 0;
  if (timing === 'timestamp') {
    let prev = first;
    let at = 0;
    for (let k = 1; k < keep.length; k++) {
      const i = keep[k]!;
      const dts = s32(pk.ts[i]! - pk.ts[prev]!);
      const dArrival = (pk.timeUs[i]! - pk.timeUs[prev]!) / 1e6;
      if (
        (pk.pt[i] !== mainPt && !onClock(playOf(pk.pt[i]!))) ||
        (pk.pt[prev] !== mainPt && !onClock(playOf(pk.pt[prev]!)))
      )
        // A step to or from a packet on another clock: the capture clock places it.
        at += Math.max(0, Math.round(dArrival * rate));
      else if (Math.abs(dts / clock - dArrival) > RESYNC_SECONDS) {
        resyncs++;
        at += Math.max(0, Math.round(dArrival * rate));
      } else at += dts * perTick;
      off[k] = at;
      prev = i;
    }
  } else
    for (let k = 0; k < keep.length; k++)
      off[k] = Math.round(((pk.timeUs[keep[k]!]! - pk.timeUs[first]!) * rate) / 1e6);
  // Offsets before the first packet's (a reordered or resynced packet) shift the timeline.
  let minOff = 0;
  for (let k = 0; k < keep.length; k++) minOff = Math.min(minOff, off[k]!);
  let len = 0;
  /** Per event (its RTP timestamp): its tone, from its first packet's place for its longest duration. */
  const tones = new Map<number, EventTone>();
  for (let k = 0; k < keep.length; k++) {
    const i = keep[k]!;
    const p = playOf(pk.pt[i]!);
    let ns = sameTimeline(p) && eventsOnly === null ? samplesOf(p, pk.payEnd[i]! - pk.payStart[i]!) : 0;
    if (eventPt && pk.pt[i] === eventPt[0] && pk.payEnd[i]! - pk.payStart[i]! === 4) {
      const b = pk.bytes;
      const o = pk.payStart[i]!;
      const dur = Math.round((((b[o + 2]! << 8) | b[o + 3]!) * rate) / eventRate);
      const t = tones.get(pk.ts[i]!);
      if (!t)
        tones.set(pk.ts[i]!, { at: off[k]! - minOff, samples: dur, code: b[o]!, volume: b[o + 1]! & 0x3f });
      else t.samples = Math.max(t.samples, dur);
      ns = tones.get(pk.ts[i]!)!.samples;
    }
    len = Math.max(len, off[k]! - minOff + ns);
  }
  const truncated = len > MAX_SAMPLES;
  const pcm = new Int16Array(Math.min(len, MAX_SAMPLES));
  // The tones first: an audio packet for the same instant replaces them (no doubled tone where the
  // sender also kept sending audio, in-band DTMF included).
  for (const t of tones.values()) addDtmfTone(pcm, t, rate);
  let played = 0;
  let silent = 0;
  let malformed = 0;
  let cnPackets = 0;
  let concealed = 0;
  const state: CodecState = {};
  const conceals = loss === 'conceal';
  /** Where the last G.729 packet's samples ended (a gap after it may be concealed or its comfort noise). */
  let g729End = -1;
  /** Where the last audio packet's samples ended (−1: none, or comfort noise since) and its decoder. */
  let audioEnd = -1;
  let audioKey = '';
  /** Comfort noise generators (per CN clock rate) and where the current noise started (−1: none). */
  const cn = new Map<number, ComfortNoise>();
  let noise: ComfortNoise | null = null;
  let noiseFrom = -1;
  /** The noise from `noiseFrom` up to `to` (a CN packet's or audio packet's place). */
  const noiseUntil = (to: number): void => {
    if (noise && noiseFrom >= 0 && to > noiseFrom)
      fillNoise(noise, pcm, noiseFrom, Math.min(to, pcm.length) - noiseFrom, rate);
    noiseFrom = -1;
  };
  /** Packets lost just before the k-th played (a sequence gap; timestamp timing puts them in their place). */
  const seqGap = (k: number): boolean =>
    timing === 'timestamp' && k > 0 && ext[keep[k]!]! - ext[keep[k - 1]!]! > 1;
  for (let k = 0; k < keep.length; k++) {
    const i = keep[k]!;
    const p = playOf(pk.pt[i]!);
    const at = off[k]! - minOff;
    if (p.kind === 'cn' && eventsOnly === null) {
      // RFC 3389: the noise this packet describes, from its place until the next audio or CN packet.
      const params = parseCn(pk.bytes, pk.payStart[i]!, pk.payEnd[i]!);
      if (!params || params.malformed) malformed++;
      if (!params) continue;
      noiseUntil(at);
      let g = cn.get(p.rate);
      if (!g) cn.set(p.rate, (g = new ComfortNoise(p.rate)));
      g.set(params);
      noise = g;
      noiseFrom = at;
      g729End = audioEnd = -1;
      cnPackets++;
      continue;
    }
    if (!sameTimeline(p) || at >= pcm.length || eventsOnly !== null) {
      if (!sameTimeline(p)) silent++;
      continue;
    }
    if (noiseFrom >= 0) noiseUntil(at);
    const len = pk.payEnd[i]! - pk.payStart[i]!;
    /** After a loss: the concealment continued past the gap and how much of it fades into this packet. */
    let fadeFrom: Int16Array | null = null;
    let fade = 0;
    let gapLen = 0;
    const key = p.g726?.name ?? p.codec;
    if (conceals && p.codec !== 'G729' && audioEnd >= 0 && at > audioEnd && key === audioKey && seqGap(k)) {
      gapLen = at - audioEnd;
      const c = concealLoss(p, state, pcm, audioEnd, gapLen, rate);
      if (c) concealed++;
      if (c && c !== true) {
        fadeFrom = c.pcm;
        fade = c.fade;
      }
    }
    audioEnd = at + samplesOf(p, len);
    audioKey = key;
    if (p.codec === 'G729') {
      if (!g729PayloadOk(len)) malformed++;
      // The time before this packet since the last one's end: after speech, packets lost (a sequence
      // gap, in sequence order) are concealed by the decoder for up to G729_CONCEAL_FRAMES (§4.4);
      // after a SID frame the sender is silent (DTX, Annex B) and the gap is its comfort noise.
      const dec = state.g729;
      if (timing === 'timestamp' && dec && g729End >= 0 && at > g729End) {
        const gap = Math.floor((at - g729End) / G729_FRAME_SAMPLES);
        const frames = dec.inComfortNoise
          ? gap
          : conceals && seqGap(k)
            ? Math.min(G729_CONCEAL_FRAMES, gap)
            : 0;
        if (frames > 0) dec.conceal(frames, pcm, g729End);
        if (frames > 0 && !dec.inComfortNoise) concealed++;
      }
      g729End = at + samplesOf(p, len);
    }
    decodeInto(p, pk.bytes, pk.payStart[i]!, pk.payEnd[i]!, pcm, at, state);
    if (fadeFrom) crossFade(pcm, at, fade, fadeFrom, gapLen);
    played++;
  }
  return {
    ok: true,
    audio: {
      rate,
      pcm,
      startUs: pk.timeUs[first]! + (minOff * 1e6) / rate,
      codec:
        eventsOnly ??
        (main.codec === 'L16'
          ? `L16/${rate}${main.channels > 1 ? `/${main.channels}` : ''}`
          : (main.g726?.name ?? main.codec)),
      played,
      lost,
      duplicates,
      reordered,
      silent,
      resyncs,
      truncated,
      ...(tones.size > 0 && { tones: tones.size }),
      ...(malformed > 0 && { malformed }),
      ...(cnPackets > 0 && { comfortNoise: cnPackets }),
      ...(concealed > 0 && { concealed }),
    },
  };
}

/** G.722's transmit + receive QMF delay (samples): the re-encoder reads the concealment this far ahead. */
const G722_QMF_DELAY = 22;

/**
 * A loss of `gap` samples after `end` (the last packet's end) concealed in `pcm` for codec `p`: the
 * concealment to fade the next packet in from, true when the decoder concealed by itself (GSM: its
 * state runs on to the next frame, no fade), null when there was nothing to conceal from.
 * - GSM: whole lost frames substituted (GSM 06.11, gsm.ts), at most {@link GSM_SUBSTITUTE_MAX}.
 * - G.711, L16: pitch repetition (plc.ts) written as it is.
 * - G.722, G.726: the pitch repetition played, and re-encoded into the decoder's state (`reencode`)
 *   at full level, so the next packet decodes from predictors and step sizes that followed the
 *   signal as it went on rather than from the moment before the gap. Full level: the fade is the
 *   listener's, not the sender's — re-encoding the faded concealment (G.722 until session 25, which
 *   also played the re-encoded samples) shrinks the step size, and after a 600 ms loss of a steady
 *   vowel the next 380 ms came back at 8.4 dB SNR (G.726) / 13.0 dB (G.722) where this gives 11.5 /
 *   19.9 dB (from the state left before the gap: 8.6 / 21.9); after a 20 ms loss the next packet
 *   2.8 / 11.7 dB (faded: 3.4 / 10.6; old state: −4.1 / 6.4). concealment.test.ts measures these.
 */
function concealLoss(
  p: AudioPlay,
  state: CodecState,
  pcm: Int16Array,
  end: number,
  gap: number,
  rate: number,
): Concealment | true | null {
  if (p.codec === 'GSM') {
    const frames = Math.min(GSM_SUBSTITUTE_MAX, Math.floor(gap / GSM_FRAME_SAMPLES));
    if (!state.gsm || frames === 0) return null;
    state.gsm.substitute(frames, pcm, end);
    return true;
  }
  // What the concealment fills: at most PLC_MAX_MS, then silence (a long gap allocates no more; the
  // fade past a longer gap reads zeros, as crossFade does beyond the array).
  const heard = Math.min(gap, Math.round((rate * PLC_MAX_MS) / 1000), pcm.length - end);
  const g722 = p.codec === 'G722' ? state.g722 : undefined;
  const g726 = p.codec === 'G726' ? state.g726?.get(p.g726!.name) : undefined;
  if ((p.codec === 'G722' && !g722) || (p.codec === 'G726' && !g726)) return null;
  // G.722's transmit QMF reads the repetition this far past the samples it codes.
  const held = g722 ? heard + G722_QMF_DELAY : g726 ? heard : 0;
  const c = conceal(pcm, end, gap, rate, held);
  if (!c) return null;
  g722?.reencode(c.held!, 0, heard >> 1, null, 0);
  g726?.reencode(c.held!, 0, heard, null, 0);
  pcm.set(c.pcm.subarray(0, heard), end);
  return c;
}

/**
 * Adds `n` samples of `g`'s noise to `pcm` from `at` (at `rate`): made at the CN clock's rate and
 * upsampled by a whole factor (CN/8000 beside G.722: noise below 4 kHz, as described), else nearest
 * samples taken. A CN clock faster than the stream's (an SDP's CN/192000 beside PCMU) makes its noise
 * at the stream's rate, its spectrum read on the stream's band: made at the CN rate, every sample of
 * it filtered to keep one in g.rate/rate, a 1-hour gap took 24x the work (25 packets, 38 s).
 */
function fillNoise(g: ComfortNoise, pcm: Int16Array, at: number, n: number, rate: number): void {
  if (n <= 0) return;
  if (g.rate >= rate) {
    g.fill(pcm, at, n);
    return;
  }
  const m = Math.ceil((n * g.rate) / rate);
  const made = new Int16Array(m);
  g.fill(made, 0, m);
  const l = rate / g.rate;
  const x = Number.isInteger(l) && l > 1 ? upsample(made, l) : null;
  for (let j = 0; j < n; j++) {
    const y = x ? x[j]! : made[Math.min(m - 1, Math.floor((j * g.rate) / rate))]!;
    const v = pcm[at + j]! + y;
    pcm[at + j] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
  }
}

/** Taps each side of an interpolated sample (a 32-tap windowed sinc). */
const INTERP_HALF = 16;
/** Per integer factor L: L − 1 phases × 2·INTERP_HALF coefficients, built once. */
const interpTables = new Map<number, Float64Array>();

/**
 * The coefficients of upsampling by `l`: for phase j (output sample Ln + j, 0 < j < L) the weights of
 * x[n − HALF + 1 … n + HALF] — sinc(t) under a Blackman window of ±HALF input samples, the cut-off at
 * the input's Nyquist frequency, each phase's weights summing to 1.
 */
function interpTable(l: number): Float64Array {
  let t = interpTables.get(l);
  if (t) return t;
  const w = 2 * INTERP_HALF;
  t = new Float64Array((l - 1) * w);
  for (let j = 1; j < l; j++) {
    let sum = 0;
    for (let k = 0; k < w; k++) {
      const x = k - INTERP_HALF + 1 - j / l; // distance from the output instant, in input samples
      const sinc = Math.sin(Math.PI * x) / (Math.PI * x);
      const p = (x + INTERP_HALF) / (2 * INTERP_HALF); // 0 … 1 across the window
      const win = 0.42 - 0.5 * Math.cos(2 * Math.PI * p) + 0.08 * Math.cos(4 * Math.PI * p);
      t[(j - 1) * w + k] = sinc * win;
      sum += sinc * win;
    }
    for (let k = 0; k < w; k++) t[(j - 1) * w + k]! /= sum;
  }
  interpTables.set(l, t);
  return t;
}

/**
 * Resamples to `rate`; the same array when it already is. Up by a whole factor (8 kHz G.711 beside
 * 16 kHz G.722 in one call): the input samples kept and the ones between interpolated by a windowed
 * sinc (images of the narrowband audio above 4 kHz attenuated by over 50 dB, where repeating each
 * sample left them at −20 dB and audible as a buzz); other ratios: the nearest sample.
 */
function resample(a: DecodedAudio, rate: number): Int16Array {
  if (a.rate === rate) return a.pcm;
  const l = rate / a.rate;
  if (Number.isInteger(l) && l > 1) return upsample(a.pcm, l);
  const n = Math.floor((a.pcm.length * rate) / a.rate);
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) out[i] = a.pcm[Math.min(a.pcm.length - 1, Math.floor((i * a.rate) / rate))]!;
  return out;
}

/** `x` upsampled by the whole factor `l` (see {@link resample}); samples before 0 and past the end are 0. */
function upsample(x: Int16Array, l: number): Int16Array {
  const t = interpTable(l);
  const w = 2 * INTERP_HALF;
  const n = x.length;
  const out = new Int16Array(n * l);
  for (let i = 0; i < n; i++) {
    out[i * l] = x[i]!;
    const lo = i - INTERP_HALF + 1;
    const inside = lo >= 0 && lo + w <= n;
    for (let j = 1; j < l; j++) {
      const o = (j - 1) * w;
      let v = 0;
      if (inside) for (let k = 0; k < w; k++) v += t[o + k]! * x[lo + k]!;
      else
        for (let k = 0; k < w; k++) {
          const m = lo + k;
          if (m >= 0 && m < n) v += t[o + k]! * x[m]!;
        }
      v = Math.round(v);
      out[i * l + j] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
    }
  }
  return out;
}

/**
 * Channels made of streams, aligned on capture time: each channel is the sum (clipped) of its streams,
 * each placed at its first sample's capture time from the earliest stream's. The rate is the highest
 * of the streams'. Returns interleaved samples.
 */
export function mixChannels(channels: readonly (readonly DecodedAudio[])[]): {
  rate: number;
  startUs: number;
  frames: number;
  interleaved: Int16Array;
} {
  const all = channels.flat();
  const rate = all.reduce((r, a) => Math.max(r, a.rate), 0) || 8000;
  const startUs = all.reduce((t, a) => Math.min(t, a.startUs), Infinity);
  const placed = channels.map((ch) =>
    ch.map((a) => ({ at: Math.round(((a.startUs - startUs) * rate) / 1e6), pcm: resample(a, rate) })),
  );
  let frames = 0;
  for (const ch of placed) for (const p of ch) frames = Math.max(frames, p.at + p.pcm.length);
  frames = Math.min(frames, MAX_SAMPLES);
  const nc = channels.length;
  const interleaved = new Int16Array(frames * nc);
  placed.forEach((ch, c) => {
    ch.forEach((p, k) => {
      const n = Math.min(p.pcm.length, frames - p.at);
      const pcm = p.pcm;
      let o = p.at * nc + c;
      // The first stream of a channel is copied; the next ones (a re-INVITE's) are added, clipped.
      if (k === 0) for (let i = 0; i < n; i++, o += nc) interleaved[o] = pcm[i]!;
      else
        for (let i = 0; i < n; i++, o += nc) {
          const v = interleaved[o]! + pcm[i]!;
          interleaved[o] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
        }
    });
  });
  return { rate, startUs: Number.isFinite(startUs) ? startUs : 0, frames, interleaved };
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** A RIFF WAVE file (PCM, 16-bit little-endian) of interleaved samples. */
export function wavFile(interleaved: Int16Array, rate: number, channels: number): Uint8Array {
  const data = interleaved.length * 2;
  const out = new Uint8Array(44 + data);
  const v = new DataView(out.buffer);
  const ascii = (o: number, s: string): void => {
    for (let i = 0; i < s.length; i++) out[o + i] = s.charCodeAt(i);
  };
  ascii(0, 'RIFF');
  v.setUint32(4, 36 + data, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  v.setUint32(16, 16, true);
  v.setUint16(20, 1, true); // PCM
  v.setUint16(22, channels, true);
  v.setUint32(24, rate, true);
  v.setUint32(28, rate * channels * 2, true);
  v.setUint16(32, channels * 2, true);
  v.setUint16(34, 16, true);
  ascii(36, 'data');
  v.setUint32(40, data, true);
  if (LITTLE_ENDIAN) new Int16Array(out.buffer, 44, interleaved.length).set(interleaved);
  else for (let i = 0; i < interleaved.length; i++) v.setInt16(44 + i * 2, interleaved[i]!, true);
  return out;
}
