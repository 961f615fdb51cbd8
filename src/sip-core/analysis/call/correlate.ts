/**
 * B2BUA leg correlation with zero setup: when a new Call-ID starts with an INVITE, find the earlier
 * leg it continues. Each rule gives a reason and a confidence; the UI may split or join later.
 * - `x-cid`: an X-CID / X-Call-ID / X-Orig-Call-ID / XCall-ID header names the other leg's Call-ID (0.95;
 *   XCall-ID is what a FreeSWITCH dialplan set in heplify's sip_tcp_websocket capture: the A-leg's
 *   Call-ID verbatim)
 * - `hep-correlation-id`: the HEP correlation chunk names the other Call-ID (0.9) or equals the other leg's (0.85)
 * - `icid`: both legs carry the same P-Charging-Vector icid-value (RFC 7315 §4.6) (0.9)
 * - `call-id-suffix`: one Call-ID is the other plus a separator and a short suffix, or `b2b-` + it (0.8)
 * - `sdp-media`: the offer's media address:port equals the other leg's within 10 s, sent by the element the other leg went to,
 *   while that leg goes on (no BYE yet: a call that ended is no leg of a later one that reuses its media port) (0.6)
 * - `diversion` / `history-info`: the diverting/original target equals the other leg's Request-URI user, within 10 s, sent by that leg's next hop (0.5)
 */
import type { Trace } from '../../trace/trace';
import { hostOf } from '../address';
import type { SdpFacts } from '../sdp-summary';
import type { AnalysisMessage } from '../message-view';
import type { CallGroup, CallLink } from './call';

const WINDOW_US = 10e6;

export interface CorrelationIndex {
  icid: Map<string, number>;
  hep: Map<string, number>;
  /**
   * media `addr:port` → group and time, oldest first (pruned by time): the endpoints whose text is a
   * canonical IPv4 address and port (`endpointNumber`) in `mediaV4` by that number, the others here.
   */
  media: Map<string, MediaEntry>;
  mediaV4: EndpointTable;
  /**
   * The media entries in the order they were set (the map's order once the entries the map no longer
   * holds are skipped), from `mediaHead`: pruning walks this instead of iterating the map, whose
   * iterator steps over every entry deleted since its last rehash (the oldest: all at the front).
   */
  mediaOrder: MediaEntry[];
  mediaHead: number;
  /** Groups whose first INVITE is recent, oldest first from `recentHead` (to prune `ruri`). */
  recent: number[];
  /** The time of each `recent` group's first INVITE (its `inviteUs`, read without the group). */
  recentUs: number[];
  recentHead: number;
  /**
   * Request-URI user of a recent first INVITE → its group (Diversion/History-Info rule). Kept only
   * once a message names a diverting target (`ruriOn`): until then it would be the replay, in order, of
   * `recent` from `recentHead` (for each user the latest such group: what the sets and the pruning
   * leave), and it is built so when first needed (see `ruriIndex`).
   */
  ruri: Map<string, number>;
  ruriOn: boolean;
}

/** One media endpoint of a recent leg's offer. */
interface MediaEntry {
  key: string;
  g: number;
  us: number;
  /** True while the map holds this entry under its key (not set over, not pruned). */
  live: boolean;
  /** `endpointNumber(key)`: its key in `mediaV4`, or -1 (then in `media`). */
  num: number;
}

/**
 * `a.b.c.d:port` as the number a·2^40 + b·2^32 + c·2^24 + d·2^16 + port when the text is exactly that
 * form with no leading zeros (octets ≤ 255, port ≤ 65535), else -1: two such texts are equal exactly
 * when their numbers are.
 */
export function endpointNumber(e: string): number {
  const n = e.length;
  let v = 0;
  let part = 0;
  let digits = 0;
  let parts = 0;
  for (let i = 0; i < n; i++) {
    const c = e.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (digits > 0 && part === 0) return -1; // a leading zero
      part = part * 10 + (c - 48);
      if (++digits > 5) return -1;
      continue;
    }
    if (digits === 0 || part > 255 || (c === 46 ? parts > 2 : c !== 58 || parts !== 3)) return -1;
    v = v * 256 + part;
    parts++;
    part = 0;
    digits = 0;
  }
  if (parts !== 4 || digits === 0 || part > 65535) return -1;
  return v * 65536 + part;
}

/**
 * Media entries by `endpointNumber`: open addressing over a Float64Array of keys (linear probing,
 * deletions shifted back), so a lookup compares numbers in one array instead of probing a Map of
 * strings spread over the heap.
 */
