/**
 * RFC 4320 §4.2: "A transaction-stateful SIP element MUST NOT send a response with Status-Code of
 * 408 to a non-INVITE request. As a consequence, an element that can not respond before the
 * transaction expires will not send a final response at all." A stateful proxy whose branches of a
 * non-INVITE request all time out (Timer F) sends nothing upstream and ends its server transaction;
 * a response received on another branch is sent instead of the timeout; an INVITE still gets its 408
 * (RFC 3261 §16.7 step 6 / §16.8).
 */
import { describe, expect, it } from 'vitest';
import { Simulation, type Scenario } from '../../../src/sip-core/sim';
import type { Proxy } from '../../../src/sip-core/elements/proxy';

const firstLine = (b: Uint8Array): string => new TextDecoder().decode(b).split('\r\n')[0]!;

function scenario(contacts: string[], method: 'options' | 'call'): Scenario {
  return {
    name: 'rfc4320',
    description: 'a request through a stateful proxy to a dead server',
    duration: '80s',
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
        locations: { 'sip:svc@biloxi.example.com': contacts },
      },
      { name: 'Dead', role: 'ua', address: '192.0.2.50', aor: 'sip:svc@biloxi.example.com', down: true },
      {
        name: 'Redirect',
        role: 'redirect',
        address: '192.0.2.60',
        redirects: { 'sip:svc@192.0.2.60': ['sip:svc@192.0.2.61'] },
      },
    ],
    steps: [{ at: 0, node: 'Alice', action: method, to: 'sip:svc@biloxi.example.com' }],
  };
}

/** What the proxy sent Alice (first lines), and its server transactions still in the table. */
function run(contacts: string[], method: 'options' | 'call') {
  const sim = new Simulation(scenario(contacts, method), { seed: 1 });
  sim.run();
  const toAlice = sim.sipPackets
    .filter((p) => p.fromNode === 'Proxy' && p.toNode === 'Alice')
    .map((p) => firstLine(p.bytes));
  const proxy = sim.elements.get('Proxy') as Proxy;
  return { sim, toAlice, servers: proxy.table.serverList.map((s) => `${s.method} ${s.state}`) };
}

describe('proxy: no 408 to a non-INVITE (RFC 4320 §4.2)', () => {
  it('an OPTIONS whose only branch times out gets no response from the proxy; Alice ends it by her own Timer F', () => {
    const { sim, toAlice, servers } = run(['sip:svc@192.0.2.50'], 'options');
    expect(toAlice).toEqual([]);
    expect(sim.ua('Alice')!.results).toEqual(['OPTIONS 408']);
    // the proxy's server transaction ended without a response (not left in Trying)
    expect(servers).toEqual([]);
    const ev = sim.eventList.filter((e) => e.node === 'Proxy' && /no 408 to a non-INVITE/.test(e.text));
    expect(ev.map((e) => e.time)).toEqual([32_010_000]);
    expect(
      sim.eventList.some(
        (e) =>
          e.node === 'Proxy' &&
          e.kind === 'transaction' &&
          /NIST OPTIONS .* trying -> terminated/.test(e.text),
      ),
    ).toBe(true);
  });

  it("a response from another branch goes up instead of the timed-out branch's 408", () => {
    const { toAlice } = run(['sip:svc@192.0.2.50', 'sip:svc@192.0.2.60'], 'options');
    expect(toAlice).toEqual(['SIP/2.0 302 Moved Temporarily']);
  });

  it('an INVITE whose branch times out still gets the 408 (RFC 3261 §16.7 step 6)', () => {
    const { toAlice } = run(['sip:svc@192.0.2.50'], 'call');
    expect(toAlice).toEqual(['SIP/2.0 100 Trying', 'SIP/2.0 408 Request Timeout']);
  });
});
