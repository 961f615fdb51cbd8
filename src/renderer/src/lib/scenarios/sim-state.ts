/**
 * The scenario player's side panel: what each element holds at the current step, rebuilt from the
 * structured element events up to that virtual time. Live transactions (RFC 3261 §17: ICT, NICT,
 * IST, NIST) with their state and running timers (time left), registrar bindings (§10.3) with their
 * expiry, NAT bindings, and each balancer's dispatcher destinations with their state (the list a
 * proxy loaded, its first `dispatcher` event, then one event per change: ds_mark_dst, a probe).
 */
import type { SimEventDto } from '../../../../shared/api';

export interface TimerState {
  /** `Timer A`... */
  timer: string;
  /** Virtual seconds when it fires. */
  due: number;
  /** Seconds left at `now`. */
  left: number;
}

export interface TxState {
  node: string;
  role: string;
  method: string;
  branch: string;
  state: string;
  /** Virtual seconds of the last state change. */
  since: number;
  timers: TimerState[];
}

export interface RegState {
  node: string;
  aor: string;
  contact: string;
  expiresAt: number;
  left: number;
  received: string | null;
}

export interface NatState {
  node: string;
  inside: string;
  public: string;
  /** Symmetric NATs bind per remote address. */
  remote: string | null;
  since: number;
}

/** A dispatcher destination at the current step (what `kamcmd dispatcher.list` would show). */
export interface DsDestState {
  uri: string;
  /** `AX`, `IP`...: Kamailio's state letters (A/I/T/D, then P probing or X). */
  state: string;
  priority: number;
  attrs: string;
  /** The last probe's reply code that changed the state (408: no answer), null before. */
  lastProbe: number | null;
  /** Virtual seconds of the last state change, null: as loaded. */
  since: number | null;
}

export interface DsSetState {
  set: number;
  destinations: DsDestState[];
}

/** One proxy's dispatcher sets. */
export interface DsNodeState {
  node: string;
  sets: DsSetState[];
}

