/**
 * RTCP (RFC 3550 §6): the reports each end sends about the RTP it sends and receives. A datagram is a
 * compound packet (§6.1: SR or RR first, then SDES, BYE, APP...; RFC 5506 reduced-size packets start
 * with any type and are tolerated), on the RTP port + 1 or on the RTP port itself (RFC 5761 §4: the
 * second octet 200–207 is RTCP, as RTP payload types 72–79 with the marker set are not used).
 *
 * {@link parseRtcp} decodes one datagram without throwing: what it read before an error is kept and the
 * error named. {@link RtcpFlowState} keeps, per flow (source → destination address:port), constant
 * memory: per sending SSRC its last SR, its CNAME and its BYE, and the SR arrival times for the
 * round trip; per reported SSRC the last report block and a running summary (count, max fraction lost,
 * max jitter, RTT min/mean/max), and the last RFC 3611 VoIP metrics block.
 */

/** SR sender info (RFC 3550 §6.4.1). */
export interface RtcpSenderInfo {
  /** NTP timestamp: seconds since 1900 and the 32-bit fraction. */
  ntpSec: number;
  ntpFrac: number;
  rtpTimestamp: number;
  packets: number;
  octets: number;
}

/** One report block of an SR or RR (RFC 3550 §6.4.1). */
export interface RtcpReportBlock {
  /** The source it reports on (the sender of the RTP stream). */
  ssrc: number;
  /** Fraction lost since the previous report, in 1/256. */
  fractionLost: number;
  /** Cumulative number of packets lost (signed 24 bits: duplicates make it negative). */
  cumulativeLost: number;
  extendedHighestSeq: number;
  /** Interarrival jitter in timestamp units. */
  jitter: number;
  /** Middle 32 bits of the NTP timestamp of the last SR received from that source (0: none). */
  lsr: number;
  /** Delay since that SR, in 1/65536 s. */
  dlsr: number;
}

/** RFC 3611 §4.7 VoIP Metrics Report Block (the fields as sent; 127/255/0xFFFF... mean unavailable). */
export interface RtcpXrVoip {
  ssrc: number;
  /** In 1/256. */
  lossRate: number;
  discardRate: number;
  burstDensity: number;
  gapDensity: number;
  /** ms */
  burstDuration: number;
  gapDuration: number;
  roundTripDelay: number;
  endSystemDelay: number;
  /** dBm (signed) */
  signalLevel: number;
  noiseLevel: number;
  rerl: number;
  gmin: number;
  rFactor: number;
  extRFactor: number;
  /** MOS × 10 (127: unavailable). */
  mosLq: number;
  mosCq: number;
  rxConfig: number;
  jbNominal: number;
  jbMax: number;
  jbAbsMax: number;
}

/** One RTCP packet of a compound datagram. */
export interface RtcpPacket {
  /** 200 SR, 201 RR, 202 SDES, 203 BYE, 204 APP, 205 RTPFB, 206 PSFB, 207 XR. */
  type: number;
  /** The sender's SSRC (SR, RR, XR, APP, feedback); 0 for SDES and BYE (see their items). */
  ssrc: number;
  sender: RtcpSenderInfo | null;
  reports: RtcpReportBlock[];
  /** SDES chunks: their SSRC and CNAME (null when the chunk has none). */
  sdes: { ssrc: number; cname: string | null }[];
  /** BYE: the sources leaving and the reason (null: none given). */
  bye: { ssrcs: number[]; reason: string | null } | null;
  xr: RtcpXrVoip[];
}

export interface RtcpCompound {
  packets: RtcpPacket[];
  /** RFC 5506: the first packet is neither SR nor RR. */
  reducedSize: boolean;
  /** Why the datagram is not a valid compound packet (null: valid); what came before is kept. */
  error: string | null;
  /**
   * SRTCP with encryption (RFC 3711 §3.4): only the first header and SSRC are clear; recognised when
   * the packets after the first do not parse and an E|index word (E set) sits before a 32- or
   * 80-bit authentication tag. Its report is not read (`packets` holds the first type and SSRC only).
   */
  encrypted: boolean;
  /**
   * The datagram (a view of the reader's buffer, valid until it moves on) when it is not a clean
   * compound packet (`encrypted` or `error`): SRTCP, whose reports the analysis decrypts with the
   * SDP's keys (RtcpFlowState keeps a copy).
   */
  raw?: Uint8Array;
}

