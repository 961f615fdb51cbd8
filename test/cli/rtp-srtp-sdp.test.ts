/**
 * `sipscope rtp` on SRTP calls whose SDP is not the textbook case: best-effort SRTP on RTP/AVP
 * answered without a=crypto (plain RTP), a caller sending from another port than its SDP's (NAT,
 * asymmetric RTP), SRTP packets with padding, a key changed by a re-INVITE, `--srtp-key` without
 * `N=` on a call's plain RTP.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SrtpSession, parseSdesCrypto, type SdesCrypto } from '../../src/sip-core/media/srtp';
import { nodeSrtpCrypto } from '../../src/sip-core/media/srtp-crypto.node.js';
import { ipFrame } from '../helpers/frames';
import { rtpCli as cli, sip, srtpCallPcap } from '../helpers/srtp-capture';

const dir = mkdtempSync(join(tmpdir(), 'sipscope-rtp-srtp-sdp-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const K1 = 'AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz';
const K2 = 'AES_CM_128_HMAC_SHA1_80 inline:QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNk';
const K3 = 'AES_CM_128_HMAC_SHA1_80 inline:MDEyMzQ1Njc4OWFiY2RlZmdoaWprbG1ub3BxcnN0';

/**
 * `n` PCMU packets of SSRC `ssrc` (P=1 with 4 octets of padding when `pad`), SRTP-protected with `key`
 * unless null (from packet `rekeyAt` on with `rekey`).
 */
function packets(
  n: number,
  ssrc: number,
  key: string | null,
  pad = false,
  rekeyAt = n,
  rekey = key,
): Uint8Array[] {
  const session = (k: string | null): SrtpSession | null =>
    k ? new SrtpSession(parseSdesCrypto(k) as SdesCrypto, nodeSrtpCrypto) : null;
  const first = session(key);
  const second = session(rekey);
  return Array.from({ length: n }, (_, i) => {
    const tx = i < rekeyAt ? first : second;
    const p = new Uint8Array(172 + (pad ? 4 : 0)).fill(0xd5);
    const v = new DataView(p.buffer);
    p[0] = pad ? 0xa0 : 0x80;
    p[1] = 0; // PCMU
    v.setUint16(2, 100 + i);
    v.setUint32(4, i * 160);
    v.setUint32(8, ssrc);
    if (pad) p.set([0, 0, 0, 4], 172);
    return tx ? tx.protectRtp(p) : p;
  });
}

const file = (name: string, bytes: Uint8Array): string => {
  const f = join(dir, name);
  writeFileSync(f, bytes);
  return f;
};

/** Plays stream 0 of `f`: all `n` packets decrypted and played, none lost. */
async function playsAllSrtp(f: string, n: number): Promise<string> {
  const r = await cli(f, { stream: '0', wav: `${f}.wav` });
  expect(r.err).toBe('');
  expect(r.out).toContain(`stream 0: PCMU, ${n} packets played, 0 lost`);
  expect(r.out).toContain(`${n} decrypted`);
  return r.out;
}