export class EndpointTable {
  #keys = new Float64Array(256).fill(-1);
  #vals: (MediaEntry | null)[] = new Array<MediaEntry | null>(256).fill(null);
  #mask = 255;
  #n = 0;

  get size(): number {
    return this.#n;
  }

  #slot(k: number): number {
    const h = Math.imul((k % 4294967296) ^ Math.floor(k / 4294967296), 0x9e3779b1);
    return (h ^ (h >>> 15)) & this.#mask;
  }

  get(k: number): MediaEntry | undefined {
    const keys = this.#keys;
    for (let i = this.#slot(k); ; i = (i + 1) & this.#mask) {
      const x = keys[i]!;
      if (x === k) return this.#vals[i]!;
      if (x === -1) return undefined;
    }
  }

  set(k: number, v: MediaEntry): void {
    if ((this.#n + 1) * 2 > this.#mask + 1) this.#grow();
    const keys = this.#keys;
    for (let i = this.#slot(k); ; i = (i + 1) & this.#mask) {
      const x = keys[i]!;
      if (x === k || x === -1) {
        if (x === -1) this.#n++;
        keys[i] = k;
        this.#vals[i] = v;
        return;
      }
    }
  }

  delete(k: number): void {
    const keys = this.#keys;
    const vals = this.#vals;
    const mask = this.#mask;
    let i = this.#slot(k);
    for (; ; i = (i + 1) & mask) {
      const x = keys[i]!;
      if (x === -1) return;
      if (x === k) break;
    }
    this.#n--;
    // Shift back the entries after it whose home slot is not between the hole and them.
    let hole = i;
    for (let j = (i + 1) & mask; keys[j] !== -1; j = (j + 1) & mask) {
      const home = this.#slot(keys[j]!);
      if (hole <= j ? home > hole && home <= j : home > hole || home <= j) continue;
      keys[hole] = keys[j]!;
      vals[hole] = vals[j]!;
      hole = j;
    }
    keys[hole] = -1;
    vals[hole] = null;
  }

  #grow(): void {
    const keys = this.#keys;
    const vals = this.#vals;
    const size = keys.length * 2;
    this.#keys = new Float64Array(size).fill(-1);
    this.#vals = new Array<MediaEntry | null>(size).fill(null);
    this.#mask = size - 1;
    this.#n = 0;
    for (let i = 0; i < keys.length; i++) if (keys[i] !== -1) this.set(keys[i]!, vals[i]!);
  }
}

export function newCorrelationIndex(): CorrelationIndex {
  return {
    icid: new Map(),
    hep: new Map(),
    media: new Map(),
    mediaV4: new EndpointTable(),
    mediaOrder: [],
    mediaHead: 0,
    recent: [],
    recentUs: [],
    recentHead: 0,
    ruri: new Map(),
    ruriOn: false,
  };
}

/**
 * The Request-URI user index as the sets and prunes since the first group would have left it: for
 * each user, the latest group from `recentHead` on whose first INVITE had it (a user whose latest such
 * group was pruned has no entry: that prune deleted it, and no later group set it again).
 */
function ruriIndex(ix: CorrelationIndex, host: CorrelationHost): Map<string, number> {
  if (!ix.ruriOn) {
    ix.ruriOn = true;
    for (let k = ix.recentHead; k < ix.recent.length; k++) {
      const o = host.groups[ix.recent[k]!]!;
      if (o.ruriUser !== null) ix.ruri.set(o.ruriUser, o.idx);
    }
  }
  return ix.ruri;
}

/** What correlation needs from the analyzer. */
export interface CorrelationHost {
  readonly trace: Trace;
  readonly groups: readonly CallGroup[];
  /** The group of `callId` (of its first `length` characters when given), or -1. */
  groupOf(callId: string, length?: number): number;
  /** False when no group's Call-ID is `callId[0,n)` (true: one may be; `groupOf` tells). */
  mayBeCallId(callId: string, n: number): boolean;
}

/** Adds a link to an earlier leg unless one with that reason is there already. */
function addLink(
  links: CallLink[],
  host: CorrelationHost,
  g: CallGroup,
  other: number,
  reason: CallLink['reason'],
  confidence: number,
  detail: string,
): void {
  if (other === g.idx || other < 0) return;
  for (const l of links) if (l.reason === reason) return;
  links.push({ a: host.groups[other]!.callId, b: g.callId, reason, confidence, detail });
}

