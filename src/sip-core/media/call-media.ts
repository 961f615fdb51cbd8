/**
 * RTP streams joined to calls through their SDP offers and answers (RFC 3264), and the media rules.
 *
 * Each SDP body of a call's messages announces, per m= line, where its sender wants to receive
 * (c= address, m= port; RFC 3264 §5.1, §6.1) and what its payload type numbers mean (rtpmap). A
 * stream belongs to the call whose SDP announced its destination address:port at or before its first
 * packet (the latest such announcement: a re-INVITE retargets); failing that, the call whose SDP
 * announced its *source* address:port (symmetric RTP, RFC 4961: the sender sends from where it
 * receives) — then the stream went to an address the other side did not give
 * (`media-to-unannounced-address`). Streams no SDP announced are listed apart (`call: null`, flagged):
 * tshark does not count them (it decodes RTP only on conversations an SDP set up).
 * @remarks Runs only when the capture holds RTP; it parses the call's SDP bodies (a few per call).
 */
import type { Trace } from '../trace/trace';
import { carriesSdp } from '../message/sip-message';
import type { AnalysisDiagnostic, AnalysisRule } from '../analysis/rules';
import { isPrivateAddress, isPublicAddress } from '../analysis/address';
import { jitterFor, staticClockRate, type RtcpFlowRecord, type RtpStreamRecord } from './rtp-streams';
import type { MediaStreamRtcp } from '../../shared/media-stream';
import { POOR_MOS, streamQuality, type StreamQuality } from './quality';
import { eventName, telephoneEvents } from './rtp-event';
import type { MediaStreamEvents } from '../../shared/dtmf';
import { streamSrtpKeys, type StreamSrtpKeys } from './srtp-keys';
import { decryptSrtcpFlows, type SrtcpCounts, type SrtcpStreamKeys } from './srtcp-reports';
import { srtpCrypto } from './srtp';
import { dtlsStreamKeys } from './dtls-srtp';

/** Names of the static payload types (RFC 3551 §6), as tshark prints them. */
const STATIC_NAMES: Record<number, string> = {
  0: 'g711U',
  3: 'GSM',
  4: 'g723',
  5: 'DVI4',
  6: 'DVI4',
  7: 'LPC',
  8: 'g711A',
  9: 'g722',
  10: 'L16',
  11: 'L16',
  12: 'QCELP',
  13: 'CN',
  14: 'MPA',
  15: 'g728',
  18: 'g729',
  19: 'CN',
  25: 'CelB',
  26: 'JPEG',
  28: 'nv',
  31: 'h261',
  32: 'MPV',
  33: 'MP2T',
  34: 'h263',
};

/** One m= line of one SDP body, as its sender announced it. */
export interface MediaAnnouncement {
  call: string;
  messageId: number;
  timeUs: number;
  /** The SDP's sender is the call's caller (the side that sent its first INVITE, on that leg). */
  fromCaller: boolean;
  address: string;
  port: number;
  type: string;
  direction: 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';
  /** rtpmap: payload type → encoding name and clock rate. */
  rtpmap: Map<number, { name: string; rate: number }>;
  /** The m= line's transport, a=crypto values, a=fingerprint (SRTP keying: srtp-keys.ts). */
  proto: string;
  crypto: string[];
  fingerprint: boolean;
}

/** A stream as the analysis reports it: the capture's record, joined to its call. */
export interface MediaStream {
  /** Index in the capture's stream list (stable within a trace). */
  index: number;
  record: RtpStreamRecord;
  /** The call it belongs to (null: no SDP announced either end). */
  call: string | null;
  /** Caller → callee, callee → caller (null without a call). */
  direction: 'forward' | 'reverse' | null;
  /** Its destination is what the receiving side's SDP announced (false: matched by its source). */
  announced: boolean;
  /** The SDP message that announced the matched end. */
  sdpMessage: number | null;
  /** Codec name per payload type (rtpmap, else the static table, else `PT n`). */
  codecs: string[];
  /** Jitter (ms) for the clock rates the SDP gives (see rtp-streams.ts `jitterFor`). */
  jitter: { min: number; mean: number; max: number };
  /** Lost fraction of the expected packets (0..1; 0 when nothing expected). */
  lossFraction: number;
  /** Clock rate of its first payload type (0: unknown). */
  clockRate: number;
  /** What its sender and receiver said in RTCP (null: nothing). */
  rtcp: MediaStreamRtcp | null;
  /** The E-model estimate (null: codec not in the table). */
  quality: StreamQuality | null;
  /** RFC 4733 events of its telephone-event payload type (the rtpmap's), null when none. */
  events: MediaStreamEvents | null;
  /** SRTP: its keys from its sender's SDP, or why none (null: plain RTP). Since session 25. */
  srtp: StreamSrtpKeys | null;
}

