/**
 * The media rules (media/call-media.ts): each has a fixture that triggers it and the clean fixtures
 * (and every public capture without a media problem) where it stays silent; streams join their calls
 * with the right direction and verdict; docs/diagnostics.md lists every rule.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeTrace, filterMessages } from '../../../src/sip-core/analysis';
import { MEDIA_RULES } from '../../../src/sip-core/media/call-media';
import { mediaDiagnostics, mediaJson } from '../../../src/sip-core/media/media-json';
import { ingestBytes } from '../../../src/sip-core/trace/trace-builder';
import { toTraceJson } from '../../../src/sip-core/trace/trace-json';
import { havePublic, ingestFile, PUBLIC_CAPTURES } from '../capture/tshark-compare';
import { MEDIA_FIXTURES } from './media-fixtures';
import { mediaCallFrames, timedPcap } from '../../helpers/rtp-capture';
import { ipFrame, testIp } from '../../helpers/frames';
import { mediaText, summaryText } from '../../../src/main/cli/commands/analyze';

const repo = path.resolve(import.meta.dirname, '../../..');

function load(name: string) {
  const r = ingestBytes(MEDIA_FIXTURES[name]!(), `${name}.pcap`);
  analyzeTrace(r.trace);
  return r.trace;
}

function codes(name: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const d of mediaDiagnostics(load(name))) out[d.code] = (out[d.code] ?? 0) + 1;
  return out;
}

const TRIGGERS: Record<string, [string, number]> = {
  'one-way-media': ['one-way', 1],
  'media-loss': ['loss', 1],
  'poor-call-quality': ['poor-quality-delay', 1],
  'no-media': ['no-media', 1],
  'media-to-unannounced-address': ['nat', 1],
  'dtmf-not-negotiated': ['dtmf-not-negotiated', 1],
};

describe('media rules', () => {
  /** Fixtures that break a second rule as well: 19% lost on G.711 is also an E-model MOS of 2.7. */
  const ALSO: Record<string, Record<string, number>> = { loss: { 'poor-call-quality': 1 } };
  it.each(Object.entries(TRIGGERS))('%s fires on its fixture', (code, [fixture, n]) => {
    expect(codes(fixture)).toEqual({ [code]: n, ...ALSO[fixture] });
  });

  it.each([
    'clean-two-way',
    'clean-sendonly',
    'clean-wrap-opus',
    'clean-held-no-media',
    'clean-short-no-media',
    'clean-retarget',
    'clean-rtcp',
    'clean-rtcp-mux',
    'clean-dtmf',
  ])('%s: every media rule silent', (name) => {
    expect(codes(name)).toEqual({});
  });

  it('every rule is triggered here and documented in docs/diagnostics.md', () => {
    const doc = readFileSync(path.join(repo, 'docs/diagnostics.md'), 'utf8');
    for (const r of MEDIA_RULES) {
      expect(TRIGGERS[r.code], r.code).toBeDefined();
      expect(doc, r.code).toContain(`| \`${r.code}\` | ${r.severity} | RFC ${r.rfc} |`);
      expect(r.rfc).toMatch(/^\d{4} §[\d.]+$/);
    }
  });

  it('joins streams to their call with direction and verdict', () => {
    const m = mediaJson(load('clean-two-way'))!;
    expect(m.calls).toEqual([{ call: 'C1', verdict: 'two-way', streams: [0, 1], mos: 4.41 }]);
    // In order of first packet: the callee's first packet came 0.9 ms early.
    expect(m.streams.map((s) => [s.call, s.direction, s.announced, s.codecs, s.packets, s.lost])).toEqual([
      ['C1', 'reverse', true, ['g711A'], 150, 0],
      ['C1', 'forward', true, ['g711A'], 150, 0],
    ]);
    expect(mediaJson(load('one-way'))!.calls[0]!.verdict).toBe('one-way');
    // The worse direction's MOS: 19% lost one way (2.67); no stream rated (the second call): null.
    expect(mediaJson(load('loss'))!.calls[0]!.mos).toBe(2.67);
    expect(mediaJson(load('no-media'))!.calls.map((c) => c.mos)).toEqual([4.41, null]);
    expect(mediaJson(load('no-media'))!.calls.map((c) => c.verdict)).toEqual(['two-way', 'no-media']);
    // Retargeted by a re-INVITE: the stream to the new port is the call's, announced, caller → callee.
    const moved = mediaJson(load('clean-retarget'))!;
    expect(moved.calls).toEqual([{ call: 'C1', verdict: 'two-way', streams: [0, 1, 2], mos: 4.41 }]);
    expect(moved.streams.map((s) => [s.dstPort, s.direction, s.announced, s.packets])).toEqual([
      [40000, 'reverse', true, 120],
      [50000, 'forward', true, 61],
      [50100, 'forward', true, 59],
    ]);
    const nat = mediaJson(load('nat'))!;
    expect(nat.streams.find((s) => s.dstPort === 40010)).toMatchObject({
      direction: 'reverse',
      announced: false,
    });
  });

  it('analyze text: a negative loss (packets that came twice) says so', () => {
    const frames = mediaCallFrames({ forward: { packets: 150 } });
    // frames 3… are the forward RTP: packets 10 and 20 captured twice
    for (const i of [13, 23]) frames.push({ us: frames[i]!.us + 1, bytes: frames[i]!.bytes });
    const r = ingestBytes(timedPcap(frames), 'dup.pcap');
    analyzeTrace(r.trace);
    const line = mediaText(r.trace, null)
      .split('\n')
      .find((l) => l.includes('10.9.0.1:40000 →'));
    expect(line).toMatch(/: 152 pkts, lost -2 \(more than expected: 2 late or duplicate\), delta /);
  });

  it('analyze text and summary: one line per stream under its call, counts and codes', () => {
    const r = ingestBytes(MEDIA_FIXTURES['one-way']!(), 'one-way.pcap');
    analyzeTrace(r.trace);
    expect(mediaText(r.trace, null).split('\n').slice(0, 3)).toEqual([
      'call C1: media one-way, MOS 4.41',
      expect.stringMatching(
        /^ {2}RTP 10\.9\.0\.1:40000 → 10\.9\.0\.2:50000 0x11110001 g711A \[caller→callee\]: 150 pkts, lost 0 \(0\.0%\), delta /,
      ),
      expect.stringMatching(/^warning: one-way-media: C1: RTP flowed one way only/),
    ]);
    const sum = summaryText(r);
    expect(sum).toContain('RTP streams: 1 (1 in calls, 0 no SDP announced), RTCP flows: 0');
    expect(sum).toContain("calls' media: one-way 1");
    expect(sum).toContain('media diagnostics: one-way-media 1');
    // A lone datagram that looks like RTP: counted, not listed.
    const junk = {
      us: 5_000_000,
      bytes: ipFrame({ src: testIp(7), dst: testIp(8), sp: 33333, dp: 44444, payload: '\x80\x00abcdefghij' }),
    };
    const j = ingestBytes(timedPcap([...mediaCallFrames({ forward: { packets: 10 } }), junk]), 'junk.pcap');
    analyzeTrace(j.trace);
    expect(mediaText(j.trace, null)).toContain(
      'RTP streams no SDP announced (1; 1 of a single packet not listed):\n',
    );
    expect(mediaText(j.trace, null)).not.toContain('10.9.0.7');
    r.trace.media = null;
    expect(summaryText(r)).not.toContain('RTP');
    expect(mediaText(r.trace, null)).toBe('');
  });

  it('filter fields call.rtp (verdict) and call.rtp.loss (highest stream loss, %)', () => {
    const ids = (name: string, expr: string): number[] => {
      const r = filterMessages(analyzeTrace(load(name)), expr);
      if (!r.ok) throw new Error(r.error.message);
      return r.ids;
    };
    expect(ids('one-way', 'call.rtp == "one-way"')).toHaveLength(5);
    expect(ids('one-way', 'call.rtp == "two-way"')).toEqual([]);
    expect(ids('loss', 'call.rtp.loss > 19 && call.rtp.loss < 20')).toHaveLength(5);
    expect(ids('clean-two-way', 'call.rtp.loss > 0')).toEqual([]);
    // call.rtp.mos: the worse direction's E-model MOS (19% lost: 2.67; none lost: 4.41).
    expect(ids('loss', 'call.rtp.mos < 3.1')).toHaveLength(5);
    expect(ids('clean-two-way', 'call.rtp.mos < 3.1')).toEqual([]);
    expect(ids('clean-two-way', 'call.rtp.mos > 4.4 && call.rtp.mos < 4.42')).toHaveLength(5);
    expect(ids('poor-quality-delay', 'call.rtp.mos < 3.1')).toHaveLength(5);
    // The second call of no-media, nothing of the first.
    expect(ids('no-media', 'call.rtp == "no-media"')).toHaveLength(5);
    // A capture without RTP: null, matches nothing.
    const t = load('one-way');
    t.media = null;
    const r = filterMessages(analyzeTrace(t), 'call.rtp == "one-way"');
    expect(r.ok && r.ids).toEqual([]);
  });

  it('the trace JSON carries media only when the capture has RTP (SIP-only output unchanged)', () => {
    const t = load('clean-two-way');
    const j = toTraceJson(t);
    expect(j.media?.streams).toHaveLength(2);
    t.media = null;
    expect('media' in toTraceJson(t)).toBe(false);
  });
});

