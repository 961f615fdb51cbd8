/**
 * The media fixtures: calls with SDP and RTP built in memory (test/helpers/rtp-capture.ts), each
 * named for what it shows. Shared by the rules test and the tshark agreement test.
 */
import { mediaCallWithRtcp, mediaCapture, timedPcap, type MediaCallSpec } from '../../helpers/rtp-capture';
import { digitPackets, dtmfCapture } from '../../helpers/dtmf-capture';

/** Deterministic arrival noise (µs), up to ±`amp`. */
const noise =
  (amp: number) =>
  (i: number): number =>
    ((i * 7919) % (2 * amp + 1)) - amp;

const both = (n: number): Pick<MediaCallSpec, 'forward' | 'reverse'> => ({
  forward: { packets: n, skewUs: noise(400) },
  reverse: { packets: n, skewUs: noise(900) },
});

/** A second call of the same caller, 3 s later, to another callee, without RTP (`extra` on top). */
const secondCall = (extra: Partial<MediaCallSpec> = {}): MediaCallSpec => ({
  callId: 'call-2',
  callee: 3,
  callerPort: 40002,
  calleePort: 50002,
  startUs: 3_000_000,
  ...extra,
});

export const MEDIA_FIXTURES: Record<string, () => Uint8Array> = {
  /** Both ways, sendrecv, no loss: every media rule silent. */
  'clean-two-way': () => mediaCapture({ ...both(150) }),
  /** recvonly offer, sendonly answer, RTP callee → caller only: one way as agreed, silent. */
  'clean-sendonly': () =>
    mediaCapture({ offerDirection: 'recvonly', answerDirection: 'sendonly', reverse: { packets: 120 } }),
  /** Sequence numbers and timestamps wrap (65,500 → 64), opus at 48 kHz (dynamic PT 111). */
  'clean-wrap-opus': () =>
    mediaCapture({
      dynamic: [111, 'opus/48000/2'],
      forward: { packets: 100, seq: 65_500, ts: 0xffff_0000, pt: 111, step: 960, skewUs: noise(300) },
      reverse: { packets: 100, seq: 65_530, pt: 111, step: 960, skewUs: noise(700) },
    }),
  /** A re-INVITE moves the callee's port after 60 packets: the caller's stream to the new port joins the call. */
  'clean-retarget': () => mediaCapture({ ...both(120), retarget: { afterPacket: 60, calleePort: 50100 } }),
  /** Answered sendrecv, RTP caller → callee only: one-way-media. */
  'one-way': () => mediaCapture({ forward: { packets: 150, skewUs: noise(400) } }),
  /** Callee → caller loses every 5th packet (20%): media-loss. */
  loss: () =>
    mediaCapture({
      forward: { packets: 150 },
      reverse: { packets: 150, drop: (i) => i > 0 && i % 5 === 0, skewUs: noise(900) },
    }),
  /** Callee sends to the caller's port + 10 (a NAT binding): media-to-unannounced-address. */
  nat: () => mediaCapture({ forward: { packets: 100 }, reverse: { packets: 100, dstPort: 40010 } }),
  /** As `no-media`, but the second call is on hold both ways (a=inactive): no media expected, silent. */
  'clean-held-no-media': () =>
    mediaCapture(
      { ...both(100), callId: 'call-1' },
      secondCall({ holdUs: 6_000_000, offerDirection: 'inactive', answerDirection: 'inactive' }),
    ),
  /** As `no-media`, but the second call hangs up 0.3 s after the INVITE: too short for media, silent. */
  'clean-short-no-media': () => mediaCapture({ ...both(100), callId: 'call-1' }, secondCall()),
  /** Two calls of one caller: the first has RTP both ways, the second none: no-media on the second. */
  'no-media': () => mediaCapture({ ...both(100), callId: 'call-1' }, secondCall({ holdUs: 6_000_000 })),
  /**
   * RTCP both ways on port + 1 (SR with a report block, SDES CNAME, BYE with a reason at the end; an
   * RFC 3611 VoIP metrics block from the callee), 20 ms each way to the callee: RTT 40 ms. Silent.
   */
  'clean-rtcp': () =>
    timedPcap(mediaCallWithRtcp({ ...both(200) }, { delayUs: 20_000, xr: true, byeReason: 'call ended' })),
  /** RTCP on the RTP ports (RFC 5761), the callee losing every 50th packet (2%): silent. */
  'clean-rtcp-mux': () =>
    timedPcap(
      mediaCallWithRtcp(
        { forward: { packets: 200 }, reverse: { packets: 200, drop: (i) => i % 50 === 25 } },
        { mux: true, delayUs: 5_000, byeReason: null },
      ),
    ),
  /** The caller presses 1 2 as RFC 4733 events on PT 101, which both SDPs map to telephone-event: silent. */
  'clean-dtmf': () => dtmfCapture([...digitPackets(1, 0, 8000), ...digitPackets(2, 400_000, 11200)]),
  /** The same events, but neither SDP offers telephone-event (PCMA and PCMU only): dtmf-not-negotiated. */
  'dtmf-not-negotiated': () =>
    dtmfCapture([...digitPackets(1, 0, 8000), ...digitPackets(2, 400_000, 11200)], [], 101, false),
  /** No loss, but 700 ms each way (RTCP round trip 1.4 s): E-model MOS 2.8, poor-call-quality. */
  'poor-quality-delay': () => timedPcap(mediaCallWithRtcp({ ...both(200) }, { delayUs: 700_000 })),
};
