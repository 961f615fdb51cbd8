/**
 * Address headers, all built on name-addr / addr-spec (see ../name-addr.ts).
 * @remarks RFC 3261 §20.20 From, §20.39 To, §20.10 Contact, §20.34 Route, §20.30 Record-Route,
 * §20.31 Reply-To; RFC 3327 Path; RFC 3608 Service-Route; RFC 3515 §2.1 Refer-To; RFC 3892
 * Referred-By; RFC 3325 §9.1–9.2 P-Asserted-Identity / P-Preferred-Identity; RFC 5806 Diversion;
 * RFC 7044 History-Info.
 */
import type { Diagnostic } from '../../diagnostic';
import { type NameAddr, parseContact, parseNameAddr, parseNameAddrList } from '../name-addr';
import { getParam } from '../params';
import { isSipUri, isTelUri } from '../uri';
import { diag, type Decoded } from './decoded';

export { parseContact, parseNameAddr, parseNameAddrList };

function single(value: string): Decoded<NameAddr> {
  return parseNameAddr(value);
}

/** From — RFC 3261 §20.20 (the tag is in `value.tag`). */
export function parseFrom(value: string): Decoded<NameAddr> {
  return single(value);
}
/** To — RFC 3261 §20.39. */
export function parseTo(value: string): Decoded<NameAddr> {
  return single(value);
}
/** Reply-To — RFC 3261 §20.31. */
export function parseReplyTo(value: string): Decoded<NameAddr> {
  return single(value);
}
/** Refer-To — RFC 3515 §2.1 (name-addr or addr-spec; the URI may carry embedded headers). */
export function parseReferTo(value: string): Decoded<NameAddr> {
  return single(value);
}
/** Referred-By — RFC 3892 §3. */
export function parseReferredBy(value: string): Decoded<NameAddr> {
  return single(value);
}
/** P-Preferred-Identity — RFC 3325 §9.2 (one or two values). */
export function parsePPreferredIdentity(value: string): Decoded<NameAddr[]> {
  return identityList(value, 'P-Preferred-Identity', '3325 §9.2');
}
/** P-Asserted-Identity — RFC 3325 §9.1: one or two values, at most one sip/sips and one tel. */
export function parsePAssertedIdentity(value: string): Decoded<NameAddr[]> {
  return identityList(value, 'P-Asserted-Identity', '3325 §9.1');
}

function identityList(value: string, header: string, rfc: string): Decoded<NameAddr[]> {
  const d = parseNameAddrList(value);
  const list = d.value ?? [];
  let sip = 0;
  let tel = 0;
  for (const na of list) {
    if (na.uri && isSipUri(na.uri)) sip++;
    else if (na.uri && isTelUri(na.uri)) tel++;
  }
  if (list.length > 2 || sip > 1 || tel > 1) {
    d.diagnostics.push(
      diag('identity-too-many', `${header} carries more than one sip/sips or tel identity.`, rfc, {
        start: 0,
        end: value.length,
      }),
    );
  }
  return d;
}

function list(value: string): Decoded<NameAddr[]> {
  return parseNameAddrList(value);
}
/** Route — RFC 3261 §20.34. */
export const parseRoute = list;
/** Record-Route — RFC 3261 §20.30. */
export const parseRecordRoute = list;
/** Path — RFC 3327 §4. */
export const parsePath = list;
/** Service-Route — RFC 3608 §5. */
export const parseServiceRoute = list;
/** Diversion — RFC 5806 §4 (reason, counter, limit, privacy, screen, extension params). */
export const parseDiversion = list;

/** History-Info — RFC 7044 §4.1: each entry carries an `index` parameter. */
export function parseHistoryInfo(value: string): Decoded<NameAddr[]> {
  const d = parseNameAddrList(value);
  const diags: Diagnostic[] = d.diagnostics;
  for (const na of d.value ?? []) {
    if (typeof getParam(na.params, 'index') !== 'string') {
      diags.push(
        diag(
          'history-info-missing-index',
          `History-Info entry "${na.uriText}" has no index parameter.`,
          '7044 §4.1',
          na.span,
          'warning',
        ),
      );
    }
  }
  return d;
}
