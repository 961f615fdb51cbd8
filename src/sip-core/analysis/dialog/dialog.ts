/**
 * Dialogs (RFC 3261 §12): identified by Call-ID and the two tags. Early dialogs are created by a
 * 1xx with a To tag (one per To tag when a request forks, §12.1 / §13.2.2.4), confirmed by a 2xx,
 * terminated by BYE (§15) or by a non-2xx final response to the INVITE.
 */
import { keyEnd, keyNum, keyStart } from '../key-table';
import type { AnalysisMessage } from '../message-view';
import { append2 } from '../transaction/transaction';

export type DialogState = 'early' | 'confirmed' | 'terminated';

export interface Dialog {
  idx: number;
  group: number;
  /** The group's next dialog (index, -1: none; see CallGroup.dlgHead). */
  next: number;
  callId: string;
  /**
   * Hash of the tag of the side that sent the dialog-creating request (its From tag), as an int32
   * (`callerTagKeyOf`: a small integer, not a boxed double). The tags themselves are read back from
   * the creating message (`tagsMessage`) when a view asks.
   */
  callerTagKey: number;
  /** Method of the request that created it (INVITE, SUBSCRIBE, REFER, NOTIFY). */
  method: string;
  state: DialogState;
  /** State sequence: 0 early, 1 confirmed, 2 terminated, time µs, alternating. */
  states: number[];
  /** The creating transaction and its CSeq. */
  txn: number;
  cseq: number;
  /** Id of the request that created the dialog and of the response that created/confirmed it. */
  requestId: number;
  responseId: number;
  /** Last CSeq number of each side's in-dialog requests (caller, callee), -1 when none yet. */
  callerCseq: number;
  calleeCseq: number;
  callerMethod: string;
  calleeMethod: string;
  /** CSeq of the BYE that ended it (-1: none), and the side that sent it. */
  byeCseq: number;
  /** Created from an in-dialog request (its setup was not captured). */
  partial: boolean;
  /** Offer carried by a 2xx whose INVITE had none (late offer, answered in the ACK). */
  lateOffer: { codecs: string[]; address: string | null; ice: boolean } | null;
  /** In-dialog requests attached, by method (count). */
  requests: number;
  /** CSeq already reported by cseq-not-increasing (one report for all hop copies), -1: none. */
  cseqFlagged: number;
  /** The route set contains a strict router (Record-Route without lr). */
  strict: boolean;
}

export const DIALOG_STATES: readonly DialogState[] = ['early', 'confirmed', 'terminated'];

/** Dialog id as in the trace JSON (`D1`...). */
export function dialogId(idx: number): string {
  return `D${idx + 1}`;
}

/**
 * The unordered dialog key of a message with both tags in the Call-ID group `group` (the group stands
 * for the Call-ID: one group per Call-ID), hashed from the tags' bytes.
 */
export function dialogKeyOf(msg: AnalysisMessage, group: number): number {
  keyStart();
  keyNum(group);
  if (msg.compareTags() < 0) {
    msg.keyFromTag();
    msg.keyToTag();
  } else {
    msg.keyToTag();
    msg.keyFromTag();
  }
  return keyEnd();
}

export function setDialogState(d: Dialog, state: DialogState, us: number): void {
  if (d.state === state && d.states.length > 0) return;
  if (d.state === 'terminated' && d.states.length > 0) return;
  d.state = state;
  d.states = append2(d.states, DIALOG_STATES.indexOf(state), us);
}

/** A From-tag hash as `Dialog.callerTagKey` holds it. */
export function callerTagKeyOf(fromTagHash: number): number {
  return fromTagHash | 0;
}

/** When the dialog started (its first state's time), µs. */
export function dialogStartUs(d: Dialog): number {
  return d.states[1]!;
}

/** When the dialog was terminated (its last state's time), µs, or -1. */
export function dialogEndUs(d: Dialog): number {
  return d.state === 'terminated' ? d.states[d.states.length - 1]! : -1;
}

/** Methods that create a dialog with a 1xx/2xx carrying a To tag (RFC 3261 §12.1, RFC 6665 §4.1.2.4, RFC 3515). */
export const DIALOG_CREATING = new Set(['INVITE', 'SUBSCRIBE', 'REFER']);
