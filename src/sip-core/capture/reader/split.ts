/**
 * Where to cut a classic pcap file in two for a two-part ingest: a record boundary near an offset,
 * found by checking a chain of plausible record headers (pcap-savefile(5): 16-byte headers, sub-second
 * field below 10^6 or 10^9, captured length not above the original length nor MAX_RECORD, times close
 * together). The head part confirms the cut while it reads (CapturePipeline.splitAtBoundary), so a
 * wrong guess costs only the parallelism, never correctness.
 */
import { MAX_RECORD } from './pcap';

/** Records checked in a row before a candidate offset is accepted. */
const CHAIN = 8;

/**
 * A record boundary in `window` (the file bytes at `windowOffset`), or -1. `header` is the file's
 * 24-byte global header; `fileSize` lets a chain end exactly at the end of the file.
 */
export function findPcapSplit(
  header: Uint8Array,
  window: Uint8Array,
  windowOffset: number,
  fileSize: number,
): number {
  if (header.length < 24) return -1;
  const hv = new DataView(header.buffer, header.byteOffset, header.byteLength);
  const magic = hv.getUint32(0, false);
  let le: boolean;
  if (magic === 0xa1b2c3d4 || magic === 0xa1b23c4d) le = false;
  else if (magic === 0xd4c3b2a1 || magic === 0x4d3cb2a1) le = true;
  else return -1;
  const ns = magic === 0xa1b23c4d || magic === 0x4d3cb2a1;
  const fracMax = ns ? 1e9 : 1e6;
  const dv = new DataView(window.buffer, window.byteOffset, window.byteLength);
  const n = window.length;
  const ok = (p: number): boolean => {
    let q = p;
    let sec0 = -1;
    for (let k = 0; k < CHAIN; k++) {
      if (windowOffset + q === fileSize) return k > 0;
      if (q + 16 > n) return false;
      const sec = dv.getUint32(q, le);
      const frac = dv.getUint32(q + 4, le);
      const cap = dv.getUint32(q + 8, le);
      const orig = dv.getUint32(q + 12, le);
      if (frac >= fracMax || cap > MAX_RECORD || cap > orig || cap === 0) return false;
      if (sec0 < 0) sec0 = sec;
      else if (Math.abs(sec - sec0) > 86400) return false;
      q += 16 + cap;
    }
    return true;
  };
  for (let p = 0; p + 16 <= n; p++) if (ok(p)) return windowOffset + p;
  return -1;
}
