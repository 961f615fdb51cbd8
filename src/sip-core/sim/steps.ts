/**
 * Scenario steps acted out by a user agent: shared by the simulator (virtual clock) and the lab
 * (real sockets), so a step means the same thing in both.
 */
import type { IdSource } from '../stack/clock';
import type { DtmfSend, UserAgent } from '../elements/ua/user-agent';
import { stunBindingRequest } from '../elements/stun';
import { parseDuration, type StepSpec } from './scenario';

/** A `dtmf` step's method, duration per key and pause (defaults: RFC 4733, 100 ms, 100 ms). */
export function dtmfHow(s: StepSpec): DtmfSend {
  return {
    method: s.method ?? 'rfc4733',
    durationMs: Math.round(parseDuration(s.duration, 100_000) / 1000),
    pauseMs: Math.round(parseDuration(s.pause, 100_000) / 1000),
  };
}

/** `host:port`, `[v6]:port` or a bare host → host and port (`defPort` when absent). */
export function splitAddress(a: string, defPort: number): { host: string; port: number } {
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(a);
  if (v6) return { host: v6[1]!, port: v6[2] ? Number(v6[2]) : defPort };
  const i = a.lastIndexOf(':');
  if (i > 0 && a.indexOf(':') === i) return { host: a.slice(0, i), port: Number(a.slice(i + 1)) };
  return { host: a, port: defPort };
}

/** Sends a STUN Binding request from a UA's SIP port and adopts the mapped address (RFC 5389). */
export function stunDiscover(ua: UserAgent, ids: IdSource, host: string, port: number): void {
  const prev = ua.stunHandler;
  ua.stunHandler = (mapped): void => {
    ua.advertised = mapped;
    ua.log(`STUN: public address is ${mapped.host}:${mapped.port}`, {
      mapped: `${mapped.host}:${mapped.port}`,
    });
    ua.stunHandler = prev;
  };
  ua.transport.send(stunBindingRequest(ids), { host, port, transport: 'UDP' });
  // and from the media port, so the SDP can carry the public RTP address too
  ua.media?.send(stunBindingRequest(ids), { host, port, transport: 'UDP' });
}

/**
 * Performs a UA step. Returns `'done'`, `'nothing'` when there was nothing to act on (no call to
 * hang up...), or `'unsupported'` for actions that are not a user agent's (network `down`/`up`).
 */
export function runUaStep(e: UserAgent, s: StepSpec, ids: IdSource): 'done' | 'nothing' | 'unsupported' {
  const call = (): ReturnType<UserAgent['findCall']> | undefined => (s.id ? e.findCall(s.id, []) : undefined);
  let ok = true;
  switch (s.action) {
    case 'register':
      e.register({
        ...(s.expires !== undefined ? { expires: s.expires } : {}),
        ...(s.query ? { query: true } : {}),
        ...(s.wildcard ? { wildcard: true } : {}),
      });
      break;
    case 'unregister':
      e.register({ expires: 0, ...(s.wildcard ? { wildcard: true } : {}) });
      break;
    case 'call':
      e.call(s.to ?? '', s.id ? { id: s.id } : {});
      break;
    case 'answer':
      ok = e.answerCall(call());
      break;
    case 'reject':
      ok = e.reject(s.code ?? 486, call());
      break;
    case 'cancel':
      ok = e.cancel(call());
      break;
    case 'hangup':
      ok = e.hangup(call());
      break;
    case 'hold':
      ok = e.reinvite(s.direction ?? 'sendonly');
      break;
    case 'resume':
      ok = e.reinvite('sendrecv');
      break;
    case 'reinvite':
      ok = e.reinvite(s.direction ?? 'sendrecv');
      break;
    case 'update':
      ok = e.update();
      break;
    case 'refer': {
      // an attended transfer names the consultation call whose dialog the target replaces (RFC 5589 §7)
      const replaces = s.replaces ? e.findCall(s.replaces, []) : undefined;
      if (s.replaces && !replaces) ok = false;
      else ok = e.refer(s.to ?? '', call(), replaces);
      break;
    }
    case 'subscribe':
      e.subscribe(s.to ?? '', s.expires ?? 3600);
      break;
    case 'unsubscribe':
      ok = e.unsubscribe(s.to);
      break;
    case 'presence':
      ok = e.setPresence(s.text === 'closed' ? 'closed' : 'open');
      break;
    case 'options':
    case 'message':
      e.request(
        s.action.toUpperCase(),
        s.to ?? '',
        s.action === 'message' ? { body: s.text ?? 'Hello' } : {},
      );
      break;
    case 'dtmf':
      ok = e.dtmf(s.digits ?? '', dtmfHow(s), call()) === null;
      break;
    case 'stun': {
      const { host, port } = splitAddress(s.to ?? '', 3478);
      stunDiscover(e, ids, host, port);
      break;
    }
    default:
      return 'unsupported';
  }
  return ok ? 'done' : 'nothing';
}
