/**
 * Octet comparisons of transaction keys (branch, sent-by, method) against a message's bytes, shared by
 * the transaction table (live transactions keyed by their request's spans) and the lingering records
 * (keys kept in an arena).
 */

/** `key` at `at` equals raw[s, e) (lowercased when `lower`): returns the position after it, or -1. */
export function matchBytes(
  key: string,
  at: number,
  raw: Uint8Array,
  s: number,
  e: number,
  lower: boolean,
): number {
  if (at + (e - s) > key.length) return -1;
  for (let i = s; i < e; i++, at++) {
    let c = raw[i]!;
    if (lower && c >= 0x41 && c <= 0x5a) c |= 0x20;
    if (key.charCodeAt(at) !== c) return -1;
  }
  return at;
}

/** a[as, ae) equals b[bs, be) (ASCII case folded when `lower`). */
export function sameBytes(
  a: Uint8Array,
  as: number,
  ae: number,
  b: Uint8Array,
  bs: number,
  be: number,
  lower: boolean,
): boolean {
  if (ae - as !== be - bs) return false;
  for (; as < ae; as++, bs++) {
    let x = a[as]!;
    let y = b[bs]!;
    if (lower) {
      if (x >= 0x41 && x <= 0x5a) x |= 0x20;
      if (y >= 0x41 && y <= 0x5a) y |= 0x20;
    }
    if (x !== y) return false;
  }
  return true;
}
