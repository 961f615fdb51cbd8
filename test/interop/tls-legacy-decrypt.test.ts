/**
 * SIP over TLS 1.0 and 1.1 decrypted, with real peers on loopback: openssl s_server / s_client
 * (OpenSSL 3, which needs `@SECLEVEL=0` for these versions) carry an INVITE and its 200 with each CBC
 * suite OpenSSL still has here (AES-128/256-CBC-SHA with RSA and ECDHE key exchange; its 3DES and RC4
 * suites are not built in), encrypt-then-MAC on (s_client's default) and off (`-no_etm`), extended
 * master secret on and off, a session resumed by session ID and one by ticket, while dumpcap captures
 * `lo` and the clients write their key log. Then, for the one capture and both key sources (the key
 * log; the server's RSA private key): sipscope gives the SIP messages tshark gives with the same key,
 * each equal to the text sent; with the RSA key the ECDHE connections are a notice asking for a key
 * log; a wrong key or a wrong key log is one tls-decrypt-failed per connection; damaged copies of the
 * capture are read without a throw. A client's renegotiation (s_client's R) is said, not taken for a
 * wrong key.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requirePeer } from '../helpers/peers';
import { TlsKeyLog } from '../../src/sip-core/capture/tls/keylog';
import { nodeTlsCrypto } from '../../src/sip-core/capture/tls/crypto.node';
import { ingestCaptureFile } from '../../src/sip-core/trace/ingest-file.node';
import { ingestBytes } from '../../src/sip-core/trace/trace-builder';
import { compareMessages, ourMessages, tsharkMessages } from '../sip-core/capture/tshark-compare';
import {
  capturingLo,
  noEmsConfig,
  opensslExchange,
  rsaKeyLog as rsaKeys,
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

const BASE_PORT = 28700 + (process.pid % 50) * 24;

describe.skipIf(!openssl || !dumpcap || !tshark)(
  'SIP over TLS 1.0 and 1.1 decrypted with a key log and with the server key (openssl peers, dumpcap, tshark on lo)',
  () => {
    let dir = '';
    let pcap = '';
    let key = '';
    let keylog = '';
    let conns: TlsServerRun[] = [];

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'sipscope-tls-legacy-'));
      key = join(dir, 'rsa.key');
      keylog = join(dir, 'keys.log');
      selfSignedCert(openssl!, dir, 'rsa', ['rsa:2048']);
      execFileSync(openssl!, ['genrsa', '-out', join(dir, 'other.key'), '2048'], {
        stdio: 'ignore',
        timeout: 60_000,
      });
      const noEms = noEmsConfig(dir);
      conns = [];
      for (const [v, opt] of [
        ['10', '-tls1'],
        ['11', '-tls1_1'],
      ] as const) {
        const proto = (cipher: string): string[] => [opt, '-cipher', `${cipher}:@SECLEVEL=0`];
        const client = (
          name: string,
          cipher: string,
          extra: string[] = [],
          env?: Record<string, string>,
        ): TlsClient => ({
          name: `${v}-${name}`,
          args: [...proto(cipher), '-keylogfile', keylog, ...extra],
          ...(env ? { env } : {}),
        });
        const sess = join(dir, `sess${v}`);
        const tick = join(dir, `tick${v}`);
        conns.push(
          { server: proto('AES128-SHA'), clients: [client('aes128-sha', 'AES128-SHA')], rsa: true },
          {
            server: proto('AES256-SHA'),
            clients: [client('aes256-sha-no-etm', 'AES256-SHA', ['-no_etm'])],
            rsa: true,
          },
          {
            server: proto('AES128-SHA'),
            clients: [client('no-ems', 'AES128-SHA', [], { OPENSSL_CONF: noEms })],
            rsa: true,
          },
          {
            server: proto('AES256-SHA'),
            clients: [client('no-ems-no-etm', 'AES256-SHA', ['-no_etm'], { OPENSSL_CONF: noEms })],
            rsa: true,
          },
          {
            server: [...proto('AES128-SHA'), '-no_ticket'],
            clients: [
              client('sid-full', 'AES128-SHA', ['-no_ticket', '-sess_out', sess]),
              client('sid-resumed', 'AES128-SHA', ['-no_ticket', '-sess_in', sess]),
            ],
            rsa: true,
          },
          {
            server: proto('AES256-SHA'),
            clients: [
              client('ticket-full', 'AES256-SHA', ['-sess_out', tick]),
              client('ticket-resumed', 'AES256-SHA', ['-sess_in', tick]),
            ],
            rsa: true,
          },
          {
            server: proto('ECDHE-RSA-AES128-SHA'),
            clients: [client('ecdhe-aes128', 'ECDHE-RSA-AES128-SHA')],
            rsa: false,
          },
          {
            server: proto('ECDHE-RSA-AES256-SHA'),
            clients: [client('ecdhe-aes256-no-etm', 'ECDHE-RSA-AES256-SHA', ['-no_etm'])],
            rsa: false,
          },
        );
      }
      pcap = join(dir, 'tls-legacy.pcapng');
      await capturingLo(
        dumpcap!,
        `tcp portrange ${BASE_PORT}-${BASE_PORT + conns.length}`,
        pcap,
        200_000,
        async () => {
          for (let i = 0; i < conns.length; i++) {
            const c = conns[i]!;
            const server = ['-cert', join(dir, 'rsa.pem'), '-key', key, ...c.server];
            await opensslExchange(openssl!, BASE_PORT + i, server, c.clients);
          }
        },
      );
    }, 240_000);

    afterAll(() => {
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    const keyLog = (): TlsKeyLog => {
      const k = new TlsKeyLog();
      k.add(readFileSync(keylog, 'utf8'));
      return k;
    };
    const decodeAs = (): string[] => tlsSipDecodeAs(conns.map((_, i) => BASE_PORT + i));
    const sent = (rsaOnly: boolean): string[] =>
      conns.flatMap((c, i) =>
        c.rsa || !rsaOnly ? c.clients.flatMap((k) => [tlsInvite(k.name, BASE_PORT + i), tlsOk(k.name)]) : [],
      );
    const count = (filter: string): number =>
      execFileSync(tshark!, ['-r', pcap, ...decodeAs(), '-Y', filter, '-T', 'fields', '-e', 'frame.number'], {
        encoding: 'utf8',
        timeout: 60_000,
      })
        .split('\n')
        .filter((l) => l !== '').length;

    it('the capture holds what it should: 10 ServerHellos of each version, EMS on 8, encrypt-then-MAC on 7', () => {
      for (const v of ['0x0301', '0x0302']) {
        const hello = `tls.handshake.type == 2 && tls.handshake.version == ${v}`;
        expect(count(hello)).toBe(10);
        expect(count(`${hello} && tls.handshake.extension.type == 23`)).toBe(8);
        expect(count(`${hello} && tls.handshake.extension.type == 22`)).toBe(7);
      }
      // The resumed connections have no ClientKeyExchange.
      expect(count('tls.handshake.type == 16')).toBe(16);
    });

    it('with the key log: every connection, the messages equal tshark’s with it, and the text sent', async () => {
      const r = await ingestCaptureFile(pcap, { keylog: keyLog() });
      const theirs = tsharkMessages(tshark!, pcap, ['-o', `tls.keylog_file:${keylog}`, ...decodeAs()]);
      expect(theirs).toHaveLength(sent(false).length);
      expect(compareMessages(ourMessages(r), theirs)).toEqual([]);
      expect(text(r)).toEqual(sent(false));
      for (let i = 0; i < r.trace.count; i++) expect(r.trace.transport(i)).toBe('TLS');
      expect(r.diagnostics).toEqual([]);
    });

    it('with the server’s RSA key: the RSA connections as tshark gives them, the ECDHE ones a notice', async () => {
      const r = await ingestCaptureFile(pcap, { keylog: rsaKeys(key) });
      const theirs = tsharkMessages(tshark!, pcap, ['-o', `uat:rsa_keys:"${key}",""`, ...decodeAs()]);
      expect(theirs).toHaveLength(sent(true).length);
      expect(compareMessages(ourMessages(r), theirs)).toEqual([]);
      expect(text(r)).toEqual(sent(true));
      expect(r.diagnostics.map((d) => d.code)).toEqual(Array(4).fill('tls-encrypted'));
      for (const d of r.diagnostics)
        expect(d.message).toMatch(
          /: cipher suite TLS_ECDHE_RSA_WITH_AES_(128|256)_CBC_SHA uses ECDHE key exchange \(forward secrecy\): the server's RSA private key cannot decrypt it, a key log is needed \(--keylog FILE\) for client random [0-9a-f]{64}$/,
        );
    });

    it('a wrong RSA key: one tls-decrypt-failed per RSA key exchange; a wrong key log: one per connection', async () => {
      let r = await ingestCaptureFile(pcap, { keylog: rsaKeys(join(dir, 'other.key')) });
      expect(r.trace.count).toBe(0);
      let failed = r.diagnostics.filter((d) => d.code === 'tls-decrypt-failed');
      expect(failed).toHaveLength(12);
      for (const d of failed) expect(d.message).toMatch(/does not decrypt with the RSA key .*other\.key/);
      // Every master secret in the key log changed: each connection's first encrypted record fails its MAC.
      const wrong = new TlsKeyLog();
      wrong.add(
        readFileSync(keylog, 'utf8').replace(
          /^(CLIENT_RANDOM [0-9a-f]{64} )([0-9a-f])/gm,
          (_, a: string, b: string) => a + (b === '0' ? '1' : '0'),
        ),
      );
      r = await ingestCaptureFile(pcap, { keylog: wrong });
      expect(r.trace.count).toBe(0);
      failed = r.diagnostics.filter((d) => d.code === 'tls-decrypt-failed');
      expect(failed).toHaveLength(20);
      for (const d of failed)
        expect(d.message).toMatch(
          /fails its MAC \(TLS_(ECDHE_)?RSA_WITH_AES_(128|256)_CBC_SHA\): a wrong key for client random [0-9a-f]{64}/,
        );
    });

    it('renegotiation asked by the client (s_client R; OpenSSL 3 refuses it): the SIP before it as tshark gives it, then one notice', async () => {
      const port = BASE_PORT + 21;
      const file = join(dir, 'reneg.pcapng');
      const keys = join(dir, 'reneg.keys');
      const args = ['-tls1', '-cipher', 'AES128-SHA:@SECLEVEL=0'];
      await capturingLo(dumpcap!, `tcp port ${port}`, file, 60_000, () =>
        opensslExchange(
          openssl!,
          port,
          ['-cert', join(dir, 'rsa.pem'), '-key', key, ...args],
          [{ name: 'reneg', args: [...args, '-keylogfile', keys], after: 'R\n' }],
        ),
      );
      const k = new TlsKeyLog();
      k.add(readFileSync(keys, 'utf8'));
      const r = await ingestCaptureFile(file, { keylog: k });
      expect(text(r)).toEqual([tlsInvite('reneg', port), tlsOk('reneg')]);
      const decodeAs = tlsSipDecodeAs([port]);
      expect(
        compareMessages(
          ourMessages(r),
          tsharkMessages(tshark!, file, ['-o', `tls.keylog_file:${keys}`, ...decodeAs]),
        ),
      ).toEqual([]);
      // (tshark shows the second ClientHello inside the connection)
      const hellos = execFileSync(
        tshark!,
        [
          '-r',
          file,
          '-o',
          `tls.keylog_file:${keys}`,
          ...decodeAs,
          '-Y',
          'tls.handshake.type == 1',
          '-T',
          'fields',
          '-e',
          'frame.number',
        ],
        { encoding: 'utf8' },
      );
      expect(hellos.trim().split('\n')).toHaveLength(2);
      expect(r.diagnostics.map((d) => [d.code, d.message])).toEqual([
        [
          'tls-encrypted',
          expect.stringMatching(
            /: the connection renegotiates at stream offset \d+ \(a new ClientHello inside the encrypted connection\): sipscope does not follow TLS renegotiation/,
          ),
        ],
      ]);
    }, 90_000);

    it('600 copies with 1–4 bytes changed inside the packets, both key sources: every one is read (seeded)', () => {
      let seed = 20261124;
      const rnd = (n: number): number => {
        seed = (seed * 1103515245 + 12345) >>> 0;
        return seed % n;
      };
      const file = new Uint8Array(readFileSync(pcap));
      const sources = [keyLog(), rsaKeys(key)];
      for (let i = 0; i < 600; i++) {
        const b = file.slice();
        for (let j = 0, n = 1 + rnd(4); j < n; j++) b[300 + rnd(b.length - 300)] = rnd(256);
        const r = ingestBytes(b, 'x.pcapng', { tlsCrypto: nodeTlsCrypto, keylog: sources[i % 2]! });
        expect(r.trace.count).toBeLessThanOrEqual(sent(false).length);
        for (const d of r.diagnostics) expect(typeof d.message).toBe('string');
      }
    }, 240_000);
  },
);
