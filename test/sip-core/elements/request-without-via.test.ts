/**
 * A request without a Via (RFC 3261 §8.1.1.7: mandatory; §18.2.2: the only place a response can go)
 * is dropped by every element, as Kamailio's core drops it ("no via found in request"): found in the
 * lab, where the proxy forwarded such an INVITE to the registered phone (a transaction with nowhere
 * to answer) and sent its 100 Trying to a made-up 127.0.0.1:5060.
 */
import { describe, expect, it } from 'vitest';
import { Simulation, type Scenario } from '../../../src/sip-core/sim';
import type { SipElement } from '../../../src/sip-core/elements/element';

const scenario: Scenario = {
  name: 'no-via',
  description: 'a proxy and a phone',
  nodes: [
    {
      name: 'Proxy',
      role: 'proxy',
      address: '192.0.2.30',
      domains: ['lab.example'],
      locations: { 'sip:bob@lab.example': ['sip:bob@192.0.2.40'] },
    },
    { name: 'Bob', role: 'ua', address: '192.0.2.40', aor: 'sip:bob@lab.example', answer: { after: 0 } },
  ],
  steps: [],
};

const request = (method: string, via: boolean, uri = 'sip:bob@lab.example'): Uint8Array =>
  new TextEncoder().encode(
    [
      `${method} ${uri} SIP/2.0`,
      ...(via ? ['Via: SIP/2.0/UDP 192.0.2.99:5060;branch=z9hG4bKnovia1'] : []),
      'Max-Forwards: 70',
      'From: <sip:x@lab.example>;tag=1',
      'To: <sip:bob@lab.example>',
      `Call-ID: novia-${method}`,
      `CSeq: 1 ${method}`,
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n'),
  );

function deliver(node: string, bytes: Uint8Array) {
  const sim = new Simulation(scenario, { seed: 1 });
  sim.run();
  const before = sim.sipPackets.length;
  (sim.elements.get(node) as SipElement).onMessage(bytes, {
    host: '192.0.2.99',
    port: 5060,
    transport: 'UDP',
  });
  sim.run();
  return {
    sent: sim.sipPackets.slice(before).map((p) => `${p.fromNode}->${p.toNode || p.to.host}`),
    events: sim.eventList.filter((e) => e.node === node && /without a Via dropped/.test(e.text)).length,
  };
}

describe('a request without a Via', () => {
  it.each(['INVITE', 'OPTIONS', 'MESSAGE'])('%s: the proxy neither forwards nor answers it', (method) => {
    expect(deliver('Proxy', request(method, false))).toEqual({ sent: [], events: 1 });
  });

  it('a user agent does not answer it either', () => {
    expect(deliver('Bob', request('OPTIONS', false, 'sip:bob@192.0.2.40'))).toEqual({ sent: [], events: 1 });
  });

  it('with its Via the same INVITE is forwarded (and answered with 100 Trying)', () => {
    const r = deliver('Proxy', request('INVITE', true));
    expect(r.events).toBe(0);
    expect(r.sent.slice(0, 2).sort()).toEqual(['Proxy->192.0.2.99', 'Proxy->Bob']);
  });
});
