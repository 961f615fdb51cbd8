/**
 * Decrypt TLS…'s pieces in the renderer: the servers the TLS notices name (which one a private key is
 * for), a typed server address (taken where the host's normalizeServer takes it: test/main covers the
 * host's), what a decryption gave.
 */
import { describe, expect, it } from 'vitest';
import { decryptedNote, serverAddress, tlsServers } from '../../../src/renderer/src/lib/capture/tls-secrets';

const R = 'be31081818c0ff167c0d6c7485c3f6ec0b810d41023f5e0140afec6c7b0e95df';
const enc = (message: string): { code: string; message: string } => ({ code: 'tls-encrypted', message });

describe('the TLS servers the notices name', () => {
  it('no key at all: each server once, key exchange not said', () => {
    const no = (c: string, s: string, f: number) =>
      enc(
        `TLS on ${c} → ${s} (first frame ${f}): encrypted, not decoded: no key for client random ${R}; give a key log (--keylog FILE), or the server's private key (--tls-key FILE) if it uses RSA key exchange`,
      );
    expect(
      tlsServers([
        no('127.0.0.1:49640', '127.0.0.1:5061', 4),
        no('127.0.0.1:49641', '127.0.0.1:5061', 9),
        no('[2001:db8::1]:40000', '[2001:db8::2]:5061', 23),
        { code: 'tcp-gap', message: 'TLS on 1.2.3.4:1 → 1.2.3.4:2 (first frame 1)' },
        // (begun mid-connection: its first direction is the server's, and nothing can open it)
        enc(
          'TLS on 192.168.1.3:443 → 192.168.1.252:52790 (first frame 1): encrypted, not decoded: no key, and the capture has no ClientHello to find one by (it began after the connection did)',
        ),
      ]),
    ).toEqual([
      { server: '127.0.0.1:5061', rsa: null, suite: null },
      { server: '[2001:db8::2]:5061', rsa: null, suite: null },
    ]);
  });

  it('after a key: RSA servers without their key, a wrong key, (EC)DHE and TLS 1.3', () => {
    expect(
      tlsServers([
        enc(
          `TLS on 127.0.0.1:46518 → 127.0.0.1:30269 (first frame 23): encrypted, not decoded: no RSA key given for server 127.0.0.1:30269 (TLS_RSA_WITH_AES_256_CBC_SHA); give its key (--tls-key 127.0.0.1:30269=FILE) or a key log (--keylog FILE) for client random ${R}`,
        ),
        enc(
          `TLS on 127.0.0.1:40422 → 127.0.0.1:30270 (first frame 42): encrypted, not decoded: cipher suite TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 uses ECDHE key exchange (forward secrecy): the server's RSA private key cannot decrypt it, a key log is needed (--keylog FILE) for client random ${R}`,
        ),
        {
          code: 'tls-decrypt-failed',
          message: `TLS 127.0.0.1:40000 → 10.0.0.9:5061, frame 7: the ClientKeyExchange's pre-master secret (TLS_RSA_WITH_AES_128_CBC_SHA, client random ${R}) does not decrypt with the RSA key other.key given for server 10.0.0.9:5061: a wrong key, or a damaged message; the connection is not decoded`,
        },
        enc(
          `TLS on 127.0.0.1:40001 → 127.0.0.1:5062 (first frame 50): encrypted, not decoded: no key for client random ${R}; give a key log (--keylog FILE) or, as TLS_RSA_WITH_AES_128_CBC_SHA uses RSA key exchange, the server's private key (--tls-key FILE)`,
        ),
      ]),
    ).toEqual([
      { server: '127.0.0.1:30269', rsa: true, suite: 'TLS_RSA_WITH_AES_256_CBC_SHA' },
      { server: '127.0.0.1:30270', rsa: false, suite: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256' },
      { server: '10.0.0.9:5061', rsa: true, suite: 'TLS_RSA_WITH_AES_128_CBC_SHA' },
      { server: '127.0.0.1:5062', rsa: true, suite: 'TLS_RSA_WITH_AES_128_CBC_SHA' },
    ]);
  });
});

describe('a server address typed in', () => {
  it('ip:port or [ipv6]:port, port 1-65535; nothing else', () => {
    const ok = ['127.0.0.1:5061', ' 10.1.2.3:1 ', '[::1]:5061', '[2001:db8::2]:65535'];
    const bad = ['127.0.0.1:99999', '127.0.0.1:0', '256.1.1.1:5061', '1.2.3:5061', '::1:5061', '[::1]'];
    for (const t of ok) expect(serverAddress(t)).toBe(t.trim());
    for (const t of [...bad, 'sbc.example.com:5061', '']) expect(serverAddress(t)).toBeNull();
  });
});

describe('what a decryption gave', () => {
  it('messages gained, TLS notices left', () => {
    const tls = { code: 'tls-encrypted' };
    expect(
      decryptedNote(
        'sbc.key (for 127.0.0.1:5061)',
        { messages: 0 },
        { messages: 2, diagnostics: [tls, tls] },
      ),
    ).toBe(
      'sbc.key (for 127.0.0.1:5061): 2 SIP messages decrypted (2 in all); 2 TLS notices left below (what is still encrypted, and why)',
    );
    expect(
      decryptedNote('keys.log', { messages: 3 }, { messages: 4, diagnostics: [{ code: 'tcp-gap' }] }),
    ).toBe('keys.log: 1 SIP message decrypted (4 in all); no TLS left encrypted');
    expect(
      decryptedNote('x.key', { messages: 4 }, { messages: 4, diagnostics: [{ code: 'tls-decrypt-failed' }] }),
    ).toBe('x.key: no SIP message decrypted; 1 TLS notice left below (what is still encrypted, and why)');
    // DTLS-SRTP media: the handshakes the key log keyed, and those it did not.
    const dtls = { code: 'dtls-srtp-encrypted' };
    expect(
      decryptedNote(
        'keys.log',
        { messages: 4, diagnostics: [dtls, dtls, dtls] },
        { messages: 4, diagnostics: [dtls] },
      ),
    ).toBe(
      'keys.log: no SIP message decrypted; 2 DTLS-SRTP handshakes keyed (their media plays); 1 DTLS-SRTP handshake still without a key',
    );
  });
});
