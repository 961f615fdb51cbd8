/**
 * A capture of many short TLS 1.2 connections with RSA key exchange, for the ingest bench's TLS RSA
 * row (the cost of a handshake decrypted with the server's private key: one RSA-2048 private
 * operation each): `openssl s_server` (RSA-2048 certificate, TLS_RSA_WITH_AES_128_GCM_SHA256, extended
 * master secret as OpenSSL negotiates it) accepts N connections one after another; a Node TLS client
 * (no session reuse: each a full handshake) sends one INVITE on each; dumpcap captures `lo`. The
 * server's key is written beside it (`FILE.key`). Needs openssl and dumpcap; returns null without them.
 * Usage: `node --import tsx bench/tools/gen-tls-rsa-capture.ts [N]` → bench/data/sip-tls-rsa-N.pcapng;
 * `… [N] tls1` → TLS 1.0 with TLS_RSA_WITH_AES_128_CBC_SHA (OpenSSL 3 needs `@SECLEVEL=0` for it; the
 * client's encrypt-then-MAC on, as Node's OpenSSL offers it), bench/data/sip-tls10-rsa-N.pcapng.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:tls';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { capturingLo, selfSignedCert } from './gen-tls-capture';

const here = dirname(fileURLToPath(import.meta.url));
// (bundled into a benchmark, import.meta.url is the bundle's, in bench/)
const benchDir = basename(here) === 'tools' ? dirname(here) : here;
export const TLS_RSA_OUT = (n: number): string => resolve(benchDir, `data/sip-tls-rsa-${n}.pcapng`);
export const TLS_RSA_PORT = 26150;
export const TLS_RSA_SUITE = 'AES128-GCM-SHA256';
/** The protocol versions the capture can be made in: TLS 1.2 (AES-128-GCM), TLS 1.0 (AES-128-CBC-SHA). */
export type TlsRsaVersion = '1.2' | '1.0';
const PROTO = {
  '1.2': { suite: TLS_RSA_SUITE, version: 'TLSv1.2', s_server: '-tls1_2' },
  '1.0': { suite: 'AES128-SHA:@SECLEVEL=0', version: 'TLSv1', s_server: '-tls1' },
} as const;
export const TLS10_RSA_OUT = (n: number): string => resolve(benchDir, `data/sip-tls10-rsa-${n}.pcapng`);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const invite = (i: number): string =>
  `INVITE sip:bob${i}@127.0.0.1:5061;transport=tls SIP/2.0\r\nVia: SIP/2.0/TLS 127.0.0.1:40000;branch=z9hG4bK-rsa-${i}\r\nFrom: <sip:alice@127.0.0.1>;tag=a${i}\r\nTo: <sip:bob${i}@127.0.0.1>\r\nCall-ID: tls-rsa-${i}@bench\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n`;

/** One connection: a full handshake, one INVITE, a clean close; false when it failed or took 10 s. */
function once(i: number, v: TlsRsaVersion): Promise<boolean> {
  return new Promise((res) => {
    const s = connect({
      host: '127.0.0.1',
      port: TLS_RSA_PORT,
      ciphers: PROTO[v].suite,
      minVersion: PROTO[v].version,
      maxVersion: PROTO[v].version,
      rejectUnauthorized: false,
    });
    const t = setTimeout(() => {
      s.destroy();
      res(false);
    }, 10_000);
    s.once('secureConnect', () => s.end(invite(i)));
    s.on('data', () => {});
    s.once('close', () => {
      clearTimeout(t);
      res(true);
    });
    s.once('error', () => {
      clearTimeout(t);
      res(false);
    });
  });
}

/** Makes the capture with `n` connections; null when openssl or dumpcap is missing. */
export async function generateTlsRsa(
  out: string,
  n: number,
  v: TlsRsaVersion = '1.2',
): Promise<{ key: string } | null> {
  const openssl = '/usr/bin/openssl';
  const dumpcap = '/usr/bin/dumpcap';
  if (!existsSync(openssl) || !existsSync(dumpcap)) return null;
  const dir = mkdtempSync(join(tmpdir(), 'sipscope-tls-rsa-bench-'));
  try {
    const { key, cert } = selfSignedCert(openssl, dir, 'c', ['rsa:2048']);
    const tmp = join(dir, 'cap.pcapng');
    await capturingLo(
      dumpcap,
      `tcp port ${TLS_RSA_PORT}`,
      tmp,
      600_000,
      async () => {
        const server = spawn(
          openssl,
          ['s_server', '-quiet', '-accept', `127.0.0.1:${TLS_RSA_PORT}`, '-cert', cert].concat([
            '-key',
            key,
            PROTO[v].s_server,
            '-cipher',
            PROTO[v].suite,
            '-naccept',
            String(n),
          ]),
          // (its stdin stays open: s_server would end a connection at its end of input)
          { stdio: ['pipe', 'ignore', 'ignore'] },
        );
        const exited = new Promise((r) => server.once('exit', r));
        const kill = setTimeout(() => server.kill('SIGKILL'), 600_000);
        try {
          await sleep(400);
          let failed = 0;
          for (let i = 0; i < n && failed < 10; i++) if (!(await once(i, v))) failed++;
          if (failed) throw new Error(`${failed} TLS connections failed`);
        } finally {
          clearTimeout(kill);
          server.kill('SIGTERM');
          await exited;
        }
      },
      ['-B', '64'],
    );
    execFileSync('/bin/cp', [tmp, out]);
    execFileSync('/bin/cp', [key, `${out}.key`]);
    return { key: `${out}.key` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// Run as a script (not when bundled into a benchmark).
if (process.argv[1] && /gen-tls-rsa-capture\.[cm]?[jt]s$/.test(process.argv[1])) {
  const n = Number(process.argv[2] ?? 500);
  const v: TlsRsaVersion = process.argv[3] === 'tls1' ? '1.0' : '1.2';
  const out = process.env.TLS_RSA_OUT ?? (v === '1.0' ? TLS10_RSA_OUT(n) : TLS_RSA_OUT(n));
  const r = await generateTlsRsa(out, n, v);
  console.log(r ? `${out} (${r.key})` : 'openssl or dumpcap missing');
}
