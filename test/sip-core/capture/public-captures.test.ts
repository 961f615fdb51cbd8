/**
 * One test per public capture (../shared/captures/public, see its SOURCES.md): message count, named
 * diagnostics, format, link types and reassembly kinds. Skips when the captures are absent.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { toTraceJson } from '../../../src/sip-core/trace/trace-json';
import { timeNotices } from '../../../src/sip-core/trace/time-notices';
import { ingestFile, havePublic, PUBLIC_CAPTURES } from './tshark-compare';

interface Expect {
  messages: number;
  format: string;
  linkTypes?: string[];
  /** File/stream-level diagnostic codes, exactly (in any order, duplicates collapsed). */
  fileDiagnostics?: string[];
  /** The clock notices' codes (`timeNotices`), exactly; none when absent. */
  clock?: string[];
  /** Per-message diagnostic codes that must occur at least once. */
  messageDiagnostics?: string[];
  /** Messages by reassembly kind. */
  reassembly?: Record<string, number>;
  /** Extra checks. */
  check?: (j: ReturnType<typeof toTraceJson>) => void;
}

const CAPTURES: Record<string, Expect> = {
  'heplify__erspan_sip_ipv4_udp.pcapng': { messages: 140, format: 'pcapng', linkTypes: ['Ethernet'] },
  'heplify__ipip0.pcap': { messages: 8, format: 'pcap', linkTypes: ['Raw IP'] },
  'heplify__rtp_rtcp_sip_ipv4_udp.pcap': { messages: 14, format: 'pcap' },
  'heplify__sip_ipv4_tcp.pcap': { messages: 7, format: 'pcap' },
  'heplify__sip_ipv4_tcp_fragmented.pcap': {
    messages: 406,
    format: 'pcap',
    reassembly: { tcp: 234, none: 172 },
    check: (j) =>
      expect(
        j.messages.every((m) => m.transport === 'TCP' && (/:6060$/.test(m.dst) || /:6060$/.test(m.src))),
      ).toBe(true),
  },
  'heplify__sip_ipv4_tcp_retrans.pcap': {
    messages: 8,
    format: 'pcap',
    linkTypes: ['Linux cooked (SLL)'],
    fileDiagnostics: ['tls-encrypted'],
  },
  'heplify__sip_ipv6_udp.pcap': {
    messages: 6,
    format: 'pcap',
    // Frame times from 2012 to 2092, in order: the post-dial delay it would give is 201,412,350 s.
    clock: ['capture-time-span'],
    check: (j) => {
      expect(j.messages[0]!.src).toMatch(/^\[[0-9a-f:]+\]:5060$/);
      expect(j.diagnostics.find((d) => d.code === 'capture-time-span')?.message).toMatch(
        /^message times span 80\.5 years \(frame 1 on 2012-02-07, frame 6 on 2092-07-22\)/,
      );
    },
  },
  'heplify__sip_sctp.pcap': {
    messages: 4,
    format: 'pcap',
    check: (j) => expect(j.messages.map((m) => m.transport)).toEqual(['SCTP', 'SCTP', 'SCTP', 'SCTP']),
  },
  'heplify__sip_tcp_websocket.pcap': { messages: 39, format: 'pcap', reassembly: { none: 28, ws: 11 } },
  'hepws__hep.pcap': {
    messages: 6,
    format: 'pcap',
    reassembly: { hep: 6 },
    messageDiagnostics: ['line-ending-lf'],
  },
  'hepws__hep3_compressed.pcapng': {
    messages: 21,
    format: 'pcapng',
    linkTypes: ['Linux cooked (SLL)'],
    reassembly: { hep: 21 },
  },
  'ndpi__FAX-Call-t38-CA-TDM-SIP-FB-1.pcap': { messages: 92, format: 'pcap' },
  // HTTP on TCP 5060 is not SIP.
  'ndpi__http_on_sip_port.pcapng': {
    messages: 0,
    format: 'pcapng',
    fileDiagnostics: ['non-sip-on-sip-port'],
  },
  // NetMon 2.0 (the PROTOS SIP test suite's malformed INVITEs, 12 of its 39 frames SIP as tshark says).
  'protos__c07-sip-r2.cap': { messages: 12, format: 'netmon', linkTypes: ['Ethernet'] },
  'sngrep__ipip.pcap': { messages: 4, format: 'pcap' },
  'sngrep__ipv6frag.pcap': { messages: 32, format: 'pcap', reassembly: { ip: 2, none: 30 } },
  'suricata__sip-body-large.pcap': {
    messages: 2,
    format: 'pcap',
    linkTypes: ['NULL (BSD loopback)'],
    check: (j) => expect(j.messages[0]!.bodyLength).toBe(65536),
  },
  'suricata__sip-tcp.pcap': { messages: 2, format: 'pcap', reassembly: { tcp: 1, none: 1 } },
  'suricata__sip_compact_form.pcap': {
    messages: 1,
    format: 'pcap',
    messageDiagnostics: ['quoted-string-unterminated'],
  },
  'suricata__sip_header_multi_val.pcap': { messages: 1, format: 'pcap' },
  'ws__Asterisk_ZFONE_XLITE.pcap': { messages: 27, format: 'pcap' },
  'ws__DTMFsipinfo.pcap': { messages: 32, format: 'pcap' },
  'ws__SIP_DTMF2.cap': { messages: 29, format: 'pcap' },
  'ws__aaa.pcap': { messages: 81, format: 'pcap' },
  'ws__metasploit-sip-invite-spoof.pcap': { messages: 2, format: 'pcap' },
  'ws__sip-rtp-g711.pcap': { messages: 10, format: 'pcap' },
  'ws__sip-rtp-opus-hybrid.pcap': { messages: 2, format: 'pcap' },
  'zeek__invalid-content-length.pcap': {
    messages: 2,
    format: 'pcap',
    messageDiagnostics: ['content-length-invalid'],
  },
  // SOURCES.md calls "DB" junk, but those two bytes are the UDP checksum: the payload is a plain REGISTER.
  'zeek__sip-junk-before-request.pcap': {
    messages: 1,
    format: 'pcap',
    check: (j) => expect([j.messages[0]!.frame, j.messages[0]!.method]).toEqual([2, 'REGISTER']),
  },
  'zeek__sip-long-request-response-paths.pcap': {
    messages: 2,
    format: 'pcap',
    linkTypes: ['Raw IPv4'],
    check: (j) => expect([j.messages[0]!.viaCount, j.messages[0]!.recordRouteCount]).toEqual([10, 0]),
  },
};

