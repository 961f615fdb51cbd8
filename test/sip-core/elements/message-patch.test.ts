/**
 * MessagePatch (byte-splice edits) against the message layer's MessageEditor as the oracle: for
 * messages in canonical form (CRLF, no folds) the same edits must give the same bytes; with folds
 * or bare LFs the same header fields once parsed. Plus what a proxy does to a forwarded INVITE
 * (RFC 3261 §16.6) and to a response (§16.7 step 3).
 */
import { describe, expect, it } from 'vitest';
import { MessageEditor, parseMessage, type SipMessage } from '../../../src/sip-core/message';
import { MessagePatch } from '../../../src/sip-core/elements/message-patch';

const enc = new TextEncoder();
const dec = new TextDecoder();

const INVITE = [
  'INVITE sip:bob@biloxi.example.com SIP/2.0',
  'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKa1;rport',
  'Max-Forwards: 70',
  'Route: <sip:192.0.2.30;lr>, <sip:192.0.2.31;lr>',
  'From: <sip:alice@atlanta.example.com>;tag=1928301774',
  'To: <sip:bob@biloxi.example.com>',
  'Call-ID: a84b4c76e66710',
  'CSeq: 314159 INVITE',
  'Contact: <sip:alice@192.0.2.10:5060>',
  'Content-Type: application/sdp',
  'Content-Length: 4',
  '',
  'v=0\n',
].join('\r\n');

const RESPONSE = [
  'SIP/2.0 180 Ringing',
  'Via: SIP/2.0/UDP 192.0.2.30:5060;branch=z9hG4bKp1',
  'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKa1;received=192.0.2.10;rport=5060',
  'Record-Route: <sip:192.0.2.30:5060;lr>',
  'From: <sip:alice@atlanta.example.com>;tag=1928301774',
  'To: <sip:bob@biloxi.example.com>;tag=a6c85cf',
  'Call-ID: a84b4c76e66710',
  'CSeq: 314159 INVITE',
  'Content-Length: 0',
  '',
  '',
].join('\r\n');

/** Compact names, a two-value Via line, no Content-Length. */
const COMPACT = [
  'OPTIONS sip:carol@chicago.example.com SIP/2.0',
  'v: SIP/2.0/UDP 192.0.2.20;branch=z9hG4bKc1, SIP/2.0/UDP 192.0.2.21;branch=z9hG4bKc0',
  'f: <sip:dave@example.com>;tag=7',
  't: <sip:carol@chicago.example.com>',
  'i: c1@192.0.2.20',
  'CSeq: 2 OPTIONS',
  '',
  '',
].join('\r\n');

type Edit = (e: MessageEditor | MessagePatch) => void;

/** Edit sequences, each applied to both implementations. */
const CASES: { name: string; msg: string; edits: Edit[] }[] = [
  {
    name: 'a proxy forwarding an INVITE (Max-Forwards, Route popped, Record-Route, received Via, new R-URI)',
    msg: INVITE,
    edits: [
      (e) => e.decrementMaxForwards(),
      (e) => e.removeFirstValue('route'),
      (e) => e.addHeader('Record-Route', '<sip:192.0.2.30:5060;lr>', 'top'),
      (e) => e.removeFirstValue('via'),
      (e) =>
        e.addHeader(
          'Via',
          'SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKa1;received=192.0.2.10;rport=5060',
          'top',
        ),
      (e) => e.setRequestUri('sip:bob@192.0.2.40'),
      (e) => e.addHeader('Via', 'SIP/2.0/UDP 192.0.2.30:5060;branch=z9hG4bKp1', 'top'),
    ],
  },
  {
    name: 'a proxy forwarding a response (top Via removed)',
    msg: RESPONSE,
    edits: [(e) => e.removeFirstValue('via')],
  },
  {
    name: 'removeHeader, setHeader, append at the bottom',
    msg: INVITE,
    edits: [
      (e) => e.removeHeader('route'),
      (e) => e.setHeader('Contact', '<sip:alice@203.0.113.1:20000>'),
      (e) => e.addHeader('X-Note', 'one', 'bottom'),
      (e) => e.addHeader('Route', '<sip:a;lr>', 'bottom'),
      (e) => e.addHeader('Route', '<sip:b;lr>', 'bottom'),
    ],
  },
  {
    name: 'new body and Content-Type; Content-Length follows',
    msg: INVITE,
    edits: [(e) => e.setBody('v=0\r\no=- 1 1 IN IP4 192.0.2.30\r\n', 'application/sdp')],
  },
  {
    name: 'compact names, a two-value Via line, no Content-Length, no Max-Forwards',
    msg: COMPACT,
    edits: [
      (e) => e.decrementMaxForwards(),
      (e) => e.removeFirstValue('via'),
      (e) => e.addHeader('Via', 'SIP/2.0/UDP 192.0.2.99;branch=z9hG4bKx', 'top'),
    ],
  },
  {
    name: 'the first value of an inserted field goes before the received one',
    msg: RESPONSE,
    edits: [
      (e) => e.addHeader('Via', 'SIP/2.0/UDP 198.51.100.1;branch=z9hG4bKi', 'top'),
      (e) => e.removeFirstValue('via'),
      (e) => e.removeFirstValue('via'),
    ],
  },
  { name: 'Max-Forwards set where absent', msg: RESPONSE, edits: [(e) => e.setHeader('Max-Forwards', '10')] },
];

