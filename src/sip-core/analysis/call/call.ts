/**
 * Calls: the Call-ID groups of a trace, joined into calls across B2BUAs (see correlate.ts), with the
 * per-call state classes Wireshark's VoIP calls and sngrep use.
 */

/**
 * setup (INVITE sent, nothing but 100), ringing (18x), in-call (2xx, no BYE yet), completed (BYE),
 * cancelled (CANCEL / 487), rejected (4xx, 6xx), busy (486, 600), failed (5xx, 408, Timer B, or a
 * proxy's Timer C after a 100), redirected (3xx). Non-INVITE sessions use completed / rejected /
 * failed / setup.
 */
export type CallState =
  'setup' | 'ringing' | 'in-call' | 'completed' | 'cancelled' | 'rejected' | 'busy' | 'failed' | 'redirected';
export const CALL_STATES: readonly CallState[] = [
  'setup',
  'ringing',
  'in-call',
  'completed',
  'cancelled',
  'rejected',
  'busy',
  'failed',
  'redirected',
];

/** What a Call-ID group is about, from its first request (or any INVITE). */
export type CallType = 'call' | 'registration' | 'subscription' | 'options' | 'message' | 'other';

export function callTypeOf(method: string): CallType {
  switch (method) {
    case 'INVITE':
      return 'call';
    case 'REGISTER':
      return 'registration';
    case 'SUBSCRIBE':
    case 'NOTIFY':
    case 'PUBLISH':
    case 'REFER':
      return 'subscription';
    case 'OPTIONS':
      return 'options';
    case 'MESSAGE':
      return 'message';
    default:
      return 'other';
  }
}

/** One link between two Call-ID groups, with why and how sure. */
export interface CallLink {
  /** Call-IDs of the earlier leg (a) and the later leg (b). */
  a: string;
  b: string;
  reason:
    | 'x-cid'
    | 'hep-correlation-id'
    | 'icid'
    | 'call-id-suffix'
    | 'sdp-media'
    | 'diversion'
    | 'history-info'
    | 'manual';
  confidence: number;
  detail: string;
}

/** Per Call-ID bookkeeping (internal). */
export interface CallGroup {
  idx: number;
  callId: string;
  /** Union-find parent (index of a group); a root is its own parent. */
  parent: number;
  /**
   * Message ids, in trace order (opening one call's ladder reads only these): the first and last, and
   * how many; each links to the next by the analyzer's per-message column (`TraceAnalyzer.groupIds`).
   */
  firstId: number;
  lastId: number;
  count: number;
  /** Message with the latest time (the group's last time: `trace.timeUs(latestId)`). */
  latestId: number;
  type: CallType;
  /** First request method seen. */
  firstMethod: string;
  /** Message whose source is the originating address (the first initial INVITE / first request), -1: none. */
  originId: number;
  /** Id of the first initial request (-1: none). */
  firstRequestId: number;
  /**
   * Messages whose times are the call's (-1: none; times read from the trace where used, so the
   * group keeps no boxed doubles): the first initial INVITE, the first 18x towards the origin, the
   * first 2xx towards the origin, the first BYE, its end (its 2xx). The first time is `firstId`'s.
   */
  inviteId: number;
  ringId: number;
  /** A provisional response to the first initial INVITE reached the caller (`CallFacts.trying`). */
  trying: boolean;
  answerId: number;
  /**
   * A call whose INVITE is not in the capture (`startsOpenCall`): its first in-dialog request that only
   * a confirmed dialog sends (BYE, re-INVITE, UPDATE, INFO...), when no 2xx to its INVITE was seen: the
   * call was answered before that (-1: none; `preAnswered`).
   */
  preAnswerId: number;
  byeId: number;
  endId: number;
  finalStatus: number;
  cancelled: boolean;
  /** Challenges (401/407) seen, and of those, to requests that carried credentials. */
  challenges: number;
  credChallenges: number;
  authFlagged: boolean;
  /** Request-URI user of the first INVITE (Diversion correlation). */
  ruriUser: string | null;
  /** Voice codecs of the first offer and answer; media endpoints of all SDP (capped). */
  offerCodecs: string[] | null;
  answerCodecs: string[] | null;
  media: string[];
  /**
   * The group's first and last dialog (-1: none; each links to the next by `Dialog.next`) and
   * transaction (-1: none; linked by `TxnTable.next`), in the order they were made.
   */
  dlgHead: number;
  dlgTail: number;
  txnHead: number;
  txnTail: number;
  /** Links to other groups (this group is the later leg). */
  links: CallLink[] | null;
  /** Hold seen in this group. */
  hold: boolean;
  /** Diagnostics raised on this group's messages as they arrived (time-dependent ones not included). */
  diags: number;
}

