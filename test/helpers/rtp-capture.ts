/**
 * Test helper: a classic pcap (Ethernet, µs) of SIP calls with SDP and the RTP streams beside them,
 * built in memory with chosen times, sequence numbers, loss and destinations — the media fixtures
 * (no capture file is committed).
 */
import { ipFrame, pcapHeader } from './frames';

export interface RtpFlowSpec {
  packets: number;
  /** First sequence number (default 1000) and timestamp (default 160000). */
  seq?: number;
  ts?: number;
  ssrc?: number;
  pt?: number;
  /** Samples per packet (default 160: 20 ms at 8 kHz). */
  step?: number;
  /** Packet interval in µs (default 20,000). */
  intervalUs?: number;
  /** Per packet i: extra µs added to its arrival (jitter). */
  skewUs?: (i: number) => number;
  /** Packets not sent (by index). */
  drop?: (i: number) => boolean;
  /** Send to this port instead of the one the other side announced (NAT). */
  dstPort?: number;
}

export interface MediaCallSpec {
  /** Caller and callee addresses (10.9.0.x) and their RTP ports. */
  caller?: number;
  callee?: number;
  callerPort?: number;
  calleePort?: number;
  callId?: string;
  /** µs after the capture start for the INVITE (default 0). */
  startUs?: number;
  /** Caller → callee and callee → caller RTP (none when absent). */
  forward?: RtpFlowSpec;
  reverse?: RtpFlowSpec;
  /** a= direction of the offer and the answer (default sendrecv). */
  offerDirection?: string;
  answerDirection?: string;
  /** Dynamic payload type and its rtpmap in both SDPs (e.g. [111, 'opus/48000/2']). */
  dynamic?: [number, string];
  /** Call length in µs from the 200 to the BYE (default: after the last packet). */
  holdUs?: number;
  /**
   * A re-INVITE after forward packet `afterPacket`: the callee's new answer gives `calleePort`, and
   * the caller's packets from then on go there (RFC 3264 §8: a new offer/answer retargets the media).
   */
  retarget?: { afterPacket: number; calleePort: number };
}

const ip = (d: number): number => ((10 << 24) | (9 << 16) | d) >>> 0;
const dotted = (d: number): string => `10.9.0.${d}`;

function sdp(addr: number, port: number, dir: string, dynamic?: [number, string]): string {
  const pts = dynamic ? `8 ${dynamic[0]}` : '8 0';
  const maps = dynamic
    ? `a=rtpmap:8 PCMA/8000\r\na=rtpmap:${dynamic[0]} ${dynamic[1]}\r\n`
    : 'a=rtpmap:8 PCMA/8000\r\n';
  return (
    `v=0\r\no=- 1 1 IN IP4 ${dotted(addr)}\r\ns=-\r\nc=IN IP4 ${dotted(addr)}\r\nt=0 0\r\n` +
    `m=audio ${port} RTP/AVP ${pts}\r\n${maps}a=${dir}\r\n`
  );
}

function sip(start: string, callId: string, cseq: string, toTag: boolean, body = ''): string {
  return (
    `${start}\r\nVia: SIP/2.0/UDP 10.9.0.1:5060;branch=z9hG4bK-${callId}-${cseq.replace(' ', '')}\r\n` +
    `From: <sip:a@example.com>;tag=a-${callId}\r\nTo: <sip:b@example.com>${toTag ? `;tag=b-${callId}` : ''}\r\n` +
    `Call-ID: ${callId}\r\nCSeq: ${cseq}\r\nContact: <sip:x@10.9.0.1>\r\nMax-Forwards: 70\r\n` +
    (body ? 'Content-Type: application/sdp\r\n' : '') +
    `Content-Length: ${body.length}\r\n\r\n${body}`
  );
}

function rtpPayload(seq: number, ts: number, ssrc: number, pt: number, marker: boolean): string {
  const b = Buffer.alloc(12 + 160, 0xd5);
  b[0] = 0x80;
  b[1] = (marker ? 0x80 : 0) | pt;
  b.writeUInt16BE(seq & 0xffff, 2);
  b.writeUInt32BE(ts >>> 0, 4);
  b.writeUInt32BE(ssrc >>> 0, 8);
  return b.toString('latin1');
}

interface TimedFrame {
  us: number;
  bytes: Uint8Array;
}

