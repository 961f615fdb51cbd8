/**
 * Authorization, Proxy-Authorization, WWW-Authenticate, Proxy-Authenticate, Authentication-Info.
 * @remarks RFC 3261 §20.7, §20.27, §20.28, §20.44, §22.4 and §25.1 (`challenge`, `credentials`);
 * RFC 2617 §3.2 and RFC 7616 §3.3–3.5 (Digest parameters); RFC 7235 §2.1 (other schemes may
 * carry a token68). Parameter names are case-insensitive; quoted values are unescaped.
 */
import type { Diagnostic } from '../../diagnostic';
import type { Param } from '../params';
import { isToken, scanQuoted, scanToken, skipWs } from './chars';
import { diag, type Decoded } from './decoded';

/** A challenge or credentials value: `scheme` then auth-params (or a token68). */
export interface AuthValue {
  /** Scheme as written (`Digest`, `Bearer`, …); compare case-insensitively. */
  scheme: string;
  params: Param[];
  /** RFC 7235 token68 form (e.g. `Bearer abc.def`), null otherwise. */
  token68: string | null;
}

const RFC_AUTH = '3261 §25.1';

/** Value of auth-param `name` (lower case); undefined when absent. */
export function authParam(v: AuthValue, name: string): string | undefined {
  for (const p of v.params) if (p.name === name) return p.value ?? '';
  return undefined;
}

function parseAuth(
  value: string,
  header: string,
  kind: 'challenge' | 'credentials' | 'info',
): Decoded<AuthValue> {
  const diags: Diagnostic[] = [];
  const end = value.length;
  let i = skipWs(value, 0, end);
  let scheme = '';
  if (kind !== 'info') {
    const se = scanToken(value, i, end);
    if (se === i) {
      diags.push(
        diag('auth-missing-scheme', `${header} does not start with an auth scheme.`, RFC_AUTH, {
          start: 0,
          end,
        }),
      );
      return { value: null, diagnostics: diags };
    }
    scheme = value.slice(i, se);
    i = skipWs(value, se, end);
    if (i === se && i < end) {
      diags.push(
        diag('auth-invalid', `No LWS after the auth scheme in ${header}.`, RFC_AUTH, {
          start: se,
          end: se + 1,
        }),
      );
    }
  }
  const params: Param[] = [];
  let token68: string | null = null;
  const q = { text: '' };
  // token68 = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=" — only if no "name=" follows.
  if (kind !== 'info' && i < end) {
    const ne = scanToken(value, i, end);
    const eq = skipWs(value, ne, end);
    const isParam =
      ne > i &&
      eq < end &&
      value.charCodeAt(eq) === 61 &&
      !(eq + 1 >= end || value.charCodeAt(eq + 1) === 61 || value.charCodeAt(eq + 1) === 44);
    if (!isParam) {
      let k = i;
      while (k < end && value.charCodeAt(k) !== 44 && value.charCodeAt(k) !== 32) k++;
      token68 = value.slice(i, k);
      i = skipWs(value, k, end);
      if (i < end) {
        diags.push(
          diag(
            'auth-trailing-garbage',
            `Unexpected text "${value.slice(i)}" after the token68 in ${header}.`,
            '7235 §2.1',
            { start: i, end },
          ),
        );
      }
      return { value: { scheme, params, token68 }, diagnostics: diags };
    }
  }
  while (i < end) {
    const nStart = i;
    const ne = scanToken(value, i, end);
    if (ne === i) {
      let k = i;
      while (k < end && value.charCodeAt(k) !== 44) k++;
      diags.push(
        diag('auth-invalid', `"${value.slice(i, k)}" is not an auth-param in ${header}.`, RFC_AUTH, {
          start: i,
          end: k,
        }),
      );
      i = skipWs(value, k + 1, end);
      continue;
    }
    // A new "scheme param=" after a comma starts another challenge (RFC 7235 §4.1).
    let j = skipWs(value, ne, end);
    if (j < end && value.charCodeAt(j) !== 61 && isToken(value.charCodeAt(j)) && params.length > 0) {
      diags.push(
        diag(
          'auth-multiple-challenges',
          `${header} carries more than one challenge; only the first is decoded.`,
          '7235 §4.1',
          { start: nStart, end },
          'info',
        ),
      );
      break;
    }
    const name = value.slice(nStart, ne).toLowerCase();
    let val: string | null = null;
    let quoted = false;
    if (j < end && value.charCodeAt(j) === 61) {
      j = skipWs(value, j + 1, end);
      if (j < end && value.charCodeAt(j) === 34) {
        const after = scanQuoted(value, j, end, q);
        quoted = true;
        val = q.text;
        if (after < 0) {
          diags.push(
            diag(
              'quoted-string-unterminated',
              `Unterminated quoted string for ${name} in ${header}.`,
              RFC_AUTH,
              { start: j, end },
            ),
          );
          j = end;
        } else j = after;
      } else {
        const vs = j;
        while (j < end) {
          const c = value.charCodeAt(j);
          if (c === 44 || c === 32 || c === 9 || c === 13 || c === 10) break;
          j++;
        }
        val = value.slice(vs, j);
      }
    } else {
      diags.push(
        diag(
          'auth-param-no-value',
          `auth-param "${name}" has no "=value" in ${header}.`,
          RFC_AUTH,
          { start: nStart, end: ne },
          'warning',
        ),
      );
    }
    for (const p of params) {
      if (p.name === name) {
        diags.push(
          diag(
            'auth-duplicate-param',
            `auth-param "${name}" appears twice in ${header}.`,
            '7616 §3.4',
            { start: nStart, end: j },
            'warning',
          ),
        );
        break;
      }
    }
    const p: Param = { name, value: val, span: { start: nStart, end: j } };
    if (quoted) p.quoted = true;
    params.push(p);
    j = skipWs(value, j, end);
    if (j < end && value.charCodeAt(j) !== 44) {
      let k = j;
      while (k < end && value.charCodeAt(k) !== 44) k++;
      diags.push(
        diag('auth-trailing-garbage', `Unexpected text "${value.slice(j, k)}" in ${header}.`, RFC_AUTH, {
          start: j,
          end: k,
        }),
      );
      j = k;
    }
    i = skipWs(value, j + 1, end);
  }
  const v: AuthValue = { scheme, params, token68 };
  if (kind !== 'info' && scheme.toLowerCase() === 'digest') checkDigest(v, header, kind, diags);
  return { value: v, diagnostics: diags };
}