/**
 * `two-way`/`one-way`: streams of the call flowed both ways / one way; `no-media`: answered with SDP
 * both ways, and the capture holds RTP of the call's media hosts but none of this call;
 * `not-captured`: the same without any RTP of its hosts (the capture point does not see its media);
 * `not-expected`: not answered, or no offer/answer.
 */
export type MediaVerdict = 'two-way' | 'one-way' | 'no-media' | 'not-captured' | 'not-expected';

export interface CallMedia {
  call: string;
  verdict: MediaVerdict;
  /** Stream indexes (into `MediaAnalysis.streams`). */
  streams: number[];
}

export interface MediaAnalysis {
  streams: MediaStream[];
  calls: Map<string, CallMedia>;
  diagnostics: AnalysisDiagnostic[];
  /**
   * The capture's RTCP flows with their SRTCP decrypted by the streams' SDP keys (srtcp-reports.ts),
   * and per flow index what decrypted; absent when none was. Since session 26.
   */
  srtcp?: { flows: readonly RtcpFlowRecord[]; counts: Map<number, SrtcpCounts> };
}

/** What the media analysis needs of the calls (TraceAnalyzer's or the app's tiered analysis). */
export interface MediaCallSource {
  calls: readonly { id: string; type: string; state: string; start: number; end: number }[];
  messageIds(call: string): readonly number[];
}

/**
 * The media rules (docs/diagnostics.md, "Media rules"): stable codes, severity, the RFC section. They
 * run only on captures that hold RTP (a SIP-only capture says nothing about media).
 */
export const MEDIA_RULES: readonly AnalysisRule[] = [
  {
    code: 'one-way-media',
    severity: 'warning',
    rfc: '3264 §6.1',
    title: 'One-way media',
    description:
      'An answered call whose offer and answer are both sendrecv (RFC 3264 §5.1, §6.1: each side sends to the address the other announced) has RTP in one direction only: the classic one-way audio (NAT, firewall, a wrong c= address). RTP sent from a public address to a private one (RFC 1918, RFC 6598, IPv6 ULA) counts as not arriving: no router of the internet carries it there — the other side announced its address behind a NAT, the fix is symmetric RTP (RFC 4961) with a media relay or ICE (RFC 8445). Not reported when a stream of the call went to an address no SDP gave (then media-to-unannounced-address says so).',
  },
  {
    code: 'media-loss',
    severity: 'warning',
    rfc: '3550 §6.4.1',
    title: 'RTP packet loss',
    description:
      'A stream lost more than 5% of the packets its sequence numbers say were sent (expected − received, RFC 3550 §6.4.1, §A.3), and at least 10: G.711 with packet loss concealment degrades audibly from a few percent (ITU-T G.113 Appendix I), so 5% is a loss the listener hears, above the noise of a capture that missed a packet or two.',
  },
  {
    code: 'no-media',
    severity: 'warning',
    rfc: '3264 §6.1',
    title: 'Answered call without media',
    description:
      'An answered call with SDP both ways, lasting at least 2 s and not on hold, has no RTP stream to or from the addresses its SDP announced, while the capture holds RTP of the same media hosts (so the capture point sees them: a SIP-only capture, or one that misses the hosts, says nothing).',
  },
  {
    code: 'poor-call-quality',
    severity: 'warning',
    rfc: '3550 §6.4.1',
    title: 'Poor call quality (MOS below 3.1)',
    description:
      "The worse direction of an answered call has an estimated MOS below 3.1, i.e. R below 60 (ITU-T G.107 E-model, simplified: the codec's Ie and Bpl from G.113 Appendix I, the stream's packet loss and burstiness, the one-way delay from the RTCP round trips, RFC 3550 §6.4.1; src/sip-core/media/README.md). R 50–60 is G.109's 'poor' category, 'nearly all users dissatisfied' (G.107 Annex B): a call the listener complains about. Streams of fewer than 50 expected packets and codecs not in the table are not rated.",
  },
  {
    code: 'media-to-unannounced-address',
    severity: 'warning',
    rfc: '3264 §5.1',
    title: 'RTP sent to an address the SDP did not give',
    description:
      "A stream leaves from the address:port its sender's SDP announced but goes to an address:port the other side's SDP did not announce (RFC 3264 §5.1: media goes to the address in the other side's SDP). Usually NAT: the sender learned the peer's public binding (symmetric RTP, RFC 4961) or a media relay rewrote one side.",
  },
  {
    code: 'dtmf-not-negotiated',
    severity: 'warning',
    rfc: '4733 §2.1',
    title: 'DTMF sent as RTP events the receiver did not accept',
    description:
      "A stream carries RFC 4733 events (4-octet payloads that form whole digits with their end packets) on a dynamic payload type the receiver's SDP does not map at all: telephone-event has no static payload type and is used only as the offer/answer bound it (RFC 4733 §2.1, §2.4.1; RFC 3264 §5.1). The receiver drops or misplays those packets: the IVR or voicemail does not get the digits. Send them by SIP INFO (RFC 6086) or in-band instead, or make the receiver offer telephone-event.",
  },
];

