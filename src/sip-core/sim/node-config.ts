/**
 * From a scenario/lab node spec to element configuration: one place, used by the simulator and the
 * lab, so a node means the same thing on the virtual network and on real sockets.
 */
import { loadScript, type ModParam } from '../script';
import { B2bua } from '../elements/b2bua';
import type { ElementEnv, SipElement } from '../elements/element';
import { Proxy } from '../elements/proxy';
import type { MediaRelayOptions, RelayPort } from '../elements/media-relay';
import { RedirectServer } from '../elements/redirect';
import type { LocationService } from '../elements/registrar';
import { StunServer } from '../elements/stun';
import { UserAgent } from '../elements/ua/user-agent';
import type { Transport } from '../stack/transport';
import { nodeScriptSource } from './scripts';
import { parseDispatcherList } from '../elements/dispatcher';
import { DEFAULT_TIMERS, type TimerConfig, timerConfig } from '../stack/transaction';
import { type NodeSpec, type Scenario, parseDuration } from './scenario';

/** The RFC 3261 timer bases of a scenario or lab (`timers: { t1, t2, t4 }`), defaults from Table 4. */
export function timerConfigOf(t: Scenario['timers'] = {}): TimerConfig {
  return timerConfig({
    T1: parseDuration(t.t1, DEFAULT_TIMERS.T1),
    T2: parseDuration(t.t2, DEFAULT_TIMERS.T2),
    T4: parseDuration(t.t4, DEFAULT_TIMERS.T4),
  });
}

/**
 * `modparam("usrloc", "use_domain", N)` of a script, as Kamailio reads it (non-zero: true); undefined
 * when the script does not set it (the location service's default, 0 as in Kamailio, stays).
 */
function useDomainModparam(mps: readonly ModParam[]): boolean | undefined {
  let v: boolean | undefined;
  for (const m of mps)
    if (m.module === 'usrloc' && m.param === 'use_domain') v = Number(m.value) !== 0 && m.value !== '';
  return v;
}

export type UaConfig = ConstructorParameters<typeof UserAgent>[2];

/** The user agent configuration of a `role: ua` node listening on `host`. */
export function uaConfigOf(n: NodeSpec, host: string): UaConfig {
  return {
    aor: n.aor ?? `sip:${n.name.toLowerCase().replace(/\s+/g, '')}@${host}`,
    ...(n.displayName !== undefined ? { displayName: n.displayName } : {}),
    ...(n.username !== undefined ? { username: n.username } : {}),
    ...(n.password !== undefined ? { password: n.password } : {}),
    ...(n.proxies ? { outboundProxies: n.proxies } : {}),
    ...(n.registrar !== undefined ? { registrar: n.registrar } : {}),
    answer: {
      ring: n.answer?.ring ?? true,
      after:
        n.answer && 'after' in n.answer && n.answer.after === null ? null : parseDuration(n.answer?.after, 0),
      ...(n.answer?.reject
        ? {
            reject: {
              code: n.answer.reject,
              after: parseDuration(n.answer.rejectAfter, 0),
              ...(n.answer.reason ? { reason: n.answer.reason } : {}),
            },
          }
        : {}),
    },
    ...(n.use100rel !== undefined ? { use100rel: n.use100rel } : {}),
    ...(n.earlyMedia !== undefined ? { earlyMedia: n.earlyMedia } : {}),
    ...(n.sessionExpires !== undefined ? { sessionExpires: n.sessionExpires } : {}),
    ...(n.minSE !== undefined ? { minSE: n.minSE } : {}),
    ...(n.sessionRefresh !== undefined ? { sessionRefresh: n.sessionRefresh } : {}),
    ...(n.lateOffer !== undefined ? { lateOffer: n.lateOffer } : {}),
    ...(n.followRedirects !== undefined ? { followRedirects: n.followRedirects } : {}),
    ...(n.mediaPort !== undefined ? { mediaPort: n.mediaPort } : {}),
    ...(n.codecs !== undefined ? { codecs: n.codecs } : {}),
    ...(n.rtcpMux !== undefined ? { rtcpMux: n.rtcpMux } : {}),
    ...(n.rtp !== undefined ? { rtpBurst: n.rtp } : {}),
    ...(n.comedia !== undefined ? { comedia: n.comedia } : {}),
    ...(n.preauth ? { preauth: n.preauth } : {}),
    ...(n.expires !== undefined ? { expires: n.expires } : {}),
  };
}

