/**
 * The reader stage's output: one captured frame (a pcap record or a pcapng packet block).
 * @remarks STYLE.md habit 8 — reader → link → ip → transport → unwrap → sip-framing. Readers call a
 * {@link FrameSink} with a reused {@link FrameInfo}; the bytes are only valid during the call.
 */
import type { Diagnostic } from '../../diagnostic';

/** The capture file formats the reader stage knows by magic number. */
export type CaptureFormat = 'pcap' | 'pcap-ns' | 'pcapng' | 'netmon' | 'gzip';

/** Where and when one frame was captured. Reused between calls: copy what you keep. */
export interface FrameInfo {
  /** 1-based frame number, counted as tshark counts them (pcap records; pcapng EPB/SPB/PB). */
  frameNo: number;
  /** Capture time in µs since the epoch (integer; ns timestamps are truncated). */
  timeUs: number;
  /** LINKTYPE_* of the frame's interface. */
  linkType: number;
  /** pcapng interface id (0 for pcap). */
  interfaceId: number;
  /** Absolute offset in the (decompressed) capture stream of the record/block header. */
  recordOffset: number;
  /** Length of the whole record/block in the stream, header included. */
  recordLength: number;
  /** Absolute offset of the first packet byte in the (decompressed) capture stream. */
  dataOffset: number;
  /** Captured length (bytes present) and original length on the wire. */
  capLen: number;
  origLen: number;
}

/** A zeroed {@link FrameInfo} (the one object a reader or stage reuses for every frame). */
export function newFrameInfo(linkType = 1): FrameInfo {
  return {
    frameNo: 0,
    timeUs: 0,
    linkType,
    interfaceId: 0,
    recordOffset: 0,
    recordLength: 0,
    dataOffset: 0,
    capLen: 0,
    origLen: 0,
  };
}

export interface FrameSink {
  /** One frame: its bytes are `buf[start, end)`, valid only during the call. */
  frame(buf: Uint8Array, start: number, end: number, info: FrameInfo): void;
  /** A file-level problem (corrupt record, unknown block...). */
  diagnostic(d: Diagnostic): void;
  /** A pcapng Decryption Secrets Block: its secrets type and data (valid only during the call). */
  secrets?(type: number, data: Uint8Array): void;
  /**
   * Whether the next records may be read by the ingest pass (capture/ingest-pass.ts) and their taken
   * frames given to {@link FrameSink.passRows}. Asked once per chunk.
   */
  takesPassRows?(): boolean;
  /**
   * Whether the ingest pass may also read TCP segments (it then holds their connections' state until
   * the sink takes them over: see CapturePipeline). Asked once per chunk, after `takesPassRows`.
   */
  passTcp?(): boolean;
  /**
   * Rows `r0..r1` of the ingest pass's record table (`passTable()`), every one taken, with frame
   * numbers from `frame0`: what `frame` would do with each of those records, in order. `base`: the
   * stream offset of `buf[0]`; `ns`: the record fractions are nanoseconds. Returns the number of
   * frames (a TCP segment may give several rows: see ingest-pass.ts P_TYPE).
   */
  passRows?(
    buf: Uint8Array,
    t: Int32Array,
    r0: number,
    r1: number,
    base: number,
    ns: boolean,
    frame0: number,
    linkType: number,
  ): number;
}

/** A reader fed with consecutive byte ranges of the capture stream. */
export interface StreamReader {
  /**
   * Reads whole records from `buf[start, end)`, which begins at absolute stream offset `streamOffset`.
   * Returns how many bytes it consumed; the caller passes the rest again, followed by more bytes.
   * With `eof` set, a partial record at the end is reported as truncated and consumed.
   */
  feed(buf: Uint8Array, start: number, end: number, streamOffset: number, eof: boolean): number;
  /** Smallest number of bytes needed to make progress (so the caller can grow its buffer). */
  readonly need: number;
  /** True once the reader hit damage it cannot read past. */
  readonly stopped: boolean;
  /** What the reader saw: link types in order of appearance, sections, interfaces. */
  readonly linkTypes: number[];
  readonly frames: number;
}
