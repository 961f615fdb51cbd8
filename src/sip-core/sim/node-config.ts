/**
 * From a scenario/lab node spec to element configuration: one place, used by the simulator and the
 * lab, so a node means the same thing on the virtual network and on real sockets.
 */
import type { UserAgent } from '../elements/ua/user-agent';
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
    ...(n.lateOffer !== undefined ? { lateOffer: n.lateOffer } : {}),
    ...(n.followRedirects !== undefined ? { followRedirects: n.followRedirects } : {}),
    ...(n.mediaPort !== undefined ? { mediaPort: n.mediaPort } : {}),
    ...(n.preauth ? { preauth: n.preauth } : {}),
    ...(n.expires !== undefined ? { expires: n.expires } : {}),
  };
}
