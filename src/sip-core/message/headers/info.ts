/**
 * A one-line, student-friendly explanation of each common SIP header, with the defining RFC section.
 * @remarks Shown by the inspector next to a header. Keys are canonical lower-case names.
 */

export interface HeaderInfo {
  /** Canonical capitalisation, e.g. `Call-ID`. */
  title: string;
  /** Defining RFC section, e.g. `3261 §20.8`. */
  rfc: string;
  explain: string;
}

export const HEADER_INFO: Record<string, HeaderInfo> = {
  accept: {
    title: 'Accept',
    rfc: '3261 §20.1',
    explain: 'Body formats (media types) the sender can take in a response or later request.',
  },
  'accept-contact': {
    title: 'Accept-Contact',
    rfc: '3841 §9.2',
    explain: 'Caller preferences: which kinds of target devices the request would like to reach.',
  },
  'accept-encoding': {
    title: 'Accept-Encoding',
    rfc: '3261 §20.2',
    explain: 'Content codings (e.g. gzip) the sender can accept in a body.',
  },
  'accept-language': {
    title: 'Accept-Language',
    rfc: '3261 §20.3',
    explain: 'Languages preferred for reason phrases, session descriptions and bodies.',
  },
  'alert-info': {
    title: 'Alert-Info',
    rfc: '3261 §20.4',
    explain: 'A URI of an alternative ring tone (in INVITE) or ringback tone (in 180).',
  },
  allow: { title: 'Allow', rfc: '3261 §20.5', explain: 'SIP methods the sending user agent supports.' },
  'allow-events': {
    title: 'Allow-Events',
    rfc: '6665 §8.2.2',
    explain: 'Event packages (presence, dialog, refer, …) the sender can subscribe to or notify about.',
  },
  'authentication-info': {
    title: 'Authentication-Info',
    rfc: '3261 §20.6',
    explain: 'Sent by the server after successful Digest authentication (next nonce, mutual authentication).',
  },
  authorization: {
    title: 'Authorization',
    rfc: '3261 §20.7',
    explain: "The client's credentials (usually Digest) answering a 401 challenge from a registrar or UA.",
  },
  'call-id': {
    title: 'Call-ID',
    rfc: '3261 §20.8',
    explain:
      'Globally unique identifier of a call or registration; with the From and To tags it identifies a dialog.',
  },
  'call-info': {
    title: 'Call-Info',
    rfc: '3261 §20.9',
    explain: 'Extra information about the caller or callee (icon, card, info page) as URIs.',
  },
  contact: {
    title: 'Contact',
    rfc: '3261 §20.10',
    explain:
      'Where the sender can be reached directly: the remote target for later requests, or the binding being registered.',
  },
  'content-disposition': {
    title: 'Content-Disposition',
    rfc: '3261 §20.11',
    explain:
      'How the body is meant to be interpreted (session, render, icon, alert) and whether it is required.',
  },
  'content-encoding': {
    title: 'Content-Encoding',
    rfc: '3261 §20.12',
    explain: 'Codings (e.g. gzip) applied to the body, to be undone before reading it.',
  },
  'content-language': {
    title: 'Content-Language',
    rfc: '3261 §20.13',
    explain: 'Natural language of the body.',
  },
  'content-length': {
    title: 'Content-Length',
    rfc: '3261 §20.14',
    explain: 'Size of the body in octets; on stream transports (TCP, TLS) it is how messages are delimited.',
  },
  'content-type': {
    title: 'Content-Type',
    rfc: '3261 §20.15',
    explain: 'Media type of the body, e.g. application/sdp for a session description.',
  },
  cseq: {
    title: 'CSeq',
    rfc: '3261 §20.16',
    explain:
      'Command sequence: a number and the method; orders requests within a dialog and matches responses to requests.',
  },
  date: {
    title: 'Date',
    rfc: '3261 §20.17',
    explain: 'Date and time the message was first sent (always GMT).',
  },
  diversion: {
    title: 'Diversion',
    rfc: '5806 §4',
    explain:
      'Where and why a call was diverted (forwarded) before reaching this point (historic, see History-Info).',
  },
  'error-info': {
    title: 'Error-Info',
    rfc: '3261 §20.18',
    explain: 'A pointer (URI) to more information about an error response, e.g. an announcement.',
  },
  event: {
    title: 'Event',
    rfc: '6665 §8.2.1',
    explain:
      'The event package a SUBSCRIBE or NOTIFY is about (presence, dialog, message-summary, refer, …).',
  },
  expires: {
    title: 'Expires',
    rfc: '3261 §20.19',
    explain: 'How many seconds a registration, subscription or invitation stays valid.',
  },
  from: {
    title: 'From',
    rfc: '3261 §20.20',
    explain: 'The logical initiator of the request; its tag is one half of the dialog identifier.',
  },
  'history-info': {
    title: 'History-Info',
    rfc: '7044 §4',
    explain: 'The chain of targets a request was retargeted through, with indices and reasons.',
  },
  identity: {
    title: 'Identity',
    rfc: '8224 §4',
    explain: "A signed assertion (STIR/SHAKEN PASSporT) of the caller's identity.",
  },
  'in-reply-to': {
    title: 'In-Reply-To',
    rfc: '3261 §20.21',
    explain: 'Call-IDs of the calls this one returns (e.g. a call-back).',
  },
  join: {
    title: 'Join',
    rfc: '3911 §7.1',
    explain: 'Asks to join an existing dialog (conference-style), identified by Call-ID and tags.',
  },
  'max-forwards': {
    title: 'Max-Forwards',
    rfc: '3261 §20.22',
    explain: 'Hop limit: each proxy decrements it; at 0 the request is rejected with 483 Too Many Hops.',
  },
  'mime-version': {
    title: 'MIME-Version',
    rfc: '3261 §20.24',
    explain: 'Version of the MIME protocol used to build the message (always 1.0).',
  },
  'min-expires': {
    title: 'Min-Expires',
    rfc: '3261 §20.23',
    explain: 'In a 423 Interval Too Brief: the shortest expiration the server accepts.',
  },
  'min-se': {
    title: 'Min-SE',
    rfc: '4028 §5',
    explain: 'Smallest session-timer interval the sender allows (session refresh).',
  },
  organization: {
    title: 'Organization',
    rfc: '3261 §20.25',
    explain: 'Name of the organization the sender belongs to.',
  },
  'p-access-network-info': {
    title: 'P-Access-Network-Info',
    rfc: '7315 §5.4',
    explain: 'IMS: the access network (e.g. LTE cell id) the UA is attached through.',
  },
  'p-asserted-identity': {
    title: 'P-Asserted-Identity',
    rfc: '3325 §9.1',
    explain: 'The identity of the caller as verified by a trusted network; only valid within a trust domain.',
  },
  'p-called-party-id': {
    title: 'P-Called-Party-ID',
    rfc: '7315 §5.8',
    explain: 'IMS: the originally called identity, before the request was retargeted.',
  },
  'p-charging-vector': {
    title: 'P-Charging-Vector',
    rfc: '7315 §5.6',
    explain: 'IMS: charging correlation identifiers (icid) shared by the network elements of a call.',
  },
  'p-preferred-identity': {
    title: 'P-Preferred-Identity',
    rfc: '3325 §9.2',
    explain: 'The identity the UA would like the trusted network to assert for it.',
  },
  path: {
    title: 'Path',
    rfc: '3327 §4',
    explain:
      'Proxies on the way to the registrar that want to stay on the route for requests to the registered UA.',
  },
  priority: {
    title: 'Priority',
    rfc: '3261 §20.26',
    explain: 'Urgency of the request as seen by the caller (emergency, urgent, normal, non-urgent).',
  },
  privacy: {
    title: 'Privacy',
    rfc: '3323 §4.2',
    explain: 'Privacy the user asks the network to apply (id, header, session, user, none).',
  },
  'proxy-authenticate': {
    title: 'Proxy-Authenticate',
    rfc: '3261 §20.27',
    explain: "A proxy's authentication challenge in a 407 response.",
  },
  'proxy-authorization': {
    title: 'Proxy-Authorization',
    rfc: '3261 §20.28',
    explain: "The client's credentials answering a proxy's 407 challenge.",
  },
  'proxy-require': {
    title: 'Proxy-Require',
    rfc: '3261 §20.29',
    explain: 'Extensions (option tags) that every proxy on the path must support.',
  },
  rack: {
    title: 'RAck',
    rfc: '3262 §7.2',
    explain: 'In PRACK: which reliable provisional response (RSeq, CSeq, method) is acknowledged.',
  },
  reason: {
    title: 'Reason',
    rfc: '3326 §2',
    explain: 'Why a request (e.g. CANCEL, BYE) was sent: a SIP or Q.850 cause code and text.',
  },
  'record-route': {
    title: 'Record-Route',
    rfc: '3261 §20.30',
    explain: 'Proxies that want to stay on the path of later requests in the dialog; becomes the route set.',
  },
  'refer-to': {
    title: 'Refer-To',
    rfc: '3515 §2.1',
    explain: 'In REFER: the URI the recipient is asked to contact (call transfer).',
  },
  'referred-by': {
    title: 'Referred-By',
    rfc: '3892 §3',
    explain: 'Who asked for this request to be sent (the transferor in a transfer).',
  },
  'reject-contact': {
    title: 'Reject-Contact',
    rfc: '3841 §9.3',
    explain: 'Caller preferences: kinds of target devices the request must not reach.',
  },
  replaces: {
    title: 'Replaces',
    rfc: '3891 §6.1',
    explain:
      'Asks to replace an existing dialog (identified by Call-ID and tags) with this new one (attended transfer).',
  },
  'reply-to': {
    title: 'Reply-To',
    rfc: '3261 §20.31',
    explain: 'A logical return URI that may differ from From (e.g. for a call-back).',
  },
  'request-disposition': {
    title: 'Request-Disposition',
    rfc: '3841 §10',
    explain: 'Caller preferences for proxy handling: fork or not, parallel or sequential, redirect or proxy.',
  },
  require: {
    title: 'Require',
    rfc: '3261 §20.32',
    explain: 'Extensions (option tags) the recipient must support to process the request (e.g. 100rel).',
  },
  'retry-after': {
    title: 'Retry-After',
    rfc: '3261 §20.33',
    explain: 'How long (seconds) the service will be unavailable, or when to try again.',
  },
  route: {
    title: 'Route',
    rfc: '3261 §20.34',
    explain: 'The list of proxies the request must visit (loose routing, from the route set).',
  },
  rseq: {
    title: 'RSeq',
    rfc: '3262 §7.1',
    explain: 'Sequence number of a reliable provisional response (100rel).',
  },
  'security-client': {
    title: 'Security-Client',
    rfc: '3329 §2.3',
    explain: 'Security mechanisms (TLS, IPsec, digest) the client supports, for mechanism agreement.',
  },
  'security-server': {
    title: 'Security-Server',
    rfc: '3329 §2.3',
    explain: 'Security mechanisms the server supports, sent in a 494 response.',
  },
  'security-verify': {
    title: 'Security-Verify',
    rfc: '3329 §2.3',
    explain: "The server's list echoed back by the client to prove it was not tampered with.",
  },
  server: { title: 'Server', rfc: '3261 §20.35', explain: 'Software used by the UAS to handle the request.' },
  'service-route': {
    title: 'Service-Route',
    rfc: '3608 §5',
    explain: 'In a REGISTER 200: the route the UA should preload on its later requests.',
  },
  'session-expires': {
    title: 'Session-Expires',
    rfc: '4028 §4',
    explain: 'Session timer: the session must be refreshed within this interval, by the named refresher.',
  },
  'sip-etag': {
    title: 'SIP-ETag',
    rfc: '3903 §11.3.1',
    explain: 'Entity tag of published event state, returned in 200 to PUBLISH.',
  },
  'sip-if-match': {
    title: 'SIP-If-Match',
    rfc: '3903 §11.3.2',
    explain: 'In PUBLISH: the entity tag of the state being refreshed, modified or removed.',
  },
  subject: { title: 'Subject', rfc: '3261 §20.36', explain: 'A summary or the nature of the call.' },
  'subscription-state': {
    title: 'Subscription-State',
    rfc: '6665 §8.2.3',
    explain: 'In NOTIFY: whether the subscription is active, pending or terminated, and why.',
  },
  supported: {
    title: 'Supported',
    rfc: '3261 §20.37',
    explain: 'Extensions (option tags) the sender supports, e.g. 100rel, timer, replaces.',
  },
  timestamp: {
    title: 'Timestamp',
    rfc: '3261 §20.38',
    explain: 'When the UAC sent the request; echoed back so round-trip time can be estimated.',
  },
  to: {
    title: 'To',
    rfc: '3261 §20.39',
    explain:
      'The logical recipient of the request; the UAS adds a tag, the other half of the dialog identifier.',
  },
  unsupported: {
    title: 'Unsupported',
    rfc: '3261 §20.40',
    explain: 'In a 420 response: the required extensions the UAS does not support.',
  },
  'user-agent': {
    title: 'User-Agent',
    rfc: '3261 §20.41',
    explain: 'Software of the UAC that originated the request.',
  },
  via: {
    title: 'Via',
    rfc: '3261 §20.42',
    explain:
      'The path taken so far, one entry per hop: responses retrace it; the branch identifies the transaction.',
  },
  warning: {
    title: 'Warning',
    rfc: '3261 §20.43',
    explain:
      'Extra information about a response status, usually why a session description was not acceptable.',
  },
  'www-authenticate': {
    title: 'WWW-Authenticate',
    rfc: '3261 §20.44',
    explain: "A registrar's or UAS's authentication challenge (realm, nonce, algorithm) in a 401 response.",
  },
};

/**
 * The explanation of a header by its canonical name, or null. Own entries only: a header named
 * `constructor` or `__proto__` (any bytes can arrive) is not one of Object.prototype's.
 */
export function headerInfo(canonical: string): HeaderInfo | null {
  return Object.hasOwn(HEADER_INFO, canonical) ? HEADER_INFO[canonical]! : null;
}