export const MEDIA_RULES_BY_CODE: ReadonlyMap<string, AnalysisRule> = new Map(
  MEDIA_RULES.map((r) => [r.code, r]),
);

/** A stream's loss above this fraction of the expected packets (and ≥ {@link LOSS_MIN_PACKETS}) is reported. */
export const LOSS_THRESHOLD = 0.05;
export const LOSS_MIN_PACKETS = 10;
/** A stream with fewer expected packets (1 s of 20 ms packets) is not rated by poor-call-quality. */
export const QUALITY_MIN_PACKETS = 50;
/** A call shorter than this (INVITE to its last message, s) is not expected to show media. */
const NO_MEDIA_MIN_SECONDS = 2;
/** A stream with fewer packets does not count as media flowing (a few stray packets, a probe). */
const MIN_FLOWING = 2;

/** RTP from a public address to a private one (RFC 1918, RFC 6598, ULA): no internet router delivers it. */
function unroutable(r: RtpStreamRecord): boolean {
  return isPublicAddress(r.src) && isPrivateAddress(r.dst);
}

type Direction = MediaAnnouncement['direction'];

/** Parses the m= lines of an SDP body (never throws). */
export function sdpAnnouncements(body: string): {
  address: string;
  port: number;
  type: string;
  direction: Direction;
  rtpmap: Map<number, { name: string; rate: number }>;
  proto: string;
  crypto: string[];
  fingerprint: boolean;
}[] {
  const out: ReturnType<typeof sdpAnnouncements> = [];
  let sessionAddr = '';
  let sessionDir: Direction = 'sendrecv';
  let sessionFingerprint = false;
  let cur: (ReturnType<typeof sdpAnnouncements>[number] & { dirSet: boolean }) | null = null;
  const close = (): void => {
    if (cur) {
      if (!cur.dirSet) cur.direction = sessionDir;
      if (!cur.address) cur.address = sessionAddr;
      if (sessionFingerprint) cur.fingerprint = true;
      const { dirSet: _unused, ...a } = cur;
      void _unused;
      out.push(a);
    }
  };
  for (const raw of body.split('\n')) {
    const line = raw.trim();
    if (line.length < 2 || line[1] !== '=') continue;
    const v = line.slice(2);
    switch (line[0]) {
      case 'c': {
        // c=IN IP4 <address>[/ttl]
        const addr = (v.split(/\s+/)[2] ?? '').split('/')[0] ?? '';
        if (cur) cur.address = addr;
        else sessionAddr = addr;
        break;
      }
      case 'm': {
        close();
        const f = v.split(/\s+/);
        const port = Number((f[1] ?? '').split('/')[0]);
        cur = {
          address: '',
          port: Number.isInteger(port) && port >= 0 && port < 65536 ? port : 0,
          type: f[0] ?? '',
          direction: 'sendrecv',
          dirSet: false,
          rtpmap: new Map(),
          proto: f[2] ?? '',
          crypto: [],
          fingerprint: false,
        };
        break;
      }
      case 'a': {
        const lv = v.toLowerCase();
        const d =
          lv === 'sendrecv' || lv === 'sendonly' || lv === 'recvonly' || lv === 'inactive' ? lv : null;
        if (d) {
          if (cur) {
            cur.direction = d;
            cur.dirSet = true;
          } else sessionDir = d;
        } else if (cur && lv.startsWith('crypto:')) cur.crypto.push(v.slice(7).trim());
        else if (lv.startsWith('fingerprint:')) {
          if (cur) cur.fingerprint = true;
          else sessionFingerprint = true;
        } else if (cur && v.startsWith('rtpmap:')) {
          const m = /^rtpmap:(\d+)\s+([^/\s]+)\/(\d+)/.exec(v);
          if (m) cur.rtpmap.set(Number(m[1]), { name: m[2]!, rate: Number(m[3]) });
        }
        break;
      }
    }
  }
  close();
  return out;
}

