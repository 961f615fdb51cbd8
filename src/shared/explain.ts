/**
 * One-line, student-friendly meanings of what a SIP message carries besides its headers (those are
 * in src/sip-core/message/headers/info.ts): its method or status code, its body type, and each line
 * and attribute of an SDP body — each with the RFC section that defines it. Shown by the inspector
 * (Headers explained, SDP). Every method, status code, body type and SDP line the built-in scenarios
 * produce has one (test/shared/explain.test.ts runs them all).
 */

export interface Meaning {
  /** Defining RFC section, e.g. `3261 §21.4.24`. */
  rfc: string;
  explain: string;
}

const STATUS: Record<number, Meaning> = {
  100: {
    rfc: '3261 §21.1.1',
    explain: 'The next hop got the request and is working on it: stop retransmitting it.',
  },
  180: { rfc: '3261 §21.1.2', explain: 'The called phone is ringing (alerting the user).' },
  181: { rfc: '3261 §21.1.3', explain: 'The call is being forwarded to another destination.' },
  182: { rfc: '3261 §21.1.4', explain: 'The callee is busy but the call is queued, not rejected.' },
  183: {
    rfc: '3261 §21.1.5',
    explain:
      'Progress of the call; with SDP it sets up early media (ringback, announcements) before the answer.',
  },
  200: {
    rfc: '3261 §21.2.1',
    explain: 'Success: the request worked. To an INVITE it answers the call, which an ACK acknowledges.',
  },
  202: {
    rfc: '3515 §2.4.2',
    explain: 'Accepted: the REFER (or SUBSCRIBE) was taken; its outcome comes later in NOTIFYs.',
  },
  300: { rfc: '3261 §21.3.1', explain: 'Several places to reach the target: its Contacts list them.' },
  301: { rfc: '3261 §21.3.2', explain: 'The target moved for good: use the Contact from now on.' },
  302: {
    rfc: '3261 §21.3.3',
    explain: 'The target is reachable elsewhere for now: retry the request at the Contact (a redirect).',
  },
  305: { rfc: '3261 §21.3.4', explain: 'The request must go through the proxy in the Contact.' },
  380: { rfc: '3261 §21.3.5', explain: 'The call failed but another service (in the body) may work.' },
  400: { rfc: '3261 §21.4.1', explain: 'The request was malformed (bad syntax).' },
  401: {
    rfc: '3261 §21.4.2',
    explain:
      'A registrar or UAS asks for credentials: resend with an Authorization answering its WWW-Authenticate.',
  },
  402: { rfc: '3261 §21.4.3', explain: 'Reserved for future use (payment required).' },
  403: {
    rfc: '3261 §21.4.4',
    explain: 'The server understood the request but refuses it; authorising will not help.',
  },
  404: { rfc: '3261 §21.4.5', explain: 'No such user in the domain of the Request-URI.' },
  405: {
    rfc: '3261 §21.4.6',
    explain: 'The method is not allowed for this address; Allow lists those that are.',
  },
  406: { rfc: '3261 §21.4.7', explain: 'The answer could only be in a format the Accept header rules out.' },
  407: {
    rfc: '3261 §21.4.8',
    explain:
      'A proxy asks for credentials: resend with a Proxy-Authorization answering its Proxy-Authenticate.',
  },
  408: {
    rfc: '3261 §21.4.9',
    explain: 'No final response in time (e.g. nobody answered a forked or forwarded request).',
  },
  410: {
    rfc: '3261 §21.4.10',
    explain: 'The user was here once but is gone for good, with no forwarding address.',
  },
  413: { rfc: '3261 §21.4.11', explain: 'The request body is larger than the server will take.' },
  414: { rfc: '3261 §21.4.12', explain: 'The Request-URI is longer than the server will interpret.' },
  415: { rfc: '3261 §21.4.13', explain: 'The body format is not supported (Accept says which are).' },
  416: { rfc: '3261 §21.4.14', explain: 'The Request-URI scheme (not sip/sips) is not understood.' },
  420: {
    rfc: '3261 §21.4.15',
    explain: 'An extension in Proxy-Require or Require is not supported (Unsupported lists it).',
  },
  421: {
    rfc: '3261 §21.4.16',
    explain: 'The server needs an extension (in Require) the client did not list in Supported.',
  },
  422: {
    rfc: '4028 §6',
    explain: 'The Session-Expires interval is below the minimum the server takes: retry with its Min-SE.',
  },
  423: {
    rfc: '3261 §21.4.17',
    explain: 'The registration expires too soon; Min-Expires gives the shortest accepted.',
  },
  480: {
    rfc: '3261 §21.4.18',
    explain: 'The callee is known but not reachable now (not registered, do-not-disturb); try again later.',
  },
  481: {
    rfc: '3261 §21.4.19',
    explain: 'No dialog or transaction matches the request (e.g. a BYE or CANCEL for a call already gone).',
  },
  482: {
    rfc: '3261 §21.4.20',
    explain: 'The request came back to a server it already went through (a forwarding loop).',
  },
  483: { rfc: '3261 §21.4.21', explain: 'Max-Forwards reached zero: too many hops.' },
  484: { rfc: '3261 §21.4.22', explain: 'The Request-URI is incomplete (e.g. too few digits dialled).' },
  485: {
    rfc: '3261 §21.4.23',
    explain: 'The Request-URI is ambiguous; the Contacts may list the candidates.',
  },
  486: { rfc: '3261 §21.4.24', explain: 'The callee is busy at this phone (others may still answer).' },
  487: {
    rfc: '3261 §21.4.25',
    explain: 'The INVITE was ended by a CANCEL (or a BYE) before it was answered.',
  },
  488: {
    rfc: '3261 §21.4.26',
    explain: 'The session description is not acceptable here (no common codec...).',
  },
  489: { rfc: '3265 §7.3.2', explain: 'The event package in Event is not supported by the notifier.' },
  491: {
    rfc: '3261 §21.4.27',
    explain: 'Both sides sent an offer at once in the dialog (glare): retry after a random wait (§14.1).',
  },
  493: { rfc: '3261 §21.4.28', explain: 'An S/MIME body could not be decrypted.' },
  500: { rfc: '3261 §21.5.1', explain: 'The server failed while handling the request.' },
  501: { rfc: '3261 §21.5.2', explain: 'The server does not implement the method.' },
  502: { rfc: '3261 §21.5.3', explain: 'A gateway or proxy got an invalid response from the next server.' },
  503: {
    rfc: '3261 §21.5.4',
    explain: 'The server is overloaded or down for maintenance; Retry-After may say when to try again.',
  },
  504: { rfc: '3261 §21.5.5', explain: 'A server further on did not answer in time.' },
  505: { rfc: '3261 §21.5.6', explain: 'The SIP version of the request is not supported.' },
  513: { rfc: '3261 §21.5.7', explain: 'The message is too large for the server to process.' },
  600: { rfc: '3261 §21.6.1', explain: 'The callee is busy everywhere: do not try other locations.' },
  603: { rfc: '3261 §21.6.2', explain: 'The callee declined the call, everywhere.' },
  604: { rfc: '3261 §21.6.3', explain: 'The user does not exist anywhere.' },
  606: { rfc: '3261 §21.6.4', explain: 'None of the session descriptions offered is acceptable anywhere.' },
};

