/**
 * A SIP proxy (RFC 3261 §16) driven by a routing script: stateless (`forward()`, §16.11) or
 * transaction-stateful (`t_relay()`), 100 Trying, Max-Forwards (483) and loop detection (482,
 * §16.3 step 4), Record-Route and loose routing (§16.4, strict routers §16.12), parallel and
 * serial forking with CANCEL of the other branches and best-response selection (§16.7), Timer C /
 * `fr_inv_timer`, failure_route/onreply_route; plus the registrar (`save`), location (`lookup`),
 * digest authentication (`www_*`, `proxy_*`) and nathelper functions the script calls.
 */
import { parseMessage, type SipMessage } from '../message';
import { MessagePatch, withoutFirstViaLine } from './message-patch';
import { ForwardEdits } from './forward-edits';
import {
  F_BRANCH,
  F_TOTAG,
  F_URI,
  FieldIndex,
  K_ROUTE,
  fnvStr,
  hasKeyField,
  hex8,
  flatConcat,
  loopMarkOf,
  keyFieldFnv,
  keyFieldsHash,
  keyFieldStartsWith,
  keyText,
  methodOf,
} from './msg-index';
import { verifyDigest } from '../message/digest';
import { buildChallenge } from '../message/digest';
import type {
  LoadedScript,
  RelayTarget,
  ScriptHost,
  ScriptResult,
  ScriptState,
  ScriptValue,
} from '../script';
import { ScriptInterpreter, newScriptState } from '../script';
import type { RunOptions, ScriptRun } from '../script';
import type { Micros, TimerHandle, TimerTarget } from '../stack/clock';
import { MS, SECOND } from '../stack/clock';
import type { Transport, TransportAddress } from '../stack/transport';
import { CallbackTu, type ElementEnv, SipElement, encodeMessage, topViaValue } from './element';
import { type Binding, LocationService } from './registrar';
import {
  firstCommaValue,
  fnv1aHex,
  isPrivateIpv4,
  nameAddrUri,
  paramOf,
  responseRank,
  uriParts,
  viaParts,
} from './sip-util';
import type { ClientTransaction, ServerTransaction } from './element';
import {
  DS_ALGORITHMS,
  Dispatcher,
  type DsDestination,
  type DsList,
  type DsRequestKeys,
  type DsSelection,
  dsParamsOf,
  dsSkipped,
  dsStateText,
  dsStateWords,
} from './dispatcher';
import type { TransactionInfo } from '../stack/transaction';
import { MediaRelay, type MediaRelayOptions, type RelayPort, type RelaySessionInfo } from './media-relay';

export interface ProxyConfig {
  script: LoadedScript;
  /** Domains and aliases this proxy is responsible for (`myself`). */
  domains: string[];
  /** Digest users (username → password) for www_/proxy_authorize. */
  users?: Record<string, string>;
  /** A nonce every authorize accepts (a cached challenge, RFC 3665 §2.2). */
  staticNonce?: string;
  location?: LocationService;
  /** Where the 100 Trying to an INVITE goes relative to the forwarded INVITE (default 'after'). */
  trying?: 'before' | 'after';
  /** RFC 3261 §16.3 step 4 (default true). */
  loopDetection?: boolean;
  /** Binds a UDP port on this proxy's address, for the media relay (`rtpproxy_manage()`); null: taken. */
  bindMedia?: (port: number) => RelayPort | null;
  /** The media relay's bounds and reports (./media-relay.ts; defaults: the simulator's). */
  mediaRelay?: MediaRelayOptions;
  /** The dispatcher module's destination sets (the node's `dispatcher:` list); absent: no ds_* functions. */
  dispatcher?: DsList;
}

/** One forked branch of a stateful transaction. */
interface Branch {
  txn: ProxyTxn;
  index: number;
  uri: string;
  client: ClientTransaction | null;
  dest: TransportAddress;
  bytes: Uint8Array;
  status: number;
  final: SipMessage | null;
  provisional: boolean;
  cancelled: boolean;
  done: boolean;
  timerC: TimerHandle | null;
}

/** What a branch's timer does when it fires (BranchState.onTimer codes). */
const T_TIMER_C = 0;
const T_FR = 1;

/**
 * A {@link Branch} that is also the target of its Timer C / fr_timer: the clock calls
 * `onTimer(code)` instead of a closure per timer.
 */
class BranchState implements Branch, TimerTarget {
  client: ClientTransaction | null = null;
  status = 0;
  final: SipMessage | null = null;
  provisional = false;
  cancelled = false;
  done = false;
  timerC: TimerHandle | null = null;
  constructor(
    private readonly proxy: Proxy,
    readonly txn: ProxyTxn,
    readonly index: number,
    readonly uri: string,
    public dest: TransportAddress,
    public bytes: Uint8Array,
  ) {}
  onTimer(code: number): void {
    this.proxy.onBranchTimer(this, code);
  }
}

/** The per-transaction proxy state (Kamailio's "tm" cell). */
interface ProxyTxn {
  server: ServerTransaction | null;
  /**
   * Where a settled INVITE's server transaction sent its responses: once settled with no request
   * kept, more 2xx from the branches go there (the transaction objects are let go, see settle).
   */
  upstream: TransportAddress | null;
  /** The request and the script's context; null once settled (see {@link Proxy.settle}). */
  ctx: ProxyMsg | null;
  branches: Branch[];
  failureRoute: string | null;
  replyRoute: string | null;
  branchRoute: string | null;
  state: ScriptState;
  finalSent: boolean;
  serial: Binding[][];
  toTag: string;
  inFailure: boolean;
  cancelled: boolean;
  /** When the request arrived: a non-INVITE's upstream client retransmits until 64*T1 after it. */
  started: Micros;
}

/** `values('route')`: every Route value in order, from the parser's index. */
function routeValues(msg: SipMessage): string[] {
  const out: string[] = [];
  const fx = routeFields.of(msg);
  const n = fx.count;
  for (let i = 0; i < n; i++) if (fx.id(i) === K_ROUTE) fx.listValues(i, out);
  return out;
}
const routeFields = new FieldIndex();

/** What the script runs on: the received message plus the edits and routing decisions so far. */
export class ProxyMsg {
  /**
   * The edits to the received request, applied as byte splices when it is forwarded (made on first
   * use; the usual forwarding edits kept in {@link fast} until then are moved to it).
   */
  get editor(): MessagePatch {
    if (this.patch === null) {
      this.patch = new MessagePatch(this.msg);
      if (this.fastEdits !== null) this.fastEdits.replayInto(this.patch);
    }
    return this.patch;
  }
  private patch: MessagePatch | null = null;
  /** The usual forwarding edits while no other edit needed a MessagePatch (made on first use). */
  get fast(): ForwardEdits | null {
    if (this.patch !== null) return null;
    return (this.fastEdits ??= new ForwardEdits(this.msg));
  }
  private fastEdits: ForwardEdits | null = null;
  /** Lets go of the edits (the transaction is over: the request is not forwarded again). */
  releaseEditor(): void {
    this.patch = null;
    if (this.fastEdits !== null) this.fastEdits.drop();
  }
  /** Max-Forwards was processed (mf_process_maxfwd_header or the relay's own decrement). */
  maxForwardsDone = false;
  /** The received top Via got its received/rport (or the request was forwarded once). */
  viaMarked = false;
  /** Our Record-Route was inserted. */
  recordRouteAdded = false;
  ruri: string;
  du: string | null = null;
  routes: string[];
  recordRoute = false;
  extraBranches: { uri: string; du: string | null }[] = NO_EXTRA;
  /** A reply the script runs on (onreply/failure routes), its edits and where it came from. */
  reply: SipMessage | null = null;
  replyEditor: MessagePatch | null = null;
  replySource: TransportAddress | null = null;
  /** rtpproxy_manage()/rtpengine_manage() was called: relay the media of this call. */
  mediaRelay = false;
  replyStatus = 0;
  txn: ProxyTxn | null = null;
  failureRoute: string | null = null;
  replyRoute: string | null = null;
  branchRoute: string | null = null;
  forceRport = false;
  /** `t_set_fr(fr_inv, fr)`: this transaction's fr_inv_timer / fr_timer (null: the modparams'). */
  frInv: Micros | null = null;
  fr: Micros | null = null;
  natReceived: TransportAddress | null = null;
  replied = false;
  relayed = false;
  serial: Binding[][] | null = null;
  /** The dispatcher's selection (ds_select_dst...) that ds_next_dst walks (Kamailio's `_dsdst_` XAVPs). */
  ds: DsSelection | null = null;
  /** Flags, $var and $avp of this request, kept with its transaction (Kamailio semantics). */
  state: ScriptState = newScriptState();

  /** The request's method (`methodOf`), read once. */
  readonly method: string | null;
  /** The Request-URI it came with. */
  readonly receivedRuri: string | null;
  /** `z9hG4bK<loop hash>.`: the start of every branch this request is forwarded with (made on first use). */
  loopMark: string | null = null;

  constructor(
    readonly msg: SipMessage,
    readonly source: TransportAddress,
    method?: string | null,
  ) {
    this.method = method === undefined ? methodOf(msg) : method;
    this.receivedRuri = keyText(msg, F_URI);
    this.ruri = this.receivedRuri ?? '';
    this.routes = msg.routeCount ? routeValues(msg) : NO_ROUTES;
  }
}

const dec = new TextDecoder();
const NO_BYTES = new Uint8Array(0);
/** Shared empty lists (frozen: the code that changes these lists replaces them, never pushes). */
const NO_EXTRA = Object.freeze([]) as unknown as { uri: string; du: string | null }[];
const NO_ROUTES = Object.freeze([]) as unknown as string[];
const NO_GROUPS: Binding[][] = [];
/** The script state of every settled transaction (no script runs on one any more). */
const SETTLED_STATE: ScriptState = newScriptState();

/** The branch a client transaction was started for (its userData; see Proxy.settle for what replaces it). */
function branchOf(tx: TransactionInfo): Branch {
  return (tx as ClientTransaction).userData as Branch;
}

