/**
 * The process's key log for TLS decryption: the CLI's `--keylog FILE`, else the file named by
 * SSLKEYLOGFILE (where browsers, curl and OpenSSL-based phones write their keys) when it can be read.
 * Capture readers in this process use it unless given another (`ingestCaptureFile`'s `keylog`); worker
 * threads get its text with their job.
 */
import { readFileSync } from 'node:fs';
import { TlsKeyLog } from './keylog';

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

/** The process's key log, or null. */
export function defaultKeylog(): TlsKeyLog | null {
  return load()?.log ?? null;
}

/** Its text, for a worker thread's job. */
export function defaultKeylogText(): string | null {
  return load()?.text ?? null;
}
