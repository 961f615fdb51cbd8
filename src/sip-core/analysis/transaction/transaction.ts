/**
 * Transactions as a capture sees them (RFC 3261 §17): matching keys for requests and responses
 * (§17.1.3 client side, §17.2.3 server side, with the RFC 2543 fallback of §17.2.3 for branches
 * without the magic cookie), the state names of the four state machines and the record the analysis
 * keeps per transaction.
 */
import type { AnalysisMessage } from '../message-view';
import { keyEnd, keyNum, keyStart, keyStr } from '../key-table';

/** Branch prefix of RFC 3261-compliant requests (§8.1.1.7). */
export const MAGIC_COOKIE = 'z9hG4bK';

/**
 * States of RFC 3261 §17 as seen from the wire: `calling`/`trying` (request sent), `proceeding`
 * (1xx), `completed` (non-2xx final / non-INVITE final), `confirmed` (ACK for the non-2xx final),
 * `accepted` (2xx to INVITE, RFC 6026 §7.1), `terminated` (ACK transaction, or end).
 */
export type TransactionState =
  'calling' | 'trying' | 'proceeding' | 'completed' | 'confirmed' | 'accepted' | 'terminated';
export const TRANSACTION_STATES: readonly TransactionState[] = [
  'calling',
  'trying',
  'proceeding',
  'completed',
  'confirmed',
  'accepted',
  'terminated',
];

/** INVITE (ICT/IST), non-INVITE (NICT/NIST), or the ACK for a 2xx, which is a transaction of its own (§17.1.1.3). */
export type TransactionKind = 'INVITE' | 'non-INVITE' | 'ACK';

/** The analysis' record of one transaction (internal, compact). */
export interface Transaction {
  idx: number;
  kind: TransactionKind;
  method: string;
  /** True when matched by RFC 2543 rules (no magic cookie); the branch itself is read back from the message. */
  rfc2543: boolean;
  cseq: number;
  /** Call-ID group index. */
  group: number;
  /** Id of the first request copy (-1 when only responses were seen). */
  requestId: number;
  /** Id of the first message of the transaction. */
  firstId: number;
  startUs: number;
  lastUs: number;
  /** State sequence: state index (TRANSACTION_STATES), time µs, alternating. */
  states: number[];
  /** Final status (0: none yet) and when it arrived. */
  finalStatus: number;
  finalUs: number;
  finalId: number;
  /** First 2xx (INVITE) not yet ACKed by an ACK towards its sender: id of the 2xx, or -1. */
  okId: number;
  acked: boolean;
  /**
   * Response copies seen (and the ACK of a non-2xx final), three numbers each: signature (hash of
   * status and To tag; -1 for the ACK), time of the last copy, id of the first copy (its path is
   * read back from the trace when a signature matches).
   */
  resp: number[] | null;
  /** Time of the last request copy (for retransmission intervals). */
  reqLastUs: number;
  retransmissions: number;
  reqRetrans: number;
  /** First dialog this transaction created (-1: none). */
  dialog: number;
  /** The request carried a To tag (in-dialog). */
  inDialog: boolean;
  /** INVITE: the CANCEL transaction that cancelled it; CANCEL: the INVITE transaction (-1: none). */
  peer: number;
  /** Offer carried by the request (voice codecs, connection address), for the offer/answer rules. */
  offer: { codecs: string[]; address: string | null } | null;
  /** Diagnostics already emitted once for this transaction (bit set). */
  flags: number;
  /** Responses seen. */
  responses: number;
  requests: number;
}

/** Transaction flags. */
export const TF_STORM = 1;
export const TF_PROV_AFTER = 2;
export const TF_CONFLICT = 4;
export const TF_2XX_RETRANS = 8;
export const TF_UNMATCHED = 16;