/** Latin-1 text of a body. */
function latin1(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i += 8192)
    s += String.fromCharCode.apply(null, b.subarray(i, i + 8192) as unknown as number[]);
  return s;
}

/** Every SDP m= announcement of the calls' messages, in time order. */
export function callAnnouncements(trace: Trace, src: MediaCallSource): MediaAnnouncement[] {
  const out: MediaAnnouncement[] = [];
  for (const c of src.calls) {
    if (c.type !== 'call') continue;
    /** Per leg (Call-ID): the From tag of its first request (the caller's tag on that leg). */
    const callerTag = new Map<string, string | null>();
    for (const id of src.messageIds(c.id)) {
      let m;
      try {
        m = trace.message(id);
      } catch {
        continue;
      }
      const leg = m.callId ?? '';
      if (!callerTag.has(leg) && m.kind === 'request') callerTag.set(leg, m.fromTag);
      if (m.kind === 'invalid' || !carriesSdp(m)) continue;
      const tag = callerTag.get(leg);
      const fromIsCaller = tag === undefined ? m.kind === 'request' : m.fromTag === tag;
      const fromCaller = m.kind === 'request' ? fromIsCaller : !fromIsCaller;
      for (const a of sdpAnnouncements(latin1(m.body())))
        if (a.port > 0 && a.address)
          out.push({ call: c.id, messageId: id, timeUs: trace.timeUs(id), fromCaller, ...a });
    }
  }
  return out.sort((x, y) => x.timeUs - y.timeUs);
}

/** The clock rate tshark would use for payload type `pt` with this rtpmap (telephone-event: none). */
function clockRate(pt: number, map: MediaAnnouncement['rtpmap'] | null): number {
  if (pt < 96) return staticClockRate(pt);
  const e = map?.get(pt);
  if (!e) return 0;
  return /^telephone-event/i.test(e.name) ? 0 : e.rate;
}

function codecName(pt: number, map: MediaAnnouncement['rtpmap'] | null): string {
  const e = map?.get(pt);
  if (e && pt >= 96) return e.name;
  return STATIC_NAMES[pt] ?? (e ? e.name : `PT ${pt}`);
}

const ANSWERED = new Set(['in-call', 'completed']);

/**
 * Joins the capture's RTP streams to the calls and runs the media rules. Empty when the trace holds
 * no media.
 */
