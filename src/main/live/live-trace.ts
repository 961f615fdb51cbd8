/**
 * A live trace: the core's {@link Trace} fed incrementally by a live source (lab sockets, HEP
 * listener, UDP mirror, interface capture), bounded as a ring, with batched change notifications
 * (at most ~10 per second, ARCHITECTURE.md "Live traces push small batched updates") and
 * save-as-pcapng at any time.
 *
 * Ring: when the window holds `limit` messages, the oldest quarter is dropped by rebuilding the
 * window from the newest messages (one re-parse per kept message, amortised to ~3 parses per
 * message). Each rebuild is announced as `reset: true` with the new {@link Trace}; the analysis
 * layer is attached to every window (transactions, dialogs and calls of the messages it holds).
 * `dropped` counts what the ring let go.
 *
 * Media: an interface capture hands its capture pipeline's RTP tracker ({@link LiveTrace.trackMedia});
 * the window's `trace.media` is a snapshot of it, taken at most once per `mediaMs` (default 1 s) while
 * RTP comes, so `call:media` and the calls list's media figures grow with the call (the media analysis
 * reruns on each snapshot, not per packet). The tracker keeps constant memory per stream and at most
 * its `maxStreams` streams (media/rtp-streams.ts); the ring does not drop streams.
 */
import type { Diagnostic } from '../../sip-core/diagnostic';
import { AddressTable } from '../../sip-core/capture/address';
import type { Reassembly, TransportName } from '../../sip-core/capture/provenance';
import { analysisOnAppend } from '../../sip-core/analysis';
import type { RtpTracker } from '../../sip-core/media/rtp-streams';
import { parseMessage } from '../../sip-core/message';
import { Trace } from '../../sip-core/trace/trace';
import {
  enhancedPacketBlock,
  pcapGlobalHeader,
  pcapngHeader,
  LINKTYPE_RAW,
  RotatingPcapngWriter,
  synthesizePacket,
  TcpSequencer,
  type PacketInput,
} from './pcapng-writer';
import { MediaSpool, type SpooledPacket } from './media-spool';
import { closeSync, openSync, writeSync } from 'node:fs';

/** One message as a live source reports it. */
export interface LiveMessage {
  /** The SIP message bytes are `buf[start, end)` (copied; the buffer may be reused afterwards). */
  buf: Uint8Array;
  start?: number;
  end?: number;
  timeUs: number;
  srcHost: string;
  srcPort: number;
  dstHost: string;
  dstPort: number;
  transport: TransportName;
  /** 'hep' for HEP, 'tcp' when framed from a stream; default 'none'. */
  reassembly?: Reassembly;
  /** Frame number when the source has one (interface capture); default: the message's sequence number. */
  frameNo?: number;
  hepCorrelationId?: string | null;
  diagnostics?: Diagnostic[] | null;
  /** Shown as the packet comment in saved pcapng (e.g. `lab: proxy -> bob`). */
  comment?: string;
}

/** A batched change notification. */
export interface LiveUpdate {
  /** Messages appended since the previous update. */
  added: number;
  /** Messages in the window now (`trace.count`). */
  count: number;
  /** Messages ever appended. */
  total: number;
  /** Messages the ring dropped, ever. */
  dropped: number;
  /** True when the window was rebuilt (ring compaction): `trace` is a new object. */
  reset: boolean;
  /** True when `trace.media` is a new snapshot (RTP came since the previous one). */
  media: boolean;
  trace: Trace;
}

export interface LiveTraceOptions {
  /** Name shown for the source, e.g. `HEP :9060`. */
  name: string;
  /** Source format for `trace.source.format`, e.g. `live-hep`, `live-lab`. */
  format: string;
  /** Most messages kept in the window (default 200,000). */
  limit?: number;
  /** Minimum time between update notifications (ms); default 100 (≤ 10/s). */
  batchMs?: number;
  /** Also write every message, as it comes, to this pcapng file (rotated by size). */
  pcap?: { path: string; maxBytes?: number } | null;
  /** Attach the analysis layer (transactions, dialogs, calls) to the window; default true. */
  analysis?: boolean;
  /** Minimum time between two snapshots of the RTP streams into `trace.media` (ms); default 1000. */
  mediaMs?: number;
  /**
   * Keep the tracked RTP/RTCP datagrams (to play and save them) in a temp spool of at most this many
   * octets (live/media-spool.ts; default 256 MiB); 0: not kept.
   */
  mediaKeepBytes?: number;
}

/** Per-message metadata kept next to the window so it can be rebuilt and saved. */
interface Kept {
  timeUs: number;
  src: number;
  srcPort: number;
  dst: number;
  dstPort: number;
  transport: TransportName;
  reassembly: Reassembly;
  frameNo: number;
  hep: string | null;
  diagnostics: Diagnostic[] | null;
  comment: string | undefined;
}