/**
 * The matching key of a message's transaction (§17.1.3 / §17.2.3). ACK is matched to the INVITE
 * (the caller decides whether it is the ACK for a non-2xx); CANCEL has its own transaction (§9.2).
 * Responses use their CSeq method. Without the magic cookie, the RFC 2543 rule is: Call-ID, CSeq
 * number, From tag and the top Via (sent-by and whatever branch there is). The key is hashed from
 * the fields directly (see key-table.ts), from the message's bytes: no key string is built.
 */
export function transactionKey(msg: AnalysisMessage, methodOverride?: string): number {
  const method =
    methodOverride ??
    (msg.kind === 'request' ? (msg.method === 'ACK' ? 'INVITE' : msg.method) : msg.cseqMethod) ??
    '';
  keyStart();
  if (msg.branchHasCookie) {
    msg.keyBranch();
    msg.keySentBy();
    keyStr(method);
    return keyEnd();
  }
  keyStr('2543');
  keyStr(msg.callId ?? '');
  keyNum(msg.cseq ?? 0);
  keyNum(msg.cseq === null ? 0 : 1);
  msg.keyFromTagOrEmpty();
  msg.keySentBy();
  msg.keyBranchOrEmpty();
  keyStr(method);
  return keyEnd();
}

export function transactionKind(method: string): TransactionKind {
  return method === 'INVITE' ? 'INVITE' : method === 'ACK' ? 'ACK' : 'non-INVITE';
}

/** Transaction id as it appears in the trace JSON (`T1`, `T2`...). */
export function transactionId(idx: number): string {
  return `T${idx + 1}`;
}

/** Appends a state to the sequence unless it is already the current one. */
export function pushState(t: Transaction, state: TransactionState, us: number): void {
  const s = TRANSACTION_STATES.indexOf(state);
  if (t.states.length >= 2 && t.states[t.states.length - 2] === s) return;
  t.states = append2(t.states, s, us);
}

export function addResp(t: Transaction, sig: number, us: number, id: number): void {
  const r = t.resp;
  if (r === null) {
    t.resp = [sig, us, id];
    return;
  }
  const n = r.length;
  const b = new Array<number>(n + 3);
  for (let i = 0; i < n; i++) b[i] = r[i]!;
  b[n] = sig;
  b[n + 1] = us;
  b[n + 2] = id;
  t.resp = b;
}

/**
 * A copy of `a` with two more numbers, exactly sized: a transaction sees 1–4 states and a few
 * response copies; push() would reserve 16 more slots per array.
 */
export function append2(a: number[], x: number, y: number): number[] {
  const n = a.length;
  const b = new Array<number>(n + 2);
  for (let i = 0; i < n; i++) b[i] = a[i]!;
  b[n] = x;
  b[n + 1] = y;
  return b;
}

export function currentState(t: Transaction): TransactionState {
  return TRANSACTION_STATES[t.states[t.states.length - 2] ?? 0]!;
}

/** sent-by with the default port made explicit (§18.1: 5060, 5061 for TLS) and the host lower-cased, so `h` and `h:5060` match. */
export function normalizeSentBy(sentBy: string | null, transport: string | null): string {
  if (!sentBy) return '';
  const s = sentBy.toLowerCase();
  const hasPort = s.startsWith('[') ? /\]:\d+$/.test(s) : /^[^:]+:\d+$/.test(s);
  if (hasPort || (!s.startsWith('[') && s.includes(':'))) return s;
  const t = (transport ?? 'UDP').toUpperCase();
  return `${s}:${t === 'TLS' || t === 'WSS' ? 5061 : 5060}`;
}

/**
 * A 52-bit hash of a string (two FNV-1a 32-bit hashes), used as Map key instead of the string so an
 * index does not keep one key string per transaction or dialog. Collisions: ~n²/2^53, negligible at 10^7.
 */
export function hash52(s: string): number {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995);
    h2 ^= h2 >>> 15;
  }
  return (h1 >>> 0) * 0x100000 + ((h2 >>> 0) & 0xfffff);
}
