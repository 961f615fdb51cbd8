import type { NodeSpec } from './scenario';

/**
 * Routing scripts the built-in scenarios share (Kamailio-subset, see docs/script.md). A scenario
 * names one with `script: {builtin: NAME}` or writes its own inline.
 */

/** A record-routing, transaction-stateful proxy with registrar and location (trapezoid, forking). */
const STATEFUL = `
request_route {
  if (!mf_process_maxfwd_header("70")) { sl_send_reply("483", "Too Many Hops"); exit; }
  if (has_totag()) {
    if (loose_route()) { t_relay(); exit; }
    if (is_method("ACK")) { if (t_check_trans()) { t_relay(); } exit; }
    sl_send_reply("404", "Not here");
    exit;
  }
  if (is_method("CANCEL")) { if (t_check_trans()) { t_relay(); } exit; }
  if (is_method("REGISTER")) { save("location"); exit; }
  if (is_method("INVITE|SUBSCRIBE|REFER")) { record_route(); }
  if (uri == myself) {
    if (!lookup("location")) { sl_send_reply("404", "Not Found"); exit; }
  }
  t_relay();
}
`;

/** The same proxy, forwarding statelessly with forward(). */
const STATELESS = `
request_route {
  if (!mf_process_maxfwd_header("70")) { sl_send_reply("483", "Too Many Hops"); exit; }
  if (has_totag()) {
    if (loose_route()) { forward(); exit; }
    if (is_method("ACK")) { forward(); exit; }
    sl_send_reply("404", "Not here");
    exit;
  }
  if (is_method("REGISTER")) { save("location"); exit; }
  if (is_method("INVITE")) { record_route(); }
  if (uri == myself) {
    if (!lookup("location")) { sl_send_reply("404", "Not Found"); exit; }
  }
  forward();
}
`;

/** A registrar with digest authentication (RFC 3261 §10.3, §22). */
const REGISTRAR_DIGEST = `
request_route {
  if (is_method("REGISTER")) {
    if (!www_authorize("", "subscriber")) { www_challenge("", "0"); exit; }
    save("location");
    exit;
  }
  sl_send_reply("405", "Method Not Allowed");
}
`;

/** The stateful proxy without record_route(): later requests of the dialog bypass it. */
const STATEFUL_NORR = STATEFUL.replace(
  '  if (is_method("INVITE|SUBSCRIBE|REFER")) { record_route(); }\n',
  '',
);

export const BUILTIN_SCRIPTS: Readonly<Record<string, string>> = {
  'stateful-proxy': STATEFUL,
  'stateful-proxy-norr': STATEFUL_NORR,
  'stateless-proxy': STATELESS,
  'registrar-digest': REGISTRAR_DIGEST,
};

/**
 * The routing script a proxy or registrar node runs: its `builtin`, its inline text, or by default a
 * digest registrar (a registrar with `users`) or the stateful proxy. Undefined for an unknown builtin.
 */
export function nodeScriptSource(n: Pick<NodeSpec, 'role' | 'script' | 'users'>): string | undefined {
  if (typeof n.script === 'object') return BUILTIN_SCRIPTS[n.script.builtin];
  return (
    n.script ?? BUILTIN_SCRIPTS[n.role === 'registrar' && n.users ? 'registrar-digest' : 'stateful-proxy']
  );
}

/** The routing script a proxy or registrar node runs, as source text; null for other roles (or an unknown builtin). */
export function routingScriptOf(n: Pick<NodeSpec, 'role' | 'script' | 'users'>): string | null {
  return n.role === 'proxy' || n.role === 'registrar' ? (nodeScriptSource(n) ?? null) : null;
}