/** The B-leg is sent by the element the A-leg went to. */
function nextHopOf(host: CorrelationHost, other: number, srcHost: string): boolean {
  const o = host.groups[other]!;
  return o.firstRequestId >= 0 && hostOf(host.trace.dst(o.firstRequestId)) === srcHost;
}

/** Headers that name the other leg's Call-ID (`x-cid` links), in the order they are asked. */
const X_CID_HEADERS = ['x-cid', 'x-call-id', 'x-orig-call-id', 'xcall-id'];

const H_X = 1;
const H_PCV = 2;
const H_DIVERSION = 4;
const H_HISTORY = 8;

/**
 * Which of the headers correlation reads can be present, from the first letters of each header
 * line (`X-`, `XC`, `P-C`, `Di`, `Hi`, any case): most INVITEs carry none, and then no header is looked up.
 */
function headerHints(msg: AnalysisMessage): number {
  const b = msg.raw;
  const end = Math.min(msg.bodyStart, msg.end);
  let hints = 0;
  const n = msg.indexedHeaders;
  if (n >= 0) {
    // The parser's index: the names of the headers it does not know by id (the ones read here are none of those).
    for (let k = 0; k < n; k++) {
      const p = msg.otherHeaderNameAt(k);
      if (p >= 1 && p + 2 < end) hints |= hintAt(b, p - 1);
    }
    return hints;
  }
  let i = b.indexOf(10, msg.start);
  while (i >= 0 && i + 3 < end) {
    hints |= hintAt(b, i);
    i = b.indexOf(10, i + 1);
  }
  return hints;
}

