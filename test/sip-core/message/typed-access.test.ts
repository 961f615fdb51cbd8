/** Typed accessors on parsed messages: decoded on first access through the typed-header registry, then cached. */
import { describe, expect, it } from 'vitest';
import {
  contactValues,
  contentTypeValue,
  cseqValue,
  decodeAllHeaders,
  fromValue,
  parseMessage,
  recordRouteValues,
  requestUriValue,
  routeValues,
  toValue,
  typedFields,
  viaValues,
} from '../../../src/sip-core/message/index';
import { KEY_HEADER_CANONICAL } from '../../../src/sip-core/message/sip-message';
import { KEY_ID } from '../../../src/sip-core/message/typed';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

const OK =
  'SIP/2.0 200 OK\r\n' +
  'Via: SIP/2.0/UDP server10.biloxi.com;branch=z9hG4bK4b43c2ff8.1;received=192.0.2.3,\r\n' +
  ' SIP/2.0/UDP bigbox3.site3.atlanta.com;branch=z9hG4bK77ef4c2312983.1\r\n' +
  'v: SIP/2.0/TCP [2001:db8::1]:5061;branch=z9hG4bK776asdhds;rport=5062\r\n' +
  'Record-Route: <sip:server10.biloxi.com;lr>, <sip:bigbox3.site3.atlanta.com;lr>\r\n' +
  'To: Bob <sip:bob@biloxi.com>;tag=a6c85cf\r\n' +
  'f: "Alice \\"A\\"" <sip:alice@atlanta.com>;tag=1928301774\r\n' +
  'Call-ID: a84b4c76e66710@pc33.atlanta.com\r\n' +
  'CSeq: 314159 INVITE\r\n' +
  'm: <sip:bob@192.0.2.4>;expires=60;q=0.5, <sip:bob@[2001:db8::4]>\r\n' +
  'X-Unknown: whatever; it=is\r\n' +
  'c: application/sdp; charset=utf-8\r\n' +
  'Content-Length: 0\r\n\r\n';

describe('typed accessors', () => {
  const m = parseMessage(enc(OK));
  it('Via: every value, in order, across folded lines and compact forms', () => {
    const v = viaValues(m);
    expect(v.map((x) => x.host)).toEqual([
      'server10.biloxi.com',
      'bigbox3.site3.atlanta.com',
      '[2001:db8::1]',
    ]);
    expect(v[0]!.received).toBe('192.0.2.3');
    expect(v[2]!.port).toBe(5061);
    expect(v[2]!.transport).toBe('TCP');
    expect(v[2]!.rport).toBe(5062);
    expect(v.length).toBe(m.viaCount);
  });
  it('From/To: display names with escapes, tags', () => {
    expect(fromValue(m)?.displayName).toBe('Alice "A"');
    expect(fromValue(m)?.tag).toBe(m.fromTag);
    expect(toValue(m)?.tag).toBe('a6c85cf');
  });
  it('Contact, Record-Route, Route, CSeq, Content-Type', () => {
    const c = contactValues(m);
    expect(c.flatMap((x) => x.contacts).length).toBe(2);
    expect(recordRouteValues(m).map((r) => r.uriText)).toEqual([
      'sip:server10.biloxi.com;lr',
      'sip:bigbox3.site3.atlanta.com;lr',
    ]);
    expect(routeValues(m)).toEqual([]);
    expect(cseqValue(m)).toMatchObject({ seq: 314159, method: 'INVITE' });
    expect(contentTypeValue(m)).toMatchObject({ type: 'application', subtype: 'sdp' });
  });
  it('decodes once and caches', () => {
    expect(typedFields(m, 'via')).toBe(typedFields(m, 'v'));
    expect(viaValues(m)[0]).toBe(viaValues(m)[0]);
  });
  it('unknown headers have no decoder and stay raw', () => {
    expect(typedFields(m, 'x-unknown')).toEqual([null]);
    expect(m.header('x-unknown')).toBe('whatever; it=is');
  });
  it('decodeAllHeaders: a clean message has no findings', () => {
    expect(decodeAllHeaders(m)).toEqual([]);
  });
  it('Request-URI parsed on demand', () => {
    const r = parseMessage(enc('OPTIONS sips:alice@[2001:db8::2]:5061;transport=tcp SIP/2.0\r\n\r\n'));
    const u = requestUriValue(r);
    expect(u?.value).toMatchObject({ scheme: 'sips', host: '[2001:db8::2]', port: 5061 });
    expect(requestUriValue(r)).toBe(u);
    expect(requestUriValue(m)).toBeNull();
  });
  it('a broken header costs only its own typed value', () => {
    const b = parseMessage(
      enc('OPTIONS sip:a@b SIP/2.0\r\nCSeq: banana\r\nTo: <sip:ok@example.com>\r\n\r\n'),
    );
    expect(cseqValue(b)).toBeNull();
    expect(toValue(b)?.uriText).toBe('sip:ok@example.com');
    const diags = decodeAllHeaders(b);
    expect(diags.length).toBeGreaterThan(0);
    const cseqSpan = b.headerSpans('cseq')[0]!;
    for (const d of diags) {
      expect(d.span!.start).toBeGreaterThanOrEqual(cseqSpan.start);
      expect(d.span!.end).toBeLessThanOrEqual(cseqSpan.end);
    }
  });
});

