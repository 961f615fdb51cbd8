/**
 * Notices about a capture's clock, from the messages' times: times that go back (files merged out of
 * order, a clock set back during the capture) and times spread over more than a year (a broken or
 * unset clock, a capture tool's bug). Every delay the analysis reports (post-dial delay, setup time,
 * retransmission intervals, Timer B) is a difference of these times, so a reader should know when
 * they cannot be trusted. One pass over the time column; the file itself is not judged here.
 */
import type { Diagnostic } from '../diagnostic';

/** A step back in time smaller than this is ordinary (TCP reassembly, merged interfaces). */
export const TIME_BACK_US = 1_000_000;
/** Times spread over more than this are not one capture session's clock. */
export const TIME_SPAN_MAX_US = 366 * 86_400 * 1_000_000;

export interface TimedMessages {
  readonly count: number;
  timeUs(id: number): number;
  frame(id: number): number;
}

/**
 * `2012-02-07T10:11:12.123456Z` of microseconds since the epoch (UTC), or its `time` part
 * `10:11:12.123456`, or its `day` `2012-02-07`. A time out of Date's range (±275,760 years: a damaged
 * capture's clock, a pcapng if_tsresol of seconds with a huge count) is given as its raw seconds
 * (`57646075230342 s`) instead of throwing.
 */
export function isoMicros(us: number, part: 'datetime' | 'time' | 'day' = 'datetime'): string {
  const d = new Date(Math.floor(us / 1000));
  if (Number.isNaN(d.getTime())) return Number.isFinite(us) ? `${Math.round(us / 1e6)} s` : `${us} s`;
  const iso = d.toISOString(); // `…T10:11:12.123Z`; a year past 9999 is `+010000-…`
  const t = iso.indexOf('T');
  if (part === 'day') return iso.slice(0, t);
  const frac = String(((Math.floor(us) % 1e6) + 1e6) % 1e6).padStart(6, '0');
  return part === 'time' ? `${iso.slice(t + 1, t + 9)}.${frac}` : `${iso.slice(0, t + 9)}.${frac}Z`;
}

const day = (us: number): string => isoMicros(us, 'day');

function seconds(us: number): string {
  const s = us / 1e6;
  return s >= 86_400 * 2 ? `${(s / 86_400).toFixed(1)} days` : `${s.toFixed(3)} s`;
}

/** The clock notices of the first `trace.count` messages (none for a well-behaved capture). */
export function timeNotices(trace: TimedMessages): Diagnostic[] {
  const n = trace.count;
  if (n < 2) return [];
  let backs = 0;
  let worst = 0;
  let worstId = -1;
  let minId = 0;
  let maxId = 0;
  let prev = trace.timeUs(0);
  let min = prev;
  let max = prev;
  for (let id = 1; id < n; id++) {
    const t = trace.timeUs(id);
    const back = prev - t;
    if (back > TIME_BACK_US) {
      backs++;
      if (back > worst) {
        worst = back;
        worstId = id;
      }
    }
    if (t < min) {
      min = t;
      minId = id;
    } else if (t > max) {
      max = t;
      maxId = id;
    }
    prev = t;
  }
  const out: Diagnostic[] = [];
  if (backs > 0) {
    const f = trace.frame(worstId);
    const p = trace.frame(worstId - 1);
    out.push({
      code: 'capture-time-backwards',
      severity: 'warning',
      layer: 'file',
      message:
        `message times go back by more than ${TIME_BACK_US / 1e6} s ${backs === 1 ? 'once' : `${backs} times`} ` +
        `(the most: frame ${f} is ${seconds(worst)} before frame ${p}); the ladder keeps the capture's order, ` +
        'so delays and durations around those frames are not to be trusted',
    });
  }
  if (max - min > TIME_SPAN_MAX_US) {
    out.push({
      code: 'capture-time-span',
      severity: 'warning',
      layer: 'file',
      message:
        `message times span ${((max - min) / (365.25 * 86_400e6)).toFixed(1)} years ` +
        `(frame ${trace.frame(minId)} on ${day(min)}, frame ${trace.frame(maxId)} on ${day(max)}): ` +
        "the capture's clock was wrong, so delays and durations computed from it are meaningless",
    });
  }
  return out;
}

/** The trace's file-level diagnostics followed by its clock notices (what a reader of the file is told). */
export function captureDiagnostics(
  trace: TimedMessages & { readonly fileDiagnostics: readonly Diagnostic[] },
): Diagnostic[] {
  return [...trace.fileDiagnostics, ...timeNotices(trace)];
}
