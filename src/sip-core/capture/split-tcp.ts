/**
 * TCP across the cut of a two-part ingest (see `SplitRole` in pipeline.ts), decoded speculatively by
 * the tail part: its ingest pass takes the in-order segments of whole SIP messages of every
 * connection it meets after the cut as if the stream began there (the first data segment must begin
 * at a SIP start line), and the head part checks, per connection, that one pass would have read those
 * segments the same way: its own state of that connection at the cut is clean (nothing pending or
 * held, SIP or not yet detected, no FIN) and expects exactly the sequence number the tail's stream
 * began with. When the check holds the tail's messages stand; when it does not, that connection's
 * rows are dropped from the tail and its frames are decoded again by the head, in frame order, after
 * its own records (with the frames the tail handed over): exact in every case.
 * @remarks The tail gives a {@link Speculation}: its pass's connections at the end (slots) and, per
 * TCP frame its pass took, where the record lies and its 4-tuple (so the head reads again only the
 * frames of connections that failed). A frame the tail hands over that may reach a connection (a TCP
 * segment the pass declined) releases that connection; one whose connection it cannot tell (an IP
 * fragment of TCP, a tunnel, IPv6 extension headers) fails every connection (`tainted`).
 */
import { IPPROTO } from './ip/ip-decode';
import { decodeLink, type NetStart } from './link/link-decode';
import {
  P_CAPLEN,
  P_DPORT,
  P_DST,
  P_REC,
  P_RIDX,
  P_SPORT,
  P_SRC,
  P_STRIDE,
  P_TYPE,
  T_TCP,
  T_TCP_NONE,
} from './ingest-pass';

/** Numbers per connection in {@link Speculation.conns}. */
export const SPEC_CONN = 10;
/** Fields of a connection: owner (OWN_*), a, b (IPv4), ports (a << 16 | b), per direction bits, next, first. */
export const SC_OWNER = 0;
export const SC_A = 1;
export const SC_B = 2;
export const SC_PORTS = 3;
/** + 3·d: direction d's bits (D_*), next sequence number, first sequence number. */
export const SC_DIR = 4;

/** What the tail part's speculation hands the head part (plain data: it crosses threads). */
export interface Speculation {
  /** The pass's connections at the end of the tail's read, SPEC_CONN numbers each. */
  conns: Int32Array;
  /** Per TCP frame the tail's pass took: frame number from 1 at the cut, record offset, time (µs), captured length, 4-tuple. */
  frame: Uint32Array;
  recOff: Float64Array;
  timeUs: Float64Array;
  capLen: Uint32Array;
  src: Int32Array;
  dst: Int32Array;
  ports: Int32Array;
  /** A handed-over frame may have reached any connection: none stands. */
  tainted: boolean;
}

/** The tail's record of the TCP frames its pass took (grown by doubling). */
export class SpeculationLog {
  n = 0;
  #cap = 0;
  frame = new Uint32Array(0);
  recOff = new Float64Array(0);
  timeUs = new Float64Array(0);
  capLen = new Uint32Array(0);
  src = new Int32Array(0);
  dst = new Int32Array(0);
  ports = new Int32Array(0);
  tainted = false;

  #grow(): void {
    const cap = Math.max(1024, this.#cap * 2);
    const g = <T extends Uint32Array | Float64Array | Int32Array>(a: T): T => {
      const b = new (a.constructor as new (n: number) => T)(cap);
      b.set(a);
      return b;
    };
    this.frame = g(this.frame);
    this.recOff = g(this.recOff);
    this.timeUs = g(this.timeUs);
    this.capLen = g(this.capLen);
    this.src = g(this.src);
    this.dst = g(this.dst);
    this.ports = g(this.ports);
    this.#cap = cap;
  }

