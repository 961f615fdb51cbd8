/**
 * TLS 1.2 with RSA key exchange read with the server's private key (capture/tls/rsa.ts, keylog.ts's
 * SIPSCOPE_RSA_KEY lines, keylog-file.node.ts's key files): the RSA operation and the PKCS#1 v1.5 check
 * against Node's own `publicEncrypt`, the key file forms, and a fixture made by real peers
 * (test/fixtures/tls/tls12-rsa-aes128cbc.pcapng: openssl s_server/s_client on lo, TLS_RSA_WITH_AES_128_CBC_SHA
 * with extended master secret, then the same session resumed by its ticket; tls12-rsa.key is the
 * server's throwaway key) decrypted, and damaged in its ClientKeyExchange 1,000 times and anywhere 500 times without a crash.
 */
import {
  constants,
  generateKeyPairSync,
  privateDecrypt,
  publicEncrypt,
  randomBytes,
  type KeyObject,
} from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TlsKeyLog } from '../../../src/sip-core/capture/tls/keylog';
import { normalizeServer, rsaKeyLine } from '../../../src/sip-core/capture/tls/keylog-file.node';
import { nodeTlsCrypto } from '../../../src/sip-core/capture/tls/crypto.node';
import {
  bytesToBigInt,
  rsaesPkcs1Decrypt,
  rsaPrivate,
  type RsaPrivateKey,
} from '../../../src/sip-core/capture/tls/rsa';
import { ingestBytes } from '../../../src/sip-core/trace/trace-builder';
import { openCapture } from '../../../src/main/ingest';

const DIR = resolve(__dirname, '../../fixtures/tls');
const FIXTURE = `${DIR}/tls12-rsa-aes128cbc.pcapng`;
const KEY = `${DIR}/tls12-rsa.key`;

const pem = (k: KeyObject, type: 'pkcs1' | 'pkcs8'): Uint8Array =>
  new Uint8Array(Buffer.from(k.export({ format: 'pem', type }) as string));
const der = (k: KeyObject, type: 'pkcs1' | 'pkcs8'): Uint8Array =>
  new Uint8Array(k.export({ format: 'der', type }));
const load = (bytes: Uint8Array, server: string | null = null): TlsKeyLog => {
  const log = new TlsKeyLog();
  expect(log.add(rsaKeyLine(bytes, server, 'test.key'))).toBe(1);
  return log;
};
const only = (log: TlsKeyLog): RsaPrivateKey => log.rsaKeys('*')[0]!;

describe.each([
  ['in BigInt (rsa.ts)', undefined],
  ["with node:crypto's raw RSA (crypto.node.ts rsaDecryptRaw)", nodeTlsCrypto.rsaDecryptRaw],
] as const)('RSAES-PKCS1-v1_5 decryption %s against node:crypto', (_engine, rawRsa) => {
  const decrypt = (k: RsaPrivateKey, ct: Uint8Array): Uint8Array | null => rsaesPkcs1Decrypt(k, ct, rawRsa);

  for (const bits of [1024, 2048, 3072, 1032]) {
    it(`${bits}-bit key: publicEncrypt's PKCS#1 v1.5 output decrypts to the message; raw RSADP equals privateDecrypt without padding`, () => {
      const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: bits });
      const k = only(load(pem(privateKey, 'pkcs8')));
      expect(k.bytes).toBe(Math.ceil(bits / 8));
      for (const len of [0, 1, 47, 48, k.bytes - 11]) {
        for (let i = 0; i < 4; i++) {
          const msg = new Uint8Array(randomBytes(len));
          const ct = new Uint8Array(
            publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_PADDING }, msg),
          );
          expect(decrypt(k, ct)).toEqual(msg);
          const raw = new Uint8Array(
            privateDecrypt({ key: privateKey, padding: constants.RSA_NO_PADDING }, ct),
          );
          expect(rsaPrivate(k, bytesToBigInt(ct))).toBe(bytesToBigInt(raw));
        }
      }
    });
  }

  it('bad padding, a wrong key, a wrong length or a value not below the modulus: null', () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const k = only(load(der(privateKey, 'pkcs1')));
    const raw = (em: Uint8Array): Uint8Array =>
      new Uint8Array(publicEncrypt({ key: publicKey, padding: constants.RSA_NO_PADDING }, em));
    const em = (head: number[], ps: number, sep: boolean): Uint8Array => {
      const e = new Uint8Array(128).fill(0x44);
      e.set(head, 0);
      e.fill(0x5a, head.length, head.length + ps);
      if (sep) e[head.length + ps] = 0;
      return e;
    };
    // A good one first: eight bytes of padding, the 0x00, the message.
    const good = em([0, 2], 8, true);
    expect(decrypt(k, raw(good))).toEqual(good.slice(11));
    expect(decrypt(k, raw(em([0, 1], 8, true)))).toBeNull();
    expect(decrypt(k, raw(em([0, 2], 7, true)))).toBeNull();
    expect(decrypt(k, raw(em([0, 2], 0, false)))).toBeNull();
    expect(decrypt(k, raw(em([1, 2], 8, true)))).toBeNull();
    const ct = new Uint8Array(
      publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_PADDING }, new Uint8Array(48)),
    );
    expect(decrypt(k, ct.subarray(1))).toBeNull();
    expect(decrypt(k, new Uint8Array(128).fill(0xff))).toBeNull();
    const other = only(load(pem(generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey, 'pkcs1')));
    expect(decrypt(other, ct)).toBeNull();
  });
});

