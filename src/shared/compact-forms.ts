/**
 * SIP's compact header forms: the one table every layer reads (the message layer's names and
 * decoders, the renderer's message compare and Predict questions).
 * @remarks RFC 3261 §7.3.3 (c, e, f, i, k, l, m, s, t, v), RFC 3515 (r), RFC 3892 (b), RFC 4028 (x),
 * RFC 6665 (o, u), RFC 3841 (a, j, d), RFC 4474 (n), RFC 8224 (y); the IANA "Header Fields" registry.
 */

/** Compact form (a lower-case letter) → the header's canonical full name (lower case). */
export const COMPACT_FORMS: Readonly<Record<string, string>> = Object.freeze({
  a: 'accept-contact',
  b: 'referred-by',
  c: 'content-type',
  d: 'request-disposition',
  e: 'content-encoding',
  f: 'from',
  i: 'call-id',
  j: 'reject-contact',
  k: 'supported',
  l: 'content-length',
  m: 'contact',
  n: 'identity-info',
  o: 'event',
  r: 'refer-to',
  s: 'subject',
  t: 'to',
  u: 'allow-events',
  v: 'via',
  x: 'session-expires',
  y: 'identity',
});

/** Canonical full name → its compact form (`via` → `v`); absent when the header has none. */
export const COMPACT_OF: Readonly<Record<string, string>> = Object.freeze(
  Object.fromEntries(Object.entries(COMPACT_FORMS).map(([c, full]) => [full, c])),
);

/** A header name as written, lower-cased, compact form expanded (`V` → `via`, `Call-Id` → `call-id`). */
export function expandHeaderName(name: string): string {
  const lower = name.toLowerCase();
  return lower.length === 1 ? (COMPACT_FORMS[lower] ?? lower) : lower;
}
