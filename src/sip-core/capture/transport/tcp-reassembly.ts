/**
 * TCP stream reassembly per connection and direction (RFC 9293 sequence space): in-order delivery of
 * payload bytes to a consumer, with out-of-order segments held back, retransmitted and overlapping
 * segments trimmed, and gaps reported. Each direction remembers which frames carried which stream
 * bytes, so a message can name all its frames (provenance) and the frame that completed it.
 */
import type { Diagnostic } from '../../diagnostic';
import type { FrameRef } from '../provenance';

/** Receives one direction's in-order bytes. */
export interface StreamConsumer {
  /**
   * In-order bytes `buf[start,end)`; `pos` is the stream position of `buf[start]`; `fileBase` is the
   * capture-stream offset of `buf[0]` when these bytes lie contiguously in the capture file, else -1.
   * Returns how many bytes were consumed; the rest is offered again, followed by more bytes.
   */
  data(dir: TcpDirection, buf: Uint8Array, start: number, end: number, pos: number, fileBase: number): number;
  /** `missing` bytes were lost before the next delivered byte: drop any partial message. */
  gap(dir: TcpDirection, missing: number): void;
  /** End of capture: the unconsumed rest `buf[start,end)`. */
  end(dir: TcpDirection, buf: Uint8Array, start: number, end: number, pos: number): void;
}

interface Held {
  seq: number;
  data: Uint8Array;
  frame: FrameRef;
}

interface SegRef {
  pos: number;
  end: number;
  frame: FrameRef;
}

/** Limits on data held back for one direction before a gap is declared. */
const MAX_HELD_SEGMENTS = 512;
const MAX_HELD_BYTES = 2 * 1024 * 1024;
const MAX_PENDING = 17 * 1024 * 1024;

export interface TcpStats {
  segments: number;
  retransmissions: number;
  overlaps: number;
  outOfOrder: number;
  gaps: number;
  gapBytes: number;
}

export class TcpDirection {
  /** Next expected sequence number, or -1 before the first segment. */
  nextSeq = -1;
  /** Stream position of the next in-order byte. */
  pos = 0;
  #pending = new Uint8Array(0);
  #pendingLen = 0;
  #pendingPos = 0;
  #held: Held[] = [];
  #heldBytes = 0;
  #segs: SegRef[] = [];
  /** The consumer decides what the bytes are (SIP, WebSocket, TLS...); it may replace itself. */
  consumer: StreamConsumer;
  /** Free slot for the consumer's per-direction state. */
  state: unknown = null;
  /**
   * The frame being processed (the one that completes whatever is emitted now). Set a fresh object
   * per segment: the direction keeps it (held segments, provenance) and never copies it.
   */
  current: FrameRef = { frameNo: 0, recordOffset: 0, recordLength: 0, timeUs: 0, linkType: 0 };
  currentTimeUs = 0;
  fin = false;

  constructor(
    consumer: StreamConsumer,
    readonly src: number,
    readonly srcPort: number,
    readonly dst: number,
    readonly dstPort: number,
    readonly connection: TcpConnection,
    private readonly stats: TcpStats,
    private readonly report: (d: Diagnostic) => void,
  ) {
    this.consumer = consumer;
  }

  /**
   * Frames that carried stream bytes `[from, to)`, in capture order, ending with the frame being
   * processed (the one that completed them, as tshark reports it).
   */
  framesFor(from: number, to: number): FrameRef[] {
    // Usual case: the bytes came in the segment being processed.
    let only = true;
    for (const s of this.#segs) {
      if (s.end <= from || s.pos >= to) continue;
      if (s.frame.frameNo !== this.current.frameNo) {
        only = false;
        break;
      }
    }
    if (only) return [this.current];
    const out: FrameRef[] = [];
    for (const s of this.#segs) {
      if (s.end <= from || s.pos >= to) continue;
      if (!out.some((f) => f.frameNo === s.frame.frameNo)) out.push(s.frame);
    }
    if (!out.some((f) => f.frameNo === this.current.frameNo)) out.push(this.current);
    out.sort((a, b) => a.frameNo - b.frameNo);
    return out;
  }

  /** One TCP segment of this direction. */
  segment(
    seq: number,
    syn: boolean,
    fin: boolean,
    buf: Uint8Array,
    start: number,
    end: number,
    fileBase: number,
  ): void {
    this.stats.segments++;
    if (syn) {
      this.nextSeq = (seq + 1) >>> 0;
      seq = (seq + 1) >>> 0;
    }
    if (fin) this.fin = true;
    const len = end - start;
    if (len <= 0) return;
    if (this.nextSeq < 0) this.nextSeq = seq;
    const d = (seq - this.nextSeq) | 0;
    if (d < 0) {
      if (d + len <= 0) {
        this.stats.retransmissions++;
        return;
      }
      this.stats.overlaps++;
      start -= d;
    } else if (d > 0) {
      this.stats.outOfOrder++;
      this.#held.push({ seq, data: buf.slice(start, end), frame: this.current });
      this.#heldBytes += len;
      if (this.#held.length > MAX_HELD_SEGMENTS || this.#heldBytes > MAX_HELD_BYTES) this.#skipGap();
      return;
    }
    this.#deliver(buf, start, end, fileBase, this.current);
    this.#drainHeld();
  }

  #drainHeld(): void {
    let progress = true;
    while (progress && this.#held.length > 0) {
      progress = false;
      for (let i = 0; i < this.#held.length; i++) {
        const h = this.#held[i]!;
        const d = (h.seq - this.nextSeq) | 0;
        if (d > 0) continue;
        this.#held.splice(i, 1);
        this.#heldBytes -= h.data.length;
        if (d + h.data.length > 0) {
          if (d < 0) this.stats.overlaps++;
          this.#deliver(h.data, -d, h.data.length, -1, h.frame);
        } else this.stats.retransmissions++;
        progress = true;
        break;
      }
    }
  }

