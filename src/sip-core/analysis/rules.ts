/**
 * The analysis diagnostic catalogue: rules that look at several messages together (transactions,
 * dialogs, calls, paths). Each has a stable kebab-case code (never rename one), a severity and the
 * RFC section it cites. Single-message problems (Content-Length mismatch, missing headers...) are the
 * message layer's (`MESSAGE_DIAGNOSTICS` in message/diagnostic-codes.ts).
 * @remarks STYLE.md habit 6. docs/diagnostics.md lists the same rules; a test checks they agree.
 */
import type { Diagnostic, Severity } from '../diagnostic';

export interface AnalysisRule {
  readonly code: string;
  readonly severity: Severity;
  readonly rfc: string;
  readonly title: string;
  /** What the rule means and why it matters. */
  readonly description: string;
}

/** A diagnostic found by the analysis, located on a message (id) and its call/transaction when known. */
export interface AnalysisDiagnostic extends Diagnostic {
  layer: 'analysis';
  /** Message the diagnostic is attached to (trace id), when it is about one message. */
  messageId?: number;
  /** 1-based frame number of that message. */
  frame?: number;
  call?: string;
  transaction?: string;
  dialog?: string;
}

function r(code: string, severity: Severity, rfc: string, title: string, description: string): AnalysisRule {
  return { code, severity, rfc, title, description };
}

