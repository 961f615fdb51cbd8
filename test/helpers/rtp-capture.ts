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
