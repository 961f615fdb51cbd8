/**
 * RTP streams of a capture (RFC 3550): every UDP datagram that is not SIP and looks like RTP or RTCP
 * is counted here, per stream (source address:port, destination address:port, SSRC), with constant
 * memory per stream and none per packet.
 *
 * The statistics are those Wireshark's RTP Streams dialog and `tshark -z rtp,streams` print (its
 * `rtppacket_analyse`, Wireshark 4.0), so the two agree packet for packet: packets, the expected count
 * from the first and last sequence numbers and the wrap cycles (lost = expected − received), min/mean/max
 * delta between the "regular" packets (not the first, no marker, not CN nor right after CN, timestamp
 * at most half the 32-bit range after the first one's), and the RFC 3550 §6.4.1 interarrival jitter J += (|D| − J)/16 in ms. Beside
 * those, the RFC 3550 §A.1 extended highest sequence number (MAX_DROPOUT/MAX_MISORDER) and the
 * packets that arrived late or twice.
 *
 * The jitter needs the payload type's clock rate. Static types (RFC 3551 §6) have it; a dynamic type
 * (96–127) gets it from the call's SDP rtpmap, which the capture path does not read (the SDP may be in
 * another worker's part). So a stream that carries dynamic types runs one jitter estimator per
 * candidate rate ({@link DYNAMIC_RATES}: 0 = no jitter, as tshark does for telephone-event and unknown
 * types) for each of its first two dynamic types (≤ 25 estimators of 5 numbers each); the analysis
 * picks the one the SDP names (`jitterFor`). A third dynamic type is counted with rate 0.
 * @remarks RTCP (first octet version 2, packet type 200–207: RFC 5761 §4 on the RTP port too) is read
 * per flow, not counted as RTP (rtcp.ts: the reports, constant memory per flow).
 */
import { MAX_KEPT_TOTAL, parseRtcp, RtcpFlowState, type RtcpFlowReports, type RtcpKeepBudget } from './rtcp';
import { EventDecoder, type RtpEventLog } from './rtp-event';
import { DtlsTracker, looksLikeDtls, type DtlsHandshakeRecord, type DtlsKeySource } from './dtls-srtp';

/** Candidate clock rates of a dynamic payload type (0: no jitter, e.g. telephone-event). */
export const DYNAMIC_RATES: readonly number[] = [0, 8000, 16000, 48000, 90000];

/** Clock rates of the static payload types (RFC 3551 §6; tshark's table), 0 when none. */
export function staticClockRate(pt: number): number {
  switch (pt) {
    case 0:
    case 1:
    case 2:
    case 3:
    case 4:
    case 5:
    case 7:
    case 8:
    case 9:
    case 12:
    case 13:
    case 15:
    case 18:
    case 19:
      return 8000;
    case 6:
      return 16000;
    case 10:
    case 11:
      return 44100;
    case 16:
      return 11025;
    case 17:
      return 22050;
    case 14:
    case 25:
    case 26:
    case 28:
    case 31:
    case 32:
    case 33:
    case 34:
      return 90000;
    default:
      return 0;
  }
}

/** Jitter of one estimator (ms), as tshark reports it. */
export interface JitterFigures {
  /** Clock rate of each dynamic payload type of the stream, in `dynamicPts` order. */
  rates: number[];
  /** -1 when no packet was measured. */
  min: number;
  mean: number;
  max: number;
}

