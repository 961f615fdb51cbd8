/**
 * What each lane of a ladder is, told from the messages alone: the caller and the callee (with their
 * users), the proxies between them, a B2BUA, a registrar, another user agent. A ladder of addresses
 * (`127.0.0.20:5060`) makes the reader work out which box is the proxy; RFC 3261's own figures name
 * them. Heuristics, each from one protocol fact:
 * - **proxy**: it received a request and sent the same request (Call-ID, CSeq, method) on with one
 *   Via more (RFC 3261 §16.6 item 8: a proxy inserts its Via; a UA's request has one), from the same
 *   host on any port (a WebSocket gateway takes on 8080 and sends from 5060), in this ladder or in the
 *   trace's first messages (`proxyAddresses`: a proxy that rejects a call itself, 404 or 483, is still
 *   the proxy it is in the other calls);
 * - **B2BUA**: it received an initial INVITE and originated one (one Via) under another Call-ID
 *   (a back-to-back user agent starts a new dialog for its other leg); or, for an SBC whose legs have
 *   two addresses (a public and a private side), a lane that was sent an initial INVITE and a lane
 *   that originated one under another Call-ID after it, where the first lane answers with a status
 *   the second had just received on its own leg (within {@link RELAY_WINDOW_US}): the responses of
 *   one leg relayed onto the other, which two independent user agents do not do;
 * - **caller**: it originated an initial INVITE (one Via, no To tag); the user is its From user;
 * - **callee**: it was sent an initial INVITE and answered it, without passing it on; the user is the
 *   INVITE's To user;
 * - **registrar**: it was sent a REGISTER and answered it, without passing it on;
 * - **UA**: it originated requests or answered them, and none of the above.
 * The agent is the first `User-Agent` of a request the lane originated, else the `Server` (or the
 * `User-Agent` some servers put in responses) of a response it made (a `100 Trying` is always made by
 * the element that sends it; a proxy relays the other responses, with their maker's `Server`).
 */
import type { Trace } from '../../trace/trace';
import type { LaneRole, LaneRoleKind } from '../../../shared/lane-roles';
import { callParties } from '../call/parties';

/** Messages read for the roles of a long ladder (the roles show in its first messages). */
export const ROLE_MESSAGES = 5_000;

/** Longest wait between a leg's response and the same status relayed on the other leg (µs). */
export const RELAY_WINDOW_US = 2_000_000;

/** Longest wait between a leg's arrival at a B2BUA and the start of its other leg (64*T1, µs). */
export const LEG_START_WINDOW_US = 32_000_000;

/**
 * An INVITE leg as one lane saw it: the initial INVITE it was sent or originated (its time, and the
 * address at the other end) and the INVITE responses (not 100) it sent or received on that leg.
 */
interface Leg {
  time: number;
  peer: string;
  statuses: number[];
  times: number[];
}

interface Seen {
  /** Call-IDs of initial INVITEs it originated / was sent. */
  invited: Set<string>;
  wasInvited: Set<string>;
  answered: boolean;
  answeredInvite: boolean;
  registered: boolean;
  answeredRegister: boolean;
  originated: boolean;
  callerUser: string | null;
  calleeUser: string | null;
  otherUser: string | null;
  userAgent: string | null;
  server100: string | null;
  server: string | null;
  /**
   * Legs (Call-ID and From tag: a B2BUA may keep the Call-ID but makes its own tag) of the initial
   * INVITEs it was sent, with the responses it sent on them; and of those it originated, with the
   * responses it received.
   */
  legIn: Map<string, Leg>;
  legOut: Map<string, Leg>;
}

function blank(): Seen {
  return {
    invited: new Set(),
    wasInvited: new Set(),
    answered: false,
    answeredInvite: false,
    registered: false,
    answeredRegister: false,
    originated: false,
    callerUser: null,
    calleeUser: null,
    otherUser: null,
    userAgent: null,
    server100: null,
    server: null,
    legIn: new Map(),
    legOut: new Map(),
  };
}

/**
 * The addresses that passed a request on with one Via more (see above), among these messages (trace
 * order; the first `limit`): the receiving and the sending address, which may differ in port.
 */
