/**
 * The proxy's media relay, as `rtpproxy_manage()` / `rtpengine_manage()` drive rtpproxy or
 * rtpengine: per call (Call-ID) a port pair on each side of the proxy — the caller sends to side A's,
 * the callee to side B's (RTP on the even port, RTCP on the one above: RFC 3550 §11) — the offer
 * goes on with side B's port and the proxy's address, the answer comes back with side A's, the SDP
 * written as rtpengine 10.5 writes it by default ({@link relaySdp}: c=, m=, a=rtcp and a direction
 * added, o= left alone; test/interop/relay-rtpengine.test.ts compares the two on the wire). Each side
 * is sent to its SDP's address until its first packet arrives, and from then on to where its packets
 * come from (latching, symmetric RTP: the public mapping of a phone behind a NAT, whatever its SDP
 * says) — for 3 s the latest source, then fixed, as rtpengine's delayed learning; a packet from
 * another source is still relayed. RTCP latches on its own (a NAT maps the RTCP port apart); an RTCP
 * packet on the RTP port (rtcp-mux, RFC 5761) goes with the RTP.
 *
 * One piece of code for the simulator and the lab: the decisions are here, the ports are the
 * host's ({@link MediaRelayHost.bind}: a simulated transport, or a real UDP socket in the lab).
 * Bounded: at most `maxSessions` calls relayed at once (when full, the sessions idle past `idle` are
 * closed first, else the call is refused: its SDP goes on untouched and `rtpproxy_manage()` gives
 * -1); a session ends on BYE or CANCEL, on a failed initial INVITE, and with {@link closeAll}.
 * Ports wrap round within `firstPort` … `firstPort + 4 × maxSessions` (a port the host cannot bind is
 * skipped).
 */
import type { Micros } from '../stack/clock';
import { formatAddress, type Transport, type TransportAddress } from '../stack/transport';
import type { RelaySessionDto } from '../../shared/lab-media';
import { staticRtpmap } from '../message/sdp';

/** A port of the relay: a transport that may be closed (the lab's real sockets are). */
export interface RelayPort extends Transport {
  close?(): void;
}

export interface MediaRelayHost {
  /** Opens `port` on the proxy's address; null when it cannot (taken). */
  bind(port: number): RelayPort | null;
  /** The proxy's address written in the SDP. */
  readonly address: string;
  log(text: string): void;
  now(): Micros;
}

export interface MediaRelayOptions {
  /** The first port (default 30000). */
  firstPort?: number;
  /** Most calls relayed at once (default 8192). */
  maxSessions?: number;
  /** A session with no packet for this long is closed when the relay is full (default 60 s). */
  idle?: Micros;
  /**
   * After a side's first packet, for this long the relay sends toward the latest source it heard
   * from that side; the first packet after that fixes it (default 3 s, rtpengine's delayed learning).
   */
  learn?: Micros;
  /** Say when a session closes, with what it relayed (the lab; the simulator's events stay as they were). */
  logClose?: boolean;
  /**
   * The relay's events are the call's (kind `call`: `sipscope lab` prints them with the call states
   * and the phones' media events); default `log` (the simulator's events stay as they were).
   */
  callEvents?: boolean;
}

/**
 * Where to send toward one side: the SDP's address first, then where its first packet came from
 * (latching). With a learning time (the relay's: rtpengine's "delayed" endpoint learning), the latch
 * follows the latest source for that long after the first packet, and the first packet after it
 * fixes where to send for good; without one (a lab phone's comedia, src/main/live/lab-media.ts) the
 * first packet does.
 */
export class Latch {
  addr: TransportAddress | null = null;
  latched = false;
  #since: Micros = 0;
  #fixed = false;

  constructor(private readonly learn: Micros = 0) {}

  /** The SDP's address: a first guess, kept until a packet comes. */
  guess(a: TransportAddress | null): void {
    if (!this.latched) this.addr = a;
  }

