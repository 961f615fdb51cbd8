/**
 * RTP streams through every ingest path give what one pass in this thread gives: a two-part ingest
 * cut at several places (the tail hands its RTP frames to the head, so each stream is counted in frame
 * order in one part), one worker, two workers, a trace grown from parts posted while reading; and the
 * app's `call:media` channel answers with the streams of a call (validated like the others).
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openCapture } from '../../src/main/ingest';
import {
  ingestCaptureFile,
  ingestSplitInThread,
  planSplit,
} from '../../src/sip-core/trace/ingest-file.node.js';
import { validateRequest } from '../../src/shared/validate';
import { Invoke } from '../../src/shared/api';
import { PUBLIC_CAPTURES } from '../sip-core/capture/tshark-compare';
import { createHost } from '../../src/main/service/create-host';
import { SAMPLE_CAPTURE } from '../../src/main/paths';
import { MEDIA_FIXTURES } from '../sip-core/media/media-fixtures';

const dir = mkdtempSync(join(tmpdir(), 'sipscope-media-paths-'));
const fixture = join(dir, 'two-way.pcap');
writeFileSync(fixture, MEDIA_FIXTURES['clean-two-way']!());
const oneWay = join(dir, 'one-way.pcap');
writeFileSync(oneWay, MEDIA_FIXTURES['one-way']!());
const files = [
  fixture,
  `${PUBLIC_CAPTURES}/ws__Asterisk_ZFONE_XLITE.pcap`,
  `${PUBLIC_CAPTURES}/heplify__rtp_rtcp_sip_ipv4_udp.pcap`,
].filter((f) => existsSync(f));

describe('RTP streams on every ingest path', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  it('a two-part ingest equals one pass, cut anywhere', async () => {
    for (const f of files) {
      const one = await ingestCaptureFile(f, { parse: false });
      expect(one.trace.media!.streams.length).toBeGreaterThan(0);
      let merged = 0;
      for (const near of [0.2, 0.5, 0.8].map((x) => Math.floor(one.trace.source.size * x))) {
        const at = planSplit(f, { minBytes: 0, near });
        if (at === null) continue;
        const two = await ingestSplitInThread(f, at, { parse: false });
        if (two.merged) merged++;
        expect(two.trace.media, `${f} cut at ${at}`).toEqual(one.trace.media);
        expect(two.trace.source, `${f} cut at ${at}`).toEqual(one.trace.source);
        two.trace.close();
      }
      expect(merged, f).toBeGreaterThan(0);
      one.trace.close();
    }
  });

  it('one worker, two workers and a trace grown from posted parts equal one pass', async () => {
    for (const f of files) {
      const one = await ingestCaptureFile(f, { parse: false });
      for (const o of [
        {},
        { workers: 2, splitMinBytes: 0 },
        { workers: 2, splitMinBytes: 0, onTrace: () => {} },
      ]) {
        const w = await openCapture(f, { parse: false, ...o });
        try {
          expect(w.trace.media, `${f} ${JSON.stringify(o)}`).toEqual(one.trace.media);
        } finally {
          w.close();
        }
      }
      one.trace.close();
    }
  });

  it('call:media requests are validated', () => {
    expect(() => validateRequest(Invoke.callMedia, { captureId: 'x', call: 'C1' })).not.toThrow();
    expect(() => validateRequest(Invoke.callMedia, { captureId: 'x' })).not.toThrow();
    expect(() => validateRequest(Invoke.callMedia, { captureId: 'x', call: 3 })).toThrow(/call/);
    expect(() => validateRequest(Invoke.callMedia, { captureId: 'x', other: 1 })).toThrow();
  });

  it("call:media gives a call's streams, verdict and media diagnostics; the capture's streams without a call", async () => {
    const host = createHost({ mode: 'browser', recentFile: null });
    try {
      const cap = await host.openPath(oneWay, { remember: false });
      const m = await host.invoke(Invoke.callMedia, { captureId: cap.id, call: 'C1' });
      expect(m.call).toBe('C1');
      expect(m.verdict).toBe('one-way');
      expect(m.streams.map((x) => [x.direction, x.packets, x.lost, x.codecs, x.announced])).toEqual([
        ['forward', 150, 0, ['g711A'], true],
      ]);
      expect(m.streams[0]!.ssrc).toBe('0x11110001');
      expect(m.streams[0]!.jitter.max).toBeGreaterThan(0);
      expect(m.diagnostics.map((d) => [d.code, d.severity, d.rfc])).toEqual([
        ['one-way-media', 'warning', '3264 §6.1'],
      ]);
      // By Call-ID too; every stream without a call; an unknown call is an error.
      expect((await host.invoke(Invoke.callMedia, { captureId: cap.id, call: 'call-1' })).call).toBe('C1');
      const all = await host.invoke(Invoke.callMedia, { captureId: cap.id });
      expect([all.call, all.verdict, all.streams.length]).toEqual([null, null, 1]);
      await expect(host.invoke(Invoke.callMedia, { captureId: cap.id, call: 'C9' })).rejects.toThrow(/C9/);
      // A SIP-only capture: no streams, no verdict.
      const sip = await host.openPath(SAMPLE_CAPTURE, { remember: false });
      expect(await host.invoke(Invoke.callMedia, { captureId: sip.id, call: 'C1' })).toEqual({
        call: 'C1',
        verdict: null,
        streams: [],
        diagnostics: [],
      });
    } finally {
      await host.dispose();
    }
  });
});
