/**
 * RTP streams against tshark's (`tshark -n -r FILE -q -z rtp,streams`, Wireshark 4.0): for every
 * public capture with RTP and every media fixture, each stream tshark lists is one of ours with the
 * same SSRC, start time, packets, lost, payload types, min/mean/max delta and min/mean/max jitter.
 *
 * Tolerance: tshark prints times with 6 decimals (s) and deltas/jitter with 3 (ms); ours must round to
 * within 0.0011 ms of them (the rounding, plus double arithmetic on µs times). Known differences:
 * - streams no SDP announced are ours only (`call: null`): tshark decodes RTP only where an SDP set up
 *   the conversation (heplify__rtp_rtcp: 200.57.7.196:40378 ↔ 200.57.7.199:4800; and its stream to
 *   40362, announced by MGCP's SDP, which we do not read);
 * - ndpi__FAX: after the re-INVITE to T.38, tshark decodes the gateway's further RTP (same SSRC,
 *   sequence numbers going on) on that port as UDPTL: it counts 132 packets of stream 0x0EAF0EAF, we
 *   count 159 (the packets, lost, mean delta and mean jitter differ; the rest agree), and it names
 *   payload type 102 RTPType-102 where the receiver's SDP maps it to telephone-event (both: no clock
 *   rate for the jitter).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeTrace } from '../../src/sip-core/analysis';
import { mediaJson, type MediaStreamJson } from '../../src/sip-core/media/media-json';
import { ingestBytes } from '../../src/sip-core/trace/trace-builder';
import { requirePeer } from '../helpers/peers';
import { havePublic, ingestFile, PUBLIC_CAPTURES } from '../sip-core/capture/tshark-compare';
import { MEDIA_FIXTURES } from '../sip-core/media/media-fixtures';

const tshark = requirePeer('tshark');

interface TsharkStream {
  start: number;
  src: string;
  srcPort: number;
  dst: string;
  dstPort: number;
  ssrc: string;
  payloads: string[];
  packets: number;
  lost: number;
  delta: [number, number, number];
  jitter: [number, number, number];
}

const ROW =
  /^\s*([\d.]+)\s+([\d.]+)\s+(\S+)\s+(\d+)\s+(\S+)\s+(\d+)\s+(0x[0-9A-F]+)\s+(.*?)\s+(\d+)\s+(-?\d+) \([-\d.]+%\)\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s*X?\s*$/;

function tsharkStreams(file: string): TsharkStream[] {
  const out = execFileSync(tshark!, ['-n', '-r', file, '-q', '-z', 'rtp,streams'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const rows: TsharkStream[] = [];
  for (const line of out.split('\n')) {
    const m = ROW.exec(line);
    if (!m) continue;
    const n = (i: number): number => Number(m[i]);
    rows.push({
      start: n(1),
      src: m[3]!,
      srcPort: n(4),
      dst: m[5]!,
      dstPort: n(6),
      ssrc: m[7]!,
      payloads: m[8]!.split(', '),
      packets: n(9),
      lost: n(10),
      delta: [n(11), n(12), n(13)],
      jitter: [n(14), n(15), n(16)],
    });
  }
  return rows;
}

/** tshark's payload name → the payload type number, or `dyn` for a name of a dynamic type. */
function payloadKey(name: string): string {
  const fixed: Record<string, number> = { g711U: 0, g711A: 8, CN: 13, g729: 18, g722: 9, GSM: 3 };
  if (name in fixed) return String(fixed[name]);
  const m = /^RTPType-(\d+)$/.exec(name);
  return m ? m[1]! : 'dyn';
}

/** Ours: a dynamic type the SDP named is `dyn` (tshark prints the name), an unnamed one its number. */
function ourKey(pt: number, codec: string): string {
  return pt >= 96 && pt <= 127 && !codec.startsWith('PT ') ? 'dyn' : String(pt);
}

const TOL = 0.0011;

/** Streams (by SSRC) whose packets tshark counts differently, for a documented reason (see above). */
const PARTIAL = new Set(['ndpi__FAX-Call-t38-CA-TDM-SIP-FB-1.pcap 0x0EAF0EAF']);
/** Streams tshark joins through an SDP we do not read (MGCP's). */
const NOT_JOINED = new Set(['heplify__rtp_rtcp_sip_ipv4_udp.pcap 0x00002E3D']);

