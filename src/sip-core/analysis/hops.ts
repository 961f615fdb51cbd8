/**
 * Hops and paths. A hop is one request (or response) seen at several capture points, e.g. a proxy's
 * in and out: the copies share Call-ID, CSeq and method, and the outgoing request carries one more Via
 * whose second value is the incoming copy's top Via (RFC 3261 §16.6 item 8). For each step the
 * changes are listed: Via added, Max-Forwards decremented, Request-URI rewritten, Record-Route added,
 * Route consumed, Contact or SDP rewritten (NAT helpers), `received`/`rport` stamped (§18.2.1, RFC 3581).
 * Paths: each message's Via path, Route and Record-Route, with loose (`lr`) or strict routing.
 * Computed on demand from the call's messages (nothing stored per message).
 */
import { carriesSdp, type SipMessage } from '../message';
import { parseVia, type Via } from '../message/headers';
import type { TraceAnalyzer } from './analyzer';
import { callId } from './call/call';
import { mediaEndpoints, summarizeSdp } from './sdp-summary';

export type HopChangeKind =
  | 'via-added'
  | 'via-removed'
  | 'max-forwards-decremented'
  | 'request-uri-rewritten'
  | 'record-route-added'
  | 'route-consumed'
  | 'contact-rewritten'
  | 'sdp-rewritten'
  | 'received-stamped'
  | 'rport-stamped';

export interface HopChange {
  kind: HopChangeKind;
  before: string | null;
  after: string | null;
}

export interface HopStep {
  /** Message ids of the copy before and after the element. */
  from: number;
  to: number;
  /** The element between them (the `host:port` that received `from` and sent `to`). */
  element: string;
  changes: HopChange[];
}

export interface Hop {
  /** `INVITE` (CSeq 1), `200 OK (INVITE)`... */
  label: string;
  kind: 'request' | 'response';
  callId: string;
  cseq: number;
  /** Copies in path order (upstream first for requests: caller → callee). */
  copies: number[];
  steps: HopStep[];
}

function vias(m: SipMessage): Via[] {
  const out: Via[] = [];
  for (const v of m.headerAll('via')) {
    const d = parseVia(v).value;
    if (d) out.push(...d);
  }
  return out;
}

const viaKey = (v: Via | undefined): string =>
  v ? `${v.host.toLowerCase()}:${v.port ?? ''};${v.branch ?? ''}` : '';

function sdpOf(m: SipMessage): string | null {
  if (!carriesSdp(m)) return null;
  const s = summarizeSdp(m.body());
  return s ? mediaEndpoints(s).join(' ') : null;
}

/** What changed between two copies of a message across one element. */
export function hopChanges(up: SipMessage, down: SipMessage): HopChange[] {
  const out: HopChange[] = [];
  const add = (kind: HopChangeKind, before: string | null, after: string | null): void => {
    out.push({ kind, before, after });
  };
  const vu = vias(up);
  const vd = vias(down);
  if (vd.length > vu.length)
    add(
      'via-added',
      null,
      vd[0] ? `${vd[0].host}${vd[0].port ? `:${vd[0].port}` : ''};branch=${vd[0].branch ?? ''}` : null,
    );
  if (vd.length < vu.length)
    add('via-removed', vu[0] ? `${vu[0].host};branch=${vu[0].branch ?? ''}` : null, null);
  // The Via the element received, as it forwarded it (requests: 2nd of down vs 1st of up).
  const recvUp = vd.length > vu.length ? vu[0] : undefined;
  const recvDown = vd.length > vu.length ? vd[1] : undefined;
  if (recvUp && recvDown) {
    if (recvDown.received && !recvUp.received) add('received-stamped', null, recvDown.received);
    if (typeof recvDown.rport === 'number' && recvUp.rport !== recvDown.rport)
      add('rport-stamped', recvUp.rport === true ? 'rport' : null, String(recvDown.rport));
  }
  if (up.kind === 'request') {
    if (up.maxForwards !== null && down.maxForwards !== null && down.maxForwards < up.maxForwards) {
      add('max-forwards-decremented', String(up.maxForwards), String(down.maxForwards));
    }
    if (up.requestUri !== down.requestUri) add('request-uri-rewritten', up.requestUri, down.requestUri);
    const ru = up.values('route');
    const rd = down.values('route');
    if (rd.length < ru.length)
      add('route-consumed', ru.slice(0, ru.length - rd.length).join(', '), rd.join(', ') || null);
  }
  const rru = up.values('record-route');
  const rrd = down.values('record-route');
  if (up.kind === 'request' && rrd.length > rru.length)
    add('record-route-added', null, rrd.slice(0, rrd.length - rru.length).join(', '));
  const cu = up.header('contact');
  const cd = down.header('contact');
  if (cu !== null && cd !== null && cu !== cd) add('contact-rewritten', cu, cd);
  const su = sdpOf(up);
  const sd = sdpOf(down);
  if (su !== null && sd !== null && su !== sd) add('sdp-rewritten', su, sd);
  return out;
}