const u16 = (b: Uint8Array, i: number): number => (b[i]! << 8) | b[i + 1]!;
const u32 = (b: Uint8Array, i: number): number =>
  ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;
/** At most 255 octets of an SDES item or BYE reason, as Latin-1 text without control characters. */
function text(b: Uint8Array, s: number, n: number): string {
  let out = '';
  for (let i = 0; i < n; i++) {
    const c = b[s + i]!;
    if (c === 0) break;
    out += c < 0x20 || c === 0x7f ? '?' : String.fromCharCode(c);
  }
  return out;
}

/**
 * Decodes the RTCP compound packet `buf[ps, pend)` (RFC 3550 §6.1, §A.2's checks: version 2 in every
 * packet, lengths adding up to the datagram, padding only in the last). `cut`: the capture's snap
 * length cut the datagram (a packet running past its end is then not taken for SRTCP). Never throws.
 */
export function parseRtcp(buf: Uint8Array, ps: number, pend: number, cut = false): RtcpCompound {
  const out: RtcpCompound = { packets: [], reducedSize: false, error: null, encrypted: false };
  let i = ps;
  let first = true;
  /** A packet after the first has no RTCP header: ciphertext (SRTCP) or garbage. */
  let garbage = false;
  while (i < pend) {
    if (pend - i < 4) {
      out.error = `${pend - i} octets after the last packet (RFC 3550 §A.2: the lengths must add up)`;
      break;
    }
    const b0 = buf[i]!;
    const type = buf[i + 1]!;
    const count = b0 & 0x1f;
    const len = (u16(buf, i + 2) + 1) * 4;
    if (b0 >> 6 !== 2 || type < 192 || type > 223) {
      out.error =
        b0 >> 6 !== 2
          ? `version ${b0 >> 6} in packet ${out.packets.length + 1}`
          : `packet type ${type} (not RTCP) in packet ${out.packets.length + 1}`;
      garbage = out.packets.length > 0;
      break;
    }
    if (i + len > pend) {
      out.error = `packet ${out.packets.length + 1} (type ${type}) says ${len} octets, ${pend - i} left`;
      // (ciphertext read as a header: 1 in 32 looks like version 2 and an RTCP type) — unless the
      // capture's snap length cut the datagram: a plain compound's packet cut short.
      garbage = !cut && out.packets.length > 0;
      break;
    }
    let end = i + len;
    if (b0 & 0x20) {
      // §6.4.1: padding only in the last packet of a compound.
      if (end !== pend) {
        out.error = `padding in packet ${out.packets.length + 1}, not the last`;
        break;
      }
      const pad = buf[end - 1]!;
      if (pad === 0 || pad > len - 4) {
        out.error = `padding of ${pad} octets in a ${len}-octet packet`;
        break;
      }
      end -= pad;
    }
    if (first && type !== 200 && type !== 201) out.reducedSize = true;
    first = false;
    const p: RtcpPacket = { type, ssrc: 0, sender: null, reports: [], sdes: [], bye: null, xr: [] };
    const err = readPacket(buf, i, end, count, p);
    out.packets.push(p);
    if (err !== null) {
      out.error = `${typeName(type)}: ${err}`;
      break;
    }
    i += len;
  }
  const p0 = out.packets[0];
  if (garbage && p0) {
    const firstEnd = ps + (u16(buf, ps + 2) + 1) * 4;
    for (const tag of [10, 4]) {
      const k = pend - tag - 4;
      if (k >= firstEnd && (buf[k]! & 0x80) !== 0) {
        out.encrypted = true;
        out.error = null;
        out.packets = [
          { type: p0.type, ssrc: p0.ssrc, sender: null, reports: [], sdes: [], bye: null, xr: [] },
        ];
        break;
      }
    }
  }
  if (out.error !== null || out.encrypted) out.raw = buf.subarray(ps, pend);
  return out;
}

