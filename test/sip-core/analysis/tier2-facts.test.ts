/**
 * Tier 2 reads a message's analysis facts (capture/ingest-pass.ts `messageFacts`: Via count, SDP
 * body and its offset, Contact, loose Record-Routes, sent-by = source) instead of scanning it
 * (message-view.ts `readDeferred`): the trace JSON must be the one it gives with the facts off (every
 * message scanned), on every analysis fixture, sample and capture, through the tiered path and the
 * one-pass analyzer, and the facts must have been read.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TraceAnalyzer } from '../../../src/sip-core/analysis/analyzer';
import { TieredAnalysis } from '../../../src/sip-core/analysis/tiered';
import {
  AF_KNOWN,
  AF_SDP,
  factsCounters,
  ingestPassAvailable,
  messageFacts,
  messageFactsHlen,
  setMessageFacts,
} from '../../../src/sip-core/capture/ingest-pass';
import { canonicalIpv4 } from '../../../src/sip-core/capture/address';
import { AnalysisMessage } from '../../../src/sip-core/analysis/message-view';
import type { Trace } from '../../../src/sip-core/trace/trace';
import { toTraceJson } from '../../../src/sip-core/trace/trace-json';
import { ingestBytes } from '../../../src/sip-core/trace/trace-builder';

const repo = path.resolve(import.meta.dirname, '../../..');
const pub = path.resolve(repo, '../shared/captures/public');
const fixtures = path.join(repo, 'test/fixtures/analysis');

afterEach(() => setMessageFacts(true));

function captures(): string[] {
  const caps = [
    path.join(repo, 'resources/samples/sample-call.pcap'),
    path.join(repo, 'resources/samples/sample-problems.pcap'),
    path.join(fixtures, 'sipp/timer-a.pcap'),
  ].filter((f) => existsSync(f));
  if (existsSync(pub))
    for (const f of readdirSync(pub).sort()) if (/\.(pcap|pcapng|cap)$/.test(f)) caps.push(path.join(pub, f));
  return caps;
}

function analysed(bytes: Uint8Array, name: string, tiered: boolean, facts: boolean): string {
  setMessageFacts(facts);
  const t: Trace = ingestBytes(bytes, name, { parse: false }).trace;
  if (tiered) TieredAnalysis.attach(t).runTier2Now();
  else TraceAnalyzer.attach(t);
  const j = JSON.stringify(toTraceJson(t));
  t.close();
  return j;
}

describe.skipIf(!ingestPassAvailable())('tier 2 with analysis facts', () => {
  it('gives the trace JSON it gives with every message scanned (tiered and one pass)', () => {
    const asked = factsCounters.asked;
    let n = 0;
    for (const f of captures()) {
      const bytes = new Uint8Array(readFileSync(f));
      for (const tiered of [true, false]) {
        const off = analysed(bytes, path.basename(f), tiered, false);
        const on = analysed(bytes, path.basename(f), tiered, true);
        expect(on, `${path.basename(f)} ${tiered ? 'tiered' : 'one pass'}`).toBe(off);
        n++;
      }
    }
    expect(n).toBeGreaterThan(4);
    expect(factsCounters.asked - asked).toBeGreaterThan(100);
  });

  it('a view read with the facts answers as the scanned view does', () => {
    const deferred = new AnalysisMessage();
    const scanned = new AnalysisMessage();
    let known = 0;
    for (const f of captures()) {
      const t = ingestBytes(new Uint8Array(readFileSync(f)), path.basename(f), { parse: false }).trace;
      for (let id = 0; id < t.count; id++) {
        const raw = t.raw(id);
        const host = t.addresses[t.srcAddress(id)] ?? '';
        const facts = messageFacts(raw, 0, raw.length, canonicalIpv4(host));
        if ((facts & AF_KNOWN) === 0) continue;
        known++;
        const w = `${path.basename(f)} message ${id}`;
        const s = scanned.read(raw, 0, raw.length, null);
        const d = deferred.readDeferred(
          raw,
          0,
          raw.length,
          s.callId ?? '',
          s.kind,
          s.method,
          s.status,
          s.cseq,
          s.kind === 'response' ? s.cseqMethod : null,
          s.hasFromTag,
          s.hasToTag,
          s.branchHasCookie,
          facts,
          (facts & AF_SDP) !== 0 ? messageFactsHlen() : 0,
        );
        // the answers the facts give without a scan, then the scan's
        expect(d.hasSdpBody, w).toBe(s.bodyLength > 0 && s.contentTypeIsSdp);
        if (d.hasSdpBody) {
          expect(d.bodyStart, w).toBe(s.bodyStart);
          expect(d.bodyLength, w).toBe(s.bodyLength);
        }
        expect(d.hasContact, w).toBe(s.hasContact);
        expect(d.strictCheckNeeded, w).toBe(s.recordRouteCount > 0 && !s.recordRoutesLoose);
        if (d.viaSentByIsSource) expect(s.viaSentByHostIs(host), w).toBe(true);
        expect(d.viaCount, w).toBe(s.viaCount);
        expect(d.contact, w).toBe(s.contact);
        expect(d.branchHasCookie, w).toBe(s.branchHasCookie);
        deferred.release();
        scanned.release();
      }
      t.close();
    }
    expect(known).toBeGreaterThan(100);
  });
});