function compare(name: string, file: string, ours: MediaStreamJson[], firstTime: number): number {
  const theirs = tsharkStreams(file);
  for (const t of theirs) {
    const s = ours.find(
      (o) =>
        o.ssrc === t.ssrc &&
        o.src === t.src &&
        o.srcPort === t.srcPort &&
        o.dst === t.dst &&
        o.dstPort === t.dstPort,
    );
    const what = `${name} ${t.ssrc} ${t.src}:${t.srcPort} → ${t.dst}:${t.dstPort}`;
    expect(s, what).toBeDefined();
    if (!s) continue;
    if (!NOT_JOINED.has(`${name} ${t.ssrc}`)) expect(s.call, `${what}: joined to a call`).not.toBeNull();
    expect(Math.abs(s.start - firstTime - t.start), `${what} start`).toBeLessThan(2e-6);
    const close = (a: number, b: number, label: string): void => {
      expect(Math.abs(a - b), `${what} ${label}: ours ${a}, tshark ${b}`).toBeLessThanOrEqual(TOL);
    };
    close(s.delta.min, t.delta[0], 'min delta');
    close(s.delta.max, t.delta[2], 'max delta');
    close(s.jitter.min, t.jitter[0], 'min jitter');
    close(s.jitter.max, t.jitter[2], 'max jitter');
    if (PARTIAL.has(`${name} ${t.ssrc}`)) continue;
    expect(
      [...new Set(s.payloadTypes.map((pt, i) => ourKey(pt, s.codecs[i]!)))].sort(),
      `${what} payloads`,
    ).toEqual([...new Set(t.payloads.map(payloadKey))].sort());
    expect(s.packets, `${what} packets`).toBe(t.packets);
    expect(s.lost, `${what} lost`).toBe(t.lost);
    close(s.delta.mean, t.delta[1], 'mean delta');
    close(s.jitter.mean, t.jitter[1], 'mean jitter');
  }
  // Every stream joined to a call is one tshark lists (tshark lists only SDP-announced streams).
  const listed = ours.filter((o) => o.call !== null);
  for (const o of listed)
    expect(
      theirs.some((t) => t.ssrc === o.ssrc && t.dst === o.dst && t.dstPort === o.dstPort),
      `${name}: our ${o.ssrc} ${o.src}:${o.srcPort} → ${o.dst}:${o.dstPort} is tshark's too`,
    ).toBe(true);
  return theirs.length;
}

const PUBLIC_WITH_RTP: Record<string, number> = {
  'heplify__rtp_rtcp_sip_ipv4_udp.pcap': 3,
  'heplify__sip_ipv4_tcp.pcap': 2,
  'ndpi__FAX-Call-t38-CA-TDM-SIP-FB-1.pcap': 2,
  'ws__Asterisk_ZFONE_XLITE.pcap': 3,
  'ws__aaa.pcap': 1,
  'ws__sip-rtp-g711.pcap': 2,
  'ws__sip-rtp-opus-hybrid.pcap': 1,
  'ws__SIP_DTMF2.cap': 2,
};

describe.skipIf(!tshark || !havePublic)('RTP streams = tshark -z rtp,streams (public captures)', () => {
  it.each(Object.entries(PUBLIC_WITH_RTP))('%s (%i streams)', (name, n) => {
    const file = join(PUBLIC_CAPTURES, name);
    const r = ingestFile(file);
    analyzeTrace(r.trace);
    const m = mediaJson(r.trace);
    expect(compare(name, file, m?.streams ?? [], r.trace.source.firstTime!)).toBe(n);
  });
});

describe.skipIf(!tshark)('RTP streams = tshark -z rtp,streams (media fixtures)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sipscope-rtp-'));
  it.each(Object.keys(MEDIA_FIXTURES))('%s', (name) => {
    const bytes = MEDIA_FIXTURES[name]!();
    const file = join(dir, `${name}.pcap`);
    writeFileSync(file, bytes);
    const r = ingestBytes(bytes, `${name}.pcap`);
    analyzeTrace(r.trace);
    const m = mediaJson(r.trace)!;
    const n = compare(name, file, m.streams, r.trace.source.firstTime!);
    expect(n).toBe(m.streams.filter((s) => s.call !== null).length);
    expect(n).toBeGreaterThan(0);
  });
});
