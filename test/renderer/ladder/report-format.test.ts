/** The stream reports' milliseconds: a round trip a hair below zero is not shown as -0.00 ms. */
import { describe, expect, it } from 'vitest';
import { reportMs } from '../../../src/renderer/src/lib/ladder/report-format';

describe('reportMs', () => {
  it('two decimals under 10 ms either sign, whole above, no negative zero', () => {
    expect(reportMs(null)).toBe('–');
    expect(reportMs(0)).toBe('0.00 ms');
    expect(reportMs(-0.001)).toBe('0.00 ms');
    expect(reportMs(-0.0049)).toBe('0.00 ms');
    expect(reportMs(-0.006)).toBe('-0.01 ms');
    expect(reportMs(3.14159)).toBe('3.14 ms');
    expect(reportMs(-5)).toBe('-5.00 ms');
    expect(reportMs(12.6)).toBe('13 ms');
    expect(reportMs(-12.4)).toBe('-12 ms');
  });
});
