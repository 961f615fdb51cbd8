/**
 * Real RTP for the lab's phones: each call of a lab user agent gets a UDP RTP socket (and RTCP on
 * the port above, RFC 3550 §11) on the phone's lab address, at the port its SDP names, and sends
 * G.711 (RFC 3551 §4.5.14: the codec the offer and answer agreed — the answer's first, with its
 * payload type, RFC 3264 §6.1, §7 — in 20 ms packets of 160 samples; nothing when they agreed
 * none) as the offer and answer allow (RFC 3264 §6.1, §8.4: nothing on a stream held with
 * sendonly/recvonly/inactive; a resume starts it again with the marker bit). The core decides when
 * (its {@link LiveMedia} hook: SDP exchanged, direction changed, early media, call ended); the
 * sockets and the real-time clock are here.
 *
 * What a phone sends (`media:` on the lab node): `tone` (a sine, `toneHz`, a different note per phone
 * by default), `echo` (every RTP packet it receives, back with its own SSRC, sequence and timestamps,
 * as SIPp's -rtp_echo or an echo-test number does), `silence` (G.711 silence), `none` (no socket: the
 * SDP's port is not listened on, as before). Default: tone in the calls a phone makes, echo in the
 * calls it answers — a softphone calling a lab phone hears itself (both directions through the lab
 * proved at once), and a lab phone calling a softphone plays its own note.
 *
 * RTCP: a compound SR (RR while not sending) + SDES CNAME every 5 s (randomised 0.5–1.5×, RFC 3550
 * §6.2), with a report block for the source received (§6.4.1, A.3, A.8); BYE when the call ends.
 * rtcp-mux (RFC 5761): a lab phone offers it and keeps its RTCP port (the port above) open until
 * the answer says whether the peer muxes (§5.1.1: the port stays the fallback); once agreed, RTCP
 * goes from the RTP socket to the peer's RTP port and the RTCP socket is closed; a call answered
 * with it (the offer had it) never opens one. RTCP arriving on the RTP port is taken as RTCP
 * either way (§4: payload types 200–204 in the RTP header's place).
 *
 * DTMF ({@link LabMedia.dtmf}): RFC 4733 telephone-events on the call's stream, with the payload
 * type the offer and answer agreed — per digit the updates every 20 ms (one RTP timestamp, the
 * event's start; the marker bit on the first; duration growing by 160; volume 10, −10 dBm0), then
 * the end packet (E bit, the final duration) three times (§2.5.1.4), the next digit the pause after
 * the digit's duration (100 ms: 60 ms after its last end packet);
 * the audio pauses during an event and its timestamps go on.
 *
 * Everything sent and received goes to the lab's live trace's RTP tracker (which keeps it for Play
 * and the pcapng files), so the ladder, the calls list's media column and the stream analysis follow
 * the calls; a packet between two lab phones is recorded once, when sent, as a capture on `lo` shows it:
 * each packet the lab sends is remembered until it arrives ({@link LabMedia.sent}, {@link LabMedia.received}:
 * the same addresses and bytes), so its arrival is not recorded again, even when the sender's session,
 * NAT mapping or relay port closed in between (a hangup while its last packets are in flight); a
 * packet from outside the lab is recorded as it arrives.
 *
 * A phone behind a lab NAT box sends its RTP and RTCP to the outside through the box (lab-nat.ts
 * mediaPort: a binding per flow, the box's type rules), so the trace shows them from the public
 * address and mapped port, and it gets only what the box lets in to that mapping; what reaches its
 * private media address straight from outside is dropped (said once per call), as a real NAT never
 * routes it: a peer that sends to the SDP's private address gives one-way audio, one that sends
 * back where the RTP came from (comedia, latching) gets through, unless the box filters it.
 *
 * Bounded: at most {@link LAB_MEDIA_MAX_SESSIONS} sessions (a call beyond gets no socket and port 0
 * in its SDP: the stream refused), each closed when its call ends and all on lab stop; one 20 ms
 * clock for every session (packets of all phones go out on the same grid, a late tick catches up at
 * most 5 packets and skips the rest).
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Call, LiveMedia, UserAgent } from '../../sip-core/elements/ua/user-agent';
import {
  negotiate,
  offerMedia,
  readSdp,
  type MediaDirection,
  type SdpMedia,
} from '../../sip-core/elements/ua/sdp';
import { linearToAlaw, linearToUlaw } from '../../sip-core/media/g711';
import { Latch } from '../../sip-core/elements/media-relay';
import { RtpTracker } from '../../sip-core/media/rtp-streams';
import type { TransportAddress } from '../../sip-core/stack/transport';
import type { LiveTrace } from './live-trace';
import type { NatMediaPort } from './lab-nat';
import { epochMicros } from './time';
import type { LabMediaDto, LabMediaMode, LabMediaSessionDto, LabPhoneMediaDto } from '../../shared/lab-media';
import { dtmfEventCode } from '../../shared/dtmf';
import { eventName } from '../../sip-core/media/rtp-event';

/** What a lab phone offers and accepts (lab.ts gives its phones these codecs unless the lab file names others). */
export const LAB_CODECS = ['PCMU', 'PCMA', 'telephone-event'] as const;
const LAB_OFFER = offerMedia(LAB_CODECS);

/** Most media sessions (calls with sockets) a lab keeps open at once. */
export const LAB_MEDIA_MAX_SESSIONS = 256;
/** Most RTP streams and RTCP flows the lab's tracker keeps (the idle ones go first). */
const MAX_STREAMS = 8192;
/**
 * How long a packet the lab sent is remembered, waiting for its arrival at a lab socket (then it is
 * not recorded twice), and most packets remembered (the oldest are forgotten first): one that never
 * arrives (dropped by a NAT box, sent to a closed port, to a peer outside the lab) is forgotten then.
 */
