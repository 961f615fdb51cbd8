/**
 * The app's open with the message checks computed ahead: after its read (and the facts ahead), the
 * ingest worker fills a shared column with every file-backed message's parser + lint codes
 * (trace/checks-ahead.ts) while tier 2 runs here; the checks pass then takes them from it. The column
 * equals what the pass computes; the codes, calls and trace JSON are the same with the worker off, on,
 * and slowed down so that the pass overtakes it; with the column full, the pass computes no codes of a
 * file-backed message itself; closing the trace stops the worker.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { benchCapture, expectFillStartsAndStops, manyRegionsCapture } from '../helpers/fill-ahead';
import { openCaptureWithTier1, TraceAdapter } from '../../src/main/service/capture-loader';
import { SAMPLE_CAPTURE } from '../../src/main/paths';
import {
  checksAheadDone,
  checksAheadOf,
  checksReaderOf,
  codeSetKey,
  messageCheckCodes,
  startChecksAhead,
  type ChecksColumn,
} from '../../src/sip-core/trace/checks-ahead';
import { checksCounters } from '../../src/sip-core/trace/message-checks';
import { ingestPassAvailable } from '../../src/sip-core/capture/ingest-pass';
import { toTraceJson } from '../../src/sip-core/trace/trace-json';
import type { Trace } from '../../src/sip-core/trace/trace';

const PUBLIC = resolve(__dirname, '../../../shared/captures/public');
const BENCH = benchCapture();
const files = [SAMPLE_CAPTURE];
if (existsSync(PUBLIC))
  for (const f of readdirSync(PUBLIC).sort()) if (/\.(pcap|pcapng|cap)$/.test(f)) files.push(join(PUBLIC, f));
// (several parts and ~65k messages: the bench capture, bench/data's or made by its generator)
files.push(BENCH);
/** The service's output off/on/slowed (three opens each): fewer captures, TCP, WebSocket, many codes. */
const serviceFiles = files.filter(
  (f) =>
    f === SAMPLE_CAPTURE ||
    f === BENCH ||
    /\/(heplify__sip_ipv4_tcp_fragmented|heplify__sip_tcp_websocket|heplify__erspan|sngrep__|ws__)/.test(f),
);

/** Waits (bounded) until the worker went through the whole column. */
async function full(c: ChecksColumn): Promise<void> {
  const t0 = Date.now();
  while (checksAheadDone(c) < c.col.length - 1 && Date.now() - t0 < 60_000)
    await new Promise((r) => setTimeout(r, 5));
  expect(checksAheadDone(c)).toBe(c.col.length - 1);
}

/** Messages whose bytes live in the trace's arena (reassembled): the worker leaves them to the pass. */
function inArena(t: Trace): number {
  const flags = t.exportState().columns.flags as Uint8Array;
  let n = 0;
  for (let id = 0; id < t.count; id++) if (flags[id]! & 4) n++;
  return n;
}

type Mode = 'off' | 'on' | 'slow';

async function serviceOutput(path: string, mode: Mode) {
  const { opened, tier1 } = await openCaptureWithTier1(path, {
    parse: false,
    // (the facts ahead off: their own test covers them; only the checks' worker differs here)
    factsAhead: false,
    checksAhead: mode === 'off' ? false : mode === 'on' ? true : { slowMs: 100 },
  });
  const c = checksAheadOf(opened.trace);
  const a = new TraceAdapter(opened.trace, opened.diagnostics, { background: true, tier1 });
  try {
    await a.analyse();
    // 'on': the column full before the checks pass (bounded wait)
    if (mode === 'on' && c) await full(c);
    const computed = checksCounters.computed;
    await a.checkMessages();
    const computedHere = checksCounters.computed - computed;
    const t = opened.trace;
    const codes: string[] = [];
    for (let id = 0; id < t.count; id++) codes.push(t.storedMessageCodes(id)!.join(','));
    return {
      n: t.count,
      c,
      arena: inArena(t),
      doneAtEnd: c ? checksAheadDone(c) : -1,
      computedHere,
      codes: codes.join('\n'),
      calls: JSON.stringify(a.queryCalls({ offset: 0, limit: 100_000 })),
      json: JSON.stringify(toTraceJson(t)),
    };
  } finally {
    a.close();
  }
}