/**
 * The facts of a Call-ID group that decide its state (`TraceAnalyzer.callFacts`, or the tiered
 * analysis' columns); times in µs, -1: none.
 */
export interface CallFacts {
  type: CallType;
  finalStatus: number;
  cancelled: boolean;
  firstUs: number;
  inviteUs: number;
  ringUs: number;
  /**
   * The call's INVITE got a provisional response towards the caller (a 100 Trying or any 1xx): its
   * client transaction left Calling for Proceeding (RFC 3261 §17.1.1.2), so Timer B no longer runs.
   */
  trying: boolean;
  answerUs: number;
  byeUs: number;
}

/** 64·T1 (Timer B) with T1 = 500 ms, in µs. */
const TIMER_B_US = 32e6;
/**
 * A proxy's Timer C: "greater than 3 minutes" (RFC 3261 §16.6 step 11); when it fires without a final
 * response the proxy answers 408 itself (§16.8). An INVITE in Proceeding with no final response after
 * that long is failed. µs.
 */
export const TIMER_C_US = 180e6;

/**
 * A Call-ID group whose first message is this one is a call whose start the capture missed (the capture
 * began during the call, or lost its INVITE): a response to an INVITE-dialog request (the INVITE's final
 * tells the state: 486 busy, 200 answered, 487 cancelled), a CANCEL, or a request in an INVITE dialog
 * (To tag: ACK, BYE, re-INVITE, PRACK, UPDATE, INFO). `method` is a response's CSeq method.
 */
export function startsOpenCall(method: string, request: boolean, hasToTag: boolean): boolean {
  switch (method) {
    case 'CANCEL':
    case 'BYE':
    case 'PRACK':
    case 'UPDATE':
    case 'INFO':
      return request ? hasToTag || method === 'CANCEL' : true;
    case 'INVITE':
    case 'ACK':
      return !request || hasToTag;
    default:
      return false;
  }
}

/**
 * An in-dialog request of a call whose start the capture missed that says its dialog was confirmed (the
 * call answered) before it: any but ACK (also a non-2xx final's), CANCEL and PRACK (early dialogs).
 */
export function preAnswered(method: string): boolean {
  return method !== 'ACK' && method !== 'CANCEL' && method !== 'PRACK';
}

/**
 * A response that matches no request seen whose request may have been sent before the trace's first
 * message (`firstUs`), µs: within a proxy's Timer C (> 3 min, RFC 3261 §16.6 step 11) for an INVITE (a
 * phone may ring that long before its final), within Timer F (64·T1, §17.1.2.2) for any other request,
 * whose client gives up by then. Later, the request should have been in the capture: unmatched.
 */
export function requestMayPredateCapture(invite: boolean, us: number, firstUs: number): boolean {
  return us - firstUs <= (invite ? TIMER_C_US : TIMER_B_US);
}

/** Classifies an INVITE call from its A-leg facts. */
export function classifyCall(g: CallFacts, nowUs: number): CallState {
  if (g.type !== 'call') {
    if (g.finalStatus === 0) return nowUs - g.firstUs > 32e6 ? 'failed' : 'setup';
    if (g.finalStatus < 300) return 'completed';
    if (g.finalStatus >= 500 || g.finalStatus === 408) return 'failed';
    return 'rejected';
  }
  if (g.answerUs >= 0) return g.byeUs >= 0 ? 'completed' : 'in-call';
  const f = g.finalStatus;
  if (f >= 300) {
    if (f === 487 || g.cancelled) return 'cancelled';
    if (f < 400) return 'redirected';
    if (f === 486 || f === 600) return 'busy';
    if (f >= 500 && f < 600) return 'failed';
    if (f === 408) return 'failed';
    return 'rejected';
  }
  if (g.cancelled) return 'cancelled';
  // (a ringing phone may ring for minutes: Timer B stops at the first provisional response, §17.1.1.2)
  if (g.ringUs >= 0) return 'ringing';
  // (a 100 only: Proceeding, no Timer B, §17.1.1.2; still being set up until a proxy's Timer C would have answered)
  if (g.inviteUs >= 0 && nowUs - g.inviteUs > (g.trying ? TIMER_C_US : TIMER_B_US)) return 'failed';
  return 'setup';
}

/** Call id as in the trace JSON (`C1`...), from the root group's index. */
export function callId(groupIdx: number): string {
  return `C${groupIdx + 1}`;
}