/** The hint of the header line after the line end at `i`. */
function hintAt(b: Uint8Array, i: number): number {
  const c0 = b[i + 1]! | 32;
  const c1 = b[i + 2]! | 32;
  if (c0 === 120 /* x */ && c1 === 99 /* c */) return H_X;
  if (c1 === 45 /* - */ || b[i + 2] === 45) {
    if (c0 === 120 /* x */) return H_X;
    if (c0 === 112 /* p */ && (b[i + 3]! | 32) === 99 /* c */) return H_PCV;
  } else if (c1 === 105 /* i */) {
    if (c0 === 100 /* d */) return H_DIVERSION;
    if (c0 === 104 /* h */) return H_HISTORY;
  }
  return 0;
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
  msg: AnalysisMessage,
  g: CallGroup,
  sdp: SdpFacts | null,
  us: number,
): CallLink[] {
  const links: CallLink[] = [];
  const cid = g.callId;
  // Prune the time-windowed indexes.
  let head = ix.recentHead;
  while (head < ix.recent.length && us - ix.recentUs[head]! > WINDOW_US) {
    if (ix.ruriOn) {
      const old = host.groups[ix.recent[head]!]!;
      if (old.ruriUser !== null && ix.ruri.get(old.ruriUser) === old.idx) ix.ruri.delete(old.ruriUser);
    }
    head++;
  }
  if (head > 1024 && head * 2 > ix.recent.length) {
    ix.recent.splice(0, head);
    ix.recentUs.splice(0, head);
    head = 0;
  }
  ix.recentHead = head;
  // The map's entries oldest first (as iterating it would give them), until one within the window.
  const order = ix.mediaOrder;
  let mh = ix.mediaHead;
  while (mh < order.length) {
    const v = order[mh]!;
    if (v.live) {
      if (us - v.us <= WINDOW_US) break;
      if (v.num >= 0) ix.mediaV4.delete(v.num);
      else ix.media.delete(v.key);
      v.live = false;
    }
    mh++;
  }
  if (mh > 1024 && mh * 2 > order.length) {
    order.splice(0, mh);
    mh = 0;
  }
  ix.mediaHead = mh;
  let srcHost: string | null = null;
  const hints = headerHints(msg);

  // 1. Explicit headers.
  if (hints & H_X) {
    for (const h of X_CID_HEADERS) {
      const v = msg.header(h);
      if (v) {
        addLink(links, host, g, host.groupOf(v.trim()), 'x-cid', 0.95, `${h}: ${v.trim()}`);
        break;
      }
    }
  }
  // 2. HEP correlation id.
  const corr = host.trace.hepCorrelationId(id);
  if (corr && corr !== cid) {
    const other = host.groupOf(corr);
    if (other >= 0)
      addLink(
        links,
        host,
        g,
        other,
        'hep-correlation-id',
        0.9,
        `HEP correlation id ${corr} is the other leg's Call-ID`,
      );
    else {
      const o = ix.hep.get(corr);
      if (o !== undefined)
        addLink(links, host, g, o, 'hep-correlation-id', 0.85, `same HEP correlation id ${corr}`);
      else ix.hep.set(corr, g.idx);
    }
  }
  // 3. P-Charging-Vector icid-value.
  const pcv = hints & H_PCV ? msg.header('p-charging-vector') : null;
  if (pcv) {
    const icid = /icid-value\s*=\s*"?([^;",\s]+)/i.exec(pcv)?.[1];
    if (icid) {
      const o = ix.icid.get(icid);
      if (o !== undefined)
        addLink(links, host, g, o, 'icid', 0.9, `same P-Charging-Vector icid-value ${icid}`);
      else ix.icid.set(icid, g.idx);
    }
  }
  // 4. Call-ID suffix rules: the new Call-ID is an earlier one + separator + short suffix, or b2b- + it.
  //    Indexed: one Map lookup per separator in the new Call-ID, not a scan of recent calls.
  for (let pos = cid.length - 2; pos >= 6 && cid.length - pos <= 33; pos--) {
    const c = cid.charCodeAt(pos);
    // - _ . ; : + ~
    if (c !== 45 && c !== 95 && c !== 46 && c !== 59 && c !== 58 && c !== 43 && c !== 126) continue;
    if (!host.mayBeCallId(cid, pos)) continue;
    const other = host.groupOf(cid, pos);
    if (other >= 0 && other !== g.idx) {
      addLink(
        links,
        host,
        g,
        other,
        'call-id-suffix',
        0.8,
        `Call-ID ${cid} extends ${host.groups[other]!.callId}`,
      );
      break;
    }
  }
  if ((cid.charCodeAt(0) | 32) === 98 /* b */ && /^b2b[-_.]/i.test(cid)) {
    const other = host.groupOf(cid.slice(4));
    if (other >= 0)
      addLink(
        links,
        host,
        g,
        other,
        'call-id-suffix',
        0.8,
        `Call-ID ${cid} is b2b- + ${host.groups[other]!.callId}`,
      );
  }
  // 5. Same SDP media address:port as a recent leg that has not ended (no BYE), sent by its next hop.
  if (sdp) {
    // Each endpoint looked up, then set (over an earlier entry of the same key, not deleted first:
    // the order that matters is mediaOrder's, and a deleted entry stays in the map's table until its
    // next rehash). The first link counts; an endpoint repeated in this offer finds the entry set for
    // its first copy, whose group is this one (no link), where the earlier entry it replaced gave the
    // first copy no link either.
    let linked = false;
    for (const e of sdp.endpoints) {
      const num = endpointNumber(e);
      const o = num >= 0 ? ix.mediaV4.get(num) : ix.media.get(e);
      if (
        !linked &&
        o &&
        o.g !== g.idx &&
        host.groups[o.g]!.byeId < 0 &&
        nextHopOf(host, o.g, (srcHost ??= hostOf(host.trace.src(id))))
      ) {
        addLink(links, host, g, o.g, 'sdp-media', 0.6, `same media ${e}`);
        linked = true;
      }
      if (o) o.live = false;
      const v: MediaEntry = { key: e, g: g.idx, us, live: true, num };
      if (num >= 0) ix.mediaV4.set(num, v);
      else ix.media.set(e, v);
      ix.mediaOrder.push(v);
    }
  }
  // 6. Diversion / History-Info naming the earlier leg's target.
  const div = hints & H_DIVERSION ? msg.header('diversion') : null;
  const hi = div || !(hints & H_HISTORY) ? null : (msg.values('history-info')[0] ?? null);
  const target = div ? uriUserOf(div) : hi ? uriUserOf(hi) : null;
  if (target) {
    const o = ruriIndex(ix, host).get(target);
    if (o !== undefined && o !== g.idx && nextHopOf(host, o, srcHost ?? hostOf(host.trace.src(id)))) {
      addLink(
        links,
        host,
        g,
        o,
        div ? 'diversion' : 'history-info',
        0.5,
        `${div ? 'Diversion' : 'History-Info'} names ${target}, the other leg's target`,
      );
    }
  }
  if (g.ruriUser !== null && ix.ruriOn) ix.ruri.set(g.ruriUser, g.idx);
  ix.recent.push(g.idx);
  ix.recentUs.push(host.trace.timeUs(g.inviteId));
  return links;
}