describe('typed body', () => {
  it('SDP, multipart and plain bodies are decoded by Content-Type', async () => {
    const { bodyValue } = await import('../../../src/sip-core/message/index');
    const { readFileSync } = await import('node:fs');
    const fx = (f: string): Uint8Array =>
      new Uint8Array(readFileSync(new URL(`../../fixtures/rfc4475/${f}`, import.meta.url)));
    const sdp = bodyValue(parseMessage(fx('sdp01.dat')));
    expect(sdp.kind).toBe('sdp');
    if (sdp.kind === 'sdp') expect(sdp.sdp.value?.media.length).toBeGreaterThan(0);
    const mp = bodyValue(parseMessage(fx('mpart01.dat')));
    expect(mp.kind).toBe('multipart');
    if (mp.kind === 'multipart') expect(mp.multipart.value?.parts.length).toBe(2);
    expect(bodyValue(parseMessage(fx('invut.dat')))).toEqual({
      kind: 'raw',
      contentType: 'application/unknownformat',
    });
    expect(bodyValue(parseMessage(fx('zeromf.dat')))).toEqual({ kind: 'none' });
  });
});

describe('msg.typed (lazy view)', () => {
  it('exposes the same cached values', () => {
    const m = parseMessage(enc(OK));
    expect(m.typed).toBe(m.typed);
    expect(m.typed.via).toEqual(viaValues(m));
    expect(m.typed.via[0]).toBe(viaValues(m)[0]);
    expect(m.typed.from?.tag).toBe('1928301774');
    expect(m.typed.to?.tag).toBe('a6c85cf');
    expect(m.typed.recordRoute.length).toBe(2);
    expect(m.typed.cseq?.method).toBe('INVITE');
    expect(m.typed.requestUri).toBeNull();
    expect(m.typed.body).toEqual({ kind: 'none' });
    expect(m.typed.diagnostics()).toEqual([]);
    expect(m.typed.field('x-unknown')).toEqual([null]);
  });
});

describe('the kept values of the full typed parse', () => {
  it("are found by the structural parse's key header ids (typed.ts KEY_ID = sip-message.ts KEY_HEADER_CANONICAL)", () => {
    for (const [name, id] of Object.entries(KEY_ID)) expect(KEY_HEADER_CANONICAL[id], name).toBe(name);
  });
  it('give the accessors the values they give without decodeAllHeaders', () => {
    const a = parseMessage(enc(OK));
    const b = parseMessage(enc(OK));
    decodeAllHeaders(b);
    for (const f of [
      viaValues,
      fromValue,
      toValue,
      contactValues,
      routeValues,
      recordRouteValues,
      cseqValue,
      contentTypeValue,
    ]) {
      expect(JSON.stringify(f(b)), f.name).toBe(JSON.stringify(f(a)));
    }
    expect(JSON.stringify(typedFields(b, 'via'))).toBe(JSON.stringify(typedFields(a, 'via')));
  });
});
