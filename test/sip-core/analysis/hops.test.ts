/**
 * Hops (one message at several capture points, what the element changed) and paths (Via, Route,
 * Record-Route, loose vs strict), on the Kamailio sample and the proxied fixtures.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeTrace, callHops, messagePath } from '../../../src/sip-core/analysis';
import { ingestBytes } from '../../../src/sip-core/trace/trace-builder';
import { loadFixture, parseFixture, traceFromMessages } from '../../fixtures/analysis/load';

const repo = path.resolve(import.meta.dirname, '../../..');
const sample = analyzeTrace(
  ingestBytes(new Uint8Array(readFileSync(path.join(repo, 'resources/samples/sample-call.pcap'))), 's').trace,
);
const proxied = analyzeTrace(loadFixture(path.join(repo, 'test/fixtures/analysis/calls/proxied.sip')));
const kinds = (h: { steps: { changes: { kind: string }[] }[] }): string[] =>
  h.steps[0]!.changes.map((c) => c.kind);

describe('hops through Kamailio (sample-call.pcap, call C1)', () => {
  const hops = callHops(sample, 'C1');
  it('finds each request and response on both sides of the proxy', () => {
    expect(hops.map((h) => h.label)).toEqual([
      'INVITE',
      '180 Ringing (INVITE)',
      '200 OK (INVITE)',
      'ACK',
      'BYE',
      '200 OK (BYE)',
    ]);
    expect(hops.every((h) => h.copies.length === 2 && h.steps[0]!.element === '127.0.0.20:5060')).toBe(true);
    expect(sample.trace.frame(hops[0]!.copies[0]!)).toBe(1);
    expect(sample.trace.frame(hops[0]!.copies[1]!)).toBe(3);
  });
  it('lists what the proxy changed: Via added, Max-Forwards 70→69, Record-Route added; Route consumed on in-dialog requests', () => {
    expect(kinds(hops[0]!)).toEqual(['via-added', 'max-forwards-decremented', 'record-route-added']);
    expect(hops[0]!.steps[0]!.changes[1]).toEqual({
      kind: 'max-forwards-decremented',
      before: '70',
      after: '69',
    });
    expect(hops[0]!.steps[0]!.changes[2]!.after).toContain('127.0.0.20;lr');
    expect(kinds(hops[3]!)).toEqual(['via-added', 'max-forwards-decremented', 'route-consumed']);
    expect(kinds(hops[1]!)).toEqual(['via-removed']);
  });
});

describe('hops on the proxied fixture', () => {
  it('also sees the Request-URI rewritten and received/rport stamped', () => {
    const [inv] = callHops(proxied, 'C1');
    expect(kinds(inv!)).toEqual([
      'via-added',
      'received-stamped',
      'rport-stamped',
      'max-forwards-decremented',
      'request-uri-rewritten',
      'record-route-added',
    ]);
    const ru = inv!.steps[0]!.changes.find((c) => c.kind === 'request-uri-rewritten')!;
    expect(ru).toEqual({
      kind: 'request-uri-rewritten',
      before: 'sip:bob@example.com',
      after: 'sip:bob@198.51.100.30:5060',
    });
  });
  it('sees a NAT helper rewrite Contact and SDP', () => {
    const msgs = parseFixture(
      readFileSync(path.join(repo, 'test/fixtures/analysis/calls/proxied.sip'), 'utf8'),
    );
    // The proxy's forwarded INVITE (third message) with Contact and SDP rewritten to a public address.
    const fwd = msgs[2]!;
    fwd.text = fwd.text
      .replace('Contact: <sip:alice@198.51.100.10:5060>', 'Contact: <sip:alice@203.0.113.9:6000>')
      .replace('c=IN IP4 198.51.100.10', 'c=IN IP4 203.0.113.9');
    const a = analyzeTrace(traceFromMessages(msgs));
    const [inv] = callHops(a, 'C1');
    expect(kinds(inv!)).toContain('contact-rewritten');
    expect(inv!.steps[0]!.changes.find((c) => c.kind === 'sdp-rewritten')).toEqual({
      kind: 'sdp-rewritten',
      before: '198.51.100.10:6000',
      after: '203.0.113.9:6000',
    });
  });
});

describe('paths', () => {
  it('gives the Via path and Record-Route of the forwarded INVITE, loose routing', () => {
    const p = messagePath(sample, 2);
    expect(p.via.map((v) => v.sentBy)).toEqual(['127.0.0.20', '127.0.0.10:5060']);
    expect(p.recordRoute).toEqual([{ uri: 'sip:127.0.0.20;lr;ftag=9721SIPpTag001', loose: true }]);
    expect(p.strict).toBe(false);
  });
  it('gives the Route of an in-dialog request and detects a strict router', () => {
    expect(messagePath(sample, 7).route[0]!.loose).toBe(true);
    const strict = analyzeTrace(
      loadFixture(path.join(repo, 'test/fixtures/analysis/rules/strict-routing.sip')),
    );
    expect(messagePath(strict, 2).strict).toBe(true);
    expect(strict.dialogs()[0]!.strictRouting).toBe(true);
  });
  it('gives each dialog side its route set (§12.1.1 in order, §12.1.2 reversed) and remote target', () => {
    const [d] = proxied.dialogs();
    expect(d!.routeSet).toEqual({ caller: ['<sip:198.51.100.20;lr>'], callee: ['<sip:198.51.100.20;lr>'] });
    expect(d!.remoteTarget).toEqual({
      caller: '<sip:bob@198.51.100.30:5060>',
      callee: '<sip:alice@198.51.100.10:5060>',
    });
  });
});
