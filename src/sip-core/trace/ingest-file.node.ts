/**
 * Reads a capture file into a trace in this thread (the CLI; the ingest worker calls it too):
 * chunked reads, gzip, progress and cancellation between chunks.
 */
import { readFileSync } from 'node:fs';
import type { SplitRole } from '../capture/pipeline';
import { CaptureFile, zlibInflate } from '../capture/reader/file-source.node.js';
import { nodeTlsCrypto } from '../capture/tls/crypto.node.js';
import type { TlsKeyLog } from '../capture/tls/keylog';
import { defaultKeylog } from '../capture/tls/keylog-file.node.js';
import { findPcapSplit, splitFraction, statefulShare } from '../capture/reader/split';
import { HandoffWriter, mergeHandoffChunks } from '../capture/reader/handoff';
import {
  failedConnections,
  speculatedTcp,
  speculationVerdict,
  type Speculation,
  type SpeculationVerdict,
} from '../capture/split-tcp';
import { newFrameInfo } from '../capture/reader/frame';
import { isStatelessUdp } from '../capture/pipeline';
import type { AddressTable } from '../capture/address';
import type { Diagnostic } from '../diagnostic';
import type { IngestStats } from '../capture/pipeline';
import { scanArena } from '../message/fast-scan';
import { ingestPassArena, ingestPassAvailable } from '../capture/ingest-pass';
import { Trace, type AppendListener } from './trace';
import { applyVerdict, mergeStats, mergeTraceStatesShared } from './trace-merge';
import { gzipCorrupt, TraceIngest, type IngestResult } from './trace-builder';

export interface IngestFileOptions {
  onProgress?: (done: number, total: number) => void;
  /** Checked between chunks; when it returns true the ingest stops (result `cancelled`). */
  cancelled?: () => boolean;
  onAppend?: AppendListener;
  chunkSize?: number;
  /** Parse every message at ingest (default true); false = index scan only (see TraceBuilder). */
  parse?: boolean;
  lint?: boolean;
  /** This ingest's part of a two-part ingest (see `planSplit`). */
  split?: SplitRole | null;
  /**
   * Called after each chunk of input with the growing trace (a worker posts its new rows from here:
   * `Trace.shareRows`); in a two-part ingest's head part also after each chunk of handed-over frames.
   * `at` tells a split part's position (see {@link ChunkPosition}).
   */
  onChunk?: (trace: Trace, at: ChunkPosition) => void;
  /** How the frames the tail part leaves to the head part travel between them (see {@link HandoffLink}). */
  handoff?: HandoffLink | null;
  /**
   * Called as a split ingest's part ends a phase: 'read' (its own records read: for the head, with
   * where the cut fell, see {@link CutInfo}), 'handoff' (head: the tail's frames decoded, waits
   * included). A worker hands its rows over at 'read' and times the phases.
   */
  onPhase?: (phase: 'read' | 'handoff', cut: CutInfo | null, trace: Trace, at: ChunkPosition) => void;
  /**
   * TLS secrets to decrypt with (a key log file: capture/tls/keylog.ts; default: the process's,
   * tls/keylog-file.node.ts); the file's own Decryption Secrets Blocks are read anyway.
   */
  keylog?: TlsKeyLog | null;
}

/** Where the head part found the cut: frames before it, and whether it was a record boundary. */
export interface CutInfo {
  framesBeforeSplit: number;
  atBoundary: boolean;
}

/** A split part's position when `onChunk` is called. */
export interface ChunkPosition {
  /** Records read so far by this part (the tail's are counted from the cut). */
  readonly framesRead: number;
  /**
   * Head part: the smallest emission frame a message appended later can have (the frame after the
   * one being read; 0xffffffff after the end).
   */
  readonly frontier: number;
}

/**
 * The channel between the two parts of a split ingest (capture/reader/handoff.ts): the tail `send`s
 * chunks of the frames it does not decode as it reads, then null; the head, once it has read up to
 * the cut, `receive`s them in order (waiting for the next one; null at the end or when cancelled).
 */
