/**
 * Kamailio's `dispatcher` module (5.6): destination sets loaded from a `dispatcher.list` text,
 * the selection algorithms of `ds_select_dst()` (hash over Call-ID / From / To / R-URI, round
 * robin, random, priority, weight), the failover list `ds_next_dst()` walks, destination states
 * (active, trying, inactive, disabled, probing) and what an OPTIONS probe's answer does to them.
 *
 * This file holds the module's state and rules only; the proxy sends the probes and applies a
 * selection to the request (`$du` or the R-URI). Read for behaviour from the module's README;
 * no code copied. What matches Kamailio bit for bit (measured on Kamailio 5.6.3: the choices are in
 * test/sip-core/elements/dispatcher.test.ts; round robin, failover and probing are compared with a
 * running Kamailio in test/interop/dispatcher-kamailio.test.ts): the order of a set's destinations
 * (descending priority; file order reversed among equal priorities), round robin's sequence, the
 * failover list and its `limit`, the Request-URI ds_select_domain writes, probing per mode, and the
 * hash of algorithms 0–3 and 5 (so the same Call-ID goes to the same backend). Random (6) and the
 * weight table's shuffle (9) draw from the element's seeded id source, so they differ from
 * Kamailio's rand().
 */
import type { DsDestinationSnapshot, DsSetSnapshot } from '../../shared/dispatcher-state';

/** Destination state bits, as the list file's flags column and Kamailio's `dispatcher.list` show them. */
export const DS_INACTIVE = 1;
export const DS_TRYING = 2;
export const DS_DISABLED = 4;
export const DS_PROBING = 8;
/** List-file flag 16: no DNS resolution at start (kept, not used by the simulator). */
export const DS_NODNS = 16;

/** One destination of a set (a line of the list). */
export interface DsDestination {
  set: number;
  /** The URI as written (`sip:10.0.0.1:5060;transport=udp`). */
  uri: string;
  host: string;
  port: number | null;
  /** State bits ({@link DS_INACTIVE} ...): the list's flags column, then what marks and probes do. */
  flags: number;
  priority: number;
  attrs: string;
  /** `weight=` attribute (1..100, else 0). */
  weight: number;
  /** Failed probes / marks since the last success ("trying" counter). */
  failures: number;
  /** Successful probes while inactive or trying. */
  successes: number;
  /** The last probe's final reply code (408: no answer in time), null before any probe. */
  lastProbe: number | null;
  /** 1-based line in the list text. */
  line: number;
}

export interface DsListError {
  line: number;
  col: number;
  message: string;
}

export interface DsList {
  /** Sets by id, destinations in Kamailio's order (see {@link parseDispatcherList}). */
  sets: Map<number, DsDestination[]>;
  errors: DsListError[];
}

const INT = /^[+-]?\d+$/;

/**
 * Parses `dispatcher.list` text: one destination per line, `setid uri [flags [priority [attrs]]]`,
 * `#` comments and blank lines ignored. Never throws: a bad line is an error with its line and
 * column and is left out. A set's destinations are ordered as Kamailio orders them: by priority,
 * highest first, and among equal priorities the later line first (Kamailio builds the set by
 * inserting each line in front of the ones of the same priority).
 */
