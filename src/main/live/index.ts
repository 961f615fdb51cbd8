/**
 * Live sockets and live ingest (Node-only): real UDP/TCP transports for the stack, the HEP
 * collector, the UDP mirror listener, interface capture through dumpcap, the bounded live trace,
 * the pcapng writer and the lab runner. The service host wires these into the UI; the CLI's
 * `capture` and `lab` commands use them directly.
 */
export * from './transport';
export * from './live-trace';
export * from './media-spool';
export * from './pcapng-writer';
export * from './source';
export * from './hep-listener';
export * from './udp-mirror';
export * from './dumpcap';
export { epochMicros } from './time';
export * from './lab';
export * from './lab-nat';