export class LiveTrace {
  readonly addresses = new AddressTable();
  readonly limit: number;
  #trace: Trace;
  #kept: Kept[] = [];
  #total = 0;
  #dropped = 0;
  #added = 0;
  #reset = false;
  #listeners: ((u: LiveUpdate) => void)[] = [];
  #each: ((trace: Trace, id: number, seq: number) => void)[] = [];
  #timer: NodeJS.Timeout | null = null;
  #lastEmit = 0;
  readonly #batchMs: number;
  readonly #name: string;
  readonly #format: string;
  readonly #analysis: boolean;
  #closed = false;
  readonly #mediaMs: number;
  #media: { tracker: RtpTracker; names: readonly string[] } | null = null;
  /** RTP or RTCP came since the last snapshot. */
  #mediaDirty = false;
  #mediaAt = 0;
  /** The rotating pcapng file, when asked for. */
  readonly pcap: RotatingPcapngWriter | null;
  #keepBytes: number;
  #spool: MediaSpool | null = null;
  #mediaFailure: string | null = null;

  constructor(opts: LiveTraceOptions) {
    this.limit = Math.max(4, opts.limit ?? 200_000);
    this.#batchMs = opts.batchMs ?? 100;
    this.#name = opts.name;
    this.#format = opts.format;
    this.#analysis = opts.analysis ?? true;
    this.#mediaMs = opts.mediaMs ?? 1000;
    this.#keepBytes = opts.mediaKeepBytes ?? 256 * 1024 * 1024;
    this.#trace = this.#newTrace();
    this.pcap = opts.pcap ? new RotatingPcapngWriter(opts.pcap.path, { maxBytes: opts.pcap.maxBytes }) : null;
  }

