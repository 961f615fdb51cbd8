import { describe, expect, it } from 'vitest';
import {
  diffMessages,
  messageLines,
  type DiffLine,
} from '../../../src/renderer/src/lib/capture/message-diff';

const crlf = (lines: string[]): string => lines.join('\r\n') + '\r\n';
const before = crlf([
  'INVITE sip:bob@b.example SIP/2.0',
  'Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-a;rport',
  'Max-Forwards: 70',
  'From: <sip:alice@a.example>;tag=1',
  'To: <sip:bob@b.example>',
  'Call-ID: c1',
  'CSeq: 1 INVITE',
  'Contact: <sip:alice@10.0.0.1>',
  'Route: <sip:10.0.0.10;lr>',
  'Content-Length: 0',
  '',
]);
const after = crlf([
  'INVITE sip:bob@10.0.0.2:5060 SIP/2.0',
  'Record-Route: <sip:10.0.0.10;lr>',
  'Via: SIP/2.0/UDP 10.0.0.10:5060;branch=z9hG4bK-p',
  'Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-a;rport=5060;received=10.0.0.1',
  'Max-Forwards: 69',
  'From: <sip:alice@a.example>;tag=1',
  'To: <sip:bob@b.example>',
  'Call-ID: c1',
  'CSeq: 1 INVITE',
  'Contact: <sip:alice@10.0.0.1>',
  'Content-Length: 0',
  '',
]);

const flat = (d: ReturnType<typeof diffMessages>): DiffLine[] =>
  d.blocks.flatMap((b) => (b.kind === 'fold' ? b.lines : [b]));

describe('message diff (previous hop → this copy)', () => {
  it('shows what a record-routing proxy changed: Request-URI, Via, Max-Forwards, Record-Route, Route', () => {
    const d = diffMessages(before, after);
    const changes = flat(d).filter((l) => l.kind !== 'same');
    expect(changes.map((l) => [l.kind, l.name])).toEqual([
      ['changed', null],
      ['added', 'record-route'],
      ['added', 'via'],
      ['changed', 'via'],
      ['changed', 'max-forwards'],
      ['removed', 'route'],
    ]);
    // The new top Via is the proxy's; the old one only got its received/rport stamps.
    expect(changes[2]!.after).toContain('branch=z9hG4bK-p');
    expect(changes[3]).toMatchObject({
      before: 'Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-a;rport',
      after: 'Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-a;rport=5060;received=10.0.0.1',
    });
    expect(changes[0]).toMatchObject({
      before: 'INVITE sip:bob@b.example SIP/2.0',
      after: 'INVITE sip:bob@10.0.0.2:5060 SIP/2.0',
    });
    expect(changes[4]).toMatchObject({ before: 'Max-Forwards: 70', after: 'Max-Forwards: 69' });
    expect({ removed: d.removed, added: d.added, changed: d.changed }).toEqual({
      removed: 1,
      added: 2,
      changed: 3,
    });
  });

  it('keeps every line of both copies exactly once', () => {
    const lines = flat(diffMessages(before, after));
    expect(lines.filter((l) => l.before !== null).map((l) => l.before)).toEqual(
      expect.arrayContaining(messageLines(before)),
    );
    expect(lines.filter((l) => l.after !== null).length).toBe(messageLines(after).length);
    expect(lines.filter((l) => l.before !== null).length).toBe(messageLines(before).length);
  });

  it('folds unchanged runs, keeping the start line and one line of context', () => {
    const d = diffMessages(before, after);
    const folds = d.blocks.filter((b) => b.kind === 'fold');
    expect(folds.length).toBe(1);
    // From, To, Call-ID between Max-Forwards and CSeq/Contact: From/To/Call-ID/CSeq/Contact run of 5, 1 context each side.
    expect(folds[0]!.kind === 'fold' && folds[0]!.lines.map((l) => l.name)).toEqual([
      'to',
      'call-id',
      'cseq',
    ]);
    const same = diffMessages(before, before);
    expect(same.blocks[0]).toMatchObject({ kind: 'same', after: 'INVITE sip:bob@b.example SIP/2.0' });
    expect(same.blocks[1]!.kind).toBe('fold');
    expect(same.removed + same.added + same.changed).toBe(0);
  });

  it('tells body lines from headers and compares them too (SDP rewritten by a media relay)', () => {
    const sdp = (ip: string): string =>
      crlf([
        'SIP/2.0 200 OK',
        'Content-Type: application/sdp',
        '',
        'v=0',
        `c=IN IP4 ${ip}`,
        'm=audio 4000 RTP/AVP 0',
      ]);
    const d = diffMessages(sdp('10.0.0.2'), sdp('192.0.2.1'));
    const changes = flat(d).filter((l) => l.kind !== 'same');
    // The SDP compared line by line as the headers are: the c= line changed, its address marked.
    expect(changes).toEqual([
      {
        kind: 'changed',
        before: 'c=IN IP4 10.0.0.2',
        after: 'c=IN IP4 192.0.2.1',
        name: null,
        beforeSpan: [9, 17],
        afterSpan: [9, 18],
      },
    ]);
  });

  it('shows a header that moved as moved (not removed + added), and one that moved and changed as both', () => {
    const d = diffMessages(
      crlf([
        'BYE sip:a@x SIP/2.0',
        'Via: SIP/2.0/UDP h;branch=z9hG4bK1',
        'Call-ID: c',
        'Max-Forwards: 70',
        'From: <sip:b@x>;tag=2',
        'To: <sip:a@x>;tag=1',
        'CSeq: 2 BYE',
        'Content-Length: 0',
        '',
      ]),
      crlf([
        'BYE sip:a@x SIP/2.0',
        'Via: SIP/2.0/UDP h;branch=z9hG4bK1',
        'From: <sip:b@x>;tag=2',
        'To: <sip:a@x>;tag=1',
        'CSeq: 2 BYE',
        'Max-Forwards: 70',
        'i: c',
        'Content-Length: 0',
        '',
      ]),
      9,
    );
    expect(flat(d).map((l) => [l.kind, l.name, l.moved ?? false])).toEqual([
      ['same', null, false],
      ['same', 'via', false],
      ['same', 'from', false],
      ['same', 'to', false],
      ['same', 'cseq', false],
      ['moved', 'max-forwards', false],
      // the compact form of the same header, moved: matched by its full name
      ['changed', 'call-id', true],
      ['same', 'content-length', false],
      ['same', null, false],
    ]);
    expect({ removed: d.removed, added: d.added, changed: d.changed, moved: d.moved }).toEqual({
      removed: 0,
      added: 0,
      changed: 1,
      moved: 2,
    });
  });
});