export function analyzeMedia(trace: Trace, src: MediaCallSource): MediaAnalysis {
  const media = trace.media;
  const result: MediaAnalysis = { streams: [], calls: new Map(), diagnostics: [] };
  if (!media || media.streams.length === 0) return result;
  const anns = callAnnouncements(trace, src);
  const byDst = new Map<string, MediaAnnouncement[]>();
  for (const a of anns) {
    const k = `${a.address}|${a.port}`;
    const l = byDst.get(k);
    if (l) l.push(a);
    else byDst.set(k, [a]);
  }
  /** The latest announcement of `addr:port` at or before `us`, else the first after it. */
  const find = (addr: string, port: number, us: number): MediaAnnouncement | null => {
    const l = byDst.get(`${addr}|${port}`);
    if (!l) return null;
    let best: MediaAnnouncement | null = null;
    for (const a of l) if (a.timeUs <= us) best = a;
    return best ?? l[0]!;
  };
  const tlsUndecrypted = trace.source.undecoded['tlsConnections'] ?? 0;
  /**
   * The latest announcement at or before `us` (else the first after it) of call `call`'s side
   * `fromCaller`, of media `type`: the side that sends towards the other's announced address when
   * its own address is not where its RTP comes from (NAT, asymmetric RTP).
   */
  const sideOf = (call: string, fromCaller: boolean, type: string, us: number): MediaAnnouncement | null => {
    let best: MediaAnnouncement | null = null;
    let first: MediaAnnouncement | null = null;
    for (const x of anns) {
      if (x.call !== call || x.fromCaller !== fromCaller || x.type !== type) continue;
      first ??= x;
      if (x.timeUs <= us) best = x;
    }
    return best ?? first;
  };
  /**
   * SRTP keys from the sender's SDP: the announcement matched by the source when the stream was not
   * announced, else the same call's announcement of its source (symmetric RTP: a sender sends from
   * where it receives) or, when its source is not announced in that call, the latest announcement of
   * the other side than the stream's receiver.
   */
  const srtpOf = (
    r: RtpStreamRecord,
    a: MediaAnnouncement | null,
    announced: boolean,
  ): StreamSrtpKeys | null => {
    if (!a) {
      const d = dtlsStreamKeys(r, media.dtls, false);
      if (d) return d;
      return tlsUndecrypted > 0
        ? {
            keying: 'unknown',
            suite: null,
            tag: null,
            keyMessage: null,
            keyFrame: null,
            crypto: null,
            problem: `no SDP for this stream, and the capture has ${tlsUndecrypted} TLS connection${tlsUndecrypted === 1 ? '' : 's'} not decrypted: if it is SRTP, its SDP was in encrypted SIP — give the TLS keys, or the stream's key by hand`,
          }
        : null;
    }
    let send: MediaAnnouncement | null = announced ? find(r.src, r.srcPort, r.firstUs) : a;
    if (announced && (!send || send.call !== a.call)) send = sideOf(a.call, !a.fromCaller, a.type, r.firstUs);
    const k = streamSrtpKeys(announced ? a : null, send);
    // DTLS-SRTP: the keys of the DTLS handshake on the stream's ports (dtls-srtp.ts).
    const d = dtlsStreamKeys(r, media.dtls, k?.keying === 'dtls');
    if (d) return d;
    if (k && k.crypto !== null && send) {
      const frameOf = (id: number): number | null => {
        try {
          return trace.frames(id)[0]?.frameNo ?? null;
        } catch {
          return null;
        }
      };
      k.keyMessage = send.messageId;
      k.keyFrame = frameOf(send.messageId);
      // The sender's later announcements while the stream runs (hold/resume re-INVITEs often carry a
      // new key for the same SSRC and ports), each with the receiver's nearest in time (its answer).
      let last = k.crypto;
      for (const x of anns) {
        if (x.timeUs <= send.timeUs || x.timeUs > r.lastUs) continue;
        if (x.call !== send.call || x.fromCaller !== send.fromCaller || x.type !== send.type) continue;
        let recv: MediaAnnouncement | null = null;
        for (const y of anns)
          if (y.call === send.call && y.fromCaller !== send.fromCaller && y.type === send.type)
            if (!recv || Math.abs(y.timeUs - x.timeUs) < Math.abs(recv.timeUs - x.timeUs)) recv = y;
        const later = streamSrtpKeys(recv, x)?.crypto ?? null;
        if (later !== null && later !== last)
          (k.rekeys ??= []).push({ crypto: (last = later), frame: frameOf(x.messageId) });
      }
    }
    return k;
  };
  /** Streams whose RFC 4733 events go on a payload type the receiver's rtpmap lacks: index, type, digits. */
  const unmapped: { index: number; pt: number; digits: string }[] = [];
  media.streams.forEach((r, index) => {
    let a = find(r.dst, r.dstPort, r.firstUs);
    let announced = true;
    let direction: MediaStream['direction'] = null;
    if (a) direction = a.fromCaller ? 'reverse' : 'forward';
    else {
      a = find(r.src, r.srcPort, r.firstUs);
      announced = false;
      if (a) direction = a.fromCaller ? 'forward' : 'reverse';
    }
    // Payload type numbers are the receiver's (RFC 3264 §5.1); by source, the sender's own map.
    const map = a?.rtpmap ?? null;
    const j = jitterFor(r, (pt) => clockRate(pt, map));
    result.streams.push({
      index,
      record: r,
      call: a?.call ?? null,
      direction,
      announced: a !== null && announced,
      sdpMessage: a?.messageId ?? null,
      codecs: r.pts.map((pt) => codecName(pt, map)),
      jitter: { min: j.min, mean: j.mean, max: j.max },
      lossFraction: r.expected > 0 ? Math.max(0, r.lost) / r.expected : 0,
      clockRate: r.pts.length ? clockRate(r.pts[0]!, map) : 0,
      rtcp: null,
      quality: null,
      events: telephoneEvents(r.events, map),
      srtp: srtpOf(r, a, announced),
    });
    for (const l of r.events ?? []) {
      // Whole events (an end packet, a digit code, no malformed payload) on a type the receiver never named.
      const whole = l.events.filter((e) => e.ended && e.code <= 16);
      if (a && map && !map.has(l.pt) && l.malformed === 0 && whole.length > 0)
        unmapped.push({ index, pt: l.pt, digits: whole.map((e) => eventName(e.code)).join(' ') });
    }
  });
  // SRTCP: the flows' kept datagrams decrypted with the keys of the streams their senders send.
  const srtcp = decryptSrtcpFlows(media.rtcp, result.streams.map(srtcpKeysOf), srtpCrypto());
  if (srtcp.counts.size > 0) result.srtcp = srtcp;
  streamReports(srtcp.flows, result.streams);
  const byCall = new Map<string, number[]>();
  for (const s of result.streams)
    if (s.call !== null) {
      const l = byCall.get(s.call);
      if (l) l.push(s.index);
      else byCall.set(s.call, [s.index]);
    }
  /** Hosts the capture holds RTP of (either end). */
  const mediaHosts = new Set<string>();
  for (const r of media.streams) mediaHosts.add(r.src).add(r.dst);
  const annByCall = new Map<string, MediaAnnouncement[]>();
  for (const a of anns) {
    const l = annByCall.get(a.call);
    if (l) l.push(a);
    else annByCall.set(a.call, [a]);
  }
  const diag = (code: string, call: string, message: string, messageId?: number): void => {
    const rule = MEDIA_RULES_BY_CODE.get(code)!;
    const d: AnalysisDiagnostic = {
      code,
      severity: rule.severity,
      layer: 'analysis',
      message,
      rfc: rule.rfc,
      call,
    };
    if (messageId !== undefined) {
      d.messageId = messageId;
      d.frame = trace.frame(messageId);
    }
    result.diagnostics.push(d);
  };
  for (const c of src.calls) {
    if (c.type !== 'call') continue;
    const idx = byCall.get(c.id) ?? [];
    const ca = annByCall.get(c.id) ?? [];
    const sent = (d: 'forward' | 'reverse'): number[] =>
      idx.filter(
        (i) => result.streams[i]!.direction === d && result.streams[i]!.record.packets >= MIN_FLOWING,
      );
    // A direction flows when one of its streams can arrive: RTP from a public address to a private one
    // is on the sender's wire but no router of the internet delivers it (one-way audio behind a NAT).
    const flowing = (d: 'forward' | 'reverse'): boolean =>
      sent(d).some((i) => !unroutable(result.streams[i]!.record));
    const answered = ANSWERED.has(c.state);
    const offer = ca.some((a) => a.fromCaller);
    const answer = ca.some((a) => !a.fromCaller);
    // The last audio m= line of each side: both sendrecv means media both ways was agreed.
    const last = (fromCaller: boolean): MediaAnnouncement | undefined =>
      ca.filter((a) => a.fromCaller === fromCaller && a.type === 'audio').at(-1);
    const lc = last(true);
    const le = last(false);
    // Media expected: neither side's last audio SDP on hold (inactive, c=0.0.0.0) and the call lasted
    // long enough for a first packet (a call hung up at once sends none).
    const held = (a: MediaAnnouncement | undefined): boolean =>
      a !== undefined && (a.direction === 'inactive' || a.address === '0.0.0.0');
    const expected = !held(lc) && !held(le) && c.end - c.start >= NO_MEDIA_MIN_SECONDS;
    let verdict: MediaVerdict;
    if (!answered || !offer || !answer)
      verdict =
        idx.length > 0 ? (flowing('forward') && flowing('reverse') ? 'two-way' : 'one-way') : 'not-expected';
    else if (flowing('forward') && flowing('reverse')) verdict = 'two-way';
    else if (flowing('forward') || flowing('reverse')) verdict = 'one-way';
    else if (!expected) verdict = 'not-expected';
    else verdict = ca.some((a) => mediaHosts.has(a.address)) ? 'no-media' : 'not-captured';
    result.calls.set(c.id, { call: c.id, verdict, streams: idx });
    if (!answered || !offer || !answer) continue;
    // A stream joined by its source only (sent to an address no SDP gave) makes the direction of the
    // others uncertain: that call gets media-to-unannounced-address instead.
    const allAnnounced = idx.every((i) => result.streams[i]!.announced);
    if (
      verdict === 'one-way' &&
      allAnnounced &&
      lc?.direction === 'sendrecv' &&
      le?.direction === 'sendrecv'
    ) {
      const dead: 'forward' | 'reverse' = flowing('forward') ? 'reverse' : 'forward';
      const missing = dead === 'reverse' ? 'callee → caller' : 'caller → callee';
      const lost = sent(dead).map((i) => result.streams[i]!.record);
      const why = lost.length
        ? `: ${lost.map((r) => `${r.src}:${r.srcPort} → ${r.dst}:${r.dstPort}`).join(', ')} goes from a public to a private address and cannot arrive`
        : '';
      diag(
        'one-way-media',
        c.id,
        `${c.id}: RTP flowed one way only: none ${missing}${why}, although both SDPs say sendrecv (${lc.address}:${lc.port} ↔ ${le.address}:${le.port})`,
        le.messageId,
      );
    }
    if (verdict === 'no-media')
      diag(
        'no-media',
        c.id,
        `${c.id}: answered with SDP (${lc ? `${lc.address}:${lc.port}` : '?'} ↔ ${le ? `${le.address}:${le.port}` : '?'}) but no RTP of this call is in the capture, which holds other RTP of these hosts`,
        le?.messageId ?? lc?.messageId,
      );
  }
  for (const s of result.streams) {
    if (s.call === null) continue;
    const r = s.record;
    const label = `${r.src}:${r.srcPort} → ${r.dst}:${r.dstPort} SSRC 0x${r.ssrc.toString(16).padStart(8, '0')}`;
    if (!s.announced)
      diag(
        'media-to-unannounced-address',
        s.call,
        `${s.call}: RTP ${label} goes to an address:port the other side's SDP did not give (NAT? RFC 4961 symmetric RTP)`,
        s.sdpMessage ?? undefined,
      );
    for (const u of unmapped)
      if (u.index === s.index)
        diag(
          'dtmf-not-negotiated',
          s.call,
          `${s.call}: RTP ${label} sends DTMF (${u.digits}) as RFC 4733 events on payload type ${u.pt}, which the receiver's SDP does not map (no telephone-event offered)`,
          s.sdpMessage ?? undefined,
        );
    if (r.lost >= LOSS_MIN_PACKETS && s.lossFraction > LOSS_THRESHOLD)
      diag(
        'media-loss',
        s.call,
        `${s.call}: RTP ${label} lost ${r.lost} of ${r.expected} packets (${(s.lossFraction * 100).toFixed(1)}%)`,
        s.sdpMessage ?? undefined,
      );
  }
  for (const c of result.calls.values()) {
    const w = worseStream(result.streams, c.streams);
    if (!w || w.quality!.mos >= POOR_MOS) continue;
    const q = w.quality!;
    const dir = w.direction === 'forward' ? 'caller → callee' : 'callee → caller';
    diag(
      'poor-call-quality',
      c.call,
      `${c.call}: estimated MOS ${q.mos.toFixed(2)} (R ${q.r.toFixed(1)}) ${dir}: ${q.codec}, ${q.ppl.toFixed(1)}% lost (burst ratio ${q.burstR.toFixed(2)}), one-way delay ${q.delayMeasured ? `${q.delayMs.toFixed(0)} ms from RTCP` : 'unknown (0 assumed)'}`,
      w.sdpMessage ?? undefined,
    );
  }
  return result;
}

