import { describe, expect, it } from 'vitest';
import { parseMessage, lintMessage } from '../../../src/sip-core/message';
import { Simulation } from '../../../src/sip-core/sim/simulator';
import type { Scenario } from '../../../src/sip-core/sim/scenario';

const scenario = {
  name: 't',
  description: 'one phone',
  nodes: [{ name: 'Bob', role: 'ua', address: '192.0.2.40', aor: 'sip:bob@biloxi.example.com' }],
} as Scenario;

const bob = () => new Simulation(scenario, { events: false, record: false }).ua('Bob')!;
const enc = new TextEncoder();
const text = (b: Uint8Array): string => new TextDecoder().decode(b);
const req = (lines: string[]): ReturnType<typeof parseMessage> =>
  parseMessage(enc.encode(lines.join('\r\n') + '\r\n\r\n'));
const src = { host: '198.51.100.7', port: 5070, transport: 'UDP' as const };

describe('responses built from the request bytes (RFC 3261 §8.2.6.2)', () => {
  it('copies Via, From, To, Call-ID, CSeq in the request order, compact forms under their full names', () => {
    const r = req([
      'INVITE sip:bob@biloxi.example.com SIP/2.0',
      'i: a84b4c76e66710',
      'v: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds;rport',
      'Via: SIP/2.0/UDP p1.example.com;branch=z9hG4bK1, SIP/2.0/UDP p0.example.com;branch=z9hG4bK0',
      'Max-Forwards: 70',
      'f: Alice <sip:alice@atlanta.example.com>;tag=1928301774',
      't: Bob <sip:bob@biloxi.example.com>',
      'Record-Route: <sip:p1.example.com;lr>',
      'Timestamp: 54',
      'CSeq: 314159 INVITE',
      'Contact: <sip:alice@pc33.atlanta.example.com>',
      'Content-Length: 0',
    ]);
    const out = text(bob().makeResponse(r, src, 180, { toTag: 'xyz', recordRoute: true }));
    expect(out).toBe(
      [
        'SIP/2.0 180 Ringing',
        'Call-ID: a84b4c76e66710',
        'Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds;rport=5070;received=198.51.100.7',
        'Via: SIP/2.0/UDP p1.example.com;branch=z9hG4bK1, SIP/2.0/UDP p0.example.com;branch=z9hG4bK0',
        'From: Alice <sip:alice@atlanta.example.com>;tag=1928301774',
        'To: Bob <sip:bob@biloxi.example.com>;tag=xyz',
        'Record-Route: <sip:p1.example.com;lr>',
        'CSeq: 314159 INVITE',
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n'),
    );
    // Timestamp only in a 100 (RFC 3261 §8.2.6.1); no To tag in a 100; no Record-Route unless asked
    const trying = text(bob().makeResponse(r, src, 100, { toTag: 'xyz' }));
    expect(trying).toContain('\r\nTimestamp: 54\r\n');
    expect(trying).toContain('\r\nTo: Bob <sip:bob@biloxi.example.com>\r\n');
    expect(trying).not.toContain('Record-Route');
    const ok = parseMessage(
      bob().makeResponse(r, src, 200, { reason: 'Fine', toTag: 'xyz', body: 'v=0\r\n' }),
    );
    expect(ok.status).toBe(200);
    expect(ok.reason).toBe('Fine');
    expect(ok.contentType).toBe('application/sdp');
    expect(ok.bodyLength).toBe(5);
    expect(lintMessage(ok).filter((d) => d.severity === 'error')).toEqual([]);
  });

  it('keeps an existing To tag and a top Via that already has received/rport values', () => {
    const r = req([
      'BYE sip:bob@192.0.2.40 SIP/2.0',
      'Via: SIP/2.0/UDP 198.51.100.7:5070;branch=z9hG4bKa;rport=5070',
      'From: <sip:alice@atlanta.example.com>;tag=a',
      'To: <sip:bob@biloxi.example.com>;tag=b',
      'Call-ID: c1',
      'CSeq: 2 BYE',
      'Content-Length: 0',
    ]);
    const out = text(bob().makeResponse(r, src, 200, { toTag: 'other' }));
    expect(out).toContain('\r\nVia: SIP/2.0/UDP 198.51.100.7:5070;branch=z9hG4bKa;rport=5070\r\n');
    expect(out).toContain('\r\nTo: <sip:bob@biloxi.example.com>;tag=b\r\n');
  });

  it('a final response after a provisional one with our tag copies the same fields, and only for that request and source', () => {
    const lines = [
      'INVITE sip:bob@biloxi.example.com SIP/2.0',
      'Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776;rport',
      'From: <sip:alice@atlanta.example.com>;tag=a',
      'To: <sip:bob@biloxi.example.com>',
      'Record-Route: <sip:p1.example.com;lr>',
      'Call-ID: c1',
      'CSeq: 1 INVITE',
      'Content-Length: 0',
    ];
    const r = req(lines);
    const other = req(lines.map((l) => l.replace('Call-ID: c1', 'Call-ID: c2')));
    const src2 = { host: '198.51.100.8', port: 5080, transport: 'UDP' as const };
    // each response as a phone of its own writes it (no earlier response to reuse)
    const fresh = (m: typeof r, s: typeof src, status: number, rr: boolean): string =>
      text(bob().makeResponse(m, s, status, { toTag: 't1', recordRoute: rr }));
    const b = bob();
    const ringing = text(b.makeResponse(r, src, 180, { toTag: 't1', recordRoute: true }));
    expect(ringing).toBe(fresh(r, src, 180, true));
    // the same request from another source: its own received/rport
    expect(text(b.makeResponse(r, src2, 200, { toTag: 't1', recordRoute: true }))).toBe(
      fresh(r, src2, 200, true),
    );
    b.makeResponse(r, src, 180, { toTag: 't1', recordRoute: true });
    // another request: its own Call-ID
    expect(text(b.makeResponse(other, src, 200, { toTag: 't1', recordRoute: true }))).toBe(
      fresh(other, src, 200, true),
    );
    b.makeResponse(r, src, 180, { toTag: 't1', recordRoute: true });
    // without Record-Route this time
    expect(text(b.makeResponse(r, src, 200, { toTag: 't1' }))).toBe(fresh(r, src, 200, false));
    b.makeResponse(r, src, 180, { toTag: 't1', recordRoute: true });
    const ok = text(b.makeResponse(r, src, 200, { toTag: 't1', recordRoute: true, body: 'v=0\r\n' }));
    expect(ok).toBe(
      text(bob().makeResponse(r, src, 200, { toTag: 't1', recordRoute: true, body: 'v=0\r\n' })),
    );
    expect(ok).toContain('\r\nTo: <sip:bob@biloxi.example.com>;tag=t1\r\n');
    expect(ok).toContain(';rport=5070;received=198.51.100.7\r\n');
  });
});
