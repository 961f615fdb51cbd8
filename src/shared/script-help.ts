/**
 * What the routing script's functions do, for the script view (a click on a statement's result):
 * in a sentence, what its return code means, and where the RFC (or Kamailio's module) says so.
 * Every function the built-in scripts, scenarios and labs call has an entry (a test keeps it so).
 */
export interface ScriptFunctionHelp {
  /** What it does. */
  does: string;
  /** What a positive / negative return means (Kamailio: positive is true, negative false). */
  returns: string;
  /** `RFC 3261 §16.6` or the Kamailio module it comes from. */
  ref: string;
}

export const SCRIPT_HELP: Readonly<Record<string, ScriptFunctionHelp>> = {
  mf_process_maxfwd_header: {
    does: 'Decrements Max-Forwards (adds it with the given value when missing).',
    returns:
      'negative when Max-Forwards was already 0: the request must be answered 483 Too Many Hops, not forwarded.',
    ref: 'RFC 3261 §16.3 step 2, §16.6 step 3 (maxfwd module)',
  },
  has_totag: {
    does: 'Tests whether the To header has a tag, i.e. the request belongs to an existing dialog (in-dialog: ACK, BYE, re-INVITE).',
    returns: 'positive for an in-dialog request, negative for an initial one.',
    ref: 'RFC 3261 §12.2 (siputils module)',
  },
  loose_route: {
    does: "Processes the Route header: removes this proxy's own entry and sends the request on to the next Route or the Request-URI.",
    returns:
      'positive when the request carried a Route set to follow (an in-dialog request through record-routing proxies).',
    ref: 'RFC 3261 §16.4, §16.12 (rr module)',
  },
  record_route: {
    does: "Adds a Record-Route header with this proxy's address, so the dialog's later requests (ACK for a 2xx, BYE, re-INVITE) come through this proxy too.",
    returns: 'positive when added.',
    ref: 'RFC 3261 §16.6 step 4, §12.1.1 (rr module)',
  },
  is_method: {
    does: "Tests the request's method (several separated by |).",
    returns: 'positive when it is one of them.',
    ref: 'textops / core',
  },
  t_check_trans: {
    does: "Looks for an existing transaction this request belongs to (a retransmission, a CANCEL's INVITE, the ACK of a negative reply).",
    returns: 'positive when one exists (for a CANCEL: the INVITE transaction it cancels).',
    ref: 'RFC 3261 §17.2.3, §9.2 (tm module)',
  },
  t_relay: {
    does: 'Forwards the request statefully: creates a server transaction (100 Trying for an INVITE) and a client transaction per branch, with their timers, and relays the replies back.',
    returns: 'positive when sent, negative when it could not be (no route to the target).',
    ref: 'RFC 3261 §16.6, §17 (tm module)',
  },
  forward: {
    does: 'Forwards the request statelessly: one Via added, no transaction, no retransmission handling.',
    returns: 'positive when sent.',
    ref: 'RFC 3261 §16.11 (core)',
  },
  sl_send_reply: {
    does: 'Answers the request statelessly with the given code and reason.',
    returns: 'positive when sent.',
    ref: 'RFC 3261 §8.2.6 (sl module)',
  },
  t_reply: {
    does: 'Answers the request through its transaction (which then absorbs retransmissions).',
    returns: 'positive when sent.',
    ref: 'RFC 3261 §17.2 (tm module)',
  },
  save: {
    does: "Registrar: stores the REGISTER's Contact bindings for its To address-of-record in the location table and answers 200 with the current bindings.",
    returns: 'positive when saved and answered.',
    ref: 'RFC 3261 §10.3 (registrar module)',
  },
  lookup: {
    does: 'Location service: replaces the Request-URI with the contact registered for it (several contacts: parallel branches).',
    returns:
      'positive when a binding was found; negative when the user is not registered (the script then answers 404).',
    ref: 'RFC 3261 §10, §16.5 (registrar module)',
  },
  t_on_failure: {
    does: 'Arms a failure_route for this transaction: it runs when every branch ended with a negative final reply (call forwarding on busy / no answer).',
    returns: 'positive.',
    ref: 'RFC 3261 §16.7 step 6 (tm module)',
  },
  t_on_reply: {
    does: 'Arms an onreply_route for this transaction: it runs for each reply (e.g. to fix a NATed Contact in it).',
    returns: 'positive.',
    ref: 'tm module',
  },
  t_check_status: {
    does: "In a failure or reply route: tests the reply's status code against a regular expression.",
    returns: 'positive when it matches.',
    ref: 'tm module',
  },
  t_load_contacts: {
    does: 'Orders the branches by their q-values into groups, for sequential forking.',
    returns: 'positive when there were contacts to load.',
    ref: 'RFC 3261 §16.6, q-values §10.2.1.2 (tm module)',
  },
  t_next_contacts: {
    does: "Takes the next group of contacts (highest q first) as the request's branches.",
    returns: 'positive when a group was left; negative when all were tried.',
    ref: 'tm module',
  },
  nat_uac_test: {
    does: 'Tests whether the sender is behind a NAT (flags: 1 private Contact, 2 Via address differs from the source, 16 source port differs from the Via port…).',
    returns: 'positive when one of the tests says NAT.',
    ref: 'RFC 3581 (nathelper module)',
  },
  fix_nated_contact: {
    does: 'Rewrites the Contact URI to the address and port the request came from, so requests to this phone reach it through its NAT binding.',
    returns: 'positive when rewritten.',
    ref: 'nathelper module',
  },
  fix_nated_register: {
    does: 'For a REGISTER: stores the source address with the binding, so calls to the user go through the NAT binding the REGISTER opened.',
    returns: 'positive.',
    ref: 'nathelper module',
  },
  force_rport: {
    does: 'Acts as if the top Via had rport: replies go back to the source port the request came from.',
    returns: 'positive.',
    ref: 'RFC 3581 §4 (core)',
  },
  proxy_authorize: {
    does: "Checks the request's Proxy-Authorization credentials (digest) against the users of the realm.",
    returns:
      'positive when the credentials are valid; negative when missing or wrong (the script then challenges).',
    ref: 'RFC 3261 §22.3, RFC 2617 (auth module)',
  },
  proxy_challenge: {
    does: 'Answers 407 Proxy Authentication Required with a fresh nonce, asking the caller to authenticate.',
    returns: 'positive when sent.',
    ref: 'RFC 3261 §22.3 (auth module)',
  },
  www_authorize: {
    does: "Checks the request's Authorization credentials (digest), as a registrar does.",
    returns: 'positive when the credentials are valid; negative when missing or wrong.',
    ref: 'RFC 3261 §22.4 (auth module)',
  },
  www_challenge: {
    does: 'Answers 401 Unauthorized with a fresh nonce (WWW-Authenticate).',
    returns: 'positive when sent.',
    ref: 'RFC 3261 §22.4 (auth module)',
  },
  setflag: {
    does: "Sets a flag on this message's transaction (kept for its failure and reply routes).",
    returns: 'positive.',
    ref: 'core',
  },
  xlog: {
    does: 'Writes a line to the log (pseudo-variables such as $rm, $ru expanded); shown among the element events.',
    returns: 'positive.',
    ref: 'xlog module',
  },
  myself: {
    does: '`uri == myself` tests whether the Request-URI names this proxy: its own address (with its port) or a domain or alias it serves — the request is for one of its users, to look up in the location service.',
    returns: "true when the Request-URI is this proxy's.",
    ref: 'RFC 3261 §16.4, §16.5 (core: check_self)',
  },
  t_is_canceled: {
    does: 'Tests whether the caller cancelled the transaction (a CANCEL came): a failure_route then stops instead of trying another destination.',
    returns: 'positive when cancelled.',
    ref: 'RFC 3261 §9.2, §16.10 (tm module)',
  },
  ds_select_dst: {
    does: "Picks a destination of a dispatcher set (the node's `dispatcher:` list) with an algorithm — 0 hash over the Call-ID, 1 From URI, 2 To URI, 3 Request-URI, 4 round robin, 6 random, 8 priority order, 9 weight — and puts it in $du, the outbound proxy: t_relay() sends there while the Request-URI stays as it was. Inactive and disabled destinations are skipped. With modparam flags=2 the set's other usable destinations are kept, in order, for ds_next_dst() (at most the optional limit).",
    returns:
      'positive when a destination was selected; negative when the set is unknown or none of its destinations is usable (answer 503 then).',
    ref: 'dispatcher module',
  },
  ds_select_domain: {
    does: "As ds_select_dst, but writes the chosen destination's host and port into the Request-URI instead of $du.",
    returns: 'positive when a destination was selected; negative when none is usable.',
    ref: 'dispatcher module',
  },
  ds_select: {
    does: 'Selects destinations of a set as ds_select_dst does but changes neither $du nor the Request-URI: ds_next_dst() or ds_next_domain() then takes the first.',
    returns: 'positive when a destination was selected; negative when none is usable.',
    ref: 'dispatcher module',
  },
  ds_next_dst: {
    does: 'Failover: puts the next destination of the earlier selection in $du (typically in a failure_route, after a 408 or 5xx), so t_relay() tries it as a new branch of the same transaction.',
    returns:
      'positive when there was one; negative when every selected destination was tried (or failover is off: modparam flags without 2).',
    ref: 'dispatcher module',
  },
  ds_next_domain: {
    does: "Failover as ds_next_dst, but writes the next destination's host and port into the Request-URI.",
    returns: 'positive when there was one; negative when none is left.',
    ref: 'dispatcher module',
  },
  ds_set_dst: {
    does: 'Puts the destination in use of the selection (again) in $du.',
    returns: 'positive; negative without a selection.',
    ref: 'dispatcher module',
  },
  ds_set_domain: {
    does: "Writes the destination in use of the selection (again) into the Request-URI's host and port.",
    returns: 'positive; negative without a selection.',
    ref: 'dispatcher module',
  },
  ds_mark_dst: {
    does: 'Changes the state of the destination in use: "a" active, "i" inactive (skipped by later selections; the default), "t" trying (inactive after ds_probing_threshold failures), "d" disabled; with "p" it is also probed: OPTIONS every ds_ping_interval seconds (which destinations, and until when, is ds_probing_mode: 0 probes it once, 2 until it answers), and a 200 (or a ds_ping_reply_codes code) makes it active again.',
    returns: 'positive when marked; negative without a destination in use or with an unknown state.',
    ref: 'dispatcher module',
  },
  ds_is_from_list: {
    does: 'Tests whether the request comes from (or the given URI names) a destination of a set (all sets when none or -1 is given): e.g. to trust calls coming back from the gateways. Mode bits: 1 ignore the port, 2 ignore the protocol, 4 only active destinations.',
    returns: 'positive when the address is in the list.',
    ref: 'dispatcher module',
  },
  ds_list_exists: {
    does: 'Tests whether a destination set with this id is in the list.',
    returns: 'positive when it exists.',
    ref: 'dispatcher module',
  },
  ds_list_exist: {
    does: 'Alias of ds_list_exists: tests whether the destination set exists.',
    returns: 'positive when it exists.',
    ref: 'dispatcher module',
  },
  ds_is_active: {
    does: 'Tests whether a set has a usable (not inactive, not disabled) destination, or whether the given destination URI of the set is usable.',
    returns: 'positive when one is.',
    ref: 'dispatcher module',
  },
  rtpproxy_manage: {
    does: "Asks the media relay to relay this call's RTP: the SDP's address and port are rewritten to the relay's.",
    returns: 'positive when the relay answered.',
    ref: 'rtpproxy module',
  },
};

/** The help for a statement's text (`record_route()`, `if (has_totag())` → has_totag's), or null. */
export function scriptHelpFor(statement: string): { name: string; help: ScriptFunctionHelp } | null {
  if (/\b(?:uri|\$ru|\$rd)\s*==\s*myself\b/.test(statement))
    return { name: 'uri == myself', help: SCRIPT_HELP.myself };
  const m =
    /^(?:if|while)\s*\(\s*!*\s*([a-z_][a-z0-9_]*)\s*\(/.exec(statement) ??
    /^([a-z_][a-z0-9_]*)\s*\(/.exec(statement);
  if (!m || !Object.hasOwn(SCRIPT_HELP, m[1])) return null;
  return { name: m[1], help: SCRIPT_HELP[m[1]] };
}
