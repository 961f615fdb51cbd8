import { describe, expect, it } from 'vitest';
import { parseMessage, type SipMessage } from '../../../src/sip-core/message';
import {
  F_BRANCH,
  F_CALLID,
  F_FROMTAG,
  F_RECEIVED,
  F_RPORT,
  F_SENTBY,
  F_TOTAG,
  F_URI,
  FieldIndex,
  FNV_BASIS,
  asciiText,
  hasKeyField,
  hasOtherField,
  keyFieldFnv,
  keyFieldHash,
  keyFieldIs,
  keyText,
  methodOf,
  utf8Hash,
  K_CONTACT,
  K_RECORD_ROUTE,
  K_VIA,
  fnvStr,
  keyFieldsHash,
  flatConcat,
  hex8,
  loopMarkOf,
  sentByHostAt,
  keyTextOnce,
  keyFieldStartsWith,
} from '../../../src/sip-core/elements/msg-index';
import { nameAddrUri } from '../../../src/sip-core/elements/sip-util';

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

  it('writes the loop mark and concatenated branches as the template strings would', () => {
    for (const h of [0, 1, 0x7fffffff, 0x80000000, 0xdeadbeef, 0xffffffff]) {
      expect(loopMarkOf(h)).toBe(`z9hG4bK${hex8(h)}.`);
      expect(flatConcat(loopMarkOf(h), 'a1b2c3d4', '12')).toBe(`z9hG4bK${hex8(h)}.a1b2c3d412`);
    }
    expect(flatConcat('', '', '')).toBe('');
    expect(flatConcat('x'.repeat(40), 'y'.repeat(30), 'é')).toBe(`${'x'.repeat(40)}${'y'.repeat(30)}é`);
    expect(flatConcat('z9hG4bKé', 'ü', '0')).toBe('z9hG4bKéü0');
  });

  it('hashes every CSeq number and a To tag as the string would be hashed', () => {
    for (const cseq of ['0', '1', '9', '10', '99', '100', '314159', '2147483647', '4294967295', 'x']) {
      for (const toTag of ['', ';tag=8321234356']) {
        const m = msg([
          'BYE sip:bob@192.0.2.4 SIP/2.0',
          'Via: SIP/2.0/UDP a.example.com;branch=z9hG4bK1',
          'From: <sip:alice@atlanta.example.com>;tag=9fxced76sl',
          `To: <sip:bob@biloxi.example.com>${toTag}`,
          'Call-ID: 3848276298220188511@atlanta.example.com',
          `CSeq: ${cseq} BYE`,
          'Content-Length: 0',
        ]);
        const s = `${m.requestUri}|${m.fromTag}|${m.toTag}|${m.callId}|${m.cseq}`;
        expect(keyFieldsHash(m), `${cseq}${toTag}`).toBe(fnvStr(FNV_BASIS, s));
      }
    }
  });
});

