/**
 * RTCP reports against tshark's (Wireshark 4.0): every RTCP datagram tshark decodes in the public
 * captures with RTCP and in the RTCP fixtures is decoded by `parseRtcp` to the same report blocks
 * (`rtcp.ssrc.identifier` — report blocks, SDES chunks and BYE sources in order — fraction, cumulative
 * lost, jitter, LSR, DLSR), the same SR packet and octet counts and the same CNAMEs; and the tracker's
 * round trips per reported SSRC agree with tshark's `rtcp.roundtrip-delay`
 * (`-o rtcp.show_roundtrip_calculation:TRUE -o rtcp.roundtrip_min_threshhold:0`).
 *
 * Known differences: tshark's round trip is in whole ms from truncated terms (the gap as
 * seconds × 1000 + nanoseconds / 10⁶ in C integer division, DLSR × 1000 / 65536 truncated), ours is
 * exact to the µs: they differ by less than 2 ms. tshark computes it only when DLSR ≠ 0 and the LSR is
 * the last SR of the conversation; we also match one of the sender's last 4 SRs and DLSR 0, so we may
 * have more. Encrypted SRTCP (ZFONE): tshark does not decode the report, nor do we (the datagram counts
 * as encrypted).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseRtcp } from '../../src/sip-core/media/rtcp';
import { requirePeer } from '../helpers/peers';
import { havePublic, ingestFile, PUBLIC_CAPTURES } from '../sip-core/capture/tshark-compare';
import { MEDIA_FIXTURES } from '../sip-core/media/media-fixtures';
import { ingestBytes } from '../../src/sip-core/trace/trace-builder';
import type { IngestResult } from '../../src/sip-core/trace/trace-builder';

const tshark = requirePeer('tshark');

const FIELDS = [
  'frame.number',
  'ip.src',
  'udp.srcport',
  'ip.dst',
  'udp.dstport',
  'udp.payload',
  'rtcp.ssrc.identifier',
  'rtcp.ssrc.fraction',
  'rtcp.ssrc.cum_nr',
  'rtcp.ssrc.jitter',
  'rtcp.ssrc.lsr',
  'rtcp.ssrc.dlsr',
  'rtcp.roundtrip-delay',
  'rtcp.sender.packetcount',
  'rtcp.sender.octetcount',
  'rtcp.sdes.text',
] as const;

type Row = Record<(typeof FIELDS)[number], string>;

function tsharkRows(file: string): Row[] {
  const out = execFileSync(
    tshark!,
    [
      '-n',
      '-r',
      file,
      '-o',
      'rtcp.show_roundtrip_calculation:TRUE',
      '-o',
      'rtcp.roundtrip_min_threshhold:0',
      '-Y',
      'rtcp && !srtcp',
      '-T',
      'fields',
      '-E',
      'occurrence=a',
      '-E',
      'aggregator=,',
      ...FIELDS.flatMap((f) => ['-e', f]),
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 1 << 26 },
  );
  return out
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => {
      const v = l.split('\t');
      return Object.fromEntries(FIELDS.map((f, i) => [f, v[i] ?? ''])) as Row;
    });
}

const list = (s: string): string[] => (s === '' ? [] : s.split(','));
const hex = (n: number): string => `0x${n.toString(16).padStart(8, '0')}`;

/** Compares one capture; returns [datagrams compared, report blocks compared, round trips compared]. */
function compare(file: string, r: IngestResult): [number, number, number] {
  const rows = tsharkRows(file);
  let blocks = 0;
  let rtts = 0;
  const seen = new Map<string, number[]>();
  for (const row of rows) {
    if (row['udp.payload'] === '') continue;
    const bytes = new Uint8Array(Buffer.from(row['udp.payload'].replace(/:/g, ''), 'hex'));
    const c = parseRtcp(bytes, 0, bytes.length);
    const at = `frame ${row['frame.number']}`;
    expect(c.encrypted, at).toBe(false);
    const ids: string[] = [];
    const reports = c.packets.flatMap((p) => p.reports);
    for (const p of c.packets) {
      for (const b of p.reports) ids.push(hex(b.ssrc));
      for (const ch of p.sdes) ids.push(hex(ch.ssrc));
      for (const s of p.bye?.ssrcs ?? []) ids.push(hex(s));
      for (const x of p.xr) ids.push(hex(x.ssrc));
    }
    expect(ids, at).toEqual(list(row['rtcp.ssrc.identifier']));
    // tshark files an XR VoIP metrics block's loss rate under rtcp.ssrc.fraction too.
    const xrLoss = c.packets.flatMap((p) => p.xr.map((x) => String(x.lossRate)));
    expect([...reports.map((b) => String(b.fractionLost)), ...xrLoss], at).toEqual(
      list(row['rtcp.ssrc.fraction']),
    );
    expect(
      reports.map((b) => String(b.cumulativeLost)),
      at,
    ).toEqual(list(row['rtcp.ssrc.cum_nr']));
    expect(
      reports.map((b) => String(b.jitter)),
      at,
    ).toEqual(list(row['rtcp.ssrc.jitter']));
    expect(
      reports.map((b) => String(b.lsr)),
      at,
    ).toEqual(list(row['rtcp.ssrc.lsr']));
    expect(
      reports.map((b) => String(b.dlsr)),
      at,
    ).toEqual(list(row['rtcp.ssrc.dlsr']));
    const srs = c.packets.flatMap((p) => (p.sender ? [p.sender] : []));
    expect(
      srs.map((s) => String(s.packets)),
      at,
    ).toEqual(list(row['rtcp.sender.packetcount']));
    expect(
      srs.map((s) => String(s.octets)),
      at,
    ).toEqual(list(row['rtcp.sender.octetcount']));
    const texts = list(row['rtcp.sdes.text']);
    for (const p of c.packets)
      for (const ch of p.sdes) if (ch.cname !== null) expect(texts, at).toContain(ch.cname);
    blocks += reports.length;
    // tshark's round trips, per flow and reported SSRC (one per report block that had one).
    const delays = list(row['rtcp.roundtrip-delay']);
    if (delays.length) {
      expect(reports.length, at).toBe(1);
      const k = `${row['ip.src']}:${row['udp.srcport']}>${row['ip.dst']}:${row['udp.dstport']} ${hex(reports[0]!.ssrc)}`;
      seen.set(k, [...(seen.get(k) ?? []), Number(delays[0])]);
    }
  }
  const flows = r.trace.media?.rtcp ?? [];
  for (const [k, ms] of seen) {
    const f = flows.find((x) => `${x.src}:${x.srcPort}>${x.dst}:${x.dstPort}` === k.split(' ')[0]);
    const rep = f?.reports.reported.find((x) => hex(x.ssrc) === k.split(' ')[1]);
    expect(rep, k).toBeDefined();
    expect(rep!.rtts, k).toBeGreaterThanOrEqual(ms.length);
    expect(Math.abs(rep!.rttMin / 1000 - Math.min(...ms)), k).toBeLessThan(2);
    expect(Math.abs(rep!.rttMax / 1000 - Math.max(...ms)), k).toBeLessThan(2);
    rtts += ms.length;
  }
  return [rows.length, blocks, rtts];
}