/** One RTP stream as the capture path hands it on (plain data: it crosses threads). */
export interface RtpStreamRecord {
  src: string;
  srcPort: number;
  dst: string;
  dstPort: number;
  ssrc: number;
  /** Payload types in the order first seen (at most 8 kept; `morePts` counts the rest). */
  pts: number[];
  morePts: number;
  /** Dynamic payload types (96–127) the jitter estimators distinguish, in order first seen (≤ 2). */
  dynamicPts: number[];
  packets: number;
  /** Payload octets (after header, CSRCs, extension and padding). */
  payloadBytes: number;
  markers: number;
  firstFrame: number;
  lastFrame: number;
  /** Capture times of the first and last packet (µs since the epoch). */
  firstUs: number;
  lastUs: number;
  firstSeq: number;
  lastSeq: number;
  /** tshark's count: (last seq + 65536 × cycles) − first seq + 1. */
  expected: number;
  /** expected − packets (negative when packets came twice). */
  lost: number;
  /** Packets whose sequence number was not the next one (tshark's "wrong sequence"). */
  sequenceErrors: number;
  /** Packets that came late or twice (sequence number at or below the highest seen). */
  lateOrDuplicate: number;
  /** RFC 3550 §A.1: extended highest sequence number received − base + 1. */
  rfcExpected: number;
  /** Packets whose timestamp is behind the first one's (tshark's "wrong timestamp"). */
  timestampErrors: number;
  /**
   * Gaps in the sequence numbers (a packet more than one after the highest so far, §A.1) and the
   * packets they skipped: the loss bursts, for the E-model's burst ratio (quality.ts).
   */
  lossBursts: number;
  burstLost: number;
  /** Delta between regular packets (ms); min -1 when none. */
  minDelta: number;
  meanDelta: number;
  maxDelta: number;
  /** Frame of the packet with the largest delta (0: none). */
  maxDeltaFrame: number;
  /** One per candidate rate assignment (one only when the stream has no dynamic type). */
  jitter: JitterFigures[];
  /**
   * Where the stream stopped and started again: its runs of packets with no silence over
   * {@link MEDIA_GAP_US} between them, in time order (µs; a call on hold, media restarted by a
   * re-INVITE). Absent when it ran in one piece.
   */
  spans?: MediaSpan[];
  /**
   * RFC 4733 events read from its first two dynamic payload types (rtp-event.ts), one log per type
   * whose payloads may be events; absent when none. The analysis keeps the telephone-event type's.
   */
  events?: RtpEventLog[];
}

/** One run of a stream's packets (see `RtpStreamRecord.spans`). */
export interface MediaSpan {
  firstUs: number;
  lastUs: number;
  packets: number;
}

/**
 * Silence that ends a stream's span (µs): no packet for over a second. A steady stream (20 ms
 * packets, or comfort noise, RFC 3389) never pauses that long; a hold, a direction the SDP
 * changed, and a phone that sends nothing while its user is quiet (voice activity detection: each
 * talk spurt a run) do.
 */
export const MEDIA_GAP_US = 1_000_000;

/** Runs kept per stream (a live capture runs for days): past it, the last run takes in the rest. */
export const MAX_SPANS = 1000;

/** RTCP packets seen per flow (source → destination address:port). */
export interface RtcpFlowRecord {
  src: string;
  srcPort: number;
  dst: string;
  dstPort: number;
  packets: number;
  firstUs: number;
  lastUs: number;
  /** What its compound packets said (SR, RR, SDES, BYE, XR; rtcp.ts). */
  reports: RtcpFlowReports;
}

/** What the capture held of media. */
export interface MediaCapture {
  streams: RtpStreamRecord[];
  rtcp: RtcpFlowRecord[];
  /** Streams not tracked because the table was full. */
  droppedStreams: number;
  /** RTP-looking datagrams too short for their header (CSRCs, extension, padding). */
  malformed: number;
  /** DTLS handshakes on media ports (DTLS-SRTP, dtls-srtp.ts); absent when none. Since session 26. */
  dtls?: DtlsHandshakeRecord[];
}

/**
 * A UDP payload the tracker takes as RTP or RTCP: version 2, at least 8 octets, both ports ≥ 1024
 * (media ports are not well-known ports; this keeps DNS, NTP, SNMP... out).
 */
export function looksLikeRtp(
  buf: Uint8Array,
  ps: number,
  pend: number,
  sport: number,
  dport: number,
): boolean {
  return pend - ps >= 8 && buf[ps]! >> 6 === 2 && sport >= 1024 && dport >= 1024;
}

/** One jitter estimator's running state. */
class Estimator {
  jitter = 0;
  lastNominal = 0;
  min = -1;
  max = 0;
  mean = 0;
  constructor(readonly rates: number[]) {}

