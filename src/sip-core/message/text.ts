/**
 * Byte-level helpers of the message layer: decoding spans to strings, unfolding, and splitting
 * comma-separated header values.
 * @remarks RFC 3261 §7.3.1 (folding, comma-separated lists), §25.1 (quoted-string, quoted-pair,
 * LAQUOT/RAQUOT). SIP is UTF-8 (RFC 3261 §7.3.1 "TEXT-UTF8"): strings are decoded as UTF-8.
 */

const utf8 = new TextDecoder('utf-8');

/**
 * Decodes `buf[s, e)` as UTF-8. Short ASCII spans are built directly (TextDecoder has a fixed cost
 * that dominates for a few bytes).
 */
export function decodeSpan(buf: Uint8Array, s: number, e: number): string {
  const n = e - s;
  if (n <= 0) return '';
  if (n <= 24) {
    let out = '';
    for (let i = s; i < e; i++) {
      const c = buf[i]!;
      if (c >= 0x80) return utf8.decode(buf.subarray(s, e));
      out += String.fromCharCode(c);
    }
    return out;
  }
  return utf8.decode(buf.subarray(s, e));
}

/**
 * What the octet decoders' string is (headers/*.ts `…SpanValue(s, so, len, raw, at)`): `latin1` true
 * while the full typed parse hands them the header section read as latin1 (one character per octet,
 * sip-message.ts `octetHead`) instead of its UTF-8 decode. Their fast paths slice only ASCII octets
 * (chars.ts S_HVALUE8), where both readings agree; a value they decline is given to the general
 * decoder as {@link valueText} makes it.
 */
export const octetText = { latin1: false };

/**
 * The text of the header value `s[so, so + len)` = the octets `raw[at, at + len)`: the slice of `s`, or,
 * while `s` is the latin1 reading ({@link octetText}), the octets decoded as UTF-8 (what the message's
 * `valueAt` gives for a field that is not folded).
 */
export function valueText(s: string, so: number, len: number, raw: Uint8Array, at: number): string {
  return octetText.latin1 ? decodeSpan(raw, at, at + len) : s.slice(so, so + len);
}

/**
 * Decodes a header value span, replacing each line fold (CRLF or LF followed by SP/HTAB) and the
 * whitespace around it by one SP (RFC 3261 §7.3.1).
 */
export function decodeUnfolded(buf: Uint8Array, s: number, e: number): string {
  let hasBreak = false;
  for (let i = s; i < e; i++) {
    const c = buf[i];
    if (c === 10 || c === 13) {
      hasBreak = true;
      break;
    }
  }
  if (!hasBreak) return decodeSpan(buf, s, e);
  let out = '';
  let segStart = s;
  let i = s;
  while (i < e) {
    const c = buf[i];
    if (c === 13 || c === 10) {
      // trim whitespace before the break
      let j = i;
      while (j > segStart && (buf[j - 1] === 32 || buf[j - 1] === 9)) j--;
      out += decodeSpan(buf, segStart, j);
      // skip the break and the whitespace after it
      let k = i;
      while (k < e && (buf[k] === 13 || buf[k] === 10 || buf[k] === 32 || buf[k] === 9)) k++;
      out += ' ';
      segStart = k;
      i = k;
      continue;
    }
    i++;
  }
  out += decodeSpan(buf, segStart, e);
  return out;
}

/** True for SP, HTAB, CR and LF. */
export function isLws(c: number | undefined): boolean {
  return c === 32 || c === 9 || c === 13 || c === 10;
}

/**
 * Splits `buf[s, e)` at top-level commas: commas inside a quoted-string (with quoted-pair escapes),
 * inside `<...>` or inside `[...]` do not split. Pushes `[start, end)` pairs, trimmed of LWS, to `out`
 * (empty elements are pushed as zero-length spans so callers can flag them).
 * @returns the number of elements pushed.
 */
export function splitCommaSpans(buf: Uint8Array, s: number, e: number, out: number[]): number {
  let count = 0;
  let elemStart = s;
  let inQuote = false;
  let angle = false;
  let bracket = false;
  for (let i = s; i < e; i++) {
    const c = buf[i];
    if (inQuote) {
      if (c === 92) i++;
      else if (c === 34) inQuote = false;
      continue;
    }
    if (c === 34) inQuote = true;
    else if (c === 60) angle = true;
    else if (c === 62) angle = false;
    else if (c === 91) bracket = true;
    else if (c === 93) bracket = false;
    else if (c === 44 && !angle && !bracket) {
      pushTrimmed(buf, elemStart, i, out);
      count++;
      elemStart = i + 1;
    }
  }
  pushTrimmed(buf, elemStart, e, out);
  return count + 1;
}

function pushTrimmed(buf: Uint8Array, s: number, e: number, out: number[]): void {
  while (s < e && isLws(buf[s])) s++;
  while (e > s && isLws(buf[e - 1])) e--;
  out.push(s, e);
}