export const ANALYSIS_RULES: readonly AnalysisRule[] = [
  r(
    'ack-missing-2xx',
    'error',
    '3261 §13.3.1.4',
    '2xx never ACKed',
    'A 2xx response to INVITE was not followed by an ACK towards its sender within 64*T1 (32 s): the UAS will give up and send BYE.',
  ),
  r(
    'ack-not-relayed',
    'error',
    '3261 §16.7',
    'ACK not relayed by a proxy',
    "An ACK for a 2xx reached a proxy the capture sees both sides of (it forwarded the call's INVITE and relayed the 2xx; its copy of the INVITE carries one Via more) and no copy of the ACK left it within 64*T1 (32 s): the ACK for a 2xx is end to end (§13.2.2.4, §17.1.1.3) and a proxy forwards it like any other request (§16.6, §16.7), so the UAS never gets it and retransmits its 2xx until it gives up. Names where the ACK died; the 2xx never ACKed is reported on the UAS's 2xx.",
  ),
  r(
    'invite-no-final-response',
    'error',
    '3261 §17.1.1.2',
    'INVITE without final response',
    'An INVITE transaction saw no response at all within Timer B (64*T1 = 32 s). Timer B stops at the first provisional response: an INVITE still ringing when the capture ends is not reported.',
  ),
  r(
    'non-invite-no-final-response',
    'error',
    '3261 §17.1.2.2',
    'Request without final response',
    'A non-INVITE transaction saw no final response within Timer F (64*T1 = 32 s).',
  ),
  r(
    'retransmission-storm',
    'warning',
    '3261 §17.1.1.2',
    'Retransmission storm',
    'A message was retransmitted more often than the RFC 3261 timers (A, E, G) allow before the transaction times out.',
  ),
  r(
    'request-loop',
    'error',
    '3261 §16.3',
    'Request loop',
    'A 482 (Loop Detected) response, or a request whose Via stack holds the same sent-by and branch twice.',
  ),
  r(
    'max-forwards-exhausted',
    'error',
    '3261 §16.3',
    'Max-Forwards exhausted',
    'A 483 (Too Many Hops) response: the request crossed more hops than its Max-Forwards allowed.',
  ),
  r(
    'cseq-not-increasing',
    'warning',
    '3261 §12.2.1.1',
    'CSeq not increasing in a dialog',
    "A new in-dialog request from one side carries a CSeq number lower than (or equal to, for a different method) that side's previous request.",
  ),
  r(
    'in-dialog-request-without-route-set',
    'error',
    '3261 §12.2.1.1',
    'In-dialog request ignores the route set',
    "A user agent sent a request in a dialog whose route set is not empty (the dialog's response carried Record-Route) without that route set: no Route, or a Route that does not start with the route set's first entry (nor, for a strict router, a Request-URI naming it). The proxies that record-routed are skipped or cannot route it (an ACK dies at the proxy, a BYE gets 404).",
  ),
  r(
    'bye-outside-dialog',
    'warning',
    '3261 §15.1.2',
    'BYE outside any dialog',
    "A BYE whose dialog (Call-ID, tags) was never established although the call's setup was captured.",
  ),
  r(
    'call-leg-does-not-exist',
    'warning',
    '3261 §12.2.2',
    '481 Call/Transaction Does Not Exist',
    'The UAS did not recognise the dialog or transaction of a request.',
  ),
  r(
    'bye-rejected',
    'warning',
    '3261 §15.1.2',
    'BYE answered with an error',
    'A BYE got a final response other than 2xx (481 has its own rule, and a 401/407 challenge is answered by the BYE sent again with credentials): the UAC considers the session terminated whatever the response (§15.1.2), but the UAS may not have taken the BYE (a 408 or 503 from a proxy, a 4xx/5xx of its own) and keep its side of the session, its media and its billing, until a session timer or a media timeout ends it.',
  ),
  r(
    'auth-loop',
    'warning',
    '3261 §22.2',
    'Repeated authentication challenges',
    'A request carrying credentials was challenged (401/407) again, or a Call-ID collected four or more challenges: wrong password, stale nonce loop, or realm mismatch.',
  ),
  r(
    'invite-2xx-no-contact',
    'error',
    '3261 §13.3.1.4',
    '2xx to INVITE without Contact',
    'A 2xx response to INVITE must carry a Contact (the remote target); without it the caller cannot send ACK or BYE.',
  ),
  r(
    'nat-private-contact',
    'warning',
    '3261 §8.1.1.8',
    'Private address in Contact (NAT)',
    "The Contact of a message sent directly by a user agent holds a private address that differs from the packet's (non-loopback) source: requests to it will not reach the UA unless a NAT helper fixes it. Not checked on a response to REGISTER, whose Contact lists the registered bindings.",
  ),
  r(
    'nat-private-via',
    'info',
    '3261 §18.2.1',
    'Private address in Via (NAT)',
    "The top Via sent-by of a request from a user agent is a private address that differs from the packet's source (the proxy adds `received`).",
  ),
  r(
    'nat-private-sdp',
    'warning',
    '4566 §5.7',
    'Private address in SDP (NAT)',
    "The SDP connection address of a message sent directly by a user agent is private and differs from the packet's source: media will not arrive without a media relay.",
  ),
  r(
    'nat-no-rport',
    'warning',
    '3581 §4',
    'No rport behind NAT',
    'A UDP request from behind a NAT (sent-by differs from the source address) without `rport`: responses go to the sent-by port, which the NAT may not forward (over TCP, TLS, SCTP or WebSocket they return over the connection).',
  ),
  r(
    'sdp-hold',
    'info',
    '3264 §8.4',
    'Call put on hold',
    'An SDP sets a stream to sendonly or inactive, or uses the RFC 2543 hold address c=0.0.0.0.',
  ),
  r(
    'sdp-no-common-codec',
    'error',
    '3264 §6.1',
    'No common codec',
    'The SDP answer shares no voice codec with the offer.',
  ),
  r(
    'media-unreachable',
    'warning',
    '3264 §5',
    'Media address unreachable (one-way audio risk)',
    "One side offers media on a private address while the other side's media address is public: the public side cannot send to it.",
  ),
  r(
    'message-after-dialog-end',
    'warning',
    '3261 §15',
    'Request after the dialog ended',
    'An in-dialog request (other than ACK or a copy of the BYE) was seen after the dialog was terminated by BYE.',
  ),
  r(
    'unmatched-response',
    'warning',
    '3261 §17.1.3',
    'Response without request',
    'A response that matches no request seen in the trace (by branch, sent-by and method, or RFC 2543 rules). Not reported while its request may have been sent before the capture began: within Timer C (INVITE) or Timer F (other requests) of its first message.',
  ),
  r(
    'call-start-not-captured',
    'info',
    '3261 §13',
    'Call start not captured',
    "A call whose first message in the capture is not its INVITE: a response to it, a CANCEL or an in-dialog request (the capture began during the call, or missed the INVITE). Its state is read from what was seen (the INVITE's final by its CSeq method, a BYE, a re-INVITE), without PDD or setup time; its responses are not reported as unmatched while their request may have been sent before the capture's first message (Timer C for an INVITE, Timer F for another request).",
  ),
  r(
    'cancel-after-final',
    'info',
    '3261 §9.1',
    'CANCEL after final response',
    'A CANCEL was sent for an INVITE that had already received a final response: it has no effect.',
  ),
  r(
    'cancel-unmatched',
    'warning',
    '3261 §9.2',
    'CANCEL for an unknown INVITE',
    "A CANCEL whose branch matches no INVITE transaction seen (the UAS answers 481). Not reported within Timer C of the capture's first message (its INVITE may precede the capture).",
  ),
  r(
    'provisional-after-final',
    'warning',
    '3261 §17.1.1.2',
    'Provisional response after final',
    "A 1xx response arrived after the transaction's final response on the same hop (the same transaction seen on both sides of a NAT keeps its own order on each).",
  ),
  r(
    'conflicting-final-response',
    'error',
    '3261 §16.7',
    'Conflicting final responses',
    'A transaction received two different final responses (other than 2xx from several forks).',
  ),
  r(
    'final-response-without-to-tag',
    'warning',
    '3261 §8.2.6.2',
    'Response without To tag',
    'A response other than 100 has no To tag, so no dialog can be identified.',
  ),
  r(
    'invite-2xx-retransmitted',
    'warning',
    '3261 §13.3.1.4',
    '2xx to INVITE retransmitted',
    'The UAS retransmitted its 2xx (from T1, doubling up to T2): the ACK was lost or late. A copy under 20 ms after the previous one is a duplicate frame of the capture, not a retransmission, and is not reported.',
  ),
  r(
    'pdd-long',
    'info',
    '6076 §4.3.1',
    'Long post-dial delay',
    'More than 10 s passed between the INVITE and the first 18x (or, without one, its 2xx): the successful session setup SRD of RFC 6076.',
  ),
  r(
    'offer-rejected',
    'warning',
    '3261 §21.4.26',
    'Session offer rejected (488/606)',
    'The UAS rejected the SDP offer (488 Not Acceptable Here or 606 Not Acceptable).',
  ),
  r(
    'strict-routing',
    'info',
    '3261 §16.12.1.1',
    'Strict router in the route set',
    'A Record-Route entry lacks the `lr` parameter: that element is an RFC 2543 strict router, which rewrites the Request-URI.',
  ),
];

export const RULES_BY_CODE: ReadonlyMap<string, AnalysisRule> = new Map(
  ANALYSIS_RULES.map((x) => [x.code, x]),
);

/** The `bye-rejected` text for a BYE's final `status` (both tiers). */
export function byeRejectedText(status: number): string {
  return `${status} to BYE: the UAC ends the session anyway (§15.1.2), the UAS may keep its side up`;
}

/** The `call-start-not-captured` text; `what`: the call's first message (`486 to INVITE (CSeq 1)`, `BYE (CSeq 3)`). */
export function callStartNotCapturedText(what: string): string {
  return `the call's INVITE is not in the capture (it began before the capture, or the capture missed it): its first message is ${what}; its state is from what was seen, without PDD or setup time`;
}

/** Builds a diagnostic of a catalogue rule. */
export function analysisDiagnostic(
  code: string,
  message: string,
  where: Partial<AnalysisDiagnostic> = {},
): AnalysisDiagnostic {
  const rule = RULES_BY_CODE.get(code);
  return {
    code,
    severity: rule?.severity ?? 'warning',
    layer: 'analysis',
    message,
    ...(rule ? { rfc: rule.rfc } : {}),
    ...where,
  };
}
