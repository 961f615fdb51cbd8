/**
 * Where to cut a classic pcap file in two for a two-part ingest: a record boundary near an offset,
 * found by checking a chain of plausible record headers (pcap-savefile(5): 16-byte headers, sub-second
 * field below 10^6 or 10^9, captured length not above the original length nor MAX_RECORD, times close
 * together). The head part confirms the cut while it reads (its records end exactly at the cut), so
 * a wrong guess costs only the parallelism, never correctness.
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

/**
 * Relative per-frame costs of a two-part ingest, in units of decoding one stateless UDP frame: a TCP
 * frame costs ~5.5×, the tail's copy of a frame it hands over to the head ~0.3× (fitted on the bench
 * captures, 2026-11, from CPU times noisy at load 10-12. Session 4: 4.5×. Session 6, with the ingest
 * pass (capture/ingest-pass.ts) making the UDP frame cheaper: 4.5× → head 21% more CPU than the tail;
 * 7× → tail 28% more; 5.5× (cut at 0.373 of the 1 GB bench file) → head 1,440 ms, tail 1,401 ms).
 */
export const SPLIT_COST = { statefulFrame: 5.5, handoff: 0.3 };

/**
 * Where to cut for equal work, as a fraction of the file, given the share `t` of frames that are
 * not stateless UDP: the head decodes everything before the cut and the stateful frames after it
 * (handed over by the tail); the tail decodes the stateless frames after the cut and copies the
 * others. With A the head's per-frame cost before the cut, B after it, C the tail's:
 * x·A + (1−x)·B = (1−x)·C. 0.5 for UDP only, about 0.36 with 5% TCP frames; kept within [0.2, 0.5].
 */
export function splitFraction(t: number): number {
  const { statefulFrame: c, handoff: h } = SPLIT_COST;
  const a = 1 - t + t * c;
  const b = t * c;
  const cc = 1 - t + t * h;
  const x = (cc - b) / (a + cc - b);
  return Math.min(0.5, Math.max(0.2, x));
}

/**
 * Share of frames that are not stateless UDP among the whole records of `window` (file bytes from a
 * record boundary), judged by `isStateless(frameStart, frameEnd)`; null when no record is whole.
 */
export function statefulShare(
  header: Uint8Array,
  window: Uint8Array,
  isStateless: (buf: Uint8Array, start: number, end: number) => boolean,
): number | null {
  if (header.length < 24) return null;
  const magic = new DataView(header.buffer, header.byteOffset, 4).getUint32(0, false);
  const le = magic === 0xd4c3b2a1 || magic === 0x4d3cb2a1;
  const dv = new DataView(window.buffer, window.byteOffset, window.byteLength);
  let p = 0;
  let frames = 0;
  let stateful = 0;
  while (p + 16 <= window.length) {
    const cap = dv.getUint32(p + 8, le);
    if (cap > MAX_RECORD || p + 16 + cap > window.length) break;
    frames++;
    if (!isStateless(window, p + 16, p + 16 + cap)) stateful++;
    p += 16 + cap;
  }
  return frames > 0 ? stateful / frames : null;
}
