/**
 * SRTP from an independent sender: ffmpeg sends a tone as G.711 µ-law SRTP (its srtp:// protocol,
 * AES_CM_128_HMAC_SHA1_80 and _32) and, a second time, as plain RTP, to UDP sockets on 127.0.0.1.
 * The datagrams received are laid in a capture beside a SIP call whose SDP offers the key (a=crypto,
 * RFC 4568), and `sipscope rtp --wav` of the SRTP stream must equal the plain stream's decoding sample
 * for sample. Then the ways it cannot decrypt: a wrong key given by hand, DTLS (a=fingerprint), no
 * a=crypto, a stream without SDP decrypted with --srtp-key, a bad --srtp-key. Last, the whole path as
 * an engineer has it: dumpcap on lo captures a SIP offer/answer sent between loopback sockets and
 * ffmpeg's SRTP from the port the offer announced (pcapng, real timing), and the captured INVITE's
 * key plays the same samples.
 */
import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeTrace } from '../../src/sip-core/analysis';
import { mediaJson, type MediaJson, type MediaStreamJson } from '../../src/sip-core/media/media-json';
import { decodeStream, RtpPacketList } from '../../src/sip-core/media/rtp-audio';
import '../../src/sip-core/media/srtp-crypto.node.js';
import { ingestBytes } from '../../src/sip-core/trace/trace-builder';
import { ipFrame } from '../helpers/frames';
import { requirePeer } from '../helpers/peers';
import { captureLo, cleanupAfterEach } from './helpers/run-peers';
import { rtpCli as cli, sip, srtpCallPcap } from '../helpers/srtp-capture';

const ffmpeg = requirePeer('ffmpeg');
const dumpcap = requirePeer('dumpcap');
const cleanup = cleanupAfterEach();
const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'sipscope-srtp-ffmpeg-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const KEY = 'WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz'; // 30 octets: key ‖ salt
const OTHER = 'QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNk';

/** A 2 s tone and a chirp beside it (8 kHz 16-bit mono WAV). */
function toneWav(): Buffer {
  const n = 16000;
  const d = Buffer.alloc(44 + n * 2);
  d.write('RIFF', 0);
  d.writeUInt32LE(36 + n * 2, 4);
  d.write('WAVEfmt ', 8);
  d.writeUInt32LE(16, 16);
  d.writeUInt16LE(1, 20);
  d.writeUInt16LE(1, 22);
  d.writeUInt32LE(8000, 24);
  d.writeUInt32LE(16000, 28);
  d.writeUInt16LE(2, 32);
  d.writeUInt16LE(16, 34);
  d.write('data', 36);
  d.writeUInt32LE(n * 2, 40);
  for (let i = 0; i < n; i++)
    d.writeInt16LE(Math.round(9000 * Math.sin((2 * Math.PI * (300 + i / 40) * i) / 8000)), 44 + 2 * i);
  return d;
}

/** The datagrams ffmpeg sends to `url` (its RTP port), in arrival order. */
async function received(args: string[]): Promise<Buffer[]> {
  return (await receivedWithRtcp(args)).rtp;
}

/**
 * What ffmpeg sends to `url`: its RTP (the port) and its RTCP (port + 1), in arrival order. The RTCP
 * socket is bound first at an odd port whose even neighbour is free.
 */
async function receivedWithRtcp(args: string[]): Promise<{ rtp: Buffer[]; rtcp: Buffer[] }> {
  const rtp: Buffer[] = [];
  const rtcp: Buffer[] = [];
  const bind = (port: number): Promise<ReturnType<typeof createSocket> | null> =>
    new Promise((r) => {
      const s = createSocket('udp4');
      s.once('error', () => {
        s.close();
        r(null);
      });
      s.bind(port, '127.0.0.1', () => r(s));
    });
  let pair: [ReturnType<typeof createSocket>, ReturnType<typeof createSocket>] | null = null;
  for (let i = 0; i < 20 && !pair; i++) {
    const a = await bind(0);
    if (!a) continue;
    const p = a.address().port;
    a.close();
    const even = p & ~1;
    const x = await bind(even);
    const y = x && (await bind(even + 1));
    if (x && y) pair = [x, y];
    else x?.close();
  }
  if (!pair) throw new Error('no free port pair on 127.0.0.1');
  const [rs, cs] = pair;
  rs.on('message', (m) => void rtp.push(m));
  cs.on('message', (m) => void rtcp.push(m));
  try {
    const url = args.pop()!.replace('PORT', String(rs.address().port));
    await run(ffmpeg!, ['-hide_banner', '-loglevel', 'error', ...args, url], { timeout: 30_000 });
    for (let i = 0; i < 50 && rtp.length < 100; i++) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 50));
  } finally {
    rs.close();
    cs.close();
  }
  return { rtp, rtcp };
}

