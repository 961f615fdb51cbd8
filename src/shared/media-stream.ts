/**
 * An RTP stream as sipscope reports it: the trace JSON's media block (`analyze --format json`,
 * docs/trace-json-media.md) and the app's `call:media` answer have the same fields.
 */

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
  /** Between packets, ms (min -1: none measured). */
  delta: { min: number; mean: number; max: number };
  /** RFC 3550 interarrival jitter, ms (min -1: not measured, e.g. no clock rate). */
  jitter: { min: number; mean: number; max: number };
  /** Trace id of the SDP message that announced the matched end (a ladder arrow), null without. */
  sdpMessage: number | null;
}