const IN_FLIGHT_MS = 10_000;
const IN_FLIGHT_MAX = 1 << 17;
const PTIME_MS = 20;
const SAMPLES = 160;
/** The notes the phones play by default, in lab-file order (A4, C5, E5, G5, A5, C6, D5, F5). */
export const LAB_TONES = [440, 523, 659, 784, 880, 1047, 587, 698];
const AMPLITUDE = 0.3 * 32767;
const CATCH_UP = 5;
/** Most digits waiting to be sent on one call. */
export const LAB_DTMF_MAX_QUEUE = 64;
/** Volume of the events (§2.3.4: −10 dBm0). */
const DTMF_VOLUME = 10;
const RTCP_MS = 5000;
const NTP_UNIX = 2208988800;

export type { LabMediaMode };
/** What one lab phone sends (`auto`: tone in the calls it makes, echo in the calls it answers). */
export type LabPhoneMedia = LabPhoneMediaDto;
export type LabMediaInfo = LabMediaDto;

interface Peer {
  host: string;
  port: number;
}

/** The lab NAT box a phone is behind (lab.ts gives it): its media ports and who is outside. */
export interface LabMediaNat {
  name: string;
  port(
    local: TransportAddress,
    deliver: (bytes: Uint8Array, source: TransportAddress, pub: TransportAddress) => void,
  ): NatMediaPort;
  /** `host` is outside the box's private realm (not a node behind the same box). */
  outside(host: string): boolean;
}

/** What a session learns of the source it receives (RFC 3550 A.1, A.3, A.8), for its report block. */
interface Reception {
  ssrc: number;
  baseSeq: number;
  maxSeq: number;
  cycles: number;
  received: number;
  expectedPrior: number;
  receivedPrior: number;
  transit: number;
  jitter: number;
  /** Middle 32 bits of the last SR's NTP time, and when it came (ms, performance clock). */
  lsr: number;
  lsrAt: number;
  /** The first timestamp received (echo: ours follow it). */
  ts0: number;
}

class Session {
  rtp: Socket | null = null;
  rtcp: Socket | null = null;
  remote: Peer | null = null;
  remoteRtcp: Peer | null = null;
  /** RTCP on the RTP port (RFC 5761), as the offer and answer agreed. */
  mux = false;
  /** The RTCP socket is not opened (an incoming call whose offer has rtcp-mux: the answer will). */
  noRtcpSocket = false;
  /** The payload type sent and whether it is A-law (the agreed codec: PCMA, else PCMU). */
  pt = 0;
  alaw = false;
  /** Sends on the clock (tone, silence). */
  sending = false;
  /** Echoes what it receives. */
  echoing = false;
  marker = true;
  readonly ssrc = randomBytes(4).readUInt32BE(0);
  seq = randomBytes(2).readUInt16BE(0) & 0x7fff;
  ts = randomBytes(4).readUInt32BE(0);
  /** Echo: our timestamp when the source received first came (ours follow its spacing). */
  ts0 = 0;
  /** Samples of the tone played so far (its phase). */
  toneAt = 0;
  sentPackets = 0;
  sentOctets = 0;
  receivedPackets = 0;
  rx: Reception | null = null;
  nextRtcpAt = 0;
  closed = false;
  /** Told once: this session's socket failed. */
  failed = false;
  /** The NAT box the phone is behind, and the session's ports through it (RTP, RTCP). */
  nat: LabMediaNat | null = null;
  natRtp: NatMediaPort | null = null;
  natRtcp: NatMediaPort | null = null;
  /** Told once: a packet from outside to the private address was dropped. */
  natDropped = false;
  /** comedia: send where the peer's RTP (RTCP) comes from once its first packet came (the relay's latching). */
  comedia = false;
  readonly latch = new Latch();
  readonly latchRtcp = new Latch();
  /** The offer and answer let it send (its direction and the peer's, a codec agreed, a peer address). */
  allowed = false;
  /** The telephone-event payload type the offer and answer agreed (RFC 4733), -1: none. */
  tePt = -1;
  /** Echo: the RTP timestamp of the last RFC 4733 event echoed (one event per timestamp), -1: none yet. */
  echoedEventTs = -1;
  /** RFC 4733: digits waiting (event codes), the payload type and packets per digit, the event on air. */
  readonly dtmfQueue: number[] = [];
  dtmfPt = 101;
  dtmfPackets = 5;
  /** Ticks (20 ms) between a digit's last end packet and the next digit (the pause less the end's repeats). */
  dtmfGapTicks = 3;
  ev: { code: number; ts: number; n: number; ends: number; gap: number } | null = null;
  constructor(
    readonly node: string,
    readonly call: Call,
    readonly mode: LabMediaMode,
    readonly host: string,
    readonly port: number,
    readonly toneHz: number,
  ) {}
}

/** Per tone and codec, one second of its G.711 bytes (an integer frequency repeats every second). */
const toneCache = new Map<string, Uint8Array>();
function toneSecond(hz: number, alaw: boolean): Uint8Array {
  const key = `${hz}/${alaw ? 'A' : 'u'}`;
  let b = toneCache.get(key);
  if (!b) {
    b = new Uint8Array(8000);
    const enc = alaw ? linearToAlaw : linearToUlaw;
    for (let i = 0; i < 8000; i++) b[i] = enc(AMPLITUDE * Math.sin((2 * Math.PI * hz * i) / 8000));
    toneCache.set(key, b);
  }
  return b;
}

