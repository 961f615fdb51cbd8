/**
 * Opening a capture shows it after the quick analysis (tier 1); the full analysis follows in the
 * background. Before it ends, the calls list (no filter, by start), the message rows and a call's
 * messages come from tier 1 and must agree with the full analysis; after it ends everything equals an
 * adapter that analysed in full at once. The host reports progress and the end as `capture:analysis`.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { TraceAdapter } from '../../src/main/service/capture-loader';
import { openCapture } from '../../src/main/ingest';
import { Tier1Analysis } from '../../src/sip-core/analysis/tier1';
import { createHost } from '../../src/main/service/create-host';
import { SAMPLE_CAPTURE } from '../../src/main/paths';
import { ingestCaptureFile } from '../../src/sip-core/trace/ingest-file.node.js';
import { Events, Invoke, type AnalysisProgressEvent, type CallDto } from '../../src/shared/api';

const PUBLIC = resolve(__dirname, '../../../shared/captures/public');
const files = [SAMPLE_CAPTURE];
if (existsSync(PUBLIC)) {
  for (const f of readdirSync(PUBLIC).sort()) if (/\.(pcap|pcapng|cap)$/.test(f)) files.push(join(PUBLIC, f));
} else console.warn(`[skip] public captures absent (${PUBLIC}): only the sample capture is checked`);

async function adapters(path: string): Promise<{ quick: TraceAdapter; full: TraceAdapter }> {
  const a = await ingestCaptureFile(path);
  const b = await ingestCaptureFile(path);
  return {
    quick: new TraceAdapter(a.trace, a.diagnostics, { background: true }),
    full: new TraceAdapter(b.trace, b.diagnostics),
  };
}

/**
 * What the calls list shows for a call before legs are joined (tier 1 has no codecs, media, RTP or
 * DTMF digits: those come from the full analysis' media pass and fill their columns when it ends).
 */
function quickView(c: CallDto): Partial<CallDto> {
  const {
    codecs: _c,
    media: _m,
    diagnostics: _d,
    rtp: _r,
    rtpOneWay: _o,
    rtpLoss: _l,
    dtmf: _t,
    ...rest
  } = c;
  return rest;
}

describe.each(files)('background analysis of %s', (path) => {
  it('answers from tier 1 before the full analysis, and equals the full analysis after it', async () => {
    const { quick, full } = await adapters(path);
    try {
      expect(quick.analysisProgress()).toBeLessThan(1);
      const q = { offset: 0, limit: 100_000 };
      expect(quick.callsQueryReady(q)).toBe(true);
      expect(quick.callsQueryReady({ ...q, filter: 'sip.method == "INVITE"' })).toBe(false);
      expect(quick.callsQueryReady({ ...q, sort: 'from' })).toBe(false);
      const page = quick.queryCalls(q);
      const want = full.queryCalls(q);
      // Calls whose legs the full analysis joins are several tier-1 groups: compare the one-leg calls.
      const single = new Map(want.items.filter((c) => c.legs === 1).map((c) => [c.id, c]));
      let compared = 0;
      for (const c of page.items) {
        const w = single.get(c.id);
        if (!w) continue;
        expect(quickView(c)).toEqual(quickView(w));
        compared++;
      }
      if (want.items.every((c) => c.legs === 1)) expect(page.total).toBe(want.total);
      expect(compared).toBe(single.size);
      for (let id = 0; id < full.count(); id++) {
        const r = quick.row(id);
        const w = full.row(id);
        expect([r.transaction, r.dialog, r.retransmission]).toEqual([
          w.transaction,
          w.dialog,
          w.retransmission,
        ]);
        if (w.call && single.has(w.call)) expect(r.call).toBe(w.call);
      }
      for (const id of single.keys()) expect(quick.callMessageIds(id)).toEqual(full.callMessageIds(id));

      await quick.analyse();
      expect(quick.analysisProgress()).toBe(1);
      // The message checks (parser + lint codes) run after the analysis; then the problems row and
      // each call's diagnostics count equal the adapter that checked every message as it answered.
      await quick.checkMessages();
      expect(quick.checksProgress()).toBe(1);
      expect(quick.queryCalls(q)).toEqual(want);
      const f = { ...q, filter: 'sip.status >= 400' };
      expect(quick.queryCalls(f)).toEqual(full.queryCalls(f));
      for (let id = 0; id < Math.min(full.count(), 50); id++)
        expect(quick.detail(id)).toEqual(full.detail(id));
    } finally {
      quick.close();
      full.close();
    }
  });
});

describe('tier 1 while an ingest worker reads (openCapture onRows)', () => {
  it('hands the tier 1 it built part by part to the adapter: the same calls and rows', async () => {
    for (const path of files.slice(0, 4)) {
      let early: Tier1Analysis | null = null;
      let parts = 0;
      const grown = await openCapture(path, {
        parse: false,
        onTrace: (t) => void (early = new Tier1Analysis(t)),
        onRows: (t) => {
          expect(t).toBe(early!.trace);
          parts++;
          early!.catchUp();
        },
      });
      const plain = await openCapture(path, { parse: false });
      const t1 = early as Tier1Analysis | null;
      const n = plain.trace.count;
      if (n === 0) {
        grown.close();
        plain.close();
        continue;
      }
      expect(parts, path).toBeGreaterThan(0);
      expect(t1!.tx.n, path).toBeGreaterThan(0); // indexed before the adapter was made
      const a = new TraceAdapter(grown.trace, grown.diagnostics, { background: true, tier1: t1 });
      const b = new TraceAdapter(plain.trace, plain.diagnostics, { background: true });
      try {
        expect(t1!.count).toBe(n);
        const q = { offset: 0, limit: 100_000 };
        expect(a.queryCalls(q), path).toEqual(b.queryCalls(q));
        for (let id = 0; id < n; id++) expect(a.row(id), `${path} #${id}`).toEqual(b.row(id));
      } finally {
        a.close();
        b.close();
      }
    }
  }, 120_000);
});

describe('host', () => {
  const host = createHost({ mode: 'browser', recentFile: null });
  afterAll(() => host.dispose());

  it('reports the full analysis ending, then filters and details answer from it', async () => {
    const events: AnalysisProgressEvent[] = [];
    const ended = new Promise<void>((done) => {
      host.onEvent((event, payload) => {
        if (event !== Events.captureAnalysis) return;
        events.push(payload as AnalysisProgressEvent);
        if ((payload as AnalysisProgressEvent).complete) done();
      });
    });
    const cap = await host.openPath(SAMPLE_CAPTURE, { remember: false });
    expect(cap.state).toBe('ready');
    // A filtered query waits for the full analysis and answers from it.
    const failed = await host.invoke(Invoke.callsQuery, {
      captureId: cap.id,
      offset: 0,
      limit: 100,
      filter: 'call.state == "completed"',
    });
    expect(failed.filterError).toBeNull();
    await ended;
    const last = events.at(-1)!;
    expect(last).toMatchObject({
      captureId: cap.id,
      complete: true,
      total: cap.messages,
      done: cap.messages,
    });
    const list = await host.invoke(Invoke.captureList, null);
    const s = list.find((c) => c.id === cap.id)!;
    expect(s.analysis).toBe(1);
    expect(s.calls).toBe(last.calls);
    const all = await host.invoke(Invoke.callsQuery, { captureId: cap.id, offset: 0, limit: 100 });
    expect(all.total).toBe(last.calls);
    expect(failed.total).toBe(all.items.filter((c) => c.state === 'completed').length);
  });
});