  clone(rates: number[]): Estimator {
    const e = new Estimator(rates);
    e.jitter = this.jitter;
    e.lastNominal = this.lastNominal;
    e.min = this.min;
    e.max = this.max;
    e.mean = this.mean;
    return e;
  }
}

const MAX_PTS = 8;
const RTP_SEQ_MOD = 0x10000;
const MAX_DROPOUT = 3000;
const MAX_MISORDER = 100;

/** Per-stream state while reading (numbers only; the record is made at the end). */
class Stream {
  pts: number[] = [];
  morePts = 0;
  dyn: number[] = [];
  est: Estimator[] = [new Estimator([])];
  packets = 0;
  payloadBytes = 0;
  markers = 0;
  firstFrame = 0;
  lastFrame = 0;
  firstUs = 0;
  lastUs = 0;
  // tshark's sequence state
  startSeq = 0;
  stopSeq = 0;
  seq = 0;
  cycles = 0;
  under = false;
  sequenceErrors = 0;
  timestampErrors = 0;
  /** The first packet's RTP timestamp. */
  firstTs = 0;
  /** Arrival (ms) of the last in-time packet. */
  time = 0;
  delta = 0;
  minDelta = -1;
  maxDelta = 0;
  meanDelta = 0;
  maxDeltaFrame = 0;
  /** Payload type of the previous packet. */
  pt = -1;
  // RFC 3550 §A.1
  maxSeq = 0;
  rfcCycles = 0;
  baseSeq = 0;
  badSeq = RTP_SEQ_MOD + 1;
  late = 0;
  gaps = 0;
  gapLost = 0;
  /** The spans ended so far (first µs, last µs, packets, ...); null while in one piece. */
  spans: number[] | null = null;
  /** The current span's first packet (µs) and the packets before it. */
  spanFirstUs = 0;
  spanBase = 0;
  /** RFC 4733 event decoders of its dynamic payload types (null until one comes). */
  ev: EventDecoder[] | null = null;
  next: Stream | null = null;

  constructor(
    readonly src: number,
    readonly sport: number,
    readonly dst: number,
    readonly dport: number,
    readonly ssrc: number,
  ) {}
}

/** tshark's PT_CN (13) and PT_CN_OLD (19). */
function isCn(pt: number): boolean {
  return pt === 13 || pt === 19;
}

/**
 * A stream's bucket in the tracker's table (its 5-tuple and SSRC); the per-packet lookup
 * (`RtpTracker.#stream`) writes the same expression inline.
 */
function streamHash(src: number, sport: number, dst: number, dport: number, ssrc: number): number {
  return (Math.imul(src, 0x9e3779b1) ^ Math.imul(dst, 0x85ebca6b) ^ (sport << 16) ^ dport ^ ssrc) | 0;
}

/**
 * Collects RTP streams and RTCP flows from datagrams the SIP framing declined. Address ids are the
 * pipeline's (`names` resolves them at the end).
 */
export class RtpTracker {
  readonly #buckets = new Map<number, Stream>();
  readonly #order: Stream[] = [];
  readonly #rtcp = new Map<
    string,
    Omit<RtcpFlowRecord, 'reports'> & { srcId: number; dstId: number; state: RtcpFlowState }
  >();
  #last: Stream | null = null;
  #dropped = 0;
  #malformed = 0;
  /** What the RTCP flows may still keep of their SRTCP datagrams, together (rtcp.ts). */
  readonly #keep: RtcpKeepBudget;
  /** Streams whose first packet's padding count was past its payload (see #paddedStream). */
  readonly #paddedFirst = new Set<Stream>();
  /** Time origin of the ms clock (first packet seen), so the doubles keep µs exactly. */
  #t0 = -1;
  #evicted = 0;
  /** DTLS handshakes among the datagrams that are not RTP (WebRTC's media port, RFC 7983). */
  readonly #dtls = new DtlsTracker();
  /** The key log the DTLS handshakes' SRTP keys come from (the capture pipeline's), null: none. */
  dtlsKeys: DtlsKeySource | null = null;