/** The RTP port of the lab's sessions, per phone: the next free even port from the phone's base. */
export class LabMedia {
  readonly tracker = new RtpTracker(MAX_STREAMS, true);
  readonly #live: LiveTrace;
  readonly #log: (node: string, text: string) => void;
  readonly #max: number;
  readonly #sessions = new Map<Call, Session>();
  /** `host|port` of every open session's RTP and RTCP port, and of the relays' ports. */
  readonly #reserved = new Set<string>();
  /** The packets the lab sent that have not arrived yet (key: addresses and bytes), how many of each. */
  readonly #inFlight = new Map<string, number>();
  /** The same keys in the order sent, with when (ms): the oldest are forgotten first. */
  #flightKeys: string[] = [];
  #flightAt: number[] = [];
  #flightHead = 0;
  readonly #nats = new Map<string, LabMediaNat>();
  readonly #cursor = new Map<string, number>();
  readonly #phones: LabPhoneMedia[] = [];
  #refused = 0;
  readonly #refusedCalls = new WeakSet<Call>();
  #frame = 0;
  #timer: NodeJS.Timeout | null = null;
  #grid0 = 0;
  #tick = 0;
  #closed = false;

  constructor(live: LiveTrace, log: (node: string, text: string) => void, max = LAB_MEDIA_MAX_SESSIONS) {
    this.#live = live;
    this.#log = log;
    this.#max = max;
    live.trackMedia(this.tracker, live.addresses.names);
  }

  /**
   * Gives `ua` real RTP on `host`, ports from `basePort` up (even ports; RTCP above each); `nat`:
   * the lab NAT box the phone is behind.
   */
  attach(ua: UserAgent, phone: LabPhoneMedia, host: string, basePort: number, nat?: LabMediaNat): void {
    this.#phones.push(phone);
    if (nat) this.#nats.set(phone.node, nat);
    if (phone.mode === 'none') return;
    const base = basePort & ~1;
    const hook: LiveMedia = {
      port: (call) => this.#port(phone, call, host, base),
      changed: (call, media) => this.#changed(call, media),
    };
    ua.liveMedia = hook;
  }