/**
 * What a 200 means depends on the request it answers (its CSeq method): a call answered, a binding
 * stored, a dialog ended... Methods not here get the generic text.
 */
const OK_TO: Record<string, Meaning> = {
  INVITE: {
    rfc: '3261 §13.3.1.4',
    explain:
      'Success: the call is answered. The caller acknowledges this 2xx with an ACK sent end to end; the callee sends the 2xx again until the ACK comes.',
  },
  REGISTER: {
    rfc: '3261 §10.3',
    explain:
      'Success: the registrar stored the binding. Its Contact headers list every current binding of the address of record, each with its expires.',
  },
  BYE: { rfc: '3261 §15.1.2', explain: 'Success: the call is over and its dialog has ended.' },
  CANCEL: {
    rfc: '3261 §9.2',
    explain:
      'Success: the CANCEL itself was received. The INVITE it cancels gets its own final response (487 Request Terminated).',
  },
  OPTIONS: {
    rfc: '3261 §11.2',
    explain: 'Success: the target is there; Allow, Accept and Supported say what it can do.',
  },
  SUBSCRIBE: {
    rfc: '6665 §4.2.1',
    explain: 'Success: the subscription is accepted; NOTIFYs carry the state, the first at once.',
  },
};

/**
 * The meaning of a status code, else of its class (`4xx`: a client error...), null outside 100–699.
 * `method` (the CSeq method of the request it answers) makes a 200's meaning that of its request.
 */
export function statusMeaning(status: number, method?: string | null): Meaning | null {
  if (status === 200 && method && Object.hasOwn(OK_TO, method)) return OK_TO[method]!;
  if (Object.hasOwn(STATUS, status)) return STATUS[status]!;
  const cls = Math.floor(status / 100);
  if (status % 1 !== 0 || cls < 1 || cls > 6) return null;
  const what = [
    'Provisional: the request is being handled (not final).',
    'Success: the request worked.',
    'Redirection: try the request elsewhere (the Contacts).',
    'Client error: the request cannot be fulfilled as it is.',
    'Server error: the server failed on a valid request.',
    'Global failure: no server anywhere can fulfil it.',
  ][cls - 1]!;
  return { rfc: `3261 §21.${cls}`, explain: `${status} is not a code sipscope knows. ${what}` };
}

