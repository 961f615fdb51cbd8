/**
 * Several captures as one (a call through an SBC and a proxy, one pcap from each host): the input
 * files (pcap, pcapng, NetMon, gzip'd — whatever the capture readers take) are read frame by frame
 * and k-way merged by timestamp, as `mergecap` does, into one pcapng file, which is then opened as the
 * capture: everything that re-reads frames by record offset (export of a call, the RTP payload scan
 * for audio) works on it unchanged.
 *
 * - Streamed: each input holds one chunk's frames at a time, the output is written as it goes.
 * - One IDB per input × interface: if_name the file's name (`b.pcap`, `b.pcap#1` for its second
 *   interface), if_description its path; the SHB's comment lists the inputs.
 * - The same IP packet captured on two hosts (same bytes but the TTL/hop limit and the IPv4 header
 *   checksum) seen in another input within `dedupWindowUs` (10 ms) is kept once and counted: it would
 *   read as a retransmission at ~0 ms. A request that crossed a proxy is not one (other Via, other
 *   addresses): the hop analysis shows it as a hop.
 * - `shiftUs` per input: for hosts whose clocks differ (a response before its request says so).
 * - A corrupt input gives what could be read, and a diagnostic naming the file and byte offset.
 * The inputs are only read.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { Diagnostic } from '../../sip-core/diagnostic';
import { detectFormat } from '../../sip-core/capture/reader/detect';
import { CaptureFile } from '../../sip-core/capture/reader/file-source.node.js';
import type { FrameInfo, FrameSink, StreamReader } from '../../sip-core/capture/reader/frame';
import { NetmonReader } from '../../sip-core/capture/reader/netmon';
import { PcapReader } from '../../sip-core/capture/reader/pcap';
import { PcapngReader } from '../../sip-core/capture/reader/pcapng';
import {
  decodeLink,
  ETHERTYPE_IPV4,
  ETHERTYPE_IPV6,
  type NetStart,
} from '../../sip-core/capture/link/link-decode';
import {
  ingestCaptureFile,
  type IngestFileOptions,
  type IngestFileResult,
} from '../../sip-core/trace/ingest-file.node.js';
import type { Trace } from '../../sip-core/trace/trace';
import { makePrivateDir, removePrivateDir } from '../private-temp';
import type { MergeShiftDto } from '../../shared/api';

/** Default window within which the same IP packet in another input is a duplicate (µs). */
export const DEDUP_WINDOW_US = 10_000;

const READ_CHUNK = 1024 * 1024;
const OUT_BUFFER = 1024 * 1024;
const TWO32 = 4294967296;

export interface MergeInput {
  path: string;
  /** The name it is shown with (default: the file's base name; an upload's own name). */
  name?: string;
  /** Added to every timestamp of this input (µs; a clock that is behind gets a positive shift). */
  shiftUs?: number;
}

export interface MergeOptions {
  /** Duplicate window (µs); 0 keeps every packet. Default {@link DEDUP_WINDOW_US}. */
  dedupWindowUs?: number;
  /** Checked between chunks: true stops the merge (the output is then incomplete). */
  cancelled?: () => boolean;
}

export interface MergeResult {
  /** Frames written. */
  frames: number;
  /** Octets written. */
  bytes: number;
  /** Per input: frames read, frames dropped as duplicates of another input's. */
  inputs: { name: string; path: string; frames: number; duplicates: number; shiftUs: number }[];
  /** Duplicates by pair of inputs (`a` the input whose copy was kept). */
  duplicates: { a: string; b: string; count: number }[];
  /** Each input's damage (named by file and byte offset), then the merge's notices (duplicates, shifts). */
  diagnostics: Diagnostic[];
  cancelled: boolean;
  /** The duplicate window used (µs). */
  dedupWindowUs: number;
  /** The input each frame written came from (`frameInputs[frame - 1]`); null beyond 255 inputs. */
  frameInputs: Uint8Array | null;
}

/** One frame of an input, copied out of the reader's buffer. */
interface QueuedFrame {
  timeUs: number;
  linkType: number;
  iface: number;
  origLen: number;
  data: Uint8Array;
}