const srtcpKeysOf = (s: MediaStream): SrtcpStreamKeys => ({
  src: s.record.src,
  srcPort: s.record.srcPort,
  dst: s.record.dst,
  ssrc: s.record.ssrc,
  srtp: s.srtp,
});

/** The rated stream (≥ QUALITY_MIN_PACKETS expected) of `idx` with the lowest MOS, null when none. */
export function worseStream(streams: readonly MediaStream[], idx: readonly number[]): MediaStream | null {
  let w: MediaStream | null = null;
  for (const i of idx) {
    const s = streams[i]!;
    if (!s.quality || s.record.expected < QUALITY_MIN_PACKETS) continue;
    if (!w || s.quality.mos < w.quality!.mos) w = s;
  }
  return w;
}

const hex = (n: number): string => `0x${n.toString(16).toUpperCase().padStart(8, '0')}`;
const r3 = (x: number): number => Math.round(x * 1000) / 1000;
/** NTP seconds (since 1900) to epoch seconds. */
const NTP_EPOCH = 2_208_988_800;

/**
 * Each stream's RTCP (its sender's SRs, CNAME and BYE on the flows from its source host to its
 * destination host; its receiver's report blocks about its SSRC on the flows back) and its E-model
 * quality, the one-way delay being half the round trips measured on both sides of the capture point.
 */