export function parseDispatcherList(text: string): DsList {
  const errors: DsListError[] = [];
  const sets = new Map<number, DsDestination[]>();
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    const hash = raw.indexOf('#');
    const body = hash >= 0 ? raw.slice(0, hash) : raw;
    if (body.trim() === '') continue;
    const tokens: { text: string; col: number }[] = [];
    for (const m of body.matchAll(/\S+/g)) tokens.push({ text: m[0], col: (m.index ?? 0) + 1 });
    const err = (col: number, message: string): void => {
      errors.push({ line: i + 1, col, message });
    };
    const [setTok, uriTok, flagsTok, prioTok, attrsTok, extra] = tokens;
    if (!INT.test(setTok!.text) || Number(setTok!.text) < 0) {
      err(setTok!.col, `set id must be a non-negative integer, found "${setTok!.text}"`);
      continue;
    }
    if (!uriTok) {
      err(setTok!.col + setTok!.text.length, 'a destination URI (sip:host[:port]) must follow the set id');
      continue;
    }
    const hp = /^sips?:(?:[^@;]*@)?(\[[0-9a-fA-F:.]+\]|[^:;\s]+)(?::(\d+))?(?:;.*)?$/i.exec(uriTok.text);
    if (!hp || (hp[2] !== undefined && (Number(hp[2]) < 1 || Number(hp[2]) > 65535))) {
      err(uriTok.col, `destination must be a SIP URI (sip:host[:port]), found "${uriTok.text}"`);
      continue;
    }
    let flags = 0;
    if (flagsTok) {
      if (!INT.test(flagsTok.text) || Number(flagsTok.text) < 0 || Number(flagsTok.text) > 31) {
        err(
          flagsTok.col,
          `flags must be an integer 0..31 (1 inactive, 2 trying, 4 disabled, 8 probing, 16 no DNS), found "${flagsTok.text}"`,
        );
        continue;
      }
      flags = Number(flagsTok.text);
    }
    let priority = 0;
    if (prioTok) {
      if (!INT.test(prioTok.text)) {
        err(prioTok.col, `priority must be an integer, found "${prioTok.text}"`);
        continue;
      }
      priority = Number(prioTok.text);
    }
    if (extra) {
      err(extra.col, 'attributes must be one word (name1=value1;name2=value2), found more text after them');
      continue;
    }
    const attrs = attrsTok?.text ?? '';
    const w = /(?:^|;)weight=(\d+)/.exec(attrs);
    const weight = w && Number(w[1]) >= 1 && Number(w[1]) <= 100 ? Number(w[1]) : 0;
    const set = Number(setTok!.text);
    const d: DsDestination = {
      set,
      uri: uriTok.text,
      host: hp[1]!,
      port: hp[2] !== undefined ? Number(hp[2]) : null,
      flags,
      priority,
      attrs,
      weight,
      failures: 0,
      successes: 0,
      lastProbe: null,
      line: i + 1,
    };
    let list = sets.get(set);
    if (!list) sets.set(set, (list = []));
    // in front of the first one of the same or a lower priority
    let at = list.findIndex((x) => x.priority <= priority);
    if (at < 0) at = list.length;
    list.splice(at, 0, d);
  }
  return { sets, errors };
}

/**
 * The dispatcher's hash of one or two strings (Kamailio's `ds_get_hash`, re-derived from its
 * results): big-endian 32-bit words of the text folded as `h += v ^ (v >>> 3)`, the tail bytes as
 * one more word, then `h + (h >>> 11) + (h >>> 13) + (h >>> 23)`; 0 becomes 1. On octets (UTF-8).
 */
export function dsHash(x: string, y: string | null): number {
  let h = fold(0, x);
  if (y !== null) h = fold(h, y);
  h = (h + (h >>> 11) + ((h >>> 13) + (h >>> 23))) >>> 0;
  return h === 0 ? 1 : h;
}

const enc = new TextEncoder();

function fold(h: number, s: string): number {
  const b = enc.encode(s);
  let p = 0;
  let v: number;
  for (; p + 4 <= b.length; p += 4) {
    v = ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
    h = (h + ((v ^ (v >>> 3)) >>> 0)) >>> 0;
  }
  v = 0;
  for (; p < b.length; p++) v = ((v << 8) | b[p]!) >>> 0;
  return (h + ((v ^ (v >>> 3)) >>> 0)) >>> 0;
}

/**
 * The hash key of a URI for algorithms 1–3: its user, and its host with the port when the port is
 * not the scheme's default (Kamailio's rule; with `flags` bit 1 the user only), as written.
 */