export class Proxy extends SipElement implements ScriptHost<ProxyMsg> {
  readonly interp: ScriptInterpreter<ProxyMsg>;
  readonly location: LocationService;
  private readonly myHosts: Set<string>;
  /** The `domains` and `alias`es: on any port (null) or on these ports. */
  private readonly aliasPorts = new Map<string, Set<number> | null>();
  private readonly nonces = new Set<string>();
  private readonly slTagPrefix: string;
  private readonly frInv: Micros | null;
  private readonly fr: Micros | null;
  /** Script runs (kept only when events are on), newest last. */
  readonly runs: ScriptRun[] = [];
  private record: boolean;
  /** The dispatcher module, when the node has a destination list. */
  readonly dispatcher: Dispatcher | null;

  constructor(
    env: ElementEnv,
    transport: Transport,
    readonly config: ProxyConfig,
  ) {
    super(env, transport);
    this.interp = new ScriptInterpreter(config.script, this);
    this.location = config.location ?? new LocationService(env.node, env.events);
    this.myHosts = new Set([
      transport.local.host.toLowerCase(),
      ...config.domains.map((d) => d.toLowerCase()),
    ]);
    for (const d of config.domains) this.aliasPorts.set(d.toLowerCase(), null);
    for (const g of config.script.globals)
      if (g.name === 'alias') {
        const [h, p] = String(g.value).replace(/^"|"$/g, '').split(':');
        const host = h!.toLowerCase();
        this.myHosts.add(host);
        // Kamailio: an alias without a port is this server on any port; with one, on that port
        if (p === undefined || !Number(p)) this.aliasPorts.set(host, null);
        else if (this.aliasPorts.get(host) !== null)
          this.aliasPorts.set(host, new Set([...(this.aliasPorts.get(host) ?? []), Number(p)]));
      }
    this.slTagPrefix = `sl${fnv1aHex(env.node).slice(0, 4)}`;
    // (a value a timer cannot take — text, 0, negative — leaves the default, as t_set_fr's does)
    const mp = (mod: string, name: string): Micros | null => {
      const p = config.script.modparams.find((m) => m.module === mod && m.param === name);
      const ms = p ? timerMs(p.value) : 0;
      return ms > 0 ? ms * MS : null;
    };
    this.frInv = mp('tm', 'fr_inv_timer');
    this.fr = mp('tm', 'fr_timer');
    this.rportInVia = false;
    this.record = env.events.enabled;
    this.dispatcher = null;
    if (config.dispatcher) {
      const ds = new Dispatcher(
        config.dispatcher,
        dsParamsOf(config.script.modparams),
        () => Number.parseInt(env.ids.token(8), 16) / 0x100000000 || 0,
      );
      this.dispatcher = ds;
      // the list as loaded: the scenario player's state panel starts from it, then follows the changes
      if (env.events.enabled) {
        const sets = ds.snapshot();
        this.events.emit({
          time: this.clock.now(),
          node: this.node,
          kind: 'dispatcher',
          text: `dispatcher list: ${sets
            .map((s) => `set ${s.set}: ${s.destinations.map((d) => `${d.uri} ${d.state}`).join(', ')}`)
            .join('; ')}`,
          data: { module: 'dispatcher', sets },
        });
      }
      // ds_ping_interval: probe rounds on the element's clock (virtual in the simulator)
      if (ds.params.pingInterval > 0)
        this.clock.schedule(ds.params.pingInterval * SECOND, () => this.dsProbeRound(), 'ds_ping_interval');
    }
  }

  get recordRouteUri(): string {
    const a = this.transport.local;
    return `<sip:${a.host}:${a.port};lr>`;
  }

  /** `Record-Route: <recordRouteUri>` and CRLF as bytes (what addHeader writes for it), made again if the URI changes. */
  private recordRouteLine(): Uint8Array {
    const a = this.transport.local;
    if (a.host !== this.rrHost || a.port !== this.rrPort) {
      this.rrHost = a.host;
      this.rrPort = a.port;
      const uri = this.recordRouteUri;
      this.rrLine = new TextEncoder().encode(`Record-Route: ${uri.replace(/[\r\n]+[ \t]*/g, ' ')}\r\n`);
    }
    return this.rrLine;
  }
  private rrHost = '';
  private rrPort = -1;
  private rrLine = new Uint8Array(0);

  // ------------------------------------------------------------------ dispatch

  protected onRequest(msg: SipMessage, source: TransportAddress): void {
    // sl module: an ACK to one of our stateless replies is absorbed.
    const method = methodOf(msg);
    if (
      method === 'ACK' &&
      hasKeyField(msg, F_TOTAG, true) &&
      keyFieldStartsWith(msg, F_TOTAG, this.slTagPrefix)
    )
      return;
    // the relayed call ends: its media ports close (rtpproxy's delete on BYE and CANCEL)
    if (this.mediaRelay !== null && (method === 'BYE' || method === 'CANCEL') && msg.callId !== null)
      this.mediaRelay.end(msg.callId, method);
    const ctx = new ProxyMsg(msg, source, method);
    // RFC 3261 §16.3 step 4: loop detection.
    if (this.config.loopDetection !== false && method !== 'ACK' && method !== 'CANCEL' && this.isLoop(ctx)) {
      this.slSendReply(ctx, 482, 'Loop Detected');
      return;
    }
    if (!this.record) {
      // nothing keeps the result: one options object and one result serve every request
      const o = this.quietRun;
      o.state = ctx.state;
      this.interp.runRequest(ctx, o);
      o.state = undefined;
      return;
    }
    const run = this.interp.runRequest(ctx, { record: true, state: ctx.state });
    this.noteRun(run, ctx);
  }

  /** Options of an unrecorded request_route run, with the result object it fills. */
  private readonly quietRun: RunOptions = {
    record: false,
    state: undefined,
    into: { kind: 'request', name: '', outcome: 'end', returnCode: 1, records: [], steps: 0 },
  };

  private noteRun(run: ScriptRun, ctx: ProxyMsg): void {
    if (!this.record) return;
    this.runs.push(run);
    const lines = lineList(run.records.map((r) => r.line));
    const m = ctx.reply ? `${ctx.reply.status} ${ctx.reply.cseqMethod}` : `${ctx.msg.method}`;
    this.events.emit({
      time: this.clock.now(),
      node: this.node,
      kind: 'script',
      text: `${run.kind === 'request' ? 'request_route' : `${run.kind}_route[${run.name}]`} on ${m}: ${run.outcome}, lines ${lines}`,
      data: {
        route: run.kind,
        name: run.name,
        outcome: run.outcome,
        callId: ctx.msg.callId,
        method: ctx.msg.method,
        status: ctx.reply?.status ?? null,
        statements: run.records.map((r) => ({ line: r.line, text: r.text, result: r.result })),
      },
    });
  }

  /**
   * `z9hG4bK` + FNV-1a of `${requestUri}|${fromTag}|${toTag}|${callId}|${cseq}` as 8 hex digits + `.`
   * (§16.6 step 8), made once per request.
   */
  private loopMark(ctx: ProxyMsg): string {
    return (ctx.loopMark ??= loopMarkOf(keyFieldsHash(ctx.msg)));
  }

  private isLoop(ctx: ProxyMsg): boolean {
    const msg = ctx.msg;
    if (msg.viaCount < 2) return false;
    const mark = this.loopMark(ctx);
    const me = this.sentBy.toLowerCase();
    for (const v of msg.values('via')) {
      const p = viaParts(v);
      if (`${p.host}:${p.port ?? 5060}` === me && (paramOf(p.params, 'branch') ?? '').startsWith(mark))
        return true;
    }
    return false;
  }

  // ------------------------------------------------------------------ forwarding (§16.6)

  /** Next hop of a request: $du, else the top Route, else the Request-URI (§16.6 step 7). */
  private nextHop(
    ctx: ProxyMsg,
    uri: string,
    du: string | null,
    target: RelayTarget | null,
  ): TransportAddress {
    if (target) return this.uriDestination(target.host, target.port);
    const hop = du ?? (ctx.routes.length ? nameAddrUri(ctx.routes[0]!) : uri);
    const u = uriParts(hop);
    return this.uriDestination(u.host, u.port);
  }

  /** Builds the forwarded request for one branch (§16.6 steps 2–8). */
  private forwardBytes(ctx: ProxyMsg, uri: string, branch: string): Uint8Array {
    this.addRecordRoute(ctx);
    ctx.viaMarked = true;
    // our Via (§16.6 step 8): its constant part as bytes, then the branch; the usual edits written
    // straight from the received bytes while no other edit needed a patch
    const fast = ctx.fast;
    const bytes = fast ? fast.toBytes(uri, ctx.receivedRuri, this.viaHeadBytes(), branch) : null;
    if (bytes !== null) return bytes;
    const ed = ctx.editor;
    if (uri !== ed.currentRequestUri) ed.setRequestUri(uri);
    return ed.toBytes(branch, this.viaHeadBytes());
  }

  /** §16.6 step 3: Max-Forwards decremented. */
  private decrementMaxForwards(ctx: ProxyMsg): void {
    const fast = ctx.fast;
    if (!fast || !fast.decrementMaxForwards()) ctx.editor.decrementMaxForwards();
  }

  private prepare(ctx: ProxyMsg): boolean {
    if (ctx.maxForwardsDone) {
      if (!ctx.viaMarked) this.markReceived(ctx);
      return true;
    }
    // §16.6 step 3 / §16.3 step 3: Max-Forwards 0 → 483.
    if (ctx.msg.maxForwards === 0) {
      this.slSendReply(ctx, 483, 'Too Many Hops');
      return false;
    }
    this.decrementMaxForwards(ctx);
    ctx.maxForwardsDone = true;
    this.markReceived(ctx);
    return true;
  }

  /** RFC 3261 §16.6 step 4: our Record-Route (once per request). */
  private addRecordRoute(ctx: ProxyMsg): void {
    if (ctx.recordRoute && !ctx.recordRouteAdded) {
      ctx.recordRouteAdded = true;
      const line = this.recordRouteLine();
      const fast = ctx.fast;
      if (!fast || !fast.addRecordRoute(line)) ctx.editor.addHeaderBytes('Record-Route', line, 'top');
    }
  }

