/**
 * The catalogue of script functions: every name the loader accepts, its arity, which arguments
 * are format strings (pseudo-variables expanded, as xlog does), which argument names a route
 * (checked at load time), and how it maps onto {@link ScriptHost}. A name not in this table is a
 * located load error (`script-unknown-function`).
 */
import type { RouteKind, ScriptValue } from './ast';
import type { RelayTarget, ScriptHost, ScriptResult } from './host';
import { compileScriptRegex, testScriptRegex } from './regex';

/**
 * Per-message (or per-transaction) script state kept by the interpreter. A proxy keeps one per
 * transaction and passes it again to the `failure_route`/`onreply_route` runs, as Kamailio keeps
 * flags and AVPs with the transaction.
 */
export interface ScriptState {
  /** `$var(name)`. */
  vars: Map<string, ScriptValue>;
  /** `$avp(name)` and `$xavp(name)`, keyed `avp:name` / `xavp:name`. */
  avps: Map<string, ScriptValue>;
  /** Message/transaction flags (`setflag`, `isflagset`). */
  flags: Set<number>;
  /** Branch flags (`setbflag`, `isbflagset`). */
  bflags: Set<number>;
  /** `$rc`: the return code of the last function or `route()` call (null before any). */
  rc?: ScriptValue;
}

/**
 * The state of {@link newScriptState}: its maps and sets are made on first use, so a request whose
 * script never touches `$var`, `$avp` or flags allocates none of them.
 */
class LazyScriptState implements ScriptState {
  private v: Map<string, ScriptValue> | null = null;
  private a: Map<string, ScriptValue> | null = null;
  private f: Set<number> | null = null;
  private b: Set<number> | null = null;
  rc: ScriptValue = null;
  get vars(): Map<string, ScriptValue> {
    return (this.v ??= new Map());
  }
  get avps(): Map<string, ScriptValue> {
    return (this.a ??= new Map());
  }
  get flags(): Set<number> {
    return (this.f ??= new Set());
  }
  get bflags(): Set<number> {
    return (this.b ??= new Set());
  }
}

export function newScriptState(): ScriptState {
  return new LazyScriptState();
}

export interface CallContext<M> {
  host: ScriptHost<M>;
  msg: M;
  args: readonly ScriptValue[];
  state: ScriptState;
  /** Adds a note to the execution record of this call (e.g. "not simulated: default -1"). */
  note(text: string): void;
}

export interface FunctionSpec {
  min: number;
  max: number;
  /** Indexes of arguments whose pseudo-variables are expanded before the call. */
  format?: readonly number[];
  /** The argument that names a route block of the given kind (validated at load time). */
  routeArg?: { index: number; kind: RouteKind };
  /** One line for docs and tooltips. */
  doc: string;
  run<M>(ctx: CallContext<M>): ScriptResult;
}

const str = (v: ScriptValue | undefined): string => (v === null || v === undefined ? '' : String(v));
const opt = (v: ScriptValue | undefined): string | null => (v === null || v === undefined ? null : String(v));
const int = (v: ScriptValue | undefined): number => {
  if (typeof v === 'number') return v;
  const n = Number.parseInt(str(v), str(v).startsWith('0x') ? 16 : 10);
  return Number.isFinite(n) ? n : 0;
};
/** The argument conversions of the catalogue's `run` functions (for scripts compiled to JavaScript). */
export { str as argStr, opt as argOpt, int as argInt };

/** Parses `[proto:]host[:port]` (or the two-argument form) for t_relay/forward. */
export function parseRelayTarget(
  args: readonly ScriptValue[],
  proto: string | null = null,
): RelayTarget | null {
  if (args.length === 0) return null;
  if (args.length >= 2) return { proto, host: str(args[0]), port: int(args[1]) || null };
  let s = str(args[0]);
  let p = proto;
  const m = /^(udp|tcp|tls|sctp|ws|wss):/i.exec(s);
  if (m) {
    p = m[1]!.toLowerCase();
    s = s.slice(m[0].length);
  }
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(s);
  if (v6) return { proto: p, host: `[${v6[1]}]`, port: v6[2] ? Number(v6[2]) : null };
  const hp = /^([^:]+)(?::(\d+))?$/.exec(s);
  return hp
    ? { proto: p, host: hp[1]!, port: hp[2] ? Number(hp[2]) : null }
    : { proto: p, host: s, port: null };
}

