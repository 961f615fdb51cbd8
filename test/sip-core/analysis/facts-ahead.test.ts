/**
 * The analysis facts computed ahead (analysis/facts-ahead.ts): the column `fillFactsAhead` writes
 * holds, for every message whose bytes lie in the file, what tier 2 computes (`messageFacts` and its
 * header length, the SDP body's cache key), and 0 for the others; tier 2 reading a full, partial or
 * empty column gives the trace JSON it gives without one, computes no facts itself where the column
 * holds them, keys SDP bodies by the column's hashes and reads the route-set rule's lines from it.
 */
import { existsSync, readdirSync, readSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  FA_DONE,
  FA_ROUTES,
  FA_SDP_KEY,
  FA_STRIDE,
  factsAheadDone,
  fillFactsAhead,
  newFactsColumn,
  setFactsAhead,
  type FactsSource,
} from '../../../src/sip-core/analysis/facts-ahead';
import { sdpBodyHash, sdpHashOut } from '../../../src/sip-core/analysis/sdp-summary';
import { TieredAnalysis } from '../../../src/sip-core/analysis/tiered';
import {
  AF_KNOWN,
  AF_SDP,
  factsCounters,
  ingestPassAvailable,
  messageFacts,
  messageFactsHlen,
  messageFactsRoutes,
} from '../../../src/sip-core/capture/ingest-pass';
import { canonicalIpv4 } from '../../../src/sip-core/capture/address';
import { ingestCaptureFile } from '../../../src/sip-core/trace/ingest-file.node.js';
import type { Trace } from '../../../src/sip-core/trace/trace';
import { toTraceJson } from '../../../src/sip-core/trace/trace-json';

const repo = path.resolve(import.meta.dirname, '../../..');
const pub = path.resolve(repo, '../shared/captures/public');

function captures(): string[] {
  const caps = [
    path.join(repo, 'resources/samples/sample-call.pcap'),
    path.join(repo, 'resources/samples/sample-problems.pcap'),
  ].filter((f) => existsSync(f));
  if (existsSync(pub))
    for (const f of readdirSync(pub).sort()) if (/\.(pcap|pcapng|cap)$/.test(f)) caps.push(path.join(pub, f));
  return caps;
}

/** A capture read in this thread (file-backed), its facts source, and a full column. */
async function opened(file: string): Promise<{ trace: Trace; source: FactsSource; close(): void }> {
  const r = await ingestCaptureFile(file, { parse: false });
  const c = r.trace.exportState().columns;
  const source: FactsSource = {
    count: r.trace.count,
    flags: c.flags as Uint8Array,
    rawOff: c.rawOff as Float64Array,
    rawLen: c.rawLen as Uint32Array,
    src: c.src as Uint32Array,
    addresses: r.trace.addresses,
    read: (buf, offset, length) => readSync(r.file.fd, buf, 0, length, offset),
  };
  return { trace: r.trace, source, close: () => r.file.close() };
}

/** Tier 2's trace JSON, with `col` as its facts ahead (or none), and the facts it computed itself. */
async function tier2(file: string, col: ((s: FactsSource) => Int32Array) | null) {
  const o = await opened(file);
  try {
    if (col) setFactsAhead(o.trace, col(o.source));
    const asked = factsCounters.asked;
    TieredAnalysis.attach(o.trace).runTier2Now();
    return { json: JSON.stringify(toTraceJson(o.trace)), asked: factsCounters.asked - asked };
  } finally {
    o.close();
  }
}

const full = (s: FactsSource): Int32Array => {
  const col = newFactsColumn(s.count);
  expect(fillFactsAhead(s, col)).toBe(s.count);
  return col;
};

