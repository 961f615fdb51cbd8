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
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeTrace } from '../../src/sip-core/analysis';
import { mediaJson } from '../../src/sip-core/media/media-json';
import { compareWithTshark } from '../helpers/rtp-tshark';
import { ingestBytes } from '../../src/sip-core/trace/trace-builder';
import { requirePeer } from '../helpers/peers';
import { havePublic, ingestFile, PUBLIC_CAPTURES } from '../sip-core/capture/tshark-compare';
import { MEDIA_FIXTURES } from '../sip-core/media/media-fixtures';

const tshark = requirePeer('tshark');

/** Streams (by SSRC) whose packets tshark counts differently, for a documented reason (see above). */
const PARTIAL = new Set(['ndpi__FAX-Call-t38-CA-TDM-SIP-FB-1.pcap 0x0EAF0EAF']);
/** Streams tshark joins through an SDP we do not read (MGCP's). */
const NOT_JOINED = new Set(['heplify__rtp_rtcp_sip_ipv4_udp.pcap 0x00002E3D']);
const compare = (
  name: string,
  file: string,
  ours: Parameters<typeof compareWithTshark>[3],
  first: number,
): number => compareWithTshark(tshark!, name, file, ours, first, PARTIAL, NOT_JOINED);

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
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
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
