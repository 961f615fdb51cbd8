/**
 * TLS 1.0/1.1 pieces that the real-peer test (test/interop/tls-legacy-decrypt.test.ts) cannot reach:
 * the 3DES-EDE-CBC-SHA suites, which this machine's OpenSSL 3 no longer builds into libssl. The
 * sessions are made here with a second, independent writer (node:crypto's HMAC, 3DES-CBC encryption
 * and its own PRF): TLS 1.0 (implicit IVs chained across records, a 1/n-1 split record, an empty
 * application data record), 1.1 and 1.2, each decrypted with the key log, equal to the text written,
 * and, when tshark is installed, equal to what tshark decrypts with the same key log. The TLS 1.0 PRF
 * against the writer's for even and odd secret lengths; a wrong master secret, a damaged record; a
 * renegotiation (a ClientHello inside the encrypted connection), said and not followed.
 */
import { execFileSync } from 'node:child_process';
import { createCipheriv, createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { requirePeer } from '../../helpers/peers';
import { pcapOf, TcpSegments } from '../../helpers/frames';
import { TlsKeyLog } from '../../../src/sip-core/capture/tls/keylog';
import { nodeTlsCrypto } from '../../../src/sip-core/capture/tls/crypto.node';
import { tlsPrf } from '../../../src/sip-core/capture/tls/tls-crypto';
import { ingestBytes, type IngestResult } from '../../../src/sip-core/trace/trace-builder';
import { compareMessages, ourMessages, tsharkMessages } from './tshark-compare';

const tshark = requirePeer('tshark');

/** The writer's PRF (RFC 2246 §5; RFC 5246 §5 with SHA-256 from TLS 1.2). */
function writerPrf(version: number, secret: Buffer, label: string, seed: Buffer, len: number): Buffer {
  const p = (hash: string, s: Buffer): Buffer => {
    const ls = Buffer.concat([Buffer.from(label, 'latin1'), seed]);
    const out: Buffer[] = [];
    let a = ls;
    for (let n = 0; n < len;) {
      a = createHmac(hash, s).update(a).digest();
      const b = createHmac(hash, s)
        .update(Buffer.concat([a, ls]))
        .digest();
      out.push(b);
      n += b.length;
    }
    return Buffer.concat(out).subarray(0, len);
  };
  if (version >= 0x0303) return p('sha256', secret);
  const h = Math.ceil(secret.length / 2);
  const md5 = p('md5', secret.subarray(0, h));
  const sha = p('sha1', secret.subarray(secret.length - h));
  return Buffer.from(md5.map((x, i) => x ^ sha[i]!));
}

const INVITE =
  'INVITE sip:bob@10.9.0.2:5061;transport=tls SIP/2.0\r\nVia: SIP/2.0/TLS 10.9.0.1:40000;branch=z9hG4bK-3des\r\nFrom: <sip:alice@10.9.0.1>;tag=a1\r\nTo: <sip:bob@10.9.0.2>\r\nCall-ID: tls-3des\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n';
const OK =
  'SIP/2.0 200 OK\r\nVia: SIP/2.0/TLS 10.9.0.1:40000;branch=z9hG4bK-3des\r\nFrom: <sip:alice@10.9.0.1>;tag=a1\r\nTo: <sip:bob@10.9.0.2>;tag=b1\r\nCall-ID: tls-3des\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n';

/** One side's write state: MAC key, 3DES key, TLS 1.0's chained IV, sequence number. */
class Writer {
  seq = 0n;
  constructor(
    readonly version: number,
    readonly macKey: Buffer,
    readonly key: Buffer,
    public iv: Buffer,
  ) {}
  record(type: number, content: Buffer): Buffer {
    const hdr = (len: number): Buffer =>
      Buffer.from([type, this.version >> 8, this.version & 0xff, len >> 8, len & 0xff]);
    const seq = Buffer.alloc(8);
    seq.writeBigUInt64BE(this.seq++);
    const mac = createHmac('sha1', this.macKey)
      .update(Buffer.concat([seq, hdr(content.length), content]))
      .digest();
    const n = content.length + mac.length + 1;
    const pad = (8 - (n % 8)) % 8;
    const pt = Buffer.concat([content, mac, Buffer.alloc(pad + 1, pad)]);
    const explicit = this.version >= 0x0302;
    const iv = explicit ? randomBytes(8) : this.iv;
    const c = createCipheriv('des-ede3-cbc', this.key, iv);
    c.setAutoPadding(false);
    const ct = Buffer.concat([c.update(pt), c.final()]);
    if (!explicit) this.iv = ct.subarray(ct.length - 8);
    const body = explicit ? Buffer.concat([iv, ct]) : ct;
    return Buffer.concat([hdr(body.length), body]);
  }
}

const handshake = (type: number, body: Buffer): Buffer =>
  Buffer.concat([Buffer.from([type, 0, body.length >> 8, body.length & 0xff]), body]);
const plainRecord = (type: number, version: number, body: Buffer): Buffer =>
  Buffer.concat([Buffer.from([type, 3, 1, body.length >> 8, body.length & 0xff]), body]);

/**
 * A TLS session over TCP 10.9.0.1:40000 → 10.9.0.2:5061 with cipher suite `suite` (3DES) in
 * `version`: the capture and its key log line. TLS 1.0 sends the INVITE split 1/n-1 after an empty
 * application data record (what browsers and some phones did against BEAST).
 */
function session(version: number, suite: number, renegotiate = false): { pcap: Uint8Array; keylog: string } {
  const cr = randomBytes(32);
  const sr = randomBytes(32);
  const master = randomBytes(48);
  const v = Buffer.from([version >> 8, version & 0xff]);
  const hello = handshake(1, Buffer.concat([v, cr, Buffer.from([0, 0, 2, suite >> 8, suite & 0xff, 1, 0])]));
  const shello = handshake(2, Buffer.concat([v, sr, Buffer.from([0, suite >> 8, suite & 0xff, 0])]));
  const kb = writerPrf(version, master, 'key expansion', Buffer.concat([sr, cr]), 2 * (20 + 24 + 8));
  const client = new Writer(version, kb.subarray(0, 20), kb.subarray(40, 64), kb.subarray(88, 96));
  const server = new Writer(version, kb.subarray(20, 40), kb.subarray(64, 88), kb.subarray(96, 104));
  const fin = (w: Writer): Buffer => w.record(22, handshake(20, randomBytes(12)));
  const t = new TcpSegments();
  const c2s = (b: Buffer, flags?: number): Uint8Array =>
    t.segment(1, 40000, 2, 5061, b.toString('latin1'), { flags });
  const s2c = (b: Buffer, flags?: number): Uint8Array =>
    t.segment(2, 5061, 1, 40000, b.toString('latin1'), { flags });
  const inv = Buffer.from(INVITE, 'latin1');
  // (in order: each record takes its side's next sequence number and, in TLS 1.0, IV)
  const invite = (): Buffer =>
    version === 0x0301
      ? Buffer.concat([
          client.record(23, Buffer.alloc(0)),
          client.record(23, inv.subarray(0, 1)),
          client.record(23, inv.subarray(1)),
        ])
      : client.record(23, inv);
  const frames = [
    c2s(Buffer.alloc(0), 0x02),
    s2c(Buffer.alloc(0), 0x12),
    c2s(plainRecord(22, version, hello)),
    s2c(plainRecord(22, version, Buffer.concat([shello, handshake(14, Buffer.alloc(0))]))),
    c2s(Buffer.concat([plainRecord(20, version, Buffer.from([1])), fin(client)])),
    s2c(Buffer.concat([plainRecord(20, version, Buffer.from([1])), fin(server)])),
    c2s(invite()),
    s2c(server.record(23, Buffer.from(OK, 'latin1'))),
  ];
  // Renegotiation: a new ClientHello inside the encrypted connection, then a request under it.
  if (renegotiate)
    frames.push(
      c2s(client.record(22, hello)),
      c2s(client.record(23, Buffer.from(INVITE.replace('CSeq: 1', 'CSeq: 2'), 'latin1'))),
    );
  return {
    pcap: pcapOf(frames.map((bytes) => ({ bytes }))).bytes,
    keylog: `CLIENT_RANDOM ${cr.toString('hex')} ${master.toString('hex')}\n`,
  };
}

const keys = (text: string): TlsKeyLog => {
  const k = new TlsKeyLog();
  k.add(text);
  return k;
};
const text = (r: IngestResult): string[] => {
  const out: string[] = [];
  for (let i = 0; i < r.trace.count; i++) out.push(new TextDecoder().decode(r.trace.raw(i)));
  return out;
};

describe('TLS 1.0/1.1 pieces without a real peer: 3DES, the PRF, renegotiation', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sipscope-tls-3des-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('the TLS 1.0 PRF equals the writer’s: secrets of 48, 47 and 1 bytes, outputs of 12 to 104 bytes', () => {
    for (const n of [48, 47, 1])
      for (const len of [12, 48, 104]) {
        const secret = randomBytes(n);
        const seed = randomBytes(64);
        expect(
          Buffer.from(tlsPrf(nodeTlsCrypto, 0x0301, 'sha256', secret, 'key expansion', seed, len)),
        ).toEqual(writerPrf(0x0301, secret, 'key expansion', seed, len));
      }
  });

  it('renegotiation (TLS 1.0 and 1.2): the SIP before it, then one notice saying it is not followed', () => {
    for (const version of [0x0301, 0x0303]) {
      const s = session(version, 0x000a, true);
      const r = ingestBytes(s.pcap, 'x.pcap', { tlsCrypto: nodeTlsCrypto, keylog: keys(s.keylog) });
      expect(text(r)).toEqual([INVITE, OK]);
      expect(r.diagnostics.map((d) => [d.code, d.message])).toEqual([
        [
          'tls-encrypted',
          expect.stringMatching(
            /^TLS on 10\.9\.0\.1:40000 → 10\.9\.0\.2:5061 \(first frame 3\): encrypted, not decoded: the connection renegotiates at stream offset \d+ \(a new ClientHello inside the encrypted connection\): sipscope does not follow TLS renegotiation, the records after it are not decrypted \(the SIP before it was\)$/,
          ),
        ],
      ]);
    }
  });

  for (const [version, name] of [
    [0x0301, 'TLS 1.0'],
    [0x0302, 'TLS 1.1'],
    [0x0303, 'TLS 1.2'],
  ] as const)
    for (const [suite, suiteName] of [
      [0x000a, 'TLS_RSA_WITH_3DES_EDE_CBC_SHA'],
      [0xc012, 'TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA'],
    ] as const)
      it(`${name} ${suiteName}: the INVITE and the 200 as written${tshark ? ', as tshark decrypts them' : ''}; a wrong key, a damaged record`, () => {
        const s = session(version, suite);
        const r = ingestBytes(s.pcap, 'x.pcap', { tlsCrypto: nodeTlsCrypto, keylog: keys(s.keylog) });
        expect(text(r)).toEqual([INVITE, OK]);
        expect(r.diagnostics).toEqual([]);
        if (tshark) {
          const f = join(dir, `${version}-${suite}.pcap`);
          const k = join(dir, `${version}-${suite}.keys`);
          writeFileSync(f, s.pcap);
          writeFileSync(k, s.keylog);
          const theirs = tsharkMessages(tshark, f, ['-o', `tls.keylog_file:${k}`]);
          expect(theirs).toHaveLength(2);
          expect(compareMessages(ourMessages(r), theirs)).toEqual([]);
          // (tshark says which version and suite it decrypted)
          const hello = execFileSync(
            tshark,
            ['-r', f, '-Y', 'tls.handshake.type == 2', '-T', 'fields', '-e', 'tls.handshake.ciphersuite'],
            { encoding: 'utf8' },
          ).trim();
          expect(Number(hello)).toBe(suite);
        }
        // A wrong master secret: the first encrypted record fails its MAC, once.
        const wrong = s.keylog.replace(
          / ([0-9a-f])([0-9a-f]{95})\n$/,
          (_, a: string, b: string) => ` ${a === '0' ? '1' : '0'}${b}\n`,
        );
        const w = ingestBytes(s.pcap, 'x.pcap', { tlsCrypto: nodeTlsCrypto, keylog: keys(wrong) });
        expect(w.trace.count).toBe(0);
        expect(w.diagnostics.map((d) => d.code)).toEqual(['tls-decrypt-failed']);
        expect(w.diagnostics[0]!.message).toMatch(new RegExp(`fails its MAC \\(${suiteName}\\)`));
        // One byte changed in the 200's ciphertext: the INVITE, then its record fails.
        const b = s.pcap.slice();
        b[b.length - 20]! ^= 0x40;
        const d = ingestBytes(b, 'x.pcap', { tlsCrypto: nodeTlsCrypto, keylog: keys(s.keylog) });
        expect(text(d)).toEqual([INVITE]);
        expect(d.diagnostics.map((x) => x.code)).toEqual(['tls-decrypt-failed']);
      });
});
