/**
 * Event and Subscription-State — RFC 6665 §8.2.1, §8.2.3 and §8.4 (obsoletes RFC 3265 §7.2).
 * `Event = event-type *( SEMI event-param )`, `event-type = event-package *( "." event-template )`;
 * `Subscription-State = substate-value *( SEMI subexp-params )`.
 */
import type { Diagnostic } from '../../diagnostic';
import { getParam, type Param, scanParams } from '../params';
import { lower, parseUint, scanToken, skipWs } from './chars';
import { diag, type Decoded } from './decoded';

export interface EventValue {
  /** event-package, lower-cased (`presence`, `refer`, `dialog`, …). */
  package: string;
  /** event-templates after the package (`presence.winfo` → `['winfo']`). */
  templates: string[];
  /** The `id` parameter (RFC 6665 §8.2.1), null when absent. */
  id: string | null;
  params: Param[];
}

function headTokenWithParams(
  value: string,
  header: string,
  rfc: string,
  diags: Diagnostic[],
): { token: string; params: Param[] } | null {
  const end = value.length;
  const s = skipWs(value, 0, end);
  const t = scanToken(value, s, end);
  if (t === s) {
    diags.push(diag('header-empty', `${header} has no value.`, rfc, { start: 0, end }));
    return null;
  }
  const params: Param[] = [];
  const i = skipWs(value, scanParams(value, t, end, params, diags, 0), end);
  if (i < end) {
    diags.push(
      diag('header-trailing-garbage', `Unexpected text "${value.slice(i)}" in ${header}.`, rfc, {
        start: i,
        end,
      }),
    );
  }
  return { token: value.slice(s, t), params };
}

/** Event — RFC 6665 §8.2.1. */
export function parseEvent(value: string): Decoded<EventValue> {
  const diags: Diagnostic[] = [];
  const r = headTokenWithParams(value, 'Event', '6665 §8.2.1', diags);
  if (!r) return { value: null, diagnostics: diags };
  const parts = lower(r.token).split('.');
  const id = getParam(r.params, 'id');
  return {
    value: {
      package: parts[0]!,
      templates: parts.slice(1),
      id: typeof id === 'string' ? id : null,
      params: r.params,
    },
    diagnostics: diags,
  };
}

export interface SubscriptionState {
  /** active / pending / terminated, or an extension value (lower-cased). */
  state: string;
  reason: string | null;
  expires: number | null;
  retryAfter: number | null;
  params: Param[];
}

/** Subscription-State — RFC 6665 §8.2.3 / §4.1.3. */
export function parseSubscriptionState(value: string): Decoded<SubscriptionState> {
  const diags: Diagnostic[] = [];
  const r = headTokenWithParams(value, 'Subscription-State', '6665 §8.2.3', diags);
  if (!r) return { value: null, diagnostics: diags };
  const state = lower(r.token);
  const num = (name: string): number | null => {
    const v = getParam(r.params, name);
    if (typeof v !== 'string') return null;
    const n = parseUint(v, 0, v.length);
    if (Number.isNaN(n)) {
      diags.push(
        diag(
          'subscription-state-invalid',
          `Subscription-State ${name}="${v}" is not a number.`,
          '6665 §8.4',
          { start: 0, end: value.length },
        ),
      );
      return null;
    }
    return n;
  };
  const reason = getParam(r.params, 'reason');
  const out: SubscriptionState = {
    state,
    reason: typeof reason === 'string' ? lower(reason) : null,
    expires: num('expires'),
    retryAfter: num('retry-after'),
    params: r.params,
  };
  if (state !== 'active' && state !== 'pending' && state !== 'terminated') {
    diags.push(
      diag(
        'subscription-state-unknown',
        `Unknown subscription state "${r.token}".`,
        '6665 §4.1.3',
        { start: 0, end: value.length },
        'info',
      ),
    );
  }
  if (state === 'active' && out.expires === null) {
    diags.push(
      diag(
        'subscription-state-no-expires',
        'An "active" Subscription-State SHOULD carry expires.',
        '6665 §4.2.2',
        { start: 0, end: value.length },
        'info',
      ),
    );
  }
  return { value: out, diagnostics: diags };
}
