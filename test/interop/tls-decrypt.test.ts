/**
 * SIP over TLS with real peers on loopback: openssl s_server / s_client (OpenSSL 3) carry an INVITE
 * and its 200 with each cipher suite sipscope decrypts, TLS 1.3 and 1.2, each on its own port, while
 * dumpcap captures `lo`; the peers write their key log (-keylogfile). Then, for the one capture:
 * sipscope with the key log gives the SIP messages tshark gives with it (frame, time, addresses,
 * method/status, Call-ID, CSeq, branch, tags), each equal to the text sent; the capture with the keys
 * injected (editcap --inject-secrets tls,KEYS) decrypts with no key log; without keys every connection
 * is tls-encrypted naming its client random; with wrong keys one tls-decrypt-failed per connection.
 * Bounded: each peer has a time limit and is killed after its exchange; dumpcap is stopped after it.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requirePeer } from '../helpers/peers';
import { TlsKeyLog } from '../../src/sip-core/capture/tls/keylog';
import { ingestCaptureFile } from '../../src/sip-core/trace/ingest-file.node';
import type { IngestResult } from '../../src/sip-core/trace/trace-builder';
import { compareMessages, ourMessages, tsharkMessages } from '../sip-core/capture/tshark-compare';
import { capturingLo, opensslExchange, selfSignedCert, tlsInvite, tlsOk } from './helpers/openssl-tls';

const openssl = requirePeer('openssl');
const dumpcap = requirePeer('dumpcap');
const tshark = requirePeer('tshark');
const editcap = requirePeer('editcap');

const BASE_PORT = 25100 + (process.pid % 50) * 20;

interface Suite {
  name: string;
  args: string[];
  rsa?: boolean;
}
const SUITES: Suite[] = [
  { name: '13-aes128gcm', args: ['-tls1_3', '-ciphersuites', 'TLS_AES_128_GCM_SHA256'] },
  { name: '13-aes256gcm', args: ['-tls1_3', '-ciphersuites', 'TLS_AES_256_GCM_SHA384'] },
  { name: '13-chacha20', args: ['-tls1_3', '-ciphersuites', 'TLS_CHACHA20_POLY1305_SHA256'] },
  { name: '12-aes128gcm', args: ['-tls1_2', '-cipher', 'ECDHE-ECDSA-AES128-GCM-SHA256'] },
  { name: '12-aes256gcm', args: ['-tls1_2', '-cipher', 'ECDHE-ECDSA-AES256-GCM-SHA384'] },
  { name: '12-chacha20', args: ['-tls1_2', '-cipher', 'ECDHE-ECDSA-CHACHA20-POLY1305'] },
  { name: '12-rsa-aes128gcm', args: ['-tls1_2', '-cipher', 'ECDHE-RSA-AES128-GCM-SHA256'], rsa: true },
  { name: '12-cbc-sha1-etm', args: ['-tls1_2', '-cipher', 'ECDHE-ECDSA-AES128-SHA'] },
  { name: '12-cbc-sha1', args: ['-tls1_2', '-cipher', 'ECDHE-ECDSA-AES128-SHA', '-no_etm'] },
  { name: '12-cbc-sha384', args: ['-tls1_2', '-cipher', 'ECDHE-ECDSA-AES256-SHA384'] },
  { name: '12-rsa-cbc-sha256', args: ['-tls1_2', '-cipher', 'AES256-SHA256'], rsa: true },
];

const invite = tlsInvite;
const ok = tlsOk;

/** One s_server / s_client exchange: the client sends the INVITE, the server answers 200 OK. */
async function exchange(dir: string, s: Suite, port: number, keys: string): Promise<void> {
  const cert = s.rsa
    ? ['-cert', join(dir, 'rsa.pem'), '-key', join(dir, 'rsa.key')]
    : ['-cert', join(dir, 'ec.pem'), '-key', join(dir, 'ec.key')];
  await opensslExchange(
    openssl!,
    port,
    [...cert, '-keylogfile', keys, ...s.args],
    [{ name: s.name, args: s.args }],
  );
}

const text = (r: IngestResult): string[] => {
  const out: string[] = [];
  for (let i = 0; i < r.trace.count; i++) out.push(new TextDecoder().decode(r.trace.raw(i)));
  return out;
};