export function typeName(type: number): string {
  switch (type) {
    case 200:
      return 'SR';
    case 201:
      return 'RR';
    case 202:
      return 'SDES';
    case 203:
      return 'BYE';
    case 204:
      return 'APP';
    case 205:
      return 'RTPFB';
    case 206:
      return 'PSFB';
    case 207:
      return 'XR';
    default:
      return `type ${type}`;
  }
}

/** Reads one packet's body `buf[s, end)` (header included) into `p`; the error, else null. */
function readPacket(buf: Uint8Array, s: number, end: number, count: number, p: RtcpPacket): string | null {
  const type = p.type;
  if (type === 200 || type === 201) {
    const fixed = type === 200 ? 28 : 8;
    if (end - s < fixed) return `${end - s} octets, the header needs ${fixed}`;
    p.ssrc = u32(buf, s + 4);
    if (type === 200)
      p.sender = {
        ntpSec: u32(buf, s + 8),
        ntpFrac: u32(buf, s + 12),
        rtpTimestamp: u32(buf, s + 16),
        packets: u32(buf, s + 20),
        octets: u32(buf, s + 24),
      };
    let b = s + fixed;
    for (let k = 0; k < count; k++, b += 24) {
      if (b + 24 > end) return `report block ${k + 1} of ${count} does not fit`;
      const cum = (((buf[b + 5]! << 16) | (buf[b + 6]! << 8) | buf[b + 7]!) << 8) >> 8;
      p.reports.push({
        ssrc: u32(buf, b),
        fractionLost: buf[b + 4]!,
        cumulativeLost: cum,
        extendedHighestSeq: u32(buf, b + 8),
        jitter: u32(buf, b + 12),
        lsr: u32(buf, b + 16),
        dlsr: u32(buf, b + 20),
      });
    }
    return null;
  }
  if (type === 202) {
    // §6.5: chunks of SSRC then items (type, length, text), ended by a null octet, padded to 32 bits.
    let b = s + 4;
    for (let k = 0; k < count; k++) {
      if (b + 4 > end) return `chunk ${k + 1} of ${count} does not fit`;
      const chunk = { ssrc: u32(buf, b), cname: null as string | null };
      p.sdes.push(chunk);
      b += 4;
      for (;;) {
        if (b >= end) return `chunk ${k + 1} has no end`;
        const it = buf[b]!;
        if (it === 0) break;
        if (b + 2 > end || b + 2 + buf[b + 1]! > end) return `item ${it} of chunk ${k + 1} does not fit`;
        const n = buf[b + 1]!;
        if (it === 1) chunk.cname = text(buf, b + 2, n);
        b += 2 + n;
      }
      b = s + 4 + Math.ceil((b + 1 - s - 4) / 4) * 4;
    }
    return null;
  }
  if (type === 203) {
    // §6.6: SSRC/CSRC list, then an optional reason (length, text).
    if (s + 4 + count * 4 > end) return `${count} sources do not fit`;
    const ssrcs: number[] = [];
    for (let k = 0; k < count; k++) ssrcs.push(u32(buf, s + 4 + k * 4));
    let reason: string | null = null;
    const r = s + 4 + count * 4;
    if (r < end) {
      const n = buf[r]!;
      if (r + 1 + n > end) return `reason of ${n} octets does not fit`;
      reason = text(buf, r + 1, n);
    }
    p.bye = { ssrcs, reason };
    p.ssrc = ssrcs[0] ?? 0;
    return null;
  }
  if (end - s >= 8) p.ssrc = u32(buf, s + 4);
  if (type === 207) {
    // RFC 3611 §3: report blocks (BT, type-specific, length in 32-bit words − 1... counted after the header).
    let b = s + 8;
    while (b < end) {
      if (b + 4 > end) return 'report block header does not fit';
      const bt = buf[b]!;
      const blen = (u16(buf, b + 2) + 1) * 4;
      if (b + blen > end) return `block type ${bt} of ${blen} octets does not fit`;
      if (bt === 7) {
        if (blen !== 36) return `VoIP metrics block of ${blen} octets, not 36`;
        const v = b + 4;
        p.xr.push({
          ssrc: u32(buf, v),
          lossRate: buf[v + 4]!,
          discardRate: buf[v + 5]!,
          burstDensity: buf[v + 6]!,
          gapDensity: buf[v + 7]!,
          burstDuration: u16(buf, v + 8),
          gapDuration: u16(buf, v + 10),
          roundTripDelay: u16(buf, v + 12),
          endSystemDelay: u16(buf, v + 14),
          signalLevel: (buf[v + 16]! << 24) >> 24,
          noiseLevel: (buf[v + 17]! << 24) >> 24,
          rerl: buf[v + 18]!,
          gmin: buf[v + 19]!,
          rFactor: buf[v + 20]!,
          extRFactor: buf[v + 21]!,
          mosLq: buf[v + 22]!,
          mosCq: buf[v + 23]!,
          rxConfig: buf[v + 24]!,
          jbNominal: u16(buf, v + 26),
          jbMax: u16(buf, v + 28),
          jbAbsMax: u16(buf, v + 30),
        });
      }
      b += blen;
    }
  }
  return null;
}

