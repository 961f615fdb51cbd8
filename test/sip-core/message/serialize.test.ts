/** Serializer: byte-exact when unchanged, canonical with the right Content-Length when edited (RFC 3261 §16.6, §18.3). */
import { describe, expect, it } from 'vitest';
import {
  MessageEditor,
  buildRequest,
  buildResponse,
  buildResponseTo,
  lintMessage,
  parseMessage,
  serializeMessage,
} from '../../../src/sip-core/message/index';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array): string => new TextDecoder().decode(b);

const REQ =
  '\r\nINVITE sip:bob@biloxi.com SIP/2.0\r\n' +
  'Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bKnashds8\r\n' +
  'Max-Forwards: 70\r\n' +
  'Route: <sip:p1.example.com;lr>, <sip:p2.example.com;lr>\r\n' +
  'To: Bob <sip:bob@biloxi.com>\r\n' +
  'From: Alice <sip:alice@atlanta.com>;tag=1928301774\r\n' +
  'Call-ID: a84b4c76e66710\r\n' +
  'Subject: folded\r\n  value\r\n' +
  'CSeq: 314159 INVITE\r\n' +
  'Content-Type: text/plain\r\n' +
  'l: 4\r\n' +
  '\r\n' +
  'bodyTRAILING';

describe('unchanged messages', () => {
  it('serialize byte-for-byte, without copying', () => {
    const buf = enc(REQ);
    const m = parseMessage(buf);
    const out = serializeMessage(m);
    expect(dec(out)).toBe(REQ);
    expect(out.buffer).toBe(buf.buffer);
    expect(new MessageEditor(m).toBytes()).toEqual(out);
  });
});

describe('MessageEditor (a proxy forwarding, RFC 3261 §16.6)', () => {
  const buf = enc(REQ);
  const snapshot = buf.slice();
  const m = parseMessage(buf);
  const ed = new MessageEditor(m);
  ed.setRequestUri('sip:bob@192.0.2.4');
  ed.addHeader('Via', 'SIP/2.0/UDP proxy.example.com;branch=z9hG4bKp1');
  ed.addHeader('Record-Route', '<sip:proxy.example.com;lr>');
  ed.removeFirstValue('Route');
  expect(ed.decrementMaxForwards()).toBe(69);
  const out = dec(ed.toBytes());
  const lines = out.split('\r\n');

  it('never mutates the received bytes', () => {
    expect(buf).toEqual(snapshot);
  });
  it('rewrites the start line and puts the new Via on top', () => {
    expect(lines[0]).toBe('INVITE sip:bob@192.0.2.4 SIP/2.0');
    expect(lines[1]).toBe('Record-Route: <sip:proxy.example.com;lr>');
    expect(lines[2]).toBe('Via: SIP/2.0/UDP proxy.example.com;branch=z9hG4bKp1');
    expect(lines[3]).toBe('Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bKnashds8');
  });
  it('decrements Max-Forwards, pops the top Route, unfolds, fixes Content-Length and drops trailing octets', () => {
    expect(out).toContain('\r\nMax-Forwards: 69\r\n');
    expect(out).toContain('\r\nRoute: <sip:p2.example.com;lr>\r\n');
    expect(out).toContain('\r\nSubject: folded value\r\n');
    expect(out).toContain('\r\nl: 4\r\n\r\nbody');
    expect(out.endsWith('\r\n\r\nbody')).toBe(true);
  });
  it('records the edits', () => {
    expect(ed.edits.map((e) => e.op)).toEqual([
      'set-request-uri',
      'add-header',
      'add-header',
      'remove-first-value',
      'set-max-forwards',
    ]);
  });
  it('re-parses clean', () => {
    const again = parseMessage(ed.toBytes());
    expect(again.viaCount).toBe(2);
    expect(again.routeCount).toBe(1);
    expect(again.branch).toBe('z9hG4bKp1');
    expect(again.maxForwards).toBe(69);
    expect(lintMessage(again).filter((d) => d.severity !== 'info')).toEqual([]);
  });
});

