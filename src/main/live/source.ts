/**
 * What every live source returns: where it listens, its live trace, counters, and stop().
 */
import type { LiveTrace, LiveTraceOptions } from './live-trace';

export interface LiveSourceStats {
  /** Packets/datagrams/frames received from the wire. */
  packets: number;
  /** SIP messages added to the trace. */
  messages: number;
  /** Packets that carried no SIP (other HEP types, keep-alives, junk). */
  ignored: number;
  /** Packets that could not be decoded. */
  malformed: number;
}

export interface LiveSource {
  /** e.g. `HEP udp+tcp 127.0.0.1:9060`. */
  readonly name: string;
  /** Human lines: what listens where (`udp 127.0.0.1:9060`). */
  readonly listening: string[];
  readonly live: LiveTrace;
  readonly stats: LiveSourceStats;
  /** Stops listening (the trace stays readable and savable). */
  stop(): Promise<void>;
  /** Resolves when the source ends by itself (dumpcap exits) or is stopped; with the reason. */
  readonly done: Promise<string>;
}

/** Options every live source takes for its trace. */
export type LiveTraceChoice = Pick<LiveTraceOptions, 'limit' | 'batchMs' | 'pcap' | 'mediaKeepBytes'>;

export function newStats(): LiveSourceStats {
  return { packets: 0, messages: 0, ignored: 0, malformed: 0 };
}

/** `host:port` with IPv6 in brackets. */
export function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
