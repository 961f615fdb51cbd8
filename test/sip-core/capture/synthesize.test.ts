/**
 * The synthesizing writer (simulations and live traces): pcap and pcapng files our reader and
 * tshark decode to the same messages, over UDP and TCP, IPv4 and IPv6.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildPcap, buildPcapng, type PacketInput } from '../../../src/sip-core/capture/writer/synthesize';
import { ingestBytes } from '../../../src/sip-core/trace/trace-builder';
import { requirePeer } from '../../helpers/peers';

const enc = new TextEncoder();
function options(cseq: number): Uint8Array {
  return enc.encode(
    'OPTIONS sip:b@example.com SIP/2.0\r\n' +
      'Via: SIP/2.0/UDP a.example.com;branch=z9hG4bK' +
      cseq +
      '\r\n' +
      'Max-Forwards: 70\r\nFrom: <sip:a@example.com>;tag=1\r\nTo: <sip:b@example.com>\r\n' +
      `Call-ID: synth-${cseq}\r\nCSeq: ${cseq} OPTIONS\r\nContent-Length: 0\r\n\r\n`,
  );
}

const packets: PacketInput[] = [
  {
    timeUs: 1_000_000,
    srcHost: '192.0.2.1',
    srcPort: 5060,
    dstHost: '192.0.2.2',
    dstPort: 5060,
    transport: 'UDP',
    payload: options(1),
  },
  {
    timeUs: 1_500_000,
    srcHost: '192.0.2.1',
    srcPort: 40000,
    dstHost: '192.0.2.2',
    dstPort: 5060,
    transport: 'TCP',
    payload: options(2),
  },
  {
    timeUs: 2_000_000,
    srcHost: '[2001:db8::1]',
    srcPort: 5060,
    dstHost: '2001:db8::2',
    dstPort: 5062,
    transport: 'UDP',
    payload: options(3),
  },
  {
    timeUs: 2_250_000,
    srcHost: '192.0.2.1',
    srcPort: 40000,
    dstHost: '192.0.2.2',
    dstPort: 5060,
    transport: 'TCP',
    payload: options(4),
  },
];

describe.each([
  ['pcap', buildPcap],
  ['pcapng', buildPcapng],
] as const)('%s', (kind, build) => {
  const bytes = build(packets);

  it('reads back: one message per packet, addresses, transports and times kept', () => {
    const { trace, diagnostics } = ingestBytes(bytes, `synth.${kind}`);
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(trace.count).toBe(4);
    const got = [0, 1, 2, 3].map((id) => [
      trace.src(id),
      trace.dst(id),
      trace.transport(id),
      trace.timeUs(id) / 1e6,
    ]);
    expect(got).toEqual([
      ['192.0.2.1:5060', '192.0.2.2:5060', 'UDP', 1],
      ['192.0.2.1:40000', '192.0.2.2:5060', 'TCP', 1.5],
      ['[2001:db8::1]:5060', '[2001:db8::2]:5062', 'UDP', 2],
      ['192.0.2.1:40000', '192.0.2.2:5060', 'TCP', 2.25],
    ]);
  });

  const tshark = requirePeer('tshark');
  it.skipIf(!tshark)('tshark decodes the same four requests with valid checksums', () => {
    const f = path.join(mkdtempSync(path.join(tmpdir(), 'sipscope-synth-')), `s.${kind}`);
    writeFileSync(f, bytes);
    const out = execFileSync(
      tshark!,
      [
        '-n',
        '-r',
        f,
        '-o',
        'udp.check_checksum:TRUE',
        '-o',
        'tcp.check_checksum:TRUE',
        '-Y',
        'sip',
        '-T',
        'fields',
        '-e',
        'sip.Call-ID',
        '-e',
        'udp.checksum.status',
        '-e',
        'tcp.checksum.status',
      ],
      { encoding: 'utf8' },
    );
    const rows = out
      .trim()
      .split('\n')
      .map((l) => l.split('\t'));
    expect(rows.map((r) => r[0])).toEqual(['synth-1', 'synth-2', 'synth-3', 'synth-4']);
    // tshark's checksum status: 1 = good (0 bad, 2 unverified).
    for (const r of rows) expect(r[1] || r[2]).toBe('1');
  });
});