function fields(m: SipMessage): [string, string][] {
  return m.headers.map((h) => [h.canonical, h.value()]);
}

describe('MessagePatch gives the bytes MessageEditor gives (canonical input)', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const msg = parseMessage(enc.encode(c.msg));
      const ed = new MessageEditor(msg);
      const patch = new MessagePatch(msg);
      for (const e of c.edits) {
        e(ed);
        e(patch);
      }
      const want = dec.decode(ed.toBytes());
      const got = dec.decode(patch.toBytes());
      expect(got).toBe(want);
      const re = parseMessage(patch.toBytes());
      expect(re.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    });
  }
});

describe('MessagePatch keeps the received bytes of what it does not change', () => {
  it('unchanged: the received bytes themselves (no copy)', () => {
    const bytes = enc.encode(INVITE);
    const msg = parseMessage(bytes);
    const out = new MessagePatch(msg).toBytes();
    expect(out.buffer).toBe(bytes.buffer);
    expect(dec.decode(out)).toBe(INVITE);
  });

  it('a folded field and bare LF line ends stay as received; the fields parse as the editor gives them', () => {
    const text = INVITE.replace(
      'Contact: <sip:alice@192.0.2.10:5060>',
      'Contact:\r\n  <sip:alice@192.0.2.10:5060>',
    )
      .split('\r\n')
      .join('\n');
    const msg = parseMessage(enc.encode(text));
    const ed = new MessageEditor(msg);
    const patch = new MessagePatch(msg);
    for (const e of CASES[0]!.edits) {
      e(ed);
      e(patch);
    }
    const got = dec.decode(patch.toBytes());
    expect(got).toContain('Contact:\n  <sip:alice@192.0.2.10:5060>\n');
    expect(fields(parseMessage(patch.toBytes()))).toEqual(fields(parseMessage(ed.toBytes())));
  });

  it('toBytes(topVia) adds the proxy Via above every other without recording it', () => {
    const msg = parseMessage(enc.encode(INVITE));
    const patch = new MessagePatch(msg);
    patch.removeFirstValue('via');
    patch.addHeader('Via', 'SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKa1;received=192.0.2.10', 'top');
    patch.addHeader('Record-Route', '<sip:p;lr>', 'top');
    const first = parseMessage(patch.toBytes('SIP/2.0/UDP 192.0.2.30:5060;branch=z9hG4bKb1'));
    expect(first.values('via')).toEqual([
      'SIP/2.0/UDP 192.0.2.30:5060;branch=z9hG4bKb1',
      'SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKa1;received=192.0.2.10',
    ]);
    expect(first.header('record-route')).toBe('<sip:p;lr>');
    const second = parseMessage(patch.toBytes('SIP/2.0/UDP 192.0.2.30:5060;branch=z9hG4bKb2'));
    expect(second.viaCount).toBe(2);
    expect(second.branch).toBe('z9hG4bKb2');
  });
});
