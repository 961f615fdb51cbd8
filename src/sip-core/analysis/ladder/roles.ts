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
 *   (a back-to-back user agent starts a new dialog for its other leg);
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
      if (m.viaCount === 1) {
        src.originated = true;
        src.userAgent ??= m.header('user-agent');
        if (initialInvite) {
          src.callerUser ??= p!.fromUser;
          src.invited.add(m.callId ?? '');
        } else if (p) src.otherUser ??= p.toUser;
      }
      if (initialInvite) {
        dst.wasInvited.add(m.callId ?? '');
        dst.calleeUser ??= p!.toUser;
      }
      if (m.method === 'REGISTER') dst.registered = true;
    } else {
      src.answered = true;
      if (m.status === 100) src.server100 ??= m.header('server');
      else src.server ??= m.header('server') ?? m.header('user-agent');
      // Answered what it was sent (not a response it relays: a relayed response's request was passed on).
      if (m.cseqMethod === 'INVITE' && m.status !== 100 && src.wasInvited.has(m.callId ?? ''))
        src.answeredInvite = true;
      if (m.cseqMethod === 'REGISTER' && src.registered) src.answeredRegister = true;
    }
  }
  const out: LaneRole[] = [];
  for (const [address, s] of lanes) {
    let role: LaneRoleKind | null;
    let user: string | null = null;
    if (forwarding.has(address) || proxies.has(address)) role = 'proxy';
    else if (s.invited.size > 0 && [...s.wasInvited].some((c) => !s.invited.has(c))) role = 'b2bua';
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

export type { LaneRole, LaneRoleKind } from '../../../shared/lane-roles';