export function uriHashKeys(uri: string, userOnly: boolean): [string, string | null] {
  let s = uri.trim();
  if (s.startsWith('<')) s = s.slice(1, s.indexOf('>') >= 0 ? s.indexOf('>') : undefined);
  const colon = s.indexOf(':');
  const scheme = colon > 0 ? s.slice(0, colon).toLowerCase() : 'sip';
  let rest = colon > 0 ? s.slice(colon + 1) : s;
  const cut = rest.search(/[;?>]/);
  if (cut >= 0) rest = rest.slice(0, cut);
  const at = rest.lastIndexOf('@');
  const user = at >= 0 ? rest.slice(0, at) : '';
  if (userOnly) return [user, null];
  let host = at >= 0 ? rest.slice(at + 1) : rest;
  const m = /^(.*):(\d+)$/.exec(host);
  if (m && !host.endsWith(']') && Number(m[2]) === (scheme === 'sips' ? 5061 : 5060)) host = m[1]!;
  return [user, host];
}

/** What the selection algorithms read from the request (made on demand). */
export interface DsRequestKeys {
  callId(): string;
  fromUri(): string;
  toUri(): string;
  requestUri(): string;
  /** The Authorization / Proxy-Authorization username, or null. */
  authUser(): string | null;
}

/** Algorithm names for events and docs. */
export const DS_ALGORITHMS: Readonly<Record<number, string>> = {
  0: 'hash over Call-ID',
  1: 'hash over From URI',
  2: 'hash over To URI',
  3: 'hash over Request-URI',
  4: 'round robin',
  5: 'hash over auth username',
  6: 'random',
  7: 'hash over PVs (not simulated: first entry)',
  8: 'priority order',
  9: 'weight',
  10: 'call load (not simulated: first entry)',
  11: 'relative weight (not simulated: first entry)',
  12: 'parallel forking (not simulated: first entry)',
  13: 'latency (not simulated: first entry)',
};

/** The `modparam("dispatcher", ...)` values the simulator honours. */
export interface DsParams {
  /** `flags`: bit 1 hash over URI user only, bit 2 failover (keep the rest of the set for ds_next_dst). */
  flags: number;
  /** `force_dst` (default 1): 0 refuses to select when `$du` is already set. */
  forceDst: boolean;
  /** `ds_ping_interval` in seconds (0: no probing). */
  pingInterval: number;
  /** `ds_ping_method` (default OPTIONS). */
  pingMethod: string;
  /** `ds_ping_from` (default sip:dispatcher@localhost). */
  pingFrom: string;
  /** `ds_probing_mode` 0..3. */
  probingMode: number;
  /** `ds_probing_threshold` (5.6 spelling; `ds_probing_threshhold` also read): failures before inactive. */
  probingThreshold: number;
  /** `ds_inactive_threshold`: successes before active again. */
  inactiveThreshold: number;
  /** `ds_ping_reply_codes`: accepted besides 200 (`class=2;code=403`). */
  replyCodes: { classes: number[]; codes: number[] };
}