  /** RFC 3261 §18.2.1 / RFC 3581 §4: the forwarded request carries received/rport in the Via we got. */
  private markReceived(ctx: ProxyMsg): void {
    // Record-Route first: fields of a new name go to the top, so the Vias inserted next stay above it.
    this.addRecordRoute(ctx);
    const saved = this.alwaysRport;
    this.alwaysRport = ctx.forceRport;
    // the new Via line as bytes when the top Via is one plain value, else as a string
    const line = this.receivedViaLine(ctx.msg, ctx.source);
    let top = '';
    let v = '';
    if (line === null) {
      top = topViaValue(ctx.msg);
      v = this.receivedViaOf(ctx.msg, top, ctx.source);
    }
    this.alwaysRport = saved;
    ctx.viaMarked = true;
    if (line === undefined || (line === null && v === top)) return;
    if (line) {
      const fast = ctx.fast;
      if (fast && fast.replaceTopVia(line)) return;
    }
    ctx.editor.removeFirstValue('via');
    if (line) ctx.editor.addHeaderBytes('Via', line, 'top');
    else ctx.editor.addHeader('Via', v, 'top');
  }

  /** Stateless forwarding (RFC 3261 §16.11): the branch is a hash of the incoming one. */
  forward(ctx: ProxyMsg, target: RelayTarget | null): ScriptResult {
    if (!this.prepare(ctx)) return -1;
    // fnv1aHex(`${branch}|${ruri}`) without the concatenated string
    const h = fnvStr(Math.imul(keyFieldFnv(ctx.msg, F_BRANCH) ^ 124, 0x01000193) >>> 0, ctx.ruri);
    const branch = flatConcat(this.loopMark(ctx), hex8(h), '');
    const bytes = this.forwardBytes(ctx, ctx.ruri, branch);
    this.transport.send(bytes, this.nextHop(ctx, ctx.ruri, ctx.du, target));
    ctx.relayed = true;
    return 1;
  }

  /** Stateless forwarding of a response (§16.11 / §16.7 step 3): remove our Via, send to the next one. */
  protected override onStrayResponse(msg: SipMessage, _source: TransportAddress): void {
    const vias = msg.values('via');
    if (vias.length < 2) return;
    const top = viaParts(vias[0]!);
    if (`${top.host}:${top.port ?? 5060}` !== this.sentBy.toLowerCase()) return;
    const ctx = new ProxyMsg(msg, _source);
    ctx.reply = msg;
    ctx.replyStatus = msg.status ?? 0;
    if (this.interp.has('reply')) {
      const run = this.interp.runReply(ctx, undefined, { record: this.record });
      this.noteRun(run, ctx);
      if (run.outcome === 'drop') return;
    }
    const ed = new MessagePatch(msg);
    ed.removeFirstValue('via');
    const next = viaParts(vias[1]!);
    const rec = paramOf(next.params, 'received');
    const rport = paramOf(next.params, 'rport');
    const dest = {
      host: rec || next.host,
      port: rport ? Number(rport) : (next.port ?? 5060),
      transport: this.transport.local.transport,
    };
    this.transport.send(ed.toBytes(), dest);
  }

  /** Stateful relay (`t_relay()`): creates (or reuses) the transaction and forks to every branch. */
  tRelay(ctx: ProxyMsg, target: RelayTarget | null): ScriptResult {
    const method = ctx.method;
    if (method === 'ACK') return this.forward(ctx, target); // ACK for 2xx: stateless (§16.7 step 10 note)
    if (method === 'CANCEL') return this.relayCancel(ctx, target);
    if (ctx.txn && ctx.txn.inFailure) return this.relayFromFailure(ctx, target);
    if (!this.prepare(ctx)) return -1;
    const txn = this.newTxn(ctx);
    // the branches as the script left them (a branch_route may change the context)
    const ruri = ctx.ruri;
    const du = ctx.du;
    const extra = ctx.extraBranches;
    ctx.extraBranches = NO_EXTRA;
    const trying = method === 'INVITE' && txn.server && txn.server.lastStatus === null;
    if (trying && (this.config.trying ?? 'after') === 'before') this.send100(txn);
    this.startBranch(txn, ruri, du, target);
    for (const b of extra) this.startBranch(txn, b.uri, b.du, target);
    if (trying && (this.config.trying ?? 'after') === 'after') this.send100(txn);
    ctx.relayed = true;
    return 1;
  }

  private send100(txn: ProxyTxn): void {
    const s = txn.server;
    const ctx = txn.ctx!; // a transaction being relayed is not settled
    if (s && s.lastStatus === null) s.respond(this.makeResponse(ctx.msg, ctx.source, 100), 100);
  }

  private newTxn(ctx: ProxyMsg): ProxyTxn {
    if (ctx.txn) return ctx.txn;
    const saved = this.alwaysRport;
    this.alwaysRport = ctx.forceRport;
    const server = this.table.matchRequest(ctx.msg) ?? this.serverTransaction(ctx.msg, ctx.source);
    this.alwaysRport = saved;
    const txn: ProxyTxn = {
      server,
      upstream: null,
      ctx,
      branches: [],
      failureRoute: ctx.failureRoute,
      replyRoute: ctx.replyRoute,
      branchRoute: ctx.branchRoute,
      state: ctx.state,
      finalSent: false,
      serial: ctx.serial ?? NO_GROUPS,
      toTag: `${this.ids.tag()}`,
      inFailure: false,
      cancelled: false,
      started: this.clock.now(),
    };
    server.userData = txn;
    ctx.txn = txn;
    return txn;
  }

  private startBranch(txn: ProxyTxn, uri: string, du: string | null, target: RelayTarget | null): void {
    const ctx = txn.ctx!; // branches start before the transaction settles
    const index = txn.branches.length;
    if (txn.branchRoute) {
      const run = this.interp.runBranch(txn.branchRoute, ctx, { record: this.record, state: txn.state });
      this.noteRun(run, ctx);
      if (run.outcome === 'drop') return;
    }
    const branch = flatConcat(this.loopMark(ctx), this.ids.token(8), String(index));
    const bytes = this.forwardBytes(ctx, uri, branch);
    const dest = this.nextHop(ctx, uri, du, target);
    const b = new BranchState(this, txn, index, uri, dest, bytes);
    txn.branches.push(b);
    const method = ctx.method ?? '';
    b.client = this.clientTransaction(bytes, branch, method, dest, this.branchTu, b);
    // Kamailio's fr_timer: an INVITE branch with no response at all within it, a non-INVITE branch
    // with no final response (a provisional does not stop it), ends with a 408 of its own.
    const fr = ctx.fr ?? this.fr;
    if (fr !== null) b.timerC = this.clock.scheduleTarget(fr, b, T_FR, 'fr_timer');
  }

  /** A branch's Timer C / fr_inv_timer (T_TIMER_C) or fr_timer (T_FR) fired. @internal */
  onBranchTimer(b: BranchState, code: number): void {
    if (code === T_TIMER_C) {
      this.onTimerC(b.txn, b);
      return;
    }
    b.timerC = null;
    if (b.done) return;
    const c = b.client;
    if (c !== null && c.kind !== 'invite-client') {
      // Kamailio's tm: a non-INVITE branch's request is not resent after its fr_timer (Timer F's
      // role at 64*T1 taken by a shorter, configured wait).
      if (this.events.enabled)
        this.events.emit({
          time: this.clock.now(),
          node: this.node,
          kind: 'timer',
          text: `fr_timer: no final response to ${c.method} on branch ${b.index}, the branch ends (408)`,
          data: { timer: 'fr_timer' },
        });
      c.terminate('fr_timer fired');
      this.onBranchFinal(b.txn, b, 408, null);
      return;
    }
    if (!b.provisional) {
      if (c !== null) c.terminate();
      this.onBranchFinal(b.txn, b, 408, null);
    }
  }

  /**
   * The user of every branch's client transaction: the branch is the transaction's userData (once
   * its INVITE is settled with no request kept: the address 2xx go up to, see settle).
   */
  private readonly branchTu = new CallbackTu(
    (tx, m) => {
      const u = (tx as ClientTransaction).userData;
      if (u !== null && typeof u === 'object' && !('txn' in u)) {
        this.forwardSettled2xx(m, u as TransportAddress);
        return;
      }
      const b = branchOf(tx);
      this.onBranchResponse(b.txn, b, m);
    },
    (tx) => {
      const b = branchOf(tx);
      // (a settled INVITE's branch: final already, nothing to do)
      if (b !== null && 'txn' in b) this.onBranchFinal(b.txn, b, 408, null);
    },
    (tx) => {
      const b = branchOf(tx);
      if (b !== null && 'txn' in b) this.onBranchFinal(b.txn, b, 503, null);
    },
  );

  private onBranchResponse(txn: ProxyTxn, b: Branch, m: SipMessage): void {
    const status = m.status ?? 0;
    const ctx = txn.ctx;
    if (ctx === null) {
      // settled: the final response is sent and no reply route runs; only more 2xx go up
      if (status >= 200) this.onBranchFinal(txn, b, status, m);
      return;
    }
    if (status < 200) {
      if (!b.provisional) {
        b.provisional = true;
        // RFC 3261 §16.6 step 11 Timer C (> 3 min), or Kamailio's fr_inv_timer for INVITE (a
        // non-INVITE branch keeps its fr_timer).
        if (ctx.method === 'INVITE') {
          if (b.timerC !== null) this.clock.cancel(b.timerC);
          const frInv = ctx.frInv ?? this.frInv;
          b.timerC = this.clock.scheduleTarget(
            frInv ?? 180_000 * MS,
            b as BranchState, // (startBranch makes every branch)
            T_TIMER_C,
            frInv !== null ? 'fr_inv_timer' : 'Timer C',
          );
        }
        if (b.cancelled || txn.cancelled) this.cancelBranch(txn, b);
      }
      if (status === 100) return; // §16.7 step 3: 100 is not forwarded
      if (m.viaCount < 2) {
        this.noViaLeft(m);
        return;
      }
      const ed = this.replyRoute(txn, m, b.dest);
      if (ed === null) return;
      if (!txn.finalSent) this.forwardResponse(txn, m, ed);
      return;
    }
    this.onBranchFinal(txn, b, status, m);
  }

