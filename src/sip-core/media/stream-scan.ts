/**
 * The packets of chosen RTP streams, read again from the capture when someone wants to hear them.
 *
 * The capture path keeps no per-packet state for RTP (rtp-streams.ts: constant memory per stream), so
 * the payloads are not in memory: this scan decodes the capture stream again through the same
 * pipeline (link, IP, tunnels, UDP; the same datagrams the tracker counted) with a tap in place of
 * the tracker, keeping the packets of the wanted streams (5-tuple and SSRC) and stopping after the
 * last one's last frame. A classic pcap can start at a record offset the trace knows (a SIP message
 * of the call before the stream's first packet), so a call in the middle of a large file is not read
 * from byte 0. Measured in the README's benchmark table (`npm run bench -- rtp`).
 * @remarks Why not keep each packet's file offset while reading: 8 octets per RTP packet for every
 * stream of every capture (a 1 GB capture of RTP: ~8 MB more for nothing until Play) against one
 * scan of the stream's part of the file when Play is pressed.
 */
import { CaptureDecoder } from '../capture/capture-decoder';
import type { FrameRef } from '../capture/provenance';
import type { FrameInfo } from '../capture/reader/frame';
import type { Inflate } from '../capture/unwrap/hep';
import type { ReadFileAt } from '../capture/reader/netmon';
import { RtpTracker } from './rtp-streams';
import { RtpPacketList, rtpPayloadSpan } from './rtp-audio';
import { rtpHeaderLength } from './rtp-header';
import type { SrtpRtpReader } from './srtp';

/** One stream to collect (as the media analysis names it). */
export interface StreamWanted {
  src: string;
  srcPort: number;
  dst: string;
  dstPort: number;
  ssrc: number;
  /** The stream's last frame number (the scan stops after the last wanted one's). */
  lastFrame: number;
}

/** The tracker's place in the pipeline, keeping the wanted streams' packets instead of counting. */
class StreamTap extends RtpTracker {
  names: readonly string[] = [];
  frameBase = 0;
  /** The frame being decoded (the reader's one reused object). */
  info: FrameInfo | null = null;
  /** Each wanted packet's frame (record offset and length): a call exported with its RTP. */
  readonly frames: FrameRef[] = [];
  constructor(
    readonly wanted: readonly StreamWanted[],
    readonly lists: RtpPacketList[],
    readonly srtp: readonly (SrtpRtpReader | null)[],
  ) {
    super(0);
  }

  override datagram(
    src: number,
    sport: number,
    dst: number,
    dport: number,
    buf: Uint8Array,
    ps: number,
    pend: number,
    timeUs: number,
  ): boolean {
    if (pend - ps < 12) return false;
    const ssrc = ((buf[ps + 8]! << 24) | (buf[ps + 9]! << 16) | (buf[ps + 10]! << 8) | buf[ps + 11]!) >>> 0;
    for (let w = 0; w < this.wanted.length; w++) {
      const x = this.wanted[w]!;
      if (x.ssrc !== ssrc || x.srcPort !== sport || x.dstPort !== dport) continue;
      if (this.names[src] !== x.src || this.names[dst] !== x.dst) continue;
      const b1 = buf[ps + 1]!;
      if (b1 >= 200 && b1 <= 204) continue;
      const session = this.srtp[w];
      // SRTP: only the header is in the clear — the last octet (the padding count in RTP) is the
      // auth tag's; the padding is taken off after decryption (addPacket).
      const span = session ? null : rtpPayloadSpan(buf, ps, pend);
      if (session ? rtpHeaderLength(buf, ps, pend) < 0 : !span) continue;
      const f = this.info;
      if (f !== null && f.recordOffset >= 0)
        this.frames.push({
          frameNo: f.frameNo + this.frameBase,
          recordOffset: f.recordOffset,
          recordLength: f.recordLength,
          timeUs: f.timeUs,
          linkType: f.linkType,
        });
      if (session) {
        // SRTP: the packet authenticated and decrypted (header fields are in the clear); one that
        // fails is counted by the session and not played.
        const r = session.unprotectRtp(buf, ps, pend);
        if (r.status === 'ok') this.lists[w]!.addPacket(r.packet, timeUs);
        continue;
      }
      this.lists[w]!.add(
        (buf[ps + 2]! << 8) | buf[ps + 3]!,
        ((buf[ps + 4]! << 24) | (buf[ps + 5]! << 16) | (buf[ps + 6]! << 8) | buf[ps + 7]!) >>> 0,
        b1 & 0x7f,
        (b1 & 0x80) !== 0,
        timeUs,
        buf,
        span!.start,
        span!.end,
      );
    }
    return true;
  }
}

const NO_MESSAGES = { message: (): void => {} };