/** What {@link buildElement} needs besides the node: shared location services, media ports, errors. */
export interface BuildDeps {
  /** The location service named `name` (shared by the nodes that name the same one). */
  location: (name: string) => LocationService;
  /** Opens a media port on the node's host (the proxy's media relay); absent: no relay; null: taken. */
  bindMedia?: (port: number) => RelayPort | null;
  /** The media relay's bounds and reports (the lab's; absent: the simulator's defaults). */
  mediaRelay?: MediaRelayOptions;
  /** Reports a configuration error (unknown builtin script, script errors); must throw. */
  fail: (message: string) => never;
}

/**
 * The element of a scenario/lab node (every role but `nat`), on `transport` (simulated or real):
 * one construction for the simulator and the lab, so a node behaves the same in both. The caller
 * adds what differs (the simulator's media port for a UA).
 */
export function buildElement(
  n: NodeSpec,
  host: string,
  env: ElementEnv,
  transport: Transport,
  deps: BuildDeps,
): SipElement | StunServer {
  switch (n.role) {
    case 'ua': {
      const ua = new UserAgent(env, transport, uaConfigOf(n, host));
      ua.rportInVia = n.rport ?? true;
      return ua;
    }
    case 'proxy':
    case 'registrar': {
      const src = nodeScriptSource(n);
      if (src === undefined) return deps.fail(`node "${n.name}": unknown builtin script`);
      const ls = loadScript(src);
      if (!ls.script) {
        const e = ls.diagnostics
          .filter((d) => d.severity === 'error')
          .map((d) => `${d.line}:${d.col}: ${d.message}`);
        return deps.fail(`node "${n.name}": routing script errors:\n${e.join('\n')}`);
      }
      const loc = deps.location(n.location ?? n.name);
      const ud = n.useDomain ?? useDomainModparam(ls.script.modparams);
      if (ud !== undefined) loc.useDomain = ud;
      const now = env.clock.now();
      for (const [aor, list] of Object.entries(n.locations ?? {}))
        for (const c of list) {
          if (typeof c === 'string') loc.add(aor, c, now, 86400);
          else loc.add(aor, c.contact, now, 86400, c.q ?? 1);
        }
      return new Proxy(env, transport, {
        script: ls.script,
        domains: n.domains ?? [],
        location: loc,
        ...(n.users ? { users: n.users } : {}),
        ...(n.nonce !== undefined ? { staticNonce: n.nonce } : {}),
        ...(n.trying ? { trying: n.trying } : {}),
        ...(n.loopDetection !== undefined ? { loopDetection: n.loopDetection } : {}),
        ...(deps.bindMedia ? { bindMedia: deps.bindMedia } : {}),
        ...(deps.mediaRelay ? { mediaRelay: deps.mediaRelay } : {}),
        ...(n.dispatcher !== undefined ? { dispatcher: parseDispatcherList(n.dispatcher) } : {}),
      });
    }
    case 'redirect': {
      const loc = deps.location(n.location ?? n.name);
      if (n.useDomain !== undefined) loc.useDomain = n.useDomain;
      return new RedirectServer(env, transport, {
        redirects: n.redirects ?? {},
        location: loc,
        ...(n.redirectCode ? { code: n.redirectCode } : {}),
      });
    }
    case 'b2bua':
      return new B2bua(env, transport, { ...(n.next !== undefined ? { next: n.next } : {}) });
    case 'stun':
      return new StunServer(n.name, transport, env.clock, env.events);
    default:
      return deps.fail(`node "${n.name}": role ${n.role} is not an element`);
  }
}