  /**
   * Takes `host:port` for a lab media socket that is not a phone's (a proxy's media relay,
   * lab-relay.ts): false when a phone's session or another relay holds it.
   */
  claim(host: string, port: number): boolean {
    const k = `${host}|${port}`;
    if (this.#reserved.has(k) || this.#closed) return false;
    this.#reserved.add(k);
    return true;
  }

  release(host: string, port: number): void {
    this.#reserved.delete(`${host}|${port}`);
  }

  /** Open sessions now. */
  get size(): number {
    return this.#sessions.size;
  }

  info(): LabMediaInfo {
    const sessions: LabMediaSessionDto[] = [];
    for (const s of this.#sessions.values())
      sessions.push({
        node: s.node,
        callId: s.call.callId,
        mode: s.mode,
        local: hostPort(s.host, s.port),
        remote: s.remote ? hostPort(s.remote.host, s.remote.port) : null,
        state: s.closed
          ? 'closed'
          : s.sending
            ? 'sending'
            : s.echoing
              ? 'echoing'
              : s.remote
                ? 'held'
                : 'receiving',
        codec: s.alaw ? 'PCMA' : 'PCMU',
        rtcpMux: s.mux,
        ...(s.comedia ? { latched: s.latch.latched } : {}),
        sent: s.sentPackets,
        received: s.receivedPackets,
      });
    return { phones: this.#phones.map((p) => ({ ...p })), sessions, refused: this.#refused, max: this.#max };
  }

  /** Closes every session (RTCP BYE first) and stops the clock. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const all = [...this.#sessions.values()];
    await Promise.all(all.map((s) => this.#end(s)));
    this.#stopClock();
  }

  #port(phone: LabPhoneMedia, call: Call, host: string, base: number): number {
    const had = this.#sessions.get(call);
    if (had) return had.port;
    if (this.#closed || call.state === 'terminated' || call.state === 'failed') return base;
    if (this.#sessions.size >= this.#max) {
      // port 0: the stream is refused (RFC 3264 §6, §8.2), rather than another call's socket
      if (!this.#refusedCalls.has(call)) {
        this.#refusedCalls.add(call);
        this.#refused++;
        this.#log(phone.node, `media: no RTP socket for call ${call.id} (the lab has ${this.#max} open)`);
      }
      return 0;
    }
    const key = `${phone.node}`;
    let p = this.#cursor.get(key) ?? base;
    let tries = 0;
    while (this.#reserved.has(`${host}|${p}`) || this.#reserved.has(`${host}|${p + 1}`)) {
      p += 2;
      if (p > 65534 || p >= base + 4096) p = base;
      if (++tries > 2100) return base; // (cannot happen below the session limit)
    }
    this.#cursor.set(key, p + 2 > 65534 || p + 2 >= base + 4096 ? base : p + 2);
    const mode: LabMediaMode =
      phone.mode === 'auto' ? (call.direction === 'out' ? 'tone' : 'echo') : phone.mode;
    const s = new Session(phone.node, call, mode, host, p, phone.toneHz);
    s.nat = this.#nats.get(phone.node) ?? null;
    s.comedia = phone.comedia === true;
    // an offer with rtcp-mux, from a phone that does it: the answer muxes (RFC 5761 §5.1.1)
    s.noRtcpSocket =
      phone.rtcpMux === true &&
      call.direction === 'in' &&
      call.remoteSdp !== null &&
      readSdp(call.remoteSdp).rtcpMux;
    this.#sessions.set(call, s);
    this.#reserved.add(`${host}|${p}`);
    this.#reserved.add(`${host}|${p + 1}`);
    this.#open(s);
    return p;
  }

  #open(s: Session): void {
    const type = isIPv6(s.host) ? 'udp6' : 'udp4';
    const fail = (err: Error): void => {
      if (!s.failed) {
        s.failed = true;
        this.#log(s.node, `media: RTP port ${hostPort(s.host, s.port)} failed: ${err.message}`);
      }
      s.closed = true;
      s.sending = false;
      s.echoing = false;
      closeQuietly(s.rtp);
      closeQuietly(s.rtcp);
      s.rtp = null;
      s.rtcp = null;
    };
    const rtp = createSocket({ type });
    s.rtp = rtp;
    rtp.on('error', fail);
    rtp.on('message', (buf, r) => this.#received(s, buf, r, false));
    rtp.bind({ address: s.host, port: s.port, exclusive: true });
    s.natRtp = this.#natPort(s, s.port, false);
    if (!s.noRtcpSocket) this.#openRtcp(s, fail);
  }

  #openRtcp(s: Session, fail: (err: Error) => void): void {
    const rtcp = createSocket({ type: isIPv6(s.host) ? 'udp6' : 'udp4' });
    s.rtcp = rtcp;
    rtcp.on('error', fail);
    rtcp.on('message', (buf, r) => this.#received(s, buf, r, true));
    rtcp.bind({ address: s.host, port: s.port + 1, exclusive: true });
    s.natRtcp = this.#natPort(s, s.port + 1, true);
  }

  /** The session's port `port` through its NAT box (null when the phone is not behind one). */
  #natPort(s: Session, port: number, rtcp: boolean): NatMediaPort | null {
    if (!s.nat) return null;
    return s.nat.port({ host: s.host, port, transport: 'UDP' }, (bytes, source, pub) =>
      this.#received(
        s,
        Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
        { address: source.host, port: source.port },
        rtcp,
        pub,
      ),
    );
  }

  /** `media`: what the offer and answer agreed (the UA's negotiation; absent: read here as a lab phone's). */
  #changed(call: Call, media?: SdpMedia | null): void {
    const s = this.#sessions.get(call);
    if (!s) return;
    if (call.state === 'terminated' || call.state === 'failed') {
      void this.#end(s);
      return;
    }
    if (s.closed || !call.remoteSdp) return;
    const sdp = readSdp(call.remoteSdp);
    const rtcpPort = /^a=rtcp:(\d+)/m.exec(call.remoteSdp)?.[1];
    const ok = sdp.ip !== null && sdp.port !== null && sdp.port > 0 && sdp.port < 65536;
    s.remote = ok ? { host: sdp.ip!, port: sdp.port! } : null;
    const agreed = media !== undefined ? media : negotiate(sdp, LAB_OFFER);
    // rtcp-mux agreed: RTCP to the peer's RTP port from ours, our RTCP port closed (RFC 5761 §5.1.1,
    // §5.1.3); not agreed: the port above (or the peer's a=rtcp, RFC 3605)
    s.mux = agreed?.rtcpMux === true;
    s.remoteRtcp = !ok
      ? null
      : s.mux
        ? s.remote
        : { host: sdp.ip!, port: rtcpPort ? Number(rtcpPort) : Math.min(65535, sdp.port! + 1) };
    // comedia: where the peer's packets come from wins over its SDP, once one came
    if (ok && s.latch.latched) {
      s.remote = s.latch.addr!;
      if (s.mux) s.remoteRtcp = s.remote;
    }
    if (ok && !s.mux && s.latchRtcp.latched) s.remoteRtcp = s.latchRtcp.addr!;
    if (s.mux && s.rtcp) {
      closeQuietly(s.rtcp);
      s.rtcp = null;
      s.natRtcp?.close();
      s.natRtcp = null;
    } else if (!s.mux && !s.rtcp && s.rtp) {
      // the answer we gave did not mux after all (a phone without rtcp-mux): the port above
      s.noRtcpSocket = false;
      this.#openRtcp(s, (err) =>
        this.#log(s.node, `media: RTCP port ${hostPort(s.host, s.port + 1)} failed: ${err.message}`),
      );
    }
    const codec = agreed?.codec ?? null;
    s.tePt = agreed?.dtmf ?? -1;
    s.pt = codec?.pt ?? 0;
    s.alaw = codec?.name.toUpperCase() === 'PCMA';
    const allowed = ok && codec !== null && sends(call.localDirection, sdp.direction);
    s.allowed = allowed;
    const wasOn = s.sending || s.echoing;
    s.sending = allowed && (s.mode === 'tone' || s.mode === 'silence');
    s.echoing = allowed && s.mode === 'echo';
    const on = s.sending || s.echoing;
    if (on && !wasOn) {
      s.marker = true;
      const what = s.mode === 'tone' ? `tone ${s.toneHz} Hz` : s.mode;
      this.#log(
        s.node,
        `media: RTP ${what} ${s.alaw ? 'PCMA' : 'PCMU'}/${s.pt} from ${hostPort(s.host, s.port)} to ${hostPort(s.remote!.host, s.remote!.port)}`,
      );
    } else if (!on && wasOn)
      this.#log(
        s.node,
        codec === null
          ? 'media: RTP stopped (no codec in common)'
          : `media: RTP stopped (${call.localDirection}, the peer's ${sdp.direction})`,
      );
    if (s.remoteRtcp && s.nextRtcpAt === 0) s.nextRtcpAt = performance.now() + rtcpInterval();
    this.#startClock();
  }

  async #end(s: Session): Promise<void> {
    if (this.#sessions.get(s.call) !== s) return;
    this.#sessions.delete(s.call);
    s.sending = false;
    s.echoing = false;
    // the BYE goes before the socket closes (a send still queued when it closes is lost)
    if (!s.closed && rtcpSocket(s) && s.remoteRtcp)
      await new Promise<void>((done) => this.#sendRtcp(s, true, done));
    s.closed = true;
    const socks = [s.rtp, s.rtcp];
    s.rtp = null;
    s.rtcp = null;
    s.natRtp?.close();
    s.natRtcp?.close();
    await Promise.all(socks.map((k) => closeSocket(k)));
    this.#reserved.delete(`${s.host}|${s.port}`);
    this.#reserved.delete(`${s.host}|${s.port + 1}`);
    if (this.#sessions.size === 0) this.#stopClock();
  }

  // ------------------------------------------------------------------ the 20 ms clock

  #startClock(): void {
    if (this.#timer || this.#closed) return;
    this.#grid0 = performance.now();
    this.#tick = 0;
    this.#arm();
  }

  #stopClock(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #arm(): void {
    const due = this.#grid0 + (this.#tick + 1) * PTIME_MS;
    this.#timer = setTimeout(() => this.#onTick(), Math.max(0, due - performance.now()));
    this.#timer.unref();
  }

  #onTick(): void {
    this.#timer = null;
    if (this.#closed || this.#sessions.size === 0) return;
    const now = performance.now();
    const tick = Math.floor((now - this.#grid0) / PTIME_MS);
    const slots = Math.max(1, tick - this.#tick);
    this.#tick = Math.max(tick, this.#tick + 1);
    for (const s of this.#sessions.values()) {
      if (s.closed) continue;
      if ((s.ev || s.dtmfQueue.length) && s.allowed && s.remote && s.rtp) {
        // a digit (RFC 4733) in place of the audio; the audio's clock goes on
        for (let i = 0, n = Math.min(slots, CATCH_UP); i < n; i++) {
          if (!this.#dtmfTick(s) && s.sending) this.#sendRtp(s, this.#payload(s), s.pt, s.marker);
        }
      } else if (s.sending && s.remote && s.rtp) {
        const send = Math.min(slots, CATCH_UP);
        // a stall longer than CATCH_UP packets: the time skipped (timestamps on, no packets)
        if (slots > send) {
          s.ts = (s.ts + (slots - send) * SAMPLES) >>> 0;
          s.toneAt += (slots - send) * SAMPLES;
          s.marker = true;
        }
        for (let i = 0; i < send; i++) this.#sendRtp(s, this.#payload(s), s.pt, s.marker);
      }
      if (s.remoteRtcp && rtcpSocket(s) && s.nextRtcpAt > 0 && now >= s.nextRtcpAt) {
        this.#sendRtcp(s, false);
        s.nextRtcpAt = now + rtcpInterval();
      }
    }
    this.#arm();
  }

  /**
   * Sends `digits` (0-9, *, #, A-D) on `call`'s stream as RFC 4733 events of payload type `pt`,
   * `durationMs` each (40–2000, rounded to 20 ms packets), a digit starting `pauseMs` after the
   * one before ended (at least 60: its end packet's two repeats and a packet of audio). False when
   * the call has no session that may send (no answer yet, held, no codec agreed) or the queue is full.
   */
  dtmf(call: Call, digits: string, pt: number, durationMs = 100, pauseMs = 100): boolean {
    const s = this.#sessions.get(call);
    if (!s || s.closed || !s.allowed || !s.remote || !s.rtp) return false;
    const codes = [...digits].map(dtmfEventCode);
    if (codes.some((c) => c < 0) || s.dtmfQueue.length + codes.length > LAB_DTMF_MAX_QUEUE) return false;
    s.dtmfQueue.push(...codes);
    s.dtmfPt = pt & 0x7f;
    s.dtmfPackets = Math.max(2, Math.min(100, Math.round(durationMs / PTIME_MS)));
    s.dtmfGapTicks = Math.max(1, Math.round(pauseMs / PTIME_MS) - 2);
    this.#log(
      s.node,
      `media: DTMF ${digits} (RFC 4733 telephone-event/${s.dtmfPt}, ${s.dtmfPackets * PTIME_MS} ms each)`,
    );
    this.#startClock();
    return true;
  }

  /** One 20 ms step of the digits: true when it sent an event packet (no audio in this slot). */
  #dtmfTick(s: Session): boolean {
    let ev = s.ev;
    if (ev && ev.ends >= 3) {
      // the pause after a digit: audio goes on
      if (++ev.gap < s.dtmfGapTicks) return false;
      s.ev = ev = null;
    }
    if (!ev) {
      const code = s.dtmfQueue.shift();
      if (code === undefined) return false;
      s.ev = ev = { code, ts: s.ts, n: 0, ends: 0, gap: 0 };
    }
    const payload = new Uint8Array(4);
    payload[0] = ev.code;
    let duration: number;
    if (ev.n < s.dtmfPackets) {
      ev.n++;
      duration = ev.n * SAMPLES;
      payload[1] = DTMF_VOLUME;
    } else {
      ev.ends++;
      duration = s.dtmfPackets * SAMPLES;
      payload[1] = 0x80 | DTMF_VOLUME; // E bit
    }
    payload[2] = duration >> 8;
    payload[3] = duration & 0xff;
    // every packet of the event carries its start's timestamp (§2.5.1.1); the stream's clock goes on
    const next = (s.ts + SAMPLES) >>> 0;
    s.ts = ev.ts;
    this.#sendRtp(s, payload, s.dtmfPt, ev.n === 1 && ev.ends === 0, 0);
    s.ts = next;
    s.toneAt += SAMPLES;
    return true;
  }

  #payload(s: Session): Uint8Array {
    const out = new Uint8Array(SAMPLES);
    if (s.mode === 'silence') out.fill(s.alaw ? 0xd5 : 0xff);
    else {
      const sec = toneSecond(s.toneHz, s.alaw);
      const at = s.toneAt % 8000;
      const first = Math.min(SAMPLES, 8000 - at);
      out.set(sec.subarray(at, at + first));
      if (first < SAMPLES) out.set(sec.subarray(0, SAMPLES - first), first);
    }
    s.toneAt += SAMPLES;
    return out;
  }

  // ------------------------------------------------------------------ RTP and RTCP out

  /** Sends one RTP packet (RFC 3550 §5.1) with `payload`; advances sequence and timestamp. */
  #sendRtp(s: Session, payload: Uint8Array, pt: number, marker: boolean, samples = SAMPLES): void {
    const b = Buffer.allocUnsafe(12 + payload.length);
    b[0] = 0x80;
    b[1] = (marker ? 0x80 : 0) | (pt & 0x7f);
    b.writeUInt16BE(s.seq, 2);
    b.writeUInt32BE(s.ts, 4);
    b.writeUInt32BE(s.ssrc, 8);
    b.set(payload, 12);
    s.seq = (s.seq + 1) & 0xffff;
    s.ts = (s.ts + samples) >>> 0;
    s.marker = false;
    s.sentPackets++;
    s.sentOctets += payload.length;
    this.#send(s, s.rtp, s.port, b, s.remote!);
  }

  #sendRtcp(s: Session, bye: boolean, done?: () => void): void {
    const parts: Buffer[] = [];
    const block = this.#reportBlock(s);
    const rc = block ? 1 : 0;
    if (s.sentPackets > 0) {
      // SR (RFC 3550 §6.4.1)
      const sr = Buffer.alloc(28 + rc * 24);
      sr[0] = 0x80 | rc;
      sr[1] = 200;
      sr.writeUInt16BE(sr.length / 4 - 1, 2);
      sr.writeUInt32BE(s.ssrc, 4);
      const ms = Date.now();
      sr.writeUInt32BE((Math.floor(ms / 1000) + NTP_UNIX) >>> 0, 8);
      sr.writeUInt32BE(Math.floor(((ms % 1000) / 1000) * 0x100000000) >>> 0, 12);
      sr.writeUInt32BE(s.ts, 16);
      sr.writeUInt32BE(s.sentPackets >>> 0, 20);
      sr.writeUInt32BE(s.sentOctets >>> 0, 24);
      if (block) block.copy(sr, 28);
      parts.push(sr);
    } else {
      // RR (§6.4.2)
      const rr = Buffer.alloc(8 + rc * 24);
      rr[0] = 0x80 | rc;
      rr[1] = 201;
      rr.writeUInt16BE(rr.length / 4 - 1, 2);
      rr.writeUInt32BE(s.ssrc, 4);
      if (block) block.copy(rr, 8);
      parts.push(rr);
    }
    // SDES with the CNAME (§6.5.1), padded to a 32-bit boundary with the END item's zeros
    const cname = Buffer.from(`${s.node.replace(/[^\x21-\x7e]/g, '_').slice(0, 200)}@${s.host}`, 'latin1');
    const itemLen = 4 + 2 + cname.length + 1;
    const sdes = Buffer.alloc(4 + Math.ceil(itemLen / 4) * 4);
    sdes[0] = 0x81;
    sdes[1] = 202;
    sdes.writeUInt16BE(sdes.length / 4 - 1, 2);
    sdes.writeUInt32BE(s.ssrc, 4);
    sdes[8] = 1;
    sdes[9] = cname.length;
    cname.copy(sdes, 10);
    parts.push(sdes);
    if (bye) {
      const b = Buffer.alloc(8);
      b[0] = 0x81;
      b[1] = 203;
      b.writeUInt16BE(1, 2);
      b.writeUInt32BE(s.ssrc, 4);
      parts.push(b);
    }
    this.#send(s, rtcpSocket(s), s.mux ? s.port : s.port + 1, Buffer.concat(parts), s.remoteRtcp!, done);
  }

  /** The report block on the source received (RFC 3550 §6.4.1, A.3), null before any packet. */
  #reportBlock(s: Session): Buffer | null {
    const r = s.rx;
    if (!r) return null;
    const extMax = r.cycles + r.maxSeq;
    const expected = extMax - r.baseSeq + 1;
    const lost = Math.max(-0x800000, Math.min(0x7fffff, expected - r.received));
    const expInt = expected - r.expectedPrior;
    const recInt = r.received - r.receivedPrior;
    r.expectedPrior = expected;
    r.receivedPrior = r.received;
    const lostInt = expInt - recInt;
    const fraction = expInt === 0 || lostInt <= 0 ? 0 : Math.min(255, Math.floor((lostInt << 8) / expInt));
    const b = Buffer.alloc(24);
    b.writeUInt32BE(r.ssrc, 0);
    b.writeUInt32BE(((fraction << 24) | (lost & 0xffffff)) >>> 0, 4);
    b.writeUInt32BE(extMax >>> 0, 8);
    b.writeUInt32BE(Math.floor(r.jitter) >>> 0, 12);
    b.writeUInt32BE(r.lsr >>> 0, 16);
    const dlsr = r.lsrAt > 0 ? Math.floor(((performance.now() - r.lsrAt) / 1000) * 65536) : 0;
    b.writeUInt32BE(r.lsr ? dlsr >>> 0 : 0, 20);
    return b;
  }

  /** Sends `b` to `to` and records it; `done` when the socket has sent it (or could not). */
  #send(s: Session, sock: Socket | null, fromPort: number, b: Buffer, to: Peer, done?: () => void): void {
    if (!sock || s.closed) return done?.();
    if (s.nat && s.nat.outside(to.host)) {
      // behind a NAT box: out through its mapping, recorded as the outside sees it
      const via = fromPort === s.port ? s.natRtp : s.natRtcp;
      const pub = via?.send(b, { host: to.host, port: to.port, transport: 'UDP' }) ?? null;
      if (pub) this.sent(pub.host, pub.port, to.host, to.port, b);
      return done?.();
    }
    try {
      sock.send(b, to.port, to.host, (err) => {
        // (an unreachable peer: ICMP errors surface on the next send; the call goes on)
        if (err && !s.failed) {
          s.failed = true;
          this.#log(s.node, `media: sending to ${hostPort(to.host, to.port)} failed: ${err.message}`);
        }
        done?.();
      });
    } catch (err) {
      if (!s.failed) {
        s.failed = true;
        this.#log(s.node, `media: sending failed: ${(err as Error).message}`);
      }
      return done?.();
    }
    this.sent(s.host, fromPort, to.host, to.port, b);
  }

  /**
   * A datagram the lab sent (a phone, through its NAT box's mapping, a proxy's media relay:
   * lab-relay.ts): recorded now, and remembered until it arrives at a lab socket ({@link received}).
   */
  sent(src: string, sport: number, dst: string, dport: number, b: Uint8Array): void {
    const a = this.#live.addresses;
    const from = a.name(src);
    const to = a.name(dst);
    this.#record(from, sport, to, dport, b);
    const k = flightKey(from, sport, to, dport, b);
    this.#inFlight.set(k, (this.#inFlight.get(k) ?? 0) + 1);
    const now = performance.now();
    this.#flightKeys.push(k);
    this.#flightAt.push(now);
    this.#forget(now);
  }

  /**
   * A datagram that arrived at a lab socket (a phone's, through its NAT box, a relay's): recorded
   * unless the lab sent it (then it was recorded when sent, once, as a capture on `lo` has it).
   */
  received(src: string, sport: number, dst: string, dport: number, b: Uint8Array): void {
    const a = this.#live.addresses;
    const from = a.name(src);
    const to = a.name(dst);
    const k = flightKey(from, sport, to, dport, b);
    const n = this.#inFlight.get(k);
    if (n === undefined) this.#record(from, sport, to, dport, b);
    else if (n > 1) this.#inFlight.set(k, n - 1);
    else this.#inFlight.delete(k);
  }

  /** Forgets the packets sent longer ago than IN_FLIGHT_MS, and the oldest past IN_FLIGHT_MAX. */
  #forget(now: number): void {
    const keys = this.#flightKeys;
    const at = this.#flightAt;
    let h = this.#flightHead;
    while (h < keys.length && (keys.length - h > IN_FLIGHT_MAX || now - at[h]! > IN_FLIGHT_MS)) {
      const k = keys[h++]!;
      const n = this.#inFlight.get(k);
      // (one that arrived is gone already; the same bytes sent again since keep their count)
      if (n !== undefined && n > 1) this.#inFlight.set(k, n - 1);
      else if (n !== undefined) this.#inFlight.delete(k);
    }
    if (h > 4096 && h * 2 > keys.length) {
      this.#flightKeys = keys.slice(h);
      this.#flightAt = at.slice(h);
      h = 0;
    }
    this.#flightHead = h;
  }

  /** Offers a datagram to the live trace's RTP tracker (which also keeps it, to play and save: live-trace.ts trackMedia). */
  #record(src: number, sport: number, dst: number, dport: number, b: Uint8Array): void {
    this.tracker.datagram(src, sport, dst, dport, b, 0, b.length, epochMicros(), ++this.#frame);
    this.#live.mediaChanged();
  }

  // ------------------------------------------------------------------ in

  /** `via`: the NAT box's public address it came to (a phone behind a box). */
  #received(
    s: Session,
    buf: Buffer,
    from: Pick<RemoteInfo, 'address' | 'port'>,
    rtcpPort: boolean,
    via?: TransportAddress,
  ): void {
    if (s.closed) return;
    if (!via && s.nat && s.nat.outside(from.address)) {
      // straight from outside to a private address: a real NAT never routes it (one-way audio)
      if (!s.natDropped) {
        s.natDropped = true;
        this.#log(
          s.node,
          `media: ${hostPort(from.address, from.port)} -> ${hostPort(s.host, rtcpPort ? s.port + 1 : s.port)} dropped: behind NAT ${s.nat.name}, a private address is not reachable from outside (the peer sends to the SDP's address; comedia or a media relay would send to the public mapping)`,
        );
      }
      return;
    }
    const local = rtcpPort ? s.port + 1 : s.port;
    // (a packet the lab sent was recorded when sent)
    this.received(from.address, from.port, via ? via.host : s.host, via ? via.port : local, buf);
    if (buf.length < 8 || buf[0]! >> 6 !== 2) return;
    const b1 = buf[1]!;
    if (s.comedia) this.#comedia(s, from, rtcpPort);
    if (rtcpPort || (b1 >= 200 && b1 <= 207)) {
      this.#rtcpIn(s, buf);
      return;
    }
    if (buf.length < 12) return;
    const cc = buf[0]! & 0x0f;
    let hdr = 12 + cc * 4;
    if (buf[0]! & 0x10) {
      if (hdr + 4 > buf.length) return;
      hdr += 4 + buf.readUInt16BE(hdr + 2) * 4;
    }
    let end = buf.length;
    if (buf[0]! & 0x20) end -= buf[end - 1]!;
    if (hdr > end) return;
    s.receivedPackets++;
    const seq = buf.readUInt16BE(2);
    const ts = buf.readUInt32BE(4);
    const ssrc = buf.readUInt32BE(8);
    this.#reception(s, ssrc, seq, ts);
    if (s.echoing && s.remote && s.rtp) {
      // An RFC 4733 event goes back too, as Asterisk's Echo() and FreeSWITCH's echo send DTMF back:
      // said once per event (its timestamp), so the console tells the echo from a key pressed.
      if ((b1 & 0x7f) === s.tePt && end - hdr >= 4 && ts !== s.echoedEventTs) {
        s.echoedEventTs = ts;
        this.#log(
          s.node,
          `media: echoing DTMF ${eventName(buf[hdr]!)} back (RFC 4733 telephone-event/${s.tePt}, as an echo test does)`,
        );
      }
      // back with our SSRC, our sequence, and our timestamps at the sender's spacing
      s.ts = (s.ts0 + ((ts - s.rx!.ts0) >>> 0)) >>> 0;
      this.#sendRtp(s, buf.subarray(hdr, end), b1 & 0x7f, (b1 & 0x80) !== 0 || s.marker, 0);
    }
  }

  /**
   * comedia (latching, as the media relay does: src/sip-core/elements/media-relay.ts): the first
   * packet on the RTP port (RTCP port) says where to send the RTP (RTCP) from now on.
   */
  #comedia(s: Session, from: Pick<RemoteInfo, 'address' | 'port'>, rtcpPort: boolean): void {
    const src: TransportAddress = { host: from.address, port: from.port, transport: 'UDP' };
    if (rtcpPort) {
      if (s.latchRtcp.packet(src) && !s.mux) s.remoteRtcp = { host: src.host, port: src.port };
      return;
    }
    if (!s.latch.packet(src)) return;
    const was = s.remote;
    if (was && was.host === src.host && was.port === src.port) return;
    s.remote = { host: src.host, port: src.port };
    if (s.mux) s.remoteRtcp = s.remote;
    this.#log(
      s.node,
      `media: comedia: RTP now to ${hostPort(src.host, src.port)}, where the peer's comes from${was ? ` (its SDP said ${hostPort(was.host, was.port)})` : ''}`,
    );
  }

  #reception(s: Session, ssrc: number, seq: number, ts: number): void {
    const arrival = performance.now() * 8; // in 8 kHz timestamp units
    let r = s.rx;
    if (!r || r.ssrc !== ssrc) {
      s.rx = r = {
        ssrc,
        baseSeq: seq,
        maxSeq: seq,
        cycles: 0,
        received: 0,
        expectedPrior: 0,
        receivedPrior: 0,
        transit: arrival - ts,
        jitter: 0,
        lsr: r?.ssrc === ssrc ? r.lsr : 0,
        lsrAt: 0,
        ts0: ts,
      };
      s.ts0 = s.ts;
    }
    r.received++;
    const delta = (seq - r.maxSeq) & 0xffff;
    if (delta > 0 && delta < 0x8000) {
      if (seq < r.maxSeq) r.cycles += 0x10000;
      r.maxSeq = seq;
    }
    // RFC 3550 A.8: interarrival jitter
    const transit = arrival - ts;
    const d = Math.abs(transit - r.transit);
    r.transit = transit;
    if (d < 8000 * 10) r.jitter += (d - r.jitter) / 16;
  }

  #rtcpIn(s: Session, buf: Buffer): void {
    // the SR of the source we receive: its NTP time's middle 32 bits for our LSR (RFC 3550 §6.4.1)
    if (buf[1] === 200 && buf.length >= 28 && s.rx && buf.readUInt32BE(4) === s.rx.ssrc) {
      s.rx.lsr = ((buf.readUInt16BE(10) << 16) | buf.readUInt16BE(12)) >>> 0;
      s.rx.lsrAt = performance.now();
    }
  }
}

