/**
 * A user agent (RFC 3261 §8, UAC and UAS): REGISTER with digest (refresh, un-register, query),
 * INVITE with SDP offer/answer (or the offer in the 200 and the answer in the ACK), ringing,
 * answer after a delay, reject with any code, never answer, CANCEL, BYE, re-INVITE hold/resume
 * (RFC 3264 §8.4, the RTP following the directions) with glare's 491 and back-off (§14), REFER with
 * NOTIFY sipfrag and Referred-By (RFC 3515, RFC 3892) and Replaces (RFC 3891), reliable provisional
 * responses and PRACK (RFC 3262), early media (RFC 3960), session timers (RFC 4028), UPDATE (RFC
 * 3311), OPTIONS, MESSAGE (RFC 3428), presence subscriptions with PIDF (RFC 6665, RFC 3856, RFC
 * 3863); dialogs with route sets (§12).
 */
import { authParam, parseProxyAuthenticate, parseWwwAuthenticate } from '../../message/headers';
import { type DigestInput, buildAuthorization, digestAlgorithm } from '../../message/digest';
import type { SipMessage } from '../../message';
import type { Micros, TimerHandle, TimerTarget } from '../../stack/clock';
import { SECOND } from '../../stack/clock';
import { reasonPhrase } from '../../message/reason-phrases';
import type { Transport, TransportAddress } from '../../stack/transport';
import {
  CallbackTu,
  type ElementEnv,
  SipElement,
  encodeMessage,
  messageWriter,
  type BodyWriter,
  type ResponseOptions,
  writeBody,
  writeBodyBytes,
  writeBodyLength,
} from '../element';
import type { ByteWriter } from '../byte-writer';
import {
  F_CALLID,
  F_FROMTAG,
  F_TOTAG,
  FieldIndex,
  K_CONTACT,
  K_FROM,
  K_RECORD_ROUTE,
  K_TO,
  hasKeyField,
  hasOtherField,
  keyFieldHash,
  keyFieldIs,
  keyTextOnce,
  methodOf,
  utf8Hash,
} from '../msg-index';
import { type UriParts, nameAddrUri, paramOf, uriParts } from '../sip-util';
import type { ClientTransaction } from '../element';
import { InviteClientTransaction } from '../../stack/transaction';
import type { InviteServerTransaction, TransactionInfo } from '../../stack/transaction';
import { readStunMapped } from '../stun';
import { Latch } from '../media-relay';
import { dtmfEventCode } from '../../../shared/dtmf';
import {
  answerDirection,
  buildSdp,
  negotiate,
  offerMedia,
  type PhoneCodec,
  type SdpMedia,
  type MediaDirection,
  readSdp,
  readSdpCached,
  type SdpMemo,
  type SdpSummary,
} from './sdp';

/** How the phone treats an incoming INVITE. */
export interface AnswerPolicy {
  /** Send 180 Ringing (default true). */
  ring: boolean;
  /** Answer after this delay (µs); null: never answer (until a step does). */
  after: Micros | null;
  /** Reject with this code instead of answering. */
  reject?: { code: number; after: Micros; reason?: string };
}

export interface UaConfig {
  /** Address of record, e.g. `sip:alice@atlanta.example.com`. */
  aor: string;
  displayName?: string;
  /** Digest username (default: the AOR user) and password. */
  username?: string;
  password?: string;
  /** Proxies tried in order for requests outside a dialog; the next one on a timeout (RFC 3665 §3.4). */
  outboundProxies?: string[];
  /** Registrar `host[:port]` (default: the AOR's domain). */
  registrar?: string;
  answer?: Partial<AnswerPolicy>;
  /** Require reliable provisional responses (RFC 3262) when answering; offer `Supported: 100rel`. */
  use100rel?: boolean;
  /** Send INVITE without SDP; the offer then comes in the 2xx and the answer in the ACK (RFC 3261 §13.2.1). */
  lateOffer?: boolean;
  /** Follow 3xx Contacts (default true). */
  followRedirects?: boolean;
  /** RTP port in the SDP (default 49170). */
  mediaPort?: number;
  /**
   * The codecs the phone offers and accepts, in its order of preference (default PCMU alone): an
   * answer lists the offered ones it has (RFC 3264 §6.1); an INVITE offering none of them gets 488.
   */
  codecs?: PhoneCodec[];
  /** Offer and accept RTCP on the RTP port (RFC 5761 §5.1.1; default false). */
  rtcpMux?: boolean;
  /**
   * Send a short RTP burst (5 packets, 20 ms apart) to the peer's SDP address once a call is set up
   * (default true; false: signalling only, no media packets on the wire).
   */
  rtpBurst?: boolean;
  /**
   * comedia (latching, as the media relay latches: media-relay.ts {@link Latch}): once the peer's
   * first RTP packet came, the burst goes to where it came from, not to the peer's SDP address (the
   * public mapping of a phone behind a NAT); default false. The lab's phones do the same on their
   * real sockets (src/main/live/lab-media.ts).
   */
  comedia?: boolean;
  /** Credentials sent with the first REGISTER (a cached challenge, RFC 3665 §2.2). */
  preauth?: { realm: string; nonce: string };
  /** After a successful REFER, the transferor hangs up (default true). */
  hangupAfterTransfer?: boolean;
  /** Registration expiry asked for (s, default 3600). */
  expires?: number;
  /**
   * Ring with 183 Session Progress carrying the SDP answer and send RTP before the 200 (early media,
   * RFC 3960 §3: the gateway model); reliable (RFC 3262) when `use100rel` and the caller supports it.
   */
  earlyMedia?: boolean;
  /**
   * Session timers (RFC 4028): the session interval this phone asks for in its INVITEs (s; with
   * `Supported: timer`), and the smallest it accepts (its Min-SE, s, default 90: an INVITE asking
   * for less gets 422, §8.1).
   */
  sessionExpires?: number;
  minSE?: number;
  /** How the refresher refreshes the session: a re-INVITE (default) or an UPDATE without an offer (RFC 4028 §7.4). */
  sessionRefresh?: 'reinvite' | 'update';
}

/**
 * The live host's media side (the lab's real RTP sockets, src/main/live/lab-media.ts); the simulator
 * has none (its media is {@link UserAgent.media} and the RTP burst). The core sets no timer for it:
 * it only asks for each call's RTP port and says when a call's media may have changed.
 */
export interface LiveMedia {
  /** The RTP port to write in `call`'s SDP (the host opens it the first time it is asked). */
  port(call: Call): number;
  /**
   * `call`'s media may have changed: an SDP offer and answer completed (RFC 3264 §5, §6), its
   * direction changed (hold and resume, §8.4), early media began (RFC 3960), or it ended.
   * `media`: what the offer and answer agreed (the codec to send, telephone-event, rtcp-mux),
   * null while no SDP has come from the peer.
   */
  changed(call: Call, media?: SdpMedia | null): void;
}

export type CallState = 'calling' | 'proceeding' | 'early' | 'confirmed' | 'terminated' | 'failed';

/** A dialog (RFC 3261 §12). */
export interface Dialog {
  callId: string;
  localTag: string;
  remoteTag: string;
  localUri: string;
  remoteUri: string;
  localSeq: number;
  remoteSeq: number;
  remoteTarget: string;
  /** Route set, in the order to put it in Route headers. */
  routeSet: string[];
  state: 'early' | 'confirmed' | 'terminated';
}

/** One INVITE session, either direction. */
export interface Call {
  id: string;
  direction: 'out' | 'in';
  state: CallState;
  callId: string;
  localTag: string;
  /** Request-URI of the INVITE: the callee, then the Contact of a 3xx (RFC 3261 §8.1.3.4). */
  target: string;
  /** The To URI: the callee as first dialled, kept when a 3xx changes the target (RFC 3665 §3.6 F4). */
  readonly toUri: string;
  dialog: Dialog | null;
  /** Final status (or 408 for a local timeout). */
  status: number | null;
  remoteSdp: string | null;
  localDirection: MediaDirection;
  sdpVersion: number;
  // UAC side
  inviteTxn: ClientTransaction | null;
  inviteCseq: number;
  inviteBranch: string;
  inviteDest: TransportAddress | null;
  inviteBytes: Uint8Array | null;
  cancelPending: boolean;
  cancelled: boolean;
  authTries: number;
  proxyIndex: number;
  credentials: string[];
  // UAS side
  ist: InviteServerTransaction | null;
  invite: SipMessage | null;
  source: TransportAddress | null;
  okBytes: Uint8Array | null;
  okTimer: TimerHandle | null;
  rseq: number;
  timers: TimerHandle[];
  /** RTP packets received from the peer (media check). */
  mediaReceived: number;
  /** Set when this call came from a REFER: the dialog to NOTIFY. */
  referDialog: Dialog | null;
  /** Order of creation in this UA (SDP session id). */
  seq: number;
}

/** Registration state with one registrar. */
export interface Registration {
  state: 'idle' | 'registering' | 'registered' | 'failed' | 'unregistered';
  expires: number;
  status: number | null;
  contacts: string[];
  cseq: number;
  callId: string;
  tag: string;
}

/** A non-INVITE request as built: its bytes, next hop, branch and (outside a dialog) Request-URI. */
interface BuiltRequest {
  bytes: Uint8Array;
  dest: TransportAddress;
  branch: string;
  /** The Request-URI, for a digest answer (a request in a dialog takes its dialog's). */
  ruri?: string;
}

/**
 * A non-INVITE request of this phone until its final response (the userData of its client
 * transaction, so one transaction user serves them all): built by `build`, or, for a request in a
 * dialog (`build` null), from `extra`, `body` and `contentType`; sent again once with credentials
 * after a 401/407.
 */
class PendingRequest {
  tries = 0;
  /** Request-URI of the request in flight (outside a dialog), for the digest answer. */
  ruri: string | null = null;
  /** Credentials the request in flight carries. */
  creds: string[] = NO_STRINGS;
  constructor(
    readonly method: string,
    readonly dialog: Dialog | null,
    readonly build: ((creds: string[], cseq: number) => BuiltRequest) | null,
    readonly done: ((status: number, msg: SipMessage | null) => void) | undefined,
    readonly extra: readonly string[] = NO_STRINGS,
    readonly body = '',
    readonly contentType = 'application/sdp',
  ) {}
}

/** Shared empty lists of a new call (frozen: a call's lists are replaced, never pushed to). */
const NO_TIMERS = Object.freeze([]) as unknown as TimerHandle[];
const NO_STRINGS = Object.freeze([]) as unknown as string[];

/**
 * A digest challenge a call's INVITE answered: each later INVITE of the call that carries it again
 * (RFC 3665 §3.3: a second proxy challenges) answers it with the next nonce-count, not a copy of
 * the first answer, which a server counting nonces takes for a replay (RFC 2617 §3.2.2, RFC 7616
 * §3.4: nc counts the requests sent with that nonce).
 */
interface DigestAnswer {
  header: 'Authorization' | 'Proxy-Authorization';
  input: DigestInput & { opaque?: string };
  nc: number;
}
const NO_DIGEST = Object.freeze([]) as unknown as DigestAnswer[];

function digestLine(a: DigestAnswer): string {
  return `${a.header}: ${buildAuthorization({ ...a.input, nc: a.nc.toString(16).padStart(8, '0') })}`;
}

/** What a call's timer does when it fires (CallRecord.onTimer codes). */
const T_FORGET = 0;
const T_ANSWER = 1;
const T_REJECT = 2;
const T_2XX = 3;
const T_RTP = 4;
const T_RELIABLE = 5;
const T_SESSION = 6;

/**
 * A {@link Call} that is also the target of its own timers (answer, reject, 2xx retransmission, RTP
 * burst, forgetting it): the clock calls `onTimer(code)` instead of a closure per timer.
 */
class CallRecord implements Call, TimerTarget {
  state: CallState = 'calling';
  dialog: Dialog | null = null;
  status: number | null = null;
  remoteSdp: string | null = null;
  localDirection: MediaDirection = 'sendrecv';
  sdpVersion = 1;
  inviteTxn: ClientTransaction | null = null;
  inviteCseq = 1;
  inviteBranch = '';
  inviteDest: TransportAddress | null = null;
  inviteBytes: Uint8Array | null = null;
  cancelPending = false;
  cancelled = false;
  authTries = 0;
  proxyIndex = 0;
  credentials: string[] = NO_STRINGS;
  /** What `credentials` answer (see {@link DigestAnswer}). */
  digest: DigestAnswer[] = NO_DIGEST;
  ist: InviteServerTransaction | null = null;
  invite: SipMessage | null = null;
  source: TransportAddress | null = null;
  okBytes: Uint8Array | null = null;
  okTimer: TimerHandle | null = null;
  /** The last ACK for a 2xx sent and where it went (sent again for a 2xx once the call is forgotten). */
  ackBytes: Uint8Array | null = null;
  ackDest: TransportAddress | null = null;
  rseq = 0;
  timers: TimerHandle[] = NO_TIMERS;
  /** utf8Hash of the Call-ID (31 bits): the call's key in UserAgent.byCallId. */
  callIdKey = 0;
  /** The next older call with the same key (UserAgent.byCallId chains them, newest first). */
  sameKey: CallRecord | null = null;
  mediaReceived = 0;
  referDialog: Dialog | null = null;
  /** 2xx retransmission (§13.3.1.4): the interval of the pending timer and the time retransmitted so far. */
  okInterval: Micros = 0;
  okElapsed: Micros = 0;
  /** RTP burst: the next packet and where the packets go. */
  rtpNext = 0;
  rtpDest: TransportAddress | null = null;
  /** comedia: where the peer's RTP comes from, once its first packet came (null: not latched, or no comedia). */
  rtpLatch: Latch | null = null;
  /** The burst's packets (made when it starts, see rtpBurst). */
  rtpPackets: Uint8Array[] | null = null;
  /**
   * This side's SSRC (-1: no burst yet), next sequence number, and the timestamp of its first packet
   * with the virtual time it was sent at (the sampling clock runs from there, RFC 3550 §5.1).
   */
  rtpSsrc = -1;
  rtpSeq = 0;
  rtpTs = 0;
  rtpT0: Micros = 0;
  /** See {@link Call.toUri}. */
  readonly toUri: string;
  /** In {@link UserAgent.calls} (false: forgotten there, removed at the list's next compaction). */
  listed = true;
  /** Header lines of this call's INVITEs beyond the usual (Referred-By, Replaces, session timer). */
  extraHeaders: string[] = NO_STRINGS;
  /** UAS: the RSeq of the reliable provisional response not yet PRACKed (0: none) and its bytes (RFC 3262 §3). */
  relRseq = 0;
  relBytes: Uint8Array | null = null;
  relInterval: Micros = 0;
  relElapsed: Micros = 0;
  relTimer: TimerHandle | null = null;
  /** UAS: the unacknowledged reliable provisional response carried the SDP answer. */
  relSdp = false;
  /** UAS: the SDP answer went in a reliable provisional response (the 2xx then has no body). */
  answeredEarly = false;
  /** UAS: the answer waits for the PRACK of a reliable provisional response that carried SDP (RFC 3262 §3). */
  answerAfterPrack = false;
  /** UAC: the RSeq of the last reliable provisional response PRACKed (RFC 3262 §4). */
  rseqIn = 0;
  /** A re-INVITE of ours has no final response yet (RFC 3261 §14.1: another one gets 491). */
  reinvitePending = false;
  /** UAS: the CSeq of a re-INVITE whose 2xx awaits its ACK (media follows the ACK). */
  reinviteAck = 0;
  /** Session timer (RFC 4028): the interval (s, 0: none), whether this side refreshes, the pending timer. */
  sessionInterval = 0;
  refresher = false;
  sessionTimer: TimerHandle | null = null;
  /** The remote SDP text last read, and what it says. */
  sdpRead: string | null = null;
  sdpSummary: SdpSummary | null = null;
  /** The formats our SDP lists: the answer we gave to the peer's offer (RFC 3264 §6.1); null: our offer's. */
  media: SdpMedia | null = null;
  readonly #ua: UserAgent;
  /** `<node>-<n>`, made when first asked for (most calls of a long run are never named). */
  #id: string | null = null;
  readonly #n: number;

