import { describe, expect, it } from 'vitest';
import {
  TIME_BACK_US,
  TIME_SPAN_MAX_US,
  captureDiagnostics,
  timeNotices,
} from '../../../src/sip-core/trace/time-notices';
import type { Diagnostic } from '../../../src/sip-core/diagnostic';

/** Messages at these times (µs), frames numbered from 1 (every other frame not SIP). */
function trace(times: number[], fileDiagnostics: Diagnostic[] = []) {
  return {
    count: times.length,
    timeUs: (id: number) => times[id]!,
    frame: (id: number) => 2 * id + 1,
    fileDiagnostics,
  };
}

const T0 = Date.UTC(2026, 10, 23) * 1000;

describe('timeNotices', () => {
  it('is silent on times in order, on small steps back (reassembly, merged interfaces) and on short traces', () => {
    expect(timeNotices(trace([]))).toEqual([]);
    expect(timeNotices(trace([T0]))).toEqual([]);
    expect(
      timeNotices(trace([T0, T0 + 10, T0 + 2_000_000, T0 + 2_000_000 - TIME_BACK_US, T0 + 3e6])),
    ).toEqual([]);
    // A week of capture with a day-long gap is one session's clock.
    expect(timeNotices(trace([T0, T0 + 86_400e6, T0 + 7 * 86_400e6]))).toEqual([]);
  });

  it('counts the steps back of more than a second and names the largest', () => {
    const n = timeNotices(trace([T0, T0 + 5e6, T0 + 3e6, T0 + 9e6, T0 + 1e6, T0 + 1e6 + 1]));
    expect(n.map((d) => d.code)).toEqual(['capture-time-backwards']);
    expect(n[0]!.severity).toBe('warning');
    expect(n[0]!.layer).toBe('file');
    // 5 → 3 (2 s), 9 → 1 (8 s: message 4 = frame 9 after frame 7).
    expect(n[0]!.message).toMatch(
      /go back by more than 1 s 2 times \(the most: frame 9 is 8\.000 s before frame 7\)/,
    );
    const once = timeNotices(trace([T0, T0 + 5e6, T0 + 3e6 - 1]));
    expect(once[0]!.message).toMatch(/ once \(the most: frame 5 is 2\.000 s before frame 3\)/);
  });

  it('flags times spread over more than a year, with the first and last days', () => {
    const n = timeNotices(trace([T0, T0 + TIME_SPAN_MAX_US + 1]));
    expect(n.map((d) => d.code)).toEqual(['capture-time-span']);
    expect(n[0]!.message).toMatch(
      /^message times span 1\.0 years \(frame 1 on 2026-11-23, frame 3 on 2027-11-24\)/,
    );
    expect(timeNotices(trace([T0, T0 + TIME_SPAN_MAX_US]))).toEqual([]);
    // A clock reset to the epoch in the middle: both.
    const both = timeNotices(trace([T0, 0, T0 + 1]));
    expect(both.map((d) => d.code)).toEqual(['capture-time-backwards', 'capture-time-span']);
    expect(both[1]!.message).toMatch(/\(frame 3 on 1970-01-01, frame 5 on 2026-11-23\)/);
    expect(both[0]!.message).toMatch(/frame 3 is 20\d{3}\.\d days before frame 1/);
  });

  it("puts the clock's notices after the file's own diagnostics", () => {
    const file: Diagnostic = {
      code: 'pcap-truncated',
      severity: 'error',
      layer: 'file',
      message: 'x',
      offset: 40,
    };
    expect(captureDiagnostics(trace([T0, 0], [file])).map((d) => d.code)).toEqual([
      'pcap-truncated',
      'capture-time-backwards',
      'capture-time-span',
    ]);
  });
});