/** The hops of a call: every request/response seen at more than one capture point, with what each element changed. */
export function callHops(a: TraceAnalyzer, call: string): Hop[] {
  const root = a.resolveCall(call);
  if (root < 0) return [];
  const t = a.trace;
  const groups = new Map<string, { id: number; m: SipMessage; v: Via[] }[]>();
  for (const id of a.callMessageIds(root)) {
    if (a.retransmission(id)) continue;
    const m = t.message(id);
    if (m.kind === 'invalid') continue;
    const key = `${m.callId}|${m.cseq}|${m.kind === 'request' ? m.method : `${m.status}|${m.cseqMethod}|${m.toTag ?? ''}`}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = []));
    g.push({ id, m, v: vias(m) });
  }
  const hops: Hop[] = [];
  for (const copies of groups.values()) {
    if (copies.length < 2) continue;
    const m0 = copies[0]!.m;
    // Order along the path: requests gain a Via per element, responses lose one.
    const ordered = [...copies].sort(
      (x, y) => (m0.kind === 'request' ? x.v.length - y.v.length : y.v.length - x.v.length) || x.id - y.id,
    );
    const steps: HopStep[] = [];
    for (let i = 0; i + 1 < ordered.length; i++) {
      const up = ordered[i]!;
      const down = ordered[i + 1]!;
      // Chained when the longer Via stack continues the shorter one.
      const [short, long] = up.v.length < down.v.length ? [up, down] : [down, up];
      if (long.v.length !== short.v.length + 1 || viaKey(long.v[1]) !== viaKey(short.v[0])) continue;
      steps.push({ from: up.id, to: down.id, element: t.dst(up.id), changes: hopChanges(up.m, down.m) });
    }
    if (steps.length === 0) continue;
    hops.push({
      label:
        m0.kind === 'request'
          ? `${m0.method}`
          : `${m0.status} ${m0.reason ?? ''} (${m0.cseqMethod})`.replace(/ +\(/, ' ('),
      kind: m0.kind === 'request' ? 'request' : 'response',
      callId: m0.callId ?? '',
      cseq: m0.cseq ?? -1,
      copies: ordered.map((c) => c.id),
      steps,
    });
  }
  return hops.sort((x, y) => x.copies[0]! - y.copies[0]!);
}

/** A hop step whose copy after the element was seen before the copy it was made from. */
export interface HopInversion {
  /** Message ids: the copy before the element (`from`) and after it (`to`). */
  from: number;
  to: number;
  /** How much earlier `to` was seen than `from` (µs, > 0). */
  gapUs: number;
}

/**
 * The hop steps of the first `maxCalls` calls whose outgoing copy was seen more than `slackUs` before
 * the incoming one it was made from: an element cannot send a copy before it receives the original,
 * so the two capture points' clocks differ (several captures merged; a clock behind reads early).
 */
export function hopInversions(a: TraceAnalyzer, slackUs: number, maxCalls = 5000): HopInversion[] {
  const out: HopInversion[] = [];
  const t = a.trace;
  const roots = a.callRoots();
  for (let i = 0; i < roots.length && i < maxCalls; i++) {
    for (const h of callHops(a, callId(roots[i]!)))
      for (const st of h.steps) {
        const gapUs = t.timeUs(st.from) - t.timeUs(st.to);
        if (gapUs > slackUs) out.push({ from: st.from, to: st.to, gapUs });
      }
  }
  return out;
}

export interface RouteEntry {
  uri: string;
  /** Loose router (`;lr`, RFC 3261 §16.12.1.1); false = RFC 2543 strict router. */
  loose: boolean;
}

export interface MessagePath {
  /** Via values, top (last element that sent it) first. */
  via: {
    transport: string;
    sentBy: string;
    branch: string | null;
    received: string | null;
    rport: number | boolean | null;
  }[];
  route: RouteEntry[];
  recordRoute: RouteEntry[];
  /** A strict router is in the Route or Record-Route set. */
  strict: boolean;
}

function routeEntries(values: string[]): RouteEntry[] {
  return values.map((v) => {
    const lt = v.indexOf('<');
    const gt = v.indexOf('>');
    const uri = lt >= 0 && gt > lt ? v.slice(lt + 1, gt) : (v.split(';')[0] ?? v).trim();
    return { uri, loose: /;\s*lr(\s*[=;]|\s*$)/i.test(uri) };
  });
}

/** The Via path, Route and Record-Route of one message. */
export function messagePath(a: TraceAnalyzer, id: number): MessagePath {
  const m = a.trace.message(id);
  const route = routeEntries(m.values('route'));
  const recordRoute = routeEntries(m.values('record-route'));
  return {
    via: vias(m).map((v) => ({
      transport: v.transport,
      sentBy: `${v.host}${v.port !== null ? `:${v.port}` : ''}`,
      branch: v.branch,
      received: v.received,
      rport: v.rport,
    })),
    route,
    recordRoute,
    strict: [...route, ...recordRoute].some((r) => !r.loose),
  };
}
