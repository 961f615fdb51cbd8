/**
 * Pipeline stages on our fixtures (test/fixtures/capture/make-fixtures.py): link layers, IP
 * defragmentation, TCP reassembly provenance and counters, WebSocket, HEP, tunnels, TLS; plus small
 * unit checks of the link decoder and IPv6 text form.
 */
import { describe, expect, it } from 'vitest';
import {
  decodeLink,
  ETHERTYPE_IPV4,
  ETHERTYPE_IPV6,
  type NetStart,
} from '../../../src/sip-core/capture/link/link-decode';
import { formatIpv6 } from '../../../src/sip-core/capture/address';
import { toTraceJson } from '../../../src/sip-core/trace/trace-json';
import { FIXTURES, ingestFile } from './tshark-compare';

const fx = (name: string): ReturnType<typeof ingestFile> => ingestFile(`${FIXTURES}/${name}`);

describe('link stage', () => {
  const out: NetStart = { etherType: 0, offset: 0, vlans: 0 };
  it('BSD NULL in either byte order, OpenBSD LOOP, SLL, SLL2, raw', () => {
    const ipv4 = [0x45, 0, 0, 20];
    expect(decodeLink(0, new Uint8Array([2, 0, 0, 0, ...ipv4]), 0, 8, out)).toBe(true);
    expect([out.etherType, out.offset]).toEqual([ETHERTYPE_IPV4, 4]);
    expect(decodeLink(0, new Uint8Array([0, 0, 0, 30, 0x60]), 0, 5, out)).toBe(true);
    expect(out.etherType).toBe(ETHERTYPE_IPV6);
    expect(decodeLink(108, new Uint8Array([0, 0, 0, 2, ...ipv4]), 0, 8, out)).toBe(true);
    const sll = new Uint8Array(20);
    sll[14] = 0x86;
    sll[15] = 0xdd;
    expect(decodeLink(113, sll, 0, 20, out) && out.etherType === ETHERTYPE_IPV6 && out.offset === 16).toBe(
      true,
    );
    expect(decodeLink(101, new Uint8Array([0x60, 0]), 0, 2, out) && out.etherType === ETHERTYPE_IPV6).toBe(
      true,
    );
    expect(decodeLink(147, new Uint8Array(40), 0, 40, out)).toBe(false);
  });

  it('IPv6 text form per RFC 5952', () => {
    const a = new Uint8Array(16);
    a[15] = 1;
    expect(formatIpv6(a, 0)).toBe('::1');
    const b = new Uint8Array([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1]);
    expect(formatIpv6(b, 0)).toBe('2001:db8::1:0:0:1');
  });
});