/** The dispatcher modparams of a script (text values as the parser keeps them). */
export function dsParamsOf(mps: readonly { module: string; param: string; value: unknown }[]): DsParams {
  const p: DsParams = {
    flags: 0,
    forceDst: true,
    pingInterval: 0,
    pingMethod: 'OPTIONS',
    pingFrom: 'sip:dispatcher@localhost',
    probingMode: 0,
    probingThreshold: 1,
    inactiveThreshold: 1,
    replyCodes: { classes: [], codes: [] },
  };
  const num = (v: unknown, min: number, max: number, dflt: number): number => {
    const n = Number(v);
    return Number.isInteger(n) && n >= min && n <= max ? n : dflt;
  };
  for (const m of mps) {
    if (m.module !== 'dispatcher') continue;
    const v = m.value;
    switch (m.param) {
      case 'flags':
        p.flags = num(v, 0, 0xffff, 0);
        break;
      case 'force_dst':
        p.forceDst = num(v, 0, 1, 1) === 1;
        break;
      case 'ds_ping_interval':
        p.pingInterval = num(v, 0, 86400, 0);
        break;
      case 'ds_ping_method':
        if (typeof v === 'string' && /^[A-Za-z]+$/.test(v)) p.pingMethod = v.toUpperCase();
        break;
      case 'ds_ping_from':
        if (typeof v === 'string' && /^sips?:\S+$/i.test(v)) p.pingFrom = v;
        break;
      case 'ds_probing_mode':
        p.probingMode = num(v, 0, 3, 0);
        break;
      case 'ds_probing_threshold':
      case 'ds_probing_threshhold':
        p.probingThreshold = num(v, 1, 1000, 1);
        break;
      case 'ds_inactive_threshold':
        p.inactiveThreshold = num(v, 1, 1000, 1);
        break;
      case 'ds_ping_reply_codes':
        for (const part of String(v).split(/[;:,]/)) {
          const c = /^\s*(class|code)\s*=\s*(\d+)\s*$/.exec(part);
          if (!c) continue;
          if (c[1] === 'class') p.replyCodes.classes.push(Number(c[2]));
          else p.replyCodes.codes.push(Number(c[2]));
        }
        break;
      default:
        break;
    }
  }
  return p;
}

/** A selection kept with the request (Kamailio's `_dsdst_` XAVP list): the destinations in order, the one in use. */
export interface DsSelection {
  dests: DsDestination[];
  /** Index of the destination in use (-1 after `ds_select()`: none yet). */
  pos: number;
}

/** Skipped by the selection: inactive or disabled (a "trying" destination is still chosen). */
export function dsSkipped(d: DsDestination): boolean {
  return (d.flags & (DS_INACTIVE | DS_DISABLED)) !== 0;
}

/** `AP`, `IP`, `TX`...: the state as `kamcmd dispatcher.list` prints it (first letter: A/I/T/D; P when probing). */
export function dsStateText(d: DsDestination): string {
  const f = d.flags;
  const s = f & DS_DISABLED ? 'D' : f & DS_INACTIVE ? 'I' : f & DS_TRYING ? 'T' : 'A';
  return s + (f & DS_PROBING ? 'P' : 'X');
}

/** {@link dsStateText} with its meaning: `IP (inactive, probing)`. */
export function dsStateWords(d: DsDestination): string {
  const f = d.flags;
  const s = f & DS_DISABLED ? 'disabled' : f & DS_INACTIVE ? 'inactive' : f & DS_TRYING ? 'trying' : 'active';
  return `${dsStateText(d)} (${s}${f & DS_PROBING ? ', probing' : ''})`;
}

export type { DsDestinationSnapshot, DsSetSnapshot } from '../../shared/dispatcher-state';

/** A destination's snapshot. */
export function dsSnapshotOf(d: DsDestination): DsDestinationSnapshot {
  return {
    uri: d.uri,
    flags: d.flags,
    state: dsStateText(d),
    words: dsStateWords(d),
    priority: d.priority,
    attrs: d.attrs,
    weight: d.weight,
    lastProbe: d.lastProbe,
  };
}

/** The dispatcher of one proxy: its sets, round-robin positions and weight tables. */
export class Dispatcher {
  readonly sets: Map<number, DsDestination[]>;
  private readonly rr = new Map<number, number>();
  private readonly weights = new Map<number, { table: number[]; next: number }>();

  /** `random()` in [0, 1) from the element's seeded id source (algorithm 6, the weight table's shuffle). */
  constructor(
    list: DsList,
    readonly params: DsParams,
    private readonly random: () => number,
  ) {
    this.sets = list.sets;
  }