const METHOD: Record<string, Meaning> = {
  INVITE: {
    rfc: '3261 §13',
    explain: 'Sets up a session (a call), or changes one inside its dialog (a re-INVITE).',
  },
  ACK: {
    rfc: '3261 §13.2.2.4',
    explain:
      'Confirms the final response to an INVITE: for a 2xx a request of its own, for an error part of the INVITE transaction (§17.1.1.3).',
  },
  BYE: { rfc: '3261 §15.1', explain: 'Ends the session: either side sends it inside the dialog.' },
  CANCEL: { rfc: '3261 §9', explain: 'Stops an INVITE not yet answered (it then gets a 487).' },
  REGISTER: {
    rfc: '3261 §10',
    explain: "Binds a user's address of record to the Contact where it can be reached.",
  },
  OPTIONS: {
    rfc: '3261 §11',
    explain: 'Asks what a server or phone supports (also used as a keep-alive ping).',
  },
  PRACK: { rfc: '3262 §4', explain: 'Acknowledges a reliable provisional response (one with RSeq, 100rel).' },
  UPDATE: {
    rfc: '3311 §5',
    explain: 'Changes the session (a new offer) before or after the call is answered.',
  },
  INFO: { rfc: '6086 §4', explain: 'Carries application information inside a dialog (e.g. DTMF digits).' },
  SUBSCRIBE: {
    rfc: '6665 §4.1',
    explain: 'Asks to be told of an event state (presence, a dialog, a refer) for Expires seconds.',
  },
  NOTIFY: {
    rfc: '6665 §4.2.2',
    explain:
      'Tells a subscriber the state of the event; Subscription-State says if the subscription goes on.',
  },
  REFER: {
    rfc: '3515 §2',
    explain: 'Asks the recipient to send a request (usually an INVITE) to the Refer-To URI: a transfer.',
  },
  MESSAGE: { rfc: '3428 §4', explain: 'An instant message: the body is the message, outside any session.' },
  PUBLISH: {
    rfc: '3903 §4',
    explain: 'Publishes event state (e.g. presence) to a server that hands it to watchers.',
  },
};

/** The meaning of a request method, null when sipscope does not know it. */
export function methodMeaning(method: string): Meaning | null {
  return Object.hasOwn(METHOD, method) ? METHOD[method]! : null;
}

const BODY: Record<string, Meaning> = {
  'application/sdp': {
    rfc: '3264 §5',
    explain:
      'A session description (RFC 4566): an offer or the answer to one, saying where to send media and how.',
  },
  'message/sipfrag': {
    rfc: '3515 §2.4.5',
    explain:
      "A fragment of a SIP message (RFC 3420): in a REFER's NOTIFY, the status line the referred request got.",
  },
  'application/pidf+xml': {
    rfc: '3863 §4',
    explain:
      'A presence document (PIDF): the presentity and its status (open/closed), in a presence NOTIFY or PUBLISH.',
  },
  'text/plain': { rfc: '3428 §4', explain: 'Plain text, e.g. the text of an instant MESSAGE.' },
  'application/dtmf-relay': {
    rfc: 'none (vendor format)',
    explain:
      'A DTMF key press in INFO (Signal= digit, Duration= ms); not an RFC format, RFC 4733 carries DTMF in RTP instead.',
  },
  'application/dialog-info+xml': {
    rfc: '4235 §4',
    explain: 'The state of dialogs (trying, early, confirmed, terminated).',
  },
  'application/reginfo+xml': { rfc: '3680 §5', explain: 'The registration state of an address of record.' },
  'multipart/mixed': {
    rfc: '5621 §3',
    explain: 'Several bodies in one message, each with its own Content-Type.',
  },
};

/** The meaning of a body's media type (`Content-Type` without parameters, any case), null when unknown. */
export function bodyMeaning(contentType: string): Meaning | null {
  const t = contentType.split(';')[0]!.trim().toLowerCase();
  return Object.hasOwn(BODY, t) ? BODY[t]! : null;
}