describe('key fields read from the octets agree with the getters', () => {
  const msgs = [
    invite('sip:bob@biloxi.example.com', '1'),
    msg([
      'ACK sip:bob@192.0.2.40 SIP/2.0',
      'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKx;rport;received=192.0.2.99',
      'From: <sip:alice@atlanta.example.com>;tag=',
      'To: <sip:bob@biloxi.example.com>;tag=b0b',
      'Call-ID: ün1cöde@atlanta.example.com',
      'CSeq: 1 ACK',
      'RSeq: 4',
      'Content-Length: 0',
    ]),
    msg([
      'FOO sip:x@y SIP/2.0',
      'Via: SIP/2.0/UDP h;branch=z9hG4bKé;rport=5062',
      'From: <sip:a@b>;tag=täg',
      'To: <sip:c@d>',
      'i: short',
      'CSeq: 1 FOO',
      'Content-Length: 0',
    ]),
    msg([
      'SIP/2.0 180 Ringing',
      'Via: SIP/2.0/UDP h;branch=z9hG4bK1',
      'From: <sip:a@b>;tag=1',
      'To: <sip:c@d>;tag=2',
      'Call-ID: c',
      'CSeq: 1 INVITE',
      'Require: 100rel',
      'Content-Length: 0',
    ]),
  ];
  const getters = {
    [F_URI]: (m: SipMessage) => m.requestUri,
    [F_CALLID]: (m: SipMessage) => m.callId,
    [F_FROMTAG]: (m: SipMessage) => m.fromTag,
    [F_TOTAG]: (m: SipMessage) => m.toTag,
    [F_BRANCH]: (m: SipMessage) => m.branch,
    [F_SENTBY]: (m: SipMessage) => m.viaSentBy,
    [F_RECEIVED]: (m: SipMessage) => m.viaReceived,
    [F_RPORT]: (m: SipMessage) => m.viaRport,
  };
  it('methodOf, keyText, hasKeyField, keyFieldIs, keyFieldHash, keyFieldFnv, hasOtherField', () => {
    for (const raw of msgs) {
      // a fresh parse per reader, so no getter has decoded the header section before
      const fresh = () => parseMessage(raw.raw.slice(raw.start, raw.end));
      expect(methodOf(fresh())).toBe(raw.method);
      for (const [f, get] of Object.entries(getters)) {
        const k = Number(f);
        const want = get(raw);
        expect(keyText(fresh(), k), `field ${k}`).toBe(want);
        expect(hasKeyField(fresh(), k)).toBe(want !== null);
        expect(hasKeyField(fresh(), k, true)).toBe(Boolean(want));
        expect(keyFieldIs(fresh(), k, want)).toBe(true);
        expect(keyFieldIs(fresh(), k, `${want}x`)).toBe(false);
        expect(keyFieldIs(fresh(), k, null)).toBe(want === null);
        expect(keyFieldFnv(fresh(), k)).toBe(fnvStr(FNV_BASIS, `${want}`));
        if (want !== null) expect(keyFieldHash(fresh(), k)).toBe(utf8Hash(want));
      }
      for (const name of ['rseq', 'require', 'supported'])
        expect(hasOtherField(fresh(), name)).toBe(raw.header(name) !== null);
    }
  });
  it('asciiText is the octets as text, null for anything else', () => {
    const b = enc.encode('abc é'.padEnd(80, 'z'));
    expect(asciiText(b, 0, 3)).toBe('abc');
    expect(asciiText(b, 0, 0)).toBe('');
    expect(asciiText(b, 0, 6)).toBeNull();
    expect(asciiText(b, 6, 80)).toBe('z'.repeat(74));
    expect(asciiText(b, 0, 80)).toBeNull();
  });
});

describe('sentByHostAt', () => {
  const viaOf = (sentBy: string): SipMessage =>
    msg([
      'OPTIONS sip:b@example.com SIP/2.0',
      `Via: SIP/2.0/UDP ${sentBy};branch=z9hG4bK1`,
      'From: <sip:a@example.com>;tag=1',
      'To: <sip:b@example.com>',
      'Call-ID: x',
      'CSeq: 1 OPTIONS',
      'Content-Length: 0',
    ]);
  it('compares the host of the sent-by, its letters in lower case, as the lower-cased text would', () => {
    expect(sentByHostAt(viaOf('192.0.2.10:5060'), '192.0.2.10')).toBe(true);
    expect(sentByHostAt(viaOf('192.0.2.10'), '192.0.2.10')).toBe(true);
    expect(sentByHostAt(viaOf('192.0.2.10:5060'), '192.0.2.1')).toBe(false);
    expect(sentByHostAt(viaOf('192.0.2.1:5060'), '192.0.2.10')).toBe(false);
    expect(sentByHostAt(viaOf('PC33.Atlanta.example.com:5060'), 'pc33.atlanta.example.com')).toBe(true);
    expect(sentByHostAt(viaOf('pc33.atlanta.example.com'), 'PC33.atlanta.example.com')).toBe(false);
    expect(sentByHostAt(viaOf('[2001:DB8::1]:5060'), '[2001:db8::1]')).toBe(true);
    expect(sentByHostAt(viaOf('[2001:db8::1]'), '[2001:db8::1]')).toBe(true);
    expect(sentByHostAt(viaOf('[2001:db8::1]:5060'), '2001:db8::1')).toBe(false);
  });
  it('leaves what the octets cannot tell to the text', () => {
    expect(sentByHostAt(viaOf('[2001:db8::1:5060'), '[2001:db8::1')).toBe(null);
    expect(sentByHostAt(viaOf('h\u00e9.example.com:5060'), 'h\u00e9.example.com')).toBe(null);
  });
});