/** Public captures with RTCP: [datagrams tshark decodes, report blocks, round trips]. */
const PUBLIC_WITH_RTCP: Record<string, [number, number, number]> = {
  'heplify__rtp_rtcp_sip_ipv4_udp.pcap': [26, 40, 8],
  'heplify__sip_ipv4_tcp.pcap': [2, 1, 1],
  'ws__Asterisk_ZFONE_XLITE.pcap': [2, 0, 0],
  'ws__aaa.pcap': [1, 0, 0],
};

describe.skipIf(!tshark || !havePublic)('RTCP reports = tshark (public captures)', () => {
  it.each(Object.entries(PUBLIC_WITH_RTCP))('%s', (name, n) => {
    const file = join(PUBLIC_CAPTURES, name);
    expect(compare(file, ingestFile(file))).toEqual(n);
  });
});

describe.skipIf(!tshark)('RTCP reports = tshark (RTCP fixtures)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sipscope-rtcp-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  it.each(['clean-rtcp', 'clean-rtcp-mux', 'poor-quality-delay'])('%s', (name) => {
    const bytes = MEDIA_FIXTURES[name]!();
    const file = join(dir, `${name}.pcap`);
    writeFileSync(file, bytes);
    const [datagrams, blocks, rtts] = compare(file, ingestBytes(bytes, `${name}.pcap`));
    expect(datagrams).toBeGreaterThan(4);
    expect(blocks).toBeGreaterThan(4);
    expect(rtts).toBeGreaterThan(0);
  });
});