describe('RSA key files (keylog-file.node.ts) and key log lines (keylog.ts)', () => {
  it('PEM and DER, PKCS#1 and PKCS#8: the same key; not a key, an EC key, an encrypted key: an error naming the file', () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const forms = [
      pem(privateKey, 'pkcs1'),
      pem(privateKey, 'pkcs8'),
      der(privateKey, 'pkcs1'),
      der(privateKey, 'pkcs8'),
    ];
    const lines = forms.map((f) => rsaKeyLine(f, null, 'k.pem'));
    expect(new Set(lines).size).toBe(1);
    expect(lines[0]).toMatch(/^SIPSCOPE_RSA_KEY \* [A-Za-z0-9_-]+( [A-Za-z0-9_-]+){7} k\.pem$/);
    const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
    expect(() => rsaKeyLine(pem(ec, 'pkcs8'), null, 'ec.pem')).toThrow(/^ec\.pem: a ec key; only RSA keys/);
    expect(() => rsaKeyLine(new TextEncoder().encode('hello'), null, 'x.txt')).toThrow(
      /^x\.txt: not an RSA private key that can be read/,
    );
    const enc = privateKey.export({
      format: 'pem',
      type: 'pkcs8',
      cipher: 'aes-128-cbc',
      passphrase: 'pw',
    }) as string;
    expect(() => rsaKeyLine(new TextEncoder().encode(enc), null, 'enc.pem')).toThrow(
      /^enc\.pem: not an RSA private key/,
    );
  });

  it('keys bound to a server come first for it, unbound ones serve every server; a broken line is counted, not taken', () => {
    const a = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey;
    const b = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey;
    const log = new TlsKeyLog();
    log.add(rsaKeyLine(der(a, 'pkcs8'), null, 'a.key'));
    log.add(rsaKeyLine(der(b, 'pkcs8'), '10.0.0.1:5061', 'b.key'));
    expect(log.rsaKeys('10.0.0.1:5061').map((k) => k.label)).toEqual(['b.key', 'a.key']);
    expect(log.rsaKeys('10.0.0.2:5061').map((k) => k.label)).toEqual(['a.key']);
    expect(log.size).toBe(2);
    // n changed: not p·q.
    const line = rsaKeyLine(der(a, 'pkcs8'), null, 'a.key').split(' ');
    line[2] = 'AQAB' + line[2]!.slice(4);
    expect(log.add(line.join(' '))).toBe(0);
    expect(log.add('SIPSCOPE_RSA_KEY * AQAB')).toBe(0);
    expect(log.badLines).toBe(2);
    expect(log.rsaKeyCount).toBe(2);
  });

  it('server addresses as the reader writes them', () => {
    expect(normalizeServer('10.0.0.1:5061')).toBe('10.0.0.1:5061');
    expect(normalizeServer('[0:0::1]:5061')).toBe('[::1]:5061');
    expect(normalizeServer('[2001:DB8:0:0:0:0:0:1]:443')).toBe('[2001:db8::1]:443');
    for (const bad of ['10.0.0.1', '10.0.0.1:0', '10.0.0.1:70000', '::1:5061', 'host:5061', '300.0.0.1:1'])
      expect(normalizeServer(bad)).toBeNull();
  });
});

