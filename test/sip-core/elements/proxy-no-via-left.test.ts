/**
 * RFC 3261 §16.7 step 3: "The proxy removes the topmost Via header field value from the response.
 * If no Via header field values remain in the response, the response was meant for this element and
 * MUST NOT be forwarded." A phone that answers a CANCEL and copies the CANCEL's Via (the proxy's
 * only, §9.1) into its 487 (SIPp's `[last_Via:]` after the CANCEL) sends such a response. Kamailio
 * 5.6.3 forwards it upstream with no Via at all (and retransmits it); a caller cannot match that to
 * its INVITE (§17.1.3: by the top Via's branch). The proxy keeps it, and as the branch ended with a
 * 487 it answers the caller with a 487 of its own, which the caller matches and ACKs.
 */
import { describe, expect, it } from 'vitest';
import { Simulation, type Scenario } from '../../../src/sip-core/sim';

const dec = new TextDecoder();
const enc = new TextEncoder();

function scenario(): Scenario {
  return {
    name: 'no-via-left',
    description: 'a phone that copies the CANCEL Via into its 487',
    duration: '40s',
    nodes: [
      {
        name: 'Alice',
        role: 'ua',
        address: '192.0.2.10',
        aor: 'sip:alice@atlanta.example.com',
        proxies: ['biloxi.example.com'],
      },
      {
        name: 'Proxy',
        role: 'proxy',
        address: '192.0.2.30',
        domains: ['biloxi.example.com'],
        locations: { 'sip:bob@biloxi.example.com': ['sip:bob@192.0.2.40'] },
      },
    ],
    steps: [
      { at: 0, node: 'Alice', action: 'call', to: 'sip:bob@biloxi.example.com' },
      { at: '1s', node: 'Alice', action: 'cancel' },
    ],
  };
}

/** Bob on a raw socket: 180 to the INVITE; to the CANCEL a 200 and a 487 carrying only the CANCEL's Via. */
function run(): Simulation {
  const sim = new Simulation(scenario(), { seed: 1 });
  const t = sim.network.bind('Bob', { host: '192.0.2.40', port: 5060, transport: 'UDP' });
  let invite: string[] = [];
  const h = (lines: string[], name: string) => lines.filter((l) => l.toLowerCase().startsWith(`${name}:`));
  const reply = (first: string, vias: string[], req: string[], src: { host: string; port: number }) =>
    t.send(
      enc.encode(
        [
          first,
          ...vias,
          ...h(req, 'from'),
          `${h(req, 'to')[0]};tag=b1`,
          ...h(req, 'call-id'),
          ...h(req, 'cseq'),
          'Content-Length: 0',
          '',
          '',
        ].join('\r\n'),
      ),
      { ...src, transport: 'UDP' },
    );
  t.setListener({
    onMessage: (bytes, src) => {
      const lines = dec.decode(bytes).split('\r\n');
      if (lines[0]!.startsWith('INVITE') && invite.length === 0) {
        invite = lines;
        reply('SIP/2.0 180 Ringing', h(lines, 'via'), lines, src);
      }
      if (lines[0]!.startsWith('CANCEL')) {
        reply('SIP/2.0 200 OK', h(lines, 'via'), lines, src);
        reply('SIP/2.0 487 Request Terminated', h(lines, 'via'), invite, src);
      }
    },
  });
  sim.run();
  return sim;
}

describe('proxy: a response with no Via left after ours is not forwarded (RFC 3261 §16.7 step 3)', () => {
  it("Bob's 487 with the CANCEL's Via only: Alice gets the proxy's own 487 with her Via, and ACKs it", () => {
    const sim = run();
    const toAlice = sim.sipPackets
      .filter((p) => p.fromNode === 'Proxy' && p.toNode === 'Alice')
      .map((p) => dec.decode(p.bytes));
    const finals = toAlice.filter((m) => m.startsWith('SIP/2.0 487'));
    expect(finals).toHaveLength(1);
    const vias = finals[0]!.split('\r\n').filter((l) => /^via:/i.test(l));
    expect(vias).toHaveLength(1);
    expect(vias[0]).toMatch(/192\.0\.2\.10/);
    expect(finals[0]).toMatch(/\r\nCSeq: 1 INVITE\r\n/);
    expect(sim.ua('Alice')!.calls[0]!.status).toBe(487);
    expect(sim.sipPackets.some((p) => p.fromNode === 'Alice' && dec.decode(p.bytes).startsWith('ACK '))).toBe(
      true,
    );
    expect(
      sim.eventList.some(
        (e) =>
          e.node === 'Proxy' && /487 Request Terminated has no Via after ours: .* not forwarded/.test(e.text),
      ),
    ).toBe(true);
  });
});