  get id(): string {
    return (this.#id ??= `${this.#ua.node}-${this.#n}`);
  }
  set id(id: string) {
    this.#id = id;
  }

  constructor(
    ua: UserAgent,
    n: number,
    readonly direction: 'out' | 'in',
    readonly callId: string,
    readonly localTag: string,
    public target: string,
    readonly seq: number,
  ) {
    this.#ua = ua;
    this.#n = n;
    this.toUri = target;
  }

  onTimer(code: number): void {
    this.#ua.onCallTimer(this, code);
  }
}

/**
 * What a call forgotten at once (ended by a BYE, see {@link UserAgent.retainEndedCalls}) leaves
 * with its INVITE transaction for the 64*T1 that transaction still lives, instead of the call: its
 * tag (the 200 to a late CANCEL carries it, RFC 3261 §9.2) and, for a call we placed, the last ACK
 * and where it went — a retransmitted 2xx is ACKed again with it (§13.2.2.4) and the dialog stays
 * over. So the record, its dialog and media state go when the call ends.
 */
class EndedCall {
  constructor(
    readonly localTag: string,
    readonly ack: Uint8Array | null,
    readonly ackDest: TransportAddress | null,
  ) {}
}

/** The user data of the INVITE transaction of every forgotten call we placed (its ACK is with the transaction). */
const PLACED_CALL_ENDED = new EndedCall('', null, null);

/** How many results a phone keeps in {@link UserAgent.results} (the rest are counted). */
export const UA_RESULTS_KEPT = 1000;

/** `${method} ${status}` for {@link UserAgent.results}, one string per pair (a phone repeats a few). */
function resultText(method: string, status: number): string {
  let byStatus = RESULT_TEXT.get(method);
  if (!byStatus) RESULT_TEXT.set(method, (byStatus = []));
  return (byStatus[status] ??= `${method} ${status}`);
}
const RESULT_TEXT = new Map<string, string[]>();

/** readSdp of the call's remote SDP, read once per body text (and once per peer's SDP, see readSdpCached). */
function remoteMedia(c: CallRecord, sdp: string, memo: SdpMemo): SdpSummary {
  if (c.sdpRead !== sdp || c.sdpSummary === null) {
    c.sdpRead = sdp;
    c.sdpSummary = readSdpCached(sdp, memo);
  }
  return c.sdpSummary;
}

/** No body (a 2xx after the SDP answer went in a reliable provisional response). */
const EMPTY_BODY = new Uint8Array(0);

/** RTP packets per burst, 20 ms (160 samples at 8 kHz) apart. */
const RTP_BURST = 5;
/** Octets of one G.711 packet: the 12-octet header (RFC 3550 §5.1) and 20 ms of audio. */
const RTP_SIZE = 12 + 160;

/** Per payload type, a burst's bytes but for the sequence numbers, timestamps and SSRC (see rtpBurst). */
const RTP_TEMPLATES = new Map<number, Uint8Array>();

function rtpTemplate(pt: number): Uint8Array {
  let t = RTP_TEMPLATES.get(pt);
  if (!t) {
    t = new Uint8Array(RTP_BURST * RTP_SIZE);
    // silence: PCMU 0xff, PCMA 0xd5 (ITU-T G.711 zero level), 0 for any other codec
    t.fill(pt === 0 ? 0xff : pt === 8 ? 0xd5 : 0);
    for (let o = 0; o < t.length; o += RTP_SIZE) {
      t.fill(0, o, o + 12);
      t[o] = 0x80; // version 2, no padding, extension nor CSRC
      t[o + 1] = pt;
    }
    RTP_TEMPLATES.set(pt, t);
  }
  return t;
}

/**
 * Bursts are carved from 64 KiB slabs: a typed array over 64 octets gets its own off-heap buffer in
 * V8, whose allocation and collection cost more than the rest of the burst (measured: 12% of a call
 * with RTP, 0.88 of the old constant packets' rate); a slab serves 76 bursts and is freed with its
 * last packet. A carved region is never written again.
 */
const RTP_SLAB = 64 * 1024;
let rtpSlab = new Uint8Array(0);
let rtpSlabAt = 0;

function rtpBytes(n: number): Uint8Array {
  if (rtpSlabAt + n > rtpSlab.length) {
    rtpSlab = new Uint8Array(RTP_SLAB);
    rtpSlabAt = 0;
  }
  const b = rtpSlab.subarray(rtpSlabAt, rtpSlabAt + n);
  rtpSlabAt += n;
  return b;
}

/**
 * One call side's RTP burst as a phone sends it (RFC 3550 version 2 headers): the side's own SSRC,
 * sequence numbers and timestamps from per-call starts (timestamp +160 a packet; a later burst's first
 * timestamp is the first burst's plus the 8 kHz samples of the time between them, `now`: the sampling
 * clock goes on while a phone on hold sends nothing, RFC 3550 §5.1), payload type `pt`
 * (the first of the peer's SDP: PCMU 0 when it names none) and 160 octets of G.711 silence. The values
 * come from the Call-ID's hash mixed with `side` (the hash of the phone's media address): deterministic
 * per run, and no draw from the simulation's id source (the SIP bytes stay those of a run without RTP).
 * One region per burst (a copy of the payload type's template, see rtpBytes); a packet's bytes are
 * never changed once sent (the network keeps them).
 */
function rtpBurst(c: CallRecord, side: number, pt: number, now: Micros): Uint8Array[] {
  if (c.rtpSsrc < 0) rtpStart(c, side, now);
  const all = rtpBytes(RTP_BURST * RTP_SIZE);
  all.set(rtpTemplate(pt));
  const ssrc = c.rtpSsrc;
  const ts0 = c.rtpTs + Math.floor((now - c.rtpT0) / 125); // 125 µs a sample at 8,000 Hz
  const out: Uint8Array[] = [];
  for (let i = 0, o = 0; i < RTP_BURST; i++, o += RTP_SIZE) {
    const seq = (c.rtpSeq + i) & 0xffff;
    const ts = (ts0 + i * 160) >>> 0;
    all[o + 2] = seq >>> 8;
    all[o + 3] = seq & 0xff;
    all[o + 4] = ts >>> 24;
    all[o + 5] = (ts >>> 16) & 0xff;
    all[o + 6] = (ts >>> 8) & 0xff;
    all[o + 7] = ts & 0xff;
    all[o + 8] = ssrc >>> 24;
    all[o + 9] = (ssrc >>> 16) & 0xff;
    all[o + 10] = (ssrc >>> 8) & 0xff;
    all[o + 11] = ssrc & 0xff;
    out.push(all.subarray(o, o + RTP_SIZE));
  }
  // a later burst of the same call (a re-INVITE's) goes on from here, as one stream
  c.rtpSeq += RTP_BURST;
  return out;
}

/** A call side's stream starts (see rtpBurst): its SSRC, first sequence number and timestamp at `now`. */
function rtpStart(c: CallRecord, side: number, now: Micros): void {
  c.rtpT0 = now;
  let h = Math.imul(c.callIdKey ^ side, 0x9e3779b1);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  c.rtpSsrc = (h ^ (h >>> 13)) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
  c.rtpSeq = (h >>> 16) & 0x7fff; // below 2^15: no wrap within a run's bursts
  h = Math.imul(h ^ (h >>> 12), 0x297a2d39);
  c.rtpTs = (h ^ (h >>> 15)) >>> 0;
}

/** Octets of one RFC 4733 event packet: the RTP header and the 4-octet payload (§2.3). */
const RTP_EVENT_SIZE = 12 + 4;
/** The events' volume (§2.3.4: −10 dBm0, as the lab's phones send). */
const DTMF_VOLUME = 10;

/**
 * One key press as RFC 4733 events on call side `c`'s stream (after rtpStart), the packets and
 * their send times from `start`: every packet carries the event's start timestamp (§2.5.1.1, the
 * stream's sampling clock at `start`), the marker bit on the first, an update every 20 ms with the
 * duration so far (160 samples a packet at 8 kHz), the last one with the E bit and the full
 * duration, sent three times 20 ms apart (§2.5.1.4), each with its own sequence number.
 */
function rtpEvent(
  c: CallRecord,
  pt: number,
  code: number,
  packets: number,
  start: Micros,
): { at: Micros; bytes: Uint8Array }[] {
  const ts = (c.rtpTs + Math.floor((start - c.rtpT0) / 125)) >>> 0;
  const ssrc = c.rtpSsrc;
  const out: { at: Micros; bytes: Uint8Array }[] = [];
  for (let n = 1; n <= packets + 2; n++) {
    const b = rtpBytes(RTP_EVENT_SIZE);
    const seq = c.rtpSeq++ & 0xffff;
    const duration = Math.min(n, packets) * 160;
    b[0] = 0x80;
    b[1] = (n === 1 ? 0x80 : 0) | (pt & 0x7f);
    b[2] = seq >>> 8;
    b[3] = seq & 0xff;
    b[4] = ts >>> 24;
    b[5] = (ts >>> 16) & 0xff;
    b[6] = (ts >>> 8) & 0xff;
    b[7] = ts & 0xff;
    b[8] = ssrc >>> 24;
    b[9] = (ssrc >>> 16) & 0xff;
    b[10] = (ssrc >>> 8) & 0xff;
    b[11] = ssrc & 0xff;
    b[12] = code;
    b[13] = (n >= packets ? 0x80 : 0) | DTMF_VOLUME;
    b[14] = duration >>> 8;
    b[15] = duration & 0xff;
    out.push({ at: start + (n - 1) * 20_000, bytes: b });
  }
  return out;
}

/** How a phone presses keys in a call ({@link UserAgent.dtmf}). */
export interface DtmfSend {
  method: 'rfc4733' | 'info';
  /** Per key, ms (RTP events: rounded to 20 ms packets, at least two). */
  durationMs: number;
  /** From one key's end (its duration) to the next key, ms (RTP events: more than 20, the end packet's repeats). */
  pauseMs: number;
}

const ALLOW = 'INVITE, ACK, CANCEL, BYE, OPTIONS, REFER, NOTIFY, SUBSCRIBE, PRACK, UPDATE, MESSAGE, INFO';

// The constant parts of the requests a phone sends, as bytes (the variable parts are written between them).
const enc = new TextEncoder();
const dec = new TextDecoder();
const SIP20_CRLF = enc.encode(' SIP/2.0\r\n');
const INVITE_SP = enc.encode('INVITE ');
const MAX_FORWARDS_70 = enc.encode('Max-Forwards: 70\r\n');
const CRLF = enc.encode('\r\n');
const SP = enc.encode(' ');
const FROM_LT = enc.encode('From: <');
const TO_LT = enc.encode('To: <');
const GT_CRLF = enc.encode('>\r\n');
const GT_TAG = enc.encode('>;tag=');
const CALL_ID = enc.encode('Call-ID: ');
const CSEQ = enc.encode('CSeq: ');
const ROUTE = enc.encode('Route: ');
const SP_INVITE_CRLF = enc.encode(' INVITE\r\n');
const ALLOW_LINE = enc.encode(`Allow: ${ALLOW}\r\n`);
const SUPPORTED_100REL = enc.encode('Supported: 100rel\r\n');
const CONTENT_TYPE_SDP = enc.encode('Content-Type: application/sdp\r\n');
const CONTENT_TYPE = enc.encode('Content-Type: ');

/** RFC 3261 §12.2.1.1: Request-URI, Route values and next hop of a request in a dialog. */
interface DialogRouting {
  ruri: string;
  routes: string[];
  dest: TransportAddress;
}

/**
 * The phone's SDP as a body written in place: the bytes before and after the session id, and the id
 * (one reused object per phone, filled for each message: no body bytes of its own).
 */
class SdpBody implements BodyWriter {
  head: Uint8Array = CRLF;
  tail: Uint8Array = CRLF;
  id = 0;
  get length(): number {
    return this.head.length + decimalDigits(this.id) + this.tail.length;
  }
  write(w: ByteWriter): void {
    w.bytes(this.head);
    w.uint(this.id);
    w.bytes(this.tail);
  }
  /** `Content-Length: n`, the blank line and the body (writeBodyBytes' ending). */
  writeWithLength(w: ByteWriter): void {
    writeBodyLength(w, this.length);
    this.write(w);
  }
}

/** Number of decimal digits of a non-negative integer (String(n).length). */
function decimalDigits(n: number): number {
  if (!(n >= 0 && n <= 0xffffffff && n === Math.floor(n))) return String(n).length;
  let d = 1;
  for (let x = n; x >= 10; x = Math.floor(x / 10)) d++;
  return d;
}

/** A dialog this phone made, with the routing of its requests as last worked out (see dialogRouting). */
interface UaDialog extends Dialog {
  routing:
    (DialogRouting & { target: string; routeSet: string[]; first: string | undefined; count: number }) | null;
}

/** Seconds the implicit subscription of a REFER we accept lasts (RFC 3515 §2.4.4): its NOTIFYs' expires. */
const REFER_EXPIRES = 60;

/** A subscription's dialog (RFC 6665 §4.1.2.4): `role` says which side we are, notifier or subscriber. */
interface SubDialog extends UaDialog {
  role?: 'notifier' | 'subscriber';
  /** Notifier: when the subscription expires (virtual µs). */
  expiresAt?: Micros;
  /** Notifier: the timer of that expiry (RFC 6665 §4.2.2), re-armed by each refresh. */
  expiry?: TimerHandle | null;
}

/** A subscription of ours (subscriber side). */
interface Subscription {
  target: string;
  callId: string;
  tag: string;
  /** CSeq of the initial SUBSCRIBE (the dialog's requests go on from it). */
  cseq: number;
  /** Expiry asked for (s). */
  expires: number;
  dialog: SubDialog | null;
  /** The pending refresh. */
  timer: TimerHandle | null;
  /** Unsubscribed or failed: no more refreshes. */
  ended: boolean;
}

/** The index reader of the dialog setup (uasDialog, dialogFromResponse: one at a time). */
const dialogFields = new FieldIndex();

/** Call-ID hashes are keyed by their low 30 bits: small integers, which a Map hashes fastest. */
const KEY_MASK = 0x3fffffff;

/** The request a non-INVITE client transaction was made for (its userData). */
function pendingOf(tx: TransactionInfo): PendingRequest {
  return (tx as ClientTransaction).userData as PendingRequest;
}

/** The call an INVITE client transaction was made for (its userData). */
function callOf(tx: TransactionInfo): Call {
  return (tx as ClientTransaction).userData as Call;
}

export class UserAgent extends SipElement {
  /** The calls in the order they began, forgotten ones included until {@link compactCalls}. */
  readonly #calls: CallRecord[] = [];
  /** Forgotten calls still in `#calls`. */
  #unlisted = 0;
  /**
   * This phone's calls, oldest first (in the order they began, whatever was forgotten): the live
   * ones and the ended ones it keeps (all by default, the newest {@link endedCallsKept} in a lab,
   * none with {@link retainEndedCalls} false). Read it again after the phone ran: the array is
   * compacted in place when read.
   */
  get calls(): readonly Call[] {
    if (this.#unlisted > 0) this.compactCalls();
    return this.#calls;
  }
  /** How many ended calls are no longer in {@link calls} (forgotten: the cap, or not retained). */
  callsForgotten = 0;
  /** How many calls have ended (terminated or failed), kept in {@link calls} or not. */
  callsEnded = 0;
  /** Calls so far: all, going on now, ended and still in {@link calls}, ended and forgotten (small counters). */
  callCounts(): { total: number; live: number; ended: number; forgotten: number } {
    const total = this.nextCall - 1;
    return {
      total,
      live: total - this.callsEnded,
      ended: this.callsEnded - this.callsForgotten,
      forgotten: this.callsForgotten,
    };
  }
  readonly registration: Registration;
  /** Requests received outside INVITE sessions (MESSAGE, OPTIONS, NOTIFY...) by method. */
  readonly received = new Map<string, number>();
  /**
   * Final statuses of our requests, in order (`REGISTER 401`, `OPTIONS 200`, `INVITE 200` of a
   * re-INVITE...): the first {@link UA_RESULTS_KEPT}; later ones are counted in `resultsDropped` (a lab
   * phone under SIPp load for hours would otherwise keep one entry per BYE) and still answer
   * {@link hasResult}.
   */
  readonly results: string[] = [];
  /** Results past {@link UA_RESULTS_KEPT}, not kept in `results`. */
  resultsDropped = 0;
  /** Every distinct result seen (method × status: a few dozen at most). */
  readonly #resultSet = new Set<string>();
  /** Whether this phone ever got `text` (`BYE 200`) as a final status, kept in `results` or not. */
  hasResult(text: string): boolean {
    return this.#resultSet.has(text);
  }

  private noteResult(text: string): void {
    this.#resultSet.add(text);
    if (this.results.length < UA_RESULTS_KEPT) this.results.push(text);
    else this.resultsDropped++;
  }

  /** Hash of the media port's address (31 bits; -1: not yet), mixed into each call's RTP values. */
  #rtpSide = -1;
  /** The last remote SDP read (readSdpCached). */
  private readonly sdpMemo: SdpMemo = { last: null };
  /** What the phone offers (its codecs, rtcp-mux): one object, compared by identity. */
  readonly offer: SdpMedia;
  private readonly answer: AnswerPolicy;
  private readonly aorParts: ReturnType<typeof uriParts>;
  private readonly user: string;
  private nextCall = 1;
  private cseqOut = 1;
  /** Media endpoint (set by the simulator). */
  media: Transport | null = null;
  /** Real RTP sockets (set by the lab); null in the simulator. */
  liveMedia: LiveMedia | null = null;
  /** Timer labels naming this phone (made once). */
  private readonly labels: { answer: string; reject: string };
  /** Receives the mapped address of a STUN Binding response on the SIP port. */
  stunHandler: ((mapped: { host: string; port: number }) => void) | null = null;

  override onMessage(bytes: Uint8Array, source: TransportAddress): void {
    if ((bytes[0] ?? 0x41) < 0x40) {
      const m = readStunMapped(bytes);
      if (m && this.stunHandler) this.stunHandler(m);
      return;
    }
    super.onMessage(bytes, source);
  }

  constructor(
    env: ElementEnv,
    transport: Transport,
    readonly config: UaConfig,
  ) {
    super(env, transport);
    this.aorParts = uriParts(config.aor);
    this.user = this.aorParts.user ?? env.node.toLowerCase();
    this.answer = { ring: true, after: 0, ...config.answer };
    this.offer = offerMedia(config.codecs ?? ['PCMU'], config.rtcpMux === true);
    this.labels = { answer: `${env.node} answer`, reject: `${env.node} reject` };
    this.registration = {
      state: 'idle',
      expires: 0,
      status: null,
      contacts: [],
      cseq: 0,
      callId: this.ids.callId(this.transport.local.host),
      tag: this.ids.tag(),
    };
  }

  // ------------------------------------------------------------------ helpers

  get contactUri(): string {
    return `sip:${this.user}@${this.sentBy}`;
  }

  /** `Contact: <contactUri>` CRLF as bytes (made again when our address changes). */
  private contactLine(): Uint8Array {
    const sb = this.sentBy;
    if (sb !== this.contactLineFor) {
      this.contactLineFor = sb;
      this.contactLineBytes = enc.encode(`Contact: <${this.contactUri}>\r\n`);
    }
    return this.contactLineBytes;
  }
  private contactLineFor = '';
  /** `Contact: <contactUri>` and `Allow: ...` lines as bytes. */
  private contactAllowLines(): Uint8Array {
    const c = this.contactLine();
    if (this.contactAllowFor !== c) {
      this.contactAllowFor = c;
      this.contactAllowBytes = new Uint8Array(c.length + ALLOW_LINE.length);
      this.contactAllowBytes.set(c);
      this.contactAllowBytes.set(ALLOW_LINE, c.length);
    }
    return this.contactAllowBytes;
  }
  private contactAllowFor: Uint8Array | null = null;
  private contactAllowBytes = CRLF;
  private contactLineBytes = CRLF;
  /** `From: <fromValue>;tag=` as bytes. */
  private fromTagHead: Uint8Array | null = null;

  private get fromValue(): string {
    return this.config.displayName
      ? `"${this.config.displayName}" <${this.config.aor}>`
      : `<${this.config.aor}>`;
  }

  private mediaIp(): string {
    return (this.mediaAdvertised ?? this.advertised ?? this.transport.local).host;
  }

  /** Public address of the media port (learned by STUN), used in the SDP. */
  mediaAdvertised: { host: string; port: number } | null = null;

  private localSdp(call: Call): string {
    return buildSdp({
      user: this.user,
      sessionId: 2890844526 + call.seq,
      version: call.sdpVersion,
      ip: this.mediaIp(),
      port: this.liveMedia?.port(call) ?? this.mediaAdvertised?.port ?? this.config.mediaPort ?? 49170,
      direction: call.localDirection,
      media: (call as CallRecord).media ?? this.offer,
    });
  }

  /**
   * What `call`'s offer and answer agreed (RFC 3264 §6.1, §7): the peer's SDP read against our
   * formats (an answer to our offer, or the offer we answered: both give the codec we send); null
   * before the peer's SDP.
   */
  negotiated(call: Call): SdpMedia | null {
    if (!call.remoteSdp) return null;
    return negotiate(remoteMedia(call as CallRecord, call.remoteSdp, this.sdpMemo), this.offer);
  }

  /**
   * {@link localSdp} of `call` written into a message being written, as a body with its
   * Content-Length (what writeBodyBytes writes for its bytes), with no bytes of its own: the parts
   * before and after the session id are kept as bytes (they change only with the version, address,
   * port or direction), the id is written between them.
   */
  private writeLocalSdp(w: ByteWriter, call: Call): void {
    const body = this.localSdpBody(call);
    if (body === this.sdpBody) body.writeWithLength(w);
    else writeBodyBytes(w, body as Uint8Array);
  }

  /** The local SDP of `call` as a body to write (the phone's reused writer of it, or its bytes). */
  private localSdpBody(call: Call): SdpBody | Uint8Array {
    if (!this.splitSdp(call)) return enc.encode(this.localSdp(call));
    const b = this.sdpBody;
    b.head = this.sdpKey.head!;
    b.tail = this.sdpKey.tail!;
    b.id = 2890844526 + call.seq;
    return b;
  }
  private readonly sdpBody = new SdpBody();

  /** Brings the SDP split at the session id up to date; false when buildSdp's text cannot be split so. */
  private splitSdp(call: Call): boolean {
    const version = call.sdpVersion;
    const ip = this.mediaIp();
    const port = this.liveMedia?.port(call) ?? this.mediaAdvertised?.port ?? this.config.mediaPort ?? 49170;
    const dir = call.localDirection;
    const media = (call as CallRecord).media ?? this.offer;
    const k = this.sdpKey;
    if (
      k.version !== version ||
      k.ip !== ip ||
      k.port !== port ||
      k.dir !== dir ||
      k.media !== media ||
      k.head === null
    ) {
      // buildSdp's text split at the session id (it follows `o=<user> `)
      const text = buildSdp({ user: this.user, sessionId: 0, version, ip, port, direction: dir, media });
      const head = `v=0\r\no=${this.user} `;
      if (!text.startsWith(`${head}0 `)) return false;
      this.sdpKey = {
        version,
        ip,
        port,
        dir,
        media,
        head: enc.encode(head),
        tail: enc.encode(text.slice(head.length + 1)),
      };
    }
    return true;
  }
  private sdpKey: {
    version: number;
    ip: string;
    port: number;
    dir: MediaDirection;
    media: SdpMedia | null;
    head: Uint8Array | null;
    tail: Uint8Array | null;
  } = { version: 0, ip: '', port: 0, dir: 'sendrecv', media: null, head: null, tail: null };

  /** The last outbound proxy split (the same one serves every call). */
  private proxyPartsOf = '';
  private proxyParts: Readonly<UriParts> | null = null;

  /** Destination of a request outside a dialog: the current outbound proxy, else the URI's host. */
  private outOfDialogDest(uri: string, proxyIndex = 0): TransportAddress {
    const px = this.config.outboundProxies;
    if (px && px.length) {
      const name = px[Math.min(proxyIndex, px.length - 1)]!;
      if (name !== this.proxyPartsOf) {
        this.proxyPartsOf = name;
        this.proxyParts = uriParts(`sip:${name}`);
      }
      const p = this.proxyParts!;
      return this.uriDestination(p.host, p.port);
    }
    const u = uriParts(uri);
    return this.uriDestination(u.host, u.port);
  }

  /** RFC 3261 §12.2.1.1: Request-URI, Route headers and next hop of a request in `d`. */
  private dialogRouting(d: Dialog): DialogRouting {
    // the ACK and the BYE of a call go the same way: kept with the dialog while its remote target
    // and route set stay the same (RFC 3261 §12.2.1.2: a target refresh changes the target)
    const ud = d as UaDialog;
    const kept = ud.routing;
    if (
      kept &&
      kept.target === d.remoteTarget &&
      kept.routeSet === d.routeSet &&
      kept.first === d.routeSet[0] &&
      kept.count === d.routeSet.length
    )
      return kept;
    const r = this.routingOf(d);
    ud.routing = {
      ruri: r.ruri,
      routes: r.routes,
      dest: r.dest,
      target: d.remoteTarget,
      routeSet: d.routeSet,
      first: d.routeSet[0],
      count: d.routeSet.length,
    };
    return ud.routing;
  }

  private routingOf(d: Dialog): DialogRouting {
    if (d.routeSet.length === 0) {
      const u = uriParts(d.remoteTarget);
      return { ruri: d.remoteTarget, routes: [], dest: this.uriDestination(u.host, u.port) };
    }
    const first = nameAddrUri(d.routeSet[0]!);
    const fp = uriParts(first);
    if (paramOf(fp.params, 'lr') !== null) {
      return { ruri: d.remoteTarget, routes: d.routeSet, dest: this.uriDestination(fp.host, fp.port) };
    }
    // Strict routing: the first route becomes the Request-URI, the remote target the last Route.
    return {
      ruri: first,
      routes: [...d.routeSet.slice(1), `<${d.remoteTarget}>`],
      dest: this.uriDestination(fp.host, fp.port),
    };
  }

  private dialogHeaders(d: Dialog, method: string, cseq: number, branch: string, routes: string[]): string[] {
    const h = [`Via: ${this.via(branch)}`, 'Max-Forwards: 70'];
    for (const r of routes) h.push(`Route: ${r}`);
    h.push(
      `From: <${d.localUri}>;tag=${d.localTag}`,
      `To: <${d.remoteUri}>;tag=${d.remoteTag}`,
      `Call-ID: ${d.callId}`,
      `CSeq: ${cseq} ${method}`,
    );
    if (method !== 'ACK' && method !== 'CANCEL' && method !== 'BYE') h.push(`Contact: <${this.contactUri}>`);
    return h;
  }

  private newCall(direction: 'out' | 'in', callId: string, target: string): CallRecord {
    const c = new CallRecord(
      this,
      this.nextCall++,
      direction,
      callId,
      this.ids.tag(),
      target,
      this.nextSeq++,
    );
    this.#calls.push(c);
    const key = utf8Hash(callId) & KEY_MASK;
    c.callIdKey = key;
    c.sameKey = this.byCallId.get(key) ?? null;
    this.byCallId.set(key, c);
    return c;
  }

  /** A call's timer fired (see {@link CallRecord}). @internal */
  onCallTimer(call: CallRecord, code: number): void {
    switch (code) {
      case T_ANSWER:
        // (the call's one timer has fired: nothing left to cancel when it ends)
        if (call.timers.length === 1) call.timers = NO_TIMERS;
        this.answerCall(call);
        return;
      case T_REJECT: {
        if (call.timers.length === 1) call.timers = NO_TIMERS;
        const rj = this.answer.reject!;
        this.reject(rj.code, call, rj.reason);
        return;
      }
      case T_2XX:
        return this.on2xxTimer(call);
      case T_RTP:
        return this.onRtpTimer(call);
      case T_RELIABLE:
        return this.onReliableTimer(call);
      case T_SESSION:
        return this.onSessionTimer(call);
    }
  }

  private setState(call: Call, s: CallState, why: string): void {
    if (call.state === s) return;
    const was = call.state;
    call.state = s;
    if (s === 'terminated' || s === 'failed') {
      // (before the record lets go of its SDP)
      this.liveMedia?.changed(call, this.negotiated(call));
      // (once per call: a failed call that is then terminated has already ended)
      const first = was !== 'terminated' && was !== 'failed';
      if (first) this.callsEnded++;
      if (first && (!this.retainEndedCalls || this.endedCallsKept !== Infinity)) {
        // A call ended by a BYE (sent or received) whose 2xx needs no more retransmission is
        // forgotten at once: its dialog is over (RFC 3261 §15), so a later request in it gets 481
        // (§12.2.2) as for any unknown dialog; the retransmissions that can still come are
        // absorbed by the transactions (BYE: Timer J/K), and a retransmitted 2xx to our INVITE
        // reaches the call through its client transaction (Timer M), which re-ACKs it (§13.2.2.4)
        // without the Call-ID map. Any other end keeps the call 64*T1, when no retransmission of
        // its transactions can arrive any more; until then it keeps only what they need (its
        // dialog, the 2xx until ACKed), not its media.
        // A phone keeping its newest ended calls (a lab's) does the same for its dialogs, and
        // keeps the call in `calls` until newer ended calls push it out (keepEnded).
        const r = call as CallRecord;
        if (s === 'terminated' && r.dialog !== null && r.dialog.state === 'terminated' && r.okBytes === null)
          this.forgetNow(r);
        else this.forgetLater(r);
        if (this.retainEndedCalls) this.keepEnded(r);
        else {
          r.remoteSdp = null;
          r.sdpRead = null;
          r.sdpSummary = null;
        }
        r.rtpDest = null;
        r.rtpPackets = null;
      }
      // keep the record small: the transactions finish on their own timers
      call.inviteBytes = null;
      call.invite = null;
      call.inviteTxn = null;
      call.ist = null;
      for (const t of call.timers) this.clock.cancel(t);
      if (call.timers.length) call.timers = NO_TIMERS;
      const r = call as CallRecord;
      if (r.sessionTimer !== null) {
        this.clock.cancel(r.sessionTimer);
        r.sessionTimer = null;
      }
      if (r.relTimer !== null) {
        this.clock.cancel(r.relTimer);
        r.relTimer = null;
        r.relBytes = null;
      }
    }
    if (this.events.enabled)
      this.log(
        `call ${call.id} ${s}${why ? ` (${why})` : ''}`,
        { call: call.id, state: s, callId: call.callId },
        'call',
      );
  }

  /** The call a step acts on: by id, else the most recent one in one of `states`. */
  findCall(id: string | undefined, states: readonly CallState[]): Call | undefined {
    if (id) return this.calls.find((c) => c.id === id);
    for (let i = this.calls.length - 1; i >= 0; i--)
      if (states.includes(this.calls[i]!.state)) return this.calls[i];
    return undefined;
  }

  /** Digest answer to a 401/407 (RFC 3261 §22.2, §22.3); null without a password or on a second failure. */
  private credentialsFor(resp: SipMessage, method: string, uri: string): string | null {
    const a = this.digestAnswerFor(resp, method, uri);
    return a && digestLine(a);
  }

  /** The challenge of a 401/407 and what answers it (nonce-count 1); null without a password. */
  private digestAnswerFor(resp: SipMessage, method: string, uri: string): DigestAnswer | null {
    if (this.config.password === undefined) return null;
    const proxy = resp.status === 407;
    const value = resp.header(proxy ? 'proxy-authenticate' : 'www-authenticate');
    if (!value) return null;
    const ch = (proxy ? parseProxyAuthenticate(value) : parseWwwAuthenticate(value)).value;
    if (!ch) return null;
    const realm = authParam(ch as never, 'realm') ?? '';
    const nonce = authParam(ch as never, 'nonce') ?? '';
    const qop = (authParam(ch as never, 'qop') ?? '')
      .split(',')
      .map((s) => s.trim())
      .includes('auth')
      ? ('auth' as const)
      : null;
    const algorithm = digestAlgorithm(authParam(ch as never, 'algorithm')) ?? 'MD5';
    const opaque = authParam(ch as never, 'opaque');
    return {
      header: proxy ? 'Proxy-Authorization' : 'Authorization',
      input: {
        username: this.config.username ?? this.user,
        realm,
        password: this.config.password,
        method,
        uri,
        nonce,
        algorithm,
        qop,
        cnonce: this.ids.token(8),
        ...(opaque !== undefined ? { opaque } : {}),
      },
      nc: 1,
    };
  }

  // ------------------------------------------------------------------ non-INVITE requests (with auth retry)

  private sendNonInvite(p: PendingRequest, creds: string[] = NO_STRINGS): void {
    const cseq = p.dialog ? ++p.dialog.localSeq : this.cseqOut++;
    p.creds = creds;
    if (p.build === null) {
      const d = p.dialog!;
      const r = this.dialogRouting(d);
      const branch = this.ids.branch();
      const w = this.writeDialogRequest(d, p.method, cseq, branch, r);
      for (const x of p.extra) w.line(x);
      for (const c of creds) w.line(c);
      if (p.body) {
        w.bytes(CONTENT_TYPE);
        w.line(p.contentType);
      }
      writeBody(w, p.body);
      p.ruri = null;
      this.clientTransaction(w.take(), branch, p.method, r.dest, this.nonInviteTu, p);
      return;
    }
    const b = p.build(creds, cseq);
    p.ruri = b.ruri ?? null;
    this.clientTransaction(b.bytes, b.branch, p.method, b.dest, this.nonInviteTu, p);
  }

  /** The user of every non-INVITE client transaction of this phone: the request is the transaction's userData. */
  private readonly nonInviteTu = new CallbackTu(
    (tx, msg) => this.onNonInviteResponse(pendingOf(tx), msg),
    (tx) => {
      const p = pendingOf(tx);
      this.noteResult(`${p.method} 408`);
      p.done?.(408, null);
    },
  );

  private onNonInviteResponse(p: PendingRequest, msg: SipMessage): void {
    const status = msg.status ?? 0;
    if (status < 200) return;
    if ((status === 401 || status === 407) && p.tries < 1) {
      const uri = p.dialog ? this.dialogRouting(p.dialog).ruri : (p.ruri ?? '');
      const c = this.credentialsFor(msg, p.method, uri);
      if (c) {
        p.tries++;
        this.noteResult(`${p.method} ${status}`);
        this.sendNonInvite(p, [...p.creds.filter((x) => !x.startsWith(c.slice(0, c.indexOf(':')))), c]);
        return;
      }
    }
    this.noteResult(resultText(p.method, status));
    p.done?.(status, msg);
  }

  /** REGISTER (RFC 3261 §10.2): `expires` 0 un-registers; `wildcard` sends `Contact: *`; `query` sends no Contact. */
  register(opts: { expires?: number; wildcard?: boolean; query?: boolean } = {}): void {
    const reg = this.registration;
    const expires = opts.expires ?? this.config.expires ?? 3600;
    const registrar = this.config.registrar ?? this.aorParts.host;
    const rp = uriParts(`sip:${registrar}`);
    const ruri = `sip:${this.aorParts.host}`;
    reg.state = 'registering';
    const pre: string[] = [];
    if (this.config.preauth && this.config.password !== undefined) {
      const v = buildAuthorization({
        username: this.config.username ?? this.user,
        realm: this.config.preauth.realm,
        password: this.config.password,
        method: 'REGISTER',
        uri: ruri,
        nonce: this.config.preauth.nonce,
      });
      pre.push(`Authorization: ${v}`);
    }
    this.sendNonInvite(
      new PendingRequest(
        'REGISTER',
        null,
        (creds) => {
          const branch = this.ids.branch();
          reg.cseq++;
          const h = [
            `Via: ${this.via(branch)}`,
            'Max-Forwards: 70',
            `From: ${this.fromValue};tag=${reg.tag}`,
            `To: ${this.fromValue}`,
            `Call-ID: ${reg.callId}`,
            `CSeq: ${reg.cseq} REGISTER`,
          ];
          if (opts.wildcard) h.push('Contact: *');
          else if (!opts.query) h.push(`Contact: <${this.contactUri}>`);
          if (!opts.query) h.push(`Expires: ${opts.wildcard ? 0 : expires}`);
          h.push(...(creds.length ? creds : pre));
          return {
            bytes: encodeMessage(`REGISTER ${ruri} SIP/2.0`, h),
            dest: this.uriDestination(rp.host, rp.port),
            branch,
            ruri,
          };
        },
        (status, msg) => {
          reg.status = status;
          if (status >= 200 && status < 300) {
            reg.contacts = msg ? msg.values('contact') : [];
            reg.expires = opts.wildcard ? 0 : expires;
            reg.state = reg.expires === 0 ? 'unregistered' : 'registered';
            this.log(
              `registration ${reg.state} (${status})`,
              { status, contacts: reg.contacts },
              'registration',
            );
            if (reg.state === 'registered' && !opts.query && expires > 0) {
              // refresh before expiry (RFC 3261 §10.2.4); at half the interval
              this.clock.schedule(
                (expires * SECOND) / 2,
                () => {
                  if (reg.state === 'registered') this.register({ expires });
                },
                `REGISTER refresh ${this.node}`,
              );
            }
          } else {
            reg.state = 'failed';
            this.log(`registration failed (${status})`, { status }, 'registration');
          }
        },
      ),
    );
  }

  /** A request outside any dialog (OPTIONS, MESSAGE, SUBSCRIBE, INFO...). */
  request(
    method: string,
    target: string,
    opts: { body?: string; contentType?: string; headers?: string[] } = {},
  ): void {
    const callId = this.ids.callId(this.transport.local.host);
    const tag = this.ids.tag();
    if (method === 'SUBSCRIBE') this.subscriptions.add(callId);
    this.sendNonInvite(
      new PendingRequest(
        method,
        null,
        (creds, cseq) => {
          const branch = this.ids.branch();
          const h = [
            `Via: ${this.via(branch)}`,
            'Max-Forwards: 70',
            `From: ${this.fromValue};tag=${tag}`,
            `To: <${target}>`,
            `Call-ID: ${callId}`,
            `CSeq: ${cseq} ${method}`,
          ];
          // a MESSAGE makes no dialog: no Contact (RFC 3428 §4)
          if (method !== 'MESSAGE') h.push(`Contact: <${this.contactUri}>`);
          if (method === 'SUBSCRIBE') h.push('Event: presence', 'Expires: 3600');
          h.push(...(opts.headers ?? []), ...creds);
          if (opts.body) h.push(`Content-Type: ${opts.contentType ?? 'text/plain'}`);
          return {
            bytes: encodeMessage(`${method} ${target} SIP/2.0`, h, opts.body ?? ''),
            dest: this.outOfDialogDest(target),
            branch,
            ruri: target,
          };
        },
        undefined,
      ),
    );
  }

  // ------------------------------------------------------------------ presence (RFC 6665, RFC 3856)

  /**
   * SUBSCRIBE to `target`'s presence (RFC 3856 §6, RFC 6665 §4.1.2.1): Event: presence, Accept:
   * application/pidf+xml, `expires` seconds asked for; refreshed in its dialog at half what the 2xx
   * grants (§4.1.2.2), until {@link unsubscribe}.
   */
  subscribe(target: string, expires = 3600): void {
    const callId = this.ids.callId(this.transport.local.host);
    const sub: Subscription = {
      target,
      callId,
      tag: this.ids.tag(),
      cseq: 0,
      expires,
      dialog: null,
      timer: null,
      ended: false,
    };
    this.subscriptions.add(callId);
    this.subs.set(callId, sub);
    this.sendNonInvite(
      new PendingRequest(
        'SUBSCRIBE',
        null,
        (creds, cseq) => {
          sub.cseq = cseq;
          const branch = this.ids.branch();
          const h = [
            `Via: ${this.via(branch)}`,
            'Max-Forwards: 70',
            `From: ${this.fromValue};tag=${sub.tag}`,
            `To: <${target}>`,
            `Call-ID: ${callId}`,
            `CSeq: ${cseq} SUBSCRIBE`,
            `Contact: <${this.contactUri}>`,
            'Event: presence',
            'Accept: application/pidf+xml',
            `Expires: ${expires}`,
            ...creds,
          ];
          return {
            bytes: encodeMessage(`SUBSCRIBE ${target} SIP/2.0`, h),
            dest: this.outOfDialogDest(target),
            branch,
            ruri: target,
          };
        },
        (status, msg) => this.onSubscribeResult(sub, status, msg),
      ),
    );
  }

  /** Ends the latest subscription (to `target`, when given): SUBSCRIBE with Expires: 0 in its dialog (RFC 6665 §4.1.2.3). */
  unsubscribe(target?: string): boolean {
    let sub: Subscription | undefined;
    for (const x of this.subs.values()) if (!x.ended && x.dialog && (!target || x.target === target)) sub = x;
    if (!sub) return false;
    sub.ended = true;
    if (sub.timer !== null) this.clock.cancel(sub.timer);
    sub.timer = null;
    this.sendSubscribeInDialog(sub, 0);
    return true;
  }

  private sendSubscribeInDialog(sub: Subscription, expires: number): void {
    const d = sub.dialog!;
    this.sendNonInvite(
      new PendingRequest('SUBSCRIBE', d, null, (status, msg) => this.onSubscribeResult(sub, status, msg), [
        'Event: presence',
        'Accept: application/pidf+xml',
        `Expires: ${expires}`,
      ]),
    );
  }

  private onSubscribeResult(sub: Subscription, status: number, msg: SipMessage | null): void {
    if (status < 200 || status >= 300 || !msg) {
      if (!sub.ended) this.log(`subscription to ${sub.target} failed (${status})`, { status }, 'dialog');
      this.endSubscription(sub);
      return;
    }
    // the 2xx's Record-Route is the subscriber's route set (RFC 6665 §4.1.2.1, RFC 3261 §12.1.2)
    const rr = msg.values('record-route').reverse();
    if (!sub.dialog) {
      const contact = msg.values('contact')[0];
      const d: SubDialog = {
        callId: sub.callId,
        localTag: sub.tag,
        remoteTag: msg.toTag ?? '',
        localUri: this.config.aor,
        remoteUri: sub.target,
        localSeq: sub.cseq,
        remoteSeq: 0,
        remoteTarget: contact ? nameAddrUri(contact) : sub.target,
        routeSet: rr,
        state: 'confirmed',
        routing: null,
        role: 'subscriber',
      };
      sub.dialog = d;
      this.otherDialogs.push(d);
    } else if (rr.length) sub.dialog.routeSet = rr;
    if (sub.ended) return;
    const granted = Number.parseInt(msg.header('expires') ?? '', 10);
    const exp = granted >= 0 ? granted : sub.expires;
    if (exp > 0)
      sub.timer = this.clock.schedule(
        (exp * SECOND) / 2,
        () => {
          sub.timer = null;
          if (!sub.ended && sub.dialog) this.sendSubscribeInDialog(sub, sub.expires);
        },
        `SUBSCRIBE refresh ${this.node}`,
      );
  }

  /** A NOTIFY of one of our subscriptions: its dialog when it is the first (RFC 6665 §4.1.2.4), the state it reports. */
  private onNotifyOfSubscription(msg: SipMessage, dialog: SubDialog | null): void {
    const sub = this.subs.get(msg.callId ?? '');
    if (!sub) return;
    if (!dialog && !sub.dialog) {
      const d = this.uasDialog(msg, sub.tag) as SubDialog;
      d.localSeq = Math.max(d.localSeq, sub.cseq);
      d.state = 'confirmed';
      d.role = 'subscriber';
      sub.dialog = d;
      this.otherDialogs.push(d);
    }
    const state = (msg.header('subscription-state') ?? '').trim();
    const basic = /<basic>\s*(open|closed)\s*<\/basic>/i.exec(dec.decode(msg.body()))?.[1];
    this.log(
      `${sub.target} is ${basic ?? 'unknown'} (NOTIFY, Subscription-State: ${state})`,
      { target: sub.target, state, ...(basic ? { basic } : {}) },
      'dialog',
    );
    if (/^terminated/i.test(state)) this.endSubscription(sub);
  }

  private endSubscription(sub: Subscription): void {
    sub.ended = true;
    if (sub.timer !== null) this.clock.cancel(sub.timer);
    sub.timer = null;
    this.subs.delete(sub.callId);
    this.subscriptions.delete(sub.callId);
    const i = sub.dialog ? this.otherDialogs.indexOf(sub.dialog) : -1;
    if (i >= 0) this.otherDialogs.splice(i, 1);
  }

  /** This phone's presence (RFC 3863 basic status) as its watchers are told. */
  private presence: 'open' | 'closed' = 'open';

  /** Changes this phone's presence and NOTIFYs every watcher (RFC 6665 §4.2.2). */
  setPresence(basic: 'open' | 'closed'): boolean {
    this.presence = basic;
    let n = 0;
    for (const d of this.otherDialogs)
      if (d.role === 'notifier') {
        this.notifyWatcher(
          d,
          `active;expires=${Math.max(0, Math.round(((d.expiresAt ?? 0) - this.clock.now()) / SECOND))}`,
        );
        n++;
      }
    return n > 0;
  }

  /** The PIDF document of this phone's presence (RFC 3863 §4). */
  private pidf(): string {
    const entity = `pres:${this.user}@${this.aorParts.host}`;
    return (
      '<?xml version="1.0" encoding="UTF-8"?>\r\n' +
      `<presence xmlns="urn:ietf:params:xml:ns:pidf" entity="${entity}">\r\n` +
      `  <tuple id="${this.user}-1">\r\n` +
      `    <status><basic>${this.presence}</basic></status>\r\n` +
      `    <contact>${this.contactUri}</contact>\r\n` +
      '  </tuple>\r\n' +
      '</presence>\r\n'
    );
  }

  private notifyWatcher(d: SubDialog, state: string): void {
    this.inDialog(
      d,
      'NOTIFY',
      ['Event: presence', `Subscription-State: ${state}`],
      this.pidf(),
      'application/pidf+xml',
    );
  }

  /**
   * A SUBSCRIBE in a subscription's dialog (notifier side): a refresh (200 with the granted Expires
   * and a NOTIFY, RFC 6665 §4.2.1.2) or, with Expires: 0, its end (200, then the last NOTIFY with
   * Subscription-State: terminated, §4.2.1.4).
   */
  private onSubscribeInDialog(
    d: SubDialog,
    msg: SipMessage,
    st: ReturnType<SipElement['serverTransaction']>,
    source: TransportAddress,
  ): void {
    if (d.role !== 'notifier') {
      st.respond(this.makeResponse(msg, source, 481), 481);
      return;
    }
    const asked = Number.parseInt(msg.header('expires') ?? '3600', 10);
    const exp = Number.isFinite(asked) ? Math.max(0, Math.min(asked, 3600)) : 3600;
    st.respond(
      this.makeResponse(msg, source, 200, { headers: [`Contact: <${this.contactUri}>`, `Expires: ${exp}`] }),
      200,
    );
    if (exp === 0) {
      this.endWatcher(d);
      return;
    }
    this.armExpiry(d, exp);
    this.notifyWatcher(d, `active;expires=${exp}`);
  }

  /**
   * The subscription of `d` runs `exp` more seconds (a grant or a refresh, RFC 6665 §4.2.1.2): at its
   * end, unless refreshed by then, the last NOTIFY says terminated;reason=timeout (§4.2.2, §4.1.3).
   */
  private armExpiry(d: SubDialog, exp: number): void {
    d.expiresAt = this.clock.now() + exp * SECOND;
    if (d.expiry) this.clock.cancel(d.expiry);
    d.expiry = this.clock.schedule(
      exp * SECOND,
      () => {
        d.expiry = null;
        if (d.role !== 'notifier') return;
        this.log(
          `subscription of ${d.remoteUri} expired, not refreshed (RFC 6665 §4.2.2)`,
          { watcher: d.remoteUri },
          'dialog',
        );
        this.endWatcher(d);
      },
      `subscription expiry ${this.node}`,
    );
  }

  /** Ends a watcher's subscription: no more NOTIFYs after the last, terminated;reason=timeout. */
  private endWatcher(d: SubDialog): void {
    if (d.expiry) this.clock.cancel(d.expiry);
    d.expiry = null;
    const i = this.otherDialogs.indexOf(d);
    if (i >= 0) this.otherDialogs.splice(i, 1);
    this.notifyWatcher(d, 'terminated;reason=timeout');
    d.role = undefined;
  }

  // ------------------------------------------------------------------ UAC INVITE

  /**
   * Places a call (RFC 3261 §13.2.1). Returns the call. `headers`: extra header lines of its INVITE
   * (Referred-By and Replaces of a transfer).
   */
  call(target: string, opts: { id?: string; headers?: string[] } = {}): Call {
    const call = this.newCall('out', this.ids.callId(this.transport.local.host), target);
    if (opts.id) call.id = opts.id;
    if (opts.headers?.length || this.config.sessionExpires) {
      call.extraHeaders = [...(opts.headers ?? [])];
      if (this.config.sessionExpires) {
        call.sessionInterval = this.config.sessionExpires;
        call.extraHeaders.push('Supported: timer', `Session-Expires: ${call.sessionInterval}`);
      }
    }
    this.sendInvite(call);
    return call;
  }

  private sendInvite(call: Call): void {
    const branch = this.ids.branch();
    call.inviteBranch = branch;
    call.state = call.state === 'failed' ? 'calling' : call.state;
    const offer = !this.config.lateOffer;
    // encodeMessage's bytes, written part by part (constant parts as bytes), the SDP offer in place
    const w = messageWriter();
    w.bytes(INVITE_SP);
    w.str(call.target);
    w.bytes(SIP20_CRLF);
    this.writeVia(w, branch);
    w.bytes(MAX_FORWARDS_70);
    w.bytes((this.fromTagHead ??= enc.encode(`From: ${this.fromValue};tag=`)));
    w.str(call.localTag);
    w.bytes(CRLF);
    w.bytes(TO_LT);
    w.str(call.toUri);
    w.bytes(GT_CRLF);
    w.bytes(CALL_ID);
    w.str(call.callId);
    w.bytes(CRLF);
    w.bytes(CSEQ);
    w.uint(call.inviteCseq);
    w.bytes(SP_INVITE_CRLF);
    w.bytes(this.contactLine());
    w.bytes(ALLOW_LINE);
    if (this.config.use100rel) w.bytes(SUPPORTED_100REL);
    for (const h of (call as CallRecord).extraHeaders) w.line(h);
    for (const c of call.credentials) w.line(c);
    if (offer) {
      w.bytes(CONTENT_TYPE_SDP);
      this.writeLocalSdp(w, call);
    } else writeBodyBytes(w, null);
    const bytes = w.take();
    const dest = this.outOfDialogDest(call.target, call.proxyIndex);
    call.inviteBytes = bytes;
    call.inviteDest = dest;
    call.inviteTxn = this.clientTransaction(bytes, branch, 'INVITE', dest, this.inviteTu, call);
  }

  /** The user of every INVITE client transaction of this phone: the call is the transaction's userData. */
  private readonly inviteTu = new CallbackTu(
    (tx, msg) => {
      const u = (tx as ClientTransaction).userData;
      if (u instanceof EndedCall) {
        // the call was forgotten: a retransmitted 2xx is ACKed again (RFC 3261 §13.2.2.4)
        const st = msg.status ?? 0;
        if (st >= 200 && st < 300 && u.ack !== null) this.transport.send(u.ack, u.ackDest!);
        return;
      }
      this.onInviteResponse(callOf(tx), msg);
    },
    (tx) => {
      if (!((tx as ClientTransaction).userData instanceof EndedCall)) this.onInviteTimeout(callOf(tx));
    },
    (tx) => {
      if (!((tx as ClientTransaction).userData instanceof EndedCall)) this.onInviteTimeout(callOf(tx));
    },
  );

  private onInviteTimeout(call: Call): void {
    const px = this.config.outboundProxies ?? [];
    if (call.proxyIndex + 1 < px.length && !call.cancelled) {
      call.proxyIndex++;
      call.inviteCseq++;
      this.log(`call ${call.id}: no answer from the proxy, trying ${px[call.proxyIndex]}`, undefined, 'call');
      this.sendInvite(call);
      return;
    }
    call.status = 408;
    this.setState(call, 'failed', 'timeout');
  }

  private dialogFromResponse(call: Call, msg: SipMessage): Dialog {
    const existing = call.dialog;
    // (msg.toTag ?? '') === existing.remoteTag, from the octets
    if (
      existing &&
      (keyFieldIs(msg, F_TOTAG, existing.remoteTag) ||
        (existing.remoteTag === '' && !hasKeyField(msg, F_TOTAG)))
    )
      return existing;
    const tag = keyTextOnce(msg, F_TOTAG) ?? '';
    // RFC 3261 §12.1.2: route set = Record-Route in reverse order; remote target = Contact.
    const fx = dialogFields.of(msg);
    const rr: string[] = [];
    // the URI of the first Contact value (null when there is none)
    let contact: string | null = null;
    const n = fx.count;
    for (let i = 0; i < n; i++) {
      const id = fx.id(i);
      if (id === K_RECORD_ROUTE) fx.listValues(i, rr);
      else if (id === K_CONTACT && contact === null) contact = fx.firstListUri(i);
    }
    rr.reverse();
    const d: Dialog = {
      callId: call.callId,
      localTag: call.localTag,
      remoteTag: tag,
      localUri: this.config.aor,
      remoteUri: call.toUri,
      localSeq: call.inviteCseq,
      remoteSeq: 0,
      remoteTarget: contact ?? call.target,
      routeSet: rr,
      state: 'early',
      routing: null,
    } as UaDialog;
    if (!existing || existing.state === 'early') call.dialog = d;
    return d;
  }

  private onInviteResponse(call: Call, msg: SipMessage): void {
    const status = msg.status ?? 0;
    if (status < 200) {
      if (status > 100 && hasKeyField(msg, F_TOTAG, true)) {
        const d = this.dialogFromResponse(call, msg);
        const rec = call as CallRecord;
        const rseq = hasOtherField(msg, 'rseq') ? Number(msg.header('rseq')) : 0;
        const reliable = rseq > 0 && /100rel/i.test(msg.header('require') ?? '');
        // RFC 3262 §4: a reliable provisional response whose RSeq is not above the last one is a
        // retransmission: neither PRACKed again nor processed
        if (reliable && rseq <= rec.rseqIn) return;
        this.setState(call, 'early', `${status}`);
        if (call.referDialog) this.referProgress.set(call, status);
        // an SDP answer in a provisional response: the early media's (RFC 3960)
        if (msg.bodyLength) call.remoteSdp = dec.decode(msg.body());
        if (reliable) {
          rec.rseqIn = rseq;
          this.sendPrack(d, rseq, msg.cseq ?? 1);
        }
      } else if (call.state === 'calling') this.setState(call, 'proceeding', `${status}`);
      if (call.cancelPending) this.sendCancel(call);
      return;
    }
    if (status < 300) {
      const d = this.dialogFromResponse(call, msg);
      // RFC 3261 §13.2.2.4: a second 2xx from another fork is ACKed and then ended with BYE.
      const other = call.dialog && call.dialog.state === 'confirmed' && call.dialog.remoteTag !== d.remoteTag;
      if (call.dialog === d && d.state === 'confirmed') {
        this.sendAck(call, d, msg); // 2xx retransmission: ACK again
        return;
      }
      if (!other) {
        d.state = 'confirmed';
        call.dialog = d;
        call.status = status;
        if (msg.bodyLength) call.remoteSdp = dec.decode(msg.body());
      }
      this.sendAck(call, d, msg);
      if (!other && !call.cancelled && (call as CallRecord).media?.rejected) {
        this.byeDialog(d);
        this.setState(call, 'terminated', 'offer in the 2xx with no codec in common');
        return;
      }
      if (other || call.cancelled) {
        this.byeDialog(d);
        if (!other) this.setState(call, 'terminated', 'answered after CANCEL');
        return;
      }
      this.setState(call, 'confirmed', `${status}`);
      if ((call as CallRecord).sessionInterval > 0) this.sessionTimerFrom2xx(call as CallRecord, msg);
      this.sendMedia(call);
      return;
    }
    if (status === 422 && (call as CallRecord).sessionInterval > 0 && !call.cancelled) {
      // RFC 4028 §7.4: the interval asked for is below the UAS's (or a proxy's) Min-SE: ask again
      // with that minimum, in Session-Expires and in Min-SE
      const rec = call as CallRecord;
      const min = Number.parseInt(msg.header('min-se') ?? '', 10);
      if (min > rec.sessionInterval) {
        rec.sessionInterval = min;
        rec.extraHeaders = [
          ...rec.extraHeaders.filter((h) => !/^(Session-Expires|Min-SE):/i.test(h)),
          `Session-Expires: ${min}`,
          `Min-SE: ${min}`,
        ];
        call.inviteCseq++;
        this.log(
          `call ${call.id}: 422 Session Interval Too Small, asking again with Session-Expires ${min} (RFC 4028 §7.4)`,
          { minSE: min },
          'call',
        );
        this.sendInvite(call);
        return;
      }
    }
    // 3xx-6xx: the transaction has ACKed already (§17.1.1.3).
    if ((status === 401 || status === 407) && call.authTries < 2) {
      const a = this.digestAnswerFor(msg, 'INVITE', call.target);
      if (a) {
        const rec = call as CallRecord;
        // keep the answers for other realms (RFC 3665 §3.3: several proxies challenge), each with
        // its next nonce-count
        const kept = rec.digest.filter((x) => !(x.header === a.header && x.input.realm === a.input.realm));
        for (const x of kept) x.nc++;
        rec.digest = [...kept, a];
        call.credentials = rec.digest.map(digestLine);
        call.authTries++;
        call.inviteCseq++;
        this.sendInvite(call);
        return;
      }
    }
    if (status >= 300 && status < 400 && this.config.followRedirects !== false && !call.cancelled) {
      const contact = msg.values('contact')[0];
      if (contact) {
        call.target = nameAddrUri(contact);
        call.inviteCseq++;
        call.proxyIndex = this.config.outboundProxies?.length ?? 0; // the contact is reached directly
        this.log(`call ${call.id} redirected to ${call.target}`, undefined, 'call');
        this.sendInviteDirect(call);
        return;
      }
    }
    call.status = status;
    this.setState(call, call.cancelled ? 'terminated' : 'failed', `${status}`);
  }

  /** INVITE to a redirect target: sent to its host, not through the outbound proxy. */
  private sendInviteDirect(call: Call): void {
    const saved = this.config.outboundProxies;
    (this.config as { outboundProxies?: string[] }).outboundProxies = undefined;
    try {
      this.sendInvite(call);
    } finally {
      (this.config as { outboundProxies?: string[] }).outboundProxies = saved;
    }
  }

  private sendAck(call: Call, d: Dialog, _resp: SipMessage): void {
    // RFC 3261 §13.2.2.4: the ACK for a 2xx is a new transaction-less request with the INVITE's CSeq number.
    const r = this.dialogRouting(d);
    const branch = this.ids.branch();
    let body = '';
    if (this.config.lateOffer && call.remoteSdp) {
      const offer = readSdp(call.remoteSdp);
      call.localDirection = answerDirection(offer.direction);
      // none of our codecs: the answer rejects the stream (port 0), and the caller hangs up after
      // the ACK (RFC 3261 §13.2.2.4, RFC 3264 §6)
      (call as CallRecord).media = negotiate(offer, this.offer);
      body = this.localSdp(call);
    }
    const w = this.writeDialogRequest(d, 'ACK', call.inviteCseq, branch, r);
    if (body) w.bytes(CONTENT_TYPE_SDP);
    writeBody(w, body);
    const ack = w.take();
    const rec = call as CallRecord;
    rec.ackBytes = ack;
    rec.ackDest = r.dest;
    this.transport.send(ack, r.dest);
  }

  /**
   * The start line and header fields of a request in `d` up to Contact (what dialogHeaders lists),
   * in the shared writer; the caller adds its own fields and the body.
   */
  private writeDialogRequest(
    d: Dialog,
    method: string,
    cseq: number,
    branch: string,
    r: DialogRouting,
  ): ByteWriter {
    const w = messageWriter();
    w.str(method);
    w.bytes(SP);
    w.str(r.ruri);
    w.bytes(SIP20_CRLF);
    this.writeVia(w, branch);
    w.bytes(MAX_FORWARDS_70);
    for (const route of r.routes) {
      w.bytes(ROUTE);
      w.line(route);
    }
    w.bytes(FROM_LT);
    w.str(d.localUri);
    w.bytes(GT_TAG);
    w.str(d.localTag);
    w.bytes(CRLF);
    w.bytes(TO_LT);
    w.str(d.remoteUri);
    w.bytes(GT_TAG);
    w.str(d.remoteTag);
    w.bytes(CRLF);
    w.bytes(CALL_ID);
    w.str(d.callId);
    w.bytes(CRLF);
    w.bytes(CSEQ);
    w.uint(cseq);
    w.bytes(SP);
    w.line(method);
    if (method !== 'ACK' && method !== 'CANCEL' && method !== 'BYE') w.bytes(this.contactLine());
    return w;
  }

  private sendPrack(d: Dialog, rseq: number, cseq: number): void {
    this.inDialog(d, 'PRACK', [`RAck: ${rseq} ${cseq} INVITE`]);
  }

  /** A request inside dialog `d` (BYE, re-INVITE, REFER, NOTIFY, UPDATE, INFO, PRACK...). */
  inDialog(
    d: Dialog,
    method: string,
    extra: string[] = [],
    body = '',
    contentType = 'application/sdp',
    done?: (status: number) => void,
  ): void {
    if (method === 'INVITE') throw new Error('use reinvite()');
    this.sendNonInvite(
      new PendingRequest(
        method,
        d,
        null,
        done as ((status: number, msg: SipMessage | null) => void) | undefined,
        extra,
        body,
        contentType,
      ),
    );
  }

  /** CANCEL (RFC 3261 §9.1): sent once a provisional response has arrived. */
  cancel(call?: Call): boolean {
    const c = call ?? this.findCall(undefined, ['calling', 'proceeding', 'early']);
    if (
      !c ||
      c.direction !== 'out' ||
      (c.state !== 'calling' && c.state !== 'proceeding' && c.state !== 'early')
    )
      return false;
    c.cancelled = true;
    if (c.state === 'calling') {
      c.cancelPending = true; // §9.1: "SHOULD NOT be sent" before a provisional response
      return true;
    }
    this.sendCancel(c);
    return true;
  }

  private sendCancel(call: Call): void {
    call.cancelPending = false;
    const branch = call.inviteBranch;
    const h = [
      `Via: ${this.via(branch)}`,
      'Max-Forwards: 70',
      `From: ${this.fromValue};tag=${call.localTag}`,
      `To: <${call.toUri}>`,
      `Call-ID: ${call.callId}`,
      `CSeq: ${call.inviteCseq} CANCEL`,
    ];
    const bytes = encodeMessage(`CANCEL ${call.target} SIP/2.0`, h);
    this.clientTransaction(bytes, branch, 'CANCEL', call.inviteDest!, {
      onResponse: (_tx, m) => {
        if ((m.status ?? 0) >= 200) this.noteResult(`CANCEL ${m.status}`);
      },
      onTimeout: () => undefined,
    });
  }

  /** BYE (RFC 3261 §15.1.1). */
  hangup(call?: Call): boolean {
    const c = call ?? this.findCall(undefined, ['confirmed']);
    if (!c || !c.dialog || c.state !== 'confirmed') return false;
    this.byeDialog(c.dialog);
    this.setState(c, 'terminated', 'BYE sent');
    return true;
  }

  private byeDialog(d: Dialog): void {
    d.state = 'terminated';
    this.inDialog(d, 'BYE');
  }

  /**
   * re-INVITE (RFC 3261 §14.1) with a new direction: `sendonly`/`inactive` holds, `sendrecv` resumes
   * (RFC 3264 §8.4). `refresh`: a session refresh (RFC 4028 §10), the same SDP (its version kept,
   * RFC 3264 §8). Not while another re-INVITE of ours is pending (§14.1). A 491 (glare, §14.2) is
   * retried after a random wait: 2.1-4 s by the owner of the Call-ID (who placed the call), 0-2 s by
   * the other side, in 10 ms units (§14.1), drawn from the id source. A failed re-INVITE leaves the
   * session as it was; a 408 or 481 or no answer at all ends the dialog with BYE (§12.2.1.2, RFC 4028 §10).
   */
  reinvite(direction: MediaDirection = 'sendrecv', call?: Call, refresh = false): boolean {
    const c = (call ?? this.findCall(undefined, ['confirmed'])) as CallRecord | undefined;
    if (!c || !c.dialog || c.reinvitePending) return false;
    const d = c.dialog;
    const before = { direction: c.localDirection, version: c.sdpVersion };
    c.localDirection = direction;
    if (!refresh) c.sdpVersion++;
    const cseq = ++d.localSeq;
    const r = this.dialogRouting(d);
    const branch = this.ids.branch();
    const h = this.dialogHeaders(d, 'INVITE', cseq, branch, r.routes);
    // every re-INVITE of a session with a timer refreshes it (RFC 4028 §7.4, §9)
    if (c.sessionInterval > 0)
      h.push(
        'Supported: timer',
        `Session-Expires: ${c.sessionInterval};refresher=${c.refresher ? 'uac' : 'uas'}`,
      );
    h.push('Content-Type: application/sdp');
    const bytes = encodeMessage(`INVITE ${r.ruri} SIP/2.0`, h, this.localSdp(c));
    c.reinvitePending = true;
    const failed = (s: number): void => {
      c.localDirection = before.direction;
      c.sdpVersion = before.version;
      if ((s === 408 || s === 481) && c.state === 'confirmed') {
        this.log(
          `call ${c.id}: re-INVITE ${s === 408 ? 'not answered' : 'answered 481'}, ending the session with BYE (RFC 3261 §12.2.1.2${c.sessionInterval > 0 ? ', RFC 4028 §10' : ''})`,
          undefined,
          'call',
        );
        this.hangup(c);
      }
    };
    this.clientTransaction(bytes, branch, 'INVITE', r.dest, {
      onResponse: (_tx, msg) => {
        const s = msg.status ?? 0;
        if (s < 200) return;
        c.reinvitePending = false;
        this.noteResult(`INVITE ${s}`);
        if (s < 300) {
          const save = c.inviteCseq;
          c.inviteCseq = cseq;
          this.sendAck(c, d, msg);
          c.inviteCseq = save;
          if (msg.bodyLength) c.remoteSdp = dec.decode(msg.body());
          this.log(`call ${c.id} media ${direction}`, { direction }, 'call');
          if (c.sessionInterval > 0 && c.state === 'confirmed') this.armSessionTimer(c);
          // the media goes on as the new offer and answer say: a burst when it changed (RFC 3264 §8.4)
          if (direction !== before.direction) this.sendMedia(c);
        } else if (s === 491) {
          c.localDirection = before.direction;
          c.sdpVersion = before.version;
          const owner = c.direction === 'out';
          const draw = Number.parseInt(this.ids.token(4), 16);
          const ticks = owner ? 210 + (draw % 191) : draw % 201;
          this.log(
            `call ${c.id}: 491 Request Pending, re-INVITE again in ${ticks * 10} ms (RFC 3261 §14.1: ${owner ? 'the Call-ID owner waits 2.1-4 s' : 'not the Call-ID owner: 0-2 s'})`,
            { wait: ticks * 10 },
            'call',
          );
          this.clock.schedule(
            ticks * 10_000,
            () => {
              if (c.state === 'confirmed') this.reinvite(direction, c, refresh);
            },
            `re-INVITE retry ${this.node}`,
          );
        } else failed(s);
      },
      onTimeout: () => {
        c.reinvitePending = false;
        this.noteResult('INVITE 408');
        failed(408);
      },
    });
    return true;
  }

  /** UPDATE (RFC 3311) with a fresh offer. */
  update(call?: Call): boolean {
    const c = call ?? this.findCall(undefined, ['confirmed', 'early']);
    if (!c || !c.dialog) return false;
    c.sdpVersion++;
    this.inDialog(c.dialog, 'UPDATE', [], this.localSdp(c));
    return true;
  }

  /**
   * REFER (RFC 3515): asks the peer to call `target`; NOTIFYs report progress. With `replaces` (an
   * attended transfer, RFC 5589 §7), the Refer-To URI carries a Replaces header (RFC 3891 §3) naming
   * that call's dialog as its peer sees it (to-tag: the peer's tag, from-tag: ours), escaped, and the
   * REFER goes on the latest other confirmed call.
   */
  refer(target: string, call?: Call, replaces?: Call): boolean {
    let c = call;
    if (!c && replaces)
      for (let i = this.calls.length - 1; i >= 0 && !c; i--) {
        const x = this.calls[i]!;
        if (x !== replaces && x.state === 'confirmed') c = x;
      }
    c ??= this.findCall(undefined, ['confirmed']);
    if (!c || !c.dialog) return false;
    let uri = target;
    if (replaces) {
      const rd = replaces.dialog;
      if (!rd || replaces.state !== 'confirmed') return false;
      uri += `?Replaces=${encodeURIComponent(`${rd.callId};to-tag=${rd.remoteTag};from-tag=${rd.localTag}`)}`;
    }
    this.inDialog(c.dialog, 'REFER', [`Refer-To: <${uri}>`, `Referred-By: <${this.config.aor}>`]);
    return true;
  }

  /** Sends one RTP packet from the media port to the peer's SDP address (to show one-way media behind NAT). */
  private sendMedia(call: Call): void {
    this.liveMedia?.changed(call, this.negotiated(call));
    if (!this.media || !call.remoteSdp || this.config.rtpBurst === false) return;
    const s = remoteMedia(call as CallRecord, call.remoteSdp, this.sdpMemo);
    // the first codec of the answer (RFC 3264 §6.1, §7); none in common: nothing to send
    const codec = negotiate(s, this.offer).codec;
    if (codec === null) return;
    if (!s.ip || !s.port) return;
    // RFC 3264 §6.1, §8.4: nothing is sent on a stream we hold (recvonly, inactive) or the peer holds
    const ld = call.localDirection;
    if (ld === 'recvonly' || ld === 'inactive' || s.direction === 'sendonly' || s.direction === 'inactive')
      return;
    // a short burst of RTP (RFC 3550 version 2 headers), 20 ms apart, like a real phone's first packets;
    // one event at a time (each packet schedules the next): 1 pending timer per call, not 5
    const c = call as CallRecord;
    c.rtpDest = c.rtpLatch?.addr ?? { host: s.ip, port: s.port, transport: 'UDP' };
    c.rtpNext = 0;
    c.rtpPackets = rtpBurst(c, this.rtpSide(this.media), codec.pt, this.clock.now());
    this.clock.scheduleTarget(0, c, T_RTP, 'RTP');
  }

  /** {@link UserAgent.#rtpSide}, computed on first use from the media port's address. */
  private rtpSide(media: Transport): number {
    if (this.#rtpSide < 0) this.#rtpSide = utf8Hash(`${media.local.host}:${media.local.port}`) >>> 1;
    return this.#rtpSide;
  }

  /**
   * The phone presses `digits` (0-9, *, #, A-D) in `call` (default: its newest answered call), one
   * key every duration + pause: as RFC 4733 events on the call's RTP stream (`rfc4733`: the offer and
   * answer must have agreed telephone-event, and the phone may send: not held) or as one SIP INFO per
   * key with an `application/dtmf-relay` body (`Signal=`, `Duration=`: the de-facto format). Returns
   * null when the keys are on their way, else why nothing was sent (also said as an event).
   */
  dtmf(digits: string, how: DtmfSend, call?: Call): string | null {
    const c = (call ?? this.findCall(undefined, ['confirmed'])) as CallRecord | undefined;
    const fail = (why: string): string => {
      this.log(`DTMF ${digits} not sent: ${why}`, undefined, 'call');
      return why;
    };
    if (!c || !c.dialog || c.state !== 'confirmed') return fail('no answered call');
    const codes = [...digits].map(dtmfEventCode);
    if (codes.some((k) => k < 0)) return fail('keys are 0-9, *, #, A-D');
    const step = (how.durationMs + how.pauseMs) * 1000;
    if (how.method === 'info') {
      const dialog = c.dialog;
      [...digits.toUpperCase()].forEach((d, i) =>
        this.clock.schedule(
          i * step,
          () => {
            if (c.state === 'confirmed')
              this.inDialog(
                dialog,
                'INFO',
                [],
                `Signal=${d}\r\nDuration=${how.durationMs}\r\n`,
                'application/dtmf-relay',
              );
          },
          'DTMF INFO',
        ),
      );
      this.log(`media: DTMF ${digits} (SIP INFO application/dtmf-relay)`, { digits, method: 'info' }, 'call');
      return null;
    }
    const media = this.media;
    const s = c.remoteSdp ? remoteMedia(c, c.remoteSdp, this.sdpMemo) : null;
    const pt = this.negotiated(c)?.dtmf ?? null;
    if (pt === null)
      return fail('the offer and answer did not agree telephone-event (RFC 4733): send SIP INFO');
    if (this.config.rtpBurst === false) return fail('the phone sends no RTP (rtp: false): send SIP INFO');
    if (!media || !s || !s.ip || !s.port) return fail("no media address in the peer's SDP");
    const ld = c.localDirection;
    if (ld === 'recvonly' || ld === 'inactive' || s.direction === 'sendonly' || s.direction === 'inactive')
      return fail('the call is on hold: this side may not send RTP (RFC 3264 §6.1)');
    const dest: TransportAddress = { host: s.ip, port: s.port, transport: 'UDP' };
    const now = this.clock.now();
    if (c.rtpSsrc < 0) rtpStart(c, this.rtpSide(media), now);
    const packets = Math.max(2, Math.min(100, Math.round(how.durationMs / 20)));
    codes.forEach((code, i) => {
      for (const p of rtpEvent(c, pt, code, packets, now + i * step))
        this.clock.schedule(
          p.at - now,
          () => {
            if (c.state === 'confirmed') media.send(p.bytes, dest);
          },
          'DTMF',
        );
    });
    this.log(
      `media: DTMF ${digits} (RFC 4733 telephone-event/${pt}, ${packets * 20} ms each)`,
      { digits, method: 'rfc4733', payloadType: pt },
      'call',
    );
    return null;
  }

  private onRtpTimer(c: CallRecord): void {
    const media = this.media;
    const packets = c.rtpPackets;
    if (!media || !c.rtpDest || !packets) return;
    media.send(packets[c.rtpNext]!, c.rtpDest);
    if (++c.rtpNext < packets.length) this.clock.scheduleTarget(20_000, c, T_RTP, 'RTP');
    else c.rtpPackets = null;
  }

  /** Called by the simulator when an RTP packet reaches our media port. */
  onMedia(source: TransportAddress): void {
    const c =
      this.findCall(undefined, ['confirmed', 'terminated']) ??
      // early media (RFC 3960): RTP before the 200, even before the provisional response with the
      // SDP answer (the offerer is ready to receive once it has sent its offer, RFC 3264 §5.1)
      this.findCall(undefined, ['early', 'proceeding', 'calling']);
    if (c) c.mediaReceived++;
    if (c && this.config.comedia === true && c.state !== 'terminated') this.comedia(c as CallRecord, source);
    if (c && c.mediaReceived > 1) return;
    this.log(
      `media from ${source.host}:${source.port} received`,
      { from: `${source.host}:${source.port}` },
      'call',
    );
  }

  /** comedia: the peer's first packet says where the RTP goes from now on (the burst's rest too). */
  private comedia(c: CallRecord, source: TransportAddress): void {
    const latch = (c.rtpLatch ??= new Latch());
    if (!latch.packet(source)) return;
    const sdp = c.remoteSdp ? remoteMedia(c, c.remoteSdp, this.sdpMemo) : null;
    const was = c.rtpDest ?? (sdp?.ip && sdp.port ? { host: sdp.ip, port: sdp.port } : null);
    if (c.rtpDest) c.rtpDest = latch.addr;
    if (was && was.host === source.host && was.port === source.port) return;
    this.log(
      `media: comedia: RTP now to ${source.host}:${source.port}, where the peer's comes from${was ? ` (its SDP said ${was.host}:${was.port})` : ''}`,
      { to: `${source.host}:${source.port}` },
      'call',
    );
  }

  // ------------------------------------------------------------------ UAS

  protected onRequest(msg: SipMessage, source: TransportAddress): void {
    const method = methodOf(msg) ?? '';
    if (method === 'ACK') return this.onAck(msg);
    if (method === 'CANCEL') return this.onCancel(msg, source);
    if (hasKeyField(msg, F_TOTAG, true)) return this.onInDialog(msg, source);
    switch (method) {
      case 'INVITE':
        return this.onInvite(msg, source);
      case 'OPTIONS': {
        this.count(method);
        const st = this.serverTransaction(msg, source);
        st.respond(
          this.makeResponse(msg, source, 200, {
            toTag: this.ids.tag(),
            headers: [`Allow: ${ALLOW}`, 'Accept: application/sdp'],
          }),
          200,
        );
        return;
      }
      case 'MESSAGE':
      case 'INFO':
      case 'NOTIFY': {
        this.count(method);
        const st = this.serverTransaction(msg, source);
        st.respond(this.makeResponse(msg, source, 200, { toTag: this.ids.tag() }), 200);
        return;
      }
      case 'SUBSCRIBE': {
        // RFC 6665 §4.2.1: 200 (202 is deprecated for SUBSCRIBE, §8.3.1) with the expiry granted (at
        // most an hour), then at once a NOTIFY with the state: a PIDF document for presence (RFC 3856 §6.7)
        this.count(method);
        const st = this.serverTransaction(msg, source);
        const tag = this.ids.tag();
        const asked = Number.parseInt(msg.header('expires') ?? '3600', 10);
        const exp = Number.isFinite(asked) ? Math.max(0, Math.min(asked, 3600)) : 3600;
        st.respond(
          this.makeResponse(msg, source, 200, {
            toTag: tag,
            // the dialog's route set (RFC 3261 §12.1.1)
            recordRoute: true,
            headers: [`Contact: <${this.contactUri}>`, `Expires: ${exp}`],
          }),
          200,
        );
        const d = this.uasDialog(msg, tag) as SubDialog;
        const event = msg.header('event') ?? 'presence';
        if (exp > 0 && /^presence\b/i.test(event)) {
          d.role = 'notifier';
          this.armExpiry(d, exp);
          this.otherDialogs.push(d);
          this.notifyWatcher(d, `active;expires=${exp}`);
        } else
          this.inDialog(
            d,
            'NOTIFY',
            [
              `Event: ${event}`,
              exp > 0
                ? `Subscription-State: active;expires=${exp}`
                : 'Subscription-State: terminated;reason=timeout',
            ],
            '',
            'application/pidf+xml',
          );
        return;
      }
      default: {
        const st = this.serverTransaction(msg, source);
        st.respond(
          this.makeResponse(msg, source, 501, { toTag: this.ids.tag(), headers: [`Allow: ${ALLOW}`] }),
          501,
        );
      }
    }
  }

  private count(method: string): void {
    this.received.set(method, (this.received.get(method) ?? 0) + 1);
  }

  /** RFC 3261 §12.1.1: the UAS side of a dialog (From, To, Contact and Record-Route read in one pass over the index). */
  private uasDialog(msg: SipMessage, localTag: string): Dialog {
    const fx = dialogFields.of(msg);
    // the URIs of the first From, To and Contact values (nameAddrUri of each; null: none)
    let from: string | null = null;
    let to: string | null = null;
    let contact: string | null = null;
    const routeSet: string[] = [];
    const n = fx.count;
    for (let i = 0; i < n; i++) {
      switch (fx.id(i)) {
        case K_FROM:
          from ??= fx.nameAddrUri(i);
          break;
        case K_TO:
          to ??= fx.nameAddrUri(i);
          break;
        case K_CONTACT:
          // values('contact')[0]: the first non-empty value of any Contact field
          contact ??= fx.firstListUri(i);
          break;
        case K_RECORD_ROUTE:
          fx.listValues(i, routeSet);
          break;
      }
    }
    const remoteUri = from ?? '';
    return {
      callId: keyTextOnce(msg, F_CALLID) ?? '',
      localTag,
      remoteTag: keyTextOnce(msg, F_FROMTAG) ?? '',
      localUri: to ?? '',
      remoteUri,
      localSeq: 0,
      remoteSeq: msg.cseq ?? 0,
      remoteTarget: contact ?? remoteUri,
      routeSet,
      state: 'early',
      routing: null,
    } as UaDialog;
  }

  private onInvite(msg: SipMessage, source: TransportAddress): void {
    const d0 = this.uasDialog(msg, '');
    const call = this.newCall('in', d0.callId, d0.remoteUri);
    d0.localTag = call.localTag;
    call.invite = msg;
    call.source = source;
    call.ist = this.inviteServerTransaction(msg, source);
    call.ist.userData = call;
    call.dialog = d0;
    if (msg.bodyLength) call.remoteSdp = dec.decode(msg.body());
    this.setState(call, 'early', 'INVITE received');
    if (call.remoteSdp !== null) {
      // the answer: the offered formats we have (RFC 3264 §6.1); none: 488 (RFC 3261 §13.3.1.3)
      const m = negotiate(remoteMedia(call, call.remoteSdp, this.sdpMemo), this.offer);
      if (m.rejected) {
        call.ist.respond(this.notAcceptableHere(msg, source, call.localTag), 488);
        call.status = 488;
        this.setState(call, 'failed', '488: no codec in common');
        return;
      }
      call.media = m;
    }
    if (this.config.sessionExpires !== undefined || this.config.minSE !== undefined)
      if (!this.sessionTimerOfInvite(call, msg, source)) return;
    if (hasOtherField(msg, 'replaces')) return this.onReplaces(call, msg, source);
    const p = this.answer;
    if (p.ring) {
      const rel =
        this.config.use100rel &&
        /100rel/i.test(`${msg.header('supported') ?? ''},${msg.header('require') ?? ''}`);
      const early = this.config.earlyMedia === true && call.remoteSdp !== null;
      if (rel || early) {
        // 183 Session Progress with the SDP answer (early media, RFC 3960), and/or a reliable
        // provisional response (RFC 3262 §3): Require: 100rel and RSeq, sent again until PRACKed
        const extra = [`Contact: <${this.contactUri}>`];
        if (rel) extra.push('Require: 100rel', `RSeq: ${++call.rseq}`);
        let body = '';
        if (early) {
          call.localDirection = answerDirection(remoteMedia(call, call.remoteSdp!, this.sdpMemo).direction);
          body = this.localSdp(call);
        }
        const code = early ? 183 : 180;
        const bytes = this.makeResponse(msg, source, code, {
          toTag: call.localTag,
          recordRoute: true,
          headers: extra,
          ...(body ? { body } : {}),
        });
        call.ist.respond(bytes, code);
        if (rel) {
          call.relRseq = call.rseq;
          call.relSdp = early;
          call.answeredEarly = early;
          if (!this.transport.reliable) {
            call.relBytes = bytes;
            call.relInterval = this.timers.T1;
            call.relElapsed = 0;
            call.relTimer = this.clock.scheduleTarget(this.timers.T1, call, T_RELIABLE, '100rel retransmit');
          }
        }
        if (early) this.sendMedia(call);
      } else
        call.ist.respond(
          this.makeResponse(msg, source, 180, {
            toTag: call.localTag,
            recordRoute: true,
            headerBytes: this.contactLine(),
          }),
          180,
        );
    } else {
      call.ist.autoTrying(() => this.makeResponse(msg, source, 100));
    }
    if (p.reject) {
      call.timers = [this.clock.scheduleTarget(p.reject.after, call, T_REJECT, this.labels.reject)];
    } else if (p.after !== null) {
      call.timers = [this.clock.scheduleTarget(p.after, call, T_ANSWER, this.labels.answer)];
    }
  }

  /**
   * RFC 4028 on an INVITE to a phone with session timers: a Session-Expires below our Min-SE gets
   * 422 with our Min-SE (§8.1; false: the call is over); otherwise the interval asked for is the
   * session's, refreshed by the side its `refresher` parameter names (when it names none: the caller
   * if it says Supported: timer, else we, §9).
   */
  private sessionTimerOfInvite(call: CallRecord, msg: SipMessage, source: TransportAddress): boolean {
    const se = msg.header('session-expires');
    if (!se) return true;
    const v = Number.parseInt(se, 10);
    const min = this.config.minSE ?? 90;
    if (v < min) {
      call.ist!.respond(
        this.makeResponse(msg, source, 422, { toTag: call.localTag, headers: [`Min-SE: ${min}`] }),
        422,
      );
      call.status = 422;
      this.setState(call, 'failed', `422: Session-Expires ${v} below Min-SE ${min}`);
      return false;
    }
    if (v > 0) {
      call.sessionInterval = v;
      // the refresher the request names; else the caller when it supports timers, else us (§9)
      const named = /refresher\s*=\s*(uac|uas)/i.exec(se)?.[1]?.toLowerCase();
      call.refresher = named ? named === 'uas' : !/\btimer\b/i.test(msg.header('supported') ?? '');
    }
    return true;
  }

  /**
   * An INVITE with Replaces (RFC 3891 §3): the dialog it names (Call-ID, to-tag our tag, from-tag the
   * peer's) is replaced: the new call is answered at once, without ringing, and the old dialog ended
   * with BYE; 481 when no confirmed dialog matches.
   */
  private onReplaces(call: CallRecord, msg: SipMessage, source: TransportAddress): void {
    const v = msg.header('replaces') ?? '';
    const semi = v.indexOf(';');
    const callId = (semi < 0 ? v : v.slice(0, semi)).trim();
    const toTag = /;\s*to-tag=([^;\s]+)/i.exec(v)?.[1];
    const fromTag = /;\s*from-tag=([^;\s]+)/i.exec(v)?.[1];
    const old = this.calls.find(
      (c) =>
        c !== call &&
        c.state === 'confirmed' &&
        c.dialog !== null &&
        c.dialog.callId === callId &&
        c.dialog.localTag === toTag &&
        c.dialog.remoteTag === fromTag,
    );
    if (!old) {
      call.ist!.respond(this.makeResponse(msg, source, 481, { toTag: call.localTag }), 481);
      call.status = 481;
      this.setState(call, 'failed', 'Replaces names no dialog (481)');
      return;
    }
    this.log(`call ${call.id} replaces call ${old.id} (RFC 3891)`, { replaces: old.id }, 'call');
    this.answerCall(call);
    this.hangup(old);
  }

  /** Answers a ringing call with 200 OK and the SDP answer (or offer, when the INVITE had none). */
  answerCall(call?: Call): boolean {
    const c = (call ?? this.findCall(undefined, ['early'])) as CallRecord | undefined;
    if (!c || c.direction !== 'in' || c.state !== 'early' || !c.invite || !c.ist || !c.source) return false;
    if (c.relRseq > 0 && c.relSdp) {
      // RFC 3262 §3: no 2xx before the PRACK of a reliable provisional response with SDP
      c.answerAfterPrack = true;
      return true;
    }
    if (c.remoteSdp) c.localDirection = answerDirection(remoteMedia(c, c.remoteSdp, this.sdpMemo).direction);
    // the answer given in a reliable provisional response stands: the 2xx carries no SDP (RFC 3262 §5)
    const sdp = c.answeredEarly ? EMPTY_BODY : this.localSdpBody(c);
    // the session timer the caller asked for, and who refreshes it (RFC 4028 §9)
    const timer =
      c.sessionInterval > 0
        ? [
            // Require: timer only to a caller that supports it (RFC 4028 §9)
            ...(c.refresher && !/\btimer\b/i.test(c.invite.header('supported') ?? '')
              ? []
              : ['Require: timer']),
            `Session-Expires: ${c.sessionInterval};refresher=${c.refresher ? 'uas' : 'uac'}`,
          ]
        : undefined;
    const o: ResponseOptions =
      sdp instanceof Uint8Array
        ? { toTag: c.localTag, recordRoute: true, headerBytes: this.contactAllowLines(), bodyBytes: sdp }
        : { toTag: c.localTag, recordRoute: true, headerBytes: this.contactAllowLines(), body: sdp };
    if (timer) o.headers = timer;
    const ok = this.makeResponse(c.invite, c.source, 200, o);
    c.okBytes = ok;
    c.ist.respond(ok, 200);
    c.status = 200;
    this.setState(c, 'confirmed', 'answered');
    if (timer) this.armSessionTimer(c);
    // RFC 3261 §13.3.1.4: the UAS core retransmits the 2xx (T1 doubling to T2) until the ACK, for 64*T1.
    if (!this.transport.reliable) this.retransmit2xx(c, this.timers.T1, 0);
    return true;
  }

  private retransmit2xx(c: Call, interval: Micros, elapsed: Micros): void {
    const r = c as CallRecord;
    r.okInterval = interval;
    r.okElapsed = elapsed;
    c.okTimer = this.clock.scheduleTarget(interval, r, T_2XX, '2xx retransmit');
  }

  private on2xxTimer(c: CallRecord): void {
    c.okTimer = null;
    if (!c.okBytes || !c.ist) return;
    const interval = c.okInterval;
    const total = c.okElapsed + interval;
    if (total >= 64 * this.timers.T1) {
      this.log(`call ${c.id}: no ACK for the 2xx after 64*T1, ending with BYE`, undefined, 'call');
      if (c.dialog) this.byeDialog(c.dialog);
      this.setState(c, 'terminated', 'no ACK');
      return;
    }
    this.resendResponse(
      c.okBytes,
      c.ist.responseDestination,
      '2xx (§13.3.1.4)',
      () => `2xx retransmission (interval ${interval / 1000} ms)`,
    );
    this.retransmit2xx(c, Math.min(2 * interval, this.timers.T2), total);
  }

  /** Sends a response the UA retransmits itself (2xx, reliable 1xx) again, with its timer event. */
  private resendResponse(bytes: Uint8Array, dest: TransportAddress, timer: string, text: () => string): void {
    if (this.events.enabled)
      this.events.emit({
        time: this.clock.now(),
        node: this.node,
        kind: 'timer',
        text: text(),
        data: { timer },
      });
    this.transport.send(bytes, dest);
  }

  /**
   * RFC 3262 §3: a reliable provisional response not PRACKed is sent again at T1, 2*T1, 4*T1... (no
   * T2 cap); after 64*T1 without its PRACK the INVITE is rejected with a 5xx.
   */
  private onReliableTimer(c: CallRecord): void {
    c.relTimer = null;
    if (!c.relBytes || !c.ist || c.state !== 'early' || c.relRseq === 0) return;
    const interval = c.relInterval;
    const total = c.relElapsed + interval;
    if (total >= 64 * this.timers.T1) {
      c.relBytes = null;
      this.log(`call ${c.id}: no PRACK after 64*T1, rejecting the INVITE (RFC 3262 §3)`, undefined, 'call');
      if (c.invite && c.source) {
        c.ist.respond(
          this.makeResponse(c.invite, c.source, 500, { toTag: c.localTag, reason: 'No PRACK' }),
          500,
        );
        c.status = 500;
        this.setState(c, 'failed', 'no PRACK');
      }
      return;
    }
    this.resendResponse(
      c.relBytes,
      c.ist.responseDestination,
      '100rel (RFC 3262 §3)',
      () => `reliable provisional retransmission, RSeq ${c.relRseq} (after ${interval / 1000} ms)`,
    );
    // the next one at twice the interval, the INVITE's rejection at 64*T1 after the first send
    const next = Math.min(2 * interval, 64 * this.timers.T1 - total);
    c.relElapsed = total;
    c.relInterval = next;
    c.relTimer = this.clock.scheduleTarget(next, c, T_RELIABLE, '100rel retransmit');
  }

  /** A PRACK (RFC 3262 §3): 200 when its RAck names the reliable provisional response awaiting it, else 481. */
  private onPrack(
    call: CallRecord | null,
    msg: SipMessage,
    st: ReturnType<SipElement['serverTransaction']>,
    source: TransportAddress,
  ): void {
    const rack = /^\s*(\d+)\s+(\d+)\s+INVITE/i.exec(msg.header('rack') ?? '');
    if (!call || !rack || call.relRseq === 0 || Number(rack[1]) !== call.relRseq) {
      st.respond(this.makeResponse(msg, source, 481), 481);
      return;
    }
    st.respond(this.makeResponse(msg, source, 200), 200);
    call.relRseq = 0;
    call.relBytes = null;
    if (call.relTimer !== null) {
      this.clock.cancel(call.relTimer);
      call.relTimer = null;
    }
    if (call.answerAfterPrack) {
      call.answerAfterPrack = false;
      this.answerCall(call);
    }
  }

  /**
   * RFC 4028 §10: the refresher refreshes the session at half its interval; the other side ends it
   * with BYE when no refresh came by the interval less min(32 s, a third of it).
   */
  private armSessionTimer(c: CallRecord): void {
    if (c.sessionTimer !== null) this.clock.cancel(c.sessionTimer);
    const se = c.sessionInterval * SECOND;
    const delay = c.refresher ? se / 2 : se - Math.min(32 * SECOND, se / 3);
    c.sessionTimer = this.clock.scheduleTarget(delay, c, T_SESSION, `session timer ${this.node}`);
  }

  /**
   * A session refresh with UPDATE (RFC 4028 §7.4, RFC 3311): no offer, the session unchanged; a
   * 2xx restarts the timer, a 408 or 481 or no answer ends the call with BYE (§10).
   */
  private refreshWithUpdate(c: CallRecord): void {
    this.inDialog(
      c.dialog!,
      'UPDATE',
      ['Supported: timer', `Session-Expires: ${c.sessionInterval};refresher=${c.refresher ? 'uac' : 'uas'}`],
      '',
      'application/sdp',
      (status) => {
        if (c.state !== 'confirmed') return;
        if (status >= 200 && status < 300) this.armSessionTimer(c);
        else if (status === 408 || status === 481) {
          this.log(
            `call ${c.id}: UPDATE ${status === 408 ? 'not answered' : 'answered 481'}, ending the session with BYE (RFC 4028 §10)`,
            undefined,
            'call',
          );
          this.hangup(c);
        }
      },
    );
  }

  private onSessionTimer(c: CallRecord): void {
    c.sessionTimer = null;
    if (c.state !== 'confirmed' || !c.dialog) return;
    if (c.refresher) {
      this.log(
        `call ${c.id}: session refresh, half the ${c.sessionInterval} s interval (RFC 4028 §10)`,
        undefined,
        'call',
      );
      if (this.config.sessionRefresh === 'update') this.refreshWithUpdate(c);
      else if (!this.reinvite(c.localDirection, c, true)) this.armSessionTimer(c);
      return;
    }
    this.log(
      `call ${c.id}: no session refresh came, ending the session with BYE (RFC 4028 §10)`,
      undefined,
      'call',
    );
    this.hangup(c);
  }

  /** The session timer a 2xx to our INVITE grants (RFC 4028 §7.2): none when it has no Session-Expires. */
  private sessionTimerFrom2xx(c: CallRecord, msg: SipMessage): void {
    const se = msg.header('session-expires');
    const v = se ? Number.parseInt(se, 10) : 0;
    if (!(v > 0)) {
      c.sessionInterval = 0;
      return;
    }
    c.sessionInterval = v;
    c.refresher = !/refresher\s*=\s*uas/i.test(se!);
    this.armSessionTimer(c);
  }

  /**
   * 488 Not Acceptable Here to an offer with none of our codecs, with a Warning 305 "Incompatible
   * media format" (RFC 3261 §13.3.1.3, §21.4.26, §20.43), as a phone does.
   */
  private notAcceptableHere(msg: SipMessage, source: TransportAddress, toTag: string | null): Uint8Array {
    return this.makeResponse(msg, source, 488, {
      toTag,
      headers: [`Warning: 305 ${this.sentBy} "Incompatible media format"`],
    });
  }

  /** Rejects a ringing call with `code`. */
  reject(code: number, call?: Call, reason?: string): boolean {
    const c = call ?? this.findCall(undefined, ['early']);
    if (!c || c.direction !== 'in' || c.state !== 'early' || !c.invite || !c.ist || !c.source) return false;
    c.ist.respond(
      this.makeResponse(c.invite, c.source, code, { toTag: c.localTag, ...(reason ? { reason } : {}) }),
      code,
    );
    c.status = code;
    this.setState(c, 'failed', `rejected ${code}`);
    return true;
  }

  /**
   * Keep ended calls in `calls` (default true; long benchmark runs turn it off: a call ended by a
   * BYE is then forgotten at once, any other 64*T1 after it ended).
   */
  retainEndedCalls = true;

  /**
   * With {@link retainEndedCalls}: how many ended calls stay in {@link calls}, the newest (to end);
   * an older one leaves it, in order, counted in {@link callsForgotten} (a lab's phones keep 100,
   * so a lab left up under SIPp load stays bounded). Its dialog is let go when it ends, as when
   * ended calls are not retained (a BYE's at once, any other 64*T1 later). Infinity (the
   * default, the simulator's: its expectations index the calls): every one.
   */
  endedCallsKept = Infinity;
  /** The ended calls in {@link calls} (with a finite {@link endedCallsKept}), in the order they ended, from `#endedHead`. */
  #ended: (CallRecord | null)[] = [];
  #endedHead = 0;

  private keepEnded(r: CallRecord): void {
    const q = this.#ended;
    q.push(r);
    while (q.length - this.#endedHead > this.endedCallsKept) {
      const old = q[this.#endedHead]!;
      q[this.#endedHead++] = null;
      this.unlist(old);
    }
    if (this.#endedHead >= 1024 && this.#endedHead * 2 >= q.length) {
      this.#ended = q.slice(this.#endedHead);
      this.#endedHead = 0;
    }
  }

  /** Takes an ended call out of {@link calls} (in place at the next read; the order is kept). */
  private unlist(r: CallRecord): void {
    if (!r.listed) return;
    r.listed = false;
    this.callsForgotten++;
    // (compacted when read, or when half of the list is forgotten: O(1) a call, amortised)
    if (++this.#unlisted >= 64 && this.#unlisted * 2 >= this.#calls.length) this.compactCalls();
  }

  /** Drops the forgotten calls from the list, keeping its order. */
  private compactCalls(): void {
    const a = this.#calls;
    let j = 0;
    for (let i = 0; i < a.length; i++) {
      const c = a[i]!;
      if (c.listed) a[j++] = c;
    }
    a.length = j;
    this.#unlisted = 0;
  }

  /**
   * Ended calls to forget, oldest first, each 64*T1 after it ended: one timer for them all (the
   * delay is the same for every call, so the queue is in time order), not one per call.
   */
  private readonly forgetQueue: (CallRecord | null)[] = [];
  private readonly forgetDue: Micros[] = [];
  private forgetHead = 0;
  private forgetTimer = false;
  private readonly forgetter: TimerTarget = { onTimer: () => this.forgetDueCalls() };

  /**
   * Forgets a call ended by a BYE at once: its INVITE transaction (still alive for 64*T1) gets an
   * {@link EndedCall} in its place, so the record goes now.
   */
  private forgetNow(r: CallRecord): void {
    const tx = r.inviteTxn ?? r.ist;
    if (tx !== null && tx.userData === r) {
      if (tx instanceof InviteClientTransaction && r.ackBytes !== null) {
        // a call we placed: its INVITE transaction ACKs a retransmitted 2xx itself (keeping its own
        // copy of the ACK when it lingers as a record), and keeps no per-call data
        tx.answer2xxWith(r.ackBytes, r.ackDest!);
        tx.userData = PLACED_CALL_ENDED;
      } else if (tx === r.ist) {
        // a call we answered: a late CANCEL's 200 needs only our tag (the string itself, no object)
        tx.userData = r.localTag;
      } else tx.userData = new EndedCall(r.localTag, r.ackBytes, r.ackDest);
    }
    r.ackBytes = null;
    r.ackDest = null;
    this.forget(r);
  }

  private forgetLater(call: CallRecord): void {
    const delay = 64 * this.timers.T1;
    this.forgetQueue.push(call);
    this.forgetDue.push(this.clock.now() + delay);
    if (!this.forgetTimer) {
      this.forgetTimer = true;
      this.clock.scheduleTarget(delay, this.forgetter, T_FORGET, 'forget calls');
    }
  }

  private forgetDueCalls(): void {
    this.forgetTimer = false;
    const q = this.forgetQueue;
    const due = this.forgetDue;
    const now = this.clock.now();
    let h = this.forgetHead;
    while (h < q.length && due[h]! <= now) {
      this.forget(q[h]!);
      q[h] = null;
      h++;
    }
    if (h === q.length) {
      q.length = 0;
      due.length = 0;
      h = 0;
    } else if (h >= 4096) {
      q.splice(0, h);
      due.splice(0, h);
      h = 0;
    }
    this.forgetHead = h;
    if (h < q.length) {
      this.forgetTimer = true;
      this.clock.scheduleTarget(due[h]! - now, this.forgetter, T_FORGET, 'forget calls');
    }
  }

  /**
   * Lets go of an ended call's dialog (no request matches it any more); a phone that does not
   * retain ended calls also takes it out of {@link calls}.
   */
  private forget(call: Call): void {
    const r = call as CallRecord;
    if (!this.retainEndedCalls) this.unlist(r);
    const key = r.callIdKey;
    const head = this.byCallId.get(key);
    if (head === r) {
      if (r.sameKey) this.byCallId.set(key, r.sameKey);
      else this.byCallId.delete(key);
    } else
      for (let c: CallRecord | null = head ?? null; c; c = c.sameKey)
        if (c.sameKey === r) {
          c.sameKey = r.sameKey;
          break;
        }
    r.sameKey = null;
  }

  /**
   * Calls by a 31-bit hash of their Call-ID's octets (a small integer key), each the newest of a
   * chain through `sameKey`: dialog matching without scanning every call, and without decoding the
   * received Call-ID (the chain is checked against the message's octets).
   */
  private readonly byCallId = new Map<number, CallRecord>();
  private nextSeq = 0;

  /** The call whose dialog a request in a dialog belongs to (RFC 3261 §12.2.2), newest first; null when none. */
  private callOf(msg: SipMessage): CallRecord | null {
    const key = (hasKeyField(msg, F_CALLID) ? keyFieldHash(msg, F_CALLID) : utf8Hash('')) & KEY_MASK;
    for (let c: CallRecord | null = this.byCallId.get(key) ?? null; c; c = c.sameKey) {
      const d = c.dialog;
      if (
        d &&
        keyFieldIs(msg, F_CALLID, d.callId) &&
        keyFieldIs(msg, F_TOTAG, d.localTag) &&
        keyFieldIs(msg, F_FROMTAG, d.remoteTag)
      )
        return c;
    }
    return null;
  }

  /** A dialog of no call (a SUBSCRIBE's) that a request belongs to, or null. */
  private otherDialogOf(msg: SipMessage): Dialog | null {
    if (this.otherDialogs.length === 0) return null;
    return this.otherDialogs.find((x) => x.callId === msg.callId && x.localTag === msg.toTag) ?? null;
  }

  private readonly otherDialogs: SubDialog[] = [];
  /** The latest provisional status (180, 183...) of each call a REFER made, until its outcome is NOTIFYed. */
  private readonly referProgress = new Map<Call, number>();
  /** Our subscriptions by Call-ID (subscriber side). */
  private readonly subs = new Map<string, Subscription>();
  /** Call-IDs of the SUBSCRIBEs we sent: their NOTIFYs are accepted (RFC 6665 §4.1.3). */
  private readonly subscriptions = new Set<string>();

  private onAck(msg: SipMessage): void {
    const call = this.callOf(msg);
    if (!call) return;
    if (call.okTimer !== null) {
      this.clock.cancel(call.okTimer);
      call.okTimer = null;
    }
    if (call.dialog) call.dialog.state = 'confirmed';
    if (msg.bodyLength) call.remoteSdp = dec.decode(msg.body());
    if (call.okBytes) {
      call.okBytes = null;
      this.sendMedia(call);
    } else if (call.reinviteAck !== 0 && msg.cseq === call.reinviteAck) {
      // the media of a re-INVITE that changed its direction (RFC 3264 §8.4)
      call.reinviteAck = 0;
      this.sendMedia(call);
    }
  }

  private onCancel(msg: SipMessage, source: TransportAddress): void {
    // RFC 3261 §9.2: match the INVITE server transaction; 200 to the CANCEL, 487 to the INVITE.
    const ist = this.table.matchRequest(msg, 'INVITE');
    const st = this.serverTransaction(msg, source);
    if (!ist) {
      st.respond(this.makeResponse(msg, source, 481, { toTag: this.ids.tag() }), 481);
      return;
    }
    const u = ist.userData;
    const call = u instanceof CallRecord ? u : null;
    const tag = call
      ? call.localTag
      : u instanceof EndedCall
        ? u.localTag
        : typeof u === 'string'
          ? u // a forgotten call we answered: its tag
          : this.ids.tag();
    st.respond(this.makeResponse(msg, source, 200, { toTag: tag }), 200);
    if (call && call.state === 'early' && call.invite && call.source) {
      for (const t of call.timers) this.clock.cancel(t);
      ist.respond(this.makeResponse(call.invite, call.source, 487, { toTag: call.localTag }), 487);
      call.status = 487;
      this.setState(call, 'terminated', 'cancelled');
    }
  }

  private onInDialog(msg: SipMessage, source: TransportAddress): void {
    const method = methodOf(msg) ?? '';
    const call = this.callOf(msg);
    const dialog = call ? call.dialog : this.otherDialogOf(msg);
    const st = this.serverTransaction(msg, source);
    if (!dialog && method === 'NOTIFY' && this.subscriptions.has(msg.callId ?? '')) {
      // the first NOTIFY may come before the SUBSCRIBE's 2xx: it makes the dialog (RFC 6665 §4.1.2.4)
      this.count(method);
      st.respond(this.makeResponse(msg, source, 200), 200);
      this.onNotifyOfSubscription(msg, null);
      return;
    }
    if (!dialog) {
      st.respond(this.makeResponse(msg, source, 481), 481);
      return;
    }
    dialog.remoteSeq = Math.max(dialog.remoteSeq, msg.cseq ?? 0);
    this.count(method);
    switch (method) {
      case 'BYE':
        st.respond(this.makeResponse(msg, source, 200), 200);
        dialog.state = 'terminated';
        if (call) this.setState(call, 'terminated', 'BYE received');
        return;
      case 'INVITE': {
        if (call && call.reinvitePending) {
          // RFC 3261 §14.2: an INVITE of ours is pending in this dialog: glare
          st.respond(
            this.makeResponse(msg, source, 491, { headers: [`Contact: <${this.contactUri}>`] }),
            491,
          );
          return;
        }
        // re-INVITE: refresh the remote target (RFC 3261 §12.2.2) and answer the new offer.
        const contact = msg.values('contact')[0];
        if (contact) dialog.remoteTarget = nameAddrUri(contact);
        const before = call?.localDirection;
        if (call && msg.bodyLength) {
          const sdp = dec.decode(msg.body());
          const offer = readSdp(sdp);
          // an offer the same as the last one (its o= version unchanged, RFC 3264 §8) changes nothing
          if (sdp !== call.remoteSdp) {
            const m = negotiate(offer, this.offer);
            if (m.rejected) {
              // none of our codecs: 488, and the session goes on as it was (RFC 3261 §14.2)
              st.respond(this.notAcceptableHere(msg, source, null), 488);
              return;
            }
            call.remoteSdp = sdp;
            call.media = m;
            call.localDirection = answerDirection(offer.direction);
            call.sdpVersion++;
          }
        }
        const headers = [`Contact: <${this.contactUri}>`];
        if (call && call.sessionInterval > 0) {
          // a re-INVITE refreshes the session (RFC 4028 §9): the same interval, the same refresher
          headers.push(
            'Require: timer',
            `Session-Expires: ${call.sessionInterval};refresher=${call.refresher ? 'uas' : 'uac'}`,
          );
          this.armSessionTimer(call);
        }
        const body = call ? this.localSdp(call) : '';
        st.respond(this.makeResponse(msg, source, 200, { headers, body }), 200);
        if (call) {
          this.log(
            `call ${call.id} media ${call.localDirection} (re-INVITE)`,
            { direction: call.localDirection },
            'call',
          );
          if (call.localDirection !== before) call.reinviteAck = msg.cseq ?? 0;
        }
        return;
      }
      case 'PRACK':
        return this.onPrack(call, msg, st, source);
      case 'SUBSCRIBE':
        return this.onSubscribeInDialog(dialog as SubDialog, msg, st, source);
      case 'UPDATE': {
        // an answer only to an offer (RFC 3311 §5.2): a session refresh carries none
        const body = call && msg.bodyLength ? this.localSdp(call) : '';
        const headers = [`Contact: <${this.contactUri}>`];
        if (call && call.sessionInterval > 0) {
          // an UPDATE refreshes the session too (RFC 4028 §9)
          headers.push(
            'Require: timer',
            `Session-Expires: ${call.sessionInterval};refresher=${call.refresher ? 'uas' : 'uac'}`,
          );
          this.armSessionTimer(call);
        }
        st.respond(this.makeResponse(msg, source, 200, { headers, ...(body ? { body } : {}) }), 200);
        return;
      }
      case 'REFER': {
        const referTo = nameAddrUri(msg.header('refer-to') ?? '');
        st.respond(this.makeResponse(msg, source, 202, { headers: [`Contact: <${this.contactUri}>`] }), 202);
        const notify = (frag: string, state: string): void =>
          this.inDialog(
            dialog,
            'NOTIFY',
            ['Event: refer', `Subscription-State: ${state}`],
            frag,
            'message/sipfrag;version=2.0',
          );
        notify('SIP/2.0 100 Trying\r\n', `active;expires=${REFER_EXPIRES}`);
        const expires = this.clock.now() + REFER_EXPIRES * SECOND;
        // the new INVITE names who referred it (RFC 3892, RFC 5589 §6) and carries the Refer-To URI's
        // header fields, Replaces of an attended transfer (RFC 3891 §3, RFC 3261 §19.1.5)
        const q = referTo.indexOf('?');
        const headers: string[] = [];
        const by = msg.header('referred-by');
        if (by) headers.push(`Referred-By: ${by}`);
        if (q >= 0)
          for (const part of referTo.slice(q + 1).split('&')) {
            const eq = part.indexOf('=');
            if (eq <= 0) continue;
            let value: string;
            try {
              value = decodeURIComponent(part.slice(eq + 1));
            } catch {
              continue;
            }
            const name = part.slice(0, eq);
            if (/^replaces$/i.test(name)) headers.push(`Replaces: ${value}`);
          }
        const nc = this.call(q >= 0 ? referTo.slice(0, q) : referTo, { headers });
        nc.referDialog = dialog;
        const watch = (): void => {
          if (nc.state === 'confirmed' || nc.state === 'failed' || nc.state === 'terminated') {
            this.referProgress.delete(nc);
            const s = nc.status ?? 500;
            notify(`SIP/2.0 ${s} ${s === 200 ? 'OK' : 'Failed'}\r\n`, 'terminated;reason=noresource');
            return;
          }
          if (this.clock.now() >= expires) {
            // the implicit subscription ran out before the referred INVITE's final response (RFC
            // 3515 §2.4.4 and RFC 6665 §4.2.2): the last NOTIFY, with the latest provisional status
            const s = this.referProgress.get(nc) ?? 100;
            this.referProgress.delete(nc);
            this.log(
              `call ${nc.id}: the REFER's subscription expired before its outcome`,
              undefined,
              'dialog',
            );
            notify(`SIP/2.0 ${s} ${reasonPhrase(s)}\r\n`, 'terminated;reason=timeout');
            return;
          }
          this.clock.schedule(10_000, watch, 'refer watch');
        };
        this.clock.schedule(10_000, watch, 'refer watch');
        return;
      }
      case 'NOTIFY': {
        st.respond(this.makeResponse(msg, source, 200), 200);
        if (!call) {
          this.onNotifyOfSubscription(msg, dialog as SubDialog);
          return;
        }
        const frag = dec.decode(msg.body());
        if (
          /^SIP\/2\.0 2\d\d/.test(frag) &&
          call &&
          this.config.hangupAfterTransfer !== false &&
          /refer/i.test(msg.header('event') ?? '')
        ) {
          this.log(`call ${call.id}: transfer succeeded`, undefined, 'call');
          this.hangup(call);
        }
        return;
      }
      default:
        st.respond(this.makeResponse(msg, source, 200), 200);
    }
  }
}