  #newTrace(): Trace {
    const t = new Trace(null, this.addresses.names, { name: this.#name, format: this.#format });
    // The analyzer follows appends (also the re-appends of a compaction), so `trace.analysis`
    // always describes the window.
    if (this.#analysis) t.onAppend(analysisOnAppend());
    return t;
  }

  /** The current window. A new object after each ring compaction (see {@link LiveUpdate.reset}). */
  get trace(): Trace {
    return this.#trace;
  }
  /** Messages ever appended. */
  get total(): number {
    return this.#total;
  }
  /** Messages dropped by the ring. */
  get dropped(): number {
    return this.#dropped;
  }
  /** Sequence number (0-based, over the whole run) of the window's message 0. */
  get base(): number {
    return this.#total - this.#trace.count;
  }

  /** Subscribes to batched updates; returns the unsubscribe function. */
  onUpdate(fn: (u: LiveUpdate) => void): () => void {
    this.#listeners.push(fn);
    return () => {
      this.#listeners = this.#listeners.filter((l) => l !== fn);
    };
  }

  /**
   * Calls `fn` synchronously for every message added from now on (the CLI prints them); `id` is
   * the message's id in `trace`. Prefer {@link onUpdate} for views. Returns the unsubscribe function.
   */
  onMessage(fn: (trace: Trace, id: number, seq: number) => void): () => void {
    this.#each.push(fn);
    return () => {
      this.#each = this.#each.filter((l) => l !== fn);
    };
  }

  /** Appends one message; returns its sequence number over the whole run. */
  add(m: LiveMessage): number {
    const start = m.start ?? 0;
    const end = m.end ?? m.buf.length;
    const seq = this.#total;
    if (this.#closed) return seq;
    if (this.#trace.count >= this.limit) this.#compact();
    const k: Kept = {
      timeUs: Math.trunc(m.timeUs),
      src: this.addresses.name(m.srcHost),
      srcPort: m.srcPort,
      dst: this.addresses.name(m.dstHost),
      dstPort: m.dstPort,
      transport: m.transport,
      reassembly: m.reassembly ?? 'none',
      frameNo: m.frameNo ?? seq + 1,
      hep: m.hepCorrelationId ?? null,
      diagnostics: m.diagnostics ?? null,
      comment: m.comment,
    };
    this.#append(m.buf, start, end, k);
    this.#kept.push(k);
    this.#total++;
    this.#added++;
    this.pcap?.write({
      timeUs: k.timeUs,
      srcHost: m.srcHost,
      srcPort: m.srcPort,
      dstHost: m.dstHost,
      dstPort: m.dstPort,
      transport: m.transport,
      payload: m.buf.subarray(start, end),
      comment: m.comment,
    });
    for (const l of this.#each) l(this.#trace, this.#trace.count - 1, seq);
    this.#schedule();
    return seq;
  }

  #append(buf: Uint8Array, start: number, end: number, k: Kept): void {
    const msg = parseMessage(buf, start, end);
    const t = this.#trace;
    if (k.diagnostics) for (const d of k.diagnostics) t.countDiagnostic(d.code);
    for (const d of msg.diagnostics) t.countDiagnostic(d.code);
    t.append(buf, start, end, msg, {
      frameNo: k.frameNo,
      timeUs: k.timeUs,
      src: k.src,
      srcPort: k.srcPort,
      dst: k.dst,
      dstPort: k.dstPort,
      transport: k.transport,
      reassembly: k.reassembly,
      rawOffset: -1,
      frames: [{ frameNo: k.frameNo, recordOffset: -1, recordLength: 0 }],
      diagnostics: k.diagnostics,
      hepCorrelationId: k.hep,
    });
    const s = t.source;
    s.frames = t.count;
    s.bytes += end - start;
    const secs = k.timeUs / 1e6;
    if (s.firstTime === null) s.firstTime = secs;
    s.lastTime = secs;
    s.duration = Math.round((secs - s.firstTime) * 1e6) / 1e6;
  }

  #compact(): void {
    const old = this.#trace;
    const n = old.count;
    const drop = Math.max(1, Math.floor(this.limit / 4));
    const next = this.#newTrace();
    next.fileDiagnostics = old.fileDiagnostics;
    next.media = old.media;
    next.source.undecoded = old.source.undecoded;
    this.#trace = next;
    const keptOld = this.#kept;
    this.#kept = keptOld.slice(drop);
    for (let id = drop; id < n; id++) {
      const raw = old.raw(id);
      this.#append(raw, 0, raw.length, keptOld[id]!);
    }
    this.#dropped += drop;
    this.#reset = true;
    old.close();
  }

  /**
   * Follows an RTP tracker (the capture pipeline's; address ids named through `names`): the window's
   * `trace.media` becomes its snapshot, refreshed after {@link mediaChanged}.
   */
  trackMedia(tracker: RtpTracker, names: readonly string[]): void {
    this.#media = { tracker, names };
    if (this.#keepBytes <= 0 && !this.pcap) return;
    // What the tracker takes (RTP and RTCP) is also kept, to be played and saved: the tracker's
    // datagram is wrapped here, so every live source that hands its tracker gets it.
    const pcap = this.pcap;
    const take = tracker.datagram.bind(tracker);
    tracker.datagram = (src, sport, dst, dport, buf, ps, pend, timeUs, frameNo): boolean => {
      if (!take(src, sport, dst, dport, buf, ps, pend, timeUs, frameNo)) return false;
      if (this.#closed) return true;
      // The spool's files are made with the first datagram (a source without RTP leaves none).
      if (this.#spool === null && this.#keepBytes > 0)
        try {
          this.#spool = new MediaSpool({ maxBytes: this.#keepBytes });
        } catch (e) {
          // No temp dir to keep it in: the capture goes on without (the player says why).
          this.#keepBytes = 0;
          this.#mediaFailure = e instanceof Error ? e.message : String(e);
        }
      this.#spool?.write(names, src, sport, dst, dport, buf, ps, pend, timeUs);
      pcap?.write({
        timeUs,
        srcHost: names[src] ?? '?',
        srcPort: sport,
        dstHost: names[dst] ?? '?',
        dstPort: dport,
        transport: 'UDP',
        payload: buf.subarray(ps, pend),
      });
      return true;
    };
  }

  /** The kept media (the tracked RTP/RTCP datagrams), or null when none is kept. */
  get spool(): MediaSpool | null {
    return this.#spool;
  }

  /** Why the media is not (or no longer) kept, when keeping it failed; null otherwise. */
  get mediaFailure(): string | null {
    return this.#mediaFailure ?? this.#spool?.failure ?? null;
  }

  /** The source offered the tracker datagrams: a new snapshot is due (at most one per `mediaMs`). */
  mediaChanged(): void {
    if (this.#closed || !this.#media) return;
    this.#mediaDirty = true;
    this.#schedule();
  }

  /** Takes the tracker's snapshot into the window now (when RTP came since the last). */
  #snapshotMedia(): boolean {
    const m = this.#media;
    if (!m || !this.#mediaDirty) return false;
    this.#mediaDirty = false;
    this.#mediaAt = Date.now();
    if (m.tracker.size === 0) return false;
    this.#trace.media = m.tracker.snapshot(m.names);
    return true;
  }

  #schedule(): void {
    if (this.#timer || this.#listeners.length === 0) return;
    let due = this.#lastEmit + this.#batchMs;
    // RTP alone: the next media snapshot's time.
    if (this.#added === 0 && !this.#reset) due = Math.max(due, this.#mediaAt + this.#mediaMs);
    const wait = Math.max(0, due - Date.now());
    this.#timer = setTimeout(() => this.flushUpdates(), wait);
    this.#timer.unref();
  }

  /** Sends the pending update now (also called on stop, so the last messages are announced). */
  flushUpdates(): void {
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    const now = Date.now();
    const media =
      this.#mediaDirty && (this.#closed || now >= this.#mediaAt + this.#mediaMs) && this.#snapshotMedia();
    if (this.#added === 0 && !this.#reset && !media) {
      if (this.#mediaDirty) this.#schedule();
      return;
    }
    this.#lastEmit = now;
    const u: LiveUpdate = {
      added: this.#added,
      count: this.#trace.count,
      total: this.#total,
      dropped: this.#dropped,
      reset: this.#reset,
      media,
      trace: this.#trace,
    };
    this.#added = 0;
    this.#reset = false;
    for (const l of this.#listeners) l(u);
    // SIP came before the media snapshot was due: it follows on its own.
    if (this.#mediaDirty) this.#schedule();
  }

  /** Records a source-level problem (e.g. undecodable HEP) on the trace. */
  diagnostic(d: Diagnostic): void {
    const list = this.#trace.fileDiagnostics;
    if (list.length < 1000) list.push(d);
  }

  /** Counts something the source could not use, by kind (shown as `source.undecoded`). */
  countUndecoded(kind: string, n = 1): void {
    const u = this.#trace.source.undecoded;
    u[kind] = (u[kind] ?? 0) + n;
  }

  /** The window's messages as packets (for saving). */
  *packets(): Generator<PacketInput> {
    for (let id = 0; id < this.#trace.count; id++) yield this.packet(id);
  }

  /** Message `id` of the window as a packet. */
  packet(id: number): PacketInput {
    const k = this.#kept[id]!;
    const names = this.addresses.names;
    return {
      timeUs: k.timeUs,
      srcHost: names[k.src]!,
      srcPort: k.srcPort,
      dstHost: names[k.dst]!,
      dstPort: k.dstPort,
      transport: k.transport,
      payload: this.#trace.raw(id),
      comment: k.comment,
    };
  }

  /**
   * Saves the current window as a pcapng file, with the kept media between its messages in time order;
   * returns the number of messages written.
   */
  async save(path: string): Promise<number> {
    const count = this.#trace.count;
    const fd = openSync(path, 'w');
    try {
      writeCapture('pcapng', this.packets(), this.#spool?.all() ?? [], (b) => writeSync(fd, b));
    } finally {
      closeSync(fd);
    }
    return count;
  }

  /** Stops accepting messages, announces the last batch and closes the pcapng file. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.flushUpdates();
    this.pcap?.close();
  }

  /** Deletes the kept media (its capture was closed): nothing more is kept, nothing can be played. */
  releaseMedia(): void {
    this.#spool?.close();
    this.#keepBytes = 0;
  }
}

/**
 * A pcap or pcapng file (LINKTYPE_RAW) of SIP messages (synthesized packets) and kept media packets,
 * merged by capture time (each list in time order); written through `write`.
 */
export function writeCapture(
  format: 'pcap' | 'pcapng',
  sip: Iterable<PacketInput>,
  media: Iterable<SpooledPacket>,
  write: (b: Uint8Array) => void,
): { sip: number; media: number } {
  const seqs = new TcpSequencer();
  const put = (timeUs: number, data: Uint8Array, comment?: string): void => {
    if (format === 'pcapng') write(enhancedPacketBlock(timeUs, data, comment));
    else {
      const rec = new Uint8Array(16);
      const v = new DataView(rec.buffer);
      const t = Math.max(0, Math.trunc(timeUs));
      v.setUint32(0, Math.floor(t / 1e6), true);
      v.setUint32(4, t % 1e6, true);
      v.setUint32(8, data.length, true);
      v.setUint32(12, data.length, true);
      write(rec);
      write(data);
    }
  };
  if (format === 'pcapng') write(pcapngHeader('sipscope', 'sipscope'));
  else write(pcapGlobalHeader(LINKTYPE_RAW));
  const n = { sip: 0, media: 0 };
  const s = sip[Symbol.iterator]();
  const m = media[Symbol.iterator]();
  let a = s.next();
  let b = m.next();
  while (!a.done || !b.done) {
    if (!a.done && (b.done || a.value.timeUs <= b.value.timeUs)) {
      put(a.value.timeUs, synthesizePacket(a.value, seqs), a.value.comment);
      n.sip++;
      a = s.next();
    } else if (!b.done) {
      put(b.value.timeUs, b.value.data);
      n.media++;
      b = m.next();
    }
  }
  return n;
}
