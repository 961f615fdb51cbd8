/**
 * An RTP stream as sipscope reports it: the trace JSON's media block (`analyze --format json`,
 * docs/trace-json-media.md) and the app's `call:media` answer have the same fields.
 */

import type { MediaStreamEvents } from './dtmf';

/**
 * One RTP stream of a capture (source → destination address:port, SSRC), joined to its call through
 * the SDP offer/answer. The figures are those of Wireshark's RTP Streams (`tshark -z rtp,streams`).
 */
export interface MediaStreamFigures {
  /** Index in the capture's stream list (stable within a capture). */
  index: number;
  /** `C3`; null when no SDP announced either end (tshark does not list such streams). */
  call: string | null;
  /** `forward`: caller → callee; `reverse`: callee → caller; null without a call. */
  direction: 'forward' | 'reverse' | null;
  /** Sent to what the receiver's SDP announced (false: joined by its source: NAT, a wrong address). */
  announced: boolean;
  src: string;
  srcPort: number;
  dst: string;
  dstPort: number;
  /** `0x` and 8 hex digits. */
  ssrc: string;
  payloadTypes: number[];
  /** Codec name per payload type (SDP rtpmap, else the static table, else `PT n`). */
  codecs: string[];
  packets: number;
  /** From the first and last sequence numbers (and wraps); lost = expected − packets. */
  expected: number;
  lost: number;
  lossPercent: number;
  /** Packets whose sequence number was not the next one. */
  sequenceErrors: number;
  lateOrDuplicate: number;
  timestampErrors: number;
  markers: number;
  payloadBytes: number;
  firstFrame: number;
  lastFrame: number;
  /** Epoch seconds of the first and last packet. */
  start: number;
  end: number;
  /**
   * Where the stream stopped and started again (no packet for over a second: a hold, a direction
   * the SDP changed), its runs of packets in time order; absent when it ran in one piece. Since
   * session 21.
   */
  spans?: { start: number; end: number; packets: number }[];
  /** Between packets, ms (min -1: none measured). */
  delta: { min: number; mean: number; max: number };
  /** RFC 3550 interarrival jitter, ms (min -1: not measured, e.g. no clock rate). */
  jitter: { min: number; mean: number; max: number };
  /** Trace id of the SDP message that announced the matched end (a ladder arrow), null without. */
  sdpMessage: number | null;
  /** What the ends reported about it in RTCP (null: no RTCP of it in the capture). Since session 20. */
  rtcp?: MediaStreamRtcp | null;
  /** E-model R and MOS (null: codec not in the G.113 table). Since session 20. */
  quality?: MediaStreamQuality | null;
  /** RFC 4733 events (DTMF) of its telephone-event payload type; absent when none. Since session 21. */
  events?: MediaStreamEvents;
  /** SRTP (RFC 3711): how it is keyed and whether sipscope can decrypt it; absent for plain RTP. Since session 25. */
  srtp?: MediaStreamSrtp;
}

/**
 * An SRTP stream's keys as the SDP gives them (RFC 4568 SDES `a=crypto`, the stream's *sender's*
 * SDP: the key it sends with), or why there are none. Decryption happens when the stream is played
 * (the player, `rtp --wav`): {@link StreamPlayed.srtp} counts what decrypted and what failed.
 */
export interface MediaStreamSrtp {
  /**
   * `sdes`: a=crypto in the sender's SDP; `dtls`: keyed by DTLS (a=fingerprint, RFC 5764; or a DTLS
   * handshake with use_srtp on its ports), decrypted when the capture holds the handshake and the key
   * log its master secret (`dtls` says what the handshake gave); `none`: an SRTP profile (RTP/SAVP)
   * without a key this direction can use; `unknown`: no SDP for this stream while the capture holds
   * TLS it could not decrypt (it may be SRTP).
   */
  keying: 'sdes' | 'dtls' | 'none' | 'unknown';
  /** The suite of the key (`AES_CM_128_HMAC_SHA1_80`); null when none. */
  suite: string | null;
  /** The a=crypto tag the answer chose (null: none). */
  tag: number | null;
  /** Trace id and first frame of the SDP message that gave the key; null without. */
  keyMessage: number | null;
  keyFrame: number | null;
  /** Why sipscope cannot decrypt it with what the capture holds (null: it can). */
  problem: string | null;
  /** DTLS-SRTP: the handshake on its ports (absent when the capture has none). Since session 26. */
  dtls?: MediaStreamDtls;
}

