/**
 * CPU time of the two-part ingest's pieces, one after the other in one process (so the figures do not
 * depend on a second free core): one pass, head, tail, merge, and the speedup two free cores would
 * give (one pass / (max(head, tail) + merge)), worker start-up excluded.
 *   node --import tsx bench/tools/split-cost.ts FILE
 * Prints one JSON line.
 */
import { ingestCaptureFile, planSplit } from '../../src/sip-core/trace/ingest-file.node.js';
import { mergeTraceStates } from '../../src/sip-core/trace/trace-merge';

const file = process.argv[2];
if (!file) throw new Error('usage: split-cost.ts FILE');
const cpu = (c0: NodeJS.CpuUsage): number => {
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000;
};
const at = planSplit(file);
if (at === null) throw new Error(`${file} cannot be cut (not a classic pcap of at least 32 MB)`);
let best: Record<string, number> | null = null;
for (let round = 0; round < 2; round++) {
  let c0 = process.cpuUsage();
  const one = await ingestCaptureFile(file, { parse: false });
  const onePass = cpu(c0);
  one.file.close();
  c0 = process.cpuUsage();
  const head = await ingestCaptureFile(file, { parse: false, split: { role: 'head', offset: at } });
  const headMs = cpu(c0);
  c0 = process.cpuUsage();
  const tail = await ingestCaptureFile(file, { parse: false, split: { role: 'tail', offset: at } });
  const tailMs = cpu(c0);
  c0 = process.cpuUsage();
  const hs = head.split!;
  mergeTraceStates(
    {
      state: head.trace.exportState(),
      emitted: hs.emitted,
      framesBeforeSplit: hs.framesBeforeSplit,
      stats: head.stats,
    },
    { state: tail.trace.exportState(), stats: tail.stats },
  );
  const mergeMs = cpu(c0);
  head.file.close();
  tail.file.close();
  const r = {
    cutAt: Number((at / one.trace.source.size).toFixed(3)),
    messages: one.trace.count,
    onePassCpuMs: Math.round(onePass),
    headCpuMs: Math.round(headMs),
    tailCpuMs: Math.round(tailMs),
    mergeCpuMs: Math.round(mergeMs),
    twoCoreSpeedup: Number((onePass / (Math.max(headMs, tailMs) + mergeMs)).toFixed(2)),
  };
  // The second round runs optimized code; keep the faster one-pass round.
  if (best === null || r.onePassCpuMs < best.onePassCpuMs!) best = r;
}
console.log(JSON.stringify(best));