const QUOTED_REQUIRED = ['username', 'realm', 'nonce', 'uri', 'response', 'cnonce', 'opaque'];

function checkDigest(
  v: AuthValue,
  header: string,
  kind: 'challenge' | 'credentials',
  diags: Diagnostic[],
): void {
  const required =
    kind === 'challenge' ? ['realm', 'nonce'] : ['username', 'realm', 'nonce', 'uri', 'response'];
  for (const r of required) {
    if (authParam(v, r) === undefined) {
      diags.push(
        diag(
          'digest-missing-param',
          `Digest ${kind} in ${header} lacks "${r}".`,
          kind === 'challenge' ? '2617 §3.2.1' : '2617 §3.2.2',
          undefined,
        ),
      );
    }
  }
  if (kind === 'credentials') {
    const qop = authParam(v, 'qop');
    if (qop !== undefined && (authParam(v, 'cnonce') === undefined || authParam(v, 'nc') === undefined)) {
      diags.push(
        diag(
          'digest-missing-param',
          `Digest credentials in ${header} carry qop but lack cnonce or nc.`,
          '2617 §3.2.2',
          undefined,
        ),
      );
    }
    for (const p of v.params) {
      if (!p.quoted && QUOTED_REQUIRED.includes(p.name)) {
        diags.push(
          diag(
            'digest-unquoted-param',
            `Digest "${p.name}" must be a quoted string.`,
            '3261 §25.1',
            p.span,
            'warning',
          ),
        );
      }
    }
  }
}

/** WWW-Authenticate — RFC 3261 §20.44 (challenge). */
export function parseWwwAuthenticate(value: string): Decoded<AuthValue> {
  return parseAuth(value, 'WWW-Authenticate', 'challenge');
}
/** Proxy-Authenticate — RFC 3261 §20.27 (challenge). */
export function parseProxyAuthenticate(value: string): Decoded<AuthValue> {
  return parseAuth(value, 'Proxy-Authenticate', 'challenge');
}
/** Authorization — RFC 3261 §20.7 (credentials). */
export function parseAuthorization(value: string): Decoded<AuthValue> {
  return parseAuth(value, 'Authorization', 'credentials');
}
/** Proxy-Authorization — RFC 3261 §20.28 (credentials). */
export function parseProxyAuthorization(value: string): Decoded<AuthValue> {
  return parseAuth(value, 'Proxy-Authorization', 'credentials');
}
/** Authentication-Info — RFC 3261 §20.6: `ainfo *(COMMA ainfo)` (no scheme). */
export function parseAuthenticationInfo(value: string): Decoded<AuthValue> {
  return parseAuth(value, 'Authentication-Info', 'info');
}

/** Quotes an auth-param value (RFC 3261 §25.1 quoted-string). */
function q(v: string): string {
  return '"' + v.replace(/["\\]/g, '\\$&') + '"';
}

/** Serializes a challenge or credentials value. */
export function formatAuth(v: AuthValue): string {
  if (v.token68 !== null) return `${v.scheme} ${v.token68}`;
  const parts = v.params.map((p) =>
    p.value === null ? p.name : `${p.name}=${p.quoted ? q(p.value) : p.value}`,
  );
  return v.scheme ? `${v.scheme} ${parts.join(', ')}` : parts.join(', ');
}