export interface HandoffLink {
  send?: (chunk: Uint8Array | null) => void;
  receive?: () => Uint8Array | null;
  /**
   * Head part with a speculating tail (`SplitRole.speculate`), after the last chunk: the tail's
   * speculation (null when it has none: then it handed every TCP frame over, or was cancelled).
   */
  speculation?: () => Speculation | null;
  /** Head part: its verdict on the tail's speculation, for the tail (it drops the rows that failed). */
  verdict?: (v: SpeculationVerdict) => void;
}

export interface IngestFileResult extends IngestResult {
  /** The open file (raw bytes are read back from it): close it when the trace is no longer used. */
  file: CaptureFile;
  cancelled: boolean;
  /**
   * Head part of a split ingest: emission frames, frames before the cut, whether the cut held, and
   * its address table (for the merge: see `HeadPart.addressTable`).
   */
  split: {
    emitted: Uint32Array;
    framesBeforeSplit: number;
    atBoundary: boolean;
    addressTable: AddressTable;
    /** The verdict on the tail's speculation, when it had one. */
    verdict: SpeculationVerdict | null;
  } | null;
  /** Tail part speculating on TCP: what the head checks (null when its pass read no TCP). */
  speculation: Speculation | null;
}

/** Smallest file worth cutting in two (below it, one pass is as fast as starting a second worker). */
export const SPLIT_MIN_BYTES = 32 * 1024 * 1024;
/** Where the share of stateful frames is sampled, as a fraction of the file, and how many bytes. */
const SAMPLE_AT = 0.35;
const SAMPLE_BYTES = 2 * 1024 * 1024;

/**
 * Where to cut `path` for a two-part ingest: a record boundary of a classic pcap file (not
 * compressed, at least SPLIT_MIN_BYTES), or null when it cannot be cut (pcapng, gzip, small). The
 * place balances the two workers' work (`splitFraction`): the share of frames the head must decode
 * after the cut (TCP, fragments, tunnels) is sampled from 2 MB of records in the file; `near` (a byte
 * offset) overrides it.
 */
export function planSplit(path: string, o: { minBytes?: number; near?: number } = {}): number | null {
  const f = new CaptureFile(path);
  try {
    if (f.size < (o.minBytes ?? SPLIT_MIN_BYTES) || f.size < 64 || f.gzip) return null;
    const header = f.head(24);
    let near = o.near;
    if (near === undefined) {
      let t = 0;
      const s0 = Math.max(24, Math.floor(f.size * SAMPLE_AT));
      const sample = f.readAt(s0, Math.min(SAMPLE_BYTES, f.size - s0));
      const b = findPcapSplit(header, sample.subarray(0, Math.min(sample.length, 1024 * 1024)), s0, f.size);
      if (b >= s0) {
        const linkType = new DataView(header.buffer, header.byteOffset, 24).getUint32(
          20,
          header[0] === 0xd4 || header[0] === 0x4d,
        );
        const net = { etherType: 0, offset: 0, vlans: 0 };
        t =
          statefulShare(
            header,
            sample.subarray(b - s0),
            // (the tail decodes TCP too, speculatively: only what it still hands over weighs on the head)
            (buf, st, en) =>
              isStatelessUdp(linkType & 0xffff, buf, st, en, net) ||
              speculatedTcp(linkType & 0xffff, buf, st, en),
          ) ?? 0;
      }
      near = f.size * splitFraction(t);
    }
    near = Math.max(24, Math.min(f.size - 1, Math.floor(near)));
    const win = f.readAt(near, Math.min(1024 * 1024, f.size - near));
    const at = findPcapSplit(header, win, near, f.size);
    return at > 24 && at < f.size ? at : null;
  } finally {
    f.close();
  }
}

