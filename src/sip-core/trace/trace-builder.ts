/**
 * Builds a {@link Trace} from capture bytes: the capture pipeline's messages are parsed once
 * ([message] `parseMessage`) and appended; listeners (the analysis layer) index them as they arrive.
 */
import type { Diagnostic } from '../diagnostic';
import { CaptureDecoder } from '../capture/capture-decoder';
import type { CapturePipeline, IngestStats, MessageMeta, MessageSink, SplitRole } from '../capture/pipeline';
import { linkTypeName } from '../capture/link/link-decode';
import type { Inflate } from '../capture/unwrap/hep';
import type { TlsKeyLog } from '../capture/tls/keylog';
import { dtlsCaptureDiagnostics } from '../media/dtls-srtp';
import type { TlsCrypto } from '../capture/tls/tls-crypto';
import type { AddressTable } from '../capture/address';
import type { HandoffWriter } from '../capture/reader/handoff';
import { frameStream, frameDatagram } from '../capture/sip-framing';
import { lintMessage, parseMessage } from '../message';
import { indexScanSpans, newIndexSpans, type IndexSpans } from '../capture/sip-index';
import { P_STRIDE, P_TYPE, T_TCP_MORE, T_TCP_NONE } from '../capture/ingest-pass';
import type { ReadAt } from './raw-store';
import { Trace, type AppendListener } from './trace';

/** Parses each message of the pipeline and appends it to the trace. */
export class TraceBuilder implements MessageSink {
  /**
   * @param parse parse every message at ingest (to count parser diagnostics); it is parsed anyway
   * when the trace has append listeners (the analysis layer).
   * @param lint also run the message lint rules ([message] `lintMessage`) and count their codes.
   */
  constructor(
    readonly trace: Trace,
    readonly parse = true,
    readonly lint = false,
  ) {}

  readonly #spans: IndexSpans = newIndexSpans();
  /** Head part of a split ingest: per message, the frame being read when it was emitted. */
  emitted: Uint32Array | null = null;
  pipeline: CapturePipeline | null = null;

