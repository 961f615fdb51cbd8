/**
 * The app's open (`openCaptureWithTier1`): tier 1 indexes the trace on this thread while the worker
 * hands it over in parts; the full analysis (tier 2) runs after the open in chunks (`analyse`). After
 * it ends, the calls, rows and trace JSON equal an adapter that analysed the same capture in full at
 * once.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { openCaptureWithTier1, TraceAdapter } from '../../src/main/service/capture-loader';
import { SAMPLE_CAPTURE } from '../../src/main/paths';
import { ingestCaptureFile } from '../../src/sip-core/trace/ingest-file.node.js';
import { toTraceJson } from '../../src/sip-core/trace/trace-json';
import { benchCapture } from '../helpers/fill-ahead';

const PUBLIC = resolve(__dirname, '../../../shared/captures/public');
const BENCH = benchCapture();
const files = [SAMPLE_CAPTURE];
if (existsSync(PUBLIC)) {
  for (const f of readdirSync(PUBLIC).sort()) if (/\.(pcap|pcapng|cap)$/.test(f)) files.push(join(PUBLIC, f));
} else console.warn(`[skip] public captures absent (${PUBLIC}): only the sample capture is checked`);
// (several parts: the bench capture, bench/data's or made by its generator)
files.push(BENCH);

describe("the app's open: tier 1 during the read, then tier 2", () => {
  it('ends with the calls, rows and trace JSON of a full analysis', async () => {
    for (const path of files) {
      const { opened, tier1 } = await openCaptureWithTier1(path, { parse: false });
      const plain = await ingestCaptureFile(path, { parse: false });
      const n = plain.trace.count;
      if (n === 0) {
        opened.close();
        plain.file.close();
        continue;
      }
      expect(tier1, path).not.toBeNull();
      const a = new TraceAdapter(opened.trace, opened.diagnostics, { background: true, tier1 });
      const b = new TraceAdapter(plain.trace, plain.diagnostics);
      try {
        const seen: number[] = [];
        await a.analyse((done) => seen.push(done));
        expect(a.analysisProgress()).toBe(1);
        await a.checkMessages();
        const q = { offset: 0, limit: 100_000 };
        expect(a.queryCalls(q), path).toEqual(b.queryCalls(q));
        for (let id = 0; id < Math.min(n, 5000); id++) expect(a.row(id), `${path} #${id}`).toEqual(b.row(id));
        expect(JSON.stringify(toTraceJson(opened.trace)), path).toBe(
          JSON.stringify(toTraceJson(plain.trace)),
        );
      } finally {
        a.close();
        b.close();
      }
    }
  }, 300_000);

  it('a closed adapter stops the pass (analyse rejects)', async () => {
    const path = files[files.length - 1]!;
    const { opened, tier1 } = await openCaptureWithTier1(path, { parse: false });
    const a = new TraceAdapter(opened.trace, opened.diagnostics, { background: true, tier1 });
    const p = a.analyse();
    const before = a.analysisProgress();
    a.close();
    const outcome = await p.then(
      () => 'complete',
      (e: Error) => e.message,
    );
    // (a small capture's tier 2 may end in its first chunk: then there is nothing left to stop)
    expect(outcome).toBe(before < 1 ? 'tier 2 analysis aborted' : 'complete');
  }, 120_000);
});
