/**
 * The media sample (resources/samples/sample-media.pcap, tools/samples/make-media-sample.sh: SIPp
 * calls with G.711 audio through Kamailio, captured with tshark): three calls as a SIP and RTP
 * engineer reads them — clean audio both ways, 12% of the caller's audio lost, one-way audio — and
 * every stream as tshark counts it.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeTrace } from '../../../src/sip-core/analysis';
import { mediaDiagnostics, mediaJson } from '../../../src/sip-core/media/media-json';
import { ingestFile } from '../capture/tshark-compare';
import { requirePeer } from '../../helpers/peers';
import { compareWithTshark } from '../../helpers/rtp-tshark';

const file = path.resolve(import.meta.dirname, '../../../resources/samples/sample-media.pcap');
const tshark = requirePeer('tshark');

describe('the media sample', () => {
  const r = ingestFile(file);
  const a = analyzeTrace(r.trace);
  const m = mediaJson(r.trace)!;

  it('holds three answered calls, each with its verdict', () => {
    expect(r.diagnostics).toEqual([]);
    expect(a.calls().map((c) => [c.id, c.state, c.finalStatus])).toEqual([
      ['C1', 'completed', 200],
      ['C2', 'completed', 200],
      ['C3', 'completed', 200],
    ]);
    expect(m.calls.map((c) => [c.call, c.verdict, c.streams.length])).toEqual([
      ['C1', 'two-way', 2],
      ['C2', 'two-way', 2],
      ['C3', 'one-way', 1],
    ]);
  });

  it('counts every stream: 100 packets each, the lossy one 88 of 100', () => {
    const byCall = (call: string) =>
      m.streams
        .filter((s) => s.call === call)
        .map((s) => [s.direction, s.codecs[0], s.packets, s.expected, s.lost])
        .sort();
    expect(byCall('C1')).toEqual([
      ['forward', 'g711A', 100, 100, 0],
      ['reverse', 'g711A', 100, 100, 0],
    ]);
    expect(byCall('C2')).toEqual([
      ['forward', 'g711A', 88, 100, 12],
      ['reverse', 'g711A', 100, 100, 0],
    ]);
    expect(byCall('C3')).toEqual([['forward', 'g711A', 100, 100, 0]]);
  });

  it('names the two problems, each on its call, and nothing else', () => {
    // C2's 12% lost, in bursts (burst ratio 1.5), is also a poor E-model MOS (3.03, R 58.7).
    expect(mediaDiagnostics(r.trace).map((d) => [d.code, d.call])).toEqual([
      ['one-way-media', 'C3'],
      ['media-loss', 'C2'],
      ['poor-call-quality', 'C2'],
    ]);
  });

  it.skipIf(!tshark)('agrees with tshark -z rtp,streams on all five streams', () => {
    expect(compareWithTshark(tshark!, 'sample-media', file, m.streams, r.trace.source.firstTime!)).toBe(5);
  });
});
