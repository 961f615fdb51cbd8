/**
 * The body in a word (MessageRow.body), which the ladder prints after the label: "(SDP)" only for
 * SDP, the media subtype for other bodies (an INFO's dtmf-relay is not SDP).
 */
import { describe, expect, it } from 'vitest';
import { parseMessage } from '../../src/sip-core/message';
import { bodyLabel } from '../../src/main/service/capture-loader';

function info(type: string | null, body = 'Signal=5\r\nDuration=160\r\n'): Uint8Array {
  const head = [
    'INFO sip:bob@192.0.2.4 SIP/2.0',
    'Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK776asdhds',
    'Max-Forwards: 70',
    'To: <sip:bob@example.com>;tag=a6c85cf',
    'From: <sip:alice@example.com>;tag=1928301774',
    'Call-ID: a84b4c76e66710@pc33.example.com',
    'CSeq: 2 INFO',
    ...(type === null ? [] : [`Content-Type: ${type}`]),
    `Content-Length: ${Buffer.byteLength(body)}`,
  ];
  return Buffer.from(`${head.join('\r\n')}\r\n\r\n${body}`);
}

describe('bodyLabel', () => {
  it.each([
    ['application/sdp', 'SDP'],
    ['Application/SDP ; charset=utf-8', 'SDP'],
    ['application/dtmf-relay', 'dtmf-relay'],
    ['message/sipfrag;version=2.0', 'sipfrag'],
    ['multipart/mixed;boundary=unique-boundary-1', 'multipart'],
    ['application/pidf+xml', 'pidf+xml'],
    [null, 'body'],
  ])('Content-Type %s → %s', (type, label) => {
    expect(bodyLabel(parseMessage(info(type)))).toBe(label);
  });
  it('is null without a body', () => {
    expect(bodyLabel(parseMessage(info('application/sdp', '')))).toBeNull();
  });
});
