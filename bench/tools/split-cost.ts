/**
 * CPU time of the two-part ingest's pieces, one after the other in one process (so the figures do not
 * depend on a second free core): one pass, head, tail, the merge's two shares (the head's: order,
 * tables, id-mapped columns; the tail's: the other columns, see `tailSideColumns`), and the speedup
 * two free cores would give (one pass / (max(head, tail) + max(head merge, tail merge))), worker
 * start-up and transfers excluded; each part's least CPU time over three rounds.
 *   node --import tsx bench/tools/split-cost.ts FILE
 * Prints one JSON line.
 */
import { ingestCaptureFile, planSplit } from '../../src/sip-core/trace/ingest-file.node.js';
import {
  mergeOrder,
  mergeRegion,
  mergeTraceStatesWith,
  shiftTailArena,
  tailSideColumns,
} from '../../src/sip-core/trace/trace-merge';

type Column = Uint8Array | Uint16Array | Uint32Array | Float64Array;

const file = process.argv[2];
if (!file) throw new Error('usage: split-cost.ts FILE');
const cpu = (c0: NodeJS.CpuUsage): number => {
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000;
};
const at = planSplit(file);
if (at === null) throw new Error(`${file} cannot be cut (not a classic pcap of at least 32 MB)`);
// Each part's cost is its least CPU time over the rounds (a lower bound that load inflates least;
// the first round also pays for compiling).
const least = { onePass: Infinity, head: Infinity, tail: Infinity, merge: Infinity, tailMerge: Infinity };
let messages = 0;
let size = 1;
for (let round = 0; round < 3; round++) {
  let c0 = process.cpuUsage();
  const one = await ingestCaptureFile(file, { parse: false });
  least.onePass = Math.min(least.onePass, cpu(c0));
  messages = one.trace.count;
  size = one.trace.source.size;
  one.file.close();
  // The tail first (it hands the frames it does not decode over to the head: kept here), then the head.
  const chunks: Uint8Array[] = [];
  c0 = process.cpuUsage();
  const tail = await ingestCaptureFile(file, {
    parse: false,
    split: { role: 'tail', offset: at },
    handoff: { send: (c) => void (c && chunks.push(c)) },
  });
  least.tail = Math.min(least.tail, cpu(c0));
  let next = 0;
  c0 = process.cpuUsage();
  const head = await ingestCaptureFile(file, {
    parse: false,
    split: { role: 'head', offset: at },
    handoff: { receive: () => chunks[next++] ?? null },
  });
  least.head = Math.min(least.head, cpu(c0));
  // The merge as two workers share it: the tail part merges the columns that need no id mapping
  // (its regions), the head the others and the tables; each share timed on its own.
  const hs = head.split!;
  const hState = head.trace.exportState();
  const tState = tail.trace.exportState();
  const tailSide = tailSideColumns(tState.columns);
  const kept: Record<string, Column> = {};
  for (const name of tailSide) {
    kept[name] = tState.columns[name]!;
    delete tState.columns[name];
  }
  c0 = process.cpuUsage();
  const order = mergeOrder(
    hs.emitted,
    hs.framesBeforeSplit,
    hState.count,
    tState.columns.frame as Uint32Array,
    tState.count,
  );
  const headRows: Record<string, Column> = {};
  for (const name of tailSide) headRows[name] = hState.columns[name]!.slice(order.k0, hState.count);
  const headOrderMs = cpu(c0);
  c0 = process.cpuUsage();
  shiftTailArena(kept, hState.arena.chunks.length);
  const regions = new Map<string, Column>();
  for (const name of tailSide)
    regions.set(name, mergeRegion(headRows[name]!, kept[name]!, order.ord, order.k0));
  least.tailMerge = Math.min(least.tailMerge, cpu(c0));
  c0 = process.cpuUsage();
  mergeTraceStatesWith(
    {
      state: hState,
      emitted: hs.emitted,
      framesBeforeSplit: hs.framesBeforeSplit,
      stats: head.stats,
      addressTable: hs.addressTable,
    },
    { state: tState, stats: tail.stats },
    order,
    (name) => regions.get(name) ?? null,
  );
  least.merge = Math.min(least.merge, cpu(c0) + headOrderMs);
  head.file.close();
  tail.file.close();
}
console.log(
  JSON.stringify({
    cutAt: Number((at / size).toFixed(3)),
    messages,
    onePassCpuMs: Math.round(least.onePass),
    headCpuMs: Math.round(least.head),
    tailCpuMs: Math.round(least.tail),
    mergeCpuMs: Math.round(least.merge),
    tailMergeCpuMs: Math.round(least.tailMerge),
    // the head's share of the merge waits for the tail's regions when those take longer
    twoCoreSpeedup: Number(
      (least.onePass / (Math.max(least.head, least.tail) + Math.max(least.merge, least.tailMerge))).toFixed(
        2,
      ),
    ),
  }),
);