/**
 * The two parts of a split ingest run one after the other in this thread (the tail first, its
 * handed-over frames kept in memory), merged as the two workers share the merge
 * (`mergeTraceStatesShared`: tests, and a check of what the two workers give). Falls back to the head
 * alone when the cut was not a record boundary.
 */
export async function ingestSplitInThread(
  path: string,
  offset: number,
  opts: IngestFileOptions = {},
): Promise<{
  trace: Trace;
  diagnostics: Diagnostic[];
  stats: IngestStats | null;
  merged: boolean;
  /** The head's verdict on the tail's TCP speculation (null: the tail's pass read no TCP). */
  verdict?: SpeculationVerdict | null;
}> {
  const chunks: Uint8Array[] = [];
  const tail = await ingestCaptureFile(path, {
    ...opts,
    split: { role: 'tail', offset, speculate: true },
    handoff: { send: (c) => void (c && chunks.push(c.slice())) },
  });
  tail.file.close();
  let next = 0;
  let verdict: SpeculationVerdict | null = null;
  const head = await ingestCaptureFile(path, {
    ...opts,
    split: { role: 'head', offset, speculate: true },
    handoff: {
      receive: () => chunks[next++] ?? null,
      speculation: () => tail.speculation,
      verdict: (v) => void (verdict = v),
    },
  });
  const hs = head.split!;
  if (!hs.atBoundary || hs.framesBeforeSplit < 0) {
    return { trace: head.trace, diagnostics: head.diagnostics, stats: head.stats, merged: false };
  }
  const tailState = tail.trace.exportState();
  if (verdict !== null && tail.speculation !== null)
    applyVerdict(tailState, tail.stats, tail.speculation, verdict);
  const state = mergeTraceStatesShared(
    {
      state: head.trace.exportState(),
      emitted: hs.emitted,
      framesBeforeSplit: hs.framesBeforeSplit,
      stats: head.stats,
      addressTable: hs.addressTable,
    },
    { state: tailState, stats: tail.stats },
  );
  const trace = Trace.fromState(state, head.file.readAt);
  trace.setCloser(() => head.file.close());
  return {
    trace,
    diagnostics: state.fileDiagnostics,
    stats: mergeStats(head.stats, tail.stats),
    merged: true,
    verdict,
  };
}

/**
 * The frames of the tail's connections that failed its head's check (split-tcp.ts), read back from
 * the file, as handed-over chunks in frame order (numbered from 1 at the cut, as the tail's are).
 */
function redoChunks(file: CaptureFile, s: Speculation, v: SpeculationVerdict): Uint8Array[] {
  const out: Uint8Array[] = [];
  if (v.failed.length === 0) return out;
  const failed = failedConnections(v);
  const w = new HandoffWriter((c) => out.push(c));
  const info = newFrameInfo(1);
  for (let i = 0; i < s.frame.length; i++) {
    if (!failed(s.src[i]!, s.dst[i]!, s.ports[i]!)) continue;
    const cap = s.capLen[i]!;
    const off = s.recOff[i]!;
    info.frameNo = s.frame[i]!;
    info.timeUs = s.timeUs[i]!;
    info.recordOffset = off;
    info.recordLength = 16 + cap;
    info.dataOffset = off + 16;
    info.capLen = cap;
    info.origLen = cap; // the pass takes only frames captured whole
    w.add(file.readAt(off + 16, cap), 0, cap, info);
  }
  w.finish();
  return out;
}

/** True when `h` (a file's first 4 bytes) is a classic pcap magic number, either byte order, µs or ns. */
function isClassicPcap(h: Uint8Array): boolean {
  if (h.length < 4) return false;
  const m = ((h[0]! << 24) | (h[1]! << 16) | (h[2]! << 8) | h[3]!) >>> 0;
  return m === 0xa1b2c3d4 || m === 0xd4c3b2a1 || m === 0xa1b23c4d || m === 0x4d3cb2a1;
}

