/**
 * `uri == myself` as Kamailio's check_self answers it (Kamailio 5.6.3 run as reference: listen
 * 127.0.0.1:25560, alias "lab.test"; OPTIONS to each URI, 200 when myself): the server's own address
 * counts only with its port (no port = 5060), a domain/alias without a port on any port. Found in a
 * lab whose proxy (127.0.0.1:25461) answered 404 for sip:bob@127.0.0.1:25460, a Kamailio on the
 * same host, instead of relaying to it.
 */
import { describe, expect, it } from 'vitest';
import { Simulation, type Scenario } from '../../../src/sip-core/sim';
import type { SipElement } from '../../../src/sip-core/elements/element';

const scenario = (script: string): Scenario => ({
  name: 'myself',
  description: 'a proxy on port 5070 with an alias',
  nodes: [{ name: 'Proxy', role: 'proxy', address: '192.0.2.30:5070', domains: ['lab.test'], script }],
  steps: [],
});

function answer(script: string, uri: string): string {
  const sim = new Simulation(scenario(script), { seed: 1 });
  sim.run();
  const before = sim.sipPackets.length;
  const req = [
    `OPTIONS ${uri} SIP/2.0`,
    'Via: SIP/2.0/UDP 192.0.2.99:5060;branch=z9hG4bKmyself',
    'Max-Forwards: 70',
    'From: <sip:q@x.example>;tag=1',
    `To: <${uri}>`,
    'Call-ID: myself',
    'CSeq: 1 OPTIONS',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
  (sim.elements.get('Proxy') as SipElement).onMessage(new TextEncoder().encode(req), {
    host: '192.0.2.99',
    port: 5060,
    transport: 'UDP',
  });
  sim.run();
  const p = sim.sipPackets.slice(before)[0];
  return p ? new TextDecoder().decode(p.bytes).split('\r\n')[0]!.slice(8, 11) : 'none';
}

const byUri = `request_route { if (uri == myself) { sl_send_reply("200", "myself"); exit; } sl_send_reply("404", "not myself"); }`;
const byHost = `request_route { if ($rd == myself) { sl_send_reply("200", "myself"); exit; } sl_send_reply("404", "not myself"); }`;

describe('proxy: uri == myself, as Kamailio', () => {
  it.each([
    ['sip:x@192.0.2.30', '404'], // no port: 5060, not ours
    ['sip:x@192.0.2.30:5070', '200'],
    ['sip:x@192.0.2.30:5071', '404'],
    ['sip:x@192.0.2.30:5060', '404'],
    ['sip:x@lab.test', '200'], // a domain (alias) without a port: any port
    ['sip:x@lab.test:9999', '200'],
    ['sip:x@192.0.2.31:5070', '404'],
  ])('%s: %s', (uri, status) => {
    expect(answer(byUri, uri)).toBe(status);
  });

  it('a bare host ($rd) is ours on any port', () => {
    expect(answer(byHost, 'sip:x@192.0.2.30')).toBe('200');
    expect(answer(byHost, 'sip:x@192.0.2.31')).toBe('404');
  });
});
