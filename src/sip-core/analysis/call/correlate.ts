/**
 * B2BUA leg correlation with zero setup: when a new Call-ID starts with an INVITE, find the earlier
 * leg it continues. Each rule gives a reason and a confidence; the UI may split or join later.
 * - `x-cid`: an X-CID / X-Call-ID / X-Orig-Call-ID header names the other leg's Call-ID (0.95)
 * - `hep-correlation-id`: the HEP correlation chunk names the other Call-ID (0.9) or equals the other leg's (0.85)
 * - `icid`: both legs carry the same P-Charging-Vector icid-value (RFC 7315 §4.6) (0.9)
 * - `call-id-suffix`: one Call-ID is the other plus a separator and a short suffix, or `b2b-` + it (0.8)
 * - `sdp-media`: the offer's media address:port equals the other leg's within 10 s, sent by the element the other leg went to (0.6)
 * - `diversion` / `history-info`: the diverting/original target equals the other leg's Request-URI user, within 10 s, sent by that leg's next hop (0.5)
 */
import type { SipMessage } from '../../message';
import type { Trace } from '../../trace/trace';
import { hostOf } from '../address';
import { mediaEndpoints, type SdpSummary } from '../sdp-summary';
import type { CallGroup, CallLink } from './call';

const WINDOW_US = 10e6;

export interface CorrelationIndex {
  icid: Map<string, number>;
  hep: Map<string, number>;
  /** media `addr:port` → group and time, oldest first (pruned by time). */
  media: Map<string, { g: number; us: number }>;
  /** Groups whose first INVITE is recent, oldest first (to prune `ruri`). */
  recent: number[];
  /** Request-URI user of a recent first INVITE → its group (Diversion/History-Info rule). */
  ruri: Map<string, number>;
}

export function newCorrelationIndex(): CorrelationIndex {
  return { icid: new Map(), hep: new Map(), media: new Map(), recent: [], ruri: new Map() };
}

/** What correlation needs from the analyzer. */
export interface CorrelationHost {
  readonly trace: Trace;
  readonly groups: readonly CallGroup[];
  groupOf(callId: string): number;
}

function uriUserOf(text: string): string | null {
  return /sips?:([^@;>]+)@/i.exec(text)?.[1] ?? /tel:([^;>]+)/i.exec(text)?.[1] ?? null;
}

/**
 * Registers the new group's keys and returns the links to earlier legs (at most one per reason).
 * `g` is the new Call-ID group, `id`/`msg` its first initial INVITE.
 */
export function correlateNewLeg(
  ix: CorrelationIndex,
  host: CorrelationHost,
  id: number,
  msg: SipMessage,
  g: CallGroup,
  sdp: SdpSummary | null,
  us: number,
): CallLink[] {
  const links: CallLink[] = [];
  const cid = g.callId;
  const add = (other: number, reason: CallLink['reason'], confidence: number, detail: string): void => {
    if (other === g.idx || other < 0) return;
    if (links.some((l) => l.reason === reason)) return;
    links.push({ a: host.groups[other]!.callId, b: cid, reason, confidence, detail });
  };
  // Prune the time-windowed indexes.
  let drop = 0;
  while (drop < ix.recent.length && us - host.groups[ix.recent[drop]!]!.inviteUs > WINDOW_US) {
    const old = host.groups[ix.recent[drop]!]!;
    if (old.ruriUser !== null && ix.ruri.get(old.ruriUser) === old.idx) ix.ruri.delete(old.ruriUser);
    drop++;
  }
  if (drop > 0) ix.recent.splice(0, drop);
  for (const [k, v] of ix.media) {
    if (us - v.us <= WINDOW_US) break;
    ix.media.delete(k);
  }
  const src = host.trace.src(id);
  const srcHost = hostOf(src);
  /** The B-leg is sent by the element the A-leg went to. */
  const nextHopOf = (other: number): boolean => {
    const o = host.groups[other]!;
    return o.firstRequestId >= 0 && hostOf(host.trace.dst(o.firstRequestId)) === srcHost;
  };

  // 1. Explicit headers.
  for (const h of ['x-cid', 'x-call-id', 'x-orig-call-id']) {
    const v = msg.header(h);
    if (v) {
      add(host.groupOf(v.trim()), 'x-cid', 0.95, `${h}: ${v.trim()}`);
      break;
    }
  }
  // 2. HEP correlation id.
  const corr = host.trace.hepCorrelationId(id);
  if (corr && corr !== cid) {
    const other = host.groupOf(corr);
    if (other >= 0)
      add(other, 'hep-correlation-id', 0.9, `HEP correlation id ${corr} is the other leg's Call-ID`);
    else {
      const o = ix.hep.get(corr);
      if (o !== undefined) add(o, 'hep-correlation-id', 0.85, `same HEP correlation id ${corr}`);
      else ix.hep.set(corr, g.idx);
    }
  }
  // 3. P-Charging-Vector icid-value.
  const pcv = msg.header('p-charging-vector');
  if (pcv) {
    const icid = /icid-value\s*=\s*"?([^;",\s]+)/i.exec(pcv)?.[1];
    if (icid) {
      const o = ix.icid.get(icid);
      if (o !== undefined) add(o, 'icid', 0.9, `same P-Charging-Vector icid-value ${icid}`);
      else ix.icid.set(icid, g.idx);
    }
  }
  // 4. Call-ID suffix rules: the new Call-ID is an earlier one + separator + short suffix, or b2b- + it.
  //    Indexed: one Map lookup per separator in the new Call-ID, not a scan of recent calls.
  for (let pos = cid.length - 2; pos >= 6 && cid.length - pos <= 33; pos--) {
    if (!'-_.;:+~'.includes(cid[pos]!)) continue;
    const other = host.groupOf(cid.slice(0, pos));
    if (other >= 0 && other !== g.idx) {
      add(other, 'call-id-suffix', 0.8, `Call-ID ${cid} extends ${host.groups[other]!.callId}`);
      break;
    }
  }
  if (/^b2b[-_.]/i.test(cid)) {
    const other = host.groupOf(cid.slice(4));
    if (other >= 0)
      add(other, 'call-id-suffix', 0.8, `Call-ID ${cid} is b2b- + ${host.groups[other]!.callId}`);
  }
  // 5. Same SDP media address:port as a recent leg, sent by that leg's next hop.
  if (sdp) {
    for (const e of mediaEndpoints(sdp)) {
      const o = ix.media.get(e);
      if (o && o.g !== g.idx && nextHopOf(o.g)) {
        add(o.g, 'sdp-media', 0.6, `same media ${e}`);
        break;
      }
    }
    for (const e of mediaEndpoints(sdp)) {
      ix.media.delete(e);
      ix.media.set(e, { g: g.idx, us });
    }
  }
  // 6. Diversion / History-Info naming the earlier leg's target.
  const div = msg.header('diversion');
  const hi = div ? null : (msg.values('history-info')[0] ?? null);
  const target = div ? uriUserOf(div) : hi ? uriUserOf(hi) : null;
  if (target) {
    const o = ix.ruri.get(target);
    if (o !== undefined && o !== g.idx && nextHopOf(o)) {
      add(
        o,
        div ? 'diversion' : 'history-info',
        0.5,
        `${div ? 'Diversion' : 'History-Info'} names ${target}, the other leg's target`,
      );
    }
  }
  if (g.ruriUser !== null) ix.ruri.set(g.ruriUser, g.idx);
  ix.recent.push(g.idx);
  return links;
}
