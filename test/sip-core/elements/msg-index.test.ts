import { describe, expect, it } from 'vitest';
import { parseMessage } from '../../../src/sip-core/message';
import {
  FieldIndex,
  FNV_BASIS,
  K_CONTACT,
  K_RECORD_ROUTE,
  K_VIA,
  fnvStr,
  keyFieldsHash,
} from '../../../src/sip-core/elements/msg-index';

const enc = new TextEncoder();
const msg = (lines: string[]) => parseMessage(enc.encode(lines.join('\r\n') + '\r\n\r\n'));

const invite = (uri: string, fromTag: string) =>
  msg([
    `INVITE ${uri} SIP/2.0`,
    'Via: SIP/2.0/UDP a.example.com;branch=z9hG4bK1',
    'v: SIP/2.0/UDP b.example.com;branch=z9hG4bK0',
    `From: <sip:alice@atlanta.example.com>;tag=${fromTag}`,
    'To: <sip:bob@biloxi.example.com>',
    'Call-ID: abc@atlanta.example.com',
    'CSeq: 7 INVITE',
    'Record-Route: <sip:p2.example.com;lr>, <sip:p1.example.com;lr>',
    'Record-Route: <sip:p0.example.com;lr>',
    'm: "A, B" <sip:alice@pc33.atlanta.example.com>',
    'Content-Length: 0',
  ]);

describe('the parser index read by key id', () => {
  it('lists fields by id in order, compact forms included, with the values values(name) gives', () => {
    const m = invite('sip:bob@biloxi.example.com', '1');
    const fx = new FieldIndex().of(m);
    expect(fx.count).toBe(m.headerCount);
    const vias: string[] = [];
    const rr: string[] = [];
    let contact: string | null = null;
    for (let i = 0; i < fx.count; i++) {
      if (fx.id(i) === K_VIA) vias.push(fx.value(i));
      if (fx.id(i) === K_RECORD_ROUTE) fx.listValues(i, rr);
      if (fx.id(i) === K_CONTACT) contact = fx.firstListValue(i);
    }
    expect(vias).toEqual(m.headerAll('via'));
    expect(rr).toEqual(m.values('record-route'));
    expect(contact).toBe(m.values('contact')[0]);
  });

  it('hashes the loop-detection key fields as the string would be hashed (ASCII and not)', () => {
    for (const m of [
      invite('sip:bob@biloxi.example.com', '1'),
      invite('sip:b\u00f6b@biloxi.example.com', '\u00e9'),
    ]) {
      const s = `${m.requestUri}|${m.fromTag}|${m.toTag}|${m.callId}|${m.cseq}`;
      expect(keyFieldsHash(m)).toBe(fnvStr(FNV_BASIS, s));
    }
  });
});