  /**
   * What the balancer believes now, what `kamcmd dispatcher.list` tells: each set (ascending id)
   * with its destinations in set order, their state, priority, attributes and last probe. Read-only;
   * made only when asked (the lab console, the scenario player's first event).
   */
  snapshot(): DsSetSnapshot[] {
    return [...this.sets]
      .sort((a, b) => a[0] - b[0])
      .map(([set, dests]) => ({ set, destinations: dests.map(dsSnapshotOf) }));
  }

  /**
   * `ds_select_dst(set, alg[, limit])`'s choice: the selected destination first, then (failover,
   * `flags` bit 2) the set's other usable destinations after it in set order, wrapping around, up to
   * `limit` entries in all (0: no limit). Null when the set is unknown or every destination is
   * inactive or disabled.
   */
  select(setId: number, alg: number, keys: DsRequestKeys, limit: number): DsSelection | null {
    const set = this.sets.get(setId);
    if (!set || set.length === 0) return null;
    const n = set.length;
    let idx: number;
    const userOnly = (this.params.flags & 1) !== 0;
    switch (alg) {
      case 0:
        idx = dsHash(keys.callId().trim(), null) % n;
        break;
      case 1:
      case 2:
      case 3: {
        const uri = alg === 1 ? keys.fromUri() : alg === 2 ? keys.toUri() : keys.requestUri();
        const [a, b] = uriHashKeys(uri, userOnly);
        idx = dsHash(a, b) % n;
        break;
      }
      case 4:
        idx = this.nextRoundRobin(setId, n);
        break;
      case 5: {
        const u = keys.authUser();
        idx = u === null ? this.nextRoundRobin(setId, n) : dsHash(u, null) % n;
        break;
      }
      case 6:
        idx = Math.floor(this.random() * n) % n;
        break;
      case 9:
        idx = this.nextWeighted(setId, set);
        break;
      default:
        // 8 (priority: the set is in priority order) and every algorithm not simulated: the first entry
        idx = 0;
        break;
    }
    // an unusable destination: the next usable one after it
    let i = idx;
    while (dsSkipped(set[i]!)) {
      i = (i + 1) % n;
      if (i === idx) return null;
    }
    const dests = [set[i]!];
    if (this.params.flags & 2) {
      for (let k = 1; k < n; k++) {
        if (limit > 0 && dests.length >= limit) break;
        const d = set[(i + k) % n]!;
        if (!dsSkipped(d)) dests.push(d);
      }
    }
    return { dests, pos: 0 };
  }

  private nextRoundRobin(setId: number, n: number): number {
    const last = this.rr.get(setId) ?? 0;
    this.rr.set(setId, (last + 1) % n);
    return last % n;
  }

  /**
   * Algorithm 9: a table of 100 slots, each destination holding `weight` of them in set order (the
   * sum capped at 100, the last destination filling what is left), shuffled once; each call takes the
   * next slot.
   */
  private nextWeighted(setId: number, set: DsDestination[]): number {
    let w = this.weights.get(setId);
    if (!w) {
      const table: number[] = [];
      for (let j = 0; j < set.length && table.length < 100; j++)
        for (let k = 0; k < set[j]!.weight && table.length < 100; k++) table.push(j);
      while (table.length < 100) table.push(set.length - 1);
      for (let j = 0; j < 100; j++) {
        const k = Math.floor(this.random() * 100) % 100;
        const t = table[j]!;
        table[j] = table[k]!;
        table[k] = t;
      }
      this.weights.set(setId, (w = { table, next: 0 }));
    }
    const idx = w.table[w.next]!;
    w.next = (w.next + 1) % 100;
    return idx;
  }

