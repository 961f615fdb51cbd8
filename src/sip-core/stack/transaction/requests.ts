/**
 * Requests the transaction layer builds itself or helps the TU build.
 * - ACK for a non-2xx final response: RFC 3261 §17.1.1.3.
 * - CANCEL: RFC 3261 §9.1.
 */
import type { SipMessage } from '../../message';
import { buildRequest } from '../../message';
import type { HeaderList } from '../../message';

/**
 * The ACK an INVITE client transaction sends for a 300-699 response (RFC 3261 §17.1.1.3):
 * Request-URI, Call-ID, From and CSeq number of the INVITE, To of the response (with its tag), a
 * single Via equal to the INVITE's top Via, the INVITE's Route headers, CSeq method ACK.
 */
export function buildAckForNonSuccess(invite: SipMessage, response: SipMessage): Uint8Array {
  const headers: [string, string][] = [];
  const via = invite.values('via')[0];
  if (via !== undefined) headers.push(['Via', via]);
  for (const r of invite.headerAll('route')) headers.push(['Route', r]);
  headers.push(['Max-Forwards', invite.header('max-forwards') ?? '70']);
  headers.push(['From', invite.header('from') ?? '']);
  headers.push(['To', response.header('to') ?? invite.header('to') ?? '']);
  headers.push(['Call-ID', invite.header('call-id') ?? '']);
  headers.push(['CSeq', `${invite.cseq ?? 0} ACK`]);
  return buildRequest({ method: 'ACK', uri: invite.requestUri ?? '', headers });
}

/**
 * A CANCEL for `request` (RFC 3261 §9.1): same Request-URI, Call-ID, To, From and CSeq number,
 * CSeq method CANCEL, a single Via equal to the request's top Via (same branch, so it matches the
 * same server transaction), the request's Route headers.
 */
export function buildCancel(request: SipMessage, extraHeaders: HeaderList = []): Uint8Array {
  const headers: [string, string][] = [];
  const via = request.values('via')[0];
  if (via !== undefined) headers.push(['Via', via]);
  for (const r of request.headerAll('route')) headers.push(['Route', r]);
  headers.push(['Max-Forwards', '70']);
  headers.push(['From', request.header('from') ?? '']);
  headers.push(['To', request.header('to') ?? '']);
  headers.push(['Call-ID', request.header('call-id') ?? '']);
  headers.push(['CSeq', `${request.cseq ?? 0} CANCEL`]);
  for (const h of extraHeaders) headers.push([h[0], h[1]]);
  return buildRequest({ method: 'CANCEL', uri: request.requestUri ?? '', headers });
}
