/**
 * The transaction table: live client and server transactions by their RFC 3261 §17.1.3 and
 * §17.2.3 keys. The {@link TransactionLayer} uses it, and so do the elements (a proxy decides
 * itself which requests get a server transaction: Kamailio's `t_relay()` vs `forward()`), so
 * matching is written once.
 * https://www.rfc-editor.org/rfc/rfc3261#section-17.1.3 https://www.rfc-editor.org/rfc/rfc3261#section-17.2.3
 */
import type { SipMessage } from '../../message';
import { BRANCH_COOKIE } from '../clock';
import type { InviteClientTransaction } from './invite-client';
import type { InviteServerTransaction } from './invite-server';
import type { NonInviteClientTransaction } from './non-invite-client';
import type { NonInviteServerTransaction } from './non-invite-server';
import type { TransactionBase } from './transaction';

export type ClientTransaction = InviteClientTransaction | NonInviteClientTransaction;
export type ServerTransaction = InviteServerTransaction | NonInviteServerTransaction;

/**
 * Key of a client transaction (§17.1.3): the top Via branch and the CSeq method, so a CANCEL
 * (same branch as its INVITE) is a different transaction.
 */
export function clientTransactionKey(branch: string, cseqMethod: string): string {
  return `${branch}|${cseqMethod}`;
}

/**
 * Key of a server transaction (§17.2.3). With the `z9hG4bK` cookie: branch, sent-by and method,
 * ACK counting as INVITE. Without it (RFC 2543): Request-URI, From tag, Call-ID, CSeq number and
 * method (ACK as INVITE) and the top Via; the To tag of an ACK is checked separately.
 * Returns null when the request lacks what matching needs.
 */
export function serverTransactionKey(req: SipMessage, method: string = req.method ?? ''): string | null {
  // The same request is matched several times in a row (table lookup, then the element's own
  // checks): messages never change, so the last key is kept.
  if (req === lastReq && method === lastMethod) return lastKey;
  const key = computeServerKey(req, method);
  lastReq = req;
  lastMethod = method;
  lastKey = key;
  return key;
}
let lastReq: SipMessage | null = null;
let lastMethod = '';
let lastKey: string | null = null;

function computeServerKey(req: SipMessage, method: string): string | null {
  const m = method === 'ACK' ? 'INVITE' : method;
  const branch = req.branch;
  if (branch?.startsWith(BRANCH_COOKIE)) return `${branch}|${(req.viaSentBy ?? '').toLowerCase()}|${m}`;
  if (req.callId === null || req.cseq === null) return null;
  return `2543|${req.requestUri ?? ''}|${req.fromTag ?? ''}|${req.callId}|${req.cseq}|${m}|${req.values('via')[0] ?? ''}`;
}

function isClient(tx: TransactionBase<string>): tx is ClientTransaction {
  return tx.kind === 'invite-client' || tx.kind === 'non-invite-client';
}

export class TransactionTable {
  private readonly clients = new Map<string, ClientTransaction>();
  private readonly servers = new Map<string, ServerTransaction>();
  /** Pass as a transaction's `onTerminated`: the table forgets it. */
  readonly forgetBound = (tx: TransactionBase<string>): void => this.forget(tx);

  addClient(tx: ClientTransaction): void {
    const key = clientTransactionKey(tx.branch, tx.method);
    tx.tableKey = key;
    this.clients.set(key, tx);
  }

  addServer(key: string, tx: ServerTransaction): void {
    tx.tableKey = key;
    this.servers.set(key, tx);
  }

  /** Removes a transaction (when it terminates). */
  forget(tx: TransactionBase<string>): void {
    const k = tx.tableKey;
    if (k === null) return;
    const map: Map<string, TransactionBase<string>> = isClient(tx) ? this.clients : this.servers;
    if (map.get(k) === tx) map.delete(k);
  }

  /** §17.1.3: the client transaction of a response (top Via branch and CSeq method). */
  matchResponse(msg: SipMessage): ClientTransaction | undefined {
    return msg.branch && msg.cseqMethod
      ? this.clients.get(clientTransactionKey(msg.branch, msg.cseqMethod))
      : undefined;
  }

  client(branch: string, method: string): ClientTransaction | undefined {
    return this.clients.get(clientTransactionKey(branch, method));
  }

  server(key: string): ServerTransaction | undefined {
    return this.servers.get(key);
  }

  /** The server transaction a request (or ACK, or with `method` 'INVITE' a CANCEL) matches. */
  matchRequest(req: SipMessage, method?: string): ServerTransaction | undefined {
    const key = serverTransactionKey(req, method);
    return key === null ? undefined : this.servers.get(key);
  }

  get clientList(): ClientTransaction[] {
    return [...this.clients.values()];
  }

  get serverList(): ServerTransaction[] {
    return [...this.servers.values()];
  }

  get size(): { clients: number; servers: number } {
    return { clients: this.clients.size, servers: this.servers.size };
  }
}
