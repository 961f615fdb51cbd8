/**
 * Header field names: canonical (lower-case, compact forms expanded) and display spellings, compact
 * forms, and which headers take a single value.
 * @remarks RFC 3261 §7.3.1 (names are case-insensitive), §7.3.3 (compact forms), §20 (header fields);
 * IANA "Header Fields" registry (SIP Parameters) for the compact forms defined after RFC 3261.
 */
import { COMPACT_FORMS } from '../../shared/compact-forms';

/** One header field the message layer knows by name. */
export interface HeaderNameInfo {
  /** Lower-case full name, the key used everywhere (`call-id`). */
  readonly canonical: string;
  /** The spelling generated messages use (`Call-ID`). */
  readonly display: string;
  /** Only one field value is allowed in a message (RFC 3261 §7.3.1: "not ... a comma-separated list"). */
  readonly single: boolean;
  /** Field values are a comma-separated list (may be combined on one line, RFC 3261 §7.3.1). */
  readonly list: boolean;
  /** Where the header is defined. */
  readonly rfc: string;
}

const T = true;
const F = false;

/**
 * The known header fields. `single` marks headers that must appear at most once; `list` marks headers
 * whose value is a comma-separated list (so `values()` splits them).
 */
export const HEADER_NAMES: readonly HeaderNameInfo[] = [
  { canonical: 'accept', display: 'Accept', single: F, list: T, rfc: '3261 §20.1' },
  {
    canonical: 'accept-contact',
    display: 'Accept-Contact',
    single: F,
    list: T,
    rfc: '3841 §9.2',
  },
  { canonical: 'accept-encoding', display: 'Accept-Encoding', single: F, list: T, rfc: '3261 §20.2' },
  { canonical: 'accept-language', display: 'Accept-Language', single: F, list: T, rfc: '3261 §20.3' },
  { canonical: 'alert-info', display: 'Alert-Info', single: F, list: T, rfc: '3261 §20.4' },
  { canonical: 'allow', display: 'Allow', single: F, list: T, rfc: '3261 §20.5' },
  {
    canonical: 'allow-events',
    display: 'Allow-Events',
    single: F,
    list: T,
    rfc: '6665 §8.2.2',
  },
  { canonical: 'authentication-info', display: 'Authentication-Info', single: T, list: F, rfc: '3261 §20.6' },
  { canonical: 'authorization', display: 'Authorization', single: F, list: F, rfc: '3261 §20.7' },
  { canonical: 'call-id', display: 'Call-ID', single: T, list: F, rfc: '3261 §20.8' },
  { canonical: 'call-info', display: 'Call-Info', single: F, list: T, rfc: '3261 §20.9' },
  { canonical: 'contact', display: 'Contact', single: F, list: T, rfc: '3261 §20.10' },
  {
    canonical: 'content-disposition',
    display: 'Content-Disposition',
    single: T,
    list: F,
    rfc: '3261 §20.11',
  },
  {
    canonical: 'content-encoding',
    display: 'Content-Encoding',
    single: F,
    list: T,
    rfc: '3261 §20.12',
  },
  { canonical: 'content-language', display: 'Content-Language', single: F, list: T, rfc: '3261 §20.13' },
  {
    canonical: 'content-length',
    display: 'Content-Length',
    single: T,
    list: F,
    rfc: '3261 §20.14',
  },
  {
    canonical: 'content-type',
    display: 'Content-Type',
    single: T,
    list: F,
    rfc: '3261 §20.15',
  },
  { canonical: 'cseq', display: 'CSeq', single: T, list: F, rfc: '3261 §20.16' },
  { canonical: 'date', display: 'Date', single: T, list: F, rfc: '3261 §20.17' },
  { canonical: 'diversion', display: 'Diversion', single: F, list: T, rfc: '5806 §4' },
  { canonical: 'error-info', display: 'Error-Info', single: F, list: T, rfc: '3261 §20.18' },
  { canonical: 'event', display: 'Event', single: T, list: F, rfc: '6665 §8.2.1' },
  { canonical: 'expires', display: 'Expires', single: T, list: F, rfc: '3261 §20.19' },
  { canonical: 'from', display: 'From', single: T, list: F, rfc: '3261 §20.20' },
  { canonical: 'history-info', display: 'History-Info', single: F, list: T, rfc: '7044 §5' },
  { canonical: 'identity', display: 'Identity', single: F, list: F, rfc: '8224 §4' },
  { canonical: 'identity-info', display: 'Identity-Info', single: T, list: F, rfc: '4474 §9' },
  { canonical: 'in-reply-to', display: 'In-Reply-To', single: F, list: T, rfc: '3261 §20.21' },
  { canonical: 'max-forwards', display: 'Max-Forwards', single: T, list: F, rfc: '3261 §20.22' },
  { canonical: 'mime-version', display: 'MIME-Version', single: T, list: F, rfc: '3261 §20.24' },
  { canonical: 'min-expires', display: 'Min-Expires', single: T, list: F, rfc: '3261 §20.23' },
  { canonical: 'min-se', display: 'Min-SE', single: T, list: F, rfc: '4028 §5' },
  { canonical: 'organization', display: 'Organization', single: T, list: F, rfc: '3261 §20.25' },
  { canonical: 'p-asserted-identity', display: 'P-Asserted-Identity', single: F, list: T, rfc: '3325 §9.1' },
  {
    canonical: 'p-preferred-identity',
    display: 'P-Preferred-Identity',
    single: F,
    list: T,
    rfc: '3325 §9.2',
  },
  { canonical: 'path', display: 'Path', single: F, list: T, rfc: '3327 §4' },
  { canonical: 'priority', display: 'Priority', single: T, list: F, rfc: '3261 §20.26' },
  { canonical: 'privacy', display: 'Privacy', single: F, list: F, rfc: '3323 §4.2' },
  { canonical: 'proxy-authenticate', display: 'Proxy-Authenticate', single: F, list: F, rfc: '3261 §20.27' },
  {
    canonical: 'proxy-authorization',
    display: 'Proxy-Authorization',
    single: F,
    list: F,
    rfc: '3261 §20.28',
  },
  { canonical: 'proxy-require', display: 'Proxy-Require', single: F, list: T, rfc: '3261 §20.29' },
  { canonical: 'rack', display: 'RAck', single: T, list: F, rfc: '3262 §7.2' },
  { canonical: 'reason', display: 'Reason', single: F, list: T, rfc: '3326 §2' },
  { canonical: 'record-route', display: 'Record-Route', single: F, list: T, rfc: '3261 §20.30' },
  { canonical: 'refer-to', display: 'Refer-To', single: T, list: F, rfc: '3515 §2.1' },
  { canonical: 'referred-by', display: 'Referred-By', single: T, list: F, rfc: '3892 §3' },
  {
    canonical: 'reject-contact',
    display: 'Reject-Contact',
    single: F,
    list: T,
    rfc: '3841 §9.2',
  },
  { canonical: 'replaces', display: 'Replaces', single: T, list: F, rfc: '3891 §6.1' },
  { canonical: 'reply-to', display: 'Reply-To', single: T, list: F, rfc: '3261 §20.31' },
  {
    canonical: 'request-disposition',
    display: 'Request-Disposition',
    single: F,
    list: T,
    rfc: '3841 §9.1',
  },
  { canonical: 'require', display: 'Require', single: F, list: T, rfc: '3261 §20.32' },
  { canonical: 'retry-after', display: 'Retry-After', single: T, list: F, rfc: '3261 §20.33' },
  { canonical: 'route', display: 'Route', single: F, list: T, rfc: '3261 §20.34' },
  { canonical: 'rseq', display: 'RSeq', single: T, list: F, rfc: '3262 §7.1' },
  { canonical: 'server', display: 'Server', single: T, list: F, rfc: '3261 §20.35' },
  {
    canonical: 'session-expires',
    display: 'Session-Expires',
    single: T,
    list: F,
    rfc: '4028 §4',
  },
  { canonical: 'subject', display: 'Subject', single: T, list: F, rfc: '3261 §20.36' },
  { canonical: 'subscription-state', display: 'Subscription-State', single: T, list: F, rfc: '6665 §8.2.3' },
  { canonical: 'supported', display: 'Supported', single: F, list: T, rfc: '3261 §20.37' },
  { canonical: 'timestamp', display: 'Timestamp', single: T, list: F, rfc: '3261 §20.38' },
  { canonical: 'to', display: 'To', single: T, list: F, rfc: '3261 §20.39' },
  { canonical: 'unsupported', display: 'Unsupported', single: F, list: T, rfc: '3261 §20.40' },
  { canonical: 'user-agent', display: 'User-Agent', single: T, list: F, rfc: '3261 §20.41' },
  { canonical: 'via', display: 'Via', single: F, list: T, rfc: '3261 §20.42' },
  { canonical: 'warning', display: 'Warning', single: F, list: T, rfc: '3261 §20.43' },
  { canonical: 'www-authenticate', display: 'WWW-Authenticate', single: F, list: F, rfc: '3261 §20.44' },
];

