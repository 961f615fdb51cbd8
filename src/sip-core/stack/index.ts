/**
 * The SIP stack foundation: injected clock and ids, the transport abstraction, RFC 3261 §17
 * transactions. Node-only adapters (RealClock, CryptoIdSource) are in `clock.node.ts`.
 */
export * from './clock';
export * from './transport';
export * from './transaction';
