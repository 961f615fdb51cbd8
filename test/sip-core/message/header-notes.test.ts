import { describe, expect, it } from 'vitest';
import { headerNote, type HeaderNoteContext } from '../../../src/sip-core/message/headers/notes';

const req: HeaderNoteContext = {
  kind: 'request',
  method: 'INVITE',
  status: null,
  index: 0,
  count: 1,
  bodyLength: 0,
};
const resp = (status: number, method = 'INVITE'): HeaderNoteContext => ({
  ...req,
  kind: 'response',
  method,
  status,
});

describe('header notes (what a value says in its message)', () => {
  it('places a Via in the stack and reads its branch, received and rport', () => {
    const top = headerNote('via', 'SIP/2.0/UDP 192.0.2.20:5060;branch=z9hG4bKb797', { ...req, count: 2 });
    expect(top).toMatch(/^Top Via: the element that sent this request, 192\.0\.2\.20:5060 over UDP/);
    expect(top).toContain('z9hG4bK prefix marks RFC 3261');
    expect(top).toContain('no rport');
    const second = headerNote(
      'via',
      'SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK47;rport=5062;received=203.0.113.7',
      {
        ...req,
        index: 1,
        count: 2,
      },
    );
    expect(second).toMatch(/^2nd Via: an earlier hop, 192\.0\.2\.10:5060/);
    expect(second).toContain('received=203.0.113.7');
    expect(second).toContain('rport=5062');
    expect(headerNote('via', 'SIP/2.0/UDP 10.0.0.1;branch=1234', resp(200))).toMatch(
      /^Top Via: the element this response goes to next.*lacks the z9hG4bK prefix.*RFC 2543/,
    );
  });

  it('reads tags as dialog ids, and their absence by message', () => {
    expect(headerNote('from', '<sip:a@x>;tag=9fxced76sl', req)).toContain(
      "tag 9fxced76sl: the caller's half",
    );
    expect(headerNote('from', '<sip:a@x>', req)).toContain('requires one');
    expect(headerNote('from', '<sip:a@x>;tag=77', { ...req, method: 'REGISTER' })).toBe(
      "tag 77: the sender's tag; a REGISTER creates no dialog (§12).",
    );
    expect(headerNote('to', '<sip:b@y>', req)).toMatch(/^No tag yet: an initial request/);
    expect(headerNote('to', '<sip:b@y>;tag=314159', { ...req, method: 'BYE' })).toMatch(/in-dialog request/);
    expect(headerNote('to', '<sip:b@y>', resp(100))).toMatch(/100 Trying .* needs none/);
    expect(headerNote('to', '<sip:b@y>', resp(180))).toMatch(/must carry one/);
    expect(headerNote('to', '<sip:b@y>;tag=8321234356', resp(200))).toMatch(/added by the UAS/);
  });

  it('counts hops, octets and seconds', () => {
    expect(headerNote('max-forwards', '69', req)).toBe(
      '69 more hops allowed (1 so far if it started at the usual 70); each proxy takes one off (§16.6 step 3).',
    );
    expect(headerNote('max-forwards', '0', req)).toMatch(/483 Too Many Hops/);
    expect(headerNote('content-length', '137', { ...req, bodyLength: 137 })).toBe(
      '137 octets of body follow, as declared.',
    );
    expect(headerNote('content-length', '200', { ...req, bodyLength: 137 })).toMatch(
      /only 137 octets follow/,
    );
    expect(headerNote('content-length', '0', req)).toBe('No body.');
    expect(headerNote('expires', '3600', req)).toBe('3600 s = 60 min.');
  });

  it('explains CSeq by method, routes, contacts, challenges and option tags', () => {
    expect(headerNote('cseq', '1 ACK', { ...req, method: 'ACK' })).toMatch(/keeps the number of the INVITE/);
    expect(headerNote('cseq', '2 BYE', resp(200, 'BYE'))).toMatch(/^Answers the request with CSeq 2 BYE/);
    expect(headerNote('record-route', '<sip:p1.example.com;lr>, <sip:p2.example.com;lr>', req)).toMatch(
      /^2 elements ask to stay on the dialog's path, first p1\.example\.com; lr: a loose router/,
    );
    expect(headerNote('route', '<sip:10.0.0.1>', req)).toMatch(/strict router \(RFC 2543\)/);
    expect(headerNote('contact', '<sip:bob@192.0.2.4>;expires=600', { ...req, method: 'REGISTER' })).toBe(
      'Binding to register: calls to the address of record go to 192.0.2.4 for 600 s (§10.2.1).',
    );
    expect(headerNote('contact', '<sip:bob@192.0.2.4>', resp(302))).toMatch(/^Where to try instead/);
    expect(headerNote('contact', '*', { ...req, method: 'REGISTER' })).toMatch(/removes every binding/);
    expect(
      headerNote(
        'www-authenticate',
        'Digest realm="atlanta.com", nonce="84a4cc6f", qop="auth"',
        resp(401, 'REGISTER'),
      ),
    ).toMatch(/^Digest challenge in realm atlanta\.com \(MD5, qop auth\)/);
    expect(headerNote('supported', 'timer, 100rel, x-unknown', req)).toMatch(
      /^timer: session timers.*100rel: reliable/,
    );
    expect(headerNote('supported', 'x-unknown', req)).toBeNull();
  });

  it('has no note for a value it cannot decode or a header it says nothing more about', () => {
    expect(headerNote('via', 'garbage ;;', req)).toBeNull();
    expect(headerNote('max-forwards', 'lots', req)).toBeNull();
    expect(headerNote('call-id', 'a84b4c76e66710', req)).toBeNull();
    expect(headerNote('x-custom', 'anything', req)).toBeNull();
  });
});
