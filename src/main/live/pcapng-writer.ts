/**
 * Writes SIP messages seen live (lab sockets, HEP, UDP mirror, interface capture) to pcapng files as
 * they come: {@link RotatingPcapngWriter} buffers, flushes and starts a new file past a size limit.
 * The packets are synthesized by sip-core's capture/writer/synthesize.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import {
  enhancedPacketBlock,
  pcapngHeader,
  synthesizePacket,
  TcpSequencer,
  type PacketInput,
} from '../../sip-core/capture/writer/synthesize';

export {
  addressBytes,
  buildPcapng,
  enhancedPacketBlock,
  LINKTYPE_RAW,
  pcapGlobalHeader,
  pcapngHeader,
  synthesizePacket,
  TcpSequencer,
  type PacketInput,
} from '../../sip-core/capture/writer/synthesize';

export interface RotatingPcapngOptions {
  /** Start a new file once the current one exceeds this many bytes (default 100 MB). */
  maxBytes?: number;
  /** Interface name written in the IDB. */
  ifName?: string;
  /** Flush buffered blocks at least this often (ms); default 200. */
  flushMs?: number;
}

/**
 * Writes packets to `path` as they come (buffered ≤ flushMs), rotating by size: `out.pcapng`,
 * then `out.1.pcapng`, `out.2.pcapng`, ... each a complete pcapng file.
 */
export class RotatingPcapngWriter {
  readonly files: string[] = [];
  packets = 0;
  #fd = -1;
  #size = 0;
  #buf: Uint8Array[] = [];
  #bufBytes = 0;
  #timer: NodeJS.Timeout | null = null;
  #seqs = new TcpSequencer();
  readonly #maxBytes: number;
  readonly #ifName: string;
  readonly #flushMs: number;

  constructor(
    readonly path: string,
    opts: RotatingPcapngOptions = {},
  ) {
    this.#maxBytes = opts.maxBytes ?? 100 * 1024 * 1024;
    this.#ifName = opts.ifName ?? 'sipscope';
    this.#flushMs = opts.flushMs ?? 200;
    this.#open();
  }

  #name(i: number): string {
    if (i === 0) return this.path;
    const m = /^(.*?)(\.pcapng|\.pcap)?$/i.exec(this.path)!;
    return `${m[1]}.${i}${m[2] ?? '.pcapng'}`;
  }

  #open(): void {
    const name = this.#name(this.files.length);
    this.#fd = openSync(name, 'w');
    this.files.push(name);
    const h = pcapngHeader('sipscope', this.#ifName);
    writeSync(this.#fd, h);
    this.#size = h.length;
    this.#seqs = new TcpSequencer();
  }

  /** The file being written now. */
  get current(): string {
    return this.files[this.files.length - 1]!;
  }

  write(p: PacketInput): void {
    if (this.#fd < 0) return;
    const b = enhancedPacketBlock(p.timeUs, synthesizePacket(p, this.#seqs), p.comment);
    if (this.#size + this.#bufBytes + b.length > this.#maxBytes && this.#size + this.#bufBytes > 1024) {
      this.flush();
      closeSync(this.#fd);
      this.#open();
      // Sequence numbers restart with the new file.
      const again = enhancedPacketBlock(p.timeUs, synthesizePacket(p, this.#seqs), p.comment);
      this.#push(again);
    } else this.#push(b);
    this.packets++;
  }

  #push(b: Uint8Array): void {
    this.#buf.push(b);
    this.#bufBytes += b.length;
    if (this.#bufBytes >= 256 * 1024) this.flush();
    else if (!this.#timer) {
      this.#timer = setTimeout(() => this.flush(), this.#flushMs);
      this.#timer.unref();
    }
  }

  /** Writes buffered blocks now. */
  flush(): void {
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    if (this.#fd < 0 || this.#bufBytes === 0) return;
    const all = new Uint8Array(this.#bufBytes);
    let o = 0;
    for (const b of this.#buf) {
      all.set(b, o);
      o += b.length;
    }
    writeSync(this.#fd, all);
    this.#size += all.length;
    this.#buf = [];
    this.#bufBytes = 0;
  }

  close(): void {
    if (this.#fd < 0) return;
    this.flush();
    closeSync(this.#fd);
    this.#fd = -1;
  }
}