  /**
   * `evict` (a live capture's, which runs for days): when the table is full, the quarter of the
   * streams and RTCP flows idle longest are forgotten to make room (a ring, as the live trace's
   * messages), instead of counting each new stream in `droppedStreams`. `keepOctets`: what the RTCP
   * flows keep of their SRTCP datagrams together (an evicted flow's octets are given back).
   */
  constructor(
    readonly maxStreams = 8192,
    readonly evict = false,
    keepOctets = MAX_KEPT_TOTAL,
  ) {
    this.#keep = { left: keepOctets };
  }

  /** Streams and RTCP flows forgotten to make room (`evict`). */
  get evicted(): number {
    return this.#evicted;
  }

  /** Streams tracked so far. */
  get size(): number {
    return this.#order.length + this.#rtcp.size + this.#malformed + this.#dtls.size;
  }

  /**
   * Offers a UDP payload `buf[ps, pend)` from `src:sport` to `dst:dport`. Returns true when it was
   * taken as RTP or RTCP (version 2, ports ≥ 1024, a whole fixed header). A DTLS record (RFC 7983:
   * first octet 20–63) goes to the DTLS-SRTP handshake reader. `cut`: the capture's snap length cut
   * the datagram (`pend` is where the capture stopped).
   */
  datagram(
    src: number,
    sport: number,
    dst: number,
    dport: number,
    buf: Uint8Array,
    ps: number,
    pend: number,
    timeUs: number,
    frameNo: number,
    cut = false,
  ): boolean {
    if (!looksLikeRtp(buf, ps, pend, sport, dport)) {
      if (looksLikeDtls(buf, ps, pend, sport, dport))
        this.#dtls.datagram(src, sport, dst, dport, buf, ps, pend, timeUs, frameNo);
      return false;
    }
    const b1 = buf[ps + 1]!;
    if (b1 >= 200 && b1 <= 207) {
      this.#rtcpPacket(src, sport, dst, dport, buf, ps, pend, timeUs, frameNo, cut);
      return true;
    }
    if (pend - ps < 12) {
      this.#malformed++;
      return true;
    }
    const b0 = buf[ps]!;
    const cc = b0 & 0x0f;
    let hdr = 12 + cc * 4;
    if (b0 & 0x10) {
      if (ps + hdr + 4 > pend) {
        this.#malformed++;
        return true;
      }
      hdr += 4 + ((buf[ps + hdr + 2]! << 8) | buf[ps + hdr + 3]!) * 4;
    }
    let payload = pend - ps - hdr;
    if (b0 & 0x20 && payload > 0) payload -= buf[pend - 1]!;
    let s: Stream | null;
    if (payload < 0) {
      // A header cut short (CSRCs, extension) is malformed; a padding count past the payload is SRTP,
      // whose last octet (RTP's padding count) is the auth tag's (RFC 3711 §3.1), counted with all its
      // octets — or a malformed packet (see #paddedStream).
      payload = pend - ps - hdr;
      s = payload < 0 ? null : this.#paddedStream(src, sport, dst, dport, buf, ps);
      if (s === null) {
        if (payload < 0) this.#malformed++;
        return true;
      }
    } else {
      const ssrc = ((buf[ps + 8]! << 24) | (buf[ps + 9]! << 16) | (buf[ps + 10]! << 8) | buf[ps + 11]!) >>> 0;
      s = this.#stream(src, sport, dst, dport, ssrc);
      if (s === null) return true;
    }
    const seq = (buf[ps + 2]! << 8) | buf[ps + 3]!;
    const ts = ((buf[ps + 4]! << 24) | (buf[ps + 5]! << 16) | (buf[ps + 6]! << 8) | buf[ps + 7]!) >>> 0;
    const pt = b1 & 0x7f;
    this.#packet(s, pt, (b1 & 0x80) !== 0, seq, ts, payload, timeUs, frameNo);
    // RFC 4733 events ride on a dynamic payload type (static streams pay this one comparison).
    if (pt >= 96) this.#event(s, pt, buf, ps + hdr, payload, ts, timeUs, frameNo);
    return true;
  }