/** The call's capture with `packets` from the caller (see srtp-capture.ts), in a file. */
function capture(packets: Buffer[], offerExtra: string, answerExtra: string, withSip = true): string {
  const f = join(dir, `c${Math.random().toString(36).slice(2)}.pcap`);
  writeFileSync(f, srtpCallPcap({ forward: packets, offerExtra, answerExtra, sip: withSip }));
  return f;
}

const pcmOf = (wav: Buffer): Int16Array => new Int16Array(new Uint8Array(wav.subarray(44)).buffer);

describe.skipIf(!ffmpeg)('SRTP sent by ffmpeg, decrypted with the SDP key', () => {
  const wav = join(dir, 'tone.wav');
  writeFileSync(wav, toneWav());
  // 20 ms packets: 160 octets of payload after the 12-octet header.
  const enc = ['-i', wav, '-c:a', 'pcm_mulaw', '-ar', '8000', '-ac', '1', '-packetsize', '172', '-f', 'rtp'];
  /** ffmpeg's arguments for SRTP of `suite` with KEY to the test's port. */
  const srtpTo = (suite: string): string[] => [
    ...enc,
    '-srtp_out_suite',
    suite,
    '-srtp_out_params',
    KEY,
    'srtp://127.0.0.1:PORT',
  ];
  let plain: Int16Array;
  /** Packets ffmpeg sends for the 2 s (100 of 20 ms, and what its last frame adds). */
  let n = 0;

  it('plays the same samples as the same audio sent as plain RTP (both suites)', async () => {
    const clear = await received([...enc, 'rtp://127.0.0.1:PORT']);
    n = clear.length;
    expect(n).toBeGreaterThanOrEqual(100);
    const list = new RtpPacketList();
    clear.forEach((p, i) => list.addPacket(new Uint8Array(p), i * 20_000));
    const d = decodeStream(list, null, 'timestamp');
    expect(d.ok).toBe(true);
    if (!d.ok) return;
    plain = d.audio.pcm;
    for (const suite of ['AES_CM_128_HMAC_SHA1_80', 'AES_CM_128_HMAC_SHA1_32']) {
      const srtp = await received(srtpTo(suite));
      expect(srtp.length).toBe(n);
      // Encrypted: the payloads differ from the plain ones, and the tag lengthens each packet.
      expect(srtp[5]!.length).toBe(clear[5]!.length + (suite.endsWith('80') ? 10 : 4));
      const file = capture(
        srtp,
        `a=crypto:1 ${suite} inline:${KEY}\r\n`,
        `a=crypto:1 ${suite} inline:${OTHER}\r\n`,
      );
      const list = await cli(file, {});
      expect(list.out).toMatch(
        new RegExp(`^0\tC1\tSRTP 10\\.9\\.0\\.1:40000 → 10\\.9\\.0\\.2:50000 .* ${n} pkts, lost 0`),
      );
      expect(list.out).toContain(`SRTP, ${suite}, keys from the SDP (frame 1)`);
      const out = join(dir, `srtp-${suite}.wav`);
      const r = await cli(file, { stream: '0', wav: out });
      expect(r.err).toBe('');
      expect(r.out).toContain(`SRTP ${suite} (key from the SDP in frame 1): ${n} decrypted`);
      const got = pcmOf(readFileSync(out));
      expect(got.length).toBe(plain.length);
      expect(
        Buffer.from(got.buffer).equals(Buffer.from(plain.buffer, plain.byteOffset, plain.byteLength)),
      ).toBe(true);
      // The trace JSON says so (analyze's media block, the same streamJson).
      const json = await cli(file, { call: 'C1' });
      expect(json.out).toContain('SRTP');
    }
  }, 60_000);

  it('its RTCP is SRTCP: decrypted with the SDP key, the same reports as its plain RTCP', async () => {
    /** The sender figures of ffmpeg's RTCP beside its RTP (the caller's 40001 → the callee's 50001). */
    const senderOf = (
      got: { rtp: Buffer[]; rtcp: Buffer[] },
      sdp: string,
    ): { rtcp: MediaStreamJson['rtcp']; flows: MediaJson['rtcp'] } => {
      const extra = got.rtcp.map((p, i) => ({
        us: 200_000 + i * 500_000,
        bytes: ipFrame({
          src: 0x0a090001,
          dst: 0x0a090002,
          sp: 40001,
          dp: 50001,
          payload: p.toString('latin1'),
        }),
      }));
      const r = ingestBytes(
        srtpCallPcap({
          forward: got.rtp,
          offerExtra: sdp,
          answerExtra: sdp.replace(KEY, OTHER),
          proto: sdp ? 'RTP/SAVP' : 'RTP/AVP',
          extra,
        }),
        'ffmpeg-rtcp.pcap',
      );
      analyzeTrace(r.trace);
      const m = mediaJson(r.trace)!;
      return { rtcp: m.streams[0]!.rtcp, flows: m.rtcp };
    };
    const clear = senderOf(await receivedWithRtcp([...enc, 'rtp://127.0.0.1:PORT']), '');
    // ffmpeg's SR (sent when it starts and as it goes) and BYE: counts of what it sent, its CNAME.
    expect(clear.rtcp?.sender?.srs).toBeGreaterThanOrEqual(1);
    for (const suite of ['AES_CM_128_HMAC_SHA1_80', 'AES_CM_128_HMAC_SHA1_32']) {
      const got = await receivedWithRtcp(srtpTo(suite));
      const x = senderOf(got, `a=crypto:1 ${suite} inline:${KEY}\r\n`);
      expect(x.flows[0]!.srtcp, suite).toEqual({ decrypted: got.rtcp.length, failed: 0 });
      // The same reports but their send times (NTP, the capture's, the first frame's): the run's own.
      const stable = (r: MediaStreamJson['rtcp']): unknown => ({
        srs: r?.sender?.srs,
        cname: r?.sender?.cname,
        packets: r?.sender?.lastSr?.packets,
        octets: r?.sender?.lastSr?.octets,
        bye: r?.sender?.bye !== null,
      });
      expect(stable(x.rtcp), suite).toEqual(stable(clear.rtcp));
      // Without the key (another one in the SDP) nothing is read.
      const wrong = senderOf(got, `a=crypto:1 ${suite} inline:${OTHER}\r\n`);
      expect(wrong.rtcp?.sender ?? null).toBeNull();
      expect(wrong.flows[0]!.srtcp).toEqual({ decrypted: 0, failed: got.rtcp.length });
    }
  }, 60_000);

  it('says why not: a wrong key, DTLS, no a=crypto; a key by hand for a stream without SDP; a bad key', async () => {
    const srtp = await received(srtpTo('AES_CM_128_HMAC_SHA1_80'));
    // The answer's key in the offer: the caller's stream fails authentication, said and not played.
    const wrong = capture(
      srtp,
      `a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${OTHER}\r\n`,
      `a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${KEY}\r\n`,
    );
    let r = await cli(wrong, { stream: '0', wav: join(dir, 'x.wav') });
    expect(r.code).toBe(2);
    expect(r.err).toContain(`SRTP AES_CM_128_HMAC_SHA1_80: no packet decrypted (${n} failed authentication`);
    // The right key by hand wins over the SDP's.
    r = await cli(wrong, {
      stream: '0',
      wav: join(dir, 'y.wav'),
      srtpKey: [`AES_CM_128_HMAC_SHA1_80 inline:${KEY}`],
    });
    expect(r.out).toContain(`SRTP AES_CM_128_HMAC_SHA1_80 (key given): ${n} decrypted`);
    expect(
      Buffer.from(pcmOf(readFileSync(join(dir, 'y.wav'))).buffer).equals(
        Buffer.from(plain.buffer, plain.byteOffset, plain.byteLength),
      ),
    ).toBe(true);
    // DTLS-SRTP.
    const fp = 'a=fingerprint:sha-256 AB:CD:EF\r\na=setup:actpass\r\n';
    const dtls = capture(srtp, fp, fp);
    r = await cli(dtls, {});
    // (no DTLS handshake in the capture: dtls-srtp-openssl.test.ts decrypts one)
    expect(r.out).toContain(
      'DTLS-SRTP: keyed by DTLS (a=fingerprint), but the capture holds no DTLS handshake on this stream’s ports',
    );
    r = await cli(dtls, { stream: '0', wav: join(dir, 'z.wav') });
    expect(r.err).toContain('the capture holds no DTLS handshake on this stream’s ports');
    // RTP/SAVP without a=crypto this way.
    const none = capture(srtp, '', `a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${OTHER}\r\n`);
    expect((await cli(none, {})).out).toContain('no a=crypto for this direction');
    // No SDP at all: --srtp-key N= decrypts it.
    const bare = capture(srtp, '', '', false);
    r = await cli(bare, {
      stream: '0',
      wav: join(dir, 'b.wav'),
      srtpKey: [`0=AES_CM_128_HMAC_SHA1_80 inline:${KEY}`],
    });
    expect(r.out).toContain(`${n} decrypted`);
    // A bad key names what is wrong.
    r = await cli(bare, {
      stream: '0',
      wav: join(dir, 'c.wav'),
      srtpKey: ['AES_CM_128_HMAC_SHA1_80 inline:abc!'],
    });
    expect(r.code).toBe(2);
    expect(r.err).toContain('the SRTP key given for stream 0: the key "abc!" is not base64');
  }, 60_000);

  it.skipIf(!dumpcap)(
    'captured by dumpcap on lo, the SIP sent alongside: the key from the captured INVITE plays the tone',
    async () => {
      const sock = async (): Promise<ReturnType<typeof createSocket>> => {
        const x = createSocket('udp4');
        await new Promise<void>((r) => x.bind(0, '127.0.0.1', () => r()));
        return x;
      };
      const [a, b, media] = await Promise.all([sock(), sock(), sock()]);
      const free = await sock();
      const from = free.address().port; // ffmpeg's local port, announced in the offer
      free.close();
      const [ap, bp, mp] = [a, b, media].map((x) => x.address().port) as [number, number, number];
      const file = join(dir, 'lo.pcapng');
      const cap = await captureLo(
        dumpcap!,
        `udp and (port ${ap} or port ${bp} or port ${mp})`,
        file,
        cleanup,
      );
      const got: Buffer[] = [];
      media.on('message', (m) => void got.push(m));
      const loSdp = (port: number, key: string): string =>
        `v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio ${port} RTP/SAVP 0\r\n` +
        `a=rtpmap:0 PCMU/8000\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${key}\r\na=sendrecv\r\n`;
      const say = (from: typeof a, to: number, text: string): Promise<void> =>
        new Promise((r) => from.send(text.replaceAll('10.9.0.1', '127.0.0.1'), to, '127.0.0.1', () => r()));
      try {
        await say(a, bp, sip('INVITE sip:b@example.com SIP/2.0', '1 INVITE', false, loSdp(from, KEY)));
        await say(b, ap, sip('SIP/2.0 200 OK', '1 INVITE', true, loSdp(mp, OTHER)));
        await say(a, bp, sip('ACK sip:b@example.com SIP/2.0', '1 ACK', true));
        await run(
          ffmpeg!,
          [
            '-hide_banner',
            '-loglevel',
            'error',
            ...enc,
            '-srtp_out_suite',
            'AES_CM_128_HMAC_SHA1_80',
            '-srtp_out_params',
            KEY,
            `srtp://127.0.0.1:${mp}?localport=${from}`,
          ],
          { timeout: 30_000 },
        );
        for (let i = 0; i < 50 && got.length < n; i++) await new Promise((r) => setTimeout(r, 20));
        await say(a, bp, sip('BYE sip:b@example.com SIP/2.0', '2 BYE', true));
        await cap.stop();
      } finally {
        for (const x of [a, b, media]) x.close();
      }
      expect(got.length).toBe(n);
      const list = await cli(file, {});
      expect(list.out).toContain('SRTP, AES_CM_128_HMAC_SHA1_80, keys from the SDP (frame 1)');
      const out = join(dir, 'lo.wav');
      const r = await cli(file, { stream: '0', wav: out });
      expect(r.out).toContain(`: ${n} decrypted`);
      expect(
        Buffer.from(pcmOf(readFileSync(out)).buffer).equals(
          Buffer.from(plain.buffer, plain.byteOffset, plain.byteLength),
        ),
      ).toBe(true);
    },
    60_000,
  );
});