describe('MessageEditor body and header edits', () => {
  it('setBody sets Content-Type and Content-Length', () => {
    const m = parseMessage(enc('MESSAGE sip:a@b SIP/2.0\r\nCall-ID: 1\r\nContent-Length: 0\r\n\r\n'));
    const out = new MessageEditor(m).setBody('héllo', 'text/plain;charset=utf-8').toBytes();
    const p = parseMessage(out);
    expect(p.contentLength).toBe(6);
    expect(p.contentType).toBe('text/plain;charset=utf-8');
    expect(dec(p.body())).toBe('héllo');
    expect(p.diagnostics).toEqual([]);
  });
  it('removeFirstValue drops a whole single-value field (the proxy strips its Via from a response, §16.7)', () => {
    const m = parseMessage(
      enc(
        'SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP me;branch=z9hG4bK1\r\nVia: SIP/2.0/UDP you;branch=z9hG4bK2\r\n\r\n',
      ),
    );
    const p = parseMessage(new MessageEditor(m).removeFirstValue('v').toBytes());
    expect(p.viaCount).toBe(1);
    expect(p.viaSentBy).toBe('you');
    expect(p.contentLength).toBe(0);
  });
  it('setHeader replaces every field; removeHeader removes them; header injection is neutralised', () => {
    const m = parseMessage(enc('OPTIONS sip:a@b SIP/2.0\r\nX-A: 1\r\nX-A: 2\r\nX-B: 3\r\n\r\n'));
    const out = dec(new MessageEditor(m).setHeader('x-a', 'new\r\nEvil: yes').removeHeader('X-B').toBytes());
    expect(out).toBe('OPTIONS sip:a@b SIP/2.0\r\nX-A: new Evil: yes\r\nContent-Length: 0\r\n\r\n');
  });
  it('decrementMaxForwards adds 70 when absent and stops at 0', () => {
    const a = new MessageEditor(parseMessage(enc('OPTIONS sip:a@b SIP/2.0\r\n\r\n')));
    expect(a.decrementMaxForwards()).toBe(70);
    const b = new MessageEditor(parseMessage(enc('OPTIONS sip:a@b SIP/2.0\r\nMax-Forwards: 0\r\n\r\n')));
    expect(b.decrementMaxForwards()).toBe(0);
  });
});

describe('builders', () => {
  it('buildRequest writes the start line, headers in order and Content-Length', () => {
    const out = buildRequest({
      method: 'MESSAGE',
      uri: 'sip:bob@example.com',
      headers: [
        ['Via', 'SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK1'],
        ['Content-Length', '999'],
        ['Content-Type', 'text/plain'],
      ],
      body: 'hi',
    });
    expect(dec(out)).toBe(
      'MESSAGE sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK1\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nhi',
    );
  });
  it('buildResponse uses the RFC reason phrase by default', () => {
    expect(dec(buildResponse({ status: 486 }))).toBe('SIP/2.0 486 Busy Here\r\nContent-Length: 0\r\n\r\n');
  });
  it('buildResponseTo copies Via/From/To/Call-ID/CSeq and adds the To tag (RFC 3261 §8.2.6.2)', () => {
    const req = parseMessage(enc(REQ));
    const res = parseMessage(buildResponseTo(req, 180, { toTag: 'xyz', copyRecordRoute: true }));
    expect(res.status).toBe(180);
    expect(res.reason).toBe('Ringing');
    expect(res.toTag).toBe('xyz');
    expect(res.fromTag).toBe('1928301774');
    expect(res.callId).toBe('a84b4c76e66710');
    expect(res.cseq).toBe(314159);
    expect(res.branch).toBe('z9hG4bKnashds8');
    expect(lintMessage(res).filter((d) => d.severity !== 'info')).toEqual([]);
    const trying = parseMessage(buildResponseTo(req, 100, { toTag: 'no' }));
    expect(trying.toTag).toBeNull();
  });
});