/** A function the host may simulate through `call()`; otherwise `fallback` is returned and noted. */
function generic(min: number, max: number, fallback: number, doc: string, format?: number[]): FunctionSpec {
  return {
    min,
    max,
    doc,
    ...(format ? { format } : {}),
    run(ctx) {
      const name = currentName;
      const r = ctx.host.call?.(name, ctx.args, ctx.msg);
      if (r !== undefined) return r;
      ctx.note(`not simulated by this element: default ${fallback}`);
      return fallback;
    },
  };
}

// Set by callFunction before run(), so generic entries know their own name without a closure per name.
let currentName = '';

/**
 * A dispatcher module function: the host's `call()` runs it; a host without a destination list
 * (no `dispatcher:` on its node) answers undefined, and the function fails (-1) with a note.
 */
function dispatcher(min: number, max: number, doc: string, format?: number[]): FunctionSpec {
  return {
    min,
    max,
    doc,
    ...(format ? { format } : {}),
    run(ctx) {
      const r = ctx.host.call?.(currentName, ctx.args, ctx.msg);
      if (r !== undefined) return r;
      ctx.note('no dispatcher list on this element (its node has no `dispatcher:` key): -1');
      return -1;
    },
  };
}

const xlogLevel =
  (level: string): FunctionSpec['run'] =>
  (ctx) => {
    ctx.host.xlog(ctx.msg, level, str(ctx.args[ctx.args.length - 1]));
    return 1;
  };

const flagOp = (set: 'flags' | 'bflags', op: 'set' | 'reset' | 'test'): FunctionSpec['run'] => {
  return (ctx) => {
    const f = int(ctx.args[0]);
    const s = ctx.state[set];
    if (op === 'set') s.add(f);
    else if (op === 'reset') s.delete(f);
    else return s.has(f);
    return 1;
  };
};

const statusRegexCache = new Map<string, RegExp | string>();

/** `"A|b|C"` → `['A', 'B', 'C']`, kept per argument text (scripts pass the same few constants). */
export function methodList(arg: string): readonly string[] {
  let l = methodLists.get(arg);
  if (!l) {
    l = arg.split('|').map((s) => s.trim().toUpperCase());
    if (methodLists.size >= 256) methodLists.clear();
    methodLists.set(arg, l);
  }
  return l;
}
const methodLists = new Map<string, readonly string[]>();