const BY_CANONICAL = new Map<string, HeaderNameInfo>();
for (const h of HEADER_NAMES) BY_CANONICAL.set(h.canonical, h);
/** Compact forms as a Map (a hot path's lookup), from the one table in src/shared/compact-forms.ts. */
const COMPACT = new Map<string, string>(Object.entries(COMPACT_FORMS));

/** Compact form (lower-case letter) → canonical full name, e.g. `v` → `via` (RFC 3261 §7.3.3). */
export { COMPACT_FORMS };

/**
 * The canonical key of a header name as written: lower-cased, compact forms expanded.
 * `canonicalHeaderName('V')` → `'via'`, `canonicalHeaderName('Call-Id')` → `'call-id'`.
 */
export function canonicalHeaderName(name: string): string {
  const lower = name.toLowerCase();
  if (lower.length === 1) return COMPACT.get(lower) ?? lower;
  return lower;
}

/** What the layer knows about a header (by any spelling), or undefined for an extension header. */
export function headerNameInfo(name: string): HeaderNameInfo | undefined {
  return BY_CANONICAL.get(canonicalHeaderName(name));
}

/**
 * The spelling to write for a header in generated messages: the RFC's (`Call-ID`, `CSeq`, `WWW-Authenticate`)
 * for known headers, else each dash-separated word capitalised (`x-foo-bar` → `X-Foo-Bar`).
 */
export function displayHeaderName(name: string): string {
  const info = BY_CANONICAL.get(canonicalHeaderName(name));
  if (info) return info.display;
  return name
    .split('-')
    .map((w) => (w.length ? w[0]!.toUpperCase() + w.slice(1).toLowerCase() : w))
    .join('-');
}

/** True when the header must not appear more than once (RFC 3261 §7.3.1 and the header's own RFC). */
export function isSingleValueHeader(name: string): boolean {
  return BY_CANONICAL.get(canonicalHeaderName(name))?.single ?? false;
}

/** True when the header's value is a comma-separated list (RFC 3261 §7.3.1). */
export function isListHeader(name: string): boolean {
  return BY_CANONICAL.get(canonicalHeaderName(name))?.list ?? false;
}