/**
 * The DTLS handshake that keys a DTLS-SRTP stream (RFC 5764): never the key itself. `keyFrame` of
 * its {@link MediaStreamSrtp} is the ServerHello's frame.
 */
export interface MediaStreamDtls {
  /** `DTLS 1.2`; null without the ServerHello. */
  version: string | null;
  /** The use_srtp protection profile the server chose (`SRTP_AES128_CM_HMAC_SHA1_80`); null: none. */
  profile: string | null;
  /** The DTLS client (the ClientHello's sender, `address:port`; a=setup:active's side, RFC 5763 §5). */
  client: string;
  /** Frames of the ClientHello and the ServerHello; null when the capture missed it. */
  clientHelloFrame: number | null;
  serverHelloFrame: number | null;
}

/**
 * What the ends said about a stream in RTCP (RFC 3550 §6.4): its sender's SRs, SDES CNAME and BYE,
 * and its receiver's report blocks about it. Times are epoch seconds of the capture.
 */
export interface MediaStreamRtcp {
  /** From the stream's source (same SSRC, RTCP from the same host to the same host); null: none. */
  sender: {
    /** SRs seen, and the last one's sender info (`ntp`: its NTP timestamp as epoch seconds). */
    srs: number;
    lastSr: {
      time: number;
      frame: number;
      ntp: number;
      rtpTimestamp: number;
      packets: number;
      octets: number;
    } | null;
    cname: string | null;
    bye: { time: number; reason: string | null } | null;
  } | null;
  /** The report blocks about this SSRC from the stream's destination host; null: none. */
  receiver: {
    /** The reporter's SSRC (`0x` and 8 hex digits). */
    reporter: string;
    reports: number;
    last: {
      time: number;
      frame: number;
      /** 0..1 (the 8-bit fraction / 256), since the reporter's previous report. */
      fractionLost: number;
      /** Signed: duplicates make it negative. */
      cumulativeLost: number;
      extendedHighestSeq: number;
      /** Interarrival jitter: in timestamp units and in ms (null: no clock rate). */
      jitter: number;
      jitterMs: number | null;
      /** NTP middle 32 bits of the SR it answers (0: none) and the delay since it, s. */
      lsr: number;
      dlsr: number;
    };
    maxFractionLost: number;
    maxJitterMs: number | null;
    /**
     * Round trip capture point → receiver → capture point (RFC 3550 §6.4.1: the RR's time − the time
     * of the SR it answers − DLSR), ms; null when no report answered an SR seen in the capture.
     */
    rttMs: { count: number; min: number; mean: number; max: number } | null;
    /** The receiver's last RFC 3611 VoIP metrics about it (null: none; a field null: unavailable). */
    xr: {
      lossRate: number;
      discardRate: number;
      roundTripDelayMs: number;
      endSystemDelayMs: number;
      rFactor: number | null;
      mosLq: number | null;
      mosCq: number | null;
    } | null;
  } | null;
  /** RTCP datagrams of these flows that are not a valid compound packet (the parts before the error are read). */
  malformed: number;
}

/**
 * The ITU-T G.107 E-model estimate of a stream (src/sip-core/media/quality.ts): R from the codec's Ie
 * and Bpl (G.113 Appendix I), the stream's loss and burstiness and the one-way delay; MOS from R.
 */
export interface MediaStreamQuality {
  /** The G.113 row assumed, e.g. `G.711 (PLC)`. */
  codec: string;
  ie: number;
  bpl: number;
  /** Ppl, percent of the expected packets. */
  lossPercent: number;
  burstRatio: number;
  /** One-way delay, ms: half the RTCP round trips of both ends (`delayMeasured`), else 0 (G.107's default). */
  delayMs: number;
  delayMeasured: boolean;
  rFactor: number;
  mos: number;
}