  /** A packet came from `src` at `now`: true when the latch took it (the first, or a new source while learning). */
  packet(src: TransportAddress, now: Micros = 0): boolean {
    if (this.#fixed) return false;
    if (this.latched) {
      if (now - this.#since >= this.learn) this.#fixed = true;
      if (this.addr?.host === src.host && this.addr.port === src.port) return false;
    } else {
      this.latched = true;
      this.#since = now;
      this.#fixed = this.learn <= 0;
    }
    this.addr = { host: src.host, port: src.port, transport: 'UDP' };
    return true;
  }
}

/** One side of a relayed call: its RTP and RTCP ports, where to send, what came from it. */
interface Side {
  readonly name: 'caller' | 'callee';
  readonly rtp: RelayPort;
  readonly rtcp: RelayPort | null;
  readonly to: Latch;
  readonly toRtcp: Latch;
  /** The a=rtcp port the side's SDP named (RFC 3605), when it did. */
  sdpRtcp: number | null;
  /** The side's SDP address (c=, m=): where its RTCP goes until its RTCP latches. */
  sdp: TransportAddress | null;
  packets: number;
}

/** One relayed call (what rtpproxy keeps per Call-ID). */
export interface RelaySession {
  readonly callId: string;
  readonly base: number;
  /** Side A: the caller sends to its ports; side B: the callee does. */
  readonly a: Side;
  readonly b: Side;
  lastAt: Micros;
  /** The From-tag of the call's first offer (the caller's); null until one came with a tag. */
  callerTag: string | null;
}

/** A session as the lab shows it. */
export type RelaySessionInfo = RelaySessionDto;

const DEFAULT_IDLE: Micros = 60_000_000;

export class MediaRelay {
  readonly #host: MediaRelayHost;
  readonly #first: number;
  readonly #max: number;
  readonly #idle: Micros;
  readonly #logClose: boolean;
  readonly #learn: Micros;
  readonly #sessions = new Map<string, RelaySession>();
  /** The first port of each open session (its four ports are its own until it closes). */
  readonly #bases = new Set<number>();
  #next: number;

  constructor(host: MediaRelayHost, opts: MediaRelayOptions = {}) {
    this.#host = host;
    this.#first = (opts.firstPort ?? 30000) & ~1;
    this.#max = Math.max(1, Math.min(opts.maxSessions ?? 8192, Math.floor((65536 - this.#first) / 4)));
    this.#idle = opts.idle ?? DEFAULT_IDLE;
    this.#logClose = opts.logClose ?? false;
    this.#learn = opts.learn ?? 3_000_000;
    this.#next = this.#first;
  }

  /** Calls relayed now. */
  get size(): number {
    return this.#sessions.size;
  }

  has(callId: string): boolean {
    return this.#sessions.has(callId);
  }

  info(): RelaySessionInfo[] {
    const hp = (a: TransportAddress | null): string | null => (a ? formatAddress(a) : null);
    return [...this.#sessions.values()].map((s) => ({
      callId: s.callId,
      callerPort: formatAddress({ host: this.#host.address, port: s.a.rtp.local.port }),
      calleePort: formatAddress({ host: this.#host.address, port: s.b.rtp.local.port }),
      toCaller: hp(s.a.to.addr),
      toCallee: hp(s.b.to.addr),
      callerLatched: s.a.to.latched,
      calleeLatched: s.b.to.latched,
      fromCaller: s.a.packets,
      fromCallee: s.b.packets,
    }));
  }

  /**
   * An offer: from the caller (the call's first offer, or a re-INVITE with the caller's From-tag) its
   * SDP address is where the caller is first sent to and the body goes on with side B's port; from the
   * callee (a re-INVITE whose From-tag is not the caller's) the sides swap. Null when the relay is full
   * (the SDP goes on untouched).
   */
  offer(callId: string, body: string, fromTag: string | null = null): string | null {
    return this.#sdp(callId, body, fromTag, true, false);
  }

  /**
   * The answer to an offer (its From-tag is the offer's): to the caller's offer it comes from the
   * callee and goes back with side A's port; to the callee's, the other way. Null when the relay is full.
   */
  answer(callId: string, body: string, fromTag: string | null = null): string | null {
    return this.#sdp(callId, body, fromTag, false, true);
  }

  /**
   * An offer in the response to an INVITE without one (a late offer, RFC 3261 §13.2.1): it comes from
   * the side that did not send the INVITE (`fromTag`, the INVITE's From-tag, names the one that did).
   */
  offerInResponse(callId: string, body: string, fromTag: string | null = null): string | null {
    return this.#sdp(callId, body, fromTag, false, false);
  }

  /** The answer to a late offer, in the ACK: from the ACK's sender (its From-tag). */
  answerInAck(callId: string, body: string, fromTag: string | null = null): string | null {
    return this.#sdp(callId, body, fromTag, true, true);
  }

  /**
   * An SDP of the call: `bySender` when it comes from the side `fromTag` names (a request's body),
   * else from the other side (a response's); where its side is first sent to, and the body as it goes
   * on with the far side's port.
   */
  #sdp(
    callId: string,
    body: string,
    fromTag: string | null,
    bySender: boolean,
    answer: boolean,
  ): string | null {
    const s = this.#session(callId);
    if (!s) return null;
    s.callerTag ??= fromTag;
    const senderIsCallee = this.#fromCallee(s, fromTag);
    const fromCallee = bySender ? senderIsCallee : !senderIsCallee;
    const [from, to] = fromCallee ? [s.b, s.a] : [s.a, s.b];
    this.#guess(from, body);
    return this.#rewrite(body, to, answer);
  }

  /** An offer (or its answer) of a re-INVITE the callee sent: its From-tag is not the caller's. */
  #fromCallee(s: RelaySession, fromTag: string | null): boolean {
    return fromTag !== null && s.callerTag !== null && fromTag !== s.callerTag;
  }

  /** The call ended (BYE, CANCEL, a failed initial INVITE): its ports close. */
  end(callId: string, why: string): void {
    const s = this.#sessions.get(callId);
    if (!s) return;
    this.#close(s, why);
  }

  closeAll(why = 'stopped'): void {
    for (const s of [...this.#sessions.values()]) this.#close(s, why);
  }

  #close(s: RelaySession, why: string): void {
    this.#sessions.delete(s.callId);
    this.#bases.delete(s.base);
    for (const p of [s.a.rtp, s.a.rtcp, s.b.rtp, s.b.rtcp]) {
      if (!p) continue;
      p.setListener(null);
      p.close?.();
    }
    if (this.#logClose)
      this.#host.log(
        `media relay: call ${s.callId} closed (${why}): ${s.a.packets} packets from the caller, ${s.b.packets} from the callee relayed`,
      );
  }

  #session(callId: string): RelaySession | null {
    const had = this.#sessions.get(callId);
    if (had) return had;
    if (this.#sessions.size >= this.#max && !this.#sweep()) {
      this.#host.log(`media relay: no ports for call ${callId} (${this.#max} calls relayed)`);
      return null;
    }
    // the next port quadruple the host can bind (caller side RTP, RTCP; callee side RTP, RTCP)
    const span = this.#max * 4;
    for (let tries = 0; tries < this.#max; tries++) {
      const base = this.#next;
      this.#next = this.#first + ((base - this.#first + 4) % span);
      if (this.#bases.has(base)) continue;
      const a = this.#side('caller', base);
      if (!a) continue;
      const b = this.#side('callee', base + 2);
      if (!b) {
        a.rtp.close?.();
        a.rtcp?.close?.();
        continue;
      }
      const s: RelaySession = { callId, base, a, b, lastAt: this.#host.now(), callerTag: null };
      this.#listen(s, a, b);
      this.#listen(s, b, a);
      this.#sessions.set(callId, s);
      this.#bases.add(base);
      return s;
    }
    this.#host.log(`media relay: no free ports for call ${callId}`);
    return null;
  }

  #side(name: Side['name'], port: number): Side | null {
    const rtp = this.#host.bind(port);
    if (!rtp) return null;
    const rtcp = this.#host.bind(port + 1);
    if (!rtcp) {
      rtp.close?.();
      return null;
    }
    const learn = this.#learn;
    return {
      name,
      rtp,
      rtcp,
      to: new Latch(learn),
      toRtcp: new Latch(learn),
      sdpRtcp: null,
      sdp: null,
      packets: 0,
    };
  }

  /** What comes to `from`'s ports goes out of `to`'s, toward `to`'s side. */
  #listen(s: RelaySession, from: Side, to: Side): void {
    from.rtp.setListener({
      onMessage: (bytes, src) => {
        s.lastAt = this.#host.now();
        from.packets++;
        // Symmetric RTP / latching: the first packet on a side tells where that side really is.
        this.#latch(from.to, src, s.lastAt, from.name);
        if (to.to.addr) to.rtp.send(bytes, to.to.addr);
      },
    });
    from.rtcp?.setListener({
      onMessage: (bytes, src) => {
        s.lastAt = this.#host.now();
        from.packets++;
        this.#latch(from.toRtcp, src, s.lastAt, `${from.name} RTCP`);
        const dest = rtcpDest(to);
        if (dest && to.rtcp) to.rtcp.send(bytes, dest);
      },
    });
  }

  /** A packet from `src` on a side's port: its latch takes it or not, said when it does. */
  #latch(l: Latch, src: TransportAddress, now: Micros, who: string): void {
    const was = l.latched ? l.addr : null;
    if (!l.packet(src, now)) return;
    this.#host.log(
      `media relay: ${who} ${was ? 're-latched' : 'latched'} at ${src.host}:${src.port}${was ? ` (was ${was.host}:${was.port})` : ''}`,
    );
  }

