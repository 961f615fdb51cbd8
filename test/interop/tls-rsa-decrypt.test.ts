/**
 * SIP over TLS 1.2 with RSA key exchange, decrypted with the server's RSA private key (no key log),
 * with real peers on loopback: openssl s_server / s_client (OpenSSL 3) carry an INVITE and its 200 with
 * each RSA cipher suite, extended master secret on (OpenSSL's default) and off (the client's
 * `Options = -ExtendedMasterSecret`), a session resumed by session ID and one by ticket, and one
 * ECDHE-RSA connection and one TLS 1.0, while dumpcap captures `lo`. Then: sipscope with `--tls-key` gives the SIP
 * messages tshark gives with the same key (its RSA keys list), each equal to the text sent; the ECDHE
 * connection is a notice naming its suite and asking for a key log; a wrong key gives one
 * tls-decrypt-failed per RSA connection; the CLI takes the key as PEM or DER, PKCS#1 or PKCS#8, bound
 * to the server's address or not.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requirePeer } from '../helpers/peers';
import { ingestCaptureFile } from '../../src/sip-core/trace/ingest-file.node';
import { REPO, compareMessages, ourMessages, tsharkMessages } from '../sip-core/capture/tshark-compare';
import {
  capturingLo,
  noEmsConfig,
  opensslExchange,
  rsaKeyLog as keys,
  selfSignedCert,
  tlsInvite,
  tlsOk,
  tlsSipDecodeAs,
  traceTexts as text,
  type TlsClient,
  type TlsServerRun,
} from './helpers/openssl-tls';

const openssl = requirePeer('openssl');
const dumpcap = requirePeer('dumpcap');
const tshark = requirePeer('tshark');

const BASE_PORT = 26200 + (process.pid % 50) * 20;

const c12 = (
  name: string,
  cipher: string,
  extra: string[] = [],
  env?: Record<string, string>,
): TlsClient => ({
  name,
  args: ['-tls1_2', '-cipher', cipher, ...extra],
  ...(env ? { env } : {}),
});

describe.skipIf(!openssl || !dumpcap || !tshark)(
  'SIP over TLS 1.2 with RSA key exchange decrypted with the server key (openssl peers, dumpcap, tshark on lo)',
  () => {
    let dir = '';
    let pcap = '';
    let key = '';
    let conns: TlsServerRun[] = [];

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'sipscope-tls-rsa-'));
      const x = (args: string[]): void =>
        void execFileSync(openssl!, args, { stdio: 'ignore', timeout: 60_000 });
      key = join(dir, 'rsa.key');
      selfSignedCert(openssl!, dir, 'rsa', ['rsa:2048']);
      x(['genrsa', '-out', join(dir, 'other.key'), '2048']);
      // The same key as PKCS#1 PEM and PKCS#8 DER.
      x(['pkey', '-in', key, '-outform', 'DER', '-out', join(dir, 'rsa.p8.der')]);
      x(['rsa', '-in', key, '-traditional', '-out', join(dir, 'rsa.p1.pem')]);
      const noEms = noEmsConfig(dir);
      const sess = join(dir, 'sess');
      const tick = join(dir, 'tick');
      conns = [
        { server: [], clients: [c12('aes128-sha', 'AES128-SHA')], rsa: true },
        { server: [], clients: [c12('aes256-sha', 'AES256-SHA', ['-no_etm'])], rsa: true },
        { server: [], clients: [c12('aes128-gcm', 'AES128-GCM-SHA256')], rsa: true },
        { server: [], clients: [c12('aes256-gcm', 'AES256-GCM-SHA384')], rsa: true },
        { server: [], clients: [c12('aes128-sha256', 'AES128-SHA256')], rsa: true },
        { server: [], clients: [c12('aes256-sha256', 'AES256-SHA256')], rsa: true },
        {
          server: [],
          clients: [c12('no-ems-gcm', 'AES128-GCM-SHA256', [], { OPENSSL_CONF: noEms })],
          rsa: true,
        },
        {
          server: [],
          clients: [c12('no-ems-cbc', 'AES256-SHA256', [], { OPENSSL_CONF: noEms })],
          rsa: true,
        },
        {
          server: ['-no_ticket'],
          clients: [
            c12('sid-full', 'AES256-GCM-SHA384', ['-no_ticket', '-sess_out', sess]),
            c12('sid-resumed', 'AES256-GCM-SHA384', ['-no_ticket', '-sess_in', sess]),
          ],
          rsa: true,
        },
        {
          server: [],
          clients: [
            c12('ticket-full', 'AES128-SHA256', ['-sess_out', tick]),
            c12('ticket-resumed', 'AES128-SHA256', ['-sess_in', tick]),
          ],
          rsa: true,
        },
        { server: [], clients: [c12('ecdhe', 'ECDHE-RSA-AES128-GCM-SHA256')], rsa: false },
        {
          server: ['-tls1', '-cipher', 'AES128-SHA@SECLEVEL=0'],
          clients: [{ name: 'tls10', args: ['-tls1', '-cipher', 'AES128-SHA@SECLEVEL=0'] }],
          rsa: true,
        },
      ];
      pcap = join(dir, 'tls-rsa.pcapng');
      await capturingLo(
        dumpcap!,
        `tcp portrange ${BASE_PORT}-${BASE_PORT + conns.length}`,
        pcap,
        150_000,
        async () => {
          for (let i = 0; i < conns.length; i++) {
            const c = conns[i]!;
            const version = c.server.includes('-tls1') ? [] : ['-tls1_2'];
            const server = ['-cert', join(dir, 'rsa.pem'), '-key', key, ...version, ...c.server];
            await opensslExchange(openssl!, BASE_PORT + i, server, c.clients);
          }
        },
      );
    }, 180_000);

    afterAll(() => {
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    const decodeAs = (): string[] => tlsSipDecodeAs(conns.map((_, i) => BASE_PORT + i));
    const sent = (): string[] =>
      conns.flatMap((c, i) =>
        c.rsa ? c.clients.flatMap((k) => [tlsInvite(k.name, BASE_PORT + i), tlsOk(k.name)]) : [],
      );

    it('every RSA suite, EMS on and off, both resumptions: the messages equal tshark’s with the same key, and the text sent; ECDHE is a notice', async () => {
      // The capture holds what it should: 14 ServerHellos, 12 with extended master secret (all but
      // the two clients without it), and 12 ClientKeyExchanges (the two resumed connections have none).
      const count = (filter: string): number =>
        execFileSync(
          tshark!,
          ['-r', pcap, ...decodeAs(), '-Y', filter, '-T', 'fields', '-e', 'frame.number'],
          {
            encoding: 'utf8',
            timeout: 60_000,
          },
        )
          .split('\n')
          .filter((l) => l !== '').length;
      expect(count('tls.handshake.type == 2')).toBe(14);
      expect(count('tls.handshake.type == 2 && tls.handshake.extension.type == 23')).toBe(12);
      expect(count('tls.handshake.type == 16')).toBe(12);
      expect(count('tls.handshake.version == 0x0301 && tls.handshake.type == 2')).toBe(1);
      const r = await ingestCaptureFile(pcap, { keylog: keys(key) });
      // (TLS 1.0 and 1.1 in full: tls-legacy-decrypt.test.ts)
      const theirs = tsharkMessages(tshark!, pcap, ['-o', `uat:rsa_keys:"${key}",""`, ...decodeAs()]);
      expect(theirs).toHaveLength(sent().length);
      expect(compareMessages(ourMessages(r), theirs)).toEqual([]);
      expect(text(r)).toEqual(sent());
      for (let i = 0; i < r.trace.count; i++) expect(r.trace.transport(i)).toBe('TLS');
      expect(r.diagnostics.map((d) => [d.code, d.message])).toEqual([
        [
          'tls-encrypted',
          expect.stringMatching(
            new RegExp(
              `^TLS on 127\\.0\\.0\\.1:\\d+ → 127\\.0\\.0\\.1:${BASE_PORT + conns.length - 2} .*: cipher suite TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 uses ECDHE key exchange \\(forward secrecy\\): the server's RSA private key cannot decrypt it, a key log is needed \\(--keylog FILE\\) for client random [0-9a-f]{64}$`,
            ),
          ),
        ],
      ]);
    });

    it('the key bound to the server address, as PKCS#8 DER; bound to another address it is not used', async () => {
      const der = join(dir, 'rsa.p8.der');
      const bound = conns.map((_, i) => `127.0.0.1:${BASE_PORT + i}=${der}`);
      let r = await ingestCaptureFile(pcap, { keylog: keys(...bound) });
      expect(text(r)).toEqual(sent());
      r = await ingestCaptureFile(pcap, { keylog: keys(`127.0.0.1:9=${der}`) });
      expect(r.trace.count).toBe(0);
      const rsaConns = conns.filter((c) => c.rsa).reduce((n, c) => n + c.clients.length, 0);
      expect(
        r.diagnostics.filter((d) => /no RSA key given for server 127\.0\.0\.1:\d+/.test(d.message)),
      ).toHaveLength(rsaConns - 2);
    });

    it('a wrong key: one tls-decrypt-failed per connection with an RSA key exchange, nothing decrypted', async () => {
      const r = await ingestCaptureFile(pcap, { keylog: keys(join(dir, 'other.key')) });
      expect(r.trace.count).toBe(0);
      const failed = r.diagnostics.filter((d) => d.code === 'tls-decrypt-failed');
      // The resumed connections have no key exchange: they resume sessions never decrypted (a notice).
      expect(failed).toHaveLength(conns.filter((c) => c.rsa).length);
      for (const d of failed)
        expect(d.message).toMatch(
          /: the ClientKeyExchange's pre-master secret \(TLS_RSA_WITH_\w+, client random [0-9a-f]{64}\) does not decrypt with the RSA key .*other\.key given for server 127\.0\.0\.1:\d+: a wrong key/,
        );
      expect(r.diagnostics.filter((d) => /resumes TLS session/.test(d.message))).toHaveLength(2);
    });

    it('sipscope analyze --tls-key (PKCS#1 PEM, then twice: a wrong key and the right one bound): every message over TLS; a file that is no key is an error', () => {
      const cli = (args: string[]): { code: number; out: string; err: string } => {
        const r = spawnSync(process.execPath, [join(REPO, 'bin/sipscope.js'), ...args], {
          cwd: REPO,
          encoding: 'utf8',
          timeout: 60_000,
          env: { ...process.env, SSLKEYLOGFILE: '', SIPSCOPE_FROM_SOURCES: '1' },
        });
        return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
      };
      const pem = join(dir, 'rsa.p1.pem');
      for (const args of [
        ['--tls-key', pem, 'analyze', pcap, '--format', 'json'],
        [
          'analyze',
          pcap,
          '--tls-key',
          join(dir, 'other.key'),
          '--tls-key',
          `127.0.0.1:${BASE_PORT}=${pem}`,
          '--tls-key',
          pem,
          '--format',
          'json',
        ],
      ]) {
        const r = cli(args);
        expect(r.code).toBe(0);
        const m = (JSON.parse(r.out) as { messages: { transport: string }[] }).messages;
        expect(m.map((x) => x.transport)).toEqual(sent().map(() => 'TLS'));
      }
      const bad = cli(['--tls-key', join(dir, 'rsa.pem'), 'analyze', pcap]);
      expect(bad.code).toBe(1);
      expect(bad.err).toMatch(/sipscope: .*rsa\.pem: not an RSA private key that can be read/);
    }, 120_000);
  },
);