/** One stream of a played selection (`stream:audio`): its channel and what it gave to the WAV. */
export interface StreamPlayed {
  index: number;
  /** 0: left (or mono), 1: right. */
  channel: number;
  codec: string | null;
  played: number;
  lost: number;
  duplicates: number;
  reordered: number;
  /**
   * Packets whose payload is not whole frames of the codec (G.729), or a CN payload that breaks RFC
   * 3389; absent when none.
   */
  malformed?: number;
  /** RFC 3389 comfort noise packets played (their noise fills the time to the next packet); absent when none. */
  comfortNoise?: number;
  /**
   * Losses (runs of lost packets) concealed (G.729's decoder, GSM 06.11's substitution, pitch
   * repetition for the others); absent when none.
   */
  concealed?: number;
  /** Why it is silent (`cannot play G.723 ...`), null when it plays. */
  problem: string | null;
  /**
   * An SRTP stream decrypted: the suite, where the key came from (`sdp`: frame N's a=crypto;
   * `given`: typed by the user), packets decrypted and refused; absent for plain RTP. Since session 25.
   */
  srtp?: {
    suite: string;
    keys: 'sdp' | 'given' | 'dtls';
    keyFrame: number | null;
    /**
     * After a re-INVITE's new key: the frames of the SDP keys that decrypted packets, in order, when
     * more than one did (`keyFrame` is the first of them). Since session 26.
     */
    keyFrames?: (number | null)[];
    decrypted: number;
    authFailed: number;
    /** What else went wrong (`2 too short for SRTP`), empty when nothing. */
    note: string;
  };
}

/**
 * What became of a played stream's lost packets, for after its count: ` (3 gaps concealed)`,
 * ` (silent)`, or ` (not concealed)` when concealing found nothing to conceal from (too little audio
 * before the loss; arrival timing). Empty when none were lost. The CLI's and the player's words.
 */
export function lossNote(lost: number, concealed: number | undefined, losses: 'conceal' | 'silence'): string {
  if (lost <= 0) return '';
  if (losses === 'silence') return ' (silent)';
  return concealed ? ` (${concealed} gap${concealed === 1 ? '' : 's'} concealed)` : ' (not concealed)';
}

/**
 * A stream's SRTP in words: `SRTP, AES_CM_128_HMAC_SHA1_80, keys from the SDP (frame 12)`,
 * `DTLS-SRTP, SRTP_AES128_CM_HMAC_SHA1_80, keys from the DTLS handshake (frame 7) and the key log`,
 * or why not.
 */
export function srtpLine(s: MediaStreamSrtp): string {
  if (s.keying === 'dtls')
    return s.problem
      ? `DTLS-SRTP: ${s.problem}`
      : `DTLS-SRTP, ${s.dtls?.profile ?? s.suite}, keys from the DTLS handshake${s.keyFrame !== null ? ` (frame ${s.keyFrame})` : ''} and the key log`;
  if (s.problem) return s.keying === 'unknown' ? s.problem : `SRTP: ${s.problem}`;
  return `SRTP, ${s.suite}, keys from the SDP${s.keyFrame !== null ? ` (frame ${s.keyFrame})` : ''}`;
}

/** What a played SRTP stream's decryption came to: `, SRTP AES_CM_128_HMAC_SHA1_80 (key from the SDP in frame 5): 500 decrypted`. */
export function srtpPlayedNote(p: StreamPlayed): string {
  const x = p.srtp;
  if (!x) return '';
  const frames = (x.keyFrames ?? []).filter((f): f is number => f !== null);
  const from =
    x.keys === 'given'
      ? 'key given'
      : x.keys === 'dtls'
        ? `keys from the DTLS handshake${x.keyFrame !== null ? ` in frame ${x.keyFrame}` : ''}`
        : frames.length > 1
          ? `keys from the SDP in frames ${frames.slice(0, -1).join(', ')} and ${frames.at(-1)}`
          : `key from the SDP${x.keyFrame !== null ? ` in frame ${x.keyFrame}` : ''}`;
  return `, SRTP ${x.suite} (${from}): ${x.decrypted} decrypted${x.authFailed ? `, ${x.authFailed} failed authentication (not played)` : ''}${x.note ? `, ${x.note}` : ''}`;
}