/** The frames of one call (SIP and RTP), with their times. */
export function mediaCallFrames(o: MediaCallSpec): TimedFrame[] {
  const a = o.caller ?? 1;
  const b = o.callee ?? 2;
  const ap = o.callerPort ?? 40000;
  const bp = o.calleePort ?? 50000;
  const id = o.callId ?? 'call-1';
  const t0 = o.startUs ?? 0;
  const out: TimedFrame[] = [];
  const udp = (us: number, s: number, d: number, sp: number, dp: number, payload: string): void => {
    out.push({ us, bytes: ipFrame({ src: ip(s), dst: ip(d), sp, dp, payload }) });
  };
  const offer = sdp(a, ap, o.offerDirection ?? 'sendrecv', o.dynamic);
  const answer = sdp(b, bp, o.answerDirection ?? 'sendrecv', o.dynamic);
  udp(t0, a, b, 5060, 5060, sip('INVITE sip:b@example.com SIP/2.0', id, '1 INVITE', false, offer));
  udp(t0 + 100_000, b, a, 5060, 5060, sip('SIP/2.0 200 OK', id, '1 INVITE', true, answer));
  udp(t0 + 110_000, a, b, 5060, 5060, sip('ACK sip:b@example.com SIP/2.0', id, '1 ACK', true));
  const mediaStart = t0 + 200_000;
  let last = mediaStart;
  const rt = o.retarget;
  const flow = (
    f: RtpFlowSpec | undefined,
    s: number,
    d: number,
    sp: number,
    dp: number,
    ssrc0: number,
    moved = false,
  ): void => {
    if (!f) return;
    const step = f.step ?? 160;
    const iv = f.intervalUs ?? 20_000;
    for (let i = 0; i < f.packets; i++) {
      if (f.drop?.(i)) continue;
      const us = mediaStart + i * iv + (f.skewUs?.(i) ?? 0);
      last = Math.max(last, us);
      const pt = f.pt ?? 8;
      const to = moved && rt && i > rt.afterPacket ? rt.calleePort : (f.dstPort ?? dp);
      udp(
        us,
        s,
        d,
        sp,
        to,
        rtpPayload((f.seq ?? 1000) + i, (f.ts ?? 160000) + i * step, f.ssrc ?? ssrc0, pt, i === 0),
      );
    }
  };
  if (rt) {
    const at = mediaStart + rt.afterPacket * (o.forward?.intervalUs ?? 20_000) + 5_000;
    const again = sdp(b, rt.calleePort, o.answerDirection ?? 'sendrecv', o.dynamic);
    udp(at, a, b, 5060, 5060, sip('INVITE sip:b@example.com SIP/2.0', id, '2 INVITE', true, offer));
    udp(at + 2_000, b, a, 5060, 5060, sip('SIP/2.0 200 OK', id, '2 INVITE', true, again));
    udp(at + 4_000, a, b, 5060, 5060, sip('ACK sip:b@example.com SIP/2.0', id, '2 ACK', true));
  }
  flow(o.forward, a, b, ap, bp, 0x11110000 + a, true);
  flow(o.reverse, b, a, bp, ap, 0x22220000 + b);
  const bye = Math.max(last + 50_000, t0 + (o.holdUs ?? 0));
  udp(bye, a, b, 5060, 5060, sip('BYE sip:b@example.com SIP/2.0', id, '3 BYE', true));
  udp(bye + 10_000, b, a, 5060, 5060, sip('SIP/2.0 200 OK', id, '3 BYE', true));
  return out;
}

/** A classic pcap (Ethernet, µs) of frames sorted by time (stable), starting at 1,700,000,000 s. */
export function timedPcap(frames: readonly TimedFrame[]): Uint8Array {
  const sorted = frames.map((f, i) => ({ ...f, i })).sort((x, y) => x.us - y.us || x.i - y.i);
  const parts: Buffer[] = [pcapHeader()];
  for (const f of sorted) {
    const r = Buffer.alloc(16);
    const us = 1_700_000_000_000_000 + f.us;
    r.writeUInt32LE(Math.floor(us / 1e6), 0);
    r.writeUInt32LE(us % 1e6, 4);
    r.writeUInt32LE(f.bytes.length, 8);
    r.writeUInt32LE(f.bytes.length, 12);
    parts.push(r, Buffer.from(f.bytes));
  }
  return new Uint8Array(Buffer.concat(parts));
}

/** A capture of these calls. */
export function mediaCapture(...calls: MediaCallSpec[]): Uint8Array {
  return timedPcap(calls.flatMap((c) => mediaCallFrames(c)));
}

