/**
 * Fuzz: message bodies and credentials never throw (test/helpers/mutate.ts, seeded). The RFC 4475
 * messages' bodies (SDP, multipart/mixed with SDP and a PIDF part) and a SIP fragment, mutated, through
 * decodeBody (recursing into multipart parts), parseSdp and the SDP summary the views use; Digest
 * Authorization values mutated through verifyDigest (RFC 2617/7616 arithmetic included). Spans stay
 * inside the input.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fuzz, mutate, mutateText } from '../../helpers/mutate';
import { parseMessage } from '../../../src/sip-core/message/index';
import { decodeBody } from '../../../src/sip-core/message/multipart';
import { parseSdpBytes } from '../../../src/sip-core/message/sdp';
import { buildAuthorization, verifyDigest } from '../../../src/sip-core/message/digest';
import { summarizeSdp } from '../../../src/sip-core/analysis';

const FIX = resolve(__dirname, '../../fixtures/rfc4475');
const bodies: { name: string; type: string; bytes: Uint8Array }[] = [];
for (const f of readdirSync(FIX)
  .filter((x) => x.endsWith('.dat'))
  .sort()) {
  const m = parseMessage(new Uint8Array(readFileSync(`${FIX}/${f}`)));
  if (m.bodyLength > 0 && m.contentType)
    bodies.push({
      name: f,
      type: m.header('content-type') ?? m.contentType,
      bytes: m.raw.slice(m.bodyStart, m.bodyStart + m.bodyLength),
    });
}
bodies.push({
  name: 'sipfrag',
  type: 'message/sipfrag;version=2.0',
  bytes: new TextEncoder().encode('SIP/2.0 200 OK\r\nContact: <sip:a@b>\r\n\r\n'),
});

describe('fuzz: bodies and credentials', () => {
  it(`${bodies.length} bodies (SDP, multipart, sipfrag), 2,000 mutants, their Content-Type mutated too: decoded or flagged (seed 0xB0D7)`, async () => {
    expect(bodies.some((b) => b.type.startsWith('multipart/'))).toBe(true);
    await fuzz(
      'body',
      (seed, i) => {
        const b = bodies[i % bodies.length]!;
        const m = mutate(b.bytes, seed, {
          tokens: ['\r\n', '--', 'boundary', 'm=', 'c=IN IP4 ', 'a=rtpmap:', '/', ':', ' '],
        });
        const t =
          i % 4 === 0 ? mutateText(b.type, seed ^ 0x5555, { tokens: [';', '"', 'boundary=', '/'] }) : null;
        return {
          name: b.name,
          input: { bytes: m.bytes, type: t?.text ?? b.type },
          ops: [...m.ops, ...(t ? t.ops.map((o) => `type ${o}`) : [])],
        };
      },
      ({ bytes, type }) => {
        const d = decodeBody(bytes, { start: 0, end: bytes.length }, type);
        expect(d.span.start).toBeGreaterThanOrEqual(0);
        expect(d.span.end).toBeLessThanOrEqual(bytes.length);
        const sdp = parseSdpBytes(bytes);
        JSON.stringify(sdp.value);
        summarizeSdp(bytes);
      },
      { seed: 0xb0d7, count: 2000 },
    );
  });

  it('1,500 mutated Digest credentials (MD5, SHA-256, qop auth and auth-int, -sess): verified or refused with diagnostics (seed 0xD16E)', async () => {
    const base = [
      buildAuthorization({
        username: 'alice',
        realm: 'a.example',
        password: 'pw',
        method: 'INVITE',
        uri: 'sip:bob@b',
        nonce: 'n1',
        algorithm: 'MD5',
      }),
      buildAuthorization({
        username: 'alice',
        realm: 'a.example',
        password: 'pw',
        method: 'REGISTER',
        uri: 'sip:a.example',
        nonce: 'n2',
        algorithm: 'SHA-256',
        qop: 'auth',
        cnonce: 'c',
        nc: '00000001',
        opaque: 'o',
      }),
      buildAuthorization({
        username: 'alice',
        realm: 'a.example',
        password: 'pw',
        method: 'MESSAGE',
        uri: 'sip:bob@b',
        nonce: 'n3',
        algorithm: 'MD5-sess',
        qop: 'auth-int',
        cnonce: 'c',
        nc: '00000002',
        body: 'hi',
      }),
    ];
    await fuzz(
      'digest',
      (seed, i) => {
        const m = mutateText(base[i % base.length]!, seed, {
          tokens: [',', '=', '"', 'qop=auth-int', 'algorithm=SHA-512-256', 'nc=', 'ffffffffffffffffff', '\\'],
        });
        return { name: `credentials ${i % base.length}`, input: m.text, ops: m.ops };
      },
      (text) => {
        const v = verifyDigest(text, { method: 'INVITE', password: 'pw', body: 'hi' });
        expect(Array.isArray(v.diagnostics)).toBe(true);
      },
      { seed: 0xd16e, count: 1500 },
    );
  });
});