  /** Declares a gap up to the earliest held segment and continues from there. */
  #skipGap(): void {
    if (this.#held.length === 0) return;
    let best = this.#held[0]!;
    for (const h of this.#held) if (((h.seq - this.nextSeq) | 0) < ((best.seq - this.nextSeq) | 0)) best = h;
    const missing = (best.seq - this.nextSeq) | 0;
    this.stats.gaps++;
    this.stats.gapBytes += missing;
    this.report({
      code: 'tcp-gap',
      severity: 'warning',
      layer: 'tcp',
      message: `TCP ${this.connection.describe(this)}: ${missing} bytes never captured before frame ${best.frame.frameNo}; a message across the gap is lost`,
    });
    this.consumer.gap(this, missing);
    this.#pendingLen = 0;
    this.#segs = [];
    this.pos += missing;
    this.#pendingPos = this.pos;
    this.nextSeq = best.seq;
    this.#drainHeld();
  }

  #deliver(buf: Uint8Array, start: number, end: number, fileBase: number, frame: FrameRef): void {
    const len = end - start;
    const pos0 = this.pos;
    this.#segs.push({ pos: pos0, end: pos0 + len, frame });
    this.pos += len;
    this.nextSeq = (this.nextSeq + len) >>> 0;
    if (this.#pendingLen === 0) {
      this.#pendingPos = pos0;
      const used = this.consumer.data(this, buf, start, end, pos0, fileBase);
      if (used < len) this.#append(buf, start + used, end);
      this.#pendingPos = pos0 + used;
    } else {
      this.#append(buf, start, end);
      const used = this.consumer.data(this, this.#pending, 0, this.#pendingLen, this.#pendingPos, -1);
      if (used > 0) {
        this.#pending.copyWithin(0, used, this.#pendingLen);
        this.#pendingLen -= used;
        this.#pendingPos += used;
      }
    }
    if (this.#pendingLen > MAX_PENDING) {
      this.report({
        code: 'tcp-stream-overflow',
        severity: 'warning',
        layer: 'tcp',
        message: `TCP ${this.connection.describe(this)}: more than ${MAX_PENDING} bytes without a complete message; dropped`,
      });
      this.#pendingPos += this.#pendingLen;
      this.#pendingLen = 0;
    }
    // Forget frames whose bytes were all consumed.
    let k = 0;
    while (k < this.#segs.length && this.#segs[k]!.end <= this.#pendingPos) k++;
    if (k > 0) this.#segs.splice(0, k);
  }

  #append(buf: Uint8Array, start: number, end: number): void {
    const need = this.#pendingLen + end - start;
    if (need > this.#pending.length) {
      const next = new Uint8Array(Math.max(need, this.#pending.length * 2, 4096));
      next.set(this.#pending.subarray(0, this.#pendingLen));
      this.#pending = next;
    }
    this.#pending.set(buf.subarray(start, end), this.#pendingLen);
    this.#pendingLen = need;
  }

  /** End of capture: declares remaining gaps and hands the unconsumed rest to the consumer. */
  flush(): void {
    while (this.#held.length > 0) this.#skipGap();
    this.consumer.end(this, this.#pending, 0, this.#pendingLen, this.#pendingPos);
    this.#pendingPos += this.#pendingLen;
    this.#pendingLen = 0;
    this.#segs = [];
  }

  /**
   * Continues a stream read elsewhere up to here (the ingest pass, capture/ingest-pass.ts): next
   * sequence number (-1: none yet) and stream position; nothing pending or held.
   */
  resume(nextSeq: number, pos: number): void {
    this.nextSeq = nextSeq;
    this.pos = pos;
    this.#pendingPos = pos;
  }

  /** Nothing pending (part of a message) nor held (segments after a gap). */
  get clean(): boolean {
    return this.#pendingLen === 0 && this.#held.length === 0;
  }

  /** Bytes waiting for the rest of a message (for tests). */
  get pendingBytes(): number {
    return this.#pendingLen;
  }
}

export class TcpConnection {
  /** [0] = the direction seen first (usually client → server), [1] = the other. */
  readonly dirs: [TcpDirection, TcpDirection];
  /** Free slot for consumers that coordinate both directions (WebSocket handshake, TLS). */
  kind: 'unknown' | 'sip' | 'ws' | 'tls' | 'other' | 'hep' = 'unknown';
  reportedTls = false;
  /** Frames every message of this connection depends on (the WebSocket upgrade handshake). */
  readonly contextFrames: FrameRef[] = [];
  /** First-sight order among the capture's connections (the end of capture flushes in this order). */
  serial = 0;

  constructor(
    makeConsumer: () => StreamConsumer,
    a: number,
    ap: number,
    b: number,
    bp: number,
    stats: TcpStats,
    report: (d: Diagnostic) => void,
    readonly names: (id: number) => string,
  ) {
    this.dirs = [
      new TcpDirection(makeConsumer(), a, ap, b, bp, this, stats, report),
      new TcpDirection(makeConsumer(), b, bp, a, ap, this, stats, report),
    ];
  }

  describe(d: TcpDirection): string {
    return `${this.names(d.src)}:${d.srcPort} → ${this.names(d.dst)}:${d.dstPort}`;
  }

  other(d: TcpDirection): TcpDirection {
    return this.dirs[0] === d ? this.dirs[1] : this.dirs[0];
  }
}

/** Slots of the recent-direction cache (a power of two). */
const RECENT = 16384;

/** All TCP connections of a capture, keyed by the 4-tuple. */
export class TcpReassembler {
  readonly #conns = new Map<string, TcpConnection>();
  readonly stats: TcpStats = {
    segments: 0,
    retransmissions: 0,
    overlaps: 0,
    outOfOrder: 0,
    gaps: 0,
    gapBytes: 0,
  };

  constructor(
    private readonly makeConsumer: () => StreamConsumer,
    private readonly report: (d: Diagnostic) => void,
    private readonly names: (id: number) => string,
  ) {}

  /**
   * Recently used directions by a hash of their 4-tuple (most segments skip the key string): room
   * for a capture of thousands of connections (the bench's 1 GB capture has ~15,000).
   */
  readonly #recent: (TcpDirection | undefined)[] = new Array<TcpDirection | undefined>(RECENT);

  /** The direction `src:sp → dst:dp`, created on first sight. */
  direction(src: number, sp: number, dst: number, dp: number): TcpDirection {
    let h = Math.imul(src ^ (sp << 16), 0x45d9f3b) ^ Math.imul(dst ^ (dp << 16), 0x2c1b3c6d);
    h = (h ^ (h >>> 15)) & (RECENT - 1);
    const r = this.#recent[h];
    if (r !== undefined && r.src === src && r.srcPort === sp && r.dst === dst && r.dstPort === dp) return r;
    const d = this.#direction(src, sp, dst, dp);
    this.#recent[h] = d;
    return d;
  }

  #direction(src: number, sp: number, dst: number, dp: number): TcpDirection {
    const k1 = `${src}:${sp}>${dst}:${dp}`;
    let c = this.#conns.get(k1) ?? this.miss?.(src, sp, dst, dp) ?? null;
    if (c) return c.dirs[0].src === src && c.dirs[0].srcPort === sp ? c.dirs[0] : c.dirs[1];
    c = this.add(src, sp, dst, dp);
    this.created?.(c);
    return c.dirs[0];
  }

  /** The connection `src:sp ↔ dst:dp` (either direction) when held here, else null (nothing created). */
  find(src: number, sp: number, dst: number, dp: number): TcpConnection | null {
    return this.#conns.get(`${src}:${sp}>${dst}:${dp}`) ?? null;
  }

  /**
   * Asked for a connection not held here before it is created: one read so far elsewhere (the
   * ingest pass) comes back built with {@link add} and its state, else null.
   */
  miss: ((src: number, sp: number, dst: number, dp: number) => TcpConnection | null) | null = null;
  /** Told of each connection created here on first sight. */
  created: ((c: TcpConnection) => void) | null = null;
  /** Where serial numbers come from while another reader also sees connections first (else counted here). */
  serial: (() => number) | null = null;
  #serials = 0;

  /** Serial numbers given so far by this reassembler's own count. */
  get serials(): number {
    return this.#serials;
  }

  /**
   * Adds the connection `a:ap ↔ b:bp`, first direction a → b (it must not be held yet), with its
   * first-sight `serial` when it was first seen elsewhere.
   */
  add(a: number, ap: number, b: number, bp: number, serial = -1): TcpConnection {
    const c = new TcpConnection(this.makeConsumer, a, ap, b, bp, this.stats, this.report, this.names);
    c.serial = serial >= 0 ? serial : this.serial !== null ? this.serial() : this.#serials++;
    this.#conns.set(`${a}:${ap}>${b}:${bp}`, c);
    this.#conns.set(`${b}:${bp}>${a}:${ap}`, c);
    return c;
  }

  get connections(): number {
    return this.#conns.size / 2;
  }

  /** Every connection, in first-sight order. */
  all(): TcpConnection[] {
    const seen = new Set<TcpConnection>(this.#conns.values());
    return [...seen].sort((x, y) => x.serial - y.serial);
  }

  flush(): void {
    for (const c of this.all()) {
      c.dirs[0].flush();
      c.dirs[1].flush();
    }
  }
}