/** A sent packet's key: its addresses (address table ids), ports, length and an FNV-1a hash of its bytes. */
function flightKey(src: number, sport: number, dst: number, dport: number, b: Uint8Array): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
  return `${src}|${sport}|${dst}|${dport}|${b.length}|${h >>> 0}`;
}

/** The socket RTCP goes out of: the RTP socket when muxed (RFC 5761). */
function rtcpSocket(s: Session): Socket | null {
  return s.mux ? s.rtp : s.rtcp;
}

/** RFC 3264 §6.1: we send when our direction and the peer's both allow it. */
function sends(local: MediaDirection, remote: MediaDirection): boolean {
  return (local === 'sendrecv' || local === 'sendonly') && (remote === 'sendrecv' || remote === 'recvonly');
}

function rtcpInterval(): number {
  return RTCP_MS * (0.5 + Math.random());
}

function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

function closeQuietly(sock: Socket | null): void {
  try {
    sock?.close();
  } catch {
    // already closed
  }
}

/** Closes a socket (null: nothing), resolving once closed or when it already was. */
export function closeSocket(sock: Socket | null): Promise<void> {
  return new Promise((resolve) => {
    if (!sock) return resolve();
    try {
      sock.close(() => resolve());
    } catch {
      resolve();
    }
  });
}
