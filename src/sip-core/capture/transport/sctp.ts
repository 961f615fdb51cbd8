/**
 * SCTP (RFC 9260): DATA chunks of a packet, with fragmented user messages (B/E flags) put back
 * together per association and stream. I-DATA (RFC 8260) is counted but not decoded.
 */

const DATA = 0;
const MAX_MESSAGE = 1024 * 1024;

export interface SctpStats {
  packets: number;
  dataChunks: number;
  fragmented: number;
  idataChunks: number;
}

/** Calls `onMessage` for every complete user message carried by the SCTP packet `buf[start,end)`. */
export class SctpReassembler {
  readonly #parts = new Map<string, Uint8Array[]>();
  readonly stats: SctpStats = { packets: 0, dataChunks: 0, fragmented: 0, idataChunks: 0 };

  /** `conn` identifies the association direction (addresses and ports). */
  packet(
    conn: string,
    buf: Uint8Array,
    start: number,
    end: number,
    onMessage: (data: Uint8Array, dStart: number, dEnd: number, fragmented: boolean) => void,
  ): void {
    this.stats.packets++;
    let p = start + 12;
    while (p + 4 <= end) {
      const type = buf[p]!;
      const flags = buf[p + 1]!;
      const len = (buf[p + 2]! << 8) | buf[p + 3]!;
      if (len < 4) break;
      const cend = Math.min(end, p + len);
      if (type === DATA && len >= 16) {
        this.stats.dataChunks++;
        const sid = (buf[p + 8]! << 8) | buf[p + 9]!;
        const b = (flags & 2) !== 0;
        const e = (flags & 1) !== 0;
        const d = p + 16;
        if (b && e) onMessage(buf, d, cend, false);
        else {
          this.stats.fragmented++;
          const key = `${conn}#${sid}`;
          if (b) this.#parts.set(key, []);
          const parts = this.#parts.get(key);
          if (parts) {
            parts.push(buf.slice(d, cend));
            if (e) {
              this.#parts.delete(key);
              const total = parts.reduce((n, x) => n + x.length, 0);
              if (total <= MAX_MESSAGE) {
                const all = new Uint8Array(total);
                let o = 0;
                for (const x of parts) {
                  all.set(x, o);
                  o += x.length;
                }
                onMessage(all, 0, total, true);
              }
            }
          }
        }
      } else if (type === 64) this.stats.idataChunks++;
      p += (len + 3) & ~3;
    }
  }
}