describe('a real RSA key exchange and its resumption by ticket (fixture)', () => {
  const file = new Uint8Array(readFileSync(FIXTURE));
  const key = (): TlsKeyLog => load(new Uint8Array(readFileSync(KEY)));
  const texts = (r: ReturnType<typeof ingestBytes>): string[] => {
    const out: string[] = [];
    for (let i = 0; i < r.trace.count; i++) out.push(new TextDecoder().decode(r.trace.raw(i)));
    return out;
  };

  it("both connections' INVITE and 200 (frames as tshark's), over TLS; bound to another server, nothing and why", () => {
    const r = ingestBytes(file, 'rsa.pcapng', { tlsCrypto: nodeTlsCrypto, keylog: key() });
    expect(r.diagnostics).toEqual([]);
    const rows: [number, string, string][] = [];
    for (let i = 0; i < r.trace.count; i++)
      rows.push([r.trace.frame(i), r.trace.transport(i), r.trace.methodOrCseqMethod(i) ?? '']);
    expect(rows).toEqual([
      [11, 'TLS', 'INVITE'],
      [13, 'TLS', 'INVITE'],
      [30, 'TLS', 'INVITE'],
      [32, 'TLS', 'INVITE'],
    ]);
    expect(texts(r)[0]).toContain('Call-ID: tls-rsa-1\r\n');
    expect(texts(r)[3]).toMatch(/^SIP\/2\.0 200 OK\r\n[^]*Call-ID: tls-rsa-2\r\n/);
    const other = ingestBytes(file, 'rsa.pcapng', {
      tlsCrypto: nodeTlsCrypto,
      keylog: load(new Uint8Array(readFileSync(KEY)), '127.0.0.1:5062'),
    });
    expect(other.trace.count).toBe(0);
    expect(other.diagnostics.map((d) => d.code)).toEqual(['tls-encrypted', 'tls-encrypted']);
    expect(other.diagnostics[0]!.message).toMatch(
      /no RSA key given for server 127\.0\.0\.1:5061 \(TLS_RSA_WITH_AES_128_CBC_SHA\); give its key \(--tls-key 127\.0\.0\.1:5061=FILE\)/,
    );
    expect(other.diagnostics[1]!.message).toMatch(/resumes TLS session [0-9a-f]{16}… \(a session ticket\)/);
    // a key log without this connection and no RSA key: both ways out named, as the suite is RSA's
    const unrelated = new TlsKeyLog();
    unrelated.add(`CLIENT_RANDOM ${'11'.repeat(32)} ${'22'.repeat(48)}`);
    const neither = ingestBytes(file, 'rsa.pcapng', { tlsCrypto: nodeTlsCrypto, keylog: unrelated });
    expect(neither.trace.count).toBe(0);
    expect(neither.diagnostics[0]!.message).toMatch(
      /give a key log \(--keylog FILE\) or, as TLS_RSA_WITH_AES_128_CBC_SHA uses RSA key exchange, the server's private key \(--tls-key FILE\)$/,
    );
  });

  it('the ingest worker (the app, serve): the key as key log text (its SIPSCOPE_RSA_KEY line), in one worker, two with a split, in this thread', async () => {
    const line = rsaKeyLine(new Uint8Array(readFileSync(KEY)), null, 'k');
    for (const opts of [{}, { workers: 1 }, { workers: 2, splitMinBytes: 1 }, { onTrace: () => {} }]) {
      const c = await openCapture(FIXTURE, { ...opts, keylog: line, parse: false });
      expect(c.trace.count).toBe(4);
      expect(c.diagnostics).toEqual([]);
      c.trace.close();
    }
  }, 60_000);

  it('1,000 copies with 1–4 bytes changed in the ClientKeyExchange record, 500 anywhere in the packets: every one is read, at most the four messages (seeded)', () => {
    // The ClientKeyExchange record: a handshake record (22, 3, 3) whose message type is 16.
    let at = -1;
    for (let i = 0; i + 6 < file.length; i++)
      if (file[i] === 22 && file[i + 1] === 3 && file[i + 2] === 3 && file[i + 5] === 16) {
        at = i;
        break;
      }
    expect(at).toBeGreaterThan(0);
    const len = 5 + ((file[at + 3]! << 8) | file[at + 4]!);
    let seed = 4475;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed % n;
    };
    const log = key();
    let failed = 0;
    for (let i = 0; i < 1000; i++) {
      const b = file.slice();
      for (let j = 0, n = 1 + rnd(4); j < n; j++) b[at + rnd(len)] = rnd(256);
      const r = ingestBytes(b, 'rsa.pcapng', { tlsCrypto: nodeTlsCrypto, keylog: log });
      expect(r.trace.count).toBeLessThanOrEqual(4);
      if (r.diagnostics.some((d) => d.code === 'tls-decrypt-failed')) failed++;
    }
    // Most changes break the pre-master secret or the record: said, not thrown.
    expect(failed).toBeGreaterThan(500);
    // And anywhere in the packets (the handshake, the tickets, the records), 500 more.
    for (let i = 0; i < 500; i++) {
      const b = file.slice();
      for (let j = 0, n = 1 + rnd(4); j < n; j++) b[300 + rnd(b.length - 300)] = rnd(256);
      const r = ingestBytes(b, 'rsa.pcapng', { tlsCrypto: nodeTlsCrypto, keylog: log });
      expect(r.trace.count).toBeLessThanOrEqual(4);
    }
  }, 120_000);
});