describe('SRTP or not from the offer and the answer', () => {
  it('best-effort SRTP (RTP/AVP + a=crypto) answered without a=crypto is plain RTP, and plays', async () => {
    const f = file(
      'best-effort.pcap',
      srtpCallPcap({
        forward: packets(50, 0x1111, null),
        reverse: packets(50, 0x2222, null),
        proto: 'RTP/AVP',
        offerExtra: `a=crypto:1 ${K1}\r\n`,
        answerExtra: '',
      }),
    );
    const list = await cli(f, {});
    expect(list.out).toMatch(/^0\tC1\tRTP 10\.9\.0\.1:40000 → 10\.9\.0\.2:50000 /m);
    expect(list.out).toMatch(/^1\tC1\tRTP 10\.9\.0\.2:50000 → 10\.9\.0\.1:40000 /m);
    expect(list.out).not.toContain('SRTP');
    for (const s of ['0', '1']) {
      const r = await cli(f, { stream: s, wav: join(dir, `be${s}.wav`) });
      expect(r.err).toBe('');
      expect(r.out).toContain(`stream ${s}: PCMU, 50 packets played, 0 lost`);
      expect(r.out).not.toContain('SRTP');
    }
  });

  it('a caller whose SRTP comes from another port than its SDP says (NAT) is keyed by its SDP', async () => {
    const f = file(
      'nat.pcap',
      srtpCallPcap({
        forward: packets(50, 0x1111, K1),
        reverse: packets(50, 0x2222, K3),
        forwardSrcPort: 40002,
        offerExtra: `a=crypto:1 ${K1}\r\n`,
        answerExtra: `a=crypto:1 ${K3}\r\n`,
      }),
    );
    const list = await cli(f, {});
    expect(list.out).toMatch(/^0\tC1\tSRTP 10\.9\.0\.1:40002 → 10\.9\.0\.2:50000 /m);
    expect(list.out).not.toContain('no a=crypto');
    await playsAllSrtp(f, 50);
  });

  it('padded SRTP packets (P=1) are decrypted and played, none dropped before decryption', async () => {
    const f = file(
      'padded.pcap',
      srtpCallPcap({
        forward: packets(110, 0x1111, K1, true),
        offerExtra: `a=crypto:1 ${K1}\r\n`,
        answerExtra: `a=crypto:1 ${K3}\r\n`,
      }),
    );
    // The tracker counts a packet whose last octet (the auth tag's) is a padding count past its
    // payload with its stream, the stream's first packet too.
    const list = await cli(f, {});
    expect(list.out).toMatch(
      /^0\tC1\tSRTP 10\.9\.0\.1:40000 → 10\.9\.0\.2:50000 \S+ g711U \[caller→callee\]: 110 pkts, lost 0 /m,
    );
    await playsAllSrtp(f, 110);
  });

  it('--srtp-key with --call and no N= leaves the call’s plain RTP streams alone', async () => {
    const f = file(
      'call-key.pcap',
      srtpCallPcap({
        forward: packets(50, 0x1111, null),
        reverse: packets(50, 0x2222, null),
        proto: 'RTP/AVP',
        offerExtra: '',
        answerExtra: '',
      }),
    );
    const r = await cli(f, { call: 'C1', wav: join(dir, 'call-key.wav'), srtpKey: [K1] });
    expect(r.err).toBe('');
    expect(r.out).toContain('stream 0 left: PCMU, 50 packets played, 0 lost');
    expect(r.out).toContain('stream 1 right: PCMU, 50 packets played, 0 lost');
    expect(r.out).not.toContain('SRTP');
  });

  it('a re-INVITE with a new key for the same SSRC: the packets after it decrypt with the new key', async () => {
    const ip = (d: number): number => ((10 << 24) | (9 << 16) | d) >>> 0;
    const sdp = (host: number, port: number, key: string): string =>
      `v=0\r\no=- 1 2 IN IP4 10.9.0.${host}\r\ns=-\r\nc=IN IP4 10.9.0.${host}\r\nt=0 0\r\n` +
      `m=audio ${port} RTP/SAVP 0\r\na=rtpmap:0 PCMU/8000\r\na=crypto:1 ${key}\r\na=sendrecv\r\n`;
    const frame = (us: number, from: 1 | 2, text: string): { us: number; bytes: Uint8Array } => ({
      us,
      bytes: ipFrame({ src: ip(from), dst: ip(3 - from), sp: 5060, dp: 5060, payload: text }),
    });
    // Packet 50 (at 1.2 s) is the first with the new key: the re-INVITE/200/ACK just before it.
    const f = file(
      'rekey.pcap',
      srtpCallPcap({
        forward: packets(100, 0x1111, K1, false, 50, K2),
        offerExtra: `a=crypto:1 ${K1}\r\n`,
        answerExtra: `a=crypto:1 ${K3}\r\n`,
        extra: [
          frame(1_150_000, 1, sip('INVITE sip:b@example.com SIP/2.0', '3 INVITE', true, sdp(1, 40000, K2))),
          frame(1_170_000, 2, sip('SIP/2.0 200 OK', '3 INVITE', true, sdp(2, 50000, K3))),
          frame(1_180_000, 1, sip('ACK sip:b@example.com SIP/2.0', '3 ACK', true)),
        ],
      }),
    );
    const out = await playsAllSrtp(f, 100);
    expect(out).not.toContain('failed authentication');
    // The note names both keys' SDP: the INVITE's (frame 1) and the re-INVITE's (after packet 49's frame).
    const keys = /keys from the SDP in frames (\d+) and (\d+)/.exec(out);
    expect(keys, out).not.toBeNull();
    expect(Number(keys![1])).toBe(1);
    expect(Number(keys![2])).toBeGreaterThan(50);
  });
});