/** RTCP beside a call's RTP (RFC 3550 §6.4): each side's SR, RR about the other's stream, SDES, BYE. */
export interface RtcpSpec {
  /** Report interval in µs (default 1,000,000); the callee reports `offsetUs` (default 300,000) later. */
  intervalUs?: number;
  offsetUs?: number;
  /** Network delay each way between the capture point (at the caller) and the callee, µs (default 0): RTT 2×. */
  delayUs?: number;
  /** CNAMEs (default `caller@10.9.0.a`, `callee@10.9.0.b`) and the BYE reason (default `bye`; null: none). */
  callerCname?: string;
  calleeCname?: string;
  byeReason?: string | null;
  /** RFC 5761: RTCP on the RTP ports (default: port + 1). */
  mux?: boolean;
  /** Add an RFC 3611 VoIP metrics block (R 80, MOS-LQ 4.1) to the callee's reports. */
  xr?: boolean;
  /** Interarrival jitter each side reports, in timestamp units (default 40). */
  jitter?: number;
}

/** NTP timestamp (seconds since 1900, 32-bit fraction) of a capture time in µs after the start. */
function ntpOf(us: number): [number, number] {
  const t = 1_700_000_000 + 2_208_988_800 + us / 1e6;
  const sec = Math.floor(t);
  return [sec >>> 0, Math.floor((t - sec) * 2 ** 32) >>> 0];
}

/**
 * The frames of one call with RTCP (`mediaCallFrames` and each side's reports). The capture point is
 * at the caller: the callee's packets are captured `delayUs` after it sends them, and it receives the
 * caller's `delayUs` after they are captured, so the round trip is 2 × `delayUs`.
 */
