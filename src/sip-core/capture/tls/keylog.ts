/**
 * TLS secrets by client random, from an NSS key log file (SSLKEYLOGFILE format:
 * `CLIENT_RANDOM <client random hex> <master secret hex>` for TLS 1.2 and below,
 * `CLIENT_HANDSHAKE_TRAFFIC_SECRET` / `SERVER_HANDSHAKE_TRAFFIC_SECRET` / `CLIENT_TRAFFIC_SECRET_0` /
 * `SERVER_TRAFFIC_SECRET_0` for TLS 1.3) or a pcapng Decryption Secrets Block of type 'TLSK', which
 * holds the same text. Lines it does not know (comments, EARLY_TRAFFIC_SECRET, EXPORTER_SECRET,
 * RSA ...) are skipped.
 */

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
  /** Lines that looked like key log lines but were malformed (bad hex, wrong length). */
  badLines = 0;

  /** Adds the lines of a key log text; returns how many secrets it took. */
  add(text: string): number {
    let n = 0;
    for (const raw of text.split(/\r?\n/)) {
      const line = raw.trim();
      if (line === '' || line.startsWith('#')) continue;
      const parts = line.split(/\s+/);
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

  get size(): number {
    return this.#byRandom.size;
  }
}
