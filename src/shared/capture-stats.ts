/**
 * The shapes of capture statistics: computed by the core (src/sip-core/analysis/stats.ts) and shown
 * by the UI's Stats dialog through the service API (`CaptureStatsDto`). One definition for both.
 */

/** Median, 95th percentile and largest of `n` values (nearest rank). */
export interface Spread {
  n: number;
  median: number;
  p95: number;
  max: number;
}

export interface MessageStats {
  messages: number;
  requests: number;
  responses: number;
  invalid: number;
  /** Most first. */
  byTransport: { transport: string; count: number }[];
  /** Requests by method, most first. */
  byMethod: { method: string; count: number }[];
  /** Responses by status code, in code order, with the RFC's reason phrase. */
  byStatus: { status: number; reason: string; count: number }[];
  /** Messages that are retransmissions; null when the analysis has not run. */
  retransmissions: number | null;
}

export interface CallStats {
  /** The calls counted (every type). */
  calls: number;
  /** By state, most first; by type, most first. */
  byState: { state: string; count: number }[];
  byType: { type: string; count: number }[];
  /** Final status codes of INVITE calls, in code order (none: `null`). */
  byFinal: { status: number | null; reason: string; count: number }[];
  /** Seconds, over the calls that have the figure. */
  pdd: Spread | null;
  setupTime: Spread | null;
  duration: Spread | null;
}
