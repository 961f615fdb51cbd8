/**
 * Comma-separated token lists: Allow, Supported, Require, Unsupported, Proxy-Require,
 * Allow-Events, Accept-Encoding, Accept-Language, Content-Encoding, Content-Language, Privacy.
 * @remarks RFC 3261 §7.3.1 (a list may be split over several header lines or joined with commas),
 * §20.5 Allow, §20.37 Supported, §20.32 Require, §20.40 Unsupported, §20.29 Proxy-Require;
 * RFC 6665 §8.2.2 Allow-Events; RFC 3323 §4.2 Privacy (`;`-separated).
 */
import type { Diagnostic, Span } from '../../diagnostic';
import { type Param, scanParams, STOP_COMMA } from '../params';
import { isToken, scanToken, skipWs } from './chars';
import { diag, type Decoded } from './decoded';

/** One list element: a token with optional parameters (e.g. `gzip;q=0.5`). */
export interface TokenItem {
  value: string;
  params: Param[];
  span: Span;
}

/**
 * Scans `item *(COMMA item)`, where item = token-ish *(SEMI generic-param). `extra` lists
 * characters accepted inside the item beyond token characters (e.g. "/" for media types).
 */
export function scanTokenItems(
  s: string,
  header: string,
  rfc: string,
  diags: Diagnostic[],
  allowEmpty: boolean,
  extra = '',
): TokenItem[] {
  const out: TokenItem[] = [];
  const end = s.length;
  let i = 0;
  while (true) {
    i = skipWs(s, i, end);
    if (i >= end) {
      if (out.length === 0 && !allowEmpty)
        diags.push(diag('header-empty', `Empty ${header} value.`, rfc, { start: 0, end }));
      else if (out.length > 0)
        diags.push(
          diag('list-element-empty', `Trailing "," in ${header}.`, '3261 §7.3.1', {
            start: Math.max(0, i - 1),
            end,
          }),
        );
      break;
    }
    if (s.charCodeAt(i) === 44) {
      diags.push(
        diag('list-element-empty', `Empty element in ${header}.`, '3261 §7.3.1', { start: i, end: i + 1 }),
      );
      i++;
      continue;
    }
    const tStart = i;
    let k = i;
    while (k < end) {
      const c = s.charCodeAt(k);
      if (isToken(c) || (extra.length > 0 && extra.indexOf(s[k]!) >= 0)) k++;
      else break;
    }
    if (k === tStart) {
      let j = i;
      while (j < end && s.charCodeAt(j) !== 44) j++;
      diags.push(
        diag('list-bad-element', `"${s.slice(i, j)}" is not a token in ${header}.`, rfc, {
          start: i,
          end: j,
        }),
      );
      i = j < end ? j + 1 : end;
      if (j >= end) break;
      continue;
    }
    const params: Param[] = [];
    let j = scanParams(s, k, end, params, diags, STOP_COMMA);
    const itemEnd = j;
    j = skipWs(s, j, end);
    out.push({ value: s.slice(tStart, k), params, span: { start: tStart, end: itemEnd } });
    if (j < end && s.charCodeAt(j) !== 44) {
      let m = j;
      while (m < end && s.charCodeAt(m) !== 44) m++;
      diags.push(
        diag('list-bad-element', `Unexpected text "${s.slice(j, m)}" in ${header}.`, rfc, {
          start: j,
          end: m,
        }),
      );
      j = m;
    }
    if (j >= end) break;
    i = j + 1;
  }
  return out;
}

function tokensOnly(value: string, header: string, rfc: string, allowEmpty: boolean): Decoded<string[]> {
  // Fast path for the common shape `tok, tok ,tok`: no allocation beyond the result strings.
  const fast: string[] = [];
  const end = value.length;
  let i = skipWs(value, 0, end);
  if (i >= end && allowEmpty) return { value: fast, diagnostics: [] };
  while (i < end) {
    const t = scanToken(value, i, end);
    if (t === i) break;
    fast.push(value.slice(i, t));
    i = skipWs(value, t, end);
    if (i >= end) return { value: fast, diagnostics: [] };
    if (value.charCodeAt(i) !== 44) break;
    i = skipWs(value, i + 1, end);
  }
  const diags: Diagnostic[] = [];
  const items = scanTokenItems(value, header, rfc, diags, allowEmpty);
  const out: string[] = new Array(items.length);
  for (let k = 0; k < items.length; k++) {
    const it = items[k]!;
    out[k] = it.value;
    if (it.params.length) {
      diags.push(
        diag(
          'list-unexpected-param',
          `${header} element "${it.value}" carries parameters.`,
          rfc,
          it.span,
          'warning',
        ),
      );
    }
  }
  return { value: out, diagnostics: diags };
}