describe.skipIf(!openssl || !dumpcap || !tshark || !editcap)(
  'SIP over TLS decrypted (openssl peers, dumpcap, tshark on lo)',
  () => {
    let dir = '';
    let pcap = '';
    let keys = '';
    const keyFiles: string[] = [];

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'sipscope-tls-'));
      selfSignedCert(openssl!, dir, 'ec', ['ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1']);
      selfSignedCert(openssl!, dir, 'rsa', ['rsa:2048']);
      pcap = join(dir, 'tls.pcapng');
      await capturingLo(
        dumpcap!,
        `tcp portrange ${BASE_PORT}-${BASE_PORT + SUITES.length}`,
        pcap,
        120_000,
        async () => {
          for (let i = 0; i < SUITES.length; i++) {
            const k = join(dir, `${SUITES[i]!.name}.keys`);
            keyFiles.push(k);
            await exchange(dir, SUITES[i]!, BASE_PORT + i, k);
          }
        },
      );
      keys = join(dir, 'all.keys');
      writeFileSync(keys, keyFiles.map((f) => readFileSync(f, 'utf8')).join(''));
    }, 150_000);

    afterAll(() => {
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    const keylog = (text: string): TlsKeyLog => {
      const k = new TlsKeyLog();
      k.add(text);
      return k;
    };
    const decodeAs = (): string[] =>
      SUITES.flatMap((_, i) => [
        '-d',
        `tcp.port==${BASE_PORT + i},tls`,
        '-d',
        `tls.port==${BASE_PORT + i},sip`,
      ]);

    it('every suite: the messages equal tshark’s with the same key log, and the text sent', async () => {
      const r = await ingestCaptureFile(pcap, { keylog: keylog(readFileSync(keys, 'utf8')) });
      const theirs = tsharkMessages(tshark!, pcap, ['-o', `tls.keylog_file:${keys}`, ...decodeAs()]);
      expect(theirs).toHaveLength(2 * SUITES.length);
      expect(compareMessages(ourMessages(r), theirs)).toEqual([]);
      expect(text(r)).toEqual(SUITES.flatMap((s, i) => [invite(s.name, BASE_PORT + i), ok(s.name)]));
      for (let i = 0; i < r.trace.count; i++) expect(r.trace.transport(i)).toBe('TLS');
      expect(r.diagnostics).toEqual([]);
    });

    it('the capture with the keys injected (editcap --inject-secrets) decrypts with no key log', async () => {
      const injected = join(dir, 'injected.pcapng');
      execFileSync(editcap!, ['--inject-secrets', `tls,${keys}`, pcap, injected], {
        stdio: 'ignore',
        timeout: 30_000,
      });
      const r = await ingestCaptureFile(injected, { keylog: null });
      expect(text(r)).toEqual(SUITES.flatMap((s, i) => [invite(s.name, BASE_PORT + i), ok(s.name)]));
      const theirs = tsharkMessages(tshark!, injected, decodeAs());
      expect(compareMessages(ourMessages(r), theirs)).toEqual([]);
    });

    it('no keys: every connection tls-encrypted naming its client random; wrong keys: one tls-decrypt-failed each', async () => {
      let r = await ingestCaptureFile(pcap, { keylog: null });
      expect(r.trace.count).toBe(0);
      const randoms = keyFiles.map((f) => /^\w+ ([0-9a-f]{64}) /m.exec(readFileSync(f, 'utf8'))![1]!);
      expect(r.diagnostics.map((d) => d.code)).toEqual(SUITES.map(() => 'tls-encrypted'));
      r.diagnostics.forEach((d, i) =>
        expect(d.message).toContain(`no key for client random ${randoms[i]}; give a key log`),
      );
      // Every secret's last hex digit changed.
      const wrong = readFileSync(keys, 'utf8').replace(/([0-9a-f])$/gm, (c) => (c === '0' ? '1' : '0'));
      r = await ingestCaptureFile(pcap, { keylog: keylog(wrong) });
      expect(r.trace.count).toBe(0);
      expect(r.diagnostics.map((d) => d.code)).toEqual(SUITES.map(() => 'tls-decrypt-failed'));
      for (const d of r.diagnostics)
        expect(d.message).toMatch(
          /^TLS 127\.0\.0\.1:\d+ → 127\.0\.0\.1:\d+, frame \d+: the record at stream offset \d+ fails its (authentication tag|MAC)/,
        );
    });
  },
);