  /** Closes the sessions idle past the limit; true when one was. */
  #sweep(): boolean {
    const now = this.#host.now();
    let freed = false;
    for (const s of [...this.#sessions.values()])
      if (now - s.lastAt > this.#idle) {
        this.#close(s, 'idle');
        freed = true;
      }
    return freed;
  }

  #guess(side: Side, body: string): void {
    side.sdp = sdpAddress(body);
    side.to.guess(side.sdp);
    const rtcp = /^a=rtcp:(\d+)/m.exec(body)?.[1];
    side.sdpRtcp = rtcp ? Number(rtcp) : null;
  }

  /** `body` as it goes on toward `side`'s far end: the relay's address and `side`'s ports (see {@link relaySdp}). */
  #rewrite(body: string, side: Side, answer: boolean): string {
    return relaySdp(body, this.#host.address, side.rtp.local.port, answer);
  }
}

/**
 * Where RTCP toward a side goes: where its RTCP came from, else its SDP's RTCP address — the a=rtcp
 * port, else the RTP port + 1, on the SDP's address (as rtpengine: not where its RTP latched) — or,
 * without one, the port above where its RTP goes.
 */
function rtcpDest(side: Side): TransportAddress | null {
  if (side.toRtcp.latched) return side.toRtcp.addr;
  const rtp = side.sdp ?? side.to.addr;
  if (!rtp) return null;
  const port = side.sdpRtcp ?? rtp.port + 1;
  return port > 0 && port < 65536 ? { host: rtp.host, port, transport: 'UDP' } : null;
}