  #recordEmission(id: number): void {
    let e = this.emitted!;
    if (id >= e.length) {
      const g = new Uint32Array(Math.max(1024, e.length * 2));
      g.set(e);
      this.emitted = e = g;
    }
    e[id] = this.pipeline!.currentFrame;
  }

  takesPassRows(): boolean {
    return !this.parse && !this.trace.hasListeners && this.trace.canReadFile;
  }

  passRows(
    buf: Uint8Array,
    t: Int32Array,
    r0: number,
    r1: number,
    base: number,
    ns: boolean,
    frame0: number,
    linkType: number,
    addrs: AddressTable,
  ): void {
    const id = this.trace.appendPassRows(buf, t, r0, r1, linkType, addrs);
    if (this.emitted) {
      let e = this.emitted;
      const n = r1 - r0;
      if (id + n > e.length) {
        const g = new Uint32Array(Math.max(1024, e.length * 2, id + n));
        g.set(e);
        this.emitted = e = g;
      }
      // Each message is emitted while its own frame is read (a TCP segment's messages share one).
      let k = id;
      let f = frame0 - 1;
      for (let o = r0 * P_STRIDE, end = r1 * P_STRIDE; o < end; o += P_STRIDE) {
        const ty = t[o + P_TYPE]!;
        if (ty !== T_TCP_MORE) f++;
        if (ty !== T_TCP_NONE) e[k++] = f;
      }
    }
  }

  message(buf: Uint8Array, start: number, end: number, meta: MessageMeta): void {
    const t = this.trace;
    if (meta.diagnostics) for (const d of meta.diagnostics) t.countDiagnostic(d.code);
    if (!this.parse && !t.hasListeners) {
      // Index only: the fields the trace keeps; full headers are parsed when a view asks.
      const id = t.appendIndexed(buf, start, end, indexScanSpans(buf, start, end, this.#spans), meta);
      if (this.emitted) this.#recordEmission(id);
      return;
    }
    const msg = parseMessage(buf, start, end);
    const diags = this.lint ? lintMessage(msg) : msg.diagnostics;
    for (const d of diags) t.countDiagnostic(d.code);
    const id = t.append(buf, start, end, msg, meta);
    if (this.emitted) this.#recordEmission(id);
    if (this.lint)
      t.setMessageCodes(
        id,
        diags.map((d) => d.code),
      );
  }
}

export interface IngestOptions {
  /** File or upload name, for the source block. */
  name: string;
  /** Total size in bytes (of the file as stored, compressed or not). */
  size: number;
  /** Reads raw bytes back from the (uncompressed) capture stream by offset; null = keep bytes in memory. */
  readAt: ReadAt | null;
  inflate?: Inflate | null;
  compression?: 'gzip' | null;
  /** Listeners registered before the first message. */
  onAppend?: AppendListener;
  /** Parse every message at ingest (default true); false = index scan only, unless listeners need messages. */
  parse?: boolean;
  /** This ingest's part of a two-part ingest (capture/pipeline.ts `SplitRole`). */
  split?: SplitRole | null;
  /** Tail part: where the frames it leaves to the head go (capture/reader/handoff.ts). */
  handoff?: HandoffWriter | null;
  /** Run the lint rules on every message while counting diagnostics (see TraceBuilder). */
  lint?: boolean;
  /** TLS decryption: primitives (capture/tls/crypto.node.ts) and the user's key log (capture/tls/keylog.ts). */
  tlsCrypto?: TlsCrypto | null;
  keylog?: TlsKeyLog | null;
}

export interface IngestResult {
  trace: Trace;
  /** File- and stream-level diagnostics (also in `trace.fileDiagnostics`). */
  diagnostics: Diagnostic[];
  /** Pipeline counters; null for SIP text input. */
  stats: IngestStats | null;
  /** False when the input is not a capture (refused or unknown format): callers may try SIP text. */
  isCapture: boolean;
}

/** Capture bytes in, trace out: push chunks of any size, then `finish()`. */
export class TraceIngest {
  readonly trace: Trace;
  readonly decoder: CaptureDecoder;
  readonly #opts: IngestOptions;
  readonly #builder: TraceBuilder;

  /** Head part of a split ingest: per message, the frame being read when it was emitted. */
  get emitted(): Uint32Array | null {
    const e = this.#builder.emitted;
    return e ? e.slice(0, this.trace.count) : null;
  }

  constructor(opts: IngestOptions) {
    this.#opts = opts;
    this.trace = new Trace(opts.readAt, [], {
      name: opts.name,
      size: opts.size,
      compression: opts.compression ?? null,
    });
    // About one message per 400 bytes of capture at most (a SIP message and its headers are larger).
    if (opts.readAt !== null && opts.compression == null) this.trace.reserve(Math.ceil(opts.size / 400));
    if (opts.onAppend) this.trace.onAppend(opts.onAppend);
    const builder = new TraceBuilder(this.trace, opts.parse ?? true, opts.lint ?? false);
    this.decoder = new CaptureDecoder(builder, {
      readAt: opts.readAt,
      inflate: opts.inflate ?? null,
      split: opts.split ?? null,
      handoff: opts.handoff ?? null,
      tlsCrypto: opts.tlsCrypto ?? null,
      keylog: opts.keylog ?? null,
    });
    if (opts.split?.role === 'head') {
      builder.emitted = new Uint32Array(1024);
      builder.pipeline = this.decoder.pipeline;
    }
    this.#builder = builder;
    this.trace.addresses = this.decoder.pipeline.addresses.names;
  }

  push(chunk: Uint8Array, eof = false): void {
    this.decoder.push(chunk, eof);
  }

  /** True when no more input is useful (refused format, corrupt file). */
  get stopped(): boolean {
    return this.decoder.stopped;
  }

  finish(): IngestResult {
    this.decoder.finish();
    const p = this.decoder.pipeline;
    const st = p.stats;
    const diagnostics = [...p.diagnostics];
    for (const [code, n] of p.droppedDiagnostics) {
      diagnostics.push({
        code: 'diagnostics-capped',
        severity: 'info',
        layer: 'file',
        message: `${n} more "${code}" diagnostics were counted but not listed`,
      });
    }
    const t = this.trace;
    const reader = this.decoder.reader;
    const first = st.firstTimeUs >= 0 ? st.firstTimeUs / 1e6 : null;
    const last = st.lastTimeUs >= 0 ? st.lastTimeUs / 1e6 : null;
    const undecoded: Record<string, number> = {
      unknownLinkFrames: st.unknownLinkFrames,
      nonIpFrames: st.nonIpFrames,
      malformedIp: st.malformedIp,
      udpNonSip: st.udpNonSip,
      nonSipTcpConnections: st.nonSipTcpConnections,
      tlsConnections: st.tlsConnections,
      tcpGaps: st.tcpGaps,
      hepNonSip: st.hepNonSip,
      junkBytes: st.junkBytes,
      truncatedFrames: st.truncatedFrames,
    };
    for (const [proto, n] of Object.entries(st.otherIpProtocols)) undecoded[`ipProtocol${proto}`] = n;
    t.source = {
      ...t.source,
      name: this.#opts.name,
      size: this.#opts.size,
      format: this.decoder.formatName,
      compression: this.#opts.compression ?? null,
      linkTypes: (reader?.linkTypes ?? []).map(linkTypeName),
      frames: st.frames,
      bytes: st.bytes,
      firstTime: first,
      lastTime: last,
      duration: first !== null && last !== null ? Math.round((last - first) * 1e6) / 1e6 : null,
      decodeErrors: p.errorCount,
      undecoded,
    };
    t.fileDiagnostics = diagnostics;
    t.media = p.media.size > 0 ? p.media.snapshot(p.addresses.names) : null;
    // DTLS-SRTP handshakes a key log would open: said with the TLS notices (media/dtls-srtp.ts).
    diagnostics.push(...dtlsCaptureDiagnostics(t.media?.dtls));
    const f = this.decoder.format;
    return {
      trace: t,
      diagnostics,
      stats: st,
      isCapture: f !== null && (f.kind === 'pcap' || f.kind === 'pcapng' || f.kind === 'netmon'),
    };
  }
}

/** A gzip stream decompressed: all of it, or the bytes before the damage and what the damage was. */
export interface Gunzipped {
  data: Uint8Array;
  error: string | null;
  /** The stream was whole but decompresses to more than can be held: `data` is its first part. */
  tooLarge?: true;
}

/**
 * Reads a whole capture held in memory (an upload, a test fixture). A gzip-compressed capture is
 * decompressed with `opts.gunzip` (node:zlib in a *.node.ts adapter) when given: with `gunzipBytes`
 * (a stream) a damaged one is read up to the damage, which a `gzip-corrupt` diagnostic names, as a
 * file is; a gunzip that throws leaves the whole unread (capture-compressed).
 */
export function ingestBytes(
  bytes: Uint8Array,
  name: string,
  opts: Partial<IngestOptions> & { gunzip?: (b: Uint8Array) => Gunzipped | Uint8Array } = {},
): IngestResult {
  const { gunzip, ...rest } = opts;
  let data = bytes;
  let compression: 'gzip' | null = null;
  let damage: string | null = null;
  let tooLarge = false;
  if (gunzip && bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    let g: Gunzipped;
    try {
      const r = gunzip(bytes);
      g = r instanceof Uint8Array ? { data: r, error: null } : r;
    } catch (e) {
      g = { data: bytes.subarray(0, 0), error: e instanceof Error ? e.message : String(e) };
    }
    // Nothing at all decompressed: the reader reports it as capture-compressed.
    if (g.error === null || g.data.length > 0) {
      data = g.data;
      compression = 'gzip';
      damage = g.error;
      tooLarge = g.tooLarge === true;
    }
  }
  const ing = new TraceIngest({
    name,
    size: bytes.length,
    readAt: (o, n) => data.subarray(o, o + n),
    compression,
    ...rest,
  });
  ing.push(data, true);
  if (damage !== null) ing.decoder.pipeline.diagnostic(gzipCorrupt(data.length, damage, tooLarge));
  return ing.finish();
}

/**
 * The diagnostic of a gzip stream damaged after `decompressed` bytes (a file's or an upload's), or,
 * `tooLarge`, of one read only up to the most that can be held in memory (an upload).
 */
export function gzipCorrupt(decompressed: number, why: string, tooLarge = false): Diagnostic {
  return {
    code: 'gzip-corrupt',
    severity: 'error',
    layer: 'file',
    message: tooLarge
      ? `the gzip stream ${why}`
      : `the gzip stream is damaged after ${decompressed} decompressed bytes: ${why}`,
    offset: decompressed,
  };
}

/**
 * Reads a file that is not a capture as SIP text: by default the whole file is one message (one
 * datagram); with `stream`, Content-Length framing finds several messages (RFC 3261 §18.3).
 */
export function ingestSipText(
  bytes: Uint8Array,
  name: string,
  opts: { stream?: boolean } = {},
): IngestResult {
  const trace = new Trace((o, n) => bytes.subarray(o, o + n), ['0.0.0.0'], {
    name,
    size: bytes.length,
    format: opts.stream ? 'sip-text-stream' : 'sip-text',
  });
  const diagnostics: Diagnostic[] = [];
  let n = 0;
  const add = (start: number, end: number, diags: Diagnostic[] | null): void => {
    const msg = parseMessage(bytes, start, end);
    for (const d of diags ?? []) trace.countDiagnostic(d.code);
    for (const d of lintMessage(msg)) trace.countDiagnostic(d.code);
    const vt = (msg.viaTransport ?? 'UDP').toUpperCase();
    const transport = (['UDP', 'TCP', 'TLS', 'WS', 'WSS', 'SCTP'] as const).find((x) => x === vt) ?? 'UDP';
    n++;
    trace.append(bytes, start, end, msg, {
      frameNo: n,
      timeUs: 0,
      src: 0,
      srcPort: 0,
      dst: 0,
      dstPort: 0,
      transport,
      reassembly: 'none',
      rawOffset: start,
      frames: [{ frameNo: n, recordOffset: -1, recordLength: 0, timeUs: 0, linkType: 0 }],
      diagnostics: diags,
    });
  };
  if (opts.stream) {
    frameStream(
      bytes,
      0,
      bytes.length,
      {
        message: (_b, s, e, flag) =>
          add(
            s,
            e,
            flag
              ? [
                  {
                    code: flag === 'truncated' ? 'stream-message-truncated' : flag,
                    severity: 'error',
                    layer: 'sip',
                    message: `message framing: ${flag}`,
                  },
                ]
              : null,
          ),
        junk: (_b, s, count) =>
          diagnostics.push({
            code: 'sip-stream-resync',
            severity: 'warning',
            layer: 'sip',
            message: `${count} bytes that are not SIP skipped at byte ${s}`,
            offset: s,
          }),
      },
      true,
    );
  } else {
    const f = frameDatagram(bytes, 0, bytes.length);
    if (f) add(f.start, f.end, null);
    else if (bytes.length > 0) add(0, bytes.length, null);
  }
  trace.source.frames = n;
  trace.source.bytes = bytes.length;
  trace.fileDiagnostics = diagnostics;
  return {
    trace,
    diagnostics,
    stats: null,
    isCapture: false,
  };
}
