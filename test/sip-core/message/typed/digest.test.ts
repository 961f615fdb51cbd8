/**
 * Pure-TS MD5 / SHA-256 and Digest authentication — RFC 1321, FIPS 180-4, RFC 2617 §3.5,
 * RFC 7616 §3.9.1, RFC 3261 §22.4.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildAuthorization,
  buildChallenge,
  computeDigestResponse,
  type DigestInput,
  digestAlgorithm,
  verifyDigest,
} from '../../../../src/sip-core/message/digest';
import { authParam, parseWwwAuthenticate } from '../../../../src/sip-core/message/headers';
import { md5Hex } from '../../../../src/sip-core/message/md5';
import { sha256Hex } from '../../../../src/sip-core/message/sha256';

describe('MD5 — RFC 1321 §A.5 test suite', () => {
  const vectors: Array<[string, string]> = [
    ['', 'd41d8cd98f00b204e9800998ecf8427e'],
    ['a', '0cc175b9c0f1b6a831c399e269772661'],
    ['abc', '900150983cd24fb0d6963f7d28e17f72'],
    ['message digest', 'f96b697d7cb7938d525a2f31aaf161d0'],
    ['abcdefghijklmnopqrstuvwxyz', 'c3fcd3d76192e4007dfb496cca67e13b'],
    ['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789', 'd174ab98d277d9f5a5611c2c9f419d9f'],
    [
      '12345678901234567890123456789012345678901234567890123456789012345678901234567890',
      '57edf4a22be3c955ac49da2e2107b67a',
    ],
  ];
  for (const [input, hex] of vectors)
    it(`MD5("${input.slice(0, 20)}") = ${hex}`, () => expect(md5Hex(input)).toBe(hex));
});

describe('SHA-256 — FIPS 180-4 examples', () => {
  const vectors: Array<[string, string]> = [
    ['', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
    ['abc', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
    [
      'abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq',
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
    ],
  ];
  for (const [input, hex] of vectors)
    it(`SHA-256("${input.slice(0, 20)}") = ${hex.slice(0, 16)}…`, () => expect(sha256Hex(input)).toBe(hex));
  it('one million "a"', () => {
    expect(sha256Hex('a'.repeat(1_000_000))).toBe(
      'cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0',
    );
  });
});

describe('hashes agree with node:crypto on arbitrary bytes (property)', () => {
  it('MD5 and SHA-256', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        expect(md5Hex(bytes)).toBe(createHash('md5').update(bytes).digest('hex'));
        expect(sha256Hex(bytes)).toBe(createHash('sha256').update(bytes).digest('hex'));
      }),
      { numRuns: 300 },
    );
  });
});

const RFC2617: DigestInput = {
  username: 'Mufasa',
  realm: 'testrealm@host.com',
  password: 'Circle Of Life',
  method: 'GET',
  uri: '/dir/index.html',
  nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093',
  qop: 'auth',
  nc: '00000001',
  cnonce: '0a4f113b',
};
// RFC 7616 §3.9.1 (note: "Circle of Life", lower-case "of").
const RFC7616: DigestInput = {
  username: 'Mufasa',
  realm: 'http-auth@example.org',
  password: 'Circle of Life',
  method: 'GET',
  uri: '/dir/index.html',
  nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
  qop: 'auth',
  nc: '00000001',
  cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
};

describe('Digest response — the RFCs’ own examples', () => {
  it('RFC 2617 §3.5: response="6629fae49393a05397450978507c4ef1"', () => {
    expect(computeDigestResponse(RFC2617)).toBe('6629fae49393a05397450978507c4ef1');
  });
  it('RFC 7616 §3.9.1 MD5: response="8ca523f5e9506fed4657c9700eebdbec"', () => {
    expect(computeDigestResponse({ ...RFC7616, algorithm: 'MD5' })).toBe('8ca523f5e9506fed4657c9700eebdbec');
  });
  it('RFC 7616 §3.9.1 SHA-256: response="753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"', () => {
    expect(computeDigestResponse({ ...RFC7616, algorithm: 'SHA-256' })).toBe(
      '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1',
    );
  });
});

/** Independent reference computation with node:crypto, straight from RFC 2617 §3.2.2 / RFC 7616 §3.4. */
function reference(i: DigestInput): string {
  const alg = i.algorithm ?? 'MD5';
  const H = (s: string | Uint8Array) =>
    createHash(alg.startsWith('SHA-256') ? 'sha256' : 'md5')
      .update(s)
      .digest('hex');
  let ha1 = H(`${i.username}:${i.realm}:${i.password}`);
  if (alg.endsWith('-sess')) ha1 = H(`${ha1}:${i.nonce}:${i.cnonce}`);
  const ha2 = i.qop === 'auth-int' ? H(`${i.method}:${i.uri}:${H(i.body ?? '')}`) : H(`${i.method}:${i.uri}`);
  return i.qop ? H(`${ha1}:${i.nonce}:${i.nc}:${i.cnonce}:${i.qop}:${ha2}`) : H(`${ha1}:${i.nonce}:${ha2}`);
}

