/**
 * IP fragment reassembly (IPv4 RFC 791 §3.2, IPv6 RFC 8200 §4.5): out of order, duplicated and
 * overlapping fragments; incomplete sets are reported when the capture ends.
 * @remarks On overlap the data that arrived first wins; a conflicting overlap is reported.
 */
import type { Diagnostic } from '../../diagnostic';
import type { FrameRef } from '../provenance';

interface Fragment {
  offset: number;
  data: Uint8Array;
  frame: FrameRef;
}

interface FragmentSet {
  frags: Fragment[];
  /** Total payload length once the last fragment (MF=0) was seen, else -1. */
  total: number;
  firstFrame: number;
  bytes: number;
  overlap: boolean;
  conflict: boolean;
}

export interface Reassembled {
  data: Uint8Array;
  frames: FrameRef[];
  diagnostics: Diagnostic[] | null;
}

/** Upper bounds that keep a hostile or damaged capture from holding unbounded memory. */
const MAX_SETS = 4096;
const MAX_SET_BYTES = 256 * 1024;

export class IpDefragmenter {
  readonly #sets = new Map<string, FragmentSet>();
  readonly #report: (d: Diagnostic) => void;
  /** Number of datagrams reassembled so far. */
  reassembled = 0;

  constructor(report: (d: Diagnostic) => void) {
    this.#report = report;
  }

  /**
   * Adds one fragment: `buf[start,end)` is its payload at byte `offset` of the original datagram.
   * Returns the reassembled payload when this fragment completes the set, else null.
   */
  add(
    key: string,
    offset: number,
    more: boolean,
    buf: Uint8Array,
    start: number,
    end: number,
    frame: FrameRef,
  ): Reassembled | null {
    let set = this.#sets.get(key);
    if (!set) {
      if (this.#sets.size >= MAX_SETS) this.#evictOldest();
      set = { frags: [], total: -1, firstFrame: frame.frameNo, bytes: 0, overlap: false, conflict: false };
      this.#sets.set(key, set);
    }
    const len = end - start;
    if (!more) set.total = offset + len;
    // Overlap check against what arrived before.
    for (const f of set.frags) {
      const a = Math.max(f.offset, offset);
      const b = Math.min(f.offset + f.data.length, offset + len);
      if (a < b) {
        set.overlap = true;
        for (let i = a; i < b; i++) {
          if (f.data[i - f.offset] !== buf[start + i - offset]) {
            set.conflict = true;
            break;
          }
        }
      }
    }
    set.frags.push({ offset, data: buf.slice(start, end), frame: { ...frame } });
    set.bytes += len;
    if (set.bytes > MAX_SET_BYTES) {
      this.#sets.delete(key);
      this.#report({
        code: 'ip-fragments-too-large',
        severity: 'warning',
        layer: 'ip',
        message: `IP fragments starting in frame ${set.firstFrame} exceed ${MAX_SET_BYTES} bytes and were dropped`,
      });
      return null;
    }
    if (set.total < 0) return null;
    // Complete when [0, total) is covered.
    const sorted = [...set.frags].sort((x, y) => x.offset - y.offset);
    let covered = 0;
    for (const f of sorted) {
      if (f.offset > covered) return null;
      covered = Math.max(covered, f.offset + f.data.length);
    }
    if (covered < set.total) return null;
    const data = new Uint8Array(set.total);
    // First arrival wins: write the latest first, so earlier fragments overwrite.
    for (let i = set.frags.length - 1; i >= 0; i--) {
      const f = set.frags[i]!;
      data.set(f.data.subarray(0, Math.max(0, Math.min(f.data.length, set.total - f.offset))), f.offset);
    }
    this.#sets.delete(key);
    this.reassembled++;
    const frames: FrameRef[] = [];
    for (const f of set.frags) if (!frames.some((x) => x.frameNo === f.frame.frameNo)) frames.push(f.frame);
    frames.sort((x, y) => x.frameNo - y.frameNo);
    let diagnostics: Diagnostic[] | null = null;
    if (set.overlap) {
      diagnostics = [
        {
          code: set.conflict ? 'ip-fragment-overlap-conflict' : 'ip-fragment-overlap',
          severity: set.conflict ? 'warning' : 'info',
          layer: 'ip',
          message: set.conflict
            ? `overlapping IP fragments (frames ${frames.map((f) => f.frameNo).join(', ')}) carry different data; the first received was kept`
            : `overlapping or duplicated IP fragments (frames ${frames.map((f) => f.frameNo).join(', ')})`,
        },
      ];
    }
    return { data, frames, diagnostics };
  }

  #evictOldest(): void {
    const first = this.#sets.keys().next();
    if (first.done) return;
    const set = this.#sets.get(first.value)!;
    this.#sets.delete(first.value);
    this.#incomplete(set);
  }

  #incomplete(set: FragmentSet): void {
    const frames = set.frags.map((f) => f.frame.frameNo);
    this.#report({
      code: 'ip-fragments-incomplete',
      severity: 'warning',
      layer: 'ip',
      message: `incomplete IP fragment set (frames ${frames.join(', ')}): ${set.bytes} bytes of ${
        set.total < 0 ? 'an unknown total (last fragment missing)' : set.total
      }`,
    });
  }

  /** At the end of the capture: reports every set that never completed. */
  flush(): void {
    for (const set of this.#sets.values()) this.#incomplete(set);
    this.#sets.clear();
  }
}
