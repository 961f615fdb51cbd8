/**
 * Drives the reader stage over a stream of chunks of any size: detects the format by magic number,
 * carries a partial record across chunks (only the partial record is copied), and feeds the pipeline.
 * Compressed input (gzip) must be decompressed by the caller (node:zlib lives in a *.node.ts adapter):
 * `format` tells it so.
 */
import type { Diagnostic } from '../diagnostic';
import { CapturePipeline, type MessageSink, type PipelineOptions } from './pipeline';
import { detectFormat, type DetectedFormat } from './reader/detect';
import type { StreamReader } from './reader/frame';
import { PcapReader } from './reader/pcap';
import { PcapngReader } from './reader/pcapng';
import { NetmonReader, type ReadFileAt } from './reader/netmon';

export interface DecoderOptions extends PipelineOptions {
  /** Random access to the capture file, for formats that index their frames at the end (NetMon). */
  readAt?: ReadFileAt | null;
}

export class CaptureDecoder {
  readonly pipeline: CapturePipeline;
  format: DetectedFormat | null = null;
  #reader: StreamReader | null = null;
  #carry = new Uint8Array(64 * 1024);
  #carryLen = 0;
  /** Stream offset of the first unconsumed byte. */
  #offset = 0;
  #done = false;

  readonly #readAt: ReadFileAt | null;

  constructor(sink: MessageSink, opts: DecoderOptions = {}) {
    const { readAt, ...pipeline } = opts;
    this.pipeline = new CapturePipeline(sink, pipeline);
    this.#readAt = readAt ?? null;
  }

  /** Bytes of the capture stream consumed so far. */
  get offset(): number {
    return this.#offset;
  }

  /** True once the decoder will not read more (refused format, corrupt file, end). */
  get stopped(): boolean {
    return this.#done || (this.#reader?.stopped ?? false);
  }

  /** Format name for the trace source: 'pcap', 'pcap-ns', 'pcapng', 'netmon' or the refused format's name. */
  get formatName(): string {
    const f = this.format;
    if (!f) return 'unknown';
    if (f.kind === 'pcap') return f.nanoseconds ? 'pcap-ns' : 'pcap';
    if (f.kind === 'refused') return f.name;
    return f.kind;
  }

  get reader(): StreamReader | null {
    return this.#reader;
  }

  #diag(d: Diagnostic): void {
    this.pipeline.diagnostic(d);
  }

  #start(head: Uint8Array): void {
    const f = detectFormat(head);
    this.format = f;
    if (f.kind === 'pcap') this.#reader = new PcapReader(this.pipeline);
    else if (f.kind === 'pcapng') this.#reader = new PcapngReader(this.pipeline);
    else if (f.kind === 'netmon') this.#reader = new NetmonReader(this.pipeline, this.#readAt);
    else {
      this.#done = true;
      if (f.kind === 'refused') {
        this.#diag({
          code: 'capture-format-refused',
          severity: 'error',
          layer: 'file',
          message: `this file is ${f.name}, which sipscope does not read; convert it to pcap or pcapng (e.g. with editcap -F pcapng)`,
          offset: 0,
        });
      } else if (f.kind === 'gzip') {
        this.#diag({
          code: 'capture-compressed',
          severity: 'error',
          layer: 'file',
          message: 'this file is gzip-compressed; it must be decompressed before the capture reader',
          offset: 0,
        });
      } else {
        this.#diag({
          code: 'capture-format-unknown',
          severity: 'error',
          layer: 'file',
          message: 'this file is not a pcap, pcapng or NetMon capture (no known magic number at byte 0)',
          offset: 0,
        });
      }
    }
  }

  /**
   * Continues at stream offset `offset` (the tail part of a split ingest: after the file header, the
   * next bytes pushed are those at `offset`, a record boundary). Only between whole records.
   */
  skipTo(offset: number): void {
    if (this.#carryLen !== 0 || this.#reader === null) return;
    this.#offset = offset;
  }

  /** Feeds the next chunk of the capture stream. */
  push(chunk: Uint8Array, eof = false): void {
    if (this.#done) return;
    let at = 0;
    // Carry: complete the partial record with as few bytes as needed.
    while (this.#carryLen > 0 || this.#reader === null) {
      const want = this.#reader === null ? 16 : Math.max(this.#reader.need, 1);
      const take = Math.min(Math.max(want - this.#carryLen, 1), chunk.length - at);
      if (take > 0) {
        this.#ensureCarry(this.#carryLen + take);
        this.#carry.set(chunk.subarray(at, at + take), this.#carryLen);
        this.#carryLen += take;
        at += take;
      }
      const lastBytes = at >= chunk.length;
      if (this.#reader === null) {
        if (this.#carryLen < 16 && !(eof && lastBytes)) return;
        this.#start(this.#carry.subarray(0, this.#carryLen));
        if (this.#done) return;
      }
      const used = this.#reader!.feed(this.#carry, 0, this.#carryLen, this.#offset, eof && lastBytes);
      if (used > 0) {
        this.#carry.copyWithin(0, used, this.#carryLen);
        this.#carryLen -= used;
        this.#offset += used;
      }
      if (this.#reader!.stopped) {
        this.#done = true;
        return;
      }
      if (lastBytes) {
        if (eof) this.#finishReader();
        return;
      }
      if (used === 0 && take === 0) return;
    }
    const reader = this.#reader;
    const used = reader.feed(chunk, at, chunk.length, this.#offset, eof);
    this.#offset += used;
    if (reader.stopped) {
      this.#done = true;
      return;
    }
    const rest = chunk.length - at - used;
    if (rest > 0) {
      this.#ensureCarry(rest);
      this.#carry.set(chunk.subarray(at + used), 0);
      this.#carryLen = rest;
    }
    if (eof) this.#finishReader();
  }

  #finishReader(): void {
    if (this.#carryLen > 0 && this.#reader && !this.#reader.stopped) {
      const used = this.#reader.feed(this.#carry, 0, this.#carryLen, this.#offset, true);
      this.#offset += used;
      this.#carryLen = 0;
    }
  }

  #ensureCarry(n: number): void {
    if (n <= this.#carry.length) return;
    const next = new Uint8Array(Math.max(n, this.#carry.length * 2));
    next.set(this.#carry.subarray(0, this.#carryLen));
    this.#carry = next;
  }

  /** End of input: flushes the reader, TCP streams and fragment sets. Idempotent. */
  finish(): void {
    if (!this.#done && this.#reader === null) {
      // Fewer than 16 bytes in the whole input.
      if (this.#carryLen > 0) this.#start(this.#carry.subarray(0, this.#carryLen));
      else {
        this.format = { kind: 'unknown' };
        this.#diag({
          code: 'capture-empty',
          severity: 'error',
          layer: 'file',
          message: 'the file is empty',
          offset: 0,
        });
      }
      if (this.#reader && !this.#done) this.#finishReader();
    } else if (!this.#done) this.#finishReader();
    this.#done = true;
    this.pipeline.finish();
  }
}