  private onTimerC(txn: ProxyTxn, b: Branch): void {
    b.timerC = null;
    if (b.done) return;
    if (this.events.enabled)
      this.events.emit({
        time: this.clock.now(),
        node: this.node,
        kind: 'timer',
        text: `${(txn.ctx?.frInv ?? this.frInv) !== null ? 'fr_inv_timer' : 'Timer C'}: no final response on branch ${b.index}, CANCEL and 408`,
        data: { timer: 'Timer C' },
      });
    this.cancelBranch(txn, b);
    // §16.8: the proxy behaves as if it received 408 for the branch.
    this.onBranchFinal(txn, b, 408, null);
  }

  /**
   * Runs onreply_route; returns the reply's editor, undefined when no route ran (no edits), or null
   * when the script dropped it.
   */
  private replyRoute(
    txn: ProxyTxn,
    m: SipMessage,
    source: TransportAddress,
  ): MessagePatch | null | undefined {
    const name = txn.replyRoute;
    const ctx = txn.ctx;
    if ((!name && !this.interp.has('onreply')) || ctx === null) return undefined;
    const ed = new MessagePatch(m);
    ctx.reply = m;
    ctx.replyEditor = ed;
    ctx.replySource = source;
    ctx.replyStatus = m.status ?? 0;
    const run = name
      ? this.interp.runReply(ctx, name, { record: this.record, state: txn.state })
      : this.interp.run('onreply', 'main', ctx, { record: this.record, state: txn.state });
    this.noteRun(run, ctx);
    ctx.reply = null;
    ctx.replyEditor = null;
    ctx.replySource = null;
    return run.outcome === 'drop' ? null : ed;
  }

  private forwardResponse(txn: ProxyTxn, m: SipMessage, editor?: MessagePatch): void {
    const s = txn.server;
    const up = txn.upstream;
    if (!s && !up) return;
    const status = m.status ?? 0;
    const ctx = txn.ctx;
    const relay = ctx !== null && ctx.mediaRelay && m.bodyLength > 0 && status > 100 && status < 300;
    // §16.7 step 3: our Via removed (the received bytes around its line when nothing else changes)
    let bytes = relay ? null : editor ? editor.withoutFirstViaLine() : withoutFirstViaLine(m);
    if (bytes === null) {
      const ed = editor ?? new MessagePatch(m);
      ed.removeFirstValue('via');
      if (relay) this.relayAnswer(ctx, m, ed);
      bytes = ed.toBytes();
    }
    if (status >= 200) txn.finalSent = true;
    // a failed initial INVITE: its relayed media ends (a failed re-INVITE leaves the call as it was)
    if (status >= 300 && ctx !== null && ctx.mediaRelay && ctx.msg.method === 'INVITE' && !ctx.msg.toTag)
      this.mediaRelay?.end(ctx.msg.callId ?? '', String(status));
    if (!s) {
      // settled: only 2xx go up, statelessly (§16.7 step 5, RFC 6026)
      if (status >= 200 && status < 300) this.transport.send(bytes, up!);
      return;
    }
    if (s.kind === 'invite-server' && status >= 200 && status < 300 && s.state !== 'proceeding') {
      // 2xx after the transaction accepted one: forwarded statelessly (§16.7 step 5, RFC 6026).
      this.transport.send(bytes, s.responseDestination);
      return;
    }
    s.respond(bytes, status);
  }

  /**
   * RFC 3261 §16.7 step 3: "If no Via header field values remain in the response, the response was
   * meant for this element and MUST NOT be forwarded." (Kamailio 5.6 forwards it with no Via at all.)
   */
  private noViaLeft(m: SipMessage): void {
    if (this.events.enabled)
      this.log(
        `${m.status ?? ''} ${m.reason ?? ''} has no Via after ours: meant for this proxy, not forwarded (RFC 3261 §16.7 step 3)`,
        { rfc: '3261 §16.7', ladder: true },
      );
  }

  /** A 2xx for a settled INVITE (more 2xx from a branch, §16.7 step 5, RFC 6026): our Via off, sent up statelessly. */
  private forwardSettled2xx(m: SipMessage, up: TransportAddress): void {
    const status = m.status ?? 0;
    if (status < 200 || status >= 300) return;
    if (m.viaCount < 2) {
      this.noViaLeft(m);
      return;
    }
    let bytes = withoutFirstViaLine(m);
    if (bytes === null) {
      const ed = new MessagePatch(m);
      ed.removeFirstValue('via');
      bytes = ed.toBytes();
    }
    this.transport.send(bytes, up);
  }

  private onBranchFinal(txn: ProxyTxn, b: Branch, status: number, m: SipMessage | null): void {
    if (m !== null && m.viaCount < 2) {
      // §16.7 step 3: not forwarded. The branch still ended: with this status, answered by the proxy
      // itself if it is the best (a UAS's 487 that copied the proxy's CANCEL's Via gives the caller a
      // 487 it can match and ACK); a 2xx cannot be made here, so such a branch counts as a 502.
      this.noViaLeft(m);
      m = null;
      if (status < 300) status = 502;
    }
    if (b.done) {
      if (m && status >= 200 && status < 300) this.forwardResponse(txn, m); // more 2xx (forked answers) all go up
      return;
    }
    b.done = true;
    b.status = status;
    b.final = m;
    if (b.timerC !== null) {
      this.clock.cancel(b.timerC);
      b.timerC = null;
    }
    if (status >= 200 && status < 300) {
      if (m) {
        const ed = this.replyRoute(txn, m, b.dest);
        if (ed === null) return;
        this.forwardResponse(txn, m, ed);
      }
      // §16.7 step 10: a 2xx to an INVITE cancels every other pending branch.
      for (const o of txn.branches) if (o !== b && !o.done) this.cancelBranch(txn, o);
      this.settle(txn);
      return;
    }
    if (status >= 600) for (const o of txn.branches) if (o !== b && !o.done) this.cancelBranch(txn, o);
    if (m && this.replyRoute(txn, m, b.dest) === null) return;
    if (txn.branches.some((x) => !x.done)) return;
    if (txn.finalSent) {
      this.settle(txn);
      return;
    }
    // §16.7 step 6: every branch is final → choose the best response, offer it to failure_route first.
    const best = this.bestBranch(txn);
    if (txn.failureRoute) {
      const name = txn.failureRoute;
      txn.failureRoute = null; // a failure route must re-arm itself (Kamailio semantics)
      const ctx = txn.ctx!; // not settled: no final response sent yet
      ctx.reply = best.final;
      ctx.replyStatus = best.status;
      ctx.relayed = false;
      ctx.replied = false;
      txn.inFailure = true;
      const run = this.interp.runFailure(name, ctx, { record: this.record, state: txn.state });
      txn.inFailure = false;
      this.noteRun(run, ctx);
      if (ctx.failureRoute) {
        txn.failureRoute = ctx.failureRoute;
        ctx.failureRoute = null;
      }
      if (ctx.relayed || ctx.replied || txn.finalSent) {
        this.settle(txn);
        return;
      }
    }
    this.sendBest(txn, best);
    this.settle(txn);
  }

  /**
   * Once the final response is sent and every branch is final, lets go of what only forwarding
   * and choosing the response needed (the branches' requests and final responses, the request's
   * edits; a non-INVITE server transaction's link to this state): the transactions live on for
   * 64*T1 to absorb retransmissions, and hold only what that needs. An INVITE keeps its state for
   * 2xx retransmissions from the branches (§16.7 step 5).
   */
  private settle(txn: ProxyTxn): void {
    if (!txn.finalSent) return;
    const bs = txn.branches;
    for (let i = 0; i < bs.length; i++) if (!bs[i]!.done) return;
    for (let i = 0; i < bs.length; i++) {
      const b = bs[i]!;
      b.final = null;
      b.bytes = NO_BYTES;
    }
    const s = txn.server;
    if (s && s.kind !== 'invite-server' && s.userData === txn) s.userData = null;
    txn.serial = NO_GROUPS;
    const ctx = txn.ctx;
    if (ctx === null) return;
    ctx.releaseEditor();
    // Nothing but more 2xx reaches a settled transaction (its branches' client transactions pass
    // only those up once final), and they are forwarded with no script and no request: the request,
    // its context and script state go now (they would otherwise live with the transactions, 64*T1),
    // unless a reply route or the media relay still needs them.
    if (ctx.mediaRelay || txn.replyRoute || this.interp.has('onreply')) return;
    ctx.txn = null;
    txn.ctx = null;
    txn.state = SETTLED_STATE;
    // An INVITE's final response is sent: more 2xx go straight to where its responses went, so the
    // transactions are not held from here (their table keeps them, as compact records when lingering)
    // (the transactions' user data: what they still need, not this state: a late CANCEL needs only
    // the To tag, more 2xx only where they go; non-INVITE client transactions only absorb)
    if (s && s.kind === 'invite-server' && s.state !== 'proceeding') {
      const up = s.responseDestination;
      txn.upstream = up;
      txn.server = null;
      if (s.userData === txn) s.userData = txn.toTag;
      for (let i = 0; i < bs.length; i++) {
        const c = bs[i]!.client;
        if (c !== null && c.userData === bs[i]) c.userData = up;
        bs[i]!.client = null;
      }
    } else if (s && s.kind !== 'invite-server')
      for (let i = 0; i < bs.length; i++) {
        const c = bs[i]!.client;
        if (c !== null && c.userData === bs[i]) c.userData = null;
        bs[i]!.client = null;
      }
  }

