/**
 * TLS secrets by client random, from an NSS key log file (SSLKEYLOGFILE format:
 * `CLIENT_RANDOM <client random hex> <master secret hex>` for TLS 1.2 and below,
 * `CLIENT_HANDSHAKE_TRAFFIC_SECRET` / `SERVER_HANDSHAKE_TRAFFIC_SECRET` / `CLIENT_TRAFFIC_SECRET_0` /
 * `SERVER_TRAFFIC_SECRET_0` for TLS 1.3) or a pcapng Decryption Secrets Block of type 'TLSK', which
 * holds the same text. Lines it does not know (comments, EARLY_TRAFFIC_SECRET, EXPORTER_SECRET,
 * RSA ...) are skipped.
 *
 * It also carries RSA private keys, for TLS 1.2 connections with RSA key exchange, one a line:
 * `SIPSCOPE_RSA_KEY <server ip:port, or *> <n> <e> <d> <p> <q> <dp> <dq> <qi> [label]` (the key's JWK
 * components, base64url) — what `--tls-key FILE` and the app's Decrypt TLS… turn a PEM/DER key file
 * into (keylog-file.node.ts), so the one text goes to worker threads as a key log does.
 */
import { RSA_COMPONENTS, rsaKeyFromComponents, type RsaPrivateKey } from './rsa';

export interface TlsSecrets {
  master?: Uint8Array;
  clientHandshake?: Uint8Array;
  serverHandshake?: Uint8Array;
  clientTraffic0?: Uint8Array;
  serverTraffic0?: Uint8Array;
}

const LABELS: Record<string, keyof TlsSecrets> = {
  CLIENT_RANDOM: 'master',
  CLIENT_HANDSHAKE_TRAFFIC_SECRET: 'clientHandshake',
  SERVER_HANDSHAKE_TRAFFIC_SECRET: 'serverHandshake',
  CLIENT_TRAFFIC_SECRET_0: 'clientTraffic0',
  SERVER_TRAFFIC_SECRET_0: 'serverTraffic0',
};

/** A key log line carrying an RSA private key (this program's own; see above). */
export const RSA_KEY_LABEL = 'SIPSCOPE_RSA_KEY';

/** pcapng Decryption Secrets Block secrets type for a TLS key log ('TLSK'). */
export const DSB_TLS_KEY_LOG = 0x544c534b;

function hexBytes(s: string): Uint8Array | null {
  if (s.length === 0 || s.length % 2 !== 0 || !/^[0-9a-fA-F]+$/.test(s)) return null;
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function toHex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}

export class TlsKeyLog {
  readonly #byRandom = new Map<string, TlsSecrets>();
  /** RSA private keys: bound to one server (`ip:port`, IPv6 in brackets), or to any (`*`). */
  readonly #rsa = new Map<string, RsaPrivateKey[]>();
  #rsaCount = 0;
  /** Lines that looked like key log lines but were malformed (bad hex, wrong length). */
  badLines = 0;

  /** Adds the lines of a key log text; returns how many secrets it took. */
  add(text: string): number {
    let n = 0;
    for (const raw of text.split(/\r?\n/)) {
      const line = raw.trim();
      if (line === '' || line.startsWith('#')) continue;
      const parts = line.split(/\s+/);
      if (parts[0] === RSA_KEY_LABEL) {
        const key =
          parts.length >= 2 + RSA_COMPONENTS.length
            ? rsaKeyFromComponents(
                parts.slice(2, 2 + RSA_COMPONENTS.length),
                parts.slice(2 + RSA_COMPONENTS.length).join(' ') || `RSA key #${this.#rsaCount + 1}`,
              )
            : null;
        if (!key) {
          this.badLines++;
          continue;
        }
        const at = parts[1]!;
        const list = this.#rsa.get(at);
        if (list) list.push(key);
        else this.#rsa.set(at, [key]);
        this.#rsaCount++;
        n++;
        continue;
      }
      const field = LABELS[parts[0]!];
      if (!field) continue;
      const random = parts.length === 3 ? hexBytes(parts[1]!) : null;
      const secret = parts.length === 3 ? hexBytes(parts[2]!) : null;
      if (!random || random.length !== 32 || !secret || secret.length < 16 || secret.length > 64) {
        this.badLines++;
        continue;
      }
      const key = toHex(random);
      let e = this.#byRandom.get(key);
      if (!e) this.#byRandom.set(key, (e = {}));
      e[field] = secret;
      n++;
    }
    return n;
  }

  /** Adds a key log given as bytes (a file, a Decryption Secrets Block). */
  addBytes(b: Uint8Array): number {
    return this.add(new TextDecoder('utf-8', { fatal: false }).decode(b));
  }

  get(clientRandomHex: string): TlsSecrets | null {
    return this.#byRandom.get(clientRandomHex) ?? null;
  }

  /** Secrets by client random and RSA keys. */
  get size(): number {
    return this.#byRandom.size + this.#rsaCount;
  }

  /** How many RSA private keys. */
  get rsaKeyCount(): number {
    return this.#rsaCount;
  }

  /** The RSA keys to try for the server at `server` (`ip:port`): the ones bound to it, then the rest (`*`). */
  rsaKeys(server: string): readonly RsaPrivateKey[] {
    const bound = this.#rsa.get(server);
    const any = this.#rsa.get('*');
    if (!bound) return any ?? [];
    return any ? [...bound, ...any] : bound;
  }
}
