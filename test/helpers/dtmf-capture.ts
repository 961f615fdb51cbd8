/**
 * Test helper: a call (PCMA and telephone-event 101 in both SDPs, 40 PCMA packets each way) whose
 * caller sends RFC 4733 event packets in a stream of their own (SSRC 0x33330001, as SIPp does; the
 * tracker reads events the same way on an audio stream's SSRC: ws__SIP_DTMF2), and whose callee may send SIP INFO
 * `application/dtmf-relay` digits — built in memory (test/helpers/rtp-capture.ts).
 */
import { ipFrame } from './frames';
import { mediaCallFrames, timedPcap } from './rtp-capture';

/** One event packet: µs after the media start (0.2 s after the INVITE), RTP timestamp, payload. */
export interface EventPacket {
  us: number;
  ts: number;
  payload: Buffer;
  marker?: boolean;
}

/** An RFC 4733 §2.3 payload: event, E bit, volume, duration. */
export function eventPayload(code: number, end: boolean, volume: number, duration: number): Buffer {
  const b = Buffer.alloc(4);
  b[0] = code;
  b[1] = (end ? 0x80 : 0) | volume;
  b.writeUInt16BE(duration, 2);
  return b;
}

/** The usual digit: updates every 50 ms, then three end packets at 200 ms (RFC 4733 §2.5.1.4). */
export function digitPackets(code: number, startUs: number, ts: number, volume = 10): EventPacket[] {
  const out: EventPacket[] = [];
  for (let i = 0; i < 4; i++)
    out.push({
      us: startUs + i * 50_000,
      ts,
      payload: eventPayload(code, false, volume, i * 400),
      marker: i === 0,
    });
  for (let k = 0; k < 3; k++)
    out.push({ us: startUs + 200_000 + k * 1000, ts, payload: eventPayload(code, true, volume, 1600) });
  return out;
}

function rtp(seq: number, ts: number, pt: number, marker: boolean, payload: Buffer): string {
  const b = Buffer.alloc(12);
  b[0] = 0x80;
  b[1] = (marker ? 0x80 : 0) | pt;
  b.writeUInt16BE(seq & 0xffff, 2);
  b.writeUInt32BE(ts >>> 0, 4);
  b.writeUInt32BE(0x33330001, 8);
  return Buffer.concat([b, payload]).toString('latin1');
}

/** An in-dialog INFO from the callee (10.9.0.2) with a dtmf-relay body. */
function info(callId: string, cseq: number, digit: string): string {
  const body = `Signal=${digit}\r\nDuration=160\r\n`;
  return (
    `INFO sip:a@10.9.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 10.9.0.2:5060;branch=z9hG4bK-info-${cseq}\r\n` +
    `From: <sip:b@example.com>;tag=b-${callId}\r\nTo: <sip:a@example.com>;tag=a-${callId}\r\n` +
    `Call-ID: ${callId}\r\nCSeq: ${cseq} INFO\r\nMax-Forwards: 70\r\nContent-Type: application/dtmf-relay\r\n` +
    `Content-Length: ${body.length}\r\n\r\n${body}`
  );
}

/**
 * The capture: the caller's `packets` (payload type `pt`, default 101) and the callee's INFO digits
 * (`infos`: µs after the media start and the digit; each sent twice, the second a retransmission).
 * `negotiated` false: neither SDP offers telephone-event (PCMA and PCMU only).
 */
export function dtmfCapture(
  packets: readonly EventPacket[],
  infos: readonly { us: number; digit: string }[] = [],
  pt = 101,
  negotiated = true,
): Uint8Array {
  const frames = mediaCallFrames({
    ...(negotiated && { dynamic: [101, 'telephone-event/8000'] as [number, string] }),
    forward: { packets: 40 },
    reverse: { packets: 40 },
    holdUs: 200_000 + Math.max(0, ...packets.map((p) => p.us), ...infos.map((i) => i.us)) + 100_000,
  });
  packets.forEach((p, i) =>
    frames.push({
      us: 200_000 + p.us,
      bytes: ipFrame({
        src: 0x0a090001,
        dst: 0x0a090002,
        sp: 40000,
        dp: 50000,
        payload: rtp(5000 + i, p.ts, pt, p.marker ?? false, p.payload),
      }),
    }),
  );
  infos.forEach((x, i) => {
    for (const again of [0, 500])
      frames.push({
        us: 200_000 + x.us + again,
        bytes: ipFrame({
          src: 0x0a090002,
          dst: 0x0a090001,
          sp: 5060,
          dp: 5060,
          payload: info('call-1', 10 + i, x.digit),
        }),
      });
  });
  return timedPcap(frames);
}