describe('Digest variants against a node:crypto reference', () => {
  const sip: DigestInput = {
    username: 'bob',
    realm: 'biloxi.com',
    password: 'zanzibar',
    method: 'INVITE',
    uri: 'sip:bob@biloxi.com',
    nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093',
    nc: '00000001',
    cnonce: '0a4f113b',
    body: 'v=0\r\no=bob 2890844527 2890844527 IN IP4 host.biloxi.com\r\n',
  };
  for (const algorithm of ['MD5', 'MD5-sess', 'SHA-256', 'SHA-256-sess'] as const) {
    for (const qop of [null, 'auth', 'auth-int'] as const) {
      it(`${algorithm} qop=${qop ?? '(none, RFC 2069)'}`, () => {
        const input = { ...sip, algorithm, qop };
        expect(computeDigestResponse(input)).toBe(reference(input));
      });
    }
  }
});

describe('challenge, credentials and verification — RFC 3261 §22.4', () => {
  it('buildChallenge produces a value our WWW-Authenticate decoder reads back', () => {
    const v = buildChallenge({
      realm: 'atlanta.com',
      nonce: 'abc',
      algorithm: 'SHA-256',
      qop: ['auth', 'auth-int'],
      opaque: 'o"q',
      stale: true,
    });
    const d = parseWwwAuthenticate(v);
    expect(d.diagnostics).toEqual([]);
    expect(authParam(d.value!, 'realm')).toBe('atlanta.com');
    expect(authParam(d.value!, 'qop')).toBe('auth,auth-int');
    expect(authParam(d.value!, 'opaque')).toBe('o"q');
    expect(authParam(d.value!, 'algorithm')).toBe('SHA-256');
    expect(authParam(d.value!, 'stale')).toBe('TRUE');
  });
  it('a legacy challenge has no qop', () => {
    expect(buildChallenge({ realm: 'r', nonce: 'n', qop: [] })).toBe(
      'Digest realm="r", nonce="n", algorithm=MD5',
    );
  });
  for (const algorithm of ['MD5', 'MD5-sess', 'SHA-256', 'SHA-256-sess'] as const) {
    for (const qop of [null, 'auth', 'auth-int'] as const) {
      it(`buildAuthorization → verifyDigest round trip (${algorithm}, qop=${qop})`, () => {
        const input: DigestInput = {
          ...RFC2617,
          method: 'REGISTER',
          uri: 'sip:biloxi.com',
          algorithm,
          qop,
          body: 'body',
        };
        const header = buildAuthorization({ ...input, opaque: 'xyz' });
        const ok = verifyDigest(header, {
          method: 'REGISTER',
          password: RFC2617.password,
          body: 'body',
          realm: RFC2617.realm,
          nonce: RFC2617.nonce,
        });
        expect(ok.valid).toBe(true);
        expect(ok.diagnostics).toEqual([]);
        const wrong = verifyDigest(header, { method: 'REGISTER', password: 'wrong', body: 'body' });
        expect(wrong.valid).toBe(false);
        expect(wrong.diagnostics.map((d) => d.code)).toEqual(['digest-response-mismatch']);
      });
    }
  }
  it('verifies the RFC 2617 §3.5 Authorization header as written in the RFC', () => {
    const header =
      'Digest username="Mufasa", realm="testrealm@host.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", uri="/dir/index.html", qop=auth, nc=00000001, cnonce="0a4f113b", response="6629fae49393a05397450978507c4ef1", opaque="5ccc069c403ebaf9f0171e9517f40e41"';
    expect(verifyDigest(header, { method: 'GET', password: 'Circle Of Life' }).valid).toBe(true);
    expect(verifyDigest(header, { method: 'POST', password: 'Circle Of Life' }).valid).toBe(false);
  });
  it('rejects a wrong realm or nonce, unknown algorithms and non-Digest schemes without throwing', () => {
    const header = buildAuthorization(RFC2617);
    expect(
      verifyDigest(header, { method: 'GET', password: RFC2617.password, realm: 'other' }).diagnostics.map(
        (d) => d.code,
      ),
    ).toEqual(['digest-realm-mismatch']);
    expect(verifyDigest(header, { method: 'GET', password: RFC2617.password, nonce: 'stale' }).valid).toBe(
      false,
    );
    expect(
      verifyDigest(header.replace('algorithm=MD5', 'algorithm=SHA-512-256'), {
        method: 'GET',
        password: 'x',
      }).diagnostics.map((d) => d.code),
    ).toEqual(['digest-unsupported-algorithm']);
    expect(verifyDigest('Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==', { method: 'GET', password: 'x' }).valid).toBe(
      false,
    );
    expect(verifyDigest('', { method: 'GET', password: 'x' }).valid).toBe(false);
  });
  it('algorithm names are case-insensitive; absent means MD5 (RFC 2617 §3.2.1)', () => {
    expect(digestAlgorithm(undefined)).toBe('MD5');
    expect(digestAlgorithm('sha-256-SESS')).toBe('SHA-256-sess');
    expect(digestAlgorithm('SHA-512-256')).toBeNull();
  });
});
