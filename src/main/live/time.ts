/**
 * Wall-clock microseconds for live sources: the epoch at start plus `process.hrtime`, so times are
 * µs-precise and never go backwards within the process (same idea as the stack's RealClock).
 */
const originEpochUs = Date.now() * 1000;
const originHr = process.hrtime.bigint();

/** Epoch microseconds (integer). */
export function epochMicros(): number {
  return originEpochUs + Number((process.hrtime.bigint() - originHr) / 1000n);
}
