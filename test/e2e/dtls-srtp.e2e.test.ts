/**
 * End to end, a DTLS-SRTP call heard: browser mode served for real, in headless Chromium. A call whose
 * SDP says UDP/TLS/RTP/SAVP with a=fingerprint and a=setup, a DTLS 1.2 handshake (ClientHello,
 * ServerHello with use_srtp) on its media ports, STUN beside it, and SRTP both ways with the keys
 * that handshake exports for the master secret of a key log. Opened without the key log, the stream
 * inspector says why it cannot decrypt and the capture's notice offers Decrypt TLS…; given the key
 * log there, the inspector says DTLS-SRTP, the profile and the handshake's frame, and Play decrypts
 * both directions. (The handshake records are made by hand, test/helpers/dtls-records.ts; the keys
 * against real OpenSSL ends are test/interop/dtls-srtp-openssl.test.ts's.) Screenshots light and dark
 * under test-results/screenshots/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { requirePeer } from '../helpers/peers';
import { appNav, servePage, shootThemes, type ServedPage } from '../helpers/chromium';
import { srtpCallPcap, toneSrtp } from '../helpers/srtp-capture';
import { clientHello, fragment, record, serverHello } from '../helpers/dtls-records';
import { ipFrame } from '../helpers/frames';
import { nodeTlsCrypto } from '../../src/sip-core/capture/tls/crypto.node';
import { TlsKeyLog, toHex } from '../../src/sip-core/capture/tls/keylog';
import { deriveDtlsSrtp } from '../../src/sip-core/media/dtls-srtp';

const chromiumPath = requirePeer('chromium');

const CH = clientHello(0x21, [1, 7]);
const SH = serverHello(0x91, 1);
const MASTER = '5c'.repeat(48);
const KEYLOG = `# a browser's SSLKEYLOGFILE\nCLIENT_RANDOM ${toHex(Uint8Array.from(CH.slice(2, 34)))} ${MASTER}\n`;

/** The SRTP keys (key ‖ salt, base64) the handshake gives the DTLS client (the caller) and server. */
function keys(): { client: string; server: string } {
  const log = new TlsKeyLog();
  log.add(KEYLOG);
  const km = deriveDtlsSrtp(
    { version: 0xfefd, cipherSuite: 0xc02b, profile: 1, mki: new Uint8Array(0) },
    Uint8Array.from(CH.slice(2, 34)),
    Uint8Array.from(SH.slice(2, 34)),
    { master: (r) => log.get(r)?.master ?? null, hasKeys: true, crypto: nodeTlsCrypto },
  ) as Uint8Array;
  const b64 = (a: Uint8Array, b: Uint8Array): string => Buffer.concat([a, b]).toString('base64');
  return {
    client: b64(km.subarray(0, 16), km.subarray(32, 46)),
    server: b64(km.subarray(16, 32), km.subarray(46, 60)),
  };
}

const ip = (d: number): number => ((10 << 24) | (9 << 16) | d) >>> 0;
const dgram = (us: number, from: number, to: number, bytes: number[]): { us: number; bytes: Uint8Array } => ({
  us,
  bytes: ipFrame({
    src: ip(from),
    dst: ip(to),
    sp: from === 1 ? 40000 : 50000,
    dp: to === 1 ? 40000 : 50000,
    payload: Buffer.from(bytes).toString('latin1'),
  }),
});