describe.skipIf(!ingestPassAvailable())("the app's open with the message checks computed ahead", () => {
  const env = process.env.SIPSCOPE_CHECKS_AHEAD;
  afterEach(() => {
    if (env === undefined) delete process.env.SIPSCOPE_CHECKS_AHEAD;
    else process.env.SIPSCOPE_CHECKS_AHEAD = env;
  });

  it('fills the column with what the checks pass computes, message by message', async () => {
    let written = 0;
    for (const path of files) {
      const { opened } = await openCaptureWithTier1(path, {
        parse: false,
        factsAhead: false,
        checksAhead: true,
      });
      const t = opened.trace;
      try {
        const c = checksAheadOf(t);
        if (t.count === 0) continue;
        expect(c, path).not.toBeNull();
        startChecksAhead(t);
        await full(c!);
        const reader = checksReaderOf(t)!;
        const flags = t.exportState().columns.flags as Uint8Array;
        for (let id = 0; id < t.count; id++) {
          const got = reader.codes(id);
          if (flags[id]! & 4) {
            expect(got, `${path} #${id}`).toBeNull();
            continue;
          }
          const b = t.raw(id);
          expect(got, `${path} #${id}`).not.toBeNull();
          expect(codeSetKey(got!), `${path} #${id}`).toBe(codeSetKey(messageCheckCodes(b, 0, b.length)));
          written++;
        }
      } finally {
        opened.close();
      }
    }
    expect(written).toBeGreaterThan(0);
  }, 300_000);

  it('gives the same codes, calls and trace JSON with the worker off, on and slowed', async () => {
    let slowBehind = 0;
    for (const path of serviceFiles) {
      const off = await serviceOutput(path, 'off');
      if (off.n === 0) continue;
      expect(off.c, path).toBeNull();
      expect(off.computedHere, path).toBe(off.n);
      const on = await serviceOutput(path, 'on');
      const slow = await serviceOutput(path, 'slow');
      for (const r of [on, slow]) {
        expect(r.c, path).not.toBeNull();
        expect(r.codes, path).toBe(off.codes);
        expect(r.calls, path).toBe(off.calls);
        expect(r.json, path).toBe(off.json);
      }
      // The column handed over: with it full, the pass computed only the arena messages' codes.
      expect(on.computedHere, path).toBe(on.arena);
      if (slow.doneAtEnd < slow.n) slowBehind++;
    }
    // (the slowed worker was still behind when the pass ended: it computed the rest itself)
    expect(slowBehind).toBeGreaterThan(0);
  }, 600_000);

  it('is off with SIPSCOPE_CHECKS_AHEAD=0', async () => {
    process.env.SIPSCOPE_CHECKS_AHEAD = '0';
    const { opened } = await openCaptureWithTier1(SAMPLE_CAPTURE, { parse: false });
    expect(checksAheadOf(opened.trace)).toBeNull();
    opened.close();
    delete process.env.SIPSCOPE_CHECKS_AHEAD;
    const { opened: on } = await openCaptureWithTier1(SAMPLE_CAPTURE, { parse: false });
    expect(checksAheadOf(on.trace)).not.toBeNull();
    on.close();
  }, 60_000);

  it('the worker fills the column once started, and stops when the trace is closed', async () => {
    const { opened } = await openCaptureWithTier1(manyRegionsCapture(), {
      parse: false,
      factsAhead: false,
      checksAhead: { slowMs: 50 },
    });
    const c = checksAheadOf(opened.trace)!;
    expect(c).not.toBeNull();
    await expectFillStartsAndStops({
      done: () => checksAheadDone(c),
      start: () => startChecksAhead(opened.trace),
      close: () => opened.close(),
      total: c.col.length - 1,
    });
  }, 60_000);
});
