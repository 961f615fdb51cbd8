/**
 * Exports a selection of calls as a capture file with their ORIGINAL frames (records copied byte for
 * byte from the source file, in frame order), so Wireshark/tshark see exactly what was captured.
 * pcap: the source's 24-byte global header + the records. pcapng: the source's leading SHB/IDB blocks
 * + the packet blocks. Traces without a readable source file (live, simulation) return null; write
 * those with the synthesizing pcapng writer instead.
 */
import type { FrameRef } from '../../capture/provenance';
import type { TraceAnalyzer } from '../analyzer';

export interface CaptureExport {
  format: 'pcap' | 'pcapng';
  bytes: Uint8Array;
  frames: number[];
}

function concat(parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** The frames (deduplicated, in frame order) of a selection of calls (`C3` or Call-IDs). */
export function framesOfCalls(a: TraceAnalyzer, calls: readonly string[]): FrameRef[] {
  const byNo = new Map<number, FrameRef>();
  const roots = new Set<number>();
  for (const c of calls) {
    const r = a.resolveCall(c);
    if (r >= 0) roots.add(r);
  }
  for (const r of roots)
    for (const id of a.callMessageIds(r)) for (const f of a.trace.frames(id)) byNo.set(f.frameNo, f);
  return [...byNo.values()].sort((x, y) => x.frameNo - y.frameNo);
}

/** Writes the selected calls' original frames; null when the source file cannot be read back. */
export function exportCallsCapture(a: TraceAnalyzer, calls: readonly string[]): CaptureExport | null {
  const t = a.trace;
  if (!t.canReadFile) return null;
  const frames = framesOfCalls(a, calls);
  if (frames.some((f) => f.recordOffset < 0)) return null;
  const read = (offset: number, length: number): Uint8Array | null =>
    t.readRecord({ frameNo: 0, recordOffset: offset, recordLength: length });
  const fmt = t.source.format;
  const parts: Uint8Array[] = [];
  if (fmt === 'pcap' || fmt === 'pcap-ns') {
    const gh = read(0, 24);
    if (!gh) return null;
    parts.push(gh.slice());
  } else if (fmt === 'pcapng') {
    // Leading blocks up to the first packet block: SHB, IDBs, and any NRB/ISB before the packets.
    const first = frames[0]?.recordOffset ?? 0;
    let o = 0;
    const shb = read(0, 12);
    if (!shb) return null;
    const le = shb[8] === 0x4d && shb[9] === 0x3c;
    const head: Uint8Array[] = [];
    for (let guard = 0; guard < 1000 && o < first; guard++) {
      const h = read(o, 8);
      if (!h || h.length < 8) break;
      const dv = new DataView(h.buffer, h.byteOffset, 8);
      const type = dv.getUint32(0, le);
      const len = dv.getUint32(4, le);
      if (len < 12 || type === 6 || type === 3 || type === 2) break;
      const blk = read(o, len);
      if (!blk) return null;
      head.push(blk.slice());
      o += len;
    }
    if (head.length === 0) return null;
    parts.push(...head);
  } else return null;
  for (const f of frames) {
    const rec = t.readRecord(f);
    if (!rec) return null;
    parts.push(rec.slice());
  }
  return {
    format: fmt === 'pcapng' ? 'pcapng' : 'pcap',
    bytes: concat(parts),
    frames: frames.map((f) => f.frameNo),
  };
}