export interface SimState {
  transactions: TxState[];
  /** Transactions that reached `terminated` so far. */
  terminated: number;
  registrations: RegState[];
  nat: NatState[];
  dispatcher: DsNodeState[];
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** The elements' state after every event at or before `now` (virtual seconds; events in time order). */
export function simStateAt(events: readonly SimEventDto[], now: number): SimState {
  const txs = new Map<string, TxState>();
  // Timers by node and branch (timer events name no role): the transaction they belong to is found at the end.
  const timers = new Map<string, Map<string, number>>();
  const regs = new Map<string, RegState>();
  const nat = new Map<string, NatState>();
  const ds = new Map<string, DsNodeState>();
  let terminated = 0;
  for (const e of events) {
    if (e.time > now + 1e-9) break;
    const d = e.data;
    if (!d) continue;
    if (e.kind === 'transaction') {
      const role = str(d.role);
      const branch = str(d.branch);
      const to = str(d.to);
      if (!role || branch === null || !to) continue;
      const key = `${e.node}|${role}|${branch}`;
      if (to === 'terminated') {
        if (txs.delete(key)) terminated++;
        continue;
      }
      const tx = txs.get(key);
      if (tx) {
        tx.state = to;
        tx.since = e.time;
      } else {
        txs.set(key, {
          node: e.node,
          role,
          method: str(d.method) ?? '',
          branch,
          state: to,
          since: e.time,
          timers: [],
        });
      }
    } else if (e.kind === 'timer') {
      const timer = str(d.timer);
      const branch = str(d.branch);
      const action = str(d.action);
      if (!timer || branch === null || !action) continue;
      const key = `${e.node}|${branch}`;
      let running = timers.get(key);
      if (action === 'start') {
        const due = num(d.due);
        if (due === null) continue;
        if (!running) timers.set(key, (running = new Map()));
        running.set(timer, due / 1e6);
      } else running?.delete(timer);
    } else if (e.kind === 'registration') {
      const aor = str(d.aor);
      const contact = str(d.contact);
      if (!aor || !contact) continue;
      const key = `${e.node}|${aor}|${contact}`;
      const expires = num(d.expires);
      if (d.removed || expires === null) regs.delete(key);
      else
        regs.set(key, {
          node: e.node,
          aor,
          contact,
          expiresAt: e.time + expires,
          left: 0,
          received: str(d.received),
        });
    } else if (e.kind === 'nat-binding') {
      const inside = str(d.inside);
      const pub = str(d.public);
      if (!inside || !pub) continue;
      const key = `${e.node}|${pub}`;
      if (d.removed) nat.delete(key);
      else if (d.created)
        nat.set(key, { node: e.node, inside, public: pub, remote: str(d.remote), since: e.time });
    } else if (e.kind === 'dispatcher') {
      if (Array.isArray(d.sets)) {
        const sets = dsSetsOf(d.sets);
        if (sets) ds.set(e.node, { node: e.node, sets });
        continue;
      }
      const set = num(d.set);
      const uri = str(d.uri);
      const state = str(d.state);
      if (set === null || !uri || !state) continue;
      const dest = ds
        .get(e.node)
        ?.sets.find((x) => x.set === set)
        ?.destinations.find((x) => x.uri === uri);
      if (!dest) continue;
      dest.state = state;
      dest.since = e.time;
      if (num(d.lastProbe) !== null) dest.lastProbe = num(d.lastProbe);
    }
  }
  const transactions = [...txs.values()];
  const claimed = new Set<string>();
  for (const tx of transactions) {
    const key = `${tx.node}|${tx.branch}`;
    if (claimed.has(key)) continue;
    claimed.add(key);
    const running = timers.get(key);
    if (!running) continue;
    tx.timers = [...running]
      .map(([timer, due]) => ({ timer, due, left: Math.max(0, due - now) }))
      .sort((a, b) => a.due - b.due);
  }
  const registrations = [...regs.values()]
    .map((r) => ({ ...r, left: r.expiresAt - now }))
    .filter((r) => r.left > 0);
  return { transactions, terminated, registrations, nat: [...nat.values()], dispatcher: [...ds.values()] };
}

/** The sets of a proxy's first `dispatcher` event (its list as loaded); null when they are not that shape. */
function dsSetsOf(raw: readonly unknown[]): DsSetState[] | null {
  const out: DsSetState[] = [];
  for (const s of raw) {
    if (typeof s !== 'object' || s === null) return null;
    const o = s as Record<string, unknown>;
    const set = num(o.set);
    if (set === null || !Array.isArray(o.destinations)) return null;
    const destinations: DsDestState[] = [];
    for (const x of o.destinations as unknown[]) {
      if (typeof x !== 'object' || x === null) return null;
      const dd = x as Record<string, unknown>;
      const uri = str(dd.uri);
      const state = str(dd.state);
      if (!uri || !state) return null;
      destinations.push({
        uri,
        state,
        priority: num(dd.priority) ?? 0,
        attrs: str(dd.attrs) ?? '',
        lastProbe: num(dd.lastProbe),
        since: null,
      });
    }
    out.push({ set, destinations });
  }
  return out;
}

/** `IP` → `inactive, probing`: Kamailio's state letters in words. */
export function dsStateMeaning(state: string): string {
  const s = { A: 'active', I: 'inactive', T: 'trying', D: 'disabled' }[state.charAt(0)] ?? `state ${state}`;
  return state.charAt(1) === 'P' ? `${s}, probing` : s;
}

/** `0.480 s`, `31.5 s`, `59 min`: a timer's time left, as precise as it needs to be. */
export function formatLeft(s: number): string {
  if (s < 10) return `${s.toFixed(3)} s`;
  if (s < 120) return `${s.toFixed(1)} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  return `${Math.round(s / 3600)} h`;
}