/** Allow — RFC 3261 §20.5: `[Method *(COMMA Method)]` (may be empty). */
export function parseAllow(value: string): Decoded<string[]> {
  return tokensOnly(value, 'Allow', '3261 §20.5', true);
}
/** Supported — RFC 3261 §20.37: `[option-tag *(COMMA option-tag)]` (may be empty). */
export function parseSupported(value: string): Decoded<string[]> {
  return tokensOnly(value, 'Supported', '3261 §20.37', true);
}
/** Require — RFC 3261 §20.32: `option-tag *(COMMA option-tag)`. */
export function parseRequire(value: string): Decoded<string[]> {
  return tokensOnly(value, 'Require', '3261 §20.32', false);
}
/** Proxy-Require — RFC 3261 §20.29. */
export function parseProxyRequire(value: string): Decoded<string[]> {
  return tokensOnly(value, 'Proxy-Require', '3261 §20.29', false);
}
/** Unsupported — RFC 3261 §20.40. */
export function parseUnsupported(value: string): Decoded<string[]> {
  return tokensOnly(value, 'Unsupported', '3261 §20.40', false);
}
/** Allow-Events — RFC 6665 §8.2.2: `event-type *(COMMA event-type)` (event-type may hold "."). */
export function parseAllowEvents(value: string): Decoded<string[]> {
  return tokensOnly(value, 'Allow-Events', '6665 §8.2.2', false);
}
/** Content-Encoding — RFC 3261 §20.12. */
export function parseContentEncoding(value: string): Decoded<string[]> {
  return tokensOnly(value, 'Content-Encoding', '3261 §20.12', false);
}
/** Content-Language — RFC 3261 §20.13. */
export function parseContentLanguage(value: string): Decoded<string[]> {
  return tokensOnly(value, 'Content-Language', '3261 §20.13', false);
}
/** In-Reply-To — RFC 3261 §20.21: `callid *(COMMA callid)`. */
export function parseInReplyTo(value: string): Decoded<string[]> {
  const diags: Diagnostic[] = [];
  const out: string[] = [];
  for (const part of value.split(',')) {
    const t = part.trim();
    if (t.length) out.push(t);
    else diags.push(diag('list-element-empty', 'Empty element in In-Reply-To.', '3261 §7.3.1', undefined));
  }
  return { value: out, diagnostics: diags };
}

/** Accept-Encoding — RFC 3261 §20.2: `[ encoding *(COMMA encoding) ]`, encoding = codings *(SEMI accept-param). */
export function parseAcceptEncoding(value: string): Decoded<TokenItem[]> {
  const diags: Diagnostic[] = [];
  return { value: scanTokenItems(value, 'Accept-Encoding', '3261 §20.2', diags, true), diagnostics: diags };
}
/** Accept-Language — RFC 3261 §20.3: `[ language *(COMMA language) ]`. */
export function parseAcceptLanguage(value: string): Decoded<TokenItem[]> {
  const diags: Diagnostic[] = [];
  return { value: scanTokenItems(value, 'Accept-Language', '3261 §20.3', diags, true), diagnostics: diags };
}

/** Privacy — RFC 3323 §4.2: `priv-value *(";" priv-value)`. */
export function parsePrivacy(value: string): Decoded<string[]> {
  const diags: Diagnostic[] = [];
  const out: string[] = [];
  const end = value.length;
  let i = 0;
  while (i < end) {
    i = skipWs(value, i, end);
    const t = scanToken(value, i, end);
    if (t === i) {
      if (i < end) {
        let j = i;
        while (j < end && value.charCodeAt(j) !== 59) j++;
        diags.push(
          diag('list-bad-element', `"${value.slice(i, j)}" is not a priv-value.`, '3323 §4.2', {
            start: i,
            end: j,
          }),
        );
        i = j + 1;
      }
      continue;
    }
    out.push(value.slice(i, t));
    i = skipWs(value, t, end);
    if (i < end && value.charCodeAt(i) !== 59) {
      diags.push(
        diag('list-bad-element', `Unexpected "${value[i]}" in Privacy.`, '3323 §4.2', {
          start: i,
          end: i + 1,
        }),
      );
      while (i < end && value.charCodeAt(i) !== 59) i++;
    }
    i++;
  }
  if (out.length === 0)
    diags.push(diag('header-empty', 'Empty Privacy value.', '3323 §4.2', { start: 0, end }));
  return { value: out, diagnostics: diags };
}
