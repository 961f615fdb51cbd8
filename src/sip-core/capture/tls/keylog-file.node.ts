/**
 * The process's key log for TLS decryption: the CLI's `--keylog FILE`, else the file named by
 * SSLKEYLOGFILE (where browsers, curl and OpenSSL-based phones write their keys) when it can be read.
 * Capture readers in this process use it unless given another (`ingestCaptureFile`'s `keylog`); worker
 * threads get its text with their job. RSA private keys (`--tls-key`) join it as lines of their own
 * (keylog.ts).
 */
import { createPrivateKey, type KeyObject, type PrivateKeyInput } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isIPv4, isIPv6 } from 'node:net';
import { RSA_KEY_LABEL, TlsKeyLog } from './keylog';
import { RSA_COMPONENTS, rsaKeyFromComponents } from './rsa';

let current: { text: string; log: TlsKeyLog } | null | undefined;

/** Reads a key log file; throws when it cannot be read or holds no TLS secret. */
export function readKeylogFile(path: string): { text: string; log: TlsKeyLog } {
  const text = readFileSync(path, 'utf8');
  const log = new TlsKeyLog();
  if (log.add(text) === 0)
    throw new Error(`${path}: no TLS secrets in it (NSS key log lines, e.g. CLIENT_RANDOM ...)`);
  return { text, log };
}

/** Sets the process's key log (null: none, not even SSLKEYLOGFILE). */
export function setDefaultKeylog(k: { text: string; log: TlsKeyLog } | null): void {
  current = k;
}

function load(): { text: string; log: TlsKeyLog } | null {
  if (current === undefined) {
    current = null;
    const env = process.env.SSLKEYLOGFILE;
    if (env) {
      try {
        current = readKeylogFile(env);
      } catch {
        // An absent or empty SSLKEYLOGFILE is usual (a program writes it later): no keys.
      }
    }
  }
  return current;
}

/** Adds RSA private key lines (`--tls-key`: {@link readTlsKeyArg}) to the process's key log. */
export function addDefaultRsaKeys(lines: readonly string[]): void {
  if (lines.length === 0) return;
  const text = [load()?.text ?? '', ...lines].join('\n');
  const log = new TlsKeyLog();
  log.add(text);
  current = { text, log };
}

/** The process's key log, or null. */
export function defaultKeylog(): TlsKeyLog | null {
  return load()?.log ?? null;
}

/** Its text, for a worker thread's job. */
export function defaultKeylogText(): string | null {
  return load()?.text ?? null;
}

/**
 * A server address as a key is bound to it (`ip:port`, IPv6 in brackets and RFC 5952 form, as the
 * capture reader writes it); null when `text` is not one.
 */
export function normalizeServer(text: string): string | null {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([0-9.]+)):(\d{1,5})$/.exec(text.trim());
  if (!m) return null;
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return null;
  if (m[2] !== undefined) return isIPv4(m[2]) ? `${m[2]}:${port}` : null;
  if (!isIPv6(m[1]!)) return null;
  // WHATWG URL parsing writes IPv6 compressed and lower case (RFC 5952).
  return `${new URL(`http://[${m[1]!}]/`).hostname}:${port}`;
}

/**
 * An RSA private key file's bytes (PEM, or DER; PKCS#1 or PKCS#8, not encrypted) as the key log line
 * that carries it (keylog.ts): throws, naming `label`, when it is not an unencrypted RSA private key.
 */
export function rsaKeyLine(bytes: Uint8Array, server: string | null, label: string): string {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const pem = buf.subarray(0, 4096).toString('latin1').includes('-----BEGIN');
  let key: KeyObject | null = null;
  let why = '';
  const tries: PrivateKeyInput[] = pem
    ? [{ key: buf, format: 'pem' }]
    : [
        { key: buf, format: 'der', type: 'pkcs8' },
        { key: buf, format: 'der', type: 'pkcs1' },
      ];
  for (const t of tries) {
    try {
      key = createPrivateKey(t);
      break;
    } catch (e) {
      why ||= e instanceof Error ? e.message : String(e);
    }
  }
  if (!key)
    throw new Error(
      `${label}: not an RSA private key that can be read (PEM or DER, PKCS#1 or PKCS#8, without a passphrase): ${why}`,
    );
  if (key.asymmetricKeyType !== 'rsa')
    throw new Error(
      `${label}: a ${key.asymmetricKeyType ?? 'non-RSA'} key; only RSA keys decrypt an RSA key exchange`,
    );
  const jwk = key.export({ format: 'jwk' }) as Record<string, string | undefined>;
  const parts = RSA_COMPONENTS.map((c) => jwk[c] ?? '');
  if (parts.some((p) => p === '') || !rsaKeyFromComponents(parts, label))
    throw new Error(`${label}: the RSA key lacks its CRT components (p, q, dp, dq, qi)`);
  return `${RSA_KEY_LABEL} ${server ?? '*'} ${parts.join(' ')} ${label.replace(/\s+/g, '_')}`;
}

/**
 * `--tls-key`'s argument: `FILE`, or `IP:PORT=FILE` to use the key only for the server at that
 * address (IPv6 as `[addr]:port`). Returns the key log line; throws when the file cannot be read or
 * is not an RSA private key.
 */
export function readTlsKeyArg(arg: string): string {
  const eq = arg.indexOf('=');
  const server = eq > 0 ? normalizeServer(arg.slice(0, eq)) : null;
  const path = server !== null ? arg.slice(eq + 1) : arg;
  return rsaKeyLine(new Uint8Array(readFileSync(path)), server, path);
}