/**
 * The SDP's connection address and audio port, when they name somewhere to send: an IPv4 or IPv6
 * literal (a host name would be a DNS lookup per packet) and a port 1–65535 (0 declines the stream,
 * RFC 3264 §6; a larger one cannot be sent to). Else null: the side is reached once it latches.
 */
export function sdpAddress(body: string): TransportAddress | null {
  const ip = /^c=IN IP[46] (\S+)/m.exec(body)?.[1];
  const port = Number(/^m=audio (\d{1,5})\b/m.exec(body)?.[1] ?? 0);
  if (!ip || !(port > 0 && port < 65536) || !(/^\d{1,3}(\.\d{1,3}){3}$/.test(ip) || ip.includes(':')))
    return null;
  // (0.0.0.0: hold the RFC 2543 way, no one to send to)
  if (ip === '0.0.0.0' || ip === '::') return null;
  return { host: ip, port, transport: 'UDP' };
}

/** Direction attributes (RFC 4566 §6): the relay writes the stream's one after its codecs. */
const DIRECTION = /^a=(sendrecv|sendonly|recvonly|inactive)$/;
/** ICE attributes (RFC 8839): removed — the relay does not answer connectivity checks. */
const ICE =
  /^a=(candidate|remote-candidates|end-of-candidates|ice-ufrag|ice-pwd|ice-options|ice-lite|ice-mismatch)\b/;
/** A connection address that names no one (RFC 2543 hold: `c=IN IP4 0.0.0.0`): kept as it is. */
const UNSPECIFIED = /^c=IN IP[46] (0\.0\.0\.0|::)$/;