describe.skipIf(!havePublic)('public captures', () => {
  it('the table covers every capture in SOURCES.md', () => {
    const listed = [
      ...readFileSync(`${PUBLIC_CAPTURES}/SOURCES.md`, 'utf8').matchAll(
        /^\| `([^`]+\.(?:pcap|pcapng|cap))`/gm,
      ),
    ].map((m) => m[1]);
    expect(listed.length).toBeGreaterThanOrEqual(29);
    for (const f of listed) expect(Object.keys(CAPTURES)).toContain(f);
  });

  for (const [file, e] of Object.entries(CAPTURES)) {
    it(file, () => {
      const r = ingestFile(`${PUBLIC_CAPTURES}/${file}`);
      const j = toTraceJson(r.trace);
      expect(j.messages.length).toBe(e.messages);
      expect(j.source.format).toBe(e.format);
      if (e.linkTypes) expect(j.source.linkTypes).toEqual(e.linkTypes);
      expect([...new Set(r.diagnostics.map((d) => d.code))].sort()).toEqual(
        [...(e.fileDiagnostics ?? [])].sort(),
      );
      for (const d of r.diagnostics) if (d.layer === 'file') expect(d.offset).toBeTypeOf('number');
      expect(timeNotices(r.trace).map((d) => d.code)).toEqual(e.clock ?? []);
      const msgCodes = new Set(j.messages.flatMap((m) => m.diagnostics));
      for (const c of e.messageDiagnostics ?? []) expect(msgCodes).toContain(c);
      if (e.reassembly) {
        const by: Record<string, number> = {};
        for (const m of j.messages) by[m.reassembly] = (by[m.reassembly] ?? 0) + 1;
        expect(by).toEqual(e.reassembly);
      }
      // Every message names the frame that completed it as its last frame, and ids are in order.
      j.messages.forEach((m, i) => {
        expect(m.id).toBe(i);
        expect(m.frames[m.frames.length - 1]).toBe(m.frame);
      });
      e.check?.(j);
    });
  }
});