  private bestBranch(txn: ProxyTxn): Branch {
    const bs = txn.branches;
    let best = bs[0]!;
    // A non-INVITE branch that timed out has nothing to send (RFC 4320 §4.2: no 408): any response
    // received on another branch is better.
    const nonInvite = txn.server !== null && txn.server.kind === 'non-invite-server';
    for (const b of bs) {
      if (nonInvite && b !== best && b.final === null && b.status === 408) continue;
      if (nonInvite && best.final === null && best.status === 408 && b.final !== null) {
        best = b;
        continue;
      }
      if (
        responseRank(b.status) < responseRank(best.status) ||
        (responseRank(b.status) === responseRank(best.status) &&
          b.status < best.status &&
          best.status !== 487)
      )
        best = b;
    }
    // §16.7 step 6: prefer any other response to a 487 of a branch we cancelled ourselves... unless the client cancelled
    return best;
  }

  private sendBest(txn: ProxyTxn, best: Branch): void {
    if (best.final) {
      this.forwardResponse(txn, best.final);
      return;
    }
    // A locally generated 408/503 (timeout or transport error).
    const s = txn.server;
    if (!s) return;
    const ctx = txn.ctx!; // not settled: no final response sent yet
    if (best.status === 408 && s.kind === 'non-invite-server') {
      // RFC 4320 §4.2: no 408 to a non-INVITE request; "an element that can not respond before the
      // transaction expires will not send a final response at all" (the client's own Timer F, started
      // before ours, has ended its transaction). Kamailio's tm does send one, at fr_timer (30 s).
      if (this.events.enabled)
        this.log(
          `no response to ${ctx.method ?? 'the request'}: every branch timed out, and no 408 to a non-INVITE (RFC 4320 §4.2)`,
          { rfc: '4320 §4.2', ladder: true },
        );
      // Timed out before 64*T1 (fr_timer): the client still resends the request until its Timer F,
      // so the server transaction stays (Trying discards them, Proceeding answers with its
      // provisional) instead of each resend starting a new transaction and a new relay.
      const left = txn.started + 64 * this.timers.T1 - this.clock.now();
      if (left > 0)
        this.clock.schedule(
          left,
          () => s.end('no final response (RFC 4320 §4.2); resends absorbed until 64*T1'),
          'absorb until 64*T1',
        );
      else s.end('every branch timed out: no final response (RFC 4320 §4.2)');
      return;
    }
    txn.finalSent = true;
    // a failed initial INVITE's relayed media ends here too (as for a forwarded failure)
    if (ctx.mediaRelay && ctx.msg.method === 'INVITE' && !ctx.msg.toTag)
      this.mediaRelay?.end(ctx.msg.callId ?? '', String(best.status));
    s.respond(this.makeResponse(ctx.msg, ctx.source, best.status, { toTag: txn.toTag }), best.status);
  }

  /** t_relay() inside failure_route: new branches on the same transaction (serial forking, voicemail). */
  private relayFromFailure(ctx: ProxyMsg, target: RelayTarget | null): ScriptResult {
    const txn = ctx.txn!;
    const uris = [{ uri: ctx.ruri, du: ctx.du }, ...ctx.extraBranches];
    ctx.extraBranches = NO_EXTRA;
    for (const b of uris) this.startBranch(txn, b.uri, b.du, target);
    ctx.relayed = true;
    return 1;
  }

  /** RFC 3261 §9.1 CANCEL for a branch, once it has had a provisional response. */
  private cancelBranch(txn: ProxyTxn, b: Branch): void {
    if (b.done) return;
    b.cancelled = true;
    if (!b.provisional || !b.client) return; // sent when the first provisional arrives
    if (b.client && this.table.client(b.client.branch, 'CANCEL')) return;
    const inv = parseMessage(b.bytes);
    const h = [`Via: ${firstCommaValue(inv.headerAll('via')[0] ?? '')}`];
    for (const r of inv.headerAll('route')) h.push(`Route: ${r}`);
    h.push(
      'Max-Forwards: 70',
      `From: ${inv.header('from')}`,
      `To: ${inv.header('to')}`,
      `Call-ID: ${inv.callId}`,
      `CSeq: ${inv.cseq} CANCEL`,
    );
    const bytes = encodeMessage(`CANCEL ${inv.requestUri} SIP/2.0`, h);
    this.clientTransaction(bytes, b.client.branch, 'CANCEL', b.dest, {
      onResponse: () => undefined,
      onTimeout: () => undefined,
    });
  }

  /** CANCEL (RFC 3261 §16.10): answer 200 at once, then cancel every pending branch. */
  private relayCancel(ctx: ProxyMsg, target: RelayTarget | null): ScriptResult {
    const ist = this.table.matchRequest(ctx.msg, 'INVITE');
    const u = ist?.userData;
    if (typeof u === 'string') {
      // a settled INVITE (its user data is its To tag): 200 to the CANCEL, nothing left to cancel
      const st = this.serverTransaction(ctx.msg, ctx.source);
      st.respond(this.makeResponse(ctx.msg, ctx.source, 200, { toTag: u }), 200);
      ctx.relayed = true;
      return 1;
    }
    const txn = u as ProxyTxn | undefined;
    if (!ist || !txn) return this.forward(ctx, target); // no context: forward statelessly
    const st = this.serverTransaction(ctx.msg, ctx.source);
    st.respond(this.makeResponse(ctx.msg, ctx.source, 200, { toTag: txn.toTag }), 200);
    txn.cancelled = true;
    for (const b of txn.branches) this.cancelBranch(txn, b);
    ctx.relayed = true;
    return 1;
  }

  // ------------------------------------------------------------------ media relay (rtpproxy-like)

  /** The media relay (./media-relay.ts), made on the first rtpproxy_manage(); null without ports. */
  private mediaRelay: MediaRelay | null = null;

  /** The relay's sessions now (the lab's media table); empty when no call was relayed. */
  relayInfo(): RelaySessionInfo[] {
    return this.mediaRelay?.info() ?? [];
  }

  /** Closes every relayed call's ports (the lab stops). */
  closeMediaRelay(): void {
    this.mediaRelay?.closeAll();
  }

  private relay(): MediaRelay {
    if (this.mediaRelay) return this.mediaRelay;
    const bind = this.config.bindMedia!;
    this.mediaRelay = new MediaRelay(
      {
        bind,
        address: this.transport.local.host,
        log: (text) => this.log(text, undefined, this.config.mediaRelay?.callEvents ? 'call' : 'log'),
        now: () => this.clock.now(),
      },
      this.config.mediaRelay,
    );
    return this.mediaRelay;
  }

  /** The offer goes on with the far side's relay port; the sender's SDP address is the first guess. */
  private relayOffer(ctx: ProxyMsg): boolean {
    const body = this.relay().offer(ctx.msg.callId ?? '', dec.decode(ctx.msg.body()), ctx.msg.fromTag);
    if (body === null) return false;
    ctx.editor.setBody(body, 'application/sdp');
    return true;
  }

  /** An ACK's SDP (the answer to a late offer) goes on with the far side's relay port; false without one. */
  private relayAckAnswer(ctx: ProxyMsg): boolean {
    const callId = ctx.msg.callId ?? '';
    if (!ctx.msg.bodyLength || !this.mediaRelay?.has(callId)) return false;
    const body = this.mediaRelay.answerInAck(callId, dec.decode(ctx.msg.body()), ctx.msg.fromTag);
    if (body === null) return false;
    ctx.editor.setBody(body, 'application/sdp');
    return true;
  }

  /**
   * The answer goes back with the offerer's side's relay port; to an INVITE without SDP the response
   * carries the offer (late offer), from the other side, and its answer comes in the ACK.
   */
  private relayAnswer(ctx: ProxyMsg, m: SipMessage, ed: MessagePatch): void {
    const late = ctx.msg.method === 'INVITE' && ctx.msg.bodyLength === 0;
    const relay = this.relay();
    const sdp = dec.decode(m.body());
    const callId = ctx.msg.callId ?? '';
    const body = late ? relay.offerInResponse(callId, sdp, m.fromTag) : relay.answer(callId, sdp, m.fromTag);
    if (body !== null) ed.setBody(body, 'application/sdp');
  }

  // ------------------------------------------------------------------ ScriptHost: pseudo-variables

  getPv(name: string, arg: string | null, ctx: ProxyMsg): ScriptValue {
    const m = ctx.msg;
    const ru = (): ReturnType<typeof uriParts> => uriParts(ctx.ruri);
    switch (name) {
      case 'rm':
        return m.method ?? m.cseqMethod;
      case 'ru':
        return ctx.ruri;
      case 'rU':
        return ru().user;
      case 'rd':
        return ru().host;
      case 'rp':
        return ru().port ?? 5060;
      case 'du':
        return ctx.du;
      case 'fu':
        return nameAddrUri(m.header('from') ?? '');
      case 'fU':
        return uriParts(nameAddrUri(m.header('from') ?? '')).user;
      case 'fd':
        return uriParts(nameAddrUri(m.header('from') ?? '')).host;
      case 'ft':
        return m.fromTag;
      case 'tu':
        return nameAddrUri(m.header('to') ?? '');
      case 'tU':
        return uriParts(nameAddrUri(m.header('to') ?? '')).user;
      case 'td':
        return uriParts(nameAddrUri(m.header('to') ?? '')).host;
      case 'tt':
        return m.toTag;
      case 'si':
        return ctx.source.host;
      case 'sp':
        return ctx.source.port;
      case 'Ri':
        return this.transport.local.host;
      case 'Rp':
        return this.transport.local.port;
      case 'pr':
      case 'proto':
        return this.transport.local.transport.toLowerCase();
      case 'ci':
        return m.callId;
      case 'cs':
        return m.cseq;
      case 'ct':
        return m.header('contact');
      case 'ua':
        return m.header('user-agent');
      case 'rs':
      case 'T_reply_code':
        return ctx.reply ? (ctx.reply.status ?? null) : ctx.replyStatus || (m.status ?? null);
      case 'rr':
      case 'T_reply_reason':
        return ctx.reply?.reason ?? null;
      case 'hdr':
        return arg ? (ctx.reply ?? m).header(arg) : null;
      case 'mb':
        return dec.decode(m.raw.subarray(m.start, m.end));
      case 'ml':
        return m.end - m.start;
      case 'cl':
        return m.contentLength;
      case 'au':
        return this.authUser(m);
      default:
        return null;
    }
  }