/**
 * An SDP as rtpengine (10.5, `rtpengine_manage()` without flags) passes it on, for its first audio
 * stream with a port (the one relayed; `m=audio 0` is a declined stream, RFC 3264 §6, left alone):
 * - `c=` (session and stream level) names the relay (`ip`), except an unspecified address (hold the
 *   RFC 2543 way) — `o=` is left as it is (rtpengine rewrites it only with its `replace-origin` flag);
 * - `m=` has the relay's `port`;
 * - the stream's attributes are written again in rtpengine's order: the others as they came, then per
 *   payload type of the `m=` line its `a=rtpmap` (added from the RFC 3551 table for a static one that
 *   had none), `a=fmtp` and `a=rtcp-fb`, then the direction (`a=sendrecv` when neither the stream nor
 *   the session had one; a session-level one of a one-stream SDP moves into the stream), `a=rtcp:` the
 *   relay's RTCP port (port + 1, RFC 3605; the RTP port itself in an answer that takes rtcp-mux, RFC
 *   5761), `a=rtcp-mux` when the SDP had it, and `a=ptime` last;
 * - ICE attributes are removed (rtpengine puts its own candidates instead; this relay has none).
 * Line ends are the body's. An SDP without a stream to relay comes back as it was.
 */
export function relaySdp(body: string, ip: string, port: number, answer: boolean): string {
  const eol = body.includes('\r\n') ? '\r\n' : '\n';
  const lines = body.split(/\r?\n/);
  const tail = lines.at(-1) === '' ? lines.pop() : undefined;
  const starts: number[] = [];
  lines.forEach((l, i) => {
    if (l.startsWith('m=')) starts.push(i);
  });
  const k = starts.findIndex((i) => /^m=audio [1-9]\d{0,4}(\/\d+)? /.test(lines[i]!));
  if (k < 0) return body;
  const from = starts[k]!;
  const to = starts[k + 1] ?? lines.length;
  const ipv = ip.includes(':') ? 'IP6' : 'IP4';
  const conn = (l: string): string => (UNSPECIFIED.test(l) ? l : `c=IN ${ipv} ${ip}`);
  // the session part: c= rewritten, ICE removed, a lone stream's direction taken into the stream
  let sessionDir: string | null = null;
  const head: string[] = [];
  for (const l of lines.slice(0, starts[0])) {
    if (l.startsWith('c=')) head.push(conn(l));
    else if (ICE.test(l)) continue;
    else if (DIRECTION.test(l) && starts.length === 1) sessionDir = l;
    else head.push(l);
  }
  const m = lines[from]!;
  const pts = m.split(' ').slice(3);
  const out: string[] = [m.replace(/^(m=audio )\d+/, `$1${port}`)];
  const others: string[] = [];
  const codec = new Map<string, string[]>();
  let dir: string | null = null;
  let mux = false;
  let ptime: string | null = null;
  for (const l of lines.slice(from + 1, to)) {
    if (!l.startsWith('a=')) out.push(l.startsWith('c=') ? conn(l) : l);
    else if (DIRECTION.test(l)) dir = l;
    else if (l === 'a=rtcp-mux') mux = true;
    else if (/^a=rtcp:/.test(l) || ICE.test(l)) continue;
    else if (/^a=ptime:/.test(l)) ptime = l;
    else {
      const pt = /^a=(?:rtpmap|fmtp|rtcp-fb):(\S+)/.exec(l)?.[1];
      if (pt !== undefined && pts.includes(pt)) codec.set(pt, [...(codec.get(pt) ?? []), l]);
      else if (pt === undefined) others.push(l);
    }
  }
  out.push(...others);
  for (const pt of new Set(pts)) {
    const own = codec.get(pt) ?? [];
    const map = own.find((l) => l.startsWith('a=rtpmap:'));
    const stat = map ? null : staticRtpmap(pt);
    if (map) out.push(map);
    else if (stat) out.push(`a=rtpmap:${pt} ${stat}`);
    out.push(...own.filter((l) => l.startsWith('a=fmtp:')), ...own.filter((l) => l.startsWith('a=rtcp-fb:')));
  }
  out.push(dir ?? sessionDir ?? 'a=sendrecv', `a=rtcp:${answer && mux ? port : port + 1}`);
  if (mux) out.push('a=rtcp-mux');
  if (ptime) out.push(ptime);
  const all = [...head, ...lines.slice(starts[0], from), ...out, ...lines.slice(to)];
  if (tail !== undefined) all.push(tail);
  return all.join(eol);
}