export const FUNCTIONS: Readonly<Record<string, FunctionSpec>> = {
  // --- message tests
  is_method: {
    min: 1,
    max: 1,
    doc: 'request method is one of "A|B|C"',
    run: (c) => c.host.isMethod(c.msg, methodList(str(c.args[0]))),
  },
  has_totag: {
    min: 0,
    max: 0,
    doc: 'To header has a tag (in-dialog request)',
    run: (c) => c.host.hasTotag(c.msg),
  },
  is_present_hf: {
    min: 1,
    max: 1,
    doc: 'a header field with this name is present',
    run: (c) => c.host.isPresentHf(c.msg, str(c.args[0])),
  },
  uri_param: {
    min: 1,
    max: 2,
    doc: 'Request-URI has the parameter (with the value)',
    run: (c) => c.host.uriParamMatches(c.msg, str(c.args[0]), opt(c.args[1])),
  },
  is_request: {
    min: 0,
    max: 0,
    doc: 'the message is a request',
    run: (c) => c.host.getPv('mt', null, c.msg) === 1,
  },
  is_reply: {
    min: 0,
    max: 0,
    doc: 'the message is a response',
    run: (c) => c.host.getPv('mt', null, c.msg) === 2,
  },
  isdsturiset: { min: 0, max: 0, doc: '$du is set', run: (c) => str(c.host.getPv('du', null, c.msg)) !== '' },
  strempty: {
    min: 1,
    max: 1,
    format: [0],
    doc: 'the (expanded) argument is empty',
    run: (c) => str(c.args[0]) === '',
  },
  starts_with: {
    min: 2,
    max: 2,
    format: [0, 1],
    doc: 'first argument starts with the second',
    run: (c) => str(c.args[0]).startsWith(str(c.args[1])),
  },
  // --- routing
  loose_route: {
    min: 0,
    max: 0,
    doc: 'RFC 3261 §16.4 Route processing',
    run: (c) => c.host.looseRoute(c.msg),
  },
  record_route: {
    min: 0,
    max: 1,
    format: [0],
    doc: 'add Record-Route (RFC 3261 §16.6)',
    run: (c) => c.host.recordRoute(c.msg, opt(c.args[0])),
  },
  add_rr_param: generic(1, 1, 1, 'add a parameter to the Record-Route this proxy inserts'),
  check_route_param: generic(1, 1, -1, 'Route header of this proxy has the parameter'),
  mf_process_maxfwd_header: {
    min: 1,
    max: 1,
    doc: 'Max-Forwards check/decrement (RFC 3261 §16.3 step 3)',
    run: (c) => c.host.mfProcessMaxfwdHeader(c.msg, int(c.args[0])),
  },
  // --- registrar / location
  save: {
    min: 1,
    max: 3,
    doc: 'store the REGISTER bindings (RFC 3261 §10.3)',
    run: (c) => c.host.save(c.msg, str(c.args[0]), opt(c.args[1]), opt(c.args[2])),
  },
  lookup: {
    min: 1,
    max: 2,
    doc: 'rewrite the Request-URI from the location service',
    run: (c) => c.host.lookup(c.msg, str(c.args[0]), opt(c.args[1])),
  },
  // --- forwarding
  t_relay: {
    min: 0,
    max: 2,
    doc: 'stateful forwarding (RFC 3261 §16)',
    run: (c) => c.host.tRelay(c.msg, parseRelayTarget(c.args)),
  },
  t_relay_to_udp: {
    min: 0,
    max: 2,
    doc: 'stateful forwarding over UDP',
    run: (c) => c.host.tRelay(c.msg, parseRelayTarget(c.args, 'udp') ?? null),
  },
  t_relay_to_tcp: {
    min: 0,
    max: 2,
    doc: 'stateful forwarding over TCP',
    run: (c) => c.host.tRelay(c.msg, parseRelayTarget(c.args, 'tcp') ?? null),
  },
  forward: {
    min: 0,
    max: 2,
    doc: 'stateless forwarding (RFC 3261 §16.11)',
    run: (c) => c.host.forward(c.msg, parseRelayTarget(c.args)),
  },
  // --- replies
  sl_send_reply: {
    min: 2,
    max: 2,
    format: [1],
    doc: 'stateless reply',
    run: (c) => c.host.slSendReply(c.msg, int(c.args[0]), str(c.args[1])),
  },
  send_reply: {
    min: 2,
    max: 2,
    format: [1],
    doc: 'reply (stateful if a transaction exists)',
    run: (c) => c.host.slSendReply(c.msg, int(c.args[0]), str(c.args[1])),
  },
  t_reply: {
    min: 2,
    max: 2,
    format: [1],
    doc: 'reply within the transaction',
    run: (c) => c.host.tReply(c.msg, int(c.args[0]), str(c.args[1])),
  },
  sl_reply_error: {
    min: 0,
    max: 0,
    doc: 'reply 500 after an internal error',
    run: (c) => c.host.slSendReply(c.msg, 500, 'Server Internal Error'),
  },
  // --- header edits
  append_hf: {
    min: 1,
    max: 2,
    format: [0],
    doc: 'append a header field ("Name: value\\r\\n")',
    run: (c) => c.host.appendHf(c.msg, str(c.args[0]), opt(c.args[1])),
  },
  remove_hf: {
    min: 1,
    max: 1,
    doc: 'remove every header field with this name',
    run: (c) => c.host.removeHf(c.msg, str(c.args[0])),
  },
  // --- logging
  xlog: {
    min: 1,
    max: 2,
    format: [0, 1],
    doc: 'log a line with pseudo-variables expanded',
    run: (c) => {
      c.host.xlog(c.msg, c.args.length > 1 ? str(c.args[0]) : 'L_ERR', str(c.args[c.args.length - 1]));
      return 1;
    },
  },
  xdbg: { min: 1, max: 1, format: [0], doc: 'log at L_DBG', run: xlogLevel('L_DBG') },
  xinfo: { min: 1, max: 1, format: [0], doc: 'log at L_INFO', run: xlogLevel('L_INFO') },
  xnotice: { min: 1, max: 1, format: [0], doc: 'log at L_NOTICE', run: xlogLevel('L_NOTICE') },
  xwarn: { min: 1, max: 1, format: [0], doc: 'log at L_WARN', run: xlogLevel('L_WARN') },
  xerr: { min: 1, max: 1, format: [0], doc: 'log at L_ERR', run: xlogLevel('L_ERR') },
  xalert: { min: 1, max: 1, format: [0], doc: 'log at L_ALERT', run: xlogLevel('L_ALERT') },
  xcrit: { min: 1, max: 1, format: [0], doc: 'log at L_CRIT', run: xlogLevel('L_CRIT') },
  // --- NAT
  force_rport: {
    min: 0,
    max: 0,
    doc: 'reply to the source port (RFC 3581)',
    run: (c) => c.host.forceRport(c.msg),
  },
  add_rport: { min: 0, max: 0, doc: 'alias of force_rport', run: (c) => c.host.forceRport(c.msg) },
  nat_uac_test: {
    min: 1,
    max: 1,
    doc: 'nathelper NAT detection tests (bit flags)',
    run: (c) => c.host.natUacTest(c.msg, int(c.args[0])),
  },
  fix_nated_contact: {
    min: 0,
    max: 1,
    doc: 'rewrite Contact to the source address',
    run: (c) => c.host.fixNatedContact(c.msg),
  },
  fix_nated_register: {
    min: 0,
    max: 0,
    doc: 'store the source address with the REGISTER binding',
    run: (c) => c.host.fixNatedRegister(c.msg),
  },
  set_contact_alias: generic(0, 1, 1, 'add an alias parameter with the source address to Contact'),
  handle_ruri_alias: generic(0, 1, 1, 'route to the alias parameter of the Request-URI'),
  is_first_hop: generic(0, 0, 1, 'this proxy is the first hop'),
  rtpproxy_manage: generic(0, 2, 1, 'media relay (rtpproxy)'),
  rtpengine_manage: generic(0, 1, 1, 'media relay (rtpengine)'),
  // --- authentication
  www_authorize: {
    min: 2,
    max: 2,
    format: [0],
    doc: 'check WWW digest credentials (RFC 3261 §22.2)',
    run: (c) => c.host.wwwAuthorize(c.msg, str(c.args[0]), str(c.args[1])),
  },
  www_challenge: {
    min: 1,
    max: 2,
    format: [0],
    doc: 'send 401 with WWW-Authenticate',
    run: (c) => c.host.wwwChallenge(c.msg, str(c.args[0]), int(c.args[1])),
  },
  proxy_authorize: {
    min: 2,
    max: 2,
    format: [0],
    doc: 'check proxy digest credentials (RFC 3261 §22.3)',
    run: (c) => c.host.proxyAuthorize(c.msg, str(c.args[0]), str(c.args[1])),
  },
  proxy_challenge: {
    min: 1,
    max: 2,
    format: [0],
    doc: 'send 407 with Proxy-Authenticate',
    run: (c) => c.host.proxyChallenge(c.msg, str(c.args[0]), int(c.args[1])),
  },
  auth_check: {
    min: 2,
    max: 3,
    format: [0],
    doc: 'www_authorize for REGISTER, proxy_authorize otherwise',
    run: (c) =>
      c.host.isMethod(c.msg, ['REGISTER'])
        ? c.host.wwwAuthorize(c.msg, str(c.args[0]), str(c.args[1]))
        : c.host.proxyAuthorize(c.msg, str(c.args[0]), str(c.args[1])),
  },
  auth_challenge: {
    min: 1,
    max: 2,
    format: [0],
    doc: 'www_challenge for REGISTER, proxy_challenge otherwise',
    run: (c) =>
      c.host.isMethod(c.msg, ['REGISTER'])
        ? c.host.wwwChallenge(c.msg, str(c.args[0]), int(c.args[1]))
        : c.host.proxyChallenge(c.msg, str(c.args[0]), int(c.args[1])),
  },
  consume_credentials: generic(0, 0, 1, 'remove the used Authorization/Proxy-Authorization header'),
  allow_source_address: generic(0, 1, -1, 'the source address is in the permissions list'),
  // --- transaction module
  t_on_failure: {
    min: 1,
    max: 1,
    routeArg: { index: 0, kind: 'failure' },
    doc: 'arm failure_route[NAME]',
    run: (c) => (c.host.tOnFailure(c.msg, str(c.args[0])), 1),
  },
  t_on_reply: {
    min: 1,
    max: 1,
    routeArg: { index: 0, kind: 'onreply' },
    doc: 'arm onreply_route[NAME]',
    run: (c) => (c.host.tOnReply(c.msg, str(c.args[0])), 1),
  },
  t_on_branch: {
    min: 1,
    max: 1,
    routeArg: { index: 0, kind: 'branch' },
    doc: 'arm branch_route[NAME]',
    run: (c) => (c.host.tOnBranch(c.msg, str(c.args[0])), 1),
  },
  t_check_status: {
    min: 1,
    max: 1,
    doc: 'the transaction reply code matches the regex',
    run: (c) => {
      const pattern = str(c.args[0]);
      let re = statusRegexCache.get(pattern);
      if (re === undefined) {
        const r = compileScriptRegex(`^(${pattern})$`);
        re = r.ok ? r.re : r.error;
        if (statusRegexCache.size >= 256) statusRegexCache.clear();
        statusRegexCache.set(pattern, re);
      }
      if (typeof re === 'string') {
        c.note(re);
        return -1;
      }
      return testScriptRegex(re, str(c.host.getPv('T_reply_code', null, c.msg)));
    },
  },
  t_load_contacts: {
    min: 0,
    max: 1,
    doc: 'order branches by q-value (serial forking)',
    run: (c) => c.host.tLoadContacts(c.msg),
  },
  t_next_contacts: {
    min: 0,
    max: 0,
    doc: 'take the next q-value group of branches',
    run: (c) => c.host.tNextContacts(c.msg),
  },
  t_check_trans: generic(0, 0, -1, 'the request belongs to an existing transaction'),
  t_precheck_trans: generic(0, 0, -1, 'another process is handling this transaction'),
  t_newtran: generic(0, 0, 1, 'create the server transaction now'),
  t_release: generic(0, 0, 1, 'release the transaction'),
  t_is_set: generic(1, 1, -1, 'a t_on_* route is armed'),
  t_is_canceled: generic(0, 0, -1, 'the transaction was cancelled'),
  t_is_branch_route: generic(0, 0, -1, 'running in a branch_route'),
  t_set_fr: generic(1, 2, 1, 'set final-response timers (fr_inv_timer, fr_timer) in ms'),
  // --- flags (kept in ScriptState)
  setflag: { min: 1, max: 1, doc: 'set a transaction flag', run: flagOp('flags', 'set') },
  resetflag: { min: 1, max: 1, doc: 'reset a transaction flag', run: flagOp('flags', 'reset') },
  isflagset: { min: 1, max: 1, doc: 'test a transaction flag', run: flagOp('flags', 'test') },
  setbflag: { min: 1, max: 2, doc: 'set a branch flag', run: flagOp('bflags', 'set') },
  resetbflag: { min: 1, max: 2, doc: 'reset a branch flag', run: flagOp('bflags', 'reset') },
  isbflagset: { min: 1, max: 2, doc: 'test a branch flag', run: flagOp('bflags', 'test') },
  // --- Request-URI / destination rewriting
  setdsturi: {
    min: 1,
    max: 1,
    format: [0],
    doc: 'set $du',
    run: (c) => c.host.setPv('du', null, str(c.args[0]), c.msg),
  },
  resetdsturi: { min: 0, max: 0, doc: 'clear $du', run: (c) => c.host.setPv('du', null, null, c.msg) },
  rewriteuri: {
    min: 1,
    max: 1,
    format: [0],
    doc: 'set $ru',
    run: (c) => c.host.setPv('ru', null, str(c.args[0]), c.msg),
  },
  seturi: {
    min: 1,
    max: 1,
    format: [0],
    doc: 'set $ru',
    run: (c) => c.host.setPv('ru', null, str(c.args[0]), c.msg),
  },
  rewritehost: {
    min: 1,
    max: 1,
    format: [0],
    doc: 'set $rd',
    run: (c) => c.host.setPv('rd', null, str(c.args[0]), c.msg),
  },
  sethost: {
    min: 1,
    max: 1,
    format: [0],
    doc: 'set $rd',
    run: (c) => c.host.setPv('rd', null, str(c.args[0]), c.msg),
  },
  strip: {
    min: 1,
    max: 1,
    doc: 'remove N leading characters of $rU',
    run: (c) => c.host.setPv('rU', null, str(c.host.getPv('rU', null, c.msg)).slice(int(c.args[0])), c.msg),
  },
  prefix: {
    min: 1,
    max: 1,
    format: [0],
    doc: 'prepend to $rU',
    run: (c) => c.host.setPv('rU', null, str(c.args[0]) + str(c.host.getPv('rU', null, c.msg)), c.msg),
  },
  // --- dispatcher (load balancing and failover over destination sets)
  ds_select_dst: dispatcher(
    2,
    3,
    'select a destination of a set into $du (alg 0-3 hash, 4 round robin, 8 priority, 9 weight...)',
    [0, 1, 2],
  ),
  ds_select_domain: dispatcher(
    2,
    3,
    "select a destination of a set into the Request-URI's host:port",
    [0, 1, 2],
  ),
  ds_select: dispatcher(
    2,
    3,
    'select destinations of a set for ds_next_dst/ds_next_domain, changing nothing yet',
    [0, 1, 2],
  ),
  ds_next_dst: dispatcher(0, 0, 'the next destination of the selection into $du (failover)'),
  ds_next_domain: dispatcher(0, 0, "the next destination of the selection into the Request-URI's host:port"),
  ds_set_dst: dispatcher(0, 0, 'the current destination of the selection into $du'),
  ds_set_domain: dispatcher(
    0,
    0,
    "the current destination of the selection into the Request-URI's host:port",
  ),
  ds_mark_dst: dispatcher(
    0,
    1,
    'mark the destination in use: a active, i inactive, t trying, d disabled; p probing',
    [0],
  ),
  ds_is_from_list: dispatcher(0, 3, 'the source address (or a URI) is a destination of a set', [2]),
  ds_list_exists: dispatcher(1, 1, 'the destination set exists', [0]),
  ds_list_exist: dispatcher(1, 1, 'alias of ds_list_exists', [0]),
  ds_is_active: dispatcher(1, 2, 'the set has an active destination (or this URI is active)', [1]),
  // --- sanity and housekeeping
  sanity_check: generic(0, 2, 1, 'RFC 3261 sanity checks of the request'),
  set_reply_no_connect: generic(0, 0, 1, 'do not open a new connection for replies'),
  set_forward_no_connect: generic(0, 0, 1, 'do not open a new connection for forwarding'),
  msg_apply_changes: generic(0, 0, 1, 'apply pending header changes now'),
  pike_check_req: generic(0, 0, 1, 'flood detection'),
};

