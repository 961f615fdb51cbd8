/**
 * One-way audio behind a NAT, as a capture shows it: the simulator's NAT scenarios written as pcaps
 * (every sender's wire, as `simulate --pcap` writes them) and analysed like any capture. RTP from a
 * public address to a private one is on the sender's wire but never arrives: the direction counts as
 * not flowing, and one-way-media says which stream and why; with a media relay both ways flow.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeTrace } from '../../../src/sip-core/analysis';
import { mediaDiagnostics, mediaJson } from '../../../src/sip-core/media/media-json';
import { Simulation, loadScenario } from '../../../src/sip-core/sim';
import { simulationPcap } from '../../../src/sip-core/sim/pcap';
import { ingestBytes } from '../../../src/sip-core/trace/trace-builder';

const dir = path.resolve(import.meta.dirname, '../../../resources/scenarios');

function asCapture(name: string, edit: (yaml: string) => string = (y) => y) {
  const loaded = loadScenario(edit(readFileSync(path.join(dir, `${name}.yaml`), 'utf8')));
  expect(loaded.errors).toEqual([]);
  const sim = new Simulation(loaded.scenario!);
  sim.run();
  const trace = ingestBytes(simulationPcap(sim.wirePackets), `${name}.pcap`).trace;
  analyzeTrace(trace);
  return { media: mediaJson(trace)!, diagnostics: mediaDiagnostics(trace), sim };
}

describe('one-way audio behind a NAT, read from a capture', () => {
  it('nat-fix-nated-contact: the callee’s RTP to the caller’s private address cannot arrive — one-way', () => {
    const { media, diagnostics } = asCapture('nat-fix-nated-contact');
    const call = media.calls.find((c) => c.streams.length > 0)!;
    expect(call.verdict).toBe('one-way');
    expect(diagnostics.map((d) => d.code)).toEqual(['one-way-media']);
    expect(diagnostics[0]!.message).toContain(
      '198.51.100.40:49170 → 192.168.1.10:49170 goes from a public to a private address and cannot arrive',
    );
  });

  it('nat-media-comedia: the public phone latches onto the NAT’s mapping (comedia) — two-way', () => {
    const { media, diagnostics } = asCapture('nat-media-comedia');
    expect(media.calls.filter((c) => c.streams.length > 0).map((c) => c.verdict)).toEqual(['two-way']);
    // Bob's RTP after the latch goes to the NAT's public mapping, which no SDP announced
    expect(diagnostics.map((d) => d.code)).toEqual(['media-to-unannounced-address']);
    expect(diagnostics[0]!.message).toContain('198.51.100.40:49170 → 203.0.113.5:20001');
  });

  it('nat-media-relay with a late offer (Bob’s INVITE without SDP): the offer in the 200 and the answer in the ACK relayed — two-way', () => {
    const { media, sim } = asCapture('nat-media-relay', (y) =>
      y
        .replace(
          '      proxies: [example.com],\n      answer: { after: 1s },',
          '      proxies: [example.com],\n      answer: { after: 1s },\n      lateOffer: true,',
        )
        .replace(
          'request_route {\n        force_rport();',
          'request_route {\n        if (is_method("ACK")) { rtpproxy_manage(); }\n        force_rport();',
        ),
    );
    const bodies = sim.wirePackets
      .map((p) => new TextDecoder().decode(p.bytes))
      .filter((t) => /^(SIP\/2\.0 200|ACK) /.test(t) && t.includes('m=audio'));
    // Alice's offer reaches Bob, and Bob's answer reaches Alice, with the relay's address
    expect(bodies.some((t) => t.startsWith('SIP/2.0 200') && t.includes('c=IN IP4 198.51.100.10'))).toBe(
      true,
    );
    expect(bodies.some((t) => t.startsWith('ACK sip:alice') && t.includes('c=IN IP4 198.51.100.10'))).toBe(
      true,
    );
    expect(media.calls.filter((c) => c.streams.length > 0).map((c) => c.verdict)).toEqual(['two-way']);
  });

  it('nat-media-relay: the relay latches onto the NAT’s public side — two-way, no one-way-media', () => {
    const { media, diagnostics } = asCapture('nat-media-relay');
    expect(media.calls.filter((c) => c.streams.length > 0).map((c) => c.verdict)).toEqual(['two-way']);
    // The relay's first packets to the private address the SDP gave are lost; once it has seen the
    // phone's RTP it sends to where that came from (symmetric RTP): an address no SDP announced.
    expect(diagnostics.map((d) => [d.code, d.message.split(': ').slice(1).join(': ')])).toEqual([
      [
        'media-to-unannounced-address',
        "RTP 198.51.100.10:30002 → 203.0.113.5:20001 SSRC 0x8faad60e goes to an address:port the other side's SDP did not give (NAT? RFC 4961 symmetric RTP)",
      ],
    ]);
  });
});
