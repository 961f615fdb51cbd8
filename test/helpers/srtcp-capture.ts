/**
 * Test helper: a call whose both ends send RTCP (SR with a report block about the other's SSRC and
 * SDES CNAME, three times 0.3 s apart, the last with a BYE; the callee's answer the caller's SRs, for a
 * round trip) beside its RTP, over srtp-capture.ts's call (its SDP's profile and a=crypto lines): the
 * RTCP plain, or as a sender protected it (SRTCP). srtcp-reports.test.ts and srtcp-reports.e2e.
 */
import { ipFrame } from './frames';
import { srtpCallPcap } from './srtp-capture';

const ip = (d: number): number => ((10 << 24) | (9 << 16) | d) >>> 0;
const be32 = (n: number): number[] => [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];

/** An SR of `ssrc` (NTP `sec`.`frac`) with one report block on `about`, then SDES CNAME; BYE when `bye`. */
export function compound(
  ssrc: number,
  sec: number,
  frac: number,
  about: number,
  rb: number[],
  bye: boolean,
): Uint8Array {
  const sr = [0x81, 200, 0, 12, ...be32(ssrc), ...be32(sec), ...be32(frac), ...be32(sec * 8000)];
  sr.push(...be32(250), ...be32(40_000), ...be32(about), ...rb);
  const cname = `u${ssrc.toString(16)}@10.9.0.${ssrc === 0x1111 ? 1 : 2}`;
  const chunk = [...be32(ssrc), 1, cname.length, ...Buffer.from(cname), 0];
  while (chunk.length % 4) chunk.push(0);
  const out = [...sr, 0x81, 202, 0, chunk.length / 4, ...chunk];
  if (bye) out.push(0x81, 203, 0, 1, ...be32(ssrc));
  return new Uint8Array(out);
}

/** Report block fields after the SSRC: fraction, cumulative lost, ext. highest seq, jitter, LSR, DLSR. */
export const rb = (
  fraction: number,
  lost: number,
  seq: number,
  jitter: number,
  lsr: number,
  dlsr: number,
): number[] => [
  fraction,
  (lost >> 16) & 0xff,
  (lost >> 8) & 0xff,
  lost & 0xff,
  ...be32(seq),
  ...be32(jitter),
  ...be32(lsr),
  ...be32(dlsr),
];

/** 50 PCMU packets of `ssrc` (plain: the tracker reads only their header, as SRTP leaves it). */
const rtp = (ssrc: number): Uint8Array[] =>
  Array.from({ length: 50 }, (_, i) => {
    const p = new Uint8Array(172 + 10).fill(0xd5);
    const v = new DataView(p.buffer);
    p[0] = 0x80;
    p[1] = 0; // PCMU
    v.setUint16(2, 100 + i);
    v.setUint32(4, i * 160);
    v.setUint32(8, ssrc);
    return p;
  });

/**
 * Each side's RTCP (caller 40001 → 50001, callee back), three compounds each 0.3 s apart: the callee's
 * answer the caller's SRs (LSR = the middle 32 bits of their NTP time, DLSR 0.03 s: 20 ms of round trip).
 */
export function rtcpOf(): { caller: Uint8Array[]; callee: Uint8Array[] } {
  const caller: Uint8Array[] = [];
  const callee: Uint8Array[] = [];
  for (let k = 0; k < 3; k++) {
    const sec = 3_900_000_000 + k;
    caller.push(
      compound(0x1111, sec, 0x40000000, 0x2222, rb(k * 10, k, 100 + k * 15, 20 + k, 0, 0), k === 2),
    );
    const lsr = ((sec & 0xffff) * 0x10000 + 0x4000) >>> 0;
    callee.push(
      compound(0x2222, sec, 0x80000000, 0x1111, rb(k * 5, k * 2, 110 + k * 15, 30 + k, lsr, 1966), k === 2),
    );
  }
  return { caller, callee };
}

/** The capture: the call's SDP (`proto`, each side's a=crypto), its RTP, and the RTCP given. */
export function srtcpCallPcap(
  proto: string,
  callerKey: string | null,
  calleeKey: string | null,
  caller: readonly Uint8Array[],
  callee: readonly Uint8Array[],
): Uint8Array {
  const frame = (us: number, from: 1 | 2, p: Uint8Array): { us: number; bytes: Uint8Array } => ({
    us,
    bytes: ipFrame({
      src: ip(from),
      dst: ip(3 - from),
      sp: from === 1 ? 40001 : 50001,
      dp: from === 1 ? 50001 : 40001,
      payload: Buffer.from(p).toString('latin1'),
    }),
  });
  return srtpCallPcap({
    forward: rtp(0x1111),
    reverse: rtp(0x2222),
    proto,
    offerExtra: callerKey ? `a=crypto:1 ${callerKey}\r\n` : '',
    answerExtra: calleeKey ? `a=crypto:1 ${calleeKey}\r\n` : '',
    extra: [
      ...caller.map((p, k) => frame(300_000 + k * 300_000, 1, p)),
      ...callee.map((p, k) => frame(350_000 + k * 300_000, 2, p)),
    ],
  });
}