/**
 * Tests only (`SIPSCOPE_TEST_READ_HOLD=FILE`: test/main/tui/tui-reading.test.ts): before each chunk that starts
 * at or past the share of the file FILE holds (a number from 0 to 1), the read waits — 20 ms at a time,
 * at most 60 s in all — until FILE says more or is gone; so a test sees the capture still being read
 * for as long as it needs. After 200 ms of a wait it calls `waiting` (the progress said again, past
 * the worker's 100 ms between progress events and after the rows of the chunks read were handed over:
 * a host counting calls from its progress shows them). It stops holding when the read is cancelled
 * (`cancelled`) and when FILE holds no number (empty, or not a number: nothing held). Null (nothing
 * done) without the variable.
 */
function readHold(
  cancelled: (() => boolean) | undefined,
): ((share: number, waiting: () => void) => void) | null {
  const path = process.env.SIPSCOPE_TEST_READ_HOLD;
  if (!path) return null;
  const nap = new Int32Array(new SharedArrayBuffer(4));
  let waited = 0;
  return (share, waiting) => {
    let here = 0;
    while (waited < 60_000) {
      let limit: number;
      try {
        const text = readFileSync(path, 'utf8').trim();
        limit = text === '' ? NaN : Number(text);
      } catch {
        return;
      }
      if (!(share >= limit) || cancelled?.()) return;
      if (here === 200) waiting();
      Atomics.wait(nap, 0, 0, 20);
      waited += 20;
      here += 20;
    }
  };
}

