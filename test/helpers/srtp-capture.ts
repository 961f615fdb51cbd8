/**
 * Test helper: a capture of one SIP call (INVITE / 200 / ACK ... BYE over UDP, 10.9.0.1 ⇄ 10.9.0.2)
 * whose SDP says SRTP (RTP/SAVP and what `offerExtra` / `answerExtra` add: a=crypto, a=fingerprint),
 * with the caller's datagrams (port 40000 → 50000) and the callee's (50000 → 40000) every 20 ms — SRTP
 * as a sender protected them (srtp-ffmpeg's from ffmpeg, srtp.e2e's from sipscope's own protectRtp).
 */
import { vi } from 'vitest';
import { rtp } from '../../src/main/cli/commands/rtp';
import { ipFrame } from './frames';
import { timedPcap } from './rtp-capture';
import { SrtpSession, parseSdesCrypto, type SdesCrypto } from '../../src/sip-core/media/srtp';
import { nodeSrtpCrypto } from '../../src/sip-core/media/srtp-crypto.node.js';
import { linearToUlaw } from '../../src/sip-core/media/g711';

const ip = (d: number): number => ((10 << 24) | (9 << 16) | d) >>> 0;

/** One SIP message of the call (Call-ID srtp-1, hosts 10.9.0.1 and 10.9.0.2). */
export function sip(start: string, cseq: string, toTag: boolean, body = ''): string {
  return (
    `${start}\r\nVia: SIP/2.0/UDP 10.9.0.1:5060;branch=z9hG4bK-s-${cseq.replace(' ', '')}\r\n` +
    `From: <sip:a@example.com>;tag=a1\r\nTo: <sip:b@example.com>${toTag ? ';tag=b1' : ''}\r\n` +
    `Call-ID: srtp-1\r\nCSeq: ${cseq}\r\nContact: <sip:a@10.9.0.1>\r\nMax-Forwards: 70\r\n` +
    (body ? 'Content-Type: application/sdp\r\n' : '') +
    `Content-Length: ${body.length}\r\n\r\n${body}`
  );
}

const sdp = (host: number, port: number, extra: string, proto = 'RTP/SAVP'): string =>
  `v=0\r\no=- 1 1 IN IP4 10.9.0.${host}\r\ns=-\r\nc=IN IP4 10.9.0.${host}\r\nt=0 0\r\n` +
  `m=audio ${port} ${proto} 0\r\na=rtpmap:0 PCMU/8000\r\n${extra}a=sendrecv\r\n`;

export interface SrtpCallSpec {
  /** The caller's datagrams (sent to the callee's 50000) and the callee's (to the caller's 40000). */
  forward: readonly Uint8Array[];
  reverse?: readonly Uint8Array[];
  /** SDP lines (CRLF-ended) after the rtpmap: the offer's and the answer's. */
  offerExtra: string;
  answerExtra: string;
  /** The m= lines' transport (default RTP/SAVP; RTP/AVP: best-effort SRTP or plain RTP). */
  proto?: string;
  /** The port the caller's datagrams come from (default 40000, its SDP's: asymmetric RTP/NAT when not). */
  forwardSrcPort?: number;
  /** false: the RTP alone (no SIP: the SDP was missed). Default true. */
  sip?: boolean;
  /** Other frames (with their µs), e.g. a TLS connection the capture cannot decrypt. */
  extra?: readonly { us: number; bytes: Uint8Array }[];
}

/** The classic pcap of the call. */
export function srtpCallPcap(o: SrtpCallSpec): Uint8Array {
  const frames: { us: number; bytes: Uint8Array }[] = [...(o.extra ?? [])];
  const udp = (us: number, s: number, d: number, sp: number, dp: number, payload: string): void =>
    void frames.push({ us, bytes: ipFrame({ src: ip(s), dst: ip(d), sp, dp, payload }) });
  const withSip = o.sip ?? true;
  if (withSip) {
    udp(
      0,
      1,
      2,
      5060,
      5060,
      sip('INVITE sip:b@example.com SIP/2.0', '1 INVITE', false, sdp(1, 40000, o.offerExtra, o.proto)),
    );
    udp(
      100_000,
      2,
      1,
      5060,
      5060,
      sip('SIP/2.0 200 OK', '1 INVITE', true, sdp(2, 50000, o.answerExtra, o.proto)),
    );
    udp(110_000, 1, 2, 5060, 5060, sip('ACK sip:b@example.com SIP/2.0', '1 ACK', true));
  }
  const latin1 = (p: Uint8Array): string => Buffer.from(p).toString('latin1');
  o.forward.forEach((p, i) => udp(200_000 + i * 20_000, 1, 2, o.forwardSrcPort ?? 40000, 50000, latin1(p)));
  (o.reverse ?? []).forEach((p, i) => udp(205_000 + i * 20_000, 2, 1, 50000, 40000, latin1(p)));
  const n = Math.max(o.forward.length, o.reverse?.length ?? 0);
  if (withSip)
    udp(200_000 + n * 20_000 + 50_000, 1, 2, 5060, 5060, sip('BYE sip:b@example.com SIP/2.0', '2 BYE', true));
  return timedPcap(frames);
}

/** `sipscope rtp FILE` with options `o` (timestamp timing unless given): exit code, stdout, stderr. */
export async function rtpCli(
  file: string,
  o: Partial<Parameters<typeof rtp>[1]>,
): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  const errs: string[] = [];
  const spy = vi.spyOn(console, 'error').mockImplementation((m: unknown) => void errs.push(String(m)));
  try {
    const code = await rtp(file, { timing: 'timestamp', ...o }, (s) => void (out += s));
    return { code, out, err: errs.join('\n') };
  } finally {
    spy.mockRestore();
  }
}

/**
 * `n` 20 ms packets of a µ-law tone of `hz` Hz, SSRC `ssrc`, sequence numbers from `seq0`, SRTP as a
 * sender with `crypto` (`SUITE inline:KEY`, as a=crypto writes it) protects them.
 */
export function toneSrtp(crypto: string, hz: number, ssrc: number, seq0 = 1000, n = 100): Uint8Array[] {
  const tx = new SrtpSession(parseSdesCrypto(crypto) as SdesCrypto, nodeSrtpCrypto);
  return Array.from({ length: n }, (_, i) => {
    const p = new Uint8Array(172);
    const v = new DataView(p.buffer);
    p[0] = 0x80;
    v.setUint16(2, (seq0 + i) & 0xffff);
    v.setUint32(4, i * 160);
    v.setUint32(8, ssrc);
    for (let j = 0; j < 160; j++)
      p[12 + j] = linearToUlaw(Math.round(9000 * Math.sin((2 * Math.PI * hz * (i * 160 + j)) / 8000)));
    return tx.protectRtp(p);
  });
}
