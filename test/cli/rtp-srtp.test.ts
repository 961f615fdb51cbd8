/**
 * `sipscope rtp` on SRTP without its SDP while the capture holds SIP over TLS it cannot decrypt: the
 * stream says its SDP may have been in the encrypted SIP, and a key given by hand plays it. (With its
 * SDP: test/interop/srtp-ffmpeg.test.ts, test/e2e/srtp.e2e.test.ts.)
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SrtpSession, parseSdesCrypto, type SdesCrypto } from '../../src/sip-core/media/srtp';
import { nodeSrtpCrypto } from '../../src/sip-core/media/srtp-crypto.node.js';
import { TcpSegments } from '../helpers/frames';
import { rtpCli as cli, srtpCallPcap } from '../helpers/srtp-capture';

const dir = mkdtempSync(join(tmpdir(), 'sipscope-rtp-srtp-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const KEY = 'AES_CM_128_HMAC_SHA1_32 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz';

/** A TLS 1.2 ClientHello record (as a phone opens SIP over TLS to port 5061). */
function clientHello(): string {
  const body = Buffer.concat([
    Buffer.from([0x03, 0x03]),
    Buffer.alloc(32, 7),
    Buffer.from([0, 0, 2, 0xc0, 0x2f, 1, 0]),
  ]);
  const hs = Buffer.concat([Buffer.from([1, 0, 0, body.length]), body]);
  return Buffer.concat([Buffer.from([0x16, 0x03, 0x01, 0, hs.length]), hs]).toString('latin1');
}

function srtp(): Uint8Array[] {
  const tx = new SrtpSession(parseSdesCrypto(KEY) as SdesCrypto, nodeSrtpCrypto);
  return Array.from({ length: 50 }, (_, i) => {
    const p = new Uint8Array(172).fill(0xd5);
    const v = new DataView(p.buffer);
    p[0] = 0x80;
    p[1] = 0; // PCMU
    v.setUint16(2, 100 + i);
    v.setUint32(4, i * 160);
    v.setUint32(8, 0x1234);
    return tx.protectRtp(p);
  });
}

describe('SRTP whose SDP went over TLS', () => {
  it('says to give the TLS keys; a key by hand plays it', async () => {
    const t = new TcpSegments();
    const file = join(dir, 'tls-srtp.pcap');
    writeFileSync(
      file,
      srtpCallPcap({
        forward: srtp(),
        offerExtra: '',
        answerExtra: '',
        sip: false,
        extra: [
          { us: 0, bytes: t.segment(1, 40123, 2, 5061, '', { flags: 0x02 }) },
          { us: 1_000, bytes: t.segment(2, 5061, 1, 40123, '', { flags: 0x12 }) },
          { us: 2_000, bytes: t.segment(1, 40123, 2, 5061, clientHello()) },
        ],
      }),
    );
    const list = await cli(file, {});
    expect(list.out).toMatch(/^0\t-\tRTP 10\.9\.0\.1:40000 → 10\.9\.0\.2:50000 /);
    expect(list.out).toContain(
      'no SDP for this stream, and the capture has 1 TLS connection not decrypted: if it is SRTP, its SDP was in encrypted SIP — give the TLS keys',
    );
    const r = await cli(file, { stream: '0', wav: join(dir, 'a.wav'), srtpKey: [KEY] });
    expect(r.err).toBe('');
    expect(r.out).toContain('SRTP AES_CM_128_HMAC_SHA1_32 (key given): 50 decrypted');
  });
});