/** Runs catalogued function `name` (the caller checked that it exists). */
export function callFunction<M>(name: string, ctx: CallContext<M>): ScriptResult {
  const spec = FUNCTIONS[name]!;
  currentName = name;
  return spec.run(ctx);
}

/** {@link callFunction} of one name, its catalogue entry looked up once (compiled scripts). */
export function functionRunner<M>(name: string): (ctx: CallContext<M>) => ScriptResult {
  const spec = FUNCTIONS[name]!;
  return (ctx) => {
    currentName = name;
    return spec.run(ctx);
  };
}

/** Pseudo-variable classes the loader accepts (`$name` or `$name(arg)`). */
export const KNOWN_PVS: ReadonlySet<string> = new Set([
  'rm',
  'ru',
  'rU',
  'rd',
  'rp',
  'rP',
  'rt',
  'rz',
  'rv',
  'ruid',
  'fu',
  'fU',
  'fd',
  'fn',
  'ft',
  'tu',
  'tU',
  'td',
  'tn',
  'tt',
  'si',
  'sp',
  'Ri',
  'Rp',
  'RAi',
  'RAp',
  'ci',
  'cs',
  'ct',
  'cT',
  'cl',
  'rs',
  'rr',
  'du',
  'ds',
  'ua',
  'mb',
  'ml',
  'mt',
  'mi',
  'mf',
  'mF',
  'bf',
  'bF',
  'pr',
  'proto',
  'hdr',
  'hdrc',
  'hfl',
  'var',
  'avp',
  'xavp',
  'null',
  'rc',
  'retcode',
  'T_branch_idx',
  'T_reply_code',
  'T_reply_reason',
  'br',
  'bR',
  'au',
  'ar',
  'ad',
  'adu',
  'aU',
  'Au',
  'sel',
  'ai',
  'pU',
  'pd',
  'pu',
  're',
  'od',
  'op',
  'ou',
  'oU',
  'Tf',
  'Ts',
  'TV',
  'snd',
  'rb',
]);