/** Ingests a capture file; never throws for damaged content (only for a file that cannot be opened). */
export async function ingestCaptureFile(
  path: string,
  opts: IngestFileOptions = {},
): Promise<IngestFileResult> {
  const file = new CaptureFile(path);
  const gz = file.gzip;
  const handoff =
    opts.split?.role === 'tail' && opts.handoff?.send
      ? new HandoffWriter((c) => opts.handoff!.send!(c))
      : null;
  const ing = new TraceIngest({
    name: path.split(/[\\/]/).pop() ?? path,
    size: file.size,
    readAt: gz ? null : file.readAt,
    inflate: zlibInflate,
    tlsCrypto: nodeTlsCrypto,
    keylog: opts.keylog !== undefined ? opts.keylog : defaultKeylog(),
    compression: gz ? 'gzip' : null,
    onAppend: opts.onAppend,
    parse: opts.parse ?? true,
    lint: opts.lint ?? false,
    split: opts.split ?? null,
    handoff,
  });
  const tail = opts.split?.role === 'tail' ? opts.split.offset : 0;
  const cut = opts.split?.role === 'head' ? opts.split.offset : 0;
  if (tail > 0) {
    // The file header, then the records from the cut.
    ing.push(file.head(24));
    ing.decoder.skipTo(tail);
  }
  let cancelled = false;
  let lastReport = 0;
  const report = (done: number): void => {
    if (!opts.onProgress) return;
    if (done - lastReport >= 4 * 1024 * 1024 || done === file.size) {
      lastReport = done;
      opts.onProgress(done, file.size);
    }
  };
  let framesBeforeSplit = -1;
  let atBoundary = false;
  let verdict: SpeculationVerdict | null = null;
  const position: ChunkPosition = {
    get framesRead() {
      return ing.decoder.reader?.frames ?? 0;
    },
    get frontier() {
      const f = ing.decoder.pipeline.currentFrame;
      return f === 0xffffffff ? f : f + 1;
    },
  };
  if (!gz) {
    // Read into the scanner's arena: messages are then scanned where they lie, not copied first. An
    // index ingest of a classic pcap file reads into the ingest pass's arena instead (a scanner
    // instance of its own), which walks the records and scans the common frames in one call
    // (capture/ingest-pass.ts); other frames are scanned from there by copy.
    const arena =
      !(opts.parse ?? true) && ingestPassAvailable() && isClassicPcap(file.head(4))
        ? ingestPassArena
        : scanArena;
    const hold = readHold(opts.cancelled);
    /** Pushes the file's bytes [from, to); false when cancelled or when the reader stopped. */
    const read = (from: number, to: number): boolean => {
      let done = from;
      for (const chunk of file.chunks(opts.chunkSize, from, arena, to)) {
        hold?.(done / file.size, () => opts.onProgress?.(done, file.size));
        if (opts.cancelled?.()) {
          cancelled = true;
          return false;
        }
        done += chunk.length;
        ing.push(chunk, done >= file.size);
        report(done);
        opts.onChunk?.(ing.trace, position);
        if (ing.stopped) return false;
      }
      return true;
    };
    if (cut > 0 && cut < file.size && opts.handoff?.receive) {
      // Head part: the records before the cut; then, when the cut is a record boundary, the frames
      // the tail handed over; else the rest of the file (the head alone is then the whole result).
      // A head without a link to its tail reads the whole file (nothing to merge: atBoundary false).
      if (read(0, cut)) {
        if (ing.decoder.offset === cut && ing.decoder.reader !== null) {
          atBoundary = true;
          framesBeforeSplit = ing.decoder.reader.frames;
          opts.onPhase?.('read', { framesBeforeSplit, atBoundary }, ing.trace, position);
          const receive = opts.handoff.receive;
          const p = ing.decoder.pipeline;
          if (opts.split?.speculate && opts.handoff.speculation) {
            // The tail decoded TCP speculatively: its handed frames are decoded once the check says
            // which of its connections this part decodes again (their frames read back from the file),
            // all in frame order.
            const handed: Uint8Array[] = [];
            for (let c = receive(); c !== null; c = receive()) handed.push(c);
            cancelled = opts.cancelled?.() ?? false;
            const spec = cancelled ? null : opts.handoff.speculation();
            let chunks = handed;
            if (spec !== null) {
              verdict = speculationVerdict(spec, p.checkSpeculation(spec));
              opts.handoff.verdict?.(verdict);
              chunks = mergeHandoffChunks(handed, redoChunks(file, spec, verdict));
            }
            for (const c of chunks) {
              if (opts.cancelled?.()) {
                cancelled = true;
                break;
              }
              p.handoffFrames(c, framesBeforeSplit);
              opts.onChunk?.(ing.trace, position);
            }
          } else
            for (let c = receive(); c !== null; c = receive()) {
              if (opts.cancelled?.()) {
                cancelled = true;
                break;
              }
              p.handoffFrames(c, framesBeforeSplit);
              opts.onChunk?.(ing.trace, position);
            }
          opts.onPhase?.('handoff', null, ing.trace, position);
          report(file.size);
        } else {
          opts.onPhase?.('read', { framesBeforeSplit: -1, atBoundary: false }, ing.trace, position);
          read(cut, file.size);
        }
      }
    } else {
      try {
        read(tail, file.size);
        opts.onPhase?.('read', null, ing.trace, position);
      } finally {
        if (handoff) {
          // The tail's last frames, then the end: the head waits for it.
          handoff.finish();
          opts.handoff!.send!(null);
        }
      }
    }
  } else {
    let inBytes = 0;
    try {
      for await (const chunk of file.gunzipChunks()) {
        if (opts.cancelled?.()) {
          cancelled = true;
          break;
        }
        ing.push(chunk);
        inBytes += chunk.length;
        report(Math.min(file.size, Math.round(inBytes / 4)));
        if (ing.stopped) break;
      }
    } catch (e) {
      ing.decoder.pipeline.diagnostic(gzipCorrupt(inBytes, e instanceof Error ? e.message : String(e)));
    }
    report(file.size);
  }
  const r = ing.finish();
  r.trace.setCloser(() => file.close());
  const split =
    opts.split?.role === 'head'
      ? {
          emitted: ing.emitted!,
          framesBeforeSplit,
          atBoundary,
          addressTable: ing.decoder.pipeline.addresses,
          verdict,
        }
      : null;
  return { ...r, file, cancelled, split, speculation: ing.decoder.pipeline.speculation };
}
