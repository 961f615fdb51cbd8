/**
 * A SIP-over-TLS capture for the ingest bench's TLS row, made with real peers on loopback: for each
 * of four suites (TLS 1.3 AES-128-GCM and ChaCha20-Poly1305, TLS 1.2 AES-256-GCM and AES-128-CBC-SHA)
 * `openssl s_client` sends MB/4 of SIP requests (INVITEs of ~600 bytes, Call-IDs numbered) to
 * `openssl s_server`, captured by dumpcap on `lo`; the peers' key log is written beside it
 * (`FILE.keys`). Needs openssl and dumpcap; returns null without them. Usage:
 * `node --import tsx bench/tools/gen-tls-capture.ts [MB]` → bench/data/sip-tls-MBMB.pcapng.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
// (bundled into a benchmark, import.meta.url is the bundle's, in bench/)
const benchDir = basename(here) === 'tools' ? dirname(here) : here;
export const TLS_OUT = (mb: number): string => resolve(benchDir, `data/sip-tls-${mb}MB.pcapng`);
export const TLS_BASE_PORT = 26100;
export const TLS_SUITES: string[][] = [
  ['-tls1_3', '-ciphersuites', 'TLS_AES_128_GCM_SHA256'],
  ['-tls1_3', '-ciphersuites', 'TLS_CHACHA20_POLY1305_SHA256'],
  ['-tls1_2', '-cipher', 'ECDHE-ECDSA-AES256-GCM-SHA384'],
  ['-tls1_2', '-cipher', 'ECDHE-ECDSA-AES128-SHA'],
];

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A self-signed certificate for sip.test: `dir`/NAME.pem and its new key `dir`/NAME.key (`-newkey` arguments). */
export function selfSignedCert(
  openssl: string,
  dir: string,
  name: string,
  newkey: string[],
): { key: string; cert: string } {
  const key = join(dir, `${name}.key`);
  const cert = join(dir, `${name}.pem`);
  execFileSync(
    openssl,
    [
      'req',
      '-x509',
      '-newkey',
      ...newkey,
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '2',
      '-nodes',
      '-subj',
      '/CN=sip.test',
    ],
    { stdio: 'ignore', timeout: 60_000 },
  );
  return { key, cert };
}

/**
 * Runs `fn` while dumpcap captures `lo` (capture filter `filter`, `more` options) into `out`, then stops
 * dumpcap (SIGINT) and waits for it; it is killed after `maxMs` whatever happens.
 */
export async function capturingLo(
  dumpcap: string,
  filter: string,
  out: string,
  maxMs: number,
  fn: () => Promise<void>,
  more: string[] = [],
): Promise<void> {
  const dc = spawn(dumpcap, ['-q', ...more, '-i', 'lo', '-f', filter, '-w', out], { stdio: 'ignore' });
  const dcKill = setTimeout(() => dc.kill('SIGKILL'), maxMs);
  try {
    await sleep(1500); // (dumpcap takes a moment to open the interface)
    await fn();
    await sleep(800);
  } finally {
    const done = new Promise((r) => dc.once('exit', r));
    dc.kill('SIGINT');
    await done;
    clearTimeout(dcKill);
  }
}

function sipText(bytes: number, tag: number): Buffer {
  const parts: string[] = [];
  let n = 0;
  for (let i = 0; n < bytes; i++) {
    const body = `v=0\r\no=- ${i} 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio ${10000 + (i % 5000) * 2} RTP/AVP 0 8\r\na=rtpmap:0 PCMU/8000\r\n`;
    const m = `INVITE sip:bob${i}@127.0.0.1:5061;transport=tls SIP/2.0\r\nVia: SIP/2.0/TLS 127.0.0.1:40000;branch=z9hG4bK-${tag}-${i}\r\nFrom: <sip:alice@127.0.0.1>;tag=a${i}\r\nTo: <sip:bob${i}@127.0.0.1>\r\nCall-ID: tls-${tag}-${i}@bench\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\nContact: <sip:alice@127.0.0.1:40000;transport=tls>\r\nContent-Type: application/sdp\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
    parts.push(m);
    n += m.length;
  }
  return Buffer.from(parts.join(''));
}

/** Makes the capture; null when openssl or dumpcap is missing. */
export async function generateTls(out: string, mb: number): Promise<{ keys: string } | null> {
  const openssl = '/usr/bin/openssl';
  const dumpcap = '/usr/bin/dumpcap';
  if (!existsSync(openssl) || !existsSync(dumpcap)) return null;
  const dir = mkdtempSync(join(tmpdir(), 'sipscope-tls-bench-'));
  try {
    const { key, cert } = selfSignedCert(openssl, dir, 'c', [
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
    ]);
    const tmp = join(dir, 'cap.pcapng');
    const last = TLS_BASE_PORT + TLS_SUITES.length - 1;
    const keyFiles: string[] = [];
    const filter = `tcp portrange ${TLS_BASE_PORT}-${last}`;
    await capturingLo(
      dumpcap,
      filter,
      tmp,
      900_000,
      async () => {
        for (let i = 0; i < TLS_SUITES.length; i++) {
          const port = TLS_BASE_PORT + i;
          const keys = join(dir, `${i}.keys`);
          keyFiles.push(keys);
          const data = join(dir, `${i}.sip`);
          writeFileSync(data, sipText((mb * 1e6) / TLS_SUITES.length, i));
          const server = spawn(
            openssl,
            [
              's_server',
              '-quiet',
              '-accept',
              `127.0.0.1:${port}`,
              '-cert',
              cert,
              '-key',
              key,
              '-keylogfile',
              keys,
              '-naccept',
              '1',
              ...TLS_SUITES[i]!,
            ],
            // (its stdin stays open: s_server ends the connection at its end of input)
            { stdio: ['pipe', 'ignore', 'ignore'] },
          );
          const exited = new Promise((r) => server.once('exit', r));
          await sleep(400);
          // s_client sends the file and ends 2 s after it (without -quiet it ends at the end of its input).
          execFileSync(
            '/bin/sh',
            [
              '-c',
              `(cat ${data}; sleep 2) | timeout 60 ${openssl} s_client -nocommands -connect 127.0.0.1:${port} ${TLS_SUITES[i]!.join(' ')}; true`,
            ],
            { stdio: 'ignore', timeout: 90_000 },
          );
          server.kill('SIGTERM');
          await exited;
        }
      },
      ['-B', '256'],
    );
    execFileSync('/bin/cp', [tmp, out]);
    const keys = `${out}.keys`;
    writeFileSync(keys, keyFiles.map((f) => readFileSync(f, 'utf8')).join(''));
    return { keys };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// Run as a script (not when bundled into a benchmark).
if (process.argv[1] && /gen-tls-capture\.[cm]?[jt]s$/.test(process.argv[1])) {
  const mb = Number(process.argv[2] ?? 40);
  const r = await generateTls(process.env.TLS_OUT ?? TLS_OUT(mb), mb);
  console.log(r ? `${TLS_OUT(mb)} (${r.keys})` : 'openssl or dumpcap missing');
}
