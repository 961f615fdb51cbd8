/**
 * SIP over TLS decrypted with a key log (capture/tls/): captures of real openssl s_server/s_client
 * sessions on loopback carrying one INVITE and its 200 (test/fixtures/tls, made by
 * test/interop/tls-decrypt.test.ts's recipe), with their key logs. Frame numbers are tshark's
 * (`tshark -o tls.keylog_file:KEYS -Y sip`).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TlsKeyLog } from '../../../src/sip-core/capture/tls/keylog';
import { nodeTlsCrypto } from '../../../src/sip-core/capture/tls/crypto.node';
import { TlsLink, type TlsProblem } from '../../../src/sip-core/capture/tls/tls-stream';
import { ingestCaptureFile } from '../../../src/sip-core/trace/ingest-file.node';
import { ingestBytes } from '../../../src/sip-core/trace/trace-builder';
import type { Trace } from '../../../src/sip-core/trace/trace';
import { openCapture, openCaptureBytes } from '../../../src/main/ingest';

const DIR = resolve(__dirname, '../../fixtures/tls');
const path = (f: string): string => `${DIR}/${f}`;
const keys = (f: string): TlsKeyLog => {
  const k = new TlsKeyLog();
  k.add(readFileSync(path(f), 'utf8'));
  return k;
};
const text = (r: { trace: Trace }): string[] => {
  const out: string[] = [];
  for (let i = 0; i < r.trace.count; i++) out.push(new TextDecoder().decode(r.trace.raw(i)));
  return out;
};
const rows = (r: { trace: Trace }): [number, string, string][] => {
  const out: [number, string, string][] = [];
  for (let i = 0; i < r.trace.count; i++)
    out.push([r.trace.frame(i), r.trace.transport(i), r.trace.methodOrCseqMethod(i) ?? '']);
  return out;
};

// What the peers sent (test/interop/tls-decrypt.test.ts).
const INVITE =
  'INVITE sip:bob@127.0.0.1:5061;transport=tls SIP/2.0\r\nVia: SIP/2.0/TLS 127.0.0.1:40000;branch=z9hG4bK-1\r\nFrom: <sip:alice@127.0.0.1>;tag=a1\r\nTo: <sip:bob@127.0.0.1>\r\nCall-ID: tls-call-1\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n';
const OK =
  'SIP/2.0 200 OK\r\nVia: SIP/2.0/TLS 127.0.0.1:40000;branch=z9hG4bK-1\r\nFrom: <sip:alice@127.0.0.1>;tag=a1\r\nTo: <sip:bob@127.0.0.1>;tag=b1\r\nCall-ID: tls-call-1\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n';

describe('TLS decryption with a key log', () => {
  it('TLS 1.3 AES-128-GCM (pcapng): the INVITE and the 200 as sent, transport TLS, tshark frames', async () => {
    const r = await ingestCaptureFile(path('tls13-aes128gcm.pcapng'), {
      keylog: keys('tls13-aes128gcm.keys'),
    });
    expect(rows(r)).toEqual([
      [12, 'TLS', 'INVITE'],
      [14, 'TLS', 'INVITE'],
    ]);
    expect(text(r)).toEqual([INVITE, OK]);
    expect(r.diagnostics).toEqual([]);
    expect(r.trace.source.undecoded.tlsConnections).toBe(0);
  });

  it('TLS 1.2 ChaCha20-Poly1305 (classic pcap): the same through the full parse and the index ingest pass', async () => {
    for (const parse of [true, false]) {
      const r = await ingestCaptureFile(path('tls12-chacha20.pcap'), {
        keylog: keys('tls12-chacha20.keys'),
        parse,
      });
      expect(rows(r)).toEqual([
        [10, 'TLS', 'INVITE'],
        [12, 'TLS', 'INVITE'],
      ]);
      expect(text(r)).toEqual([INVITE, OK]);
      expect(r.diagnostics).toEqual([]);
    }
  });

  it("TLS 1.2 AES-256-CBC-SHA384: the keys from the pcapng's Decryption Secrets Block (editcap --inject-secrets), no key log", async () => {
    const r = await ingestCaptureFile(path('tls12-aes256cbc-dsb.pcapng'), { keylog: null });
    expect(rows(r)).toEqual([
      [10, 'TLS', 'INVITE'],
      [13, 'TLS', 'INVITE'],
    ]);
    expect(text(r)).toEqual([INVITE, OK]);
  });

  it('WebSocket over TLS 1.3 (an HTTP upgrade, then SIP in WebSocket frames): transport WSS', async () => {
    const r = await ingestCaptureFile(path('wss-tls13.pcapng'), { keylog: keys('wss-tls13.keys') });
    expect(rows(r)).toEqual([
      [9, 'WSS', 'INVITE'],
      [14, 'WSS', 'INVITE'],
    ]);
    expect(text(r)[0]).toMatch(/^INVITE sip:bob@example.invalid SIP\/2.0\r\n/);
    expect(r.trace.contextFrames(0).map((f) => f.frameNo)).toEqual([9]);
  });

  it('no key: nothing decoded, tls-encrypted names the client random, the suite and what decrypts it', async () => {
    const random = readFileSync(path('tls13-aes128gcm.keys'), 'utf8')
      .split('\n')
      .find((l) => l.startsWith('CLIENT_'))!
      .split(' ')[1]!;
    for (const keylog of [null, keys('tls12-chacha20.keys')]) {
      const r = await ingestCaptureFile(path('tls13-aes128gcm.pcapng'), { keylog });
      expect(r.trace.count).toBe(0);
      expect(r.diagnostics.map((d) => d.code)).toEqual(['tls-encrypted']);
      // (no keys at all too: the handshake is read far enough to name the suite)
      expect(r.diagnostics[0]!.message).toBe(
        `TLS on 127.0.0.1:42250 → 127.0.0.1:5061 (first frame 4): encrypted, not decoded: no key for client random ${random}; give a key log (--keylog FILE): TLS_AES_128_GCM_SHA256 uses TLS 1.3 (always (EC)DHE) key exchange (forward secrecy), which the server's private key cannot decrypt`,
      );
      expect(r.trace.source.undecoded.tlsConnections).toBe(1);
    }
    // RSA key exchange, no keys at all: the server's private key is named as a way.
    const r = await ingestCaptureFile(path('tls12-rsa-aes128cbc.pcapng'), { keylog: null });
    expect(r.diagnostics.map((d) => d.message)).toEqual([
      expect.stringMatching(
        /^TLS on 127\.0\.0\.1:34798 → 127\.0\.0\.1:5061 \(first frame 4\): encrypted, not decoded: no key for client random [0-9a-f]{64}; give a key log \(--keylog FILE\) or, as TLS_RSA_WITH_AES_128_CBC_SHA uses RSA key exchange, the server's private key \(--tls-key FILE\)$/,
      ),
      expect.stringMatching(
        /^TLS on 127\.0\.0\.1:60460 → .*as TLS_RSA_WITH_AES_128_CBC_SHA uses RSA key exchange/,
      ),
    ]);
  });

  it('a wrong key: one tls-decrypt-failed naming the connection and frame, no SIP, no crash', async () => {
    const good = readFileSync(path('tls12-chacha20.keys'), 'utf8');
    const bad = new TlsKeyLog();
    bad.add(
      good.replace(
        / ([0-9a-f])([0-9a-f]+)\s*$/m,
        (_m, a: string, b: string) => ` ${a === '0' ? '1' : '0'}${b}`,
      ),
    );
    const r = await ingestCaptureFile(path('tls12-chacha20.pcap'), { keylog: bad });
    expect(r.trace.count).toBe(0);
    expect(r.diagnostics.map((d) => d.code)).toEqual(['tls-decrypt-failed']);
    expect(r.diagnostics[0]!.message).toMatch(
      /^TLS 127\.0\.0\.1:\d+ → 127\.0\.0\.1:5061, frame 8: the record at stream offset \d+ fails its authentication tag \(TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256\): a wrong key for client random [0-9a-f]{64}/,
    );
  });

  it('a damaged record: its tag fails at its frame; bytes that are not a record: tls-record-invalid with the offset', () => {
    const file = new Uint8Array(readFileSync(path('tls12-chacha20.pcap')));
    // The INVITE's record: the first application data record (17 03 03) of frame 10's payload.
    const inv = Buffer.from(file).indexOf(Buffer.from('170303', 'hex'), 0);
    const last = (() => {
      let at = -1;
      for (let i = inv; i >= 0; i = Buffer.from(file).indexOf(Buffer.from('170303', 'hex'), i + 1)) at = i;
      return at;
    })();
    expect(inv).toBeGreaterThan(0);
    const flipped = file.slice();
    flipped[inv + 20]! ^= 0xff;
    const k = keys('tls12-chacha20.keys');
    let r = ingestBytes(flipped, 'x.pcap', { tlsCrypto: nodeTlsCrypto, keylog: k });
    expect(r.diagnostics.map((d) => d.code)).toEqual(['tls-decrypt-failed']);
    expect(r.diagnostics[0]!.message).toMatch(/, frame 10: the record at stream offset \d+ fails/);
    expect(r.trace.count).toBe(0);
    // The 200's record header made invalid: the INVITE is read, then the server's side stops there.
    const bad = file.slice();
    bad[last + 1] = 9;
    r = ingestBytes(bad, 'x.pcap', { tlsCrypto: nodeTlsCrypto, keylog: k });
    expect(rows(r)).toEqual([[10, 'TLS', 'INVITE']]);
    expect(r.diagnostics.map((d) => d.code)).toEqual(['tls-record-invalid']);
    expect(r.diagnostics[0]!.message).toMatch(
      /^TLS 127\.0\.0\.1:5061 → 127\.0\.0\.1:\d+, frame 12: bytes at stream offset \d+ are not a TLS record/,
    );
  });

  it('a record cut by the end of the capture is said, with its offset', () => {
    const got: [number, TlsProblem, string][] = [];
    const link = new TlsLink(
      { plaintext: () => {}, problem: (d, what, detail) => got.push([d, what, detail]) },
      () => null,
      nodeTlsCrypto,
    );
    const rec = Uint8Array.of(0x16, 3, 1, 0, 40, 1, 0, 0);
    expect(link.records(0, rec, 0, rec.length, 0)).toBe(0);
    link.end(0, 0, rec.length, 0);
    expect(got).toEqual([[0, 'record-invalid', 'the capture ends inside a TLS record at stream offset 0']]);
  });
});

describe('damaged TLS never crashes the ingest', () => {
  it('2,000 captures with random bytes changed in their TLS records: every one is read (seeded)', () => {
    let seed = 12345;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed % n;
    };
    for (const [f, k] of [
      ['tls12-chacha20.pcap', 'tls12-chacha20.keys'],
      ['tls13-aes128gcm.pcapng', 'tls13-aes128gcm.keys'],
      ['wss-tls13.pcapng', 'wss-tls13.keys'],
      ['tls12-aes256cbc-dsb.pcapng', null],
    ] as const) {
      const file = new Uint8Array(readFileSync(path(f)));
      const keylog = k ? keys(k) : null;
      for (let i = 0; i < 500; i++) {
        const b = file.slice();
        // Past the file header and the first frames' headers: inside the packets.
        for (let j = 0, n = 1 + rnd(4); j < n; j++) b[300 + rnd(b.length - 300)] = rnd(256);
        const r = ingestBytes(b, f, { tlsCrypto: nodeTlsCrypto, keylog });
        expect(r.trace.count).toBeLessThanOrEqual(2);
      }
    }
  }, 120_000);
});

describe('TLS decryption in the ingest worker (the app, serve)', () => {
  it('openCapture and openCaptureBytes take the key log text; without it, tls-encrypted', async () => {
    const keysText = readFileSync(path('tls13-aes128gcm.keys'), 'utf8');
    for (const opts of [{}, { workers: 2, splitMinBytes: 1 }, { onTrace: () => {} }]) {
      const c = await openCapture(path('tls12-chacha20.pcap'), {
        ...opts,
        keylog: readFileSync(path('tls12-chacha20.keys'), 'utf8'),
        parse: false,
      });
      expect(rows(c)).toEqual([
        [10, 'TLS', 'INVITE'],
        [12, 'TLS', 'INVITE'],
      ]);
      expect(text(c)).toEqual([INVITE, OK]);
      c.trace.close();
    }
    const bytes = new Uint8Array(readFileSync(path('tls13-aes128gcm.pcapng')));
    const b = await openCaptureBytes(bytes, 'x.pcapng', { keylog: keysText });
    expect(text(b)).toEqual([INVITE, OK]);
    const none = await openCaptureBytes(bytes, 'x.pcapng', { keylog: null });
    expect(none.trace.count).toBe(0);
    expect(none.diagnostics.map((d) => d.code)).toEqual(['tls-encrypted']);
  }, 60_000);
});

describe('key log', () => {
  it('reads the NSS lines it knows, skips comments and others, counts malformed ones', () => {
    const k = new TlsKeyLog();
    const r = 'ab'.repeat(32);
    const n = k.add(
      `# comment\nCLIENT_RANDOM ${r} ${'11'.repeat(48)}\r\nEXPORTER_SECRET ${r} ${'22'.repeat(32)}\nCLIENT_TRAFFIC_SECRET_0 ${r} ${'33'.repeat(32)}\nCLIENT_RANDOM zz 00\nCLIENT_RANDOM ${r.slice(2)} ${'11'.repeat(48)}\n`,
    );
    expect(n).toBe(2);
    expect(k.badLines).toBe(2);
    expect(k.get(r)?.master?.length).toBe(48);
    expect(k.get(r)?.clientTraffic0?.[0]).toBe(0x33);
  });
});