  /**
   * The TCP frames of pass rows `r0..r1-1` (the rows of a frame's first message, or of a frame
   * without one), `frame0` the frame number of row r0 (counted from 1 at the cut: the tail's reader).
   */
  rows(
    t: Int32Array,
    r0: number,
    r1: number,
    base: number,
    frame0: number,
    time: (o: number) => number,
  ): void {
    const ridx0 = t[r0 * P_STRIDE + P_RIDX]!;
    for (let r = r0; r < r1; r++) {
      const o = r * P_STRIDE;
      const ty = t[o + P_TYPE];
      if (ty !== T_TCP && ty !== T_TCP_NONE) continue;
      if (this.n === this.#cap) this.#grow();
      const i = this.n++;
      this.frame[i] = frame0 + t[o + P_RIDX]! - ridx0;
      this.recOff[i] = base + t[o + P_REC]!;
      this.timeUs[i] = time(o);
      this.capLen[i] = t[o + P_CAPLEN]!;
      this.src[i] = t[o + P_SRC]!;
      this.dst[i] = t[o + P_DST]!;
      this.ports[i] = (t[o + P_SPORT]! << 16) | t[o + P_DPORT]!;
    }
  }

  /** The whole speculation with the pass's connections `conns` (copies: the result is transferable). */
  export(conns: Int32Array): Speculation {
    const n = this.n;
    return {
      conns,
      frame: this.frame.slice(0, n),
      recOff: this.recOff.slice(0, n),
      timeUs: this.timeUs.slice(0, n),
      capLen: this.capLen.slice(0, n),
      src: this.src.slice(0, n),
      dst: this.dst.slice(0, n),
      ports: this.ports.slice(0, n),
      tainted: this.tainted,
    };
  }
}

/** The buffers of a speculation (to transfer it). */
export function speculationTransfer(s: Speculation): ArrayBuffer[] {
  return [s.conns, s.frame, s.recOff, s.timeUs, s.capLen, s.src, s.dst, s.ports].map(
    (a) => a.buffer as ArrayBuffer,
  );
}

/** How a handed-over frame bears on the tail's TCP connections. */
export type HandedTcp =
  { kind: 'none' } | { kind: 'tcp'; src: number; sp: number; dst: number; dp: number } | { kind: 'unknown' };

const NONE: HandedTcp = { kind: 'none' };
const UNKNOWN: HandedTcp = { kind: 'unknown' };

/**
 * What a frame the tail hands over may do to a TCP connection of IPv4 (the pass's): nothing (not IP,
 * UDP, IPv6 TCP or UDP, ICMP, SCTP...), a segment of one IPv4 connection (its 4-tuple), or unknown (an
 * IPv4 fragment of TCP, a tunnel, IPv6 extension headers: the head may find a segment of any
 * connection in it).
 */
export function handedTcp(
  linkType: number,
  buf: Uint8Array,
  start: number,
  end: number,
  net: NetStart,
): HandedTcp {
  if (!decodeLink(linkType, buf, start, end, net)) return NONE;
  const o = net.offset;
  if (net.etherType === 0x0800) {
    if (o + 20 > end || buf[o]! >> 4 !== 4) return NONE;
    const proto = buf[o + 9]!;
    const frag = ((buf[o + 6]! << 8) | buf[o + 7]!) & 0x3fff;
    if (proto === IPPROTO.TCP) {
      const u = o + (buf[o]! & 15) * 4;
      if (frag !== 0 || u + 4 > end) return UNKNOWN;
      return {
        kind: 'tcp',
        src: (buf[o + 12]! << 24) | (buf[o + 13]! << 16) | (buf[o + 14]! << 8) | buf[o + 15]! | 0,
        dst: (buf[o + 16]! << 24) | (buf[o + 17]! << 16) | (buf[o + 18]! << 8) | buf[o + 19]! | 0,
        sp: (buf[u]! << 8) | buf[u + 1]!,
        dp: (buf[u + 2]! << 8) | buf[u + 3]!,
      };
    }
    return proto === IPPROTO.IPIP || proto === IPPROTO.IPV6 || proto === IPPROTO.GRE ? UNKNOWN : NONE;
  }
  if (net.etherType === 0x86dd) {
    if (o + 40 > end) return NONE;
    const nh = buf[o + 6];
    return nh === IPPROTO.TCP || nh === IPPROTO.UDP ? NONE : UNKNOWN;
  }
  return NONE;
}

/** The head part's answer to a speculation (plain data: it crosses threads). */
export interface SpeculationVerdict {
  /** Connections that failed (their tail rows are dropped, their frames decoded by the head): a, b, ports each. */
  failed: Int32Array;
  /** Standing connections the head part did not know (counted once, by the tail). */
  standingNew: number;
}

/** The verdict from the head's check (`CapturePipeline.checkSpeculation`). */
export function speculationVerdict(
  s: Speculation,
  check: { stands: Uint8Array; known: Uint8Array },
): SpeculationVerdict {
  const n = check.stands.length;
  let failed = 0;
  let standingNew = 0;
  for (let i = 0; i < n; i++) {
    if (check.stands[i] === 0) failed++;
    else if (check.known[i] === 0) standingNew++;
  }
  const out = new Int32Array(failed * 3);
  let k = 0;
  for (let i = 0; i < n; i++) {
    if (check.stands[i] !== 0) continue;
    out[k++] = s.conns[i * SPEC_CONN + SC_A]!;
    out[k++] = s.conns[i * SPEC_CONN + SC_B]!;
    out[k++] = s.conns[i * SPEC_CONN + SC_PORTS]!;
  }
  return { failed: out, standingNew };
}

/** A connection's key for either direction: `src`, `dst` (IPv4, as Int32), ports `sp << 16 | dp`. */
const key = (src: number, dst: number, ports: number): string => `${src | 0}|${dst | 0}|${ports | 0}`;

/** Whether the segment `src → dst` (ports `sp << 16 | dp`) belongs to a failed connection of `v`. */
export function failedConnections(
  v: SpeculationVerdict,
): (src: number, dst: number, ports: number) => boolean {
  const set = new Set<string>();
  // (a number the same for both directions first: most segments are of connections that stand)
  const near = new Set<number>();
  const sym = (src: number, dst: number, ports: number): number =>
    ((src ^ dst) >>> 0) * 65536 + (((ports >>> 16) ^ ports) & 0xffff);
  const f = v.failed;
  for (let i = 0; i + 2 < f.length; i += 3) {
    const p = f[i + 2]!;
    set.add(key(f[i]!, f[i + 1]!, p));
    set.add(key(f[i + 1]!, f[i]!, ((p & 0xffff) << 16) | (p >>> 16)));
    near.add(sym(f[i]!, f[i + 1]!, p));
  }
  return (src, dst, ports) => near.has(sym(src, dst, ports)) && set.has(key(src, dst, ports));
}

/**
 * Whether the tail part's ingest pass may take the frame as TCP (Ethernet II → IPv4 without options,
 * not a fragment → TCP): with speculation such a frame costs the tail what it costs the head (the cut
 * is placed as for stateless frames: reader/split.ts).
 */
export function speculatedTcp(linkType: number, buf: Uint8Array, start: number, end: number): boolean {
  const o = start + 14;
  return (
    linkType === 1 &&
    o + 40 <= end &&
    buf[start + 12] === 8 &&
    buf[start + 13] === 0 &&
    buf[o] === 0x45 &&
    buf[o + 9] === IPPROTO.TCP &&
    ((buf[o + 6]! & 0x3f) | buf[o + 7]!) === 0
  );
}