  /** A packet of dynamic type `pt`: offered to its event decoder (the stream's first two dynamic types). */
  #event(
    s: Stream,
    pt: number,
    buf: Uint8Array,
    p: number,
    len: number,
    ts: number,
    timeUs: number,
    frameNo: number,
  ): void {
    if (pt > 127) return;
    let ev = s.ev;
    if (ev === null) {
      if (!s.dyn.includes(pt)) return;
      ev = s.ev = [];
    }
    let d: EventDecoder | undefined;
    for (const x of ev) if (x.pt === pt) d = x;
    if (d === undefined) {
      if (!s.dyn.includes(pt)) return;
      d = new EventDecoder(pt);
      ev.push(d);
    }
    if (!d.off) d.packet(buf, p, len, ts, timeUs, frameNo);
  }

  /**
   * The stream of a packet whose padding count is past its payload (null: none could be made): the
   * rare path, kept apart so the per-packet path stays as it was (a first version with a "create"
   * flag on `#stream` measured 8–12% slower per RTP packet in the rtp bench, 7 of 7 alternating
   * pairs). An SRTP stream's first packet may be one (a padded packet whose auth tag ends in a large
   * octet): a stream it starts is noted in {@link #paddedFirst}, and one that got no other packet by
   * the snapshot is a malformed packet, not a stream.
   */
  #paddedStream(
    src: number,
    sport: number,
    dst: number,
    dport: number,
    buf: Uint8Array,
    ps: number,
  ): Stream | null {
    const ssrc = ((buf[ps + 8]! << 24) | (buf[ps + 9]! << 16) | (buf[ps + 10]! << 8) | buf[ps + 11]!) >>> 0;
    for (let s = this.#buckets.get(streamHash(src, sport, dst, dport, ssrc)) ?? null; s !== null; s = s.next)
      if (s.ssrc === ssrc && s.src === src && s.dst === dst && s.sport === sport && s.dport === dport)
        return s;
    const s = this.#stream(src, sport, dst, dport, ssrc);
    if (s !== null) this.#paddedFirst.add(s);
    return s;
  }

  /** The stream of this 5-tuple and SSRC, made when new (null: none could be made). */
  #stream(src: number, sport: number, dst: number, dport: number, ssrc: number): Stream | null {
    const l = this.#last;
    if (
      l !== null &&
      l.ssrc === ssrc &&
      l.src === src &&
      l.dst === dst &&
      l.sport === sport &&
      l.dport === dport
    )
      return l;
    const h = (Math.imul(src, 0x9e3779b1) ^ Math.imul(dst, 0x85ebca6b) ^ (sport << 16) ^ dport ^ ssrc) | 0;
    const head = this.#buckets.get(h);
    for (let s = head ?? null; s !== null; s = s.next)
      if (s.ssrc === ssrc && s.src === src && s.dst === dst && s.sport === sport && s.dport === dport) {
        this.#last = s;
        return s;
      }
    let first = head ?? null;
    if (this.#order.length >= this.maxStreams) {
      if (!this.evict || !this.#evictIdle()) {
        this.#dropped++;
        return null;
      }
      first = this.#buckets.get(h) ?? null;
    }
    const s = new Stream(src, sport, dst, dport, ssrc);
    s.next = first;
    this.#buckets.set(h, s);
    this.#order.push(s);
    this.#last = s;
    return s;
  }

  /** Forgets the quarter of the streams (and RTCP flows) idle longest; false when none could go. */
  #evictIdle(): boolean {
    const order = this.#order;
    const times = order.map((s) => s.lastUs).sort((a, b) => a - b);
    const cut = times[Math.max(1, Math.floor(order.length / 4)) - 1]!;
    const keep = order.filter((s) => s.lastUs > cut);
    if (keep.length === order.length) return false;
    this.#evicted += order.length - keep.length;
    order.length = 0;
    this.#buckets.clear();
    for (const s of keep) {
      const h = streamHash(s.src, s.sport, s.dst, s.dport, s.ssrc);
      s.next = this.#buckets.get(h) ?? null;
      this.#buckets.set(h, s);
      order.push(s);
    }
    this.#last = null;
    for (const s of this.#paddedFirst) if (s.lastUs <= cut) this.#paddedFirst.delete(s);
    this.#forgetRtcp(cut);
    return true;
  }

  /**
   * The RTCP table full on its own (`evict`: a live capture's flows outnumbering its RTP streams, e.g.
   * RTCP to a port whose RTP the capture does not see): forgets the quarter of the flows idle longest,
   * giving their kept SRTCP octets back; false when none could go.
   */
  #evictIdleRtcp(): boolean {
    const times = [...this.#rtcp.values()].map((f) => f.lastUs).sort((a, b) => a - b);
    return this.#forgetRtcp(times[Math.max(1, Math.floor(times.length / 4)) - 1]!) > 0;
  }

  /** Forgets the RTCP flows idle since `cut` or before (their kept octets given back); how many. */
  #forgetRtcp(cut: number): number {
    let gone = 0;
    for (const [k, f] of this.#rtcp)
      if (f.lastUs <= cut) {
        f.state.release();
        this.#rtcp.delete(k);
        gone++;
      }
    this.#evicted += gone;
    return gone;
  }

  #packet(
    s: Stream,
    pt: number,
    marker: boolean,
    seq: number,
    ts: number,
    payload: number,
    timeUs: number,
    frameNo: number,
  ): void {
    if (this.#t0 < 0) this.#t0 = timeUs;
    const now = (timeUs - this.#t0) / 1000;
    this.#notePt(s, pt);
    s.payloadBytes += payload;
    if (marker) s.markers++;
    s.lastFrame = frameNo;
    if (timeUs - s.lastUs > MEDIA_GAP_US && s.packets > 0) this.#gap(s, timeUs);
    s.lastUs = timeUs;
    if (s.packets === 0) {
      s.packets = 1;
      s.firstFrame = frameNo;
      s.firstUs = s.spanFirstUs = timeUs;
      s.startSeq = s.stopSeq = s.seq = seq;
      s.firstTs = ts;
      s.time = now;
      s.pt = pt;
      s.maxSeq = seq;
      s.baseSeq = seq;
      return;
    }
    this.#rfcSeq(s, seq);
    // tshark 4.0: in time sequence when the timestamp is at most half the range after the first one's.
    const nominalTicks = (ts - s.firstTs) >>> 0;
    const inTime = nominalTicks < 0x80000000;
    if (!inTime) s.timestampErrors++;
    if (inTime && seq < s.startSeq && !s.under) {
      s.cycles++;
      s.under = true;
    } else if (inTime && seq === 0 && s.stopSeq === 65535 && !s.under) {
      s.cycles++;
      s.under = true;
    } else if (inTime && seq > s.startSeq && s.under) s.under = false;
    if (inTime && s.seq + 1 === seq) s.seq = seq;
    else if (inTime && s.seq === 65535 && seq === 0) s.seq = seq;
    else if (inTime && (s.seq + 1 < seq || s.seq - seq > 0xff00)) {
      s.seq = seq;
      s.sequenceErrors++;
    } else if (s.seq + 1 > seq) s.sequenceErrors++;
    const cn = isCn(pt);
    const followCn = isCn(s.pt);
    s.pt = pt;
    const regular = !marker && !cn && inTime && !followCn;
    if (inTime) s.delta = now - s.time;
    const stat = staticClockRate(pt);
    const di = pt >= 96 && pt <= 127 ? s.dyn.indexOf(pt) : -1;
    for (const e of s.est) {
      const rate = pt >= 96 && pt <= 127 ? (di >= 0 ? e.rates[di]! : 0) : stat;
      if (rate === 0) continue;
      let current = 0;
      if (inTime) {
        // RFC 3550 §6.4.1 / §A.8: J += (|D(i-1,i)| - J)/16 in ms, D from the timestamps since the
        // first packet (tshark divides by the integer kHz; a packet without a clock rate is skipped).
        const nominal = nominalTicks / Math.floor(rate / 1000);
        current = (15 * e.jitter + Math.abs(now - (s.time + (nominal - e.lastNominal)))) / 16;
        e.jitter = current;
        e.lastNominal = nominal;
      }
      if (regular) {
        if (e.jitter > e.max) e.max = e.jitter;
        // The mean of the running jitter (tshark 4.0), over the packets before this one.
        e.mean = (e.mean * (s.packets - 1) + current) / s.packets;
        if (e.min === -1 || e.jitter < e.min) e.min = e.jitter;
      }
    }
    if (regular) {
      if (s.delta > s.maxDelta) {
        s.maxDelta = s.delta;
        s.maxDeltaFrame = frameNo;
      }
      if (s.minDelta === -1 || s.delta < s.minDelta) s.minDelta = s.delta;
      s.meanDelta = (s.meanDelta * (s.packets - 1) + s.delta) / s.packets;
    }
    if (inTime) s.time = now;
    s.stopSeq = seq;
    s.packets++;
  }

  /** Silence before this packet (at `timeUs`): the span so far ends at the previous one. */
  #gap(s: Stream, timeUs: number): void {
    const spans = (s.spans ??= []);
    if (spans.length >= (MAX_SPANS - 1) * 3) return;
    spans.push(s.spanFirstUs, s.lastUs, s.packets - s.spanBase);
    s.spanFirstUs = timeUs;
    s.spanBase = s.packets;
  }

  /** RFC 3550 §A.1 update_seq without the probation (the stream is already known). */
  #rfcSeq(s: Stream, seq: number): void {
    const udelta = (seq - s.maxSeq) & 0xffff;
    if (udelta === 0) s.late++;
    else if (udelta < MAX_DROPOUT) {
      if (udelta > 1) {
        s.gaps++;
        s.gapLost += udelta - 1;
      }
      if (seq < s.maxSeq) s.rfcCycles += RTP_SEQ_MOD;
      s.maxSeq = seq;
    } else if (udelta <= RTP_SEQ_MOD - MAX_MISORDER) {
      // A very large jump: a restarted source when the next packet follows it (§A.1).
      if (seq === s.badSeq) {
        s.baseSeq = seq;
        s.maxSeq = seq;
        s.rfcCycles = 0;
        s.badSeq = RTP_SEQ_MOD + 1;
      } else s.badSeq = (seq + 1) & 0xffff;
    } else s.late++;
  }

  #notePt(s: Stream, pt: number): void {
    if (s.pts.includes(pt)) return;
    if (s.pts.length < MAX_PTS) s.pts.push(pt);
    else s.morePts++;
    if (pt < 96 || pt > 127 || s.dyn.length >= 2) return;
    s.dyn.push(pt);
    const next: Estimator[] = [];
    for (const e of s.est) for (const r of DYNAMIC_RATES) next.push(e.clone([...e.rates, r]));
    s.est = next;
  }

  #rtcpPacket(
    src: number,
    sport: number,
    dst: number,
    dport: number,
    buf: Uint8Array,
    ps: number,
    pend: number,
    timeUs: number,
    frameNo: number,
    cut: boolean,
  ): void {
    const k = `${src}|${sport}|${dst}|${dport}`;
    let f = this.#rtcp.get(k);
    if (f === undefined) {
      if (this.#rtcp.size >= this.maxStreams && (!this.evict || !this.#evictIdleRtcp())) {
        this.#dropped++;
        return;
      }
      f = {
        src: '',
        srcPort: sport,
        dst: '',
        dstPort: dport,
        packets: 0,
        firstUs: timeUs,
        lastUs: timeUs,
        srcId: src,
        dstId: dst,
        state: new RtcpFlowState(this.#keep),
      };
      this.#rtcp.set(k, f);
    }
    f.packets++;
    f.lastUs = timeUs;
    const reverse = this.#rtcp.get(`${dst}|${dport}|${src}|${sport}`)?.state;
    f.state.add(parseRtcp(buf, ps, pend, cut), timeUs, frameNo, reverse);
  }

  /** The streams and flows so far, addresses named through `names` (the pipeline's address table). */
  snapshot(names: readonly string[]): MediaCapture {
    const name = (id: number): string => names[id] ?? '?';
    // A stream of one packet whose padding count was past its payload: that packet was malformed.
    const alone = (s: Stream): boolean => s.packets === 1 && this.#paddedFirst.has(s);
    const malformed = this.#malformed + this.#order.filter(alone).length;
    const order = this.#paddedFirst.size > 0 ? this.#order.filter((s) => !alone(s)) : this.#order;
    const streams = order.map((s): RtpStreamRecord => {
      const expected = s.stopSeq + s.cycles * RTP_SEQ_MOD - s.startSeq + 1;
      const rec: RtpStreamRecord = {
        src: name(s.src),
        srcPort: s.sport,
        dst: name(s.dst),
        dstPort: s.dport,
        ssrc: s.ssrc,
        pts: [...s.pts],
        morePts: s.morePts,
        dynamicPts: [...s.dyn],
        packets: s.packets,
        payloadBytes: s.payloadBytes,
        markers: s.markers,
        firstFrame: s.firstFrame,
        lastFrame: s.lastFrame,
        firstUs: s.firstUs,
        lastUs: s.lastUs,
        firstSeq: s.startSeq,
        lastSeq: s.stopSeq,
        expected,
        lost: expected - s.packets,
        sequenceErrors: s.sequenceErrors,
        lateOrDuplicate: s.late,
        rfcExpected: s.rfcCycles + s.maxSeq - s.baseSeq + 1,
        timestampErrors: s.timestampErrors,
        lossBursts: s.gaps,
        burstLost: s.gapLost,
        minDelta: s.minDelta,
        meanDelta: s.meanDelta,
        maxDelta: s.maxDelta,
        maxDeltaFrame: s.maxDeltaFrame,
        jitter: s.est.map((e) => ({ rates: [...e.rates], min: e.min, mean: e.mean, max: e.max })),
      };
      if (s.spans) rec.spans = spansOf(s.spans, s.spanFirstUs, s.lastUs, s.packets - s.spanBase);
      const logs = s.ev?.filter((d) => !d.off && d.eventPackets > 0);
      if (logs?.length) rec.events = logs.map((d) => d.record());
      return rec;
    });
    const rtcp = [...this.#rtcp.values()].map((f): RtcpFlowRecord => ({
      src: name(f.srcId),
      srcPort: f.srcPort,
      dst: name(f.dstId),
      dstPort: f.dstPort,
      packets: f.packets,
      firstUs: f.firstUs,
      lastUs: f.lastUs,
      reports: f.state.record(),
    }));
    const out: MediaCapture = { streams, rtcp, droppedStreams: this.#dropped, malformed };
    if (this.#dtls.size > 0) out.dtls = this.#dtls.snapshot(names, this.dtlsKeys);
    return out;
  }
}

/** The ended spans' triples and the current one's figures → the record's spans. */
function spansOf(ended: readonly number[], firstUs: number, lastUs: number, packets: number): MediaSpan[] {
  const out: MediaSpan[] = [];
  for (let i = 0; i + 2 < ended.length; i += 3)
    out.push({ firstUs: ended[i]!, lastUs: ended[i + 1]!, packets: ended[i + 2]! });
  out.push({ firstUs, lastUs, packets });
  return out;
}

/**
 * The jitter figures of `s` for the clock rates `rateOf` gives its dynamic payload types (from the
 * SDP; 0 or unknown: no jitter). Rates outside {@link DYNAMIC_RATES} fall back to no jitter.
 */
export function jitterFor(s: RtpStreamRecord, rateOf: (pt: number) => number): JitterFigures {
  if (s.jitter.length === 1) return s.jitter[0]!;
  const want = s.dynamicPts.map((pt) => {
    const r = rateOf(pt);
    return DYNAMIC_RATES.includes(r) ? r : 0;
  });
  return s.jitter.find((j) => j.rates.every((r, i) => r === want[i])) ?? s.jitter[0]!;
}