function streamReports(rtcp: readonly RtcpFlowRecord[], streams: MediaStream[]): void {
  /** Mean RTT (µs) of the reports on flows from `from` to `to`, about any SSRC (null: none). */
  const sideRtt = (from: string, to: string, ssrc: number | null): number | null => {
    let n = 0;
    let sum = 0;
    for (const f of rtcp) {
      if (f.src !== from || f.dst !== to) continue;
      for (const r of f.reports.reported)
        if (r.rtts > 0 && (ssrc === null || r.ssrc === ssrc)) {
          n += r.rtts;
          sum += r.rttSum;
        }
    }
    return n > 0 ? Math.max(0, sum / n) : null;
  };
  for (const s of streams) {
    const r = s.record;
    let sender: MediaStreamRtcp['sender'] = null;
    let receiver: MediaStreamRtcp['receiver'] = null;
    let malformed = 0;
    let seen = false;
    for (const f of rtcp) {
      if (f.src === r.src && f.dst === r.dst) {
        const x = f.reports.senders.find((e) => e.ssrc === r.ssrc);
        if (x && (sender === null || x.srs > sender.srs)) {
          const l = x.lastSr;
          sender = {
            srs: x.srs,
            lastSr: l && {
              time: l.us / 1e6,
              frame: l.frame,
              ntp: Math.round((l.ntpSec - NTP_EPOCH + l.ntpFrac / 2 ** 32) * 1e6) / 1e6,
              rtpTimestamp: l.rtpTimestamp,
              packets: l.packets,
              octets: l.octets,
            },
            cname: x.cname,
            bye: x.bye && { time: x.bye.us / 1e6, reason: x.bye.reason },
          };
        }
        if (x) seen = true;
        if (x) malformed += f.reports.malformed;
      }
      if (f.src === r.dst && f.dst === r.src) {
        const x = f.reports.reported.find((e) => e.ssrc === r.ssrc);
        if (!x) continue;
        seen = true;
        malformed += f.reports.malformed;
        if (receiver !== null && x.reports <= receiver.reports) continue;
        const ms = (units: number): number | null =>
          s.clockRate > 0 ? r3((units * 1000) / s.clockRate) : null;
        const l = x.last;
        const v = x.xr;
        const na = (n: number, unavailable: number, scale = 1): number | null =>
          n === unavailable ? null : Math.round((n / scale) * 100) / 100;
        receiver = {
          reporter: hex(x.reporter),
          reports: x.reports,
          last: {
            time: l.us / 1e6,
            frame: l.frame,
            fractionLost: Math.round((l.fractionLost / 256) * 10000) / 10000,
            cumulativeLost: l.cumulativeLost,
            extendedHighestSeq: l.extendedHighestSeq,
            jitter: l.jitter,
            jitterMs: ms(l.jitter),
            lsr: l.lsr,
            dlsr: Math.round((l.dlsr / 65536) * 1e6) / 1e6,
          },
          maxFractionLost: Math.round((x.maxFractionLost / 256) * 10000) / 10000,
          maxJitterMs: ms(x.maxJitter),
          rttMs:
            x.rtts > 0
              ? {
                  count: x.rtts,
                  min: r3(x.rttMin / 1000),
                  mean: r3(x.rttSum / x.rtts / 1000),
                  max: r3(x.rttMax / 1000),
                }
              : null,
          xr: v && {
            lossRate: Math.round((v.lossRate / 256) * 10000) / 10000,
            discardRate: Math.round((v.discardRate / 256) * 10000) / 10000,
            roundTripDelayMs: v.roundTripDelay,
            endSystemDelayMs: v.endSystemDelay,
            rFactor: na(v.rFactor, 127),
            mosLq: na(v.mosLq, 127, 10),
            mosCq: na(v.mosCq, 127, 10),
          },
        };
      }
    }
    s.rtcp = seen ? { sender, receiver, malformed } : null;
    const toReceiver = sideRtt(r.dst, r.src, r.ssrc);
    const toSender = sideRtt(r.src, r.dst, null);
    const delayMs =
      toReceiver === null && toSender === null ? null : ((toReceiver ?? 0) + (toSender ?? 0)) / 2 / 1000;
    const codec = s.codecs.find((c) => !/^(CN|telephone-event|comfort-noise)/i.test(c)) ?? '';
    s.quality = streamQuality({
      codec,
      expected: r.expected,
      lost: r.lost,
      received: r.packets,
      bursts: r.lossBursts,
      delayMs,
    });
  }
}