/** The SR arrival times kept per sender for the round trip (the RR answers one of the last few). */
const RECENT_SRS = 4;
/** Per flow: sending SSRCs and reported SSRCs kept (the rest is counted, not kept). */
const MAX_SENDERS = 4;
const MAX_REPORTED = 16;

/** What one SSRC sent on a flow. */
export interface RtcpSenderRecord {
  ssrc: number;
  /** SRs and RRs it sent. */
  srs: number;
  rrs: number;
  /** Its last SR's sender info and arrival (µs). */
  lastSr: (RtcpSenderInfo & { us: number; frame: number }) | null;
  cname: string | null;
  bye: { us: number; reason: string | null } | null;
}

/** What a flow's reports said about one SSRC (the RTP stream of that source). */
export interface RtcpReportedRecord {
  /** The source reported on. */
  ssrc: number;
  /** The reporter's SSRC (the last report's). */
  reporter: number;
  reports: number;
  last: RtcpReportBlock & { us: number; frame: number };
  maxFractionLost: number;
  /** Timestamp units. */
  maxJitter: number;
  /** Round trips computed (RFC 3550 §6.4.1 A − LSR − DLSR at the capture point), µs. */
  rtts: number;
  rttMin: number;
  rttSum: number;
  rttMax: number;
  /** The last RFC 3611 VoIP metrics block about it (null: none). */
  xr: RtcpXrVoip | null;
}

/** What the tracker keeps of one RTCP flow (plain data once copied by `record`). */
export interface RtcpFlowReports {
  senders: RtcpSenderRecord[];
  reported: RtcpReportedRecord[];
  /** Datagrams that are not a valid compound packet (the parts before the error are used). */
  malformed: number;
  /** The first such error, with its frame. */
  firstError: { frame: number; error: string } | null;
  /** RFC 5506 reduced-size datagrams. */
  reducedSize: number;
  /** Encrypted SRTCP datagrams (read by the analysis when the SDP gives their key: `kept`). */
  encrypted: number;
  /**
   * The datagrams that were not clean compound packets (SRTCP: encrypted, or authenticated with its
   * E|index and tag after the reports), copied for the analysis to decrypt once the SDP's keys are
   * known (call-media.ts); at most {@link MAX_KEPT} per flow, absent when none. Since session 26.
   */
  kept?: RtcpKept[];
  /** Such datagrams past the bound, not kept. */
  keptDropped?: number;
}

/** One datagram a flow kept: its capture time (µs), frame, whether it counted as malformed, octets. */
export interface RtcpKept {
  us: number;
  frame: number;
  malformed: boolean;
  bytes: Uint8Array;
}

/** Datagrams and octets a flow keeps for SRTCP decryption (at one per 5 s, 2.8 hours of reports). */
export const MAX_KEPT = 2048;
const MAX_KEPT_BYTES = 512 * 1024;
/** Octets all the flows of a tracker keep together (its {@link RtcpKeepBudget}). */
export const MAX_KEPT_TOTAL = 64 * 1024 * 1024;

/** What the flows of one tracker may still keep, in octets (shared by them). */
export interface RtcpKeepBudget {
  left: number;
}

