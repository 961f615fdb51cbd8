/**
 * Who a call is from and to, as the calls list shows it: the From and To URIs of the call's first
 * request and their user parts (a sip/sips user, a tel number).
 */
import type { SipMessage } from '../../message';
import { parseFrom, parseTo } from '../../message/headers';
import { isSipUri, isTelUri, type Uri } from '../../message/uri';

export interface CallParties {
  from: string | null;
  to: string | null;
  fromUser: string | null;
  toUser: string | null;
}

/** The user part of a sip/sips URI or the number of a tel URI; null for other schemes. */
export function uriUser(u: Uri | null): string | null {
  if (!u) return null;
  if (isSipUri(u)) return u.user;
  if (isTelUri(u)) return u.number;
  return null;
}

/** From/To of `first` (a call's first request), or all null when it is absent or unreadable. */
export function callParties(first: SipMessage | null): CallParties {
  const out: CallParties = { from: null, to: null, fromUser: null, toUser: null };
  if (!first) return out;
  const f = first.header('from');
  const t = first.header('to');
  if (f) {
    const na = parseFrom(f).value;
    if (na) {
      out.from = na.uriText;
      out.fromUser = uriUser(na.uri);
    }
  }
  if (t) {
    const na = parseTo(t).value;
    if (na) {
      out.to = na.uriText;
      out.toUser = uriUser(na.uri);
    }
  }
  return out;
}