describe.skipIf(!chromiumPath)('a DTLS-SRTP call heard with its key log, in Chromium', () => {
  let served: ServedPage;
  let page: Page;
  const dir = mkdtempSync(join(tmpdir(), 'sipscope-dtls-e2e-'));
  const file = join(dir, 'dtls-srtp-call.pcap');
  const keylog = join(dir, 'browser-keys.log');

  beforeAll(async () => {
    const k = keys();
    const stun = [0, 1, 0, 0, 0x21, 0x12, 0xa4, 0x42, ...Array(12).fill(3)];
    const fp =
      'a=fingerprint:sha-256 4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B:19:E5:7C:AB:3D:7F:4B:3C:3B:55:0D:3F:D3:AC:FE:9B\r\n';
    writeFileSync(
      file,
      srtpCallPcap({
        // The caller (a=setup:actpass, answered passive) is the DTLS client: it sends with the client's key.
        forward: toneSrtp(`AES_CM_128_HMAC_SHA1_80 inline:${k.client}`, 1000, 0x11110001),
        reverse: toneSrtp(`AES_CM_128_HMAC_SHA1_80 inline:${k.server}`, 500, 0x22220002),
        proto: 'UDP/TLS/RTP/SAVP',
        offerExtra: `${fp}a=setup:actpass\r\n`,
        answerExtra: `${fp}a=setup:passive\r\n`,
        extra: [
          dgram(140_000, 1, 2, stun),
          dgram(150_000, 1, 2, record(fragment(1, 0, CH))),
          dgram(160_000, 2, 1, record(fragment(2, 0, SH))),
          dgram(1_000_000, 2, 1, stun),
        ],
      }),
    );
    writeFileSync(keylog, KEYLOG);
    served = await servePage(chromiumPath as string);
    page = served.page;
    await page.goto(served.server.url);
  });

  afterAll(async () => {
    await served?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const { mediaArrows, calls, showLadder } = appNav(() => page);
  const inspector = (): ReturnType<Page['getByTestId']> => page.getByTestId('stream-inspector');

  it('without the key log: says why, and offers Decrypt TLS… for it', async () => {
    await served.host.openPath(file, { remember: false });
    await expect.poll(() => calls().count(), { timeout: 20_000 }).toBe(1);
    const notice = page.getByTestId('file-diagnostics');
    await expect.poll(() => notice.textContent()).toContain('dtls-srtp-encrypted');
    expect(await notice.textContent()).toContain(
      'DTLS-SRTP 10.9.0.1:40000 → 10.9.0.2:50000 (ServerHello frame 6): its media is SRTP keyed by the handshake, no key log given',
    );
    await calls().first().click();
    await showLadder();
    await expect.poll(() => mediaArrows().count(), { timeout: 10_000 }).toBe(2);
    expect(await mediaArrows().first().textContent()).toContain('SRTP g711U · 100 pkts');
    await mediaArrows().first().click();
    await expect
      .poll(() => inspector().getByTestId('stream-srtp').textContent())
      .toContain(
        'DTLS-SRTP: keyed by the DTLS handshake (frame 6): give the key log of one of its ends (SSLKEYLOGFILE; --keylog FILE, or Decrypt TLS… in the app)',
      );
    await shootThemes(page, 'dtls-srtp-no-keylog');
  });

  it('given the key log: DTLS-SRTP, the profile, the handshake; both directions play', async () => {
    await page.getByTestId('keylog-input').setInputFiles(keylog);
    await expect
      .poll(() => page.getByTestId('tls-decrypted').textContent(), { timeout: 20_000 })
      .toContain(
        'browser-keys.log: no SIP message decrypted; 1 DTLS-SRTP handshake keyed (their media plays)',
      );
    await expect.poll(() => calls().count(), { timeout: 20_000 }).toBe(1);
    await calls().first().click();
    await showLadder();
    await expect.poll(() => mediaArrows().count(), { timeout: 10_000 }).toBe(2);
    for (const [i, ssrc] of [
      [0, '0x11110001'],
      [1, '0x22220002'],
    ] as const) {
      await mediaArrows().nth(i).click();
      await expect.poll(() => inspector().textContent()).toContain(ssrc);
      await expect
        .poll(() => inspector().getByTestId('stream-srtp').textContent())
        .toContain(
          'DTLS-SRTP, SRTP_AES128_CM_HMAC_SHA1_80, keys from the DTLS handshake (frame 6) and the key log',
        );
      await inspector().getByTestId('stream-audio-play').click();
      await expect
        .poll(() => inspector().getByTestId('stream-audio-srtp').textContent(), { timeout: 15_000 })
        .toContain('SRTP AES_CM_128_HMAC_SHA1_80 (keys from the DTLS handshake in frame 6): 100 decrypted');
      if (i === 0) await shootThemes(page, 'dtls-srtp-stream');
      await inspector().getByTestId('stream-audio-play').click(); // pause
    }
  });
});
