/**
 * The typed-header registry: canonical lower-case header name → decoder over the (unfolded)
 * header value string.
 * @remarks STYLE.md habit 9 (dispatch through registries). Compact forms (RFC 3261 §7.3.3) are
 * resolved to canonical names by the structural parser before lookup; {@link COMPACT_FORMS} is
 * exported for callers that need it.
 */
import { COMPACT_FORMS } from '../../../shared/compact-forms';
import type { Decoded } from './decoded';
import { lower } from './chars';
import * as addr from './address';
import * as auth from './auth';
import * as dialog from './dialog';
import * as event from './event';
import * as list from './list';
import * as media from './media';
import * as reason from './reason';
import * as scalar from './scalar';
import { parseVia } from './via';

export type TypedDecoder = (value: string) => Decoded<unknown>;

export const TYPED_HEADERS: Record<string, TypedDecoder> = {
  accept: media.parseAccept,
  'accept-encoding': list.parseAcceptEncoding,
  'accept-language': list.parseAcceptLanguage,
  allow: list.parseAllow,
  'allow-events': list.parseAllowEvents,
  'authentication-info': auth.parseAuthenticationInfo,
  authorization: auth.parseAuthorization,
  'call-id': scalar.parseCallId,
  contact: addr.parseContact,
  'content-disposition': media.parseContentDisposition,
  'content-encoding': list.parseContentEncoding,
  'content-language': list.parseContentLanguage,
  'content-length': scalar.parseContentLength,
  'content-type': media.parseContentType,
  cseq: scalar.parseCSeq,
  diversion: addr.parseDiversion,
  event: event.parseEvent,
  expires: scalar.parseExpires,
  from: addr.parseFrom,
  'history-info': addr.parseHistoryInfo,
  'in-reply-to': list.parseInReplyTo,
  join: dialog.parseJoin,
  'max-forwards': scalar.parseMaxForwards,
  'min-expires': scalar.parseMinExpires,
  'min-se': scalar.parseMinSE,
  organization: scalar.parseText,
  'p-asserted-identity': addr.parsePAssertedIdentity,
  'p-preferred-identity': addr.parsePPreferredIdentity,
  path: addr.parsePath,
  priority: reason.parsePriority,
  privacy: list.parsePrivacy,
  'proxy-authenticate': auth.parseProxyAuthenticate,
  'proxy-authorization': auth.parseProxyAuthorization,
  'proxy-require': list.parseProxyRequire,
  rack: scalar.parseRAck,
  reason: reason.parseReason,
  'record-route': addr.parseRecordRoute,
  'refer-to': addr.parseReferTo,
  'referred-by': addr.parseReferredBy,
  replaces: dialog.parseReplaces,
  'reply-to': addr.parseReplyTo,
  require: list.parseRequire,
  'retry-after': scalar.parseRetryAfter,
  route: addr.parseRoute,
  rseq: scalar.parseRSeq,
  server: scalar.parseText,
  'service-route': addr.parseServiceRoute,
  'session-expires': scalar.parseSessionExpires,
  subject: scalar.parseText,
  'subscription-state': event.parseSubscriptionState,
  supported: list.parseSupported,
  timestamp: scalar.parseTimestamp,
  to: addr.parseTo,
  unsupported: list.parseUnsupported,
  'user-agent': scalar.parseText,
  via: parseVia,
  warning: reason.parseWarning,
  'www-authenticate': auth.parseWwwAuthenticate,
};

/** Decodes `value` as header `name` (any case, compact forms accepted); null when no decoder is registered. */
export function decodeHeader(name: string, value: string): Decoded<unknown> | null {
  let key = lower(name);
  if (key.length === 1) key = COMPACT_FORMS[key] ?? key;
  // A Map lookup hashes the key; a keyed load on a large object literal would internalize it first.
  const fn = DECODERS.get(key);
  return fn ? fn(value) : null;
}

const DECODERS = new Map<string, TypedDecoder>(Object.entries(TYPED_HEADERS));

/**
 * The decoder of a canonical name (lower case, compact forms expanded, as `HeaderField.canonical`), or
 * undefined: {@link decodeHeader} without re-normalising a name the parser already normalised.
 */
export function decoderOf(canonical: string): TypedDecoder | undefined {
  const fn = DECODERS.get(canonical);
  if (fn !== undefined || canonical.length !== 1) return fn;
  const full = COMPACT_FORMS[canonical];
  return full === undefined ? undefined : DECODERS.get(full);
}
