/**
 * Test helper: SIP over TLS between real OpenSSL peers on loopback. `openssl s_server` accepts one
 * connection per client given (-naccept); each `openssl s_client` sends an INVITE, the server answers
 * 200 OK, then the client's input ends (it closes the connection). Every peer has a time limit and is killed after its exchange.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { TlsKeyLog } from '../../../src/sip-core/capture/tls/keylog';
import { readTlsKeyArg } from '../../../src/sip-core/capture/tls/keylog-file.node';
import type { IngestResult } from '../../../src/sip-core/trace/trace-builder';

// The bench's TLS capture tools serve the tests too: a self-signed certificate, dumpcap on lo.
export { capturingLo, selfSignedCert } from '../../../bench/tools/gen-tls-capture';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export const tlsInvite = (s: string, port: number): string =>
  `INVITE sip:bob@127.0.0.1:${port};transport=tls SIP/2.0\r\nVia: SIP/2.0/TLS 127.0.0.1:40000;branch=z9hG4bK-${s}\r\nFrom: <sip:alice@127.0.0.1>;tag=a-${s}\r\nTo: <sip:bob@127.0.0.1>\r\nCall-ID: tls-${s}\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n`;
export const tlsOk = (s: string): string =>
  `SIP/2.0 200 OK\r\nVia: SIP/2.0/TLS 127.0.0.1:40000;branch=z9hG4bK-${s}\r\nFrom: <sip:alice@127.0.0.1>;tag=a-${s}\r\nTo: <sip:bob@127.0.0.1>;tag=b-${s}\r\nCall-ID: tls-${s}\r\nCSeq: 1 INVITE\r\nContact: <sip:bob@127.0.0.1;transport=tls>\r\nContent-Length: 0\r\n\r\n`;

/** Resolves when `p`'s stdout has shown `text` (false after `ms`). */
export function waitForOutput(p: ChildProcess, text: string, ms: number): Promise<boolean> {
  return new Promise((res) => {
    let got = '';
    const t = setTimeout(() => res(false), ms);
    const on = (b: Buffer): void => {
      got += b.toString('latin1');
      if (got.includes(text)) {
        clearTimeout(t);
        p.stdout!.off('data', on);
        res(true);
      }
    };
    p.stdout!.on('data', on);
  });
}

export interface TlsClient {
  /** Names the call (Call-ID tls-NAME). */
  name: string;
  /** s_client options (-tls1_2, -cipher, -sess_out...). */
  args: string[];
  /** The client's environment (OPENSSL_CONF...), on top of the process's. */
  env?: Record<string, string>;
  /** Typed into s_client after the 200 (`R\n`: renegotiate), then a second to act on it. */
  after?: string;
}

/** One server run of a TLS test: its openssl s_server options (on top of its certificate and key) and its clients. */
export interface TlsServerRun {
  server: string[];
  clients: TlsClient[];
  /** RSA key exchange (the server's private key decrypts it), not (EC)DHE. */
  rsa: boolean;
}

/**
 * One s_server on 127.0.0.1:`port` with `serverArgs` (certificate, key, protocol options), and the
 * `clients` one after another, each carrying an INVITE and its 200 OK.
 */
export async function opensslExchange(
  openssl: string,
  port: number,
  serverArgs: string[],
  clients: TlsClient[],
): Promise<void> {
  const opt = { stdio: ['pipe', 'pipe', 'ignore'] as ('pipe' | 'ignore')[] };
  const server = spawn(
    openssl,
    ['s_server', '-quiet', '-accept', `127.0.0.1:${port}`, '-naccept', String(clients.length), ...serverArgs],
    opt,
  );
  const kill = setTimeout(() => server.kill('SIGKILL'), 20_000 * clients.length);
  try {
    await sleep(300);
    for (const c of clients) {
      const gotInvite = waitForOutput(server, `Call-ID: tls-${c.name}`, 15_000);
      const client = spawn(
        openssl,
        ['s_client', '-quiet', '-no_ign_eof', '-connect', `127.0.0.1:${port}`, ...c.args],
        {
          ...opt,
          env: { ...process.env, ...c.env },
        },
      );
      const killc = setTimeout(() => client.kill('SIGKILL'), 20_000);
      try {
        const got200 = waitForOutput(client, `tag=b-${c.name}`, 15_000);
        await sleep(300);
        client.stdin!.write(tlsInvite(c.name, port));
        expect(await gotInvite).toBe(true);
        server.stdin!.write(tlsOk(c.name));
        expect(await got200).toBe(true);
        if (c.after !== undefined) {
          client.stdin!.write(c.after);
          await sleep(1000);
        }
        await sleep(100);
      } finally {
        clearTimeout(killc);
        // The end of its input closes the connection properly (close_notify): the session stays resumable.
        const gone = new Promise((r) => client.once('exit', r));
        client.stdin!.end();
        await Promise.race([gone, sleep(2000)]);
        client.kill('SIGTERM');
      }
    }
  } finally {
    clearTimeout(kill);
    server.kill('SIGTERM');
  }
}

/** An OPENSSL_CONF in `dir` turning the extended master secret off (RFC 7627), for a client's env. */
export function noEmsConfig(dir: string): string {
  const f = join(dir, 'no-ems.cnf');
  writeFileSync(
    f,
    'openssl_conf = c\n[c]\nssl_conf = s\n[s]\nsystem_default = d\n[d]\nOptions = -ExtendedMasterSecret\n',
  );
  return f;
}

/** tshark's decode-as options reading TCP ports `ports` as TLS carrying SIP. */
export const tlsSipDecodeAs = (ports: readonly number[]): string[] =>
  ports.flatMap((p) => ['-d', `tcp.port==${p},tls`, '-d', `tls.port==${p},sip`]);

/** A key log holding `--tls-key` arguments (`[IP:PORT=]FILE`). */
export function rsaKeyLog(...args: string[]): TlsKeyLog {
  const k = new TlsKeyLog();
  for (const a of args) k.add(readTlsKeyArg(a));
  return k;
}

/** Each message of the trace as text. */
export function traceTexts(r: IngestResult): string[] {
  const out: string[] = [];
  for (let i = 0; i < r.trace.count; i++) out.push(new TextDecoder().decode(r.trace.raw(i)));
  return out;
}