export function mediaCallWithRtcp(o: MediaCallSpec, r: RtcpSpec = {}): TimedFrame[] {
  const frames = mediaCallFrames(o);
  const a = o.caller ?? 1;
  const b = o.callee ?? 2;
  const ap = o.callerPort ?? 40000;
  const bp = o.calleePort ?? 50000;
  const t0 = (o.startUs ?? 0) + 200_000;
  const iv = r.intervalUs ?? 1_000_000;
  const off = r.offsetUs ?? 300_000;
  const d = r.delayUs ?? 0;
  const jitter = r.jitter ?? 40;
  const port = (p: number): number => (r.mux ? p : p + 1);
  const side = (f: RtpFlowSpec | undefined, ssrc0: number) => {
    const n = f?.packets ?? 0;
    const iv2 = f?.intervalUs ?? 20_000;
    return {
      ssrc: f?.ssrc ?? ssrc0,
      seq: f?.seq ?? 1000,
      /** Packets sent up to `us` (sender's clock) and received of them (drops counted). */
      sent: (us: number): number => Math.max(0, Math.min(n, Math.floor((us - t0) / iv2) + 1)),
      lost: (upto: number): number => {
        let l = 0;
        for (let i = 0; i < upto; i++) if (f?.drop?.(i)) l++;
        return l;
      },
      n,
      end: t0 + n * iv2,
    };
  };
  const A = side(o.forward, 0x11110000 + a);
  const B = side(o.reverse, 0x22220000 + b);
  const out: TimedFrame[] = [...frames];
  const udp = (us: number, s: number, dd: number, sp: number, dp: number, payload: Buffer): void => {
    out.push({
      us,
      bytes: ipFrame({ src: ip(s), dst: ip(dd), sp, dp, payload: payload.toString('latin1') }),
    });
  };
  /** SRs each side sent: [NTP middle 32 bits, time it reached the other side (µs)]. */
  const srs: Record<'a' | 'b', [number, number][]> = { a: [], b: [] };
  const report = (
    who: 'a' | 'b',
    sendUs: number,
    me: ReturnType<typeof side>,
    peer: ReturnType<typeof side>,
    bye: boolean,
  ): Buffer => {
    const parts: Buffer[] = [];
    const sending = me.n > 0;
    const peerSent = peer.sent(sendUs - d);
    const blocks = peer.n > 0 && peerSent > 0 ? 1 : 0;
    const hdr = Buffer.alloc(sending ? 28 : 8);
    hdr[0] = 0x80 | blocks;
    hdr[1] = sending ? 200 : 201;
    hdr.writeUInt32BE(me.ssrc >>> 0, 4);
    if (sending) {
      const [sec, frac] = ntpOf(sendUs);
      hdr.writeUInt32BE(sec, 8);
      hdr.writeUInt32BE(frac, 12);
      const k = me.sent(sendUs);
      hdr.writeUInt32BE((160000 + k * 160) >>> 0, 16);
      hdr.writeUInt32BE(k, 20);
      hdr.writeUInt32BE(k * 160, 24);
      srs[who].push([(((sec & 0xffff) << 16) | (frac >>> 16)) >>> 0, sendUs + d]);
    }
    parts.push(hdr);
    if (blocks) {
      const blk = Buffer.alloc(24);
      const lost = peer.lost(peerSent);
      blk.writeUInt32BE(peer.ssrc >>> 0, 0);
      blk[4] = Math.min(255, Math.floor((lost * 256) / Math.max(1, peerSent)));
      blk.writeIntBE(lost, 5, 3);
      blk.writeUInt32BE((peer.seq + peerSent - 1) >>> 0, 8);
      blk.writeUInt32BE(jitter, 12);
      // The last SR of the peer that has reached this side (§6.4.1: LSR 0 when none has).
      const sr = srs[who === 'a' ? 'b' : 'a'].filter((x) => x[1] <= sendUs).at(-1);
      if (sr) {
        blk.writeUInt32BE(sr[0], 16);
        blk.writeUInt32BE(Math.round(((sendUs - sr[1]) * 65536) / 1e6) >>> 0, 20);
      }
      parts.push(blk);
    }
    (parts[0] as Buffer).writeUInt16BE(parts.reduce((x, p) => x + p.length, 0) / 4 - 1, 2);
    const cname = Buffer.from(
      who === 'a' ? (r.callerCname ?? `caller@10.9.0.${a}`) : (r.calleeCname ?? `callee@10.9.0.${b}`),
      'latin1',
    );
    const sdesLen = Math.ceil((4 + 4 + 2 + cname.length + 1) / 4) * 4;
    const sdes = Buffer.alloc(sdesLen);
    sdes[0] = 0x81;
    sdes[1] = 202;
    sdes.writeUInt16BE(sdesLen / 4 - 1, 2);
    sdes.writeUInt32BE(me.ssrc >>> 0, 4);
    sdes[8] = 1;
    sdes[9] = cname.length;
    cname.copy(sdes, 10);
    parts.push(sdes);
    if (who === 'b' && r.xr && peer.n > 0) {
      const xr = Buffer.alloc(8 + 36);
      xr[0] = 0x80;
      xr[1] = 207;
      xr.writeUInt16BE(xr.length / 4 - 1, 2);
      xr.writeUInt32BE(me.ssrc >>> 0, 4);
      xr[8] = 7;
      xr.writeUInt16BE(8, 10);
      xr.writeUInt32BE(peer.ssrc >>> 0, 12);
      xr[16] = 3; // loss rate 3/256
      xr.writeUInt16BE(2 * Math.round(d / 1000), 24); // round trip delay, ms
      xr[32] = 80; // R factor
      xr[33] = 127; // external R: unavailable
      xr[34] = 41; // MOS-LQ 4.1
      xr[35] = 40; // MOS-CQ 4.0
      parts.push(xr);
    }
    if (bye) {
      const reason = r.byeReason === undefined ? 'bye' : r.byeReason;
      const rb = reason === null ? Buffer.alloc(0) : Buffer.from(reason, 'latin1');
      const len = Math.ceil((8 + (reason === null ? 0 : 1 + rb.length)) / 4) * 4;
      const p = Buffer.alloc(len);
      p[0] = 0x81;
      p[1] = 203;
      p.writeUInt16BE(len / 4 - 1, 2);
      p.writeUInt32BE(me.ssrc >>> 0, 4);
      if (reason !== null) {
        p[8] = rb.length;
        rb.copy(p, 9);
      }
      parts.push(p);
    }
    return Buffer.concat(parts);
  };
  const last = Math.max(A.end, B.end);
  const events: { us: number; who: 'a' | 'b' }[] = [];
  for (let t = t0 + iv; t < last; t += iv) events.push({ us: t, who: 'a' }, { us: t + off, who: 'b' });
  events.push({ us: last + 10_000, who: 'a' }, { us: last + 20_000, who: 'b' });
  events.sort((x, y) => x.us - y.us);
  const byeAt = { a: last + 10_000, b: last + 20_000 };
  for (const e of events) {
    const bye = e.us === byeAt[e.who];
    if (e.who === 'a') udp(e.us, a, b, port(ap), port(bp), report('a', e.us, A, B, bye));
    else udp(e.us + d, b, a, port(bp), port(ap), report('b', e.us, B, A, bye));
  }
  return out;
}