  /**
   * `ds_mark_dst(state)`: `a` active (failures reset), `i` inactive, `t` trying (one more failure;
   * inactive at `ds_probing_threshold`), `d` disabled; `p` added: probing. Returns false for a state
   * text with none of a/i/t/d.
   */
  mark(d: DsDestination, state: string): boolean {
    const s = state.toLowerCase();
    const probing = s.includes('p') ? DS_PROBING : 0;
    if (s.includes('a')) {
      d.flags = (d.flags & ~(DS_INACTIVE | DS_TRYING | DS_DISABLED | DS_PROBING)) | probing;
      d.failures = 0;
      d.successes = 0;
    } else if (s.includes('i')) {
      d.flags = (d.flags & ~(DS_TRYING | DS_DISABLED | DS_PROBING)) | DS_INACTIVE | probing;
      d.successes = 0;
    } else if (s.includes('t')) {
      d.failures++;
      d.successes = 0;
      if (d.failures >= this.params.probingThreshold)
        d.flags = (d.flags & ~(DS_TRYING | DS_PROBING)) | DS_INACTIVE | probing;
      else d.flags = (d.flags & ~(DS_INACTIVE | DS_PROBING)) | DS_TRYING | probing;
    } else if (s.includes('d')) {
      d.flags = (d.flags & ~(DS_INACTIVE | DS_TRYING | DS_PROBING)) | DS_DISABLED;
    } else return false;
    return true;
  }

  /** The destinations a probe round pings (`ds_probing_mode`); never a disabled one. */
  probeTargets(): DsDestination[] {
    const out: DsDestination[] = [];
    const mode = this.params.probingMode;
    for (const set of this.sets.values())
      for (const d of set) {
        if (d.flags & DS_DISABLED) continue;
        if (mode === 1 || (mode === 2 ? (d.flags & DS_INACTIVE) !== 0 : true)) {
          if (mode !== 1 && !(d.flags & DS_PROBING)) continue;
          out.push(d);
        }
      }
    return out;
  }

  /** A probe's reply is a success: 200, or a code or class of `ds_ping_reply_codes`. */
  acceptsReply(code: number): boolean {
    const rc = this.params.replyCodes;
    return code === 200 || rc.codes.includes(code) || rc.classes.includes(Math.floor(code / 100));
  }

  /**
   * What a probe's final reply (or its local 408 on timeout) does, as the module's OPTIONS callback
   * (checked against Kamailio 5.6.3, test/interop/dispatcher-kamailio.test.ts). A success counts
   * toward `ds_inactive_threshold`, then makes an inactive or trying destination active; a failure
   * makes it trying, inactive once `ds_probing_threshold` failures are reached. The probing mark
   * after a probe: mode 0 clears it whatever the answer (so a destination marked "ip" that fails its
   * first probe stays inactive, unprobed, until marked again: Kamailio's "probed once"); mode 1 sets
   * it; mode 2 keeps it after a failure and clears it after a success; mode 3 keeps it as it was.
   * Returns the new state text when the state changed, else null.
   */
  probeResult(d: DsDestination, code: number): string | null {
    const before = d.flags;
    const mode = this.params.probingMode;
    const ok = this.acceptsReply(code);
    d.lastProbe = code;
    if (ok) {
      d.failures = 0;
      if (d.flags & (DS_INACTIVE | DS_TRYING)) {
        d.successes++;
        if (d.successes >= this.params.inactiveThreshold) {
          d.successes = 0;
          d.flags &= ~(DS_INACTIVE | DS_TRYING);
        }
      }
    } else {
      d.successes = 0;
      d.failures++;
      if (d.failures >= this.params.probingThreshold) d.flags = (d.flags & ~DS_TRYING) | DS_INACTIVE;
      else if (!(d.flags & DS_INACTIVE)) d.flags |= DS_TRYING;
    }
    if (mode === 0 || (mode === 2 && ok)) d.flags &= ~DS_PROBING;
    else if (mode === 1 || mode === 2) d.flags |= DS_PROBING;
    return d.flags === before ? null : dsStateWords(d);
  }

  /** The destination of `set` (or any set when null) whose URI is `uri`. */
  find(uri: string, setId: number | null = null): DsDestination | null {
    for (const [id, set] of this.sets)
      if (setId === null || id === setId) for (const d of set) if (d.uri === uri) return d;
    return null;
  }
}