describe('fixtures through the whole pipeline', () => {
  it('VLAN and QinQ', () => {
    const j = toTraceJson(fx('vlan-qinq.pcap').trace);
    expect(j.messages.map((m) => [m.frame, m.method ?? m.status, m.src])).toEqual([
      [1, 'REGISTER', '10.0.3.1:5060'],
      [2, 200, '10.0.3.2:5060'],
    ]);
  });

  it('SLL2 with IPv6 hop-by-hop + destination options headers', () => {
    const r = fx('sll2-ipv6-ext.pcap');
    const j = toTraceJson(r.trace);
    expect(j.source.linkTypes).toEqual(['Linux cooked v2 (SLL2)']);
    expect(j.messages.map((m) => m.src)).toEqual([
      '[2001:db8::1]:5060',
      '[2001:db8::2]:5060',
      '10.0.4.1:5060',
    ]);
  });

  it('IPv4 fragments out of order and duplicated: reassembled once, in the completing frame; incomplete sets reported', () => {
    const r = fx('ipv4-fragments.pcap');
    const j = toTraceJson(r.trace);
    expect(j.messages[0]).toMatchObject({ frame: 3, method: 'INVITE', reassembly: 'ip', frames: [1, 2, 3] });
    expect(j.messages[0]!.bodyLength).toBe(20 * 85); // SDP * 20
    expect(r.diagnostics.map((d) => d.code)).toEqual(['ip-fragments-incomplete', 'ip-fragments-incomplete']);
    expect(r.diagnostics[1]!.message).toContain('frames 6');
    // Every frame of the message is exported with it.
    expect(r.trace.frames(0).map((f) => f.frameNo)).toEqual([1, 2, 3]);
  });

  it('TCP: out of order, retransmitted and overlapping segments, several messages per segment', () => {
    const r = fx('tcp-segmentation.pcap');
    const j = toTraceJson(r.trace);
    expect(j.messages.map((m) => [m.frame, m.method ?? m.status, m.reassembly, m.frames])).toEqual([
      [6, 'INVITE', 'tcp', [4, 5, 6]],
      [8, 'OPTIONS', 'tcp', [5, 8]],
      [8, 'MESSAGE', 'none', [8]],
      [9, 100, 'none', [9]],
      [9, 200, 'none', [9]],
    ]);
    expect(j.messages[2]!.bodyLength).toBe(5);
    expect(r.stats!.tcpRetransmissions).toBe(1);
    expect(r.stats!.tcpOutOfOrder).toBe(1);
    // Messages wholly inside one frame are read back from the file by offset; reassembled ones from the arena.
    expect(new TextDecoder().decode(r.trace.raw(2))).toMatch(
      /^MESSAGE sip:bob@b\.example SIP\/2\.0\r\n[\s\S]*hello$/,
    );
  });

  it('TCP gap: the message across it is lost and reported, the stream resynchronises', () => {
    const r = fx('tcp-gap.pcap');
    expect(toTraceJson(r.trace).messages.map((m) => m.callId)).toEqual(['gap-1@a', 'gap-3@a']);
    expect(r.diagnostics.map((d) => d.code)).toEqual(['tcp-gap', 'sip-stream-resync']);
    expect(r.diagnostics[0]!.message).toContain('50 bytes never captured');
  });

  it('WebSocket: masked frames, a frame over two segments, continuation, two frames in one segment', () => {
    const r = fx('websocket.pcap');
    const j = toTraceJson(r.trace);
    expect(j.messages.map((m) => [m.frame, m.transport, m.method ?? m.status, m.reassembly])).toEqual([
      [7, 'WS', 'REGISTER', 'ws'],
      [8, 'WS', 'INVITE', 'ws'],
      [9, 'WS', 200, 'ws'],
      [9, 'WS', 100, 'ws'],
    ]);
    expect(j.messages[1]!.bodyLength).toBeGreaterThan(0);
    expect(r.trace.frames(0).map((f) => f.frameNo)).toEqual([6, 7]);
    expect(r.trace.contextFrames(0).map((f) => f.frameNo)).toEqual([4, 5]);
  });

  it('HEP v3 (correlation id, compressed payload) and v2: addresses, ports and time from the HEP header', () => {
    const r = fx('hep.pcap');
    const j = toTraceJson(r.trace);
    expect(
      j.messages.map((m) => [m.frame, m.src, m.dst, m.time, m.method ?? m.status, m.reassembly]),
    ).toEqual([
      [1, '192.0.2.1:5060', '192.0.2.2:5062', 1699999995.00025, 'INVITE', 'hep'],
      [2, '192.0.2.2:5062', '192.0.2.1:5060', 1699999996.0005, 180, 'hep'],
      [3, '192.0.2.2:5062', '192.0.2.1:5060', 1699999997.00075, 200, 'hep'],
    ]);
    expect(r.trace.hepCorrelationId(0)).toBe('corr-42');
    expect(r.stats!.hepPackets).toBe(3);
  });

  it('TLS on 5061 reported, not decoded; ERSPAN II and IPv6-in-IPv4 tunnels decoded to the inner addresses', () => {
    const r = fx('tls-and-tunnels.pcap');
    const j = toTraceJson(r.trace);
    expect(r.diagnostics.map((d) => d.code)).toEqual(['tls-encrypted']);
    expect(j.messages.map((m) => [m.frame, m.src])).toEqual([
      [2, '172.16.0.1:5060'],
      [3, '[2001:db8::9]:5060'],
    ]);
    expect(r.stats!.tunnels).toEqual({ ipip: 1, gre: 1 });
  });

  it('gzip-compressed pcap from real SIPp peers', () => {
    const r = fx('sipp-udp.pcap.gz');
    expect(r.trace.source.compression).toBe('gzip');
    expect(r.trace.count).toBe(18);
    expect(r.trace.callIdCount).toBe(3);
  });
});