export function proxyAddresses(trace: Trace, ids: readonly number[], limit = ROLE_MESSAGES): Set<string> {
  const out = new Set<string>();
  // Candidates from the trace's columns (no parse): the same request (Call-ID, CSeq, method) leaving
  // a host it arrived at under another top-Via branch. Confirmed on the two parses (one Via more),
  // until the pair of addresses is known: a proxy costs a few parses, not one per request.
  // host + request key → [branch hash, receiving address, message id] of each copy received there.
  const received = new Map<string, [number, string, number][]>();
  const n = Math.min(ids.length, limit);
  for (let k = 0; k < n; k++) {
    const id = ids[k]!;
    if (trace.kind(id) !== 'request') continue;
    const key = `${trace.callIdKey(id)}|${trace.cseqNumber(id)}|${trace.methodKey(id)}`;
    const branch = trace.branchHash(id);
    const had = received.get(`${trace.srcAddress(id)}|${key}`);
    if (had) {
      const src = trace.src(id);
      for (const [b, at, first] of had) {
        if (b === branch || (out.has(at) && out.has(src))) continue;
        if (trace.message(id).viaCount !== trace.message(first).viaCount + 1) continue;
        out.add(at);
        out.add(src);
      }
    }
    const hk = `${trace.dstAddress(id)}|${key}`;
    const entry: [number, string, number] = [branch, trace.dst(id), id];
    const got = received.get(hk);
    if (got) got.push(entry);
    else received.set(hk, [entry]);
  }
  return out;
}

const proxiesOfTrace = new WeakMap<Trace, { count: number; set: Set<string> }>();

/**
 * `proxyAddresses` of the trace's first ROLE_MESSAGES messages, kept per trace (computed again while
 * a live trace is shorter than that).
 */
export function traceProxies(trace: Trace): ReadonlySet<string> {
  const head = Math.min(trace.count, ROLE_MESSAGES);
  let c = proxiesOfTrace.get(trace);
  if (!c || c.count !== head) {
    c = {
      count: head,
      set: proxyAddresses(
        trace,
        Array.from({ length: head }, (_, i) => i),
      ),
    };
    proxiesOfTrace.set(trace, c);
  }
  return c.set;
}

/**
 * The roles of the lanes of the ladder of these messages (trace order), in order of first appearance.
 * @param proxies addresses known to forward (`traceProxies`: the trace's first messages).
 */
export function laneRoles(
  trace: Trace,
  ids: readonly number[],
  proxies: ReadonlySet<string> = new Set(),
  limit = ROLE_MESSAGES,
): LaneRole[] {
  const forwarding = proxyAddresses(trace, ids, limit);
  const lanes = new Map<string, Seen>();
  const of = (addr: string): Seen => {
    let s = lanes.get(addr);
    if (!s) lanes.set(addr, (s = blank()));
    return s;
  };
  const n = Math.min(ids.length, limit);
  for (let k = 0; k < n; k++) {
    const id = ids[k]!;
    const src = of(trace.src(id));
    const dst = of(trace.dst(id));
    const m = trace.message(id);
    if (m.kind === 'invalid') continue;
    if (m.kind === 'request') {
      const initialInvite = m.method === 'INVITE' && m.toTag === null;
      // From/To read once per initial INVITE or REGISTER (the only requests whose users name lanes).
      const p = initialInvite || m.method === 'REGISTER' ? callParties(m) : null;
      const leg = initialInvite ? legOf(m) : '';
      if (m.viaCount === 1) {
        src.originated = true;
        src.userAgent ??= m.header('user-agent');
        if (initialInvite) {
          src.callerUser ??= p!.fromUser;
          if (!src.legOut.has(leg))
            src.legOut.set(leg, { time: trace.timeUs(id), peer: trace.dst(id), statuses: [], times: [] });
          src.invited.add(m.callId ?? '');
        } else if (p) src.otherUser ??= p.toUser;
      }
      if (initialInvite) {
        if (!dst.legIn.has(leg))
          dst.legIn.set(leg, { time: trace.timeUs(id), peer: trace.src(id), statuses: [], times: [] });
        dst.wasInvited.add(m.callId ?? '');
        dst.calleeUser ??= p!.toUser;
      }
      if (m.method === 'REGISTER') dst.registered = true;
    } else {
      src.answered = true;
      if (m.status === 100) src.server100 ??= m.header('server');
      else src.server ??= m.header('server') ?? m.header('user-agent');
      // Answered what it was sent (not a response it relays: a relayed response's request was passed on).
      if (m.cseqMethod === 'INVITE' && m.status !== 100) {
        const cid = m.callId ?? '';
        const sent = src.wasInvited.has(cid);
        const received = dst.invited.has(cid);
        if (sent) src.answeredInvite = true;
        // The leg key, for the two-address B2BUA pairing (b2buaSides), only where a leg can hold it.
        const leg = sent || received ? legOf(m) : '';
        if (sent) addResponse(src.legIn.get(leg), m.status, trace.timeUs(id));
        if (received) addResponse(dst.legOut.get(leg), m.status, trace.timeUs(id));
      }
      if (m.cseqMethod === 'REGISTER' && src.registered) src.answeredRegister = true;
    }
  }
  const sides = b2buaSides(lanes, (a) => forwarding.has(a) || proxies.has(a));
  const out: LaneRole[] = [];
  for (const [address, s] of lanes) {
    let role: LaneRoleKind | null;
    let user: string | null = null;
    if (forwarding.has(address) || proxies.has(address)) role = 'proxy';
    else if (s.invited.size > 0 && [...s.wasInvited].some((c) => !s.invited.has(c))) role = 'b2bua';
    else if (sides.has(address)) role = 'b2bua';
    else if (s.invited.size > 0 && s.answeredInvite) {
      role = 'ua';
      user = s.callerUser;
    } else if (s.invited.size > 0) {
      role = 'caller';
      user = s.callerUser;
    } else if (s.answeredInvite) {
      role = 'callee';
      user = s.calleeUser;
    } else if (s.answeredRegister) role = 'registrar';
    else if (s.originated || s.answered) {
      role = 'ua';
      user = s.otherUser;
    } else role = null;
    if (role === null) continue;
    const agent = s.userAgent ?? s.server100 ?? (role === 'proxy' ? null : s.server);
    out.push({ address, role, user, agent });
  }
  return out;
}