  setPv(name: string, _arg: string | null, value: ScriptValue, ctx: ProxyMsg): boolean {
    const v = value === null ? null : String(value);
    const u = uriParts(ctx.ruri);
    const build = (user: string | null, host: string, port: number | null): string =>
      `sip:${user ? `${user}@` : ''}${host}${port ? `:${port}` : ''}${u.params}`;
    switch (name) {
      case 'ru':
        if (v) ctx.ruri = v;
        return true;
      case 'rU':
        ctx.ruri = build(v, u.host, u.port);
        return true;
      case 'rd':
        if (v) ctx.ruri = build(u.user, v, u.port);
        return true;
      case 'rp':
        ctx.ruri = build(u.user, u.host, v ? Number(v) : null);
        return true;
      case 'du':
        ctx.du = v;
        return true;
      default:
        return false;
    }
  }

  /**
   * `== myself`, as Kamailio's check_self: a URI names this server when its host is one of its
   * domains or aliases (any port, or the alias's port), or its own address with its port (a URI
   * without one means 5060, 5061 for sips): `sip:bob@127.0.0.1` is not a lab proxy listening on
   * 127.0.0.1:5070, which may share the host with Kamailio on 5060. A bare host (`$rd`) matches on
   * any port; `host:port` on that port.
   */
  isMyself(value: string, _ctx: ProxyMsg): boolean {
    let host: string;
    let port: number | null;
    if (/^(sips?|tel):/i.test(value) || value.includes('@') || value.startsWith('<')) {
      const u = uriParts(value);
      host = u.host;
      port = u.port ?? (u.scheme === 'sips' ? 5061 : 5060);
    } else {
      const m = /^(\[[^\]]*\]|[^:]*)(?::(\d+))?$/.exec(value.trim());
      host = (m?.[1] ?? value).toLowerCase();
      port = m?.[2] !== undefined ? Number(m[2]) : null;
    }
    const a = this.aliasPorts.get(host);
    if (a === null || (a !== undefined && port !== null && a.has(port))) return true;
    const local = this.transport.local;
    const bare = host.startsWith('[') ? host.slice(1, -1) : host;
    return bare === local.host.toLowerCase() && (port === null || port === local.port);
  }

  isMethod(ctx: ProxyMsg, methods: readonly string[]): boolean {
    const m = ctx.method ?? ctx.msg.cseqMethod ?? '';
    for (let i = 0; i < methods.length; i++) {
      const x = methods[i]!;
      if (x === m || x.toUpperCase() === m) return true;
    }
    return false;
  }

  hasTotag(ctx: ProxyMsg): boolean {
    return hasKeyField(ctx.msg, F_TOTAG);
  }

  /** RFC 3261 §16.4: remove our own Route; a strict router upstream put our URI in the Request-URI. */
  looseRoute(ctx: ProxyMsg): ScriptResult {
    if (ctx.routes.length === 0) return -1;
    const ru = uriParts(ctx.ruri);
    if (this.myHosts.has(ru.host) && (ru.port ?? 5060) === this.transport.local.port && ru.user === null) {
      // §16.4: "replace the Request-URI with the last value from the Route header field, and remove that value"
      const last = ctx.routes[ctx.routes.length - 1]!;
      ctx.ruri = nameAddrUri(last);
      ctx.routes.pop();
      ctx.editor.removeHeader('route');
      for (const r of ctx.routes) ctx.editor.addHeader('Route', r, 'bottom');
    }
    const top = ctx.routes[0];
    if (top !== undefined) {
      const tp = uriParts(nameAddrUri(top));
      if (this.myHosts.has(tp.host) && (tp.port ?? 5060) === this.transport.local.port) {
        ctx.routes.shift();
        const fast = ctx.fast;
        if (!fast || !fast.removeTopRoute()) ctx.editor.removeFirstValue('route');
      }
    }
    return 1;
  }

  recordRoute(ctx: ProxyMsg, _params: string | null): ScriptResult {
    ctx.recordRoute = true;
    return 1;
  }

  // ------------------------------------------------------------------ registrar / location

  save(ctx: ProxyMsg, _table: string, _flags: string | null, _uri: string | null): ScriptResult {
    if (ctx.msg.method !== 'REGISTER') return -1;
    const r = this.location.register(ctx.msg, this.clock.now(), ctx.natReceived);
    this.slSendReply(ctx, r.status, r.reason ?? (r.status === 200 ? 'OK' : 'Bad Request'), r.headers);
    return r.status === 200 ? 1 : -1;
  }

  lookup(ctx: ProxyMsg, _table: string, uri: string | null): ScriptResult {
    const list = this.location.lookup(uri ?? ctx.ruri, this.clock.now());
    if (list.length === 0) return -1;
    const method = ctx.method ?? '';
    if (
      method !== 'INVITE' &&
      method !== 'MESSAGE' &&
      method !== 'OPTIONS' &&
      method !== 'SUBSCRIBE' &&
      method !== 'NOTIFY' &&
      method !== 'INFO' &&
      method !== 'REFER' &&
      method !== 'UPDATE' &&
      method !== 'PRACK' &&
      method !== 'BYE'
    )
      return -2;
    const first = list[0]!;
    ctx.ruri = first.contact;
    ctx.du = first.received ? `sip:${first.received.host}:${first.received.port}` : null;
    ctx.extraBranches =
      list.length === 1
        ? NO_EXTRA
        : list.slice(1).map((b) => ({
            uri: b.contact,
            du: b.received ? `sip:${b.received.host}:${b.received.port}` : null,
          }));
    // kept for t_load_contacts (serial forking by q)
    const groups: Binding[][] = [];
    for (const b of list) {
      const g = groups[groups.length - 1];
      if (g && g[0]!.q === b.q) g.push(b);
      else groups.push([b]);
    }
    ctx.serial = groups;
    return 1;
  }

  tLoadContacts(ctx: ProxyMsg): ScriptResult {
    if (!ctx.serial) return -1;
    ctx.extraBranches = NO_EXTRA;
    return 1;
  }

  tNextContacts(ctx: ProxyMsg): ScriptResult {
    const groups = ctx.txn ? ctx.txn.serial : ctx.serial;
    if (!groups || groups.length === 0) return -1;
    const g = groups.shift()!;
    ctx.ruri = g[0]!.contact;
    ctx.du = g[0]!.received ? `sip:${g[0]!.received.host}:${g[0]!.received.port}` : null;
    ctx.extraBranches = g.slice(1).map((b) => ({ uri: b.contact, du: null }));
    if (ctx.txn) ctx.txn.serial = groups;
    else ctx.serial = groups;
    return 1;
  }

  // ------------------------------------------------------------------ replies

  slSendReply(ctx: ProxyMsg, code: number, reason: string, headers: string[] = []): ScriptResult {
    if (ctx.txn && ctx.txn.server) return this.tReply(ctx, code, reason, headers);
    const tag = `${this.slTagPrefix}${fnv1aHex(`${ctx.msg.callId}|${ctx.msg.fromTag}`)}`;
    const saved = this.alwaysRport;
    this.alwaysRport = ctx.forceRport;
    this.replyStateless(ctx.msg, ctx.source, code, { reason, toTag: ctx.msg.toTag ? null : tag, headers });
    this.alwaysRport = saved;
    ctx.replied = true;
    return 1;
  }

  tReply(ctx: ProxyMsg, code: number, reason: string, headers: string[] = []): ScriptResult {
    const txn = this.newTxn(ctx);
    const s = txn.server;
    if (!s) return -1;
    if (code >= 200) txn.finalSent = true;
    s.respond(this.makeResponse(ctx.msg, ctx.source, code, { reason, toTag: txn.toTag, headers }), code);
    ctx.replied = true;
    return 1;
  }

  appendHf(ctx: ProxyMsg, text: string, _after: string | null): ScriptResult {
    const line = text.replace(/\r?\n$/, '');
    const c = line.indexOf(':');
    if (c <= 0) return -1;
    ctx.editor.addHeader(line.slice(0, c).trim(), line.slice(c + 1).trim(), 'bottom');
    return 1;
  }

  removeHf(ctx: ProxyMsg, name: string): ScriptResult {
    const n = ctx.msg.headerAll(name).length;
    if (n === 0) return -1;
    ctx.editor.removeHeader(name);
    if (name.toLowerCase() === 'route') ctx.routes = [];
    return n;
  }

  isPresentHf(ctx: ProxyMsg, name: string): boolean {
    return ctx.msg.header(name) !== null;
  }

  xlog(ctx: ProxyMsg, level: string, text: string): void {
    if (this.events.enabled)
      this.events.emit({
        time: this.clock.now(),
        node: this.node,
        kind: 'script',
        text: `xlog ${level}: ${text.trimEnd()}`,
        data: { xlog: text, callId: ctx.msg.callId },
      });
  }

  // ------------------------------------------------------------------ NAT helpers (nathelper)

  forceRport(ctx: ProxyMsg): ScriptResult {
    ctx.forceRport = true;
    return 1;
  }

  /** nathelper `nat_uac_test` bits: 1 Contact private, 2 Via host ≠ source, 4 top Via private, 8 SDP private, 16 Via port ≠ source port. */
  natUacTest(ctx: ProxyMsg, flags: number): boolean {
    if (ctx.reply && ctx.replySource) {
      const contact = ctx.reply.values('contact')[0];
      const h = contact ? uriParts(nameAddrUri(contact)) : null;
      if (flags & 1 && h && isPrivateIpv4(h.host)) return true;
      if (flags & 32 && h && (h.host !== ctx.replySource.host || (h.port ?? 5060) !== ctx.replySource.port))
        return true;
      return false;
    }
    const m = ctx.msg;
    const via = viaParts(firstCommaValue(m.headerAll('via')[0] ?? ''));
    const contact = m.values('contact')[0];
    if (flags & 1 && contact && isPrivateIpv4(uriParts(nameAddrUri(contact)).host)) return true;
    if (flags & 2 && via.host !== ctx.source.host) return true;
    if (flags & 4 && isPrivateIpv4(via.host)) return true;
    if (flags & 8 && m.bodyLength) {
      const c = /^c=IN IP4 (\S+)/m.exec(dec.decode(m.body()))?.[1];
      if (c && isPrivateIpv4(c)) return true;
    }
    if (flags & 16 && (via.port ?? 5060) !== ctx.source.port) return true;
    return false;
  }

  /** nathelper `fix_nated_contact()`: Contact host:port := the source address. */
  fixNatedContact(ctx: ProxyMsg): ScriptResult {
    const onReply = ctx.reply !== null && ctx.replyEditor !== null && ctx.replySource !== null;
    const msg = onReply ? ctx.reply! : ctx.msg;
    const src = onReply ? ctx.replySource! : ctx.source;
    const c = msg.values('contact')[0];
    if (!c) return -1;
    const u = nameAddrUri(c);
    const p = uriParts(u);
    const fixed = `sip:${p.user ? `${p.user}@` : ''}${src.host}:${src.port}${p.params}`;
    (onReply ? ctx.replyEditor! : ctx.editor).setHeader('Contact', c.replace(u, fixed));
    return 1;
  }

  /** nathelper `fix_nated_register()`: save() records the source address as the binding's `received`. */
  fixNatedRegister(ctx: ProxyMsg): ScriptResult {
    ctx.natReceived = { ...ctx.source };
    return 1;
  }

  // ------------------------------------------------------------------ digest auth (RFC 3261 §22)

  private authUser(m: SipMessage): string | null {
    const v = m.header('authorization') ?? m.header('proxy-authorization');
    return v ? (/username="([^"]*)"/.exec(v)?.[1] ?? null) : null;
  }

  private authorize(ctx: ProxyMsg, realm: string, header: string): ScriptResult {
    const users = this.config.users ?? {};
    for (const v of ctx.msg.headerAll(header)) {
      if (!v.includes(`realm="${realm}"`)) continue;
      const user = /username="([^"]*)"/.exec(v)?.[1] ?? '';
      const nonce = /(?:^|[\s,])nonce="([^"]*)"/.exec(v)?.[1] ?? '';
      const pw = Object.hasOwn(users, user) ? users[user] : undefined;
      if (pw === undefined) return -2;
      if (!this.nonces.has(nonce) && nonce !== this.config.staticNonce) return -4; // stale / unknown nonce
      const r = verifyDigest(v, { method: ctx.msg.method ?? '', password: pw, realm });
      return r.valid ? 1 : -2;
    }
    return -1;
  }

  private challenge(ctx: ProxyMsg, realm: string, status: 401 | 407): ScriptResult {
    const nonce = this.ids.token(16);
    this.nonces.add(nonce);
    const h = `${status === 401 ? 'WWW-Authenticate' : 'Proxy-Authenticate'}: ${buildChallenge({ realm, nonce, qop: ['auth'] })}`;
    return this.slSendReply(ctx, status, status === 401 ? 'Unauthorized' : 'Proxy Authentication Required', [
      h,
    ]);
  }

  wwwAuthorize(ctx: ProxyMsg, realm: string, _table: string): ScriptResult {
    return this.authorize(
      ctx,
      realm || uriParts(nameAddrUri(ctx.msg.header('to') ?? '')).host,
      'authorization',
    );
  }
  wwwChallenge(ctx: ProxyMsg, realm: string, _flags: number): ScriptResult {
    return this.challenge(ctx, realm || uriParts(nameAddrUri(ctx.msg.header('to') ?? '')).host, 401);
  }
  proxyAuthorize(ctx: ProxyMsg, realm: string, _table: string): ScriptResult {
    return this.authorize(
      ctx,
      realm || uriParts(nameAddrUri(ctx.msg.header('from') ?? '')).host,
      'proxy-authorization',
    );
  }
  proxyChallenge(ctx: ProxyMsg, realm: string, _flags: number): ScriptResult {
    return this.challenge(ctx, realm || uriParts(nameAddrUri(ctx.msg.header('from') ?? '')).host, 407);
  }

  // ------------------------------------------------------------------ tm arming and the rest

  tOnFailure(ctx: ProxyMsg, route: string): void {
    if (ctx.txn) ctx.failureRoute = route;
    else ctx.failureRoute = route;
    if (ctx.txn && !ctx.txn.inFailure) ctx.txn.failureRoute = route;
  }
  tOnReply(ctx: ProxyMsg, route: string): void {
    ctx.replyRoute = route;
    if (ctx.txn) ctx.txn.replyRoute = route;
  }
  tOnBranch(ctx: ProxyMsg, route: string): void {
    ctx.branchRoute = route;
    if (ctx.txn) ctx.txn.branchRoute = route;
  }

  mfProcessMaxfwdHeader(ctx: ProxyMsg, max: number): ScriptResult {
    const mf = ctx.msg.maxForwards;
    if (mf === null) {
      ctx.editor.setHeader('Max-Forwards', String(max));
      ctx.maxForwardsDone = true;
      return 1;
    }
    if (mf === 0) return -1;
    this.decrementMaxForwards(ctx);
    ctx.maxForwardsDone = true;
    return 1;
  }

  uriParamMatches(ctx: ProxyMsg, name: string, value: string | null): boolean {
    const p = paramOf(uriParts(ctx.ruri).params, name);
    return p !== null && (value === null || p === value);
  }

  call(name: string, _args: readonly ScriptValue[], ctx: ProxyMsg): ScriptResult | undefined {
    switch (name) {
      case 't_check_trans': {
        const m = ctx.msg;
        if (m.method === 'CANCEL') return this.table.matchRequest(m, 'INVITE') ? 1 : -1;
        if (m.method === 'ACK') return -1; // an ACK matching a transaction never reaches the script here
        return this.table.matchRequest(m) ? 1 : -1;
      }
      case 't_newtran':
        this.newTxn(ctx);
        return 1;
      case 'sanity_check':
        return 1;
      case 'rtpproxy_manage':
      case 'rtpengine_manage':
        if (!this.config.bindMedia) return -1;
        // failure_route: Kamailio's delete (the call's ports close; a new branch needs a new offer);
        // onreply_route: the answer, written as the reply is forwarded once the request called it
        if (ctx.txn?.inFailure) {
          if (ctx.mediaRelay && !ctx.msg.toTag)
            this.mediaRelay?.end(ctx.msg.callId ?? '', String(ctx.replyStatus));
          return ctx.mediaRelay ? 1 : -1;
        }
        if (ctx.reply !== null) return ctx.mediaRelay ? 1 : -1;
        if (ctx.msg.method === 'ACK') return this.relayAckAnswer(ctx) ? 1 : -1;
        // an offer in an INVITE (its answer is written as the reply goes back; one in an UPDATE,
        // RFC 3311, is not relayed)
        if (ctx.msg.bodyLength && ctx.msg.method === 'INVITE' && !this.relayOffer(ctx)) return -1;
        ctx.mediaRelay = true;
        return 1;
      case 't_is_canceled':
        return ctx.txn?.cancelled ? 1 : -1;
      case 't_set_fr': {
        // Kamailio tm: fr_inv_timeout [, fr_timeout] in ms for this transaction's branches started
        // from here on; 0 (or absent) leaves a timer as it is (at most 2^31-1 ms, a timer's range).
        const inv = timerMs(_args[0]);
        const fr = timerMs(_args[1]);
        if (inv > 0) ctx.frInv = inv * MS;
        if (fr > 0) ctx.fr = fr * MS;
        return 1;
      }
      case 'is_first_hop':
        return ctx.msg.viaCount === 1 ? 1 : -1;
      default:
        return name.startsWith('ds_') ? this.dsCall(name, _args, ctx) : undefined;
    }
  }

  // ------------------------------------------------------------------ dispatcher module

  /** The dispatcher functions (undefined: this proxy has no destination list). */
  private dsCall(name: string, args: readonly ScriptValue[], ctx: ProxyMsg): ScriptResult | undefined {
    const ds = this.dispatcher;
    if (ds === null) return undefined;
    switch (name) {
      case 'ds_select_dst':
      case 'ds_select_domain':
      case 'ds_select': {
        const set = dsInt(args[0]);
        const alg = dsInt(args[1]);
        const limit = args.length > 2 ? (dsInt(args[2]) ?? 0) : 0;
        if (set === null || alg === null) return -1;
        // force_dst=0: a destination already set is kept (the function fails)
        if (name === 'ds_select_dst' && !ds.params.forceDst && ctx.du) return -1;
        const sel = ds.select(set, alg, this.dsKeys(ctx), limit);
        // (the event's text only when events are collected: nothing built per call otherwise)
        if (sel === null) {
          if (this.events.enabled)
            this.dsLog(
              `${dsHow(name, set, alg)}: ${ds.sets.has(set) ? 'no active destination' : `no set ${set}`}`,
              ctx,
            );
          return -1;
        }
        ctx.ds = sel;
        if (name === 'ds_select') sel.pos = -1;
        else this.dsApply(ctx, sel.dests[0]!, name === 'ds_select_dst');
        if (this.events.enabled) {
          const rest = sel.dests.slice(1).map((d) => d.uri);
          this.dsLog(
            `${dsHow(name, set, alg)} → ${sel.dests[0]!.uri}${rest.length ? `; failover: ${rest.join(', ')}` : ''}`,
            ctx,
          );
        }
        return 1;
      }
      case 'ds_next_dst':
      case 'ds_next_domain': {
        const sel = ctx.ds;
        if (sel === null || sel.pos + 1 >= sel.dests.length) {
          if (this.events.enabled) this.dsLog(`${name}: no destination left`, ctx);
          return -1;
        }
        sel.pos++;
        const d = sel.dests[sel.pos]!;
        this.dsApply(ctx, d, name === 'ds_next_dst');
        if (this.events.enabled) this.dsLog(`${name} → ${d.uri}`, ctx);
        return 1;
      }
      case 'ds_set_dst':
      case 'ds_set_domain': {
        const sel = ctx.ds;
        if (sel === null || sel.pos < 0) return -1;
        this.dsApply(ctx, sel.dests[sel.pos]!, name === 'ds_set_dst');
        return 1;
      }
      case 'ds_mark_dst': {
        const sel = ctx.ds;
        const d =
          sel !== null && sel.pos >= 0 ? sel.dests[sel.pos]! : ctx.du !== null ? ds.find(ctx.du) : null;
        if (d === null) return -1;
        const state = args.length > 0 && args[0] !== null ? String(args[0]) : 'i';
        if (!ds.mark(d, state)) return -1;
        if (this.events.enabled)
          this.dsState(d, `ds_mark_dst("${state}"): ${d.uri} is now ${dsStateWords(d)}`, ctx);
        return 1;
      }
      case 'ds_is_from_list': {
        // mode bits: 1 any port, 2 any protocol, 4 active only; with no mode (Kamailio's old form)
        // address and port only. The protocol compared is the URI's transport parameter (none when
        // absent), the request's transport for the source: as Kamailio 5.6.3 matched them.
        const group = args.length > 0 ? (dsInt(args[0]) ?? -1) : -1;
        const mode = args.length > 1 ? (dsInt(args[1]) ?? 0) : 0;
        const proto = args.length > 1 && !(mode & 2);
        let host = ctx.source.host;
        let port = ctx.source.port;
        let transport: string | null = ctx.source.transport.toLowerCase();
        const uri = args.length > 2 && args[2] !== null ? String(args[2]) : '';
        if (uri !== '') {
          const u = uriParts(uri);
          host = this.resolveName(u.host.replace(/^\[|\]$/g, ''));
          port = u.port ?? 5060;
          transport = paramOf(u.params, 'transport')?.toLowerCase() ?? null;
        }
        for (const [id, set] of ds.sets) {
          if (group !== -1 && id !== group) continue;
          for (const d of set) {
            if (mode & 4 && dsSkipped(d)) continue;
            if (this.resolveName(d.host.replace(/^\[|\]$/g, '')) !== host) continue;
            if (!(mode & 1) && (d.port ?? 5060) !== port) continue;
            if (proto && (paramOf(uriParts(d.uri).params, 'transport')?.toLowerCase() ?? null) !== transport)
              continue;
            return 1;
          }
        }
        return -1;
      }
      case 'ds_list_exists':
      case 'ds_list_exist': {
        const set = dsInt(args[0]);
        return set !== null && ds.sets.has(set) ? 1 : -1;
      }
      case 'ds_is_active': {
        const set = ds.sets.get(dsInt(args[0]) ?? -1);
        const uri = args.length > 1 && args[1] !== null ? String(args[1]) : '';
        if (!set) return -1;
        return set.some((d) => !dsSkipped(d) && (uri === '' || d.uri === uri)) ? 1 : -1;
      }
      default:
        return undefined;
    }
  }

  /**
   * A selected destination into `$du` (ds_*_dst), or into the Request-URI (ds_*_domain): as
   * Kamailio 5.6.3 does, the destination URI with the Request-URI's user (`sip:bob@x;foo=bar` and
   * `sip:10.0.0.1:5070;transport=udp` give `sip:bob@10.0.0.1:5070;transport=udp`).
   */
  private dsApply(ctx: ProxyMsg, d: DsDestination, toDu: boolean): void {
    if (toDu) {
      ctx.du = d.uri;
      return;
    }
    const user = uriParts(ctx.ruri).user;
    const colon = d.uri.indexOf(':');
    const rest = d.uri.slice(colon + 1);
    const at = rest.lastIndexOf('@', rest.search(/[;?]|$/));
    ctx.ruri = `${d.uri.slice(0, colon + 1)}${user !== null ? `${user}@` : ''}${at >= 0 ? rest.slice(at + 1) : rest}`;
  }

  /** What the selection algorithms hash, read from the request on demand. */
  private dsKeys(ctx: ProxyMsg): DsRequestKeys {
    const m = ctx.msg;
    return {
      callId: () => m.callId ?? '',
      fromUri: () => nameAddrUri(m.header('from') ?? ''),
      toUri: () => nameAddrUri(m.header('to') ?? ''),
      requestUri: () => ctx.ruri,
      authUser: () => this.authUser(m),
    };
  }

  /** An element event (shown on the text ladder too: which backend and why is the lesson). */
  private dsLog(text: string, ctx: ProxyMsg | null): void {
    if (this.events.enabled)
      this.log(`dispatcher: ${text}`, {
        module: 'dispatcher',
        ladder: true,
        ...(ctx ? { callId: ctx.msg.callId } : {}),
      });
  }

  /**
   * A destination's state changed (ds_mark_dst, a probe's answer): a `dispatcher` event with the
   * destination's set, URI and state (`IP`...), shown on the text ladder as the other dispatcher
   * lines are.
   */
  private dsState(d: DsDestination, text: string, ctx: ProxyMsg | null): void {
    if (!this.events.enabled) return;
    this.events.emit({
      time: this.clock.now(),
      node: this.node,
      kind: 'dispatcher',
      text: `dispatcher: ${text}`,
      data: {
        module: 'dispatcher',
        ladder: true,
        ...(ctx ? { callId: ctx.msg.callId } : {}),
        set: d.set,
        uri: d.uri,
        state: dsStateText(d),
        flags: d.flags,
        lastProbe: d.lastProbe,
      },
    });
  }

  /** One `ds_ping_interval` round: a probe to each destination `ds_probing_mode` names, then the next round. */
  private dsProbeRound(): void {
    const ds = this.dispatcher!;
    for (const d of ds.probeTargets()) this.dsProbe(d);
    this.clock.schedule(ds.params.pingInterval * SECOND, () => this.dsProbeRound(), 'ds_ping_interval');
  }

  /** Sends `ds_ping_method` (OPTIONS) to a destination in a client transaction of its own. */
  private dsProbe(d: DsDestination): void {
    const p = this.dispatcher!.params;
    const branch = this.ids.branch();
    const method = p.pingMethod;
    const bytes = encodeMessage(`${method} ${d.uri} SIP/2.0`, [
      `Via: ${this.via(branch)}`,
      'Max-Forwards: 70',
      `From: <${p.pingFrom}>;tag=${this.ids.tag()}`,
      `To: <${d.uri}>`,
      `Call-ID: ${this.ids.callId(this.transport.local.host)}`,
      `CSeq: 10 ${method}`,
    ]);
    const probe = { d, done: false };
    const c = this.clientTransaction(
      bytes,
      branch,
      method,
      this.uriDestination(d.host, d.port),
      this.dsProbeTu,
      probe,
    );
    // tm's fr_timer ends a probe that got no final reply (Kamailio's local 408), as for a branch
    if (this.fr !== null)
      this.clock.schedule(
        this.fr,
        () => {
          if (probe.done) return;
          c.terminate('fr_timer fired');
          this.dsProbeDone(probe, 408);
        },
        'fr_timer',
      );
  }

  private readonly dsProbeTu = new CallbackTu(
    (tx, m) => {
      if ((m.status ?? 0) >= 200) this.dsProbeDone(dsProbeOf(tx), m.status ?? 0);
    },
    (tx) => this.dsProbeDone(dsProbeOf(tx), 408),
    (tx) => this.dsProbeDone(dsProbeOf(tx), 503),
  );

  private dsProbeDone(probe: { d: DsDestination; done: boolean }, code: number): void {
    if (probe.done) return;
    probe.done = true;
    const changed = this.dispatcher!.probeResult(probe.d, code);
    if (changed !== null)
      this.dsState(probe.d, `probe of ${probe.d.uri} answered ${code}: now ${changed}`, null);
  }
}