describe('FieldIndex name-addr URIs from the octets', () => {
  const values = [
    '<sip:alice@atlanta.example.com>;tag=1928301774',
    'Alice <sip:alice@atlanta.example.com>;tag=1',
    '"A, B" <sip:ab@example.com;transport=udp>',
    'sip:bob@biloxi.example.com;tag=2',
    'sip:bob@biloxi.example.com',
    ' <  sip:x@y.example.com  > ',
    '<sip:x@y.example.com',
    '<>',
    '<sip:a@b>\u000b',
    'Bj\u00f6rn <sip:bjorn@example.com>',
    '<sip:a@b> ;tag=x, <sip:c@d>',
    '',
  ];
  const parsed = (v: string): SipMessage =>
    msg([
      'INVITE sip:b@example.com SIP/2.0',
      'Via: SIP/2.0/UDP h.example.com;branch=z9hG4bK1',
      `From: ${v}`,
      `To: ${v}`,
      `Contact: ${v}`,
      'Contact: ,<sip:second@example.com>',
      'Call-ID: x',
      'CSeq: 1 INVITE',
      'Content-Length: 0',
    ]);
  it('nameAddrUri(i) and firstListUri(i) give what nameAddrUri of value(i) / firstListValue(i) gives', () => {
    for (const v of values) {
      const m = parsed(v);
      const fx = new FieldIndex().of(m);
      for (let i = 0; i < fx.count; i++) {
        expect(fx.nameAddrUri(i), `${v} field ${i}`).toBe(nameAddrUri(fx.value(i)));
        const first = fx.firstListValue(i);
        expect(fx.firstListUri(i), `${v} field ${i}`).toBe(first === null ? null : nameAddrUri(first));
      }
    }
  });
  it('a folded value goes through the unfolded text', () => {
    const m = msg([
      'INVITE sip:b@example.com SIP/2.0',
      'Via: SIP/2.0/UDP h.example.com;branch=z9hG4bK1',
      'From: Alice',
      ' <sip:alice@atlanta.example.com>;tag=1',
      'To: <sip:b@example.com>',
      'Call-ID: x',
      'CSeq: 1 INVITE',
      'Content-Length: 0',
    ]);
    const fx = new FieldIndex().of(m);
    expect(fx.nameAddrUri(fx.first(2))).toBe('sip:alice@atlanta.example.com');
  });
});

describe('keyTextOnce and keyFieldStartsWith', () => {
  const withTags = (toTag: string, callId: string): SipMessage =>
    msg([
      'ACK sip:b@example.com SIP/2.0',
      'Via: SIP/2.0/UDP h.example.com;branch=z9hG4bK1',
      'From: <sip:a@example.com>;tag=f1',
      `To: <sip:b@example.com>${toTag}`,
      `Call-ID: ${callId}`,
      'CSeq: 1 ACK',
      'Content-Length: 0',
    ]);
  it('gives what keyText gives, cached or not', () => {
    const long = `${'x'.repeat(70)}@example.com`;
    for (const [toTag, callId] of [
      [';tag=sl12ab.3', 'abc@h'],
      [';tag=', 'c\u00e9@h'],
      ['', long],
      [';tag=t\u00e9', 'a'],
    ] as const) {
      const m = withTags(toTag, callId);
      for (const f of [F_TOTAG, F_CALLID, F_FROMTAG]) expect(keyTextOnce(m, f)).toBe(keyText(m, f));
      for (const p of ['sl12', 'sl12ab.3x', 's', 'x', 'sl12ab.3'])
        expect(keyFieldStartsWith(m, F_TOTAG, p), `${toTag} ${p}`).toBe(
          keyText(m, F_TOTAG)?.startsWith(p) === true,
        );
    }
  });
});
