/**
 * pcap and pcapng writers: a selection of messages exported with their original frames (every frame
 * of a reassembled message, each frame once, in frame order), so tshark reads back the same SIP.
 * The frame bytes are read back from the source capture by record offset (provenance, STYLE.md
 * habit 7); nothing is re-synthesised.
 * @remarks pcap-savefile(5); pcapng: draft-ietf-opsawg-pcapng §4.1 SHB, §4.2 IDB, §4.3 EPB.
 */
import { pcapGlobalHeader } from './synthesize';
import type { FrameRef } from '../provenance';
import type { Trace } from '../../trace/trace';

export interface WriteResult {
  frames: number;
  bytes: number;
  /** Messages whose frames could not be read back (trace without a readable source). */
  skippedMessages: number;
  /** pcap only: frames dropped because their link type differs from the first one (use pcapng). */
  skippedFrames: number;
}

interface OutFrame {
  ref: FrameRef;
  data: Uint8Array;
  origLen: number;
}

/** The packet bytes inside a pcap record or a pcapng EPB/SPB/PB block, whatever the byte order. */
export function packetOfRecord(rec: Uint8Array): { data: Uint8Array; origLen: number } | null {
  if (rec.length < 12) return null;
  const dv = new DataView(rec.buffer, rec.byteOffset, rec.byteLength);
  for (const le of [true, false]) {
    const type = dv.getUint32(0, le);
    const total = dv.getUint32(4, le);
    if (total === rec.length && total >= 12) {
      if ((type === 6 || type === 2) && rec.length >= 32) {
        const cap = dv.getUint32(20, le);
        if (28 + cap <= rec.length)
          return { data: rec.subarray(28, 28 + cap), origLen: dv.getUint32(24, le) };
      }
      if (type === 3 && rec.length >= 16) {
        const orig = dv.getUint32(8, le);
        return { data: rec.subarray(12, 12 + Math.min(orig, rec.length - 16)), origLen: orig };
      }
    }
  }
  // Classic pcap record: 16-byte header, caplen at +8 in either byte order.
  if (rec.length >= 16) {
    for (const le of [true, false]) {
      const cap = dv.getUint32(8, le);
      if (16 + cap === rec.length) return { data: rec.subarray(16), origLen: dv.getUint32(12, le) };
    }
  }
  return null;
}

function collect(
  trace: Trace,
  ids: Iterable<number>,
  extra: readonly FrameRef[],
): { frames: OutFrame[]; skipped: number } {
  const byNo = new Map<number, OutFrame>();
  let skipped = 0;
  // Frames that are not a message's (a call's RTP): each read back as it is, those not readable left out.
  for (const ref of extra) {
    if (byNo.has(ref.frameNo)) continue;
    const rec = trace.readRecord(ref);
    const pkt = rec ? packetOfRecord(rec) : null;
    if (pkt) byNo.set(ref.frameNo, { ref, data: pkt.data.slice(), origLen: pkt.origLen });
  }
  for (const id of ids) {
    const refs = [...trace.contextFrames(id), ...trace.frames(id)];
    const got: OutFrame[] = [];
    for (const ref of refs) {
      if (byNo.has(ref.frameNo)) continue;
      const rec = trace.readRecord(ref);
      const pkt = rec ? packetOfRecord(rec) : null;
      if (!pkt) {
        got.length = 0;
        break;
      }
      got.push({ ref, data: pkt.data.slice(), origLen: pkt.origLen });
    }
    if (got.length === 0 && refs.some((r) => !byNo.has(r.frameNo))) {
      skipped++;
      continue;
    }
    for (const f of got) byNo.set(f.ref.frameNo, f);
  }
  return { frames: [...byNo.values()].sort((a, b) => a.ref.frameNo - b.ref.frameNo), skipped };
}

/**
 * Writes the selected messages' frames as classic pcap (µs, little-endian, one link type), with
 * `extra` frames of the same capture (a call's RTP) among them in frame order.
 */
export function writePcap(
  trace: Trace,
  ids: Iterable<number>,
  write: (chunk: Uint8Array) => void,
  extra: readonly FrameRef[] = [],
): WriteResult {
  const { frames, skipped } = collect(trace, ids, extra);
  const link = frames[0]?.ref.linkType ?? 1;
  write(pcapGlobalHeader(link));
  let bytes = 24;
  let n = 0;
  let dropped = 0;
  for (const f of frames) {
    if ((f.ref.linkType ?? 1) !== link) {
      dropped++;
      continue;
    }
    const rec = new Uint8Array(16 + f.data.length);
    const v = new DataView(rec.buffer);
    const t = f.ref.timeUs ?? 0;
    v.setUint32(0, Math.floor(t / 1e6), true);
    v.setUint32(4, t % 1e6, true);
    v.setUint32(8, f.data.length, true);
    v.setUint32(12, f.origLen, true);
    rec.set(f.data, 16);
    write(rec);
    bytes += rec.length;
    n++;
  }
  return { frames: n, bytes, skippedMessages: skipped, skippedFrames: dropped };
}

function block(type: number, body: Uint8Array): Uint8Array {
  const pad = (4 - (body.length % 4)) % 4;
  const len = 12 + body.length + pad;
  const b = new Uint8Array(len);
  const v = new DataView(b.buffer);
  v.setUint32(0, type, true);
  v.setUint32(4, len, true);
  b.set(body, 8);
  v.setUint32(len - 4, len, true);
  return b;
}

/** Writes the selected messages' frames (and `extra` ones) as pcapng: one interface per link type, µs timestamps. */
export function writePcapng(
  trace: Trace,
  ids: Iterable<number>,
  write: (chunk: Uint8Array) => void,
  extra: readonly FrameRef[] = [],
): WriteResult {
  const { frames, skipped } = collect(trace, ids, extra);
  const shb = new Uint8Array(16);
  const sv = new DataView(shb.buffer);
  sv.setUint32(0, 0x1a2b3c4d, true);
  sv.setUint16(4, 1, true);
  sv.setUint16(6, 0, true);
  sv.setInt32(8, -1, true);
  sv.setInt32(12, -1, true); // section length unknown
  const out: Uint8Array[] = [block(0x0a0d0d0a, shb)];
  const ifaces = new Map<number, number>();
  for (const f of frames) {
    const lt = f.ref.linkType ?? 1;
    if (!ifaces.has(lt)) {
      ifaces.set(lt, ifaces.size);
      const idb = new Uint8Array(8);
      const iv = new DataView(idb.buffer);
      iv.setUint16(0, lt, true);
      iv.setUint32(4, 262144, true);
      out.push(block(1, idb));
    }
  }
  for (const b of out) write(b);
  let bytes = out.reduce((n, b) => n + b.length, 0);
  for (const f of frames) {
    const body = new Uint8Array(20 + f.data.length);
    const v = new DataView(body.buffer);
    const t = f.ref.timeUs ?? 0;
    v.setUint32(0, ifaces.get(f.ref.linkType ?? 1)!, true);
    v.setUint32(4, Math.floor(t / 4294967296), true);
    v.setUint32(8, t % 4294967296, true);
    v.setUint32(12, f.data.length, true);
    v.setUint32(16, f.origLen, true);
    body.set(f.data, 20);
    const b = block(6, body);
    write(b);
    bytes += b.length;
  }
  return { frames: frames.length, bytes, skippedMessages: skipped, skippedFrames: 0 };
}