/** The probe a dispatcher OPTIONS transaction was sent for (its userData). */
function dsProbeOf(tx: TransactionInfo): { d: DsDestination; done: boolean } {
  return (tx as ClientTransaction).userData as { d: DsDestination; done: boolean };
}

/** `ds_select_dst(1, 4 round robin)`: a selection call as the dispatcher's events name it. */
function dsHow(name: string, set: number, alg: number): string {
  return `${name}(${set}, ${alg} ${DS_ALGORITHMS[alg] ?? '(not simulated: first entry)'})`;
}

/** A set id / algorithm / limit argument: an integer (number or decimal text), else null. */
function dsInt(v: ScriptValue | undefined): number | null {
  if (typeof v === 'number') return Number.isInteger(v) ? v : null;
  if (typeof v !== 'string' || !/^\s*[+-]?\d+\s*$/.test(v)) return null;
  return Number(v);
}

/**
 * A tm timer's value in ms (`t_set_fr`'s arguments, the `fr_timer`/`fr_inv_timer` modparams): a
 * positive number, at most 2^31-1 (a timer's range: beyond it the lab's real clock would fire at
 * once); 0 for anything else (text, 0, negative): the timer is left as it was.
 */
function timerMs(v: unknown): number {
  const n = Number(v ?? 0);
  return Number.isFinite(n) && n > 0 ? Math.min(Math.floor(n), 0x7fffffff) : 0;
}

/**
 * The script lines a run went through, as a reader wants them: a line recorded twice in a row (a
 * condition, then the statement on its line) once, and runs of consecutive lines as ranges:
 * 3,3,4,4,10,11,12,12,13,16 → "3-4,10-13,16" (order kept: a loop or route() call goes back).
 */
export function lineList(lines: readonly number[]): string {
  const out: string[] = [];
  let i = 0;
  while (i < lines.length) {
    const from = lines[i]!;
    let to = from;
    let j = i + 1;
    while (j < lines.length && (lines[j] === to || lines[j] === to + 1)) to = lines[j++]!;
    out.push(to === from ? String(from) : `${from}-${to}`);
    i = j;
  }
  return out.join(',');
}