describe.skipIf(!ingestPassAvailable())('analysis facts computed ahead', () => {
  it('the column holds what messageFacts answers, for the file-backed messages only', async () => {
    let filled = 0;
    let arena = 0;
    let sdp = 0;
    let routes = 0;
    for (const f of captures()) {
      const o = await opened(f);
      const col = newFactsColumn(o.trace.count);
      fillFactsAhead(o.source, col);
      expect(factsAheadDone(col), f).toBe(o.trace.count);
      for (let id = 0; id < o.trace.count; id++) {
        const e = id * FA_STRIDE;
        if (o.source.flags[id]! & 4) {
          expect([...col.subarray(e, e + FA_STRIDE)], `${f} #${id}`).toEqual([0, 0, 0, 0]);
          arena++;
          continue;
        }
        const raw = o.trace.raw(id);
        const v = messageFacts(
          raw,
          0,
          raw.length,
          canonicalIpv4(o.trace.addresses[o.trace.srcAddress(id)] ?? ''),
        );
        const hlen = (v & AF_SDP) !== 0 ? messageFactsHlen() : 0;
        expect(col[e + FA_ROUTES], `${f} #${id}`).toBe((v & AF_KNOWN) !== 0 ? messageFactsRoutes() : 0);
        if ((v & AF_KNOWN) !== 0 && messageFactsRoutes() !== 0) routes++;
        if (hlen > 0) {
          sdp++;
          sdpBodyHash(raw, hlen, raw.length);
          expect([col[e + FA_SDP_KEY], col[e + FA_SDP_KEY + 1]], `${f} #${id}`).toEqual([...sdpHashOut]);
        }
        expect(col[e], `${f} #${id}`).toBe(FA_DONE | v | (hlen << 8));
        filled++;
      }
      o.close();
    }
    expect(filled).toBeGreaterThan(500);
    expect(arena).toBeGreaterThan(0); // (TCP and fragmented captures among the public ones)
    expect(sdp).toBeGreaterThan(50);
    expect(routes).toBeGreaterThan(50);
  });

  it('tier 2 gives the same trace JSON with a full, partial or empty column, and uses it', async () => {
    let used = 0;
    for (const f of captures()) {
      const none = await tier2(f, null);
      const withFull = await tier2(f, full);
      expect(withFull.json, f).toBe(none.json);
      // every other run of 1 message left out (the other thread behind, or an arena message)
      const partial = await tier2(f, (s) => {
        const col = full(s);
        for (let id = 0; id < s.count; id += 2) col[id * FA_STRIDE] = 0;
        return col;
      });
      expect(partial.json, f).toBe(none.json);
      const empty = await tier2(f, (s) => newFactsColumn(s.count));
      expect(empty.json, f).toBe(none.json);
      expect(empty.asked, f).toBe(none.asked);
      expect(withFull.asked, f).toBeLessThanOrEqual(partial.asked);
      expect(partial.asked, f).toBeLessThanOrEqual(none.asked);
      used += none.asked - withFull.asked;
    }
    // (tier 2 computed the facts itself only for messages the column does not hold)
    expect(used).toBeGreaterThan(500);
  });

  /**
   * Tier 2's trace JSON without a column and with a full column `edit` changed, for each capture where
   * the two differ (tier 2 took what was changed from the column).
   */
  async function differWithColumn(edit: (col: Int32Array, count: number) => void): Promise<string[]> {
    const out: string[] = [];
    for (const f of captures()) {
      const none = await tier2(f, null);
      const edited = await tier2(f, (s) => {
        const col = full(s);
        edit(col, s.count);
        return col;
      });
      if (edited.json !== none.json) out.push(none.json);
    }
    return out;
  }

  it("tier 2 keys an SDP body by the column's hashes", async () => {
    // Every SDP body given the first one's key: tier 2 then takes the first body's facts for all of
    // them (its cache is by key), which it would not do if it hashed the bodies itself.
    const differ = await differWithColumn((col, count) => {
      let first = -1;
      for (let id = 0; id < count; id++) {
        const e = id * FA_STRIDE;
        if ((col[e]! & AF_SDP) === 0) continue;
        if (first < 0) first = e;
        col[e + FA_SDP_KEY] = col[first + FA_SDP_KEY]!;
        col[e + FA_SDP_KEY + 1] = col[first + FA_SDP_KEY + 1]!;
      }
    });
    expect(differ.length).toBeGreaterThan(3);
  });

  it('tier 2 reads the Route / Record-Route lines from the column', async () => {
    // Every entry saying "no Route, no Record-Route line": the route-set rule then finds no route set
    // (no in-dialog-request-without-route-set), which it would not if it walked the messages itself.
    const differ = await differWithColumn((col, count) => {
      for (let id = 0; id < count; id++)
        if ((col[id * FA_STRIDE]! & AF_KNOWN) !== 0) col[id * FA_STRIDE + FA_ROUTES] = 0;
    });
    expect(differ.length).toBeGreaterThan(0);
    for (const json of differ) expect(json).toContain('in-dialog-request-without-route-set');
  });

  it("fills from a given message: the entries before it stay 0, those after are the full fill's", async () => {
    // (the app's open: tier 2 analysed the first messages while the file was read, and starts the
    // worker's fill at its next message)
    let checked = 0;
    for (const f of captures()) {
      const o = await opened(f);
      const all = full(o.source);
      const n = o.trace.count;
      for (const from of [0, 1, Math.floor(n / 3), n - 1, n, n + 5]) {
        const col = newFactsColumn(n);
        expect(fillFactsAhead(o.source, col, {}, from), `${f} from ${from}`).toBe(n);
        expect(factsAheadDone(col), `${f} from ${from}`).toBe(n);
        const at = Math.min(from, n) * FA_STRIDE;
        expect(
          col.subarray(0, at).every((v) => v === 0),
          `${f} from ${from}`,
        ).toBe(true);
        expect([...col.subarray(at, n * FA_STRIDE)], `${f} from ${from}`).toEqual([
          ...all.subarray(at, n * FA_STRIDE),
        ]);
        checked += n - Math.min(from, n);
      }
      o.close();
    }
    expect(checked).toBeGreaterThan(1000);
  });

  it('stops when cancelled, between runs', async () => {
    const f = captures().find((x) => x.endsWith('sample-call.pcap'))!;
    const o = await opened(f);
    const col = newFactsColumn(o.trace.count);
    expect(fillFactsAhead(o.source, col, { cancelled: () => true })).toBe(0);
    expect(factsAheadDone(col)).toBe(0);
    expect(col.every((v) => v === 0)).toBe(true);
    o.close();
  });
});
