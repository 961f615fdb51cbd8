/**
 * The catalogue of SIP message diagnostics: every code the message layer (structural parse and lint)
 * can emit, with its severity, RFC section and a description the UI can show.
 * @remarks STYLE.md habit 6: codes are stable identifiers; never rename one. Parse-time diagnostics and
 * lint diagnostics share this one catalogue.
 */
import type { Diagnostic, Severity, Span } from '../diagnostic';

/** One entry of the catalogue. */
export interface DiagnosticRule {
  readonly code: string;
  readonly severity: Severity;
  /** RFC reference, e.g. `3261 §18.3`. */
  readonly rfc: string;
  /** Short title. */
  readonly title: string;
  /** What the check means and why it matters. */
  readonly description: string;
  /** `parse` — found by the structural pass (always present in `SipMessage.diagnostics`); `lint` — by `lintMessage`. */
  readonly stage: 'parse' | 'lint';
}

function r(
  code: string,
  severity: Severity,
  rfc: string,
  stage: 'parse' | 'lint',
  title: string,
  description: string,
): DiagnosticRule {
  return { code, severity, rfc, stage, title, description };
}

const RULES: DiagnosticRule[] = [
  // framing and start line
  r(
    'message-empty',
    'error',
    '3261 §7',
    'parse',
    'Empty message',
    'The datagram holds no start line (only whitespace or nothing).',
  ),
  r(
    'leading-crlf',
    'info',
    '3261 §7.5',
    'parse',
    'CRLF before the start line',
    'Empty lines before the start line (keep-alives, RFC 5626 §3.5.1); they are ignored.',
  ),
  r(
    'leading-junk',
    'warning',
    '3261 §7.5',
    'parse',
    'Junk before the start line',
    'Octets that are not a start line precede the message; they were skipped.',
  ),
  r(
    'line-ending-lf',
    'warning',
    '3261 §7',
    'parse',
    'Bare LF line ending',
    'Lines end in LF instead of CRLF; accepted, but not legal SIP on the wire.',
  ),
  r(
    'start-line-invalid',
    'error',
    '3261 §7.1',
    'parse',
    'Unrecognised start line',
    'The first line is neither a Request-Line nor a Status-Line.',
  ),
  r(
    'start-line-extra-whitespace',
    'error',
    '3261 §7.1',
    'parse',
    'Extra whitespace in the start line',
    'Elements of the Request-Line/Status-Line are separated by exactly one SP (RFC 4475 §3.1.2.9).',
  ),
  r(
    'start-line-trailing-whitespace',
    'error',
    '3261 §7.1',
    'parse',
    'Whitespace at the end of the start line',
    'The start line ends with SP or HTAB before CRLF (RFC 4475 §3.1.2.10).',
  ),
  r(
    'method-invalid',
    'error',
    '3261 §25.1',
    'parse',
    'Bad method token',
    'The method is not a token (RFC 3261 §25.1 Method = token).',
  ),
  r(
    'request-uri-whitespace',
    'error',
    '3261 §7.1',
    'parse',
    'Whitespace in the Request-URI',
    'The Request-URI MUST NOT contain unescaped spaces or control characters (RFC 4475 §3.1.2.8).',
  ),
  r(
    'request-uri-angle-brackets',
    'error',
    '3261 §7.1',
    'parse',
    'Request-URI enclosed in <>',
    'The Request-URI MUST NOT be enclosed in "<>" (RFC 4475 §3.1.2.7).',
  ),
  r(
    'request-uri-headers',
    'error',
    '3261 §19.1.1',
    'lint',
    'Headers in the Request-URI',
    'The headers component (?...) of a SIP URI is not allowed in a Request-URI (RFC 4475 §3.1.2.11).',
  ),
  r(
    'sip-version-unsupported',
    'error',
    '3261 §7.1',
    'parse',
    'SIP version other than 2.0',
    'The protocol version is not SIP/2.0; a server answers 505 (RFC 3261 §21.5.7).',
  ),
  r(
    'status-code-invalid',
    'error',
    '3261 §7.2',
    'parse',
    'Status code out of range',
    'The Status-Code is not three digits in 100–699 (RFC 3261 §21, RFC 4475 §3.1.2.19).',
  ),
  r(
    'status-line-reason-missing',
    'warning',
    '3261 §7.2',
    'parse',
    'No SP after the status code',
    'Status-Line = SIP-Version SP Status-Code SP Reason-Phrase: the SP before the (possibly empty) reason is missing.',
  ),
  // header section
  r(
    'header-section-unterminated',
    'error',
    '3261 §7',
    'parse',
    'Header section not terminated',
    'The message ends before the empty line that closes the header section.',
  ),
  r(
    'header-missing-colon',
    'error',
    '3261 §7.3.1',
    'parse',
    'Header line without a colon',
    'A line in the header section has no ":"; it was skipped.',
  ),
  r(
    'header-name-invalid',
    'error',
    '3261 §7.3.1',
    'parse',
    'Bad header name',
    'The header field name is empty or not a token.',
  ),
  r(
    'header-continuation-invalid',
    'error',
    '3261 §7.3.1',
    'parse',
    'Continuation line without a header',
    'A line starting with whitespace (folding) does not follow a header field.',
  ),
  r(
    'list-element-empty',
    'error',
    '3261 §7.3.1',
    'parse',
    'Empty element in a header list',
    'A comma-separated header value has an empty element (",,") (RFC 4475 §3.1.2.1).',
  ),
  r(
    'param-empty',
    'error',
    '3261 §25.1',
    'parse',
    'Empty parameter',
    'A ";" is followed by no parameter name (";;") (RFC 4475 §3.1.2.1).',
  ),
  r(
    'quoted-string-unterminated',
    'error',
    '3261 §25.1',
    'parse',
    'Unterminated quoted string',
    'A quoted string is never closed (RFC 4475 §3.1.2.6).',
  ),
  r(
    'name-addr-unterminated',
    'error',
    '3261 §20.10',
    'parse',
    'Unterminated <URI>',
    'A "<" that opens a URI is never closed by ">".',
  ),
  r(
    'via-invalid',
    'error',
    '3261 §20.42',
    'parse',
    'Malformed Via',
    'The Via value does not start with sent-protocol (SIP/2.0/transport) and sent-by.',
  ),
  // scalar fields
  r(
    'content-length-invalid',
    'error',
    '3261 §20.14',
    'parse',
    'Bad Content-Length',
    'Content-Length is not a non-negative decimal number (RFC 4475 §3.1.2.3).',
  ),
  r(
    'content-length-exceeds-body',
    'error',
    '3261 §18.3',
    'parse',
    'Content-Length larger than the body',
    'Fewer octets follow the header section than Content-Length says (RFC 4475 §3.1.2.2); over UDP the message is rejected with 400.',
  ),
  r(
    'content-length-trailing-octets',
    'warning',
    '3261 §18.3',
    'parse',
    'Octets after the body',
    'The datagram holds more octets than Content-Length; RFC 3261 §18.3 says to discard them (RFC 4475 §3.1.1.8).',
  ),
  r(
    'content-length-conflict',
    'error',
    '3261 §20.14',
    'parse',
    'Conflicting Content-Length values',
    'Several Content-Length values disagree, so the message cannot be framed (RFC 4475 §3.3.9).',
  ),
  r(
    'content-length-missing',
    'info',
    '3261 §20.14',
    'parse',
    'No Content-Length',
    'Without Content-Length the body runs to the end of the datagram; over a stream transport the header is mandatory.',
  ),
  r('cseq-invalid', 'error', '3261 §20.16', 'parse', 'Bad CSeq', 'CSeq is not "number method".'),
  r(
    'cseq-out-of-range',
    'error',
    '3261 §8.1.1.5',
    'parse',
    'CSeq number too large',
    'The CSeq sequence number MUST be less than 2**31 (RFC 4475 §3.1.2.4, §3.1.2.5).',
  ),
  r(
    'max-forwards-invalid',
    'error',
    '3261 §20.22',
    'parse',
    'Bad Max-Forwards',
    'Max-Forwards is not a decimal number.',
  ),
  r(
    'max-forwards-out-of-range',
    'warning',
    '3261 §20.22',
    'parse',
    'Max-Forwards out of range',
    'Max-Forwards is an integer in the range 0–255.',
  ),
  // lint (semantic)
  r(
    'header-missing',
    'error',
    '3261 §8.1.1',
    'lint',
    'Mandatory header missing',
    'Every request needs To, From, CSeq, Call-ID, Max-Forwards and Via; every response To, From, CSeq, Call-ID and Via (RFC 4475 §3.3.1).',
  ),
  r(
    'max-forwards-missing',
    'warning',
    '3261 §8.1.1.6',
    'lint',
    'Request without Max-Forwards',
    'A UAC MUST insert Max-Forwards; RFC 2543 peers omit it and a proxy adds 70 (RFC 3261 §16.6 step 3).',
  ),
  r(
    'header-duplicate',
    'error',
    '3261 §7.3.1',
    'lint',
    'Duplicate single-value header',
    'A header that takes one value appears more than once (RFC 4475 §3.3.8).',
  ),
  r(
    'cseq-method-mismatch',
    'error',
    '3261 §8.1.1.5',
    'lint',
    'CSeq method differs from the request method',
    'The method in CSeq MUST match the method of the request (RFC 4475 §3.1.2.17).',
  ),
  r(
    'via-branch-missing',
    'warning',
    '3261 §8.1.1.7',
    'lint',
    'Via without branch',
    'The top Via has no branch parameter (RFC 2543 style); transactions are matched the old way.',
  ),
  r(
    'via-branch-missing-cookie',
    'warning',
    '3261 §8.1.1.7',
    'lint',
    'Branch without z9hG4bK',
    'The branch does not start with the magic cookie z9hG4bK, so it is not an RFC 3261 transaction id.',
  ),
  r(
    'via-branch-cookie-only',
    'warning',
    '3261 §8.1.1.7',
    'lint',
    'Branch is only the magic cookie',
    'The branch is "z9hG4bK" with nothing after it: no usable transaction id (RFC 4475 §3.2.1).',
  ),
  r(
    'from-tag-missing',
    'warning',
    '3261 §8.1.1.3',
    'lint',
    'From without tag',
    'The From header MUST carry a tag (RFC 2543 peers omit it).',
  ),
  r(
    'content-type-missing',
    'error',
    '3261 §20.15',
    'lint',
    'Body without Content-Type',
    'A non-empty body MUST be described by Content-Type.',
  ),
  r(
    'uri-reserved-unescaped',
    'warning',
    '3261 §19.1.2',
    'lint',
    'Unescaped character in a URI',
    'A URI holds a character that must be %-escaped in that component.',
  ),
  r(
    'uri-ipv6-port-ambiguous',
    'warning',
    '5118 §4.3',
    'lint',
    'Port inside IPv6 brackets',
    'The text inside "[...]" ends like a port; ports go after "]" (RFC 5118 §4.3).',
  ),
  r(
    'uri-scheme-unknown',
    'info',
    '3261 §8.2.2.1',
    'lint',
    'Request-URI scheme not sip/sips/tel',
    'A UAS would answer 416 Unsupported URI Scheme (RFC 4475 §3.3.2).',
  ),
  r(
    'addr-spec-whitespace',
    'error',
    '3261 §20.10',
    'lint',
    'Whitespace inside <URI>',
    'The URI inside "<...>" has leading or trailing whitespace (RFC 4475 §3.1.2.14).',
  ),
  r(
    'addr-spec-needs-angle-brackets',
    'error',
    '3261 §20.10',
    'lint',
    'URI with ?, comma or ; needs <>',
    'A URI containing a comma, question mark or semicolon MUST be in name-addr form "<...>" (RFC 4475 §3.1.2.13).',
  ),
  r(
    'display-name-invalid',
    'error',
    '3261 §25.1',
    'lint',
    'Bad display name',
    'An unquoted display name holds characters that are not token characters (RFC 4475 §3.1.2.15).',
  ),
  r(
    'date-invalid',
    'error',
    '3261 §20.17',
    'lint',
    'Bad Date',
    'Date must be an RFC 1123 date in GMT (RFC 4475 §3.1.2.12).',
  ),
  r(
    'expires-out-of-range',
    'warning',
    '3261 §20.19',
    'lint',
    'Expires out of range',
    'Expires (header or contact parameter) is not a number in 0–(2**32)-1 (RFC 4475 §3.1.2.4).',
  ),
  r(
    'retry-after-out-of-range',
    'warning',
    '3261 §20.33',
    'lint',
    'Retry-After out of range',
    'Retry-After is not a number of seconds in 0–(2**32)-1 (RFC 4475 §3.1.2.5).',
  ),
  r(
    'warning-code-invalid',
    'error',
    '3261 §20.43',
    'lint',
    'Bad warn-code',
    'A Warning value must start with a three-digit warn-code (RFC 4475 §3.1.2.5).',
  ),
  // found by the URI decoder (uri.ts, parseUri) and reported by lint
  r(
    'uri-no-scheme',
    'error',
    '3261 §25.1',
    'lint',
    'URI without scheme',
    'The URI does not start with "scheme:".',
  ),
  r('uri-no-host', 'error', '3261 §19.1.1', 'lint', 'URI without host', 'A SIP URI has no host.'),
  r('uri-bad-port', 'error', '3261 §25.1', 'lint', 'Bad port', 'The port of the URI is not a number.'),
  r(
    'uri-bad-host',
    'error',
    '3261 §25.1',
    'lint',
    'Bad host',
    'The host of the URI holds a character a host name cannot.',
  ),
  r(
    'uri-bad-ipv4',
    'error',
    '3261 §25.1',
    'lint',
    'Bad IPv4 address',
    'The host looks like an IPv4 address but is not one.',
  ),
  r(
    'uri-bad-ipv6',
    'error',
    '5118 §4.1',
    'lint',
    'Bad IPv6 reference',
    'The text inside "[...]" is not an IPv6 address.',
  ),
  r(
    'uri-ipv6-without-brackets',
    'error',
    '3261 §19.1.1',
    'lint',
    'IPv6 address without brackets',
    'An IPv6 address in a SIP URI host MUST be an IPv6reference "[...]" (RFC 5118 §4.2).',
  ),
  r(
    'ipv6-three-colons',
    'warning',
    '5118 §4.10',
    'lint',
    'IPv6 reference with ":::"',
    'RFC 3261 ABNF allows ":::" before an embedded IPv4 address; RFC 4291 does not. Tolerated (RFC 5118 §4.10).',
  ),
  r(
    'uri-trailing-garbage',
    'error',
    '3261 §25.1',
    'lint',
    'Text after the URI',
    'The URI is followed by text that belongs to no component.',
  ),
  r(
    'tel-bad-number',
    'error',
    '3966 §3',
    'lint',
    'Bad tel number',
    'The tel URI number is not a valid global or local number.',
  ),
  r(
    'param-trailing-garbage',
    'error',
    '3261 §25.1',
    'lint',
    'Text after a parameter',
    'A parameter is followed by text that is not another parameter.',
  ),
];

/** Every diagnostic code of the message layer, by code. Exported as data so the UI can explain codes. */
export const MESSAGE_DIAGNOSTICS: Readonly<Record<string, DiagnosticRule>> = Object.freeze(
  Object.fromEntries(RULES.map((x) => [x.code, x])),
);

/** Builds a `sip`-layer diagnostic from the catalogue (severity and RFC come from the rule). */
export function sipDiagnostic(code: string, message: string, span?: Span): Diagnostic {
  const rule = MESSAGE_DIAGNOSTICS[code];
  const d: Diagnostic = {
    code,
    severity: rule ? rule.severity : 'error',
    layer: 'sip',
    message,
  };
  if (rule) d.rfc = rule.rfc;
  if (span) d.span = span;
  return d;
}
