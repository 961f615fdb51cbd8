/**
 * The file a user picks to decrypt a capture's TLS (Decrypt TLS…): a key log (NSS SSLKEYLOGFILE text)
 * or a server's RSA private key (PEM, or DER: an ASN.1 SEQUENCE), as the capture:decryptTls request
 * carries it; the servers the capture's TLS notices name (which one a private key is for), and what a
 * decryption gave, said after it.
 */

/** The capture:decryptTls request's secret fields. */
export type DecryptTlsFields = { keylog: string } | { tlsKey: { data: string; server?: string } };

/** The request's secret fields for `file`. */
export async function decryptTlsFields(file: File): Promise<DecryptTlsFields> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let head = '';
  for (const b of bytes.subarray(0, 4096)) head += String.fromCharCode(b);
  const pem = /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(head);
  // DER: SEQUENCE with a two-byte length (an RSA key of 1024 bits or more); never a key log's text.
  const der = bytes.length > 4 && bytes[0] === 0x30 && bytes[1] === 0x82;
  if (!pem && !der) return { keylog: new TextDecoder().decode(bytes) };
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000)
    bin += String.fromCharCode(...bytes.subarray(i, Math.min(bytes.length, i + 0x8000)));
  return { tlsKey: { data: btoa(bin) } };
}

/** A TLS server named by the capture's notices. */
export interface TlsServerHint {
  /** `ip:port` (IPv6 in brackets), as the notices write it. */
  server: string;
  /** RSA key exchange (a private key can decrypt it): true, false ((EC)DHE, TLS 1.3), null: not said. */
  rsa: boolean | null;
  /** The cipher suite, when a notice names it. */
  suite: string | null;
}

const ADDR = String.raw`(?:\[[0-9a-fA-F:.]+\]|[0-9.]+):\d+`;
/** `TLS on CLIENT → SERVER (first frame N): encrypted, not decoded: …` (pipeline.ts). */
const ON = new RegExp(String.raw`^TLS on ${ADDR} → (${ADDR}) \(first frame \d+\)`);
const FOR_SERVER = new RegExp(String.raw`(?:no RSA key given for server|given for server) (${ADDR})`);

/**
 * The servers the TLS notices (`tls-encrypted`, `tls-decrypt-failed`) name, in order, with what they
 * say of the key exchange: a notice asking for a key log only because of (EC)DHE or TLS 1.3 (false),
 * one naming a TLS_RSA_ suite or an RSA key tried for the server (true); a notice without the suite
 * (no ServerHello in the capture; a reader without decryption) says nothing (null).
 */
export function tlsServers(diagnostics: readonly { code: string; message: string }[]): TlsServerHint[] {
  const by = new Map<string, TlsServerHint>();
  for (const d of diagnostics) {
    if (d.code !== 'tls-encrypted' && d.code !== 'tls-decrypt-failed') continue;
    const m = d.message;
    // (a connection seen from its middle: no key can open it, and its first direction may be the server's)
    if (/has no ClientHello/.test(m)) continue;
    const server = FOR_SERVER.exec(m)?.[1] ?? ON.exec(m)?.[1];
    if (!server) continue;
    const suite = /\b(TLS_[A-Z0-9_]+)/.exec(m)?.[1] ?? null;
    const rsa = /forward secrecy/.test(m)
      ? false
      : /TLS_RSA_|no RSA key given|given for server/.test(m)
        ? true
        : null;
    const h = by.get(server);
    if (!h) by.set(server, { server, rsa, suite });
    else {
      if (rsa === true || h.rsa === null) h.rsa = rsa ?? h.rsa;
      h.suite ??= suite;
    }
  }
  return [...by.values()];
}

/**
 * `text` as a server address (`ip:port`, IPv6 in brackets), or null: what the host takes (it checks the
 * address itself again).
 */
export function serverAddress(text: string): string | null {
  const t = text.trim();
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3}):(\d{1,5})$/.exec(t);
  const port = (p: string): boolean => Number(p) >= 1 && Number(p) <= 65535;
  if (v4) return v4.slice(1, 5).every((x) => Number(x) <= 255) && port(v4[5]!) ? t : null;
  const v6 = /^\[([0-9a-fA-F:.]+)\]:(\d{1,5})$/.exec(t);
  return v6 && v6[1]!.includes(':') && port(v6[2]!) ? t : null;
}

/** What a decryption gave: the capture before and after it (`what`: the key file's name, its server). */
export function decryptedNote(
  what: string,
  before: { messages: number; diagnostics?: readonly { code: string }[] },
  after: { messages: number; diagnostics: readonly { code: string }[] },
): string {
  const gained = after.messages - before.messages;
  const left = after.diagnostics.filter(
    (d) => d.code === 'tls-encrypted' || d.code === 'tls-decrypt-failed',
  ).length;
  const s = (n: number): string => (n === 1 ? '' : 's');
  // DTLS-SRTP handshakes the key log opened (their streams play) and those still without a secret.
  const dtls = (d: readonly { code: string }[]): number =>
    d.filter((x) => x.code === 'dtls-srtp-encrypted').length;
  const dtlsLeft = dtls(after.diagnostics);
  const dtlsOpened = Math.max(0, dtls(before.diagnostics ?? []) - dtlsLeft);
  // A capture whose only secrets were DTLS-SRTP's: nothing to say about TLS.
  const onlyDtls =
    before.diagnostics !== undefined &&
    dtls(before.diagnostics) > 0 &&
    !before.diagnostics.some((d) => d.code === 'tls-encrypted' || d.code === 'tls-decrypt-failed');
  const media =
    (dtlsOpened > 0 ? `; ${dtlsOpened} DTLS-SRTP handshake${s(dtlsOpened)} keyed (their media plays)` : '') +
    (dtlsLeft > 0 ? `; ${dtlsLeft} DTLS-SRTP handshake${s(dtlsLeft)} still without a key` : '');
  return `${what}: ${
    gained > 0
      ? `${gained} SIP message${s(gained)} decrypted (${after.messages} in all)`
      : 'no SIP message decrypted'
  }${left > 0 ? `; ${left} TLS notice${s(left)} left below (what is still encrypted, and why)` : onlyDtls ? '' : '; no TLS left encrypted'}${media}`;
}