/** One input file read frame by frame (a chunk's worth queued at a time). */
class InputFrames implements FrameSink {
  readonly name: string;
  readonly file: CaptureFile;
  readonly diagnostics: Diagnostic[] = [];
  frames = 0;
  duplicates = 0;
  /** Where a Decryption Secrets Block read goes (the output: TLS key logs stay with the capture). */
  onSecrets: ((type: number, data: Uint8Array) => void) | null = null;
  #reader: StreamReader | null = null;
  #queue: QueuedFrame[] = [];
  #head = 0;
  #chunks: AsyncIterator<Uint8Array> | null = null;
  #pending = new Uint8Array(0);
  /** Stream offset of `#pending[0]`. */
  #offset = 0;
  #done = false;

  constructor(
    readonly path: string,
    readonly index: number,
    readonly shiftUs: number,
    name?: string,
  ) {
    this.name = name ?? basename(path);
    this.file = new CaptureFile(path);
  }

  frame(buf: Uint8Array, start: number, end: number, info: FrameInfo): void {
    this.#queue.push({
      timeUs: info.timeUs + this.shiftUs,
      linkType: info.linkType,
      iface: info.interfaceId,
      origLen: info.origLen,
      data: buf.slice(start, end),
    });
  }

  secrets(type: number, data: Uint8Array): void {
    this.onSecrets?.(type, data);
  }

  diagnostic(d: Diagnostic): void {
    const { offset: _offset, ...rest } = d;
    // The offset is the input's, not the merged file's: the message names it.
    this.diagnostics.push({ ...rest, message: `${this.name}: ${d.message}` });
  }

  #fail(code: string, message: string): void {
    this.diagnostics.push({ code, severity: 'error', layer: 'file', message: `${this.name}: ${message}` });
    this.#done = true;
  }

  #start(head: Uint8Array, gunzipped: boolean): boolean {
    const f = detectFormat(head);
    if (f.kind === 'pcap') this.#reader = new PcapReader(this);
    else if (f.kind === 'pcapng') this.#reader = new PcapngReader(this);
    else if (f.kind === 'netmon') this.#reader = new NetmonReader(this, gunzipped ? null : this.file.readAt);
    else if (f.kind === 'refused')
      this.#fail('capture-format-refused', `this file is ${f.name}, which sipscope does not read`);
    else
      this.#fail(
        'capture-format-unknown',
        'this file is not a pcap, pcapng or NetMon capture (no known magic number at byte 0)',
      );
    return this.#reader !== null;
  }

  #open(): void {
    const head = this.file.head(16);
    if (detectFormat(head).kind === 'gzip') {
      this.#chunks = this.file.gunzipChunks()[Symbol.asyncIterator]();
      return;
    }
    if (!this.#start(head, false)) return;
    const sync = this.file.chunks(READ_CHUNK);
    this.#chunks = {
      next: () => Promise.resolve(sync.next()),
    };
  }

  /** The next frame (without taking it), or null at the end of the input. */
  async peek(): Promise<QueuedFrame | null> {
    while (this.#head >= this.#queue.length) {
      if (this.#done) return null;
      this.#queue.length = 0;
      this.#head = 0;
      await this.#more();
    }
    return this.#queue[this.#head]!;
  }

  /** The next frame when one is queued (no await), else undefined: then {@link peek}. */
  queued(): QueuedFrame | undefined {
    return this.#queue[this.#head];
  }

  take(): void {
    this.#head++;
    this.frames++;
  }

  async #more(): Promise<void> {
    if (this.#chunks === null) {
      this.#open();
      if (this.#done) return;
    }
    let r: IteratorResult<Uint8Array>;
    try {
      r = await this.#chunks!.next();
    } catch (e) {
      // A damaged gzip stream: what was read so far stays.
      this.#feed(new Uint8Array(0), true);
      this.#fail(
        'capture-truncated',
        `the compressed stream ends in error after ${this.#offset + this.#pending.length} bytes: ${e instanceof Error ? e.message : String(e)}`,
      );
      return;
    }
    if (r.done) {
      this.#feed(new Uint8Array(0), true);
      this.#done = true;
      return;
    }
    if (this.#reader === null) {
      // gzip: the format of the decompressed stream.
      if (!this.#start(r.value.subarray(0, 16), true)) return;
    }
    this.#feed(r.value, false);
  }

  #feed(chunk: Uint8Array, eof: boolean): void {
    const reader = this.#reader;
    if (reader === null) return;
    let buf: Uint8Array;
    if (this.#pending.length === 0) buf = chunk;
    else {
      buf = new Uint8Array(this.#pending.length + chunk.length);
      buf.set(this.#pending);
      buf.set(chunk, this.#pending.length);
    }
    const used = buf.length === 0 && !eof ? 0 : reader.feed(buf, 0, buf.length, this.#offset, eof);
    this.#offset += used;
    this.#pending = used >= buf.length ? new Uint8Array(0) : buf.slice(used);
    if (reader.stopped) this.#done = true;
  }

  close(): void {
    this.file.close();
  }
}

/** Buffered pcapng output. */
class PcapngOut {
  readonly #fd: number;
  #buf = new Uint8Array(OUT_BUFFER);
  #dv = new DataView(this.#buf.buffer);
  #len = 0;
  bytes = 0;

  constructor(path: string) {
    this.#fd = openSync(path, 'wx', 0o600);
  }

  #room(n: number): void {
    if (this.#len + n <= this.#buf.length) return;
    this.flush();
    if (n > this.#buf.length) {
      this.#buf = new Uint8Array(n);
      this.#dv = new DataView(this.#buf.buffer);
    }
  }

  /** A block of type `type` whose body `body` writes (`len` octets, padded to 4). */
  block(type: number, len: number, body: (buf: Uint8Array, dv: DataView, at: number) => void): void {
    const total = 12 + pad4(len);
    this.#room(total);
    const o = this.#len;
    const buf = this.#buf;
    const dv = this.#dv;
    dv.setUint32(o, type, true);
    dv.setUint32(o + 4, total, true);
    body(buf, dv, o + 8);
    buf.fill(0, o + 8 + len, o + total - 4);
    dv.setUint32(o + total - 4, total, true);
    this.#len += total;
    this.bytes += total;
  }

  /** An Enhanced Packet Block: interface `id`, time `t` (µs), the packet bytes. */
  epb(id: number, t: number, data: Uint8Array, origLen: number): void {
    const len = data.length;
    const total = 32 + pad4(len);
    this.#room(total);
    const o = this.#len;
    const buf = this.#buf;
    const dv = this.#dv;
    dv.setUint32(o, 6, true);
    dv.setUint32(o + 4, total, true);
    dv.setUint32(o + 8, id, true);
    dv.setUint32(o + 12, Math.floor(t / TWO32), true);
    dv.setUint32(o + 16, t % TWO32, true);
    dv.setUint32(o + 20, len, true);
    dv.setUint32(o + 24, Math.max(origLen, len), true);
    buf.set(data, o + 28);
    for (let i = o + 28 + len; i < o + total - 4; i++) buf[i] = 0;
    dv.setUint32(o + total - 4, total, true);
    this.#len += total;
    this.bytes += total;
  }

  flush(): void {
    let o = 0;
    while (o < this.#len) o += writeSync(this.#fd, this.#buf, o, this.#len - o);
    this.#len = 0;
  }

  close(): void {
    this.flush();
    closeSync(this.#fd);
  }
}

const pad4 = (n: number): number => (n + 3) & ~3;
const enc = new TextEncoder();

/** pcapng options (code, UTF-8 value) then opt_endofopt: their encoded length and writer. */
function options(list: [number, Uint8Array][]): {
  len: number;
  write: (b: Uint8Array, dv: DataView, at: number) => void;
} {
  let len = 4;
  for (const [, v] of list) len += 4 + pad4(v.length);
  return {
    len,
    write: (b, dv, at) => {
      let o = at;
      for (const [code, v] of list) {
        dv.setUint16(o, code, true);
        dv.setUint16(o + 2, v.length, true);
        b.set(v, o + 4);
        b.fill(0, o + 4 + v.length, o + 4 + pad4(v.length));
        o += 4 + pad4(v.length);
      }
      dv.setUint32(o, 0, true);
    },
  };
}

/**
 * The IP packet of a frame, for the duplicate check: its offset and length (the IP total length, so
 * an Ethernet trailer does not count), or null when the frame holds none.
 */
function ipPacket(f: QueuedFrame, ns: NetStart): { o: number; n: number; v6: boolean } | null {
  const d = f.data;
  if (!decodeLink(f.linkType, d, 0, d.length, ns)) return null;
  const o = ns.offset;
  if (ns.etherType === ETHERTYPE_IPV4 && o + 20 <= d.length) {
    const total = (d[o + 2]! << 8) | d[o + 3]!;
    return { o, n: total >= 20 ? Math.min(total, d.length - o) : d.length - o, v6: false };
  }
  if (ns.etherType === ETHERTYPE_IPV6 && o + 40 <= d.length) {
    const payload = (d[o + 4]! << 8) | d[o + 5]!;
    return { o, n: Math.min(40 + payload, d.length - o), v6: true };
  }
  return null;
}

/**
 * The octets that change from host to host, left out of the comparison: the IPv4 TTL (8) and header
 * checksum (10, 11); the IPv6 hop limit (7). Returns the ranges compared: [0, a) and [b, n).
 */
const skipFrom = (v6: boolean): number => (v6 ? 7 : 8);
const skipTo = (v6: boolean): number => (v6 ? 8 : 12);

/** FNV-1a over 32-bit words of the first 128 octets of the IP packet, the changing octets left out. */
function ipHash(d: Uint8Array, p: { o: number; n: number; v6: boolean }): number {
  let h = Math.imul(0x811c9dc5 ^ p.n, 16777619);
  const o = p.o;
  const m = o + Math.min(p.n, 128);
  const a = o + skipFrom(p.v6);
  for (let i = o; i < a; i++) h = Math.imul(h ^ d[i]!, 16777619);
  let i = o + skipTo(p.v6);
  if (!p.v6) h = Math.imul(h ^ d[o + 9]!, 16777619); // the IPv4 protocol, between TTL and checksum
  for (; i + 4 <= m; i += 4)
    h = Math.imul(h ^ ((d[i]! << 24) | (d[i + 1]! << 16) | (d[i + 2]! << 8) | d[i + 3]!), 16777619);
  for (; i < m; i++) h = Math.imul(h ^ d[i]!, 16777619);
  return h >>> 0;
}

function sameIp(
  a: Uint8Array,
  pa: { o: number; n: number; v6: boolean },
  b: Uint8Array,
  pb: { o: number; n: number; v6: boolean },
): boolean {
  if (pa.n !== pb.n || pa.v6 !== pb.v6) return false;
  const from = skipFrom(pa.v6);
  const to = skipTo(pa.v6);
  for (let i = 0; i < from; i++) if (a[pa.o + i] !== b[pb.o + i]) return false;
  if (!pa.v6 && a[pa.o + 9] !== b[pb.o + 9]) return false;
  for (let i = to; i < pa.n; i++) if (a[pa.o + i] !== b[pb.o + i]) return false;
  return true;
}

interface Seen {
  timeUs: number;
  input: number;
  hash: number;
  data: Uint8Array;
  ip: { o: number; n: number; v6: boolean };
}

/** Formats a shift for the notices: `+0.120000 s`. */
function shiftText(us: number): string {
  return `${us < 0 ? '−' : '+'}${(Math.abs(us) / 1e6).toFixed(6)} s`;
}

/**
 * Merges `inputs` into a new pcapng file `out` (created; never an input). Never throws for damaged
 * content (only for an input that cannot be opened, or an output that cannot be written).
 */
export async function mergeCaptures(
  inputs: readonly MergeInput[],
  out: string,
  opts: MergeOptions = {},
): Promise<MergeResult> {
  const outAbs = resolve(out);
  for (const i of inputs)
    if (resolve(i.path) === outAbs) throw new Error(`the merge output ${out} is one of its inputs`);
  const ins: InputFrames[] = [];
  try {
    for (const [k, i] of inputs.entries())
      ins.push(new InputFrames(i.path, k, Math.round(i.shiftUs ?? 0), i.name));
  } catch (e) {
    for (const i of ins) i.close();
    throw e;
  }
  const w = new PcapngOut(out);
  const window = opts.dedupWindowUs ?? DEDUP_WINDOW_US;
  const dedup = window > 0 && ins.length > 1;
  const names = ins.map((i) => i.name);
  // Two inputs of the same name (a/x.pcap, b/x.pcap) are told apart by their number.
  const label = (k: number): string =>
    names.filter((n) => n === names[k]).length > 1 ? `${names[k]} (input ${k + 1})` : names[k]!;
  let frames = 0;
  let cancelled = false;
  let frameInputs: Uint8Array | null = ins.length <= 255 ? new Uint8Array(1024) : null;
  const pairCounts = new Map<string, number>();
  try {
    // SHB: byte-order magic, version 1.0, section length unknown; shb_comment lists the inputs.
    const comment = `merged by sipscope from ${ins.length} captures: ${inputs
      .map(
        (i, k) =>
          `${i.name ?? resolve(i.path)}${ins[k]!.shiftUs ? ` (shifted ${shiftText(ins[k]!.shiftUs)})` : ''}`,
      )
      .join(', ')}`;
    const shbOpts = options([
      [1, enc.encode(comment)],
      [4, enc.encode('sipscope')],
    ]);
    w.block(0x0a0d0d0a, 16 + shbOpts.len, (b, dv, o) => {
      dv.setUint32(o, 0x1a2b3c4d, true);
      dv.setUint16(o + 4, 1, true);
      dv.setUint16(o + 6, 0, true);
      dv.setInt32(o + 8, -1, true);
      dv.setInt32(o + 12, -1, true);
      shbOpts.write(b, dv, o + 16);
    });
    // Decryption secrets (TLS key logs) as read: a DSB before the packets it serves, as the input had it.
    for (const i of ins)
      i.onSecrets = (type, data) =>
        w.block(10, 8 + data.length, (b, dv, o) => {
          dv.setUint32(o, type, true);
          dv.setUint32(o + 4, data.length, true);
          b.set(data, o + 8);
        });
    /** Output interface id by input and its interface id. */
    const ifaces = new Map<string, number>();
    const ifaceOf = (k: number, f: QueuedFrame): number => {
      const key = `${k}/${f.iface}/${f.linkType}`;
      let id = ifaces.get(key);
      if (id !== undefined) return id;
      id = ifaces.size;
      ifaces.set(key, id);
      const name = f.iface === 0 ? label(k) : `${label(k)}#${f.iface}`;
      const o = options([
        [2, enc.encode(name)],
        [3, enc.encode(`${inputs[k]!.name ?? resolve(ins[k]!.path)}, interface ${f.iface}`)],
        [9, Uint8Array.of(6)],
      ]);
      w.block(1, 8 + o.len, (b, dv, at) => {
        dv.setUint16(at, f.linkType, true);
        dv.setUint16(at + 2, 0, true);
        dv.setUint32(at + 4, 0, true); // snaplen: no limit
        o.write(b, dv, at + 8);
      });
      return id;
    };
    const seen = new Map<number, Seen[]>();
    const recent: Seen[] = [];
    let recentHead = 0;
    const ns: NetStart = { etherType: 0, offset: 0, vlans: 0 };
    const heads: (QueuedFrame | null)[] = await Promise.all(ins.map((i) => i.peek()));
    let sinceCheck = 0;
    for (;;) {
      // The earliest head; the first input on a tie (as mergecap).
      let k = -1;
      for (let i = 0; i < heads.length; i++) {
        const h = heads[i];
        if (h && (k < 0 || h.timeUs < heads[k]!.timeUs)) k = i;
      }
      if (k < 0) break;
      const f = heads[k]!;
      ins[k]!.take();
      let drop = false;
      if (dedup) {
        const ip = ipPacket(f, ns);
        if (ip !== null) {
          while (recentHead < recent.length && recent[recentHead]!.timeUs < f.timeUs - window) {
            const old = recent[recentHead++]!;
            const l = seen.get(old.hash);
            if (l) {
              const at = l.indexOf(old);
              if (at >= 0) l.splice(at, 1);
              if (l.length === 0) seen.delete(old.hash);
            }
          }
          if (recentHead > 4096 && recentHead * 2 > recent.length) {
            recent.splice(0, recentHead);
            recentHead = 0;
          }
          const hash = ipHash(f.data, ip);
          const l = seen.get(hash);
          const twin = l?.find((s) => s.input !== k && sameIp(s.data, s.ip, f.data, ip));
          if (twin) {
            drop = true;
            ins[k]!.duplicates++;
            const key = `${twin.input}\t${k}`;
            pairCounts.set(key, (pairCounts.get(key) ?? 0) + 1);
          } else {
            const s: Seen = { timeUs: f.timeUs, input: k, hash, data: f.data, ip };
            if (l) l.push(s);
            else seen.set(hash, [s]);
            recent.push(s);
          }
        }
      }
      if (!drop) {
        w.epb(ifaceOf(k, f), Math.max(0, f.timeUs), f.data, f.origLen);
        if (frameInputs !== null) {
          if (frames >= frameInputs.length) {
            const grown = new Uint8Array(frameInputs.length * 2);
            grown.set(frameInputs);
            frameInputs = grown;
          }
          frameInputs[frames] = k;
        }
        frames++;
      }
      heads[k] = ins[k]!.queued() ?? (await ins[k]!.peek());
      if (++sinceCheck >= 4096) {
        sinceCheck = 0;
        if (opts.cancelled?.()) {
          cancelled = true;
          break;
        }
      }
    }
  } finally {
    w.close();
    for (const i of ins) i.close();
  }
  const duplicates = [...pairCounts].map(([key, count]) => {
    const [a, b] = key.split('\t').map(Number) as [number, number];
    return { a: label(a), b: label(b), count };
  });
  const diagnostics: Diagnostic[] = ins.flatMap((i) => i.diagnostics);
  for (const d of duplicates)
    diagnostics.push({
      code: 'merge-duplicates',
      severity: 'info',
      layer: 'file',
      message: `${d.count} packet${d.count === 1 ? '' : 's'} seen in both ${d.a} and ${d.b} kept once (the same IP packet within ${window / 1000} ms)`,
    });
  for (const i of ins)
    if (i.shiftUs)
      diagnostics.push({
        code: 'merge-shifted',
        severity: 'info',
        layer: 'file',
        message: `${label(i.index)}: times shifted ${shiftText(i.shiftUs)}`,
      });
  return {
    frames,
    bytes: w.bytes,
    inputs: ins.map((i) => ({
      name: i.name,
      path: resolve(i.path),
      frames: i.frames,
      duplicates: i.duplicates,
      shiftUs: i.shiftUs,
    })),
    duplicates,
    diagnostics,
    cancelled,
    dedupWindowUs: window,
    frameInputs: frameInputs?.subarray(0, frames) ?? null,
  };
}

/** The name a merged capture is shown with: `a.pcap + b.pcap`. */
export function mergedName(inputs: readonly MergeInput[]): string {
  return inputs.map((i) => i.name ?? basename(i.path)).join(' + ');
}

/** A merge in a private temp dir: `path` the pcapng; `remove()` deletes it (also done at process exit). */
export interface TempMerge extends MergeResult {
  path: string;
  name: string;
  remove: () => void;
}

/** Merges `inputs` into a temporary pcapng under a private dir of the OS temp dir. */
export async function mergeToTemp(
  inputs: readonly MergeInput[],
  opts: MergeOptions = {},
): Promise<TempMerge> {
  const dir = makePrivateDir('sipscope-merge-');
  const path = join(dir, 'merged.pcapng');
  let removed = false;
  const remove = (): void => {
    if (removed) return;
    removed = true;
    removePrivateDir(dir);
  };
  try {
    const r = await mergeCaptures(inputs, path, opts);
    return { ...r, path, name: mergedName(inputs), remove };
  } catch (e) {
    remove();
    throw e;
  }
}

/**
 * Parses a shift `FILE=+0.120s` / `FILE=-120ms` / `FILE=250us` (a number alone: seconds) into the
 * file and µs; null when it is not one.
 */
export function parseShift(s: string): { file: string; us: number } | null {
  const m = /^(.+)=([+-−]?\d+(?:\.\d+)?)\s*(s|ms|us|µs)?$/.exec(s.trim());
  if (!m) return null;
  const v = Number(m[2]!.replace('−', '-'));
  if (!Number.isFinite(v)) return null;
  const unit = m[3] ?? 's';
  const us = unit === 's' ? v * 1e6 : unit === 'ms' ? v * 1e3 : v;
  return { file: m[1]!, us: Math.round(us) };
}

/**
 * The shifts for `files` from `--shift` values: each names a file by its path or its base name.
 * Returns an error text for a shift that names none of them, or one that is not a shift.
 */
export function shiftsFor(files: readonly string[], shifts: readonly string[]): number[] | string {
  const out = files.map(() => 0);
  for (const s of shifts) {
    const p = parseShift(s);
    if (!p) return `--shift: "${s}" is not FILE=±SECONDS (e.g. b.pcap=+0.120s, b.pcap=-40ms)`;
    let hit = files.findIndex((f) => resolve(f) === resolve(p.file));
    if (hit < 0) hit = files.findIndex((f) => basename(f) === p.file);
    if (hit < 0) return `--shift: ${p.file} is not one of the captures given`;
    out[hit] = p.us;
  }
  return out;
}

/**
 * Shows a merge on the trace read from it: the name `a.pcap + b.pcap`, the inputs' damage and the
 * merge's notices first in the file diagnostics.
 */
export function labelMergedTrace(trace: Trace, m: TempMerge, diagnostics?: Diagnostic[]): void {
  trace.source = {
    ...trace.source,
    name: m.name,
    decodeErrors: trace.source.decodeErrors + m.diagnostics.filter((d) => d.severity === 'error').length,
  };
  trace.fileDiagnostics.unshift(...m.diagnostics);
  if (diagnostics && diagnostics !== trace.fileDiagnostics) diagnostics.unshift(...m.diagnostics);
}

/**
 * Reads several captures as one (the CLI's `analyze A B`, `ladder`, `rtp`): merged into a temp pcapng,
 * ingested from there. `close()` closes it and deletes the temp file.
 */
export async function ingestMerged(
  inputs: readonly MergeInput[],
  opts: IngestFileOptions & { dedupWindowUs?: number } = {},
): Promise<{ result: IngestFileResult; merge: TempMerge; close: () => void }> {
  const { dedupWindowUs, ...ingest } = opts;
  const m = await mergeToTemp(inputs, { ...(dedupWindowUs !== undefined ? { dedupWindowUs } : {}) });
  let r: IngestFileResult;
  try {
    r = await ingestCaptureFile(m.path, ingest);
  } catch (e) {
    m.remove();
    throw e;
  }
  labelMergedTrace(r.trace, m, r.diagnostics);
  return {
    result: r,
    merge: m,
    close: () => {
      r.file.close();
      m.remove();
    },
  };
}

/**
 * The shifts that would put a merge's hops in order: for each pair of inputs whose hop steps ran
 * backwards (an element's outgoing copy seen before the incoming one it was made from), the later
 * input of the pair shifted by the largest gap plus a millisecond (rounded up to whole ms): `b.pcap
 * seems 120 ms behind a.pcap`. Steps within one input (one clock) say nothing and are left out.
 */
export function suggestShifts(
  m: Pick<MergeResult, 'inputs' | 'frameInputs'>,
  inversions: readonly { fromFrame: number; toFrame: number; gapUs: number }[],
): MergeShiftDto[] {
  const fi = m.frameInputs;
  if (fi === null) return [];
  const by = new Map<
    string,
    { input: number; reference: number; sign: 1 | -1; hops: number; gapUs: number }
  >();
  for (const v of inversions) {
    const kf = fi[v.fromFrame - 1];
    const kt = fi[v.toFrame - 1];
    if (kf === undefined || kt === undefined || kf === kt) continue;
    // The outgoing copy (in kt) reads early: kt's clock is behind kf's. Shift the later input of the
    // two: kt forward, or kf back.
    const [input, reference, sign] = kt > kf ? [kt, kf, 1 as const] : [kf, kt, -1 as const];
    const key = `${input}/${reference}/${sign}`;
    const e = by.get(key);
    if (e) {
      e.hops++;
      e.gapUs = Math.max(e.gapUs, v.gapUs);
    } else by.set(key, { input, reference, sign, hops: 1, gapUs: v.gapUs });
  }
  const name = (k: number): string => m.inputs[k]?.name ?? `input ${k + 1}`;
  return [...by.values()]
    .sort((a, b) => b.hops - a.hops || a.input - b.input)
    .map((e) => {
      const ms = Math.round(e.gapUs / 1000);
      return {
        input: e.input,
        reference: e.reference,
        shiftUs: e.sign * (Math.ceil(e.gapUs / 1000) + 1) * 1000,
        hops: e.hops,
        gapUs: e.gapUs,
        text: `${name(e.input)} seems ${ms} ms ${e.sign > 0 ? 'behind' : 'ahead of'} ${name(e.reference)}`,
      };
    });
}
