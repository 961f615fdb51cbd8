/**
 * export:sipp through the service on the sample capture (SIPp → Kamailio → SIPp): a call as the
 * SIPp scenario of its caller, its callee or an address, and what the host says when it cannot be.
 */
import { describe, expect, it } from 'vitest';
import { ApiError, Invoke } from '../../src/shared/api';
import { validateRequest } from '../../src/shared/validate';
import { sampleHost } from '../helpers/sample-host';

const sample = sampleHost();

describe('export:sipp', () => {
  it("exports the caller's and the callee's scenario as XML files named after the call and side", async () => {
    const caller = await sample.host.invoke(Invoke.exportSipp, { captureId: sample.cap.id, call: 'C1' });
    expect(caller.fileName).toBe('sample-call-C1-sipp-caller.xml');
    expect(caller.mime).toBe('application/xml');
    expect(caller.text).toContain('127.0.0.10:5060 (caller · alice); 127.0.0.10:5060 as a SIPp client');
    expect(caller.text).toContain('INVITE sip:bob@[remote_ip]:[remote_port] SIP/2.0');
    const callee = await sample.host.invoke(Invoke.exportSipp, {
      captureId: sample.cap.id,
      call: 'C4',
      side: 'callee',
      keepTiming: true,
    });
    expect(callee.fileName).toBe('sample-call-C4-sipp-callee.xml');
    expect(callee.text).toContain('127.0.0.31:5060 (callee · busy); 127.0.0.31:5060 as a SIPp server');
    const byAddress = await sample.host.invoke(Invoke.exportSipp, {
      captureId: sample.cap.id,
      call: 'C4',
      side: '127.0.0.31:5060',
    });
    expect(byAddress.fileName).toBe('sample-call-C4-sipp-127.0.0.31_5060.xml');
  });

  it('an unknown call is not-found; an address not in the call is bad-request with the reason', async () => {
    const fail = (req: { call: string; side?: string }): Promise<ApiError> =>
      sample.host.invoke(Invoke.exportSipp, { captureId: sample.cap.id, ...req }).then(
        () => {
          throw new Error('expected a refusal');
        },
        (e: ApiError) => e,
      );
    const unknown = await fail({ call: 'C42' });
    expect(unknown.code).toBe('not-found');
    const bad = await fail({ call: 'C1', side: '10.1.1.1:5060' });
    expect(bad.code).toBe('bad-request');
    expect(bad.message).toMatch(/^10\.1\.1\.1:5060 is not an address of this call/);
  });

  it('validates the request', () => {
    expect(() => validateRequest(Invoke.exportSipp, { captureId: 'x' })).toThrow(/missing field "call"/);
    expect(() =>
      validateRequest(Invoke.exportSipp, { captureId: 'x', call: 'C1', keepTiming: 'yes' }),
    ).toThrow(/must be true or false/);
    expect(() => validateRequest(Invoke.exportSipp, { captureId: 'x', call: 'C1', side: '' })).toThrow(
      /non-empty string/,
    );
    expect(() => validateRequest(Invoke.exportSipp, { captureId: 'x', call: 'C1', x: 1 })).toThrow(
      /unexpected field/,
    );
    expect(() =>
      validateRequest(Invoke.exportSipp, { captureId: 'x', call: 'C1', side: 'callee', keepTiming: false }),
    ).not.toThrow();
  });
});
