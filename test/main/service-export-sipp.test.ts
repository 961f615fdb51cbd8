/**
 * export:sipp through the service on the sample capture (SIPp → Kamailio → SIPp): a call as the
 * SIPp scenario of its caller, its callee or an address, with the RTP that end sent (the media
 * sample), and what the host says when it cannot be.
 */
import { describe, expect, it } from 'vitest';
import { ApiError, Invoke } from '../../src/shared/api';
import { validateRequest } from '../../src/shared/validate';
import { sampleHost } from '../helpers/sample-host';
import { join } from 'node:path';
import { createHost } from '../../src/main/service/create-host';
import { analyzeTrace } from '../../src/sip-core/analysis';
import { traceMedia } from '../../src/sip-core/media/media-json';
import { ingestBytes } from '../../src/sip-core/trace/trace-builder';

const REPO = join(import.meta.dirname, '../..');

const sample = sampleHost();

describe('export:sipp', () => {
  it("exports the caller's and the callee's scenario as XML files named after the call and side", async () => {
    const caller = await sample.host.invoke(Invoke.exportSipp, { captureId: sample.cap.id, call: 'C1' });
    expect(caller.fileName).toBe('sample-call-C1-sipp-caller.xml');
    expect(caller.mime).toBe('application/xml');
    expect(caller.text).toContain('127.0.0.10:5060 (caller · alice); 127.0.0.10:5060 as a SIPp client');
    expect(caller.text).toContain('INVITE sip:bob@[remote_ip]:[remote_port] SIP/2.0');
    expect(caller.text).not.toContain('<pause');
    // keepTiming (the app's "keep timing"): the BYE waits the 808 ms the capture shows after the ACK
    const timed = await sample.host.invoke(Invoke.exportSipp, {
      captureId: sample.cap.id,
      call: 'C1',
      keepTiming: true,
    });
    expect(timed.text).toMatch(/<pause milliseconds="808"\/>\s*<!-- BYE to the peer/);
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

  it('media: the RTP that end sent as a pcap its scenario plays; none in the capture, the scenario alone', async () => {
    const host = createHost({ mode: 'browser', recentFile: null });
    try {
      const cap = await host.openPath(join(REPO, 'resources/samples/sample-media.pcap'), { remember: false });
      const x = await host.invoke(Invoke.exportSipp, { captureId: cap.id, call: 'C2', media: true });
      expect(x.fileName).toBe('sample-media-C2-sipp-caller.xml');
      expect(x.media?.fileName).toBe('sample-media-C2-sipp-caller-rtp.pcap');
      expect(x.text).toContain('<exec play_pcap_audio="sample-media-C2-sipp-caller-rtp.pcap"/>');
      expect(x.text).toContain('sent: 88 packets over 3.0 s');
      const { trace } = ingestBytes(new Uint8Array(Buffer.from(x.media!.base64!, 'base64')), 'rtp.pcap');
      analyzeTrace(trace);
      const s = traceMedia(trace)!.streams;
      expect(s.map((y) => `${y.record.src}:${y.record.srcPort} ${y.record.packets}`)).toEqual([
        '127.0.0.10:6012 88',
      ]);
      // without media, the same scenario without the play
      const plain = await host.invoke(Invoke.exportSipp, { captureId: cap.id, call: 'C2' });
      expect(plain.media).toBeUndefined();
      expect(plain.text).not.toContain('play_pcap_audio');
    } finally {
      await host.dispose();
    }
    const none = await sample.host.invoke(Invoke.exportSipp, {
      captureId: sample.cap.id,
      call: 'C1',
      media: true,
    });
    expect(none.media).toBeUndefined();
    expect(none.text).not.toContain('play_pcap_audio');
  });

  it('validates the request', () => {
    expect(() => validateRequest(Invoke.exportSipp, { captureId: 'x' })).toThrow(/missing field "call"/);
    expect(() =>
      validateRequest(Invoke.exportSipp, { captureId: 'x', call: 'C1', keepTiming: 'yes' }),
    ).toThrow(/must be true or false/);
    expect(() => validateRequest(Invoke.exportSipp, { captureId: 'x', call: 'C1', media: 1 })).toThrow(
      /must be true or false/,
    );
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
