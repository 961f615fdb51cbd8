/**
 * The field catalogue of the filter language (docs/filters.md): every dotted field name, its type
 * and a one-line description. One definition, read by the analysis filter in src/sip-core (which
 * compiles and evaluates expressions) and by the UI's filter bar (which offers completions).
 */

export interface FieldInfo {
  type: 'string' | 'number' | 'boolean' | 'address';
  description: string;
}

/** Every field name the language knows (plus `sip.header.<name>` for any header). */
export const FIELDS: Record<string, FieldInfo> = {
  'frame.number': { type: 'number', description: '1-based frame number in the capture' },
  'frame.time': { type: 'number', description: 'epoch seconds' },
  'frame.time_relative': { type: 'number', description: 'seconds since the first message of the trace' },
  'frame.transport': { type: 'string', description: 'UDP, TCP, TLS, WS, WSS or SCTP' },
  'ip.src': { type: 'address', description: 'source address' },
  'ip.dst': { type: 'address', description: 'destination address' },
  'ip.addr': { type: 'address', description: 'source or destination address (CIDR allowed: 10.0.0.0/8)' },
  'ip.srcport': { type: 'number', description: 'source port' },
  'ip.dstport': { type: 'number', description: 'destination port' },
  'ip.port': { type: 'number', description: 'source or destination port' },
  sip: {
    type: 'string',
    description: 'the whole message as text, start line to body (sip contains "alice")',
  },
  'sip.method': { type: 'string', description: 'request method (requests only)' },
  'sip.status': { type: 'number', description: 'response status code (responses only)' },
  'sip.reason': { type: 'string', description: 'response reason phrase' },
  'sip.is_request': { type: 'boolean', description: 'true for requests' },
  'sip.is_response': { type: 'boolean', description: 'true for responses' },
  'sip.call_id': { type: 'string', description: 'Call-ID' },
  'sip.cseq': { type: 'number', description: 'CSeq number' },
  'sip.cseq.method': { type: 'string', description: 'CSeq method' },
  'sip.ruri': { type: 'string', description: 'Request-URI' },
  'sip.ruri.user': { type: 'string', description: 'user part of the Request-URI (number for tel:)' },
  'sip.ruri.host': { type: 'string', description: 'host of the Request-URI' },
  'sip.from': { type: 'string', description: 'From URI' },
  'sip.from.user': { type: 'string', description: 'From user part' },
  'sip.from.host': { type: 'string', description: 'From host' },
  'sip.from.tag': { type: 'string', description: 'From tag' },
  'sip.to': { type: 'string', description: 'To URI' },
  'sip.to.user': { type: 'string', description: 'To user part' },
  'sip.to.host': { type: 'string', description: 'To host' },
  'sip.to.tag': { type: 'string', description: 'To tag' },
  'sip.via.branch': { type: 'string', description: 'top Via branch' },
  'sip.via.sent_by': { type: 'string', description: 'top Via sent-by' },
  'sip.via.count': { type: 'number', description: 'number of Via values' },
  'sip.max_forwards': { type: 'number', description: 'Max-Forwards' },
  'sip.contact': { type: 'string', description: 'Contact header value' },
  'sip.user_agent': { type: 'string', description: 'User-Agent header value' },
  'sip.server': { type: 'string', description: 'Server header value' },
  'sip.content_type': { type: 'string', description: 'Content-Type' },
  'sip.body_length': { type: 'number', description: 'body length in bytes' },
  'sip.headers': { type: 'string', description: 'the header fields as text (no start line, no body)' },
  'sip.body': { type: 'string', description: 'the body as text (SDP, sipfrag, XML...)' },
  'sip.retransmission': {
    type: 'boolean',
    description: 'the message repeats an earlier one of its transaction',
  },
  'sip.transaction': { type: 'string', description: 'transaction id (T1...)' },
  'sip.dialog': { type: 'string', description: 'dialog id (D1...)' },
  'sip.call': { type: 'string', description: 'call id (C1...)' },
  'sip.diagnostic': {
    type: 'string',
    description: 'codes of the diagnostics on the message (message and analysis layers)',
  },
  'sdp.codec': { type: 'string', description: 'codec names in the SDP body' },
  'sdp.connection': { type: 'address', description: 'SDP connection addresses' },
  'call.id': { type: 'string', description: 'call id (C1...)' },
  'call.call_id': { type: 'string', description: 'Call-IDs of all legs of the call' },
  'call.type': { type: 'string', description: 'call, registration, subscription, options, message, other' },
  'call.state': {
    type: 'string',
    description: 'setup, ringing, in-call, completed, cancelled, rejected, busy, failed, redirected',
  },
  'call.final_code': { type: 'number', description: 'final response code of the call' },
  'call.from': { type: 'string', description: 'From URI of the call' },
  'call.from.user': { type: 'string', description: 'From user of the call' },
  'call.to': { type: 'string', description: 'To URI of the call' },
  'call.to.user': { type: 'string', description: 'To user of the call' },
  'call.pdd': { type: 'number', description: 'post-dial delay, s (INVITE → first 18x)' },
  'call.setup_time': { type: 'number', description: 'setup time, s (INVITE → 2xx)' },
  'call.duration': { type: 'number', description: 'duration, s (2xx → BYE)' },
  'call.start': { type: 'number', description: 'epoch seconds of the first message' },
  'call.messages': { type: 'number', description: 'number of messages' },
  'call.diagnostics': { type: 'number', description: 'number of diagnostics' },
  'call.codec': { type: 'string', description: 'codecs offered and answered' },
  'call.media': { type: 'address', description: 'media address:port of the call' },
  'call.hold': { type: 'boolean', description: 'the call was put on hold' },
  'call.legs': { type: 'number', description: 'number of Call-IDs joined in the call' },
  'call.rtp': {
    type: 'string',
    description:
      'media verdict: two-way, one-way, no-media, not-captured, not-expected (null: no RTP in the capture)',
  },
  'call.rtp.loss': { type: 'number', description: "highest loss of the call's RTP streams, percent" },
  'call.rtp.mos': {
    type: 'number',
    description: "estimated MOS (ITU-T G.107 E-model) of the call's worse direction, 1–4.5",
  },
  'call.rtp.problem': {
    type: 'string',
    description:
      'a media rule the call breaks: one-way-media, media-loss, no-media, media-to-unannounced-address, poor-call-quality',
  },
  'call.dtmf': {
    type: 'string',
    description:
      'the digits the call\'s sides sent, in order (call.dtmf contains "123"; RFC 4733 events, SIP INFO, KPML)',
  },
  'call.dtmf.method': { type: 'string', description: 'how its digits were sent: rtp-event, info, kpml' },
};

/**
 * Values offered as completions after `field ==`: the call states and types the analysis uses,
 * common SIP methods (RFC 3261 §27.4 and its extensions), and the transports of the trace model.
 */
const METHODS = [
  'INVITE',
  'ACK',
  'BYE',
  'CANCEL',
  'REGISTER',
  'OPTIONS',
  'PRACK',
  'UPDATE',
  'INFO',
  'SUBSCRIBE',
  'NOTIFY',
  'REFER',
  'MESSAGE',
  'PUBLISH',
];
export const FIELD_VALUES: Record<string, readonly string[]> = {
  'call.state': [
    'setup',
    'ringing',
    'in-call',
    'completed',
    'cancelled',
    'rejected',
    'busy',
    'failed',
    'redirected',
  ],
  'call.type': ['call', 'registration', 'subscription', 'options', 'message', 'other'],
  'call.rtp': ['two-way', 'one-way', 'no-media', 'not-captured', 'not-expected'],
  'call.dtmf.method': ['rtp-event', 'info', 'kpml'],
  'sip.method': METHODS,
  'sip.cseq.method': METHODS,
  'frame.transport': ['UDP', 'TCP', 'TLS', 'WS', 'WSS', 'SCTP'],
};
