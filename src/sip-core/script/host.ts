/**
 * The interface between the routing-script interpreter and the SIP element that runs it.
 *
 * The interpreter does no SIP itself: a proxy (or registrar, redirect server) implements
 * {@link ScriptHost} and the interpreter calls it for every pseudo-variable and core function.
 * Method names are the Kamailio function names in camelCase (`t_relay` → `tRelay`), so a grep for
 * either finds both. Results follow Kamailio's convention: a positive number (or `true`) is
 * success, a negative number (or `false`) is failure, and **0 stops the script** (like `exit`).
 */
import type { ScriptValue } from './ast';

/** Success/failure as Kamailio functions report it; `true` = 1, `false` = -1. */
export type ScriptResult = boolean | number;

/** A destination given to `t_relay(...)`/`forward(...)`: `[proto:]host[:port]`. */
export interface RelayTarget {
  proto: string | null;
  host: string;
  port: number | null;
}

/** xlog levels (`L_ALERT` ... `L_DBG`), as written in the script, e.g. `"L_INFO"`. */
export type LogLevel = string;

export interface ScriptHost<M> {
  /**
   * Value of a message pseudo-variable (`$ru` → name `ru`, `$hdr(Via)` → name `hdr`, arg `Via`).
   * Return null when absent (the script sees `$null`). `$var`, `$avp`, `$xavp`, `$rc` and flags are
   * kept by the interpreter in its {@link ScriptState} and never reach the host.
   */
  getPv(name: string, arg: string | null, msg: M): ScriptValue;
  /** Assigns a writable pseudo-variable (`$ru`, `$rU`, `$rd`, `$rp`, `$du`, ...); false if read-only. */
  setPv(name: string, arg: string | null, value: ScriptValue, msg: M): boolean;
  /** The `myself` keyword: is this host/IP/URI one of the element's own addresses or aliases? */
  isMyself(value: string, msg: M): boolean;

  /** `is_method("INVITE|REGISTER")`. */
  isMethod(msg: M, methods: readonly string[]): boolean;
  /** `has_totag()`: the To header has a tag (an in-dialog request). */
  hasTotag(msg: M): boolean;
  /** `loose_route()` (RFC 3261 §16.4; strict routers per §16.12 are the host's business). */
  looseRoute(msg: M): ScriptResult;
  /** `record_route([params])` (RFC 3261 §16.6 step 4). */
  recordRoute(msg: M, params: string | null): ScriptResult;
  /** `save("location"[, flags[, uri]])`: a registrar binding update (RFC 3261 §10.3). */
  save(msg: M, table: string, flags: string | null, uri: string | null): ScriptResult;
  /** `lookup("location"[, uri])`: rewrites the Request-URI (and branches) from the location service. */
  lookup(msg: M, table: string, uri: string | null): ScriptResult;
  /** `t_relay([host, port])`: transaction-stateful forwarding (RFC 3261 §16). */
  tRelay(msg: M, target: RelayTarget | null): ScriptResult;
  /** `forward([host[, port]])`: stateless forwarding (RFC 3261 §16.11). */
  forward(msg: M, target: RelayTarget | null): ScriptResult;
  /** `sl_send_reply(code, reason)` / `send_reply(...)`: stateless reply. */
  slSendReply(msg: M, code: number, reason: string): ScriptResult;
  /** `t_reply(code, reason)`: reply within the server transaction. */
  tReply(msg: M, code: number, reason: string): ScriptResult;
  /** `append_hf("Name: value\r\n"[, "AfterHeader"])`. */
  appendHf(msg: M, text: string, after: string | null): ScriptResult;
  /** `remove_hf("Name")`: number of fields removed (≤0 when none). */
  removeHf(msg: M, name: string): ScriptResult;
  /** `is_present_hf("Name")`. */
  isPresentHf(msg: M, name: string): boolean;
  /** `xlog([level,] text)` and `xdbg`/`xinfo`/...: the text has its pseudo-variables expanded. */
  xlog(msg: M, level: LogLevel, text: string): void;
  /** `force_rport()` / `add_rport()` (RFC 3581). */
  forceRport(msg: M): ScriptResult;
  /** `nat_uac_test(flags)`: nathelper's NAT detection bit tests. */
  natUacTest(msg: M, flags: number): boolean;
  /** `fix_nated_contact()`. */
  fixNatedContact(msg: M): ScriptResult;
  /** `fix_nated_register()`. */
  fixNatedRegister(msg: M): ScriptResult;
  /** `www_authorize(realm, table)` (RFC 3261 §22.2, digest per RFC 2617/7616). */
  wwwAuthorize(msg: M, realm: string, table: string): ScriptResult;
  /** `www_challenge(realm, flags)`: sends 401 with WWW-Authenticate. */
  wwwChallenge(msg: M, realm: string, flags: number): ScriptResult;
  /** `proxy_authorize(realm, table)` (RFC 3261 §22.3). */
  proxyAuthorize(msg: M, realm: string, table: string): ScriptResult;
  /** `proxy_challenge(realm, flags)`: sends 407 with Proxy-Authenticate. */
  proxyChallenge(msg: M, realm: string, flags: number): ScriptResult;
  /** `t_on_failure("NAME")`: arm `failure_route[NAME]` for the transaction. */
  tOnFailure(msg: M, route: string): void;
  /** `t_on_reply("NAME")`: arm `onreply_route[NAME]`. */
  tOnReply(msg: M, route: string): void;
  /** `t_on_branch("NAME")`: arm `branch_route[NAME]`. */
  tOnBranch(msg: M, route: string): void;
  /** `t_load_contacts()`: order branches by q-value for serial forking. */
  tLoadContacts(msg: M): ScriptResult;
  /** `t_next_contacts()`: take the next q-value group of branches. */
  tNextContacts(msg: M): ScriptResult;
  /** `mf_process_maxfwd_header(max)`: -1 when Max-Forwards is 0 (reply 483), else decrements. */
  mfProcessMaxfwdHeader(msg: M, max: number): ScriptResult;
  /** `uri_param("name"[, "value"])`: Request-URI parameter test. */
  uriParamMatches(msg: M, name: string, value: string | null): boolean;
  /**
   * Any other catalogued function (e.g. `sanity_check`, `t_check_trans`, `t_newtran`,
   * `set_contact_alias`). Return undefined to let the catalogue's documented default apply
   * (recorded as "not simulated" in the execution record).
   */
  call?(name: string, args: readonly ScriptValue[], msg: M): ScriptResult | undefined;
}
