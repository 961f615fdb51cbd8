/**
 * The route-set rule (`in-dialog-request-without-route-set`, RFC 3261 §12.2.1.1): where it fires on
 * the real-peer problems sample (erin's ACK and BYE, sent by SIPp without the route set Kamailio's
 * Record-Route gave), the sides of a two-proxy dialog, and that its fast reading (route-set.ts
 * `routeHashes`) changes no answer: the trace JSON with it off (every request decided on the parses)
 * equals the JSON with it on, on every analysis fixture, sample and capture, one pass and tiered.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { analyzeTrace } from '../../../src/sip-core/analysis';
import { TraceAnalyzer } from '../../../src/sip-core/analysis/analyzer';
import { TieredAnalysis } from '../../../src/sip-core/analysis/tiered';
import {
  RK_FOUND,
  RK_NONE,
  RK_UNKNOWN,
  routeHashes,
  routeOut,
  setRouteHashes,
} from '../../../src/sip-core/analysis/route-set';
import type { Trace } from '../../../src/sip-core/trace/trace';
import { toTraceJson } from '../../../src/sip-core/trace/trace-json';
import { ingestBytes } from '../../../src/sip-core/trace/trace-builder';
import { loadFixture, traceOfText } from '../../fixtures/analysis/load';

const repo = path.resolve(import.meta.dirname, '../../..');
const pub = path.resolve(repo, '../shared/captures/public');
const fixtures = path.join(repo, 'test/fixtures/analysis');
const CODE = 'in-dialog-request-without-route-set';

afterEach(() => setRouteHashes(true));

function sample(name: string): Trace {
  const f = path.join(repo, 'resources/samples', name);
  return ingestBytes(new Uint8Array(readFileSync(f)), name, { parse: false }).trace;
}

describe('in-dialog-request-without-route-set', () => {
  it("names the cause on erin's ACK and BYE in the problems sample (frames 21 and 38), nowhere else", () => {
    const t = sample('sample-problems.pcap');
    const a = TieredAnalysis.attach(t).runTier2Now();
    const hits = a.diagnostics().filter((d) => d.code === CODE);
    expect(hits.map((d) => [d.frame, d.severity, d.rfc, d.call, d.dialog])).toEqual([
      [21, 'error', '3261 §12.2.1.1', 'C2', 'D2'],
      [38, 'error', '3261 §12.2.1.1', 'C2', 'D2'],
    ]);
    const rr = '<sip:127.0.0.20;lr;ftag=8583SIPpTag001>';
    expect(hits[0]!.message).toBe(
      `ACK (CSeq 1) from the caller carries no Route, but the dialog's route set is ${rr} (the Record-Route of its 200, reversed): the request must start with ${rr}`,
    );
    expect(hits[1]!.message).toMatch(/^BYE \(CSeq 2\) from the caller carries no Route/);
    // erin's later ACKs repeat the first (retransmissions): not reported again.
    expect(a.messageFields(26).retransmission).toBe(true);
    expect(a.messageFields(26).diagnostics).not.toContain(CODE);
    // bob's calls: the ACK and BYE carry the route set (frames 8, 10, 64, 66).
    for (const id of [7, 9, 63, 65]) expect(a.messageFields(id).diagnostics, `frame ${id + 1}`).toEqual([]);
    t.close();
  });

  it('reads each side its own route set: the caller the Record-Route reversed, the callee in order', () => {
    // clean-route-set: B's Record-Route is [P2, P1]; A sends [P1, P2], B sends [P2, P1].
    const ok = analyzeTrace(loadFixture(path.join(fixtures, 'rules/clean-route-set.sip')));
    expect(ok.diagnostics().filter((d) => d.code === CODE)).toEqual([]);
    const d = ok.dialogs()[0]!;
    expect(d.routeSet.caller).toEqual(['<sip:198.51.100.20;lr;ftag=a-tag-1>', '<sip:198.51.100.21;lr>']);
    // The same requests with each side's Route in the other side's order: every one of them fires.
    const swapped = readFileSync(path.join(fixtures, 'rules/clean-route-set.sip'), 'utf8').replace(
      /Route: <sip:198\.51\.100\.(20;lr;ftag=a-tag-1|21;lr)>\nRoute: <sip:198\.51\.100\.(20;lr;ftag=a-tag-1|21;lr)>/g,
      'Route: <sip:198.51.100.$2>\nRoute: <sip:198.51.100.$1>',
    );
    const a = analyzeTrace(traceOfText(swapped));
    const hits = a.diagnostics().filter((x) => x.code === CODE);
    // the caller's ACK and BYE, the callee's re-INVITE and its ACK (one Via each; the proxies' copies not)
    expect(hits.map((x) => x.message.slice(0, x.message.indexOf(' carries')))).toEqual([
      'ACK (CSeq 1) from the caller',
      'INVITE (CSeq 1) from the callee',
      'ACK (CSeq 1) from the callee',
      'BYE (CSeq 2) from the caller',
    ]);
  });

  it("takes a confirmed dialog's route set from its 2xx, not from the 18x that made it early (§13.2.2.4)", () => {
    // clean-route-set with its 180s carrying no Record-Route: the early dialog's route set is empty,
    // the 2xx's is [P2, P1] — what the requests after it must follow.
    const text = readFileSync(path.join(fixtures, 'rules/clean-route-set.sip'), 'utf8');
    const bare180 = text
      .split(/\n(?=@ )/)
      .map((p) => (/\nSIP\/2\.0 180 /.test(p) ? p.replace(/^Record-Route: .*\n/gm, '') : p))
      .join('\n');
    expect(bare180).not.toBe(text);
    const ok = analyzeTrace(traceOfText(bare180));
    expect(ok.diagnostics().filter((d) => d.code === CODE)).toEqual([]);
    expect(ok.dialogs()[0]!.routeSet.caller).toEqual([
      '<sip:198.51.100.20;lr;ftag=a-tag-1>',
      '<sip:198.51.100.21;lr>',
    ]);
    // The caller's ACK and BYE without their Route fields now ignore the 2xx's route set.
    const noRoute = bare180
      .split(/\n(?=@ )/)
      .map((p) => (/^@ [\d.]+ 198\.51\.100\.10:5060 >/.test(p) ? p.replace(/^Route: .*\n/gm, '') : p))
      .join('\n');
    expect(codes(noRoute).filter((c) => c === CODE)).toHaveLength(2);
  });

  it('stays silent on a strict router named by the Request-URI, fires when the strict form is missing', () => {
    const strict = readFileSync(path.join(fixtures, 'rules/clean-strict-route.sip'), 'utf8');
    expect(codes(strict)).not.toContain(CODE);
    // The same ACK and BYE with the remote target as Request-URI and no Route: the route set ignored.
    const broken = strict
      .replace(/^(ACK|BYE) sip:198\.51\.100\.20 /gm, '$1 sip:bob@198.51.100.30:5060 ')
      .replace(/^Route: <sip:bob@198\.51\.100\.30:5060>\n/gm, '');
    expect(codes(broken).filter((c) => c === CODE)).toHaveLength(2);
  });

  it("stays silent on the route set's first element sending a request of its own (a proxy ending the call)", () => {
    const text = readFileSync(path.join(fixtures, 'rules/clean-proxy-bye.sip'), 'utf8');
    expect(codes(text)).not.toContain(CODE);
    // The same BYE from another host (not the proxy): a user agent ignoring the route set.
    const other = text.replace('@ 30.000000 198.51.100.20:5060 >', '@ 30.000000 198.51.100.40:5060 >');
    expect(codes(other)).toContain(CODE);
  });

  it('stays silent on a dialog seen from the middle (no creating response: no route set known)', () => {
    const text = readFileSync(path.join(fixtures, 'rules/in-dialog-request-without-route-set.sip'), 'utf8');
    const parts = text.split(/\n(?=@ )/);
    // from the ACK on: the INVITE transaction and its responses were not captured
    const mid = parts.filter((p) => /^@ (0\.61|3\.0)/.test(p)).join('\n');
    expect(mid).toContain('ACK sip:');
    expect(codes(mid)).not.toContain(CODE);
  });
});

describe('the fast reading of Route and Record-Route (route-set.ts)', () => {
  const enc = new TextEncoder();
  const read = (text: string, record: boolean): [number, number, number] => {
    const b = enc.encode(text.replace(/\n/g, '\r\n'));
    const r = routeHashes(b, 0, b.length, record);
    return [r, routeOut[0]!, routeOut[1]!];
  };
  it('finds the field in any case, after whitespace before the colon, only in the header section', () => {
    const a = read('ACK sip:b@h SIP/2.0\nVia: x\nroute :  <sip:p;lr>\nTo: t\n\n', false);
    const b = read('ACK sip:b@h SIP/2.0\nVia: x\nROUTE:<sip:p;lr>\n\n', false);
    expect(a[0]).toBe(RK_FOUND);
    expect(b[0]).toBe(RK_FOUND);
    expect(a[1]).toBe(b[1]);
    expect(
      read('ACK sip:b@h SIP/2.0\nVia: x\nRecord-Route: <sip:p;lr>\n\nRoute: <sip:p;lr>\n', false)[0],
    ).toBe(RK_NONE);
    expect(read('ACK sip:b@h SIP/2.0\nRoutex: <sip:p;lr>\n\n', false)[0]).toBe(RK_NONE);
  });
  it('takes the first and last values of a run of Record-Route fields; other forms go the exact way', () => {
    const one = read('SIP/2.0 200 OK\nRecord-Route: <sip:a;lr>\n\n', true);
    const list = read(
      'SIP/2.0 200 OK\nRecord-Route: <sip:a;lr>, <sip:b;lr>\nRecord-Route: <sip:c;lr>\n\n',
      true,
    );
    const c = read('SIP/2.0 200 OK\nRecord-Route: <sip:c;lr>\n\n', true);
    expect(one[1]).toBe(one[2]);
    expect([list[0], list[1], list[2]]).toEqual([RK_FOUND, one[1], c[1]]);
    expect(read('SIP/2.0 200 OK\nRecord-Route: "p" <sip:a;lr>\n\n', true)[0]).toBe(RK_UNKNOWN);
    expect(read('SIP/2.0 200 OK\nRecord-Route: <sip:a;lr>\n ,<sip:b;lr>\n\n', true)[0]).toBe(RK_UNKNOWN);
  });

  it('changes no answer: the trace JSON with it off equals the JSON with it on (one pass and tiered)', () => {
    const inputs: [string, Uint8Array][] = [];
    for (const name of ['sample-call.pcap', 'sample-problems.pcap'])
      inputs.push([name, new Uint8Array(readFileSync(path.join(repo, 'resources/samples', name)))]);
    if (existsSync(pub))
      for (const f of readdirSync(pub).sort())
        if (/\.(pcap|pcapng|cap)$/.test(f)) inputs.push([f, new Uint8Array(readFileSync(path.join(pub, f)))]);
    let n = 0;
    for (const [name, bytes] of inputs)
      for (const tiered of [false, true]) {
        const on = analysed(bytes, name, tiered, true);
        const off = analysed(bytes, name, tiered, false);
        expect(on, `${name} tiered=${tiered}`).toBe(off);
        n++;
      }
    for (const dir of ['rules', 'calls'])
      for (const f of readdirSync(path.join(fixtures, dir)).sort()) {
        if (!f.endsWith('.sip')) continue;
        const text = readFileSync(path.join(fixtures, dir, f), 'utf8');
        setRouteHashes(true);
        const on = JSON.stringify(analyzeTrace(traceOfText(text)).diagnostics());
        setRouteHashes(false);
        const off = JSON.stringify(analyzeTrace(traceOfText(text)).diagnostics());
        expect(on, f).toBe(off);
        n++;
      }
    expect(n).toBeGreaterThan(40);
  });
});

function analysed(bytes: Uint8Array, name: string, tiered: boolean, fast: boolean): string {
  setRouteHashes(fast);
  const t = ingestBytes(bytes, name, { parse: false }).trace;
  if (tiered) TieredAnalysis.attach(t).runTier2Now();
  else TraceAnalyzer.attach(t);
  const j = JSON.stringify(toTraceJson(t));
  t.close();
  return j;
}

function codes(text: string): string[] {
  return analyzeTrace(traceOfText(text))
    .diagnostics()
    .map((d) => d.code);
}