/** A leg's key: Call-ID and From tag. */
function legOf(m: { callId: string | null; fromTag: string | null }): string {
  return `${m.callId ?? ''}\n${m.fromTag ?? ''}`;
}

function addResponse(leg: Leg | undefined, status: number | null, time: number): void {
  if (!leg || status === null) return;
  leg.statuses.push(status);
  leg.times.push(time);
}

/**
 * The two sides of B2BUAs whose legs have different addresses: a lane X sent an initial INVITE on
 * leg A and a lane Y that originated one on another leg B within LEG_START_WINDOW_US after it (to
 * someone other than X; A not from Y), where X sent a status (not 100) on A within RELAY_WINDOW_US
 * after Y received the same status on B. The responses Y lanes received are sorted by time once, so
 * each response an X lane sent looks only at those of the 2 s before it.
 */
function b2buaSides(lanes: ReadonlyMap<string, Seen>, skip: (address: string) => boolean): Set<string> {
  const out = new Set<string>();
  const received: { y: string; key: string; leg: Leg; status: number; time: number }[] = [];
  for (const [y, sy] of lanes) {
    if (sy.legOut.size === 0 || skip(y)) continue;
    for (const [key, leg] of sy.legOut)
      for (let i = 0; i < leg.statuses.length; i++)
        received.push({ y, key, leg, status: leg.statuses[i]!, time: leg.times[i]! });
  }
  if (received.length === 0) return out;
  received.sort((p, q) => p.time - q.time);
  for (const [x, sx] of lanes) {
    if (sx.legIn.size === 0 || skip(x)) continue;
    for (const [ka, a] of sx.legIn) {
      for (let j = 0; j < a.statuses.length; j++) {
        const ra = a.times[j]!;
        // The first response received at or after ra - RELAY_WINDOW_US.
        let lo = 0;
        let hi = received.length;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (received[mid]!.time < ra - RELAY_WINDOW_US) lo = mid + 1;
          else hi = mid;
        }
        for (let k = lo; k < received.length && received[k]!.time <= ra; k++) {
          const r = received[k]!;
          if (r.status !== a.statuses[j] || r.y === x || r.key === ka || a.peer === r.y) continue;
          const b = r.leg;
          if (b.peer === x || b.time < a.time || b.time - a.time > LEG_START_WINDOW_US) continue;
          out.add(x);
          out.add(r.y);
        }
      }
    }
  }
  return out;
}

export type { LaneRole, LaneRoleKind } from '../../../shared/lane-roles';