const SDP_LINE: Record<string, Meaning> = {
  v: { rfc: '4566 §5.1', explain: 'Protocol version: always 0.' },
  o: {
    rfc: '4566 §5.2',
    explain:
      'Origin: user, session id, session version (one up at each new offer, RFC 3264 §8), network type, address type, address.',
  },
  s: { rfc: '4566 §5.3', explain: 'Session name ("-" when it has none).' },
  i: { rfc: '4566 §5.4', explain: 'Free text about the session or the media stream.' },
  u: { rfc: '4566 §5.5', explain: 'A URI with more about the session.' },
  e: { rfc: '4566 §5.6', explain: 'E-mail address of the person responsible for the session.' },
  p: { rfc: '4566 §5.6', explain: 'Phone number of the person responsible for the session.' },
  c: {
    rfc: '4566 §5.7',
    explain: 'Connection: the address media is to be sent to (session-wide, or per m= line below it).',
  },
  b: {
    rfc: '4566 §5.8',
    explain:
      'Bandwidth the session or stream will use: AS (kbit/s) or CT; RS and RR set the RTCP share (RFC 3556).',
  },
  t: { rfc: '4566 §5.9', explain: 'Start and stop time; 0 0 for a session with no bounds (calls).' },
  r: { rfc: '4566 §5.10', explain: 'Repeat times of a scheduled session.' },
  z: { rfc: '4566 §5.11', explain: 'Time-zone adjustments of the repeat times.' },
  k: { rfc: '4566 §5.12', explain: 'An encryption key (obsolete: not to be used).' },
  m: {
    rfc: '4566 §5.14',
    explain:
      'A media stream: type (audio, video), the port to send it to (0: stream rejected or removed, RFC 3264 §6), transport (RTP/AVP), payload types offered.',
  },
  'a=rtpmap': {
    rfc: '4566 §6',
    explain: 'Maps a payload type number to its codec name, clock rate and channels (0 PCMU/8000).',
  },
  'a=fmtp': {
    rfc: '4566 §6',
    explain: "Codec parameters of a payload type (e.g. telephone-event's 0-16: the DTMF events).",
  },
  'a=ptime': {
    rfc: '4566 §6',
    explain: 'Milliseconds of media in one packet the receiver would like (20 for voice).',
  },
  'a=maxptime': {
    rfc: '4566 §6',
    explain: 'The most milliseconds of media the receiver takes in one packet.',
  },
  'a=sendrecv': { rfc: '4566 §6', explain: 'Media both ways (the default): RFC 3264 §6.1 answers sendrecv.' },
  'a=sendonly': {
    rfc: '4566 §6',
    explain:
      'This side only sends (e.g. music on hold); the answer says recvonly (RFC 3264 §6.1, §8.4 hold).',
  },
  'a=recvonly': {
    rfc: '4566 §6',
    explain: 'This side only receives; in an answer to sendonly, it stops sending (RFC 3264 §6.1).',
  },
  'a=inactive': { rfc: '4566 §6', explain: 'No media either way (a hold both ways, RFC 3264 §8.4).' },
  'a=rtcp': {
    rfc: '3605 §2.1',
    explain: 'The RTCP port (and address) when it is not the RTP port + 1 (behind NAT).',
  },
  'a=rtcp-mux': { rfc: '5761 §5.1.1', explain: 'RTP and RTCP share one port (fewer NAT bindings).' },
  'a=setup': {
    rfc: '4145 §4',
    explain: 'Which side opens the connection (active, passive, actpass) for a TCP or DTLS stream.',
  },
  'a=fingerprint': {
    rfc: '8122 §5',
    explain: "A hash of the sender's certificate, checked in the DTLS handshake (SRTP keys).",
  },
  'a=mid': { rfc: '5888 §4', explain: 'An identifier of the media stream, for a=group.' },
  'a=group': {
    rfc: '5888 §5',
    explain: 'Groups media streams by their a=mid (e.g. BUNDLE: one port for all).',
  },
  'a=ssrc': { rfc: '5576 §4.1', explain: 'An RTP SSRC the sender will use, with a property (e.g. cname).' },
  'a=candidate': {
    rfc: '8839 §5.1',
    explain: 'An ICE candidate: an address and port the peer can try to reach this side.',
  },
  'a=ice-ufrag': {
    rfc: '8839 §5.4',
    explain: "ICE username fragment: with ice-pwd, it authenticates ICE's connectivity checks.",
  },
  'a=ice-pwd': {
    rfc: '8839 §5.4',
    explain: "ICE password: with ice-ufrag, it authenticates ICE's connectivity checks.",
  },
  'a=tool': { rfc: '4566 §6', explain: 'The software that made the session description.' },
};

/**
 * The meaning of one SDP line (`m=audio 49170 RTP/AVP 0`, `a=rtpmap:0 PCMU/8000`): by its type
 * letter, an attribute by its name; null when sipscope does not know it.
 */
export function sdpLineMeaning(line: string): Meaning | null {
  if (line.length < 2 || line[1] !== '=') return null;
  const type = line[0]!;
  if (type !== 'a') return Object.hasOwn(SDP_LINE, type) ? SDP_LINE[type]! : null;
  const key = `a=${/^[^:\s]*/.exec(line.slice(2))![0]}`;
  return Object.hasOwn(SDP_LINE, key) ? SDP_LINE[key]! : null;
}