/** One scan of the capture stream for some streams' packets. */
export class StreamScan {
  readonly lists: RtpPacketList[];
  readonly #tap: StreamTap;
  readonly #decoder: CaptureDecoder;
  readonly #last: number;

  /**
   * `readAt`: random access to the capture (a NetMon file indexes its frames at its end); `srtp`: per
   * wanted stream, the SRTP session that decrypts it (null: plain RTP).
   */
  constructor(
    wanted: readonly StreamWanted[],
    inflate: Inflate | null = null,
    readAt: ReadFileAt | null = null,
    srtp: readonly (SrtpRtpReader | null)[] = [],
  ) {
    this.lists = wanted.map(() => new RtpPacketList());
    this.#tap = new StreamTap(wanted, this.lists, srtp);
    this.#decoder = new CaptureDecoder(NO_MESSAGES, {
      media: this.#tap,
      inflate,
      maxDiagnosticsPerCode: 0,
      readAt,
    });
    this.#tap.names = this.#decoder.pipeline.addresses.names;
    this.#last = wanted.reduce((m, w) => Math.max(m, w.lastFrame), 0);
    // Most frames of a capture are none of the wanted streams': a plain Ethernet/IPv4/UDP frame (or a
    // raw IPv4/UDP one: LINKTYPE_RAW, LINKTYPE_IPV4, what a live trace keeps of its media) whose ports
    // and SSRC are none of theirs is left out before the pipeline decodes it (tries SIP framing,
    // interns addresses). Anything else (VLAN, IPv6, tunnels, fragments, other link types) goes through.
    const pipeline = this.#decoder.pipeline;
    const decode = pipeline.frame.bind(pipeline);
    const keys = new Set(wanted.map((w) => `${w.srcPort}|${w.dstPort}|${w.ssrc}`));
    const ports = new Set(wanted.map((w) => (w.srcPort << 16) | w.dstPort));
    pipeline.frame = (buf, start, end, info): void => {
      const lt = info.linkType;
      // Where the IPv4 header starts: after Ethernet's 14 octets (type IPv4), or at once (raw IP).
      const o =
        lt === 1
          ? buf[start + 12] === 0x08 && buf[start + 13] === 0x00
            ? start + 14
            : -1
          : lt === 101 || lt === 228
            ? start
            : -1;
      if (o >= 0 && end - o >= 40) {
        if (buf[o] === 0x45 && buf[o + 9] === 17 && (buf[o + 6]! & 0x3f) === 0 && buf[o + 7] === 0) {
          const sp = (buf[o + 20]! << 8) | buf[o + 21]!;
          const dp = (buf[o + 22]! << 8) | buf[o + 23]!;
          if (!ports.has((sp << 16) | dp)) return;
          const ssrc =
            ((buf[o + 36]! << 24) | (buf[o + 37]! << 16) | (buf[o + 38]! << 8) | buf[o + 39]!) >>> 0;
          if (!keys.has(`${sp}|${dp}|${ssrc}`)) return;
        }
      }
      this.#tap.info = info;
      decode(buf, start, end, info);
    };
  }

  /**
   * Starts a classic pcap at record offset `offset`, frame `frameNo` (a record boundary the trace
   * knows): `head` is the file's first 24 octets. False (nothing done) for other formats.
   */
  startAt(head: Uint8Array, offset: number, frameNo: number): boolean {
    const m = head.length >= 4 ? ((head[0]! << 24) | (head[1]! << 16) | (head[2]! << 8) | head[3]!) >>> 0 : 0;
    const pcap = m === 0xa1b2c3d4 || m === 0xd4c3b2a1 || m === 0xa1b23c4d || m === 0x4d3cb2a1;
    if (!pcap || head.length < 24 || this.#decoder.offset !== 0) return false;
    this.#decoder.push(head.subarray(0, 24));
    this.#decoder.skipTo(offset);
    this.#tap.frameBase = frameNo - 1;
    return true;
  }

  /** Feeds the next chunk of the capture stream. */
  push(chunk: Uint8Array, eof = false): void {
    this.#decoder.push(chunk, eof);
  }

  /** True once every wanted stream's last frame was passed (or the reader stopped). */
  get done(): boolean {
    return this.#decoder.stopped || (this.#last > 0 && this.#frameNow() > this.#last);
  }

  #frameNow(): number {
    return (this.#decoder.reader?.frames ?? 0) + this.#tap.frameBase;
  }

  finish(): RtpPacketList[] {
    this.#decoder.finish();
    return this.lists;
  }

  /** The frames the wanted packets came in (after {@link finish}), in capture order. */
  get frames(): readonly FrameRef[] {
    return this.#tap.frames;
  }
}
