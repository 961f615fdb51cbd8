/**
 * RFC 3261 §17 transactions: the four state machines and the layer that matches messages to them.
 */
export * from './types';
export type { TransactionContext } from './transaction';
export { TIMER_LABEL, TransactionBase, messageBytes, responseStatus } from './transaction';
export { InviteClientTransaction, INVITE_CLIENT_FROM } from './invite-client';
export type { InviteClientState, InviteClientOptions } from './invite-client';
export { NonInviteClientTransaction, NON_INVITE_CLIENT_FROM } from './non-invite-client';
export type { NonInviteClientState } from './non-invite-client';
export { InviteServerTransaction, INVITE_SERVER_FROM } from './invite-server';
export type { InviteServerState, InviteServerOptions } from './invite-server';
export { NonInviteServerTransaction, NON_INVITE_SERVER_FROM } from './non-invite-server';
export type { NonInviteServerState } from './non-invite-server';
export { buildAckForNonSuccess, buildCancel } from './requests';
export { TransactionTable } from './table';
export {
  TransactionLayer,
  clientTransactionKey,
  serverTransactionKey,
  responseDestination,
  splitHostPort,
} from './layer';
export type {
  ClientTransaction,
  ServerTransaction,
  TransactionLayerUser,
  TransactionLayerOptions,
  SendRequestOptions,
} from './layer';