/** Running state of one flow's reports, with the SR arrival times its reverse flow's RRs answer. */
export class RtcpFlowState implements RtcpFlowReports {
  senders: RtcpSenderRecord[] = [];
  reported: RtcpReportedRecord[] = [];
  malformed = 0;
  firstError: { frame: number; error: string } | null = null;
  reducedSize = 0;
  encrypted = 0;
  keptDropped = 0;
  #kept: RtcpKept[] | null = null;

  readonly #budget: RtcpKeepBudget;

  /** `budget`: shared with the other flows of the tracker (default: this flow's own). */
  constructor(budget: RtcpKeepBudget = { left: MAX_KEPT_TOTAL }) {
    this.#budget = budget;
  }
  #keptBytes = 0;
  /**
   * Per sender (same index as `senders`): a ring of RECENT_SRS [NTP middle 32 bits, arrival µs]
   * (-1: empty) and its next slot.
   */
  readonly #recent: Float64Array[] = [];
  readonly #next: number[] = [];

  #find(ssrc: number): number {
    const a = this.senders;
    for (let i = 0; i < a.length; i++) if (a[i]!.ssrc === ssrc) return i;
    return -1;
  }

  #sender(ssrc: number): number {
    const i = this.#find(ssrc);
    if (i >= 0 || this.senders.length >= MAX_SENDERS) return i;
    this.senders.push({ ssrc, srs: 0, rrs: 0, lastSr: null, cname: null, bye: null });
    this.#recent.push(new Float64Array(RECENT_SRS * 2).fill(-1));
    this.#next.push(0);
    return this.senders.length - 1;
  }

  /** Arrival (µs) of the SR of `ssrc` on this flow whose NTP middle 32 bits are `lsr` (-1: none kept). */
  srArrival(ssrc: number, lsr: number): number {
    const i = this.#find(ssrc);
    if (i < 0) return -1;
    const r = this.#recent[i]!;
    for (let k = 0; k < r.length; k += 2) if (r[k] === lsr) return r[k + 1]!;
    return -1;
  }

  /**
   * Takes one datagram's packets. `reverse`: the flow the other way (where the SRs the report blocks
   * answer went), for the round trip.
   */
  add(c: RtcpCompound, us: number, frame: number, reverse: RtcpFlowState | undefined): void {
    if (c.error !== null) {
      this.malformed++;
      if (this.firstError === null) this.firstError = { frame, error: c.error };
    }
    if (c.reducedSize) this.reducedSize++;
    if (c.raw !== undefined) this.#keep(c.raw, us, frame, c.error !== null);
    if (c.encrypted) this.encrypted++;
    if (c.encrypted) return;
    for (const p of c.packets) {
      if (p.type === 200 || p.type === 201) {
        const si = this.#sender(p.ssrc);
        if (si >= 0) {
          const s = this.senders[si]!;
          if (p.sender) {
            s.srs++;
            const x = p.sender;
            s.lastSr = {
              ntpSec: x.ntpSec,
              ntpFrac: x.ntpFrac,
              rtpTimestamp: x.rtpTimestamp,
              packets: x.packets,
              octets: x.octets,
              us,
              frame,
            };
            const r = this.#recent[si]!;
            const k = this.#next[si]!;
            r[k * 2] = ((x.ntpSec & 0xffff) * 0x10000 + (x.ntpFrac >>> 16)) >>> 0;
            r[k * 2 + 1] = us;
            this.#next[si] = (k + 1) % RECENT_SRS;
          } else s.rrs++;
        }
        for (const b of p.reports) this.#report(p.ssrc, b, us, frame, reverse);
      } else if (p.type === 202) {
        for (const ch of p.sdes) {
          if (ch.cname === null) continue;
          const si = this.#sender(ch.ssrc);
          if (si >= 0) this.senders[si]!.cname = ch.cname;
        }
      } else if (p.type === 203 && p.bye) {
        for (const ssrc of p.bye.ssrcs) {
          const si = this.#sender(ssrc);
          if (si >= 0) this.senders[si]!.bye = { us, reason: p.bye.reason };
        }
      } else if (p.type === 207) {
        for (const x of p.xr) {
          const r = this.reported.find((e) => e.ssrc === x.ssrc);
          if (r) r.xr = x;
          else if (this.reported.length < MAX_REPORTED)
            this.reported.push({
              ssrc: x.ssrc,
              reporter: p.ssrc,
              reports: 0,
              last: {
                ssrc: x.ssrc,
                fractionLost: 0,
                cumulativeLost: 0,
                extendedHighestSeq: 0,
                jitter: 0,
                lsr: 0,
                dlsr: 0,
                us,
                frame,
              },
              maxFractionLost: 0,
              maxJitter: 0,
              rtts: 0,
              rttMin: 0,
              rttSum: 0,
              rttMax: 0,
              xr: x,
            });
        }
      }
    }
  }

  /** Gives the octets this flow keeps back to its budget and keeps nothing more (the flow forgotten). */
  release(): void {
    this.#budget.left += this.#keptBytes;
    this.#keptBytes = 0;
    this.#kept = null;
  }

  #keep(raw: Uint8Array, us: number, frame: number, malformed: boolean): void {
    const kept = (this.#kept ??= []);
    if (
      kept.length >= MAX_KEPT ||
      this.#keptBytes + raw.length > MAX_KEPT_BYTES ||
      raw.length > this.#budget.left
    ) {
      this.keptDropped++;
      return;
    }
    this.#keptBytes += raw.length;
    this.#budget.left -= raw.length;
    kept.push({ us, frame, malformed, bytes: raw.slice() });
  }

  #report(
    reporter: number,
    b: RtcpReportBlock,
    us: number,
    frame: number,
    reverse: RtcpFlowState | undefined,
  ): void {
    let r: RtcpReportedRecord | undefined;
    for (const e of this.reported)
      if (e.ssrc === b.ssrc) {
        r = e;
        break;
      }
    if (!r) {
      if (this.reported.length >= MAX_REPORTED) return;
      r = {
        ssrc: b.ssrc,
        reporter,
        reports: 0,
        last: { ...b, us, frame },
        maxFractionLost: 0,
        maxJitter: 0,
        rtts: 0,
        rttMin: 0,
        rttSum: 0,
        rttMax: 0,
        xr: null,
      };
      this.reported.push(r);
    }
    r.reporter = reporter;
    r.reports++;
    const l = r.last;
    l.fractionLost = b.fractionLost;
    l.cumulativeLost = b.cumulativeLost;
    l.extendedHighestSeq = b.extendedHighestSeq;
    l.jitter = b.jitter;
    l.lsr = b.lsr;
    l.dlsr = b.dlsr;
    l.us = us;
    l.frame = frame;
    if (b.fractionLost > r.maxFractionLost) r.maxFractionLost = b.fractionLost;
    if (b.jitter > r.maxJitter) r.maxJitter = b.jitter;
    // RFC 3550 §6.4.1: RTT = A − LSR − DLSR; at the capture point A and the SR's time are the capture
    // times of the RR and of the SR it answers (on the flow the other way), as Wireshark computes it.
    if (b.lsr === 0 || !reverse) return;
    const sr = reverse.srArrival(b.ssrc, b.lsr);
    if (sr < 0) return;
    const rtt = us - sr - (b.dlsr * 1e6) / 65536;
    if (r.rtts === 0 || rtt < r.rttMin) r.rttMin = rtt;
    if (r.rtts === 0 || rtt > r.rttMax) r.rttMax = rtt;
    r.rtts++;
    r.rttSum += rtt;
  }

  /** A plain copy (it crosses threads). */
  record(): RtcpFlowReports {
    return {
      senders: this.senders.map((s) => ({
        ...s,
        lastSr: s.lastSr && { ...s.lastSr },
        bye: s.bye && { ...s.bye },
      })),
      reported: this.reported.map((r) => ({ ...r, last: { ...r.last }, xr: r.xr && { ...r.xr } })),
      malformed: this.malformed,
      firstError: this.firstError && { ...this.firstError },
      reducedSize: this.reducedSize,
      encrypted: this.encrypted,
      // (the octets are not copied: a kept datagram never changes)
      ...(this.#kept !== null && { kept: [...this.#kept], keptDropped: this.keptDropped }),
    };
  }
}
