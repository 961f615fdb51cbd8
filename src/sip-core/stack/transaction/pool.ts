/**
 * Pooled transactions: a terminated transaction (RFC 3261 §17: Timer D, I, J, K, L or M fired, or a
 * transport error) goes back to its pool and is made again for a later request, instead of being
 * left to the garbage collector. Most transactions live 64*T1 = 32 s after their final response, so
 * each one used to be promoted to the old generation before it died; a pooled object stays there.
 *
 * Opt-in, per transaction context: a TU that makes its transactions here and sets the context's
 * `recycle` to the pool must keep no reference to a transaction past its termination, or keep the
 * {@link TransactionBase.generation} it saw beside the reference and check it before each use
 * ({@link isCurrent}). Elements that do neither keep making transactions with `new`.
 *
 * Measured (session 6, sim bench signalling only, the elements' four constructors switched to this
 * pool with `recycle` in a scratch copy, same process, alternating, CPU time): 3-6% SLOWER per call
 * than `new`. A pooled object lives in the old generation, and each time it is made again every
 * young value written into it (id, request, bytes, userData, destination) takes the write barrier
 * and a remembered-set slot the next scavenges must visit; a new object costs a bump allocation and
 * dies or is promoted once. So the elements do not use it; it stays for TUs whose transactions point
 * at long-lived data only.
 */
import type { SipMessage } from '../../message';
import type { TransportAddress } from '../transport';
import type { InviteClientOptions } from './invite-client';
import { InviteClientTransaction } from './invite-client';
import type { InviteServerOptions } from './invite-server';
import { InviteServerTransaction } from './invite-server';
import { NonInviteClientTransaction } from './non-invite-client';
import { NonInviteServerTransaction } from './non-invite-server';
import type { TransactionBase, TransactionContext, TransactionRecycler } from './transaction';
import type { RequestKey, TransactionUser } from './types';

/** Released objects kept per machine at most (a run's peak of transactions that end together). */
const MAX_FREE = 65536;

export class TransactionPool implements TransactionRecycler {
  private readonly ict: InviteClientTransaction[] = [];
  private readonly nict: NonInviteClientTransaction[] = [];
  private readonly ist: InviteServerTransaction[] = [];
  private readonly nist: NonInviteServerTransaction[] = [];
  /** Transactions made again from a released object (for tests and benchmarks). */
  reused = 0;

  /** A new INVITE server transaction (arguments as its constructor's). */
  inviteServer(
    ctx: TransactionContext,
    tu: TransactionUser,
    request: SipMessage,
    responseDestination: TransportAddress,
    options?: InviteServerOptions,
  ): InviteServerTransaction {
    const tx = this.ist.pop();
    if (tx === undefined) return new InviteServerTransaction(ctx, tu, request, responseDestination, options);
    this.reused++;
    return tx.reuse(ctx, tu, request, responseDestination, options);
  }

  /** A new non-INVITE server transaction (arguments as its constructor's). */
  nonInviteServer(
    ctx: TransactionContext,
    tu: TransactionUser,
    request: SipMessage,
    responseDestination: TransportAddress,
  ): NonInviteServerTransaction {
    const tx = this.nist.pop();
    if (tx === undefined) return new NonInviteServerTransaction(ctx, tu, request, responseDestination);
    this.reused++;
    return tx.reuse(ctx, tu, request, responseDestination);
  }

  /** A new INVITE client transaction (arguments as its constructor's; call `start()` next). */
  inviteClient(
    ctx: TransactionContext,
    tu: TransactionUser,
    request: SipMessage | RequestKey,
    bytes: Uint8Array,
    destination: TransportAddress,
    options?: InviteClientOptions,
  ): InviteClientTransaction {
    const tx = this.ict.pop();
    if (tx === undefined) return new InviteClientTransaction(ctx, tu, request, bytes, destination, options);
    this.reused++;
    return tx.reuse(ctx, tu, request, bytes, destination, options);
  }

  /** A new non-INVITE client transaction (arguments as its constructor's; call `start()` next). */
  nonInviteClient(
    ctx: TransactionContext,
    tu: TransactionUser,
    request: SipMessage | RequestKey,
    bytes: Uint8Array,
    destination: TransportAddress,
  ): NonInviteClientTransaction {
    const tx = this.nict.pop();
    if (tx === undefined) return new NonInviteClientTransaction(ctx, tu, request, bytes, destination);
    this.reused++;
    return tx.reuse(ctx, tu, request, bytes, destination);
  }

  /** @internal A transaction whose context names this pool was terminated (its references dropped). */
  release(tx: TransactionBase<string>): void {
    if (tx instanceof InviteServerTransaction) {
      if (this.ist.length < MAX_FREE) this.ist.push(tx);
    } else if (tx instanceof NonInviteServerTransaction) {
      if (this.nist.length < MAX_FREE) this.nist.push(tx);
    } else if (tx instanceof InviteClientTransaction) {
      if (this.ict.length < MAX_FREE) this.ict.push(tx);
    } else if (tx instanceof NonInviteClientTransaction) {
      if (this.nict.length < MAX_FREE) this.nict.push(tx);
    }
  }

  /** Released objects waiting to be made again. */
  get free(): number {
    return this.ict.length + this.nict.length + this.ist.length + this.nist.length;
  }
}

/**
 * Whether `tx` still is the transaction that had `generation` (not released to its pool since): a
 * TU keeping a pooled transaction past the moment it may terminate checks this before using it.
 */
export function isCurrent(tx: TransactionBase<string> | null | undefined, generation: number): boolean {
  return tx !== null && tx !== undefined && tx.generation === generation && !tx.terminated;
}
