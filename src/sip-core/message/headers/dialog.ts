/**
 * Dialog-identifying headers: Replaces (RFC 3891 §6.1) and Join (RFC 3911 §7.1).
 * `Replaces = callid *(SEMI replaces-param)`, `replaces-param = to-tag / from-tag / early-flag / generic-param`.
 */
import type { Diagnostic } from '../../diagnostic';
import { getParam, hasParam, type Param, scanParams } from '../params';
import { skipWs, trimEnd } from './chars';
import { diag, type Decoded } from './decoded';

export interface DialogRef {
  callId: string;
  toTag: string | null;
  fromTag: string | null;
  /** Replaces `early-only` flag (RFC 3891 §3). */
  earlyOnly: boolean;
  params: Param[];
}

function parseDialogRef(value: string, header: string, rfc: string): Decoded<DialogRef> {
  const diags: Diagnostic[] = [];
  const end = value.length;
  const s = skipWs(value, 0, end);
  let k = s;
  while (k < end && value.charCodeAt(k) !== 59) k++;
  const callEnd = trimEnd(value, s, k);
  if (callEnd === s) {
    diags.push(diag('dialog-ref-invalid', `${header} has no Call-ID.`, rfc, { start: 0, end }));
    return { value: null, diagnostics: diags };
  }
  const params: Param[] = [];
  const i = skipWs(value, scanParams(value, k, end, params, diags, 0), end);
  if (i < end) {
    diags.push(
      diag('header-trailing-garbage', `Unexpected text "${value.slice(i)}" in ${header}.`, rfc, {
        start: i,
        end,
      }),
    );
  }
  const to = getParam(params, 'to-tag');
  const from = getParam(params, 'from-tag');
  if (typeof to !== 'string' || typeof from !== 'string') {
    diags.push(
      diag('dialog-ref-missing-tag', `${header} must carry both to-tag and from-tag.`, rfc, {
        start: 0,
        end,
      }),
    );
  }
  return {
    value: {
      callId: value.slice(s, callEnd),
      toTag: typeof to === 'string' ? to : null,
      fromTag: typeof from === 'string' ? from : null,
      earlyOnly: hasParam(params, 'early-only'),
      params,
    },
    diagnostics: diags,
  };
}

/** Replaces — RFC 3891 §6.1. */
export function parseReplaces(value: string): Decoded<DialogRef> {
  return parseDialogRef(value, 'Replaces', '3891 §6.1');
}
/** Join — RFC 3911 §7.1. */
export function parseJoin(value: string): Decoded<DialogRef> {
  return parseDialogRef(value, 'Join', '3911 §7.1');
}
