/**
 * Shared types of the RFC 3261 §17 transaction layer: timer names and values, the transaction
 * user interface, and the events transactions emit for tracing and the UI.
 * https://www.rfc-editor.org/rfc/rfc3261#section-17 and RFC 6026 (Accepted state, Timers L, M).
 */
import type { SipMessage } from '../../message';
import type { Micros } from '../clock';
import { MS, SECOND } from '../clock';
import type { TransportAddress } from '../transport';

/**
 * RFC 3261 Table 4 timers plus RFC 6026's L and M. `Trying` is the §17.2.1 rule that an INVITE
 * server transaction sends 100 Trying itself when the TU has not answered within 200 ms.
 */
export type TimerName =
  'A' | 'B' | 'C' | 'D' | 'E' | 'F' | 'G' | 'H' | 'I' | 'J' | 'K' | 'L' | 'M' | 'Trying';

/** Base timer values in µs (RFC 3261 §17.1.1.1 and Table 4). */
export interface TimerConfig {
  /** RTT estimate, default 500 ms. */
  T1: Micros;
  /** Maximum retransmit interval for non-INVITE requests and INVITE responses, default 4 s. */
  T2: Micros;
  /** Maximum time a message remains in the network, default 5 s. */
  T4: Micros;
  /** Timer D on unreliable transports: "at least 32 seconds" (Table 4). */
  D: Micros;
  /** Proxy INVITE transaction timeout, Timer C: "> 3 min" (§16.6 step 11). */
  C: Micros;
  /** Delay of the automatic 100 Trying of an INVITE server transaction (§17.2.1), 200 ms. */
  trying: Micros;
}

export const DEFAULT_TIMERS: Readonly<TimerConfig> = {
  T1: 500 * MS,
  T2: 4 * SECOND,
  T4: 5 * SECOND,
  D: 32 * SECOND,
  C: 180 * SECOND,
  trying: 200 * MS,
};

/** Complete timer values from partial overrides. */
export function timerConfig(overrides: Partial<TimerConfig> = {}): TimerConfig {
  return { ...DEFAULT_TIMERS, ...overrides };
}

/**
 * What names a client transaction when its creator has the request only as bytes (it built
 * them): the top Via branch and the method. The parsed request is then made only if needed.
 */
export interface RequestKey {
  readonly branch: string;
  readonly method: string;
}

/** The four §17 machines. */
export type TransactionKind = 'invite-client' | 'non-invite-client' | 'invite-server' | 'non-invite-server';

/** What every transaction exposes to users and observers. */
export interface TransactionInfo {
  /** Layer-unique id, e.g. `T7`. */
  readonly id: string;
  readonly kind: TransactionKind;
  readonly state: string;
  /** Top Via branch of the request that created the transaction. */
  readonly branch: string;
  /** Request method (CSeq method), e.g. `INVITE`, `CANCEL`. */
  readonly method: string;
  readonly reliable: boolean;
}

/**
 * The transaction user (TU, RFC 3261 §5, §17): the UA core, a proxy core or a registrar. The
 * transaction layer speaks upward only through this interface (STYLE.md habit 2).
 */
export interface TransactionUser {
  /** Client transactions: a response to pass up (§17.1.1.2, §17.1.2.2). */
  onResponse?(tx: TransactionInfo, response: SipMessage): void;
  /**
   * Server transactions: a request to pass up after creation — the layer calls its user's
   * `onRequest` for new requests; an INVITE server transaction in "Accepted" passes up the ACK
   * for its 2xx (RFC 6026 §8.7).
   */
  onRequest?(tx: TransactionInfo, request: SipMessage): void;
  /** Timer B, F (client), H (server) or C (proxy INVITE client) fired (§17.1.1.2, §17.1.2.2, §17.2.1, §16.8). */
  onTimeout?(tx: TransactionInfo, timer: TimerName): void;
  /** The transport failed to send (§17.1.4, §17.2.4). */
  onTransportError?(tx: TransactionInfo, error: string): void;
  onStateChange?(tx: TransactionInfo, from: string, to: string): void;
}

/** Trace events: state changes with times, timers set/fired/stopped, messages sent. */
export type TransactionEvent =
  | { type: 'state'; tx: string; kind: TransactionKind; at: Micros; from: string; to: string; cause: string }
  | {
      type: 'timer-start';
      tx: string;
      kind: TransactionKind;
      at: Micros;
      timer: TimerName;
      duration: Micros;
      /** Virtual time the timer fires at. */
      due: Micros;
    }
  | { type: 'timer-fire'; tx: string; kind: TransactionKind; at: Micros; timer: TimerName }
  | {
      type: 'timer-stop';
      tx: string;
      kind: TransactionKind;
      at: Micros;
      timer: TimerName;
      /** Virtual time the timer would have fired at. */
      due: Micros;
    }
  | {
      type: 'send';
      tx: string;
      kind: TransactionKind;
      at: Micros;
      what: 'request' | 'ack' | 'response';
      dest: TransportAddress;
      retransmission: boolean;
      bytes: Uint8Array;
    };

/** A state change the legal-predecessor table forbids: a bug in the caller, never caused by wire input. */
export class IllegalTransitionError extends Error {
  constructor(kind: TransactionKind, from: string, to: string) {
    super(`${kind} transaction: illegal transition ${from} -> ${to}`);
    this.name = 'IllegalTransitionError';
  }
}