/** Public captures and the media codes they must give (the others: none). */
const PUBLIC_EXPECTED: Record<string, Record<string, number>> = {
  // tshark: 64.3% lost one way.
  'ws__Asterisk_ZFONE_XLITE.pcap': { 'media-loss': 1, 'poor-call-quality': 1 },
  // tshark: 98.4% lost (5 packets of 316 expected).
  'ws__sip-rtp-opus-hybrid.pcap': { 'media-loss': 1 },
  // tshark: 92.8% lost after the switch to T.38.
  'ndpi__FAX-Call-t38-CA-TDM-SIP-FB-1.pcap': { 'media-loss': 1, 'poor-call-quality': 1 },
  // RTP from the caller's SDP port to 192.168.105.172:4376, which no SDP gave.
  'ws__SIP_DTMF2.cap': { 'media-to-unannounced-address': 1 },
};

describe.skipIf(!havePublic)('media rules on the public captures', () => {
  it.each([
    'ws__sip-rtp-g711.pcap',
    'heplify__rtp_rtcp_sip_ipv4_udp.pcap',
    'heplify__sip_ipv4_tcp.pcap',
    'ws__aaa.pcap',
    ...Object.keys(PUBLIC_EXPECTED),
  ])('%s', (name) => {
    const r = ingestFile(path.join(PUBLIC_CAPTURES, name));
    analyzeTrace(r.trace);
    const got: Record<string, number> = {};
    for (const d of mediaDiagnostics(r.trace)) got[d.code] = (got[d.code] ?? 0) + 1;
    expect(got).toEqual(PUBLIC_EXPECTED[name] ?? {});
  });
});
